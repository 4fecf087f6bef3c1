"""Adapter from the calculators to the knowledge base (private).

Clinical thresholds (creatinine floor, carboplatin GFR cap, re-irradiation limits, the
Karnofsky mapping …) are data in :mod:`ascc_salvage.knowledge`; this module reads them once,
converts them to canonical floats and caches them, so the calculators' hot paths compare
floats only.
"""

from __future__ import annotations

import functools
from typing import Any

import pint

from ascc_salvage.units import Kind, Kinds, magnitude


def _thresholds() -> Any:
    from ascc_salvage import knowledge  # imported lazily: loads the data files

    return knowledge.thresholds()


def _as_float(value: object, kind: Kind | None, name: str) -> float:
    """A threshold value (a quantity or a plain number) as a canonical float."""
    if isinstance(value, pint.Quantity):
        if kind is None:  # pragma: no cover - guards against a data-format change
            raise TypeError(f"threshold {name} has an unexpected unit")
        return magnitude(value, kind, name)
    return float(value)  # type: ignore[arg-type]


def threshold(name: str, kind: Kind | None = None) -> float:
    """The value of threshold *name* as a float in the kind's canonical unit."""
    return _cached_threshold(name, kind)


@functools.cache
def _cached_threshold(name: str, kind: Kind | None) -> float:
    item = getattr(_thresholds(), name)
    return _as_float(getattr(item, "value", item), kind, name)


def creatinine_floor_mg_dl() -> float:
    """Serum creatinine floor for Cockcroft–Gault, mg/dL (0.7 in knowledge base 2026.11)."""
    return threshold("creatinine_floor", Kinds.CREATININE)


def carboplatin_gfr_cap_ml_min() -> float:
    """GFR cap for the Calvert formula, mL/min (125 in knowledge base 2026.11)."""
    return threshold("carboplatin_gfr_cap", Kinds.CLEARANCE)


@functools.cache
def karnofsky_table() -> tuple[int | None, ...]:
    """ECOG grade for each Karnofsky score 0–100 (``None`` where the table has no row)."""
    table: list[int | None] = [None] * 101
    for low, high, ecog in _thresholds().karnofsky_to_ecog:
        for score in range(max(0, int(low)), min(100, int(high)) + 1):
            table[score] = int(ecog)
    return tuple(table)
