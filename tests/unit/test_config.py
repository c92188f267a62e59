"""Server settings from the reference's COLONIES_DB_* variables."""

from __future__ import annotations

from colonies.config import Settings


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
