"""Runs the ``>>>`` examples in the library's docstrings as tests (Sybil)."""

from doctest import ELLIPSIS, NORMALIZE_WHITESPACE

from sybil import Sybil
from sybil.parsers.rest import DocTestParser

pytest_collect_file = Sybil(
    parsers=[DocTestParser(optionflags=ELLIPSIS | NORMALIZE_WHITESPACE)],
    path="src/ascc_salvage",
    patterns=["*.py"],
).pytest()
