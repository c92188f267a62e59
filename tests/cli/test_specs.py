"""Spec files: the examples under examples/ run through the CLI; bad files read as sentences."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from colonies.client import ColoniesClient
from colonies.crypto import id_from_private_key, new_private_key
from tests.cli.conftest import EXAMPLES, Invoke, as_json
from tests.conftest import EXECUTOR_KEY


async def test_every_example_spec_runs_through_the_cli(
    invoke: Invoke, client: ColoniesClient
) -> None:
    def command(kind: str, path: str, i: int) -> list[str]:
        """The command the reference docs use each kind of spec file with."""
        if kind == "functions":
            return ["function", "submit", "--spec", path]
        if kind == "workflows":
            return ["workflow", "submit", "--spec", path]
        if kind == "executors":
            executor_id = id_from_private_key(new_private_key())
            return [
                "executor",
                "add",
                "--spec",
                path,
                "--name",
                f"ex-{i}",
                "--executorid",
                executor_id,
            ]
        if kind == "crons":
            return ["cron", "add", "--spec", path, "--name", f"cron-{i}", "--interval", "3600"]
        return ["generator", "add", "--spec", path, "--name", f"gen-{i}", "--trigger", "10"]

    seen = 0
    for kind in ("functions", "executors", "workflows", "crons", "generators"):
        files = sorted((EXAMPLES / kind).glob("*.json"))
        assert files, kind
        for i, path in enumerate(files):
            result = await invoke(*command(kind, str(path), i), "--json")
            assert result.exit_code == 0, (path, result.output)
            assert "unknown field" not in result.stderr, (path, result.stderr)
            data = as_json(result)
            assert isinstance(data, dict)
            seen += 1
    assert seen >= 6
    processes = await client.get_processes(0, 100, colony="test", key=EXECUTOR_KEY)
    assert {p.spec.func_name for p in processes} >= {"helloworld", "echo"}


@pytest.fixture
def bad_specs(tmp_path: Path) -> dict[str, Path]:
    files = {
        "invalid.json": '{"funcname": "x",, }',
        "badtype.json": json.dumps({"funcname": "x", "maxexectime": "ten"}),
        "badcond.json": json.dumps({"funcname": "x", "conditions": {"nodes": "many"}}),
        "nofunc.json": json.dumps({"conditions": {"executortype": "cli"}}),
        "typo.json": json.dumps({"funcname": "x", "fucname": "y", "conditions": {"exectype": 1}}),
        "list.json": json.dumps([{"funcname": "x"}]),
        "object.json": json.dumps({"funcname": "x"}),
        "emptylist.json": "[]",
        "listnofunc.json": json.dumps([{"funcname": "a"}, {"nodename": "b"}]),
    }
    for name, text in files.items():
        (tmp_path / name).write_text(text)
    return {name: tmp_path / name for name in files}


async def test_bad_spec_files_read_as_sentences(invoke: Invoke, bad_specs: dict[str, Path]) -> None:
    async def error(*args: str) -> str:
        result = await invoke(*args)
        assert result.exit_code != 0, args
        assert "Traceback" not in result.output
        return result.stderr

    submit = ("function", "submit", "--spec")
    text = await error(*submit, str(bad_specs["invalid.json"]))
    assert "is not valid JSON" in text and "line 1" in text
    text = await error(*submit, str(bad_specs["badtype.json"]))
    assert "bad fields" in text and "maxexectime" in text and "'ten'" in text
    text = await error(*submit, str(bad_specs["badcond.json"]))
    assert "conditions.nodes" in text
    text = await error(*submit, str(bad_specs["nofunc.json"]))
    assert "has no funcname" in text
    text = await error(*submit, str(bad_specs["list.json"]))
    assert "workflow submit" in text
    text = await error(*submit, str(bad_specs["list.json"].parent / "nope.json"))
    assert "does not exist" in text
    typo = await invoke(*submit, str(bad_specs["typo.json"]))
    assert typo.exit_code == 0
    assert "unknown field 'fucname'" in typo.stderr
    assert "unknown field conditions.'exectype'" in typo.stderr

    workflow = ("workflow", "submit", "--spec")
    text = await error(*workflow, str(bad_specs["object.json"]))
    assert "JSON array" in text
    text = await error(*workflow, str(bad_specs["emptylist.json"]))
    assert "JSON array" in text
    text = await error(*workflow, str(bad_specs["listnofunc.json"]))
    assert "(item 1) has no funcname" in text
    text = await error(
        "cron", "add", "--name", "c", "--interval", "5", "--spec", str(bad_specs["invalid.json"])
    )
    assert "is not valid JSON" in text
    text = await error(
        "executor", "add", "--executorid", "a" * 64, "--spec", str(bad_specs["list.json"])
    )
    assert "must be a JSON object" in text
