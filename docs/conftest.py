"""Run the code examples of the documentation as tests (``pytest docs``).

Every ``python`` code block in a Markdown page is executed; blocks that start with
``>>>`` are checked as doctests. The blocks of one page share a namespace, in page
order. A block can be skipped with a ``% skip: next`` comment before it.
"""

from __future__ import annotations

from doctest import ELLIPSIS, NORMALIZE_WHITESPACE

from sybil import Sybil
from sybil.parsers.myst import DocTestDirectiveParser, PythonCodeBlockParser, SkipParser

_FLAGS = ELLIPSIS | NORMALIZE_WHITESPACE

pytest_collect_file = Sybil(
    parsers=[
        DocTestDirectiveParser(optionflags=_FLAGS),
        PythonCodeBlockParser(doctest_optionflags=_FLAGS),
        SkipParser(),
    ],
    patterns=["*.md"],
    excludes=["_build/*", "_generated/*"],
).pytest()
