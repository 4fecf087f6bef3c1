"""Forest plots of knowledge-base outcomes (matplotlib, Agg backend)."""

from __future__ import annotations

from collections.abc import Iterator

import attrs
import pytest

from ascc_salvage import knowledge
from ascc_salvage.knowledge import Outcome, OutcomeUnit
from ascc_salvage.plot import forest_plot, forest_rows, format_estimate, study_label

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
    assert "Rao 2022 · retifanlimab" in labels
    assert "Marabelle 2022 · pembrolizumab · PD-L1 CPS ≥ 1" in labels
    assert {row[4] for row in rows} == {"percent"}
    assert ("Morris 2017 · nivolumab", 24.0, 15.0, 33.0, "percent") in rows


def test_rows_from_selected_items_and_objects() -> None:
    item = knowledge.evidence("KEYNOTE028_2017")
    rows = forest_rows("objective_response_rate", items=[item, "NCI9673A_2017"])
    assert [row[0] for row in rows] == [
        "Ott 2017 · pembrolizumab · SCC histology",
        "Morris 2017 · nivolumab",
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


@pytest.mark.parametrize(
    ("evidence_id", "label"),
    [
        ("ACT2_TIMING_2017", "Glynne-Jones 2017"),  # hyphenated surname, "et al."
        ("RACINE_2025", "Racine 2025"),  # an author list
        ("CATCH_IT_2023", "El Zarif 2023"),  # a two-word surname
        ("NCI9673B_2023", "Morris 2023"),  # the year of the id, not the first in the citation
        ("NIS_HIV_APR_2016", "NIS_HIV_APR_2016"),  # a journal, no author: the id
        ("S3_2020", "S3_2020"),  # a guideline: the id
    ],
)
def test_study_labels_are_author_and_year(evidence_id: str, label: str) -> None:
    assert study_label(knowledge.evidence(evidence_id)) == label


def test_study_label_year_from_the_citation_when_the_id_has_none() -> None:
    item = attrs.evolve(knowledge.evidence("MULLEN_2007"), id="MULLEN")
    assert study_label(item) == "Mullen 2007"
    undated = attrs.evolve(item, citation="Mullen JT et al. Ann Surg Oncol")
    assert study_label(undated) == "MULLEN"


def test_estimates_with_and_without_interval() -> None:
    assert format_estimate(61.0, 43.0, 75.0) == "61 [43–75]"
    assert format_estimate(0.62, 0.45, None) == "0.62"
    assert format_estimate(41.6) == "41.6"


def test_plot_has_value_and_n_columns() -> None:
    _, ax = forest_plot("overall_survival_5y", items=["SUNESEN_2009", "KO_2019"])
    texts = [t.get_text() for t in ax.texts]
    assert texts[:2] == ["61 [43–75]", "49"]  # value with its interval, n of the study
    assert "45" in texts
    assert "–" in texts  # KO_2019 records no n
    assert texts[-2:] == ["value [95 % CI]", "n"]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == ["Sunesen 2009", "Ko 2019 · persistent disease", "Ko 2019 · recurrent disease"]
