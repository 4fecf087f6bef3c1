"""Property-based tests of the knowledge-base queries and validators."""

from __future__ import annotations

import csv
import datetime as dt
import io
import string

from hypothesis import example, given
from hypothesis import strategies as st

from ascc_salvage import knowledge
from ascc_salvage.knowledge import Approval, DatePrecision, Indication, Verification
from ascc_salvage.knowledge._loader import IDENTIFIER_PATTERNS
from ascc_salvage.knowledge._model import IdentifierKind
from ascc_salvage.vocabulary import OptionId

dates = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2035, 12, 31))
agents = st.sampled_from(["retifanlimab", "nivolumab", "pembrolizumab", "RETIFANLIMAB", "unknown"])
places = st.sampled_from(["US", "EU", "other"])


@given(agent=agents, place=places, first=dates, second=dates)
@example(agent="retifanlimab", place="US", first=dt.date(2025, 5, 14), second=dt.date(2025, 5, 15))
@example(agent="retifanlimab", place="EU", first=dt.date(2026, 3, 31), second=dt.date(2026, 4, 1))
def test_approvals_are_monotone_in_as_of(
    agent: str, place: str, first: dt.date, second: dt.date
) -> None:
    early, late = sorted((first, second))
    before = set(knowledge.approvals(agent, place, as_of=early))
    after = set(knowledge.approvals(agent, place, as_of=late))
    assert before <= after
    for approval in after:
        assert approval.effective_from <= late


@given(day=dates, precision=st.sampled_from(list(DatePrecision)))
@example(day=dt.date(2026, 12, 9), precision=DatePrecision.MONTH)
@example(day=dt.date(2026, 3, 9), precision=DatePrecision.MONTH)
@example(day=dt.date(2026, 3, 9), precision=DatePrecision.DAY)
def test_month_precision_counts_from_the_next_month(day: dt.date, precision: DatePrecision) -> None:
    recorded = day if precision is DatePrecision.DAY else day.replace(day=1)
    approval = Approval(
        agent="x",
        jurisdiction="US",
        regulator="FDA",
        indication=Indication.FIRST_LINE_COMBINATION,
        indication_text="",
        date=recorded,
        date_precision=precision,
        status=Verification.VERIFIED,
        evidence=(),
    )
    start = approval.effective_from
    if precision is DatePrecision.DAY:
        assert start == recorded
    else:
        assert start.day == 1
        assert start > recorded
        assert (start - dt.timedelta(days=1)).month == recorded.month
        assert approval.date_text == recorded.strftime("%Y-%m")


@given(option=st.sampled_from(list(OptionId)))
def test_every_option_cites_existing_evidence(option: OptionId) -> None:
    ids = knowledge.evidence_for_option(option)
    assert ids
    assert len(set(ids)) == len(ids)
    assert all(knowledge.evidence(i).id == i for i in ids)


cells = st.one_of(
    st.none(),
    st.integers(-(10**6), 10**6),
    st.text(alphabet=string.printable + "µ–≥", max_size=20),
)


@given(st.lists(st.dictionaries(st.sampled_from(["a", "b", "c"]), cells, min_size=1), max_size=5))
def test_to_csv_round_trips(rows: list[dict[str, object]]) -> None:
    text = knowledge.to_csv(rows)
    parsed = list(csv.DictReader(io.StringIO(text, newline="")))
    assert len(parsed) == len(rows)
    for row, back in zip(rows, parsed, strict=True):
        for key, value in row.items():
            assert back[key] == ("" if value is None else str(value))


@given(digits=st.integers(0, 99_999_999))
def test_nct_pattern(digits: int) -> None:
    assert IDENTIFIER_PATTERNS[IdentifierKind.NCT].fullmatch(f"NCT{digits:08d}")
    assert not IDENTIFIER_PATTERNS[IdentifierKind.NCT].fullmatch(f"NCT{digits:07d}0000")


@given(
    prefix=st.integers(1000, 999_999_999),
    suffix=st.text(
        alphabet=string.ascii_letters + string.digits + "./()-_", min_size=1, max_size=30
    ),
)
def test_doi_pattern(prefix: int, suffix: str) -> None:
    doi = IDENTIFIER_PATTERNS[IdentifierKind.DOI]
    assert doi.fullmatch(f"10.{prefix}/{suffix}")
    assert not doi.fullmatch(f"doi:10.{prefix}/{suffix}")
    assert not doi.fullmatch(f"10.{prefix}/{suffix} x")
