"""Worked example (d): seed 003's Table 8 design (robustness: one control dropped per column) and
the panel models the field runs, on the bundled panel.

    python docs/examples/panel_table8.py    # writes docs/examples/panel_table8.md

The coupling paper (docs/papers/coupling-coordination-nqp-manufacturing.txt, Table 8) re-estimates
its two-equation system by 3SLS four times, each time without one control.  Here the system is
Table 7's on our indicators (as docs/examples/seed003_tables.md), NQP and Manufacturing the
entropy indices of the two subsystems (``NQP_SUBINDEX``); the four models are written in one
``equations`` text separated by lines holding only ``|``, and ``NQP_REGTABLE`` lays them out as
columns (1)–(4).  Then the first equation as a panel: FE, two-way FE, RE and pooled OLS side by
side with clustered standard errors, the Hausman test, and the same robustness design by two-way
FE.  Every figure is what the ``NQP_`` functions answer.
"""
from __future__ import annotations

import sys

from _md import HERE, ROOT, table, write

sys.path[:0] = [str(ROOT), str(ROOT / "udfs")]

import pandas as pd  # noqa: E402

import nqp_udfs  # noqa: E402
from nqp_xl.panelreg import xtscc_lag  # noqa: E402

NQP_COLS = ["rd_personnel_fte", "rd_expenditure", "rd_intensity", "gov_sci_tech_spending", "gov_education_spending",
            "basic_research_spending", "invention_patent_applications", "valid_invention_patents",
            "tech_market_outflow"]
EQ1 = ["ln(gov_education_spending)", "ln(rd_expenditure)", "ln(valid_invention_patents)"]
EQ2 = ["ln(invention_patent_applications)", "ln(tech_market_outflow)", "hitech_profit_margin"]


def data_range() -> list[list]:
    """The bundled panel as Excel hands it over, with the two subsystem indices appended."""
    df = pd.read_csv(ROOT / "nqp_xl" / "data" / "china_province_panel.csv")
    body = df.astype(object).where(df.notna(), None).values.tolist()
    rows = [list(map(str, df.columns))] + [[float(v) if isinstance(v, (int, float)) else v for v in r] for r in body]
    subsystems = [[None] * 4 + ["NQP" if c in NQP_COLS else "Manufacturing" for c in rows[0][4:]]]
    u = nqp_udfs.NQP_SUBINDEX(rows, subsystems)
    return [r + list(x) for r, x in zip(rows, u)]


def system(drop: str | None) -> str:
    eq1 = [c for c in EQ1 if c != drop] + ["Manufacturing"]
    eq2 = [c for c in EQ2 if c != drop] + ["NQP"]
    return f"NQP ~ {' + '.join(eq1)}\nManufacturing ~ {' + '.join(eq2)}"


def markdown(out: list[list]) -> str:
    head = ["" if h is None else str(h) for h in out[0]]
    body = [[int(v) if r[0] in ("N", "Groups") and isinstance(v, float) else "" if v is None else v for v in r]
            for r in out[1:]]
    return table(head, body, digits=3,
                 align="l" + "r" * (len(head) - 1))


def main() -> None:
    data = data_range()
    drops = ["ln(gov_education_spending)", "ln(rd_expenditure)", "ln(valid_invention_patents)", "hitech_profit_margin"]
    models = "\n|\n".join(system(d) for d in drops)
    t8 = nqp_udfs.NQP_REGTABLE(data, models, "3sls")
    eq = f"NQP ~ {' + '.join(EQ1)} + Manufacturing"
    panel = nqp_udfs.NQP_REGTABLE(data, eq, "fe,twfe,re,pooled")
    fe = nqp_udfs.NQP_PANELREG(data, eq, "province", "year", "fe", "twoways", "cluster")
    dk = nqp_udfs.NQP_PANELREG(data, eq, "province", "year", "fe", "twoways", "dk")
    haus = nqp_udfs.NQP_HAUSMAN(data, eq)
    robust = nqp_udfs.NQP_REGTABLE(data, "\n|\n".join(
        f"NQP ~ {' + '.join([c for c in EQ1 if c != d] + ['Manufacturing'])}" for d in EQ1), "twfe")
    for name, out in [("Table 8", t8), ("panel", panel), ("fe", fe), ("dk", dk), ("hausman", haus), ("robust", robust)]:
        if isinstance(out, str):
            raise SystemExit(f"{name}: {out}")
    write(HERE / "panel_table8.md", [
        "# Worked example (d): Table 8's robustness design and the panel models",
        "Made by `python docs/examples/panel_table8.py` from the bundled panel "
        "(`nqp_xl/data/china_province_panel.csv`, 31 provinces, 2016–2023; NQP and Manufacturing are the "
        "entropy indices of the two subsystems, `NQP_SUBINDEX`). Every figure is an `NQP_` function's answer. "
        "The 2017 high-tech columns are blank, so Manufacturing and every row of 2017 drop out; with the other "
        "blanks in the equations' columns 205 of the 248 rows are complete.",
        "## Table 8 design: the system by 3SLS, one control dropped per column",
        "`=NQP_REGTABLE(data, equations, \"3sls\")` with `equations` holding four systems separated by lines "
        "holding only `|`; model (1) drops ln(gov_education_spending), (2) ln(rd_expenditure), "
        "(3) ln(valid_invention_patents), (4) hitech_profit_margin. A blank cell: the model does not have "
        "that regressor.",
        markdown(t8),
        "## The first equation as a panel: FE, two-way FE, RE, pooled",
        f"`=NQP_REGTABLE(data, \"{eq}\", \"fe,twfe,re,pooled\")`: standard errors clustered by province "
        "(plm `vcovHC(type = \"sss\")`); R² is the within R² for FE and TWFE, the overall R² otherwise.",
        markdown(panel),
        "Hausman test (`=NQP_HAUSMAN(data, equation)`, fixed against random effects, as plm `phtest`):",
        table(["Statistic", "Value"], [r for r in haus[1:]], digits=4),
        "## Two-way FE in full, clustered and Driscoll–Kraay",
        f"`=NQP_PANELREG(data, \"{eq}\", \"province\", \"year\", \"fe\", \"twoways\", \"cluster\")`:",
        markdown(fe),
        "The same with `se = \"dk\"` (Driscoll–Kraay, Stata xtscc's lag floor(4(T/100)^(2/9)) = "
        f"{xtscc_lag(7)} for T = 7 years, the row DK lag):",
        markdown(dk),
        "## Robustness by two-way FE: one control dropped per column",
        markdown(robust),
    ])


if __name__ == "__main__":
    main()
