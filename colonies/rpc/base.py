"""Msg: the base of every payload type; subclassing registers the class in MESSAGES."""

from __future__ import annotations

from typing import Any, ClassVar

from colonies.core._wire import WireModel

MESSAGES: dict[str, type[Msg]] = {}

READ_PREFIXES = ("get", "search", "subscribe")
"""Payload types named like this only read; every other type declares ``changes``."""

TARGET_FIELDS = (
    "process_graph_id",
    "process_id",
    "cron_id",
    "generator_id",
    "function_id",
    "file_id",
    "snapshot_id",
    "executor_name",
    "blueprint_name",
    "name",
    "colony_name",
    "namespace",
)
"""The field that names the object a message acts on, when the class declares none: the
first of these it has."""


class Msg(WireModel):
    """A request payload. ``payload_type`` is both the envelope type and ``msgtype``.

    ``websocket`` types are subscriptions, served on ``/pubsub`` only.

    ``action`` completes the reference's error texts: ``Failed to <action>, invalid JSON``.

    The audit log: ``changes_state`` says whether requests of the type change state (they
    are audited; None = not classified, which a unit test refuses). ``audit_target`` and
    ``audit_colony`` are attribute paths (``executor.colony_name``) to what the request acts
    on and its colony; a target path may start with ``reply.`` (the handler's result, for
    ids the server makes), and the first path with a value wins. Replies whose status is in
    ``audit_unchanged`` changed nothing and are not audited (an assign that found no work,
    or whose caller left: what it claimed went back).
    """

    payload_type: ClassVar[str] = ""
    action: ClassVar[str] = ""
    signed: ClassVar[bool] = True
    websocket: ClassVar[bool] = False
    changes_state: ClassVar[bool | None] = None
    audit_target: ClassVar[tuple[str, ...]] = ()
    audit_colony: ClassVar[str] = ""
    audit_unchanged: ClassVar[frozenset[int]] = frozenset()
    msgtype: str = ""

    def __init_subclass__(
        cls,
        payload_type: str = "",
        action: str = "",
        signed: bool = True,
        websocket: bool = False,
        changes: bool | None = None,
        target: str | tuple[str, ...] = (),
        colony: str = "",
        unchanged: tuple[int, ...] = (),
        **kwargs: Any,
    ) -> None:
        super().__init_subclass__(**kwargs)
        if not payload_type:
            return
        if payload_type in MESSAGES:
            raise TypeError(f"payload type {payload_type} registered twice")
        cls.payload_type = payload_type
        cls.action = action or payload_type.removesuffix("msg")
        cls.signed = signed
        cls.websocket = websocket
        if changes is None and payload_type.startswith(READ_PREFIXES):
            changes = False
        cls.changes_state = changes
        cls.audit_target = (target,) if isinstance(target, str) else target
        cls.audit_colony = colony
        cls.audit_unchanged = frozenset(unchanged)
        MESSAGES[payload_type] = cls

    @classmethod
    def __pydantic_init_subclass__(cls, **kwargs: Any) -> None:
        super().__pydantic_init_subclass__(**kwargs)
        # The fields are known only now: the audit paths a class leaves out default from them.
        fields = cls.model_fields
        if not cls.audit_target:
            cls.audit_target = tuple(f for f in TARGET_FIELDS if f in fields)[:1]
        if not cls.audit_colony:
            cls.audit_colony = next((f for f in ("colony_name", "namespace") if f in fields), "")
