"""``nqp-xl refresh``: compute every formula headlessly and store the answers as cached values.

The workbook is patched in its zip (see :mod:`nqp_xl.workbook.xlsx`): the VBA project,
dynamic-array metadata, tables, charts and styles are copied unchanged.  The result is
written to a temporary file and moved into place, so a failure leaves every file as it was.
"""
from __future__ import annotations

import os
import re
import shutil
from dataclasses import dataclass
from typing import Callable

from .engine import Engine, RefreshError, Report, register, resize_charts
from .xlsx import Package, read_package, write_atomic


@dataclass
class RefreshResult:
    output: str
    report: Report
    backup: str | None = None


def default_output(path: str) -> str:
    stem, ext = os.path.splitext(path)
    return f"{stem}.refreshed{ext or '.xlsm'}"


def backup_path(path: str) -> str:
    stem, ext = os.path.splitext(path)
    return f"{stem}.bak{ext}"


def refresh_package(pkg: Package, progress: Callable[[str], None] | None = None) -> Report:
    """Recalculate ``pkg`` in memory (raises RefreshError)."""
    from .engine import function_names

    engine = Engine(pkg, progress)
    texts = [f.text for items in engine.formulas.values() for f in items]
    texts += [d.text for d in pkg.names]
    register(used=function_names(texts))
    report = engine.run()
    resize_charts(pkg, engine)
    # The values are now current: viewers should show them, not recalculate on open
    # (LibreOffice and an Excel without Python would answer #NAME? for the NQP functions).
    wb = pkg.parts["xl/workbook.xml"].decode("utf-8")
    wb = re.sub(r'\s+fullCalcOnLoad="(?:1|true)"', "", wb)
    pkg.parts["xl/workbook.xml"] = wb.encode("utf-8")
    return report


def load(path: str) -> Package:
    if not os.path.exists(path):
        raise RefreshError(f"{path} does not exist")
    if os.path.isdir(path):
        raise RefreshError(f"{path} is a folder, not a workbook")
    try:
        return read_package(path)
    except (ValueError, KeyError) as err:
        raise RefreshError(f"{path} is not an Excel workbook ({err})") from None


def refresh(path: str, output: str | None = None, in_place: bool = False,
            progress: Callable[[str], None] | None = None) -> RefreshResult:
    if in_place and output and os.path.abspath(output) != os.path.abspath(path):
        raise RefreshError("give either -o OUT or --in-place, not both")
    target = path if in_place else (output or default_output(path))
    if not in_place and os.path.exists(target) and os.path.samefile(target, path):
        raise RefreshError(f"{target} is the input; refresh never overwrites its input unless --in-place")
    folder = os.path.dirname(os.path.abspath(target))
    if not os.path.isdir(folder):
        raise RefreshError(f"the folder {folder} does not exist")
    pkg = load(path)
    report = refresh_package(pkg, progress)
    data = pkg.to_bytes()
    backup = None
    if in_place:
        backup = backup_path(path)
        shutil.copy2(path, backup)
    write_atomic(target, data)
    return RefreshResult(target, report, backup)
