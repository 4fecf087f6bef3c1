"""Plain text and Markdown: a writer that wraps to a width with hanging indents.

Every line fits the width (default 80 columns): paragraphs and list items wrap with their
continuation lines indented under the text, and tables shrink their wrappable columns (never
the ones marked to keep, such as ids) and wrap the cells. Markdown has no tables here, so that
it wraps too: what would be a table is a list.
"""

from __future__ import annotations

import textwrap
from collections.abc import Mapping, Sequence
from typing import Any, Final

from ascc_salvage.rendering._view import Fact, OptionView, ReportView

__all__ = [
    "DEFAULT_WIDTH",
    "Writer",
    "dose_plan_lines",
    "fit_table",
    "number_text",
    "quantity_text",
    "render_markdown",
    "render_text",
]

#: Width when none is given (a classic terminal).
DEFAULT_WIDTH: Final = 80
#: The narrowest width honoured (a narrower one is raised to this).
MIN_WIDTH: Final = 40

_EMPTY: Final = "—"
_UNIT_TEXT: Final = {"m2": "m²", "mg/m2": "mg/m²", "mg.min/mL": "mg·min/mL"}


def number_text(value: Any, digits: int | None = None) -> str:
    """Format a number with *digits* decimals, or as short as possible when ``None``."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if digits is not None:
        return f"{value:.{digits}f}"
    if isinstance(value, int) or value.is_integer():
        return str(int(value))
    return repr(value)


def quantity_text(value: Any, digits: int | None = None) -> str:
    """Format a JSON quantity ``{"value", "unit"}`` (or a bare number) for people.

    Args:
        value: A quantity object, a number or ``None`` (shown as ``—``).
        digits: Decimal places; ``None`` writes the number as it is.
    """
    if value is None:
        return _EMPTY
    if isinstance(value, Mapping):
        unit = str(value["unit"])
        return f"{number_text(value['value'], digits)} {_UNIT_TEXT.get(unit, unit)}"
    return number_text(value, digits)


def _markdown_safe(line: str) -> str:
    r"""One line of free text for Markdown: no raw HTML (``<``) and no link syntax (``](``).

    Reasons, labels and citations come from knowledge bases and result documents, which a
    Markdown renderer would otherwise read as HTML tags or links; CommonMark's backslash
    escapes show the characters as they are. A backslash of the text is escaped first (else
    ``\<`` would cancel the escape), and lines are escaped after wrapping (else a break
    after an added backslash would leave a hard line break and the ``<`` live on the next
    line).
    """
    return line.replace("\\", "\\\\").replace("<", "\\<").replace("](", "\\](")


def _wrap(text: str, width: int, first: str, rest: str) -> list[str]:
    lines = textwrap.wrap(
        text,
        width=width,
        initial_indent=first,
        subsequent_indent=rest,
        break_on_hyphens=False,
    )
    return lines or [first.rstrip()]


def fit_table(
    columns: Sequence[str],
    rows: Sequence[Sequence[str]],
    width: int,
    *,
    numeric: frozenset[int] = frozenset(),
    keep: frozenset[int] = frozenset(),
) -> list[str]:
    """Lay out a table within *width* columns: shrink and wrap the widest wrappable cells.

    Args:
        columns: The header.
        rows: The cells.
        width: The width to fit.
        numeric: Columns aligned right.
        keep: Columns never shrunk or wrapped (ids that a reader copies).
    """
    count = len(columns)
    natural = [
        max([len(columns[index])] + [len(row[index]) for row in rows]) for index in range(count)
    ]
    floors = []
    for index in range(count):
        cells = [r[index] for r in rows]
        longest = max((len(word) for cell in cells for word in cell.split()), default=1)
        header = max((len(word) for word in columns[index].split()), default=1)
        floor = max(header, min(longest, 8), 4)
        floors.append(natural[index] if index in keep else min(natural[index], floor))
    widths = list(natural)
    while sum(widths) + 2 * (count - 1) > width:
        shrinkable = [index for index in range(count) if widths[index] > floors[index]]
        if not shrinkable:
            break
        widest = max(shrinkable, key=lambda index: widths[index])
        widths[widest] -= 1

    def lines_of(cells: Sequence[str]) -> list[str]:
        wrapped = [
            textwrap.wrap(cell, width=widths[index], break_on_hyphens=False) or [""]
            for index, cell in enumerate(cells)
        ]
        height = max(len(cell) for cell in wrapped)
        out = []
        for line in range(height):
            parts = []
            for index, cell in enumerate(wrapped):
                text = cell[line] if line < len(cell) else ""
                parts.append(
                    text.rjust(widths[index]) if index in numeric else text.ljust(widths[index])
                )
            out.append("  ".join(parts).rstrip())
        return out

    lines = lines_of(columns)
    lines.append("  ".join("-" * w for w in widths))
    for row in rows:
        lines += lines_of(row)
    return lines


class Writer:
    """Builds a text or Markdown document line by line, wrapped to a width.

    Args:
        width: The width in columns (at least 40).
        markdown: Write Markdown (``#`` headings, ``-`` lists) instead of plain text.
    """

    def __init__(self, width: int = DEFAULT_WIDTH, *, markdown: bool = False) -> None:
        self.width = max(width, MIN_WIDTH)
        self.markdown = markdown
        self.lines: list[str] = []

    def _gap(self) -> None:
        if self.lines and self.lines[-1] != "":
            self.lines.append("")

    def title(self, text: str) -> None:
        """The document title."""
        if self.markdown:  # a Markdown heading is one line whatever its length
            self.lines += [f"# {_markdown_safe(text)}", ""]
        else:
            lines = textwrap.wrap(text, width=self.width)
            self.lines += [*lines, "=" * max(len(line) for line in lines)]

    def heading(self, text: str) -> None:
        """A section heading."""
        self._gap()
        if self.markdown:
            self.lines += [f"## {_markdown_safe(text)}", ""]
        else:
            lines = textwrap.wrap(text, width=self.width)
            self.lines += [*lines, "-" * max(len(line) for line in lines)]

    def para(self, text: str) -> None:
        """A paragraph."""
        lines = _wrap(text, self.width, "", "")
        self.lines += [_markdown_safe(line) for line in lines] if self.markdown else lines

    def code(self, text: str) -> str:
        """An id as code (a code span in Markdown)."""
        return f"`{text}`" if self.markdown else text

    def item(self, text: str, level: int = 0) -> None:
        """A list item; *level* 1 is a detail line under an item of level 0, 2 under 1."""
        if level < 2:
            bullet = "  * " if level == 0 else "      "
        else:
            bullet = "      " + "  " * (level - 2) + "- "
        first = "  " * level + "- " if self.markdown else bullet
        rest = " " * len(first) + ("" if self.markdown or level != 1 else "  ")
        lines = _wrap(text, self.width, first, rest)
        self.lines += [_markdown_safe(line) for line in lines] if self.markdown else lines

    def fact(self, fact: Fact) -> None:
        """A labelled value (``Label: value``), continuation lines indented."""
        if self.markdown:
            self.item(f"{fact.label}: {fact.value}")
        else:
            self.lines += _wrap(f"{fact.label}: {fact.value}", self.width, "  ", "      ")

    def table(
        self,
        columns: Sequence[str],
        rows: Sequence[Sequence[str]],
        *,
        numeric: frozenset[int] = frozenset(),
        keep: frozenset[int] = frozenset(),
    ) -> None:
        """A table (text) or one list item per row, ``column: cell`` joined (Markdown)."""
        if self.markdown:
            for row in rows:
                head, *cells = row
                details = "; ".join(
                    f"{column} {cell}" for column, cell in zip(columns[1:], cells, strict=True)
                )
                self.item(f"{head}: {details}")
            self.lines.append("")
        else:
            self.lines += fit_table(columns, rows, self.width, numeric=numeric, keep=keep)

    def text(self) -> str:
        """The document, ending with one newline."""
        while self.lines and self.lines[-1] == "":
            self.lines.pop()
        return "\n".join(self.lines) + "\n"


# --------------------------------------------------------------------------- dose plans

_DRUG_COLUMNS: Final = ("drug", "dose rule", "route", "days", "per dose", "per cycle")


def _drug_rows(plan: Mapping[str, Any], label: str | None) -> list[tuple[str, ...]]:
    rows: list[tuple[str, ...]] = []
    for drug in plan["drugs"]:
        name = drug["drug"] if label is None else f"{drug['drug']} ({label})"
        if label is not None:
            # An alternative agent has its own cycle: "per cycle" means that cycle.
            # (A no-break space keeps "14 d" together when the column wraps.)
            every = quantity_text(plan["cycle_length"]).replace(" ", "\u00a0")
            name = name[:-1] + f", every {every})"
        rows.append(
            (
                name,
                f"{quantity_text(drug['rule_dose'])} ({drug['rule']})",
                drug["route"],
                ", ".join(str(day) for day in drug["days"]),
                quantity_text(drug["per_administration"], 1),
                quantity_text(drug["per_cycle"], 1),
            )
        )
    return rows


#: What GFR Calvert's formula used for carboplatin, by the basis's ``gfr_source`` (schema 2).
_GFR_SOURCES: Final = {
    "measured": "carboplatin dosed on the measured GFR (patient.measured_gfr), not on this "
    "clearance",
    "dialysis": "carboplatin dosed with GFR 0 on dialysis, not on this clearance",
    "cockcroft_gault": "carboplatin dosed on this clearance",
}
_TAXANES: Final = frozenset({"paclitaxel", "docetaxel"})


def _basis_text(plan: Mapping[str, Any]) -> str:
    basis = plan["basis"]
    parts = []
    if basis["bsa"] is not None:
        formula = str(basis["bsa_formula"]).capitalize()
        parts.append(f"BSA {quantity_text(basis['bsa'], 2)} ({formula})")
    source = basis.get("gfr_source")  # schema 2; absent in a schema 1 result
    if basis["creatinine_clearance"] is not None:
        floor = ", creatinine floor applied" if basis["creatinine_floor_applied"] else ""
        capped = ", GFR capped" if basis["gfr_capped"] else ""
        used = f"; {_GFR_SOURCES[source]}" if source in _GFR_SOURCES else ""
        parts.append(
            f"creatinine clearance {quantity_text(basis['creatinine_clearance'], 1)} "
            f"(Cockcroft-Gault, {basis['weight_basis']} weight{floor}{capped}{used})"
        )
    elif source in _GFR_SOURCES:
        parts.append(_GFR_SOURCES[source].replace(", not on this clearance", ""))
    for drug in ("fluorouracil", "paclitaxel"):
        fraction = basis.get(f"{drug}_fraction")
        if fraction is not None and fraction != 1:
            parts.append(f"{drug} at {number_text(fraction, 2)} of the full dose")
    # hepatic_adjustment (schema 2) concerns the taxanes: "none", "reduced", or null when the
    # liver tests are not recorded (full dose, to be checked).
    if any(drug["drug"] in _TAXANES for drug in plan["drugs"]) and "hepatic_adjustment" in basis:
        hepatic = basis["hepatic_adjustment"]
        if hepatic is None:
            parts.append("liver tests not recorded: full taxane dose, check hepatic function")
        elif hepatic == "reduced":
            parts.append("taxane dose reduced for the liver tests")
    cycles = "not fixed" if plan["cycles"] is None else plan["cycles"]
    cycle = f"cycle every {quantity_text(plan['cycle_length'])}; number of cycles: {cycles}"
    return "; ".join([*parts, cycle])


def dose_plan_lines(writer: Writer, title: str, plan: Mapping[str, Any] | None) -> None:
    """Write one dose-plan document (systemic, radiotherapy or undetermined).

    Doses are shown to 0.1 mg, without clinical rounding.

    Args:
        writer: Where to write.
        title: What the plan is for (shown first).
        plan: The ``dose_plan`` JSON object, or ``None`` (nothing is written).
    """
    if plan is None:
        return
    if "undetermined" in plan:
        writer.para(f"{title}: dose plan undetermined; missing " + ", ".join(plan["undetermined"]))
        return
    if "drugs" not in plan:
        writer.para(
            f"{title}: {quantity_text(plan['total_dose'])} in {plan['fractions']} fractions of "
            f"{quantity_text(plan['dose_per_fraction'])}"
            + (" (nominal LQ values)" if plan["nominal"] else "")
        )
        if plan["cumulative_eqd2"]:
            writer.table(
                ("organ at risk", "α/β", "cumulative EQD2", "limit"),
                [
                    (
                        str(organ["organ"]),
                        quantity_text(organ["alpha_beta"]),
                        quantity_text(organ["value"], 1),
                        quantity_text(organ["limit"], 1),
                    )
                    for organ in plan["cumulative_eqd2"]
                ],
                numeric=frozenset({2, 3}),
            )
        return
    variant = "" if plan["variant"] is None else f", variant {plan['variant']}"
    rows = _drug_rows(plan, None)
    for alternative in plan["alternatives"]:
        if "undetermined" in alternative:
            name = alternative.get("variant") or "alternative"
            rows.append((f"({name})", "undetermined", "", "", "", ""))
        else:
            rows += _drug_rows(alternative, f"alternative: {alternative['variant']}")
    writer.para(f"{title}{variant}: {_basis_text(plan)}")
    writer.table(_DRUG_COLUMNS, rows, numeric=frozenset({4, 5}))


# --------------------------------------------------------------------------- results

_PATHWAY_REASON: Final = "not part of this pathway"


def _group_text(reason: str) -> str:
    if reason.startswith(_PATHWAY_REASON):
        reason = "not considered in this pathway" + reason[len(_PATHWAY_REASON) :]
    return reason[:1].upper() + reason[1:]


def _option(writer: Writer, option: OptionView) -> None:
    writer.item(f"{option.label} ({writer.code(option.id)}; {option.intent})")
    writer.item(f"Why: {option.reason}", 1)
    if option.rules:
        writer.item("Rules: " + ", ".join(option.rules), 1)
    for criterion in option.criteria:
        writer.item(f"[{criterion.result}] {criterion.id}: {criterion.explanation}", 1)
    if option.missing:
        writer.item("Missing: " + ", ".join(writer.code(f) for f in option.missing), 1)
    if option.flags:
        writer.item("Flags: " + ", ".join(option.flags), 1)
    if option.evidence:
        writer.item("Evidence: " + "; ".join(e.text for e in option.evidence), 1)


def _patient(writer: Writer, view: ReportView) -> None:
    case = view.case
    if case is None:
        return
    writer.heading("Patient")
    for fact in case.facts:
        writer.fact(fact)
    writer.fact(Fact("Assessments", "none" if not case.assessments else ""))
    for assessment in case.assessments:
        writer.item(assessment.text, 1)
        for finding in assessment.site_findings:
            writer.item(finding, 2)
    writer.fact(Fact("Current extent", ""))
    for line in case.extent:
        writer.item(line, 1)
    if case.history:
        writer.fact(Fact("Prior treatment", ""))
        for line in case.history:
            writer.item(line, 1)


def _write_result(writer: Writer, view: ReportView, *, all_options: bool) -> str:
    writer.para(f"Evaluation date {view.evaluation_date}; jurisdiction {view.jurisdiction}.")
    _patient(writer, view)
    writer.heading("Disease status and clock")
    for fact in view.status:
        writer.fact(fact)
    plans: list[tuple[str, Mapping[str, Any]]] = []
    for heading, options in view.tiers:
        writer.heading(heading)
        if not options:
            writer.para("none")
        for option in options:
            _option(writer, option)
            if option.dose_plan is not None and option.tier != "undetermined":
                plans.append((f"{option.label} ({option.tier})", option.dose_plan))
    writer.heading("Not recommended")
    if not view.not_recommended:
        writer.para("none")
    elif all_options:
        for option in view.not_recommended:
            _option(writer, option)
    else:
        for group in view.reason_groups:
            writer.item(f"{_group_text(group.reason)}: " + "; ".join(group.labels))
    writer.heading("Flags (preferred and alternative options)")
    writer.para(", ".join(view.flags) if view.flags else "none")
    writer.heading("Warnings")
    if not view.warnings:
        writer.para("none")
    for warning in view.warnings:
        writer.item(warning)
    if view.missing_information:
        writer.heading("Missing information")
        for missing in view.missing_information:
            prompt = f"{missing.prompt}; " if missing.prompt else ""
            writer.item(f"{writer.code(missing.field)}: {prompt}needed for {missing.needed_for}")
    writer.heading("Evidence (preferred and alternative options)")
    if not view.evidence:
        writer.para("none")
    elif writer.markdown:
        for item in view.evidence:
            writer.item(
                f"{item.id}: {item.citation} (OCEBM {item.ocebm}, GRADE {item.grade}; "
                f"{item.verification})"
            )
    else:
        writer.table(
            ("id", "citation", "OCEBM", "GRADE", "checked"),
            [(e.id, e.citation, e.ocebm, e.grade, e.verification) for e in view.evidence],
            keep=frozenset({0}),
        )
    writer.heading("Dose plans (preferred and alternative options)")
    if not plans:
        writer.para("none")
    for title, plan in plans:
        dose_plan_lines(writer, title, plan)
    writer.heading("Basis")
    for fact in view.versions:
        writer.fact(fact)
    writer.para("")
    writer.para(view.disclaimer)
    return writer.text()


def render_text(view: ReportView, *, width: int = DEFAULT_WIDTH, all_options: bool = False) -> str:
    """The plain-text view of a result (wrapped to *width*)."""
    writer = Writer(width)
    writer.title("Anal SCC after chemoradiotherapy: recommendation")
    return _write_result(writer, view, all_options=all_options)


def render_markdown(
    view: ReportView, *, width: int = DEFAULT_WIDTH, all_options: bool = False
) -> str:
    """The Markdown tumour-board summary of a result (wrapped to *width*)."""
    writer = Writer(width, markdown=True)
    writer.title("Tumour board summary: anal SCC after chemoradiotherapy")
    return _write_result(writer, view, all_options=all_options)
