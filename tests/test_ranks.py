import numpy as np
from scipy.stats import rankdata

from nqp_xl.ranks import rank_desc


def test_matches_scipy_min_method_on_random_ties():
    rng = np.random.default_rng(3)
    for _ in range(50):
        x = rng.integers(0, 6, size=rng.integers(1, 40)).astype(float)
        np.testing.assert_array_equal(rank_desc(x), rankdata(-x, method="min"))


def test_noise_level_differences_tie():
    assert rank_desc([0.1 + 0.2, 0.3, -1.0]).tolist() == [1, 1, 3]
    assert rank_desc([0.0, 0.0]).tolist() == [1, 1]
