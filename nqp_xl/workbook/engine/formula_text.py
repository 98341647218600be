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
from openpyxl.utils.cell import range_boundaries

from ..ooxml.addresses import cell_ref, quote_sheet, range_ref
from ..ooxml.package import TableDef
from ..ooxml.xml import WorkbookError

OMITTED = "NQP__OMITTED"
PREFIXES = ("_XLFN.", "_XLWS.", "_XLUDF.")
# kept as they are by refresh (their cached value stays); TODAY and NOW are computed, as Excel does
# on every recalculation: the report's publication date is TODAY() of its refresh.  OFFSET and
# INDIRECT are worked out before evaluation where their arguments allow (see _static_call).
VOLATILE = {"RAND", "RANDBETWEEN", "CELL", "INFO", "RANDARRAY"}
# functions that reach outside the workbook (the web, DLLs, other programs): never evaluated
EXTERNAL = {"HYPERLINK", "WEBSERVICE", "FILTERXML", "CALL", "EXEC", "REGISTER", "REGISTER.ID", "RTD", "IMAGE",
            "DDE", "SQL.REQUEST", "STOCKHISTORY", "CUBEVALUE", "CUBEMEMBER", "CUBESET", "CUBERANKEDMEMBER",
            "CUBEKPIMEMBER", "CUBEMEMBERPROPERTY", "CUBESETCOUNT"}
MAX_ROW, MAX_COL = 1_048_576, 16_384


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


def external_reference(text: str) -> bool:
    """A reference to another workbook (``[1]Sheet1!A1``, ``'C:\\x\\[b.xlsx]S'!A1``) or a DDE link
    (``cmd|'/C calc'!A0``): never followed."""
    try:
        items = tokens(text)
    except FormulaError:
        return False
    return any(t.type == Token.OPERAND and t.subtype == Token.RANGE and ("[" in t.value.split("!")[0] and "!" in t.value
               or "|" in t.value) for t in items)


def _extent(ref: str) -> tuple[int, int] | None:
    """Rows and columns of an A1 reference as Excel counts them (``A:A`` 1,048,576 rows,
    ``1:1`` 16,384 columns); None when ``ref`` is not one."""
    split = split_reference(ref)
    if not split:
        return None
    try:
        c1, r1, c2, r2 = range_boundaries(split[1])
    except Exception:  # noqa: BLE001
        return None
    r1, r2 = r1 or 1, r2 or MAX_ROW
    c1, c2 = c1 or 1, c2 or MAX_COL
    return r2 - r1 + 1, c2 - c1 + 1


def _literal_number(items: list[Token], i: int) -> tuple[float | None, int]:
    """A number literal (with a sign) at token ``i``: its value and the next token's index."""
    sign = 1.0
    while i < len(items) and items[i].type == Token.WSPACE:
        i += 1
    if i < len(items) and items[i].type == Token.OP_PRE and items[i].value in "+-":
        sign = -1.0 if items[i].value == "-" else 1.0
        i += 1
    if i < len(items) and items[i].type == Token.OPERAND and items[i].subtype == Token.NUMBER:
        return sign * float(items[i].value), i + 1
    return None, i


def _static_call(items: list[Token], i: int) -> tuple[str | None, int]:
    """``ROWS(ref)``/``COLUMNS(ref)`` as the number, ``OFFSET(ref, n, n[, n, n])`` with number
    arguments and ``INDIRECT("A1 text")`` as the reference they give, starting at the function
    token ``i``; (None, i) when the call is not of that form (the engine then leaves the formula
    stale)."""
    name = _strip_prefix(items[i].value)[:-1].strip().upper()
    args: list[Token] = []
    j = i + 1
    while j < len(items) and not (items[j].type == Token.FUNC and items[j].subtype == Token.CLOSE):
        if items[j].type == Token.FUNC and items[j].subtype == Token.OPEN:
            return None, i
        args.append(items[j])
        j += 1
    if j >= len(items):
        return None, i
    groups: list[list[Token]] = [[]]
    for t in args:
        if t.type == Token.SEP and t.subtype == Token.ARG:
            groups.append([])
        elif t.type != Token.WSPACE:
            groups[-1].append(t)
    first = groups[0]
    if name in ("ROWS", "COLUMNS") and len(groups) == 1 and len(first) == 1 and first[0].subtype == Token.RANGE:
        ext = _extent(first[0].value)
        if ext:
            return str(ext[0] if name == "ROWS" else ext[1]), j + 1
    if name == "INDIRECT" and len(groups) == 1 and len(first) == 1 and first[0].subtype == Token.TEXT:
        target = first[0].value[1:-1].replace('""', '"')
        if split_reference(target) and "[" not in target:
            return target, j + 1
    if name == "OFFSET" and 3 <= len(groups) <= 5 and len(first) == 1 and first[0].subtype == Token.RANGE:
        nums = []
        for g in groups[1:]:
            v, k = _literal_number(g, 0)
            if v is None or k != len(g) or v != int(v):
                return None, i
            nums.append(int(v))
        split = split_reference(first[0].value)
        if not split:
            return None, i
        try:
            c1, r1, c2, r2 = range_boundaries(split[1])
        except Exception:  # noqa: BLE001
            return None, i
        if None in (c1, r1, c2, r2):
            return None, i
        h = nums[2] if len(nums) > 2 else r2 - r1 + 1
        w = nums[3] if len(nums) > 3 else c2 - c1 + 1
        r1, c1 = r1 + nums[0], c1 + nums[1]
        if h < 1 or w < 1 or r1 < 1 or c1 < 1 or r1 + h - 1 > MAX_ROW or c1 + w - 1 > MAX_COL:
            return None, i
        ref = range_ref(r1, c1, r1 + h - 1, c1 + w - 1)
        return (f"{quote_sheet(split[0])}!{ref}" if split[0] else ref), j + 1
    return None, i


def prepare(text: str, tables: dict[str, TableDef], row: int | None) -> str:
    """The formula ready for the engine: prefixes dropped, structured references translated,
    omitted NQP arguments marked, ``ROWS``/``COLUMNS`` of a reference, ``OFFSET`` with number
    arguments and ``INDIRECT`` of a text reference worked out (see :func:`_static_call`)."""
    items = tokens(text)
    if function_names(text) & {"ROWS", "COLUMNS", "OFFSET", "INDIRECT"}:
        items = _static_calls(items)
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


def _static_calls(items: list[Token]) -> list[Token]:
    out: list[Token] = []
    i = 0
    while i < len(items):
        t = items[i]
        if t.type == Token.FUNC and t.subtype == Token.OPEN and \
                _strip_prefix(t.value)[:-1].strip().upper() in ("ROWS", "COLUMNS", "OFFSET", "INDIRECT"):
            text, nxt = _static_call(items, i)
            if text is not None:
                kind = Token.NUMBER if text.isdigit() else Token.RANGE
                out.append(Token(text, Token.OPERAND, kind))
                i = nxt
                continue
        out.append(t)
        i += 1
    return out


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
    ``text`` is not a reference (a defined name, a formula).  Addresses are checked by openpyxl.
    The one reader of a "Sheet!A1" name target."""
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
    check = ref
    a, _, b = ref.partition(":")
    if b.isalpha() and not a.isalpha():  # A3:M: formulas' spelling of A3:M1048576
        check = f"{ref}{MAX_ROW}"
    try:
        c1, r1, c2, r2 = range_boundaries(check)
    except Exception:  # noqa: BLE001 - openpyxl raises several kinds for "not an address"
        return None
    if ":" not in ref and (c1 is None or r1 is None):
        return None
    return sheet, ref


def shift(text: str, row0: int, col0: int, row: int, col: int) -> str:
    """The formula at (row0, col0) as it reads when copied to (row, col) (openpyxl's
    Translator: relative references move, $-anchored ones stay)."""
    return Translator("=" + text, origin=cell_ref(row0, col0)).translate_formula(cell_ref(row, col))[1:]
