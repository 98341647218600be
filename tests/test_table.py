"""The input boundary on its own: ranges exactly as xlwings hands them over."""
from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

from nqp_xl import cache, cell_values
from nqp_xl.errors import NQPError, as_cell_text
from nqp_xl.table import Table, cell_name, check_table, column_letter, is_error_value, parse_text_list

DIV0 = -2146826281
NA = -2146826246

HEADED = [
    ["Region", "gdp", "rd"],
    ["Beijing", 10.0, 2.5],
    ["Shanghai", 12.0, 3.5],
    ["Tianjin", 8.0, 1.5],
]


def test_header_and_labels_detected():
    t = check_table(HEADED)
    assert t.has_header and t.names == ("gdp", "rd")
    assert t.label_names == ("Region",)
    assert t.row_names == ["Beijing", "Shanghai", "Tianjin"]
    np.testing.assert_array_equal(t.values, [[10, 2.5], [12, 3.5], [8, 1.5]])
    assert t.values.dtype == np.float64


def test_no_header_no_labels():
    t = check_table([[1.0, 2.0], [3.0, 4.0]])
    assert not t.has_header and t.names == ("X1", "X2") and t.labels == ()
    assert t.row_names == ["row 1", "row 2"]


def test_labels_without_header():
    t = check_table([["a", 1.0], ["b", 2.0]])
    assert not t.has_header and t.names == ("X1",) and t.row_names == ["a", "b"]


def test_id_cols_for_panels():
    rows = [["Region", "Year", "x"], ["BJ", 2016.0, 1.0], ["BJ", 2017.0, 2.0]]
    t = check_table(rows, id_cols=2)
    assert t.names == ("x",) and t.row_names == ["BJ 2016", "BJ 2017"]
    # without id_cols the numeric year is an indicator
    assert check_table(rows).names == ("Year", "x")


@pytest.mark.parametrize("bad", [None, "", " "])
def test_blank_cells_drop_the_row_and_align_blank(bad):
    rows = [r[:] for r in HEADED]
    rows[2][2] = bad
    t = check_table(rows)
    assert t.keep.tolist() == [True, False, True] and t.values.shape == (2, 2)
    out = t.aligned(t.values[:, :1], ["A"])
    assert out == [["A"], [10.0], [None], [8.0]]


@pytest.mark.parametrize("err", [DIV0, NA, "#N/A", "#DIV/0!", "#VALUE!", "#NQP! something"])
def test_excel_errors_are_missing(err):
    rows = [r[:] for r in HEADED]
    rows[1][1] = err
    t = check_table(rows)
    assert t.keep.tolist() == [False, True, True]


def test_missing_error_policy_names_the_cell():
    rows = [r[:] for r in HEADED]
    rows[3][2] = NA
    with pytest.raises(NQPError, match=r'"rd", region "Tianjin" \(row 4, column C of the range\)'):
        check_table(rows, missing="error")


@pytest.mark.parametrize("text,hint", [("1,234", "type it as a number"), ("12%", "type it as a number"),
                                       ("n/a", "must hold numbers")])
def test_text_in_number_cell_is_an_error_naming_the_cell(text, hint):
    rows = [r[:] for r in HEADED]
    rows[2][1] = text
    with pytest.raises(NQPError) as info:
        check_table(rows)
    msg = str(info.value)
    assert 'indicator "gdp"' in msg and 'region "Shanghai"' in msg and "row 3, column B" in msg and hint in msg


def test_logical_value_is_an_error():
    rows = [r[:] for r in HEADED]
    rows[1][2] = True
    with pytest.raises(NQPError, match="logical value TRUE"):
        check_table(rows)


def test_plain_ints_are_numbers_not_errors():
    t = check_table([["a", "b"], [1, 2], [3, 4]])
    np.testing.assert_array_equal(t.values, [[1, 2], [3, 4]])


def test_infinite_value_is_refused():
    with pytest.raises(NQPError, match="infinite"):
        check_table([["a"], [1.0], [float("inf")]])


def test_ragged_range_is_refused():
    with pytest.raises(NQPError, match="ragged: row 2 has 2 cells but row 1 has 3"):
        check_table([[1.0, 2.0, 3.0], [1.0, 2.0]])


def test_empty_and_header_only_ranges():
    with pytest.raises(NQPError, match="empty"):
        check_table([])
    with pytest.raises(NQPError, match="only a header"):
        check_table([["a", "b"]])


def test_no_complete_row():
    with pytest.raises(NQPError, match="no row is complete"):
        check_table([["a", "b"], [1.0, None], [None, 2.0]])


def test_bad_options():
    with pytest.raises(NQPError, match="id_cols"):
        check_table(HEADED, id_cols="two")
    with pytest.raises(NQPError, match="leaves no indicator"):
        check_table(HEADED, id_cols=3)
    with pytest.raises(NQPError, match='missing="drop"'):
        check_table(HEADED, missing="drop")


def test_blank_header_cell_gets_a_column_name():
    t = check_table([["Region", "gdp", None], ["BJ", 1.0, 2.0], ["SH", 2.0, 1.0]])
    assert t.names == ("gdp", "Column C")


def test_numeric_labels_are_shown_as_integers():
    t = check_table([["Region", "Year", "x"], ["BJ", 2016.0, 1.0]], id_cols=2)
    assert t.labels == (("BJ", "2016"),)


def test_dataframe_path_matches_range_path():
    frame = pd.DataFrame({"Region": ["Beijing", "Shanghai", "Tianjin"], "gdp": [10.0, 12.0, 8.0],
                          "rd": [2.5, np.nan, 1.5]})
    t = check_table(frame)
    rows = [list(frame.columns)] + [[r, g, (None if np.isnan(x) else x)] for r, g, x in frame.itertuples(index=False)]
    u = check_table(rows)
    assert t.names == u.names and t.key == u.key
    np.testing.assert_array_equal(t.keep, u.keep)
    assert t.row_names == u.row_names


def test_dataframe_with_text_in_numeric_column():
    frame = pd.DataFrame({"gdp": [1.0, "x", 3.0]})
    with pytest.raises(NQPError, match='indicator "gdp"'):
        check_table(frame)


def test_numpy_array():
    t = check_table(np.arange(6.0).reshape(3, 2))
    assert t.names == ("X1", "X2") and t.values.shape == (3, 2)


def test_key_tracks_content():
    a = check_table(HEADED)
    rows = [r[:] for r in HEADED]
    rows[1][1] = 10.000000001
    assert check_table(HEADED).key == a.key
    assert check_table(rows).key != a.key


def test_require_and_variation_messages():
    t = check_table([["a", "b"], [1.0, 12.5], [2.0, 12.5]])
    with pytest.raises(NQPError, match=r'indicator "b" is constant \(all 12.5\); factor analysis needs variation'):
        t.require_variation("factor analysis")
    with pytest.raises(NQPError, match="at least 3 complete rows"):
        t.require(min_rows=3)


def test_fast_and_slow_paths_agree():
    rng = np.random.default_rng(1)
    x = rng.normal(size=(50, 4))
    rows = [["r"] + ["a", "b", "c", "d"]] + [[f"u{i}"] + list(map(float, row)) for i, row in enumerate(x)]
    fast = check_table(rows)
    slow_rows = [r[:] for r in rows]
    slow_rows[5][2] = 7  # a plain int forces the cell-by-cell path
    slow = check_table(slow_rows)
    expect = x.copy()
    expect[4, 1] = 7
    np.testing.assert_array_equal(fast.values, x)
    np.testing.assert_array_equal(slow.values, expect)


def test_helpers():
    assert column_letter(0) == "A" and column_letter(25) == "Z" and column_letter(26) == "AA"
    assert cell_name(2, 1) == "row 3, column B of the range"
    assert is_error_value(DIV0) and is_error_value("#n/a") and not is_error_value(5)
    assert parse_text_list("优,良，中,差") == ["优", "良", "中", "差"]
    assert parse_text_list([["a", "b"], [None, "c"]]) == ["a", "b", "c"]


def test_cell_text_is_one_short_line():
    msg = as_cell_text("x" * 400 + "\nsecond line")
    assert msg.startswith("#NQP! ") and len(msg) <= 255 and "\n" not in msg


def test_table_is_a_table():
    t = check_table(HEADED)
    assert check_table(t) is t and isinstance(t, Table)


def test_key_tracks_region_labels():
    rows = [r[:] for r in HEADED]
    rows[1][0] = "Hebei"
    assert check_table(rows).key != check_table(HEADED).key


def test_large_ranges_and_frames_are_converted_once_and_by_content():
    rng = np.random.default_rng(5)
    x = rng.normal(size=(600, 40))
    rows = [["unit"] + [f"x{j}" for j in range(40)]] + [[f"u{i}"] + r for i, r in enumerate(x.tolist())]
    first = check_table(rows)
    again = [list(r) for r in rows]  # equal content, new lists (as xlwings hands them)
    assert check_table(again) is first
    again[7][3] = again[7][3] + 1.0  # one changed cell: converted afresh
    changed = check_table(again)
    assert changed is not first and changed.values[6, 2] == first.values[6, 2] + 1.0
    rows[9][5] = 99.0  # mutating the caller's lists cannot leak into the remembered copy
    assert check_table(rows) is not first and check_table(rows).values[8, 4] == 99.0

    frame = pd.DataFrame(x, columns=[f"x{j}" for j in range(40)])
    t = check_table(frame)
    assert check_table(frame.copy()) is t
    frame.iloc[3, 3] = -1.0
    assert check_table(frame).values[3, 3] == -1.0


def _mixed_range(n: int = 700, p: int = 30, seed: int = 11):
    """A labelled range with blanks, error codes, error texts, blank texts and plain ints
    scattered over the indicator cells; the expected numbers (NaN = missing) beside it."""
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, p))
    rows = [["unit"] + [f"x{j}" for j in range(p)]] + [[f"u{i}"] + r for i, r in enumerate(x.tolist())]
    expect = x.copy()
    kinds = [None, NA, DIV0, "#N/A", "#VALUE!", " ", "", "#NQP! no data", 7]
    for (i, j), k in zip(rng.integers([0, 0], [n, p], size=(n // 3, 2)), rng.integers(0, len(kinds), n // 3)):
        rows[i + 1][j + 1] = kinds[k]
        expect[i, j] = 7.0 if kinds[k] == 7 else np.nan
    return rows, expect


@pytest.mark.parametrize("n", [20, 700])  # below and above the size whose conversion is remembered
def test_blanks_and_errors_everywhere_convert_without_the_cell_by_cell_path(n, monkeypatch):
    import nqp_xl.table as table

    rows, expect = _mixed_range(n)
    monkeypatch.setattr(cell_values, "_convert_slow", lambda *a: pytest.fail("cell-by-cell path taken"))
    t = check_table(rows)
    complete = ~np.isnan(expect).any(axis=1)
    assert 0 < complete.sum() < n
    np.testing.assert_array_equal(t.keep, complete)
    np.testing.assert_array_equal(t.values, expect[complete])
    assert t.row_names == [f"u{i}" for i in range(n)]
    with pytest.raises(NQPError, match="is blank or an error") as refused:
        check_table(rows, missing="error")
    i, j = map(int, np.argwhere(np.isnan(expect))[0])
    assert f"row {i + 2}, column {column_letter(j + 1)} of the range" in str(refused.value)


def test_numpy_scalar_cells_take_the_cell_by_cell_path():
    rows = [["r", "a", "b"], ["u1", np.float64(1.5), 2.0], ["u2", np.int64(3), None], ["u3", 4.0, 5.0]]
    t = check_table(rows)
    np.testing.assert_array_equal(t.values, [[1.5, 2.0], [4.0, 5.0]])
    rows[3][2] = np.bool_(True)
    with pytest.raises(NQPError, match=r'"b", region "u3" \(row 4, column C of the range\) holds the logical value TRUE'):
        check_table(rows)


@pytest.mark.parametrize("n", [20, 700])
def test_first_refused_cell_in_reading_order_is_named(n):
    rows, _ = _mixed_range(n)
    rows[9][4] = True  # later in reading order ...
    rows[8][20] = "12%"  # ... than this text (row 9, column U)
    with pytest.raises(NQPError, match=r'"x19", region "u7" \(row 9, column U of the range\) holds the text "12%"; type it'):
        check_table(rows)
    rows[8][2] = float("-inf")  # earlier still
    with pytest.raises(NQPError, match=r'"x1", region "u7" \(row 9, column C of the range\) holds an infinite value'):
        check_table(rows)
    rows[8][1] = "n/a"
    with pytest.raises(NQPError, match=r'\(row 9, column B of the range\) holds the text "n/a"; indicator cells must hold numbers'):
        check_table(rows)
    rows[8][1] = False
    with pytest.raises(NQPError, match=r"\(row 9, column B of the range\) holds the logical value FALSE"):
        check_table(rows)


def test_error_codes_are_told_from_plain_whole_numbers_by_value():
    t = check_table([["a", "b"], [NA, 1], [-2146826245, 2], [-2146826240, 3], [5, 4]])
    assert t.keep.tolist() == [False, False, True, True]
    np.testing.assert_array_equal(t.values, [[-2146826240.0, 3.0], [5.0, 4.0]])


@pytest.mark.parametrize("seed", range(6))
def test_aligned_puts_blank_rows_at_the_left_out_rows(seed):
    rng = np.random.default_rng(seed)
    n = 40
    rows = [["unit", "a", "b"]] + [[f"u{i}", float(i), float(i % 7)] for i in range(n)]
    gaps = rng.choice(n, size=int(rng.integers(1, 12)), replace=False)
    gaps = np.union1d(gaps, [0, n - 1][: seed % 3]).astype(int).tolist()  # sometimes the first and last rows too
    for i in gaps:
        rows[i + 1][2] = None
    for has_header in (True, False):
        t = check_table(rows if has_header else rows[1:])
        block = np.column_stack([t.values[:, 0], -t.values[:, 0]])
        out = t.aligned(block, ["A", "B"])
        expect = [["A", "B"]] if has_header else []
        expect += [[None, None] if i in gaps else [float(i), -float(i)] for i in range(n)]
        assert out == expect
        assert t.aligned(t.values[:, 0]) == ([[""]] if has_header else []) + [
            [None] if i in gaps else [float(i)] for i in range(n)]


def test_small_ranges_are_remembered_too_and_count_logical_cells(monkeypatch):
    import nqp_xl.table as table

    cache.clear_ranges()
    calls = []
    real = table._from_rows
    monkeypatch.setattr(table, "_from_rows", lambda *a: calls.append(1) or real(*a))
    rows = [["Region", "gdp", "rd"], ["Beijing", 1.0, 2.5], ["Shanghai", 0.0, 3.5], ["Tianjin", 8.0, 1.5]]
    first = check_table(rows)
    assert check_table([list(r) for r in rows]) is first and len(calls) == 1
    logical = [list(r) for r in rows]
    logical[1][1] = True  # equal to 1.0 for ==, but a logical value: converted afresh and refused
    with pytest.raises(NQPError, match="logical value TRUE"):
        check_table(logical)
    logical[1][1], logical[2][1] = 1.0, False
    with pytest.raises(NQPError, match="logical value FALSE"):
        check_table(logical)
    moved = [["Region", "gdp", "rd"], ["Beijing", True, 2.5], ["Shanghai", 1.0, 3.5]]
    check_table(moved, id_cols=2)  # a logical value in a label column is a label
    moved_again = [list(r) for r in moved]
    moved_again[1][1], moved_again[2][1] = 1.0, True  # as many logical cells, in another place
    assert check_table(moved_again, id_cols=2).labels[1] == ("Shanghai", "TRUE")
    assert check_table(rows, missing="error") is not first  # other options: another conversion
    assert check_table(rows) is first


def test_remembered_ranges_are_bounded_by_count_and_cells(monkeypatch):
    import nqp_xl.table as table

    cache.clear_ranges()
    monkeypatch.setattr(cache, "_RANGES_MAX", 3)
    ranges = [[["a", "b"], [float(i), 1.0], [2.0, float(i) + 3]] for i in range(5)]
    tables = [check_table(r) for r in ranges]
    assert len(cache._ranges) == 3
    assert check_table([list(r) for r in ranges[4]]) is tables[4]
    assert check_table([list(r) for r in ranges[0]]) is not tables[0]  # forgotten, converted again
    cache.clear_ranges()
    monkeypatch.setattr(cache, "_RANGES_MAX_CELLS", 20)
    big = [["x"] + [f"c{j}" for j in range(4)]] + [[f"r{i}"] + [float(i + j) for j in range(4)] for i in range(4)]
    check_table(ranges[1]), check_table(big)  # 6 + 25 cells: the older one makes room
    assert [e[2].shape for e in cache._ranges] == [(4, 4)]


def test_a_lone_blank_far_down_is_found_by_the_count(monkeypatch):
    import nqp_xl.table as table

    rows, _ = _mixed_range(700)
    rows = [[r[0]] + [float(i + j) for j in range(30)] for i, r in enumerate(rows)]
    rows[0] = ["unit"] + [f"x{j}" for j in range(30)]
    rows[650][7] = None  # past the first rows looked at
    rows[660][9] = "#N/A"
    monkeypatch.setattr(cell_values, "_convert_slow", lambda *a: pytest.fail("cell-by-cell path taken"))
    t = check_table(rows)
    assert t.n_kept == 698 and not t.keep[649] and not t.keep[659]
    rows[670][3] = True
    with pytest.raises(NQPError, match=r"\(row 671, column D of the range\) holds the logical value TRUE"):
        check_table(rows)


def test_subset_of_side_by_side_columns_is_a_read_only_view():
    values = np.arange(24.0).reshape(6, 4)
    t = check_table(values)
    side = t.subset([1, 2])
    apart = t.subset([0, 3])
    assert np.shares_memory(side.values, t.values) and not side.values.flags.writeable
    assert not np.shares_memory(apart.values, t.values)
    assert np.array_equal(side.values, values[:, 1:3]) and np.array_equal(apart.values, values[:, [0, 3]])
    assert side.names == ("X2", "X3") and side.key != apart.key != t.key


def test_column_extremes_of_a_large_table_are_the_plain_ones_bit_for_bit():
    """Folded rows give the same extremes, including the sign of a zero extreme."""
    rng = np.random.default_rng(5)
    x = np.round(rng.standard_normal((1003, 6)) * 3)
    x[:, 1] = np.abs(x[:, 1])  # a zero minimum ...
    x[rng.integers(0, 1003, 40), 1] = -0.0  # ... some of them negative zeros
    x[:, 4] = -np.abs(x[:, 4]) - 1.0
    t = check_table(x)
    assert t.column_min.tobytes() == x.min(axis=0).tobytes()
    assert t.column_max.tobytes() == x.max(axis=0).tobytes()


def test_column_letter_is_openpyxls():
    from openpyxl.utils.cell import get_column_letter

    from nqp_xl.cell_values import column_letter
    assert all(column_letter(i) == get_column_letter(i + 1) for i in range(18278))
