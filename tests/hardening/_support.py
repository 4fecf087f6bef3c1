"""Shared helpers for the hardening tests: the example document, tree paths, invariants."""

from __future__ import annotations

import importlib.resources
import json
from typing import Any, Final

import attrs
from tests.foundation import _support as _foundation

from ascc_salvage import CaseValidationError, load_case
from ascc_salvage import case as model

# Document-path helpers shared with the foundation tests.
example_document = _foundation.example_document
nodes = _foundation.nodes
steps = _foundation.steps
set_at = _foundation.set_at
delete_at = _foundation.delete_at

EXAMPLE_TEXT: Final = (
    importlib.resources.files("ascc_salvage.examples")
    .joinpath("persistent_resectable.json")
    .read_text("utf-8")
)

#: Keys that the case format lets a document omit (omitted = null).
OPTIONAL_KEYS: Final = frozenset(
    field.name
    for cls in vars(model).values()
    if isinstance(cls, type) and attrs.has(cls)
    for field in attrs.fields(cls)
    if field.metadata.get("optional")
)

#: Every key the case format knows, at any level (quantities included).
FIELD_NAMES: Final = tuple(
    sorted(
        {
            field.name
            for cls in vars(model).values()
            if isinstance(cls, type) and attrs.has(cls)
            for field in attrs.fields(cls)
            if field.init
        }
        | {"value", "unit"}
    )
)

DATE_KEYS: Final = frozenset(
    {"evaluation_date", "date", "start_date", "end_date", "platinum_end_date"}
)


def parent_of(path: str) -> str:
    """``a.b[0].c`` → ``a.b[0]``; ``a.b[0]`` → ``a.b``; ``a`` → ``$``."""
    cut = max(path.rfind("."), path.rfind("["))
    return "$" if cut < 0 else path[:cut]


def last_key(path: str) -> str:
    """The last key name of a path (``a.b[0]`` → ``b``)."""
    return path.rsplit(".", 1)[-1].split("[", 1)[0]


def is_under(path: str, ancestor: str) -> bool:
    """Whether *path* is strictly below *ancestor*."""
    if ancestor == "$":
        return path != "$"
    return path.startswith((ancestor + ".", ancestor + "["))


def get_at(document: Any, path: str) -> Any:
    """The node at *path*."""
    node = document
    for step in steps(path):
        node = node[step]
    return node


def problems_of(source: Any) -> tuple[Any, tuple[str, ...] | None]:
    """Load *source*: ``(case, None)`` when valid, ``(error, paths)`` when invalid.

    Any exception other than :class:`CaseValidationError` propagates and fails the test.
    """
    try:
        return load_case(source), None
    except CaseValidationError as error:
        check_error_shape(error)
        return error, tuple(problem.path for problem in error.errors)


def check_error_shape(error: CaseValidationError) -> None:
    """Invariants of every validation error: non-empty, printable one line per problem."""
    assert isinstance(error, ValueError)
    assert error.errors, "a CaseValidationError must list at least one problem"
    for problem in error.errors:
        assert problem.path, problem
        assert problem.message, problem
        for text in (problem.path, problem.message):
            assert "\n" not in text, problem
            assert "\r" not in text, problem
            text.encode("utf-8")  # writable to a UTF-8 stream (no lone surrogates)
    assert str(error).splitlines() == [f"{p.path}: {p.message}" for p in error.errors]


def _defaults() -> dict[str, Any]:
    """The default each optional key takes when omitted, as a document value, by key name."""
    from ascc_salvage.io import converter

    return {
        field.name: converter.unstructure(field.default)
        for cls in vars(model).values()
        if isinstance(cls, type) and attrs.has(cls)
        for field in attrs.fields(cls)
        if field.metadata.get("optional") and field.default is not None
    }


#: Non-null defaults of optional keys (``declines: []``, ``biomarkers: {…}`` …).
OPTIONAL_DEFAULTS: Final = _defaults()


def without_null_optionals(document: Any) -> Any:
    """*document* in a form that loading and dumping keep, for comparisons.

    Optional keys that are null or at their default are removed (omitted, null and the
    default are the same), ``schema_version`` is dropped (``dump_case`` writes 2), and
    ``patient.pd_l1_cps`` is replaced by the PD-L1 test it stands for (the schema 1
    upgrade; with tests it is the effective CPS, derived).
    """
    if isinstance(document, dict):
        document = dict(document)
        document.pop("schema_version", None)
        patient = document.get("patient")
        if isinstance(patient, dict) and "pd_l1_cps" in patient:
            patient = dict(patient)
            cps = patient.pop("pd_l1_cps")
            markers = patient.get("biomarkers")
            markers = dict(markers) if isinstance(markers, dict) else {}
            if cps is not None and not markers.get("pd_l1"):
                test = {"cps": cps, "assay": None, "specimen": None, "date": None}
                markers["pd_l1"] = [test]
                patient["biomarkers"] = markers
            document["patient"] = patient
        return _strip(document)
    return document


def _strip(document: Any) -> Any:
    if isinstance(document, dict):
        kept = {}
        for key, value in document.items():
            value = _strip(value)
            if key in OPTIONAL_KEYS and (
                value is None
                or (key in OPTIONAL_DEFAULTS and value == _strip(OPTIONAL_DEFAULTS[key]))
            ):
                continue
            kept[key] = value
        return kept
    if isinstance(document, list):
        return [_strip(item) for item in document]
    return document


def canonical_text(document: Any) -> str:
    """Type-exact JSON text for comparisons (``1`` and ``1.0`` differ, unlike ``==``)."""
    return json.dumps(document, sort_keys=True, allow_nan=True)
