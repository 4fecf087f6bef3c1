"""The extent cross-check (clinical pathway §2.1): status from all the evidence.

Each scenario is a valid case document (the bundled persistent example with its timeline
replaced), checked end to end: the status, the routing (which options are preferred), the
``finding_contradicts_extent`` warning with its ``fields`` and the ``confirm_new_distant_site``
flag. Days are counted from the CRT start, 2025-01-06.
"""

from __future__ import annotations

import datetime as dt
import importlib.resources
import json
from typing import Any

import pytest

from ascc_salvage import assess_status, load_case, recommend
from ascc_salvage.result import Result
from ascc_salvage.status import ExtentEffect, NewSiteRule
from ascc_salvage.vocabulary import (
    SYSTEMIC_OPTIONS,
    DiseaseStatus,
    Flag,
    OptionId,
    Tier,
    WarningCode,
)

START = dt.date(2025, 1, 6)
CONTRADICTS = WarningCode.FINDING_CONTRADICTS_EXTENT
FLAGGED = (*SYSTEMIC_OPTIONS, OptionId.METASTASIS_DIRECTED_THERAPY)
Opt = OptionId


def day(n: int) -> str:
    return (START + dt.timedelta(days=n)).isoformat()


def site(name: str, **extra: Any) -> dict[str, Any]:
    base = {"site": name, "size": {"value": 2.0, "unit": "cm"}, "lesions": 1, "laterality": None}
    return base | extra


def document(
    findings: list[tuple[int, str, str]],
    sites: list[dict[str, Any]] | None,
    *,
    evaluation_day: int,
    n: str = "N1a",
    m: str = "M0",
) -> dict[str, Any]:
    """The persistent example with assessments ``(day, finding, biopsy)`` and these sites."""
    text = (
        importlib.resources.files("ascc_salvage.examples")
        .joinpath("persistent_resectable.json")
        .read_text("utf-8")
    )
    doc: dict[str, Any] = json.loads(text)
    doc["evaluation_date"] = day(evaluation_day)
    doc["primary"]["stage"].update(n=n, m=m)
    doc["assessments"] = [{"date": day(d), "finding": f, "biopsy": b} for d, f, b in findings]
    if sites is None:
        doc["disease"] = None
    else:
        doc["disease"]["sites"] = sites
        doc["disease"]["all_lesions_locally_treatable"] = True
    return doc


def run(doc: dict[str, Any]) -> tuple[Any, Result]:
    case = load_case(doc)
    return assess_status(case), recommend(case)


def preferred(result: Result) -> set[OptionId]:
    return {o.option for o in result.options if o.tier is Tier.PREFERRED}


def tier(result: Result, option: OptionId) -> Tier:
    return next(o.tier for o in result.options if o.option is option)


def flags(result: Result, option: OptionId) -> tuple[Flag, ...]:
    return next(o.flags for o in result.options if o.option is option)


def contradiction(result: Result) -> tuple[str, tuple[str, ...]] | None:
    found = [(w.message, w.fields) for w in result.warnings if w.code is CONTRADICTS]
    assert len(found) <= 1
    return found[0] if found else None


# --- E3: new distant disease during the too-early window ------------------------------------


def test_new_liver_metastases_before_week_26_end_the_too_early_window() -> None:
    """E3 + N2: regressing at week 11, new liver metastases on restaging at week 13."""
    findings = [(77, "regressing", "not_done")]
    sites = [site("anal_canal"), site("liver", lesions=3)]
    status, result = run(document(findings, sites, evaluation_day=91))

    assert status.status is DiseaseStatus.PROGRESSIVE
    assert status.rule == 4
    assert status.histologically_confirmed is False
    assert status.next_assessment_date is None  # the too-early window has ended
    assert status.weeks_from_crt_start == 11.0  # the recorded assessment, unchanged
    check = status.extent_check
    assert check is not None
    assert check.effect is ExtentEffect.E3
    assert check.new_sites == ((1, NewSiteRule.N2),)
    assert check.opened_episode is True
    assert status.confirm_new_distant_site is True

    # Routing: the confirmation gate (no positive biopsy) — not observation.
    assert result.disease_status is DiseaseStatus.PROGRESSIVE
    assert preferred(result) == {Opt.BIOPSY_AND_RESTAGE}
    assert tier(result, Opt.OBSERVE_AND_REASSESS) is Tier.NOT_RECOMMENDED
    assert tier(result, Opt.SURVEILLANCE) is Tier.NOT_RECOMMENDED
    for option in FLAGGED:
        assert tier(result, option) is Tier.UNDETERMINED, option
        assert Flag.CONFIRM_NEW_DISTANT_SITE in flags(result, option), option
    assert Flag.CONFIRM_NEW_DISTANT_SITE not in flags(result, Opt.SALVAGE_APR)

    warning = contradiction(result)
    assert warning is not None
    message, fields = warning
    assert fields == ("assessments[0].finding", "disease.sites[1].site")
    assert "rule E3" in message
    assert "status progressive" in message
    assert "liver" in message


def test_without_the_liver_the_same_case_is_too_early_as_before() -> None:
    status, result = run(
        document([(77, "regressing", "not_done")], [site("anal_canal")], evaluation_day=91)
    )
    assert status.status is DiseaseStatus.TOO_EARLY_TO_ASSESS
    assert status.extent_check is None
    assert preferred(result) == {Opt.OBSERVE_AND_REASSESS}
    assert contradiction(result) is None


def test_new_distant_disease_with_a_positive_biopsy_routes_to_systemic_therapy() -> None:
    """A positive biopsy in the episode passes the gate and removes the flag (schema 1)."""
    findings = [(77, "regressing", "not_done"), (90, "stable", "positive")]
    sites = [site("liver", lesions=8)]
    status, result = run(document(findings, sites, evaluation_day=91))
    assert status.status is DiseaseStatus.PROGRESSIVE
    assert status.histologically_confirmed is True
    assert status.confirm_new_distant_site is False
    assert Opt.BIOPSY_AND_RESTAGE not in preferred(result)
    assert preferred(result) & set(SYSTEMIC_OPTIONS)
    assert not preferred(result) & {Opt.SALVAGE_APR, Opt.OBSERVE_AND_REASSESS}
    for option in FLAGGED:
        assert Flag.CONFIRM_NEW_DISTANT_SITE not in flags(result, option), option
    warning = contradiction(result)
    assert warning is not None
    assert warning[1] == ("assessments[1].finding", "disease.sites[0].site")


def test_common_iliac_node_is_a_new_distant_site() -> None:
    sites = [site("pelvic_nodes", station="common_iliac")]
    status, _ = run(document([(120, "stable", "not_done")], sites, evaluation_day=130))
    assert status.status is DiseaseStatus.PROGRESSIVE
    assert status.extent_check is not None
    assert status.extent_check.new_sites == ((0, NewSiteRule.N2),)


def test_distant_disease_known_at_diagnosis_is_not_new() -> None:
    """M1 at diagnosis: a listed liver site is not new by N2, the finding stands."""
    status, result = run(
        document([(77, "regressing", "not_done")], [site("liver")], evaluation_day=91, m="M1")
    )
    assert status.status is DiseaseStatus.TOO_EARLY_TO_ASSESS
    assert contradiction(result) is None


# --- E1 / E2: a listed lesion after a complete response ---------------------------------------


def test_listed_lesion_after_a_complete_response_is_recurrence() -> None:
    """E1: cCR at week 26, a groin node on restaging a year later (N1a: not new)."""
    findings = [(77, "regressing", "not_done"), (182, "complete_response", "not_done")]
    status, result = run(document(findings, [site("inguinal_nodes")], evaluation_day=400))
    assert status.status is DiseaseStatus.RECURRENT
    assert status.rule == 3
    assert status.histologically_confirmed is False
    assert status.extent_check is not None
    assert status.extent_check.effect is ExtentEffect.E1
    assert status.extent_check.new_sites == ()
    assert status.confirm_new_distant_site is False
    assert status.episode is not None
    assert status.episode.opened_on == START + dt.timedelta(days=400)  # synthetic finding

    assert result.disease_status is DiseaseStatus.RECURRENT
    assert preferred(result) == {Opt.BIOPSY_AND_RESTAGE}  # the gate: cytology first
    assert tier(result, Opt.SURVEILLANCE) is Tier.NOT_RECOMMENDED
    assert tier(result, Opt.INGUINAL_LYMPHADENECTOMY) is Tier.UNDETERMINED
    for option in FLAGGED:
        assert Flag.CONFIRM_NEW_DISTANT_SITE not in flags(result, option), option
    warning = contradiction(result)
    assert warning is not None
    message, fields = warning
    assert fields == ("evaluation_date", "disease.sites[0].site")
    assert "rule E1" in message
    assert "status recurrent" in message


def test_listed_lesion_after_a_complete_response_without_the_lesion_is_surveillance() -> None:
    findings = [(182, "complete_response", "not_done")]
    status, result = run(document(findings, None, evaluation_day=400))
    assert status.status is DiseaseStatus.COMPLETE_CLINICAL_RESPONSE
    assert preferred(result) == {Opt.SURVEILLANCE}
    assert contradiction(result) is None


def test_same_day_complete_response_and_listed_lesion_is_residual_disease() -> None:
    """E2: cCR recorded on the evaluation date with a listed anal-canal lesion → stable."""
    findings = [(77, "regressing", "not_done"), (182, "complete_response", "not_done")]
    status, result = run(document(findings, [site("anal_canal")], evaluation_day=182))
    assert status.status is DiseaseStatus.PERSISTENT
    assert status.rule == 9
    assert status.extent_check is not None
    assert status.extent_check.effect is ExtentEffect.E2
    assert status.extent_check.effective_finding == "stable"
    assert preferred(result) == {Opt.BIOPSY_AND_RESTAGE}  # unconfirmed: the gate
    assert tier(result, Opt.SURVEILLANCE) is Tier.NOT_RECOMMENDED
    warning = contradiction(result)
    assert warning is not None
    message, fields = warning
    assert fields == ("assessments[1].finding", "disease.sites[0].site")
    assert "rule E2" in message
    assert "status persistent" in message


def test_same_day_contradiction_after_an_earlier_complete_response_is_recurrent() -> None:
    # A complete response cannot carry a positive biopsy (case format P11): the same-day
    # contradiction is unconfirmed, so the episode opens and waits at the biopsy gate.
    findings = [(182, "complete_response", "not_done"), (365, "complete_response", "not_done")]
    status, result = run(document(findings, [site("anal_canal")], evaluation_day=365))
    assert status.status is DiseaseStatus.RECURRENT
    assert status.histologically_confirmed is False
    assert status.extent_check is not None
    assert status.extent_check.effective_finding == "progression"
    assert preferred(result) == {Opt.BIOPSY_AND_RESTAGE}
    warning = contradiction(result)
    assert warning is not None
    assert "status recurrent" in warning[0]


def test_same_day_contradiction_with_a_new_site_is_progression() -> None:
    findings = [(182, "complete_response", "not_done")]
    status, result = run(document(findings, [site("lung")], evaluation_day=182))
    assert status.status is DiseaseStatus.PROGRESSIVE
    assert status.extent_check is not None
    assert status.extent_check.effect is ExtentEffect.E2
    assert status.confirm_new_distant_site is False  # only an episode opened by E3/E4
    warning = contradiction(result)
    assert warning is not None
    assert warning[1] == ("assessments[0].finding", "disease.sites[0].site")


# --- N3: a new regional node after N0 -----------------------------------------------------------


def test_new_inguinal_node_after_n0_is_progression() -> None:
    """N3: N0 at diagnosis, stable at week 17, an inguinal node listed at week 19."""
    findings = [(120, "stable", "not_done")]
    sites = [site("anal_canal"), site("inguinal_nodes", laterality="left")]
    status, result = run(document(findings, sites, evaluation_day=130, n="N0"))
    assert status.status is DiseaseStatus.PROGRESSIVE
    assert status.extent_check is not None
    assert status.extent_check.effect is ExtentEffect.E3
    assert status.extent_check.new_sites == ((1, NewSiteRule.N3),)
    assert status.confirm_new_distant_site is False  # regional, not distant
    assert preferred(result) == {Opt.BIOPSY_AND_RESTAGE}
    assert tier(result, Opt.OBSERVE_AND_REASSESS) is Tier.NOT_RECOMMENDED
    for option in FLAGGED:
        assert Flag.CONFIRM_NEW_DISTANT_SITE not in flags(result, option), option
    warning = contradiction(result)
    assert warning is not None
    message, fields = warning
    assert fields == ("assessments[0].finding", "disease.sites[1].site")
    assert "rule E3" in message
    assert "inguinal_nodes" in message


@pytest.mark.parametrize("station", [None, "obturator", "mesorectal"])
def test_new_regional_pelvic_node_after_n0_is_progression(station: str | None) -> None:
    extra = {} if station is None else {"station": station}
    sites = [site("pelvic_nodes", **extra)]
    status, _ = run(document([(120, "stable", "not_done")], sites, evaluation_day=130, n="N0"))
    assert status.status is DiseaseStatus.PROGRESSIVE
    assert status.extent_check is not None
    assert status.extent_check.new_sites == ((0, NewSiteRule.N3),)


@pytest.mark.parametrize("n", ["N1a", "NX", "N1"])
def test_groin_node_known_at_diagnosis_is_not_new(n: str) -> None:
    """A stable N1a groin node at week 11 stays too early to assess, as in v2."""
    findings = [(77, "stable", "not_done")]
    status, result = run(document(findings, [site("inguinal_nodes")], evaluation_day=80, n=n))
    assert status.status is DiseaseStatus.TOO_EARLY_TO_ASSESS
    assert status.extent_check is None
    assert preferred(result) == {Opt.OBSERVE_AND_REASSESS}
    assert contradiction(result) is None


def test_local_sites_are_never_new_without_site_findings() -> None:
    findings = [(77, "regressing", "not_done")]
    status, _ = run(document(findings, [site("anal_canal")], evaluation_day=80, n="N0"))
    assert status.status is DiseaseStatus.TOO_EARLY_TO_ASSESS


# --- E4: no assessment ----------------------------------------------------------------------------


def test_new_distant_site_without_any_assessment_is_progression() -> None:
    """E4: CRT just finished, no response assessment, liver metastases on staging."""
    status, result = run(document([], [site("liver", lesions=2)], evaluation_day=60))
    assert status.status is DiseaseStatus.PROGRESSIVE
    assert status.weeks_from_crt_start is None  # no recorded assessment
    assert status.next_assessment_date is None
    assert status.extent_check is not None
    assert status.extent_check.effect is ExtentEffect.E4
    assert status.confirm_new_distant_site is True
    assert preferred(result) == {Opt.BIOPSY_AND_RESTAGE}
    for option in FLAGGED:
        assert Flag.CONFIRM_NEW_DISTANT_SITE in flags(result, option), option
    warning = contradiction(result)
    assert warning is not None
    message, fields = warning
    assert fields == ("evaluation_date", "disease.sites[0].site")
    assert "rule E4" in message
    assert "status progressive" in message


def test_no_assessment_and_no_new_site_stays_too_early() -> None:
    status, result = run(document([], [site("anal_canal")], evaluation_day=60))
    assert status.status is DiseaseStatus.TOO_EARLY_TO_ASSESS
    assert contradiction(result) is None


def test_the_flag_holds_whatever_the_tier() -> None:
    """ECOG 3 makes every systemic option not recommended; the lesion still needs a biopsy."""
    doc = document([], [site("liver", lesions=2)], evaluation_day=60)
    doc["patient"]["ecog"] = 3
    _, result = run(doc)
    assert preferred(result) == {Opt.BEST_SUPPORTIVE_CARE}
    for option in FLAGGED:
        assert tier(result, option) is Tier.NOT_RECOMMENDED
        assert Flag.CONFIRM_NEW_DISTANT_SITE in flags(result, option), option
