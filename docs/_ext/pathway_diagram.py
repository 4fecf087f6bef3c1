"""The decision diagram of the clinical pathway, drawn with matplotlib.

It is generated at build time by the ``pathway-diagram`` directive (see ``ascc_docs``),
so it needs neither graphviz nor a browser-side renderer. Section numbers refer to the
*Clinical pathway* page. Each box names the rule ids that results report for its branch:
read from the knowledge base's rule table where the section is one (:data:`RULES`).
"""

from __future__ import annotations

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

# name: (x centre, y centre, width, height, style, text)
BOXES: dict[str, tuple[float, float, float, float, str, str]] = {
    "case": (50, 97, 34, 4, "input", "Case document → load_case: every problem reported by path"),
    "status": (
        50,
        89.5,
        40,
        5,
        "status",
        "Disease status (§2): first matching rule of nine\n"
        "clock from CRT start; day ≥ 182 counts as ≥ 26 weeks",
    ),
    "untreated": (
        9,
        77.5,
        18,
        12,
        "status",
        "untreated_primary\n→ §7 scope boundary:\nlocal excision (small\n"
        "anal-margin T1), §5.2 (M1),\notherwise\nprimary_chemoradiotherapy",
    ),
    "early": (
        27.5,
        78,
        16,
        9,
        "status",
        "too_early_to_assess\n→ observe_and_reassess\n(next assessment\nat day 182)",
    ),
    "due": (
        44.5,
        78,
        15,
        9,
        "status",
        "assessment_due\n→ biopsy_and_restage\nwarning\nreassessment_overdue",
    ),
    "ccr": (
        62,
        78,
        17,
        9,
        "status",
        "complete_clinical_response\nno_evidence_of_disease\n→ surveillance",
    ),
    "equivocal": (
        79.5,
        78,
        15,
        9,
        "status",
        "equivocal\n→ biopsy_and_restage\n(observe_and_reassess\nalternative)",
    ),
    "active": (94.5, 78, 12, 9, "status", "persistent\nprogressive\nrecurrent"),
    "gate": (
        72,
        65,
        36,
        6,
        "gate",
        "Confirmation gate: histology in the episode\nand restaged "
        "(MRI + CT/PET-CT)?  If not: biopsy_and_restage,\nanticancer options undetermined",
    ),
    "override": (
        66,
        54.5,
        48,
        7,
        "gate",
        "Overriding situations: ECOG ≥ 3 / Karnofsky ≤ 40 → "
        "best_supportive_care;\npatient declines active treatment → best_supportive_care;"
        "\nongoing systemic line not failed → observe_and_reassess",
    ),
    "extent": (
        50,
        44,
        36,
        5,
        "status",
        "Extent of current disease (§3): local, inguinal,\n"
        "pelvic nodal, distant (M1), oligometastatic, invasion",
    ),
    "loco": (
        20,
        30,
        34,
        8,
        "gate",
        "Locoregional only (§4)\nfitness for major pelvic surgery,\nresectability, expected margin",
    ),
    "both": (
        50,
        30,
        20,
        8,
        "plan",
        "Local + distant (§4.7)\nsystemic first; resection\nreconsidered after response",
    ),
    "distant": (
        80,
        30,
        30,
        8,
        "plan",
        "Distant disease (§5)\nsystemic pathway by line;\n"
        "§5.5 metastasis-directed therapy\nif oligometastatic",
    ),
    "resect": (
        9,
        13,
        18,
        12,
        "plan",
        "§4.1 fit, resectable\nsalvage APR + flap;\nextended "
        "resection;\nlocal excision (small\nanal-margin recurrence);\nmodifiers a–h",
    ),
    "unres": (
        29,
        13,
        18,
        12,
        "plan",
        "§4.2 unresectable / R2\n§4.3 unfit\nsystemic pathway "
        "or\nbest supportive care;\npalliative RT",
    ),
    "groin": (
        49,
        13,
        18,
        12,
        "plan",
        "§4.4 isolated inguinal\n§4.5 pelvic nodes\n§4.6 after "
        "salvage APR\ndissection, groin RT,\nextended resection",
    ),
    "lines": (
        75,
        13,
        30,
        12,
        "plan",
        "§5.2 first line: CP + retifanlimab or CP\n§5.3 after "
        "platinum: anti-PD-1\n§5.4 after anti-PD-(L)1: clinical trial,\nunused "
        "chemotherapy\n§5.1 shared criteria (ICI, HIV, cisplatin)",
    ),
    "reirr": (
        50,
        2.5,
        62,
        4,
        "modifier",
        "§6 re-irradiation and IORT (modifiers): recurrent "
        "after cCR, interval, cumulative EQD2 screen, R1 expected",
    ),
}

#: The rule ids of each box's branch (as results report them, "rule 4.4"). Where the section
#: is a rule table of the knowledge base, each id stands for the ids of the table's rows that
#: start with it (so "7" lists 7a, 7b, 7c); otherwise the ids are shown as written here.
RULES: dict[str, tuple[str, ...]] = {
    "untreated": ("7",),
    "early": ("2.too_early",),
    "due": ("2.assessment_due",),
    "ccr": ("2.surveillance",),
    "equivocal": ("2.equivocal",),
    "active": ("2",),
    "gate": ("2.gate",),
    "override": ("2.override",),
    "extent": ("3",),
    "both": ("4.7",),
    "resect": ("4.1", "4.1a–h", "4.1.declined"),
    "unres": ("4.2", "4.3"),
    "groin": ("4.4", "4.5", "4.6"),
    "lines": ("5.1", "5.2", "5.3", "5.4", "5.5"),
    "reirr": ("6", "6.iort"),
}


def rule_ids(box: str) -> tuple[str, ...]:
    """The rule ids shown in *box*: from the rule tables where they exist, else as written."""
    tables = {table.section: table for table in knowledge.rule_tables()}
    shown: list[str] = []
    for rule in RULES.get(box, ()):
        table = tables.get(rule.split(".")[0].rstrip("abcdefghijklmnopqrstuvwxyz–"))
        if table is None:
            shown.append(rule)
            continue
        shown += [row.rule_id for row in table.rows if row.rule_id.startswith(rule)]
    return tuple(dict.fromkeys(shown))


ARROWS: list[tuple[str, str, str]] = [
    ("case", "status", ""),
    ("status", "untreated", ""),
    ("status", "early", ""),
    ("status", "due", ""),
    ("status", "ccr", ""),
    ("status", "equivocal", ""),
    ("status", "active", ""),
    ("active", "gate", ""),
    ("gate", "override", "confirmed"),
    ("override", "extent", "none applies"),
    ("extent", "loco", ""),
    ("extent", "both", ""),
    ("extent", "distant", ""),
    ("loco", "resect", ""),
    ("loco", "unres", ""),
    ("loco", "groin", ""),
    ("distant", "lines", ""),
    ("both", "lines", ""),
]


def _edge(name: str, side: str) -> tuple[float, float]:
    x, y, _, h, _, _ = BOXES[name]
    return {"top": (x, y + h / 2), "bottom": (x, y - h / 2)}[side]


def draw() -> plt.Figure:
    """Return the diagram as a matplotlib figure."""
    figure, axes = plt.subplots(figsize=(13, 10.5))
    axes.set_xlim(-1, 104)
    axes.set_ylim(-4, 100)
    axes.axis("off")
    for name, (x, y, w, h, style, text) in BOXES.items():
        face, edge = STYLES[style]
        rules = rule_ids(name)
        if rules:
            separator = " · " if h <= 5 else "\n"
            word = "rule" if len(rules) == 1 else "rules"
            text = f"{text}{separator}{word} {', '.join(rules)}"
        axes.add_patch(
            FancyBboxPatch(
                (x - w / 2, y - h / 2),
                w,
                h,
                boxstyle="round,pad=0.3,rounding_size=0.8",
                facecolor=face,
                edgecolor=edge,
                linewidth=1.1,
            )
        )
        axes.text(x, y, text, ha="center", va="center", fontsize=7.2, linespacing=1.25)
    for start, end, label in ARROWS:
        x0, y0 = _edge(start, "bottom")
        x1, y1 = _edge(end, "top")
        axes.annotate(
            "",
            xy=(x1, y1 + 0.4),
            xytext=(x0, y0 - 0.4),
            arrowprops={
                "arrowstyle": "-|>",
                "color": "#444444",
                "lw": 0.9,
                "shrinkA": 0,
                "shrinkB": 0,
            },
        )
        if label:
            axes.text(
                (x0 + x1) / 2 + 1,
                (y0 + y1) / 2,
                label,
                fontsize=7,
                style="italic",
                color="#444444",
                va="center",
            )
    legend = [
        ("status", "status / routing"),
        ("gate", "check"),
        ("plan", "treatment pathway"),
        ("modifier", "modifier"),
    ]
    for i, (style, text) in enumerate(legend):
        face, edge = STYLES[style]
        axes.add_patch(
            FancyBboxPatch(
                (22 + i * 16, -3),
                2.5,
                1.6,
                boxstyle="round,pad=0.2",
                facecolor=face,
                edgecolor=edge,
            )
        )
        axes.text(25.5 + i * 16, -2.2, text, fontsize=7, va="center")
    return figure


def write_svg(path: Path) -> None:
    """Draw the diagram into *path* (SVG, reproducible: fixed hash salt, no date)."""
    matplotlib.rcParams["svg.hashsalt"] = "ascc_salvage"
    figure = draw()
    figure.savefig(path, format="svg", bbox_inches="tight", metadata={"Date": None})
    plt.close(figure)
