"""A large plain sheet read by calamine gives exactly what the lxml reader gives; any other
sheet is left to the lxml reader (nqp_xl.workbook.ooxml.sheet_fast_read)."""
from __future__ import annotations

import io

import pytest
import xlsxwriter

from nqp_xl.workbook.ooxml import sheet_fast_read
from nqp_xl.workbook.ooxml.package import Package

pytest.importorskip("python_calamine")


def _book(fill) -> bytes:
    buf = io.BytesIO()
    wb = xlsxwriter.Workbook(buf, {"in_memory": True})
    ws = wb.add_worksheet("Data")
    fill(wb, ws)
    wb.add_worksheet("Other").write_string(0, 0, "")  # an empty shared string in another sheet
    wb.close()
    return buf.getvalue()


def _plain(wb, ws):
    ws.set_column(0, 0, 12, wb.add_format({"bold": True}))
    ws.write_row(0, 0, ["region", "year", "x1", "x2", "flag"])
    for i in range(1, 400):
        ws.write_row(i, 0, [f"R{i % 37}", 2000 + i % 9, i * 1.1, -i / 7, i % 2 == 0])


def _read_both(data: bytes, name: str = "Data"):
    fast_sheet = Package(data, "f.xlsx").sheet(name)
    took_fast = fast_sheet._dense is not None  # noqa: SLF001
    slow_sheet = Package(data, "f.xlsx")
    slow_sheet._original = {}  # noqa: SLF001 - the parts no longer as read: lxml
    return took_fast, fast_sheet, slow_sheet.sheet(name)


def _same(a, b):
    box = (a.first_row, a.first_col, a.last_row, a.last_col)
    assert box == (b.first_row, b.first_col, b.last_row, b.last_col)
    assert a.rows(1, 1, box[2] + 2, box[3] + 1) == b.rows(1, 1, box[2] + 2, box[3] + 1)
    assert a.values == b.values and all(type(a.values[k]) is type(b.values[k]) for k in a.values)
    assert a.col_styles == b.col_styles and a.row_styles == b.row_styles and a.formula_cells == b.formula_cells == {}


def test_a_plain_sheet_is_read_by_calamine_exactly_as_by_lxml(monkeypatch):
    monkeypatch.setattr(sheet_fast_read, "MIN_BYTES", 0)
    took_fast, fast, slow = _read_both(_book(_plain))
    assert took_fast
    _same(fast, slow)
    assert fast.values[(2, 5)] is False and fast.values[(3, 5)] is True and fast.values[(2, 1)] == "R1"


def _with(extra):
    def fill(wb, ws):
        _plain(wb, ws)
        extra(wb, ws)
    return fill


@pytest.mark.parametrize("extra", [
    lambda wb, ws: ws.write_formula(5, 7, "=1+1", None, 2),                     # a formula
    lambda wb, ws: ws.write_formula(5, 7, "=1/0", None, "#DIV/0!"),             # an error
    lambda wb, ws: ws.write_number(5, 7, 45000.123456789, wb.add_format({"num_format": "yyyy-mm-dd"})),  # a date
    lambda wb, ws: ws.write_string(5, 2, ""),                                   # empty text
    lambda wb, ws: ws.write_blank(600, 9, None, wb.add_format({"bold": True})),  # a formatted blank beyond the values
    lambda wb, ws: ws.set_row(3, None, wb.add_format({"italic": True})),       # a row style
])
def test_any_other_sheet_is_left_to_lxml(monkeypatch, extra):
    monkeypatch.setattr(sheet_fast_read, "MIN_BYTES", 0)
    took_fast, fast, slow = _read_both(_book(_with(extra)))
    assert not took_fast
    assert fast.values == slow.values


def test_a_formatted_blank_inside_the_values_keeps_the_fast_reader(monkeypatch):
    monkeypatch.setattr(sheet_fast_read, "MIN_BYTES", 0)
    took_fast, fast, slow = _read_both(_book(_with(lambda wb, ws: ws.write_blank(5, 2, None, wb.add_format({"bold": 1})))))
    assert took_fast
    _same(fast, slow)


def test_a_number_that_looks_like_the_empty_strings_index_is_a_number(monkeypatch):
    monkeypatch.setattr(sheet_fast_read, "MIN_BYTES", 0)
    data = _book(_plain)
    pkg = Package(data, "f.xlsx")
    index = pkg.shared.index("")
    part = pkg.parts[pkg.sheet_part("Data")]
    assert not sheet_fast_read._names_string(part, index)  # noqa: SLF001
    assert sheet_fast_read._names_string(b'<c r="A1" t="s"><v>%d</v></c>' % index, index)  # noqa: SLF001


def test_small_parts_and_a_missing_calamine_take_lxml(monkeypatch):
    took_fast, _fast, _slow = _read_both(_book(_plain))
    assert not took_fast  # under MIN_BYTES
    monkeypatch.setattr(sheet_fast_read, "MIN_BYTES", 0)
    import builtins

    real = builtins.__import__

    def no_calamine(name, *a, **k):
        if name == "python_calamine":
            raise ImportError(name)
        return real(name, *a, **k)

    monkeypatch.setattr(builtins, "__import__", no_calamine)
    took_fast, fast, slow = _read_both(_book(_plain))
    assert not took_fast and fast.values == slow.values


def test_a_changed_part_is_read_from_the_package_not_the_file(monkeypatch):
    monkeypatch.setattr(sheet_fast_read, "MIN_BYTES", 0)
    pkg = Package(_book(_plain), "f.xlsx")
    path = pkg.sheet_part("Data")
    pkg.put(path, pkg.parts[path].replace(b"<v>2001</v>", b"<v>1999</v>"))
    sheet = pkg.sheet("Data")
    assert sheet._dense is None and 1999.0 in sheet.values.values()  # noqa: SLF001
