"""ascc_salvage: explainable decision support for anal SCC after failed chemoradiotherapy.

A research and reference implementation of published guideline logic that supports a
multidisciplinary team. It is not a medical device and never replaces clinical judgement.

The public names below are imported on first use, so that ``import ascc_salvage`` (and the
Hypothesis entry point, which runs whenever Hypothesis is imported) stays cheap: the unit
registry and the knowledge base are built only when something needs them.

The case classes a typical case needs (:class:`~ascc_salvage.case.Case`,
:class:`~ascc_salvage.case.Patient`, :class:`~ascc_salvage.case.Hiv`,
:class:`~ascc_salvage.case.Primary`, :class:`~ascc_salvage.case.Stage`,
:class:`~ascc_salvage.case.Chemoradiotherapy`, :class:`~ascc_salvage.case.Assessment`,
:class:`~ascc_salvage.case.Disease`, :class:`~ascc_salvage.case.DiseaseSite`,
:class:`~ascc_salvage.case.Facility` and the measurements :class:`~ascc_salvage.case.Mass`,
:class:`~ascc_salvage.case.Length`, :class:`~ascc_salvage.case.Creatinine`,
:class:`~ascc_salvage.case.Dose`) are importable from here; :mod:`ascc_salvage.model` holds
every case class together with the enums of their fields.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from ascc_salvage._version import __version__

if TYPE_CHECKING:
    from ascc_salvage.batch import recommend_many, recommend_many_json
    from ascc_salvage.case import (
        Assessment,
        Case,
        Chemoradiotherapy,
        Creatinine,
        Disease,
        DiseaseSite,
        Dose,
        Facility,
        Hiv,
        Length,
        Mass,
        Patient,
        Primary,
        Stage,
    )
    from ascc_salvage.engine import recommend
    from ascc_salvage.errors import CaseValidationError, Problem
    from ascc_salvage.io import dump_case, load_case, load_result
    from ascc_salvage.rendering import render
    from ascc_salvage.result import Result, result_to_dict, result_to_json
    from ascc_salvage.status import StatusAssessment, assess_status

__all__ = [
    "Assessment",
    "Case",
    "CaseValidationError",
    "Chemoradiotherapy",
    "Creatinine",
    "Disease",
    "DiseaseSite",
    "Dose",
    "Facility",
    "Hiv",
    "Length",
    "Mass",
    "Patient",
    "Primary",
    "Problem",
    "Result",
    "Stage",
    "StatusAssessment",
    "__version__",
    "assess_status",
    "dump_case",
    "load_case",
    "load_result",
    "recommend",
    "recommend_many",
    "recommend_many_json",
    "render",
    "result_to_dict",
    "result_to_json",
]

_LAZY = {
    "Assessment": "ascc_salvage.case",
    "Case": "ascc_salvage.case",
    "CaseValidationError": "ascc_salvage.errors",
    "Chemoradiotherapy": "ascc_salvage.case",
    "Creatinine": "ascc_salvage.case",
    "Disease": "ascc_salvage.case",
    "DiseaseSite": "ascc_salvage.case",
    "Dose": "ascc_salvage.case",
    "Facility": "ascc_salvage.case",
    "Hiv": "ascc_salvage.case",
    "Length": "ascc_salvage.case",
    "Mass": "ascc_salvage.case",
    "Patient": "ascc_salvage.case",
    "Primary": "ascc_salvage.case",
    "Problem": "ascc_salvage.errors",
    "Result": "ascc_salvage.result",
    "Stage": "ascc_salvage.case",
    "StatusAssessment": "ascc_salvage.status",
    "assess_status": "ascc_salvage.status",
    "dump_case": "ascc_salvage.io",
    "load_case": "ascc_salvage.io",
    "load_result": "ascc_salvage.io",
    "recommend": "ascc_salvage.engine",
    "recommend_many": "ascc_salvage.batch",
    "recommend_many_json": "ascc_salvage.batch",
    "render": "ascc_salvage.rendering",
    "result_to_dict": "ascc_salvage.result",
    "result_to_json": "ascc_salvage.result",
}


def __getattr__(name: str) -> Any:
    """Import a public name on first use (PEP 562)."""
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'ascc_salvage' has no attribute {name!r}")
    value = getattr(importlib.import_module(module), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
