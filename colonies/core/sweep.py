"""Parameter sweeps and wildcard dependencies of workflow specs (pure; the server expands).

A node's ``parameters`` map names to values: ``"1:100"`` (integers, both ends included),
``"0:1:0.25"`` (start:stop:step, floats when any part is one), ``"[a,b,c]"`` (a list; items
that read as numbers are numbers, quotes around an item are dropped) or a JSON list. Several
parameters make the Cartesian product, one node per combination, in the order written. In
the node name, args, kwargs (keys and values), env and dependencies, ``{name}`` and
``{name:spec}`` (Python's format mini-language: ``{i:03d}``, ``{lr:.3f}``) are replaced; a
string that is one placeholder and nothing else (``"{lr}"``) becomes the value itself, a
number stays a number. Other braces are left alone.

A dependency that names no node and holds ``*``, ``?`` or ``[`` is a glob over the node
names of the expanded workflow (``fnmatch``, case-sensitive; the node itself is left out):
``"train_*"`` fans in every training node.
"""

from __future__ import annotations

import fnmatch
import itertools
import re
from collections.abc import Iterator
from decimal import Decimal, InvalidOperation
from typing import Any

from colonies.core.function_spec import FunctionSpec
from colonies.errors import BadRequest

Value = int | float | str
MAX_NODES = 100_000
"""The most nodes one workflow may expand to."""
MAX_EDGES = 2_000_000
"""The most dependency edges one workflow may expand to (globs multiply quickly)."""

_PLACEHOLDER = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)(?::([^{}]*))?\}")
_GLOB = re.compile(r"[*?\[]")


def _fail(node: str, text: str) -> BadRequest:
    return BadRequest(f"Failed to submit workflow, node {node!r}: {text}")


def _number(text: str) -> int | float | None:
    try:
        return int(text)
    except ValueError:
        pass
    try:
        return float(text)
    except ValueError:
        return None


def _item(text: str) -> Value:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] and text[0] in "'\"":
        return text[1:-1]
    found = _number(text)
    return text if found is None else found


def _range(node: str, name: str, text: str) -> list[Value]:
    parts = [p.strip() for p in text.split(":")]
    if len(parts) not in (2, 3) or not all(parts):
        raise _fail(node, f"parameter {name!r} = {text!r} is not start:stop or start:stop:step")
    if all(_number(p) is not None and "." not in p and "e" not in p.lower() for p in parts):
        start, stop = int(parts[0]), int(parts[1])
        step = int(parts[2]) if len(parts) == 3 else 1
        if step == 0 or (stop - start) * step < 0:
            raise _fail(node, f"parameter {name!r} = {text!r} has a step that never reaches stop")
        count = (stop - start) // step + 1
        if count > MAX_NODES:
            raise _fail(node, f"parameter {name!r} = {text!r} has more than {MAX_NODES} values")
        return list(range(start, stop + (1 if step > 0 else -1), step))
    try:
        start_d, stop_d = Decimal(parts[0]), Decimal(parts[1])
        step_d = Decimal(parts[2]) if len(parts) == 3 else Decimal(1)
    except InvalidOperation:
        raise _fail(node, f"parameter {name!r} = {text!r} is not a range of numbers") from None
    if not step_d.is_finite() or step_d == 0 or (stop_d - start_d) * step_d < 0:
        raise _fail(node, f"parameter {name!r} = {text!r} has a step that never reaches stop")
    count = int((stop_d - start_d) / step_d) + 1
    if count > MAX_NODES:
        raise _fail(node, f"parameter {name!r} = {text!r} has more than {MAX_NODES} values")
    # Decimal steps: 0:1:0.1 gives 0.3, not 0.30000000000000004.
    return [float(start_d + k * step_d) for k in range(count)]


def parameter_values(node: str, name: str, raw: Any) -> list[Value]:
    """The values of one parameter; BadRequest names the node and the parameter."""
    if not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
        raise _fail(node, f"parameter name {name!r} is not an identifier")
    if isinstance(raw, list):
        values: list[Value] = []
        for v in raw:
            if isinstance(v, bool) or not isinstance(v, int | float | str):
                raise _fail(node, f"parameter {name!r} lists {v!r}, not a number or a string")
            values.append(v)
    elif isinstance(raw, str):
        text = raw.strip()
        if text.startswith("[") and text.endswith("]"):
            inner = text[1:-1].strip()
            values = [_item(v) for v in inner.split(",")] if inner else []
        elif ":" in text:
            values = _range(node, name, text)
        else:
            values = [_item(text)] if text else []
    elif isinstance(raw, int | float) and not isinstance(raw, bool):
        values = [raw]
    else:
        raise _fail(node, f'parameter {name!r} must be a string such as "1:10" or a list')
    if not values:
        raise _fail(node, f"parameter {name!r} = {raw!r} has no values")
    return values


def _format(node: str, where: str, text: str, params: dict[str, Value]) -> Any:
    """``text`` with the node's placeholders replaced (a lone placeholder keeps its type)."""
    if "{" not in text:
        return text
    whole = _PLACEHOLDER.fullmatch(text)
    if whole and whole.group(1) in params and whole.group(2) is None:
        return params[whole.group(1)]

    def one(m: re.Match[str]) -> str:
        name, spec = m.group(1), m.group(2)
        if name not in params:
            return m.group(0)
        try:
            return format(params[name], spec or "")
        except (ValueError, TypeError):
            raise _fail(
                node,
                f"parameter {name!r} value {params[name]!r} does not fit format "
                f"{{{name}:{spec}}} in {where}",
            ) from None

    return _PLACEHOLDER.sub(one, text)


def _fill(node: str, where: str, value: Any, params: dict[str, Value]) -> Any:
    if isinstance(value, str):
        return _format(node, where, value, params)
    if isinstance(value, list):
        return [_fill(node, where, v, params) for v in value]
    if isinstance(value, dict):
        return {
            str(_format(node, where, k, params)): _fill(node, where, v, params)
            for k, v in value.items()
        }
    return value


def _placeholders(text: str) -> set[str]:
    return {m.group(1) for m in _PLACEHOLDER.finditer(text)}


def _combinations(spec: FunctionSpec) -> Iterator[dict[str, Value]]:
    node = spec.node_name
    names = list(spec.parameters)
    lists = [parameter_values(node, n, spec.parameters[n]) for n in names]
    total = 1
    for values in lists:
        total *= len(values)
    if total > MAX_NODES:
        raise _fail(node, f"its parameters make {total} nodes, more than {MAX_NODES}")
    for combo in itertools.product(*lists):
        yield dict(zip(names, combo, strict=True))


def _expand_node(spec: FunctionSpec) -> Iterator[FunctionSpec]:
    node = spec.node_name
    used = _placeholders(node)
    for name in spec.parameters:
        if name not in used:
            raise _fail(
                node,
                f"parameter {name!r} is not used in the node name, so the expanded nodes "
                f"would share names (write it as e.g. {node}_{{{name}}})",
            )
    for params in _combinations(spec):
        # Shallow copies (a deep one per node is most of the time of a large sweep): what
        # differs per node is new, and so is what the server changes in place later (the
        # conditions, normalised per process, and their gpu).
        cond = spec.conditions
        conditions = cond.model_copy(
            update={
                "dependencies": [
                    str(_format(node, "dependencies", d, params)) for d in cond.dependencies
                ],
                "gpu": cond.gpu.model_copy(),
                "executor_names": list(cond.executor_names)
                if cond.executor_names is not None
                else None,
            }
        )
        env = _fill(node, "env", spec.env, params)
        yield spec.model_copy(
            update={
                "parameters": {},
                "node_name": str(_format(node, "nodename", node, params)),
                "args": _fill(node, "args", spec.args, params),
                "kw_args": _fill(node, "kwargs", spec.kw_args, params),
                "env": {str(k): str(v) for k, v in env.items()},
                "conditions": conditions,
                "fs": spec.fs.model_copy(deep=True)
                if spec.fs.snapshots or spec.fs.dirs
                else spec.fs,
            }
        )


def expand(specs: list[FunctionSpec]) -> list[FunctionSpec]:
    """The workflow's nodes with every sweep expanded and every glob dependency replaced by
    the names it matches. Specs without parameters or globs come back as they are.
    BadRequest (400) names the node and the parameter or pattern at fault."""
    if not any(s.parameters or _has_glob(s) or _has_placeholder(s) for s in specs):
        return specs
    out: list[FunctionSpec] = []
    for spec in specs:
        if spec.parameters:
            out.extend(_expand_node(spec))
            if len(out) > MAX_NODES:
                raise _fail(spec.node_name, f"the workflow expands to more than {MAX_NODES} nodes")
        else:
            out.append(spec)
    _check_placeholders(out)
    _resolve_globs(out)
    return out


def _has_placeholder(spec: FunctionSpec) -> bool:
    return any(_placeholders(t) for t in [spec.node_name, *spec.conditions.dependencies])


def _has_glob(spec: FunctionSpec) -> bool:
    return any(_GLOB.search(d) for d in spec.conditions.dependencies)


def _check_placeholders(specs: list[FunctionSpec]) -> None:
    """An ``{x}`` left in a name or a dependency names no parameter of its node."""
    for spec in specs:
        for where, text in [("node name", spec.node_name)] + [
            ("dependency", d) for d in spec.conditions.dependencies
        ]:
            for name in sorted(_placeholders(text)):
                raise _fail(
                    spec.node_name,
                    f"its {where} {text!r} uses {{{name}}}, but {name!r} is not one of its "
                    "parameters; to depend on every node of a sweep use a glob such as "
                    '"train_*"',
                )


def _resolve_globs(specs: list[FunctionSpec]) -> None:
    """Replace each glob dependency by the names it matches (the node itself left out)."""
    names = [s.node_name for s in specs]
    known = set(names)
    edges = 0
    matched: dict[str, list[str]] = {}
    for spec in specs:
        deps: list[str] = []
        for dep in spec.conditions.dependencies:
            if dep in known or not _GLOB.search(dep):
                deps.append(dep)
                continue
            if dep not in matched:
                matcher = re.compile(fnmatch.translate(dep))
                matched[dep] = [n for n in names if matcher.match(n)]
            found = [n for n in matched[dep] if n != spec.node_name]
            if not found:
                raise _fail(spec.node_name, f"dependency pattern {dep!r} matches no node")
            deps.extend(found)
        spec.conditions.dependencies = list(dict.fromkeys(deps))
        edges += len(spec.conditions.dependencies)
        if edges > MAX_EDGES:
            raise _fail(spec.node_name, f"the workflow has more than {MAX_EDGES} dependencies")
