"""nqp-xl: evaluation of new quality productive forces (新质生产力), as SPSS and the papers do it.

The core library: pure Python on numpy, scipy, pandas and scikit-learn.  It
never imports xlwings; every function accepts a pandas DataFrame, a numpy array or a range
as xlwings hands it over, through :func:`nqp_xl.table.check_table`.
"""
from ._version import __version__
from .errors import NQPError
from .table import Table, check_table

__all__ = ["__version__", "NQPError", "Table", "check_table"]
