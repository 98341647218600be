"""Make the shared test datasets in tests/fixtures/data/ (run once; outputs are committed).

* province_2022.csv   31 provinces x 15 indicators, 2022, complete (the "province table")
* province_2022_missing.csv  31 provinces x 20 indicators, 2022, with the panel's real gaps
* synthetic_2500.csv  2,500 rows x 12 indicators from a seeded 3-factor model (> 2,000 rows)
* panel_2016_2023.csv the whole panel, region | year | 20 indicators (for panel methods)
"""
from pathlib import Path

import numpy as np
import pandas as pd

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
OUT = ROOT / "tests" / "fixtures" / "data"

INDICATORS_15 = [
    "rd_personnel_fte", "rd_expenditure", "rd_intensity", "gov_sci_tech_spending",
    "gov_education_spending", "basic_research_spending", "invention_patent_applications",
    "valid_invention_patents", "tech_market_outflow", "ind_rd_institutions",
    "ind_rd_personnel_fte", "ind_rd_expenditure", "ind_new_product_dev_spending",
    "hitech_enterprises", "hitech_revenue",
]


def main() -> None:
    OUT.mkdir(parents=True, exist_ok=True)
    panel = pd.read_csv(ROOT / "nqp_xl" / "data" / "china_province_panel.csv")
    indicators = list(panel.columns[4:])
    y22 = panel[panel.year == 2022].rename(columns={"province_en": "region_name"})
    y22[["region_name"] + INDICATORS_15].to_csv(OUT / "province_2022.csv", index=False)
    y22[["region_name"] + indicators].to_csv(OUT / "province_2022_missing.csv", index=False)
    panel[["province_en", "year"] + indicators].to_csv(OUT / "panel_2016_2023.csv", index=False)

    rng = np.random.default_rng(20261123)
    n, p, k = 2500, 12, 3
    loadings = rng.uniform(0.4, 0.9, size=(p, k)) * (rng.random((p, k)) < 0.45)
    loadings[np.arange(p), np.arange(p) % k] = rng.uniform(0.6, 0.9, size=p)
    factors = rng.standard_normal((n, k))
    noise = rng.standard_normal((n, p)) * 0.5
    x = factors @ loadings.T + noise
    x = 50 + 10 * x  # positive, indicator-like scale
    frame = pd.DataFrame(np.round(x, 6), columns=[f"x{j + 1}" for j in range(p)])
    frame.insert(0, "unit", [f"county{i + 1:04d}" for i in range(n)])
    frame.to_csv(OUT / "synthetic_2500.csv", index=False)


if __name__ == "__main__":
    main()
