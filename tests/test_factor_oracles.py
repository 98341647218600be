"""Factor analysis held to R and PSPP (nqp_xl.factor and the NQP_ factor-analysis UDFs).

Reference figures (see tests/fixtures/factor/README.md):

* ``tests/oracles/factor_psych.R`` — R with psych::KMO, psych::cortest.bartlett, eigen(),
  varimax with Kaiser normalization iterated to a fixed point (checked against Kaiser's
  pairwise rotations to ~1e-14), B = solve(R, A_rot); 17 significant digits in
  ``tests/fixtures/factor/<dataset>/`` (figures independent of k) and
  ``tests/fixtures/factor/<dataset>__<rule>/``.
* ``tests/oracles/factor_pspp.py`` — PSPP 1.6.2 FACTOR with SET FORMAT=F40.16 (16 decimals
  for most figures), varimax run to convergence; parsed into ``tests/fixtures/factor/pspp/``.

Every figure is compared at 1e-8: absolute for figures of order one (z-scores, correlations,
loadings, rotations, coefficients, scores, KMO/MSA, weights, communalities, Sig.), relative
1e-8 (with 1e-8 absolute floor) for large ones (eigenvalues, sums of squares, percentages,
chi-square, means, standard deviations).  Wider tolerances only where PSPP prints fewer
decimals; each says why beside it.
"""
from __future__ import annotations

import csv
import functools
import math
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from nqp_xl import factor as fa

HERE = Path(__file__).resolve().parent
DATA = HERE / "fixtures" / "data"
REF = HERE / "fixtures" / "factor"
PSPP = REF / "pspp"

ATOL = 1e-8  # absolute, figures of order one
RTOL = 1e-8  # relative, large figures (with ATOL as the floor)

DATASETS = ["province_2022", "province_2022_missing", "synthetic_2500"]
RULES = {  # rule name -> (n_factors, min_cumvar) as Excel would pass them (floats or None)
    "eigen1": (None, None),
    "cumvar85": (None, 0.85),
    "k3": (3.0, None),
}
CASES = [(d, r) for d in DATASETS for r in RULES]
IDS = [f"{d}__{r}" for d, r in CASES]


# ----------------------------------------------------------------------------- helpers


def excel_rows(path: Path) -> list[list]:
    """A CSV as xlwings hands a range over: header texts, label texts, floats, None for blanks."""
    with open(path, newline="", encoding="utf-8") as fh:
        rows = list(csv.reader(fh))
    out = [rows[0]]
    for r in rows[1:]:
        out.append([r[0]] + [None if c == "" else float(c) for c in r[1:]])
    return out


@functools.lru_cache(maxsize=None)
def data_rows(dataset: str) -> tuple:
    return tuple(tuple(r) for r in excel_rows(DATA / f"{dataset}.csv"))


def rows_list(dataset: str) -> list[list]:
    """A fresh list of rows (a UDF must not be able to alter the next test's input)."""
    return [list(r) for r in data_rows(dataset)]


@functools.lru_cache(maxsize=None)
def ref(path: str) -> pd.DataFrame:
    return pd.read_csv(REF / path)


def ref_matrix(path: str) -> np.ndarray:
    """The numeric block of a per-indicator fixture (first column = indicator names)."""
    return ref(path).iloc[:, 1:].to_numpy(dtype=float)


@functools.lru_cache(maxsize=None)
def fit(dataset: str, rule: str):
    n_factors, min_cumvar = RULES[rule]
    return fa.factor_analysis(rows_list(dataset), n_factors=n_factors, min_cumvar=min_cumvar)


def close(actual, expected, atol=ATOL, rtol=0.0, what=""):
    np.testing.assert_allclose(np.asarray(actual, dtype=float), np.asarray(expected, dtype=float),
                               rtol=rtol, atol=atol, err_msg=what)


def close_rel(actual, expected, what=""):
    close(actual, expected, atol=ATOL, rtol=RTOL, what=what)


def names(dataset: str) -> list[str]:
    return list(data_rows(dataset)[0][1:])


def sort_rotated(loadings: np.ndarray) -> np.ndarray:
    """Reflect each column to a positive sum and sort by sum of squares (SPSS presentation)."""
    a = np.asarray(loadings, dtype=float)
    a = a * np.where(a.sum(axis=0) < 0, -1.0, 1.0)
    return a[:, np.argsort(-(a * a).sum(axis=0), kind="stable")]


def reflect(a: np.ndarray) -> np.ndarray:
    a = np.asarray(a, dtype=float)
    return a * np.where(a.sum(axis=0) < 0, -1.0, 1.0)


# ----------------------------------------------------------------------------- core API vs R


@pytest.mark.parametrize("dataset,rule", CASES, ids=IDS)
def test_core_against_r(dataset, rule):
    res = fit(dataset, rule)
    base, case = dataset, f"{dataset}__{rule}"
    meta = ref(f"{case}/meta.csv")
    k = int(meta.n_factors[0])

    assert res.n_factors == k
    assert res.n == int(meta.n[0])

    # rule-independent figures
    close(res.z, ref(f"{base}/z.csv").iloc[:, 2:].to_numpy(float), what="z-scores")
    close(res.correlation, ref_matrix(f"{base}/correlation.csv"), what="correlation")
    close_rel(res.eigenvalues, ref(f"{base}/eigenvalues.csv").eigenvalue, what="eigenvalues")
    close(res.eigenvectors, ref_matrix(f"{base}/eigenvectors.csv"), what="eigenvectors")
    close(res.kmo, ref(f"{base}/kmo.csv").kmo[0], what="KMO")
    close(res.msa, ref(f"{base}/msa.csv").msa, what="MSA")
    chi2, df, sig = res.bartlett
    bart = ref(f"{base}/bartlett.csv")
    close(chi2, bart.chi2[0], atol=0.0, rtol=RTOL, what="Bartlett chi-square (relative)")
    assert df == int(bart.df[0])
    close(sig, bart.sig[0], what="Bartlett Sig.")

    # figures for this k
    close(res.loadings, ref_matrix(f"{case}/loadings.csv"), what="loadings")
    close(res.rotated_loadings, ref_matrix(f"{case}/rotated_loadings.csv"), what="rotated loadings")
    close(res.rotation, ref_matrix(f"{case}/rotation.csv"), what="rotation matrix T")
    close(res.loadings @ res.rotation, res.rotated_loadings, atol=1e-12, what="A T = A_rot")
    ss = ref(f"{case}/rotated_ss.csv")
    close_rel(res.rotated_ss, ss.rotated_ss, what="rotated sums of squares")
    close(res.weights, ss.weight, what="composite weights")
    close(res.score_coefficients, ref_matrix(f"{case}/score_coefficients.csv"),
          what="score coefficients")
    sc = ref(f"{case}/scores.csv")
    close(res.scores, sc[[f"F{j + 1}" for j in range(k)]].to_numpy(float), what="factor scores")
    close(res.composite, sc.F, what="composite F")
    np.testing.assert_array_equal(np.asarray(res.rank, dtype=int), sc.Rank.to_numpy(int))
    close(res.communalities, ref(f"{case}/communalities.csv").extraction, what="communalities")
    vt = np.asarray(res.variance_table, dtype=float)
    rvt = ref(f"{case}/variance_table.csv").to_numpy(float)
    assert vt.shape == rvt.shape
    np.testing.assert_array_equal(np.isnan(vt), np.isnan(rvt))  # blank past k
    close_rel(vt, rvt, what="Total Variance Explained (percent units)")


@pytest.mark.parametrize("dataset", DATASETS)
def test_building_blocks_against_r(dataset):
    corr = ref_matrix(f"{dataset}/correlation.csv")
    n = int(ref(f"{dataset}/kmo.csv").n[0])

    overall, msa = fa.kmo(corr)
    close(overall, ref(f"{dataset}/kmo.csv").kmo[0], what="kmo(R)")
    close(msa, ref(f"{dataset}/msa.csv").msa, what="kmo(R) MSA")

    chi2, df, sig = fa.bartlett_sphericity(corr, n)
    bart = ref(f"{dataset}/bartlett.csv")
    close(chi2, bart.chi2[0], atol=0.0, rtol=RTOL, what="bartlett_sphericity chi2 (relative)")
    assert df == int(bart.df[0])
    close(sig, bart.sig[0], what="bartlett_sphericity Sig.")

    values, vectors = fa.principal_components(corr)
    close_rel(values, ref(f"{dataset}/eigenvalues.csv").eigenvalue, what="eigenvalues")
    close(vectors, ref_matrix(f"{dataset}/eigenvectors.csv"), what="eigenvectors")

    for rule in RULES:
        case = f"{dataset}__{rule}"
        a = ref_matrix(f"{case}/loadings.csv")
        rotated, t = fa.kaiser_varimax(a)
        close(rotated, a @ t, atol=1e-12, what="kaiser_varimax: A T")
        close(t.T @ t, np.eye(t.shape[0]), atol=1e-12, what="kaiser_varimax: T orthogonal")
        close(sort_rotated(rotated), ref_matrix(f"{case}/rotated_loadings.csv"),
              what=f"kaiser_varimax {case}")


# ----------------------------------------------------------------------------- core API vs PSPP


@pytest.mark.parametrize("dataset,rule", CASES, ids=IDS)
def test_core_against_pspp(dataset, rule):
    res = fit(dataset, rule)
    case = f"pspp/{dataset}__{rule}"
    n = res.n

    desc = ref(f"{case}/describe.csv")
    assert list(desc.indicator) == names(dataset)
    assert (desc.N == n).all()
    x = np.asarray(res.table.values, dtype=float)
    close_rel(x.mean(axis=0), desc["mean"], what="PSPP Mean")
    # PSPP's FACTOR prints the standard deviation with divisor n (SPSS: n - 1), so ours is
    # rescaled by sqrt((n-1)/n) before the comparison; the figure itself is exact to 16 decimals.
    sd_n = x.std(axis=0, ddof=1) * math.sqrt((n - 1) / n)
    close_rel(sd_n, desc.sd, what="PSPP Std. Deviation (divisor n)")

    kb = ref(f"{case}/kmo_bartlett.csv")
    close(res.kmo, kb.kmo[0], what="PSPP KMO")
    chi2, df, sig = res.bartlett
    close(chi2, kb.chi2[0], atol=0.0, rtol=RTOL, what="PSPP chi-square (relative)")
    assert df == int(kb.df[0])
    # Sig. has a fixed 3-decimal format in PSPP: agreement to half a unit of the last place.
    close(sig, kb.sig[0], atol=5e-4 + 1e-12, what="PSPP Sig. (3 decimals)")
    close(res.msa, ref(f"{case}/msa.csv").msa, what="PSPP MSA (anti-image diagonal)")
    # Correlations have a fixed 3-decimal format in PSPP (R's are held at 1e-8 above).
    close(res.correlation, ref_matrix(f"{case}/correlation.csv"), atol=5e-4 + 1e-12,
          what="PSPP correlations (3 decimals)")

    assert res.n_factors == ref_matrix(f"{case}/loadings.csv").shape[1]
    close(res.communalities, ref(f"{case}/communalities.csv").extraction,
          what="PSPP extraction communalities")
    # PSPP leaves the unrotated columns with the eigen-solver's signs: reflect them first.
    close(res.loadings, reflect(ref_matrix(f"{case}/loadings.csv")), what="PSPP Component Matrix")
    # PSPP reflects rotated columns but does not sort them by sum of squares: sort first.
    close(res.rotated_loadings, sort_rotated(ref_matrix(f"{case}/rotated_loadings.csv")),
          what="PSPP Rotated Component Matrix")

    vt = np.asarray(res.variance_table, dtype=float)
    pvt = ref(f"{case}/variance_table.csv").to_numpy(float)
    k = res.n_factors
    np.testing.assert_array_equal(np.isnan(vt), np.isnan(pvt))
    close_rel(vt[:, 1], pvt[:, 1], what="PSPP Initial Total")
    close_rel(vt[:k, 4], pvt[:k, 4], what="PSPP Extraction Total")
    close_rel(vt[:k, 7], np.sort(pvt[:k, 7])[::-1], what="PSPP Rotation Total (sorted)")
    # "% of Variance" and "Cumulative %" have a fixed 1-decimal format in PSPP.
    for col in (2, 3, 5, 6):
        close(vt[:, col], pvt[:, col], atol=0.05 + 1e-9, what=f"PSPP percent column {col}")
    close(vt[:k, 8], np.sort(pvt[:k, 8])[::-1], atol=0.05 + 1e-9, what="PSPP Rotation %")
    # (PSPP's rotated "Cumulative %" follows its unsorted column order, so it is not compared.)


# ----------------------------------------------------------------------------- UDFs vs R

udf = pytest.importorskip("nqp_udfs")


def need(name: str):
    fn = getattr(udf, name, None)
    if fn is None:
        pytest.skip(f"{name} is not in udfs/nqp_udfs.py yet")
    return fn


def keep_mask(dataset: str) -> np.ndarray:
    return ref(f"{dataset}/rows.csv").complete.to_numpy(bool)


def is_text_row(row) -> bool:
    return all(isinstance(c, str) for c in row)


def block(answer, first_col: int = 1) -> np.ndarray:
    """Numbers of an answer below its header row, after ``first_col`` label columns;
    None (a blank cell) becomes NaN."""
    assert isinstance(answer, list), answer
    return np.array([[math.nan if c is None else c for c in r[first_col:]] for r in answer[1:]],
                    dtype=float)


@pytest.mark.parametrize("dataset", DATASETS)
def test_udf_kmo_msa_bartlett(dataset):
    kmo = need("NQP_KMO")(rows_list(dataset))
    assert isinstance(kmo, float), kmo
    close(kmo, ref(f"{dataset}/kmo.csv").kmo[0], what="NQP_KMO")

    msa = need("NQP_MSA")(rows_list(dataset))
    assert isinstance(msa, list), msa
    assert msa[0] == ["Indicator", "MSA"]
    assert [r[0] for r in msa[1:]] == names(dataset)
    close(block(msa)[:, 0], ref(f"{dataset}/msa.csv").msa, what="NQP_MSA")

    bart = need("NQP_BARTLETT")(rows_list(dataset))
    assert isinstance(bart, list), bart
    assert bart[0] == ["Chi-square", "df", "Sig."]
    assert len(bart) == 2
    chi2, df, sig = bart[1]
    ref_b = ref(f"{dataset}/bartlett.csv")
    close(chi2, ref_b.chi2[0], atol=0.0, rtol=RTOL, what="NQP_BARTLETT chi-square (relative)")
    assert df == ref_b.df[0]
    close(sig, ref_b.sig[0], what="NQP_BARTLETT Sig.")


@pytest.mark.parametrize("dataset", DATASETS)
def test_udf_describe(dataset):
    out = need("NQP_DESCRIBE")(rows_list(dataset))
    assert isinstance(out, list), out
    assert out[0] == ["Indicator", "N", "Mean", "Std. Dev.", "Min", "Max"]
    assert [r[0] for r in out[1:]] == names(dataset)
    d = ref(f"{dataset}/describe.csv")
    got = block(out)
    np.testing.assert_array_equal(got[:, 0], d.N)  # listwise: complete rows only
    close_rel(got[:, 1:], d[["mean", "sd", "min", "max"]].to_numpy(float), what="NQP_DESCRIBE")


@pytest.mark.parametrize("dataset,rule", CASES, ids=IDS)
def test_udf_variance(dataset, rule):
    n_factors, min_cumvar = RULES[rule]
    out = need("NQP_VARIANCE")(rows_list(dataset), n_factors, min_cumvar)
    assert isinstance(out, list), out
    assert out[0] == ["Component", "Initial Total", "Initial % of Variance", "Initial Cumulative %",
                      "Extraction Total", "Extraction % of Variance", "Extraction Cumulative %",
                      "Rotation Total", "Rotation % of Variance", "Rotation Cumulative %"]
    got = block(out, first_col=0)
    rvt = ref(f"{dataset}__{rule}/variance_table.csv").to_numpy(float)
    assert got.shape == rvt.shape
    np.testing.assert_array_equal(np.isnan(got), np.isnan(rvt))  # blank (None) past k
    close_rel(got, rvt, what="NQP_VARIANCE")


@pytest.mark.parametrize("dataset,rule", CASES, ids=IDS)
def test_udf_loadings_and_scorecoef(dataset, rule):
    n_factors, min_cumvar = RULES[rule]
    case = f"{dataset}__{rule}"
    k = int(ref(f"{case}/meta.csv").n_factors[0])
    header = ["Indicator"] + [f"F{j + 1}" for j in range(k)]
    fn = need("NQP_LOADINGS")
    for args, fixture in (((), "rotated_loadings"), ((True,), "rotated_loadings"),
                          ((1.0,), "rotated_loadings"), ((False,), "loadings"),
                          ((0.0,), "loadings")):
        out = fn(rows_list(dataset), n_factors, min_cumvar, *args)
        assert isinstance(out, list), out
        assert out[0] == header
        assert [r[0] for r in out[1:]] == names(dataset)
        close(block(out), ref_matrix(f"{case}/{fixture}.csv"), what=f"NQP_LOADINGS{args}")

    out = need("NQP_SCORECOEF")(rows_list(dataset), n_factors, min_cumvar)
    assert isinstance(out, list), out
    assert out[0] == header
    assert [r[0] for r in out[1:]] == names(dataset)
    close(block(out), ref_matrix(f"{case}/score_coefficients.csv"), what="NQP_SCORECOEF")


@pytest.mark.parametrize("dataset,rule", CASES, ids=IDS)
def test_udf_factors_and_score_aligned(dataset, rule):
    n_factors, min_cumvar = RULES[rule]
    case = f"{dataset}__{rule}"
    k = int(ref(f"{case}/meta.csv").n_factors[0])
    keep = keep_mask(dataset)
    sc = ref(f"{case}/scores.csv")
    n_rows = len(data_rows(dataset)) - 1
    assert keep.shape == (n_rows,)

    out = need("NQP_FACTORS")(rows_list(dataset), n_factors, min_cumvar)
    assert isinstance(out, list), out
    assert out[0] == [f"F{j + 1}" for j in range(k)] + ["F", "Rank"]
    assert len(out) == n_rows + 1  # aligned: one answer row per input row
    body = out[1:]
    for i, row in enumerate(body):  # rows with a gap answer blanks
        assert len(row) == k + 2
        if not keep[i]:
            assert all(c is None for c in row), (i, row)
        else:
            assert all(isinstance(c, float) for c in row), (i, row)
    kept = np.array([r for r, ok in zip(body, keep) if ok], dtype=float)
    np.testing.assert_array_equal(sc.row.to_numpy(int) - 1, np.flatnonzero(keep))
    close(kept[:, :k], sc[[f"F{j + 1}" for j in range(k)]].to_numpy(float), what="NQP_FACTORS F1..Fk")
    close(kept[:, k], sc.F, what="NQP_FACTORS F")
    np.testing.assert_array_equal(kept[:, k + 1], sc.Rank.to_numpy(float))

    out = need("NQP_SCORE")(rows_list(dataset), n_factors, min_cumvar)
    assert isinstance(out, list), out
    assert out[0] == ["F"]
    assert len(out) == n_rows + 1
    for i, row in enumerate(out[1:]):
        assert len(row) == 1
        assert (row[0] is None) == (not keep[i]), (i, row)
    close([r[0] for r, ok in zip(out[1:], keep) if ok], sc.F, what="NQP_SCORE")


def test_missing_dataset_has_gaps():
    """The listwise case really exercises blank rows (guards the aligned-output checks)."""
    keep = keep_mask("province_2022_missing")
    assert (~keep).sum() == 2
    rows = data_rows("province_2022_missing")[1:]
    for i in np.flatnonzero(~keep):
        assert any(c is None for c in rows[i][1:])


# ----------------------------------------------------------------------------- sorted by size


@pytest.mark.parametrize("case", ["province_2022__k2", "province_2022__k3", "province_2022_missing__k2"])
@pytest.mark.parametrize("rotated", [True, False])
def test_loadings_sorted_by_size_match_pspp_format_sort(case, rotated):
    """NQP_LOADINGS(..., sort=TRUE) prints the indicators in PSPP's FACTOR /FORMAT=SORT order
    (tests/oracles/factor_pspp_sort.py), with the loadings of those rows."""
    dataset, k = case.split("__k")
    pspp = ref(f"pspp_sort/{case}/{'rotated_loadings' if rotated else 'loadings'}.csv")
    out = udf.NQP_LOADINGS(excel_rows(DATA / f"{dataset}.csv"), float(k), None, rotated, None, None, None, True)
    assert out[0] == ["Indicator"] + [f"F{j + 1}" for j in range(int(k))]
    assert [r[0] for r in out[1:]] == list(pspp.indicator)  # the order, pinned by PSPP
    got = np.array([r[1:] for r in out[1:]], dtype=float)
    want = pspp.iloc[:, 1:].to_numpy(float)
    if rotated:  # PSPP does not sort rotated columns by sum of squares: sort them as ours are
        want = sort_rotated(want)
    close(np.abs(got), np.abs(want), what="PSPP sorted loadings")  # unrotated: eigen-solver signs
    unsorted = udf.NQP_LOADINGS(excel_rows(DATA / f"{dataset}.csv"), float(k), None, rotated)
    assert sorted(map(tuple, unsorted[1:])) == sorted(map(tuple, out[1:]))  # the same rows, reordered
    if case == "province_2022_missing__k2":
        # loads most on F1 (|0.31|) but weakly everywhere: SPSS's rule prints it after F2's block
        assert out[-1][0] == "hitech_profit_margin" and abs(out[-1][1]) > abs(out[-1][2])


def test_sorted_by_size_rule_on_a_small_matrix():
    a = np.array([[0.2, 0.9], [0.8, 0.1], [-0.95, 0.3], [0.3, 0.1], [0.1, -0.7], [0.5, 0.5]])
    # descending |F1|: rows 2 (.95), 1 (.8), 5 (.5, a tie: F1 is its first largest), 3 (.3), then
    # row 0 (.2) loads more on F2: stop; the rest by descending |F2|: rows 0 (.9), 4 (.7)
    assert fa.sorted_by_size(a).tolist() == [2, 1, 5, 3, 0, 4]
    # row 2 loads most on F1, but less on F1 than row 1 (an F2 indicator): it follows F2's block
    b = np.array([[0.9, 0.1], [0.2, 0.8], [0.15, 0.1]])
    assert fa.sorted_by_size(b).tolist() == [0, 1, 2]
    out = udf.NQP_LOADINGS(excel_rows(DATA / "province_2022.csv"), 2.0, None, True, None, None, None, "maybe")
    assert out.startswith("#NQP! ") and "sort" in out
