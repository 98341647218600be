"""``nqp-xl publish``: the values-only copy to email (no macros, no formulas).

The workbook is refreshed in memory first, then every formula of every worksheet is replaced
by its value (text stays text: a value such as ``=cmd|...`` is written as a string cell, never
as a formula), the VBA project and the calculation chain are removed and the package becomes a
plain .xlsx.  Charts, tables, styles and defined names are kept.  A workbook whose NQP answers
hold ``#NQP!`` messages is refused unless ``allow_errors``.  The Methods sheet records the
version, the settings and a SHA-256 digest of the input table, in the cells the defined names
``NQP_METHODS_DIGEST`` and ``NQP_METHODS_RECORD`` point at (below the sheet's last row when a
workbook lacks them).
"""
from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from typing import Any, Callable

from ... import __version__
from ..engine.engine import RefreshError, Report
from ..engine.formula_text import calls_nqp
from ..engine.recalc import refresh_package
from ..ooxml.addresses import cell_ref, parse_range, quote_sheet
from ..ooxml.package import XLSM_MAIN, XLSX_MAIN, Package, read_package, resolve_target
from ..ooxml.values import Error, number_text
from ..ooxml.xml import local
from ..template.contract import CONF_SHEET, DIGEST_NAME, RECORD_NAME, SETTINGS, TABLE_NAME
from ..template import texts
from .document import finish_document, footer_title, named_cell, retitle_footers, stamp_publication
from .outputs import check_new_output, write_result, writer_lock
from .refresh import udf_modules

MAX_NAMED = 10


@dataclass
class PublishResult:
    output: str
    digest: str | None
    report: Report


def table_digest(pkg: Package, table: str = TABLE_NAME) -> str | None:
    """SHA-256 of the input table: header and data cells, tab-separated rows, UTF-8 (None
    when the workbook has no such table).  Numbers are written as Python's shortest repr of
    the float (whole numbers without ``.0``), blanks as empty text."""
    t = pkg.tables.get(table.upper())
    if t is None:
        return None
    sh = pkg.sheet(t.sheet)
    r1, c1, r2, c2 = t.ref
    lines = []
    for r in range(r1, r2 + 1):
        cells = []
        for c in range(c1, c2 + 1):
            v = sh.value(r, c)
            cells.append("" if v is None else
                         (number_text(v) if isinstance(v, float) and not isinstance(v, bool) else str(v)))
        lines.append("\t".join(cells))
    return hashlib.sha256("\n".join(lines).encode("utf-8")).hexdigest()


def drop_macros(pkg: Package) -> None:
    """Remove the VBA project (and its signature/data parts) and make the package an .xlsx."""
    vba = [p for p in pkg.parts if p.rpartition("/")[2].lower().startswith(("vbaproject", "vbadata"))]
    for part in vba:
        pkg.remove(part)
        pkg.set_override(part, None)
    pkg.drop_rels(pkg.workbook_part, lambda r: "vbaProject" not in r.type and "vbaData" not in r.type)
    ct = pkg.content_types()
    for el in list(ct):
        ctype = el.get("ContentType", "")
        if local(el.tag) == "Default" and "vbaProject" in ctype:
            ct.remove(el)
        elif local(el.tag) == "Override" and el.get("ContentType") == XLSM_MAIN:
            el.set("ContentType", XLSX_MAIN)
    pkg.touch("[Content_Types].xml")




def drop_sheet(pkg: Package, name: str) -> bool:
    """Remove a worksheet nothing refers to (the xlwings.conf sheet: the published copy has
    no macros, so no xlwings settings): its tab, relationship, part and content type; local
    defined names of later sheets keep their indices right."""
    names = pkg.sheet_names
    if name not in names:
        return False
    idx = names.index(name)
    part = pkg.sheet_order[idx][1]
    wb = pkg.tree(pkg.workbook_part)
    rid = None
    for el in list(wb.iter(f"{{{pkg.ns}}}sheet")):
        if el.get("name") == name:
            rid = next((v for k, v in el.attrib.items() if local(k) == "id"), None)
            el.getparent().remove(el)
    for el in list(wb.iter(f"{{{pkg.ns}}}definedName")):
        lid = el.get("localSheetId")
        if lid is not None and lid.isdigit():
            if int(lid) == idx:
                el.getparent().remove(el)
            elif int(lid) > idx:
                el.set("localSheetId", str(int(lid) - 1))
    for el in wb.iter(f"{{{pkg.ns}}}workbookView"):
        for key in ("activeTab", "firstSheet"):
            if el.get(key) is not None and el.get(key).isdigit() and int(el.get(key)) >= idx > 0:
                el.set(key, str(int(el.get(key)) - 1))
    pkg.touch(pkg.workbook_part)
    pkg.drop_rels(pkg.workbook_part, lambda r: r.id != rid)
    pkg.remove(part)
    pkg.set_override(part, None)
    pkg.sheet_order.pop(idx)
    pkg.names = [d for d in pkg.names if d.local_sheet != idx]
    return True


def drop_calc_chain(pkg: Package) -> None:
    """Without formulas the calculation chain points at nothing: Excel would repair the file."""
    for rel in pkg.rels(pkg.workbook_part):
        if rel.type.endswith("/calcChain"):
            part = resolve_target(pkg.workbook_part, rel.target)
            pkg.remove(part)
            pkg.set_override(part, None)
    pkg.drop_rels(pkg.workbook_part, lambda r: not r.type.endswith("/calcChain"))


LIVE_PART_TYPES = ("/externalLink", "/connections", "/queryTable")  # relationship types that fetch or run


def drop_live(pkg: Package) -> list[str]:
    """Remove what could fetch or run anything when the copy is opened: external-link parts
    (other workbooks, UNC paths, DDE ``cmd|...`` links) with the workbook's
    ``<externalReferences>`` and the defined names that point through them, data connections
    and query tables (their tables become plain tables).  Answers the parts removed."""
    removed: list[str] = []

    def live(rel) -> bool:
        return rel.type.endswith(LIVE_PART_TYPES)

    sources = [pkg.workbook_part] + [path for _n, path, _s in pkg.sheet_order] + [t.path for t in pkg.tables.values()]
    for source in sources:
        if source not in pkg.parts:
            continue
        for rel in pkg.rels(source):
            if live(rel) and not rel.external:
                part = resolve_target(source, rel.target)
                if part in pkg.parts:
                    pkg.remove(part)
                    pkg.set_override(part, None)
                    removed.append(part)
        if any(live(r) for r in pkg.rels(source)):
            pkg.drop_rels(source, lambda r: not live(r))
    wb = pkg.tree(pkg.workbook_part)
    changed = False
    for el in list(wb.iter(f"{{{pkg.ns}}}externalReferences")):
        el.getparent().remove(el)
        changed = True
    if removed or changed:
        for el in list(wb.iter(f"{{{pkg.ns}}}definedName")):
            if "[" in (el.text or ""):  # [1]Sheet!A1: a name through an external link
                el.getparent().remove(el)
                changed = True
        pkg.names = [d for d in pkg.names if "[" not in d.text]
    if changed:
        pkg.touch(pkg.workbook_part)
    for t in pkg.tables.values():
        if t.path in pkg.parts:
            root = pkg.tree(t.path)
            if root.get("tableType") == "queryTable" or root.get("connectionId") is not None:
                root.attrib.pop("tableType", None)
                root.attrib.pop("connectionId", None)
                for col in root.iter():
                    col.attrib.pop("queryTableFieldId", None)
                pkg.touch(t.path)
    return removed


def values_only(pkg: Package) -> int:
    """Replace every formula of every worksheet by its cached value; answers how many."""
    n = 0
    for name in pkg.sheet_names:
        if not pkg.is_worksheet(name):
            continue
        sh = pkg.sheet(name)
        for cell in list(sh.formulas()):
            sh.set(cell.row, cell.col, sh.value(cell.row, cell.col), keep_formula=False)
            n += 1
    return n


def nqp_errors(pkg: Package, engine) -> list[str]:
    """Cells of NQP answers holding a ``#NQP!`` message (``Sheet!A1: message``)."""
    out = []
    for sheet, items in engine.formulas.items():
        sh = pkg.sheet(sheet)
        for f in items:
            if not f.nqp:
                continue
            area = f.new_area or (f.cell.row, f.cell.col, f.cell.row, f.cell.col)
            out += _errors_in(sh, sheet, area)
    return out


def _errors_in(sh, sheet: str, area: tuple[int, int, int, int]) -> list[str]:
    """``Sheet!A1: message`` for each ``#NQP!`` answer in one area of a sheet."""
    r1, c1, r2, c2 = area
    return [f"{quote_sheet(sheet)}!{cell_ref(r, c)}: {v}"
            for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)
            if isinstance(v := sh.value(r, c), str) and not isinstance(v, Error) and v.startswith("#NQP!")]


def cached_nqp_errors(pkg: Package) -> list[str]:
    """The same, from the cached values of a workbook not recomputed."""
    out = []
    for name in pkg.sheet_names:
        if not pkg.is_worksheet(name):
            continue
        sh = pkg.sheet(name)
        for f in sh.formulas():
            if not calls_nqp(f.text):
                continue
            try:
                area = parse_range(f.f_attrs.get("ref") or cell_ref(f.row, f.col))
            except ValueError:
                area = (f.row, f.col, f.row, f.col)
            out += _errors_in(sh, name, area)
    return out


def workbook_lang(pkg: Package) -> str:
    """The workbook's language setting (NQP_LANG): "zh" or "en"."""
    at = named_cell(pkg, "NQP_LANG")
    v = pkg.sheet(at[0]).value(at[1], at[2]) if at is not None else None
    return "zh" if isinstance(v, str) and v.strip().lower() == "zh" else "en"


def settings(pkg: Package) -> list[tuple[str, Any]]:
    out = []
    zh_book = workbook_lang(pkg) == "zh"
    for name, en, zh, _d, _m, _mz, _a in SETTINGS:
        at = named_cell(pkg, name)
        if at is not None:
            out.append((f"{zh if zh_book else en} ({name})", pkg.sheet(at[0]).value(at[1], at[2])))
    return out


def record_methods(pkg: Package, digest: str | None, setting_values: list[tuple[str, Any]]) -> None:
    """Write the version, the settings and the digest where the Methods names point (in the
    workbook's language)."""
    lang = workbook_lang(pkg)
    words = {k: texts.t(f"record_{k}", lang) for k in ("published", "settings", "digest", "note")}
    at_digest = named_cell(pkg, DIGEST_NAME)
    at_record = named_cell(pkg, RECORD_NAME)
    if at_record is None:
        if not pkg.has_sheet("Methods") or not pkg.is_worksheet("Methods"):
            return
        sh = pkg.sheet("Methods")
        at_record = ("Methods", sh.last_row + 2, 1)
        if at_digest is None:
            at_digest = ("Methods", sh.last_row + 2 + 3 + len(setting_values), 2)
    sheet, row, col = at_record
    sh = pkg.sheet(sheet)
    sh.set(row, col, words["published"])
    sh.set(row, col + 1, __version__)
    sh.set(row + 2, col, words["settings"])
    for i, (label, value) in enumerate(setting_values):
        sh.set(row + 3 + i, col, label)
        sh.set(row + 3 + i, col + 1, value)
    if at_digest is not None and digest:
        dsh = pkg.sheet(at_digest[0])
        if at_digest[2] > 1 and dsh.value(at_digest[1], at_digest[2] - 1) is None:
            dsh.set(at_digest[1], at_digest[2] - 1, words["digest"])
        dsh.set(at_digest[1], at_digest[2], digest)
        dsh.set(at_digest[1], at_digest[2] + 1, words["note"])


def publish(path: str, output: str, progress: Callable[[str], None] | None = None,
            recompute: bool = True, allow_errors: bool = False, force: bool = False,
            allow_stale: bool = False) -> PublishResult:
    """Write the values-only copy of ``path``; ``recompute=False`` trusts its cached values; an
    existing ``output`` is replaced only with ``force`` (a numbered backup kept)."""
    if not output.lower().endswith(".xlsx"):
        raise RefreshError(f"{output}: the published copy is a macro-free .xlsx; give a name ending in .xlsx")
    check_new_output(output, force, path, "the published copy cannot replace its input")
    with writer_lock(output):
        return _publish(path, output, progress, recompute, allow_errors, allow_stale)


def _publish(path: str, output: str, progress: Callable[[str], None] | None, recompute: bool,
             allow_errors: bool, allow_stale: bool = False) -> PublishResult:
    pkg = read_package(path)
    when = dt.datetime.now(dt.timezone.utc).astimezone()
    stamp_publication(pkg, when)
    if recompute:
        report, engine = refresh_package(pkg, udf_modules(pkg), progress)
        errors = nqp_errors(pkg, engine)
    else:
        report, errors = Report(), cached_nqp_errors(pkg)
    if errors and not allow_errors:
        shown = "; ".join(e[:120] for e in errors[:MAX_NAMED])
        more = f" (and {len(errors) - MAX_NAMED} more)" if len(errors) > MAX_NAMED else ""
        raise RefreshError(f"{path}: {len(errors)} NQP answer cells hold #NQP! messages, so nothing was published: "
                           f"{shown}{more} (give --allow-errors to publish anyway)")
    if report.stale and not allow_stale:
        shown = "; ".join(e[:120] for e in report.stale[:MAX_NAMED])
        more = f" (and {len(report.stale) - MAX_NAMED} more)" if len(report.stale) > MAX_NAMED else ""
        raise RefreshError(f"{path}: {len(report.stale)} formulas could not be computed, so nothing was published: "
                           f"{shown}{more} (give --allow-stale to publish their stored values)")
    digest = table_digest(pkg)
    setting_values = settings(pkg)
    in_footers = footer_title(pkg)
    n = values_only(pkg)
    if progress:
        progress(f"replaced {n} formulas by their values")
    drop_macros(pkg)
    drop_live(pkg)
    drop_sheet(pkg, CONF_SHEET)
    drop_calc_chain(pkg)
    record_methods(pkg, digest, setting_values)
    title = finish_document(pkg, when, drop_sheet)
    data = pkg.to_bytes()
    if in_footers is not None and title != in_footers:
        data = retitle_footers(data, title)
    write_result(path, output, data, False)
    return PublishResult(output, digest, report)
