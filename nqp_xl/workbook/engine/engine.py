"""A headless recalculation of a workbook's formulas, NQP_ functions included.

The ``formulas`` package parses and evaluates each formula (Excel's own functions, nesting,
array constants); :mod:`~nqp_xl.workbook.engine.functions` registers every ``NQP_*`` callable of
the UDF modules handed to it (``nqp_udfs``) with it, its arguments shaped exactly as xlwings hands them over.

What ``formulas`` cannot do, this module does around it:

* structured references (``Data[#All]``, ``Data[[#All],[a]:[b]]``, ``Data[@col]``) are
  translated to A1 ranges from the table definitions in the file;
* defined names are resolved here (and translated the same way);
* omitted arguments of NQP functions (``NQP_X(a,,b)``) are marked for their defaults;
* results spill: each dynamic-array formula's range is sized from its answer, the old
  spill is cleared, and a collision answers ``#SPILL!`` as Excel would (NQP answers saved by
  another program as fixed-size arrays spill again).

Formulas are evaluated lazily in dependency order: reading a range first evaluates any
pending formula that can spill into it.  Formula text is prepared by
:mod:`~nqp_xl.workbook.engine.formula_text`; cells are read and written by :mod:`~nqp_xl.workbook.ooxml.sheet`.
"""
from __future__ import annotations

import time
from dataclasses import dataclass, field
from typing import Any, Callable

import numpy as np

from ..ooxml.addresses import col_letters, parse_range, quote_sheet, range_ref
from ..ooxml.metadata import dynamic_cm
from ..ooxml.package import Package
from ..ooxml.sheet import FormulaCell, Sheet
from ..ooxml.values import Error
from ..ooxml.xml import WorkbookError, local
from . import formula_text
from .formula_text import EXTERNAL, MAX_ROW, OMITTED, VOLATILE
from ... import cache
from .functions import OMITTED_VALUE, REGISTERED, from_engine, known_rows, to_engine, unknown_function


REFRESH_ENTRIES = 4096  # answers a refresh keeps (every formula's calls, its ranges and names)


class RefreshError(WorkbookError):
    """A workbook that cannot be refreshed, in the user's words."""


@dataclass
class Formula:
    sheet: str
    cell: FormulaCell
    text: str
    dynamic: bool          # spills to the answer's size (cm attribute, or an NQP array saved without it)
    array_ref: tuple[int, int, int, int] | None  # t="array" ref (legacy CSE or last spill)
    nqp: bool
    state: int = 0         # 0 pending, 1 running, 2 done
    new_area: tuple[int, int, int, int] | None = None
    result: Any = None
    error: str | None = None

    @property
    def where(self) -> str:
        return f"{quote_sheet(self.sheet)}!{range_ref(self.cell.row, self.cell.col, self.cell.row, self.cell.col)}"


# --------------------------------------------------------------------------- the evaluator


@dataclass
class Report:
    evaluated: int = 0
    nqp: int = 0
    kept: list[str] = field(default_factory=list)     # not evaluated by design (volatile, external): cached value kept
    stale: list[str] = field(default_factory=list)    # could not be computed (or from such a cell): marked stale
    errors: list[str] = field(default_factory=list)   # NQP formulas answering #NQP!
    spill: list[str] = field(default_factory=list)
    unknown: list[str] = field(default_factory=list)  # NQP_ names nqp_udfs does not define
    respilled: list[str] = field(default_factory=list)  # NQP arrays saved without dynamic metadata
    seconds: float = 0.0


class Engine:
    def __init__(self, pkg: Package, progress: Callable[[str], None] | None = None):
        self.pkg = pkg
        self.progress = progress or (lambda msg: None)
        self.formulas: dict[str, list[Formula]] = {}
        self.by_cell: dict[tuple[str, int, int], Formula] = {}
        self.report = Report()
        self._compiled: dict[str, Any] = {}
        self._writes: dict[str, int] = {}  # answers written into each sheet so far: part of a range's cache key
        self.changed_areas: dict[str, list[tuple[int, int, int, int]]] = {}
        self.stale_cells: set[tuple[str, int, int]] = set()  # (SHEET, row, col) left stale
        self._read_stale = False  # the formula being computed read a stale cell
        self._why = ""
        for name in pkg.sheet_names:
            if not pkg.is_worksheet(name):
                continue
            sh = pkg.sheet(name)
            items = []
            cells = list(sh.formulas())
            masters = {c.f_attrs.get("si"): c for c in cells
                       if c.f_attrs.get("t") == "shared" and c.text}
            for cell in cells:
                fa = cell.f_attrs
                if fa.get("t") == "dataTable":
                    continue
                text = cell.text or ""
                if fa.get("t") == "shared" and not text:
                    # A copied-down formula: Excel stores only the first cell's text.  Shift its
                    # relative references to this cell, so the follower is computed too.
                    master = masters.get(fa.get("si"))
                    if master is None:
                        continue
                    text = formula_text.shift(master.text, master.row, master.col, cell.row, cell.col)
                arr = None
                if fa.get("t") == "array":
                    try:
                        arr = parse_range(fa.get("ref") or range_ref(cell.row, cell.col, cell.row, cell.col))
                    except ValueError:
                        arr = (cell.row, cell.col, cell.row, cell.col)
                nqp = formula_text.calls_nqp(text)
                # An NQP answer saved as a fixed-size array by another program (LibreOffice, WPS,
                # Excel 2016, openpyxl drop the dynamic-array metadata) spills again.
                dynamic = arr is not None and (cell.cm is not None or nqp or formula_text.mentions_nqp(text))
                f = Formula(name, cell, text, dynamic=dynamic, array_ref=arr, nqp=nqp)
                if dynamic and cell.cm is None:
                    self.report.respilled.append(f.where)
                items.append(f)
                self.by_cell[(name.upper(), cell.row, cell.col)] = f
            self.formulas[name] = items

    # -- public
    def run(self) -> Report:
        t0 = time.perf_counter()
        total = sum(len(v) for v in self.formulas.values())
        self.progress(f"evaluating {total} formulas")
        with cache.owned(max_entries=REFRESH_ENTRIES):
            for name, items in self.formulas.items():
                if not items:
                    continue
                t = time.perf_counter()
                for f in items:
                    self._evaluate(f)
                n_nqp = sum(f.nqp for f in items)
                self.progress(f"  {name}: {len(items)} formulas, {n_nqp} NQP ({time.perf_counter() - t:.2f} s)")
        self.report.seconds = time.perf_counter() - t0
        return self.report

    # -- evaluation
    def _evaluate(self, f: Formula) -> None:
        if f.state:
            return
        f.state = 1
        outer = self._read_stale
        self._read_stale, self._why = False, ""
        try:
            value = self._compute(f)
            read_stale = self._read_stale
        finally:
            f.state = 2
            self._read_stale = outer
        if value is _KEEP:
            if self._why == "external":
                self.report.kept.append(f.where)
            else:
                self._mark_stale(f, self._why or "cannot be computed here")
            return
        if not f.nqp and _new_error(value, f.cell.value):
            self._mark_stale(f, f"would answer {_first(value)}, which the file did not hold")
            return
        self.report.evaluated += 1
        self.report.nqp += f.nqp
        self._write(f, value)
        if read_stale:
            self._mark_stale(f, "reads a cell that is stale", written=True)

    def _mark_stale(self, f: Formula, why: str, written: bool = False) -> None:
        """Keep the cell's value and mark it for recalculation (``<f ca="1">``): the file says
        the value may be out of date, refresh warns and publish refuses it."""
        self.report.stale.append(f"{f.where} (={f.text[:60]}: {why})")
        area = f.new_area if written and f.new_area else (f.array_ref or (f.cell.row, f.cell.col, f.cell.row, f.cell.col))
        for r in range(area[0], area[2] + 1):
            for c in range(area[1], area[3] + 1):
                self.stale_cells.add((f.sheet.upper(), r, c))
        if f.cell.f_attrs.get("ca") != "1":
            f.cell.f_attrs["ca"] = "1"
            self.pkg.sheet(f.sheet).touch(f.cell.row, f.cell.col)

    def _compile(self, text: str):
        fn = self._compiled.get(text)
        if fn is None:
            import formulas
            from formulas.functions import FUNCTIONS, get_functions

            for name in formula_text.function_names(text):
                if name.startswith("NQP_") and name not in REGISTERED and name != OMITTED:
                    FUNCTIONS[name] = get_functions()[name] = unknown_function(name)
                    REGISTERED[name] = None
                    self.report.unknown.append(name)

            fn = formulas.Parser().ast("=" + text)[1].compile()
            self._compiled[text] = fn
        return fn

    def _prepare(self, text: str, row: int | None) -> str:
        return formula_text.prepare(text, self.pkg.tables, row)

    def _compute(self, f: Formula) -> Any:
        names = formula_text.function_names(f.text)
        if names & EXTERNAL or formula_text.external_reference(f.text) or (not f.nqp and names & VOLATILE):
            self._why = "external"  # never evaluated or fetched: the cached value stays
            return _KEEP
        self._text = f.text
        try:
            text = self._prepare(f.text, f.cell.row)
            fn = self._compile(text)
        except WorkbookError as err:
            if f.nqp:
                raise RefreshError(f"{f.where}: {err}") from None
            self._why = str(err)[:80]
            return _KEEP
        except Exception as err:  # noqa: BLE001 - the parser's own errors
            if f.nqp:
                raise RefreshError(f"{f.where}: cannot read the formula ={f.text} ({err})") from None
            self._why = "the formula cannot be read"
            return _KEEP
        try:
            args = [self._input(key, f.sheet) for key in fn.inputs]
        except WorkbookError as err:
            if f.nqp:
                raise RefreshError(f"{f.where}: {err}") from None
            self._why = str(err)[:80]
            return _KEEP
        try:
            with _quiet_engine():
                value = fn(*args)
        except Exception as err:  # noqa: BLE001
            if f.nqp:
                raise RefreshError(f"{f.where}: the formula ={f.text} could not be evaluated ({err})") from None
            self._why = f"{type(err).__name__}"
            return _KEEP
        return value

    def _input(self, key: str, sheet: str) -> Any:
        if key.upper() == OMITTED:
            return OMITTED_VALUE
        ref = formula_text.split_reference(key)
        if ref:
            return self._range(ref[0] or sheet, ref[1])
        return self._name(key, sheet)

    def _name(self, key: str, sheet: str) -> Any:
        idx = next((i for i, n in enumerate(self.pkg.sheet_names) if n.upper() == sheet.upper()), None)
        d = self.pkg.name(key, idx)
        if d is None:
            raise RefreshError(f'the name "{key}" is not defined in this workbook')
        text = self._prepare(d.text.lstrip("="), None)
        ref = formula_text.split_reference(text)
        if ref:
            if not ref[0]:
                raise RefreshError(f'the name "{d.name}" refers to {d.text} without a sheet')
            return self._range(ref[0], ref[1])
        try:
            fn = self._compile(text)
            args = [self._input(k, sheet) for k in fn.inputs]  # ranges it reads settle first
            return cache.cached(("name", key, sheet.upper(), sum(self._writes.values())), lambda: fn(*args))
        except WorkbookError:
            raise
        except Exception as err:  # noqa: BLE001
            raise RefreshError(f'the name "{d.name}" ({d.text}) could not be evaluated ({err})') from None

    def _sheet(self, name: str) -> Sheet:
        try:
            return self.pkg.sheet(name)
        except KeyError:
            text = getattr(self, "_text", "")
            at = text.upper().find(name.upper())
            shown = text[at:at + len(name)] if at >= 0 else name
            raise RefreshError(f'a formula refers to the sheet "{shown}", which is not in the workbook') from None

    def _range(self, sheet: str, ref: str) -> np.ndarray:
        """The values of a range; whole columns, whole rows and ranges to row 1,048,576 (which
        ``formulas`` writes ``A3:M``) end at the sheet's last used row and column: the cells
        beyond are empty, and 1,048,576 rows would be built in memory."""
        sh = self._sheet(sheet)
        ref = ref.replace("$", "").upper()
        a, _, b = ref.partition(":")
        if a.isalpha() and b.isalpha():  # whole columns
            ref = f"{a}1:{b}{max(sh.last_row, 1)}"
        elif a.isdigit() and b.isdigit():  # whole rows
            ref = f"A{a}:{col_letters(max(sh.last_col, 1))}{b}"
        elif b.isalpha() and not a.isalpha():  # A3:M, as formulas writes A3:M1048576
            ref = f"{a}:{b}{MAX_ROW}"
        r1, c1, r2, c2 = parse_range(ref)
        if r2 > sh.last_row or c2 > sh.last_col:  # beyond the used area: room for pending spills only
            pending = [f for f in self.formulas.get(sh.name, ()) if f.dynamic and not f.state]
            r2 = min(r2, max(sh.last_row, r1, *(f.cell.row + 10_000 for f in pending)))
            c2 = min(c2, max(sh.last_col, c1, *(f.cell.col + 1_000 for f in pending)))
        self._settle(sh.name, r1, c1, r2, c2)
        r2 = min(r2, max(sh.last_row, r1))
        c2 = min(c2, max(sh.last_col, c1))
        if self.stale_cells and any(s == sh.name.upper() and r1 <= r <= r2 and c1 <= c <= c2
                                    for s, r, c in self.stale_cells):
            self._read_stale = True
        key = ("range", sh.name.upper(), self._writes.get(sh.name, 0), r1, c1, r2, c2)
        return cache.cached(key, lambda: self._read_range(sh, r1, c1, r2, c2))

    @staticmethod
    def _read_range(sh: Sheet, r1: int, c1: int, r2: int, c2: int) -> np.ndarray:
        """The cells of a range as the engine takes them (blanks EMPTY, errors XlError)."""
        import schedula as sh_

        rows = sh.rows(r1, c1, r2, c2)  # as xlwings gives them
        out = np.empty((r2 - r1 + 1, c2 - c1 + 1), dtype=object)
        out[:] = rows
        out[np.equal(out, None)] = sh_.EMPTY
        if any(Error in map(type, row) for row in rows):
            return np.vectorize(to_engine, otypes=[object])(out)
        known_rows(out, rows)  # the rows are already what the NQP functions take (functions.udf_rows)
        return out

    def _settle(self, sheet: str, r1: int, c1: int, r2: int, c2: int) -> None:
        """Evaluate pending formulas that can write into the range first."""
        for f in self.formulas.get(sheet, ()):
            if f.state:
                continue
            row, col = f.cell.row, f.cell.col
            if f.dynamic:  # may spill down and right of its anchor
                hit = row <= r2 and col <= c2
            elif f.array_ref:
                a = f.array_ref
                hit = not (a[2] < r1 or a[0] > r2 or a[3] < c1 or a[1] > c2)
            else:
                hit = r1 <= row <= r2 and c1 <= col <= c2
            if hit:
                self._evaluate(f)

    # -- writing results
    def _write(self, f: Formula, value: Any) -> None:
        sh = self.pkg.sheet(f.sheet)
        self._writes[sh.name] = self._writes.get(sh.name, 0) + 1  # its ranges and the names are read again
        block = _as_block(value)
        row, col = f.cell.row, f.cell.col
        nrows, ncols = len(block), len(block[0])
        if f.nqp:
            first = block[0][0]
            if isinstance(first, str) and first.startswith("#NQP!"):
                self.report.errors.append(f"{f.where}: {first}")
        old = f.array_ref
        if f.dynamic:
            new = (row, col, row + nrows - 1, col + ncols - 1)
            blocker = self._blocker(sh, f, new)
            if blocker:
                self.report.spill.append(f"{f.where}: the answer needs {range_ref(*new)} but {blocker} is not empty")
                block, new = [[Error("#SPILL!")]], (row, col, row, col)
                nrows = ncols = 1
            if old:
                for r in range(old[0], old[2] + 1):
                    for c in range(old[1], old[3] + 1):
                        if (r, c) != (row, col) and not _inside(new, r, c):
                            sh.clear(r, c)
            f.cell.f_attrs["t"] = "array"
            f.cell.f_attrs["ref"] = range_ref(*new)
            if f.cell.cm is None:
                f.cell.cm = dynamic_cm(self.pkg)
            sh.touch(row, col)
            f.new_area = new
        elif old:  # legacy array formula: fixed size, #N/A beyond the answer
            nrows, ncols = old[2] - old[0] + 1, old[3] - old[1] + 1
            block = [[(block[i][j] if i < len(block) and j < len(block[0]) else Error("#N/A"))
                      for j in range(ncols)] for i in range(nrows)]
            f.new_area = old
        else:
            block = [[block[0][0]]]
            nrows = ncols = 1
            f.new_area = (row, col, row, col)
        sh.set(row, col, block[0][0])
        if nrows > 1 or ncols > 1:
            sh.set_area(row, col, [r[:ncols] for r in block[:nrows]])

    def _blocker(self, sh: Sheet, f: Formula, area) -> str | None:
        old = f.array_ref
        values, formula_cells = sh.values, sh.formula_cells
        # the occupied cells of the area outside the answer's last spill (which never blocks
        # it: a refresh again looks at no cell), in C-speed comprehensions, then the rules
        taken = [k for k in _outside(area, old) if k in formula_cells or values.get(k) is not None]
        for r, c in taken:
            if (r, c) == (f.cell.row, f.cell.col) or (old and _inside(old, r, c)):
                continue
            if (r, c) not in formula_cells and self._stale_spill(sh.name, r, c, f):
                continue
            return range_ref(r, c, r, c)
        return None

    def _stale_spill(self, sheet: str, r: int, c: int, me: Formula) -> bool:
        """A value left by another dynamic formula not yet evaluated does not block."""
        for g in self.formulas.get(sheet, ()):
            if g is me or not g.dynamic or g.state == 2:
                continue
            if g.array_ref and _inside(g.array_ref, r, c):
                return True
        return False


_KEEP = object()


def _first(value: Any) -> Any:
    return _as_block(value)[0][0]


def _new_error(value: Any, stored: Any) -> bool:
    """The answer is an Excel error the cell did not hold before (e.g. #VALUE! from a function
    the engine has but computes differently): the stored value is kept, the cell marked stale."""
    first = _first(value)
    return type(first) is Error and not (type(stored) is Error and str(stored) == str(first))


class _quiet_engine:
    """``schedula`` logs a traceback for a function that fails; the user sees one line instead."""

    def __enter__(self):
        import logging

        self._loggers = [logging.getLogger(n) for n in ("schedula", "formulas")]
        self._levels = [lg.level for lg in self._loggers]
        for lg in self._loggers:
            lg.setLevel(logging.CRITICAL)
        return self

    def __exit__(self, *exc):
        for lg, level in zip(self._loggers, self._levels):
            lg.setLevel(level)
        return False


def _inside(area, r: int, c: int) -> bool:
    return area[0] <= r <= area[2] and area[1] <= c <= area[3]


def _outside(area, old) -> list[tuple[int, int]]:
    """The cells of ``area`` that are not in ``old`` (None: all of them), row by row."""
    r1, c1, r2, c2 = area
    if not old or old[0] > r2 or old[2] < r1 or old[1] > c2 or old[3] < c1:
        return [(r, c) for r in range(r1, r2 + 1) for c in range(c1, c2 + 1)]
    left, right = range(c1, min(c2, old[1] - 1) + 1), range(max(c1, old[3] + 1), c2 + 1)
    beside = [c for part in (left, right) for c in part]
    whole = range(c1, c2 + 1)
    return [(r, c) for r in range(r1, r2 + 1) for c in (beside if old[0] <= r <= old[2] else whole)]


def _as_block(value: Any) -> list[list[Any]]:
    if isinstance(value, np.ndarray):
        arr = np.atleast_2d(value)
        if arr.ndim > 2:
            arr = arr.reshape(arr.shape[0], -1)
        if arr.size == 0:
            return [[None]]
        conv = from_engine
        return [[v if (type(v) is float and v - v == 0) or type(v) is str else conv(v) for v in r]
                for r in arr.tolist()]
    return [[from_engine(value)]]


def resize_charts(pkg: Package, engine: Engine) -> None:
    """Stretch chart series that start inside a spilled answer to the answer's new length."""
    areas = []
    for name, items in engine.formulas.items():
        for f in items:
            if f.dynamic and f.new_area:
                areas.append((name.upper(), f.array_ref or f.new_area, f.new_area))
    if not areas:
        return
    for part in [p for p in pkg.parts if p.startswith("xl/charts/") and p.endswith(".xml") and "/_rels/" not in p]:
        root = pkg.tree(part)
        changed = False
        for el in root.iter():
            if local(el.tag) != "f" or not el.text:
                continue
            text = _stretched(el.text, areas)
            if text is not None:
                el.text = text
                changed = True
        if changed:
            pkg.touch(part)


def _stretched(ref: str, areas) -> str | None:
    """A chart series reference starting inside a spilled answer, stretched to its length."""
    split = formula_text.split_reference(ref)
    if not split or not split[0]:
        return None
    sh_name = split[0]
    try:
        r1, c1, r2, c2 = parse_range(split[1])
    except ValueError:
        return None
    for s, _old, new in areas:
        if s == sh_name.upper() and _inside(new, r1, c1) and r2 > r1 and new[0] < r1 and new[2] != r2:
            return f"{quote_sheet(sh_name)}!{range_ref(r1, c1, new[2], c2, absolute=True)}"
    return None
