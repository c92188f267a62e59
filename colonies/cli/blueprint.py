"""``colonies blueprint``: desired state that reconciler executors make true.

A blueprint definition (colony owner) declares a kind and the executor type and function
that reconcile it; a blueprint is one declared object of that kind. Blueprints are arbitrary
JSON, so this module passes the server's wire objects through as they are (``--json`` prints
exactly what the server sent) and only renders them for people.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import click

from colonies.cli import tables
from colonies.cli.options import (
    CliError,
    Env,
    client_options,
    colony_key_option,
    json_option,
    read_json,
    run,
    spec_option,
)
from colonies.client import ColoniesClient
from colonies.core import (
    Conditions,
    ExecutorState,
    FunctionSpec,
    Log,
    ProcessState,
    WorkflowSpec,
)
from colonies.core.cron import Cron
from colonies.errors import RPCError

Wire = dict[str, Any]
RECONCILE_INTERVAL_S = 60  # the reference's reconcile cron interval


@click.group()
def blueprint() -> None:
    """Declare desired state (blueprints) that reconciler executors make true."""


@blueprint.group()
def definition() -> None:
    """Manage blueprint definitions: the kinds a colony accepts and who reconciles them."""


def echo_wire(value: Any) -> None:
    click.echo(json.dumps(value, indent=4))


def load_object(path: Path, colony: str) -> Wire:
    """A definition or blueprint from a JSON file; ``metadata.colonyname`` defaults to colony."""
    data = read_json(path)
    if not isinstance(data, dict):
        raise CliError(f"The spec file {path} must be a JSON object.")
    metadata = data.setdefault("metadata", {})
    if not isinstance(metadata, dict) or not metadata.get("name"):
        raise CliError(f'The spec file {path} needs a name: "metadata": {{"name": "..."}}.')
    if not metadata.get("colonyname"):
        metadata["colonyname"] = colony
    return data


def _metadata(obj: Wire) -> Wire:
    found = obj.get("metadata")
    return found if isinstance(found, dict) else {}


def _handler(definition: Wire) -> Wire:
    spec = definition.get("spec")
    handler = spec.get("handler") if isinstance(spec, dict) else None
    return handler if isinstance(handler, dict) else {}


def _time(text: Any) -> str:
    """An RFC 3339 time from the wire in the CLI's time format; empty for Go's zero time."""
    if not isinstance(text, str) or not text or text.startswith("0001-01-01"):
        return ""
    try:
        return tables.fmt_time(datetime.fromisoformat(text.replace("Z", "+00:00")))
    except ValueError:
        return text


def flatten(value: Any, prefix: str = "") -> Iterator[tuple[str, str]]:
    """Leaves of a JSON object as (dotted.key, value) rows."""
    if isinstance(value, dict) and value:
        for key, item in value.items():
            yield from flatten(item, f"{prefix}.{key}" if prefix else str(key))
    elif prefix:
        yield prefix, tables.fmt_value(value)


# definitions


@definition.command(name="add")
@spec_option(help="BlueprintDefinition JSON file.")
@colony_key_option
@client_options
@json_option
def add_definition(env: Env, spec: Path, as_json: bool) -> None:
    """Add a blueprint definition (colony owner key).

    \b
    Example:
      colonies blueprint definition add --spec examples/blueprints/light-definition.json
    """
    new, key = load_object(spec, env.colony), env.colony_prvkey
    added = run(
        env, lambda c: c.call("addblueprintdefinitionmsg", {"blueprintdefinition": new}, key)
    )
    if as_json:
        echo_wire(added)
        return
    meta = _metadata(added)
    click.echo(
        f"Blueprint definition {meta.get('name')} (kind {added.get('kind')}) "
        f"added to colony {meta.get('colonyname')}"
    )


async def _definitions(c: ColoniesClient, colony: str, key: str) -> list[Wire]:
    return list(await c.call("getblueprintdefinitionsmsg", {"colonyname": colony}, key) or [])


@definition.command(name="ls")
@client_options
@json_option
def list_definitions(env: Env, as_json: bool) -> None:
    """List the blueprint definitions of the colony.

    \b
    Example:
      colonies blueprint definition ls
    """
    colony, key = env.colony, env.prvkey
    found = run(env, lambda c: _definitions(c, colony, key))
    if as_json:
        echo_wire(found)
    elif not found:
        click.echo("No blueprint definitions found")
    else:
        rows = []
        for d in found:
            handler = _handler(d)
            rows.append(
                (
                    _metadata(d).get("name", ""),
                    d.get("kind", ""),
                    handler.get("executorType", ""),
                    handler.get("functionName", ""),
                )
            )
        click.echo(tables.table(["Name", "Kind", "ExecutorType", "Function"], rows))


@definition.command(name="get")
@click.option("--name", required=True, help="Definition name.")
@client_options
@json_option
def get_definition(env: Env, name: str, as_json: bool) -> None:
    """Show a blueprint definition.

    \b
    Example:
      colonies blueprint definition get --name lights
    """
    data, key = {"colonyname": env.colony, "name": name}, env.prvkey
    found = run(env, lambda c: c.call("getblueprintdefinitionmsg", data, key))
    if as_json:
        echo_wire(found)
        return
    meta, handler, spec = _metadata(found), _handler(found), found.get("spec") or {}
    rows = [
        ("Name", meta.get("name", "")),
        ("Id", found.get("blueprintdefinitionid", "")),
        ("Kind", found.get("kind", "")),
        ("Colony", meta.get("colonyname", "")),
        ("Group", spec.get("group", "")),
        ("Version", spec.get("version", "")),
        ("ExecutorType", handler.get("executorType", "")),
        ("Function", handler.get("functionName", "")),
    ]
    click.echo(tables.detail(rows, "Blueprint definition:"))
    schema = spec.get("schema")
    if isinstance(schema, dict) and schema.get("properties"):
        required = set(schema.get("required") or [])
        props = [
            (prop, (p or {}).get("type", ""), "yes" if prop in required else "")
            for prop, p in schema["properties"].items()
        ]
        click.echo("\nSchema:")
        click.echo(tables.table(["Property", "Type", "Required"], props))


@definition.command(name="remove")
@click.option("--name", required=True, help="Definition name.")
@colony_key_option
@client_options
def remove_definition(env: Env, name: str) -> None:
    """Remove a blueprint definition (colony owner key); refused while blueprints of its kind exist.

    \b
    Example:
      colonies blueprint definition remove --name lights
    """
    colony, key = env.colony, env.colony_prvkey
    run(
        env,
        lambda c: c.call("removeblueprintdefinitionmsg", {"namespace": colony, "name": name}, key),
    )
    click.echo(f"Blueprint definition {name} removed from colony {colony}")


# blueprints


@blueprint.command()
@spec_option(help="Blueprint JSON file.")
@client_options
@json_option
def add(env: Env, spec: Path, as_json: bool) -> None:
    """Add a blueprint; its kind needs a definition in the colony.

    \b
    Example:
      colonies blueprint add --spec examples/blueprints/light.json
    """
    new, key = load_object(spec, env.colony), env.prvkey
    added = run(env, lambda c: c.call("addblueprintmsg", {"blueprint": new}, key))
    if as_json:
        echo_wire(added)
    else:
        click.echo(f"Blueprint {_metadata(added).get('name')} ({added.get('kind')}) added")


@blueprint.command()
@spec_option(help="Blueprint JSON file (the whole blueprint, as for add).")
@click.option(
    "--forcegeneration", is_flag=True, help="New generation even if the spec is unchanged."
)
@client_options
@json_option
def update(env: Env, spec: Path, forcegeneration: bool, as_json: bool) -> None:
    """Replace a blueprint's spec; a changed spec is a new generation and is reconciled.

    \b
    Example:
      colonies blueprint update --spec examples/blueprints/light.json
    """
    new, key = load_object(spec, env.colony), env.prvkey
    data = {"blueprint": new, "forcegeneration": forcegeneration}
    updated = run(env, lambda c: c.call("updateblueprintmsg", data, key))
    if as_json:
        echo_wire(updated)
        return
    meta = _metadata(updated)
    click.echo(f"Blueprint {meta.get('name')} updated (generation {meta.get('generation', 0)})")


async def _get(c: ColoniesClient, colony: str, name: str, key: str) -> Wire:
    found: Wire = await c.call("getblueprintmsg", {"namespace": colony, "name": name}, key)
    return found


def blueprint_table(b: Wire) -> str:
    meta = _metadata(b)
    rows = [
        ("Name", meta.get("name", "")),
        ("Id", b.get("blueprintid", "")),
        ("Kind", b.get("kind", "")),
        ("Colony", meta.get("colonyname", "")),
        ("Location", meta.get("locationname", "")),
        ("Generation", meta.get("generation", 0)),
        ("Created", _time(meta.get("createdAt"))),
        ("Updated", _time(meta.get("updatedAt"))),
        ("LastReconciliation", _time(meta.get("lastReconciliationTime"))),
        ("LastReconciliationProcess", meta.get("lastReconciliationProcess", "")),
    ]
    parts = [tables.detail(rows, "Blueprint:")]
    for title, key in (("Spec:", "spec"), ("Status:", "status")):
        leaves = list(flatten(b.get(key)))
        if leaves:
            parts.append(tables.detail(leaves, f"\n{title}"))
    return "\n".join(parts)


@blueprint.command()
@click.option("--name", required=True, help="Blueprint name.")
@client_options
@json_option
def get(env: Env, name: str, as_json: bool) -> None:
    """Show a blueprint: metadata, spec (desired) and status (reported).

    \b
    Example:
      colonies blueprint get --name kitchen
    """
    colony, key = env.colony, env.prvkey
    found = run(env, lambda c: _get(c, colony, name, key))
    if as_json:
        echo_wire(found)
    else:
        click.echo(blueprint_table(found))


@blueprint.command(name="ls")
@click.option("--kind", default="", help="Only blueprints of this kind.")
@click.option("--location", default="", help="Only blueprints at this location.")
@client_options
@json_option
def list_blueprints(env: Env, kind: str, location: str, as_json: bool) -> None:
    """List the blueprints of the colony.

    \b
    Example:
      colonies blueprint ls --kind Light
    """
    data: Wire = {"namespace": env.colony}
    if kind:
        data["kind"] = kind
    if location:
        data["locationname"] = location
    key = env.prvkey
    found = list(run(env, lambda c: c.call("getblueprintsmsg", data, key)) or [])
    if as_json:
        echo_wire(found)
    elif not found:
        click.echo("No blueprints found")
    else:
        rows = []
        for b in found:
            meta = _metadata(b)
            rows.append(
                (
                    meta.get("name", ""),
                    b.get("kind", ""),
                    meta.get("locationname", ""),
                    meta.get("generation", 0),
                    _time(meta.get("lastReconciliationTime")),
                )
            )
        headers = ["Name", "Kind", "Location", "Generation", "LastReconciliation"]
        click.echo(tables.table(headers, rows))


def parse_value(text: str) -> Any:
    """JSON when it parses (numbers, booleans, objects), else the text itself."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def set_path(spec: Wire, key: str, value: Any) -> None:
    """Set an existing field of ``spec`` by dotted path (``spec.`` prefix optional).

    New fields are refused, as in the reference: a typo must not silently add one.
    """
    path = key.removeprefix("spec.").split(".")
    current = spec
    for i, part in enumerate(path[:-1]):
        child = current.get(part)
        if not isinstance(child, dict):
            where = ".".join(path[: i + 1])
            missing = part not in current
            why = "does not exist" if missing else "is not an object"
            raise CliError(f"Cannot set {key}: spec.{where} {why} in the blueprint.")
        current = child
    if path[-1] not in current:
        raise CliError(
            f"Cannot set {key}: the blueprint's spec has no field {'.'.join(path)} "
            "(set only changes existing fields; use update --spec to add fields)."
        )
    current[path[-1]] = value


@blueprint.command(name="set")
@click.option("--name", required=True, help="Blueprint name.")
@click.option("--key", required=True, help="Dotted path of a spec field, e.g. spec.replicas.")
@click.option("--value", required=True, help="New value (JSON if it parses, else a string).")
@client_options
@json_option
def set_field(env: Env, name: str, key: str, value: str, as_json: bool) -> None:
    """Change one field of a blueprint's spec (a new generation, reconciled at once).

    \b
    Example:
      colonies blueprint set --name kitchen --key spec.brightness --value 80
    """
    colony, prvkey = env.colony, env.prvkey

    async def action(c: ColoniesClient) -> Wire:
        found = await _get(c, colony, name, prvkey)
        spec = found.get("spec")
        if not isinstance(spec, dict):
            spec = found["spec"] = {}
        set_path(spec, key, parse_value(value))
        data = {"blueprint": found, "forcegeneration": False}
        updated: Wire = await c.call("updateblueprintmsg", data, prvkey)
        return updated

    updated = run(env, action)
    if as_json:
        echo_wire(updated)
    else:
        generation = _metadata(updated).get("generation", 0)
        click.echo(f"Blueprint {name}: {key} = {value} (generation {generation})")


@blueprint.command()
@click.option("--name", required=True, help="Blueprint name.")
@client_options
def remove(env: Env, name: str) -> None:
    """Remove a blueprint; its reconciler is asked to clean up.

    \b
    Example:
      colonies blueprint remove --name kitchen
    """
    colony, key = env.colony, env.prvkey
    run(env, lambda c: c.call("removeblueprintmsg", {"namespace": colony, "name": name}, key))
    click.echo(f"Blueprint {name} removed from colony {colony}")


@blueprint.command()
@click.option("--name", required=True, help="Blueprint name.")
@click.option("-f", "--force", is_flag=True, help="Force: a new generation, rebuilt from scratch.")
@client_options
@json_option
def reconcile(env: Env, name: str, force: bool, as_json: bool) -> None:
    """Reconcile a blueprint now (submits a reconciliation process).

    \b
    Example:
      colonies blueprint reconcile --name kitchen --force
    """
    data, key = {"namespace": env.colony, "name": name, "force": force}, env.prvkey
    process = run(env, lambda c: c.call("reconcileblueprintmsg", data, key))
    if as_json:
        echo_wire(process)
        return
    pid = process.get("processid", "")
    click.echo(f"Reconciliation process submitted: {pid}")
    click.echo(f"Follow it with: colonies log get -p {pid} --follow")


@blueprint.command()
@click.option("--name", required=True, help="Blueprint name.")
@click.option("-l", "--limit", type=int, default=10, show_default=True, help="How many entries.")
@click.option("-g", "--generation", type=int, default=-1, help="Show this generation in full.")
@client_options
@json_option
def history(env: Env, name: str, limit: int, generation: int, as_json: bool) -> None:
    """Show how a blueprint changed: one entry per create, update and delete.

    \b
    Example:
      colonies blueprint history --name kitchen
      colonies blueprint history --name kitchen -g 2
    """
    colony, key = env.colony, env.prvkey

    async def action(c: ColoniesClient) -> list[Wire]:
        found = await _get(c, colony, name, key)
        data = {"blueprintid": found.get("blueprintid", ""), "limit": limit}
        return list(await c.call("getblueprinthistorymsg", data, key) or [])

    entries = run(env, action)
    if generation >= 0:
        chosen = [e for e in entries if e.get("generation") == generation]
        if not chosen:
            raise CliError(f"Generation {generation} of blueprint {name} is not in its history.")
        entry = chosen[0]
        if as_json:
            echo_wire(entry)
            return
        rows = [
            ("Generation", entry.get("generation", "")),
            ("Change", entry.get("changetype", "")),
            ("Time", _time(entry.get("timestamp"))),
            ("ChangedBy", entry.get("changedby", "")),
        ]
        click.echo(tables.detail(rows, f"Blueprint {name}, generation {generation}:"))
        leaves = list(flatten(entry.get("spec")))
        if leaves:
            click.echo(tables.detail(leaves, "\nSpec:"))
        return
    if as_json:
        echo_wire(entries)
    elif not entries:
        click.echo(f"No history found for blueprint {name}")
    else:
        rows2 = [
            (
                e.get("generation", ""),
                e.get("changetype", ""),
                _time(e.get("timestamp")),
                e.get("changedby", ""),
            )
            for e in entries
        ]
        click.echo(tables.table(["Generation", "Change", "Time", "ChangedBy"], rows2))


# reconcilers: logs and a health check


async def _reconcilers(c: ColoniesClient, colony: str, name: str, key: str) -> tuple[Wire, Wire]:
    """The blueprint and its kind's definition (CliError when there is no definition)."""
    found = await _get(c, colony, name, key)
    kind = found.get("kind", "")
    for d in await _definitions(c, colony, key):
        if d.get("kind") == kind:
            return found, d
    raise CliError(f"Blueprint {name} is of kind {kind}, which has no definition in {colony}.")


async def _reconciler_names(
    c: ColoniesClient, colony: str, executor_type: str, location: str, key: str
) -> list[str]:
    executors = await c.get_executors(colony, key)
    return [
        e.executor_name
        for e in executors
        if e.executor_type == executor_type and (not location or e.location_name == location)
    ]


@blueprint.command(name="log")
@click.option("--name", required=True, help="Blueprint name.")
@click.option("-c", "--count", type=int, default=100, show_default=True, help="How many.")
@click.option("-f", "--follow", is_flag=True, help="Keep printing new log lines (Ctrl-C stops).")
@client_options
def log_(env: Env, name: str, count: int, follow: bool) -> None:
    """Print the logs of the executors that reconcile a blueprint.

    \b
    Example:
      colonies blueprint log --name kitchen --follow
    """
    colony, key = env.colony, env.prvkey

    def emit(logs: list[Log]) -> None:
        click.echo(tables.logs_text(logs), nl=False)

    async def action(c: ColoniesClient) -> None:
        found, definition = await _reconcilers(c, colony, name, key)
        executor_type = _handler(definition).get("executorType", "")
        location = _metadata(found).get("locationname", "")
        names = await _reconciler_names(c, colony, executor_type, location, key)
        if not names:
            raise CliError(f"No executor of type {executor_type!r} reconciles blueprint {name}.")
        since: dict[str, int] = dict.fromkeys(names, 0)
        while True:
            batch: list[Log] = []
            for executor_name in names:
                logs = await c.get_logs(
                    colony,
                    key,
                    executor_name=executor_name,
                    count=count,
                    since=since[executor_name],
                    latest=since[executor_name] == 0,
                )
                if logs:
                    since[executor_name] = max(log.timestamp for log in logs)
                batch += logs
            batch.sort(key=lambda log: log.timestamp)
            if batch:
                emit(batch[-count:] if count > 0 else batch)
            if not follow:
                return
            if not batch:
                await asyncio.sleep(1)

    run(env, action)


def reconcile_cron(definition: Wire, colony: str, location: str) -> Cron:
    """The reconcile cron SEMANTICS §14 describes for a kind (and location)."""
    handler, kind = _handler(definition), definition.get("kind", "")
    executor_type, func = handler.get("executorType", ""), handler.get("functionName", "")
    spec = FunctionSpec(
        node_name=f"{executor_type}-{func}",
        func_name=func,
        kw_args={"kind": kind},
        conditions=Conditions(
            colony_name=colony, executor_type=executor_type, location_name=location
        ),
    )
    workflow = WorkflowSpec(colony_name=colony, function_specs=[spec])
    return Cron(
        colony_name=colony,
        name=cron_name(kind, location),
        interval=RECONCILE_INTERVAL_S,
        wait_for_prev_process_graph=True,
        workflow_spec=workflow.to_json(),
    )


def cron_name(kind: str, location: str) -> str:
    return f"reconcile-{kind}" + (f"-{location}" if location else "")


Check = tuple[bool, str]


async def diagnose(
    c: ColoniesClient, colony: str, name: str, key: str, fix: bool, say: Callable[[Check], None]
) -> int:
    """Check what a blueprint needs to be reconciled; returns the number of problems left."""
    problems = 0

    def check(ok: bool, text: str) -> bool:
        nonlocal problems
        problems += 0 if ok else 1
        say((ok, text))
        return ok

    found, definition = await _reconcilers(c, colony, name, key)
    kind, location = found.get("kind", ""), _metadata(found).get("locationname", "")
    check(
        True, f"blueprint {name} (kind {kind}) has definition {_metadata(definition).get('name')}"
    )
    handler = _handler(definition)
    executor_type = handler.get("executorType", "")
    if not check(
        bool(executor_type and handler.get("functionName")),
        "the definition names a handler (executorType and functionName)",
    ):
        return problems
    executors = [
        e
        for e in await c.get_executors(colony, key)
        if e.executor_type == executor_type and (not location or e.location_name == location)
    ]
    where = f" at location {location}" if location else ""
    check(bool(executors), f"an executor of type {executor_type}{where} is registered")
    if executors:
        approved = [e for e in executors if e.state == ExecutorState.APPROVED]
        check(bool(approved), f"one of them is approved ({len(approved)} of {len(executors)})")
    name_wanted = cron_name(kind, location)
    crons = await c.get_crons(colony, 100, key)
    has_cron = any(cr.name == name_wanted for cr in crons)
    if not has_cron and fix:
        await c.add_cron(reconcile_cron(definition, colony, location), key)
        say((True, f"fixed: added the reconcile cron {name_wanted}"))
        has_cron = True
    check(has_cron, f"the reconcile cron {name_wanted} exists")
    last = _metadata(found).get("lastReconciliationProcess", "")
    if last:
        try:
            process = await c.get_process(last, key)
            failed = process.state == ProcessState.FAILED
            detail = "; ".join(process.errors) if failed else tables.STATE_NAMES[process.state]
            check(not failed, f"the last reconciliation {last[:12]}… is not failed ({detail})")
        except RPCError:
            say((True, f"the last reconciliation process {last[:12]}… is gone (removed)"))
    if fix:
        data = {"namespace": colony, "name": name, "force": False}
        process = await c.call("reconcileblueprintmsg", data, key)
        say((True, f"fixed: reconciliation process {process.get('processid', '')} submitted"))
    return problems


@blueprint.command()
@click.option("--name", required=True, help="Blueprint name.")
@click.option("--fix", is_flag=True, help="Add a missing reconcile cron and reconcile now.")
@client_options
def doctor(env: Env, name: str, fix: bool) -> None:
    """Check why a blueprint is (not) being reconciled; exits 1 when a problem remains.

    \b
    Example:
      colonies blueprint doctor --name kitchen --fix
    """
    colony, key = env.colony, env.prvkey

    def say(result: Check) -> None:
        ok, text = result
        click.echo(f"{'ok  ' if ok else 'FAIL'} {text}")

    problems = run(env, lambda c: diagnose(c, colony, name, key, fix, say))
    if problems:
        raise CliError(f"{problems} problem(s) found for blueprint {name}.")
    click.echo(f"Blueprint {name} can be reconciled")
