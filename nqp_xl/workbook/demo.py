"""``nqp-xl demo``: the whole chain on the bundled provincial panel, and a short summary.

Writes ``nqp-demo.xlsm`` (a filled template), ``nqp-demo.refreshed.xlsm`` (its values
computed) and ``nqp-demo.published.xlsx`` (the values-only copy), then prints the factor
analysis of one year (2022) and the top regions by composite score with their grades.
Functions the installed nqp_udfs does not define yet are skipped with a note.
"""
from __future__ import annotations

import os
from typing import Any, Callable

from . import template
from .publish import publish
from .refresh import refresh

YEAR = 2022.0


def _udf(name: str) -> Callable | None:
    import nqp_udfs

    return getattr(nqp_udfs, name, None)


def _fmt(v: Any, width: int = 10) -> str:
    if isinstance(v, float):
        return f"{v:{width}.4f}" if abs(v) < 1e6 else f"{v:{width}.4g}"
    return f"{'' if v is None else str(v):>{width}}"


def _call(lines: list[str], name: str, *args, **kw) -> Any:
    f = _udf(name)
    if f is None:
        lines.append(f"  ({name} is not available in this version of nqp_udfs)")
        return None
    out = f(*args, **kw)
    if isinstance(out, str) and out.startswith("#NQP!"):
        lines.append(f"  {name}: {out}")
        return None
    return out


def summary(table: template.InputTable, lang: str = "en") -> str:
    """The factor analysis of 2022 and the top regions, as text."""
    year_col = table.headers.index("year") if "year" in table.headers else None
    label_col = table.headers.index("province_en") if "province_en" in table.headers else 0
    rows = [r for r in table.rows if year_col is None or r[year_col] == YEAR]
    data = [table.headers[label_col:label_col + 1] + table.indicators] + \
        [[r[label_col]] + r[table.id_cols:] for r in rows]
    complete = sum(all(v is not None for v in r[table.id_cols:]) for r in rows)
    lines = [f"Factor analysis of {int(YEAR)}: {len(rows)} provinces × {len(table.indicators)} indicators; "
             f"{complete} provinces are complete and analysed (a province with a blank is left out, as SPSS does)"]
    kmo = _call(lines, "NQP_KMO", data, lang=lang, id_cols=1)
    if kmo is not None:
        lines.append(f"  KMO = {kmo:.4f}")
    bart = _call(lines, "NQP_BARTLETT", data, lang=lang, id_cols=1)
    if bart:
        chi2, df, sig = bart[1]
        lines.append(f"  Bartlett's test of sphericity: Chi-square = {chi2:.3f}, df = {int(df)}, Sig. = {sig:.3g}")
    var = _call(lines, "NQP_VARIANCE", data, lang=lang, id_cols=1)
    if var:
        lines.append("  Total variance explained (components kept; rotation sums of squared loadings):")
        lines.append(f"    {'Component':<10}{'Eigenvalue':>11}{'% of Var.':>11}{'Cum. %':>9}"
                     f"{'Rotated SS':>12}{'% of Var.':>11}{'Cum. %':>9}")
        for row in var[1:]:
            if row[7] is None:
                continue
            lines.append(f"    {int(row[0]):<10}{row[1]:>11.3f}{row[2]:>11.3f}{row[3]:>9.3f}"
                         f"{row[7]:>12.3f}{row[8]:>11.3f}{row[9]:>9.3f}")
    load = _call(lines, "NQP_LOADINGS", data, lang=lang, id_cols=1)
    if load:
        lines.append("  Rotated loadings:")
        lines.append("    " + f"{load[0][0]:<32}" + "".join(_fmt(h) for h in load[0][1:]))
        for row in load[1:]:
            lines.append("    " + f"{str(row[0]):<32}" + "".join(_fmt(v) for v in row[1:]))
    # top regions: the factor composite F when there is one, else the composite index
    score_name, scores = "F", _call(lines, "NQP_SCORE", data, lang=lang, id_cols=1)
    if not scores:
        score_name, scores = "Index", _call(lines, "NQP_INDEX", data, lang=lang, id_cols=1)
    if scores:
        grades = _call(lines, "NQP_CLUSTER", scores, 4, lang=lang) or [[None, None]] * len(scores)
        ranked = sorted(((r[0], s[0], g[0]) for r, s, g in zip(data[1:], scores[1:], grades[1:])
                         if isinstance(s[0], float)), key=lambda x: -x[1])
        lines.append(f"Top regions by composite score {score_name} ({int(YEAR)}):")
        for i, (name, s, g) in enumerate(ranked[:10], start=1):
            lines.append(f"  {i:>2}. {name:<16}{s:10.4f}  {'' if g is None else g}")
    return "\n".join(lines)


def run(outdir: str = "nqp-demo", lang: str = "en", progress: Callable[[str], None] | None = None) -> str:
    os.makedirs(outdir, exist_ok=True)
    table = template.read_csv(template.bundled_panel_path(), id_cols=4)
    filled = os.path.join(outdir, "nqp-demo.xlsm")
    refreshed = os.path.join(outdir, "nqp-demo.refreshed.xlsm")
    published = os.path.join(outdir, "nqp-demo.published.xlsx")
    tmp = filled + ".tmp.xlsm"
    template.build(tmp, table, lang=lang)
    os.replace(tmp, filled)
    r = refresh(filled, refreshed, progress=progress)
    p = publish(refreshed, published, progress=progress, recompute=False)
    out = [f"Wrote {filled} (the template holding the bundled panel: {len(table.rows)} rows, "
           f"{len(table.indicators)} indicators)",
           f"      {refreshed} ({r.report.evaluated} formulas computed in {r.report.seconds:.2f} s)",
           f"      {published} (values only; input SHA-256 {p.digest[:16]}…)"]
    if r.report.unknown:
        out.append("Not yet available in nqp_udfs (cells show #NAME?): " + ", ".join(sorted(set(r.report.unknown))))
    out.append("")
    out.append(summary(table, lang))
    return "\n".join(out)
