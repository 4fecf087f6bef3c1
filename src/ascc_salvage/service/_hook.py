"""The ``patient-view`` hook: prefetch → FHIR bundle → case → recommendation → cards.

Nothing here knows about HTTP: :func:`parse_hook_request` refuses a malformed request with
:class:`BadRequestError`, :func:`answer_hook` returns the response document.
"""

from __future__ import annotations

import copy
import datetime as dt
import re
import secrets
import threading
import time
import uuid
from collections.abc import Callable, Mapping
from typing import Any, Final

import attrs

from ascc_salvage.errors import CaseValidationError, Problem
from ascc_salvage.fhir import FhirMappingError, case_from_bundle
from ascc_salvage.fhir._cds import _summary, build_cards
from ascc_salvage.io import dump_case
from ascc_salvage.result import Result

__all__ = [
    "BASE_EXTENSION",
    "DATE_EXTENSION",
    "HOOK",
    "JUDGEMENT_FIELDS",
    "PREFETCH",
    "SERVICE_ID",
    "BadRequestError",
    "FormEntry",
    "FormStore",
    "HookAnswer",
    "HookRequest",
    "answer_hook",
    "bundle_from_prefetch",
    "discovery",
    "parse_hook_request",
]

#: The id of the service (its endpoint is ``/cds-services/{SERVICE_ID}``).
SERVICE_ID: Final = "ascc-salvage-patient-view"

#: The hook the service answers.
HOOK: Final = "patient-view"

#: The prefetch templates: everything the FHIR mapping reads, fetched by the CDS client.
PREFETCH: Final[Mapping[str, str]] = {
    "patient": "Patient/{{context.patientId}}",
    "conditions": "Condition?patient={{context.patientId}}",
    "observations": "Observation?patient={{context.patientId}}",
    "procedures": "Procedure?patient={{context.patientId}}",
    "bodyStructures": "BodyStructure?patient={{context.patientId}}",
    "medicationRequests": (
        "MedicationRequest?patient={{context.patientId}}&_include=MedicationRequest:medication"
    ),
    "medicationAdministrations": (
        "MedicationAdministration?patient={{context.patientId}}"
        "&_include=MedicationAdministration:medication"
    ),
    # Older senders record prior therapy as statements (docs/fhir.md); without them the
    # medication list would be read as complete while missing those courses.
    "medicationStatements": (
        "MedicationStatement?patient={{context.patientId}}&_include=MedicationStatement:medication"
    ),
}

#: Hook-request extension: a partial case document with the clinician's judgements.
BASE_EXTENSION: Final = "ascc_salvage.base"

#: Hook-request extension: the evaluation date (ISO); the service's date by default.
DATE_EXTENSION: Final = "ascc_salvage.evaluation_date"

#: Case fields that only a clinician can give (FHIR does not carry them here), with a hint.
JUDGEMENT_FIELDS: Final[Mapping[str, str]] = {
    "assessments": (
        'the response assessments: [{"date": "YYYY-MM-DD", "finding": "stable", '
        '"biopsy": "positive"}, …]'
    ),
    "disease": (
        "the current extent after restaging (restaged, sites, invaded_structures, resectable, "
        "expected_margin); null only when there is no evaluable disease"
    ),
    "prior_salvage_surgery": "earlier salvage operations ([] if none)",
    "patient.fit_for_major_surgery": "fit for major surgery (true/false)",
    "patient.accepts_permanent_colostomy": "accepts a permanent colostomy (true/false)",
}

_FHIR_ID: Final = re.compile(r"[A-Za-z0-9\-.]{1,64}")
_SEARCH_KEYS: Final = tuple(key for key in PREFETCH if key != "patient")


class BadRequestError(ValueError):
    """A request the service cannot process (answered 400 with the message)."""


@attrs.frozen
class HookRequest:
    """The parts of a ``patient-view`` hook request the service uses.

    Attributes:
        hook_instance: The client's id of this hook call.
        patient_id: ``context.patientId``.
        prefetch: The prefetched resources by key (``None`` when the client could not
            fetch one).
        base: The judgements sent in the ``ascc_salvage.base`` extension.
        evaluation_date: From the ``ascc_salvage.evaluation_date`` extension.
    """

    hook_instance: str
    patient_id: str
    prefetch: Mapping[str, Any]
    base: Mapping[str, Any] | None
    evaluation_date: dt.date | None


def _object(value: Any, where: str) -> dict[str, Any]:
    if not isinstance(value, dict):
        raise BadRequestError(f"{where} must be a JSON object")
    return value


def parse_hook_request(document: Any, service_id: str) -> HookRequest:
    """Check a parsed hook request for *service_id* and return what the service uses.

    Raises:
        BadRequestError: Not a ``patient-view`` request with ``hookInstance`` and
            ``context.patientId``, or a malformed ``prefetch`` or extension.
    """
    request = _object(document, "the request")
    if request.get("hook") != HOOK:
        raise BadRequestError(f"hook must be {HOOK!r} for service {service_id!r}")
    instance = request.get("hookInstance")
    if not isinstance(instance, str) or not instance:
        raise BadRequestError("hookInstance must be a non-empty string")
    context = _object(request.get("context"), "context")
    patient_id = context.get("patientId")
    if not isinstance(patient_id, str) or not _FHIR_ID.fullmatch(patient_id):
        raise BadRequestError("context.patientId must be a FHIR id")
    prefetch = _object(request.get("prefetch", {}), "prefetch")
    for key, value in prefetch.items():
        if value is not None and not isinstance(value, dict):
            raise BadRequestError(f"prefetch.{key} must be a FHIR resource or null")
    extension = _object(request.get("extension", {}), "extension")
    base = extension.get(BASE_EXTENSION)
    if base is not None:
        base = _object(base, f"extension.{BASE_EXTENSION}")
    when = extension.get(DATE_EXTENSION)
    try:
        evaluation_date = None if when is None else dt.date.fromisoformat(when)
    except (TypeError, ValueError):
        raise BadRequestError(f"extension.{DATE_EXTENSION} must be an ISO date") from None
    return HookRequest(instance, patient_id, prefetch, base, evaluation_date)


def discovery() -> dict[str, Any]:
    """Return the discovery document (``GET /cds-services``)."""
    return {
        "services": [
            {
                "hook": HOOK,
                "id": SERVICE_ID,
                "title": "Anal cancer after chemoradiotherapy: salvage options",
                "description": (
                    "Options for anal squamous cell carcinoma after chemoradiotherapy "
                    "(persistent, progressive or recurrent disease), with the criteria, "
                    "evidence and what is missing. Decision support for a multidisciplinary "
                    "team; not a medical device."
                ),
                "prefetch": dict(PREFETCH),
                "usageRequirements": (
                    "Clinical judgements FHIR does not carry (assessments, current disease "
                    "extent, fitness, consent) come from the clinician through a form linked "
                    f"from the card, or from the {BASE_EXTENSION!r} request extension."
                ),
            }
        ]
    }


# --------------------------------------------------------------------------- bundle


def _incomplete(search: Mapping[str, Any]) -> str:
    """Why a prefetched search result is not the complete list ("" when it is).

    CDS Hooks 2.0 (Prefetch): a client may page results or report errors with an
    OperationOutcome; the service must not read a partial list as complete (the case
    format's lists are exhaustive).
    """
    raw_entries = search.get("entry", [])
    links = search.get("link", [])
    total = search.get("total")
    # Malformed paging markers or entries cannot show the list is complete (never guess).
    if not isinstance(links, list) or not all(isinstance(link, dict) for link in links):
        return "malformed: link is not a list of links"
    if total is not None and (type(total) is not int or total < 0):
        return "malformed: total is not a count"
    if not all(isinstance(e, dict) and isinstance(e.get("resource"), dict) for e in raw_entries):
        return "malformed: an entry without a resource"
    entries: list[dict[str, Any]] = raw_entries
    if any(link.get("relation") == "next" for link in links):
        return "paged: only the first page was sent"
    outcomes = [e for e in entries if e["resource"].get("resourceType") == "OperationOutcome"]
    # Entries without search.mode count as matches (an _include'd resource says "include").
    matches = [
        e
        for e in entries
        if e not in outcomes
        and not (isinstance(e.get("search"), dict) and e["search"].get("mode") != "match")
    ]
    if total is not None and total > len(matches):
        return f"total {total}, but {len(matches)} sent"
    if outcomes:
        return "the client reported a problem with this search (OperationOutcome)"
    return ""


def bundle_from_prefetch(prefetch: Mapping[str, Any]) -> tuple[dict[str, Any], list[str]]:
    """Return a collection bundle of every prefetched resource, and the missing keys.

    A search result contributes its entries (with their ``fullUrl``, which references may
    name; a resource returned by two searches is kept once). A key that is absent,
    ``null`` or an ``OperationOutcome`` (the client could not fetch it) is missing, and so is
    a search the client paged or reported a problem with (named ``key (why)``): a partial
    list must never be read as complete.
    """
    missing: list[str] = []
    for key in PREFETCH:
        value = prefetch.get(key)
        if value is None or (
            isinstance(value, dict) and value.get("resourceType") == "OperationOutcome"
        ):
            missing.append(key)
        elif key == "patient" and (
            not isinstance(value, dict) or value.get("resourceType") != "Patient"
        ):
            # Patient/{{context.patientId}} gives a Patient: anything else (a Bundle, a
            # Practitioner with the patient's id) is not the patient's record.
            missing.append("patient (not a Patient resource)")
    resources: dict[tuple[str, str], tuple[Any, Any]] = {}
    patient = prefetch.get("patient")
    found: list[tuple[Any, Any]] = []
    if isinstance(patient, dict) and patient.get("resourceType") != "OperationOutcome":
        found.append((None, patient))
    for key in _SEARCH_KEYS:
        search = prefetch.get(key)
        if search is None or key in missing:
            continue
        if search.get("resourceType") != "Bundle" or not isinstance(search.get("entry", []), list):
            raise BadRequestError(f"prefetch.{key} must be a Bundle (a search result)")
        why = _incomplete(search)
        if why:
            missing.append(f"{key} ({why})")
            continue
        found += [(e.get("fullUrl"), e["resource"]) for e in search.get("entry", [])]
    anonymous: list[tuple[Any, Any]] = []
    # Every resource found is an object, and none an OperationOutcome (a search holding one
    # is missing, see _incomplete).
    for url, resource in found:
        ident = (str(resource.get("resourceType")), str(resource.get("id")))
        if resource.get("id") is None:
            anonymous.append((url, resource))
        else:
            resources.setdefault(ident, (url, resource))
    entries = [
        {"fullUrl": url, "resource": r} if isinstance(url, str) and url else {"resource": r}
        for url, r in [*resources.values(), *anonymous]
    ]
    return {"resourceType": "Bundle", "type": "collection", "entry": entries}, missing


# --------------------------------------------------------------------------- case forms


@attrs.frozen
class FormEntry:
    """A case form offered to a clinician: the pre-filled document and what is missing.

    Attributes:
        document: The case document as far as the record gave it.
        problems: ``path: message`` of what the clinician must give or correct.
        patient_id: The patient of the hook call (drafts in the cards name them).
        expires: ``time.time()`` after which the form is gone.
    """

    document: Mapping[str, Any]
    problems: tuple[str, ...]
    patient_id: str | None
    expires: float


class FormStore:
    """Case forms by unguessable token, kept in memory for a limited time.

    Nothing is written to disk; the oldest forms are dropped beyond *capacity*.
    """

    def __init__(
        self, ttl_seconds: int, capacity: int = 1000, clock: Callable[[], float] = time.time
    ) -> None:
        self._ttl = ttl_seconds
        self._capacity = capacity
        self._clock = clock
        self._forms: dict[str, FormEntry] = {}
        self._lock = threading.Lock()

    def put(
        self, document: Mapping[str, Any], problems: tuple[str, ...], patient_id: str | None
    ) -> str:
        """Store a form and return its token."""
        token = secrets.token_urlsafe(24)
        entry = FormEntry(document, problems, patient_id, self._clock() + self._ttl)
        with self._lock:
            self._purge()
            while len(self._forms) >= self._capacity:
                del self._forms[next(iter(self._forms))]
            self._forms[token] = entry
        return token

    def get(self, token: str) -> FormEntry | None:
        """Return the form of *token*, or ``None`` if unknown or expired."""
        with self._lock:
            self._purge()
            return self._forms.get(token)

    def _purge(self) -> None:
        now = self._clock()
        for token in [t for t, entry in self._forms.items() if entry.expires < now]:
            del self._forms[token]


# --------------------------------------------------------------------------- answering


def _source() -> dict[str, Any]:
    from ascc_salvage import __version__

    return {"label": f"ascc_salvage {__version__}"}


def _prefill(
    bundle: Mapping[str, Any],
    when: dt.date,
    base: Mapping[str, Any] | None,
    jurisdiction: str | None,
    missing: list[str],
) -> dict[str, Any]:
    """The case document as far as the bundle and *base* give it (for the clinician's form).

    The judgements the clinician must give are left out, never filled with a guess: the
    bundle is mapped with stand-ins for them, which are then removed again.
    """
    scaffold: dict[str, Any] = {"assessments": [], "disease": None, "prior_salvage_surgery": []}
    trial = {**scaffold, **copy.deepcopy(dict(base or {}))}
    try:
        case, _ = case_from_bundle(
            bundle, evaluation_date=when, base=trial, jurisdiction=jurisdiction
        )
    except CaseValidationError:
        document: dict[str, Any] = {
            "schema_version": 1,
            "evaluation_date": when.isoformat(),
            **copy.deepcopy(dict(base or {})),
        }
    else:
        document = dump_case(case)
    for key in scaffold.keys() & set(missing):
        document.pop(key, None)
    return document


def _problem_lines(problems: tuple[Problem, ...]) -> tuple[str, ...]:
    return tuple(f"{p.path}: {p.message}" for p in problems)


_BACKTICKS: Final = re.compile(r"`+")


def _code_span(text: str) -> str:
    """*text* as one Markdown code span, whatever it holds (it may come from the request).

    A problem line can quote a value of the record or of ``base``: inside a code span
    nothing is a link or HTML, so the fence must be longer than any run of backticks in
    the text (CommonMark), and a line break, which could end the list item and start a new
    block, becomes a space.
    """
    flat = " ".join(text.splitlines())
    fence = "`" * (max((len(run) for run in _BACKTICKS.findall(flat)), default=0) + 1)
    padded = f" {flat} " if flat.startswith("`") or flat.endswith("`") else flat
    return f"{fence}{padded}{fence}"


def _needs_clinician_card(
    problems: tuple[str, ...], link: str, missing_judgements: list[str]
) -> dict[str, Any]:
    judgements = [
        f"- {_code_span(field)} — {JUDGEMENT_FIELDS[field]}" for field in missing_judgements
    ]
    others = [
        f"- {_code_span(line)}" for line in problems if line.split(":")[0] not in missing_judgements
    ]
    lines = []
    if judgements:
        lines += ["Clinical judgements the record does not carry:", "", *judgements, ""]
    if others:
        lines += ["Problems with the record or the case:", "", *others, ""]
    lines.append(
        "Open the case form, complete or correct the case and submit it to get the options. "
        "No recommendation is made until then."
    )
    if judgements:
        summary = "Clinician input needed: " + ", ".join(missing_judgements)
    else:
        summary = "The record does not give a valid case: review it in the case form"
    return {
        "summary": _summary(summary),
        "indicator": "warning",
        "detail": "\n".join(lines),
        "links": [{"label": "Open the case form", "url": link, "type": "absolute"}],
    }


def _missing_prefetch_card(missing: list[str]) -> dict[str, Any]:
    lines = ["The CDS client did not send these prefetched searches completely:", ""]
    lines += [f"- `{key}`: `{PREFETCH[key.split(' (')[0]]}`" for key in missing]
    lines += ["", "Without them the record cannot be read completely; no recommendation is made."]
    return {
        "summary": _summary(
            "Record data missing from the request: "
            + ", ".join(key.split(" (")[0] for key in missing)
        ),
        "indicator": "warning",
        "detail": "\n".join(lines),
    }


def _wrong_patient_card(patient: Mapping[str, Any], request: HookRequest) -> dict[str, Any]:
    ident = patient.get("id")
    # Only a well-formed FHIR id is echoed into the card's Markdown.
    shown = (
        f"Patient/{ident}"
        if isinstance(ident, str) and _FHIR_ID.fullmatch(ident)
        else "a Patient without a valid id"
    )
    return {
        "summary": "The prefetched record is not the patient in context: no recommendation",
        "indicator": "critical",
        "detail": (
            f"`prefetch.patient` is {shown}, but `context.patientId` is "
            f"{request.patient_id}. The prefetch template is `{PREFETCH['patient']}`; the "
            "service reads one patient's record only."
        ),
    }


@attrs.frozen
class HookAnswer:
    """What :func:`answer_hook` decided.

    Attributes:
        response: The CDS Hooks response document (``{"cards": [...]}``).
        result: The recommendation, when one was made.
    """

    response: dict[str, Any]
    result: Result | None


def answer_hook(
    request: HookRequest,
    *,
    forms: FormStore,
    form_url: Callable[[str], str],
    jurisdiction: str | None,
    today: dt.date,
) -> HookAnswer:
    """Answer a ``patient-view`` call with the cards of the recommendation, or one card.

    The one card says what is missing: prefetched data, or judgements only a clinician can
    give (with a link to the case form, pre-filled with what the record gave).

    Args:
        request: The checked request.
        forms: Where case forms are kept.
        form_url: Builds the absolute URL of a form from its token.
        jurisdiction: For a case that does not give one.
        today: The evaluation date when the request does not give one.
    """
    bundle, missing = bundle_from_prefetch(request.prefetch)
    if missing:
        return HookAnswer({"cards": [_finish(_missing_prefetch_card(missing))]}, None)
    patient = request.prefetch.get("patient")
    if isinstance(patient, dict) and patient.get("id") != request.patient_id:
        # CDS Hooks 2.0 (Prefetch): the service checks prefetched data against its template
        # (Patient/{{context.patientId}}); another patient's record must never be read.
        return HookAnswer({"cards": [_finish(_wrong_patient_card(patient, request))]}, None)
    when = request.evaluation_date or today
    base = request.base
    region = None if base is not None and "jurisdiction" in base else jurisdiction
    from ascc_salvage.engine import recommend

    try:
        case, _ = case_from_bundle(bundle, evaluation_date=when, base=base, jurisdiction=region)
    except CaseValidationError as error:
        problems = _problem_lines(error.errors)
        paths = [p.path for p in error.errors]
        judgements = [field for field in JUDGEMENT_FIELDS if field in paths]
        document = _prefill(bundle, when, base, region, judgements)
        token = forms.put(document, problems, request.patient_id)
        card = _needs_clinician_card(problems, form_url(token), judgements)
        if isinstance(error, FhirMappingError):
            card["detail"] += f"\n\nMapped from the record: {len(error.report.mapped)} fields."
        return HookAnswer({"cards": [_finish(card)]}, None)
    result = recommend(case)
    return HookAnswer({"cards": build_cards(result, patient_id=request.patient_id)}, result)


def _finish(card: dict[str, Any]) -> dict[str, Any]:
    return {"uuid": str(uuid.uuid4()), **card, "source": _source()}
