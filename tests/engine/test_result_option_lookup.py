"""``Result.option`` for an id outside the catalogue."""

from __future__ import annotations

import pytest

from ascc_salvage.vocabulary import OptionId, Tier

from ._documents import base_document, run


def test_option_lookup() -> None:
    result = run(base_document())
    assert result.option("salvage_apr").tier is Tier.PREFERRED
    assert result.option(OptionId.SURVEILLANCE).tier is Tier.NOT_RECOMMENDED
    with pytest.raises(KeyError, match="chemo_of_the_day"):
        result.option("chemo_of_the_day")
