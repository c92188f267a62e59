"""The actions (POST, with the session's CSRF token): each is signed with the key whose
role allows it, and answers with where to look next (a redirect, or for htmx the fresh
fragment)."""

from __future__ import annotations

import json

from aiohttp import web
from pydantic import ValidationError

from colonies.core import FunctionSpec
from colonies.dashboard import extensions, feeds
from colonies.dashboard.render import fragment, page
from colonies.dashboard.state import DASHBOARD
from colonies.errors import ColoniesError

routes = web.RouteTableDef()


def go(request: web.Request, location: str) -> web.Response:
    """A redirect, as htmx wants it (HX-Redirect) or as a browser does (303)."""
    if request.headers.get("HX-Request"):
        return web.Response(status=204, headers={"HX-Redirect": location})
    raise web.HTTPSeeOther(location)


def refused(request: web.Request, message: str, status: int = 403) -> web.Response:
    return page(request, "refused.html", {"message": message}, status=status)


def spec_from_text(text: str, colony: str) -> FunctionSpec:
    """A function spec from the editor's JSON; ValueError with a sentence when it is not."""
    try:
        data = json.loads(text)
    except json.JSONDecodeError as e:
        raise ValueError(f"Not JSON: {e.msg} at line {e.lineno}, column {e.colno}.") from None
    if not isinstance(data, dict):
        raise ValueError('A function spec is a JSON object, e.g. {"funcname": "echo"}.')
    try:
        spec = FunctionSpec.model_validate(data)
    except ValidationError as e:
        first = e.errors()[0]
        where = ".".join(str(p) for p in first["loc"])
        raise ValueError(f"{where}: {first['msg']}.") from None
    if not spec.func_name:
        raise ValueError("funcname is missing: name the function to run.")
    if not spec.conditions.colony_name:
        spec.conditions.colony_name = colony
    if spec.conditions.colony_name != colony:
        raise ValueError(f"conditions.colonyname must be {colony}, the colony of this page.")
    return spec


@routes.post("/c/{colony}/submit")
async def submit(request: web.Request) -> web.Response:
    dash = request.app[DASHBOARD]
    colony = request.match_info["colony"]
    text = str((await request.post()).get("spec", ""))
    if not dash.keys.can_submit:
        return refused(request, "Submitting needs a member's key (COLONIES_PRVKEY).")
    try:
        spec = spec_from_text(text, colony)
        process = await dash.client.submit(spec, key=dash.keys.user)
    except (ValueError, ColoniesError) as e:
        message = str(e) if isinstance(e, ValueError) else feeds.problem(e)
        context = {"example": None, "error": message, "text": text}
        return page(request, "submit.html", context, status=400)
    return go(request, f"/c/{colony}/processes/{process.process_id}")


@routes.post("/c/{colony}/processes/{pid}/{action:cancel|remove}")
async def process_action(request: web.Request) -> web.Response:
    dash = request.app[DASHBOARD]
    colony, pid, action = (request.match_info[k] for k in ("colony", "pid", "action"))
    key = dash.keys.user or dash.keys.colony
    try:
        if action == "cancel":
            await dash.client.cancel(pid, key=key)
        else:
            await dash.client.remove_process(pid, key=key)
    except ColoniesError as e:
        return refused(request, feeds.problem(e), getattr(e, "status", 403) or 403)
    if action == "remove":
        return go(request, f"/c/{colony}/processes")
    return go(request, f"/c/{colony}/processes/{pid}")


@routes.post("/c/{colony}/executors/{name}/{action:approve|reject|remove}")
async def executor_action(request: web.Request) -> web.Response:
    dash = request.app[DASHBOARD]
    colony, name, action = (request.match_info[k] for k in ("colony", "name", "action"))
    if not dash.keys.can_approve:
        return refused(request, "This needs the colony owner's key (COLONIES_COLONY_PRVKEY).")
    call = {
        "approve": dash.client.approve_executor,
        "reject": dash.client.reject_executor,
        "remove": dash.client.remove_executor,
    }[action]
    try:
        await call(name, colony=colony, key=dash.keys.colony)
        found = await feeds.read_executors(dash, colony)
    except ColoniesError as e:
        return refused(request, feeds.problem(e), getattr(e, "status", 403) or 403)
    if not request.headers.get("HX-Request"):
        return go(request, f"/c/{colony}/executors")
    context = {**found, "colony": colony, "keys": dash.keys}
    return web.Response(
        text=fragment(request.app, "_executor_rows.html", context), content_type="text/html"
    )


@routes.post("/c/{colony}/crons/{cron_id}/run")
async def run_cron(request: web.Request) -> web.Response:
    dash = request.app[DASHBOARD]
    colony = request.match_info["colony"]
    try:
        await dash.client.run_cron(request.match_info["cron_id"], key=dash.keys.reader)
    except ColoniesError as e:
        return refused(request, feeds.problem(e), getattr(e, "status", 403) or 403)
    if request.headers.get("HX-Request"):
        return web.Response(status=204)  # the page's live stream shows the run
    return go(request, f"/c/{colony}/crons")


@routes.post("/c/{colony}/workflows/{gid}/rerun")
async def rerun_workflow(request: web.Request) -> web.Response:
    dash = request.app[DASHBOARD]
    colony, gid = request.match_info["colony"], request.match_info["gid"]
    try:
        graph = await extensions.rerun(dash, gid)
    except extensions.Unsupported as e:
        return refused(request, str(e), status=501)
    except ColoniesError as e:
        return refused(request, feeds.problem(e), getattr(e, "status", 403) or 403)
    return go(request, f"/c/{colony}/workflows/{graph.process_graph_id}")


@routes.get("/c/{colony}/fs/download")
async def download(request: web.Request) -> web.StreamResponse:
    """One file of a label, fetched from the colony's S3 store (AWS_S3_* of this process)."""
    import tempfile
    from pathlib import Path

    from colonies.fs.transfer import Fs

    dash = request.app[DASHBOARD]
    colony = request.match_info["colony"]
    label, name = request.rel_url.query.get("label", ""), request.rel_url.query.get("name", "")
    api = dash.client.signed_by(dash.keys.reader, colony=colony)
    try:
        found = await api.find_file(label=label, name=name)
        if found is None:
            return refused(request, f"There is no file {name} in {label}.", status=404)
        fs = await Fs.from_env(api)
        tmp = Path(tempfile.mkdtemp(prefix="cfs-dash-"))
        path = await fs.download(found, tmp / "file")
    except (ColoniesError, OSError, Exception) as e:  # S3 errors have no common base
        return refused(request, f"The download failed: {e}", status=502)
    response = web.StreamResponse(
        headers={
            "Content-Type": "application/octet-stream",
            "Content-Disposition": f'attachment; filename="{Path(name).name}"',
        }
    )
    await response.prepare(request)
    try:
        with path.open("rb") as f:
            while chunk := f.read(1 << 16):
                await response.write(chunk)
    finally:
        path.unlink(missing_ok=True)
        tmp.rmdir()
    await response.write_eof()
    return response
