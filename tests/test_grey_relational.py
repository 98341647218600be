"""nqp_xl.grey_relational against a loop re-implementation of Deng's formulas and a published worked example."""
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


# A published worked example, evaluation use (each row against the ideal row, min-max by direction,
# the two-level Δmin/Δmax over the whole table, ρ = 0.5): the example printed in the documentation
# of the grey relational function `grey` of the Julia package JMcDM (M. H. Satman, B. F. Yıldırım,
# E. Kuruca, "JMcDM: A Julia package for multiple-criteria decision-making tools", Journal of Open
# Source Software, 2021), read at github.com/jbytecode/JMcDM, src/grey.jl (docstring) and
# test/mcdm/testgra.jl.  The reference given there is the book co-edited by the second author:
# Yıldırım, B. F. & Önder, E. (eds.), "Çok Kriterli Karar Verme Yöntemleri", Dora, 2nd ed. 2015,
# ISBN 978-605-9929-44-8 (we could not read the book itself).  Five
# candidates, six criteria, weights w; the printed numbers are the w-weighted grades.  NQP_GREY
# averages ξ with equal weights, so the test weights our coefficients ξ itself.
YILDIRIM_ONDER = {
    "K1": [105000.0, 120000, 150000, 115000, 135000],
    "K2": [105.0, 110, 120, 105, 115],
    "K3": [10.0, 15, 12, 20, 15],
    "K4": [4.0, 4, 3, 4, 5],
    "K5": [300.0, 500, 550, 600, 400],
    "K6": [10.0, 8, 12, 9, 9],
}
YILDIRIM_ONDER_DIRECTIONS = ["-", "+", "-", "+", "+", "-"]  # JMcDM: minimum, maximum, minimum, maximum, maximum, minimum
YILDIRIM_ONDER_WEIGHTS = [0.05, 0.20, 0.10, 0.15, 0.10, 0.40]
YILDIRIM_ONDER_GRADES = [0.525, 0.7007142857142857, 0.5464285714285715, 0.5762820512820512, 0.650952380952381]


def test_jmcdm_published_example_printed_digits():
    names = list(YILDIRIM_ONDER)
    rows = [["Candidate", *names]] + [[f"A{i + 1}", *(YILDIRIM_ONDER[k][i] for k in names)] for i in range(5)]
    res = grey_relational(rows, None, 0.5, YILDIRIM_ONDER_DIRECTIONS, id_cols=1)
    grades = res.coefficients @ np.array(YILDIRIM_ONDER_WEIGHTS)
    # the docstring prints 16 significant digits (compare at half a unit of the last place); the
    # package's own test checks them at 1e-4, i.e. four decimals
    np.testing.assert_allclose(grades, YILDIRIM_ONDER_GRADES, rtol=0, atol=5e-15)
    np.testing.assert_array_equal(np.round(grades, 4), np.round(YILDIRIM_ONDER_GRADES, 4))
    assert int(np.argmax(grades)) == 1  # the book's best candidate, A2
    # the equal-weight degree NQP_GREY reports is the plain mean of the same coefficients
    np.testing.assert_allclose(res.degree, res.coefficients.mean(axis=1), rtol=1e-15)
    assert res.coefficients.min() == pytest.approx(1 / 3) and res.coefficients.max() == 1.0
