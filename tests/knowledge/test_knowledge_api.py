"""The query API: lookups, errors, rows, CSV, grading enums."""

from __future__ import annotations

import csv
import io
import json
import pathlib

import pytest

from ascc_salvage import knowledge
from ascc_salvage.knowledge import (
    EsmoGrade,
    EsmoLevel,
    GradeCertainty,
    GradeStrength,
    NccnCategory,
    NccnPreference,
    OcebmLevel,
    UnknownIdError,
    display_rank,
)
from ascc_salvage.vocabulary import OptionId

from ._support import copy_data, edit

EVIDENCE_ROW_KEYS = {
    "id",
    "citation",
    "doi",
    "pmid",
    "pmcid",
    "nct",
    "design",
    "n",
    "ocebm",
    "grade",
    "verification",
}


def test_public_names_are_exported() -> None:
    for name in knowledge.__all__:
        assert hasattr(knowledge, name), name
        assert getattr(knowledge, name).__doc__ or name in {"VERSION", "DOSE_RULE_UNITS", "Row"}


@pytest.mark.parametrize(
    ("call", "argument", "fragment"),
    [
        (knowledge.evidence, "KO2019", "unknown evidence id 'KO2019'; did you mean KO_2019?"),
        (knowledge.evidence, "zzz", "unknown evidence id 'zzz'"),
        (knowledge.regimen, "salvage_apr", "unknown regimen id 'salvage_apr'"),
        (knowledge.radiotherapy_schedule, "brachytherapy", "unknown radiotherapy schedule id"),
        (knowledge.evidence_for_option, "stoma", "unknown option id 'stoma'"),
    ],
)
def test_unknown_ids_raise_a_clear_key_error(call: object, argument: str, fragment: str) -> None:
    with pytest.raises(KeyError) as caught:
        call(argument)  # type: ignore[operator]
    assert isinstance(caught.value, UnknownIdError)
    assert str(caught.value).startswith(fragment)


def test_evidence_rows() -> None:
    rows = knowledge.evidence_rows()
    assert len(rows) == len(knowledge.evidence_items()) == 56
    assert all(set(row) >= EVIDENCE_ROW_KEYS for row in rows)
    by_id = {row["id"]: row for row in rows}
    assert by_id["KEYNOTE158_2022"]["identifiers_not_verified"] == "pmid"
    assert by_id["LEFEVRE_2009"]["identifiers_not_verified"] == "doi,pmid"
    assert by_id["ACT2_2013"]["identifiers_not_verified"] == ""
    assert by_id["ESMO_2021"]["grade"] is None
    assert by_id["ESMO_2021"]["verification_scope"] == "citation"
    assert by_id["INTERAACT_2020"]["n"] == 91
    assert by_id["INTERAACT_2020"]["ocebm"] == "2"
    json.dumps(rows)  # JSON-ready


def test_outcome_rows() -> None:
    rows = knowledge.outcome_rows()
    assert sum(len(item.outcomes) for item in knowledge.evidence_items()) == len(rows)
    orr = [
        r
        for r in rows
        if r["name"] == "objective_response_rate" and r["evidence_id"] == "POD1UM202_2022"
    ]
    assert orr == [
        {
            "evidence_id": "POD1UM202_2022",
            "name": "objective_response_rate",
            "arm": "retifanlimab",
            "population": "",
            "timepoint": "",
            "value": 13.8,
            "unit": "percent",
            "ci_low": 7.6,
            "ci_high": 22.5,
            "note": "",
            "verification": "verified",
        }
    ]
    json.dumps(rows)


def test_to_csv_round_trip_of_the_evidence_table() -> None:
    rows = knowledge.evidence_rows()
    text = knowledge.to_csv(rows)
    assert text.splitlines()[0].startswith(
        "id,citation,doi,pmid,pmcid,nct,design,n,ocebm,grade,verification"
    )
    parsed = list(csv.DictReader(io.StringIO(text)))
    assert len(parsed) == len(rows)
    for row, back in zip(rows, parsed, strict=True):
        assert back == {key: "" if value is None else str(value) for key, value in row.items()}


def test_to_csv_of_nothing_and_of_ragged_rows() -> None:
    assert knowledge.to_csv([]) == "\n"
    assert knowledge.to_csv([{"a": 1}, {"b": 2}]) == "a,b\n1,\n,2\n"


def test_display_rank_is_per_system() -> None:
    assert [display_rank(level) for level in OcebmLevel] == [1, 2, 3, 4, 5]
    assert [display_rank(c) for c in GradeCertainty] == [1, 2, 3, 4]
    assert [display_rank(s) for s in GradeStrength] == [1, 2]
    assert [display_rank(c) for c in NccnCategory] == [1, 2, 3, 4]
    assert [display_rank(p) for p in NccnPreference] == [1, 2, 3]
    assert [display_rank(level) for level in EsmoLevel] == [1, 2, 3, 4, 5]
    assert [display_rank(g) for g in EsmoGrade] == [1, 2, 3, 4, 5]
    assert [str(c) for c in NccnCategory] == ["1", "2A", "2B", "3"]
    assert str(EsmoLevel.II) == "II"


def test_identifier_accessor() -> None:
    item = knowledge.evidence("POD1UM303_2025")
    assert item.identifier("nct") == "NCT04472429"
    assert item.identifier(knowledge.IdentifierKind.PMID) == ""
    with pytest.raises(ValueError, match="IdentifierKind"):
        item.identifier("isbn")


def test_regimen_helpers() -> None:
    reg = knowledge.regimen(OptionId.DOCETAXEL_CISPLATIN_FLUOROURACIL)
    assert reg.default.drugs[2].administrations_per_cycle == 2
    assert reg.agents == ()
    anti_pd1 = knowledge.regimen("anti_pd1_monotherapy")
    assert [v.id for v in anti_pd1.variants_for_agent("pembrolizumab")] == [
        "pembrolizumab_200mg_q3w",
        "pembrolizumab_400mg_q6w",
    ]


def test_schedules() -> None:
    ids = [s.id for s in knowledge.radiotherapy_schedules()]
    assert ids[:3] == ["groin_radiotherapy", "reirradiation", "iort"]
    assert knowledge.radiotherapy_schedule("iort").dose_per_fraction_gy == 12.5


def test_to_csv_quotes_carriage_returns() -> None:
    text = knowledge.to_csv([{"a": "x\ry", "b": 1}])
    assert text == '"a","b"\n"x\ry","1"\n'
    assert list(csv.DictReader(io.StringIO(text, newline=""))) == [{"a": "x\ry", "b": "1"}]


def test_the_catalogue_lists_every_option_once_in_order() -> None:
    from ascc_salvage.vocabulary import Intent, OptionId

    entries = knowledge.catalogue()
    assert [entry.id for entry in entries] == list(OptionId)
    assert knowledge.catalogue_entry(OptionId.CLINICAL_TRIAL).intent is Intent.ANY
    assert all(entry.description.endswith(".") for entry in entries)
    with pytest.raises(knowledge.UnknownIdError, match="did you mean salvage_apr"):
        knowledge.catalogue_entry("salvage_ap")


def test_warning_texts_fill_case_values_and_thresholds(tmp_path: pathlib.Path) -> None:
    text = knowledge.warning_text("reassessment_overdue")  # a threshold, filled in
    assert text.startswith("no assessment at or after 182 d from the start")
    values = knowledge.warning_text("ecog_karnofsky_mismatch", ecog=1, karnofsky=60, mapped=2)
    assert values.startswith("ECOG 1 and Karnofsky 60")
    with pytest.raises(TypeError, match=r"needs the values \['ecog', 'karnofsky', 'mapped'\]"):
        knowledge.warning_text("ecog_karnofsky_mismatch", ecog=1)
    with pytest.raises(knowledge.UnknownIdError, match="warning template"):
        knowledge.warning_text("implausible_value", message="x")
    data = copy_data(tmp_path / "data")
    edit(
        data,
        "warnings.toml",
        "does not guarantee",
        "(from {cd4_min_checkpoint_inhibitor}) does not guarantee",
    )
    kb = knowledge.load(data)
    assert "(from 200 cells/uL)" in knowledge.warning_text("check_national_reimbursement", kb)
