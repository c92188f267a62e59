"""Tables on a terminal fit its width and colour states; piped output stays whole and plain;
unset conditions show as empty."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from colonies.cli import tables
from colonies.cli.style import STYLE, Style, configure
from colonies.core import FunctionSpec, Process, ProcessState
from tests.conftest import spec

PID = "ab" * 32


def a_process(**fields: Any) -> Process:
    return Process(
        process_id=PID,
        initiator_id="cd" * 32,
        state=ProcessState.FAILED,
        spec=FunctionSpec.model_validate(spec(args=["x" * 70])),
        **fields,
    )


@pytest.fixture
def terminal() -> Iterator[Style]:
    """An 80-column terminal with colour, restored afterwards."""
    saved = Style(STYLE.width, STYLE.full_ids, STYLE.colour)
    STYLE.width, STYLE.full_ids, STYLE.colour = 80, False, True
    yield STYLE
    STYLE.width, STYLE.full_ids, STYLE.colour = saved.width, saved.full_ids, saved.colour


def test_on_a_terminal_ids_are_shortened_to_fit_and_states_coloured(terminal: Style) -> None:
    text = tables.process_table(a_process())
    assert PID not in text and tables.short_id(PID) in text
    assert max(len(line) for line in text.splitlines() if "State" not in line) <= 80
    assert "\x1b[31mFailed\x1b[0m" in text
    listed = tables.processes_table([a_process()], ProcessState.FAILED)
    assert tables.short_id(PID) in listed and "x" * 70 not in listed and "…" in listed


def test_wide_and_no_color_keep_tables_whole_and_plain(
    terminal: Style, monkeypatch: pytest.MonkeyPatch
) -> None:
    terminal.width, terminal.full_ids, terminal.colour = 0, True, False
    text = tables.process_table(a_process())
    assert PID in text and "\x1b[" not in text and "Failed" in text


def test_piped_output_is_whole_and_plain(monkeypatch: pytest.MonkeyPatch) -> None:
    saved = Style(STYLE.width, STYLE.full_ids, STYLE.colour)
    try:
        configure(full_ids=False)  # pytest's stdout is not a terminal
        assert (STYLE.width, STYLE.full_ids, STYLE.colour) == (0, True, False)
        text = tables.process_table(a_process())
        assert PID in text and "\x1b[" not in text
    finally:
        STYLE.width, STYLE.full_ids, STYLE.colour = saved.width, saved.full_ids, saved.colour


def test_unset_conditions_are_empty() -> None:
    text = tables.process_table(a_process())
    conditions = text.split("Conditions:")[1]
    for row in ("CPU", "Memory", "Storage", "GPUMemory", "Nodes", "Walltime", "GPUs"):
        line = next(x for x in conditions.splitlines() if f" {row} " in x)
        assert line.split("│")[2].strip() == "", line
    assert tables.unset("0m") == tables.unset("0Mi") == tables.unset(0) == ""
    assert tables.unset("500m") == "500m" and tables.unset("10Gi") == "10Gi"
    assert tables.unset(4) == "4"


def test_a_process_list_fits_80_columns_leaving_out_empty_columns(terminal: Style) -> None:
    listed = tables.processes_table([a_process(), a_process()], ProcessState.FAILED)
    assert max(len(line) for line in listed.splitlines()) <= 80, listed
    header = listed.splitlines()[1]
    assert "FuncName" in header and "Args" in header and "Initiator" not in header
    terminal.width = 0  # piped: every column, whole
    whole = tables.processes_table([a_process()], ProcessState.FAILED)
    assert "Initiator" in whole and "x" * 70 in whole
