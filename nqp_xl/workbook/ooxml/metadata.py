"""Dynamic-array metadata (``xl/metadata.xml``): the ``cm`` value that makes a formula spill.

Excel marks a dynamic-array formula with ``cm="N"``, pointing at the XLDAPR cell metadata whose
``xda:dynamicArrayProperties`` says ``fDynamic="1"``.  LibreOffice, WPS and openpyxl drop the
part; :func:`dynamic_cm` finds it or adds it back (relationship and content type included), in
the workbook's own vocabulary (Transitional or Strict).
"""
from __future__ import annotations

from lxml import etree

from .package import Package, resolve_target
from .xml import MAIN_NS, local, ns_of, to_xml_bytes

XDA_NS = "http://schemas.microsoft.com/office/spreadsheetml/2017/dynamicarray"
METADATA_REL = "http://schemas.openxmlformats.org/officeDocument/2006/relationships/sheetMetadata"
METADATA_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheetMetadata+xml"
DYNAMIC_EXT = "{bdbb8cdc-fa1e-496e-a857-3c3f30c029c3}"

_METADATA = (
    f'<metadata xmlns="{MAIN_NS}" xmlns:xda="{XDA_NS}"><metadataTypes count="1">'
    '<metadataType name="XLDAPR" minSupportedVersion="120000" copy="1" pasteAll="1" pasteValues="1" merge="1" '
    'splitFirst="1" rowColShift="1" clearFormats="1" clearComments="1" assign="1" coerce="1" cellMeta="1"/>'
    '</metadataTypes><futureMetadata name="XLDAPR" count="1"><bk><extLst>'
    f'<ext uri="{DYNAMIC_EXT}"><xda:dynamicArrayProperties fDynamic="1" fCollapsed="0"/></ext>'
    '</extLst></bk></futureMetadata><cellMetadata count="1"><bk><rc t="1" v="0"/></bk></cellMetadata></metadata>'
)


def dynamic_cm(pkg: Package, create: bool = True) -> str | None:
    """The ``cm`` value that marks a cell as a dynamic-array formula in ``pkg``.

    Found in ``xl/metadata.xml`` (the XLDAPR cell metadata with fDynamic="1"), or the part is
    added (with its relationship and content type) when the workbook has none, as after a
    LibreOffice or openpyxl save.  None when the workbook has metadata of another kind that
    this function does not extend (the answers are then written as fixed-size arrays)."""
    if "dynamic_cm" in pkg.cache:
        return pkg.cache["dynamic_cm"]  # type: ignore[return-value]
    part = next((resolve_target(pkg.workbook_part, r.target) for r in pkg.rels(pkg.workbook_part)
                 if r.type.endswith("/sheetMetadata")), None)
    cm: str | None = None
    if part is None or part not in pkg.parts:
        if create:
            part = resolve_target(pkg.workbook_part, "metadata.xml")
            pkg.put(part, to_xml_bytes(_metadata_tree(pkg.ns)))
            # the relationship in the workbook's own vocabulary (Transitional or Strict)
            sheet_rel = next((r.type for r in pkg.rels(pkg.workbook_part) if r.type.endswith("/worksheet")), "")
            base = sheet_rel[:-len("/worksheet")] if sheet_rel else METADATA_REL.rsplit("/", 1)[0]
            pkg.add_rel(pkg.workbook_part, f"{base}/sheetMetadata", "metadata.xml")
            pkg.set_override(part, METADATA_TYPE)
            cm = "1"
    else:
        cm = _find_dynamic(pkg.tree(part))
    pkg.cache["dynamic_cm"] = cm
    return cm


def _metadata_tree(ns: str) -> etree._Element:
    """The dynamic-array metadata part, its markup in the workbook's main namespace ``ns``."""
    root = etree.fromstring(_METADATA)
    if ns and ns != MAIN_NS:  # a Strict workbook: the same elements in its namespace
        for el in root.iter():
            if isinstance(el.tag, str) and el.tag.startswith(f"{{{MAIN_NS}}}"):
                el.tag = f"{{{ns}}}{local(el.tag)}"
        etree.cleanup_namespaces(root, top_nsmap={None: ns})
    return root


def _find_dynamic(root: etree._Element) -> str | None:
    ns = ns_of(root)
    types = [el.get("name") for el in root.iter(f"{{{ns}}}metadataType")]
    if "XLDAPR" not in types:
        return None
    t_index = types.index("XLDAPR") + 1
    dyn_bk = None
    for fm in root.iter(f"{{{ns}}}futureMetadata"):
        if fm.get("name") != "XLDAPR":
            continue
        for i, bk in enumerate(b for b in fm if local(b.tag) == "bk"):
            if any(p.get("fDynamic") in ("1", "true") for p in bk.iter(f"{{{XDA_NS}}}dynamicArrayProperties")):
                dyn_bk = i
                break
    if dyn_bk is None:
        return None
    for cmeta in root.iter(f"{{{ns}}}cellMetadata"):
        for i, bk in enumerate(b for b in cmeta if local(b.tag) == "bk"):
            for rc in bk:
                if rc.get("t") == str(t_index) and rc.get("v") == str(dyn_bk):
                    return str(i + 1)
    return None


__all__ = ["DYNAMIC_EXT", "METADATA_REL", "METADATA_TYPE", "XDA_NS", "dynamic_cm"]
