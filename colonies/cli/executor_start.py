"""``colonies executor start``: the shell executor, or the container or Slurm back end."""

from __future__ import annotations

import logging
from pathlib import Path
from typing import TYPE_CHECKING, Any

import click

from colonies.cli import backend_container, backend_slurm
from colonies.cli.options import CliError, client_settings, missing, valid_key
from colonies.config import ClientSettings
from colonies.core import Gpu, Hardware
from colonies.core.ticket import TicketToken
from colonies.errors import RPCError

if TYPE_CHECKING:
    from colonies.executor_sdk.executor import Executor


def _backend_options(f: Any) -> Any:
    for option in reversed([*backend_container.OPTIONS, *backend_slurm.OPTIONS]):
        f = option(f)
    return f


@click.command()
@click.option(
    "--backend",
    type=click.Choice(["shell", "container", "slurm"]),
    default="shell",
    show_default=True,
    help="Where processes run: as commands on this host (shell), in containers through the "
    "Docker Engine API (container), or on Slurm (one job per process, or pilot allocations "
    "with --pilot); see `Run containers` and `Run on Slurm` in the README.",
)
@click.option(
    "--name", default="", help="Executor name (default: COLONIES_EXECUTOR_NAME or TYPE-<id>)."
)
@click.option(
    "--type",
    "executor_type",
    default="",
    help="Executor type (default: the ticket's, else COLONIES_EXECUTOR_TYPE or cli).",
)
@click.option(
    "--ticket",
    default="",
    help="Enrollment ticket from `colonies executor ticket create` [env "
    "COLONIES_EXECUTOR_TICKET]: enroll with a key made here; no colony key or name needed.",
)
@click.option(
    "--key-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="With --ticket: keep the executor's key in this file (made on the first start, "
    "mode 600) so a restart reuses it instead of another use of the ticket.",
)
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
@click.option(
    "--concurrency",
    type=int,
    default=None,
    help="Processes at a time (default 1; with --backend slurm, jobs at a time: 100).",
)
@click.option(
    "--timeout", "poll_timeout", default=10, show_default=True, help="Assign long-poll, s."
)
@click.option("--grace", default=30.0, show_default=True, help="Seconds to finish work on SIGTERM.")
@click.option("--func", "funcs", multiple=True, help="Only run these commands (repeatable).")
@click.option(
    "--shell",
    is_flag=True,
    help="Run each process's FUNCNAME and ARGS, joined with spaces, as one `sh -c` command "
    "line (redirections, pipes, variables). Trust: anyone who may submit to the colony then "
    "runs any shell code on this host as this user; cannot be combined with --func.",
)
@click.option(
    "--burst",
    is_flag=True,
    help="Exit when no work is left (a Slurm pilot manager also cancels its idle allocations).",
)
@click.option("--cpu", default="", help="Declared hardware: CPU, e.g. 4000m.")
@click.option("--mem", default="", help="Declared hardware: memory, e.g. 16Gi.")
@click.option("--gpu", "gpu_name", default="", help="Declared hardware: GPU name.")
@click.option("--gpus", "gpu_count", default=0, help="Declared hardware: GPU count.")
@_backend_options
def start(
    backend: str,
    name: str,
    executor_type: str,
    ticket: str,
    key_file: Path | None,
    register: bool,
    prvkey: str,
    concurrency: int | None,
    poll_timeout: int,
    grace: float,
    funcs: tuple[str, ...],
    shell: bool,
    burst: bool,
    cpu: str,
    mem: str,
    gpu_name: str,
    gpu_count: int,
    **backend_options: Any,
) -> None:
    """Run an executor: by default shell commands here (FUNCNAME the command, ARGS its
    arguments); with --backend, containers or Slurm jobs.

    The output is the command's stdout, each output line is also a process log entry, and a
    non-zero exit status fails the process. Stops gracefully on SIGTERM/SIGINT.

    Without --shell the command runs directly, with ARGS as its arguments: no redirection,
    pipes or variables, so `date > /tmp/currentdate` passes ">" to date. With --shell the
    line runs under `sh -c`, as the reference docs' cron example needs; every member of the
    colony can then run any shell command here, so use it only for a colony whose members
    you trust, on a host (or container) that holds nothing they should not reach.

    With --ticket (the recommended way to add a worker) the executor makes its own key,
    enrolls with the ticket and is approved for the ticket's colony and executor type; it
    needs neither the colony key nor COLONIES_COLONY_NAME. Without --key-file the key lives
    in memory only, so each start takes another use of the ticket (and, with --name, the
    name must be free or COLONIES_ALLOW_EXECUTOR_REREGISTER set on the server); with
    --key-file a restart reuses the kept key and needs no ticket use, even after the ticket
    expired.

    With --backend container each process runs in a container (kwargs["docker-image"] or
    --image) through the Docker Engine API of DOCKER_HOST (dockerd or `podman system
    service`); with --cpu/--mem it runs processes side by side only while they fit.

    \b
    Example:
      colonies executor start --type cli &
      colonies function exec --func echo --args hello --targettype cli --wait --out
      colonies executor start --ticket ct1.dGVzdA.4f0c... --key-file worker.key
      colonies executor start --backend slurm --type hpc --partition batch
    """
    settings = client_settings()
    if backend == "slurm":
        backend_slurm.build(
            settings,
            executor_type=executor_type,
            name=name,
            ticket=ticket,
            key_file=key_file,
            register=register,
            prvkey=prvkey,
            concurrency=concurrency,
            poll_timeout=poll_timeout,
            hardware=_hardware(cpu, mem, gpu_name, gpu_count),
            burst=burst,
            **backend_options,
        )
        return
    concurrency = concurrency or 1
    if shell and funcs:
        raise CliError(
            "--shell cannot be combined with --func: under the shell the arguments are shell "
            "code too (`echo; rm -rf ~`), so the list of commands would not hold."
        )
    ticket = ticket or settings.executor_ticket
    if ticket:
        _start_enrolled(
            ticket,
            key_file,
            name=name,
            executor_type=executor_type or settings.executor_type,
            prvkey=prvkey,
            settings=settings,
            concurrency=concurrency,
            poll_timeout_s=poll_timeout,
            hardware=_hardware(cpu, mem, gpu_name, gpu_count),
            grace_s=grace,
            funcs=funcs,
            shell=shell,
            burst=burst,
            backend=backend,
            backend_options=backend_options,
        )
        return
    if key_file is not None:
        raise CliError("--key-file keeps the key of an executor enrolled with --ticket.")
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
    hardware = _hardware(cpu, mem, gpu_name, gpu_count)
    _launch(
        backend,
        backend_options,
        executor_type or settings.executor_type or "cli",
        funcs,
        shell,
        burst,
        name=name or None,
        key=prvkey or None,
        colony_key=settings.colony_prvkey if register else "",
        settings=settings,
        concurrency=concurrency,
        poll_timeout_s=poll_timeout,
        hardware=hardware,
        grace_s=grace,
    )


def _launch(
    backend: str,
    backend_options: dict[str, Any],
    executor_type: str,
    funcs: tuple[str, ...],
    shell: bool,
    burst: bool,
    **options: Any,
) -> None:
    """Build the executor of ``backend`` and serve it."""
    if backend == "shell":
        from colonies.executor_sdk.shell import shell_executor

        executor = shell_executor(
            executor_type, commands=funcs or None, shell=shell, forward_output=True, **options
        )
        _serve(executor, burst)
        return
    if funcs or shell:
        raise CliError("--func and --shell are options of the shell back end, not of --backend.")
    executor, _ = backend_container.build(executor_type, backend_options, options)
    try:
        backend_container.serve(executor, burst)
    except ValueError as err:
        raise CliError(str(err)) from None
    except RPCError as err:
        raise CliError(f"The server refused the request: {err.message}") from None


def _hardware(cpu: str, mem: str, gpu_name: str, gpu_count: int) -> Hardware | None:
    if not (cpu or mem or gpu_name or gpu_count):
        return None
    gpu = Gpu(name=gpu_name, count=gpu_count or (1 if gpu_name else 0))
    return Hardware(cpu=cpu, mem=mem, gpu=gpu)


def _start_enrolled(
    ticket: str,
    key_file: Path | None,
    *,
    name: str,
    executor_type: str,
    prvkey: str,
    settings: ClientSettings,
    funcs: tuple[str, ...],
    shell: bool,
    burst: bool,
    backend: str,
    backend_options: dict[str, Any],
    **options: Any,
) -> None:
    """Serve as an executor enrolled with ``ticket`` (the colony key is not used)."""
    try:
        TicketToken.parse(ticket)
    except ValueError as err:
        raise CliError(
            f"--ticket is not an enrollment ticket ({err}); pass the whole token that "
            "`colonies executor ticket create` printed."
        ) from None
    if prvkey:
        valid_key(prvkey, "--prvkey")
    _launch(
        backend,
        backend_options,
        executor_type,
        funcs,
        shell,
        burst,
        name=name or None,
        key=prvkey or None,
        ticket=ticket,
        key_file=key_file,
        settings=settings,
        **options,
    )


def _serve(executor: Executor, burst: bool) -> None:
    logging.getLogger("colonies.executor").setLevel(logging.INFO)
    try:
        executor.serve(burst=burst)
    except ValueError as err:
        raise CliError(str(err)) from None
    except RPCError as err:
        raise CliError(f"The server refused the request: {err.message}") from None
