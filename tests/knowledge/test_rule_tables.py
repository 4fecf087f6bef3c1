# ruff: noqa: E501  (table of corrupted rule files: one case per entry)
"""Rule tables (``data/rules/*.toml``): strict loading with messages naming file and row."""

from __future__ import annotations

import pathlib
import shutil
from importlib.resources import files

import pytest

from ascc_salvage import knowledge
from ascc_salvage._conditions import CONDITIONS
from ascc_salvage.knowledge import KnowledgeBaseError, UnknownIdError
from ascc_salvage.knowledge._loader import load_directory
from ascc_salvage.vocabulary import OptionId, Tier

DATA = pathlib.Path(str(files("ascc_salvage.knowledge").joinpath("data")))
FILE = "7_untreated_primary.toml"

#: A small valid table: two exclusive rows and a default.
TABLE = """
section = "9"
title = "Test"

[[common]]
options = ["iort"]
tier = "not_recommended"
reason = "common"

[[row]]
id = "9a"
situation = "margin ≤ {local_excision_max_size}"
when = { metastatic = false, sphincter_not_invaded = true }

[[row.then]]
options = ["local_excision"]
tier = "preferred"
reason = "excise"
evidence = ["S3_2020"]

[[row]]
id = "9b"
situation = "metastatic"
when = { metastatic = true }
route = "systemic_first_line"

[[row]]
id = "9c"
situation = "anything else"
"""


@pytest.fixture
def data_copy(tmp_path: pathlib.Path) -> pathlib.Path:
    target = tmp_path / "data"
    shutil.copytree(DATA, target)
    return target


def _problems(directory: pathlib.Path) -> tuple[str, ...]:
    with pytest.raises(KnowledgeBaseError) as caught:
        load_directory(directory)
    return caught.value.problems


def test_the_bundled_tables_load() -> None:
    table = knowledge.rule_table("7")
    assert table.file == f"rules/{FILE}"
    assert [row.id for row in table.rows] == [
        "7a",
        "7a.sphincter_unknown",
        "7b",
        "7b.para_aortic",
        "7c",
    ]
    assert table.row("7c").rule_id == "7c"
    assert table.row("7b.para_aortic").rule_id == "7b"
    with pytest.raises(KeyError):
        table.row("7z")
    with pytest.raises(UnknownIdError, match="rule table"):
        knowledge.rule_table("42")
    assert table in knowledge.rule_tables()
    assert [t.section for t in knowledge.rule_tables()][:4] == ["2", "3", "4", "4.1"]
    assert knowledge.rule_table("2").partial
    assert not knowledge.rule_table("6").routes
    supportive = knowledge.rule_table("5.3").row("5.3e").then[-1]
    assert supportive.unless_preferred is OptionId.ANTI_PD1_MONOTHERAPY


def test_conditions_are_documented() -> None:
    for name, spec in CONDITIONS.items():
        assert spec.name == name
        assert spec.description.endswith(".")
        assert spec.fields


def test_a_valid_extra_table_loads(data_copy: pathlib.Path) -> None:
    (data_copy / "rules" / "9_test.toml").write_text(TABLE, encoding="utf-8")
    kb = load_directory(data_copy)
    assert list(kb.rules)[-2:] == ["7", "9"]
    outcome = kb.rules["9"].rows[0].then[0]
    assert (outcome.options, outcome.tier) == ((OptionId.LOCAL_EXCISION,), Tier.PREFERRED)


def test_a_table_for_part_of_a_section(data_copy: pathlib.Path) -> None:
    """A sub-table names its section as pathway; a row of another table hands over to it."""
    part = TABLE.replace('section = "9"', 'section = "9.part"\npathway = "9"', 1)
    screened = 'options = ["reirradiation"]\ntier = "alternative"\nreason = "r"\nscreen = "groin"'
    excise = 'options = ["local_excision"]\ntier = "preferred"\nreason = "excise"\n'
    part = part.replace(excise + 'evidence = ["S3_2020"]', screened, 1)
    (data_copy / "rules" / "9_part.toml").write_text(part, encoding="utf-8")
    (data_copy / "rules" / "9_test.toml").write_text(
        TABLE.replace(
            'route = "systemic_first_line"', 'table = "9.part"\nafter = "iort_by_margin"'
        ),
        encoding="utf-8",
    )
    kb = load_directory(data_copy)
    assert kb.rules["9.part"].pathway == "9"
    assert kb.rules["9.part"].rows[0].then[0].screen == "groin"
    assert (kb.rules["9"].row("9b").table, kb.rules["9"].row("9b").after) == (
        "9.part",
        "iort_by_margin",
    )


CORRUPTIONS = [
    # (old, new, expected message): applied to the valid test table
    (
        'reason = "excise"',
        'reason = "excise ({schedule.groin_radiotherapy.dose})"',
        "rules/9_test.toml: 9a: unknown schedule value {schedule.groin_radiotherapy.dose}",
    ),
    (
        'reason = "excise"',
        'reason = "excise ({schedule.brachytherapy.total_dose_gy})"',
        "rules/9_test.toml: 9a: unknown schedule value {schedule.brachytherapy.total_dose_gy}",
    ),
    (
        'reason = "excise"',
        'reason = "excise ({evidence.KO_2019.cure_rate})"',
        "rules/9_test.toml: 9a: unknown evidence outcome {evidence.KO_2019.cure_rate}",
    ),
    (
        'reason = "excise"',
        'reason = "excise ({trial.KO_2019})"',
        "rules/9_test.toml: 9a: unknown placeholder {trial.KO_2019}",
    ),
    (
        'options = ["local_excision"]',
        'options = ["local_excision_plus"]',
        "rules/9_test.toml: 9a: 'local_excision_plus' is not a valid OptionId",
    ),
    ('tier = "preferred"', 'tier = "first"', "rules/9_test.toml: 9a: 'first' is not a valid Tier"),
    (
        'reason = "excise"',
        'reason = "excise"\nflags = ["urgent"]',
        "rules/9_test.toml: 9a: 'urgent' is not a valid Flag",
    ),
    (
        'route = "systemic_first_line"',
        'route = "systemic_first_line"\nprecedence = 1',
        "rules/9_test.toml: 9b: extra fields found (precedence)",
    ),
    (
        'evidence = ["S3_2020"]',
        'evidence = ["S3_2021"]',
        "rules/9_test.toml: 9a: unknown evidence id 'S3_2021'",
    ),
    (
        'reason = "excise"',
        'reason = "excise"\ncriteria = ["metastatic"]',
        "rules/9_test.toml: 9a: criterion id 'metastatic' is not in ascc_salvage.vocabulary.CriterionId",
    ),
    (
        "when = { metastatic = true }",
        "when = { metastatic = true, tumour_small = true }",
        "rules/9_test.toml: 9b: unknown condition 'tumour_small'",
    ),
    (
        'reason = "excise"',
        'reason = "excise"\ncriteria = ["tumour_small"]',
        "rules/9_test.toml: 9a: unknown condition 'tumour_small' in criteria",
    ),
    (
        "when = { metastatic = true }",
        "when = { sphincter_not_invaded = true }",
        "rules/9_test.toml: 9b: overlaps row 9a: both match when metastatic = false, sphincter_not_invaded = true",
    ),
    (
        "when = { metastatic = true }",
        'when = { metastatic = "unknown" }',
        "rules/9_test.toml: 9b: unreachable: condition 'metastatic' is never unknown",
    ),
    (
        "when = { metastatic = true }",
        'when = { metastatic = "yes" }',
        "rules/9_test.toml: 9b: condition 'metastatic': expected true, false or 'unknown'",
    ),
    (
        "when = { metastatic = true }",
        "when = { metastatic = 1 }",
        "rules/9_test.toml: 9b: condition 'metastatic': expected true, false or 'unknown'",
    ),
    (
        'route = "systemic_first_line"',
        'route = "systemic_second_line"',
        "rules/9_test.toml: 9b: unknown routine 'systemic_second_line'",
    ),
    (
        'id = "9b"',
        'id = "9b"\nrule = "4.4z"',
        "rules/9_test.toml: 9b: rule id '4.4z' is neither a §0.2 id nor a §9 id",
    ),
    ('id = "9b"', 'id = "9a"', "rules/9_test.toml: 9a: duplicate row id"),
    (
        'options = ["local_excision"]',
        'options = ["local_excision", "iort"]',
        "rules/9_test.toml: 9a: option iort is set twice",
    ),
    (
        'situation = "margin ≤ {local_excision_max_size}"',
        'situation = "margin ≤ {local_excision_max_sise}"',
        "rules/9_test.toml: 9a: unknown threshold {local_excision_max_sise}",
    ),
    (
        'reason = "excise"',
        'reason = "excise {"',
        "rules/9_test.toml: 9a: malformed template 'excise {'",
    ),
    (
        'reason = "common"',
        'reason = "common {x}"',
        "rules/9_test.toml: common: unknown threshold {x}",
    ),
    (
        'reason = "common"',
        'reason = "common"\noffer = true',
        "rules/9_test.toml: common: offer = true needs tier preferred or alternative",
    ),
    (
        'tier = "not_recommended"',
        'tier = "never"',
        "rules/9_test.toml: common: 'never' is not a valid Tier",
    ),
    (
        'id = "9c"\nsituation = "anything else"',
        'id = "9c"\nsituation = "anything else"\nwhen = { metastatic = false, sphincter_not_invaded = "unknown" }',
        "rules/9_test.toml: -: no row covers metastatic = false, sphincter_not_invaded = false",
    ),
    (
        'route = "systemic_first_line"',
        'route = "systemic_first_line"\ntable = "8"',
        "rules/9_test.toml: 9b: unknown table '8'",
    ),
    (
        'route = "systemic_first_line"',
        'table = "9"',
        "rules/9_test.toml: -: hands over to itself through row 9b",
    ),
    (
        'route = "systemic_first_line"',
        'after = "tidy_up"',
        "rules/9_test.toml: 9b: unknown routine 'tidy_up'",
    ),
    (
        'reason = "excise"',
        'reason = "excise"\nscreen = "pelvis"',
        "rules/9_test.toml: 9a: screen 'pelvis': only reirradiation offered as an alternative",
    ),
    (
        'reason = "excise"',
        'reason = "excise"\nunless_preferred = "clinical_trial"',
        "rules/9_test.toml: 9a: unless_preferred clinical_trial: not set by an earlier outcome",
    ),
    (
        'reason = "common"',
        'reason = "common"\nunless_preferred = "iort"',
        "rules/9_test.toml: common: unless_preferred iort: not set by an earlier outcome",
    ),
    (
        'title = "Test"',
        'title = "Test"\npathway = "5"',
        "rules/9_test.toml: -: pathway '5' is not the section 9 or above",
    ),
    (
        'title = "Test"',
        'title = "Test"\nversion = 2',
        "rules/9_test.toml: -: unknown keys ['version']",
    ),
    ('title = "Test"', "", "rules/9_test.toml: -: needs a section and a title"),
    (
        'title = "Test"',
        'title = "Test"\npartial = 1',
        "rules/9_test.toml: -: partial and routes are",
    ),
    (
        'title = "Test"',
        'title = "Test"\npartial = true',
        "rules/9_test.toml: 9c: a partial table has no default row",
    ),
    (
        'reason = "excise"',
        'reason = "excise"\nremaining = true',
        "rules/9_test.toml: 9a: remaining = true: names no options and is the last outcome",
    ),
    (
        'options = ["local_excision"]\n',
        "",
        "rules/9_test.toml: 9a: an outcome names its options (or remaining = true)",
    ),
    (
        'options = ["iort"]',
        "remaining = true",
        "rules/9_test.toml: common: remaining = true is for a row's last outcome",
    ),
    (
        'route = "systemic_first_line"',
        'route = "systemic_first_line"\n[[row.warning]]\ncode = "overdue"',
        "rules/9_test.toml: 9b: 'overdue' is not a valid WarningCode",
    ),
    (
        'route = "systemic_first_line"',
        'route = "systemic_first_line"\n[[row.warning]]\ncode = "ecog_karnofsky_mismatch"',
        "rules/9_test.toml: 9b: warning ecog_karnofsky_mismatch needs case values",
    ),
    (
        'section = "9"',
        'section = "7"',
        "rules/9_test.toml: -: section 7 is also in rules/7_untreated_primary.toml",
    ),
]


@pytest.mark.parametrize(("old", "new", "expected"), CORRUPTIONS)
def test_corrupted_table_is_rejected(
    data_copy: pathlib.Path, old: str, new: str, expected: str
) -> None:
    assert old in TABLE
    (data_copy / "rules" / "9_test.toml").write_text(TABLE.replace(old, new, 1), encoding="utf-8")
    problems = _problems(data_copy)
    assert any(line.startswith(expected) for line in problems), problems


def test_a_default_row_must_be_last(data_copy: pathlib.Path) -> None:
    default = '\n[[row]]\nid = "9d"\nsituation = "anything else again"\n'
    text = TABLE.replace('[[row]]\nid = "9b"', default.strip() + '\n\n[[row]]\nid = "9b"', 1)
    (data_copy / "rules" / "9_test.toml").write_text(text, encoding="utf-8")
    assert "rules/9_test.toml: 9d: unreachable: the default row (empty when) is last" in _problems(
        data_copy
    )


def test_a_default_row_that_no_case_reaches(data_copy: pathlib.Path) -> None:
    rows = '[[row]]\nid = "9e"\nsituation = "x"\nwhen = { metastatic = false, sphincter_not_invaded = false }\n\n'
    text = TABLE.replace('[[row]]\nid = "9c"', rows + '[[row]]\nid = "9c"', 1)
    (data_copy / "rules" / "9_test.toml").write_text(text, encoding="utf-8")
    assert "rules/9_test.toml: 9c: unreachable: the other rows cover every case" in _problems(
        data_copy
    )


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("section = [", "rules/9_test.toml: -: not valid TOML"),
        ('section = "9"\ntitle = "t"\n', "rules/9_test.toml: -: no valid rows"),
        ('section = "9"\ntitle = "t"\nrow = [1]\n', "rules/9_test.toml: #1: "),
        ('section = "9"\ntitle = "t"\n[row]\nsituation = "x"\n', "rules/9_test.toml: #1: "),
        (
            'section = "9"\ntitle = "t"\n[row]\nid = "9a"\nsituation = "x"\nwhen = { metastatic = true }\n',
            "rules/9_test.toml: -: no row covers metastatic = false",
        ),
    ],
)
def test_malformed_files(data_copy: pathlib.Path, text: str, expected: str) -> None:
    (data_copy / "rules" / "9_test.toml").write_text(text, encoding="utf-8")
    problems = _problems(data_copy)
    assert any(line.startswith(expected) for line in problems), problems


def test_a_three_valued_condition_needs_a_known_criterion_id(
    data_copy: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from ascc_salvage.knowledge import _rules

    monkeypatch.setattr(
        _rules, "_CRITERION_IDS", _rules._CRITERION_IDS - {"sphincter_not_invaded_known"}
    )
    (data_copy / "rules" / "9_test.toml").write_text(TABLE, encoding="utf-8")
    assert (
        "rules/9_test.toml: 9a: criterion id 'sphincter_not_invaded_known' is not in "
        "ascc_salvage.vocabulary.CriterionId" in _problems(data_copy)
    )


def test_the_rules_folder_is_required(data_copy: pathlib.Path) -> None:
    shutil.rmtree(data_copy / "rules")
    assert _problems(data_copy) == ("rules: -: folder is missing",)


def test_bundled_table_with_an_unknown_option(data_copy: pathlib.Path) -> None:
    path = data_copy / "rules" / FILE
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('options = ["local_excision"]', 'options = ["excision"]', 1))
    assert any(
        line.startswith(f"rules/{FILE}: 7a: 'excision' is not a valid OptionId")
        for line in _problems(data_copy)
    )


#: A partial table: two-valued conditions, no default row; an uncovered case changes nothing.
PARTIAL = """
section = "9"
title = "Test"
partial = true
routes = false

[[row]]
id = "9a"
situation = "metastatic"
when = { metastatic = true }

[[row.warning]]
code = "reassessment_overdue"
fields = ["assessments"]

[[row.then]]
options = ["iort"]
tier = "preferred"
reason = "x"

[[row.then]]
remaining = true
tier = "not_recommended"
reason = "the rest"
"""


def test_a_partial_table_loads(data_copy: pathlib.Path) -> None:
    (data_copy / "rules" / "9_test.toml").write_text(PARTIAL, encoding="utf-8")
    table = load_directory(data_copy).rules["9"]
    assert (table.partial, table.routes) == (True, False)
    row = table.rows[0]
    assert row.then[1].remaining
    assert not row.then[1].options
    assert row.warning[0].fields == ("assessments",)


def test_a_partial_table_names_only_two_valued_conditions(data_copy: pathlib.Path) -> None:
    text = PARTIAL.replace("{ metastatic = true }", "{ sphincter_not_invaded = true }")
    (data_copy / "rules" / "9_test.toml").write_text(text, encoding="utf-8")
    assert (
        "rules/9_test.toml: -: a partial table: condition 'sphincter_not_invaded' can be unknown"
        in _problems(data_copy)
    )


def test_reasons_quote_schedule_and_evidence_values(data_copy: pathlib.Path) -> None:
    """A dose or an effect size in a reason comes from the knowledge base: change it there."""
    from ascc_salvage.engine._rules import template_text

    template = (
        "about {schedule.groin_radiotherapy.total_dose_gy}; "
        "5-year OS {evidence.KO_2019.overall_survival_5y}"
    )
    assert template_text(template) == (
        "about 50 Gy; 5-year OS 45 % (persistent disease), 51 % (recurrent disease)"
    )
    radiotherapy = data_copy / "radiotherapy.toml"
    text = radiotherapy.read_text(encoding="utf-8")
    radiotherapy.write_text(text.replace("total_dose_gy = 50\n", "total_dose_gy = 45\n", 1))
    kb = load_directory(data_copy)
    assert template_text(template, kb).startswith("about 45 Gy;")
    assert knowledge.placeholder_text("schedule.reirradiation.fractions", kb) == "26"
    with pytest.raises(KeyError, match="unknown threshold"):
        knowledge.placeholder_text("no_such_threshold")
