"""Combined subjective and objective weights (``NQP_WEIGHTS(..., "combined")``).

A subjective weight s_j per indicator (typed, or the Weight column of ``NQP_AHP``, matched by
indicator name) is combined with the entropy weight e_j of the data
(:func:`nqp_xl.composite.entropy_weights`) by one of the two rules of the literature:

* product ("multiplicative synthesis", 乘法合成): w_j = s_j e_j / Σ_k s_k e_k
* α-mixing (linear, 线性加权): w_j = α s_j + (1 − α) e_j, α ∈ [0, 1] the subjective share

The method names the rule: "combined" or "combined:product" is the product rule;
"combined:mix" mixes with ``alpha`` (default 0.5); "combined:0.3" mixes with α = 0.3.
Subjective weights are normalised to sum to 1 first, as every given weight is.
"""
from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import numpy as np

from .composite import Weights, entropy_weights, given_weights
from .errors import NQPError
from .labels import resolve_lang, text
from .options import is_empty, unwrap

__all__ = ["CombinedWeights", "combined_weights", "is_combined"]


def is_combined(method: Any) -> bool:
    """True for a method text that starts with "combined"."""
    value = unwrap(method)
    return isinstance(value, str) and value.strip().lower().startswith("combined")


@dataclass(frozen=True, eq=False)
class CombinedWeights:
    """Subjective, entropy and combined weights (each sums to 1)."""

    objective: Weights
    subjective: np.ndarray
    weights: np.ndarray
    rule: str
    alpha: float | None = None

    @property
    def names(self) -> tuple[str, ...]:
        return self.objective.names

    def to_rows(self, lang: str | None = None) -> list[list]:
        """Indicator | Weight (combined) | Subjective weight | Entropy weight."""
        lang = resolve_lang(lang)
        head = [text(h, lang) for h in ("Indicator", "Weight", "Subjective weight", "Entropy weight")]
        return [head] + [[n, float(w), float(s), float(e)] for n, w, s, e in
                         zip(self.names, self.weights.tolist(), self.subjective.tolist(),
                             self.objective.weights.tolist())]


def _rule(method: Any, alpha: Any) -> tuple[str, float | None]:
    spec = str(unwrap(method)).strip().lower()
    rest = spec[len("combined"):].lstrip(":").strip()
    a = unwrap(alpha)
    if rest in ("", "product"):
        if rest == "" and not is_empty(a):
            rest = "mix"  # an alpha beside plain "combined" asks for mixing
        else:
            return "product", None
    if rest == "mix":
        value = 0.5 if is_empty(a) else a
    else:
        value = rest
    try:
        x = float(value)
    except (TypeError, ValueError):
        raise NQPError(f'method="{unwrap(method)}" is not known; use "combined:product", "combined:mix" '
                       '(with alpha) or "combined:0.5"') from None
    if not math.isfinite(x) or not 0 <= x <= 1:
        raise NQPError(f"alpha={value} must be between 0 and 1 (the share of the subjective weights)")
    return "mix", x


def combined_weights(data: Any, method: Any = "combined", directions: Any = None, subjective: Any = None,
                     alpha: Any = None, *, shift: Any = 0, id_cols: Any = None,
                     missing: Any = None) -> CombinedWeights:
    """Subjective weights with the entropy weights by the rule the method names (module docstring)."""
    rule, a = _rule(method, alpha)
    if is_empty(subjective):
        raise NQPError('method "combined" needs subjective weights: one per indicator, e.g. the weights '
                       "NQP_AHP answers (the subjective argument)")
    e = entropy_weights(data, directions, shift, id_cols=id_cols, missing=missing)
    s = given_weights(subjective, e.table, e.directions).weights
    if rule == "product":
        w = s * e.weights
        if not w.sum() > 0:
            raise NQPError("the product of the subjective and entropy weights is 0 for every indicator; "
                           'use "combined:mix"')
        w = w / w.sum()
    else:
        w = a * s + (1 - a) * e.weights
    return CombinedWeights(objective=e, subjective=s, weights=w, rule=rule, alpha=a)
