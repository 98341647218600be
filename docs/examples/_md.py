"""Small helpers shared by the worked examples: Markdown tables from computed numbers."""
from __future__ import annotations

import math
import sys
from pathlib import Path
from typing import Any, Iterable, Sequence

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent.parent


def cell(value: Any, digits: int = 3) -> str:
    """One table cell: numbers to ``digits`` decimals, whole numbers as such, blanks empty."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    try:
        x = float(value)
    except (TypeError, ValueError):
        return str(value).replace("|", "\\|")
    if math.isnan(x):
        return ""
    if x != 0 and abs(x) < 10 ** (-digits):
        return f"{x:.{digits}g}" if abs(x) >= 1e-4 else f"{x:.2e}"
    return f"{x:.{digits}f}"


def table(header: Sequence[str], rows: Iterable[Sequence[Any]], digits: int | Sequence[int] = 3,
          align: str | None = None) -> str:
    """A Markdown table; ``digits`` per column or for all; ``align``: one l/r per column
    (default: first column left, the others right)."""
    header = list(header)
    n = len(header)
    dig = list(digits) if isinstance(digits, (list, tuple)) else [digits] * n
    align = align or ("l" + "r" * (n - 1))
    rule = ["---:" if a == "r" else "---" for a in align]
    lines = ["| " + " | ".join(header) + " |", "|" + "|".join(rule) + "|"]
    for row in rows:
        lines.append("| " + " | ".join(cell(v, d) for v, d in zip(row, dig)) + " |")
    return "\n".join(lines)


def write(path: Path, parts: Sequence[str]) -> None:
    """Write the page; with ``--check`` only compare, and exit 1 when the page is stale."""
    text = "\n\n".join(p.strip("\n") for p in parts) + "\n"
    if "--check" in sys.argv:
        if not path.exists() or path.read_text(encoding="utf-8") != text:
            sys.exit(f"{path.relative_to(ROOT)} is stale: run python {path.with_suffix('.py').relative_to(ROOT)}")
        print(f"{path.relative_to(ROOT)} is up to date")
        return
    path.write_text(text, encoding="utf-8")
    print(f"wrote {path.relative_to(ROOT)}")
