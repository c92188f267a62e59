from __future__ import annotations

from enum import IntEnum

from colonies.core._wire import Int, WireModel
from colonies.crypto import sha3_hex


class AttributeType(IntEnum):
    IN = 0
    OUT = 1
    ERR = 2
    ENV = 3


class Attribute(WireModel):
    attribute_id: str = ""
    target_id: str = ""
    target_colony_name: str = ""
    target_process_graph_id: str = ""
    state: Int = 0
    attribute_type: Int = 0
    key: str = ""
    value: str = ""


def attribute_id(target_id: str, key: str, attribute_type: int) -> str:
    """Deterministic id: the same key and type on one process collide, as in the reference."""
    return sha3_hex(f"{target_id}{key}{attribute_type}")
