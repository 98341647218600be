"""Mediation (mechanism) test with a panel model: Baron & Kenny's (1986) three steps, Sobel's
test and a percentile bootstrap interval of the indirect effect.

Steps, each by the chosen panel model (:mod:`nqp_xl.panelreg`; "fe" region effects, "twfe"
region and year effects, "re", "pooled"; standard errors clustered by region) on the rows
complete in x, m, y and the controls:

(1) y = c·x + controls,  (2) m = a·x + controls,  (3) y = c'·x + b·m + controls.

Indirect effect a·b; Sobel (1982) z = a·b / √(b²s_a² + a²s_b²) with the clustered standard
errors of a and b, P = 2Φ(−|z|).  Percentile bootstrap 95% interval: regions drawn with
replacement (a region drawn twice counts as two regions), steps (2) and (3) refitted, a·b's
2.5% and 97.5% quantiles (numpy's linear interpolation, R type 7); numpy ``default_rng(seed)``.
A replication whose design is singular (possible with few regions) is left out; the count used
is reported.
"""
from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from .equations import data_header, resolve_column
from .errors import NQPError
from .labels import text
from .options import choice, whole_number
from .panel_design import PanelData, panel_data
from .panelreg import PanelFit, fit_panel
from .regtable import PANEL_METHODS, Column, Estimate, RegTable
from .table import parse_text_list

__all__ = ["mediation", "Mediation"]


@dataclass(frozen=True, eq=False)
class Mediation:
    steps: list[PanelFit]
    method: str
    indirect: float
    sobel_z: float
    sobel_p: float
    ci: tuple[float, float]
    replications: int
    boot: np.ndarray

    def to_rows(self, lang: Any = None) -> list[list]:
        """The three steps as NQP_REGTABLE columns, then a·b, Sobel z and P, the bootstrap interval."""
        names = list(dict.fromkeys(n for f in self.steps for n in f.names if n != "_cons"))
        cols = []
        for i, f in enumerate(self.steps, 1):
            model, effects = PANEL_METHODS[self.method]
            r2 = f.rsquared["within" if model == "fe" else "overall"]
            cols.append(Column(f"({i})", {"": Estimate(tuple(f.names), f.params, f.std_errors, f.pvalues,
                                                       f.data.n, r2, (model == "fe", effects == "twoways"))}))
        table = RegTable(cols, [("", names)], "models").to_rows(lang)
        head = [None] + [f"({i}) {f.data.dependent}" for i, f in enumerate(self.steps, 1)]
        extra = [["Indirect effect a·b", self.indirect], ["Sobel z", self.sobel_z], ["Sobel P", self.sobel_p],
                 ["Bootstrap 95% CI low", self.ci[0]], ["Bootstrap 95% CI high", self.ci[1]],
                 ["Bootstrap replications", float(self.replications)]]
        extra = [[text(k, lang), None if np.isnan(v) else v, None, None] for k, v in extra]
        return [head, *table[2:-1], *extra, table[-1]]


def _names(value: Any, what: str, header: list[str]) -> list[str]:
    items = parse_text_list(value) if value is not None else []
    return [resolve_column(v.strip(), header) for v in items if v.strip()]


def _coefs(p: PanelData, model: str, effects: str) -> np.ndarray:
    return PanelFit(p, model, effects, "conventional").params


def mediation(data: Any, x: Any, m: Any, y: Any, controls: Any = None, ids: Any = None, years: Any = None,
              model: Any = "fe", bootstrap: Any = 1000, seed: Any = 1, id_cols: Any = None,
              missing: Any = None) -> Mediation:
    """NQP_MEDIATION's numbers (module docstring)."""
    from scipy.special import ndtr  # 0.3 s of start-up (-X importtime), paid only here

    method = choice(model, "model", tuple(PANEL_METHODS), "fe")
    reps = whole_number(bootstrap, "bootstrap", low=0, high=100_000, default=1000)
    rng_seed = whole_number(seed, "seed", low=0, default=1)
    header, _ = data_header(data, id_cols)
    xs, ms, ys = (_names(v, w, header) for v, w in ((x, "x"), (m, "m"), (y, "y")))
    for v, w in ((xs, "x"), (ms, "m"), (ys, "y")):
        if len(v) != 1:
            raise NQPError(f"{w} must name one column (its header), e.g. \"rd_intensity\"")
    xn, mn, yn = xs[0], ms[0], ys[0]
    if len({xn, mn, yn}) < 3:
        raise NQPError(f'x, m and y must be three different columns (x = "{xn}", m = "{mn}", y = "{yn}")')
    cn = [c for c in _names(controls, "controls", header) if c not in (xn, mn, yn)]
    p = panel_data(data, f"{yn} ~ {' + '.join([xn, mn, *cn])}", ids, years, id_cols=id_cols, missing=missing)
    mod, eff = PANEL_METHODS[method]
    xv, mv, zv = p.x[:, 0], p.x[:, 1], p.x[:, 2:]
    step1 = p.with_columns(yn, p.y, [xn, *cn], np.column_stack([xv, zv]))
    step2 = p.with_columns(mn, mv, [xn, *cn], np.column_stack([xv, zv]))
    step3 = p.with_columns(yn, p.y, [xn, mn, *cn], np.column_stack([xv, mv, zv]))
    fits = [fit_panel(s, mod, eff, "cluster") for s in (step1, step2, step3)]
    a, sa = fits[1].params[0], fits[1].std_errors[0]
    b, sb = fits[2].params[1], fits[2].std_errors[1]
    z = a * b / np.sqrt(b * b * sa * sa + a * a * sb * sb)
    boot = _bootstrap(step2, step3, mod, eff, reps, rng_seed)
    ci = (float(np.quantile(boot, 0.025)), float(np.quantile(boot, 0.975))) if boot.size else (float("nan"),) * 2
    return Mediation(fits, method, float(a * b), float(z), float(2 * ndtr(-abs(z))), ci, int(boot.size), boot)


def _resample(p: PanelData, regions: np.ndarray) -> PanelData:
    """The panel of the drawn regions, each draw its own region."""
    rows = [np.flatnonzero(p.group == g) for g in regions]
    idx = np.concatenate(rows)
    group = np.repeat(np.arange(regions.size), [r.size for r in rows])
    t_used, time = np.unique(p.time[idx], return_inverse=True)
    return PanelData(p.dependent, p.regressors, p.y[idx], p.x[idx], group, time,
                     tuple(f"draw {i}" for i in range(regions.size)), tuple(p.time_names[i] for i in t_used),
                     0, ("bootstrap",))


def _bootstrap(step2: PanelData, step3: PanelData, model: str, effects: str, reps: int, seed: int) -> np.ndarray:
    rng = np.random.default_rng(seed)
    out = []
    for regions in rng.integers(0, step2.n_groups, size=(reps, step2.n_groups)):
        try:
            a = _coefs(_resample(step2, regions), model, effects)[0]
            b = _coefs(_resample(step3, regions), model, effects)[1]
        except (NQPError, np.linalg.LinAlgError):
            continue
        out.append(a * b)
    return np.array(out)
