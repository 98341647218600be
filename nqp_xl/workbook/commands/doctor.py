"""``nqp-xl doctor``: what Excel needs to run the NQP_ functions on this PC, each problem with its fix.

Checks: the Python, nqp-xl and xlwings versions; pywin32 (Windows); Excel's "Trust access to
the VBA project object model" (Windows registry, read only: needed by Import Functions); that a
workbook's embedded xlwings VBA is the installed xlwings version (xlwings refuses a mismatch);
that the UDF module ``nqp_udfs`` imports.  Exit 0 when nothing failed, 1 otherwise.
"""
from __future__ import annotations

import csv
import importlib
import importlib.metadata
import os
import platform
import shutil
import struct
import sys
from dataclasses import dataclass
from pathlib import Path

from .vba_project import VBAError, xlwings_version

OK, FAIL, SKIP = "ok", "FAIL", "--"
TEMPLATE = "workbook_template.xlsm"
FROM_BUNDLE = "python -m pip install --no-index --find-links wheels {} (in the nqp-xl bundle folder)"
TRUST_PATH = ("File > Options > Trust Center > Trust Center Settings > Macro Settings: "
              'tick "Trust access to the VBA project object model"')


@dataclass
class Check:
    status: str          # OK, FAIL or SKIP (does not apply here)
    text: str
    fix: str = ""


def python_check() -> Check:
    bits = struct.calcsize("P") * 8
    return Check(OK, f"Python {platform.python_version()}, {bits}-bit ({sys.executable})")


def package_check(dist: str, module: str) -> Check:
    try:
        version = importlib.metadata.version(dist)
        importlib.import_module(module)
    except importlib.metadata.PackageNotFoundError:
        return Check(FAIL, f"{dist} is not installed", FROM_BUNDLE.format(dist))
    except Exception as err:  # noqa: BLE001 - whatever stops the import is the answer
        return Check(FAIL, f"{dist} is installed but does not import: {type(err).__name__}: {err}",
                     f"reinstall it: {FROM_BUNDLE.format('--force-reinstall ' + dist)}")
    return Check(OK, f"{dist} {version}")


def pywin32_check(windows: bool) -> Check:
    if not windows:
        return Check(SKIP, "pywin32: only Windows needs it")
    check = package_check("pywin32", "win32com.client")
    if check.status == OK:
        check.text += " (Excel talks to Python through it)"
    return check


# ---------------------------------------------------------------- Excel's trust setting (registry)

def _read_dword(reg, hive, path: str, value: str) -> int | None:
    try:
        with reg.OpenKey(hive, path) as key:
            return int(reg.QueryValueEx(key, value)[0])
    except (OSError, ValueError, TypeError):
        return None


def _office_versions(reg) -> list[str]:
    """Office versions with Excel settings for this user, newest first (16.0 is 2016 to 365)."""
    found = []
    try:
        with reg.OpenKey(reg.HKEY_CURRENT_USER, r"Software\Microsoft\Office") as key:
            i = 0
            while True:
                try:
                    name = reg.EnumKey(key, i)
                except OSError:
                    break
                i += 1
                try:
                    reg.OpenKey(key, name + r"\Excel").Close()
                    found.append(name)
                except OSError:
                    pass
    except OSError:
        return []
    return sorted((v for v in found if v.replace(".", "").isdigit()), key=lambda v: float(v), reverse=True)


def vba_trust_check(reg) -> Check:
    """AccessVBOM under Excel\\Security: a group policy (HKLM or HKCU Policies) overrides the user's tick."""
    if reg is None:
        return Check(SKIP, 'Excel\'s "Trust access to the VBA project object model": only on Windows')
    versions = _office_versions(reg)
    if not versions:
        return Check(FAIL, "no Excel settings found for this Windows user",
                     "start Excel once (or install it), then run nqp-xl doctor again")
    v = versions[0]
    for hive, where in ((reg.HKEY_LOCAL_MACHINE, "group policy (machine)"), (reg.HKEY_CURRENT_USER, "group policy")):
        set_by_policy = _read_dword(reg, hive, rf"Software\Policies\Microsoft\Office\{v}\Excel\Security", "AccessVBOM")
        if set_by_policy is not None:
            if set_by_policy == 1:
                return Check(OK, f"Excel {v} trusts access to the VBA project ({where})")
            return Check(FAIL, f"Excel {v}: access to the VBA project is turned off by {where}, so Import Functions "
                         "cannot write the functions", 'ask IT to enable "Trust access to Visual Basic Project" in '
                         "the Office policy, or import the functions once on a PC that allows it")
    if _read_dword(reg, reg.HKEY_CURRENT_USER, rf"Software\Microsoft\Office\{v}\Excel\Security", "AccessVBOM") == 1:
        return Check(OK, f"Excel {v} trusts access to the VBA project (needed by Import Functions)")
    return Check(FAIL, f"Excel {v} does not trust access to the VBA project, so Import Functions cannot write "
                 "the functions", f"in Excel: {TRUST_PATH}")


# ---------------------------------------------------------------- the workbook's VBA

def default_workbook() -> Path | None:
    """workbook_template.xlsm in the current folder (the bundle's), else in the checkout."""
    for folder in (Path.cwd(), Path(__file__).resolve().parents[3]):
        if (folder / TEMPLATE).is_file():
            return folder / TEMPLATE
    return None


def vba_version_check(workbook: Path | None) -> Check:
    if workbook is None:
        return Check(SKIP, f"no workbook to check (no {TEMPLATE} here): give one, nqp-xl doctor FILE.xlsm")
    try:
        installed = importlib.metadata.version("xlwings")
    except importlib.metadata.PackageNotFoundError:
        return Check(FAIL, f"{workbook.name}: cannot compare its VBA with xlwings, which is not installed",
                     FROM_BUNDLE.format("xlwings"))
    try:
        carried = xlwings_version(str(workbook))
    except (VBAError, OSError) as err:
        return Check(FAIL, f"{workbook.name}: {err}", "make the workbook with nqp-xl new or nqp-xl template")
    if carried is None:
        return Check(FAIL, f"{workbook.name}: its VBA has no xlwings module", "make the workbook with nqp-xl new "
                     "or nqp-xl template, which put xlwings' VBA in it")
    if carried != installed:
        return Check(FAIL, f"{workbook.name} carries the VBA of xlwings {carried}, but xlwings {installed} is "
                     "installed: its macros would refuse to run", f"python -m pip install --no-index --find-links "
                     f"wheels xlwings=={carried} from the bundle it came with, or remake it: nqp-xl template -o FILE.xlsm")
    return Check(OK, f"{workbook.name} carries the VBA of xlwings {carried}, the installed version")


def configured_interpreter(workbook: Path | None) -> str | None:
    """Interpreter_Win (or the older Interpreter) on the workbook's xlwings.conf sheet, as xlwings' GetConfig reads it."""
    if workbook is None:
        return None
    import openpyxl  # 95 ms that every command pays otherwise: cli imports this module to register doctor

    try:
        wb = openpyxl.load_workbook(workbook, read_only=True, keep_vba=False)
    except Exception:  # noqa: BLE001 - an unreadable workbook is reported by the VBA check
        return None
    try:
        if "xlwings.conf" not in wb.sheetnames:
            return None
        conf = {str(k).strip().lower(): v for k, v, *_ in wb["xlwings.conf"].iter_rows(max_col=2, values_only=True)
                if k is not None}
    finally:
        wb.close()
    value = conf.get("interpreter_win") or conf.get("interpreter")
    return str(value).strip() or None if value else None


def user_interpreter(home: Path | None = None) -> str | None:
    """INTERPRETER_WIN of the user's %USERPROFILE%\\.xlwings\\xlwings.conf (lines "KEY","value"), which
    xlwings reads when the workbook does not say."""
    path = (home or Path.home()) / ".xlwings" / "xlwings.conf"
    try:
        rows = list(csv.reader(path.read_text(encoding="utf-8", errors="replace").splitlines()))
    except OSError:
        return None
    conf = {r[0].strip().lower(): r[1].strip() for r in rows if len(r) >= 2}
    return conf.get("interpreter_win") or conf.get("interpreter") or None


def interpreter_check(windows: bool, workbook: Path | None, which=shutil.which, executable: str = sys.executable) -> Check:
    """The Python Excel starts: the workbook's Interpreter_Win, else ``pythonw`` on PATH (xlwings.bas,
    XLPyCommand); it must be the one nqp-xl is installed in."""
    if not windows:
        return Check(SKIP, "which Python Excel starts: only on Windows")
    here = Path(executable).with_name("pythonw.exe")
    fix = f"on the workbook's xlwings.conf sheet set Interpreter_Win to {here}"
    configured = configured_interpreter(workbook) or user_interpreter()
    if configured and configured.lower() in ("python", "pythonw"):
        configured = None
    started = configured or which("pythonw")
    if started is None:
        return Check(FAIL, "Excel starts pythonw from PATH, and there is none on PATH",
                     f"{fix}, or reinstall Python ticking \"Add python.exe to PATH\"")
    where = "Interpreter_Win of xlwings.conf" if configured else "pythonw on PATH"
    if os.path.normcase(os.path.dirname(os.path.abspath(started))) != os.path.normcase(str(here.parent)):
        return Check(FAIL, f"Excel starts {started} ({where}), but nqp-xl is installed for {executable}", fix)
    return Check(OK, f"Excel starts {started} ({where}), the Python nqp-xl is installed in")


def udf_module_check() -> Check:
    try:
        udfs = importlib.import_module("nqp_udfs")
    except Exception as err:  # noqa: BLE001 - the message is the answer
        return Check(FAIL, f"the UDF module nqp_udfs does not import: {type(err).__name__}: {err}",
                     FROM_BUNDLE.format("--force-reinstall nqp-xl"))
    n = sum(1 for name in dir(udfs) if name.startswith("NQP_"))
    return Check(OK, f"the UDF module nqp_udfs imports ({n} NQP_ functions, {os.path.dirname(udfs.__file__)})")


def checks(workbook: Path | None, windows: bool, reg) -> list[Check]:
    return [python_check(), package_check("nqp-xl", "nqp_xl"), package_check("xlwings", "xlwings"),
            pywin32_check(windows), vba_trust_check(reg), vba_version_check(workbook),
            interpreter_check(windows, workbook), udf_module_check()]


def report(found: list[Check]) -> str:
    lines = []
    for c in found:
        lines.append(f"{c.status:<5} {c.text}")
        if c.status == FAIL and c.fix:
            lines.append(f"      fix: {c.fix}")
    failed = sum(c.status == FAIL for c in found)
    lines.append("everything Excel needs is in place" if not failed else
                 f"{failed} problem{'s' * (failed > 1)}: each FAIL line above says how to fix it")
    return "\n".join(lines)


# --------------------------------------------------------------------------- command line

def add_parser(sub) -> None:
    s = sub.add_parser("doctor", help="check that Excel can run the NQP_ functions on this PC",
                       description="Print the Python, nqp-xl and xlwings versions, whether pywin32 is present and "
                       "Excel trusts access to the VBA project (Windows), whether the workbook's xlwings VBA is the "
                       "installed xlwings version, and whether the UDF module imports; each problem with its fix. "
                       "Reads the registry, changes nothing. Exit 1 when something fails.")
    s.add_argument("workbook", nargs="?", metavar="FILE.xlsm",
                   help=f"the workbook whose VBA to check (default: {TEMPLATE} in this folder, if there)")
    s.set_defaults(func=run)


def run(args) -> int:
    workbook = Path(args.workbook) if args.workbook else default_workbook()
    if workbook is not None and not workbook.is_file():
        print(f"nqp-xl: error: {workbook}: no such file", file=sys.stderr)
        return 1
    windows = sys.platform == "win32"
    reg = importlib.import_module("winreg") if windows else None
    found = checks(workbook, windows, reg)
    print(report(found))
    return 1 if any(c.status == FAIL for c in found) else 0
