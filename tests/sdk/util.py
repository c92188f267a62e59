"""Helpers for the SDK tests."""

from __future__ import annotations

import asyncio
import contextlib
import importlib.util
import time
from collections.abc import Awaitable, Callable
from pathlib import Path
from types import ModuleType
from typing import Any, TypeVar

from aiohttp.test_utils import TestServer

from colonies.client import ColoniesClient
from colonies.config import ClientSettings
from colonies.core import Conditions, FunctionSpec, Process
from colonies.executor_sdk import Executor
from tests.conftest import COLONY, COLONY_KEY, EXECUTOR_KEY

EXAMPLES = Path(__file__).resolve().parents[2] / "examples"
SUBMITTER = EXECUTOR_KEY  # the colony's "test-executor" is a member and may submit


def server_env(server: TestServer, **variables: str) -> dict[str, str]:
    """The COLONIES_* variables that point a client at the test server's colony, plus
    ``variables`` (given without their COLONIES_ prefix, e.g. ``COLONY_PRVKEY=...``)."""
    return {
        "COLONIES_SERVER_HOST": "127.0.0.1",
        "COLONIES_SERVER_PORT": str(server.port),
        "COLONIES_TLS": "false",
        "COLONIES_COLONY_NAME": COLONY,
        **{f"COLONIES_{name}": value for name, value in variables.items()},
    }


def load_example(name: str) -> ModuleType:
    """A fresh copy of examples/<name>.py (module-level executors are stateful)."""
    spec = importlib.util.spec_from_file_location(f"example_{name}", EXAMPLES / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


E = TypeVar("E", bound=Executor)


def attach(executor: E, client: ColoniesClient, **options: Any) -> E:
    """Point an executor at the test server and colony; it registers with the colony key."""
    return executor.configure(
        client=client,
        colony=COLONY,
        colony_key=COLONY_KEY,
        settings=ClientSettings(),
        backoff_s=0.02,
        max_backoff_s=0.2,
        **options,
    )


def make_spec(func: str, *args: Any, executor_type: str, **kwargs: Any) -> FunctionSpec:
    return FunctionSpec(
        func_name=func,
        args=list(args),
        kw_args=kwargs,
        max_exec_time=-1,
        conditions=Conditions(colony_name=COLONY, executor_type=executor_type),
    )


async def submit(
    client: ColoniesClient, func: str, *args: Any, executor_type: str, **kwargs: Any
) -> Process:
    return await client.submit(
        make_spec(func, *args, executor_type=executor_type, **kwargs), key=SUBMITTER
    )


async def get(client: ColoniesClient, process: Process) -> Process:
    return await client.get_process(process.process_id, key=SUBMITTER)


async def until(check: Callable[[], Awaitable[bool]], timeout: float = 10.0) -> None:
    """Wait until ``check()`` is true (polling; for events the test cannot await directly)."""
    deadline = time.monotonic() + timeout
    while not await check():
        if time.monotonic() > deadline:
            raise AssertionError("condition not reached in time")
        await asyncio.sleep(0.02)


class FirstLogSlow(ColoniesClient):
    """Holds the post of log line ``hold`` until the post of line ``until`` starts (or
    0.5 s pass): a slow network under that one request."""

    def __init__(self, url: str, hold: str, until: str) -> None:
        super().__init__(url)
        self.hold, self.until = hold, until
        self.started = asyncio.Event()

    async def add_log(self, process_id: str, message: str, *, key: str | None = None) -> None:
        line = message.rstrip("\n")
        if line == self.hold:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.started.wait(), 0.5)
        elif line == self.until:
            self.started.set()
        await super().add_log(process_id, message, key=key)
