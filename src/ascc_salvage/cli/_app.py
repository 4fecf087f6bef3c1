"""The ``ascc-salvage`` command group and its commands (``api.md``, "Command line").

Exit status: 0 success; 2 invalid input or arguments (click's usage errors are 2 too), or an
input or output the system refused (a file that cannot be read, a full disk); 1 an internal
error; 130 after SIGINT; 141 after a broken pipe. Data goes to stdout, messages to stderr; a
traceback is printed only with the global ``--debug`` option. JSON is written straight to
``sys.stdout``, never through rich; the text views are styled on a terminal and plain text
otherwise.
"""

from __future__ import annotations

import datetime as dt
import json
import sys
import textwrap
from pathlib import Path
from typing import Any, Final, NoReturn

import click

from ascc_salvage import examples as bundled
from ascc_salvage import knowledge, units
from ascc_salvage.calculators import UndeterminedDosePlan, dose_plan
from ascc_salvage.case import Creatinine, Hiv, Length, Mass, Patient
from ascc_salvage.cli._batch import batch
from ascc_salvage.cli._common import (
    EXIT_BROKEN_PIPE,
    EXIT_INTERNAL,
    EXIT_INTERRUPTED,
    EXIT_INVALID,
    KNOWLEDGE_OPTION,
    InputError,
    InvalidCase,
    Terminated,
    discard_stdout,
    display_path,
    is_terminal,
    load_knowledge,
    os_reason,
    read_case_document,
    stop_signals_raise,
    terminal_width,
    write_json,
    write_text,
)
from ascc_salvage.cli._quantity import AUC_BOUNDS, BoundedNumber, QuantityParam, patient_bounds
from ascc_salvage.cli._report import write_report
from ascc_salvage.cli._serve import serve
from ascc_salvage.errors import CaseValidationError
from ascc_salvage.io import load_case
from ascc_salvage.rendering import render
from ascc_salvage.rendering._text import Writer, dose_plan_lines
from ascc_salvage.rendering._view import Fact, status_facts
from ascc_salvage.result import result_to_json
from ascc_salvage.staging import Edition, MCategory, NCategory, TCategory, stage_group
from ascc_salvage.status import assess_status
from ascc_salvage.units import UnitKind
from ascc_salvage.vocabulary import HivStatus, Jurisdiction, Sex

__all__ = ["cli", "main"]

_CONTEXT: Final = {"help_option_names": ["-h", "--help"], "max_content_width": 100}

#: Patient fields of a dose plan and the ``dose`` options that supply them.
_DOSE_OPTIONS: Final = {
    "patient.weight": "--weight",
    "patient.height": "--height",
    "patient.serum_creatinine": "--creatinine",
    "patient.age_years": "--age",
    "patient.sex": "--sex",
}


def _broken_pipe() -> NoReturn:
    """End quietly after a broken pipe on stdout: exit status 141, nothing on stderr."""
    discard_stdout()
    raise click.exceptions.Exit(EXIT_BROKEN_PIPE)


def _environment_error(error: OSError) -> NoReturn:
    """Report an input or output the system refused on one line; exit status 2."""
    if error.filename is not None:
        message = f"{display_path(error.filename)}: {os_reason(error)}"
    else:  # a stream, most likely stdout: what it still buffers cannot be trusted
        discard_stdout()
        message = f"input/output error: {os_reason(error)}"
    click.echo(f"Error: {message}", err=True)
    raise click.exceptions.Exit(EXIT_INVALID)


class _Group(click.Group):
    """The command group: the exit status of every way a command can end.

    Unexpected exceptions become exit status 1 (unless ``--debug``); an error of the system
    (:class:`OSError`: a full disk, a file that cannot be read) exit status 2; SIGINT 130;
    SIGTERM 143 and SIGHUP 129 (after the same cleanup as SIGINT); a broken pipe 141. None
    of them prints a traceback without ``--debug``.
    """

    def make_context(
        self,
        info_name: str | None,
        args: list[str],
        parent: click.Context | None = None,
        **extra: Any,
    ) -> click.Context:
        """Parse the group's options; ``--help`` or ``--version`` into a closed pipe is quiet."""
        try:
            return super().make_context(info_name, args, parent, **extra)
        except BrokenPipeError:
            _broken_pipe()
        except OSError as error:
            _environment_error(error)

    def invoke(self, ctx: click.Context) -> Any:
        """Run the command and map how it ended to an exit status."""
        try:
            with stop_signals_raise():
                return super().invoke(ctx)
        except (click.ClickException, click.exceptions.Exit, click.Abort):
            raise
        except KeyboardInterrupt:
            click.echo("Interrupted.", err=True)
            ctx.exit(EXIT_INTERRUPTED)
        except Terminated as stop:
            click.echo("Terminated.", err=True)
            ctx.exit(128 + stop.signum)
        except BrokenPipeError:
            _broken_pipe()
        except Exception as error:
            if ctx.params.get("debug"):
                raise
            if isinstance(error, OSError):  # the system refused an input or output
                _environment_error(error)
            click.echo(  # an internal error: report it without a traceback
                f"Error: internal error ({type(error).__name__}: {error}). This is a bug in "
                "ascc_salvage, not a problem with your input: run the command again with "
                "--debug (ascc-salvage --debug ...) and report the traceback.",
                err=True,
            )
            ctx.exit(EXIT_INTERNAL)


@click.group(cls=_Group, context_settings=_CONTEXT)
@click.version_option(package_name="ascc_salvage", message="%(prog)s %(version)s")
@click.option("--debug", is_flag=True, help="Show the traceback of an internal error.")
def cli(debug: bool) -> None:
    """Decision support for anal squamous cell carcinoma after failed chemoradiotherapy.

    A research and reference implementation of published guideline logic for a
    multidisciplinary team; not a medical device. Data goes to stdout, messages to stderr.
    Exit status: 0 success, 2 invalid input or arguments (or an unreadable or unwritable
    file), 1 internal error, 130 interrupted (SIGINT), 141 broken pipe.
    """


# --------------------------------------------------------------------------- case input


def _case_document(
    case_file: Path | None,
    example_name: str | None,
    *,
    overrides: dict[str, Any] | None = None,
) -> tuple[str, Any]:
    """Return (source name, parsed document) from a file or a bundled example."""
    if case_file is not None and example_name is not None:
        raise click.UsageError("give either CASE.json or --example NAME, not both")
    if example_name is not None:
        try:
            entry = bundled.example(example_name)
        except bundled.UnknownExampleError as error:
            raise InputError(f"{error} (list them with: ascc-salvage examples)") from None
        source = f"example {entry.name}"
        document = json.loads(entry.text())
    elif case_file is not None:
        source = display_path(case_file)
        document = read_case_document(case_file)
    else:
        raise click.UsageError("give a case file (CASE.json) or --example NAME")
    if overrides and isinstance(document, dict):
        document.update(overrides)
    return source, document


def _load(source: str, document: Any) -> Any:
    try:
        return load_case(document if isinstance(document, dict) else json.dumps(document))
    except CaseValidationError as error:
        raise InvalidCase(source, error.errors) from None


_CASE_ARGUMENT = click.argument(
    "case_file",
    metavar="[CASE.json]",
    required=False,
    type=click.Path(path_type=Path, allow_dash=True),  # a directory: "cannot read" below
)
_EXAMPLE_OPTION = click.option(
    "--example",
    "example_name",
    metavar="NAME",
    help="Use a bundled example case instead of a file (see: ascc-salvage examples).",
)


# --------------------------------------------------------------------------- recommend


@cli.command()
@_CASE_ARGUMENT
@_EXAMPLE_OPTION
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
    help="text: a view for people; json: the result document; markdown: a tumour-board summary.",
)
@click.option(
    "--all",
    "all_options",
    is_flag=True,
    help="Show every option not recommended in full (default: one line per reason).",
)
@click.option(
    "--jurisdiction",
    type=click.Choice([str(j) for j in Jurisdiction]),
    help="Replace the case's jurisdiction (before validation and the input digest).",
)
@click.option(
    "--as-of",
    "as_of",
    metavar="DATE",
    type=click.DateTime(formats=["%Y-%m-%d"]),
    help="Replace the case's evaluation date, YYYY-MM-DD (before validation and the digest).",
)
@KNOWLEDGE_OPTION
def recommend(
    case_file: Path | None,
    example_name: str | None,
    output_format: str,
    all_options: bool,
    jurisdiction: str | None,
    as_of: dt.datetime | None,
    knowledge_dir: Path | None,
) -> None:
    """Recommend for one case: every option by tier, with criteria, evidence and dose plans.

    The case comes from CASE.json ('-' reads stdin) or from --example NAME. The text view
    shows the preferred, alternative and undetermined options in full and the others one
    line per reason (--all: in full), wrapped to the terminal (COLUMNS). The exit status is
    0 whenever a result is produced, also when some options are undetermined.
    """
    from ascc_salvage.engine import recommend as run

    overrides: dict[str, Any] = {}
    if jurisdiction is not None:
        overrides["jurisdiction"] = jurisdiction
    if as_of is not None:
        overrides["evaluation_date"] = as_of.date().isoformat()
    kb = load_knowledge(knowledge_dir)
    source, document = _case_document(case_file, example_name, overrides=overrides)
    case = _load(source, document)
    result = run(case, knowledge=kb)
    if output_format == "json":  # result_to_dict's document, written fast (same bytes)
        write_text(result_to_json(result, indent=2) + "\n")
    else:
        write_text(
            render(
                result,
                case,
                format="markdown" if output_format == "markdown" else "text",
                width=terminal_width(),
                all_options=all_options,
                knowledge=kb,
            )
        )


# --------------------------------------------------------------------------- report


@cli.command()
@_CASE_ARGUMENT
@_EXAMPLE_OPTION
@click.option(
    "--out",
    "out",
    required=True,
    metavar="REPORT.html",
    type=click.Path(path_type=Path, dir_okay=False),
    help="The HTML file to write (replaced atomically; never the input).",
)
@KNOWLEDGE_OPTION
def report(
    case_file: Path | None, example_name: str | None, out: Path, knowledge_dir: Path | None
) -> None:
    """Write the tumour-board report of a case: one self-contained HTML page.

    The page (inline CSS and SVG, nothing from the network, printable on A4) shows the
    patient, the 26-week clock, the pathway with the branch this case took, the options by
    tier with their reasons, the evidence with effect sizes and links, the versions and the
    input digest.
    """
    from ascc_salvage.engine import recommend as run

    kb = load_knowledge(knowledge_dir)
    source, document = _case_document(case_file, example_name)
    case = _load(source, document)
    result = run(case, knowledge=kb)
    write_report(out, render(result, case, format="html", knowledge=kb), case_file, knowledge_dir)
    click.echo(f"{display_path(out)}: report written", err=True)


# --------------------------------------------------------------------------- validate, status


@cli.command()
@click.argument("case_file", metavar="CASE.json", type=click.Path(path_type=Path, allow_dash=True))
def validate(case_file: Path) -> None:
    """Validate a case: one 'path: message' line per problem on stdout.

    Exit status 0 if the case is valid (nothing is printed on stdout), 2 if it is invalid
    or cannot be read.
    """
    try:
        document = read_case_document(case_file)
        load_case(document if isinstance(document, dict) else json.dumps(document))
    except InvalidCase as error:
        problems = error.problems
    except CaseValidationError as error:
        problems = error.errors
    else:
        click.echo(f"{display_path(case_file)}: valid", err=True)
        return
    for problem in problems:
        click.echo(str(problem))
    noun = "problem" if len(problems) == 1 else "problems"
    click.echo(f"{display_path(case_file)}: {len(problems)} {noun}", err=True)
    sys.exit(EXIT_INVALID)


@cli.command()
@_CASE_ARGUMENT
@_EXAMPLE_OPTION
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
)
def status(case_file: Path | None, example_name: str | None, output_format: str) -> None:
    """Print the disease status and the 26-week clock of a case."""
    source, document = _case_document(case_file, example_name)
    assessment = assess_status(_load(source, document))
    next_date = assessment.next_assessment_date
    if output_format == "text":
        writer = Writer(terminal_width())
        for fact in status_facts(
            assessment.status,
            assessment.histologically_confirmed,
            assessment.after_salvage_surgery,
            assessment.weeks_from_crt_start,
            next_date,
        ):
            writer.fact(fact)
        write_text(writer.text())
        return
    write_json(
        {
            "disease_status": str(assessment.status),
            "histologically_confirmed": assessment.histologically_confirmed,
            "after_salvage_surgery": assessment.after_salvage_surgery,
            "weeks_from_crt_start": assessment.weeks_from_crt_start,
            "next_assessment_date": None if next_date is None else next_date.isoformat(),
        }
    )


# --------------------------------------------------------------------------- stage


def _category(value: str, choices: list[str], what: str) -> str:
    """Return the vocabulary spelling of *value* (case-insensitive) or raise a usage error."""
    for choice in choices:
        if choice.lower() == value.lower():
            return choice
    raise InputError(f"{value!r} is not a {what}; use one of {', '.join(choices)}")


@cli.command()
@click.argument("t", metavar="T")
@click.argument("n", metavar="N")
@click.argument("m", metavar="M")
@click.option(
    "--edition",
    type=click.Choice([str(e) for e in Edition]),
    default=str(Edition.AJCC8),
    show_default=True,
    help="Staging edition (all use the anus chapter).",
)
def stage(t: str, n: str, m: str, edition: str) -> None:
    """Print the anatomic stage group of T N M: 'stage T3 N0 M0' prints IIB.

    T is TX, T0, Tis or T1-T4; N is NX, N0, N1, N1a, N1b or N1c; M is M0 or M1 (any case).
    Prints 'not groupable: <reason>' when the combination has no group; exit status 0.
    """
    group = stage_group(
        _category(t, [str(c) for c in TCategory], "T category"),
        _category(n, [str(c) for c in NCategory], "N category"),
        _category(m, [str(c) for c in MCategory], "M category"),
        edition=edition,
    )
    click.echo(str(group))


# --------------------------------------------------------------------------- dose


@cli.command()
@click.argument("regimen", metavar="REGIMEN")
@click.option("--height", type=QuantityParam(UnitKind.LENGTH, "height"), help="Height.")
@click.option("--weight", type=QuantityParam(UnitKind.MASS, "weight"), help="Actual weight.")
@click.option(
    "--creatinine",
    type=QuantityParam(UnitKind.CREATININE, "serum_creatinine"),
    help="Serum creatinine (mg/dL or umol/L).",
)
@click.option(
    "--age",
    type=BoundedNumber(int, patient_bounds("age_years"), "years"),
    help="Age in years (18 to 120, as in a case).",
)
@click.option("--sex", type=click.Choice(["female", "male"]), help="Sex (Cockcroft-Gault).")
@click.option(
    "--auc",
    type=BoundedNumber(float, AUC_BOUNDS, "mg*min/mL"),
    help="Carboplatin target AUC in mg*min/mL (1 to 10), replacing the regimen's.",
)
@click.option(
    "--variant", help="Regimen variant: modified or standard for DCF; an anti-PD-1 schedule."
)
@click.option("--agent", metavar="NAME", help="Checkpoint inhibitor for anti_pd1_monotherapy.")
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
)
def dose(
    regimen: str,
    height: Length | None,
    weight: Mass | None,
    creatinine: Creatinine | None,
    age: int | None,
    sex: str | None,
    auc: float | None,
    variant: str | None,
    agent: str | None,
    output_format: str,
) -> None:
    """Print the dose plan of a regimen for a patient (doses to 0.1 mg, no clinical rounding).

    Write each value with its unit, e.g. --height 170cm --weight 70kg --creatinine 1.0mg/dL
    (or 88umol/L). Regimens: the systemic options (carboplatin_paclitaxel, ...) and the
    radiotherapy options reirradiation, groin_radiotherapy and iort.
    """
    patient = Patient(
        age_years=age,
        sex=None if sex is None else Sex(sex),
        ecog=None,
        karnofsky=None,
        weight=weight,
        height=height,
        serum_creatinine=creatinine,
        fit_for_major_surgery=None,
        accepts_permanent_colostomy=None,
        hiv=Hiv(status=HivStatus.UNKNOWN),
        pd_l1_cps=None,
        conditions=None,
    )
    try:
        plan = dose_plan(
            regimen,
            patient=patient,
            variant=variant,
            agent=agent,
            auc=None if auc is None else units.Q_(auc, "mg*min/mL"),
        )
    except ValueError as error:
        regimens = [r.id for r in knowledge.regimens()] + [
            "reirradiation",
            "groin_radiotherapy",
            "iort",
        ]
        hint = f"; regimens: {', '.join(regimens)}" if regimen not in regimens else ""
        raise InputError(f"{error}{hint}") from None
    if isinstance(plan, UndeterminedDosePlan):
        needed = ", ".join(_DOSE_OPTIONS.get(field, field) for field in plan.missing)
        raise InputError(f"the {regimen} dose plan needs {needed}; give them and run again")
    if output_format == "json":
        write_json(plan.to_dict())
    else:
        writer = Writer(terminal_width())
        dose_plan_lines(writer, regimen, plan.to_dict())
        write_text(writer.text())


# --------------------------------------------------------------------------- evidence

#: Columns of the evidence list: the compact default, and ``--wide``.
_EVIDENCE_COLUMNS: Final = ("id", "citation", "ocebm", "grade")
_EVIDENCE_WIDE: Final = ("id", "citation", "design", "n", "ocebm", "grade", "verification")


def _cell(value: object) -> str:
    return "" if value is None else " ".join(str(value).split())


@cli.command()
@click.argument("evidence_id", metavar="[ID]", required=False)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["table", "csv", "json"]),
    default="table",
    show_default=True,
    help="table: for people (TSV when stdout is not a terminal); json: evidence_rows() as an "
    "array (one object with ID); csv: one row per item.",
)
@click.option(
    "--wide", is_flag=True, help="Add the design, n and verification columns to the table."
)
def evidence(evidence_id: str | None, output_format: str, wide: bool) -> None:
    """List the knowledge base's evidence items with their OCEBM level and GRADE, or one item.

    The table fits the terminal (ids are never cut); piped, it is tab-separated values with
    a header row.
    """
    rows = knowledge.evidence_rows()
    if evidence_id is not None:
        try:
            item = knowledge.evidence(evidence_id)
        except KeyError as error:
            raise InputError(f"{error} (list them with: ascc-salvage evidence)") from None
        rows = [row for row in rows if row["id"] == item.id]
    if output_format == "json":
        write_json(rows[0] if evidence_id is not None else rows)
    elif output_format == "csv":
        write_text(knowledge.to_csv(rows))
    elif evidence_id is not None:
        writer = Writer(terminal_width())
        for key, value in rows[0].items():
            writer.fact(Fact(key, _cell(value)))
        write_text(writer.text())
    else:
        columns = _EVIDENCE_WIDE if wide else _EVIDENCE_COLUMNS
        cells = [[_cell(row[column]) for column in columns] for row in rows]
        header = [column.upper() if column in ("ocebm", "grade") else column for column in columns]
        if is_terminal(sys.stdout):
            writer = Writer(terminal_width())
            numeric = frozenset({columns.index("n")}) if "n" in columns else frozenset()
            writer.table(header, cells, numeric=numeric, keep=frozenset({0}))
            write_text(writer.text())
        else:
            write_text("".join("\t".join(line) + "\n" for line in [header, *cells]))


# --------------------------------------------------------------------------- examples


@cli.command("examples")
@click.argument("name", metavar="[NAME]", required=False)
@click.option(
    "--format",
    "output_format",
    type=click.Choice(["text", "json"]),
    default="text",
    show_default=True,
    help="For the list (without NAME).",
)
def examples_command(name: str | None, output_format: str) -> None:
    """List the bundled example cases, or print one case (NAME) as JSON.

    'ascc-salvage examples NAME > case.json' saves an example to edit; 'recommend --example
    NAME' runs one.
    """
    if name is not None:
        try:
            entry = bundled.example(name)
        except bundled.UnknownExampleError as error:
            raise InputError(f"{error} (list them with: ascc-salvage examples)") from None
        write_text(entry.text())
        return
    entries = bundled.examples()
    if output_format == "json":
        write_json([{"name": e.name, "description": e.description} for e in entries])
        return
    if is_terminal(sys.stdout):
        writer = Writer(terminal_width())
        width = max(len(e.name) for e in entries)
        indent = width + 2 if width + 2 <= writer.width // 2 else 4
        for entry in entries:
            writer.lines += textwrap.wrap(
                f"{entry.name.ljust(width)}  {entry.description}",
                width=writer.width,
                subsequent_indent=" " * indent,
                break_on_hyphens=False,
            )
        write_text(writer.text())
    else:
        write_text("".join(f"{e.name}  {e.description}\n" for e in entries))


cli.add_command(batch)
cli.add_command(serve)


def main() -> None:
    """Run the ``ascc-salvage`` command (the console script and ``python -m ascc_salvage``)."""
    for stream in (sys.stdout, sys.stderr):
        reconfigure = getattr(stream, "reconfigure", None)
        encoding = str(getattr(stream, "encoding", "") or "").lower().replace("-", "")
        if reconfigure is not None and encoding != "utf8":
            reconfigure(encoding="utf-8")
    cli(prog_name="ascc-salvage")
