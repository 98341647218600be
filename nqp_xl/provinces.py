"""China's 31 provincial-level regions: the names users type, and the bundled spatial weights.

Users write a province as its short Chinese name (北京, 内蒙古), its full name (北京市,
内蒙古自治区) or in English (Beijing, Inner Mongolia, "Guangxi Zhuang Autonomous Region");
:func:`region_key` turns each of these into one key so that a weights matrix in one form
matches data in another.  Names that are not provinces (counties, cities) keep their own
text, compared without case and surrounding spaces.

The bundled weights (``nqp_xl/data/china_province_weights_*.csv``, written by
``nqp_xl/data/make_weights.py``; sources and licences in ``nqp_xl/data/README.md``):

* ``"contiguity"``: 1 where two provinces share a land border, Hainan linked to Guangdong
  (the usual convention for the island province; some studies also link it to Guangxi);
* ``"distance"``: 1/d_ij, d the great-circle distance in km between provincial capitals.
"""
from __future__ import annotations

import csv
import re
import unicodedata
from functools import lru_cache
from importlib import resources

__all__ = ["PROVINCES", "region_key", "bundled_weights", "WEIGHTS_KINDS"]

# short Chinese name, full Chinese name, English name, other spellings
PROVINCES: tuple[tuple[str, ...], ...] = (
    ("北京", "北京市", "Beijing"),
    ("天津", "天津市", "Tianjin"),
    ("河北", "河北省", "Hebei"),
    ("山西", "山西省", "Shanxi"),
    ("内蒙古", "内蒙古自治区", "Inner Mongolia", "Nei Mongol", "Neimenggu"),
    ("辽宁", "辽宁省", "Liaoning"),
    ("吉林", "吉林省", "Jilin"),
    ("黑龙江", "黑龙江省", "Heilongjiang"),
    ("上海", "上海市", "Shanghai"),
    ("江苏", "江苏省", "Jiangsu"),
    ("浙江", "浙江省", "Zhejiang"),
    ("安徽", "安徽省", "Anhui"),
    ("福建", "福建省", "Fujian"),
    ("江西", "江西省", "Jiangxi"),
    ("山东", "山东省", "Shandong"),
    ("河南", "河南省", "Henan"),
    ("湖北", "湖北省", "Hubei"),
    ("湖南", "湖南省", "Hunan"),
    ("广东", "广东省", "Guangdong"),
    ("广西", "广西壮族自治区", "Guangxi", "广西自治区", "Guangxi Zhuang"),
    ("海南", "海南省", "Hainan"),
    ("重庆", "重庆市", "Chongqing"),
    ("四川", "四川省", "Sichuan"),
    ("贵州", "贵州省", "Guizhou"),
    ("云南", "云南省", "Yunnan"),
    ("西藏", "西藏自治区", "Tibet", "Xizang"),
    ("陕西", "陕西省", "Shaanxi"),
    ("甘肃", "甘肃省", "Gansu"),
    ("青海", "青海省", "Qinghai"),
    ("宁夏", "宁夏回族自治区", "Ningxia", "Ningxia Hui"),
    ("新疆", "新疆维吾尔自治区", "Xinjiang", "Xinjiang Uygur", "Xinjiang Uyghur"),
)

# English administrative words that may follow a name ("Hebei Province", "Tibet Autonomous Region")
_EN_SUFFIX = re.compile(r"(province|municipality|autonomousregion|specialadministrativeregion|sheng|shi|zizhiqu)$")


def _plain(name: str) -> str:
    """Case, width and spacing folded: "  Inner-Mongolia " -> "innermongolia"."""
    text = unicodedata.normalize("NFKC", str(name)).strip().casefold()
    return re.sub(r"[\s\-_'’.·]", "", text)


@lru_cache(maxsize=1)
def _aliases() -> dict[str, str]:
    table: dict[str, str] = {}
    for forms in PROVINCES:
        for form in forms:
            table[_plain(form)] = forms[0]
    return table


def region_key(name: object) -> str:
    """One key per region: a province's short Chinese name for any of its forms, else the
    name itself folded (case, width, spaces).  "北京市", "Beijing" and "北京" all give "北京"."""
    plain = _plain(str(name))
    table = _aliases()
    if plain in table:
        return table[plain]
    stripped = _EN_SUFFIX.sub("", plain)
    return table.get(stripped, plain)


WEIGHTS_KINDS = ("contiguity", "distance")


@lru_cache(maxsize=2)
def _read_weights(kind: str) -> tuple[tuple, ...]:
    path = resources.files("nqp_xl").joinpath(f"data/china_province_weights_{kind}.csv")
    with path.open("r", encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    out = [tuple([""] + rows[0][1:])]
    for row in rows[1:]:
        out.append(tuple([row[0]] + [float(v) for v in row[1:]]))
    return tuple(out)


def bundled_weights(kind: str = "contiguity", lang: str | None = "zh") -> list[list]:
    """The bundled 31-province weights as sheet rows: a corner cell "", the names across the
    first row and down the first column, then the numbers (a "Weights" sheet, or the
    ``weights`` argument of ``NQP_MORAN``/``NQP_LISA``).

    ``kind``: "contiguity" (0/1, Hainan-Guangdong linked) or "distance" (1/km between capitals).
    ``lang``: "zh" names as in the bundled panel (北京 ...), "en" English names.
    """
    if kind not in WEIGHTS_KINDS:
        raise ValueError(f"kind must be one of {WEIGHTS_KINDS}, not {kind!r}")
    rows = [list(r) for r in _read_weights(kind)]
    if lang == "en":
        english = {forms[0]: forms[2] for forms in PROVINCES}
        rows[0] = [""] + [english[n] for n in rows[0][1:]]
        for r in rows[1:]:
            r[0] = english[r[0]]
    return rows
