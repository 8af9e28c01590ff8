"""Reading a provider's 2xx answer: every value a dialect takes from a reply or a stream event is
read through a ``ReplyReader``, which names the field and what it held when it is not what the
dialect answers, as a ``MalformedReplyError``. A reply of the wrong shape never surfaces as a
KeyError or TypeError from inside a mapping.

What a field held is said by its kind ("text", "a list", "an object", "null") and only numbers and
booleans are shown: a reply may echo anything, a key included.

The usage object (OpenAI's shape, which every dialect's replies are mapped to) is checked here too,
for the reply path and for ``cost_of_usage``, which prices a usage object a caller passes.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from ._errors import MalformedReplyError, ProviderError

__all__ = ["ReplyReader", "describe", "token_count", "usage_problem"]


def describe(value: object) -> str:
    """A JSON value by its kind, never its text.

    >>> describe("sk-secret"), describe([1]), describe(None), describe(-1), describe(True)
    ('text', 'a list', 'null', '-1', 'true')
    """
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return repr(value) if math.isfinite(value) and abs(value) < 10**20 else "a number"
    if isinstance(value, str):
        return "text"
    if isinstance(value, list | tuple):
        return "a list"
    if isinstance(value, Mapping):
        return "an object"
    return f"a {type(value).__name__}"


def token_count(value: object) -> int | None:
    """A token count as JSON writes it: a whole number >= 0 (``12.0`` too); None otherwise.

    >>> token_count(12), token_count(12.0), token_count(-1), token_count("12"), token_count(True)
    (12, 12, None, None, None)
    """
    if isinstance(value, bool):
        return None
    if isinstance(value, int):
        return value if value >= 0 else None
    if isinstance(value, float) and value.is_integer() and value >= 0:
        return int(value)
    return None


_USAGE_COUNTS = ("prompt_tokens", "completion_tokens", "total_tokens")
_DETAIL_COUNTS = ("cached_tokens", "cache_write_tokens")


def usage_problem(usage: object, where: str = "usage") -> str | None:
    """What is wrong with an OpenAI-shaped usage object (null counts are 0), or None.

    >>> usage_problem({"prompt_tokens": "12"})
    'usage.prompt_tokens is text, not a token count (a whole number >= 0)'
    """
    if not isinstance(usage, Mapping):
        return f"{where} is {describe(usage)}, not an object"
    counts = {}
    for field in _USAGE_COUNTS:
        value = usage.get(field)
        counts[field] = 0 if value is None else token_count(value)
        if counts[field] is None:
            return f"{where}.{field} is {describe(value)}, not a token count (a whole number >= 0)"
    details = usage.get("prompt_tokens_details")
    if details is None:
        return None
    if not isinstance(details, Mapping):
        return f"{where}.prompt_tokens_details is {describe(details)}, not an object"
    cached = 0
    for field in _DETAIL_COUNTS:
        value = details.get(field)
        n = 0 if value is None else token_count(value)
        if n is None:
            return (
                f"{where}.prompt_tokens_details.{field} is {describe(value)}, not a token count "
                "(a whole number >= 0)"
            )
        cached += n
    prompt = counts["prompt_tokens"] or 0
    if cached > prompt:
        return (
            f"{where}.prompt_tokens_details counts {cached} cached tokens, more than "
            f"{where}.prompt_tokens ({prompt})"
        )
    return None


class ReplyReader:
    """Reads one reply or stream from ``provider``; each method returns the value at ``path``
    when it is of the kind asked for, or raises MalformedReplyError naming ``path``.

    >>> ReplyReader("acme").text(None, "id")
    Traceback (most recent call last):
    ...
    provider_registry._errors.MalformedReplyError: acme: malformed reply: id is missing
    """

    def __init__(self, provider: str, what: str = "reply") -> None:
        self.provider = provider
        self.what = what

    def fail(self, path: str, problem: str) -> MalformedReplyError:
        where = f"{path} " if path else ""
        return MalformedReplyError(self.provider, f"malformed {self.what}: {where}{problem}")

    def _wrong(self, path: str, value: object, expected: str) -> MalformedReplyError:
        if value is None:
            return self.fail(path, "is missing")
        return self.fail(path, f"is {describe(value)}, not {expected}")

    def mapping(self, value: object, path: str) -> Mapping[str, Any]:
        if type(value) is dict:  # what JSON gives; the ABC check costs more than a chunk's rest
            return value
        if not isinstance(value, Mapping):
            raise self._wrong(path or "the JSON", value, "an object")
        return value

    def optional_mapping(self, value: object, path: str) -> Mapping[str, Any]:
        """An object, or ``{}`` where the field is absent or null."""
        return {} if value is None else self.mapping(value, path)

    def items(self, value: object, path: str) -> list[Any]:
        if not isinstance(value, list):
            raise self._wrong(path, value, "a list")
        return value

    def optional_items(self, value: object, path: str) -> list[Any]:
        """A list, or ``[]`` where the field is absent or null."""
        return [] if value is None else self.items(value, path)

    def text(self, value: object, path: str) -> str:
        if not isinstance(value, str):
            raise self._wrong(path, value, "text")
        return value

    def optional_text(self, value: object, path: str) -> str | None:
        return None if value is None else self.text(value, path)

    def index(self, value: object, path: str) -> int:
        if isinstance(value, bool) or not isinstance(value, int) or value < 0:
            raise self._wrong(path, value, "an index (a whole number >= 0)")
        return value

    def count(self, value: object, path: str) -> int:
        """A token count; an absent or null one is 0."""
        if value is None:
            return 0
        n = token_count(value)
        if n is None:
            raise self._wrong(path, value, "a token count (a whole number >= 0)")
        return n

    def usage(self, value: object, path: str = "usage") -> None:
        """Check an OpenAI-shaped usage object, where there is one."""
        if value is not None:
            problem = usage_problem(value, path)
            if problem is not None:
                raise self.fail("", problem)

    def stream_error(self, error: object) -> ProviderError:
        """The error a stream reported in place of its next event: a ProviderError with the
        provider's message, or a MalformedReplyError when the error carries none."""
        message = error.get("message") if isinstance(error, Mapping) else error
        if isinstance(message, str):
            return ProviderError(self.provider, message or "the stream reported an error")
        where = "error.message" if isinstance(error, Mapping) else "error"
        return self._wrong(where, message, "the provider's message (text)")
