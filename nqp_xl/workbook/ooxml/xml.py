"""XML primitives of the OOXML floor: the one hardened lxml parser, namespaces, element helpers.

Every part of a workbook is parsed here (entities never expanded, no network, no DTD, no huge
trees); the modules above use these helpers rather than lxml's parsers directly.
"""
from __future__ import annotations

from lxml import etree

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
CT_NS = "http://schemas.openxmlformats.org/package/2006/content-types"
XML_DECLARATION = b'<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\r\n'
MAX_GAP = 4 * 2**20       # XML streamed past the last element the reader handled (see iterparse)
MAX_NODES = 1_000_000     # elements of a part parsed whole (see parse_xml)


class WorkbookError(Exception):
    """A workbook that cannot be read or written, in the user's words (exit 1)."""


def parser() -> etree.XMLParser:
    """The one XML parser: entities never expanded, no network, no DTD, no huge trees."""
    return etree.XMLParser(resolve_entities=False, no_network=True, huge_tree=False, load_dtd=False,
                           dtd_validation=False, remove_blank_text=False, collect_ids=False)


def parse_xml(data: bytes, where: str = "") -> etree._Element:
    nodes = data.count(b"<") - data.count(b"</")  # start and empty tags (and comments): C speed
    if nodes > MAX_NODES:
        raise WorkbookError(f"{where}: more than {MAX_NODES:,} XML elements in one part; refused")
    try:
        root = etree.fromstring(data, parser())
    except etree.XMLSyntaxError as err:
        raise WorkbookError(f"{where}: damaged XML ({err})") from None
    check_no_dtd(root, where)
    return root


def check_no_dtd(el: etree._Element, where: str) -> None:
    """Office parts never declare a DTD (ECMA-376 Part 2, OPC: DTDs are not allowed); one that
    does (entity tricks) is refused rather than half-read."""
    if el.getroottree().docinfo.doctype:
        raise WorkbookError(f"{where}: the XML declares a DTD, which Office files never do; refused")


class _GappedStream:
    """``data`` as a file lxml reads in chunks; refuses to hand over more than ``MAX_GAP`` bytes
    after the last event the reader saw (``mark``), so no element it does not clear grows big."""

    def __init__(self, data: bytes, where: str):
        self.data, self.where, self.pos, self.mark = data, where, 0, 0

    def read(self, n: int = -1) -> bytes:
        if self.pos - self.mark > MAX_GAP:
            raise WorkbookError(f"{self.where}: more than {MAX_GAP // 2**20} MiB of XML in one row or element; "
                                "refused as a possible bomb")
        n = 1 << 16 if n is None or n < 0 else min(n, 1 << 16)
        chunk = self.data[self.pos:self.pos + n]
        self.pos += len(chunk)
        return chunk


def iterparse(data: bytes, tags=None, events=("end",), where: str = "the workbook"):
    """Streaming parse of a part with the same hardening as :func:`parser`; at most ``MAX_GAP``
    bytes are read past the last event yielded (one row of millions of empty cells is refused
    before lxml has built it)."""
    stream = _GappedStream(data, where)
    for item in etree.iterparse(stream, events=events, tag=tags, resolve_entities=False,
                                no_network=True, huge_tree=False, load_dtd=False, remove_blank_text=False):
        stream.mark = stream.pos
        yield item


def to_xml_bytes(root: etree._Element) -> bytes:
    """A part's tree as bytes: our declaration, then the document (comments and processing
    instructions around the root included, as the producer wrote them)."""
    return XML_DECLARATION + etree.tostring(root.getroottree(), encoding="UTF-8", xml_declaration=False)


def local(tag) -> str:
    """The local name of an element tag (any namespace prefix)."""
    return etree.QName(tag).localname if isinstance(tag, str) and tag.startswith("{") else str(tag)


def ns_of(el: etree._Element) -> str:
    return etree.QName(el).namespace or ""


def attr(el: etree._Element, name: str) -> str | None:
    """An attribute by local name, with or without namespace (``r:id``, ``id``)."""
    v = el.get(name)
    if v is not None:
        return v
    for k, v in el.attrib.items():
        if k.startswith("{") and k.rsplit("}", 1)[1] == name:
            return v
    return None


def rich_text(el: etree._Element) -> str:
    """The text of an ``<si>`` or ``<is>``: plain ``<t>`` or the runs' ``<t>``, not phonetic ``<rPh>``."""
    out = []
    for child in el:
        name = local(child.tag)
        if name == "t":
            out.append(child.text or "")
        elif name == "r":
            for t in child:
                if local(t.tag) == "t":
                    out.append(t.text or "")
    return "".join(out)
