"""The command line without a server: keys, help, completion, config and error sentences."""

from __future__ import annotations

import json
import socket

import click
import pytest
from click.testing import CliRunner

from colonies.cli.main import cli
from colonies.cli.options import load_env, run
from colonies.crypto import id_from_private_key
from tests.cli.conftest import client_env, run_cli
from tests.conftest import COLONY_KEY, EXECUTOR_KEY, SERVER_KEY


def test_key_generate_prints_a_key_and_its_id() -> None:
    result = CliRunner().invoke(cli, ["key", "generate", "--json"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert id_from_private_key(data["prvkey"]) == data["id"]
    data = json.loads(CliRunner().invoke(cli, ["--json", "key", "generate"]).output)
    assert id_from_private_key(data["prvkey"]) == data["id"]
    text = CliRunner().invoke(cli, ["key", "generate"]).output
    assert text.startswith("Id: ") and "PrvKey: " in text


def test_key_id_and_the_security_alias() -> None:
    result = CliRunner().invoke(cli, ["security", "id", "--prvkey", COLONY_KEY])
    assert result.exit_code == 0
    assert result.output.strip() == id_from_private_key(COLONY_KEY)
    bad = CliRunner().invoke(cli, ["key", "id", "--prvkey", "nothex"])
    assert bad.exit_code != 0 and "not a private key" in bad.output
    generated = CliRunner().invoke(cli, ["security", "generate"])
    assert generated.exit_code == 0 and "PrvKey: " in generated.output


def test_help_lists_the_commands() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for command in (
        "dev",
        "server",
        "key",
        "colony",
        "user",
        "executor",
        "function",
        "process",
        "workflow",
        "cron",
        "generator",
        "log",
        "attribute",
        "location",
        "audit",
        "cluster",
        "monitor",
        "security",
        "config",
        "version",
        "completion",
    ):
        assert command in result.output
    dev_help = CliRunner().invoke(cli, ["dev", "--help"]).output
    assert "--data-dir" in dev_help and "--env-file" in dev_help and "--port" in dev_help


def _commands(group: click.Group, path: list[str]) -> list[list[str]]:
    """Every command under ``group`` (the root group loads its commands on demand)."""
    found = []
    ctx = click.Context(group)
    for name in group.list_commands(ctx):
        command = group.get_command(ctx, name)
        assert command is not None, name
        if isinstance(command, click.Group):
            found.extend(_commands(command, [*path, name]))
        else:
            found.append([*path, name])
    return found


def test_every_command_has_help_with_an_example() -> None:
    commands = _commands(cli, [])
    assert len(commands) > 60
    for path in commands:
        result = CliRunner().invoke(cli, [*path, "--help"])
        assert result.exit_code == 0, path
        assert "Example" in result.output, path


@pytest.mark.parametrize("shell", ["bash", "zsh", "fish"])
def test_completion_scripts(shell: str) -> None:
    result = CliRunner().invoke(cli, ["completion", shell])
    assert result.exit_code == 0
    assert "_COLONIES_COMPLETE" in result.output
    assert CliRunner().invoke(cli, ["completion", "tcsh"]).exit_code != 0


def test_completion_completes_subcommands() -> None:
    env = {"_COLONIES_COMPLETE": "bash_complete", "COMP_WORDS": "colonies proc", "COMP_CWORD": "1"}
    result = CliRunner().invoke(cli, [], env=env, prog_name="colonies")
    assert "process" in result.output


def test_config_shows_the_environment_with_keys_masked() -> None:
    env = client_env(50123)
    result = run_cli(["config"], env)
    assert result.exit_code == 0
    out = result.stdout
    assert "http://127.0.0.1:50123" in out and "test" in out
    for key in (EXECUTOR_KEY, COLONY_KEY, SERVER_KEY):
        assert key not in out
        assert id_from_private_key(key) in out
    data = json.loads(run_cli(["config", "--json"], env).stdout)
    assert data["COLONIES_SERVER_PORT"] == "50123"
    assert EXECUTOR_KEY not in json.dumps(data)
    unset = run_cli(["config"], {"COLONIES_PRVKEY": None, "COLONIES_COLONY_NAME": None})
    assert "(not set)" in unset.stdout


@pytest.mark.parametrize(
    ("args", "variable"),
    [
        (["colony", "stats"], "COLONIES_COLONY_NAME"),
        (["process", "psw"], "COLONIES_COLONY_NAME"),
        (["colony", "ls"], "COLONIES_SERVER_PRVKEY"),
        (["server", "stats"], "COLONIES_SERVER_PRVKEY"),
        (["executor", "approve", "--name", "x"], "COLONIES_COLONY_NAME"),
    ],
)
def test_missing_variables_are_named_with_how_to_set_them(args: list[str], variable: str) -> None:
    result = run_cli(args, {"COLONIES_COLONY_NAME": None, "COLONIES_SERVER_PRVKEY": None})
    assert result.exit_code != 0
    assert f"{variable} is not set" in result.stderr
    assert f"export {variable}=" in result.stderr and "colonies dev" in result.stderr
    assert "Traceback" not in result.output


def test_missing_keys_are_named() -> None:
    env: dict[str, str | None] = {"COLONIES_COLONY_NAME": "test"}
    result = run_cli(["process", "psw"], env)
    assert "COLONIES_PRVKEY is not set" in result.stderr and "--prvkey" in result.stderr
    result = run_cli(["executor", "approve", "--name", "x"], env)
    assert "COLONIES_COLONY_PRVKEY is not set" in result.stderr
    assert result.exit_code != 0


@pytest.mark.parametrize(
    ("args", "env", "where"),
    [
        (["process", "psw"], {"COLONIES_PRVKEY": "zz"}, "COLONIES_PRVKEY"),
        (["process", "psw", "--prvkey", "12ab"], {}, "--prvkey"),
        (["process", "pause"], {"COLONIES_COLONY_PRVKEY": "00" * 31}, "COLONIES_COLONY_PRVKEY"),
        (["colony", "ls"], {"COLONIES_SERVER_PRVKEY": "x" * 64}, "COLONIES_SERVER_PRVKEY"),
        (["executor", "start", "--no-register", "--prvkey", "zz"], {}, "--prvkey"),
        (["key", "id", "--prvkey", "zz"], {}, "That"),
    ],
)
def test_a_malformed_key_is_named_not_a_traceback(
    args: list[str], env: dict[str, str | None], where: str
) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    result = run_cli(args, {**client_env(port), **env})
    assert result.exit_code == 1
    assert f"{where} is not a private key (64 hex characters)" in result.stderr
    assert "colonies key generate" in result.stderr


def test_an_unreachable_server_names_host_and_port_and_suggests_dev() -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = client_env(port)
    commands = (["process", "psw"], ["colony", "ls"], ["server", "status"], ["version"])
    for args in (*commands, ["monitor", "start", "--port", str(port)]):
        result = run_cli(args, env)
        assert result.exit_code != 0
        assert f"127.0.0.1:{port}" in result.stderr
        assert "connection refused" in result.stderr and "colonies dev" in result.stderr
        assert "Traceback" not in result.output
    verbose = run_cli(["--verbose", "process", "psw"], env)
    assert "ConnectError" in verbose.stderr


def test_ctrl_c_stops_cleanly() -> None:
    async def interrupted(_: object) -> None:
        raise KeyboardInterrupt

    @click.command()
    def waiting() -> None:
        run(load_env(), interrupted)

    result = CliRunner().invoke(waiting, [])
    assert result.exit_code == 130
    assert "Interrupted" in result.output


def test_executor_start_names_the_missing_variables() -> None:
    env = client_env(1)
    no_colony = run_cli(["executor", "start", "--burst"], {**env, "COLONIES_COLONY_NAME": None})
    assert no_colony.exit_code != 0 and "COLONIES_COLONY_NAME is not set" in no_colony.stderr
    no_key = run_cli(["executor", "start", "--burst"], {**env, "COLONIES_COLONY_PRVKEY": None})
    assert no_key.exit_code != 0 and "COLONIES_COLONY_PRVKEY is not set" in no_key.stderr
    unregistered = run_cli(["executor", "start", "--no-register"], env)
    assert unregistered.exit_code != 0 and "COLONIES_EXECUTOR_PRVKEY" in unregistered.stderr


@pytest.mark.parametrize("value", ["abc", "80a", "0", "70000"])
def test_a_bad_server_port_variable_is_one_sentence(value: str) -> None:
    env = {**client_env(1), "COLONIES_SERVER_PORT": value}
    for args in (["process", "psw"], ["colony", "ls"], ["config"], ["executor", "start"]):
        result = run_cli(args, env)
        assert result.exit_code == 1, (args, result.output)
        assert "Traceback" not in result.output
        assert f"COLONIES_SERVER_PORT must be a port number (1-65535), not '{value}'" in (
            result.stderr
        )
