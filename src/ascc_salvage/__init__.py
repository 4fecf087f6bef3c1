"""ascc_salvage: explainable decision support for anal SCC after failed chemoradiotherapy.

A research and reference implementation of published guideline logic that supports a
multidisciplinary team. It is not a medical device and never replaces clinical judgement.
"""

from ascc_salvage._version import __version__
from ascc_salvage.case import Case
from ascc_salvage.engine import recommend
from ascc_salvage.errors import CaseValidationError, Problem
from ascc_salvage.io import dump_case, load_case
from ascc_salvage.result import Result, result_to_dict
from ascc_salvage.status import StatusAssessment, assess_status

__all__ = [
    "Case",
    "CaseValidationError",
    "Problem",
    "Result",
    "StatusAssessment",
    "__version__",
    "assess_status",
    "dump_case",
    "load_case",
    "recommend",
    "result_to_dict",
]
