"""Issue 15, nothing silently wrong: hostile files refused in time and memory, data files behind
the same guards as workbooks, labels decided by content, one writer at a time, nothing live in a
published copy, notes that print names safely.

Each hostile file is built on the fly in ``tmp_path`` (removed with it) and given to ``nqp-xl`` in a
child process whose CPU time and peak memory are read with ``os.wait4``: every one must exit 1
with one line naming the file, in under 5 s of CPU and 500 MB, and leave the user's files as they
were.  (CPU time, not wall time: the suite runs on shared machines.)"""
from __future__ import annotations

import os
import struct
import subprocess
import sys
import time
import zipfile
import zlib
from pathlib import Path

import pytest
import xlsxwriter

from workbook_helpers import DATA, assert_valid_ooxml, digest, nqp, parts

MAX_CPU = 5.0      # seconds of CPU for a refusal
MAX_RSS = 500.0    # MB peak resident memory


def run_measured(*args, env=None) -> tuple[int, str, float, float]:
    """Run ``nqp-xl ARGS``; answers the exit code, stderr, CPU seconds and peak RSS (MB)."""
    proc = subprocess.Popen([sys.executable, "-m", "nqp_xl.workbook.commands.cli", *map(str, args)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env)
    err = proc.stderr.read().decode("utf-8", "replace")
    _pid, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, err, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024


def assert_refused(path: Path, *words: str, verb: str = "new") -> str:
    """``nqp-xl new PATH -o …`` (or ``refresh PATH``) exits 1 with one line holding ``words``, in
    time and memory, and no file is written or changed."""
    before = {p.name: digest(p) for p in path.parent.iterdir() if p.is_file()}
    out = path.parent / "out.xlsm"
    args = ("new", path, "-o", out) if verb == "new" else ("refresh", path, "-q")
    code, err, cpu, rss = run_measured(*args)
    assert code == 1, err
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("nqp-xl: error: "), err
    assert path.name in err, err
    for w in words:
        assert w in err, err
    assert cpu < MAX_CPU, (cpu, err)
    assert rss < MAX_RSS, (rss, err)
    after = {p.name: digest(p) for p in path.parent.iterdir() if p.is_file()}
    assert after == before
    return err


# --------------------------------------------------------------------------- building zips by hand

def _deflated_repeats(block: bytes, times: int, head: bytes = b"", tail: bytes = b"") -> bytes:
    """Raw deflate of head + block*times + tail, made without inflating it: the block is compressed
    once behind a full flush (which resets the compressor), so its bytes can be repeated."""
    c = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = c.compress(head) + c.flush(zlib.Z_FULL_FLUSH)
    rep = c.compress(block) + c.flush(zlib.Z_FULL_FLUSH)
    return first + rep * times + c.compress(tail) + c.flush()


def _crc_repeats(block: bytes, times: int, head: bytes = b"", tail: bytes = b"") -> int:
    crc = zlib.crc32(head)
    for _ in range(times):
        crc = zlib.crc32(block, crc)
    return zlib.crc32(tail, crc)


def raw_zip(path: Path, entries: list[tuple[str, bytes, int, int]]) -> None:
    """A zip of (name, deflated bytes, inflated size, crc) entries, sizes as declared (a size of
    -1: the bytes are stored, not deflated)."""
    out, central = bytearray(), bytearray()
    for name, data, size, crc in entries:
        n = name.encode()
        at = len(out)
        method = 8
        if size < 0:
            method, size = 0, len(data)
        out += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, method, 0, 0x21, crc, len(data), size, len(n), 0) + n + data
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, method, 0, 0x21, crc, len(data), size,
                               len(n), 0, 0, 0, 0, 0, at) + n
    cd_at = len(out)
    out += central
    count = len(entries)
    out += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(central), cd_at, 0)
    path.write_bytes(bytes(out))


def data_xlsx(path: Path, rows: list[list]) -> None:
    wb = xlsxwriter.Workbook(str(path))
    ws = wb.add_worksheet("Sheet1")
    for i, r in enumerate(rows):
        for j, v in enumerate(r):
            if v is not None:
                ws.write(i, j, v)
    wb.close()


SMALL = [["province", "year", "x1", "x2"], ["A", 2020, 1.0, 2.0], ["B", 2020, 3.0, 4.0], ["C", 2020, 5.0, 1.0]]


def with_part(src: Path, dst: Path, name: str, deflated: bytes, size: int, crc: int = 0) -> None:
    """``src`` with the part ``name`` replaced by the given deflated stream (declared size ``size``)."""
    entries = []
    for n, body in parts(src).items():
        if n == name:
            entries.append((n, deflated, size, crc))
        else:
            c = zlib.compressobj(6, zlib.DEFLATED, -15)
            entries.append((n, c.compress(body) + c.flush(), len(body), zlib.crc32(body)))
    raw_zip(dst, entries)


SHEET_HEAD = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<worksheet xmlns='
              b'"http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>')
SHEET_TAIL = b"</sheetData></worksheet>"


# --------------------------------------------------------------------------- hostile data files

def test_a_3mb_file_that_inflates_to_3gib_is_refused(tmp_path):
    base = tmp_path / "base.xlsx"
    data_xlsx(base, SMALL)
    bomb = tmp_path / "bomb.xlsx"
    stream = _deflated_repeats(b"\0" * 2**20, 3072)
    with_part(base, bomb, "xl/worksheets/sheet1.xml", stream, 3 * 2**30)
    assert bomb.stat().st_size < 4 * 2**20
    base.unlink()
    assert_refused(bomb, "zip bomb")
    # the same stream declaring a small size: the inflated bytes are counted, not the declaration
    liar = tmp_path / "liar.xlsx"
    data_xlsx(base, SMALL)
    with_part(base, liar, "xl/worksheets/sheet1.xml", stream, 1000)
    base.unlink()
    bomb.unlink()
    assert_refused(liar)


def test_a_250mib_sheet_in_a_2mb_file_is_refused(tmp_path):
    base = tmp_path / "base.xlsx"
    data_xlsx(base, SMALL)
    row = b"<row>" + b"<c><v>1</v></c>" * 16384 + b"</row>"
    times = 250 * 2**20 // len(row)
    f = tmp_path / "wide.xlsx"
    with_part(base, f, "xl/worksheets/sheet1.xml", _deflated_repeats(row, times, SHEET_HEAD, SHEET_TAIL),
              len(SHEET_HEAD) + len(row) * times + len(SHEET_TAIL))
    base.unlink()
    assert f.stat().st_size < 3 * 2**20
    assert_refused(f, "zip bomb")


def test_sixteen_million_cells_are_refused(tmp_path):
    """16 million cells (the part cap refuses it) and 3 million cells in a part under the cap
    (counted while the sheet streams)."""
    base = tmp_path / "base.xlsx"
    data_xlsx(base, SMALL)
    row = b"<row>" + b"<c><v>1</v></c>" * 1000 + b"</row>"
    for name, n_rows, words in (("c16m.xlsx", 16_000, ("zip bomb",)), ("c3m.xlsx", 3_000, ("more than 1,500,000 cells",))):
        f = tmp_path / name
        size = len(SHEET_HEAD) + len(row) * n_rows + len(SHEET_TAIL)
        crc = _crc_repeats(row, n_rows, SHEET_HEAD, SHEET_TAIL) if n_rows < 10_000 else 0
        with_part(base, f, "xl/worksheets/sheet1.xml", _deflated_repeats(row, n_rows, SHEET_HEAD, SHEET_TAIL), size, crc)
        assert f.stat().st_size < 2 * 2**20
        assert_refused(f, *words)
        f.unlink()


def test_the_package_total_is_counted_across_parts(tmp_path):
    """Four 80 MiB sheets, each under the part cap: refused when the package passes 256 MiB."""
    base = tmp_path / "base.xlsx"
    data_xlsx(base, SMALL)
    block = b"<row><c><v>1</v></c></row>" * 40_000
    times = 80 * 2**20 // len(block)
    stream = _deflated_repeats(block, times, SHEET_HEAD, SHEET_TAIL)
    size = len(SHEET_HEAD) + len(block) * times + len(SHEET_TAIL)
    crc = _crc_repeats(block, times, SHEET_HEAD, SHEET_TAIL)
    entries = [(f"xl/worksheets/big{i}.xml", stream, size, crc) for i in range(4)]
    for n, body in parts(base).items():
        c = zlib.compressobj(6, zlib.DEFLATED, -15)
        entries.append((n, c.compress(body) + c.flush(), len(body), zlib.crc32(body)))
    f = tmp_path / "total.xlsx"
    raw_zip(f, entries)
    base.unlink()
    assert_refused(f, "the package", "beyond 268,435,456 bytes")


def test_one_row_of_millions_of_empty_cells_is_refused_before_it_is_built(tmp_path):
    base = tmp_path / "base.xlsx"
    data_xlsx(base, SMALL)
    f = tmp_path / "row.xlsx"
    # 8 MiB stored (ratio 1) of empty elements in one row: not <c> (those are counted on the bytes
    # first), so only the 4 MiB guard between rows can stop lxml building millions of elements
    body = SHEET_HEAD + b"<row>" + b"<d/>" * (2 * 2**20) + b"</row>" + SHEET_TAIL
    with_part(base, f, "xl/worksheets/sheet1.xml", body, -1, zlib.crc32(body))
    base.unlink()
    assert_refused(f, "MiB of XML")


def _zip_entries(path: Path, n: int) -> None:
    """A zip of ``n`` empty stored entries, written directly (no zipfile)."""
    local, central = bytearray(), bytearray()
    for i in range(n):
        name = f"{i:x}".encode()
        at = len(local)
        local += struct.pack("<IHHHHHIIIHH", 0x04034B50, 20, 0, 0, 0, 0x21, 0, 0, 0, len(name), 0) + name
        central += struct.pack("<IHHHHHHIIIHHHHHII", 0x02014B50, 20, 20, 0, 0, 0, 0x21, 0, 0, 0, len(name),
                               0, 0, 0, 0, 0, at) + name
    count = min(n, 0xFFFF)
    path.write_bytes(bytes(local) + bytes(central)
                     + struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, count, count, len(central), len(local), 0))


def test_millions_of_zip_entries_are_counted_before_listing(tmp_path):
    many = tmp_path / "many.xlsx"
    _zip_entries(many, 60_000)
    assert_refused(many, "60,000 parts")
    many.unlink()
    # a Zip64 end record declaring 3 million entries: refused from the record alone
    claim = tmp_path / "claim.xlsx"
    body = bytearray()
    z64_at = 30  # after the local header written below
    body += struct.pack("<IQHHIIQQQQ", 0x06064B50, 44, 45, 45, 0, 0, 3_000_000, 3_000_000, 0, 0)
    body += struct.pack("<IIQI", 0x07064B50, 0, z64_at, 1)
    body += struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, 0xFFFF, 0xFFFF, 0xFFFFFFFF, 0xFFFFFFFF, 0)
    claim.write_bytes(b"PK\x03\x04" + bytes(26) + bytes(body))
    assert_refused(claim, "3,000,000 parts")


def test_a_dtd_or_truncated_xml_is_a_plain_error(tmp_path):
    base = tmp_path / "base.xlsx"
    data_xlsx(base, SMALL)
    sheet = parts(base)["xl/worksheets/sheet1.xml"]
    dtd = sheet.replace(b"<worksheet", b'<!DOCTYPE worksheet [<!ENTITY a "aaaa">]><worksheet', 1)
    for name, body, words in (("dtd.xlsx", dtd, ("DTD",)), ("cut.xlsx", sheet[:len(sheet) // 2], ("damaged",))):
        f = tmp_path / name
        c = zlib.compressobj(6, zlib.DEFLATED, -15)
        with_part(base, f, "xl/worksheets/sheet1.xml", c.compress(body) + c.flush(), len(body), zlib.crc32(body))
        assert_refused(f, *words)
        f.unlink()


def test_a_dtd_in_core_xml_of_a_workbook_is_refused(tmp_path):
    book = tmp_path / "b.xlsm"
    nqp("new", DATA / "province_2022.csv", "-o", book)
    core = parts(book)["docProps/core.xml"]
    body = core.replace(b"<cp:coreProperties", b"<!DOCTYPE x [<!ENTITY e SYSTEM 'file:///etc/passwd'>]><cp:coreProperties", 1)
    bad = tmp_path / "dtd.xlsm"
    c = zlib.compressobj(6, zlib.DEFLATED, -15)
    with_part(book, bad, "docProps/core.xml", c.compress(body) + c.flush(), len(body), zlib.crc32(body))
    book.unlink()
    assert_refused(bad, "DTD", verb="refresh")


@pytest.mark.parametrize("name, make, words", [
    ("locked.xlsx", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(500) + "EncryptionInfo".encode("utf-16-le")
     + bytes(500), ("password-protected", "save it as .xlsx")),
    ("old.xlsx", lambda: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(1000), (".xls", "save it as .xlsx")),
])
def test_encrypted_and_97_2003_files_say_what_they_are(tmp_path, name, make, words):
    f = tmp_path / name
    f.write_bytes(make())
    assert_refused(f, *words)


def test_xlsb_and_ods_say_what_to_save_them_as(tmp_path):
    xlsb = tmp_path / "bin.xlsx"
    with zipfile.ZipFile(xlsb, "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.bin", b"\0" * 10)
    assert_refused(xlsb, ".xlsb", "save it as .xlsx")
    ods = tmp_path / "calc.xlsx"
    with zipfile.ZipFile(ods, "w") as z:
        z.writestr(zipfile.ZipInfo("mimetype"), "application/vnd.oasis.opendocument.spreadsheet")
        z.writestr("content.xml", "<x/>")
    assert_refused(ods, ".ods", ".xlsx")
    for ext in (".xls", ".xlsb", ".ods"):
        f = tmp_path / f"t{ext}"
        f.write_bytes(b"x")
        assert_refused(f, ext, ".xlsx")


def test_a_county_workbook_passes_the_caps(tmp_path):
    """The caps leave room for a 20,000 × 40 county panel (read through the same guarded reader)."""
    rows = ["county,province,year," + ",".join(f"x{j:02d}" for j in range(40))]
    for c in range(2000):
        for y in range(10):
            rows.append(f"County {c:05d},P{c % 31},{2014 + y}," + ",".join(f"{(c * 7 + j * 13 + y) % 997 + 1.5}" for j in range(40)))
    src = tmp_path / "county.csv"
    src.write_text("\n".join(rows), encoding="utf-8")
    from nqp_xl.workbook.template.input_table import read_table
    table = read_table(str(src))
    assert (len(table.rows), table.id_cols, len(table.indicators)) == (20000, 3, 40)
    xlsx = tmp_path / "county.xlsx"
    wb = xlsxwriter.Workbook(str(xlsx), {"constant_memory": True})
    ws = wb.add_worksheet()
    for i, line in enumerate(rows):
        for j, v in enumerate(line.split(",")):
            ws.write(i, j, float(v) if i and j >= 2 else v)
    wb.close()
    again = read_table(str(xlsx))
    assert again.headers == table.headers and again.rows[-1] == table.rows[-1]


# --------------------------------------------------------------------------- labels decided by content

def test_a_thousands_separator_does_not_make_a_label_column(tmp_path):
    src = (DATA / "province_2022.csv").read_text(encoding="utf-8").splitlines()
    head = src[0].split(",")
    n_labels = next(j for j, h in enumerate(head) if j and all(
        _is_number(line.split(",")[j]) for line in src[1:]))
    cells = src[1].split(",")
    cells[n_labels] = '"1,234"'
    src[1] = ",".join(cells)
    f = tmp_path / "sep.csv"
    f.write_text("\n".join(src), encoding="utf-8")
    proc = nqp("new", f, "-o", tmp_path / "o.xlsm")
    assert f"{n_labels} label columns, {len(head) - n_labels} indicators" in proc.stdout
    assert '"1,234"' in proc.stderr and head[n_labels] in proc.stderr


def _is_number(text: str) -> bool:
    try:
        float(text)
        return True
    except ValueError:
        return text == ""


def test_a_merged_title_row_and_text_years(tmp_path):
    f = tmp_path / "titled.xlsx"
    wb = xlsxwriter.Workbook(str(f))
    ws = wb.add_worksheet()
    ws.merge_range(0, 0, 0, 4, "2020-2021年各省数据")
    for i, r in enumerate([["地区", "年份", "x1", "x2", "x3"], ["甲", "2020年", 1, "１２", 5], ["乙", "2020年", 2, 3, 4],
                           ["甲", "2021年", 2, 4, 6], ["乙", "2021年", 3, 5, 1]]):
        for j, v in enumerate(r):
            ws.write(i + 1, j, v)
    wb.close()
    proc = nqp("new", f, "-o", tmp_path / "o.xlsm")
    assert "2 label columns, 3 indicators" in proc.stdout
    assert "header: row 2" in proc.stdout
    assert '"2020年"' in proc.stderr and "read as numbers" in proc.stderr
    assert "year = 年份" in proc.stdout
    # --header-row overrides: row 1 as header is refused plainly (it names only one column)
    bad = nqp("new", f, "-o", tmp_path / "o2.xlsm", "--header-row", "1", check=False)
    assert bad.returncode == 1 and "column 2 has no header" in bad.stderr


def test_csv_with_trailing_empty_columns_is_read_like_the_xlsx(tmp_path):
    lines = (DATA / "province_2022.csv").read_text(encoding="utf-8").splitlines()
    f = tmp_path / "trail.csv"
    f.write_text("\n".join(line + ",,," for line in lines), encoding="utf-8")
    plain = nqp("new", DATA / "province_2022.csv", "-o", tmp_path / "a.xlsm").stdout.splitlines()[0]
    trailing = nqp("new", f, "-o", tmp_path / "b.xlsm").stdout.splitlines()[0]
    assert plain.split(":", 1)[1] == trailing.split(":", 1)[1]


# --------------------------------------------------------------------------- update --append years, notes

@pytest.fixture(scope="module")
def panel_book(tmp_path_factory):
    d = tmp_path_factory.mktemp("guards_panel")
    lines = (DATA / "panel_2016_2023.csv").read_text(encoding="utf-8").splitlines()
    head = lines[0].split(",")
    year = head.index("year")
    old = [lines[0]] + [x for x in lines[1:] if x.split(",")[year] in ("2020", "2021")]
    new = [lines[0]] + [x for x in lines[1:] if x.split(",")[year] == "2022"]
    (d / "old.csv").write_text("\n".join(old), encoding="utf-8")
    (d / "y2022.csv").write_text("\n".join(new), encoding="utf-8")
    text = [lines[0]] + [",".join(c + "年" if j == year else c for j, c in enumerate(x.split(","))) for x in new[1:]]
    (d / "y2022text.csv").write_text("\n".join(text), encoding="utf-8")
    book = d / "p.xlsm"
    nqp("new", d / "old.csv", "-o", book)
    return d, book, year


def test_update_append_refuses_a_year_already_present(panel_book, tmp_path):
    d, book, _ = panel_book
    once = tmp_path / "once.xlsm"
    nqp("update", book, d / "y2022.csv", "--append", "-o", once, "-q")
    before = digest(once)
    proc = nqp("update", once, d / "y2022.csv", "--append", "-o", tmp_path / "twice.xlsm", check=False)
    assert proc.returncode == 1 and "2022 is already in the workbook" in proc.stderr and "--replace-year" in proc.stderr
    assert digest(once) == before and not (tmp_path / "twice.xlsm").exists()
    proc = nqp("update", once, d / "y2022.csv", "--append", "--replace-year", "-o", tmp_path / "twice.xlsm", "-q")
    assert "rows of 2022 replaced" in proc.stderr
    assert proc.stdout.split(": ", 1)[1].split(" data rows")[0] == nqp(
        "update", book, d / "y2022.csv", "--append", "-o", tmp_path / "x.xlsm", "-q").stdout.split(": ", 1)[1].split(" data rows")[0]


def test_update_append_reads_text_years_as_numbers(panel_book, tmp_path):
    d, book, _ = panel_book
    proc = nqp("update", book, d / "y2022text.csv", "--append", "-o", tmp_path / "t.xlsm", "-q")
    assert "read as numbers" in proc.stderr
    import openpyxl
    ws = openpyxl.load_workbook(tmp_path / "t.xlsm", read_only=True, data_only=True)["Settings"]
    assert ws is not None
    again = nqp("update", tmp_path / "t.xlsm", d / "y2022.csv", "--append", "-o", tmp_path / "t2.xlsm", check=False)
    assert again.returncode == 1 and "2022 is already" in again.stderr


def test_region_names_are_printed_safely_and_append_reports_regions(panel_book, tmp_path):
    d, book, year = panel_book
    lines = (d / "y2022.csv").read_text(encoding="utf-8").splitlines()
    first = lines[1].split(",")
    first[0] = '"Evil\nnote: forged\x1b[31m"'
    lines[1] = ",".join(first)
    f = tmp_path / "evil.csv"
    f.write_text("\n".join(lines[:1] + lines[1:]), encoding="utf-8")
    proc = nqp("update", book, f, "--append", "-o", tmp_path / "e.xlsm", "-q")
    assert "\x1b" not in proc.stderr and "\nnote: forged" not in proc.stderr
    assert "regions that appeared" in proc.stderr and "Evil\\x0anote: forged\\x1b[31m" in proc.stderr
    assert "regions that disappeared" in proc.stderr
    assert all(line.startswith(("note: ", "warning: ")) for line in proc.stderr.splitlines())


# --------------------------------------------------------------------------- one writer at a time

@pytest.fixture(scope="module")
def small_book(tmp_path_factory):
    d = tmp_path_factory.mktemp("guards_small")
    book = d / "s.xlsm"
    nqp("new", DATA / "province_2022.csv", "-o", book)
    return book


HOLD = """
import sys, time
from nqp_xl.workbook.commands.outputs import writer_lock
with writer_lock(sys.argv[1]):
    print("locked", flush=True)
    time.sleep(float(sys.argv[2]))
"""


def test_a_second_writer_waits_then_names_the_first(small_book, tmp_path):
    work = tmp_path / "w.xlsm"
    work.write_bytes(small_book.read_bytes())
    before = digest(work)
    holder = subprocess.Popen([sys.executable, "-c", HOLD, str(work), "30"], stdout=subprocess.PIPE, text=True)
    try:
        assert holder.stdout.readline().strip() == "locked"
        env = dict(os.environ, NQP_XL_LOCK_TIMEOUT="1")
        t = time.monotonic()
        code, err, _cpu, _rss = run_measured("refresh", work, "--in-place", "-q", env=env)
        assert code == 1 and f"process {holder.pid}" in err and str(work) in err
        assert time.monotonic() - t >= 1.0
        assert digest(work) == before and not (tmp_path / "w.bak.xlsm").exists()
    finally:
        holder.kill()
        holder.wait()


def test_overlapping_in_place_update_and_refresh_lose_nothing(panel_book, tmp_path):
    d, book, _ = panel_book
    work = tmp_path / "w.xlsm"
    work.write_bytes(book.read_bytes())
    cmd = [sys.executable, "-m", "nqp_xl.workbook.commands.cli"]
    up = subprocess.Popen(cmd + ["update", str(work), str(d / "y2022.csv"), "--append", "--in-place", "-q"],
                          stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    time.sleep(0.3)
    re_ = subprocess.Popen(cmd + ["refresh", str(work), "--in-place", "-q"], stdout=subprocess.PIPE,
                           stderr=subprocess.PIPE, text=True)
    assert up.wait(300) == 0, up.stderr.read()
    assert re_.wait(300) == 0, re_.stderr.read()
    again = nqp("update", work, d / "y2022.csv", "--append", "-o", tmp_path / "x.xlsm", check=False)
    assert again.returncode == 1 and "2022 is already" in again.stderr  # the appended rows survived
    assert not list(tmp_path.glob(".~*nqp-lock"))


def test_o_onto_an_existing_file_needs_force_and_keeps_a_backup(small_book, tmp_path):
    out = tmp_path / "o.xlsm"
    out.write_bytes(b"precious")
    proc = nqp("refresh", small_book, "-o", out, check=False)
    assert proc.returncode == 1 and "--force" in proc.stderr and out.read_bytes() == b"precious"
    nqp("refresh", small_book, "-o", out, "--force", "-q")
    assert (tmp_path / "o.bak.xlsm").read_bytes() == b"precious" and out.read_bytes() != b"precious"
    pub = tmp_path / "p.xlsx"
    pub.write_bytes(b"old copy")
    pub.chmod(0o444)
    proc = nqp("publish", small_book, "-o", pub, "--force", check=False)
    assert proc.returncode == 1 and "read-only" in proc.stderr and pub.read_bytes() == b"old copy"


def test_new_files_take_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        nqp("new", DATA / "province_2022.csv", "-o", tmp_path / "n.xlsm")
        nqp("template", "-o", tmp_path / "t.xlsm")
    finally:
        os.umask(old)
    assert (tmp_path / "n.xlsm").stat().st_mode & 0o777 == 0o644
    assert (tmp_path / "t.xlsm").stat().st_mode & 0o777 == 0o644


# --------------------------------------------------------------------------- nothing live in a published copy

def test_published_copy_drops_external_links_and_connections(small_book, tmp_path):
    from lxml import etree

    p = parts(small_book)
    ct = p["[Content_Types].xml"].replace(b"</Types>", (
        b'<Override PartName="/xl/externalLinks/externalLink1.xml" ContentType="application/vnd.openxmlformats-'
        b'officedocument.spreadsheetml.externalLink+xml"/><Override PartName="/xl/externalLinks/externalLink2.xml" '
        b'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.externalLink+xml"/>'
        b'<Override PartName="/xl/connections.xml" ContentType="application/vnd.openxmlformats-officedocument.'
        b'spreadsheetml.connections+xml"/></Types>'))
    ns = b"http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    rel = b"http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    p["[Content_Types].xml"] = ct
    p["xl/externalLinks/externalLink1.xml"] = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<externalLink xmlns="'
                                               + ns + b'"><ddeLink ddeService="cmd" ddeTopic="/C calc"/></externalLink>')
    p["xl/externalLinks/externalLink2.xml"] = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<externalLink xmlns="'
                                               + ns + b'" xmlns:r="' + rel + b'"><externalBook r:id="rId1"/></externalLink>')
    p["xl/externalLinks/_rels/externalLink2.xml.rels"] = (
        b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<Relationships xmlns="http://schemas.openxmlformats.org/'
        b'package/2006/relationships"><Relationship Id="rId1" Type="' + rel + b'/externalLinkPath" '
        b'Target="file:///\\\\host\\share\\evil.xlsx" TargetMode="External"/></Relationships>')
    p["xl/connections.xml"] = (b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n<connections xmlns="' + ns
                               + b'"><connection id="1" name="web" type="4" refreshOnLoad="1"><webPr url="http://x.invalid/"/>'
                               b'</connection></connections>')
    wb_rels = etree.fromstring(p["xl/_rels/workbook.xml.rels"])
    for i, (t, target) in enumerate((("externalLink", "externalLinks/externalLink1.xml"),
                                     ("externalLink", "externalLinks/externalLink2.xml"),
                                     ("connections", "connections.xml"))):
        etree.SubElement(wb_rels, "{http://schemas.openxmlformats.org/package/2006/relationships}Relationship",
                         Id=f"rIdX{i}", Type=f"{rel.decode()}/{t}", Target=target)
    p["xl/_rels/workbook.xml.rels"] = etree.tostring(wb_rels, xml_declaration=True, encoding="UTF-8", standalone=True)
    wb = etree.fromstring(p["xl/workbook.xml"])
    refs = etree.Element(f"{{{ns.decode()}}}externalReferences")
    for i in (0, 1):
        etree.SubElement(refs, f"{{{ns.decode()}}}externalReference").set(f"{{{rel.decode()}}}id", f"rIdX{i}")
    sheets = wb.find(f"{{{ns.decode()}}}sheets")
    after = sheets.getnext()
    while after is not None and etree.QName(after).localname in ("functionGroups",):
        after = after.getnext()
    sheets.addnext(refs)
    p["xl/workbook.xml"] = etree.tostring(wb, xml_declaration=True, encoding="UTF-8", standalone=True)
    live = tmp_path / "live.xlsm"
    with zipfile.ZipFile(live, "w", zipfile.ZIP_DEFLATED) as z:
        for n, body in p.items():
            z.writestr(n, body)
    out = tmp_path / "out.xlsx"
    nqp("publish", live, "-o", out, "-q")
    got = parts(out)
    assert not [n for n in got if "externalLink" in n or "connections" in n or "vbaProject" in n]
    blob = b"".join(got.values())
    for word in (b"ddeService", b"\\\\host", b"externalReference", b"connections", b"x.invalid", b"<!DOCTYPE"):
        assert word not in blob, word
    assert b"xlwings.conf" not in got["xl/workbook.xml"]  # (docProps/app.xml still lists the titles)
    assert_valid_ooxml(out)


# --------------------------------------------------------------------------- every formula computed or flagged

PROBE = [("SUM(Inputs!D4:D1048576)", "sum"), ("COUNTA(Inputs!A4:A1048576)", "counta"), ("ROWS(A:A)", 1048576.0),
         ("COLUMNS(1:1)", 16384.0), ("SUM(OFFSET(Inputs!D4,0,0,10,1))", "sum10"), ('INDIRECT("Inputs!D4")', "d4"),
         ("SUM(Inputs!D:D)", "sum")]
OUTSIDE = ['HYPERLINK("http://x.invalid","y")', 'WEBSERVICE("http://x.invalid")', 'CALL("kernel32","x","J")',
           'RTD("a",,"b")', '_xlfn.IMAGE("http://x.invalid/a.png")', "[1]Sheet1!A1", "RAND()"]


def _probe_book(src: Path, dst: Path, extra: list[str]) -> int:
    """``src`` with formulas written below the Methods sheet's last row (each cached as 12345);
    answers their first row."""
    from nqp_xl.workbook.ooxml.package import read_package

    pkg = read_package(str(src))
    sh = pkg.sheet("Methods")
    r0 = sh.last_row + 2
    for i, text in enumerate([f for f, _ in PROBE] + OUTSIDE + extra):
        sh.set_formula(r0 + i, 2, text)
        sh.set(r0 + i, 2, 12345.0)
    top, _c1, bottom, _c2 = pkg.tables["DATA"].ref  # the Data table: its header row and last row
    sh.set_formula(r0, 30, f"NQP_WEIGHTS(Inputs!A{top}:M1048576)", {"t": "array", "ref": "AD%d" % r0})
    sh.set_formula(r0, 40, f"NQP_WEIGHTS(Inputs!A{top}:M{bottom})", {"t": "array", "ref": "AN%d" % r0})
    dst.write_bytes(pkg.to_bytes())
    return r0


def test_whole_column_offset_indirect_and_external_functions(small_book, tmp_path):
    import openpyxl

    book = tmp_path / "probe.xlsm"
    r0 = _probe_book(small_book, book, [])
    before = digest(book)
    out = tmp_path / "probe.r.xlsm"
    proc = nqp("refresh", book, "-o", out)
    assert "Traceback" not in proc.stderr and digest(book) == before
    assert proc.stderr.count("never evaluated") == 1 and "warning" not in proc.stderr
    inputs = openpyxl.load_workbook(small_book, data_only=True)["Inputs"]
    d = [inputs.cell(r, 4).value for r in range(4, inputs.max_row + 1)]  # SUM leaves text (the Unit row) out

    def total(cells):
        return sum(v for v in cells if isinstance(v, (int, float)))

    expect = {"sum": total(d), "counta": float(sum(inputs.cell(r, 1).value is not None
                                                  for r in range(4, inputs.max_row + 1))),
              "sum10": total(d[:10]), "d4": d[0]}
    ws = openpyxl.load_workbook(out, data_only=True)["Methods"]
    for i, (text, want) in enumerate(PROBE):
        got, want = ws.cell(r0 + i, 2).value, expect.get(want, want)
        assert got == (pytest.approx(want, rel=1e-12) if isinstance(want, float) else want), text
    for i in range(len(OUTSIDE)):
        assert ws.cell(r0 + len(PROBE) + i, 2).value == 12345  # kept, never fetched
    full = [[ws.cell(r0 + i, 30 + j).value for j in range(4)] for i in range(12)]
    exact = [[ws.cell(r0 + i, 40 + j).value for j in range(4)] for i in range(12)]
    assert full == exact and isinstance(full[1][1], float)


def test_a_formula_that_cannot_be_computed_stays_stale_and_blocks_publish(small_book, tmp_path):
    book = tmp_path / "stale.xlsm"
    r0 = _probe_book(small_book, book, ["SUM(D4:D5)/0"])
    row = r0 + len(PROBE) + len(OUTSIDE)
    out = tmp_path / "stale.r.xlsm"
    proc = nqp("refresh", book, "-o", out)
    assert f"Methods!B{row}" in proc.stderr and "#DIV/0!" in proc.stderr and proc.stderr.count("warning") == 1
    from nqp_xl.workbook.ooxml.package import read_package

    sh = read_package(str(out)).sheet("Methods")
    assert sh.value(row, 2) == 12345.0 and sh.formula_cells[(row, 2)].f_attrs.get("ca") == "1"
    pub = tmp_path / "p.xlsx"
    proc = nqp("publish", book, "-o", pub, check=False)
    assert proc.returncode == 1 and f"Methods!B{row}" in proc.stderr and "--allow-stale" in proc.stderr
    assert not pub.exists()
    nqp("publish", book, "-o", pub, "--allow-stale", "-q")
    assert pub.exists()


def test_a_full_disk_names_the_file(tmp_path, monkeypatch):
    import builtins
    import errno

    from nqp_xl.workbook.commands import outputs
    from nqp_xl.workbook.ooxml.xml import WorkbookError

    target = tmp_path / "full.xlsm"
    target.write_bytes(b"before")
    real_open = builtins.open

    class Full:
        """A file on a full disk: every write fails with ENOSPC."""

        def __init__(self, fh):
            self.fh = fh

        def write(self, _data):
            raise OSError(errno.ENOSPC, "No space left on device")

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            self.fh.close()

    def full_open(path, mode="r", *a, **k):
        fh = real_open(path, mode, *a, **k)
        return Full(fh) if "w" in mode and ".nqp-" in str(path) else fh

    monkeypatch.setattr(builtins, "open", full_open)
    with pytest.raises(WorkbookError, match=r"the disk is full: .*full\.xlsm was not written"):
        outputs.write_atomic(target, b"after")
    monkeypatch.undo()
    assert target.read_bytes() == b"before" and sorted(p.name for p in tmp_path.iterdir()) == ["full.xlsm"]


def test_one_output_path_policy(tmp_path):
    """commands/outputs holds the one policy new, template, refresh, update and publish apply
    before any work: never the input, an existing folder, --force to replace a file (a backup is
    kept), never a read-only file; the default F.refreshed.xlsm is replaced freely."""
    from nqp_xl.workbook.commands.outputs import check_new_output, output_target, write_built, write_result
    from nqp_xl.workbook.ooxml.xml import WorkbookError

    src = tmp_path / "in.xlsm"
    src.write_bytes(b"in")
    out = tmp_path / "out.xlsm"
    assert output_target(str(src), None, False, "refresh") == str(tmp_path / "in.refreshed.xlsm")
    assert output_target(str(src), None, False, "update") == str(tmp_path / "in.updated.xlsm")
    assert output_target(str(src), None, True, "refresh") == str(src)
    with pytest.raises(WorkbookError, match="is the input; refresh never overwrites its input unless --in-place"):
        output_target(str(src), str(src), False, "refresh")
    with pytest.raises(WorkbookError, match="the published copy cannot replace its input"):
        check_new_output(str(src), True, str(src), "the published copy cannot replace its input")
    with pytest.raises(WorkbookError, match="does not exist"):
        check_new_output(str(tmp_path / "no" / "x.xlsm"), False)
    with pytest.raises(WorkbookError, match="-o OUT or --in-place, not both"):
        output_target(str(src), str(out), True, "update")
    out.write_bytes(b"old")
    with pytest.raises(WorkbookError, match="exists; give another name, or --force"):
        check_new_output(str(out), False)
    check_new_output(str(out), True)
    assert write_result(str(src), str(out), b"new", False) == str(tmp_path / "out.bak.xlsm")
    assert out.read_bytes() == b"new" and (tmp_path / "out.bak.xlsm").read_bytes() == b"old"
    default = tmp_path / "in.refreshed.xlsm"
    default.write_bytes(b"old")
    assert write_result(str(src), str(default), b"new", False) is None and default.read_bytes() == b"new"
    assert write_built(str(out), lambda tmp: Path(tmp).write_bytes(b"built")) == str(tmp_path / "out.bak2.xlsm")
    assert out.read_bytes() == b"built"
    out.chmod(0o444)  # refused by its mode bits, also for root
    with pytest.raises(WorkbookError, match="is read-only; it is not replaced"):
        check_new_output(str(out), True)
