"""A spilled answer's row written as text: the bytes lxml would write for it, faster.

A county workbook's refresh fills about 600,000 answer cells into rows of formatted blanks
(``<c r="B9" s="4"/>``).  Patching each as an lxml element costs about 7 µs a cell; writing
the row as text, as XlsxWriter writes cells, a fraction of that.  The reader notes each row of
blank cells side by side with their styles (``Sheet.blank_row``); here lxml's serialisation of
the row is checked against the plain blanks those styles make, in one comparison, and the
answers (floats, text, blanks; no formula) are written in their place.  The row's start tag is
lxml's own (its serialisation up to the first ``>``, which lxml escapes in attribute values),
so the bytes are the ones lxml writes, namespace declarations included, and a later refresh
that rewrites the row through lxml keeps them.  Any other row answers None and is patched
through lxml by :mod:`~nqp_xl.workbook.ooxml.sheet_write`; ``tests/test_workbook_row_text.py``
compares the two ways byte for byte.
"""
from __future__ import annotations

from typing import Any

from lxml import etree

from .addresses import col_letters
from .values import number_text, xml_text

_ESCAPE = str.maketrans({"&": "&amp;", "<": "&lt;", ">": "&gt;", "\r": "&#13;"})  # as lxml escapes text


def filled_row_text(sheet: Any, row_el: etree._Element, row: int, dirty_cols: list[int]) -> str | None:
    """The row with its answers, as text; None unless the reader saw it as blank cells side by
    side (``Sheet.blank_row``) and lxml's serialisation of the row is, in one piece, the plain
    blanks ``<c r=".." s=".."/>`` those styles make (so no attribute, prefix, text or tail is
    missed): the cells are not looked at one by one."""
    known = sheet.blank_row(row)
    if known is None:
        return None
    c0, styles = known
    n = len(styles)
    if dirty_cols[-1] - dirty_cols[0] + 1 != len(dirty_cols) or dirty_cols[0] < c0 or dirty_cols[-1] >= c0 + n:
        return None
    tail = f"{row}"
    blanks = [f'<c r="{col_letters(c0 + i)}{tail}" s="{s}"/>' for i, s in enumerate(styles)]
    whole = etree.tostring(row_el)  # with its tail: a row followed by text is not plain
    start = whole.find(b">") + 1
    if whole[start:] != ("".join(blanks) + "</row>").encode():
        return None
    values, formulas = sheet.values, sheet.formula_cells
    out = [whole[:start].decode()]  # the start tag as lxml writes it (declarations, escaping)
    lo, hi = dirty_cols[0] - c0, dirty_cols[-1] - c0
    for i, blank in enumerate(blanks):
        if not lo <= i <= hi:  # a cell beside the answer stays blank
            out.append(blank)
            continue
        key = (row, c0 + i)
        value = values.get(key)
        if key in formulas:
            return None
        if value is None:
            out.append(blank)
        elif type(value) is float:
            out.append(f'{blank[:-2]}><v>{number_text(value)}</v></c>')
        elif type(value) is str:
            out.append(f'{blank[:-2]} t="inlineStr"><is>{_text_element(value)}</is></c>')
        else:
            return None
    out.append("</row>")
    return "".join(out)


def _text_element(value: str) -> str:
    """``<t>`` as ``sheet_write._patch`` builds it for text: control characters dropped,
    ``xml:space`` kept where the text has outer spaces, ``<t/>`` for none."""
    text = xml_text(value)
    if not text:
        return "<t/>"
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f"<t{space}>{text.translate(_ESCAPE)}</t>"


__all__ = ["filled_row_text"]
