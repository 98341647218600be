"""Parse PSPP's QUICK CLUSTER output (tests/fixtures/cluster/pspp_output.csv, made by
tests/oracles/cluster_pspp.sps) into tests/fixtures/cluster/pspp_quick_cluster.json.

Each run (in the order of the .sps) gives its variables, k, the initial and final cluster
centres (clusters in PSPP's order: ascending final centre of the first variable, as printed
with 12 decimals) and the number of cases per cluster.  Run from the repository root.
"""
import csv
import json
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OUT = ROOT / "tests" / "fixtures" / "cluster"
RUNS = [  # (dataset, variables, k, membership column) as in cluster_pspp.sps
    ("province_2022", ["rd_intensity"], 4, "p1"),
    ("province_2022", ["rd_intensity", "rd_expenditure", "gov_sci_tech_spending"], 3, "p2"),
    ("province_2022", ["rd_expenditure", "gov_education_spending", "hitech_enterprises"], 4, "p3"),
    ("synthetic_2500", ["x1"], 4, "s1"),
    ("synthetic_2500", ["x1", "x2", "x3"], 4, "s2"),
    ("synthetic_2500", [f"x{j}" for j in range(1, 13)], 3, "s3"),
]


def tables(path: Path) -> list[tuple[str, list[list[str]]]]:
    out, title, rows = [], None, []
    for line in path.read_text().splitlines() + [""]:
        if line.startswith("Table: "):
            title, rows = line[len("Table: "):], []
        elif not line.strip():
            if title:
                out.append((title, rows))
            title = None
        elif title:
            rows.append(next(csv.reader([line])))
    return out


def main() -> None:
    found = tables(OUT / "pspp_output.csv")
    runs = []
    for r, (dataset, variables, k, column) in enumerate(RUNS):
        (t1, init), (t2, final), (t3, counts) = found[3 * r: 3 * r + 3]
        assert (t1, t2, t3) == ("Initial Cluster Centers", "Final Cluster Centers",
                                "Number of Cases in each Cluster")
        runs.append({
            "dataset": dataset, "variables": variables, "k": k, "membership": column,
            "initial_centers": [[float(v) for v in row[1:]] for row in init[2:]],
            "final_centers": [[float(v) for v in row[1:]] for row in final[2:]],
            "counts": [int(row[2]) for row in counts[1:-1]],
        })
    (OUT / "pspp_quick_cluster.json").write_text(json.dumps({"pspp": "1.6.2", "runs": runs}, indent=1) + "\n")


if __name__ == "__main__":
    main()
