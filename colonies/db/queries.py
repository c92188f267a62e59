"""Named SQL queries: every ``-- name: x`` block of ``sql/*.sql``, loaded once at import.

States are named in SQL, never written as numbers: ``{WAITING}`` … ``{CANCELLED}`` are the
members of ``ProcessState`` (processes and process graphs), ``{EXECUTOR_APPROVED}`` and the
like those of ``ExecutorState``, ``{ATTRIBUTE_ENV}`` and the like those of
``AttributeType``. ``expand`` puts in the numbers when the text is loaded (queries here,
``schema.sql`` and the migrations in ``migrate``); an unknown ``{NAME}`` is an error then.
"""

from __future__ import annotations

import re
from importlib import resources

from colonies.core import AttributeType, ExecutorState, ProcessState

TOKENS: dict[str, int] = {
    **{s.name: int(s) for s in ProcessState},
    **{f"EXECUTOR_{s.name}": int(s) for s in ExecutorState},
    **{f"ATTRIBUTE_{t.name}": int(t) for t in AttributeType},
}
_TOKEN = re.compile(r"\{([A-Z][A-Z_]*)\}")


def expand(sql: str) -> str:
    """``sql`` with each ``{STATE}`` token replaced by the state's number."""

    def number(match: re.Match[str]) -> str:
        name = match.group(1)
        if name not in TOKENS:
            raise ValueError(f"unknown state {{{name}}} in SQL")
        return str(TOKENS[name])

    return _TOKEN.sub(number, sql)


def _load() -> dict[str, str]:
    queries: dict[str, str] = {}
    for entry in sorted(resources.files("colonies.db").joinpath("sql").iterdir(), key=str):
        if not entry.name.endswith(".sql"):
            continue
        name = ""
        for line in entry.read_text().splitlines():
            if line.startswith("-- name:"):
                name = line.removeprefix("-- name:").strip()
                if name in queries:
                    raise ValueError(f"query {name} defined twice")
                queries[name] = ""
            elif name and not line.startswith("--"):
                queries[name] += line + "\n"
    return {name: expand(text.strip()) for name, text in queries.items()}


Q = _load()
