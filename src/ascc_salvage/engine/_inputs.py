"""Routing inputs that may be unknown, and the values the engine tries for each.

A rule that needs such an input calls :func:`require`; if the input is missing, an
:class:`UnknownInput` is raised and the engine evaluates the pathway once per possible value,
then merges the drafts: options that agree keep their tier, the others are ``undetermined``
and name the missing field. This is how "a rule that depends on a missing value never
guesses" is implemented generally, instead of special-casing every rule.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Final

import attrs

from ascc_salvage.engine._facts import Facts
from ascc_salvage.vocabulary import CriterionId, Margin


@attrs.frozen
class RoutingInput:
    """A routing input: its case field(s), a label, and the values to try."""

    fields: tuple[str, ...]
    label: str
    criterion_id: CriterionId
    values: tuple[tuple[str, Any], ...]


ROUTING_INPUTS: Final[Mapping[str, RoutingInput]] = {
    "ecog": RoutingInput(
        ("patient.ecog",),
        "performance status (ECOG or Karnofsky)",
        CriterionId.PERFORMANCE_STATUS_KNOWN,
        tuple((f"ECOG {grade}", grade) for grade in (0, 1, 2, 3)),
    ),
    "fit_for_major_surgery": RoutingInput(
        ("patient.fit_for_major_surgery",),
        "fitness for major surgery",
        CriterionId.FITNESS_FOR_MAJOR_SURGERY_KNOWN,
        (("fit", True), ("unfit", False)),
    ),
    "resectable": RoutingInput(
        ("disease.resectable",),
        "resectability (MDT judgement)",
        CriterionId.RESECTABILITY_KNOWN,
        (("resectable", True), ("unresectable", False)),
    ),
    "expected_margin": RoutingInput(
        ("disease.expected_margin",),
        "the expected resection margin",
        CriterionId.EXPECTED_MARGIN_KNOWN,
        (("R0 expected", Margin.R0), ("R1 expected", Margin.R1), ("R2 expected", Margin.R2)),
    ),
    "accepts_colostomy": RoutingInput(
        ("patient.accepts_permanent_colostomy",),
        "consent to a permanent colostomy",
        CriterionId.STOMA_CONSENT_KNOWN,
        (("colostomy accepted", True), ("colostomy declined", False)),
    ),
    "groins_irradiated": RoutingInput(
        ("primary.chemoradiotherapy.groins_irradiated",),
        "whether the groins were irradiated",
        CriterionId.GROIN_IRRADIATION_KNOWN,
        (("groins irradiated", True), ("groins not irradiated", False)),
    ),
}


class UnknownInput(Exception):  # noqa: N818 - a control-flow signal, not an error
    """Raised by :func:`require` when a routing input is missing."""

    def __init__(self, name: str) -> None:
        super().__init__(name)
        self.name = name


def require(f: Facts, name: str) -> Any:
    """Return routing input *name* of *f*, or raise :class:`UnknownInput` if missing."""
    value = getattr(f, name)
    if value is None:
        raise UnknownInput(name)
    return value
