"""The parts every back end shares: the command of a spec, its environment, admission."""

from __future__ import annotations

import pytest

from colonies.backends.common import (
    Admission,
    Outcome,
    Reason,
    SpecError,
    command,
    job_env,
    make_job,
    substitute,
)
from colonies.core import FunctionSpec, Gpu, Hardware, Process
from colonies.core.matching import needs


def spec(**fields: object) -> FunctionSpec:
    return FunctionSpec.model_validate(fields)


def test_string_cmd_runs_under_sh_with_quoted_args_and_process_id() -> None:
    s = spec(funcname="execute", kwargs={"cmd": "echo {processid}", "args": ["a b", "$HOME"]})
    assert command(s, "p1") == ["sh", "-c", "echo p1 'a b' '$HOME'"]


def test_list_cmd_is_the_argument_vector() -> None:
    s = spec(funcname="execute", kwargs={"cmd": ["python3", "-c"], "args": ["print(1)", 2]})
    assert command(s, "p1") == ["python3", "-c", "print(1)", "2"]


def test_funcname_without_cmd_is_the_command_with_spec_args() -> None:
    assert command(spec(funcname="echo", args=["hi", "{processid}"]), "p9") == ["echo", "hi", "p9"]


@pytest.mark.parametrize(
    "kwargs",
    [{}, {"cmd": "  "}, {"cmd": 5}, {"cmd": []}],
)
def test_spec_without_a_command_is_refused_with_a_sentence(kwargs: dict[str, object]) -> None:
    with pytest.raises(SpecError, match=r"cmd|command"):
        command(spec(funcname="execute", kwargs=kwargs), "p1")


def test_job_env_holds_only_the_spec_env_and_the_process_id(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("COLONIES_PRVKEY", "secret")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "secret")
    env = job_env(spec(env={"A": "x-{processid}"}), "p1")
    assert env == {"A": "x-p1", "COLONIES_PROCESS_ID": "p1"}


def test_substitute_reaches_nested_values() -> None:
    assert substitute({"a": ["{processid}/x", 3]}, "p") == {"a": ["p/x", 3]}


def test_admission_holds_and_releases_declared_capacity() -> None:
    adm = Admission(Hardware(cpu="4000m", mem="8Gi", gpu=Gpu(count=1)))
    one = needs(spec(conditions={"cpu": "1000m", "mem": "1Gi"}).conditions)
    for _ in range(4):
        assert adm.fits(one)
        adm.hold(one)
    assert not adm.fits(one)
    free = adm.free()
    assert free is not None and free.cpu == 0 and free.mem == 4 * 1024**3
    adm.release(one)
    assert adm.fits(one)
    big = needs(spec(conditions={"cpu": "8000m"}).conditions)
    assert "cpu 8000m > 4000m" in adm.never_fits(big)
    assert Admission(None).fits(big) and Admission(None).free() is None


def test_make_job_and_outcome_error_name_the_reason() -> None:
    process = Process.model_validate(
        {"processid": "p1", "spec": {"funcname": "true", "conditions": {"mem": "1Mi"}}}
    )
    job = make_job(process)
    assert job.argv == ["true"] and job.needs.mem == 1024**2
    assert Outcome(Reason.OOM, "killed at 32Mi").error() == "oom: killed at 32Mi"
    assert Outcome(Reason.EXIT, "exit status 3", exit_code=3).error() == "exit: exit status 3"
