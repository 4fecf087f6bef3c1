"""Adapter from the calculators to the knowledge base (private).

Clinical thresholds (creatinine floor, carboplatin GFR cap, re-irradiation limits, the
Karnofsky mapping …) and regimens are data in :mod:`ascc_salvage.knowledge`; this module
reads them once, converts them to plain floats and caches them, so that the calculators' hot
paths compare floats only. The knowledge base itself loads its files on first use.
"""

from __future__ import annotations

import functools

from ascc_salvage import knowledge
from ascc_salvage.knowledge import Regimen


def threshold(name: str) -> float:
    """The value of scalar threshold *name* as a float (in the unit the data file states)."""
    return _cached_threshold(name)


@functools.cache
def _cached_threshold(name: str) -> float:
    return float(getattr(knowledge.thresholds(), name).value)


def creatinine_floor_mg_dl() -> float:
    """Serum creatinine floor for Cockcroft–Gault, mg/dL (0.7 in knowledge base 2026.11)."""
    return threshold("creatinine_floor")


def carboplatin_gfr_cap_ml_min() -> float:
    """GFR cap for the Calvert formula, mL/min (125 in knowledge base 2026.11)."""
    return threshold("carboplatin_gfr_cap")


@functools.cache
def karnofsky_table() -> tuple[int | None, ...]:
    """ECOG grade for each Karnofsky score 0–100 (``None`` where the table has no row)."""
    table: list[int | None] = [None] * 101
    for low, high, ecog in knowledge.thresholds().karnofsky_to_ecog:
        for score in range(max(0, low), min(100, high) + 1):
            table[score] = ecog
    return tuple(table)


@functools.cache
def organ_limits() -> tuple[tuple[str, float, float, float], ...]:
    """Re-irradiation limits as ``(organ, alpha_beta_gy, no_recovery_gy, recovery_gy)``."""
    return tuple(
        (
            limit.organ,
            float(limit.alpha_beta_gy),
            float(limit.no_recovery_gy),
            float(limit.recovery_gy),
        )
        for limit in knowledge.thresholds().reirradiation_limits
    )


@functools.cache
def schedule(schedule_id: str) -> tuple[float, int]:
    """Total dose (Gy) and fractions of a radiotherapy schedule of the knowledge base."""
    found = knowledge.radiotherapy_schedule(schedule_id)
    return float(found.total_dose_gy), int(found.fractions)


def regimen(regimen_id: str) -> Regimen:
    """A regimen of the knowledge base (raises ``KeyError`` for an unknown id)."""
    return knowledge.regimen(regimen_id)
