"""Masking of secrets for every repr, log line, error and CLI output."""

from __future__ import annotations

__all__ = ["mask_secret"]

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
