"""Slurm's own commands (``sbatch``, ``squeue``, ``scontrol``, ``scancel``, ``sacct``) and
what their answers mean, for both Slurm back ends.

Job state comes from ``squeue`` while a job is known to the controller (``-t all`` also
lists ended jobs for ``MinJobAge``), the details of an ended job from ``scontrol show job``
and, where accounting is on, ``sacct`` (CPU time and peak memory); without ``slurmdbd``,
``sacct`` is simply not used. ``SLURM_CONF`` and the rest of the environment are passed
on unchanged to the commands.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import re
from collections.abc import Iterable
from dataclasses import dataclass, field

from colonies.backends.common import Reason

log = logging.getLogger("colonies.backends.slurm")

ACTIVE = frozenset(
    {"PENDING", "CONFIGURING", "RUNNING", "COMPLETING", "SUSPENDED", "REQUEUED", "RESIZING"}
)
STATE_REASONS = {
    "COMPLETED": Reason.SUCCESS,
    "FAILED": Reason.EXIT,
    "TIMEOUT": Reason.TIMEOUT,
    "DEADLINE": Reason.TIMEOUT,
    "OUT_OF_MEMORY": Reason.OOM,
    "PREEMPTED": Reason.PREEMPTED,
    "NODE_FAIL": Reason.NODE_FAIL,
    "BOOT_FAIL": Reason.NODE_FAIL,
    "CANCELLED": Reason.CANCELLED,
    "REVOKED": Reason.CANCELLED,
}
"""Slurm's final job states and the reason a process ending so gets."""
STATE_TEXT = {
    Reason.EXIT: "the job failed",
    Reason.TIMEOUT: "the job ran out of its walltime (--time) and Slurm stopped it",
    Reason.OOM: "the job used more memory than it asked for (--mem) and was killed",
    Reason.PREEMPTED: "the job was preempted by Slurm",
    Reason.NODE_FAIL: "a node of the job failed",
    Reason.CANCELLED: "the job was cancelled in Slurm (scancel)",
}
_FIELD = re.compile(r"(?:^|\s)([A-Za-z][\w:/]*)=(.*?)(?=\s[A-Za-z][\w:/]*=|$)")
_SIZE = {"K": 1 << 10, "M": 1 << 20, "G": 1 << 30, "T": 1 << 40}


class SlurmError(Exception):
    """A Slurm command failed; the text is its error output."""


@dataclass
class JobInfo:
    """What Slurm says about one job."""

    job_id: str
    state: str
    name: str = ""
    comment: str = ""
    nodes: str = ""
    exit_code: int | None = None
    signal: int | None = None
    run_time_s: float | None = None
    reason: str = ""
    fields: dict[str, str] = field(default_factory=dict)

    @property
    def ended(self) -> bool:
        return self.state not in ACTIVE

    @property
    def outcome_reason(self) -> str:
        return STATE_REASONS.get(self.state, Reason.ENGINE)


def parse_show_job(text: str) -> list[JobInfo]:
    """The jobs of ``scontrol -o show job`` (one line per job, ``Key=value`` fields)."""
    jobs = []
    for line in text.splitlines():
        fields = {m.group(1): m.group(2) for m in _FIELD.finditer(line.strip())}
        if "JobId" not in fields:
            continue
        code, _, sig = fields.get("ExitCode", "").partition(":")
        jobs.append(
            JobInfo(
                job_id=fields["JobId"],
                state=fields.get("JobState", "UNKNOWN").split()[0],
                name=fields.get("JobName", ""),
                comment="" if fields.get("Comment") == "(null)" else fields.get("Comment", ""),
                nodes="" if fields.get("NodeList") == "(null)" else fields.get("NodeList", ""),
                exit_code=int(code) if code.isdigit() else None,
                signal=int(sig) if sig.isdigit() else None,
                run_time_s=duration_s(fields.get("RunTime", "")),
                reason=fields.get("Reason", ""),
                fields=fields,
            )
        )
    return jobs


def duration_s(text: str) -> float | None:
    """Seconds of a Slurm duration: ``[D-]HH:MM:SS``, ``MM:SS`` or ``MM:SS.mmm``."""
    text = text.strip()
    if not text or text in ("UNLIMITED", "INVALID", "N/A"):
        return None
    days, _, rest = text.rpartition("-")
    try:
        parts = [float(p) for p in rest.split(":")]
        total = 0.0
        for part in parts:
            total = total * 60 + part
        if len(parts) == 2 and "." not in rest:  # MM:SS
            pass
        return total + (int(days) * 86400 if days else 0)
    except ValueError:
        return None


def size_bytes(text: str) -> int | None:
    """Bytes of a Slurm size such as ``1234K`` or ``12M`` (no unit: bytes)."""
    text = text.strip()
    if not text:
        return None
    unit = text[-1].upper()
    try:
        if unit in _SIZE:
            return int(float(text[:-1]) * _SIZE[unit])
        return int(float(text))
    except ValueError:
        return None


def walltime(seconds: int) -> str:
    """``--time`` for a walltime in seconds (Slurm counts whole minutes, rounding up)."""
    minutes = max(1, -(-seconds // 60))
    days, minutes = divmod(minutes, 24 * 60)
    hours, minutes = divmod(minutes, 60)
    return (f"{days}-" if days else "") + f"{hours:02d}:{minutes:02d}:00"


async def command(*argv: str, timeout_s: float = 60.0) -> str:
    """Run a Slurm command; its stdout, or SlurmError with its stderr."""
    try:
        proc = await asyncio.create_subprocess_exec(
            *argv,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
        )
    except OSError as failure:
        raise SlurmError(f"{argv[0]}: {failure.strerror} (is Slurm installed here?)") from None
    try:
        out, errors = await asyncio.wait_for(proc.communicate(), timeout_s)
    except (TimeoutError, asyncio.CancelledError):
        with contextlib.suppress(ProcessLookupError):
            proc.kill()
        await proc.wait()
        raise
    if proc.returncode != 0:
        text = errors.decode(errors="replace").strip() or out.decode(errors="replace").strip()
        raise SlurmError(f"{argv[0]}: {text or f'exit status {proc.returncode}'}")
    return out.decode(errors="replace")


TRANSIENT = ("timed out", "Unable to contact", "Connection refused", "try again", "busy")
"""Words of Slurm errors that a busy or restarting controller gives: worth another try."""


def transient(err: SlurmError) -> bool:
    return any(word.lower() in str(err).lower() for word in TRANSIENT)


async def retrying(*argv: str, attempts: int = 5) -> str:
    """``command`` again after transient failures (1, 2, 4... s apart)."""
    for attempt in range(attempts):
        try:
            return await command(*argv)
        except SlurmError as err:
            if not transient(err) or attempt == attempts - 1:
                raise
            log.warning("%s; trying again", err)
            await asyncio.sleep(2**attempt)
    raise AssertionError("unreachable")


async def sbatch(script: str, name: str = "", comment: str = "") -> str:
    """Submit a batch script file; the job id. After a transient failure the job named
    ``name`` with ``comment`` is looked for first (the submission may have gone through)."""
    for attempt in range(5):
        try:
            out = await command("sbatch", "--parsable", script)
            return out.strip().split(";")[0]
        except SlurmError as err:
            if not transient(err) or attempt == 4:
                raise
            log.warning("%s; trying again", err)
            await asyncio.sleep(2**attempt)
            if name:
                with contextlib.suppress(SlurmError):
                    found = [j for j in await queue(comment=comment) if j.name == name]
                    if found:
                        return found[0].job_id
    raise AssertionError("unreachable")


async def scancel(job_id: str) -> None:
    try:
        await retrying("scancel", job_id)
    except SlurmError as err:
        log.warning("%s", err)


async def show_job(job_id: str) -> JobInfo | None:
    """``scontrol show job``; None when the controller does not (or no longer) know it."""
    try:
        jobs = parse_show_job(await retrying("scontrol", "-o", "show", "job", job_id))
    except SlurmError as err:
        if "Invalid job id" in str(err):
            return None
        raise
    return jobs[0] if jobs else None


async def queue(job_ids: Iterable[str] = (), *, comment: str = "") -> list[JobInfo]:
    """The jobs ``squeue`` knows (pending, running and recently ended ones): the given ones,
    or those whose comment is ``comment``."""
    argv = ["squeue", "-h", "-t", "all", "-o", "%i|%T|%j|%k|%N|%M|%r"]
    ids = list(job_ids)
    if ids:
        argv += ["-j", ",".join(ids)]
    try:
        out = await command(*argv)
    except SlurmError as err:
        if ids and "Invalid job id" in str(err):
            return []
        raise
    found = []
    for line in out.splitlines():
        parts = line.split("|")
        if len(parts) < 7:
            continue
        job_id, state, name, note, nodes, run_time, reason = parts[:7]
        if comment and note != comment:
            continue
        found.append(
            JobInfo(
                job_id=job_id,
                state=state.split()[0],
                name=name,
                comment="" if note == "(null)" else note,
                nodes="" if nodes == "(null)" else nodes,
                run_time_s=duration_s(run_time),
                reason=reason,
            )
        )
    return found


@dataclass
class Accounting:
    """What ``sacct`` knows of an ended job (where accounting is on)."""

    state: str = ""
    exit_code: int | None = None
    elapsed_s: float | None = None
    cpu_s: float | None = None
    max_rss_bytes: int | None = None


class Sacct:
    """``sacct``, used once it has answered; off after it says accounting is disabled."""

    def __init__(self) -> None:
        self.available: bool | None = None

    async def get(self, job_id: str) -> Accounting | None:
        if self.available is False:
            return None
        try:
            out = await command(
                "sacct",
                "-n",
                "-P",
                "-j",
                job_id,
                "-o",
                "JobID,State,ExitCode,Elapsed,TotalCPU,MaxRSS",
            )
        except SlurmError as err:
            log.info("sacct is not used: %s", err)
            self.available = False
            return None
        acct = Accounting()
        for line in out.splitlines():
            parts = line.split("|")
            if len(parts) < 6:
                continue
            step_id, state, code, elapsed, cpu, rss = parts[:6]
            if step_id == job_id:
                acct.state = state.split()[0]
                acct.exit_code = int(code.split(":")[0]) if code[:1].isdigit() else None
                acct.elapsed_s = duration_s(elapsed)
                acct.cpu_s = duration_s(cpu)
            rss_bytes = size_bytes(rss)
            if rss_bytes is not None:
                acct.max_rss_bytes = max(acct.max_rss_bytes or 0, rss_bytes)
        if not acct.state:
            return None
        self.available = True
        return acct


class JobTable:
    """One ``squeue`` per interval for every job being followed; followers wait for the
    next round and read their job's row."""

    def __init__(self, poll_s: float) -> None:
        self.poll_s = poll_s
        self.jobs: dict[str, JobInfo] = {}
        self.watched: set[str] = set()
        self.queried: set[str] = set()  # the jobs the last round asked squeue about
        self._round = asyncio.Event()
        self._task: asyncio.Task[None] | None = None

    async def next(self, job_id: str) -> JobInfo | None:
        """The job's row after the next round (None once squeue no longer lists it)."""
        self.watched.add(job_id)
        while True:
            if self._task is None or self._task.done():
                self._task = asyncio.create_task(self._poll())
            await self._round.wait()
            if job_id in self.queried:  # a round that began before it was watched: next
                return self.jobs.get(job_id)

    def forget(self, job_id: str) -> None:
        self.watched.discard(job_id)
        self.jobs.pop(job_id, None)

    async def _poll(self) -> None:
        while self.watched:
            ids = sorted(self.watched)
            try:
                rows = await queue(ids)
                self.jobs = {j.job_id: j for j in rows}
                self.queried = set(ids)
            except SlurmError as err:
                log.warning("%s", err)
            event, self._round = self._round, asyncio.Event()
            event.set()
            await asyncio.sleep(self.poll_s)
        self._round.set()
        self._round = asyncio.Event()

    async def close(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
