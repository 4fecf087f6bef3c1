"""The decision diagrams of the clinical pathway, drawn with matplotlib.

They are generated at build time by the ``pathway-diagram`` directive (see ``ascc_docs``),
so they need neither graphviz nor a browser-side renderer. The pathway is split into three
figures that each stay legible at the page's content width (:data:`FIGURES`): assessment and
disease status, locoregional disease, distant disease. Boxes say what happens in clinical
words; the section of the *Clinical pathway* page and the rule ids that results report for the
branch are in small print below, read from the knowledge base's rule tables where the
section is one (:func:`rule_ids`).
"""

from __future__ import annotations

import textwrap
from dataclasses import dataclass
from pathlib import Path

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
from matplotlib.patches import FancyBboxPatch

from ascc_salvage import knowledge

# Box styles: (face colour, edge colour).
STYLES = {
    "input": ("#eeeeee", "#555555"),
    "status": ("#dbe9f6", "#2b6cb0"),
    "gate": ("#fff4cc", "#b7791f"),
    "plan": ("#dff3e3", "#2f855a"),
    "modifier": ("#f3e5f5", "#6b46c1"),
}
LEGEND = {
    "status": "status / routing",
    "gate": "check",
    "plan": "treatment pathway",
    "modifier": "modifier",
}

#: Figure width in inches. The page shows it at the content width (about 46 em, 736 px), so a
#: point is drawn at about 1.3 px: text of 10 pt is about 13 px, the small print about 11 px.
WIDTH_IN = 8.0
TEXT_PT = 10.0
SMALL_PT = 8.5
_UNIT_PT = WIDTH_IN * 72 / 100  # the x axis runs from 0 to 100 units
_LINE = TEXT_PT * 1.3 / _UNIT_PT
_SMALL_LINE = SMALL_PT * 1.3 / _UNIT_PT
_PAD = 1.2
_ROW_GAP = 5.0


@dataclass(frozen=True)
class Box:
    """One box: its centre x, width (in units of a 100-wide figure), style and words.

    ``section`` and ``rules`` are shown in small print: the section of the pathway page and
    the rule ids (:func:`rule_ids`) of the branch.
    """

    name: str
    x: float
    width: float
    style: str
    text: str
    section: str = ""
    rules: tuple[str, ...] = ()


@dataclass(frozen=True)
class Figure:
    """One diagram: rows of boxes top to bottom, arrows, and notes below the last row."""

    title: str
    rows: tuple[tuple[Box, ...], ...]
    arrows: tuple[tuple[str, str, str], ...]
    note: str = ""
    group: tuple[str, ...] = ()  # boxes framed together (one arrow into the frame)
    group_from: str = ""


_ASSESSMENT = Figure(
    title="Assessment and disease status",
    rows=(
        (
            Box(
                "case",
                50,
                62,
                "input",
                "Case document, checked when it is loaded: every problem is reported "
                "by its field path",
            ),
        ),
        (
            Box(
                "status",
                50,
                70,
                "status",
                "Disease status from the response assessments, on a clock from the start of "
                "chemoradiotherapy (26 weeks = day 182)",
                "§2",
            ),
        ),
        (
            Box(
                "early",
                17,
                32,
                "status",
                "Too early to assess (before 26 weeks): observe and re-assess at 26 weeks",
                rules=("2.too_early",),
            ),
            Box(
                "due",
                50,
                31,
                "status",
                "Assessment due or overdue: biopsy and restaging",
                rules=("2.assessment_due",),
            ),
            Box(
                "ccr",
                83,
                32,
                "status",
                "Complete clinical response or no evidence of disease: surveillance",
                rules=("2.surveillance",),
            ),
        ),
        (
            Box(
                "untreated",
                17,
                32,
                "status",
                "Untreated primary (outside salvage): wide local excision for a small "
                "anal-margin T1; first-line systemic therapy if M1; otherwise primary "
                "chemoradiotherapy",
                "§7",
                ("7",),
            ),
            Box(
                "equivocal",
                50,
                31,
                "status",
                "Equivocal response: biopsy and restaging (or observe and re-assess)",
                rules=("2.equivocal",),
            ),
            Box(
                "active",
                83,
                32,
                "status",
                "Persistent, progressive or recurrent disease: continue below",
                "§2",
            ),
        ),
        (
            Box(
                "gate",
                58,
                84,
                "gate",
                "Confirmed? Histology in this episode, and restaging with MRI and CT or "
                "PET-CT. If not: biopsy and restaging, and the treatments stay undetermined",
                "§2",
                ("2.gate",),
            ),
        ),
        (
            Box(
                "override",
                58,
                84,
                "gate",
                "Overriding situations: ECOG ≥ 3 or Karnofsky ≤ 40, or the patient declines "
                "active treatment: best supportive care. A systemic line that has not failed: "
                "observe and re-assess",
                "§2",
                ("2.ecog3", "2.declined_all", "2.ongoing_line"),
            ),
        ),
        (
            Box(
                "extent",
                58,
                84,
                "status",
                "Extent of current disease: local, inguinal or pelvic nodes, distant (M1), "
                "oligometastatic, invasion of other organs; resectability",
                "§3",
                ("3",),
            ),
        ),
    ),
    arrows=(
        ("case", "status", ""),
        ("active", "gate", ""),
        ("gate", "override", "confirmed"),
        ("override", "extent", "none applies"),
    ),
    group=("early", "due", "ccr", "untreated", "equivocal", "active"),
    group_from="status",
    note="Locoregional disease only: figure 2. Distant disease: figure 3.",
)

_LOCOREGIONAL = Figure(
    title="Locoregional disease",
    rows=(
        (
            Box(
                "loco",
                50,
                76,
                "gate",
                "Locoregional disease only: fitness for major pelvic surgery, "
                "resectability and the expected margin decide",
                "§4",
                ("4",),
            ),
        ),
        (
            Box(
                "resect",
                17,
                32,
                "plan",
                "Fit and resectable: salvage abdominoperineal resection with flap closure; "
                "extended resection where needed; wide local excision for a small "
                "anal-margin recurrence",
                "§4.1",
                ("4.1", "4.1.resection"),
            ),
            Box(
                "unres",
                50,
                31,
                "plan",
                "Unresectable or R2 expected, or unfit for surgery: systemic therapy or "
                "best supportive care; palliative radiotherapy",
                "§4.2, §4.3",
                ("4.2", "4.3"),
            ),
            Box(
                "groin",
                83,
                32,
                "plan",
                "Nodes: isolated inguinal (groin dissection, groin radiotherapy); pelvic "
                "nodes; re-recurrence after salvage surgery",
                "§4.4–§4.6",
                ("4.4", "4.5", "4.6"),
            ),
        ),
        (
            Box(
                "reirr",
                50,
                96,
                "modifier",
                "Modifiers: curative re-irradiation and intra-operative radiotherapy, "
                "judged by recurrence after a complete response, the interval since "
                "chemoradiotherapy, a cumulative EQD2 screen and an expected R1 margin",
                "§6",
                ("6",),
            ),
        ),
    ),
    arrows=(("loco", "resect", ""), ("loco", "unres", ""), ("loco", "groin", "")),
    note="Locoregional and distant disease together (§4.7): figure 3.",
)

_DISTANT = Figure(
    title="Distant disease",
    rows=(
        (
            Box("m1", 26, 44, "status", "Distant disease (M1)", "§5"),
            Box(
                "both",
                74,
                48,
                "plan",
                "Locoregional and distant disease: systemic therapy first; resection "
                "reconsidered after response",
                "§4.7",
                ("4.7",),
            ),
        ),
        (
            Box(
                "shared",
                50,
                90,
                "gate",
                "Criteria shared by every systemic option: checkpoint-inhibitor "
                "eligibility, HIV, fitness for cisplatin, the approval in force",
                "§5.1",
                ("5.1",),
            ),
        ),
        (
            Box(
                "first",
                17,
                32,
                "plan",
                "First line: carboplatin–paclitaxel with retifanlimab, or carboplatin–paclitaxel",
                "§5.2",
                ("5.2",),
            ),
            Box(
                "platinum",
                50,
                31,
                "plan",
                "After platinum: anti-PD-1 monotherapy",
                "§5.3",
                ("5.3",),
            ),
            Box(
                "ici",
                83,
                32,
                "plan",
                "After anti-PD-(L)1: clinical trial, or chemotherapy not used yet",
                "§5.4",
                ("5.4",),
            ),
        ),
        (
            Box(
                "oligo",
                50,
                90,
                "modifier",
                "Oligometastatic disease: metastasis-directed therapy in addition",
                "§5.5",
                ("5.5",),
            ),
        ),
    ),
    arrows=(
        ("m1", "shared", ""),
        ("both", "shared", ""),
        ("shared", "first", ""),
        ("shared", "platinum", ""),
        ("shared", "ici", ""),
    ),
)

#: The figures, by the name the ``pathway-diagram`` directive takes.
FIGURES: dict[str, Figure] = {
    "assessment": _ASSESSMENT,
    "locoregional": _LOCOREGIONAL,
    "distant": _DISTANT,
}


def rule_ids(rules: tuple[str, ...]) -> tuple[str, ...]:
    """The rule ids results report for a branch.

    A section that is a rule table of the knowledge base (``4.1``) stands for the distinct
    rule ids of its rows (``4.1a``, ``4.1b``, ``4.1d``); any other id is shown as written.
    """
    tables = {table.section: table for table in knowledge.rule_tables()}
    shown: list[str] = []
    for rule in rules:
        table = tables.get(rule)
        shown += [row.rule_id for row in table.rows] if table is not None else [rule]
    return tuple(dict.fromkeys(shown))


def _wrap(text: str, width: float, points: float) -> list[str]:
    characters = max(10, int(width * _UNIT_PT / (points * 0.58)))
    return textwrap.wrap(text, characters)


def _small_print(box: Box) -> list[str]:
    ids = rule_ids(box.rules)
    parts = [box.section] if box.section else []
    if ids:
        parts.append(("rule " if len(ids) == 1 else "rules ") + ", ".join(ids))
    return _wrap(" · ".join(parts), box.width - 2 * _PAD, SMALL_PT) if parts else []


def _height(box: Box) -> float:
    lines = _wrap(box.text, box.width - 2 * _PAD, TEXT_PT)
    return len(lines) * _LINE + len(_small_print(box)) * _SMALL_LINE + 2 * _PAD


def draw(name: str) -> plt.Figure:
    """Return the figure *name* of :data:`FIGURES` as a matplotlib figure."""
    spec = FIGURES[name]
    placed: dict[str, tuple[Box, float, float]] = {}  # name: (box, top, bottom)
    y = 0.0
    for row in spec.rows:
        height = max(_height(box) for box in row)
        if spec.group and any(box.name in spec.group for box in row):
            y -= 1.0  # room for the group frame
        for box in row:
            placed[box.name] = (box, y, y - _height(box))
        y -= height + _ROW_GAP
    bottom = y + _ROW_GAP - (4.0 if spec.note else 0.0) - 5.0
    figure = plt.figure(figsize=(WIDTH_IN, WIDTH_IN * (-bottom + 2) / 100))
    axes = figure.add_axes((0, 0, 1, 1))  # one unit is the same length along x and y
    axes.set_xlim(0, 100)
    axes.set_ylim(bottom, 2)
    axes.axis("off")
    for box, top, low in placed.values():
        face, edge = STYLES[box.style]
        axes.add_patch(
            FancyBboxPatch(
                (box.x - box.width / 2 + 0.4, low + 0.4),
                box.width - 0.8,
                top - low - 0.8,
                boxstyle="round,pad=0.4,rounding_size=1.0",
                facecolor=face,
                edgecolor=edge,
                linewidth=1.1,
            )
        )
        lines = _wrap(box.text, box.width - 2 * _PAD, TEXT_PT)
        axes.text(
            box.x,
            top - _PAD,
            "\n".join(lines),
            ha="center",
            va="top",
            fontsize=TEXT_PT,
            linespacing=1.2,
        )
        small = _small_print(box)
        if small:
            axes.text(
                box.x,
                top - _PAD - len(lines) * _LINE - 0.2,
                "\n".join(small),
                ha="center",
                va="top",
                fontsize=SMALL_PT,
                color="#444444",
                linespacing=1.2,
            )
    if spec.group:
        members = [placed[name] for name in spec.group]
        left = min(box.x - box.width / 2 for box, _, _ in members) - 0.8
        right = max(box.x + box.width / 2 for box, _, _ in members) + 0.8
        top = max(top for _, top, _ in members) + 1.0
        low = min(low for _, _, low in members) - 1.0
        axes.add_patch(
            FancyBboxPatch(
                (left, low),
                right - left,
                top - low,
                boxstyle="round,pad=0.2,rounding_size=1.2",
                facecolor="none",
                edgecolor="#999999",
                linestyle="--",
                linewidth=0.9,
            )
        )
        source, _, source_low = placed[spec.group_from]
        _arrow(axes, source.x, source_low, source.x, top, "the first status that applies")
    for start, end, label in spec.arrows:
        box, _, low = placed[start]
        target, top, _ = placed[end]
        _arrow(axes, box.x + (target.x - box.x) * 0.3, low, target.x, top, label)
    if spec.note:
        axes.text(50, y + _ROW_GAP - 2.5, spec.note, ha="center", va="top", fontsize=TEXT_PT)
    for i, (style, text) in enumerate(LEGEND.items()):
        face, edge = STYLES[style]
        x = 4 + i * 25
        axes.add_patch(
            FancyBboxPatch(
                (x, bottom + 0.8),
                2.5,
                1.8,
                boxstyle="round,pad=0.2",
                facecolor=face,
                edgecolor=edge,
            )
        )
        axes.text(x + 3.5, bottom + 1.7, text, fontsize=SMALL_PT, va="center")
    return figure


def _arrow(axes: plt.Axes, x0: float, y0: float, x1: float, y1: float, label: str) -> None:
    axes.annotate(
        "",
        xy=(x1, y1 + 0.1),
        xytext=(x0, y0 - 0.1),
        arrowprops={"arrowstyle": "-|>", "color": "#444444", "lw": 1.0, "shrinkA": 0, "shrinkB": 0},
    )
    if label:
        axes.text(
            (x0 + x1) / 2 + 1.2,
            (y0 + y1) / 2,
            label,
            fontsize=SMALL_PT,
            style="italic",
            color="#444444",
            va="center",
        )


def write_svg(name: str, path: Path) -> None:
    """Draw figure *name* into *path* (SVG, reproducible: fixed hash salt, no date)."""
    matplotlib.rcParams["svg.hashsalt"] = "ascc_salvage"
    figure = draw(name)
    figure.savefig(path, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(figure)
