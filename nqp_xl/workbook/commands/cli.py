"""The ``nqp-xl`` command line: template, new, refresh, publish, update, demo, bundle, doctor.

Exit codes: 0 done; 1 a problem the user can fix (one line on stderr, never a traceback);
2 an internal error (one line, please report).
"""
from __future__ import annotations

import argparse
import contextlib
import os
import sys
import time

from threadpoolctl import threadpool_limits

from ... import __version__
from ...collector import gc_paused
from ..ooxml.xml import WorkbookError
from . import bundle, doctor
from .outputs import check_new_output, write_built

# Each command's module (refresh, publish, update, demo; the template builder) is imported by
# the command that runs it: the engine and the builder cost 0.13-0.2 s that --help, doctor and
# bundle do not need (python -X importtime -c "import nqp_xl.workbook.commands.cli").

EPILOG = "Run 'nqp-xl COMMAND --help' for a command's options."


class UserError(Exception):
    pass


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # one line, exit 1
        self.exit(1, f"{self.prog}: error: {message} (see {self.prog} --help)\n")


def _progress(quiet: bool):
    if quiet:
        return None
    start = time.perf_counter()

    def show(msg: str) -> None:
        print(f"[{time.perf_counter() - start:5.1f}s] {safe(msg)}", file=sys.stderr, flush=True)

    return show


def _check_out(path: str, ext: tuple[str, ...], what: str, force: bool | None = None) -> None:
    """An output's extension; for ``new``/``template`` (``force`` given) also the output-path
    policy (outputs.check_new_output), which the other commands apply themselves."""
    if not path.lower().endswith(ext):
        raise UserError(f"{path}: {what} must end in {' or '.join(ext)}")
    if force is not None:
        check_new_output(path, force)


_CONTROL = {c: f"\\x{c:02x}" for c in list(range(32)) + [127]}


def safe(text: str) -> str:
    """Text from the user's files as one printable line: control characters (a newline that
    would forge a line, an ANSI escape that would reach the terminal) shown as ``\\xNN``."""
    return str(text).translate(_CONTROL)


def note(line: str, kind: str = "note") -> None:
    print(f"{kind}: {safe(line)}", file=sys.stderr)


def cmd_template(args) -> int:
    _check_out(args.output, (".xlsm",), "the template", args.force)
    _build_atomic(args.output, None, args.lang)
    print(f"wrote {args.output}")
    return 0


def _build_atomic(output: str, table, lang: str, columns=None, equations: str | None = None) -> str | None:
    """Build the workbook beside ``output`` and move it into place (outputs.write_built: an
    existing file kept as a numbered backup, the user's umask); answers the backup's name."""
    from ..template.build import build  # the builder and the engine: only for new and template
    from ..template.contract import UDF_MODULE
    from .refresh import import_udfs

    udfs = import_udfs([UDF_MODULE])  # the module the template's xlwings.conf sheet names

    def make(tmp: str) -> None:
        build(tmp, table, lang=lang, columns=columns, equations=equations, udfs=udfs)

    return write_built(output, make)


def cmd_new(args) -> int:
    from ..template import input_table

    _check_out(args.output, (".xlsm",), "the workbook", args.force)
    table = input_table.read_table(args.data, args.id_cols, args.header_row)
    if args.subsystem:
        table.subsystems = input_table.parse_subsystems(args.subsystem, table)
    from ..template.indicator_labels import apply_labels, read_labels, take_label_row

    if take_label_row(table):  # a second header row of readable names
        print("took row 2 of the table as the indicators' labels (and units in brackets)", file=sys.stderr)
    if args.labels:
        apply_labels(table, read_labels(args.labels, args.lang))
    cols = input_table.choose_columns(table, args.lang)
    labels = table.headers[:table.id_cols]
    for attr in ("region", "year", "group"):
        given = getattr(args, f"{attr}_col")
        if given is None:
            continue
        if given and given not in labels:
            raise UserError(f'--{attr}-col "{given}" is not one of the label columns ({", ".join(labels) or "none"}); '
                            "give --id-cols to make more leading columns labels")
        setattr(cols, attr, given or None)
    if cols.region is None and table.id_cols:
        raise UserError("no label column names each row once; give --region-col")
    _build_atomic(args.output, table, args.lang, cols, args.equations)
    subs = list(dict.fromkeys(s for s in table.subsystems if s))
    print(f"wrote {args.output}: {len(table.rows)} rows, {table.id_cols} label columns, "
          f"{len(table.indicators)} indicators")
    if table.header_row != 1:
        print(f"header: row {table.header_row} of {os.path.basename(args.data)} (the rows above it are a title; "
              "give --header-row N to choose another)")
    for line in table.notes:
        note(line)
    print(safe(f"columns: region = {cols.region or '(none)'}, year = {cols.year or '(none: a cross-section)'}, "
               f"group = {cols.group or '(none)'} (change them on the Settings sheet)"))
    print(safe(f"subsystems: {', '.join(subs)} (row 2 of Inputs)"))
    n_text, cells = input_table.text_in_indicators(table, cols.region, cols.year)
    if n_text:
        note(f"{n_text} indicator cell{'s' if n_text > 1 else ''} hold{'' if n_text > 1 else 's'} text, not a "
              f"number: {'; '.join(cells)}{' ...' if n_text > len(cells) else ''}. The report answers #NQP! until "
              "each is a number, or blank for a missing value (that region-year is left out)")
    return 0


def cmd_refresh(args) -> int:
    from .refresh import refresh

    if args.output:
        _check_out(args.output, (".xlsm", ".xlsx"), "the output")
    res = refresh(args.workbook, args.output, in_place=args.in_place, progress=_progress(args.quiet),
                  force=args.force)
    rep = res.report
    print(f"wrote {res.output}: {rep.evaluated} formulas computed ({rep.nqp} with NQP functions) "
          f"in {rep.seconds:.2f} s" + (f"; backup in {res.backup}" if res.backup else ""))
    _warn(rep)
    return 0


def _warn(rep) -> None:
    if rep.respilled:
        print(f"note: {len(rep.respilled)} NQP answers were saved by another program as fixed-size arrays "
              f"({', '.join(rep.respilled[:5])}{', ...' if len(rep.respilled) > 5 else ''}); they spill to "
              "their answers' size again", file=sys.stderr)
    for line in rep.spill:
        note(line, "warning")
    if rep.kept:
        note(f"{len(rep.kept)} formulas call functions that reach outside the workbook or change at every "
             "calculation (HYPERLINK, WEBSERVICE, CALL, RTD, IMAGE, RAND, links to other files); never "
             f"evaluated, their stored values kept: {', '.join(rep.kept[:10])}{', ...' if len(rep.kept) > 10 else ''}")
    if rep.stale:
        note(f"{len(rep.stale)} formulas could not be computed here; their stored values are kept and marked for "
             f"recalculation (publish refuses them without --allow-stale): {'; '.join(rep.stale[:10])}"
             f"{' ...' if len(rep.stale) > 10 else ''}", "warning")
    if rep.unknown:
        note("not defined by nqp_udfs (cells show #NAME?): " + ", ".join(sorted(set(rep.unknown))), "warning")
    if rep.errors:
        note(f"{len(rep.errors)} NQP formulas answer a #NQP! message, e.g. {rep.errors[0]}")


def cmd_publish(args) -> int:
    from .publish import publish

    _check_out(args.output, (".xlsx",), "the published copy")
    res = publish(args.workbook, args.output, progress=_progress(args.quiet), allow_errors=args.allow_errors,
                  force=args.force, allow_stale=args.allow_stale)
    digest = f"input table SHA-256 {res.digest}" if res.digest else "no Data table, so no input digest"
    print(f"wrote {res.output} (values only, no macros; {digest})")
    _warn(res.report)
    return 0


def cmd_update(args) -> int:
    from .update import update

    if args.output:
        _check_out(args.output, (".xlsm", ".xlsx"), "the output")
    res = update(args.workbook, args.data, args.output, append=args.append, in_place=args.in_place,
                 id_cols=args.id_cols, progress=_progress(args.quiet), header_row=args.header_row,
                 replace_year=args.replace_year, force=args.force)
    print(f"wrote {res.output}: {res.rows} data rows ({res.added_rows} added), {res.indicators} indicators; "
          f"{res.report.evaluated} formulas computed" + (f"; backup in {res.backup}" if res.backup else ""))
    for line in res.notes:
        note(line)
    _warn(res.report)
    return 0


def cmd_demo(args) -> int:
    from .demo import run

    print(run(args.output, lang=args.lang, progress=_progress(args.quiet)))
    return 0


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="nqp-xl", description="New-quality-productive-forces evaluation workbooks: write the "
                "Excel template, fill it with a table, compute its NQP_ formulas without Excel, and publish "
                "a values-only copy.", epilog=EPILOG)
    p.add_argument("--version", action="version", version=f"nqp-xl {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)
    for add in (_add_template, _add_new, _add_refresh, _add_publish, _add_update, _add_demo):
        add(sub)  # each command's options, in the order --help lists them
    bundle.add_parser(sub, _progress)
    doctor.add_parser(sub)
    return p


def _add_template(sub) -> None:
    s = sub.add_parser("template", help="write the empty workbook template (.xlsm)",
                       description="Write the workbook template: Settings, Inputs (an Excel table), Factor analysis, Grades, "
                       "Composite index, Coupling, Disparity, Equations, Dynamics, Methods and the xlwings.conf sheet, "
                       "with the xlwings VBA of the installed xlwings. The Inputs table holds the bundled provincial panel.")
    s.add_argument("-o", "--output", required=True, metavar="FILE.xlsm", help="where to write the template")
    s.add_argument("--lang", choices=("en", "zh"), default="en", help="language of labels and results (default en)")
    s.add_argument("--force", action="store_true", help="replace FILE.xlsm if it exists (a numbered backup is kept)")
    s.set_defaults(func=cmd_template)


def _add_new(sub) -> None:
    s = sub.add_parser("new", help="a fresh template holding your table (.csv or .xlsx)",
                       description="Put a table into a fresh template. The first row holds the column names; "
                       "leading text columns (and a year column) are labels (region, year, group); every other column "
                       "is an indicator. Prints the region, year and group columns it chose.")
    s.add_argument("data", metavar="DATA.csv|DATA.xlsx", help="the table: CSV (UTF-8 or GB18030) or the first sheet of a workbook")
    s.add_argument("-o", "--output", required=True, metavar="FILE.xlsm", help="the workbook to write")
    s.add_argument("--id-cols", type=_whole, default=None, metavar="N",
                   help="number of leading label columns (default: the leading text columns; give it for panels "
                   "whose year column is numeric, e.g. --id-cols 2 for Region | Year)")
    s.add_argument("--labels", metavar="FILE.csv",
                   help="readable names and units of the indicators: a CSV with the columns column, label, unit "
                        "(label_zh/label_en, unit_zh/unit_en for a second language); every table shows the labels")
    s.add_argument("--subsystem", action="append", metavar="NAME=col1,col2,...",
                   help="a subsystem of the coupling and its indicator columns (repeat for each; at least two). "
                   "Default: the indicators split in two halves")
    s.add_argument("--equations", metavar='"y ~ x1 + x2; x1 ~ y + x3"',
                   help="the system of simultaneous equations for the Equations sheet (y ~ ..., y = ... or Stata's "
                   "(y x1 x2); ln() allowed)")
    s.add_argument("--header-row", type=_positive, default=None, metavar="N",
                   help="the row holding the column names (default: found; a title row above it is passed over)")
    s.add_argument("--region-col", metavar="HEADER", help="the label column naming the regions (default: chosen)")
    s.add_argument("--year-col", metavar="HEADER", help='the year column (default: a label column headed year/年份; "" for none)')
    s.add_argument("--group-col", metavar="HEADER", help='the column grouping regions for Gini/Theil (default: chosen; "" for none)')
    s.add_argument("--lang", choices=("en", "zh"), default="en", help="language of sheet names, labels and results (default en)")
    s.add_argument("--force", action="store_true", help="replace FILE.xlsm if it exists (a numbered backup is kept)")
    s.set_defaults(func=cmd_new)


def _add_refresh(sub) -> None:
    s = sub.add_parser("refresh", help="compute every NQP formula and store the values in the file",
                       description="Compute every formula of the workbook (any sheet, NQP_ functions nested in Excel "
                       "functions too) and store the answers as the cells' values, so Excel shows numbers without "
                       "Python. The input is never overwritten unless --in-place (which keeps FILE.bak.xlsm).")
    s.add_argument("workbook", metavar="FILE.xlsm", help="the workbook to refresh")
    s.add_argument("-o", "--output", metavar="OUT", help="where to write (default FILE.refreshed.xlsm)")
    s.add_argument("--in-place", action="store_true", help="replace FILE.xlsm, keeping a backup FILE.bak.xlsm")
    s.add_argument("--force", action="store_true", help="replace OUT if it exists (a numbered backup is kept)")
    s.add_argument("-q", "--quiet", action="store_true", help="no progress messages")
    s.set_defaults(func=cmd_refresh)


def _add_publish(sub) -> None:
    s = sub.add_parser("publish", help="write the values-only copy to email (.xlsx)",
                       description="Refresh the workbook and write a copy with values only: no macros, no NQP "
                       "formulas, charts and formats kept, and a Methods sheet recording the version, the settings "
                       "and a SHA-256 digest of the input table.")
    s.add_argument("workbook", metavar="FILE.xlsm", help="the workbook to publish")
    s.add_argument("-o", "--output", required=True, metavar="OUT.xlsx", help="the copy to write")
    s.add_argument("--allow-errors", action="store_true",
                   help="publish even when NQP answers hold #NQP! messages (refused by default)")
    s.add_argument("--allow-stale", action="store_true",
                   help="publish even when formulas could not be computed (their stored values; refused by default)")
    s.add_argument("--force", action="store_true", help="replace OUT.xlsx if it exists (a numbered backup is kept)")
    s.add_argument("-q", "--quiet", action="store_true", help="no progress messages")
    s.set_defaults(func=cmd_publish)


def _add_update(sub) -> None:
    s = sub.add_parser("update", help="put this year's table into last year's workbook and refresh it",
                       description="Replace (or with --append, extend) the rows of the workbook's Data table with "
                       "a new table, keeping every setting, sheet, format and note; new indicator columns join the "
                       "table (direction +, no subsystem). The result is refreshed. Reports regions and indicators "
                       "that appeared or disappeared and values more than ten times the same region's previous "
                       "year. The input is never overwritten unless --in-place (which keeps a numbered backup).")
    s.add_argument("workbook", metavar="FILE.xlsm", help="last year's workbook")
    s.add_argument("data", metavar="DATA.csv|DATA.xlsx", help="the new table, headers in the first row")
    s.add_argument("-o", "--output", metavar="OUT", help="where to write (default FILE.updated.xlsm)")
    s.add_argument("--append", action="store_true", help="add the rows to the table instead of replacing them")
    s.add_argument("--force", action="store_true", help="replace OUT if it exists (a numbered backup is kept)")
    s.add_argument("--in-place", action="store_true", help="replace FILE.xlsm, keeping a backup FILE.bak.xlsm")
    s.add_argument("--id-cols", type=_whole, default=None, metavar="N",
                   help="number of leading label columns of DATA (default: the workbook's)")
    s.add_argument("--header-row", type=_positive, default=None, metavar="N",
                   help="the row of DATA holding the column names (default: found)")
    s.add_argument("--replace-year", action="store_true",
                   help="with --append: replace the rows of a year the table already holds (refused by default)")
    s.add_argument("-q", "--quiet", action="store_true", help="no progress messages")
    s.set_defaults(func=cmd_update)


def _add_demo(sub) -> None:
    s = sub.add_parser("demo", help="run the whole chain on the bundled provincial panel",
                       description="Write a template filled with the bundled panel (31 provinces × 2016-2023), its "
                       "refreshed copy and its published copy, and print what the workbook shows for the latest year: the "
                       "factor analysis, the top regions with their grades, the Gini and the mean coupling degree D.")
    s.add_argument("-o", "--output", default="nqp-demo", metavar="DIR", help="folder for the files (default ./nqp-demo)")
    s.add_argument("--lang", choices=("en", "zh"), default="en", help="language of labels and results (default en)")
    s.add_argument("-q", "--quiet", action="store_true", help="no progress messages")
    s.set_defaults(func=cmd_demo)


def _whole(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"must be a whole number, not {text!r}") from None
    if n < 0:
        raise argparse.ArgumentTypeError(f"must be 0 or more, not {n}")
    return n


def _positive(text: str) -> int:
    n = _whole(text)
    if n < 1:
        raise argparse.ArgumentTypeError("must be 1 or more")
    return n


THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS")


def one_thread():
    """Numerics on one BLAS/OpenMP thread while a command runs (threadpoolctl), unless the user
    set a thread count in the environment.  A workbook's matrices are small (indicators ×
    indicators, a year's regions × factors): threads save nothing there, and on a shared or
    busy machine they wait for each other at every call (measured on the 20,000-row county
    workbook with the other core busy: its formulas took 1.9 s on one thread, 3.0 s on two)."""
    if any(os.environ.get(v) for v in THREAD_VARIABLES):
        return contextlib.nullcontext()
    return threadpool_limits(limits=1)


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "func", None):
        parser.print_help(sys.stderr)
        return 1
    from ..template.input_table import InputError  # 20-25 ms (the core's column rules) that --help does not need

    try:
        with one_thread(), gc_paused():  # the one pause of a command (a county workbook: see gc_paused)
            return args.func(args)
    except (UserError, InputError, WorkbookError) as err:
        print(f"nqp-xl: error: {safe(err)}", file=sys.stderr)
        return 1
    except PermissionError as err:
        print(f"nqp-xl: error: permission denied: {err.filename or err}", file=sys.stderr)
        return 1
    except OSError as err:
        where = f" ({err.filename})" if getattr(err, "filename", None) else ""
        print(safe(f"nqp-xl: error: {err.strerror or err}{where}"), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print("nqp-xl: interrupted; no file was changed", file=sys.stderr)
        return 1
    except Exception as err:  # noqa: BLE001 - never a traceback
        print(safe(f"nqp-xl: internal error: {type(err).__name__}: {err} (please report this)"), file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
