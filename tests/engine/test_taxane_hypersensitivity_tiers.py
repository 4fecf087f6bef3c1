"""Every systemic option's tier in the taxane-hypersensitivity branches of §5.1/§5.2.

The spec example files name only the options their row mentions; these tests pin the whole
systemic column (and the clinical trial), so that a dropped tier in one branch is caught.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from ascc_salvage import load_case, recommend
from ascc_salvage.vocabulary import OptionId, Tier

CASES = Path(__file__).parent / "cases"
P, A, U, N = Tier.PREFERRED, Tier.ALTERNATIVE, Tier.UNDETERMINED, Tier.NOT_RECOMMENDED
Opt = OptionId

EXPECTED = {
    # Cisplatin-eligible: cisplatin–fluorouracil replaces the taxane regimens (§5.1).
    "s5_1_taxane_hypersensitivity_cisplatin_eligible": {
        Opt.CARBOPLATIN_PACLITAXEL: N,
        Opt.CARBOPLATIN_PACLITAXEL_RETIFANLIMAB: N,
        Opt.DOCETAXEL_CISPLATIN_FLUOROURACIL: N,
        Opt.CISPLATIN_FLUOROURACIL: P,
        Opt.ANTI_PD1_MONOTHERAPY: N,
        Opt.NIVOLUMAB_IPILIMUMAB: N,
        Opt.CLINICAL_TRIAL: A,
    },
    # Not cisplatin-eligible: no platinum doublet possible (row 5.2f): the trial first,
    # anti-PD-1 an off-label alternative.
    "s5_1_taxane_hypersensitivity_not_cisplatin_eligible": {
        Opt.CARBOPLATIN_PACLITAXEL: N,
        Opt.CARBOPLATIN_PACLITAXEL_RETIFANLIMAB: N,
        Opt.DOCETAXEL_CISPLATIN_FLUOROURACIL: N,
        Opt.CISPLATIN_FLUOROURACIL: N,
        Opt.ANTI_PD1_MONOTHERAPY: A,
        Opt.NIVOLUMAB_IPILIMUMAB: N,
        Opt.CLINICAL_TRIAL: P,
    },
    # Eligibility unknown: the options on which the two branches disagree are undetermined.
    "s5_1_taxane_hypersensitivity_cisplatin_eligibility_unknown": {
        Opt.CARBOPLATIN_PACLITAXEL: N,
        Opt.CARBOPLATIN_PACLITAXEL_RETIFANLIMAB: N,
        Opt.DOCETAXEL_CISPLATIN_FLUOROURACIL: N,
        Opt.CISPLATIN_FLUOROURACIL: U,
        Opt.ANTI_PD1_MONOTHERAPY: U,
        Opt.NIVOLUMAB_IPILIMUMAB: N,
        Opt.CLINICAL_TRIAL: U,
    },
}


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_taxane_hypersensitivity_branch_tiers(name: str) -> None:
    document = json.loads((CASES / f"{name}.json").read_text(encoding="utf-8"))
    result = recommend(load_case(document["case"]))
    actual = {option: result.option(option).tier for option in EXPECTED[name]}
    assert actual == EXPECTED[name]


def test_unknown_eligibility_explains_both_branches() -> None:
    name = "s5_1_taxane_hypersensitivity_cisplatin_eligibility_unknown"
    document = json.loads((CASES / f"{name}.json").read_text(encoding="utf-8"))
    result = recommend(load_case(document["case"]))
    rationale = result.option(Opt.CISPLATIN_FLUOROURACIL).rationale
    assert "preferred if cisplatin-eligible" in rationale
    assert "not_recommended if not cisplatin-eligible" in rationale
    fields = {item.field for item in result.missing_information}
    assert "patient.serum_creatinine" in fields
