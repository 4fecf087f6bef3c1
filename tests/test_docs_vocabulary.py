"""Every code of the public vocabularies is explained in the documentation."""

from __future__ import annotations

import enum
from pathlib import Path

import pytest

from ascc_salvage.vocabulary import DiseaseStatus, Flag, OptionId, Tier, WarningCode

DOCS = Path(__file__).resolve().parents[1] / "docs"


@pytest.mark.parametrize(
    ("vocabulary", "page"),
    [
        (Flag, "concepts.md"),
        (WarningCode, "concepts.md"),
        (DiseaseStatus, "concepts.md"),
        (Tier, "concepts.md"),
        (OptionId, "pathway.md"),
    ],
)
def test_every_code_is_documented(vocabulary: type[enum.StrEnum], page: str) -> None:
    text = (DOCS / page).read_text(encoding="utf-8")
    missing = [
        str(code) for code in vocabulary if f"`{code}`" not in text and str(code) not in text
    ]
    assert not missing, f"document these {vocabulary.__name__} codes in docs/{page}: {missing}"
