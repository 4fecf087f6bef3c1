"""Conditions of the §7 rule table (untreated primary)."""

from __future__ import annotations

from typing import TYPE_CHECKING

from ascc_salvage._conditions import (
    ConditionSpec,
    ConditionValue,
    declare_conditions,
    declare_routines,
)
from ascc_salvage.staging import MCategory, NCategory, TCategory
from ascc_salvage.vocabulary import InvadedStructure, PrimarySite, Site

if TYPE_CHECKING:  # pragma: no cover - typing only (the engine imports this package)
    from ascc_salvage.engine._facts import Facts


def _metastatic(f: Facts) -> ConditionValue:
    m1 = f.case.primary.stage.m is MCategory.M1
    return ConditionValue(m1 or f.distant, "M1 at diagnosis or a distant site in disease")


def _para_aortic_only(f: Facts) -> ConditionValue:
    sites = f.distant_sites
    value = bool(sites) and all(s.site is Site.PARA_AORTIC_NODES for s in sites)
    return ConditionValue(value, "para-aortic nodes the only distant site")


def _local_excision_max_size(f: Facts) -> float:
    return float(f.kb.thresholds.local_excision_max_size.value)


def _anal_margin_t1_n0_m0(f: Facts) -> ConditionValue:
    primary = f.case.primary
    stage = primary.stage
    size = f.largest_local_size_cm
    value = (
        primary.site is PrimarySite.ANAL_MARGIN
        and stage.t is TCategory.T1
        and stage.n is NCategory.N0
        and not any(s.site in (Site.INGUINAL_NODES, Site.PELVIC_NODES) for s in f.sites)
        and (size is None or size <= _local_excision_max_size(f))
    )
    explanation = f"{primary.site}, {stage.t} {stage.n} {stage.m}" + (
        f", largest size {size:g} cm" if size is not None else ""
    )
    return ConditionValue(value, explanation)


def _sphincter_not_invaded(f: Facts) -> ConditionValue:
    disease = f.case.disease
    invaded = InvadedStructure.SPHINCTER in f.invaded
    # Not restaged: a recorded invasion still counts, its absence proves nothing.
    if (disease is None or disease.restaged is not True) and not invaded:
        missing = ("disease.restaged",) if disease is not None else ("disease",)
        return ConditionValue(
            None, "sphincter invasion unknown: current extent not restaged", missing
        )
    return ConditionValue(not invaded, f"sphincter invasion {invaded}")


declare_conditions(
    ConditionSpec(
        "metastatic",
        "Metastatic at diagnosis: stage M1, or a distant site among the current disease sites.",
        ("primary.stage.m", "disease.sites"),
        False,
        _metastatic,
    ),
    ConditionSpec(
        "para_aortic_only",
        "Para-aortic nodes are the only distant site.",
        ("disease.sites",),
        False,
        _para_aortic_only,
    ),
    ConditionSpec(
        "anal_margin_t1_n0_m0",
        "An anal-margin T1 N0 primary with no inguinal or pelvic nodal site, no larger "
        "than the threshold ``local_excision_max_size`` when a size is recorded.",
        ("primary.site", "primary.stage", "disease.sites"),
        False,
        _anal_margin_t1_n0_m0,
    ),
    ConditionSpec(
        "sphincter_not_invaded",
        "The anal sphincter is not invaded. Unknown when the current extent is not "
        "restaged and no sphincter invasion is recorded (a recorded invasion counts).",
        ("disease.restaged", "disease.invaded_structures"),
        True,
        _sphincter_not_invaded,
    ),
)

declare_routines(
    systemic_first_line=(
        "The first-line systemic pathway (§5.2) for metastatic disease; reads ECOG (a "
        "routing input: unknown ECOG is branched) and the §5.1 eligibility criteria."
    ),
)
