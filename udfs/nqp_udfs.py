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
from nqp_xl.errors import NQPError, as_cell_text
from nqp_xl.labels import text

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
    if isinstance(result, np.ndarray):
        result = result.tolist()
    if isinstance(result, (list, tuple)):
        rows = [r.tolist() if isinstance(r, np.ndarray) else r for r in result]
        return [[_clean(v) for v in r] if isinstance(r, (list, tuple)) else [_clean(r)] for r in rows]
    return _clean(result)


def _answer(compute: Callable[[], Any], function: str) -> Any:
    """Run ``compute`` and answer its value, or a ``#NQP!`` text; never a traceback."""
    try:
        return _to_excel(compute())
    except NQPError as err:
        return err.as_cell()
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


# ----------------------------------------------------------------------------- grades
# (NQP_CLUSTER)


# ----------------------------------------------------------------------------- composite indices
# (NQP_STANDARDIZE, NQP_WEIGHTS, NQP_INDEX, NQP_TOPSIS, NQP_OBSTACLE)


# ----------------------------------------------------------------------------- coupling coordination
# (NQP_COUPLING)


# ----------------------------------------------------------------------------- regional disparity
# (NQP_GINI, NQP_THEIL)


# ----------------------------------------------------------------------------- simultaneous equations
# (NQP_3SLS)


__all__ = sorted(name for name in globals() if name.startswith("NQP_"))
