"""One Slurm job per process: the batch script from the spec, submit, follow, outcome.

The spec maps as the ColonyOS HPC executor maps it: ``conditions.nodes`` → ``--nodes``,
``processes`` → ``--ntasks``, ``processespernode`` → ``--ntasks-per-node``, ``cpu`` →
``--cpus-per-task`` (millicores rounded up to cores), ``mem`` → ``--mem`` (MiB, rounded up),
``gpu.count`` → ``--gres=gpu:N``, ``walltime`` (s) → ``--time``; the command runs under
``srun``. Partition, account, QoS, extra ``#SBATCH`` lines and module loads come from the
executor's options, and ``--exclusive`` (whole nodes) if it asks. The job sees only the
spec's ``env`` and ``COLONIES_PROCESS_ID`` (``--export=NONE``: nothing of the executor's
environment), and runs in the executor's working directory on the shared filesystem, where
the SDK staged the ``fs`` mounts.

A spec with staging URIs (``kwargs.input``/``resource``/``output``, as the container back
end reads them) runs in its own directory on the shared filesystem instead
(``.colonies-slurm/<process id>/work``, also ``$COLONIES_WORK_DIR``): the inputs are
downloaded into ``input/`` and the resources linked from the executor's cache into
``resource/`` before ``sbatch``; everything the job left in ``output/`` is uploaded once
the job has ended, whether it succeeded or not. The ``fs`` mounts stay where they are
(``$COLONIES_SHARED_DIR``).

Each job has the process id as its name and ``colonies:<executor name>`` as its comment,
so a restarted executor finds the jobs of its running processes and follows them again,
and cancels those whose process is gone. On SIGTERM the executor detaches: its jobs keep
running and the next start adopts them.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import shlex
import shutil
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from colonies.backends import slurm
from colonies.backends.common import (
    BackendFailed,
    Job,
    Outcome,
    Reason,
    Report,
    SpecError,
    run_job,
    stage_in,
    stage_out,
    substitute,
)
from colonies.core import Process, ProcessState
from colonies.errors import RPCError, TransportError
from colonies.executor_sdk.context import ProcessContext
from colonies.executor_sdk.executor import Executor
from colonies.fs.s3 import S3Config
from colonies.fs.staging import Stager, StagingError, StagingPlan, plan

log = logging.getLogger("colonies.backends.slurm")

TIME = "/usr/bin/time"
MAX_OUTPUT = 1 << 20
"""Stdout up to this size becomes the process output (beyond it only the log has it)."""
HISTORY_S = 10 * 365 * 86400
WORK = "work"
"""The working directory, below a job's directory, of a job with staging URIs."""


@dataclass
class SlurmOptions:
    """What the executor's options add to every job."""

    workdir: Path = field(default_factory=Path.cwd)
    partition: str = ""
    account: str = ""
    qos: str = ""
    sbatch_lines: list[str] = field(default_factory=list)
    modules: list[str] = field(default_factory=list)
    exclusive: bool = False
    """Every job (and pilot allocation) gets whole nodes (``--exclusive``)."""
    poll_s: float = 2.0
    measure: bool = True
    s3: S3Config | None = None
    """S3 of staging URIs (cfs:// and s3://); None: such URIs fail with reason staging."""
    allow_local: tuple[Path, ...] = ()
    """Directories below which local staging paths may be read and written."""

    @property
    def jobs_dir(self) -> Path:
        return self.workdir / ".colonies-slurm"


def _directive(option: str, value: Any) -> str:
    text = str(value)
    if not text or any(c.isspace() for c in text):
        raise SpecError(f"{option} {text!r} cannot be an #SBATCH value (empty or with spaces)")
    return f"#SBATCH {option}={text}"


def directives(
    job: Job, options: SlurmOptions, comment: str, job_dir: Path, staged: bool = False
) -> list[str]:
    """The ``#SBATCH`` lines of a job (``staged``: it runs in its own work directory)."""
    cond = job.spec.conditions
    want = job.needs
    lines = [
        _directive("--job-name", job.process_id),
        _directive("--comment", comment),
        _directive("--output", job_dir / "stdout"),
        _directive("--error", job_dir / "stderr"),
        _directive("--chdir", job_dir / WORK if staged else options.workdir),
        "#SBATCH --export=NONE",
    ]
    if cond.nodes > 0:
        lines.append(_directive("--nodes", cond.nodes))
    if cond.processes > 0:
        lines.append(_directive("--ntasks", cond.processes))
    if cond.processes_per_node > 0:
        lines.append(_directive("--ntasks-per-node", cond.processes_per_node))
    if want.cpu > 0:
        lines.append(_directive("--cpus-per-task", -(-want.cpu // 1000)))
    if want.mem > 0:
        lines.append(_directive("--mem", f"{-(-want.mem // (1 << 20))}M"))
    if want.gpu_count > 0:
        lines.append(_directive("--gres", f"gpu:{want.gpu_count}"))
    if cond.walltime > 0:
        lines.append(_directive("--time", slurm.walltime(cond.walltime)))
    if options.exclusive:
        lines.append("#SBATCH --exclusive")
    for option, value in (
        ("--partition", options.partition),
        ("--account", options.account),
        ("--qos", options.qos),
    ):
        if value:
            lines.append(_directive(option, value))
    lines += [f"#SBATCH {line.strip()}" for line in options.sbatch_lines]
    return lines


def batch_script(
    job: Job, options: SlurmOptions, comment: str, job_dir: Path, staged: bool = False
) -> str:
    """The batch script of a job: readable, every value shell-quoted."""
    for name in job.env:
        if not name.isidentifier() or not name.isascii():
            raise SpecError(f"env name {name!r} is not a shell variable name")
    out = ["#!/bin/sh", *directives(job, options, comment, job_dir, staged), ""]
    out += [f"module load {shlex.quote(m)}" for m in options.modules]
    env = dict(job.env)
    if staged:
        env.setdefault("COLONIES_WORK_DIR", str(job_dir / WORK))
        env.setdefault("COLONIES_SHARED_DIR", str(options.workdir))
    out += [f"export {k}={shlex.quote(v)}" for k, v in sorted(env.items())]
    srun = ["srun", "--export=ALL"]
    if options.measure and os.access(TIME, os.X_OK):
        out.append("# Each task measures itself into usage.<task> (elapsed, user, sys, max RSS).")
        wrapper = f'exec {TIME} -q -f "%e %U %S %M" -o "$0.$SLURM_PROCID" "$@"'
        srun += ["sh", "-c", wrapper, str(job_dir / "usage")]
    out.append(shlex.join([*srun, *job.argv]))
    return "\n".join(out) + "\n"


class LogFollower:
    """New complete lines of a job's output files, as they are written."""

    def __init__(self, *paths: Path) -> None:
        self.paths = paths
        self.offsets = dict.fromkeys(paths, 0)
        self.partial = dict.fromkeys(paths, b"")

    def read(self, final: bool = False) -> list[str]:
        lines: list[str] = []
        for path in self.paths:
            try:
                with open(path, "rb") as f:
                    f.seek(self.offsets[path])
                    data = f.read()
            except FileNotFoundError:
                continue
            self.offsets[path] += len(data)
            data = self.partial[path] + data
            *complete, rest = data.split(b"\n")
            self.partial[path] = rest
            if final and rest:
                complete.append(rest)
                self.partial[path] = b""
            lines += [c.decode(errors="replace") for c in complete]
        return lines


def usage_report(job_dir: Path) -> tuple[float | None, int | None]:
    """CPU seconds (all tasks) and peak RSS bytes (largest task) the tasks measured."""
    cpu, peak = None, None
    for path in job_dir.glob("usage.*"):
        try:
            last = path.read_text().strip().splitlines()[-1].split()
            user, system, rss_kib = float(last[1]), float(last[2]), int(last[3])
        except (OSError, IndexError, ValueError):
            continue
        cpu = (cpu or 0.0) + user + system
        peak = max(peak or 0, rss_kib * 1024)
    return (round(cpu, 3) if cpu is not None else None), peak


class SlurmBackend:
    """Runs each process as one ``sbatch`` job (see the module text)."""

    name = "slurm"

    def __init__(self, options: SlurmOptions) -> None:
        self.options = options
        self.table = slurm.JobTable(options.poll_s)
        self.sacct = slurm.Sacct()
        self.comment = "colonies"
        self.job_ids: dict[str, str] = {}  # process id -> Slurm job id
        self.adopted: dict[str, str] = {}  # process id -> job id to follow, not submit
        self.detached = False
        self._adoptions: set[asyncio.Task[None]] = set()
        self.submitted = 0
        self.stager = Stager(options.s3, options.jobs_dir / "cache", options.allow_local)

    # life cycle

    async def start(self, executor: Executor) -> None:
        """Follow the jobs of this executor's running processes again; cancel the jobs
        whose process is gone; fail running processes whose job Slurm no longer knows."""
        self.comment = f"colonies:{executor.name}"
        self.options.jobs_dir.mkdir(parents=True, exist_ok=True)
        jobs = {j.name: j for j in await slurm.queue(comment=self.comment)}
        running = await executor.client.process_history(
            ProcessState.RUNNING, HISTORY_S, executor_id=executor.executor_id, key=executor.key
        )
        mine = {p.process_id: p for p in running if p.assigned_executor_id == executor.executor_id}
        for name, info in jobs.items():
            if name not in mine and not info.ended:
                log.info(
                    "cancelling Slurm job %s: process %s is not running here", info.job_id, name
                )
                await slurm.scancel(info.job_id)
        for pid, process in mine.items():
            if pid in jobs:
                log.info("following Slurm job %s of process %s again", jobs[pid].job_id, pid)
                self.adopted[pid] = jobs[pid].job_id
                task = asyncio.create_task(self._adopt(executor, process))
                self._adoptions.add(task)
                task.add_done_callback(self._adoptions.discard)
            else:
                await _deliver(
                    executor,
                    pid,
                    error="engine: the Slurm job of this process was not found when the "
                    "executor started again",
                )

    async def _adopt(self, executor: Executor, process: Process) -> None:
        ctx = ProcessContext(executor, process)
        try:
            output = await run_job(self, ctx)
        except BackendFailed as err:
            await _deliver(executor, process.process_id, error=str(err))
            return
        await _deliver(executor, process.process_id, output=output)

    def detach(self) -> None:
        """Stop following without cancelling: the jobs run on, a new start adopts them."""
        self.detached = True
        for task in list(self._adoptions):
            task.cancel()

    async def close(self) -> None:
        if not self.detached and self._adoptions:
            await asyncio.gather(*self._adoptions, return_exceptions=True)
        await self.table.close()

    # one job

    async def cancel(self, job: Job) -> None:
        job_id = self.job_ids.get(job.process_id)
        if job_id and not self.detached:
            await slurm.scancel(job_id)

    async def run(self, job: Job, ctx: ProcessContext) -> Outcome:
        job_dir = self.options.jobs_dir / job.process_id
        job_id = self.adopted.pop(job.process_id, "")
        try:
            staging = plan(substitute(job.kwargs, job.process_id))
        except StagingError as err:
            if not job_id:
                return Outcome(Reason.SPEC, str(err))
            staging = StagingPlan()  # an adopted job ran anyway: follow it
        staged_in = 0
        try:
            if not job_id:
                job_id, staged_in = await self._submit(job, ctx, job_dir, staging)
            self.job_ids[job.process_id] = job_id
            outcome = await self._follow(job_id, job_dir, ctx)
        except SpecError as err:
            return Outcome(Reason.SPEC, str(err))
        except StagingError as err:
            return Outcome(Reason.STAGING, str(err))
        except slurm.SlurmError as err:
            return Outcome(Reason.ENGINE, str(err))
        except asyncio.CancelledError:
            # Cancelled (the job is scancelled): its staged files go. Detached: they stay
            # for the next start, which follows the job again.
            if not staging.empty and not self.detached:
                await asyncio.to_thread(shutil.rmtree, job_dir / WORK, True)
            raise
        finally:
            if job_id:
                self.table.forget(job_id)
            self.job_ids.pop(job.process_id, None)
        outcome.report.staged_in_bytes += staged_in
        if not staging.empty:
            outcome = await self._stage_out(outcome, ctx, job_dir / WORK, staging)
        return outcome

    async def _submit(
        self, job: Job, ctx: ProcessContext, job_dir: Path, staging: StagingPlan
    ) -> tuple[str, int]:
        """Stage the inputs and resources (if any), write the script, ``sbatch`` it; the
        job id and the bytes staged in."""
        staged = not staging.empty
        script = batch_script(job, self.options, self.comment, job_dir, staged)
        with contextlib.suppress(FileNotFoundError):
            await asyncio.to_thread(shutil.rmtree, job_dir)
        job_dir.mkdir(parents=True)
        staged_in = 0
        if staged:
            staged_in = await stage_in(self.stager, staging, job_dir / WORK, ctx)
        path = job_dir / "job.sh"
        path.write_text(script)
        job_id = await slurm.sbatch(str(path), job.process_id, self.comment)
        self.submitted += 1
        with contextlib.suppress(RPCError, TransportError):
            await ctx.log(f"Slurm job {job_id}, batch script:\n{script}")
            await ctx.add_attribute("slurm_job_id", job_id)
        return job_id, staged_in

    async def _stage_out(
        self, outcome: Outcome, ctx: ProcessContext, work: Path, staging: StagingPlan
    ) -> Outcome:
        """Upload ``output/`` of an ended job (success or not), then remove the work
        directory; a failed upload fails a job that succeeded."""
        outcome = await stage_out(self.stager, outcome, staging.outputs, work / "output", ctx)
        await asyncio.to_thread(shutil.rmtree, work, True)
        return outcome

    async def _follow(self, job_id: str, job_dir: Path, ctx: ProcessContext) -> Outcome:
        logs = LogFollower(job_dir / "stdout", job_dir / "stderr")
        nodes = ""
        info: slurm.JobInfo | None = None
        while True:
            row = await self.table.next(job_id)
            await _send(ctx, logs.read())
            if row is None:
                # Not in this round's squeue: it may have begun before the job was watched,
                # or Slurm forgot the job; the controller says which.
                row = await slurm.show_job(job_id)
                if row is None:
                    break
            info = row
            if row.nodes and row.nodes != nodes and row.state == "RUNNING":
                nodes = row.nodes
                with contextlib.suppress(RPCError, TransportError):
                    await ctx.add_attribute("slurm_nodes", nodes)
            if row.ended:
                break
        final = await slurm.show_job(job_id) or info
        await _send(ctx, logs.read(final=True))
        if final is None:
            return Outcome(Reason.ENGINE, f"Slurm no longer knows job {job_id}")
        if final.nodes and not nodes:  # a job too quick to be seen running
            with contextlib.suppress(RPCError, TransportError):
                await ctx.add_attribute("slurm_nodes", final.nodes)
        return await self._outcome(final, job_dir)

    async def _outcome(self, info: slurm.JobInfo, job_dir: Path) -> Outcome:
        acct = await self.sacct.get(info.job_id)
        state = acct.state if acct and acct.state else info.state
        exit_code = acct.exit_code if acct and acct.exit_code is not None else info.exit_code
        cpu, peak = usage_report(job_dir)
        report = Report(
            wall_s=(acct.elapsed_s if acct and acct.elapsed_s is not None else info.run_time_s)
            or 0.0,
            cpu_s=acct.cpu_s if acct and acct.cpu_s else cpu,
            peak_mem_bytes=acct.max_rss_bytes if acct and acct.max_rss_bytes else peak,
            extra={"slurm_job_id": info.job_id, "slurm_state": state, "nodes": info.nodes},
        )
        reason = slurm.STATE_REASONS.get(state, Reason.ENGINE)
        if reason == Reason.SUCCESS:
            return Outcome(reason, exit_code=0, output=_output(job_dir / "stdout"), report=report)
        text = slurm.STATE_TEXT.get(reason, f"the job ended in Slurm state {state}")
        if reason == Reason.EXIT:
            text += f" with exit code {exit_code}"
            last = _last_line(job_dir / "stderr")
            if last:
                text += f": {last}"
        return Outcome(reason, f"{reason}: {text} (Slurm job {info.job_id})", exit_code, [], report)


def _output(path: Path) -> list[Any]:
    try:
        if path.stat().st_size > MAX_OUTPUT:
            return []
        return [path.read_text(errors="replace").removesuffix("\n")]
    except FileNotFoundError:
        return []


def _last_line(path: Path) -> str:
    """The command's last stderr line (Slurm's own lines about the step are left out)."""
    try:
        lines = path.read_text(errors="replace").strip().splitlines()
    except FileNotFoundError:
        return ""
    lines = [line for line in lines if not line.startswith(("srun: ", "slurmstepd"))]
    return lines[-1].strip()[:300] if lines else ""


async def _send(ctx: ProcessContext, lines: list[str]) -> None:
    if lines:
        with contextlib.suppress(RPCError, TransportError):
            await ctx.log("\n".join(lines))


async def _deliver(
    executor: Executor, process_id: str, *, output: list[Any] | None = None, error: str = ""
) -> None:
    """Close or fail a process this back end followed outside the SDK's loop, retrying
    failures of the network for a while."""
    for attempt in range(8):
        try:
            if error:
                await executor.client.fail_process(process_id, [error], key=executor.key)
            else:
                await executor.client.close_process(process_id, output or [], key=executor.key)
            return
        except RPCError as err:
            if err.status < 500:
                log.warning("result of %s refused: %s", process_id, err.message)
                return
        except TransportError:
            pass
        await asyncio.sleep(min(30.0, 0.5 * 2**attempt))
