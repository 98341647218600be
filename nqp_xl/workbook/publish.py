"""``nqp-xl publish``: the values-only copy to email (no macros, no NQP formulas).

The workbook is refreshed in memory first, then every formula is replaced by its value
(text stays text: a value such as ``=cmd|...`` is written as a string cell, never as a
formula), the VBA project is removed and the package is turned into a plain .xlsx.
Charts, tables, styles and defined names are kept.  The Methods sheet records the version,
the settings, and a SHA-256 digest of the input table.
"""
from __future__ import annotations

import hashlib
import os
import re
from dataclasses import dataclass
from typing import Any, Callable

from .. import __version__
from .engine import RefreshError, Report
from .refresh import load, refresh_package
from .template import SETTINGS, TABLE_NAME
from .xlsx import Package, _num, _rels, rels_path, write_atomic

XLSX_MAIN = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"
XLSM_MAIN = "application/vnd.ms-excel.sheet.macroEnabled.main+xml"


@dataclass
class PublishResult:
    output: str
    digest: str
    report: Report


def table_digest(pkg: Package, table: str = TABLE_NAME) -> str:
    """SHA-256 of the input table: header and data cells, tab-separated rows, UTF-8.

    Numbers are written as Python's shortest repr of the float, blanks as empty text."""
    t = pkg.tables.get(table.upper())
    if t is None:
        raise RefreshError(f'the workbook has no Excel table named "{table}" on its Inputs tab')
    sh = pkg.sheet(t.sheet)
    r1, c1, r2, c2 = t.ref
    lines = []
    for r in range(r1, r2 + 1):
        cells = []
        for c in range(c1, c2 + 1):
            v = sh.value(r, c)
            cells.append("" if v is None else (_num(v) if isinstance(v, float) and not isinstance(v, bool) else str(v)))
        lines.append("\t".join(cells))
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def _drop_vba(pkg: Package) -> None:
    for part in [p for p in pkg.parts if p.lower().endswith("vbaproject.bin") or p.lower().endswith("vbadata.xml")]:
        del pkg.parts[part]
        rp = rels_path(part)
        pkg.parts.pop(rp, None)
    rel = "xl/_rels/workbook.xml.rels"
    xml = pkg.parts[rel].decode("utf-8")
    xml = re.sub(r"<Relationship\b[^>]*vbaProject[^>]*/>", "", xml)
    pkg.parts[rel] = xml.encode("utf-8")
    ct = pkg.parts["[Content_Types].xml"].decode("utf-8")
    ct = re.sub(r'<Default\b[^>]*Extension="bin"[^>]*/>', "", ct)
    ct = re.sub(r"<Override\b[^>]*vbaProject[^>]*/>", "", ct)
    ct = re.sub(r"<Override\b[^>]*vbaData[^>]*/>", "", ct)
    ct = ct.replace(XLSM_MAIN, XLSX_MAIN)
    pkg.parts["[Content_Types].xml"] = ct.encode("utf-8")


def _values_only(pkg: Package) -> int:
    n = 0
    for name, path, _state in pkg.sheet_order:
        if not path.startswith("xl/worksheets/") or path not in pkg.parts:
            continue
        sh = pkg.sheet(name)
        for cell in list(sh.formulas()):
            sh.set(cell.row, cell.col, cell.value, keep_formula=False)
            n += 1
    return n


def _settings(pkg: Package) -> list[tuple[str, Any]]:
    out = []
    for name, en, _zh, _d, _m, _mz, _a in SETTINGS:
        d = pkg.name(name)
        if d is None:
            continue
        m = re.match(r"^=?'?([^'!]+)'?!\$?([A-Z]+)\$?([0-9]+)$", d.text.strip())
        if not m or not pkg.has_sheet(m.group(1)):
            continue
        from .xlsx import col_index

        v = pkg.sheet(m.group(1)).value(int(m.group(3)), col_index(m.group(2)))
        out.append((f"{en} ({name})", v))
    return out


CONF_SHEET = "xlwings.conf"
METHODS_SHEETS = ("Methods", "方法说明")  # the Methods tab in en and zh workbooks


def drop_sheet(pkg: Package, name: str) -> bool:
    """Remove a worksheet (its part, relationship, content type and tab) from the package.

    Only for a sheet nothing refers to (the xlwings.conf sheet); sheets after it keep their
    local defined names' indices right."""
    from lxml import etree

    order = [n for n, _p, _s in pkg.sheet_order]
    if name not in order:
        return False
    idx = order.index(name)
    path = pkg.sheet_order[idx][1]
    ns_main = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
    ns_r = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    wb = etree.fromstring(pkg.parts["xl/workbook.xml"], parser)
    rid = None
    for sheet in wb.iter(f"{{{ns_main}}}sheet"):
        if sheet.get("name") == name:
            rid = sheet.get(f"{{{ns_r}}}id")
            sheet.getparent().remove(sheet)
    for dn in list(wb.iter(f"{{{ns_main}}}definedName")):
        local = dn.get("localSheetId")
        if local is not None and int(local) == idx:
            dn.getparent().remove(dn)
        elif local is not None and int(local) > idx:
            dn.set("localSheetId", str(int(local) - 1))
    pkg.parts["xl/workbook.xml"] = etree.tostring(wb, xml_declaration=True, encoding="UTF-8", standalone=True)
    rel_part = "xl/_rels/workbook.xml.rels"
    rels = etree.fromstring(pkg.parts[rel_part], parser)
    for rel in list(rels):
        if rel.get("Id") == rid:
            rels.remove(rel)
    pkg.parts[rel_part] = etree.tostring(rels, xml_declaration=True, encoding="UTF-8", standalone=True)
    ct = etree.fromstring(pkg.parts["[Content_Types].xml"], parser)
    for o in list(ct):
        if o.get("PartName") == "/" + path:
            ct.remove(o)
    pkg.parts["[Content_Types].xml"] = etree.tostring(ct, xml_declaration=True, encoding="UTF-8", standalone=True)
    pkg.parts.pop(path, None)
    pkg.parts.pop(rels_path(path), None)
    pkg.sheet_order.pop(idx)
    getattr(pkg, "_sheets", {}).pop(name, None)
    return True


def publish(path: str, output: str, progress: Callable[[str], None] | None = None,
            recompute: bool = True) -> PublishResult:
    """Write the values-only copy of ``path``; ``recompute=False`` trusts its cached values."""
    if not output.lower().endswith(".xlsx"):
        raise RefreshError(f"{output}: the published copy is a macro-free .xlsx; give a name ending in .xlsx")
    if os.path.exists(output) and os.path.samefile(output, path):
        raise RefreshError("the published copy cannot replace its input")
    folder = os.path.dirname(os.path.abspath(output))
    if not os.path.isdir(folder):
        raise RefreshError(f"the folder {folder} does not exist")
    pkg = load(path)
    report = refresh_package(pkg, progress) if recompute else Report()
    digest = table_digest(pkg)
    settings = _settings(pkg)
    n = _values_only(pkg)
    if progress:
        progress(f"replaced {n} formulas by their values")
    _drop_vba(pkg)
    drop_sheet(pkg, CONF_SHEET)  # the published copy has no macros, so no xlwings settings either
    methods = next((m for m in METHODS_SHEETS if pkg.has_sheet(m)), None)
    if methods:
        sh = pkg.sheet(methods)
        sh.set(4, 2, digest)
        sh.set(4, 3, "SHA-256 of the Data table: header and data rows, cells tab-separated, rows newline-separated, UTF-8")
        sh.set(3, 6, "Published with nqp-xl")
        sh.set(3, 7, __version__)
        sh.set(5, 6, "Settings")
        for i, (label, value) in enumerate(settings):
            sh.set(6 + i, 6, label)
            sh.set(6 + i, 7, value)
    write_atomic(output, pkg.to_bytes())
    return PublishResult(output, digest, report)
