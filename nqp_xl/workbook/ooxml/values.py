"""Cell values as files hold them: the ``Error`` type, number text, and the one cell-value converter.

A ``<c>`` element's type ``t`` and raw text become the value xlwings would hand a UDF
(float, str, bool, :class:`Error`, ``None``); numbers go back to text as the shortest repr.
"""
from __future__ import annotations

from typing import Any

from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_ISO8601, to_excel


class Error(str):
    """An Excel error value such as ``#N/A`` (a str subclass so it prints as Excel shows it)."""


def number_text(x: float) -> str:
    """A float as a cell's ``<v>``: whole numbers without ``.0``, others the shortest repr."""
    x = float(x)
    if x.is_integer() and abs(x) < 1e15:
        return str(int(x))
    return repr(x)


_NOT_XML = {c: None for c in list(range(0, 9)) + [11, 12] + list(range(14, 32))}


def xml_text(text: str) -> str:
    """Text without the control characters XML 1.0 cannot carry."""
    return text.translate(_NOT_XML)


def date_serial(text: str, date1904: bool = False) -> float | str:
    """An ISO 8601 date cell (``t="d"``, as strict OOXML and some producers store dates) as the
    serial number Excel shows for it (days since 1899-12-30, or 1904-01-01 in a 1904 workbook),
    through openpyxl.utils.datetime; text that is not a date stays text."""
    try:
        return float(to_excel(from_ISO8601(text.strip()), CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900))
    except (ValueError, TypeError, AttributeError):
        return text


def cell_value(t: str | None, raw: str | None, shared: list[str], date1904: bool = False) -> Any:
    if raw is None:  # <v></v> of a formula answering empty text is "", so a refresh sees it unchanged
        return "" if t == "str" else None
    if t == "s":
        try:
            return shared[int(raw)]
        except (ValueError, IndexError):
            return None
    if t == "d":
        return date_serial(raw, date1904)
    if t == "str":
        return raw
    if t == "b":
        return raw.strip() in ("1", "true")
    if t == "e":
        return Error(raw.strip())
    try:
        return float(raw)
    except ValueError:
        return None


__all__ = ["Error", "cell_value", "date_serial", "number_text", "xml_text"]
