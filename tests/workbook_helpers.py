"""Shared helpers of the workbook and CLI tests: run nqp-xl as a user does, read files back."""
from __future__ import annotations

import csv
import hashlib
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
DATA = ROOT / "tests" / "fixtures" / "data"


def nqp(*args, cwd=None, check=True) -> subprocess.CompletedProcess:
    """Run ``nqp-xl ARGS`` in a subprocess (as the console script would)."""
    proc = subprocess.run([sys.executable, "-m", "nqp_xl.workbook.commands.cli", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, timeout=300)
    if check and proc.returncode != 0:
        raise AssertionError(f"nqp-xl {' '.join(map(str, args))} exited {proc.returncode}:\n{proc.stderr}")
    return proc


def digest(path) -> str:
    return hashlib.sha256(Path(path).read_bytes()).hexdigest()


def parts(path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def soffice() -> str | None:
    return shutil.which("soffice") or shutil.which("libreoffice")


def lo_sheets(path, tmp_path) -> dict[str, list[list[str]]]:
    """Every sheet of ``path`` as LibreOffice shows it (headless CSV export, all sheets)."""
    exe = soffice()
    out = Path(tmp_path) / "lo-out"
    out.mkdir(exist_ok=True)
    profile = Path(tmp_path) / "lo-profile"
    subprocess.run([exe, f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
                    "csv:Text - txt - csv (StarCalc):44,34,76,1,,0,false,true,false,false,false,-1",
                    "--outdir", str(out), str(path)], capture_output=True, timeout=240, check=True)
    stem = Path(path).stem
    sheets = {}
    for f in out.glob(f"{stem}-*.csv"):
        with open(f, encoding="utf-8", newline="") as fh:
            sheets[f.stem[len(stem) + 1:]] = list(csv.reader(fh))
    return sheets


def nqp_udfs_has(*names: str) -> bool:
    import nqp_udfs

    return all(callable(getattr(nqp_udfs, n, None)) for n in names)


def anchor(path, sheet: str, call: str) -> tuple[int, int]:
    """(row, column), 1-based, of the first cell of ``sheet`` whose formula starts with ``=call``
    (e.g. "NQP_INDEX("): the template places answers by their measured sizes, not at fixed cells."""
    import openpyxl

    ws = openpyxl.load_workbook(path)[sheet]
    for row in ws.iter_rows():
        for c in row:
            text = getattr(c.value, "text", c.value)
            body = text.lstrip("=") if isinstance(text, str) else ""
            if body.startswith("NQP_RELABEL("):  # an answer shown with the indicators' labels
                body = body[len("NQP_RELABEL("):]
            if body.startswith(call):
                return c.row, c.column
    raise AssertionError(f"no formula ={call}... on {sheet}")


def assert_valid_ooxml(path) -> None:
    """The file passes an independent OOXML validator (openxml-audit: schema and package rules)."""
    from openxml_audit import OpenXmlValidator

    result = OpenXmlValidator(max_errors=20).validate(str(path))
    assert result.is_valid, [str(e)[:300] for e in result.errors]


def sheet_values(path, data_only=True) -> dict[str, dict[str, object]]:
    """Every non-empty cell of every sheet as openpyxl reads it: {sheet: {"A1": value}}."""
    import openpyxl

    wb = openpyxl.load_workbook(path, data_only=data_only)
    out = {}
    for ws in wb.worksheets:
        cells = {}
        for row in ws.iter_rows():
            for c in row:
                v = c.value
                if hasattr(v, "ref") and hasattr(v, "text"):  # an array formula: its area and text
                    v = ("array", v.ref, v.text)
                if v is not None:
                    cells[c.coordinate] = float(v) if isinstance(v, int) and not isinstance(v, bool) else v
        out[ws.title] = cells
    return out


def differences(a: dict, b: dict, skip=()) -> list[str]:
    """Cells that differ between two :func:`sheet_values` (numbers at 1e-12 relative)."""
    import math

    out = []
    for sheet in sorted(set(a) | set(b)):
        if sheet in skip:
            continue
        x, y = a.get(sheet, {}), b.get(sheet, {})
        for ref in sorted(set(x) | set(y)):
            u, v = x.get(ref), y.get(ref)
            if u == v:
                continue
            if isinstance(u, float) and isinstance(v, float) and math.isclose(u, v, rel_tol=1e-12, abs_tol=1e-14):
                continue
            out.append(f"{sheet}!{ref}: {u!r} != {v!r}")
    return out


def lo_convert(path, outdir, fmt: str, tmp_path) -> Path:
    """Open ``path`` in LibreOffice headless and save it as ``fmt`` (xlsx or xlsm) in ``outdir``."""
    filters = {"xlsx": "xlsx:Calc MS Excel 2007 XML", "xlsm": "xlsm:Calc MS Excel 2007 VBA XML"}
    profile = Path(tmp_path) / "lo-profile"
    Path(outdir).mkdir(exist_ok=True)
    subprocess.run([soffice(), f"-env:UserInstallation=file://{profile}", "--headless", "--convert-to",
                    filters[fmt], "--outdir", str(outdir), str(path)], capture_output=True, timeout=240, check=True)
    out = Path(outdir) / (Path(path).stem + "." + fmt)
    assert out.exists(), out
    return out


def formula_cells(path) -> list[str]:
    """Cells holding a formula in any worksheet part, whatever the namespace prefix (lxml)."""
    from lxml import etree

    found = []
    for name, data in parts(path).items():
        if name.startswith("xl/worksheets/") and name.endswith(".xml"):
            for el in etree.fromstring(data).iter("{*}f"):
                found.append(f"{name}:{el.getparent().get('r')}")
    return found


def cell_element(path, part: str, ref: str):
    """The ``<c r=ref>`` element of a worksheet part (lxml), or None."""
    from lxml import etree

    for el in etree.fromstring(parts(path)[part]).iter("{*}c"):
        if el.get("r") == ref:
            return el
    return None
