"""One server process for fault tests: ``python -m tests.faults.serverproc DSN PORT``.

Serves on 127.0.0.1 with its background loops, a short delivery lease and a fast deadline
loop, until SIGTERM (or SIGKILL, which is the point of some tests)."""

from __future__ import annotations

import asyncio
import signal
import sys

from colonies.config import Settings
from colonies.crypto import id_from_private_key
from colonies.server.app import serve
from tests.conftest import SERVER_KEY

LEASE_S = 1.0


async def main(dsn: str, port: int) -> None:
    settings = Settings(
        db_dsn=dsn,
        port=port,
        host="127.0.0.1",
        server_id=id_from_private_key(SERVER_KEY),
        delivery_lease_s=LEASE_S,
        timeout_loop_period_s=0.2,
    )
    stop = asyncio.Event()
    asyncio.get_running_loop().add_signal_handler(signal.SIGTERM, stop.set)
    await serve(settings, stop)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1], int(sys.argv[2])))
