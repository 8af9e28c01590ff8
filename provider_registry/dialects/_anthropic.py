"""The OpenAI chat-completions shape to Anthropic's Messages API and back.

Pure functions over JSON-shaped dicts, used by the anthropic dialect: ``to_anthropic`` on the way
out, ``from_anthropic`` for a whole reply, ``StreamTranslator`` for server-sent events. Callers
keep speaking the OpenAI shape whichever provider answers.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Callable, Mapping
from typing import TYPE_CHECKING, Any

from .._errors import InvalidRequestError, MalformedReplyError, ProviderError
from .._replies import ReplyReader
from ._base import Chunks, Dialect, Fail, _ids, _unscrubbed

if TYPE_CHECKING:
    from .._resolver import Resolution

__all__ = ["AnthropicDialect", "StreamTranslator", "from_anthropic", "to_anthropic"]

_FINISH_REASONS = {
    "end_turn": "stop",
    "stop_sequence": "stop",
    "max_tokens": "length",
    "tool_use": "tool_calls",
    "refusal": "content_filter",
}

_TOOL_CHOICE_TYPES = {"auto": "auto", "required": "any", "none": "none"}

_PASS_THROUGH = ("temperature", "top_p", "top_k", "stream")

# Every OpenAI key with an Anthropic meaning, or one that is safe to lose without telling the
# caller (stream_options: Anthropic always reports usage in the stream; parallel_tool_calls:
# true is Anthropic's default, false is translated). Anything else is reported as dropped.
_KNOWN_KEYS = frozenset(
    {
        *_PASS_THROUGH,
        "model",
        "messages",
        "max_tokens",
        "max_completion_tokens",
        "stop",
        "metadata",
        "user",
        "tools",
        "tool_choice",
        "parallel_tool_calls",
        "stream_options",
    }
)

_DATA_URL = re.compile(r"data:([^;,]+);base64,(.*)", re.DOTALL)


def to_anthropic(
    body: dict[str, Any], *, default_max_tokens: int | None, provider: str, model: str
) -> tuple[dict[str, Any], list[str]]:
    """OpenAI chat-completions request body -> Anthropic Messages request body.

    Returns (new_body, dropped) where dropped lists the OpenAI body keys that have no Anthropic
    equivalent and were left out (the caller decides whether to warn or refuse).
    Does not mutate `body`.

    >>> to_anthropic(
    ...     {"model": "claude-haiku-4-5", "seed": 1,
    ...      "messages": [{"role": "system", "content": "Be brief."},
    ...                   {"role": "user", "content": "Hi"}]},
    ...     default_max_tokens=1024, provider="anthropic", model="claude-haiku-4-5",
    ... )  # doctest: +NORMALIZE_WHITESPACE
    ({'model': 'claude-haiku-4-5', 'system': 'Be brief.',
      'messages': [{'role': 'user', 'content': 'Hi'}], 'max_tokens': 1024}, ['seed'])
    """
    return _Request(provider, model).translate(body, default_max_tokens)


def from_anthropic(reply: object, *, provider: str) -> dict[str, Any]:
    """Anthropic Messages response -> OpenAI chat.completion response; MalformedReplyError
    naming the field when ``reply`` is not a Messages response.

    >>> out = from_anthropic({"id": "msg_1", "model": "claude-haiku-4-5",
    ...     "content": [{"type": "text", "text": "Hello"}], "stop_reason": "end_turn",
    ...     "usage": {"input_tokens": 5, "output_tokens": 2}}, provider="acme")
    >>> out["choices"][0]["message"], out["choices"][0]["finish_reason"]
    ({'role': 'assistant', 'content': 'Hello'}, 'stop')
    """
    read = ReplyReader(provider)
    data = read.mapping(reply, "")
    texts: list[str] = []
    tool_calls: list[dict[str, Any]] = []
    for i, item in enumerate(read.optional_items(data.get("content"), "content")):
        block = read.mapping(item, f"content[{i}]")
        kind = read.optional_text(block.get("type"), f"content[{i}].type")
        if kind == "text":
            texts.append(read.text(block.get("text"), f"content[{i}].text"))
        elif kind == "tool_use":
            arguments = read.mapping(block.get("input"), f"content[{i}].input")
            tool_calls.append(
                {
                    "id": read.text(block.get("id"), f"content[{i}].id"),
                    "type": "function",
                    "function": {
                        "name": read.text(block.get("name"), f"content[{i}].name"),
                        "arguments": json.dumps(arguments),
                    },
                }
            )
    # Text blocks are consecutive pieces of one answer (the stream sends them without a
    # separator), so they are joined with nothing in between.
    message: dict[str, Any] = {"role": "assistant", "content": "".join(texts) if texts else None}
    if tool_calls:
        message["tool_calls"] = tool_calls
    return {
        "id": read.text(data.get("id"), "id"),
        "object": "chat.completion",
        "created": 0,
        "model": read.text(data.get("model"), "model"),
        "choices": [
            {"index": 0, "message": message, "finish_reason": _finish_reason(read, data)},
        ],
        "usage": _usage(read, data.get("usage"), "usage"),
    }


class StreamTranslator:
    """Turns Anthropic server-sent events into OpenAI chat.completion.chunk dicts.

    One translator per stream: it remembers the message id, model, prompt usage and which
    content blocks are tool calls. An error event raises the error ``fail`` makes of its payload
    (the client's, which scrubs the key out; by default a plain ProviderError).

    >>> t = StreamTranslator("anthropic")
    >>> _ = t.feed("message_start", {"type": "message_start", "message": {
    ...     "id": "msg_1", "model": "claude-haiku-4-5", "usage": {"input_tokens": 5}}})
    >>> t.feed("content_block_delta", {"type": "content_block_delta", "index": 0,
    ...     "delta": {"type": "text_delta", "text": "Hi"}})[0]["choices"][0]["delta"]
    {'content': 'Hi'}
    """

    def __init__(
        self, provider: str, fail: Callable[[object], ProviderError] | None = None
    ) -> None:
        self.provider = provider
        self._read = ReplyReader(provider, "stream event")
        self._fail = fail or _unscrubbed(provider)
        self._id = ""
        self._model = ""
        self._prompt_usage: dict[str, Any] = {}
        # Anthropic numbers content blocks across text and tools; OpenAI numbers tool calls alone.
        self._tool_index: dict[int, int] = {}

    def feed(self, event: str, data: object) -> list[dict[str, Any]]:
        """The OpenAI chunks for one event (often none); raises ProviderError on an error event
        and MalformedReplyError on an event of the wrong shape."""
        read = self._read
        event_data = read.mapping(data, "")
        kind = read.optional_text(event_data.get("type"), "type") or event
        if kind == "message_start":
            message = read.mapping(event_data.get("message"), "message")
            self._id = read.text(message.get("id"), "message.id")
            self._model = read.text(message.get("model"), "message.model")
            self._prompt_usage = dict(_counts(read, message.get("usage"), "message.usage"))
            return [self._chunk({"role": "assistant", "content": ""})]
        if kind == "content_block_start":
            return self._block_start(event_data)
        if kind == "content_block_delta":
            return self._block_delta(event_data)
        if kind == "message_delta":
            usage = _counts(read, event_data.get("usage"), "usage")
            usage = {**self._prompt_usage, "output_tokens": usage.get("output_tokens", 0)}
            delta = read.optional_mapping(event_data.get("delta"), "delta")
            chunk = self._chunk({}, _finish_reason(read, delta, "delta."))
            chunk["usage"] = _usage(read, usage, "usage")
            return [chunk]
        if kind == "error":
            found = read.stream_error(event_data.get("error"))
            # A message is the provider's (scrubbed by the client's fail); no message is ours.
            raise found if isinstance(found, MalformedReplyError) else self._fail(event_data)
        # ping, content_block_stop, message_stop, and event types added after this was written
        return []

    def _block_start(self, data: Mapping[str, Any]) -> list[dict[str, Any]]:
        read = self._read
        block = read.optional_mapping(data.get("content_block"), "content_block")
        if block.get("type") != "tool_use":
            return []
        index = len(self._tool_index)
        self._tool_index[read.index(data.get("index"), "index")] = index
        call = {
            "index": index,
            "id": read.text(block.get("id"), "content_block.id"),
            "type": "function",
            "function": {
                "name": read.text(block.get("name"), "content_block.name"),
                "arguments": "",
            },
        }
        return [self._chunk({"tool_calls": [call]})]

    def _block_delta(self, data: Mapping[str, Any]) -> list[dict[str, Any]]:
        read = self._read
        delta = read.optional_mapping(data.get("delta"), "delta")
        if delta.get("type") == "text_delta":
            return [self._chunk({"content": read.text(delta.get("text"), "delta.text")})]
        if delta.get("type") == "input_json_delta":
            index = self._tool_index.get(read.index(data.get("index"), "index"))
            partial = read.text(delta.get("partial_json"), "delta.partial_json")
            # Server-side tools (web search) stream their input too, but the caller never ran
            # them and has no tool call to append it to.
            if index is None:
                return []
            call = {"index": index, "function": {"arguments": partial}}
            return [self._chunk({"tool_calls": [call]})]
        return []

    def _chunk(self, delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
        return {
            "id": self._id,
            "object": "chat.completion.chunk",
            "created": 0,
            "model": self._model,
            "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
        }


def _finish_reason(read: ReplyReader, carrier: Mapping[str, Any], where: str = "") -> str:
    reason = read.optional_text(carrier.get("stop_reason"), f"{where}stop_reason")
    return _FINISH_REASONS.get(reason or "", "stop")


_COUNTS = (
    "input_tokens",
    "output_tokens",
    "cache_read_input_tokens",
    "cache_creation_input_tokens",
)


def _counts(read: ReplyReader, usage: object, where: str) -> dict[str, int]:
    """Anthropic's usage object as token counts (a null count, which Anthropic sends for a cache
    it did not use, is 0); other fields are left out."""
    found = read.optional_mapping(usage, where)
    return {field: read.count(found.get(field), f"{where}.{field}") for field in _COUNTS}


def _usage(read: ReplyReader, usage: object, where: str) -> dict[str, Any]:
    # Anthropic's input_tokens leaves out cached tokens, OpenAI's prompt_tokens counts them, so
    # the cache figures are added back.
    counts = _counts(read, usage, where)
    cache_read = counts["cache_read_input_tokens"]
    cache_write = counts["cache_creation_input_tokens"]
    prompt = counts["input_tokens"] + cache_read + cache_write
    completion = counts["output_tokens"]
    return {
        "prompt_tokens": prompt,
        "completion_tokens": completion,
        "total_tokens": prompt + completion,
        "prompt_tokens_details": {"cached_tokens": cache_read, "cache_write_tokens": cache_write},
    }


class _Request:
    """One request's translation; holds what every refusal must name."""

    def __init__(self, provider: str, model: str) -> None:
        self.provider = provider
        self.model = model

    def refuse(self, message: str, hint: str | None = None) -> InvalidRequestError:
        return InvalidRequestError(self.provider, self.model, message, hint=hint)

    def translate(
        self, body: Mapping[str, Any], default_max_tokens: int | None
    ) -> tuple[dict[str, Any], list[str]]:
        # An explicit null means "not given" in the OpenAI API, so it is neither sent nor dropped.
        given = {key: value for key, value in body.items() if value is not None}
        out: dict[str, Any] = {}
        if "model" in given:
            out["model"] = given["model"]
        system, messages = self.messages(given.get("messages"))
        if system:
            out["system"] = system
        out["messages"] = messages

        max_tokens = given.get("max_tokens", given.get("max_completion_tokens", default_max_tokens))
        if max_tokens is None:
            raise self.refuse("the anthropic dialect needs max_tokens", hint="pass max_tokens=...")
        out["max_tokens"] = max_tokens

        if "stop" in given:
            stop = given["stop"]
            if not isinstance(stop, str | list):
                raise self.refuse(f"stop must be a string or a list of strings, not {stop!r}")
            out["stop_sequences"] = [stop] if isinstance(stop, str) else list(stop)
        for key in _PASS_THROUGH:
            if key in given:
                out[key] = copy.deepcopy(given[key])
        if "metadata" in given or "user" in given:
            metadata = copy.deepcopy(given.get("metadata", {}))
            if not isinstance(metadata, dict):
                raise self.refuse(f"metadata must be an object, not {metadata!r}")
            # The caller's own metadata.user_id is the more specific of the two.
            if "user" in given:
                metadata.setdefault("user_id", given["user"])
            out["metadata"] = metadata
        if "tools" in given:
            out["tools"] = [self.tool(tool) for tool in given["tools"]]
        if "tool_choice" in given:
            out["tool_choice"] = self.tool_choice(given["tool_choice"])
        if given.get("parallel_tool_calls") is False:
            choice = out.setdefault("tool_choice", {"type": "auto"})
            # Anthropic's "none" choice takes no other field, and with no tool call there is
            # nothing to run in parallel.
            if choice["type"] != "none":
                choice["disable_parallel_tool_use"] = True

        dropped = [key for key in given if key not in _KNOWN_KEYS]
        return out, dropped

    def messages(self, messages: Any) -> tuple[str, list[dict[str, Any]]]:
        if not isinstance(messages, list):
            raise self.refuse("the request needs a list of messages")
        system: list[str] = []
        converted: list[dict[str, Any]] = []
        for msg in messages:
            if not isinstance(msg, dict):
                raise self.refuse(f"a message must be an object, not {msg!r}")
            role = msg.get("role")
            if role in ("system", "developer"):
                system.append(self.text(msg.get("content"), role))
            else:
                converted.append(self.message(msg))
        return "\n\n".join(system), _merge(converted)

    def message(self, msg: dict[str, Any]) -> dict[str, Any]:
        role = msg.get("role")
        if role == "tool":
            call_id = msg.get("tool_call_id")
            if not isinstance(call_id, str):
                raise self.refuse("a tool message needs its tool_call_id")
            result = {
                "type": "tool_result",
                "tool_use_id": call_id,
                "content": self.text(msg.get("content"), "tool"),
            }
            return {"role": "user", "content": [result]}
        if role not in ("user", "assistant"):
            raise self.refuse(f"message role {role!r} has no Anthropic equivalent")
        content = self.content(msg.get("content"))
        if role == "assistant" and msg.get("tool_calls"):
            calls = [self.tool_use(call) for call in msg["tool_calls"]]
            return {"role": "assistant", "content": _blocks(content) + calls}
        return {"role": role, "content": content}

    def text(self, content: Any, role: str) -> str:
        """The text of a system, developer or tool message, which Anthropic takes as a string."""
        if content is None:
            return ""
        if isinstance(content, str):
            return content
        if isinstance(content, list):
            texts = []
            for part in content:
                if not (isinstance(part, dict) and part.get("type") == "text"):
                    kind = part.get("type") if isinstance(part, dict) else part
                    raise self.refuse(f"a {role} message may hold only text parts, not {kind!r}")
                texts.append(part.get("text", ""))
            return "\n\n".join(texts)
        raise self.refuse(f"a {role} message's content must be text, not {content!r}")

    def content(self, content: Any) -> str | list[dict[str, Any]]:
        if content is None:
            return ""
        if isinstance(content, str):
            return content
        if isinstance(content, list):
            return [self.part(part) for part in content]
        raise self.refuse(f"message content must be a string or a list of parts, not {content!r}")

    def part(self, part: Any) -> dict[str, Any]:
        kind = part.get("type") if isinstance(part, dict) else None
        if kind == "text":
            return {"type": "text", "text": part.get("text", "")}
        if kind == "image_url":
            return {"type": "image", "source": self.image_source(part.get("image_url"))}
        raise self.refuse(
            f"content part {kind or part!r} has no Anthropic equivalent",
            hint="the anthropic dialect takes text and image_url parts",
        )

    def image_source(self, image: Any) -> dict[str, Any]:
        url = image.get("url") if isinstance(image, dict) else image
        if isinstance(url, str):
            if url.lower().startswith(("https://", "http://")):
                return {"type": "url", "url": url}
            data_url = _DATA_URL.fullmatch(url)
            if data_url:
                return {"type": "base64", "media_type": data_url[1], "data": data_url[2]}
        shown = url[:40] + "..." if isinstance(url, str) and len(url) > 40 else url
        raise self.refuse(
            f"image_url {shown!r} is neither an http(s) URL nor a base64 data: URL",
            hint="write data:<media type>;base64,<data>",
        )

    def tool_use(self, call: Any) -> dict[str, Any]:
        if not isinstance(call, dict) or call.get("type", "function") != "function":
            raise self.refuse(f"tool call {call!r} is not a function call")
        function = call.get("function") or {}
        try:
            arguments = json.loads(function.get("arguments") or "{}")
        except (TypeError, ValueError) as exc:
            raise self.refuse(
                f"tool call {call.get('id')!r} has arguments that are not valid JSON: {exc}"
            ) from exc
        # Anthropic's tool_use input is an object; a JSON array or number there is refused later
        # by the API with a less helpful message.
        if not isinstance(arguments, dict):
            raise self.refuse(f"tool call {call.get('id')!r} has arguments that are not an object")
        return {
            "type": "tool_use",
            "id": call.get("id"),
            "name": function.get("name"),
            "input": arguments,
        }

    def tool(self, tool: Any) -> dict[str, Any]:
        if not isinstance(tool, dict) or tool.get("type") != "function":
            kind = tool.get("type") if isinstance(tool, dict) else tool
            raise self.refuse(f"tool type {kind!r} has no Anthropic equivalent")
        function = tool.get("function") or {}
        out: dict[str, Any] = {"name": function.get("name")}
        if function.get("description") is not None:
            out["description"] = function["description"]
        out["input_schema"] = copy.deepcopy(
            function.get("parameters") or {"type": "object", "properties": {}}
        )
        return out

    def tool_choice(self, choice: Any) -> dict[str, Any]:
        if isinstance(choice, str) and choice in _TOOL_CHOICE_TYPES:
            return {"type": _TOOL_CHOICE_TYPES[choice]}
        if isinstance(choice, dict) and choice.get("type") == "function":
            name = (choice.get("function") or {}).get("name")
            if isinstance(name, str):
                return {"type": "tool", "name": name}
        raise self.refuse(f"tool_choice {choice!r} has no Anthropic equivalent")


def _blocks(content: str | list[dict[str, Any]]) -> list[dict[str, Any]]:
    # Anthropic refuses empty text blocks, so empty text turns into no block at all.
    if isinstance(content, str):
        return [{"type": "text", "text": content}] if content else []
    return content


def _merge(messages: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Consecutive messages of one role as one message: Anthropic requires user and assistant
    turns to alternate (tool results arrive as user turns, often several in a row)."""
    merged: list[dict[str, Any]] = []
    for msg in messages:
        if merged and merged[-1]["role"] == msg["role"]:
            last = merged[-1]
            last["content"] = _blocks(last["content"]) + _blocks(msg["content"])
        else:
            merged.append(msg)
    return merged


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
        limit = res.model_info.max_output_tokens if res.model_info else None
        return to_anthropic(
            body, default_max_tokens=limit, provider=res.provider_id, model=res.model
        )

    def reply(self, data: object, provider: str) -> dict[str, Any]:
        return from_anthropic(data, provider=provider)

    def chunks(self, provider: str, fail: Fail | None = None) -> Chunks:
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
