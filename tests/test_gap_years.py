"""A year whose rows all lack a value keeps its row, blank, in every table by year (so charts
over the years leave a gap there instead of joining its neighbours): the bundled panel's
hitech_* columns are blank for every province in 2017 (issue 14)."""
from __future__ import annotations

import nqp_udfs as U
from panel_data import RANGE, column

YEARS = column("year")
REGIONS = column("province_en")
GROUPS = column("region")
INDEX = [[r[0]] for r in U.NQP_INDEX(RANGE, None, None, None, 4)]


def _row(answer, year):
    return next(r for r in answer[1:] if r[0] == year)


def test_the_index_is_blank_in_2017():
    blank = [y[0] for y, v in zip(YEARS[1:], INDEX[1:]) if v[0] is None]
    assert blank.count(2017.0) == 31 and all(blank.count(y) < 31 for y in set(blank) - {2017.0})


def test_gini_and_theil_by_year_keep_2017_blank():
    for fn, width in ((U.NQP_GINI, 8 + 4 + 6), (U.NQP_THEIL, 6 + 4)):
        answer = fn(INDEX, GROUPS, YEARS)
        assert [r[0] for r in answer[1:]] == [float(y) for y in range(2016, 2024)]
        assert _row(answer, 2017.0) == [2017.0] + [None] * (width - 1)
        assert all(isinstance(v, float) for v in _row(answer, 2018.0)[:5])


def test_sigma_convergence_keeps_2017_with_n_0():
    answer = U.NQP_CONVERGENCE(INDEX, REGIONS, YEARS, "sigma")
    assert [r[0] for r in answer[1:]] == [float(y) for y in range(2016, 2024)]
    assert _row(answer, 2017.0) == [2017.0, 0.0, None, None, None]
    n_2016 = sum(1 for y, v in zip(YEARS[1:], INDEX[1:]) if y[0] == 2016.0 and v[0] is not None)
    assert _row(answer, 2016.0)[1] == float(n_2016) > 0


def test_moran_by_year_keeps_2017_blank():
    from nqp_xl.provinces import bundled_weights

    w = bundled_weights("contiguity", "en")
    answer = U.NQP_MORAN(INDEX, REGIONS, w, YEARS)
    assert [r[0] for r in answer[1:]] == [float(y) for y in range(2016, 2024)]
    assert _row(answer, 2017.0) == [2017.0] + [None] * 5
    assert isinstance(_row(answer, 2018.0)[1], float)
