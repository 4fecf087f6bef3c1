"""The request and response examples of docs/service.md are real: checked against the service.

Run with ``ASCC_SALVAGE_WRITE_EXAMPLES=1`` to rewrite them after an intended change.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from tests.service._support import free_socket, hook_request, running

from ascc_salvage.service import SERVICE_ID, ServiceConfig, create_app

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
WRITE = os.environ.get("ASCC_SALVAGE_WRITE_EXAMPLES") == "1"
_UUID = re.compile(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}")
_FORM = re.compile(r"http://127\.0\.0\.1:\d+/case-form/[A-Za-z0-9_-]+")


@pytest.fixture(scope="module")
def client() -> Iterator[httpx.Client]:
    with (
        running(create_app(ServiceConfig()), free_socket()) as url,
        httpx.Client(base_url=url, timeout=30) as http,
    ):
        yield http


def normalised(document: Any) -> str:
    text = json.dumps(document, indent=2, ensure_ascii=False) + "\n"
    text = _FORM.sub("http://127.0.0.1:8080/case-form/TOKEN", text)
    return _UUID.sub("00000000-0000-4000-8000-000000000000", text)


def check(name: str, document: Any) -> None:
    path = EXAMPLES / name
    text = normalised(document)
    if WRITE:
        path.write_text(text, "utf-8")
    assert path.read_text("utf-8") == text, (
        f"docs/examples/{name} is out of date; rewrite it with "
        "ASCC_SALVAGE_WRITE_EXAMPLES=1 pytest tests/service/test_docs_examples.py"
    )


def test_discovery_example(client: httpx.Client) -> None:
    check("discovery-response.json", client.get("/cds-services").json())


def test_hook_call_example(client: httpx.Client) -> None:
    check("hook-request.json", hook_request())
    request = json.loads((EXAMPLES / "hook-request.json").read_text("utf-8"))
    response = client.post(f"/cds-services/{SERVICE_ID}", json=request)
    assert response.status_code == 200
    check("hook-response.json", response.json())


def test_missing_judgement_example(client: httpx.Client) -> None:
    request = hook_request(with_base=False)
    response = client.post(f"/cds-services/{SERVICE_ID}", json=request)
    check("hook-response-clinician-input.json", response.json())
