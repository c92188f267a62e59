"""`colonies dev` as a subprocess, for the tests that start it the way a user does: in an
environment without COLONIES_*/AWS_* variables, stopped with Ctrl-C."""

from __future__ import annotations

import os
import shlex
import signal
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

COLONIES = str(Path(sys.executable).parent / "colonies")


def start_dev(
    data: Path,
    port: int,
    *args: str,
    ready: Callable[[], bool],
    what: str,
    env: dict[str, str] | None = None,
) -> subprocess.Popen[bytes]:
    """`colonies dev --port --data-dir [args]`, returned once ``ready()`` (else the test fails
    with its stderr, or with "colonies dev did not ``what``" after a minute)."""
    (data / "env").unlink(missing_ok=True)
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("COLONIES_", "AWS_"))}
    proc = subprocess.Popen(
        [COLONIES, "dev", "--port", str(port), "--data-dir", str(data), *args],
        env={**clean, **(env or {})},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    deadline = time.monotonic() + 60
    while not ready():
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else ""
        assert time.monotonic() < deadline, f"colonies dev did not {what}"
        time.sleep(0.1)
    return proc


def stop_dev(proc: subprocess.Popen[bytes]) -> str:
    """Ctrl-C; it must exit 0. Returns what it printed on stderr."""
    proc.send_signal(signal.SIGINT)
    _, err = proc.communicate(timeout=30)
    assert proc.returncode == 0, err.decode()
    return err.decode()


def read_env_file(path: Path) -> dict[str, str]:
    """The variables of the env file `colonies dev` writes (``export NAME=value`` lines)."""
    env: dict[str, str] = {}
    for line in path.read_text().splitlines():
        key, _, value = line.removeprefix("export ").partition("=")
        env[key] = shlex.split(value)[0] if value else ""
    return env
