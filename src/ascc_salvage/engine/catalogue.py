"""The closed option catalogue (clinical pathway §8): kind and intent of each option."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Final

from ascc_salvage.vocabulary import Intent, OptionId

__all__ = ["INTENT", "KIND"]

Opt = OptionId

#: Intent of each option, as listed in the catalogue.
INTENT: Final[Mapping[OptionId, Intent]] = {
    Opt.OBSERVE_AND_REASSESS: Intent.ASSESSMENT,
    Opt.SURVEILLANCE: Intent.SURVEILLANCE,
    Opt.BIOPSY_AND_RESTAGE: Intent.ASSESSMENT,
    Opt.SALVAGE_APR: Intent.CURATIVE,
    Opt.EXTENDED_RESECTION: Intent.CURATIVE,
    Opt.PERINEAL_FLAP_RECONSTRUCTION: Intent.CURATIVE,
    Opt.INGUINAL_LYMPHADENECTOMY: Intent.CURATIVE,
    Opt.LOCAL_EXCISION: Intent.CURATIVE,
    Opt.GROIN_RADIOTHERAPY: Intent.CURATIVE,
    Opt.REIRRADIATION: Intent.CURATIVE,
    Opt.IORT: Intent.CURATIVE,
    Opt.PALLIATIVE_RADIOTHERAPY: Intent.PALLIATIVE,
    Opt.CARBOPLATIN_PACLITAXEL: Intent.PALLIATIVE,
    Opt.CARBOPLATIN_PACLITAXEL_RETIFANLIMAB: Intent.PALLIATIVE,
    Opt.CISPLATIN_FLUOROURACIL: Intent.PALLIATIVE,
    Opt.DOCETAXEL_CISPLATIN_FLUOROURACIL: Intent.PALLIATIVE,
    Opt.ANTI_PD1_MONOTHERAPY: Intent.PALLIATIVE,
    Opt.NIVOLUMAB_IPILIMUMAB: Intent.PALLIATIVE,
    Opt.METASTASIS_DIRECTED_THERAPY: Intent.CURATIVE_OR_PALLIATIVE,
    Opt.CLINICAL_TRIAL: Intent.ANY,
    Opt.BEST_SUPPORTIVE_CARE: Intent.PALLIATIVE,
    Opt.PRIMARY_CHEMORADIOTHERAPY: Intent.CURATIVE,
}

#: Kind of each option, as listed in the catalogue.
KIND: Final[Mapping[OptionId, str]] = {
    Opt.OBSERVE_AND_REASSESS: "diagnostic",
    Opt.SURVEILLANCE: "follow-up",
    Opt.BIOPSY_AND_RESTAGE: "diagnostic",
    Opt.SALVAGE_APR: "surgery",
    Opt.EXTENDED_RESECTION: "surgery (multivisceral, exenteration, lateral node dissection)",
    Opt.PERINEAL_FLAP_RECONSTRUCTION: "surgery (adjunct)",
    Opt.INGUINAL_LYMPHADENECTOMY: "surgery",
    Opt.LOCAL_EXCISION: "surgery",
    Opt.GROIN_RADIOTHERAPY: "radiotherapy (adjuvant or definitive)",
    Opt.REIRRADIATION: "radiotherapy",
    Opt.IORT: "radiotherapy (adjunct)",
    Opt.PALLIATIVE_RADIOTHERAPY: "radiotherapy",
    Opt.CARBOPLATIN_PACLITAXEL: "systemic",
    Opt.CARBOPLATIN_PACLITAXEL_RETIFANLIMAB: "systemic",
    Opt.CISPLATIN_FLUOROURACIL: "systemic",
    Opt.DOCETAXEL_CISPLATIN_FLUOROURACIL: "systemic (modified or standard DCF)",
    Opt.ANTI_PD1_MONOTHERAPY: "systemic (retifanlimab, nivolumab, pembrolizumab)",
    Opt.NIVOLUMAB_IPILIMUMAB: "systemic",
    Opt.METASTASIS_DIRECTED_THERAPY: "surgery / ablation / radiotherapy",
    Opt.CLINICAL_TRIAL: "referral",
    Opt.BEST_SUPPORTIVE_CARE: "supportive",
    Opt.PRIMARY_CHEMORADIOTHERAPY: "out-of-scope pointer (primary treatment)",
}
