"""What every back end shares: the job a spec describes, outcomes, reports, cancel, admission.

The spec is read as ColonyOS container and HPC executors read it: ``funcname`` ``execute``,
``kwargs.cmd`` (a string runs under ``sh -c`` with ``kwargs.args`` appended, a list is the
argument vector) and ``kwargs.args``; any other ``funcname`` is the command with ``args``
as its arguments, as the shell executor runs it. ``{processid}`` in the command, the
arguments and ``kwargs`` strings becomes the process id.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import shlex
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any, Protocol

from colonies.core import RESOURCE_REPORT_KEY, FunctionSpec, Process, ProcessState
from colonies.core.executor import Hardware
from colonies.core.function_spec import Requirements as Resources
from colonies.core.matching import capacity, needs, shortfalls
from colonies.errors import ConfigError, RPCError, TransportError
from colonies.executor_sdk.context import ProcessContext
from colonies.executor_sdk.executor import Executor
from colonies.fs.staging import Stager, StagingError, StagingPlan, Uri

log = logging.getLogger("colonies.backends")

PROCESS_ID = "{processid}"
EXECUTE = "execute"


class SpecError(ValueError):
    """The spec cannot run on this back end; the text is one sentence for the user."""


class Reason:
    """Why a job ended; each failure reason names itself in the process's error."""

    SUCCESS = "success"
    EXIT = "exit"  # non-zero exit status
    OOM = "oom"  # killed for memory
    TIMEOUT = "timeout"  # maxexectime / walltime
    CANCELLED = "cancelled"  # cancelled in Colonies or in the engine
    PULL = "pull"  # the image could not be had
    PREEMPTED = "preempted"
    NODE_FAIL = "node-fail"
    SPEC = "spec"  # the spec asks for what this executor cannot do
    STAGING = "staging"  # an input, resource or output transfer failed
    ENGINE = "engine"  # the engine refused or broke


@dataclass
class Report:
    """What a job used, stored as JSON in the process attribute ``resources``."""

    wall_s: float = 0.0
    cpu_s: float | None = None
    peak_mem_bytes: int | None = None
    staged_in_bytes: int = 0
    staged_out_bytes: int = 0
    extra: dict[str, Any] = field(default_factory=dict)

    def to_json(self) -> str:
        data = {k: v for k, v in asdict(self).items() if v is not None and v != {}}
        return json.dumps(data, separators=(",", ":"), sort_keys=True)


@dataclass
class Outcome:
    """How a job ended. ``output`` becomes the process output on success."""

    reason: str
    message: str = ""
    exit_code: int | None = None
    output: list[Any] = field(default_factory=list)
    report: Report = field(default_factory=Report)

    @property
    def ok(self) -> bool:
        return self.reason == Reason.SUCCESS

    def error(self) -> str:
        """The process error: the reason first, so users and retry policies can match it."""
        if not self.message or self.message.startswith(f"{self.reason}:"):
            return self.message or self.reason
        return f"{self.reason}: {self.message}"


@dataclass
class Job:
    """One process as a back end sees it."""

    process: Process
    argv: list[str]
    env: dict[str, str]
    needs: Resources

    @property
    def process_id(self) -> str:
        return self.process.process_id

    @property
    def spec(self) -> FunctionSpec:
        return self.process.spec

    @property
    def kwargs(self) -> dict[str, Any]:
        return self.process.spec.kw_args

    @property
    def max_exec_time(self) -> int:
        return self.process.spec.max_exec_time

    def shell_line(self) -> str:
        """The command as one properly quoted shell line (for scripts and logs)."""
        if self.argv[:2] == ["sh", "-c"] and len(self.argv) == 3:
            return self.argv[2]
        return shlex.join(self.argv)


class Backend(Protocol):
    """An engine that runs jobs. ``run`` prepares (stages), starts, follows the logs
    (``ctx.log`` each line), waits and cleans up; it returns an Outcome and raises only
    for a bug. ``cancel`` stops a running job (idempotent)."""

    name: str

    async def start(self, executor: Executor) -> None: ...

    async def run(self, job: Job, ctx: ProcessContext) -> Outcome: ...

    async def cancel(self, job: Job) -> None: ...

    async def close(self) -> None: ...


def substitute(value: Any, process_id: str) -> Any:
    """``value`` with ``{processid}`` replaced in every string, recursively."""
    if isinstance(value, str):
        return value.replace(PROCESS_ID, process_id)
    if isinstance(value, list):
        return [substitute(v, process_id) for v in value]
    if isinstance(value, dict):
        return {k: substitute(v, process_id) for k, v in value.items()}
    return value


def _word(value: Any) -> str:
    return value if isinstance(value, str) else json.dumps(value)


def command(spec: FunctionSpec, process_id: str) -> list[str]:
    """The argument vector a spec asks for (see the module text)."""
    kwargs = spec.kw_args or {}
    cmd = kwargs.get("cmd")
    args = kwargs.get("args", spec.args if cmd is None else [])
    if args is None:
        args = []
    if not isinstance(args, list):
        args = [args]
    args = [_word(substitute(a, process_id)) for a in args]
    if cmd is None:
        if spec.func_name in ("", EXECUTE):
            raise SpecError(
                f"the spec has funcname {spec.func_name!r} and no kwargs.cmd: "
                "there is no command to run"
            )
        return [spec.func_name, *args]
    cmd = substitute(cmd, process_id)
    if isinstance(cmd, str):
        if not cmd.strip():
            raise SpecError("kwargs.cmd is empty: there is no command to run")
        return ["sh", "-c", " ".join([cmd, *(shlex.quote(a) for a in args)])]
    if isinstance(cmd, list) and cmd and all(isinstance(c, str) for c in cmd):
        return [*cmd, *args]
    raise SpecError("kwargs.cmd must be a command line (string) or a list of strings")


def job_env(spec: FunctionSpec, process_id: str) -> dict[str, str]:
    """The environment a job gets: only what the spec's ``env`` names, and the process id.

    Nothing of the executor's own environment is passed (its key, ``COLONIES_*``,
    ``AWS_*``), unless the spec names it explicitly.
    """
    env = {str(k): _word(substitute(v, process_id)) for k, v in (spec.env or {}).items()}
    env["COLONIES_PROCESS_ID"] = process_id
    return env


def make_job(process: Process) -> Job:
    """The job of a process; SpecError when the spec names no command."""
    spec = process.spec
    return Job(
        process=process,
        argv=command(spec, process.process_id),
        env=job_env(spec, process.process_id),
        needs=needs(spec.conditions),
    )


class Admission:
    """Declared capacity and what running jobs hold of it (``core.matching`` numbers: cpu
    in millicores, memory in bytes, GPUs). Without a capacity everything is admitted."""

    def __init__(self, hardware: Hardware | None) -> None:
        self.capacity = capacity(hardware) if hardware is not None else None
        self.held = Resources()
        self._claims: dict[str, Resources] = {}
        self.peak_running = 0
        """Most processes held at once (claimed and not yet released)."""

    # The executor's admission hook (``executor_sdk.executor.Admitting``).

    def available(self) -> tuple[str, str] | None:
        """The assign request's available cpu and mem; None when cpu or mem is used up."""
        free = self.free()
        if free is None or self.capacity is None:
            return "", ""
        if (self.capacity.cpu and free.cpu <= 0) or (self.capacity.mem and free.mem <= 0):
            return None
        cpu = f"{free.cpu}m" if self.capacity.cpu else ""
        mem = f"{free.mem // 1024}Ki" if self.capacity.mem else ""
        return cpu, mem

    def claim(self, process: Process) -> None:
        """Hold what ``process`` needs from its assignment until ``release``."""
        if process.process_id in self._claims:
            return
        want = needs(process.spec.conditions)
        self._claims[process.process_id] = want
        self.hold(want)
        self.peak_running = max(self.peak_running, len(self._claims))

    def release(self, item: Process | Resources) -> None:
        """Give back what a claimed process (or ``hold(want)``) held."""
        if isinstance(item, Process):
            want = self._claims.pop(item.process_id, None)
            if want is not None:
                self._give_back(want)
        else:
            self._give_back(item)

    def free(self) -> Resources | None:
        """What is left to give (the assign request's available cpu and mem)."""
        if self.capacity is None:
            return None
        return self.capacity._replace(
            cpu=max(0, self.capacity.cpu - self.held.cpu),
            mem=max(0, self.capacity.mem - self.held.mem),
            gpu_count=max(0, self.capacity.gpu_count - self.held.gpu_count),
        )

    def never_fits(self, want: Resources) -> str:
        """A sentence naming what the whole capacity lacks for ``want``, or ''."""
        if self.capacity is None:
            return ""
        missing = shortfalls(want, self.capacity)
        return "this executor cannot meet " + ", ".join(missing) if missing else ""

    def fits(self, want: Resources) -> bool:
        """Whether ``want`` fits what is free now (a zero left is none, not unlimited)."""
        free = self.free()
        if free is None or self.capacity is None:
            return True
        counted = [("cpu", self.capacity.cpu), ("mem", self.capacity.mem), ("gpu_count", 1)]
        return all(
            getattr(want, name) <= getattr(free, name) for name, declared in counted if declared
        )

    def hold(self, want: Resources) -> None:
        self.held = self.held._replace(
            cpu=self.held.cpu + want.cpu,
            mem=self.held.mem + want.mem,
            gpu_count=self.held.gpu_count + want.gpu_count,
        )

    def _give_back(self, want: Resources) -> None:
        self.held = self.held._replace(
            cpu=max(0, self.held.cpu - want.cpu),
            mem=max(0, self.held.mem - want.mem),
            gpu_count=max(0, self.held.gpu_count - want.gpu_count),
        )


async def watch_cancel(
    ctx: ProcessContext, cancelled: asyncio.Event, *, interval_s: float = 2.0
) -> None:
    """Set ``cancelled`` when the process is no longer running on the server (cancelled,
    removed, or closed by someone else). Runs until cancelled itself."""
    client, pid, key = ctx.client, ctx.process_id, ctx.key
    while not cancelled.is_set():
        await asyncio.sleep(interval_s)
        try:
            process = await client.get_process(pid, key=key)
        except RPCError as err:
            if err.status in (400, 404) or "not found" in err.message.lower():
                cancelled.set()
            continue
        except TransportError:
            continue
        if process.state != ProcessState.RUNNING:
            cancelled.set()


class BackendFailed(Exception):
    """A job ended without success; the SDK fails the process with this text."""

    def __init__(self, outcome: Outcome) -> None:
        super().__init__(outcome.error())
        self.outcome = outcome
        self.process_errors = [outcome.error()]
        """The process's errors as they are (the SDK adds no exception name)."""


async def stage_in(stager: Stager, staging: StagingPlan, work: Path, ctx: ProcessContext) -> int:
    """A job's inputs into ``work/input`` and its resources into ``work/resource``, with an
    empty ``work/output`` for what it leaves: the bytes staged (StagingError on failure)."""
    (work / "output").mkdir(parents=True, exist_ok=True)
    api = ctx.client.signed_by(ctx.key, colony=ctx.colony_name)
    staged = await stager.stage_inputs(staging.inputs, work / "input", api, ctx.log)
    return staged + await stager.stage_resources(staging.resources, work / "resource", api, ctx.log)


async def stage_out(
    stager: Stager, outcome: Outcome, outputs: list[Uri], output_dir: Path, ctx: ProcessContext
) -> Outcome:
    """Upload what an ended job left in ``output_dir``, whether it succeeded or not. A failed
    upload fails a job that succeeded; for one that failed it is only logged."""
    if not outputs:
        return outcome
    api = ctx.client.signed_by(ctx.key, colony=ctx.colony_name)
    try:
        outcome.report.staged_out_bytes += await stager.upload_outputs(
            output_dir, outputs, api, ctx.log
        )
    except StagingError as err:
        if outcome.ok:
            return Outcome(Reason.STAGING, str(err), report=outcome.report)
        with contextlib.suppress(RPCError, TransportError):
            await ctx.log(f"staging: output upload failed: {err}")
    return outcome


async def store_report(ctx: ProcessContext, report: Report) -> None:
    """Keep the resource report with the process (attribute ``resources``); the server adds
    it to the statistics of the process's function (``Function.resources``)."""
    with contextlib.suppress(RPCError, TransportError):
        await ctx.client.add_attribute(
            ctx.process_id, RESOURCE_REPORT_KEY, report.to_json(), key=ctx.key
        )


async def run_job(backend: Backend, ctx: ProcessContext) -> list[Any]:
    """Run the process of ``ctx`` on ``backend``: its output on success, else BackendFailed
    with the reason. A cancel seen on the server stops the job."""
    started = time.monotonic()
    try:
        job = make_job(ctx.process)
    except SpecError as err:
        raise BackendFailed(Outcome(Reason.SPEC, str(err))) from None
    cancelled = asyncio.Event()
    watcher = asyncio.create_task(watch_cancel(ctx, cancelled))
    runner = asyncio.create_task(backend.run(job, ctx))
    try:
        waiter = asyncio.create_task(cancelled.wait())
        done, _ = await asyncio.wait({runner, waiter}, return_when=asyncio.FIRST_COMPLETED)
        if runner not in done:
            await backend.cancel(job)
            runner.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await runner
            raise BackendFailed(Outcome(Reason.CANCELLED, "cancelled on the server"))
        waiter.cancel()
        outcome = runner.result()
    except asyncio.CancelledError:
        await backend.cancel(job)
        raise
    finally:
        watcher.cancel()
        if not runner.done():
            runner.cancel()
    if not outcome.report.wall_s:
        outcome.report.wall_s = round(time.monotonic() - started, 3)
    await store_report(ctx, outcome.report)
    if not outcome.ok:
        raise BackendFailed(outcome)
    return outcome.output


class ReasonFirstExecutor(Executor):
    """An SDK Executor whose BackendFailed errors read as the reason and message ("exit:
    ..."), as users and retry policies match them, with no traceback in the process log;
    any other exception is a bug and reported as the SDK does."""

    async def _execute(self, process: Process, mounts: dict[str, Path]) -> tuple[bool, list[Any]]:
        ok, values = await super()._execute(process, mounts)
        prefix = f"{BackendFailed.__name__}: "
        if not ok and values and isinstance(values[0], str) and values[0].startswith(prefix):
            values = [values[0].removeprefix(prefix), *values[1:]]
        return ok, values

    async def _log_traceback(self, process: Process, err: BaseException) -> None:
        if not isinstance(err, BackendFailed):
            await super()._log_traceback(process, err)


class BackendExecutor(ReasonFirstExecutor):
    """An SDK Executor that runs every process it is assigned on ``backend``.

    The back end starts once the executor is registered (it may pick up work a previous
    run left, e.g. jobs that outlive the executor) and closes when the run ends. A back end
    with ``detach()`` is detached on stop instead of given a grace period: its running
    processes are neither cancelled nor failed, so the next start can follow them again.
    """

    def __init__(self, backend: Backend, executor_type: str, **options: Any) -> None:
        super().__init__(executor_type, **options)
        self.backend = backend
        self._serving: asyncio.Task[None] | None = None
        self._jobs: set[asyncio.Task[Any]] = set()
        self.detached = False
        # ``execute`` (the ColonyOS container/HPC funcname) is announced, so `colonies
        # function ls` lists it with its statistics; any other funcname runs as a command.
        self.add_function(EXECUTE, self._run_on_backend, description=f"runs on {backend.name}")
        self.fallback(self._run_on_backend)

    async def _run_on_backend(self, *_args: Any, ctx: ProcessContext, **_kwargs: Any) -> Any:
        task = asyncio.current_task()
        assert task is not None
        self._jobs.add(task)
        try:
            output = await run_job(self.backend, ctx)
        finally:
            self._jobs.discard(task)
        return tuple(output) if len(output) != 1 else output[0]

    async def run(self, burst: bool = False, *, handle_signals: bool = False) -> None:
        await self._register_for_run()
        await self.backend.start(self)
        self.detached = False
        wait_adopted = getattr(self.backend, "wait_adopted", None)
        if burst and wait_adopted is not None:
            await wait_adopted()  # in burst mode adopted work ends before new work is taken
        self._serving = asyncio.create_task(
            Executor.run(self, burst, handle_signals=handle_signals)
        )
        try:
            await self._serving
        except asyncio.CancelledError:
            if not self.detached:
                raise
        finally:
            await self.backend.close()

    def stop(self, grace_s: float | None = None) -> None:
        detach = getattr(self.backend, "detach", None)
        if detach is None or self._serving is None or self._serving.done():
            super().stop(grace_s)
            return
        log.info("detaching: running jobs go on and are followed again on the next start")
        self.detached = True
        detach()
        for task in list(self._jobs):
            task.cancel()
        self._serving.cancel()


def backend_executor(backend: Backend, executor_type: str, **options: Any) -> BackendExecutor:
    """An SDK Executor that runs every process it is assigned on ``backend``."""
    return BackendExecutor(backend, executor_type, **options)


async def run_backend(
    executor: BackendExecutor, burst: bool = False, *, handle_signals: bool = False
) -> None:
    """Register, start the back end (it may adopt work left by an earlier run), serve, and
    close the back end (``BackendExecutor.run``)."""
    await executor.run(burst, handle_signals=handle_signals)


def serve_backend(executor: BackendExecutor, burst: bool = False) -> None:
    """Blocking entry point of ``colonies executor start --backend ...``."""
    if not logging.getLogger().handlers:
        logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    try:
        asyncio.run(run_backend(executor, burst, handle_signals=True))
    except ConfigError as err:
        raise SystemExit(f"colonies executor: {err}") from None
