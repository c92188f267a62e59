"""A process's resource report read as function statistics, and the wire field."""

from __future__ import annotations

from colonies.core import Function, FunctionResources, parse_resource_report


def test_a_back_end_report_reads_as_one_report() -> None:
    got = parse_resource_report(
        '{"cpu_s":1.5,"peak_mem_bytes":1048576,"staged_in_bytes":10,'
        '"staged_out_bytes":20,"wall_s":2.25}'
    )
    assert got == FunctionResources(
        reports=1,
        wall_seconds=2.25,
        cpu_seconds=1.5,
        peak_mem_max=1 << 20,
        staged_in_bytes=10,
        staged_out_bytes=20,
    )


def test_other_values_are_not_reports_and_odd_entries_count_as_zero() -> None:
    for value in ("", "not json", "[1]", '{"cpu_s": 1}', '{"wall_s": true}', '{"wall_s": "1"}'):
        assert parse_resource_report(value) is None, value
    odd = parse_resource_report('{"wall_s": -1, "cpu_s": "x", "peak_mem_bytes": 1e30}')
    assert odd is not None
    assert (odd.wall_seconds, odd.cpu_seconds, odd.peak_mem_max) == (0.0, 0.0, (1 << 63) - 1)


def test_the_wire_field_is_absent_until_a_report_arrives() -> None:
    assert "resources" not in Function(func_name="execute").to_wire()
    wire = Function(
        func_name="execute", resources=FunctionResources(reports=2, staged_in_bytes=5)
    ).to_wire()
    assert wire["resources"]["reports"] == 2 and wire["resources"]["stagedinbytes"] == 5
    assert Function.from_wire(wire).resources == FunctionResources(reports=2, staged_in_bytes=5)
