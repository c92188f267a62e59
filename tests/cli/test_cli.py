"""The command line: key generation and the help a new user sees."""

from __future__ import annotations

import json

from click.testing import CliRunner

from colonies.cli.main import cli
from colonies.crypto import id_from_private_key


def test_key_generate_prints_a_key_and_its_id() -> None:
    result = CliRunner().invoke(cli, ["key", "generate", "--json"])
    assert result.exit_code == 0
    data = json.loads(result.output)
    assert id_from_private_key(data["prvkey"]) == data["id"]
    text = CliRunner().invoke(cli, ["key", "generate"]).output
    assert text.startswith("Id: ") and "PrvKey: " in text


def test_help_lists_the_commands() -> None:
    result = CliRunner().invoke(cli, ["--help"])
    assert result.exit_code == 0
    for command in ("dev", "server", "key"):
        assert command in result.output
    dev_help = CliRunner().invoke(cli, ["dev", "--help"]).output
    assert "--data-dir" in dev_help and "--env-file" in dev_help and "--port" in dev_help
