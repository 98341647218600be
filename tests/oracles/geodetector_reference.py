"""Oracle for nqp_xl.geodetector: writes tests/fixtures/geodetector/*.csv.

Run in a separate environment (never a dependency of nqp-xl):
    python3 -m venv /tmp/geo && /tmp/geo/bin/pip install geodetector==0.2.0
    /tmp/geo/bin/python tests/oracles/geodetector_reference.py

Two cases:
1. disease.csv: the neural-tube-defects data of Wang et al. (2010) as the PyPI ``geodetector``
   package ships it (geodetector/dataset/data/disease.csv); factors type, region and level
   are their own classes.  q, P and the interaction q and type come from the package
   (``q_statistic``, ``q_significance_test``, ``interaction_type``).
2. province_2022.csv: y = hitech_revenue; factors rd_intensity and gov_education_spending cut
   into k = 4 classes by an optimal 1-D k-means written here by brute force (every split),
   and the four economic zones (text).  q and P by the published formulas by hand (numpy and
   scipy.stats.ncf), because the package drops strata of one row, which the formula keeps;
   where no stratum has one row the package's figures are checked to agree.
"""
from __future__ import annotations

import csv
import itertools
from pathlib import Path

import numpy as np
from scipy.stats import ncf
from geodetector._stats import interaction_type, q_significance_test, q_statistic

HERE = Path(__file__).resolve().parents[1] / "fixtures"
OUT = HERE / "geodetector"
TYPES = ("Nonlinear-weaken", "Uni-weaken", "Bi-enhance", "Independent", "Nonlinear-enhance")


def codes(values) -> np.ndarray:
    return np.unique(np.asarray(values), return_inverse=True)[1]


def q_by_hand(y: np.ndarray, x: np.ndarray) -> tuple[float, float]:
    N = y.size
    sst = ((y - y.mean()) ** 2).sum()
    ssw = sum(((y[x == h] - y[x == h].mean()) ** 2).sum() for h in np.unique(x))
    q = 1 - ssw / sst
    strata = [y[x == h] for h in np.unique(x)]
    L = len(strata)
    lam = (sum(s.mean() ** 2 for s in strata) - sum(np.sqrt(s.size) * s.mean() for s in strata) ** 2 / N) / y.var()
    F = (N - L) / (L - 1) * q / (1 - q)
    return float(q), float(ncf.sf(F, L - 1, N - L, lam))


def kmeans_brute(x: np.ndarray, k: int) -> np.ndarray:
    """Class of each value by the least within-class sum of squares over every split of the sorted distinct values."""
    u = np.unique(x)
    best, best_cuts = np.inf, None
    for cuts in itertools.combinations(range(1, u.size), k - 1):
        groups = np.split(np.arange(u.size), cuts)
        cost = 0.0
        for g in groups:
            v = x[np.isin(x, u[g])]
            cost += ((v - v.mean()) ** 2).sum()
        if cost < best - 1e-12 * max(1.0, best if np.isfinite(best) else 1.0):
            best, best_cuts = cost, cuts
    bounds = u[list(best_cuts)]
    return np.searchsorted(bounds, x, side="right")


def write(name: str, header: list[str], rows: list[list]) -> None:
    with open(OUT / name, "w", newline="", encoding="utf-8") as fh:
        w = csv.writer(fh)
        w.writerow(header)
        for r in rows:
            w.writerow([repr(v) if isinstance(v, float) else v for v in r])


def disease() -> None:
    with open(OUT / "disease.csv", encoding="utf-8-sig") as fh:
        rows = list(csv.reader(fh))
    names = rows[0][1:]
    y = np.array([float(r[0]) for r in rows[1:]])
    xs = [codes([r[j + 1] for r in rows[1:]]) for j in range(len(names))]
    qs = [q_statistic(y, x) for x in xs]
    for x, q in zip(xs, qs):
        assert abs(q - q_by_hand(y, x)[0]) < 1e-12
    write("disease_factor.csv", ["factor", "q", "p"],
          [[n, q, q_significance_test(y, x)] for n, q, x in zip(names, qs, xs)])
    pairs = []
    for i, j in itertools.combinations(range(len(names)), 2):
        both = codes([f"{a}_{b}" for a, b in zip(xs[i], xs[j])])
        singles = (np.bincount(both) == 1).any()
        q12 = q_by_hand(y, both)[0] if singles else q_statistic(y, both)
        pairs.append([names[i], names[j], q12, TYPES[interaction_type(qs[i], qs[j], q12)], int(singles)])
    write("disease_interaction.csv", ["factor1", "factor2", "q12", "type", "has_single_row_strata"], pairs)


ZONES = ["East"] * 10 + ["Central"] * 6 + ["West"] * 12 + ["Northeast"] * 3


def province() -> None:
    with open(HERE / "data" / "province_2022.csv", encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    assert len(rows) == 31 and rows[9]["region_name"] == "Hainan" and rows[28]["region_name"] == "Liaoning"
    y = np.array([float(r["hitech_revenue"]) for r in rows])
    factors = {
        "rd_intensity": kmeans_brute(np.array([float(r["rd_intensity"]) for r in rows]), 4),
        "gov_education_spending": kmeans_brute(np.array([float(r["gov_education_spending"]) for r in rows]), 4),
        "zone": codes(ZONES),
    }
    out = []
    qs = {}
    for name, x in factors.items():
        q, p = q_by_hand(y, x)
        if not (np.bincount(x) == 1).any():
            assert abs(q - q_statistic(y, x)) < 1e-12 and abs(p - q_significance_test(y, x)) < 1e-9
        qs[name] = q
        out.append([name, q, p])
    write("province_factor.csv", ["factor", "q", "p"], out)
    write("province_strata.csv", ["region_name", *factors], [[r["region_name"], *(int(factors[f][i]) for f in factors)]
                                                            for i, r in enumerate(rows)])
    pairs = []
    for a, b in itertools.combinations(factors, 2):
        both = codes([f"{u}_{v}" for u, v in zip(factors[a], factors[b])])
        q12 = q_by_hand(y, both)[0]
        pairs.append([a, b, q12, TYPES[interaction_type(qs[a], qs[b], q12)]])
    write("province_interaction.csv", ["factor1", "factor2", "q12", "type"], pairs)


if __name__ == "__main__":
    disease()
    province()
