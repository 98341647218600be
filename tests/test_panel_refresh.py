"""The panel functions through `nqp-xl refresh` (the formula engine), as a workbook uses them:
whole-column ranges of a Data sheet, nested calls, omitted arguments.  Each refreshed value must
equal the UDF called directly, and no cell may show #NQP!."""
from __future__ import annotations

import openpyxl
import xlsxwriter

import nqp_udfs
from panel_data import RANGE, column
from test_panel import SUBSYSTEMS
from workbook_helpers import nqp

LAST = len(RANGE)                     # 249 rows: header + 248
REGION, YEAR, PROVINCE = f"Data!C1:C{LAST}", f"Data!D1:D{LAST}", f"Data!A1:A{LAST}"
DATA = f"Data!A1:X{LAST}"
SUB = "Data!A251:X251"
EQS = ("ln(rd_expenditure) ~ ln(invention_patent_applications) + ln(rd_personnel_fte) + gov_sci_tech_spending; "
       "ln(invention_patent_applications) ~ ln(rd_expenditure) + ln(tech_market_outflow)")


def test_panel_formulas_refresh_to_the_udfs_answers(tmp_path):
    src = tmp_path / "panel.xlsx"
    wb = xlsxwriter.Workbook(src)
    data = wb.add_worksheet("Data")
    for i, row in enumerate(RANGE):
        for j, v in enumerate(row):
            if v is not None:
                data.write(i, j, v)
    for j, v in enumerate(SUBSYSTEMS[0]):
        if v:
            data.write(250, j, v)
    sheet = wb.add_worksheet("Panel")
    formulas = {
        "A1": f'=NQP_SUBINDEX({DATA},{SUB})',
        "D1": f'=NQP_COUPLING(A1:B{LAST})',
        "K1": f'=NQP_PIVOT(F1:F{LAST},{YEAR})',
        "N1": f'=NQP_PIVOT(F1:F{LAST},{YEAR},{REGION},"median")',
        "T1": f'=NQP_LEVEL(L2:L9)',
        "W1": f'=NQP_RANK(F1:F{LAST},{YEAR},{PROVINCE})',
        "Z1": f'=NQP_GINI(F1:F{LAST},{REGION},{YEAR})',
        "A300": f'=NQP_THEIL(F1:F{LAST},,{YEAR},"zh")',
        "A320": f'=NQP_CORR(NQP_SELECT({DATA},"year",2022),,4)',
        "A345": f'=NQP_COMMUNALITIES(NQP_SELECT({DATA},"year",2022),,0.85,,4)',
        "A370": f'=NQP_REGTABLE({DATA},"{EQS}")',
        "A400": f'=NQP_REGTABLE({DATA},"{EQS}","3sls",{REGION},"zh")',
    }
    for cell, f in formulas.items():
        sheet.write_dynamic_array_formula(f"{cell}:{cell}", f)
    wb.close()
    out = tmp_path / "panel.refreshed.xlsx"
    nqp("refresh", src, "-o", out)
    ws = openpyxl.load_workbook(out, data_only=True)["Panel"]

    def block(top: str, rows: int, cols: int) -> list[list]:
        c = ws[top]
        return [[ws.cell(c.row + i, c.column + j).value for j in range(cols)] for i in range(rows)]

    def same(top: str, answer: list[list]) -> None:
        assert not isinstance(answer, str), answer
        got = block(top, len(answer), len(answer[0]))
        want = [[None if v == "" else v for v in r] for r in answer]
        assert got == want, top

    u = nqp_udfs.NQP_SUBINDEX(RANGE, SUBSYSTEMS)
    same("A1", u)
    coupling = nqp_udfs.NQP_COUPLING(u)
    same("D1", coupling)
    d = [[r[2]] for r in coupling]
    pivot = nqp_udfs.NQP_PIVOT(d, column("year"))
    same("K1", pivot)
    same("N1", nqp_udfs.NQP_PIVOT(d, column("year"), column("region"), "median"))
    same("T1", nqp_udfs.NQP_LEVEL([r[1:] for r in pivot[1:]]))
    same("W1", nqp_udfs.NQP_RANK(d, column("year"), column("province")))
    same("Z1", nqp_udfs.NQP_GINI(d, column("region"), column("year")))
    same("A300", nqp_udfs.NQP_THEIL(d, None, column("year"), "zh"))
    year = nqp_udfs.NQP_SELECT(RANGE, "year", 2022.0)
    same("A320", nqp_udfs.NQP_CORR(year, None, 4))
    same("A345", nqp_udfs.NQP_COMMUNALITIES(year, None, 0.85, None, 4))
    same("A370", nqp_udfs.NQP_REGTABLE(RANGE, EQS))
    same("A400", nqp_udfs.NQP_REGTABLE(RANGE, EQS, "3sls", column("region"), "zh"))
    texts = [c.value for row in ws.iter_rows() for c in row if isinstance(c.value, str)]
    assert not [t for t in texts if t.startswith("#")], [t for t in texts if t.startswith("#")][:3]
