"""nqp_xl.rsr against the base-R oracle (tests/oracles/evaluation_reference.R)."""
from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np
import pytest

from nqp_xl.errors import NQPError
from nqp_xl.rsr import GRADE_CUTS, average_ranks, rank_sum_ratio

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "udfs"))
import nqp_udfs  # noqa: E402

FIX = Path(__file__).parent / "fixtures" / "evaluation"
DATA = Path(__file__).parent / "fixtures" / "data"
# Sun Zhenqiu (ed.), 医学统计学: maternal and child health of ten regions (RSR chapter example)
MCH = [["Region", "check", "maternal", "perinatal"]] + [list(r) for r in zip(
    "ABCDEFGHIJ",
    [99.54, 96.52, 99.36, 92.83, 91.71, 95.35, 96.09, 99.27, 94.76, 84.80],
    [60.27, 59.67, 43.91, 58.99, 35.40, 44.71, 49.81, 31.69, 22.91, 81.49],
    [16.15, 20.10, 15.60, 17.04, 15.01, 13.93, 17.43, 13.89, 19.87, 23.63])]


def _csv(name):
    with open(FIX / name, encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    return np.array([[float(v) for v in r] for r in rows[1:]])


def _province():
    with open(DATA / "province_2022.csv", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    return [rows[0][:8]] + [[r[0]] + [float(v) for v in r[1:8]] for r in rows[1:]]


@pytest.mark.parametrize("case, data, dirs", [
    ("mch", MCH, ["+", "-", "-"]),
    ("province", None, ["+", "+", "+", "+", "-", "+", "+"]),
])
def test_matches_r_oracle(case, data, dirs):
    res = rank_sum_ratio(data if data is not None else _province(), dirs)
    rows = _csv(f"rsr_{case}_rows.csv")
    np.testing.assert_allclose(res.rsr, rows[:, 0], rtol=1e-8)
    np.testing.assert_allclose(res.probit, rows[:, 1], rtol=1e-8)
    a, b, r2 = _csv(f"rsr_{case}_stats.csv")[0]
    assert res.a == pytest.approx(a, rel=1e-8) and res.b == pytest.approx(b, rel=1e-8)
    assert res.r_squared == pytest.approx(r2, rel=1e-8)


def test_grades_ranks_and_layout():
    res = rank_sum_ratio(MCH, ["+", "-", "-"])
    expect = np.where(res.probit >= 6, 1, np.where(res.probit >= 4, 2, 3))
    np.testing.assert_array_equal(res.grade, expect)
    five = rank_sum_ratio(MCH, ["+", "-", "-"], 5)
    assert five.cuts == GRADE_CUTS[5] and five.grade.max() <= 5
    out = nqp_udfs.NQP_RSR(MCH, [["+", "-", "-"]], "zh")
    assert out[0] == ["秩和比 RSR", "概率单位 Probit", "RSR 估计值", "排名", "等级"]
    assert out[8][3] == 1.0  # region H has the largest RSR
    assert out[-3][0] == "截距 a"
    np.testing.assert_array_equal(average_ranks(np.array([3.0, 1.0, 3.0, 2.0])), [3.5, 1, 3.5, 2])


@pytest.mark.parametrize("data, words", [
    ([["a", "b"], [1, 2], [2, 3]], "at least 3 complete rows"),
    ([["a", "b"], [1, 2], [1, 3], [1, 4]], 'indicator "a" is constant'),
    ([["a", "b"], [1, 2], [2, "x"], [3, 4]], "row 3, column B"),
])
def test_bad_input(data, words):
    with pytest.raises(NQPError) as err:
        rank_sum_ratio(data)
    assert words in str(err.value)
    assert nqp_udfs.NQP_RSR(data).startswith("#NQP! ")


def test_grades_argument_is_checked():
    assert "grades" in nqp_udfs.NQP_RSR(MCH, None, None, None, None, 7)
    assert len(nqp_udfs.NQP_RSR(MCH, None, None, None, None, 4)) == len(nqp_udfs.NQP_RSR(MCH))
