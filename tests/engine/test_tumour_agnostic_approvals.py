"""The tumour-agnostic pembrolizumab approvals (§5.1 approvals) are knowledge-base rows.

The flag ``tumour_agnostic_approval`` follows the approval rows and the TMB threshold of the
knowledge base in force: their dates, their jurisdiction and their biomarker.
"""

from __future__ import annotations

import datetime as dt
import json
import pathlib

import attrs
from tests.knowledge._support import copy_data, edit

from ascc_salvage import knowledge, load_case, recommend
from ascc_salvage.case import Case
from ascc_salvage.engine._systemic import tumour_agnostic_approvals
from ascc_salvage.knowledge import KnowledgeBase
from ascc_salvage.result import Result
from ascc_salvage.vocabulary import Flag, Jurisdiction, OptionId

CASES = pathlib.Path(__file__).parent / "cases"
PD1 = OptionId.ANTI_PD1_MONOTHERAPY


def _case(name: str) -> Case:
    return load_case(json.loads((CASES / f"{name}.json").read_text(encoding="utf-8"))["case"])


def _flags(result: Result) -> set[Flag]:
    return set(result.option(PD1).flags)


def test_the_msi_high_approval_counts_in_its_jurisdiction_only() -> None:
    case = _case("v3_5.1_approvals_tumour_agnostic_msi_high")
    assert Flag.TUMOUR_AGNOSTIC_APPROVAL in _flags(recommend(case))
    europe = attrs.evolve(case, jurisdiction=Jurisdiction.EU)
    assert Flag.TUMOUR_AGNOSTIC_APPROVAL not in _flags(recommend(europe))
    assert Flag.OFF_LABEL in _flags(recommend(europe))


def _edited(tmp_path: pathlib.Path, name: str, old: str, new: str) -> KnowledgeBase:
    data = copy_data(tmp_path / "data")
    edit(data, name, old, new)
    return knowledge.load(data)


def test_the_approval_dates_come_from_the_knowledge_base(tmp_path: pathlib.Path) -> None:
    case = _case("v3_5.1_approvals_tumour_agnostic_msi_high")
    later = _edited(tmp_path, "approvals.toml", 'date = "2017-05-23"', 'date = "2030-01-01"')
    flags = set(recommend(case, knowledge=later).option(PD1).flags)
    assert Flag.TUMOUR_AGNOSTIC_APPROVAL not in flags
    assert Flag.OFF_LABEL in flags


def test_the_tmb_cut_off_is_the_knowledge_base_threshold(tmp_path: pathlib.Path) -> None:
    case = _case("v3_5.1_approvals_tumour_agnostic_tmb_high")
    tmb = case.patient.biomarkers.tmb_mut_per_mb
    assert tmb is not None
    assert Flag.TUMOUR_AGNOSTIC_APPROVAL in _flags(recommend(case))
    old = "[tmb_high_tumour_agnostic]\nvalue = 10\n"
    higher = _edited(tmp_path, "thresholds.toml", old, old.replace("10", f"{int(tmb) + 1}"))
    assert Flag.TUMOUR_AGNOSTIC_APPROVAL not in _flags(recommend(case, knowledge=higher))


def test_a_tumour_agnostic_approval_is_not_an_anal_cancer_approval() -> None:
    as_of = dt.date(2030, 1, 1)
    assert knowledge.approvals("pembrolizumab", "US", as_of=as_of) == ()
    in_force = knowledge.approvals_in_force(knowledge.bundled(), "US", as_of)
    agnostic = [a for a in in_force if a.agent == "pembrolizumab"]
    assert [str(a.indication) for a in agnostic] == [
        "tumour_agnostic_msi_high",
        "tumour_agnostic_tmb_high",
    ]


def test_an_indication_covers_only_the_options_holding_the_agent(tmp_path: pathlib.Path) -> None:
    old = 'id = "tumour_agnostic_msi_high"\noptions = ["anti_pd1_monotherapy"]'
    new = old.replace('"anti_pd1_monotherapy"', '"anti_pd1_monotherapy", "nivolumab_ipilimumab"')
    kb = _edited(tmp_path, "approvals.toml", old, new)
    found = tumour_agnostic_approvals(kb, "US", dt.date(2030, 1, 1))
    assert set(found) == {"anti_pd1_monotherapy"}  # no pembrolizumab in nivolumab–ipilimumab
