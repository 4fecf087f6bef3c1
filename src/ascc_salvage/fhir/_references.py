"""Resolving references inside a bundle through its ``fullUrl`` s, and the reference graph.

FHIR R4 (Bundle §"Resolving references in Bundles"): a reference is looked up among the
entries' ``fullUrl`` s; a relative reference ``Type/id`` inside an entry whose ``fullUrl`` is a
RESTful URL ``<base>/Type2/id2`` means ``<base>/Type/id``; ``urn:uuid:`` and ``urn:oid:``
references match a ``fullUrl`` exactly. Entries without a ``fullUrl`` are found by
``Type/id``. A reference to something outside the bundle does not resolve.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any, Final

__all__ = ["RESTFUL", "Graph", "resource_key"]

#: A RESTful reference ``[base/]Type/id[/_history/v]`` (groups ``base``, ``type``, ``id``).
RESTFUL: Final = re.compile(
    r"^(?P<base>.*/)?(?P<type>[A-Z][A-Za-z]+)/(?P<id>[A-Za-z0-9\-.]{1,64})(/_history/[^/]+)?$"
)


def resource_key(resource: Any) -> str:
    """``ResourceType/id`` of a parsed resource."""
    return f"{resource.get_resource_type()}/{resource.id}"


class Graph:
    """The entries of a bundle, addressable by ``fullUrl`` and by ``Type/id``.

    Args:
        entries: ``(fullUrl or None, resource)`` pairs in bundle order.
    """

    def __init__(self, entries: Iterable[tuple[str | None, Any]]) -> None:
        self.by_url: dict[str, Any] = {}
        self.by_key: dict[str, list[Any]] = {}
        self.url_of: dict[int, str] = {}
        for url, resource in entries:
            if url:
                self.by_url.setdefault(url, resource)
                self.url_of[id(resource)] = url
            self.by_key.setdefault(resource_key(resource), []).append(resource)

    def resolve(self, reference: Any, source: Any) -> Any:
        """The resource a ``Reference`` in *source* points to, or ``None``."""
        text = getattr(reference, "reference", None)
        if not text or text.startswith("#"):
            return None
        if text in self.by_url:
            return self.by_url[text]
        match = RESTFUL.match(text)
        if match is None:
            return None
        key = f"{match['type']}/{match['id']}"
        if match["base"] is None:
            source_url = self.url_of.get(id(source), "")
            source_match = RESTFUL.match(source_url)
            if source_match is not None and source_match["base"]:
                absolute = source_match["base"] + key
                if absolute in self.by_url:
                    return self.by_url[absolute]
        candidates = [r for r in self.by_key.get(key, []) if id(r) not in self.url_of]
        if match["base"] is None:
            candidates = candidates or self.by_key.get(key, [])
        return candidates[0] if len(candidates) == 1 else None
