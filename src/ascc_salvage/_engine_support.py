"""Which values of a case the recommendation engine cannot honour yet.

Pathway v3 lands rule group by rule group. The engine does not yet read the radiosensitising
agents of the chemoradiotherapy, a prior regimen outside the catalogue or the biomarkers
beyond an upgraded ``pd_l1_cps`` (§5.1–§5.4), so a case carrying one would get a
recommendation that silently ignores it. :func:`unsupported_fields` lists those values by
case path, and :func:`~ascc_salvage.recommend` refuses the case with
:class:`~ascc_salvage.errors.UnsupportedCaseError`. A value is accepted when v2 gives the
result v3 would give for it: defaults and nulls, and values that only restate what v2 reads
(an upgraded ``pd_l1_cps``, a DPYD activity score of 2 …).
Fields recorded but read by no rule (``hpv``, ``p16``, ``cycles``, ``best_response``) are
accepted whatever their value.

The guard reads the case only; it is removed when the engine reads these facts.
"""

from __future__ import annotations

from collections.abc import Iterator

from ascc_salvage.case import Case, Patient
from ascc_salvage.errors import UnsupportedCaseError
from ascc_salvage.vocabulary import (
    OtherRegimen,
)

__all__ = ["check_supported", "unsupported_fields"]


def unsupported_fields(case: Case) -> tuple[str, ...]:
    """The case paths of the values of *case* that the v2 engine cannot honour, in order.

    >>> import attrs
    >>> from ascc_salvage.examples import example
    >>> case = example("persistent_resectable").load()
    >>> unsupported_fields(case)
    ()
    >>> from ascc_salvage.vocabulary import RadiosensitisingAgent as Agent
    >>> crt = attrs.evolve(case.primary.chemoradiotherapy, agents=(Agent.MITOMYCIN,))
    >>> primary = attrs.evolve(case.primary, chemoradiotherapy=crt)
    >>> unsupported_fields(attrs.evolve(case, primary=primary))
    ('primary.chemoradiotherapy.agents',)
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
    if crt is not None and crt.agents is not None:
        yield f"{where}.agents"
    for i, therapy in enumerate(case.prior_systemic_therapy):
        if therapy.regimen is OtherRegimen.OTHER:
            yield f"prior_systemic_therapy[{i}].regimen"


def _patient(patient: Patient) -> Iterator[str]:
    markers = patient.biomarkers
    tests = markers.pd_l1
    if tests and not (
        len(tests) == 1 and tests[0].upgraded and (patient.pd_l1_cps in (None, tests[0].cps))
    ):
        yield "patient.biomarkers.pd_l1"
    if markers.mmr_msi is not None:
        yield "patient.biomarkers.mmr_msi"
    if markers.tmb_mut_per_mb is not None:
        yield "patient.biomarkers.tmb_mut_per_mb"
