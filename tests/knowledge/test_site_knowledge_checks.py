"""A site's knowledge base cannot slip a dose, a unit or a missing table past the loader.

Found by an outside audit editing a copy of the bundled data as a site would: each edit
below loaded before its check, and gave a wrong dose or an internal error when used.
"""

from __future__ import annotations

import pathlib
import re

import pytest

from ascc_salvage.knowledge import KnowledgeBaseError
from ascc_salvage.knowledge._loader import load_directory
from ascc_salvage.knowledge._rules import ENGINE_TABLES

from ._support import copy_data, edit

CARBOPLATIN_AUC = 'drug = "carboplatin", rule = "auc", dose = 5,'
PACLITAXEL_80 = 'drug = "paclitaxel", rule = "per_m2", dose = 80,'


@pytest.fixture
def data(tmp_path: pathlib.Path) -> pathlib.Path:
    return copy_data(tmp_path / "data")


def _problems(directory: pathlib.Path) -> list[str]:
    with pytest.raises(KnowledgeBaseError) as caught:
        load_directory(directory)
    return list(caught.value.problems)


@pytest.mark.parametrize("auc", ["50", "0.5"])
def test_a_regimen_auc_outside_the_policy_range_is_refused(data: pathlib.Path, auc: str) -> None:
    # AUC 50 gave carboplatin 5,021.9 mg (the bundled AUC 5 gives 502.2 mg).
    edit(data, "regimens.toml", CARBOPLATIN_AUC, CARBOPLATIN_AUC.replace("5,", f"{auc},"))
    assert any(
        f"drug 'carboplatin': target AUC {auc} is outside 1-10 mg.min/mL" in line
        for line in _problems(data)
    )


@pytest.mark.parametrize(
    ("name", "old", "new", "where"),
    [
        ("regimens.toml", PACLITAXEL_80, PACLITAXEL_80.replace("80,", "nan,"), "regimen"),
        ("thresholds.toml", "value = 182", "value = inf", "assessment_window_days.value"),
        ("thresholds.toml", "value = 182", "value = -inf", "assessment_window_days.value"),
    ],
)
def test_nan_and_inf_are_refused(
    data: pathlib.Path, name: str, old: str, new: str, where: str
) -> None:
    # A NaN dose printed "nan mg"; a NaN threshold made recommend raise.
    edit(data, name, old, new)
    lines = [line for line in _problems(data) if "is not a finite number" in line]
    assert lines
    assert all(line.startswith(name) for line in lines)
    if where != "regimen":
        assert f"{name}: {where}:" in lines[0]


def test_a_threshold_in_another_unit_than_the_engine_reads_is_refused(data: pathlib.Path) -> None:
    # 26 weeks was read as 26 days: a case at week 11 was no longer too early to assess.
    edit(data, "thresholds.toml", 'value = 182\nunit = "d"', 'value = 26\nunit = "wk"')
    assert (
        "thresholds.toml: assessment_window_days: unit 'wk': the engine reads this threshold "
        "in 'd' (convert the value)"
    ) in _problems(data)


@pytest.mark.parametrize(
    ("name", "value", "message"),
    [
        ("carboplatin_gfr_cap", "-5", "value -5 must be positive"),
        ("carboplatin_gfr_cap", "0", "value 0 must be positive"),
        ("cisplatin_min_creatinine_clearance", "0", "value 0 must be positive"),
        ("assessment_window_days", "-1", "value -1 must be zero or more"),
    ],
)
def test_a_threshold_that_would_switch_its_rule_off_is_refused(
    data: pathlib.Path, name: str, value: str, message: str
) -> None:
    text = (data / "thresholds.toml").read_text(encoding="utf-8")
    head = text.index(f"[{name}]")
    start = text.index("value = ", head)
    end = text.index("\n", start)
    (data / "thresholds.toml").write_text(
        text[:start] + f"value = {value}" + text[end:], encoding="utf-8"
    )
    assert f"thresholds.toml: {name}: {message}" in _problems(data)


@pytest.mark.parametrize("section", sorted(ENGINE_TABLES))
def test_a_rule_table_the_engine_runs_cannot_be_missing(data: pathlib.Path, section: str) -> None:
    # recommend then raised KeyError ("internal error … a bug in ascc_salvage").
    for path in (data / "rules").glob("*.toml"):
        if path.read_text(encoding="utf-8").count(f'section = "{section}"\n'):
            path.unlink()
    assert f"rules: {section}: rule table missing (the engine runs it)" in _problems(data)


def test_every_table_the_engine_runs_is_named() -> None:
    # The engine enters these sections itself; every other one is a row's hand-over.
    source = pathlib.Path(__file__).parents[2] / "src" / "ascc_salvage" / "engine"
    text = "".join(path.read_text(encoding="utf-8") for path in source.glob("*.py"))
    literal = set(re.findall(r'run_table\([^)]*?"([0-9.a-z]+)"', text))
    lines = [line for line in text.splitlines() if "self.line = " in line]
    named = literal | {value for line in lines for value in re.findall(r'"([0-9.]+)"', line)}
    assert named == set(ENGINE_TABLES)


def test_problems_of_an_earlier_file_do_not_hide_the_placeholder_checks(
    data: pathlib.Path,
) -> None:
    edit(data, "meta.toml", 'version = "2026.12"', 'version = "2026.12.1"\nsite = "x"')
    edit(
        data,
        "rules/7_untreated_primary.toml",
        'reason = "primary chemoradiotherapy"',
        'reason = "primary chemoradiotherapy {schedule.iort.bogus}"',
    )
    problems = _problems(data)
    assert any(line.startswith("meta.toml") for line in problems)
    assert any(line.startswith("rules/7_untreated_primary.toml") for line in problems)


def test_verified_evidence_may_record_where_by_verified_by_alone(data: pathlib.Path) -> None:
    # Refused with a verified_by URL and no identifier, though knowledge-base.md accepts it.
    text = (data / "evidence.toml").read_text(encoding="utf-8")
    head = text.index('id = "ROJI_2023"')
    start = text.index('verification = "secondary"', head)
    end = start + len('verification = "secondary"')
    (data / "evidence.toml").write_text(
        text[:start]
        + 'verification = "verified"\nverified_by = "https://example.org/checked"'
        + text[end:],
        encoding="utf-8",
    )
    assert load_directory(data).evidence["ROJI_2023"].verified_by == "https://example.org/checked"
