"""Attempt: one run of a process (ours; ``getprocessattemptsmsg``)."""

from __future__ import annotations

from pydantic import Field

from colonies.core._wire import ZERO_TIME, Int, Time, WireModel
from colonies.core.attribute import Attribute
from colonies.core.process import ProcessState


class Attempt(WireModel):
    """One attempt of a process. The latest is the process as it stands; earlier ones were
    kept when the process was retried, requeued or rerun. ``endedby`` says what ended a kept
    attempt (``failed``, ``timeout``, ``executor removed``, ``rerun``; empty for the latest),
    ``exitreason`` how it ended in a few words, ``backoffuntil`` when the next attempt could
    start, ``attributes`` its own (non-env) attributes, such as a resource report, and
    ``logs`` how many log lines it wrote."""

    process_id: str = ""
    attempt: Int = 0
    executor_id: str = ""
    executor_name: str = ""
    state: ProcessState = ProcessState.WAITING
    start_time: Time = ZERO_TIME
    end_time: Time = ZERO_TIME
    errors: list[str] = Field(default_factory=list)
    ended_by: str = ""
    exit_reason: str = ""
    backoff_until: Time = ZERO_TIME
    attributes: list[Attribute] = Field(default_factory=list)
    logs: Int = 0
