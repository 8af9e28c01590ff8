"""Request dialects: the only code that knows a family of APIs. A manifest picks one by name.

A dialect says where a request goes (the path for a model's mode), how an OpenAI-shaped body
becomes its own, and how its replies and stream events become OpenAI-shaped again, so callers
see one shape whichever provider answers. It also knows where the provider lists the models it
serves, and how that list is paged.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from ._errors import InvalidRequestError, MalformedReplyError, ProviderError
from ._replies import ReplyReader, describe

if TYPE_CHECKING:
    from ._manifest import Provider
    from ._resolver import Resolution

__all__ = ["DIALECTS", "Dialect", "Fail", "asks_stream_usage", "error_message"]

Chunks = Callable[[str, object], list[dict[str, Any]]]
"""Turns one stream event (its name and parsed JSON data) into OpenAI-shaped chunks."""
Fail = Callable[[object], ProviderError]
"""Makes the error for an error payload the provider sent (an error body, a stream's error
event). The client's one, which every error path uses, scrubs the key out of the message."""


def error_message(payload: object) -> str:
    """The provider's message in an error payload, as error bodies and error events carry it:
    ``{"error": {"message": ...}}``, ``{"error": "..."}``, ``{"detail": ...}``, plain text.

    >>> error_message({"type": "error", "error": {"type": "overloaded", "message": "Overloaded"}})
    'Overloaded'
    """
    if isinstance(payload, dict):
        error = payload.get("error", payload)
        if isinstance(error, dict):
            error = error.get("message") or error.get("detail") or error
        payload = error
    return (payload if isinstance(payload, str) else json.dumps(payload)).strip()


def _unscrubbed(provider: str) -> Fail:
    """The error for a payload, for a caller that knows no key (the client passes its own)."""
    return lambda payload: ProviderError(provider, error_message(payload))


def _ids(items: object, expected: str) -> list[str]:
    if not isinstance(items, list):
        raise ValueError(f"expected {expected}")
    ids = []
    for item in items:
        model_id = item.get("id") if isinstance(item, dict) else None
        if not isinstance(model_id, str) or not model_id:
            raise ValueError(f"expected {expected}; an entry has no id")
        ids.append(model_id)
    return ids


class Dialect:
    """The OpenAI shape itself: bodies, replies and stream chunks pass through unchanged."""

    name = "openai"
    paths: dict[str, str] = {  # noqa: RUF012 -- read-only table
        "chat": "/chat/completions",
        "completion": "/completions",
        "responses": "/responses",
        "embedding": "/embeddings",
        "moderation": "/moderations",
        "image_generation": "/images/generations",
        "rerank": "/rerank",
    }
    models_path = "/models"
    """Where, under the base URL, the provider lists the models it serves (a GET)."""
    caller_fields: frozenset[str] = frozenset({"model", "messages", "stream"})
    """Body fields that are the caller's (and the resolution's): which model, the conversation,
    and whether the answer streams. A manifest may not set, rename, drop or replace them."""
    litellm_route: tuple[str, str, str, str | None] = ("openai", "", "authorization", "Bearer")
    """LiteLLM's generic route for this dialect in a proxy config: the provider name in
    ``model``, the path LiteLLM puts between ``api_base`` and our own path, the key's header and
    scheme. LiteLLM hands api_base to the OpenAI SDK as base_url, which appends our paths."""
    stream_usage = True
    """Whether a stream asks for its usage with ``stream_options.include_usage`` when the
    manifest's ``request.stream_usage`` does not say."""

    def path(self, res: Resolution) -> str:
        mode = res.model_info.mode if res.model_info else "chat"
        path = self.paths.get(mode)
        if path is None:
            raise InvalidRequestError(
                res.provider_id, res.model, f"the {self.name} dialect cannot build {mode} requests"
            )
        return path

    def shape(self, body: dict[str, Any], res: Resolution) -> tuple[dict[str, Any], list[str]]:
        """The provider's body, and the keys it had to leave out."""
        return body, []

    def reply(self, data: object, provider: str) -> dict[str, Any]:
        """The reply in the OpenAI chat-completion shape; MalformedReplyError if it is not."""
        read = ReplyReader(provider)
        reply = dict(read.mapping(data, ""))
        _check_openai(read, reply, "message")
        return reply

    def chunks(self, provider: str, fail: Fail | None = None) -> Chunks:
        """Turns one stream event into OpenAI-shaped chunks. An error in place of a chunk (what
        the OpenAI SDK raises on, mid-stream) raises ``fail``'s error with the provider's
        message (the client's scrubs the key out), or MalformedReplyError when it carries none."""
        read = ReplyReader(provider, "stream chunk")
        fail = fail or _unscrubbed(provider)

        def feed(event: str, data: object) -> list[dict[str, Any]]:
            chunk = dict(read.mapping(data, ""))
            error = chunk.get("error", chunk if event == "error" else None)
            if error is not None:
                found = read.stream_error(error)
                raise found if isinstance(found, MalformedReplyError) else fail(chunk)
            _check_openai(read, chunk, "delta")
            return [chunk]

        return feed

    def models_query(self, cursor: str | None) -> dict[str, str]:
        """The query for the page of the model list after ``cursor`` (None: the first page)."""
        return {}

    def model_page(self, data: object) -> tuple[list[str], str | None]:
        """The model ids in one page of the model list, and the cursor of the next page (None
        on the last). Raises ValueError when ``data`` is not a model list.

        >>> Dialect().model_page({"object": "list", "data": [{"id": "m1"}, {"id": "m2"}]})
        (['m1', 'm2'], None)
        """
        # Some OpenAI-compatible servers answer with the bare list of model objects.
        items = data.get("data") if isinstance(data, dict) else data
        return _ids(items, '{"data": [{"id": ...}, ...]}'), None


class AnthropicDialect(Dialect):
    """Anthropic Messages: system prompt at the top level, max_tokens required, content blocks."""

    name = "anthropic"
    paths = {"chat": "/messages"}  # noqa: RUF012 -- read-only table
    caller_fields = Dialect.caller_fields | {"system"}  # the system messages, moved out
    # LiteLLM appends v1/messages unless api_base already ends with it (litellm/main.py,
    # _complete_anthropic: ensure_api_route(api_base, "v1/messages"), litellm 1.110.2) and
    # sends the bare key in x-api-key.
    litellm_route = ("anthropic", "/v1", "x-api-key", None)
    stream_usage = False  # message_start and message_delta always carry the usage

    def shape(self, body: dict[str, Any], res: Resolution) -> tuple[dict[str, Any], list[str]]:
        from ._anthropic import to_anthropic

        limit = res.model_info.max_output_tokens if res.model_info else None
        return to_anthropic(
            body, default_max_tokens=limit, provider=res.provider_id, model=res.model
        )

    def reply(self, data: object, provider: str) -> dict[str, Any]:
        from ._anthropic import from_anthropic

        return from_anthropic(data, provider=provider)

    def chunks(self, provider: str, fail: Fail | None = None) -> Chunks:
        from ._anthropic import StreamTranslator

        return StreamTranslator(provider, fail).feed

    def models_query(self, cursor: str | None) -> dict[str, str]:
        page = {"limit": "1000"}  # the most a page may hold; the default is 20
        if cursor is not None:
            page["after_id"] = cursor
        return page

    def model_page(self, data: object) -> tuple[list[str], str | None]:
        """Anthropic's pages: ``has_more`` says another follows, after ``last_id``.

        >>> AnthropicDialect().model_page(
        ...     {"data": [{"type": "model", "id": "m1"}], "has_more": True, "last_id": "m1"})
        (['m1'], 'm1')
        """
        expected = '{"data": [{"id": ...}, ...], "has_more": ..., "last_id": ...}'
        if not isinstance(data, dict):
            raise ValueError(f"expected {expected}")
        ids = _ids(data.get("data"), expected)
        more = data.get("has_more", False)
        if not isinstance(more, bool):
            raise ValueError(f"expected {expected}; has_more is not true or false")
        if not more:
            return ids, None
        cursor = data.get("last_id")
        if not isinstance(cursor, str) or not cursor:
            raise ValueError("has_more is true but last_id is missing")
        return ids, cursor


def _check_openai(read: ReplyReader, reply: dict[str, Any], message: str) -> None:
    """What callers and cost() read of an OpenAI-shaped reply or chunk (``message`` is
    "delta" in a chunk): the choices, each one's message, its content and the usage."""
    choices = reply.get("choices")
    if message == "message" or choices is not None:  # a chunk may carry only usage
        for i, choice in enumerate(read.items(choices, "choices")):
            where = f"choices[{i}]"
            said = read.mapping(choice, where)
            if message not in said:  # a legacy completion's choice holds text instead
                continue
            content = read.mapping(said[message], f"{where}.{message}").get("content")
            if content is not None and not isinstance(content, str | list):
                raise read.fail(f"{where}.{message}.content", f"is {describe(content)}, not text")
    read.usage(reply.get("usage"))


DIALECTS: dict[str, Dialect] = {"openai": Dialect(), "anthropic": AnthropicDialect()}


def asks_stream_usage(provider: Provider) -> bool:
    """Whether a stream to this provider asks for its usage: the manifest's
    ``request.stream_usage``, else its dialect's default; never when ``stream_options`` is a
    field the provider refuses."""
    rules = provider.request
    if "stream_options" in rules.unsupported:
        return False
    if rules.stream_usage is not None:
        return rules.stream_usage
    return DIALECTS[provider.api.dialect].stream_usage
