"""Kept for ``template.py``'s column letters; the workbook layer is package.py and cells.py."""
from .cells import col_letters  # noqa: F401
