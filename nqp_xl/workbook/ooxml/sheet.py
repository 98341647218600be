"""The cells of one worksheet part: read through lxml (any namespace prefix), held, changed.

Reading streams the sheet a row at a time (``iterparse``, elements cleared as they pass) into
two dicts: ``values[(row, col)]`` and ``formula_cells[(row, col)]``.  Changes mark their cells
dirty; writing the part back with the dirty cells patched in is
:mod:`~nqp_xl.workbook.ooxml.sheet_write`'s job, cell values :mod:`~nqp_xl.workbook.ooxml.values`',
cell addresses :mod:`~nqp_xl.workbook.ooxml.addresses`' and dynamic-array metadata
:mod:`~nqp_xl.workbook.ooxml.metadata`'s.
"""
from __future__ import annotations

from itertools import repeat
from typing import Any, Iterator

from lxml import etree

from .addresses import DIGITS, LETTER_COLUMNS, cell_of, parse_range
from .sheet_fast_read import cell_dict, count_cells, dense_bounds, plain_cells, sheet_head
from .values import cell_value
from .xml import WorkbookError, check_no_dtd, iterparse, rich_text

MAX_CELLS = 1_500_000  # cells (and rows) of one sheet, counted while it streams (limits: see package)


# --------------------------------------------------------------------------- cells

class FormulaCell:
    """A cell holding a formula: its text as stored, ``<f>`` attributes and ``cm``."""

    __slots__ = ("row", "col", "text", "f_attrs", "cm", "value")

    def __init__(self, row: int, col: int, text: str, f_attrs: dict[str, str], cm: str | None, value: Any):
        self.row, self.col, self.text, self.f_attrs, self.cm, self.value = row, col, text, f_attrs, cm, value


class Sheet:
    """One worksheet part: values and formulas by (row, col), patchable, re-serialisable."""

    def __init__(self, name: str, path: str, data: bytes, shared: list[str], source: str = "",
                 date1904: bool = False, zip_data: bytes | None = None):
        """``zip_data``: the whole file as read, when this part is unchanged in it (a large plain
        sheet is then read by calamine, :mod:`~nqp_xl.workbook.ooxml.sheet_fast_read`)."""
        self.name = name
        self.date1904 = date1904
        self.path = path
        self.source = source
        self.data = data
        self._values: dict[tuple[int, int], Any] = {}
        self._dense: list[list[Any]] | None = None  # rows from A1 as calamine read them ("" blank)
        self.formula_cells: dict[tuple[int, int], FormulaCell] = {}
        self.row_styles: dict[int, str] = {}
        self.blank_rows: dict[int, tuple[int, list[str]]] = {}  # see blank_row
        self._blank_rows_of = data
        self.col_styles: list[tuple[int, int, str]] = []
        self.dirty: set[tuple[int, int]] = set()
        self.changed = False
        self.last_row = self.last_col = 0
        self.first_row = self.first_col = 1 << 30
        cells = count_cells(data)
        if cells > MAX_CELLS:
            raise WorkbookError(f"{source}: the sheet {name} holds more than {MAX_CELLS:,} cells; refused")
        if zip_data is not None and self._read_plain(zip_data, shared, cells):
            return
        try:
            self._read(shared)
        except etree.XMLSyntaxError as err:
            raise WorkbookError(f"{source} ({path}): damaged XML ({err})") from None

    def _read_plain(self, zip_data: bytes, shared: list[str], cells: int) -> bool:
        """A large plain sheet read by calamine (:mod:`~nqp_xl.workbook.ooxml.sheet_fast_read`);
        False when it is not one, and nothing is kept."""
        rows = plain_cells(zip_data, self.name, self.data, shared, cells)
        if rows is None:
            return False
        bounds = dense_bounds(rows)
        styles, dimension = sheet_head(self.data)
        try:
            same = bounds is not None and dimension is not None and parse_range(dimension) == bounds
        except ValueError:
            same = False
        if not same:  # formatted blanks might lie outside the values: the lxml reader finds them
            return False
        self._dense, self.col_styles = rows, styles
        self.first_row, self.first_col, self.last_row, self.last_col = bounds
        return True

    @property
    def values(self) -> dict[tuple[int, int], Any]:
        """``values[(row, col)]``: every cell holding something (a sheet calamine read is
        turned into this dict on first use; :meth:`rows` reads ranges without it)."""
        if self._dense is not None:
            self._values = cell_dict(self._dense)
            self._dense = None
        return self._values

    @values.setter
    def values(self, values: dict[tuple[int, int], Any]) -> None:
        self._values, self._dense = values, None

    def rows(self, r1: int, c1: int, r2: int, c2: int) -> list[list[Any]]:
        """The cells of a range as rows (None for blanks), each row a new list."""
        width = c2 - c1 + 1
        dense = self._dense
        if dense is None:
            get, cols = self._values.get, range(c1, c2 + 1)
            return [list(map(get, zip(repeat(r, width), cols))) for r in range(r1, r2 + 1)]
        out = []
        blank = [None] * width
        for r in range(r1 - 1, r2):
            if r >= len(dense):
                out.append(blank[:])
                continue
            part = dense[r][c1 - 1:c2]
            if "" in part:
                part = [None if v == "" else v for v in part]
            if len(part) < width:
                part += [None] * (width - len(part))
            out.append(part)
        return out

    def _read(self, shared: list[str]) -> None:
        """Stream the part a row at a time: each ``<row>`` is handled when it ends (its cells
        in one Python loop, :meth:`_read_row`), then cleared."""
        row_no = 0
        first_row = first_col = 1 << 30
        last_row = last_col = 0
        tags: tuple[str, ...] | None = None  # the part's v, f, is, c and row tags
        seen = 0  # cells and rows so far (MAX_CELLS)
        for _ev, el in iterparse(self.data, tags=("{*}row", "{*}col"), where=f"{self.source} ({self.path})"):
            tag = el.tag
            if tags is None:
                check_no_dtd(el, f"{self.source} ({self.path})")
                ns = tag[:tag.rfind("}") + 1]
                tags = (ns + "v", ns + "f", ns + "is", ns + "c", ns + "row")
            if tag != tags[4]:
                self._read_col(el)
                continue
            seen += len(el) + 1
            if seen > MAX_CELLS:
                raise WorkbookError(f"{self.source}: the sheet {self.name} holds more than {MAX_CELLS:,} cells; refused")
            r = el.get("r")
            row_no = int(r) if r else row_no + 1
            if el.get("customFormat") in ("1", "true") and el.get("s"):
                self.row_styles[row_no] = el.get("s")
            box = self._read_row(el, row_no, shared, tags)
            if box is not None:
                first_row, last_row = min(first_row, box[0]), max(last_row, box[2])
                first_col, last_col = min(first_col, box[1]), max(last_col, box[3])
            el.clear(keep_tail=True)
            parent = el.getparent()
            if parent is not None:
                while el.getprevious() is not None:
                    del parent[0]
        self.last_row, self.last_col = last_row, last_col
        self.first_row, self.first_col = first_row, first_col

    def _read_col(self, el: etree._Element) -> None:
        """A ``<col>`` with a style: the style of new cells in its columns."""
        tag = el.tag
        if el.get("style") and tag[tag.rfind("}") + 1:] == "col":
            try:
                self.col_styles.append((int(el.get("min", "0")), int(el.get("max", "0")), el.get("style")))
            except ValueError:
                pass

    def _read_row(self, el: etree._Element, row_no: int, shared: list[str],
                  tags: tuple[str, ...]) -> tuple[int, int, int, int] | None:
        """The cells of one row into ``values`` (and ``formula_cells``); answers the rectangle
        they and its formatted blanks span, or None for none.  Most cells are
        ``<c r="D5"><v>1.5</v></c>``: the loop's first branch; every other form (no ``r``,
        inline or rich strings, formulas, errors, booleans) takes :meth:`_read_cell`."""
        values = self.values
        cols_seen, digits = LETTER_COLUMNS, DIGITS
        v_tag, f_tag, is_tag, c_tag, _row_tag = tags
        first_row = first_col = 1 << 30
        last_row = last_col = 0
        col_no = 0
        first_blank = last_blank = None  # formatted blanks (<c r=".." s=".."/>): bounds only
        styles: list[str] | None = [] if el.text is None else None  # a row of such blanks: their styles
        for c in el:
            if c.tag != c_tag:
                styles = None
                continue
            ref = c.get("r")
            n = len(c)
            if ref and not n:
                if first_blank is None:
                    first_blank = ref
                last_blank = ref
                if styles is not None:
                    styles.append(c.get("s"))
                continue
            styles = None
            if ref:
                letters = ref.rstrip(digits)
                col = cols_seen.get(letters)
                if col is None or len(letters) == len(ref):
                    row, col = cell_of(ref)
                else:
                    row = int(ref[len(letters):])
            else:  # no address: the next cell of its row (after a blank one too)
                if last_blank is not None:
                    col_no = max(col_no, cell_of(last_blank)[1])
                row, col = row_no, col_no + 1
            col_no = col
            if n:
                t = c.get("t")
                first = c[0]
                if n == 1 and t is None and first.tag == v_tag:  # a number: most cells
                    try:
                        values[(row, col)] = float(first.text or "")
                    except ValueError:
                        pass
                else:
                    self._read_cell(c, row, col, t, shared, v_tag, f_tag, is_tag)
            if row > last_row:
                last_row = row
            if row < first_row:
                first_row = row
            if col > last_col:
                last_col = col
            if col < first_col:
                first_col = col
        if first_blank is not None:
            (r0, c0), (r1, c1) = cell_of(first_blank), cell_of(last_blank)
            first_row, last_row = min(first_row, r0, r1), max(last_row, r0, r1)
            first_col, last_col = min(first_col, c0, c1), max(last_col, c0, c1)
            if styles and r0 == r1 == row_no and c1 - c0 + 1 == len(styles):
                self.blank_rows[row_no] = (c0, styles)
        return (first_row, first_col, last_row, last_col) if last_row else None

    def blank_row(self, row: int) -> tuple[int, list[str]] | None:
        """(first column, styles) of a row read as nothing but blank cells side by side (their
        form, ``<c r=".." s=".."/>``, is for the writer to check), while the part is the one read."""
        if self._blank_rows_of is not self.data:
            return None
        return self.blank_rows.get(row)

    def _read_cell(self, c: etree._Element, row: int, col: int, t: str | None, shared: list[str],
                   v_tag: str, f_tag: str, is_tag: str) -> None:
        """One cell in any form but a plain number: its value and formula."""
        raw = None
        f_el = None
        for child in c:
            ctag = child.tag
            if ctag == v_tag:
                raw = child.text or ""
            elif ctag == f_tag:
                f_el = child
            elif ctag == is_tag:
                raw = rich_text(child)
                t = "str"
        values = self.values
        if raw is not None:
            if t is None or t == "n":
                try:
                    values[(row, col)] = float(raw)
                except ValueError:
                    pass
            else:
                v = cell_value(t, raw, shared, self.date1904)
                if v is not None:
                    values[(row, col)] = v
        if f_el is not None:
            self.formula_cells[(row, col)] = FormulaCell(row, col, f_el.text or "", dict(f_el.attrib), c.get("cm"),
                                                         values.get((row, col)))

    # -- access
    def value(self, row: int, col: int) -> Any:
        return self.values.get((row, col))

    def formulas(self) -> Iterator[FormulaCell]:
        for key in sorted(self.formula_cells):
            yield self.formula_cells[key]

    def set(self, row: int, col: int, value: Any, *, keep_formula: bool = True) -> None:
        """Give a cell a new (cached) value; ``keep_formula=False`` also drops its formula.  A cell
        left as it was (the same value of the same type, its formula kept or none) is not marked
        dirty, so the part keeps its bytes."""
        key = (row, col)
        old = self.values.get(key)
        f = self.formula_cells.get(key)
        unchanged = type(old) is type(value) and old == value and (f is None or keep_formula)
        if value is None:
            self.values.pop(key, None)
        else:
            self.values[key] = value
        if f is not None:
            if keep_formula:
                f.value = value
            else:
                del self.formula_cells[key]
        if not unchanged:
            self.dirty.add(key)
            self.changed = True
        if row > self.last_row:
            self.last_row = row
        if col > self.last_col:
            self.last_col = col
        if row < self.first_row:
            self.first_row = row
        if col < self.first_col:
            self.first_col = col

    def set_area(self, row: int, col: int, block: list[list[Any]]) -> None:
        """:meth:`set` with ``keep_formula=False`` for every cell of ``block`` placed at
        (row, col) but its first (the anchor of a spilled answer), all at once.  Cells whose
        value and its type are unchanged (an answer refreshed again) are not marked dirty, so
        the part keeps their bytes and a second refresh rewrites only what moved."""
        keys = [(row + i, col + j) for i in range(len(block)) for j in range(len(block[i]))]
        flat = [v for r in block for v in r]
        del keys[0], flat[0]
        if not keys:
            return
        values, formulas = self.values, self.formula_cells
        # formula cells under the answer (a few at most): found by position, not by a lookup per cell
        inside = [k for k in formulas if row <= k[0] < row + len(block) and k != (row, col)
                  and col <= k[1] < col + len(block[k[0] - row])]
        # a cell that keeps its value and kind (an answer refreshed again) stays as the file has it:
        # :meth:`set`'s test, over the whole block at once
        changed = [k for k, v, old in zip(keys, flat, map(values.get, keys)) if type(old) is not type(v) or old != v]
        changed += inside
        if None in flat:
            given = {k: v for k, v in zip(keys, flat) if v is not None}
            values.update(given)
            for k in keys:
                if k not in given:
                    values.pop(k, None)
        else:  # a block without blanks: most answers
            values.update(zip(keys, flat))
        for k in inside:
            del formulas[k]
        if changed:
            self.dirty.update(changed)
            self.changed = True
        last_row, last_col = keys[-1]
        last_col = max(last_col, col + max(map(len, block)) - 1)
        self.last_row, self.last_col = max(self.last_row, last_row), max(self.last_col, last_col)
        self.first_row, self.first_col = min(self.first_row, row), min(self.first_col, col)

    def set_formula(self, row: int, col: int, text: str, f_attrs: dict[str, str] | None = None,
                    cm: str | None = None) -> FormulaCell:
        key = (row, col)
        f = FormulaCell(row, col, text, dict(f_attrs or {}), cm, self.values.get(key))
        self.formula_cells[key] = f
        self.dirty.add(key)
        self.changed = True
        return f

    def touch(self, row: int, col: int) -> None:
        """Mark a cell whose formula attributes (spill area, ``cm``) changed."""
        self.dirty.add((row, col))
        self.changed = True

    def clear(self, row: int, col: int) -> None:
        key = (row, col)
        if key in self.formula_cells or key in self.values:
            self.formula_cells.pop(key, None)
            self.values.pop(key, None)
            self.dirty.add(key)
            self.changed = True

    def style_at(self, row: int, col: int) -> str | None:
        """The style a new cell at (row, col) takes: its row's, else its column's."""
        s = self.row_styles.get(row)
        if s:
            return s
        for lo, hi, style in self.col_styles:
            if lo <= col <= hi:
                return style
        return None


__all__ = ["FormulaCell", "Sheet"]
