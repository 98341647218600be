"""nqp_xl.grey_forecast (GM(1,1)) against the base-R oracle (tests/oracles/evaluation_reference.R)."""
from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np
import pytest

from nqp_xl.errors import NQPError
from nqp_xl.grey_forecast import gm11

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "udfs"))
import nqp_udfs  # noqa: E402

FIX = Path(__file__).parent / "fixtures" / "evaluation"
DATA = Path(__file__).parent / "fixtures" / "data"
LIU = [2.874, 3.278, 3.337, 3.390, 3.679]  # the series of the GM(1,1) example in Liu Sifeng et al., 灰色系统理论及其应用


def _csv(name):
    with open(FIX / name, encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    return rows[0], np.array([[float(v) for v in r] for r in rows[1:]])


def _beijing():
    with open(DATA / "panel_2016_2023.csv", encoding="utf-8") as fh:
        rows = [r for r in csv.DictReader(fh) if r["province_en"] == "Beijing"]
    return [float(r["rd_personnel_fte"]) for r in rows], [float(r["year"]) for r in rows]


@pytest.mark.parametrize("case", ["liu", "beijing"])
def test_matches_r_oracle(case):
    values, years = (LIU, None) if case == "liu" else _beijing()
    res = gm11([[v] for v in values], None if years is None else [[y] for y in years], 3)
    _, fitted = _csv(f"gm11_{case}_fitted.csv")
    np.testing.assert_allclose(np.concatenate([res.fitted, res.forecast]), fitted[:, 0], rtol=1e-8)
    _, stats = _csv(f"gm11_{case}_stats.csv")
    a, b, c, p = stats[0]
    assert res.a == pytest.approx(a, rel=1e-8) and res.b == pytest.approx(b, rel=1e-8)
    assert res.c_ratio == pytest.approx(c, rel=1e-8) and res.p_small_error == pytest.approx(p, rel=1e-12)


def test_liu_example_layout_and_grade():
    res = gm11([[v] for v in LIU])
    # |e|/x in percent, from the R oracle's fitted values (tests/fixtures/evaluation/gm11_liu_fitted.csv)
    _, fitted = _csv("gm11_liu_fitted.csv")
    np.testing.assert_allclose(100 * res.relative_errors, 100 * np.abs(np.array(LIU) - fitted[:5, 0]) / LIU,
                               rtol=1e-7, atol=1e-12)
    assert res.grade == 1  # C = 0.21 <= 0.35, P = 1 >= 0.95
    rows = nqp_udfs.NQP_GM11([[v] for v in LIU], None, 2, "zh")
    assert rows[0][0] == "年份" and rows[6] == [6.0, "", pytest.approx(res.forecast[0]), "", ""]
    assert rows[-1] == ["等级", "一级（好）", "", "", ""]
    assert rows[-2][0] == "小误差概率 P"


def test_grades_follow_the_worse_of_c_and_p():
    from nqp_xl.grey_forecast import GM11

    res = gm11([[v] for v in [1, 3, 2, 5, 3, 8, 4]])
    gc = 1 if res.c_ratio <= .35 else 2 if res.c_ratio <= .5 else 3 if res.c_ratio <= .65 else 4
    gp = 1 if res.p_small_error >= .95 else 2 if res.p_small_error >= .8 else 3 if res.p_small_error >= .7 else 4
    assert res.grade == max(gc, gp) and res.grade > 1
    assert isinstance(res, GM11)


@pytest.mark.parametrize("values, years, words", [
    ([[1], [2], [3]], None, "at least 4 values"),
    ([[1], [2], [0], [4]], None, "positive"),
    ([[1], [2], [-3], [4]], None, "-3 at row 3"),
    ([[1], [2], [None], [4], [5]], None, "unbroken"),
    ([[1], [2], ["x"], [4], [5]], None, "row 3"),
    ([[1], [2], [3], [4]], [[2001], [2002], [2004], [2005]], "2002 is followed by 2004"),
    ([[2], [2], [2], [2]], None, "constant"),
])
def test_bad_input(values, years, words):
    with pytest.raises(NQPError) as err:
        gm11(values, years)
    assert words in str(err.value)
    assert nqp_udfs.NQP_GM11(values, years).startswith("#NQP! ")


def test_published_example_dry_bulk_fleet_printed_digits():
    """A published worked example, pinned to its printed digits: 《国际干散货航运市场船舶运力的预测
    以及浅析》 (international dry-bulk fleet capacity, 17 years), its GM(1,1) steps as reproduced
    with its Table 2 at https://mtoou.info/tubiao/992967.html.  Printed: the accumulated series
    X(1) = {2.86, 5.80, ..., 89.08} (so X(0) its first differences), a = -0.0749, b = 2.5948,
    X(1)(k+1) = 37.5035 e^(0.0749 k) - 34.6435 (from the rounded a and b: 2.5948 / 0.0749 =
    34.6435, 2.86 + 34.6435 = 37.5035), P = 1, grade good (P > 0.95, C < 0.35).  Its C = 0.209574
    is not ours (0.199864): the paper's two standard deviations are not the population ones over
    all n points that Liu Sifeng's test uses (its printed Sc is garbled in the reproduction), so C
    is checked only against the grade's bound, and against the R oracle above."""
    x1 = [2.86, 5.80, 8.81, 12.02, 15.46, 19.13, 23.05, 27.24, 31.86, 37.27, 43.48, 50.35, 57.62, 65.20,
          72.97, 80.91, 89.08]
    x0 = [round(b - a, 2) for a, b in zip([0.0] + x1[:-1], x1)]
    res = gm11([[v] for v in x0])
    assert round(res.a, 4) == -0.0749 and round(res.b, 4) == 2.5948
    a, b = round(res.a, 4), round(res.b, 4)  # the paper's model constants come from the rounded coefficients
    assert round(-b / a, 4) == 34.6435 and round(x0[0] - b / a, 4) == 37.5035
    np.testing.assert_allclose(np.cumsum(x0), x1, atol=1e-9)  # the printed X(1) is the series given
    assert res.p_small_error == 1.0 and res.c_ratio < 0.35 and res.grade == 1
