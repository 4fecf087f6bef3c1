"""A result as CDS Hooks cards (CDS Hooks 2.0 card shape; no FHIR library needed).

Cards carry the basis of the recommendation so that a clinician can review it independently:
the inputs the result derived, every criterion of the preferred options with its result, the
evidence with its OCEBM level and GRADE certainty (and links to it), what is missing, and the
library and knowledge-base versions in ``source.label`` and in the card's ``extension``.
Options are named in plain language (:func:`~ascc_salvage.knowledge.option_label`).
"""

from __future__ import annotations

import uuid
from typing import Any, Final

from ascc_salvage.knowledge import option_label
from ascc_salvage.result import OptionResult, Result
from ascc_salvage.vocabulary import DiseaseStatus, OptionId, Tier

__all__ = [
    "EXTENSION_PREFIX",
    "OVERRIDE_REASONS",
    "OVERRIDE_REASON_SYSTEM",
    "SUMMARY_LIMIT",
    "build_cards",
    "card_extension",
    "cds_response",
    "result_to_cds_cards",
]

#: CDS Hooks: a card summary is shorter than 140 characters.
SUMMARY_LIMIT: Final = 140

#: Namespace of the keys this library puts in a card's ``extension``.
EXTENSION_PREFIX: Final = "ascc_salvage."

#: Code system of the override reasons offered with the plan card.
OVERRIDE_REASON_SYSTEM: Final = "urn:ascc-salvage:cds:override-reason"

#: Why a clinician may set the recommendation aside (``overrideReasons`` of the plan card).
OVERRIDE_REASONS: Final[tuple[tuple[str, str], ...]] = (
    ("tumour-board-decision", "The multidisciplinary team decided otherwise"),
    ("patient-preference", "The patient prefers another option"),
    ("record-incomplete", "The record is incomplete or out of date"),
    ("contraindication-not-recorded", "A contraindication is not recorded in the case"),
    ("already-planned", "Already planned or under way"),
)

#: At most this many evidence links on a card.
MAX_EVIDENCE_LINKS: Final = 8

_ACTIVE_DISEASE: Final = frozenset(
    {DiseaseStatus.PERSISTENT, DiseaseStatus.PROGRESSIVE, DiseaseStatus.RECURRENT}
)


def _uuid() -> str:
    return str(uuid.uuid4())


def _words(value: object) -> str:
    return str(value).replace("_", " ")


def _summary(text: str) -> str:
    """Cut *text* to fewer than :data:`SUMMARY_LIMIT` characters on a word boundary."""
    if len(text) < SUMMARY_LIMIT:
        return text
    cut = text[: SUMMARY_LIMIT - 2].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


def card_extension(result: Result) -> dict[str, str]:
    """Return the ``extension`` of every card of *result*: digest and versions.

    The input digest identifies the case without personal data, so feedback and audit
    records can be tied to the exact input and knowledge base.
    """
    return {
        f"{EXTENSION_PREFIX}input_digest": result.input_digest,
        f"{EXTENSION_PREFIX}library_version": result.library_version,
        f"{EXTENSION_PREFIX}knowledge_base_version": result.knowledge_base_version,
    }


def _source(result: Result) -> dict[str, Any]:
    return {
        "label": (
            f"ascc_salvage {result.library_version}, knowledge base {result.knowledge_base_version}"
        ),
    }


def _card(result: Result, **fields: Any) -> dict[str, Any]:
    card: dict[str, Any] = {"uuid": _uuid(), **fields, "source": _source(result)}
    card["extension"] = card_extension(result)
    return card


def _evidence(evidence_id: str) -> Any:
    from ascc_salvage import knowledge

    try:
        return knowledge.evidence(evidence_id)
    except KeyError:
        return None


def _evidence_line(evidence_id: str) -> str:
    item = _evidence(evidence_id)
    if item is None:
        return f"`{evidence_id}`"
    grade = f", GRADE {item.grade}" if item.grade is not None else ""
    return f"`{evidence_id}` — {item.citation} (OCEBM {item.ocebm}{grade})"


def _evidence_link(evidence_id: str) -> dict[str, str] | None:
    item = _evidence(evidence_id)
    if item is None:
        return None
    if item.doi:
        url = f"https://doi.org/{item.doi}"
    elif item.pmid:
        url = f"https://pubmed.ncbi.nlm.nih.gov/{item.pmid}/"
    else:
        return None
    return {"label": _summary(f"Evidence {evidence_id}: {item.citation}"), "url": url}


def _links(options: tuple[OptionResult, ...]) -> list[dict[str, str]]:
    links: list[dict[str, str]] = []
    seen: set[str] = set()
    for evidence_id in (e for o in options for e in o.evidence):
        link = None if evidence_id in seen else _evidence_link(evidence_id)
        seen.add(evidence_id)
        if link is not None and len(links) < MAX_EVIDENCE_LINKS:
            links.append({**link, "type": "absolute"})
    return links


def _inputs(result: Result) -> list[str]:
    weeks = (
        "not applicable"
        if result.weeks_from_crt_start is None
        else f"{result.weeks_from_crt_start:.1f}"
    )
    return [
        f"- evaluation date: {result.evaluation_date.isoformat()}",
        f"- jurisdiction: {result.jurisdiction or 'unspecified'}",
        f"- disease status: {_words(result.disease_status)}",
        f"- histologically confirmed: {'yes' if result.histologically_confirmed else 'no'}",
        f"- after salvage surgery: {'yes' if result.after_salvage_surgery else 'no'}",
        f"- weeks from the start of chemoradiotherapy: {weeks}",
        f"- input digest: `{result.input_digest}`",
    ]


def _option_detail(option: OptionResult) -> list[str]:
    lines = [
        f"### {option_label(option.option)}",
        "",
        f"`{option.option}` — {_words(option.tier)}, {_words(option.intent)}.",
        "",
        option.rationale,
        "",
        "Criteria:",
        "",
    ]
    lines += [f"- `{c.id}`: **{_words(c.result)}** — {c.explanation}" for c in option.criteria]
    if option.flags:
        lines += ["", "Flags: " + ", ".join(f"`{flag}`" for flag in option.flags)]
    lines += ["", "Evidence:", ""]
    lines += [f"- {_evidence_line(e)}" for e in option.evidence] or ["- none cited"]
    return [*lines, ""]


def _subject(patient_id: str | None) -> dict[str, Any]:
    return {} if patient_id is None else {"subject": {"reference": f"Patient/{patient_id}"}}


def _draft(option: OptionResult, result: Result, patient_id: str | None) -> dict[str, Any]:
    """The draft resource a suggestion creates: a ServiceRequest or a CarePlan proposal."""
    label = option_label(option.option)
    note = [{"text": f"{option.rationale} (input digest {result.input_digest})"}]
    if option.option == OptionId.BIOPSY_AND_RESTAGE:
        return {
            "resourceType": "ServiceRequest",
            "status": "draft",
            "intent": "proposal",
            "code": {"text": label},
            **_subject(patient_id),
            "note": note,
        }
    return {
        "resourceType": "CarePlan",
        "status": "draft",
        "intent": "proposal",
        "title": label,
        "description": option.rationale,
        **_subject(patient_id),
        "activity": [{"detail": {"status": "not-started", "description": label}}],
        "note": note,
    }


def _suggestion(option: OptionResult, result: Result, patient_id: str | None) -> dict[str, Any]:
    resource = _draft(option, result, patient_id)
    kind = "a draft order" if resource["resourceType"] == "ServiceRequest" else "a care plan"
    label = option_label(option.option)
    return {
        "label": _summary(f"Propose: {label}"),
        "uuid": _uuid(),
        "isRecommended": True,
        "actions": [
            {
                "type": "create",
                "description": _summary(f"Create {kind} proposal for {label}"),
                "resource": resource,
            }
        ],
    }


def _plan_card(result: Result, patient_id: str | None) -> dict[str, Any]:
    preferred = result.by_tier(Tier.PREFERRED)
    status = _words(result.disease_status).capitalize()
    if preferred:
        summary = f"{status}: preferred " + ", ".join(option_label(o.option) for o in preferred)
    else:
        undetermined = len(result.by_tier(Tier.UNDETERMINED))
        summary = f"{status}: no preferred option ({undetermined} undetermined)"
    active = result.disease_status in _ACTIVE_DISEASE
    indicator = "info" if preferred and not (active and result.missing_information) else "warning"
    lines = ["## Inputs used", "", *_inputs(result), ""]
    if preferred:
        lines += ["## Preferred options", ""]
        for option in preferred:
            lines += _option_detail(option)
    alternatives = result.by_tier(Tier.ALTERNATIVE)
    if alternatives:
        lines += ["## Alternatives", ""]
        lines += [f"- {option_label(o.option)}: {o.rationale}" for o in alternatives]
        lines.append("")
    lines.append(
        "Decision support for a multidisciplinary team; not a medical device. "
        "Review every criterion before acting."
    )
    fields: dict[str, Any] = {
        "summary": _summary(summary),
        "indicator": indicator,
        "detail": "\n".join(lines),
    }
    if preferred:
        fields["suggestions"] = [_suggestion(o, result, patient_id) for o in preferred]
        fields["selectionBehavior"] = "any"
        fields["overrideReasons"] = [
            {"code": code, "system": OVERRIDE_REASON_SYSTEM, "display": display}
            for code, display in OVERRIDE_REASONS
        ]
    links = _links(preferred)
    if links:
        fields["links"] = links
    return _card(result, **fields)


def _missing_card(result: Result) -> dict[str, Any]:
    count = len(result.missing_information)
    lines = ["Supplying these case fields would settle undetermined criteria:", ""]
    lines += [
        f"- `{item.field}` — "
        + (f"{item.prompt}; " if item.prompt else "")
        + "needed for "
        + ", ".join(option_label(o) for o in item.needed_for)
        for item in result.missing_information
    ]
    return _card(
        result,
        summary=_summary(
            f"{count} missing input{'s' if count != 1 else ''} leave options undetermined"
        ),
        indicator="warning",
        detail="\n".join(lines),
    )


def _warning_card(result: Result, position: int) -> dict[str, Any]:
    warning = result.warnings[position]
    return _card(
        result,
        summary=_summary(warning.message or _words(warning.code)),
        indicator="warning",
        detail=f"`{warning.code}`: {warning.message}",
    )


def build_cards(result: Result, *, patient_id: str | None = None) -> list[dict[str, Any]]:
    """Return the cards of *result*; suggestions' drafts name the patient when given.

    Args:
        result: What :func:`ascc_salvage.recommend` returned.
        patient_id: FHIR id of the patient (``context.patientId`` of a hook call): the
            ``subject`` of the draft resources. Without it the drafts have no ``subject``
            and the calling system adds it.
    """
    cards = [_plan_card(result, patient_id)]
    if result.missing_information:
        cards.append(_missing_card(result))
    cards += [_warning_card(result, i) for i in range(len(result.warnings))]
    return cards


def result_to_cds_cards(result: Result) -> list[dict[str, Any]]:
    """Return the CDS Hooks cards of *result*.

    The first card states the disease status and the preferred plan, naming options in plain
    language: its ``detail`` (markdown) lists the inputs used and, for each preferred option,
    the rationale, every criterion with its result and the evidence with its grades; its
    ``links`` point to the evidence (DOI or PubMed). Each preferred option is a suggestion
    (``isRecommended``; ``selectionBehavior`` ``any`` because the preferred options together
    form the plan) whose action creates a draft: a ``ServiceRequest`` for biopsy and
    restaging, a ``CarePlan`` proposal otherwise; ``overrideReasons`` lists why a clinician
    may set the plan aside. Missing information and each result warning get a ``warning``
    card. Every card carries the input digest and the library and knowledge-base versions in
    its ``extension``; card and suggestion uuids are fresh on every call, as feedback needs.

    Without a patient context the draft resources carry no ``subject``, which FHIR requires
    of a ``CarePlan`` and a ``ServiceRequest``: the calling system sets it to the patient
    before it creates them (the CDS Hooks service of :mod:`ascc_salvage.service` sets it from
    ``context.patientId``).

    Args:
        result: What :func:`ascc_salvage.recommend` returned.

    Returns:
        JSON-ready card dicts.
    """
    return build_cards(result)


def cds_response(result: Result) -> dict[str, Any]:
    """Return the CDS Hooks response of *result*: ``{"cards": result_to_cds_cards(result)}``."""
    return {"cards": result_to_cds_cards(result)}
