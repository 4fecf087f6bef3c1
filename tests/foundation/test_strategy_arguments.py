"""Argument checks and narrow ranges of the measurement strategies."""

from __future__ import annotations

import pytest
from hypothesis import given, settings

from ascc_salvage.case import Length, Mass
from ascc_salvage.testing.strategies import doses, lengths, masses


@pytest.mark.parametrize(
    "make",
    [
        lambda: masses(min_kg=60.0, max_kg=50.0),
        lambda: lengths(min_cm=2.0, max_cm=2.0),  # (2, 2] is empty: the low bound is exclusive
        lambda: doses(min_gy=10.0, max_gy=5.0),
    ],
)
def test_empty_ranges_are_rejected(make: object) -> None:
    with pytest.raises(ValueError, match="empty range"):
        make()  # type: ignore[operator]


@settings(max_examples=10)
@given(masses(min_kg=70.0, max_kg=70.0, units=["kg"]))
def test_a_single_point_range_is_allowed(mass: Mass) -> None:
    assert mass.canonical == 70.0


@settings(max_examples=25)
@given(lengths(min_cm=0.1, max_cm=0.5, units=["cm"]))
def test_a_range_without_integers_draws_floats_inside_it(length: Length) -> None:
    assert length.unit == "cm"
    assert 0.1 < length.value <= 0.5
    assert isinstance(length.value, float)


def test_the_schema_2_strategies_reach_their_rarer_shapes() -> None:
    # Found deterministically, so that coverage does not depend on the random draws of a run.
    from hypothesis import find
    from hypothesis import settings as hypothesis_settings

    from ascc_salvage.testing import strategies as strategies_module
    from ascc_salvage.vocabulary import PhaseTarget, RadiotherapyTechnique

    search = hypothesis_settings(max_examples=5000, database=None, derandomize=True)
    other = find(
        strategies_module.prior_systemic_therapies(unsupported=True),
        lambda therapy: str(therapy.regimen) == "other",
        settings=search,
    )
    assert other.agents
    ldr = find(
        strategies_module.prior_radiotherapies(unsupported=True),
        lambda course: course.technique is RadiotherapyTechnique.LDR_BRACHYTHERAPY,
        settings=search,
    )
    assert ldr.fractions == 1
    boosted = find(
        strategies_module.chemoradiotherapies(unsupported=True),
        lambda crt: any(phase.target is PhaseTarget.GROINS for phase in crt.phases),
        settings=search,
    )
    assert boosted.phases[0].sequence == 1
    brachytherapy_boost = find(
        strategies_module.chemoradiotherapies(unsupported=True),
        lambda crt: (
            [str(p.technique) for p in crt.phases if p.target is PhaseTarget.PRIMARY]
            == ["ebrt", "brachytherapy"]
        ),
        settings=search,
    )
    assert brachytherapy_boost.phases[-1].sequence == 2
    nodes = find(
        strategies_module.chemoradiotherapies(unsupported=True),
        lambda crt: any(phase.target is PhaseTarget.PELVIC_NODES for phase in crt.phases),
        settings=search,
    )
    assert nodes.phases[1].target is PhaseTarget.PELVIC_NODES
