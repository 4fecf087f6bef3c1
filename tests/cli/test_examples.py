"""Bundled examples: valid, each recommending what its pathway prescribes, listed by the CLI."""

from __future__ import annotations

import importlib.resources
import json

import pytest
from tests.foundation._support import schema_2_document

from ascc_salvage import dump_case, recommend
from ascc_salvage.examples import Example, UnknownExampleError, example, examples

from ._support import run

#: Example name -> (disease status, preferred options), from clinical-pathway.md.
EXPECTED = {
    # §2: too early (before day 182) -> observe and reassess.
    "too_early": ("too_early_to_assess", ["observe_and_reassess"]),
    # §2: complete clinical response -> surveillance.
    "complete_response": ("complete_clinical_response", ["surveillance"]),
    # §4.1 row d: local, resectable, fit, R0 -> salvage APR + perineal flap.
    "persistent_resectable": ("persistent", ["salvage_apr", "perineal_flap_reconstruction"]),
    # §2.1 per-site upgrade -> §4.4 row b: the groin node progresses, the primary responded.
    "mixed_response": ("progressive", ["inguinal_lymphadenectomy"]),
    # §4.4: isolated inguinal recurrence, resectable, fit, groin not irradiated.
    "groin_recurrence": ("recurrent", ["inguinal_lymphadenectomy", "groin_radiotherapy"]),
    # §4.2 -> §5.2: unresectable, ECOG 1, US (combination approved for inoperable recurrence).
    "unresectable": ("persistent", ["carboplatin_paclitaxel_retifanlimab"]),
    # §4.6: perineal re-recurrence after a salvage APR -> the systemic pathway first.
    "perineal_re_recurrence": ("recurrent", ["carboplatin_paclitaxel_retifanlimab"]),
    # §5.2: first line, ECOG 0-1, ICI allowed, combination approved in the US.
    "first_line_metastatic": ("recurrent", ["carboplatin_paclitaxel_retifanlimab"]),
    # §5.3: after platinum, ECOG 0-1, ICI allowed, CPS >= 1.
    "after_platinum": ("recurrent", ["anti_pd1_monotherapy"]),
    # §5.1 prior therapy from agents (regimen "other": carboplatin + nab-paclitaxel) -> §5.3a.
    "after_nab_paclitaxel": ("recurrent", ["anti_pd1_monotherapy"]),
    # §5.4: after anti-PD-(L)1 -> clinical trial.
    "after_immunotherapy": ("recurrent", ["clinical_trial"]),
    # §2 overriding situation: ECOG >= 3 with active disease -> best supportive care.
    "poor_performance_status": ("recurrent", ["best_supportive_care"]),
    # §7: untreated anal-margin T1 N0 M0 <= 2 cm -> local excision.
    "untreated_anal_margin_t1": ("untreated_primary", ["local_excision"]),
}


def test_index_lists_every_file_once_and_in_pathway_order() -> None:
    names = [entry.name for entry in examples()]
    files = sorted(
        resource.name.removesuffix(".json")
        for resource in importlib.resources.files("ascc_salvage.examples").iterdir()
        if resource.name.endswith(".json")
    )
    assert sorted(names) == files
    assert names == list(EXPECTED)
    assert len(names) >= 8
    assert all(entry.description and "\n" not in entry.description for entry in examples())


@pytest.mark.parametrize("name", list(EXPECTED))
def test_example_matches_its_pathway(name: str) -> None:
    case = example(name).load()
    assert str(case.evaluation_date) == "2026-11-26"
    # the schema 1 example is written as its schema 2 upgrade (was: exactly as read)
    assert dump_case(case) == schema_2_document(json.loads(example(name).text()))
    result = recommend(case)
    status, preferred = EXPECTED[name]
    assert str(result.disease_status) == status
    assert [str(option) for option in result.preferred] == preferred


def test_alternatives_of_key_examples() -> None:
    unresectable = recommend(example("unresectable").load())
    combination = unresectable.option("carboplatin_paclitaxel_retifanlimab")
    assert "reassess_resectability_after_response" in [str(f) for f in combination.flags]
    assert str(unresectable.option("salvage_apr").tier) == "not_recommended"
    margin = recommend(example("untreated_anal_margin_t1").load())
    assert str(margin.option("primary_chemoradiotherapy").tier) == "alternative"
    after_io = recommend(example("after_immunotherapy").load())
    assert str(after_io.option("anti_pd1_monotherapy").tier) == "not_recommended"


def test_the_schema_2_examples_show_their_v3_rules() -> None:
    mixed = recommend(example("mixed_response").load())
    assert mixed.histologically_confirmed  # the groin node's cytology (a site biopsy)
    assert mixed.warnings == ()  # the clinician recorded the mixed response: no contradiction
    perineal = recommend(example("perineal_re_recurrence").load())
    assert perineal.after_salvage_surgery
    excision = perineal.option("local_excision")
    assert (str(excision.tier), excision.rules) == ("alternative", ("4.6",))
    reirradiation = perineal.option("reirradiation")
    assert str(reirradiation.tier) == "not_recommended"
    assert "no documented complete response" in reirradiation.rationale


def test_unknown_example_suggests_names() -> None:
    with pytest.raises(UnknownExampleError, match="did you mean persistent_resectable"):
        example("persistent")
    with pytest.raises(KeyError, match="choose one of too_early"):
        example("zzz")
    assert str(UnknownExampleError("plain")) == "plain"


def test_example_is_a_value_object() -> None:
    assert example("too_early") == Example("too_early", example("too_early").description)


def test_examples_command_text_is_name_then_description() -> None:
    result = run("examples")
    assert result.exit_code == 0
    lines = result.stdout.splitlines()
    assert lines == [f"{entry.name}  {entry.description}" for entry in examples()]
    assert result.stderr == ""


def test_examples_command_json() -> None:
    result = run("examples", "--format", "json")
    assert result.exit_code == 0
    assert json.loads(result.stdout) == [
        {"name": entry.name, "description": entry.description} for entry in examples()
    ]


def test_examples_command_aligns_names_on_a_terminal(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("ascc_salvage.cli._app.is_terminal", lambda stream: True)
    monkeypatch.setenv("COLUMNS", "200")
    result = run("examples")
    width = max(len(entry.name) for entry in examples())
    assert result.stdout.splitlines()[0] == f"{'too_early'.ljust(width)}  " + (
        examples()[0].description
    )
    monkeypatch.setenv("COLUMNS", "80")
    lines = run("examples").stdout.splitlines()
    assert max(len(line) for line in lines) <= 80
    assert len(lines) > len(examples())  # wrapped, with a hanging indent
    assert all(line.startswith(" " * (width + 2)) for line in lines if line[0] == " ")


def test_examples_name_prints_the_case_json() -> None:
    result = run("examples", "persistent_resectable")
    assert result.exit_code == 0
    assert result.stdout == example("persistent_resectable").text()
    assert json.loads(result.stdout)["schema_version"] in (1, 2)
    unknown = run("examples", "persistent")
    assert unknown.exit_code == 2
    assert "did you mean persistent_resectable?" in unknown.stderr


@pytest.mark.parametrize("name", list(EXPECTED))
def test_recommend_example_runs(name: str) -> None:
    result = run("recommend", "--example", name, "--format", "json")
    assert result.exit_code == 0
    document = json.loads(result.stdout)
    assert [o["option"] for o in document["options"] if o["tier"] == "preferred"] == (
        EXPECTED[name][1]
    )
