"""`colonies dev` leaves nothing behind: a closed terminal stops PostgreSQL and S3, and a
PostgreSQL left by a killed one does not block the next start."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

from colonies.localpg import free_port
from tests.devserver import COLONIES, read_env_file, start_dev, stop_dev


@pytest.fixture
def dev_dir() -> Iterator[Path]:
    """Outside pytest's private tmp tree: PostgreSQL may run as another user."""
    root = tempfile.mkdtemp(prefix="colonies-test-dev-")
    os.chmod(root, 0o755)
    try:
        yield Path(root)
    finally:
        shutil.rmtree(root, ignore_errors=True)


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        pass  # PostgreSQL runs as another user when the tests run as root
    return True


def _gone(pid: int) -> bool:
    """Whether ``pid`` has ended (a zombie has); PostgreSQL removes its pid file just before
    it exits, so this waits a little for the exit itself."""
    deadline = time.monotonic() + 10
    while _alive(pid) and time.monotonic() < deadline:
        try:
            if Path(f"/proc/{pid}/stat").read_text().rpartition(")")[2].split()[0] == "Z":
                return True
        except OSError:
            pass
        time.sleep(0.05)
    return not _alive(pid)


def _postmaster(data: Path) -> int:
    return int((data / "pg" / "postmaster.pid").read_text().split()[0])


def _answers(address: str) -> bool:
    host, _, port = address.rpartition(":")
    try:
        socket.create_connection((host, int(port)), timeout=2).close()
    except OSError:
        return False
    return True


def _started(data: Path, port: int, *args: str, s3: bool) -> subprocess.Popen[bytes]:
    env_file = data / "env"

    def ready() -> bool:
        # the env file is written before the server listens: wait for both
        written = env_file.exists() and (not s3 or "AWS_S3_BUCKET" in env_file.read_text())
        return written and _answers(f"127.0.0.1:{port}")

    return start_dev(data, port, *args, ready=ready, what="write its env file and listen")


def _colony_names(env: dict[str, str]) -> str:
    done = subprocess.run(
        [COLONIES, "colony", "ls"], env={**os.environ, **env}, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return done.stdout


def test_closing_the_terminal_stops_postgresql_and_s3(dev_dir: Path) -> None:
    data = dev_dir / "dev"
    proc = _started(data, free_port(), s3=True)
    try:
        pg_pid = _postmaster(data)
        s3 = read_env_file(data / "env")["AWS_S3_ENDPOINT"]
        assert _alive(pg_pid) and _answers(s3)
        assert proc.stderr is not None
        proc.stderr.close()  # the terminal is gone: what it writes now fails
        proc.send_signal(signal.SIGHUP)
        proc.wait(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    try:
        assert proc.returncode >= 0, "it died of the signal instead of stopping"
        assert _gone(pg_pid)
        assert not (data / "pg" / "postmaster.pid").exists()
        assert not _answers(s3)
    finally:
        if _alive(pg_pid):
            os.kill(pg_pid, signal.SIGTERM)


def test_a_start_after_kill_9_stops_the_orphaned_postgresql_and_serves(dev_dir: Path) -> None:
    data, port = dev_dir / "dev", free_port()
    proc = _started(data, port, "--no-s3", s3=False)
    proc.kill()
    proc.wait(timeout=30)
    orphan = _postmaster(data)
    assert _alive(orphan)  # SIGKILL leaves no chance to stop it
    try:
        proc = _started(data, port, "--no-s3", s3=False)
        try:
            assert "dev" in _colony_names(read_env_file(data / "env"))
            assert _gone(orphan) and _postmaster(data) != orphan
        finally:
            err = stop_dev(proc)
        assert f"Stopping PostgreSQL (pid {orphan}) left running" in err
    finally:
        if _alive(orphan):
            os.kill(orphan, signal.SIGTERM)
    assert not (data / "pg" / "postmaster.pid").exists()
