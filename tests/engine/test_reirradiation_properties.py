"""Properties of curative re-irradiation (clinical pathway §6, v3) over generated cases.

The cases are drawn around four situations that reach the §6 screen (local recurrence with
an R1 margin, unresectable local disease, resectable and fixed groin recurrence), with the
schema-2 radiotherapy facts generated: phases of the primary chemoradiotherapy (external
beam with a brachytherapy boost, pelvic-node and groin phases, from
:func:`ascc_salvage.testing.strategies.radiotherapy_phases`), prior courses of every
technique (SABR, HDR and LDR brachytherapy, IORT), groin irradiation and dose, re-irradiation
expertise, performance status, sacral invasion and the disease status.

Invariants:

* ``reirradiation`` is never preferred (tiny case series: never a substitute for resection);
* it is never offered (alternative) when the cumulative EQD2 of its plan exceeds a limit;
* when it is offered for the pelvis, an independent computation of the §6.3 screen from the
  case (phases per sequence, LDR at its prescription, the plexus limit when abutted) agrees
  with the plan and finds even the 30 Gy minimum within every limit;
* wherever it is offered it carries ``very_low_evidence`` and
  ``requires_cumulative_dose_plan``, and ``requires_reirradiation_expertise`` unless the
  facility records the expertise.
"""

from __future__ import annotations

import datetime as dt
import json
import pathlib
from typing import Any

import attrs
from hypothesis import HealthCheck, given, reject, settings
from hypothesis import strategies as st

from ascc_salvage import CaseValidationError, load_case, recommend
from ascc_salvage._dates import whole_months_between
from ascc_salvage.case import Case, Dose
from ascc_salvage.testing.strategies import prior_radiotherapies, radiotherapy_phases
from ascc_salvage.vocabulary import (
    Flag,
    OptionId,
    PhaseTarget,
    RadiotherapyRegion,
    RadiotherapyTechnique,
    Tier,
)

CASES = pathlib.Path(__file__).parent / "cases"
EPSILON = 1e-6
#: The pelvic limits of §6.3 (organ: α/β, no recovery, recovery), restated from the spec.
LIMITS = {
    "small_bowel": (3.0, 70.0, 90.0),
    "colon_rectum": (3.0, 80.0, 100.0),
    "bladder": (3.0, 80.0, 110.0),
    "sacral_plexus": (2.0, 67.0, 85.0),
}
PLEXUS = {"sacrum_low", "sacrum_high", "coccyx", "sciatic_nerve"}
MINIMUM_GY, PER_FRACTION_GY = 30.0, 1.5


def _template(name: str, **disease: Any) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((CASES / f"{name}.json").read_text("utf-8"))["case"]
    document["schema_version"] = 2
    document["disease"].update(disease)
    return document


TEMPLATES = [
    _template("s4_1e_r1_recurrent"),
    _template("s4_1e_r1_recurrent", resectable=False, expected_margin="r2"),
    _template("s4_4_resectable_groin_irradiated"),
    _template("s4_4_fixed_femoral_groin_irradiated"),
]


def _eqd2(total: float, per_fraction: float, alpha_beta: float) -> float:
    return total * (per_fraction + alpha_beta) / (2.0 + alpha_beta)


@st.composite
def reirradiation_cases(draw: st.DrawFn) -> Case:
    case = load_case(draw(st.sampled_from(TEMPLATES)))
    crt = case.primary.chemoradiotherapy
    assert crt is not None
    fractions = draw(st.integers(15, 35))
    dose = Dose(draw(st.floats(1.2, 2.4)) * fractions, "Gy")
    groins = draw(st.sampled_from([True, False, None]))
    groin_dose = None
    if groins is not False and draw(st.booleans()):
        groin_dose = Dose(draw(st.floats(30.0, 60.0)), "Gy")
    phases = ()
    if draw(st.booleans()):
        phases = draw(
            radiotherapy_phases(dose, fractions, groins=groins is not False and not groin_dose)
        )
    priors = draw(
        st.lists(prior_radiotherapies(latest=case.evaluation_date, unsupported=True), max_size=2)
    )
    disease = case.disease
    assert disease is not None
    if draw(st.booleans()) and disease.sites[0].site != "inguinal_nodes":
        disease = attrs.evolve(disease, invaded_structures=("sacrum_low",))
    assessments = case.assessments
    if draw(st.booleans()):  # persistent disease: no documented complete response (6.1)
        assessments = (attrs.evolve(assessments[0], finding="stable", biopsy="positive"),)
    try:
        return attrs.evolve(
            case,
            patient=attrs.evolve(case.patient, ecog=draw(st.integers(0, 2))),
            primary=attrs.evolve(
                case.primary,
                chemoradiotherapy=attrs.evolve(
                    crt,
                    dose=dose,
                    fractions=fractions,
                    groins_irradiated=groins,
                    groin_dose=groin_dose,
                    groin_fractions=None,
                    phases=phases,
                ),
            ),
            assessments=assessments,
            disease=disease,
            prior_radiotherapy=tuple(priors),
            facility=attrs.evolve(
                case.facility,
                reirradiation_expertise=draw(st.sampled_from([True, False, None])),
            ),
        )
    except CaseValidationError:
        reject()


def _reference_previous(case: Case) -> dict[float, float] | None:
    """The worst-case pelvic EQD2 before re-irradiation, by α/β, computed from §6.3 directly.

    ``None`` when the case records no pelvic course (no screen).
    """
    crt = case.primary.chemoradiotherapy
    assert crt is not None
    totals = {}
    for alpha_beta in (2.0, 3.0):
        total = 0.0
        if crt.phases:
            best: dict[int, tuple[float, int]] = {}
            for phase in crt.phases:
                if phase.target in (PhaseTarget.PRIMARY, PhaseTarget.PELVIC_NODES):
                    gy = phase.dose.canonical
                    if phase.sequence not in best or gy > best[phase.sequence][0]:
                        best[phase.sequence] = (gy, phase.fractions)
            total += sum(_eqd2(gy, gy / n, alpha_beta) for gy, n in best.values())
        else:
            total += _eqd2(crt.dose.canonical, crt.dose_per_fraction_gy, alpha_beta)
        for prior in case.prior_radiotherapy:
            if prior.region is RadiotherapyRegion.PELVIS:
                gy = prior.dose.canonical
                if prior.technique is RadiotherapyTechnique.LDR_BRACHYTHERAPY:
                    total += gy
                else:
                    total += _eqd2(gy, gy / prior.fractions, alpha_beta)
        totals[alpha_beta] = total
    return totals


def _reference_limits(case: Case) -> dict[str, float]:
    crt = case.primary.chemoradiotherapy
    assert crt is not None
    ends = [crt.end_date] + [
        p.end_date for p in case.prior_radiotherapy if p.region is RadiotherapyRegion.PELVIS
    ]
    recovery = whole_months_between(max(ends), case.evaluation_date) >= 12
    assert case.disease is not None
    abutted = bool(PLEXUS & {str(s) for s in case.disease.invaded_structures})
    return {
        organ: (no if not recovery or (abutted and organ == "sacral_plexus") else rec)
        for organ, (_, no, rec) in LIMITS.items()
    }


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(reirradiation_cases())
def test_reirradiation_is_never_preferred_nor_offered_beyond_a_limit(case: Case) -> None:
    option = recommend(case).option(OptionId.REIRRADIATION)
    assert option.tier is not Tier.PREFERRED
    if option.tier is not Tier.ALTERNATIVE:
        return
    assert {Flag.VERY_LOW_EVIDENCE, Flag.REQUIRES_CUMULATIVE_DOSE_PLAN} <= set(option.flags)
    expertise = case.facility.reirradiation_expertise is True
    assert (Flag.REQUIRES_REIRRADIATION_EXPERTISE in option.flags) is not expertise
    plan = option.dose_plan
    assert plan is not None
    organs = plan.cumulative_eqd2  # type: ignore[union-attr]
    for organ in organs:
        if organ.limit_gy is not None:
            assert organ.cumulative_eqd2_gy <= organ.limit_gy + EPSILON, organ
    if not organs or organs[0].limit_gy is None:
        return  # no pelvic course, or the groin (no consensus limits)
    previous = _reference_previous(case)
    assert previous is not None
    limits = _reference_limits(case)
    total = plan.total_dose_gy  # type: ignore[union-attr]
    assert MINIMUM_GY - EPSILON <= total <= 39.0 + EPSILON
    for organ in organs:
        alpha_beta = LIMITS[organ.organ][0]
        expected = previous[alpha_beta] + _eqd2(total, PER_FRACTION_GY, alpha_beta)
        assert abs(organ.cumulative_eqd2_gy - expected) < 1e-6, organ
        assert organ.limit_gy == limits[organ.organ]
        minimum = previous[alpha_beta] + _eqd2(MINIMUM_GY, PER_FRACTION_GY, alpha_beta)
        assert minimum <= limits[organ.organ] + EPSILON


def test_the_generator_reaches_the_rows_that_matter() -> None:
    """Deterministic: the strategy reaches an offered pelvic plan with a brachytherapy boost."""
    from hypothesis import find

    def boosted_and_offered(case: Case) -> bool:
        crt = case.primary.chemoradiotherapy
        assert crt is not None
        boost = any(p.technique == "brachytherapy" and p.sequence == 2 for p in crt.phases)
        option = recommend(case).option(OptionId.REIRRADIATION)
        return boost and option.tier is Tier.ALTERNATIVE

    found = find(
        reirradiation_cases(),
        boosted_and_offered,
        settings=settings(max_examples=2000, database=None, derandomize=True, deadline=None),
    )
    assert found.evaluation_date == dt.date(2025, 6, 16)
