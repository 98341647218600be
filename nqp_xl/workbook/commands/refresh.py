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

from ...collector import gc_paused
from ..engine.engine import RefreshError, Report
from ..engine.recalc import refresh_package
from ..ooxml.package import Package, read_package
from ..template.contract import CONF_SHEET, UDF_MODULE, UDF_MODULES_KEY
from .document import packaged
from .outputs import backup, real_target, write_atomic, writer_lock


@dataclass
class RefreshResult:
    output: str
    report: Report
    backup: str | None = None


def default_output(path: str, suffix: str = "refreshed") -> str:
    """``F.refreshed.xlsm`` beside ``F.xlsm`` (``suffix`` names the verb's output)."""
    stem, ext = os.path.splitext(path)
    return f"{stem}.{suffix}{ext or '.xlsm'}"


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


def is_read_only(path: str) -> bool:
    """No write permission bit (checked on the mode: root may write anything, but should not here)."""
    import stat

    real = real_target(path)
    return not (os.stat(real).st_mode & (stat.S_IWUSR | stat.S_IWGRP | stat.S_IWOTH)) or not os.access(real, os.W_OK)


def load(path: str) -> Package:
    return read_package(path)


def check_kind(pkg: Package, path: str, output: str) -> None:
    """An .xlsx output cannot hold macros; an .xlsm output must hold a macro workbook."""
    ext = os.path.splitext(output)[1].lower()
    if ext == ".xlsx" and pkg.has_macros:
        raise RefreshError(f"{output}: an .xlsx cannot hold the macros of {path}; write an .xlsm, or use "
                           f"'nqp-xl publish {path} -o {output}' for the values-only copy without macros")
    if ext == ".xlsm" and not pkg.has_macros:
        raise RefreshError(f"{output}: {path} has no macros, so its refreshed copy is an .xlsx; give a name "
                           "ending in .xlsx")


_DONE = {"refresh": "refreshed", "update": "updated"}


def output_target(path: str, output: str | None, in_place: bool, verb: str, force: bool = False) -> str:
    """The file a command (``verb``: refresh, update) writes: ``-o OUT``, the input itself with
    ``--in-place``, else ``F.refreshed.xlsm`` (``F.updated.xlsm``); refused before any work when it would overwrite
    the input without ``--in-place``, lies in a missing folder, or is read-only, and when ``-o OUT``
    exists without ``force`` (see :func:`check_overwrite`)."""
    if in_place and output and os.path.abspath(output) != os.path.abspath(path):
        raise RefreshError("give either -o OUT or --in-place, not both")
    target = path if in_place else (output or default_output(path, _DONE[verb]))
    if not in_place and os.path.exists(target) and os.path.exists(path) and os.path.samefile(target, path):
        raise RefreshError(f"{target} is the input; {verb} never overwrites its input unless --in-place")
    folder = os.path.dirname(os.path.abspath(real_target(target) if in_place else target))
    if not os.path.isdir(folder):
        raise RefreshError(f"the folder {folder} does not exist")
    if in_place and os.path.exists(path) and is_read_only(path):
        raise RefreshError(f"{path} is read-only; {verb} it {'to' if verb == 'refresh' else 'into'} another file with -o OUT")
    if output and not in_place:
        check_overwrite(output, force)
    return target


def check_overwrite(output: str, force: bool) -> None:
    """``-o OUT`` onto an existing file needs ``--force`` (the old file is then kept as a numbered
    backup), and never replaces a read-only file."""
    if not os.path.lexists(output):
        return
    if not force:
        raise RefreshError(f"{output} exists; give another name, or --force to replace it (a backup is kept)")
    if os.path.exists(output) and is_read_only(output):
        raise RefreshError(f"{output} is read-only; it is not replaced")


def write_result(path: str, target: str, data: bytes, in_place: bool) -> str | None:
    """Write a command's result: a numbered backup of the file replaced (the input with
    ``--in-place``, an existing ``-o`` target), then the atomic write; answers the backup."""
    saved = backup(target) if os.path.exists(target) and (in_place or not _is_default(path, target)) else None
    write_atomic(target, data)
    return saved


def _is_default(path: str, target: str) -> bool:
    return any(os.path.abspath(target) == os.path.abspath(default_output(path, v)) for v in _DONE.values())


def refresh(path: str, output: str | None = None, in_place: bool = False,
            progress: Callable[[str], None] | None = None, force: bool = False) -> RefreshResult:
    target = output_target(path, output, in_place, "refresh", force)
    with writer_lock(target), gc_paused():  # read to write: a second writer of target waits
        pkg = load(path)
        check_kind(pkg, path, target)
        report, engine = refresh_package(pkg, udf_modules(pkg), progress)
        del engine  # its caches are not needed to write the file
        data = packaged(pkg)
        del pkg
        saved = write_result(path, target, data, in_place)
    return RefreshResult(target, report, saved)
