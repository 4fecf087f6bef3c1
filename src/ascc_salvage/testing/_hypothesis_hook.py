"""Hypothesis integration: registers the case strategies for ``st.from_type``.

Hypothesis runs :func:`_hypothesis_setup_hook` (entry point ``hypothesis``) whenever it is
imported in an environment where ``ascc_salvage`` is installed; the hook imports the model
(:mod:`ascc_salvage.case`) and registers a resolver per model class. The model itself knows
nothing of testing. Resolvers import the strategies module only when a strategy is first
drawn.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable
from typing import Any

#: Model class name → factory in :mod:`ascc_salvage.testing.strategies`.
FACTORY_NAMES = {
    "Length": "lengths",
    "Mass": "masses",
    "Creatinine": "creatinines",
    "CellCount": "cell_counts",
    "Dose": "doses",
    "Hiv": "hivs",
    "Patient": "patients",
    "Stage": "stages",
    "Chemoradiotherapy": "chemoradiotherapies",
    "Primary": "primaries",
    "Assessment": "assessments",
    "DiseaseSite": "disease_sites",
    "Disease": "diseases",
    "PriorSalvageSurgery": "prior_salvage_surgeries",
    "PriorSystemicTherapy": "prior_systemic_therapies",
    "PriorRadiotherapy": "prior_radiotherapies",
    "Facility": "facilities",
    "Case": "cases",
}


def _resolver(factory_name: str) -> Callable[[type], Any]:
    def resolve(_: type) -> Any:
        strategies = importlib.import_module("ascc_salvage.testing.strategies")
        return getattr(strategies, factory_name)()

    return resolve


def register() -> None:
    """Register a resolver for every model class with :func:`st.register_type_strategy`."""
    from hypothesis import strategies as st

    case_module = importlib.import_module("ascc_salvage.case")
    for class_name, factory_name in FACTORY_NAMES.items():
        st.register_type_strategy(getattr(case_module, class_name), _resolver(factory_name))


def _hypothesis_setup_hook() -> None:
    """Entry point of Hypothesis's plugin mechanism: register the model strategies."""
    register()
