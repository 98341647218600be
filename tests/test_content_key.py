"""Cache keys that stand for a table's content (nqp_xl.content_key)."""
from __future__ import annotations

import numpy as np

from nqp_xl import cache
from nqp_xl.composite import entropy_weights
from nqp_xl.factor import factor_analysis
from nqp_xl.table import check_table


def _rows(n: int = 300, seed: int = 1) -> list[list]:
    rng = np.random.default_rng(seed)
    x = rng.uniform(1, 10, size=(n, 4))
    x[:, 1] += x[:, 0]
    return [["Region", "a", "b", "c", "d"]] + [[f"r{i}"] + row for i, row in enumerate(x.tolist())]


def _fresh(rows: list[list]) -> list[list]:
    return [list(r) for r in rows]


def test_equal_content_gives_equal_keys_from_separate_conversions():
    rows = _rows()
    cache.clear()
    a = check_table(rows)
    cache.clear()  # forget the remembered range: a second, separate conversion
    b = check_table(_fresh(rows))
    assert a is not b and a.key is not b.key
    assert a.key == b.key and hash(a.key) == hash(b.key)


def test_a_change_the_sample_skips_still_tells_tables_apart():
    rows = _rows()
    changed = _fresh(rows)
    changed[150][2] += 1e-9  # a row between the sampled ones
    a, b = check_table(rows), check_table(changed)
    assert hash(a.key) == hash(b.key)  # the cheap hash cannot see it ...
    assert a.key != b.key  # ... the exact comparison does


def test_signed_zero_labels_and_names_tell_tables_apart():
    rows = _rows(20)
    zero = _fresh(rows)
    zero[5][1] = 0.0
    negzero = _fresh(zero)
    negzero[5][1] = -0.0
    a = check_table(zero)
    cache.clear()  # a remembered range equal by == (0.0 == -0.0) would be recognised
    assert a.key != check_table(negzero).key  # bit for bit
    relabelled = _fresh(rows)
    relabelled[3][0] = "elsewhere"
    assert check_table(rows).key != check_table(relabelled).key
    renamed = _fresh(rows)
    renamed[0][2] = "B"
    assert check_table(rows).key != check_table(renamed).key


def test_subset_keys_derive_from_the_table():
    t = check_table(_rows())
    assert t.subset([0, 1]).key == t.subset([0, 1]).key
    assert t.subset([0, 1]).key != t.subset([1, 2]).key
    assert t.subset([0, 1]).key != t.key


def test_results_are_shared_by_content_and_never_stale():
    rows = _rows()
    cache.clear()
    first = factor_analysis(rows, 2)
    w = entropy_weights(rows)
    cache.clear_ranges()  # the range is converted again, into a new Table
    again = _fresh(rows)
    assert factor_analysis(again, 2) is first
    assert entropy_weights(again).weights is w.weights
    again[150][3] = again[150][3] * 2
    assert factor_analysis(again, 2) is not first
    assert not np.array_equal(entropy_weights(again).weights, w.weights)
