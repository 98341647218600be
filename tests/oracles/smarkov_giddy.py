"""Reference figures for nqp_xl/spatial_markov.py from PySAL giddy's ``Spatial_Markov``.

PySAL is not a dependency of nqp-xl (giddy brings numba, geopandas and shapely); this script
runs in an environment of its own, from the repository root:

    python3 -m venv /tmp/h19pysal && /tmp/h19pysal/bin/pip install giddy
    /tmp/h19pysal/bin/python tests/oracles/smarkov_giddy.py

giddy 2.3.8, libpysal 4.14, mapclassify 2.10.  Conventions used (giddy's defaults):
``Spatial_Markov(y, w, k, m=k, fixed=True)``: classes are mapclassify ``Quantiles`` of all n × t
values pooled, lag classes ``Quantiles`` of all n × t spatial lags pooled (w row-standardised,
``transform = "r"``); T[l] counts the moves of the regions whose lag is in class l in the
starting year; the homogeneity test is giddy's ``Q`` and ``LR`` (Bickenbach & Bode 2003) with
``dof_hom``, as ``Spatial_Markov.summary`` prints it.

Datasets (written to tests/fixtures/spatial_markov/):
* ``real``: the bundled panel's rd_intensity, 31 provinces × 2016–2023 (balanced), bundled
  contiguity weights, k = 3, 4, 5; and ``real_distance`` with the inverse-distance weights, k = 4.
* ``gap2017``: the same without 2017, k = 4.  giddy takes consecutive columns as one step, so
  it runs on the one-year run 2018–2023 only, with ``cutoffs``/``lag_cutoffs`` set to the pooled
  quantiles of all seven years' values and lags (what fixed=True gives on the whole panel);
  2016 has no year after it and contributes no transition.
"""
from __future__ import annotations

import csv
from pathlib import Path

import giddy
import libpysal
import mapclassify
import numpy as np
import pandas as pd
from giddy.markov import Spatial_Markov, homogeneity

ROOT = Path(__file__).resolve().parents[2]
FIX = ROOT / "tests" / "fixtures" / "spatial_markov"


def weights(kind: str, ids: list[str]) -> libpysal.weights.W:
    W = pd.read_csv(ROOT / f"nqp_xl/data/china_province_weights_{kind}.csv", index_col=0, encoding="utf-8")
    w = libpysal.weights.full2W(W.loc[ids, ids].to_numpy(dtype=float), ids=ids)
    w.transform = "r"
    return w


def wide(years: list[int]) -> tuple[np.ndarray, list[str]]:
    p = pd.read_csv(ROOT / "nqp_xl/data/china_province_panel.csv", encoding="utf-8")
    p = p[p.year.isin(years)]
    y = p.pivot(index="province", columns="year", values="rd_intensity")
    ids = sorted(y.index)
    return y.loc[ids, years].to_numpy(dtype=float), ids


def record(name: str, k: int, sm, cutoffs, lag_cutoffs, counts, ht, out: dict) -> None:
    for l in range(k):
        for a in range(k):
            for b in range(k):
                out["matrix"].append(dict(dataset=name, k=k, lag=l + 1, source=a + 1, target=b + 1,
                                          count=float(counts[l, a, b])))
    for j, (c, lc) in enumerate(zip(cutoffs, lag_cutoffs)):
        out["bounds"].append(dict(dataset=name, k=k, j=j + 1, bound=float(c), lag_bound=float(lc)))
    out["test"].append(dict(dataset=name, k=k, Q=float(ht.Q), Q_p=float(ht.Q_p_value), LR=float(ht.LR),
                            LR_p=float(ht.LR_p_value), dof=int(ht.dof), giddy=giddy.__version__))


def main() -> None:
    out: dict[str, list] = {"matrix": [], "bounds": [], "test": []}
    years = list(range(2016, 2024))
    y, ids = wide(years)
    for kind, name, ks in (("contiguity", "real", (3, 4, 5)), ("distance", "real_distance", (4,))):
        w = weights(kind, ids)
        for k in ks:
            sm = Spatial_Markov(y, w, k=k, m=k, fixed=True)
            assert sm.k == k and sm.m == k
            # giddy's own summary statistics are the homogeneity() of sm.T
            record(name, k, sm, sm.cutoffs, sm.lag_cutoffs, sm.T, sm.ht, out)

    # 2017 missing: pooled quantiles over all seven years, transitions on the 2018-2023 run only
    k = 4
    yrs = [t for t in years if t != 2017]
    y7, ids = wide(yrs)
    w = weights("contiguity", ids)
    lags = np.asarray(libpysal.weights.lag_spatial(w, y7))
    cut = mapclassify.Quantiles(y7.flatten(), k=k).bins[:-1]
    lag_cut = mapclassify.Quantiles(lags.flatten(), k=k).bins[:-1]
    run = y7[:, yrs.index(2018):]
    sm = Spatial_Markov(run, w, k=k, m=k, fixed=True, cutoffs=cut, lag_cutoffs=lag_cut)
    assert sm.T.sum() == len(ids) * 5
    record("gap2017", k, sm, cut, lag_cut, sm.T, homogeneity(sm.T), out)

    FIX.mkdir(parents=True, exist_ok=True)
    for key, rows in out.items():
        with (FIX / f"giddy_{key}.csv").open("w", encoding="utf-8", newline="") as fh:
            wr = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
            wr.writeheader()
            for r in rows:
                wr.writerow({c: (f"{v:.17g}" if isinstance(v, float) else v) for c, v in r.items()})
    print("wrote", FIX)


if __name__ == "__main__":
    main()
