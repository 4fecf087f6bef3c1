"""A not-recommended option asks for no missing field: another criterion decided it.

On dialysis without a creatinine value, DCF is not recommended (``not_on_dialysis`` not met)
while its clearance criterion stays unknown; ``missing_information`` listed creatinine as needed
for DCF, though no value could change its tier (pathway §0.1 rule 4: the fields that leave an
option undetermined).
"""

from __future__ import annotations

import attrs

from ascc_salvage import load_case, recommend
from ascc_salvage.examples import example
from ascc_salvage.vocabulary import CriterionResult, OptionId, Tier


def test_creatinine_is_not_asked_for_a_regimen_dialysis_rules_out() -> None:
    case = load_case(example("first_line_metastatic").text())
    patient = attrs.evolve(case.patient, dialysis=True, serum_creatinine=None)
    result = recommend(attrs.evolve(case, patient=patient))
    dcf = next(o for o in result.options if o.option is OptionId.DOCETAXEL_CISPLATIN_FLUOROURACIL)
    assert dcf.tier is Tier.NOT_RECOMMENDED
    assert dcf.rules == ("5.1.cisplatin",)
    results = {c.id: c.result for c in dcf.criteria}
    assert results["not_on_dialysis"] is CriterionResult.NOT_MET
    assert results["creatinine_clearance_for_cisplatin"] is CriterionResult.UNKNOWN
    asked = {item.field: item.needed_for for item in result.missing_information}
    assert OptionId.DOCETAXEL_CISPLATIN_FLUOROURACIL not in asked.get(
        "patient.serum_creatinine", ()
    )
