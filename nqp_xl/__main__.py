"""``python -m nqp_xl``: the nqp-xl command line (for a PC whose Scripts folder is not on PATH)."""
import sys

from .workbook.commands.cli import main

sys.exit(main())
