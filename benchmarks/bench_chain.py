"""Speed of nqp-xl's method chain beside the Python stack an analyst would otherwise use.

    .venv/bin/python benchmarks/bench_chain.py            # full run (about a minute)
    .venv/bin/python benchmarks/bench_chain.py --repeat 3 # quicker, noisier

Not a timed test: it prints medians and ratios.  The reference stack (factor_analyzer 0.5.1,
scikit-learn KMeans, pandas) runs in its own environment, ``benchmarks/.venv-bench``, made
on first use, because factor_analyzer 0.5.1 fails with scikit-learn >= 1.8 and the project
must not be pinned for it.  Both sides get the same data, as the same list of rows that
xlwings hands a UDF (header row, label column, floats).

Chains (every measurement is uncached: nqp-xl's result cache is cleared before each chain;
inside one chain the formulas share the table's fitted model, as a workbook's formulas do):

* factor, UDFs:  NQP_KMO, NQP_MSA, NQP_BARTLETT, NQP_VARIANCE, NQP_LOADINGS, NQP_FACTORS,
                 NQP_CLUSTER(F) — each call converts the whole range itself.
  reference:     DataFrame from the rows, calculate_kmo, calculate_bartlett_sphericity,
                 FactorAnalyzer(principal, varimax).fit, get_factor_variance, transform,
                 composite, rank, KMeans(4, n_init=10).
* factor, core:  factor_analysis(DataFrame) and its fields, grade(composite).
* index, UDFs:   NQP_WEIGHTS, NQP_INDEX, NQP_TOPSIS, NQP_INDEX on each half, NQP_COUPLING.
  reference:     the same formulas in pandas/numpy.
* index, core:   entropy weights, composite_index, topsis, coupling on the DataFrame.

Targets (issue 2 and 3): >= 10x at 31 x 15 through the UDFs and at 20,000 x 40 through the
core; >= 3x at 20,000 x 40 through the UDFs; for each chain and for the whole.
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BENCH_ENV = HERE / ".venv-bench"
REFERENCE_PACKAGES = ["scikit-learn<1.8", "factor_analyzer==0.5.1", "pandas", "numpy", "scipy"]

sys.path.insert(0, str(ROOT / "udfs"))
import nqp_udfs  # noqa: E402
from nqp_xl import cache  # noqa: E402
from nqp_xl.cluster import grade  # noqa: E402
from nqp_xl.composite import composite_index, entropy_weights, topsis  # noqa: E402
from nqp_xl.coupling import coupling  # noqa: E402
from nqp_xl.factor import factor_analysis  # noqa: E402


def province_table() -> list[list]:
    """31 provinces x 15 indicators, 2022, from the bundled panel."""
    from nqp_xl.datasets import load_panel

    panel = load_panel()
    cols = ["rd_personnel_fte", "rd_expenditure", "rd_intensity", "gov_sci_tech_spending",
            "gov_education_spending", "basic_research_spending", "invention_patent_applications",
            "valid_invention_patents", "tech_market_outflow", "ind_rd_institutions",
            "ind_rd_personnel_fte", "ind_rd_expenditure", "ind_new_product_dev_spending",
            "hitech_enterprises", "hitech_revenue"]
    y = panel[panel["year"] == 2022]
    return [["region"] + cols] + [[r] + [float(v) for v in vals]
                                  for r, vals in zip(y["province_en"], y[cols].to_numpy())]


def county_panel(n: int = 20_000, p: int = 40, seed: int = 7) -> list[list]:
    """A county-year-sized table from a seeded 4-factor model (positive, indicator-like)."""
    rng = np.random.default_rng(seed)
    loadings = rng.uniform(0.2, 0.9, size=(p, 4)) * (rng.random((p, 4)) < 0.5)
    loadings[np.arange(p), np.arange(p) % 4] = rng.uniform(0.6, 0.9, size=p)
    x = rng.standard_normal((n, 4)) @ loadings.T + 0.6 * rng.standard_normal((n, p))
    x = 100 + 15 * x
    return [["county"] + [f"x{j + 1}" for j in range(p)]] + [
        [f"c{i + 1:05d}"] + row for i, row in enumerate(x.tolist())
    ]


def frame(rows: list[list]) -> pd.DataFrame:
    return pd.DataFrame(rows[1:], columns=rows[0]).set_index(rows[0][0])


# ----------------------------------------------------------------------------- our chains


def udf_inputs(rows: list[list], k: int) -> dict:
    """The other ranges the chain's formulas read, as Excel would hand them over: the
    composite F column (for NQP_CLUSTER), each half of the table (two subsystems) and the
    two subsystem indices side by side (for NQP_COUPLING).  Made once, outside the timing."""
    half = (len(rows[0]) - 1) // 2
    first = [r[: 1 + half] for r in rows]
    second = [[r[0]] + r[1 + half:] for r in rows]
    factors = nqp_udfs.NQP_FACTORS(rows, k)
    u1, u2 = nqp_udfs.NQP_INDEX(first), nqp_udfs.NQP_INDEX(second)
    return {
        "f_col": [[r[k]] for r in factors],
        "first": first, "second": second,
        "systems": [[a[0], b[0]] for a, b in zip(u1, u2)],
    }


def udf_factor_chain(rows: list[list], k: int, inp: dict) -> None:
    _check([
        nqp_udfs.NQP_KMO(rows), nqp_udfs.NQP_MSA(rows), nqp_udfs.NQP_BARTLETT(rows),
        nqp_udfs.NQP_VARIANCE(rows, k), nqp_udfs.NQP_LOADINGS(rows, k), nqp_udfs.NQP_FACTORS(rows, k),
        nqp_udfs.NQP_CLUSTER(inp["f_col"], 4),
    ])


def core_factor_chain(df: pd.DataFrame, k: int) -> None:
    fa = factor_analysis(df, n_factors=k)
    _ = (fa.kmo, fa.msa, fa.bartlett, fa.variance_table, fa.rotated_loadings, fa.scores, fa.rank)
    grade(fa.composite, 4)


def udf_index_chain(rows: list[list], inp: dict) -> None:
    _check([
        nqp_udfs.NQP_WEIGHTS(rows), nqp_udfs.NQP_INDEX(rows), nqp_udfs.NQP_TOPSIS(rows),
        nqp_udfs.NQP_INDEX(inp["first"]), nqp_udfs.NQP_INDEX(inp["second"]),
        nqp_udfs.NQP_COUPLING(inp["systems"]),
    ])


def core_index_chain(df: pd.DataFrame) -> None:
    half = df.shape[1] // 2
    entropy_weights(df)
    composite_index(df)
    topsis(df)
    u = np.column_stack([composite_index(df.iloc[:, :half]).index, composite_index(df.iloc[:, half:]).index])
    coupling(u)


def _check(answers: list) -> None:
    for a in answers:
        if isinstance(a, str) and a.startswith("#NQP!"):
            raise SystemExit(f"benchmark chain failed: {a}")


def median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        cache.clear()
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


# ----------------------------------------------------------------------------- reference stack


def ensure_reference_env() -> Path:
    python = BENCH_ENV / "bin" / "python"
    if not python.exists():
        print(f"making the reference environment {BENCH_ENV} (once) ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(BENCH_ENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *REFERENCE_PACKAGES], check=True)
    return python


def reference_times(cases: list[dict]) -> dict:
    python = ensure_reference_env()
    job = json.dumps({"cases": cases})
    env = dict(os.environ)
    proc = subprocess.run([str(python), str(HERE / "reference_stack.py")], input=job,
                          capture_output=True, text=True, check=True, env=env)
    return json.loads(proc.stdout)


# ----------------------------------------------------------------------------- main


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--repeat", type=int, default=30, help="runs per median at 31 x 15 (default 30)")
    parser.add_argument("--big-repeat", type=int, default=5, help="runs per median at 20,000 x 40")
    args = parser.parse_args(argv)

    small, big = province_table(), county_panel()
    k = 3
    cases = [
        {"name": "31x15", "rows": small, "k": k, "repeat": args.repeat},
        {"name": "20000x40", "rows": big, "k": k, "repeat": args.big_repeat},
    ]
    inputs = {case["name"]: udf_inputs(case["rows"], k) for case in cases}
    # The inputs are fixed for the whole run: keep the garbage collector from re-scanning
    # their ~100,000 row lists during every timed chain (the reference side does the same).
    gc.collect()
    gc.freeze()
    # warm both sides (imports, BLAS threads) before timing
    udf_factor_chain(small, k, inputs["31x15"]), udf_index_chain(small, inputs["31x15"])
    ref = reference_times(cases)

    results = []
    for case in cases:
        rows, rep, inp = case["rows"], case["repeat"], inputs[case["name"]]
        df = frame(rows)
        ours = {
            ("factor", "UDFs"): median_time(lambda: udf_factor_chain(rows, k, inp), rep),
            ("factor", "core"): median_time(lambda: core_factor_chain(df, k), rep),
            ("index", "UDFs"): median_time(lambda: udf_index_chain(rows, inp), rep),
            ("index", "core"): median_time(lambda: core_index_chain(df), rep),
        }
        for path in ("UDFs", "core"):
            # UDFs start from range rows; the core from a ready DataFrame: so does the reference
            suffix = "" if path == "UDFs" else "_frame"
            r_factor, r_index = ref[case["name"]]["factor" + suffix], ref[case["name"]]["index" + suffix]
            whole_ours = ours[("factor", path)] + ours[("index", path)]
            for chain, o, r in (("factor", ours[("factor", path)], r_factor),
                                ("index", ours[("index", path)], r_index),
                                ("whole", whole_ours, r_factor + r_index)):
                target = 10 if (case["name"] == "31x15" and path == "UDFs") or (
                    case["name"] == "20000x40" and path == "core") else (3 if case["name"] == "20000x40" else None)
                results.append((case["name"], chain, path, o, r, target))

    print(f"{'data':<10} {'chain':<7} {'nqp-xl via':<10} {'nqp-xl ms':>10} {'reference ms':>13} {'ratio':>7} {'target':>7}")
    for name, chain, path, o, r, target in results:
        ratio = r / o
        mark = "" if target is None else (f"{target}x " + ("ok" if ratio >= target else "MISSED"))
        print(f"{name:<10} {chain:<7} {path:<10} {o * 1000:>10.2f} {r * 1000:>13.2f} {ratio:>6.1f}x {mark:>9}")
    print("reference: factor_analyzer 0.5.1 + scikit-learn KMeans(n_init=10) + pandas (factor); "
          "pandas/numpy formulas (index).\n'UDFs' rows: both sides start from the range rows; "
          "'core' rows: both start from a ready DataFrame.")
    return 0


if __name__ == "__main__":
    sys.exit(main())
