"""Handlers and message classes cover each other exactly."""

from __future__ import annotations

import pytest

from colonies.rpc import MESSAGES
from colonies.rpc.base import Msg
from colonies.rpc.process import SubscribeProcessMsg
from colonies.server.handlers import check_coverage, routes, subscriptions
from colonies.server.router import RpcRouter


def test_every_message_has_exactly_one_handler() -> None:
    table, subs = routes(), subscriptions()
    check_coverage(table, subs)
    assert set(table) | set(subs) == set(MESSAGES)
    assert {t for t, cls in MESSAGES.items() if cls.websocket} == set(subs)


def test_a_message_without_handler_fails_the_startup_check() -> None:
    class OrphanMsg(Msg, payload_type="orphanmsg"):
        pass

    try:
        with pytest.raises(RuntimeError, match="orphanmsg"):
            check_coverage(routes())
    finally:
        del MESSAGES[OrphanMsg.payload_type]


def test_a_payload_type_cannot_be_registered_twice() -> None:
    with pytest.raises(TypeError, match="registered twice"):

        class Again(Msg, payload_type="getcoloniesmsg"):
            pass


def test_a_subscription_cannot_be_registered_without_its_authorise_step() -> None:
    with pytest.raises(TypeError, match="authorise"):
        RpcRouter().subscribe(SubscribeProcessMsg)  # type: ignore[call-arg]
    assert all(sub.authorise is not None for sub in subscriptions().values())
