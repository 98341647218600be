"""PSPP reference figures for the factor-analysis chain.

    .venv/bin/python tests/oracles/factor_pspp.py        (needs `pspp` on PATH)

For each shared dataset this writes ``tests/oracles/factor_pspp_<dataset>.sps`` (committed,
so the syntax can be read and rerun by hand), runs it with ``pspp ... -o <csv>``, keeps PSPP's
raw CSV output as ``tests/fixtures/factor/pspp/<dataset>.output.csv`` and writes the parsed
figures to ``tests/fixtures/factor/pspp/<dataset>__<rule>/*.csv``.

What we learnt about PSPP 1.6.2's FACTOR (see src/language/stats/factor.c) and how the syntax
deals with it:

* Precision: FACTOR's pivot tables format "other" figures (means, SDs, KMO, chi-square,
  eigenvalues, loadings, communalities, anti-image matrices) with the default format, so
  ``SET FORMAT=F40.16`` prints them with 16 decimals.  Correlations keep 3 decimals, Sig. 3
  decimals, "% of Variance"/"Cumulative %" 1 decimal (fixed result-class formats).
* Number of factors: without ``/CRITERIA=MINEIGEN(1)`` PSPP 1.6.2 does NOT apply the
  eigenvalue-1 rule (its min_eigen defaults to SYSMIS) and extracts p - 1 components, so the
  syntax always states MINEIGEN(1) or FACTORS(k).  There is no cumulative-variance rule:
  for ``cumvar85`` the script reads PSPP's own eigenvalues (first run) and asks FACTORS(k).
* Varimax: Kaiser's pairwise planar rotations on Kaiser-normalized loadings (as SPSS), but
  it stops after ITERATE(n) sweeps (default 25) or when a (quirky) criterion changes by less
  than RCONVERGE (an undocumented CRITERIA keyword, default 1e-4).  ITERATE only affects the
  rotation when it comes before /ROTATION.  We ask ``/CRITERIA=ITERATE(100000) RCONVERGE(0)``
  before /ROTATION, which runs the sweeps until no angle has |sin| > 1e-15 (converged); the
  ``eigen1_default`` run keeps PSPP's defaults (25 sweeps, RCONVERGE 1e-4) for the record.
* Rotated columns are reflected to a positive sum but NOT sorted by sum of squares (the
  parsed fixture keeps PSPP's order; the tests sort).
* Factor scores (/SAVE) are not implemented in PSPP's FACTOR; MSA is the diagonal of the
  anti-image correlation matrix (/PRINT=AIC).
"""
from __future__ import annotations

import csv
import io
import math
import subprocess
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
DATA = ROOT / "tests" / "fixtures" / "data"
OUT = ROOT / "tests" / "fixtures" / "factor" / "pspp"

DATASETS = ["province_2022", "province_2022_missing", "synthetic_2500"]
CONVERGED = "ITERATE(100000) RCONVERGE(0)"
PRINT = "/PRINT=UNIVARIATE INITIAL EXTRACTION ROTATION KMO CORRELATION AIC"


def get_data(dataset: str) -> tuple[str, list[str]]:
    path = DATA / f"{dataset}.csv"
    with path.open(newline="") as fh:
        header = next(csv.reader(fh))
    label, names = header[0], header[1:]
    spec = " ".join([f"{label} A60"] + [f"{n} F40.0" for n in names])
    syntax = (
        "SET FORMAT=F40.16.\n"
        f"GET DATA /TYPE=TXT /FILE='{path.relative_to(ROOT)}' /ARRANGEMENT=DELIMITED\n"
        "  /DELIMITERS=',' /QUALIFIER='\"' /FIRSTCASE=2\n"
        f"  /VARIABLES={spec}.\n"
    )
    return syntax, names


def factor_command(names: list[str], criteria: str) -> str:
    return (
        f"FACTOR /VARIABLES={names[0]} TO {names[-1]}\n"
        "  /MISSING=LISTWISE\n"
        f"  {PRINT}\n"
        "  /EXTRACTION=PC\n"
        f"  {criteria}\n"
        "  /ROTATION=VARIMAX.\n"
    )


def run_pspp(syntax: str, sps: Path) -> str:
    sps.write_text(syntax)
    out = sps.with_suffix(".tmp.csv")
    # PSPP resolves the data file relative to the working directory: run from the root.
    proc = subprocess.run(["pspp", str(sps), "-o", str(out)], cwd=ROOT,
                          capture_output=True, text=True)
    if proc.returncode != 0 or not out.exists():
        sys.exit(f"pspp failed on {sps}:\n{proc.stdout}\n{proc.stderr}")
    text = out.read_text()
    out.unlink()
    return text


def split_tables(text: str) -> list[tuple[str, list[list[str]]]]:
    """PSPP's CSV output: blocks separated by blank lines, each starting 'Table: Title'."""
    tables = []
    for block in text.replace("\r\n", "\n").split("\n\n"):
        lines = block.strip("\n").split("\n")
        if not lines or not lines[0].startswith("Table: "):
            continue
        title = lines[0][len("Table: "):]
        rows = list(csv.reader(io.StringIO("\n".join(lines[1:]))))
        tables.append((title, rows))
    return tables


def num(cell: str) -> float:
    cell = cell.strip()
    if cell == "":
        return math.nan
    if cell.endswith("%"):
        cell = cell[:-1]
    return float(cell)


def per_command(tables):
    """Group the tables of each FACTOR command (each starts with Descriptive Statistics)."""
    groups: list[dict] = []
    for title, rows in tables:
        if title == "Descriptive Statistics":
            groups.append({})
        groups[-1][title] = rows
    return groups


def write_csv(path: Path, header: list[str], rows: list[list]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", newline="") as fh:
        w = csv.writer(fh, lineterminator="\n")
        w.writerow(header)
        for row in rows:
            w.writerow([repr(v) if isinstance(v, float) else v for v in row])


def parse_command(group: dict, names: list[str], target: Path) -> dict:
    p = len(names)
    # Descriptive Statistics: ",Mean,Std. Deviation,Analysis N" then one row per variable
    rows = [r for r in group["Descriptive Statistics"] if r and r[0] in names]
    write_csv(target / "describe.csv", ["indicator", "mean", "sd", "N"],
              [[r[0], num(r[1]), num(r[2]), num(r[3])] for r in rows])
    kb = group["KMO and Bartlett's Test"]
    kmo, chi2, df, sig = (num(r[-1]) for r in kb)
    write_csv(target / "kmo_bartlett.csv", ["kmo", "chi2", "df", "sig"], [[kmo, chi2, df, sig]])
    # Correlation Matrix: header ",,v1,...,vp"; rows "Correlation,v1,..." then ",v2,..."
    corr = [r for r in group["Correlation Matrix"] if len(r) > 2 and r[1] in names]
    write_csv(target / "correlation.csv", ["indicator"] + names,
              [[r[1]] + [num(c) for c in r[2:2 + p]] for r in corr])
    # Anti-Image Matrices: 2p rows; the second block (Anti-image Correlation) has MSA_i on its diagonal
    aic = [r for r in group["Anti-Image Matrices"] if len(r) > 2 and r[1] in names]
    anti_corr = aic[p:2 * p]
    write_csv(target / "msa.csv", ["indicator", "msa"],
              [[r[1], num(r[2 + i])] for i, r in enumerate(anti_corr)])
    comm = [r for r in group["Communalities"] if r and r[0] in names]
    write_csv(target / "communalities.csv", ["indicator", "initial", "extraction"],
              [[r[0], num(r[1]), num(r[2])] for r in comm])
    tve = group["Total Variance Explained"][2:]
    write_csv(target / "variance_table.csv",
              ["Component", "Initial Total", "Initial % of Variance", "Initial Cumulative %",
               "Extraction Total", "Extraction % of Variance", "Extraction Cumulative %",
               "Rotation Total", "Rotation % of Variance", "Rotation Cumulative %"],
              [[num(r[0])] + [num(c) for c in r[1:10]] + [math.nan] * (10 - len(r)) for r in tve])
    for title, fname in (("Component Matrix", "loadings.csv"),
                         ("Rotated Component Matrix", "rotated_loadings.csv")):
        mat = group[title]
        k = len(mat[1]) - 1
        body = [r for r in mat[2:] if r and r[0] in names]
        write_csv(target / fname, ["indicator"] + [f"F{j + 1}" for j in range(k)],
                  [[r[0]] + [num(c) for c in r[1:1 + k]] for r in body])
    eig = [num(r[1]) for r in tve]
    return {"eigenvalues": eig, "k": len(group["Component Matrix"][1]) - 1}


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    for dataset in DATASETS:
        head, names = get_data(dataset)
        sps = HERE / f"factor_pspp_{dataset}.sps"
        # first pass: PSPP's own eigenvalues decide k for the 85% cumulative-variance rule
        first = run_pspp(head + factor_command(names, "/CRITERIA=MINEIGEN(1) " + CONVERGED), sps)
        eig = [num(r[1]) for r in per_command(split_tables(first))[0]["Total Variance Explained"][2:]]
        total, cum, k85 = sum(eig), 0.0, None
        for i, lam in enumerate(eig):
            cum += lam / total
            if cum >= 0.85:
                k85 = i + 1
                break
        runs = [
            ("eigen1", "/CRITERIA=MINEIGEN(1) " + CONVERGED),
            ("cumvar85", f"/CRITERIA=FACTORS({k85}) " + CONVERGED),
            ("k3", "/CRITERIA=FACTORS(3) " + CONVERGED),
            ("eigen1_default", "/CRITERIA=MINEIGEN(1) ITERATE(25)"),
        ]
        syntax = (f"* Generated by tests/oracles/factor_pspp.py for {dataset}; "
                  "run from the repository root.\n" + head)
        for rule, criteria in runs:
            syntax += f"* rule {rule}.\n" + factor_command(names, criteria)
        text = run_pspp(syntax, sps)
        (OUT / f"{dataset}.output.csv").write_text(text)
        groups = per_command(split_tables(text))
        assert len(groups) == len(runs), (dataset, len(groups))
        for (rule, _), group in zip(runs, groups):
            info = parse_command(group, names, OUT / f"{dataset}__{rule}")
            print(dataset, rule, "k =", info["k"])


if __name__ == "__main__":
    main()
