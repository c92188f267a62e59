"""Retry policies as pure functions: backoff arithmetic, failure matching, escalation caps;
and what old clients see of the new optional fields (nothing, unless a spec uses them)."""

from __future__ import annotations

import pytest

from colonies.core import FunctionSpec, ProcessGraph, ProcessState, WorkflowSpec
from colonies.core.function_spec import Backoff, Conditions, Retry
from colonies.core.retry import Failure, backoff_delay, exit_reason, matches, plan, validate
from colonies.core.units import parse_memory
from colonies.errors import BadRequest


def test_exponential_backoff_doubles_then_stops_at_its_cap() -> None:
    b = Backoff(kind="exponential", delay=2, max_delay=10)
    assert [backoff_delay(b, n, lambda: 0.5) for n in range(1, 6)] == [2, 4, 8, 10, 10]
    assert backoff_delay(Backoff(delay=3), 7, lambda: 0.5) == 3  # fixed


@pytest.mark.parametrize("draw", [0.0, 0.25, 0.999])
def test_jitter_spreads_the_delay_within_its_fraction_and_the_cap(draw: float) -> None:
    b = Backoff(delay=10, jitter=0.5, max_delay=12)
    assert 5 <= backoff_delay(b, 1, lambda: draw) <= 12


def test_failures_match_by_exit_code_error_text_or_timeout() -> None:
    on = Retry.model_validate({"on": {"exitcodes": [137], "errors": ["reset"]}}).on
    assert matches(on, Failure(["container exited with status 137"]))
    assert matches(on, Failure(["exit code: 137"]))
    assert matches(on, Failure(["connection reset"]))
    assert not matches(on, Failure(["exited with status 1"]))
    assert not matches(on, Failure([], timed_out=True))
    assert matches(Retry.model_validate({"on": "any"}).on, Failure(["whatever"]))
    assert matches(Retry().on, Failure(["whatever"]))  # nothing listed: any failure


def test_escalation_never_passes_its_limit_and_waits_for_preemption_when_asked() -> None:
    retry = Retry.model_validate(
        {"attempts": 9, "escalate": {"mem": 3, "memlimit": "5Gi", "preemptiononly": True}}
    )
    cond = Conditions(mem="2Gi")
    oom = plan(retry, 1, Failure(["OOMKilled"]), cond, lambda: 0.5)
    assert oom is not None and oom.mem == parse_memory("5Gi")
    other = plan(retry, 1, Failure(["exited with status 1"]), cond, lambda: 0.5)
    assert other is not None and other.mem == parse_memory("2Gi")
    assert plan(retry, 9, Failure(["OOMKilled"]), cond, lambda: 0.5) is None  # exhausted


@pytest.mark.parametrize(
    ("policy", "text"),
    [
        ({"attempts": 2, "escalate": {"cpu": 2}}, "cpulimit is not set"),
        ({"attempts": 2, "escalate": {"mem": 0.5, "memlimit": "1Gi"}}, "retry.escalate.mem"),
        ({"attempts": 2, "escalate": {"mem": 2, "memlimit": "lots"}}, "lots"),
        ({"attempts": 5000}, "retry.attempts"),
    ],
)
def test_policies_the_server_cannot_follow_are_refused(
    policy: dict[str, object], text: str
) -> None:
    with pytest.raises(BadRequest, match=text):
        validate(Retry.model_validate(policy))


def test_exit_reasons_in_a_few_words() -> None:
    assert exit_reason(ProcessState.FAILED, ["Maximum execution time limit exceeded"]) == "timeout"
    assert exit_reason(ProcessState.FAILED, ["boom"], "timeout") == "timeout"
    assert exit_reason(ProcessState.FAILED, ["sh exited with status 2"]) == "exit code 2"
    assert exit_reason(ProcessState.FAILED, ["slurm: OUT_OF_MEMORY"]) == "out of memory"
    assert exit_reason(ProcessState.FAILED, ["NODE_FAIL"]) == "preempted"
    assert exit_reason(ProcessState.FAILED, []) == "failed"
    assert exit_reason(ProcessState.RUNNING, [], "executor removed") == "executor removed"
    assert (
        exit_reason(ProcessState.CANCELLED, ["Skipped: ancestor b (process x) failed"]) == "skipped"
    )


def test_old_clients_see_only_the_reference_fields_unless_a_spec_uses_new_ones() -> None:
    assert "retry" not in FunctionSpec(func_name="f").to_wire()
    assert "failurepolicy" not in WorkflowSpec().to_wire()
    assert "failurepolicy" not in ProcessGraph().to_wire()
    retry = FunctionSpec.from_wire({"retry": {"attempts": 2}}).to_wire()["retry"]
    assert retry["attempts"] == 2 and "escalate" not in retry
