"""Second opinion on NQP_SDM's region fixed effects from PySAL spreg's ``Panel_FE_Lag``.

spreg is not a dependency of nqp-xl; run in an environment of its own, from the repository root:

    python3 -m venv /tmp/h19pysal && /tmp/h19pysal/bin/pip install spreg giddy
    /tmp/h19pysal/bin/python tests/oracles/sdm_spreg.py

``Panel_FE_Lag`` (spreg 1.9, Elhorst's direct ML with region effects) fits the spatial lag model
on the region-demeaned data; with the lagged regressors WX appended to X it is the spatial
Durbin model.  ``epsilon = 1e-12`` (default 1e-7) is the tolerance of its bounded Brent search.
Its ρ and β equal the Lee–Yu transformation approach's (the two concentrated likelihoods are
proportional); its σ² = SSR/(NT) is the uncorrected one (Lee–Yu: SSR/(N(T-1))).  Written to
tests/fixtures/sdm/spreg_panel_fe.csv: rho, the coefficients, sig2.
"""
from __future__ import annotations

import csv
from pathlib import Path

import libpysal
import numpy as np
import pandas as pd
import spreg

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "fixtures" / "sdm" / "spreg_panel_fe.csv"
XN = ["ln(rd_personnel_fte)", "ln(gov_sci_tech_spending)", "rd_intensity"]


def main() -> None:
    p = pd.read_csv(ROOT / "nqp_xl/data/china_province_panel.csv", encoding="utf-8")
    rows = []
    for kind in ("contiguity", "distance"):
        C = pd.read_csv(ROOT / f"nqp_xl/data/china_province_weights_{kind}.csv", index_col=0, encoding="utf-8")
        ids = sorted(p.province.unique())
        years = sorted(p.year.unique())
        w = libpysal.weights.full2W(C.loc[ids, ids].to_numpy(dtype=float), ids=ids)
        w.transform = "r"
        W = w.full()[0]
        wide = lambda col, f=np.log: f(p.pivot(index="province", columns="year", values=col).loc[ids, years].to_numpy(float))
        y = wide("invention_patent_applications")
        xs = [wide("rd_personnel_fte"), wide("gov_sci_tech_spending"), wide("rd_intensity", lambda a: a)]
        # spreg's panel layout: (n, t) wide arrays, one column per year; WX per year
        X = np.hstack(xs + [W @ x for x in xs])
        Xbig = np.stack([X[:, j * len(years):(j + 1) * len(years)] for j in range(6)], axis=2)  # (n, t, 6)
        Xlong = Xbig.transpose(1, 0, 2).reshape(-1, 6)  # stacked by year: (t*n, 6)
        ylong = y.T.reshape(-1, 1)
        m = spreg.Panel_FE_Lag(ylong, Xlong, w, epsilon=1e-12)
        names = XN + [f"W*{n}" for n in XN] + ["rho"]
        for n, b in zip(names, np.asarray(m.betas).ravel()):
            rows.append(dict(weights=kind, variable=n, coef=f"{float(b):.17g}"))
        rows.append(dict(weights=kind, variable="sig2", coef=f"{float(np.asarray(m.sig2).ravel()[0]):.17g}"))
    with OUT.open("w", encoding="utf-8", newline="") as fh:
        wr = csv.DictWriter(fh, fieldnames=list(rows[0]), lineterminator="\n")
        wr.writeheader()
        wr.writerows(rows)
    print("wrote", OUT, "spreg", spreg.__version__)


if __name__ == "__main__":
    main()
