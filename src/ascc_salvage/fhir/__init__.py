"""mCODE / FHIR R4 input and CDS Hooks output (extra ``fhir``).

* :func:`case_from_bundle` maps an mCODE bundle (R4, read with ``fhir.resources.R4B``) to a
  case, taking what FHIR does not carry from a base case document, and returns a
  :class:`MappingReport` of every field mapped, taken from base or left null, and of every
  resource or element not used.
* :func:`case_to_bundle` writes the FHIR-mappable part of a case as an mCODE bundle.
* :func:`result_to_cds_cards` turns a result into CDS Hooks cards, and :func:`cds_response`
  into a whole CDS Hooks response.

``fhir.resources`` is imported only when a bundle is read, so importing this module and
making cards need nothing beyond the library.
"""

from __future__ import annotations

from ascc_salvage.fhir._bundle import (
    FhirMappingError,
    MappedField,
    MappingReport,
    Unmapped,
    case_from_bundle,
)
from ascc_salvage.fhir._cds import cds_response, result_to_cds_cards
from ascc_salvage.fhir._export import case_to_bundle, example_bundle

__all__ = [
    "FhirMappingError",
    "MappedField",
    "MappingReport",
    "Unmapped",
    "case_from_bundle",
    "case_to_bundle",
    "cds_response",
    "example_bundle",
    "result_to_cds_cards",
]
