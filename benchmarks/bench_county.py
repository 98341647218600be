"""County scale: `nqp-xl new` and `nqp-xl refresh` of a 20,000 × 40 panel beside LibreOffice.

    .venv/bin/python benchmarks/bench_county.py [--repeat 3] [--counties 2000] [--years 10] [--breakdown]

Writes a synthetic county panel (counties × years rows, 3 label columns county | province |
year, 40 indicators, seeded), runs ``nqp-xl new … --id-cols 3`` once, then in turns, in one
run: ``nqp-xl refresh`` of that workbook and LibreOffice's headless open-and-save of the same
file (``soffice --convert-to xlsm``, a throwaway profile).  Prints each command's median wall
time, the ratio, and the peak resident memory of the refresh process (``wait4`` rusage).
Targets (issue 17): refresh at least as fast as LibreOffice (ratio ≥ 1.0), peak ≤ 600 MB,
``new`` at most 2.5× LibreOffice's time (10 s without soffice).  Exits 1 when a target is missed.
"""
from __future__ import annotations

import argparse
import csv
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time


def county_csv(path: str, counties: int, years: int, indicators: int = 40, seed: int = 7) -> int:
    rng = random.Random(seed)
    scale = [10 ** rng.uniform(0, 5) for _ in range(indicators)]
    with open(path, "w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["county", "province", "year"] + [f"x{j + 1:02d}" for j in range(indicators)])
        n = 0
        for c in range(counties):
            base = [s * rng.uniform(0.2, 5.0) for s in scale]
            for y in range(years):
                growth = 1.0 + 0.05 * y
                w.writerow([f"County {c + 1:05d}", f"Province {c % 31 + 1:02d}", 2014 + y] +
                           [f"{b * growth * rng.uniform(0.9, 1.1):.6g}" for b in base])
                n += 1
    return n


def timed(cmd: list[str]) -> tuple[float, float]:
    """Wall seconds and peak RSS (MB) of one child process."""
    t = time.perf_counter()
    proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    _pid, status, usage = os.wait4(proc.pid, 0)
    seconds = time.perf_counter() - t
    err = proc.stderr.read().decode(errors="replace") if proc.stderr else ""
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"{' '.join(cmd)} failed:\n{err}")
    return seconds, usage.ru_maxrss / 1024


def breakdown(book: str) -> str:
    """One refresh in this process, phase by phase (imports are counted in evaluating)."""
    from nqp_xl.collector import gc_paused
    from nqp_xl.workbook.commands.refresh import udf_modules
    from nqp_xl.workbook.engine.recalc import refresh_package
    from nqp_xl.workbook.ooxml.package import read_package

    with gc_paused():
        t0 = time.perf_counter()
        pkg = read_package(book)
        for name in pkg.sheet_names:
            if pkg.is_worksheet(name):
                pkg.sheet(name)
        t1 = time.perf_counter()
        report, engine = refresh_package(pkg, udf_modules(pkg))
        del engine
        t2 = time.perf_counter()
        pkg.to_bytes()
        t3 = time.perf_counter()
    return (f"breakdown of one refresh in-process: read {t1 - t0:.2f} s, evaluate {t2 - t1:.2f} s "
            f"(formulas {report.seconds:.2f} s), write {t3 - t2:.2f} s")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--counties", type=int, default=2000)
    ap.add_argument("--years", type=int, default=10)
    ap.add_argument("--breakdown", action="store_true",
                    help="also time one refresh in this process: reading the sheets, evaluating, writing")
    args = ap.parse_args()
    nqp = [sys.executable, "-m", "nqp_xl.workbook.commands.cli"]
    from startup import byte_compiled  # benchmarks/ is the script's folder

    byte_compiled()
    lo = shutil.which("soffice") or shutil.which("libreoffice")
    ok = True
    with tempfile.TemporaryDirectory() as d:
        data = os.path.join(d, "county.csv")
        rows = county_csv(data, args.counties, args.years)
        book = os.path.join(d, "county.xlsm")
        t_new, m_new = timed(nqp + ["new", data, "-o", book, "--id-cols", "3"])
        print(f"nqp-xl new: {rows:,} rows × 40 indicators in {t_new:.2f} s, peak {m_new:.0f} MB; "
              f"workbook {os.path.getsize(book) / 2**20:.1f} MB")
        out = os.path.join(d, "out.xlsm")
        refresh = nqp + ["refresh", book, "-o", out, "-q", "--force"]
        office = [lo, f"-env:UserInstallation=file://{d}/lo-profile", "--headless", "--convert-to",
                  "xlsm:Calc MS Excel 2007 VBA XML", "--outdir", os.path.join(d, "lo"), book] if lo else None
        if office:
            timed(office)  # first start of a fresh profile is not counted
        r_times, r_mem, l_times = [], [], []
        for _ in range(args.repeat):
            s, m = timed(refresh)
            r_times.append(s)
            r_mem.append(m)
            if office:
                l_times.append(timed(office)[0])
        r_med = statistics.median(r_times)
        peak = max(r_mem)
        print(f"nqp-xl refresh: median {r_med:.2f} s (runs {', '.join(f'{x:.2f}' for x in r_times)}), "
              f"peak {peak:.0f} MB (target ≤ 600 MB)")
        ok &= peak <= 600
        if args.breakdown:
            print(breakdown(book))
        if office:
            l_med = statistics.median(l_times)
            print(f"LibreOffice open-and-save: median {l_med:.2f} s (runs {', '.join(f'{x:.2f}' for x in l_times)})")
            print(f"ratio LibreOffice / nqp-xl refresh: {l_med / r_med:.2f}× (target ≥ 1.0×)")
            print(f"nqp-xl new / LibreOffice open-and-save: {t_new / l_med:.2f}× (target ≤ 2.5×)")
            ok &= l_med / r_med >= 1.0 and t_new <= 2.5 * l_med
        else:
            print("LibreOffice (soffice) is not installed: no ratio (new: target ≤ 10 s)")
            ok &= t_new <= 10
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
