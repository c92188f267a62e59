"""Upload then download one file in a process of its own, tracing memory: the moto server
of the tests keeps objects in memory, so the client is measured apart from it.

Usage: python -m tests.fs.memprobe PATH LABEL DEST (COLONIES_* and AWS_S3_* from the env).
Prints JSON: peak Python allocations (tracemalloc) and seconds of each direction, the peak
resident set size before the transfers (after a warm-up transfer) and the peak after them, the
checksum and the download path.
"""

from __future__ import annotations

import asyncio
import json
import resource
import sys
import time
import tracemalloc
from pathlib import Path

from colonies.client import ColoniesClient
from colonies.config import ClientSettings
from colonies.fs import Fs, S3Config, S3Store


def _rss() -> int:
    """Resident set size of this process now, in bytes."""
    pages = int(Path("/proc/self/statm").read_text().split()[1])
    return pages * resource.getpagesize()


def _max_rss() -> int:
    """Peak resident set size of this process so far, in bytes (Linux reports KiB)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024


async def main(path: Path, label: str, dest: Path) -> dict[str, object]:
    settings = ClientSettings.from_env()
    async with ColoniesClient.from_env(settings) as client:
        fs = Fs(client, S3Store(S3Config.from_env()))
        await fs.store.ensure_bucket()
        await client.version()  # the client's transport (aiohttp) loads on its first request
        # A warm-up transfer of 24 MB (multipart, all transfer threads) loads what every
        # transfer needs once (botocore's service model, the thread pools and their malloc
        # arenas), so the growth measured below is what the 100 MB file itself costs.
        warm = dest.parent / "warm-up.bin"
        warm.parent.mkdir(parents=True, exist_ok=True)
        warm.write_bytes(b"w" * (24 * 1024 * 1024))
        warmed = await fs.upload(warm, label + "-warm-up")
        await fs.download(warmed, warm)
        warm.unlink()
        rss_before = _rss()
        tracemalloc.start()
        t0 = time.monotonic()
        f = await fs.upload(path, label)
        up = time.monotonic() - t0
        peak_up = tracemalloc.get_traced_memory()[1]
        tracemalloc.reset_peak()
        t0 = time.monotonic()
        out = await fs.download(f, dest)
        down = time.monotonic() - t0
        peak_down = tracemalloc.get_traced_memory()[1]
        tracemalloc.stop()
        return {
            "peak_up": peak_up,
            "peak_down": peak_down,
            "rss_before": rss_before,
            "rss_peak": _max_rss(),
            "up_s": up,
            "down_s": down,
            "checksum": f.checksum,
            "path": str(out),
        }


if __name__ == "__main__":
    result = asyncio.run(main(Path(sys.argv[1]), sys.argv[2], Path(sys.argv[3])))
    print(json.dumps(result))
