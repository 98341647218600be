"""Readable names and units of the indicators (issue 14, item 4): the Label and Unit rows of
Inputs filled by ``nqp-xl new --labels FILE.csv``, by a second header row in the data, or by
the bundled panel's own labels; every table then shows the label (NQP_RELABEL)."""
from __future__ import annotations

import openpyxl
import pytest

from nqp_xl.workbook.template.indicator_labels import (apply_labels, bundled_labels, parse_labels,
                                                       take_label_row)
from nqp_xl.workbook.template.input_table import InputError, InputTable
from workbook_helpers import nqp

ROWS = "city,year,rd,patents\nA,2020,1.5,10\nB,2020,2.5,12\nC,2020,3.0,9\nA,2021,1.7,11\nB,2021,2.9,15\nC,2021,3.2,10\n"


def _table() -> InputTable:
    return InputTable(["city", "year", "rd", "patents"],
                      [["A", 2020.0, 1.5, 10.0], ["B", 2020.0, 2.5, 12.0], ["C", 2021.0, 3.0, 9.0]], 2)


def test_labels_file_picks_the_workbooks_language():
    text = "column,label,unit,label_zh,unit_zh\nrd,R&D spending,bn yuan,研发经费,亿元\npatents,Patents,,专利,件\n"
    assert parse_labels(text, "en", "f.csv") == {"rd": ("R&D spending", "bn yuan"), "patents": ("Patents", "件")}
    assert parse_labels(text, "zh", "f.csv") == {"rd": ("研发经费", "亿元"), "patents": ("专利", "件")}
    t = _table()
    apply_labels(t, parse_labels(text, "zh", "f.csv"))
    assert t.labels == ["研发经费", "专利"] and t.units == ["亿元", "件"]


def test_a_misspelt_column_is_named():
    with pytest.raises(InputError, match="rdx"):
        apply_labels(_table(), {"rdx": ("R&D", "")})
    with pytest.raises(InputError, match="column, label, unit"):
        parse_labels("name,label\nrd,R&D\n", "en", "f.csv")


def test_second_header_row_becomes_the_labels_with_units_in_brackets():
    t = _table()
    t.rows.insert(0, [None, None, "R&D spending (亿元)", "专利（件）"])
    assert take_label_row(t)
    assert t.labels == ["R&D spending", "专利"] and t.units == ["亿元", "件"] and len(t.rows) == 3
    assert not take_label_row(_table())  # numbers in the first row: no header row


def test_bundled_panel_has_labels_in_both_languages():
    en, zh = bundled_labels("en"), bundled_labels("zh")
    assert en["rd_expenditure"] == ("R&D expenditure", "100 million yuan")
    assert zh["rd_expenditure"] == ("R&D经费内部支出", "亿元") and set(en) == set(zh)


def test_new_fills_the_label_and_unit_rows(tmp_path):
    data = tmp_path / "d.csv"
    data.write_text(ROWS, encoding="utf-8")
    labels = tmp_path / "labels.csv"
    labels.write_text("column,label,unit\nrd,R&D spending,bn yuan\npatents,Patents,pieces\n", encoding="utf-8")
    out = tmp_path / "w.xlsm"
    nqp("new", data, "-o", out, "--labels", labels)
    ws = openpyxl.load_workbook(out)["Inputs"]
    assert [ws.cell(3, c).value for c in (3, 4)] == ["R&D spending", "Patents"]
    assert [ws.cell(4, c).value for c in (3, 4)] == ["bn yuan", "pieces"]
    assert [ws.cell(5, c).value for c in (3, 4)] == ["rd", "patents"]  # the header keeps the column names
    bad = tmp_path / "bad.csv"
    bad.write_text("column,label,unit\nrdx,R&D,\n", encoding="utf-8")
    proc = nqp("new", data, "-o", tmp_path / "x.xlsm", "--labels", bad, check=False)
    assert proc.returncode == 1 and "rdx" in proc.stderr and "Traceback" not in proc.stderr
