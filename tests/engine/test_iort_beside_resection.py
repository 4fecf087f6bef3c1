"""IORT beside a resection (clinical pathway §6): the expected margin decides it."""

from __future__ import annotations

from ascc_salvage.vocabulary import Flag, OptionId, Tier

from ._documents import base_document, criteria, run

P, A, U, N = Tier.PREFERRED, Tier.ALTERNATIVE, Tier.UNDETERMINED, Tier.NOT_RECOMMENDED
Opt = OptionId


def test_iort_with_an_expected_r1_margin_needs_an_iort_capable_centre() -> None:
    """§6 IORT beside a preferred resection: alternative when R1 is expected."""
    document = base_document()
    document["disease"]["expected_margin"] = "r1"
    iort = run(document).option(Opt.IORT)
    assert iort.tier is A
    assert Flag.REQUIRES_IORT_CAPABLE_CENTRE in iort.flags
    assert criteria(iort)["expected_margin_r1"] == "met"
    document["facility"]["iort_available"] = True
    assert Flag.REQUIRES_IORT_CAPABLE_CENTRE not in run(document).option(Opt.IORT).flags


def test_iort_is_not_recommended_when_r0_is_expected() -> None:
    iort = run(base_document()).option(Opt.IORT)
    assert iort.tier is N
    assert iort.rules == ("6.iort",)
    assert criteria(iort)["expected_margin_r1"] == "not_met"


def test_iort_is_no_substitute_for_resection_when_r2_is_expected() -> None:
    document = base_document()
    document["disease"]["expected_margin"] = "r2"
    iort = run(document).option(Opt.IORT)
    assert iort.tier is N
    assert iort.rules == ("4.2",)
