"""The NQP_ functions and Excel's built-ins as the engine calls them.

Every callable named ``NQP_*`` in the UDF module handed over (the one the workbook's
``xlwings.conf`` sheet names, ``nqp_udfs`` by default) is registered with the ``formulas`` package and
called with its arguments shaped exactly as xlwings hands them over (list of rows, ``None`` for
blanks, ``float`` numbers, ``str`` text, ``bool``, Excel errors as their text); omitted
arguments take the function's default; ``INDEX`` with a row or column of 0 answers the whole
column or row; only the ``formulas`` submodules a workbook needs are imported.

``formulas`` and ``schedula`` are imported inside the functions that use them: 0.1 s (beside
openpyxl, already loaded) that a command importing this module without computing a formula
(``publish --no-recompute``) does not pay (``python -X importtime``).
"""
from __future__ import annotations

import functools
import importlib
import inspect
import os
import re
from types import ModuleType
from typing import Any, Callable

import numpy as np

from ...cache import cached
from ..ooxml.values import Error
from . import formula_text
from .excel_fixes import fixes
from .formula_text import OMITTED



# --------------------------------------------------------------------------- values

def to_engine(value: Any):
    import schedula as sh
    from formulas.tokens.operand import XlError

    if value is None:
        return sh.EMPTY
    if isinstance(value, Error):
        return XlError(str(value))
    return value


def from_engine(value: Any) -> Any:
    import schedula as sh
    from formulas.tokens.operand import XlError

    if value is sh.EMPTY or value is None:
        return None
    if isinstance(value, XlError):
        return Error(str(value))
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        x = float(value)
        if x != x or x in (float("inf"), float("-inf")):
            return Error("#NUM!")
        return x
    if isinstance(value, str):
        return value
    return str(value)


def to_udf(value: Any) -> Any:
    """One cell as xlwings gives it: None, float, str, bool, errors as their text."""
    import schedula as sh
    from formulas.tokens.operand import XlError

    if value is sh.EMPTY or value is None:
        return None
    if isinstance(value, XlError):
        return str(value)
    if isinstance(value, (bool, np.bool_)):
        return bool(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        return float(value)
    return value if isinstance(value, str) else str(value)


# One refresh computes many formulas that share sub-expressions (``NQP_SELECT(NQP_DATA, ...)``,
# ``NQP_INDEX(NQP_DATA, ...)``, ``INDEX(NQP_DATA,0,NQP_YEAR_NUM)``) over the same range arrays.
# Their answers, and each array's rows as xlwings gives them, are kept in the one cache
# (:mod:`nqp_xl.cache`) under content keys: a scalar or one-cell array by its type and value,
# a larger array by :class:`ArrayKey`.  The refresh owns the cache (``Engine.run``), so nothing
# outlives it.


class ArrayKey:
    """A hashable stand-in for an object array's content: its shape and a sample of cells
    hashed; equal exactly when every cell is equal and of the same type (1.0 is not TRUE).
    The same array compares in no time; two equal arrays cost one comparison of their cells."""

    __slots__ = ("array", "_hash")

    def __init__(self, array: np.ndarray):
        self.array = array
        step = max(1, array.shape[0] // 64) if array.ndim else 1
        sample = array[::step].ravel()[:4096].tolist() if array.ndim else [array.item()]
        try:
            self._hash = hash((array.shape, tuple(sample)))
        except TypeError:
            self._hash = hash(array.shape)

    def __hash__(self) -> int:
        return self._hash

    def __eq__(self, other: Any) -> bool:
        if not isinstance(other, ArrayKey) or self._hash != other._hash:
            return False
        a, b = self.array, other.array
        if a is b:
            return True
        if a.shape != b.shape:
            return False
        x, y = a.ravel().tolist(), b.ravel().tolist()
        return x == y and list(map(type, x)) == list(map(type, y))


def _arg_key(a: Any) -> Any:
    """An argument's content key (see :class:`ArrayKey`), or None for one that has none."""
    if isinstance(a, np.ndarray):
        if a.size == 1:
            v = a.ravel()[0]
            try:
                hash(v)
                return ("v", type(v), v, a.shape)
            except TypeError:
                pass
        return ArrayKey(a)
    try:
        hash(a)
        return ("v", type(a), a)
    except TypeError:
        return None


def memo_key(name: str, args: tuple) -> tuple | None:
    """The content key under which a call's answer is kept, or None (not kept)."""
    keys = tuple(_arg_key(a) for a in args)
    return None if any(k is None for k in keys) else ("call", name) + keys


def remembered(name: str, func: Callable) -> Callable:
    """``func`` answering a repeated call with equal arguments from the one cache."""
    def call(*args):
        key = memo_key(name, args)
        return func(*args) if key is None else cached(key, lambda: func(*args))

    call.__name__ = getattr(func, "__name__", name)
    return call


def udf_rows(a: np.ndarray) -> list[list[Any]]:
    """An array's rows as xlwings gives them, converted once per content (the one cache)."""
    return cached(("rows", ArrayKey(a)), lambda: fast_rows(a if a.ndim == 2 else np.atleast_2d(a)))


def known_rows(a: np.ndarray, rows: list[list[Any]]) -> None:
    """Record ``rows`` as :func:`udf_rows` of ``a`` (the engine read them from the sheet)."""
    cached(("rows", ArrayKey(a)), lambda: rows)


def fast_rows(arr: np.ndarray) -> list[list[Any]]:
    import schedula as sh

    empty = sh.EMPTY
    out = []
    for r in arr.tolist():
        row = []
        for v in r:
            if v is empty:
                row.append(None)
            elif type(v) is float or type(v) is str:
                row.append(v)
            else:
                row.append(to_udf(v))
        out.append(row)
    return out


class Omitted:
    pass


OMITTED_VALUE = Omitted()


def udf_adapter(name: str, func: Callable) -> Callable:
    """Wrap an NQP_ function for ``formulas``: arguments shaped as xlwings shapes them."""
    try:
        params = list(inspect.signature(func).parameters.values())
    except (TypeError, ValueError):
        params = []
    ranges = range_params(func)

    def call(*args):
        values = []
        for i, a in enumerate(args):
            p = params[i] if i < len(params) else None
            pname = p.name if p is not None else ""
            if isinstance(a, Omitted) or (isinstance(a, np.ndarray) and a.size == 1 and
                                           isinstance(a.ravel()[0], Omitted)):
                values.append(p.default if p is not None and p.default is not inspect.Parameter.empty else None)
                continue
            if isinstance(a, np.ndarray):
                rows = list(map(list, udf_rows(a)))  # a fresh copy: a UDF may change its argument
                if pname in ranges or len(rows) != 1 or len(rows[0]) != 1:
                    values.append(rows)
                else:
                    values.append(rows[0][0])
            else:
                v = to_udf(a)
                values.append([[v]] if pname in ranges else v)
        if params and len(values) > len(params) and not any(p.kind == p.VAR_POSITIONAL for p in params):
            return f"#NQP! {name} takes at most {len(params)} arguments; the formula gives {len(values)}"
        try:
            result = func(*values)
        except Exception as err:  # noqa: BLE001 - a cell shows text, never a traceback
            return f"#NQP! {name} failed ({type(err).__name__}: {err})"[:255]
        return result_array(result)

    call.__name__ = name
    return remembered(name, call)


def result_array(result: Any) -> Any:
    import schedula as sh

    if isinstance(result, np.ndarray):
        result = result.tolist()
    if isinstance(result, (list, tuple)):
        rows = [list(r) if isinstance(r, (list, tuple, np.ndarray)) else [r] for r in result]
        if not rows:
            return sh.EMPTY
        width = max(map(len, rows))
        empty = sh.EMPTY
        arr = np.empty((len(rows), width), dtype=object)
        for i, r in enumerate(rows):  # row by row: a cell may itself hold a sequence-like value
            if None in r:
                r = [empty if v is None else v for v in r]
            if len(r) < width:
                r = r + [empty] * (width - len(r))
            arr[i, :] = r
        return arr
    if result is None:
        return sh.EMPTY
    return result


def excel_index(array, row_num=None, col_num=None, area_num=None):
    """Excel's INDEX on arrays, including row or column 0 (whole column or row)."""
    from formulas.tokens.operand import XlError

    arr = np.atleast_2d(np.asarray(array, dtype=object))

    def num(x, default):
        if isinstance(x, np.ndarray):
            x = x.ravel()[0] if x.size else default
        if x is None or isinstance(x, Omitted):
            return default
        try:
            import schedula as sh

            if x is sh.EMPTY:
                return 0
            return int(float(x))
        except (TypeError, ValueError):
            raise ValueError

    try:
        r = num(row_num, 0)
        c = num(col_num, None)
    except ValueError:
        return np.array([[XlError("#VALUE!")]], dtype=object)
    if c is None:
        if arr.shape[0] == 1:
            r, c = 1, r
        elif arr.shape[1] == 1:
            c = 1
        else:
            c = 0
    if r < 0 or c < 0 or r > arr.shape[0] or c > arr.shape[1]:
        return np.array([[XlError("#REF!")]], dtype=object)
    rows = slice(None) if r == 0 else slice(r - 1, r)
    cols = slice(None) if c == 0 else slice(c - 1, c)
    out = arr[rows, cols]
    return out if out.size > 1 else out[0, 0]


def range_params(func: Callable) -> frozenset[str]:
    """The parameters xlwings hands over as a list of rows: those its ``@xw.arg`` declares with
    ``ndim=2``, read from xlwings' own record ``func.__xlfunc__["args"][i]["options"]["ndim"]``
    (``@nqp_udf`` records it off Windows too).  A function without that record has none."""
    xlfunc = getattr(func, "__xlfunc__", None) or {}
    return frozenset(a["name"] for a in xlfunc.get("args", ()) if a.get("options", {}).get("ndim") == 2)


def nqp_functions(*modules: ModuleType) -> dict[str, Callable]:
    """Every callable named NQP_* in the UDF modules handed over (discovered, not listed)."""
    return {name: getattr(m, name) for m in modules for name in dir(m)
            if name.upper().startswith("NQP_") and callable(getattr(m, name))}


REGISTERED: dict[str, Callable] = {}


BUILTIN_KEYS = re.compile(r"FUNCTIONS\[['\"]([^'\"]+)['\"]\]")


def load_builtins(names: set[str]) -> dict:
    """formulas' function table, importing only the submodules the workbook's functions need.

    (Its ``stat`` submodule imports scipy.stats, about a second of start-up.)  A name not
    found by reading the submodules' sources loads them all; later workbooks that need more
    get the missing submodules added to the cached table.

    The one place that uses formulas' internals (``SUBMODULES`` edited while ``get_functions``
    builds its cached table; the submodules' sources read for their ``FUNCTIONS[...]`` keys):
    the template's functions load in 0.03 s instead of 1.1-1.2 s for ``get_functions()``
    (formulas 1.3.4, measured in a fresh process); tests/test_workbook_functions.py
    (``test_the_formulas_internals_load_builtins_relies_on``) fails when formulas changes them."""
    import formulas.functions as ff

    folder = os.path.dirname(ff.__file__)
    keys: dict[str, set[str]] = {}
    for mod in ff.SUBMODULES:
        try:
            with open(os.path.join(folder, mod.lstrip(".") + ".py"), encoding="utf-8") as fh:
                keys[mod] = {k.upper() for k in BUILTIN_KEYS.findall(fh.read())}
        except OSError:
            keys[mod] = set()
    wanted = {n for n in names if not n.startswith("NQP_") and n not in ("INDEX", OMITTED)}
    need = [m for m in ff.SUBMODULES if keys[m] & wanted]
    if any(not any(n in k for k in keys.values()) for n in wanted - {"ARRAY", "ARRAYROW"}):
        need = list(ff.SUBMODULES)
    light = ".stat" in need and ".stat" not in LOADED and keys[".stat"] & wanted <= set(LIGHT_STAT)
    if light:  # the template's MAX and COUNT: not worth scipy.stats
        need.remove(".stat")
    if ff.get_functions.cache_info().currsize == 0:
        saved = list(ff.SUBMODULES)
        try:
            ff.SUBMODULES[:] = need
            table = ff.get_functions()
        finally:
            ff.SUBMODULES[:] = saved
    else:
        table = ff.get_functions()
    if light:
        table.update({k: v for k, v in light_stat().items() if k not in table})
    for mod in need:
        if mod not in LOADED:
            table.update(importlib.import_module(mod, ff.__name__).FUNCTIONS)
            LOADED.add(mod)
    return table


LOADED: set[str] = set()
LIGHT_STAT = ("MAX", "MIN", "COUNT", "COUNTA")


def light_stat() -> dict[str, Callable]:
    """MAX, MIN, COUNT and COUNTA exactly as ``formulas.functions.stat`` defines them (its
    ``xfunc`` over the package's own helpers), without importing that module: it imports
    scipy.stats and scipy.interpolate when loaded, 1.05-1.1 s of every refresh whose workbook
    needs no other statistical function (measured, formulas 1.3.4).  A workbook that does loads
    the module.  The one use of formulas' private ``_convert_args``;
    ``test_light_statistics_answer_as_the_formulas_package_does`` fails when it changes."""
    from formulas.functions import _convert_args, flatten, is_not_empty, is_number, raise_errors, wrap_func

    def xfunc(*args, func=max, check=is_number, default=0, _raise=True):
        _raise and raise_errors(args)
        it = flatten(map(_convert_args, args), check=check)
        return func(list(it) or ([] if default is None else [default]))

    return {
        "MAX": wrap_func(xfunc),
        "MIN": wrap_func(functools.partial(xfunc, func=min)),
        "COUNT": wrap_func(functools.partial(xfunc, func=len, _raise=False, default=None,
                                             check=functools.partial(is_number, xl_return=False))),
        "COUNTA": wrap_func(functools.partial(xfunc, check=is_not_empty, func=len, _raise=False, default=None)),
    }


def function_names(texts) -> set[str]:
    """Upper-case names of the functions called in formula texts."""
    out: set[str] = set()
    for t in texts:
        out |= formula_text.function_names(t)
    return out


def register(functions: dict[str, Callable], used: set[str] | None = None) -> dict[str, Callable]:
    """Hand ``functions`` (name -> UDF, see :func:`nqp_functions`) and the built-ins ``used`` to ``formulas``."""
    from formulas.functions import FUNCTIONS, get_functions, wrap_func

    table = load_builtins(used) if used is not None else get_functions()  # cached by formulas: register in both
    corrected = fixes(used)  # built-ins formulas answers differently from Excel (excel_fixes.py)
    if "CHOOSE" in table and not getattr(table["CHOOSE"], "vectorised", False):
        corrected["CHOOSE"] = vectorised_choose(table["CHOOSE"])
    for target in (FUNCTIONS, table):
        for name, f in functions.items():
            target[name.upper()] = wrap_func(udf_adapter(name, f))
        target["INDEX"] = wrap_func(remembered("INDEX", excel_index))
        target[OMITTED] = lambda *a: OMITTED_VALUE
        target.update(corrected)
    for name, f in functions.items():
        REGISTERED[name.upper()] = f
    return functions


def vectorised_choose(original: Callable) -> Callable:
    """CHOOSE with an array of whole-number positions over array choices (the Overview's
    ``CHOOSE({1,2,3}, regions, years, index)`` over 20,000 rows) in one ``np.choose`` rather than
    formulas' Python call per cell (0.7 s of a county refresh); every other call, and any answer
    holding a NaN (formulas turns it into #NUM!), is formulas' own."""
    from formulas.functions import Array

    def choose(index, *values):
        try:
            idx = np.asarray(index, dtype=object)
            choices = [np.asarray(v, dtype=object) for v in values]
            shape = np.broadcast_shapes(idx.shape, *(c.shape for c in choices))
        except (ValueError, TypeError):
            return original(index, *values)
        if not 0 < len(values) <= 32 or int(np.prod(shape)) < 10_000:
            return original(index, *values)
        at = idx.ravel().tolist()
        if not all(type(v) in (int, float) and v == int(v) and 1 <= v <= len(values) for v in at):
            return original(index, *values)
        k = np.array([int(v) - 1 for v in at], dtype=np.intp).reshape(idx.shape)
        out = np.choose(np.broadcast_to(k, shape), [np.broadcast_to(c, shape) for c in choices])
        if any(type(v) is float and v != v for v in out.ravel().tolist()):
            return original(index, *values)
        return np.asarray(out, dtype=object).view(Array)

    choose.vectorised, choose.original = True, original  # type: ignore[attr-defined]
    return choose


def unknown_function(name: str) -> Callable:
    """An NQP_ function the UDF module does not define answers #NAME?, as in Excel."""
    def stub(*args):
        from formulas.tokens.operand import XlError

        return XlError("#NAME?")

    stub.__name__ = name
    return stub
