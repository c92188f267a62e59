"""``colonies dashboard``: the live web dashboard (``colonies.dashboard``) on this machine."""

from __future__ import annotations

import asyncio
import sys
import webbrowser

import click

from colonies.cli.options import CliError, load_env, missing, run_main, valid_key

DEFAULT_PORT = 50081


@click.command()
@click.option(
    "--port",
    type=click.IntRange(0, 65535),
    default=DEFAULT_PORT,
    show_default=True,
    help="Port on 127.0.0.1 to serve on (0: a free one, printed).",
)
@click.option("--host", "server_host", help="Colonies server host [env COLONIES_SERVER_HOST].")
@click.option(
    "--server-port", type=int, help="Colonies server port [env COLONIES_SERVER_PORT, 50080]."
)
@click.option(
    "--open/--no-browser",
    "open_browser",
    default=None,
    help="Open the page in a web browser [default: only on an interactive terminal].",
)
@click.option(
    "--poll",
    type=click.FloatRange(0.05, 60),
    default=1.0,
    show_default=True,
    help="Seconds between reads of what the protocol announces no event for.",
)
def dashboard(
    port: int,
    server_host: str | None,
    server_port: int | None,
    open_browser: bool | None,
    poll: float,
) -> None:
    """Serve a live web dashboard of the colony on 127.0.0.1.

    It signs every request to the Colonies server itself with the keys of the environment
    (COLONIES_PRVKEY for a member, COLONIES_COLONY_PRVKEY for the colony owner,
    COLONIES_SERVER_PRVKEY for the server owner): what it shows and allows follows them, and
    no key reaches the browser. Open the printed link (its token works once and becomes a
    session cookie); requests without that session are refused.

    \b
    Example:
      colonies dashboard --port 0 --no-browser
    """
    from colonies.client import ColoniesClient
    from colonies.dashboard.app import serve
    from colonies.dashboard.roles import Keys
    from colonies.dashboard.state import Dashboard

    env = load_env(server_host, server_port)
    s = env.settings
    keys = Keys.from_settings(s)
    for value, name in (
        (keys.user, "COLONIES_PRVKEY"),
        (keys.colony, "COLONIES_COLONY_PRVKEY"),
        (keys.server, "COLONIES_SERVER_PRVKEY"),
    ):
        if value:
            valid_key(value, name)
    if not (keys.user or keys.colony or keys.server):
        missing("COLONIES_PRVKEY")
    if not s.colony_name and not keys.server:
        missing("COLONIES_COLONY_NAME")
    interactive = sys.stdin.isatty() and sys.stdout.isatty()
    should_open = interactive if open_browser is None else open_browser

    async def main() -> None:
        client = ColoniesClient.from_env(s)  # pooled: the dashboard makes many calls
        await client.version()  # an unreachable server fails here, as one sentence
        dash = Dashboard(client, keys, s.colony_name, poll_s=poll)
        started: asyncio.Future[str] = asyncio.get_running_loop().create_future()
        server = asyncio.create_task(serve(dash, port, started))
        server.add_done_callback(lambda t: started.done() or started.cancel())
        try:
            url = await started
        except asyncio.CancelledError:
            await server  # it failed to bind: raises why
            raise
        click.echo(f"Dashboard of {s.colony_name or 'the server'} ({keys.who()}), Ctrl-C stops it:")
        click.echo(f"    {url}")
        click.echo("The link works once; open it in a browser on this machine.")
        if should_open and not webbrowser.open(url):
            click.echo("No web browser found: open the link yourself.", err=True)
        await server

    def explain(e: Exception) -> CliError | None:
        if isinstance(e, OSError):
            return CliError(
                f"Cannot serve on 127.0.0.1:{port}: {e.strerror or e}. "
                "Choose another port with --port (0 picks a free one)."
            )
        return None

    run_main(env, main, explain)
