"""Settings from the reference's COLONIES_* variables, read in config.py only."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import colonies
from colonies.config import ClientSettings, CliSettings, Settings, SettingsError


def test_db_host_may_be_a_tcp_host_or_a_unix_socket_directory() -> None:
    tcp = Settings(db_host="db.example", db_port=5433, db_user="u", db_password="p", db_name="c")
    assert tcp.dsn == "postgresql://u:p@db.example:5433/c"
    unix = Settings(db_host="/var/run/postgresql", db_port=5432, db_user="u", db_name="c")
    assert unix.dsn == "postgresql://u@/c?host=/var/run/postgresql&port=5432"


def test_the_listen_address_is_colonies_server_bind_else_the_command_default() -> None:
    assert Settings.from_env({}).host == "0.0.0.0"  # server start: every interface, as Go
    assert Settings.from_env({"COLONIES_SERVER_BIND": "127.0.0.1"}).host == "127.0.0.1"
    assert Settings.from_env({"COLONIES_SERVER_BIND": " "}).host == "0.0.0.0"
    assert Settings.from_env({}, bind="127.0.0.1").host == "127.0.0.1"  # colonies dev
    assert Settings.from_env({"COLONIES_SERVER_BIND": "::"}, bind="127.0.0.1").host == "::"


def test_audit_settings_default_on_and_read_their_variables() -> None:
    defaults = Settings.from_env({})
    assert (defaults.audit, defaults.audit_buffer, defaults.audit_flush_ms) == (True, 10_000, 100)
    assert defaults.audit_anonymous_rate == 10
    env = {
        "COLONIES_AUDIT": "off",
        "COLONIES_AUDIT_BUFFER": "50",
        "COLONIES_AUDIT_FLUSH_MS": "200",
        "COLONIES_AUDIT_ANONYMOUS_RATE": "0",
    }
    s = Settings.from_env(env)
    assert (s.audit, s.audit_buffer, s.audit_flush_ms, s.audit_anonymous_rate) == (
        False,
        50,
        200,
        0,
    )
    assert Settings.from_env({"COLONIES_AUDIT": "yes"}).audit is True


def test_the_cli_switches_read_their_variables() -> None:
    assert CliSettings.from_env({}) == CliSettings(verbose=False, ascii_tables=False)
    on = CliSettings.from_env({"COLONIES_VERBOSE": "yes", "COLONIES_CLI_ASCII": "1"})
    assert (on.verbose, on.ascii_tables) == (True, True)


# What reads the environment besides config.py, as config.py's docstring says (no COLONIES_*
# variable among them); a new reader belongs in config.py, or in this list and that docstring.
OTHER_ENV_READERS = {
    "executor_sdk/shell.py",
    "fs/s3.py",
    "cli/options.py",
    "cli/style.py",
    "backends/slurm_pilot.py",
}


def test_config_is_the_only_reader_of_colonies_variables() -> None:
    root = Path(colonies.__file__).parent
    readers = {
        path.relative_to(root).as_posix()
        for path in root.rglob("*.py")
        if re.search(r"os\.environ|getenv", path.read_text())
    }
    assert readers == OTHER_ENV_READERS | {"config.py"}


def test_a_port_variable_that_is_not_a_port_names_itself() -> None:
    for read in (Settings.from_env, ClientSettings.from_env):
        for value in ("abc", "0", "65536", "5e4"):
            with pytest.raises(SettingsError, match="COLONIES_SERVER_PORT must be a port"):
                read({"COLONIES_SERVER_PORT": value})
    assert ClientSettings.from_env({"COLONIES_SERVER_PORT": " 50090 "}).port == 50090
    assert Settings.from_env({"COLONIES_SERVER_HTTP_PORT": "50091"}).port == 50091
    assert ClientSettings.from_env({}).port == Settings.from_env({}).port == 50080
