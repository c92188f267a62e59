"""core.matching: why no executor can take a spec, in the order assignment filters."""

from __future__ import annotations

from colonies.core import Conditions, Executor, ExecutorState, Gpu, Hardware
from colonies.core.executor import Capabilities
from colonies.core.function_spec import Requirements as Resources
from colonies.core.matching import capacity, why_unassignable


def executor(
    name: str,
    kind: str = "cli",
    state: ExecutorState = ExecutorState.APPROVED,
    location: str = "",
    hardware: list[Hardware] | None = None,
) -> Executor:
    return Executor(
        executor_name=name,
        executor_type=kind,
        colony_name="c",
        state=state,
        location_name=location,
        capabilities=Capabilities(hardware=hardware),
    )


def conditions(**fields: object) -> Conditions:
    return Conditions.model_validate({"colonyname": "c", "executortype": "cli", **fields})


GPU_BOX = executor("gpu-box", "gpu", hardware=[Hardware(cpu="8000m", gpu=Gpu(name="t4", count=1))])
FLEET = [executor("a", location="Lab"), GPU_BOX, executor("old", "ml", ExecutorState.UNREGISTERED)]


def test_a_spec_an_approved_executor_matches_has_no_reasons() -> None:
    assert why_unassignable(conditions(), FLEET) == []
    assert why_unassignable(conditions(locationname="lab"), FLEET) == []  # any case
    assert why_unassignable(conditions(executornames=["*"]), FLEET) == []
    fits = conditions(executortype="gpu", cpu="4000m", gpu={"name": "T4", "count": 1})
    assert why_unassignable(fits, FLEET) == []
    # an executor that declared no hardware takes any request, as assignment does
    assert why_unassignable(conditions(cpu="64000m", gpu={"count": 8}), FLEET) == []


def test_no_executor_type_is_the_first_reason() -> None:
    (reason,) = why_unassignable(conditions(executortype=""), FLEET)
    assert "names no executor type (conditions.executortype)" in reason
    assert "'cli', 'gpu'" in reason and "'ml'" not in reason  # unregistered types left out


def test_an_unknown_type_suggests_the_registered_one_it_is_closest_to() -> None:
    (reason,) = why_unassignable(conditions(executortype="clii"), FLEET)
    assert "No executor of type 'clii' is registered in colony c (did you mean 'cli'?)" in reason


def test_names_location_and_hardware_each_say_what_is_missing() -> None:
    (names,) = why_unassignable(conditions(executornames=["b"]), FLEET)
    assert "has one of the names in conditions.executornames ('b')" in names
    (place,) = why_unassignable(conditions(locationname="Mars"), FLEET)
    assert "at location 'Mars'" in place and "their locations: 'Lab'" in place
    (hardware,) = why_unassignable(
        conditions(executortype="gpu", cpu="16000m", gpu={"name": "a100", "count": 2}), FLEET
    )
    assert "gpu-box (cpu 16000m > 8000m, gpu count 2 > 1, gpu 'a100' != 't4')" in hardware


def test_matching_executors_that_are_not_approved_are_named_with_their_state() -> None:
    fleet = [
        executor("p", state=ExecutorState.PENDING),
        executor("r", state=ExecutorState.REJECTED),
    ]
    (reason,) = why_unassignable(conditions(), fleet)
    assert "not approved: p (pending approval), r (rejected)" in reason
    assert "`colonies executor approve --name p`" in reason
    (gone,) = why_unassignable(conditions(executortype="ml"), FLEET)
    assert "old (unregistered)" in gone


def test_capacity_reads_the_hardware_as_assignment_compares_it() -> None:
    hw = Hardware(cpu="4", mem="16Gi", storage="1TiB", nodes=2, gpu=Gpu(name="t4", count=1))
    assert capacity(hw) == Resources(4000, 16 * 1024**3, 1024**4, 2, "t4", 1, 0)
    assert capacity(Hardware(cores=8, mem="lots")).cpu == 8000
    assert capacity(Hardware(cores=8, mem="lots")).mem == 0
