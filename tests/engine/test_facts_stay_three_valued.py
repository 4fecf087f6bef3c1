"""Derived facts stay three-valued, including values the current rules never ask for."""

from __future__ import annotations

import attrs
import pytest

from ascc_salvage import load_case
from ascc_salvage.engine._facts import Facts, derive_facts
from ascc_salvage.status import assess_status

from ._documents import base_document, therapy


def _facts(document: dict[str, object]) -> Facts:
    case = load_case(document)
    return derive_facts(case, assess_status(case))


@pytest.mark.parametrize(
    ("ecog", "fit", "expected"),
    [(3, True, False), (4, None, False), (2, True, True), (2, None, None), (None, True, None)],
)
def test_fitness_needs_ecog_at_most_2(
    ecog: int | None, fit: bool | None, expected: bool | None
) -> None:
    """§4: unfit at ECOG ≥ 3 whatever the fitness judgement; fit needs both inputs."""
    facts = attrs.evolve(_facts(base_document()), ecog=ecog, fit_for_major_surgery=fit)
    assert facts.fitness is expected


def test_checkpoint_inhibitor_only_history_is_not_platinum() -> None:
    document = base_document()
    document["prior_systemic_therapy"] = [
        therapy("anti_pd1_monotherapy", "advanced", "2025-08-04", "2025-10-06", "progression")
    ]
    facts = _facts(document)
    assert facts.prior_checkpoint_inhibitor is True
    assert facts.platinum_pretreated is False
    assert facts.platinum_free_interval() == (None, False, ())


def test_platinum_history_is_found_after_a_checkpoint_inhibitor() -> None:
    document = base_document()
    document["prior_systemic_therapy"] = [
        therapy("anti_pd1_monotherapy", "advanced", "2025-08-04", "2025-09-01", "intolerance"),
        therapy("carboplatin_paclitaxel", "advanced", "2025-09-15", "2025-12-15", "progression"),
    ]
    facts = _facts(document)
    assert facts.platinum_pretreated is True
    assert facts.platinum_free_interval() == (0, True, ())


def test_platinum_free_interval_of_an_ongoing_platinum_line_needs_its_end_date() -> None:
    """A platinum course still running has no last dose yet: the interval is unknown."""
    document = base_document()
    document["prior_systemic_therapy"] = [
        therapy(
            "docetaxel_cisplatin_fluorouracil", "advanced", "2025-01-06", "2025-04-07", "completed"
        ),
        therapy("carboplatin_paclitaxel", "advanced", "2026-09-01", None, "ongoing"),
    ]
    facts = _facts(document)
    # The path names the course, by its index (it was "prior_systemic_therapy.end_date").
    assert facts.platinum_free_interval() == (
        None,
        False,
        ("prior_systemic_therapy[1].end_date",),
    )


def test_without_distant_disease_nothing_is_oligometastatic() -> None:
    facts = _facts(base_document())
    assert facts.distant is False
    assert facts.oligometastatic is False
