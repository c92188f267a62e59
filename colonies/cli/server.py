"""``colonies server``: start a server; ask one for its status, health and statistics."""

from __future__ import annotations

import asyncio
import errno
import signal
import socket
from dataclasses import replace

import click

from colonies.cli import tables
from colonies.cli.options import (
    CliError,
    Env,
    client_options,
    echo_json,
    json_option,
    run,
    server_key_option,
)
from colonies.config import SERVER_BIND, Settings


@click.group()
def server() -> None:
    """Run the colonies server, or ask a running one how it is."""


def require_free_port(port: int, host: str = SERVER_BIND) -> None:
    """A sentence instead of a traceback when another server holds the port, or when the
    host is not an address of this machine."""
    try:
        family, kind, proto, _, address = socket.getaddrinfo(
            host or None, port, type=socket.SOCK_STREAM, flags=socket.AI_PASSIVE
        )[0]
    except socket.gaierror as err:
        raise CliError(f"Cannot listen on host {host!r}: {err.strerror}.") from None
    with socket.socket(family, kind, proto) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind(address)
        except OSError as err:
            if err.errno == errno.EADDRNOTAVAIL:
                raise CliError(
                    f"Cannot listen on host {host}: it is not an address of this machine. "
                    "Choose another with --host."
                ) from None
            if err.errno != errno.EADDRINUSE:
                raise
            raise CliError(
                f"Port {port} is in use (is another colonies server running?). "
                "Stop it, or choose another port with --port."
            ) from None


HOST_HELP = (
    "Address to listen on, e.g. 127.0.0.1 for this machine only, 0.0.0.0 for every "
    "interface [env COLONIES_SERVER_BIND, {default}]."
)


STOP_SIGNALS = (signal.SIGINT, signal.SIGTERM, signal.SIGHUP)
"""Each stops the server cleanly: Ctrl-C, ``kill``, and the terminal closing (SIGHUP)."""


def run_until_signalled(settings: Settings) -> None:
    """Serve in the foreground until SIGINT, SIGTERM or SIGHUP; the signal handlers in place
    before are put back afterwards (asyncio would leave the default ones)."""
    from colonies.server.app import serve

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in STOP_SIGNALS:
            loop.add_signal_handler(sig, stop.set)
        await serve(settings, stop)

    before = {sig: signal.getsignal(sig) for sig in STOP_SIGNALS}
    try:
        asyncio.run(main())
    finally:
        for sig, handler in before.items():
            if handler is not None:
                signal.signal(sig, handler)


@server.command()
@click.option("--host", help=HOST_HELP.format(default=SERVER_BIND))
@click.option("--port", type=int, help="HTTP port [env COLONIES_SERVER_HTTP_PORT, 50080].")
@click.option("--dbhost", help="PostgreSQL host [env COLONIES_DB_HOST, localhost].")
@click.option("--dbport", type=int, help="PostgreSQL port [env COLONIES_DB_PORT, 5432].")
@click.option("--dbuser", help="PostgreSQL user [env COLONIES_DB_USER, postgres].")
@click.option("--dbpassword", help="PostgreSQL password [env COLONIES_DB_PASSWORD].")
@click.option("--tlscert", "--tls-cert", "tls_cert", help="Serve HTTPS with this PEM certificate.")
@click.option("--tlskey", "--tls-key", "tls_key", help="Private key of the TLS certificate (PEM).")
@click.option(
    "--initdb",
    is_flag=True,
    help="Accepted for the reference's sake: the schema is created or upgraded at every start.",
)
def start(
    host: str | None,
    port: int | None,
    dbhost: str | None,
    dbport: int | None,
    dbuser: str | None,
    dbpassword: str | None,
    tls_cert: str | None,
    tls_key: str | None,
    initdb: bool,
) -> None:
    """Start the server on the PostgreSQL named by COLONIES_DB_HOST/PORT/USER/PASSWORD/NAME.

    The server owner is COLONIES_SERVER_ID, or the id of COLONIES_SERVER_PRVKEY. It listens
    on every interface unless --host (or COLONIES_SERVER_BIND) names one address.

    \b
    Example:
      COLONIES_DB_HOST=localhost COLONIES_SERVER_PRVKEY=$KEY colonies server start --port 50080
      colonies server start --host 127.0.0.1   # reachable from this machine only
    """
    given = {
        "host": host,
        "port": port,
        "db_host": dbhost,
        "db_port": dbport,
        "db_user": dbuser,
        "db_password": dbpassword,
        "tls_cert": tls_cert,
        "tls_key": tls_key,
    }
    overrides = {k: v for k, v in given.items() if v is not None and v != ""}
    try:
        from_env = Settings.from_env()
    except ValueError as e:
        raise CliError(f"Cannot start the server: {e}") from None
    settings = replace(from_env, **overrides)  # type: ignore[arg-type]
    require_free_port(settings.port, settings.host)
    try:
        run_until_signalled(settings)
    except OSError as e:
        raise CliError(
            f"Cannot start the server: {e.strerror or e}. Is PostgreSQL running at "
            f"{settings.db_host}:{settings.db_port} (COLONIES_DB_HOST/COLONIES_DB_PORT) and is "
            f"port {settings.port} free? For a self-contained server use `colonies dev`.",
            f"({type(e).__name__}: {e})",
        ) from None


@server.command()
@client_options
@json_option
def status(env: Env, as_json: bool) -> None:
    """Show the server's version and the addresses it serves on.

    \b
    Example:
      colonies server status
    """
    info = run(env, lambda c: c.server_info())
    if as_json:
        echo_json(info)
    else:
        click.echo(tables.server_info_table(info, env.url))


@server.command()
@client_options
def alive(env: Env) -> None:
    """Check that the server answers on /health (exit status 1 if not).

    \b
    Example:
      colonies server alive && echo up
    """
    if not run(env, lambda c: c.health()):
        raise CliError(f"The server at {env.address} is not healthy.")
    click.echo(f"Server at {env.address} is alive")


@server.command()
@server_key_option
@client_options
@json_option
def stats(env: Env, as_json: bool) -> None:
    """Show process, workflow and executor counts over all colonies (server owner key).

    \b
    Example:
      colonies server stats
    """
    key = env.server_prvkey
    statistics = run(env, lambda c: c.statistics(key=key))
    if as_json:
        echo_json(statistics)
    else:
        click.echo(tables.statistics_table(statistics, "Server:"))


@server.command()
@click.option("--serverid", required=True, help="The new server id (id of the new owner key).")
@server_key_option
@client_options
def chid(env: Env, serverid: str) -> None:
    """Change the server id, i.e. hand the server to another owner key.

    \b
    Example:
      colonies server chid --serverid 039231c7...0103
    """
    key = env.server_prvkey
    run(env, lambda c: c.change_server_id(serverid, key=key))
    click.echo(f"Server id changed to {serverid}")
