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
    proc = subprocess.run([sys.executable, "-m", "nqp_xl.workbook.cli", *map(str, args)],
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
            if isinstance(text, str) and text.lstrip("=").startswith(call):
                return c.row, c.column
    raise AssertionError(f"no formula ={call}... on {sheet}")
