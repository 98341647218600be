"""Oracle for nqp_xl.cluster.kmeans_1d_optimal: Ckmeans.1d.dp (Wang & Song 2011) 4.3.5
through its Python wrapper ``ckwrap`` (not a project dependency; the R package is not
packaged for this Debian).  Writes tests/fixtures/cluster/ckmeans_reference.json.

    python3 -m venv /tmp/ckv && /tmp/ckv/bin/pip install ckwrap pandas
    /tmp/ckv/bin/python tests/oracles/cluster_ckmeans.py      # from the repository root
"""
import json
from pathlib import Path

import ckwrap
import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parents[2]
DATA = ROOT / "tests" / "fixtures" / "data"
CASES = [("province_2022", c) for c in ("rd_intensity", "rd_expenditure", "tech_market_outflow",
                                         "hitech_enterprises")] + [("synthetic_2500", "x1")]


def main() -> None:
    out = []
    for dataset, column in CASES:
        x = pd.read_csv(DATA / f"{dataset}.csv")[column].to_numpy(dtype=float).copy()
        for k in (2, 3, 4, 5):
            r = ckwrap.ckmeans(x, k)
            out.append({"dataset": dataset, "column": column, "k": k, "labels": r.labels.tolist(),
                        "centers": r.centers.tolist(), "withinss": float(np.sum(r.withinss))})
    path = ROOT / "tests" / "fixtures" / "cluster" / "ckmeans_reference.json"
    path.write_text(json.dumps({"ckmeans.1d.dp": "4.3.5 (ckwrap)", "cases": out}) + "\n")


if __name__ == "__main__":
    main()
