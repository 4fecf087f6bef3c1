from __future__ import annotations

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from ascc_salvage.calculators import ecog_from_karnofsky, pd_l1_cps, pd_l1_tps


@pytest.mark.parametrize(
    ("kps", "ecog"),
    [
        (100, 0),
        (90, 0),
        (80, 1),
        (70, 1),
        (60, 2),
        (50, 2),
        (40, 3),
        (30, 3),
        (20, 4),
        (10, 4),
        (0, 5),
    ],
)
def test_karnofsky_mapping(kps: int, ecog: int) -> None:
    assert ecog_from_karnofsky(kps) == ecog


def test_karnofsky_errors() -> None:
    with pytest.raises(TypeError):
        ecog_from_karnofsky(80.0)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        ecog_from_karnofsky(True)
    with pytest.raises(ValueError, match="0"):
        ecog_from_karnofsky(110)
    with pytest.raises(ValueError, match="mapping"):
        ecog_from_karnofsky(85)


@given(a=st.sampled_from(range(0, 101, 10)), b=st.sampled_from(range(0, 101, 10)))
def test_karnofsky_mapping_is_monotone(a: int, b: int) -> None:
    if a <= b:
        assert ecog_from_karnofsky(a) >= ecog_from_karnofsky(b)


def test_pd_l1_scores() -> None:
    assert pd_l1_tps(positive_tumour_cells=30, viable_tumour_cells=200) == 15.0
    assert (
        pd_l1_cps(positive_tumour_cells=1, positive_immune_cells=1, viable_tumour_cells=200) == 1.0
    )
    assert (
        pd_l1_cps(positive_tumour_cells=150, positive_immune_cells=100, viable_tumour_cells=200)
        == 100.0
    )
    assert pd_l1_tps(positive_tumour_cells=0, viable_tumour_cells=100.0) == 0.0


def test_pd_l1_errors() -> None:
    with pytest.raises(ValueError, match="viable"):
        pd_l1_tps(positive_tumour_cells=0, viable_tumour_cells=0)
    with pytest.raises(ValueError, match="exceed"):
        pd_l1_tps(positive_tumour_cells=3, viable_tumour_cells=2)
    with pytest.raises(ValueError, match="exceed"):
        pd_l1_cps(positive_tumour_cells=3, positive_immune_cells=0, viable_tumour_cells=2)
    with pytest.raises(TypeError, match="positive_immune_cells"):
        pd_l1_cps(positive_tumour_cells=1, positive_immune_cells="2", viable_tumour_cells=2)  # type: ignore[arg-type]
    with pytest.raises(TypeError):
        pd_l1_tps(positive_tumour_cells=True, viable_tumour_cells=2)
    with pytest.raises(ValueError, match="positive_tumour_cells"):
        pd_l1_tps(positive_tumour_cells=-1, viable_tumour_cells=2)
    with pytest.raises(ValueError, match="viable_tumour_cells"):
        pd_l1_tps(positive_tumour_cells=1, viable_tumour_cells=float("inf"))


@given(tumour=st.integers(0, 1000), immune=st.integers(0, 1000), viable=st.integers(1, 1000))
@example(tumour=1, immune=0, viable=100)  # CPS exactly 1: positive
def test_cps_bounds(tumour: int, immune: int, viable: int) -> None:
    if tumour > viable:
        return
    cps = pd_l1_cps(
        positive_tumour_cells=tumour, positive_immune_cells=immune, viable_tumour_cells=viable
    )
    assert 0.0 <= cps <= 100.0
    assert cps >= pd_l1_tps(positive_tumour_cells=tumour, viable_tumour_cells=viable)
