"""formula_text: stored formulas -> engine formulas, on openpyxl's tokenizer."""
from __future__ import annotations

import pytest

from nqp_xl.workbook.engine.formula_text import (OMITTED, FormulaError, calls_nqp, function_names, mentions_nqp, prepare,
                                          shift, split_reference)
from nqp_xl.workbook.ooxml.package import TableDef
from nqp_xl.workbook.ooxml.xml import WorkbookError

TABLES = {"DATA": TableDef("Data", "Inputs", (3, 1, 34, 16), ["region", "a b", "c]d", "x"] + [f"i{j}" for j in range(12)])}


@pytest.mark.parametrize("text, expected", [
    ("NQP_X(a,,b)", f"NQP_X(a,{OMITTED},b)"),
    ("NQP_X(,a)", f"NQP_X({OMITTED},a)"),
    ("NQP_X(a, )", f"NQP_X(a, {OMITTED})"),
    ("NQP_X()", "NQP_X()"),
    ("IF(A1,,)", "IF(A1,,)"),                                   # only NQP calls get defaults
    ("NQP_X(SUM(1,,2),)", f"NQP_X(SUM(1,,2),{OMITTED})"),
    ('NQP_X("a,,b",)', f'NQP_X("a,,b",{OMITTED})'),            # commas in text are text
    ("NQP_X({1,2;3,4},)", f"NQP_X({{1,2;3,4}},{OMITTED})"),
    ("_xlfn.SINGLE(NQP_X(a))", "SINGLE(NQP_X(a))"),
])
def test_omitted_arguments_and_prefixes(text, expected):
    assert prepare(text, {}, None) == expected


@pytest.mark.parametrize("ref, expected", [
    ("Data[#All]", "Inputs!$A$3:$P$34"),
    ("Data[#all]", "Inputs!$A$3:$P$34"),                        # LibreOffice writes it in lower case
    ("Data", "Inputs!$A$4:$P$34"),                             # a bare table name: its data rows
    ("Data[[#All],[a b]:[x]]", "Inputs!$B$3:$D$34"),
    ("Data[[#Headers],[region]]", "Inputs!$A$3"),
    ("Data[i0]", "Inputs!$E$4:$E$34"),
    ("Data[[#This Row],[x]]", "Inputs!$D$7"),
    ("Data[@x]", "Inputs!$D$7"),
    ("Data[c']d]", "Inputs!$C$4:$C$34"),                        # an escaped bracket in a column name
])
def test_structured_references(ref, expected):
    assert prepare(f"SUM({ref})", TABLES, 7) == f"SUM({expected})"


def test_unknown_column_and_bad_formula_are_user_errors():
    with pytest.raises(WorkbookError, match='no column "nope"'):
        prepare("SUM(Data[nope])", TABLES, None)
    with pytest.raises(FormulaError):
        prepare("SUM(A1#)", TABLES, None)


def test_function_names_and_nqp_detection():
    assert function_names("_xlfn.SINGLE(nqp_index(A1:B2))+sum(1)") == {"SINGLE", "NQP_INDEX", "SUM"}
    assert calls_nqp("ROUND(nqp_kmo(NQP_DATA),3)") and not calls_nqp('"NQP_X(" & A1')
    assert mentions_nqp("INDEX(NQP_DATA,0,NQP_LABEL_COL)") and not mentions_nqp("INDEX(A1:B3,0,1)")


def test_references_and_shifts():
    assert split_reference("'My ''s'!$A$1:$B$2") == ("My 's", "A1:B2")
    assert split_reference("Inputs!$B$1:$P$1") == ("Inputs", "B1:P1")
    assert split_reference("A:C") == (None, "A:C")
    assert split_reference("NQP_DATA") is None and split_reference("SUM(A1)") is None
    assert shift("A1+$B$2+Data!C3", 1, 1, 3, 2) == "B3+$B$2+Data!D5"


def test_one_sheet_quoter_excels_rule():
    from nqp_xl.workbook.ooxml.addresses import quote_sheet
    assert [quote_sheet(n) for n in ("Inputs", "Sheet1", "_x.y", "Data_2")] == ["Inputs", "Sheet1", "_x.y", "Data_2"]
    # looks like an address (A1 or R1C1), starts with a digit, has a space, is not ASCII: quoted
    assert [quote_sheet(n) for n in ("A1", "xfd9", "R1C1", "r", "C3", "RC", "1abc", "My sheet", "年度")] == \
        ["'A1'", "'xfd9'", "'R1C1'", "'r'", "'C3'", "'RC'", "'1abc'", "'My sheet'", "'年度'"]
    assert quote_sheet("Bob's") == "'Bob''s'"
