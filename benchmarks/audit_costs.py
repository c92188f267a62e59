"""Benchmark: what one audit entry costs, measured without neighbours' noise.

Starts a throwaway PostgreSQL (the dev server's settings) and measures the CPU of
``AuditWriter.record`` (the only part in the request path) and, per batch size, the
server's and all PostgreSQL processes' CPU per row written by ``AuditStore.add_many``
(batches a few ms apart, as the writer sends them, so the WAL writer's work is counted).

    .venv/bin/python benchmarks/audit_costs.py
"""

from __future__ import annotations

import asyncio
import os
import tempfile
import time
from pathlib import Path

from colonies.config import Settings
from colonies.core import Process, utc_now
from colonies.db import Database
from colonies.db.audit import AuditRow
from colonies.db.migrate import migrate
from colonies.db.pool import create_pool
from colonies.localpg import DEV_SETTINGS, LocalPostgres
from colonies.rpc.process import SubmitFunctionSpecMsg
from colonies.server.audit import AuditWriter
from colonies.server.metrics import Metrics
from colonies.server.router import Checked, Ctx

TICK = os.sysconf("SC_CLK_TCK")


def tree_cpu(root: int) -> float:
    """CPU seconds of a process and all its descendants (from /proc)."""
    children: dict[int, list[tuple[int, float]]] = {}
    own = 0.0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            fields = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        cpu = (int(fields[11]) + int(fields[12])) / TICK
        if int(entry) == root:
            own = cpu
        children.setdefault(int(fields[1]), []).append((int(entry), cpu))
    total, todo = own, [root]
    while todo:
        for pid, cpu in children.get(todo.pop(), []):
            total += cpu
            todo.append(pid)
    return total


async def measure(pg: LocalPostgres) -> None:
    pool = await create_pool(pg.dsn, min_size=1, max_size=1)
    async with pool.acquire() as conn:
        await migrate(conn)
    db = Database.over(pool)
    writer = AuditWriter(Settings(audit_buffer=10**7), Metrics())
    spec = {"funcname": "f", "conditions": {"colonyname": "test", "executortype": "cli"}}
    msg = SubmitFunctionSpecMsg.model_validate({"spec": spec})
    ctx = Ctx(db, Settings(), None, None, None, "cd" * 32)  # type: ignore[arg-type]
    ctx.checked = Checked("test", "executor", "worker")
    result = Process(process_id="ab" * 32)
    calls = 100_000
    started = time.process_time()
    for _ in range(calls):
        writer.record("submitfuncspecmsg", ctx, msg, result, 200)
    print(f"record(): {(time.process_time() - started) / calls * 1e6:.1f} µs of server CPU")

    postmaster = int((pg.data_dir / "postmaster.pid").read_text().split()[0])
    row = AuditRow(utc_now(), "cd" * 32, "executor", "w", "submitfuncspecmsg", "test", "x", 200)
    for size in (1, 24, 100, 240):
        batches = 24_000 // size
        pg_before, before = tree_cpu(postmaster), time.process_time()
        for _ in range(batches):
            await db.audit.add_many([row] * size)
            await asyncio.sleep(0.002)
        server = time.process_time() - before
        await asyncio.sleep(1.0)  # the WAL writer's share of these commits
        rows = batches * size
        print(
            f"batches of {size:3}: server {server / rows * 1e6:5.1f} µs/row, "
            f"PostgreSQL {(tree_cpu(postmaster) - pg_before) / rows * 1e6:6.1f} µs/row"
        )
    await pool.close()


def main() -> None:
    with tempfile.TemporaryDirectory(prefix="colonies-audit-costs-") as tmp:
        os.chmod(tmp, 0o755)  # PostgreSQL runs as an unprivileged user when we are root
        pg = LocalPostgres(Path(tmp) / "pg", settings=DEV_SETTINGS)
        pg.init()
        pg.start()
        try:
            asyncio.run(measure(pg))
        finally:
            pg.stop()


if __name__ == "__main__":
    main()
