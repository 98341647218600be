"""What a file is before it is opened as a zip: the entry count its end-of-central-directory
record declares (read before ``zipfile`` lists the directory), and the files that are not an
.xlsx/.xlsm package (.xls, encrypted workbooks, .xlsb, .ods) named with what to save them as."""
from __future__ import annotations

OLE_MAGIC = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # Compound File Binary: .xls, or an encrypted .xlsx


def zip_entry_count(data: bytes) -> int | None:
    """The number of entries the zip's end-of-central-directory record declares (the Zip64
    record's when the classic one says 0xFFFF), read before ``zipfile`` lists the directory;
    None when there is no such record (not a zip)."""
    at = data.rfind(b"PK\x05\x06", max(0, len(data) - 22 - 65535))
    if at < 0 or len(data) < at + 22:
        return None
    count = int.from_bytes(data[at + 10:at + 12], "little")
    if count == 0xFFFF and at >= 20 and data[at - 20:at - 16] == b"PK\x06\x07":
        z64 = int.from_bytes(data[at - 12:at - 4], "little")
        if data[z64:z64 + 4] == b"PK\x06\x06":
            count = int.from_bytes(data[z64 + 32:z64 + 40], "little")
    return count


def not_a_workbook(data: bytes, source: str) -> str | None:
    """What a file that is not an .xlsx/.xlsm package is, and what to save it as (None: a zip
    that may be one).  Encrypted workbooks are Compound File Binary holding ``EncryptionInfo``."""
    if data[:8] == OLE_MAGIC:
        if "EncryptionInfo".encode("utf-16-le") in data:
            return (f"{source} is password-protected (encrypted); open it in Excel or WPS, remove the "
                    "password (File > Info > Protect Workbook) and save it as .xlsx")
        return f"{source} is an Excel 97-2003 workbook (.xls); open it in Excel, WPS or LibreOffice and save it as .xlsx"
    if data[:4] != b"PK\x03\x04" and data[:4] != b"PK\x05\x06":
        return None
    head = data[:4096]
    if b"mimetypeapplication/vnd.oasis.opendocument" in head:
        return f"{source} is an OpenDocument spreadsheet (.ods); save it as Excel 2007-365 (.xlsx)"
    if b"xl/workbook.bin" in data[-(1 << 20):] or b"xl/workbook.bin" in head:
        return f"{source} is an Excel binary workbook (.xlsb); open it in Excel and save it as .xlsx"
    return None
