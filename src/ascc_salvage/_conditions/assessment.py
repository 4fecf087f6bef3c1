"""Conditions of the §2 rule table (disease status and the overriding situations)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Final

from ascc_salvage._conditions import ConditionSpec, ConditionValue, declare_conditions
from ascc_salvage.vocabulary import Biopsy, DiseaseStatus

if TYPE_CHECKING:  # pragma: no cover - typing only (the engine imports this package)
    from ascc_salvage.engine._facts import Facts

S = DiseaseStatus
_ACTIVE: Final = frozenset({S.PERSISTENT, S.PROGRESSIVE, S.RECURRENT, S.UNTREATED_PRIMARY})
#: The case fields the disease status is derived from (clinical pathway §2).
STATUS_FIELDS: Final = (
    "primary.chemoradiotherapy",
    "assessments",
    "prior_salvage_surgery",
    "disease.sites",
    "evaluation_date",
)


def routing_input(f: Facts, name: str) -> Any:
    """Routing input *name* of the facts; when unknown the engine evaluates each value (§0).

    A condition built on a routing input is therefore never unknown itself.
    """
    value = getattr(f, name)
    if value is None:  # the rare path: the engine's signal, imported when raised
        from ascc_salvage.engine._inputs import UnknownInput

        raise UnknownInput(name)
    return value


def _status(*statuses: DiseaseStatus, text: str) -> Any:
    wanted = frozenset(statuses)

    def evaluate(f: Facts) -> ConditionValue:
        status = f.status.status
        return ConditionValue(status in wanted, f"status {status}: {text}")

    return evaluate


def _response_assessed(f: Facts) -> ConditionValue:
    status = f.status.status
    if status is S.ASSESSMENT_DUE:
        due = f.status.assessment_due_from
        return ConditionValue(
            None,
            "the 26-week response is not yet assessed: record an assessment dated on or after "
            + ("the end of the calendar" if due is None else due.isoformat()),
            ("assessments",),
        )
    if status is S.TOO_EARLY_TO_ASSESS:
        return ConditionValue(False, "before week 26: the response is not yet assessable")
    return ConditionValue(True, f"status {status}")


def _hsil_only_biopsy(f: Facts) -> ConditionValue:
    status = f.status
    hsil = status.status is S.EQUIVOCAL and status.deciding_biopsy is Biopsy.HSIL_ONLY
    return ConditionValue(
        hsil, "HSIL only on biopsy" if hsil else f"deciding biopsy {status.deciding_biopsy}"
    )


def _deciding_biopsy(*results: Biopsy) -> Any:
    """Status equivocal and the deciding biopsy one of *results* (§2 rule 6, §0.3 reasons)."""
    wanted = frozenset(results)

    def evaluate(f: Facts) -> ConditionValue:
        status = f.status
        found = status.status is S.EQUIVOCAL and status.deciding_biopsy in wanted
        return ConditionValue(found, f"deciding biopsy {status.deciding_biopsy}")

    return evaluate


def _poor_performance_status(f: Facts) -> ConditionValue:
    ecog = int(routing_input(f, "ecog"))
    limit = int(f.kb.thresholds.ecog_best_supportive_care_min.value)
    return ConditionValue(ecog >= limit, f"ECOG {ecog}")


def _frailty_scale_dependent(f: Facts) -> ConditionValue:
    scale = f.case.patient.clinical_frailty_scale
    if scale is None:
        return ConditionValue(False, "clinical frailty scale not recorded")
    limit = int(f.kb.thresholds.cfs_best_supportive_care_min.value)
    return ConditionValue(scale >= limit, f"clinical frailty scale {scale}")


def _declines_active_treatment(f: Facts) -> ConditionValue:
    declines = f.case.patient.declines_active_treatment is True
    return ConditionValue(declines, "declines active treatment" if declines else "not declined")


def _ongoing_systemic_line(f: Facts) -> ConditionValue:
    ongoing = f.ongoing_line
    return ConditionValue(ongoing, "a systemic line is ongoing" if ongoing else "none ongoing")


declare_conditions(
    ConditionSpec(
        "active_disease",
        "Active disease: status persistent, progressive, recurrent or untreated primary.",
        STATUS_FIELDS,
        False,
        _status(*_ACTIVE, text="active disease"),
    ),
    ConditionSpec(
        "too_early_to_assess",
        "Status too_early_to_assess: before week 26 and not progressing.",
        STATUS_FIELDS,
        False,
        _status(S.TOO_EARLY_TO_ASSESS, text="before week 26"),
    ),
    ConditionSpec(
        "assessment_due",
        "Status assessment_due: past week 26 with no response assessment at or after it.",
        STATUS_FIELDS,
        False,
        _status(S.ASSESSMENT_DUE, text="the 26-week assessment is overdue"),
    ),
    ConditionSpec(
        "no_evaluable_disease",
        "Status complete_clinical_response or no_evidence_of_disease.",
        STATUS_FIELDS,
        False,
        _status(
            S.COMPLETE_CLINICAL_RESPONSE, S.NO_EVIDENCE_OF_DISEASE, text="no evaluable disease"
        ),
    ),
    ConditionSpec(
        "response_assessed_at_26_weeks",
        "The response is assessed at or after week 26. Unknown while that assessment is "
        "overdue (status assessment_due); false before week 26.",
        ("assessments",),
        True,
        _response_assessed,
    ),
    ConditionSpec(
        "hsil_only_biopsy",
        "Status equivocal and the deciding biopsy (of the latest assessment, site biopsies "
        "included) shows HSIL only: no invasive carcinoma.",
        ("assessments",),
        False,
        _hsil_only_biopsy,
    ),
    ConditionSpec(
        "non_malignant_biopsy",
        "Status equivocal and the deciding biopsy is negative or shows non-viable cells only "
        "(a residual finding not confirmed): the reason names the biopsy, not imaging (§0.3).",
        ("assessments",),
        False,
        _deciding_biopsy(Biopsy.NEGATIVE, Biopsy.NON_VIABLE),
    ),
    ConditionSpec(
        "positive_biopsy_equivocal_finding",
        "Status equivocal and the deciding biopsy is positive: the finding itself is equivocal "
        "(§2 rule 6 applies whatever the biopsy).",
        ("assessments",),
        False,
        _deciding_biopsy(Biopsy.POSITIVE),
    ),
    ConditionSpec(
        "poor_performance_status",
        "ECOG (or Karnofsky mapped to ECOG) at least the threshold "
        "``ecog_best_supportive_care_min``. ECOG is a routing input: when it is unknown the "
        "engine evaluates each value (§0), so the condition itself is never unknown.",
        ("patient.ecog", "patient.karnofsky"),
        False,
        _poor_performance_status,
    ),
    ConditionSpec(
        "frailty_scale_dependent",
        "Clinical frailty scale at least ``cfs_best_supportive_care_min`` (dependent for "
        "personal care, or terminally ill): the ECOG ≥ 3 override applies (§2.4; a missing "
        "value does not count).",
        ("patient.clinical_frailty_scale",),
        False,
        _frailty_scale_dependent,
    ),
    ConditionSpec(
        "declines_active_treatment",
        "The patient declines active treatment (recorded true).",
        ("patient.declines_active_treatment",),
        False,
        _declines_active_treatment,
    ),
    ConditionSpec(
        "ongoing_systemic_line",
        "A systemic line for this cancer is ongoing with no progression or recurrence "
        "recorded after its start.",
        ("prior_systemic_therapy", "assessments"),
        False,
        _ongoing_systemic_line,
    ),
)
