"""Msg: the base of every payload type; subclassing registers the class in MESSAGES."""

from __future__ import annotations

from typing import Any, ClassVar

from colonies.core._wire import WireModel

MESSAGES: dict[str, type[Msg]] = {}


class Msg(WireModel):
    """A request payload. ``payload_type`` is both the envelope type and ``msgtype``.

    ``websocket`` types are subscriptions, served on ``/pubsub`` only.

    ``action`` completes the reference's error texts: ``Failed to <action>, invalid JSON``.
    """

    payload_type: ClassVar[str] = ""
    action: ClassVar[str] = ""
    signed: ClassVar[bool] = True
    websocket: ClassVar[bool] = False
    msgtype: str = ""

    def __init_subclass__(
        cls,
        payload_type: str = "",
        action: str = "",
        signed: bool = True,
        websocket: bool = False,
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
        MESSAGES[payload_type] = cls
