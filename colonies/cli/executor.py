"""``colonies executor``: register, approve, reject, remove and list executors."""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from colonies.cli import tables
from colonies.cli.executor_start import start
from colonies.cli.options import (
    CliError,
    Env,
    client_options,
    colony_key_option,
    echo_json,
    echo_list,
    echo_one,
    hostname_suffix,
    json_option,
    parse_model,
    read_json,
    run,
    spec_option,
)
from colonies.core import Executor, ExecutorState, Location, utc_now
from colonies.crypto import id_from_private_key, new_private_key
from colonies.errors import RPCError

if TYPE_CHECKING:
    from colonies.client import ColoniesClient


@click.group()
@click.option(
    "--colonyid",
    metavar="COLONY",
    help="Colony to work in, for every executor command [env COLONIES_COLONY_NAME]. "
    "The reference's name for this flag, kept from when colonies had ids; it takes a name.",
)
@click.pass_context
def executor(ctx: click.Context, colonyid: str | None) -> None:
    """Manage executors (approving, rejecting and removing needs the colony owner key).

    Stale executors: the server unregisters an executor it has not heard from (no
    `process assign`, no poll by `executor start`) for COLONIES_STALE_EXECUTOR_DURATION
    seconds, ten minutes by default; one that never asked for work is kept. An unregistered
    executor is refused as "not a member", is hidden by `executor ls` (see --all), and comes
    back with `colonies executor approve --name NAME`; the colony owner may also add its
    name again (`executor add`, e.g. with a new key).

    \b
    Example:
      colonies executor ls
      colonies executor --colonyid other-colony ls
    """
    if colonyid:
        ctx.ensure_object(dict)["colony"] = colonyid


executor.add_command(start)


def spec_location(data: Any, path: Path, colony: str) -> Location | None:
    """The ``location`` object of the ColonyOS documentation's executor spec
    (``{"long", "lat", "desc"}``, the reference's older model) as a Location of the colony
    named by its desc; it is taken out of ``data``, whose ``locationname`` names it."""
    if not isinstance(data, dict):
        return None
    key = next((k for k in data if isinstance(k, str) and k.lower() == "location"), None)
    if key is None:
        return None
    given = data.pop(key)
    if not isinstance(given, dict):
        raise CliError(
            f"The spec file {path}: location must be an object such as "
            '{"long": 18.07, "lat": 59.33, "desc": "Lab"}, or give "locationname" instead.'
        )
    try:
        location = Location(
            name=str(given.get("name") or given.get("desc") or ""),
            colony_name=colony,
            description=str(given.get("desc") or ""),
            long=float(given.get("long") or 0),
            lat=float(given.get("lat") or 0),
        )
    except (TypeError, ValueError):
        raise CliError(f"The spec file {path}: location long and lat must be numbers.") from None
    if not location.name:
        raise CliError(
            f"The spec file {path}: its location has no desc to name it by; "
            'add "desc" (e.g. "Lab rack 3") or give "locationname" instead.'
        )
    data.setdefault("locationname", location.name)
    return location


def build_executor(
    spec: Path | None, executorid: str, name: str | None, type_: str | None, colony: str
) -> tuple[Executor, Location | None]:
    """An Executor from a spec file and/or flags (flags override the file), and the Location
    its spec describes in the documentation's older shape, if it does."""
    location = None
    if spec:
        data = read_json(spec)
        location = spec_location(data, spec, colony)
        found = parse_model(Executor, data, spec)
    else:
        found = Executor()
    if name:
        found.executor_name = hostname_suffix(name)
    if type_:
        found.executor_type = type_
    if not found.executor_name:
        raise CliError("The executor needs a name: pass --name or set executorname in --spec.")
    if not found.executor_type:
        raise CliError("The executor needs a type: pass --type or set executortype in --spec.")
    if len(executorid) != 64:
        raise CliError(
            f"--executorid must be a 64-character id, got {len(executorid)} characters "
            "(`colonies key generate` prints a key and its id)."
        )
    found.executor_id = executorid
    found.colony_name = found.colony_name or colony
    if location is not None:
        location.colony_name = found.colony_name
    return found, location


def register(
    env: Env,
    key: str,
    new: Executor,
    approve: bool,
    as_json: bool,
    location: Location | None = None,
) -> None:
    """Add (and approve) an executor with the colony key ``key``, then say so; a location
    from its spec is added to the colony first unless the colony has one of that name."""

    async def action(c: ColoniesClient) -> Executor:
        if location is not None:
            try:
                await c.add_location(location, key=key)
                click.echo(
                    f"Location {location.name} added to colony {location.colony_name}", err=True
                )
            except RPCError as e:
                if "already exists" not in e.message:
                    raise
        added = await c.add_executor(new, key=key)
        if approve:
            await c.approve_executor(added.executor_name, colony=added.colony_name, key=key)
        return added

    added = run(env, action)
    if as_json:
        echo_json(added)
        return
    click.echo(f"Executor {added.executor_name} added to colony {added.colony_name}")
    if approve:
        click.echo(f"Executor {added.executor_name} approved")


@executor.command()
@click.option("--executorid", required=True, help="Id of the executor's key (64 hex chars).")
@click.option("--name", help="Executor name (overrides the spec; .$HOSTNAME is appended).")
@click.option("--type", "type_", help="Executor type (overrides the spec).")
@spec_option(required=False, help="Executor JSON file (capabilities, location, ...).")
@click.option("--approve", is_flag=True, help="Approve the executor right away.")
@colony_key_option
@client_options
@json_option
def add(
    env: Env,
    executorid: str,
    name: str | None,
    type_: str | None,
    spec: Path | None,
    approve: bool,
    as_json: bool,
) -> None:
    """Register an executor in the colony (colony owner key).

    \b
    Example:
      colonies executor add --name helloworld-executor --type helloworld-executor \\
          --executorid $COLONIES_ID --approve
      colonies executor add --spec examples/executors/executor.json \\
          --executorid $COLONIES_ID --approve
    """
    new, location = build_executor(spec, executorid, name, type_, env.colony)
    register(env, env.colony_prvkey, new, approve, as_json, location)


def write_new(path: Path, text: str, mode: int) -> None:
    """Write a file that must not exist yet (a key is never overwritten)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
        with os.fdopen(fd, "w") as f:
            f.write(text)
    except FileExistsError:
        raise CliError(f"{path} already exists; choose another path or remove it.") from None
    except OSError as e:
        raise CliError(f"Cannot write {path}: {e.strerror}.") from None


@executor.command()
@click.option("--name", help="Executor name (overrides the spec; .$HOSTNAME is appended).")
@click.option("--type", "type_", help="Executor type (overrides the spec).")
@spec_option(required=False, help="Executor JSON file (capabilities, location, ...).")
@click.option("--approve", is_flag=True, help="Approve the executor right away.")
@click.option(
    "--keypath",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the new private key to this file (mode 600).",
)
@click.option(
    "--idpath",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the new executor id to this file.",
)
@colony_key_option
@client_options
@json_option
def create(
    env: Env,
    name: str | None,
    type_: str | None,
    spec: Path | None,
    approve: bool,
    keypath: Path,
    idpath: Path,
    as_json: bool,
) -> None:
    """Generate a key for a new executor, save it and its id, and register the executor.

    \b
    Example:
      colonies executor create --name worker --type cli --approve \\
          --keypath worker.key --idpath worker.id
    """
    prvkey = new_private_key()
    executor_id = id_from_private_key(prvkey)
    new, location = build_executor(spec, executor_id, name, type_, env.colony)
    key = env.colony_prvkey  # a missing colony key is reported before files are written
    write_new(keypath, prvkey + "\n", 0o600)
    write_new(idpath, executor_id + "\n", 0o644)
    register(env, key, new, approve, as_json, location)


@executor.command(name="ls")
@click.option("--full", is_flag=True, help="Show ids and states too.")
@click.option("--all", "all_", is_flag=True, help="Include unregistered executors.")
@click.option("--type", "type_", help="Only executors of this type.")
@click.option("--location", help="Only executors at this location.")
@click.option("-f", "--filter", "filter_", help="Only executors whose name contains this text.")
@client_options
@json_option
def list_executors(
    env: Env,
    full: bool,
    all_: bool,
    type_: str | None,
    location: str | None,
    filter_: str | None,
    as_json: bool,
) -> None:
    """List the executors of the colony.

    Unregistered executors (removed, or unheard of for ten minutes: see `colonies executor
    --help`) are left out and counted on stderr; --all lists them with their states.

    \b
    Example:
      colonies executor ls --full --type cli
      colonies executor ls --all
    """
    colony_name, key = env.colony, env.prvkey
    found = run(env, lambda c: c.get_executors(colony=colony_name, key=key))
    found = [
        e
        for e in found
        if (not type_ or e.executor_type == type_)
        and (not location or e.location_name == location)
        and (not filter_ or filter_ in e.executor_name)
    ]
    hidden = [] if all_ else [e for e in found if e.state == ExecutorState.UNREGISTERED]
    shown = [e for e in found if e not in hidden]
    echo_list(shown, as_json, lambda f: tables.executors_table(f, full, states=all_), "executors")
    if hidden and not as_json:
        names = ", ".join([e.executor_name for e in hidden[:5]] + ["..."] * (len(hidden) > 5))
        click.echo(
            f"{len(hidden)} unregistered executor{'s are' if len(hidden) > 1 else ' is'} "
            f"hidden ({names}): removed, or not heard from for ten minutes. "
            "`colonies executor ls --all` lists them; `colonies executor approve --name NAME` "
            "brings one back.",
            err=True,
        )


@executor.command()
@click.option("--name", required=True, help="Executor name.")
@client_options
@json_option
def get(env: Env, name: str, as_json: bool) -> None:
    """Show an executor.

    \b
    Example:
      colonies executor get --name helloworld-executor
    """
    colony_name, key = env.colony, env.prvkey
    found = run(env, lambda c: c.get_executor(name, colony=colony_name, key=key))
    echo_one(found, as_json, tables.executor_table)


@executor.command()
@click.option("--name", required=True, help="Executor name.")
@colony_key_option
@client_options
def approve(env: Env, name: str) -> None:
    """Approve a registered executor so that it gets processes.

    Also brings back an executor that was unregistered, e.g. by the server after ten
    minutes without a word from it (see `colonies executor --help`).

    \b
    Example:
      colonies executor approve --name helloworld-executor
    """
    colony_name, key = env.colony, env.colony_prvkey
    run(env, lambda c: c.approve_executor(name, colony=colony_name, key=key))
    click.echo(f"Executor {name} approved")


@executor.command()
@click.option("--name", required=True, help="Executor name.")
@colony_key_option
@client_options
def reject(env: Env, name: str) -> None:
    """Reject an executor: it stays registered but gets no processes.

    \b
    Example:
      colonies executor reject --name helloworld-executor
    """
    colony_name, key = env.colony, env.colony_prvkey
    run(env, lambda c: c.reject_executor(name, colony=colony_name, key=key))
    click.echo(f"Executor {name} rejected")


@executor.command()
@click.option("--name", required=True, help="Executor name.")
@colony_key_option
@client_options
def remove(env: Env, name: str) -> None:
    """Remove an executor from the colony.

    \b
    Example:
      colonies executor remove --name helloworld-executor
    """
    colony_name, key = env.colony, env.colony_prvkey
    run(env, lambda c: c.remove_executor(name, colony=colony_name, key=key))
    click.echo(f"Executor {name} removed")


@executor.command()
@click.option("--executorid", required=True, help="The new executor id (id of its new key).")
@client_options
def chid(env: Env, executorid: str) -> None:
    """Change an executor's id, i.e. move it to another key.

    \b
    Example:
      colonies executor chid --executorid 3fc05cf3...41ac
    """
    colony_name, key = env.colony, env.prvkey
    run(env, lambda c: c.change_executor_id(executorid, colony=colony_name, key=key))
    click.echo(f"Executor id changed to {executorid}")


class Duration(click.ParamType[int]):
    """``90s``, ``15m``, ``1h``, ``7d``, ``1h30m`` or plain seconds, as whole seconds."""

    name = "duration"
    UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}

    def convert(
        self, value: object, param: click.Parameter | None, ctx: click.Context | None
    ) -> int:
        text = str(value).strip().lower()
        total, number = 0, ""
        for char in text:
            if char.isdigit():
                number += char
            elif char in self.UNITS and number:
                total, number = total + int(number) * self.UNITS[char], ""
            else:
                number = "x"
                break
        if number.isdigit():
            total, number = total + int(number), ""
        if number or total <= 0:
            self.fail(f"{value!r} is not a duration such as 30m, 24h or 7d", param, ctx)
        return total


@executor.group()
def ticket() -> None:
    """Enrollment tickets: let new workers join without the colony key (colony owner key).

    A ticket lets executors of one type register and be approved with keys they make
    themselves; the colony key stays on the owner's machine. Give the printed token to
    `colonies executor start --ticket` (or COLONIES_EXECUTOR_TICKET, or the SDK's
    `Executor(ticket=...)`) on the worker.

    \b
    Example:
      TOKEN=$(colonies executor ticket create --type cli --expires 1h)
      colonies executor start --ticket $TOKEN     # on the worker
      colonies executor ticket ls
    """


@ticket.command(name="create")
@click.option("--type", "type_", required=True, help="The executor type the ticket enrolls.")
@click.option(
    "--expires",
    type=Duration(),
    default="24h",
    show_default=True,
    help="How long the ticket can be used (30m, 24h, 7d; at most 366d).",
)
@click.option(
    "--uses",
    type=click.IntRange(min=1),
    default=1,
    show_default=True,
    help="How many executors may enroll with it (one per worker is safest).",
)
@click.option(
    "--name-prefix",
    default="",
    help="Enrolled executor names must start with this (default names become PREFIX<id>).",
)
@colony_key_option
@client_options
@json_option
def create_ticket(
    env: Env, type_: str, expires: int, uses: int, name_prefix: str, as_json: bool
) -> None:
    """Create an enrollment ticket and print its token (shown only this once).

    Only a hash of the token's secret is kept on the server: a lost token cannot be
    shown again; revoke it and create another. The token names the colony, so a worker
    needs only the server address and the token.

    \b
    Example:
      colonies executor ticket create --type cli
      colonies executor ticket create --type gpu --uses 10 --expires 7d --name-prefix gpu-
    """
    colony_name, key = env.colony, env.colony_prvkey
    created = run(
        env,
        lambda c: c.add_executor_ticket(
            type_,
            uses=uses,
            expires_in_s=expires,
            name_prefix=name_prefix,
            colony=colony_name,
            key=key,
        ),
    )
    if as_json:
        echo_json(created)
        return
    click.echo(created.token)
    uses_text = "1 use" if created.uses == 1 else f"{created.uses} uses"
    click.echo(
        f"Ticket {created.ticket_id} enrolls executors of type {created.executor_type} "
        f"({uses_text}, until {tables.fmt_time(created.expires)}). On the worker: "
        "colonies executor start --ticket <token>",
        err=True,
    )


@ticket.command(name="ls")
@colony_key_option
@client_options
@json_option
def list_tickets(env: Env, as_json: bool) -> None:
    """List the colony's enrollment tickets (never their secrets).

    \b
    Example:
      colonies executor ticket ls
    """
    colony_name, key = env.colony, env.colony_prvkey
    found = run(env, lambda c: c.get_executor_tickets(colony=colony_name, key=key))
    now = utc_now()
    echo_list(found, as_json, lambda f: tables.tickets_table(f, now), "tickets")


@ticket.command(name="revoke")
@click.option("--id", "ticket_id", required=True, help="Ticket id (from `ticket ls`).")
@colony_key_option
@client_options
@json_option
def revoke_ticket(env: Env, ticket_id: str, as_json: bool) -> None:
    """Revoke a ticket: no executor can enroll with it any more.

    Executors that enrolled with it keep running; remove them with `executor remove`.

    \b
    Example:
      colonies executor ticket revoke --id 4f0c2a9e51d34b7f8e6a0c1d2b3e4f5a
    """
    colony_name, key = env.colony, env.colony_prvkey
    revoked = run(env, lambda c: c.revoke_executor_ticket(ticket_id, colony=colony_name, key=key))
    if as_json:
        echo_json(revoked)
    else:
        click.echo(f"Ticket {revoked.ticket_id} revoked")
