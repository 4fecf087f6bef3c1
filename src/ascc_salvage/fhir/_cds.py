"""A result as CDS Hooks cards (CDS Hooks 2.0 card shape; no FHIR library needed).

Cards carry the basis of the recommendation so that a clinician can review it independently:
the inputs the result derived, every criterion of the preferred options with its result, the
evidence with its OCEBM level and GRADE certainty, what is missing, and the library and
knowledge-base versions in ``source.label``.
"""

from __future__ import annotations

import uuid
from typing import Any, Final

from ascc_salvage.result import OptionResult, Result
from ascc_salvage.vocabulary import DiseaseStatus, Tier

__all__ = ["CARD_NAMESPACE", "SUMMARY_LIMIT", "result_to_cds_cards"]

#: Namespace of the deterministic card and suggestion uuids (uuid5 over digest and id).
CARD_NAMESPACE: Final = uuid.UUID("5b0d8a8e-3c55-5d43-9c1e-0a5ccad5a1a9")

#: CDS Hooks: a card summary is shorter than 140 characters.
SUMMARY_LIMIT: Final = 140

_ACTIVE_DISEASE: Final = frozenset(
    {DiseaseStatus.PERSISTENT, DiseaseStatus.PROGRESSIVE, DiseaseStatus.RECURRENT}
)


def _uuid(result: Result, name: str) -> str:
    return str(uuid.uuid5(CARD_NAMESPACE, f"{result.input_digest}:{name}"))


def _label(option: object) -> str:
    return str(option).replace("_", " ")


def _option_label(option: object, *, in_sentence: bool = True) -> str:
    """The plain-language label of an option (``catalogue.toml``), lower case in a sentence."""
    from ascc_salvage import knowledge

    label = knowledge.catalogue_entry(str(option)).label
    return label[0].lower() + label[1:] if in_sentence else label


def _summary(text: str) -> str:
    """Cut *text* to fewer than :data:`SUMMARY_LIMIT` characters on a word boundary."""
    if len(text) < SUMMARY_LIMIT:
        return text
    cut = text[: SUMMARY_LIMIT - 2].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"


def _source(result: Result) -> dict[str, Any]:
    return {
        "label": (
            f"ascc_salvage {result.library_version}, knowledge base {result.knowledge_base_version}"
        ),
    }


def _evidence_line(evidence_id: str) -> str:
    from ascc_salvage import knowledge

    try:
        item = knowledge.evidence(evidence_id)
    except KeyError:
        return f"`{evidence_id}`"
    grade = f", GRADE {item.grade}" if item.grade is not None else ""
    return f"`{evidence_id}` — {item.citation} (OCEBM {item.ocebm}{grade})"


def _inputs(result: Result) -> list[str]:
    weeks = (
        "not applicable"
        if result.weeks_from_crt_start is None
        else f"{result.weeks_from_crt_start:.1f}"
    )
    return [
        f"- evaluation date: {result.evaluation_date.isoformat()}",
        f"- jurisdiction: {result.jurisdiction or 'unspecified'}",
        f"- disease status: {_label(result.disease_status)}",
        f"- histologically confirmed: {'yes' if result.histologically_confirmed else 'no'}",
        f"- after salvage surgery: {'yes' if result.after_salvage_surgery else 'no'}",
        f"- weeks from the start of chemoradiotherapy: {weeks}",
        f"- input digest: `{result.input_digest}`",
    ]


def _option_detail(option: OptionResult) -> list[str]:
    label = _option_label(option.option, in_sentence=False)
    lines = [f"### {label} ({_label(option.tier)}, {_label(option.intent)})", ""]
    lines.append(option.rationale)
    lines += ["", "Criteria:", ""]
    lines += [f"- `{c.id}`: **{_label(c.result)}** — {c.explanation}" for c in option.criteria]
    if option.flags:
        lines += ["", "Flags: " + ", ".join(f"`{flag}`" for flag in option.flags)]
    lines += ["", "Evidence:", ""]
    lines += [f"- {_evidence_line(e)}" for e in option.evidence] or ["- none cited"]
    return [*lines, ""]


def _plan_card(result: Result) -> dict[str, Any]:
    preferred = result.by_tier(Tier.PREFERRED)
    status = _label(result.disease_status).capitalize()
    if preferred:
        summary = f"{status}: preferred " + ", ".join(_option_label(o.option) for o in preferred)
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
        lines += [
            f"- {_option_label(o.option, in_sentence=False)}: {o.rationale}" for o in alternatives
        ]
        lines.append("")
    lines.append(
        "Decision support for a multidisciplinary team; not a medical device. "
        "Review every criterion before acting."
    )
    card: dict[str, Any] = {
        "uuid": _uuid(result, "card:plan"),
        "summary": _summary(summary),
        "indicator": indicator,
        "detail": "\n".join(lines),
        "source": _source(result),
    }
    if preferred:
        card["suggestions"] = [
            {
                "label": _summary(f"Consider {_option_label(o.option)}"),
                "uuid": _uuid(result, f"option:{o.option}"),
                "isRecommended": True,
            }
            for o in preferred
        ]
        card["selectionBehavior"] = "any"
    return card


def _missing_card(result: Result) -> dict[str, Any]:
    count = len(result.missing_information)
    lines = ["Supplying these case fields would settle undetermined criteria:", ""]
    lines += [
        f"- `{item.field}` — needed for " + ", ".join(_option_label(o) for o in item.needed_for)
        for item in result.missing_information
    ]
    return {
        "uuid": _uuid(result, "card:missing_information"),
        "summary": _summary(
            f"{count} missing input{'s' if count != 1 else ''} leave options undetermined"
        ),
        "indicator": "warning",
        "detail": "\n".join(lines),
        "source": _source(result),
    }


def _warning_card(result: Result, position: int) -> dict[str, Any]:
    warning = result.warnings[position]
    return {
        "uuid": _uuid(result, f"card:warning:{position}:{warning.code}"),
        "summary": _summary(warning.message or _label(warning.code)),
        "indicator": "warning",
        "detail": f"`{warning.code}`: {warning.message}",
        "source": _source(result),
    }


def result_to_cds_cards(result: Result) -> list[dict[str, Any]]:
    """Return the CDS Hooks cards of *result*.

    The first card states the disease status and the preferred plan: its ``detail``
    (markdown) lists the inputs used and, for each preferred option, the rationale, every
    criterion with its result and the evidence with its grades; each preferred option is a
    suggestion (``isRecommended``; ``selectionBehavior`` ``any`` because the preferred options
    together form the plan). Missing information and each result warning get a ``warning``
    card. Card and suggestion uuids are uuid5 of the input digest and the option or card id,
    so the same result always gives the same cards.

    Args:
        result: What :func:`ascc_salvage.recommend` returned.

    Returns:
        JSON-ready card dicts.
    """
    cards = [_plan_card(result)]
    if result.missing_information:
        cards.append(_missing_card(result))
    cards += [_warning_card(result, i) for i in range(len(result.warnings))]
    return cards
