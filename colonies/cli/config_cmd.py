"""``colonies config`` and ``colonies version``: what the CLI would use, and versions."""

from __future__ import annotations

import json

import click

from colonies import __version__
from colonies.cli import tables
from colonies.cli.options import Env, client_options, echo_json, json_option, load_env, run
from colonies.core.ticket import TicketToken
from colonies.crypto import id_from_private_key


def _key(value: str) -> str:
    if not value:
        return ""
    try:
        return f"{tables.mask(value)} (id {id_from_private_key(value)})"
    except (ValueError, TypeError):
        return f"{tables.mask(value)} (not a valid key)"


def _ticket(value: str) -> str:
    """An enrollment ticket by its id and colony, never its secret."""
    if not value:
        return ""
    try:
        token = TicketToken.parse(value)
    except ValueError:
        return "(not a valid ticket)"
    return f"ticket {token.ticket_id} of colony {token.colony_name}"


def config_rows(env: Env) -> list[tuple[str, str, str]]:
    s = env.settings
    return [
        ("COLONIES_SERVER_HOST", s.host, "server host"),
        ("COLONIES_SERVER_PORT", str(s.port), "server port"),
        ("COLONIES_TLS", str(s.tls).lower(), "https/wss instead of http/ws"),
        ("COLONIES_SKIP_TLS_VERIFY", str(not s.verify_tls).lower(), "accept any certificate"),
        ("COLONIES_COLONY_NAME", s.colony_name, "colony to work in"),
        ("COLONIES_PRVKEY", _key(s.prvkey), "signs most requests"),
        ("COLONIES_COLONY_PRVKEY", _key(s.colony_prvkey), "colony owner commands"),
        ("COLONIES_SERVER_PRVKEY", _key(s.server_prvkey), "server owner commands"),
        ("COLONIES_EXECUTOR_NAME", s.executor_name, "default executor name"),
        ("COLONIES_EXECUTOR_TYPE", s.executor_type, "default executor type"),
        ("COLONIES_EXECUTOR_TICKET", _ticket(s.executor_ticket), "enrolls a new executor"),
    ]


@click.command()
@json_option
def config(as_json: bool) -> None:
    """Show the configuration in effect (private keys masked).

    \b
    Example:
      colonies config
    """
    env = load_env()
    rows = config_rows(env)
    if as_json:
        click.echo(json.dumps({name: value for name, value, _ in rows}, indent=4))
    else:
        click.echo(f"Server: {env.url}")
        click.echo(tables.config_table([(n, v or "(not set)", u) for n, v, u in rows]))


@click.command()
@client_options
@json_option
def version(env: Env, as_json: bool) -> None:
    """Print the version of this CLI and of the server.

    \b
    Example:
      colonies version
    """
    if not as_json:
        click.echo(f"CLI version: {__version__}")
    server = run(env, lambda c: c.version())
    if as_json:
        echo_json(server)
    else:
        built = f" (built {server.build_time})" if server.build_time else ""
        click.echo(f"Server version: {server.build_version}{built}")
