"""Which values of a case the recommendation engine (clinical pathway v2) cannot honour yet.

Case schema 2 records facts that pathway v3 reads and pathway v2 does not. The engine still
implements v2, so a case carrying such a fact would get a recommendation that silently
ignores it. :func:`unsupported_fields` lists those values by case path, and
:func:`~ascc_salvage.recommend` refuses the case with
:class:`~ascc_salvage.errors.UnsupportedCaseError`. A value is accepted when v2 gives the
result v3 would give for it: defaults and nulls, and values that only restate what v2 reads
(a conventional prior course, a DPYD activity score of 2 …). The prior therapy derived from
agents (radiosensitising agents, ``regimen: "other"``) and the biomarkers (PD-L1 provenance,
MMR/MSI, TMB) are read by the v3 systemic rules.
Fields recorded but read by no rule (``hpv``, ``p16``, ``cycles``, ``best_response``) are
accepted whatever their value.

The guard reads the case only; it is removed when the engine implements pathway v3.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Final

from ascc_salvage.case import Case, Patient
from ascc_salvage.errors import UnsupportedCaseError
from ascc_salvage.vocabulary import (
    SCHEMA_1_CONDITIONS,
    SCHEMA_1_SITES,
    RadiotherapyTechnique,
)

__all__ = ["check_supported", "unsupported_fields"]

#: CFS 6 with ``frail: true`` is what v2 reads; CFS 5 adds a flag and CFS ≥ 7 the ECOG ≥ 3
#: override in v3 (clinical pathway §2.4).
_FRAIL_CFS: Final = 6


def unsupported_fields(case: Case) -> tuple[str, ...]:
    """The case paths of the values of *case* that the v2 engine cannot honour, in order.

    >>> import attrs
    >>> from ascc_salvage.examples import example
    >>> case = example("persistent_resectable").load()
    >>> unsupported_fields(case)
    ()
    >>> unsupported_fields(attrs.evolve(case, patient=attrs.evolve(case.patient, dialysis=True)))
    ('patient.dialysis',)
    """
    return tuple(_unsupported(case))


def check_supported(case: Case) -> None:
    """Raise :class:`~ascc_salvage.errors.UnsupportedCaseError` if *case* has such values."""
    fields = unsupported_fields(case)
    if fields:
        raise UnsupportedCaseError(fields)


def _unsupported(case: Case) -> Iterator[str]:
    yield from _patient(case.patient)
    crt = case.primary.chemoradiotherapy
    where = "primary.chemoradiotherapy"
    if crt is not None:
        if crt.end_date > case.evaluation_date:
            yield f"{where}.end_date"  # evaluation during CRT
        if crt.phases:
            yield f"{where}.phases"
    for i, assessment in enumerate(case.assessments):
        if crt is not None and assessment.date < crt.end_date:
            yield f"assessments[{i}].date"  # dated during CRT
        if assessment.site_findings:
            yield f"assessments[{i}].site_findings"
    if case.disease is not None:
        for j, site in enumerate(case.disease.sites):
            if site.site not in SCHEMA_1_SITES:
                yield f"disease.sites[{j}].site"
        if case.disease.symptoms:
            yield "disease.symptoms"
    for i, course in enumerate(case.prior_radiotherapy):
        if course.technique not in (None, RadiotherapyTechnique.CONVENTIONAL):
            yield f"prior_radiotherapy[{i}].technique"
    for name in ("clinical_trial_available", "reirradiation_expertise"):
        if getattr(case.facility, name) is False:
            yield f"facility.{name}"


def _patient(patient: Patient) -> Iterator[str]:
    for i, condition in enumerate(patient.conditions or ()):
        if condition not in SCHEMA_1_CONDITIONS:
            yield f"patient.conditions[{i}]"
    score = patient.dpyd_activity_score
    if score is not None and score < 2:
        yield "patient.dpyd_activity_score"
    scale = patient.clinical_frailty_scale
    restated = scale == _FRAIL_CFS and patient.frail is True  # what v2 reads
    if scale is not None and scale >= _FRAIL_CFS - 1 and not restated:
        yield "patient.clinical_frailty_scale"
    if patient.declines:
        yield "patient.declines"
    if patient.prefers_clinical_trial is True:
        yield "patient.prefers_clinical_trial"
    if patient.measured_gfr is not None:
        yield "patient.measured_gfr"
    if patient.dialysis is True:
        yield "patient.dialysis"
    liver = patient.hepatic_function
    for name in ("bilirubin_x_uln", "ast_x_uln", "alt_x_uln", "alp_x_uln"):
        if getattr(liver, name) is not None:
            yield f"patient.hepatic_function.{name}"
