"""Colonies FS snapshot (MODEL §14): a named, immutable list of file IDs."""

from __future__ import annotations

from colonies.core._wire import ZERO_TIME, Time, WireModel


class Snapshot(WireModel):
    snapshot_id: str = ""
    colony_name: str = ""
    label: str = ""
    name: str = ""
    file_ids: list[str] | None = None
    added: Time = ZERO_TIME
