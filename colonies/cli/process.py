"""``colonies process``: list, inspect, assign, close and remove processes."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING

import click

from colonies.cli import tables
from colonies.cli.options import (
    CliError,
    Env,
    F,
    client_options,
    colony_key_option,
    confirm_yes,
    count_option,
    echo_json,
    json_option,
    run,
)
from colonies.core import Attempt, Process, ProcessState
from colonies.errors import RPCError

if TYPE_CHECKING:
    from colonies.client import ColoniesClient


@click.group()
def process() -> None:
    """Inspect and manage processes (function invocations)."""


def list_processes(
    env: Env,
    state: ProcessState,
    count: int,
    ids: bool,
    executortype: str | None,
    label: str | None,
    initiator: str | None,
    as_json: bool,
    func: str | None = None,
) -> None:
    if sum(1 for v in (executortype, label, initiator) if v) > 1:
        raise CliError("Filter by at most one of --executortype, --label and --initiator.")
    colony_name, key = env.colony, env.prvkey
    found = run(
        env,
        lambda c: c.get_processes(
            state,
            count,
            executor_type=executortype or "",
            label=label or "",
            initiator=initiator or "",
            colony=colony_name,
            key=key,
        ),
    )
    if func:
        found = [p for p in found if p.spec.func_name == func]
    if as_json:
        echo_json(found)
    elif ids:
        if found:
            click.echo(tables.process_ids(found))
    elif not found:
        click.echo(f"No {tables.STATE_NAMES[state].lower()} processes found")
    else:
        click.echo(tables.processes_table(found, state))


def _list_command(name: str, state: ProcessState, example: str) -> None:
    word = tables.STATE_NAMES[state].lower()

    @process.command(name=name)
    @count_option(20)
    @click.option("-i", "--ids", is_flag=True, help="Print only the process ids.")
    @click.option("--executortype", help="Only processes for this executor type.")
    @click.option("--label", help="Only processes with this label.")
    @click.option("--initiator", help="Only processes submitted by this initiator name.")
    @click.option(
        "--func", help="Only processes of this function (among the --count listed; combines)."
    )
    @client_options
    @json_option
    def command(
        env: Env,
        count: int,
        ids: bool,
        executortype: str | None,
        label: str | None,
        initiator: str | None,
        func: str | None,
        as_json: bool,
    ) -> None:
        list_processes(env, state, count, ids, executortype, label, initiator, as_json, func)

    command.help = f"List {word} processes.\n\n\b\nExample:\n  {example}"


_list_command("psw", ProcessState.WAITING, "colonies process psw --count 10")
_list_command("ps", ProcessState.RUNNING, "colonies process ps")
_list_command("pss", ProcessState.SUCCESS, "colonies process pss --json")
_list_command("psf", ProcessState.FAILED, "colonies process psf --executortype cli")
_list_command("psc", ProcessState.CANCELLED, "colonies process psc")


def process_id_option(f: F) -> F:
    return click.option("-p", "--processid", required=True, help="Process id.")(f)


@process.command()
@process_id_option
@client_options
@json_option
def explain(env: Env, processid: str, as_json: bool) -> None:
    """Say why a process waits: no executor of its type, unapproved, stale or busy
    executors, a paused colony, parents not done, location, names or hardware, and the
    nearest candidate.

    \b
    Example:
      colonies process explain -p 65bc0047...
    """
    key = env.prvkey
    found = run(env, lambda c: c.explain_process(processid, key=key))
    if as_json:
        echo_json(found)
    else:
        click.echo(tables.explanation_text(found))


@process.command()
@process_id_option
@click.option("--out", is_flag=True, help="Print only the output, space-separated.")
@client_options
@json_option
def get(env: Env, processid: str, out: bool, as_json: bool) -> None:
    """Show a process: its state, times, spec, conditions and attributes.

    \b
    Example:
      colonies process get -p 65bc0047... --json
    """
    key = env.prvkey

    async def action(c: ColoniesClient) -> tuple[Process, list[Attempt]]:
        found = await c.get_process(processid, key=key)
        if as_json or out:
            return found, []
        try:
            return found, await c.get_process_attempts(processid, key=key)
        except RPCError:  # a server without attempt history (the reference)
            return found, []

    found, attempts = run(env, action)
    if as_json:
        echo_json(found)
    elif out:
        click.echo(tables.fmt_list(found.output))
    else:
        click.echo(tables.process_table(found, attempts))


@process.command()
@process_id_option
@client_options
@json_option
def attempts(env: Env, processid: str, as_json: bool) -> None:
    """List every attempt of a process: executor, times, exit reason, errors, log lines.

    A process with a retry policy in its spec runs again under the same id after a failed
    attempt; `colonies log get -p ID --attempt N` prints the logs of one attempt.

    \b
    Example:
      colonies process attempts -p 65bc0047... --json
    """
    key = env.prvkey
    found = run(env, lambda c: c.get_process_attempts(processid, key=key))
    if as_json:
        echo_json(found)
    else:
        click.echo(tables.attempts_table(found))


@process.command()
@click.option("--timeout", type=int, default=100, show_default=True, help="Seconds to wait.")
@client_options
@json_option
def assign(env: Env, timeout: int, as_json: bool) -> None:
    """Assign a waiting process to the executor of COLONIES_PRVKEY (for testing by hand).

    Each assign tells the server the executor is alive; one not heard from for ten minutes
    (COLONIES_STALE_EXECUTOR_DURATION) is unregistered, and its assigns are refused until
    the colony owner runs `colonies executor approve --name NAME`.

    \b
    Example:
      colonies process assign --timeout 10
    """
    colony_name, key = env.colony, env.prvkey
    assigned = run(env, lambda c: c.assign(timeout, colony=colony_name, key=key))
    if as_json:
        echo_json(assigned)
    else:
        click.echo(
            f"Process {assigned.process_id} ({assigned.spec.func_name}) assigned to executor "
            f"{assigned.assigned_executor_id}"
        )


@process.command()
@process_id_option
@click.option("--out", multiple=True, help="Output value (repeat for a list).")
@client_options
def close(env: Env, processid: str, out: tuple[str, ...]) -> None:
    """Close a process as successful, with optional output.

    \b
    Example:
      colonies process close -p 65bc0047... --out Hej
    """
    key = env.prvkey

    async def action(c: ColoniesClient) -> None:
        await c.get_process(processid, key=key)
        await c.close_process(processid, list(out), key=key)

    run(env, action)
    click.echo(f"Process {processid} closed as Successful")


@process.command()
@process_id_option
@click.option("--errors", multiple=True, help="Error message (repeat for a list).")
@client_options
def fail(env: Env, processid: str, errors: tuple[str, ...]) -> None:
    """Close a process as failed, with optional error messages.

    \b
    Example:
      colonies process fail -p 65bc0047... --errors "out of memory"
    """
    key = env.prvkey

    async def action(c: ColoniesClient) -> None:
        await c.get_process(processid, key=key)
        await c.fail_process(processid, list(errors), key=key)

    run(env, action)
    click.echo(f"Process {processid} closed as Failed")


@process.command()
@process_id_option
@client_options
def cancel(env: Env, processid: str) -> None:
    """Cancel a waiting or running process.

    \b
    Example:
      colonies process cancel -p 65bc0047...
    """
    key = env.prvkey
    run(env, lambda c: c.cancel(processid, key=key))
    click.echo(f"Process {processid} cancelled")


@process.command()
@process_id_option
@client_options
def remove(env: Env, processid: str) -> None:
    """Remove a process.

    \b
    Example:
      colonies process remove -p 65bc0047...
    """
    key = env.prvkey
    run(env, lambda c: c.remove_process(processid, key=key))
    click.echo(f"Process {processid} removed")


STATE_FLAGS = (
    ("waiting", ProcessState.WAITING),
    ("successful", ProcessState.SUCCESS),
    ("failed", ProcessState.FAILED),
    ("cancelled", ProcessState.CANCELLED),
)


def state_flags(f: F) -> F:
    for name, _ in reversed(STATE_FLAGS):
        f = click.option(f"--{name}", is_flag=True, help=f"Only {name} ones.")(f)
    return click.option("-y", "--yes", is_flag=True, help="Do not ask for confirmation.")(f)


def chosen_state(flags: dict[str, bool]) -> tuple[int, str]:
    """The state to remove (-1 for all) and its word; at most one flag may be given."""
    chosen = [(name, state) for name, state in STATE_FLAGS if flags.get(name)]
    if len(chosen) > 1:
        raise CliError("Give at most one of --waiting, --successful, --failed and --cancelled.")
    if not chosen:
        return -1, "all"
    return int(chosen[0][1]), chosen[0][0]


@process.command()
@state_flags
@colony_key_option
@client_options
def removeall(env: Env, yes: bool, **flags: bool) -> None:
    """Remove all processes of the colony, or those in one state (asks for YES).

    \b
    Example:
      colonies process removeall --successful
    """
    remove_all(
        env,
        yes,
        flags,
        "processes",
        lambda c, colony, key, state: c.remove_all_processes(state, colony=colony, key=key),
    )


def remove_all(
    env: Env,
    yes: bool,
    flags: dict[str, bool],
    what: str,
    remove: Callable[[ColoniesClient, str, str, int], Awaitable[None]],
) -> None:
    """``removeall`` of processes or workflows: the state flags, the YES prompt, the call."""
    state, word = chosen_state(flags)
    colony_name, key = env.colony, env.colony_prvkey
    confirm_yes(
        f"WARNING!!! Are you sure you want to remove {word} {what} in colony "
        f"{colony_name}? This operation cannot be undone!",
        yes,
    )
    run(env, lambda c: remove(c, colony_name, key, state))
    click.echo(f"Removed {word} {what} in colony {colony_name}")


colony_name_option = click.option("--colonyname", help="Colony [env COLONIES_COLONY_NAME].")


@process.command()
@colony_name_option
@colony_key_option
@client_options
def pause(env: Env, colonyname: str | None) -> None:
    """Pause assignment of processes in the colony (colony owner key).

    \b
    Example:
      colonies process pause
    """
    colony_name, key = colonyname or env.colony, env.colony_prvkey
    run(env, lambda c: c.pause_assignments(colony=colony_name, key=key))
    click.echo(f"Process assignments paused in colony {colony_name}")


@process.command()
@colony_name_option
@colony_key_option
@client_options
def resume(env: Env, colonyname: str | None) -> None:
    """Resume assignment of processes in the colony (colony owner key).

    \b
    Example:
      colonies process resume
    """
    colony_name, key = colonyname or env.colony, env.colony_prvkey
    run(env, lambda c: c.resume_assignments(colony=colony_name, key=key))
    click.echo(f"Process assignments resumed in colony {colony_name}")


@process.command()
@colony_name_option
@client_options
@json_option
def status(env: Env, colonyname: str | None, as_json: bool) -> None:
    """Show whether process assignment is paused in the colony.

    \b
    Example:
      colonies process status
    """
    colony_name, key = colonyname or env.colony, env.prvkey
    found = run(env, lambda c: c.pause_status(colony=colony_name, key=key))
    if as_json:
        echo_json(found)
    else:
        paused = "paused" if found.is_paused else "running (not paused)"
        click.echo(f"Process assignment in colony {colony_name} is {paused}")
