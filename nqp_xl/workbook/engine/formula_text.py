"""A formula as a workbook stores it -> a formula the engine evaluates.

Everything here works on openpyxl's formula tokenizer (strings, sheet names, array constants
and structured references come out as whole tokens), never on characters of the formula:

* ``_xlfn.`` / ``_xlws.`` / ``_xludf.`` prefixes are dropped from function names;
* structured references (``Data[#All]``, ``Data[[#All],[a]:[b]]``, ``Data[@col]``) become
  absolute A1 ranges from the table definitions;
* omitted arguments of NQP functions (``NQP_X(a,,b)``) are marked, so the function gets its
  default as under xlwings (``formulas`` would pass 0);
* copied-down (shared) formulas are shifted with openpyxl's Translator.
"""
from __future__ import annotations

from openpyxl.formula.tokenizer import Token, Tokenizer, TokenizerError
from openpyxl.formula.translate import Translator

from ..ooxml.addresses import cell_ref, quote_sheet, range_ref
from ..ooxml.package import TableDef
from ..ooxml.xml import WorkbookError

OMITTED = "NQP__OMITTED"
PREFIXES = ("_XLFN.", "_XLWS.", "_XLUDF.")
# kept as they are by refresh (their cached value stays); TODAY and NOW are computed, as Excel does
# on every recalculation: the report's publication date is TODAY() of its refresh
VOLATILE = {"RAND", "RANDBETWEEN", "OFFSET", "INDIRECT", "CELL", "INFO"}


class FormulaError(WorkbookError):
    """A formula the tokenizer cannot read."""


def tokens(text: str) -> list[Token]:
    """The tokens of a formula stored without its leading ``=``."""
    try:
        return Tokenizer("=" + text).items
    except (TokenizerError, IndexError, KeyError) as err:
        raise FormulaError(f"cannot read the formula ={text} ({err})") from None


def _strip_prefix(value: str) -> str:
    """Every leading prefix: Excel writes FILTER and SORT as ``_xlfn._xlws.FILTER``."""
    stripped = True
    while stripped:
        stripped = False
        for p in PREFIXES:
            if value.upper().startswith(p):
                value, stripped = value[len(p):], True
    return value


def function_names(text: str) -> set[str]:
    """Upper-case names of the functions a formula calls (prefixes dropped)."""
    try:
        items = tokens(text)
    except FormulaError:
        return set()
    return {_strip_prefix(t.value[:-1]).strip().upper() for t in items
            if t.type == Token.FUNC and t.subtype == Token.OPEN}


def calls_nqp(text: str) -> bool:
    return any(n.startswith("NQP_") for n in function_names(text))


def mentions_nqp(text: str) -> bool:
    """A formula of the NQP report: it calls an NQP_ function or uses an NQP_ defined name."""
    try:
        items = tokens(text)
    except FormulaError:
        return False
    for t in items:
        if t.type == Token.FUNC and t.subtype == Token.OPEN and _strip_prefix(t.value).upper().startswith("NQP_"):
            return True
        if t.type == Token.OPERAND and t.subtype == Token.RANGE and t.value.upper().startswith("NQP_"):
            return True
    return False


def prepare(text: str, tables: dict[str, TableDef], row: int | None) -> str:
    """The formula ready for the engine: prefixes dropped, structured references translated,
    omitted NQP arguments marked."""
    items = tokens(text)
    out: list[str] = []
    stack: list[str] = []
    expect_arg = False  # just after "NQP_X(" or "," inside an NQP call
    after_sep = False   # the last token (not blank) was an argument separator
    for tok in items:
        kind, sub, value = tok.type, tok.subtype, tok.value
        if kind == Token.WSPACE:
            out.append(value)
            continue
        in_nqp = bool(stack) and stack[-1].startswith("NQP_")
        if in_nqp and expect_arg and ((kind == Token.SEP and sub == Token.ARG) or
                                      (kind == Token.FUNC and sub == Token.CLOSE and after_sep)):
            out.append(OMITTED)
        expect_arg = False
        after_sep = kind == Token.SEP and sub == Token.ARG
        if kind == Token.FUNC and sub == Token.OPEN:
            name = _strip_prefix(value)
            stack.append(name[:-1].strip().upper())
            out.append(name)
            expect_arg = stack[-1].startswith("NQP_")
            continue
        if kind in (Token.FUNC, Token.PAREN, Token.ARRAY) and sub == Token.CLOSE:
            if stack:
                stack.pop()
            out.append(value)
            continue
        if kind in (Token.PAREN, Token.ARRAY) and sub == Token.OPEN:
            stack.append(value)
            out.append(value)
            continue
        if kind == Token.SEP and sub == Token.ARG:
            out.append(value)
            expect_arg = in_nqp
            continue
        if kind == Token.OPERAND and sub == Token.RANGE and "[" in value:
            out.append(structured(value, tables, row))
            continue
        if kind == Token.OPERAND and sub == Token.RANGE and value.upper() in tables:
            out.append(_structured_ref(tables[value.upper()], "", row))  # a bare table name: its data rows
            continue
        out.append(value)
    return "".join(out)


def structured(value: str, tables: dict[str, TableDef], row: int | None) -> str:
    """One structured-reference token (``Data[[#All],[a]:[b]]``) as an absolute A1 range."""
    name, _, rest = value.partition("[")
    table = tables.get(name.strip().upper())
    if table is None:
        if not name.strip():
            raise WorkbookError(f"the reference {value} names no table")
        return value  # a name with brackets that is not a table: left to the evaluator
    return _structured_ref(table, rest[:-1], row)


def _match_bracket(spec: str, j: int) -> int:
    depth, i = 0, j
    while i < len(spec):
        ch = spec[i]
        if ch == "'":  # escaped character in a column name
            i += 2
            continue
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth -= 1
            if depth == 0:
                return i + 1
        i += 1
    raise WorkbookError(f"unbalanced brackets in the structured reference [{spec}]")


def _unescape_col(name: str) -> str:
    out, i = [], 0
    while i < len(name):
        if name[i] == "'" and i + 1 < len(name):
            i += 1
        out.append(name[i])
        i += 1
    return "".join(out).strip()


def _structured_ref(table: TableDef, spec: str, row: int | None) -> str:
    items: list[str] = []
    seps: list[str] = []
    s = spec.strip()
    if s.startswith("["):
        i = 0
        while i < len(s):
            if s[i] == "[":
                k = _match_bracket(s, i)
                items.append(s[i + 1:k - 1])
                i = k
            else:
                if s[i] in ",:":
                    seps.append(s[i])
                i += 1
    elif s:
        items.append(s)
    r1, c1, r2, c2 = table.ref
    data_first, data_last = r1 + table.header_rows, r2 - table.totals_rows
    specials = {x.strip().lower() for x in items if x.strip().startswith("#")}
    this_row = any(x.strip().startswith("@") for x in items) or "#this row" in specials
    cols = [x for x in items if not x.strip().startswith("#")]
    cols = [c.strip()[1:] if c.strip().startswith("@") else c for c in cols]
    cols = [c[1:-1] if c.startswith("[") and c.endswith("]") else c for c in cols]
    lookup = {c.lower(): idx for idx, c in enumerate(table.columns)}

    def col_of(name: str) -> int:
        key = _unescape_col(name).lower()
        if key not in lookup:
            raise WorkbookError(f'the table {table.name} has no column "{_unescape_col(name)}"')
        return c1 + lookup[key]

    if cols:
        first = col_of(cols[0])
        last = col_of(cols[-1]) if ":" in seps or len(cols) > 1 else first
        ca, cb = min(first, last), max(first, last)
    else:
        ca, cb = c1, c2
    if this_row:
        if row is None:
            raise WorkbookError(f"[@...] reference to table {table.name} outside a row")
        ra = rb = row
    elif "#all" in specials:
        ra, rb = r1, r2
    elif specials == {"#headers"}:
        ra = rb = r1
    elif specials == {"#totals"}:
        ra = rb = r2
    elif specials == {"#headers", "#data"}:
        ra, rb = r1, data_last
    elif specials == {"#data", "#totals"}:
        ra, rb = data_first, r2
    else:
        ra, rb = data_first, data_last
    return f"{quote_sheet(table.sheet)}!{range_ref(ra, ca, rb, cb, absolute=True)}"


def split_reference(text: str) -> tuple[str | None, str] | None:
    """``'My sheet'!$A$1:$B$2`` -> ("My sheet", "A1:B2"); ``A:B`` -> (None, "A:B"); None when
    ``text`` is not a reference (a defined name, a formula).  Addresses are checked by openpyxl."""
    from openpyxl.utils.cell import range_boundaries

    text = text.strip()
    sheet: str | None = None
    if text.startswith("'"):
        end = text.rfind("'!")
        if end <= 0:
            return None
        sheet, ref = text[1:end].replace("''", "'"), text[end + 2:]
    elif "!" in text:
        sheet, _, ref = text.rpartition("!")
    else:
        ref = text
    ref = ref.replace("$", "").upper()
    if not ref or not all(ch.isalnum() or ch == ":" for ch in ref) or ref.count(":") > 1:
        return None
    try:
        c1, r1, c2, r2 = range_boundaries(ref)
    except Exception:  # noqa: BLE001 - openpyxl raises several kinds for "not an address"
        return None
    if ":" not in ref and (c1 is None or r1 is None):
        return None
    return sheet, ref


def shift(text: str, row0: int, col0: int, row: int, col: int) -> str:
    """The formula at (row0, col0) as it reads when copied to (row, col) (openpyxl's
    Translator: relative references move, $-anchored ones stay)."""
    return Translator("=" + text, origin=cell_ref(row0, col0)).translate_formula(cell_ref(row, col))[1:]
