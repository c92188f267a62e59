"""Golden JSON of the reference server parsed by our models and re-emitted unchanged."""

from __future__ import annotations

import json
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from pydantic import ValidationError

from colonies.core import (
    Attribute,
    Cluster,
    Colony,
    Executor,
    Function,
    FunctionSpec,
    Location,
    Log,
    PauseStatus,
    Process,
    ProcessGraph,
    Statistics,
    User,
    WireModel,
)
from colonies.core.blueprint import Blueprint, BlueprintDefinition, BlueprintHistory
from colonies.core.units import parse_memory, render_memory
from colonies.errors import BadRequest
from colonies.rpc import MESSAGES
from colonies.rpc.executor import AddExecutorMsg
from colonies.rpc.process import AssignProcessMsg, CloseSuccessfulMsg

WIRE = Path(__file__).parent.parent / "fixtures" / "wire"
MODELS: dict[str, type[WireModel]] = {
    "addexecutormsg": Executor,
    "getexecutormsg": Executor,
    "getexecutorsmsg": Executor,
    "submitfuncspecmsg": Process,
    "assignprocessmsg": Process,
    "getprocessmsg": Process,
    "addattributemsg": Attribute,
    "getlogsmsg": Log,
    "searchlogsmsg": Log,
    "getcolonystatsmsg": Statistics,
    "getstatisticsmsg": Statistics,
    "addusermsg": User,
    "getusermsg": User,
    "getuserbyidmsg": User,
    "getusersmsg": User,
    "getcolonymsg": Colony,
    "addcolonymsg": Colony,
    "pausestatusreplymsg": PauseStatus,
    "getclustermsg": Cluster,
    "addfunctionmsg": Function,
    "getfunctionsmsg": Function,
    "addlocationmsg": Location,
    "getlocationmsg": Location,
    "getlocationsmsg": Location,
    "submitworkflowspecmsg": ProcessGraph,
    "getprocessgraphmsg": ProcessGraph,
    "getprocessgraphsmsg": ProcessGraph,
    "addchildmsg": Process,
    "addblueprintdefinitionmsg": BlueprintDefinition,
    "getblueprintdefinitionsmsg": BlueprintDefinition,
    "addblueprintmsg": Blueprint,
    "getblueprintmsg": Blueprint,
    "getblueprinthistorymsg": BlueprintHistory,
}
TIME = re.compile(r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$")


def _instant(text: str) -> datetime:
    """An RFC 3339 text as a UTC instant at µs precision; any year-1 time is Go's zero."""
    if text.startswith("0001-01-01"):
        return datetime(1, 1, 1, tzinfo=UTC)
    main, _, rest = text.partition(".")
    if rest:
        digits = re.match(r"\d+", rest)
        assert digits
        text = main + "." + digits.group()[:6] + rest[len(digits.group()) :]
    return datetime.fromisoformat(text.replace("Z", "+00:00")).astimezone(UTC)


def normalise(value: Any, null_is_empty: bool = False) -> Any:
    """Times as instants; with ``null_is_empty`` a null equals [] and {} (Go's zero value)."""
    if null_is_empty and value in (None, [], {}):
        return None
    if isinstance(value, dict):
        return {k: normalise(v, null_is_empty) for k, v in value.items()}
    if isinstance(value, list):
        return [normalise(v, null_is_empty) for v in value]
    if isinstance(value, str) and TIME.match(value):
        return _instant(value)
    return value


def _cases() -> list[tuple[str, Any]]:
    cases = []
    for path in sorted(WIRE.glob("*.json")):
        for i, value in enumerate(json.loads(path.read_text())):
            cases.append((f"{path.stem}[{i}]", value))
    return cases


@pytest.mark.parametrize(("name", "value"), _cases(), ids=[c[0] for c in _cases()])
def test_golden_json_round_trips(name: str, value: Any) -> None:
    payload_type = name.split("[")[0]
    request = payload_type.endswith(".request")
    if request:
        cls: type[WireModel] = MESSAGES[payload_type.removesuffix(".request")]
    else:
        cls = MODELS[payload_type]
    items = value if isinstance(value, list) else [value]
    emitted = [cls.model_validate(item).to_wire() for item in items]
    # Requests: we read a null as the zero value, so null and empty compare equal there.
    assert normalise(emitted, request) == normalise(items, request)


def test_every_golden_reply_type_has_a_model() -> None:
    stems = {p.stem for p in WIRE.glob("*.json") if not p.stem.endswith(".request")}
    assert stems == set(MODELS)


def test_go_zero_time_in_local_zone_reads_as_zero_and_prints_as_z() -> None:
    e = Executor.from_wire({"lastheardfromtime": "0001-01-01T01:12:12+01:12"})
    assert e.to_wire()["lastheardfromtime"] == "0001-01-01T00:00:00Z"


def test_times_are_emitted_in_utc_with_z() -> None:
    p = Process.from_wire({"submissiontime": "2026-11-21T09:45:23.926641+01:00"})
    assert p.to_wire()["submissiontime"] == "2026-11-21T08:45:23.926641Z"


def test_keys_match_case_insensitively_and_null_is_the_zero_value() -> None:
    spec = FunctionSpec.from_wire(
        {"FuncName": "f", "args": None, "kwargs": None, "conditions": {"ColonyName": "c"}}
    )
    assert (spec.func_name, spec.args, spec.kw_args) == ("f", [], {})
    assert spec.conditions.colony_name == "c"
    assert spec.conditions.executor_names is None


@pytest.mark.parametrize("bad", [1.5, "3", True, None])
def test_integer_fields_refuse_other_json_types(bad: Any) -> None:
    if bad is None:  # null is Go's zero value, not an error
        assert AssignProcessMsg.model_validate({"timeout": None}).timeout == 0
        return
    with pytest.raises(ValidationError):
        AssignProcessMsg.model_validate({"timeout": bad})


def test_omitempty_fields_are_left_out() -> None:
    wire = Executor(executor_name="e").to_wire()
    assert "locationname" not in wire and "blueprintid" not in wire
    assert Executor(location_name="x").to_wire()["locationname"] == "x"


def test_message_aliases() -> None:
    msg = CloseSuccessfulMsg.model_validate({"processid": "p", "out": [1, "a"]})
    assert msg.output == [1, "a"]
    add = AddExecutorMsg.model_validate({"executor": {"executorid": "x"}})
    assert add.executor is not None and add.executor.executor_id == "x"


@pytest.mark.parametrize(
    ("text", "rendered"),
    [
        ("1Gi", "1024Mi"),
        ("1G", "953Mi"),
        ("512Ki", "0Mi"),
        ("1TiB", "1048576Mi"),
        ("10MB", "9Mi"),
        ("10Mb", "9Mi"),
        ("", "0Mi"),
    ],
)
def test_memory_normalisation(text: str, rendered: str) -> None:
    assert render_memory(parse_memory(text)) == rendered


@pytest.mark.parametrize("text", ["16GB", "1g", "1Ti", "100", "1.5Gi", "Gi"])
def test_memory_rejects_what_the_reference_rejects(text: str) -> None:
    with pytest.raises(BadRequest, match="error converting memory to int"):
        parse_memory(text)
