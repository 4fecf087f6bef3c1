"""Render a result for people: plain text, a Markdown summary, or the tumour-board report.

:func:`render` is the one renderer of the library; the command line uses it too
(``recommend --format text|markdown``, ``report``). Options are named by their plain-language
catalogue label; the preferred and alternative options show the criteria that decided them
and their evidence with its OCEBM level and GRADE certainty; undetermined options say what is
missing. Given the case, a rendering starts with the patient: age, sex, performance status,
site and stage, chemoradiotherapy dates and dose, the assessment timeline and the current
extent.

``format="html"`` is the tumour-board report: one self-contained HTML page (inline CSS and
SVG, no script, nothing loaded from the network; printable on A4) with the 26-week clock as a
timeline, the pathway diagram with the branch this case took highlighted, the options by
tier, the evidence with its effect sizes and DOI/PubMed links, the versions and input digest,
and the intended-use statement.

>>> import ascc_salvage
>>> from ascc_salvage.examples import example
>>> case = ascc_salvage.load_case(example("persistent_resectable").text())
>>> text = ascc_salvage.render(ascc_salvage.recommend(case), case)
>>> print(text.splitlines()[0])
Anal SCC after chemoradiotherapy: recommendation
>>> max(len(line) for line in text.splitlines()) <= 80
True
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final, Literal

from ascc_salvage.rendering._text import DEFAULT_WIDTH, render_markdown, render_text
from ascc_salvage.rendering._view import build_view

if TYPE_CHECKING:
    from ascc_salvage.case import Case
    from ascc_salvage.knowledge import KnowledgeBase
    from ascc_salvage.result import Result

__all__ = ["FORMATS", "render"]

#: The formats of :func:`render`, in the order the command line lists them.
FORMATS: Final = ("text", "markdown", "html")


def render(
    result: Result,
    case: Case | None = None,
    *,
    format: Literal["text", "markdown", "html"] = "text",
    width: int = DEFAULT_WIDTH,
    all_options: bool = False,
    knowledge: KnowledgeBase | None = None,
) -> str:
    """Render *result* (and the *case* it was computed for) for people.

    Args:
        result: A result of :func:`ascc_salvage.recommend` or
            :func:`ascc_salvage.load_result` (a loaded schema 1 result has no rule ids: the report's
            pathway diagram then highlights nothing and says why).
        case: The case of *result*; when given, the rendering starts with the patient
            header (and the report draws the 26-week clock).
        format: ``text`` (plain text), ``markdown`` (a tumour-board summary to paste into a
            document) or ``html`` (the self-contained tumour-board report).
        width: For text and Markdown: the width the lines are wrapped to (at least 40
            columns), with hanging indents. Two kinds of line may be longer: a Markdown
            heading (one line by Markdown's rules) and a table row whose columns cannot
            shrink further (each keeps its longest word, up to 8 characters, and ids whole).
        all_options: For text and Markdown: show every option not recommended in full;
            by default they are one line per reason.
        knowledge: The knowledge base for labels and evidence (default: the bundled one;
            give the one the result was computed with).

    Returns:
        The rendering, ending with a newline.

    Control characters and bidirectional controls in the rendering (from a result document
    or a site's knowledge base) are shown as U+FFFD: they could drive a terminal or reorder
    what a reader sees.

    Raises:
        TypeError: *result* is not a :class:`~ascc_salvage.Result`, or *case* not a
            :class:`~ascc_salvage.Case` (a JSON document must be loaded first).
        ValueError: *format* is not one of ``text``, ``markdown``, ``html``; or *case* is
            not the case of *result* (its input digest differs from the result's
            ``input_digest``: another patient's header above this result would mislead).
    """
    from ascc_salvage.case import Case
    from ascc_salvage.io import case_digest
    from ascc_salvage.knowledge import bundled
    from ascc_salvage.result import Result

    if not isinstance(result, Result):
        raise TypeError(
            "result must be a Result from ascc_salvage.recommend or load_result, not "
            f"{type(result).__name__}"
        )
    if case is not None and not isinstance(case, Case):
        raise TypeError(
            f"case must be a Case from ascc_salvage.load_case, not {type(case).__name__}"
        )
    if format not in FORMATS:
        raise ValueError(f"unknown format {format!r}; use one of {', '.join(FORMATS)}")
    if case is not None and case_digest(case) != result.input_digest:
        raise ValueError(
            f"case is not the case of this result: its input digest {case_digest(case)} differs "
            f"from the result's {result.input_digest}; render a result with the case it was "
            "computed for, or without a case"
        )
    kb = knowledge or bundled()
    view = build_view(result, case, kb)
    if format == "text":
        return _visible(render_text(view, width=width, all_options=all_options))
    if format == "markdown":
        return _visible(render_markdown(view, width=width, all_options=all_options))
    from ascc_salvage.rendering._html import render_html

    return _visible(render_html(view, result, kb))


#: Control characters (C0 but the line break and tab, DEL, C1) and the bidirectional
#: controls: a text from a result document or a site's knowledge base holding them could
#: drive a terminal (colours, hyperlinks, a cleared screen) or reorder what a reader sees;
#: HTML does not allow most of them either. Each is shown as U+FFFD.
_INVISIBLE: Final = dict.fromkeys(
    (
        *range(0x09),
        *range(0x0B, 0x20),
        *range(0x7F, 0xA0),
        *range(0x200E, 0x2010),
        *range(0x202A, 0x202F),
        *range(0x2066, 0x206A),
    ),
    "\ufffd",
)


def _visible(text: str) -> str:
    """*text* with every character of :data:`_INVISIBLE` replaced (see there)."""
    return text.translate(_INVISIBLE)
