"""Files as users expect: numbered atomic backups, symlinks followed, read-only files refused,
no temporary file left behind after SIGINT or SIGTERM, macros never in an .xlsx, spills never
cut silently, #NQP! answers never published unnoticed."""
from __future__ import annotations

import os
import subprocess
import sys

import openpyxl
import pytest
import xlsxwriter

from workbook_helpers import DATA, anchor, digest, nqp, nqp_udfs_has, parts


@pytest.fixture(scope="module")
def book(tmp_path_factory):
    d = tmp_path_factory.mktemp("safety")
    src = d / "p.xlsm"
    nqp("new", DATA / "province_2022.csv", "-o", src)
    return src


def test_backups_are_numbered_never_overwritten(book, tmp_path):
    work = tmp_path / "w.xlsm"
    work.write_bytes(book.read_bytes())
    first = digest(work)
    nqp("refresh", work, "--in-place", "-q")
    second = digest(work)
    proc = nqp("refresh", work, "--in-place", "-q")
    assert digest(tmp_path / "w.bak.xlsm") == first
    assert digest(tmp_path / "w.bak2.xlsm") == second
    assert "w.bak2.xlsm" in proc.stdout
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".nqp-")]


def test_in_place_follows_a_symlink(book, tmp_path):
    real = tmp_path / "real.xlsm"
    real.write_bytes(book.read_bytes())
    link = tmp_path / "link.xlsm"
    link.symlink_to(real)
    before = digest(real)
    nqp("refresh", link, "--in-place", "-q")
    assert link.is_symlink() and os.readlink(link) == str(real)
    assert digest(real) != before
    r, c = anchor(real, "Composite index", "NQP_INDEX(")
    assert isinstance(openpyxl.load_workbook(real, data_only=True)["Composite index"].cell(r + 1, c).value, float)


def test_in_place_refuses_a_read_only_file(book, tmp_path):
    ro = tmp_path / "ro.xlsm"
    ro.write_bytes(book.read_bytes())
    ro.chmod(0o444)
    before = digest(ro)
    proc = nqp("refresh", ro, "--in-place", check=False)
    assert proc.returncode == 1 and "read-only" in proc.stderr and str(ro) in proc.stderr
    assert digest(ro) == before and sorted(p.name for p in tmp_path.iterdir()) == ["ro.xlsm"]


def test_xlsx_output_from_a_macro_workbook_points_to_publish(book, tmp_path):
    out = tmp_path / "x.xlsx"
    proc = nqp("refresh", book, "-o", out, check=False)
    assert proc.returncode == 1 and "publish" in proc.stderr and not out.exists()
    assert len(proc.stderr.strip().splitlines()) == 1


@pytest.mark.parametrize("sig", ["SIGTERM", "SIGINT"])
def test_no_temp_file_left_after_a_signal(tmp_path, sig):
    script = f"""
import os, signal, sys
from nqp_xl.workbook.commands.outputs import temp_beside
try:
    with temp_beside({str(tmp_path / 'out.xlsm')!r}) as tmp:
        open(tmp, 'wb').write(b'half')
        os.kill(os.getpid(), signal.{sig})
        import time; time.sleep(5)
except KeyboardInterrupt:
    sys.exit(1)
"""
    proc = subprocess.run([sys.executable, "-c", script], capture_output=True, timeout=60)
    assert proc.returncode != 0
    assert list(tmp_path.iterdir()) == []


def _user_book(path, cells: dict[str, str], legacy_arrays: dict[str, str] = {}, values: dict[str, float] = {}):
    wb = xlsxwriter.Workbook(path)
    ws = wb.add_worksheet("Data")
    import csv

    with open(DATA / "province_2022.csv", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))[:12]
    for i, r in enumerate(rows):
        for j, v in enumerate(r[:6]):
            try:
                ws.write_number(i, j, float(v))
            except ValueError:
                ws.write_string(i, j, v)
    mine = wb.add_worksheet("Mine")
    for cell, f in cells.items():
        mine.write_dynamic_array_formula(cell + ":" + cell, f)
    for cell, f in legacy_arrays.items():  # as Excel 2016 or LibreOffice save: no dynamic metadata
        mine.write_array_formula(cell + ":" + cell, f)
    for cell, v in values.items():
        mine.write(cell, v)
    wb.close()


@pytest.mark.skipif(not nqp_udfs_has("NQP_INDEX"), reason="UDFs not there yet")
def test_a_fixed_size_nqp_array_spills_and_a_collision_says_spill(tmp_path):
    src = tmp_path / "mine.xlsx"
    _user_book(src, {}, legacy_arrays={"A1": "=NQP_INDEX(Data!A1:F12)", "C1": "=NQP_INDEX(Data!A1:F12)"},
               values={"C6": 99.0})
    out = tmp_path / "out.xlsx"
    proc = nqp("refresh", src, "-o", out)
    ws = openpyxl.load_workbook(out, data_only=True)["Mine"]
    assert [isinstance(ws.cell(r, 1).value, float) for r in range(2, 13)] == [True] * 11  # spilled to 12 rows
    assert ws["C1"].value == "#SPILL!" and ws["C6"].value == 99
    assert "C6" in proc.stderr and "warning" in proc.stderr
    sheet = parts(out)["xl/worksheets/sheet2.xml"].decode()
    assert 'ref="A1:A12"' in sheet and "xl/metadata.xml" in parts(out)


@pytest.mark.skipif(not nqp_udfs_has("NQP_INDEX"), reason="UDFs not there yet")
def test_publish_refuses_nqp_errors_unless_allowed(tmp_path):
    src = tmp_path / "err.xlsx"
    _user_book(src, {"A1": "=NQP_INDEX(Data!A1:A12)", "B1": "=NQP_INDEX(Data!A1:B3)"})
    out = tmp_path / "pub.xlsx"
    proc = nqp("publish", src, "-o", out, "-q", check=False)
    assert proc.returncode == 1 and "#NQP!" in proc.stderr and "Mine!A1" in proc.stderr and not out.exists()
    assert "--allow-errors" in proc.stderr and len(proc.stderr.strip().splitlines()) == 1
    nqp("publish", src, "-o", out, "--allow-errors", "-q")
    assert openpyxl.load_workbook(out)["Mine"]["A1"].value.startswith("#NQP!")
