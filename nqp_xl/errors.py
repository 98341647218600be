"""The one exception the library raises for anything a user can fix.

Every message is written for an analyst: it names the indicator, region or cell and
says what to do.  The Excel layer turns it into the cell text ``#NQP! <message>``.
"""
from __future__ import annotations

MAX_MESSAGE = 255
PREFIX = "#NQP! "


class NQPError(ValueError):
    """Bad input or an impossible request, described in the user's words."""

    def as_cell(self) -> str:
        return as_cell_text(str(self))


def as_cell_text(message: str) -> str:
    """``#NQP! message`` on one line, cut to Excel's 255-character comfort limit."""
    text = " ".join(str(message).split())
    if not text.startswith(PREFIX.strip()):
        text = PREFIX + text
    if len(text) > MAX_MESSAGE:
        text = text[: MAX_MESSAGE - 1] + "…"
    return text
