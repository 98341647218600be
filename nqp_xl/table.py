"""The one boundary that turns user data into a validated numeric table.

Modelled on scikit-learn's ``check_array``: every method in nqp-xl takes its data through
``check_table``, which accepts a range exactly as xlwings hands it over (a list of rows of
``float``/``None``/``str``/``bool``/Excel-error ``int``), a pandas DataFrame or a numpy array,
and answers a :class:`Table` or raises :class:`~nqp_xl.errors.NQPError` with a message that
names the cell, indicator and region.  It knows nothing about Excel itself: error cells are
recognised by the codes and texts Excel uses, so the same code runs on Linux, Windows and
in Jupyter.

Conventions (SPEC.md, "How a UDF receives and answers"):

* the first row is a header of indicator names when its indicator cells are text;
* leading columns whose data cells are all text are labels (``id_cols`` overrides);
* a blank or error cell is missing: its row is left out of the analysis (listwise, as
  SPSS does) and that row's outputs are blank; ``missing="error"`` refuses instead;
* text in a number cell, including numbers typed as text ("1,234", "12%"), is an error
  naming the cell.
"""
from __future__ import annotations

import itertools
from typing import Any

import numpy as np

# EXCEL_ERROR_CODES, EXCEL_ERROR_TEXTS and cell_name are re-exported: the method modules take
# every input helper from this module, the one boundary.
from .cell_values import (EXCEL_ERROR_CODES, EXCEL_ERROR_TEXTS, cell_name, column_letter,  # noqa: F401
                          convert_block, is_blank_cell, is_error_value, is_text_label, label_column,
                          label_text, raise_cell)
from . import cache
from .collector import gc_paused
from .errors import NQPError
from .options import unwrap
from .table_type import Table  # re-exported: every module takes Table from here

MISSING_POLICIES = ("listwise", "error")
_ROWS = (list, tuple)


def _range_rows(data: Any) -> list[list]:
    """A range as a rectangular list of rows, refusing ragged input."""
    if data is None:
        raise NQPError("the data range is empty")
    if not isinstance(data, (list, tuple)):
        data = [[data]]
    rows = data if set(map(type, data)) <= {list, tuple} else [
        list(r) if isinstance(r, (list, tuple)) else [r] for r in data
    ]
    if not rows or not rows[0]:
        raise NQPError("the data range is empty")
    widths = set(map(len, rows))
    if len(widths) > 1:
        width = len(rows[0])
        bad = next(i for i, r in enumerate(rows) if len(r) != width)
        raise NQPError(
            f"the range is ragged: row {bad + 1} has {_cells(len(rows[bad]))} but row 1 has {width}; "
            "select a rectangular block"
        )
    return rows


def _cells(n: int) -> str:
    return f"{n} cell" if n == 1 else f"{n} cells"


def _detect_labels(rows: list[list], start: int, id_cols: int | None) -> int:
    """How many leading columns are labels: their data cells are text (or blank)."""
    width = len(rows[0])
    if id_cols is not None:
        if id_cols < 0 or id_cols >= width:
            raise NQPError(f"id_cols={id_cols} leaves no indicator columns in a range {width} columns wide")
        return id_cols
    count = 0
    body = rows[start:] or rows
    for c in range(width - 1):
        cells = [r[c] for r in body]
        kinds = set(map(type, cells))
        if kinds <= {str, type(None)}:
            is_label = any(is_text_label(v) for v in cells)
        elif str in kinds and kinds <= {str, type(None), int}:  # ints: Excel error codes
            is_label = all(is_text_label(v) or is_blank_cell(v) or is_error_value(v) for v in cells)
        else:
            is_label = False
        if not is_label:
            break
        count += 1
    return count


def _parse_id_cols(id_cols: Any) -> int | None:
    id_cols = unwrap(id_cols)  # a cell reference arrives as its value, or as [[v]]
    if id_cols is None or (isinstance(id_cols, str) and not id_cols.strip()):
        return None
    try:
        value = float(id_cols)
    except (TypeError, ValueError):
        raise NQPError(f'id_cols must be a whole number of label columns, not "{id_cols}"') from None
    if value != int(value) or value < 0:
        raise NQPError(f"id_cols must be a whole number of label columns (0, 1, 2, ...), not {id_cols}")
    return int(value)


def _parse_missing(missing: Any) -> str:
    missing = unwrap(missing)
    policy = "listwise" if missing in (None, "") else str(missing).strip().lower()
    if policy not in MISSING_POLICIES:
        raise NQPError(f'missing="{missing}" is not known; use "listwise" (default) or "error"')
    return policy


def check_table(
    data: Any,
    id_cols: Any = None,
    missing: Any = None,
    header: bool | None = None,
) -> Table:
    """Convert and validate ``data`` (range rows, DataFrame, Series or array) into a Table.

    ``id_cols`` is the number of leading label columns (auto-detected when None);
    ``missing`` is "listwise" (default) or "error"; ``header`` forces header detection.
    """
    if isinstance(data, Table):
        return data
    n_id = _parse_id_cols(id_cols)
    policy = _parse_missing(missing)
    if type(data) in _ROWS and data and type(data[0]) in _ROWS:  # a range: list rows (xlwings), tuple rows (COM)
        # a range seen before is recognised before anything else is done with it: equal to a
        # remembered (rectangular) copy means rectangular and equal cell for cell
        known = _recent_table(data, (len(data), len(data[0]), n_id, policy, header))
        if known is not None:
            return known
        rows = _range_rows(data)
        return _recent_or_parse(rows, (len(rows), len(rows[0]), n_id, policy, header), looked=True)
    try:
        import pandas as pd
    except ImportError:  # pragma: no cover - pandas is a dependency
        pd = None
    if pd is not None and isinstance(data, (pd.DataFrame, pd.Series)):
        frame = data.to_frame() if isinstance(data, pd.Series) else data
        return _recent_or_convert_frame(frame, n_id, policy)
    if isinstance(data, np.ndarray) and data.dtype.kind in "fiub":
        arr = np.atleast_2d(np.asarray(data, dtype=float))
        if data.ndim == 1:
            arr = arr.T
        names = tuple(f"X{j + 1}" for j in range(arr.shape[1]))
        return _finish(arr, names, False, (), (), 0, 0, policy)
    if isinstance(data, np.ndarray):
        data = data.tolist()
    rows = _range_rows(data)
    return _recent_or_parse(rows, (len(rows), len(rows[0]), n_id, policy, header))


# Ranges already converted are remembered by the one cache (nqp_xl.cache.recall/remember),
# with a private copy of their cells: a workbook's formulas hand the same range to many
# functions, and an exact comparison in C (list ==) costs a third of a large range's
# conversion and a few percent of a small one's.  This module keeps no state.
_LOGICALS_CHECKED_BELOW = 20_000  # ranges this small also check their logical cells


def _logical_places(rows: list) -> tuple[list, tuple]:
    """The cells equal (==) to 0 or 1, and which of them hold TRUE or FALSE.

    A range equal to this one can hold a logical value only where this one holds a cell
    equal to 0 or 1 (TRUE == 1 and FALSE == 0), so those places are the only ones to look
    at again; a range of measurements usually has none.
    """
    cells = list(itertools.chain.from_iterable(rows))
    if 0.0 not in cells and 1.0 not in cells:  # the usual case, in two C-level scans
        return [], ()
    places = [(i, j) for i, r in enumerate(rows) if 0.0 in r or 1.0 in r
              for j, v in enumerate(r) if type(v) is not str and (v == 0 or v == 1)]
    return places, tuple(type(rows[i][j]) is bool for i, j in places)


def _recent_table(rows: list, key: tuple) -> Table | None:
    """The Table of a remembered range equal to ``rows``, or None.

    Equality is Python's ``==`` in C, which takes 1.0, 1 and True as equal.  A range that
    was converted holds no logical value in its indicator cells, so for ranges under
    20,000 cells an equal range holding a logical value where the remembered one does not
    is not the same (a 1 turned into TRUE is seen and refused); a larger range that
    changes only that way between two calls keeps its earlier numbers.
    """
    def same(content: tuple) -> bool:
        cells, logicals = content
        if cells != rows:
            return False
        if logicals is not None:
            places, logical = logicals
            return tuple(type(rows[i][j]) is bool for i, j in places) == logical
        return True

    return cache.recall(key, same)


def _recent_or_parse(rows: list, key: tuple, looked: bool = False) -> Table:
    """The Table of an equal range converted before (unless ``looked`` for already), else
    a fresh conversion (remembered)."""
    known = None if looked else _recent_table(rows, key)
    if known is not None:
        return known
    table = _from_rows(rows, key[2], key[3], key[4])
    if type(rows) is tuple and set(map(type, rows)) == {tuple}:
        copy = rows  # COM's tuples of cells cannot change: kept as they are
    else:
        copy = list(map(list, rows))
    count = key[0] * key[1]
    cache.remember(key, (copy, _logical_places(copy) if count < _LOGICALS_CHECKED_BELOW else None), table, count)
    return table


def _recent_or_convert_frame(frame: Any, n_id: int | None, policy: str) -> Table:
    """As :func:`_recent_or_parse` for DataFrames: ``DataFrame.equals`` (values, NaN
    positions, index and columns) against a private copy, so a notebook that hands the
    same frame to several methods converts it once."""
    key = ("frame", frame.shape, tuple(map(str, frame.columns)), n_id, policy)
    known = cache.recall(key, frame.equals)
    if known is not None:
        return known
    table = _from_frame(frame, n_id, policy)
    cache.remember(key, frame.copy(), table, int(frame.size))
    return table


def _from_rows(rows: list[list], n_id: int | None, policy: str, header: bool | None) -> Table:
    n_all, width = len(rows), len(rows[0])
    if n_all == 1 and all(is_text_label(v) or is_blank_cell(v) for v in rows[0]):
        raise NQPError("the range holds only a header row; select the data rows too")
    # Header: the first row's indicator cells are text (blanks allowed), none is a number.
    first = rows[0]
    guess_labels = _detect_labels(rows, 1 if n_all > 1 else 0, n_id)
    if header is None:
        cells = first[guess_labels:]
        has_header = n_all > 1 and any(is_text_label(v) for v in cells) and all(
            is_text_label(v) or is_blank_cell(v) for v in cells
        )
    else:
        has_header = bool(header)
    start = 1 if has_header else 0
    n_lab = guess_labels if start == 1 or n_all == 1 else _detect_labels(rows, start, n_id)
    if n_all - start == 0:
        raise NQPError("the range holds only a header row; select the data rows too")

    if has_header:
        names = []
        for c in range(n_lab, width):
            v = first[c]
            names.append(str(v).strip() if is_text_label(v) else f"Column {column_letter(c)}")
        label_names = tuple(str(first[c]).strip() if is_text_label(first[c]) else "" for c in range(n_lab))
    else:
        names = [f"X{j + 1}" for j in range(width - n_lab)]
        label_names = ()
    body = rows[start:]
    labels = tuple(zip(*(label_column([r[c] for r in body]) for c in range(n_lab)))) if n_lab else ()
    values = convert_block(body, n_lab, names, labels, start)
    return _finish(values, tuple(names), has_header, labels, label_names, n_lab, start, policy)


def _finish(values, names, has_header, labels, label_names, n_lab, start, policy) -> Table:
    if np.isfinite(values).all():  # the usual case: one pass, no row-by-row reduction
        complete = np.ones(values.shape[0], dtype=bool)
    else:
        complete = ~np.isnan(values).any(axis=1)
    if policy == "error" and not complete.all():
        i, j = map(int, np.argwhere(np.isnan(values))[0])
        raise_cell(i, j, None, names, labels, start, n_lab,
                    'is blank or an error; fill it in, or leave missing="listwise" to skip the row')
    if not complete.any():
        raise NQPError("no row is complete: every row has a blank or error cell")
    kept = values[complete] if not complete.all() else values
    return Table(
        values=np.ascontiguousarray(kept), names=tuple(names), keep=complete,
        has_header=has_header, labels=tuple(labels), label_names=tuple(label_names),
        first_col=n_lab, first_row=start,
    )


def _from_frame(df, n_id: int | None, policy: str) -> Table:
    """A DataFrame: numeric columns are indicators, leading non-numeric columns labels."""
    import pandas as pd

    cols = list(df.columns)
    dtypes = list(df.dtypes)  # one look at the dtypes: df[c] per column costs ~70 µs each

    def numeric(dtype) -> bool:
        return pd.api.types.is_numeric_dtype(dtype) and not pd.api.types.is_bool_dtype(dtype)

    n_lab = n_id if n_id is not None else 0
    if n_id is None:
        for dtype in dtypes[:-1]:
            if numeric(dtype):
                break
            n_lab += 1
    label_cols, data_cols = cols[:n_lab], cols[n_lab:]
    for j, c in enumerate(data_cols):
        if not numeric(dtypes[n_lab + j]):
            s = df.iloc[:, n_lab + j]
            bad = s[s.map(lambda v: not (isinstance(v, (int, float, np.number)) and not isinstance(v, bool)) and not pd.isna(v))]
            if len(bad):
                row = df.index.get_loc(bad.index[0])
                lab = str(bad.index[0])
                raise NQPError(
                    f'indicator "{c}", row "{lab}" (row {int(row) + 1}) holds "{str(bad.iloc[0])[:40]}", not a number'
                )
    block = df.iloc[:, n_lab:] if n_lab else df
    values = block.to_numpy(dtype=float, na_value=np.nan)
    if not np.isfinite(values).all() and np.isinf(values).any():
        i, j = map(int, np.argwhere(np.isinf(values))[0])
        raise NQPError(f'indicator "{data_cols[j]}" (row {i + 1}) holds an infinite value')
    with gc_paused():  # a notebook's entry point (a DataFrame): 20,000 new row tuples, see gc_paused
        if label_cols:
            labels = tuple(zip(*(label_column(df[c].astype(object).where(df[c].notna(), None).tolist())
                                 for c in label_cols)))
        elif not isinstance(df.index, pd.RangeIndex):
            labels = tuple(zip(label_column(df.index.astype(str).tolist())))
        else:
            labels = ()
    return _finish(values, tuple(str(c) for c in data_cols), True, labels,
                   tuple(str(c) for c in label_cols), n_lab, 1, policy)


def parse_text_list(value: Any) -> list[str]:
    """A comma list ("a,b,c", "优,良,中,差"), a cell holding one, or a range of cells, as texts."""
    if value is None:
        return []
    if isinstance(value, (list, tuple)):
        flat = list(itertools.chain.from_iterable(
            v if isinstance(v, (list, tuple)) else [v] for v in value
        ))
        texts = [label_text(v) for v in flat if not is_blank_cell(v)]
        if len(texts) != 1:
            return texts
        value = texts[0]
    if isinstance(value, str):
        parts = value.replace("，", ",").replace(";", ",").split(",")
        return [p.strip() for p in parts if p.strip()]
    return [label_text(value)]
