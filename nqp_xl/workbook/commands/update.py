"""``nqp-xl update``: last year's workbook with this year's table.

The rows of the Data table are replaced (or, with ``append``, extended) by the new table's;
indicator columns are matched by header: kept ones keep their direction and subsystem, new ones
join at the right with direction "+" and no subsystem, vanished ones leave.  The table part,
its defined names (the direction/subsystem row ranges and any A1 name of the table's area)
and the direction and subsystem rows follow.  Settings, other sheets, formats and notes are
not touched.  The workbook is then refreshed and written like ``refresh`` writes (atomic,
never over its input without ``--in-place``, numbered backup).

It reports regions and indicators that appeared or disappeared, and values more than ten
times (or less than a tenth of) the same region's value of the previous year.
"""
from __future__ import annotations

import os
from dataclasses import dataclass, field
from itertools import chain
from typing import Any, Callable

from lxml import etree

from ..engine.engine import RefreshError, Report
from ..engine.formula_text import split_reference
from ..engine.recalc import refresh_package
from ..ooxml.addresses import parse_range, quote_sheet, range_ref
from ..ooxml.package import Package, TableDef, read_package
from ..ooxml.xml import local, ns_of
from ..template.contract import TABLE_NAME
from ...cell_values import label_text
from ...columns import year_column
from ..template.input_table import read_table
from .document import named_value, packaged
from .outputs import output_target, write_result, writer_lock
from .refresh import check_kind, udf_modules

JUMP = 10.0       # a value this many times the region's previous year's (or a tenth of it) is reported
MAX_NOTES = 20    # lines of each kind printed


@dataclass
class UpdateResult:
    output: str
    report: Report
    rows: int
    added_rows: int
    indicators: int
    notes: list[str] = field(default_factory=list)
    backup: str | None = None


def _year_column(headers: list[str], rows: list[list[Any]], n_id: int) -> int | None:
    return year_column(headers[:n_id], [[r[j] for r in rows] for j in range(n_id)])


def _region_column(pkg: Package, n_id: int, year: int | None) -> int | None:
    label = named_value(pkg, "NQP_LABEL_COL")
    if isinstance(label, float) and 1 <= label <= n_id and int(label) - 1 != year:
        return int(label) - 1
    return next((j for j in range(n_id) if j != year), None)


def _label(v: Any) -> str:
    return "" if v is None else label_text(v)


def update(path: str, data: str, output: str | None = None, append: bool = False, in_place: bool = False,
           id_cols: int | None = None, progress: Callable[[str], None] | None = None,
           header_row: int | None = None, replace_year: bool = False, force: bool = False) -> UpdateResult:
    target = output_target(path, output, in_place, "update", force)
    with writer_lock(target):  # read to write: a second writer of target waits
        return _update(path, data, target, append, in_place, id_cols, progress, header_row, replace_year)


def _update(path: str, data: str, target: str, append: bool, in_place: bool, id_cols: int | None,
            progress: Callable[[str], None] | None, header_row: int | None, replace_year: bool) -> UpdateResult:
    pkg = read_package(path)
    check_kind(pkg, path, target)
    table = pkg.tables.get(TABLE_NAME.upper())
    if table is None:
        raise RefreshError(f'{path} has no Excel table named "{TABLE_NAME}" (the Inputs table of an nqp-xl workbook)')
    n_id_setting = named_value(pkg, "NQP_ID_COLS")
    n_id = id_cols if id_cols is not None else (int(n_id_setting) if isinstance(n_id_setting, float) else None)
    new = read_table(data, n_id, header_row)
    notes: list[str] = list(new.notes)
    sh = pkg.sheet(table.sheet)
    r1, c1, r2, c2 = table.ref
    old_headers = [str(h) for h in table.columns]
    n_id = new.id_cols
    if [h.lower() for h in old_headers[:n_id]] != [h.lower() for h in new.headers[:n_id]]:
        raise RefreshError(f"{os.path.basename(data)}: the label columns are {', '.join(new.headers[:n_id])} but "
                           f"the workbook's Data table has {', '.join(old_headers[:n_id])}; give --id-cols or "
                           "rename the columns")
    old_rows = [[sh.value(r, c) for c in range(c1, c2 + 1)] for r in range(r1 + table.header_rows, r2 + 1)]
    headers, n_ind = _columns_after(old_headers, new.headers, n_id, append, notes)
    dir_row, sub_row = _meta_rows(pkg, table)
    meta = {h.lower(): (sh.value(dir_row, c1 + j) if dir_row else None, sh.value(sub_row, c1 + j) if sub_row else None)
            for j, h in enumerate(old_headers)}  # directions and subsystems by header

    # rows, by header
    new_pos = {h.lower(): j for j, h in enumerate(new.headers)}
    new_rows = [[r[new_pos[h.lower()]] if h.lower() in new_pos else None for h in headers] for r in new.rows]
    if append:
        old_rows, year_notes = _appended_years(old_rows, new_rows, headers, n_id, os.path.basename(data), replace_year)
        notes += year_notes
        old_pos = {h.lower(): j for j, h in enumerate(old_headers)}
        rows = [[r[old_pos[h.lower()]] if h.lower() in old_pos else None for h in headers] for r in old_rows] + new_rows
    else:
        rows = new_rows
    year = _year_column(headers, rows, n_id)
    region = _region_column(pkg, n_id, year)
    if region is not None:
        notes += _regions_changed(old_rows, new_rows if append else rows, region, year, append)
    notes += _jumps(headers, rows, new_rows, n_id, region, year)
    width, height = len(headers), len(rows)
    new_ref = (r1, c1, r1 + table.header_rows + height - 1, c1 + width - 1)
    _write_block(sh, table, headers, rows, n_id, new_ref, (dir_row, sub_row),
                 [meta.get(h.lower(), ("+", None)) for h in headers])
    n_new, n_old = len(new_rows), len(old_rows)
    del old_rows, new_rows, rows  # at county scale each is 800,000 cells: not held through the refresh
    new.rows = []
    _resize_table(pkg, table, headers, new_ref)
    _resize_names(pkg, table, old_headers, headers, n_id, (r1, c1, r2, c2), new_ref, dir_row, sub_row)
    if progress:
        progress(f"Data table: {height} rows × {width} columns")
    report, engine = refresh_package(pkg, udf_modules(pkg), progress)
    del engine
    data_out = packaged(pkg)
    saved = write_result(path, target, data_out, in_place)
    return UpdateResult(target, report, height, n_new if append else max(0, height - n_old), n_ind, notes, saved)


def _columns_after(old_headers: list[str], new_headers: list[str], n_id: int, append: bool,
                   notes: list[str]) -> tuple[list[str], int]:
    """The Data table's headers after the update (labels, the indicators kept, the new ones at the
    right; with ``append`` every old indicator stays) and the number of indicators; the notes on
    indicators that came and went are added to ``notes``."""
    old_ind, new_ind = old_headers[n_id:], new_headers[n_id:]
    lower_new = {h.lower(): h for h in new_ind}
    kept = [h for h in old_ind if h.lower() in lower_new] if not append else list(old_ind)
    added = [h for h in new_ind if h.lower() not in {o.lower() for o in old_ind}]
    gone = [h for h in old_ind if h.lower() not in lower_new]
    if added:
        notes.append(f"new indicators joined the table (direction +, no subsystem): {', '.join(added[:MAX_NOTES])}")
    if gone:
        notes.append(("indicators not in the new table (left blank in the appended rows): " if append else
                      "indicators no longer in the table: ") + ", ".join(gone[:MAX_NOTES]))
    return old_headers[:n_id] + kept + added, len(kept) + len(added)


def _write_block(sh, table: TableDef, headers: list[str], rows: list[list[Any]], n_id: int,
                 new_ref: tuple[int, int, int, int], meta_rows: tuple[int | None, int | None],
                 row_meta: list[tuple[Any, Any]]) -> None:
    """The cells the Data table's block (and its direction and subsystem rows) should hold; only
    those that differ are written (a cell that keeps its value keeps its bytes: a year appended
    rewrites that year's rows only)."""
    r1, c1, r2, c2 = table.ref
    dir_row, sub_row = meta_rows
    width, height = len(headers), len(rows)
    first = r1 + table.header_rows
    last_r, last_c = max(r2, new_ref[2]), max(c2, new_ref[3])
    cells = chain(((r, c) for r in range(r1, last_r + 1) for c in range(c1, last_c + 1)),  # not a list:
                  ((r, c) for r in (dir_row, sub_row) if r for c in range(c1 + n_id, last_c + 1)))  # 800,000
    for r, c in cells:
        j = c - c1
        if j >= width:
            v = None
        elif r == r1:
            v = headers[j]
        elif r >= first:
            v = rows[r - first][j] if r - first < height else None
        elif j >= n_id and dir_row and r == dir_row:  # the row labels left of the indicators stay
            v = "+" if row_meta[j][0] is None else row_meta[j][0]
        elif j >= n_id and sub_row and r == sub_row:
            v = row_meta[j][1]
        else:
            v = None
        if v is None:
            sh.clear(r, c)
        else:  # a cell left as it was is not rewritten (Sheet.set)
            sh.set(r, c, v, keep_formula=False)


def _appended_years(old_rows: list[list[Any]], new_rows: list[list[Any]], headers: list[str], n_id: int,
                    source: str, replace_year: bool) -> tuple[list[list[Any]], list[str]]:
    """With ``--append``: the new rows' years must be numbers (a text year would leave the
    report on last year) and not already in the table, unless ``replace_year`` drops the old
    rows of those years.  Answers the old rows kept and the notes."""
    year = _year_column(headers, old_rows + new_rows, n_id)
    if year is None:
        return old_rows, []
    bad = [r[year] for r in new_rows if not (isinstance(r[year], float) and r[year] == int(r[year]))]
    if bad:
        raise RefreshError(f'{source}: the year column "{headers[year]}" holds "{bad[0]}", not a year; '
                           "write years as whole numbers (2023)")
    present = sorted({r[year] for r in old_rows} & {r[year] for r in new_rows})
    if not present:
        return old_rows, []
    years = ", ".join(str(int(y)) for y in present)
    if not replace_year:
        raise RefreshError(f"{source}: {years} {'is' if len(present) == 1 else 'are'} already in the workbook's "
                           "Data table; give --replace-year to replace those rows, or leave out --append to "
                           "replace the whole table")
    kept = [r for r in old_rows if r[year] not in set(present)]
    return kept, [f"rows of {years} replaced ({len(old_rows) - len(kept)} old rows, {len(new_rows)} new)"]


def _regions_changed(old_rows: list[list[Any]], rows: list[list[Any]], region: int, year: int | None,
                     append: bool) -> list[str]:
    """Regions that appeared or disappeared: the whole tables compared, or with ``append`` the
    appended rows against the table's latest year."""
    if append and year is not None:
        years = [r[year] for r in old_rows if isinstance(r[year], float)]
        last = max(years, default=None)
        old_rows = [r for r in old_rows if r[year] == last]
    before = {_label(r[region]) for r in old_rows}
    after = {_label(r[region]) for r in rows}
    since = ""
    if append and year is not None and old_rows:
        since = f" (compared with {_label(old_rows[0][year])})"
    notes = []
    if before and after - before:
        notes.append(f"regions that appeared{since}: {', '.join(sorted(after - before)[:MAX_NOTES])}")
    if before - after:
        notes.append(f"regions that disappeared{since}: {', '.join(sorted(before - after)[:MAX_NOTES])}")
    return notes


def _meta_rows(pkg: Package, table: TableDef) -> tuple[int | None, int | None]:
    """Rows of the directions and subsystems: where NQP_DIRECTIONS points, else the two rows above the table."""
    d = pkg.name("NQP_DIRECTIONS")
    target = split_reference(d.text.strip().lstrip("=")) if d is not None else None
    dir_row = None
    if target is not None:
        try:
            dir_row = parse_range(target[1])[0]
        except ValueError:
            dir_row = None
    if dir_row is None and table.ref[0] >= 3:
        dir_row = table.ref[0] - 2
    sub_row = dir_row + 1 if dir_row and dir_row + 1 < table.ref[0] else None
    return dir_row, sub_row


def _resize_table(pkg: Package, table: TableDef, headers: list[str], ref: tuple[int, int, int, int]) -> None:
    root = pkg.tree(table.path)
    ns = ns_of(root)
    text = range_ref(*ref)
    root.set("ref", text)
    for af in root.iter(f"{{{ns}}}autoFilter"):
        af.set("ref", text)
    cols_el = root.find(f"{{{ns}}}tableColumns")
    if cols_el is not None:
        by_name = {el.get("name", "").lower(): el for el in cols_el if local(el.tag) == "tableColumn"}
        next_id = max([int(el.get("id", "0")) for el in by_name.values()] + [0]) + 1
        for el in list(cols_el):
            cols_el.remove(el)
        for h in headers:
            el = by_name.get(h.lower())
            if el is None:
                el = etree.Element(f"{{{ns}}}tableColumn", id=str(next_id), name=h)
                next_id += 1
            else:
                el.set("name", h)
            cols_el.append(el)
        cols_el.set("count", str(len(headers)))
    pkg.touch(table.path)
    table.ref = ref
    table.columns = list(headers)


def _resize_names(pkg: Package, table: TableDef, old_headers: list[str], headers: list[str], n_id: int,
                  old_ref: tuple[int, int, int, int], ref: tuple[int, int, int, int],
                  dir_row: int | None, sub_row: int | None) -> None:
    """Defined names over the direction/subsystem/label/unit rows (and the header row) follow their
    indicators (a name over every
    indicator also takes the new ones; a subsystem's block does not); an A1 name of the whole table
    follows the table.  Structured references (Data[...]) need no change."""
    c1 = ref[1]
    pos = {h.lower(): c1 + j for j, h in enumerate(headers)}
    for d in list(pkg.names):
        if d.local_sheet is not None:
            continue
        target = split_reference(d.text.strip().lstrip("="))
        if target is None or target[0] is None or target[0].upper() != table.sheet.upper():
            continue
        area = target[1]
        try:
            a = parse_range(area)
        except ValueError:
            continue
        if a == old_ref:
            pkg.set_name(d.name, f"{quote_sheet(table.sheet)}!{range_ref(*ref, absolute=True)}")
        elif a[0] == a[2] and (a[0] in (dir_row, sub_row) or a[0] <= old_ref[0]):  # a row above the table, or its header
            first_old = old_headers[a[1] - c1] if 0 <= a[1] - c1 < len(old_headers) else None
            last_old = old_headers[a[3] - c1] if 0 <= a[3] - c1 < len(old_headers) else None
            if first_old is None or last_old is None:
                continue
            # over every indicator (from the first indicator, or from the table's first column as
            # NQP_ROW_DIRECTIONS is) to the last: it takes the new indicators too
            whole = a[1] - c1 <= n_id and a[3] - c1 == len(old_headers) - 1
            start = pos.get(first_old.lower())
            end = c1 + len(headers) - 1 if whole else pos.get(last_old.lower())
            if start is None or end is None or end < start:
                continue
            pkg.set_name(d.name, f"{quote_sheet(table.sheet)}!{range_ref(a[0], start, a[0], end, absolute=True)}")


def _jumps(headers, rows, new_rows, n_id, region, year) -> list[str]:
    if region is None or year is None:
        return []
    by = {(_label(r[region]), r[year]): r for r in rows if isinstance(r[year], float)}
    out = []
    for r in new_rows:
        y = r[year]
        if not isinstance(y, float):
            continue
        prev = by.get((_label(r[region]), y - 1))
        if prev is None:
            continue
        for j in range(n_id, len(headers)):
            a, b = prev[j], r[j]
            if isinstance(a, float) and isinstance(b, float) and a and b:
                ratio = abs(b / a)
                if ratio > JUMP or ratio < 1 / JUMP:
                    out.append(f"{_label(r[region])} {int(y)} {headers[j]}: {a:g} in {int(y - 1)}, {b:g} now "
                               f"({ratio:.3g} times; a unit mistake?)")
    if len(out) > MAX_NOTES:
        out = out[:MAX_NOTES] + [f"... and {len(out) - MAX_NOTES} more values that jump tenfold"]
    return out
