"""The county chain through Excel's own path (xlwings' call_udf and converters) beside the
functions themselves (issue 16: at most 1.2x).

    .venv/bin/python benchmarks/bench_xlwings_path.py [--rounds 7] [--size 20000x40]

The chain is bench_chain.py's (factor analysis, grades, entropy weights, index, TOPSIS,
subsystem indices, coupling: NQP_KMO, NQP_MSA, NQP_BARTLETT, NQP_VARIANCE, NQP_LOADINGS,
NQP_FACTORS, NQP_CLUSTER | NQP_WEIGHTS, NQP_INDEX, NQP_TOPSIS, NQP_SUBINDEX, NQP_COUPLING) on
its seeded 20,000 x 40 county table.  Three ways, in turns in each round:

* functions: the NQP_ functions called directly with lists of rows (as bench_chain.py);
* raw (now): Excel's path as tests/excel_com.py runs it off Windows: xlwings' own
  ``call_udf`` with the options each function declares (``raw`` in, ExcelAnswer out), the
  ranges as COM hands them over (tuples of row tuples);
* default (before): the same, with the declarations the functions had before issue 16
  (``ndim=2`` through xlwings' default converters and the Windows engine's value cleaning,
  the answer through the default writer).

Every chain starts cold (nqp-xl's cache and memory of ranges cleared); each way gets its
own copy of the cells made outside the timing, the same object for every formula of a chain
(as bench_chain.py does).  The ratio is taken per round; the report gives the median and
range; then, for information, xlwings' read of the range and write of NQP_STANDARDIZE's
answer on their own, both ways.  Both run with one BLAS/OpenMP thread (``--threads``, as bench_chain.py): on this
shared 2-core machine, threads waiting for each other at every BLAS call turn the ratios
into noise.  Exits 1 when the median raw/functions ratio is over 1.2.
"""
from __future__ import annotations

import argparse
import copy
import functools
import gc
import statistics
import sys
import time
import types
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path[:0] = [str(ROOT / "udfs"), str(ROOT / "tests"), str(HERE)]

from bench_chain import K, _pin_threads, county_panel, subsystem_row  # noqa: E402

if __name__ == "__main__":
    _pin_threads(sys.argv[1:], __file__)  # one BLAS thread unless --threads says otherwise, as bench_chain.py

import nqp_udfs  # noqa: E402
from excel_com import ComRange, com_value, excel  # noqa: E402
from nqp_xl import cache  # noqa: E402

TARGET = 1.2
CHAIN = [("NQP_KMO", "rows", ()), ("NQP_MSA", "rows", ()), ("NQP_BARTLETT", "rows", ()),
         ("NQP_VARIANCE", "rows", (K,)), ("NQP_LOADINGS", "rows", (K,)), ("NQP_FACTORS", "rows", (K,)),
         ("NQP_CLUSTER", "f_col", (4,)), ("NQP_WEIGHTS", "rows", ()), ("NQP_INDEX", "rows", ()),
         ("NQP_TOPSIS", "rows", ()), ("NQP_SUBINDEX", "rows", ("subs",)), ("NQP_COUPLING", "systems", ())]


def inputs(rows: list[list]) -> dict:
    """The ranges the chain's formulas read (made once, outside the timing)."""
    subs = subsystem_row(len(rows[0]) - 1)
    factors = nqp_udfs.NQP_FACTORS(rows, K)
    return {"rows": rows, "subs": subs, "f_col": [[r[K]] for r in factors],
            "systems": nqp_udfs.NQP_SUBINDEX(rows, subs)}


def before_module(module: types.ModuleType) -> types.ModuleType:
    """The UDFs with the xlwings declarations they had before: no ``convert`` (xlwings'
    default converters, ``ndim=2`` kept on ranges) and the default answer writer."""
    before = types.ModuleType("nqp_udfs_before")
    for name in module.__all__:
        fn = getattr(module, name)
        old = functools.wraps(fn)(lambda *a, _fn=fn: _fn(*a))
        xlf = copy.deepcopy({k: v for k, v in fn.__xlfunc__.items() if k != "ret"})
        for arg in xlf["args"]:
            arg["options"].pop("convert", None)
        xlf["argmap"] = {a["name"]: a for a in xlf["args"]}
        xlf["ret"] = {"doc": fn.__xlfunc__["ret"]["doc"], "options": {}}
        old.__xlfunc__ = xlf
        setattr(before, name, old)
    return before


def direct_chain(inp: dict) -> None:
    for name, first, extra in CHAIN:
        args = [inp[first], *(inp[a] if isinstance(a, str) else a for a in extra)]
        _check(getattr(nqp_udfs, name)(*args))


def excel_chain(xl, module_name: str, inp: dict) -> None:
    for name, first, extra in CHAIN:
        args = [ComRange(inp[first]), *(ComRange(inp[a]) if isinstance(a, str) else float(a) for a in extra)]
        _check(xl.udfs.call_udf(module_name, name, tuple(args), None, None))


def _check(answer) -> None:
    if isinstance(answer, str) and answer.startswith("#NQP!"):
        raise SystemExit(f"benchmark chain failed: {answer}")


def conversion_times(xl, direct_in: dict, com_in: dict, repeat: int = 5) -> dict[str, float]:
    """xlwings' own read of the county range and write of NQP_STANDARDIZE's answer of the same
    size, with the default converters and with raw / ExcelAnswer (median ms; information)."""
    from xlwings import conversion
    from xlwings.main import Range

    windows = sys.modules["xlwings"]._xlwindows
    answer = nqp_udfs.NQP_STANDARDIZE(direct_in["rows"])
    ret = getattr(xl.module, "NQP_STANDARDIZE").__xlfunc__["ret"]["options"]
    steps = {
        "read, default (ndim=2)": lambda: conversion.read(Range(impl=windows.Range(xl=ComRange(com_in["rows"]))),
                                                          None, {"ndim": 2}),
        "read, raw": lambda: conversion.read(Range(impl=windows.Range(xl=ComRange(com_in["rows"]))),
                                             None, {"convert": "raw", "ndim": 2}),
        "write NQP_STANDARDIZE, default": lambda: conversion.write(answer, None, {}),
        "write NQP_STANDARDIZE, ExcelAnswer": lambda: conversion.write(answer, None, ret),
    }
    out = {}
    for k, fn in steps.items():
        ts = []
        for _ in range(repeat):
            t0 = time.perf_counter()
            fn()
            ts.append((time.perf_counter() - t0) * 1e3)
        out[k] = statistics.median(ts)
    return out


def timed(fn) -> float:
    cache.clear()
    gc.collect()
    t0 = time.perf_counter()
    fn()
    return time.perf_counter() - t0


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rounds", type=int, default=7)
    ap.add_argument("--size", default="20000x40")
    ap.add_argument("--threads", default="1", help="BLAS/OpenMP threads (0: the libraries' defaults)")
    args = ap.parse_args(argv)
    n, p = map(int, args.size.lower().split("x"))
    rows = county_panel(n, p)
    direct_in = inputs(rows)
    com_in = {k: com_value(v) for k, v in direct_in.items()}
    with excel() as xl:
        before = before_module(xl.module)
        xl.udfs.udf_modules["nqp_udfs_before"] = {"filename": "", "filetime": None, "module": before}
        ways = {"functions": lambda: direct_chain(direct_in),
                "raw (now)": lambda: excel_chain(xl, xl.module_name, com_in),
                "default (before)": lambda: excel_chain(xl, "nqp_udfs_before", com_in)}
        for fn in ways.values():  # warm-up: imports, first-call costs
            fn()
        times = {k: [] for k in ways}
        for _ in range(args.rounds):
            for k, fn in ways.items():
                times[k].append(timed(fn))
        steps = conversion_times(xl, direct_in, com_in)
    print(f"county chain {n} x {p}, {len(CHAIN)} formulas, {args.rounds} rounds (median, range in s)")
    for k, ts in times.items():
        print(f"  {k:<18} {statistics.median(ts):7.3f}  [{min(ts):.3f} .. {max(ts):.3f}]")
    print(f"xlwings' conversion of one {n} x {p + 1} range and answer (median ms):")
    for k, ms in steps.items():
        print(f"  {k:<36} {ms:8.1f}")
    worst = 0.0
    for k in ("raw (now)", "default (before)"):
        ratios = [a / b for a, b in zip(times[k], times["functions"])]
        med = statistics.median(ratios)
        print(f"  {k} / functions: {med:.2f}x  [{min(ratios):.2f} .. {max(ratios):.2f}]"
              + (f"  (target <= {TARGET}x)" if k.startswith("raw") else ""))
        if k.startswith("raw"):
            worst = med
    return 0 if worst <= TARGET else 1


if __name__ == "__main__":
    sys.exit(main())
