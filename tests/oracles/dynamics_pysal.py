"""Second opinion from PySAL (esda, giddy) on Moran's I, local Moran and the Markov chain.

PySAL is not a dependency of nqp-xl (esda + giddy bring numba, geopandas and shapely: about
1 GB in a fresh environment); this script runs in an environment of its own:

    python3 -m venv /tmp/pysal && /tmp/pysal/bin/pip install esda giddy
    /tmp/pysal/bin/python tests/oracles/dynamics_pysal.py      # from the repository root

It reads the same inputs as dynamics_reference.R (the bundled panel's rd_intensity with the
bundled weights; the synthetic panel and weights that script wrote) and writes
tests/fixtures/dynamics/pysal_*.csv with 17 significant digits.  Conventions that differ from
spdep and are checked as such by tests/test_spatial.py: esda's local ``Is`` uses Σz²/(n-1)
where spdep uses Σz²/n, so Is = (n-1)/n · Ii; esda's ``p_sim`` comes from its own random draws.
"""
from __future__ import annotations

import csv
from pathlib import Path

import esda
import giddy
import libpysal
import mapclassify
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
FIX = ROOT / "tests" / "fixtures" / "dynamics"


def read_matrix(path: Path) -> pd.DataFrame:
    return pd.read_csv(path, index_col=0, encoding="utf-8")


def datasets() -> dict[str, pd.DataFrame]:
    p = pd.read_csv(ROOT / "nqp_xl" / "data" / "china_province_panel.csv", encoding="utf-8")
    real = pd.DataFrame({"id": p["province"], "year": p["year"], "y": p["rd_intensity"]})
    syn = pd.read_csv(FIX / "synthetic_panel.csv").dropna()
    return {"real": real, "synthetic": syn}


def weights_for(W: pd.DataFrame, ids: list[str], style: str) -> libpysal.weights.W:
    sub = W.loc[ids, ids].to_numpy(dtype=float)
    w = libpysal.weights.full2W(sub, ids=ids)
    w.transform = "r" if style == "W" else "o"
    return w


def write(name: str, rows: list[dict]) -> None:
    with (FIX / name).open("w", encoding="utf-8", newline="") as fh:
        out = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        out.writeheader()
        for r in rows:
            out.writerow({k: (f"{v:.17g}" if isinstance(v, (float, np.floating)) else v) for k, v in r.items()})


def main() -> None:
    data = datasets()
    mats = {"contiguity": read_matrix(ROOT / "nqp_xl/data/china_province_weights_contiguity.csv"),
            "distance": read_matrix(ROOT / "nqp_xl/data/china_province_weights_distance.csv"),
            "synthetic": read_matrix(FIX / "synthetic_weights.csv")}
    cases = [("real", "contiguity", "W"), ("real", "distance", "B"), ("synthetic", "synthetic", "W")]
    moran_rows, lisa_rows = [], []
    for name, wname, style in cases:
        d = data[name]
        for year in sorted(d.year.unique()):
            s = d[d.year == year]
            ids = s.id.astype(str).tolist()
            w = weights_for(mats[wname], ids, style)
            y = s.y.to_numpy(dtype=float)
            mi = esda.Moran(y, w, transformation=w.transform, permutations=0, two_tailed=True)
            moran_rows.append(dict(dataset=name, weights=wname, style=style, year=int(year), I=mi.I, EI=mi.EI,
                                   VI_rand=mi.VI_rand, VI_norm=mi.VI_norm, z_rand=mi.z_rand, p_rand=mi.p_rand,
                                   z_norm=mi.z_norm, p_norm=mi.p_norm))
            if year == d.year.max():
                lm = esda.Moran_Local(y, w, transformation=w.transform, permutations=9999, seed=1)
                quad = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}
                for i, region in enumerate(ids):
                    lisa_rows.append(dict(dataset=name, weights=wname, style=style, year=int(year), id=region,
                                          Is=lm.Is[i], quadrant=quad[int(lm.q[i])], p_sim=lm.p_sim[i]))
    write("pysal_moran.csv", moran_rows)
    write("pysal_lisa.csv", lisa_rows)

    real = data["real"].pivot(index="id", columns="year", values="y")
    markov_rows = []
    for k in (3, 4, 5):
        q = mapclassify.Quantiles(real.to_numpy().ravel(), k=k)
        classes = q.yb.reshape(real.shape)
        m = giddy.markov.Markov(classes)
        for i in range(k):
            for j in range(k):
                markov_rows.append(dict(k=k, source=i + 1, target=j + 1, count=float(m.transitions[i, j]),
                                        prob=float(m.p[i, j]), bound=float(q.bins[i])))
    write("pysal_markov.csv", markov_rows)
    print(f"esda {esda.__version__}, giddy {giddy.__version__}, libpysal {libpysal.__version__}: wrote {FIX}")


if __name__ == "__main__":
    main()
