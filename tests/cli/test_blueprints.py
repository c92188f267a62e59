"""``colonies blueprint``: definitions, blueprints, set/history/reconcile, log and doctor."""

from __future__ import annotations

import json
from pathlib import Path

from colonies.client import ColoniesClient
from colonies.core import ProcessState
from tests.cli.conftest import EXAMPLES, Invoke, as_json, ok
from tests.conftest import EXECUTOR_KEY, MakeExecutor

DEFINITION = str(EXAMPLES / "blueprints" / "light-definition.json")
KITCHEN = str(EXAMPLES / "blueprints" / "light.json")


async def add_kitchen(invoke: Invoke) -> None:
    out = ok(await invoke("blueprint", "definition", "add", "--spec", DEFINITION))
    assert out.strip() == "Blueprint definition lights (kind Light) added to colony test"
    out = ok(await invoke("blueprint", "add", "--spec", KITCHEN))
    assert out.strip() == "Blueprint kitchen (Light) added"


async def test_definitions_and_blueprints_round_trip(invoke: Invoke) -> None:
    await add_kitchen(invoke)
    listed = as_json(await invoke("blueprint", "definition", "ls", "--json"))
    assert [(d["kind"], d["metadata"]["colonyname"]) for d in listed] == [("Light", "test")]
    table = ok(await invoke("blueprint", "definition", "get", "--name", "lights"))
    assert "light-reconciler" in table and "brightness" in table and "yes" in table
    got = as_json(await invoke("blueprint", "get", "--name", "kitchen", "--json"))
    assert got["spec"] == {"power": True, "brightness": 60, "color": "warm"}
    shown = ok(await invoke("blueprint", "get", "--name", "kitchen"))
    assert "spec.brightness" not in shown and "brightness" in shown and "60" in shown
    assert "kitchen" in ok(await invoke("blueprint", "ls", "--kind", "Light"))
    assert ok(await invoke("blueprint", "ls", "--kind", "Heater")).strip() == "No blueprints found"

    refused = await invoke("blueprint", "definition", "remove", "--name", "lights")
    assert refused.exit_code == 1 and "The server refused" in refused.output
    ok(await invoke("blueprint", "remove", "--name", "kitchen"))
    assert as_json(await invoke("blueprint", "ls", "--json")) == []
    ok(await invoke("blueprint", "definition", "remove", "--name", "lights"))
    assert as_json(await invoke("blueprint", "definition", "ls", "--json")) == []


async def test_set_changes_one_field_and_history_shows_generations(invoke: Invoke) -> None:
    await add_kitchen(invoke)
    out = ok(await invoke("blueprint", "set", "--name", "kitchen", "--key", "spec.brightness",
                          "--value", "80"))  # fmt: skip
    assert "generation 1" in out  # a new blueprint is generation 0, as in the reference
    ok(await invoke("blueprint", "set", "--name", "kitchen", "--key", "color", "--value", "cold"))
    spec = as_json(await invoke("blueprint", "get", "--name", "kitchen", "--json"))["spec"]
    assert spec == {"power": True, "brightness": 80, "color": "cold"}

    typo = await invoke(
        "blueprint", "set", "--name", "kitchen", "--key", "brightnes", "--value", "1"
    )
    assert typo.exit_code == 1 and "has no field brightnes" in typo.output
    deep = await invoke("blueprint", "set", "--name", "kitchen", "--key", "power.x", "--value", "1")
    assert deep.exit_code == 1 and "spec.power is not an object" in deep.output

    entries = as_json(await invoke("blueprint", "history", "--name", "kitchen", "--json"))
    assert sorted(e["changetype"] for e in entries) == ["create", "update", "update"]
    gen1 = as_json(await invoke("blueprint", "history", "--name", "kitchen", "-g", "1", "--json"))
    assert gen1["spec"]["brightness"] == 80 and gen1["changetype"] == "update"
    missing = await invoke("blueprint", "history", "--name", "kitchen", "-g", "9")
    assert missing.exit_code == 1 and "Generation 9" in missing.output
    assert "update" in ok(await invoke("blueprint", "history", "--name", "kitchen"))


async def test_update_from_a_file_and_a_spec_the_schema_refuses(
    invoke: Invoke, tmp_path: Path
) -> None:
    await add_kitchen(invoke)
    changed = json.loads(Path(KITCHEN).read_text())
    changed["spec"]["brightness"] = 10
    path = tmp_path / "kitchen.json"
    path.write_text(json.dumps(changed))
    assert "generation 1" in ok(await invoke("blueprint", "update", "--spec", str(path)))
    same = ok(await invoke("blueprint", "update", "--spec", str(path)))
    assert "generation 1" in same
    forced = ok(await invoke("blueprint", "update", "--spec", str(path), "--forcegeneration"))
    assert "generation 2" in forced

    changed["spec"]["color"] = "purple"
    path.write_text(json.dumps(changed))
    bad = await invoke("blueprint", "update", "--spec", str(path))
    assert bad.exit_code == 1 and "The server refused" in bad.output
    spec = as_json(await invoke("blueprint", "get", "--name", "kitchen", "--json"))["spec"]
    assert spec["color"] == "warm"

    nameless = tmp_path / "nameless.json"
    nameless.write_text(json.dumps({"kind": "Light", "spec": {"power": True}}))
    result = await invoke("blueprint", "add", "--spec", str(nameless))
    assert result.exit_code == 1 and '"metadata": {"name"' in result.output


async def test_reconcile_log_and_doctor(
    invoke: Invoke, client: ColoniesClient, make_executor: MakeExecutor
) -> None:
    await add_kitchen(invoke)
    doctor = await invoke("blueprint", "doctor", "--name", "kitchen")
    assert doctor.exit_code == 1
    assert "FAIL an executor of type light-reconciler is registered" in doctor.stdout

    reconciler_key = await make_executor("lamp-1", executor_type="light-reconciler")
    out = ok(await invoke("blueprint", "reconcile", "--name", "kitchen", "--force"))
    pid = out.split()[3]
    process = await client.get_process(pid, key=EXECUTOR_KEY)
    assert process.spec.conditions.executor_type == "light-reconciler"
    assert process.spec.kw_args.get("force") is True

    assigned = await client.assign(1, colony="test", key=reconciler_key)
    await client.add_log(assigned.process_id, "kitchen light on", key=reconciler_key)
    assert "kitchen light on" in ok(await invoke("blueprint", "log", "--name", "kitchen"))

    healthy = ok(await invoke("blueprint", "doctor", "--name", "kitchen"))
    assert "FAIL" not in healthy and "reconcile cron reconcile-Light exists" in healthy
    for cron in await client.get_crons(100, colony="test", key=EXECUTOR_KEY):
        await client.remove_cron(cron.cron_id, key=EXECUTOR_KEY)
    broken = await invoke("blueprint", "doctor", "--name", "kitchen")
    assert broken.exit_code == 1 and "FAIL the reconcile cron reconcile-Light" in broken.stdout
    fixed = ok(await invoke("blueprint", "doctor", "--name", "kitchen", "--fix"))
    assert "fixed: added the reconcile cron reconcile-Light" in fixed
    crons = await client.get_crons(100, colony="test", key=EXECUTOR_KEY)
    assert [(c.name, c.interval, c.wait_for_prev_process_graph) for c in crons] == [
        ("reconcile-Light", 60, True)
    ]
    waiting = await client.get_processes(ProcessState.WAITING, 100, colony="test", key=EXECUTOR_KEY)
    assert any(p.spec.kw_args.get("blueprintName") == "kitchen" for p in waiting)
