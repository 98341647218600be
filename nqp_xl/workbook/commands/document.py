"""What makes the published copy a document (SPEC Part 3, "The file says what it is").

* the publication date goes into the Overview's ``NQP_PUBLISHED`` cell before the refresh, so
  the Overview's subtitle shows it;
* the Settings sheet is left out (its values are recorded on the Methods sheet; hidden, it would
  still print in LibreOffice and WPS); the copy opens on the first sheet, the Overview;
* only print areas and print titles remain as defined names (the formulas they served are gone);
* the document properties: title (the title in use), the agency as author, created and
  modified at publication; ``docProps/app.xml`` lists the sheets that are there;
* every page footer names the title in use ("<title> — page N of M").
"""
from __future__ import annotations

import datetime as dt
from typing import Callable

from lxml import etree

from ..engine.formula_text import split_reference
from ..ooxml.addresses import parse_cell
from ..ooxml.package import Package
from ..ooxml.xml import local, to_xml_bytes

PUBLISHED_NAME = "NQP_PUBLISHED"
FOOTER_NAME = "NQP_FOOTER_TITLE"  # the title the template wrote into the page footers
SETTINGS_NAMES = ("NQP_LANG", "NQP_TITLE")  # a name that points into the Settings sheet
CORE = "docProps/core.xml"
APP = "docProps/app.xml"
NS_CP = "http://schemas.openxmlformats.org/package/2006/metadata/core-properties"
NS_DC = "http://purl.org/dc/elements/1.1/"
NS_DCT = "http://purl.org/dc/terms/"
NS_XSI = "http://www.w3.org/2001/XMLSchema-instance"
NS_EP = "http://schemas.openxmlformats.org/officeDocument/2006/extended-properties"
NS_VT = "http://schemas.openxmlformats.org/officeDocument/2006/docPropsVTypes"
FOOTER_SEP = " — "


def named_cell(pkg: Package, name: str) -> tuple[str, int, int] | None:
    """(sheet, row, col) of a workbook-level defined name that points at one cell, else None."""
    d = pkg.name(name)
    if d is None:
        return None
    target = split_reference(d.text.strip().lstrip("="))
    if target is None or target[0] is None:
        return None
    sheet, ref = target
    try:
        row, col = parse_cell(ref)
    except ValueError:
        return None
    return (sheet, row, col) if sheet and pkg.has_sheet(sheet) and pkg.is_worksheet(sheet) else None


def named_value(pkg: Package, name: str):
    at = named_cell(pkg, name)
    return pkg.sheet(at[0]).value(at[1], at[2]) if at is not None else None


def stamp_publication(pkg: Package, when: dt.datetime) -> None:
    """The publication date (ISO, text) in the NQP_PUBLISHED cell, before the refresh."""
    at = named_cell(pkg, PUBLISHED_NAME)
    if at is not None:
        pkg.sheet(at[0]).set(at[1], at[2], when.strftime("%Y-%m-%d"))


def footer_title(pkg: Package) -> str | None:
    """The title the template wrote into the page footers (the defined name NQP_FOOTER_TITLE)."""
    d = pkg.name(FOOTER_NAME)
    text = d.text.strip().lstrip("=") if d is not None else ""
    if len(text) >= 2 and text[0] == '"' and text[-1] == '"':
        return text[1:-1].replace('""', '"')
    return None


def document_title(pkg: Package) -> str:
    """The title in use: the Overview's title cell (A1 of the first sheet) when it holds text."""
    first = pkg.sheet_names[0] if pkg.sheet_names else None
    v = pkg.sheet(first).value(1, 1) if first and pkg.is_worksheet(first) else None
    return v.strip() if isinstance(v, str) and v.strip() else "nqp-xl report"


def finish_document(pkg: Package, when: dt.datetime, drop_sheet: Callable[[Package, str], bool]) -> str:
    """Drop the Settings sheet, keep only print names, set the properties; answers the title in
    use.  Call after the formulas were replaced by their values and the settings recorded on the
    Methods sheet.  Settings is dropped, not hidden: LibreOffice and WPS print hidden sheets."""
    title = document_title(pkg)
    agency = named_value(pkg, "NQP_AGENCY")
    agency = agency.strip() if isinstance(agency, str) and agency.strip() else ""
    settings = next((at[0] for at in map(lambda n: named_cell(pkg, n), SETTINGS_NAMES) if at), None)
    if settings is not None and settings != pkg.sheet_names[0]:
        drop_sheet(pkg, settings)
    wb = pkg.tree(pkg.workbook_part)
    ns = pkg.ns
    for el in wb.iter(f"{{{ns}}}workbookView"):
        el.set("activeTab", "0")
        el.set("firstSheet", "0")
    for el in list(wb.iter(f"{{{ns}}}definedName")):
        if not el.get("name", "").startswith("_xlnm."):
            el.getparent().remove(el)
    pkg.names = [d for d in pkg.names if d.name.startswith("_xlnm.")]
    pkg.touch(pkg.workbook_part)
    _core_properties(pkg, title, agency, when)
    _app_properties(pkg)
    return title


def _core_properties(pkg: Package, title: str, agency: str, when: dt.datetime) -> None:
    stamp = when.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")
    if CORE not in pkg.parts:
        empty = etree.Element(f"{{{NS_CP}}}coreProperties", nsmap={"cp": NS_CP, "dc": NS_DC, "dcterms": NS_DCT,
                                                                    "xsi": NS_XSI})
        pkg.put(CORE, to_xml_bytes(empty))
        pkg.set_override(CORE, "application/vnd.openxmlformats-package.core-properties+xml")
    root = pkg.tree(CORE)
    values = {(NS_DC, "title"): title, (NS_DC, "creator"): agency or "nqp-xl",
              (NS_CP, "lastModifiedBy"): agency or "nqp-xl",
              (NS_DCT, "created"): stamp, (NS_DCT, "modified"): stamp}
    for (ns, tag), value in values.items():
        el = root.find(f"{{{ns}}}{tag}")
        if el is None:
            el = etree.SubElement(root, f"{{{ns}}}{tag}")
        el.text = value
        if ns == NS_DCT:
            el.set(f"{{{NS_XSI}}}type", "dcterms:W3CDTF")
    pkg.touch(CORE)


def _app_properties(pkg: Package) -> None:
    """HeadingPairs and TitlesOfParts: the worksheets that are in the file, nothing else."""
    if APP not in pkg.parts:
        return
    root = pkg.tree(APP)
    for tag in ("HeadingPairs", "TitlesOfParts"):
        el = root.find(f"{{{NS_EP}}}{tag}")
        if el is not None:
            root.remove(el)
    names = list(pkg.sheet_names)
    pairs = etree.Element(f"{{{NS_EP}}}HeadingPairs")
    vec = etree.SubElement(pairs, f"{{{NS_VT}}}vector", size="2", baseType="variant")
    etree.SubElement(etree.SubElement(vec, f"{{{NS_VT}}}variant"), f"{{{NS_VT}}}lpstr").text = "Worksheets"
    etree.SubElement(etree.SubElement(vec, f"{{{NS_VT}}}variant"), f"{{{NS_VT}}}i4").text = str(len(names))
    parts = etree.Element(f"{{{NS_EP}}}TitlesOfParts")
    vec = etree.SubElement(parts, f"{{{NS_VT}}}vector", size=str(len(names)), baseType="lpstr")
    for n in names:
        etree.SubElement(vec, f"{{{NS_VT}}}lpstr").text = n
    # schema order: ... ScaleCrop, HeadingPairs, TitlesOfParts, Company ...
    anchor = root.find(f"{{{NS_EP}}}ScaleCrop")
    at = list(root).index(anchor) + 1 if anchor is not None else len(root)
    root.insert(at, pairs)
    root.insert(at + 1, parts)
    pkg.touch(APP)


def retitle_footers(data: bytes, title: str) -> bytes:
    """The package ``data`` with every worksheet footer "<old title> — page N of M" naming
    ``title`` (a footer without the separator is left as it is).  Only footers that change are
    rewritten; ``data`` is returned unchanged when none does."""
    pkg = Package(data, "the published copy")
    escaped = title.replace("&", "&&")
    changed = False
    for name, part, _state in pkg.sheet_order:
        if not part or not pkg.is_worksheet(name):
            continue
        root = pkg.tree(part)
        for el in root.iter():
            if not isinstance(el.tag, str) or local(el.tag) not in ("oddFooter", "evenFooter", "firstFooter"):
                continue
            text = el.text or ""
            if FOOTER_SEP not in text or not text.startswith("&C"):
                continue
            new = "&C" + escaped + FOOTER_SEP + text.split(FOOTER_SEP, 1)[1]
            if new != text:
                el.text = new
                changed = True
                pkg.touch(part)
    if pkg.name(FOOTER_NAME) is not None:  # the refreshed workbook remembers the title its footers name
        pkg.set_name(FOOTER_NAME, '"' + title.replace('"', '""') + '"')
        changed = True
    return pkg.to_bytes() if changed else data


def packaged(pkg: Package) -> bytes:
    """``pkg`` as bytes, its page footers naming the Overview's title when that changed (a new
    year after ``update``, a title typed in Settings): refresh and update write through this."""
    before = footer_title(pkg)
    title = document_title(pkg) if before is not None else None
    data = pkg.to_bytes()
    if before is not None and title != before:
        data = retitle_footers(data, title)
    return data


__all__ = ["finish_document", "footer_title", "named_cell", "packaged", "retitle_footers", "stamp_publication"]
