"""An option a §5.1 criterion rules out carries no dose plan.

docs/pathway-v3/organ-function-and-dosing.md: "the library never prints a dose of a drug the
patient must not receive". DCF ruled out for a patient on dialysis still carried cisplatin
70.7 mg, and groin radiotherapy ruled out in pregnancy its schedule (an outside audit).
"""

from __future__ import annotations

import json
from pathlib import Path

import attrs
from hypothesis import given, settings

from ascc_salvage import load_case, recommend
from ascc_salvage.case import Case
from ascc_salvage.examples import example
from ascc_salvage.testing.strategies import cases
from ascc_salvage.vocabulary import OptionId, Tier

CASES = Path(__file__).parent / "cases"


def test_dcf_ruled_out_on_dialysis_has_no_plan() -> None:
    case = load_case(example("first_line_metastatic").text())
    result = recommend(attrs.evolve(case, patient=attrs.evolve(case.patient, dialysis=True)))
    dcf = result.option(OptionId.DOCETAXEL_CISPLATIN_FLUOROURACIL)
    assert dcf.tier is Tier.NOT_RECOMMENDED
    assert dcf.rules == ("5.1.cisplatin",)
    assert dcf.dose_plan is None


def test_groin_radiotherapy_ruled_out_in_pregnancy_has_no_plan() -> None:
    entry = json.loads((CASES / "v3_5.1_pregnancy_groin_radiotherapy.json").read_text("utf-8"))
    groin = recommend(load_case(entry["case"])).option(OptionId.GROIN_RADIOTHERAPY)
    assert (groin.tier, groin.rules, groin.dose_plan) == (
        Tier.NOT_RECOMMENDED,
        ("5.1.pregnancy",),
        None,
    )


@settings(max_examples=80, deadline=None)
@given(cases())
def test_no_option_ruled_out_under_5_1_carries_a_plan(case: Case) -> None:
    for option in recommend(case).options:
        if option.tier is Tier.NOT_RECOMMENDED and option.rules[-1].startswith("5.1."):
            assert option.dose_plan is None, option.option
