"""The tumour-board report: one self-contained HTML page from a Jinja2 template.

Autoescaping is on for every value; the stylesheet and the figures are inline, there is no
script, and the only links are content links (DOI, PubMed, PubMed Central,
ClinicalTrials.gov), so the page shows the same offline and prints on A4.
"""

from __future__ import annotations

import functools
from urllib.parse import quote

import jinja2

from ascc_salvage.knowledge import KnowledgeBase
from ascc_salvage.rendering._figures import clock_figure, pathway_figure
from ascc_salvage.rendering._text import Writer, dose_plan_lines
from ascc_salvage.rendering._view import EvidenceView, ReportView
from ascc_salvage.result import Result

__all__ = ["evidence_links", "render_html"]


@functools.cache
def _environment() -> jinja2.Environment:
    return jinja2.Environment(
        loader=jinja2.PackageLoader("ascc_salvage.rendering", "templates"),
        autoescape=True,
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )


def evidence_links(item: EvidenceView) -> list[tuple[str, str]]:
    """The content links of an evidence item: ``(label, URL)`` for DOI, PMID, PMCID, NCT."""
    links = []
    if item.doi:
        links.append((f"doi:{item.doi}", "https://doi.org/" + quote(item.doi, safe="/()._-;:")))
    if item.pmid:
        links.append((f"PMID {item.pmid}", f"https://pubmed.ncbi.nlm.nih.gov/{quote(item.pmid)}/"))
    if item.pmcid:
        links.append((item.pmcid, f"https://pmc.ncbi.nlm.nih.gov/articles/{quote(item.pmcid)}/"))
    if item.nct:
        links.append((item.nct, f"https://clinicaltrials.gov/study/{quote(item.nct)}"))
    return links


def _dose_plan_text(title: str, plan: object) -> str:
    writer = Writer(100)
    dose_plan_lines(writer, title, plan)  # type: ignore[arg-type]  # a dose-plan document
    return writer.text()


def render_html(view: ReportView, result: Result, kb: KnowledgeBase) -> str:
    """The report page of *view* (the figures read the rule tables of *kb*)."""
    template = _environment().get_template("report.html.j2")
    return template.render(
        view=view,
        clock=None if view.case is None else clock_figure(view.case),
        pathway=pathway_figure(kb, view.rules),
        links=evidence_links,
        dose_plan=_dose_plan_text,
        # Badges link to the evidence table only where it lists the item (it lists the
        # evidence of the preferred and alternative options).
        cited=frozenset(item.id for item in view.evidence),
        library_version=result.library_version,
    )
