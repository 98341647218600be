"""``nqp-xl refresh``: compute every formula headlessly and store the answers as cached values.

The workbook is patched part by part (see :mod:`~nqp_xl.workbook.ooxml.package` and
:mod:`~nqp_xl.workbook.ooxml.sheet`): the VBA project, tables, charts and styles are copied
unchanged.  The result is written to a temporary file and moved into place, so a failure
leaves every file as it was.
"""
from __future__ import annotations

import importlib
import os
from dataclasses import dataclass
from types import ModuleType
from typing import Callable

from ..engine.engine import RefreshError, Report
from ..engine.recalc import refresh_package
from ..ooxml.package import Package, read_package
from ..template.contract import CONF_SHEET, UDF_MODULE, UDF_MODULES_KEY
from .document import packaged
from .outputs import output_target, write_result, writer_lock


@dataclass
class RefreshResult:
    output: str
    report: Report
    backup: str | None = None


def udf_module_names(pkg: Package) -> list[str]:
    """The modules the workbook's ``xlwings.conf`` sheet names under "UDF Modules" (``;`` between
    names, as xlwings reads them); ``nqp_udfs`` when the sheet or the row is missing."""
    if pkg.has_sheet(CONF_SHEET):
        sheet = pkg.sheet(CONF_SHEET)
        for (row, col), key in sorted(sheet.values.items()):
            if col == 1 and isinstance(key, str) and key.strip().lower() == UDF_MODULES_KEY.lower():
                names = str(sheet.value(row, 2) or "").replace(".py", "").split(";")
                names = [n.strip() for n in names if n.strip()]
                if names:
                    return names
    return [UDF_MODULE]


def udf_modules(pkg: Package) -> list[ModuleType]:
    """The UDF modules the workbook names, imported as Excel's xlwings add-in imports them."""
    return import_udfs(udf_module_names(pkg))


def import_udfs(names: list[str]) -> list[ModuleType]:
    """The modules ``names`` imported (a module that cannot be: one line naming it)."""
    out = []
    for name in names:
        try:
            out.append(importlib.import_module(name))
        except ImportError as err:
            raise RefreshError(f'the UDF module "{name}" that the xlwings.conf sheet names cannot be imported '
                               f"({err})") from None
    return out


def check_kind(pkg: Package, path: str, output: str) -> None:
    """An .xlsx output cannot hold macros; an .xlsm output must hold a macro workbook."""
    ext = os.path.splitext(output)[1].lower()
    if ext == ".xlsx" and pkg.has_macros:
        raise RefreshError(f"{output}: an .xlsx cannot hold the macros of {path}; write an .xlsm, or use "
                           f"'nqp-xl publish {path} -o {output}' for the values-only copy without macros")
    if ext == ".xlsm" and not pkg.has_macros:
        raise RefreshError(f"{output}: {path} has no macros, so its refreshed copy is an .xlsx; give a name "
                           "ending in .xlsx")


def refresh(path: str, output: str | None = None, in_place: bool = False,
            progress: Callable[[str], None] | None = None, force: bool = False) -> RefreshResult:
    target = output_target(path, output, in_place, "refresh", force)
    with writer_lock(target):  # read to write: a second writer of target waits
        pkg = read_package(path)
        check_kind(pkg, path, target)
        report, engine = refresh_package(pkg, udf_modules(pkg), progress)
        del engine  # its caches are not needed to write the file
        data = packaged(pkg)
        del pkg
        saved = write_result(path, target, data, in_place)
    return RefreshResult(target, report, saved)
