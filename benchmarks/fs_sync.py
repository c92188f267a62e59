"""`colonies fs sync` throughput: 1,000 small files, then one 1 GB file, up and down.

Starts its own S3 endpoint (moto's server mode in a separate process, so it does not share
the client's interpreter) unless --use-env-s3 is given, and runs the real command line,
`colonies fs sync --yes --quite`, as a subprocess for every measurement. The Colonies
server comes from the environment, as `colonies dev` writes it:

    source .colonies-dev/env
    .venv/bin/python benchmarks/fs_sync.py [--files 1000] [--big-mb 1024] [--workdir /tmp]

Prints one JSON object; wall times include starting the CLI (reported as `cli_start_s`: a
sync with nothing to transfer).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import uuid
from pathlib import Path

import boto3

MB = 1024 * 1024
COLONIES = str(Path(sys.executable).parent / "colonies")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def start_moto() -> tuple[subprocess.Popen[bytes], str]:
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "moto.server", "-H", "127.0.0.1", "-p", str(port)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    client = boto3.client(
        "s3",
        endpoint_url=f"http://127.0.0.1:{port}",
        aws_access_key_id="bench",
        aws_secret_access_key="bench",
        region_name="us-east-1",
    )
    for _ in range(300):
        try:
            client.list_buckets()
            return proc, f"127.0.0.1:{port}"
        except Exception:
            time.sleep(0.1)
    proc.kill()
    raise RuntimeError("moto server did not start")


def sync(env: dict[str, str], label: str, directory: Path) -> float:
    t0 = time.perf_counter()
    subprocess.run(
        [COLONIES, "fs", "sync", "-l", label, "-d", str(directory), "--yes", "--quite"],
        env=env,
        check=True,
    )
    return time.perf_counter() - t0


def small_files(root: Path, count: int) -> int:
    total = 0
    for i in range(count):
        path = root / f"d{i % 10}" / f"file{i:05d}.txt"
        path.parent.mkdir(parents=True, exist_ok=True)
        data = os.urandom(512 + (i * 37) % 3584)  # 0.5-4 KiB
        path.write_bytes(data)
        total += len(data)
    return total


def big_file(path: Path, size: int) -> str:
    h = hashlib.sha256()
    block = os.urandom(MB)
    with path.open("wb") as f:
        for i in range(size // MB):
            chunk = i.to_bytes(8, "big") + block[8:]
            f.write(chunk)
            h.update(chunk)
    return h.hexdigest()


def single_get(env: dict[str, str], size: int) -> float:
    """Seconds for one plain streaming GET of the largest object (no ranges, discarded):
    what the endpoint serves without the parallel ranged GETs of a multipart download."""
    client = boto3.client(
        "s3",
        endpoint_url=f"http://{env['AWS_S3_ENDPOINT']}",
        aws_access_key_id=env["AWS_S3_ACCESSKEY"],
        aws_secret_access_key=env["AWS_S3_SECRETKEY"],
        region_name=env.get("AWS_S3_REGION") or "us-east-1",
    )
    bucket = env["AWS_S3_BUCKET"]
    objects = client.list_objects_v2(Bucket=bucket).get("Contents", [])
    key = max(objects, key=lambda o: o["Size"])["Key"]
    t0 = time.perf_counter()
    body = client.get_object(Bucket=bucket, Key=key)["Body"]
    got = sum(len(chunk) for chunk in iter(lambda: body.read(MB), b""))
    assert got == size
    return time.perf_counter() - t0


def sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(MB):
            h.update(block)
    return h.hexdigest()


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--files", type=int, default=1000)
    ap.add_argument("--big-mb", type=int, default=1024)
    ap.add_argument("--workdir", default=tempfile.gettempdir())
    ap.add_argument("--use-env-s3", action="store_true", help="Use AWS_S3_* as they are.")
    args = ap.parse_args()
    for var in ("COLONIES_SERVER_PORT", "COLONIES_PRVKEY", "COLONIES_COLONY_NAME"):
        if var not in os.environ:
            sys.exit(f"{var} is not set: source the env file of `colonies dev` first")
    needed = args.big_mb * MB * 2 + 200 * MB  # the file, its downloaded copy, small files
    free = shutil.disk_usage(args.workdir).free
    if free < needed * 2:  # moto keeps a copy too when it runs on the same disk
        sys.exit(f"{args.workdir}: {free // MB} MB free, need about {needed * 2 // MB} MB")

    env = dict(os.environ)
    moto = None
    if not args.use_env_s3:
        moto, endpoint = start_moto()
        env |= {
            "AWS_S3_ENDPOINT": endpoint,
            "AWS_S3_ACCESSKEY": "bench",
            "AWS_S3_SECRETKEY": "bench",
            "AWS_S3_REGION": "us-east-1",
            "AWS_S3_TLS": "false",
            "AWS_S3_SKIPVERIFY": "false",
            "AWS_S3_BUCKET": "bench",
        }
    run = uuid.uuid4().hex[:8]
    work = Path(tempfile.mkdtemp(prefix="fs-bench-", dir=args.workdir))
    result: dict[str, object] = {"files": args.files, "big_mb": args.big_mb}
    try:
        src, dst = work / "small-up", work / "small-down"
        size = small_files(src, args.files)
        up = sync(env, f"/bench-{run}/small", src)
        result["cli_start_s"] = round(sync(env, f"/bench-{run}/small", src), 2)
        down = sync(env, f"/bench-{run}/small", dst)
        assert sum(1 for p in dst.rglob("*.txt")) == args.files
        result["small"] = {
            "bytes": size,
            "up_s": round(up, 2),
            "up_files_per_s": round(args.files / up),
            "down_s": round(down, 2),
            "down_files_per_s": round(args.files / down),
        }

        big_src, big_dst = work / "big-up", work / "big-down"
        big_src.mkdir()
        checksum = big_file(big_src / "big.bin", args.big_mb * MB)
        up = sync(env, f"/bench-{run}/big", big_src)
        down = sync(env, f"/bench-{run}/big", big_dst)
        assert sha256(big_dst / "big.bin") == checksum
        one_get = single_get(env, args.big_mb * MB)
        result["big"] = {
            "up_s": round(up, 2),
            "up_mb_per_s": round(args.big_mb / up),
            "down_s": round(down, 2),
            "down_mb_per_s": round(args.big_mb / down),
            "one_plain_get_mb_per_s": round(args.big_mb / one_get),
        }
    finally:
        shutil.rmtree(work, ignore_errors=True)
        subprocess.run(
            [COLONIES, "fs", "label", "remove", "-l", f"/bench-{run}", "--yes"],
            env=env,
            stdout=subprocess.DEVNULL,
            check=False,
        )
        if moto is not None:
            moto.terminate()
            moto.wait()
    print(json.dumps(result, indent=2))


if __name__ == "__main__":
    main()
