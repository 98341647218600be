"""Reading and patching .xlsx/.xlsm packages directly in the zip.

``refresh`` and ``publish`` change cell values (and a few attributes) in the worksheet XML
and copy every other part byte for byte, so the VBA project, the dynamic-array metadata,
tables, charts and styles survive untouched.  Only the standard library is used.
"""
from __future__ import annotations

import io
import os
import re
import tempfile
import zipfile
from dataclasses import dataclass, field
from typing import Any, Iterator
from xml.sax.saxutils import escape, unescape

MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"

_ENTITIES = {"&quot;": '"', "&apos;": "'"}


def xml_unescape(text: str) -> str:
    if "&" not in text:
        return text
    text = unescape(text, _ENTITIES)
    if "&#" in text:
        text = re.sub(r"&#x([0-9a-fA-F]+);", lambda m: chr(int(m.group(1), 16)), text)
        text = re.sub(r"&#([0-9]+);", lambda m: chr(int(m.group(1))), text)
    return text


_NEEDS_ESCAPE = re.compile(r'[&<>"\x00-\x08\x0b\x0c\x0e-\x1f]')


def xml_escape(text: str) -> str:
    if not _NEEDS_ESCAPE.search(text):
        return text
    text = escape(text, {'"': "&quot;"})
    # characters XML 1.0 cannot carry
    return re.sub(r"[\x00-\x08\x0b\x0c\x0e-\x1f]", "", text)


# --------------------------------------------------------------------------- cell addresses

def col_index(letters: str) -> int:
    """"A" -> 1, "AA" -> 27."""
    n = 0
    for ch in letters.upper():
        n = n * 26 + ord(ch) - 64
    return n


def col_letters(index: int) -> str:
    """1 -> "A"."""
    out = ""
    while index:
        index, rest = divmod(index - 1, 26)
        out = chr(65 + rest) + out
    return out


_CELL = re.compile(r"^\$?([A-Za-z]{1,3})\$?([0-9]+)$")


def parse_cell(ref: str) -> tuple[int, int]:
    """"B3" -> (3, 2) as (row, col), 1-based."""
    m = _CELL.match(ref.strip())
    if not m:
        raise ValueError(f"not a cell address: {ref}")
    return int(m.group(2)), col_index(m.group(1))


def parse_range(ref: str) -> tuple[int, int, int, int]:
    """"A1:C3" -> (r1, c1, r2, c2); a single cell is a 1×1 range."""
    parts = ref.split(":")
    r1, c1 = parse_cell(parts[0])
    r2, c2 = parse_cell(parts[-1])
    return min(r1, r2), min(c1, c2), max(r1, r2), max(c1, c2)


def cell_ref(row: int, col: int) -> str:
    return f"{col_letters(col)}{row}"


def range_ref(r1: int, c1: int, r2: int, c2: int, absolute: bool = False) -> str:
    d = "$" if absolute else ""
    a = f"{d}{col_letters(c1)}{d}{r1}"
    if (r1, c1) == (r2, c2):
        return a
    return f"{a}:{d}{col_letters(c2)}{d}{r2}"


def quote_sheet(name: str) -> str:
    if re.fullmatch(r"[A-Za-z_][A-Za-z0-9_.]*", name) and not re.fullmatch(r"[A-Za-z]{1,3}[0-9]+", name):
        return name
    return "'" + name.replace("'", "''") + "'"


# --------------------------------------------------------------------------- cells

class Error(str):
    """An Excel error value such as ``#N/A`` (a str subclass so it prints as Excel shows it)."""


_C = re.compile(r"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_ROW = re.compile(r"<row\b([^>]*?)(?:/>|>(.*?)</row>)", re.S)
_ATTR = re.compile(r'([\w:]+)="([^"]*)"')
_F = re.compile(r"<f\b([^>]*?)(?:/>|>(.*?)</f>)", re.S)
_V = re.compile(r"<v>(.*?)</v>", re.S)
_T = re.compile(r"<t\b[^>]*?(?:/>|>(.*?)</t>)", re.S)


def attrs_of(text: str) -> dict[str, str]:
    return {k: xml_unescape(v) for k, v in _ATTR.findall(text)}


def attrs_xml(attrs: dict[str, str]) -> str:
    return "".join(f' {k}="{xml_escape(str(v))}"' for k, v in attrs.items())


@dataclass
class Cell:
    row: int
    col: int
    attrs: dict[str, str]
    inner: str  # the raw children (<f>, <v>, <is>, <extLst>)
    dirty: bool = False
    value: Any = None
    formula: str | None = None  # formula text (unescaped), None when the cell has no <f>
    f_attrs: dict[str, str] = field(default_factory=dict)
    raw: str = ""  # the cell's original XML, written back unchanged while not dirty

    def xml(self) -> str:
        if not self.dirty and self.raw:
            return self.raw
        if not self.dirty:
            body = self.inner
        else:
            body = ""
            if self.formula is not None:
                body += f"<f{attrs_xml(self.f_attrs)}>{xml_escape(self.formula)}</f>" if self.formula else f"<f{attrs_xml(self.f_attrs)}/>"
            body += _value_xml(self, self.value)
        if body:
            return f"<c{attrs_xml(self.attrs)}>{body}</c>"
        return f"<c{attrs_xml(self.attrs)}/>"


def _value_xml(cell: Cell, value: Any) -> str:
    """Sets ``cell.attrs['t']`` and answers the <v>/<is> element for ``value``."""
    attrs = cell.attrs
    attrs.pop("t", None)
    if value is None:
        return ""
    if isinstance(value, Error):
        attrs["t"] = "e"
        return f"<v>{xml_escape(str(value))}</v>"
    if isinstance(value, bool):
        attrs["t"] = "b"
        return f"<v>{int(value)}</v>"
    if isinstance(value, (int, float)):
        return f"<v>{_num(value)}</v>"
    text = str(value)
    if cell.formula is not None:
        attrs["t"] = "str"
        return f"<v>{xml_escape(text)}</v>"
    attrs["t"] = "inlineStr"
    space = ' xml:space="preserve"' if text != text.strip() else ""
    return f"<is><t{space}>{xml_escape(text)}</t></is>"


def _num(x: float) -> str:
    x = float(x)
    if x == int(x) and abs(x) < 1e15:
        return str(int(x))
    return repr(x)


def _reorder(attrs: dict[str, str]) -> dict[str, str]:
    """Attributes of <c> in schema order (r, s, t, cm, vm, ph)."""
    order = ("r", "s", "t", "cm", "vm", "ph")
    out = {k: attrs[k] for k in order if k in attrs}
    out.update({k: v for k, v in attrs.items() if k not in out})
    return out


class Sheet:
    """One worksheet part: its cells by (row, col), patchable, re-serialisable."""

    def __init__(self, name: str, path: str, xml: bytes, shared: list[str]):
        self.name = name
        self.path = path
        self.xml_text = xml.decode("utf-8")
        self.shared = shared
        self.cells: dict[tuple[int, int], Cell] = {}
        self.rows: dict[int, dict[str, str]] = {}
        self.changed = False
        m = re.search(r"<sheetData\s*/>|<sheetData\b[^>]*>(.*?)</sheetData>", self.xml_text, re.S)
        self._span = m.span() if m else None
        body = (m.group(1) or "") if m else ""
        for rm in _ROW.finditer(body):
            rattrs = attrs_of(rm.group(1))
            r = int(rattrs["r"])
            self.rows[r] = rattrs
            for cm in _C.finditer(rm.group(2) or ""):
                a = attrs_of(cm.group(1))
                row, col = parse_cell(a["r"])
                cell = Cell(row, col, a, cm.group(2) or "", raw=cm.group(0))
                self._decode(cell)
                self.cells[(row, col)] = cell

    def _decode(self, cell: Cell) -> None:
        inner = cell.inner
        fm = _F.search(inner) if "<f" in inner else None
        if fm:
            cell.f_attrs = attrs_of(fm.group(1))
            cell.formula = xml_unescape(fm.group(2) or "")
        t = cell.attrs.get("t", "n")
        if t == "inlineStr":
            cell.value = "".join(xml_unescape(x or "") for x in _T.findall(inner))
            return
        vm = _V.search(inner)
        if not vm:
            cell.value = None
            return
        raw = vm.group(1)
        if t == "s":
            cell.value = self.shared[int(raw)]
        elif t == "str":
            cell.value = xml_unescape(raw)
        elif t == "b":
            cell.value = raw.strip() in ("1", "true")
        elif t == "e":
            cell.value = Error(xml_unescape(raw))
        else:
            try:
                cell.value = float(raw)
            except ValueError:
                cell.value = None

    # -- access
    def value(self, row: int, col: int) -> Any:
        c = self.cells.get((row, col))
        return None if c is None else c.value

    def formulas(self) -> Iterator[Cell]:
        for key in sorted(self.cells):
            c = self.cells[key]
            if c.formula is not None:
                yield c

    def set(self, row: int, col: int, value: Any, *, keep_formula: bool = True) -> Cell:
        """Give a cell a new cached value (creating the cell if needed)."""
        c = self.cells.get((row, col))
        if c is None:
            style = self._row_style(row) or self._col_style(col)
            attrs = {"r": cell_ref(row, col)}
            if style:
                attrs["s"] = style
            c = Cell(row, col, attrs, "")
            self.cells[(row, col)] = c
            if row not in self.rows:
                self.rows[row] = {"r": str(row)}
        if not keep_formula:
            c.formula = None
            c.f_attrs = {}
            c.attrs.pop("cm", None)
        c.value = value
        c.dirty = True
        self.changed = True
        return c

    def clear(self, row: int, col: int) -> None:
        c = self.cells.get((row, col))
        if c is not None and (c.value is not None or c.formula is not None):
            c.formula, c.f_attrs, c.value = None, {}, None
            c.attrs.pop("cm", None)
            c.dirty = True
            self.changed = True

    def _row_style(self, row: int) -> str | None:
        r = self.rows.get(row)
        if r and r.get("customFormat") == "1":
            return r.get("s")
        return None

    def _col_style(self, col: int) -> str | None:
        cols = getattr(self, "_cols", None)
        if cols is None:
            cols = self._cols = []
            for m in re.finditer(r"<col\b([^>]*)/?>", self.xml_text):
                a = attrs_of(m.group(1))
                if "style" in a:
                    cols.append((int(a.get("min", 0)), int(a.get("max", 0)), a["style"]))
        for lo, hi, style in cols:
            if lo <= col <= hi:
                return style
        return None

    # -- output
    def to_xml(self) -> bytes:
        if not self.changed or self._span is None:
            return self.xml_text.encode("utf-8")
        by_row: dict[int, list[Cell]] = {}
        for (r, c), cell in self.cells.items():
            by_row.setdefault(r, []).append(cell)
        parts = ["<sheetData>"]
        max_r = max_c = 0
        for r in sorted(set(self.rows) | set(by_row)):
            rattrs = dict(self.rows.get(r, {"r": str(r)}))
            rattrs.pop("spans", None)
            cells = sorted(by_row.get(r, []), key=lambda x: x.col)
            if cells:
                max_r = max(max_r, r)
                max_c = max(max_c, cells[-1].col)
            for cell in cells:
                if cell.dirty:
                    cell.attrs = _reorder(cell.attrs)
            inner = "".join(cell.xml() for cell in cells)
            parts.append(f"<row{attrs_xml(rattrs)}>{inner}</row>" if inner else f"<row{attrs_xml(rattrs)}/>")
        parts.append("</sheetData>")
        a, b = self._span
        text = self.xml_text[:a] + "".join(parts) + self.xml_text[b:]
        if max_r:
            min_r = min((r for (r, _c) in self.cells), default=1)
            min_c = min((c for (_r, c) in self.cells), default=1)
            text = re.sub(r'<dimension ref="[^"]*"\s*/>',
                          f'<dimension ref="{range_ref(min_r, min_c, max_r, max_c)}"/>', text, count=1)
        return text.encode("utf-8")


# --------------------------------------------------------------------------- tables and names

@dataclass
class TableDef:
    name: str
    sheet: str
    ref: tuple[int, int, int, int]
    columns: list[str]
    header_rows: int = 1
    totals_rows: int = 0
    path: str = ""


@dataclass
class DefinedName:
    name: str
    text: str
    local_sheet: int | None = None
    hidden: bool = False


# --------------------------------------------------------------------------- the package

def _rels(xml: bytes) -> dict[str, tuple[str, str]]:
    """Relationship id -> (type, target)."""
    out = {}
    for m in re.finditer(r"<Relationship\b([^>]*)/?>", xml.decode("utf-8")):
        a = attrs_of(m.group(1))
        out[a.get("Id", "")] = (a.get("Type", ""), a.get("Target", ""))
    return out


def _resolve(base_dir: str, target: str) -> str:
    if target.startswith("/"):
        return target.lstrip("/")
    parts = (base_dir.rstrip("/") + "/" + target).split("/") if base_dir else target.split("/")
    out: list[str] = []
    for p in parts:
        if p == "..":
            if out:
                out.pop()
        elif p and p != ".":
            out.append(p)
    return "/".join(out)


def rels_path(part: str) -> str:
    d, _, f = part.rpartition("/")
    return f"{d}/_rels/{f}.rels" if d else f"_rels/{f}.rels"


class Package:
    """A whole .xlsx/.xlsm: every part's bytes, the sheets, names and tables."""

    def __init__(self, data: bytes):
        self.parts: dict[str, bytes] = {}
        self.infos: list[zipfile.ZipInfo] = []
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            for info in z.infolist():
                self.infos.append(info)
                self.parts[info.filename] = z.read(info)
        if "xl/workbook.xml" not in self.parts:
            raise ValueError("not an Excel workbook (no xl/workbook.xml)")
        self.workbook_xml = self.parts["xl/workbook.xml"].decode("utf-8")
        self.shared = self._shared_strings()
        wb_rels = _rels(self.parts.get("xl/_rels/workbook.xml.rels", b""))
        self.sheet_order: list[tuple[str, str, str]] = []  # (name, path, state)
        for m in re.finditer(r"<sheet\b([^>]*)/?>", self.workbook_xml):
            a = attrs_of(m.group(1))
            rid = a.get("r:id") or next((v for k, v in a.items() if k.endswith(":id")), "")
            _type, target = wb_rels.get(rid, ("", ""))
            self.sheet_order.append((a["name"], _resolve("xl", target), a.get("state", "visible")))
        self.names: list[DefinedName] = []
        for m in re.finditer(r"<definedName\b([^>]*)>(.*?)</definedName>", self.workbook_xml, re.S):
            a = attrs_of(m.group(1))
            self.names.append(DefinedName(a["name"], xml_unescape(m.group(2)),
                                          int(a["localSheetId"]) if "localSheetId" in a else None,
                                          a.get("hidden") == "1"))
        self._sheets: dict[str, Sheet] = {}
        self.tables: dict[str, TableDef] = {}
        for name, path, _state in self.sheet_order:
            rp = rels_path(path)
            if rp not in self.parts:
                continue
            for _rid, (rtype, target) in _rels(self.parts[rp]).items():
                if rtype.endswith("/table"):
                    tpath = _resolve(path.rpartition("/")[0], target)
                    self.tables_from(tpath, name)

    def tables_from(self, tpath: str, sheet: str) -> None:
        xml = self.parts.get(tpath, b"").decode("utf-8")
        m = re.search(r"<table\b([^>]*)>", xml)
        if not m:
            return
        a = attrs_of(m.group(1))
        cols = [attrs_of(c.group(1)).get("name", "") for c in re.finditer(r"<tableColumn\b([^>]*?)/?>", xml)]
        t = TableDef(a.get("displayName") or a.get("name", ""), sheet, parse_range(a["ref"]), cols,
                     int(a.get("headerRowCount", "1")), int(a.get("totalsRowCount", "0")), tpath)
        self.tables[t.name.upper()] = t

    def _shared_strings(self) -> list[str]:
        xml = self.parts.get("xl/sharedStrings.xml")
        if not xml:
            return []
        out = []
        for m in re.finditer(r"<si>(.*?)</si>|<si/>", xml.decode("utf-8"), re.S):
            body = m.group(1) or ""
            # rich text: all <t> of the runs, but not phonetic <rPh> texts
            body = re.sub(r"<rPh\b.*?</rPh>", "", body, flags=re.S)
            out.append("".join(xml_unescape(t or "") for t in _T.findall(body)))
        return out

    @property
    def sheet_names(self) -> list[str]:
        return [n for n, _p, _s in self.sheet_order]

    def sheet(self, name: str) -> Sheet:
        key = name.upper()
        for n, path, _s in self.sheet_order:
            if n.upper() == key:
                if n not in self._sheets:
                    self._sheets[n] = Sheet(n, path, self.parts[path], self.shared)
                return self._sheets[n]
        raise KeyError(name)

    def has_sheet(self, name: str) -> bool:
        return any(n.upper() == name.upper() for n in self.sheet_names)

    def name(self, name: str, sheet_index: int | None = None) -> DefinedName | None:
        key = name.upper()
        found = None
        for d in self.names:
            if d.name.upper() == key:
                if d.local_sheet == sheet_index and sheet_index is not None:
                    return d
                if d.local_sheet is None:
                    found = d
        return found

    def to_bytes(self) -> bytes:
        for sh in self._sheets.values():
            if sh.changed:
                self.parts[sh.path] = sh.to_xml()
        buf = io.BytesIO()
        with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as z:
            written = set()
            for info in self.infos:
                if info.filename in self.parts and info.filename not in written:
                    zi = zipfile.ZipInfo(info.filename, date_time=info.date_time)
                    zi.compress_type = zipfile.ZIP_DEFLATED
                    z.writestr(zi, self.parts[info.filename])
                    written.add(info.filename)
            for name, data in self.parts.items():
                if name not in written:
                    zi = zipfile.ZipInfo(name, date_time=(1980, 1, 1, 0, 0, 0))
                    zi.compress_type = zipfile.ZIP_DEFLATED
                    z.writestr(zi, data)
        return buf.getvalue()


def read_package(path: str | os.PathLike) -> Package:
    with open(path, "rb") as fh:
        data = fh.read()
    try:
        return Package(data)
    except zipfile.BadZipFile:
        raise ValueError("not an Excel workbook (not a zip file)") from None


def write_atomic(path: str | os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` through a temporary file in the same folder and os.replace."""
    path = os.fspath(path)
    folder = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".nqp-", suffix=".tmp", dir=folder)
    try:
        if os.path.exists(path):
            mode = os.stat(path).st_mode & 0o7777
        else:
            umask = os.umask(0)
            os.umask(umask)
            mode = 0o666 & ~umask
        os.chmod(tmp, mode)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
