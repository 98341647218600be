"""The evaluator's spill bookkeeping (nqp_xl/workbook/engine/engine.py)."""
from __future__ import annotations

import random

from nqp_xl.workbook.engine.engine import _inside, _outside


def test_the_cells_a_spill_must_check_are_those_outside_its_last_area():
    rng = random.Random(1)
    for _ in range(3000):
        a, b = sorted(rng.randint(1, 8) for _ in range(2)), sorted(rng.randint(1, 8) for _ in range(2))
        area = (a[0], b[0], a[1], b[1])
        old = None
        if rng.random() < 0.8:
            a2, b2 = sorted(rng.randint(1, 8) for _ in range(2)), sorted(rng.randint(1, 8) for _ in range(2))
            old = (a2[0], b2[0], a2[1], b2[1])
        every = [(r, c) for r in range(area[0], area[2] + 1) for c in range(area[1], area[3] + 1)]
        assert _outside(area, old) == [k for k in every if not (old and _inside(old, *k))], (area, old)
