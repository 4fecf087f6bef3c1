"""Untreated primary (clinical pathway §7): the scope boundary of the salvage pathway.

The section is a rule table, ``knowledge/data/rules/7_untreated_primary.toml``, run by the
interpreter of :mod:`._rules`. Row 7b hands over to the first-line systemic pathway, which
combines rather than tabulates and stays Python: the routine ``systemic_first_line`` below.
"""

from __future__ import annotations

from ascc_salvage.engine._draft import Draft
from ascc_salvage.engine._facts import Facts
from ascc_salvage.engine._inputs import require
from ascc_salvage.engine._rules import routine, run_table
from ascc_salvage.engine._systemic import SystemicContext, systemic_pathway


def route_untreated(d: Draft, f: Facts) -> None:
    """Route an untreated primary (§7) through its rule table."""
    run_table(d, f, "7")


@routine("systemic_first_line")
def systemic_first_line(d: Draft, f: Facts) -> None:
    """Rule 7b: the first-line systemic pathway (§5.2) for metastatic disease at diagnosis.

    ECOG is a routing input: when it is unknown the engine evaluates each value and merges.
    """
    require(f, "ecog")
    systemic_pathway(d, f, SystemicContext(d.pathway))
