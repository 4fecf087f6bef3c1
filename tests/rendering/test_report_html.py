"""The HTML tumour-board report: every section with its content, and no external asset."""

from __future__ import annotations

import re
from html.parser import HTMLParser

import attrs
import pytest

import ascc_salvage
from ascc_salvage import render
from ascc_salvage.knowledge import bundled
from ascc_salvage.rendering._figures import pathway_figure, pathway_nodes
from ascc_salvage.rendering._html import evidence_links
from ascc_salvage.rendering._view import EvidenceView

from ._support import EXAMPLES, case_and_result, document

SECTIONS = ("patient", "clock", "pathway", "options", "warnings", "evidence", "provenance")


class _Report(HTMLParser):
    """Text per section id, every URL-bearing attribute, the styles and the SVGs."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.sections: dict[str, list[str]] = {}
        self.current: list[str] | None = None
        self.depth = 0
        self.urls: list[tuple[str, str, str]] = []  # (tag, attribute, value)
        self.anchors: dict[str, str] = {}  # href -> text
        self.tags: list[str] = []
        self.styles: list[str] = []
        self.classes: list[tuple[str, str]] = []
        self._in_style = False
        self._href: str | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        values = {name: value or "" for name, value in attrs}
        self.tags.append(tag)
        if tag == "section":
            self.current = self.sections.setdefault(values.get("id", ""), [])
        if "class" in values:
            self.classes.append((tag, values["class"]))
        for name in ("src", "href", "xlink:href", "srcset", "data", "action", "poster"):
            if name in values:
                self.urls.append((tag, name, values[name]))
        if "style" in values:
            self.styles.append(values["style"])
        self._in_style = tag == "style"
        if tag == "a":
            self._href = values.get("href", "")

    def handle_endtag(self, tag: str) -> None:
        if tag == "section":
            self.current = None
        if tag == "style":
            self._in_style = False
        if tag == "a":
            self._href = None

    def handle_data(self, data: str) -> None:
        if self._in_style:
            self.styles.append(data)
        if self.current is not None:
            self.current.append(data)
        if self._href is not None:
            self.anchors[self._href] = self.anchors.get(self._href, "") + data

    def text(self, section: str) -> str:
        return " ".join(" ".join(self.sections[section]).split())


def _parse(html: str) -> _Report:
    parser = _Report()
    parser.feed(html)
    parser.close()
    return parser


def test_every_section_of_the_example_report() -> None:
    case, result = case_and_result("persistent_resectable")
    html = render(result, case, format="html")
    assert html.startswith("<!DOCTYPE html>")
    report = _parse(html)
    assert set(SECTIONS) | {"intended-use"} <= set(report.sections)
    patient = report.text("patient")
    for expected in (
        "Age and sex 61 years, female",
        "Performance status ECOG 1",
        "Primary anal canal; cT3 N1a M0 (AJCC8); stage IIIC",
        "Chemoradiotherapy 2025-01-06 to 2025-02-14, 50.4 Gy in 28 fractions",
        "2025-07-07 (day 182, week 26.0): stable; biopsy positive",
        "anal canal, 2.5 cm, 1 lesion",
    ):
        assert expected in patient, expected
    clock = report.text("clock")
    assert "Disease status persistent" in clock
    assert "day 182 (26 weeks): 2025-07-07" in clock
    assert "CRT 2025-01-06" in clock
    assert "evaluation 2026-11-26" in clock
    pathway = report.text("pathway")
    assert "(4.1d, 0.default, 6.iort, 4.8)" in pathway
    assert "§4.1.resection Local disease, resectable, fit: resection" in pathway
    assert "highlighted: §2, §4, §3, §4.1, §4.1.resection, §6." in pathway
    lit = [c for tag, c in report.classes if tag == "rect" and c == "node lit"]
    assert len(lit) == 6
    options = report.text("options")
    assert "Recommended plan (preferred) Salvage abdominoperineal resection salvage_apr" in options
    assert "rules 4.1d" in options
    assert "histologically_confirmed (met): positive biopsy in the current episode" in options
    assert "KO_2019 (OCEBM 4, GRADE very low)" in options
    assert "Not considered in this pathway" not in options  # the HTML keeps the reason
    assert "not part of this pathway (rule 4.1d): Biopsy and restaging;" in options
    evidence = report.text("evidence")
    assert "KO_2019 Ko G et al. Colorectal Dis 2019;21:632–650" in evidence
    assert "overall survival 5y: 45 % (persistent disease)" in evidence
    assert report.anchors["https://doi.org/10.1111/codi.14569"] == "doi:10.1111/codi.14569"
    assert any(href.startswith("https://pubmed.ncbi.nlm.nih.gov/") for href in report.anchors)
    provenance = report.text("provenance")
    assert f"Input digest {result.input_digest}" in provenance
    assert f"Knowledge base {result.knowledge_base_version}" in provenance
    assert f"Library ascc_salvage {result.library_version}" in provenance
    assert "not a medical device" in report.text("intended-use")
    assert report.tags.count("svg") == 2
    assert "script" not in report.tags


_EXTERNAL = re.compile(r"^\s*(https?:)?//", re.I)
_CONTENT_LINKS = re.compile(
    r"^https://(doi\.org|pubmed\.ncbi\.nlm\.nih\.gov|pmc\.ncbi\.nlm\.nih\.gov|clinicaltrials\.gov)/"
)


@pytest.mark.parametrize("name", EXAMPLES)
def test_no_external_asset(name: str) -> None:
    case, result = case_and_result(name)
    html = render(result, case, format="html")
    report = _parse(html)
    assert not {"script", "link", "img", "iframe", "object", "embed"} & set(report.tags)
    for tag, attribute, value in report.urls:
        if _EXTERNAL.match(value):
            assert (tag, attribute) == ("a", "href"), value  # a link to content, not an asset
            assert _CONTENT_LINKS.match(value), value
        else:
            assert value.startswith("#"), value  # in-page anchors only
    css = "\n".join(report.styles)
    assert "@import" not in css
    assert "url(" not in css
    assert "@font-face" not in css


def test_autoescaping() -> None:
    case, result = case_and_result()
    option = result.options[0]
    changed = attrs.evolve(
        result, options=(attrs.evolve(option, rationale="<script>alert(1)</script>"),)
    )
    html = render(changed, case, format="html")
    assert "<script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html


def test_without_case_rules_or_clock() -> None:
    _case, result = case_and_result()
    bare = attrs.evolve(
        result, options=tuple(attrs.evolve(option, rules=()) for option in result.options)
    )
    report = _parse(render(bare, format="html"))
    assert "The case was not given: no patient header." in report.text("patient")
    assert "No clock without the case." in report.text("clock")
    assert "carries no rule ids" in report.text("pathway")
    assert not [c for tag, c in report.classes if tag == "rect" and c == "node lit"]
    untreated_case, untreated = case_and_result("untreated_anal_margin_t1")
    text = _parse(render(untreated, untreated_case, format="html")).text("clock")
    assert "No chemoradiotherapy recorded: there is no 26-week clock." in text


def test_warnings_missing_information_and_dose_plans() -> None:
    data = document("first_line_metastatic")
    data["jurisdiction"] = "EU"
    data["patient"]["hiv"]["status"] = "unknown"
    data["patient"]["ecog"] = None
    case = ascc_salvage.load_case(data)
    report = _parse(render(ascc_salvage.recommend(case), case, format="html"))
    warnings = report.text("warnings")
    assert "hiv test recommended" in warnings
    assert (
        "Missing field What to record Needed for patient.ecog Record ECOG performance status"
    ) in warnings
    case, result = case_and_result("first_line_metastatic")
    report = _parse(render(result, case, format="html"))
    assert "per dose" in report.text("options")
    # Symptoms not recorded decide palliative radiotherapy (pathway v3 §5.7) …
    assert "What to record Needed for disease.symptoms Record symptoms" in report.text("warnings")
    # … and recorded asymptomatic, nothing is missing.
    data = document("first_line_metastatic")
    data["schema_version"] = 2
    data["disease"]["symptoms"] = []
    recorded = ascc_salvage.load_case(data)
    complete = _parse(render(ascc_salvage.recommend(recorded), recorded, format="html"))
    assert "Missing information: none" in complete.text("warnings")
    nothing = attrs.evolve(result, options=())
    assert "none" in _parse(render(nothing, case, format="html")).text("evidence")


def test_evidence_links() -> None:
    item = EvidenceView(
        "X", "c", "d", "1", "2", "low", "verified", (), doi="10.1/a b", pmid="1", pmcid="PMC2",
        nct="NCT3",
    )  # fmt: skip
    assert evidence_links(item) == [
        ("doi:10.1/a b", "https://doi.org/10.1/a%20b"),
        ("PMID 1", "https://pubmed.ncbi.nlm.nih.gov/1/"),
        ("PMC2", "https://pmc.ncbi.nlm.nih.gov/articles/PMC2/"),
        ("NCT3", "https://clinicaltrials.gov/study/NCT3"),
    ]
    assert evidence_links(attrs.evolve(item, doi="", pmid="", pmcid="", nct="")) == []


def test_pathway_branches() -> None:
    kb = bundled()
    nodes = {node.section: node for node in pathway_nodes(kb, ["4.2", "5.2", "2"])}
    assert nodes["4.2"].lit
    assert nodes["4"].lit
    assert nodes["5.2"].lit
    assert not nodes["3"].lit
    assert not nodes["4.5"].lit
    assert nodes["4.2"].also_from == ("4.5",)
    assert nodes["6"].fired == ()  # §6 does not route: its section id is not its rule
    # §4.4c has no row of its own (rows a and b merged over groin irradiation): still §4.4
    merged = {node.section: node for node in pathway_nodes(kb, ["4.4c", "0.default"])}
    assert merged["4.4"].fired == ("4.4c",)
    assert merged["4.4"].lit
    # a knowledge base whose routing table is missing: every table is drawn, none under §2
    tables = {s: t for s, t in kb.rules.items() if s not in ("2", "4")}
    rootless = attrs.evolve(kb, rules=tables)
    drawn = pathway_nodes(rootless, ["4.4"])
    assert {node.section for node in drawn} == set(tables)
    assert {node.depth for node in drawn if node.parent == ""} == {0}
    orphans = attrs.evolve(kb, rules={s: t for s, t in kb.rules.items() if s != "4"})
    placed = {node.section: node for node in pathway_nodes(orphans, ["4.4"])}
    assert placed["4.4"].depth == 1
    assert placed["4.4"].parent == ""
    assert placed["4.4"].lit
    figure = pathway_figure(kb, [])
    assert figure.description.endswith("highlighted: none.")


def test_clock_labels_stay_inside() -> None:
    from ascc_salvage.rendering._figures import clock_figure
    from ascc_salvage.rendering._view import build_view

    case, result = case_and_result("after_platinum")
    view = build_view(result, case, bundled())
    assert view.case is not None
    figure = clock_figure(view.case)
    assert figure is not None
    anchors = {shape.anchor for shape in figure.shapes if shape.kind == "text"}
    assert anchors == {"start", "middle", "end"}


@pytest.mark.parametrize("name", EXAMPLES)
def test_every_in_page_link_has_its_target(name: str) -> None:
    """Evidence badges link to the evidence table only where it lists the item."""
    case, result = case_and_result(name)
    html = render(result, case, format="html")
    targets = set(re.findall(r'\bid="([^"]+)"', html))
    links = set(re.findall(r'href="#([^"]+)"', html))
    assert links <= targets, sorted(links - targets)
