"""What one running dashboard holds: the client, the keys, and the charts' history."""

from __future__ import annotations

import itertools
import time
from collections import deque
from dataclasses import dataclass, field
from typing import Any

from aiohttp import web

from colonies.client import ColoniesClient
from colonies.core import Statistics
from colonies.dashboard.roles import Keys

HOUR_S = 3600
SAMPLE_S = 5.0


@dataclass
class History:
    """Samples of one colony's statistics for the last hour, one per SAMPLE_S at most."""

    samples: deque[tuple[float, int, int, int]] = field(
        default_factory=lambda: deque(maxlen=int(HOUR_S / SAMPLE_S) + 2)
    )
    """(unix time, waiting, running, finished so far)."""

    def add(self, stats: Statistics, now: float | None = None) -> None:
        now = time.time() if now is None else now
        finished = stats.successful_processes + stats.failed_processes
        sample = (now, stats.waiting_processes, stats.running_processes, finished)
        if self.samples and now - self.samples[-1][0] < SAMPLE_S:
            self.samples[-1] = sample  # the newest sample stands for its interval
        else:
            self.samples.append(sample)

    def charts(self, now: float | None = None) -> dict[str, Any]:
        """Queue depth per sample and processes finished per minute, for uPlot."""
        now = time.time() if now is None else now
        recent = [s for s in self.samples if now - s[0] <= HOUR_S]
        minutes: dict[int, int] = {}
        for (_t0, _, _, before), (t1, _, _, after) in itertools.pairwise(recent):
            minute = int(t1 // 60) * 60
            minutes[minute] = minutes.get(minute, 0) + max(after - before, 0)
        return {
            "queue": [
                [s[0] for s in recent],
                [s[1] for s in recent],
                [s[2] for s in recent],
            ],
            "throughput": [list(minutes), list(minutes.values())],
        }


@dataclass
class Dashboard:
    client: ColoniesClient
    keys: Keys
    colony: str
    """The colony shown first (COLONIES_COLONY_NAME)."""
    poll_s: float = 1.0
    """How often lists and statistics are read while a page shows them."""
    log_poll_s: float = 0.25
    """How often a shown process's log is read (the protocol has no log event)."""
    page_size: int = 50
    histories: dict[str, History] = field(default_factory=dict)

    def history(self, colony: str) -> History:
        return self.histories.setdefault(colony, History())


DASHBOARD = web.AppKey("dashboard", Dashboard)
