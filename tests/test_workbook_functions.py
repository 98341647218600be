"""The engine's function layer: answers kept by content in the one cache, ranges converted once, and the
light MAX/MIN/COUNT/COUNTA that spare a refresh the import of scipy.stats."""
from __future__ import annotations

import numpy as np
import pytest
import schedula as sh
from formulas.tokens.operand import XlError

from nqp_xl import cache
from nqp_xl.workbook.engine import functions
from nqp_xl.workbook.ooxml.sheet import Sheet
from nqp_xl.workbook.ooxml.sheet_write import sheet_xml


@pytest.fixture(autouse=True)
def _fresh():
    cache.clear()
    yield
    cache.clear()


def test_a_repeated_call_with_the_same_arguments_is_computed_once():
    calls = []

    def twice(a, k):
        calls.append(k)
        return np.asarray(a, dtype=object) * 2

    f = functions.remembered("TWICE", twice)
    data = np.array([[1.0, 2.0], [3.0, 4.0]], dtype=object)
    first = f(data, 1.0)
    assert f(data, 1.0) is first and calls == [1.0]
    f(data, 2.0)  # another scalar
    assert f(data.copy(), 1.0) is first  # equal content, another array: the same answer
    assert calls == [1.0, 2.0]
    changed = data.copy()
    changed[1, 1] = 5.0
    f(changed, 1.0)  # one cell differs: computed
    logical = data.copy()
    logical[0, 0] = True  # == 1.0, but a logical value: computed
    f(logical, 1.0)
    assert calls == [1.0, 2.0, 1.0, 1.0]
    one_cell = np.array([[5.0]], dtype=object)
    f(one_cell, 1.0)
    f(np.array([[5.0]], dtype=object), 1.0)  # a one-cell range is known by its value
    assert calls == [1.0, 2.0, 1.0, 1.0, 1.0]
    cache.clear()
    f(data, 1.0)
    assert calls == [1.0, 2.0, 1.0, 1.0, 1.0, 1.0]


def test_arrays_made_and_dropped_never_answer_for_one_another():
    f = functions.remembered("ID", lambda a: float(np.asarray(a, dtype=float).sum()))
    for i in range(50):  # keys are content, not ids: a reused id cannot bring back another answer
        assert f(np.full((3, 3), float(i), dtype=object)) == 9.0 * i


def test_a_refresh_owns_the_cache():
    cache.cached(("before",), lambda: 1)
    with cache.owned(max_entries=200):
        assert ("before",) not in cache._store  # a refresh starts empty ...
        for i in range(150):  # ... and keeps more than a UDF process does
            cache.cached(("call", i), lambda: i)
        assert len(cache._store) == 150
    assert not cache._store  # ... and ends empty


def test_a_range_is_converted_once_and_each_caller_gets_its_own_copy():
    arr = np.array([[sh.EMPTY, 1.0], ["x", True]], dtype=object)
    rows = functions.udf_rows(arr)
    assert rows == [[None, 1.0], ["x", True]]
    assert functions.udf_rows(arr) is rows
    seen = []
    adapter = functions.udf_adapter("NQP_T", lambda data: seen.append(data) or data.pop())
    adapter(arr)
    adapter(arr)  # remembered: not called again
    assert len(seen) == 1 and functions.udf_rows(arr) == [[None, 1.0], ["x", True]]  # the change stayed local


@pytest.mark.parametrize("name", functions.LIGHT_STAT)
@pytest.mark.parametrize("args", [
    (np.array([[1.0, "a", True], [sh.EMPTY, -2.5, 7.0]], dtype=object),),
    (np.array([[sh.EMPTY, "b"]], dtype=object),),
    (np.array([[1.0, XlError("#N/A")]], dtype=object), 3.0),
    (4.0, np.array([[2.0], [9.0]], dtype=object), "x"),
])
def test_light_statistics_answer_as_the_formulas_package_does(name, args):
    from formulas.functions import stat

    def shown(v):
        v = np.asarray(v, dtype=object).ravel().tolist() if isinstance(v, np.ndarray) else [v]
        return [str(x) if isinstance(x, XlError) else x for x in v]

    assert shown(functions.light_stat()[name](*args)) == shown(stat.FUNCTIONS[name](*args))


def test_set_area_is_set_for_every_cell_but_the_anchor():
    xml = (b'<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><sheetData>'
           b'<row r="2"><c r="B2"><f>1+1</f><v>2</v></c><c r="C2"><v>5</v></c></row>'
           b'<row r="3"><c r="C3"><f>7</f><v>7</v></c></row></sheetData></worksheet>')
    a, b = Sheet("S", "s.xml", xml, []), Sheet("S", "s.xml", xml, [])
    block = [[None, 1.0, "t"], [2.0, None, 3.0]]
    a.set_area(2, 2, block)
    for i, r in enumerate(block):
        for j, v in enumerate(r):
            if (i, j) != (0, 0):
                b.set(2 + i, 2 + j, v, keep_formula=False)
    assert a.values == b.values and a.dirty == b.dirty
    assert set(a.formula_cells) == set(b.formula_cells) == {(2, 2)}
    assert (a.first_row, a.first_col, a.last_row, a.last_col) == (b.first_row, b.first_col, b.last_row, b.last_col)
    assert sheet_xml(a) == sheet_xml(b)


# --------------------------------------------------------------------------- argument shapes

def test_range_arguments_are_read_from_xlwings_own_record_when_it_exists():
    def f(data, k=None):
        return data

    f.__xlfunc__ = {"args": [{"name": "data", "options": {"ndim": 2, "raw": True}}, {"name": "k", "options": {}}]}
    assert functions.range_params(f) == {"data"}


def test_a_function_without_xlwings_record_has_no_range_arguments():
    """Without ``__xlfunc__`` (a plain function, or ``xw.arg`` off Windows without ``@nqp_udf``)
    every argument arrives as a value: a one-cell range is that cell, never a list of rows."""
    def NQP_PROBE(values, k=None):
        return [[type(values).__name__, type(k).__name__]]

    assert functions.range_params(NQP_PROBE) == frozenset()
    cache.clear()
    adapter = functions.udf_adapter("NQP_PROBE", NQP_PROBE)
    one, two = np.array([[2.0]], dtype=object), np.array([[3.0]], dtype=object)
    assert np.asarray(adapter(one, two)).tolist() == [["float", "float"]]


def test_every_nqp_function_declares_its_ranges():
    """The registry's shapes are the UDFs' own declarations: every data-like parameter is one."""
    import nqp_udfs

    ranges = {n: functions.range_params(f) for n, f in functions.nqp_functions(nqp_udfs).items()}
    assert ranges["NQP_KMO"] == {"data"} and ranges["NQP_GINI"] == {"values", "groups", "by"}
    assert ranges["NQP_COUPLING"] >= {"systems", "weights"}


def test_the_formulas_internals_load_builtins_relies_on():
    """load_builtins (the one place that edits ``formulas.functions.SUBMODULES`` and reads the
    submodules' sources) saves about 1.1 s of every refresh; this fails when formulas changes
    what it relies on: every key read from a submodule's source is in that submodule's
    FUNCTIONS, and get_functions builds its table from SUBMODULES as they stand when first called."""
    import importlib
    import os
    import subprocess
    import sys

    import formulas.functions as ff

    folder = os.path.dirname(ff.__file__)
    assert isinstance(ff.SUBMODULES, list) and ".stat" in ff.SUBMODULES and hasattr(ff.get_functions, "cache_info")
    for mod in ff.SUBMODULES:
        with open(os.path.join(folder, mod.lstrip(".") + ".py"), encoding="utf-8") as fh:
            read = {k.upper() for k in functions.BUILTIN_KEYS.findall(fh.read())}
        assert read and read <= {k.upper() for k in importlib.import_module(mod, ff.__name__).FUNCTIONS}, mod
    probe = ("import sys, formulas.functions as ff\n"
             "from nqp_xl.workbook.engine.functions import load_builtins\n"
             "table = load_builtins({'IF', 'SUM'})\n"
             "print('IF' in table, 'SUM' in table, 'formulas.functions.stat' in sys.modules, len(ff.SUBMODULES))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout.split()
    assert out == ["True", "True", "False", str(len(ff.SUBMODULES))]


def test_vectorised_choose_answers_as_formulas_does():
    from formulas.functions import Array, get_functions

    registered = get_functions()["CHOOSE"]
    original = getattr(registered, "original", registered)  # formulas' own, even after a refresh registered ours
    calls = []
    fast = functions.vectorised_choose(lambda *a: calls.append(1) or original(*a))
    n = 5000
    regions = np.array([[f"R{i}"] for i in range(n)], dtype=object).view(Array)
    years = np.array([[2000.0 + i % 9] for i in range(n)], dtype=object).view(Array)
    index = np.array([[float(i) if i % 7 else sh.EMPTY] for i in range(n)], dtype=object).view(Array)
    cases = [
        (np.array([[1.0, 2.0, 3.0]], dtype=object).view(Array), regions, years, index),   # the Overview's
        (np.array([[3.0, 1.0]], dtype=object).view(Array), regions, years, index),
        (np.array([[1.0, 4.0]], dtype=object).view(Array), regions, years, index),        # out of range: formulas'
        (2.0, regions, years),                                                             # small: formulas'
    ]
    nan = np.array([[float("nan")]] * n, dtype=object).view(Array)
    cases.append((np.array([[1.0, 2.0]], dtype=object).view(Array), regions, nan))         # NaN: formulas' #NUM!
    for i, args in enumerate(cases):
        assert repr(np.asarray(fast(*args)).tolist()) == repr(np.asarray(original(*args)).tolist())
        assert len(calls) == (0 if i < 2 else i - 1)  # the first two in one np.choose, the rest formulas'
    assert np.asarray(fast(*cases[0])).shape == (n, 3)
