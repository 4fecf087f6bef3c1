"""The block renderers: plain text, Markdown and rich."""

from __future__ import annotations

import io
from typing import Any

from rich.console import Console

from ascc_salvage.cli._render import (
    Block,
    Bullets,
    Heading,
    Line,
    Table,
    number_text,
    quantity_text,
    render_markdown,
    render_plain,
    render_rich,
)
from ascc_salvage.cli._views import dose_plan_blocks, evidence_blocks

BLOCKS: list[Block] = [
    Heading("Title", level=1),
    Line("a [bold]line[/bold]"),
    Heading("Section"),
    Bullets((("item", ("detail",)),)),
    Table(("name", "dose"), (("x|y", "1.0 mg"), ("", "10.0 mg")), frozenset({1})),
]


def test_plain() -> None:
    assert render_plain(BLOCKS) == (
        "Title\n=====\na [bold]line[/bold]\n\nSection\n-------\n  * item\n      detail\n"
        "name     dose\n----  -------\nx|y    1.0 mg\n      10.0 mg\n"
    )


def test_markdown() -> None:
    assert render_markdown(BLOCKS) == (
        "## Title\n\na [bold]line[/bold]\n\n### Section\n\n- item\n  - detail\n\n"
        "| name | dose |\n|---|---:|\n| x\\|y | 1.0 mg |\n|   | 10.0 mg |\n"
    )


def test_rich_never_reads_markup() -> None:
    buffer = io.StringIO()
    render_rich(BLOCKS, Console(file=buffer, width=60, color_system=None))
    text = buffer.getvalue()
    assert "a [bold]line[/bold]" in text
    assert "• item" in text
    assert "detail" in text
    assert "10.0 mg" in text


def test_numbers_and_quantities() -> None:
    assert quantity_text(None) == "—"
    assert quantity_text({"value": 1.81811, "unit": "m2"}, 2) == "1.82 m²"
    assert quantity_text({"value": 5, "unit": "mg.min/mL"}) == "5 mg·min/mL"
    assert quantity_text(2.5) == "2.5"
    assert number_text(True) == "True"
    assert number_text("x") == "x"
    assert number_text(3.0) == "3"
    assert number_text(0.125) == "0.125"


def test_dose_plan_views() -> None:
    assert dose_plan_blocks("x", None) == []
    radiotherapy = {
        "total_dose": {"value": 39.0, "unit": "Gy"},
        "fractions": 26,
        "dose_per_fraction": {"value": 1.5, "unit": "Gy"},
        "cumulative_eqd2": [
            {
                "organ": "small_bowel",
                "alpha_beta": {"value": 3, "unit": "Gy"},
                "value": {"value": 91.234, "unit": "Gy"},
                "limit": {"value": 90, "unit": "Gy"},
            }
        ],
        "nominal": True,
    }
    blocks = dose_plan_blocks("reirradiation", radiotherapy)
    text = render_plain(blocks)
    assert "39 Gy in 26 fractions of 1.5 Gy (nominal LQ values)" in text
    assert "small_bowel    3 Gy" in text
    assert "91.2 Gy" in text
    systemic = {
        "regimen": "anti_pd1_monotherapy",
        "variant": "retifanlimab_500mg_q4w",
        "basis": {
            "bsa": None,
            "bsa_formula": None,
            "creatinine_clearance": {"value": 20.0, "unit": "mL/min"},
            "weight_basis": "actual",
            "creatinine_floor_applied": True,
            "gfr_capped": True,
        },
        "cycle_length": {"value": 28, "unit": "d"},
        "cycles": None,
        "drugs": [],
        "alternatives": [{"undetermined": ["patient.weight"]}],
    }
    text = render_plain(dose_plan_blocks("anti_pd1_monotherapy", systemic))
    assert "creatinine floor applied, GFR capped" in text
    assert "(alternative)  undetermined" in text


def test_evidence_view_of_an_unknown_id() -> None:
    from ascc_salvage.cli._views import _evidence_table

    table = _evidence_table(["NOT_AN_ID"])
    assert table.rows == (("NOT_AN_ID", "not in the knowledge base", "—", "—"),)
    assert evidence_blocks([{"id": "A", "n": None}], single=True)[1] == Table(
        ("field", "value"), (("id", "A"), ("n", ""))
    )


def test_undetermined_option_without_named_fields() -> None:
    from ascc_salvage.cli._views import _option_item

    option: dict[str, Any] = {
        "option": "salvage_apr",
        "intent": "curative",
        "rationale": "r",
        "tier": "undetermined",
        "dose_plan": None,
        "criteria": [{"id": "fit", "result": "met", "explanation": ""}],
        "flags": [],
        "evidence": ["KO_2019"],
    }
    assert _option_item(option, [], markdown=False) == (
        "Salvage abdominoperineal resection (salvage_apr, curative): r",
        (),
    )
    option["criteria"] = [{"id": "fit", "result": "unknown", "explanation": ""}]
    option["dose_plan"] = {"undetermined": ["patient.weight"]}
    assert _option_item(option, ["patient.weight"], markdown=True) == (
        "Salvage abdominoperineal resection (`salvage_apr`, curative): r",
        ("missing: `patient.weight`", "unknown criteria: fit"),
    )
