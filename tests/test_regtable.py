"""NQP_REGTABLE (nqp_xl.regtable) held to R systemfit at its printed 3 decimals and exact stars.

Reference: tests/oracles/panel_reference.R on tests/fixtures/panel/equation_data.csv (the bundled
panel's NQP and Manufacturing subsystem indices with six raw columns): the system of the
coupling paper's Table 7 on our indicators,

    NQP           ~ ln(gov_education_spending) + ln(rd_expenditure) + ln(valid_invention_patents) + Manufacturing
    Manufacturing ~ ln(invention_patent_applications) + ln(tech_market_outflow) + hitech_profit_margin + NQP

by OLS, 2SLS, 3SLS and ireg3 (systemfit with the settings of tests/oracles/sem_systemfit.R),
and by 3SLS per NBS region (Table 9).  Every printed cell must equal R's exactly; the
unrounded coefficients are also held at 1e-8 (relative).
"""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

import nqp_udfs
from nqp_xl.simultaneous import three_sls
from panel_data import as_range
from test_panel import one_line_error

HERE = Path(__file__).resolve().parent / "fixtures" / "panel"
DATA = pd.read_csv(HERE / "equation_data.csv")
RANGE = as_range(DATA)
REF = pd.read_csv(HERE / "regtable.csv", dtype=str, keep_default_na=False)
EQS = ("NQP ~ ln(gov_education_spending) + ln(rd_expenditure) + ln(valid_invention_patents) + Manufacturing; "
       "Manufacturing ~ ln(invention_patent_applications) + ln(tech_market_outflow) + hitech_profit_margin + NQP")
STATA = ("(NQP ln(gov_education_spending) ln(rd_expenditure) log(valid_invention_patents) Manufacturing) "
         "(Manufacturing log(invention_patent_applications) ln(tech_market_outflow) hitech_profit_margin NQP)")
FOOT = "Standard errors in parentheses; * p<0.1, ** p<0.05, *** p<0.01"


def expected(columns: list[str]) -> list[list]:
    """The table R's figures make, laid out as SPEC Part 2 says."""
    first = REF[REF.column == columns[0]]
    out = []
    for eq in dict.fromkeys(first.equation):
        out.append([eq] + [None] * len(columns))
        for var in first[first.equation == eq].variable:
            cells = [REF[(REF.column == c) & (REF.equation == eq) & (REF.variable == var)].iloc[0] for c in columns]
            if var == "N":
                out.append(["N", *(float(c.coef) for c in cells)])
            elif var == "R2":
                out.append(["R²", *(c.coef for c in cells)])
            else:
                out.append([var, *(c.coef for c in cells)])
                out.append([None, *(c.se for c in cells)])
    return out


def test_methods_side_by_side_match_systemfit():
    out = nqp_udfs.NQP_REGTABLE(RANGE, EQS)
    assert out[0] == [None, "OLS", "2SLS", "3SLS"]
    assert out[1:-1] == expected(["ols", "2sls", "3sls"])
    assert out[-1] == [FOOT, None, None, None]
    out = nqp_udfs.NQP_REGTABLE(RANGE, [[EQS.split("; ")[0]], [EQS.split("; ")[1]]], "ireg3, ols")
    assert out[0] == [None, "ireg3", "OLS"] and out[1:-1] == expected(["ireg3", "ols"])


def test_groups_by_the_first_method_match_systemfit():
    region = [["region"]] + [[g] for g in DATA.region]
    out = nqp_udfs.NQP_REGTABLE(RANGE, EQS, "3sls", region)
    assert out[0] == [None, "East", "Central", "West", "Northeast"]
    assert out[1:-1] == expected(["East", "Central", "West", "Northeast"])
    assert [r for r in out if r[0] == "N"][0][1:] == [70.0, 42.0, 72.0, 21.0]


def test_unrounded_coefficients_match_systemfit_and_stata_form_is_the_same_system():
    for method in ("ols", "2sls", "3sls", "ireg3"):
        fit = three_sls(RANGE, EQS, method)
        want = REF[(REF.column == method) & ~REF.variable.isin(["N", "R2"])].coef17.astype(float).to_numpy()
        np.testing.assert_allclose(np.concatenate(fit.params), want, rtol=1e-8, atol=1e-10)
        stata = three_sls(RANGE, STATA, method)
        assert [e.regressors for e in stata.equations] == [e.regressors for e in fit.equations]
        np.testing.assert_allclose(np.concatenate(stata.params), np.concatenate(fit.params), rtol=1e-13)
    eq = EQS.replace(" ~ ", " = ")
    assert nqp_udfs.NQP_REGTABLE(RANGE, eq) == nqp_udfs.NQP_REGTABLE(RANGE, EQS)


def test_rows_drop_only_for_the_columns_used():
    """Blank out an unused column everywhere and a used one in two rows: N drops by two only."""
    rows = [list(r) for r in RANGE]
    rows[0].append("unused")
    for r in rows[1:]:
        r.append(None)
    used = rows[0].index("rd_expenditure")
    complete = [i for i in range(1, len(rows)) if None not in rows[i][:-1]]
    rows[complete[0]][used] = None
    rows[complete[1]][used] = None
    out = nqp_udfs.NQP_REGTABLE(rows, EQS, "ols")
    assert [r for r in out if r[0] == "N"][0] == ["N", 203.0]


def test_chinese_labels_and_stars_boundaries():
    from nqp_xl.regtable import fixed3, stars

    out = nqp_udfs.NQP_REGTABLE(RANGE, EQS, "ireg3", None, "zh")
    assert out[0] == [None, "迭代3SLS"] and out[-1][0].startswith("括号内为标准误")
    assert "样本量" in [r[0] for r in out] and "R²" in [r[0] for r in out]
    assert [stars(p) for p in (0.0099, 0.01, 0.0499, 0.05, 0.0999, 0.1)] == ["***", "**", "**", "*", "*", ""]
    assert fixed3(-0.0004) == "0.000" and fixed3(-0.0005) == "-0.001" and fixed3(0.3195) == "0.320"


@pytest.mark.parametrize("equations,methods,words", [
    ("NQP ~ ln(gov_spending) + Manufacturing", "ols", ['"gov_spending" is not a column', "did you mean"]),
    ("NQP ~ sqrt(rd_expenditure) + Manufacturing", "ols", ['"sqrt(rd_expenditure)"', "ln(column)"]),
    ("(NQP rd_expenditure Manufacturing", "ols", ['without its ")"']),
    ("NQP ~ ln(rd_expenditure) + Manufacturing", "ols,probit", ['"probit"']),
    ("NQP ~ ln(rd_expenditure) + Manufacturing", "ols,ols", ["twice"]),
])
def test_bad_equations(equations, methods, words):
    one_line_error(nqp_udfs.NQP_REGTABLE(RANGE, equations, methods), *words)


def test_ln_of_a_non_positive_value_names_the_region_and_cell():
    rows = [list(r) for r in RANGE]
    j = rows[0].index("tech_market_outflow")
    rows[3][j] = 0.0
    for fn in (nqp_udfs.NQP_REGTABLE, nqp_udfs.NQP_3SLS):
        one_line_error(fn(rows, EQS), "ln(tech_market_outflow) needs positive values", 'region "Hebei East"',
                       "tech_market_outflow = 0", "row 4, column J")


def test_groups_bad_input():
    region = [["region"]] + [[g] for g in DATA.region]
    one_line_error(nqp_udfs.NQP_REGTABLE(RANGE, EQS, "3sls", region[:-1]), "groups has 248 cells", "249 rows")
    one_line_error(nqp_udfs.NQP_REGTABLE(RANGE, EQS, "3sls", [["region"]] + [["East"]] * 248),
                   'only one group ("East")')
    tiny = [["g"]] + [["East"]] * 240 + [["Tiny"]] * 8
    one_line_error(nqp_udfs.NQP_REGTABLE(RANGE, EQS, "3sls", tiny), 'group "Tiny"', "complete rows")


# ----------------------------------------------------------------------------- panel columns (issue 18)
PANEL_FIX = Path(__file__).resolve().parent / "fixtures" / "panelreg"
PCOEF = pd.read_csv(PANEL_FIX / "coefficients.csv")
PSTATS = pd.read_csv(PANEL_FIX / "statistics.csv")
PEQ = "ln(ind_new_product_dev_spending) ~ ln(rd_expenditure) + rd_intensity + ln(gov_sci_tech_spending)"


def test_panel_columns_print_plm_figures():
    """fe, twfe, re, pooled beside OLS on the bundled panel: every printed cell is plm's number
    (cluster SE, its P for the stars) rounded to 3 decimals (tests/oracles/panelreg_plm.R)."""
    from panel_data import RANGE as PANEL
    from nqp_xl.regtable import fixed3, stars

    out = nqp_udfs.NQP_REGTABLE(PANEL, PEQ, "fe,twfe,re,pooled,ols")
    assert out[0] == [None, "FE", "TWFE", "RE", "Pooled", "OLS"]
    assert out[1] == ["ln(ind_new_product_dev_spending)"] + [None] * 5
    spec = {"fe": ("within", "individual", "R2_within"), "twfe": ("within", "twoways", "R2_within"),
            "re": ("random", "individual", "R2_overall"), "pooled": ("pooling", "individual", "R2_overall")}
    terms = ["log(rd_expenditure)", "rd_intensity", "log(gov_sci_tech_spending)", "_cons"]
    for c, key in enumerate(["fe", "twfe", "re", "pooled"], 1):
        model, effect, r2 = spec[key]
        ref = PCOEF[(PCOEF.panel == "province_bal") & (PCOEF.model == model) & (PCOEF.effect == effect)
                    & (PCOEF.se_kind == "cluster")].set_index("term")
        for i, term in enumerate(terms):
            assert out[2 + 2 * i][c] == fixed3(ref.coef[term]) + stars(ref.p[term]), (key, term)
            assert out[3 + 2 * i][c] == f"({fixed3(ref.se[term])})"
        st = PSTATS[(PSTATS.panel == "province_bal") & (PSTATS.model == model) & (PSTATS.effect == effect)]
        st = dict(zip(st.stat, st.value))
        assert out[10][0] == "N" and out[10][c] == 248.0
        assert out[11][0] == "R²" and out[11][c] == fixed3(st[r2])
    assert out[12] == ["Region FE", "Yes", "Yes", "No", "No", "No"]
    assert out[13] == ["Year FE", "No", "Yes", "No", "No", "No"]
    zh = nqp_udfs.NQP_REGTABLE(PANEL, PEQ, "twfe", None, "zh")
    assert zh[0] == [None, "双向固定效应"] and zh[-3] == ["地区固定效应", "是"] and zh[-2] == ["年份固定效应", "是"]


def test_several_models_side_by_side_table_8():
    """Models separated by a line holding only "|": columns (1), (2), ...; each column is the
    one-model table's column; a regressor a model lacks is blank."""
    from panel_data import RANGE as PANEL

    full = "y ~ ln(rd_expenditure) + rd_intensity + ln(gov_sci_tech_spending)".replace("y", "ln(ind_new_product_dev_spending)", 1)
    short = "ln(ind_new_product_dev_spending) ~ ln(rd_expenditure) + ln(gov_sci_tech_spending)"
    out = nqp_udfs.NQP_REGTABLE(PANEL, full + "\n|\n" + short, "twfe")
    one = nqp_udfs.NQP_REGTABLE(PANEL, full, "twfe")
    two = nqp_udfs.NQP_REGTABLE(PANEL, short, "twfe")
    assert out[0] == [None, "(1)", "(2)"]
    assert [r[:2] for r in out] == [[None, "(1)"]] + [r[:2] for r in one[1:]]
    body2 = {r[0]: r[1] for r in two[1:] if r[0] is not None}
    for r in out[1:-1]:
        if r[0] == "rd_intensity":
            assert r[2] is None
        elif r[0] in body2 and r[0] is not None:
            assert r[2] == body2[r[0]], r
    cells = nqp_udfs.NQP_REGTABLE(PANEL, [[full], ["|"], [short]], "twfe")
    assert cells == out
    one_line_error(nqp_udfs.NQP_REGTABLE(PANEL, full + "\n|\n" + short, "fe,re"), "one method")
    one_line_error(nqp_udfs.NQP_REGTABLE(PANEL, full + "\n|\n", "fe"), '"|" with no model')
    one_line_error(nqp_udfs.NQP_REGTABLE(PANEL, full + "\n|\nln(ind_new_product_dev_spending) ~ rd_intensity + nope",
                                         "fe"), "model (2)", '"nope" is not a column')


def test_system_models_by_3sls_and_panel_bad_input():
    out = nqp_udfs.NQP_REGTABLE(RANGE, EQS + "\n|\n" + EQS, "3sls")
    base = nqp_udfs.NQP_REGTABLE(RANGE, EQS, "3sls")
    assert out[0] == [None, "(1)", "(2)"]
    assert [r[1] for r in out[1:]] == [r[1] for r in base[1:]] == [r[2] for r in out[1:]][:-1] + [None]
    one_line_error(nqp_udfs.NQP_REGTABLE(RANGE, EQS, "fe", [["region"]] + [[g] for g in DATA.region]),
                   "panel method")


@pytest.mark.parametrize("lang", ["en", "zh"])
def test_numbers_layout_holds_the_printed_table_as_numbers(lang):
    """numbers=TRUE: every printed cell is its number under the report's formats (stars from
    the p-value beside it, parentheses for the standard error), and nothing is text but names."""
    from nqp_xl.regtable import fixed3, stars

    printed = nqp_udfs.NQP_REGTABLE(RANGE, EQS, "ols,2sls,3sls", None, lang)
    numbers = nqp_udfs.NQP_REGTABLE(RANGE, EQS, "ols,2sls,3sls", None, lang, None, None, None, None, True)
    width = len(printed[0]) - 1
    assert numbers[0][:width + 1] == printed[0]
    assert numbers[0][width + 1:] == [f"P: {h}" for h in printed[0][1:]]
    assert len(numbers) == len(printed) and numbers[-1][0] == printed[-1][0]
    titles = [r[0] for r in numbers if r[0] and r[0].startswith(("Equation", "方程"))]
    assert titles == (["方程 1：NQP", "方程 2：Manufacturing"] if lang == "zh" else
                      ["Equation 1: NQP", "Equation 2: Manufacturing"])
    for text_row, num_row in zip(printed[1:-1], numbers[1:-1]):
        if num_row[0] in titles:
            assert num_row[0].endswith(text_row[0])
            continue
        assert text_row[0] == num_row[0]
        cells, ps = num_row[1:width + 1], num_row[width + 1:]
        for shown, x, p in zip(text_row[1:], cells, ps):
            if shown is None:
                assert x is None
            elif isinstance(shown, float):  # N
                assert x == shown
            elif shown.startswith("("):
                assert shown == f"({fixed3(x)})" and p is None
            elif num_row[0] and p is not None:
                assert shown == fixed3(x) + stars(p)
            else:  # N and R²
                assert isinstance(x, float) and float(shown) == pytest.approx(x, abs=5e-4)
        assert not any(isinstance(v, str) for v in cells)
