"""Helpers for the container back-end tests."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from colonies.backends.common import BackendExecutor, backend_executor
from colonies.backends.container import ContainerBackend, Settings
from colonies.client import ColoniesClient
from colonies.core import Conditions, FunctionSpec, Hardware, Process
from colonies.core.executor import Gpu
from colonies.fs import S3Config
from tests.backends.conftest import Engine
from tests.conftest import COLONY
from tests.sdk.util import SUBMITTER, attach

T = "container-test"


def container_executor(
    engine: Engine,
    client: ColoniesClient,
    work_dir: Path,
    *,
    hardware: Hardware | None = None,
    s3: S3Config | None = None,
    concurrency: int = 1,
    **settings: Any,
) -> tuple[BackendExecutor, ContainerBackend]:
    options: dict[str, Any] = {"default_image": engine.image, **settings}
    backend = ContainerBackend(
        Settings(docker_host=engine.url, work_dir=work_dir, **options), hardware=hardware, s3=s3
    )
    executor = backend_executor(
        backend, T, admission=backend.admission, concurrency=concurrency, hardware=hardware
    )
    return attach(executor, client), backend


def container_spec(cmd: str, **fields: Any) -> FunctionSpec:
    """A ColonyOS container spec: funcname execute, kwargs.cmd, and ``fields``
    (``kwargs`` entries by their names, ``cpu``/``mem``/``gpus``/``maxexectime``/``env``)."""
    conditions = Conditions(
        colony_name=COLONY,
        executor_type=T,
        cpu=fields.pop("cpu", ""),
        mem=fields.pop("mem", ""),
        gpu=Gpu(count=fields.pop("gpus", 0)),
    )
    spec: dict[str, Any] = {
        "funcname": "execute",
        "maxexectime": fields.pop("maxexectime", -1),
        "env": fields.pop("env", {}),
        "kwargs": {"cmd": cmd, **fields},
    }
    made = FunctionSpec.model_validate(spec)
    made.conditions = conditions
    return made


async def submit(client: ColoniesClient, cmd: str, **fields: Any) -> Process:
    return await client.submit(container_spec(cmd, **fields), key=SUBMITTER)


async def get(client: ColoniesClient, process: Process) -> Process:
    return await client.get_process(process.process_id, key=SUBMITTER)


async def logs(client: ColoniesClient, process: Process) -> list[str]:
    found = await client.get_logs(process_id=process.process_id, colony=COLONY, key=SUBMITTER)
    return [e.message.rstrip("\n") for e in found]


def report(process: Process) -> dict[str, Any]:
    values = {a.key: a.value for a in process.attributes}
    data: dict[str, Any] = json.loads(values["resources"])
    return data
