"""The how-to page on building a case in Python type-checks with ``mypy --strict``.

Its code blocks also run as tests (``docs/conftest.py``); this test extracts them, doctest
blocks included, into one module and runs mypy on it with the project's configuration.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "howto" / "python.md"
_BLOCK = re.compile(r"^```python\n(?P<code>.*?)^```", re.M | re.S)


def page_source(text: str) -> str:
    """The Python code of a Markdown page: code blocks as they are, doctests as statements."""
    parts: list[str] = []
    for match in _BLOCK.finditer(text):
        code = match.group("code")
        if code.lstrip().startswith(">>>"):
            code = "".join(
                line[4:] + "\n" for line in code.splitlines() if line.startswith((">>> ", "... "))
            )
        parts.append(code)
    return "\n".join(parts)


def test_page_source_reads_code_and_doctest_blocks() -> None:
    text = "```python\nx = 1\n```\n\n```python\n>>> for i in []:\n...     print(i)\n0\n```\n"
    assert page_source(text) == "x = 1\n\nfor i in []:\n    print(i)\n"


@pytest.mark.slow
def test_the_python_howto_passes_mypy_strict(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    api = pytest.importorskip("mypy.api")
    source = page_source(PAGE.read_text(encoding="utf-8"))
    assert "recommend(case)" in source
    assert "import ascc_salvage" in source
    module = tmp_path / "howto_python.py"
    module.write_text(source, encoding="utf-8")
    monkeypatch.chdir(ROOT)  # the configuration's mypy_path ("src") is relative
    stdout, stderr, status = api.run(
        ["--config-file", str(ROOT / "pyproject.toml"), "--strict", str(module)]
    )
    assert status == 0, stdout + stderr
    assert "Success: no issues found" in stdout
