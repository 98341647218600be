"""Excel's "Import Functions" path, without Windows (issue 8, deliverable 6).

On Windows, "Import Functions" runs ``xlwings.udfs.import_udfs``, which decorates the module's
functions with xlwings' real ``xlfunc``/``xlarg`` and writes one VBA wrapper per function with
``xlwings.udfs.generate_vba_wrapper``; Excel then registers each description with
``Application.MacroOptions``.  A VBA module that does not compile (an argument named after a
reserved word such as ``type`` or ``name``) breaks every function of the workbook at once.

Here the Windows-only modules (pythoncom, pywintypes, win32com) are stubbed in
``sys.modules``, ``udfs/nqp_udfs.py`` is loaded afresh under xlwings' real decorators, and
xlwings' own generator writes the VBA.  The test checks that every ``NQP_`` function is
generated with its Python signature, that no argument name is a VBA reserved word or an
invalid identifier, and that what Excel registers fits its 255-character limits: the
description (xlwings sends the docstring's first 255 characters) must hold the whole first
paragraph, and each argument's text must fit whole.
"""
from __future__ import annotations

import importlib
import importlib.util
import inspect
import io
import re
import sys
import types
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent

# VBA keywords and statement names that cannot name a parameter (Office VBA language reference,
# "Keywords"), plus the words the project charter lists; compared ignoring case.
VBA_RESERVED = {w.lower() for w in """
    AddressOf Alias And Any Append As Attribute Base Binary Boolean ByRef Byte ByVal Call Case CBool
    CByte CCur CDate CDbl CDec CDecl CInt Circle CLng CLngLng CLngPtr Close Compare Const CSng CStr
    Currency CVar CVErr Date Debug Decimal Declare DefBool DefByte DefCur DefDate DefDbl DefDec DefInt
    DefLng DefLngLng DefLngPtr DefObj DefSng DefStr DefVar Dim Do DoEvents Double Each Else ElseIf
    Empty End EndIf Enum Eqv Erase Error Event Exit Explicit False Fix For Friend Function Get Global
    GoSub GoTo If Imp Implements In Input InputB Int Integer Is LBound Len LenB Let Lib Like Line
    Local Lock Long LongLong LongPtr Loop LSet Me Mid MidB Mod Name New Next Not Nothing Null
    Object On Open Option Optional Or Output ParamArray Preserve Print Private Property PSet PtrSafe
    Public Put RaiseEvent Random Read ReDim Rem Reset Resume Return RSet Scale Seek Select Set
    Shared Single Spc Static Step Stop String Sub Tab Then To True Type TypeOf UBound Unlock Until
    Variant VB_Name Wend While Width With WithEvents Write Xor
""".split()}
IDENTIFIER = re.compile(r"^[A-Za-z][A-Za-z0-9_]{0,254}$")


@pytest.fixture(scope="module")
def generated():
    """(module loaded under xlwings' real decorators, the VBA text xlwings generates for it)."""
    saved = {k: sys.modules.get(k) for k in ("pythoncom", "pywintypes", "win32com", "win32com.client",
                                             "xlwings.udfs")}
    pythoncom = types.ModuleType("pythoncom")
    pythoncom.CoInitialize = lambda: None
    pywintypes = types.ModuleType("pywintypes")
    pywintypes.com_error = type("com_error", (Exception,), {})
    win32com = types.ModuleType("win32com")
    client = types.ModuleType("win32com.client")
    client.Dispatch = lambda *a, **k: None
    win32com.client = client
    sys.modules.update({"pythoncom": pythoncom, "pywintypes": pywintypes, "win32com": win32com,
                        "win32com.client": client})
    import xlwings

    try:
        udfs = importlib.import_module("xlwings.udfs")
        real = {"func": xlwings.func, "arg": xlwings.arg}
        xlwings.func, xlwings.arg = udfs.xlfunc, udfs.xlarg
        try:
            spec = importlib.util.spec_from_file_location("nqp_udfs_vba_check", ROOT / "udfs" / "nqp_udfs.py")
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
        finally:
            xlwings.func, xlwings.arg = real["func"], real["arg"]
        out = io.StringIO()
        workbook = types.SimpleNamespace(Name="workbook_template.xlsm")
        udfs.generate_vba_wrapper("nqp_udfs", module, out, workbook)
        yield module, out.getvalue()
    finally:
        for k, v in saved.items():
            if v is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = v


def _functions(module) -> list[str]:
    return sorted(n for n in dir(module) if n.startswith("NQP_") and callable(getattr(module, n)))


def test_every_nqp_function_is_generated_with_its_signature(generated):
    module, vba = generated
    names = _functions(module)
    assert names and names == sorted(module.__all__)
    assert "NQP_REGTABLE" in names and "NQP_SUBINDEX" in names
    for name in names:
        params = list(inspect.signature(getattr(module, name)).parameters.values())
        required = [p.name for p in params if p.default is inspect.Parameter.empty]
        optional = [p.name for p in params if p.default is not inspect.Parameter.empty]
        sig = ", ".join(required + [f"Optional {o}" for o in optional])
        assert f"Function {name}({sig})\n" in vba, name
        assert f'{name} = XLPy.CallUDF("nqp_udfs", "{name}", Array({", ".join(required + optional)}), ' \
               "ThisWorkbook, Application.Caller)" in vba, name
    assert vba.count("End Function") == len(names)


def test_no_argument_is_a_vba_reserved_word(generated):
    module, _ = generated
    for name in _functions(module):
        assert IDENTIFIER.match(name)
        for arg in getattr(module, name).__xlfunc__["args"]:
            assert IDENTIFIER.match(arg["name"]), (name, arg["name"])
            assert arg["name"].lower() not in VBA_RESERVED, f"{name}: argument {arg['name']!r} is reserved in VBA"
            assert arg["name"].lower() != name.lower()


def test_descriptions_fit_excels_limits(generated):
    module, _ = generated
    for name in _functions(module):
        xlf = getattr(module, name).__xlfunc__
        doc = xlf["ret"]["doc"]
        first = inspect.cleandoc(doc).split("\n\n")[0]
        assert 0 < len(first) <= 255, (name, len(first))
        registered = doc[:255]                       # what import_udfs hands to MacroOptions
        assert " ".join(registered.split()).startswith(" ".join(first.split())), name
        assert xlf["category"] == "nqp-xl"
        for arg in xlf["args"]:
            assert len(arg["doc"]) <= 255, (name, arg["name"], len(arg["doc"]))


def test_range_arguments_are_declared_two_dimensional(generated):
    module, _ = generated
    ranges = {"data", "values", "groups", "by", "ids", "rows", "columns", "subsystems", "weights", "directions",
              "equations", "systems", "names"}
    for name in _functions(module):
        for arg in getattr(module, name).__xlfunc__["args"]:
            if arg["name"] in ranges:
                assert arg["options"].get("ndim") == 2, (name, arg["name"])
