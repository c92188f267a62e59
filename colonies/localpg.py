"""A private PostgreSQL cluster in a directory: initialise once, start, stop.

Used by ``colonies dev`` and by the test fixtures. PostgreSQL refuses to run as root, so
when we are root the cluster runs as the ``postgres`` user (or ``nobody``), and the data
directory is handed to that user.
"""

from __future__ import annotations

import glob
import os
import pwd
import shutil
import socket
import subprocess
from pathlib import Path

# Tests throw the cluster away: no durability at all.
FAST_SETTINGS = ("fsync=off", "synchronous_commit=off", "full_page_writes=off")
# The dev server: commits return before the WAL flush. A clean stop or a restart of the
# server loses nothing; only a crash of the machine may lose the last few hundred ms.
DEV_SETTINGS = ("synchronous_commit=off",)


class PostgresNotFound(RuntimeError):
    pass


def find_bindir() -> Path:
    """The newest PostgreSQL server binaries: Debian's layout first, then PATH."""
    candidates = sorted(
        glob.glob("/usr/lib/postgresql/*/bin/initdb"), key=lambda p: int(p.split("/")[4])
    )
    if candidates:
        return Path(candidates[-1]).parent
    initdb = shutil.which("initdb")
    if initdb:
        return Path(initdb).parent
    raise PostgresNotFound(
        "PostgreSQL server binaries not found: install them (Debian: apt-get install "
        "postgresql) or point COLONIES_DB_HOST at a running server"
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def _run_as() -> str | None:
    if os.geteuid() != 0:
        return None
    for name in ("postgres", "nobody"):
        try:
            pwd.getpwnam(name)
            return name
        except KeyError:
            continue
    raise RuntimeError("running as root and no unprivileged user to run PostgreSQL as")


UNIX_PATH_MAX = 104  # sun_path is 108 bytes on Linux, 104 on the BSDs


class LocalPostgres:
    """One cluster under ``data_dir`` listening on 127.0.0.1:``port``."""

    def __init__(
        self, data_dir: Path, port: int | None = None, *, settings: tuple[str, ...] = ()
    ) -> None:
        self.data_dir = Path(data_dir).absolute()
        self.port = port or free_port()
        self.settings = settings
        self.bindir = find_bindir()
        self.user = _run_as()

    @property
    def dsn(self) -> str:
        """The Unix socket in the data directory (a query costs about a quarter of a
        loopback TCP one), or loopback TCP when the socket path would be too long."""
        socket_path = self.data_dir / f".s.PGSQL.{self.port}"
        if len(str(socket_path)) < UNIX_PATH_MAX:
            return f"postgresql://postgres@/postgres?host={self.data_dir}&port={self.port}"
        return f"postgresql://postgres@127.0.0.1:{self.port}/postgres"

    @property
    def initialised(self) -> bool:
        return (self.data_dir / "PG_VERSION").exists()

    def _run(self, *args: str) -> None:
        subprocess.run(
            [str(self.bindir / args[0]), *args[1:]],
            check=True,
            user=self.user,
            capture_output=True,
            cwd="/",
        )

    def running_pid(self) -> int | None:
        """The pid of a PostgreSQL already serving this data directory, if one is."""
        try:
            pid = int((self.data_dir / "postmaster.pid").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            return None
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return None  # a stale file from a crash; pg_ctl starts over it
        except PermissionError:
            pass  # alive, and owned by the unprivileged user it runs as
        return pid

    @staticmethod
    def is_postgres(pid: int) -> bool:
        """Whether process ``pid`` is a PostgreSQL server (assumed where /proc cannot tell)."""
        try:
            return Path(f"/proc/{pid}/comm").read_text().strip() in {"postgres", "postmaster"}
        except FileNotFoundError:
            return not Path("/proc/self").exists()
        except OSError:
            return True

    def init(self) -> None:
        """initdb on first use (trust auth on loopback only); does nothing if initialised."""
        if self.initialised:
            return
        self.data_dir.mkdir(parents=True, exist_ok=True)
        if self.user:
            shutil.chown(self.data_dir, self.user)
        self.data_dir.chmod(0o700)
        self._run("initdb", "-D", str(self.data_dir), "-U", "postgres", "-A", "trust", "-E", "UTF8")

    def start(self) -> None:
        options = [f"-p {self.port}", "-c listen_addresses=127.0.0.1", f"-k {self.data_dir}"]
        options += [f"-c {setting}" for setting in self.settings]
        self._run(
            "pg_ctl",
            "-D",
            str(self.data_dir),
            "-l",
            str(self.data_dir / "server.log"),
            "-o",
            " ".join(options),
            "-w",
            "start",
        )

    def stop(self) -> None:
        if (self.data_dir / "postmaster.pid").exists():
            self._run("pg_ctl", "-D", str(self.data_dir), "-m", "fast", "-w", "stop")
