"""Forest plots of knowledge-base outcomes (matplotlib, Agg backend)."""

from __future__ import annotations

from collections.abc import Iterator

import attrs
import pytest

from ascc_salvage import knowledge
from ascc_salvage.knowledge import Outcome, OutcomeUnit
from ascc_salvage.plot import forest_plot, forest_rows

# matplotlib is the optional extra ``plot``: skip (visibly) when it cannot be imported.
matplotlib = pytest.importorskip("matplotlib", exc_type=ImportError)
matplotlib.use("Agg")
plt = pytest.importorskip("matplotlib.pyplot", exc_type=ImportError)


@pytest.fixture(autouse=True)
def _close_figures() -> Iterator[None]:
    yield
    plt.close("all")


def test_rows_of_response_rates() -> None:
    rows = forest_rows("objective_response_rate")
    labels = [row[0] for row in rows]
    assert "POD1UM202_2022 · retifanlimab" in labels
    assert "KEYNOTE158_2022 · pembrolizumab · PD-L1 CPS ≥ 1" in labels
    assert {row[4] for row in rows} == {"percent"}
    assert ("NCI9673A_2017 · nivolumab", 24.0, 15.0, 33.0, "percent") in rows


def test_rows_from_selected_items_and_objects() -> None:
    item = knowledge.evidence("KEYNOTE028_2017")
    rows = forest_rows("objective_response_rate", items=[item, "NCI9673A_2017"])
    assert [row[0] for row in rows] == [
        "KEYNOTE028_2017 · pembrolizumab · SCC histology",
        "NCI9673A_2017 · nivolumab",
    ]


def test_unknown_outcome() -> None:
    with pytest.raises(ValueError, match="no evidence item reports outcome 'cure_rate'"):
        forest_rows("cure_rate")


def test_mixed_units_are_refused() -> None:
    item = knowledge.evidence("NCI9673A_2017")
    odd = attrs.evolve(
        item,
        id="ODD",
        outcomes=(Outcome(name="objective_response_rate", value=0.2, unit=OutcomeUnit.RATIO),),
    )
    with pytest.raises(ValueError, match="several units"):
        forest_rows("objective_response_rate", items=[item, odd])


def test_plot_on_new_axes() -> None:
    fig, ax = forest_plot("objective_response_rate")
    rows = forest_rows("objective_response_rate")
    assert [t.get_text() for t in ax.get_yticklabels()] == [row[0] for row in rows]
    assert ax.get_xlabel() == "objective response rate (percent)"
    assert ax.get_xscale() == "linear"
    assert fig is ax.figure


def test_ratio_plot_on_given_axes_is_logarithmic() -> None:
    fig, given = plt.subplots()
    out_fig, ax = forest_plot("hazard_ratio_overall_survival", ax=given)
    assert ax is given
    assert out_fig is fig
    assert ax.get_xscale() == "log"
    assert len(ax.get_yticks()) == len(forest_rows("hazard_ratio_overall_survival"))


def test_points_without_interval_are_drawn() -> None:
    _, ax = forest_plot("median_overall_survival", items=["INTERAACT_2020"])
    # two arms, no intervals: two markers, no interval lines
    assert len(ax.get_lines()) == 2
