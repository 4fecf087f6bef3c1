"""The small HTML pages of the service: the case form and the recommendation it returns.

Pages are self-contained (no script, inline style only) and every value is escaped.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping
from html import escape
from typing import Any, Final

from ascc_salvage.knowledge import option_label
from ascc_salvage.result import Result, result_to_dict
from ascc_salvage.service._hook import JUDGEMENT_FIELDS
from ascc_salvage.vocabulary import Tier

__all__ = ["form_page", "message_page", "result_page"]

_STYLE: Final = (
    "body{font-family:system-ui,sans-serif;max-width:60rem;margin:2rem auto;padding:0 1rem;"
    "line-height:1.4}textarea{width:100%;font-family:monospace;font-size:.9rem}"
    "table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:.3rem .5rem;"
    "text-align:left;vertical-align:top}.note{color:#555}code{background:#f3f3f3}"
)
_NOTE: Final = (
    "Decision support for a multidisciplinary team; not a medical device. Review every "
    "criterion before acting."
)


def _page(title: str, body: str) -> str:
    return (
        '<!doctype html><html lang="en"><head><meta charset="utf-8">'
        f"<title>{escape(title)}</title><style>{_STYLE}</style></head>"
        f"<body><h1>{escape(title)}</h1>{body}<p class='note'>{escape(_NOTE)}</p></body></html>"
    )


def _items(lines: Iterable[str]) -> str:
    return "<ul>" + "".join(f"<li>{line}</li>" for line in lines) + "</ul>"


def form_page(
    action: str, document: Mapping[str, Any] | str, problems: Iterable[str], heading: str = ""
) -> str:
    """Return the case form: what is missing, and the case document to complete.

    Args:
        action: The URL the form posts to (relative to the form's own URL, so the form works
            behind a proxy that serves the service under a path prefix).
        document: The pre-filled case document (or the text the clinician posted).
        problems: ``path: message`` lines to show.
        heading: An introductory sentence.
    """
    text = document if isinstance(document, str) else json.dumps(document, indent=2)
    problem_list = list(problems)
    body = f"<p>{escape(heading)}</p>" if heading else ""
    if problem_list:
        body += "<h2>To complete or correct</h2>" + _items(
            f"<code>{escape(line)}</code>" for line in problem_list
        )
    body += "<h2>Clinical judgements the record does not carry</h2>" + _items(
        f"<code>{escape(field)}</code>: {escape(hint)}" for field, hint in JUDGEMENT_FIELDS.items()
    )
    body += (
        f'<form method="post" action="{escape(action)}">'
        '<label for="case"><h2>Case document (JSON)</h2></label>'
        f'<textarea id="case" name="case" rows="30">{escape(text)}</textarea>'
        '<p><button type="submit">Get the options</button></p></form>'
    )
    return _page("Anal cancer after chemoradiotherapy: case form", body)


def result_page(result: Result) -> str:
    """Return the recommendation as a page: preferred plan, every option, basis, missing data."""
    preferred = [option_label(o) for o in result.preferred]
    body = (
        f"<p>Disease status: <strong>{escape(str(result.disease_status))}</strong>. "
        f"Preferred: <strong>{escape(', '.join(preferred) or 'none')}</strong>.</p>"
    )
    rows = "".join(
        f"<tr><td>{escape(option_label(o.option))}</td><td>{escape(str(o.tier))}</td>"
        f"<td>{escape(o.rationale)}</td></tr>"
        for tier in Tier
        for o in result.by_tier(tier)
    )
    body += f"<table><tr><th>Option</th><th>Tier</th><th>Why</th></tr>{rows}</table>"
    if result.missing_information:
        body += "<h2>Missing information</h2>" + _items(
            f"<code>{escape(item.field)}</code> — "
            + (f"{escape(item.prompt)}; " if item.prompt else "")
            + "needed for "
            + escape(", ".join(option_label(o) for o in item.needed_for))
            for item in result.missing_information
        )
    if result.warnings:
        body += "<h2>Warnings</h2>" + _items(
            escape(w.message or str(w.code)) for w in result.warnings
        )
    body += (
        f"<h2>Basis</h2><p>ascc_salvage {escape(result.library_version)}, knowledge base "
        f"{escape(result.knowledge_base_version)}, input digest "
        f"<code>{escape(result.input_digest)}</code>.</p>"
        "<details><summary>Result document (JSON)</summary><pre>"
        f"{escape(json.dumps(result_to_dict(result), indent=2, ensure_ascii=False))}"
        "</pre></details>"
    )
    return _page("Anal cancer after chemoradiotherapy: options", body)


def message_page(title: str, message: str) -> str:
    """Return a page with one message (an expired form, an error)."""
    return _page(title, f"<p>{escape(message)}</p>")
