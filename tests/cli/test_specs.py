"""Spec files: the examples under examples/ run through the CLI; bad files read as sentences."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from colonies.client import ColoniesClient
from colonies.crypto import id_from_private_key, new_private_key
from tests.cli.conftest import EXAMPLES, Invoke, as_json
from tests.conftest import EXECUTOR_KEY, MakeExecutor


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
            assert "unknown key" not in result.stderr, (path, result.stderr)
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
    text = await error(*submit, str(bad_specs["typo.json"]))
    assert 'unknown keys "fucname" (did you mean "funcname"?)' in text
    assert '"conditions.exectype" (did you mean "conditions.executortype"?)' in text
    assert "--lenient" in text
    typo = await invoke(*submit, str(bad_specs["typo.json"]), "--lenient")
    assert typo.exit_code == 0
    assert "Warning: " in typo.stderr and '"fucname" (did you mean "funcname"?)' in typo.stderr

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


async def test_a_misspelt_key_is_refused_with_its_path_and_the_key_meant(
    invoke: Invoke, client: ColoniesClient, tmp_path: Path
) -> None:
    spec = {"funcname": "echo", "conditons": {"executortype": "cli"}}
    path = tmp_path / "typo.json"
    path.write_text(json.dumps(spec))
    refused = await invoke("function", "submit", "--spec", str(path))
    assert refused.exit_code == 1 and "Traceback" not in refused.output
    assert 'unknown key "conditons" (did you mean "conditions"?)' in refused.stderr
    assert await client.get_processes(0, 10, colony="test", key=EXECUTOR_KEY) == []

    nested = [
        {"nodename": "a", "funcname": "echo", "conditions": {"executortype": "cli"}},
        {
            "nodename": "b",
            "funcname": "echo",
            "conditions": {"executortype": "cli", "dependencies": ["a"], "gpu": {"cout": 1}},
        },
    ]
    path.write_text(json.dumps(nested))
    for command in (
        ("workflow", "submit"),
        ("cron", "add", "--name", "c", "--interval", "60"),
        ("generator", "add", "--name", "g", "--trigger", "2"),
    ):
        result = await invoke(*command, "--spec", str(path))
        assert result.exit_code == 1, command
        assert (
            '(item 1) has unknown key "conditions.gpu.cout" '
            '(did you mean "conditions.gpu.count"?)' in result.stderr
        ), command
        assert (await invoke(*command, "--spec", str(path), "--lenient")).exit_code == 0


async def test_a_spec_no_executor_could_run_is_warned_about_at_submit(
    invoke: Invoke, client: ColoniesClient, make_executor: MakeExecutor, tmp_path: Path
) -> None:
    await make_executor(
        "gpu-box", "gpu", capabilities={"hardware": [{"cpu": "4000m", "gpu": {"count": 1}}]}
    )
    path = tmp_path / "spec.json"

    async def submit(conditions: dict[str, object]) -> str:
        path.write_text(json.dumps({"funcname": "echo", "conditions": conditions}))
        result = await invoke("function", "submit", "--spec", str(path))
        assert result.exit_code == 0, result.output  # warned, still submitted
        return " ".join(result.stderr.split())

    assert "Warning" not in await submit({"executortype": "cli"})
    untyped = await submit({})
    assert "no executor can run the spec as things stand" in untyped
    assert "names no executor type (conditions.executortype)" in untyped
    typo = await submit({"executortype": "clli"})
    assert "No executor of type 'clli' is registered in colony test (did you mean 'cli'?)" in typo
    assert "at location 'mars'" in await submit({"executortype": "cli", "locationname": "mars"})
    big = await submit({"executortype": "gpu", "gpu": {"count": 4}})
    assert "gpu-box (gpu count 4 > 1)" in big
    assert len(await client.get_processes(0, 10, colony="test", key=EXECUTOR_KEY)) == 5

    workflow = [
        {"nodename": "first", "funcname": "echo", "conditions": {"executortype": "cli"}},
        {"nodename": "second", "funcname": "echo", "conditions": {"dependencies": ["first"]}},
    ]
    path.write_text(json.dumps(workflow))
    submitted = await invoke("workflow", "submit", "--spec", str(path))
    assert submitted.exit_code == 0
    assert "the spec 'second' as things stand" in " ".join(submitted.stderr.split())
    assert "'first'" not in submitted.stderr
