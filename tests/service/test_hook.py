"""The CDS Hooks service without client authentication, over HTTP on a real uvicorn server."""

from __future__ import annotations

import datetime as dt
import json
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
from tests.interop._support import example_document
from tests.service._support import WHEN, free_socket, hook_request, prefetch_from, running

from ascc_salvage import fhir, load_case, result_to_dict
from ascc_salvage.engine import recommend
from ascc_salvage.service import PREFETCH, SERVICE_ID, ServiceConfig, create_app
from ascc_salvage.service._hook import bundle_from_prefetch

HOOK_PATH = f"/cds-services/{SERVICE_ID}"


@pytest.fixture(scope="module")
def audit_log(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return tmp_path_factory.mktemp("audit") / "audit.jsonl"


@pytest.fixture(scope="module")
def client(audit_log: Path) -> Iterator[httpx.Client]:
    config = ServiceConfig(audit_log=audit_log, max_body_bytes=200_000, jurisdiction="EU")
    with (
        running(create_app(config), free_socket()) as url,
        httpx.Client(base_url=url, timeout=30) as http,
    ):
        yield http


def records(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text("utf-8").splitlines()]


def call(client: httpx.Client, request: Any) -> httpx.Response:
    return client.post(HOOK_PATH, json=request)


def tiers(result_document: dict[str, Any]) -> dict[str, str]:
    return {o["option"]: o["tier"] for o in result_document["options"]}


def test_discovery(client: httpx.Client) -> None:
    response = client.get("/cds-services")
    assert response.status_code == 200
    (service,) = response.json()["services"]
    assert service["hook"] == "patient-view"
    assert service["id"] == SERVICE_ID
    assert service["prefetch"] == dict(PREFETCH)
    assert service["prefetch"]["patient"] == "Patient/{{context.patientId}}"
    assert {"conditions", "observations", "procedures", "medicationRequests"} <= set(PREFETCH)
    assert "medicationAdministrations" in PREFETCH


def test_hook_gives_the_recommendation_of_the_json_case(
    client: httpx.Client, audit_log: Path
) -> None:
    response = call(client, hook_request())
    assert response.status_code == 200
    cards = response.json()["cards"]
    expected = recommend(load_case(example_document()))
    plan = cards[0]
    assert plan["summary"] == (
        "Persistent: preferred Salvage abdominoperineal resection, Perineal flap reconstruction"
    )
    actions = [a for s in plan["suggestions"] for a in s["actions"]]
    assert [a["resource"]["resourceType"] for a in actions] == ["CarePlan", "CarePlan"]
    assert actions[0]["resource"]["subject"] == {"reference": "Patient/example-patient"}
    # the same plan, with the same criteria, as the JSON case document
    from ascc_salvage.fhir._cds import build_cards

    (json_plan, *_) = build_cards(expected, patient_id="example-patient")
    assert plan["summary"] == json_plan["summary"]
    criteria = [line for line in plan["detail"].splitlines() if line.startswith("- `")]
    assert criteria == [x for x in json_plan["detail"].splitlines() if x.startswith("- `")]
    digest = plan["extension"]["ascc_salvage.input_digest"]
    logged = [r for r in records(audit_log) if r["event"] == "cards"][-1]
    assert logged["input_digest"] == digest
    assert logged["cards"] == [c["uuid"] for c in cards]
    assert logged["recommendation"] == [str(o) for o in expected.preferred]
    assert logged["client"] is None
    again = call(client, hook_request()).json()["cards"]
    assert again[0]["uuid"] != plan["uuid"]  # a fresh uuid per card per response


def test_missing_judgements_card_links_to_the_form(client: httpx.Client) -> None:
    response = call(client, hook_request(with_base=False))
    assert response.status_code == 200
    (card,) = response.json()["cards"]
    assert card["indicator"] == "warning"
    assert card["summary"].startswith("Clinician input needed: assessments, disease")
    assert "suggestions" not in card
    (link,) = card["links"]
    assert link["type"] == "absolute"
    url = urlsplit(link["url"])
    assert f"{url.scheme}://{url.netloc}" == str(client.base_url)
    page = client.get(url.path)
    assert page.status_code == 200
    assert page.headers["content-type"].startswith("text/html")
    assert "default-src 'none'" in page.headers["content-security-policy"]
    text = page.text
    assert "assessments: not supplied by base" in text
    assert "&quot;anal_canal&quot;" in text  # pre-filled from the record
    assert "&quot;assessments&quot;" not in text  # never guessed
    # the clinician completes the case and posts it
    document = example_document()
    posted = client.post(url.path, data={"case": json.dumps(document)})
    assert posted.status_code == 200
    assert "Salvage abdominoperineal resection" in posted.text
    as_json = client.post(url.path, json=document)
    assert as_json.status_code == 200
    expected = result_to_dict(recommend(load_case(document)))
    assert as_json.json()["result"] == expected
    assert as_json.json()["cards"][0]["summary"].startswith("Persistent: preferred Salvage")


def test_the_form_refuses_an_invalid_case(client: httpx.Client) -> None:
    (card,) = call(client, hook_request(with_base=False)).json()["cards"]
    path = urlsplit(card["links"][0]["url"]).path
    document = example_document()
    document["patient"]["ecog"] = 9
    posted = client.post(path, data={"case": json.dumps(document)})
    assert posted.status_code == 422
    assert "patient.ecog" in posted.text
    as_json = client.post(path, json=document)
    assert as_json.status_code == 422
    assert as_json.json()["problems"][0]["path"] == "patient.ecog"
    assert client.post(path, data={"other": "x"}).status_code == 400
    assert client.post(path, content=b"case=%ff", headers=FORM).status_code == 400
    assert client.post(path, content=b"case", headers=FORM).status_code == 400
    gone = client.get("/case-form/not-a-token")
    assert gone.status_code == 404
    assert "expired" in gone.text
    assert client.post("/case-form/not-a-token", data={"case": "{}"}).status_code == 404
    assert client.post("/case-form/not-a-token", json={}).json()["error"]["status"] == 404


FORM = {"content-type": "application/x-www-form-urlencoded"}


def test_result_page_shows_missing_information_and_warnings(client: httpx.Client) -> None:
    (card,) = call(client, hook_request(with_base=False)).json()["cards"]
    path = urlsplit(card["links"][0]["url"]).path
    document = example_document()
    document["patient"]["fit_for_major_surgery"] = None
    document["patient"]["hiv"]["status"] = "unknown"
    page = client.post(path, data={"case": json.dumps(document)})
    assert page.status_code == 200
    assert "Missing information" in page.text
    assert "Warnings" in page.text


def test_a_record_that_is_not_a_valid_case(client: httpx.Client) -> None:
    request = hook_request()
    conditions = request["prefetch"]["conditions"]
    conditions["entry"] = []  # no primary cancer condition
    conditions["total"] = 0
    (card,) = call(client, request).json()["cards"]
    assert card["summary"].startswith("The record does not give a valid case")
    assert "primary.site" in card["detail"]
    assert "Mapped from the record" in card["detail"]
    page = client.get(urlsplit(card["links"][0]["url"]).path)
    assert "&quot;assessments&quot;" in page.text  # from the clinician's base
    request = hook_request()
    request["prefetch"]["patient"]["gender"] = 5  # not FHIR R4
    (card,) = call(client, request).json()["cards"]
    assert "Mapped from the record" not in card["detail"]
    assert "bundle" in card["detail"]


def test_missing_prefetch_is_named(client: httpx.Client) -> None:
    request = hook_request()
    request["prefetch"]["observations"] = None
    del request["prefetch"]["procedures"]
    (card,) = call(client, request).json()["cards"]
    assert card["summary"] == "Record data missing from the request: observations, procedures"
    assert "links" not in card
    uuid.UUID(card["uuid"])


def test_duplicate_and_anonymous_resources_in_the_prefetch(client: httpx.Client) -> None:
    request = hook_request()
    prefetch = request["prefetch"]
    prefetch["conditions"]["entry"] += [*prefetch["conditions"]["entry"]]
    prefetch["observations"]["entry"].append(
        {"resource": {"resourceType": "Observation", "status": "final", "code": {"text": "x"}}}
    )
    response = call(client, request)
    assert response.status_code == 200
    assert response.json()["cards"][0]["summary"].startswith("Persistent: preferred")


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (lambda search: search.update(total="99"), "malformed: total is not a count"),
        (lambda search: search.update(total=99.0), "malformed: total is not a count"),
        (lambda search: search.update(total=-1), "malformed: total is not a count"),
        (
            lambda search: search.update(link={"relation": "next", "url": "https://x.example"}),
            "malformed: link is not a list of links",
        ),
        (lambda search: search.update(link=["next"]), "malformed: link is not a list of links"),
        (
            lambda search: search["entry"].append({"fullUrl": "urn:uuid:no-resource"}),
            "malformed: an entry without a resource",
        ),
        (
            lambda search: search["entry"].append("not an entry"),
            "malformed: an entry without a resource",
        ),
        (
            lambda search: search["entry"].append({"resource": "not a resource"}),
            "malformed: an entry without a resource",
        ),
    ],
)
def test_a_malformed_search_result_is_never_read_as_complete(
    client: httpx.Client, change: Any, why: str
) -> None:
    # Such entries were dropped and such paging markers ignored: the list was read as complete.
    request = hook_request()
    change(request["prefetch"]["conditions"])
    (card,) = call(client, request).json()["cards"]
    assert card["summary"] == "Record data missing from the request: conditions"
    assert f"- `conditions ({why})`" in card["detail"]


@pytest.mark.parametrize(
    "patient",
    [
        {"resourceType": "Practitioner", "id": "example-patient"},
        {"resourceType": "Bundle", "id": "example-patient", "type": "searchset", "entry": []},
    ],
    ids=["practitioner", "bundle"],
)
def test_a_prefetched_patient_that_is_not_a_patient_resource_gives_no_recommendation(
    client: httpx.Client, patient: dict[str, Any]
) -> None:
    request = hook_request()
    request["prefetch"]["patient"] = patient
    (card,) = call(client, request).json()["cards"]
    assert card["summary"] == "Record data missing from the request: patient"
    assert "patient (not a Patient resource)" in card["detail"]


def test_evaluation_date_defaults_to_today_and_jurisdiction_to_the_config(
    client: httpx.Client,
) -> None:
    request = hook_request()
    del request["extension"]["ascc_salvage.evaluation_date"]
    del request["extension"]["ascc_salvage.base"]["jurisdiction"]
    cards = call(client, request).json()["cards"]
    assert "- jurisdiction: EU" in cards[0]["detail"]
    assert f"- evaluation date: {WHEN}" not in cards[0]["detail"]


def test_feedback_is_appended_to_the_audit_log(client: httpx.Client, audit_log: Path) -> None:
    cards = call(client, hook_request()).json()["cards"]
    plan = cards[0]
    feedback = {
        "feedback": [
            {
                "card": plan["uuid"],
                "outcome": "accepted",
                "acceptedSuggestions": [{"id": plan["suggestions"][0]["uuid"]}],
                "outcomeTimestamp": "2026-11-26T10:00:00Z",
            },
            {
                "card": plan["uuid"],
                "outcome": "overridden",
                "overrideReason": {"reason": plan["overrideReasons"][0], "userComment": "MDT"},
                "outcomeTimestamp": "2026-11-26T10:01:00Z",
            },
        ]
    }
    response = client.post(f"{HOOK_PATH}/feedback", json=feedback)
    assert response.status_code == 200
    logged = [r for r in records(audit_log) if r["event"] == "feedback"][-2:]
    assert [r["feedback"] for r in logged] == feedback["feedback"]  # as received
    assert all(r["service"] == SERVICE_ID for r in logged)
    assert "example-patient" not in json.dumps(logged)


def test_a_feedback_item_cannot_forge_the_audit_records_own_fields(
    client: httpx.Client, audit_log: Path
) -> None:
    # The item's keys were spread into the record: "event", "client" and "logged" from the
    # client replaced the ones the service writes.
    forged = {
        "card": "c",
        "outcome": "accepted",
        "outcomeTimestamp": "2026-11-26T10:00:00Z",
        "event": "cards",
        "service": "x",
        "client": {"iss": "https://ehr.hospital.example", "sub": "someone-else"},
        "logged": "2020-01-01T00:00:00.000+00:00",
    }
    assert client.post(f"{HOOK_PATH}/feedback", json={"feedback": [forged]}).status_code == 200
    (record,) = [r for r in records(audit_log) if r.get("feedback") == forged]
    assert record["event"] == "feedback"
    assert record["service"] == SERVICE_ID
    assert record["client"] is None  # no client authentication configured
    assert record["logged"] > "2026"


@pytest.mark.parametrize("constant", ["NaN", "Infinity", "-Infinity"])
def test_a_body_with_a_non_finite_number_is_refused(
    client: httpx.Client, audit_log: Path, constant: str
) -> None:
    # json.loads accepts these, and they reached the audit log: a line no JSON parser reads.
    body = (
        '{"feedback": [{"card": "c", "outcome": "accepted", '
        f'"outcomeTimestamp": "t", "acceptedSuggestions": [{{"id": {constant}}}]}}]}}'
    )
    response = client.post(
        f"{HOOK_PATH}/feedback", content=body, headers={"Content-Type": "application/json"}
    )
    assert response.status_code == 400
    assert "not JSON" in response.json()["error"]["message"]
    assert all(json.loads(line) for line in audit_log.read_text().splitlines())


@pytest.mark.parametrize(
    ("body", "message"),
    [
        (b"{not json", "not JSON"),
        (b"[" * 5000 + b"]" * 5000, "not JSON"),
        (b"[]", "the request must be a JSON object"),
        (b'{"hook": "order-select"}', "hook must be"),
        (b'{"hook": "patient-view"}', "hookInstance"),
        (b'{"hook": "patient-view", "hookInstance": "x"}', "context must be"),
        (b'{"hook": "patient-view", "hookInstance": "x", "context": {}}', "patientId"),
        (
            b'{"hook": "patient-view", "hookInstance": "x", "context": {"patientId": "a b"}}',
            "patientId",
        ),
    ],
)
def test_malformed_hook_requests(client: httpx.Client, body: bytes, message: str) -> None:
    response = client.post(HOOK_PATH, content=body, headers={"content-type": "application/json"})
    assert response.status_code == 400
    assert message in response.json()["error"]["message"]


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"prefetch": []}, "prefetch must be"),
        ({"prefetch": {"patient": []}}, "prefetch.patient must be"),
        ({"extension": []}, "extension must be"),
        ({"extension": {"ascc_salvage.base": []}}, "extension.ascc_salvage.base"),
        ({"extension": {"ascc_salvage.evaluation_date": "soon"}}, "ISO date"),
        ({"extension": {"ascc_salvage.evaluation_date": 3}}, "ISO date"),
    ],
)
def test_malformed_hook_parts(client: httpx.Client, change: dict[str, Any], message: str) -> None:
    response = call(client, hook_request(**change))
    assert response.status_code == 400
    assert message in response.json()["error"]["message"]


def test_a_prefetch_search_that_is_not_a_bundle(client: httpx.Client) -> None:
    request = hook_request()
    request["prefetch"]["conditions"] = {"resourceType": "Condition"}
    response = call(client, request)
    assert response.status_code == 400
    assert "prefetch.conditions must be a Bundle" in response.json()["error"]["message"]
    request["prefetch"]["conditions"] = {"resourceType": "Bundle", "entry": {}}
    assert call(client, request).status_code == 400


@pytest.mark.parametrize(
    "feedback",
    [
        {},
        {"feedback": []},
        {"feedback": ["x"]},
        {"feedback": [{"card": "c", "outcome": "ignored"}]},
        {"feedback": [{"card": "c", "outcome": "accepted"}]},
        {"feedback": [{"card": "c", "outcome": "accepted", "outcomeTimestamp": "t",
                       "acceptedSuggestions": {}}]},
        {"feedback": [{"card": "c", "outcome": "overridden", "outcomeTimestamp": "t",
                       "overrideReason": []}]},
    ],
)  # fmt: skip
def test_malformed_feedback(client: httpx.Client, feedback: Any) -> None:
    response = client.post(f"{HOOK_PATH}/feedback", json=feedback)
    assert response.status_code == 400
    assert response.json()["error"]["status"] == 400


def test_unknown_service_and_route(client: httpx.Client) -> None:
    assert client.post("/cds-services/other", json={}).status_code == 404
    assert client.post("/cds-services/other/feedback", json={}).status_code == 404
    missing = client.get("/nothing")
    assert missing.status_code == 404
    assert missing.json() == {"error": {"status": 404, "message": "Not Found"}}
    assert client.get(HOOK_PATH).status_code == 405


def test_oversized_bodies_are_refused(client: httpx.Client) -> None:
    big = b"x" * 200_001
    response = client.post(HOOK_PATH, content=big)
    assert response.status_code == 413
    assert "larger than 200000 bytes" in response.json()["error"]["message"]

    def chunks() -> Any:
        for _ in range(5):
            yield b" " * 60_000

    streamed = client.post(HOOK_PATH, content=chunks())  # chunked: no content-length
    assert streamed.status_code == 413
    assert client.post(f"{HOOK_PATH}/feedback", content=big).status_code == 413


def test_cors_as_cds_hooks_recommends(client: httpx.Client) -> None:
    preflight = client.options(
        HOOK_PATH,
        headers={
            "origin": "https://ehr.example.org",
            "access-control-request-method": "POST",
            "access-control-request-headers": "authorization, content-type",
        },
    )
    assert preflight.status_code == 200
    assert preflight.headers["access-control-allow-origin"] == "*"
    assert "POST" in preflight.headers["access-control-allow-methods"]
    assert "authorization" in preflight.headers["access-control-allow-headers"].lower()
    simple = client.get("/cds-services", headers={"origin": "https://ehr.example.org"})
    assert simple.headers["access-control-allow-origin"] == "*"


# --------------------------------------------------------------------------- partial records


def test_a_prefetch_of_another_patient_is_never_read(client: httpx.Client) -> None:
    """CDS Hooks 2.0 (Prefetch): the service checks prefetched data against its template."""
    request = hook_request()
    request["context"]["patientId"] = "patient-A"  # the prefetch is Patient/example-patient
    (card,) = call(client, request).json()["cards"]
    assert card["summary"].startswith("The prefetched record is not the patient in context")
    assert card["indicator"] == "critical"
    assert "suggestions" not in card
    assert "Patient/example-patient" in card["detail"]
    request["prefetch"]["patient"]["id"] = "<img src=x onerror=alert(1)>"
    (card,) = call(client, request).json()["cards"]
    assert "<img" not in card["detail"]
    assert "a Patient without a valid id" in card["detail"]
    # A resource about someone else inside the record is refused by the mapping.
    request = hook_request()
    observation = request["prefetch"]["observations"]["entry"][0]["resource"]
    observation["subject"] = {"reference": "Patient/someone-else"}
    (card,) = call(client, request).json()["cards"]
    assert card["summary"].startswith("The record does not give a valid case")
    assert "is not the bundle's patient" in card["detail"]


@pytest.mark.parametrize(
    ("change", "why"),
    [
        (
            lambda search: search.update(
                link=[{"relation": "next", "url": "https://ehr.test.invalid/page2"}]
            ),
            "paged",
        ),
        (lambda search: search.update(total=search["total"] + 3), "but"),
        (
            lambda search: search["entry"].append(
                {
                    "resource": {
                        "resourceType": "OperationOutcome",
                        "issue": [{"severity": "warning", "code": "too-costly"}],
                    },
                    "search": {"mode": "outcome"},
                }
            ),
            "OperationOutcome",
        ),
    ],
)
def test_a_partial_search_is_never_read_as_complete(
    client: httpx.Client, change: Any, why: str
) -> None:
    """A paged or truncated list would hide prior therapy (lists are exhaustive)."""
    request = hook_request()
    change(request["prefetch"]["medicationAdministrations"])
    (card,) = call(client, request).json()["cards"]
    assert card["summary"] == "Record data missing from the request: medicationAdministrations"
    line = next(x for x in card["detail"].splitlines() if "medicationAdministrations (" in x)
    assert why in line


def test_an_operation_outcome_for_a_prefetch_key_is_missing_data(client: httpx.Client) -> None:
    request = hook_request()
    request["prefetch"]["observations"] = {
        "resourceType": "OperationOutcome",
        "issue": [{"severity": "error", "code": "timeout"}],
    }
    response = call(client, request)
    assert response.status_code == 200
    (card,) = response.json()["cards"]
    assert card["summary"] == "Record data missing from the request: observations"


def test_the_missing_prefetch_summary_stays_within_the_limit(client: httpx.Client) -> None:
    request = hook_request()
    del request["prefetch"]
    (card,) = call(client, request).json()["cards"]
    assert len(card["summary"]) < 140
    assert card["summary"].startswith("Record data missing from the request: patient")
    assert all(f"`{key}`" in card["detail"] for key in PREFETCH)


def test_urn_uuid_references_resolve_through_the_prefetch(client: httpx.Client) -> None:
    """The library's own export references by urn:uuid fullUrl: the entries keep them."""
    case = load_case(example_document())
    exported = fhir.case_to_bundle(case, birth_date=dt.date(1965, 1, 1))
    assert any(e["fullUrl"].startswith("urn:uuid:") for e in exported["entry"])
    request = hook_request(prefetch=prefetch_from(exported))
    request["context"]["patientId"] = request["prefetch"]["patient"]["id"]
    case_doc = example_document()
    request["extension"]["ascc_salvage.base"] = case_doc  # what FHIR does not carry
    response = call(client, request).json()
    (plan, *_) = response["cards"]
    assert plan["summary"].startswith("Persistent: preferred Salvage abdominoperineal resection")
    # The stage and the CRT come from the record (its urn:uuid references resolve), not base.
    bundle, missing = bundle_from_prefetch(request["prefetch"])
    assert missing == []
    _, report = fhir.case_from_bundle(bundle, evaluation_date=WHEN, base=case_doc)
    mapped = {field.path for field in report.mapped}
    assert {"primary.stage.t", "primary.chemoradiotherapy"} <= mapped


def test_medication_statements_are_prefetched_and_read() -> None:
    """Older senders record prior therapy as MedicationStatement (docs/fhir.md)."""
    assert "medicationStatements" in PREFETCH
    statement = {
        "resourceType": "MedicationStatement",
        "id": "carbo",
        "status": "completed",
        "medicationCodeableConcept": {"text": "carboplatin"},
        "subject": {"reference": "Patient/example-patient"},
        "effectivePeriod": {"start": "2025-01-01", "end": "2025-03-01"},
    }
    prefetch = prefetch_from(fhir.example_bundle())
    prefetch["medicationStatements"]["entry"] = [{"resource": statement}]
    prefetch["medicationStatements"]["total"] = 1
    bundle, missing = bundle_from_prefetch(prefetch)
    assert missing == []
    assert statement in [entry["resource"] for entry in bundle["entry"]]


_INJECTION = "x` [click me](https://evil.example/steal) <img src=x onerror=alert(1)> `"


@pytest.mark.parametrize("place", ["base key", "base enum"], ids=["base_key", "base_enum"])
def test_text_from_the_request_stays_code_in_the_card_markdown(
    client: httpx.Client, place: str
) -> None:
    # A problem line was wrapped in single backticks: a backtick in it ended the code span,
    # and what followed became a live link and raw HTML in the EHR's card.
    markdown_it = pytest.importorskip("markdown_it")
    request = hook_request()
    base = request["extension"]["ascc_salvage.base"]
    if place == "base key":
        base["patient"][_INJECTION + "\n<script>alert(1)</script>"] = 1
    else:
        base["disease"]["expected_margin"] = _INJECTION
    (card,) = call(client, request).json()["cards"]
    assert "evil.example" in card["detail"]  # the problem is shown ...
    html = markdown_it.MarkdownIt("commonmark").render(card["detail"])
    assert "<a " not in html  # ... as code: no link,
    assert "<img" not in html  # no image,
    assert "<script" not in html  # no HTML block
