"""Equation forms and the data they use (nqp_xl.equations)."""
from __future__ import annotations

import numpy as np
import pytest

from nqp_xl.equations import Term, parse_system, system_data
from nqp_xl.errors import NQPError


def names(text):
    return [(d.name, [r.name for r in regs]) for d, regs in parse_system(text)]


def test_the_three_forms_and_logs():
    want = [("y1", ["y2", "ln(x1)"]), ("y2", ["y1", "x2"])]
    assert names("y1 ~ y2 + ln(x1); y2 ~ y1 + x2") == want
    assert names("y1 = y2 + LN( x1 )\ny2 = y1 + x2 + 1") == want
    assert names("(y1 y2 log(x1)) (y2 y1 x2)") == want
    assert names("(y1 = y2 ln(x1))  (y2 y1 x2)") == want
    assert names([["(y1 y2 ln(x1))"], ["y2 ~ y1 + x2"]]) == want
    assert names("ln(gdp) ~ ln(capital stock) + labour") == [("ln(gdp)", ["ln(capital stock)", "labour"])]
    assert parse_system("y ~ log(x)")[0][1] == [Term("x", True)]


@pytest.mark.parametrize("text,words", [
    ("y ~ sqrt(x)", ['"sqrt(x)"', "ln(column)"]),
    ("y ~ ln(ln(x))", ["ln(column)"]),
    ("(y x1) z (x1 y)", ["in parentheses"]),
    ("(y x1", ['without its ")"']),
    ("y ~ x ~ z", ['"y ~ x1 + x2"']),
    ("y ~ ln(x) + log(x)", ['"ln(x)" twice']),
    ("y ~ x - 1", ["intercept"]),
    ("y ~ 1", ["no regressors"]),
    ("; ;", ["equations is empty"]),
])
def test_malformed_equations(text, words):
    with pytest.raises(NQPError) as err:
        parse_system(text)
    for w in words:
        assert w in str(err.value), (w, str(err.value))


def test_system_data_converts_only_the_used_columns_and_forms_logs():
    rows = [["region", "y", "x", "junk"], ["a", 1.0, 2.0, None], ["b", 2.0, None, "n/a text"], ["c", 3.0, 4.0, None]]
    sd = system_data(rows, "y ~ ln(x)")
    assert sd.table.names == ("y", "x") and sd.table.keep.tolist() == [True, False, True]
    np.testing.assert_allclose(sd.values["ln(x)"], np.log([2.0, 4.0]))
    assert sd.equations == [("y", ["ln(x)"])]
    with pytest.raises(NQPError, match='region "c" has x = -4'):
        system_data([r[:3] for r in rows[:3]] + [["c", 3.0, -4.0]], "y ~ ln(x)")
    with pytest.raises(NQPError, match='"z" is not a column'):
        system_data(rows, "y ~ z")


def test_products_of_two_factors():
    assert names("y ~ treat*post + ln(x)*z") == [("y", ["treat*post", "ln(x)*z"])]
    rows = [["region", "y", "treat", "post", "x"], ["a", 1.0, 1.0, 0.0, 2.0], ["b", 2.0, 1.0, 1.0, 3.0],
            ["c", 3.0, 0.0, 1.0, None]]
    sd = system_data(rows, "y ~ treat*post + ln(x)*Treat")
    np.testing.assert_allclose(sd.values["treat*post"], [0.0, 1.0])
    np.testing.assert_allclose(sd.values["ln(x)*treat"], np.log([2.0, 3.0]))
    assert sd.table.keep.tolist() == [True, True, False]
    for bad, word in [("y ~ a*b*c", "two"), ("y ~ a*a", "itself"), ("y ~ a* + b", "empty factor")]:
        with pytest.raises(NQPError, match=word):
            parse_system(bad)
