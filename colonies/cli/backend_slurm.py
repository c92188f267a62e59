"""``colonies executor start --backend slurm [--pilot]``: its options and the builder.

Slurm libraries are Slurm's own commands; the back-end modules load only when the Slurm
back end is chosen.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import socket
import sys
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from colonies.cli.options import CliError, missing, valid_key
from colonies.config import ClientSettings
from colonies.core import Hardware

if TYPE_CHECKING:
    from colonies.backends.slurm_jobs import SlurmOptions
    from colonies.backends.slurm_pilot import PilotManager

F = Callable[..., Any]
UNITS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class Seconds(click.ParamType[int]):
    """``90s``, ``30m``, ``2h``, ``1h30m`` or plain seconds."""

    name = "duration"

    def convert(self, value: Any, param: click.Parameter | None, ctx: click.Context | None) -> int:
        if isinstance(value, int):
            return value
        text, total, number = str(value).strip().lower(), 0, ""
        for char in text:
            if char.isdigit():
                number += char
            elif char in UNITS and number:
                total, number = total + int(number) * UNITS[char], ""
            else:
                self.fail(f"{value!r} is not a duration such as 90s, 30m or 2h", param, ctx)
        total += int(number) if number else 0
        if total <= 0:
            self.fail(f"{value!r} is not a duration such as 90s, 30m or 2h", param, ctx)
        return total


OPTIONS: list[Callable[[F], F]] = [
    click.option(
        "--shared-dir",
        type=click.Path(file_okay=False, path_type=Path),
        help="Slurm: the jobs' working directory on the shared filesystem (scripts, job "
        "output, fs mounts); default the current directory.",
    ),
    click.option("--partition", default="", help="Slurm: partition of every job."),
    click.option("--account", default="", help="Slurm: account of every job."),
    click.option("--qos", default="", help="Slurm: QoS of every job."),
    click.option(
        "--sbatch",
        "sbatch_lines",
        multiple=True,
        help="Slurm: an extra #SBATCH line, e.g. --sbatch=--constraint=a100 (repeatable).",
    ),
    click.option(
        "--module", "modules", multiple=True, help="Slurm: `module load` this (repeatable)."
    ),
    click.option(
        "--exclusive",
        is_flag=True,
        help="Slurm: every job (or pilot allocation) gets whole nodes (#SBATCH --exclusive).",
    ),
    click.option(
        "--slurm-poll", default=2.0, show_default=True, help="Slurm: seconds between squeues."
    ),
    click.option(
        "--pilot",
        is_flag=True,
        help="Slurm: submit pilot allocations whose workers pull many processes, instead of "
        "one job per process.",
    ),
    click.option("--min-allocations", default=0, show_default=True, help="Pilot: at least."),
    click.option("--max-allocations", default=2, show_default=True, help="Pilot: at most."),
    click.option("--alloc-nodes", default=1, show_default=True, help="Pilot: nodes each."),
    click.option(
        "--alloc-walltime",
        type=Seconds(),
        default="1h",
        show_default=True,
        help="Pilot: walltime of each allocation.",
    ),
    click.option(
        "--idle-timeout",
        type=Seconds(),
        default="60s",
        show_default=True,
        help="Pilot: a worker with no work for this long exits.",
    ),
    click.option(
        "--walltime-margin",
        type=Seconds(),
        default="60s",
        show_default=True,
        help="Pilot: workers take no new work this long before the walltime.",
    ),
    click.option(
        "--pilot-worker",
        default="shell",
        show_default=True,
        help="Pilot: `shell` (kwargs.cmd or funcname, as one job per process runs them) or "
        "MODULE:ATTRIBUTE naming a colonies Executor with Python functions.",
    ),
    click.option(
        "--worker-concurrency",
        default=0,
        help="Pilot: processes at a time per worker (default the node's CPUs).",
    ),
    click.option(
        "--pilot-python",
        default=sys.executable,
        help="Pilot: the Python (with colonies installed) on the compute nodes.",
    ),
]


def build(
    settings: ClientSettings,
    *,
    executor_type: str,
    name: str,
    ticket: str,
    key_file: Path | None,
    register: bool,
    prvkey: str,
    concurrency: int | None,
    poll_timeout: int,
    hardware: Hardware | None,
    burst: bool,
    **options: Any,
) -> None:
    """Serve as a Slurm executor (one job per process) or a pilot manager."""
    from colonies.backends.slurm_jobs import SlurmOptions
    from colonies.fs.s3 import S3Config

    workdir = (options.pop("shared_dir") or Path.cwd()).resolve()
    s3 = S3Config.from_env()  # staging URIs (cfs://, s3://) of one job per process
    slurm_options = SlurmOptions(
        workdir=workdir,
        partition=options.pop("partition"),
        account=options.pop("account"),
        qos=options.pop("qos"),
        sbatch_lines=list(options.pop("sbatch_lines")),
        modules=list(options.pop("modules")),
        exclusive=options.pop("exclusive"),
        poll_s=options.pop("slurm_poll"),
        s3=s3 if s3.endpoint and s3.bucket else None,
    )
    for line in slurm_options.sbatch_lines:
        if "\n" in line or not line.strip().startswith("-"):
            raise CliError(f"--sbatch {line!r}: give one sbatch option, e.g. --constraint=a100.")
    try:
        slurm_options.jobs_dir.mkdir(parents=True, exist_ok=True)
    except OSError as err:
        raise CliError(f"Cannot use {workdir} for Slurm jobs: {err.strerror}.") from None
    os.chdir(workdir)  # relative fs mounts land on the shared filesystem
    ticket = ticket or settings.executor_ticket
    # With a ticket the type (and, unless --name, the name) come from the ticket.
    executor_type = executor_type or settings.executor_type or ("" if ticket else "slurm")
    if options.pop("pilot"):
        executor_type = executor_type or "slurm"
        _pilot(settings, executor_type, slurm_options, burst, options)
        return
    _jobs(
        settings,
        slurm_options,
        executor_type=executor_type,
        name=name,
        ticket=ticket,
        key_file=key_file,
        register=register,
        prvkey=prvkey,
        concurrency=concurrency or 100,
        poll_timeout=poll_timeout,
        hardware=hardware,
        burst=burst,
    )


def _jobs(
    settings: ClientSettings,
    slurm_options: SlurmOptions,
    *,
    executor_type: str,
    name: str,
    ticket: str,
    key_file: Path | None,
    register: bool,
    prvkey: str,
    concurrency: int,
    poll_timeout: int,
    hardware: Hardware | None,
    burst: bool,
) -> None:
    """One job per process. The executor's name and key stay the same over restarts (a
    key file in the jobs directory), so that a restart follows its jobs again."""
    from colonies.backends.common import backend_executor
    from colonies.backends.slurm_jobs import SlurmBackend

    name = name or settings.executor_name
    if not (name or ticket):  # with a ticket the server names it (the key file keeps it)
        name = f"{executor_type}-{socket.gethostname()}"
    identity: dict[str, Any] = {}
    if ticket:
        identity = {
            "ticket": ticket,
            "key_file": key_file or slurm_options.jobs_dir / "executor.key",
        }
    elif prvkey or not register:
        if not prvkey:
            raise CliError("--no-register needs the key of an approved executor: pass --prvkey.")
        identity = {"key": valid_key(prvkey, "--prvkey")}
    else:
        if not settings.colony_name:
            missing("COLONIES_COLONY_NAME")
        if not settings.colony_prvkey:
            missing("COLONIES_COLONY_PRVKEY")
        identity = {
            "key": _kept_key(slurm_options.jobs_dir / f"{name}.key"),
            "colony_key": valid_key(settings.colony_prvkey, "COLONIES_COLONY_PRVKEY"),
        }
    executor = backend_executor(
        SlurmBackend(slurm_options),
        executor_type,
        name=name or None,
        settings=settings,
        concurrency=concurrency,
        poll_timeout_s=poll_timeout,
        hardware=hardware,
        unregister=False,
        **identity,
    )
    from colonies.cli.executor_start import _serve

    _serve(executor, burst)


def _kept_key(path: Path) -> str:
    """The key in ``path``, made (mode 600) on the first start."""
    from colonies.crypto import new_private_key

    if path.exists():
        return valid_key(path.read_text().strip(), str(path))
    key = new_private_key()
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(key + "\n")
    return key


def _pilot(
    settings: ClientSettings,
    executor_type: str,
    slurm_options: SlurmOptions,
    burst: bool,
    options: dict[str, Any],
) -> None:
    from colonies.backends.slurm_pilot import PilotManager, PilotOptions
    from colonies.executor_sdk.executor import Executor

    if not settings.colony_name:
        missing("COLONIES_COLONY_NAME")
    if not settings.colony_prvkey:
        missing("COLONIES_COLONY_PRVKEY")
    colony_key = valid_key(settings.colony_prvkey, "COLONIES_COLONY_PRVKEY")
    pilot = PilotOptions(
        min_allocations=options["min_allocations"],
        max_allocations=options["max_allocations"],
        nodes=options["alloc_nodes"],
        walltime_s=options["alloc_walltime"],
        idle_s=float(options["idle_timeout"]),
        margin_s=float(options["walltime_margin"]),
        worker=options["pilot_worker"],
        worker_concurrency=options["worker_concurrency"],
        python=options["pilot_python"],
        poll_s=max(1.0, slurm_options.poll_s),
        slurm=slurm_options,
    )
    if pilot.max_allocations < max(1, pilot.min_allocations):
        raise CliError("--max-allocations must be at least 1 and at least --min-allocations.")
    if pilot.margin_s >= pilot.walltime_s:
        raise CliError("--walltime-margin must be shorter than --alloc-walltime.")
    name = f"{executor_type}-pilot"
    member = Executor(
        name,
        name=name,
        key=_kept_key(slurm_options.jobs_dir / f"{name}.key"),
        colony_key=colony_key,
        settings=settings,
        unregister=False,
    )
    server_env = {
        "COLONIES_SERVER_HOST": settings.host,
        "COLONIES_SERVER_PORT": str(settings.port),
        "COLONIES_TLS": "true" if settings.tls else "false",
    }
    if not settings.verify_tls:
        server_env["COLONIES_SKIP_TLS_VERIFY"] = "true"
    manager = PilotManager(
        executor_type, pilot, member=member, colony_key=colony_key, server_env=server_env
    )
    asyncio.run(_serve_manager(manager, burst))


async def _serve_manager(manager: PilotManager, burst: bool) -> None:
    """Run the manager until SIGTERM/SIGINT (or, with --burst, until nothing is left)."""
    loop = asyncio.get_running_loop()
    task = asyncio.create_task(manager.run(burst))
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, task.cancel)
    try:
        with contextlib.suppress(asyncio.CancelledError):
            await task
    finally:
        with contextlib.suppress(RuntimeError):  # no client: registration never got far
            await manager.member.client.close()
