"""The cyclic garbage collector paused while many small objects are made.

A 20,000 × 40 range is 20,000 row lists and 800,000 floats; a county workbook is about a
million cells held as tuples, floats and row lists until the file is written.  Each automatic
collection walks every such object, and collections triggered while they are being made cost
more than the work itself (a 20,000 × 40 refresh: 16 s with them, 8.5 s without).  The objects
hold no reference cycles worth collecting meanwhile; the collector runs again afterwards.

Paused once per entry point, nowhere else: ``nqp-xl``'s ``main`` (every command), each UDF
call from Excel (:func:`nqp_xl.excel_answer.answer`), and a notebook's DataFrame conversion
(``nqp_xl.table``); a pause inside another is harmless (the state is restored as found).
"""
from __future__ import annotations

import gc
from contextlib import contextmanager
from typing import Iterator


@contextmanager
def gc_paused() -> Iterator[None]:
    """The garbage collector paused meanwhile (on again afterwards if it was before)."""
    paused = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if paused:
            gc.enable()


__all__ = ["gc_paused"]
