"""WireModel: one place for the Go JSON rules (wire names, null = zero value, UTC times)."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Annotated, Any, ClassVar, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    Strict,
    model_serializer,
    model_validator,
)
from pydantic_core.core_schema import SerializerFunctionWrapHandler

ZERO_TIME = datetime(1, 1, 1, tzinfo=UTC)


def utc_now() -> datetime:
    """The current time, timezone-aware in UTC."""
    return datetime.now(UTC)


def _to_utc(value: datetime) -> datetime:
    if value.year <= 1:
        # Go's zero time, also as printed in a local zone (``0001-01-01T01:12:12+01:12``).
        return ZERO_TIME
    if value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value.astimezone(UTC)


def is_zero_time(value: datetime) -> bool:
    """Go treats year-1 timestamps as unset."""
    return value.year <= 1


# Go's encoding/json refuses a float or a string for an int, a number for a bool, and an
# int that does not fit in 64 bits.
Int = Annotated[int, Strict(), Field(ge=-(2**63), le=2**63 - 1)]
Bool = Annotated[bool, Strict()]
Time = Annotated[datetime, AfterValidator(_to_utc)]


def _wire_name(name: str) -> str:
    return name.replace("_", "")


class WireModel(BaseModel):
    """Base of every JSON object on the wire.

    Attributes are snake_case; the wire name drops the underscores unless a field declares
    its own alias. Keys match case-insensitively, a null means the field's default (Go's zero
    value), unknown keys are ignored (kept, with ``extra="allow"``), and ``OMIT_EMPTY`` names
    wire keys left out when empty.
    """

    model_config = ConfigDict(
        alias_generator=_wire_name,
        populate_by_name=True,
        extra="ignore",
        frozen=False,
        # Schemas are built on first use: importing the models (every CLI command does)
        # stays cheap.
        defer_build=True,
    )

    OMIT_EMPTY: ClassVar[frozenset[str]] = frozenset()
    _wire_keys: ClassVar[dict[str, str]] = {}
    _exact_keys: ClassVar[frozenset[str]] = frozenset()

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        keys = {}
        for name, field in cls.model_fields.items():
            alias = field.alias or name
            keys[alias.lower()] = alias
        cls._wire_keys = keys
        cls._exact_keys = frozenset(keys.values()) | frozenset(cls.model_fields)
        if not cls.OMIT_EMPTY:
            # Nothing to omit: serialise without calling ``_omit_empty`` for every instance
            # (a Python call per nested model, the larger part of dumping a process). The
            # schema is built on first use (``defer_build``), after this.
            cls.__pydantic_decorators__.model_serializers.pop("_omit_empty", None)

    @model_validator(mode="before")
    @classmethod
    def _go_keys(cls, data: Any) -> Any:
        if not isinstance(data, dict):
            return data
        if data.keys() <= cls._exact_keys and None not in data.values():
            return data  # the usual case (our own wire names, no nulls): nothing to change
        keys = cls._wire_keys
        out: dict[str, Any] = {}
        for key, value in data.items():
            if value is None or not isinstance(key, str):
                continue
            if key in cls._exact_keys:
                out[key] = value
            else:
                alias = keys.get(key.lower())
                if alias is None:
                    if cls.model_config.get("extra") == "allow":
                        out.setdefault(key, value)
                elif alias not in data:
                    out.setdefault(alias, value)
        return out

    @model_serializer(mode="wrap")
    def _omit_empty(self, handler: SerializerFunctionWrapHandler) -> Any:
        data = handler(self)
        for key in self.OMIT_EMPTY:
            if key in data and not data[key]:
                del data[key]
        return data

    def to_wire(self) -> dict[str, Any]:
        """The JSON-ready dict with wire names."""
        return self.model_dump(mode="json", by_alias=True)

    def to_json(self) -> str:
        """Compact JSON text with wire names."""
        return json.dumps(self.to_wire(), separators=(",", ":"))

    @classmethod
    def from_wire(cls, data: Any) -> Self:
        """Validate a decoded JSON value."""
        return cls.model_validate(data)
