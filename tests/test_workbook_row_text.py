"""A filled answer row written as text is the bytes lxml's patch of it writes, and every other
row is left to lxml (nqp_xl.workbook.ooxml.row_text)."""
from __future__ import annotations

import pytest
from lxml import etree

from nqp_xl.workbook.ooxml import sheet_write
from nqp_xl.workbook.ooxml.row_text import filled_row_text
from nqp_xl.workbook.ooxml.sheet import Sheet

NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"


def _part(rows: str) -> bytes:
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns="{NS}" '
            f'xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">'
            f'<dimension ref="A1:E3"/><sheetData>{rows}</sheetData></worksheet>').encode()


BLANKS = ('<row r="2" spans="1:5" ht="14.25" customHeight="1"><c r="A2" s="5"/><c r="B2" s="11"/>'
          '<c r="C2" s="11"/><c r="D2" s="11"/><c r="E2" s="7"/></row>'
          '<row r="3" spans="1:5"><c r="A3" s="5"/><c r="B3" s="11"/><c r="C3" s="11"/><c r="D3" s="11"/>'
          '<c r="E3" s="7"/></row>')


def _written(part: bytes, answers: dict, text: bool, monkeypatch) -> bytes:
    sheet = Sheet("S", "xl/worksheets/sheet1.xml", part, [])
    for (r, c), v in answers.items():
        sheet.set(r, c, v, keep_formula=False)
    if not text:
        monkeypatch.setattr(sheet_write, "filled_row_text", lambda *a: None)
    out = sheet_write.sheet_xml(sheet)
    monkeypatch.undo()
    return out


ANSWERS = [
    {(2, 1): "County 00001", (2, 2): 0.25, (2, 3): 1e-20, (2, 4): 2014.0,
     (3, 1): " a & <b> ", (3, 2): -3.5, (3, 3): None, (3, 4): float("1e300")},
    {(2, 2): 1.5, (2, 3): 2.5},                            # a block beside blanks left blank
    {(2, 1): "", (2, 2): "x\r\ny", (2, 3): "tab\tand\x01control"},
]


@pytest.mark.parametrize("answers", ANSWERS)
def test_a_filled_row_says_what_lxml_says(answers, monkeypatch):
    part = _part(BLANKS)
    as_text = _written(part, answers, True, monkeypatch)
    as_lxml = _written(part, answers, False, monkeypatch)
    assert as_text == as_lxml
    assert b"<c r=\"B2\" s=\"11\"><v>" in as_text or b"<c r=\"B2\" s=\"11\" t=\"inlineStr\">" in as_text


@pytest.mark.parametrize("rows, answers", [
    ('<row r="2"><c r="A2" s="5"><v>1</v></c><c r="B2" s="11"/></row>', {(2, 2): 1.0}),        # a cell with content
    ('<row r="2"><c r="A2" s="5"/><c r="C2" s="11"/></row>', {(2, 1): 1.0, (2, 3): 2.0}),      # a gap between cells
    ('<row r="2"><c r="A2" s="5" t="n"/><c r="B2" s="11"/></row>', {(2, 1): 1.0}),            # another attribute
    ('<row r="2"><c r="A2" s="5"/><c r="B2" s="11"/></row>', {(2, 1): True}),                 # a logical answer
])
def test_any_other_row_is_left_to_lxml(rows, answers, monkeypatch):
    part = _part(rows)
    sheet = Sheet("S", "xl/worksheets/sheet1.xml", part, [])
    for (r, c), v in answers.items():
        sheet.set(r, c, v, keep_formula=False)
    row = etree.fromstring(part).find(f"{{{NS}}}sheetData")[0]
    assert filled_row_text(sheet, row, 2, sorted(c for _r, c in answers)) is None
    assert _written(part, answers, True, monkeypatch) == _written(part, answers, False, monkeypatch)


def test_the_blank_rows_of_an_answer_take_the_text_way():
    part = _part(BLANKS)
    sheet = Sheet("S", "xl/worksheets/sheet1.xml", part, [])
    sheet.set(2, 2, 0.5, keep_formula=False)
    row = etree.fromstring(part).find(f"{{{NS}}}sheetData")[0]
    assert filled_row_text(sheet, row, 2, [2]) == (
        f'<row xmlns="{NS}" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" '
        'r="2" spans="1:5" ht="14.25" customHeight="1"><c r="A2" s="5"/><c r="B2" s="11"><v>0.5</v></c>'
        '<c r="C2" s="11"/><c r="D2" s="11"/><c r="E2" s="7"/></row>')


def test_an_attribute_lxml_escapes_is_written_as_lxml_writes_it(monkeypatch):
    part = _part('<row r="2" x="a&amp;b &gt; c"><c r="A2" s="5"/><c r="B2" s="6"/></row>')
    answers = {(2, 1): 1.0, (2, 2): "t"}
    assert _written(part, answers, True, monkeypatch) == _written(part, answers, False, monkeypatch)


def test_rows_the_reader_saw_as_blanks_are_written_without_looking_at_their_cells_again(monkeypatch):
    part = _part(BLANKS + '<row r="4"><c r="A4" s="5"/><c r="B4" s="11"><v>1</v></c></row>')
    sheet = Sheet("S", "xl/worksheets/sheet1.xml", part, [])
    assert sheet.blank_row(2) == (1, ["5", "11", "11", "11", "7"]) and sheet.blank_row(4) is None
    answers = {(2, 2): 0.5, (2, 3): "x", (3, 1): "y", (3, 5): 2.0}
    assert _written(part, answers, True, monkeypatch) == _written(part, answers, False, monkeypatch)
    sheet.data = bytes(bytearray(sheet.data))  # another part (equal bytes, another object): what was seen no longer holds
    assert sheet.blank_row(2) is None


@pytest.mark.parametrize("row", [
    '<row r="2"><c r="A2" s="5" t="n"/><c r="B2" s="6"/></row>',        # another attribute
    '<row r="2"><c s="5" r="A2"/><c r="B2" s="6"/></row>',              # attributes in another order
    '<row r="2"><c r="A2" s="5"/> <c r="B2" s="6"/></row>',             # text between cells
    '<row r="2"><c r="A2"/><c r="B2" s="6"/></row>',                    # a blank without a style
])
def test_a_row_of_blanks_in_another_form_is_left_to_lxml(row, monkeypatch):
    part = _part(row)
    sheet = Sheet("S", "xl/worksheets/sheet1.xml", part, [])
    answers = {(2, 1): 1.0, (2, 2): "t"}
    for (r, c), v in answers.items():
        sheet.set(r, c, v, keep_formula=False)
    el = etree.fromstring(part).find(f"{{{NS}}}sheetData")[0]
    assert filled_row_text(sheet, el, 2, [1, 2]) is None
    assert _written(part, answers, True, monkeypatch) == _written(part, answers, False, monkeypatch)
