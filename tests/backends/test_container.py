"""The container back end against a real engine (Podman's Docker-compatible API)."""

from __future__ import annotations

from pathlib import Path

from colonies.backends.common import run_backend
from colonies.client import ColoniesClient
from colonies.core import ProcessState
from tests.backends.conftest import Engine
from tests.backends.util import container_executor, get, logs, report, submit
from tests.conftest import Colony


async def test_runs_a_container_spec_and_reports_reasons(
    engine: Engine, client: ColoniesClient, colony: Colony, tmp_path: Path
) -> None:
    ex, backend = container_executor(engine, client, tmp_path / "work", concurrency=4)
    ok = await submit(client, "echo one; echo two {processid}; echo err >&2")
    oom = await submit(client, "head -c 200m /dev/zero | tail", mem="32Mi")
    slow = await submit(client, "sleep 30", maxexectime=2)
    failing = await submit(client, "echo about to fail; exit 3")
    await run_backend(ex, backend, burst=True)

    done = await get(client, ok)
    assert done.state == ProcessState.SUCCESS, done.errors
    assert done.output == [f"two {ok.process_id}"]
    assert set(await logs(client, ok)) == {"one", f"two {ok.process_id}", "err"}
    used = report(done)
    assert used["wall_s"] > 0
    failed = await get(client, oom)
    assert failed.errors[0].startswith("oom: "), failed.errors
    timed_out = await get(client, slow)
    assert timed_out.errors[0].startswith("timeout: "), timed_out.errors
    exited = await get(client, failing)
    assert exited.errors == ["exit: the container exited with status 3: about to fail"]
    assert not await backend_containers(engine)


async def backend_containers(engine: Engine) -> list[str]:
    return [
        line
        for line in engine.podman("ps", "-a", "--format", "{{.Names}}").splitlines()
        if line.startswith("colonies-")
    ]
