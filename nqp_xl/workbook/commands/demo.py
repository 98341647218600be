"""``nqp-xl demo``: the whole chain on the bundled provincial panel, and a short summary.

Writes ``nqp-demo.xlsm`` (the template holding the bundled panel, 31 provinces × 2016-2023),
``nqp-demo.refreshed.xlsm`` (its values computed) and ``nqp-demo.published.xlsx`` (the
values-only copy), then prints what the workbook shows for the year analysed (the latest):
the factor analysis (N, regions left out, KMO, Bartlett, variance explained), the top regions
by the composite factor score F with their grades, the Dagum Gini of the composite index in
that year and the mean coupling coordination degree D.  The printout is computed here with
the same functions on the same table as the workbook's formulas (a test checks they agree).
"""
from __future__ import annotations

import os
from typing import Any, Callable

from ..template.build import build
from ..template.contract import UDF_MODULE
from ..template.input_table import InputTable, choose_columns, example_table
from .publish import publish
from .refresh import import_udfs, refresh


def _udfs():
    """The UDF module the demo workbook's xlwings.conf sheet names, imported as refresh imports it."""
    return import_udfs([UDF_MODULE])[0]


def _col(rows: list[list[Any]], j: int) -> list[list[Any]]:
    return [[r[j]] for r in rows]


def figures(table: InputTable, lang: str = "en") -> dict[str, Any]:
    """The demo's figures, from the functions the workbook's formulas call (same arguments)."""
    f = _udfs()
    cols = choose_columns(table, lang)
    data = [list(table.headers)] + [list(r) for r in table.rows]
    n_id = table.id_cols
    years = _col(data, table.headers.index(cols.year))
    groups = _col(data, table.headers.index(cols.group))
    year = max(y[0] for y in years[1:])
    yd = f.NQP_SELECT(data, cols.year, year)
    region = table.headers.index(cols.region)
    names = [r[region] for r in yd[1:]]
    out: dict[str, Any] = {"year": int(year), "columns": cols}
    out["kmo"] = f.NQP_KMO(yd, lang, n_id)
    out["bartlett"] = f.NQP_BARTLETT(yd, lang, n_id)
    out["variance"] = f.NQP_VARIANCE(yd, None, None, lang, n_id)
    factors = f.NQP_FACTORS(yd, None, None, lang, n_id)
    score = [[r[-2]] for r in factors]
    out["n"] = sum(isinstance(s[0], float) for s in score[1:])
    out["left_out"] = [n for n, s in zip(names, score[1:]) if not isinstance(s[0], float)]
    grades = f.NQP_CLUSTER(score, 4, None, None, lang)
    ranked = sorted(((n, s[0], g[0]) for n, s, g in zip(names, score[1:], grades[1:]) if isinstance(s[0], float)),
                    key=lambda x: -x[1])
    out["top"] = ranked[:10]
    index = f.NQP_INDEX(data, "entropy", None, lang, n_id)
    gini = f.NQP_GINI(index, groups, years, lang)
    out["gini_header"] = gini[0]
    out["gini"] = next(r for r in gini[1:] if r[0] == year)
    sub = f.NQP_SUBINDEX(data, [table.subsystems], "entropy", [[""] * n_id + table.directions], lang, n_id)
    cp = f.NQP_COUPLING(sub, None, "standard", lang)
    mean_d = f.NQP_PIVOT(_col(cp, 2), years, None, "mean", lang)
    d = next(r[1] for r in mean_d[1:] if r[0] == year)
    out["mean_d"] = d
    out["mean_d_grade"] = f.NQP_LEVEL([["D"], [d]], lang)[1]
    return out


def summary(table: InputTable, lang: str = "en") -> str:
    """What the workbook shows for the year analysed, as text."""
    fig = figures(table, lang)
    y, p = fig["year"], len(table.indicators)
    lines = [f"Year analysed: {y} (the latest year of the panel; Settings › Year analysed picks another)",
             f"Factor analysis of {y}: {fig['n']} of {fig['n'] + len(fig['left_out'])} regions × {p} indicators "
             f"analysed; left out (blank cells): {', '.join(map(str, fig['left_out'])) or 'none'}",
             f"  KMO = {fig['kmo']:.3f}"]
    chi2, df, sig = fig["bartlett"][1]
    lines.append(f"  Bartlett's test of sphericity: Chi-square = {chi2:.3f}, df = {int(df)}, "
                 f"Sig. = {'<0.001' if sig < 0.001 else f'{sig:.3f}'}")
    lines.append("  Total variance explained (components kept; rotation sums of squared loadings):")
    lines.append(f"    {'Component':<10}{'Eigenvalue':>11}{'% of Var.':>11}{'Cum. %':>9}"
                 f"{'Rotated SS':>12}{'% of Var.':>11}{'Cum. %':>9}")
    for row in fig["variance"][1:]:
        if row[7] is None:
            continue
        lines.append(f"    {int(row[0]):<10}{row[1]:>11.3f}{row[2]:>11.3f}{row[3]:>9.3f}"
                     f"{row[7]:>12.3f}{row[8]:>11.3f}{row[9]:>9.3f}")
    lines.append(f"Top regions by composite factor score F ({y}), with their grades:")
    for i, (name, s, g) in enumerate(fig["top"], start=1):
        lines.append(f"  {i:>2}. {str(name):<16}{s:10.4f}  {'' if g is None else g}")
    head, g = fig["gini_header"], fig["gini"]
    lines.append(f"Dagum Gini of the composite index in {y} (groups: {fig['columns'].group}): "
                 + ", ".join(f"{head[j]} = {g[j]:.4f}" for j in range(1, 5))
                 + "; contributions " + ", ".join(f"{head[j]} = {g[j]:.2f}" for j in range(5, 8)))
    level, grade = fig["mean_d_grade"]
    lines.append(f"Mean coupling coordination degree D in {y}: {fig['mean_d']:.4f} (level {int(level)}, {grade})")
    return "\n".join(lines)


def run(outdir: str = "nqp-demo", lang: str = "en", progress: Callable[[str], None] | None = None) -> str:
    os.makedirs(outdir, exist_ok=True)
    table = example_table()
    filled = os.path.join(outdir, "nqp-demo.xlsm")
    refreshed = os.path.join(outdir, "nqp-demo.refreshed.xlsm")
    published = os.path.join(outdir, "nqp-demo.published.xlsx")
    tmp = filled + ".tmp.xlsm"
    build(tmp, table, lang=lang, udfs=[_udfs()])
    os.replace(tmp, filled)
    r = refresh(filled, progress=progress)  # the default output: nqp-demo.refreshed.xlsm
    if os.path.exists(published):  # the demo's own copy from an earlier run, replaced as before
        os.remove(published)
    p = publish(refreshed, published, progress=progress, recompute=False)
    out = [f"Wrote {filled} (the template holding the bundled panel: {len(table.rows)} region-years, "
           f"{len(table.indicators)} indicators)",
           f"      {refreshed} ({r.report.evaluated} formulas computed in {r.report.seconds:.2f} s)",
           f"      {published} (values only; input SHA-256 {p.digest[:16]}…)"]
    if r.report.unknown:
        out.append("Not yet available in nqp_udfs (cells show #NAME?): " + ", ".join(sorted(set(r.report.unknown))))
    out.append("")
    out.append(summary(table, lang))
    return "\n".join(out)
