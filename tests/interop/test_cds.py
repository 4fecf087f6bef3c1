from __future__ import annotations

import datetime as dt
import json
import uuid
from typing import Any

import pytest
from tests.interop._support import example_document

from ascc_salvage import load_case
from ascc_salvage.engine import recommend
from ascc_salvage.fhir import cds_response, result_to_cds_cards
from ascc_salvage.fhir._cds import (
    MAX_EVIDENCE_LINKS,
    OVERRIDE_REASON_SYSTEM,
    SUMMARY_LIMIT,
    _summary,
    build_cards,
)
from ascc_salvage.knowledge import option_label
from ascc_salvage.result import (
    Criterion,
    MissingInformation,
    OptionResult,
    Result,
    ResultWarning,
)
from ascc_salvage.vocabulary import (
    CriterionResult,
    DiseaseStatus,
    Flag,
    Intent,
    OptionId,
    Tier,
    WarningCode,
)

CARD_KEYS = {
    "uuid",
    "summary",
    "detail",
    "indicator",
    "source",
    "suggestions",
    "selectionBehavior",
    "overrideReasons",
    "links",
    "extension",
}
SOURCE_KEYS = {"label", "url", "icon", "topic"}
SUGGESTION_KEYS = {"label", "uuid", "isRecommended", "actions"}


def check_card_schema(card: dict[str, Any]) -> None:
    """The CDS Hooks 2.0 card rules (required fields, enumerations, lengths)."""
    assert set(card) <= CARD_KEYS
    assert isinstance(card["summary"], str)
    assert 0 < len(card["summary"]) < SUMMARY_LIMIT
    assert card["indicator"] in {"info", "warning", "critical"}
    assert set(card["source"]) <= SOURCE_KEYS
    assert isinstance(card["source"]["label"], str)
    assert card["source"]["label"]
    assert isinstance(card.get("detail", ""), str)
    uuid.UUID(card["uuid"])
    suggestions = card.get("suggestions", [])
    if suggestions:
        assert card["selectionBehavior"] in {"at-most-one", "any"}
    else:
        assert "selectionBehavior" not in card
    for suggestion in suggestions:
        assert set(suggestion) <= SUGGESTION_KEYS
        assert isinstance(suggestion["label"], str)
        assert suggestion["label"]
        uuid.UUID(suggestion["uuid"])
        assert isinstance(suggestion.get("isRecommended", False), bool)
        for action in suggestion.get("actions", []):
            assert action["type"] in {"create", "update", "delete"}
    for link in card.get("links", []):
        assert set(link) <= {"label", "url", "type", "appContext"}
        assert link["type"] in {"absolute", "smart"}
        assert link["url"].startswith("https://")
    for reason in card.get("overrideReasons", []):
        assert set(reason) == {"code", "system", "display"}
    assert set(card["extension"]) == {
        "ascc_salvage.input_digest",
        "ascc_salvage.library_version",
        "ascc_salvage.knowledge_base_version",
    }
    json.dumps(card, allow_nan=False)


def _option(option: OptionId, tier: Tier, evidence: tuple[str, ...] = ()) -> OptionResult:
    return OptionResult(
        option=option,
        tier=tier,
        intent=Intent.CURATIVE,
        criteria=(
            Criterion("no_distant_disease", CriterionResult.MET, "no distant site on restaging"),
            Criterion(
                "fit_for_surgery",
                CriterionResult.UNKNOWN,
                "fitness not recorded",
                ("patient.fit_for_major_surgery",),
            ),
        ),
        flags=(Flag.SPECIALIST_CENTRE,) if tier is Tier.PREFERRED else (),
        evidence=evidence,
        rationale=f"rule 4.1: {option} for persistent disease",
    )


def _result(options: tuple[OptionResult, ...], **changes: Any) -> Result:
    values: dict[str, Any] = {
        "schema_version": 2,
        "input_schema_version": 2,
        "library_version": "0.1.0",
        "knowledge_base_version": "2026.12",
        "evaluation_date": dt.date(2026, 11, 26),
        "jurisdiction": None,
        "input_digest": "sha256:" + "ab" * 32,
        "disease_status": DiseaseStatus.PERSISTENT,
        "histologically_confirmed": True,
        "after_salvage_surgery": False,
        "weeks_from_crt_start": 26.0,
        "next_assessment_date": None,
        "options": options,
        "missing_information": (),
        "warnings": (),
    }
    values.update(changes)
    return Result(**values)


def test_engine_result_cards_follow_the_schema() -> None:
    result = recommend(load_case(example_document()))
    cards = result_to_cds_cards(result)
    for card in cards:
        check_card_schema(card)
    plan = cards[0]
    assert plan["source"]["label"].endswith(f"knowledge base {result.knowledge_base_version}")
    assert plan["extension"]["ascc_salvage.input_digest"] == result.input_digest
    assert [s["label"] for s in plan["suggestions"]] == [
        f"Propose: {option_label(o)}" for o in result.preferred
    ]
    assert plan["summary"] == (
        "Persistent: preferred Salvage abdominoperineal resection, Perineal flap reconstruction"
    )
    assert {r["system"] for r in plan["overrideReasons"]} == {OVERRIDE_REASON_SYSTEM}
    again = result_to_cds_cards(result)
    uuids = [c["uuid"] for c in cards + again] + [
        s["uuid"] for c in cards + again for s in c.get("suggestions", [])
    ]
    assert len(uuids) == len(set(uuids))  # fresh uuids on every call
    assert [c["detail"] for c in again] == [c["detail"] for c in cards]
    assert cds_response(result)["cards"][0]["summary"] == plan["summary"]


def test_suggestions_create_valid_fhir_drafts() -> None:
    from fhir.resources.R4B.careplan import CarePlan
    from fhir.resources.R4B.servicerequest import ServiceRequest

    result = _result(
        (
            _option(OptionId.BIOPSY_AND_RESTAGE, Tier.PREFERRED, ("KO_2019",)),
            _option(OptionId.SALVAGE_APR, Tier.PREFERRED),
        )
    )
    (card,) = build_cards(result, patient_id="example-patient")
    check_card_schema(card)
    (biopsy,), (apr,) = (s["actions"] for s in card["suggestions"])
    assert biopsy["resource"]["resourceType"] == "ServiceRequest"
    ServiceRequest.model_validate(biopsy["resource"])
    assert apr["resource"]["resourceType"] == "CarePlan"
    CarePlan.model_validate(apr["resource"])
    assert apr["resource"]["subject"] == {"reference": "Patient/example-patient"}
    (no_subject,) = result_to_cds_cards(result)
    assert "subject" not in no_subject["suggestions"][0]["actions"][0]["resource"]


def test_evidence_links_doi_pubmed_none_and_capped() -> None:
    ids = ("RACINE_2025", "GERARD_2001", "WRIGHT_2011", "NOT_AN_ID", "RACINE_2025")
    (card,) = result_to_cds_cards(_result((_option(OptionId.SALVAGE_APR, Tier.PREFERRED, ids),)))
    urls = [link["url"] for link in card["links"]]
    assert urls[0].startswith("https://doi.org/")
    assert urls[1].startswith("https://pubmed.ncbi.nlm.nih.gov/")
    assert len(urls) == 2
    from ascc_salvage import knowledge

    many = tuple(item.id for item in knowledge.evidence_items())
    (card,) = result_to_cds_cards(_result((_option(OptionId.SALVAGE_APR, Tier.PREFERRED, many),)))
    assert len(card["links"]) == MAX_EVIDENCE_LINKS
    (card,) = result_to_cds_cards(_result((_option(OptionId.SALVAGE_APR, Tier.PREFERRED),)))
    assert "links" not in card


def test_option_labels() -> None:
    assert option_label(OptionId.SALVAGE_APR) == "Salvage abdominoperineal resection"
    assert option_label("not_an_option") == "not an option"
    assert all(option_label(o) != str(o).replace("_", " ") for o in OptionId)


def test_detail_lists_inputs_criteria_and_graded_evidence() -> None:
    result = _result(
        (
            _option(OptionId.SALVAGE_APR, Tier.PREFERRED, ("KO_2019", "NOT_AN_ID")),
            _option(OptionId.EXTENDED_RESECTION, Tier.ALTERNATIVE),
            _option(OptionId.BEST_SUPPORTIVE_CARE, Tier.NOT_RECOMMENDED),
        ),
        jurisdiction="US",
    )
    (card,) = result_to_cds_cards(result)
    check_card_schema(card)
    assert card["indicator"] == "info"
    assert card["summary"] == "Persistent: preferred Salvage abdominoperineal resection"
    detail = card["detail"]
    assert "- evaluation date: 2026-11-26" in detail
    assert "- jurisdiction: US" in detail
    assert "- weeks from the start of chemoradiotherapy: 26.0" in detail
    assert "`no_distant_disease`: **met** — no distant site on restaging" in detail
    assert "`fit_for_surgery`: **unknown**" in detail
    assert "`KO_2019` — " in detail
    assert "OCEBM" in detail
    assert "- `NOT_AN_ID`" in detail
    assert "Flags: `specialist_centre`" in detail
    assert "## Alternatives" in detail
    assert "Extended (multivisceral) resection or pelvic exenteration: rule" in detail
    assert card["selectionBehavior"] == "any"
    assert card["suggestions"][0]["isRecommended"] is True


def test_no_preferred_option_missing_information_and_warnings() -> None:
    result = _result(
        (_option(OptionId.SALVAGE_APR, Tier.UNDETERMINED, ()),),
        weeks_from_crt_start=None,
        missing_information=(
            MissingInformation("patient.fit_for_major_surgery", (OptionId.SALVAGE_APR,)),
        ),
        warnings=(ResultWarning(WarningCode.HIV_TEST_RECOMMENDED, "HIV status unknown: test"),),
    )
    cards = result_to_cds_cards(result)
    assert len(cards) == 3
    for card in cards:
        check_card_schema(card)
    plan, missing, warning = cards
    assert plan["indicator"] == "warning"
    assert plan["summary"] == "Persistent: no preferred option (1 undetermined)"
    assert "suggestions" not in plan
    assert "not applicable" in plan["detail"]
    assert missing["summary"] == "1 missing input leave options undetermined"
    needed = "`patient.fit_for_major_surgery` — needed for Salvage abdominoperineal resection"
    assert needed in missing["detail"]
    assert warning["summary"] == "HIV status unknown: test"
    assert "`hiv_test_recommended`" in warning["detail"]


def test_preferred_with_missing_information_on_active_disease_warns() -> None:
    result = _result(
        (_option(OptionId.SALVAGE_APR, Tier.PREFERRED, ()),),
        missing_information=(
            MissingInformation("patient.weight", (OptionId.CARBOPLATIN_PACLITAXEL,)),
            MissingInformation("patient.height", (OptionId.CARBOPLATIN_PACLITAXEL,)),
        ),
        warnings=(ResultWarning(WarningCode.REASSESSMENT_OVERDUE, ""),),
    )
    cards = result_to_cds_cards(result)
    assert cards[0]["indicator"] == "warning"
    assert "- none cited" in cards[0]["detail"]
    assert cards[1]["summary"] == "2 missing inputs leave options undetermined"
    assert cards[2]["summary"] == "reassessment overdue"


@pytest.mark.parametrize("length", [0, 10, 139, 140, 141, 500])
def test_summary_is_cut_below_the_limit(length: int) -> None:
    text = ("word " * 200)[:length]
    out = _summary(text)
    assert len(out) < SUMMARY_LIMIT
    if length < SUMMARY_LIMIT:
        assert out == text
    else:
        assert out.endswith("…")


def test_long_plan_summary_is_cut() -> None:
    options = tuple(_option(o, Tier.PREFERRED) for o in list(OptionId)[:12])
    (card, *_) = result_to_cds_cards(_result(options))
    check_card_schema(card)
    assert card["summary"].endswith("…")
