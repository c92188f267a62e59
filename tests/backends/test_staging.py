"""Staging (scitq's model) through the container back end against Podman and moto S3."""

from __future__ import annotations

import gzip
import io
import tarfile
import zipfile
from pathlib import Path

from colonies.backends.common import run_backend
from colonies.client import ColoniesClient
from colonies.core import ProcessState
from colonies.fs import Fs, S3Config, S3Store
from tests.backends.conftest import Engine
from tests.backends.util import container_executor, get, logs, report, submit
from tests.conftest import Colony


def tar_bytes(files: dict[str, bytes], mode: str = "w:gz") -> bytes:
    buf = io.BytesIO()
    with tarfile.open(fileobj=buf, mode=mode) as tar:  # type: ignore[call-overload]
        for name, data in files.items():
            info = tarfile.TarInfo(name)
            info.size = len(data)
            tar.addfile(info, io.BytesIO(data))
    return buf.getvalue()


def zip_bytes(files: dict[str, bytes]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w") as z:
        for name, data in files.items():
            z.writestr(name, data)
    return buf.getvalue()


async def put(store: S3Store, key: str, data: bytes, tmp: Path) -> None:
    path = tmp / key.replace("/", "_")
    path.write_bytes(data)
    await store.upload(path, key)


async def test_every_action_and_the_output(
    engine: Engine,
    client: ColoniesClient,
    colony: Colony,
    store: S3Store,
    fs: Fs,
    s3_config: S3Config,
    tmp_path: Path,
) -> None:
    b = s3_config.bucket
    await put(store, "in/pack.tgz", tar_bytes({"pack/a.txt": b"A\n"}), tmp_path)
    await put(store, "in/notes.txt.gz", gzip.compress(b"N\n"), tmp_path)
    await put(store, "in/one.txt", b"1\n", tmp_path)
    await put(store, "in/two.txt", b"2\n", tmp_path)
    await put(store, "ref/genome.tar.bz2", tar_bytes({"g.fa": b">g\nACGT\n"}, "w:bz2"), tmp_path)
    await fs.upload_bytes(zip_bytes({"z/z.txt": b"Z\n"}), "/data", "z.zip")
    local = tmp_path / "local"
    local.mkdir()
    (local / "l.txt").write_text("L\n")
    check = (
        "cat /input/pack/a.txt /input/notes.txt /input/one.txt /input/two.txt "
        "/input/sub/z/z.txt /input/l.txt /resource/g.fa > /output/all.txt && "
        "ls /input > /output/inputs.txt && "
        "! touch /resource/x 2>/dev/null && echo done"
    )
    proc = await submit(
        client,
        check,
        input=[
            f"s3://{b}/in/pack.tgz|untar",
            f"s3://{b}/in/notes.txt.gz|gunzip",
            f"s3://{b}/in/*.txt",
            "cfs://data/z.zip|untar|mv:sub",
            str(local / "l.txt"),
        ],
        resource=f"s3://{b}/ref/genome.tar.bz2|untar",
        output=f"s3://{b}/out/{{processid}}/",
    )
    refused = await submit(client, "true", output=f"s3://{b}/out|untar")
    not_local = await submit(client, "true", input="/etc/hostname")
    ex, _backend = container_executor(
        engine, client, tmp_path / "work", s3=s3_config, allow_local=[local]
    )
    await run_backend(ex, burst=True)

    done = await get(client, proc)
    assert done.state == ProcessState.SUCCESS, (done.errors, await logs(client, proc))
    assert done.output == ["done"]
    got = tmp_path / "all.txt"
    await store.download(f"out/{proc.process_id}/all.txt", got)
    assert got.read_text() == "A\nN\n1\n2\nZ\n L\n>g\nACGT\n".replace(" ", "")
    listing = tmp_path / "inputs.txt"
    await store.download(f"out/{proc.process_id}/inputs.txt", listing)
    assert listing.read_text().split() == [
        "l.txt",
        "notes.txt",
        "one.txt",
        "pack",
        "sub",
        "two.txt",
    ]
    lines = await logs(client, proc)
    assert any(
        line.startswith(f"staging: input s3://{b}/in/*.txt: 2 files, 4 B in") for line in lines
    )
    assert any(line.startswith(f"staging: output s3://{b}/out/") for line in lines)
    assert report(done)["staged_in_bytes"] > 0 and report(done)["staged_out_bytes"] > 0
    assert (await get(client, refused)).errors[0].startswith("spec: output ")
    assert "allowed only below" in (await get(client, not_local)).errors[0]


async def test_a_shared_resource_is_fetched_once_and_output_goes_up_on_failure(
    engine: Engine,
    client: ColoniesClient,
    colony: Colony,
    store: S3Store,
    s3_config: S3Config,
    tmp_path: Path,
) -> None:
    b = s3_config.bucket
    await put(store, "ref/big.bin", b"x" * 100_000, tmp_path)
    procs = [
        await submit(
            client,
            f"wc -c < /resource/big.bin > /output/n.txt; exit {code}",
            resource=f"s3://{b}/ref/big.bin",
            output=f"s3://{b}/out/{{processid}}",
        )
        for code in (0, 0, 4)
    ]
    ex, backend = container_executor(engine, client, tmp_path / "work", s3=s3_config, concurrency=3)
    await run_backend(ex, burst=True)

    assert backend.stager.resource_fetches == 1
    cached = 0
    for proc in procs:
        cached += any("from the cache" in line for line in await logs(client, proc))
        n = tmp_path / f"{proc.process_id}.txt"
        await store.download(f"out/{proc.process_id}/n.txt", n)
        assert n.read_text().strip() == "100000"
    assert cached == 2
    assert (await get(client, procs[2])).errors[0].startswith("exit: ")
