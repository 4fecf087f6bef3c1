"""The report's figures as shapes: the 26-week clock and the per-case pathway diagram.

Figures are computed here as plain shapes (rectangles, lines, circles, text) and drawn as
inline SVG by the report template, whose autoescaping covers every text. No plotting library
and nothing from the network: the report stays one self-contained file.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Iterable, Mapping, Sequence
from typing import Final

import attrs

from ascc_salvage.knowledge import KnowledgeBase, RuleTable
from ascc_salvage.rendering._view import CaseView

__all__ = [
    "Figure",
    "Shape",
    "clock_figure",
    "pathway_figure",
    "pathway_nodes",
]


@attrs.frozen
class Shape:
    """One SVG element: ``rect``, ``line``, ``circle`` or ``text``.

    Coordinates are in pixels of the figure's view box; ``css`` is the class that styles it
    (the report's stylesheet), ``anchor`` the text anchor (``start``, ``middle``, ``end``).
    """

    kind: str
    x: float
    y: float
    w: float = 0.0
    h: float = 0.0
    text: str = ""
    css: str = ""
    anchor: str = "start"


@attrs.frozen
class Figure:
    """A figure: its size, a title and description for screen readers, and its shapes."""

    width: int
    height: int
    title: str
    description: str
    shapes: tuple[Shape, ...]


# --------------------------------------------------------------------------- the clock

_CLOCK_WIDTH: Final = 680
_LEFT: Final = 20
_RIGHT: Final = 660
_AXIS_Y: Final = 70


def _anchored(x: float) -> str:
    """The anchor that keeps a label at *x* inside the figure (start, middle or end)."""
    if x < _LEFT + 150:
        return "start"
    if x > _RIGHT - 150:
        return "end"
    return "middle"


def clock_figure(case: CaseView) -> Figure | None:
    """The 26-week clock: CRT, the assessments, day 182 and the evaluation date.

    ``None`` when the case records no chemoradiotherapy (there is no clock).
    """
    start = case.crt_start
    if start is None or case.crt_end is None:
        return None
    days = [case.window_days, (case.evaluation_date - start).days, (case.crt_end - start).days]
    days += [a.day for a in case.assessments if a.day is not None]
    last = max(max(days), 1) * 1.08

    def x(day: float) -> float:
        return _LEFT + (max(day, 0) / last) * (_RIGHT - _LEFT)

    def date(day: int) -> str:
        return (start + dt.timedelta(days=day)).isoformat()

    crt_days = (case.crt_end - start).days
    shapes: list[Shape] = [
        Shape("line", _LEFT, _AXIS_Y, _RIGHT, _AXIS_Y, css="axis"),
        Shape("rect", x(0), _AXIS_Y - 7, max(x(crt_days) - x(0), 3), 14, css="crt"),
        Shape("text", x(0), _AXIS_Y - 12, text=f"CRT {start.isoformat()}", css="label"),
        Shape("line", x(case.window_days), 18, x(case.window_days), _AXIS_Y + 14, css="window"),
        Shape(
            "text",
            x(case.window_days),
            14,
            text=f"day {case.window_days} (26 weeks): {date(case.window_days)}",
            css="label strong",
            anchor=_anchored(x(case.window_days)),
        ),
    ]
    for index, assessment in enumerate(case.assessments):
        if assessment.day is None:  # pragma: no cover - a clock always has a CRT start
            continue
        cx = x(assessment.day)
        y = 96 if index % 2 == 0 else 110
        shapes.append(Shape("circle", cx, _AXIS_Y, 5, css=f"assessment {assessment.finding}"))
        shapes.append(Shape("line", cx, _AXIS_Y + 5, cx, y - 9, css="tick"))
        shapes.append(
            Shape(
                "text",
                cx,
                y,
                text=f"{assessment.date.isoformat()} wk {assessment.day / 7:.1f}: "
                f"{assessment.finding}",
                css="label",
                anchor=_anchored(cx),
            )
        )
    evaluation = (case.evaluation_date - start).days
    shapes.append(Shape("line", x(evaluation), 30, x(evaluation), _AXIS_Y + 8, css="evaluation"))
    shapes.append(
        Shape(
            "text",
            x(evaluation),
            40,
            text=f"evaluation {case.evaluation_date.isoformat()} (wk {evaluation / 7:.1f})",
            css="label",
            anchor="end",
        )
    )
    return Figure(
        _CLOCK_WIDTH,
        128,
        "The 26-week clock",
        f"Chemoradiotherapy from {start.isoformat()} to {case.crt_end.isoformat()}, "
        f"{len(case.assessments)} assessments, day {case.window_days} on "
        f"{date(case.window_days)}, evaluation on {case.evaluation_date.isoformat()}.",
        tuple(shapes),
    )


# --------------------------------------------------------------------------- the pathway

#: Hand-overs the engine makes in Python rather than through a row's ``table``: routing by
#: disease status and extent (§2 to §4, §4.7, §5 and §7) and IORT beside a resection (§6).
_ROUTED_IN_CODE: Final[Mapping[str, tuple[str, ...]]] = {
    "2": ("7", "4", "5.2", "5.3", "5.4", "5.5", "4.7"),
    "4.1.resection": ("6",),
    "4.5": ("6",),
}
_ROOT: Final = "2"


@attrs.frozen
class PathwayNode:
    """One rule table in the diagram.

    Attributes:
        section: The table's section.
        title: Its title.
        depth: Its depth in the drawing (the root is 0).
        parent: The section it is drawn under (``""`` for the root).
        also_from: Other sections that hand over to it.
        lit: Whether the case's branch passes through it.
        fired: The rule ids of this table that set a tier in the result.
    """

    section: str
    title: str
    depth: int
    parent: str
    also_from: tuple[str, ...]
    lit: bool
    fired: tuple[str, ...]


def _children(tables: Mapping[str, RuleTable]) -> dict[str, list[str]]:
    children: dict[str, list[str]] = {section: [] for section in tables}
    for table in tables.values():
        for row in table.rows:
            if row.table and row.table not in children[table.section]:
                children[table.section].append(row.table)
    for parent, targets in _ROUTED_IN_CODE.items():
        if parent in children:
            children[parent] += [t for t in targets if t in tables and t not in children[parent]]
    return children


def _fired(table: RuleTable, rules: Iterable[str]) -> tuple[str, ...]:
    ids = {row.rule_id for row in table.rows}
    if table.routes:
        ids.add(table.section)
    # A lettered row of the section that the engine evaluates by branching (§4.4c).
    lettered = re.compile(re.escape(table.section) + r"[a-z]")
    return tuple(rule for rule in rules if rule in ids or lettered.fullmatch(rule))


def pathway_nodes(kb: KnowledgeBase, rules: Sequence[str]) -> tuple[PathwayNode, ...]:
    """The rule tables of *kb* as a tree, with the branch of a result's *rules* lit.

    A table is on the branch when one of its rules set a tier, and so is the table that
    hands over to it; when several tables can hand over to it, only the tables every such
    route passes through are lit (the result does not say which route was taken).
    """
    tables = kb.rules
    children = _children(tables)
    parents: dict[str, list[str]] = {section: [] for section in tables}
    for parent, targets in children.items():
        for target in targets:
            parents[target].append(parent)
    fired = {section: _fired(table, rules) for section, table in tables.items()}
    lit = {section for section, ids in fired.items() if ids}
    if _ROOT in tables and rules:
        lit.add(_ROOT)

    def ancestors(section: str) -> set[str]:
        found: set[str] = set()
        stack = list(parents[section])
        while stack:
            parent = stack.pop()
            found.add(parent)
            stack += [grand for grand in parents[parent] if grand not in found]
        return found

    changed = True
    while changed:
        changed = False
        for section in list(lit):
            routes = parents[section]
            if len(routes) == 1:
                add = {routes[0]}
            elif routes:
                add = set.intersection(*(ancestors(p) | {p} for p in routes))
            else:
                add = set()
            if not add <= lit:
                lit |= add
                changed = True

    order: list[tuple[str, int, str]] = []
    placed: set[str] = set()

    def place(section: str, depth: int, parent: str) -> None:
        placed.add(section)
        order.append((section, depth, parent))
        for child in children[section]:
            if child not in placed:
                place(child, depth + 1, section)

    roots = [_ROOT] if _ROOT in tables else []
    for section in [*roots, *tables]:
        if section not in placed:
            place(section, 0 if section == _ROOT or not roots else 1, "")
    return tuple(
        PathwayNode(
            section=section,
            title=tables[section].title,
            depth=depth,
            parent=parent,
            also_from=tuple(p for p in parents[section] if p != parent),
            lit=section in lit,
            fired=fired[section],
        )
        for section, depth, parent in order
    )


_ROW: Final = 24
_BOX: Final = 18
_INDENT: Final = 22
_PATHWAY_WIDTH: Final = 680


def pathway_figure(kb: KnowledgeBase, rules: Sequence[str]) -> Figure:
    """The pathway diagram: one box per rule table, the case's branch highlighted."""
    nodes = pathway_nodes(kb, rules)
    position = {node.section: index for index, node in enumerate(nodes)}
    edges: list[Shape] = []
    shapes: list[Shape] = []
    for index, node in enumerate(nodes):
        top = 6 + index * _ROW
        left = 8 + node.depth * _INDENT
        state = "lit" if node.lit else "plain"
        if node.parent:
            parent = nodes[position[node.parent]]
            px = 8 + parent.depth * _INDENT + 8
            py = 6 + position[node.parent] * _ROW + _BOX
            edge = "edge lit" if node.lit and parent.lit else "edge"
            edges.append(Shape("line", px, py, px, top + _BOX / 2, css=edge))
            edges.append(Shape("line", px, top + _BOX / 2, left, top + _BOX / 2, css=edge))
        shapes.append(
            Shape("rect", left, top, _PATHWAY_WIDTH - 8 - left, _BOX, css=f"node {state}")
        )
        shapes.append(
            Shape(
                "text",
                left + 6,
                top + 13,
                text=f"§{node.section}  {node.title}",
                css=f"title {state}",
            )
        )
        notes = []
        if node.fired:
            notes.append("rules " + ", ".join(node.fired))
        if node.also_from:
            notes.append("also from " + ", ".join(f"§{s}" for s in node.also_from))
        if notes:
            shapes.append(
                Shape(
                    "text",
                    _PATHWAY_WIDTH - 14,
                    top + 13,
                    text="; ".join(notes),
                    css=f"note {state}",
                    anchor="end",
                )
            )
    branch = [f"§{node.section}" for node in nodes if node.lit]
    return Figure(
        _PATHWAY_WIDTH,
        12 + len(nodes) * _ROW,
        "The pathway and the branch this case took",
        "Pathway sections (rule tables); highlighted: " + (", ".join(branch) or "none") + ".",
        (*sorted(edges, key=lambda edge: edge.css), *shapes),  # highlighted edges on top
    )
