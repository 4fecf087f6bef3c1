"""What the engine computes once is the same as computing it again.

* Dose plans are cached per regimen and the inputs its dose rules read: a cached plan equals
  a freshly computed one, inputs a regimen does not read do not change its plan, and inputs
  it reads do.
* The input digest is computed once per case object: recommending a case again gives the
  same digest as :func:`ascc_salvage.io.case_digest`, a changed copy gets its own, and the
  memo does not keep a case alive.
* Equal option results are shared between results (they are immutable); the memo is bounded.
* A derived fact is computed once per facts object; a changed copy computes its own.
"""

from __future__ import annotations

import gc
import importlib.resources
import pickle
import weakref

import attrs
import pytest

from ascc_salvage import engine, load_case, recommend
from ascc_salvage.calculators import DosePlan, plan_from_floats
from ascc_salvage.calculators.dose_plan import _plan
from ascc_salvage.case import Case
from ascc_salvage.engine._facts import Facts, derive_facts
from ascc_salvage.io import case_digest
from ascc_salvage.knowledge import bundled
from ascc_salvage.status import assess_status
from ascc_salvage.vocabulary import Sex


def _plan_for(regimen: str, *, weight_kg: float = 70.0, age_years: int = 60) -> object:
    return plan_from_floats(
        regimen,
        weight_kg=weight_kg,
        height_cm=170.0,
        creatinine_mg_dl=0.9,
        age_years=age_years,
        sex=Sex.FEMALE,
    )


def _case() -> Case:
    text = (
        importlib.resources.files("ascc_salvage.examples")
        .joinpath("persistent_resectable.json")
        .read_text()
    )
    return load_case(text)


def test_a_cached_plan_equals_a_fresh_one() -> None:
    cached = _plan_for("carboplatin_paclitaxel")
    _plan.cache_clear()
    fresh = _plan_for("carboplatin_paclitaxel")
    assert fresh is not cached
    assert fresh == cached


def test_inputs_a_regimen_does_not_read_do_not_change_its_plan() -> None:
    # Anti-PD-1 monotherapy is dosed flat for every agent: one plan for every patient.
    light = _plan_for("anti_pd1_monotherapy", weight_kg=50.0)
    heavy = _plan_for("anti_pd1_monotherapy", weight_kg=90.0)
    assert isinstance(light, DosePlan)
    assert light == heavy
    # Paclitaxel is per m² and carboplatin by clearance: age changes the carboplatin dose.
    young = _plan_for("carboplatin_paclitaxel", age_years=40)
    old = _plan_for("carboplatin_paclitaxel", age_years=80)
    assert isinstance(young, DosePlan)
    assert isinstance(old, DosePlan)
    assert young.drug("carboplatin") != old.drug("carboplatin")
    assert young.drug("paclitaxel") == old.drug("paclitaxel")


def test_a_case_recommended_again_keeps_its_digest() -> None:
    case = _case()
    first, second = recommend(case), recommend(case)
    assert first.input_digest == second.input_digest == case_digest(case)
    changed = attrs.evolve(case, evaluation_date=case.evaluation_date.replace(day=1))
    assert recommend(changed).input_digest == case_digest(changed) != first.input_digest
    copied = pickle.loads(pickle.dumps(case))
    assert recommend(copied).input_digest == first.input_digest


def test_the_digest_memo_does_not_keep_a_case_alive() -> None:
    case = _case()
    recommend(case)
    ref = weakref.ref(case)
    del case
    gc.collect()
    assert ref() is None


def test_results_share_equal_option_results_and_the_memo_starts_afresh(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    case = _case()
    first = recommend(case)
    again = recommend(pickle.loads(pickle.dumps(case)))
    assert all(a is b for a, b in zip(first.options, again.options, strict=True))
    # A full memo is emptied: the next result builds equal option results afresh.
    monkeypatch.setattr(engine, "_SHARED_MAX", 0)
    recommend(case)
    fresh = recommend(case)
    assert fresh == first
    assert not any(a is b for a, b in zip(first.options, fresh.options, strict=True))


def test_a_fact_is_computed_once_per_facts_object_and_not_carried_by_evolve() -> None:
    case = _case()
    facts = derive_facts(case, assess_status(case), bundled())
    descriptor = Facts.sites
    assert Facts.__dict__["sites"] is descriptor  # read on the class: the descriptor itself
    assert descriptor.__doc__ == Facts.__dict__["sites"]._compute.__doc__
    first = facts.sites
    assert facts.__dict__["sites"] is first  # kept on the instance, read from there again
    assert facts.sites is first
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        facts.sites = ()  # type: ignore[misc]
    copy = attrs.evolve(facts, ecog=4)
    assert "sites" not in copy.__dict__  # computed afresh for the changed facts
    assert copy.sites == first
