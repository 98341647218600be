"""nqp_xl.ahp against Saaty's published example and the consistency rules."""
from __future__ import annotations

import sys
from pathlib import Path

import numpy as np
import pytest

from nqp_xl.ahp import RANDOM_INDEX, ahp
from nqp_xl.errors import NQPError

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "udfs"))
import nqp_udfs  # noqa: E402

# Saaty (1980), The Analytic Hierarchy Process, section 2.x "the wealth of nations" (Saaty &
# Khouja 1976): relative economic strength of US, USSR, China, France, UK, Japan, W. Germany.
# Printed eigenvector .427 .230 .021 .052 .052 .123 .094 and lambda_max = 7.61.
WEALTH = [[1, 4, 9, 6, 6, 5, 5],
          [1 / 4, 1, 7, 5, 5, 3, 4],
          [1 / 9, 1 / 7, 1, 1 / 5, 1 / 5, 1 / 7, 1 / 5],
          [1 / 6, 1 / 5, 5, 1, 1, 1 / 3, 1 / 3],
          [1 / 6, 1 / 5, 5, 1, 1, 1 / 3, 1 / 3],
          [1 / 5, 1 / 3, 7, 3, 3, 1, 2],
          [1 / 5, 1 / 4, 5, 3, 3, 1 / 2, 1]]


def test_saaty_wealth_of_nations_printed_digits():
    r = ahp(WEALTH)
    np.testing.assert_array_equal(np.round(r.weights, 3), [0.427, 0.230, 0.021, 0.052, 0.052, 0.123, 0.094])
    assert round(r.lambda_max, 2) == 7.61
    assert r.ri == 1.32
    assert r.ci == pytest.approx((r.lambda_max - 7) / 6, rel=1e-12)
    assert r.cr == pytest.approx(r.ci / 1.32, rel=1e-12)
    assert r.consistent  # CR = 0.077


def test_consistent_matrix_gives_its_weights_exactly():
    w = np.array([0.5, 0.2, 0.2, 0.1])
    r = ahp((w[:, None] / w[None, :]).tolist())
    np.testing.assert_allclose(r.weights, w, rtol=1e-12)
    assert r.lambda_max == pytest.approx(4, rel=1e-12)
    assert abs(r.cr) < 1e-12


def test_names_fractions_as_text_and_the_table():
    rows = [[None, "Tech", "Green", "Open"], ["Tech", 1, 3, "5"], ["Green", "1/3", 1, 2], ["Open", 0.2, 0.5, 1]]
    r = ahp(rows)
    assert r.names == ("Tech", "Green", "Open")
    out = nqp_udfs.NQP_AHP(rows, "zh")
    assert out[0] == ["准则", "权重"] and out[1][0] == "Tech" and out[4][0] == "最大特征根 λmax"
    assert out[-1] == ["通过一致性检验 (CR < 0.1)", "是"]


def test_inconsistent_matrix_is_flagged_not_refused():
    rows = [[1, 9, 1 / 9], [1 / 9, 1, 9], [9, 1 / 9, 1]]
    r = ahp(rows)
    assert r.cr > 0.1 and not r.consistent
    assert nqp_udfs.NQP_AHP(rows)[-1] == ["Consistent (CR < 0.1)", "No (revise the judgements)"]


@pytest.mark.parametrize("rows, words", [
    ([[1, 2, 3], [0.5, 1, 2]], "square"),
    ([[1, 2], [0.4, 1]], '"C1" over "C2" is 2 but "C2" over "C1" is 0.4'),
    ([[1, -2], [-0.5, 1]], "positive"),
    ([[1, "x"], [1, 1]], '"x" at row 1, column 2'),
    ([[1, None], [1, 1]], "blank"),
    ([[2, 1], [1, 1]], "diagonal"),
])
def test_bad_matrices_name_the_cell(rows, words):
    with pytest.raises(NQPError) as err:
        ahp(rows)
    assert words in str(err.value)
    assert nqp_udfs.NQP_AHP(rows).startswith("#NQP! ")


def test_random_index_is_saatys_table_and_too_many_criteria_are_refused():
    assert RANDOM_INDEX[2:10] == (0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49)
    big = np.ones((16, 16)).tolist()
    assert "at most 15" in nqp_udfs.NQP_AHP(big)
