"""Site sets (``anatomy.toml``): strict loading, members from their vocabularies."""

from __future__ import annotations

import pathlib

import pytest

from ascc_salvage.knowledge import KnowledgeBaseError, bundled
from ascc_salvage.knowledge._loader import load_directory
from ascc_salvage.knowledge._model import SITE_SET_TYPES
from ascc_salvage.vocabulary import InvadedStructure, Site

from ._support import copy_data, edit

FILE = "anatomy.toml"


@pytest.fixture
def data_copy(tmp_path: pathlib.Path) -> pathlib.Path:
    return copy_data(tmp_path / "data")


def test_the_bundled_sets_load_with_descriptions() -> None:
    sets = bundled().site_sets
    assert sets.local_sites == {
        Site.ANAL_CANAL,
        Site.ANAL_MARGIN,
        Site.PERINEUM,
        Site.ISCHIORECTAL_FOSSA,
        Site.PRESACRAL,
    }
    assert InvadedStructure.PELVIC_SIDEWALL in sets.presumed_unresectable
    assert set(sets.descriptions) == set(SITE_SET_TYPES)
    for name, kind in SITE_SET_TYPES.items():
        assert all(isinstance(member, kind) for member in getattr(sets, name))


@pytest.mark.parametrize(
    ("old", "new", "expected"),
    [
        ('"anal_canal", ', '"anal_kanal", ', "anatomy.toml: local_sites: "),
        (
            '"obturator", ',
            '"obturator", "obturator", ',
            "anatomy.toml: lateral_pelvic_stations: a member is listed twice",
        ),
        (
            "[local_sites]\n",
            "[local_sites]\nnote = 1\n",
            "anatomy.toml: local_sites: unknown keys ['note']",
        ),
        ("[local_sites]", "[local_site]", "anatomy.toml: local_site: unknown set"),
        ("[local_sites]", "[local_site]", "anatomy.toml: local_sites: missing"),
        (
            'description = "Disease sites that are local disease (§3)."',
            "description = 3",
            "anatomy.toml: local_sites: ",
        ),
    ],
)
def test_a_corrupted_set_is_rejected(
    data_copy: pathlib.Path, old: str, new: str, expected: str
) -> None:
    edit(data_copy, FILE, old, new)
    with pytest.raises(KnowledgeBaseError) as caught:
        load_directory(data_copy)
    assert any(line.startswith(expected) for line in caught.value.problems), caught.value.problems


def test_a_set_is_data(data_copy: pathlib.Path) -> None:
    edit(data_copy, FILE, '"liver", ', "")
    assert Site.LIVER not in load_directory(data_copy).site_sets.oligometastatic_sites
