"""The one cache: what a process has already converted and computed, kept by content.

A workbook holds NQP_KMO, NQP_VARIANCE, NQP_LOADINGS, NQP_FACTORS, ... over the same range.
Two stores, both keyed by content and never by object identity, so a recalculation with
changed numbers never sees a stale answer:

* **results** (:func:`cached`): a fitted model or answer under ``(method, table.key,
  options)``, where :class:`nqp_xl.content_key.ContentKey` is equal exactly when the numbers,
  names, labels and layout are; least recently used forgotten first, 64 entries (more while a refresh owns it);
* **converted ranges** (:func:`recall` / :func:`remember`): the Table a range became, with a
  private copy of its cells, so the next range equal to it cell for cell (compared in C, a
  third of a conversion's cost) is not converted again; at most 16 ranges and 4,000,000
  cells.  :func:`nqp_xl.table.check_table` itself keeps no state: it asks here.

The owner is the process: Excel's Python process across UDF calls, or one ``nqp-xl`` command
(a refresh clears it before and after, :func:`clear`).
"""
from __future__ import annotations

from collections import OrderedDict
from contextlib import contextmanager
from threading import Lock
from typing import Any, Callable, Hashable, Iterator, TypeVar

T = TypeVar("T")

_MAX_ENTRIES = 64
_max_entries = _MAX_ENTRIES  # more while a run owns the cache (see owned)
_store: "OrderedDict[Hashable, Any]" = OrderedDict()
_lock = Lock()
stats = {"hits": 0, "misses": 0}


def cached(key: Hashable, compute: Callable[[], T]) -> T:
    """The value stored under ``key``, computing and storing it on a miss (LRU, 64 entries).

    Errors are not stored: a failing computation is retried on the next call.
    """
    with _lock:
        if key in _store:
            _store.move_to_end(key)
            stats["hits"] += 1
            return _store[key]
    value = compute()
    with _lock:
        stats["misses"] += 1
        _store[key] = value
        while len(_store) > _max_entries:
            _store.popitem(last=False)
    return value


_RANGES_MAX = 16
_RANGES_MAX_CELLS = 4_000_000
_ranges: list[list] = []  # [key, content, value, cells]; most recently used last


def recall(key: Hashable, same: Callable[[Any], bool]) -> Any | None:
    """The value remembered for a range under ``key`` whose stored content ``same`` accepts
    (newest first), or None."""
    with _lock:
        candidates = [e for e in reversed(_ranges) if e[0] == key]
    for entry in candidates:
        if same(entry[1]):
            with _lock:
                for i, e in enumerate(_ranges):
                    if e is entry:
                        _ranges.append(_ranges.pop(i))
                        break
            return entry[2]
    return None


def remember(key: Hashable, content: Any, value: Any, cells: int) -> None:
    """Keep ``value`` for a range with ``content`` (a private copy the caller made) of
    ``cells`` cells; the least recently used go first beyond 16 ranges or 4,000,000 cells."""
    with _lock:
        _ranges.append([key, content, value, cells])
        total = sum(e[3] for e in _ranges)
        while len(_ranges) > 1 and (len(_ranges) > _RANGES_MAX or total > _RANGES_MAX_CELLS):
            total -= _ranges.pop(0)[3]


@contextmanager
def owned(max_entries: int) -> Iterator[None]:
    """A run that owns the cache (one refresh): it starts and ends empty, and holds up to
    ``max_entries`` results meanwhile (a refresh's every call, range and name)."""
    global _max_entries
    clear()
    _max_entries = max_entries
    try:
        yield
    finally:
        _max_entries = _MAX_ENTRIES
        clear()


def clear_ranges() -> None:
    """Forget the converted ranges only (results stay): the next range is converted again."""
    with _lock:
        _ranges.clear()


def clear() -> None:
    """Forget everything, converted ranges included (a refresh starts and ends with this;
    benchmarks measure uncached work)."""
    with _lock:
        _store.clear()
        _ranges.clear()
        stats["hits"] = stats["misses"] = 0
