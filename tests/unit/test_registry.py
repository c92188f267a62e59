"""Handlers and message classes cover each other exactly."""

from __future__ import annotations

from typing import Any, get_args

import pytest
from pydantic import BaseModel

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


def test_every_payload_type_says_whether_it_changes_state() -> None:
    unclassified = sorted(t for t, cls in MESSAGES.items() if cls.changes_state is None)
    assert unclassified == [], "declare changes=True/False on these message classes"
    reads = {t for t, cls in MESSAGES.items() if not cls.changes_state}
    assert {"getprocessmsg", "searchlogsmsg", "subscribeprocessmsg", "versionmsg"} <= reads
    assert "channelreadmsg" in reads and "getauditmsg" in reads
    changes = set(MESSAGES) - reads
    assert {"submitfuncspecmsg", "assignprocessmsg", "addlogmsg", "removecolonymsg"} <= changes


def _model_of(annotation: Any) -> type[BaseModel] | None:
    """The model a field holds (``Spec | None`` included), None for plain values."""
    for kind in (annotation, *get_args(annotation)):
        if isinstance(kind, type) and issubclass(kind, BaseModel):
            return kind
    return None


def _resolves(model: type[BaseModel] | None, path: str) -> bool:
    """Whether an attribute path names fields, model by model."""
    for name in path.split("."):
        field = model.model_fields.get(name) if model else None
        if field is None:
            return False
        model = _model_of(field.annotation)
    return True


def test_every_state_changing_type_names_its_target_and_colony_by_existing_fields() -> None:
    replies = {"process_id", "process_graph_id", "cron_id", "file_id", "function_id"}
    replies |= {"generator_id", "snapshot_id", "ticket_id"}
    for payload_type, cls in MESSAGES.items():
        if not cls.changes_state:
            continue
        assert cls.audit_target, payload_type
        for path in cls.audit_target:
            if path.startswith("reply."):
                assert path.removeprefix("reply.") in replies, (payload_type, path)
            else:
                assert _resolves(cls, path), (payload_type, path)
        if cls.audit_colony:
            assert _resolves(cls, cls.audit_colony), (payload_type, cls.audit_colony)


def test_a_new_payload_type_not_named_like_a_read_is_unclassified() -> None:
    class FrobnicateMsg(Msg, payload_type="frobnicatemsg"):
        widget_id: str = ""

    class GetWidgetMsg(Msg, payload_type="getwidgetmsg"):
        name: str = ""

    try:
        assert FrobnicateMsg.changes_state is None
        assert GetWidgetMsg.changes_state is False
        assert GetWidgetMsg.audit_target == ("name",)
    finally:
        del MESSAGES[FrobnicateMsg.payload_type]
        del MESSAGES[GetWidgetMsg.payload_type]
