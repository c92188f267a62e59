"""The container back end: each process runs in a container through the Docker Engine API.

Works with dockerd and with Podman's Docker-compatible service (``podman system service``),
through ``aiodocker`` (asyncio-native on aiohttp, as the rest of colonies). The spec is read
as ColonyOS container executors read it (``backends.common``): ``kwargs["docker-image"]``
(else the executor's default image), ``kwargs.cmd``/``args``, ``kwargs["init-cmd"]`` (run
first, in the same container), ``env`` plus ``COLONIES_PROCESS_ID``; ``conditions.cpu``,
``mem`` and ``gpu.count`` become ``NanoCpus``, ``Memory`` (no swap) and a GPU device
request; ``maxexectime`` kills the container. ``fs`` mounts (staged by the SDK) are
bind-mounted at ``fs.mount`` (default ``/cfs``) plus each ``dir``; staging URIs
(``kwargs.input``/``resource``/``output``, ``fs.staging``) at ``/input``, ``/resource``
(read-only) and ``/output``.

Output: the text of ``/output/<kwargs.outputfile>`` if the spec names one, else the last
line of stdout (none when stdout is empty). NUL characters are dropped from the log lines
and the output (PostgreSQL's text cannot hold them; the server would refuse the close).
Containers carry the labels ``colonies.process`` and ``colonies.executor``, are removed once
their process ends, and a restarted executor adopts the containers of its processes still
running on the server (it follows them to the end) and removes the others.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import shutil
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path, PurePosixPath
from typing import TYPE_CHECKING, Any

from colonies.backends.common import (
    Admission,
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
from colonies.core.executor import Hardware
from colonies.errors import RPCError, TransportError
from colonies.executor_sdk.context import ProcessContext
from colonies.executor_sdk.mounts import MountError, resolve_dir
from colonies.fs.s3 import S3Config
from colonies.fs.staging import Stager, StagingError, StagingPlan, Uri, human, plan
from colonies.rpc.log import MAX_LOG_COUNT

if TYPE_CHECKING:
    import aiodocker
    from aiodocker.containers import DockerContainer

    from colonies.executor_sdk.executor import Executor

log = logging.getLogger("colonies.backends.container")

LABEL_PROCESS = "colonies.process"
LABEL_EXECUTOR = "colonies.executor"
PULL_ALWAYS, PULL_MISSING, PULL_NEVER = "always", "missing", "never"
PULL_POLICIES = (PULL_ALWAYS, PULL_MISSING, PULL_NEVER)
DEFAULT_MOUNT = "/cfs"
INPUT_DIR, RESOURCE_DIR, OUTPUT_DIR = "/input", "/resource", "/output"


class EngineError(Exception):
    """The engine cannot be reached or refused something; one sentence."""


def container_name(process_id: str) -> str:
    return f"colonies-{process_id}"


@dataclass
class Settings:
    """What the operator chose for this executor (``colonies executor start`` options)."""

    docker_host: str = ""
    default_image: str = ""
    pull: str = PULL_MISSING
    gpu_runtime: str = ""
    network: str = ""
    work_dir: Path = field(default_factory=lambda: Path("colonies-work"))
    allow_local: Sequence[Path] = ()
    ulimits: dict[str, int] = field(default_factory=dict)
    pull_timeout_s: float = 600.0
    api_version: str = "v1.41"
    """Docker Engine API version spoken (dockerd 20.10+ and Podman 4 serve it)."""


def fs_binds(process: Process) -> list[str]:
    """``host:container`` binds of the spec's fs mounts (the SDK stages the host side)."""
    fs = process.spec.fs
    base = PurePosixPath(fs.mount if fs.mount.startswith("/") else DEFAULT_MOUNT)
    binds = []
    for entry in [*(fs.snapshots or []), *(fs.dirs or [])]:
        directory = str(entry.get("dir", ""))
        if not directory:
            continue
        host = resolve_dir(directory, fs.mount)
        inside = PurePosixPath(directory) if directory.startswith("/") else base / directory
        binds.append(f"{host}:{inside}")
    return binds


def container_config(
    job: Job,
    image: str,
    *,
    executor_id: str,
    settings: Settings,
    workdir: Path | None = None,
    staging: StagingPlan | None = None,
) -> dict[str, Any]:
    """The ``containers/create`` body of a job (the spec mapping, in one place)."""
    argv = list(job.argv)
    init = job.kwargs.get("init-cmd")
    if isinstance(init, str) and init.strip():
        argv = ["sh", "-c", f'{init}\nexec "$@"', "sh", *argv]
    host: dict[str, Any] = {"Binds": fs_binds(job.process)}
    if workdir is not None:
        host["Binds"] += [
            f"{workdir / 'input'}:{INPUT_DIR}:rw",
            f"{workdir / 'output'}:{OUTPUT_DIR}:rw",
        ]
        if staging is not None and staging.resources:
            host["Binds"].append(f"{workdir / 'resource'}:{RESOURCE_DIR}:ro")
    want = job.needs
    if want.cpu:
        host["NanoCpus"] = want.cpu * 1_000_000
    if want.mem:
        host["Memory"] = want.mem
        host["MemorySwap"] = want.mem
    if want.gpu_count:
        host["DeviceRequests"] = [
            {"Driver": "", "Count": want.gpu_count, "Capabilities": [["gpu"]]}
        ]
        if settings.gpu_runtime:
            host["Runtime"] = settings.gpu_runtime
    if settings.network:
        host["NetworkMode"] = settings.network
    if settings.ulimits:
        host["Ulimits"] = [
            {"Name": name, "Soft": value, "Hard": value}
            for name, value in sorted(settings.ulimits.items())
        ]
    return {
        "Image": image,
        "Cmd": argv,
        "Entrypoint": None,
        "Env": [f"{k}={v}" for k, v in sorted(job.env.items())],
        "Labels": {LABEL_PROCESS: job.process_id, LABEL_EXECUTOR: executor_id},
        "HostConfig": host,
    }


class _Lines:
    """Splits a stream of text chunks into lines."""

    def __init__(self) -> None:
        self.rest = ""

    def feed(self, chunk: str) -> list[str]:
        text = self.rest + chunk.replace("\x00", "")  # PostgreSQL text holds no NUL
        *lines, self.rest = text.split("\n")
        return lines

    def end(self) -> list[str]:
        rest, self.rest = self.rest, ""
        return [rest] if rest else []


@dataclass
class _Tail:
    """The log stream's progress: its last non-blank line, when it last posted one."""

    last: str = ""
    moved: float = field(default_factory=time.monotonic)


LOG_STALL_S = 30.0
"""After the container ended, how long the log stream may post nothing before it is given
up (a stream that still posts lines is waited for, however many there are)."""


async def _drain(logs: asyncio.Task[None], tail: _Tail) -> None:
    """Wait until the log stream has posted every line of an ended container, so that the
    process closes with its whole log; give up only on a stream that stalls."""
    tail.moved = max(tail.moved, time.monotonic())
    while not logs.done():
        await asyncio.wait({logs}, timeout=1.0)
        if not logs.done() and time.monotonic() - tail.moved > LOG_STALL_S:
            logs.cancel()
            log.warning("the log stream stalled; the rest of the container's output is lost")
    with contextlib.suppress(asyncio.CancelledError, Exception):
        await logs


class ContainerBackend:
    """Runs jobs as containers; see the module text."""

    name = "container"

    def __init__(
        self,
        settings: Settings,
        *,
        hardware: Hardware | None = None,
        s3: S3Config | None = None,
    ) -> None:
        self.settings = settings
        self.admission = Admission(hardware)
        self.work_dir = Path(settings.work_dir).resolve()
        self.stager = Stager(s3, self.work_dir / "cache", settings.allow_local)
        self._docker: aiodocker.Docker | None = None
        self._executor: Executor | None = None
        self._adopted: set[asyncio.Task[None]] = set()
        self.peak_running = 0
        self._running = 0
        self._closing = False

    # lifecycle ----------------------------------------------------------------------------

    @property
    def docker(self) -> aiodocker.Docker:
        if self._docker is None:
            raise RuntimeError("the container back end has not started")
        return self._docker

    @property
    def executor_id(self) -> str:
        return self._executor.executor_id if self._executor is not None else ""

    async def connect(self) -> None:
        """Open the engine connection and check that the engine answers."""
        import aiodocker

        url = self.settings.docker_host or None
        try:
            # A pinned API version: "auto" asks /version, which Podman answers in seconds.
            self._docker = aiodocker.Docker(url=url, api_version=self.settings.api_version)
            await self._docker.containers.list(limit=1)
        except (aiodocker.DockerError, OSError, ValueError) as err:
            if self._docker is not None:
                await self._docker.close()
                self._docker = None
            where = self.settings.docker_host or "the default socket (DOCKER_HOST)"
            raise EngineError(f"cannot reach the container engine at {where}: {err}") from None

    async def start(self, executor: Executor) -> None:
        """Connect, then adopt or remove the containers this executor left behind."""
        self._executor = executor
        if self._docker is None:
            await self.connect()
        (self.work_dir / "processes").mkdir(parents=True, exist_ok=True)
        await self.recover()

    async def wait_adopted(self) -> None:
        """Until every container adopted at start has ended and its process is closed."""
        if self._adopted:
            await asyncio.gather(*self._adopted, return_exceptions=True)

    async def close(self) -> None:
        """Stop following adopted containers (they keep running, for the next start to
        adopt) and close the engine connection."""
        self._closing = True
        for task in list(self._adopted):
            task.cancel()
        await asyncio.gather(*self._adopted, return_exceptions=True)
        if self._docker is not None:
            await self._docker.close()
            self._docker = None

    # one job ----------------------------------------------------------------------------

    async def run(self, job: Job, ctx: ProcessContext) -> Outcome:
        started = time.monotonic()
        report = Report()
        try:
            staging = plan(substitute(job.kwargs, job.process_id))
            image = self._image(job)
        except (StagingError, SpecError) as err:
            return Outcome(Reason.SPEC, str(err), report=report)
        try:
            await self._ensure_image(image, ctx)
        except EngineError as err:
            return Outcome(Reason.PULL, str(err), report=report)
        workdir = self.work_dir / "processes" / job.process_id
        self._running += 1
        self.peak_running = max(self.peak_running, self._running)
        try:
            try:
                report.staged_in_bytes += await stage_in(self.stager, staging, workdir, ctx)
            except StagingError as err:
                return Outcome(Reason.STAGING, str(err), report=report)
            try:
                config = container_config(
                    job,
                    image,
                    executor_id=self.executor_id,
                    settings=self.settings,
                    workdir=workdir,
                    staging=staging,
                )
            except MountError as err:
                return Outcome(Reason.SPEC, str(err), report=report)
            try:
                container = await self.docker.containers.create(
                    config=config, name=container_name(job.process_id)
                )
                await container.start()
            except Exception as err:
                await self._remove(job.process_id)
                return Outcome(
                    Reason.ENGINE, _engine_text("start the container", err), report=report
                )
            outcome = await self._follow(container, job, ctx, report)
            return await self._finish(outcome, job, ctx, workdir, staging.outputs)
        finally:
            self._running -= 1
            report.wall_s = round(time.monotonic() - started, 3)
            await self._remove(job.process_id)
            await asyncio.to_thread(shutil.rmtree, workdir, True)

    def _image(self, job: Job) -> str:
        image = job.kwargs.get("docker-image") or self.settings.default_image
        if not isinstance(image, str) or not image.strip():
            raise SpecError(
                'the spec names no image (kwargs["docker-image"]) and this executor has no '
                "default image (--image)"
            )
        missing = self.admission.never_fits(job.needs)
        if missing:
            raise SpecError(missing)
        if (
            job.needs.gpu_count
            and self.admission.capacity is None
            and not self.settings.gpu_runtime
        ):
            raise SpecError(
                f"the spec asks for {job.needs.gpu_count} GPU(s) and this executor declares "
                "none (--gpus) and has no GPU runtime (--gpu-runtime)"
            )
        return image.strip()

    async def _ensure_image(self, image: str, ctx: ProcessContext) -> None:
        """Have ``image`` on the engine as the pull policy says; EngineError says why not."""
        import aiodocker

        policy = self.settings.pull
        if policy != PULL_ALWAYS:
            try:
                await self.docker.images.inspect(image)
                return
            except aiodocker.DockerError as err:
                if err.status != 404:
                    raise EngineError(_engine_text(f"look up image {image}", err)) from None
            if policy == PULL_NEVER:
                raise EngineError(
                    f"image {image} is not on this executor's engine and its pull policy is never"
                )
        started = time.monotonic()
        try:
            async with asyncio.timeout(self.settings.pull_timeout_s):
                await self.docker.images.pull(image)
            await self.docker.images.inspect(image)
        except (aiodocker.DockerError, TimeoutError, OSError) as err:
            text = "timed out" if isinstance(err, TimeoutError) else _engine_text("", err)
            raise EngineError(f"image {image} could not be pulled: {text}") from None
        await ctx.log(f"container: pulled {image} in {time.monotonic() - started:.1f} s")

    async def _follow(
        self,
        container: DockerContainer,
        job: Job,
        ctx: ProcessContext,
        report: Report,
        logged: Counter[str] | None = None,
    ) -> Outcome:
        """Stream the logs, sample the stats and wait for the end (or maxexectime).
        ``logged``: lines the process log has already (not posted again)."""
        tail = _Tail()
        logs = asyncio.create_task(self._stream_logs(container, ctx, tail, logged or Counter()))
        stats = asyncio.create_task(self._sample(container, report))
        timed_out = False
        limit = job.max_exec_time if job.max_exec_time > 0 else None
        try:
            async with asyncio.timeout(limit):
                await container.wait()
        except TimeoutError:
            timed_out = True
            with contextlib.suppress(Exception):
                await container.kill()
            with contextlib.suppress(Exception):
                await container.wait()
        finally:
            stats.cancel()
            await _drain(logs, tail)
        info = await container.show()
        state = info.get("State", {})
        code = int(state.get("ExitCode", -1))
        last = f": {tail.last}" if tail.last else ""
        if timed_out:
            return Outcome(
                Reason.TIMEOUT,
                f"the container ran longer than maxexectime ({job.max_exec_time} s) and was killed",
                exit_code=code,
                report=report,
            )
        if state.get("OOMKilled"):  # the engine's word, never a guess from status 137
            return Outcome(
                Reason.OOM,
                f"the container was killed for memory (limit {_mem(job.needs.mem)})",
                exit_code=code,
                report=report,
            )
        if code != 0:
            return Outcome(
                Reason.EXIT,
                f"the container exited with status {code}{last}",
                exit_code=code,
                report=report,
            )
        return Outcome(Reason.SUCCESS, exit_code=0, report=report)

    async def _stream_logs(
        self, container: DockerContainer, ctx: ProcessContext, tail: _Tail, logged: Counter[str]
    ) -> None:
        """Post the container's output to the process log, line by line. stdout and stderr
        are followed separately, each with its own line buffer: the engine reads the two
        pipes independently, so one stream may cut in while the other is mid-line. A line
        counted in ``logged`` (an adopted container's log, read again from its start) is
        taken off the count instead of being posted twice. ``ctx.log`` posts the two
        streams' lines one at a time, in the order they were read."""

        async def emit(batch: list[str]) -> None:
            for line in batch:
                if logged[line] > 0:
                    logged[line] -= 1
                    continue
                if line.strip():
                    tail.last = line
                with contextlib.suppress(RPCError, TransportError):
                    await ctx.log(line)
                tail.moved = time.monotonic()

        async def follow(out: bool) -> None:
            lines, posted = _Lines(), Counter[str]()
            try:
                async for chunk in container.log(stdout=out, stderr=not out, follow=True):
                    batch = lines.feed(chunk)
                    await emit(batch)
                    posted.update(batch)
            except Exception as err:
                log.debug("log stream of %s ended: %s", ctx.process_id, err)
            # Podman's follow stream is not the whole output: it ends soon after the
            # container exits although this reader (one log RPC per line) may be far
            # behind, and under load it skips runs of lines. The whole log, read once the
            # stream has ended (held in memory once), gives what it did not send: in order
            # after the stream's lines, a skipped run late but complete.
            try:
                whole = _Lines()
                text = "".join(await container.log(stdout=out, stderr=not out))
                every = [*whole.feed(text), *whole.end()]
            except Exception:
                await emit(lines.end())
                return
            rest = []
            for line in every:
                if posted[line] > 0:
                    posted[line] -= 1
                else:
                    rest.append(line)
            await emit(rest)

        await asyncio.gather(follow(True), follow(False))

    async def _sample(self, container: DockerContainer, report: Report) -> None:
        """Peak memory and CPU seconds from the engine's stats stream."""
        with contextlib.suppress(Exception):
            async for sample in container.stats(stream=True):
                memory = sample.get("memory_stats") or {}
                peak = max(int(memory.get("max_usage") or 0), int(memory.get("usage") or 0))
                if peak:
                    report.peak_mem_bytes = max(report.peak_mem_bytes or 0, peak)
                usage = (sample.get("cpu_stats") or {}).get("cpu_usage") or {}
                if usage.get("total_usage"):
                    report.cpu_s = round(int(usage["total_usage"]) / 1e9, 3)

    async def _finish(
        self,
        outcome: Outcome,
        job: Job,
        ctx: ProcessContext,
        workdir: Path,
        outputs: list[Uri],
    ) -> Outcome:
        """Upload ``/output`` (success or failure) and read the process output."""
        outcome = await stage_out(self.stager, outcome, outputs, workdir / "output", ctx)
        if outcome.ok:
            outcome.output = await self._output(job, workdir)
        return outcome

    async def _output(self, job: Job, workdir: Path) -> list[Any]:
        name = job.kwargs.get("outputfile")
        if isinstance(name, str) and name.strip():
            path = (workdir / "output" / name.strip().lstrip("/")).resolve()
            if (workdir / "output").resolve() in path.parents and path.is_file():
                return [path.read_text(errors="replace").replace("\x00", "").strip()]
            return []
        with contextlib.suppress(Exception):
            container = self.docker.containers.container(container_name(job.process_id))
            lines = await container.log(stdout=True, tail=5)
            text = "".join(lines).replace("\x00", "").rstrip("\n")
            if text:
                return [text.rsplit("\n", 1)[-1]]
        return []

    async def cancel(self, job: Job) -> None:
        """Stop the job's container now (idempotent)."""
        await self._remove(job.process_id)

    async def _remove(self, process_id: str) -> None:
        import aiodocker

        if self._docker is None:
            return
        container = self._docker.containers.container(container_name(process_id))
        try:
            await container.delete(force=True)
        except aiodocker.DockerError as err:
            if err.status != 404:
                log.warning("could not remove the container of %s: %s", process_id, err)
        except Exception as err:
            log.warning("could not remove the container of %s: %s", process_id, err)

    # restart: adopt or remove what a previous run left ------------------------------------

    async def recover(self) -> None:
        """Containers of this executor from an earlier run: adopted when their process still
        runs here on the server, removed otherwise."""
        assert self._executor is not None
        executor = self._executor
        found = await self.docker.containers.list(
            all=True, filters={"label": [f"{LABEL_EXECUTOR}={self.executor_id}"]}
        )
        for container in found:
            info = await container.show()
            pid = (info.get("Config", {}).get("Labels") or {}).get(LABEL_PROCESS, "")
            process = await self._process(pid)
            if (
                process is not None
                and process.state == ProcessState.RUNNING
                and process.assigned_executor_id == self.executor_id
            ):
                log.info("adopting the container of process %s", pid)
                ctx = ProcessContext(executor, process)
                task = asyncio.create_task(self._adopt(ctx))
                self._adopted.add(task)
                task.add_done_callback(self._adopted.discard)
                continue
            log.info("removing the container of process %s (no longer ours to run)", pid)
            await self._remove(pid)
            await asyncio.to_thread(shutil.rmtree, self.work_dir / "processes" / pid, True)

    async def _process(self, process_id: str) -> Process | None:
        assert self._executor is not None
        if not process_id:
            return None
        try:
            return await self._executor.client.get_process(process_id, key=self._executor.key)
        except RPCError:
            return None

    async def _adopt(self, ctx: ProcessContext) -> None:
        """Follow an adopted container to its end and close or fail its process."""
        client, pid, key = ctx.client, ctx.process_id, ctx.key
        await ctx.log("container: the executor restarted and follows this container again")
        try:
            output = await run_job(_Adopted(self), ctx)
        except BackendFailed as err:
            with contextlib.suppress(RPCError, TransportError):
                await client.fail_process(pid, [str(err)], key=key)
            return
        except Exception as err:
            with contextlib.suppress(RPCError, TransportError):
                await client.fail_process(pid, [f"adopted container: {err}"], key=key)
            return
        with contextlib.suppress(RPCError, TransportError):
            await client.close_process(pid, output, key=key)

    async def resume(self, job: Job, ctx: ProcessContext) -> Outcome:
        """The rest of ``run`` for a container that was already started."""
        started = time.monotonic()
        report = Report()
        workdir = self.work_dir / "processes" / job.process_id
        container = self.docker.containers.container(container_name(job.process_id))
        try:
            try:
                staging = plan(substitute(job.kwargs, job.process_id))
            except StagingError:
                staging = StagingPlan()
            logged = await _logged_lines(ctx)
            outcome = await self._follow(container, job, ctx, report, logged)
            return await self._finish(outcome, job, ctx, workdir, staging.outputs)
        finally:
            report.wall_s = round(time.monotonic() - started, 3)
            if not self._closing:
                await self._remove(job.process_id)
                await asyncio.to_thread(shutil.rmtree, workdir, True)


async def _logged_lines(ctx: ProcessContext) -> Counter[str]:
    """The lines this attempt of the process has in its log already (entries since the
    attempt started, as ``ctx.log`` stored them: one line each, a newline added)."""
    seen: Counter[str] = Counter()
    since = max(0, int(ctx.process.start_time.timestamp() * 1e9) - 1_000_000)
    with contextlib.suppress(RPCError, TransportError):
        while entries := await ctx.client.get_logs(
            process_id=ctx.process_id,
            count=MAX_LOG_COUNT,
            since=since,
            colony=ctx.colony_name,
            key=ctx.key,
        ):
            seen.update(e.message.removesuffix("\n") for e in entries)
            since = entries[-1].timestamp
    return seen


class _Adopted:
    """``run_job``'s view of a container adopted after a restart."""

    name = "container"

    def __init__(self, backend: ContainerBackend) -> None:
        self.backend = backend

    async def start(self, executor: Executor) -> None:
        return None

    async def run(self, job: Job, ctx: ProcessContext) -> Outcome:
        return await self.backend.resume(job, ctx)

    async def cancel(self, job: Job) -> None:
        if not self.backend._closing:  # on shutdown the container stays for the next start
            await self.backend.cancel(job)

    async def close(self) -> None:
        return None


def _mem(nbytes: int) -> str:
    for unit, size in (("Gi", 1 << 30), ("Mi", 1 << 20), ("Ki", 1 << 10)):
        if nbytes >= size and nbytes % size == 0:
            return f"{nbytes // size}{unit}"
    return human(nbytes)


def _engine_text(what: str, err: BaseException) -> str:
    message = getattr(err, "message", "") or str(err) or type(err).__name__
    if isinstance(message, dict):
        message = message.get("message", str(message))
    return f"the engine could not {what}: {message}" if what else str(message)
