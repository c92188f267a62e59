"""The result of a process an executor reports in a batch (``closeprocessesmsg``, ours) and
the server's answer for each."""

from __future__ import annotations

from typing import Any

from pydantic import Field

from colonies.core._wire import Bool, Int, WireModel


class ProcessResult(WireModel):
    """A finished process: its output (``failed`` false, as ``closesuccessfulmsg``) or its
    errors (``failed`` true, as ``closefailedmsg``)."""

    process_id: str = ""
    failed: Bool = False
    output: list[Any] = Field(default_factory=list, alias="out")
    errors: list[str] = Field(default_factory=list)


class ResultOutcome(WireModel):
    """What became of one result: status 200 (closed), else the status and message the
    single close of the process would have answered."""

    process_id: str = ""
    status: Int = 200
    message: str = ""
