"""Time of nqp-xl's input boundary and answer layout on a county-sized range (issue 10).

    .venv/bin/python benchmarks/bench_conversion.py [--repeat 9] [--budget 80]

A range of 20,000 rows x 40 indicators (plus a header row and a label column: 820,041
cells) as xlwings hands it over, converted and validated by ``check_table`` from nothing
(the memory of recent ranges cleared each time):

* numbers only;
* with 8,000 scattered blanks (None), Excel error codes (ints), error texts ("#N/A"),
  blank texts and plain whole numbers (ints);
* the same range again as fresh lists (a recalculation: recognised, not converted);

then the layout of an aligned 20,000 x 5 answer (NQP_FACTORS' shape) with and without
left-out rows.  Prints the median and range; exits 1 when a conversion's median is over
the budget (ms).  Not a timed test: the machine's load moves these figures.
"""
from __future__ import annotations

import argparse
import gc
import os
import statistics
import struct
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))
from bench_chain import county_panel, fresh_copy  # noqa: E402
from nqp_xl import cache, excel_answer, table  # noqa: E402

NA, DIV0 = -2146826246, -2146826281


def mixed(rows: list[list], count: int = 8_000, seed: int = 3) -> list[list]:
    """The range with blanks, error codes and texts, blank texts and ints scattered over it."""
    rng = np.random.default_rng(seed)
    out = [list(r) for r in rows]
    kinds = [None, NA, DIV0, "#N/A", " ", 7]
    spots = rng.integers([1, 1], [len(rows), len(rows[0])], size=(count, 2))
    for (i, j), k in zip(spots.tolist(), rng.integers(0, len(kinds), count).tolist()):
        out[i][j] = kinds[k]
    return out


def timed(fn, repeat: int) -> list[float]:
    times = []
    for _ in range(repeat):
        cache.clear_ranges()
        t0 = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t0) * 1e3)
    return times


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=9)
    ap.add_argument("--budget", type=float, default=80.0, help="ms allowed for a conversion's median")
    args = ap.parse_args(argv)
    rows = county_panel()
    holes = mixed(rows)
    again = fresh_copy(rows)
    gc.collect()
    gc.freeze()  # the fixed inputs, as in bench_chain.py
    gc.disable()  # as inside a UDF (nqp_xl.excel_answer.answer pauses the collector)

    t = table.check_table(rows)
    h = table.check_table(holes)
    cases = [
        ("convert 20,000 x 40, numbers only", timed(lambda: table.check_table(rows), args.repeat), True),
        (f"convert 20,000 x 40 with 8,000 blanks/errors/ints ({h.n_kept} complete rows)",
         timed(lambda: table.check_table(holes), args.repeat), True),
        ("convert once, then recognise an equal range (fresh cells)",
         timed(lambda: (table.check_table(rows), table.check_table(again)), args.repeat), False),
    ]
    block = np.random.default_rng(1).normal(size=(t.n_kept, 5))
    block_h = block[: h.n_kept]
    header = ["F1", "F2", "F3", "F", "Rank"]
    cases += [
        ("lay out 20,000 x 5 aligned (all rows complete)",
         timed(lambda: excel_answer.cells(t, block, header), args.repeat), False),
        (f"lay out {h.n_kept:,} x 5 aligned with {h.n_rows - h.n_kept:,} blank rows",
         timed(lambda: excel_answer.cells(h, block_h, header), args.repeat), False),
    ]
    gc.enable()
    print(f"{args.repeat} runs each; load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
    over = []
    for name, times, budgeted in cases:
        med = statistics.median(times)
        mark = ""
        if budgeted:
            mark = f"  (budget {args.budget:g} ms: {'ok' if med <= args.budget else 'OVER'})"
            if med > args.budget:
                over.append(name)
        print(f"{name:<70} median {med:6.1f} ms, range {min(times):.1f}-{max(times):.1f}{mark}")
    return 1 if over else 0


if __name__ == "__main__":
    sys.exit(main())
