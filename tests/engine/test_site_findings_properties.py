"""Per-site findings, evaluations during CRT and post-APR sites (clinical pathway v3 §1, §2.1, §3).

The property: a per-site finding never hides a new distant lesion. A case whose restaged
disease lists a distant site that is new by N2 (stage M0 at diagnosis, no site finding at any
assessment records that site) is progressive or recurrent, whatever the site findings of the
other sites say, also during CRT. The other safety properties run over these cases too
(:func:`._support.mixed_cases` draws them).
"""

from __future__ import annotations

import datetime as dt

import attrs
from hypothesis import example, given
from hypothesis import strategies as st

from ascc_salvage import load_case, recommend
from ascc_salvage.case import Case, Chemoradiotherapy, Disease, DiseaseSite
from ascc_salvage.staging import MCategory
from ascc_salvage.status import NewSiteRule, assess_status, is_distant_site, new_site_rule
from ascc_salvage.testing.strategies import cases, disease_sites
from ascc_salvage.vocabulary import (
    DiseaseStatus,
    Flag,
    NodalStation,
    OptionId,
    Site,
    Tier,
    WarningCode,
)

from ._documents import base_document

_DISTANT: tuple[Site, ...] = (
    Site.PARA_AORTIC_NODES,
    Site.LIVER,
    Site.LUNG,
    Site.BONE,
    Site.PERITONEUM,
    Site.OTHER_DISTANT,
    Site.PELVIC_NODES,  # at the common iliac station
)
_HIDDEN: frozenset[DiseaseStatus] = frozenset(
    {
        DiseaseStatus.TOO_EARLY_TO_ASSESS,
        DiseaseStatus.COMPLETE_CLINICAL_RESPONSE,
        DiseaseStatus.PERSISTENT,
    }
)


@st.composite
def _with_new_distant_site(draw: st.DrawFn) -> Case:
    """A treated case with site findings, stage M0, and a distant site no finding records."""
    case: Case = draw(cases(site_findings=True).filter(lambda c: c.primary.chemoradiotherapy))
    kind = draw(st.sampled_from(_DISTANT))
    station = NodalStation.COMMON_ILIAC if kind is Site.PELVIC_NODES else None
    new = DiseaseSite(site=kind, lesions=draw(st.integers(1, 6)), station=station)
    assert is_distant_site(new)
    # Whatever the other sites' findings: only the findings at the new site's kind go.
    items = tuple(
        attrs.evolve(a, site_findings=tuple(x for x in a.site_findings if x.site is not kind))
        for a in case.assessments
    )
    others = draw(st.lists(disease_sites(unsupported=True), max_size=3))
    kept = tuple(s for s in (*others, *(case.disease.sites if case.disease else ())))
    sites = (new, *(s for s in kept if s.site is not kind))
    sites = tuple({(s.site, s.laterality, s.station): s for s in sites}.values())  # P13
    if any(s.site in (Site.ANAL_CANAL, Site.ANAL_MARGIN) for s in sites) and any(
        p.procedure in ("salvage_apr", "extended_resection") for p in case.prior_salvage_surgery
    ):
        sites = tuple(s for s in sites if s.site not in (Site.ANAL_CANAL, Site.ANAL_MARGIN))  # P6
    disease = Disease(
        restaged=draw(st.sampled_from((True, False, None))),
        sites=sites,
        invaded_structures=(),
        resectable=None,
        expected_margin=None,
    )
    stage = attrs.evolve(case.primary.stage, m=MCategory.M0)
    return attrs.evolve(
        case,
        assessments=items,
        disease=disease,
        primary=attrs.evolve(case.primary, stage=stage),
    )


@given(_with_new_distant_site())
def test_a_site_finding_never_hides_a_new_distant_lesion(case: Case) -> None:
    assert case.disease is not None
    assert new_site_rule(case, case.disease.sites[0]) is NewSiteRule.N2
    result = recommend(case)
    assert result.disease_status not in _HIDDEN
    assert result.disease_status in (DiseaseStatus.PROGRESSIVE, DiseaseStatus.RECURRENT)
    # Never an operation preferred with distant disease (§4.7, §5).
    assert OptionId.SALVAGE_APR not in result.preferred


def _document(**changes: object) -> dict[str, object]:
    document = base_document()
    document["schema_version"] = 2
    document.update(changes)
    return document


def _crt(document: dict[str, object]) -> Chemoradiotherapy:
    case = load_case(document)
    assert case.primary.chemoradiotherapy is not None
    return case.primary.chemoradiotherapy


@given(st.integers(0, 38), st.sampled_from(["progression", "complete_response", "stable"]))
@example(0, "complete_response")
def test_during_crt_the_recorded_finding_alone_never_ends_the_window(
    day: int, finding: str
) -> None:
    """§1: before the CRT end date only a new distant or nodal site makes disease active."""
    crt = _crt(base_document())
    date = (crt.start_date + dt.timedelta(days=day)).isoformat()
    document = _document(
        evaluation_date=date,
        assessments=[{"date": date, "finding": finding, "biopsy": "not_done"}],
    )
    if finding == "complete_response":
        document["disease"] = None
    status = assess_status(load_case(document))
    assert status.status is DiseaseStatus.TOO_EARLY_TO_ASSESS
    assert status.crt_in_progress
    result = recommend(load_case(document))
    assert WarningCode.CRT_IN_PROGRESS in {w.code for w in result.warnings}


def test_the_confirmation_flag_needs_an_episode_opened_by_the_new_site() -> None:
    """A recorded progression opened the episode: the new liver site adds no flag."""
    document = _document(
        evaluation_date="2025-07-21",
        assessments=[{"date": "2025-07-14", "finding": "progression", "biopsy": "not_done"}],
    )
    disease = document["disease"]
    assert isinstance(disease, dict)
    disease["sites"] = [*disease["sites"], {"site": "liver", "size": None, "lesions": 1,
                                            "laterality": None}]  # fmt: skip
    result = recommend(load_case(document))
    assert result.disease_status is DiseaseStatus.PROGRESSIVE
    pd1 = result.option(OptionId.ANTI_PD1_MONOTHERAPY)
    assert Flag.CONFIRM_NEW_DISTANT_SITE not in pd1.flags


def test_reirradiation_is_refused_without_a_documented_complete_response() -> None:
    """§4.6/§6: the reason names the missing complete response, not the status."""
    document = _document(
        evaluation_date="2025-07-21",
        assessments=[{"date": "2025-07-14", "finding": "stable", "biopsy": "positive"}],
    )
    disease = document["disease"]
    assert isinstance(disease, dict)
    disease["expected_margin"] = "r1"  # §4.1e: pre-operative re-irradiation is screened
    result = recommend(load_case(document))
    assert result.disease_status is DiseaseStatus.PERSISTENT
    option = result.option(OptionId.REIRRADIATION)
    assert option.tier is Tier.NOT_RECOMMENDED
    assert "no documented complete response to the first course" in option.rationale
    assert "persistent" not in option.rationale
