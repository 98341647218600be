"""A small content-keyed cache so that many formulas over one table compute once.

A workbook holds NQP_KMO, NQP_VARIANCE, NQP_LOADINGS, NQP_FACTORS, ... over the same range;
each call validates the range (cheap, once per call) and then asks for the fitted model by
``(method, table.key, options)``.  Keys stand for content, never for object identities
(:class:`nqp_xl.content_key.ContentKey`: equal exactly when the numbers, names, labels and
layout are), so a recalculation with changed numbers never sees a stale answer.
"""
from __future__ import annotations

from collections import OrderedDict
from threading import Lock
from typing import Any, Callable, Hashable, TypeVar

T = TypeVar("T")

_MAX_ENTRIES = 64
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
        while len(_store) > _MAX_ENTRIES:
            _store.popitem(last=False)
    return value


def clear() -> None:
    """Forget everything, remembered ranges included (benchmarks measure uncached work)."""
    from .table import clear_recent

    clear_recent()
    with _lock:
        _store.clear()
        stats["hits"] = stats["misses"] = 0
