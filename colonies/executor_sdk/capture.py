"""Forward stdout/stderr lines written while a process runs to that process's log.

``sys.stdout``/``sys.stderr`` are wrapped once by a tee that still writes to the real
stream; a context variable says which process (if any) the current task or thread works
for. ``asyncio.to_thread`` copies context variables, so sync functions are covered too.
"""

from __future__ import annotations

import asyncio
import sys
import threading
from contextvars import ContextVar
from typing import Any, TextIO

_current: ContextVar[LineSink | None] = ContextVar("colonies_process_sink", default=None)
_lock = threading.Lock()
_users = 0
_saved: tuple[TextIO, TextIO] | None = None


class LineSink:
    """Collects complete lines for one process into an asyncio queue (thread-safe)."""

    def __init__(self, loop: asyncio.AbstractEventLoop) -> None:
        self.loop = loop
        self.queue: asyncio.Queue[str | None] = asyncio.Queue()
        self._partial = ""
        self._lock = threading.Lock()

    def _put(self, item: str | None) -> None:
        try:
            running = asyncio.get_running_loop()
        except RuntimeError:
            running = None
        if running is self.loop:
            self.queue.put_nowait(item)
        else:
            self.loop.call_soon_threadsafe(self.queue.put_nowait, item)

    def feed(self, text: str) -> None:
        with self._lock:
            lines = (self._partial + text).split("\n")
            self._partial = lines.pop()
        for line in lines:
            self._put(line)

    def close(self) -> None:
        """Flush a trailing partial line and end the queue (call from the loop thread)."""
        with self._lock:
            rest, self._partial = self._partial, ""
        if rest:
            self.queue.put_nowait(rest)
        self.queue.put_nowait(None)


class _Tee:
    def __init__(self, real: TextIO) -> None:
        self._real = real

    def write(self, text: str) -> int:
        sink = _current.get()
        if sink is not None:
            sink.feed(text)
        return self._real.write(text)

    def flush(self) -> None:
        self._real.flush()

    def __getattr__(self, name: str) -> Any:
        return getattr(self._real, name)


def install() -> None:
    """Wrap sys.stdout/sys.stderr (reference counted)."""
    global _users, _saved
    with _lock:
        _users += 1
        if _users == 1:
            _saved = (sys.stdout, sys.stderr)
            sys.stdout = _Tee(sys.stdout)
            sys.stderr = _Tee(sys.stderr)


def uninstall() -> None:
    global _users, _saved
    with _lock:
        _users -= 1
        if _users == 0 and _saved is not None:
            sys.stdout, sys.stderr = _saved
            _saved = None


def set_sink(sink: LineSink | None) -> None:
    """Route this task's (and its threads') output to ``sink``."""
    _current.set(sink)
