"""Systems of equations as users write them, and the data they use.

Forms (SPEC Part 2, "Equations"), one equation per cell, or several in one text separated by
";" or line breaks::

    y ~ x1 + x2            y = x1 + x2            (y x1 x2) (x1 y x3)      Stata reg3 style

A variable is a column header (matched ignoring case) or ``ln(col)`` / ``log(col)``, the natural
logarithm of a column whose used values are all positive (shown as ``ln(col)``), or the product
``a*b`` of two such factors (an interaction, e.g. DID's ``treat*post``).  Every equation has an
intercept; ``+ 1`` is allowed and ignored, removing it is refused.

:func:`system_data` converts the data once (through :func:`nqp_xl.table.check_table`) with only
the label columns and the columns the equations use, so a row drops out only when one of
those is blank or an error; then it forms the logarithms, refusing a value that is not
positive by region and cell.
"""
from __future__ import annotations

import difflib
import re
from dataclasses import dataclass, field
from typing import Any, Sequence

import numpy as np

from .columns import is_text_cell, label_count, range_rows, take_columns
from .errors import NQPError
from .options import flatten, is_blank
from .table import Table, cell_name, check_table

__all__ = ["Term", "parse_system", "SystemData", "system_data", "resolve_column", "data_header", "CONS"]

CONS = "_cons"
_SPLIT = re.compile(r"[;\n\r]+")
_FUNC = re.compile(r"^(ln|log)\s*\(\s*(.+?)\s*\)$", re.IGNORECASE)
_STATA_TOKEN = re.compile(r"(?:ln|log)\s*\(\s*[^()]*?\s*\)|[^\s()]+", re.IGNORECASE)


@dataclass(frozen=True)
class Term:
    """A variable of an equation: a column, or the natural log of one (``log=True``); with
    ``times``, the product of that and a second factor (``a*b``)."""

    column: str
    log: bool = False
    times: "Term | None" = None

    @property
    def name(self) -> str:
        own = f"ln({self.column})" if self.log else self.column
        return f"{own}*{self.times.name}" if self.times is not None else own

    @property
    def factors(self) -> tuple["Term", ...]:
        """The factors of a product (one for a plain term), each without ``times``."""
        own = Term(self.column, self.log)
        return (own,) if self.times is None else (own, *self.times.factors)


def _split_product(text: str) -> list[str]:
    """``a*ln(b)`` as its factors, splitting at "*" outside parentheses."""
    parts, depth, start = [], 0, 0
    for i, ch in enumerate(text):
        depth += (ch == "(") - (ch == ")")
        if ch == "*" and depth == 0:
            parts.append(text[start:i])
            start = i + 1
    return parts + [text[start:]]


def _term(text: str, where: str) -> Term:
    parts = _split_product(text.strip())
    if len(parts) > 2:
        raise NQPError(f'{where}: "{text.strip()}" multiplies {len(parts)} factors; a product has two '
                       '(a*b), make a column for a longer one')
    if len(parts) == 2:
        a, b = (_factor(p, where) for p in parts)
        if a == b:
            raise NQPError(f'{where}: "{text.strip()}" multiplies a variable by itself; make a column for the square')
        return Term(a.column, a.log, b)
    return _factor(parts[0], where)


def _factor(text: str, where: str) -> Term:
    t = text.strip()
    if not t:
        raise NQPError(f'{where}: a product "a*b" has an empty factor')
    m = _FUNC.match(t)
    if m:
        inner = m.group(2).strip()
        if not inner or "(" in inner or ")" in inner:
            raise NQPError(f'{where}: "{t}" must be ln(column) of one column')
        return Term(inner, True)
    if "(" in t or ")" in t:
        raise NQPError(f'{where}: "{t}" is not a column; only ln(column) or log(column) may be applied')
    return Term(t)


def _stata_groups(text: str) -> list[str]:
    """The top-level parenthesised groups of "(y x1 x2) (x1 y x3)"."""
    groups, depth, start = [], 0, None
    for i, ch in enumerate(text):
        if ch == "(":
            if depth == 0:
                start = i + 1
            depth += 1
        elif ch == ")":
            depth -= 1
            if depth < 0:
                raise NQPError(f'equations "{text[:60]}" has a ")" without its "("')
            if depth == 0:
                groups.append(text[start:i])
        elif depth == 0 and not ch.isspace():
            raise NQPError(f'equations "{text[:60]}": write each equation in parentheses, '
                           'as Stata does: "(y1 y2 x1) (y2 y1 x2)"')
    if depth:
        raise NQPError(f'equations "{text[:60]}" has a "(" without its ")"')
    return groups


def _stata_equation(group: str) -> tuple[str, list[str]]:
    tokens = _STATA_TOKEN.findall(group)
    if "".join(tokens).replace(" ", "") != re.sub(r"\s+", "", group):
        raise NQPError(f'equation "({group[:60]})" is not a list of columns')
    if len(tokens) > 1 and tokens[1] == "=":
        tokens = [tokens[0]] + tokens[2:]
    if not tokens:
        raise NQPError("an equation in parentheses is empty")
    return tokens[0], tokens[1:]


def _split_sides(text: str) -> tuple[str, list[str]]:
    if text.count("~") == 1:
        lhs, rhs = text.split("~")
    elif "~" not in text and text.count("=") == 1:
        lhs, rhs = text.split("=")
    else:
        raise NQPError(f'equation "{text[:60]}" must have the form "y ~ x1 + x2", "y = x1 + x2" or "(y x1 x2)"')
    lhs = lhs.strip()
    if not lhs or "+" in lhs:
        raise NQPError(f'equation "{text[:60]}" needs one dependent variable before "~"')
    terms = [t.strip() for t in rhs.split("+")]
    if any(not t for t in terms):
        raise NQPError(f'equation "{text[:60]}" has an empty term; write "y ~ x1 + x2"')
    return lhs, terms


def parse_system(equations: Any) -> list[tuple[Term, list[Term]]]:
    """Equations as (dependent, [regressors]) terms, from text or a range of cells."""
    if isinstance(equations, str):
        texts = [equations]
    else:
        texts = [c for c in flatten(equations) if c is not None and not (isinstance(c, float) and c != c)]
    parts: list[tuple[str, list[str]]] = []
    for t in texts:
        if not isinstance(t, str):
            raise NQPError(f'equations must be text such as "y ~ x1 + x2", not {t!r}')
        for piece in (p.strip() for p in _SPLIT.split(t)):
            if not piece:
                continue
            if piece.startswith("(") and "~" not in piece:
                parts.extend(_stata_equation(g) for g in _stata_groups(piece))
            else:
                parts.append(_split_sides(piece))
    if not parts:
        raise NQPError('equations is empty; write one equation per cell, or separate them with ";", '
                       'e.g. "y1 ~ y2 + x1 + x2; y2 ~ y1 + x3 + x4" or Stata\'s "(y1 y2 x1 x2) (y2 y1 x3 x4)"')
    out = []
    for lhs, terms in parts:
        where = f'equation for "{lhs}"'
        dep = _term(lhs, where)
        regs: list[Term] = []
        for t in terms:
            if t in ("1", CONS):
                continue  # the intercept is always included
            if t in ("0", "-1") or t.startswith("-") or re.search(r"\s-\s*[01]$", t):
                raise NQPError(f"{where}: every equation has an intercept (_cons); terms cannot be removed")
            term = _term(t, where)
            if term in regs:
                raise NQPError(f'{where} names "{term.name}" twice')
            regs.append(term)
        if not regs:
            raise NQPError(f'{where} has no regressors')
        out.append((dep, regs))
    return out


# ----------------------------------------------------------------------------- the data


@dataclass(frozen=True, eq=False)
class SystemData:
    """The equations over resolved variable names and their values on the complete rows.

    ``equations``: (dependent name, [regressor names]); ``values``: name → the variable on
    ``table``'s complete rows (logarithms and products formed); ``table``: the one conversion
    (label columns and the used columns only); ``keys``: the cells of each column asked for by
    ``keys=`` (e.g. region and year), on the complete rows, as they are (None for a blank)."""

    table: Table
    equations: list[tuple[str, list[str]]]
    values: dict[str, np.ndarray]
    keys: dict[str, list] = field(default_factory=dict)


def _resolve(name: str, names: Sequence[str], lookup: dict[str, str]) -> str:
    if name in names:
        return name
    if name.lower() in lookup:
        return lookup[name.lower()]
    close = difflib.get_close_matches(name, list(names), n=3, cutoff=0.5)
    hint = (" (did you mean " + ", ".join(f'"{c}"' for c in close) + "?)") if close else ""
    some = ", ".join(f'"{n}"' for n in list(names)[:6]) + (", ..." if len(names) > 6 else "")
    raise NQPError(f'variable "{name}" is not a column of the data{hint}; the columns are {some}')


def resolve_column(name: str, header: Sequence[str]) -> str:
    """``name`` as it is spelt in ``header`` (matched ignoring case), or an error naming the
    columns there are and the closest ones."""
    names = [h for h in header if h]
    lookup = {h.lower(): h for h in reversed(names)}
    return _resolve(name, names, lookup)


def _header_and_rows(data: Any, id_cols: Any) -> tuple[list[str], list[list] | None, Any, int]:
    """Column names, the range rows (None for a DataFrame) and the number of label columns."""
    try:
        import pandas as pd  # 0.3 s of start-up (-X importtime), paid only here
    except ImportError:  # pragma: no cover
        pd = None
    if pd is not None and isinstance(data, pd.DataFrame):
        return [str(c) for c in data.columns], None, data, 0
    if isinstance(data, Table):
        raise NQPError("equations need the data with its header row, not a converted table")
    rows = range_rows(data)
    if len(rows) < 2 or not all(is_text_cell(v) or is_blank(v) for v in rows[0]) or not any(map(is_text_cell, rows[0])):
        raise NQPError("the data range needs a header row of variable names for the equations to refer to")
    n_lab = label_count(rows, id_cols)
    return [str(v).strip() if v is not None else "" for v in rows[0]], rows, data, n_lab


def data_header(data: Any, id_cols: Any = None) -> tuple[list[str], int]:
    """The header names of ``data`` (a range with a header row or a DataFrame) and how many
    leading label columns it has."""
    header, _, _, n_lab = _header_and_rows(data, id_cols)
    return header, n_lab


def system_data(data: Any, equations: Any, id_cols: Any = None, missing: Any = None,
                keys: Sequence[str] = ()) -> SystemData:
    """Parse ``equations``, resolve their columns in ``data``'s header, convert only those
    columns (and the labels) once, and form the logarithms and products.  ``keys``: header
    names of further columns (any content) whose cells come back in ``SystemData.keys``."""
    parsed = parse_system(equations)
    header, rows, frame, n_lab = _header_and_rows(data, id_cols)
    names = [h for h in header if h]
    lookup: dict[str, str] = {}
    for h in reversed(names):
        lookup[h.lower()] = h
    order: list[str] = []  # resolved columns, in order of use

    def resolve(term: Term) -> Term:
        col = _resolve(term.column, names, lookup)
        if col not in order:
            order.append(col)
        return Term(col, term.log, resolve(term.times) if term.times is not None else None)

    terms = [(resolve(d), [resolve(r) for r in regs]) for d, regs in parsed]
    if rows is None:
        table = check_table(frame[order], id_cols=0, missing=missing)
    else:
        table = check_table(take_columns(rows, [header.index(c) for c in order], n_lab),
                            id_cols=n_lab, missing=missing)
    col = {c: table.values[:, j] for j, c in enumerate(order)}
    kept = np.flatnonzero(table.keep)

    def factor(t: Term) -> np.ndarray:
        x = col[t.column]
        if not t.log:
            return x
        bad = np.flatnonzero(~(x > 0))
        if bad.size:
            i = int(kept[bad[0]])
            where = f" ({cell_name(table.first_row + i, header.index(t.column))})" if rows is not None else ""
            raise NQPError(f'{t.name} needs positive values; {table.who(i)} has {t.column} = '
                           f"{x[bad[0]]:.10g}{where}")
        return np.log(x)

    values: dict[str, np.ndarray] = {}
    for d, regs in terms:
        for t in [d, *regs]:
            if t.name not in values:
                parts = [factor(f) for f in t.factors]
                values[t.name] = parts[0] if len(parts) == 1 else parts[0] * parts[1]
    eqs = [(d.name, [r.name for r in regs]) for d, regs in terms]
    key_cells: dict[str, list] = {}
    for k in keys:
        c = _resolve(k, names, lookup)
        cells = (frame[c].astype(object).where(frame[c].notna(), None).tolist() if rows is None
                 else [r[header.index(c)] for r in rows[1:]])
        key_cells[k] = [cells[i] for i in kept.tolist()]
    return SystemData(table=table, equations=eqs, values=values, keys=key_cells)
