"""A package recalculated in memory: every formula evaluated, charts stretched to the spills, and
the workbook told not to recalculate on open.  The caller hands over the UDF modules (the
command layer imports the one the workbook's ``xlwings.conf`` names); nothing here imports them."""
from __future__ import annotations

from types import ModuleType
from typing import Callable, Sequence

from ..ooxml.package import Package
from .engine import Engine, Report, resize_charts
from .functions import function_names, nqp_functions, register


def refresh_package(pkg: Package, udfs: Sequence[ModuleType],
                    progress: Callable[[str], None] | None = None) -> tuple[Report, Engine]:
    """Recalculate ``pkg`` in memory with the NQP_ functions of the modules ``udfs`` (raises
    RefreshError); answers the report and the engine.  The caller's entry point pauses the
    garbage collector (``nqp-xl``'s main: see :func:`nqp_xl.collector.gc_paused`)."""
    return _refresh_package(pkg, udfs, progress)


def _refresh_package(pkg: Package, udfs: Sequence[ModuleType],
                     progress: Callable[[str], None] | None) -> tuple[Report, Engine]:
    engine = Engine(pkg, progress)
    texts = [f.text for items in engine.formulas.values() for f in items]
    texts += [d.text for d in pkg.names]
    register(nqp_functions(*udfs), used=function_names(texts))
    report = engine.run()
    resize_charts(pkg, engine)
    # The values are now current: viewers should show them, not recalculate on open
    # (LibreOffice and an Excel without Python would answer #NAME? for the NQP functions).
    wb = pkg.tree(pkg.workbook_part)
    for el in wb.iter(f"{{{pkg.ns}}}calcPr"):
        if el.attrib.pop("fullCalcOnLoad", None) is not None:
            pkg.touch(pkg.workbook_part)
    return report, engine
