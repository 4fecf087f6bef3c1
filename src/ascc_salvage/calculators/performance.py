"""Performance status: Karnofsky → ECOG through the knowledge base's mapping table.

The default table (``calculators.md``): 100–90 → 0, 80–70 → 1, 60–50 → 2, 40–30 → 3,
20–10 → 4, 0 → 5. Other published mappings exist, so the table is data
(``thresholds().karnofsky_to_ecog``), not code.
"""

from __future__ import annotations

from ascc_salvage.calculators import _kb
from ascc_salvage.calculators._common import integer

__all__ = ["ecog_from_karnofsky"]


def ecog_from_karnofsky(kps: int) -> int:
    """ECOG performance status for a Karnofsky score, by the knowledge base's mapping table.

    Args:
        kps: Karnofsky performance score, an int from 0 to 100.

    Returns:
        The ECOG grade (0–5).

    Raises:
        TypeError: *kps* is not an int (``bool`` included).
        ValueError: *kps* is outside 0–100 or has no row in the mapping table (e.g. 85).

    >>> ecog_from_karnofsky(80)
    1
    >>> ecog_from_karnofsky(0)
    5
    """
    score = integer(kps, "kps", minimum=0, maximum=100)
    ecog = _kb.karnofsky_table()[score]
    if ecog is None:
        raise ValueError(f"kps {score} has no row in the Karnofsky → ECOG mapping table")
    return ecog
