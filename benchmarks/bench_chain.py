"""Speed and memory of nqp-xl's method chain beside the Python stack an analyst would otherwise use.

    .venv/bin/python benchmarks/bench_chain.py              # full run (about a minute)
    .venv/bin/python benchmarks/bench_chain.py --rounds 5   # quicker, noisier

Not a timed test: it prints medians and ratios, and exits 1 when a target is missed.  The
reference stack (factor_analyzer 0.5.1, scikit-learn KMeans, pandas) runs in its own
environment, ``benchmarks/.venv-bench``, made on first use, because factor_analyzer 0.5.1
fails with scikit-learn >= 1.8 and the project must not be pinned for it.  Both sides get
the same data, as the same list of rows that xlwings hands a UDF (header row, label column,
floats).

The chain (issue 10): factor analysis, grades, entropy weights, index, TOPSIS, subsystem
indices, coupling.

* UDFs:       NQP_KMO, NQP_MSA, NQP_BARTLETT, NQP_VARIANCE, NQP_LOADINGS, NQP_FACTORS,
              NQP_CLUSTER(F column) | NQP_WEIGHTS, NQP_INDEX, NQP_TOPSIS,
              NQP_SUBINDEX(range, Subsystem row), NQP_COUPLING(the two subsystem indices).
              Every call is handed the whole range and converts or recognises it itself.
* core:       factor_analysis(DataFrame) and its fields, grade(composite) | entropy_weights,
              composite_index, topsis, subindices(DataFrame, Subsystem row), coupling.
* reference:  DataFrame from the rows (UDF comparison) or the ready DataFrame (core
              comparison), calculate_kmo, calculate_bartlett_sphericity,
              FactorAnalyzer(principal, varimax).fit, get_factor_variance, transform,
              composite, rank, KMeans(4, n_init=10) | the same index formulas in
              pandas/numpy, each half of the indicators as one subsystem.

Targets (issue 10), for the whole chain: at least 12x at 31 x 15 through the UDFs, 3x at
20,000 x 40 through the UDFs, 10x at 20,000 x 40 through the core on a DataFrame.  Peak
memory: tracemalloc's peak (Python objects and numpy buffers) while one whole chain runs at
20,000 x 40, above what was held before it, on each side (measured in a separate, untimed run).

Floors (information, no target; :func:`numpy_floors`): the bare numpy work of the chain at
20,000 x 40 with the same threads, each step timed on its own (the DataFrame's C-ordered
copy, z-scores, the correlation matmul, scores, sorting the composite, min-max, one np.log
over the 800,000 values, the index, TOPSIS's row norms; for the UDFs also reading the range
rows into a float64 array and one 20,000 x 5 answer's tolist), their sum, and what each
target means in milliseconds (reference / target) beside it.  It says how far a chain is
from what numpy alone would take, not what is reachable: conversion checks, the content
cache, the exact 1-D k-means and the answers' Python objects come on top.

Fairness:
* inputs are prepared outside the timing on both sides: the range rows, the DataFrame for
  the core comparison, the Subsystem row, and the ranges later formulas read (the F column
  for NQP_CLUSTER, the two subsystem-index columns for NQP_COUPLING);
* every measured chain is uncached: nqp-xl's result cache and its memory of recent ranges
  are cleared before each chain; inside one chain the formulas share the range's conversion
  and fitted model, as a workbook's formulas do;
* the fixed inputs are frozen out of the garbage collector's view on both sides (gc.freeze);
* each round times both sides (the reference in its own, long-lived process) one after the
  other, so a load spike on this shared machine tends to hit both; the ratio is taken per
  round (median of the runs inside it), and the report gives the median and range of the
  round ratios.  The whole chain is timed as one unit on both sides (one cache.clear() on
  ours, one DataFrame made from the rows on the reference's); its factor and index halves
  are also timed on their own, each from cold, for information.
* both sides run with the same number of BLAS and OpenMP threads, one by default
  (``--threads``; 0 leaves the libraries' defaults): on a 2-core machine shared with other
  jobs, threads that wait for each other at every BLAS call or OpenMP loop turn a 250 ms
  factor_analyzer + KMeans chain into 3-6 s, and the ratios into noise.
* every UDF call in the timed chains gets the same list object, as the previous benchmark
  did; in Excel each formula receives its own fresh copy of the cells, and recognising an
  already-converted range then costs one exact comparison of its cells (about 10 ms at
  800,000 cells).  The line "UDFs, fresh cells per call" measures that case (information,
  no target).
"""
from __future__ import annotations

import argparse
import gc
import json
import os
import statistics
import struct
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def _pin_threads(argv: list[str], script: str = __file__) -> None:
    """Run this benchmark (``script``; and so the reference stack it starts) with ``--threads``
    BLAS and OpenMP threads (default 1): the variables must be set before numpy is imported, so
    the script starts itself again with them when they differ."""
    threads = "1"
    for i, a in enumerate(argv):
        if a == "--threads" and i + 1 < len(argv):
            threads = argv[i + 1]
        elif a.startswith("--threads="):
            threads = a.split("=", 1)[1]
    if threads == "0":  # the libraries' own defaults
        return
    if all(os.environ.get(v) == threads for v in THREAD_VARIABLES):
        return
    env = dict(os.environ, **{v: threads for v in THREAD_VARIABLES})
    os.execve(sys.executable, [sys.executable, os.path.abspath(script), *argv], env)


if __name__ == "__main__":
    _pin_threads(sys.argv[1:])

import numpy as np  # noqa: E402
import pandas as pd  # noqa: E402

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
BENCH_ENV = HERE / ".venv-bench"
REFERENCE_PACKAGES = ["scikit-learn<1.8", "factor_analyzer==0.5.1", "pandas", "numpy", "scipy"]
K = 3  # factors kept
# (size, path) -> the ratio a whole chain must reach (issue 10)
TARGETS = {("31x15", "UDFs"): 12.0, ("20000x40", "UDFs"): 3.0, ("20000x40", "core"): 10.0}

sys.path.insert(0, str(ROOT / "udfs"))
import nqp_udfs  # noqa: E402
from nqp_xl import cache  # noqa: E402
from nqp_xl.cluster import grade  # noqa: E402
from nqp_xl.composite import composite_index, entropy_weights, topsis  # noqa: E402
from nqp_xl.coupling import coupling  # noqa: E402
from nqp_xl.factor import factor_analysis  # noqa: E402
from nqp_xl.panel import subindices  # noqa: E402


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


def subsystem_row(p: int) -> list[list]:
    """The Subsystem row above a range of one label column and p indicators: each half one subsystem."""
    half = p // 2
    return [[None] + ["Innovation"] * half + ["Industry"] * (p - half)]


def fresh_copy(rows: list[list]) -> list[list]:
    """The same cells as new Python objects, as xlwings hands a range to each formula."""
    unpack, pack = struct.unpack, struct.pack
    return [[unpack("d", pack("d", v))[0] if type(v) is float else v for v in r] for r in rows]


# ----------------------------------------------------------------------------- our chains


def udf_inputs(rows: list[list]) -> dict:
    """The other ranges the chain's formulas read, as Excel would hand them over: the
    Subsystem row, the composite F column (for NQP_CLUSTER) and NQP_SUBINDEX's two columns
    (for NQP_COUPLING).  Made once, outside the timing."""
    subs = subsystem_row(len(rows[0]) - 1)
    factors = nqp_udfs.NQP_FACTORS(rows, K)
    return {"subs": subs, "f_col": [[r[K]] for r in factors], "systems": nqp_udfs.NQP_SUBINDEX(rows, subs)}


def udf_factor_chain(ranges, inp: dict) -> None:
    r = iter(ranges)
    _check([
        nqp_udfs.NQP_KMO(next(r)), nqp_udfs.NQP_MSA(next(r)), nqp_udfs.NQP_BARTLETT(next(r)),
        nqp_udfs.NQP_VARIANCE(next(r), K), nqp_udfs.NQP_LOADINGS(next(r), K),
        nqp_udfs.NQP_FACTORS(next(r), K), nqp_udfs.NQP_CLUSTER(inp["f_col"], 4),
    ])


def udf_index_chain(ranges, inp: dict) -> None:
    r = iter(ranges)
    _check([
        nqp_udfs.NQP_WEIGHTS(next(r)), nqp_udfs.NQP_INDEX(next(r)), nqp_udfs.NQP_TOPSIS(next(r)),
        nqp_udfs.NQP_SUBINDEX(next(r), inp["subs"]), nqp_udfs.NQP_COUPLING(inp["systems"]),
    ])


def core_factor_chain(df: pd.DataFrame) -> None:
    fa = factor_analysis(df, n_factors=K)
    _ = (fa.kmo, fa.msa, fa.bartlett, fa.variance_table, fa.rotated_loadings, fa.scores, fa.rank)
    grade(fa.composite, 4)


def core_index_chain(df: pd.DataFrame, subs: list) -> None:
    entropy_weights(df)
    composite_index(df)
    topsis(df).rank
    coupling(subindices(df, subs).index)


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


def peak_bytes(fn) -> int:
    """Peak memory traced (Python objects and numpy buffers) while ``fn`` runs, above what was held before."""
    cache.clear()
    gc.collect()
    tracemalloc.start()
    base = tracemalloc.get_traced_memory()[0]
    fn()
    peak = tracemalloc.get_traced_memory()[1] - base
    tracemalloc.stop()
    cache.clear()
    return peak


# ----------------------------------------------------------------------------- floors


def numpy_floors(rows: list[list], df: pd.DataFrame, repeat: int = 15) -> dict[str, float]:
    """Medians (seconds) of the bare numpy work the chain cannot avoid at this size, each
    on the same data with the same threads: what is left if everything else were free.

    Core (from a DataFrame): its C-ordered float64 copy, z-scores (mean, centring,
    sums of squares, scaling), the correlation matmul Z'Z (20,000 x 40 -> 40 x 40), the
    scores Z B (k = 3), sorting the composite (grades and ranks), column min and max and
    the min-max x', one np.log over x' (entropy), the index x' w, and TOPSIS's two row
    norms.  UDFs add reading the range rows into a float64 array (np.array of the row
    lists, label column left out), and laying one 20,000 x 5 answer out (tolist).
    """
    x = np.ascontiguousarray(df.to_numpy(dtype=float))
    m, p = x.shape
    rng = np.random.default_rng(0)
    b = rng.standard_normal((p, K))
    w = np.full(p, 1.0 / p)
    z = (x - x.mean(axis=0)) / x.std(axis=0, ddof=1)
    lo, hi = x.min(axis=0), x.max(axis=0)
    xn = (x - lo) / (hi - lo)
    xn1 = xn + 1.0  # positive: np.log without -inf
    body = [r[1:] for r in rows[1:]]
    answer = np.column_stack([z[:, :K], z[:, 0], z[:, 1]])

    def zscores():
        c = x - x.mean(axis=0)
        c /= np.sqrt(np.einsum("ij,ij->j", c, c) / (m - 1))

    def minmax():
        low = x.min(axis=0)
        a = x - low
        a /= x.max(axis=0) - low

    def topsis():
        v = xn * w
        np.einsum("ij,ij->i", v, v)
        v -= w
        np.einsum("ij,ij->i", v, v)

    work = {
        "DataFrame -> C-ordered float64": lambda: np.ascontiguousarray(df.to_numpy(dtype=float)),
        "z-scores": zscores,
        "correlation Z'Z": lambda: z.T @ z,
        "scores Z B": lambda: z @ b,
        "sort + argsort of the composite": lambda: (np.sort(z[:, 0]), np.argsort(z[:, 0])),
        "column min, max and x'": minmax,
        "np.log of 800,000 values": lambda: np.log(xn1),
        "index x' w": lambda: xn @ w,
        "TOPSIS row norms": topsis,
        "rows -> float64 array (UDFs)": lambda: np.array(body, dtype=float),
        "20,000 x 5 answer tolist (UDFs)": lambda: answer.tolist(),
    }
    out = {}
    for name, fn in work.items():
        times = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            fn()
            times.append(time.perf_counter() - t0)
        out[name] = statistics.median(times)
    return out


# ----------------------------------------------------------------------------- reference stack


def ensure_reference_env() -> Path:
    python = BENCH_ENV / "bin" / "python"
    if not python.exists():
        print(f"making the reference environment {BENCH_ENV} (once) ...", file=sys.stderr)
        subprocess.run([sys.executable, "-m", "venv", str(BENCH_ENV)], check=True)
        subprocess.run([str(python), "-m", "pip", "install", "-q", *REFERENCE_PACKAGES], check=True)
    return python


class Reference:
    """The reference stack in its own long-lived process: one job, then rounds on request."""

    def __init__(self, cases: list[dict]):
        self.proc = subprocess.Popen([str(ensure_reference_env()), str(HERE / "reference_stack.py")],
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True,
                                     env=dict(os.environ))
        self.proc.stdin.write(json.dumps({"cases": cases}) + "\n")
        self.proc.stdin.flush()

    def ask(self, command: str) -> dict:
        self.proc.stdin.write(command + "\n")
        self.proc.stdin.flush()
        line = self.proc.stdout.readline()
        if not line:
            raise SystemExit("the reference stack stopped; run benchmarks/reference_stack.py by hand to see why")
        return json.loads(line)

    def close(self) -> None:
        self.proc.stdin.write("quit\n")
        self.proc.stdin.close()
        self.proc.wait(timeout=60)


# ----------------------------------------------------------------------------- main


def _range(values: list[float]) -> str:
    return f"{min(values):.1f}-{max(values):.1f}"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rounds", type=int, default=7, help="rounds, each giving one ratio (default 7, at least 5)")
    parser.add_argument("--repeat", type=int, default=20, help="runs per round at 31 x 15 (default 20)")
    parser.add_argument("--big-repeat", type=int, default=3, help="runs per round at 20,000 x 40 (default 3)")
    parser.add_argument("--threads", type=int, default=1,
                        help="BLAS/OpenMP threads on both sides (default 1; 0: the libraries' defaults)")
    args = parser.parse_args(argv)

    cases = [
        {"name": "31x15", "rows": province_table(), "k": K, "repeat": args.repeat},
        {"name": "20000x40", "rows": county_panel(), "k": K, "repeat": args.big_repeat},
    ]
    prepared = {}
    for case in cases:
        rows = case["rows"]
        inp = udf_inputs(rows)
        df = frame(rows)
        prepared[case["name"]] = {
            "rows": rows, "inp": inp, "df": df, "subs": inp["subs"][0][1:],
            "same": [rows] * 7,  # every formula handed the same list
            "fresh": [fresh_copy(rows) for _ in range(7)],  # every formula its own cells
        }
    # The inputs are fixed for the whole run: keep the garbage collector from re-scanning
    # their ~100,000 row lists during every timed chain (the reference side does the same).
    gc.collect()
    gc.freeze()
    small = prepared["31x15"]
    udf_factor_chain(small["same"], small["inp"]), udf_index_chain(small["same"], small["inp"])  # warm up
    reference = Reference(cases)

    paths = {
        "UDFs": lambda pr: (lambda: udf_factor_chain(pr["same"], pr["inp"]),
                            lambda: udf_index_chain(pr["same"], pr["inp"])),
        "UDFs, fresh cells per call": lambda pr: (lambda: udf_factor_chain(pr["fresh"], pr["inp"]),
                                                  lambda: udf_index_chain(pr["fresh"], pr["inp"])),
        "core": lambda pr: (lambda: core_factor_chain(pr["df"]),
                            lambda: core_index_chain(pr["df"], pr["subs"])),
    }
    ours: dict = {}  # (size, path, part) -> [median of each round]
    refs: dict = {}  # (size, part) -> [median of each round]
    t_start = time.perf_counter()
    load_before = os.getloadavg()
    for _ in range(args.rounds):
        got = reference.ask("round")
        for case in cases:
            name, rep, pr = case["name"], case["repeat"], prepared[case["name"]]
            for part in ("whole", "factor", "index", "whole_frame", "factor_frame", "index_frame"):
                refs.setdefault((name, part), []).append(got[name][part])
            for path, make in paths.items():
                factor, index = make(pr)
                whole = (lambda f, i: lambda: (f(), i()))(factor, index)  # one chain: one cache.clear()
                for part, fn in (("whole", whole), ("factor", factor), ("index", index)):
                    ours.setdefault((name, path, part), []).append(median_time(fn, rep))
    load_after = os.getloadavg()
    ref_peak = reference.ask("memory")
    reference.close()
    big = prepared["20000x40"]
    our_peak = {
        "UDFs": peak_bytes(lambda: (udf_factor_chain(big["same"], big["inp"]), udf_index_chain(big["same"], big["inp"]))),
        "core": peak_bytes(lambda: (core_factor_chain(big["df"]), core_index_chain(big["df"], big["subs"]))),
    }

    floors = numpy_floors(big["rows"], big["df"])

    missed = []
    threads = {v: os.environ.get(v, "default") for v in THREAD_VARIABLES}
    print(f"{args.rounds} rounds; per round the median of {args.repeat} runs at 31x15 and "
          f"{args.big_repeat} at 20000x40; {time.perf_counter() - t_start:.0f} s; load average "
          f"{load_before[0]:.2f} before, {load_after[0]:.2f} after, on {os.cpu_count()} CPUs; "
          + ", ".join(f"{k}={v}" for k, v in threads.items()))
    print(f"{'data':<9} {'nqp-xl via':<27} {'part':<7} {'nqp-xl ms':>10} {'reference ms':>13} "
          f"{'ratio median':>13} {'ratio range':>12} {'target':>9}")
    for case in cases:
        name = case["name"]
        for path in paths:
            suffix = "_frame" if path == "core" else ""  # the core starts from a ready DataFrame, so does the reference
            for part in ("factor", "index", "whole"):
                o, r = ours[(name, path, part)], refs[(name, part + suffix)]
                ratios = [b / a for a, b in zip(o, r)]
                ratio = statistics.median(ratios)
                target = TARGETS.get((name, path)) if part == "whole" else None
                mark = ""
                if target is not None:
                    mark = f"{target:g}x " + ("ok" if ratio >= target else "MISSED")
                    if ratio < target:
                        missed.append(f"{name} {path}")
                print(f"{name:<9} {path:<27} {part:<7} {statistics.median(o) * 1e3:>10.2f} "
                      f"{statistics.median(r) * 1e3:>13.2f} {ratio:>12.1f}x {_range(ratios):>12} {mark:>9}")
    mb = 1 / 2 ** 20
    print(f"peak memory of one whole chain at 20000x40 (tracemalloc, above the prepared inputs): "
          f"UDFs {our_peak['UDFs'] * mb:.1f} MB, core {our_peak['core'] * mb:.1f} MB, "
          f"reference from the rows {ref_peak['20000x40'] * mb:.1f} MB")
    core_floor = sum(v for k, v in floors.items() if "(UDFs)" not in k)
    udf_floor = sum(floors.values())
    print("floors at 20000x40 (information, no target): the bare numpy work of the chain, median ms, same threads: "
          + "; ".join(f"{k} {v * 1e3:.2f}" for k, v in floors.items()))
    for path, floor, suffix in (("core", core_floor, "_frame"), ("UDFs", udf_floor, "")):
        ref = statistics.median(refs[("20000x40", "whole" + suffix)])
        target = TARGETS[("20000x40", path)]
        ours_ms = statistics.median(ours[("20000x40", path, "whole")]) * 1e3
        print(f"  {path}: numpy floor {floor * 1e3:.1f} ms; the {target:g}x target means a whole chain in "
              f"{ref * 1e3 / target:.1f} ms (reference {ref * 1e3:.1f} ms / {target:g}); nqp-xl takes {ours_ms:.1f} ms; "
              f"at the floor the ratio would be {ref / floor:.1f}x")
    print("reference: factor_analyzer 0.5.1 + scikit-learn KMeans(n_init=10) + pandas (factor); "
          "pandas/numpy formulas (index).\nUDF lines: both sides start from the range rows; core lines: "
          "both start from a ready DataFrame. Targets apply to the whole chain.")
    if missed:
        print("missed: " + ", ".join(missed))
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
