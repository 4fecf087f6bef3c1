"""What the text and Markdown views show: results, dose plans and evidence as blocks.

Views are built from the JSON documents (``result_to_dict``, ``DosePlan.to_dict``), the
public contract, so that what a person reads is exactly what a program would receive.
Doses are shown to 0.1 mg without clinical rounding.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any, Final

from ascc_salvage import knowledge
from ascc_salvage.cli._render import (
    Block,
    Bullets,
    Heading,
    Line,
    Table,
    number_text,
    quantity_text,
)

__all__ = ["dose_plan_blocks", "evidence_blocks", "result_blocks"]

_DISCLAIMER: Final = (
    "Decision support for a multidisciplinary team: a research and reference implementation, "
    "not a medical device; it never replaces clinical judgement."
)

#: Tiers in result order: heading and terminal style.
_TIERS: Final = (
    ("preferred", "Recommended plan (preferred)", "bold green"),
    ("alternative", "Alternatives", "yellow"),
    ("undetermined", "Undetermined (missing information decides)", "magenta"),
    ("not_recommended", "Not recommended", "dim"),
)

_DRUG_COLUMNS: Final = (
    "drug",
    "dose rule",
    "route",
    "days",
    "per administration",
    "per cycle",
)


def _yes_no(value: object) -> str:
    return "yes" if value else "no"


def _code(text: str, markdown: bool) -> str:
    return f"`{text}`" if markdown else text


def _option_label(option_id: str) -> str:
    """The plain-language label of an option (``catalogue.toml``)."""
    return knowledge.catalogue_entry(option_id).label


def _missing_by_option(document: Mapping[str, Any]) -> dict[str, list[str]]:
    missing: dict[str, list[str]] = {}
    for item in document["missing_information"]:
        for option in item["needed_for"]:
            missing.setdefault(option, []).append(item["field"])
    return missing


def _option_item(
    option: Mapping[str, Any], missing: Sequence[str], markdown: bool
) -> tuple[str, tuple[str, ...]]:
    head = (
        f"{_option_label(option['option'])} ({_code(option['option'], markdown)}, "
        f"{option['intent']}): {option['rationale']}"
    )
    details: list[str] = []
    if option["tier"] == "undetermined":
        fields = list(missing)
        plan = option["dose_plan"]
        if isinstance(plan, Mapping) and "undetermined" in plan:
            fields += [field for field in plan["undetermined"] if field not in fields]
        unknown = [c["id"] for c in option["criteria"] if c["result"] == "unknown"]
        if fields:
            details.append("missing: " + ", ".join(_code(f, markdown) for f in fields))
        if unknown:
            details.append("unknown criteria: " + ", ".join(unknown))
    if option["flags"]:
        details.append("flags: " + ", ".join(option["flags"]))
    if option["tier"] in ("preferred", "alternative") and option["evidence"]:
        details.append("evidence: " + ", ".join(option["evidence"]))
    return head, tuple(details)


def _status_blocks(document: Mapping[str, Any]) -> list[Block]:
    weeks = document["weeks_from_crt_start"]
    next_date = document["next_assessment_date"]
    return [
        Heading("Disease status and clock"),
        Bullets.of(
            [
                f"disease status: {document['disease_status']}",
                f"histologically confirmed: {_yes_no(document['histologically_confirmed'])}",
                f"after salvage surgery: {_yes_no(document['after_salvage_surgery'])}",
                "weeks from CRT start (latest assessment): "
                + ("— (no CRT or no assessment)" if weeks is None else f"{weeks:.1f}"),
                "next assessment date: " + ("—" if next_date is None else str(next_date)),
            ]
        ),
    ]


def _evidence_table(ids: Sequence[str]) -> Table:
    rows = []
    for evidence_id in ids:
        try:
            item = knowledge.evidence(evidence_id)
        except KeyError:
            rows.append((evidence_id, "not in the knowledge base", "—", "—"))
            continue
        grade = "—" if item.grade is None else str(item.grade).replace("_", " ")
        rows.append((item.id, item.citation, str(item.ocebm), grade))
    return Table(("id", "citation", "OCEBM", "GRADE"), tuple(rows))


def _drug_rows(plan: Mapping[str, Any], label: str | None) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for drug in plan["drugs"]:
        days = ", ".join(str(day) for day in drug["days"])
        name = drug["drug"] if label is None else f"{drug['drug']} ({label})"
        rows.append(
            (
                name,
                f"{quantity_text(drug['rule_dose'])} ({drug['rule']})",
                drug["route"],
                days,
                quantity_text(drug["per_administration"], 1),
                quantity_text(drug["per_cycle"], 1),
            )
        )
    return rows


def _basis_text(plan: Mapping[str, Any]) -> str:
    basis = plan["basis"]
    parts = []
    if basis["bsa"] is not None:
        parts.append(
            f"BSA {quantity_text(basis['bsa'], 2)} ({str(basis['bsa_formula']).capitalize()})"
        )
    if basis["creatinine_clearance"] is not None:
        floor = ", creatinine floor applied" if basis["creatinine_floor_applied"] else ""
        capped = ", GFR capped" if basis["gfr_capped"] else ""
        parts.append(
            f"creatinine clearance {quantity_text(basis['creatinine_clearance'], 1)} "
            f"(Cockcroft-Gault, {basis['weight_basis']} weight{floor}{capped})"
        )
    cycles = "not fixed" if plan["cycles"] is None else plan["cycles"]
    cycle = f"cycle every {quantity_text(plan['cycle_length'])}; number of cycles: {cycles}"
    return "; ".join([*parts, cycle])


def dose_plan_blocks(title: str, plan: Mapping[str, Any] | None) -> list[Block]:
    """Blocks for one dose plan document (systemic, radiotherapy or undetermined).

    Args:
        title: What the plan is for (shown first).
        plan: The ``dose_plan`` JSON object, or ``None`` (no plan: nothing shown).
    """
    if plan is None:
        return []
    if "undetermined" in plan:
        return [
            Line(f"{title}: dose plan undetermined; missing " + ", ".join(plan["undetermined"]))
        ]
    if "drugs" not in plan:
        line = (
            f"{title}: {quantity_text(plan['total_dose'])} in {plan['fractions']} fractions of "
            f"{quantity_text(plan['dose_per_fraction'])}"
            + (" (nominal LQ values)" if plan["nominal"] else "")
        )
        blocks: list[Block] = [Line(line)]
        if plan["cumulative_eqd2"]:
            organs = tuple(
                (
                    str(organ["organ"]),
                    quantity_text(organ["alpha_beta"]),
                    quantity_text(organ["value"], 1),
                    quantity_text(organ["limit"], 1),
                )
                for organ in plan["cumulative_eqd2"]
            )
            blocks.append(
                Table(
                    ("organ at risk", "α/β", "cumulative EQD2", "limit"),
                    organs,
                    frozenset({2, 3}),
                )
            )
        return blocks
    variant = "" if plan["variant"] is None else f", variant {plan['variant']}"
    rows = _drug_rows(plan, None)
    for alternative in plan["alternatives"]:
        if "undetermined" in alternative:
            rows.append(
                (
                    f"({alternative.get('variant') or 'alternative'})",
                    "undetermined",
                    "",
                    "",
                    "",
                    "",
                )
            )
        else:
            rows += _drug_rows(alternative, f"alternative: {alternative['variant']}")
    return [
        Line(f"{title}{variant}: {_basis_text(plan)}"),
        Table(_DRUG_COLUMNS, tuple(rows), frozenset({4, 5})),
    ]


def result_blocks(document: Mapping[str, Any], *, markdown: bool = False) -> list[Block]:
    """Blocks of the text or Markdown view of a result document.

    Args:
        document: The result document (``result_to_dict``).
        markdown: Build the tumour-board summary (option ids as code spans).

    Options are named by their catalogue label, followed by their id.
    """
    jurisdiction = document["jurisdiction"] or "unspecified"
    title = (
        "Tumour board summary: anal SCC after chemoradiotherapy"
        if markdown
        else "ascc_salvage recommendation"
    )
    blocks: list[Block] = [
        Heading(title, level=1),
        Line(f"Evaluation date {document['evaluation_date']}; jurisdiction {jurisdiction}."),
        *_status_blocks(document),
    ]
    missing = _missing_by_option(document)
    cited: list[str] = []
    plans: list[Block] = []
    for tier, heading, style in _TIERS:
        options = [option for option in document["options"] if option["tier"] == tier]
        blocks.append(Heading(heading, style=f"bold {style}"))
        if not options:
            blocks.append(Line("none"))
            continue
        blocks.append(
            Bullets(
                tuple(
                    _option_item(option, missing.get(option["option"], ()), markdown)
                    for option in options
                ),
                style=style,
            )
        )
        if tier in ("preferred", "alternative"):
            for option in options:
                cited += [e for e in option["evidence"] if e not in cited]
                title = f"{_option_label(option['option'])} ({tier})"
                plans += dose_plan_blocks(title, option["dose_plan"])
    flagged = sorted(
        {
            flag
            for option in document["options"]
            if option["tier"] in ("preferred", "alternative")
            for flag in option["flags"]
        }
    )
    blocks.append(Heading("Flags (preferred and alternative options)"))
    blocks.append(Line(", ".join(flagged) if flagged else "none"))
    blocks.append(Heading("Warnings"))
    if document["warnings"]:
        blocks.append(Bullets.of(f"{w['code']}: {w['message']}" for w in document["warnings"]))
    else:
        blocks.append(Line("none"))
    if document["missing_information"]:
        blocks.append(Heading("Missing information"))
        blocks.append(
            Bullets.of(
                f"{_code(item['field'], markdown)}: needed for " + ", ".join(item["needed_for"])
                for item in document["missing_information"]
            )
        )
    blocks.append(Heading("Evidence (preferred and alternative options)"))
    blocks.append(_evidence_table(cited) if cited else Line("none"))
    blocks.append(Heading("Dose plans (preferred and alternative options)"))
    blocks += plans if plans else [Line("none")]
    blocks.append(Heading("Basis"))
    blocks.append(
        Line(
            f"ascc_salvage {document['library_version']}, knowledge base "
            f"{document['knowledge_base_version']}, input {document['input_digest']}."
        )
    )
    blocks.append(Line(_DISCLAIMER, style="dim"))
    return blocks


#: Columns of the evidence table view.
EVIDENCE_COLUMNS: Final = ("id", "citation", "design", "n", "ocebm", "grade", "verification")


def evidence_blocks(rows: Sequence[Mapping[str, Any]], *, single: bool) -> list[Block]:
    """Blocks of the evidence table, or of one item's fields when *single*."""
    if single:
        row = rows[0]
        return [
            Heading(str(row["id"]), level=1),
            Table(
                ("field", "value"),
                tuple(
                    (key, "" if value is None else number_text(value)) for key, value in row.items()
                ),
            ),
        ]
    return [
        Table(
            tuple(
                column.upper() if column in ("ocebm", "grade") else column
                for column in EVIDENCE_COLUMNS
            ),
            tuple(
                tuple("" if row[c] is None else number_text(row[c]) for c in EVIDENCE_COLUMNS)
                for row in rows
            ),
            frozenset({3}),
        )
    ]
