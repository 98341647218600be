"""Workbooks as other programs write them: each is refreshed and published to the numbers of
the original, or refused with one line.  The corpus is built here from a fresh ``nqp-xl new``:

* every part with a namespace prefix (``<x:c>``, as the Open XML SDK writes);
* attributes in single quotes, ``r = 'A1'``, blanks before ``>`` (``<v >``, ``</c >``), formulas
  and texts in CDATA, inline rich-text strings with a phonetic run instead of shared strings;
* a copy saved by openpyxl, and LibreOffice round trips (when ``soffice`` is installed);
* Strict Open XML (other namespaces for the markup, ``r:id`` and relationship types);
* a zip bomb, a truncated zip and corrupt deflate data.
"""
from __future__ import annotations

import resource
import shutil
import time
import zipfile
from pathlib import Path
from xml.sax.saxutils import escape

import openpyxl
import pytest
from lxml import etree

from workbook_helpers import (DATA, anchor, assert_valid_ooxml, differences, lo_convert, nqp, parts, sheet_values,
                              soffice)

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REFRESHED_SHEETS = ("Factor analysis", "Composite index", "Coupling", "Grades", "Disparity", "Methods")


@pytest.fixture(scope="module")
def base(tmp_path_factory):
    """The original (a fresh template with the 2022 table) and its refreshed values."""
    d = tmp_path_factory.mktemp("producers")
    src = d / "orig.xlsm"
    nqp("new", DATA / "province_2022.csv", "-o", src)
    ref = d / "orig.refreshed.xlsm"
    nqp("refresh", src, "-o", ref, "-q")
    return src, ref, sheet_values(ref)


def _rewrite(src: Path, dst: Path, change) -> None:
    """Copy a package, passing each XML part through ``change(name, bytes) -> bytes``."""
    with zipfile.ZipFile(src) as zin, zipfile.ZipFile(dst, "w", zipfile.ZIP_DEFLATED) as zout:
        for info in zin.infolist():
            data = zin.read(info)
            if info.filename.endswith((".xml", ".rels")):
                data = change(info.filename, data)
            zout.writestr(info.filename, data)


# -- the Open XML SDK's prefixed form: an XSLT that puts every element of the main namespace under x:
PREFIX_XSLT = etree.XML(f"""<xsl:stylesheet version="1.0" xmlns:xsl="http://www.w3.org/1999/XSL/Transform"
    xmlns:x="{MAIN}">
  <xsl:template match="x:*">
    <xsl:element name="x:{{local-name()}}" namespace="{MAIN}">
      <xsl:copy-of select="namespace::*[name() != '']"/>
      <xsl:apply-templates select="@*|node()"/>
    </xsl:element>
  </xsl:template>
  <xsl:template match="@*|node()"><xsl:copy><xsl:apply-templates select="@*|node()"/></xsl:copy></xsl:template>
</xsl:stylesheet>""")


def _prefixed(name: str, data: bytes) -> bytes:
    root = etree.fromstring(data)
    if etree.QName(root).namespace != MAIN:
        return data
    out = etree.XSLT(PREFIX_XSLT)(root.getroottree())
    return b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + etree.tostring(out)


# -- an unusual but well-formed lexical form, written by hand (lxml never writes it)
def _odd(el: etree._Element, out: list[str], top: bool = True) -> None:
    qn = etree.QName(el)
    prefixes = {v: k for k, v in el.nsmap.items() if k}
    name = qn.localname if qn.namespace == MAIN else f"{prefixes[qn.namespace]}:{qn.localname}"
    attrs = []
    if top:
        for p, uri in el.nsmap.items():
            attrs.append(f"xmlns = '{uri}'" if p is None else f"xmlns:{p}='{uri}'")
    for k, v in el.attrib.items():
        if k.startswith("{"):
            uri, local = k[1:].split("}")
            k = f"xml:{local}" if uri == "http://www.w3.org/XML/1998/namespace" else f"{prefixes[uri]}:{local}"
        attrs.append(f"{k} = '{escape(v, {chr(39): '&apos;'})}'")
    out.append(f"<{name} " + "\n   ".join(attrs) + " >" if attrs else f"<{name} >")
    if el.text:
        out.append(f"<![CDATA[{el.text}]]>" if qn.localname in ("f", "t") else escape(el.text))
    for child in el:
        _odd(child, out, top=False)
        if child.tail:
            out.append(escape(child.tail))
    out.append(f"</{name} >")


def _inline_rich(root: etree._Element, shared: list[str]) -> None:
    """Shared-string cells -> inline rich text (two runs and a phonetic run that is not text)."""
    q = lambda n: f"{{{MAIN}}}{n}"  # noqa: E731
    for c in root.iter(q("c")):
        if c.get("t") != "s":
            continue
        v = c.find(q("v"))
        text = shared[int(v.text)]
        c.remove(v)
        c.set("t", "inlineStr")
        is_el = etree.SubElement(c, q("is"))
        half = len(text) // 2
        r1 = etree.SubElement(is_el, q("r"))
        etree.SubElement(etree.SubElement(r1, q("rPr")), q("b"))
        etree.SubElement(r1, q("t")).text = text[:half]
        etree.SubElement(etree.SubElement(is_el, q("r")), q("t")).text = text[half:]
        ph = etree.SubElement(is_el, q("rPh"), sb="0", eb="1")
        etree.SubElement(ph, q("t")).text = "PHONETIC"


def _odd_variant(src: Path, dst: Path) -> None:
    p = parts(src)
    sst = etree.fromstring(p["xl/sharedStrings.xml"])
    shared = ["".join(si.itertext()) for si in sst]

    def change(name: str, data: bytes) -> bytes:
        if not name.startswith("xl/worksheets/sheet"):
            return data
        root = etree.fromstring(data)
        _inline_rich(root, shared)
        out: list[str] = []
        _odd(root, out)
        return ("<?xml version='1.0' encoding='UTF-8' standalone='yes'?>\n" + "".join(out)).encode()

    _rewrite(src, dst, change)


def _formula_cells(path: Path) -> list[str]:
    """Cells holding a formula, in any namespace prefix (read with lxml)."""
    found = []
    for name, data in parts(path).items():
        if name.startswith("xl/worksheets/") and name.endswith(".xml"):
            for el in etree.fromstring(data).iter():
                if isinstance(el.tag, str) and etree.QName(el).localname == "f":
                    found.append(f"{name}:{el.getparent().get('r')}")
    return found


def _check(variant: Path, base, tmp_path: Path, validate: bool = True) -> None:
    """Refreshed and published, the variant shows the original's refreshed numbers (and, for
    variants of our own file, what nqp-xl writes passes the OOXML validator)."""
    _src, _ref, expected = base
    out = tmp_path / ("r" + variant.suffix)
    proc = nqp("refresh", variant, "-o", out, "-q")
    assert "Traceback" not in proc.stderr
    got = sheet_values(out)
    assert not differences(expected, got, skip=("Inputs", "Settings", "xlwings.conf"))[:10]
    pub = tmp_path / "p.xlsx"
    nqp("publish", variant, "-o", pub, "-q")
    assert _formula_cells(pub) == []
    published = sheet_values(pub)
    assert not differences({s: expected[s] for s in REFRESHED_SHEETS[:-1]},
                           {s: published[s] for s in REFRESHED_SHEETS[:-1]})[:10]
    if validate:
        assert_valid_ooxml(out)
        assert_valid_ooxml(pub)


def test_prefixed_parts(base, tmp_path):
    src = base[0]
    variant = tmp_path / "prefixed.xlsm"
    _rewrite(src, variant, _prefixed)
    sheet = parts(variant)["xl/worksheets/sheet4.xml"]
    assert b"<x:c " in sheet and b"<x:f " in sheet  # the corpus is what it claims
    _check(variant, base, tmp_path)


def test_single_quotes_blanks_cdata_inline_rich_strings(base, tmp_path):
    src = base[0]
    variant = tmp_path / "odd.xlsm"
    _odd_variant(src, variant)
    from openpyxl.utils import get_column_letter

    sheet = parts(variant)["xl/worksheets/sheet4.xml"].decode()  # Composite index (the fourth tab)
    r, c = anchor(src, "Composite index", "NQP_INDEX(")
    assert f"r = '{get_column_letter(c)}{r}'" in sheet and "<![CDATA[NQP_INDEX(" in sheet
    assert "</c >" in sheet and "<v >" in sheet
    assert "inlineStr" in parts(variant)["xl/worksheets/sheet12.xml"].decode()
    _check(variant, base, tmp_path)
    # the phonetic run is not part of the text
    out = tmp_path / "r.xlsm"
    assert "PHONETIC" not in str(sheet_values(out)["Composite index"])


def test_openpyxl_saved_copy(base, tmp_path):
    src = base[0]
    variant = tmp_path / "openpyxl.xlsm"
    openpyxl.load_workbook(src, keep_vba=True).save(variant)
    assert b"cm=" not in parts(variant)["xl/worksheets/sheet4.xml"]  # openpyxl drops the metadata
    _check(variant, base, tmp_path, validate=False)


@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed")
@pytest.mark.parametrize("which", ["template", "refreshed"])
def test_libreoffice_round_trip(base, tmp_path, which):
    src, ref, _expected = base
    start = src if which == "template" else ref
    variant = lo_convert(start, tmp_path / "lo", "xlsm", tmp_path)
    sheet = parts(variant)["xl/worksheets/sheet4.xml"]
    assert b"cm=" not in sheet and b't="array"' in sheet  # arrays without dynamic metadata
    out = tmp_path / "lo.refreshed.xlsm"
    proc = nqp("refresh", variant, "-o", out)
    assert "spill to their answers' size again" in proc.stderr
    assert not differences(base[2], sheet_values(out), skip=("Inputs", "Settings", "xlwings.conf"))[:10]


@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_libreoffice_round_trip_of_the_published_copy(base, tmp_path):
    _src, ref, expected = base
    pub = tmp_path / "pub.xlsx"
    nqp("publish", ref, "-o", pub, "-q")
    variant = lo_convert(pub, tmp_path / "lo", "xlsx", tmp_path)
    out = tmp_path / "again.xlsx"
    nqp("refresh", variant, "-o", out, "-q")
    assert not differences({s: expected[s] for s in REFRESHED_SHEETS[:-1]},
                           {s: sheet_values(out)[s] for s in REFRESHED_SHEETS[:-1]})[:10]


# --------------------------------------------------------------------------- refused cleanly

def _bomb(path: Path, inflated: int, zip64: bool = True) -> None:
    """A workbook whose first sheet part inflates to ``inflated`` bytes of blanks."""
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as z:
        z.writestr("[Content_Types].xml", "<Types xmlns='http://schemas.openxmlformats.org/package/2006/content-types'/>")
        with z.open("xl/worksheets/sheet1.xml", "w", force_zip64=zip64) as fh:
            chunk = b" " * (1 << 24)
            for _ in range(inflated // len(chunk)):
                fh.write(chunk)


def test_zip_bomb_refused_in_seconds_and_bounded_memory(tmp_path):
    bomb = tmp_path / "bomb.xlsm"
    _bomb(bomb, 600 * 2**20)
    assert bomb.stat().st_size < 2 * 2**20
    t = time.perf_counter()
    proc = nqp("refresh", bomb, check=False)
    seconds = time.perf_counter() - t
    peak_mb = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024
    assert proc.returncode == 1 and "zip bomb" in proc.stderr and str(bomb) in proc.stderr
    assert len(proc.stderr.strip().splitlines()) == 1 and "Traceback" not in proc.stderr
    assert seconds < 20 and peak_mb < 600


def test_zip_bomb_with_lying_sizes(tmp_path):
    """Declared sizes are not trusted: a part whose headers claim 1,000 bytes but which inflates
    to 64 MiB is read no further than its claim and refused as damaged."""
    bomb = tmp_path / "liar.xlsx"
    _bomb(bomb, 64 * 2**20, zip64=False)
    data = bytearray(bomb.read_bytes())
    with zipfile.ZipFile(bomb) as z:
        info = z.getinfo("xl/worksheets/sheet1.xml")
    assert info.file_size == 64 * 2**20
    local = info.header_offset
    assert data[local:local + 4] == b"PK\x03\x04"
    data[local + 22:local + 26] = (1000).to_bytes(4, "little")
    central = data.rindex(b"PK\x01\x02")  # the last entry of the central directory is the sheet
    data[central + 24:central + 28] = (1000).to_bytes(4, "little")
    bomb.write_bytes(bytes(data))
    proc = nqp("refresh", bomb, check=False)
    assert proc.returncode == 1 and "Traceback" not in proc.stderr, proc.stderr
    assert "damaged" in proc.stderr or "zip bomb" in proc.stderr


def test_truncated_zip(base, tmp_path):
    bad = tmp_path / "half.xlsm"
    data = base[0].read_bytes()
    bad.write_bytes(data[: len(data) // 2])
    for cmd in (("refresh", bad), ("publish", bad, "-o", tmp_path / "x.xlsx")):
        proc = nqp(*cmd, check=False)
        assert proc.returncode == 1 and str(bad) in proc.stderr and "Traceback" not in proc.stderr
        assert len(proc.stderr.strip().splitlines()) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["half.xlsm"]


def test_corrupt_deflate_data(base, tmp_path):
    bad = tmp_path / "corrupt.xlsm"
    shutil.copy(base[0], bad)
    with zipfile.ZipFile(bad) as z:
        info = z.getinfo("xl/worksheets/sheet2.xml")
    data = bytearray(bad.read_bytes())
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    for i in range(start + 10, start + min(info.compress_size, 200)):
        data[i] ^= 0x5A
    bad.write_bytes(bytes(data))
    proc = nqp("refresh", bad, check=False)
    assert proc.returncode == 1, proc.stderr
    assert "damaged" in proc.stderr and str(bad) in proc.stderr and "Traceback" not in proc.stderr


def test_every_written_file_passes_the_validator(base, tmp_path):
    src, ref, _v = base
    pub = tmp_path / "p.xlsx"
    nqp("publish", src, "-o", pub, "-q")
    for f in (src, ref, pub):
        assert_valid_ooxml(f)


def test_entities_are_never_expanded(base, tmp_path):
    """A sheet declaring entities (an external file, a billion laughs) is refused: Office parts
    never carry a DTD; nothing is expanded, nothing written."""
    src = base[0]
    methods = _sheet_part(src, "Methods")
    secret = tmp_path / "secret.txt"
    secret.write_text("TOP-SECRET-CONTENT")
    doctype = (f'<!DOCTYPE worksheet [<!ENTITY xxe SYSTEM "file://{secret}">'
               '<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
               '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;"><!ENTITY d "&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;">]>')

    def change(name: str, data: bytes) -> bytes:
        if name != methods:  # Methods: a note cell that uses both entities
            return data
        root = etree.fromstring(data)
        q = lambda n: f"{{{MAIN}}}{n}"  # noqa: E731
        row = next(root.iter(q("row")))
        c = etree.SubElement(row, q("c"), r="Z1", t="inlineStr")
        etree.SubElement(etree.SubElement(c, q("is")), q("t")).text = "ENTITY_HERE"
        text = etree.tostring(root, encoding="unicode").replace("ENTITY_HERE", "&xxe;&d;")
        return ('<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + doctype + text).encode()

    variant = tmp_path / "entities.xlsm"
    _rewrite(src, variant, change)
    out = tmp_path / "e.refreshed.xlsm"
    proc = nqp("refresh", variant, "-o", out, check=False)
    assert proc.returncode == 1 and "DTD" in proc.stderr and str(variant) in proc.stderr, proc.stderr
    assert "TOP-SECRET" not in proc.stderr and "Traceback" not in proc.stderr and not out.exists()


def _set_number(src: Path, dst: Path, sheet_part: str, ref: str, value: float) -> None:
    """Type a number into one cell of a sheet part, as a user would (lxml)."""
    def change(name: str, data: bytes) -> bytes:
        if name != sheet_part:
            return data
        root = etree.fromstring(data)
        c = next(c for c in root.iter("{*}c") if c.get("r") == ref)
        for child in list(c):
            c.remove(child)
        c.attrib.pop("t", None)
        etree.SubElement(c, f"{{{etree.QName(c).namespace}}}v").text = str(value)
        return etree.tostring(root, xml_declaration=True, encoding="UTF-8", standalone=True)

    _rewrite(src, dst, change)


def _sheet_part(path: Path, title: str) -> str:
    """The part of a sheet by its tab name (XlsxWriter and LibreOffice number parts in tab order)."""
    return f"xl/worksheets/sheet{openpyxl.load_workbook(path, read_only=True).sheetnames.index(title) + 1}.xml"


def _defined_cell(path: Path, name: str) -> str:
    """The cell a workbook-level defined name points to on the Settings sheet (openpyxl)."""
    wb = openpyxl.load_workbook(path, read_only=False, keep_vba=True)
    (sheet, ref), = wb.defined_names[name].destinations
    assert sheet == "Settings", sheet
    return ref.replace("$", "")


@pytest.mark.skipif(soffice() is None, reason="LibreOffice (soffice) is not installed")
def test_a_changed_setting_after_a_libreoffice_round_trip_is_not_cut(base, tmp_path):
    """n_factors raised in a LibreOffice-saved refreshed workbook: the loadings grow past the
    area LibreOffice stored, as they do in the original (issue 7: answers were cut silently)."""
    src, ref, _expected = base
    variant = lo_convert(ref, tmp_path / "lo", "xlsm", tmp_path)
    # NQP_N_FACTORS (a Settings cell, sheet14): blank (the Kaiser rule) -> 4 factors
    ref = _defined_cell(src, "NQP_N_FACTORS")
    a, b = tmp_path / "orig4.xlsm", tmp_path / "lo4.xlsm"
    part = _sheet_part(src, "Settings")
    _set_number(src, a, part, ref, 4.0)
    _set_number(variant, b, part, ref, 4.0)
    ra, rb = tmp_path / "orig4.refreshed.xlsm", tmp_path / "lo4.refreshed.xlsm"
    nqp("refresh", a, "-o", ra, "-q")
    nqp("refresh", b, "-o", rb, "-q")
    va, vb = sheet_values(ra), sheet_values(rb)
    assert not differences(va, vb, skip=("Inputs", "Settings", "xlwings.conf"))[:10]
    assert len(va["Factor analysis"]) > len(base[2]["Factor analysis"])  # the answers did grow


# -- Strict Open XML (ISO/IEC 29500 Strict, as Excel's "Strict Open XML Spreadsheet" saves):
# other namespaces for the main markup, r:id attributes and relationship types.
STRICT = {MAIN: "http://purl.oclc.org/ooxml/spreadsheetml/main",
          "http://schemas.openxmlformats.org/officeDocument/2006/relationships":
          "http://purl.oclc.org/ooxml/officeDocument/relationships"}


def _renamed(mapping: dict[str, str]):
    """A part changer that moves elements, attributes and relationship types between namespaces."""
    def change(name: str, data: bytes) -> bytes:
        root = etree.fromstring(data)
        for el in root.iter():
            if not isinstance(el.tag, str):
                continue
            q = etree.QName(el)
            if q.namespace in mapping:
                el.tag = f"{{{mapping[q.namespace]}}}{q.localname}"
            for k in list(el.attrib):
                ns = etree.QName(k).namespace
                if ns in mapping:
                    el.set(f"{{{mapping[ns]}}}{etree.QName(k).localname}", el.attrib.pop(k))
            kind = el.get("Type", "") if q.localname == "Relationship" else ""
            for old, new in mapping.items():
                if kind.startswith(old + "/"):
                    el.set("Type", new + kind[len(old):])
        etree.cleanup_namespaces(root)
        return b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n' + etree.tostring(root)
    return change


def test_strict_open_xml(base, tmp_path):
    src, _ref, expected = base
    variant = tmp_path / "strict.xlsm"
    _rewrite(src, variant, _renamed(STRICT))
    assert STRICT[MAIN].encode() in parts(variant)["xl/workbook.xml"]
    assert MAIN.encode() not in parts(variant)["xl/worksheets/sheet4.xml"]  # the corpus is what it claims
    out = tmp_path / "r.xlsm"
    proc = nqp("refresh", variant, "-o", out, "-q")
    assert "Traceback" not in proc.stderr
    assert MAIN.encode() not in parts(out)["xl/worksheets/sheet4.xml"]  # still Strict
    back = tmp_path / "back.xlsm"  # read by openpyxl, which knows Transitional only
    _rewrite(out, back, _renamed({v: k for k, v in STRICT.items()}))
    assert not differences(expected, sheet_values(back), skip=("Inputs", "Settings", "xlwings.conf"))[:10]
    pub = tmp_path / "p.xlsx"
    nqp("publish", variant, "-o", pub, "-q")
    assert _formula_cells(pub) == []
    pub_back = tmp_path / "p_back.xlsx"
    _rewrite(pub, pub_back, _renamed({v: k for k, v in STRICT.items()}))
    published = sheet_values(pub_back)
    assert not differences({s: expected[s] for s in REFRESHED_SHEETS[:-1]},
                           {s: published[s] for s in REFRESHED_SHEETS[:-1]})[:10]


def test_strict_copy_without_metadata_gets_it_in_its_own_vocabulary(base, tmp_path):
    """A Strict workbook saved without dynamic-array metadata (as openpyxl drops it) gets the
    part back in the Strict namespace with a Strict relationship type, and spills as the original."""
    src, _ref, expected = base
    plain = tmp_path / "openpyxl.xlsm"
    openpyxl.load_workbook(src, keep_vba=True).save(plain)
    variant = tmp_path / "strict.xlsm"
    _rewrite(plain, variant, _renamed(STRICT))
    assert "xl/metadata.xml" not in parts(variant)
    out = tmp_path / "r.xlsm"
    nqp("refresh", variant, "-o", out, "-q")
    got = parts(out)
    assert etree.QName(etree.fromstring(got["xl/metadata.xml"])).namespace == STRICT[MAIN]
    rel_types = [el.get("Type") for el in etree.fromstring(got["xl/_rels/workbook.xml.rels"])]
    assert STRICT["http://schemas.openxmlformats.org/officeDocument/2006/relationships"] + "/sheetMetadata" in rel_types
    back = tmp_path / "back.xlsm"
    _rewrite(out, back, _renamed({v: k for k, v in STRICT.items()}))
    assert not differences(expected, sheet_values(back), skip=("Inputs", "Settings", "xlwings.conf"))[:10]
