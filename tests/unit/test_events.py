"""Wake-ups of parked assigns: one waiter per new process, handed on when not claimed."""

from __future__ import annotations

import json
from contextlib import ExitStack

from colonies.server.events import Events, Waiter

KEY = ("c", "cli")


def park(events: Events, stack: ExitStack, n: int) -> list[Waiter]:
    return [stack.enter_context(events.waiting(*KEY, Waiter())) for _ in range(n)]


async def test_a_named_process_wakes_the_first_idle_waiter_only() -> None:
    events = Events()
    with ExitStack() as stack:
        a, b, c = park(events, stack, 3)
        assert events.wake(*KEY, "p1") and events.wake(*KEY, "p2")
        assert [w.event.is_set() for w in (a, b, c)] == [True, True, False]
        assert (a.token and a.token.process_id, b.token and b.token.process_id) == ("p1", "p2")
        assert events.wakeups == 2


async def test_an_unnamed_wake_or_type_star_wakes_everyone() -> None:
    events = Events()
    with ExitStack() as stack:
        waiters = park(events, stack, 2)
        assert events.wake("c", "*")
        assert all(w.event.is_set() and w.token is None for w in waiters)


async def test_a_token_goes_to_waiters_that_have_not_tried_it() -> None:
    events = Events()
    with ExitStack() as stack:
        a, b = park(events, stack, 2)
        events.wake(*KEY, "p1")
        token = a.take()
        assert token is not None and not a.event.is_set()
        token.tried.add(a)  # a's claim found nothing it may run
        events.hand_on(*KEY, token)
        assert b.token is token and not a.event.is_set()
        token = b.take()
        assert token is not None
        token.tried.add(b)
        assert not events.hand_on(*KEY, token)  # nobody left to try: dropped
        assert not a.event.is_set() and not b.event.is_set()
        assert not events.wake("other", "cli", "p2")  # nobody parked there


async def test_a_waiter_leaving_with_a_token_hands_it_on() -> None:
    events = Events()
    with ExitStack() as stack:
        (b,) = park(events, stack, 1)
        with events.waiting(*KEY, Waiter()) as leaving:
            events.wake(*KEY, "p1")  # b is idle and first: b gets it
            assert b.token is not None and leaving.token is None
        b.take()
        with events.waiting(*KEY, Waiter()) as leaving:
            b.event.set()  # b busy now: the new process goes to `leaving`
            events.wake(*KEY, "p2")
            assert leaving.token is not None
            b.event.clear()
        # leaving returned (say with another process) holding p2 unclaimed: b gets it
        assert b.token is not None and b.token.process_id == "p2"


async def test_the_notification_of_a_local_submit_is_not_a_second_wake_up() -> None:
    events = Events()
    with ExitStack() as stack:
        a, b = park(events, stack, 2)
        events.expect_echo("p1")
        event = {"c": "c", "t": "cli", "p": "p1", "s": 0}
        events.on_notification(None, 0, "colonies_process", json.dumps(event))  # came first
        events.wake(*KEY, "p1")
        assert (a.event.is_set(), b.event.is_set(), events.wakeups) == (True, False, 1)
        events.on_notification(None, 0, "colonies_process", json.dumps(event))
        assert b.event.is_set()  # a later state-0 event of p1 (a requeue) wakes again


async def test_broadcasts_wake_without_counting_as_hand_offs() -> None:
    events = Events()
    with ExitStack() as stack:
        a, b = park(events, stack, 2)
        events.wake_all()  # a LISTEN reconnect: everyone looks again
        assert (events.wakeups, events.handoffs) == (2, 0)
        a.take(), b.take()
        events.wake(*KEY, "p1")
        assert (events.wakeups, events.handoffs) == (3, 1)
