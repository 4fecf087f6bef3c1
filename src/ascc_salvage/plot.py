"""Forest plots of knowledge-base outcomes (optional extra ``plot``: matplotlib).

matplotlib is imported inside :func:`forest_plot`, so importing this module costs nothing and
works without the extra installed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import TYPE_CHECKING, cast

from ascc_salvage.knowledge import EvidenceItem, Outcome, evidence, evidence_items

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

__all__ = ["forest_plot", "forest_rows", "format_estimate", "study_label"]

#: Row label, value, 95 % CI bounds (``None`` if not reported) and unit of one plotted outcome.
ForestRow = tuple[str, float, float | None, float | None, str]

# "Glynne-Jones R et al.", "Racine M, Meurette G", "El Zarif T et al.": surname, initials.
_FIRST_AUTHOR = re.compile(
    r"^(?P<surname>[A-Z][\w'’-]+(?: [A-Z][\w'’-]+)*) [A-Z]{1,4}(?:,| et al\b)"
)
_ID_YEAR = re.compile(r"_(?P<year>(?:19|20)\d\d)(?:_|$)")
_YEAR = re.compile(r"\b(?P<year>(?:19|20)\d\d)\b")

# Where the value column starts and the n column ends, in points right of the plot.
_VALUE_OFFSET = 10
_N_OFFSET = 125


def study_label(item: EvidenceItem) -> str:
    """The author–year label of an evidence item, as forest plots and the evidence table show it.

    The first author's surname is read from the citation and the year from the evidence id
    (else the first year in the citation). A citation that names no author (a guideline, an
    abstract cited by its journal) is labelled by its evidence id.

    >>> study_label(evidence("NCI9673A_2017"))
    'Morris 2017'
    >>> study_label(evidence("NCCN_2025"))
    'NCCN_2025'
    """
    author = _FIRST_AUTHOR.match(item.citation)
    year = _ID_YEAR.search(item.id) or _YEAR.search(item.citation)
    if author is None or year is None:
        return item.id
    return f"{author.group('surname')} {year.group('year')}"


def format_estimate(value: float, ci_low: float | None = None, ci_high: float | None = None) -> str:
    """A value with its 95 % confidence interval, as the value column of a forest plot shows it.

    >>> format_estimate(24.0, 15.0, 33.0)
    '24 [15–33]'
    >>> format_estimate(9.3)
    '9.3'
    """
    text = f"{value:g}"
    if ci_low is not None and ci_high is not None:
        text += f" [{ci_low:g}–{ci_high:g}]"
    return text


def _selected_rows(
    outcome_name: str, items: Iterable[EvidenceItem | str] | None
) -> list[tuple[ForestRow, int | None]]:
    chosen = (
        evidence_items()
        if items is None
        else tuple(evidence(item) if isinstance(item, str) else item for item in items)
    )
    rows: list[tuple[ForestRow, int | None]] = []
    for item in chosen:
        for outcome in item.outcomes:
            if outcome.name == outcome_name:
                label = _label(item, outcome)
                row = (label, outcome.value, outcome.ci_low, outcome.ci_high, str(outcome.unit))
                rows.append((row, item.n))
    if not rows:
        raise ValueError(f"no evidence item reports outcome {outcome_name!r}")
    units = sorted({row[4] for row, _ in rows})
    if len(units) > 1:
        raise ValueError(f"outcome {outcome_name!r} is reported in several units: {units}")
    return rows


def forest_rows(
    outcome_name: str, *, items: Iterable[EvidenceItem | str] | None = None
) -> list[ForestRow]:
    """Collect the rows a forest plot of *outcome_name* draws, top to bottom.

    One row per matching outcome, labelled by :func:`study_label` (author and year), then the
    arm and the population or timepoint when present.

    Args:
        outcome_name: Outcome name, e.g. ``"objective_response_rate"``.
        items: Evidence items or ids to draw from (default: every item, in table order).

    Returns:
        ``(label, value, ci_low, ci_high, unit)`` tuples.

    Raises:
        ValueError: No item reports the outcome, or the items report it in different units.

    >>> for row in forest_rows("objective_response_rate", items=["NCI9673A_2017"]):
    ...     print(row)
    ('Morris 2017 · nivolumab', 24.0, 15.0, 33.0, 'percent')
    """
    return [row for row, _ in _selected_rows(outcome_name, items)]


def _label(item: EvidenceItem, outcome: Outcome) -> str:
    parts = [study_label(item), outcome.arm, outcome.population, outcome.timepoint]
    return " · ".join(part for part in parts if part)


def forest_plot(
    outcome_name: str,
    *,
    ax: Axes | None = None,
    items: Iterable[EvidenceItem | str] | None = None,
) -> tuple[Figure, Axes]:
    """Draw one outcome across evidence items as a forest plot.

    Each row is a point estimate with its 95 % confidence interval as a horizontal line
    (a point alone where no interval was reported), labelled by author and year
    (:func:`study_label`) and the arm or population. Two columns right of the plot give the
    value with its interval (:func:`format_estimate`) and the number of patients of the study
    (``n``; "–" where the item records none). Values are drawn as published; nothing is
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
    selected = _selected_rows(outcome_name, items)
    rows = [row for row, _ in selected]
    import matplotlib.pyplot as plt
    from matplotlib.transforms import blended_transform_factory, offset_copy

    if ax is None:
        fig, ax = plt.subplots(figsize=(8.0, 0.4 * len(rows) + 1.3))
    else:
        fig = cast("Figure", ax.figure)
    positions = list(range(len(rows)))[::-1]
    unit = rows[0][4]
    # The columns start a fixed distance right of the axes (in points), at the row's height.
    right_of_axes = blended_transform_factory(ax.transAxes, ax.transData)
    value_at = offset_copy(right_of_axes, fig=fig, x=_VALUE_OFFSET, units="points")
    n_at = offset_copy(right_of_axes, fig=fig, x=_N_OFFSET, units="points")
    cells = []
    for y, ((_, value, low, high, _), n) in zip(positions, selected, strict=True):
        if low is not None and high is not None:
            ax.plot([low, high], [y, y], color="black", linewidth=1.2)
        ax.plot([value], [y], marker="s", color="black", markersize=5)
        cells.append(ax.text(1, y, format_estimate(value, low, high), transform=value_at))
        cells.append(ax.text(1, y, "–" if n is None else str(n), transform=n_at, ha="right"))
    header = len(rows) - 0.4
    cells.append(ax.text(1, header, "value [95 % CI]", transform=value_at, weight="bold"))
    cells.append(ax.text(1, header, "n", transform=n_at, weight="bold", ha="right"))
    for cell in cells:
        cell.set_verticalalignment("center")
    ax.set_yticks(positions)
    ax.set_yticklabels([row[0] for row in rows])
    ax.set_xlabel(f"{outcome_name.replace('_', ' ')} ({unit})")
    if unit == "ratio":
        ax.set_xscale("log")
        ax.axvline(1.0, color="grey", linestyle="--", linewidth=0.8)
    ax.set_ylim(-0.7, len(rows) - 0.3)
    ax.grid(axis="x", alpha=0.3)
    fig.tight_layout()  # the columns are offset in points, so the layout makes room for them
    return fig, ax
