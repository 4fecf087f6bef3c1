"""An mCODE-shaped bundle as an EHR sends it, written from the mCODE STU4 profiles.

SNOMED CT first (ICD-10-CM as a second coding), urn:uuid fullUrls and references, the anal
primary recorded twice, a second cancer (non-small cell lung cancer, adenocarcinoma: the mCODE
IG's own example codes) with its own staging and treatment, and medication requests with one
administration per dose.
"""

from __future__ import annotations

import datetime as dt
import uuid
from typing import Any

SCT = "http://snomed.info/sct"
LNC = "http://loinc.org"
ICD = "http://hl7.org/fhir/sid/icd-10-cm"
RXN = "http://www.nlm.nih.gov/research/umls/rxnorm"
UCUM = "http://unitsofmeasure.org"
MCODE = "http://hl7.org/fhir/us/mcode/StructureDefinition/"
CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical"
VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status"
LUNG_URL = "http://example.org/fhir/Condition/lung"


def urn(name: str) -> str:
    return f"urn:uuid:{uuid.uuid5(uuid.NAMESPACE_URL, 'mcode-test/' + name)}"


def cc(*codings: tuple[str, str], text: str = "") -> dict[str, Any]:
    out: dict[str, Any] = {"coding": [{"system": s, "code": c} for s, c in codings]}
    if text:
        out["text"] = text
    return out


def ref(name: str) -> dict[str, str]:
    return {"reference": urn(name)}


class McodeBundle:
    """Builds the bundle; tests edit ``resources`` before calling :meth:`build`."""

    def __init__(self) -> None:
        self.resources: dict[str, dict[str, Any]] = {}
        self.urls: dict[str, str] = {}
        self.add(
            "patient", {"resourceType": "Patient", "gender": "female", "birthDate": "1965-06-15"}
        )
        primary = {
            "resourceType": "Condition",
            "meta": {"profile": [MCODE + "mcode-primary-cancer-condition"]},
            "clinicalStatus": cc((CLINICAL, "active")),
            "verificationStatus": cc((VERIFICATION, "confirmed")),
            "code": cc((SCT, "93669004"), (ICD, "C21.1")),
            "bodySite": [cc((SCT, "34381000"))],
            "extension": [
                {
                    "url": MCODE + "mcode-histology-morphology-behavior",
                    "valueCodeableConcept": cc((SCT, "402815007")),
                }
            ],
            "stage": [{"assessment": [ref("stage-n")]}],
        }
        self.add("primary", primary)
        # the same diagnosis again, as a problem-list entry
        self.add(
            "primary-again",
            {
                "resourceType": "Condition",
                "verificationStatus": cc((VERIFICATION, "confirmed")),
                "code": cc((SCT, "93669004")),
            },
        )
        self.add(
            "lung",
            {
                "resourceType": "Condition",
                "meta": {"profile": [MCODE + "mcode-primary-cancer-condition"]},
                "verificationStatus": cc((VERIFICATION, "confirmed")),
                "code": cc((SCT, "254637007")),
                "extension": [
                    {
                        "url": MCODE + "mcode-histology-morphology-behavior",
                        "valueCodeableConcept": cc((SCT, "35917007")),
                    }
                ],
            },
            url=LUNG_URL,
        )
        # anal staging: group → T and M (hasMember); N through Condition.stage.assessment
        self.observation(
            "stage-group",
            (LNC, "21908-9"),
            "2025-01-02",
            valueCodeableConcept=cc((SCT, "1222592004")),
            focus=[ref("primary")],
            method=cc((SCT, "897275008")),
            hasMember=[ref("stage-t"), ref("stage-m")],
        )
        for name, code, value in (
            ("stage-t", "21905-5", "1228938002"),
            ("stage-n", "21906-3", "1229975001"),
            ("stage-m", "21907-1", "1229901006"),
        ):
            self.observation(name, (LNC, code), "2025-01-02", valueCodeableConcept=cc((SCT, value)))
        # the lung cancer's own (earlier) staging, by relative reference from a RESTful entry
        self.observation(
            "lung-t",
            (LNC, "21905-5"),
            "2018-01-10",
            valueCodeableConcept=cc((SCT, "1228889001")),
            focus=[{"reference": "Condition/lung"}],
            url="http://example.org/fhir/Observation/lung-t",
        )
        self.observation(
            "lung-m",
            (LNC, "21907-1"),
            "2018-01-10",
            valueCodeableConcept=cc((SCT, "1229901006")),
            focus=[{"reference": LUNG_URL}],
        )
        self.observation(
            "ecog", (LNC, "89247-1"), "2026-11-20", valueCodeableConcept=cc((LNC, "LA9623-5"))
        )
        self.observation("weight", (LNC, "29463-7"), "2026-11-20", valueQuantity=self.qty(68, "kg"))
        self.observation("height", (LNC, "8302-2"), "2019-03-01", valueQuantity=self.qty(165, "cm"))
        self.observation(
            "creatinine", (LNC, "2160-0"), "2026-09-01", valueQuantity=self.qty(0.9, "mg/dL")
        )
        self.observation(
            "hiv", (LNC, "75622-1"), "2026-11-20", valueCodeableConcept=cc((LNC, "LA6577-6"))
        )
        self.radiotherapy()
        # radiosensitising chemotherapy of the CRT
        self.request("crt-mmc", ("", ""), "mitomycin", "primary", "completed")
        self.given("crt-mmc", ["2025-01-06", "2025-02-03"])
        self.request("crt-5fu", (RXN, "4492"), "fluorouracil", "primary", "completed")
        self.given("crt-5fu", ["2025-01-06", "2025-02-03"])
        # the lung cancer's chemotherapy (2018), naming the lung condition by absolute URL
        for drug, code in (("carboplatin", "40048"), ("paclitaxel", "56946")):
            self.request(f"lung-{drug}", (RXN, code), drug, LUNG_URL, "completed")
            self.given(f"lung-{drug}", ["2018-02-01", "2018-02-22", "2018-03-15"])
        # salvage: carboplatin day 1 of three 28-day cycles, paclitaxel weekly (days 1, 8, 15)
        cycles = [dt.date(2025, 9, 1) + dt.timedelta(days=28 * n) for n in range(3)]
        self.request("carbo", (RXN, "40048"), "carboplatin", "primary", "stopped", palliative=True)
        self.given("carbo", [d.isoformat() for d in cycles])
        self.request("pacli", (RXN, "56946"), "paclitaxel", "primary", "stopped", palliative=True)
        self.given(
            "pacli",
            [(d + dt.timedelta(days=k)).isoformat() for d in cycles for k in (0, 7, 14)],
        )

    @staticmethod
    def qty(value: float, unit: str) -> dict[str, Any]:
        return {"value": value, "unit": unit, "system": UCUM, "code": unit}

    def add(self, name: str, resource: dict[str, Any], url: str | None = None) -> None:
        resource = {"id": name, **resource}
        if resource["resourceType"] not in ("Patient", "BodyStructure"):
            resource.setdefault("subject", ref("patient"))
        self.resources[name] = resource
        self.urls[name] = url or urn(name)

    def observation(
        self, name: str, code: tuple[str, str], when: str, url: str | None = None, **more: Any
    ) -> None:
        self.add(
            name,
            {
                "resourceType": "Observation",
                "status": "final",
                "code": cc(code),
                "effectiveDateTime": when,
                **more,
            },
            url=url,
        )

    def radiotherapy(self) -> None:
        self.add(
            "volume",
            {
                "resourceType": "BodyStructure",
                "patient": ref("patient"),
                "location": cc((SCT, "34381000")),
            },
        )
        self.add(
            "crt",
            {
                "resourceType": "Procedure",
                "meta": {"profile": [MCODE + "mcode-radiotherapy-course-summary"]},
                "status": "completed",
                "code": cc((SCT, "1217123003")),
                "reasonReference": [ref("primary")],
                "performedPeriod": {"start": "2025-01-06", "end": "2025-02-14"},
                "bodySite": [cc((SCT, "8928004"))],
                "extension": [
                    {
                        "url": MCODE + "mcode-radiotherapy-dose-delivered-to-volume",
                        "extension": [
                            {"url": "volume", "valueReference": ref("volume")},
                            {"url": "totalDoseDelivered", "valueQuantity": self.qty(5040, "cGy")},
                            {"url": "fractionsDelivered", "valueUnsignedInt": 28},
                        ],
                    }
                ],
            },
        )

    def request(
        self,
        name: str,
        coding: tuple[str, str],
        drug: str,
        reason: str,
        status: str,
        *,
        palliative: bool = False,
        **more: Any,
    ) -> None:
        medication = cc(coding, text=drug) if coding[0] else {"text": drug}
        resource: dict[str, Any] = {
            "resourceType": "MedicationRequest",
            "meta": {"profile": [MCODE + "mcode-cancer-related-medication-request"]},
            "status": status,
            "intent": "order",
            "medicationCodeableConcept": medication,
            "authoredOn": "2000-01-01",
            "reasonReference": [{"reference": reason} if ":" in reason else ref(reason)],
            **more,
        }
        if status == "stopped":
            resource["statusReason"] = cc((SCT, "266721009"))
        if palliative:
            resource["extension"] = [
                {
                    "url": MCODE + "mcode-procedure-intent",
                    "valueCodeableConcept": cc((SCT, "363676003")),
                }
            ]
        self.add(name, resource)

    def given(self, request: str, days: list[str]) -> None:
        drug = self.resources[request]["medicationCodeableConcept"]
        for day in days:
            self.add(
                f"{request}-{day}",
                {
                    "resourceType": "MedicationAdministration",
                    "meta": {"profile": [MCODE + "mcode-cancer-related-medication-administration"]},
                    "status": "completed",
                    "medicationCodeableConcept": drug,
                    "request": ref(request),
                    "effectiveDateTime": day,
                },
            )

    def build(self) -> dict[str, Any]:
        return {
            "resourceType": "Bundle",
            "type": "collection",
            "entry": [
                {"fullUrl": self.urls[name], "resource": resource}
                for name, resource in self.resources.items()
            ],
        }
