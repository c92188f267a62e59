"""``colonies monitor start``: a Prometheus exporter of the server's statistics."""

from __future__ import annotations

import asyncio
import logging
import signal

import click
from aiohttp import web

from colonies.cli.options import CliError, Env, client_options, run, server_key_option
from colonies.client import ColoniesClient
from colonies.core import Statistics
from colonies.errors import TransportError

log = logging.getLogger("colonies.monitor")


class StatisticsExporter:
    """One gauge per field of the server statistics, e.g. ``colonies_waiting_processes``."""

    def __init__(self) -> None:
        # imported here: every other command starts faster without prometheus_client
        from prometheus_client import CollectorRegistry, Gauge

        self.registry = CollectorRegistry()
        self.gauges = {
            name: Gauge(
                f"colonies_{name}",
                f"{name.replace('_', ' ').capitalize()} (getstatisticsmsg).",
                registry=self.registry,
            )
            for name in Statistics.model_fields
        }
        self.up = Gauge(
            "colonies_monitor_up",
            "1 when the last statistics poll succeeded.",
            registry=self.registry,
        )

    async def poll(self, client: ColoniesClient, key: str) -> Statistics:
        statistics = await client.statistics(key=key)
        for name, gauge in self.gauges.items():
            gauge.set(getattr(statistics, name))
        self.up.set(1)
        return statistics

    def render(self) -> bytes:
        from prometheus_client import generate_latest

        return generate_latest(self.registry)


async def run_monitor(
    client: ColoniesClient,
    key: str,
    host: str,
    port: int,
    interval: float,
    stop: asyncio.Event,
    started: asyncio.Event | None = None,
) -> None:
    """Serve /metrics on host:port, polling the statistics every ``interval`` s until ``stop``."""
    exporter = StatisticsExporter()
    await exporter.poll(client, key)  # a wrong key or address fails here, before serving

    async def metrics(_request: web.Request) -> web.Response:
        return web.Response(body=exporter.render(), content_type="text/plain")

    app = web.Application()
    app.router.add_get("/metrics", metrics)
    runner = web.AppRunner(app, access_log=None)
    await runner.setup()
    try:
        await web.TCPSite(runner, host, port).start()
        log.info("monitor serving http://%s:%d/metrics every %s s", host, port, interval)
        if started is not None:
            started.set()
        while True:
            try:
                await asyncio.wait_for(stop.wait(), timeout=interval)
                return
            except TimeoutError:
                pass
            try:
                await exporter.poll(client, key)
            except Exception as e:  # keep serving the last values; the gauge says so
                exporter.up.set(0)
                log.warning("statistics poll failed: %s", e)
    finally:
        await runner.cleanup()


@click.group()
def monitor() -> None:
    """Export the server's statistics to Prometheus."""


@monitor.command()
@click.option(
    "--listen",
    default="0.0.0.0",
    show_default=True,
    help="Address to serve /metrics on.",
)
@click.option(
    "--monitorport",
    "monitor_port",
    type=int,
    envvar="COLONIES_MONITOR_PORT",
    default=21120,
    show_default=True,
    help="Port to serve /metrics on [env COLONIES_MONITOR_PORT].",
)
@click.option(
    "--interval",
    type=float,
    envvar="COLONIES_MONITOR_INTERVAL",
    default=1.0,
    show_default=True,
    help="Seconds between statistics polls [env COLONIES_MONITOR_INTERVAL].",
)
@click.option("--once", is_flag=True, help="Poll once, print the metrics and exit.")
@server_key_option
@client_options
def start(env: Env, listen: str, monitor_port: int, interval: float, once: bool) -> None:
    """Poll the server statistics and serve them as Prometheus metrics until Ctrl-C.

    \b
    Example:
      COLONIES_MONITOR_PORT=21120 colonies monitor start
      curl localhost:21120/metrics
    """
    key = env.server_prvkey
    if interval <= 0:
        raise CliError("--interval must be a positive number of seconds.")

    async def action(c: ColoniesClient) -> bytes:
        if once:
            exporter = StatisticsExporter()
            await exporter.poll(c, key)
            return exporter.render()
        stop = asyncio.Event()
        loop = asyncio.get_running_loop()
        for sig in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(sig, stop.set)
        click.echo(f"Serving http://{listen}:{monitor_port}/metrics (Ctrl-C stops)", err=True)
        try:
            await run_monitor(c, key, listen, monitor_port, interval, stop)
        except TransportError:
            raise  # the server is unreachable: run() says so
        except OSError as e:
            raise CliError(f"Cannot listen on {listen}:{monitor_port}: {e.strerror}.") from None
        return b""

    click.echo(run(env, action).decode(), nl=False)
