"""Tables a report is made of: what listwise deletion left out, rows sorted, names relabelled.

SPEC Part 3, "The report a leader reads":

* :func:`gaps` (``NQP_GAPS``) — every year, region and region-year that listwise deletion
  leaves out of the Data table, with the indicators whose blanks caused it, so each sheet and
  the Overview can say who and what is missing and why.  It reads the table exactly as
  :func:`nqp_xl.table.check_table` does, so the rows it names are the rows ``Table.keep``
  marks as left out, and no others;
* :func:`sort_rows` (``NQP_SORT``) — the rows of a range sorted by one column, header first,
  as a paper's "scores sorted by F" table;
* :func:`relabel` (``NQP_RELABEL``) — any answer with indicator names replaced by readable
  labels (the Inputs Label row), ``ln(name)`` included.

Each answers cells as Excel shows them: numbers stay numbers, blanks are blank (None; the
Excel face hands Excel "" for them, and a refreshed file holds no empty text).
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .cell_values import convert_block, is_blank_cell, is_error_value, label_text
from .columns import column_position, is_year_column, is_year_header, is_text_cell, key_of, key_text, plain_cell, range_rows
from .errors import NQPError
from .labels import resolve_lang, text
from .options import flag, flatten, is_blank, whole_number
from .table import Table, check_table

__all__ = ["Gap", "Gaps", "gaps", "sort_rows", "relabel", "joined"]

GAP_HEADER = ("Left out", "Which", "Blank indicators", "Rows")


def joined(items: list[str], lang: str | None) -> str:
    """Items in one line: ", " between them, or "、" in Chinese."""
    return ("、" if resolve_lang(lang) == "zh" else ", ").join(items)


# ----------------------------------------------------------------------------- gaps


@dataclass(frozen=True)
class Gap:
    """One left-out year, region or region's years: ``kind`` "Year", "Region" or "Region-year";
    ``which`` the year (a number when it is one), the region, or (region, years);
    ``indicators`` the blank indicators in table order; ``members`` the positions of the data
    rows it covers (0 = the first row below the header)."""

    kind: str
    which: Any
    indicators: tuple[str, ...]
    members: tuple[int, ...]

    @property
    def rows(self) -> int:
        return len(self.members)


@dataclass(frozen=True)
class Gaps:
    """Every gap of a table, in the order :func:`gaps` describes."""

    table: Table
    entries: tuple[Gap, ...]

    def to_rows(self, lang: str | None = None) -> list[list]:
        """Header [Left out, Which, Blank indicators, Rows], then one row per gap, or one
        "None" row when nothing is left out.  Blanks are None."""
        lang = resolve_lang(lang)
        rows: list[list] = [[text(h, lang) for h in GAP_HEADER]]
        if not self.entries:
            return rows + [[text("None", lang), None, None, 0.0]]
        for g in self.entries:
            if g.kind == "Region-year":
                region, years = g.which
                which = f"{region} {joined([_shown(y) for y in years], lang)}"
            else:
                which = g.which
            rows.append([text(g.kind, lang), which, joined(list(g.indicators), lang), float(g.rows)])
        return rows


def _shown(key: Any) -> str:
    return key_text(key) if isinstance(key, float) else str(key)


def _blank_cells(rows: list[list], table: Table, positions: list[int]) -> np.ndarray:
    """For the data rows at ``positions``, which indicator cells are missing (blank or an
    error), read by the converter check_table uses."""
    body = [rows[table.first_row + i] for i in positions]
    values = convert_block(body, table.first_col, table.names, (), table.first_row)
    return np.isnan(values)


def _common_or_all(masks: np.ndarray) -> np.ndarray:
    """The indicators blank in every one of the rows, or, when none is, in any of them."""
    common = masks.all(axis=0)
    return common if common.any() else masks.any(axis=0)


def gaps(data: Any, ids: Any = None, years: Any = None, *, id_cols: Any = None) -> Gaps:
    """What listwise deletion leaves out of ``data`` (the whole Data table) and why.

    ``ids``/``years``: the region and year columns by header name (or 1-based number); by
    default the first label column, and the label column headed like a year ("year", "年份",
    ...; a number column so headed right after the labels counts as one), else the second
    label column (a table with one label column is a cross-section, without years).  In order:

    (a) each year all of whose rows are left out: the indicators blank in every row of it
        (else those blank in any), and its rows;
    (b) each region all of whose rows are left out (in a cross-section: each incomplete
        region), with the indicators blank in all its rows outside the years of (a);
    (c) each other region with left-out rows: its years and the indicators blank in any.
    Years ascend, regions come in order of first appearance.  Rows blank in every cell are
    left out without a word (they hold no region); every other left-out row is named.
    """
    table = check_table(data, id_cols=id_cols)
    rows = range_rows(data)
    header = rows[0] if table.has_header else []
    width = len(rows[0])
    n_lab = table.first_col

    # a number column right after the labels headed and filled like a year is a label column too
    labels = n_lab + (1 if n_lab < width and table.has_header and is_year_column(
        header[n_lab], [r[n_lab] for r in rows[table.first_row:]]) else 0)
    headed_year = [c for c in range(1, labels) if is_year_header(header[c])] if header else []

    def position(arg: Any, what: str, default: int) -> int | None:
        if not is_blank(flatten(arg)[0] if arg is not None else None):
            return column_position(header, arg, width, table.has_header, what)
        return default if default < labels else None

    id_at = position(ids, "ids", 0)
    year_at = position(years, "years", headed_year[0] if headed_year else 1)
    body = rows[table.first_row:]
    # a row blank in every cell (e.g. below the table in a whole-column range) is no region
    left = [i for i in table.left_out.tolist() if not all(is_blank_cell(v) for v in body[i])]
    if not left:
        return Gaps(table, ())
    blank = _blank_cells(rows, table, left)
    regions = [_region(body[i], id_at, table, i) for i in range(table.n_rows)]
    if year_at is None:
        entries = [Gap("Region", regions[i], _names(table, blank[a]), (i,)) for a, i in enumerate(left)]
        return Gaps(table, tuple(entries))
    year_keys = [key_of(r[year_at]) for r in body]
    return Gaps(table, tuple(_panel_gaps(table, left, blank, regions, year_keys)))


def _region(row: list, id_at: int | None, table: Table, i: int) -> str:
    """The region of data row i: its ids cell, else "row N" (N counted in the range)."""
    if id_at is not None and not is_blank_cell(row[id_at]) and not is_error_value(row[id_at]):
        return label_text(row[id_at])
    return f"row {table.first_row + i + 1}"


def _names(table: Table, mask: np.ndarray) -> tuple[str, ...]:
    return tuple(n for n, m in zip(table.names, mask.tolist()) if m)


def _panel_gaps(table: Table, left: list[int], blank: np.ndarray, regions: list[str],
                year_keys: list) -> list[Gap]:
    keep = table.keep
    where = {i: a for a, i in enumerate(left)}  # data row -> its row in ``blank``
    named = set(where) | set(np.flatnonzero(keep).tolist())  # all but the wholly blank rows
    by_year: dict = {}
    by_region: dict = {}
    for i, (y, r) in enumerate(zip(year_keys, regions)):
        if i not in named:
            continue
        by_year.setdefault(y, []).append(i)
        by_region.setdefault(r, []).append(i)
    # (a) years wholly left out, ascending (a blank year cell is no year)
    lost_years = [y for y in by_year if y is not None and not keep[by_year[y]].any()]
    lost_years = [y for y in sorted(y for y in lost_years if isinstance(y, float))] + [
        y for y in lost_years if not isinstance(y, float)]
    out = []
    for y in lost_years:
        masks = blank[[where[i] for i in by_year[y]]]
        out.append(Gap("Year", y, _names(table, _common_or_all(masks)), tuple(by_year[y])))
    in_lost_year = set().union(*(by_year[y] for y in lost_years)) if lost_years else set()
    # (b) regions wholly left out
    lost_regions = [r for r, members in by_region.items() if not keep[members].any()]
    for r in lost_regions:
        members = by_region[r]
        own = [i for i in members if i not in in_lost_year] or members
        masks = blank[[where[i] for i in own]]
        out.append(Gap("Region", r, _names(table, _common_or_all(masks)), tuple(members)))
    # (c) the other left-out region-years, one row per region
    gone = set(lost_regions)
    for r, members in by_region.items():
        if r in gone:
            continue
        rest = [i for i in members if not keep[i] and i not in in_lost_year]
        if not rest:
            continue
        rest.sort(key=lambda i: (0, year_keys[i], "") if isinstance(year_keys[i], float) else (1, 0.0, str(year_keys[i])))
        masks = blank[[where[i] for i in rest]]
        years = [year_keys[i] if year_keys[i] is not None else "?" for i in rest]
        out.append(Gap("Region-year", (r, years), _names(table, masks.any(axis=0)), tuple(rest)))
    return out


# ----------------------------------------------------------------------------- sort


def _is_number(cell: Any) -> bool:
    return isinstance(cell, (int, float, np.integer, np.floating)) and not isinstance(cell, bool) and not (
        is_error_value(cell)) and np.isfinite(cell)


def _has_header(rows: list[list], by: Any) -> bool:
    """Row 1 is a header when every column holding numbers below it has text in row 1; with no
    such column, when ``by`` is a text naming a cell of row 1."""
    if len(rows) < 2:
        return False
    numeric = [c for c in range(len(rows[0])) if any(_is_number(r[c]) for r in rows[1:])]
    if numeric:
        return all(is_text_cell(rows[0][c]) for c in numeric)
    name = flatten(by)[0] if by is not None else None
    return isinstance(name, str) and name.strip().lower() in [
        str(v).strip().lower() for v in rows[0] if is_text_cell(v)]


def _answer_cell(cell: Any) -> Any:
    cell = plain_cell(cell)
    return None if cell is None or cell == "" or (isinstance(cell, float) and np.isnan(cell)) else cell


def sort_rows(data: Any, by: Any, descending: Any = True, n: Any = None) -> list[list]:
    """The rows of ``data`` sorted by column ``by`` (a header name or 1-based number).

    The header row stays first (row 1 is a header when every column holding numbers has text
    in it); fully blank rows are dropped; rows whose ``by`` cell is blank or text come after
    the others in their own order; the sort is stable.  ``n`` keeps the first n rows after
    sorting (the top n; the bottom n with ``descending`` FALSE).  Cells come back as given,
    blanks as "".
    """
    rows = [r for r in range_rows(data) if not all(is_blank_cell(v) for v in r)]
    if not rows:
        raise NQPError("the data range is empty")
    down = flag(descending, "descending", True)
    keep_n = whole_number(n, "n", low=1)
    head = _has_header(rows, by)
    body = rows[1:] if head else rows
    j = column_position(rows[0] if head else [], by, len(rows[0]), head, "by")
    numbered = [r for r in body if _is_number(r[j])]
    others = [r for r in body if not _is_number(r[j])]
    ordered = sorted(numbered, key=lambda r: float(r[j]), reverse=down) + others
    if keep_n is not None:
        ordered = ordered[:keep_n]
    return [list(map(_answer_cell, r)) for r in ([rows[0]] if head else []) + ordered]


# ----------------------------------------------------------------------------- relabel


def _label_map(names: Any, labels: Any) -> dict[str, str]:
    name_cells, label_cells = flatten(names), flatten(labels)
    if len(name_cells) != len(label_cells):
        raise NQPError(f"names has {len(name_cells)} cells but labels has {len(label_cells)}; "
                       "give one label per name (the same shape, e.g. the header row and the Label row)")
    mapping: dict[str, str] = {}
    for name, label in zip(name_cells, label_cells):
        if is_blank(name) or is_blank(label) or is_error_value(name) or is_error_value(label):
            continue
        mapping.setdefault(label_text(name), label_text(label))
    return mapping


def _relabelled(cell: Any, mapping: dict[str, str]) -> Any:
    if not isinstance(cell, str):
        return _answer_cell(cell)
    key = cell.strip()
    if key in mapping:
        return mapping[key]
    low = key.lower()
    for fn in ("ln(", "log("):
        if low.startswith(fn) and key.endswith(")"):
            inner = key[len(fn):-1].strip()
            if inner in mapping:
                return f"{key[:len(fn)]}{mapping[inner]})"
    if key.startswith("W*") and len(key) > 2:  # a spatial lag (NQP_SDM's W*x): the name relabelled
        inner = _relabelled(key[2:], mapping)
        if inner != key[2:]:
            return "W*" + inner
    for mark in (": ", "："):  # a title naming one ("Equation 1: ln(x)"): its name relabelled
        head, found, tail = key.partition(mark)
        if found and tail and ":" not in tail and "：" not in tail:
            new = _relabelled(tail, mapping)
            if new != tail:
                return head + found + new
    for sep in (", ", "、"):  # a list of names (NQP_GAPS' blank indicators): each one relabelled
        parts = key.split(sep)
        if len(parts) > 1 and all(p.strip() in mapping for p in parts):
            return sep.join(mapping[p.strip()] for p in parts)
    return cell


def relabel(table: Any, names: Any, labels: Any) -> list[list] | Any:
    """A copy of ``table`` with every text cell equal to one of ``names`` replaced by the
    matching cell of ``labels`` (same count), and ``ln(name)``/``log(name)`` by
    ``ln(label)``/``log(label)``, ``W*name`` by ``W*label``, a title "Equation 1: name" by its
    label, and a list of names joined by ", " or "、" name by name.  A
    blank label leaves its name; numbers are untouched; blanks answer ""."""
    mapping = _label_map(names, labels)
    if not isinstance(table, (list, tuple)):  # one cell: one cell back
        return _relabelled(table, mapping)
    return [[_relabelled(c, mapping) for c in r] for r in range_rows(table)]
