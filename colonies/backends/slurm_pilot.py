"""Pilot allocations: Slurm allocations that each run one worker per node, pulling many
processes, so that thousands of short processes do not each wait in the Slurm queue.

The manager (``colonies executor start --backend slurm --pilot``) watches the waiting
queue of its executor type and submits allocations (``sbatch`` of N nodes, walltime W),
between the minimum and maximum count: one more whenever work waits, none is pending and
the running ones are saturated. Each allocation gets its own enrollment ticket (one use per
node); its workers (``python -m colonies.backends.slurm_pilot``, started by ``srun``, one
per node) enrol with it as ``<type>-alloc<jobid>-<node>``, so ``colonies executor ls``
shows which allocation a worker belongs to, and the colony key never leaves the manager.

A worker runs processes (a shell worker runs ``kwargs.cmd``/``funcname`` as the Slurm
back end does; or an SDK ``Executor`` of a Python module) until no work came for the idle
period, and stops taking work a margin before the walltime. Whatever it still holds when
Slurm ends the allocation is not lost: once the allocation has ended, the manager removes
its workers from the colony, and the server puts their running processes back in the
queue (as it does for any removed executor).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import importlib
import inspect
import logging
import os
import shlex
import signal
import sys
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from colonies.backends import slurm
from colonies.backends.common import (
    BackendFailed,
    Outcome,
    Reason,
    ReasonFirstExecutor,
    SpecError,
    make_job,
)
from colonies.backends.slurm_jobs import SlurmOptions
from colonies.client import ColoniesClient
from colonies.core import ExecutorState, ProcessState
from colonies.errors import RPCError, TransportError
from colonies.executor_sdk.context import ProcessContext
from colonies.executor_sdk.executor import Executor, Registered
from colonies.executor_sdk.shell import run_logged
from colonies.fs import staging

log = logging.getLogger("colonies.backends.slurm")

HAND_BACK_S = 1.0
"""How long a worker whose command died of a signal waits to learn it is ending too."""
DRAIN_POLL_S = 0.25
"""How often a manager in burst mode looks at the queue once no work waits but some runs."""
QUEUE_SAMPLE = 100
"""Waiting processes counted per round (the server's page size; enough to decide)."""


@dataclass
class PilotOptions:
    """How many allocations, how big, how long, and what their workers run."""

    min_allocations: int = 0
    max_allocations: int = 2
    nodes: int = 1
    walltime_s: int = 3600
    idle_s: float = 60.0
    margin_s: float = 60.0
    worker: str = "shell"
    worker_concurrency: int = 0
    poll_s: float = 5.0
    python: str = sys.executable
    slurm: SlurmOptions = field(default_factory=SlurmOptions)


@dataclass
class Allocation:
    job_id: str
    state: str
    submitted: float = 0.0


def worker_prefix(executor_type: str, job_id: str = "") -> str:
    """Names of the workers of an allocation start with this (all allocations: no id)."""
    return f"{executor_type}-alloc{job_id}"


class PilotManager:
    """Submits and retires allocations for the waiting processes of one executor type."""

    def __init__(
        self,
        executor_type: str,
        options: PilotOptions,
        *,
        member: Executor,
        colony_key: str,
        server_env: dict[str, str],
    ) -> None:
        self.executor_type = executor_type
        self.options = options
        self.member = member  # registered executor whose key reads the queue
        self.colony_key = colony_key
        self.server_env = server_env
        self.comment = f"colonies-pilot:{executor_type}"
        self.allocations: dict[str, Allocation] = {}
        self.tickets: dict[str, str] = {}  # job id -> ticket id
        self.submitted = 0
        self.waiting = 0

    @property
    def client(self) -> ColoniesClient:
        return self.member.client

    @property
    def colony(self) -> str:
        return self.member.colony

    @property
    def dir(self) -> Path:
        return self.options.slurm.jobs_dir / "pilot"

    async def run(self, burst: bool = False) -> None:
        """Rounds every ``poll_s``. With ``burst``, return once no work waits and none
        runs: allocations still up then are idle, and are ended at once (``scancel``)
        rather than left to their workers' idle timeout. Once no work waits, the queue is
        looked at every ``DRAIN_POLL_S`` between rounds (Slurm is not asked more often),
        so that the end is seen soon after the last process closes."""
        await self.member.register()
        while True:
            await self.run_once()
            if burst and self.waiting == 0 and not self.allocations:
                return
            if burst and self.waiting == 0 and await self._drained():
                await self.end_allocations()
                return
            next_round = time.monotonic() + self.options.poll_s
            while burst and self.waiting == 0 and time.monotonic() < next_round:
                await asyncio.sleep(min(DRAIN_POLL_S, self.options.poll_s))
                if await self._drained():
                    await self.end_allocations()
                    return
            await asyncio.sleep(max(0.0, next_round - time.monotonic()))

    async def _count(self, state: ProcessState, most: int = QUEUE_SAMPLE) -> int:
        found = await self.client.get_processes(
            state, most, executor_type=self.executor_type, colony=self.colony, key=self.member.key
        )
        return len(found)

    async def _drained(self) -> bool:
        """Whether no process of this executor type waits or runs. Waiting is asked
        first: a process taken in between is then counted as running."""
        self.waiting = await self._count(ProcessState.WAITING)
        return self.waiting == 0 and await self._count(ProcessState.RUNNING, 1) == 0

    async def end_allocations(self, limit_s: float = 60.0) -> None:
        """Cancel every allocation of this manager, wait (up to ``limit_s``) until Slurm
        has ended them, and remove their workers: whatever a worker still held goes back
        to the queue."""
        for job_id in list(self.allocations):
            log.info("allocation %s is idle and no work is left: cancelling it", job_id)
            await slurm.scancel(job_id)
        deadline = time.monotonic() + limit_s
        while time.monotonic() < deadline:
            jobs = await slurm.queue(list(self.allocations))
            if all(j.ended for j in jobs):
                break
            await asyncio.sleep(DRAIN_POLL_S / 2)
        self.allocations.clear()
        await self._retire_workers(set())

    async def run_once(self) -> None:
        """One round: retire ended allocations, count the queue, submit what is missing."""
        # An allocation that is COMPLETING is being killed: its workers are retired (what
        # they held goes back to the queue) without waiting for Slurm to finish the kill.
        jobs = {
            j.job_id: j
            for j in await slurm.queue(comment=self.comment)
            if not j.ended and j.state != "COMPLETING"
        }
        for job_id, job in jobs.items():
            alloc = self.allocations.setdefault(job_id, Allocation(job_id, job.state))
            alloc.state = job.state
        for job_id in [j for j in self.allocations if j not in jobs]:
            del self.allocations[job_id]
        await self._retire_workers(set(self.allocations))
        self.waiting = await self._count(ProcessState.WAITING)
        for _ in range(self.wanted()):
            await self.submit()

    def wanted(self) -> int:
        """How many allocations to submit now: up to the minimum, else one more while work
        waits, none is pending and the running ones have no room left."""
        active = len(self.allocations)
        pending = sum(a.state == "PENDING" for a in self.allocations.values())
        if active < self.options.min_allocations:
            return self.options.min_allocations - active
        if self.waiting == 0 or pending or active >= self.options.max_allocations:
            return 0
        capacity = active * self.options.nodes * max(1, self.options.worker_concurrency)
        return 0 if active and self.waiting < capacity else 1

    async def submit(self) -> str:
        """One allocation with its own ticket; its Slurm job id."""
        o = self.options
        ticket = await self.client.add_executor_ticket(
            self.executor_type,
            uses=o.nodes,
            expires_in_s=max(24 * 3600, o.walltime_s + 3600),
            name_prefix=worker_prefix(self.executor_type),
            colony=self.colony,
            key=self.colony_key,
        )
        self.dir.mkdir(parents=True, exist_ok=True)
        stem = self.dir / f"alloc-{ticket.ticket_id[:12]}"
        ticket_file = stem.with_suffix(".ticket")
        fd = os.open(ticket_file, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(ticket.token)
        script = stem.with_suffix(".sh")
        script.write_text(self.script(ticket_file, stem))
        job_id = await slurm.sbatch(str(script))
        self.submitted += 1
        self.tickets[job_id] = ticket.ticket_id
        self.allocations[job_id] = Allocation(job_id, "PENDING", time.time())
        log.info("submitted allocation %s (%d node(s), %d waiting)", job_id, o.nodes, self.waiting)
        return job_id

    def script(self, ticket_file: Path, stem: Path) -> str:
        """The allocation's batch script: one worker per node under srun."""
        o, s = self.options, self.options.slurm
        lines = [
            "#!/bin/sh",
            f"#SBATCH --job-name=colonies-pilot-{self.executor_type}",
            f"#SBATCH --comment={self.comment}",
            f"#SBATCH --nodes={o.nodes}",
            "#SBATCH --ntasks-per-node=1",
            f"#SBATCH --time={slurm.walltime(o.walltime_s)}",
            f"#SBATCH --output={stem}.out",
            f"#SBATCH --chdir={s.workdir}",
            "#SBATCH --export=NONE",
        ]
        if s.exclusive:  # whole nodes: a worker's default concurrency is every CPU
            lines.append("#SBATCH --exclusive")
        lines += [f"#SBATCH --{k}={v}" for k, v in _named(s).items() if v]
        lines += [f"#SBATCH {line.strip()}" for line in s.sbatch_lines]
        lines.append("")
        lines += [f"module load {shlex.quote(m)}" for m in s.modules]
        lines += [f"export {k}={shlex.quote(v)}" for k, v in sorted(self.server_env.items())]
        lines.append(f'COLONIES_EXECUTOR_TICKET="$(cat {shlex.quote(str(ticket_file))})"')
        lines.append("export COLONIES_EXECUTOR_TICKET")
        lines.append("# The walltime counts from here, however long the workers take to start.")
        lines.append('started="$(date +%s)"')
        worker = [
            o.python,
            "-m",
            "colonies.backends.slurm_pilot",
            "--type",
            self.executor_type,
            "--walltime",
            str(o.walltime_s),
            "--margin",
            str(o.margin_s),
            "--idle",
            str(o.idle_s),
            "--worker",
            o.worker,
            "--concurrency",
            str(o.worker_concurrency),
        ]
        srun = shlex.join(["srun", "--export=ALL", "--ntasks-per-node=1", *worker])
        lines.append(f'{srun} --started "$started"')
        return "\n".join(lines) + "\n"

    async def _retire_workers(self, active: set[str]) -> None:
        """Remove the workers of allocations that are no longer running: the server puts
        their running processes back in the queue."""
        prefix = worker_prefix(self.executor_type)
        try:
            executors = await self.client.get_executors(colony=self.colony, key=self.member.key)
        except (RPCError, TransportError) as err:
            log.warning("could not list executors: %s", err)
            return
        for executor in executors:
            name = executor.executor_name
            if not name.startswith(prefix) or executor.state != ExecutorState.APPROVED:
                continue
            job_id = name.removeprefix(prefix).partition("-")[0]
            if job_id in active:
                continue
            log.info("allocation %s has ended: removing its worker %s", job_id, name)
            try:
                await self.client.remove_executor(name, colony=self.colony, key=self.colony_key)
            except (RPCError, TransportError) as err:
                log.warning("could not remove %s: %s", name, err)
            ticket_id = self.tickets.pop(job_id, "")
            if ticket_id:
                with contextlib.suppress(RPCError, TransportError):
                    await self.client.revoke_executor_ticket(
                        ticket_id, colony=self.colony, key=self.colony_key
                    )


def _named(options: SlurmOptions) -> dict[str, str]:
    return {"partition": options.partition, "account": options.account, "qos": options.qos}


# The worker inside an allocation.

PILOT_NO_STAGING = (
    "spec: a pilot worker does not stage kwargs input, resource or output; run this "
    "process on an executor with one job per process (colonies executor start --backend "
    "slurm, without --pilot)"
)


@dataclass
class Activity:
    busy: int = 0
    last: float = field(default_factory=time.monotonic)


async def run_local(ctx: ProcessContext) -> Any:
    """A process's command (``kwargs.cmd``/``funcname``) on this node: lines to the log,
    stdout the output, a non-zero exit a failure with reason ``exit``."""
    try:
        job = make_job(ctx.process)
        uris = staging.plan(job.kwargs)
    except (SpecError, staging.StagingError) as refused:
        raise BackendFailed(Outcome(Reason.SPEC, str(refused))) from None
    if not uris.empty:  # run without its inputs it would be wrong, not failed
        raise BackendFailed(Outcome(Reason.SPEC, PILOT_NO_STAGING))
    env = {k: v for k, v in os.environ.items() if not k.startswith(("COLONIES_", "AWS_"))}
    status, out, errors = await run_logged(ctx, job.argv, {**env, **job.env})
    if status < 0 or status > 128:
        # Slurm ending the allocation signals every process of it: the command (dead of
        # the signal, or a shell exiting 128+N after its child died of it) and this worker,
        # a moment later maybe. Then the process is handed back, not failed: the worker
        # waits for its own end and the manager puts the process back in the queue.
        await asyncio.sleep(HAND_BACK_S)
        if getattr(ctx.executor, "ending", False):
            await asyncio.Event().wait()
    if status != 0:
        last = errors[-1].strip() if errors else ""
        text = f"exit: the command exited with status {status}" + (f": {last}" if last else "")
        raise BackendFailed(Outcome(Reason.EXIT, text, status))
    return "".join(out).removesuffix("\n")


def _tracked(fn: Registered, activity: Activity) -> Callable[..., Any]:
    """``fn`` counting itself busy while it runs (sync functions run in a thread)."""
    original = fn.fn

    def enter() -> None:
        activity.busy += 1

    def leave() -> None:
        activity.busy -= 1
        activity.last = time.monotonic()

    if fn.is_async:

        async def tracked_async(*args: Any, **kwargs: Any) -> Any:
            enter()
            try:
                return await original(*args, **kwargs)
            finally:
                leave()

        return tracked_async

    def tracked(*args: Any, **kwargs: Any) -> Any:
        enter()
        try:
            return original(*args, **kwargs)
        finally:
            leave()

    return tracked


class ShellWorker(ReasonFirstExecutor):
    """The shell worker: ``ending`` once Slurm signalled that the allocation ends."""

    ending = False


def worker_executor(spec: str) -> Executor:
    """``shell``, or ``module:attribute`` naming an SDK Executor (its functions)."""
    if spec == "shell":
        executor = ShellWorker()

        async def shell(*_args: Any, ctx: ProcessContext, **_kwargs: Any) -> Any:
            return await run_local(ctx)

        executor.fallback(shell)
        return executor
    module_name, _, attribute = spec.partition(":")
    found = getattr(importlib.import_module(module_name), attribute or "executor")
    if not isinstance(found, Executor):
        raise SystemExit(f"{spec} is not a colonies Executor")
    return found


async def serve_worker(
    executor: Executor,
    *,
    walltime_s: float,
    margin_s: float,
    idle_s: float,
    started_at: float | None = None,
) -> None:
    """Run until idle for ``idle_s`` or ``margin_s`` before the walltime (then only finish
    what it holds; what is left when Slurm ends the allocation goes back to the queue).

    The walltime counts from ``started_at`` (epoch seconds: when the allocation's batch
    script began), not from this worker's own start, which on a busy node or a slow shared
    filesystem can come long after; without it, from now."""
    left = walltime_s - margin_s - (time.time() - started_at if started_at else 0.0)
    if left <= 0:
        log.info("the walltime is (nearly) over before the worker started: taking no work")
        return
    stop_at = time.monotonic() + left
    await executor.register()  # the idle clock starts once the worker can take work
    activity = Activity()
    for registered in [*executor.functions.values(), executor.fallback_fn]:
        if registered is not None:
            registered.fn = _tracked(registered, activity)
            registered.is_async = inspect.iscoroutinefunction(registered.fn)
    # Slurm ending the allocation (walltime, scancel, preemption) signals every process of
    # it, the worker often twice (srun forwards the TERM slurmstepd also sends): each signal
    # only stops the taking of work. The SDK's own handling would fail the running processes
    # at the second one; here they are handed back (the manager requeues them).
    loop = asyncio.get_running_loop()
    handled: list[signal.Signals] = []
    if threading.current_thread() is threading.main_thread():
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.add_signal_handler(sig, _stop_taking_work, executor, sig)
            handled.append(sig)
    serving = asyncio.create_task(executor.run())

    async def watch() -> None:
        while not serving.done():
            await asyncio.sleep(0.2)
            now = time.monotonic()
            if now >= stop_at:
                log.info("walltime is near: taking no more work")
                executor.stop()
                return
            if activity.busy == 0 and now - activity.last >= idle_s:
                log.info("idle for %.0f s: exiting", idle_s)
                executor.stop()
                return

    watcher = asyncio.create_task(watch())
    try:
        await serving
    finally:
        watcher.cancel()
        for sig in handled:
            loop.remove_signal_handler(sig)


def _stop_taking_work(executor: Executor, sig: signal.Signals) -> None:
    log.info("%s: the allocation is ending; taking no more work", sig.name)
    if isinstance(executor, ShellWorker):
        executor.ending = True
    executor.stop()


def worker_main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m colonies.backends.slurm_pilot")
    parser.add_argument("--type", required=True)
    parser.add_argument("--walltime", type=float, required=True)
    parser.add_argument("--margin", type=float, default=60.0)
    parser.add_argument("--idle", type=float, default=60.0)
    parser.add_argument("--worker", default="shell")
    parser.add_argument("--concurrency", type=int, default=0)
    parser.add_argument(
        "--started", type=float, default=None, help="when the allocation began (epoch s)"
    )
    args = parser.parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    job_id = os.environ.get("SLURM_JOB_ID", "0")
    node = os.environ.get("SLURMD_NODENAME", "node")
    concurrency = args.concurrency or int(os.environ.get("SLURM_CPUS_ON_NODE", "1"))
    executor = worker_executor(args.worker)
    executor.configure(
        executor_type=args.type,
        name=f"{worker_prefix(args.type, job_id)}-{node}",
        concurrency=concurrency,
        grace_s=1e9,  # a stop only ends the taking of work; Slurm's kill ends the rest
        unregister=False,
        poll_timeout_s=max(1, min(10, int(args.idle))),
    )
    asyncio.run(
        serve_worker(
            executor,
            walltime_s=args.walltime,
            margin_s=args.margin,
            idle_s=args.idle,
            started_at=args.started,
        )
    )


if __name__ == "__main__":
    worker_main()
