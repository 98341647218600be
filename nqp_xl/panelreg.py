"""Panel regression: fixed effects (within), random effects (Swamy–Arora GLS) and pooled OLS,
with the standard errors and statistics Stata's ``xtreg``/``xtscc`` and R's ``plm`` print.

Every model is one least-squares fit of a transformed y on a transformed design X̃ whose last
column is the constant, solved by Householder QR (as :mod:`nqp_xl.simultaneous`):

``pooled``   X̃ = [x, 1]  (plm ``model = "pooling"``).
``fe``       X̃ = [ẍ + x̄, 1], ỹ = ÿ + ȳ, with ẍ the within transformation of ``effects``
             (:func:`nqp_xl.panel_design.within`) and x̄, ȳ the means over all rows: the slopes are
             plm's ``model = "within"``; ``_cons`` = ȳ − x̄'b is Stata ``xtreg, fe``'s average
             intercept (its standard error from the same fit: s²(1/N + x̄'(ẍ'ẍ)⁻¹x̄) conventionally).
``re``       Swamy–Arora (plm ``random.method = "swar"``, Baltagi & Chang 1994 for unbalanced
             panels): σ²_e = SSR_within/(N − G − k_w) (k_w: regressors that vary within regions);
             σ²_u = (Σ_i T_i r̄_i² − (G − k − 1)σ²_e) / (N − tr[(Σ T_i z̄_i z̄_i')⁻¹ Σ T_i² z̄_i z̄_i'])
             (r̄_i: residual of the between regression weighted by T_i, z̄_i = [x̄_i, 1]; 0 when
             negative); θ_i = 1 − √(σ²_e/(σ²_e + T_i σ²_u)); X̃ = [x − θ_i x̄_i, 1 − θ_i].
             ``effects="time"`` swaps regions and years; two-way random effects on a balanced
             panel only (:func:`_random_twoways`).

Standard errors, V = c·A M A with A = (X̃'X̃)⁻¹ and scores s_it = x̃_it e_it:

``conventional``  s²A, s² = SSR/df (df: N − K pooled and re; N − G − k, N − T − k, N − G − T + 1 − k fe).
``robust``        HC1: M = Σ s_it s_it', c = N/(N − K_p)  (plm ``vcovHC(method = "white1", type = "HC1")``).
``cluster``       by region: M = Σ_g (Σ_{it∈g} s_it)(…)', c = G/(G−1)·(N−1)/(N−K_p)
                  (plm ``vcovHC(type = "sss", cluster = "group")``).
``dk``            Driscoll–Kraay: h_t = Σ_i s_it, M = Σ_t h_t h_t' + Σ_{j=1..m} (1 − j/(m+1)) Σ_t (h_t h_{t−j}' + h_{t−j} h_t'),
                  m = floor(4(T/100)^(2/9)) and c = T/(T−1)·(N−1)/(N−K) exactly as Stata's xtscc 1.4
                  (Hoechle 2007; its source: ``lag = floor(4*(T/100)^(2/9))``, ``V = (TT/(TT-1))*
                  ((nObs-1)/(nObs-rank))*VCV`` with rank = k + 1); equal to plm ``vcovSCC(type = "HC0",
                  maxlag = m)`` times c (plm's own default lag, floor(T^(1/4)), is not used).

K_p is the number of coefficients plm estimates (k for fe, k + 1 otherwise), K = k + 1.  The slope
block of V does not depend on the constant column (X̃'s slope columns are orthogonal to the
partialled-out effects), so it is plm's; the ``_cons`` row uses the same c.  t tests take
df = G − 1 (cluster, as Stata), T − 1 (dk, as xtscc) and the conventional df otherwise.

Statistics (Stata ``xtreg`` definitions, slopes b only): R² within = corr(ẍb, ÿ)² (individual
within transformation for pooled and re; the model's own for fe, where it equals plm's
1 − SSR/TSS), between = corr(x̄_i b, ȳ_i)² over regions, overall = corr(xb, y)².  F (fe): the test
that all effects are zero, ((SSR_r − SSR)/q)/(SSR/df) with the restricted model pooled OLS (q = G − 1
or T − 1) or, for two-way effects, the year-effects model (q = G − 1: all u_i = 0 given the year
effects, as ``xtreg y x i.year, fe``).  fe: σ_e = √(SSR/df), σ_u = the standard deviation (n − 1)
of the estimated effects u_i over regions (years for ``effects="time"``; two-way: the region effects
of the dummy-variable regression, as ``xtreg y x i.year, fe``, which plm's ``fixef`` of an unbalanced
two-way model normalises differently); re: σ_u, σ_e as
estimated; ρ = σ²_u/(σ²_u + σ²_e); θ (re) when every region has the same T, else its minimum and
maximum.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from .cache import cached
from .errors import NQPError
from .labels import text
from .options import choice
from .panel_design import EFFECTS, PanelData, demean, group_means, panel_data, within

__all__ = ["PanelFit", "fit_panel", "panel_regression", "MODELS", "SE_KINDS", "xtscc_lag", "hausman",
           "Hausman"]

MODELS = ("fe", "re", "pooled")
SE_KINDS = ("cluster", "conventional", "robust", "dk")
_SE_ALIASES = {"clustered": "cluster", "ols": "conventional", "hc1": "robust", "driscoll-kraay": "dk",
               "scc": "dk", "xtscc": "dk"}
CONS = "_cons"


def xtscc_lag(n_times: int) -> int:
    """Stata xtscc's default maximum lag m(T) = floor(4 (T/100)^(2/9))."""
    return int(np.floor(4.0 * (n_times / 100.0) ** (2.0 / 9.0)))


def _solve(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Least squares by Householder QR: b and A = (X'X)⁻¹ = R⁻¹R⁻ᵀ."""
    q, r = np.linalg.qr(x)
    rinv = np.linalg.solve(r, np.eye(r.shape[0]))
    return np.linalg.solve(r, q.T @ y), rinv @ rinv.T


def _corr2(a: np.ndarray, b: np.ndarray) -> float:
    a, b = a - a.mean(), b - b.mean()
    den = float(np.sqrt((a @ a) * (b @ b)))
    return float((a @ b) / den) ** 2 if den > 0 else 0.0


def _check_design(p: PanelData, xw: np.ndarray, model: str, effects: str) -> None:
    """Refuse a regressor the transformation wipes out (time-invariant under fe) or one that is a
    linear combination of the others, naming it."""
    where = {"individual": "within every region", "time": "across regions within every year",
             "twoways": "once region and year effects are removed"}[effects]
    scale = np.abs(p.x).max(axis=0) if p.k else np.zeros(0)
    for j, name in enumerate(p.regressors):
        if not np.abs(xw[:, j]).max(initial=0.0) > 1e-10 * max(scale[j], 1e-300):
            if model == "fe":
                raise NQPError(f'variable "{name}" does not change {where}, so fixed effects cannot estimate '
                               f'it (it is absorbed by the effects); drop it or use model "re"')
            raise NQPError(f'variable "{name}" is constant; it cannot be estimated beside the intercept (_cons)')
    cols: list[np.ndarray] = []
    for j, name in enumerate(p.regressors):
        cur = np.column_stack(cols + [xw[:, j]])
        scaled = cur / np.maximum(np.abs(cur).max(axis=0), 1e-300)
        if np.linalg.matrix_rank(scaled, tol=1e-10 * max(scaled.shape)) < cur.shape[1]:
            extra = " once the fixed effects are removed" if model == "fe" else ""
            raise NQPError(f'variable "{name}" is a linear combination of the other regressors{extra} '
                           "(perfectly collinear); drop one of them")
        cols.append(xw[:, j])


def _swamy_arora(p: PanelData, effect: str) -> tuple[float, float, np.ndarray]:
    """σ²_e, σ²_u and θ of every row by plm's "swar" (module docstring)."""
    codes, count = p.codes(effect)
    sizes = np.bincount(codes, minlength=count).astype(float)
    xw = demean(p.x, codes, count)
    varying = [j for j in range(p.k) if np.abs(xw[:, j]).max(initial=0.0) > 1e-10 * max(np.abs(p.x[:, j]).max(), 1e-300)]
    yw = demean(p.y, codes, count)
    xv = xw[:, varying]
    e_w = yw - xv @ np.linalg.lstsq(xv, yw, rcond=None)[0] if varying else yw
    s_e = float(e_w @ e_w) / (p.n - count - len(varying))
    zbar = np.column_stack([group_means(p.x, codes, count), np.ones(count)])
    ybar = group_means(p.y, codes, count)
    w = np.sqrt(sizes)
    b_between = np.linalg.lstsq(zbar * w[:, None], ybar * w, rcond=None)[0]
    r = ybar - zbar @ b_between
    quad = float((sizes * r * r).sum())
    if count - p.k - 1 <= 0:
        raise NQPError(f"random effects need more {'regions' if effect == 'individual' else 'years'} "
                       f"({count}) than regressors plus one ({p.k + 1}) for the between regression")
    a = (zbar * sizes[:, None]).T @ zbar
    b = (zbar * (sizes ** 2)[:, None]).T @ zbar
    m22 = p.n - float(np.trace(np.linalg.solve(a, b)))
    s_u = max(0.0, (quad - (count - p.k - 1) * s_e) / m22)
    theta = 1.0 - np.sqrt(s_e / (s_e + sizes * s_u))
    return s_e, s_u, theta[codes]


def _random_twoways(p: PanelData) -> dict[str, Any]:
    """Two-way Swamy–Arora random effects on a balanced panel (plm ``effect = "twoways"``):
    σ²_e = SSR_within2/(N − G − T + 1 − k_w); σ²_u = (T Σ r̄_i²/(G − k − 1) − σ²_e)/T and
    σ²_λ = (G Σ r̄_t²/(T − k − 1) − σ²_e)/G from the between regressions over regions and over
    years (0 when negative); θ_1 = 1 − √(σ²_e/(σ²_e + Tσ²_u)), θ_2 = 1 − √(σ²_e/(σ²_e + Gσ²_λ)),
    θ_3 = θ_1 + θ_2 − 1 + √(σ²_e/(σ²_e + Tσ²_u + Gσ²_λ)) (0 when σ²_u or σ²_λ is 0, as plm);
    y* = y − θ_1ȳ_i − θ_2ȳ_t + θ_3ȳ, the constant 1 − θ_1 − θ_2 + θ_3."""
    if not p.balanced:
        raise NQPError("two-way random effects need a balanced panel (every region in every year); use model "
                       '"fe" with effects "twoways", or model "re" with effects "individual"')
    g, t = p.n_groups, p.n_times
    xw = within(p, p.x, "twoways")
    varying = [j for j in range(p.k) if np.abs(xw[:, j]).max(initial=0.0) > 1e-10 * max(np.abs(p.x[:, j]).max(), 1e-300)]
    yw = within(p, p.y, "twoways")
    e_w = yw - xw[:, varying] @ np.linalg.lstsq(xw[:, varying], yw, rcond=None)[0] if varying else yw
    s_e = float(e_w @ e_w) / (p.n - g - t + 1 - len(varying))

    def between(codes: np.ndarray, count: int, size: int) -> float:
        if count - p.k - 1 <= 0:
            raise NQPError(f"two-way random effects need more regions and years than regressors plus one ({p.k + 1})")
        zbar = np.column_stack([group_means(p.x, codes, count), np.ones(count)])
        ybar = group_means(p.y, codes, count)
        r = ybar - zbar @ np.linalg.lstsq(zbar, ybar, rcond=None)[0]
        return max(0.0, (size * float(r @ r) / (count - p.k - 1) - s_e) / size)

    s_u, s_l = between(p.group, g, t), between(p.time, t, g)
    th1 = 1.0 - np.sqrt(s_e / (s_e + t * s_u))
    th2 = 1.0 - np.sqrt(s_e / (s_e + g * s_l))
    th3 = 0.0 if s_u == 0 or s_l == 0 else th1 + th2 - 1.0 + np.sqrt(s_e / (s_e + t * s_u + g * s_l))

    def star(v: np.ndarray) -> np.ndarray:
        return (v - th1 * group_means(v, p.group, g)[p.group] - th2 * group_means(v, p.time, t)[p.time]
                + th3 * v.mean(axis=0))

    return {"x": np.column_stack([star(p.x), np.full(p.n, 1.0 - th1 - th2 + th3)]), "y": star(p.y),
            "theta": np.full(p.n, th1), "theta2": (th1, th2, th3), "sigma2": (s_e, s_u, s_l)}


@dataclass(frozen=True, eq=False)
class PanelFit:
    """A fitted panel model; figures are computed on first use."""

    data: PanelData
    model: str
    effects: str
    se: str

    @property
    def names(self) -> list[str]:
        return [*self.data.regressors, CONS]

    @cached_property
    def _design(self) -> dict[str, Any]:
        p = self.data
        if self.model == "pooled":
            _check_design(p, p.x - p.x.mean(axis=0), "pooled", "individual")
            return {"x": np.column_stack([p.x, np.ones(p.n)]), "y": p.y, "theta": None}
        if self.model == "fe":
            xw, yw = within(p, p.x, self.effects), within(p, p.y, self.effects)
            _check_design(p, xw, "fe", self.effects)
            if not np.abs(yw).max() > 1e-10 * max(np.abs(p.y).max(), 1e-300):
                raise NQPError(f'"{p.dependent}" does not change within the effects; there is nothing to explain')
            return {"x": np.column_stack([xw + p.x.mean(axis=0), np.ones(p.n)]), "y": yw + p.y.mean(),
                    "theta": None}
        _check_design(p, p.x - p.x.mean(axis=0), "re", self.effects)
        if self.effects == "twoways":
            return _random_twoways(p)
        s_e, s_u, theta = _swamy_arora(p, self.effects)
        codes, count = p.codes(self.effects)
        xs = p.x - theta[:, None] * group_means(p.x, codes, count)[codes]
        ys = p.y - theta * group_means(p.y, codes, count)[codes]
        return {"x": np.column_stack([xs, 1.0 - theta]), "y": ys, "theta": theta, "sigma2": (s_e, s_u)}

    @cached_property
    def _ols(self) -> tuple[np.ndarray, np.ndarray]:
        d = self._design
        return _solve(d["x"], d["y"])

    @property
    def params(self) -> np.ndarray:
        """Coefficients: regressors as written, then _cons."""
        return self._ols[0]

    @cached_property
    def residuals(self) -> np.ndarray:
        d = self._design
        return d["y"] - d["x"] @ self.params

    @property
    def ssr(self) -> float:
        return float(self.residuals @ self.residuals)

    @cached_property
    def df_resid(self) -> int:
        p = self.data
        if self.model != "fe":
            return p.n - p.k - 1
        absorbed = {"individual": p.n_groups, "time": p.n_times, "twoways": p.n_groups + p.n_times - 1}[self.effects]
        return p.n - absorbed - p.k

    @property
    def k_plm(self) -> int:
        """Coefficients plm estimates (no intercept in a within model)."""
        return self.data.k + (self.model != "fe")

    @cached_property
    def df_test(self) -> int:
        """Degrees of freedom of the t tests (module docstring)."""
        if self.se == "cluster":
            return self.data.n_groups - 1
        if self.se == "dk":
            return self.data.n_times - 1
        return self.df_resid

    @cached_property
    def dk_lag(self) -> int:
        return xtscc_lag(self.data.n_times)

    @cached_property
    def cov(self) -> np.ndarray:
        """The covariance of the coefficients for ``se`` (module docstring)."""
        p, d, e = self.data, self._design, self.residuals
        a = self._ols[1]
        if self.df_resid <= 0:
            raise NQPError(f"the panel has {p.n} complete rows, too few for {p.k} regressors and the effects")
        if self.se == "conventional":
            return a * (self.ssr / self.df_resid)
        scores = d["x"] * e[:, None]
        n, kp = p.n, self.k_plm
        if self.se == "robust":
            meat, c = scores.T @ scores, n / (n - kp)
        elif self.se == "cluster":
            g = p.n_groups
            sums = np.column_stack([np.bincount(p.group, weights=scores[:, j], minlength=g) for j in range(scores.shape[1])])
            meat, c = sums.T @ sums, g / (g - 1) * (n - 1) / (n - kp)
        else:
            t = p.n_times
            h = np.column_stack([np.bincount(p.time, weights=scores[:, j], minlength=t) for j in range(scores.shape[1])])
            meat = h.T @ h
            for j in range(1, self.dk_lag + 1):
                omega = h[j:].T @ h[:-j]
                meat += (1.0 - j / (self.dk_lag + 1)) * (omega + omega.T)
            c = t / (t - 1) * (n - 1) / (n - p.k - 1)
        return c * (a @ meat @ a)

    @cached_property
    def std_errors(self) -> np.ndarray:
        return np.sqrt(np.diag(self.cov))

    @cached_property
    def tstats(self) -> np.ndarray:
        return self.params / self.std_errors

    @cached_property
    def pvalues(self) -> np.ndarray:
        from scipy.special import stdtr  # 0.3 s of start-up (-X importtime), paid only here

        return 2.0 * stdtr(self.df_test, -np.abs(self.tstats))

    @cached_property
    def conf_int(self) -> np.ndarray:
        """95% interval b ± t_{0.975, df} SE (columns low, high)."""
        from scipy.special import stdtrit  # 0.3 s of start-up (-X importtime), paid only here

        q = stdtrit(self.df_test, 0.975)
        return np.column_stack([self.params - q * self.std_errors, self.params + q * self.std_errors])

    @cached_property
    def rsquared(self) -> dict[str, float]:
        """Stata's R² within, between and overall (module docstring)."""
        p, b = self.data, self.params[:-1]
        eff = self.effects if self.model == "fe" else "individual"
        xb = p.x @ b
        w = _corr2(within(p, xb, eff), within(p, p.y, eff))
        between = _corr2(group_means(xb, p.group, p.n_groups), group_means(p.y, p.group, p.n_groups))
        return {"within": w, "between": between, "overall": _corr2(xb, p.y)}

    @cached_property
    def f_test(self) -> tuple[float, int, int, float]:
        """F that all fixed effects are zero, its degrees of freedom and P (fe only)."""
        from scipy.special import fdtrc  # 0.3 s of start-up (-X importtime), paid only here

        p = self.data
        if self.effects == "twoways":
            restricted = PanelFit(p, "fe", "time", "conventional").ssr
            q = p.n_groups - 1
        else:
            restricted = PanelFit(p, "pooled", "individual", "conventional").ssr
            q = (p.n_groups if self.effects == "individual" else p.n_times) - 1
        f = ((restricted - self.ssr) / q) / (self.ssr / self.df_resid)
        return f, q, self.df_resid, float(fdtrc(q, self.df_resid, f))

    @cached_property
    def sigmas(self) -> tuple[float, float]:
        """(σ_u, σ_e)."""
        p = self.data
        if self.model == "re":
            s_e, s_u = self._design["sigma2"][:2]
            return float(np.sqrt(s_u)), float(np.sqrt(s_e))
        sigma_e = float(np.sqrt(self.ssr / self.df_resid))
        fitted_effects = p.y - p.x @ self.params[:-1] - (self.residuals)
        if self.effects == "twoways":  # split α_i + λ_t (λ of the first year 0) and keep α_i
            dummies = np.zeros((p.n, p.n_times - 1))
            dummies[np.arange(p.n), p.time - 1] = 1.0
            dummies[p.time == 0] = 0.0
            lam = np.linalg.lstsq(demean(dummies, p.group, p.n_groups),
                                  demean(fitted_effects, p.group, p.n_groups), rcond=None)[0]
            fitted_effects = fitted_effects - dummies @ lam
        codes, count = (p.time, p.n_times) if self.effects == "time" else (p.group, p.n_groups)
        u = group_means(fitted_effects, codes, count)
        return float(np.std(u, ddof=1)), sigma_e

    @property
    def theta(self) -> np.ndarray | None:
        return self._design["theta"]

    def stats_rows(self) -> list[tuple[str, float]]:
        """(label key, value) of the statistics block."""
        p, r2 = self.data, self.rsquared
        rows = [("N", float(p.n)), ("Groups", float(p.n_groups)), ("R² within", r2["within"]),
                ("R² between", r2["between"]), ("R² overall", r2["overall"])]
        if self.model == "fe":
            f, _, _, pf = self.f_test
            rows += [("F (all u_i = 0)", f), ("P (all u_i = 0)", pf)]
        if self.model in ("fe", "re"):
            su, se = self.sigmas
            rows += [("sigma_u", su), ("sigma_e", se), ("rho", su * su / (su * su + se * se))]
        if self.model == "re" and self.effects == "twoways":
            th1, th2, th3 = self._design["theta2"]
            rows += [("sigma_λ", float(np.sqrt(self._design["sigma2"][2]))), ("theta", th1), ("theta (year)", th2),
                     ("theta (total)", th3)]
        elif self.model == "re":
            th = self.theta
            if np.ptp(th) <= 1e-12:
                rows.append(("theta", float(th[0])))
            else:
                rows += [("theta min", float(th.min())), ("theta max", float(th.max()))]
        if self.se == "dk":
            rows.append(("DK lag", float(self.dk_lag)))
        return rows

    def to_rows(self, lang: Any = None) -> list[list]:
        """Header, one row per coefficient (_cons last), then the statistics (SPEC Part 3)."""
        head = ["Variable", "Coef.", "Std. Err.", "t", "P>|t|", "[95% Conf.", "Interval]"]
        out: list[list] = [[text(h, lang) for h in head]]
        ci = self.conf_int
        for j, name in enumerate(self.names):
            out.append([name, float(self.params[j]), float(self.std_errors[j]), float(self.tstats[j]),
                        float(self.pvalues[j]), float(ci[j, 0]), float(ci[j, 1])])
        for key, value in self.stats_rows():
            out.append([text(key, lang), float(value), None, None, None, None, None])
        return out


def fit_panel(p: PanelData, model: str = "fe", effects: str = "individual", se: str = "cluster") -> PanelFit:
    """The fit of ``model``/``effects`` on ``p`` with standard errors ``se`` (cached by content)."""
    if model == "fe" or model == "re":
        small = p.group_sizes.min()
        if small < 2 and effects != "time":
            i = int(np.argmin(p.group_sizes))
            year = p.time_names[int(p.time[p.group == i][0])]
            raise NQPError(f'region "{p.group_names[i]}" has complete data for one year only ({year}); '
                           "its fixed or random effect cannot be told from its error. Fill in its other "
                           "years or leave the region out")
    fit = cached(("panelreg", p.key, model, effects, se), lambda: PanelFit(p, model, effects, se))
    fit.std_errors  # noqa: B018 - refuse bad input now, not when the table is laid out
    return fit


def _options(model: Any, effects: Any, se: Any) -> tuple[str, str, str]:
    model = choice(model, "model", MODELS, "fe")
    effects = choice(effects, "effects", EFFECTS, "individual")
    if isinstance(se, str) and se.strip().lower() in _SE_ALIASES:
        se = _SE_ALIASES[se.strip().lower()]
    se = choice(se, "se", SE_KINDS, "cluster")
    return model, effects, se


def panel_regression(data: Any, equation: Any, ids: Any = None, years: Any = None, model: Any = "fe",
                     effects: Any = "individual", se: Any = "cluster", id_cols: Any = None,
                     missing: Any = None) -> PanelFit:
    """NQP_PANELREG's numbers: parse, check and fit (see the module docstring)."""
    model, effects, se = _options(model, effects, se)
    return fit_panel(panel_data(data, equation, ids, years, id_cols=id_cols, missing=missing), model, effects, se)


@dataclass(frozen=True)
class Hausman:
    """Hausman's test of fe against re: chi2 = d'(V_fe − V_re)⁻¹d, d = b_fe − b_re (slopes)."""

    chi2: float | None
    df: int
    p: float | None
    note: str | None

    def to_rows(self, lang: Any = None) -> list[list]:
        rows = [[text("Statistic", lang), text("Value", lang)], ["chi2", self.chi2], [text("df", lang), float(self.df)],
                ["P", self.p]]
        if self.note:
            rows.append([text("Note", lang), text(self.note, lang)])
        return rows


NOT_PD = "V_b-V_B is not positive definite"
NEGATIVE = "chi2<0: the data fail the asymptotic assumptions of the Hausman test"


def hausman(data: Any, equation: Any, ids: Any = None, years: Any = None, id_cols: Any = None,
            missing: Any = None) -> Hausman:
    """fe against re (individual effects) with the conventional covariances of each, as plm
    ``phtest(fe, re)``.  When V_fe − V_re is not positive definite the answer says so (Stata's
    note); a negative chi2 is not shown as a number (blank, with Stata's explanation)."""
    from scipy.special import chdtrc  # 0.3 s of start-up (-X importtime), paid only here

    p = panel_data(data, equation, ids, years, id_cols=id_cols, missing=missing)
    fe = fit_panel(p, "fe", "individual", "conventional")
    re = fit_panel(p, "re", "individual", "conventional")
    d = fe.params[:-1] - re.params[:-1]
    v = fe.cov[:-1, :-1] - re.cov[:-1, :-1]
    eig = np.linalg.eigvalsh(v)
    pd_ok = bool(eig.min() > 1e-12 * max(abs(eig).max(), 1e-300))
    chi2 = float(d @ np.linalg.solve(v, d))
    df = p.k
    if chi2 < 0:
        return Hausman(None, df, None, NEGATIVE)
    from_chi = float(chdtrc(df, chi2))
    return Hausman(chi2, df, from_chi, None if pd_ok else NOT_PD)
