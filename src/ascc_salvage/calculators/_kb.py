"""Adapter from the calculators to the knowledge base (private).

Clinical thresholds (creatinine floor, carboplatin GFR cap, re-irradiation limits, the
Karnofsky mapping …) and regimens are data in :mod:`ascc_salvage.knowledge`; this module
reads them, converts them to plain floats and caches them per knowledge base, so that the
calculators' hot paths compare floats only. Every function takes an optional knowledge base
(``None``: the bundled one, which loads its files on first use).
"""

from __future__ import annotations

import functools

from ascc_salvage.knowledge import KnowledgeBase, Regimen, bundled


def _base(kb: KnowledgeBase | None) -> KnowledgeBase:
    return bundled() if kb is None else kb


def threshold(name: str, kb: KnowledgeBase | None = None) -> float:
    """The value of scalar threshold *name* as a float (in the unit the data file states)."""
    return _cached_threshold(name, _base(kb))


@functools.lru_cache(maxsize=256)
def _cached_threshold(name: str, kb: KnowledgeBase) -> float:
    return float(getattr(kb.thresholds, name).value)


def fraction(name: str, kb: KnowledgeBase | None = None) -> float:
    """The dose fraction threshold *name* sets (raises ``ValueError`` if it sets none)."""
    return _cached_fraction(name, _base(kb))


@functools.lru_cache(maxsize=64)
def _cached_fraction(name: str, kb: KnowledgeBase) -> float:
    found = getattr(kb.thresholds, name).fraction
    if found is None:
        raise ValueError(f"threshold {name!r} sets no dose fraction")
    return float(found)


def creatinine_floor_mg_dl(kb: KnowledgeBase | None = None) -> float:
    """Serum creatinine floor for Cockcroft–Gault, mg/dL (0.7 in knowledge base 2026.11)."""
    return threshold("creatinine_floor", kb)


def carboplatin_gfr_cap_ml_min(kb: KnowledgeBase | None = None) -> float:
    """GFR cap for the Calvert formula, mL/min (125 in knowledge base 2026.11)."""
    return threshold("carboplatin_gfr_cap", kb)


def karnofsky_table(kb: KnowledgeBase | None = None) -> tuple[int | None, ...]:
    """ECOG grade for each Karnofsky score 0–100 (``None`` where the table has no row)."""
    return _karnofsky_table(_base(kb))


@functools.lru_cache(maxsize=16)
def _karnofsky_table(kb: KnowledgeBase) -> tuple[int | None, ...]:
    table: list[int | None] = [None] * 101
    for low, high, ecog in kb.thresholds.karnofsky_to_ecog:
        for score in range(max(0, low), min(100, high) + 1):
            table[score] = ecog
    return tuple(table)


def organ_limits(kb: KnowledgeBase | None = None) -> tuple[tuple[str, float, float, float], ...]:
    """Re-irradiation limits as ``(organ, alpha_beta_gy, no_recovery_gy, recovery_gy)``."""
    return _organ_limits(_base(kb))


@functools.lru_cache(maxsize=16)
def _organ_limits(kb: KnowledgeBase) -> tuple[tuple[str, float, float, float], ...]:
    return tuple(
        (
            limit.organ,
            float(limit.alpha_beta_gy),
            float(limit.no_recovery_gy),
            float(limit.recovery_gy),
        )
        for limit in kb.thresholds.reirradiation_limits
    )


def groin_organs(kb: KnowledgeBase | None = None) -> tuple[tuple[str, float], ...]:
    """``(organ, α/β)`` of the groin organs reported without a limit (§6.4)."""
    return _groin_organs(_base(kb))


@functools.lru_cache(maxsize=16)
def _groin_organs(kb: KnowledgeBase) -> tuple[tuple[str, float], ...]:
    return tuple((o.organ, float(o.alpha_beta_gy)) for o in kb.thresholds.groin_organs)


def schedule(schedule_id: str, kb: KnowledgeBase | None = None) -> tuple[float, int]:
    """Total dose (Gy) and fractions of a radiotherapy schedule of the knowledge base."""
    return _schedule(schedule_id, _base(kb))


@functools.lru_cache(maxsize=64)
def _schedule(schedule_id: str, kb: KnowledgeBase) -> tuple[float, int]:
    found = kb.schedules[schedule_id]
    return float(found.total_dose_gy), int(found.fractions)


def regimen(regimen_id: str, kb: KnowledgeBase | None = None) -> Regimen:
    """A regimen of the knowledge base (raises ``KeyError`` for an unknown id)."""
    return _base(kb).regimens[regimen_id]
