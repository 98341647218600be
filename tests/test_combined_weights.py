"""NQP_WEIGHTS(..., "combined"): subjective (e.g. AHP) with entropy weights by product or alpha-mixing."""
from __future__ import annotations

import csv
import sys
from pathlib import Path

import numpy as np
import pytest

from nqp_xl.ahp import ahp
from nqp_xl.combined_weights import combined_weights
from nqp_xl.composite import entropy_weights
from nqp_xl.errors import NQPError

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "udfs"))
import nqp_udfs  # noqa: E402

DATA = Path(__file__).parent / "fixtures" / "data"


def _province():
    with open(DATA / "province_2022.csv", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    return [rows[0][:5]] + [[r[0]] + [float(v) for v in r[1:5]] for r in rows[1:]]


S = [0.4, 0.3, 0.2, 0.1]


def test_product_and_mix_rules():
    data = _province()
    e = entropy_weights(data).weights
    prod = combined_weights(data, "combined", subjective=[S]).weights
    np.testing.assert_allclose(prod, np.array(S) * e / (np.array(S) * e).sum(), rtol=1e-12)
    np.testing.assert_allclose(combined_weights(data, "combined:product", subjective=[S]).weights, prod, rtol=0)
    mix = combined_weights(data, "combined:0.3", subjective=[S]).weights
    np.testing.assert_allclose(mix, 0.3 * np.array(S) + 0.7 * e, rtol=1e-12)
    np.testing.assert_allclose(combined_weights(data, "combined:mix", subjective=[S], alpha=0.3).weights, mix, rtol=0)
    np.testing.assert_allclose(combined_weights(data, "combined", subjective=[S], alpha=0.3).weights, mix, rtol=0)
    np.testing.assert_allclose(combined_weights(data, "combined:mix", subjective=[S]).weights,
                               0.5 * np.array(S) + 0.5 * e, rtol=1e-12)


def test_ahp_answer_feeds_subjective_by_name():
    data = _province()
    names = data[0][1:]
    matrix = [[None, *names]] + [[n, *row] for n, row in zip(names, [[1, 2, 3, 4], [1 / 2, 1, 2, 3],
                                                                     [1 / 3, 1 / 2, 1, 2], [1 / 4, 1 / 3, 1 / 2, 1]])]
    answer = nqp_udfs.NQP_AHP(matrix)
    reordered = [answer[0], answer[3], answer[1], answer[4], answer[2], *answer[5:]]  # order and extra rows don't matter
    out = nqp_udfs.NQP_WEIGHTS(data, "combined", None, "zh", None, None, None, reordered)
    assert out[0] == ["指标", "权重", "主观权重", "熵值法权重"]
    np.testing.assert_allclose([r[2] for r in out[1:]], ahp(matrix).weights, rtol=1e-12)
    assert sum(r[1] for r in out[1:]) == pytest.approx(1.0, rel=1e-12)


@pytest.mark.parametrize("method, subjective, alpha, words", [
    ("combined", None, None, "needs subjective weights"),
    ("combined", [[0.5, 0.5]], None, "2 numbers but there are 4 indicators"),
    ("combined:mix", [S], 1.5, "between 0 and 1"),
    ("combined:sum", [S], None, "not known"),
    ("combined", [[0.4, "x", 0.2, 0.1]], None, "not a number"),
])
def test_bad_input(method, subjective, alpha, words):
    with pytest.raises(NQPError) as err:
        combined_weights(_province(), method, subjective=subjective, alpha=alpha)
    assert words in str(err.value)
