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
    by_row: dict[int, list[int]] = {}
    for r, c in sorted(sheet.dirty):
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
            for _ev, el in iterparse(sheet.data, tags=("{*}row", "{*}sheetData"),
                                      where=f"{sheet.source} ({sheet.path})"):
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
                        _write_top(sheet, xf, child, q)
                    data_out = xf.element(sheet_data.tag, attrib=dict(sheet_data.attrib))
                    data_out.__enter__()
                if el is sheet_data:
                    while ni < len(need):
                        xf.write(_new_row(sheet, need[ni], by_row[need[ni]], q))
                        ni += 1
                    data_out.__exit__(None, None, None)
                    el.clear(keep_tail=True)
                elif parent is sheet_data and el.tag == q["row"]:
                    r = el.get("r")
                    row_no = int(r) if r else row_no + 1
                    while ni < len(need) and need[ni] < row_no:
                        xf.write(_new_row(sheet, need[ni], by_row[need[ni]], q))
                        ni += 1
                    text = None
                    if ni < len(need) and need[ni] == row_no:
                        text = filled_row_text(sheet, el, row_no, by_row[row_no])
                        if text is None:
                            _patch_row(sheet, el, row_no, by_row[row_no], q)
                        ni += 1
                    if text is None:
                        xf.write(el)
                    else:  # a filled answer row (row_text): lxml's pending output first
                        xf.flush()
                        buf.write(text.encode())
                    el.clear()
                    while el.getprevious() is not None:
                        del sheet_data[0]
            if sheet_data is not None:
                after = False
                for child in root:
                    if after:
                        _write_top(sheet, xf, child, q)
                    elif child is sheet_data:
                        after = True
                root_out.__exit__(None, None, None)
                # comments and PIs after the root: xmlfile writes nothing after it, so they
                # are serialised by lxml and appended once it has closed
                trailer = b"".join(etree.tostring(node) for node in root.itersiblings())
    except etree.XMLSyntaxError as err:
        raise WorkbookError(f"{sheet.path}: damaged XML ({err})") from None
    if sheet_data is None:
        raise WorkbookError(f"{sheet.path} has no sheetData")
    buf.write(trailer)
    sheet.data = buf.getvalue()
    sheet.dirty = set()
    return sheet.data

def _write_top(sheet: Sheet, xf, el: etree._Element, q: dict[str, str]) -> None:
    """One child of the root other than sheetData, as it was (the dimension updated)."""
    if el.tag == q["dimension"] and sheet.last_row:
        el.set("ref", range_ref(min(sheet.first_row, sheet.last_row),
                                min(sheet.first_col, sheet.last_col), sheet.last_row, sheet.last_col))
    xf.write(el)

def _new_cell(sheet: Sheet, row: int, col: int, q) -> etree._Element:
    el = etree.Element(q["c"], r=cell_ref(row, col), nsmap=q["nsmap"])
    style = sheet.style_at(row, col)
    if style:
        el.set("s", style)
    return el

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
                text = str(int(value)) if value.is_integer() and abs(value) < 1e15 else repr(value)
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
