"""NQP_SUBINDEX's range goes through the one conversion every other function shares, and
answers exactly what converting only the subsystems' columns answers."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import nqp_xl.table as table_module
from nqp_xl import cache
from nqp_xl.composite import composite_index
from nqp_xl.panel import subindices
from nqp_xl.table import check_table


def _county(n: int = 800, p: int = 30, seed: int = 4) -> list[list]:
    rng = np.random.default_rng(seed)
    x = 50 + 10 * rng.standard_normal((n, p)) + np.arange(p)
    return [["county"] + [f"x{j}" for j in range(p)]] + [[f"c{i}"] + r for i, r in enumerate(x.tolist())]


def _count_conversions(monkeypatch) -> list:
    calls = []
    real = table_module._from_rows
    monkeypatch.setattr(table_module, "_from_rows", lambda *a: calls.append(1) or real(*a))
    return calls


def test_a_range_whose_columns_all_belong_to_subsystems_is_converted_once(monkeypatch):
    rows = _county()
    subs = [[None] + ["A"] * 10 + ["B"] * 12 + ["C"] * 8]
    cache.clear()
    calls = _count_conversions(monkeypatch)
    whole = check_table(rows)
    again = [list(r) for r in rows]  # as xlwings hands the same range to the next formula
    res = subindices(again, subs)
    assert len(calls) == 1 and res.table is whole
    assert res.names == ["A", "B", "C"]
    for s, cols in zip(res.names, ([*range(10)], [*range(10, 22)], [*range(22, 30)])):
        expect = composite_index(np.array([r[1:] for r in rows[1:]])[:, cols]).index
        np.testing.assert_allclose(res.index[:, res.names.index(s)], expect, rtol=0, atol=1e-15)


def test_unnamed_columns_are_left_out_before_conversion():
    rows = _county(60, 6)
    rows[5][6] = None  # a blank in a column no subsystem uses: the row stays
    rows[7][6] = "n/a"  # text there too
    res = subindices(rows, [[None, "A", "A", "A", "B", "B", None]])
    assert res.table.keep.all() and res.table.names == ("x0", "x1", "x2", "x3", "x4")
    rows[5][2] = None  # a blank in a subsystem's indicator: the row drops out
    assert subindices(rows, [[None, "A", "A", "A", "B", "B", None]]).table.keep.sum() == 59


@pytest.mark.parametrize("with_blank", [False, True])
def test_whole_range_path_and_column_path_agree(with_blank):
    rows = _county(120, 8)
    if with_blank:
        rows[3][4] = None
    named = [[None] + ["A"] * 4 + ["B"] * 4]
    full = subindices(rows, named)
    # the same subsystems with one extra unused column appended take the column-by-column path
    wider = [r + [None if i else "spare"] for i, r in enumerate(rows)]
    part = subindices(wider, [named[0] + [None]])
    np.testing.assert_array_equal(full.table.keep, part.table.keep)
    np.testing.assert_allclose(full.index, part.index, rtol=0, atol=1e-15)


def test_a_dataframe_is_read_without_turning_it_into_rows(monkeypatch):
    rows = _county(200, 6)
    frame = pd.DataFrame(rows[1:], columns=rows[0]).set_index("county")
    import nqp_xl.panel as panel

    expect = subindices(rows, [[None] + ["A"] * 3 + ["B"] * 3]).index
    monkeypatch.setattr(panel, "range_rows", lambda *a: pytest.fail("rows made from the frame"))
    res = subindices(frame, [["A"] * 3 + ["B"] * 3])
    np.testing.assert_allclose(res.index, expect, rtol=0, atol=1e-15)
