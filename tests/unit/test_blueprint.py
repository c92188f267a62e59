"""Blueprint models and spec validation, without a server."""

from __future__ import annotations

from typing import Any

import pytest

from colonies.core.blueprint import (
    Blueprint,
    BlueprintValidationError,
    ValidationSchema,
    cron_name,
    same_json,
    validate_spec,
)


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        (1, 1.0, True),
        (True, 1, False),
        (False, 0, False),
        ({"a": [1, {"b": None}]}, {"a": [1.0, {"b": None}]}, True),
        ({"a": 1}, {"a": 1, "b": 2}, False),
        ([1, 2], [2, 1], False),
        ("1", 1, False),
        (None, None, True),
    ],
)
def test_same_json_compares_as_go_decoded_values(a: Any, b: Any, same: bool) -> None:
    assert same_json(a, b) is same


def test_metadata_keeps_unknown_keys_and_reads_camel_case_in_any_case() -> None:
    wire = {
        "kind": "K",
        "metadata": {"name": "n", "ColonyName": "c", "createdat": "2026-11-21T09:47:00+01:00",
                     "team": {"x": 1}},
        "spec": {},
    }  # fmt: skip
    meta = Blueprint.from_wire(wire).to_wire()["metadata"]
    assert meta["colonyname"] == "c" and meta["team"] == {"x": 1}
    assert meta["createdAt"] == "2026-11-21T08:47:00Z"
    assert "generation" not in meta and "labels" not in meta


def test_validation_stops_at_the_first_problem_and_ignores_undeclared_keys() -> None:
    schema = ValidationSchema.from_wire(
        {"required": ["a"], "properties": {"a": {"type": "integer"}, "b": {"enum": [1, "x"]}}}
    )
    validate_spec({"a": 3, "z": object()}, schema)
    with pytest.raises(BlueprintValidationError, match="must be one of \\[1 x\\]"):
        validate_spec({"a": 3, "b": True}, schema)
    with pytest.raises(BlueprintValidationError, match="required field 'a' is missing"):
        validate_spec({"b": 1}, schema)


def test_cron_name_per_kind_and_location() -> None:
    assert cron_name("Light", "") == "reconcile-Light"
    assert cron_name("Light", "lab") == "reconcile-Light-lab"
