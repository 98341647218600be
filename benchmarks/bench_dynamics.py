"""Speed of the dynamics and spatial functions (issue 9): targets < 50 ms per function at
31 regions x 10 years through the UDFs, < 1 s at 2,800 counties x 10 years.

    .venv/bin/python benchmarks/bench_dynamics.py              # medians of 7 runs
    .venv/bin/python benchmarks/bench_dynamics.py --repeat 3 --dense

Not a timed test: it prints medians.  Data are synthetic (seeded): values with a spatial trend.
Small: the 31 bundled provinces x 10 years, passed as Excel passes ranges (header cell, floats,
texts), weights = the bundled contiguity sheet as a range.  Large: 2,800 "counties" x 10 years;
NQP_KDENSITY / NQP_CONVERGENCE / NQP_MARKOV through the UDFs with 28,001-row ranges; Moran's I
and LISA through the core with a scipy.sparse weights matrix (a 2,801 x 2,801 range is not how
county weights travel; ``--dense`` also times NQP_MORAN with one, for information).
Each measurement clears nqp-xl's caches first.
"""
from __future__ import annotations

import argparse
import statistics
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd
from scipy import sparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "udfs"))
sys.path.insert(0, str(ROOT))
import nqp_udfs  # noqa: E402
from nqp_xl import cache, spatial  # noqa: E402
from nqp_xl.provinces import bundled_weights  # noqa: E402


def median_ms(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        cache.clear()
        t = time.perf_counter()
        out = fn()
        times.append(time.perf_counter() - t)
        if isinstance(out, str) and out.startswith("#NQP!"):
            raise SystemExit(f"benchmark input refused: {out}")
    return 1000 * statistics.median(times)


def column(header: str, cells) -> list[list]:
    return [[header]] + [[c] for c in cells]


def small_panel(rng):
    w = bundled_weights("contiguity")
    names = w[0][1:]
    years = np.arange(2014, 2024)
    trend = rng.normal(0, 0.5, len(names))
    ids = [n for _ in years for n in names]
    yrs = [float(y) for y in years for _ in names]
    vals = [float(np.exp(1 + trend[i] + 0.04 * k + rng.normal(0, 0.1)))
            for k, _ in enumerate(years) for i, _ in enumerate(names)]
    return column("index", vals), column("province", ids), column("year", yrs), w


def county_panel(rng, n=2800, n_years=10):
    xy = rng.random((n, 2))
    tree_order = np.lexsort((xy[:, 1], np.floor(xy[:, 0] * 53)))
    W = sparse.lil_matrix((n, n))
    for a, b in zip(tree_order[:-1], tree_order[1:]):  # a chain through a grid of strips
        W[a, b] = W[b, a] = 1
    for k in range(0, n - 53, 7):                       # and some links across strips
        a, b = tree_order[k], tree_order[k + 53]
        W[a, b] = W[b, a] = 1
    names = [f"county{i:04d}" for i in range(n)]
    years = np.arange(2014, 2014 + n_years)
    vals = np.concatenate([np.exp(xy[:, 0] + 0.03 * k + rng.normal(0, 0.2, n)) for k in range(n_years)])
    ids = names * n_years
    yrs = np.repeat(years, n).astype(float)
    return vals, ids, yrs, spatial.SpatialWeights(names, W.tocsr())


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--repeat", type=int, default=7)
    ap.add_argument("--dense", action="store_true", help="also time NQP_MORAN with a 2,801 x 2,801 range")
    args = ap.parse_args()
    rng = np.random.default_rng(9)
    rows = []

    v, ids, yrs, w = small_panel(rng)
    last = [r for r, y in zip(v, yrs) if y[0] in ("year", 2023.0)]
    last_ids = [r for r, y in zip(ids, yrs) if y[0] in ("year", 2023.0)]
    small = {
        "NQP_KDENSITY(values, years)": lambda: nqp_udfs.NQP_KDENSITY(v, yrs),
        'NQP_CONVERGENCE(..., "sigma")': lambda: nqp_udfs.NQP_CONVERGENCE(v, ids, yrs),
        'NQP_CONVERGENCE(..., "beta")': lambda: nqp_udfs.NQP_CONVERGENCE(v, ids, yrs, "beta"),
        "NQP_MARKOV(values, ids, years, 4)": lambda: nqp_udfs.NQP_MARKOV(v, ids, yrs, 4),
        "NQP_MORAN(values, ids, W, years)": lambda: nqp_udfs.NQP_MORAN(v, ids, w, yrs),
        "NQP_LISA(2023, 999 permutations)": lambda: nqp_udfs.NQP_LISA(last, last_ids, w),
    }
    for name, fn in small.items():
        rows.append(("31 x 10, UDF", name, median_ms(fn, args.repeat), 50))

    vals, cids, cyrs, cw = county_panel(rng)
    rv, ri, ry = column("index", vals.tolist()), column("county", cids), column("year", cyrs.tolist())
    sv, si, sy = pd.Series(vals, name="index"), pd.Series(cids), pd.Series(cyrs)
    one = cyrs == cyrs.max()
    large = {
        ("UDF", "NQP_KDENSITY(values, years)"): lambda: nqp_udfs.NQP_KDENSITY(rv, ry),
        ("UDF", 'NQP_CONVERGENCE(..., "sigma")'): lambda: nqp_udfs.NQP_CONVERGENCE(rv, ri, ry),
        ("UDF", 'NQP_CONVERGENCE(..., "beta")'): lambda: nqp_udfs.NQP_CONVERGENCE(rv, ri, ry, "beta"),
        ("UDF", "NQP_MARKOV(values, ids, years, 4)"): lambda: nqp_udfs.NQP_MARKOV(rv, ri, ry, 4),
        ("core", "moran(values, ids, sparse W, years)"): lambda: spatial.moran(sv, si, cw, sy),
        ("core", "local_moran(one year, 999 perm.)"): lambda: spatial.local_moran(sv[one], si[one], cw),
    }
    for (how, name), fn in large.items():
        rows.append((f"2,800 x 10, {how}", name, median_ms(fn, args.repeat), 1000))
    if args.dense:
        dense = cw.matrix.toarray()
        wrange = [[""] + list(cw.names)] + [[n] + r for n, r in zip(cw.names, dense.tolist())]
        rows.append(("2,800 x 10, UDF", "NQP_MORAN with a 2,801 x 2,801 range",
                     median_ms(lambda: nqp_udfs.NQP_MORAN(rv, ri, wrange, ry), max(1, args.repeat // 3)), None))

    print(f"{'size, path':<20} {'function':<40} {'median ms':>10} {'target ms':>10}  ok")
    for size, name, ms, target in rows:
        ok = "" if target is None else ("yes" if ms < target else "NO")
        print(f"{size:<20} {name:<40} {ms:>10.1f} {target if target else '-':>10}  {ok}")


if __name__ == "__main__":
    main()
