"""A refresh of a workbook with equations imports neither linearmodels nor scipy.stats.

``import linearmodels`` (scipy.stats, scipy.optimize, formulaic) took 0.41 s of the demo
workbook's refresh, whose budget is 1 s (issue 7), to fit the Equations sheet; the fit is now
numpy (nqp_xl.simultaneous) and its p-values, like Moran's I's, come from scipy.special.  This
runs ``nqp-xl refresh`` of the demo workbook (the bundled panel, as benchmarks/bench_refresh.py
builds it) in a fresh interpreter and looks at ``sys.modules`` afterwards, so that the speed win
cannot come back unnoticed.  It also counts the 3SLS answers laid out in that run, so the check
cannot pass by the equations not being computed.

scipy.optimize is allowed since the Equations sheet gained the spatial Durbin model (issue 19):
its maximum likelihood finds rho by scipy's bounded Brent and the score's root (brentq), and the
import (0.1-0.3 s here) is the price of a maintained optimiser over one of our own.
"""
from __future__ import annotations

import json
import subprocess
import sys

import pytest

PROBE = r"""
import json, math, sys
from nqp_xl.simultaneous import SystemFit
from nqp_xl.workbook.commands.cli import main

answered = []
rows = SystemFit.rows

def counted(self):
    out = rows(self)
    answered.append([self.method, all(math.isfinite(r[5]) for r in out if r[3] is not None)])
    return out

SystemFit.rows = counted
rc = main(["refresh", sys.argv[1], "-o", sys.argv[2], "-q"])
heavy = ("linearmodels", "scipy.stats", "formulaic")
print(json.dumps({"rc": rc, "answered": answered, "loaded": [m for m in heavy if m in sys.modules]}))
"""


@pytest.fixture(scope="module")
def demo_workbook(tmp_path_factory):
    import nqp_udfs
    from nqp_xl.workbook.template.build import build
    from nqp_xl.workbook.template.input_table import bundled_panel_path, read_csv

    path = tmp_path_factory.mktemp("refresh-imports") / "demo.xlsm"
    build(str(path), read_csv(bundled_panel_path(), id_cols=4), udfs=[nqp_udfs])
    return path


def test_refresh_with_equations_imports_neither_linearmodels_nor_scipy_stats(demo_workbook):
    out = demo_workbook.with_name("out.xlsm")
    proc = subprocess.run([sys.executable, "-c", PROBE, str(demo_workbook), str(out)],
                          capture_output=True, text=True, timeout=300)
    assert proc.returncode == 0, proc.stderr
    report = json.loads(proc.stdout.strip().splitlines()[-1])
    assert report["rc"] == 0 and out.exists()
    assert report["answered"] and all(ok for _, ok in report["answered"]), report
    assert report["loaded"] == [], f"a refresh with equations imported {report['loaded']}"
