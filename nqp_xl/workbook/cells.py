"""The cells of one worksheet part, read and written through lxml (any namespace prefix).

Reading streams the sheet (``iterparse``, elements cleared as they pass) into two dicts:
``values[(row, col)]`` and ``formula_cells[(row, col)]``.  Writing parses the part once more,
patches only the cells that changed (value, type, formula, spill area, ``cm``) and leaves every
other element and attribute as the producer wrote it.  Cell addresses go through
``openpyxl.utils``.  Dynamic-array metadata (``xl/metadata.xml``) is found or added here.
"""
from __future__ import annotations

import io
from typing import Any, Iterator

from lxml import etree
from openpyxl.utils.exceptions import CellCoordinatesException
from openpyxl.utils.cell import (coordinate_from_string, column_index_from_string, get_column_letter,
                                 range_boundaries)

from .package import (MAIN_NS, REL_NS, Package, WorkbookError, check_no_dtd, iterparse, local, ns_of, resolve_target,
                      rich_text, to_xml_bytes)

XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"
XDA_NS = "http://schemas.microsoft.com/office/spreadsheetml/2017/dynamicarray"
METADATA_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sheetMetadata"
METADATA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheetMetadata+xml"
DYNAMIC_EXT = "{bdbb8cdc-fa1e-496e-a857-3c3f30c029c3}"


class Error(str):
    """An Excel error value such as ``#N/A`` (a str subclass so it prints as Excel shows it)."""


# --------------------------------------------------------------------------- addresses

def parse_cell(ref: str) -> tuple[int, int]:
    """``"B3"`` or ``"$B$3"`` -> (3, 2) as (row, col), 1-based."""
    try:
        letters, row = coordinate_from_string(ref.replace("$", "").strip())
        return row, column_index_from_string(letters)
    except (ValueError, TypeError, CellCoordinatesException):
        raise ValueError(f"not a cell address: {ref}") from None


_COLS: dict[str, int] = {}
_DIGITS = "0123456789"


def cell_of(ref: str) -> tuple[int, int]:
    """``"AB12"`` as a cell's ``r`` attribute stores it -> (12, 28); the fast path of
    :func:`parse_cell` (column letters looked up once through openpyxl.utils)."""
    letters = ref.rstrip(_DIGITS)
    col = _COLS.get(letters)
    if col is None or len(letters) == len(ref):
        row, col = parse_cell(ref)
        if letters.isalpha():
            _COLS[letters] = col
        return row, col
    return int(ref[len(letters):]), col


def parse_range(ref: str) -> tuple[int, int, int, int]:
    """``"A1:C3"`` -> (r1, c1, r2, c2); a single cell is a 1×1 range."""
    try:
        c1, r1, c2, r2 = range_boundaries(ref.replace("$", "").strip())
    except (ValueError, TypeError, CellCoordinatesException):
        raise ValueError(f"not a range: {ref}") from None
    if None in (c1, r1, c2, r2):
        raise ValueError(f"not a bounded range: {ref}")
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)


def col_letters(index: int) -> str:
    return get_column_letter(index)


def cell_ref(row: int, col: int) -> str:
    return f"{get_column_letter(col)}{row}"


def range_ref(r1: int, c1: int, r2: int, c2: int, absolute: bool = False) -> str:
    d = "$" if absolute else ""
    a = f"{d}{get_column_letter(c1)}{d}{r1}"
    if (r1, c1) == (r2, c2):
        return a
    return f"{a}:{d}{get_column_letter(c2)}{d}{r2}"


def quote_sheet(name: str) -> str:
    """A sheet name as a formula writes it (quoted when it must be)."""
    if name and (name[0].isalpha() or name[0] == "_") and all(ch.isalnum() or ch in "_." for ch in name):
        try:
            parse_cell(name)
        except ValueError:
            return name
    return "'" + name.replace("'", "''") + "'"


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


# --------------------------------------------------------------------------- cells

class FormulaCell:
    """A cell holding a formula: its text as stored, ``<f>`` attributes and ``cm``."""

    __slots__ = ("row", "col", "text", "f_attrs", "cm", "value")

    def __init__(self, row: int, col: int, text: str, f_attrs: dict[str, str], cm: str | None, value: Any):
        self.row, self.col, self.text, self.f_attrs, self.cm, self.value = row, col, text, f_attrs, cm, value

    @property
    def formula(self) -> str:
        return self.text


def date_serial(text: str, date1904: bool = False) -> float | str:
    """An ISO 8601 date cell (``t="d"``, as strict OOXML and some producers store dates) as the
    serial number Excel shows for it (days since 1899-12-30, or 1904-01-01 in a 1904 workbook),
    through openpyxl.utils.datetime; text that is not a date stays text."""
    from openpyxl.utils.datetime import CALENDAR_MAC_1904, CALENDAR_WINDOWS_1900, from_ISO8601, to_excel

    try:
        return float(to_excel(from_ISO8601(text.strip()), CALENDAR_MAC_1904 if date1904 else CALENDAR_WINDOWS_1900))
    except (ValueError, TypeError, AttributeError):
        return text


def _value(t: str | None, raw: str | None, shared: list[str], date1904: bool = False) -> Any:
    if raw is None:
        return None
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


class Sheet:
    """One worksheet part: values and formulas by (row, col), patchable, re-serialisable."""

    def __init__(self, name: str, path: str, data: bytes, shared: list[str], source: str = "",
                 date1904: bool = False):
        self.name = name
        self.date1904 = date1904
        self.path = path
        self.source = source
        self.data = data
        self.values: dict[tuple[int, int], Any] = {}
        self.formula_cells: dict[tuple[int, int], FormulaCell] = {}
        self.row_styles: dict[int, str] = {}
        self.col_styles: list[tuple[int, int, str]] = []
        self.dirty: set[tuple[int, int]] = set()
        self.changed = False
        self.last_row = self.last_col = 0
        self.first_row = self.first_col = 1 << 30
        try:
            self._read(shared)
        except etree.XMLSyntaxError as err:
            raise WorkbookError(f"{source} ({path}): damaged XML ({err})") from None

    def _read(self, shared: list[str]) -> None:
        """Stream the part a row at a time: each ``<row>`` is handled when it ends (its cells
        in one Python loop, the row's number known before its first cell), then cleared.
        Most cells are ``<c r="D5"><v>1.5</v></c>``: the loop's first branch; every other form
        (no ``r``, inline or rich strings, formulas, errors, booleans) takes the general path."""
        values, formulas = self.values, self.formula_cells
        cols_seen, digits = _COLS, _DIGITS
        row_no = 0
        first_row = first_col = 1 << 30
        last_row = last_col = 0
        v_tag = f_tag = is_tag = c_tag = row_tag = None
        for _ev, el in iterparse(self.data, tags=("{*}row", "{*}col")):
            tag = el.tag
            if v_tag is None:
                check_no_dtd(el, f"{self.source} ({self.path})")
                ns = tag[:tag.rfind("}") + 1]
                v_tag, f_tag, is_tag, c_tag, row_tag = ns + "v", ns + "f", ns + "is", ns + "c", ns + "row"
            if tag != row_tag:
                if el.get("style") and tag[tag.rfind("}") + 1:] == "col":
                    try:
                        self.col_styles.append((int(el.get("min", "0")), int(el.get("max", "0")), el.get("style")))
                    except ValueError:
                        pass
                continue
            r = el.get("r")
            row_no = int(r) if r else row_no + 1
            if el.get("customFormat") in ("1", "true") and el.get("s"):
                self.row_styles[row_no] = el.get("s")
            col_no = 0
            first_blank = last_blank = None  # formatted blanks (<c r=".." s=".."/>): bounds only
            for c in el:
                if c.tag != c_tag:
                    continue
                ref = c.get("r")
                n = len(c)
                if ref and not n:
                    if first_blank is None:
                        first_blank = ref
                    last_blank = ref
                    continue
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
                for row, col in (cell_of(first_blank), cell_of(last_blank)):
                    first_row, last_row = min(first_row, row), max(last_row, row)
                    first_col, last_col = min(first_col, col), max(last_col, col)
            el.clear(keep_tail=True)
            parent = el.getparent()
            if parent is not None:
                while el.getprevious() is not None:
                    del parent[0]
        self.last_row, self.last_col = last_row, last_col
        self.first_row, self.first_col = first_row, first_col

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
                v = _value(t, raw, shared, self.date1904)
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

    def occupied(self, row: int, col: int) -> bool:
        key = (row, col)
        return key in self.formula_cells or self.values.get(key) is not None

    def set(self, row: int, col: int, value: Any, *, keep_formula: bool = True) -> None:
        """Give a cell a new (cached) value; ``keep_formula=False`` also drops its formula."""
        key = (row, col)
        if value is None:
            self.values.pop(key, None)
        else:
            self.values[key] = value
        f = self.formula_cells.get(key)
        if f is not None:
            if keep_formula:
                f.value = value
            else:
                del self.formula_cells[key]
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
        get = values.get
        # a cell that keeps its value and kind (an answer refreshed again) stays as the file has it
        changed = [k for k, v in zip(keys, flat) if type(get(k)) is not type(v) or get(k) != v or k in formulas]
        if None in flat:
            given = {k: v for k, v in zip(keys, flat) if v is not None}
            values.update(given)
            for k in keys:
                if k not in given:
                    values.pop(k, None)
        else:  # a block without blanks: most answers
            values.update(zip(keys, flat))
        if formulas:
            for k in keys:
                formulas.pop(k, None)
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

    def _style(self, row: int, col: int) -> str | None:
        s = self.row_styles.get(row)
        if s:
            return s
        for lo, hi, style in self.col_styles:
            if lo <= col <= hi:
                return style
        return None

    # -- output
    def to_xml(self) -> bytes:
        """The part with the changed cells patched in, streamed row by row: the original is read
        with ``iterparse`` (events for ``<row>`` and ``<sheetData>`` only) and written with
        ``xmlfile``, so memory stays near one row.  The root's other children are written as the
        producer wrote them (all of them, whatever their namespace): those before ``<sheetData>``
        when its first row ends, those after it once the part is read (the dimension is updated)."""
        if not self.dirty:
            return self.data
        by_row: dict[int, list[int]] = {}
        for r, c in sorted(self.dirty):
            by_row.setdefault(r, []).append(c)
        need = sorted(by_row)
        ni = 0
        buf = io.BytesIO()
        root = sheet_data = None
        q: dict[str, str] = {}
        row_no = 0
        trailer = b""
        try:
            with etree.xmlfile(buf, encoding="UTF-8") as xf:
                xf.write_declaration(standalone=True)
                root_out = data_out = None
                for _ev, el in iterparse(self.data, tags=("{*}row", "{*}sheetData")):
                    if root is None:
                        root = el
                        while root.getparent() is not None:
                            root = root.getparent()
                        ns = ns_of(root)
                        q = {n: f"{{{ns}}}{n}" for n in ("row", "c", "f", "v", "is", "t", "dimension", "sheetData")}
                        q["nsmap"] = {root.prefix: ns}  # type: ignore[assignment]
                        for node in reversed(list(root.itersiblings(preceding=True))):  # comments, PIs
                            xf.write(node)
                        root_out = xf.element(root.tag, attrib=dict(root.attrib), nsmap=root.nsmap)
                        root_out.__enter__()
                    parent = el.getparent()
                    if sheet_data is None:
                        if el.tag == q["sheetData"] and parent is root:
                            sheet_data = el
                        elif (el.tag == q["row"] and parent is not None and parent.tag == q["sheetData"]
                              and parent.getparent() is root):
                            sheet_data = parent
                        else:  # a row outside sheetData: written with its ancestor
                            continue
                        for child in root:
                            if child is sheet_data:
                                break
                            self._write_top(xf, child, q)
                        data_out = xf.element(sheet_data.tag, attrib=dict(sheet_data.attrib))
                        data_out.__enter__()
                    if el is sheet_data:
                        while ni < len(need):
                            xf.write(self._new_row(need[ni], by_row[need[ni]], q))
                            ni += 1
                        data_out.__exit__(None, None, None)
                        el.clear(keep_tail=True)
                    elif parent is sheet_data and el.tag == q["row"]:
                        r = el.get("r")
                        row_no = int(r) if r else row_no + 1
                        while ni < len(need) and need[ni] < row_no:
                            xf.write(self._new_row(need[ni], by_row[need[ni]], q))
                            ni += 1
                        if ni < len(need) and need[ni] == row_no:
                            self._patch_row(el, row_no, by_row[row_no], q)
                            ni += 1
                        xf.write(el)
                        el.clear()
                        while el.getprevious() is not None:
                            del sheet_data[0]
                if sheet_data is not None:
                    after = False
                    for child in root:
                        if after:
                            self._write_top(xf, child, q)
                        elif child is sheet_data:
                            after = True
                    root_out.__exit__(None, None, None)
                    # comments and PIs after the root: xmlfile writes nothing after it, so they
                    # are serialised by lxml and appended once it has closed
                    trailer = b"".join(etree.tostring(node) for node in root.itersiblings())
        except etree.XMLSyntaxError as err:
            raise WorkbookError(f"{self.path}: damaged XML ({err})") from None
        if sheet_data is None:
            raise WorkbookError(f"{self.path} has no sheetData")
        buf.write(trailer)
        self.data = buf.getvalue()
        self.dirty = set()
        return self.data

    def _write_top(self, xf, el: etree._Element, q: dict[str, str]) -> None:
        """One child of the root other than sheetData, as it was (the dimension updated)."""
        if el.tag == q["dimension"] and self.last_row:
            el.set("ref", range_ref(min(self.first_row, self.last_row),
                                    min(self.first_col, self.last_col), self.last_row, self.last_col))
        xf.write(el)

    def _new_cell(self, row: int, col: int, q) -> etree._Element:
        el = etree.Element(q["c"], r=cell_ref(row, col), nsmap=q["nsmap"])
        style = self._style(row, col)
        if style:
            el.set("s", style)
        return el

    def _new_row(self, row: int, cols: list[int], q) -> etree._Element:
        row_el = etree.Element(q["row"], r=str(row), nsmap=q["nsmap"])
        for col in cols:
            key = (row, col)
            value, f = self.values.get(key), self.formula_cells.get(key)
            if value is None and f is None:
                continue
            el = etree.SubElement(row_el, q["c"], r=cell_ref(row, col))
            style = self._style(row, col)
            if style:
                el.set("s", style)
            _patch(el, q, value, f)
        return row_el

    def _patch_row(self, row_el: etree._Element, row: int, dirty_cols: list[int], q) -> None:
        import bisect

        cols: list[int] = []
        els: list[etree._Element] = []
        col_no = 0
        cols_seen, digits = _COLS, _DIGITS
        for c_el in row_el.iterchildren(q["c"]):
            ref = c_el.get("r")
            if ref:
                col = cols_seen.get(ref.rstrip(digits))
                col_no = col if col is not None else cell_of(ref)[1]
            else:
                col_no += 1
                c_el.set("r", cell_ref(row, col_no))
            cols.append(col_no)
            els.append(c_el)
        values, formula_cells = self.values, self.formula_cells
        sub, v_tag = etree.SubElement, q["v"]
        added = False
        for col in dirty_cols:
            key = (row, col)
            value, f = values.get(key), formula_cells.get(key)
            i = bisect.bisect_left(cols, col)
            if i < len(cols) and cols[i] == col:
                el = els[i]
            else:
                if value is None and f is None:
                    continue
                if i < len(els):
                    el = etree.Element(q["c"], r=cell_ref(row, col))
                    els[i].addprevious(el)
                    cols.insert(i, col)
                    els.insert(i, el)
                else:  # after every cell of the row (the common case): append
                    el = etree.SubElement(row_el, q["c"], r=cell_ref(row, col))
                    cols.append(col)
                    els.append(el)
                style = self._style(row, col)
                if style:
                    el.set("s", style)
                added = True
            if f is None and type(value) is float and el.get("t") is None and el.get("cm") is None:
                n = len(el)
                if not n:  # a number into a blank cell, most answer cells: _patch's first case, inline
                    sub(el, v_tag).text = (str(int(value)) if value.is_integer() and abs(value) < 1e15
                                           else repr(value))
                    continue
                if n == 1 and el[0].tag == v_tag:  # a number replacing a number (a refresh again)
                    el[0].text = (str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value))
                    continue
            _patch(el, q, value, f)
        if added:
            row_el.attrib.pop("spans", None)


def _patch(el: etree._Element, q: dict[str, str], value: Any, f: FormulaCell | None) -> None:
    """Rewrite one ``<c>`` for ``value`` and formula ``f`` (None: no formula); other children
    (``extLst``) and attributes (style) stay."""
    if f is None and type(value) is float and not len(el):  # most answer cells: a number into a blank
        attrib = el.attrib
        if "t" in attrib:
            del attrib["t"]
        if "cm" in attrib:
            del attrib["cm"]
        etree.SubElement(el, q["v"]).text = number_text(value)
        return
    old_f = None
    if len(el):
        for child in list(el):
            tag = child.tag
            if tag == q["f"]:
                old_f = child
                el.remove(child)
            elif tag == q["v"] or tag == q["is"]:
                el.remove(child)
    attrib = el.attrib
    if "t" in attrib:
        del attrib["t"]
    at = 0
    if f is not None:
        f_el = old_f if old_f is not None else etree.Element(q["f"])
        f_el.attrib.clear()
        for k, v in f.f_attrs.items():
            f_el.set(k, v)
        f_el.text = xml_text(f.text) if f.text else None
        el.insert(0, f_el)
        at = 1
        if f.cm:
            attrib["cm"] = f.cm
        elif "cm" in attrib:
            del attrib["cm"]
    elif "cm" in attrib:
        del attrib["cm"]
    if value is None:
        return
    kind = type(value)
    if kind is float or kind is int:
        text = number_text(value)
    elif kind is Error:
        attrib["t"] = "e"
        text = str(value)
    elif kind is bool:
        attrib["t"] = "b"
        text = "1" if value else "0"
    elif isinstance(value, (int, float)):
        text = number_text(value)
    else:
        text = xml_text(str(value))
        if f is None:
            attrib["t"] = "inlineStr"
            is_el = etree.SubElement(el, q["is"]) if len(el) == at else etree.Element(q["is"])
            t_el = etree.SubElement(is_el, q["t"])
            t_el.text = text
            if text != text.strip():
                t_el.set(XML_SPACE, "preserve")
            if is_el.getparent() is None:
                el.insert(at, is_el)
            return
        attrib["t"] = "str"
    if len(el) == at:  # nothing after: append (the common case)
        etree.SubElement(el, q["v"]).text = text
    else:
        v_el = etree.Element(q["v"])
        v_el.text = text
        el.insert(at, v_el)


# --------------------------------------------------------------------------- dynamic-array metadata

_METADATA = (
    f'<metadata xmlns="{MAIN_NS}" xmlns:xda="{XDA_NS}"><metadataTypes count="1">'
    '<metadataType name="XLDAPR" minSupportedVersion="120000" copy="1" pasteAll="1" pasteValues="1" merge="1" '
    'splitFirst="1" rowColShift="1" clearFormats="1" clearComments="1" assign="1" coerce="1" cellMeta="1"/>'
    '</metadataTypes><futureMetadata name="XLDAPR" count="1"><bk><extLst>'
    f'<ext uri="{DYNAMIC_EXT}"><xda:dynamicArrayProperties fDynamic="1" fCollapsed="0"/></ext>'
    '</extLst></bk></futureMetadata><cellMetadata count="1"><bk><rc t="1" v="0"/></bk></cellMetadata></metadata>'
)


def dynamic_cm(pkg: Package, create: bool = True) -> str | None:
    """The ``cm`` value that marks a cell as a dynamic-array formula in ``pkg``.

    Found in ``xl/metadata.xml`` (the XLDAPR cell metadata with fDynamic="1"), or the part is
    added (with its relationship and content type) when the workbook has none, as after a
    LibreOffice or openpyxl save.  None when the workbook has metadata of another kind that
    this function does not extend (the answers are then written as fixed-size arrays)."""
    if "dynamic_cm" in pkg.cache:
        return pkg.cache["dynamic_cm"]  # type: ignore[return-value]
    part = next((resolve_target(pkg.workbook_part, r.target) for r in pkg.rels(pkg.workbook_part)
                 if r.type.endswith("/sheetMetadata")), None)
    cm: str | None = None
    if part is None or part not in pkg.parts:
        if create:
            part = resolve_target(pkg.workbook_part, "metadata.xml")
            pkg.put(part, to_xml_bytes(_metadata_tree(pkg.ns)))
            # the relationship in the workbook's own vocabulary (Transitional or Strict)
            sheet_rel = next((r.type for r in pkg.rels(pkg.workbook_part) if r.type.endswith("/worksheet")), "")
            base = sheet_rel[:-len("/worksheet")] if sheet_rel else METADATA_REL.rsplit("/", 1)[0]
            pkg.add_rel(pkg.workbook_part, f"{base}/sheetMetadata", "metadata.xml")
            pkg.set_override(part, METADATA_TYPE)
            cm = "1"
    else:
        cm = _find_dynamic(pkg.tree(part))
    pkg.cache["dynamic_cm"] = cm
    return cm


def _metadata_tree(ns: str) -> etree._Element:
    """The dynamic-array metadata part, its markup in the workbook's main namespace ``ns``."""
    root = etree.fromstring(_METADATA)
    if ns and ns != MAIN_NS:  # a Strict workbook: the same elements in its namespace
        for el in root.iter():
            if isinstance(el.tag, str) and el.tag.startswith(f"{{{MAIN_NS}}}"):
                el.tag = f"{{{ns}}}{local(el.tag)}"
        etree.cleanup_namespaces(root, top_nsmap={None: ns})
    return root


def _find_dynamic(root: etree._Element) -> str | None:
    ns = ns_of(root)
    types = [el.get("name") for el in root.iter(f"{{{ns}}}metadataType")]
    if "XLDAPR" not in types:
        return None
    t_index = types.index("XLDAPR") + 1
    dyn_bk = None
    for fm in root.iter(f"{{{ns}}}futureMetadata"):
        if fm.get("name") != "XLDAPR":
            continue
        for i, bk in enumerate(b for b in fm if local(b.tag) == "bk"):
            if any(p.get("fDynamic") in ("1", "true") for p in bk.iter(f"{{{XDA_NS}}}dynamicArrayProperties")):
                dyn_bk = i
                break
    if dyn_bk is None:
        return None
    for cmeta in root.iter(f"{{{ns}}}cellMetadata"):
        for i, bk in enumerate(b for b in cmeta if local(b.tag) == "bk"):
            for rc in bk:
                if rc.get("t") == str(t_index) and rc.get("v") == str(dyn_bk):
                    return str(i + 1)
    return None


__all__ = ["Error", "FormulaCell", "Sheet", "cell_ref", "col_letters", "date_serial", "dynamic_cm", "number_text",
           "parse_cell", "parse_range", "quote_sheet", "range_ref", "xml_text", "REL_NS"]
