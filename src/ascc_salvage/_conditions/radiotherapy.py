"""Conditions of the §6 rule table (IORT beside a preferred resection)."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from ascc_salvage._conditions import ConditionSpec, ConditionValue, declare_conditions
from ascc_salvage._conditions.assessment import routing_input
from ascc_salvage.vocabulary import Margin

if TYPE_CHECKING:  # pragma: no cover - typing only (the engine imports this package)
    from ascc_salvage.engine._facts import Facts


def _margin(wanted: Margin) -> Callable[[Facts], ConditionValue]:
    def evaluate(f: Facts) -> ConditionValue:
        margin = routing_input(f, "expected_margin")
        return ConditionValue(margin is wanted, f"expected margin {margin}")

    return evaluate


def _iort_on_site(f: Facts) -> ConditionValue:
    available = f.case.facility.iort_available
    return ConditionValue(available is True, f"IORT available at the facility: {available}")


declare_conditions(
    ConditionSpec(
        "expected_margin_r1",
        "An R1 resection margin is expected. The expected margin is a routing input: when "
        "it is unknown the engine evaluates each value (§0).",
        ("disease.expected_margin",),
        False,
        _margin(Margin.R1),
    ),
    ConditionSpec(
        "iort_on_site",
        "The facility offers IORT (recorded true; unknown counts as not on site).",
        ("facility.iort_available",),
        False,
        _iort_on_site,
    ),
)
