from __future__ import annotations

import asyncio
from pathlib import Path

from colonies.fs import Fs, sync


async def test_bench(fs: Fs, tmp_path: Path) -> None:
    src, dst = tmp_path / "s", tmp_path / "d"
    for i in range(1000):
        p = src / f"d{i % 20}" / f"f{i}.txt"
        p.parent.mkdir(parents=True, exist_ok=True)
        p.write_text(f"file {i}" * 10)
    loop = asyncio.get_running_loop()
    for workers in (16, 32):
        t0 = loop.time()
        await sync(fs, src, f"/b{workers}", workers=workers)
        up = loop.time() - t0
        t0 = loop.time()
        await sync(fs, dst / str(workers), f"/b{workers}", workers=workers)
        down = loop.time() - t0
        t0 = loop.time()
        plan = await sync(fs, src, f"/b{workers}")
        noop = loop.time() - t0
        assert plan.empty
        print(f"\n1000 files workers={workers}: up {up:.1f}s down {down:.1f}s in-sync {noop:.2f}s")
