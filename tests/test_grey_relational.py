"""nqp_xl.grey_relational against a straightforward loop re-implementation of Deng's formulas."""
from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np
import pytest

from nqp_xl.errors import NQPError
from nqp_xl.grey_relational import grey_relational

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "udfs"))
import nqp_udfs  # noqa: E402

DATA = Path(__file__).parent / "fixtures" / "data"


def _province():
    with open(DATA / "province_2022.csv", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    return [rows[0][:6]] + [[r[0]] + [float(v) for v in r[1:6]] for r in rows[1:]]


def _by_hand(series, refs, rho):
    """series: list of lists (each compared with the ref of the same index); plain loops."""
    deltas = [[abs(a - b) for a, b in zip(s, r)] for s, r in zip(series, refs)]
    lo = min(min(d) for d in deltas)
    hi = max(max(d) for d in deltas)
    return [sum((lo + rho * hi) / (x + rho * hi) for x in d) / len(d) for d in deltas]


def _mm(col, sign):
    lo, hi = min(col), max(col)
    return [(x - lo) / (hi - lo) if sign > 0 else (hi - x) / (hi - lo) for x in col]


@pytest.mark.parametrize("rho", [0.5, 0.3, 1.0])
def test_rows_against_the_ideal(rho):
    rows = _province()
    dirs = ["+", "+", "-", "+", "+"]
    res = grey_relational(rows, None, rho, dirs)
    cols = [_mm([r[j] for r in rows[1:]], 1 if d == "+" else -1) for j, d in enumerate(dirs, 1)]
    per_row = [[c[i] for c in cols] for i in range(len(rows) - 1)]
    expect = _by_hand(per_row, [[1.0] * 5] * len(per_row), rho)
    np.testing.assert_allclose(res.degree, expect, rtol=1e-12)
    out = nqp_udfs.NQP_GREY(rows, None, rho, [dirs])
    assert out[0] == ["Grey relational degree", "Rank"] and len(out) == len(rows)
    best = int(np.argmax(expect))
    assert out[best + 1][1] == 1.0


def test_indicators_against_a_reference_column_and_a_range():
    rows = _province()
    res = grey_relational(rows, "rd_personnel_fte")
    ref = _mm([r[1] for r in rows[1:]], 1)
    cols = [_mm([r[j] for r in rows[1:]], 1) for j in range(2, 6)]
    expect = _by_hand(cols, [ref] * 4, 0.5)
    np.testing.assert_allclose(res.degree, expect, rtol=1e-12)
    assert res.names == tuple(rows[0][2:6])
    # the same reference as a range beside the data (the other columns only)
    beside = [[r[0], *r[2:6]] for r in rows]
    col = [["ref"]] + [[r[1]] for r in rows[1:]]
    np.testing.assert_allclose(grey_relational(beside, col).degree, expect, rtol=1e-12)
    out = nqp_udfs.NQP_GREY(rows, "rd_personnel_fte", None, None, "zh")
    assert out[0] == ["指标", "灰色关联度", "排名"] and out[1][0] == "rd_expenditure"


@pytest.mark.parametrize("args, words", [
    (([["a", "b"], [1, 2]],), "at least 2 complete rows"),
    (([["a", "b"], [1, 2], [1, 3]],), 'indicator "a" is constant'),
    (([["a", "b"], [1, 2], ["x", 3]],), "row 3, column A"),
    (([["a", "b"], [1, 2], [2, 3], [3, 1]], "a", 1.5), "rho"),
    (([["a", "b"], [1, 2], [2, 3], [3, 1]], [["r"], [1], [1], [1]]), "constant"),
    (([["a", "b"], [1, 2], [2, 3], [3, 1]], [["r"], [1], [None], [1]]), "blank"),
    (([["a", "b"], [1, 2], [2, 3], [3, 1]], [["rd"]]), 'reference "rd" is not a column name of data ("a", "b")'),
])
def test_bad_input(args, words):
    with pytest.raises(NQPError) as err:
        grey_relational(*args)
    assert words in str(err.value)
