"""URLs: the normalisation every endpoint and base-URL comparison uses, the rule a URL that
gets a key must meet, and where a ``${VAR}`` sits in a base URL (and what may fill it)."""

from __future__ import annotations

import ipaddress
import re
from functools import lru_cache
from typing import Literal
from urllib.parse import urlsplit

__all__ = [
    "LOOPBACK_HOSTS",
    "MAX_URL_LENGTH",
    "PLACEHOLDER",
    "EndpointKey",
    "Origin",
    "Place",
    "endpoint_key",
    "origin",
    "placeholder_problem",
    "placeholders",
    "url_key",
    "url_problem",
]

LOOPBACK_HOSTS = frozenset({"localhost", "127.0.0.1", "::1", "[::1]"})
"""Hosts on this machine: the only ones plain http is allowed for."""

MAX_URL_LENGTH = 65_536
"""The longest URL httpx sends."""

PLACEHOLDER = re.compile(r"\$\{([A-Z][A-Z0-9_]*)\}")
"""A ``${VAR}`` in a base URL, filled from the environment."""

EndpointKey = tuple[str, int | None, tuple[str, ...]]
Origin = tuple[str, str, int | None]
Problem = tuple[str, str | None]
"""(what is wrong, how to fix it)."""

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")  # the characters httpx refuses in a URL
_IPV4_STYLE = re.compile(r"[0-9.]+")  # a host httpx reads as an IPv4 address
_IPV6_HOSTPORT = re.compile(r"\[[^\]]*\](?::[0-9]*)?")
_DEFAULT_PORTS = {"http": 80, "https": 443}


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


def origin(scheme: str, host: str, port: int | None) -> Origin:
    """The (scheme, host, port) a browser would call one origin; the default port filled in.

    >>> origin("HTTPS", "API.Example.com", None) == origin("https", "api.example.com", 443)
    True
    """
    scheme = scheme.lower()
    return scheme, host.lower().rstrip("."), _DEFAULT_PORTS.get(scheme) if port is None else port


def url_problem(
    url: str, *, strict: bool = True, show: Literal["url", "origin"] = "url"
) -> Problem | None:
    """What makes ``url`` a URL that must not be used, or None when it may be.

    Every URL: at most 65,536 characters, no control characters, http or https, a host and a
    valid port and host (the URL httpx will send to). ``strict`` adds the rule for a URL that
    gets a key without the caller passing one (a manifest's URLs, the base-URL variable): no
    credentials in it, an ASCII host, and https except on this machine. ``show`` says how much
    of the URL a message may show: all of it, or only its scheme, host and port.

    >>> url_problem("http://api.example.com/v1")
    ("'http://api.example.com/v1' is not https", 'plain http is allowed only for localhost, \
127.0.0.1 and ::1')
    >>> url_problem("http://127.0.0.1:8000/v1") is None
    True
    """
    if len(url) > MAX_URL_LENGTH:
        return f"the URL is longer than {MAX_URL_LENGTH:,} characters", None
    bad = _CONTROL.search(url)
    if bad:
        return f"the URL holds the control character {bad[0]!r} at position {bad.start()}", None
    try:
        parts = urlsplit(url)
        host = parts.hostname or ""
        parts.port  # noqa: B018 -- raises ValueError on a bad port
    except ValueError as exc:
        return f"not a valid URL: {exc}", None
    if parts.scheme not in ("http", "https"):
        return "not an http or https URL", "write a full https:// URL"
    if strict and "@" in parts.netloc:
        return (
            "URLs must not hold credentials",
            "put the key in its variable (auth.env), not in the URL",
        )
    if not host:
        return "the URL has no host", None
    if strict and not host.isascii():
        # A look-alike letter (Cyrillic U+0430 for Latin "a") would send keys to another host.
        return f"the host {host!r} is not ASCII", "write it in punycode (xn--...)"
    if strict and parts.scheme != "https" and host not in LOOPBACK_HOSTS:
        return (
            f"{url if show == 'url' else f'{parts.scheme}://{parts.netloc}'!r} is not https",
            "plain http is allowed only for localhost, 127.0.0.1 and ::1",
        )
    problem = _host_problem(url, host, parts.netloc.rpartition("@")[2])
    return None if problem is None else (f"not a valid URL: {problem}", None)


def _host_problem(url: str, host: str, hostport: str) -> str | None:
    """Why httpx would refuse the host, by its own rules: an IP literal must be an address, an
    international (or xn--) name must encode."""
    try:
        if hostport.startswith("["):
            if not _IPV6_HOSTPORT.fullmatch(hostport):  # urlsplit ignores text after the "]"
                return f"{hostport!r} is not [address] or [address]:port"
            ipaddress.IPv6Address(host)
        elif _IPV4_STYLE.fullmatch(host):
            ipaddress.IPv4Address(host)
    except ValueError as exc:
        return str(exc)
    if host.isascii() and "xn--" not in host:
        return None
    import httpx  # its IDNA rules, for the rare name that needs them; resolving never pays

    try:
        httpx.URL(url).host  # noqa: B018 -- decoding an xn-- name may fail
    except (httpx.InvalidURL, ValueError) as exc:
        return str(exc)
    return None


Place = Literal["host", "label", "segment"]
"""What a ``${VAR}`` fills: ``host`` (the whole host name), ``label`` (part of a host name, or
the port), or ``segment`` (part of one path segment, or of the query)."""


@lru_cache(maxsize=256)
def placeholders(template: str) -> tuple[tuple[str, Place], ...]:
    """The ``${VAR}`` placeholders of a base URL, in order, each with the place it fills.

    >>> placeholders("https://${RESOURCE}.example.com/${ACCOUNT}/v1")
    (('RESOURCE', 'label'), ('ACCOUNT', 'segment'))
    """
    scheme_end = template.find("://")
    authority_start = scheme_end + 3 if scheme_end >= 0 else 0
    delimiters = [i for i in map(template.find, "/?#", [authority_start] * 3) if i >= 0]
    authority_end = min(delimiters, default=len(template))
    host_start = template.rfind("@", authority_start, authority_end) + 1 or authority_start
    if template.startswith("[", host_start):  # an IPv6 literal holds colons of its own
        host_end = template.find("]", host_start, authority_end) + 1
    else:
        host_end = template.find(":", host_start, authority_end)
    host_end = authority_end if host_end <= 0 else host_end
    found: list[tuple[str, Place]] = []
    for m in PLACEHOLDER.finditer(template):
        place: Place = "segment"
        if authority_start <= m.start() < authority_end:
            place = "host" if (m.start(), m.end()) == (host_start, host_end) else "label"
        found.append((m[1], place))
    return tuple(found)


_LABEL = r"[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?"
_ALNUM = (
    "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"  # a start imports no string
)
# place: (the shape a value must have, the characters it may hold, what it fills, the fix)
_PLACES: dict[str, tuple[re.Pattern[str], frozenset[str], str, str]] = {
    "label": (
        re.compile(_LABEL),
        frozenset(_ALNUM + "-"),
        "part of the host name",
        "a DNS label: letters, digits and inner hyphens, 1 to 63 characters, no dots",
    ),
    "host": (
        re.compile(rf"(?=.{{1,253}}$){_LABEL}(?:\.{_LABEL})*"),
        frozenset(_ALNUM + "-."),
        "the host name",
        "a host name: DNS labels (letters, digits, inner hyphens) joined by dots",
    ),
    "segment": (
        re.compile(r"(?!\.\.?$)[A-Za-z0-9._~-]{1,255}"),
        frozenset(_ALNUM + "-._~"),
        "part of a path segment",
        "letters, digits, '-', '.', '_' or '~', 1 to 255 characters, not '.' or '..'",
    ),
}


def placeholder_problem(place: Place, value: str) -> Problem | None:
    """Why ``value`` cannot fill a placeholder at ``place``, or None when it fits: a value can
    move neither the host nor the path (``attacker.example/x#`` is no DNS label).

    >>> placeholder_problem("label", "my-resource") is None
    True
    >>> placeholder_problem("label", "attacker.example/x#")
    ("its value holds '.', which does not fit part of the host name", \
'set it to a DNS label: letters, digits and inner hyphens, 1 to 63 characters, no dots')
    """
    shape, allowed, what, fix = _PLACES[place]
    if shape.fullmatch(value):
        return None
    return f"{_misfit(place, value, allowed)}, which does not fit {what}", f"set it to {fix}"


def _misfit(place: Place, value: str, allowed: frozenset[str]) -> str:
    """What is wrong with a value that does not fit, without showing more of it than one
    character (a misplaced secret must not end up in the message whole)."""
    odd = next((c for c in value if c not in allowed), None)
    if odd is not None:
        if odd.isascii() and odd.isprintable():
            return f"its value holds {odd!r}"
        return f"its value holds the character U+{ord(odd):04X}"
    if place == "segment":
        return "its value is '.' or '..'" if len(value) <= 2 else "its value is too long"
    if place == "host" and len(value) > 253:
        return "its value is too long"
    if place == "label" and len(value) > 63:
        return "its value is longer than 63 characters"
    for label in value.split("."):
        if not label:
            return "its value has an empty label (dots side by side, or at an end)"
        if len(label) > 63:
            return "its value has a label longer than 63 characters"
    return "its value starts or ends a label with '-'"
