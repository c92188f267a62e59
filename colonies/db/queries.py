"""Named SQL queries: every ``-- name: x`` block of ``sql/*.sql``, loaded once at import."""

from __future__ import annotations

from importlib import resources


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
    return {name: text.strip() for name, text in queries.items()}


Q = _load()
