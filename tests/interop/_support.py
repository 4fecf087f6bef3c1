"""Shared helpers for the interoperability tests."""

from __future__ import annotations

import json
from importlib import resources
from typing import Any

import attrs

from ascc_salvage import dump_case
from ascc_salvage._modelcheck import field_specs
from ascc_salvage.case import Case
from ascc_salvage.fhir import MappingReport
from ascc_salvage.units import CASE_UNITS

#: The fields that FHIR does not carry: a base document gives them.
BASE_PATIENT_KEYS = (
    "fit_for_major_surgery",
    "accepts_permanent_colostomy",
    "pd_l1_cps",
    "conditions",
)


def example_document(name: str = "persistent_resectable") -> dict[str, Any]:
    text = resources.files("ascc_salvage.examples").joinpath(f"{name}.json").read_text("utf-8")
    document: dict[str, Any] = json.loads(text)
    return document


def schema_1(node: Any, cls: type) -> Any:
    """*node* (a *cls* object, possibly partial) without its schema 2 keys, recursively."""
    if not isinstance(node, dict):
        return node
    fields = attrs.fields_dict(cls)
    specs = {spec.name: spec for spec in field_specs(cls)}
    kept: dict[str, Any] = {}
    for key, value in node.items():
        if key in fields and fields[key].metadata["since"] > 1:
            continue
        spec = specs.get(key)
        if spec is not None and spec.kind in ("object", "list") and attrs.has(spec.target):
            if spec.kind == "list" and isinstance(value, list):
                value = [schema_1(item, spec.target) for item in value]
            else:
                value = schema_1(value, spec.target)
        kept[key] = value
    return kept


def base_for(document: dict[str, Any], *extra: str) -> dict[str, Any]:
    """The non-FHIR part of a case document (plus *extra* top-level keys), in schema 1.

    The schema 2 keys of a ``dump_case`` document are left out (they are at their defaults in
    these tests), so the base is what a schema 1 sender would give.
    """
    document = schema_1(document, Case)
    keys = ("assessments", "disease", "prior_salvage_surgery", "facility", "jurisdiction", *extra)
    base: dict[str, Any] = {key: document[key] for key in keys if key in document}
    base["patient"] = {k: document["patient"][k] for k in BASE_PATIENT_KEYS}
    for key in ("frail", "declines_active_treatment"):
        if key in document["patient"]:
            base["patient"][key] = document["patient"][key]
    return base


def normalised(case: Case) -> Any:
    """The case document with every measurement in its kind's canonical unit (rounded)."""

    def walk(node: Any) -> Any:
        if isinstance(node, dict):
            if set(node) == {"value", "unit"} and node["unit"] in CASE_UNITS:
                entry = CASE_UNITS[node["unit"]]
                return {
                    "canonical": round(node["value"] * entry.to_canonical, 9),
                    "kind": str(entry.kind),
                }
            return {key: walk(value) for key, value in node.items()}
        if isinstance(node, list):
            return [walk(item) for item in node]
        return str(node) if isinstance(node, str) else node

    return walk(json.loads(json.dumps(dump_case(case))))


def reasons(report: MappingReport) -> str:
    """The unmapped sources with their reasons, then the notes, one per line."""
    return (
        "\n".join(f"{u.source}: {u.reason}" for u in report.unmapped)
        + "\n"
        + "\n".join(report.notes)
    )
