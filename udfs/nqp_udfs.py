"""nqp-xl's Excel face: the ``NQP_`` worksheet functions (xlwings UDFs).

Each function is parse -> fit -> lay out, and "handles all the Excel stuff" through one
decorator, :func:`nqp_udf`: its xlwings registration (category "nqp-xl", every argument
with xlwings' ``raw`` conversion, range arguments also ``ndim=2``), the ``lang`` argument
resolved once, and any failure answered as one ``#NQP! ...`` line.  Ranges arrive as COM
hands them over (tuples of rows, a single cell as its value, ``None`` for a blank, Excel
errors as their int codes, dates as datetimes) and are converted once by ``nqp_xl``
(:func:`nqp_xl.table.check_table`, :mod:`nqp_xl.options`); answers go back as plain cells
(:mod:`nqp_xl.excel_answer`), blanks as "" on the way to Excel.  No numerics live here.

Import it in Excel through the workbook's ``xlwings.conf`` sheet (UDF Modules: nqp_udfs)
and press "Import Functions" once.  The docstrings are the function wizard's help.
"""
from __future__ import annotations

import functools
import inspect
from typing import Any, Callable, Mapping

import xlwings as xw
from xlwings.conversion import Converter, RawValueAccessor

import nqp_xl
from nqp_xl.excel_answer import answer, com_safe
from nqp_xl.labels import resolve_lang
from nqp_xl.options import one_cell

# The texts of arguments a function does not describe itself (docs/SPEC.md): Excel's function
# wizard shows them, and docs/make_reference.py prints them.
ARG_DOCS: dict[str, str] = {
    "data": "the indicator table: optional header row of indicator names, optional region "
            "(and year) label columns, one row per region",
    "values": "the values to analyse (one column, or several), optional header and label columns",
    "n_factors": "number of factors k; omitted: chosen by `min_cumvar`, else eigenvalue > 1",
    "min_cumvar": "smallest cumulative share of variance to reach, a fraction such as 0.85 "
                  "(used when `n_factors` is omitted)",
    "rotated": "TRUE (default) for the varimax-rotated loadings, FALSE for the unrotated ones",
    "k": "number of grades (default 4)",
    "names": 'grade names, best first: a comma list such as "优,良,中,差" or a range',
    "method": "the method's name (see the function's description for the choices)",
    "directions": 'one "+" or "-" (or 1 / -1) per indicator; default all "+"',
    "weights": 'a method name ("entropy", "critic", "cv", "equal") or a range of one weight '
               "per indicator",
    "model": '"standard" (default) or "wang" (Wang Shujia et al. 2021 corrected C)',
    "groups": "the group (e.g. region) of each value, aligned with `values`",
    "equations": 'equations "y ~ x1 + x2", one per cell, or one text separated by ";"',
    "shift": "entropy only: a constant added after min-max normalising (e.g. 0.0001, "
             "or SPSSAU's 0.01); default 0",
    "lang": '"en" (default) or "zh" for the header texts; the environment variable '
            "NQP_XL_LANG sets the default",
    "id_cols": "number of leading label columns (panels: Region | Year → 2); omitted: detected "
               "(leading columns whose cells are all text)",
    "missing": '"listwise" (default: rows with a blank or error cell are left out and answer '
               'blank) or "error" (refuse such rows)',
}


class ExcelAnswer(Converter):
    """The answer's way back to Excel: xlwings' ``raw`` writer after one step that turns
    blanks into "" (:func:`nqp_xl.excel_answer.com_safe`); everything else is already plain."""

    base = RawValueAccessor

    @staticmethod
    def write_value(value: Any, options: Mapping) -> Any:
        return com_safe(value)


def _with_lang(args: tuple, kwargs: dict, at: int) -> tuple[tuple, dict]:
    """The call's arguments with ``lang`` (positional place ``at``) resolved to "en"/"zh"."""
    if "lang" in kwargs:
        return args, {**kwargs, "lang": resolve_lang(one_cell(kwargs["lang"]))}
    if len(args) > at:
        return (*args[:at], resolve_lang(one_cell(args[at])), *args[at + 1:]), kwargs
    return args, {**kwargs, "lang": resolve_lang(None)}


def _declaration(udf: Callable, ranges: Mapping[str, str], docs: Mapping[str, str]) -> dict:
    """What ``xlwings.udfs.xlfunc``/``xlarg``/``xlret`` record in ``__xlfunc__`` (xlwings
    0.37 layout), for platforms where ``xw.func`` records nothing (only Windows registers
    UDFs): the workbook engine reads each argument's options from it."""
    args = []
    for pos, p in enumerate(inspect.signature(udf).parameters.values()):
        options = {"convert": "raw", **({"ndim": 2} if p.name in ranges else {})}
        info = {"name": p.name, "pos": pos, "vba": None, "doc": docs.get(p.name, f"Positional argument {pos + 1}"),
                "vararg": False, "options": options}
        if p.default is not inspect.Parameter.empty:
            info["optional"] = p.default
        args.append(info)
    return {"name": udf.__name__, "sub": False, "args": args, "argmap": {a["name"]: a for a in args},
            "ret": {"doc": udf.__doc__, "options": {"convert": ExcelAnswer}}, "category": "nqp-xl",
            "call_in_wizard": True, "volatile": False, "async_mode": None}


def nqp_udf(ranges: Mapping[str, str] | None = None, scalars: Mapping[str, str] | None = None) -> Callable:
    """Make ``body`` (parse -> fit -> lay out) an Excel function.

    ``ranges``: the range arguments and their wizard texts (xlwings ``raw`` and ``ndim=2``);
    ``scalars``: texts of the other arguments (``raw`` too; ``lang``, ``id_cols`` and
    ``missing`` have standard texts).  The function keeps ``body``'s name, signature and
    docstring; called, it answers plain cells or a ``#NQP!`` line (:func:`nqp_xl.excel_answer.answer`),
    with ``lang`` resolved before ``body`` runs (a wrong one is refused everywhere alike).
    xlwings' return converter :class:`ExcelAnswer` makes blanks "" for COM.
    """
    ranges = dict(ranges or {})
    docs = {**ARG_DOCS, **(scalars or {}), **ranges}

    def register(body: Callable) -> Callable:
        name = body.__name__
        params = list(inspect.signature(body).parameters)
        unknown = set(docs) - set(params) - set(ARG_DOCS)
        if unknown:
            raise TypeError(f"{name} has no argument {', '.join(sorted(unknown))}")
        lang_at = params.index("lang") if "lang" in params else None
        range_at = [i for i, p in enumerate(params) if p in ranges]

        @functools.wraps(body)
        def udf(*args: Any, **kwargs: Any) -> Any:
            def compute() -> Any:
                a, kw = (args, kwargs) if lang_at is None else _with_lang(args, kwargs, lang_at)
                return body(*a, **kw)

            given = [args[i] for i in range_at if i < len(args)] + [v for k, v in kwargs.items() if k in ranges]
            return answer(compute, name, (*args, *kwargs.values()), given)

        for p in params:  # xlwings: every argument raw; ranges also two-dimensional
            extra = {"ndim": 2} if p in ranges else {}
            udf = xw.arg(p, "raw", doc=docs[p], **extra)(udf) if p in docs else xw.arg(p, "raw", **extra)(udf)
        udf = xw.ret(ExcelAnswer)(udf)
        udf = xw.func(category="nqp-xl")(udf)
        if not hasattr(udf, "__xlfunc__"):
            udf.__xlfunc__ = _declaration(udf, ranges, docs)
        return udf

    return register


# ----------------------------------------------------------------------------- general


@nqp_udf()
def NQP_VERSION() -> str:
    """The version of nqp-xl answering these formulas."""
    return nqp_xl.__version__


# ----------------------------------------------------------------------------- factor analysis
# (NQP_KMO, NQP_MSA, NQP_BARTLETT, NQP_VARIANCE, NQP_LOADINGS, NQP_SCORECOEF, NQP_FACTORS,
#  NQP_SCORE, NQP_DESCRIBE)

_FA_DATA_DOC = "the indicator table: optional header row of names, optional region (and year) label columns"
_FA_K_DOC = "number of factors to keep; blank: by min_cumvar, else eigenvalues above 1"
_FA_CUM_DOC = "keep the fewest factors whose cumulative variance reaches this fraction (e.g. 0.85)"


def _fa(data, n_factors=None, min_cumvar=None, id_cols=None, missing=None):
    from nqp_xl.factor import factor_analysis

    return factor_analysis(data, n_factors, min_cumvar, id_cols=id_cols, missing=missing)


@nqp_udf(ranges={"data": _FA_DATA_DOC})
def NQP_KMO(data, lang=None, id_cols=None, missing=None):
    """Kaiser-Meyer-Olkin measure of sampling adequacy of the indicators (one number; above 0.5 suits factor analysis), as SPSS FACTOR.

    KMO = Σr² / (Σr² + Σa²) over pairs i≠j, r the correlations and a the partial (anti-image)
    correlations -R⁻¹_ij/√(R⁻¹_ii R⁻¹_jj). Source: Kaiser (1970); SPSS FACTOR /PRINT KMO.
    """
    return _fa(data, id_cols=id_cols, missing=missing).to_rows(lang, "kmo")


@nqp_udf(ranges={"data": _FA_DATA_DOC})
def NQP_MSA(data, lang=None, id_cols=None, missing=None):
    """Measure of sampling adequacy of each indicator (the anti-image correlation diagonal): rows Indicator, MSA.

    MSA_j = Σ_i r_ij² / (Σ_i r_ij² + Σ_i a_ij²) over i≠j, a the partial correlations.
    Source: Kaiser (1970); SPSS FACTOR /PRINT AIC.
    """
    return _fa(data, id_cols=id_cols, missing=missing).to_rows(lang, "msa")


@nqp_udf(ranges={"data": _FA_DATA_DOC})
def NQP_BARTLETT(data, lang=None, id_cols=None, missing=None):
    """Bartlett's test of sphericity: a header row and Chi-square, df, Sig. (Sig. below 0.05 suits factor analysis).

    χ² = -(n - 1 - (2p+5)/6) ln|R|, df = p(p-1)/2, Sig. the chi-square upper tail; n the
    complete rows, p the indicators. Source: Bartlett (1950); SPSS FACTOR /PRINT KMO.
    """
    return _fa(data, id_cols=id_cols, missing=missing).to_rows(lang, "bartlett")


@nqp_udf(ranges={"data": _FA_DATA_DOC},
         scalars={"n_factors": _FA_K_DOC, "min_cumvar": _FA_CUM_DOC})
def NQP_VARIANCE(data, n_factors=None, min_cumvar=None, lang=None, id_cols=None, missing=None):
    """SPSS "Total Variance Explained": per component the initial eigenvalue, extraction and rotation sums of squares, % of variance and cumulative % (blank past the kept factors).

    Header row, then one row per indicator: Component (1..p), Initial Total, %, Cum %,
    Extraction Total, %, Cum %, Rotation Total, %, Cum % (percent units). Rotation: varimax
    with Kaiser normalization, columns by sum of squares. Source: SPSS FACTOR /EXTRACTION=PC.
    """
    return _fa(data, n_factors, min_cumvar, id_cols, missing).to_rows(lang, "variance")


@nqp_udf(
    ranges={
        "data": _FA_DATA_DOC,
    },
    scalars={
        "n_factors": _FA_K_DOC,
        "min_cumvar": _FA_CUM_DOC,
        "rotated": "TRUE (default): varimax-rotated loadings; FALSE: the unrotated component matrix",
        "sort": "TRUE: rows sorted by size as SPSS/PSPP /FORMAT=SORT (blocks of indicators loading most on F1, F2, ..., descending |loading| within); FALSE (default): input order",
    },
)
def NQP_LOADINGS(data, n_factors=None, min_cumvar=None, rotated=True, lang=None, id_cols=None, missing=None,
                 sort=None):
    """Factor loadings (SPSS "Rotated Component Matrix", or the unrotated "Component Matrix"): rows Indicator, F1..Fk, in input order or, with sort TRUE, sorted by size.

    Unrotated A = V√λ (eigenvectors of the correlation matrix R times root eigenvalues);
    rotated A·T by varimax with Kaiser normalization to convergence, each column reflected to
    a positive sum, sorted by sum of squares. Source: SPSS FACTOR /ROTATION=VARIMAX.
    sort TRUE (SPSS/PSPP /FORMAT=SORT): descending |F1 loading| until an indicator loads more
    on a later factor, then descending |F2 loading| until one loads more on a factor after F2,
    and so on: blocks of indicators that load most on the same factor.
    """
    from nqp_xl.factor import sorted_by_size
    from nqp_xl.options import flag

    res = _fa(data, n_factors, min_cumvar, id_cols, missing)
    rotate = flag(rotated, "rotated", True)
    rows = res.to_rows(lang, "loadings" if rotate else "component")
    if not flag(sort, "sort", False):
        return rows
    head = rows[:1] if res.table.has_header else []
    body = rows[len(head):]
    return head + [body[i] for i in sorted_by_size(res.rotated_loadings if rotate else res.loadings)]


@nqp_udf(ranges={"data": _FA_DATA_DOC},
         scalars={"n_factors": _FA_K_DOC, "min_cumvar": _FA_CUM_DOC})
def NQP_SCORECOEF(data, n_factors=None, min_cumvar=None, lang=None, id_cols=None, missing=None):
    """Component score coefficients (SPSS "Component Score Coefficient Matrix"): rows Indicator, F1..Fk; F_i = Σ_j b_ji·z_j.

    Regression method B = R⁻¹A_rot (R the correlation matrix, A_rot the rotated loadings);
    z the indicators' z-scores with n-1. Source: SPSS FACTOR /SAVE REG.
    """
    return _fa(data, n_factors, min_cumvar, id_cols, missing).to_rows(lang, "scorecoef")


@nqp_udf(ranges={"data": _FA_DATA_DOC},
         scalars={"n_factors": _FA_K_DOC, "min_cumvar": _FA_CUM_DOC})
def NQP_FACTORS(data, n_factors=None, min_cumvar=None, lang=None, id_cols=None, missing=None):
    """Factor scores beside the table: F1..Fk, the composite F and its Rank (1 = highest) for every row.

    Aligned with the input (blank where a row has missing values). F_i = Z·B (regression
    scores, z with n-1); F = Σ (SS_i/ΣSS)·F_i with SS_i the rotated sums of squares.
    Source: SPSS FACTOR /SAVE REG; the composite as in the Guangdong paper, eq. 6.
    """
    return _fa(data, n_factors, min_cumvar, id_cols, missing).to_rows(lang, "factors")


@nqp_udf(ranges={"data": _FA_DATA_DOC},
         scalars={"n_factors": _FA_K_DOC, "min_cumvar": _FA_CUM_DOC})
def NQP_SCORE(data, n_factors=None, min_cumvar=None, lang=None, id_cols=None, missing=None):
    """Composite factor score F beside the table, one per row: F = Σ (SS_i/ΣSS)·F_i over the rotated factors.

    Aligned with the input (blank where a row has missing values). F_i are the regression
    factor scores Z·R⁻¹A_rot, SS_i the rotated sums of squares.
    Source: the Guangdong-cities paper, eqs. 6-7; SPSS FACTOR /SAVE REG.
    """
    return _fa(data, n_factors, min_cumvar, id_cols, missing).to_rows(lang, "score")


@nqp_udf(ranges={"data": _FA_DATA_DOC})
def NQP_DESCRIBE(data, lang=None, id_cols=None, missing=None):
    """Descriptive statistics of each indicator: rows Indicator, N, Mean, Std. Dev., Min, Max (over complete rows).

    N counts the rows complete on every indicator (listwise, SPSS FACTOR's Analysis N);
    Std. Dev. = √(Σ(x - mean)²/(N-1)). Source: SPSS DESCRIPTIVES / FACTOR /PRINT UNIVARIATE.
    """
    from nqp_xl.describe import describe

    return describe(data, id_cols=id_cols, missing=missing).to_rows(lang)


# ----------------------------------------------------------------------------- grades
# (NQP_CLUSTER)


@nqp_udf(
    ranges={
        "values": "the values to grade: one column (e.g. the composite score F) or several, with labels and a header if you like",
        "names": 'grade names best first: a comma list such as "优,良,中,差" or a range of k cells',
    },
)
def NQP_CLUSTER(values, k=4, names=None, method=None, lang=None, id_cols=None, missing=None):
    """Grades by k-means clustering, best first: grade name and cluster number for each row (cluster 1 = highest mean of the first column).

    Answers one row per input row: Grade, Cluster (blank for rows with missing values), a
    header row when the input has one. ``method``: "optimal" (exact 1-D k-means by dynamic
    programming, the default for one column), "kmeans" (best of 10 seeded k-means++ runs,
    the default for several columns) or "spss" (SPSS QUICK CLUSTER: its initial centres,
    Lloyd updates, MXITER 10). Default names for k=4: Excellent, Good, Medium, Poor.
    """
    from nqp_xl.cluster import grade

    return grade(values, k, names, method, lang=lang, id_cols=id_cols, missing=missing).to_rows(lang)


# ----------------------------------------------------------------------------- composite indices
# (NQP_STANDARDIZE, NQP_WEIGHTS, NQP_INDEX, NQP_TOPSIS, NQP_OBSTACLE)
# `shift` (entropy only, e.g. 0.0001 or SPSSAU's 0.01) is an extra optional last argument.

_DATA_DOC = "the indicator table: optional header row, optional region (and year) columns"
_DIR_DOC = 'one "+" or "-" per indicator (default all "+")'
_WEIGHTS_DOC = '"entropy", "critic", "cv", "equal", or one weight per indicator'


@nqp_udf(ranges={"data": _DATA_DOC, "directions": _DIR_DOC})
def NQP_STANDARDIZE(data, method=None, directions=None, lang=None, id_cols=None, missing=None):
    """Standardised indicators beside the table: z-scores (n-1, "-" indicators change sign) or min-max by direction.

    Aligned with the input: one row per input row, the indicator names as header.
    zscore: s_j (x - mean)/sd; minmax: (x - min)/(max - min), or (max - x)/(max - min) for "-".
    """
    from nqp_xl.composite import standardize

    return standardize(data, method, directions, id_cols=id_cols, missing=missing).to_rows(lang)


@nqp_udf(ranges={"data": _DATA_DOC, "directions": _DIR_DOC,
                 "subjective": 'method "combined": one subjective weight per indicator, e.g. the NQP_AHP answer (matched by name)'},
         scalars={"alpha": '"combined:mix": the share of the subjective weights, 0 to 1 (default 0.5)'})
def NQP_WEIGHTS(data, method=None, directions=None, lang=None, id_cols=None, missing=None, shift=None,
                subjective=None, alpha=None):
    """Indicator weights by the entropy (default), CRITIC, coefficient of variation or equal method, or "combined" with subjective weights.

    One row per indicator: Indicator, Weight; the entropy method adds e_j and d_j.
    Entropy: x' min-max by direction, p = x'/sum x', e = -sum p ln p / ln m, d = 1 - e, w = d/sum d.
    CRITIC: sd_j * sum_k (1 - r_jk) on x'. CV: sd/mean on the raw data.
    "combined" / "combined:product": w = s e / sum s e (s subjective, e entropy);
    "combined:mix" or "combined:0.3": w = alpha s + (1 - alpha) e. Columns Indicator, Weight,
    Subjective weight, Entropy weight.
    """
    from nqp_xl.combined_weights import combined_weights, is_combined
    from nqp_xl.composite import weights

    if is_combined(method):
        return combined_weights(data, method, directions, subjective, alpha, shift=shift,
                                id_cols=id_cols, missing=missing).to_rows(lang)
    return weights(data, method, directions, shift=shift, id_cols=id_cols, missing=missing).to_rows(lang)


@nqp_udf(ranges={"data": _DATA_DOC, "weights": _WEIGHTS_DOC, "directions": _DIR_DOC})
def NQP_INDEX(data, weights=None, directions=None, lang=None, id_cols=None, missing=None, shift=None):
    """Composite index sum_j w_j x'_ij in [0, 1] beside the table; weights by method name (entropy default) or a range.

    Aligned with the input: one row per input row ("Index" header when the table has one).
    Given weights are normalised to sum to 1.
    """
    from nqp_xl.composite import composite_index

    return composite_index(data, weights, directions, shift=shift, id_cols=id_cols, missing=missing).to_rows(lang)


@nqp_udf(ranges={"data": _DATA_DOC, "weights": _WEIGHTS_DOC, "directions": _DIR_DOC})
def NQP_TOPSIS(data, weights=None, directions=None, lang=None, id_cols=None, missing=None, shift=None):
    """TOPSIS on the weighted min-max data (entropy weights by default): D+, D-, closeness C and Rank.

    Aligned with the input. Ideal = column max, anti-ideal = column min of w_j x'_ij, Euclidean
    distances, C = D- / (D+ + D-), Rank 1 = highest C.
    """
    from nqp_xl.composite import topsis

    return topsis(data, weights, directions, shift=shift, id_cols=id_cols, missing=missing).to_rows(lang)


@nqp_udf(ranges={"data": _DATA_DOC, "weights": _WEIGHTS_DOC, "directions": _DIR_DOC})
def NQP_OBSTACLE(data, weights=None, directions=None, lang=None, id_cols=None, missing=None, shift=None):
    """Obstacle degree (%) of each indicator for each region: w_j (1 - x'_ij) / sum_k w_k (1 - x'_ik) x 100.

    Aligned with the input, one column per indicator (indicator names as header); rows sum to 100.
    """
    from nqp_xl.composite import obstacle_degree

    return obstacle_degree(data, weights, directions, shift=shift, id_cols=id_cols, missing=missing).to_rows(lang)


# ----------------------------------------------------------------------------- coupling coordination
# (NQP_COUPLING)


@nqp_udf(
    ranges={
        "systems": "one column per subsystem index U in [0, 1]; optional header and region columns",
        "weights": "optional: one weight per subsystem for T (default equal)",
    },
    scalars={
        "rule": 'the Type rule (two systems): "ratio" (default, U1/U2 in [0.8, 1.25] is synchronous) or "difference" (|U1 - U2| <= 0.1)',
    },
)
def NQP_COUPLING(systems, weights=None, model=None, lang=None, id_cols=None, missing=None, rule=None):
    """Coupling coordination degree of 2+ subsystem indices: C, T, D, Level 1-10, Grade (and type for two systems).

    Aligned with the input. Standard: C = n(prod U)^(1/n)/sum U; "wang" (Wang Shujia et al. 2021):
    C = sqrt{[1 - sum_{i>j}|Ui-Uj| / sum_{m<n} m] [prod Ui/max U]^(1/(n-1))}; T = sum a_i U_i;
    D = sqrt(C T). Level: D in [0,0.1) -> 1 ... [0.9,1] -> 10. Type (rule): "ratio" (default)
    U1/U2 in [0.8, 1.25] synchronous, else the lower lags; "difference": |U1-U2| <= 0.1.
    """
    from nqp_xl.coupling import coupling

    return coupling(systems, weights, model, id_cols=id_cols, missing=missing, rule=rule).to_rows(lang)


# ----------------------------------------------------------------------------- regional disparity
# (NQP_GINI, NQP_THEIL)


@nqp_udf(
    ranges={
        "values": "one column of values >= 0 (a header cell and region-name columns allowed)",
        "groups": "the group of each row (e.g. East, Central, West, Northeast), same height as values",
        "by": "optional: the year (or other key) of each row, same height as values: one row of results per value",
    },
)
def NQP_GINI(values, groups=None, by=None, lang=None, id_cols=None, missing=None):
    """Dagum Gini ratio of values and its decomposition over groups: within, net between and transvariation, with each group's and each pair's Gini.

    Answers a header row (Component, Value, Contribution %), then Total G, Within Gw,
    Between (net) Gnb, Transvariation Gt (G = Gw + Gnb + Gt), then each group's within-group
    Gini and each pair's between-group Gini. A row with a blank value or group drops out.
    With by: one row per by value (ascending): By, G, Gw, Gnb, Gt, Gw %, Gnb %, Gt %, each
    group's G, each pair's G (groups in order of first appearance).
    G = sum_i sum_r |y_i - y_r| / (2 n^2 mean); Dagum (1997), Empirical Economics 22: 515-531.
    """
    from nqp_xl import disparity, disparity_by

    if _given(by):
        return disparity_by.disparity_by(values, groups, by, "gini", id_cols=id_cols, missing=missing).to_rows(lang)
    return disparity.dagum_gini(values, groups, id_cols=id_cols, missing=missing).to_rows(lang)


@nqp_udf(
    ranges={
        "values": "one column of values >= 0 (a header cell and region-name columns allowed)",
        "groups": "the group of each row (e.g. East, Central, West, Northeast), same height as values",
        "by": "optional: the year (or other key) of each row, same height as values: one row of results per value",
    },
)
def NQP_THEIL(values, groups=None, by=None, lang=None, id_cols=None, missing=None):
    """Theil T index of values and its within/between decomposition over groups, with each group's Theil.

    Answers a header row (Component, Value, Contribution %), then Total T, Within Tw, Between Tb
    (T = Tw + Tb), then each group's Theil index T_j.
    T = (1/n) sum (y_i/mean) ln(y_i/mean); Tw = sum s_j T_j, Tb = sum s_j ln(mean_j/mean),
    s_j the group's share of the total (Theil 1967, Shorrocks 1980).
    With by: one row per by value (ascending): By, T, Tw, Tb, Tw %, Tb %, each group's T.
    """
    from nqp_xl import disparity, disparity_by

    if _given(by):
        return disparity_by.disparity_by(values, groups, by, "theil", id_cols=id_cols, missing=missing).to_rows(lang)
    return disparity.theil(values, groups, id_cols=id_cols, missing=missing).to_rows(lang)


# ----------------------------------------------------------------------------- simultaneous equations
# (NQP_3SLS)


@nqp_udf(
    ranges={
        "data": "a table with a header row of variable names (region/year label columns allowed)",
        "equations": 'cells each holding "y ~ x1 + ln(x2)", or one text with equations separated by ";", or Stata\'s "(y x1 x2) (x1 y x3)"',
    },
)
def NQP_3SLS(data, equations, method="3sls", lang=None, id_cols=None, missing=None):
    """Simultaneous equations by 3SLS (default), "ireg3", "2sls" or "ols", as Stata reg3: dependent variables endogenous, all exogenous variables instrument every equation.

    Answers a header row (Equation, Variable, Coef., Std. Err., z, P>|z|; t and P>|t| for
    "ols"/"2sls"), one row per coefficient (_cons last), then N and R-squared rows per equation.
    3SLS: Sigma = E'E/n from 2SLS residuals, V = (Xhat'(Sigma^-1 x I)Xhat)^-1 (Zellner-Theil 1962).
    Also "y = x1 + x2", Stata's "(y x1 x2) (x1 y x3)", and ln(col)/log(col) of a positive column.
    A row drops out only when a column the equations use is blank there.
    """
    from nqp_xl import simultaneous

    return simultaneous.three_sls(data, equations, method, id_cols=id_cols, missing=missing).to_rows(lang)


# ----------------------------------------------------------------------------- panel functions
# (NQP_SELECT, NQP_SUBINDEX, NQP_PIVOT, NQP_LEVEL, NQP_RANK, NQP_CORR, NQP_COMMUNALITIES,
#  NQP_REGTABLE)

_KEY_DOC = "one column, one cell per row of {0} (and one for its header row)"


def _given(arg) -> bool:
    """An optional range argument that holds something (not omitted, not all blank)."""
    from nqp_xl.options import is_empty

    return not is_empty(arg)


@nqp_udf(
    ranges={
        "data": "a table with a header row, e.g. the whole panel (Region | Year | indicators)",
    },
    scalars={
        "column": 'the column to match: a header name such as "year", or a column number 1, 2, ...',
        "value": "the value to keep, e.g. 2022 (the text \"2022\" matches too); blank: every row",
    },
)
def NQP_SELECT(data, column, value=None):
    """The header row and the rows of data whose column equals value (e.g. one year of a panel), to feed the cross-section functions.

    Cells come back as they are (labels, numbers, blanks). column is a header name or a 1-based
    column number; 2022 and "2022" match each other; a blank value keeps every row.
    """
    from nqp_xl.panel import select_rows

    return select_rows(data, column, value)


@nqp_udf(
    ranges={
        "data": _DATA_DOC,
        "subsystems": "one row: the subsystem name of each column of data (blank for labels and unused columns)",
        "weights": '"entropy" (default), "critic", "cv", "equal", or one weight per column of data',
        "directions": 'one "+" or "-" per column of data (or per subsystem indicator); default all "+"',
    },
)
def NQP_SUBINDEX(data, subsystems, weights=None, directions=None, lang=None, id_cols=None, missing=None, shift=None):
    """One composite index per subsystem beside the table (subsystems in order of first appearance): each column is NQP_INDEX of that subsystem's indicators.

    Weights are computed within each subsystem; the header holds the subsystem names. A row
    drops out (blank) only when one of the subsystems' indicators is blank.
    U_s = sum_j w_j x'_ij over the indicators j of subsystem s.
    """
    from nqp_xl.panel import subindices

    res = subindices(data, subsystems, weights, directions, shift=shift, id_cols=id_cols, missing=missing)
    return res.to_rows(lang)


@nqp_udf(
    ranges={
        "values": "one column of numbers (text too for count and list; a header cell allowed); blank cells are skipped",
        "rows": _KEY_DOC.format("values") + ": the row key, e.g. the year",
        "columns": "optional: " + _KEY_DOC.format("values") + ": the column key, e.g. the region group",
    },
    scalars={
        "stat": '"mean" (default), "median", "sum", "count", "min", "max", "sd" (n-1), "list" (the values joined) or "first" (the first value)',
    },
)
def NQP_PIVOT(values, rows, columns=None, stat=None, lang=None):
    """A cross table of values by the keys in rows (and columns): mean (default), median, sum, count, min, max, sd or list, e.g. mean D by year, or the regions of each grade.

    Header row: the rows header, then each column key (without columns, the stat's name; for
    list, the values' header). One row per row key. Keys: numbers ascending, text in order of
    first appearance. A blank where no value falls. list joins the values with ", " (zh "、") in
    order of appearance; count and list take text values (a header row when a column holds text
    above numbers, e.g. cluster numbers as keys).
    """
    from nqp_xl.panel import pivot

    return pivot(values, rows, columns, stat, lang=lang).to_rows(lang)


@nqp_udf(ranges={"values": "one column of coupling coordination degrees D in [0, 1] (a header cell allowed)"})
def NQP_LEVEL(values, lang=None):
    """The coupling-coordination Level (1-10) and Grade of each D beside the values, classed exactly as NQP_COUPLING does.

    Level = 1 for D in [0, 0.1), 2 for [0.1, 0.2), ..., 10 for [0.9, 1]; Grade from Extreme
    imbalance (1) to Quality coordination (10). Source: the ten-class table of Liao Chongbin (1999).
    """
    from nqp_xl.panel import levels

    return levels(values).to_rows(lang)


@nqp_udf(
    ranges={
        "values": "one column of scores to rank (a header cell allowed)",
        "by": "optional: " + _KEY_DOC.format("values") + ": rank within each value, e.g. the year",
        "ids": "optional: " + _KEY_DOC.format("values") + ": the region of each row, for the rank change",
    },
)
def NQP_RANK(values, by=None, ids=None, lang=None):
    """Rank beside the values (1 = highest within its by group, ties share the lowest rank) and, with ids, Change since the previous by value (positive = moved up).

    Change = the id's rank at the previous by value minus its rank now; blank in the first by
    value or where a value is blank. Every id needs a row in every by value.
    """
    from nqp_xl.panel import rank_within

    return rank_within(values, by, ids).to_rows(lang)


@nqp_udf(ranges={"data": _FA_DATA_DOC})
def NQP_CORR(data, lang=None, id_cols=None, missing=None):
    """The correlation matrix of the indicators (SPSS FACTOR "Correlation Matrix"): Indicator, then one column per indicator.

    Pearson r over the complete rows (listwise): r_jk = sum z_j z_k / (n - 1), z the z-scores.
    Source: SPSS FACTOR /PRINT CORRELATION.
    """
    from nqp_xl.describe import correlations

    return correlations(data, id_cols=id_cols, missing=missing).to_rows(lang)


@nqp_udf(ranges={"data": _FA_DATA_DOC},
         scalars={"n_factors": _FA_K_DOC, "min_cumvar": _FA_CUM_DOC})
def NQP_COMMUNALITIES(data, n_factors=None, min_cumvar=None, lang=None, id_cols=None, missing=None):
    """SPSS "Communalities": rows Indicator, Initial (1.000), Extraction (the share of each indicator's variance the kept factors explain).

    Extraction h_j = sum_i a_ji^2 over the k kept principal components (row sums of squared
    loadings); Initial is 1 for principal components. Source: SPSS FACTOR /EXTRACTION=PC.
    """
    return _fa(data, n_factors, min_cumvar, id_cols, missing).to_rows(lang, "communalities")


@nqp_udf(
    ranges={
        "data": "a table with a header row of variable names, e.g. the whole Data table (label columns allowed)",
        "equations": 'cells each holding "y ~ x1 + ln(x2)", or one text with equations separated by ";", or Stata\'s "(y x1 x2) (x1 y x3)"',
        "groups": "optional: " + _KEY_DOC.format("data") + ": one column per group, by the first method",
        "ids": "panel methods: header name of the region column; blank: the first label column",
        "years": "panel methods: header name of the year column; blank: the column headed year/年份",
    },
    scalars={
        "methods": 'the columns: "ols,2sls,3sls" (default); any of ols, 2sls, 3sls, ireg3, fe, twfe, re, pooled separated by commas',
        "numbers": "TRUE: coefficients, standard errors, N and R-squared as numbers, with each coefficient's p-value in columns at the right (a sheet's formats show the stars); default FALSE: texts such as 0.319***",
    },
)
def NQP_REGTABLE(data, equations, methods=None, groups=None, lang=None, id_cols=None, missing=None, ids=None, years=None,
                 numbers=None):
    """The publication table of a system of equations: coefficients with stars and standard errors in parentheses, one column per method (OLS, 2SLS, 3SLS, FE, TWFE, RE), group or model.

    Per equation: a title row (the dependent variable), per regressor a row such as 0.319***
    and a row (0.120), _cons last, then N and R-squared (and Region FE / Year FE rows with a panel
    method); a last row explains the stars. Several models separated by a line holding only "|"
    give columns (1), (2), ... by the one method. numbers=TRUE answers the figures as numbers and
    each coefficient's p-value at the right, for a sheet whose number formats show the stars and
    parentheses (the workbook's Equations sheet). Source: the coupling paper's Tables 7-9.
    """
    from nqp_xl.options import flag
    from nqp_xl.regtable import regression_table

    table = regression_table(data, equations, methods, groups, id_cols=id_cols, missing=missing, ids=ids, years=years)
    return table.number_rows(lang) if flag(numbers, "numbers", False) else table.to_rows(lang)


# ----------------------------------------------------------------------------- report helpers
# (NQP_GAPS, NQP_SORT, NQP_RELABEL)


@nqp_udf(
    ranges={
        "data": "the whole Data table: header row, label columns (region, year), indicators",
        "ids": "the header of the region column, or its number (default: the first label column)",
        "years": "the header of the year column, or its number (default: the label column headed year/年份, also a number column so headed after the labels, else the second label column; none in a cross-section)",
    },
)
def NQP_GAPS(data, ids=None, years=None, lang=None, id_cols=None):
    """What listwise deletion leaves out of the Data table and why: each year, region or region-year dropped, with the indicators whose blanks caused it and the rows.

    Header: Left out, Which, Blank indicators, Rows. First each year blank for every region, then
    each region blank in every year, then the other region-years (one row per region, its years).
    One row "None" when nothing is left out. The rows are exactly those the other functions drop.
    """
    from nqp_xl.report_tables import gaps

    return gaps(data, ids, years, id_cols=id_cols).to_rows(lang)


@nqp_udf(
    ranges={
        "data": "a range or answer to sort, e.g. the scores table with its header row",
        "by": "the column to sort by: a header name, or a column number 1, 2, ...",
    },
    scalars={
        "descending": "TRUE (default): largest first; FALSE: smallest first",
        "n": "optional: keep only the first n rows after sorting (top n, or bottom n with descending FALSE)",
    },
)
def NQP_SORT(data, by, descending=True, n=None, lang=None):
    """The rows of a range sorted by one column (largest first by default), the header row kept first, e.g. scores sorted by F; n keeps the top n rows.

    Row 1 is a header when every column holding numbers has text in it. Fully blank rows are
    dropped; rows whose by cell is blank or text come last in their own order; ties keep their
    order (stable). Cells come back as given (numbers stay numbers), blanks as "".
    """
    from nqp_xl.report_tables import sort_rows

    return sort_rows(data, by, descending, n)


@nqp_udf(
    ranges={
        "table": "any answer or range to relabel, e.g. a loadings or regression table",
        "names": "the indicator names, one row or one column (e.g. the header row of the Data table)",
        "labels": "the readable label of each name, same number of cells (e.g. the Label row of Inputs); a blank label keeps the name",
    },
)
def NQP_RELABEL(table, names, labels, lang=None):
    """A copy of table with every text cell equal to one of names replaced by its label, and ln(name) or log(name) by ln(label) or log(label): readable indicator names in any table.

    Names match whole cells (spaces around them ignored); numbers are untouched; a blank label
    leaves its name. Blanks answer "".
    """
    from nqp_xl.report_tables import relabel

    return relabel(table, names, labels)


# ----------------------------------------------------------------------------- panel econometrics
# (NQP_PANELREG, NQP_HAUSMAN, NQP_THRESHOLD, NQP_MEDIATION)

_PANEL_DATA_DOC = "a table with a header row of variable names and region and year columns, e.g. the whole Data table"
_PANEL_EQ_DOC = 'one equation, "y ~ x1 + ln(x2) + treat*post" (ln()/log() of a column, a*b products of two)'
_PANEL_IDS_DOC = "header name of the region column; blank: the first label column"
_PANEL_YEARS_DOC = "header name of the year column; blank: the column headed year/年份, else the second label column"


@nqp_udf(
    ranges={
        "data": _PANEL_DATA_DOC,
        "ids": _PANEL_IDS_DOC,
        "years": _PANEL_YEARS_DOC,
    },
    scalars={
        "equation": _PANEL_EQ_DOC,
        "model": '"fe" (within, default), "re" (Swamy-Arora GLS) or "pooled"',
        "effects": '"individual" (default, region), "time" (year) or "twoways" (region and year; re: balanced panels)',
        "se": '"cluster" (by region, default), "conventional", "robust" (HC1) or "dk" (Driscoll-Kraay, xtscc lag)',
    },
)
def NQP_PANELREG(data, equation, ids=None, years=None, model="fe", effects="individual", se="cluster",
                 lang=None, id_cols=None, missing=None):
    """Panel regression as Stata xtreg / R plm: fixed effects (within), random effects (Swamy-Arora) or pooled OLS, with clustered, conventional, robust or Driscoll-Kraay standard errors.

    Answers Variable, Coef., Std. Err., t, P>|t|, [95% Conf., Interval] per regressor, _cons last
    (fe: Stata's average intercept), then N, Groups, R-squared within/between/overall, F and P that
    all u_i = 0 (fe), sigma_u, sigma_e, rho, theta (re). Cluster SE as plm vcovHC(type = "sss").
    """
    from nqp_xl.panelreg import panel_regression

    return panel_regression(data, equation, ids, years, model, effects, se,
                            id_cols=id_cols, missing=missing).to_rows(lang)


@nqp_udf(
    ranges={
        "data": _PANEL_DATA_DOC,
        "ids": _PANEL_IDS_DOC,
        "years": _PANEL_YEARS_DOC,
    },
    scalars={
        "equation": _PANEL_EQ_DOC,
    },
)
def NQP_HAUSMAN(data, equation, ids=None, years=None, lang=None, id_cols=None, missing=None):
    """Hausman test of fixed against random effects (individual), as plm phtest / Stata hausman: chi2, df and P; a note when V_fe - V_re is not positive definite.

    chi2 = (b_fe - b_re)'(V_fe - V_re)^-1 (b_fe - b_re) over the slopes, df = their number, with the
    conventional covariance of each model. A negative chi2 is not shown as a number: the note says
    the data fail the test's asymptotic assumptions, as Stata does.
    """
    from nqp_xl.panelreg import hausman

    return hausman(data, equation, ids, years, id_cols=id_cols, missing=missing).to_rows(lang)


@nqp_udf(
    ranges={
        "data": _PANEL_DATA_DOC,
        "ids": _PANEL_IDS_DOC,
        "years": _PANEL_YEARS_DOC,
    },
    scalars={
        "equation": 'the dependent variable and the controls, "y ~ z1 + z2"',
        "threshold": "header name of the threshold variable q",
        "regime": "header name of the regressor whose coefficient changes at the threshold",
        "n": "number of thresholds, 1 (default) or 2",
        "bootstrap": "bootstrap replications for the P of each F test, default 300",
        "trim": "share of threshold values cut at each end of the search, default 0.05",
        "seed": "random seed of the bootstrap (a whole number), default 1",
    },
)
def NQP_THRESHOLD(data, equation, threshold, regime, ids=None, years=None, n=1, bootstrap=300, trim=0.05, seed=1,
                  lang=None, id_cols=None, missing=None):
    """Hansen (1999) fixed-effects panel threshold regression on a balanced panel: each threshold with its LR 95% interval, F and bootstrap P, then the regime coefficients with clustered SE.

    Grid search over the trimmed values of q; two thresholds sequentially with Hansen's refinement;
    interval {LR <= -2 ln(1 - sqrt(1 - alpha))}; P from a seeded residual bootstrap by region.
    The regression rows are NQP_PANELREG's (fe, clustered by region) with x split at the thresholds.
    """
    from nqp_xl.threshold import threshold_regression

    return threshold_regression(data, equation, threshold, regime, ids, years, n, bootstrap, trim, seed,
                                id_cols=id_cols, missing=missing).to_rows(lang)


@nqp_udf(
    ranges={
        "data": _PANEL_DATA_DOC,
        "controls": 'optional: header names of the controls, "z1,z2" or a range of names',
        "ids": _PANEL_IDS_DOC,
        "years": _PANEL_YEARS_DOC,
    },
    scalars={
        "x": "header name of the explanatory variable",
        "m": "header name of the mediator",
        "y": "header name of the outcome",
        "model": '"fe" (default), "twfe", "re" or "pooled"',
        "bootstrap": "bootstrap replications (regions drawn with replacement), default 1000",
        "seed": "random seed of the bootstrap (a whole number), default 1",
    },
)
def NQP_MEDIATION(data, x, m, y, controls=None, ids=None, years=None, model="fe", bootstrap=1000, seed=1,
                  lang=None, id_cols=None, missing=None):
    """Mediation test with a panel model: the three Baron-Kenny steps (y on x; m on x; y on x and m) as NQP_REGTABLE columns, then a*b with Sobel z and P and a bootstrap 95% interval.

    Each step is NQP_PANELREG's fit (standard errors clustered by region). Sobel: z = ab/sqrt(b^2 sa^2 +
    a^2 sb^2). Interval: 2.5% and 97.5% quantiles of a*b over seeded draws of regions with replacement.
    """
    from nqp_xl.mediation import mediation

    return mediation(data, x, m, y, controls, ids, years, model, bootstrap, seed,
                     id_cols=id_cols, missing=missing).to_rows(lang)


# ----------------------------------------------------------------------------- dynamics and spatial
# (NQP_KDENSITY, NQP_CONVERGENCE, NQP_MARKOV, NQP_MORAN, NQP_LISA)

_DYN_VALUES_DOC = "one column of values (e.g. the composite index), optional header and region/year label columns"
_DYN_IDS_DOC = "the region of each row, aligned with values; blank: the first label column of values"
_DYN_YEARS_DOC = "the year of each row (numbers), aligned with values"
_DYN_BY_DOC = "optional: the group of each row (e.g. the year), aligned with values; one answer per value, ascending"
_DYN_WEIGHTS_DOC = "a square spatial weights range: region names across the first row and down the first column, blank = 0"


@nqp_udf(
    ranges={
        "values": _DYN_VALUES_DOC,
        "by": _DYN_BY_DOC,
    },
    scalars={
        "points": "number of grid points (rows), default 100",
        "bandwidth": '"nrd0" (default, R bw.nrd0), "scott" (R bw.nrd) or a positive number',
    },
)
def NQP_KDENSITY(values, by=None, points=100, bandwidth="nrd0", lang=None, id_cols=None, missing=None):
    """Gaussian kernel density curves of values, one column per by value (e.g. year) on one common grid: header x, then the densities.

    Grid: points values from min(x - 3h) to max(x + 3h) over the groups; f(x) = (1/nh) sum phi((x - x_i)/h),
    evaluated exactly (R density's kernel, without FFT binning). h per group: "nrd0" =
    0.9 min(sd, IQR/1.34) n^-1/5 (R bw.nrd0, type-7 quartiles), "scott" = 1.06 min(sd, IQR/1.34) n^-1/5.
    """
    from nqp_xl.dynamics import kernel_density

    return kernel_density(values, by, points, bandwidth, id_cols=id_cols, missing=missing).to_rows(lang)


@nqp_udf(
    ranges={
        "values": _DYN_VALUES_DOC,
        "ids": _DYN_IDS_DOC,
        "years": _DYN_YEARS_DOC,
    },
    scalars={
        "kind": '"sigma" (default): dispersion by year; "beta": absolute beta-convergence first to last year',
    },
)
def NQP_CONVERGENCE(values, ids=None, years=None, kind="sigma", lang=None, id_cols=None, missing=None):
    """Sigma-convergence (Year, N, Mean, Std. Dev., CV by year) or absolute beta-convergence (beta, Std. Err., t, P, R-squared, N, speed, half-life).

    sigma: sd with n-1, CV = sd/mean. beta: (ln y_T - ln y_0)/T = a + b ln y_0 by OLS over the regions
    observed in the first and last year, T their difference; speed = -ln(1 + bT)/T and half-life
    ln 2/speed, blank unless b < 0. Source: Barro and Sala-i-Martin (1992).
    """
    from nqp_xl import dynamics
    from nqp_xl.options import choice

    fit = dynamics.sigma_convergence if choice(kind, "kind", ("sigma", "beta"), "sigma") == "sigma" \
        else dynamics.beta_convergence
    return fit(values, ids, years, id_cols=id_cols, missing=missing).to_rows(lang)


@nqp_udf(
    ranges={
        "values": _DYN_VALUES_DOC,
        "ids": _DYN_IDS_DOC,
        "years": _DYN_YEARS_DOC,
    },
    scalars={
        "k": "number of quantile classes, default 4",
    },
)
def NQP_MARKOV(values, ids, years, k=4, lang=None, id_cols=None, missing=None):
    """Markov transition matrix between k quantile classes of all values over one-year steps (y to y + 1) of each region: class rows, probabilities to classes 1..k, N; then the class bounds.

    Classes: type-7 quantiles q_0..q_k of all values, class c = (q_c-1, q_c], the lowest value in class 1
    (R cut(x, quantile(x, 0:k/k), include.lowest = TRUE)). P_ab = n_ab/n_a over each region's moves
    from year y to y + 1 (a missing year breaks the chain); N = n_a. Source: Quah (1993).
    """
    from nqp_xl.dynamics import markov

    return markov(values, ids, years, k, id_cols=id_cols, missing=missing).to_rows(lang)


@nqp_udf(
    ranges={
        "values": _DYN_VALUES_DOC,
        "ids": _DYN_IDS_DOC,
        "weights": _DYN_WEIGHTS_DOC,
        "by": _DYN_BY_DOC,
    },
    scalars={
        "assumption": '"randomization" (default) or "normality", as spdep moran.test',
        "style": '"W" (default): row-standardised weights; "B": the weights as given',
    },
)
def NQP_MORAN(values, ids, weights, by=None, assumption="randomization", style="W", lang=None, id_cols=None, missing=None):
    """Global Moran's I of values on a spatial weights matrix, one row per by value (e.g. year): By, I, E[I], Var[I], z, P (two-sided), as R spdep moran.test.

    I = (n/S0) z'Wz/z'z, E[I] = -1/(n-1); Var[I] under randomisation (with the kurtosis K) or
    normality (Cliff and Ord 1981). Regions are matched to the weights' names (北京/北京市/Beijing);
    each year uses the regions with a value, rows re-standardised for style "W".
    """
    from nqp_xl.spatial import moran

    return moran(values, ids, weights, by, assumption, style, id_cols=id_cols, missing=missing).to_rows(lang)


@nqp_udf(
    ranges={
        "values": "one column of values of one year, optional header and region label columns",
        "ids": _DYN_IDS_DOC,
        "weights": _DYN_WEIGHTS_DOC,
    },
    scalars={
        "permutations": "conditional permutations for the pseudo P, default 999",
        "seed": "random seed of the permutations (a whole number), default 1",
        "style": '"W" (default): row-standardised weights; "B": the weights as given',
    },
)
def NQP_LISA(values, ids, weights, permutations=999, seed=1, style="W", lang=None, id_cols=None, missing=None):
    """Local Moran's I (LISA) of each region beside the table: Ii, z, pseudo P from seeded conditional permutations, and Quadrant (HH, LH, LL, HL).

    Ii = (z_i/m2) sum_j w_ij z_j, m2 = sum z^2/n; z = (Ii - E)/sqrt(Var) as R spdep localmoran
    (conditional); pseudo P = (min(#perm >= Ii, R - #) + 1)/(R + 1) (PySAL esda p_sim). Quadrant:
    the value above/below the mean, then its neighbours' spatial lag. Source: Anselin (1995).
    """
    from nqp_xl.spatial import local_moran

    return local_moran(values, ids, weights, permutations, seed, style, id_cols=id_cols, missing=missing).to_rows(lang)


# ----------------------------------------------------------------------------- evaluation extensions
# (NQP_GREY, NQP_GM11, NQP_AHP, NQP_RSR, NQP_GEODETECTOR; issue 19)


@nqp_udf(
    ranges={
        "data": _DATA_DOC,
        "reference": "optional: a column name of data, or a column beside it: compare each indicator with it",
        "directions": _DIR_DOC,
    },
    scalars={
        "rho": "distinguishing coefficient in (0, 1], default 0.5",
    },
)
def NQP_GREY(data, reference=None, rho=0.5, directions=None, lang=None, id_cols=None, missing=None):
    """Grey relational degree with rank: of each row against the ideal (best of every indicator), or of each indicator against a reference series.

    Min-max by direction; xi = (dmin + rho dmax) / (d + rho dmax) over all |differences| d;
    degree = mean of xi. Rows: Degree, Rank aligned with data; with reference: Indicator,
    Degree, Rank. Source: Deng Julong (1982).
    """
    from nqp_xl.grey_relational import grey_relational

    return grey_relational(data, reference, rho, directions, id_cols=id_cols, missing=missing).to_rows(lang)


@nqp_udf(
    ranges={
        "values": "one column of positive values, one a year without gaps (a header cell allowed)",
        "years": "optional: the year of each value, aligned with values; blank: 1, 2, ...",
    },
    scalars={
        "horizon": "years to forecast after the last, default 3",
    },
)
def NQP_GM11(values, years=None, horizon=3, lang=None):
    """GM(1,1) grey forecast: fitted and forecast values, residuals, relative errors, a, b, posterior variance ratio C, small-error probability P and the accuracy grade.

    x1 = cumulative sum, z = mean of neighbours, x0(k) + a z(k) = b by least squares,
    x1^(k+1) = (x0(1) - b/a) e^(-ak) + b/a. Grade: C <= 0.35 and P >= 0.95 good, 0.5/0.8
    qualified, 0.65/0.7 barely. Source: Deng Julong; Liu Sifeng, Grey Systems.
    """
    from nqp_xl.grey_forecast import gm11

    return gm11(values, years, horizon).to_rows(lang)


@nqp_udf(
    ranges={
        "matrix": "the square pairwise comparison matrix (Saaty 1-9 scale, a_ji = 1/a_ij); names across the top and down the left allowed",
    },
)
def NQP_AHP(matrix, lang=None):
    """AHP weights by the principal eigenvector of a pairwise comparison matrix, with lambda max, CI, RI (Saaty), CR and whether CR < 0.1.

    A w = lambda_max w, sum w = 1; CI = (lambda_max - n)/(n - 1); CR = CI/RI, RI from Saaty
    (1980) for n up to 15. An inconsistent matrix (CR >= 0.1) is flagged, not refused.
    """
    from nqp_xl.ahp import ahp

    return ahp(matrix).to_rows(lang)


@nqp_udf(
    ranges={
        "data": _DATA_DOC,
        "directions": _DIR_DOC,
    },
    scalars={
        "grades": "number of grades: 3 (default), 4 or 5 (an optional last argument)",
    },
)
def NQP_RSR(data, directions=None, lang=None, id_cols=None, missing=None, grades=None):
    """Rank-sum ratio (Tian Fengtiao): RSR, probit, fitted RSR, rank and grade of each row, then the regression RSR = a + b Probit.

    Integer ranks by direction (ties averaged), RSR = sum of ranks/(m n); probit = 5 + z of
    the average place/n (the last 1 - 1/4n); grades by probit cut-points (3 grades: 4, 6).
    """
    from nqp_xl.rsr import rank_sum_ratio

    return rank_sum_ratio(data, directions, grades, id_cols=id_cols, missing=missing).to_rows(lang)


@nqp_udf(
    ranges={
        "y": "one column of numbers to explain (a header cell and region columns allowed)",
        "factors": "the factor columns beside y, same height: text or few codes = classes, other numbers = cut into k classes",
    },
    scalars={
        "k": "classes for a number factor (optimal 1-D k-means), default 5",
    },
)
def NQP_GEODETECTOR(y, factors, k=5, lang=None, id_cols=None, missing=None):
    """Geographical detector: factor detector q and P of each factor, then the interaction detector q of each pair of factors with its type.

    q = 1 - sum N_h var_h / (N var); P from the non-central F (Wang, Zhang and Fu 2016);
    interaction strata = pairs of strata; types as Wang and Xu (2017).
    """
    from nqp_xl.geodetector import geodetector

    return geodetector(y, factors, k, id_cols=id_cols, missing=missing).to_rows(lang)


# ----------------------------------------------------------------------------- spatial Markov and spatial Durbin
# (NQP_SMARKOV, NQP_SDM)


@nqp_udf(
    ranges={
        "values": _DYN_VALUES_DOC,
        "ids": _DYN_IDS_DOC,
        "years": _DYN_YEARS_DOC,
        "weights": _DYN_WEIGHTS_DOC,
    },
    scalars={
        "k": "number of quantile classes of the values and of the spatial lag, default 4",
    },
)
def NQP_SMARKOV(values, ids, years, weights, k=4, lang=None, id_cols=None, missing=None):
    """Spatial Markov chain (Rey 2001): one transition matrix per class of the neighbours' spatial lag, as NQP_MARKOV, then the Q and LR tests that the matrices are homogeneous.

    Classes: k type-7 quantiles of all values; lag = row-standardised W times the values of the same
    year, classed by the k quantiles of all lags (PySAL giddy Spatial_Markov, fixed=True). One-year
    steps. Q and LR: Bickenbach and Bode (2003), df = sum (b_i - 1)(A_i - 1).
    """
    from nqp_xl.spatial_markov import spatial_markov

    return spatial_markov(values, ids, years, weights, k, id_cols=id_cols, missing=missing).to_rows(lang)


@nqp_udf(
    ranges={
        "data": "the data with its header row: region and year columns, the variables of the equation",
        "ids": "the header of the region column (default: the first column)",
        "weights": _DYN_WEIGHTS_DOC + '; or "contiguity" (default) / "distance" for the bundled provinces',
    },
    scalars={
        "equation": 'one equation over the header names, e.g. "ln(patents) ~ ln(rd_staff) + rd_intensity"',
        "years": "the header of the year column for a panel; blank: a cross-section (one row per region)",
        "effects": 'panel fixed effects: "individual" (default, regions), "time" or "twoways"',
        "draws": "simulation draws for the standard errors of the effects, default 1000",
        "seed": "random seed of the draws (a whole number), default 1",
    },
)
def NQP_SDM(data, equation, ids=None, weights=None, years=None, effects=None, lang=None, id_cols=None, missing=None,
            draws=1000, seed=1):
    """Spatial Durbin model y = rho Wy + Xb + WXt by maximum likelihood: rho, b, t (W*x) with SE, direct, indirect and total effects with simulated SE, log-likelihood, AIC, LR tests against SAR and SEM.

    Cross-section as R spatialreg lagsarlm(Durbin = TRUE, method = "eigen") and impacts(R = draws);
    panels with region, time or two-way fixed effects by the Lee-Yu (2010) transformation approach
    (Elhorst 2014). W row-standardised; regions matched by name (北京/北京市/Beijing).
    """
    from nqp_xl.spatial_durbin import spatial_durbin

    return spatial_durbin(data, equation, ids, weights, years, effects, draws, seed,
                          id_cols=id_cols, missing=missing).to_rows(lang)


__all__ = sorted(name for name in globals() if name.startswith("NQP_"))
