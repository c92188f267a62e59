"""Start and stop a scratch ``colonies dev`` for a benchmark (shared by the scripts)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def wait_healthy(port: int, limit_s: float = 180.0) -> None:
    deadline = time.monotonic() + limit_s
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/health", timeout=1) as r:
                if r.status == 200:
                    return
        except OSError:
            pass
        time.sleep(0.2)
    raise SystemExit(f"the server on port {port} did not become healthy")


def env_file(path: Path) -> dict[str, str]:
    """The variables of an env file ``colonies dev`` writes (``export NAME=value`` lines)."""
    found = {}
    for line in path.read_text().splitlines():
        if line.startswith("export ") and "=" in line:
            name, value = line.removeprefix("export ").split("=", 1)
            found[name] = value.strip().strip("'\"")
    return found


@dataclass
class DevServer:
    port: int
    pid: int
    postgres_pid: int
    env: dict[str, str]
    """The process environment with the dev server's variables (keys, colony, port)."""


@contextmanager
def dev_server(data: Path, extra_env: Mapping[str, str] | None = None) -> Iterator[DevServer]:
    """``colonies dev --no-s3`` on a free port with its data in ``data``; stopped on exit."""
    os.chmod(data.parent, 0o755)  # PostgreSQL runs as an unprivileged user when we are root
    port = free_port()
    env = {**os.environ, **(extra_env or {})}
    colonies = str(Path(sys.executable).parent / "colonies")
    argv = [colonies, "dev", "--no-s3", "--port", str(port), "--data-dir", str(data)]
    server = subprocess.Popen(argv, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        wait_healthy(port)
        postmaster = int((data / "pg" / "postmaster.pid").read_text().split()[0])
        client_env = {**env, **env_file(data / "env"), "COLONIES_SERVER_PORT": str(port)}
        yield DevServer(port, server.pid, postmaster, client_env)
    finally:
        server.send_signal(signal.SIGINT)
        server.wait(timeout=60)
