"""``colonies log``: add, read, follow and search process logs."""

from __future__ import annotations

from typing import TYPE_CHECKING

import click

from colonies.cli import tables
from colonies.cli.options import CliError, Env, client_options, echo_json, json_option, run
from colonies.cli.waiting import follow_executor_logs, follow_logs
from colonies.core import Log
from colonies.errors import RPCError

if TYPE_CHECKING:
    from colonies.client import ColoniesClient


@click.group()
def log() -> None:
    """Write and read the logs of processes."""


@log.command()
@click.option("-p", "--processid", required=True, help="Process id (assigned to you).")
@click.option("-m", "--msg", required=True, help="Log message.")
@client_options
def add(env: Env, processid: str, msg: str) -> None:
    """Add a log message to a process assigned to your executor.

    \b
    Example:
      colonies log add -p 65bc0047... -m "step 1 done"
    """
    key = env.prvkey
    run(env, lambda c: c.add_log(processid, msg, key=key))
    click.echo(f"Log added to process {processid}")


def _echo(logs: list[Log]) -> None:
    click.echo(tables.logs_text(logs), nl=False)


@log.command()
@click.option("-p", "--processid", help="Logs of this process.")
@click.option("-e", "--executorname", help="Logs of this executor.")
@click.option("--since", type=int, default=0, help="Only logs after this time (unix ns).")
@click.option("--count", type=int, default=100, show_default=True, help="How many.")
@click.option("--follow", is_flag=True, help="Keep printing new logs (until the process closes).")
@click.option(
    "-l/-f", "--latest/--first", default=True, show_default=True, help="Newest or oldest logs."
)
@click.option(
    "--attempt",
    type=click.IntRange(min=1),
    help="Only the logs of this attempt of the process (see `colonies process attempts`).",
)
@client_options
@json_option
def get(
    env: Env,
    processid: str | None,
    executorname: str | None,
    since: int,
    count: int,
    follow: bool,
    latest: bool,
    attempt: int | None,
    as_json: bool,
) -> None:
    """Print the logs of a process or of an executor.

    \b
    Example:
      colonies log get -p 65bc0047... --follow
      colonies log get -p 65bc0047... --attempt 2
    """
    if not processid and not executorname:
        raise CliError("Say whose logs to get: pass -p/--processid or -e/--executorname.")
    if attempt and (not processid or follow):
        raise CliError(
            "--attempt reads a process's logs (-p) once; it does not go with -e or --follow."
        )
    colony_name, key = env.colony, env.prvkey
    if follow:
        if as_json:
            raise CliError("--follow prints log messages as they come; it has no --json form.")

        async def action(c: ColoniesClient) -> None:
            if processid:
                await follow_logs(c, colony_name, processid, key, _echo, count=count, since=since)
            else:
                await follow_executor_logs(
                    c, colony_name, executorname or "", key, _echo, count=count, since=since
                )

        run(env, action)
        return
    found = run(
        env,
        lambda c: c.get_logs(
            process_id=processid or "",
            executor_name=executorname or "",
            count=count,
            since=since,
            latest=latest and since == 0,
            attempt=attempt or 0,
            colony=colony_name,
            key=key,
        ),
    )
    if as_json:
        echo_json(found)
    else:
        _echo(found)


@log.command()
@click.option("-t", "--text", required=True, help="Text to search for.")
@click.option("-d", "--days", type=int, default=1, show_default=True, help="Search this far back.")
@click.option("--count", type=int, default=10, show_default=True, help="How many.")
@click.option("--print", "print_", is_flag=True, help="Print the logs of matching processes.")
@click.option(
    "--seconds",
    type=int,
    default=1,
    show_default=True,
    help="With --print: start this many seconds before the first match.",
)
@client_options
@json_option
def search(
    env: Env, text: str, days: int, count: int, print_: bool, seconds: int, as_json: bool
) -> None:
    """Search the colony's logs of the last days for a text.

    \b
    Example:
      colonies log search -t error -d 2 --print --seconds 10
    """
    colony_name, key = env.colony, env.prvkey

    async def action(c: ColoniesClient) -> tuple[list[Log], dict[str, list[Log]]]:
        found = await c.search_logs(text, days, count, colony=colony_name, key=key)
        full: dict[str, list[Log]] = {}
        if print_ and not as_json:
            first: dict[str, int] = {}
            for hit in found:
                first[hit.process_id] = min(first.get(hit.process_id, hit.timestamp), hit.timestamp)
            for pid, at in first.items():
                since = max(0, at - seconds * 1_000_000_000 - 1)
                try:
                    full[pid] = await c.get_logs(
                        process_id=pid, count=count, since=since, colony=colony_name, key=key
                    )
                except RPCError:  # the process is gone but its logs are kept: show the hits
                    full[pid] = [hit for hit in found if hit.process_id == pid]
        return found, full

    found, full = run(env, action)
    if as_json:
        echo_json(found)
    elif not found:
        click.echo(f"No logs containing {text!r} found")
    elif print_:
        for pid, logs in full.items():
            click.echo(f"Process {pid}:")
            _echo(logs)
    else:
        click.echo(tables.logs_table(found))
