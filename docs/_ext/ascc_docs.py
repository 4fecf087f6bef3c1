"""Local Sphinx extension for the ascc_salvage documentation.

It provides:

* ``api-module`` — a fenced block naming one public module, the body of that module's page
  in ``docs/api/`` (one short file per module), expanded before parsing (``automodule``
  with ``:members:``); a name re-exported from another public module is documented once,
  where it is defined, and linked from the re-exporting page; a module that does not exist
  yet is shown as planned;
* ``evidence-table`` — the evidence items as a compact, sortable overview table, and
  ``evidence-details`` — one block per item with its identifiers as links and its outcomes,
  both generated from :mod:`ascc_salvage.knowledge` at build time (never a copied table);
* ``approvals-table`` — the regulatory approvals, from :mod:`ascc_salvage.knowledge`;
* ``thresholds-table`` — the clinical thresholds, marking those that are library policy;
* ``site-sets`` — the named site sets of ``anatomy.toml`` (§3).
* ``rule-table`` — one section of the clinical pathway, generated from its rule table in
  the knowledge base (``knowledge/data/rules/*.toml``; never a hand-written copy);
* ``condition-registry`` — the conditions and routines rule tables may name;
* ``forest-plot`` — a forest plot drawn by :func:`ascc_salvage.plot.forest_plot`;
* ``pathway-diagram`` — one of the decision diagrams of the clinical pathway (assessment,
  locoregional, distant), drawn with matplotlib (see :mod:`pathway_diagram`);
* ``cli-excerpt`` — the first lines of an ``ascc-salvage`` command's output, run at build
  time (the landing page's rendering of a result);
* the ``{evidence}`` role, linking an evidence id to its detail block on the evidence page;
* the changelog page, which includes ``../CHANGELOG.md`` when the file exists.

Generated images go to ``docs/_generated/`` (not tracked). While a module the docs draw
from does not exist yet, the directives render a short note instead of failing; once
the module exists, any error in it fails the build.
"""

from __future__ import annotations

import importlib
import inspect
import re
import string
from pathlib import Path
from types import ModuleType
from typing import Any, ClassVar, Final

from docutils import nodes
from docutils.parsers.rst import directives
from sphinx.application import Sphinx
from sphinx.util import logging
from sphinx.util.docutils import SphinxDirective

logger = logging.getLogger(__name__)

GENERATED = "_generated"


# -- helpers -------------------------------------------------------------------------


def optional_module(name: str) -> ModuleType | None:
    """Import *name*, or return ``None`` if that module (or a parent) does not exist yet.

    Any other import error propagates: a module that exists but is broken must fail the
    build.
    """
    try:
        return importlib.import_module(name)
    except ModuleNotFoundError as exc:
        parts = name.split(".")
        missing = {".".join(parts[: i + 1]) for i in range(len(parts))}
        if exc.name in missing:
            return None
        raise


def _pending(text: str) -> list[nodes.Node]:
    note = nodes.note()
    note += nodes.paragraph(text=text)
    return [note]


def _generated_dir(srcdir: str | Path) -> Path:
    path = Path(srcdir) / GENERATED
    path.mkdir(exist_ok=True)
    return path


def _image(uri: str, alt: str, width: str | None = None) -> nodes.image:
    node = nodes.image(uri=uri, alt=alt)
    if width:
        node["width"] = width
    return node


def _save_svg(figure: Any, path: Path) -> None:
    import matplotlib

    matplotlib.rcParams["svg.hashsalt"] = "ascc_salvage"
    figure.savefig(path, format="svg", bbox_inches="tight", metadata={"Date": None})


# -- API reference: one page per public module ---------------------------------------------

#: The folder of the API reference: one page per public module, named after the module.
API_DIR: Final = "api"

_API_BLOCK = re.compile(r"^```\{api-module\}[ \t]+(?P<name>[\w.]+)[ \t]*\n```[ \t]*$", re.M)


def api_pages(srcdir: str | Path) -> dict[str, str]:
    """Map each module with a page in ``docs/api/`` to that page's docname.

    A page is a Markdown file whose ``api-module`` block names the module it documents.
    """
    pages: dict[str, str] = {}
    for path in sorted((Path(srcdir) / API_DIR).glob("*.md")):
        for match in _API_BLOCK.finditer(path.read_text(encoding="utf-8")):
            pages[match.group("name")] = f"{API_DIR}/{path.stem}"
    return pages


def _is_data(value: object) -> bool:
    return not (inspect.isclass(value) or inspect.isroutine(value) or inspect.ismodule(value))


_ASSIGNED: dict[str, frozenset[str]] = {}


def _assigned_names(module: ModuleType) -> frozenset[str]:
    """The names a module's own source assigns at top level (not the names it imports)."""
    if module.__name__ not in _ASSIGNED:
        import ast

        names: set[str] = set()
        try:
            tree = ast.parse(inspect.getsource(module))
        except (OSError, TypeError):  # no source: nothing is defined here as far as we know
            tree = ast.Module(body=[], type_ignores=[])
        for statement in tree.body:
            if isinstance(statement, ast.Assign):
                targets = statement.targets
            elif isinstance(statement, ast.AnnAssign):
                targets = [statement.target]
            elif type(statement).__name__ == "TypeAlias":  # ``type X = ...`` (Python 3.12+)
                targets = [statement.name]  # type: ignore[attr-defined]
            else:
                continue
            names.update(target.id for target in targets if isinstance(target, ast.Name))
        _ASSIGNED[module.__name__] = frozenset(names)
    return _ASSIGNED[module.__name__]


def canonical_names(module_names: list[str]) -> dict[str, str]:
    """Map every public name ``module.attr`` to the full name it is documented under.

    A name exported by several public modules (the package root re-exports ``Case`` from
    ``ascc_salvage.case``) is documented once, in its *home*: the module that defines it if
    that module is public, else the nearest public parent of the defining module that exports
    it, else the most specific module that exports it. Data (constants, aliases) count as
    defined where the module's source assigns them. Every other module lists the name as a
    re-export linking to the home.
    """
    # Objects exported by several modules, grouped by identity: classes and functions have
    # one; data are grouped by name too (two modules may export the same small int).
    groups: dict[tuple[str, int], list[tuple[str, str, object]]] = {}
    for name in module_names:
        module = optional_module(name)
        if module is None:
            continue
        for attr in getattr(module, "__all__", ()):
            value = getattr(module, attr)
            key = (attr if _is_data(value) else "", id(value))
            groups.setdefault(key, []).append((name, attr, value))
    homes: dict[str, str] = {}
    for (data_name, _), exporters in groups.items():
        names = [name for name, _, _ in exporters]
        home: tuple[str, str, object] | None = None
        if data_name:
            defining = [e for e in exporters if data_name in _assigned_names(_module(e[0]))]
            home = defining[0] if len(defining) == 1 else None
        else:
            candidate = getattr(exporters[0][2], "__module__", "") or ""
            while candidate and home is None:
                if candidate in names:
                    home = exporters[names.index(candidate)]
                candidate = candidate.rpartition(".")[0]
        if home is None:
            home = max(exporters, key=lambda exporter: exporter[0].count("."))
        for name, attr, _ in exporters:
            homes[f"{name}.{attr}"] = f"{home[0]}.{home[1]}"
    return homes


def _module(name: str) -> ModuleType:
    return importlib.import_module(name)


_CANONICAL: dict[str, dict[str, str]] = {}


def _homes(srcdir: str | Path) -> dict[str, str]:
    key = str(srcdir)
    if key not in _CANONICAL:
        _CANONICAL[key] = canonical_names(list(api_pages(srcdir)))
    return _CANONICAL[key]


def _api_page(name: str, module: ModuleType, homes: dict[str, str]) -> str:
    """MyST Markdown documenting the names of the module's ``__all__`` that live here.

    ``automodule :members:`` documents the classes and functions. autodoc skips data
    (constants, type aliases, ``__version__``) that a module imports from elsewhere, so
    every data name is documented by its own ``autodata`` directive instead; simple values
    are shown, large ones are not. Names documented in another module are listed with a link.
    """
    exported = list(getattr(module, "__all__", ()))
    here = [attr for attr in exported if homes.get(f"{name}.{attr}") == f"{name}.{attr}"]
    elsewhere = [attr for attr in exported if attr not in here]
    data = [attr for attr in here if _is_data(getattr(module, attr, None))]
    lines = [
        f".. automodule:: {name}",
        "   :members:",
        "   :undoc-members:",
        "   :show-inheritance:",
    ]
    if data or elsewhere:
        lines.append(f"   :exclude-members: {', '.join(data + elsewhere)}")
    for attr in data:
        lines += ["", f".. autodata:: {name}.{attr}"]
        if not isinstance(getattr(module, attr), (str, int, float)):
            lines.append("   :no-value:")
    # autodoc emits reStructuredText, so the directives run inside eval-rst.
    parts = [f"```{{eval-rst}}\n{chr(10).join(lines)}\n```\n"]
    if elsewhere:
        parts.append(
            f"## Re-exported names\n\nThese names are importable from `{name}` and documented "
            "where they are defined.\n\n| name | documented as |\n|---|---|"
        )
        parts += [
            f"| `{attr}` | {{py:obj}}`{homes[f'{name}.{attr}']}` |" for attr in sorted(elsewhere)
        ]
        parts.append("")
    return "\n".join(parts)


def _expand_api_module(app: Sphinx, docname: str, source: list[str]) -> None:
    if not docname.startswith(f"{API_DIR}/"):
        return
    text = source[0]

    def expand(match: re.Match[str]) -> str:
        name = match.group("name")
        module = optional_module(name)
        if module is None:
            return ":::{note}\nThis module is planned and not part of this version yet.\n:::\n"
        return _api_page(name, module, _homes(app.srcdir))

    source[0] = _API_BLOCK.sub(expand, text)


def _resolve_reexport(
    app: Sphinx, env: Any, node: nodes.Element, contnode: nodes.Element
) -> nodes.Node | None:
    """Resolve a reference to a re-exported name (``ascc_salvage.Case``) to its home."""
    if node.get("refdomain") != "py":
        return None
    target = node.get("reftarget", "")
    home = _homes(app.srcdir).get(target)
    if home is None or home == target:
        return None
    domain = env.get_domain("py")
    for role in (node["reftype"], "obj"):
        found = domain.resolve_xref(
            env, node.get("refdoc", ""), app.builder, role, home, node, contnode
        )
        if found is not None:
            return found
    return None


def _note_aliases(
    app: Sphinx, what: str, name: str, obj: object, options: Any, lines: list[str]
) -> None:
    """End the documentation of a re-exported object with the other names it has."""
    if what not in {"class", "exception", "function", "data"}:
        return
    aliases = sorted(
        alias for alias, home in _homes(app.srcdir).items() if home == name and alias != name
    )
    if aliases:
        names = ", ".join(f"``{alias}``" for alias in aliases)
        lines += ["", f"Also importable as {names}."]


def _data_docstring(
    app: Sphinx, what: str, name: str, obj: object, options: Any, lines: list[str]
) -> None:
    """Give re-exported data the ``#:`` comment of the module that defines it.

    For a value without a docstring of its own (a dict, a union type …) autodoc falls back
    to the docstring of its *type* ("dict() -> new empty dictionary …"). Replace that with
    the documentation comment written where the name is defined, or with nothing.
    """
    if what != "data" or getattr(obj, "__doc__", None) != getattr(type(obj), "__doc__", None):
        return
    del lines[:]
    import sys

    from sphinx.pycode import ModuleAnalyzer

    package, _, attr = name.rpartition(".")
    root = package.split(".")[0]
    for module_name, module in sorted(sys.modules.items()):
        if module is None or not module_name.startswith(root):
            continue
        if vars(module).get(attr, object()) is not obj:
            continue
        try:
            docs = ModuleAnalyzer.for_module(module_name).find_attr_docs()
        except Exception:  # no source (built-in or compiled): nothing to add
            continue
        if ("", attr) in docs:
            lines.extend(docs[("", attr)])
            return


# -- changelog ---------------------------------------------------------------------------


def _changelog(app: Sphinx, docname: str, source: list[str]) -> None:
    if docname != "changelog":
        return
    changelog = Path(app.srcdir).parent / "CHANGELOG.md"
    if changelog.is_file():
        source[0] = "```{include} ../CHANGELOG.md\n:relative-docs: ../\n:relative-images:\n```\n"
    else:
        source[0] = "# Changelog\n\nNo release has been recorded yet.\n"


# -- evidence ------------------------------------------------------------------------------

_EVIDENCE_COLUMNS = (
    ("id", "Id", 12),
    ("study", "Study", 12),
    ("design", "Design", 16),
    ("n", "n", 4),
    ("ocebm", "OCEBM", 4),
    ("grade", "GRADE", 6),
)

#: Where each identifier of an evidence item links to, by the key of its evidence row.
IDENTIFIER_LINKS: Final = (
    ("doi", "DOI", "https://doi.org/{}"),
    ("pmid", "PMID", "https://pubmed.ncbi.nlm.nih.gov/{}/"),
    ("pmcid", "PMCID", "https://www.ncbi.nlm.nih.gov/pmc/articles/{}/"),
    ("nct", "ClinicalTrials.gov", "https://clinicaltrials.gov/study/{}"),
)

_OUTCOME_UNITS: Final = {"percent": " %", "months": " months", "weeks": " weeks", "Gy": " Gy"}


def evidence_node_id(evidence_id: str) -> str:
    """The HTML id of an evidence item's detail block."""
    return nodes.make_id(f"evidence-{evidence_id}")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(_text(v) for v in value)
    return str(value)


def _grade(value: Any) -> str:
    return _text(value).replace("_", " ")


def _identifier_links(item: Any) -> nodes.paragraph:
    """The identifiers the knowledge base holds for *item*, as links, with their status.

    Only identifiers recorded in the knowledge base are shown (never one built from the
    citation); one whose status is recorded is marked with it.
    """
    status = {str(entry.kind): str(entry.status) for entry in item.identifier_status}
    paragraph = nodes.paragraph()
    shown = 0
    for key, label, url in IDENTIFIER_LINKS:
        value = getattr(item, key)
        if not value:
            continue
        paragraph += nodes.Text("; " if shown else "")
        paragraph += nodes.Text(f"{label} ")
        paragraph += nodes.reference(value, value, refuri=url.format(value))
        if key in status:
            paragraph += nodes.Text(f" ({status[key]})")
        shown += 1
    if not shown:
        paragraph += nodes.Text("none recorded")
    if item.identifier_note:
        paragraph += nodes.Text(f" — {item.identifier_note}")
    return paragraph


def _outcome_text(outcome: Any) -> str:
    unit = str(outcome.unit)
    value = f"{outcome.value:g}" + _OUTCOME_UNITS.get(unit, f" ({unit})")
    if outcome.ci_low is not None and outcome.ci_high is not None:
        value += f", 95 % CI {outcome.ci_low:g}–{outcome.ci_high:g}"
    context = [part for part in (outcome.arm, outcome.population, outcome.timepoint) if part]
    text = f"{outcome.name.replace('_', ' ')}: {value}"
    if context:
        text += f" — {', '.join(context)}"
    if outcome.note:
        text += f"; {outcome.note}"
    return text


def _field(name: str, body: nodes.Node | str) -> nodes.field:
    value = nodes.paragraph(text=body) if isinstance(body, str) else body
    return nodes.field("", nodes.field_name(text=name), nodes.field_body("", value))


class EvidenceTable(SphinxDirective):
    """The evidence items as a compact overview table, sortable in the browser.

    One row per item (id, study, design, n, OCEBM level, GRADE certainty); the id links to the
    item's detail block (``evidence-details``). The table reads as it is without JavaScript;
    ``_static/sortable-tables.js`` sorts it by a column when its header is clicked.
    """

    has_content = False

    def run(self) -> list[nodes.Node]:
        knowledge = optional_module("ascc_salvage.knowledge")
        if knowledge is None:
            return _pending(
                "The evidence table is generated from ascc_salvage.knowledge.evidence_rows() "
                "at build time; that module is not part of this version yet."
            )
        from ascc_salvage.plot import study_label

        self.env.note_dependency(knowledge.__file__)
        rows: list[list[nodes.Node]] = []
        for item in knowledge.evidence_items():
            first = nodes.paragraph()
            link = nodes.reference("", "", internal=True, refid=evidence_node_id(item.id))
            link += nodes.literal(text=item.id)
            first += link
            rows.append(
                [
                    first,
                    nodes.paragraph(text=study_label(item)),
                    nodes.paragraph(text=item.design),
                    nodes.paragraph(text=_text(item.n) or "–"),
                    nodes.paragraph(text=_text(item.ocebm)),
                    nodes.paragraph(text=_grade(item.grade) or "–"),
                ]
            )
        table = _table(_EVIDENCE_COLUMNS, rows)
        table["classes"] = ["sortable", "evidence-overview"]
        return [table]


class EvidenceDetails(SphinxDirective):
    """One block per evidence item: citation, linked identifiers, grades, status, outcomes.

    Each block is the target of the item's ``{evidence}`` references and of its row in the
    overview table (``evidence-table``).
    """

    has_content = False

    def run(self) -> list[nodes.Node]:
        knowledge = optional_module("ascc_salvage.knowledge")
        if knowledge is None:
            return _pending("The evidence items are generated from ascc_salvage.knowledge.")
        from ascc_salvage.plot import study_label

        self.env.note_dependency(knowledge.__file__)
        std = self.env.get_domain("std")
        status = {row["id"]: _status(dict(row)) for row in knowledge.evidence_rows()}
        blocks: list[nodes.Node] = []
        for item in knowledge.evidence_items():
            node_id = evidence_node_id(item.id)
            block = nodes.container(classes=["evidence-item"], ids=[node_id])
            title = nodes.paragraph(classes=["evidence-item-title"])
            title += nodes.literal(text=item.id)
            title += nodes.Text(f" — {study_label(item)}")
            block += title
            fields = nodes.field_list()
            fields += _field("Citation", item.citation)
            fields += _field("Identifiers", _identifier_links(item))
            design = item.design + (f", n = {item.n}" if item.n is not None else "")
            fields += _field("Design", design)
            fields += _field("Population", item.population)
            grades = f"OCEBM 2011 level {_text(item.ocebm)}"
            if item.grade is not None:
                grades += f"; GRADE {_grade(item.grade)}"
            fields += _field("Grades", grades)
            fields += _field("Verification", status[item.id])
            if item.interventions:
                fields += _field("Interventions", ", ".join(item.interventions))
            fields += _field("Summary", item.summary)
            if item.outcomes:
                outcomes = nodes.bullet_list()
                for outcome in item.outcomes:
                    outcomes += nodes.list_item("", nodes.paragraph(text=_outcome_text(outcome)))
                fields += _field("Outcomes", outcomes)
            block += fields
            std.note_object("evidence", item.id, node_id, location=(self.env.docname, self.lineno))
            blocks.append(block)
        return blocks


def _status(row: dict[str, Any]) -> str:
    scope = row.get("verification_scope")
    status = _text(row.get("verification"))
    return f"{status} ({scope})" if scope else status


def _table(columns: tuple[tuple[str, str, int], ...], rows: list[list[nodes.Node]]) -> nodes.table:
    table = nodes.table(classes=["longtable"])
    group = nodes.tgroup(cols=len(columns))
    table += group
    for _, _, width in columns:
        group += nodes.colspec(colwidth=width)
    head = nodes.thead()
    group += head
    header = nodes.row()
    for _, title, _ in columns:
        header += nodes.entry("", nodes.paragraph(text=title))
    head += header
    body = nodes.tbody()
    group += body
    for cells in rows:
        row = nodes.row()
        for cell in cells:
            row += nodes.entry("", cell)
        body += row
    return table


_APPROVAL_COLUMNS = (
    ("agent", "Agent", 12),
    ("jurisdiction", "Jurisdiction", 10),
    ("indication", "Indication", 40),
    ("date", "Date", 10),
    ("status", "Status", 10),
)


class ApprovalsTable(SphinxDirective):
    """Render the regulatory approvals (and recorded absences) of the knowledge base."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        knowledge = optional_module("ascc_salvage.knowledge")
        if knowledge is None:
            return _pending("The approvals table is generated from ascc_salvage.knowledge.")
        self.env.note_dependency(knowledge.__file__)
        import datetime

        agents: dict[str, None] = {}
        for regimen in knowledge.regimens():
            agents.update(dict.fromkeys(regimen.agents))
        absences = knowledge.approval_absences()
        agents.update(dict.fromkeys(a.agent for a in absences))
        rows: list[list[str]] = []
        seen: set[tuple[Any, ...]] = set()
        for agent in agents:
            for jurisdiction in ("US", "EU"):
                in_force = knowledge.approvals_in_force(
                    knowledge.bundled(), jurisdiction, datetime.date.max
                )  # anal-cancer and tumour-agnostic approvals
                for approval in (a for a in in_force if a.agent == agent):
                    key = (
                        approval.agent,
                        approval.jurisdiction,
                        approval.indication,
                        approval.date,
                    )
                    if key in seen:
                        continue
                    seen.add(key)
                    text = approval.indication_text
                    if approval.note:
                        text = f"{text} ({approval.note})"
                    rows.append(
                        [
                            approval.agent,
                            f"{approval.jurisdiction} ({approval.regulator})",
                            text,
                            approval.date_text,
                            str(approval.status),
                        ]
                    )
        for absence in absences:
            rows.append(
                [
                    absence.agent,
                    ", ".join(absence.jurisdictions),
                    f"no anal-cancer-specific approval: {absence.note}",
                    "—",
                    str(absence.status),
                ]
            )
        cells = [[nodes.paragraph(text=value) for value in row] for row in rows]
        return [_table(_APPROVAL_COLUMNS, cells)]


_THRESHOLD_COLUMNS = (
    ("name", "Threshold", 16),
    ("value", "Value", 7),
    ("note", "Meaning", 40),
    ("sources", "Evidence", 14),
    ("policy", "Library policy", 7),
)


def _evidence_refs(ids: tuple[str, ...]) -> nodes.paragraph:
    from sphinx import addnodes

    paragraph = nodes.paragraph()
    for i, evidence_id in enumerate(ids):
        if i:
            paragraph += nodes.Text(", ")
        ref = addnodes.pending_xref(
            "", refdomain="std", reftype="evidence", reftarget=evidence_id, refexplicit=False
        )
        ref += nodes.literal(text=evidence_id)
        paragraph += ref
    return paragraph


class ThresholdsTable(SphinxDirective):
    """Render the clinical thresholds of the knowledge base, marking library policy."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        knowledge = optional_module("ascc_salvage.knowledge")
        if knowledge is None:
            return _pending("The thresholds table is generated from ascc_salvage.knowledge.")
        self.env.note_dependency(knowledge.__file__)
        rows: list[list[nodes.Node]] = []
        for name, threshold in knowledge.thresholds().items():
            value = f"{threshold.value:g}" + (f" {threshold.unit}" if threshold.unit else "")
            rows.append(
                [
                    nodes.paragraph("", "", nodes.literal(text=name)),
                    nodes.paragraph(text=value),
                    nodes.paragraph(text=threshold.note),
                    _evidence_refs(tuple(threshold.sources)),
                    nodes.paragraph(text="library policy" if threshold.policy else ""),
                ]
            )
        return [_table(_THRESHOLD_COLUMNS, rows)]


def _evidence_missing_reference(
    app: Sphinx, env: Any, node: nodes.Element, contnode: nodes.Node
) -> nodes.Node | None:
    """Keep ``{evidence}`` references as plain text while the knowledge base is absent."""
    if node.get("reftype") != "evidence":
        return None
    if optional_module("ascc_salvage.knowledge") is None:
        return contnode
    return None  # an unknown id with a knowledge base present is a real error


_RULE_COLUMNS: Final = (
    ("rule", "Rule", 3),
    ("situation", "Situation (conditions)", 9),
    ("preferred", "Preferred", 9),
    ("alternative", "Alternative", 9),
    ("other", "Undetermined / not recommended", 9),
)


def _outcome_items(outcomes: list[Any], template_text: Any) -> nodes.Node:
    items = nodes.bullet_list()
    for outcome in outcomes:
        paragraph = nodes.paragraph()
        for i, option in enumerate(outcome.options):
            paragraph += nodes.Text(", " if i else "")
            paragraph += nodes.literal(text=str(option))
        if outcome.remaining:
            paragraph += nodes.Text("every other option")
        if outcome.tier.value in ("undetermined", "not_recommended"):
            paragraph += nodes.Text(f" ({outcome.tier.value})")
        paragraph += nodes.Text(f": {template_text(outcome.reason)}")
        if getattr(outcome, "offer", False):
            paragraph += nodes.Text("; if the shared criteria allow")
        if outcome.flags:
            paragraph += nodes.Text("; flags ")
            for i, flag in enumerate(outcome.flags):
                paragraph += nodes.Text(", " if i else "")
                paragraph += nodes.literal(text=str(flag))
        if outcome.screen:
            paragraph += nodes.Text(f"; only if the §6 screen allows it ({outcome.screen})")
        if getattr(outcome, "unless_preferred", None) is not None:
            paragraph += nodes.Text("; unless ")
            paragraph += nodes.literal(text=str(outcome.unless_preferred))
            paragraph += nodes.Text(" ends preferred")
        if outcome.criteria:
            paragraph += nodes.Text("; criteria ")
            for i, name in enumerate(outcome.criteria):
                paragraph += nodes.Text(", " if i else "")
                paragraph += nodes.literal(text=name)
        if outcome.evidence:
            paragraph += nodes.Text(" (")
            paragraph += _evidence_refs(tuple(outcome.evidence)).children
            paragraph += nodes.Text(")")
        items += nodes.list_item("", paragraph)
    return items


def _when(row: Any, template_text: Any) -> nodes.Node:
    from ascc_salvage.knowledge import warning_text

    cell = nodes.container()
    cell += nodes.paragraph(text=template_text(row.situation))
    if row.when:
        conditions = nodes.paragraph()
        for i, (name, value) in enumerate(row.when.items()):
            conditions += nodes.Text(", " if i else "")
            conditions += nodes.literal(text=f"{name} = {str(value).lower()}")
        cell += conditions
    else:
        cell += nodes.paragraph(text="default row: no other row matches")
    for warning in row.warning:
        raised = nodes.paragraph(text="warning ")
        raised += nodes.literal(text=str(warning.code))
        raised += nodes.Text(f": {warning_text(warning.code)}")
        cell += raised
    return cell


class RuleTable(SphinxDirective):
    """Render one pathway section from its rule table; the argument is the section (``7``)."""

    required_arguments = 1
    has_content = False

    def run(self) -> list[nodes.Node]:
        knowledge = optional_module("ascc_salvage.knowledge")
        if knowledge is None:
            return _pending("This table is generated from the knowledge-base rule tables.")
        from ascc_salvage._conditions import ROUTINES
        from ascc_salvage.engine._rules import template_text

        table = knowledge.rule_table(self.arguments[0])
        self.env.note_dependency(str(Path(knowledge.__file__).parent / "data" / table.file))
        rows: list[list[nodes.Node]] = []
        for row in table.rows:
            by_tier: dict[str, list[Any]] = {"preferred": [], "alternative": [], "other": []}
            for outcome in row.then:
                by_tier.get(outcome.tier.value, by_tier["other"]).append(outcome)
            preferred = _outcome_items(by_tier["preferred"], template_text)
            steps: list[nodes.Node] = []
            if row.route:
                routine = nodes.paragraph()
                routine += nodes.literal(text=row.route)
                routine += nodes.Text(f": {ROUTINES[row.route]}")
                steps.append(routine)
            if row.table:
                hand_over = nodes.paragraph()
                hand_over += nodes.Text("continues with the table of §")
                hand_over += nodes.literal(text=row.table)
                steps.append(hand_over)
            for index, step in enumerate(steps):
                preferred.insert(index, nodes.list_item("", step))
            if row.after:
                after = nodes.paragraph()
                after += nodes.Text("then ")
                after += nodes.literal(text=row.after)
                after += nodes.Text(f": {ROUTINES[row.after]}")
                preferred += nodes.list_item("", after)
            label = nodes.paragraph()
            label += nodes.literal(text=row.rule_id)
            if row.rule_id != row.id:
                label += nodes.Text(f" (row {row.id})")
            rows.append(
                [
                    label,
                    _when(row, template_text),
                    preferred,
                    _outcome_items(by_tier["alternative"], template_text),
                    _outcome_items(by_tier["other"], template_text),
                ]
            )
        result: list[nodes.Node] = [_table(_RULE_COLUMNS, rows)]
        if table.partial:
            result.append(nodes.paragraph(text="When no row applies, the table changes nothing."))
        if table.common:
            note = nodes.paragraph(text="Whichever row applies (with that row's rule id):")
            result += [note, _outcome_items(list(table.common), template_text)]
        source = nodes.paragraph()
        source += nodes.Text("Generated from ")
        source += nodes.literal(text=f"knowledge/data/rules/{Path(table.file).name}")
        source += nodes.Text(f" (knowledge base {knowledge.VERSION}).")
        result.append(source)
        return result


class SiteSets(SphinxDirective):
    """Render the named site sets of the knowledge base (``anatomy.toml``)."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        knowledge = optional_module("ascc_salvage.knowledge")
        if knowledge is None:
            return _pending("The site sets are generated from the knowledge base.")
        self.env.note_dependency(str(Path(knowledge.__file__).parent / "data" / "anatomy.toml"))
        sets = knowledge.bundled().site_sets
        rows: list[list[nodes.Node]] = []
        for name, description in sets.descriptions.items():
            members = nodes.paragraph()
            for i, member in enumerate(sorted(str(m) for m in getattr(sets, name))):
                members += nodes.Text(", " if i else "")
                members += nodes.literal(text=member)
            rows.append(
                [
                    nodes.paragraph("", "", nodes.literal(text=name)),
                    nodes.paragraph(text=description),
                    members,
                ]
            )
        columns = (
            ("name", "Set", 4),
            ("description", "What it is", 10),
            ("members", "Members", 10),
        )
        source = nodes.paragraph()
        source += nodes.Text("Generated from ")
        source += nodes.literal(text="knowledge/data/anatomy.toml")
        source += nodes.Text(f" (knowledge base {knowledge.VERSION}).")
        return [_table(columns, rows), source]


class ConditionRegistry(SphinxDirective):
    """Render the conditions and routines that rule tables may name."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        conditions = optional_module("ascc_salvage._conditions")
        if conditions is None:
            return _pending("The condition registry is generated from ascc_salvage.")
        self.env.note_dependency(conditions.__file__)
        rows: list[list[nodes.Node]] = []
        for name, spec in conditions.CONDITIONS.items():
            fields = nodes.paragraph()
            for i, field in enumerate(spec.fields):
                fields += nodes.Text(", " if i else "")
                fields += nodes.literal(text=field)
            rows.append(
                [
                    nodes.paragraph("", "", nodes.literal(text=name)),
                    nodes.paragraph(text=spec.description.replace("``", "")),
                    fields,
                    nodes.paragraph(text="yes" if spec.three_valued else "no"),
                ]
            )
        columns = (
            ("name", "Condition", 4),
            ("description", "States", 12),
            ("fields", "Reads", 6),
            ("unknown", "Can be unknown", 3),
        )
        routines = nodes.bullet_list()
        for name, description in conditions.ROUTINES.items():
            item = nodes.paragraph()
            item += nodes.literal(text=name)
            item += nodes.Text(f": {description}")
            routines += nodes.list_item("", item)
        return [_table(columns, rows), nodes.paragraph(text="Routines:"), routines]


def _inline(text: str) -> nodes.paragraph:
    """A paragraph of *text* with its ```code``` spans as literals."""
    paragraph = nodes.paragraph()
    for index, part in enumerate(text.replace("``", "`").split("`")):
        if part:
            paragraph += nodes.literal(text=part) if index % 2 else nodes.Text(part)
    return paragraph


class OptionCatalogue(SphinxDirective):
    """Render the option catalogue of the knowledge base (``catalogue.toml``)."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        knowledge = optional_module("ascc_salvage.knowledge")
        if knowledge is None:
            return _pending("The option catalogue is generated from ascc_salvage.knowledge.")
        self.env.note_dependency(knowledge.__file__)
        rows: list[list[nodes.Node]] = [
            [
                nodes.paragraph("", "", nodes.literal(text=str(entry.id))),
                nodes.paragraph(text=entry.label),
                nodes.paragraph(text=entry.description),
                nodes.paragraph(text=entry.kind),
                nodes.paragraph("", "", nodes.literal(text=str(entry.intent))),
            ]
            for entry in knowledge.catalogue()
        ]
        columns = (
            ("id", "id", 5),
            ("label", "label", 6),
            ("description", "description", 12),
            ("kind", "kind", 5),
            ("intent", "intent", 4),
        )
        return [_table(columns, rows)]


class CriteriaReference(SphinxDirective):
    """Render :class:`ascc_salvage.vocabulary.CriterionId`: every criterion id and its meaning."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        vocabulary = optional_module("ascc_salvage.vocabulary")
        knowledge = optional_module("ascc_salvage.knowledge")
        if vocabulary is None or knowledge is None:
            return _pending("The criteria reference is generated from ascc_salvage.vocabulary.")
        self.env.note_dependency(vocabulary.__file__)
        rows: list[list[nodes.Node]] = []
        for member in vocabulary.CriterionId:
            names = [name for _, name, _, _ in string.Formatter().parse(member.meaning) if name]
            meaning = member.meaning.format_map(
                {name: knowledge.threshold_text(name) for name in names}
            )
            rows.append(
                [
                    nodes.paragraph("", "", nodes.literal(text=str(member))),
                    nodes.paragraph(text=member.sections),
                    _inline(meaning),
                ]
            )
        columns = (
            ("id", "criterion id", 6),
            ("sections", "section", 2),
            ("meaning", "meaning", 14),
        )
        return [_table(columns, rows)]


class WarningTemplates(SphinxDirective):
    """Render the message templates of the result warnings (``warnings.toml``)."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        knowledge = optional_module("ascc_salvage.knowledge")
        if knowledge is None:
            return _pending("The warning messages are generated from ascc_salvage.knowledge.")
        self.env.note_dependency(knowledge.__file__)
        rows: list[list[nodes.Node]] = []
        for code, template in knowledge.bundled().warnings.items():
            values = nodes.paragraph()
            for index, name in enumerate(template.values):
                values += nodes.Text(", " if index else "")
                values += nodes.literal(text=name)
            rows.append(
                [
                    nodes.paragraph("", "", nodes.literal(text=str(code))),
                    nodes.paragraph(text=template.template),
                    values,
                ]
            )
        columns = (
            ("code", "warning", 5),
            ("template", "message", 14),
            ("values", "case values", 4),
        )
        return [_table(columns, rows)]


class ForestPlot(SphinxDirective):
    """Draw one outcome across evidence items with :func:`ascc_salvage.plot.forest_plot`.

    The argument is the outcome name; the ``items`` option restricts the plot to some
    evidence ids (comma-separated).
    """

    required_arguments = 1
    has_content = False
    option_spec: ClassVar[dict[str, Any]] = {
        "items": directives.unchanged,
        "alt": directives.unchanged,
    }

    def run(self) -> list[nodes.Node]:
        plot = optional_module("ascc_salvage.plot")
        if plot is None:
            return _pending(
                "The forest plot is drawn by ascc_salvage.plot.forest_plot() at build time; "
                "that module is not part of this version yet."
            )
        self.env.note_dependency(plot.__file__)
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt

        outcome = self.arguments[0]
        items = [i.strip() for i in self.options.get("items", "").split(",") if i.strip()]
        figure, _ = plot.forest_plot(outcome, items=items or None)
        name = f"forest_{nodes.make_id(outcome)}"
        if items:
            import hashlib

            name += "_" + hashlib.sha256(",".join(items).encode()).hexdigest()[:8]
        path = _generated_dir(self.env.srcdir) / f"{name}.svg"
        _save_svg(figure, path)
        plt.close(figure)
        alt = self.options.get("alt", f"Forest plot: {outcome.replace('_', ' ')}")
        return [_image(f"/{GENERATED}/{path.name}", alt)]


class PathwayDiagram(SphinxDirective):
    """Draw one decision diagram of the clinical pathway; the argument names it.

    The names are those of :data:`pathway_diagram.FIGURES` (``assessment``,
    ``locoregional``, ``distant``); each is shown at the page width with its number and
    title as the caption.
    """

    required_arguments = 1
    has_content = False

    def run(self) -> list[nodes.Node]:
        import pathway_diagram

        self.env.note_dependency(pathway_diagram.__file__)
        name = self.arguments[0]
        if name not in pathway_diagram.FIGURES:
            raise self.error(
                f"unknown pathway diagram {name!r}; one of {', '.join(pathway_diagram.FIGURES)}"
            )
        spec = pathway_diagram.FIGURES[name]
        number = list(pathway_diagram.FIGURES).index(name) + 1
        filename = f"pathway_{name}.svg"
        pathway_diagram.write_svg(name, _generated_dir(self.env.srcdir) / filename)
        caption = f"Figure {number}. {spec.title}"
        figure = nodes.figure(ids=[nodes.make_id(f"pathway-figure-{name}")])
        figure += _image(f"/{GENERATED}/{filename}", f"Decision diagram: {spec.title}", "100%")
        figure += nodes.caption(caption, caption)
        return [figure]


class CliExcerpt(SphinxDirective):
    """Run an ``ascc-salvage`` command at build time and show the start of its output.

    The argument is the command line after ``ascc-salvage``; ``:lines:`` is how many lines
    of the output to show (all by default) and ``:columns:`` the terminal width the command
    sees (80 by default). The output is never copied by hand, so it follows the library; a
    command that fails fails the build.
    """

    required_arguments = 1
    final_argument_whitespace = True
    has_content = False
    option_spec: ClassVar[dict[str, Any]] = {
        "lines": directives.positive_int,
        "columns": directives.positive_int,
    }

    def run(self) -> list[nodes.Node]:
        import shlex

        from click.testing import CliRunner

        from ascc_salvage.cli import cli

        command = self.arguments[0]
        columns = self.options.get("columns", 80)
        runner = CliRunner()
        outcome = runner.invoke(
            cli, shlex.split(command), env={"COLUMNS": str(columns)}, terminal_width=columns
        )
        if outcome.exit_code != 0:
            raise self.error(
                f"ascc-salvage {command} exited with status {outcome.exit_code}: "
                f"{outcome.output[-500:]}"
            )
        lines = outcome.output.rstrip("\n").splitlines()
        shown = self.options.get("lines", len(lines))
        text = "\n".join([f"$ ascc-salvage {command}", *lines[:shown]])
        if shown < len(lines):
            text += f"\n… ({len(lines) - shown} more lines)"
        block = nodes.literal_block(text, text, language="text")
        return [nodes.container("", block, classes=["cli-excerpt"])]


def _public_bases(app: Sphinx, name: str, obj: Any, options: Any, bases: list[type]) -> None:
    """Leave private base classes (``_CaseObject``) out of "Bases:": they are not documented."""
    bases[:] = [base for base in bases if not base.__name__.startswith("_")] or [object]


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the directives, role and event handlers."""
    app.add_crossref_type("evidence", "evidence", objname="evidence item")
    app.add_directive("evidence-table", EvidenceTable)
    app.add_directive("evidence-details", EvidenceDetails)
    app.add_directive("approvals-table", ApprovalsTable)
    app.add_directive("thresholds-table", ThresholdsTable)
    app.add_directive("rule-table", RuleTable)
    app.add_directive("site-sets", SiteSets)
    app.add_directive("condition-registry", ConditionRegistry)
    app.add_directive("option-catalogue", OptionCatalogue)
    app.add_directive("criteria-reference", CriteriaReference)
    app.add_directive("warning-templates", WarningTemplates)
    app.add_directive("forest-plot", ForestPlot)
    app.add_directive("pathway-diagram", PathwayDiagram)
    app.add_directive("cli-excerpt", CliExcerpt)
    app.connect("source-read", _expand_api_module)
    app.connect("source-read", _changelog)
    app.connect("missing-reference", _evidence_missing_reference)
    app.connect("autodoc-process-docstring", _data_docstring)
    app.connect("autodoc-process-docstring", _note_aliases)
    app.connect("missing-reference", _resolve_reexport)
    app.connect("autodoc-process-bases", _public_bases)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
