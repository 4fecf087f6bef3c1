"""The mutable per-option draft: copies are independent and the repr shows every field."""

from __future__ import annotations

from ascc_salvage.engine._draft import OptionDraft, criterion
from ascc_salvage.vocabulary import Flag, Tier


def test_copy_is_independent() -> None:
    entry = OptionDraft(Tier.ALTERNATIVE, "5.2a", "why", {Flag.SHARED_DECISION})
    entry.criteria["ecog"] = criterion("performance_status_known", True, "ECOG 1")
    copy = entry.copy()
    copy.flags.add(Flag.INDIVIDUALISED)
    copy.criteria.clear()
    copy.tier = Tier.PREFERRED
    assert entry.tier is Tier.ALTERNATIVE
    assert entry.flags == {Flag.SHARED_DECISION}
    assert list(entry.criteria) == ["ecog"]


def test_defaults_are_fresh_containers() -> None:
    first, second = OptionDraft(), OptionDraft()
    first.flags.add(Flag.SHARED_DECISION)
    first.criteria["x"] = criterion("performance_status_known", None, "unknown", ("patient.ecog",))
    assert (second.tier, second.rule, second.reason) == (None, "", "")
    assert second.flags == set()
    assert second.criteria == {}


def test_repr_names_every_field() -> None:
    text = repr(OptionDraft(Tier.PREFERRED, "4.1a", "resectable", {Flag.SHARED_DECISION}))
    for part in ("tier=", "'4.1a'", "'resectable'", "shared_decision", "criteria={}"):
        assert part in text
