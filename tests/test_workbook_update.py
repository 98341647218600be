"""nqp-xl update: last year's workbook with this year's table equals a fresh one."""
from __future__ import annotations

import csv

import openpyxl
import pytest

from workbook_helpers import DATA, assert_valid_ooxml, differences, digest, nqp, sheet_values


def _years(tmp_path, last: int, name: str, change=None) -> str:
    with open(DATA / "panel_2016_2023.csv", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    year = rows[0].index("year")
    keep = [rows[0]] + [r for r in rows[1:] if int(r[year]) <= last]
    if change:
        keep = change(keep)
    path = tmp_path / name
    with open(path, "w", encoding="utf-8", newline="") as fh:
        csv.writer(fh).writerows(keep)
    return path


@pytest.fixture(scope="module")
def books(tmp_path_factory):
    d = tmp_path_factory.mktemp("update")
    old_csv, new_csv = _years(d, 2018, "to2018.csv"), _years(d, 2019, "to2019.csv")
    old = d / "old.xlsm"
    nqp("new", old_csv, "-o", old, "--id-cols", "2")
    fresh = d / "fresh.xlsm"
    nqp("new", new_csv, "-o", fresh, "--id-cols", "2")
    fresh_ref = d / "fresh.refreshed.xlsm"
    nqp("refresh", fresh, "-o", fresh_ref, "-q")
    return d, old, new_csv, fresh_ref


def test_updated_workbook_equals_a_fresh_one(books):
    d, old, new_csv, fresh_ref = books
    before = digest(old)
    out = d / "updated.xlsm"
    proc = nqp("update", old, new_csv, "-o", out, "-q")
    assert digest(old) == before
    assert "124 data rows (31 added)" in proc.stdout
    assert differences(sheet_values(fresh_ref), sheet_values(out)) == []
    assert differences(sheet_values(fresh_ref, data_only=False), sheet_values(out, data_only=False)) == []
    a, b = openpyxl.load_workbook(fresh_ref), openpyxl.load_workbook(out)
    assert a["Inputs"].tables["Data"].ref == b["Inputs"].tables["Data"].ref
    assert a.defined_names.keys() == b.defined_names.keys()
    for n in a.defined_names:
        assert a.defined_names[n].attr_text == b.defined_names[n].attr_text, n
    assert _chart_refs(out) == _chart_refs(fresh_ref)  # chart series stretched to the new rows
    assert _chart_refs(out) != _chart_refs(old)  # the series over years took in the new year
    assert_valid_ooxml(out)


def _chart_refs(path) -> dict[str, list[str]]:
    from lxml import etree

    from workbook_helpers import parts

    return {n: [e.text for e in etree.fromstring(b).iter("{*}f")] for n, b in parts(path).items()
            if n.startswith("xl/charts/chart")}


def test_append_equals_replace(books, tmp_path):
    d, old, _new_csv, fresh_ref = books
    only2019 = _years(tmp_path, 2019, "y2019.csv", lambda rows: [rows[0]] + [r for r in rows[1:] if r[1] == "2019"])
    out = tmp_path / "appended.xlsm"
    nqp("update", old, only2019, "-o", out, "--append", "-q")
    assert differences(sheet_values(fresh_ref), sheet_values(out)) == []


def test_reports_new_indicators_regions_and_jumps(books, tmp_path):
    d, old, _new_csv, _fresh = books

    def change(rows):
        rows = [r for r in rows if r[0] != "Tibet"]  # a region disappears
        rows[0] = rows[0] + ["broadband_users"]        # an indicator appears
        for i, r in enumerate(rows[1:], start=1):
            r.append(str(100.0 + i))
        beijing_2019 = next(r for r in rows if r[0] == "Beijing" and r[1] == "2019")
        col = rows[0].index("rd_expenditure")
        beijing_2019[col] = str(float(beijing_2019[col]) * 10000)  # yuan instead of 10,000 yuan
        return rows

    data = _years(tmp_path, 2019, "changed.csv", change)
    out = tmp_path / "changed.xlsm"
    proc = nqp("update", old, data, "-o", out)
    err = proc.stderr
    assert "broadband_users" in err and "direction +" in err
    assert "regions that disappeared: Tibet" in err
    assert "Beijing 2019 rd_expenditure" in err and "unit mistake" in err
    assert "#NQP!" not in err
    wb = openpyxl.load_workbook(out)
    ws = wb["Inputs"]
    t = ws.tables["Data"]
    assert t.tableColumns[-1].name == "broadband_users"
    last = openpyxl.utils.column_index_from_string(t.ref.split(":")[1].rstrip("0123456789"))
    assert ws.cell(1, last).value == "+" and ws.cell(2, last).value is None
    assert ws.cell(5, last).value == "broadband_users"  # the header row (rows 1-4: direction .. unit)
    assert wb.defined_names["NQP_DIRECTIONS"].attr_text.endswith(f"${openpyxl.utils.get_column_letter(last)}$1")
    assert ws["A1"].value == openpyxl.load_workbook(old)["Inputs"]["A1"].value  # row labels kept


def test_update_refuses_other_label_columns(books, tmp_path):
    _d, old, _new, _f = books
    bad = tmp_path / "bad.csv"
    bad.write_text("name,year,x\nA,2019,1\nB,2019,2\n", encoding="utf-8")
    proc = nqp("update", old, bad, "-o", tmp_path / "o.xlsm", "--id-cols", "2", check=False)
    assert proc.returncode == 1 and "label columns" in proc.stderr and "Traceback" not in proc.stderr


def test_an_update_with_the_same_table_rewrites_no_cell(books, tmp_path):
    """Updating a refreshed workbook with the table it already holds leaves every worksheet
    part byte for byte as it was: unchanged Data cells and unchanged answers are not rewritten."""
    from workbook_helpers import parts

    d, _old, new_csv, fresh_ref = books
    out = tmp_path / "same.xlsm"
    nqp("update", fresh_ref, new_csv, "-o", out, "-q")
    before, after = parts(fresh_ref), parts(out)
    sheets = [n for n in before if n.startswith("xl/worksheets/sheet")]
    assert sheets and all(before[n] == after[n] for n in sheets), [n for n in sheets if before[n] != after[n]]
