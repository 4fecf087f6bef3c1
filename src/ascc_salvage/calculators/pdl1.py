"""PD-L1 scores: tumour proportion score (TPS) and combined positive score (CPS).

TPS = PD-L1-positive tumour cells / viable tumour cells × 100 %; CPS = (PD-L1-positive tumour
cells + positive lymphocytes and macrophages) / viable tumour cells × 100, capped at 100
(PD-L1 IHC 22C3 pharmDx interpretation manuals; ``calculators.md``). CPS ≥ 1 counts as positive.
"""

from __future__ import annotations

from typing import Final

from ascc_salvage.calculators._common import number

__all__ = ["pd_l1_cps", "pd_l1_tps"]

#: Largest reported CPS (the score is capped at 100 by definition).
CPS_MAX: Final = 100.0


def _viable(value: object) -> float:
    viable = number(value, "viable_tumour_cells")
    if viable == 0.0:
        raise ValueError("viable_tumour_cells must be greater than zero")
    return viable


def pd_l1_tps(*, positive_tumour_cells: float, viable_tumour_cells: float) -> float:
    """Tumour proportion score in percent: positive tumour cells / viable tumour cells × 100.

    Args:
        positive_tumour_cells: Viable tumour cells with PD-L1 membrane staining (a count).
        viable_tumour_cells: All viable tumour cells counted (a count > 0).

    Returns:
        The TPS in percent (0–100).

    Raises:
        TypeError: A count is not a number (``bool`` included).
        ValueError: A negative or non-finite count, no viable tumour cells, or more positive
            than viable tumour cells.

    >>> pd_l1_tps(positive_tumour_cells=30, viable_tumour_cells=200)
    15.0
    """
    positive = number(positive_tumour_cells, "positive_tumour_cells")
    viable = _viable(viable_tumour_cells)
    if positive > viable:
        raise ValueError("positive_tumour_cells cannot exceed viable_tumour_cells")
    return positive / viable * 100.0


def pd_l1_cps(
    *,
    positive_tumour_cells: float,
    positive_immune_cells: float,
    viable_tumour_cells: float,
) -> float:
    """Combined positive score: (positive tumour + immune cells) / viable tumour cells × 100.

    Positive immune cells are PD-L1-staining lymphocytes and macrophages. The score is capped
    at 100.

    Args:
        positive_tumour_cells: PD-L1-staining viable tumour cells (a count).
        positive_immune_cells: PD-L1-staining lymphocytes and macrophages (a count).
        viable_tumour_cells: All viable tumour cells counted (a count > 0).

    Returns:
        The CPS (0–100).

    Raises:
        TypeError: A count is not a number (``bool`` included).
        ValueError: A negative or non-finite count, no viable tumour cells, or more positive
            than viable tumour cells.

    >>> pd_l1_cps(positive_tumour_cells=2, positive_immune_cells=3, viable_tumour_cells=200)
    2.5
    >>> pd_l1_cps(positive_tumour_cells=150, positive_immune_cells=90, viable_tumour_cells=200)
    100.0
    """
    tumour = number(positive_tumour_cells, "positive_tumour_cells")
    immune = number(positive_immune_cells, "positive_immune_cells")
    viable = _viable(viable_tumour_cells)
    if tumour > viable:
        raise ValueError("positive_tumour_cells cannot exceed viable_tumour_cells")
    return min((tumour + immune) / viable * 100.0, CPS_MAX)
