"""Analytic hierarchy process (AHP): weights from a pairwise comparison matrix (``NQP_AHP``).

Saaty (1977, 1980).  A is an n × n positive reciprocal matrix, a_ij the importance of criterion
i over criterion j (Saaty's 1–9 scale), a_ji = 1/a_ij, a_ii = 1::

    A w = λmax w        (the principal eigenvector, scaled to Σ w = 1)
    CI  = (λmax − n) / (n − 1)
    CR  = CI / RI(n)    consistent when CR < 0.1 (flagged, never refused)

RI is Saaty's random index as printed in Saaty (1980), *The Analytic Hierarchy Process*,
McGraw-Hill, Table 1.7 extended to n = 15 (the values SPSSAU, MATLAB's ``ahp`` examples and
most Chinese textbooks print)::

    n   1    2    3     4     5     6     7     8     9     10    11    12    13    14    15
    RI  0    0    0.58  0.90  1.12  1.24  1.32  1.41  1.45  1.49  1.51  1.48  1.56  1.57  1.59

For n ≤ 2 every reciprocal matrix is consistent: CI = 0 and CR is reported as 0.

The matrix may carry criterion names across its first row and down its first column; its cells
may be numbers or fractions typed as text ("1/3").  A reciprocal pair is accepted when
|a_ij · a_ji − 1| ≤ 0.01, so 0.333 for 1/3 passes; anything else is refused naming the cell.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .columns import range_rows
from .errors import NQPError
from .labels import resolve_lang, text

__all__ = ["RANDOM_INDEX", "RECIPROCAL_TOLERANCE", "AHPResult", "ahp"]

RANDOM_INDEX = (0.0, 0.0, 0.58, 0.90, 1.12, 1.24, 1.32, 1.41, 1.45, 1.49, 1.51, 1.48, 1.56, 1.57, 1.59)
RECIPROCAL_TOLERANCE = 0.01


@dataclass(frozen=True, eq=False)
class AHPResult:
    """Weights (Σ = 1), λmax, CI, RI, CR of one pairwise comparison matrix."""

    names: tuple[str, ...]
    matrix: np.ndarray
    weights: np.ndarray
    lambda_max: float
    ci: float
    ri: float
    cr: float

    @property
    def consistent(self) -> bool:
        """Saaty's rule: CR < 0.1."""
        return self.cr < 0.1

    def to_rows(self, lang: str | None = None) -> list[list]:
        """Criterion | Weight, one row per criterion, then λmax, CI, RI, CR and the verdict."""
        lang = resolve_lang(lang)
        rows: list[list] = [[text("Criterion", lang), text("Weight", lang)]]
        rows += [[n, float(w)] for n, w in zip(self.names, self.weights.tolist())]
        rows += [[text(k, lang), float(v)] for k, v in
                 (("λmax", self.lambda_max), ("CI", self.ci), ("RI", self.ri), ("CR", self.cr))]
        verdict = "Yes" if self.consistent else "No (revise the judgements)"
        rows.append([text("Consistent (CR < 0.1)", lang), text(verdict, lang)])
        return rows


def _cell_number(v: Any, where: str) -> float:
    if isinstance(v, bool) or v is None or (isinstance(v, str) and not v.strip()):
        raise NQPError(f"the comparison matrix has a blank or logical cell at {where}; every cell needs a positive number")
    if isinstance(v, (int, float, np.integer, np.floating)):
        x = float(v)
    else:
        s = str(v).strip()
        try:
            if "/" in s:
                num, den = s.split("/", 1)
                x = float(num) / float(den)
            else:
                x = float(s)
        except (ValueError, ZeroDivisionError):
            raise NQPError(f'the comparison matrix holds "{s}" at {where}, not a number such as 3 or 1/3') from None
    if not math.isfinite(x) or x <= 0:
        raise NQPError(f"the comparison matrix holds {v} at {where}; judgements must be positive (Saaty's 1-9 scale)")
    return x


def _parse(matrix: Any) -> tuple[tuple[str, ...], np.ndarray]:
    rows = range_rows(matrix)
    named = (len(rows) >= 2 and len(rows[0]) >= 2 and isinstance(rows[1][0], str)
             and not _looks_numeric(rows[1][0]))
    if named:
        names = tuple(str(r[0]).strip() for r in rows[1:])
        body = [r[1:] for r in rows[1:]]
        off_r, off_c = 2, 2
    else:
        body = rows
        names = tuple(f"C{i + 1}" for i in range(len(rows)))
        off_r, off_c = 1, 1
    n = len(body)
    if n != len(body[0]):
        raise NQPError(f"the comparison matrix must be square; it has {n} rows and {len(body[0])} columns"
                       + (" of judgements" if named else ""))
    a = np.array([[_cell_number(v, f"row {i + off_r}, column {j + off_c}") for j, v in enumerate(r)]
                  for i, r in enumerate(body)])
    return names, a


def _looks_numeric(s: str) -> bool:
    t = s.strip()
    if "/" in t:
        t = t.replace("/", "", 1)
    try:
        float(t)
        return True
    except ValueError:
        return False


def _check_reciprocal(names: tuple[str, ...], a: np.ndarray) -> None:
    n = a.shape[0]
    for i in range(n):
        if abs(a[i, i] - 1.0) > RECIPROCAL_TOLERANCE:
            raise NQPError(f'the diagonal cell of "{names[i]}" is {a[i, i]:g}; a criterion compared with itself is 1')
    bad = np.abs(a * a.T - 1.0) > RECIPROCAL_TOLERANCE + 1e-12
    if bad.any():
        i, j = (int(v) for v in np.argwhere(np.triu(bad, 1))[0])
        raise NQPError(f'the matrix is not reciprocal: "{names[i]}" over "{names[j]}" is {a[i, j]:g} but '
                       f'"{names[j]}" over "{names[i]}" is {a[j, i]:g} (should be {1 / a[i, j]:.4g})')


def ahp(matrix: Any) -> AHPResult:
    """Saaty's eigenvector weights and consistency ratio of a pairwise comparison matrix."""
    names, a = _parse(matrix)
    n = a.shape[0]
    if n > len(RANDOM_INDEX):
        raise NQPError(f"the comparison matrix has {n} criteria; Saaty's random index covers at most "
                       f"{len(RANDOM_INDEX)}: split the criteria into groups (a hierarchy)")
    _check_reciprocal(names, a)
    values, vectors = np.linalg.eig(a)
    k = int(np.argmax(values.real))
    lam = float(values[k].real)
    w = np.abs(vectors[:, k].real)  # Perron vector: one sign throughout
    w = w / w.sum()
    ri = RANDOM_INDEX[n - 1]
    ci = (lam - n) / (n - 1) if n > 2 else 0.0
    cr = ci / ri if ri > 0 else 0.0
    return AHPResult(names=names, matrix=a, weights=w, lambda_max=lam, ci=ci, ri=ri, cr=cr)
