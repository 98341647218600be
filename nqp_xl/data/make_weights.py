"""Write the bundled 31-province spatial weights (run from the repository root):

    python nqp_xl/data/make_weights.py

Outputs, beside this script (UTF-8 CSV, names in the first row and column, in the order of
``nqp_xl.provinces.PROVINCES``, the short Chinese names of the bundled panel):

* ``china_province_weights_contiguity.csv``: w_ij = 1 when provinces i and j share a land
  border, else 0; Hainan (an island) is linked to Guangdong across the Qiongzhou Strait, the
  usual convention (some studies also link it to Guangxi: add ("海南", "广西") below);
* ``china_province_weights_distance.csv``: w_ij = 1/d_ij with d_ij the great-circle
  (haversine, R = 6371.0088 km) distance in km between the provincial capitals, w_ii = 0;
* ``china_province_capitals.csv``: the capitals and their coordinates.

Sources (see README.md): the borders are those of the provincial-level divisions on any
public map (e.g. Natural Earth 1:10m Admin-1, public domain); the capitals' coordinates
are public gazetteer facts (e.g. GeoNames, CC BY 4.0) rounded to 0.01 degree.  Both are
typed in below by hand; the script checks symmetry and that every province is listed.
"""
from __future__ import annotations

import csv
import math
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent.parent))

from nqp_xl.provinces import PROVINCES  # noqa: E402

# Shared land borders between provincial-level divisions (each pair once).
BORDERS: dict[str, tuple[str, ...]] = {
    "北京": ("天津", "河北"),
    "天津": ("河北",),
    "河北": ("山西", "内蒙古", "辽宁", "山东", "河南"),
    "山西": ("内蒙古", "陕西", "河南"),
    "内蒙古": ("黑龙江", "吉林", "辽宁", "陕西", "宁夏", "甘肃"),
    "辽宁": ("吉林",),
    "吉林": ("黑龙江",),
    "上海": ("江苏", "浙江"),
    "江苏": ("浙江", "安徽", "山东"),
    "浙江": ("安徽", "江西", "福建"),
    "安徽": ("江西", "湖北", "河南", "山东"),
    "福建": ("江西", "广东"),
    "江西": ("湖北", "湖南", "广东"),
    "山东": ("河南",),
    "河南": ("陕西", "湖北"),
    "湖北": ("湖南", "重庆", "陕西"),
    "湖南": ("广东", "广西", "贵州", "重庆"),
    "广东": ("广西",),
    "广西": ("贵州", "云南"),
    "重庆": ("四川", "陕西", "贵州"),
    "四川": ("贵州", "云南", "西藏", "青海", "甘肃", "陕西"),
    "贵州": ("云南",),
    "云南": ("西藏",),
    "西藏": ("新疆", "青海"),
    "陕西": ("宁夏", "甘肃"),
    "甘肃": ("新疆", "青海", "宁夏"),
    "青海": ("新疆",),
}
CONVENTION = (("海南", "广东"),)  # the island province, linked across the Qiongzhou Strait

# Capital, its English name, latitude (N), longitude (E).
CAPITALS: dict[str, tuple[str, str, float, float]] = {
    "北京": ("北京", "Beijing", 39.90, 116.41),
    "天津": ("天津", "Tianjin", 39.13, 117.20),
    "河北": ("石家庄", "Shijiazhuang", 38.04, 114.51),
    "山西": ("太原", "Taiyuan", 37.87, 112.55),
    "内蒙古": ("呼和浩特", "Hohhot", 40.84, 111.75),
    "辽宁": ("沈阳", "Shenyang", 41.81, 123.43),
    "吉林": ("长春", "Changchun", 43.82, 125.32),
    "黑龙江": ("哈尔滨", "Harbin", 45.80, 126.53),
    "上海": ("上海", "Shanghai", 31.23, 121.47),
    "江苏": ("南京", "Nanjing", 32.06, 118.80),
    "浙江": ("杭州", "Hangzhou", 30.27, 120.16),
    "安徽": ("合肥", "Hefei", 31.82, 117.23),
    "福建": ("福州", "Fuzhou", 26.07, 119.30),
    "江西": ("南昌", "Nanchang", 28.68, 115.86),
    "山东": ("济南", "Jinan", 36.65, 117.12),
    "河南": ("郑州", "Zhengzhou", 34.75, 113.63),
    "湖北": ("武汉", "Wuhan", 30.59, 114.31),
    "湖南": ("长沙", "Changsha", 28.23, 112.94),
    "广东": ("广州", "Guangzhou", 23.13, 113.26),
    "广西": ("南宁", "Nanning", 22.82, 108.32),
    "海南": ("海口", "Haikou", 20.04, 110.35),
    "重庆": ("重庆", "Chongqing", 29.56, 106.55),
    "四川": ("成都", "Chengdu", 30.66, 104.07),
    "贵州": ("贵阳", "Guiyang", 26.65, 106.63),
    "云南": ("昆明", "Kunming", 25.04, 102.71),
    "西藏": ("拉萨", "Lhasa", 29.65, 91.17),
    "陕西": ("西安", "Xi'an", 34.34, 108.94),
    "甘肃": ("兰州", "Lanzhou", 36.06, 103.83),
    "青海": ("西宁", "Xining", 36.62, 101.78),
    "宁夏": ("银川", "Yinchuan", 38.49, 106.23),
    "新疆": ("乌鲁木齐", "Urumqi", 43.83, 87.62),
}
EARTH_RADIUS_KM = 6371.0088  # mean radius (IUGG)


def haversine_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(math.sqrt(a))


def contiguity(names: list[str]) -> list[list[int]]:
    pos = {n: i for i, n in enumerate(names)}
    w = [[0] * len(names) for _ in names]
    for a, others in BORDERS.items():
        for b in others:
            w[pos[a]][pos[b]] = w[pos[b]][pos[a]] = 1
    for a, b in CONVENTION:
        w[pos[a]][pos[b]] = w[pos[b]][pos[a]] = 1
    return w


def inverse_distance(names: list[str]) -> list[list[float]]:
    w = []
    for a in names:
        la, oa = CAPITALS[a][2:]
        w.append([0.0 if a == b else 1.0 / haversine_km(la, oa, *CAPITALS[b][2:]) for b in names])
    return w


def write_matrix(path: Path, names: list[str], w: list[list]) -> None:
    with path.open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow([""] + names)
        for n, row in zip(names, w):
            out.writerow([n] + [repr(v) if isinstance(v, float) else v for v in row])


def main() -> None:
    names = [forms[0] for forms in PROVINCES]
    assert set(CAPITALS) == set(names), set(names) ^ set(CAPITALS)
    listed = set(BORDERS) | {b for v in BORDERS.values() for b in v} | {x for p in CONVENTION for x in p}
    assert listed == set(names), set(names) ^ listed
    w = contiguity(names)
    assert all(w[i][i] == 0 for i in range(len(names)))
    assert all(any(row) for row in w), "a province without neighbours"
    write_matrix(HERE / "china_province_weights_contiguity.csv", names, w)
    write_matrix(HERE / "china_province_weights_distance.csv", names, inverse_distance(names))
    with (HERE / "china_province_capitals.csv").open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh, lineterminator="\n")
        out.writerow(["province", "province_en", "capital", "capital_en", "latitude", "longitude"])
        english = {forms[0]: forms[2] for forms in PROVINCES}
        for n in names:
            cap, cap_en, lat, lon = CAPITALS[n]
            out.writerow([n, english[n], cap, cap_en, lat, lon])
    links = sum(map(sum, w)) // 2
    print(f"{len(names)} provinces, {links} contiguity links (Hainan-Guangdong included)")


if __name__ == "__main__":
    main()
