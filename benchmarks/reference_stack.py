"""The Python stack an analyst would otherwise reach for, timed on the same data.

Runs inside its own environment (factor_analyzer 0.5.1 needs scikit-learn < 1.8), started
by ``benchmarks/bench_chain.py`` and kept running for the whole benchmark: it reads one JSON
job (the data) on the first line of stdin, then one command per line — ``round`` (time every
chain once more, answer one JSON line of medians in seconds), ``memory`` (the peak memory of
one chain at each size, by tracemalloc) or ``quit``.  So its rounds interleave with
nqp-xl's and both sides see the same load on a shared machine.

Factor chain: pandas DataFrame from the range rows, numeric conversion, listwise dropna,
factor_analyzer's KMO and Bartlett, FactorAnalyzer(method="principal", rotation="varimax"),
variance table, regression scores, the rotated-variance composite, rank, scikit-learn KMeans
(k=4, n_init=10) on the composite.  Index chain: the same formulas as nqp-xl's entropy
weights, composite index, TOPSIS, subsystem indices and coupling, written directly in
pandas/numpy.
"""
from __future__ import annotations

import gc
import json
import statistics
import sys
import time
import tracemalloc
import warnings

import numpy as np
import pandas as pd
from factor_analyzer import FactorAnalyzer
from factor_analyzer.factor_analyzer import calculate_bartlett_sphericity, calculate_kmo
from sklearn.cluster import KMeans

warnings.filterwarnings("ignore")


def frame_from_rows(rows: list[list]) -> pd.DataFrame:
    header, body = rows[0], rows[1:]
    df = pd.DataFrame(body, columns=header)
    df = df.set_index(header[0])
    return df.apply(pd.to_numeric, errors="coerce").dropna()


def factor_chain(rows: list[list], k: int, df: pd.DataFrame | None = None) -> None:
    df = frame_from_rows(rows) if df is None else df
    calculate_kmo(df)
    calculate_bartlett_sphericity(df)
    fa = FactorAnalyzer(n_factors=k, method="principal", rotation="varimax")
    fa.fit(df)
    _ = fa.loadings_
    ss, prop, cum = fa.get_factor_variance()
    scores = fa.transform(df)
    composite = scores @ (ss / ss.sum())
    pd.Series(composite, index=df.index).rank(ascending=False, method="min")
    KMeans(n_clusters=4, n_init=10, random_state=0).fit(composite.reshape(-1, 1))


def entropy_index(x: pd.DataFrame) -> tuple[pd.Series, pd.Series, pd.DataFrame]:
    """Entropy weights and the composite index of one indicator block (min-max, all "+")."""
    x = (x - x.min()) / (x.max() - x.min())
    p = x / x.sum()
    plogp = (p * np.log(p.where(p > 0, 1.0))).sum()
    d = 1 + plogp / np.log(len(x))
    w = d / d.sum()
    return w, (x * w).sum(axis=1), x


def index_chain(rows: list[list], df: pd.DataFrame | None = None) -> None:
    """Entropy weights, index and TOPSIS of the whole table, then each half's own entropy
    index as two subsystems and their coupling coordination (as nqp-xl's chain does)."""
    df = frame_from_rows(rows) if df is None else df
    w, index, x = entropy_index(df)
    v = x * w
    dplus = np.sqrt(((v - v.max()) ** 2).sum(axis=1))
    dminus = np.sqrt(((v - v.min()) ** 2).sum(axis=1))
    c = dminus / (dplus + dminus)
    c.rank(ascending=False, method="min")
    half = df.shape[1] // 2
    u1 = entropy_index(df.iloc[:, :half])[1]
    u2 = entropy_index(df.iloc[:, half:])[1]
    cc = 2 * np.sqrt(u1 * u2) / (u1 + u2)
    t = (u1 + u2) / 2
    d = np.sqrt(cc * t)
    np.clip(np.floor(d * 10) + 1, 1, 10)


def median_time(fn, repeat: int) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def whole_chain(rows: list[list], k: int, df: pd.DataFrame | None = None) -> None:
    """Both chains on one DataFrame (made from the rows once when none is given)."""
    df = frame_from_rows(rows) if df is None else df
    factor_chain(rows, k, df)
    index_chain(rows, df)


def one_round(cases: list[dict], frames: dict) -> dict:
    out = {}
    for case in cases:
        rows, k, rep, df = case["rows"], case["k"], case["repeat"], frames[case["name"]]
        out[case["name"]] = {
            # from the range rows, as a UDF receives them (DataFrame built inside the timing)
            "whole": median_time(lambda: whole_chain(rows, k), rep),
            "factor": median_time(lambda: factor_chain(rows, k), rep),
            "index": median_time(lambda: index_chain(rows), rep),
            # from a ready DataFrame, as nqp-xl's core is timed
            "whole_frame": median_time(lambda: whole_chain(rows, k, df), rep),
            "factor_frame": median_time(lambda: factor_chain(rows, k, df), rep),
            "index_frame": median_time(lambda: index_chain(rows, df), rep),
        }
    return out


def peak_memory(cases: list[dict]) -> dict:
    """Peak bytes traced while one whole chain runs from the range rows, above what was held before."""
    out = {}
    for case in cases:
        gc.collect()
        tracemalloc.start()
        base = tracemalloc.get_traced_memory()[0]
        whole_chain(case["rows"], case["k"])
        out[case["name"]] = tracemalloc.get_traced_memory()[1] - base
        tracemalloc.stop()
    return out


def main() -> None:
    job = json.loads(sys.stdin.readline())
    cases = job["cases"]
    frames = {case["name"]: frame_from_rows(case["rows"]) for case in cases}
    gc.collect()
    gc.freeze()  # the job's rows are fixed input, as on the nqp-xl side
    for line in sys.stdin:
        command = line.strip()
        if command == "round":
            answer = one_round(cases, frames)
        elif command == "memory":
            answer = peak_memory(cases)
        else:
            break
        sys.stdout.write(json.dumps(answer) + "\n")
        sys.stdout.flush()


if __name__ == "__main__":
    main()
