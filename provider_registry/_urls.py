"""URL normalisation: the one every endpoint and base-URL comparison uses."""

from __future__ import annotations

from functools import lru_cache
from urllib.parse import urlsplit

__all__ = ["LOOPBACK_HOSTS", "EndpointKey", "endpoint_key", "url_key"]

LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})
"""Hosts on this machine: the only ones plain http is allowed for."""

EndpointKey = tuple[str, int | None, tuple[str, ...]]


def endpoint_key(endpoint: str) -> EndpointKey:
    """(host, port, path segments) of a manifest endpoint (``host[:port]/path``)."""
    parts = urlsplit(f"//{endpoint}")
    return (parts.hostname or "", parts.port, tuple(s for s in parts.path.split("/") if s))


@lru_cache(maxsize=1024)  # a gateway sees the same few api_base values again and again
def url_key(url: str) -> EndpointKey:
    """(host, port, path segments) of a URL, normalised; ``..`` and ``.`` segments resolved."""
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").rstrip(".")
        port = parts.port
    except ValueError:
        return ("", None, ())
    segments: list[str] = []
    for seg in parts.path.split("/"):
        if seg == "..":
            if segments:
                segments.pop()
        elif seg and seg != ".":
            segments.append(seg)
    return (host, port, tuple(segments))
