"""Views for people: a small block model rendered as plain text, Markdown or rich output.

The command builds a list of blocks (headings, lines, bullet lists, tables) once; three
renderers turn it into plain text (stdout is not a terminal), Markdown (a tumour-board
summary) or styled rich output (a terminal). Text is never interpreted as rich markup, so
evidence ids in brackets stay as written. JSON output never comes through here.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import TYPE_CHECKING, Any, Final, TypeAlias

import attrs

if TYPE_CHECKING:
    from rich.console import Console

__all__ = [
    "Block",
    "Bullets",
    "Heading",
    "Line",
    "Table",
    "render_markdown",
    "render_plain",
    "render_rich",
]


@attrs.frozen
class Heading:
    """A section heading (level 1 is the title)."""

    text: str
    level: int = 2
    style: str = "bold"


@attrs.frozen
class Line:
    """One line of text."""

    text: str
    style: str = ""


@attrs.frozen
class Bullets:
    """A bullet list; each item may have indented detail lines."""

    items: tuple[tuple[str, tuple[str, ...]], ...]
    style: str = ""

    @classmethod
    def of(cls, items: Iterable[str], style: str = "") -> Bullets:
        """Build a list of items without detail lines."""
        return cls(tuple((item, ()) for item in items), style)


@attrs.frozen
class Table:
    """A table with a header; ``numeric`` columns are right-aligned."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    numeric: frozenset[int] = frozenset()


Block: TypeAlias = Heading | Line | Bullets | Table

_EMPTY: Final = "—"


def _plain_table(table: Table) -> list[str]:
    widths = [len(column) for column in table.columns]
    for row in table.rows:
        widths = [max(width, len(cell)) for width, cell in zip(widths, row, strict=True)]

    def line(cells: Sequence[str]) -> str:
        parts = [
            cell.rjust(width) if index in table.numeric else cell.ljust(width)
            for index, (cell, width) in enumerate(zip(cells, widths, strict=True))
        ]
        return "  ".join(parts).rstrip()

    return [line(table.columns), line(["-" * width for width in widths])] + [
        line(row) for row in table.rows
    ]


def render_plain(blocks: Iterable[Block]) -> str:
    """Render blocks as plain text (no colour, no box drawing, no wrapping)."""
    lines: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            if lines:
                lines.append("")
            lines.append(block.text)
            lines.append(("=" if block.level == 1 else "-") * len(block.text))
        elif isinstance(block, Line):
            lines.append(block.text)
        elif isinstance(block, Bullets):
            for item, details in block.items:
                lines.append(f"  * {item}")
                lines.extend(f"      {detail}" for detail in details)
        else:
            lines.extend(_plain_table(block))
    return "\n".join(lines) + "\n"


def _md_cell(text: str) -> str:
    return text.replace("|", "\\|") if text else " "


def render_markdown(blocks: Iterable[Block]) -> str:
    """Render blocks as Markdown (headings from ``##``, pipe tables) for pasting into a report."""
    chunks: list[str] = []
    for block in blocks:
        if isinstance(block, Heading):
            chunks.append("#" * (block.level + 1) + " " + block.text)
        elif isinstance(block, Line):
            chunks.append(block.text)
        elif isinstance(block, Bullets):
            lines: list[str] = []
            for item, details in block.items:
                lines.append(f"- {item}")
                lines.extend(f"  - {detail}" for detail in details)
            chunks.append("\n".join(lines))
        else:
            header = "| " + " | ".join(block.columns) + " |"
            rule = "|" + "|".join(
                "---:" if index in block.numeric else "---" for index in range(len(block.columns))
            )
            body = ["| " + " | ".join(_md_cell(cell) for cell in row) + " |" for row in block.rows]
            chunks.append("\n".join([header, rule + "|", *body]))
    return "\n\n".join(chunks) + "\n"


def render_rich(blocks: Iterable[Block], console: Console) -> None:
    """Print blocks to a rich console (a terminal), styled; text is never read as markup."""
    from rich.table import Table as RichTable  # rich is imported for terminal output only
    from rich.text import Text

    for block in blocks:
        if isinstance(block, Heading):
            if block.level == 1:
                console.rule(Text(block.text, style="bold"))
            else:
                console.print()
                console.print(Text(block.text, style=block.style))
        elif isinstance(block, Line):
            console.print(Text(block.text, style=block.style))
        elif isinstance(block, Bullets):
            for item, details in block.items:
                console.print(Text("  • ") + Text(item, style=block.style))
                for detail in details:
                    console.print(Text(f"      {detail}", style="dim"))
        else:
            table = RichTable(show_edge=False, header_style="bold")
            for index, column in enumerate(block.columns):
                table.add_column(column, justify="right" if index in block.numeric else "left")
            for row in block.rows:
                table.add_row(*(Text(cell) for cell in row))
            console.print(table)


def quantity_text(value: Any, digits: int | None = None) -> str:
    """Format a JSON quantity ``{"value", "unit"}`` (or a bare number) for a view.

    Args:
        value: A quantity object, a number or ``None``.
        digits: Decimal places; ``None`` writes the number as it is.
    """
    if value is None:
        return _EMPTY
    if isinstance(value, Mapping):
        return f"{number_text(value['value'], digits)} {_unit_text(str(value['unit']))}"
    return number_text(value, digits)


def number_text(value: Any, digits: int | None = None) -> str:
    """Format a number with *digits* decimals, or as short as possible when ``None``."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if digits is not None:
        return f"{value:.{digits}f}"
    if isinstance(value, int) or value.is_integer():
        return str(int(value))
    return repr(value)


_UNIT_TEXT: Final = {"m2": "m²", "mg/m2": "mg/m²", "mg.min/mL": "mg·min/mL"}


def _unit_text(unit: str) -> str:
    return _UNIT_TEXT.get(unit, unit)
