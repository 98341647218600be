"""The UDFs' shared layout helpers: aligned and per-indicator answers made with one
``tolist()`` of a numeric block, blanks by index, and never a NaN or inf shown."""
from __future__ import annotations

import numpy as np
import pytest

import nqp_udfs
from nqp_xl import excel_answer as u
from nqp_xl.table import check_table

ROWS = [["unit", "a", "b"], ["p", 1.0, 2.0], ["q", None, 3.0], ["r", 4.0, 1.0], ["s", 5.0, "#N/A"],
        ["t", 2.0, 2.5]]


def test_cells_with_text_columns_and_left_out_rows():
    t = check_table(ROWS)
    out = u.cells(t, np.column_stack([t.values[:, 0], t.values[:, 1] * 2]), ["A", "B", "G", "H"],
                  [["g1", "g2", "g3"], ["h1", "h2", "h3"]])
    assert out == [["A", "B", "G", "H"], [1.0, 4.0, "g1", "h1"], [None] * 4, [4.0, 2.0, "g2", "h2"],
                   [None] * 4, [2.0, 5.0, "g3", "h3"]]
    assert all(type(v) is float for r in out[1:] if r[0] is not None for v in r[:2])
    assert isinstance(u.plain(out), list) and type(u.plain(out)) is list


def test_cells_without_a_header_row():
    t = check_table([r[1:] for r in ROWS[1:]])
    assert u.cells(t, t.values[:, 1]) == [[2.0], [None], [1.0], [None], [2.5]]


def test_per_indicator_rows():
    out = u.per_indicator(("a", "b"), np.array([[0.5, 1.0], [0.25, 2.0]]), ["Indicator", "W", "X"])
    assert out == [["Indicator", "W", "X"], ["a", 0.5, 1.0], ["b", 0.25, 2.0]]
    assert u.per_indicator(("a",), np.array([3.0])) == [["a", 3.0]]


@pytest.mark.parametrize("bad", [np.nan, np.inf, -np.inf])
def test_a_non_finite_result_is_refused_not_shown(bad):
    t = check_table(ROWS)
    block = t.values[:, 0].copy()
    block[1] = bad
    with pytest.raises(FloatingPointError):
        u.cells(t, block)
    with pytest.raises(FloatingPointError):
        u.cells(t, block, text_cols=[["x", "y", "z"]])
    with pytest.raises(FloatingPointError):
        u.per_indicator(("a", "b", "c"), block)
    answer = u.answer(lambda: u.cells(t, block), "NQP_TEST")
    assert answer.startswith("#NQP! NQP_TEST could not compute a finite result")


def test_weights_and_variance_layouts_hold_plain_cells():
    rng = np.random.default_rng(2)
    x = rng.normal(size=(60, 5)) + np.arange(5)
    rows = [["unit"] + [f"x{j}" for j in range(5)]] + [[f"u{i}"] + r for i, r in enumerate(x.tolist())]
    w = nqp_udfs.NQP_WEIGHTS(rows)
    assert w[0] == ["Indicator", "Weight", "Entropy e", "Redundancy d"]
    assert [r[0] for r in w[1:]] == [f"x{j}" for j in range(5)]
    assert all(type(v) is float for r in w[1:] for v in r[1:])
    assert abs(sum(r[1] for r in w[1:]) - 1) < 1e-12
    v = nqp_udfs.NQP_VARIANCE(rows, 2)
    assert len(v) == 6 and all(len(r) == 10 for r in v)
    assert v[1][4] is not None and v[3][4] is None and v[3][7] is None  # blank past the kept factors
    assert all(c is None or type(c) is float for r in v[1:] for c in r)


def test_a_failed_inner_answer_is_passed_on_not_reported_as_no_complete_row():
    """NQP_RANK(INDEX(NQP_INDEX(...),0,1), ...) over data with a text cell: the outer function
    repeats the inner message (naming the cell), as Excel passes an error on; an argument that
    is a single Excel error (INDEX of a failed answer gives #REF!) is named as such."""
    import nqp_udfs as udf

    bad = udf.NQP_INDEX([["r", "a", "b"], ["x", 1, "暂缺"], ["y", 2, 3]])
    assert bad.startswith("#NQP! ") and "暂缺" in bad
    assert udf.NQP_RANK([[bad]], [[2020]], [["x"]]) == bad
    assert udf.NQP_PIVOT(bad, [[2020]]) == bad
    assert udf.NQP_COUPLING([[bad]]) == bad
    ref = udf.NQP_PIVOT([["#REF!"]], [[2020], [2021]])
    assert ref.startswith("#NQP! ") and "#REF!" in ref and "inner formula" in ref
    # a working call is untouched, and a failure of the outer function itself keeps its own message
    assert udf.NQP_PIVOT([[1.0], [2.0]], [[2020], [2021]])[1] == [2020.0, 1.0]
    own = udf.NQP_PIVOT([[1.0], [2.0]], [[2020]])
    assert own.startswith("#NQP! ") and "#REF!" not in own
