"""nqp-xl demo: its printout is what its workbook shows (the year analysed, KMO, top regions,
that year's Gini and mean D), for the bundled panel analysed as a panel."""
from __future__ import annotations

import re

import openpyxl
import pytest

from workbook_helpers import anchor, nqp


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    d = tmp_path_factory.mktemp("demo")
    proc = nqp("demo", "-o", d / "out", "-q")
    return d / "out", proc.stdout


def _num(pattern: str, text: str) -> float:
    m = re.search(pattern, text)
    assert m, pattern
    return float(m.group(1))


def test_printout_equals_the_workbook(demo):
    folder, text = demo
    src, out = folder / "nqp-demo.xlsm", folder / "nqp-demo.refreshed.xlsm"
    wb = openpyxl.load_workbook(out, data_only=True)
    settings = {wb["Settings"].cell(r, 4).value: wb["Settings"].cell(r, 2).value for r in range(4, 30)}
    year = settings["NQP_YEAR"]
    assert year == 2023 and f"Year analysed: {year}" in text
    fa = wb["Factor analysis"]
    assert fa["A1"].value == f"Factor analysis of {year}"
    r, c = anchor(src, "Factor analysis", "NQP_KMO(")
    assert _num(r"KMO = ([0-9.]+)", text) == round(fa.cell(r, c).value, 3)
    n = fa.cell(r - 1, c).value  # N analysed, above the KMO
    g, gc = anchor(src, "Factor analysis", "NQP_GAPS(")  # who was left out, and why
    left = ", ".join(fa.cell(g + i, gc + 1).value for i in range(1, 10) if fa.cell(g + i, gc + 1).value)
    assert f"{n} of 31 regions" in text and f"left out (blank cells): {left}" in text
    # top regions: the F column of the scores table with its region labels, sorted
    r, c = anchor(src, "Factor analysis", "NQP_FACTORS(")
    k = [fa.cell(r, c + j).value for j in range(12)].index("Rank")
    rows = [(fa.cell(r + i, 1).value, fa.cell(r + i, c + k - 1).value) for i in range(1, 32)]
    top = sorted((x for x in rows if isinstance(x[1], float)), key=lambda x: -x[1])[:10]
    printed = re.findall(r"^\s+\d+\. (\S.*?)\s+(-?[0-9.]+)  (\S+)$", text, re.M)
    assert [(name, round(s, 4)) for name, s in top] == [(name, float(s)) for name, s, _g in printed]
    # the Gini row of the year analysed, grouped by region
    ds = wb["Disparity"]
    r, c = anchor(src, "Disparity", "NQP_GINI(")
    row = next(i for i in range(r + 1, r + 20) if ds.cell(i, c).value == year)
    for j, key in enumerate(("G", "Gw", "Gnb", "Gt"), start=1):
        assert _num(rf"\b{key} = ([0-9.]+)", text) == round(ds.cell(row, c + j).value, 4)
    # mean D of the year analysed (the Coupling sheet's mean D by year)
    cp = wb["Coupling"]
    r, c = anchor(src, "Coupling", "NQP_PIVOT(")
    row = next(i for i in range(r + 1, r + 20) if cp.cell(i, c).value == year)
    assert _num(r"Mean coupling coordination degree D in \d+: ([0-9.]+)", text) == round(cp.cell(row, c + 1).value, 4)
    assert f"(level {cp.cell(row, c + 2).value}, {cp.cell(row, c + 3).value})" in text
