"""The case model in one import: every case class, measurement kind and enum a case uses.

Build a case in Python from this module alone (the classes are defined in
:mod:`ascc_salvage.case`, the enums in :mod:`ascc_salvage.vocabulary` and
:mod:`ascc_salvage.staging`; the objects here are the same objects)::

    from ascc_salvage.model import Case, Hiv, HivStatus, Patient, Sex

* **Every object is valid, however it was built.** Constructors check and convert what they
  are given (an enum's string value, an ISO date string, a list, a pint quantity or a
  ``(value, unit)`` pair for a measurement) and raise one
  :class:`~ascc_salvage.CaseValidationError` listing every problem by path; so does
  :func:`attrs.evolve`.
* **Keyword arguments only.** A nullable field may be left out and is then ``None``, which
  means *unknown* (``patient.age_years``, ``disease.resectable`` …); an optional key of the
  case format takes its documented default (``patient.declines=()``,
  ``chemoradiotherapy.phases=()`` …); ``Case.schema_version`` defaults to the current case
  schema. The other fields are required, among them every list whose emptiness states a fact
  (``assessments``, ``disease.sites``, the prior therapies: ``()`` means *none*) and the two
  nullable fields whose ``None`` is not *unknown*: ``Primary.chemoradiotherapy`` (``None``: no
  chemoradiotherapy was given) and ``Case.disease`` (``None``: no evaluable disease).
* **Measurements** are :class:`~ascc_salvage.case.Mass`, :class:`~ascc_salvage.case.Length`,
  :class:`~ascc_salvage.case.Creatinine`, :class:`~ascc_salvage.case.CellCount`,
  :class:`~ascc_salvage.case.Dose` and :class:`~ascc_salvage.case.GlomerularFiltrationRate`; a
  case class also takes ``Q_(68, "kg")`` or ``(68, "kg")`` where it expects one.

>>> from ascc_salvage.model import Assessment, Biopsy, Finding
>>> Assessment(date="2025-07-07", finding="stable", biopsy=Biopsy.POSITIVE).finding
<Finding.STABLE: 'stable'>
"""

from __future__ import annotations

from ascc_salvage.case import (
    Assessment,
    Biomarkers,
    Case,
    CellCount,
    Chemoradiotherapy,
    Creatinine,
    Disease,
    DiseaseSite,
    DiseaseSymptom,
    Dose,
    Facility,
    GlomerularFiltrationRate,
    HepaticFunction,
    Hiv,
    Length,
    Mass,
    Measurement,
    Patient,
    PdL1Test,
    Primary,
    PriorRadiotherapy,
    PriorSalvageSurgery,
    PriorSystemicTherapy,
    RadiotherapyPhase,
    SiteFinding,
    Stage,
)
from ascc_salvage.staging import Edition, MCategory, NCategory, StagePrefix, TCategory
from ascc_salvage.vocabulary import (
    BestResponse,
    Biopsy,
    Condition,
    Finding,
    HivStatus,
    InvadedStructure,
    Jurisdiction,
    Laterality,
    LesionFinding,
    Margin,
    MarkerStatus,
    MismatchRepair,
    Modality,
    NodalStation,
    OptionId,
    OtherRegimen,
    PdL1Assay,
    PdL1Specimen,
    PhaseTarget,
    PhaseTechnique,
    PrimarySite,
    RadiosensitisingAgent,
    RadiotherapyRegion,
    RadiotherapyTechnique,
    Sex,
    Site,
    SurgeryProcedure,
    Symptom,
    SystemicAgent,
    TherapyOutcome,
    TherapySetting,
)

__all__ = [
    "Assessment",
    "BestResponse",
    "Biomarkers",
    "Biopsy",
    "Case",
    "CellCount",
    "Chemoradiotherapy",
    "Condition",
    "Creatinine",
    "Disease",
    "DiseaseSite",
    "DiseaseSymptom",
    "Dose",
    "Edition",
    "Facility",
    "Finding",
    "GlomerularFiltrationRate",
    "HepaticFunction",
    "Hiv",
    "HivStatus",
    "InvadedStructure",
    "Jurisdiction",
    "Laterality",
    "Length",
    "LesionFinding",
    "MCategory",
    "Margin",
    "MarkerStatus",
    "Mass",
    "Measurement",
    "MismatchRepair",
    "Modality",
    "NCategory",
    "NodalStation",
    "OptionId",
    "OtherRegimen",
    "Patient",
    "PdL1Assay",
    "PdL1Specimen",
    "PdL1Test",
    "PhaseTarget",
    "PhaseTechnique",
    "Primary",
    "PrimarySite",
    "PriorRadiotherapy",
    "PriorSalvageSurgery",
    "PriorSystemicTherapy",
    "RadiosensitisingAgent",
    "RadiotherapyPhase",
    "RadiotherapyRegion",
    "RadiotherapyTechnique",
    "Sex",
    "Site",
    "SiteFinding",
    "Stage",
    "StagePrefix",
    "SurgeryProcedure",
    "Symptom",
    "SystemicAgent",
    "TCategory",
    "TherapyOutcome",
    "TherapySetting",
]
