"""nqp-xl's Excel face: the ``NQP_`` worksheet functions (xlwings UDFs).

Each function is a thin wrapper that "handles all the Excel stuff" (after xlwings'
fibonacci example): it passes the range to ``nqp_xl`` (which converts and validates it
once, in :func:`nqp_xl.table.check_table`), lays the answer out as the cells should show
it, and turns any problem into a ``#NQP! ...`` text.  No numerics live here.

Import it in Excel through the workbook's ``xlwings.conf`` sheet (UDF Modules: nqp_udfs)
and press "Import Functions" once.  The docstrings are the function wizard's help.
"""
from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np
import xlwings as xw

import nqp_xl
from nqp_xl.collector import gc_paused
from nqp_xl.errors import NQPError, as_cell_text
from nqp_xl.labels import text, texts

class Cells(list):
    """Rows laid out from arrays already proven finite: answered as they are."""


def _finite(block: Any) -> np.ndarray:
    """A numeric block as a 2-D float array, refusing NaN or inf (a bug we never show)."""
    arr = np.asarray(block, dtype=float)
    if arr.ndim == 1:
        arr = arr.reshape(-1, 1)
    if not np.isfinite(arr).all():
        raise FloatingPointError("a result is not a finite number")
    return arr


def _beside(first: Any, arr: np.ndarray, after: Any = ()) -> list[list]:
    """Rows of ``first`` columns (texts), the numeric block, then ``after`` columns, made
    with one ``tolist()`` of an object array rather than cell by cell."""
    q = arr.shape[1]
    out = np.empty((arr.shape[0], len(first) + q + len(after)), dtype=object)
    for c, col in enumerate(first):
        out[:, c] = col
    out[:, len(first):len(first) + q] = arr
    for c, col in enumerate(after):
        out[:, len(first) + q + c] = col
    return out.tolist()


def cells(table, block: Any, header: list[str] | None = None, text_cols: list[list[str]] = ()) -> Cells:
    """An aligned answer: header row when the input had one, blank rows where input rows
    were left out.  ``block`` is numeric (m × q) for the complete rows; ``text_cols`` are
    columns of text (one entry per complete row) placed after it.  One ``tolist()`` of the
    block; blank rows go in by index (:meth:`nqp_xl.table.Table.aligned`)."""
    arr = _finite(block)
    rows = _beside((), arr, text_cols) if text_cols else arr.tolist()
    return Cells(table.aligned(rows, header))


def per_indicator(names: Any, block: Any, header: list[str] | None = None) -> Cells:
    """One row per indicator, its name first, after the header row when one is given."""
    rows = _beside((list(names),), _finite(block))
    return Cells(([list(header)] if header is not None else []) + rows)


def _clean(value: Any) -> Any:
    """One cell of an answer as xlwings wants it; NaN or inf is a bug we refuse to show."""
    if value is None or isinstance(value, (str, bool)):
        return value
    if isinstance(value, (np.bool_,)):
        return bool(value)
    if isinstance(value, (int, float, np.integer, np.floating)):
        x = float(value)
        if not math.isfinite(x):
            raise FloatingPointError("a result is not a finite number")
        return x
    return str(value)


def _to_excel(result: Any) -> Any:
    """Scalars stay scalars; arrays and lists become a list of rows of plain values."""
    if isinstance(result, Cells):
        return list(result)
    if isinstance(result, np.ndarray):
        result = result.tolist()
    if isinstance(result, (list, tuple)):
        rows = [r.tolist() if isinstance(r, np.ndarray) else r for r in result]
        return [[_clean(v) for v in r] if isinstance(r, (list, tuple)) else [_clean(r)] for r in rows]
    return _clean(result)


def _inner_error(compute: Callable[[], Any]) -> str | None:
    """The ``#NQP!`` answer of an inner formula that one of the arguments holds (a single
    cell, as ``INDEX(NQP_INDEX(...),0,1)`` of a failed answer is), or None.

    A function given a failed inner answer repeats its message, as Excel passes an error on,
    rather than saying "no row is complete" about the one text cell it received.  Looked at
    only when the outer function fails; the arguments are the free variables of ``compute``.
    An argument that is one Excel error (``#REF!`` from ``INDEX`` of a failed answer) is named
    as such."""
    from nqp_xl.table import is_error_value

    excel_error = None
    for cell in compute.__closure__ or ():
        try:
            v = cell.cell_contents
        except ValueError:  # an empty closure cell
            continue
        while isinstance(v, (list, tuple)) and len(v) == 1:
            v = v[0]
        if isinstance(v, str) and v.startswith("#NQP! "):
            return v
        if excel_error is None and isinstance(v, (str, int)) and not isinstance(v, bool) and is_error_value(v):
            excel_error = v if isinstance(v, str) else "an error value"
    if excel_error is not None:
        return as_cell_text(f"an argument is the single error {excel_error}, not a range of values: an inner "
                            "formula failed (another NQP cell of the sheet shows why) or a reference is wrong")
    return None


def _answer(compute: Callable[[], Any], function: str) -> Any:
    """Run ``compute`` and answer its value, or a ``#NQP!`` text; never a traceback.

    The garbage collector pauses meanwhile: a large range means tens of thousands of row
    lists, and collections triggered by creating them cost more than the numerics.
    """
    with gc_paused():
        try:
            return _to_excel(compute())
        except NQPError as err:
            return _inner_error(compute) or err.as_cell()
        except FloatingPointError:
            return as_cell_text(f"{function} could not compute a finite result for this data; "
                                "check for constant or collinear indicators")
        except Exception as err:  # noqa: BLE001 - a cell must never show a traceback
            return as_cell_text(f"{function} failed unexpectedly ({type(err).__name__}: {err}); "
                                "please report this with your data")


# ----------------------------------------------------------------------------- general


@xw.func(category="nqp-xl")
def NQP_VERSION() -> str:
    """The version of nqp-xl answering these formulas."""
    return _answer(lambda: nqp_xl.__version__, "NQP_VERSION")


# ----------------------------------------------------------------------------- factor analysis
# (NQP_KMO, NQP_MSA, NQP_BARTLETT, NQP_VARIANCE, NQP_LOADINGS, NQP_SCORECOEF, NQP_FACTORS,
#  NQP_SCORE, NQP_DESCRIBE)

_FA_DATA_DOC = "the indicator table: optional header row of names, optional region (and year) label columns"
_FA_K_DOC = "number of factors to keep; blank: by min_cumvar, else eigenvalues above 1"
_FA_CUM_DOC = "keep the fewest factors whose cumulative variance reaches this fraction (e.g. 0.85)"
_VARIANCE_HEADER = (
    "Component", "Initial Total", "Initial % of Variance", "Initial Cumulative %",
    "Extraction Total", "Extraction % of Variance", "Extraction Cumulative %",
    "Rotation Total", "Rotation % of Variance", "Rotation Cumulative %",
)


def _fa(data, n_factors=None, min_cumvar=None, id_cols=None, missing=None):
    from nqp_xl.factor import factor_analysis

    return factor_analysis(data, n_factors, min_cumvar, id_cols=id_cols, missing=missing)


def _fa_per_indicator(table, block, header: list[str], lang) -> list[list]:
    """One row per indicator, its name first; a header row when the input had one."""
    return per_indicator(table.names, block, [*texts(("Indicator",), lang), *header] if table.has_header else None)


@xw.func(category="nqp-xl")
@xw.arg("data", ndim=2, doc=_FA_DATA_DOC)
def NQP_KMO(data, lang=None, id_cols=None, missing=None):
    """Kaiser-Meyer-Olkin measure of sampling adequacy of the indicators (one number; above 0.5 suits factor analysis), as SPSS FACTOR.

    KMO = Σr² / (Σr² + Σa²) over pairs i≠j, r the correlations and a the partial (anti-image)
    correlations -R⁻¹_ij/√(R⁻¹_ii R⁻¹_jj). Source: Kaiser (1970); SPSS FACTOR /PRINT KMO.
    """
    def compute():
        from nqp_xl.labels import resolve_lang

        resolve_lang(lang)  # a wrong lang is refused here as everywhere
        return _fa(data, id_cols=id_cols, missing=missing).kmo

    return _answer(compute, "NQP_KMO")


@xw.func(category="nqp-xl")
@xw.arg("data", ndim=2, doc=_FA_DATA_DOC)
def NQP_MSA(data, lang=None, id_cols=None, missing=None):
    """Measure of sampling adequacy of each indicator (the anti-image correlation diagonal): rows Indicator, MSA.

    MSA_j = Σ_i r_ij² / (Σ_i r_ij² + Σ_i a_ij²) over i≠j, a the partial correlations.
    Source: Kaiser (1970); SPSS FACTOR /PRINT AIC.
    """
    def compute():
        res = _fa(data, id_cols=id_cols, missing=missing)
        return _fa_per_indicator(res.table, res.msa[:, None], texts(("MSA",), lang), lang)

    return _answer(compute, "NQP_MSA")


@xw.func(category="nqp-xl")
@xw.arg("data", ndim=2, doc=_FA_DATA_DOC)
def NQP_BARTLETT(data, lang=None, id_cols=None, missing=None):
    """Bartlett's test of sphericity: a header row and Chi-square, df, Sig. (Sig. below 0.05 suits factor analysis).

    χ² = -(n - 1 - (2p+5)/6) ln|R|, df = p(p-1)/2, Sig. the chi-square upper tail; n the
    complete rows, p the indicators. Source: Bartlett (1950); SPSS FACTOR /PRINT KMO.
    """
    def compute():
        chi2, df, sig = _fa(data, id_cols=id_cols, missing=missing).bartlett
        return [texts(("Chi-square", "df", "Sig."), lang), [chi2, df, sig]]

    return _answer(compute, "NQP_BARTLETT")


@xw.func(category="nqp-xl")
@xw.arg("data", ndim=2, doc=_FA_DATA_DOC)
@xw.arg("n_factors", doc=_FA_K_DOC)
@xw.arg("min_cumvar", doc=_FA_CUM_DOC)
def NQP_VARIANCE(data, n_factors=None, min_cumvar=None, lang=None, id_cols=None, missing=None):
    """SPSS "Total Variance Explained": per component the initial eigenvalue, extraction and rotation sums of squares, % of variance and cumulative % (blank past the kept factors).

    Header row, then one row per indicator: Component (1..p), Initial Total, %, Cum %,
    Extraction Total, %, Cum %, Rotation Total, %, Cum % (percent units). Rotation: varimax
    with Kaiser normalization, columns by sum of squares. Source: SPSS FACTOR /EXTRACTION=PC.
    """
    def compute():
        res = _fa(data, n_factors, min_cumvar, id_cols, missing)
        table = np.asarray(res.variance_table, dtype=float)
        if np.isinf(table).any():
            raise FloatingPointError("a result is not a finite number")
        shown = table.astype(object)
        shown[np.isnan(table)] = None  # blank past the kept factors
        return Cells([texts(_VARIANCE_HEADER, lang), *shown.tolist()])

    return _answer(compute, "NQP_VARIANCE")


@xw.func(category="nqp-xl")
@xw.arg("data", ndim=2, doc=_FA_DATA_DOC)
@xw.arg("n_factors", doc=_FA_K_DOC)
@xw.arg("min_cumvar", doc=_FA_CUM_DOC)
@xw.arg("rotated", doc="TRUE (default): varimax-rotated loadings; FALSE: the unrotated component matrix")
def NQP_LOADINGS(data, n_factors=None, min_cumvar=None, rotated=True, lang=None, id_cols=None, missing=None):
    """Factor loadings (SPSS "Rotated Component Matrix", or the unrotated "Component Matrix"): rows Indicator, F1..Fk in input order.

    Unrotated A = V√λ (eigenvectors of the correlation matrix R times root eigenvalues);
    rotated A·T by varimax with Kaiser normalization to convergence, each column reflected to
    a positive sum, sorted by sum of squares. Source: SPSS FACTOR /ROTATION=VARIMAX.
    """
    def compute():
        from nqp_xl.options import flag

        res = _fa(data, n_factors, min_cumvar, id_cols, missing)
        block = res.rotated_loadings if flag(rotated, "rotated", True) else res.loadings
        return _fa_per_indicator(res.table, block, res.factor_names, lang)

    return _answer(compute, "NQP_LOADINGS")


@xw.func(category="nqp-xl")
@xw.arg("data", ndim=2, doc=_FA_DATA_DOC)
@xw.arg("n_factors", doc=_FA_K_DOC)
@xw.arg("min_cumvar", doc=_FA_CUM_DOC)
def NQP_SCORECOEF(data, n_factors=None, min_cumvar=None, lang=None, id_cols=None, missing=None):
    """Component score coefficients (SPSS "Component Score Coefficient Matrix"): rows Indicator, F1..Fk; F_i = Σ_j b_ji·z_j.

    Regression method B = R⁻¹A_rot (R the correlation matrix, A_rot the rotated loadings);
    z the indicators' z-scores with n-1. Source: SPSS FACTOR /SAVE REG.
    """
    def compute():
        res = _fa(data, n_factors, min_cumvar, id_cols, missing)
        return _fa_per_indicator(res.table, res.score_coefficients, res.factor_names, lang)

    return _answer(compute, "NQP_SCORECOEF")


@xw.func(category="nqp-xl")
@xw.arg("data", ndim=2, doc=_FA_DATA_DOC)
@xw.arg("n_factors", doc=_FA_K_DOC)
@xw.arg("min_cumvar", doc=_FA_CUM_DOC)
def NQP_FACTORS(data, n_factors=None, min_cumvar=None, lang=None, id_cols=None, missing=None):
    """Factor scores beside the table: F1..Fk, the composite F and its Rank (1 = highest) for every row.

    Aligned with the input (blank where a row has missing values). F_i = Z·B (regression
    scores, z with n-1); F = Σ (SS_i/ΣSS)·F_i with SS_i the rotated sums of squares.
    Source: SPSS FACTOR /SAVE REG; the composite as in the Guangdong paper, eq. 6.
    """
    def compute():
        res = _fa(data, n_factors, min_cumvar, id_cols, missing)
        block = np.column_stack([res.scores, res.composite, res.rank])
        return cells(res.table, block, [*res.factor_names, *texts(("F", "Rank"), lang)])

    return _answer(compute, "NQP_FACTORS")


@xw.func(category="nqp-xl")
@xw.arg("data", ndim=2, doc=_FA_DATA_DOC)
@xw.arg("n_factors", doc=_FA_K_DOC)
@xw.arg("min_cumvar", doc=_FA_CUM_DOC)
def NQP_SCORE(data, n_factors=None, min_cumvar=None, lang=None, id_cols=None, missing=None):
    """Composite factor score F beside the table, one per row: F = Σ (SS_i/ΣSS)·F_i over the rotated factors.

    Aligned with the input (blank where a row has missing values). F_i are the regression
    factor scores Z·R⁻¹A_rot, SS_i the rotated sums of squares.
    Source: the Guangdong-cities paper, eqs. 6-7; SPSS FACTOR /SAVE REG.
    """
    def compute():
        res = _fa(data, n_factors, min_cumvar, id_cols, missing)
        return cells(res.table, res.composite[:, None], [text("F", lang)])

    return _answer(compute, "NQP_SCORE")


@xw.func(category="nqp-xl")
@xw.arg("data", ndim=2, doc=_FA_DATA_DOC)
def NQP_DESCRIBE(data, lang=None, id_cols=None, missing=None):
    """Descriptive statistics of each indicator: rows Indicator, N, Mean, Std. Dev., Min, Max (over complete rows).

    N counts the rows complete on every indicator (listwise, SPSS FACTOR's Analysis N);
    Std. Dev. = √(Σ(x - mean)²/(N-1)). Source: SPSS DESCRIPTIVES / FACTOR /PRINT UNIVARIATE.
    """
    def compute():
        from nqp_xl.describe import describe

        res = describe(data, id_cols=id_cols, missing=missing)
        header = [text(h, lang) for h in ("N", "Mean", "Std. Dev.", "Min", "Max")]
        return _fa_per_indicator(res.table, res.block, header, lang)

    return _answer(compute, "NQP_DESCRIBE")


# ----------------------------------------------------------------------------- grades
# (NQP_CLUSTER)


@xw.func(category="nqp-xl")
@xw.arg("values", ndim=2, doc="the values to grade: one column (e.g. the composite score F) or several, with labels and a header if you like")
@xw.arg("names", ndim=2, doc='grade names best first: a comma list such as "优,良,中,差" or a range of k cells')
def NQP_CLUSTER(values, k=4, names=None, method=None, lang=None, id_cols=None, missing=None):
    """Grades by k-means clustering, best first: grade name and cluster number for each row (cluster 1 = highest mean of the first column).

    Answers one row per input row: Grade, Cluster (blank for rows with missing values), a
    header row when the input has one. ``method``: "optimal" (exact 1-D k-means by dynamic
    programming, the default for one column), "kmeans" (best of 10 seeded k-means++ runs,
    the default for several columns) or "spss" (SPSS QUICK CLUSTER: its initial centres,
    Lloyd updates, MXITER 10). Default names for k=4: Excellent, Good, Medium, Poor.
    """
    def compute():
        from nqp_xl.cluster import grade

        result = grade(values, k, names, method, lang=lang, id_cols=id_cols, missing=missing)
        # [grade name, cluster number]: texts and whole numbers, nothing to check cell by cell
        return Cells(result.table.aligned(result.block(), texts(("Grade", "Cluster"), lang)))

    return _answer(compute, "NQP_CLUSTER")


# ----------------------------------------------------------------------------- composite indices
# (NQP_STANDARDIZE, NQP_WEIGHTS, NQP_INDEX, NQP_TOPSIS, NQP_OBSTACLE)
# `shift` (entropy only, e.g. 0.0001 or SPSSAU's 0.01) is an extra optional last argument.

_DATA_DOC = "the indicator table: optional header row, optional region (and year) columns"
_DIR_DOC = 'one "+" or "-" per indicator (default all "+")'
_WEIGHTS_DOC = '"entropy", "critic", "cv", "equal", or one weight per indicator'


@xw.func(category="nqp-xl")
@xw.arg("data", ndim=2, doc=_DATA_DOC)
@xw.arg("directions", ndim=2, doc=_DIR_DOC)
def NQP_STANDARDIZE(data, method=None, directions=None, lang=None, id_cols=None, missing=None):
    """Standardised indicators beside the table: z-scores (n-1, "-" indicators change sign) or min-max by direction.

    Aligned with the input: one row per input row, the indicator names as header.
    zscore: s_j (x - mean)/sd; minmax: (x - min)/(max - min), or (max - x)/(max - min) for "-".
    """
    def compute():
        from nqp_xl.composite import standardize
        from nqp_xl.labels import resolve_lang

        resolve_lang(lang)
        res = standardize(data, method, directions, id_cols=id_cols, missing=missing)
        return cells(res.table, res.values, list(res.names))
    return _answer(compute, "NQP_STANDARDIZE")


@xw.func(category="nqp-xl")
@xw.arg("data", ndim=2, doc=_DATA_DOC)
@xw.arg("directions", ndim=2, doc=_DIR_DOC)
def NQP_WEIGHTS(data, method=None, directions=None, lang=None, id_cols=None, missing=None, shift=None):
    """Indicator weights by the entropy (default), CRITIC, coefficient of variation or equal method.

    One row per indicator: Indicator, Weight; the entropy method adds e_j and d_j.
    Entropy: x' min-max by direction, p = x'/sum x', e = -sum p ln p / ln m, d = 1 - e, w = d/sum d.
    CRITIC: sd_j * sum_k (1 - r_jk) on x'. CV: sd/mean on the raw data.
    """
    def compute():
        from nqp_xl.composite import weights

        res = weights(data, method, directions, shift=shift, id_cols=id_cols, missing=missing)
        cols = [res.weights] + ([res.entropy, res.redundancy] if res.method == "entropy" else [])
        header = ["Indicator", "Weight"] + (["Entropy e", "Redundancy d"] if res.method == "entropy" else [])
        return per_indicator(res.names, np.column_stack(cols),
                             texts(header, lang) if res.table.has_header else None)
    return _answer(compute, "NQP_WEIGHTS")


@xw.func(category="nqp-xl")
@xw.arg("data", ndim=2, doc=_DATA_DOC)
@xw.arg("weights", ndim=2, doc=_WEIGHTS_DOC)
@xw.arg("directions", ndim=2, doc=_DIR_DOC)
def NQP_INDEX(data, weights=None, directions=None, lang=None, id_cols=None, missing=None, shift=None):
    """Composite index sum_j w_j x'_ij in [0, 1] beside the table; weights by method name (entropy default) or a range.

    Aligned with the input: one row per input row ("Index" header when the table has one).
    Given weights are normalised to sum to 1.
    """
    def compute():
        from nqp_xl.composite import composite_index

        res = composite_index(data, weights, directions, shift=shift, id_cols=id_cols, missing=missing)
        return cells(res.table, res.index, texts(("Index",), lang))
    return _answer(compute, "NQP_INDEX")


@xw.func(category="nqp-xl")
@xw.arg("data", ndim=2, doc=_DATA_DOC)
@xw.arg("weights", ndim=2, doc=_WEIGHTS_DOC)
@xw.arg("directions", ndim=2, doc=_DIR_DOC)
def NQP_TOPSIS(data, weights=None, directions=None, lang=None, id_cols=None, missing=None, shift=None):
    """TOPSIS on the weighted min-max data (entropy weights by default): D+, D-, closeness C and Rank.

    Aligned with the input. Ideal = column max, anti-ideal = column min of w_j x'_ij, Euclidean
    distances, C = D- / (D+ + D-), Rank 1 = highest C.
    """
    def compute():
        from nqp_xl.composite import topsis

        res = topsis(data, weights, directions, shift=shift, id_cols=id_cols, missing=missing)
        block = np.column_stack([res.d_plus, res.d_minus, res.closeness, res.rank])
        return cells(res.table, block, texts(("D+", "D-", "C", "Rank"), lang))
    return _answer(compute, "NQP_TOPSIS")


@xw.func(category="nqp-xl")
@xw.arg("data", ndim=2, doc=_DATA_DOC)
@xw.arg("weights", ndim=2, doc=_WEIGHTS_DOC)
@xw.arg("directions", ndim=2, doc=_DIR_DOC)
def NQP_OBSTACLE(data, weights=None, directions=None, lang=None, id_cols=None, missing=None, shift=None):
    """Obstacle degree (%) of each indicator for each region: w_j (1 - x'_ij) / sum_k w_k (1 - x'_ik) x 100.

    Aligned with the input, one column per indicator (indicator names as header); rows sum to 100.
    """
    def compute():
        from nqp_xl.composite import obstacle_degree
        from nqp_xl.labels import resolve_lang

        resolve_lang(lang)
        res = obstacle_degree(data, weights, directions, shift=shift, id_cols=id_cols, missing=missing)
        return cells(res.table, res.degree, list(res.table.names))
    return _answer(compute, "NQP_OBSTACLE")


# ----------------------------------------------------------------------------- coupling coordination
# (NQP_COUPLING)


@xw.func(category="nqp-xl")
@xw.arg("systems", ndim=2, doc="one column per subsystem index U in [0, 1]; optional header and region columns")
@xw.arg("weights", ndim=2, doc="optional: one weight per subsystem for T (default equal)")
def NQP_COUPLING(systems, weights=None, model=None, lang=None, id_cols=None, missing=None):
    """Coupling coordination degree of 2+ subsystem indices: C, T, D, Level 1-10, Grade (and type for two systems).

    Aligned with the input. Standard: C = n(prod U)^(1/n)/sum U; "wang" (Wang Shujia et al. 2021):
    C = sqrt{[1 - sum_{i>j}|Ui-Uj| / sum_{m<n} m] [prod Ui/max U]^(1/(n-1))}; T = sum a_i U_i;
    D = sqrt(C T). Level: D in [0,0.1) -> 1 ... [0.9,1] -> 10. Type: |U1-U2| <= 0.1 synchronous.
    """
    def compute():
        from nqp_xl.coupling import coupling

        res = coupling(systems, weights, model, id_cols=id_cols, missing=missing)
        kinds = res.relative_type(lang)
        grades = res.grade(lang)
        header = ["C", "T", "D", "Level", "Grade"] + (["Type"] if kinds is not None else [])
        numbers = np.column_stack([res.C, res.T, res.D, res.level])
        kinds_and_grades = [grades] + ([kinds] if kinds is not None else [])
        return cells(res.table, numbers, texts(header, lang), kinds_and_grades)
    return _answer(compute, "NQP_COUPLING")


# ----------------------------------------------------------------------------- regional disparity
# (NQP_GINI, NQP_THEIL)


@xw.func(category="nqp-xl")
@xw.arg("values", ndim=2, doc="one column of values >= 0 (a header cell and region-name columns allowed)")
@xw.arg("groups", ndim=2, doc="the group of each row (e.g. East, Central, West, Northeast), same height as values")
@xw.arg("by", ndim=2, doc="optional: the year (or other key) of each row, same height as values: one row of results per value")
def NQP_GINI(values, groups=None, by=None, lang=None, id_cols=None, missing=None):
    """Dagum Gini ratio of values and its decomposition over groups: within, net between and transvariation, with each group's and each pair's Gini.

    Answers a header row (Component, Value, Contribution %), then Total G, Within Gw,
    Between (net) Gnb, Transvariation Gt (G = Gw + Gnb + Gt), then each group's within-group
    Gini and each pair's between-group Gini. A row with a blank value or group drops out.
    With by: one row per by value (ascending): By, G, Gw, Gnb, Gt, Gw %, Gnb %, Gt %, each
    group's G, each pair's G (groups in order of first appearance).
    G = sum_i sum_r |y_i - y_r| / (2 n^2 mean); Dagum (1997), Empirical Economics 22: 515-531.
    """
    from nqp_xl import disparity

    def compute():
        if _given(by):
            from nqp_xl import disparity_by
            from nqp_xl.labels import resolve_lang

            resolve_lang(lang)
            res = disparity_by.disparity_by(values, groups, by, "gini", id_cols=id_cols, missing=missing)
            return disparity_by.gini_by_table(res, lang)
        return disparity.gini_table(disparity.dagum_gini(values, groups, id_cols=id_cols, missing=missing), lang)

    return _answer(compute, "NQP_GINI")


@xw.func(category="nqp-xl")
@xw.arg("values", ndim=2, doc="one column of values >= 0 (a header cell and region-name columns allowed)")
@xw.arg("groups", ndim=2, doc="the group of each row (e.g. East, Central, West, Northeast), same height as values")
@xw.arg("by", ndim=2, doc="optional: the year (or other key) of each row, same height as values: one row of results per value")
def NQP_THEIL(values, groups=None, by=None, lang=None, id_cols=None, missing=None):
    """Theil T index of values and its within/between decomposition over groups, with each group's Theil.

    Answers a header row (Component, Value, Contribution %), then Total T, Within Tw, Between Tb
    (T = Tw + Tb), then each group's Theil index T_j.
    T = (1/n) sum (y_i/mean) ln(y_i/mean); Tw = sum s_j T_j, Tb = sum s_j ln(mean_j/mean),
    s_j the group's share of the total (Theil 1967, Shorrocks 1980).
    With by: one row per by value (ascending): By, T, Tw, Tb, Tw %, Tb %, each group's T.
    """
    from nqp_xl import disparity

    def compute():
        if _given(by):
            from nqp_xl import disparity_by
            from nqp_xl.labels import resolve_lang

            resolve_lang(lang)
            res = disparity_by.disparity_by(values, groups, by, "theil", id_cols=id_cols, missing=missing)
            return disparity_by.theil_by_table(res, lang)
        return disparity.theil_table(disparity.theil(values, groups, id_cols=id_cols, missing=missing), lang)

    return _answer(compute, "NQP_THEIL")


# ----------------------------------------------------------------------------- simultaneous equations
# (NQP_3SLS)


@xw.func(category="nqp-xl")
@xw.arg("data", ndim=2, doc="a table with a header row of variable names (region/year label columns allowed)")
@xw.arg("equations", ndim=2, doc='cells each holding "y ~ x1 + ln(x2)", or one text with equations separated by ";", or Stata\'s "(y x1 x2) (x1 y x3)"')
def NQP_3SLS(data, equations, method="3sls", lang=None, id_cols=None, missing=None):
    """Simultaneous equations by 3SLS (default), "ireg3", "2sls" or "ols", as Stata reg3: dependent variables endogenous, all exogenous variables instrument every equation.

    Answers a header row (Equation, Variable, Coef., Std. Err., z, P>|z|; t and P>|t| for
    "ols"/"2sls"), one row per coefficient (_cons last), then N and R-squared rows per equation.
    3SLS: Sigma = E'E/n from 2SLS residuals, V = (Xhat'(Sigma^-1 x I)Xhat)^-1 (Zellner-Theil 1962).
    Also "y = x1 + x2", Stata's "(y x1 x2) (x1 y x3)", and ln(col)/log(col) of a positive column.
    A row drops out only when a column the equations use is blank there.
    """
    from nqp_xl import simultaneous

    def compute():
        fit = simultaneous.three_sls(data, equations, method, id_cols=id_cols, missing=missing)
        stat = "t" if fit.small else "z"
        header = [text(k, lang) for k in ("Equation", "Variable", "Coef.", "Std. Err.", stat, f"P>|{stat}|")]
        rows = fit.rows()
        for r in rows:
            if r[3] is None:  # the N and R-squared rows carry no standard error
                r[1] = text(r[1], lang)
        return [header] + rows

    return _answer(compute, "NQP_3SLS")


# ----------------------------------------------------------------------------- panel functions
# (NQP_SELECT, NQP_SUBINDEX, NQP_PIVOT, NQP_LEVEL, NQP_RANK, NQP_CORR, NQP_COMMUNALITIES,
#  NQP_REGTABLE)

_KEY_DOC = "one column, one cell per row of {0} (and one for its header row)"


def _given(arg) -> bool:
    """An optional range argument that holds something (not omitted, not all blank)."""
    from nqp_xl.options import is_empty

    return not is_empty(arg)


@xw.func(category="nqp-xl")
@xw.arg("data", ndim=2, doc="a table with a header row, e.g. the whole panel (Region | Year | indicators)")
@xw.arg("column", doc='the column to match: a header name such as "year", or a column number 1, 2, ...')
@xw.arg("value", doc="the value to keep, e.g. 2022 (the text \"2022\" matches too); blank: every row")
def NQP_SELECT(data, column, value=None):
    """The header row and the rows of data whose column equals value (e.g. one year of a panel), to feed the cross-section functions.

    Cells come back as they are (labels, numbers, blanks). column is a header name or a 1-based
    column number; 2022 and "2022" match each other; a blank value keeps every row.
    """
    def compute():
        from nqp_xl.panel import select_rows

        return select_rows(data, column, value)

    return _answer(compute, "NQP_SELECT")


@xw.func(category="nqp-xl")
@xw.arg("data", ndim=2, doc=_DATA_DOC)
@xw.arg("subsystems", ndim=2, doc="one row: the subsystem name of each column of data (blank for labels and unused columns)")
@xw.arg("weights", ndim=2, doc='"entropy" (default), "critic", "cv", "equal", or one weight per column of data')
@xw.arg("directions", ndim=2, doc='one "+" or "-" per column of data (or per subsystem indicator); default all "+"')
def NQP_SUBINDEX(data, subsystems, weights=None, directions=None, lang=None, id_cols=None, missing=None, shift=None):
    """One composite index per subsystem beside the table (subsystems in order of first appearance): each column is NQP_INDEX of that subsystem's indicators.

    Weights are computed within each subsystem; the header holds the subsystem names. A row
    drops out (blank) only when one of the subsystems' indicators is blank.
    U_s = sum_j w_j x'_ij over the indicators j of subsystem s.
    """
    def compute():
        from nqp_xl.labels import resolve_lang
        from nqp_xl.panel import subindices

        resolve_lang(lang)
        res = subindices(data, subsystems, weights, directions, shift=shift, id_cols=id_cols, missing=missing)
        return cells(res.table, res.index, list(res.names))

    return _answer(compute, "NQP_SUBINDEX")


@xw.func(category="nqp-xl")
@xw.arg("values", ndim=2, doc="one column of numbers (a header cell allowed); blank cells are skipped")
@xw.arg("rows", ndim=2, doc=_KEY_DOC.format("values") + ": the row key, e.g. the year")
@xw.arg("columns", ndim=2, doc="optional: " + _KEY_DOC.format("values") + ": the column key, e.g. the region group")
@xw.arg("stat", doc='"mean" (default), "median", "sum", "count", "min", "max" or "sd" (n-1)')
def NQP_PIVOT(values, rows, columns=None, stat=None, lang=None):
    """A cross table of values by the keys in rows (and columns): mean (default), median, sum, count, min, max or sd, e.g. mean D by year and region.

    Header row: the rows header, then each column key (without columns, the stat's name); one
    row per row key. Keys: numbers ascending, text in order of first appearance. A blank where
    no value falls.
    """
    def compute():
        from nqp_xl.labels import resolve_lang
        from nqp_xl.panel import STAT_NAMES, pivot

        resolve_lang(lang)
        res = pivot(values, rows, columns, stat)
        first = res.row_header or ""
        heads = res.column_keys if res.column_keys is not None else [text(STAT_NAMES[res.stat], lang)]
        return [[first, *heads]] + [[k, *row] for k, row in zip(res.row_keys, res.cells)]

    return _answer(compute, "NQP_PIVOT")


@xw.func(category="nqp-xl")
@xw.arg("values", ndim=2, doc="one column of coupling coordination degrees D in [0, 1] (a header cell allowed)")
def NQP_LEVEL(values, lang=None):
    """The coupling-coordination Level (1-10) and Grade of each D beside the values, classed exactly as NQP_COUPLING does.

    Level = 1 for D in [0, 0.1), 2 for [0.1, 0.2), ..., 10 for [0.9, 1]; Grade from Extreme
    imbalance (1) to Quality coordination (10). Source: the ten-class table of Liao Chongbin (1999).
    """
    def compute():
        from nqp_xl.coupling import grade
        from nqp_xl.panel import levels

        table, lvl = levels(values)
        return cells(table, lvl[:, None], [text("Level", lang), text("Grade", lang)], [grade(lvl, lang)])

    return _answer(compute, "NQP_LEVEL")


@xw.func(category="nqp-xl")
@xw.arg("values", ndim=2, doc="one column of scores to rank (a header cell allowed)")
@xw.arg("by", ndim=2, doc="optional: " + _KEY_DOC.format("values") + ": rank within each value, e.g. the year")
@xw.arg("ids", ndim=2, doc="optional: " + _KEY_DOC.format("values") + ": the region of each row, for the rank change")
def NQP_RANK(values, by=None, ids=None, lang=None):
    """Rank beside the values (1 = highest within its by group, ties share the lowest rank) and, with ids, Change since the previous by value (positive = moved up).

    Change = the id's rank at the previous by value minus its rank now; blank in the first by
    value or where a value is blank. Every id needs a row in every by value.
    """
    def compute():
        from nqp_xl.panel import rank_within

        res = rank_within(values, by, ids)
        header = [text("Rank", lang)]
        if res.change is None:
            return cells(res.table, res.rank[:, None], header)
        header.append(text("Change", lang))
        rows = [[float(r), c] for r, c in zip(res.rank.tolist(), res.change)]
        return Cells(res.table.aligned(rows, header))

    return _answer(compute, "NQP_RANK")


@xw.func(category="nqp-xl")
@xw.arg("data", ndim=2, doc=_FA_DATA_DOC)
def NQP_CORR(data, lang=None, id_cols=None, missing=None):
    """The correlation matrix of the indicators (SPSS FACTOR "Correlation Matrix"): Indicator, then one column per indicator.

    Pearson r over the complete rows (listwise): r_jk = sum z_j z_k / (n - 1), z the z-scores.
    Source: SPSS FACTOR /PRINT CORRELATION.
    """
    def compute():
        from nqp_xl.describe import correlations

        table, r = correlations(data, id_cols=id_cols, missing=missing)
        return _fa_per_indicator(table, r, list(table.names), lang)

    return _answer(compute, "NQP_CORR")


@xw.func(category="nqp-xl")
@xw.arg("data", ndim=2, doc=_FA_DATA_DOC)
@xw.arg("n_factors", doc=_FA_K_DOC)
@xw.arg("min_cumvar", doc=_FA_CUM_DOC)
def NQP_COMMUNALITIES(data, n_factors=None, min_cumvar=None, lang=None, id_cols=None, missing=None):
    """SPSS "Communalities": rows Indicator, Initial (1.000), Extraction (the share of each indicator's variance the kept factors explain).

    Extraction h_j = sum_i a_ji^2 over the k kept principal components (row sums of squared
    loadings); Initial is 1 for principal components. Source: SPSS FACTOR /EXTRACTION=PC.
    """
    def compute():
        res = _fa(data, n_factors, min_cumvar, id_cols, missing)
        block = np.column_stack([np.ones(res.p), res.communalities])
        return _fa_per_indicator(res.table, block, [text("Initial", lang), text("Extraction", lang)], lang)

    return _answer(compute, "NQP_COMMUNALITIES")



@xw.func(category="nqp-xl")
@xw.arg("data", ndim=2, doc="a table with a header row of variable names, e.g. the whole Data table (label columns allowed)")
@xw.arg("equations", ndim=2, doc='cells each holding "y ~ x1 + ln(x2)", or one text with equations separated by ";", or Stata\'s "(y x1 x2) (x1 y x3)"')
@xw.arg("methods", doc='the columns: "ols,2sls,3sls" (default); any of ols, 2sls, 3sls, ireg3 separated by commas')
@xw.arg("groups", ndim=2, doc="optional: " + _KEY_DOC.format("data") + ": one column per group, by the first method")
def NQP_REGTABLE(data, equations, methods=None, groups=None, lang=None, id_cols=None, missing=None):
    """The publication table of a system of equations: coefficients with stars and standard errors in parentheses, one column per method (OLS, 2SLS, 3SLS) or per group.

    Per equation: a title row (the dependent variable), per regressor a row such as 0.319***
    and a row (0.120), _cons last, then N and R-squared; a last row explains the stars
    (* p<0.1, ** p<0.05, *** p<0.01; p as NQP_3SLS). Source: the coupling paper's Tables 7-9.
    """
    def compute():
        from nqp_xl.regtable import FOOTNOTE, METHOD_NAMES, regression_table

        res = regression_table(data, equations, methods, groups, id_cols=id_cols, missing=missing)
        heads = res.columns if res.by_group else [text(METHOD_NAMES[m], lang) for m in res.columns]
        body = res.rows()
        for r in body:
            if r[0] in ("N", "R²"):
                r[0] = text(r[0], lang)
        width = len(heads)
        return [[None, *heads], *body, [text(FOOTNOTE, lang), *([None] * width)]]

    return _answer(compute, "NQP_REGTABLE")


# ----------------------------------------------------------------------------- dynamics and spatial
# (NQP_KDENSITY, NQP_CONVERGENCE, NQP_MARKOV, NQP_MORAN, NQP_LISA)

_DYN_VALUES_DOC = "one column of values (e.g. the composite index), optional header and region/year label columns"
_DYN_IDS_DOC = "the region of each row, aligned with values; blank: the first label column of values"
_DYN_YEARS_DOC = "the year of each row (numbers), aligned with values"
_DYN_BY_DOC = "optional: the group of each row (e.g. the year), aligned with values; one answer per value, ascending"
_DYN_WEIGHTS_DOC = "a square spatial weights range: region names across the first row and down the first column, blank = 0"


@xw.func(category="nqp-xl")
@xw.arg("values", ndim=2, doc=_DYN_VALUES_DOC)
@xw.arg("by", ndim=2, doc=_DYN_BY_DOC)
@xw.arg("points", doc="number of grid points (rows), default 100")
@xw.arg("bandwidth", doc='"nrd0" (default, R bw.nrd0), "scott" (R bw.nrd) or a positive number')
def NQP_KDENSITY(values, by=None, points=100, bandwidth="nrd0", lang=None, id_cols=None, missing=None):
    """Gaussian kernel density curves of values, one column per by value (e.g. year) on one common grid: header x, then the densities.

    Grid: points values from min(x - 3h) to max(x + 3h) over the groups; f(x) = (1/nh) sum phi((x - x_i)/h),
    evaluated exactly (R density's kernel, without FFT binning). h per group: "nrd0" =
    0.9 min(sd, IQR/1.34) n^-1/5 (R bw.nrd0, type-7 quartiles), "scott" = 1.06 min(sd, IQR/1.34) n^-1/5.
    """
    def compute():
        from nqp_xl.dynamics import kernel_density

        res = kernel_density(values, by, points, bandwidth, id_cols=id_cols, missing=missing)
        header = [text("x", lang)] + (list(res.groups) if by is not None else [text("Density", lang)])
        return [header] + np.column_stack([res.grid, res.density]).tolist()

    return _answer(compute, "NQP_KDENSITY")


@xw.func(category="nqp-xl")
@xw.arg("values", ndim=2, doc=_DYN_VALUES_DOC)
@xw.arg("ids", ndim=2, doc=_DYN_IDS_DOC)
@xw.arg("years", ndim=2, doc=_DYN_YEARS_DOC)
@xw.arg("kind", doc='"sigma" (default): dispersion by year; "beta": absolute beta-convergence first to last year')
def NQP_CONVERGENCE(values, ids=None, years=None, kind="sigma", lang=None, id_cols=None, missing=None):
    """Sigma-convergence (Year, N, Mean, Std. Dev., CV by year) or absolute beta-convergence (beta, Std. Err., t, P, R-squared, N, speed, half-life).

    sigma: sd with n-1, CV = sd/mean. beta: (ln y_T - ln y_0)/T = a + b ln y_0 by OLS over the regions
    observed in the first and last year, T their difference; speed = -ln(1 + bT)/T and half-life
    ln 2/speed, blank unless b < 0. Source: Barro and Sala-i-Martin (1992).
    """
    def compute():
        from nqp_xl import dynamics
        from nqp_xl.options import choice

        how = choice(kind, "kind", ("sigma", "beta"), "sigma")
        if how == "sigma":
            res = dynamics.sigma_convergence(values, ids, years, id_cols=id_cols, missing=missing)
            header = [text(h, lang) for h in ("Year", "N", "Mean", "Std. Dev.", "CV")]
            rows = [[yr, float(n), float(m), float(s), None if np.isnan(c) else float(c)]
                    for yr, n, m, s, c in zip(res.years, res.n, res.mean, res.sd, res.cv)]
            return [header] + rows
        res = dynamics.beta_convergence(values, ids, years, id_cols=id_cols, missing=missing)
        r2 = None if np.isnan(res.r2) else res.r2
        stats = (("β", res.beta), ("Std. Err.", res.se), ("t", res.t), ("P>|t|", res.p), ("R-squared", r2),
                 ("N", float(res.n)), ("Speed λ", res.speed), ("Half-life", res.half_life))
        return [[text("Statistic", lang), text("Value", lang)]] + [[text(k, lang), v] for k, v in stats]

    return _answer(compute, "NQP_CONVERGENCE")


@xw.func(category="nqp-xl")
@xw.arg("values", ndim=2, doc=_DYN_VALUES_DOC)
@xw.arg("ids", ndim=2, doc=_DYN_IDS_DOC)
@xw.arg("years", ndim=2, doc=_DYN_YEARS_DOC)
@xw.arg("k", doc="number of quantile classes, default 4")
def NQP_MARKOV(values, ids, years, k=4, lang=None, id_cols=None, missing=None):
    """Markov transition matrix between k quantile classes of all values over one-year steps (y to y + 1) of each region: class rows, probabilities to classes 1..k, N; then the class bounds.

    Classes: type-7 quantiles q_0..q_k of all values, class c = (q_c-1, q_c], the lowest value in class 1
    (R cut(x, quantile(x, 0:k/k), include.lowest = TRUE)). P_ab = n_ab/n_a over each region's moves
    from year y to y + 1 (a missing year breaks the chain); N = n_a. Source: Quah (1993).
    """
    def compute():
        from nqp_xl.dynamics import markov

        return markov(values, ids, years, k, id_cols=id_cols, missing=missing).to_rows(lang)

    return _answer(compute, "NQP_MARKOV")


@xw.func(category="nqp-xl")
@xw.arg("values", ndim=2, doc=_DYN_VALUES_DOC)
@xw.arg("ids", ndim=2, doc=_DYN_IDS_DOC)
@xw.arg("weights", ndim=2, doc=_DYN_WEIGHTS_DOC)
@xw.arg("by", ndim=2, doc=_DYN_BY_DOC)
@xw.arg("assumption", doc='"randomization" (default) or "normality", as spdep moran.test')
@xw.arg("style", doc='"W" (default): row-standardised weights; "B": the weights as given')
def NQP_MORAN(values, ids, weights, by=None, assumption="randomization", style="W", lang=None, id_cols=None, missing=None):
    """Global Moran's I of values on a spatial weights matrix, one row per by value (e.g. year): By, I, E[I], Var[I], z, P (two-sided), as R spdep moran.test.

    I = (n/S0) z'Wz/z'z, E[I] = -1/(n-1); Var[I] under randomisation (with the kurtosis K) or
    normality (Cliff and Ord 1981). Regions are matched to the weights' names (北京/北京市/Beijing);
    each year uses the regions with a value, rows re-standardised for style "W".
    """
    def compute():
        from nqp_xl.spatial import moran

        res = moran(values, ids, weights, by, assumption, style, id_cols=id_cols, missing=missing)
        first = res.by_header or text("By", lang)
        header = [first] + [text(h, lang) for h in ("I", "E[I]", "Var[I]", "z", "P")]
        block = np.column_stack([res.I, res.expected, res.variance, res.z, res.p]).tolist()
        return [header] + [[g] + row for g, row in zip(res.groups, block)]

    return _answer(compute, "NQP_MORAN")


@xw.func(category="nqp-xl")
@xw.arg("values", ndim=2, doc="one column of values of one year, optional header and region label columns")
@xw.arg("ids", ndim=2, doc=_DYN_IDS_DOC)
@xw.arg("weights", ndim=2, doc=_DYN_WEIGHTS_DOC)
@xw.arg("permutations", doc="conditional permutations for the pseudo P, default 999")
@xw.arg("seed", doc="random seed of the permutations (a whole number), default 1")
@xw.arg("style", doc='"W" (default): row-standardised weights; "B": the weights as given')
def NQP_LISA(values, ids, weights, permutations=999, seed=1, style="W", lang=None, id_cols=None, missing=None):
    """Local Moran's I (LISA) of each region beside the table: Ii, z, pseudo P from seeded conditional permutations, and Quadrant (HH, LH, LL, HL).

    Ii = (z_i/m2) sum_j w_ij z_j, m2 = sum z^2/n; z = (Ii - E)/sqrt(Var) as R spdep localmoran
    (conditional); pseudo P = (min(#perm >= Ii, R - #) + 1)/(R + 1) (PySAL esda p_sim). Quadrant:
    the value above/below the mean, then its neighbours' spatial lag. Source: Anselin (1995).
    """
    def compute():
        from nqp_xl.spatial import local_moran

        res = local_moran(values, ids, weights, permutations, seed, style, id_cols=id_cols, missing=missing)
        header = [text(h, lang) for h in ("Ii", "z", "Pseudo P", "Quadrant")]
        rows = [[float(i), None if np.isnan(z) else float(z), float(p), q]
                for i, z, p, q in zip(res.Ii, res.z, res.p, res.quadrant_names())]
        return res.keyed.aligned(rows, header)

    return _answer(compute, "NQP_LISA")


# ----------------------------------------------------------------------------- spatial Markov and spatial Durbin
# (NQP_SMARKOV, NQP_SDM)


@xw.func(category="nqp-xl")
@xw.arg("values", ndim=2, doc=_DYN_VALUES_DOC)
@xw.arg("ids", ndim=2, doc=_DYN_IDS_DOC)
@xw.arg("years", ndim=2, doc=_DYN_YEARS_DOC)
@xw.arg("weights", ndim=2, doc=_DYN_WEIGHTS_DOC)
@xw.arg("k", doc="number of quantile classes of the values and of the spatial lag, default 4")
def NQP_SMARKOV(values, ids, years, weights, k=4, lang=None, id_cols=None, missing=None):
    """Spatial Markov chain (Rey 2001): one transition matrix per class of the neighbours' spatial lag, as NQP_MARKOV, then the Q and LR tests that the matrices are homogeneous.

    Classes: k type-7 quantiles of all values; lag = row-standardised W times the values of the same
    year, classed by the k quantiles of all lags (PySAL giddy Spatial_Markov, fixed=True). One-year
    steps. Q and LR: Bickenbach and Bode (2003), df = sum (b_i - 1)(A_i - 1).
    """
    def compute():
        from nqp_xl.spatial_markov import spatial_markov

        return spatial_markov(values, ids, years, weights, k, id_cols=id_cols, missing=missing).to_rows(lang)

    return _answer(compute, "NQP_SMARKOV")


@xw.func(category="nqp-xl")
@xw.arg("data", ndim=2, doc="the data with its header row: region and year columns, the variables of the equation")
@xw.arg("equation", doc='one equation over the header names, e.g. "ln(patents) ~ ln(rd_staff) + rd_intensity"')
@xw.arg("ids", ndim=2, doc="the header of the region column (default: the first column)")
@xw.arg("weights", ndim=2, doc=_DYN_WEIGHTS_DOC + '; or "contiguity" (default) / "distance" for the bundled provinces')
@xw.arg("years", doc="the header of the year column for a panel; blank: a cross-section (one row per region)")
@xw.arg("effects", doc='panel fixed effects: "individual" (default, regions), "time" or "twoways"')
@xw.arg("draws", doc="simulation draws for the standard errors of the effects, default 1000")
@xw.arg("seed", doc="random seed of the draws (a whole number), default 1")
def NQP_SDM(data, equation, ids=None, weights=None, years=None, effects=None, lang=None, id_cols=None, missing=None,
            draws=1000, seed=1):
    """Spatial Durbin model y = rho Wy + Xb + WXt by maximum likelihood: rho, b, t (W*x) with SE, direct, indirect and total effects with simulated SE, log-likelihood, AIC, LR tests against SAR and SEM.

    Cross-section as R spatialreg lagsarlm(Durbin = TRUE, method = "eigen") and impacts(R = draws);
    panels with region, time or two-way fixed effects by the Lee-Yu (2010) transformation approach
    (Elhorst 2014). W row-standardised; regions matched by name (北京/北京市/Beijing).
    """
    def compute():
        from nqp_xl.spatial_durbin import spatial_durbin

        return spatial_durbin(data, equation, ids, weights, years, effects, draws, seed,
                              id_cols=id_cols, missing=missing).to_rows(lang)

    return _answer(compute, "NQP_SDM")


__all__ = sorted(name for name in globals() if name.startswith("NQP_"))
