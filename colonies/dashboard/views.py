"""The pages (GET): each reads what it shows once, and its live stream keeps it current."""

from __future__ import annotations

from typing import Any

from aiohttp import web

from colonies.dashboard import extensions, feeds
from colonies.dashboard.feeds import TABS, ListQuery
from colonies.dashboard.live import stream
from colonies.dashboard.render import page
from colonies.dashboard.state import DASHBOARD
from colonies.errors import ColoniesError

routes = web.RouteTableDef()


def refused(request: web.Request, e: Exception) -> web.Response:
    status = 403 if getattr(e, "status", 0) in (401, 403) else 502
    return page(request, "refused.html", {"message": feeds.problem(e)}, status=status)


@routes.get("/")
async def home(request: web.Request) -> web.Response:
    dash = request.app[DASHBOARD]
    colonies: list[Any] = []
    if dash.keys.server:
        try:
            colonies = await dash.client.get_colonies(key=dash.keys.server)
        except ColoniesError as e:
            return refused(request, e)
    if dash.colony and not colonies:
        raise web.HTTPSeeOther(f"/c/{dash.colony}/")
    return page(request, "home.html", {"colonies": colonies})


@routes.get("/c/{colony}/")
async def overview(request: web.Request) -> web.Response:
    dash = request.app[DASHBOARD]
    colony = request.match_info["colony"]
    try:
        stats = await dash.client.colony_statistics(colony=colony, key=dash.keys.reader)
    except ColoniesError as e:
        return refused(request, e)
    dash.history(colony).add(stats)
    return page(request, "overview.html", {"stats": stats})


@routes.get("/c/{colony}/processes")
async def processes(request: web.Request) -> web.Response:
    dash = request.app[DASHBOARD]
    colony = request.match_info["colony"]
    q = ListQuery.from_request(request)
    try:
        # one read: the tabs' counts come with the live stream (statistics count every row)
        found = await feeds.read_list(dash, colony, q)
    except ColoniesError as e:
        return refused(request, e)
    return page(request, "processes.html", {"found": found, "q": q, "tabs": TABS})


@routes.get("/c/{colony}/processes/{pid}")
async def process(request: web.Request) -> web.Response:
    dash = request.app[DASHBOARD]
    colony = request.match_info["colony"]
    try:
        p = await dash.client.get_process(request.match_info["pid"], key=dash.keys.reader)
    except ColoniesError as e:
        return refused(request, e)
    if p.spec.conditions.colony_name != colony:
        raise web.HTTPSeeOther(f"/c/{p.spec.conditions.colony_name}/processes/{p.process_id}")
    # attempts (with resource reports) and "why pending" are ours: left out where the
    # server has no such RPC (extensions)
    context = {
        "p": p,
        "attempts": await extensions.attempts(dash, p.process_id),
        "why": await extensions.why_pending(dash, p),
    }
    return page(request, "process.html", context)


@routes.get("/c/{colony}/workflows")
async def workflows(request: web.Request) -> web.Response:
    dash = request.app[DASHBOARD]
    tab = feeds.workflow_tab(request)
    try:
        found = await feeds.read_workflows(tab)(dash, request.match_info["colony"])
    except ColoniesError as e:
        return refused(request, e)
    return page(request, "workflows.html", {**found, "tabs": feeds.WORKFLOW_TABS})


@routes.get("/c/{colony}/workflows/{gid}")
async def workflow(request: web.Request) -> web.Response:
    dash = request.app[DASHBOARD]
    try:
        g = await dash.client.get_process_graph(request.match_info["gid"], key=dash.keys.reader)
    except ColoniesError as e:
        return refused(request, e)
    rerun = g.state in extensions.RERUNNABLE
    return page(request, "workflow.html", {"g": g, "graph": feeds.graph_json(g), "rerun": rerun})


@routes.get("/c/{colony}/executors")
async def executors(request: web.Request) -> web.Response:
    dash = request.app[DASHBOARD]
    colony = request.match_info["colony"]
    try:
        found = await feeds.read_executors(dash, colony)
    except ColoniesError as e:
        return refused(request, e)
    return page(request, "executors.html", found)


@routes.get("/c/{colony}/crons")
async def crons(request: web.Request) -> web.Response:
    dash = request.app[DASHBOARD]
    try:
        found = await feeds.read_crons(dash, request.match_info["colony"])
    except ColoniesError as e:
        return refused(request, e)
    return page(request, "crons.html", found)


@routes.get("/c/{colony}/functions")
async def functions(request: web.Request) -> web.Response:
    dash = request.app[DASHBOARD]
    try:
        found = await feeds.read_functions(dash, request.match_info["colony"])
    except ColoniesError as e:
        return refused(request, e)
    return page(request, "functions.html", found)


@routes.get("/c/{colony}/fs")
async def fs(request: web.Request) -> web.Response:
    dash = request.app[DASHBOARD]
    label = request.rel_url.query.get("label", "")
    try:
        found = await feeds.read_fs(label)(dash, request.match_info["colony"])
    except ColoniesError as e:
        return refused(request, e)
    return page(request, "fs.html", found)


@routes.get("/c/{colony}/submit")
async def submit_form(request: web.Request) -> web.Response:
    colony = request.match_info["colony"]
    example = {
        "funcname": "echo",
        "args": ["hello"],
        "conditions": {"colonyname": colony, "executortype": "cli"},
        "maxexectime": 60,
    }
    return page(request, "submit.html", {"example": example, "error": "", "text": ""})


# live streams


@routes.get("/c/{colony}/live/overview")
async def live_overview(request: web.Request) -> web.StreamResponse:
    return await stream(request, [feeds.stats_topic(request.app, request.match_info["colony"])])


@routes.get("/c/{colony}/live/processes")
async def live_processes(request: web.Request) -> web.StreamResponse:
    colony = request.match_info["colony"]
    q = ListQuery.from_request(request)
    topics = [feeds.stats_topic(request.app, colony), feeds.list_topic(request.app, colony, q)]
    return await stream(request, topics)


@routes.get("/c/{colony}/live/processes/{pid}")
async def live_process(request: web.Request) -> web.StreamResponse:
    m = request.match_info
    return await stream(request, [feeds.process_topic(request.app, m["colony"], m["pid"])])


@routes.get("/c/{colony}/live/workflows/{gid}")
async def live_workflow(request: web.Request) -> web.StreamResponse:
    m = request.match_info
    return await stream(request, [feeds.graph_topic(request.app, m["colony"], m["gid"])])


@routes.get("/c/{colony}/live/executors")
async def live_executors(request: web.Request) -> web.StreamResponse:
    return await stream(request, [feeds.executors_topic(request.app, request.match_info["colony"])])


@routes.get("/c/{colony}/live/crons")
async def live_crons(request: web.Request) -> web.StreamResponse:
    colony = request.match_info["colony"]
    return await stream(
        request, [feeds.polled_topic(request.app, colony, "crons", feeds.read_crons)]
    )


@routes.get("/c/{colony}/live/functions")
async def live_functions(request: web.Request) -> web.StreamResponse:
    colony = request.match_info["colony"]
    topic = feeds.polled_topic(request.app, colony, "functions", feeds.read_functions)
    return await stream(request, [topic])


@routes.get("/c/{colony}/live/workflows")
async def live_workflows(request: web.Request) -> web.StreamResponse:
    colony, tab = request.match_info["colony"], feeds.workflow_tab(request)
    topic = feeds.polled_topic(request.app, colony, "workflows", feeds.read_workflows(tab), tab)
    return await stream(request, [topic])


@routes.get("/c/{colony}/live/fs")
async def live_fs(request: web.Request) -> web.StreamResponse:
    colony, label = request.match_info["colony"], request.rel_url.query.get("label", "")
    return await stream(
        request, [feeds.polled_topic(request.app, colony, "fs", feeds.read_fs(label), label)]
    )
