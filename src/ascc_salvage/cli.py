"""The ``ascc-salvage`` command (also ``python -m ascc_salvage``)."""

from __future__ import annotations

import importlib.resources
import json
import sys
from pathlib import Path

import click

from ascc_salvage import assess_status, load_case
from ascc_salvage.errors import CaseValidationError

__all__ = ["main"]


def _example_text(name: str) -> str:
    resource = importlib.resources.files("ascc_salvage.examples").joinpath(f"{name}.json")
    if not resource.is_file():
        raise click.BadParameter(f"no bundled example {name!r}", param_hint="--example")
    return resource.read_text(encoding="utf-8")


@click.group()
@click.version_option(package_name="ascc_salvage")
def cli() -> None:
    """Decision support for anal SCC after failed chemoradiotherapy."""


@cli.command()
@click.argument("case_file", type=click.Path(path_type=Path))
def validate(case_file: Path) -> None:
    """Validate CASE_FILE; print one `path: message` line per problem."""
    try:
        load_case(case_file)
    except CaseValidationError as error:
        for problem in error.errors:
            click.echo(str(problem))
        sys.exit(2)
    except OSError as error:
        click.echo(f"cannot read {case_file}: {error.strerror}", err=True)
        sys.exit(2)
    click.echo("valid")


@cli.command()
@click.argument("case_file", type=click.Path(path_type=Path), required=False)
@click.option("--example", help="Name of a bundled example case.")
def status(case_file: Path | None, example: str | None) -> None:
    """Print the disease status of a case as JSON."""
    source = _example_text(example) if example else case_file
    if source is None:
        raise click.UsageError("give CASE_FILE or --example NAME")
    try:
        assessment = assess_status(load_case(source))
    except CaseValidationError as error:
        click.echo(str(error), err=True)
        sys.exit(2)
    click.echo(
        json.dumps(
            {
                "disease_status": str(assessment.status),
                "histologically_confirmed": assessment.histologically_confirmed,
                "weeks_from_crt_start": assessment.weeks_from_crt_start,
            },
            indent=2,
        )
    )


def main() -> None:
    """Run the command line."""
    cli()
