"""Disease status, the 26-week clock and episodes (clinical pathway §2)."""

from __future__ import annotations

import datetime as dt
import json
import pathlib
from typing import Any

import attrs
import pytest
from hypothesis import example, given, settings
from hypothesis import strategies as st

from ascc_salvage import assess_status, dump_case, load_case
from ascc_salvage.case import Assessment, Case, DiseaseSite, PriorSalvageSurgery
from ascc_salvage.status import ExtentEffect, new_site_rule
from ascc_salvage.testing.strategies import cases
from ascc_salvage.vocabulary import Biopsy, DiseaseStatus, Finding, Site, SurgeryProcedure

from ._support import example_document

CASES_DIR = pathlib.Path(__file__).parent.parent / "cases" / "status"
EXPECTED: dict[str, dict[str, Any]] = json.loads((CASES_DIR / "expected.json").read_text("utf-8"))

BASE = load_case(example_document())
assert BASE.primary.chemoradiotherapy is not None
START = BASE.primary.chemoradiotherapy.start_date  # 2025-01-06
END = BASE.primary.chemoradiotherapy.end_date  # 2025-02-14


def day(n: int) -> dt.date:
    return START + dt.timedelta(days=n)


def with_timeline(
    findings: list[tuple[int, str, str]],
    *,
    evaluation_day: int | None = None,
    surgery: tuple[tuple[int, str], ...] = (),
    disease: Any = "keep",
) -> Case:
    """The example case with assessments ``(day, finding, biopsy)`` counted from CRT start."""
    items = tuple(
        Assessment(date=day(d), finding=Finding(f), biopsy=Biopsy(b)) for d, f, b in findings
    )
    last = max([d for d, _, _ in findings] + [d for d, _ in surgery] + [50])
    changes: dict[str, Any] = {
        "assessments": items,
        "evaluation_date": day(evaluation_day if evaluation_day is not None else last),
        "prior_salvage_surgery": tuple(
            PriorSalvageSurgery(date=day(d), procedure=SurgeryProcedure(p)) for d, p in surgery
        ),
    }
    if disease != "keep":
        changes["disease"] = disease
    case = attrs.evolve(BASE, **changes)
    # Everything built here must also be a valid document.
    assert load_case(dump_case(case)) == case
    return case


def test_the_day_helper_matches_the_example() -> None:
    assert day(182) == dt.date(2025, 7, 7)
    assert BASE.assessments[-1].date == day(182)


# --- the nine rules, as case files ----------------------------------------------------------


def test_every_case_file_has_an_expectation() -> None:
    files = {p.stem for p in CASES_DIR.glob("*.json") if p.name != "expected.json"}
    assert files == set(EXPECTED)
    rules = {entry["rule"] for entry in EXPECTED.values()}
    assert rules == set(range(1, 10)), "one case file per status rule at least"


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_status_case_files(name: str) -> None:
    expected = EXPECTED[name]
    result = assess_status(load_case(CASES_DIR / f"{name}.json"))
    assert result.status == DiseaseStatus(expected["status"])
    assert result.rule == expected["rule"]
    for key in ("histologically_confirmed", "after_salvage_surgery", "weeks_from_crt_start"):
        if key in expected:
            assert getattr(result, key) == expected[key], key
    if "next_assessment_date" in expected:
        wanted = expected["next_assessment_date"]
        assert result.next_assessment_date == (
            None if wanted is None else dt.date.fromisoformat(wanted)
        )


# --- the 26-week boundary -------------------------------------------------------------------


@given(
    found_day=st.integers(39, 400),
    wait=st.integers(0, 300),
    finding=st.sampled_from(["regressing", "stable"]),
    biopsy=st.sampled_from(["positive", "not_done"]),
)
@example(found_day=182, wait=0, finding="stable", biopsy="positive")
@example(found_day=181, wait=0, finding="stable", biopsy="positive")
@example(found_day=181, wait=1, finding="stable", biopsy="positive")
@example(found_day=181, wait=0, finding="regressing", biopsy="not_done")
@example(found_day=182, wait=0, finding="regressing", biopsy="not_done")
def test_a_residuum_counts_as_persistent_from_day_182(
    found_day: int, wait: int, finding: str, biopsy: str
) -> None:
    case = with_timeline(
        [(39, "regressing", "not_done"), (found_day, finding, biopsy)],
        evaluation_day=found_day + wait,
    )
    result = assess_status(case)
    if found_day >= 182:
        assert result.status is DiseaseStatus.PERSISTENT
    elif found_day + wait < 182:
        assert result.status is DiseaseStatus.TOO_EARLY_TO_ASSESS
        assert result.next_assessment_date == day(182)
    else:
        assert result.status is DiseaseStatus.ASSESSMENT_DUE
    assert result.histologically_confirmed is (biopsy == "positive")
    assert result.weeks_from_crt_start == round(found_day / 7, 1)
    if result.status is not DiseaseStatus.TOO_EARLY_TO_ASSESS and not result.regression_window:
        assert result.next_assessment_date is None
    # §2.2: regressing and biopsy-positive after week 26, soon after the end of CRT.
    crt = case.primary.chemoradiotherapy
    assert crt is not None
    within = case.evaluation_date <= crt.end_date + dt.timedelta(days=183)
    assert result.regression_window is (
        found_day >= 182 and finding == "regressing" and biopsy == "positive" and within
    )


def test_day_181_then_182_pinned() -> None:
    on_181 = with_timeline([(181, "stable", "positive")], evaluation_day=181)
    assert assess_status(on_181).status is DiseaseStatus.TOO_EARLY_TO_ASSESS
    later = attrs.evolve(on_181, evaluation_date=day(182))
    assert assess_status(later).status is DiseaseStatus.ASSESSMENT_DUE
    on_182 = with_timeline([(182, "stable", "positive")], evaluation_day=182)
    result = assess_status(on_182)
    assert result.status is DiseaseStatus.PERSISTENT
    assert result.weeks_from_crt_start == 26.0


# --- episodes ---------------------------------------------------------------------------------


def test_recurrence_after_complete_response_is_recurrent() -> None:
    case = with_timeline([(182, "complete_response", "not_done"), (400, "recurrence", "positive")])
    result = assess_status(case)
    assert result.status is DiseaseStatus.RECURRENT
    assert result.histologically_confirmed is True


def test_progression_without_complete_response_is_progressive() -> None:
    case = with_timeline([(77, "regressing", "not_done"), (120, "progression", "not_done")])
    result = assess_status(case)
    assert result.status is DiseaseStatus.PROGRESSIVE
    assert result.histologically_confirmed is False


def test_progression_after_complete_response_is_recurrent() -> None:
    case = with_timeline([(182, "complete_response", "not_done"), (300, "progression", "positive")])
    assert assess_status(case).status is DiseaseStatus.RECURRENT


def test_recurrence_without_earlier_complete_response_is_recurrent() -> None:
    case = with_timeline([(77, "regressing", "not_done"), (250, "recurrence", "positive")])
    assert assess_status(case).status is DiseaseStatus.RECURRENT


def test_complete_response_closes_an_episode() -> None:
    case = with_timeline(
        [(77, "progression", "positive"), (182, "complete_response", "not_done")], disease=None
    )
    result = assess_status(case)
    assert result.status is DiseaseStatus.COMPLETE_CLINICAL_RESPONSE
    assert result.episode is None
    # ... and a later progression opens a new one that counts as recurrence.
    reopened = with_timeline(
        [
            (77, "progression", "positive"),
            (182, "complete_response", "not_done"),
            (365, "progression", "not_done"),
        ]
    )
    result = assess_status(reopened)
    assert result.status is DiseaseStatus.RECURRENT
    assert result.histologically_confirmed is False  # the earlier positive biopsy was closed


@pytest.mark.parametrize(
    ("procedure", "after_surgery"),
    [
        ("salvage_apr", True),
        ("extended_resection", True),
        ("inguinal_lymphadenectomy", False),
        ("local_excision", False),
    ],
)
def test_salvage_resection_with_disease_null_is_no_evidence_of_disease(
    procedure: str, after_surgery: bool
) -> None:
    case = with_timeline(
        [(182, "stable", "positive")], surgery=((230, procedure),), evaluation_day=300, disease=None
    )
    result = assess_status(case)
    assert result.status is DiseaseStatus.NO_EVIDENCE_OF_DISEASE
    assert result.after_salvage_surgery is after_surgery


def test_resection_with_current_disease_recorded_is_not_no_evidence_of_disease() -> None:
    # After an APR the anus is gone (P6): the disease is recorded in a groin.
    groin = attrs.evolve(BASE.disease.sites[0], site="inguinal_nodes", laterality="left")
    case = with_timeline(
        [(182, "stable", "positive")],
        surgery=((230, "salvage_apr"),),
        disease=attrs.evolve(BASE.disease, sites=(groin,)),
    )
    result = assess_status(case)
    assert result.status is not DiseaseStatus.NO_EVIDENCE_OF_DISEASE
    assert result.after_salvage_surgery is True


def test_resection_before_the_last_positive_finding_is_not_no_evidence_of_disease() -> None:
    case = with_timeline(
        [(182, "stable", "positive"), (400, "recurrence", "positive")],
        surgery=((230, "salvage_apr"),),
        evaluation_day=420,
        disease=None,
    )
    result = assess_status(case)
    assert result.status is DiseaseStatus.RECURRENT
    assert result.histologically_confirmed is True


def test_confirmation_anywhere_in_the_open_episode_counts() -> None:
    case = with_timeline(
        [
            (182, "complete_response", "not_done"),
            (300, "recurrence", "positive"),
            (360, "progression", "not_done"),  # radiological progression needs no new biopsy
        ]
    )
    result = assess_status(case)
    assert result.status is DiseaseStatus.RECURRENT
    assert result.histologically_confirmed is True


def test_residual_disease_is_confirmed_by_the_latest_assessment_only() -> None:
    earlier_positive = with_timeline([(120, "stable", "positive"), (200, "stable", "not_done")])
    result = assess_status(earlier_positive)
    assert result.status is DiseaseStatus.PERSISTENT
    assert result.histologically_confirmed is False
    latest_positive = with_timeline([(120, "stable", "not_done"), (200, "stable", "positive")])
    assert assess_status(latest_positive).histologically_confirmed is True


def test_positive_biopsy_before_a_complete_response_does_not_confirm_a_recurrence() -> None:
    case = with_timeline(
        [
            (77, "regressing", "positive"),
            (182, "complete_response", "not_done"),
            (400, "recurrence", "not_done"),
        ]
    )
    result = assess_status(case)
    assert result.status is DiseaseStatus.RECURRENT
    assert result.histologically_confirmed is False


# --- derived fields ---------------------------------------------------------------------------


@settings(max_examples=30)
@given(cases(status_hint=DiseaseStatus.TOO_EARLY_TO_ASSESS))
def test_next_assessment_date_is_crt_start_plus_182_days(case: Case) -> None:
    result = assess_status(case)
    assert result.status is DiseaseStatus.TOO_EARLY_TO_ASSESS
    crt = case.primary.chemoradiotherapy
    assert crt is not None
    assert result.next_assessment_date == crt.start_date + dt.timedelta(days=182)


@pytest.mark.parametrize("site_findings", [False, True], ids=["plain", "site_findings"])
@pytest.mark.parametrize("status", list(DiseaseStatus), ids=str)
@settings(max_examples=15)
@given(data=st.data())
def test_status_hints_produce_that_status(
    status: DiseaseStatus, site_findings: bool, data: st.DataObject
) -> None:
    case = data.draw(cases(status_hint=status, site_findings=site_findings))
    result = assess_status(case)
    assert result.status is status
    crt = case.primary.chemoradiotherapy
    if status is DiseaseStatus.TOO_EARLY_TO_ASSESS:
        assert crt is not None
        assert result.next_assessment_date == crt.start_date + dt.timedelta(days=182)
    elif status is not DiseaseStatus.PERSISTENT or not result.regression_window:
        assert result.next_assessment_date is None  # set for persistent only inside §2.2
    if crt is not None and case.assessments:
        days = (case.assessments[-1].date - crt.start_date).days
        assert result.weeks_from_crt_start == round(days / 7, 1)
    else:
        assert result.weeks_from_crt_start is None
    assert result.after_salvage_surgery is any(
        s.procedure in ("salvage_apr", "extended_resection") for s in case.prior_salvage_surgery
    )


@given(cases())
def test_status_is_total_and_consistent(case: Case) -> None:
    result = assess_status(case)
    assert result.status in DiseaseStatus
    assert (result.status is DiseaseStatus.UNTREATED_PRIMARY) is (
        case.primary.chemoradiotherapy is None
    )
    assert (result.next_assessment_date is not None) is (
        result.status is DiseaseStatus.TOO_EARLY_TO_ASSESS or result.regression_window
    )
    assert not result.regression_window or result.status is DiseaseStatus.PERSISTENT


# --- the extent cross-check (§2.1) -----------------------------------------------------------


@given(cases())
def test_listed_disease_never_leaves_a_complete_response(case: Case) -> None:
    """§2.1 guarantees that ``disease`` is empty for complete clinical response."""
    result = assess_status(case)
    if case.disease is not None and case.disease.sites:
        assert result.status is not DiseaseStatus.COMPLETE_CLINICAL_RESPONSE
        assert result.status is not DiseaseStatus.NO_EVIDENCE_OF_DISEASE


@given(cases())
def test_a_new_distant_or_regional_site_is_always_active_disease(case: Case) -> None:
    """A site new by N2 or N3 opens (or continues) an episode, whatever the findings."""
    result = assess_status(case)
    if case.primary.chemoradiotherapy is None or case.disease is None:
        assert result.extent_check is None
        return
    if any(new_site_rule(case, s) is not None for s in case.disease.sites):
        assert result.status in (DiseaseStatus.PROGRESSIVE, DiseaseStatus.RECURRENT)
        assert result.episode is not None
    if result.confirm_new_distant_site:
        assert result.extent_check is not None
        assert result.extent_check.effect in (ExtentEffect.E3, ExtentEffect.E4)
        assert result.extent_check.new_distant_site
        assert result.histologically_confirmed is False


def test_cross_check_on_the_timeline_helper() -> None:
    liver = DiseaseSite(site=Site.LIVER, lesions=2)
    assert BASE.disease is not None
    with_liver = attrs.evolve(BASE.disease, sites=(*BASE.disease.sites, liver))
    case = with_timeline([(77, "regressing", "not_done")], evaluation_day=90, disease=with_liver)
    result = assess_status(case)
    assert result.status is DiseaseStatus.PROGRESSIVE
    assert result.extent_check is not None
    assert result.extent_check.fields == ("assessments[0].finding", "disease.sites[1].site")
    # An empty site list cannot be built (the case format asks for disease: null instead).
