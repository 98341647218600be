"""Scalar options as Excel sends them: floats, None for omitted, 1×1 ranges."""
import numpy as np
import pytest

from nqp_xl.errors import NQPError
from nqp_xl.labels import resolve_lang, text
from nqp_xl.options import choice, directions, flag, flatten, fraction, whole_number


def test_whole_number():
    assert whole_number(None, "k", default=4) == 4
    assert whole_number(3.0, "k") == 3 and whole_number([[2.0]], "k") == 2
    with pytest.raises(NQPError, match="k=0 is too small; it must be at least 1"):
        whole_number(0.0, "k", low=1)
    with pytest.raises(NQPError, match="n_factors=99 is too large; it can be at most 15"):
        whole_number(99, "n_factors", low=1, high=15)
    with pytest.raises(NQPError, match="whole number"):
        whole_number(2.5, "k")
    with pytest.raises(NQPError, match='not "four"'):
        whole_number("four", "k")


def test_fraction():
    assert fraction(None, "min_cumvar") is None and fraction(0.85, "min_cumvar") == 0.85
    with pytest.raises(NQPError, match=r"min_cumvar=1.7 is outside \(0, 1\]"):
        fraction(1.7, "min_cumvar")
    with pytest.raises(NQPError, match="for 85% write 0.85"):
        fraction(85, "min_cumvar")
    with pytest.raises(NQPError, match="outside"):
        fraction(0.0, "min_cumvar")


def test_flag_and_choice():
    assert flag(None, "rotated", True) is True and flag(0.0, "rotated", True) is False
    assert flag("FALSE", "rotated", True) is False
    with pytest.raises(NQPError, match="TRUE or FALSE"):
        flag("maybe", "rotated", True)
    assert choice("Entropy", "method", ("entropy", "critic"), "entropy") == "entropy"
    with pytest.raises(NQPError, match='method="pca" is not known; use one of "entropy", "critic"'):
        choice("pca", "method", ("entropy", "critic"), "entropy")


def test_directions():
    names = ["a", "b", "c"]
    np.testing.assert_array_equal(directions(None, names), [1, 1, 1])
    np.testing.assert_array_equal(directions([["+", "-", 1.0]], names), [1, -1, 1])
    np.testing.assert_array_equal(directions("+,负,-1", names), [1, -1, -1])
    with pytest.raises(NQPError, match="directions has 2 cells but there are 3 indicators"):
        directions([["+", "-"]], names)
    with pytest.raises(NQPError, match='direction of indicator "b" is "up"'):
        directions([["+", "up", "+"]], names)
    assert flatten([[1, [2, 3]], 4]) == [1, 2, 3, 4]


def test_labels(monkeypatch):
    assert text("Weight", "zh") == "权重" and text("Weight", "en") == "Weight"
    monkeypatch.setenv("NQP_XL_LANG", "zh")
    assert resolve_lang(None) == "zh"
    with pytest.raises(NQPError, match='lang "fr"'):
        resolve_lang("fr")
