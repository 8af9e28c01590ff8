"""The OpenAI dialect, which every other one starts from.

A dialect says where a request goes (the path for a model's mode), how an OpenAI-shaped body
becomes its own, and how its replies and stream events become OpenAI-shaped again, so callers
see one shape whichever provider answers. It also knows where the provider lists the models it
serves, and how that list is paged.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol

from pydantic_core import from_json

from .._errors import InvalidRequestError, MalformedReplyError, ProviderError
from .._json import NOT_JSON, parse_json
from .._replies import ReplyReader, describe

if TYPE_CHECKING:
    import httpx

    from .._resolver import Resolution

__all__ = ["Chunks", "Decoder", "Dialect", "Fail", "Reader", "SSEDecoder", "error_message"]

Chunks = Callable[[str, object], list[dict[str, Any]]]
"""Turns one stream event (its name and parsed JSON data) into OpenAI-shaped chunks."""
Reader = Callable[[list[tuple[str, bytes]], list[dict[str, Any]]], bool]
"""Reads the events one read of a stream's body completed (each its name and its data as
bytes) and adds their OpenAI-shaped chunks to the list; True when the stream's end (``data:
[DONE]``) came among them. An event that fails raises, with the chunks of the events before it
in the list."""
Fail = Callable[[object], ProviderError]
"""Makes the error for an error payload the provider sent (an error body, a stream's error
event). The client's one, which every error path uses, scrubs the key out of the message."""
_TEXT_OR_NULL = (str, type(None))


class Decoder(Protocol):
    """Reads a stream's body as it arrives: bytes in, whole events out, each as (event name,
    its data as the UTF-8 bytes the body carried)."""

    def feed(self, data: bytes) -> list[tuple[str, bytes]]:
        """The events completed by ``data`` (bytes as they arrived, in any split)."""
        ...


class SSEDecoder:
    r"""Server-sent events (the WHATWG rules a stream of chat chunks needs): lines end in LF,
    CRLF or CR; ``event:`` names an event, ``data:`` lines join with LF, a blank line ends it,
    a line starting with ``:`` is a comment. Text is UTF-8, split anywhere: it is split into
    lines as bytes (no byte of a multi-byte character is a CR or LF) and each event's data is
    handed on undecoded, for the JSON parser to read as it is.

    >>> d = SSEDecoder()
    >>> d.feed(b"event: ping\ndata: {}\n"), d.feed(b"\ndata: [DO"), d.feed(b"NE]\r\n\r\n")
    ([], [('ping', b'{}')], [('message', b'[DONE]')])
    """

    __slots__ = ("_after_cr", "_data", "_event", "_rest")

    def __init__(self) -> None:
        self._rest = b""  # the start of a line not yet ended
        self._after_cr = False  # the last read ended in CR: an LF first in the next is its pair
        self._event = ""
        self._data: list[bytes] = []

    def feed(self, data: bytes) -> list[tuple[str, bytes]]:
        if not data:  # an empty read leaves the CR before it unpaired with the LF after it
            return []
        if self._after_cr and data[:1] == b"\n":
            data = data[1:]
        self._after_cr = data[-1:] == b"\r"
        if not data:
            return []
        text = self._rest + data if self._rest else data
        if b"\r" in text:
            text = text.replace(b"\r\n", b"\n").replace(b"\r", b"\n")
        at = text.rfind(b"\n\n")  # the events this read completes end there
        end = at + 2 if at >= 0 else 0
        whole, rest = text[:end], text[end:]
        events: list[tuple[str, bytes]] = []
        if whole[:6] == b"data: " and not self._data and not self._event:
            # Nearly every stream of chunks is only one-line "data: " events: split at once.
            # That split is right when no piece holds a line end: 2 per event, no more.
            pieces = whole[6:-2].split(b"\n\ndata: ")
            if whole.count(b"\n") == 2 * len(pieces):
                events = [("message", piece) for piece in pieces]
                whole = b""
        if whole:
            for line in whole[:-1].split(b"\n"):  # the last LF ends the blank line before it
                self._line(line, events)
        lines = rest.split(b"\n")
        self._rest = lines.pop()
        for line in lines:
            self._line(line, events)
        return events

    def _line(self, line: bytes, events: list[tuple[str, bytes]]) -> None:
        if not line:
            if self._data:
                events.append((self._event or "message", b"\n".join(self._data)))
            self._event, self._data = "", []
        elif line[0] != 58:  # b":" starts a comment
            field, _, value = line.partition(b":")
            if value[:1] == b" ":
                value = value[1:]
            if field == b"data":
                self._data.append(value)
            elif field == b"event":
                self._event = value.decode("utf-8", "replace")


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
    models_path: str | None = "/models"
    """Where, under the base URL, the provider lists the models it serves (a GET); None when
    its API lists none where requests go."""
    caller_fields: frozenset[str] = frozenset({"model", "messages", "stream"})
    """Body fields that are the caller's (and the resolution's): which model, the conversation,
    and whether the answer streams. A manifest may not set, rename, drop or replace them."""
    litellm_route: tuple[str, str, str, str | None] = ("openai", "", "authorization", "Bearer")
    """LiteLLM's generic route for this dialect in a proxy config: the provider name in
    ``model``, the path LiteLLM puts between ``api_base`` and our own path, the key's header and
    scheme. LiteLLM hands api_base to the OpenAI SDK as base_url, which appends our paths."""
    litellm_region: str | None = None
    """For a route whose host LiteLLM composes itself from a region (Bedrock's), the LiteLLM
    parameter that takes the region; the proxy entry then names the region's variable instead
    of an api_base."""
    stream_accept = "text/event-stream"
    """The media type a streaming request asks for (its decoder reads that framing)."""
    stream_usage = True
    """Whether a stream asks for its usage with ``stream_options.include_usage`` when the
    manifest's ``request.stream_usage`` does not say."""

    def path(self, res: Resolution, stream: bool = False) -> str:
        """Where, under the base URL, a request for the resolved model goes (a dialect that
        puts the model or the streaming choice in the URL builds it from ``res`` and
        ``stream``). It may carry a query, which the request's own parameters join."""
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

    def sign(self, request: httpx.Request, res: Resolution) -> httpx.Request:
        """The request as sent, once its body is final: a dialect whose API authenticates a
        request by signing it returns it signed. Most send the key as a header, set before."""
        return request

    def decoder(self) -> Decoder:
        """A fresh reader of a stream's body: server-sent events, unless the API frames its
        events another way."""
        return SSEDecoder()

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
            # The parsed JSON is the stream's own: a dict is used as it is, not copied.
            chunk = data if type(data) is dict else dict(read.mapping(data, ""))
            if event == "error" or "error" in chunk:
                error = chunk.get("error", chunk if event == "error" else None)
                if error is not None:
                    found = read.stream_error(error)
                    raise found if isinstance(found, MalformedReplyError) else fail(chunk)
            _check_openai(read, chunk, "delta")
            return [chunk]

        return feed

    def reader(self, provider: str, fail: Fail | None = None) -> Reader:
        """What the client reads a stream's events with: the JSON of each, turned into chunks
        by :meth:`chunks`. Where the events are OpenAI chunks already (a dialect that keeps
        this class's ``chunks``), a chunk of the plainest shape, nearly every one, is let
        through by one test first: it runs for every chunk, so it is written out here rather
        than called."""
        translate = self.chunks(provider, fail)

        def not_json() -> MalformedReplyError:
            return MalformedReplyError(provider, "malformed stream: an event is not JSON")

        def read(events: list[tuple[str, bytes]], out: list[dict[str, Any]]) -> bool:
            for event, data in events:
                if data == b"[DONE]":
                    return True
                parsed = parse_json(data, replace=True)
                if parsed is NOT_JSON:
                    raise not_json()
                out += translate(event, parsed)
            return False

        def read_openai(events: list[tuple[str, bytes]], out: list[dict[str, Any]]) -> bool:
            for event, data in events:
                if data == b"[DONE]":
                    return True
                try:  # parse_json's first try
                    parsed = from_json(data)
                except ValueError:
                    parsed = NOT_JSON
                if parsed is NOT_JSON:  # raised out of the handler: no parser error in its chain
                    parsed = parse_json(data, replace=True)
                    if parsed is NOT_JSON:
                        raise not_json()
                # One choice, its delta an object whose content is text or null, and no error
                # or usage: what _check_openai would pass, and what feed() would return.
                if (
                    type(parsed) is dict
                    and event != "error"
                    and "error" not in parsed
                    and "usage" not in parsed
                    and type(choices := parsed.get("choices")) is list
                    and len(choices) == 1
                    and type(choice := choices[0]) is dict
                    and type(delta := choice.get("delta")) is dict
                    and type(delta.get("content")) in _TEXT_OR_NULL
                ):
                    out.append(parsed)
                else:
                    out += translate(event, parsed)
            return False

        return read_openai if type(self).chunks is Dialect.chunks else read

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
