"""Plain-language option names shown to clinicians (clinical pathway §8, column ``label``).

This is the one place that names options for people: cards, the service's pages and
suggestions all call :func:`option_label`.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

__all__ = ["option_label"]

#: The labels of the option catalogue, exactly as the clinical pathway (§8) writes them.
_OPTION_LABELS: Final[Mapping[str, str]] = {
    "observe_and_reassess": "Observe and reassess response",
    "surveillance": "Surveillance (follow-up)",
    "biopsy_and_restage": "Biopsy and restaging",
    "salvage_apr": "Salvage abdominoperineal resection",
    "extended_resection": "Extended (multivisceral) resection or pelvic exenteration",
    "perineal_flap_reconstruction": "Perineal flap reconstruction",
    "inguinal_lymphadenectomy": "Groin (inguinal) lymph node dissection",
    "local_excision": "Wide local excision",
    "groin_radiotherapy": "Groin radiotherapy",
    "reirradiation": "Curative re-irradiation",
    "iort": "Intra-operative radiotherapy",
    "palliative_radiotherapy": "Palliative radiotherapy",
    "carboplatin_paclitaxel": "Carboplatin and paclitaxel",
    "carboplatin_paclitaxel_retifanlimab": "Carboplatin, paclitaxel and retifanlimab",
    "cisplatin_fluorouracil": "Cisplatin and fluorouracil",
    "docetaxel_cisplatin_fluorouracil": "Docetaxel, cisplatin and fluorouracil (DCF)",
    "anti_pd1_monotherapy": "Anti-PD-1 immunotherapy alone",
    "nivolumab_ipilimumab": "Nivolumab and ipilimumab",
    "metastasis_directed_therapy": (
        "Treatment of individual metastases (surgery, ablation or stereotactic radiotherapy)"
    ),
    "clinical_trial": "Clinical trial",
    "best_supportive_care": "Best supportive care",
    "primary_chemoradiotherapy": "Primary chemoradiotherapy (outside the salvage pathway)",
    "defunctioning_stoma": "Defunctioning stoma (colostomy)",
}


def option_label(option: str) -> str:
    """Return the plain-language name of a catalogue option (``salvage_apr`` → its label).

    An id outside the catalogue is returned with its underscores as spaces, so a label is
    always shown.

    >>> option_label("salvage_apr")
    'Salvage abdominoperineal resection'
    """
    key = str(option)
    return _OPTION_LABELS.get(key) or key.replace("_", " ")
