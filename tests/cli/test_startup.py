"""The CLI starts cheaply: the root group, its help and TAB completion load no command
module and none of aiohttp, pydantic or boto3 (checked by what is imported, not by timing);
with no arguments it prints its help and exits 0, as the reference does."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys

import click
from aiohttp.test_utils import TestServer
from click.testing import CliRunner

from colonies.cli.main import ALIASES, COMMANDS, cli, load_command
from tests.cli.conftest import client_env
from tests.conftest import Colony

HEAVY = ("aiohttp", "pydantic", "boto3", "coincurve", "tabulate", "colonies.client")

PROBE = """
import sys
{setup}
heavy = {heavy!r}
print(",".join(m for m in heavy if m in sys.modules))
print(",".join(sorted(m for m in sys.modules if m.startswith("colonies.cli."))))
"""


def _loaded(setup: str, env: dict[str, str] | None = None) -> tuple[list[str], list[str]]:
    """(heavy modules, colonies.cli modules) in sys.modules after ``setup`` ran in a fresh
    interpreter."""
    code = PROBE.format(setup=setup, heavy=HEAVY)
    out = subprocess.run(
        [sys.executable, "-c", code],
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        check=True,
    ).stdout.splitlines()
    heavy, cli_modules = out[-2], out[-1]
    return [m for m in heavy.split(",") if m], [m for m in cli_modules.split(",") if m]


def test_importing_the_cli_loads_no_heavy_module() -> None:
    heavy, modules = _loaded("import colonies.cli.main")
    assert heavy == []
    assert modules == ["colonies.cli.main"]


def test_help_loads_no_command_module() -> None:
    setup = (
        "from colonies.cli.main import cli\ntry:\n    cli(['--help'])\nexcept SystemExit:\n    pass"
    )
    heavy, modules = _loaded(setup)
    assert heavy == [] and modules == ["colonies.cli.main"]


def test_completing_a_command_name_loads_no_command_module() -> None:
    setup = (
        "from colonies.cli.main import cli\n"
        "try:\n    cli(prog_name='colonies')\nexcept SystemExit:\n    pass"
    )
    env = {"_COLONIES_COMPLETE": "bash_complete", "COMP_WORDS": "colonies pro", "COMP_CWORD": "1"}
    heavy, modules = _loaded(setup, env)
    assert heavy == [] and modules == ["colonies.cli.main"]


def test_completing_a_subcommand_loads_only_its_module_and_no_client() -> None:
    setup = (
        "from colonies.cli.main import cli\n"
        "try:\n    cli(prog_name='colonies')\nexcept SystemExit:\n    pass"
    )
    env = {
        "_COLONIES_COMPLETE": "bash_complete",
        "COMP_WORDS": "colonies process p",
        "COMP_CWORD": "2",
    }
    heavy, modules = _loaded(setup, env)
    assert "aiohttp" not in heavy and "colonies.client" not in heavy and "boto3" not in heavy
    assert "colonies.cli.process" in modules and "colonies.cli.fs" not in modules


def test_the_listed_helps_are_the_commands_own() -> None:
    for name, (_, listed) in COMMANDS.items():
        command = load_command(name)
        own = (command.help or "").split("\n\n")[0].replace("\n", " ").strip()
        assert listed == own, f"COMMANDS[{name!r}] differs from the command's docstring"
        assert command.name in (name, name.replace("_", "-")) or name == "security"


def test_no_arguments_prints_the_help_and_exits_0() -> None:
    result = CliRunner().invoke(cli, [])
    assert result.exit_code == 0
    assert "Commands:" in result.output and "database" in result.output


def test_users_is_an_alias_of_user() -> None:
    assert ALIASES == {"users": "user"}
    result = CliRunner().invoke(cli, ["users", "--help"])
    assert result.exit_code == 0 and "add" in result.output and "chid" in result.output
    ctx = click.Context(cli)
    assert cli.get_command(ctx, "users") is cli.get_command(ctx, "user")


async def test_a_one_shot_command_talks_to_the_server_without_aiohttp(
    server: TestServer, colony: Colony
) -> None:
    """`colonies process ps` sends its request with the standard library (the client's
    one-shot mode), so it does not pay for importing aiohttp."""
    assert server.port is not None
    env = {k: v for k, v in client_env(server.port).items() if v is not None}
    setup = (
        "from colonies.cli.main import cli\n"
        "try:\n    cli(['process', 'ps'], prog_name='colonies')\nexcept SystemExit as e:\n"
        "    assert not e.code, e.code"
    )
    heavy, modules = await asyncio.to_thread(_loaded, setup, env)
    assert "colonies.client" in heavy and "colonies.cli.process" in modules
    assert "aiohttp" not in heavy


def test_an_executor_and_a_slurm_pilot_worker_start_without_boto3() -> None:
    """boto3 (a quarter to half a second to import) comes with the first S3 store, not
    with the executor SDK or the pilot worker every allocation starts."""
    heavy, _ = _loaded("import colonies.executor_sdk, colonies.backends.slurm_pilot")
    assert "boto3" not in heavy
