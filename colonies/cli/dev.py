"""``colonies dev``: a private PostgreSQL, a colony, keys, and the server, in one command."""

from __future__ import annotations

import asyncio
import contextlib
import fcntl
import json
import os
import signal
import subprocess
from dataclasses import replace
from pathlib import Path
from typing import TYPE_CHECKING

import click

from colonies.cli.server import HOST_HELP, STOP_SIGNALS, require_free_port, run_until_signalled
from colonies.config import DEV_BIND, ClientSettings, Settings
from colonies.crypto import id_from_private_key, new_private_key
from colonies.localpg import DEV_SETTINGS, LocalPostgres

if TYPE_CHECKING:
    from colonies.fs.local_s3 import LocalS3

KEY_VARS = ("COLONIES_SERVER_PRVKEY", "COLONIES_COLONY_PRVKEY", "COLONIES_PRVKEY")


def load_keys(data_dir: Path) -> dict[str, str]:
    """Keys from the environment, else those kept in DIR/keys.json, else new ones (kept)."""
    path = data_dir / "keys.json"
    kept: dict[str, str] = json.loads(path.read_text()) if path.exists() else {}
    env = ClientSettings.from_env()
    given = {
        "COLONIES_SERVER_PRVKEY": env.server_prvkey,
        "COLONIES_COLONY_PRVKEY": env.colony_prvkey,
        "COLONIES_PRVKEY": env.prvkey,
    }
    keys = {var: given[var] or kept.get(var) or new_private_key() for var in KEY_VARS}
    keys["COLONIES_COLONY_NAME"] = env.colony_name or kept.get("COLONIES_COLONY_NAME") or "dev"
    if keys != kept:
        path.write_text(json.dumps(keys, indent=2) + "\n")
        path.chmod(0o600)
    return keys


EVERY_INTERFACE = ("", "0.0.0.0", "::")


def client_host(bind: str) -> str:
    """The host a client on this machine uses to reach a server listening on ``bind``: the
    address itself, or localhost for a server on every interface."""
    return "localhost" if bind in EVERY_INTERFACE else bind


def client_env(keys: dict[str, str], host: str, port: int, tls: bool) -> dict[str, str]:
    return {
        "COLONIES_SERVER_HOST": host,
        "COLONIES_SERVER_PORT": str(port),
        "COLONIES_TLS": "true" if tls else "false",
        "COLONIES_SERVER_PRVKEY": keys["COLONIES_SERVER_PRVKEY"],
        "COLONIES_COLONY_NAME": keys["COLONIES_COLONY_NAME"],
        "COLONIES_COLONY_PRVKEY": keys["COLONIES_COLONY_PRVKEY"],
        "COLONIES_COLONY_ID": id_from_private_key(keys["COLONIES_COLONY_PRVKEY"]),
        "COLONIES_PRVKEY": keys["COLONIES_PRVKEY"],
        "COLONIES_ID": id_from_private_key(keys["COLONIES_PRVKEY"]),
    }


DEV_EXECUTOR = "dev"


async def bootstrap(settings: Settings, keys: dict[str, str]) -> None:
    """Create the schema, the server owner and the colony, and make COLONIES_PRVKEY a user
    and an approved executor ``dev`` of it, as the reference's dev server does with its
    executor key, so the reference docs' `colonies process assign/close` work as written
    (idempotent; a restart re-approves the executor should the stale check have removed it)."""
    from colonies.core import Colony, Executor, ExecutorState, User, utc_now
    from colonies.db import Database
    from colonies.db.migrate import migrate
    from colonies.db.pool import create_pool

    pool = await create_pool(settings.dsn, min_size=1, max_size=2)
    try:
        async with pool.acquire() as conn:
            await migrate(conn)
        db = Database.over(pool)
        await db.server.set_server_id(settings.server_id)
        name = keys["COLONIES_COLONY_NAME"]
        if await db.colonies.get(name) is None:
            colony_id = id_from_private_key(keys["COLONIES_COLONY_PRVKEY"])
            await db.colonies.add(Colony(name=name, colony_id=colony_id))
        user_id = id_from_private_key(keys["COLONIES_PRVKEY"])
        if await db.users.get_by_id(name, user_id) is None:
            await db.users.add(User(colony_name=name, user_id=user_id, name="dev"))
        if await db.executors.get(name, DEV_EXECUTOR) is None:
            executor = Executor(
                executor_id=user_id,
                executor_name=DEV_EXECUTOR,
                executor_type=ClientSettings.from_env().executor_type or "cli",
                colony_name=name,
                commission_time=utc_now(),
            )
            await db.executors.add(executor)
        await db.executors.set_state(name, DEV_EXECUTOR, ExecutorState.APPROVED)
    finally:
        await pool.close()


@click.command()
@click.option("--host", help=HOST_HELP.format(default=DEV_BIND))
@click.option("--port", type=int, default=50080, show_default=True, help="Server HTTP port.")
@click.option(
    "--data-dir",
    type=click.Path(file_okay=False, path_type=Path),
    default=Path(".colonies-dev"),
    show_default=True,
    help="Database and keys live here; a second run keeps all data.",
)
@click.option(
    "--env-file",
    type=click.Path(dir_okay=False, path_type=Path),
    help="Write the export lines here too [default: DATA_DIR/env].",
)
@click.option(
    "--s3-port",
    type=int,
    default=0,
    help="Port of the local S3 endpoint [default: the last one used, else a free port].",
)
@click.option("--no-s3", is_flag=True, help="Do not start the local S3 endpoint.")
def dev(
    host: str | None,
    port: int,
    data_dir: Path,
    env_file: Path | None,
    s3_port: int,
    no_s3: bool,
) -> None:
    """Start a development server on its own private PostgreSQL and a local S3.

    Initialises PostgreSQL under DATA_DIR on first run, creates colony COLONIES_COLONY_NAME
    (default dev) owned by COLONIES_COLONY_PRVKEY, registers COLONIES_PRVKEY as a user and
    as the approved executor "dev" (type COLONIES_EXECUTOR_TYPE, default cli), prints the
    environment a client needs, and serves until Ctrl-C, `kill` (SIGTERM) or its terminal
    closing (SIGHUP), then stops PostgreSQL and S3. Only one `colonies dev` uses a DATA_DIR
    at a time (it holds DATA_DIR/dev.lock); a PostgreSQL left running by one that was killed
    (kill -9) is stopped at the next start.

    It listens on 127.0.0.1 only unless --host (or COLONIES_SERVER_BIND) says otherwise:
    the environment it prints holds the server owner's key.

    With the dev extra installed (moto[server]) it also serves an S3-compatible endpoint on
    127.0.0.1 for Colonies FS, with bucket colonies-dev, and adds the AWS_S3_* variables to
    the environment; its objects are kept under DATA_DIR/s3 across restarts.

    \b
    Example:
      colonies dev --port 50080 &
      source .colonies-dev/env && colonies fs sync -l /demo -d ./demo --yes
      colonies dev --host 0.0.0.0   # reachable from other machines too
    """
    data_dir = data_dir.absolute()
    data_dir.mkdir(parents=True, exist_ok=True)
    data_dir.chmod(0o755)  # PostgreSQL may run as another user and must reach its directory
    lock = DataDirLock(data_dir)
    holder = lock.acquire()
    if holder is not None:
        kill = f"`kill {holder}`" if holder else "kill it"
        raise click.ClickException(
            f"{data_dir} is in use by another `colonies dev` (pid {holder or 'unknown'}), "
            f"which is still running. Stop that one (Ctrl-C in its terminal, or {kill}), or "
            "give this one its own --data-dir and --port."
        )
    handlers = {sig: signal.getsignal(sig) for sig in STOP_SIGNALS}
    try:
        _serve_dev(host, port, data_dir, env_file, s3_port, no_s3)
    except _Stopped:
        pass  # a signal before serving: what had started is stopped
    finally:
        lock.release()
        for sig, handler in handlers.items():
            if handler is not None:
                signal.signal(sig, handler)


class _Stopped(BaseException):
    """SIGHUP or SIGTERM arrived while `colonies dev` was starting or stopping."""


def _stop_on_signal(signum: int, frame: object) -> None:
    raise _Stopped(signum)


def _serve_dev(
    host: str | None,
    port: int,
    data_dir: Path,
    env_file: Path | None,
    s3_port: int,
    no_s3: bool,
) -> None:
    keys = load_keys(data_dir)
    pg = LocalPostgres(data_dir / "pg", settings=DEV_SETTINGS)
    stop_orphan(pg)
    try:
        base = Settings.from_env(bind=DEV_BIND)
    except ValueError as e:
        raise click.ClickException(str(e)) from None
    bind = host or base.host
    require_free_port(port, bind)
    first = not pg.initialised
    click.echo(
        ("Initialising" if first else "Starting") + f" PostgreSQL in {pg.data_dir}", err=True
    )
    pg.init()
    for sig in (signal.SIGHUP, signal.SIGTERM):  # as Ctrl-C: what was started is stopped
        signal.signal(sig, _stop_on_signal)
    with contextlib.ExitStack() as stack:
        stack.callback(stop_pg, pg)
        try:
            pg.start()
        except subprocess.CalledProcessError:
            raise click.ClickException(
                f"PostgreSQL did not start; its log is {pg.data_dir / 'server.log'}."
            ) from None
        settings = replace(
            base,
            host=bind,
            port=port,
            server_id=id_from_private_key(keys["COLONIES_SERVER_PRVKEY"]),
            db_host="127.0.0.1",
            db_port=pg.port,
            db_user="postgres",
            db_password="",
            db_name="postgres",
            db_dsn=pg.dsn,
        )
        asyncio.run(bootstrap(settings, keys))
        env = client_env(keys, client_host(settings.host), port, settings.tls)
        if not no_s3:
            s3 = start_s3(data_dir / "s3", s3_port)
            if s3 is not None:
                stack.callback(stop_s3, s3)
                env.update(s3.env())
        stack.callback(_ignore_stop_signals)  # runs first: nothing interrupts the stopping
        lines = "".join(f"export {k}={v}\n" for k, v in env.items())
        target = env_file or data_dir / "env"
        target.write_text(lines)
        click.echo(lines, nl=False)
        click.echo(f"# written to {target}; in another shell: source {target}", err=True)
        run_until_signalled(settings)


def _ignore_stop_signals() -> None:
    for sig in (signal.SIGHUP, signal.SIGTERM):
        signal.signal(sig, signal.SIG_IGN)


def _say(message: str) -> None:
    """A note on stderr that may be gone (its terminal closed): stopping goes on without it."""
    with contextlib.suppress(OSError):
        click.echo(message, err=True)


class DataDirLock:
    """An exclusive lock on DATA_DIR/dev.lock for the life of one `colonies dev`.

    The kernel drops it when the process ends in any way, SIGKILL included, so a PostgreSQL
    of the directory found running while the lock is free has no `colonies dev` left."""

    def __init__(self, data_dir: Path) -> None:
        self.path = data_dir / "dev.lock"
        self._fd: int | None = None

    def acquire(self) -> int | None:
        """Take the lock and write our pid in it; the holder's pid when another has it."""
        fd = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            text = os.pread(fd, 32, 0).decode(errors="replace").strip()
            os.close(fd)
            return int(text) if text.isdigit() else 0
        os.ftruncate(fd, 0)
        os.pwrite(fd, f"{os.getpid()}\n".encode(), 0)
        self._fd = fd
        return None

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


def stop_orphan(pg: LocalPostgres) -> None:
    """Stop a PostgreSQL still serving ``pg``'s directory; called with the directory's lock
    held, so the `colonies dev` that started it has gone (closed terminal, kill -9)."""
    pid = pg.running_pid()
    if pid is None:
        return
    pid_file = pg.data_dir / "postmaster.pid"
    if not pg.is_postgres(pid):
        raise click.ClickException(
            f"{pid_file} names process {pid}, which is not PostgreSQL. If no PostgreSQL "
            f"serves {pg.data_dir}, remove that file and start again."
        )
    click.echo(
        f"Stopping PostgreSQL (pid {pid}) left running in {pg.data_dir} by a `colonies dev` "
        "that has gone",
        err=True,
    )
    try:
        pg.stop()
    except subprocess.CalledProcessError as e:
        raise click.ClickException(
            f"Cannot stop the PostgreSQL (pid {pid}) left running in {pg.data_dir}: "
            f"{e.stderr.decode(errors='replace').strip() or e}. Stop it by hand "
            f"(`kill {pid}`) and start again."
        ) from None


def stop_pg(pg: LocalPostgres) -> None:
    if pg.running_pid() is None:
        return
    _say("Stopping PostgreSQL")
    pg.stop()


def start_s3(data_dir: Path, port: int) -> LocalS3 | None:
    """The local S3 endpoint, or None (with a note) when moto's server is not installed."""
    from colonies.fs.local_s3 import LocalS3, S3DevUnavailable

    s3 = LocalS3(data_dir, port)
    try:
        s3.start()
    except S3DevUnavailable as err:
        click.echo(f"# {err}; colonies fs needs AWS_S3_* set by hand", err=True)
        return None
    except OSError as err:
        raise click.ClickException(f"cannot start the local S3: {err}") from None
    kept = f", {s3.restored} restored" if s3.restored else ""
    click.echo(f"S3 endpoint on {s3.endpoint}, objects kept in {s3.objects_dir}{kept}", err=True)
    return s3


def stop_s3(s3: LocalS3) -> None:
    _say("Stopping S3 (saving objects)")
    s3.stop()
