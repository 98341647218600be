"""What the command-line benchmarks do before timing: start as a user's second run starts."""
from __future__ import annotations

import compileall
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def byte_compiled() -> None:
    """Byte-compile nqp_xl and udfs, as an installed package is (pip compiles on install; an
    editable checkout compiles on first import unless PYTHONDONTWRITEBYTECODE is set, as it is
    on some machines), so every timed run starts as a user's second run does."""
    for folder in ("nqp_xl", "udfs"):
        compileall.compile_dir(str(ROOT / folder), quiet=1)
