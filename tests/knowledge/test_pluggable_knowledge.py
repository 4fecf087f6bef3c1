"""A knowledge base loaded from a directory drives the engine (approvals, thresholds, version)."""

from __future__ import annotations

import datetime
import importlib.resources
import json
import pathlib
from typing import Any

import pytest

import ascc_salvage
from ascc_salvage import knowledge
from ascc_salvage.batch import recommend_many
from ascc_salvage.case import Case
from ascc_salvage.knowledge import KnowledgeBaseError
from ascc_salvage.result import Result
from ascc_salvage.vocabulary import Flag, OptionId, Tier, WarningCode

from ._support import copy_data, edit

#: TEST FIXTURE, not a real approval: an EU approval of pembrolizumab monotherapy after
#: platinum, with an invented date, to show that any approval row is used. It cites
#: KEYNOTE158_2022 only because the loader requires a known evidence id.
FIXTURE_APPROVAL = """
[[approval]]
agent = "pembrolizumab"
jurisdiction = "EU"
regulator = "EC"
indication = "monotherapy_after_platinum"
indication_text = "TEST FIXTURE - not a real approval"
date = "2026-01-01"
date_precision = "day"
status = "unverified"
evidence = ["KEYNOTE158_2022"]
note = "test fixture: invented row, no real-world decision"
"""


def _copy(tmp_path: pathlib.Path) -> pathlib.Path:
    return copy_data(tmp_path / "kb")


_edit = edit


def _with_pembrolizumab_eu(tmp_path: pathlib.Path) -> knowledge.KnowledgeBase:
    directory = _copy(tmp_path)
    # The bundled no-approval statement covers pembrolizumab; a site that records an
    # approval removes it (the loader refuses both for one agent).
    approvals = directory / "approvals.toml"
    text = approvals.read_text(encoding="utf-8")
    start = text.index('[[no_approval]]\nagent = "pembrolizumab"')
    end = text.index("[[no_approval]]", start + 1)
    approvals.write_text(text[:start] + text[end:] + FIXTURE_APPROVAL, encoding="utf-8")
    return knowledge.load(directory)


def _example(name: str, **changes: Any) -> Case:
    text = importlib.resources.files("ascc_salvage.examples").joinpath(f"{name}.json").read_text()
    document = json.loads(text)
    document.update(changes)
    return ascc_salvage.load_case(document)


def _option(result: Result, option: OptionId) -> Any:
    return next(entry for entry in result.options if entry.option is option)


def test_load_validates_a_copy_of_the_bundled_data(tmp_path: pathlib.Path) -> None:
    kb = knowledge.load(_copy(tmp_path))
    assert kb == knowledge.bundled()
    assert kb is not knowledge.bundled()
    assert kb.version == knowledge.VERSION
    with pytest.raises(TypeError, match="directory must be a path"):
        knowledge.load(3)  # type: ignore[arg-type]


def test_an_eu_pembrolizumab_approval_changes_flags_warning_and_agent_order(
    tmp_path: pathlib.Path,
) -> None:
    kb = _with_pembrolizumab_eu(tmp_path)
    case = _example("after_platinum", jurisdiction="EU")

    bundled = ascc_salvage.recommend(case)
    bundled_pd1 = _option(bundled, OptionId.ANTI_PD1_MONOTHERAPY)
    assert Flag.OFF_LABEL in bundled_pd1.flags
    assert Flag.NOT_APPROVED_IN_JURISDICTION in bundled_pd1.flags
    assert bundled_pd1.dose_plan.agent == "retifanlimab"
    assert ascc_salvage.recommend(case, knowledge=knowledge.bundled()) == bundled

    local = ascc_salvage.recommend(case, knowledge=kb)
    pd1 = _option(local, OptionId.ANTI_PD1_MONOTHERAPY)
    assert pd1.tier is bundled_pd1.tier is Tier.PREFERRED  # approvals add flags here (§5.1)
    assert Flag.OFF_LABEL not in pd1.flags
    assert Flag.NOT_APPROVED_IN_JURISDICTION not in pd1.flags
    assert WarningCode.CHECK_NATIONAL_REIMBURSEMENT in {w.code for w in local.warnings}
    # Approved agents first (§5.3): pembrolizumab is planned, the others follow.
    assert pd1.dose_plan.agent == "pembrolizumab"
    assert [plan.agent for plan in pd1.dose_plan.alternatives] == ["retifanlimab", "nivolumab"]
    # The other options are untouched.
    assert _option(local, OptionId.CLINICAL_TRIAL) == _option(bundled, OptionId.CLINICAL_TRIAL)


def test_the_approval_counts_only_in_its_jurisdiction_and_indication(
    tmp_path: pathlib.Path,
) -> None:
    kb = _with_pembrolizumab_eu(tmp_path)
    # An EU row changes nothing in the US.
    us = _example("after_platinum", jurisdiction="US")
    assert ascc_salvage.recommend(us, knowledge=kb) == ascc_salvage.recommend(us)
    # First line: the row covers anti-PD-1 monotherapy only, so the combination's tier and
    # flags (§5.2) and the anti-PD-1 tier stay as they were.
    first = _example("first_line_metastatic", jurisdiction="EU")
    local, bundled = ascc_salvage.recommend(first, knowledge=kb), ascc_salvage.recommend(first)
    combination = OptionId.CARBOPLATIN_PACLITAXEL_RETIFANLIMAB
    assert _option(local, combination) == _option(bundled, combination)
    pd1 = OptionId.ANTI_PD1_MONOTHERAPY
    assert _option(local, pd1).tier is _option(bundled, pd1).tier


def test_a_raised_threshold_changes_tier_and_explanation(tmp_path: pathlib.Path) -> None:
    case = _example("after_immunotherapy")
    cp = _option(ascc_salvage.recommend(case), OptionId.CARBOPLATIN_PACLITAXEL)
    assert cp.tier is Tier.ALTERNATIVE
    assert "7.4 months (≥ 6 months)" in {c.explanation for c in cp.criteria}

    directory = _copy(tmp_path)
    text = (directory / "thresholds.toml").read_text(encoding="utf-8")
    start = text.index("[platinum_free_interval_rechallenge]")
    line = text.index("value = 183", start)
    (directory / "thresholds.toml").write_text(
        text[:line] + "value = 366" + text[line + len("value = 183") :], encoding="utf-8"
    )
    kb = knowledge.load(directory)
    local = _option(ascc_salvage.recommend(case, knowledge=kb), OptionId.CARBOPLATIN_PACLITAXEL)
    assert local.tier is Tier.NOT_RECOMMENDED
    assert "7.4 months (< 12 months)" in {c.explanation for c in local.criteria}
    assert "(< 12 months)" in local.rationale


def test_the_result_records_the_loaded_version(tmp_path: pathlib.Path) -> None:
    directory = _copy(tmp_path)
    _edit(directory, "meta.toml", 'version = "2026.12"', 'version = "2026.12.7"')
    kb = knowledge.load(directory)
    case = _example("persistent_resectable")
    result = ascc_salvage.recommend(case, knowledge=kb)
    assert result.knowledge_base_version == "2026.12.7"
    assert ascc_salvage.result_to_dict(result)["knowledge_base_version"] == "2026.12.7"
    assert ascc_salvage.recommend(case).knowledge_base_version == knowledge.VERSION
    many = list(recommend_many([case, case], knowledge=kb))
    assert [r.knowledge_base_version for r in many] == ["2026.12.7"] * 2


def test_recommend_rejects_a_foreign_knowledge_argument() -> None:
    case = _example("persistent_resectable")
    with pytest.raises(TypeError, match="knowledge must be a KnowledgeBase"):
        ascc_salvage.recommend(case, knowledge="kb")  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="knowledge applies to the default function only"):
        recommend_many([case], function=str, knowledge=knowledge.bundled())  # type: ignore[call-overload]


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        (
            'id = "monotherapy_after_platinum"\noptions = ["anti_pd1_monotherapy"]',
            'id = "monotherapy_after_platinum"\noptions = ["nivolumab_ipilimumab"]',
            "approvals.toml: retifanlimab/US/monotherapy_after_platinum: agent is in no option",
        ),
        (
            'options = ["anti_pd1_monotherapy"]',
            'options = ["anti_pd1_monotherapy", "carboplatin_paclitaxel"]',
            "option 'carboplatin_paclitaxel' has no checkpoint-inhibitor agent",
        ),
        (
            'options = ["anti_pd1_monotherapy"]',
            'options = ["surgery"]',
            "'surgery' is not a systemic option id",
        ),
        ('options = ["anti_pd1_monotherapy"]', "options = []", "options must name at least one"),
        (
            'id = "monotherapy_after_platinum"',
            'id = "first_line_combination"',
            "indication first_line_combination: duplicate indication",
        ),
        (
            'line = "after_platinum"',
            'line = "second_line"',
            "indication monotherapy_after_platinum:",
        ),
    ],
)
def test_indication_tables_are_checked(
    tmp_path: pathlib.Path, old: str, new: str, expected: str
) -> None:
    directory = _copy(tmp_path)
    _edit(directory, "approvals.toml", old, new)
    with pytest.raises(KnowledgeBaseError) as caught:
        knowledge.load(directory)
    assert any(expected in line for line in caught.value.problems), caught.value.problems


def test_an_approval_needs_its_indication_table(tmp_path: pathlib.Path) -> None:
    directory = _copy(tmp_path)
    text = (directory / "approvals.toml").read_text(encoding="utf-8")
    start = text.index('[[indication]]\nid = "monotherapy_after_platinum"')
    end = text.index("[[approval]]")
    (directory / "approvals.toml").write_text(text[:start] + text[end:], encoding="utf-8")
    with pytest.raises(KnowledgeBaseError, match="has no \\[\\[indication\\]\\]"):
        knowledge.load(directory)


def test_approvals_in_force_reads_the_given_knowledge_base(tmp_path: pathlib.Path) -> None:
    kb = _with_pembrolizumab_eu(tmp_path)
    day = datetime.date(2026, 6, 1)
    assert [a.agent for a in knowledge.approvals_in_force(kb, "EU", day)] == [
        "pembrolizumab",
        "retifanlimab",
    ]
    assert knowledge.approvals("pembrolizumab", "EU", as_of=day) == ()


def test_an_indication_covers_only_the_options_that_contain_the_agent(
    tmp_path: pathlib.Path,
) -> None:
    from ascc_salvage.engine._systemic import option_approvals

    directory = _copy(tmp_path)
    _edit(
        directory,
        "approvals.toml",
        'options = ["anti_pd1_monotherapy"]',
        'options = ["anti_pd1_monotherapy", "nivolumab_ipilimumab"]',
    )
    kb = knowledge.load(directory)
    covered = option_approvals(kb, "US", datetime.date(2026, 1, 1))
    assert sorted(covered) == ["anti_pd1_monotherapy", "carboplatin_paclitaxel_retifanlimab"]


def test_a_rule_table_threshold_changes_tier_and_text_together(tmp_path: pathlib.Path) -> None:
    """§7a reads its size limit from the knowledge base it runs with, in the tier and the text."""
    from ascc_salvage.examples import example

    directory = _copy(tmp_path)
    _edit(directory, "thresholds.toml", "[local_excision_max_size]\nvalue = 2\n",
          "[local_excision_max_size]\nvalue = 1\n")  # fmt: skip
    strict = knowledge.load(directory)
    case = example("untreated_anal_margin_t1").load()  # a 1.5 cm anal-margin T1 N0 tumour
    bundled = ascc_salvage.recommend(case).option(OptionId.LOCAL_EXCISION)
    local = ascc_salvage.recommend(case, knowledge=strict).option(OptionId.LOCAL_EXCISION)
    assert bundled.tier is Tier.PREFERRED
    assert local.tier is Tier.NOT_RECOMMENDED
    bundled_text = ascc_salvage.recommend(case).option(OptionId.PRIMARY_CHEMORADIOTHERAPY)
    local_text = ascc_salvage.recommend(case, knowledge=strict).option(
        OptionId.PRIMARY_CHEMORADIOTHERAPY
    )
    assert bundled_text.tier is Tier.ALTERNATIVE
    assert local_text.tier is Tier.PREFERRED
    from ascc_salvage.engine._rules import template_text

    situation = strict.rules["7"].rows[0].situation
    assert "≤ 1 cm" in template_text(situation, strict)
    assert "≤ 2 cm" in template_text(situation)
