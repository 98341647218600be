"""The bundled provincial panel (like ``sklearn.datasets``: package data, read-only).

31 provinces of mainland China × 2016–2023, official science, technology and industry
statistics as compiled in the R package ``techme`` by Hu Huaping (MIT licence); see
``nqp_xl/data/README.md`` for the columns and units.
"""
from __future__ import annotations

from importlib import resources

import pandas as pd

NQP_INDICATORS = [
    "rd_personnel_fte", "rd_expenditure", "rd_intensity", "gov_sci_tech_spending",
    "gov_education_spending", "basic_research_spending", "invention_patent_applications",
    "valid_invention_patents", "tech_market_outflow",
]
"""The first nine indicators: new quality productive forces (talent, funding, knowledge, markets)."""

UPGRADING_INDICATORS = [
    "ind_rd_institutions", "ind_rd_personnel_fte", "ind_rd_expenditure",
    "ind_new_product_dev_spending", "ind_new_product_sales", "ind_new_product_exports",
    "ind_tech_renovation_spending", "hitech_enterprises", "hitech_revenue", "hitech_profit",
    "hitech_profit_margin",
]
"""The ``ind_*`` and ``hitech_*`` columns: manufacturing transformation and upgrading."""


def load_panel() -> pd.DataFrame:
    """The panel as a DataFrame: province, province_en, region, year, then 20 indicators."""
    with resources.files("nqp_xl").joinpath("data/china_province_panel.csv").open("rb") as fh:
        return pd.read_csv(fh)
