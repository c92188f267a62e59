"""Settings from the environment. Every COLONIES_* variable is read here: the server's
``Settings``, the clients' ``ClientSettings``, the CLI's ``CliSettings`` and the Colonies FS
key; only the click options that name one (``envvar=``) read theirs themselves. Elsewhere
``fs/s3.py`` reads the reference's AWS_S3_* variables, ``cli/options.py`` HOSTNAME (executor
names, as the reference), ``cli/style.py`` NO_COLOR and TERM (colour on a terminal), the
shell executor passes the environment to its child, and the Slurm pilot worker
(``backends/slurm_pilot.py``) reads the SLURM_* variables of its allocation and passes the
environment, without COLONIES_* and AWS_*, to its commands."""

from __future__ import annotations

import os
from collections.abc import Callable, Mapping
from dataclasses import dataclass

from colonies import __version__
from colonies.crypto import id_from_private_key
from colonies.errors import ConfigError

KIB = 1024
MIB = 1024 * 1024
# pydantic refuses to serialise values nested much deeper than 200 levels; replies nest a
# request's values a few levels further, so the depth setting stops well below that.
MAX_JSON_DEPTH_CEILING = 128


def _bool(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


_OFF = {"0", "false", "no", "off"}


def _first(env: Mapping[str, str], *names: str, default: str = "") -> str:
    for name in names:
        if env.get(name):
            return env[name]
    return default


class SettingsError(ConfigError):
    """A COLONIES_* variable holds a value that cannot be read; the message names it."""


def _port(env: Mapping[str, str], *names: str, default: str) -> int:
    """The first of ``names`` that is set, as a TCP port; a sentence naming it otherwise."""
    name = next((n for n in names if env.get(n)), "")
    text = env[name].strip() if name else default
    try:
        port = int(text)
    except ValueError:
        port = -1
    if not 0 < port < 65536:
        raise SettingsError(
            f"{name} must be a port number (1-65535), not {env[name]!r}: "
            f"fix it with `export {name}=50080`, or unset it."
        )
    return port


SERVER_BIND = "0.0.0.0"
"""Where ``colonies server start`` listens unless told: every IPv4 interface, as the
reference does."""
DEV_BIND = "127.0.0.1"
"""Where ``colonies dev`` listens unless told: this machine only, since its env file holds
the server owner's key."""


# Settings field → (variable, parser) of the limits, read only when the variable is set.
LIMIT_VARIABLES: dict[str, tuple[str, Callable[[str], object]]] = {
    "max_body": ("COLONIES_MAX_REQUEST_BODY", int),
    "body_budget": ("COLONIES_BODY_BUDGET", int),
    "max_json_depth": ("COLONIES_MAX_JSON_DEPTH", int),
    "max_log_line": ("COLONIES_MAX_LOG_LINE", int),
    "max_log_volume": ("COLONIES_MAX_LOG_VOLUME", int),
    "log_page": ("COLONIES_LOG_PAGE", int),
    "idle_timeout_s": ("COLONIES_IDLE_TIMEOUT", float),
    "body_timeout_s": ("COLONIES_BODY_TIMEOUT", float),
    "subscribe_timeout_s": ("COLONIES_SUBSCRIBE_TIMEOUT", float),
    "ws_max_frame": ("COLONIES_WS_MAX_FRAME", int),
    "ws_heartbeat_s": ("COLONIES_WS_HEARTBEAT", float),
    "health_cache_s": ("COLONIES_HEALTH_CACHE", float),
}


REPLAY_MODES = ("off", "warn", "require")


def _replay_mode(value: str) -> str:
    mode = value.strip().lower() or "warn"
    if mode not in REPLAY_MODES:
        raise ValueError(f"COLONIES_REPLAY_PROTECTION must be off, warn or require, not {value!r}")
    return mode


def _positive(env: Mapping[str, str], name: str, default: str, zero: bool = False) -> float:
    value = float(env.get(name) or default)
    if value < 0 or (value == 0 and not zero):
        raise ValueError(f"{name} must be {'≥' if zero else '>'} 0 seconds, not {value:g}")
    return value


@dataclass(frozen=True)
class Settings:
    """Server configuration, named like the reference's environment variables."""

    port: int = 50080
    host: str = SERVER_BIND
    """The address the HTTP port (and the monitor port) listen on."""
    server_id: str = ""
    db_host: str = "localhost"
    db_port: int = 5432
    db_user: str = "postgres"
    db_password: str = ""
    db_name: str = "postgres"
    db_pool_size: int = 20
    db_dsn: str = ""
    tls_cert: str = ""
    tls_key: str = ""
    monitor_port: int = 0
    allow_executor_reregister: bool = False
    cleanup_interval_s: float = 60.0
    stale_executor_duration_s: float = 600.0
    timeout_loop_period_s: float = 1.0
    cron_period_ms: int = 1000
    generator_period_ms: int = 1000
    retention: bool = False
    retention_policy_s: int = 0
    audit: bool = True
    audit_buffer: int = 10_000
    audit_flush_ms: int = 100
    audit_anonymous_rate: int = 10
    build_version: str = __version__
    build_time: str = ""
    advertised_host: str = ""
    delivery_lease_s: float = 15.0
    replay_protection: str = "warn"
    """off (nothing checked), warn (count and log, accept) or require (refuse)."""
    replay_window_s: float = 300.0
    """How old a signed request may be, and how long its nonce is kept."""
    replay_skew_s: float = 30.0
    """How far in the future a request's signing time may be (clocks differ)."""

    # What one connection may cost (README "Limits"); sizes in bytes, times in seconds.
    max_body: int = 32 * MIB
    body_budget: int = 128 * MIB
    max_json_depth: int = 64
    max_log_line: int = 64 * KIB
    max_log_volume: int = 16 * MIB
    log_page: int = 1 * MIB
    idle_timeout_s: float = 10.0
    body_timeout_s: float = 30.0
    subscribe_timeout_s: float = 10.0
    ws_max_frame: int = 64 * KIB
    ws_heartbeat_s: float = 30.0
    health_cache_s: float = 1.0

    def __post_init__(self) -> None:
        if not 1 <= self.max_json_depth <= MAX_JSON_DEPTH_CEILING:
            raise ValueError(f"COLONIES_MAX_JSON_DEPTH must be 1..{MAX_JSON_DEPTH_CEILING}")

    @property
    def dsn(self) -> str:
        if self.db_dsn:
            return self.db_dsn
        auth = self.db_user + (f":{self.db_password}" if self.db_password else "")
        if self.db_host.startswith("/"):  # a Unix socket directory, as libpq accepts
            return f"postgresql://{auth}@/{self.db_name}?host={self.db_host}&port={self.db_port}"
        return f"postgresql://{auth}@{self.db_host}:{self.db_port}/{self.db_name}"

    @property
    def tls(self) -> bool:
        return bool(self.tls_cert and self.tls_key)

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, *, bind: str = SERVER_BIND) -> Settings:
        """Read the COLONIES_* variables (SEMANTICS §17); ``bind`` is the listen address
        when COLONIES_SERVER_BIND is unset or empty."""
        env = os.environ if env is None else env
        server_id = env.get("COLONIES_SERVER_ID", "")
        if not server_id and env.get("COLONIES_SERVER_PRVKEY"):
            server_id = id_from_private_key(env["COLONIES_SERVER_PRVKEY"])
        values: dict[str, object] = {
            "port": _port(
                env, "COLONIES_SERVER_HTTP_PORT", "COLONIES_SERVER_PORT", default="50080"
            ),
            "host": env.get("COLONIES_SERVER_BIND", "").strip() or bind,
            "server_id": server_id,
            "db_host": env.get("COLONIES_DB_HOST", "localhost"),
            "db_port": int(env.get("COLONIES_DB_PORT", "5432")),
            "db_user": env.get("COLONIES_DB_USER", "postgres"),
            "db_password": env.get("COLONIES_DB_PASSWORD", ""),
            "db_name": env.get("COLONIES_DB_NAME", "postgres"),
            "tls_cert": _first(env, "COLONIES_SERVER_HTTP_TLS_CERT", "COLONIES_TLSCERT"),
            "tls_key": _first(env, "COLONIES_SERVER_HTTP_TLS_KEY", "COLONIES_TLSKEY"),
            "monitor_port": int(env.get("COLONIES_MONITOR_PORT", "0") or 0),
            "allow_executor_reregister": _bool(env.get("COLONIES_ALLOW_EXECUTOR_REREGISTER")),
            "cleanup_interval_s": float(env.get("COLONIES_CLEANUP_INTERVAL", "60")),
            "stale_executor_duration_s": float(env.get("COLONIES_STALE_EXECUTOR_DURATION", "600")),
            "cron_period_ms": int(env.get("COLONIES_CRON_CHECKER_PERIOD", "1000")),
            "generator_period_ms": int(env.get("COLONIES_GENERATOR_CHECKER_PERIOD", "1000")),
            "retention": _bool(env.get("COLONIES_RETENTION")),
            "retention_policy_s": int(env.get("COLONIES_RETENTION_POLICY", "0") or 0),
            "audit": env.get("COLONIES_AUDIT", "true").strip().lower() not in _OFF,
            "audit_buffer": int(env.get("COLONIES_AUDIT_BUFFER", "10000") or 10000),
            "audit_flush_ms": int(env.get("COLONIES_AUDIT_FLUSH_MS", "100") or 100),
            "audit_anonymous_rate": int(env.get("COLONIES_AUDIT_ANONYMOUS_RATE", "10") or 0),
            "build_version": env.get("BUILD_VERSION", __version__),
            "build_time": env.get("BUILD_TIME", ""),
            "advertised_host": env.get("COLONIES_SERVER_HTTP_HOST", ""),
            "delivery_lease_s": float(env.get("COLONIES_DELIVERY_LEASE", "15") or 15),
            "replay_protection": _replay_mode(env.get("COLONIES_REPLAY_PROTECTION", "warn")),
            "replay_window_s": _positive(env, "COLONIES_REPLAY_WINDOW", "300"),
            "replay_skew_s": _positive(env, "COLONIES_REPLAY_SKEW", "30", zero=True),
        }
        for field, (name, parse) in LIMIT_VARIABLES.items():
            if env.get(name):
                values[field] = parse(env[name])
        return cls(**values)  # type: ignore[arg-type]


@dataclass(frozen=True)
class ClientSettings:
    """What a client needs, from the variables the Go CLI and pycolonies read (CLI.md §1)."""

    host: str = "localhost"
    port: int = 50080
    tls: bool = False
    verify_tls: bool = True
    prvkey: str = ""
    colony_name: str = ""
    colony_prvkey: str = ""
    server_prvkey: str = ""
    executor_name: str = ""
    executor_type: str = ""
    executor_prvkey: str = ""
    executor_ticket: str = ""
    connect_timeout_s: float = 10.0
    """COLONIES_CONNECT_TIMEOUT: seconds to open a connection to the server."""
    read_timeout_s: float = 30.0
    """COLONIES_READ_TIMEOUT: seconds to wait for a reply (long polls wait for their own
    timeout plus COLONIES_LONG_POLL_MARGIN)."""
    long_poll_margin_s: float = 10.0
    """COLONIES_LONG_POLL_MARGIN: seconds a long poll (assign, wait, subscriptions) waits
    beyond the timeout it asks the server for."""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ClientSettings:
        env = os.environ if env is None else env
        tls = _first(env, "COLONIES_TLS", "COLONIES_SERVER_TLS", default="false")
        return cls(
            host=env.get("COLONIES_SERVER_HOST", "localhost"),
            port=_port(env, "COLONIES_SERVER_PORT", "COLONIES_SERVER_HTTP_PORT", default="50080"),
            tls=_bool(tls),
            verify_tls=not _bool(env.get("COLONIES_SKIP_TLS_VERIFY")),
            prvkey=env.get("COLONIES_PRVKEY", ""),
            colony_name=env.get("COLONIES_COLONY_NAME", ""),
            colony_prvkey=env.get("COLONIES_COLONY_PRVKEY", ""),
            server_prvkey=env.get("COLONIES_SERVER_PRVKEY", ""),
            executor_name=env.get("COLONIES_EXECUTOR_NAME", ""),
            executor_type=env.get("COLONIES_EXECUTOR_TYPE", ""),
            executor_prvkey=env.get("COLONIES_EXECUTOR_PRVKEY", ""),
            executor_ticket=env.get("COLONIES_EXECUTOR_TICKET", ""),
            connect_timeout_s=_seconds(env, "COLONIES_CONNECT_TIMEOUT", 10.0),
            read_timeout_s=_seconds(env, "COLONIES_READ_TIMEOUT", 30.0),
            long_poll_margin_s=_seconds(env, "COLONIES_LONG_POLL_MARGIN", 10.0),
        )


@dataclass(frozen=True)
class CliSettings:
    """The Python CLI's own switches (the Go CLI has none of these)."""

    verbose: bool = False
    """COLONIES_VERBOSE: debug logging and error detail, as ``--verbose``."""
    ascii_tables: bool = False
    """COLONIES_CLI_ASCII: draw tables with ASCII characters only."""

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> CliSettings:
        env = os.environ if env is None else env
        return cls(
            verbose=_bool(env.get("COLONIES_VERBOSE")),
            ascii_tables=_bool(env.get("COLONIES_CLI_ASCII")),
        )


FS_ENCRYPTION_KEY = "COLONIES_FS_ENCRYPTION_KEY"


def fs_encryption_key(env: Mapping[str, str] | None = None) -> str:
    """COLONIES_FS_ENCRYPTION_KEY as set (64 hex characters), or empty: no encryption."""
    return (os.environ if env is None else env).get(FS_ENCRYPTION_KEY, "")


def _seconds(env: Mapping[str, str], name: str, default: float) -> float:
    """A positive number of seconds from ``name`` (``default`` when unset)."""
    text = env.get(name, "").strip()
    if not text:
        return default
    try:
        value = float(text)
    except ValueError:
        value = -1.0
    if not value > 0:
        raise SettingsError(f"{name} must be a positive number of seconds, not {text!r}.")
    return value
