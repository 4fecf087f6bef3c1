"""FHIR round trip of a groin boost recorded without its own fraction count."""

from __future__ import annotations

from typing import Any

import pytest

from ascc_salvage import load_case
from ascc_salvage.fhir import case_from_bundle, case_to_bundle

from ._support import example_document


def _crt_after_round_trip(groin: dict[str, Any]) -> Any:
    document = example_document()
    document["primary"]["chemoradiotherapy"].update(groin)
    case = load_case(document)
    bundle = case_to_bundle(case)
    base = {k: v for k, v in document.items() if k not in ("patient", "primary")}
    base["primary"] = {"stage": {"edition": "AJCC8"}}
    imported, _ = case_from_bundle(bundle, evaluation_date=case.evaluation_date, base=base)
    return imported.primary.chemoradiotherapy


def test_groin_dose_without_groin_fractions_survives_the_round_trip() -> None:
    crt = _crt_after_round_trip({"groin_dose": {"value": 45, "unit": "Gy"}})
    assert crt.groins_irradiated is True
    assert crt.groin_dose.canonical == pytest.approx(45.0)
    assert crt.groin_fractions is None
    assert crt.fractions == 28


def test_groin_dose_with_groin_fractions_survives_the_round_trip() -> None:
    crt = _crt_after_round_trip({"groin_dose": {"value": 45, "unit": "Gy"}, "groin_fractions": 25})
    assert crt.groin_dose.canonical == pytest.approx(45.0)
    assert crt.groin_fractions == 25
