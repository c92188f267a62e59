"""Executor: register Python functions with a decorator, then run the assign loop.

Robustness, as implemented here:

* ``concurrency`` workers each run one process at a time; at most ``pollers`` of them wait
  in an ``assignprocessmsg`` long-poll at once. For each new process the server wakes one
  parked assign of its type (which passes it on if it cannot take it), and every parked
  assign only when the colony resumes or the server's LISTEN connection comes back; each
  parked poll holds a connection, so fewer of them cost the server less. A worker that got
  a process runs and closes it while the next worker polls.
* Batch mode, with a server whose replies say ``Colonies-Features: batch`` (ours): the
  ``pollers`` (default 1) claim processes for all free worker slots at a time
  (``assignprocessesmsg``; one claim in flight takes every slot freed meanwhile, so batches
  are larger and requests fewer than with two), confirm each batch in one request while
  the next claim is on its way, run each process in a task of its own, and one closer
  sends every finished result in one request (``closeprocessesmsg``), retried as below; a
  slot takes the next process as soon as its result is queued. Other servers get the loop
  described above.
* Heartbeat: the server marks an executor alive on every assign call and removes executors
  not heard from for COLONIES_STALE_EXECUTOR_DURATION (600 s). When no assign has been sent
  for ``heartbeat_s`` (all workers busy), the executor sends a non-waiting assign with
  ``availablecpu="-1m"``: no process can match it, but it refreshes ``lastheardfromtime``.
* Network or server failures (connection refused/reset, timeouts, 5xx) are retried with
  exponential backoff (``backoff_s`` doubling up to ``max_backoff_s``, with jitter); the
  loop never crashes. A finished result is kept and retried until the server accepts it or
  rejects it with a 4xx. An executor the server unregistered meanwhile (not heard from for
  too long) approves itself again with the colony key, if it has one.
* Enrollment tickets: with ``ticket`` (or COLONIES_EXECUTOR_TICKET) and no key, the executor
  makes its own key and enrols: it is registered and approved for the ticket's colony and
  executor type, and never needs the colony key. The key lives in memory, so a restart
  takes another use of the ticket, unless ``key_file`` keeps it: the first start writes the
  new key there (mode 600) and later starts reuse it without using the ticket again.
* ``stop(grace_s)`` (SIGTERM/SIGINT with ``serve()``): stop polling, let running processes
  finish within the grace period, then fail the rest with "executor shut down".
* ``run(burst=True)`` returns once nothing is assignable and nothing runs.
"""

from __future__ import annotations

import asyncio
import contextlib
import contextvars
import functools
import inspect
import logging
import os
import random
import signal
import sys
import threading
import time
import traceback
from collections.abc import Awaitable, Callable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol, Self, TypeVar

from colonies.client import ColoniesClient, Timeouts
from colonies.config import ClientSettings
from colonies.core import (
    Capabilities,
    Executor as ExecutorModel,
    Function,
    Hardware,
    Process,
    ProcessResult,
    ResultOutcome,
)
from colonies.core.ticket import TicketToken
from colonies.crypto import id_from_private_key, new_private_key
from colonies.errors import ConfigError, RPCError, TransportError
from colonies.executor_sdk import capture
from colonies.executor_sdk.context import ProcessContext, SyncProcessContext
from colonies.executor_sdk.mounts import MountError, Mounts
from colonies.rpc.envelope import BATCH_FEATURE

log = logging.getLogger("colonies.executor")

F = TypeVar("F", bound=Callable[..., Any])
T = TypeVar("T")

TRANSIENT: tuple[type[BaseException], ...] = (TransportError, OSError, TimeoutError)
SHUTDOWN_ERROR = "Executor shut down before the process finished"
NOTHING = (404, 408, 503)  # assign: no process, paused (waiting), paused (not waiting)
MAX_BATCH = 100  # the most processes one batch request carries (the server's MaxCount)


def is_transient(err: BaseException) -> bool:
    """A failure worth retrying: the network, a timeout, or a 5xx reply other than the
    reference's 500 for a missing object ("…, process is nil"), which is final."""
    if isinstance(err, RPCError):
        return err.status >= 500 and not err.message.endswith(" is nil")
    return isinstance(err, TRANSIENT)


class Admitting(Protocol):
    """Declared hardware and what running processes hold of it (``backends.common.Admission``):
    the executor asks the server only for processes that fit what is free."""

    def available(self) -> tuple[str, str] | None:
        """The assign request's available cpu and mem (``""``: any); None when nothing is
        free, so the executor does not poll until a process ends."""
        ...

    def claim(self, process: Process) -> None: ...

    def release(self, process: Process) -> None: ...


@dataclass
class Registered:
    """One function this executor serves."""

    name: str
    fn: Callable[..., Any]
    is_async: bool
    ctx_param: str  # "first": ctx is the first positional parameter, "keyword", or ""
    description: str = ""


@dataclass
class Stats:
    """Counters of one executor (since construction)."""

    succeeded: int = 0
    failed: int = 0
    delivery_retries: int = 0
    reconnects: int = 0


class Executor:
    """Serves registered functions as processes of one executor type.

    Connection settings not given here come from COLONIES_* (``ClientSettings.from_env``) when
    the executor starts. With an enrollment ticket (``ticket`` or COLONIES_EXECUTOR_TICKET)
    it enrols with its own key (see the module text; the colony, type and name may come from
    the ticket). Else, with a colony key (``colony_key`` or COLONIES_COLONY_PRVKEY) the
    executor registers and approves itself (a new key unless ``key`` is given); without one,
    ``key`` must belong to an executor the colony owner registered and approved.
    A process whose spec has ``fs`` mounts gets its files first (``mounts.Mounts``).
    Each process is confirmed to the server before it runs (``confirm_delivery``): one whose
    assign reply was lost goes back to the queue after the server's delivery lease, and one
    the server gave to another executor meanwhile is not run here.
    """

    def __init__(
        self,
        executor_type: str | None = None,
        *,
        name: str | None = None,
        colony: str | None = None,
        key: str | None = None,
        colony_key: str | None = None,
        ticket: str | None = None,
        key_file: str | Path | None = None,
        url: str | None = None,
        client: ColoniesClient | None = None,
        settings: ClientSettings | None = None,
        concurrency: int = 1,
        pollers: int | None = None,
        poll_timeout_s: int = 10,
        heartbeat_s: float | None = None,
        hardware: Hardware | list[Hardware] | None = None,
        capabilities: Capabilities | None = None,
        forward_output: bool = True,
        backoff_s: float = 0.5,
        max_backoff_s: float = 30.0,
        grace_s: float = 30.0,
        unregister: bool | None = None,
        confirm_delivery: bool = True,
        admission: Admitting | None = None,
    ) -> None:
        self.executor_type = executor_type or ""
        self.admission = admission
        self.confirm_delivery = confirm_delivery
        self.name = name or ""
        self.colony = colony or ""
        self._key = key or ""
        self.colony_key = colony_key or ""
        self.ticket = ticket or ""
        self.key_file = Path(key_file) if key_file else None
        self._fresh_key = False
        self.url = url or ""
        self._client = client
        self.settings = settings
        self.concurrency = concurrency
        self.pollers = pollers
        self.poll_timeout_s = poll_timeout_s
        self.heartbeat_s = heartbeat_s
        if capabilities is None:
            hw = [hardware] if isinstance(hardware, Hardware) else hardware
            capabilities = Capabilities(hardware=hw) if hw else Capabilities()
        self.capabilities = capabilities
        self.forward_output = forward_output
        self.backoff_s = backoff_s
        self.max_backoff_s = max_backoff_s
        self.grace_s = grace_s
        self.unregister = unregister
        self.functions: dict[str, Registered] = {}
        self.fallback_fn: Registered | None = None
        self.stats = Stats()
        self._pool: ThreadPoolExecutor | None = None
        self._threads_busy = 0
        self._threads_lock = threading.Lock()
        self._own_client = False
        self._registered = False
        self._removed = False
        self._reset_run_state()

    def _reset_run_state(self) -> None:
        self._stopping: asyncio.Event | None = None
        self._abandon: asyncio.Event | None = None
        self._changed: asyncio.Event | None = None
        self._in_flight = 0
        self._server_confirms = True  # False once the server says it has no leases
        self._dir_locks: dict[Path, asyncio.Lock] = {}  # fs mount directories in use
        self._polls: set[asyncio.Task[Any]] = set()
        self._poll_gate = asyncio.Semaphore(self.pollers or min(self.concurrency, 4))
        self._admit_lock = asyncio.Lock()
        self._calls: set[asyncio.Task[Any]] = set()
        self._last_contact = time.monotonic()
        self._done: asyncio.Event | None = None
        self._grace_handle: asyncio.TimerHandle | None = None
        self._failures = 0
        # batch mode (a server with the batch feature): free worker slots, the tasks running
        # processes, and the results waiting to be closed
        self._slots = asyncio.Semaphore(self.concurrency)
        self._runs: set[asyncio.Task[Any]] = set()
        self._results: list[tuple[ProcessResult, asyncio.Future[None]]] = []
        self._results_added: asyncio.Event | None = None
        self._settles = 0  # batch mode: processes done with so far
        # Processes being confirmed, run or closed here. A process whose lease ended while
        # its confirmation could not be sent (the server down) may be claimed by this
        # executor again; both confirmations would then pass (it is this executor's), so
        # the second claim is left to the first.
        self._handling: set[str] = set()

    # configuration

    def configure(self, **options: Any) -> Self:
        """Change constructor options before the executor starts (e.g. in tests)."""
        for option, value in options.items():
            if option == "key":
                self._key = value
            elif option == "client":
                self._client = value
            elif option == "key_file":
                self.key_file = Path(value) if value else None
            elif option in {"hardware"}:
                hw = [value] if isinstance(value, Hardware) else value
                self.capabilities = Capabilities(hardware=hw)
            elif hasattr(self, option) and not option.startswith("_"):
                setattr(self, option, value)
            else:
                raise TypeError(f"unknown executor option {option!r}")
        return self

    def function(self, name: str | None = None, *, description: str = "") -> Callable[[F], F]:
        """Decorator: serve ``fn`` as ``funcname`` (default: the Python name).

        The function gets the spec's ``args`` and ``kwargs``, plus ``ctx`` (a ProcessContext,
        or a SyncProcessContext for sync functions) if it has a parameter named ``ctx``.
        Its return value becomes the output (a tuple gives several values, None none);
        an exception fails the process with the error text.
        """

        def decorate(fn: F) -> F:
            self.add_function(name or fn.__name__, fn, description=description)
            return fn

        return decorate

    def add_function(self, name: str, fn: Callable[..., Any], *, description: str = "") -> None:
        """Serve ``fn`` as ``name`` (what the decorator does)."""
        self.functions[name] = _registered(name, fn, description)

    def fallback(self, fn: F) -> F:
        """Decorator: serve every funcname not registered (``ctx.func_name`` tells which).

        Fallback functions are not announced with ``addfunctionmsg``.
        """
        self.fallback_fn = _registered("*", fn, "")
        return fn

    @property
    def client(self) -> ColoniesClient:
        if self._client is None:
            raise RuntimeError("the executor has not started")
        return self._client

    @property
    def key(self) -> str:
        return self._key

    @property
    def executor_id(self) -> str:
        return id_from_private_key(self._key) if self._key else ""

    # registration

    def _resolve(self) -> None:
        s = self.settings or ClientSettings.from_env()
        self.ticket = self.ticket or s.executor_ticket
        self.executor_type = self.executor_type or s.executor_type
        if self.ticket:
            self._resolve_ticket()
        else:
            self.colony = self.colony or s.colony_name
            self.colony_key = self.colony_key or s.colony_prvkey
        if not self.colony:
            raise ConfigError("no colony: pass colony= or set COLONIES_COLONY_NAME")
        if not self.executor_type and not self.ticket:
            raise ConfigError("no executor type: pass executor_type= or set COLONIES_EXECUTOR_TYPE")
        self._key = self._key or s.executor_prvkey
        if self.ticket and not self._key:
            self._key = self._ticket_key()
        if not self._key:
            if not self.colony_key:
                raise ConfigError(
                    "need the key of an approved executor (key= or COLONIES_EXECUTOR_PRVKEY), "
                    "an enrollment ticket (ticket= or COLONIES_EXECUTOR_TICKET) or a colony key "
                    "to register one (colony_key= or COLONIES_COLONY_PRVKEY)"
                )
            self._key = new_private_key()
        auto_name = not (self.name or s.executor_name)
        self.name = self.name or s.executor_name
        if not self.name and not self.ticket:  # with a ticket the server names it
            self.name = f"{self.executor_type}-{self.executor_id[:8]}"
        if self.unregister is None:
            self.unregister = auto_name and bool(self.colony_key)
        if self._client is None:
            self._own_client = True
            if self.url:
                self._client = ColoniesClient(
                    self.url,
                    prvkey=self._key,
                    colony=self.colony,
                    timeouts=Timeouts.from_settings(s),
                    verify_tls=s.verify_tls,
                )
            else:
                self._client = ColoniesClient.from_env(s, prvkey=self._key, colony=self.colony)

    async def register(self) -> None:
        """Register (and approve) the executor if possible, then its functions."""
        if self._registered:
            return
        self._resolve()
        await self._retrying("register", self._register)
        self._registered = True
        served = list(self.functions)
        if self.fallback_fn:
            served.append("any other funcname" if served else "any funcname")
        log.info(
            "executor %s (%s) in colony %s serves %s",
            self.name,
            self.executor_type,
            self.colony,
            ", ".join(served) or "nothing",
        )

    def _resolve_ticket(self) -> None:
        """The colony comes from the ticket (COLONIES_COLONY_NAME is not read, ``colony``
        must agree); the colony key is not used."""
        try:
            token = TicketToken.parse(self.ticket)
        except ValueError as err:
            raise ConfigError(f"the enrollment ticket is malformed: {err}") from None
        if self.colony and self.colony != token.colony_name:
            raise ConfigError(
                f"the enrollment ticket is for colony {token.colony_name}, not {self.colony}"
            )
        self.colony = token.colony_name
        self.colony_key = ""

    def _ticket_key(self) -> str:
        """The key kept in ``key_file``, or a new one (written there first if it is given)."""
        path = self.key_file
        try:
            if path is not None and path.exists():
                key = path.read_text().strip()
                try:
                    id_from_private_key(key)
                except (ValueError, TypeError):
                    raise ConfigError(f"{path} does not hold a private key") from None
                return key
            key = new_private_key()
            if path is not None:
                fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
                with os.fdopen(fd, "w") as f:
                    f.write(key + "\n")
        except OSError as err:
            raise ConfigError(f"cannot use the key file {path}: {err.strerror}") from None
        self._fresh_key = True
        return key

    async def _register(self) -> None:
        client = self.client
        if self.ticket:
            await self._enroll()
        elif self.colony_key:
            model = ExecutorModel(
                executor_id=self.executor_id,
                executor_type=self.executor_type,
                executor_name=self.name,
                colony_name=self.colony,
                capabilities=self.capabilities,
            )
            try:
                await client.add_executor(model, key=self.colony_key)
            except RPCError as err:
                if err.status != 400 or "already exists" not in err.message:
                    raise
                if self._removed:  # our own executor, unregistered at the end of a run
                    await client.approve_executor(
                        self.name, colony=self.colony, key=self.colony_key
                    )
                await self._check_existing()
            await client.approve_executor(self.name, colony=self.colony, key=self.colony_key)
        else:
            await self._check_existing()
            if self.capabilities.hardware or self.capabilities.software:
                await client.update_capabilities(
                    self.name, self.capabilities, colony=self.colony, key=self._key
                )
        await self._add_functions()

    async def _enroll(self) -> None:
        """Enrol with the ticket, unless this key is already enrolled (a kept or given key,
        or a retried enrollment whose first reply was lost)."""
        if not self._fresh_key and await self._adopt():
            return
        model = ExecutorModel(
            executor_type=self.executor_type,
            executor_name=self.name,
            colony_name=self.colony,
            capabilities=self.capabilities,
        )
        try:
            enrolled = await self.client.enroll_executor(self.ticket, model, key=self._key)
        except RPCError as err:
            if err.status == 400 and "already exists" in err.message and await self._adopt():
                return
            raise
        self.name, self.executor_type = enrolled.executor_name, enrolled.executor_type

    async def _adopt(self) -> bool:
        """Take the name and type of the approved executor this key already is, if any."""
        try:
            found = await self.client.get_executor_by_id(
                self.executor_id, colony=self.colony, key=self._key
            )
        except RPCError as err:
            if err.status in (403, 404):
                return False
            raise
        if self.executor_type and found.executor_type != self.executor_type:
            raise ConfigError(f"executor {found.executor_name} has type {found.executor_type}")
        if self.name and found.executor_name != self.name:
            raise ConfigError(f"this key is executor {found.executor_name}, not {self.name}")
        self.name, self.executor_type = found.executor_name, found.executor_type
        if self.capabilities.hardware or self.capabilities.software:
            await self.client.update_capabilities(
                self.name, self.capabilities, colony=self.colony, key=self._key
            )
        return True

    async def _add_functions(self) -> None:
        client = self.client
        existing = {
            f.func_name
            for f in await client.get_functions(
                executor_name=self.name, colony=self.colony, key=self._key
            )
        }
        for fn in self.functions.values():
            if fn.name in existing:
                continue
            await client.add_function(
                Function(
                    executor_name=self.name,
                    executor_type=self.executor_type,
                    colony_name=self.colony,
                    func_name=fn.name,
                    description=fn.description,
                ),
                key=self._key,
            )

    async def _retrying(self, what: str, operation: Callable[[], Awaitable[None]]) -> None:
        """Run ``operation`` until it succeeds or fails with something not transient."""
        attempt = 0
        while True:
            try:
                await operation()
                return
            except Exception as err:
                if not is_transient(err):
                    raise
                attempt += 1
                self.stats.reconnects += 1
                delay = self._delay(attempt)
                log.warning("%s failed (%s); retrying in %.2f s", what, _describe(err), delay)
                await asyncio.sleep(delay)

    async def _check_existing(self) -> None:
        found = await self.client.get_executor(self.name, colony=self.colony, key=self._key)
        if found.executor_id != self.executor_id:
            raise ConfigError(f"executor {self.name} exists with another key")
        if found.executor_type != self.executor_type:
            raise ConfigError(f"executor {self.name} has type {found.executor_type}")

    async def _unregister(self) -> None:
        try:
            await asyncio.wait_for(
                self.client.remove_executor(self.name, colony=self.colony, key=self.colony_key), 10
            )
        except Exception as err:
            log.warning("could not remove executor %s: %s", self.name, err)

    # running

    async def run(self, burst: bool = False, *, handle_signals: bool = False) -> None:
        """Register, then serve until ``stop()`` (or, with ``burst``, until no work is left)."""
        await self._register_for_run()
        self._reset_run_state()
        self._stopping = asyncio.Event()
        self._abandon = asyncio.Event()
        self._changed = asyncio.Event()
        self._done = asyncio.Event()
        loop = asyncio.get_running_loop()
        handle_signals = handle_signals and threading.current_thread() is threading.main_thread()
        previous = {sig: signal.getsignal(sig) for sig in (signal.SIGTERM, signal.SIGINT)}
        if handle_signals:
            for sig in previous:
                loop.add_signal_handler(sig, self._on_signal)
        if self.forward_output:
            capture.install()
        # Sync functions get a thread each: the default pool has fewer than ``concurrency``.
        self._pool = ThreadPoolExecutor(self.concurrency, thread_name_prefix="colonies-function")
        heartbeat = asyncio.create_task(self._heartbeat())
        try:
            await self._serve_loops(burst)
        finally:
            heartbeat.cancel()
            await asyncio.gather(heartbeat, return_exceptions=True)
            self._pool.shutdown(wait=False, cancel_futures=True)
            if self._grace_handle is not None:
                self._grace_handle.cancel()
            if self.forward_output:
                capture.uninstall()
            if handle_signals:
                for sig, handler in previous.items():
                    loop.remove_signal_handler(sig)
                    if handler is not None:
                        signal.signal(sig, handler)
            if self.unregister:
                await self._unregister()
                self._registered = False
                self._removed = True
            if self._own_client and self._client is not None:
                await self._client.close()
                self._client = None
            self._done.set()

    async def _serve_loops(self, burst: bool) -> None:
        """The workers (each: assign, confirm, run, close), or with a server that has the
        batch payload types the assigners and the closer, until they end."""
        closer: asyncio.Task[None] | None = None
        if self._batching():
            self._results_added = asyncio.Event()
            closer = asyncio.create_task(self._closer())
            count = self.pollers or 1
            workers = [asyncio.create_task(self._assigner(burst, count)) for _ in range(count)]
        else:
            workers = [asyncio.create_task(self._worker(burst)) for _ in range(self.concurrency)]
        try:
            await asyncio.gather(*workers)
            while self._runs:  # batch mode: processes still running or being closed
                await asyncio.gather(*self._runs)
        finally:
            for task in [*workers, *self._runs]:
                task.cancel()
            await asyncio.gather(*workers, *self._runs, return_exceptions=True)
            if closer is not None:
                closer.cancel()
                await asyncio.gather(closer, return_exceptions=True)

    async def _register_for_run(self) -> None:
        """``register()``; when it fails (e.g. a refused enrollment) the client it opened
        is closed."""
        try:
            await self.register()
        except BaseException:
            if self._own_client and self._client is not None:
                await self._client.close()
                self._client = None
            raise

    def serve(self, burst: bool = False) -> None:
        """Blocking entry point: run until SIGTERM/SIGINT (or burst end).

        Logs to stderr at INFO level unless the program configured logging itself.
        """
        if not logging.getLogger().handlers:
            logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
        try:
            asyncio.run(self.run(burst, handle_signals=True))
        except ConfigError as err:  # a sentence that says what to set, not a traceback
            raise SystemExit(f"colonies executor: {err}") from None
        if self.threads_busy:
            # A sync function outlived the grace period (its process is failed already);
            # a thread cannot be stopped, and the interpreter would wait for it at exit.
            log.error("%d sync function(s) still running; exiting now", self.threads_busy)
            logging.shutdown()
            with contextlib.suppress(Exception):
                sys.stdout.flush()
                sys.stderr.flush()
            os._exit(1)

    @property
    def threads_busy(self) -> int:
        """Sync functions running in a thread (also after their process was given up)."""
        return self._threads_busy

    def _on_signal(self) -> None:
        if self._stopping is not None and self._stopping.is_set():
            log.warning("second signal: failing running processes now")
            self.stop(0)
        else:
            log.info("signal: stopping, grace period %.0f s", self.grace_s)
            self.stop()

    def stop(self, grace_s: float | None = None) -> None:
        """Stop taking work; running processes get ``grace_s`` to finish, then are failed."""
        if self._stopping is None:
            return
        self._stopping.set()
        for poll in list(self._polls):
            poll.cancel()
        grace = self.grace_s if grace_s is None else grace_s
        if self._grace_handle is not None:
            self._grace_handle.cancel()
        loop = asyncio.get_running_loop()
        self._grace_handle = loop.call_later(grace, self._grace_over)

    def _grace_over(self) -> None:
        for call in list(self._calls):
            call.cancel()
        # Deliveries of the (now failed) processes get a little longer, then are abandoned.
        loop = asyncio.get_running_loop()
        if self._abandon is not None:
            loop.call_later(max(5.0, self.max_backoff_s), self._abandon.set)

    async def shutdown(self, grace_s: float | None = None) -> None:
        """``stop()`` and wait until ``run()`` has returned."""
        self.stop(grace_s)
        if self._done is not None:
            await self._done.wait()

    @property
    def stopping(self) -> bool:
        return self._stopping is not None and self._stopping.is_set()

    async def _worker(self, burst: bool) -> None:
        assert self._stopping is not None
        while not self._stopping.is_set():
            process = await self._poll(burst)
            if process is None:
                if self._stopping.is_set():
                    return
                if burst:
                    if self._in_flight == 0:
                        return
                    assert self._changed is not None
                    await self._changed.wait()
                continue
            if process.process_id in self._handling:
                # Admission claims are per process id: the first handler releases it.
                log.info("process %s claimed again while it is handled here", process.process_id)
                continue
            self._handling.add(process.process_id)
            try:
                if await self._confirm(process):
                    await self._handle(process)
            finally:
                self._handling.discard(process.process_id)
                self._release(process)

    async def _confirm(self, process: Process) -> bool:
        """Tell the server the process arrived before running it. A refusal means its
        delivery lease ended (the reply took too long) and it may run elsewhere: skip it.
        A confirmation whose answer is lost may have been stored: it is sent again until the
        server answers either way (or the executor stops), never given up on."""
        if not (self.confirm_delivery and self._server_confirms):
            return True
        attempt = 0
        while True:
            try:
                await self.client.confirm_process(process.process_id, key=self._key)
                return True
            except RPCError as err:
                if err.status == 403 and "PayloadType" in err.message:
                    # A server without delivery leases (the reference): it gave no lease.
                    self._server_confirms = False
                    return True
                if err.status >= 500 and not self.stopping:
                    attempt += 1
                    await self._pause(self._delay(attempt))
                    continue
                log.warning("not running process %s: %s", process.process_id, err.message)
                return False
            except TRANSIENT as err:
                if self.stopping:
                    log.warning("could not confirm process %s: %s", process.process_id, err)
                    return False
                attempt += 1
                await self._pause(self._delay(attempt))

    async def _poll(self, burst: bool) -> Process | None:
        """One assign call (long-poll unless burst); None when nothing came or on stop."""
        admitting = self._admit_lock if self.admission is not None else contextlib.nullcontext()
        async with self._poll_gate, admitting:  # under admission, one poll at a time
            if self.stopping:
                return None
            available = await self._available()
            if available is None:
                return None
            poll = asyncio.create_task(
                self._assign(-1 if burst else self.poll_timeout_s, *available)
            )
            self._polls.add(poll)
            self._last_contact = time.monotonic()
            process = await self._poll_result(poll)
            if process is not None and self.admission is not None:
                self.admission.claim(process)
            return process

    async def _available(self) -> tuple[str, str] | None:
        """What to ask for under ``admission``: waits while nothing is free (None on stop)."""
        if self.admission is None:
            return "", ""
        assert self._stopping is not None and self._changed is not None
        while (free := self.admission.available()) is None:
            if self._stopping.is_set():
                return None
            waits = [asyncio.create_task(e.wait()) for e in (self._changed, self._stopping)]
            try:
                await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
            finally:
                for w in waits:
                    w.cancel()
        return free

    def _release(self, process: Process) -> None:
        """Give back what ``process`` held under ``admission`` and wake a waiting poll."""
        if self.admission is None or self._changed is None:
            return
        self.admission.release(process)
        self._changed.set()
        self._changed = asyncio.Event()

    async def _poll_result(self, poll: asyncio.Task[T]) -> T | None:
        try:
            process = await poll
        except asyncio.CancelledError:
            current = asyncio.current_task()
            if poll.cancelled() and self.stopping and not (current and current.cancelling()):
                return None
            raise
        except RPCError as err:
            if err.status in NOTHING:
                if err.status == 503:
                    await self._pause(self.backoff_s)
                return None
            if err.status == 403 and self.colony_key:
                await self._rejoin(err)
            await self._backoff_after(err, "assign")
            return None
        except TRANSIENT as err:
            await self._backoff_after(err, "assign")
            return None
        finally:
            self._polls.discard(poll)
        self._failures = 0
        return process

    async def _assign(self, timeout: int, cpu: str = "", mem: str = "") -> Process:
        # The server answers a long-poll within ``timeout``; the margin covers a dead peer.
        async with asyncio.timeout(max(timeout, 0) + 30):
            return await self.client.assign(
                timeout,
                available_cpu=cpu,
                available_mem=mem,
                confirm_delivery=True,
                colony=self.colony,
                key=self._key,
            )

    # batch mode: a server with assignprocessesmsg/confirmprocessesmsg/closeprocessesmsg

    def _batching(self) -> bool:
        """Whether to use the batch payload types: the server serves them (it says so in
        each reply) and processes are confirmed (their batch assign always leases); not
        under admission, which asks for one process at a time within what is free."""
        return (
            self.admission is None
            and self.confirm_delivery
            and self._server_confirms
            and BATCH_FEATURE in self.client.server_features
        )

    async def _assigner(self, burst: bool, assigners: int) -> None:
        """Claim processes for free worker slots, several per request, and start them; the
        next claim is sent while they are confirmed, run and closed. ``assigners`` of these
        share the slots, each taking at most its share at a time, so that as many polls
        wait on the server as ``pollers`` says."""
        assert self._stopping is not None
        share = max(1, min(MAX_BATCH, -(-self.concurrency // assigners)))
        while not self._stopping.is_set():
            await self._slots.acquire()
            taken = 1
            while taken < share and not self._slots.locked():
                await self._slots.acquire()  # free now: does not wait
                taken += 1
            settled = self._settles  # a close after this may release more (a workflow)
            processes = await self._poll_many(burst, taken) or []
            again = [p for p in processes if p.process_id in self._handling]
            processes = [p for p in processes if p.process_id not in self._handling]
            for p in again:
                log.info("process %s claimed again while it is handled here", p.process_id)
            for _ in range(taken - len(processes)):
                self._slots.release()
            if processes:
                self._handling.update(p.process_id for p in processes)
                self._in_flight += len(processes)
                self._start(self._confirm_and_run(processes))
                continue
            if self._stopping.is_set():
                return
            if burst:
                if self._in_flight == 0:
                    if self._settles == settled:
                        return  # nothing left, and nothing closed since this poll was sent
                    continue
                assert self._changed is not None
                await self._changed.wait()

    def _start(self, work: Awaitable[None]) -> None:
        task = asyncio.ensure_future(work)
        self._runs.add(task)
        task.add_done_callback(self._runs.discard)

    async def _poll_many(self, burst: bool, count: int) -> list[Process] | None:
        if self.stopping:
            return None
        timeout = -1 if burst else self.poll_timeout_s

        async def assign() -> list[Process]:
            async with asyncio.timeout(max(timeout, 0) + 30):
                return await self.client.assign_many(
                    timeout, count, colony=self.colony, key=self._key
                )

        poll = asyncio.create_task(assign())
        self._polls.add(poll)
        self._last_contact = time.monotonic()
        return await self._poll_result(poll)

    async def _confirm_and_run(self, processes: list[Process]) -> None:
        """Confirm a batch (one request), then run each process confirmed in a task of its
        own; a slot whose process is not ours to run is free again."""
        confirmed = await self._confirm_many([p.process_id for p in processes])
        for process in processes:
            if process.process_id in confirmed:
                self._start(self._run_one(process))
            else:
                log.warning("not running process %s: not confirmed", process.process_id)
                self._handling.discard(process.process_id)
                self._slots.release()
                self._settled()

    async def _confirm_many(self, process_ids: list[str]) -> set[str]:
        """The ids the server confirmed; sent again while the answer is lost (as
        ``_confirm``), nothing once the executor stops without an answer."""
        attempt = 0
        while True:
            try:
                confirmed = await self.client.confirm_processes(
                    process_ids, colony=self.colony, key=self._key
                )
                return set(confirmed)
            except RPCError as err:
                if err.status < 500 or self.stopping:
                    log.warning("could not confirm %d process(es): %s", len(process_ids), err)
                    return set()
            except TRANSIENT as err:
                if self.stopping:
                    log.warning("could not confirm %d process(es): %s", len(process_ids), err)
                    return set()
            attempt += 1
            await self._pause(self._delay(attempt))

    async def _run_one(self, process: Process) -> None:
        """Run a confirmed process; its slot is free as soon as its result is handed to
        the closer, while the result is being closed."""
        mounts = Mounts(process, self.client, self._key, self._dir_locks)
        try:
            try:
                ok, values = await self._run_with_mounts(process, mounts)
            finally:
                self._slots.release()
            closed = self._close_later(process, ok, values)
            await closed
            if ok:
                self.stats.succeeded += 1
            else:
                self.stats.failed += 1
            await mounts.release()
        finally:
            mounts.unlock()
            self._handling.discard(process.process_id)
            self._settled()

    def _settled(self) -> None:
        """A process of the batch mode is done with (closed, given up or not ours)."""
        assert self._changed is not None
        self._in_flight -= 1
        self._settles += 1
        self._changed.set()
        self._changed = asyncio.Event()

    def _close_later(self, process: Process, ok: bool, values: list[Any]) -> asyncio.Future[None]:
        """Queue a result for the closer; the future is done once the server took it,
        refused it, or the executor gave up on it."""
        if ok:
            result = ProcessResult(process_id=process.process_id, output=values)
        else:
            errors = [v if isinstance(v, str) else str(v) for v in values]
            result = ProcessResult(process_id=process.process_id, failed=True, errors=errors)
        done: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self._results.append((result, done))
        assert self._results_added is not None
        self._results_added.set()
        return done

    async def _closer(self) -> None:
        """Send the queued results, all that are waiting in one request, one request at a
        time: a result finished while a close is on its way goes with the next. A result
        is sent again until the server takes or refuses it (``_deliver``'s rule)."""
        assert self._results_added is not None and self._abandon is not None
        attempt = 0
        while True:
            await self._results_added.wait()
            self._results_added.clear()
            while self._results:
                batch, self._results = self._results[:MAX_BATCH], self._results[MAX_BATCH:]
                failure, batch = await self._close_batch(batch)
                if failure is None:
                    attempt = 0
                    continue
                if self._abandon.is_set():
                    log.error("giving up on %d result(s): %s", len(batch), _describe(failure))
                    for _, done in batch:
                        _finish(done)
                    continue
                self._results = batch + self._results
                attempt += 1
                self.stats.delivery_retries += 1
                delay = self._delay(attempt)
                log.warning(
                    "close of %d result(s) failed (%s); retrying in %.2f s",
                    len(batch),
                    _describe(failure),
                    delay,
                )
                with contextlib.suppress(TimeoutError):
                    await asyncio.wait_for(self._abandon.wait(), delay)

    async def _close_batch(
        self, batch: list[tuple[ProcessResult, asyncio.Future[None]]]
    ) -> tuple[BaseException | None, list[tuple[ProcessResult, asyncio.Future[None]]]]:
        """One close request: the failure to retry for (None if there is none) and the
        results to send again. Those the server took or refused are done."""
        try:
            async with asyncio.timeout(60):
                outcomes = await self.client.close_processes(
                    [result for result, _ in batch], colony=self.colony, key=self._key
                )
        except RPCError as refusal:
            if is_transient(refusal):
                return refusal, batch
            for result, done in batch:
                log.warning("close of %s refused: %s", result.process_id, refusal.message)
                _finish(done)
            return None, []
        except TRANSIENT as lost:
            return lost, batch
        found: dict[str, ResultOutcome] = {o.process_id: o for o in outcomes}
        again: list[tuple[ProcessResult, asyncio.Future[None]]] = []
        failure: BaseException | None = None
        for result, done in batch:
            outcome = found.get(result.process_id)
            if outcome is None or outcome.status == 200:
                _finish(done)
                continue
            err = RPCError(outcome.message, status=outcome.status)
            if is_transient(err):
                again.append((result, done))
                failure = err
                continue
            what = "fail" if result.failed else "close"
            log.warning("%s of %s refused: %s", what, result.process_id, outcome.message)
            _finish(done)
        return failure, again

    async def _rejoin(self, refusal: RPCError) -> None:
        """Approve this executor again and re-add its functions.

        The server unregisters executors it has not heard from for a while (e.g. during a
        long network outage) and then refuses their assign calls; with the colony key the
        executor takes its place back. Its name was checked to belong to its key at start.
        """
        log.warning("assign refused (%s); registering %s again", refusal.message, self.name)
        try:
            await self.client.approve_executor(self.name, colony=self.colony, key=self.colony_key)
            await self._add_functions()
        except Exception as err:
            log.warning("could not register again: %s", _describe(err))

    async def _backoff_after(self, err: BaseException, what: str) -> None:
        self._failures += 1
        self.stats.reconnects += 1
        delay = self._delay(self._failures)
        log.warning("%s failed (%s); retrying in %.2f s", what, _describe(err), delay)
        await self._pause(delay)

    def _delay(self, attempt: int) -> float:
        delay: float = min(self.max_backoff_s, self.backoff_s * 2 ** min(attempt - 1, 30))
        return delay * random.uniform(0.8, 1.2)

    async def _pause(self, seconds: float) -> None:
        """Sleep, but wake up early when the executor stops."""
        assert self._stopping is not None
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(self._stopping.wait(), seconds)

    async def _heartbeat(self) -> None:
        interval = self.heartbeat_s or float(self.poll_timeout_s)
        while True:
            await asyncio.sleep(interval / 2)
            if time.monotonic() - self._last_contact < interval:
                continue
            self._last_contact = time.monotonic()
            try:
                async with asyncio.timeout(30):
                    await self.client.assign(
                        -1, available_cpu="-1m", colony=self.colony, key=self._key
                    )
            except RPCError as err:
                if err.status not in NOTHING:
                    log.warning("heartbeat: %s", _describe(err))
            except TRANSIENT as err:
                log.warning("heartbeat: %s", _describe(err))

    async def _run_with_mounts(self, process: Process, mounts: Mounts) -> tuple[bool, list[Any]]:
        """Get the process's files, run it, send its files back: (ok, output or errors)."""
        try:
            await mounts.prepare()
            ok, values = await self._execute(process, mounts.paths)
            if ok:
                await mounts.sync_back()
        except MountError as err:
            ok, values = False, [str(err)]
        return ok, values

    async def _handle(self, process: Process) -> None:
        assert self._changed is not None
        self._in_flight += 1
        mounts = Mounts(process, self.client, self._key, self._dir_locks)
        try:
            ok, values = await self._run_with_mounts(process, mounts)
            if ok:
                await self._deliver(process, self.client.close_process, values, "close")
                self.stats.succeeded += 1
            else:
                await self._deliver(process, self.client.fail_process, values, "fail")
                self.stats.failed += 1
            await mounts.release()
        finally:
            mounts.unlock()
            self._in_flight -= 1
            self._changed.set()
            self._changed = asyncio.Event()

    async def _execute(self, process: Process, mounts: dict[str, Path]) -> tuple[bool, list[Any]]:
        """Run the function; (True, output) or (False, errors)."""
        fn = self.functions.get(process.spec.func_name, self.fallback_fn)
        if fn is None:
            return False, [f"Function {process.spec.func_name} is not served by {self.name}"]
        sink = capture.LineSink(asyncio.get_running_loop()) if self.forward_output else None
        ctx: ProcessContext | SyncProcessContext
        if fn.is_async:
            ctx = ProcessContext(self, process, mounts)
        else:
            ctx = SyncProcessContext(self, process, asyncio.get_running_loop(), mounts)
        call = asyncio.create_task(self._call(fn, process, ctx, sink))
        sender = asyncio.create_task(self._send_lines(process, sink)) if sink else None
        self._calls.add(call)
        try:
            await asyncio.wait([call])
        finally:
            self._calls.discard(call)
            if sender is not None and sink is not None:
                sink.close()
                await sender
        if call.cancelled():
            return False, [SHUTDOWN_ERROR]
        err = call.exception()
        if err is not None:
            errors = getattr(err, "process_errors", None)
            if isinstance(errors, list):  # the error texts are given (a back end, a command)
                log.info("process %s failed: %s", process.process_id, "; ".join(errors))
                return False, errors
            await self._log_traceback(process, err)
            return False, [f"{type(err).__name__}: {err}" if str(err) else type(err).__name__]
        result = call.result()
        if result is None:
            return True, []
        if isinstance(result, tuple):
            return True, list(result)
        return True, [result]

    async def _call(
        self,
        fn: Registered,
        process: Process,
        ctx: ProcessContext | SyncProcessContext,
        sink: capture.LineSink | None,
    ) -> Any:
        capture.set_sink(sink)
        args: list[Any] = list(process.spec.args)
        kwargs = dict(process.spec.kw_args)
        if fn.ctx_param == "first":
            args.insert(0, ctx)
        elif fn.ctx_param == "keyword":
            kwargs["ctx"] = ctx
        if fn.is_async:
            return await fn.fn(*args, **kwargs)
        # The context copy carries the output sink into the thread, as asyncio.to_thread does.
        call = functools.partial(self._in_thread, fn.fn, args, kwargs)
        context = contextvars.copy_context()
        loop = asyncio.get_running_loop()
        return await loop.run_in_executor(self._pool, context.run, call)

    def _in_thread(self, fn: Callable[..., Any], args: list[Any], kwargs: dict[str, Any]) -> Any:
        with self._threads_lock:
            self._threads_busy += 1
        try:
            return fn(*args, **kwargs)
        finally:
            with self._threads_lock:
                self._threads_busy -= 1

    async def _send_lines(self, process: Process, sink: capture.LineSink | None) -> None:
        assert sink is not None
        while (line := await sink.queue.get()) is not None:
            try:
                await self.client.add_log(process.process_id, line + "\n", key=self._key)
            except Exception as err:
                log.debug("could not forward a log line: %s", err)

    async def _log_traceback(self, process: Process, err: BaseException) -> None:
        text = "".join(traceback.format_exception(err))
        log.info("process %s failed: %s", process.process_id, err)
        with contextlib.suppress(Exception):
            await self.client.add_log(process.process_id, text, key=self._key)

    async def _deliver(
        self,
        process: Process,
        send: Callable[..., Awaitable[None]],
        values: list[Any],
        what: str,
    ) -> None:
        """Send a result until the server accepts or rejects it (or the executor gives up)."""
        assert self._abandon is not None
        attempt = 0
        while True:
            try:
                async with asyncio.timeout(60):
                    await send(process.process_id, values, key=self._key)
                return
            except RPCError as err:
                if not is_transient(err):
                    log.warning("%s of %s refused: %s", what, process.process_id, err.message)
                    return
                failure: BaseException = err
            except TRANSIENT as err:
                failure = err
            if self._abandon.is_set():
                log.error("giving up on %s of %s: %s", what, process.process_id, failure)
                return
            attempt += 1
            self.stats.delivery_retries += 1
            delay = self._delay(attempt)
            log.warning(
                "%s of %s failed (%s); retrying in %.2f s",
                what,
                process.process_id,
                _describe(failure),
                delay,
            )
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._abandon.wait(), delay)


def _registered(name: str, fn: Callable[..., Any], description: str) -> Registered:
    """A function that names a ``ctx`` parameter gets the process context: as the first
    argument when ``ctx`` comes first (``def f(ctx, *args)``), else by keyword."""
    try:
        params = list(inspect.signature(fn).parameters.values())
    except (TypeError, ValueError):
        params = []
    positional = (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
    if params and params[0].name == "ctx" and params[0].kind in positional:
        ctx_param = "first"
    elif any(p.name == "ctx" for p in params):
        ctx_param = "keyword"
    else:
        ctx_param = ""
    return Registered(name, fn, inspect.iscoroutinefunction(fn), ctx_param, description)


def _finish(done: asyncio.Future[None]) -> None:
    """Mark a result done (its waiter may have been cancelled meanwhile)."""
    if not done.done():
        done.set_result(None)


def _describe(err: BaseException) -> str:
    text = str(err)
    return f"{type(err).__name__}: {text}" if text else type(err).__name__
