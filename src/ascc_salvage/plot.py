"""Forest plots of knowledge-base outcomes (optional extra ``plot``: matplotlib).

matplotlib is imported inside :func:`forest_plot`, so importing this module costs nothing and
works without the extra installed.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, cast

from ascc_salvage.knowledge import EvidenceItem, Outcome, evidence, evidence_items

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["forest_plot", "forest_rows"]

#: Row label, value, 95 % CI bounds (``None`` if not reported) and unit of one plotted outcome.
ForestRow = tuple[str, float, float | None, float | None, str]


def forest_rows(
    outcome_name: str, *, items: Iterable[EvidenceItem | str] | None = None
) -> list[ForestRow]:
    """Collect the rows a forest plot of *outcome_name* draws, top to bottom.

    One row per matching outcome: the evidence id, then the arm and the population or
    timepoint when present.

    Args:
        outcome_name: Outcome name, e.g. ``"objective_response_rate"``.
        items: Evidence items or ids to draw from (default: every item, in table order).

    Returns:
        ``(label, value, ci_low, ci_high, unit)`` tuples.

    Raises:
        ValueError: No item reports the outcome, or the items report it in different units.

    >>> for row in forest_rows("objective_response_rate", items=["NCI9673A_2017"]):
    ...     print(row)
    ('NCI9673A_2017 · nivolumab', 24.0, 15.0, 33.0, 'percent')
    """
    chosen = (
        evidence_items()
        if items is None
        else tuple(evidence(item) if isinstance(item, str) else item for item in items)
    )
    rows: list[ForestRow] = []
    for item in chosen:
        for outcome in item.outcomes:
            if outcome.name == outcome_name:
                label = _label(item, outcome)
                rows.append(
                    (label, outcome.value, outcome.ci_low, outcome.ci_high, str(outcome.unit))
                )
    if not rows:
        raise ValueError(f"no evidence item reports outcome {outcome_name!r}")
    units = sorted({row[4] for row in rows})
    if len(units) > 1:
        raise ValueError(f"outcome {outcome_name!r} is reported in several units: {units}")
    return rows


def _label(item: EvidenceItem, outcome: Outcome) -> str:
    parts = [item.id, outcome.arm, outcome.population, outcome.timepoint]
    return " · ".join(part for part in parts if part)


def forest_plot(
    outcome_name: str,
    *,
    ax: Axes | None = None,
    items: Iterable[EvidenceItem | str] | None = None,
) -> tuple[Figure, Axes]:
    """Draw one outcome across evidence items as a forest plot.

    Each row is a point estimate with its 95 % confidence interval as a horizontal line
    (a point alone where no interval was reported). Values are drawn as published; nothing is
    pooled. Ratio outcomes (hazard ratios) get a logarithmic axis and a reference line at 1.

    Args:
        outcome_name: Outcome name, e.g. ``"objective_response_rate"``.
        ax: Axes to draw on (default: a new figure).
        items: Evidence items or ids (default: every item reporting the outcome).

    Returns:
        The figure and the axes drawn on.

    Raises:
        ValueError: As :func:`forest_rows`.
        ModuleNotFoundError: matplotlib is not installed (install ``ascc_salvage[plot]``).

    >>> fig, ax = forest_plot("objective_response_rate")
    >>> ax.get_xlabel()
    'objective response rate (percent)'
    >>> import matplotlib.pyplot as plt
    >>> plt.close(fig)
    """
    rows = forest_rows(outcome_name, items=items)
    import matplotlib.pyplot as plt

    if ax is None:
        fig, ax = plt.subplots(figsize=(7.0, 0.45 * len(rows) + 1.2))
    else:
        fig = cast("Figure", ax.figure)
    positions = list(range(len(rows)))[::-1]
    unit = rows[0][4]
    for y, (_, value, low, high, _) in zip(positions, rows, strict=True):
        if low is not None and high is not None:
            ax.plot([low, high], [y, y], color="black", linewidth=1.2)
        ax.plot([value], [y], marker="s", color="black", markersize=5)
    ax.set_yticks(positions)
    ax.set_yticklabels([row[0] for row in rows])
    ax.set_xlabel(f"{outcome_name.replace('_', ' ')} ({unit})")
    if unit == "ratio":
        ax.set_xscale("log")
        ax.axvline(1.0, color="grey", linestyle="--", linewidth=0.8)
    ax.set_ylim(-0.7, len(rows) - 0.3)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()
    return fig, ax
