"""Masking of secrets for every repr, log line, error and CLI output."""

from __future__ import annotations

from collections.abc import Iterable, Mapping

__all__ = ["SECRET_HEADERS", "mask_secret", "redact_headers", "scrub"]

_SHOWN = 4
_MIN_LENGTH_TO_SHOW = 16  # below this, even the last 4 characters say too much


def mask_secret(secret: str | None) -> str | None:
    """``'sk-abcdef0123456789'`` -> ``'****6789'``; short secrets are fully hidden.

    >>> mask_secret("sk-abcdef0123456789"), mask_secret("short"), mask_secret(None)
    ('****6789', '****', None)
    """
    if secret is None:
        return None
    if len(secret) < _MIN_LENGTH_TO_SHOW:
        return "****"
    return "****" + secret[-_SHOWN:]


SECRET_HEADERS = frozenset({"authorization", "proxy-authorization", "api-key", "x-api-key"})
"""Headers whose values are always masked when the library shows headers."""


def redact_headers(
    headers: Mapping[str, str] | Iterable[tuple[str, str]], extra: Iterable[str] = ()
) -> dict[str, str]:
    """Headers as the library prints them: secret values masked to their last 4 characters.

    >>> redact_headers({"Authorization": "Bearer sk-abcdef0123456789", "OpenAI-Project": "t/p"})
    {'Authorization': 'Bearer ****6789', 'OpenAI-Project': 't/p'}
    """
    secret = SECRET_HEADERS | {h.lower() for h in extra}
    items = headers.items() if isinstance(headers, Mapping) else headers
    out: dict[str, str] = {}
    for name, value in items:
        if name.lower() in secret:
            scheme, sep, token = value.partition(" ")
            value = f"{scheme} {mask_secret(token)}" if sep else str(mask_secret(value))
        out[name] = value
    return out


def scrub(text: str, secret: str | None) -> str:
    """``text`` with every 8-character run of ``secret`` replaced, so even a partial echo of a
    key (a provider's "invalid key sk-abc...") cannot pass through an error message. The key's
    JSON-, repr- and URL-escaped spellings are scrubbed too, since an echo may come back in any.

    >>> scrub('bad key "sk-abcdef0123456789"', "sk-abcdef0123456789")
    'bad key "********789"'
    """
    if not secret or len(secret) < 8:
        return text
    import json  # here, not at the top: resolving needs only mask_secret
    from urllib.parse import quote

    for form in dict.fromkeys(
        (secret, json.dumps(secret)[1:-1], repr(secret)[1:-1], quote(secret, safe=""))
    ):
        for i in range(len(form) - 7):
            window = form[i : i + 8]
            if window in text:
                text = text.replace(window, "****")
    return text
