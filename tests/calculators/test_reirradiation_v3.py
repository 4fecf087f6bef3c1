"""The §6 screen with the schema-2 radiotherapy facts (clinical pathway v3).

Phases of the primary chemoradiotherapy (a brachytherapy boost), prior-course techniques
(SABR, HDR and LDR brachytherapy, IORT), the sacral plexus limit, the groin organs without a
limit, and the rule id (6.1–6.5) of a verdict. The cumulative EQD2 of the phased course is
worked by hand below and checked through the calculator and through ``recommend``.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import pathlib
from types import SimpleNamespace
from typing import Any

import pytest

from ascc_salvage import load_case, recommend, result_to_dict, result_to_json
from ascc_salvage.calculators import (
    RadiotherapyCourse,
    ReirradiationVerdict,
    radiotherapy_courses,
    reirradiation_feasibility,
)
from ascc_salvage.calculators.adjustments import phases_eqd2
from ascc_salvage.calculators.dose_plan import radiotherapy_plan
from ascc_salvage.calculators.reirradiation import case_courses, groin_irradiated
from ascc_salvage.units import Q_
from ascc_salvage.vocabulary import OptionId, RadiotherapyTechnique, Tier

from ._support import approx

CASES = pathlib.Path(__file__).parents[1] / "engine" / "cases"
FEASIBLE = ReirradiationVerdict.FEASIBLE
NOT_FEASIBLE = ReirradiationVerdict.NOT_FEASIBLE
UNDETERMINED = ReirradiationVerdict.UNDETERMINED


def _document(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((CASES / f"{name}.json").read_text("utf-8"))["case"]
    return document


def _boost_document() -> dict[str, Any]:
    """Recurrence 16 months after a phased CRT (R1 expected: §4.1e offers re-irradiation).

    Phases: sequence 1 EBRT 45 Gy/25 to the primary with 40 Gy/25 to the pelvic nodes (a
    simultaneous integrated plan), sequence 2 an HDR brachytherapy boost of 2 × 4 Gy to the
    primary. Total 53 Gy in 27 fractions.
    """
    return _document("v3_6.3_phases_brachytherapy_boost_reduced_plan")


# Worked by hand, EQD2 = D (d + α/β) / (2 + α/β) per phase, summed over sequences; per
# sequence only the highest-dose phase among the primary and the pelvic nodes counts (the
# 40 Gy nodal phase is below the 45 Gy primary phase of the same sequence):
#
#   α/β 3 Gy (small bowel, colon/rectum, bladder):
#     sequence 1: 45 × (1.8 + 3) / (2 + 3) = 45 × 4.8 / 5 = 43.2 Gy
#     sequence 2:  8 × (4.0 + 3) / (2 + 3) =  8 × 7.0 / 5 = 11.2 Gy
#     previous                                            = 54.4 Gy
#   α/β 2 Gy (sacral plexus):
#     sequence 1: 45 × (1.8 + 2) / (2 + 2) = 45 × 3.8 / 4 = 42.75 Gy
#     sequence 2:  8 × (4.0 + 2) / (2 + 2) =  8 × 6.0 / 4 = 12.0 Gy
#     previous                                            = 54.75 Gy
#
# The default re-irradiation, 39 Gy in 26 × 1.5 Gy, adds 39 × 4.5 / 5 = 35.1 Gy (α/β 3) and
# 39 × 3.5 / 4 = 34.125 Gy (α/β 2): the plexus would reach 54.75 + 34.125 = 88.875 Gy, over
# its 85 Gy limit with recovery (interval 16 months ≥ 12). The plexus budget 85 − 54.75 =
# 30.25 Gy allows D = 30.25 × (2 + 2) / (1.5 + 2) = 34.571 Gy at 1.5 Gy per fraction, i.e.
# 23 whole fractions = 34.5 Gy (≥ the 30 Gy minimum). With 34.5 Gy:
#   α/β 3: 54.4 + 34.5 × 4.5 / 5 = 54.4 + 31.05 = 85.45 Gy (limits 90, 100, 110)
#   α/β 2: 54.75 + 34.5 × 3.5 / 4 = 54.75 + 30.1875 = 84.9375 Gy (limit 85)
#
# Read at the average dose per fraction (v2: 53 Gy / 27 = 1.963 Gy), the same course would
# give 53 × 4.963 / 5 = 52.61 Gy (α/β 3) and 53 × 3.963 / 4 = 52.51 Gy (α/β 2): the hot
# brachytherapy fractions are what the phases add.
PREVIOUS_AB3 = 43.2 + 11.2
PREVIOUS_AB2 = 42.75 + 12.0
PLANNED_GY = 34.5
EXPECTED = {
    "small_bowel": (PREVIOUS_AB3, 85.45, 90.0),
    "colon_rectum": (PREVIOUS_AB3, 85.45, 100.0),
    "bladder": (PREVIOUS_AB3, 85.45, 110.0),
    "sacral_plexus": (PREVIOUS_AB2, 84.9375, 85.0),
}


def test_brachytherapy_boost_by_hand_through_the_calculator() -> None:
    case = load_case(_boost_document())
    crt = case.primary.chemoradiotherapy
    assert crt is not None
    # The phases calculator agrees with the hand sums.
    assert approx(phases_eqd2(crt.phases, alpha_beta=Q_(3, "Gy")).m_as("Gy"), 54.4)
    assert approx(phases_eqd2(crt.phases, alpha_beta=Q_(2, "Gy")).m_as("Gy"), 54.75)
    courses = radiotherapy_courses(case)
    # One pelvic course per sequence, at its own dose per fraction (the groins were irradiated
    # without a recorded dose: a groin course of unknown dose follows).
    assert [(str(c.region), c.fractions, c.dose_field) for c in courses] == [
        ("pelvis", 25, "primary.chemoradiotherapy.phases[0].dose"),
        ("pelvis", 2, "primary.chemoradiotherapy.phases[2].dose"),
        ("groin", 27, "primary.chemoradiotherapy.groin_dose"),
    ]
    result = reirradiation_feasibility(
        region="pelvis",
        previous_courses=courses,
        evaluation_date=case.evaluation_date,
        recurrent_after_complete_response=True,
        ecog=1,
    )
    assert result.verdict is FEASIBLE
    assert result.rule is None
    assert result.recovery is True
    assert result.planned_fractions == 23
    assert approx(result.planned_total_dose_gy, PLANNED_GY)
    assert approx(result.largest_feasible_total_dose_gy or 0.0, 30.25 * 4 / 3.5)
    organs = {o.organ: o for o in result.organs}
    for organ, (previous, cumulative, limit) in EXPECTED.items():
        assert approx(organs[organ].previous_eqd2_gy, previous), organ
        assert approx(organs[organ].cumulative_eqd2_gy, cumulative), organ
        assert organs[organ].limit_gy == limit
        assert organs[organ].within_limit is True
    # Without the phases (v2: the total at the average dose per fraction) the screen differs.
    flat = reirradiation_feasibility(
        region="pelvis",
        previous_courses=[RadiotherapyCourse("pelvis", crt.end_date, Q_(53, "Gy"), 27)],
        evaluation_date=case.evaluation_date,
        recurrent_after_complete_response=True,
        ecog=1,
    )
    assert approx(flat.organs[0].previous_eqd2_gy, 53 * (53 / 27 + 3) / 5)
    assert flat.organs[0].previous_eqd2_gy < PREVIOUS_AB3


def test_brachytherapy_boost_by_hand_through_recommend() -> None:
    result = recommend(load_case(_boost_document()))
    option = result.option(OptionId.REIRRADIATION)
    assert option.tier is Tier.ALTERNATIVE
    plan = result_to_dict(result)["options"]
    document = next(o for o in plan if o["option"] == "reirradiation")["dose_plan"]
    assert document["fractions"] == 23
    assert approx(document["total_dose"]["value"], PLANNED_GY)
    for entry in document["cumulative_eqd2"]:
        _, cumulative, limit = EXPECTED[entry["organ"]]
        assert approx(entry["value"]["value"], cumulative), entry["organ"]
        assert entry["limit"] == {"value": limit, "unit": "Gy"}


def test_a_bigger_boost_exceeds_the_plexus_limit() -> None:
    # 2 × 5 Gy: α/β 2 gives 45 × 3.8/4 + 10 × 7/4 = 42.75 + 17.5 = 60.25 Gy; the plexus budget
    # 85 − 60.25 = 24.75 Gy allows 24.75 × 4/3.5 = 28.29 Gy < 30 Gy: not feasible (6.3).
    case = load_case(_document("v3_6.3_phases_brachytherapy_boost_exceeds_limit"))
    result = reirradiation_feasibility(
        region="pelvis",
        previous_courses=radiotherapy_courses(case),
        evaluation_date=case.evaluation_date,
        recurrent_after_complete_response=True,
        ecog=1,
    )
    assert result.verdict is NOT_FEASIBLE
    assert result.rule == "6.3"
    assert approx(result.largest_feasible_total_dose_gy or 0.0, 24.75 * 4 / 3.5)
    assert result.planned_total_dose_gy == 39.0
    option = recommend(case).option(OptionId.REIRRADIATION)
    assert option.tier is Tier.NOT_RECOMMENDED
    assert option.rules[-1] == "6.3"


def test_lung_sabr_34_gy_in_one_fraction_is_accepted_and_outside_both_screens() -> None:
    document = _document("v3_6_sabr_lung_prior_course")
    case = load_case(document)
    (course,) = case.prior_radiotherapy
    assert course.technique is RadiotherapyTechnique.SABR
    assert course.dose.canonical / course.fractions == 34.0  # above the 25 Gy pelvic bound
    result = recommend(case)  # not refused: the engine reads the technique
    option = result.option(OptionId.REIRRADIATION)
    assert option.tier is Tier.ALTERNATIVE
    without = copy.deepcopy(document)
    without["prior_radiotherapy"] = []
    reference = recommend(load_case(without)).option(OptionId.REIRRADIATION)
    assert option.dose_plan == reference.dose_plan  # the region-other course enters no screen
    # The same SABR dose in the pelvis is refused by the case format (P3: 25 Gy per fraction).
    pelvic = copy.deepcopy(document)
    pelvic["prior_radiotherapy"][0]["region"] = "pelvis"
    with pytest.raises(Exception, match=r"prior_radiotherapy\[0\]"):
        load_case(pelvic)


@pytest.mark.parametrize(
    ("technique", "dose", "fractions", "previous_ab3", "nominal"),
    [
        # Pelvic SABR 35 Gy/5 (7 Gy per fraction): LQ at its own dose, 35 × 10/5 = 70 Gy.
        ("sabr", 35.0, 5, 70.0, False),
        # HDR brachytherapy 2 × 12 Gy: 24 × 15/5 = 72 Gy, nominal above 10 Gy per fraction.
        ("hdr_brachytherapy", 24.0, 2, 72.0, True),
        # IORT 15 Gy × 1: 15 × 18/5 = 54 Gy, nominal.
        ("iort", 15.0, 1, 54.0, True),
        # LDR 145 Gy: the prescription counts as EQD2 at every α/β (nominal).
        ("ldr_brachytherapy", 145.0, 1, 145.0, True),
        ("conventional", 45.0, 25, 43.2, False),
    ],
)
def test_prior_course_techniques(
    technique: str, dose: float, fractions: int, previous_ab3: float, nominal: bool
) -> None:
    course = RadiotherapyCourse(
        "pelvis", dt.date(2020, 1, 1), Q_(dose, "Gy"), fractions, technique=technique
    )
    result = reirradiation_feasibility(
        region="pelvis",
        previous_courses=[course],
        evaluation_date=dt.date(2026, 11, 26),
        recurrent_after_complete_response=True,
        ecog=1,
    )
    organs = {o.organ: o for o in result.organs}
    assert approx(organs["small_bowel"].previous_eqd2_gy, previous_ab3)
    if technique == "ldr_brachytherapy":
        assert organs["sacral_plexus"].previous_eqd2_gy == 145.0
    assert result.nominal is nominal


def test_case_model_ldr_course_and_unknown_technique() -> None:
    document = _document("v3_6.3_prior_ldr_brachytherapy")
    case = load_case(document)
    assert case_courses(case)[-1][5] is True
    assert radiotherapy_courses(case)[-1].technique is RadiotherapyTechnique.LDR_BRACHYTHERAPY
    direct = reirradiation_feasibility(
        region="pelvis",
        previous_courses=case.prior_radiotherapy,  # case-model courses carry their technique
        evaluation_date=case.evaluation_date,
        recurrent_after_complete_response=True,
        ecog=1,
    )
    assert direct.organs[0].previous_eqd2_gy == 145.0
    assert direct.nominal is True
    with pytest.raises(ValueError, match=r"previous_courses\[0\].technique"):
        reirradiation_feasibility(
            region="pelvis",
            previous_courses=[
                SimpleNamespace(
                    region="pelvis",
                    end_date=dt.date(2020, 1, 1),
                    total_dose=Q_(50, "Gy"),
                    fractions=25,
                    technique="proton",
                )
            ],
            evaluation_date=dt.date(2026, 11, 26),
            recurrent_after_complete_response=True,
        )


def test_sacral_plexus_limit_without_recovery_when_abutted() -> None:
    # 50.4 Gy/28 two years earlier: plexus 47.88 + 34.125 = 82.005 Gy fits 85 but not 67.
    course = RadiotherapyCourse("pelvis", dt.date(2024, 11, 1), Q_(50.4, "Gy"), 28)
    arguments: dict[str, Any] = {
        "region": "pelvis",
        "previous_courses": [course],
        "evaluation_date": dt.date(2026, 11, 26),
        "recurrent_after_complete_response": True,
        "ecog": 1,
    }
    assert reirradiation_feasibility(**arguments).verdict is FEASIBLE
    abutted = reirradiation_feasibility(**arguments, tumour_abuts_sacral_plexus=True)
    assert abutted.verdict is NOT_FEASIBLE
    assert abutted.rule == "6.3"
    limits = {o.organ: o.limit_gy for o in abutted.organs}
    assert limits == {"small_bowel": 90, "colon_rectum": 100, "bladder": 110, "sacral_plexus": 67}
    with pytest.raises(TypeError, match="tumour_abuts_sacral_plexus"):
        reirradiation_feasibility(**arguments, tumour_abuts_sacral_plexus=None)


@pytest.mark.parametrize(
    ("changes", "verdict", "rule"),
    [
        ({"recurrent_after_complete_response": False}, NOT_FEASIBLE, "6.1"),
        ({"recurrent_after_complete_response": None}, UNDETERMINED, "6.1"),
        ({"ecog": 3}, NOT_FEASIBLE, "6.5"),
        ({"ecog": None}, UNDETERMINED, "6.5"),
        ({"ecog": 3, "recurrent_after_complete_response": False}, NOT_FEASIBLE, "6.1"),
        ({"months": 4}, NOT_FEASIBLE, "6.2"),
        ({"months": 4, "ecog": None}, NOT_FEASIBLE, "6.2"),
        ({"months": 8}, NOT_FEASIBLE, "6.3"),  # no-recovery limits: under 30 Gy
        ({}, FEASIBLE, None),
    ],
)
def test_rule_of_the_verdict(changes: dict[str, Any], verdict: Any, rule: str | None) -> None:
    months = changes.pop("months", 24)
    end = {24: dt.date(2024, 11, 1), 8: dt.date(2026, 3, 1), 4: dt.date(2026, 7, 1)}[months]
    arguments: dict[str, Any] = {
        "region": "pelvis",
        "previous_courses": [RadiotherapyCourse("pelvis", end, Q_(50.4, "Gy"), 28)],
        "evaluation_date": dt.date(2026, 11, 26),
        "recurrent_after_complete_response": True,
        "ecog": 1,
        **changes,
    }
    result = reirradiation_feasibility(**arguments)
    assert result.verdict is verdict
    assert result.rule == rule


def test_groin_phases_and_prior_groin_courses() -> None:
    case = load_case(_document("v3_4.4e_fixed_groin_reirradiation_groin_phase"))
    assert case.primary.chemoradiotherapy is not None
    assert case.primary.chemoradiotherapy.groins_irradiated is None
    assert groin_irradiated(case) is True  # a phase targets the groins
    groin = [c for c in radiotherapy_courses(case) if str(c.region) == "groin"]
    assert [(c.fractions, c.dose_field) for c in groin] == [
        (28, "primary.chemoradiotherapy.phases[1].dose")
    ]
    result = reirradiation_feasibility(
        region="groin",
        previous_courses=radiotherapy_courses(case),
        evaluation_date=case.evaluation_date,
        recurrent_after_complete_response=True,
        ecog=1,
    )
    assert result.verdict is FEASIBLE
    # 45 Gy/28 (1.607 Gy per fraction) + 39 Gy/26: femoral head and neck (α/β 3)
    # 45 × (45/28 + 3)/5 + 35.1 = 41.464 + 35.1 = 76.564 Gy; femoral nerve (α/β 2)
    # 45 × (45/28 + 2)/4 + 34.125 = 40.580 + 34.125 = 74.705 Gy; no limit for either.
    organs = {o.organ: o for o in result.organs}
    assert approx(organs["femoral_head_neck"].cumulative_eqd2_gy, 76.564)
    assert approx(organs["femoral_nerve"].cumulative_eqd2_gy, 74.705)
    assert all(o.limit_gy is None for o in result.organs)

    prior = load_case(_document("v3_4.4e_groin_irradiated_by_prior_course"))
    assert prior.primary.chemoradiotherapy is not None
    assert prior.primary.chemoradiotherapy.groins_irradiated is False
    assert groin_irradiated(prior) is True  # a prior course with region groin
    untreated = copy.deepcopy(_document("v3_4.4e_groin_irradiated_by_prior_course"))
    untreated["primary"]["chemoradiotherapy"]["groins_irradiated"] = None
    untreated["prior_radiotherapy"] = []
    assert groin_irradiated(load_case(untreated)) is None
    untreated["primary"]["chemoradiotherapy"] = None
    assert groin_irradiated(load_case(untreated)) is None


def test_groin_limit_is_null_in_every_serialisation() -> None:
    case = load_case(_document("v3_4.4e_fixed_groin_reirradiation_groin_phase"))
    result = recommend(case)
    option = result.option(OptionId.REIRRADIATION)
    assert option.rules[-1] == "4.4e"
    plan = option.dose_plan
    assert plan is not None
    via_to_dict = plan.to_dict()["cumulative_eqd2"]  # type: ignore[index]
    assert [entry["limit"] for entry in via_to_dict] == [None, None]
    via_json = json.loads(result_to_json(result))
    document = next(o for o in via_json["options"] if o["option"] == "reirradiation")
    assert [entry["limit"] for entry in document["dose_plan"]["cumulative_eqd2"]] == [None, None]
    assert (
        document["dose_plan"]
        == next(o for o in result_to_dict(result)["options"] if o["option"] == "reirradiation")[
            "dose_plan"
        ]
    )
    screen = reirradiation_feasibility(
        region="groin",
        previous_courses=radiotherapy_courses(case),
        evaluation_date=case.evaluation_date,
        recurrent_after_complete_response=True,
        ecog=1,
    )
    standalone = radiotherapy_plan("reirradiation", reirradiation=screen).to_dict()
    assert [entry["limit"] for entry in standalone["cumulative_eqd2"]] == [None, None]  # type: ignore[index, union-attr]
