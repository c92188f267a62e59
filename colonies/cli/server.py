"""``colonies server start``: serve with the COLONIES_* configuration."""

from __future__ import annotations

import asyncio
import signal
from dataclasses import replace

import click

from colonies.config import Settings


@click.group()
def server() -> None:
    """Run the colonies server."""


def run_until_signalled(settings: Settings) -> None:
    """Serve in the foreground until SIGINT or SIGTERM."""
    from colonies.server.app import serve

    async def main() -> None:
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        await serve(settings, stop)

    asyncio.run(main())


@server.command()
@click.option("--port", type=int, help="HTTP port [env COLONIES_SERVER_HTTP_PORT, 50080].")
@click.option("--tls-cert", help="Serve HTTPS with this certificate (PEM).")
@click.option("--tls-key", help="Private key of the TLS certificate (PEM).")
def start(port: int | None, tls_cert: str | None, tls_key: str | None) -> None:
    """Start the server on the PostgreSQL named by COLONIES_DB_HOST/PORT/USER/PASSWORD/NAME.

    The server owner is COLONIES_SERVER_ID, or the id of COLONIES_SERVER_PRVKEY.
    """
    overrides: dict[str, object] = {}
    if port:
        overrides["port"] = port
    if tls_cert:
        overrides["tls_cert"] = tls_cert
    if tls_key:
        overrides["tls_key"] = tls_key
    run_until_signalled(replace(Settings.from_env(), **overrides))  # type: ignore[arg-type]
