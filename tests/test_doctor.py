"""``nqp-xl doctor`` on Linux (the parts that apply), its registry reading with a stand-in for
``winreg``, and the VBA reader it uses to find the xlwings version a workbook carries."""
from __future__ import annotations

import importlib.metadata
import os
import shutil
import sys
import zipfile
from pathlib import Path

import pytest
import xlwings

from nqp_xl.workbook.commands import doctor
from nqp_xl.workbook.commands.vba_project import VBAError, decompress, sources, workbook_vba, xlwings_version
from workbook_helpers import nqp

ROOT = Path(__file__).resolve().parents[1]
TEMPLATE = ROOT / "workbook_template.xlsm"
XLWINGS = importlib.metadata.version("xlwings")


# ------------------------------------------------------------------ the VBA reader

def test_decompression_matches_the_specifications_examples():
    """[MS-OVBA] 3.2.1 (no compression) and 3.2.2 (normal compression): compressed bytes and
    the text they hold, as printed in the specification."""
    plain = bytes.fromhex("01 19 B0 00 61 62 63 64 65 66 67 68 00 69 6A 6B 6C 6D 6E 6F 70 00 71 72 73 74 75 76 2E")
    assert decompress(plain) == b"abcdefghijklmnopqrstuv."
    normal = bytes.fromhex("01 2F B0 00 23 61 61 61 62 63 64 65 82 66 00 70 61 67 68 69 6A 01 38 08 61 6B 6C 00 "
                           "30 6D 6E 6F 70 06 71 02 70 04 10 72 73 74 75 76 10 77 78 79 7A 00 3C")
    assert decompress(normal) == b"#aaabcdefaaaaghijaaaaaklaaamnopqaaaaaaaaaaaarstuvwxyzaaa"
    with pytest.raises(VBAError):
        decompress(b"\x00abc")


def _lines(text: str) -> list[str]:
    return [line.rstrip() for line in text.replace("\r\n", "\n").split("\n")
            if line.strip() and not line.startswith("Attribute ")]


def test_the_templates_xlwings_module_is_xlwings_own_source():
    """The module read out of the template's vbaProject.bin is, line for line, the xlwings.bas
    that ships with the installed xlwings (a 1,000-line check of decompression and dir walk)."""
    bas = Path(xlwings.__file__).with_name("xlwings.bas").read_text(encoding="utf-8", errors="replace")
    modules = sources(workbook_vba(str(TEMPLATE)))
    assert {"xlwings", "ThisWorkbook", "Module1"} <= set(modules)
    assert len(_lines(bas)) > 500
    assert _lines(modules["xlwings"]) == _lines(bas)
    assert xlwings_version(str(TEMPLATE)) == XLWINGS


def test_a_workbook_without_vba(tmp_path):
    plain = tmp_path / "plain.xlsm"
    with zipfile.ZipFile(TEMPLATE) as src, zipfile.ZipFile(plain, "w") as dst:
        for item in src.infolist():
            if item.filename != "xl/vbaProject.bin":
                dst.writestr(item, src.read(item))
    with pytest.raises(VBAError, match="no VBA project"):
        xlwings_version(str(plain))


# ------------------------------------------------------------------ the command, as a user runs it

def test_doctor_in_the_checkout_passes_and_skips_the_windows_lines():
    proc = nqp("doctor", cwd=ROOT)
    lines = proc.stdout.splitlines()
    assert lines[0].startswith("ok    Python 3.")
    assert any(line.startswith("ok    nqp-xl ") for line in lines)
    assert f"ok    xlwings {XLWINGS}" in lines
    assert "--    pywin32: only Windows needs it" in lines
    assert any(line.startswith("--    Excel's \"Trust access") for line in lines)
    assert f"ok    workbook_template.xlsm carries the VBA of xlwings {XLWINGS}, the installed version" in lines
    assert any(line.startswith("ok    the UDF module nqp_udfs imports (") for line in lines)
    assert lines[-1] == "everything Excel needs is in place"
    assert "FAIL" not in proc.stdout


def test_doctor_fails_on_a_workbook_without_macros(tmp_path):
    book = tmp_path / "report.xlsm"
    with zipfile.ZipFile(TEMPLATE) as src, zipfile.ZipFile(book, "w") as dst:
        for item in src.infolist():
            if item.filename != "xl/vbaProject.bin":
                dst.writestr(item, src.read(item))
    proc = nqp("doctor", book, check=False)
    assert proc.returncode == 1
    lines = proc.stdout.splitlines()
    bad = [i for i, line in enumerate(lines) if line.startswith("FAIL")]
    assert len(bad) == 1 and "report.xlsm" in lines[bad[0]] and "no VBA project" in lines[bad[0]]
    assert lines[bad[0] + 1].startswith("      fix: make the workbook with nqp-xl new")
    assert lines[-1] == "1 problem: each FAIL line above says how to fix it"


def test_doctor_names_a_missing_file(tmp_path):
    proc = nqp("doctor", tmp_path / "nope.xlsm", check=False)
    assert proc.returncode == 1 and proc.stdout == ""
    assert proc.stderr.strip() == f"nqp-xl: error: {tmp_path / 'nope.xlsm'}: no such file"


def test_doctor_without_a_workbook_here(tmp_path):
    """Outside the checkout and the bundle folder there is no template to look at: a skipped
    line that says how to name one, not a failure."""
    check = doctor.vba_version_check(None)
    assert check.status == doctor.SKIP and "nqp-xl doctor FILE.xlsm" in check.text


# ------------------------------------------------------------------ checks one by one

def test_a_version_mismatch_names_both_versions_and_the_fix(monkeypatch):
    real = importlib.metadata.version
    monkeypatch.setattr(importlib.metadata, "version", lambda d: "0.30.0" if d == "xlwings" else real(d))
    check = doctor.vba_version_check(TEMPLATE)
    assert check.status == doctor.FAIL
    assert f"carries the VBA of xlwings {XLWINGS}, but xlwings 0.30.0 is installed" in check.text
    assert f"xlwings=={XLWINGS}" in check.fix and "nqp-xl template" in check.fix


def test_pywin32_is_checked_on_windows():
    """On this Linux machine pywin32 is absent: what Windows would show without it."""
    check = doctor.pywin32_check(True)
    assert check.status == doctor.FAIL and check.text == "pywin32 is not installed"
    assert check.fix.startswith("python -m pip install --no-index --find-links wheels pywin32")


def test_a_udf_module_that_does_not_import(monkeypatch):
    monkeypatch.setitem(sys.modules, "nqp_udfs", None)     # import raises ImportError
    check = doctor.udf_module_check()
    assert check.status == doctor.FAIL and check.text.startswith("the UDF module nqp_udfs does not import: ModuleNotFoundError")
    assert "--force-reinstall nqp-xl" in check.fix


class FakeRegistry:
    """Just enough of ``winreg``: OpenKey (a context manager), EnumKey, QueryValueEx."""

    HKEY_CURRENT_USER, HKEY_LOCAL_MACHINE = "HKCU", "HKLM"

    def __init__(self, values: dict[str, int]):
        self.values = values                 # r"HKCU\Software\...\Security\AccessVBOM" -> 1
        self.keys = set()
        for path in values:
            parts = path.split("\\")[:-1]
            self.keys |= {"\\".join(parts[:i]) for i in range(1, len(parts) + 1)}

    class Key:
        def __init__(self, path):
            self.path = path

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

        def Close(self):
            pass

    def OpenKey(self, parent, sub):
        path = f"{getattr(parent, 'path', parent)}\\{sub}"
        if path not in self.keys:
            raise FileNotFoundError(path)
        return self.Key(path)

    def EnumKey(self, key, i):
        children = sorted({k[len(key.path) + 1:].split("\\")[0] for k in self.keys if k.startswith(key.path + "\\")})
        if i >= len(children):
            raise OSError("no more keys")
        return children[i]

    def QueryValueEx(self, key, name):
        try:
            return self.values[f"{key.path}\\{name}"], 4
        except KeyError:
            raise FileNotFoundError(name) from None


USER = r"HKCU\Software\Microsoft\Office\{}\Excel\Security\AccessVBOM"
POLICY = r"HKCU\Software\Policies\Microsoft\Office\{}\Excel\Security\AccessVBOM"


def test_trust_setting_read_from_the_registry():
    on = doctor.vba_trust_check(FakeRegistry({USER.format("16.0"): 1, USER.format("15.0"): 0}))
    assert on.status == doctor.OK and "Excel 16.0 trusts access" in on.text

    off = doctor.vba_trust_check(FakeRegistry({USER.format("16.0"): 0}))
    assert off.status == doctor.FAIL and off.fix == f"in Excel: {doctor.TRUST_PATH}"
    assert "Trust access to the VBA project object model" in off.fix

    never_set = FakeRegistry({r"HKCU\Software\Microsoft\Office\16.0\Excel\Options\x": 1})
    assert doctor.vba_trust_check(never_set).status == doctor.FAIL

    policy = doctor.vba_trust_check(FakeRegistry({USER.format("16.0"): 1, POLICY.format("16.0"): 0}))
    assert policy.status == doctor.FAIL and "group policy" in policy.text and "ask IT" in policy.fix

    no_excel = doctor.vba_trust_check(FakeRegistry({r"HKCU\Software\Other\x": 1}))
    assert no_excel.status == doctor.FAIL and no_excel.fix.startswith("start Excel once")

    assert doctor.vba_trust_check(None).status == doctor.SKIP


def _with_interpreter(tmp_path, value) -> Path:
    import openpyxl

    book = tmp_path / "conf.xlsx"
    wb = openpyxl.Workbook()
    conf = wb.active
    conf.title = "xlwings.conf"
    conf.append(["UDF Modules", "nqp_udfs"])
    conf.append(["Interpreter_Win", value])
    wb.save(book)
    return book


def test_which_python_excel_starts(tmp_path, monkeypatch):
    """xlwings starts the workbook's Interpreter_Win, else the user's xlwings.conf, else pythonw on PATH;
    it must be the Python nqp-xl is installed in (here a stand-in PATH and Python)."""
    monkeypatch.setattr(doctor, "user_interpreter", lambda home=None: None)
    py = str(Path("/opt/py312/python.exe"))
    assert doctor.interpreter_check(False, None).status == doctor.SKIP

    none = doctor.interpreter_check(True, TEMPLATE, which=lambda n: None, executable=py)
    assert none.status == doctor.FAIL and "none on PATH" in none.text
    assert none.fix.startswith(f"on the workbook's xlwings.conf sheet set Interpreter_Win to {Path(py).with_name('pythonw.exe')}")

    same = doctor.interpreter_check(True, TEMPLATE, which=lambda n: str(Path("/opt/py312/pythonw.exe")), executable=py)
    assert same.status == doctor.OK and "(pythonw on PATH)" in same.text

    other = doctor.interpreter_check(True, TEMPLATE, which=lambda n: str(Path("/opt/py39/pythonw.exe")), executable=py)
    assert other.status == doctor.FAIL and "but nqp-xl is installed for" in other.text

    book = _with_interpreter(tmp_path, str(Path("/opt/py312/pythonw.exe")))
    assert doctor.configured_interpreter(book) == str(Path("/opt/py312/pythonw.exe"))
    told = doctor.interpreter_check(True, book, which=lambda n: None, executable=py)
    assert told.status == doctor.OK and "Interpreter_Win of xlwings.conf" in told.text


def test_the_users_xlwings_conf(tmp_path):
    (tmp_path / ".xlwings").mkdir()
    (tmp_path / ".xlwings" / "xlwings.conf").write_text('"INTERPRETER_WIN","C:\\Py\\pythonw.exe"\n"UDF MODULES",""\n')
    assert doctor.user_interpreter(tmp_path) == "C:\\Py\\pythonw.exe"
    assert doctor.user_interpreter(tmp_path / "nobody") is None


def test_python_dash_m_nqp_xl_runs_the_command_line(tmp_path):
    """install.bat calls ``python -m nqp_xl doctor`` (the Scripts folder may not be on PATH)."""
    import subprocess

    proc = subprocess.run([sys.executable, "-m", "nqp_xl", "doctor", str(TEMPLATE)], capture_output=True, text=True,
                          cwd=tmp_path, timeout=300)
    assert proc.returncode == 0 and proc.stdout.splitlines()[-1] == "everything Excel needs is in place"
