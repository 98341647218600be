"""The factor-analysis UDFs (NQP_KMO ... NQP_DESCRIBE): layout, headers, languages, and bad input
answered as one '#NQP! ' text."""
from __future__ import annotations

import csv
import inspect
import math
from pathlib import Path

import numpy as np
import pytest

import nqp_udfs as u
from nqp_xl import factor as fa
from nqp_xl.labels import ZH

DATA = Path(__file__).resolve().parent / "fixtures" / "data"
NA, DIV0 = -2146826246, -2146826281
FA_UDFS = ["NQP_KMO", "NQP_MSA", "NQP_BARTLETT", "NQP_VARIANCE", "NQP_LOADINGS", "NQP_SCORECOEF",
           "NQP_FACTORS", "NQP_SCORE", "NQP_DESCRIBE"]


def excel_rows(name: str) -> list[list]:
    """A CSV as xlwings hands a range over: texts, floats, None for blanks."""
    with open(DATA / name, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    return [rows[0]] + [[r[0]] + [None if c == "" else float(c) for c in r[1:]] for r in rows[1:]]


@pytest.fixture()
def rows() -> list[list]:
    return excel_rows("province_2022.csv")


def body(rows: list[list]) -> list[list]:
    """Without the header row."""
    return [list(r) for r in rows[1:]]


def numbers(rows: list[list]) -> np.ndarray:
    return np.array([r[1:] for r in rows[1:]], dtype=float)


def is_error(answer) -> bool:
    return isinstance(answer, str) and answer.startswith("#NQP! ") and len(answer) <= 255


def all_cells(answer):
    if isinstance(answer, list):
        for r in answer:
            yield from r
    else:
        yield answer


def call(name: str, data, **kw):
    return getattr(u, name)(data, **kw)


# ----------------------------------------------------------------------------- the catalogue


def test_signatures_follow_the_spec():
    def params(f):
        return list(inspect.signature(getattr(u, f)).parameters)

    tail = ["lang", "id_cols", "missing"]
    assert params("NQP_KMO") == ["data", *tail]
    assert params("NQP_MSA") == ["data", *tail]
    assert params("NQP_BARTLETT") == ["data", *tail]
    assert params("NQP_DESCRIBE") == ["data", *tail]
    for f in ("NQP_VARIANCE", "NQP_SCORECOEF", "NQP_FACTORS", "NQP_SCORE"):
        assert params(f) == ["data", "n_factors", "min_cumvar", *tail]
    assert params("NQP_LOADINGS") == ["data", "n_factors", "min_cumvar", "rotated", *tail, "sort"]  # SPEC Part 3
    assert inspect.signature(u.NQP_LOADINGS).parameters["rotated"].default is True
    assert set(FA_UDFS) <= set(u.__all__)


@pytest.mark.parametrize("name", FA_UDFS)
def test_docstring_first_paragraph_fits_the_wizard(name):
    doc = inspect.getdoc(getattr(u, name))
    first, _, rest = doc.partition("\n\n")
    assert 20 < len(first) <= 255
    assert "Source" in rest


# ----------------------------------------------------------------------------- answers and layout


def test_kmo_and_bartlett(rows):
    res = fa.factor_analysis(rows)
    assert u.NQP_KMO(rows) == pytest.approx(res.kmo, abs=1e-15)
    assert u.NQP_KMO(body(rows)) == pytest.approx(res.kmo, abs=1e-15)
    b = u.NQP_BARTLETT(rows)
    assert b[0] == ["Chi-square", "df", "Sig."]
    assert b[1] == pytest.approx([res.bartlett[0], 105.0, res.bartlett[2]])
    assert u.NQP_BARTLETT(body(rows))[0] == ["Chi-square", "df", "Sig."]  # summary tables keep their header
    assert u.NQP_BARTLETT(rows, lang="zh")[0] == ["近似卡方", "自由度", "显著性"]


def test_msa_per_indicator(rows):
    ans = u.NQP_MSA(rows)
    assert ans[0] == ["Indicator", "MSA"]
    assert [r[0] for r in ans[1:]] == rows[0][1:]
    np.testing.assert_allclose([r[1] for r in ans[1:]], fa.factor_analysis(rows).msa, atol=1e-15)
    plain = u.NQP_MSA(body(rows))
    assert len(plain) == 15 and plain[0][0] == "X1"  # no header in, none out
    assert u.NQP_MSA(rows, lang="zh")[0] == ["指标", "MSA"]


def test_variance_table_layout(rows):
    ans = u.NQP_VARIANCE(rows)
    assert len(ans) == 16 and len(ans[0]) == 10
    assert ans[0][0] == "Component" and ans[0][-1] == "Rotation Cumulative %"
    assert [r[0] for r in ans[1:]] == [float(i) for i in range(1, 16)]
    k = 2
    assert all(v is not None for r in ans[1:k + 1] for v in r)
    assert all(v is None for r in ans[k + 1:] for v in r[4:])
    assert all(isinstance(v, float) for r in ans[k + 1:] for v in r[:4])
    assert ans[k][6] == pytest.approx(ans[k][9])
    assert len(u.NQP_VARIANCE(body(rows), 4.0)) == 16  # header even without an input header
    zh = u.NQP_VARIANCE(rows, lang="zh")[0]
    assert zh[1] == "初始特征值 合计" and all(h in ZH.values() for h in zh)


def test_variance_component_header_in_chinese(rows):
    assert u.NQP_VARIANCE(rows, lang="zh")[0][0] == "成分"


def test_variance_with_min_cumvar(rows):
    ans = u.NQP_VARIANCE(rows, None, 0.97)
    kept = [r for r in ans[1:] if r[4] is not None]
    assert kept[-1][6] >= 97.0 > kept[-2][6]


def test_loadings_and_score_coefficients(rows):
    res = fa.factor_analysis(rows, n_factors=3)
    ans = u.NQP_LOADINGS(rows, 3.0)
    assert ans[0] == ["Indicator", "F1", "F2", "F3"]
    assert [r[0] for r in ans[1:]] == rows[0][1:]
    np.testing.assert_allclose([r[1:] for r in ans[1:]], res.rotated_loadings, atol=1e-15)
    unrot = u.NQP_LOADINGS(rows, 3.0, None, False)
    np.testing.assert_allclose([r[1:] for r in unrot[1:]], res.loadings, atol=1e-15)
    assert u.NQP_LOADINGS(rows, 3.0, None, 0.0) == unrot
    coef = u.NQP_SCORECOEF(rows, 3.0)
    np.testing.assert_allclose([r[1:] for r in coef[1:]], res.score_coefficients, atol=1e-15)
    assert u.NQP_LOADINGS(rows, 3.0, lang="zh")[0] == ["指标", "F1", "F2", "F3"]
    assert len(u.NQP_LOADINGS(body(rows), 3.0)) == 15


def test_factors_and_score_are_aligned(rows):
    res = fa.factor_analysis(rows)
    ans = u.NQP_FACTORS(rows)
    assert ans[0] == ["F1", "F2", "F", "Rank"]
    assert len(ans) == len(rows)
    block = np.array(ans[1:], dtype=float)
    np.testing.assert_allclose(block[:, :2], res.scores, atol=1e-14)
    np.testing.assert_allclose(block[:, 2], res.composite, atol=1e-14)
    assert block[:, 3].tolist() == res.rank.tolist()
    assert min(block[:, 3]) == 1.0 and block[np.argmax(block[:, 2]), 3] == 1.0
    score = u.NQP_SCORE(rows)
    assert score[0] == ["F"] and [r[0] for r in score[1:]] == block[:, 2].tolist()
    assert u.NQP_SCORE(rows, lang="zh")[0] == ["综合得分 F"]
    assert u.NQP_FACTORS(rows, lang="zh")[0] == ["F1", "F2", "综合得分 F", "排名"]
    assert len(u.NQP_SCORE(body(rows))) == 31  # no header in, none out


def test_describe(rows):
    ans = u.NQP_DESCRIBE(rows)
    assert ans[0] == ["Indicator", "N", "Mean", "Std. Dev.", "Min", "Max"]
    x = numbers(rows)
    got = np.array([r[1:] for r in ans[1:]])
    np.testing.assert_allclose(got[:, 0], 31)
    np.testing.assert_allclose(got[:, 1], x.mean(axis=0), rtol=1e-14)
    np.testing.assert_allclose(got[:, 2], x.std(axis=0, ddof=1), rtol=1e-13)
    np.testing.assert_allclose(got[:, 3:], np.column_stack([x.min(0), x.max(0)]))
    assert u.NQP_DESCRIBE(rows, lang="zh")[0] == ["指标", "样本量", "均值", "标准差", "最小值", "最大值"]


def test_missing_cells_blank_their_rows(rows):
    data = [list(r) for r in rows]
    data[3][4] = None          # blank
    data[5][2] = NA            # #N/A as COM int
    data[8][7] = DIV0          # #DIV/0!
    data[10][9] = "#N/A"       # as text
    data[12][1] = ""           # empty text
    gaps = {3, 5, 8, 10, 12}
    ans = u.NQP_FACTORS(data)
    assert len(ans) == len(data)
    for i in range(1, len(data)):
        if i in gaps:
            assert ans[i] == [None] * 4
        else:
            assert all(isinstance(v, float) for v in ans[i])
    complete = [rows[0]] + [r for i, r in enumerate(rows) if i and i not in gaps]
    assert u.NQP_KMO(data) == pytest.approx(u.NQP_KMO(complete), abs=1e-14)
    ranks = sorted(r[3] for r in ans[1:] if r[3] is not None)
    assert ranks == [float(i) for i in range(1, 27)]
    describe = u.NQP_DESCRIBE(data)
    assert {r[1] for r in describe[1:]} == {26.0}  # listwise N
    assert is_error(u.NQP_SCORE(data, missing="error"))
    assert "Hebei" in u.NQP_SCORE(data, missing="error")


def test_the_missing_fixture(rows):
    data = excel_rows("province_2022_missing.csv")
    ans = u.NQP_SCORE(data)
    blanks = [i for i, r in enumerate(ans) if r == [None]]
    assert len(ans) == 32 and len(blanks) == 2
    assert u.NQP_DESCRIBE(data)[1][1] == 29.0


def test_panel_with_two_label_columns():
    rows = excel_rows("panel_2016_2023.csv")
    data = [[r[0], r[1], *r[2:12]] for r in rows]  # Region | Year | 10 indicators
    data = [data[0]] + [[r[0], str(int(r[1])), *r[2:]] for r in data[1:]]
    auto = u.NQP_SCORE(data)
    assert u.NQP_SCORE(data, id_cols=2.0) == auto
    numeric_year = [rows[0][:12]] + [r[:12] for r in rows[1:]]
    assert u.NQP_SCORE(numeric_year, id_cols=2) == auto
    assert len(auto) == len(data)


def test_every_answer_is_finite(rows):
    for name in FA_UDFS:
        ans = call(name, rows)
        for v in all_cells(ans):
            assert v is None or isinstance(v, str) or math.isfinite(v)


def test_synthetic_large_table():
    data = excel_rows("synthetic_2500.csv")
    assert len(u.NQP_FACTORS(data)) == 2501
    assert u.NQP_VARIANCE(data)[3][4] is not None  # three factors by the eigenvalue rule
    assert u.NQP_VARIANCE(data)[4][4] is None


# ----------------------------------------------------------------------------- bad input


def with_column(rows, j, fn):
    out = [list(r) for r in rows]
    for i, r in enumerate(out[1:]):
        r[j] = fn(i, r)
    return out


@pytest.mark.parametrize("name", FA_UDFS)
def test_constant_indicator(rows, name):
    ans = call(name, with_column(rows, 3, lambda i, r: 12.5))
    if name == "NQP_DESCRIBE":
        assert isinstance(ans, list)  # describing a constant is fine (Std. Dev. 0)
        return
    assert is_error(ans) and '"rd_intensity"' in ans and "constant" in ans and "12.5" in ans


@pytest.mark.parametrize("name", FA_UDFS[:-1])
def test_bad_data_for_every_factor_udf(rows, name):
    cases = {
        "fewer regions than indicators": (rows[:16], ["15 indicators", "only 15 complete regions"]),
        "duplicate indicator": (with_column(rows, 4, lambda i, r: 2 * r[2] + 1),
                                ['"rd_expenditure"', '"gov_sci_tech_spending"', "perfectly correlated"]),
        "combination": (with_column(rows, 4, lambda i, r: r[2] - r[5]),
                        ['"rd_expenditure"', '"gov_sci_tech_spending"', '"gov_education_spending"', "linearly dependent"]),
        "two rows": (rows[:3], ["at least 3 complete rows"]),
        "one indicator": ([r[:2] for r in rows], ["at least 2 indicator"]),
        "text in a number cell": (with_column(rows, 6, lambda i, r: "1,234" if i == 4 else r[6]),
                                  ['"basic_research_spending"', "Jiangsu", "1,234"]),
        "logical": (with_column(rows, 2, lambda i, r: True if i == 0 else r[2]), ['"rd_expenditure"', "TRUE"]),
        "ragged": ([rows[0]] + [r[:-1] if i == 5 else r for i, r in enumerate(rows[1:])], ["ragged"]),
        "empty": (None, ["empty"]),
        "bad lang": (rows, ['"fr"']),
    }
    for what, (data, words) in cases.items():
        kw = {"lang": "fr"} if what == "bad lang" else {}
        ans = call(name, data, **kw)
        assert is_error(ans), (what, ans)
        for w in words:
            assert w in ans, (what, ans)


@pytest.mark.parametrize("name", ["NQP_VARIANCE", "NQP_LOADINGS", "NQP_SCORECOEF", "NQP_FACTORS", "NQP_SCORE"])
@pytest.mark.parametrize("kw,words", [
    ({"n_factors": 99.0}, ["n_factors=99", "only 15 indicators"]),
    ({"n_factors": 0.0}, ["n_factors=0"]),
    ({"n_factors": 2.5}, ["n_factors", "whole number"]),
    ({"n_factors": "two"}, ["n_factors", '"two"']),
    ({"n_factors": True}, ["n_factors", "TRUE"]),
    ({"min_cumvar": 1.7}, ["min_cumvar=1.7", "fraction"]),
    ({"min_cumvar": 85.0}, ["min_cumvar=85", "0.85"]),
    ({"missing": "pairwise"}, ['"pairwise"', "listwise"]),
    ({"id_cols": 16.0}, ["id_cols=16"]),
])
def test_bad_options(rows, name, kw, words):
    ans = call(name, rows, **kw)
    assert is_error(ans), ans
    for w in words:
        assert w in ans, ans


def test_bad_rotated_flag(rows):
    ans = u.NQP_LOADINGS(rows, None, None, "maybe")
    assert is_error(ans) and "rotated" in ans


def test_long_names_stay_within_255_characters(rows):
    data = [list(r) for r in rows]
    data[0] = [data[0][0]] + [f"indicator_with_a_very_long_descriptive_name_number_{j:02d}" for j in range(15)]
    data = with_column(data, 5, lambda i, r: r[1] + r[2] + r[3] + r[4])
    ans = u.NQP_SCORE(data)
    assert is_error(ans) and "linearly dependent" in ans


def test_one_factor_udfs(rows):
    ans = u.NQP_LOADINGS(rows, 1.0)
    assert ans[0] == ["Indicator", "F1"]
    assert [r[1:] for r in ans] == [r[1:] for r in u.NQP_LOADINGS(rows, 1.0, None, False)]
    f = u.NQP_FACTORS(rows, 1.0)
    assert f[0] == ["F1", "F", "Rank"] and all(r[0] == pytest.approx(r[1]) for r in f[1:])
