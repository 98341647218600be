"""Placing answers on the report's sheets: blocks, formats by meaning, widths, print setup.

A *block* is one formula whose answer spills (or one cell).  The template is written twice:
a first pass places every block far apart and is computed in memory by the refresh engine,
which tells each block's real size, header texts and widest value; the second pass places
the blocks one below the other (or side by side) with exactly that much room, formats each
column by what it holds (counts and ranks ``0``, p-values ``<0.001``, indices ``0.0000``),
sizes the columns so that no header is cut (wrapping long ones) and sets up the printed page:
A4, fit to one page wide, title and table headers repeated, page breaks between blocks so
that a table or chart is not split when it fits on one page.
"""
from __future__ import annotations

import math
import unicodedata
from dataclasses import dataclass, field
from typing import Any, Callable, Sequence

from xlsxwriter.utility import xl_rowcol_to_cell

FORMATS = {
    "num": "0.0000",      # indices, scores, loadings, D, Gini
    "num3": "0.000",      # statistics printed with three decimals (KMO, chi-square, coefficients)
    "r": "0.000",         # correlations (narrow columns)
    "int": "0",           # counts, ranks, levels, years, df
    "p": '[<0.001]"<0.001";0.000',
    "pct": "0.00",        # percentages
    "big": "#,##0.00",    # raw indicator values (descriptives)
    "change": "+0;-0;0",  # change of rank
    "gen": "General",     # text columns
    "text": '0;-0;;@',    # text columns of an answer behind IF(): a blank there reads 0, shown blank
    "textc": '0;-0;;@',   # the same, centred (coefficients with stars, standard errors)
}
WIDTH = {"r": 6.3, "num": 9.0, "num3": 9.0, "int": 6.0, "p": 7.0, "pct": 8.0, "big": 14.0, "change": 6.0, "gen": 10.0, "text": 10.0, "textc": 10.0}
MAX_TEXT = 30.0             # a text column of an answer (a long footnote overflows to the right)
MAX_WIDTH = 22.0            # wider headers wrap onto more lines
NUM_HEAD_MAX = 12.0         # ... and over a column of numbers, wider than 12
WORD_MAX = 18.0             # a single header word up to this wide widens its column rather than break
MAX_BODY = 40.0             # text values (indicator names) are shown whole up to this width
ROW_PT = 14.25          # every row of a report sheet (stored, so Excel and LibreOffice agree)
PX_PER_ROW = 20
GAP = 2                     # blank rows between blocks
SPARE = 5                   # rows an answer can grow by before it reaches what is below it
# printable area of A4 with 0.5" side and 0.6" top/bottom margins, in points
# (measured from LibreOffice's PDF of A4 pages with these margins and a footer)
PAGE = {"landscape": (766.0, 525.0), "portrait": (523.0, 770.0)}
PT_PER_CHAR = 5.25          # one unit of column width (Calibri 11) in points ...
PT_PER_COL = 3.75           # ... plus the cell padding of each column


def text_width(text: Any) -> float:
    """Width of a text in column-width units: East Asian wide characters count two."""
    s = "" if text is None else str(text)
    return float(sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in s))


def longest_word(text: Any) -> float:
    """Width (as a bold header needs it) of the longest run of Latin letters, digits and
    ``_`` in ``text``: a column narrower than that would break the word ("Manufacturin|g").
    CJK text may break anywhere, so it does not count."""
    words = [w for w in str(text or "").split() if w.isascii()]
    return max((len(w) * 1.3 + 1 for w in words), default=0.0)  # bold, in the substitute fonts of LibreOffice too


@dataclass
class Measured:
    """What the engine computed for one block: its size, header row and column widths."""

    rows: int
    cols: int
    header: list[str]
    widths: list[float]


@dataclass
class Placed:
    row: int
    col: int
    rows: int       # the answer's rows now (header included)
    cols: int
    header: list[str] = field(default_factory=list)
    room: int = 0   # rows kept free for it: the answer may grow (a new year, region or indicator)

    @property
    def end(self) -> int:
        """Last row of the answer as computed now (charts use it; refresh stretches them)."""
        return self.row + self.rows - 1

    @property
    def last_row(self) -> int:
        """Last row kept for the answer: what is placed below starts after it."""
        return self.row + max(self.rows, self.room) - 1


def room_for(rows: int) -> int:
    """Rows kept for an answer of ``rows`` rows that may grow: at least SPARE more, rounded up
    to a multiple of ten (so one more year or region rarely moves anything below it)."""
    return int(math.ceil((rows + SPARE) / 10.0) * 10)


class Book:
    """The workbook being written, its formats and what the first pass measured."""

    def __init__(self, wb, lang: str, sizes: dict[str, Measured] | None, spacing: int = 0):
        self.wb = wb
        self.lang = lang
        self.sizes = sizes or {}
        self.spacing = spacing          # first pass: rows every block gets at least
        self.skip_inputs = False        # first pass: the Inputs rows go to the engine directly
        self.inputs_name = ""
        self.title = ""                 # the report's title (page footers; publish writes the one in use)
        self.anchors: dict[tuple[str, int, int], str] = {}
        self._formats: dict[tuple, Any] = {}
        self.pages: list[Page] = []

    def fmt(self, kind: str = "gen", head: bool = False, **extra):
        key = (kind, head, tuple(sorted(extra.items())))
        f = self._formats.get(key)
        if f is None:
            props: dict[str, Any] = {"num_format": FORMATS.get(kind, kind)}
            if kind in ("textc", "int", "change"):  # counts, ranks, levels, years: centred, clear
                props["align"] = "center"            # of a text column beside them ("3中度失调")
            if head:
                props.update({"bold": True, "bg_color": "#DDEBF7", "bottom": 1, "top": 1,
                              "text_wrap": True, "valign": "vcenter", "align": "center"})
            props.update(extra)
            f = self.wb.add_format(props)
            self._formats[key] = f
        return f


class Page:
    """One sheet of the report: a cursor moving down, blocks, charts, widths and print setup."""

    def __init__(self, book: Book, name: str, landscape: bool = True):
        self.book = book
        self.name = name
        self.ws = book.wb.add_worksheet(name)
        self.row = 0
        self.landscape = landscape
        self.widths: dict[int, float] = {}
        self.heights: dict[int, float] = {}
        self.items: list[tuple[int, int]] = []   # (first row, last row) kept on one page if possible
        self.charts: list[tuple[int, int, int, int]] = []  # (row, col, height in rows, width in px)
        self.last_col = 0
        self.repeat: tuple[int, int] | None = None
        self.headings: list[tuple[int, float]] = []  # (column, width of its text) of titles, notes, headings
        self.frozen = False  # the sheet set its own frozen panes
        self.print_cols: int | None = None  # last printed column when helper answers sit to the right
        self.print_rows: int | None = None  # last printed row when a long list below is kept out of print
        book.pages.append(self)

    # -- text
    def title(self, text: str, formula: str | None = None) -> None:
        f = self.book.fmt("gen", bold=True, font_size=14)
        if formula:
            self.ws.write_formula(self.row, 0, "=" + formula, f, text)
        else:
            self.ws.write_string(self.row, 0, text, f)
        self.heights[self.row] = 21.0  # 14-point text
        self.headings.append((0, text_width(text) * 1.4 + 1))  # the print area takes the title in whole
        self.row += 1

    def note(self, text: str) -> None:
        self.ws.write_string(self.row, 0, text, self.book.fmt("gen", italic=True, font_color="#595959"))
        self.headings.append((0, text_width(text) + 1))
        self.row += 1

    def heading(self, text: str, row: int | None = None, col: int = 0) -> None:
        r = self.row if row is None else row
        self.ws.write_string(r, col, text, self.book.fmt("gen", bold=True, font_size=12))
        self.heights[r] = max(self.heights.get(r, ROW_PT), 18.0)  # 12-point text
        # 12-point bold text overflowing to the right: the print area takes it in whole
        self.headings.append((col, text_width(text) * 1.25 + 1))
        if row is None:
            self.row += 1

    def skip(self, n: int = GAP) -> None:
        self.row += n

    # -- blocks
    def size(self, key: str, guess: tuple[int, int]) -> Measured:
        m = self.book.sizes.get(key)
        if m is not None:
            return m
        rows = max(guess[0], self.book.spacing)
        return Measured(rows, guess[1], [], [])

    def block(self, key: str, formula: str, guess: tuple[int, int],
              kinds: Callable[[int, int], str] | Sequence[str] = ("num",), row: int | None = None,
              col: int = 0, header: bool = True, advance: bool = True, scalar: bool = False,
              head_max: float = MAX_WIDTH, grows: bool = True, grow_cols: int = 0,
              rotate_from: int | None = None, min_room: int = 0) -> Placed:
        """The answer of ``formula`` at (row, col) (default: the cursor), formatted by column:
        ``kinds(j, ncols)`` or a list whose last kind repeats.  ``grow_cols``: columns at the
        right kept formatted (and printed) for an answer that widens (a new year, one more
        factor), their header cells styled once they hold a header.  ``rotate_from``: the headers
        from this column on run upwards (a matrix of many long indicator names).  ``min_room``:
        rows kept at least (an answer a setting can lengthen, e.g. Markov classes k)."""
        m = self.size(key, guess)
        r0 = self.row if row is None else row
        nrows, ncols = (1, 1) if scalar else (m.rows, m.cols)

        def kind(j: int) -> str:
            if callable(kinds):
                return kinds(j, ncols)
            return kinds[min(j, len(kinds) - 1)]

        room = max(room_for(nrows), min_room) if grows and not scalar else nrows  # min_room: a setting may grow it
        self.book.anchors[(self.name, r0, col)] = key

        def rotated(j: int) -> bool:
            return rotate_from is not None and j >= rotate_from

        self._write_answer(r0, col, formula, ncols, room, kind, rotated, header, scalar)
        if grow_cols and not scalar:
            self._grow_columns(r0, col, ncols, grow_cols, room, kind, header)
        self._answer_widths(m, r0, col, ncols, kind, rotated, header and not scalar, header, head_max)
        self.last_col = max(self.last_col, col + ncols - 1)
        placed = Placed(r0, col, nrows, ncols, list(m.header), room)
        self.items.append((r0 - (1 if r0 > 0 else 0), r0 + nrows - 1))  # with the heading above
        if advance:
            self.row = r0 + room + GAP
        return placed

    def _write_answer(self, r0: int, col: int, formula: str, ncols: int, room: int, kind: Callable[[int], str],
                      rotated: Callable[[int], bool], header: bool, scalar: bool) -> None:
        """The formula at (r0, col) and the formats of its header and body cells, in every row kept."""
        head_kind = "text" if kind(0) in ("text", "textc") else "gen"  # a blank header cell behind IF() reads 0
        up = {"rotation": 90, "text_wrap": False, "valign": "bottom"}
        first = (self.book.fmt(head_kind, head=True, **(up if rotated(0) else {})) if header and not scalar
                 else self.book.fmt(kind(0)))
        if scalar:
            self.ws.write_formula(r0, col, "=" + formula, self.book.fmt(kind(0)), "")
        else:
            self.ws.write_dynamic_array_formula(r0, col, r0, col, "=" + formula, first, "")
            # The rows kept for growth carry the formats too; not in the measuring pass, whose
            # room (a table's length per block) is only computed in, never shown.
            body: list = []  # the first body row's formats, set at i == 1
            for i in range(0 if self.book.spacing else room):
                if i > 1:  # the body rows' formats, as the first body row took them
                    self.ws.write_blanks(r0 + i, col, body)
                    continue
                head_row = header and i == 0
                start = 1 if i == 0 else 0  # not over the formula at (r0, col)
                fmts = [self.book.fmt(head_kind if head_row else kind(j), head=head_row,
                                      **(up if head_row and rotated(j) else {})) for j in range(start, ncols)]
                self.ws.write_blanks(r0 + i, col + start, fmts)
                body = fmts

    def _grow_columns(self, r0: int, col: int, ncols: int, grow_cols: int, room: int, kind: Callable[[int], str],
                      header: bool) -> None:
        """``grow_cols`` columns right of the answer kept formatted and printed for an answer that widens."""
        if room > 1 and not self.book.spacing:  # formats: not in the measuring pass
            grown = [self.book.fmt(kind(j)) for j in range(ncols, ncols + grow_cols)]
            for i in range(1, room):
                self.ws.write_blanks(r0 + i, col + ncols, grown)
        if header:  # the header style appears with the header text
            for j in range(ncols, ncols + grow_cols):
                self.ws.write_blank(r0, col + j, None, self.book.fmt("gen", align="center", valign="vcenter"))
            extra = xl_rowcol_to_cell(r0, col + ncols, row_abs=True)
            self.ws.conditional_format(r0, col + ncols, r0, col + ncols + grow_cols - 1, {
                "type": "formula", "criteria": f'=LEN({extra})>0',
                "format": self.book.wb.add_format({"bold": True, "bg_color": "#DDEBF7", "bottom": 1, "top": 1})})
        for j in range(ncols, ncols + grow_cols):
            self.widths[col + j] = max(self.widths.get(col + j, 0.0), WIDTH.get(kind(j), 9.0))
        self.last_col = max(self.last_col, col + ncols + grow_cols - 1)

    def _answer_widths(self, m: Measured, r0: int, col: int, ncols: int, kind: Callable[[int], str],
                       rotated: Callable[[int], bool], head_row: bool, header: bool, head_max: float) -> None:
        """Each column's width (and a rotated header's row height) from the measured answer."""
        for j in range(ncols):
            body = m.widths[j] if j < len(m.widths) else WIDTH.get(kind(j), 10.0)
            body = max(body, WIDTH.get(kind(j), 8.0) if kind(j) not in ("gen", "text", "textc") else 0.0)
            if kind(j) in ("text", "textc"):
                body = min(body, MAX_TEXT)
            head = text_width(m.header[j]) * 1.1 + 1 if j < len(m.header) and header else 0.0
            if rotated(j) and header:  # the text runs upwards: the row is as tall as the longest header
                self.heights[r0] = max(self.heights.get(r0, ROW_PT), min(head * 6.5, 220.0))
                head = 0.0
            numeric = kind(j) not in ("gen", "text", "textc")
            self._need(col + j, body + 1, head, r0 if head_row else None,
                       min(head_max, NUM_HEAD_MAX) if numeric else head_max)
            if j < len(m.header) and header and head_max >= MAX_WIDTH and not rotated(j):
                # a header wraps between words, not inside a short one ("Manufacturin|g");
                # long identifiers (rd_personnel_fte) over columns of numbers still wrap
                word = longest_word(m.header[j])
                if self.widths[col + j] < word <= WORD_MAX:
                    self.widths[col + j] = word

    def row_formats(self, placed: Placed, label_col: int, kinds: dict[str, str], first_col: int) -> None:
        """Formats by row where a column holds numbers of different meanings (N under
        coefficients): a conditional format on the cells from ``first_col`` to the answer's
        right edge, in every row kept for it, whose label in ``label_col`` (columns counted
        from the answer's left) is one of ``kinds`` (label -> kind).  Conditional, so the
        format follows the label when the answer's rows move (other equations, a new year);
        Excel and LibreOffice both apply it."""
        r0 = placed.row + 1
        r1 = placed.row + max(placed.rows, placed.room) - 1
        c0, c1 = placed.col + first_col, placed.col + max(placed.cols, first_col + 1) - 1
        ref = xl_rowcol_to_cell(r0, placed.col + label_col, col_abs=True)
        for label, kind in kinds.items():
            text = label.replace('"', '""')
            self.ws.conditional_format(r0, c0, r1, c1, {"type": "formula", "criteria": f'={ref}="{text}"',
                                                        "format": self.book.fmt(kind)})

    def column_formats(self, placed: Placed, kinds: dict[str, str], grow_cols: int = 0) -> None:
        """Formats by column header where a column's place moves when the answer widens (Rank
        after the factors: one more factor moves it right): a conditional format on the body
        of every column, applied where its header cell is one of ``kinds`` (label -> kind)."""
        r0 = placed.row + 1
        r1 = placed.row + max(placed.rows, placed.room) - 1
        c0, c1 = placed.col, placed.col + placed.cols + grow_cols - 1
        ref = xl_rowcol_to_cell(placed.row, c0, row_abs=True)
        for label, kind in kinds.items():
            text = label.replace('"', '""')
            self.ws.conditional_format(r0, c0, r1, c1, {"type": "formula", "criteria": f'={ref}="{text}"',
                                                        "format": self.book.fmt(kind)})

    def labels(self, key: str, formula: str, guess_rows: int, col: int, row: int | None = None,
               kind: str = "gen", grows: bool = True) -> Placed:
        """A label column (region names, years) beside an aligned answer."""
        return self.block(key, formula, (guess_rows, 1), (kind,), row=row, col=col, advance=False, grows=grows)

    def _need(self, col: int, body: float, head: float, header_row: int | None, head_max: float = MAX_WIDTH) -> None:
        width = max(self.widths.get(col, 0.0), min(max(body, 6.0), MAX_BODY))
        if head > width and head > head_max:
            width = max(width, head_max)
        elif head > width:
            width = head
        self.widths[col] = width
        if header_row is not None and head > width:
            lines = math.ceil(head / width)
            self.heights[header_row] = max(self.heights.get(header_row, ROW_PT), ROW_PT * lines)

    def width(self, col: int, width: float) -> None:
        self.widths[col] = max(self.widths.get(col, 0.0), width)
        self.last_col = max(self.last_col, col)

    # -- charts
    def chart(self, chart, col: int = 0, width_px: int = 720, height_px: int = 360, row: int | None = None) -> None:
        r0 = self.row if row is None else row
        chart.set_size({"width": width_px, "height": height_px})
        if not self.book.spacing:  # the measuring pass computes answers only: no charts drawn
            self.ws.insert_chart(r0, col, chart, {"x_offset": 4, "y_offset": 4, "object_position": 1})
        rows = math.ceil((height_px + 8) / PX_PER_ROW)
        self.items.append((r0, r0 + rows))
        self.charts.append((r0, col, rows, width_px))
        if row is None:
            self.row = r0 + rows + GAP

    # -- finishing
    def finish(self, repeat_rows: tuple[int, int] | None = None) -> None:
        ws = self.ws
        chart_cols = 0
        for _r, col, _rows, width_px in self.charts:  # the print area takes in every chart whole
            c, px = col, 0.0
            while px < width_px + 8:
                px += self.widths.get(c, 8.43) * 7 + 5
                c += 1
            chart_cols = max(chart_cols, c - 1)
        self.last_col = max(self.last_col, chart_cols)
        for col, need in self.headings:  # 12-point bold text overflowing into the columns to its right
            c, have = col, 0.0
            while have < need:
                have += self.widths.get(c, 8.43)
                c += 1
            self.last_col = max(self.last_col, c - 1)
        if self.print_cols is not None:  # helper answers right of the printed area stay out of print
            self.last_col = max(self.print_cols, chart_cols)
        for col, w in sorted(self.widths.items()):
            ws.set_column(col, col, round(w, 1))
        for row, h in sorted(self.heights.items()):
            ws.set_row(row, h)
        last_row = max([self.row] + [b for _a, b in self.items])
        if self.print_rows is not None:
            last_row = self.print_rows
            self.items = [(a, min(b, last_row)) for a, b in self.items if a <= last_row]
        ws.set_default_row(ROW_PT)  # stored, so that every program lays the rows out alike
        ws.set_paper(9)
        ws.set_landscape() if self.landscape else ws.set_portrait()
        ws.set_margins(left=0.5, right=0.5, top=0.6, bottom=0.6)
        ws.fit_to_pages(1, 0)
        ws.center_horizontally()
        ws.print_area(0, 0, last_row, max(self.last_col, 0))
        if repeat_rows:
            ws.repeat_rows(*repeat_rows)
        if last_row > 40 and not self.frozen:  # longer than a screen: the table's header (near the top) or the title stays in view
            top = repeat_rows[1] + 1 if repeat_rows and repeat_rows[1] < 12 else 1
            ws.freeze_panes(top, 0)
        title = self.book.title.replace("&", "&&")
        ws.set_footer("&C" + (f"{title} — 第 &P 页，共 &N 页" if self.book.lang == "zh" else f"{title} — page &P of &N"))
        ws.set_h_pagebreaks(self.breaks(repeat_rows))

    def breaks(self, repeat_rows: tuple[int, int] | None) -> list[int]:
        """Rows before which a new page starts, so that an item that fits on one page is not split."""
        width_pt = sum(self.widths.get(c, 8.43) * PT_PER_CHAR + PT_PER_COL for c in range(self.last_col + 1))
        page_w, page_h = PAGE["landscape" if self.landscape else "portrait"]
        scale = min(1.0, page_w / width_pt) if width_pt else 1.0
        repeated = 0.0
        if repeat_rows:
            repeated = sum(self.heights.get(r, ROW_PT) for r in range(repeat_rows[0], repeat_rows[1] + 1))
        room = page_h / scale - repeated

        def height(a: int, b: int) -> float:
            return sum(self.heights.get(r, ROW_PT) for r in range(a, b + 1))

        merged: list[list[int]] = []
        for a, b in sorted(self.items):
            if merged and a <= merged[-1][1] + 1:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        out: list[int] = []
        used, prev_end = 0.0, -1
        for a, b in merged:
            used += height(prev_end + 1, a - 1) if a > prev_end + 1 else 0.0
            need = height(a, b)
            # a new page only when this one is a third full: a shorter start is continued (a
            # table longer than what is left breaks where the page is full, its header repeated)
            if used + need > room and used > room / 3 and a > 0 and (need <= room or used > room * 0.6):
                out.append(a)
                used = 0.0
            used += need
            while used > room:  # a table longer than a page: the program breaks it where the page is full
                used -= room
            prev_end = b
        return out


def new_chart(ctx: Any, kind: str, title: str, subtype: str | None = None):
    """An XlsxWriter chart of ``kind`` in the report's title style (``ctx`` a sheet context)."""
    opts = {"type": kind}
    if subtype:
        opts["subtype"] = subtype
    chart = ctx.book.wb.add_chart(opts)
    chart.set_title({"name": title, "name_font": {"size": 12, "bold": True}})
    return chart

