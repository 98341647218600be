"""The template's Dynamics and Weights sheets: written, refreshed headlessly, no #NQP! on the
bundled panel; a plain note (not an error) when the table's regions are not in the Weights sheet."""
from __future__ import annotations

import csv

import numpy as np
import openpyxl
import pytest

import nqp_udfs
from nqp_xl.provinces import bundled_weights
from workbook_helpers import DATA, nqp


def values(path, sheet: str) -> list[list]:
    ws = openpyxl.load_workbook(path, data_only=True)[sheet]
    return [list(r) for r in ws.iter_rows(values_only=True)]


def find(rows: list[list], text: str) -> int:
    return next(i for i, r in enumerate(rows) if r and r[0] == text)


@pytest.fixture(scope="module", params=["en", "zh"])
def refreshed(request, tmp_path_factory):
    folder = tmp_path_factory.mktemp(f"dyn-{request.param}")
    nqp("template", "-o", folder / "t.xlsm", "--lang", request.param)
    nqp("refresh", folder / "t.xlsm", "-o", folder / "r.xlsm")
    return request.param, folder / "r.xlsm"


def test_dynamics_sheet_refreshes_without_errors(refreshed):
    lang, path = refreshed
    sheet = "Dynamics" if lang == "en" else "动态演进"
    rows = values(path, sheet)
    texts = [v for r in rows for v in r if isinstance(v, str)]
    assert not [t for t in texts if t.startswith("#")], [t for t in texts if t.startswith("#")][:3]
    x = "x"
    kd = find(rows, x)
    assert rows[kd][1:9] == list(range(2016, 2024))
    assert sum(1 for r in rows[kd + 1:] if isinstance(r[0], float)) >= 60
    year = "Year" if lang == "en" else "年份"
    sig = find(rows, year)
    assert [r[0] for r in rows[sig + 1:sig + 9]] == list(range(2016, 2024))
    stat = rows[sig].index("Statistic" if lang == "en" else "统计量")
    assert rows[sig + 1][stat] == "β" and isinstance(rows[sig + 1][stat + 1], float)
    cls = find(rows, "Class" if lang == "en" else "类型")
    probs = np.array([r[1:5] for r in rows[cls + 1:cls + 5]], dtype=float)
    np.testing.assert_allclose(probs.sum(axis=1), 1.0)
    moran = next(i for i, r in enumerate(rows) if r[1] in ("I", "莫兰指数 I"))
    assert [r[0] for r in rows[moran + 1:moran + 9]] == list(range(2016, 2024))
    assert all(0 <= r[5] <= 1 for r in rows[moran + 1:moran + 9])
    lisa = next(i for i, r in enumerate(rows) if r[1] in ("Ii", "局部莫兰指数 Ii"))
    quads = [r[4] for r in rows[lisa + 1:] if r[4]]
    assert len(quads) >= 25 and set(quads) <= {"HH", "LH", "LL", "HL"}


def test_moran_on_the_sheet_equals_the_udf(refreshed):
    lang, path = refreshed
    if lang != "en":
        pytest.skip("the English sheet is enough for the figures")
    rows = values(path, "Dynamics")
    moran = next(i for i, r in enumerate(rows) if r[1] == "I")
    shown = np.array([r[:6] for r in rows[moran + 1:moran + 9]], dtype=float)
    index = values(path, "Composite index")
    head = next(i for i, r in enumerate(index) if "Index" in r)
    j = index[head].index("Index")
    body = []
    for r in index[head + 1:]:
        if r[0] is None:
            break
        body.append(r)
    vals = [["Index"]] + [[r[j]] for r in body]
    regions = [[index[head][0]]] + [[r[0]] for r in body]
    years = [[index[head][1]]] + [[float(r[1])] for r in body]
    weights = values(path, "Weights")
    top = next(i for i, r in enumerate(weights) if r[0] is None and r[1] == "Beijing")
    w = [r[:32] for r in weights[top:top + 32]]
    direct = nqp_udfs.NQP_MORAN(vals, regions, w, years)
    np.testing.assert_allclose(shown, np.array([r[:6] for r in direct[1:]], dtype=float), rtol=1e-9)


def test_weights_sheet_holds_the_bundled_matrix(refreshed):
    lang, path = refreshed
    rows = values(path, "Weights" if lang == "en" else "空间权重")
    expected = bundled_weights("contiguity", lang="zh" if lang == "zh" else "en")
    top = next(i for i, r in enumerate(rows) if r[0] is None and r[1] == expected[0][1])
    got = [[None if v is None else v for v in r[:32]] for r in rows[top:top + 32]]
    assert [r[0] for r in got[1:]] == [r[0] for r in expected[1:]]
    assert got[0][1:] == expected[0][1:]
    assert [r[1:] for r in got[1:]] == [[int(v) for v in r[1:]] for r in expected[1:]]


def test_regions_not_in_the_weights_get_a_note_not_an_error(tmp_path):
    src = tmp_path / "counties.csv"
    rng = np.random.default_rng(5)
    with open(src, "w", newline="", encoding="utf-8") as fh:
        out = csv.writer(fh)
        out.writerow(["county", "year", "a", "b", "c", "d"])
        for y in (2020, 2021, 2022):
            for k in range(8):
                out.writerow([f"County {k}", y, *np.round(rng.uniform(1, 9, 4), 3)])
    nqp("new", src, "-o", tmp_path / "c.xlsm", "--id-cols", "2")
    nqp("refresh", tmp_path / "c.xlsm", "-o", tmp_path / "r.xlsm")
    rows = values(tmp_path / "r.xlsm", "Dynamics")
    texts = [v for r in rows for v in r if isinstance(v, str)]
    notes = [t for t in texts if t.startswith("The regions of the Data table are not all in the Weights sheet")]
    assert len(notes) == 2  # Moran's I and LISA
    assert not [t for t in texts if t.startswith("#NQP!")]


def test_cross_section_has_moran_and_lisa(tmp_path):
    nqp("new", DATA / "province_2022.csv", "-o", tmp_path / "p.xlsm")
    nqp("refresh", tmp_path / "p.xlsm", "-o", tmp_path / "r.xlsm")
    rows = values(tmp_path / "r.xlsm", "Dynamics")
    texts = [v for r in rows for v in r if isinstance(v, str)]
    assert not [t for t in texts if t.startswith("#")], [t for t in texts if t.startswith("#")][:3]
    moran = next(i for i, r in enumerate(rows) if r[1] == "I")
    assert isinstance(rows[moran + 1][1], float)
    assert "HH" in texts or "LL" in texts
