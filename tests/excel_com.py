"""Excel on Windows calling a UDF through xlwings, without Windows (issue 16, deliverable 1).

On Windows, a worksheet formula calls the VBA wrapper xlwings generated, which hands the
arguments to ``xlwings.udfs.call_udf`` over COM: a range argument as an Excel Range object
(whose ``Value`` pywin32 gives as a tuple of row tuples, a single cell as its value, an empty
cell as ``None``, an error cell as its int code, a date as a ``pywintypes`` datetime), an
omitted argument as the int DISP_E_PARAMNOTFOUND.  ``call_udf`` converts each argument with
``xlwings.conversion.read`` and the options the function declared, calls it, and converts the
answer with ``xlwings.conversion.write``; the value cleaning of both directions is the Windows
engine's (``xlwings/_xlwindows.py``: ``Engine.clean_value_data``, ``prepare_xl_data_element``).

Here the Windows-only modules are stubbed in ``sys.modules`` (as ``tests/test_udfs_vba.py``
does), the UDF module is loaded afresh under xlwings' real ``xlfunc``/``xlarg``/``xlret``, and
xlwings' own ``call_udf`` runs.  ``xlwings._xlwindows`` cannot be imported off Windows (ctypes'
``windll``, win32gui, ...), so its value cleaning is taken from the installed source: the
functions and the ``Engine`` class are compiled from that file's syntax tree (not copied), with
pywin32's time type stubbed as a datetime subclass.  Only the COM Range object is ours: it
answers ``Value`` as pywin32 would.
"""
from __future__ import annotations

import ast
import contextlib
import datetime as dt
import decimal
import importlib
import importlib.util
import sys
import types
from pathlib import Path
from typing import Any, Iterator

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
MISSING = -2147352572  # DISP_E_PARAMNOTFOUND: how VBA hands over an omitted Optional argument
CODES = {"#DIV/0!": -2146826281, "#N/A": -2146826246, "#NAME?": -2146826259, "#NULL!": -2146826288,
         "#NUM!": -2146826252, "#REF!": -2146826265, "#VALUE!": -2146826273}
WINDOWS_ENGINE_PARTS = ("cell_errors", "_com_time_to_datetime", "_datetime_to_com_time",
                        "_clean_value_data_element", "Engine", "engine")


class PyTime(dt.datetime):
    """pywintypes.TimeType: pywin32's datetime subclass (time-zone aware, as pywin32 >= 300 gives it)."""


class ComRange:
    """An Excel Range as pywin32 presents it to ``call_udf``: ``Value`` only."""

    def __init__(self, value: Any):
        self.Value = value


def com_value(rows: Any) -> Any:
    """Cells as ``Range.Value`` gives them: a tuple of row tuples, one cell as its value;
    numbers as floats, error texts as Excel's int codes, dates as pywin32 datetimes."""
    def cell(v):
        if isinstance(v, str) and v in CODES:
            return CODES[v]
        if isinstance(v, (int, np.integer)) and not isinstance(v, bool):
            return float(v)
        if isinstance(v, dt.datetime) and not isinstance(v, PyTime):
            return PyTime(v.year, v.month, v.day, v.hour, v.minute, v.second, tzinfo=dt.timezone.utc)
        return v

    if not isinstance(rows, (list, tuple)):
        return cell(rows)
    grid = tuple(tuple(cell(v) for v in (r if isinstance(r, (list, tuple)) else [r])) for r in rows)
    return grid[0][0] if len(grid) == 1 and len(grid[0]) == 1 else grid


def _stubs() -> dict[str, types.ModuleType]:
    pythoncom = types.ModuleType("pythoncom")
    pythoncom.CoInitialize = lambda: None
    pywintypes = types.ModuleType("pywintypes")
    pywintypes.com_error = type("com_error", (Exception,), {})
    pywintypes.TimeType = PyTime
    win32com = types.ModuleType("win32com")
    client = types.ModuleType("win32com.client")
    client.Dispatch = lambda *a, **k: None
    win32com.client = client
    com_server = types.ModuleType("xlwings.com_server")
    com_server.loop = None  # call_udf imports it; used only by async functions
    return {"pythoncom": pythoncom, "pywintypes": pywintypes, "win32com": win32com,
            "win32com.client": client, "xlwings.com_server": com_server}


def windows_engine_module() -> types.ModuleType:
    """``xlwings._xlwindows`` as far as UDF calls use it: the value cleaning compiled from the
    installed file, plus ``Range(xl=...)`` and ``is_range_instance`` for our ComRange."""
    import xlwings
    from xlwings import base_classes, utils

    source = Path(xlwings.__file__).with_name("_xlwindows.py")
    tree = ast.parse(source.read_text(encoding="utf-8"), str(source))
    wanted = []
    for node in tree.body:
        names = ([t.id for t in node.targets if isinstance(t, ast.Name)] if isinstance(node, ast.Assign)
                 else [node.name] if isinstance(node, (ast.FunctionDef, ast.ClassDef)) else [])
        if any(n in WINDOWS_ENGINE_PARTS for n in names):
            wanted.append(node)
    found = {n for node in wanted for n in ([t.id for t in node.targets] if isinstance(node, ast.Assign) else [node.name])}
    if found != set(WINDOWS_ENGINE_PARTS):
        raise RuntimeError(f"xlwings {xlwings.__version__}: _xlwindows.py lacks {set(WINDOWS_ENGINE_PARTS) - found}")
    module = types.ModuleType("xlwings._xlwindows")
    win32timezone = types.SimpleNamespace(TimeZoneInfo=types.SimpleNamespace(utc=lambda: dt.timezone.utc))
    import pandas as pd

    module.__dict__.update(dt=dt, np=np, pd=pd, time_types=(dt.date, dt.datetime, PyTime), base_classes=base_classes,
                           win32timezone=win32timezone, np_datetime_to_datetime=utils.np_datetime_to_datetime,
                           BOOK_CALLER=None)
    exec(compile(ast.Module(body=wanted, type_ignores=[]), str(source), "exec"), module.__dict__)  # noqa: S102

    engine_impl = module.engine

    class RangeImpl:
        """What conversion.read asks of a range: its raw value, its engine, no read budget."""
        max_cells_per_read = None
        max_cells_per_write = None

        def __init__(self, xl=None):
            self.xl = xl
            self.sheet = types.SimpleNamespace(book=types.SimpleNamespace(app=types.SimpleNamespace(engine=engine_impl, pid=0)))

        @property
        def raw_value(self):
            return self.xl.Value if self.xl is not None else None

    module.Range = RangeImpl
    module.is_range_instance = lambda x: isinstance(x, ComRange)
    return module


class Excel:
    """A UDF module as Excel on Windows calls it through xlwings (see the module docstring)."""

    def __init__(self, udfs, module, module_name: str):
        self.udfs, self.module, self.module_name = udfs, module, module_name

    def call(self, name: str, *args: Any) -> Any:
        """``=name(args...)``: arguments as COM hands them over (ComRange, values, MISSING);
        the answer as xlwings hands it back to COM."""
        return self.udfs.call_udf(self.module_name, name, tuple(args), None, None)


@contextlib.contextmanager
def excel(udf_file: Path = ROOT / "udfs" / "nqp_udfs.py") -> Iterator[Excel]:
    """The UDF module loaded under xlwings' real decorators, with ``call_udf`` ready to run."""
    import xlwings
    from xlwings.main import Engine

    stubs = _stubs()
    saved = {k: sys.modules.get(k) for k in [*stubs, "xlwings.udfs"]}
    sys.modules.update(stubs)
    had_windows = hasattr(xlwings, "_xlwindows")
    real = {"func": xlwings.func, "arg": xlwings.arg, "ret": xlwings.ret}
    engine = None
    module_name = "nqp_udfs_through_excel"
    try:
        udfs = importlib.import_module("xlwings.udfs")
        windows = windows_engine_module()
        xlwings._xlwindows = windows
        engine = Engine(impl=windows.engine)
        xlwings.engines.add(engine)
        xlwings.func, xlwings.arg, xlwings.ret = udfs.xlfunc, udfs.xlarg, udfs.xlret
        try:
            spec = importlib.util.spec_from_file_location(module_name, udf_file)
            module = importlib.util.module_from_spec(spec)
            spec.loader.exec_module(module)
        finally:
            xlwings.func, xlwings.arg, xlwings.ret = real["func"], real["arg"], real["ret"]
        udfs.udf_modules[module_name] = {"filename": str(udf_file), "filetime": None, "module": module}
        yield Excel(udfs, module, module_name)
    finally:
        if engine is not None:
            xlwings.engines.engines.remove(engine)
            xlwings.engines.engines_by_name.pop("excel", None)
        if not had_windows and hasattr(xlwings, "_xlwindows"):
            del xlwings._xlwindows
        for k, v in saved.items():
            if v is None:
                sys.modules.pop(k, None)
            else:
                sys.modules[k] = v


def decimal_cell(x: float) -> decimal.Decimal:
    """A Currency-formatted cell: pywin32 gives its ``Value`` as a Decimal (VT_CY)."""
    return decimal.Decimal(str(round(x, 4)))
