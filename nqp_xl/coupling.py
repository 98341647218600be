"""The coupling coordination degree model (耦合协调度模型) of n ≥ 2 subsystems.

Input: one column per subsystem, holding its development index U_i ∈ [0, 1] (e.g. an entropy
composite index from :func:`nqp_xl.composite.composite_index`), one row per region or
region-year.  For each row (SPEC.md, "Coupling coordination"):

Standard model (the textbook form)::

    C = n (∏_i U_i)^(1/n) / Σ_i U_i          (two systems: C = 2√(U1 U2) / (U1 + U2))

Corrected model ``model="wang"`` (Wang Shujia, Kong Wei, Ren Lang, Zhi Dandan, Wang Bingtao
2021, "Research on misuses and modification of coupling coordination degree model in China",
Journal of Natural Resources 36(3): 793–810, doi:10.31497/zrzyxb.20210319)::

    C = √{ [1 − Σ_{i>j} |U_i − U_j| / Σ_{m=1}^{n−1} m] · [∏_i (U_i / max_j U_j)]^(1/(n−1)) }
    two systems: C = √[(1 − |U1 − U2|) · U_min / U_max]

Then, for both::

    T = Σ_i a_i U_i   (a_i = 1/n unless ``weights`` are given; given weights are normalised
                       to sum to 1, so 0.5/0.5, 1/1 and 50/50 all mean equal importance)
    D = √(C · T)

Level = 1 for D ∈ [0, 0.1), 2 for [0.1, 0.2), …, 10 for [0.9, 1] (the ten-class table of
廖重斌 1999 used by nearly every NQP paper, e.g. Table 1 of the manufacturing paper in
docs/papers).  D is rounded to 9 decimals before classing, so a D that is 0.3 up to
floating-point noise is level 4, as a reader of the printed figure expects.

Relative type (two systems only), by ``rule`` (SPEC Part 3, "Coupling type"):

* "ratio" (default): U1/U2 within [0.8, 1.25] → "Synchronous" (同步型); above 1.25 →
  "U2 lagging" (U2 滞后型); below 0.8 → "U1 lagging".  The band is symmetric (0.8 = 1/1.25):
  one subsystem at most a quarter above the other.  A ratio does not call two tiny indices
  synchronous because both are near 0 (most U of a panel are below 0.1); U2 = 0 < U1 is
  "U2 lagging", and U1 = U2 = 0 is synchronous.
* "difference": |U1 − U2| ≤ 0.1 → "Synchronous", else the lower one lags (the fixed gap
  on the common [0, 1] scale that much of the literature uses).

Ratios and gaps are rounded to 12 decimals first, so a boundary (0.8, 1.25, 0.1) up to
floating-point noise is synchronous.  With a header the systems' names replace U1 / U2.

Refused, naming the region and the system: a U outside [0, 1] (beyond 1e-9 of rounding noise,
which is clipped); fewer than two systems; non-numeric cells (by :func:`nqp_xl.table.check_table`).
A single zero U (with others positive) is allowed: C = 0 and D = 0 in both models.  A row whose
U are all zero (C = 0/0) answers C = 0, T = 0, D = 0 (level 1): D ≤ √T = 0 whatever C is, and
C = 0 is its value as any one U reaches 0 first.  Such rows are common in a panel, whose
min-max normalisation gives the region lowest on every indicator of a subsystem in the first
year U = 0 in each.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import numpy as np

from .errors import NQPError
from .excel_answer import cells
from .labels import resolve_lang, text, texts
from .options import choice, flatten, is_blank
from .table import Table, check_table

MODELS = ("standard", "wang")
TYPE_RULES = ("ratio", "difference")
SYNC_GAP = 0.1  # the "difference" rule: |U1 - U2| <= 0.1
SYNC_RATIO = 1.25  # the "ratio" rule: 1/1.25 <= U1/U2 <= 1.25

GRADES = (
    "Extreme imbalance", "Serious imbalance", "Moderate imbalance", "Mild imbalance",
    "On the verge of imbalance", "Barely coordinated", "Primary coordination",
    "Intermediate coordination", "Good coordination", "Quality coordination",
)

__all__ = ["MODELS", "TYPE_RULES", "GRADES", "SYNC_GAP", "SYNC_RATIO", "lag_side", "Coupling", "coupling", "coupling_degree", "level", "grade"]


def level(d: Any) -> np.ndarray:
    """The 1–10 class of coupling coordination degrees D ∈ [0, 1] (as floats)."""
    d = np.asarray(d, dtype=float)
    return np.clip(np.floor(np.round(d, 9) * 10.0) + 1.0, 1.0, 10.0)


def grade(lvl: Any, lang: str | None = "en") -> list[str]:
    """The grade names of levels 1–10 in ``lang``."""
    names = texts(GRADES, lang)
    return np.array(names, dtype=object)[np.atleast_1d(lvl).astype(int) - 1].tolist()


def coupling_degree(u: np.ndarray, model: str = "standard") -> np.ndarray:
    """C for each row of ``u`` (m × n, values in [0, 1]); 0 for a row all zero (0/0)."""
    u = np.asarray(u, dtype=float)
    n = u.shape[1]
    zero = ~(u > 0).any(axis=1)
    safe = np.where(zero[:, None], 1.0, u)  # any positive row: its C is replaced below
    if model == "standard":
        c = n * np.prod(safe, axis=1) ** (1.0 / n) / safe.sum(axis=1)
    else:
        i, j = np.triu_indices(n, 1)
        spread = np.abs(safe[:, i] - safe[:, j]).sum(axis=1) / (n * (n - 1) / 2.0)
        ratio = np.prod(safe / safe.max(axis=1, keepdims=True), axis=1) ** (1.0 / (n - 1))
        c = np.sqrt(np.clip(1.0 - spread, 0.0, None) * ratio)
    return np.where(zero, 0.0, c)


def lag_side(u1: Any, u2: Any, rule: str = "ratio") -> np.ndarray:
    """Per row: 0 = U1 lags, 1 = synchronous, 2 = U2 lags, by ``rule`` ("ratio" or "difference")."""
    u1, u2 = np.asarray(u1, dtype=float), np.asarray(u2, dtype=float)
    if rule == "difference":
        gap = np.round(u1 - u2, 12)  # 0.1 exactly is synchronous despite floating-point noise
        return 1 + (gap > SYNC_GAP).astype(int) - (gap < -SYNC_GAP).astype(int)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(u2 > 0, u1 / np.where(u2 > 0, u2, 1.0), np.where(u1 > 0, np.inf, 1.0))
    ratio = np.round(ratio, 12)  # 0.8 and 1.25 exactly are synchronous despite noise
    return 1 + (ratio > SYNC_RATIO).astype(int) - (ratio < 1.0 / SYNC_RATIO).astype(int)


@dataclass(frozen=True, eq=False)
class Coupling:
    """C, T, D per complete row of ``table``; ``level``, ``grade()``, ``relative_type()``."""

    table: Table
    model: str
    weights: np.ndarray
    C: np.ndarray
    T: np.ndarray
    D: np.ndarray
    rule: str = "ratio"

    @cached_property
    def level(self) -> np.ndarray:
        return level(self.D)

    def grade(self, lang: str | None = None) -> list[str]:
        return grade(self.level, lang)

    @property
    def n_systems(self) -> int:
        return int(self.weights.shape[0])

    def to_rows(self, lang: str | None = None) -> list[list]:
        """C, T, D, Level, Grade (and Type for two systems) beside the table, aligned with the input."""
        kinds = self.relative_type(lang)
        header = ["C", "T", "D", "Level", "Grade"] + (["Type"] if kinds is not None else [])
        numbers = np.column_stack([self.C, self.T, self.D, self.level])
        return cells(self.table, numbers, texts(header, lang), [self.grade(lang)] + ([kinds] if kinds is not None else []))

    def relative_type(self, lang: str | None = None) -> list[str] | None:
        """For two systems: "<U1> lagging", "Synchronous" or "<U2> lagging" per row, by ``rule``."""
        if self.n_systems != 2:
            return None
        lang = resolve_lang(lang)
        names = self.table.names[:2]
        if not self.table.has_header or len(set(names)) < 2:  # e.g. two columns both headed "Index"
            names = ("U1", "U2")

        def lagging(name: str) -> str:
            return f"{name}{text('lagging', 'zh')}" if lang == "zh" else f"{name} {text('lagging', 'en')}"

        sync = text("Synchronous", lang)
        first, second = lagging(names[0]), lagging(names[1])
        side = lag_side(self.table.values[:, 0], self.table.values[:, 1], self.rule)
        return np.array([first, sync, second], dtype=object)[side].tolist()


_TOL = 1e-9


def _where(table: Table, i: int) -> str:
    """The i-th complete row in the user's words: region "Beijing 2016", or row 5."""
    name = table.kept_names[i]
    return f'region "{name}"' if table.labels else name


def _system_weights(weights: Any, table: Table) -> np.ndarray:
    n = table.values.shape[1]
    if isinstance(weights, np.ndarray):
        weights = weights.tolist()
    cells = [c for c in flatten(weights) if not is_blank(c)]
    if not cells:
        return np.full(n, 1.0 / n)
    if len(cells) != n:
        raise NQPError(f"weights has {len(cells)} numbers but there are {n} subsystems; "
                       "give one weight per subsystem column, or leave weights empty for equal weights")
    names = table.names
    w = np.empty(n)
    for j, c in enumerate(cells):
        if isinstance(c, bool) or not isinstance(c, (int, float, np.integer, np.floating)):
            raise NQPError(f'the weight of subsystem "{names[j]}" is "{c}", not a number')
        w[j] = float(c)
        if not math.isfinite(w[j]) or w[j] < 0:
            raise NQPError(f'the weight of subsystem "{names[j]}" is {c}; weights must be non-negative')
    if not w.sum() > 0:
        raise NQPError("the subsystem weights are all zero; give at least one positive weight")
    return w / w.sum()


def coupling(systems: Any, weights: Any = None, model: Any = "standard", *, id_cols: Any = None,
             missing: Any = None, rule: Any = "ratio") -> Coupling:
    """The coupling coordination degree of the subsystem columns of ``systems``.

    ``weights``: one a_i per subsystem (normalised to sum 1), default equal; ``model``:
    "standard" (default) or "wang"; ``rule``: the relative type's rule, "ratio" (default) or
    "difference".  See the module docstring for the formulas.
    """
    how = choice(model, "model", MODELS, "standard")
    type_rule = choice(rule, "rule", TYPE_RULES, "ratio")
    t = check_table(systems, id_cols=id_cols, missing=missing)
    n = t.values.shape[1]
    if n < 2:
        raise NQPError(f"coupling coordination needs at least 2 subsystem columns (one index U per "
                       f"subsystem); the range has {n}")
    u = t.values
    bad = (u < -_TOL) | (u > 1 + _TOL)
    if bad.any():
        i, j = map(int, np.argwhere(bad)[0])
        raise NQPError(f'subsystem "{t.names[j]}", {_where(t, i)} has U = {u[i, j]:.10g}; '
                       "subsystem indices must lie in [0, 1] (make them with NQP_INDEX)")
    if ((u < 0) | (u > 1)).any():  # rounding noise of an index computed elsewhere
        u = np.clip(u, 0.0, 1.0)
    a = _system_weights(weights, t)
    c = coupling_degree(u, how)
    tt = u @ a
    d = np.sqrt(c * tt)
    for arr in (a, c, tt, d):
        arr.setflags(write=False)
    return Coupling(table=t, model=how, weights=a, C=c, T=tt, D=d, rule=type_rule)
