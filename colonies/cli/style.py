"""How this command draws its tables; set once from the terminal by the root group (kept
apart from tables.py so that setting it imports nothing heavy)."""

from __future__ import annotations

import os
import shutil
import sys
from dataclasses import dataclass


@dataclass
class Style:
    """``width`` to fit (0: no limit), whole ids or shortened ones, colour for states."""

    width: int = 0
    full_ids: bool = True
    colour: bool = False


STYLE = Style()


def configure(full_ids: bool) -> None:
    """On a terminal: fit its width (ids shortened unless ``full_ids``) and colour states
    unless NO_COLOR is set; piped output stays whole and plain, for scripts."""
    tty = sys.stdout.isatty()
    STYLE.width = shutil.get_terminal_size().columns if tty and not full_ids else 0
    STYLE.full_ids = full_ids or not tty
    STYLE.colour = tty and not os.environ.get("NO_COLOR") and os.environ.get("TERM") != "dumb"
