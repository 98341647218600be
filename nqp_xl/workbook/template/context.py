"""What every sheet writer of the template needs: the table, the language, the chosen
columns, the defined names the formulas use, and first guesses of the answers' sizes."""
from __future__ import annotations

from dataclasses import dataclass

from .contract import D, I_, L_, REGIONS, YEARS
from .input_table import InputTable, ReportColumns
from .layout import Book, Page
from .texts import sheet_name, t

@dataclass
class Ctx:
    book: Book
    table: InputTable
    lang: str
    cols: ReportColumns
    equations: str

    # -- shape of the data (first guesses of answer sizes; the measuring pass knows better)
    @property
    def panel(self) -> bool:
        return self.cols.year is not None

    @property
    def has_group(self) -> bool:
        return self.cols.group is not None

    @property
    def n_all(self) -> int:
        return len(self.table.rows)

    @property
    def n_year(self) -> int:
        if not self.panel:
            return self.n_all
        j = self.table.headers.index(self.cols.year)
        years = [r[j] for r in self.table.rows if isinstance(r[j], float)]
        if not years:
            return self.n_all
        last = max(years)  # once: inside the count it made this quadratic (33 s at 20,000 rows)
        return sum(1 for y in years if y == last)

    @property
    def p(self) -> int:
        return len(self.table.indicators)

    @property
    def n_years(self) -> int:
        if not self.panel:
            return 1
        j = self.table.headers.index(self.cols.year)
        return len({r[j] for r in self.table.rows})

    @property
    def n_regions(self) -> int:
        if self.cols.region is None:
            return self.n_all
        j = self.table.headers.index(self.cols.region)
        return len({r[j] for r in self.table.rows})

    @property
    def n_groups(self) -> int:
        if not self.has_group:
            return 1
        j = self.table.headers.index(self.cols.group)
        return len({r[j] for r in self.table.rows})

    @property
    def n_subsystems(self) -> int:
        return len({s for s in self.table.subsystems if s})

    # -- blocks more than one sheet lays out
    def row_labels(self, page: Page, key: str, head: int) -> int:
        """The Region column, and a panel's Year column beside it, at row ``head`` of ``page``:
        the labels of a table with one row per row of the Data table.  Answers the first column
        left for the table."""
        page.labels(f"{key}.regions", REGIONS, self.n_all + 1, col=0, row=head)
        if not self.panel:
            return 1
        page.labels(f"{key}.years", YEARS, self.n_all + 1, col=1, row=head, kind="int")
        return 2

    @property
    def default_title(self) -> str:
        """The title the Overview shows while Settings' title is blank (page footers use it)."""
        first = ""
        if self.cols.region is not None and self.table.rows:
            first = str(self.table.rows[0][self.table.headers.index(self.cols.region)])
        span = ""
        if self.panel:
            j = self.table.headers.index(self.cols.year)
            years = [r[j] for r in self.table.rows if isinstance(r[j], float)]
            if years:
                a, b = int(min(years)), int(max(years))
                span = f"，{a}—{b}年" if self.lang == "zh" else f", {a}–{b}"
        if self.lang == "zh":
            return f"新质生产力评价：{first}等{span}"
        return f"New quality productive forces: {first}…{span}"

    @property
    def panel_equation(self) -> str:
        """The panel regression's equation: the first of the system's equations."""
        return self.equations.split(";")[0].strip() if self.equations else ""

    # -- texts
    def t(self, key: str) -> str:
        return t(key, self.lang)

    def sheet(self, key: str) -> str:
        return sheet_name(key, self.lang)

    # -- formula pieces
    @staticmethod
    def relabel(formula: str) -> str:
        """An answer that names indicators, showing their readable labels (Inputs row 3)."""
        return f"NQP_RELABEL({formula},NQP_NAMES,NQP_LABELS)"

    @property
    def year_data(self) -> str:
        """The Data table's rows of the year analysed (all rows of a cross-section)."""
        return "NQP_SELECT(NQP_DATA,NQP_YEAR_COL,NQP_YEAR)" if self.panel else D

    @property
    def year_regions(self) -> str:
        return f"INDEX({self.year_data},0,NQP_REGION_NUM)"

    def year_title(self, key: str) -> str:
        """A title formula naming the year analysed: ="Factor analysis of "&NQP_YEAR."""
        text = self.t(key)
        if not self.panel:
            return ""
        if self.lang == "zh":
            return f'"{text}"&NQP_YEAR&"年"'
        return f'"{text} "&NQP_YEAR'

    @property
    def index(self) -> str:
        return f"NQP_INDEX({D},NQP_WEIGHTS_METHOD,NQP_DIRECTIONS,{L_},{I_})"

    @property
    def subindex(self) -> str:
        return f"NQP_SUBINDEX({D},NQP_SUBSYSTEMS,NQP_WEIGHTS_METHOD,NQP_ROW_DIRECTIONS,{L_},{I_})"

    @property
    def coupling(self) -> str:
        return f"NQP_COUPLING({self.subindex},,NQP_COUPLING_MODEL,{L_},,,NQP_COUPLING_TYPE)"

    @property
    def fa_args(self) -> str:
        return f"{self.year_data},NQP_N_FACTORS,NQP_MIN_CUMVAR"

    @property
    def score(self) -> str:
        return f"NQP_SCORE({self.fa_args},{L_},{I_})"
