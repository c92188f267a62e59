"""Staging URIs on Slurm: inputs and resources land in the job's working directory on the
shared filesystem before ``sbatch``; ``output/`` goes up once the job has ended."""

from __future__ import annotations

import json
from pathlib import Path

from aiohttp.test_utils import TestServer

from colonies.client import ColoniesClient
from colonies.core import ProcessState
from colonies.fs import Fs, S3Config, S3Store
from tests.conftest import COLONY, EXECUTOR_KEY, Colony
from tests.slurm.cluster import SlurmCluster
from tests.slurm.util import hpc_spec, make_slurm_executor, serving, wait_for, wait_state

FINAL = {ProcessState.SUCCESS, ProcessState.FAILED, ProcessState.CANCELLED}


async def _logs(client: ColoniesClient, process_id: str) -> list[str]:
    entries = await client.get_logs(
        process_id=process_id, count=200, colony=COLONY, key=EXECUTOR_KEY
    )
    return [line for e in entries for line in e.message.splitlines()]


async def test_inputs_and_resources_in_the_work_dir_and_output_up_also_on_failure(
    slurm_cluster: SlurmCluster,
    server: TestServer,
    colony: Colony,
    client: ColoniesClient,
    store: S3Store,
    fs: Fs,
    s3_config: S3Config,
    tmp_path: Path,
) -> None:
    b = s3_config.bucket
    (tmp_path / "in.txt").write_text("from s3\n")
    await store.upload(tmp_path / "in.txt", "in/s3.txt")
    (tmp_path / "ref.txt").write_text("reference\n")
    await store.upload(tmp_path / "ref.txt", "ref/ref.txt")
    await fs.upload_bytes(b"from cfs\n", "/data", "c.txt")
    # The job reads input/ and resource/ relative to its working directory, writes output/.
    check = (
        "cat input/s3.txt input/c.txt resource/ref.txt > output/all.txt; pwd > output/pwd.txt; "
        'echo "$COLONIES_WORK_DIR" >> output/pwd.txt; exit {code}'
    )
    staging = {
        "input": [f"s3://{b}/in/s3.txt", "cfs://data/c.txt"],
        "resource": f"s3://{b}/ref/ref.txt",
        "output": f"s3://{b}/out/{{processid}}/",
    }
    workdir = tmp_path / "shared"
    async with serving(make_slurm_executor(server, workdir, s3=s3_config)):
        procs = [
            await client.submit(
                hpc_spec("", kwargs={"cmd": check.format(code=code), **staging}),
                key=EXECUTOR_KEY,
            )
            for code in (0, 5)
        ]
        done = [await wait_state(client, p.process_id, FINAL, EXECUTOR_KEY) for p in procs]
    ok, failed = done
    assert ok.state == ProcessState.SUCCESS, (ok.errors, await _logs(client, ok.process_id))
    assert failed.state == ProcessState.FAILED
    assert failed.errors[0].startswith("exit: the job failed with exit code 5")
    for p in done:
        got = tmp_path / f"{p.process_id}.all"
        await store.download(f"out/{p.process_id}/all.txt", got)
        assert got.read_text() == "from s3\nfrom cfs\nreference\n"
        where = tmp_path / f"{p.process_id}.pwd"
        await store.download(f"out/{p.process_id}/pwd.txt", where)
        work = str(workdir.resolve() / ".colonies-slurm" / p.process_id / "work")
        assert where.read_text().split() == [work, work]
        lines = await _logs(client, p.process_id)
        assert any(
            line.startswith(f"staging: input s3://{b}/in/s3.txt: 1 file, 8 B") for line in lines
        )
        assert any(line.startswith("staging: input cfs://data/c.txt: 1 file") for line in lines)
        assert any(line.startswith(f"staging: output s3://{b}/out/") for line in lines)
        report = json.loads({a.key: a.value for a in p.attributes}["resources"])
        assert report["staged_in_bytes"] > 0 and report["staged_out_bytes"] > 0
        assert not Path(work).exists()  # the staged files go once they are up


async def test_fs_mounts_are_on_the_shared_filesystem_for_the_job_and_synced_back(
    slurm_cluster: SlurmCluster,
    server: TestServer,
    colony: Colony,
    client: ColoniesClient,
    fs: Fs,
    s3_config: S3Config,
    tmp_path: Path,
) -> None:
    """An ``fs.dirs`` mount is synced down before ``sbatch`` and back after the job: the job
    (on the node, under srun) reads and writes the mounted directory."""
    await fs.upload_bytes(b"mounted\n", "/mnt-data", "in.txt")
    shared = tmp_path / "shared"
    mount = {
        "mount": str(shared / "cfs"),
        "dirs": [
            {
                "label": "/mnt-data",
                "dir": "data",
                "keepfiles": False,
                "onconflicts": {"onstart": {"keeplocal": False}, "onclose": {"keeplocal": True}},
            }
        ],
    }
    spec = hpc_spec("cat cfs/data/in.txt > cfs/data/out.txt; echo ok", fs=mount)
    async with serving(make_slurm_executor(server, shared)):
        process = await client.submit(spec, key=EXECUTOR_KEY)
        done = await wait_state(client, process.process_id, FINAL, EXECUTOR_KEY)
    assert done.state == ProcessState.SUCCESS, (
        done.errors,
        await _logs(client, process.process_id),
    )
    [written] = await fs.api.get_file(label="/mnt-data", name="out.txt")
    got = await fs.download(written, tmp_path / "out.txt")
    assert got.read_text() == "mounted\n"
    assert not (shared / "cfs" / "data").exists()  # keepfiles false


async def test_a_cancelled_staged_job_leaves_no_staged_files(
    slurm_cluster: SlurmCluster,
    server: TestServer,
    colony: Colony,
    client: ColoniesClient,
    store: S3Store,
    s3_config: S3Config,
    tmp_path: Path,
) -> None:
    (tmp_path / "in.txt").write_text("x\n")
    await store.upload(tmp_path / "in.txt", "in/x.txt")
    shared = tmp_path / "shared"
    spec = hpc_spec("", kwargs={"cmd": "sleep 60", "input": f"s3://{s3_config.bucket}/in/x.txt"})
    async with serving(make_slurm_executor(server, shared, s3=s3_config)):
        process = await client.submit(spec, key=EXECUTOR_KEY)
        work = shared.resolve() / ".colonies-slurm" / process.process_id / "work"

        async def submitted() -> bool:
            found = await client.get_process(process.process_id, key=EXECUTOR_KEY)
            return any(a.key == "slurm_job_id" for a in found.attributes)

        await wait_for(submitted, "the job's submission")
        assert (work / "input" / "x.txt").read_text() == "x\n"
        await client.cancel(process.process_id, key=EXECUTOR_KEY)

        async def removed() -> bool:
            return not work.exists()

        await wait_for(removed, "the staged files to go")
