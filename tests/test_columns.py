"""Key columns and column subsets (nqp_xl.columns)."""
from __future__ import annotations

import pandas as pd
import pytest

from nqp_xl.columns import aligned_keys, key_cells, key_of, key_text, label_count, order_keys, take_columns
from nqp_xl.errors import NQPError
from nqp_xl.table import check_table


def test_keys_compare_as_users_read_them():
    assert key_of(2022.0) == key_of("2022") == key_of(" 2022 ") == key_of(2022) == 2022.0
    assert key_of("East ") == "East" and key_of(True) == "TRUE"
    assert [key_of(v) for v in (None, "", "  ", "#N/A", -2146826246, float("nan"))] == [None] * 6
    assert key_text(2022.0) == "2022" and key_text(0.5) == "0.5" and key_text("东部") == "东部"


def test_order_numbers_ascending_then_texts_by_first_appearance():
    assert order_keys(["b", 2019.0, None, "a", 2016.0, "b", 2016.0]) == [2016.0, 2019.0, "b", "a"]


def test_aligned_keys_need_one_cell_per_row_and_the_header_cell():
    t = check_table([["x"], [1.0], [2.0], [None]])
    keys, head = aligned_keys([["year"], [2016.0], ["2017"], [2018.0]], t, "by")
    assert keys == [2016.0, 2017.0, 2018.0] and head == "year"
    with pytest.raises(NQPError, match="by has 3 cells but values has 4 rows"):
        aligned_keys([[2016.0], [2017.0], [2018.0]], t, "by")
    with pytest.raises(NQPError, match="one column"):
        key_cells([[1, 2], [3, 4]], "by")
    frame = check_table(pd.DataFrame({"x": [1.0, 2.0]}))
    assert aligned_keys(pd.Series(["a", "b"]), frame, "by", from_range=False)[0] == ["a", "b"]


def test_label_columns_and_subsets():
    rows = [["region", "year", "x", "y"], ["a", 2016.0, 1.0, 2.0], ["b", 2016.0, 3.0, None]]
    assert label_count(rows, None) == 1 and label_count(rows, 2.0) == 2
    assert take_columns(rows, [3], 1) == [["region", "y"], ["a", 2.0], ["b", None]]


def test_one_year_column_rule_header_and_whole_numbers_1800_to_2200():
    from nqp_xl.columns import holds_years, is_year_column, is_year_header, year_column
    assert all(is_year_header(h) for h in ("Year", " years ", "YR", "年份", "年", "年度"))
    assert not is_year_header("date") and not is_year_header("time")
    assert is_year_column("year", [2016.0, None, 2017, "", float("nan")])
    assert is_year_column("yr", [1800.0, 2200.0]) and not is_year_column("yr", [1799.0])
    assert not is_year_column("yr", [2201.0]) and not is_year_column("year", [2016.5])
    assert not is_year_column("year", ["2016"]) and not is_year_column("year", [True])
    assert not is_year_column("year", [None, ""]) and not is_year_column("province", [2016.0])
    assert holds_years([1900.0, 2020]) and not holds_years([])
    # the first headed and filled like a year, else the first headed like one, else none
    assert year_column(["province", "year"], [["A"], [2016.0]]) == 1
    assert year_column(["年", "年份"], [["x"], [2016.0]]) == 1
    assert year_column(["province", "year"], [["A"], ["2016x"]]) == 1
    assert year_column(["province", "code"], [["A"], [2016.0]]) is None


def test_one_key_text_rule_for_headers_and_messages():
    from nqp_xl.disparity import grouped_values
    assert [key_text(k) for k in (2016.0, 0.1234567891, "东部", 7)] == ["2016", "0.1234567891", "东部", "7"]
    assert key_text(0.1234561) != key_text(0.1234562)  # %g would print both as 0.123456
    # groups are named by key_of + key_text: the number 2022 and the text "2022" are one group
    g = grouped_values([["v"], [1.0], [2.0], [3.0], [4.0]], [["g"], ["2022"], [2022.0], [" East "], ["East"]])
    assert list(g.names) == ["2022", "East"]
