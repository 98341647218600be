"""The user's table as it goes into the Data table: reading CSV/xlsx, label columns, subsystems.

``read_table(path, id_cols)`` gives an :class:`InputTable` (headers, rows of float/str/None,
the number of leading label columns); ``choose_columns`` names the Region, Year and Group
columns the report uses (by header), and ``parse_subsystems`` reads ``--subsystem NAME=a,b``.
"""
from __future__ import annotations

import csv
import io
import math
import os
import re
import unicodedata
from dataclasses import dataclass, field
from importlib import resources
from typing import Any, Sequence

from ...cell_values import label_text
from ...columns import is_year_column, is_year_header, year_column
from .texts import SHEET_NAMES, TEXT

INPUT_HEADER_ROW = 5  # 1-based row of the table header on Inputs (rows 1-4: direction, subsystem, label, unit)
# the titles of the rows above the Data table on Inputs (a workbook of an older version has the
# first two only, its header on row 3)
ROW_TITLES = {title for key in ("direction", "subsystem", "label_row", "unit_row") for title in TEXT[key]}
DEMO_CSV = "china_province_panel.csv"
INPUT_SHEET_NAMES = SHEET_NAMES["inputs"]  # the Inputs tab in en and zh workbooks

# The bundled panel's natural split (nqp_xl/data/README.md): the first nine indicators are
# new quality productive forces, the ind_* and hitech_* columns manufacturing upgrading.
BUNDLED_SUB1 = ("rd_personnel_fte", "rd_expenditure", "rd_intensity", "gov_sci_tech_spending",
                "gov_education_spending", "basic_research_spending", "invention_patent_applications",
                "valid_invention_patents", "tech_market_outflow")


class InputError(ValueError):
    """A problem with the user's file, in the user's words (the CLI shows it on one line)."""


# --------------------------------------------------------------------------- the input table

@dataclass
class InputTable:
    """Headers and rows as they go into the Data table (floats, None for blanks, str)."""

    headers: list[str]
    rows: list[list[Any]]
    id_cols: int
    directions: list[str] = field(default_factory=list)
    subsystems: list[str] = field(default_factory=list)
    header_row: int = 1  # 1-based row of the file (sheet) that holds the headers
    notes: list[str] = field(default_factory=list)  # what reading decided that the user should know
    labels: list[str] = field(default_factory=list)   # readable name of each indicator ("" = its header)
    units: list[str] = field(default_factory=list)    # unit of each indicator ("" = none given)

    @property
    def indicators(self) -> list[str]:
        return self.headers[self.id_cols:]


def rows_above_table(rows: Sequence[Sequence[Any]]) -> int:
    """How many leading rows of an nqp-xl Inputs sheet are the rows above the Data table
    (Direction, Subsystem, Label, Unit: their first cell holds the row's title)."""
    n = 0
    while n < len(rows) and rows[n] and isinstance(rows[n][0], str) and rows[n][0].strip() in ROW_TITLES:
        n += 1
    return n


def _cell(text: str) -> Any:
    s = text.strip()
    if s == "":
        return None
    try:
        x = float(s)
    except ValueError:
        return text
    if math.isfinite(x):
        return x
    return text


GROUP_HEADERS = ("region", "group", "area", "zone", "区域", "地区分组", "分组", "地带", "四大区域", "经济区")


_NUMBER_TEXT = re.compile(r"[+-]?(\d{1,3}(,\d{3})+|\d+)(\.\d*)?%?|[+-]?\.\d+%?")
_YEAR_TEXT = re.compile(r"(\d{4})\s*(年|年度)?")
HEADER_SCAN = 10  # rows looked at for a title above the header


def number_like(v: Any) -> bool:
    """Text that is a number to a reader: "1,234", "12%", " 3.5 ", full-width "１２３" (NFKC)."""
    if not isinstance(v, str):
        return False
    return bool(_NUMBER_TEXT.fullmatch(unicodedata.normalize("NFKC", v).strip()))


def _is_label_column(cells: list[Any]) -> bool:
    """Text, and not mostly number-like text: a column of numbers stored as text ("1,234") is an
    indicator whose text cells the functions name, never a label column."""
    if not cells or not all(isinstance(v, str) for v in cells):
        return False
    return sum(number_like(v) for v in cells) * 2 < len(cells)


def _year_text_to_numbers(headers: list[str], rows: list[list[Any]]) -> list[str]:
    """A column headed year/年份 whose text cells are years ("2022年", "２０２２") is read as
    numbers; answers the notes saying so (one per column)."""
    notes = []
    for j, h in enumerate(headers):
        if not is_year_header(h):
            continue
        cells = [r[j] for r in rows if r[j] is not None]
        texts = [v for v in cells if isinstance(v, str)]
        if not texts:
            continue
        found = [_YEAR_TEXT.fullmatch(unicodedata.normalize("NFKC", v).strip()) for v in texts]
        if not all(found):
            continue
        for r in rows:
            v = r[j]
            if isinstance(v, str):
                r[j] = float(_YEAR_TEXT.fullmatch(unicodedata.normalize("NFKC", v).strip()).group(1))
        notes.append(f'column "{h}": {len(texts)} years written as text (e.g. "{texts[0]}") read as numbers')
    return notes


def header_row_index(records: list[list[Any]]) -> int:
    """The row (0-based) holding the headers: within the first rows, the first whose cells are all
    text and as many as the widest row's, so a title ("2022年各省数据", merged over the columns)
    or a unit line above the table is passed over."""
    head = records[:HEADER_SCAN]
    counts = [sum(v is not None for v in r) for r in head]
    widest = max(counts, default=0)
    for i, r in enumerate(head):
        if counts[i] == widest and widest >= 2 and all(isinstance(v, str) for v in r if v is not None):
            return i
    return next((i for i, n in enumerate(counts) if n), 0)


def _detect_id_cols(headers: list[str], rows: list[list[Any]], width: int) -> int:
    """Leading text columns are labels, and so is a year column among or right after them."""
    n = 0
    for c in range(width - 1):
        cells = [r[c] for r in rows if r[c] is not None]
        if cells and (_is_label_column(cells) or is_year_column(headers[c], cells)):
            n += 1
        else:
            break
    return n


def _finish_table(records: list[list[Any]], id_cols: int | None, source: str,
                  header_row: int | None = None) -> InputTable:
    """The table in ``records`` (cells as read; the header row found by :func:`header_row_index`
    unless ``header_row`` (1-based) is given)."""
    if not records or not any(v is not None for r in records for v in r):
        raise InputError(f"{source} is empty")
    if header_row is not None:
        if not 1 <= header_row <= len(records):
            raise InputError(f"--header-row {header_row}: {source} has {len(records)} rows")
        at = header_row - 1
    else:
        at = header_row_index(records)
    headers = ["" if h is None else str(h).strip() for h in records[at]]
    rows = records[at + 1:]
    # trailing columns without a header and without a value (a CSV's ",,," or a formatted range)
    width = len(headers)
    while width and not headers[width - 1] and all(len(r) < width or r[width - 1] is None for r in rows):
        width -= 1
    headers = headers[:width]
    if not headers:
        raise InputError(f"{source}: row {at + 1} (the header) is empty")
    for j, h in enumerate(headers):
        if not h:
            raise InputError(f"{source}: column {j + 1} has no header; every column needs a name")
    seen: dict[str, int] = {}
    for j, h in enumerate(headers):
        if h.lower() in seen:
            raise InputError(f'{source}: the header "{h}" appears twice (columns {seen[h.lower()] + 1} and {j + 1})')
        seen[h.lower()] = j
    rows = [list(r[:width]) + [None] * (width - len(r)) for r in rows]
    rows = [r for r in rows if any(v is not None for v in r)]
    if not rows:
        raise InputError(f"{source} has a header but no data rows")
    notes = _year_text_to_numbers(headers, rows)
    n_id = _detect_id_cols(headers, rows, width) if id_cols is None else id_cols
    if n_id < 0 or n_id >= width:
        raise InputError(f"--id-cols {n_id} leaves no indicator columns in {source} ({width} columns)")
    table = InputTable(headers, rows, n_id, header_row=at + 1, notes=notes)
    table.directions = ["+"] * len(table.indicators)
    table.subsystems = default_subsystems(table.indicators)
    return table


def default_subsystems(indicators: Sequence[str]) -> list[str]:
    """Two subsystems: the bundled panel's split, else the first and second half of the indicators."""
    p = len(indicators)
    if p >= 2 and indicators[0] in BUNDLED_SUB1:
        n1 = 0
        while n1 < p and indicators[n1] in BUNDLED_SUB1:
            n1 += 1
        if 0 < n1 < p:
            return ["NQP"] * n1 + ["Manufacturing"] * (p - n1)
    n1 = max(1, (p + 1) // 2)
    return ["S1"] * n1 + ["S2"] * (p - n1)


def read_csv(path: str, id_cols: int | None = None, header_row: int | None = None) -> InputTable:
    try:
        with open(path, "r", encoding="utf-8-sig", newline="") as fh:
            text = fh.read()
    except UnicodeDecodeError:
        try:
            with open(path, "r", encoding="gb18030", newline="") as fh:
                text = fh.read()
        except UnicodeDecodeError:
            raise InputError(f"{path} is neither UTF-8 nor GB18030 text; save it as CSV UTF-8") from None
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    records = [[_cell(v) for v in r] for r in csv.reader(io.StringIO(text), dialect)]
    return _finish_table(records, id_cols, os.path.basename(path), header_row)


def _sheet_cell(v: Any) -> Any:
    """A cell as the package reader holds it (float, str, bool, Excel error) as a table cell."""
    if isinstance(v, bool):
        return "TRUE" if v else "FALSE"
    if isinstance(v, float):
        return v if math.isfinite(v) else None
    if isinstance(v, str):
        return v if v.strip() else None
    return None


def read_xlsx(path: str, id_cols: int | None = None, header_row: int | None = None) -> InputTable:
    """The Inputs tab (an nqp-xl workbook: the table from its header row) or the first worksheet,
    read by the one guarded package reader (size caps, hardened XML, plain errors)."""
    from ..ooxml.package import read_package  # openpyxl, 95 ms that cli's start-up (InputError) does not need

    pkg = read_package(path)
    sheets = [n for n in pkg.sheet_names if pkg.is_worksheet(n)]
    if not sheets:
        raise InputError(f"{os.path.basename(path)} has no worksheet")
    name = next((n for n in INPUT_SHEET_NAMES if n in sheets), sheets[0])
    sh = pkg.sheet(name)
    values = sh.values
    width = sh.last_col
    records = [[_sheet_cell(values.get((r, c))) for c in range(1, width + 1)] for r in range(1, sh.last_row + 1)]
    del pkg, sh, values
    if header_row is None and name in INPUT_SHEET_NAMES:
        # the nqp-xl Inputs tab: Direction, Subsystem (Label, Unit) rows, then the header
        header_row = rows_above_table(records) + 1
    return _finish_table(records, id_cols, os.path.basename(path), header_row)


def read_table(path: str, id_cols: int | None = None, header_row: int | None = None) -> InputTable:
    if not os.path.exists(path):
        raise InputError(f"{path} does not exist")
    ext = os.path.splitext(path)[1].lower()
    if ext in (".csv", ".txt", ".tsv"):
        return read_csv(path, id_cols, header_row)
    if ext in (".xls", ".xlsb", ".ods", ".et"):
        what = {".xls": "an Excel 97-2003 workbook", ".xlsb": "an Excel binary workbook",
                ".ods": "an OpenDocument spreadsheet", ".et": "a WPS spreadsheet"}[ext]
        raise InputError(f"{path} is {what} ({ext}); open it and save it as Excel workbook (.xlsx) or CSV UTF-8")
    if ext in (".xlsx", ".xlsm"):
        return read_xlsx(path, id_cols, header_row)
    raise InputError(f"{path}: give a .csv or .xlsx file")


def bundled_panel_path() -> str:
    return str(resources.files("nqp_xl") / "data" / DEMO_CSV)


def example_table() -> InputTable:
    """The template's example: the bundled panel (31 provinces × 2016-2023), without the
    indicators that are blank for every province in some year (they would blank that whole
    year of every panel table: the hitech_* columns in 2017)."""
    table = read_csv(bundled_panel_path())
    year = table.headers.index("year")
    years = sorted({r[year] for r in table.rows})
    drop = [j for j in range(table.id_cols, len(table.headers))
            if any(all(r[j] is None for r in table.rows if r[year] == y) for y in years)]
    keep = [j for j in range(len(table.headers)) if j not in drop]
    out = InputTable([table.headers[j] for j in keep], [[r[j] for j in keep] for r in table.rows], table.id_cols)
    out.directions = ["+"] * len(out.indicators)
    out.subsystems = default_subsystems(out.indicators)
    return out


# --------------------------------------------------------------------------- columns the report uses

@dataclass
class ReportColumns:
    """Headers (of the Data table) of the Region, Year and Group columns; None: no such column."""

    region: str | None
    year: str | None
    group: str | None


def _values(table: InputTable, c: int) -> list[Any]:
    return [r[c] for r in table.rows]


def choose_columns(table: InputTable, lang: str = "en") -> ReportColumns:
    """The label columns the report shows and groups by, chosen from the headers and values.

    Year: a label column headed year/年份/... (whole numbers), else none (a cross-section).
    Region: among the other label columns, one naming each row once within a year; in an
    English report an ASCII one (e.g. province_en) before a Chinese one.  Group: a column headed
    region/group/区域/..., else another label column with 2 to n/2 distinct values."""
    heads, n_id = table.headers, table.id_cols
    labels = list(range(n_id))
    year = year_column(heads[:n_id], [_values(table, c) for c in labels])
    years = _values(table, year) if year is not None else [None] * len(table.rows)
    n_year = max((years.count(y) for y in set(years)), default=0)

    def unique_within_year(c: int) -> bool:
        keys = [(y, v) for y, v in zip(years, _values(table, c))]
        return len(set(keys)) == len(keys)

    candidates = [c for c in labels if c != year and unique_within_year(c)]
    if lang == "en":
        ascii_ = [c for c in candidates if all(str(v).isascii() for v in _values(table, c) if v is not None)]
        candidates = ascii_ + [c for c in candidates if c not in ascii_]
    region = candidates[0] if candidates else next((c for c in labels if c != year), None)
    group = next((c for c in labels if c not in (year, region) and str(heads[c]).strip().lower() in GROUP_HEADERS), None)
    if group is None:
        for c in labels:
            distinct = len({str(v) for v in _values(table, c)})
            if c not in (year, region) and 2 <= distinct <= max(2, n_year // 2):
                group = c
                break

    def name(c: int | None) -> str | None:
        return None if c is None else heads[c]

    return ReportColumns(name(region), name(year), name(group))


def text_in_indicators(table: InputTable, region: str | None = None, year: str | None = None,
                       limit: int = 5) -> tuple[int, list[str]]:
    """Cells of indicator columns holding text ("暂缺", "1,234"): how many, and the first
    ``limit`` as 'indicator "x", region "r" year: "text"'.  The functions refuse such a
    table (a number stored as text is a mistake they name); ``new`` says so before anyone
    refreshes."""
    r = table.headers.index(region) if region in table.headers else (0 if table.id_cols else None)
    y = table.headers.index(year) if year in table.headers else None
    found: list[str] = []
    count = 0
    for row in table.rows:
        for j in range(table.id_cols, len(table.headers)):
            v = row[j] if j < len(row) else None
            if isinstance(v, str) and v.strip():
                count += 1
                if len(found) < limit:
                    where = "" if r is None else f', region "{row[r]}"' + ("" if y is None else f" {label_text(row[y])}")
                    found.append(f'indicator "{table.headers[j]}"{where}: "{v}"')
    return count, found



def parse_subsystems(specs: Sequence[str], table: InputTable) -> list[str]:
    """``--subsystem NAME=col1,col2`` (repeatable) as one subsystem name per indicator ("" = none)."""
    out = [""] * len(table.indicators)
    lookup = {h.lower(): j for j, h in enumerate(table.indicators)}
    names: list[str] = []
    for spec in specs:
        name, sep, cols = spec.partition("=")
        name = name.strip()
        if not sep or not name or not cols.strip():
            raise InputError(f'--subsystem "{spec}": write NAME=column1,column2,...')
        if name in names:
            raise InputError(f'--subsystem "{name}" is given twice; list all its columns in one option')
        names.append(name)
        for col in (c.strip() for c in cols.split(",")):
            if not col:
                continue
            j = lookup.get(col.lower())
            if j is None:
                label = col.lower() in {h.lower() for h in table.headers[:table.id_cols]}
                why = "is a label column" if label else "is not a column of the table"
                raise InputError(f'--subsystem {name}: "{col}" {why}; indicators are '
                                 + ", ".join(table.indicators[:8]) + (" ..." if len(table.indicators) > 8 else ""))
            if out[j]:
                raise InputError(f'--subsystem: "{col}" is in both {out[j]} and {name}')
            out[j] = name
    if len(names) < 2:
        raise InputError("give at least two subsystems (--subsystem A=col1,col2 --subsystem B=col3,col4)")
    return out
