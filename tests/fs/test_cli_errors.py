"""``colonies fs`` shares the CLI's plumbing: its options, its one-sentence errors."""

from __future__ import annotations

import asyncio
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from colonies.cli.main import cli
from colonies.fs import Fs, S3Config

Env = dict[str, str]


def closed_port() -> int:
    """A port nothing listens on (bound, then released)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _invoke(env: Env, *args: str) -> Result:
    return CliRunner().invoke(cli, list(args), env=env, catch_exceptions=False)


async def _cli(env: Env, *args: str) -> Result:
    return await asyncio.to_thread(_invoke, env, *args)


def fs_commands(tmp: Path) -> list[list[str]]:
    """Every fs command, typed as the documentation does."""
    (tmp / "dir").mkdir(exist_ok=True)
    (tmp / "file.txt").write_text("x")
    d, f = str(tmp / "dir"), str(tmp / "file.txt")
    return [
        ["sync", "-l", "/x", "-d", d, "--yes"],
        ["ls", "-l", "/x"],
        ["info", "-l", "/x", "-n", "file.txt"],
        ["get", "-l", "/x", "-n", "file.txt", "-d", d],
        ["put", "-l", "/x", f],
        ["remove", "-l", "/x", "-n", "file.txt"],
        ["label", "ls"],
        ["label", "remove", "-l", "/x", "--yes"],
        ["snapshot", "create", "-l", "/x", "-n", "s"],
        ["snapshot", "ls"],
        ["snapshot", "get", "-n", "s"],
        ["snapshot", "info", "-n", "s"],
        ["snapshot", "remove", "-n", "s"],
        ["snapshot", "removeall", "--yes"],
        ["snapshot", "download", "-n", "s", "-d", d],
        ["clean", "-l", "/x", "-d", d, "--yes"],
        ["clean", "--objects", "--yes"],
    ]


def test_every_fs_command_says_the_server_is_unreachable(
    s3_config: S3Config, cli_env_offline: Env, tmp_path: Path
) -> None:
    for args in fs_commands(tmp_path):
        result = _invoke(cli_env_offline, "fs", *args)
        assert result.exit_code == 1, (args, result.output)
        assert "Cannot connect to the colonies server at 127.0.0.1" in result.output, args
        assert "Traceback" not in result.output
        assert len(result.output.strip().splitlines()) == 1, (args, result.output)


def test_sync_into_a_directory_that_cannot_be_made_is_one_sentence(
    cli_env_offline: Env,
) -> None:
    result = _invoke(cli_env_offline, "fs", "sync", "-l", "/x", "-d", "/proc/nope")
    assert result.exit_code == 1
    assert result.output.strip() == (
        "Error: Cannot create the directory /proc/nope: No such file or directory."
    )


async def test_host_port_and_insecure_flags_reach_the_server(
    fs: Fs, cli_env: Env, tmp_path: Path
) -> None:
    port = cli_env["COLONIES_SERVER_PORT"]
    elsewhere = {**cli_env, "COLONIES_SERVER_PORT": str(closed_port()), "COLONIES_TLS": "true"}
    out = await _cli(elsewhere, "--insecure", "fs", "label", "ls", "--port", port)
    assert out.exit_code == 0, out.output
    assert out.output.strip() == "No labels found"
    as_json = await _cli(elsewhere, "--insecure", "--json", "fs", "label", "ls", "--port", port)
    assert as_json.output.strip() == "[]"
    unsigned = {k: v for k, v in cli_env.items() if k != "COLONIES_PRVKEY"}
    keyed = await _cli(unsigned, "fs", "label", "ls", "--prvkey", "not-a-key")
    assert keyed.exit_code == 1 and "--prvkey is not a private key" in keyed.output


async def test_getting_a_missing_file_names_it(fs: Fs, cli_env: Env, tmp_path: Path) -> None:
    got = await _cli(cli_env, "fs", "get", "-l", "/myfiles", "-n", "nope.txt", "-d", str(tmp_path))
    assert got.exit_code == 1
    assert "There is no file 'nope.txt' in label /myfiles in colony test" in got.output
    assert '"Failed to get file"' in got.output  # the server's own text stays
    assert "colonies fs ls -l /myfiles" in got.output
    by_id = await _cli(cli_env, "fs", "info", "-i", "ab" * 32)
    assert by_id.exit_code == 1 and f"There is no file with id {'ab' * 32}" in by_id.output


@pytest.fixture
def cli_env_offline(cli_env: Env) -> Env:
    """The fs environment with a server port nothing listens on."""
    return {**cli_env, "COLONIES_SERVER_PORT": str(closed_port())}
