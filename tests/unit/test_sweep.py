"""core/sweep.py: parameter values, placeholders, globs (pure)."""

from __future__ import annotations

import pytest

from colonies.core import FunctionSpec
from colonies.core.sweep import expand, parameter_values
from colonies.errors import BadRequest


@pytest.mark.parametrize(
    ("raw", "values"),
    [
        ("1:4", [1, 2, 3, 4]),
        ("0:10:5", [0, 5, 10]),
        ("3:1:-1", [3, 2, 1]),
        ("0:1:0.25", [0.0, 0.25, 0.5, 0.75, 1.0]),
        ("0:0.3:0.1", [0.0, 0.1, 0.2, 0.3]),  # decimal steps: no 0.30000000000000004
        ("[a, 'b c', 2, 0.5]", ["a", "b c", 2, 0.5]),
        (["x", 1], ["x", 1]),
        ("7", [7]),
    ],
)
def test_parameter_values(raw: object, values: list[object]) -> None:
    assert parameter_values("n", "i", raw) == values


def test_placeholders_keep_types_and_formats() -> None:
    spec = FunctionSpec.model_validate(
        {
            "nodename": "t_{i:02d}_{opt}",
            "funcname": "f",
            "args": ["{i}", "{lr:.1e}", {"k_{opt}": ["{opt}"]}, "${HOME} {other}"],
            "env": {"I": "{i}"},
            "parameters": {"i": "1:2", "opt": "[adam,sgd]", "lr": "[0.001]"},
        }
    )
    spec.node_name = "t_{i:02d}_{opt}_{lr}"
    out = expand([spec])
    assert [s.node_name for s in out] == [
        "t_01_adam_0.001", "t_01_sgd_0.001", "t_02_adam_0.001", "t_02_sgd_0.001"
    ]  # fmt: skip
    assert out[1].args == [1, "1.0e-03", {"k_sgd": ["sgd"]}, "${HOME} {other}"]
    assert out[3].env == {"I": "2"} and out[0].parameters == {}
    assert spec.parameters  # the template is left as it was


def test_globs_match_names_not_self() -> None:
    nodes = [
        FunctionSpec(node_name=n, func_name="f") for n in ("data.a", "data.b", "data.c", "step.1")
    ]
    nodes.append(FunctionSpec.model_validate(
        {"nodename": "all", "funcname": "f",
         "conditions": {"dependencies": ["data.[ab]", "step.?"]}}
    ))  # fmt: skip
    out = expand(nodes)
    assert out[-1].conditions.dependencies == ["data.a", "data.b", "step.1"]
    nodes[-1].conditions.dependencies = ["a*"]  # matches only the node itself
    with pytest.raises(BadRequest, match="node 'all': dependency pattern 'a\\*' matches no"):
        expand(nodes)
    with pytest.raises(BadRequest, match="node 'x': parameter name 'bad name'"):
        parameter_values("x", "bad name", "1:2")
