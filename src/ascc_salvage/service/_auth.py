"""JWT client authentication as CDS Hooks describes it (``Authorization: Bearer <JWT>``).

A CDS client signs a short-lived JWT with its private key; the service checks the signature
against the keys of an allow-listed issuer and the claims ``iss`` (allow-listed), ``aud``
(the service endpoint URL), ``exp`` (not past, not too far ahead) and ``jti`` (never seen
before: a replayed token is refused).
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Collection
from typing import Any

import jwt

from ascc_salvage.service._config import Issuer, ServiceConfig

__all__ = ["AuthError", "JwtVerifier"]


class AuthError(Exception):
    """A request whose client authentication failed (answered 401)."""


class JwtVerifier:
    """Checks client JWTs against the configured issuers and remembers used ``jti``."""

    def __init__(self, config: ServiceConfig, clock: Callable[[], float] = time.time) -> None:
        self._issuers = {issuer.iss: issuer for issuer in config.issuers}
        self._skew = config.clock_skew_seconds
        self._lifetime = config.max_token_lifetime_seconds
        self._clock = clock
        self._seen: dict[tuple[str, str], float] = {}
        self._lock = threading.Lock()

    def verify(self, authorization: str | None, audiences: Collection[str]) -> dict[str, Any]:
        """Return the claims of the bearer token in *authorization*, or raise AuthError.

        Args:
            authorization: The ``Authorization`` header value.
            audiences: The ``aud`` values accepted (the endpoint URLs of this request).
        """
        scheme, _, token = (authorization or "").partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise AuthError("a bearer JWT is required (Authorization: Bearer <JWT>)")
        token = token.strip()
        try:
            header = jwt.get_unverified_header(token)
            unverified = jwt.decode(token, options={"verify_signature": False})
        except jwt.PyJWTError as error:
            raise AuthError(f"malformed JWT ({error})") from None
        issuer = self._issuers.get(str(unverified.get("iss")))
        if issuer is None:
            raise AuthError("the JWT issuer is not allowed")
        algorithm = header.get("alg")
        if algorithm not in issuer.algorithms:
            raise AuthError(f"the JWT algorithm {algorithm!r} is not allowed for this issuer")
        claims = self._decode(token, issuer, str(algorithm), header.get("kid"), audiences)
        expiry = claims["exp"]
        if isinstance(expiry, bool) or not isinstance(expiry, int | float):
            # RFC 7519 §4.1.4: a NumericDate (PyJWT accepts a numeric string).
            raise AuthError("the JWT exp claim is not a number")
        now = self._clock()
        if claims["exp"] > now + self._lifetime + self._skew:
            raise AuthError(f"the JWT expires more than {self._lifetime} s ahead")
        self._remember(issuer.iss, str(claims["jti"]), float(claims["exp"]), now)
        return claims

    def _decode(
        self,
        token: str,
        issuer: Issuer,
        algorithm: str,
        kid: Any,
        audiences: Collection[str],
    ) -> dict[str, Any]:
        keys = [key for key_id, key in issuer.keys if kid is None or key_id in (None, kid)]
        if not keys:
            raise AuthError("no key of this issuer matches the JWT kid")
        error: Exception | None = None
        for key in keys:
            try:
                claims: dict[str, Any] = jwt.decode(
                    token,
                    key,
                    algorithms=[algorithm],
                    audience=list(audiences),
                    issuer=issuer.iss,
                    leeway=self._skew,
                    options={"require": ["iss", "aud", "exp", "jti"]},
                )
            except jwt.InvalidSignatureError as exc:
                error = exc
                continue
            except (jwt.PyJWTError, ValueError, TypeError) as exc:
                raise AuthError(f"JWT refused ({exc})") from None
            return claims
        raise AuthError(f"JWT refused ({error})")

    def _remember(self, iss: str, jti: str, exp: float, now: float) -> None:
        with self._lock:
            for key in [k for k, until in self._seen.items() if until + self._skew < now]:
                del self._seen[key]
            if (iss, jti) in self._seen:
                raise AuthError("the JWT was already used (jti replayed)")
            self._seen[(iss, jti)] = exp
