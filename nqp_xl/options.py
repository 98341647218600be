"""Validation of the scalar options users type into formulas (``n_factors``, ``k``, ...).

Excel hands every number over as a float and an omitted argument as ``None``; these
helpers accept that, and answer an :class:`NQPError` naming the option otherwise.
"""
from __future__ import annotations

import itertools
import math
from typing import Any, Sequence

import numpy as np

from .cell_values import EXCEL_ERROR_CODES, is_error_value
from .errors import NQPError


def is_blank(value: Any) -> bool:
    """An omitted argument or an empty cell (None, "", NaN)."""
    return value is None or (isinstance(value, str) and not value.strip()) or (
        isinstance(value, float) and math.isnan(value)
    )


def one_cell(value: Any) -> Any:
    """A scalar argument as its value: a 1×1 range [[v]] unwrapped (a longer range: its first cell)."""
    cells = flatten(value)
    return cells[0] if cells else None


def is_empty(value: Any) -> bool:
    """An omitted range argument or a range of blank cells only."""
    return value is None or all(is_blank(c) for c in flatten(value))


def unwrap(value: Any) -> Any:
    """A 1×1 range arrives as [[v]]: unwrap it."""
    while isinstance(value, (list, tuple)) and len(value) == 1:
        value = value[0]
    return value


def flatten(value: Any) -> list:
    """A cell, a row, a column or a block of cells as one flat list."""
    if not isinstance(value, (list, tuple)):
        return [value]
    seq = (list, tuple)
    if all(isinstance(v, seq) for v in value):  # a block of rows: the common case, in C
        flat = list(itertools.chain.from_iterable(value))
    else:
        flat = [x for v in value for x in (v if isinstance(v, seq) else (v,))]
    if any(isinstance(x, seq) for x in flat):  # nested deeper
        return list(itertools.chain.from_iterable(flatten(v) for v in value))
    return flat


def option_cell(value: Any, name: str) -> Any:
    """A scalar option's value (a one-cell range unwrapped); an Excel error there (a COM error
    code or its text, e.g. from a failed lookup) is refused, naming the option."""
    value = unwrap(value)
    if not isinstance(value, bool) and is_error_value(value) and not (isinstance(value, str) and value.startswith("#NQP!")):
        shown = EXCEL_ERROR_CODES[value] if isinstance(value, int) else value.strip()
        raise NQPError(f"{name} is the error {shown}; the cell it refers to must hold a value")
    return value


def _number(value: Any, name: str, what: str) -> float | None:
    """A cell's number (``None`` when blank), or an error saying what ``name`` must be."""
    if is_blank(value):
        return None
    if isinstance(value, bool):
        raise NQPError(f"{name} must be {what}, not {str(value).upper()}")
    try:
        return float(value.strip()) if isinstance(value, str) else float(value)
    except (TypeError, ValueError):
        raise NQPError(f'{name} must be {what}, not "{value}"') from None


def whole_number(value: Any, name: str, low: int | None = None, high: int | None = None,
                 default: int | None = None) -> int | None:
    """An optional whole number within [low, high]."""
    value = option_cell(value, name)
    x = _number(value, name, "a whole number")
    if x is None:
        return default
    if not math.isfinite(x) or x != int(x):
        raise NQPError(f"{name} must be a whole number, not {value}")
    n = int(x)
    if low is not None and n < low:
        raise NQPError(f"{name}={n} is too small; it must be at least {low}")
    if high is not None and n > high:
        raise NQPError(f"{name}={n} is too large; it can be at most {high}")
    return n


def fraction(value: Any, name: str, default: float | None = None) -> float | None:
    """An optional fraction in (0, 1]; "85%" and 85 are refused with a hint."""
    value = option_cell(value, name)
    x = _number(value, name, "a fraction such as 0.85")
    if x is None:
        return default
    if not math.isfinite(x) or x <= 0 or x > 1:
        hint = f" (for {x:g}% write {x / 100:g})" if 5 <= x <= 100 else ""
        raise NQPError(f"{name}={value:g} is outside (0, 1]; give a fraction such as 0.85{hint}"
                       if isinstance(value, (int, float)) else f"{name}={value} is outside (0, 1]")
    return x


def nonnegative(value: Any, name: str, example: str, default: float = 0.0) -> float:
    """An optional number >= 0 (e.g. the entropy ``shift``)."""
    x = _number(option_cell(value, name), name, f"a non-negative number such as {example}")
    if x is None:
        return default
    if not math.isfinite(x) or x < 0:
        raise NQPError(f"{name}={value} must be a non-negative number such as {example}")
    return x


def flag(value: Any, name: str, default: bool) -> bool:
    """TRUE/FALSE, 1/0 or "yes"/"no"."""
    value = option_cell(value, name)
    if is_blank(value):
        return default
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in ("true", "yes", "1", "是"):
        return True
    if isinstance(value, str) and value.strip().lower() in ("false", "no", "0", "否"):
        return False
    raise NQPError(f'{name} must be TRUE or FALSE, not "{value}"')


def choice(value: Any, name: str, allowed: Sequence[str], default: str) -> str:
    """One of a few method names, case-insensitive."""
    value = option_cell(value, name)
    if is_blank(value):
        return default
    text = str(value).strip().lower()
    if text not in allowed:
        listed = ", ".join(f'"{a}"' for a in allowed)
        raise NQPError(f'{name}="{value}" is not known; use one of {listed}')
    return text


def directions(value: Any, names: Sequence[str]) -> np.ndarray:
    """A row of "+"/"-" (or 1/-1, "positive"/"negative", "正"/"负"), one per indicator.

    Answers an array of +1.0/-1.0; ``None`` means all "+".
    """
    p = len(names)
    cells = flatten(value)
    if all(is_blank(c) for c in cells):
        return np.ones(p)
    if len(cells) == 1 and isinstance(cells[0], str) and "," in cells[0]:
        cells = [c.strip() for c in cells[0].split(",")]
    if len(cells) != p:
        raise NQPError(f"directions has {len(cells)} cells but there are {p} indicators; give one \"+\" or \"-\" per indicator")
    out = np.empty(p)
    for j, c in enumerate(cells):
        out[j] = _direction(c, names[j])
    return out


_PLUS = {"+", "1", "1.0", "positive", "pos", "benefit", "正", "正向", "+1"}
_MINUS = {"-", "-1", "-1.0", "negative", "neg", "cost", "负", "负向", "逆", "逆向"}


def _direction(cell: Any, name: str) -> float:
    if cell is None or (isinstance(cell, str) and not cell.strip()):
        return 1.0
    if isinstance(cell, (int, float)) and not isinstance(cell, bool):
        if cell == 1:
            return 1.0
        if cell == -1:
            return -1.0
    text = str(cell).strip().lower()
    if text in _PLUS:
        return 1.0
    if text in _MINUS:
        return -1.0
    raise NQPError(f'direction of indicator "{name}" is "{cell}"; use "+" (more is better) or "-" (less is better)')
