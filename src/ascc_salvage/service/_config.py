"""The service's configuration: an attrs frozen class read from a TOML or JSON file."""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Final
from urllib.parse import urlsplit

import attrs
import cattrs
import jwt
from cryptography.hazmat.primitives.serialization import load_pem_public_key

__all__ = ["ASYMMETRIC_ALGORITHMS", "ConfigError", "Issuer", "ServiceConfig", "load_config"]

#: The JWT algorithms a client may sign with (public-key only; CDS Hooks requires ES384 and
#: RS384 support). ``none`` and shared-secret (HS*) algorithms are never accepted.
ASYMMETRIC_ALGORITHMS: Final = frozenset(
    {"ES256", "ES384", "ES512", "RS256", "RS384", "RS512", "PS256", "PS384", "PS512"}
)


_JURISDICTIONS: Final = ("US", "EU", "other")


class ConfigError(ValueError):
    """A configuration file or value the service cannot use; the message names the field."""


def _algorithms(instance: Issuer, attribute: attrs.Attribute[Any], value: tuple[str, ...]) -> None:
    unknown = sorted(set(value) - ASYMMETRIC_ALGORITHMS)
    if not value or unknown:
        raise ConfigError(
            f"issuer {instance.iss!r}: algorithms must be a non-empty list of "
            f"{', '.join(sorted(ASYMMETRIC_ALGORITHMS))} (got {', '.join(unknown) or 'none'})"
        )


def _keys(issuer: Issuer) -> tuple[tuple[str | None, Any], ...]:
    """Return the issuer's verification keys as (kid, key) pairs; raise ConfigError if bad."""
    try:
        if issuer.public_key is not None:
            return ((None, load_pem_public_key(issuer.public_key.encode("ascii"))),)
        jwks = jwt.PyJWKSet.from_dict(dict(issuer.jwks or {}))
        return tuple((key.key_id, key.key) for key in jwks.keys)
    except (ValueError, TypeError, jwt.PyJWTError) as error:
        raise ConfigError(f"issuer {issuer.iss!r}: unusable key ({error})") from None


@attrs.frozen(kw_only=True)
class Issuer:
    """A CDS client allowed to call the service, and the public keys its JWTs are signed with.

    Give exactly one of ``jwks`` (a JSON Web Key Set, ``{"keys": [...]}``; a token's ``kid``
    selects the key) or ``public_key`` (one PEM public key).

    Attributes:
        iss: The client's issuer (the JWT ``iss`` claim), e.g. ``https://ehr.example.org``.
        jwks: Its JSON Web Key Set.
        public_key: Its PEM public key.
        algorithms: Signature algorithms accepted from it (public-key algorithms only).
    """

    iss: str
    jwks: Mapping[str, Any] | None = None
    public_key: str | None = None
    algorithms: tuple[str, ...] = attrs.field(default=("ES384", "RS384"), validator=_algorithms)
    keys: tuple[tuple[str | None, Any], ...] = attrs.field(init=False, eq=False, repr=False)

    def __attrs_post_init__(self) -> None:
        if not self.iss:
            raise ConfigError("issuers: iss must not be empty")
        if (self.jwks is None) == (self.public_key is None):
            raise ConfigError(f"issuer {self.iss!r}: give exactly one of jwks or public_key")
        object.__setattr__(self, "keys", _keys(self))


def _public_url(instance: ServiceConfig, attribute: attrs.Attribute[Any], value: Any) -> None:
    if value is None:
        return
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ConfigError(f"public_url must be an http(s) URL without query (got {value!r})")


def _strip_slash(value: str | None) -> str | None:
    return None if value is None else value.rstrip("/")


def _jurisdiction(instance: Any, attribute: attrs.Attribute[Any], value: str | None) -> None:
    if value is not None and value not in _JURISDICTIONS:
        raise ConfigError(f"jurisdiction must be one of {', '.join(_JURISDICTIONS)} or absent")


def _positive(instance: Any, attribute: attrs.Attribute[Any], value: int) -> None:
    if value <= 0:
        raise ConfigError(f"{attribute.name} must be positive (got {value})")


def _not_negative(instance: Any, attribute: attrs.Attribute[Any], value: int) -> None:
    if value < 0:
        raise ConfigError(f"{attribute.name} must not be negative (got {value})")


@attrs.frozen(kw_only=True)
class ServiceConfig:
    """How the CDS Hooks service runs (every field has a safe default).

    Without ``issuers`` the service authenticates no client: it then answers only loopback
    clients, and ``ascc-salvage serve`` refuses to listen on any other address.

    Attributes:
        public_url: The service's external base URL (``https://cds.example.org``), used for
            the JWT audience and for links in cards; required with ``issuers``. Without it,
            links use the address the request came to.
        issuers: The CDS clients allowed to call the service.
        audit_log: JSON-lines file that feedback and the cards issued are appended to
            (nothing is logged without it). A relative path in a file is relative to the
            file's directory.
        max_body_bytes: Largest request body accepted (larger: 413).
        cors_origins: Origins allowed by CORS (``*``: any, as CDS Hooks recommends).
        jurisdiction: ``US``, ``EU`` or ``other`` for cases that do not give one.
        form_ttl_seconds: How long a case-form link stays valid.
        max_token_lifetime_seconds: Largest ``exp`` − now a client JWT may have.
        clock_skew_seconds: Leeway for ``exp`` (clock differences).
    """

    public_url: str | None = attrs.field(
        default=None, converter=_strip_slash, validator=_public_url
    )
    issuers: tuple[Issuer, ...] = ()
    audit_log: Path | None = None
    max_body_bytes: int = attrs.field(default=1_000_000, validator=_positive)
    cors_origins: tuple[str, ...] = ("*",)
    jurisdiction: str | None = attrs.field(default=None, validator=_jurisdiction)
    form_ttl_seconds: int = attrs.field(default=3600, validator=_positive)
    max_token_lifetime_seconds: int = attrs.field(default=300, validator=_positive)
    clock_skew_seconds: int = attrs.field(default=30, validator=_not_negative)

    def __attrs_post_init__(self) -> None:
        if self.issuers and self.public_url is None:
            raise ConfigError("public_url is required with issuers (it is the JWT audience)")
        names = [issuer.iss for issuer in self.issuers]
        if len(set(names)) != len(names):
            raise ConfigError("issuers: each iss may appear once")

    @property
    def authenticates(self) -> bool:
        """Whether client JWTs are required (``issuers`` configured)."""
        return bool(self.issuers)


_converter: Final = cattrs.Converter(forbid_extra_keys=True, detailed_validation=True)
_converter.register_structure_hook(Path, lambda value, _: Path(value))


def load_config(source: str | Path | Mapping[str, Any]) -> ServiceConfig:
    """Read a :class:`ServiceConfig` from a TOML or JSON file (by suffix) or a mapping.

    Example file (TOML)::

        public_url = "https://cds.example.org"
        audit_log = "audit.jsonl"

        [[issuers]]
        iss = "https://ehr.example.org"
        jwks = { keys = [ { kty = "EC", crv = "P-384", kid = "1", x = "...", y = "..." } ] }

    Raises:
        ConfigError: The file cannot be read or parsed, or a field is unknown or invalid.
    """
    base = Path(".")
    if isinstance(source, Mapping):
        document: Any = dict(source)
    else:
        path = Path(source)
        base = path.parent
        try:
            text = path.read_text("utf-8")
            document = json.loads(text) if path.suffix == ".json" else tomllib.loads(text)
        except (OSError, UnicodeDecodeError, ValueError) as error:
            raise ConfigError(f"{path}: {error}") from None
    if not isinstance(document, dict):
        raise ConfigError("the configuration must be an object (a table)")
    try:
        config = _converter.structure(document, ServiceConfig)
    except cattrs.BaseValidationError as error:
        nested = [e for e in _leaves(error) if isinstance(e, ConfigError)]
        if nested:
            raise nested[0] from None
        raise ConfigError("; ".join(cattrs.transform_error(error))) from None
    if config.audit_log is not None and not config.audit_log.is_absolute():
        config = attrs.evolve(config, audit_log=base / config.audit_log)
    return config


def _leaves(error: BaseException) -> list[BaseException]:
    if isinstance(error, BaseExceptionGroup):
        return [leaf for inner in error.exceptions for leaf in _leaves(inner)]
    return [error]
