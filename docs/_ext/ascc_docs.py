"""Local Sphinx extension for the ascc_salvage documentation.

It provides:

* ``api-modules`` — a fenced block in ``api.md`` listing public modules, one per line,
  expanded before parsing into one section per module (``automodule`` with ``:members:``);
  a module that does not exist yet is shown as planned;
* ``evidence-table`` — the evidence table, generated from
  :func:`ascc_salvage.knowledge.evidence_rows` at build time (never a copied table);
* ``approvals-table`` — the regulatory approvals, from :mod:`ascc_salvage.knowledge`;
* ``thresholds-table`` — the clinical thresholds, marking those that are library policy;
* ``site-sets`` — the named site sets of ``anatomy.toml`` (§3).
* ``rule-table`` — one section of the clinical pathway, generated from its rule table in
  the knowledge base (``knowledge/data/rules/*.toml``; never a hand-written copy);
* ``condition-registry`` — the conditions and routines rule tables may name;
* ``forest-plot`` — a forest plot drawn by :func:`ascc_salvage.plot.forest_plot`;
* ``pathway-diagram`` — the decision diagram of the clinical pathway, drawn with
  matplotlib (see :mod:`pathway_diagram`);
* the ``{evidence}`` role, linking an evidence id to its row in the evidence table;
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


# -- api-modules -----------------------------------------------------------------------

_API_BLOCK = re.compile(r"^```\{api-modules\}[^\n]*\n(?P<body>.*?)^```[ \t]*$", re.M | re.S)


def api_module_names(text: str) -> list[str]:
    """Return the module names listed in the ``api-modules`` blocks of *text*."""
    names: list[str] = []
    for match in _API_BLOCK.finditer(text):
        for line in match.group("body").splitlines():
            line = line.strip()
            if line and not line.startswith("#"):
                names.append(line)
    return names


def _is_data(value: object) -> bool:
    return not (inspect.isclass(value) or inspect.isroutine(value) or inspect.ismodule(value))


def reexport_home(name: str, attr: str, listed: list[str]) -> str | None:
    """Where ``name.attr`` is documented when it is re-exported from another listed module.

    A class or function whose defining module is another module of the reference, and which
    that module exports, is documented there only; ``None`` otherwise. The package root is
    left as it is (its re-exports are documented in both places).
    """
    value = getattr(importlib.import_module(name), attr, None)
    home = getattr(value, "__module__", None)
    if "." not in name or _is_data(value) or home == name or home not in listed:
        return None
    module = importlib.import_module(home)
    if attr not in getattr(module, "__all__", ()):
        return None
    return f"{home}.{attr}"


def _reexports(name: str, module: ModuleType, listed: list[str]) -> dict[str, str]:
    return {
        attr: home
        for attr in getattr(module, "__all__", ())
        if (home := reexport_home(name, attr, listed)) is not None
    }


def _api_section(name: str, module: ModuleType, listed: list[str]) -> str:
    """reStructuredText documenting every name in the module's ``__all__``.

    ``automodule :members:`` documents the classes and functions. autodoc skips data
    (constants, type aliases, ``__version__``) that a module imports from elsewhere, so
    every data name is documented by its own ``autodata`` directive instead; simple values
    are shown, large ones are not. A class or function re-exported from another module of
    the reference (:func:`reexport_home`) is listed with a link to its documentation instead
    of being documented twice; its name here still resolves (:func:`_register_reexports`).
    """
    exported = list(getattr(module, "__all__", ()))
    data = [attr for attr in exported if _is_data(getattr(module, attr, None))]
    linked = _reexports(name, module, listed)
    lines = [
        f".. automodule:: {name}",
        "   :members:",
        "   :undoc-members:",
        "   :show-inheritance:",
    ]
    if data or linked:
        lines.append(f"   :exclude-members: {', '.join([*data, *linked])}")
    if linked:
        lines += ["", "Re-exported here, documented where they are defined:", ""]
        for attr, home in linked.items():
            doc = inspect.getdoc(getattr(module, attr)) or ""
            summary = doc.split("\n\n")[0].replace("\n", " ")
            lines.append(f"* :py:obj:`{attr} <{home}>` — {summary}")
    for attr in data:
        lines += ["", f".. autodata:: {name}.{attr}"]
        if not isinstance(getattr(module, attr), (str, int, float)):
            lines.append("   :no-value:")
    return "\n".join(lines)


def _api_markdown(names: list[str]) -> str:
    parts: list[str] = []
    listed = [n for n in names if optional_module(n) is not None]
    for name in names:
        parts.append(f"## `{name}`\n")
        module = optional_module(name)
        if module is None:
            parts.append(
                ":::{note}\nThis module is planned and not part of this version yet.\n:::\n"
            )
            continue
        # autodoc emits reStructuredText, so the directives run inside eval-rst.
        parts.append(f"```{{eval-rst}}\n{_api_section(name, module, listed)}\n```\n")
    return "\n".join(parts)


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


def _expand_api_modules(app: Sphinx, docname: str, source: list[str]) -> None:
    text = source[0]
    if "{api-modules}" not in text:
        return
    source[0] = _API_BLOCK.sub(lambda m: _api_markdown(api_module_names(m.group(0))), text)


def _prefer_defining_modules(app: Sphinx, env: Any) -> None:
    """Let short cross-references resolve to the module that defines a re-exported name.

    The package root re-exports names such as ``Case`` that are documented again under
    their own module (``ascc_salvage.case.Case``). An unqualified reference (``Case`` in a
    type annotation) would then find two targets. The re-exported entry is marked as an alias,
    as autodoc does for ``:canonical:`` names, so it stays in the index and explicit
    references to it still resolve, while an ambiguous reference picks the defining module.
    """
    import sys

    objects = env.get_domain("py").objects
    by_object: dict[int, list[str]] = {}
    for fullname, entry in objects.items():
        modname, _, attr = fullname.rpartition(".")
        module = sys.modules.get(modname)
        if entry.aliased or module is None or attr not in getattr(module, "__all__", ()):
            continue
        value = getattr(module, attr, None)
        if not _is_data(value):  # classes and functions have one identity to compare
            by_object.setdefault(id(value), []).append(fullname)
    for names in by_object.values():
        if len(names) < 2:
            continue
        home = max(names, key=lambda name: name.count("."))  # the most specific module
        for name in names:
            if name != home and home.startswith(name.rpartition(".")[0] + "."):
                objects[name] = objects[name]._replace(aliased=True)


def _register_reexports(app: Sphinx, env: Any) -> None:
    """Let ``module.Name`` of a re-export (:func:`reexport_home`) resolve to its one entry.

    The name is registered as an alias of the documented object (as autodoc does for
    ``:canonical:`` names): references to it work, and it is documented once.
    """
    objects = env.get_domain("py").objects
    api = Path(app.srcdir) / "api.md"
    names = api_module_names(api.read_text(encoding="utf-8")) if api.is_file() else []
    listed = [n for n in names if optional_module(n) is not None]
    for name in listed:
        for attr, home in _reexports(name, importlib.import_module(name), listed).items():
            if home in objects:
                objects[f"{name}.{attr}"] = objects[home]._replace(aliased=True)


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
    ("id", "Id", 14),
    ("citation", "Citation", 30),
    ("identifiers", "Identifiers", 22),
    ("design", "Design", 18),
    ("n", "n", 5),
    ("ocebm", "OCEBM 2011", 6),
    ("grade", "GRADE", 8),
    ("verification", "Status", 9),
)


def evidence_node_id(evidence_id: str) -> str:
    """The HTML id of an evidence item's row."""
    return nodes.make_id(f"evidence-{evidence_id}")


def _text(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, (list, tuple)):
        return ", ".join(_text(v) for v in value)
    return str(value)


def _identifiers(row: dict[str, Any]) -> str:
    labels = (("doi", "doi:"), ("pmid", "PMID "), ("pmcid", ""), ("nct", ""))
    not_verified = {k.strip() for k in _text(row.get("identifiers_not_verified")).split(",")}
    return "; ".join(
        f"{prefix}{row[key]}" + (" (not verified)" if key in not_verified else "")
        for key, prefix in labels
        if row.get(key)
    )


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


class EvidenceTable(SphinxDirective):
    """Render the evidence items of the knowledge base as a table."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        knowledge = optional_module("ascc_salvage.knowledge")
        if knowledge is None:
            return _pending(
                "The evidence table is generated from ascc_salvage.knowledge.evidence_rows() "
                "at build time; that module is not part of this version yet."
            )
        self.env.note_dependency(knowledge.__file__)
        std = self.env.get_domain("std")
        rows: list[list[nodes.Node]] = []
        for row in knowledge.evidence_rows():
            values = dict(row)
            values["identifiers"] = _identifiers(values)
            values["verification"] = _status(values)
            evidence_id = _text(values["id"])
            node_id = evidence_node_id(evidence_id)
            first = nodes.paragraph()
            first += nodes.target("", "", ids=[node_id])
            first += nodes.literal(text=evidence_id)
            std.note_object(
                "evidence", evidence_id, node_id, location=(self.env.docname, self.lineno)
            )
            cells: list[nodes.Node] = [first]
            for key, _, _ in _EVIDENCE_COLUMNS[1:]:
                cells.append(nodes.paragraph(text=_text(values.get(key))))
            rows.append(cells)
        return [_table(_EVIDENCE_COLUMNS, rows)]


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
                for approval in knowledge.approvals(agent, jurisdiction, as_of=datetime.date.max):
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
    """Draw the decision diagram of the clinical pathway."""

    has_content = False

    def run(self) -> list[nodes.Node]:
        import pathway_diagram

        self.env.note_dependency(pathway_diagram.__file__)
        path = _generated_dir(self.env.srcdir) / "pathway_diagram.svg"
        pathway_diagram.write_svg(path)
        alt = (
            "Decision diagram: case, disease status, confirmation gate, overriding situations, "
            "extent of disease, treatment pathways"
        )
        return [_image(f"/{GENERATED}/pathway_diagram.svg", alt, width="100%")]


def _public_bases(app: Sphinx, name: str, obj: Any, options: Any, bases: list[type]) -> None:
    """Leave private base classes (``_CaseObject``) out of "Bases:": they are not documented."""
    bases[:] = [base for base in bases if not base.__name__.startswith("_")] or [object]


def setup(app: Sphinx) -> dict[str, Any]:
    """Register the directives, role and event handlers."""
    app.add_crossref_type("evidence", "evidence", objname="evidence item")
    app.add_directive("evidence-table", EvidenceTable)
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
    app.connect("source-read", _expand_api_modules)
    app.connect("source-read", _changelog)
    app.connect("missing-reference", _evidence_missing_reference)
    app.connect("autodoc-process-docstring", _data_docstring)
    app.connect("autodoc-process-bases", _public_bases)
    app.connect("env-check-consistency", _prefer_defining_modules)
    app.connect("env-check-consistency", _register_reexports)
    return {"version": "1", "parallel_read_safe": True, "parallel_write_safe": True}
