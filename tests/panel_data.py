"""The bundled panel as xlwings hands it over (header row, floats, None for blanks)."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd

ROOT = Path(__file__).resolve().parent.parent
PANEL_CSV = ROOT / "nqp_xl" / "data" / "china_province_panel.csv"
PANEL = pd.read_csv(PANEL_CSV)


def as_range(df: pd.DataFrame) -> list[list]:
    body = df.astype(object).where(df.notna(), None).values.tolist()
    body = [[float(v) if isinstance(v, (int, float, np.integer, np.floating)) and not isinstance(v, bool) else v
             for v in r] for r in body]
    return [list(map(str, df.columns))] + body


RANGE = as_range(PANEL)


def column(name: str, rows: list[list] = RANGE) -> list[list]:
    j = rows[0].index(name)
    return [[r[j]] for r in rows]
