"""``colonies executor start``: the built-in shell executor."""

from __future__ import annotations

import logging

import click

from colonies.cli.options import CliError, missing, valid_key
from colonies.config import ClientSettings
from colonies.core import Gpu, Hardware
from colonies.executor_sdk.shell import shell_executor


@click.command()
@click.option(
    "--name", default="", help="Executor name (default: COLONIES_EXECUTOR_NAME or TYPE-<id>)."
)
@click.option("--type", "executor_type", default="", help="Executor type (default: cli).")
@click.option(
    "--register/--no-register",
    default=True,
    show_default=True,
    help="Add and approve the executor with COLONIES_COLONY_PRVKEY (else use --prvkey).",
)
@click.option(
    "--prvkey",
    envvar="COLONIES_EXECUTOR_PRVKEY",
    default="",
    help="Key of this executor (an approved one without --register; new one if empty).",
)
@click.option("--concurrency", default=1, show_default=True, help="Processes at a time.")
@click.option(
    "--timeout", "poll_timeout", default=10, show_default=True, help="Assign long-poll, s."
)
@click.option("--grace", default=30.0, show_default=True, help="Seconds to finish work on SIGTERM.")
@click.option("--func", "funcs", multiple=True, help="Only run these commands (repeatable).")
@click.option("--burst", is_flag=True, help="Exit when no work is left.")
@click.option("--cpu", default="", help="Declared hardware: CPU, e.g. 4000m.")
@click.option("--mem", default="", help="Declared hardware: memory, e.g. 16Gi.")
@click.option("--gpu", "gpu_name", default="", help="Declared hardware: GPU name.")
@click.option("--gpus", "gpu_count", default=0, help="Declared hardware: GPU count.")
def start(
    name: str,
    executor_type: str,
    register: bool,
    prvkey: str,
    concurrency: int,
    poll_timeout: int,
    grace: float,
    funcs: tuple[str, ...],
    burst: bool,
    cpu: str,
    mem: str,
    gpu_name: str,
    gpu_count: int,
) -> None:
    """Run a shell executor: FUNCNAME is the command, ARGS its arguments.

    The output is the command's stdout, each output line is also a process log entry, and a
    non-zero exit status fails the process. Stops gracefully on SIGTERM/SIGINT.

    \b
    Example:
      colonies executor start --type cli &
      colonies function exec --func echo --args hello --targettype cli --wait --out
    """
    settings = ClientSettings.from_env()
    if not settings.colony_name:
        missing("COLONIES_COLONY_NAME")
    if register and not settings.colony_prvkey:
        missing("COLONIES_COLONY_PRVKEY")
    if not register and not prvkey:
        raise CliError(
            "--no-register needs the key of an approved executor: pass --prvkey or "
            "`export COLONIES_EXECUTOR_PRVKEY=...`."
        )
    if prvkey:
        valid_key(prvkey, "--prvkey")
    if register:
        valid_key(settings.colony_prvkey, "COLONIES_COLONY_PRVKEY")
    hardware = None
    if cpu or mem or gpu_name or gpu_count:
        gpu = Gpu(name=gpu_name, count=gpu_count or (1 if gpu_name else 0))
        hardware = Hardware(cpu=cpu, mem=mem, gpu=gpu)
    executor = shell_executor(
        executor_type or settings.executor_type or "cli",
        commands=funcs or None,
        name=name or None,
        key=prvkey or None,
        colony_key=settings.colony_prvkey if register else "",
        settings=settings,
        concurrency=concurrency,
        poll_timeout_s=poll_timeout,
        hardware=hardware,
        grace_s=grace,
        forward_output=True,
    )
    logging.getLogger("colonies.executor").setLevel(logging.INFO)
    try:
        executor.serve(burst=burst)
    except ValueError as err:
        raise CliError(str(err)) from None
