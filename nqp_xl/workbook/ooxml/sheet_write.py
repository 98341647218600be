"""Writing one worksheet part back: the changed cells patched in, everything else as it was.

The original part is read again with ``iterparse`` (events for ``<row>`` and ``<sheetData>``
only) and written with lxml's ``xmlfile``, so memory stays near one row.  Only the cells a
:class:`~nqp_xl.workbook.ooxml.sheet.Sheet` marked dirty are touched (value, type, formula, spill
area, ``cm``); the root's other children, comments and processing instructions are written as
the producer wrote them, and the dimension is updated.
"""
from __future__ import annotations

import bisect
import io
from typing import Any

from lxml import etree

from .addresses import DIGITS, LETTER_COLUMNS, cell_of, cell_ref, range_ref
from .row_text import filled_row_text
from .sheet import FormulaCell, Sheet
from .values import Error, number_text, xml_text
from .xml import WorkbookError, iterparse, ns_of

XML_SPACE = "{http://www.w3.org/XML/1998/namespace}space"


def sheet_xml(sheet: Sheet) -> bytes:
    """The part with the changed cells patched in, streamed row by row: the original is read
    with ``iterparse`` (events for ``<row>`` and ``<sheetData>`` only) and written with
    ``xmlfile``, so memory stays near one row.  The root's other children are written as the
    producer wrote them (all of them, whatever their namespace): those before ``<sheetData>``
    when its first row ends, those after it once the part is read (the dimension is updated)."""
    if not sheet.dirty:
        return sheet.data
    buf = io.BytesIO()
    try:
        with etree.xmlfile(buf, encoding="UTF-8") as xf:
            xf.write_declaration(standalone=True)
            writer = _PartWriter(sheet, xf, buf)
            for _ev, el in iterparse(sheet.data, tags=("{*}row", "{*}sheetData"),
                                      where=f"{sheet.source} ({sheet.path})"):
                writer.take(el)
            trailer = writer.close()
    except etree.XMLSyntaxError as err:
        raise WorkbookError(f"{sheet.path}: damaged XML ({err})") from None
    if writer.sheet_data is None:
        raise WorkbookError(f"{sheet.path} has no sheetData")
    buf.write(trailer)
    sheet.data = buf.getvalue()
    sheet.dirty = set()
    return sheet.data


class _PartWriter:
    """:func:`sheet_xml`'s state while the part streams: the root and ``sheetData`` opened in
    the output when first met, each row written as it ends (patched if it holds changed
    cells, new rows between), the rest of the root once the part is read."""

    def __init__(self, sheet: Sheet, xf, buf: io.BytesIO):
        self.sheet, self.xf, self.buf = sheet, xf, buf
        self.by_row: dict[int, list[int]] = {}
        for r, c in sorted(sheet.dirty):
            self.by_row.setdefault(r, []).append(c)
        self.need = sorted(self.by_row)
        self.ni = 0
        self.root = self.sheet_data = self.root_out = self.data_out = None
        self.q: dict[str, str] = {}
        self.row_no = 0

    def take(self, el: etree._Element) -> None:
        """One ``<row>`` or ``<sheetData>`` that has ended."""
        if self.root is None:
            self._open_root(el)
        parent = el.getparent()
        if self.sheet_data is None and not self._open_data(el, parent):
            return  # a row outside sheetData: written with its ancestor
        if el is self.sheet_data:
            self._new_rows_before(1 << 30)
            self.data_out.__exit__(None, None, None)
            el.clear(keep_tail=True)
        elif parent is self.sheet_data and el.tag == self.q["row"]:
            self._row(el)

    def _open_root(self, el: etree._Element) -> None:
        root = el
        while root.getparent() is not None:
            root = root.getparent()
        self.root = root
        ns = ns_of(root)
        self.q = {n: f"{{{ns}}}{n}" for n in ("row", "c", "f", "v", "is", "t", "dimension", "sheetData")}
        self.q["nsmap"] = {root.prefix: ns}  # type: ignore[assignment]
        for node in reversed(list(root.itersiblings(preceding=True))):  # comments, PIs
            self.xf.write(node)
        self.root_out = self.xf.element(root.tag, attrib=dict(root.attrib), nsmap=root.nsmap)
        self.root_out.__enter__()

    def _open_data(self, el: etree._Element, parent) -> bool:
        """Recognise ``sheetData`` (``el`` or the parent of the first row) and write the root's
        children before it; False while it has not come."""
        q, root = self.q, self.root
        if el.tag == q["sheetData"] and parent is root:
            self.sheet_data = el
        elif el.tag == q["row"] and parent is not None and parent.tag == q["sheetData"] and parent.getparent() is root:
            self.sheet_data = parent
        else:
            return False
        for child in root:
            if child is self.sheet_data:
                break
            _write_top(self.sheet, self.xf, child, q)
        self.data_out = self.xf.element(self.sheet_data.tag, attrib=dict(self.sheet_data.attrib))
        self.data_out.__enter__()
        return True

    def _new_rows_before(self, row_no: int) -> None:
        need, by_row = self.need, self.by_row
        while self.ni < len(need) and need[self.ni] < row_no:
            self.xf.write(_new_row(self.sheet, need[self.ni], by_row[need[self.ni]], self.q))
            self.ni += 1

    def _row(self, el: etree._Element) -> None:
        r = el.get("r")
        row_no = self.row_no = int(r) if r else self.row_no + 1
        self._new_rows_before(row_no)
        text = None
        if self.ni < len(self.need) and self.need[self.ni] == row_no:
            cols = self.by_row[row_no]
            text = filled_row_text(self.sheet, el, row_no, cols)
            if text is None:
                _patch_row(self.sheet, el, row_no, cols, self.q)
            self.ni += 1
        if text is None:
            self.xf.write(el)
        else:  # a filled answer row (row_text): lxml's pending output first
            self.xf.flush()
            self.buf.write(text.encode())
        el.clear()
        while el.getprevious() is not None:
            del self.sheet_data[0]

    def close(self) -> bytes:
        """The root's children after ``sheetData`` written and the root closed; answers the
        comments and PIs after the root, serialised by lxml (xmlfile writes nothing after it)."""
        if self.sheet_data is None:
            return b""
        after = False
        for child in self.root:
            if after:
                _write_top(self.sheet, self.xf, child, self.q)
            elif child is self.sheet_data:
                after = True
        self.root_out.__exit__(None, None, None)
        return b"".join(etree.tostring(node) for node in self.root.itersiblings())


def _write_top(sheet: Sheet, xf, el: etree._Element, q: dict[str, str]) -> None:
    """One child of the root other than sheetData, as it was (the dimension updated)."""
    if el.tag == q["dimension"] and sheet.last_row:
        el.set("ref", range_ref(min(sheet.first_row, sheet.last_row),
                                min(sheet.first_col, sheet.last_col), sheet.last_row, sheet.last_col))
    xf.write(el)

def _new_row(sheet: Sheet, row: int, cols: list[int], q) -> etree._Element:
    row_el = etree.Element(q["row"], r=str(row), nsmap=q["nsmap"])
    for col in cols:
        key = (row, col)
        value, f = sheet.values.get(key), sheet.formula_cells.get(key)
        if value is None and f is None:
            continue
        el = etree.SubElement(row_el, q["c"], r=cell_ref(row, col))
        style = sheet.style_at(row, col)
        if style:
            el.set("s", style)
        _patch(el, q, value, f)
    return row_el

def _patch_row(sheet: Sheet, row_el: etree._Element, row: int, dirty_cols: list[int], q) -> None:
    cols: list[int] = []
    els: list[etree._Element] = []
    col_no = 0
    cols_seen, digits = LETTER_COLUMNS, DIGITS
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
    values, formula_cells = sheet.values, sheet.formula_cells
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
            style = sheet.style_at(row, col)
            if style:
                el.set("s", style)
            added = True
        if f is None and type(value) is float and el.get("t") is None and el.get("cm") is None:
            # a number into a blank cell (most answer cells) or over a number: number_text, inline
            n = len(el)
            if not n or (n == 1 and el[0].tag == v_tag):
                text = number_text(value)
                if n:
                    el[0].text = text
                else:
                    sub(el, v_tag).text = text
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
    at = _put_formula(el, q, f)
    if value is not None:
        _put_value(el, q, value, f is not None, at)


def _put_formula(el: etree._Element, q: dict[str, str], f: FormulaCell | None) -> int:
    """The cell's value, type and formula children removed, then its ``<f>`` (reused, or new)
    put first when it keeps a formula, with its ``cm``; answers where the value goes (0 or 1)."""
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
    if f is None:
        if "cm" in attrib:
            del attrib["cm"]
        return 0
    f_el = old_f if old_f is not None else etree.Element(q["f"])
    f_el.attrib.clear()
    for k, v in f.f_attrs.items():
        f_el.set(k, v)
    f_el.text = xml_text(f.text) if f.text else None
    el.insert(0, f_el)
    if f.cm:
        attrib["cm"] = f.cm
    elif "cm" in attrib:
        del attrib["cm"]
    return 1


def _put_value(el: etree._Element, q: dict[str, str], value: Any, formula: bool, at: int) -> None:
    """The value's ``<v>`` (or, for text without a formula, inline ``<is>``) at position ``at``,
    and its type ``t``."""
    attrib = el.attrib
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
        if not formula:
            attrib["t"] = "inlineStr"
            is_el = etree.SubElement(el, q["is"]) if len(el) == at else etree.Element(q["is"])
            t_el = etree.SubElement(is_el, q["t"])
            t_el.text = text or None  # "" as <t/>, as a part read back and copied serialises it
            if text != text.strip():
                t_el.set(XML_SPACE, "preserve")
            if is_el.getparent() is None:
                el.insert(at, is_el)
            return
        attrib["t"] = "str"
    if len(el) == at:  # nothing after: append (the common case)
        etree.SubElement(el, q["v"]).text = text or None  # "" as <v/>: the same bytes when copied again
    else:
        v_el = etree.Element(q["v"])
        v_el.text = text or None
        el.insert(at, v_el)


__all__ = ["sheet_xml"]
