from __future__ import annotations

import math


def approx(actual: float, expected: float) -> bool:
    """The tolerance of calculators.md: relative 1e-4 or absolute 5e-3."""
    return math.isclose(actual, expected, rel_tol=1e-4, abs_tol=5e-3)
