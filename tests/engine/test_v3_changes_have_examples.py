"""Every item of "Changes in v3" (clinical pathway v3) has JSON example cases that pin it.

The engine cases (``tests/engine/cases``, run by ``test_spec_examples.py``) name, in their
expectations, the rule id an option must report or a flag it must carry. Each change of the
specification's list is pinned by the rule ids and flags below: this test fails when the
last case expecting one of them is removed or loses that expectation.
"""

from __future__ import annotations

import json
import pathlib
from collections.abc import Iterator

import pytest

from ascc_salvage.vocabulary import Flag, is_rule_id

CASES = pathlib.Path(__file__).parent / "cases"

#: Change item (clinical pathway v3, "Changes in v3") → rule ids and flags that pin it.
CHANGES: dict[str, tuple[str, ...]] = {
    "1 extent cross-check (2.1)": ("flag:confirm_new_distant_site",),
    "2 regressing disease after week 26 (2.2)": ("rule:2.2",),
    "3 assessment_due": ("rule:2.assessment_due",),
    "4 unknown inputs (0.1, 5.1.conditions_null)": (
        "rule:0.1",
        "rule:5.1.conditions_null",
        "flag:conditions_not_recorded",
    ),
    "5 preferences, frailty scale, trial availability": (
        "rule:2.3",
        "flag:patient_prefers_trial",
        "flag:geriatric_assessment_recommended",
        "rule:5.6",
    ),
    "6 fall-through gaps": (
        "rule:5.2f",
        "rule:5.2g",
        "rule:5.3a",
        "rule:5.3b",
        "rule:5.3c",
        "rule:5.7",
        "rule:5.3h",
    ),
    "7 new rules reading schema 2": (
        "rule:5.1.pd_l1",
        "rule:5.1.hepatic",
        "flag:hepatic_dose_reduction",
        "flag:dose_after_dialysis",
        "flag:dpd_reduced_starting_dose",
        "rule:6.3",
        "rule:4.6",
        "rule:4.8",
        "rule:5.1.pregnancy",
        "flag:tumour_agnostic_approval",
        "flag:opportunistic_infection_prophylaxis",
        "flag:pd_l1_archival_specimen",
    ),
    "8 defunctioning stoma": ("rule:4.8",),
    "9 debatable rules resolved": (
        "rule:2.assessment_due",
        "rule:6.4",
        "rule:4.4e",
        "rule:4.1a2",
        "flag:lower_expected_cure_rate",
        "rule:6.3",
        "rule:5.5",
        "rule:5.1.hiv",
        "rule:4.6",
        "rule:5.3h",
    ),
}


def _expected() -> Iterator[str]:
    for path in sorted(CASES.glob("*.json")):
        expect = json.loads(path.read_text(encoding="utf-8"))["expect"]
        yield from (f"rule:{rule}" for rule in (expect.get("rule") or {}).values())
        for flags in (expect.get("flags") or {}).values():
            yield from (f"flag:{flag}" for flag in flags)


EXPECTED = frozenset(_expected())


@pytest.mark.parametrize("change", sorted(CHANGES))
def test_each_change_of_v3_is_pinned_by_an_example(change: str) -> None:
    for pin in CHANGES[change]:
        kind, value = pin.split(":", 1)
        assert is_rule_id(value) if kind == "rule" else value in set(Flag), pin
        assert pin in EXPECTED, f"{change}: no engine case expects {pin}"
