"""Hypothesis integration: registers the case strategies for ``st.from_type``, lazily.

Hypothesis runs :func:`_hypothesis_setup_hook` (entry point ``hypothesis``) whenever it is
imported in an environment where ``ascc_salvage`` is installed. Registering needs the model
classes, and importing them builds the unit registry, which a project that merely has the
library installed should not pay for. So the hook registers at once only if
:mod:`ascc_salvage.case` is already imported; otherwise it installs a one-shot import hook
(:class:`RegisterAfterImport`) that registers right after the model module is executed. The
model itself knows nothing of testing. Resolvers import the strategies module only when a
strategy is first drawn.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import importlib.util
import sys
import types
from collections.abc import Callable, Sequence
from typing import Any

#: The module whose classes the strategies are registered for.
MODEL = "ascc_salvage.case"

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
    # schema 2
    "PdL1Test": "pd_l1_tests",
    "Biomarkers": "biomarker_panels",
    "HepaticFunction": "hepatic_functions",
    "GlomerularFiltrationRate": "glomerular_filtration_rates",
    "RadiotherapyPhase": "_one_radiotherapy_phase",
    "SiteFinding": "site_findings",
    "DiseaseSymptom": "disease_symptoms",
}


def _resolver(factory_name: str) -> Callable[[type], Any]:
    def resolve(_: type) -> Any:
        strategies = importlib.import_module("ascc_salvage.testing.strategies")
        return getattr(strategies, factory_name)()

    return resolve


def register() -> None:
    """Register a resolver for every model class with :func:`st.register_type_strategy`."""
    from hypothesis import strategies as st

    case_module = sys.modules[MODEL]
    for class_name, factory_name in FACTORY_NAMES.items():
        st.register_type_strategy(getattr(case_module, class_name), _resolver(factory_name))


class _RegisteringLoader(importlib.abc.Loader):
    """Executes a module with its own loader, then calls a function."""

    def __init__(self, loader: importlib.abc.Loader, then: Callable[[], None]) -> None:
        self._loader = loader
        self._then = then

    def create_module(self, spec: importlib.machinery.ModuleSpec) -> types.ModuleType | None:
        return self._loader.create_module(spec)

    def exec_module(self, module: types.ModuleType) -> None:
        self._loader.exec_module(module)
        self._then()

    def __getattr__(self, name: str) -> Any:  # get_source, get_filename, ... of the real loader
        return getattr(self._loader, name)


class RegisterAfterImport(importlib.abc.MetaPathFinder):
    """A one-shot import hook: when *module* is imported, call *then* after executing it."""

    def __init__(self, module: str = MODEL, then: Callable[[], None] = register) -> None:
        self.module = module
        self.then = then

    def find_spec(
        self,
        fullname: str,
        path: Sequence[str] | None,
        target: types.ModuleType | None = None,
    ) -> importlib.machinery.ModuleSpec | None:
        """Find *module* with the other finders and wrap its loader; ignore other modules."""
        if fullname != self.module:
            return None
        sys.meta_path.remove(self)
        spec = importlib.util.find_spec(fullname)
        if spec is not None and spec.loader is not None:
            spec.loader = _RegisteringLoader(spec.loader, self.then)
        return spec


def _hypothesis_setup_hook() -> None:
    """Entry point: register now if the model is loaded, else right after it is imported."""
    if MODEL in sys.modules:
        register()
    else:
        sys.meta_path.insert(0, RegisterAfterImport())
