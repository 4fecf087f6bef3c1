"""Free text from a result document cannot become HTML, a link or terminal control.

Found by an outside audit: a backslash before ``<`` or ``](`` cancelled the Markdown escape;
a line break right after an added backslash left the next line's ``<`` live; terminal
escape sequences and bidirectional overrides reached the text output and the HTML page.
"""

from __future__ import annotations

import copy
import json
from typing import Any

import pytest

from ascc_salvage import load_case, load_result, recommend, render, result_to_dict
from ascc_salvage.examples import example


def _hostile(text: str) -> Any:
    """A loaded result of a bundled example whose free text holds *text*."""
    document = copy.deepcopy(result_to_dict(recommend(load_case(example("after_platinum").text()))))
    for option in document["options"]:
        option["rationale"] = f"R {text} end"
        for item in option["criteria"]:
            item["explanation"] = f"E {text}"
    document["missing_information"] = [
        {"field": "patient.x", "needed_for": ["anti_pd1_monotherapy"], "prompt": f"P {text}"}
    ]
    return load_result(json.dumps(document))


def _live(markdown: str) -> list[str]:
    markdown_it = pytest.importorskip("markdown_it")
    found: list[str] = []

    def walk(tokens: Any) -> None:
        for token in tokens:
            if token.type in ("html_inline", "html_block", "link_open", "image"):
                found.append(token.type)
            if token.children:
                walk(token.children)

    walk(markdown_it.MarkdownIt("commonmark").parse(markdown))
    return found


@pytest.mark.parametrize(
    "text",
    [
        "\\<img src=x onerror=alert(1)>",
        "[here\\](https://evil.example/)",
        "\\\\<script>alert(1)</script>",
    ],
)
def test_a_backslash_does_not_cancel_the_markdown_escape(text: str) -> None:
    markdown = render(_hostile(text), format="markdown", all_options=True)
    assert "evil" in markdown or "alert" in markdown  # shown ...
    assert _live(markdown) == []  # ... as text


@pytest.mark.parametrize("width", [40, 57, 80])
def test_wrapping_never_splits_an_escape(width: int) -> None:
    for pad in range(0, 90, 3):
        for text in ("A" * pad + "<img src=x onerror=alert(1)>", f"[x{'B' * pad}](https://e.x/)"):
            markdown = render(_hostile(text), format="markdown", width=width)
            assert _live(markdown) == [], (width, pad, text)


@pytest.mark.parametrize("format", ["text", "markdown", "html"])
def test_control_and_bidirectional_characters_are_shown_as_replacement_characters(
    format: Any,
) -> None:
    text = "ESC\x1b[31mRED\x1b]8;;https://evil.example\x07link\x1b]8;;\x07 abc\u202edcba"
    rendered = render(_hostile(text), format=format, all_options=True)
    assert "RED" in rendered
    assert not any(c in rendered for c in "\x1b\x07\u202e")
    assert "\ufffd" in rendered
