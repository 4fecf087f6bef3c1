"""``Result.option`` for an id outside the catalogue: a KeyError that suggests close ids."""

from __future__ import annotations

import pickle

import pytest

from ascc_salvage.result import UnknownOptionError
from ascc_salvage.vocabulary import OptionId, Tier

from ._documents import base_document, run


def test_option_lookup() -> None:
    result = run(base_document())
    assert result.option("salvage_apr").tier is Tier.PREFERRED
    assert result.option(OptionId.SURVEILLANCE).tier is Tier.NOT_RECOMMENDED
    with pytest.raises(KeyError, match="chemo_of_the_day"):
        result.option("chemo_of_the_day")


def test_an_unknown_option_suggests_close_matches() -> None:
    result = run(base_document())
    with pytest.raises(UnknownOptionError) as caught:
        result.option("salvage_ap")
    error = caught.value
    assert isinstance(error, KeyError)
    assert error.option_id == "salvage_ap"
    assert error.suggestions[0] == "salvage_apr"
    assert str(error).startswith("no option 'salvage_ap' in this result; did you mean salvage_apr")
    assert error.args == ("salvage_ap",)


def test_no_suggestion_when_nothing_is_close() -> None:
    result = run(base_document())
    with pytest.raises(UnknownOptionError) as caught:
        result.option("zzzz")
    assert caught.value.suggestions == ()
    assert str(caught.value) == "no option 'zzzz' in this result"


def test_the_error_pickles_with_its_suggestions() -> None:
    error = UnknownOptionError("iortt", ["iort", "reirradiation"])
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is UnknownOptionError
    assert (copy.option_id, copy.suggestions, str(copy)) == (
        "iortt",
        ("iort",),
        "no option 'iortt' in this result; did you mean iort?",
    )
