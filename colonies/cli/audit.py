"""``colonies audit``: read the audit log of state-changing requests."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

import click

from colonies.cli import tables
from colonies.cli.options import (
    CliError,
    Env,
    client_options,
    colony_key_option,
    echo_list,
    json_option,
    run,
    server_key_option,
)
from colonies.core import utc_now

UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


def parse_since(text: str) -> datetime:
    """``30m``/``2h``/``7d`` ago, or a time (ISO 8601; local time when it names no zone)."""
    match = re.fullmatch(r"\s*(\d+)\s*([smhd])\s*", text)
    if match:
        return utc_now() - timedelta(seconds=int(match.group(1)) * UNITS[match.group(2)])
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise CliError(
            f"--since {text!r} is neither a duration (30m, 2h, 7d) "
            "nor a time (2026-12-01T10:00:00Z)."
        ) from None
    return value if value.tzinfo else value.astimezone()


@click.group()
def audit() -> None:
    """Read the audit log: every state-changing request, who made it and its status.

    A colony owner reads their colony's entries, the server owner every colony's.
    """


@audit.command(name="ls")
@click.option("--count", type=int, default=50, show_default=True, help="How many (at most 500).")
@click.option("--since", help="Only entries this recent: 30m, 2h, 7d, or a time.")
@click.option("--before", type=int, default=0, help="Only entries older than the one with SEQ.")
@click.option("--type", "payload_type", default="", help="Only this payload type.")
@click.option("--all", "all_colonies", is_flag=True, help="Every colony (server owner key).")
@click.option("--server", "as_server", is_flag=True, help="Sign with the server owner key.")
@colony_key_option
@server_key_option
@client_options
@json_option
def list_entries(
    env: Env,
    count: int,
    since: str | None,
    before: int,
    payload_type: str,
    all_colonies: bool,
    as_server: bool,
    as_json: bool,
) -> None:
    """List audit entries, newest first.

    Signed with the colony owner key (COLONIES_COLONY_PRVKEY); with --server or --all, or
    when only COLONIES_SERVER_PRVKEY is set, with the server owner key. Status is the
    reply's HTTP status: 200 done, 403 refused, and so on. For the next page pass the
    last Seq shown as --before.

    \b
    Example:
      colonies audit ls --since 1h --type removeprocessmsg
      colonies audit ls --all --count 100 --json
    """
    settings = env.settings
    has_colony_key = bool(settings.colony_prvkey or env.colonyprvkey_flag)
    has_server_key = bool(settings.server_prvkey or env.serverprvkey_flag)
    use_server = as_server or all_colonies or (has_server_key and not has_colony_key)
    key = env.server_prvkey if use_server else env.colony_prvkey
    colony_name = "" if all_colonies else env.colony
    after = parse_since(since) if since else None
    found = run(
        env,
        lambda c: c.get_audit(
            count=count,
            since=after,
            before=before,
            payload_type=payload_type,
            colony=colony_name,
            key=key,
        ),
    )
    echo_list(found, as_json, tables.audit_table, "audit entries")
    if found and not as_json and len(found) == count:
        click.echo(f"More: add --before {found[-1].seq} for older entries")
