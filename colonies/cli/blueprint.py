"""``colonies blueprint``: desired state that reconciler executors make true.

A blueprint definition (colony owner) declares a kind and the executor type and function
that reconcile it; a blueprint is one declared object of that kind (its ``spec`` and
``status`` are free JSON, shown as dotted key/value rows).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

import click

from colonies.cli import tables
from colonies.cli.options import (
    CliError,
    Env,
    client_options,
    colony_key_option,
    echo_json,
    echo_list,
    echo_one,
    json_option,
    parse_model,
    read_json,
    run,
    spec_option,
)
from colonies.core import Executor, ExecutorState, Log, ProcessState
from colonies.core.blueprint import (
    Blueprint,
    BlueprintDefinition,
    BlueprintHistory,
    cron_name,
    reconcile_cron,
)
from colonies.errors import RPCError

if TYPE_CHECKING:
    from colonies.client import ColoniesClient

B = TypeVar("B", Blueprint, BlueprintDefinition)


@click.group()
def blueprint() -> None:
    """Declare desired state (blueprints) that reconciler executors make true."""


@blueprint.group()
def definition() -> None:
    """Manage blueprint definitions: the kinds a colony accepts and who reconciles them."""


def load(model: type[B], path: Path, colony: str) -> B:
    """A definition or blueprint from a JSON file; ``metadata.colonyname`` defaults to colony."""
    found = parse_model(model, read_json(path), path)
    if not found.metadata.name:
        raise CliError(f'The spec file {path} needs a name: "metadata": {{"name": "..."}}.')
    found.metadata.colony_name = found.metadata.colony_name or colony
    return found


def flatten(value: Any, prefix: str = "") -> Iterator[tuple[str, str]]:
    """Leaves of a JSON object as (dotted.key, value) rows."""
    if isinstance(value, dict) and value:
        for key, item in value.items():
            yield from flatten(item, f"{prefix}.{key}" if prefix else str(key))
    elif prefix:
        yield prefix, tables.fmt_value(value)


def definitions_table(found: Sequence[BlueprintDefinition]) -> str:
    rows = [
        (d.metadata.name, d.kind, d.spec.handler.executor_type, d.spec.handler.function_name)
        for d in found
    ]
    return tables.table(["Name", "Kind", "ExecutorType", "Function"], rows)


def definition_table(d: BlueprintDefinition) -> str:
    handler = d.spec.handler
    rows = [
        ("Name", d.metadata.name),
        ("Id", d.blueprint_definition_id),
        ("Kind", d.kind),
        ("Colony", d.metadata.colony_name),
        ("Group", d.spec.group),
        ("Version", d.spec.version),
        ("ExecutorType", handler.executor_type),
        ("Function", handler.function_name),
        (
            "ReconcileInterval",
            f"{handler.reconcile_interval} s" if handler.reconcile_interval else "",
        ),
    ]
    text = tables.detail(rows, "Blueprint definition:")
    schema = d.spec.schema_
    if schema is not None and schema.properties:
        props = [
            (name, prop.type, "yes" if name in schema.required else "")
            for name, prop in schema.properties.items()
        ]
        text += "\n\nSchema:\n" + tables.table(["Property", "Type", "Required"], props)
    return text


def blueprints_table(found: Sequence[Blueprint]) -> str:
    rows = [
        (
            b.metadata.name,
            b.kind,
            b.metadata.location_name,
            b.metadata.generation,
            tables.fmt_time(b.metadata.last_reconciliation_time),
        )
        for b in found
    ]
    headers = ["Name", "Kind", "Location", "Generation", "LastReconciliation"]
    return tables.table(headers, rows)


def blueprint_table(b: Blueprint) -> str:
    meta = b.metadata
    rows = [
        ("Name", meta.name),
        ("Id", b.blueprint_id),
        ("Kind", b.kind),
        ("Colony", meta.colony_name),
        ("Location", meta.location_name),
        ("Generation", meta.generation),
        ("Created", tables.fmt_time(meta.created_at)),
        ("Updated", tables.fmt_time(meta.updated_at)),
        ("LastReconciliation", tables.fmt_time(meta.last_reconciliation_time)),
        ("LastReconciliationProcess", meta.last_reconciliation_process),
    ]
    parts = [tables.detail(rows, "Blueprint:")]
    for title, value in (("Spec:", b.spec), ("Status:", b.status)):
        leaves = list(flatten(value))
        if leaves:
            parts.append(tables.detail(leaves, f"\n{title}"))
    return "\n".join(parts)


def history_table(entries: Sequence[BlueprintHistory]) -> str:
    rows = [
        (e.generation, e.change_type, tables.fmt_time(e.timestamp), e.changed_by) for e in entries
    ]
    return tables.table(["Generation", "Change", "Time", "ChangedBy"], rows)


def history_entry_table(e: BlueprintHistory) -> str:
    rows = [
        ("Generation", e.generation),
        ("Change", e.change_type),
        ("Time", tables.fmt_time(e.timestamp)),
        ("ChangedBy", e.changed_by),
    ]
    text = tables.detail(rows, f"Blueprint {e.name}, generation {e.generation}:")
    leaves = list(flatten(e.spec))
    return text + ("\n" + tables.detail(leaves, "\nSpec:") if leaves else "")


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
    new, key = load(BlueprintDefinition, spec, env.colony), env.colony_prvkey
    added = run(env, lambda c: c.add_blueprint_definition(new, key=key))
    if as_json:
        echo_json(added)
    else:
        click.echo(
            f"Blueprint definition {added.metadata.name} (kind {added.kind}) "
            f"added to colony {added.metadata.colony_name}"
        )


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
    found = run(env, lambda c: c.get_blueprint_definitions(colony=colony, key=key))
    echo_list(found, as_json, definitions_table, "blueprint definitions")


@definition.command(name="get")
@click.option("--name", required=True, help="Definition name.")
@client_options
@json_option
def get_definition(env: Env, name: str, as_json: bool) -> None:
    """Show a blueprint definition and its schema.

    \b
    Example:
      colonies blueprint definition get --name lights
    """
    colony, key = env.colony, env.prvkey
    found = run(env, lambda c: c.get_blueprint_definition(name, colony=colony, key=key))
    echo_one(found, as_json, definition_table)


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
    run(env, lambda c: c.remove_blueprint_definition(name, colony=colony, key=key))
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
    new, key = load(Blueprint, spec, env.colony), env.prvkey
    added = run(env, lambda c: c.add_blueprint(new, key=key))
    if as_json:
        echo_json(added)
    else:
        click.echo(f"Blueprint {added.metadata.name} ({added.kind}) added")


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
    new, key = load(Blueprint, spec, env.colony), env.prvkey
    updated = run(env, lambda c: c.update_blueprint(new, forcegeneration, key=key))
    if as_json:
        echo_json(updated)
    else:
        meta = updated.metadata
        click.echo(f"Blueprint {meta.name} updated (generation {meta.generation})")


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
    found = run(env, lambda c: c.get_blueprint(name, colony=colony, key=key))
    echo_one(found, as_json, blueprint_table)


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
    colony, key = env.colony, env.prvkey
    found = run(
        env, lambda c: c.get_blueprints(kind=kind, location_name=location, colony=colony, key=key)
    )
    echo_list(found, as_json, blueprints_table, "blueprints")


def parse_value(text: str) -> Any:
    """JSON when it parses (numbers, booleans, objects), else the text itself."""
    try:
        return json.loads(text)
    except json.JSONDecodeError:
        return text


def set_path(spec: dict[str, Any], key: str, value: Any) -> None:
    """Set an existing field of ``spec`` by dotted path (``spec.`` prefix optional).

    New fields are refused, as in the reference: a typo must not silently add one.
    """
    path = key.removeprefix("spec.").split(".")
    current = spec
    for i, part in enumerate(path[:-1]):
        child = current.get(part)
        if not isinstance(child, dict):
            where = ".".join(path[: i + 1])
            why = "does not exist" if part not in current else "is not an object"
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

    async def action(c: ColoniesClient) -> Blueprint:
        found = await c.get_blueprint(name, colony=colony, key=prvkey)
        set_path(found.spec, key, parse_value(value))
        return await c.update_blueprint(found, key=prvkey)

    updated = run(env, action)
    if as_json:
        echo_json(updated)
    else:
        click.echo(f"Blueprint {name}: {key} = {value} (generation {updated.metadata.generation})")


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
    run(env, lambda c: c.remove_blueprint(name, colony=colony, key=key))
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
    colony, key = env.colony, env.prvkey
    process = run(env, lambda c: c.reconcile_blueprint(name, force, colony=colony, key=key))
    if as_json:
        echo_json(process)
        return
    click.echo(f"Reconciliation process submitted: {process.process_id}")
    click.echo(f"Follow it with: colonies log get -p {process.process_id} --follow")


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

    async def action(c: ColoniesClient) -> list[BlueprintHistory]:
        found = await c.get_blueprint(name, colony=colony, key=key)
        return await c.get_blueprint_history(found.blueprint_id, limit, key=key)

    entries = run(env, action)
    if generation < 0:
        echo_list(entries, as_json, history_table, f"history entries of blueprint {name}")
        return
    chosen = [e for e in entries if e.generation == generation]
    if not chosen:
        raise CliError(f"Generation {generation} of blueprint {name} is not in its history.")
    echo_one(chosen[0], as_json, history_entry_table)


# reconcilers: logs and a health check


async def _with_definition(
    c: ColoniesClient, colony: str, name: str, key: str
) -> tuple[Blueprint, BlueprintDefinition]:
    """The blueprint and its kind's definition (CliError when there is no definition)."""
    found = await c.get_blueprint(name, colony=colony, key=key)
    for d in await c.get_blueprint_definitions(colony=colony, key=key):
        if d.kind == found.kind:
            return found, d
    raise CliError(
        f"Blueprint {name} is of kind {found.kind}, which has no definition in {colony}."
    )


async def _reconcilers(
    c: ColoniesClient, b: Blueprint, d: BlueprintDefinition, key: str
) -> list[Executor]:
    """The executors of the definition's handler type at the blueprint's location."""
    location = b.metadata.location_name
    return [
        e
        for e in await c.get_executors(colony=b.metadata.colony_name, key=key)
        if e.executor_type == d.spec.handler.executor_type
        and (not location or e.location_name == location)
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

    async def action(c: ColoniesClient) -> None:
        found, d = await _with_definition(c, colony, name, key)
        names = [e.executor_name for e in await _reconcilers(c, found, d, key)]
        if not names:
            executor_type = d.spec.handler.executor_type
            raise CliError(f"No executor of type {executor_type!r} reconciles blueprint {name}.")
        since = dict.fromkeys(names, 0)
        while True:
            batch: list[Log] = []
            for executor_name in names:
                logs = await c.get_logs(
                    executor_name=executor_name,
                    count=count,
                    since=since[executor_name],
                    latest=since[executor_name] == 0,
                    colony=colony,
                    key=key,
                )
                if logs:
                    since[executor_name] = max(log.timestamp for log in logs)
                batch += logs
            batch.sort(key=lambda log: log.timestamp)
            if batch:
                click.echo(tables.logs_text(batch[-count:] if count > 0 else batch), nl=False)
            if not follow:
                return
            if not batch:
                await asyncio.sleep(1)

    run(env, action)


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

    found, d = await _with_definition(c, colony, name, key)
    check(True, f"blueprint {name} (kind {found.kind}) has definition {d.metadata.name}")
    handler = d.spec.handler
    if not check(
        bool(handler.executor_type and handler.function_name),
        "the definition names a handler (executorType and functionName)",
    ):
        return problems
    location = found.metadata.location_name
    where = f" at location {location}" if location else ""
    executors = await _reconcilers(c, found, d, key)
    check(bool(executors), f"an executor of type {handler.executor_type}{where} is registered")
    if executors:
        approved = [e for e in executors if e.state == ExecutorState.APPROVED]
        check(bool(approved), f"one of them is approved ({len(approved)} of {len(executors)})")
    wanted = cron_name(found.kind, location)
    has_cron = any(cr.name == wanted for cr in await c.get_crons(100, colony=colony, key=key))
    if not has_cron and fix:
        await c.add_cron(reconcile_cron(d, found), key=key)
        say((True, f"fixed: added the reconcile cron {wanted}"))
        has_cron = True
    check(has_cron, f"the reconcile cron {wanted} exists")
    last = found.metadata.last_reconciliation_process
    if last:
        try:
            process = await c.get_process(last, key=key)
        except RPCError:
            say((True, f"the last reconciliation process {last[:12]}… is gone (removed)"))
        else:
            failed = process.state == ProcessState.FAILED
            detail = "; ".join(process.errors) if failed else tables.STATE_NAMES[process.state]
            check(not failed, f"the last reconciliation {last[:12]}… is not failed ({detail})")
    if fix:
        process = await c.reconcile_blueprint(name, colony=colony, key=key)
        say((True, f"fixed: reconciliation process {process.process_id} submitted"))
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
