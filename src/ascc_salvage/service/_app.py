"""The FastAPI application of the CDS Hooks service (:func:`create_app`)."""

from __future__ import annotations

import datetime as dt
import ipaddress
import json
from collections.abc import Awaitable, Callable, Mapping, MutableMapping
from typing import Any, Final, NoReturn
from urllib.parse import parse_qs

from fastapi import FastAPI, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.middleware.cors import CORSMiddleware

from ascc_salvage._version import __version__
from ascc_salvage.errors import CaseValidationError
from ascc_salvage.fhir._cds import build_cards
from ascc_salvage.io import load_case
from ascc_salvage.result import Result, result_to_dict
from ascc_salvage.service._audit import AuditLog
from ascc_salvage.service._auth import AuthError, JwtVerifier
from ascc_salvage.service._config import ServiceConfig
from ascc_salvage.service._hook import (
    SERVICE_ID,
    BadRequestError,
    FormStore,
    HookAnswer,
    answer_hook,
    discovery,
    parse_hook_request,
)
from ascc_salvage.service._pages import form_page, message_page, result_page

__all__ = ["create_app", "is_loopback"]

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

#: Security headers of the HTML pages: no script, no framing by other sites, no caching.
_HTML_HEADERS: Final = {
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; base-uri 'none'"
    ),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}
_OUTCOMES: Final = frozenset({"accepted", "overridden"})


def is_loopback(host: str | None) -> bool:
    """Whether *host* (an address or ``localhost``) is a loopback address."""
    if host is None:
        return False
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _error(status: int, message: str, headers: Mapping[str, str] | None = None) -> JSONResponse:
    return JSONResponse(
        {"error": {"status": status, "message": message}}, status_code=status, headers=headers
    )


class _BodyLimit:
    """Refuse request bodies larger than *limit* bytes with 413 (declared or streamed)."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":  # lifespan
            await self.app(scope, receive, send)
            return
        declared = dict(scope["headers"]).get(b"content-length", b"0")
        if not declared.isdigit() or int(declared) > self.limit:
            response = _error(413, f"the request body is larger than {self.limit} bytes")
            await response(scope, receive, send)
            return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            received += len(message.get("body", b""))
            if received > self.limit:
                raise HTTPException(413, f"the request body is larger than {self.limit} bytes")
            return message

        await self.app(scope, limited, send)


class _LoopbackOnly:
    """Without client authentication, answer loopback clients only (403 otherwise)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        client = scope.get("client")
        if scope["type"] == "http" and not is_loopback(client[0] if client else None):
            response = _error(403, "no client authentication is configured: loopback clients only")
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


class _Service:
    """The state of one app: configuration, JWT checks, forms and the audit log."""

    def __init__(self, config: ServiceConfig) -> None:
        self.config = config
        self.verifier = JwtVerifier(config)
        self.forms = FormStore(config.form_ttl_seconds)
        self.audit = AuditLog(config.audit_log)

    def base_url(self, request: Request) -> str:
        return self.config.public_url or str(request.base_url).rstrip("/")

    def authenticate(self, request: Request, service_id: str) -> dict[str, Any] | None:
        """Return the client's JWT claims (``None`` without issuers), or raise 401."""
        if not self.config.authenticates:
            return None
        base = self.base_url(request)
        audiences = {f"{base}{request.url.path}", f"{base}/cds-services/{service_id}"}
        try:
            return self.verifier.verify(request.headers.get("authorization"), audiences)
        except AuthError as error:
            raise HTTPException(
                401, str(error), headers={"WWW-Authenticate": 'Bearer error="invalid_token"'}
            ) from None


def _client(claims: dict[str, Any] | None) -> dict[str, Any] | None:
    return None if claims is None else {"iss": claims.get("iss"), "sub": claims.get("sub")}


async def _json_body(request: Request) -> Any:
    body = await request.body()
    try:
        # NaN and Infinity are not JSON (RFC 8259): refused, so that nothing logged is either.
        return json.loads(body, parse_constant=_not_json)
    except (ValueError, RecursionError):
        raise HTTPException(400, "the request body is not JSON") from None


def _not_json(name: str) -> NoReturn:
    raise ValueError(f"{name} is not a JSON value")


def _known(service_id: str) -> None:
    if service_id != SERVICE_ID:
        raise HTTPException(404, f"no CDS service {service_id!r}")


def _feedback_items(document: Any) -> list[dict[str, Any]]:
    items = document.get("feedback") if isinstance(document, dict) else None
    if not isinstance(items, list) or not items:
        raise HTTPException(400, "feedback must be a non-empty list")
    for position, item in enumerate(items):
        where = f"feedback[{position}]"
        if not isinstance(item, dict) or not isinstance(item.get("card"), str):
            raise HTTPException(400, f"{where}.card must be a card uuid")
        if item.get("outcome") not in _OUTCOMES:
            raise HTTPException(400, f"{where}.outcome must be accepted or overridden")
        if not isinstance(item.get("outcomeTimestamp"), str):
            raise HTTPException(400, f"{where}.outcomeTimestamp must be a timestamp")
        for key, kind in (("acceptedSuggestions", list), ("overrideReason", dict)):
            if not isinstance(item.get(key, kind()), kind):
                raise HTTPException(400, f"{where}.{key} must be a {kind.__name__}")
    return items


def _issued(answer: HookAnswer) -> dict[str, Any]:
    """The audit record of the cards of one hook call (uuids, digest and versions only)."""
    cards = answer.response["cards"]
    record: dict[str, Any] = {
        "cards": [card["uuid"] for card in cards],
        "suggestions": [s["uuid"] for card in cards for s in card.get("suggestions", [])],
    }
    record.update(_basis(answer.result))
    return record


def _basis(result: Result | None) -> dict[str, Any]:
    if result is None:
        return {"recommendation": None}
    return {
        "input_digest": result.input_digest,
        "library_version": result.library_version,
        "knowledge_base_version": result.knowledge_base_version,
        "recommendation": [str(option) for option in result.preferred],
    }


def _html(content: str, status: int = 200) -> HTMLResponse:
    return HTMLResponse(content, status_code=status, headers=_HTML_HEADERS)


def _posted_case(body: bytes, is_json: bool) -> str:
    """The case document text of a form post (``case=`` field, or a JSON body)."""
    try:
        text = body.decode("utf-8")
        if is_json:
            return text
        values = parse_qs(text, strict_parsing=True, errors="strict").get("case", [])
    except (UnicodeDecodeError, ValueError):
        raise HTTPException(400, "the form must be UTF-8 and URL-encoded") from None
    if len(values) != 1:
        raise HTTPException(400, "the form must have one field 'case'")
    return values[0]


def create_app(config: ServiceConfig | None = None) -> FastAPI:
    """Return the CDS Hooks 2.0 service as a FastAPI (ASGI) app.

    Endpoints:

    * ``GET /cds-services`` — discovery: one ``patient-view`` service with its prefetch.
    * ``POST /cds-services/ascc-salvage-patient-view`` — the hook call: ``{"cards": [...]}``.
    * ``POST /cds-services/ascc-salvage-patient-view/feedback`` — card feedback, appended
      to the audit log.
    * ``GET``/``POST /case-form/{token}`` — the case form linked from a card when clinical
      judgements are missing, and the recommendation for the completed case (HTML, or JSON
      when the post is JSON).

    With ``issuers`` configured, hook and feedback calls need a client JWT; without them only
    loopback clients are answered. Errors are JSON ``{"error": {"status", "message"}}``,
    never a traceback.

    Args:
        config: The configuration (defaults: no authentication, no audit log).
    """
    service = _Service(config or ServiceConfig())
    settings = service.config
    app = FastAPI(
        title="ascc_salvage CDS Hooks service",
        version=__version__,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )

    async def http_error(request: Request, exc: Exception) -> Response:
        assert isinstance(exc, HTTPException)
        return _error(exc.status_code, str(exc.detail), exc.headers)

    async def internal_error(request: Request, exc: Exception) -> Response:
        return _error(500, "internal error; the service log has the details")

    app.add_exception_handler(HTTPException, http_error)
    app.add_exception_handler(Exception, internal_error)

    @app.get("/cds-services")
    async def cds_services() -> JSONResponse:
        return JSONResponse(discovery())

    @app.post("/cds-services/{service_id}")
    async def hook(service_id: str, request: Request) -> JSONResponse:
        _known(service_id)
        claims = service.authenticate(request, service_id)
        document = await _json_body(request)
        base = service.base_url(request)
        try:
            hook_request = parse_hook_request(document, service_id)
            answer = await run_in_threadpool(
                lambda: answer_hook(
                    hook_request,
                    forms=service.forms,
                    form_url=lambda token: f"{base}/case-form/{token}",
                    jurisdiction=settings.jurisdiction,
                    today=dt.date.today(),
                )
            )
        except BadRequestError as error:
            raise HTTPException(400, str(error)) from None
        service.audit.append(
            {
                "event": "cards",
                "service": service_id,
                "hookInstance": hook_request.hook_instance,
                "client": _client(claims),
                **_issued(answer),
            }
        )
        return JSONResponse(answer.response)

    @app.post("/cds-services/{service_id}/feedback")
    async def feedback(service_id: str, request: Request) -> JSONResponse:
        _known(service_id)
        claims = service.authenticate(request, service_id)
        items = _feedback_items(await _json_body(request))
        for item in items:
            # The item is nested as received: its keys can never stand in for the fields the
            # service vouches for (the event, the authenticated client, the time logged).
            service.audit.append(
                {
                    "event": "feedback",
                    "service": service_id,
                    "client": _client(claims),
                    "feedback": item,
                }
            )
        return JSONResponse({})

    @app.get("/case-form/{token}")
    async def case_form(token: str) -> HTMLResponse:
        entry = service.forms.get(token)
        if entry is None:
            return _html(message_page("Case form", "This form has expired or does not exist."), 404)
        heading = (
            "The record does not give everything the recommendation needs. Complete the case "
            "document below and submit it; no recommendation is made until then."
        )
        return _html(form_page(token, entry.document, entry.problems, heading))

    @app.post("/case-form/{token}")
    async def case_form_post(token: str, request: Request) -> Response:
        entry = service.forms.get(token)
        is_json = request.headers.get("content-type", "").startswith("application/json")
        if entry is None:
            if is_json:
                return _error(404, "this form has expired or does not exist")
            return _html(message_page("Case form", "This form has expired or does not exist."), 404)
        text = _posted_case(await request.body(), is_json)
        from ascc_salvage.engine import recommend

        try:
            case = load_case(text)
        except CaseValidationError as error:
            problems = [str(problem) for problem in error.errors]
            if is_json:
                return JSONResponse(
                    {
                        "error": {"status": 422, "message": "invalid case"},
                        "problems": [{"path": p.path, "message": p.message} for p in error.errors],
                    },
                    status_code=422,
                )
            return _html(form_page(token, text, problems), 422)
        result = await run_in_threadpool(recommend, case)
        service.audit.append({"event": "form", **_basis(result)})
        if is_json:
            cards = build_cards(result, patient_id=entry.patient_id)
            return JSONResponse({"result": result_to_dict(result), "cards": cards})
        return _html(result_page(result))

    if not settings.authenticates:
        app.add_middleware(_LoopbackOnly)
    app.add_middleware(_BodyLimit, limit=settings.max_body_bytes)
    app.add_middleware(
        CORSMiddleware,
        allow_origins=list(settings.cors_origins),
        allow_methods=["GET", "POST", "OPTIONS"],
        allow_headers=["Authorization", "Content-Type"],
        expose_headers=["Origin", "Accept", "Content-Location", "Location", "X-Requested-With"],
    )
    return app
