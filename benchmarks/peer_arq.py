"""The arq side of ``peers.py``: a no-op job on Redis (``arq peer_arq.WorkerSettings``)."""

from __future__ import annotations

import os
from typing import Any, ClassVar

from arq.connections import RedisSettings


async def noop(ctx: dict[str, Any]) -> None:
    return None


class WorkerSettings:
    functions: ClassVar[list[Any]] = [noop]
    redis_settings = RedisSettings.from_dsn(os.environ.get("PEER_REDIS_URL", "redis://127.0.0.1"))
    max_jobs = int(os.environ.get("PEER_ARQ_JOBS", "16"))
    poll_delay = 0.01
    keep_result = 60
