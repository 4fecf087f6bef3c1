"""Shared helpers for the foundation tests: the example document and tree walking."""

from __future__ import annotations

import copy
import importlib.resources
import json
from collections.abc import Iterator
from typing import Any

EXAMPLE_NAME = "persistent_resectable.json"


def example_text() -> str:
    """The bundled example case as JSON text."""
    return (
        importlib.resources.files("ascc_salvage.examples").joinpath(EXAMPLE_NAME).read_text("utf-8")
    )


def example_document() -> dict[str, Any]:
    """A fresh (mutable) copy of the bundled example case document."""
    document: dict[str, Any] = json.loads(example_text())
    return copy.deepcopy(document)


def nodes(document: Any, path: str = "$") -> Iterator[tuple[str, Any]]:
    """Yield ``(path, value)`` for every node below the root, paths as the library writes them."""
    if isinstance(document, dict):
        for key, value in document.items():
            child = key if path == "$" else f"{path}.{key}"
            yield child, value
            yield from nodes(value, child)
    elif isinstance(document, list):
        for index, value in enumerate(document):
            child = f"{path}[{index}]"
            yield child, value
            yield from nodes(value, child)


def steps(path: str) -> list[str | int]:
    """Split ``a.b[0].c`` into ``["a", "b", 0, "c"]`` (keys must not contain ``.`` or ``[``)."""
    steps: list[str | int] = []
    for part in path.split("."):
        name, _, rest = part.partition("[")
        if name:
            steps.append(name)
        for index in rest.split("[") if rest else []:
            steps.append(int(index.rstrip("]")))
    return steps


def set_at(document: Any, path: str, value: Any) -> None:
    """Replace the node at *path* (``a.b[0].c``) with *value*."""
    *parents, last = steps(path)
    node = document
    for step in parents:
        node = node[step]
    node[last] = value


def delete_at(document: Any, path: str) -> None:
    """Delete the key at *path*."""
    *parents, last = steps(path)
    node = document
    for step in parents:
        node = node[step]
    del node[last]


def paths_of(error: Exception) -> list[str]:
    """The problem paths of a :class:`CaseValidationError`."""
    return [problem.path for problem in error.errors]  # type: ignore[attr-defined]


def names_path(error: Exception, path: str) -> bool:
    """Whether some problem is at *path* or below it."""
    return any(p == path or p.startswith((path + ".", path + "[")) for p in paths_of(error))


# --- the schema 1 → schema 2 upgrade, written from the case format (not from the model) ------

#: Schema 2 keys of each object with their defaults, in the order ``dump_case`` writes them:
#: the schema 1 keys (example order, then the schema 1 optional keys), then the schema 2 keys
#: in the order of the field reference.
_LIVER = {"bilirubin_x_uln": None, "ast_x_uln": None, "alt_x_uln": None, "alp_x_uln": None}
_BIOMARKERS = {"pd_l1": [], "hpv": None, "p16": None, "mmr_msi": None, "tmb_mut_per_mb": None}
SCHEMA_2_KEYS: dict[str, dict[str, Any]] = {
    "patient": {
        "frail": None,
        "declines_active_treatment": None,
        "dpyd_activity_score": None,
        "clinical_frailty_scale": None,
        "declines": [],
        "prefers_clinical_trial": None,
        "measured_gfr": None,
        "dialysis": None,
        "hepatic_function": _LIVER,
        "biomarkers": _BIOMARKERS,
    },
    "chemoradiotherapy": {
        "groin_dose": None,
        "groin_fractions": None,
        "agents": None,
        "phases": [],
    },
    "assessment": {"site_findings": []},
    "site_finding": {"laterality": None, "station": None},
    "site": {"station": None},
    "disease": {"all_lesions_locally_treatable": None, "symptoms": None},
    "systemic": {"platinum_end_date": None, "agents": None, "cycles": None, "best_response": None},
    "radiotherapy": {"technique": None},
    "facility": {"clinical_trial_available": None, "reirradiation_expertise": None},
}


def _complete(obj: dict[str, Any], kind: str) -> dict[str, Any]:
    """*obj* with every schema 2 key of *kind* (missing ones at their defaults), in order."""
    extra = SCHEMA_2_KEYS[kind]
    first = {key: value for key, value in obj.items() if key not in extra}
    return {**first, **{key: copy.deepcopy(obj.get(key, value)) for key, value in extra.items()}}


def schema_2_document(document: dict[str, Any]) -> dict[str, Any]:
    """The schema 2 equivalent of a schema 1 *document*, as ``dump_case`` writes it.

    A schema 2 *document* comes back with its omitted optional keys at their defaults.
    """
    doc = copy.deepcopy(document)
    doc["schema_version"] = 2
    patient = _complete(doc["patient"], "patient")
    cps = patient["pd_l1_cps"]
    if cps is not None and not patient["biomarkers"]["pd_l1"]:
        patient["biomarkers"]["pd_l1"] = [
            {"cps": cps, "assay": None, "specimen": None, "date": None}
        ]
    doc["patient"] = patient
    crt = doc["primary"]["chemoradiotherapy"]
    if crt is not None:
        doc["primary"]["chemoradiotherapy"] = _complete(crt, "chemoradiotherapy")
    doc["assessments"] = [_complete(a, "assessment") for a in doc["assessments"]]
    for item in doc["assessments"]:
        item["site_findings"] = [_complete(x, "site_finding") for x in item["site_findings"]]
    if doc["disease"] is not None:
        disease = _complete(doc["disease"], "disease")
        disease["sites"] = [_complete(s, "site") for s in disease["sites"]]
        doc["disease"] = disease
    doc["prior_systemic_therapy"] = [
        _complete(t, "systemic") for t in doc["prior_systemic_therapy"]
    ]
    doc["prior_radiotherapy"] = [_complete(r, "radiotherapy") for r in doc["prior_radiotherapy"]]
    doc["facility"] = _complete(doc["facility"], "facility")
    return doc
