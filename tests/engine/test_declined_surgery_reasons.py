"""Declined surgery routes the other options as inoperable (§2.3) without saying "unresectable".

The reasons of a result never assert a fact the inputs contradict (clinical pathway §0.3): a
resectable case whose patient declines surgery keeps, for the resections the usual route did
not recommend, that route's reason, not the inoperable route's "unresectable".
"""

from __future__ import annotations

import json

import attrs
import pytest

from ascc_salvage import dump_case, load_case, recommend
from ascc_salvage.vocabulary import Modality, OptionId

from ._support import CASES_DIR

RESECTIONS = (
    OptionId.SALVAGE_APR,
    OptionId.EXTENDED_RESECTION,
    OptionId.LOCAL_EXCISION,
    OptionId.INGUINAL_LYMPHADENECTOMY,
    OptionId.PERINEAL_FLAP_RECONSTRUCTION,
)


@pytest.mark.parametrize(
    "name",
    ["s4_1e_r1_recurrent", "v3_2.3_declines_surgery_local_disease", "persistent_resectable"],
)
def test_no_resection_of_resectable_disease_is_called_unresectable(name: str) -> None:
    path = CASES_DIR / f"{name}.json"
    if path.exists():
        case = load_case(json.loads(path.read_text("utf-8"))["case"])
    else:
        from ascc_salvage.examples import example

        case = example(name).load()
    assert case.disease is not None
    assert case.disease.resectable is True
    declined = attrs.evolve(case.patient, declines=(Modality.SURGERY,))
    result = recommend(load_case(dump_case(attrs.evolve(case, patient=declined))))
    for option in result.options:
        if option.option in RESECTIONS:
            assert "unresectable" not in option.rationale, (option.option, option.rationale)
