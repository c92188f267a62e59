"""The Celery side of ``peers.py``: a no-op task on a Redis broker and result backend.

The worker is started as ``celery -A peer_celery worker`` from this directory; the broker
URL comes from ``PEER_REDIS_URL``. Settings as in issue 17: late acknowledgement and a
prefetch of one, so a task is taken off the queue only when a pool slot is free.
"""

from __future__ import annotations

import os

from celery import Celery


def make_app(url: str = "") -> Celery:
    url = url or os.environ.get("PEER_REDIS_URL", "redis://127.0.0.1:6379/0")
    app = Celery("peer_celery", broker=url, backend=url)
    app.conf.update(
        task_acks_late=True,
        worker_prefetch_multiplier=1,
        broker_connection_retry_on_startup=True,
        worker_hijack_root_logger=False,
        task_serializer="json",
        result_serializer="json",
        accept_content=["json"],
    )
    return app


app = make_app()


@app.task(name="peer_celery.noop")  # type: ignore[untyped-decorator]
def noop() -> None:
    return None
