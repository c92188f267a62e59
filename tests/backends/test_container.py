"""The container back end against a real engine (Podman's Docker-compatible API)."""

from __future__ import annotations

import asyncio
import json
import time
from pathlib import Path

import asyncpg
import pytest
from aiohttp.test_utils import TestServer

from colonies.backends.common import run_backend
from colonies.client import ColoniesClient
from colonies.core import Hardware, ProcessState
from colonies.fs import S3Config, S3Store
from tests.backends.conftest import Engine
from tests.backends.util import container_executor, get, logs, report, submit
from tests.cli.conftest import client_env, run_cli
from tests.conftest import Colony
from tests.sdk.util import SUBMITTER, FirstLogSlow, until


async def test_runs_a_container_spec_and_reports_reasons(
    engine: Engine, client: ColoniesClient, colony: Colony, tmp_path: Path
) -> None:
    ex, _backend = container_executor(engine, client, tmp_path / "work", concurrency=4)
    ok = await submit(client, "echo one; echo two {processid}; echo err >&2")
    oom = await submit(client, "head -c 200m /dev/zero | tail", mem="32Mi")
    slow = await submit(client, "sleep 30", maxexectime=2)
    failing = await submit(client, "echo about to fail; exit 3")
    # killed by a signal (status 137) under a memory limit, but not by the OOM killer
    sigkill = await submit(client, "sleep 30 & kill -9 $!; wait $!", mem="32Mi")
    await run_backend(ex, burst=True)

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
    killed = await get(client, sigkill)
    assert killed.errors[0].startswith("exit: the container exited with status 137"), killed.errors
    assert not await backend_containers(engine)


@pytest.mark.timeout(240)  # 5,000 log RPCs: about 11 s on a quiet machine, minutes under load
async def test_every_line_reaches_the_log_before_the_close(
    engine: Engine, client: ColoniesClient, colony: Colony, dsn: str, tmp_path: Path
) -> None:
    # Far more lines, printed at once, than the log can take in the seconds after the
    # container ends: the process closes only once every line is in its log.
    ex, _backend = container_executor(engine, client, tmp_path / "work")
    burst = await submit(client, "seq 1 5000; printf 'nul\\0byte\\n'; echo last >&2")
    await run_backend(ex, burst=True)
    done = await get(client, burst)
    assert done.state == ProcessState.SUCCESS, done.errors
    # read in the order the server stored them (log_seq): the entries' timestamps are the
    # server's wall clock, which a loaded machine may step back, so paging by time can skip
    conn = await asyncpg.connect(dsn)
    try:
        rows = await conn.fetch(
            "SELECT message FROM logs WHERE process_id = $1 ORDER BY log_seq", done.process_id
        )
    finally:
        await conn.close()
    messages = [r["message"] for r in rows]
    # every line once (Podman's follow stream may skip a run of lines under load; those
    # come late, from the whole log, so only the order of a skipped run can differ)
    expected = [f"{n}\n" for n in range(1, 5001)] + ["nulbyte\n", "last\n"]
    assert sorted(messages) == sorted(expected)
    assert done.output == ["nulbyte"]  # a NUL would make the server refuse the close


async def test_output_lines_keep_their_order_when_a_post_is_slow(
    engine: Engine, server: TestServer, client: ColoniesClient, colony: Colony, tmp_path: Path
) -> None:
    """stdout and stderr are followed apart, but their lines are posted one at a time: a
    slow post is not overtaken by the other stream's next line."""
    url = str(server.make_url("")).rstrip("/")
    async with FirstLogSlow(url, "fetching shard 7", "reset") as slow:
        ex, _backend = container_executor(engine, slow, tmp_path / "work")
        proc = await submit(client, "echo 'fetching shard 7'; sleep 0.3; echo reset >&2")
        await run_backend(ex, burst=True)
    lines = [line for line in await logs(client, proc) if not line.startswith("container:")]
    assert lines == ["fetching shard 7", "reset"]


async def backend_containers(engine: Engine) -> list[str]:
    return [
        line
        for line in engine.podman("ps", "-a", "--format", "{{.Names}}").splitlines()
        if line.startswith("colonies-")
    ]


async def test_admission_by_cpu_and_mem(
    engine: Engine, client: ColoniesClient, colony: Colony, tmp_path: Path
) -> None:
    two_cpus = Hardware(cpu="2000m")
    ex, backend = container_executor(
        engine, client, tmp_path / "w1", hardware=two_cpus, concurrency=4
    )
    cpu_bound = [await submit(client, "sleep 1", cpu="1000m") for _ in range(4)]
    too_big = await submit(client, "true", cpu="3000m")
    await run_backend(ex, burst=True)
    assert backend.admission.peak_running == 2
    assert [(await get(client, p)).state for p in cpu_bound] == [ProcessState.SUCCESS] * 4
    assert (await get(client, too_big)).state == ProcessState.WAITING
    await client.remove_process(too_big.process_id, key=SUBMITTER)

    one_gib = Hardware(mem="1Gi")
    ex, backend = container_executor(
        engine, client, tmp_path / "w2", hardware=one_gib, concurrency=3
    )
    mem_bound = [await submit(client, "sleep 1", mem="600Mi") for _ in range(2)]
    await run_backend(ex, burst=True)
    assert backend.admission.peak_running == 1
    assert [(await get(client, p)).state for p in mem_bound] == [ProcessState.SUCCESS] * 2


async def test_cancel_stops_the_container(
    engine: Engine, client: ColoniesClient, colony: Colony, tmp_path: Path
) -> None:
    ex, _backend = container_executor(engine, client, tmp_path / "work")
    proc = await submit(client, "echo started; sleep 60")
    serving = asyncio.create_task(run_backend(ex))

    async def logged() -> bool:  # the log streams while the container runs
        return "started" in await logs(client, proc)

    try:
        await until(lambda: _has_containers(engine), timeout=20)
        await until(logged, timeout=20)
        started = time.monotonic()
        await client.cancel(proc.process_id, key=SUBMITTER)
        await until(lambda: _no_containers(engine), timeout=10)
        assert time.monotonic() - started < 6
    finally:
        await ex.shutdown(5)
        await serving
    assert (await get(client, proc)).state == ProcessState.CANCELLED


async def _has_containers(engine: Engine) -> bool:
    return bool(await asyncio.to_thread(_names, engine))


async def _no_containers(engine: Engine) -> bool:
    return not await asyncio.to_thread(_names, engine)


def _names(engine: Engine) -> list[str]:
    out = engine.podman("ps", "-a", "--format", "{{.Names}}")
    return [n for n in out.splitlines() if n.startswith("colonies-")]


async def test_bad_specs_fail_with_one_sentence(
    engine: Engine, client: ColoniesClient, colony: Colony, tmp_path: Path
) -> None:
    ex, _backend = container_executor(engine, client, tmp_path / "work", pull="never")
    ex2, _backend2 = container_executor(
        engine, client, tmp_path / "work2", default_image="", pull="missing"
    )
    unknown = await submit(client, "true", **{"docker-image": "localhost/no-such-image:1"})
    await run_backend(ex, burst=True)
    no_image = await submit(client, "true")
    unreachable = await submit(client, "true", **{"docker-image": "127.0.0.1:1/none:1"})
    init = await submit(
        client,
        "cat /tmp/ready",
        **{"docker-image": engine.image, "init-cmd": "echo ok > /tmp/ready"},
    )
    gpu = await submit(client, "true", gpus=1, **{"docker-image": engine.image})
    await run_backend(ex2, burst=True)

    assert (await get(client, unknown)).errors == [
        "pull: image localhost/no-such-image:1 is not on this executor's engine and its "
        "pull policy is never"
    ]
    assert (await get(client, no_image)).errors[0].startswith("spec: the spec names no image")
    assert (
        (await get(client, unreachable))
        .errors[0]
        .startswith("pull: image 127.0.0.1:1/none:1 could not be pulled")
    )
    assert (await get(client, init)).output == ["ok"]
    assert (await get(client, gpu)).errors == [
        "spec: the spec asks for 1 GPU(s) and this executor declares none (--gpus) and has "
        "no GPU runtime (--gpu-runtime)"
    ]
    assert not await backend_containers(engine)


async def test_function_ls_shows_execute_with_the_resources_its_processes_used(
    engine: Engine,
    server: TestServer,
    client: ColoniesClient,
    colony: Colony,
    s3_config: S3Config,
    store: S3Store,
    tmp_path: Path,
) -> None:
    local = tmp_path / "local"
    local.mkdir()
    (local / "data.bin").write_bytes(b"x" * 1000)
    cmd = "cat /input/data.bin > /output/copy.bin; head -c 20m /dev/zero | wc -c; echo ok"
    procs = [
        await submit(
            client,
            cmd,
            input=str(local / "data.bin"),
            output=f"s3://{s3_config.bucket}/fnstats/{{processid}}/",
        )
        for _ in range(2)
    ]
    ex, _backend = container_executor(
        engine, client, tmp_path / "work", s3=s3_config, allow_local=[local]
    )
    ex.configure(unregister=False)  # its functions stay listed after the burst
    await run_backend(ex, burst=True)
    done = [await get(client, p) for p in procs]
    assert [p.state for p in done] == [ProcessState.SUCCESS] * 2, [p.errors for p in done]
    reports = [report(p) for p in done]

    assert server.port is not None
    env = client_env(server.port)
    listed = await asyncio.to_thread(run_cli, ["function", "ls", "--json"], env)
    assert listed.exit_code == 0, listed.output
    functions = json.loads(listed.stdout)
    mine = [f for f in functions if f["executorname"] == ex.name]
    assert [(f["funcname"], f["executortype"], f["counter"]) for f in mine] == [
        ("execute", ex.executor_type, 2)
    ]
    resources = mine[0]["resources"]
    assert resources["reports"] == 2
    assert resources["wallseconds"] == pytest.approx(sum(r["wall_s"] for r in reports))
    assert resources["cpuseconds"] == pytest.approx(sum(r.get("cpu_s", 0) for r in reports))
    assert resources["peakmemmax"] == max(r.get("peak_mem_bytes", 0) for r in reports)
    assert resources["stagedinbytes"] == 2000 == sum(r["staged_in_bytes"] for r in reports)
    assert resources["stagedoutbytes"] == 2000 == sum(r["staged_out_bytes"] for r in reports)

    shown = await asyncio.to_thread(
        run_cli, ["process", "get", "-p", done[0].process_id, "--json"], env
    )
    assert shown.exit_code == 0, shown.output
    attributes = {a["key"]: a["value"] for a in json.loads(shown.stdout)["attributes"]}
    assert json.loads(attributes["resources"]) == reports[0]
    detail = await asyncio.to_thread(run_cli, ["process", "get", "-p", done[0].process_id], env)
    assert detail.exit_code == 0 and "resources" in detail.stdout, detail.output

    table = await asyncio.to_thread(run_cli, ["function", "ls"], env)
    assert table.exit_code == 0, table.output
    cells = [line.strip("│ ").split("│") for line in table.stdout.splitlines()]
    rows = {c[0].strip(): c[1].strip() for c in cells if len(c) == 2}
    assert rows["FuncName"] == "execute" and rows["Reports"] == "2"
    assert rows["StagedIn"] == rows["StagedOut"] == "2.0 KiB"
    assert rows["PeakMemory"] and rows["AvgWallTime"].endswith(" s")
