"""The worksheet part reader and writer (nqp_xl/workbook/ooxml/sheet.py, sheet_write.py) on hand-made parts: every
child of the root survives a rewrite in its place, whatever its namespace, and cells in every
form read as they are written."""
from __future__ import annotations

from lxml import etree

from nqp_xl.workbook.ooxml.sheet import Sheet
from nqp_xl.workbook.ooxml.sheet_write import sheet_xml
from nqp_xl.workbook.ooxml.values import Error

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
MC = "http://schemas.openxmlformats.org/markup-compatibility/2006"


def _part(sheet_data: str, prefix: str = "") -> bytes:
    p = f"{prefix}:" if prefix else ""
    xmlns = f'xmlns:{prefix}="{MAIN}"' if prefix else f'xmlns="{MAIN}"'
    return (f'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
            f'<{p}worksheet {xmlns} xmlns:mc="{MC}">'
            f'<{p}sheetPr><{p}pageSetUpPr fitToPage="1"/></{p}sheetPr><{p}dimension ref="A1"/>'
            f'<!-- a comment before the cells -->'
            f'{sheet_data}'
            f'<{p}mergeCells count="1"><{p}mergeCell ref="D1:E1"/></{p}mergeCells>'
            f'<mc:AlternateContent><mc:Choice Requires="x14"><{p}controls/></mc:Choice></mc:AlternateContent>'
            f'<{p}pageMargins left="0.7" right="0.7" top="0.75" bottom="0.75" header="0.3" footer="0.3"/>'
            f'</{p}worksheet>').encode()


def _children(xml: bytes) -> list[str]:
    root = etree.fromstring(xml)
    return [etree.QName(el).localname if isinstance(el.tag, str) else "comment" for el in root]


def test_rewrite_keeps_every_child_of_the_root_in_place_with_any_prefix():
    for prefix in ("", "x"):
        p = f"{prefix}:" if prefix else ""
        data = _part(f'<{p}sheetData><{p}row r="1"><{p}c r="A1"><{p}v>1.5</{p}v></{p}c></{p}row></{p}sheetData>',
                     prefix)
        sh = Sheet("S", "xl/worksheets/sheet1.xml", data, [])
        assert sh.values == {(1, 1): 1.5}
        sh.set(3, 2, 7.0)
        out = sheet_xml(sh)
        assert _children(out) == _children(data)
        again = Sheet("S", "s.xml", out, [])
        assert again.values == {(1, 1): 1.5, (3, 2): 7.0}
        root = etree.fromstring(out)
        dim = root.find(f"{{{MAIN}}}dimension")
        assert dim.get("ref") == "A1:B3"
        assert root.find(f"{{{MC}}}AlternateContent") is not None


def test_rewrite_of_an_empty_sheet_data():
    data = _part("<sheetData/>")
    sh = Sheet("S", "s.xml", data, [])
    assert sh.values == {}
    sh.set(2, 1, "text")
    sh.set(2, 3, 4.0)
    out = sheet_xml(sh)
    assert _children(out) == _children(data)
    assert Sheet("S", "s.xml", out, []).values == {(2, 1): "text", (2, 3): 4.0}


def test_cells_in_every_form_read_as_written():
    shared = ["zero", "one"]
    data = _part(
        '<sheetData>'
        '<row r="2"><c r="A2" t="s"><v>1</v></c><c><v>2.5</v></c><c r="C2" t="b"><v>1</v></c>'
        '<c r="D2" t="e"><v>#DIV/0!</v></c><c r="E2" t="inlineStr"><is><r><t>ri</t></r><r><t>ch</t></r></is></c>'
        '<c r="F2"><f>1+1</f><v>2</v></c><c r="G2" t="str"><f>"a"&amp;"b"</f><v>ab</v></c><c r="H2" s="1"/></row>'
        '<row><c><v> 3 </v></c></row>'
        '</sheetData>')
    sh = Sheet("S", "s.xml", data, shared)
    assert sh.values == {(2, 1): "one", (2, 2): 2.5, (2, 3): True, (2, 4): Error("#DIV/0!"), (2, 5): "rich",
                         (2, 6): 2.0, (2, 7): "ab", (3, 1): 3.0}
    assert type(sh.values[(2, 4)]) is Error
    assert sorted(sh.formula_cells) == [(2, 6), (2, 7)]
    assert sh.formula_cells[(2, 7)].text == '"a"&"b"' and sh.formula_cells[(2, 7)].value == "ab"
    assert (sh.first_row, sh.first_col, sh.last_row, sh.last_col) == (2, 1, 3, 8)


def test_iso_date_cells_read_as_serial_numbers():
    data = _part('<sheetData><row r="1"><c r="A1" t="d"><v>2021-03-04T12:00:00Z</v></c>'
                 '<c r="B1" t="d"><v>2016-01-01</v></c><c r="C1" t="d"><v>not a date</v></c></row></sheetData>')
    sh = Sheet("S", "s.xml", data, [])
    assert sh.values == {(1, 1): 44259.5, (1, 2): 42370.0, (1, 3): "not a date"}
    mac = Sheet("S", "s.xml", data, [], date1904=True)
    assert mac.values[(1, 2)] == 42370.0 - 1462  # the 1904 calendar starts 1,462 days later


def test_comments_and_instructions_around_the_root_survive_a_rewrite():
    body = _part('<sheetData><row r="1"><c r="A1"><v>1</v></c></row></sheetData>')
    decl, rest = body.split(b"\n", 1)
    data = decl + b"\n<!-- made by hand -->" + b'<?producer name="test"?>' + rest + b"<!-- the end -->"
    sh = Sheet("S", "s.xml", data, [])
    sh.set(1, 2, 2.0)
    out = sheet_xml(sh)
    tree = etree.fromstring(out).getroottree()
    before = [str(x) for x in tree.getroot().itersiblings(preceding=True)][::-1]
    after = [str(x) for x in tree.getroot().itersiblings()]
    assert before == ["<!-- made by hand -->", '<?producer name="test"?>'] and after == ["<!-- the end -->"]
    assert Sheet("S", "s.xml", out, []).values == {(1, 1): 1.0, (1, 2): 2.0}


def test_formatted_blanks_count_in_the_bounds_and_cells_without_address_follow_them():
    data = _part('<sheetData><row r="4"><c r="B4" s="1"/><c r="C4" s="1"/><c><v>7</v></c><c r="F4" s="2"/></row>'
                 '</sheetData>')
    sh = Sheet("S", "s.xml", data, [])
    assert sh.values == {(4, 4): 7.0}  # the cell after C4 is D4
    assert (sh.first_row, sh.first_col, sh.last_row, sh.last_col) == (4, 2, 4, 6)


def _plain_read(data: bytes, shared: list[str]) -> tuple[dict, set, tuple]:
    """The obvious reader the streaming one must agree with: the whole tree, cell by cell."""
    from nqp_xl.workbook.ooxml.addresses import parse_cell

    root = etree.fromstring(data)
    q = lambda n: f"{{{MAIN}}}{n}"  # noqa: E731
    values, formulas, seen = {}, set(), []
    row_no = 0
    for row in root.find(q("sheetData")).iter(q("row")):
        row_no = int(row.get("r")) if row.get("r") else row_no + 1
        col_no = 0
        for c in row.iter(q("c")):
            if c.get("r"):
                r, col_no = parse_cell(c.get("r"))
            else:
                r, col_no = row_no, col_no + 1
            seen.append((r, col_no))
            t, v, f = c.get("t"), c.find(q("v")), c.find(q("f"))
            text = None if v is None else (v.text or "")
            if c.find(q("is")) is not None:
                t, text = "str", "".join(x.text or "" for x in c.find(q("is")).iter(q("t")))
            if text is not None:
                if t in (None, "n"):
                    try:
                        values[(r, col_no)] = float(text)
                    except ValueError:
                        pass
                elif t == "s":
                    values[(r, col_no)] = shared[int(text)]
                elif t == "str":
                    values[(r, col_no)] = text
                elif t == "b":
                    values[(r, col_no)] = text.strip() in ("1", "true")
                elif t == "e":
                    values[(r, col_no)] = Error(text.strip())
            if f is not None:
                formulas.add((r, col_no))
    if not seen:
        return values, formulas, None
    rows, cols = [r for r, _ in seen], [c for _, c in seen]
    return values, formulas, (min(rows), min(cols), max(rows), max(cols))


def test_the_streaming_reader_agrees_with_a_plain_one_on_random_sheets():
    import random

    from openpyxl.utils import get_column_letter

    shared = [f"s{i}" for i in range(5)]
    bodies = {"num": None, "blank": ' s="1"/>', "s": None, "str": ' t="str"><v>x</v></c>',
              "b": ' t="b"><v>1</v></c>', "e": ' t="e"><v>#N/A</v></c>',
              "inline": ' t="inlineStr"><is><t>in</t></is></c>', "f": "><f>1+1</f><v>2</v></c>"}
    rng = random.Random(11)
    for _case in range(80):
        rows, r = [], 0
        for _ in range(rng.randint(1, 12)):
            has_r = rng.random() < 0.8
            r += rng.randint(1, 3) if has_r else 1  # a row without r follows the one before
            cells, c = [], 0
            for _ in range(rng.randint(0, 8)):
                addressed = rng.random() < 0.85
                c += rng.randint(1, 3) if addressed else 1  # a cell without r follows the one before
                ref = f' r="{get_column_letter(c)}{r}"' if addressed else ""
                kind = rng.choice(["num", "num", "num", "blank", "blank", "s", "str", "b", "e", "inline", "f"])
                body = bodies[kind] or (f"><v>{rng.uniform(-1e6, 1e6)!r}</v></c>" if kind == "num"
                                        else f' t="s"><v>{rng.randrange(5)}</v></c>')
                cells.append(f"<c{ref}{body}")
            rows.append((f'<row r="{r}">' if has_r else "<row>") + "".join(cells) + "</row>")
        data = _part("<sheetData>" + "".join(rows) + "</sheetData>")
        sh = Sheet("S", "s.xml", data, shared)
        values, formulas, bounds = _plain_read(data, shared)
        assert sh.values == values
        assert set(sh.formula_cells) == formulas
        if bounds is not None:
            assert (sh.first_row, sh.first_col, sh.last_row, sh.last_col) == bounds


def test_rewritten_sheets_read_back_as_set_on_random_sheets():
    import random

    shared = ["a", "b"]
    rng = random.Random(5)
    for _case in range(60):
        rows, r = [], 0
        for _ in range(rng.randint(0, 6)):
            r += rng.randint(1, 3)
            forms = ["><v>1.5</v></c>", ' s="1"/>', ' t="s"><v>1</v></c>']
            cells = "".join(f'<c r="{"ABCDEFGH"[c]}{r}"{rng.choice(forms)}'
                            for c in sorted(rng.sample(range(8), rng.randint(0, 4))))
            rows.append(f'<row r="{r}">{cells}</row>')
        data = _part("<sheetData>" + "".join(rows) + "</sheetData>")
        sh = Sheet("S", "s.xml", data, shared)
        for _ in range(rng.randint(1, 15)):
            row, col = rng.randint(1, 12), rng.randint(1, 9)
            value = rng.choice([None, 2.0, -0.25, 1e20, "text", " padded ", True, Error("#DIV/0!"), 7.0])
            if rng.random() < 0.2:
                sh.set_formula(row, col, "1+1")
            sh.set(row, col, value)
        if rng.random() < 0.5:
            block = [[rng.choice([None, 3.25, "t"]) for _ in range(rng.randint(1, 3))] for _ in range(rng.randint(1, 4))]
            sh.set_area(rng.randint(1, 10), rng.randint(1, 6), block)
        expected, expected_f = dict(sh.values), set(sh.formula_cells)
        out = sheet_xml(sh)
        assert _children(out) == _children(data)
        values, formulas, _bounds = _plain_read(out, shared)
        assert values == expected
        assert formulas == expected_f


def test_an_answer_written_again_unchanged_leaves_the_part_as_it_was():
    data = _part('<sheetData><row r="1"><c r="A1"><f>X()</f><v>1</v></c><c r="B1"><v>2.5</v></c></row>'
                 '<row r="2"><c r="A2" t="inlineStr"><is><t>a</t></is></c><c r="B2" t="e"><v>#N/A</v></c></row>'
                 '</sheetData>')
    sh = Sheet("S", "s.xml", data, [])
    sh.set_area(1, 1, [[1.0, 2.5], ["a", Error("#N/A")]])
    assert sh.dirty == set() and sheet_xml(sh) == data
    sh.set_area(1, 1, [[1.0, 2.5], ["a", 3.0]])  # one cell moved: only it is rewritten
    assert sh.dirty == {(2, 2)}
    assert Sheet("S", "s.xml", sheet_xml(sh), []).values == {(1, 1): 1.0, (1, 2): 2.5, (2, 1): "a", (2, 2): 3.0}
    sh2 = Sheet("S", "s.xml", data, [])
    sh2.set_area(1, 1, [[1.0, 2.5], [True, Error("#N/A")]])  # "a" -> TRUE: another kind, rewritten
    assert sh2.dirty == {(2, 1)}


def test_set_leaves_a_cell_it_does_not_change_clean():
    data = _part('<sheetData><row r="1"><c r="A1"><f>X()</f><v>1</v></c><c r="B1"><v>2.5</v></c></row></sheetData>')
    sh = Sheet("S", "s.xml", data, [])
    sh.set(1, 1, 1.0)  # the formula's cached value, unchanged
    sh.set(1, 2, 2.5)
    assert sh.dirty == set() and sheet_xml(sh) == data
    sh.set(1, 1, 1.0, keep_formula=False)  # the formula goes: changed
    sh.set(1, 2, True)  # another kind
    assert sh.dirty == {(1, 1), (1, 2)}


def test_raw_copy_relies_on_zipfile_internals():
    """package._copy_raw writes a stored entry's compressed bytes through zipfile's internals
    (fp, filelist, NameToInfo, start_dir, ZipInfo.FileHeader); the zip it makes must read back
    whole, with the copied entry's bytes as they were stored."""
    import io
    import zipfile

    from nqp_xl.workbook.ooxml.package import _copy_raw

    src = io.BytesIO()
    with zipfile.ZipFile(src, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("xl/a.xml", b"<a>" + b"1.5," * 5000 + b"</a>")
        z.writestr("b.bin", b"\x00\x01" * 100, compress_type=zipfile.ZIP_STORED)
    data = src.getvalue()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(data)) as zin, zipfile.ZipFile(out, "w") as z:
        assert all(hasattr(z, a) for a in ("fp", "filelist", "NameToInfo", "start_dir"))
        for info in zin.infolist():
            assert _copy_raw(z, data, info)
        z.writestr("c.txt", b"after the raw copies")
    with zipfile.ZipFile(io.BytesIO(out.getvalue())) as z:
        assert z.testzip() is None and z.namelist() == ["xl/a.xml", "b.bin", "c.txt"]
        assert z.read("xl/a.xml") == b"<a>" + b"1.5," * 5000 + b"</a>" and z.read("c.txt") == b"after the raw copies"
        with zipfile.ZipFile(io.BytesIO(data)) as zin:
            assert [i.compress_size for i in z.infolist()[:2]] == [i.compress_size for i in zin.infolist()]
