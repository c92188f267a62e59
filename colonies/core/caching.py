"""Cache keys: when an earlier successful run's output may stand for a new process (pure).

A spec asks for caching with ``"cache": {"enabled": true, "version": "v2", "expiry": 3600}``.
Two processes of one colony share a key when these are equal:

- the function name and executor type,
- args, kwargs and env (as JSON values: ``1`` and ``"1"`` differ, key order does not),
- the input (a workflow node's parents' outputs, known once its parents have closed),
- the user's ``version`` (change it when the code behind the function changes),
- the content of the Colonies FS files the spec names: for each ``fs.snapshots`` entry the
  files of the snapshot (or, with an empty ``snapshotid``, the latest revision of each file
  of the label), and for each ``fs.dirs`` entry the latest revision of each file of the label
  and its sub-labels, each as (label, name, SHA-256 checksum) — where they are mounted
  (``dir``, ``fs.mount``) does not count.

Priority, limits, conditions other than the type, the label and the node name do not count:
they change where and when a function runs, not what it computes.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from typing import Any

from colonies.core.function_spec import FunctionSpec

KEY_VERSION = 1
"""Bump when the definition above changes: old results then stop matching."""

FileDigest = tuple[str, str, str]
"""(label, name, checksum) of one CFS file revision."""


def wanted(spec: FunctionSpec) -> bool:
    return spec.cache is not None and spec.cache.enabled


def cfs_sources(spec: FunctionSpec) -> list[tuple[str, str, str]]:
    """What of Colonies FS a spec reads, in spec order: (kind, label, snapshot id) with kind
    ``"snapshot"`` (a snapshot id, or the label's latest files when it is empty) or
    ``"dir"`` (the label's latest files, sub-labels included)."""
    found = []
    for m in spec.fs.snapshots or []:
        label = str(m.get("label", "") or "")
        found.append(("snapshot", _label(label) if label else "", str(m.get("snapshotid") or "")))
    for m in spec.fs.dirs or []:
        found.append(("dir", _label(str(m.get("label", "") or "")), ""))
    return found


def _label(label: str) -> str:
    return "/" + label.strip("/")


def cache_key(
    spec: FunctionSpec, input: Sequence[Any], cfs: Sequence[Sequence[FileDigest]] = ()
) -> str:
    """The hex SHA-256 of the canonical JSON of what a result depends on; ``cfs`` holds the
    files of each of ``cfs_sources(spec)``, in that order."""
    version = spec.cache.version if spec.cache is not None else ""
    doc = {
        "k": KEY_VERSION,
        "func": spec.func_name,
        "type": spec.conditions.executor_type,
        "args": spec.args,
        "kwargs": spec.kw_args,
        "env": spec.env,
        "in": list(input),
        "version": version,
        "cfs": [
            [kind, label, sorted(list(f) for f in files)]
            for (kind, label, _), files in zip(cfs_sources(spec), cfs, strict=False)
        ],
    }
    text = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()
