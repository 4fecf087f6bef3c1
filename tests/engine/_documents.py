"""Case documents for engine tests: small variations of a packaged example, and readers."""

from __future__ import annotations

import copy
import importlib.resources
import json
from typing import Any, Final

from ascc_salvage import load_case, recommend
from ascc_salvage.result import OptionResult, Result
from ascc_salvage.vocabulary import OptionId, Tier

_BASE: Final[dict[str, Any]] = json.loads(
    importlib.resources.files("ascc_salvage.examples")
    .joinpath("persistent_resectable.json")
    .read_text("utf-8")
)


def base_document() -> dict[str, Any]:
    """A fresh copy of ``persistent_resectable.json`` (persistent, restaged, resectable, R0)."""
    return copy.deepcopy(_BASE)


def metastatic_document(*sites: dict[str, Any]) -> dict[str, Any]:
    """The base case with *sites* as the only current disease (no local disease)."""
    document = base_document()
    document["disease"]["sites"] = list(sites)
    return document


def site(name: str, lesions: int = 1, **extra: Any) -> dict[str, Any]:
    """A disease site entry."""
    return {"site": name, "size": None, "lesions": lesions, "laterality": None, **extra}


def therapy(
    regimen: str, setting: str, start: str, end: str | None, outcome: str
) -> dict[str, Any]:
    """A prior systemic therapy entry."""
    return {
        "regimen": regimen,
        "setting": setting,
        "start_date": start,
        "end_date": end,
        "outcome": outcome,
    }


def run(document: dict[str, Any]) -> Result:
    """Validate *document* and recommend."""
    return recommend(load_case(document))


def tiers(result: Result) -> dict[OptionId, Tier]:
    """Tier of every option."""
    return {option.option: option.tier for option in result.options}


def criteria(option: OptionResult) -> dict[str, str]:
    """Criterion id → result value of *option*."""
    return {item.id: str(item.result) for item in option.criteria}
