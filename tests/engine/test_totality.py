"""Totality: ``recommend`` returns a result for every case, at every date of the calendar.

Date arithmetic (CRT start + 182 days, a regimen start + 18 weeks, + 6 calendar months …)
must never raise at the ends of the calendar: a derived date past 9999-12-31 saturates
(clinical pathway §5.4) and ``next_assessment_date`` is null when it would fall past the
end of the calendar (concepts, "Dates at the end of the calendar").

Case dates are bounded to 1900–2099 (case format), so no valid case reaches the ends of
Python's calendar; the saturating helpers themselves are tested up to ``date.min`` and
``date.max`` below.
"""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import attrs
import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from ascc_salvage import load_case, recommend, result_to_dict
from ascc_salvage._dates import add_days, add_months
from ascc_salvage.case import Case, DiseaseSite, PriorSystemicTherapy
from ascc_salvage.staging import MCategory
from ascc_salvage.testing.strategies import _case_dates_of, _shift_case, cases
from ascc_salvage.vocabulary import (
    DiseaseStatus,
    OptionId,
    Site,
    TherapyOutcome,
    TherapySetting,
)

from ._support import CASES_DIR, active_cases

#: The case-format date range (1900–2099): every date a valid case can hold.
FIRST, LAST = dt.date(1900, 1, 1), dt.date(2099, 12, 31)
CALENDARS = ((FIRST, LAST),)


def _spec_case(name: str) -> Case:
    entry: dict[str, Any] = json.loads((CASES_DIR / f"{name}.json").read_text("utf-8"))
    return load_case(entry["case"])


def _shifted(case: Case, *, latest: dt.date | None = None, earliest: dt.date | None = None) -> Case:
    """*case* moved so that its latest (or earliest) date falls on *latest* (*earliest*)."""
    dates = _case_dates_of(case)
    if latest is not None:
        return _shift_case(case, (latest - max(dates)).days)
    assert earliest is not None
    return _shift_case(case, (earliest - min(dates)).days)


# A platinum–ICI course started the day before the evaluation date: its assumed last platinum
# dose (start + 18 weeks) lies past 9999-12-31 at the end of the calendar (§5.4).
_LATE_PLATINUM = attrs.evolve(
    _spec_case("s5_4_pfi_missing_progression"),
    prior_systemic_therapy=(
        PriorSystemicTherapy(
            regimen=OptionId.CARBOPLATIN_PACLITAXEL_RETIFANLIMAB,
            setting=TherapySetting.ADVANCED,
            start_date=dt.date(2025, 9, 14),
            end_date=dt.date(2025, 9, 15),
            outcome=TherapyOutcome.COMPLETED,
        ),
    ),
)
# Too early to assess: CRT start + 182 days is past the end of the calendar.
_TOO_EARLY = _spec_case("s2_too_early_regressing")
# Recurrent disease with a radiosensitising platinum course ending on the evaluation date
# (+ 6 calendar months for "platinum-pretreated", §5.2).
_RADIOSENSITISING = _spec_case("s5_2_prior_radiosensitising_platinum_within_6_months")
# No assessment and new liver disease (E4): a synthetic finding at the evaluation date.
_NO_ASSESSMENT = _spec_case("s2_too_early_no_assessment")
assert _NO_ASSESSMENT.disease is not None
_E4 = attrs.evolve(
    _NO_ASSESSMENT,
    assessments=(),
    disease=attrs.evolve(
        _NO_ASSESSMENT.disease,
        sites=(DiseaseSite(site=Site.LIVER, lesions=2),),
    ),
    primary=attrs.evolve(
        _NO_ASSESSMENT.primary,
        stage=attrs.evolve(_NO_ASSESSMENT.primary.stage, m=MCategory.M0),
    ),
)
MAX_EDGE = (
    _shifted(_LATE_PLATINUM, latest=LAST),
    _shifted(_TOO_EARLY, latest=LAST),
    _shifted(_RADIOSENSITISING, latest=LAST),
    _shifted(_E4, latest=LAST),
)
MIN_EDGE = (
    _shifted(_LATE_PLATINUM, earliest=FIRST),
    _shifted(_TOO_EARLY, earliest=FIRST),
    _shifted(_RADIOSENSITISING, earliest=FIRST),
    _shifted(_E4, earliest=FIRST),
)


@st.composite
def calendar_cases(draw: st.DrawFn) -> Case:
    """Any case, or one steered into the active pathways, placed anywhere in a calendar."""
    calendar = draw(st.sampled_from(CALENDARS))
    case: Case = draw(st.one_of(cases(calendar=calendar), active_cases(calendar=calendar)))
    return case


def _assert_total(case: Case) -> None:
    result = recommend(case)  # no exception
    text = json.dumps(result_to_dict(result), allow_nan=False)
    assert json.loads(text)["disease_status"] == result.disease_status
    assert len(result.options) == len(OptionId)
    crt = case.primary.chemoradiotherapy
    if result.disease_status is DiseaseStatus.TOO_EARLY_TO_ASSESS:
        assert crt is not None
        window = crt.start_date.toordinal() + 182
        if window > dt.date.max.toordinal():
            assert result.next_assessment_date is None
        else:
            assert result.next_assessment_date == dt.date.fromordinal(window)


@pytest.mark.slow
@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(case=calendar_cases())
@example(case=MAX_EDGE[0])
@example(case=MAX_EDGE[1])
@example(case=MAX_EDGE[2])
@example(case=MAX_EDGE[3])
@example(case=MIN_EDGE[0])
@example(case=MIN_EDGE[1])
@example(case=MIN_EDGE[2])
@example(case=MIN_EDGE[3])
def test_recommend_is_total_over_the_whole_calendar(case: Case) -> None:
    _assert_total(case)


@pytest.mark.parametrize("case", MAX_EDGE + MIN_EDGE, ids=lambda c: c.evaluation_date.isoformat())
def test_the_calendar_edges(case: Case) -> None:
    """The extreme edges on their own (fast; the property test repeats them)."""
    _assert_total(case)


def test_the_edge_cases_reach_the_edges() -> None:
    assert max(c.evaluation_date for c in MAX_EDGE) == LAST
    assert (
        min(
            c.primary.chemoradiotherapy.start_date
            for c in MIN_EDGE
            if c.primary.chemoradiotherapy is not None
        )
        == FIRST
    )
    too_early = recommend(MAX_EDGE[1])
    assert too_early.disease_status is DiseaseStatus.TOO_EARLY_TO_ASSESS
    crt = MAX_EDGE[1].primary.chemoradiotherapy
    assert crt is not None
    assert too_early.next_assessment_date == crt.start_date + dt.timedelta(days=182)
    late_platinum = MAX_EDGE[0].prior_systemic_therapy[0]
    assert late_platinum.start_date == LAST - dt.timedelta(days=1)
    assert recommend(MAX_EDGE[3]).disease_status is DiseaseStatus.PROGRESSIVE


def test_date_arithmetic_saturates() -> None:
    assert add_days(dt.date.max, 1) == dt.date.max
    assert add_days(dt.date.min, -1) == dt.date.min
    assert add_days(dt.date(2025, 1, 6), 126) == dt.date(2025, 5, 12)
    assert add_months(dt.date(9999, 7, 31), 6) == dt.date.max
    assert add_months(dt.date(1, 3, 31), -6) == dt.date.min
    assert add_months(dt.date(2025, 8, 31), 6) == dt.date(2026, 2, 28)
