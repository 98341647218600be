"""Factor analysis as SPSS FACTOR does it: /EXTRACTION=PC /ROTATION=VARIMAX (Kaiser normalization).

The chain (Guangdong-cities paper, docs/papers/factor-analysis-guangdong-cities.txt, steps 1-8;
SPSS Statistics Algorithms, "FACTOR"):

1. z-scores with the n-1 standard deviation, ``Z = (X - mean) / sd``;
2. the Pearson correlation matrix ``R = Z'Z / (n-1)`` (one BLAS call);
3. adequacy: KMO and per-indicator MSA from the anti-image (partial) correlations
   ``a_ij = -R⁻¹_ij / sqrt(R⁻¹_ii R⁻¹_jj)``, ``KMO = Σr² / (Σr² + Σa²)`` over i != j (paper eq. 2);
   Bartlett's sphericity ``χ² = -(n - 1 - (2p+5)/6) ln|R|`` with ``p(p-1)/2`` df;
4. principal components: eigenvalues ``λ`` (descending) and eigenvectors ``V`` of R (eq. 4);
5. k factors: ``n_factors`` if given, else the smallest k whose cumulative share of variance
   reaches ``min_cumvar``, else the number of eigenvalues above 1 (Kaiser's rule);
6. loadings ``A = V_k √λ_k`` (columns reflected so that each sums positive);
7. varimax with Kaiser normalization, iterated to true convergence (not SPSS's 25 steps);
   rotated columns reflected to a positive sum and sorted by their sums of squares;
8. regression score coefficients ``B = R⁻¹ A_r``, scores ``F = Z B``, and the composite
   ``F = Σ (SS_i / ΣSS) F_i`` (paper eqs. 6-7), ranked 1 = highest.

Everything is vectorised numpy; only the varimax iteration loops.
"""
from __future__ import annotations

from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np
from scipy.special import chdtrc

from . import options
from .cache import cached
from .errors import NQPError
from .excel_answer import Cells, cells, indicator_rows
from .labels import text, texts
from .ranks import rank_desc
from .rotation import kaiser_varimax, positive_signs, varimax_criterion
from .table import Table, check_table

WHAT = "factor analysis"
# R is refused as singular when its smallest eigenvalue is below this fraction of the largest
# (a condition number above 1e10: R⁻¹ would have fewer than ~6 correct digits).
RCOND_LIMIT = 1e-10


# ----------------------------------------------------------------------------- building blocks


def zscores(x: Any) -> np.ndarray:
    """Column z-scores with the n-1 standard deviation (SPSS DESCRIPTIVES /SAVE)."""
    x = np.asarray(x.values if isinstance(x, Table) else x, dtype=float)
    centred = x - x.mean(axis=0)
    sd = np.sqrt(np.einsum("ij,ij->j", centred, centred) / (x.shape[0] - 1))
    centred /= sd  # in place: one m × p array, not two
    return centred


def correlation(z_or_x: Any) -> np.ndarray:
    """The Pearson correlation matrix R (p × p) of the columns of raw data or z-scores.

    ``R = Z'Z / (n-1)`` with Z the n-1 z-scores: one matrix product, exactly symmetric,
    unit diagonal.
    """
    z = zscores(z_or_x)
    r = z.T @ z
    r /= z.shape[0] - 1
    r = (r + r.T) / 2
    np.fill_diagonal(r, 1.0)
    return r


def _anti_image(r: np.ndarray) -> np.ndarray:
    """Partial correlations a_ij = -R⁻¹_ij / sqrt(R⁻¹_ii R⁻¹_jj) (the anti-image correlations)."""
    try:
        inv = np.linalg.inv(r)
    except np.linalg.LinAlgError:
        raise NQPError("the correlation matrix is singular, so KMO cannot be computed") from None
    inv = (inv + inv.T) / 2
    d = np.sqrt(np.diag(inv))
    return -inv / np.outer(d, d)


def kmo(r: Any) -> tuple[float, np.ndarray]:
    """Kaiser-Meyer-Olkin measure: overall KMO and the per-indicator MSA.

    ``KMO = Σ_{i≠j} r_ij² / (Σ_{i≠j} r_ij² + Σ_{i≠j} a_ij²)`` with a the partial correlations
    (paper eq. 2; Kaiser 1970); ``MSA_j`` is the same ratio over column j only, the
    diagonal of SPSS's anti-image correlation matrix.
    """
    r = np.asarray(r, dtype=float)
    a = _anti_image(r)
    r2 = r * r
    a2 = a * a
    np.fill_diagonal(r2, 0.0)
    np.fill_diagonal(a2, 0.0)
    rs, as_ = r2.sum(axis=0), a2.sum(axis=0)
    overall = float(rs.sum() / (rs.sum() + as_.sum()))
    return overall, rs / (rs + as_)


def bartlett_sphericity(r: Any, n: int) -> tuple[float, int, float]:
    """Bartlett's test that R is an identity: ``χ² = -(n - 1 - (2p+5)/6) ln|R|``,
    ``df = p(p-1)/2``, Sig. the upper chi-square tail (Bartlett 1950; SPSS FACTOR)."""
    r = np.asarray(r, dtype=float)
    p = r.shape[0]
    sign, logdet = np.linalg.slogdet(r)
    if sign <= 0:
        raise NQPError("the correlation matrix is singular, so Bartlett's test cannot be computed")
    chi2 = float(-(n - 1 - (2 * p + 5) / 6) * logdet)
    df = p * (p - 1) // 2
    return chi2, df, float(chdtrc(df, chi2))


def principal_components(r: Any) -> tuple[np.ndarray, np.ndarray]:
    """Eigenvalues of R in descending order and their unit eigenvectors (columns).

    Each eigenvector is reflected so that its elements sum positive (a sign convention
    only: the eigen-problem fixes a vector up to its sign).
    """
    values, vectors = np.linalg.eigh(np.asarray(r, dtype=float))
    values, vectors = values[::-1].copy(), vectors[:, ::-1].copy()
    return values, vectors * positive_signs(vectors)


def choose_n_factors(eigenvalues: Any, n_factors: Any = None, min_cumvar: Any = None) -> int:
    """The number of factors k: ``n_factors`` if given; else the smallest k whose cumulative
    share of variance reaches ``min_cumvar`` (a fraction); else eigenvalues above 1."""
    lam = np.asarray(eigenvalues, dtype=float)
    p = lam.shape[0]
    k = _parse_n_factors(n_factors, p)
    if k is not None:
        return k
    frac = options.fraction(min_cumvar, "min_cumvar")
    if frac is not None:
        cum = np.cumsum(lam) / lam.sum()
        return int(min(p, np.searchsorted(cum, frac - 1e-12) + 1))
    return max(1, int((lam > 1.0).sum()))


def _parse_n_factors(n_factors: Any, p: int) -> int | None:
    k = options.whole_number(n_factors, "n_factors", low=1)
    if k is not None and k > p:
        raise NQPError(f"n_factors={k} is too many: there are only {p} indicators, "
                       f"so at most {p} factors")
    return k


def composite_weights(rotated: Any) -> np.ndarray:
    """Weights of the factors in the composite score, ``SS_i / Σ SS`` (paper eq. 6).

    Any proportional figures serve: rotated sums of squares or their % of variance.  The
    paper's Table 2 (47.295, 20.389, 11.628, 8.327 %) gives eq. 7's 0.540, 0.233, 0.133, 0.095.
    """
    w = np.asarray(rotated, dtype=float)
    return w / w.sum()


def sorted_by_size(loadings: Any) -> np.ndarray:
    """The row order of a loading matrix "sorted by size" (SPSS and PSPP FACTOR /FORMAT=SORT).

    SPSS's rule (Command Syntax Reference, FACTOR FORMAT=SORT): variables in descending order
    of their factor-1 |loading| until one loads more on a later factor; the remaining ones in
    descending order of their factor-2 |loading| until one loads more on a factor after 2; and
    so on, the last factor taking all that remain.  So a variable usually sits under the factor
    of its largest |loading|, but one that loads weakly everywhere (e.g. |a| = 0.31 on F1,
    0.03 on F2) comes after the stronger variables of F2, as SPSS and PSPP print it.  Ties in
    |loading| keep input order.  Checked against PSPP 1.6.2 (tests/oracles/factor_pspp_sort.py).
    """
    a = np.abs(np.asarray(loadings, dtype=float))
    if a.ndim != 2 or a.shape[0] == 0:
        return np.arange(a.shape[0] if a.ndim else 0)
    home = a.argmax(axis=1)  # the first factor of the largest |loading|
    left = np.arange(a.shape[0])
    order: list[int] = []
    for c in range(a.shape[1]):
        ranked = left[np.argsort(-a[left, c], kind="stable")]
        later = np.flatnonzero(home[ranked] > c)
        stop = int(later[0]) if later.size else ranked.size
        order += ranked[:stop].tolist()
        left = np.sort(ranked[stop:])
        if not left.size:
            break
    return np.asarray(order + left.tolist(), dtype=np.intp)


# ----------------------------------------------------------------------------- the result

FACTOR_VIEWS = ("kmo", "msa", "bartlett", "variance", "loadings", "component", "scorecoef", "factors", "score",
                "communalities")
VARIANCE_HEADER = (
    "Component", "Initial Total", "Initial % of Variance", "Initial Cumulative %",
    "Extraction Total", "Extraction % of Variance", "Extraction Cumulative %",
    "Rotation Total", "Rotation % of Variance", "Rotation Cumulative %",
)


@dataclass(frozen=True, eq=False)
class FactorResult:
    """A fitted factor analysis; figures are computed on first access and kept.

    ``z``, ``correlation``, ``eigenvalues`` and ``eigenvectors`` are computed (and checked)
    when the result is made; the rest lazily.
    """

    table: Table
    n_factors: int
    z: np.ndarray
    correlation: np.ndarray
    eigenvalues: np.ndarray
    eigenvectors: np.ndarray

    # -- shapes and names
    @property
    def n(self) -> int:
        """Complete rows (SPSS's Analysis N)."""
        return int(self.z.shape[0])

    @property
    def p(self) -> int:
        return int(self.z.shape[1])

    @property
    def k(self) -> int:
        return self.n_factors

    @property
    def names(self) -> tuple[str, ...]:
        return self.table.names

    @property
    def factor_names(self) -> list[str]:
        return [f"F{i + 1}" for i in range(self.n_factors)]

    # -- adequacy
    @cached_property
    def _kmo(self) -> tuple[float, np.ndarray]:
        return kmo(self.correlation)

    @cached_property
    def kmo(self) -> float:
        """Overall Kaiser-Meyer-Olkin measure of sampling adequacy."""
        return self._kmo[0]

    @cached_property
    def msa(self) -> np.ndarray:
        """Per-indicator MSA (the anti-image correlation diagonal)."""
        return self._kmo[1]

    @cached_property
    def bartlett(self) -> tuple[float, int, float]:
        """Bartlett's sphericity test: (Chi-square, df, Sig.)."""
        return bartlett_sphericity(self.correlation, self.n)

    # -- extraction
    @cached_property
    def loadings(self) -> np.ndarray:
        """Unrotated loadings ``A = V_k √λ_k`` (p × k), each column summing positive."""
        k = self.n_factors
        a = self.eigenvectors[:, :k] * np.sqrt(self.eigenvalues[:k])
        return a * positive_signs(a)

    @cached_property
    def communalities(self) -> np.ndarray:
        """Extraction communalities: row sums of squared loadings (initial ones are 1)."""
        a = self.loadings
        return np.einsum("ij,ij->i", a, a)

    # -- rotation
    @cached_property
    def _rotation(self) -> tuple[np.ndarray, np.ndarray]:
        a = self.loadings
        if self.n_factors == 1:  # SPSS: only one component was extracted; nothing to rotate
            return a.copy(), np.eye(1)
        rotated, t = kaiser_varimax(a)
        signs = positive_signs(rotated)
        rotated, t = rotated * signs, t * signs
        order = np.argsort(-np.einsum("ij,ij->j", rotated, rotated), kind="stable")
        return rotated[:, order], t[:, order]

    @cached_property
    def rotated_loadings(self) -> np.ndarray:
        """Varimax (Kaiser-normalised) loadings ``A T`` (p × k): columns sum positive and are
        sorted by their sums of squares, largest first."""
        return self._rotation[0]

    @cached_property
    def rotation(self) -> np.ndarray:
        """The orthogonal rotation T (k × k) with ``rotated_loadings = loadings @ T``."""
        return self._rotation[1]

    @cached_property
    def rotated_ss(self) -> np.ndarray:
        """Rotation sums of squared loadings (k,), descending."""
        a = self.rotated_loadings
        return np.einsum("ij,ij->j", a, a)

    @cached_property
    def weights(self) -> np.ndarray:
        """Weights of F1..Fk in the composite, ``SS_i / ΣSS``."""
        return composite_weights(self.rotated_ss)

    # -- scores
    @cached_property
    def score_coefficients(self) -> np.ndarray:
        """Regression score coefficients ``B = R⁻¹ A_r`` (p × k).

        For principal components ``R⁻¹ A = V_k Λ_k^{-1/2} = A Λ_k^{-1}``, so
        ``B = (A Λ_k^{-1}) T``: no inverse of R is formed.
        """
        return (self.loadings / self.eigenvalues[: self.n_factors]) @ self.rotation

    @cached_property
    def scores(self) -> np.ndarray:
        """Factor scores ``F = Z B`` (m × k), one row per complete input row."""
        return self.z @ self.score_coefficients

    @cached_property
    def composite(self) -> np.ndarray:
        """Composite score ``F = Σ w_i F_i`` (m,)."""
        return self.scores @ self.weights

    @cached_property
    def rank(self) -> np.ndarray:
        """Rank of the composite, 1 = highest; equal scores share the smallest rank."""
        return rank_desc(self.composite)

    # -- SPSS's "Total Variance Explained"
    @cached_property
    def variance_table(self) -> np.ndarray:
        """p × 10, percent units, NaN past k: Component, Initial Total, % of Variance,
        Cumulative %, Extraction Total/%/Cum %, Rotation Total/%/Cum %."""
        p, k = self.p, self.n_factors
        lam = self.eigenvalues
        out = np.full((p, 10), np.nan)
        out[:, 0] = np.arange(1, p + 1)
        pct = lam / p * 100.0
        out[:, 1], out[:, 2], out[:, 3] = lam, pct, np.cumsum(pct)
        out[:k, 4:7] = out[:k, 1:4]
        rpct = self.rotated_ss / p * 100.0
        out[:k, 7], out[:k, 8], out[:k, 9] = self.rotated_ss, rpct, np.cumsum(rpct)
        return out

    # -- tables
    def to_rows(self, lang: str | None = None, view: str = "loadings") -> Any:
        """One of the SPSS tables as worksheet rows (``view`` in :data:`FACTOR_VIEWS`):
        per-indicator tables have an Indicator column and a header row when the input had
        one; "factors" and "score" are aligned with the input; "kmo" is one number."""
        if view == "kmo":
            return self.kmo
        if view == "bartlett":
            return [texts(("Chi-square", "df", "Sig."), lang), list(self.bartlett)]
        if view == "variance":
            if np.isinf(self.variance_table).any():
                raise FloatingPointError("a result is not a finite number")
            shown = np.asarray(self.variance_table, dtype=float).astype(object)
            shown[np.isnan(self.variance_table)] = None  # blank past the kept factors
            return Cells([texts(VARIANCE_HEADER, lang), *shown.tolist()])
        if view == "factors":
            block = np.column_stack([self.scores, self.composite, self.rank])
            return cells(self.table, block, [*self.factor_names, *texts(("F", "Rank"), lang)])
        if view == "score":
            return cells(self.table, self.composite[:, None], [text("F", lang)])
        if view == "msa":
            block, header = self.msa[:, None], texts(("MSA",), lang)
        elif view == "communalities":
            block, header = np.column_stack([np.ones(self.p), self.communalities]), texts(("Initial", "Extraction"), lang)
        else:  # one block per factor, computed only for the view asked for
            matrix = {"loadings": "rotated_loadings", "component": "loadings", "scorecoef": "score_coefficients"}
            if view not in matrix:
                raise ValueError(f"view must be one of {FACTOR_VIEWS}, not {view!r}")
            block, header = getattr(self, matrix[view]), self.factor_names
        return indicator_rows(self.table, block, header, lang)

    # -- text
    def summary(self) -> str:
        """SPSS-style tables as text (KMO and Bartlett, communalities, total variance
        explained, component matrices, transformation and score coefficients)."""
        return _summary(self)

    def __str__(self) -> str:  # pragma: no cover - convenience
        return self.summary()


# ----------------------------------------------------------------------------- the entry point


def factor_analysis(
    data: Any,
    n_factors: Any = None,
    min_cumvar: Any = None,
    id_cols: Any = None,
    missing: Any = None,
) -> FactorResult:
    """Principal-component factor analysis with varimax rotation, SPSS style.

    ``data`` is a range (list of rows), DataFrame, array or :class:`Table`; ``n_factors``
    fixes k; else ``min_cumvar`` (a fraction such as 0.85) picks the smallest k whose
    cumulative variance reaches it; else eigenvalues > 1.  Results are cached by the
    table's content and these options, so many formulas over one range compute once.
    """
    table = check_table(data, id_cols=id_cols, missing=missing)
    table.require(min_rows=3, min_cols=2, what=WHAT)
    k_opt = _parse_n_factors(n_factors, table.shape[1])
    frac = None if k_opt is not None else options.fraction(min_cumvar, "min_cumvar")
    return cached(("factor", table.key, k_opt, frac), lambda: _fit(table, k_opt, frac))


def _fit(table: Table, k_opt: int | None, frac: float | None) -> FactorResult:
    z, r, lam, vec = cached(("factor.base", table.key), lambda: _decompose(table))
    k = choose_n_factors(lam, k_opt, frac)
    return FactorResult(table=table, n_factors=k, z=z, correlation=r, eigenvalues=lam, eigenvectors=vec)


def _decompose(table: Table) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Z, R and R's eigen decomposition, checked: shared by every number of factors kept."""
    table.require_variation(WHAT)
    m, p = table.shape
    if m <= p:
        dropped = table.n_rows - m
        extra = f" ({dropped} left out for blank or error cells)" if dropped else ""
        raise NQPError(
            f"{p} indicators but only {m} complete regions{extra}: the correlation matrix is "
            f"singular; factor analysis needs at least {p + 1} complete regions, or fewer indicators"
        )
    z = zscores(table.values)
    r = z.T @ z
    r /= m - 1
    r = (r + r.T) / 2
    np.fill_diagonal(r, 1.0)
    lam, vec = principal_components(r)
    _check_conditioning(r, lam, vec, table.names)
    for a in (z, r, lam, vec):
        a.setflags(write=False)  # shared between results in the cache
    return z, r, lam, vec


def _check_conditioning(r: np.ndarray, lam: np.ndarray, vec: np.ndarray, names) -> None:
    """Refuse a singular or nearly singular R, naming the indicators responsible."""
    if lam[-1] > RCOND_LIMIT * lam[0]:
        return
    off = np.abs(r - np.eye(r.shape[0]))
    i, j = np.unravel_index(int(off.argmax()), off.shape)
    if off[i, j] > 1 - 1e-8:
        sign = "" if r[i, j] > 0 else "negatively "
        raise NQPError(
            f'indicators "{names[i]}" and "{names[j]}" are perfectly {sign}correlated '
            f"(r = {r[i, j]:.10g}); factor analysis needs them not to duplicate each other: drop one"
        )
    v = np.abs(vec[:, -1])
    involved = np.flatnonzero(v > 0.05 * v.max())
    involved = involved[np.argsort(-v[involved])][:5]
    listed = ", ".join(f'"{names[j]}"' for j in sorted(involved))
    raise NQPError(
        f"indicators {listed} are linearly dependent (one is a combination of the others), so the "
        "correlation matrix is singular; drop one of them"
    )


# ----------------------------------------------------------------------------- summary text


def _fmt_table(title: str, header: list[str], rows: list[list], width: int = 10) -> str:
    def cell(v: Any) -> str:
        if isinstance(v, str):
            return v
        if v is None or (isinstance(v, float) and np.isnan(v)):
            return ""
        if isinstance(v, (int, np.integer)):
            return str(int(v))
        return f"{v:.3f}"

    body = [[cell(v) for v in row] for row in rows]
    first = max([len(header[0])] + [len(r[0]) for r in body])
    widths = [first] + [max([len(header[c]), width] + [len(r[c]) for r in body]) for c in range(1, len(header))]
    line = lambda cells: "  ".join(  # noqa: E731
        (c.ljust(w) if n == 0 else c.rjust(w)) for n, (c, w) in enumerate(zip(cells, widths))
    )
    rule = "-" * len(line(header))
    return "\n".join([title, rule, line(header), rule, *map(line, body), rule])


def _summary(res: FactorResult) -> str:
    names = [n[:32] for n in res.names]
    fac = [str(i + 1) for i in range(res.n_factors)]
    chi2, df, sig = res.bartlett
    parts = [
        f"Factor analysis: principal components, varimax with Kaiser normalization\n"
        f"Analysis N = {res.n}, indicators = {res.p}, components extracted = {res.n_factors}",
        _fmt_table("KMO and Bartlett's Test", ["", "Value"], [
            ["Kaiser-Meyer-Olkin Measure of Sampling Adequacy", res.kmo],
            ["Bartlett's Test of Sphericity  Approx. Chi-Square", chi2],
            ["                               df", int(df)],
            ["                               Sig.", sig],
        ]),
        _fmt_table("Communalities", ["", "Initial", "Extraction"],
                   [[nm, 1.0, c] for nm, c in zip(names, res.communalities)]),
        _fmt_table(
            "Total Variance Explained",
            ["Component", "Init Total", "% of Var", "Cum %", "Extr Total", "% of Var", "Cum %",
             "Rot Total", "% of Var", "Cum %"],
            [[int(r[0]), *r[1:]] for r in res.variance_table],
        ),
        _fmt_table("Component Matrix", [""] + fac,
                   [[nm, *row] for nm, row in zip(names, res.loadings)]),
    ]
    if res.n_factors > 1:
        parts += [
            _fmt_table("Rotated Component Matrix", [""] + fac,
                       [[nm, *row] for nm, row in zip(names, res.rotated_loadings)]),
            _fmt_table("Component Transformation Matrix (columns: rotated components)", ["Component"] + fac,
                       [[str(i + 1), *row] for i, row in enumerate(res.rotation)]),
        ]
    else:
        parts.append("Only one component was extracted. The solution cannot be rotated.")
    parts += [
        _fmt_table("Component Score Coefficient Matrix", [""] + fac,
                   [[nm, *row] for nm, row in zip(names, res.score_coefficients)]),
        "Composite F = " + " + ".join(f"{w:.3f}*F{i + 1}" for i, w in enumerate(res.weights)),
    ]
    return "\n\n".join(parts)


__all__ = [
    "FactorResult", "bartlett_sphericity", "choose_n_factors", "composite_weights", "correlation",
    "factor_analysis", "kaiser_varimax", "kmo", "principal_components", "rank_desc",
    "varimax_criterion", "zscores",
]
