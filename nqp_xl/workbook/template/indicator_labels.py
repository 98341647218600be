"""Readable names and units of the indicators (the Label and Unit rows of Inputs).

``nqp-xl new --labels FILE.csv`` reads a CSV with the columns ``column, label, unit`` (a
second header row of readable names in the data itself is taken as the labels too; a
second language may be given as ``label_zh``/``label_en`` and ``unit_zh``/``unit_en``; the
workbook's language picks one); the bundled panel ships its own
(``nqp_xl/data/china_province_labels.csv``).  Every table of the report shows the label in
place of the column header (``NQP_RELABEL``), and the Indicator system sheet lists them with
their units.
"""
from __future__ import annotations

import csv
import io
import os
from importlib import resources

from .input_table import InputError, InputTable

BUNDLED_LABELS = "china_province_labels.csv"


def read_labels(path: str, lang: str) -> dict[str, tuple[str, str]]:
    """column -> (label, unit) from a labels CSV (UTF-8 or GB18030)."""
    if not os.path.exists(path):
        raise InputError(f"{path} does not exist")
    raw = open(path, "rb").read()
    for enc in ("utf-8-sig", "gb18030"):
        try:
            return parse_labels(raw.decode(enc), lang, os.path.basename(path))
        except UnicodeDecodeError:
            continue
    raise InputError(f"{path} is neither UTF-8 nor GB18030 text; save it as CSV UTF-8")


def parse_labels(text: str, lang: str, source: str) -> dict[str, tuple[str, str]]:
    rows = list(csv.DictReader(io.StringIO(text)))
    if not rows or "column" not in (rows[0].keys() if rows else ()):
        raise InputError(f"{source}: the labels file needs a header row with the columns column, label, unit "
                         "(label_zh / label_en and unit_zh / unit_en for a second language)")
    other = "en" if lang == "zh" else "zh"

    def pick(row: dict, what: str) -> str:
        for key in (f"{what}_{lang}", what, f"{what}_{other}"):
            v = (row.get(key) or "").strip()
            if v:
                return v
        return ""

    out: dict[str, tuple[str, str]] = {}
    for row in rows:
        col = (row.get("column") or "").strip()
        if col:
            out[col] = (pick(row, "label"), pick(row, "unit"))
    return out


def bundled_labels(lang: str) -> dict[str, tuple[str, str]]:
    text = (resources.files("nqp_xl") / "data" / BUNDLED_LABELS).read_text(encoding="utf-8")
    return parse_labels(text, lang, BUNDLED_LABELS)


def apply_labels(table: InputTable, labels: dict[str, tuple[str, str]], strict: bool = True) -> None:
    """Fill ``table.labels``/``units`` from ``labels``; with ``strict`` a column the table lacks
    is an error naming it (a misspelt column would silently keep its code name)."""
    unknown = [c for c in labels if c not in table.indicators]
    if strict and unknown:
        raise InputError(f"the labels file names column{'s' if len(unknown) > 1 else ''} the table lacks: "
                         f"{', '.join(unknown[:5])}{' …' if len(unknown) > 5 else ''}")
    table.labels = [labels.get(c, ("", ""))[0] for c in table.indicators]
    table.units = [labels.get(c, ("", ""))[1] for c in table.indicators]


def take_label_row(table: InputTable) -> bool:
    """A second header row of readable names (the first data row holding text in the indicator
    columns, numbers below): it becomes the Label row and leaves the data.  Answers whether one
    was taken.  A unit may follow the name in brackets: "R&D expenditure (100 million yuan)" or
    "研发经费（亿元）" gives the label and the unit."""
    if len(table.rows) < 2 or not table.indicators:
        return False
    first = table.rows[0][table.id_cols:]
    texts = [v for v in first if isinstance(v, str) and v.strip()]
    if len(texts) < max(1, len(first) // 2) or any(isinstance(v, float) for v in first):
        return False
    below = [r[table.id_cols:] for r in table.rows[1:]]
    numeric = [j for j in range(len(first)) if any(isinstance(r[j], float) for r in below if j < len(r))]
    if len(numeric) < len(texts):  # text columns below too: not a header row over numbers
        return False
    labels, units = [], []
    for v in first:
        name, unit = _split_unit(v.strip() if isinstance(v, str) else "")
        labels.append(name)
        units.append(unit)
    table.labels, table.units = labels, units
    table.rows = table.rows[1:]
    return True


def _split_unit(text: str) -> tuple[str, str]:
    for open_, close in (("（", "）"), ("(", ")")):
        if text.endswith(close) and open_ in text:
            head, _, unit = text[:-len(close)].rpartition(open_)
            if head.strip() and unit.strip():
                return head.strip(), unit.strip()
    return text, ""


def with_bundled_labels(table: InputTable, lang: str) -> None:
    """The bundled panel's labels for a table whose indicators are all among its columns."""
    known = bundled_labels(lang)
    if table.indicators and all(c in known for c in table.indicators) and not any(table.labels):
        apply_labels(table, known, strict=False)
