"""Generator (MODEL §11): packed arguments trigger runs of a stored workflow."""

from __future__ import annotations

from colonies.core._wire import ZERO_TIME, Int, Time, WireModel


class Generator(WireModel):
    """``workflow_spec`` is the WorkflowSpec as JSON text; ``timeout`` is in seconds.

    ``queue_size`` and ``checker_period`` (ms) are filled only by ``getgeneratormsg``.
    """

    generator_id: str = ""
    initiator_id: str = ""
    initiator_name: str = ""
    colony_name: str = ""
    name: str = ""
    workflow_spec: str = ""
    trigger: Int = 0
    timeout: Int = 0
    first_pack: Time = ZERO_TIME
    last_run: Time = ZERO_TIME
    queue_size: Int = 0
    checker_period: Int = 0
