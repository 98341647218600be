"""nqp_xl.geodetector against tests/oracles/geodetector_reference.py (PyPI geodetector 0.2.0 and
the published formulas by hand)."""
from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np
import pytest

from nqp_xl.errors import NQPError
from nqp_xl.geodetector import geodetector, interaction_type

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "udfs"))
import nqp_udfs  # noqa: E402

FIX = Path(__file__).parent / "fixtures" / "geodetector"
DATA = Path(__file__).parent / "fixtures" / "data"
ZONES = ["East"] * 10 + ["Central"] * 6 + ["West"] * 12 + ["Northeast"] * 3


def _read(path, encoding="utf-8"):
    with open(path, encoding=encoding) as fh:
        return list(csv.reader(fh))


def _disease():
    rows = _read(FIX / "disease.csv", "utf-8-sig")
    y = [[rows[0][0]]] + [[float(r[0])] for r in rows[1:]]
    factors = [rows[0][1:]] + [[float(v) for v in r[1:]] for r in rows[1:]]
    return y, factors


def test_disease_matches_the_geodetector_package():
    y, factors = _disease()
    res = geodetector(y, factors)  # 5, 9 and 7 codes, at most min(20, sqrt(185)) = 13: each its own class
    expect = _read(FIX / "disease_factor.csv")[1:]
    assert list(res.names) == [r[0] for r in expect]
    np.testing.assert_allclose(res.q, [float(r[1]) for r in expect], rtol=1e-8)
    np.testing.assert_allclose(res.p, [float(r[2]) for r in expect], rtol=1e-8)
    pairs = _read(FIX / "disease_interaction.csv")[1:]
    for (i, j, q12, kind), row in zip(res.pairs, pairs):
        assert (res.names[i], res.names[j]) == (row[0], row[1])
        assert q12 == pytest.approx(float(row[2]), rel=1e-8) and kind == row[3]


def test_province_k_means_strata_and_a_text_factor():
    rows = _read(DATA / "province_2022.csv")
    head = rows[0]
    col = {n: j for j, n in enumerate(head)}
    y = [["hitech_revenue"]] + [[float(r[col["hitech_revenue"]])] for r in rows[1:]]
    factors = [["rd_intensity", "gov_education_spending", "zone"]] + [
        [float(r[col["rd_intensity"]]), float(r[col["gov_education_spending"]]), z] for r, z in zip(rows[1:], ZONES)]
    res = geodetector(y, factors, 4)
    strata = np.array([[int(v) for v in r[1:]] for r in _read(FIX / "province_strata.csv")[1:]])
    for f in range(3):  # the same partition (codes may be numbered differently)
        pairs = set(zip(res.strata[f].tolist(), strata[:, f].tolist()))
        assert len(pairs) == len(set(strata[:, f])) == len(set(res.strata[f].tolist()))
    expect = _read(FIX / "province_factor.csv")[1:]
    np.testing.assert_allclose(res.q, [float(r[1]) for r in expect], rtol=1e-8)
    np.testing.assert_allclose(res.p, [float(r[2]) for r in expect], rtol=1e-8)
    for (i, j, q12, kind), row in zip(res.pairs, _read(FIX / "province_interaction.csv")[1:]):
        assert q12 == pytest.approx(float(row[2]), rel=1e-8) and kind == row[3]
    out = nqp_udfs.NQP_GEODETECTOR(y, factors, 4, "zh")
    assert out[0] == ["探测因子", "q 值", "P 值", "分层数"] and out[1][3] == 4.0 and out[3][3] == 4.0
    assert out[5] == ["因子 1", "因子 2", "交互 q(X1∩X2)", "交互作用类型"] and out[6][3] == "双因子增强"


def test_coded_numbers_stay_classes_and_continuous_ones_are_cut():
    rng = np.random.default_rng(3)
    y = [["y"]] + [[float(v)] for v in rng.normal(size=100)]
    codes = rng.integers(1, 10, size=100)  # 9 codes <= min(20, sqrt(100)) = 10
    cont = rng.normal(size=100)
    res = geodetector(y, [["code", "cont"]] + [[float(a), float(b)] for a, b in zip(codes, cont)], 4)
    assert res.strata[0].max() + 1 == 9 and res.strata[1].max() + 1 == 4


def test_interaction_types():
    assert interaction_type(0.3, 0.4, 0.2) == "Nonlinear-weaken"
    assert interaction_type(0.3, 0.4, 0.35) == "Uni-weaken"
    assert interaction_type(0.3, 0.4, 0.5) == "Bi-enhance"
    assert interaction_type(0.3, 0.4, 0.7) == "Independent"
    assert interaction_type(0.3, 0.4, 0.8) == "Nonlinear-enhance"


def test_blank_factor_rows_drop_out_listwise():
    y, factors = _disease()
    full = geodetector(y[:60], factors[:60], 10)  # k = 10 keeps the 9 codes of 59 rows as classes
    y2 = y[:60] + [[5.0]]
    f2 = factors[:60] + [[None, 1.0, 1.0]]
    res = geodetector(y2, f2, 10)
    assert res.n == full.n == 59
    np.testing.assert_allclose(res.q, full.q, rtol=1e-12)


@pytest.mark.parametrize("y, factors, words", [
    ([["y"], [1], [2]], [["x"], ["a"], ["b"]], "at least 3 rows"),
    ([["y"], [1], [1], [1]], [["x"], ["a"], ["b"], ["a"]], "constant"),
    ([["y"], [1], [2], [3]], [["x"], ["a"], ["a"], ["a"]], 'factor "x" has one class'),
    ([["y"], [1], [2], [3]], [["x"], ["a"], ["b"]], "same height"),
    ([["y"], [1], ["t"], [3]], [["x"], ["a"], ["b"], ["a"]], "row 3"),
])
def test_bad_input(y, factors, words):
    with pytest.raises(NQPError) as err:
        geodetector(y, factors)
    assert words in str(err.value)
    assert nqp_udfs.NQP_GEODETECTOR(y, factors).startswith("#NQP! ")
