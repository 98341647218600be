"""The VBA source of a workbook's ``xl/vbaProject.bin``, to read the xlwings version it carries.

vbaProject.bin is an OLE compound file (read with olefile); its ``VBA/dir`` stream lists each
module's stream and the offset of its source, which is stored compressed ([MS-OVBA] 2.4.1).
The decompression and the walk over the dir records are written here (about 60 lines) rather
than taken from oletools, which would bring cryptography, pyparsing and a malware scanner onto
the analyst's PC (and is what antivirus products watch for).
"""
from __future__ import annotations

import io
import re
import zipfile

import olefile

XLWINGS_VERSION = re.compile(r'XLWINGS_VERSION\s+As\s+String\s*=\s*"([^"]*)"', re.I)


class VBAError(Exception):
    """The file holds no VBA project that can be read."""


def decompress(data: bytes) -> bytes:
    """[MS-OVBA] 2.4.1.3: a CompressedContainer (signature 0x01, chunks of 4096 bytes or fewer)."""
    if not data or data[0] != 1:
        raise VBAError("not a compressed VBA container")
    out = bytearray()
    pos = 1
    while pos + 2 <= len(data):
        header = int.from_bytes(data[pos:pos + 2], "little")
        end = min(pos + (header & 0x0FFF) + 3, len(data))
        pos += 2
        start = len(out)
        if not header & 0x8000:                     # a raw chunk: 4096 bytes as they are
            out += data[pos:pos + 4096]
            pos += 4096
            continue
        while pos < end:
            flags = data[pos]
            pos += 1
            for bit in range(8):
                if pos >= end:
                    break
                if not flags >> bit & 1:
                    out.append(data[pos])
                    pos += 1
                    continue
                token = int.from_bytes(data[pos:pos + 2], "little")
                pos += 2
                bits = max((len(out) - start - 1).bit_length(), 4)     # CopyToken help (2.4.1.3.19.1)
                length = (token & (0xFFFF >> bits)) + 3
                source = len(out) - ((token >> (16 - bits)) + 1)
                if source < start:
                    raise VBAError("a copy token points before its chunk")
                for i in range(length):                                 # may overlap what it writes
                    out.append(out[source + i])
    return bytes(out)


def module_offsets(dir_stream: bytes) -> dict[str, int]:
    """{module stream name: offset of its compressed source} from the decompressed dir stream
    ([MS-OVBA] 2.3.4.2: records of Id u16, Size u32, data; PROJECTVERSION's Size says 4 but
    6 bytes follow)."""
    out: dict[str, int] = {}
    pos, stream = 0, None
    while pos + 6 <= len(dir_stream):
        rid = int.from_bytes(dir_stream[pos:pos + 2], "little")
        size = int.from_bytes(dir_stream[pos + 2:pos + 6], "little")
        body = dir_stream[pos + 6:pos + 6 + size]
        pos += 6 + (6 if rid == 0x0009 else size)
        if rid == 0x001A:                                   # MODULESTREAMNAME
            stream = body.decode("latin-1")
        elif rid == 0x0031 and stream is not None:          # MODULEOFFSET
            out[stream] = int.from_bytes(body, "little")
        elif rid == 0x002B:                                 # end of a module
            stream = None
    return out


def sources(vba_project: bytes) -> dict[str, str]:
    """{module name: its VBA source} of a vbaProject.bin."""
    try:
        ole = olefile.OleFileIO(io.BytesIO(vba_project))
    except OSError as err:
        raise VBAError(f"the VBA project is not an OLE file ({err})") from None
    with ole:
        if not ole.exists("VBA/dir"):
            raise VBAError("the VBA project has no VBA/dir stream")
        offsets = module_offsets(decompress(ole.openstream("VBA/dir").read()))
        out = {}
        for name, offset in offsets.items():
            if ole.exists(f"VBA/{name}"):
                raw = ole.openstream(f"VBA/{name}").read()
                out[name] = decompress(raw[offset:]).decode("cp1252", errors="replace")
        return out


def workbook_vba(path: str) -> bytes:
    """xl/vbaProject.bin of an .xlsm."""
    try:
        with zipfile.ZipFile(path) as z:
            names = [n for n in z.namelist() if n.lower() == "xl/vbaproject.bin"]
            if not names:
                raise VBAError(f"{path} holds no VBA project (no macros): it cannot run xlwings")
            return z.read(names[0])
    except zipfile.BadZipFile:
        raise VBAError(f"{path} is not an Excel workbook (.xlsm)") from None


def xlwings_version(path: str) -> str | None:
    """The XLWINGS_VERSION constant of the workbook's VBA (None when it carries no xlwings module)."""
    for text in sources(workbook_vba(path)).values():
        found = XLWINGS_VERSION.search(text)
        if found:
            return found.group(1)
    return None
