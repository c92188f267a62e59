"""Settings: the only reader of COLONIES_* variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass

from colonies import __version__
from colonies.crypto import id_from_private_key


def _bool(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


_OFF = {"0", "false", "no", "off"}


def _first(env: Mapping[str, str], *names: str, default: str = "") -> str:
    for name in names:
        if env.get(name):
            return env[name]
    return default


@dataclass(frozen=True)
class Settings:
    """Server configuration, named like the reference's environment variables."""

    port: int = 50080
    host: str = "0.0.0.0"
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
    def from_env(cls, env: Mapping[str, str] | None = None) -> Settings:
        """Read the COLONIES_* variables (SEMANTICS §17)."""
        env = os.environ if env is None else env
        server_id = env.get("COLONIES_SERVER_ID", "")
        if not server_id and env.get("COLONIES_SERVER_PRVKEY"):
            server_id = id_from_private_key(env["COLONIES_SERVER_PRVKEY"])
        values: dict[str, object] = {
            "port": int(
                _first(env, "COLONIES_SERVER_HTTP_PORT", "COLONIES_SERVER_PORT", default="50080")
            ),
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
        }
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

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None) -> ClientSettings:
        env = os.environ if env is None else env
        tls = _first(env, "COLONIES_TLS", "COLONIES_SERVER_TLS", default="false")
        return cls(
            host=env.get("COLONIES_SERVER_HOST", "localhost"),
            port=int(
                _first(env, "COLONIES_SERVER_PORT", "COLONIES_SERVER_HTTP_PORT", default="50080")
            ),
            tls=_bool(tls),
            verify_tls=not _bool(env.get("COLONIES_SKIP_TLS_VERIFY")),
            prvkey=env.get("COLONIES_PRVKEY", ""),
            colony_name=env.get("COLONIES_COLONY_NAME", ""),
            colony_prvkey=env.get("COLONIES_COLONY_PRVKEY", ""),
            server_prvkey=env.get("COLONIES_SERVER_PRVKEY", ""),
            executor_name=env.get("COLONIES_EXECUTOR_NAME", ""),
            executor_type=env.get("COLONIES_EXECUTOR_TYPE", ""),
            executor_prvkey=env.get("COLONIES_EXECUTOR_PRVKEY", ""),
        )
