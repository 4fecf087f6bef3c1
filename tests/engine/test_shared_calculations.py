"""The engine and the calculators share one calendar and one reading of earlier radiotherapy.

* The platinum-free interval (§5.4, ``Facts.platinum_free_interval``) counts days (pathway
  v3: "≥ 6 months" is ≥ 183 days), and so does the §5.1 window for platinum in another
  setting: the two meet on day 183 only.
* The engine's §6 screen reads a case's earlier courses through
  :func:`ascc_salvage.calculators.reirradiation.case_courses`, like
  :func:`ascc_salvage.calculators.radiotherapy_courses`.
"""

from __future__ import annotations

import datetime as dt
import json
from types import SimpleNamespace
from typing import Any

import attrs
import pytest
from hypothesis import given
from hypothesis import strategies as st

from ascc_salvage import load_case
from ascc_salvage._dates import whole_months_between
from ascc_salvage.calculators import (
    RadiotherapyCourse,
    ReirradiationVerdict,
    radiotherapy_courses,
    reirradiation_feasibility,
)
from ascc_salvage.calculators.reirradiation import GROINS_IRRADIATED_FIELD, case_courses
from ascc_salvage.case import Case
from ascc_salvage.engine._facts import Facts, derive_facts
from ascc_salvage.engine._radiotherapy import screen
from ascc_salvage.errors import CaseValidationError
from ascc_salvage.knowledge import thresholds
from ascc_salvage.status import assess_status
from ascc_salvage.units import Q_
from ascc_salvage.vocabulary import RadiotherapyRegion, TherapyOutcome, TherapySetting

from ._support import CASES_DIR

GROIN = RadiotherapyRegion.GROIN
PELVIS = RadiotherapyRegion.PELVIS

MONTH_END_PAIRS = [
    (dt.date(2025, 3, 31), dt.date(2025, 9, 30)),  # used to be 5 (engine) vs 6 (calculator)
    (dt.date(2025, 3, 31), dt.date(2025, 9, 29)),
    (dt.date(2025, 8, 31), dt.date(2026, 2, 28)),  # 28 February, across the year
    (dt.date(2023, 8, 31), dt.date(2024, 2, 29)),  # 29 February
    (dt.date(2023, 8, 31), dt.date(2024, 2, 28)),
    (dt.date(2024, 2, 29), dt.date(2025, 2, 28)),
    (dt.date(2025, 1, 31), dt.date(2025, 4, 30)),  # 31 → 30-day month
    (dt.date(2025, 4, 30), dt.date(2025, 10, 31)),  # 30 → 31-day month
    (dt.date(2025, 7, 31), dt.date(2026, 1, 31)),  # year boundary
    (dt.date(2025, 12, 31), dt.date(2026, 6, 30)),
    (dt.date(2025, 12, 15), dt.date(2026, 6, 14)),
]


def _document(name: str) -> dict[str, Any]:
    document: dict[str, Any] = json.loads((CASES_DIR / name).read_text("utf-8"))["case"]
    return document


def _case(name: str) -> Case:
    return load_case(_document(name))


def _facts(case: Any) -> Facts:
    real = _case("s4_4_resectable_groin_irradiated.json")
    return attrs.evolve(derive_facts(real, assess_status(real)), case=case)


def _platinum_free_days(last_dose: dt.date, progression: dt.date) -> int | None:
    """The engine's platinum-free interval from *last_dose* to a progression on *progression*."""
    therapy = SimpleNamespace(
        regimen="carboplatin_paclitaxel",
        setting=TherapySetting.ADVANCED,
        start_date=last_dose - dt.timedelta(days=120),
        platinum_end_date=last_dose,
        end_date=progression,
        outcome=TherapyOutcome.PROGRESSION,
    )
    case = SimpleNamespace(prior_systemic_therapy=(therapy,), assessments=())
    days, refractory, missing = _facts(case).platinum_free_interval()
    assert (refractory, missing) == (False, ())
    return days


def _reirradiation_months(course_end: dt.date, evaluation: dt.date) -> int | None:
    """The calculator's re-irradiation interval from a pelvic course ending on *course_end*."""
    return reirradiation_feasibility(
        region="pelvis",
        previous_courses=[RadiotherapyCourse("pelvis", course_end, Q_(50.4, "Gy"), 28)],
        evaluation_date=evaluation,
        recurrent_after_complete_response=True,
        ecog=1,
    ).interval_months


@pytest.mark.parametrize(("start", "end"), MONTH_END_PAIRS)
def test_the_reirradiation_interval_counts_calendar_months_at_month_ends(
    start: dt.date, end: dt.date
) -> None:
    assert _reirradiation_months(start, end) == whole_months_between(start, end)


@given(
    start=st.dates(dt.date(2000, 1, 1), dt.date(2090, 12, 31)),
    days=st.integers(1, 3000),
)
def test_the_platinum_free_interval_counts_days(start: dt.date, days: int) -> None:
    assert _platinum_free_days(start, start + dt.timedelta(days=days)) == days


@given(days=st.integers(0, 400))
def test_platinum_in_another_setting_and_the_rechallenge_interval_meet_on_day_183(
    days: int,
) -> None:
    """Within the window (§5.1) and at least the re-challenge interval (§5.4): day 183 only."""
    real = _case("s5_2_prior_radiosensitising_platinum_within_6_months.json")
    facts = derive_facts(real, assess_status(real))
    opened = facts.prior.episode_date
    last = opened - dt.timedelta(days=days)
    therapy = attrs.evolve(
        real.prior_systemic_therapy[0],
        setting=TherapySetting.NEOADJUVANT,
        start_date=last - dt.timedelta(days=60),
        platinum_end_date=last,
        end_date=last,
    )
    case = attrs.evolve(real, prior_systemic_therapy=(therapy,))
    within = derive_facts(case, assess_status(case)).platinum_pretreated
    window = int(thresholds().platinum_other_setting_window.value)
    rechallenge = int(thresholds().platinum_free_interval_rechallenge.value)
    assert within is (days <= window)
    assert (days <= window and days >= rechallenge) is (days == window)


# --- one adapter from a case to earlier radiotherapy courses ------------------------------


def test_engine_and_calculator_read_the_same_courses() -> None:
    case = _case("s4_4_resectable_groin_irradiated.json")
    facts = derive_facts(case, assess_status(case))
    courses = radiotherapy_courses(case)
    for region, name in ((GROIN, "groin"), (PELVIS, "pelvis")):
        public = reirradiation_feasibility(
            region=name,
            previous_courses=courses,
            evaluation_date=case.evaluation_date,
            recurrent_after_complete_response=facts.recurrent_after_complete_response,
            ecog=facts.ecog,
        )
        assert screen(facts, region) == public


def test_unknown_groin_irradiation_never_counts_as_not_irradiated() -> None:
    """Formerly the engine dropped the groin course when irradiation was unknown (§6 point 4)."""
    case = _case("s4_4_resectable_groin_irradiation_unknown.json")
    crt = case.primary.chemoradiotherapy
    assert crt is not None
    assert crt.groins_irradiated is None
    facts = derive_facts(case, assess_status(case))
    unknown = screen(facts, GROIN)
    assert unknown.verdict is ReirradiationVerdict.UNDETERMINED
    assert unknown.missing == (GROINS_IRRADIATED_FIELD,)
    assert case_courses(case)[1][1:] == (crt.end_date, None, None, GROINS_IRRADIATED_FIELD, False)
    assert [c.region for c in radiotherapy_courses(case)] == [PELVIS, GROIN]
    # The engine's branches replace the recorded value.
    spared = case_courses(case, groins_irradiated=False)
    assert [c[0] for c in spared] == [PELVIS]
    assert case_courses(case, groins_irradiated=True)[1][2:] == (
        None,
        crt.fractions,
        "primary.chemoradiotherapy.groin_dose",
        False,
    )


@pytest.mark.parametrize(
    ("groin_dose", "groin_fractions", "expected"),
    [
        ({"value": 45, "unit": "Gy"}, 25, (45.0, 25)),  # recorded fractions
        ({"value": 45, "unit": "Gy"}, None, (45.0, 28)),  # the course's fractions
        (None, None, (None, 28)),  # formerly None in the engine, 28 in the calculator
    ],
)
def test_groin_fractions_fall_back_only_when_not_recorded(
    groin_dose: dict[str, Any] | None, groin_fractions: int | None, expected: tuple[Any, ...]
) -> None:
    document = _document("s4_4_resectable_groin_irradiated.json")
    crt = document["primary"]["chemoradiotherapy"]
    crt["groin_dose"], crt["groin_fractions"] = groin_dose, groin_fractions
    case = load_case(document)
    groin = case_courses(case)[1]
    assert groin[0] is GROIN
    assert groin[2:4] == expected
    facts = derive_facts(case, assess_status(case))
    assert screen(facts, GROIN).missing == (
        () if groin_dose is not None else ("primary.chemoradiotherapy.groin_dose",)
    )


def test_zero_groin_fractions_cannot_reach_the_adapter() -> None:
    """``is not None`` and truthiness differed only at 0, which the case format refuses."""
    document = _document("s4_4_resectable_groin_irradiated.json")
    document["primary"]["chemoradiotherapy"]["groin_fractions"] = 0
    with pytest.raises(CaseValidationError, match="groin_fractions"):
        load_case(document)
