"""A 200 answer of the wrong shape is a ProviderError that says what was wrong (issue 12, item 10):
never a KeyError, AttributeError, TypeError or ValueError, in any dialect, sync or async, whole
or streamed, and never one left in the exception's chain.

Each row is answered by the real test server on 127.0.0.1. Text values in the rows hold ECHO, a
stand-in for anything a provider might echo (a key): no message may quote it.
"""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from provider_registry import (
    InvalidParameterError,
    MalformedReplyError,
    ProviderError,
    RegistryError,
    acompletion,
    completion,
    cost_of,
)
from provider_registry._client import Reply
from provider_registry._pricing import cost_of_usage
from provider_registry._registry import Registry
from provider_registry.dialects import DIALECTS
from provider_registry.dialects._anthropic import StreamTranslator, from_anthropic

from .conftest import manifest_text
from .server import ANTHROPIC_REPLY, CHAT_REPLY, STREAM_CHUNKS, USAGE, FakeProvider

ECHO = "ECHO-sk-0123456789abcdef"
MESSAGES = [{"role": "user", "content": "Hi"}]
KEY = "test-key-0123456789"


def chat(**changes: Any) -> dict[str, Any]:
    """The server's good chat reply with top-level fields changed (None: removed)."""
    out = {**CHAT_REPLY, **changes}
    return {k: v for k, v in out.items() if v is not None}


def choice(**changes: Any) -> dict[str, Any]:
    return chat(choices=[{**CHAT_REPLY["choices"][0], **changes}])


def message(**changes: Any) -> dict[str, Any]:
    return choice(message={**CHAT_REPLY["choices"][0]["message"], **changes})


def usage(**changes: Any) -> dict[str, Any]:
    return chat(usage={**USAGE, **changes})


def claude(**changes: Any) -> dict[str, Any]:
    out = {**ANTHROPIC_REPLY, **changes}
    return {k: v for k, v in out.items() if v is not None}


def claude_usage(**changes: Any) -> dict[str, Any]:
    return claude(usage={**ANTHROPIC_REPLY["usage"], **changes})


def sse(*events: Any) -> list[tuple[str | None, str]]:
    """Server-sent events: dicts and lists as JSON, text as it is."""
    return [(None, e if isinstance(e, str) else json.dumps(e)) for e in events] + [(None, "[DONE]")]


def chunk(**changes: Any) -> dict[str, Any]:
    out = {**STREAM_CHUNKS[1], **changes}
    return {k: v for k, v in out.items() if v is not None}


START = {"type": "message_start", "message": {"id": "m1", "model": "claude-test",
                                               "usage": {"input_tokens": 3}}}  # fmt: skip


def events(*items: Any) -> list[tuple[str | None, str]]:
    """Anthropic events, each after a sound message_start (dicts as JSON, text as it is)."""
    out: list[tuple[str | None, str]] = [("message_start", json.dumps(START))]
    for e in items:
        name = e.get("type") if isinstance(e, dict) and isinstance(e.get("type"), str) else "x"
        out.append((name, e if isinstance(e, str) else json.dumps(e)))
    return out


def start(**message: Any) -> list[tuple[str | None, str]]:
    """A message_start whose message is changed (None: a field removed)."""
    changed = {**START["message"], **message}
    changed = {k: v for k, v in changed.items() if v is not None}
    return [("message_start", json.dumps({"type": "message_start", "message": changed}))]


def block_start(**fields: Any) -> dict[str, Any]:
    block = {"type": "tool_use", "id": "t1", "name": "f", "input": {}}
    out = {"type": "content_block_start", "index": 0, "content_block": block, **fields}
    return {k: v for k, v in out.items() if v is not None}


# (id, dialect, stream?, the server's answer, the error's class, what its message says)
ROWS: list[tuple[str, str, bool, dict[str, Any], type[ProviderError], str]] = [
    # --- openai, whole replies
    ("reply is a list", "openai", False, {"json": [1, 2]}, MalformedReplyError,
     "malformed reply: the JSON is a list, not an object"),
    ("reply is text", "openai", False, {"json": ECHO}, MalformedReplyError,
     "the JSON is text, not an object"),
    ("reply is not JSON", "openai", False, {"body": b"<html>" + ECHO.encode()},
     MalformedReplyError, "malformed reply: not JSON"),
    ("reply nests too deep", "openai", False, {"body": b"[" * 100_000}, MalformedReplyError,
     "malformed reply: not JSON"),
    ("no choices", "openai", False, {"json": chat(choices=None)}, MalformedReplyError,
     "choices is missing"),
    ("choices is an object", "openai", False, {"json": chat(choices={"0": {}})},
     MalformedReplyError, "choices is an object, not a list"),
    ("a choice is text", "openai", False, {"json": chat(choices=[ECHO])}, MalformedReplyError,
     "choices[0] is text, not an object"),
    ("message is text", "openai", False, {"json": choice(message=ECHO)}, MalformedReplyError,
     "choices[0].message is text, not an object"),
    ("content is a number", "openai", False, {"json": message(content=5)}, MalformedReplyError,
     "choices[0].message.content is 5, not text"),
    ("usage is a list", "openai", False, {"json": chat(usage=[1])}, MalformedReplyError,
     "usage is a list, not an object"),
    ("prompt_tokens is text", "openai", False, {"json": usage(prompt_tokens=ECHO)},
     MalformedReplyError, "usage.prompt_tokens is text, not a token count"),
    ("prompt_tokens is 'x'", "openai", False, {"json": usage(prompt_tokens="x")},
     MalformedReplyError, "usage.prompt_tokens is text, not a token count"),
    ("completion_tokens negative", "openai", False, {"json": usage(completion_tokens=-1)},
     MalformedReplyError, "usage.completion_tokens is -1, not a token count"),
    ("prompt_tokens is true", "openai", False, {"json": usage(prompt_tokens=True)},
     MalformedReplyError, "usage.prompt_tokens is true, not a token count"),
    ("prompt_tokens a fraction", "openai", False, {"json": usage(prompt_tokens=1.5)},
     MalformedReplyError, "usage.prompt_tokens is 1.5, not a token count"),
    ("total_tokens is an object", "openai", False, {"json": usage(total_tokens={})},
     MalformedReplyError, "usage.total_tokens is an object"),
    ("details is text", "openai", False, {"json": usage(prompt_tokens_details=ECHO)},
     MalformedReplyError, "usage.prompt_tokens_details is text, not an object"),
    ("cached_tokens is a list", "openai", False,
     {"json": usage(prompt_tokens_details={"cached_tokens": [ECHO]})}, MalformedReplyError,
     "usage.prompt_tokens_details.cached_tokens is a list, not a token count"),
    ("more cached than prompt", "openai", False,
     {"json": usage(prompt_tokens_details={"cached_tokens": 13})}, MalformedReplyError,
     "counts 13 cached tokens, more than usage.prompt_tokens (12)"),
    # --- openai, streams
    ("stream line not JSON", "openai", True, {"sse": sse(chunk(), ECHO)}, MalformedReplyError,
     "malformed stream: an event is not JSON"),
    ("stream chunk is a list", "openai", True, {"sse": sse([ECHO])}, MalformedReplyError,
     "malformed stream chunk: the JSON is a list, not an object"),
    ("stream chunk is a number", "openai", True, {"sse": sse("5")}, MalformedReplyError,
     "the JSON is 5, not an object"),
    ("stream choices is text", "openai", True, {"sse": sse(chunk(choices=ECHO))},
     MalformedReplyError, "choices is text, not a list"),
    ("stream delta is text", "openai", True, {"sse": sse(chunk(choices=[{"delta": ECHO}]))},
     MalformedReplyError, "choices[0].delta is text, not an object"),
    ("stream usage is text", "openai", True,
     {"sse": sse(chunk(choices=[], usage={"prompt_tokens": ECHO}))}, MalformedReplyError,
     "usage.prompt_tokens is text, not a token count"),
    ("stream error is a number", "openai", True, {"sse": sse(chunk(), {"error": 5})},
     MalformedReplyError, "error is 5, not the provider's message"),
    ("stream error without message", "openai", True,
     {"sse": sse({"error": {"code": 500}})}, MalformedReplyError, "error.message is missing"),
    ("stream error is text", "openai", True, {"sse": sse({"error": "Overloaded"})},
     ProviderError, "Overloaded"),
    ("stream error object", "openai", True, {"sse": sse({"error": {"message": "Overloaded"}})},
     ProviderError, "Overloaded"),
    ("stream is a JSON reply", "openai", True, {"json": CHAT_REPLY}, MalformedReplyError,
     "it ended before any event (application/json, not text/event-stream)"),
    # --- anthropic, whole replies
    ("no id", "anthropic", False, {"json": claude(id=None)}, MalformedReplyError,
     "malformed reply: id is missing"),
    ("id is a number", "anthropic", False, {"json": claude(id=7)}, MalformedReplyError,
     "id is 7, not text"),
    ("no model", "anthropic", False, {"json": claude(model=None)}, MalformedReplyError,
     "model is missing"),
    ("content is text", "anthropic", False, {"json": claude(content=ECHO)}, MalformedReplyError,
     "content is text, not a list"),
    ("a block is text", "anthropic", False, {"json": claude(content=[ECHO])},
     MalformedReplyError, "content[0] is text, not an object"),
    ("block type is a list", "anthropic", False, {"json": claude(content=[{"type": []}])},
     MalformedReplyError, "content[0].type is a list, not text"),
    ("text block without text", "anthropic", False, {"json": claude(content=[{"type": "text"}])},
     MalformedReplyError, "content[0].text is missing"),
    ("tool_use without name", "anthropic", False,
     {"json": claude(content=[{"type": "tool_use", "id": "t", "input": {}}])},
     MalformedReplyError, "content[0].name is missing"),
    ("tool_use input is text", "anthropic", False,
     {"json": claude(content=[{"type": "tool_use", "id": "t", "name": "f", "input": ECHO}])},
     MalformedReplyError, "content[0].input is text, not an object"),
    ("stop_reason is a list", "anthropic", False, {"json": claude(stop_reason=[ECHO])},
     MalformedReplyError, "stop_reason is a list, not text"),
    ("usage is text", "anthropic", False, {"json": claude(usage=ECHO)}, MalformedReplyError,
     "usage is text, not an object"),
    ("input_tokens is text", "anthropic", False, {"json": claude_usage(input_tokens="x")},
     MalformedReplyError, "usage.input_tokens is text, not a token count"),
    ("output_tokens negative", "anthropic", False, {"json": claude_usage(output_tokens=-5)},
     MalformedReplyError, "usage.output_tokens is -5, not a token count"),
    ("cache read is true", "anthropic", False,
     {"json": claude_usage(cache_read_input_tokens=True)}, MalformedReplyError,
     "usage.cache_read_input_tokens is true, not a token count"),
    # --- anthropic, streams
    ("error is text", "anthropic", True, {"sse": events({"type": "error", "error": "boom"})},
     ProviderError, "boom"),
    ("error is a number", "anthropic", True, {"sse": events({"type": "error", "error": 5})},
     MalformedReplyError, "malformed stream event: error is 5, not the provider's message"),
    ("error is a list", "anthropic", True, {"sse": events({"type": "error", "error": [ECHO]})},
     MalformedReplyError, "error is a list, not the provider's message"),
    ("error message is a list", "anthropic", True,
     {"sse": events({"type": "error", "error": {"message": [ECHO]}})}, MalformedReplyError,
     "error.message is a list"),
    ("event is a list", "anthropic", True, {"sse": events([ECHO])}, MalformedReplyError,
     "the JSON is a list, not an object"),
    ("event not JSON", "anthropic", True, {"sse": events(ECHO)}, MalformedReplyError,
     "malformed stream: an event is not JSON"),
    ("event type is a number", "anthropic", True, {"sse": events({"type": 5})},
     MalformedReplyError, "type is 5, not text"),
    ("start message is text", "anthropic", True,
     {"sse": [("message_start", json.dumps({"type": "message_start", "message": ECHO}))]},
     MalformedReplyError, "message is text, not an object"),
    ("start without id", "anthropic", True, {"sse": start(id=None)}, MalformedReplyError,
     "message.id is missing"),
    ("start usage is text", "anthropic", True, {"sse": start(usage={"input_tokens": ECHO})},
     MalformedReplyError, "message.usage.input_tokens is text, not a token count"),
    ("tool start without index", "anthropic", True, {"sse": events(block_start(index=None))},
     MalformedReplyError, "index is missing"),
    ("tool start index is a list", "anthropic", True, {"sse": events(block_start(index=[0]))},
     MalformedReplyError, "index is a list, not an index"),
    ("tool start without id", "anthropic", True,
     {"sse": events(block_start(content_block={"type": "tool_use", "name": "f"}))},
     MalformedReplyError, "content_block.id is missing"),
    ("text delta without text", "anthropic", True,
     {"sse": events({"type": "content_block_delta", "index": 0,
                     "delta": {"type": "text_delta"}})},
     MalformedReplyError, "delta.text is missing"),
    ("json delta index is a list", "anthropic", True,
     {"sse": events(block_start(), {"type": "content_block_delta", "index": [],
                                    "delta": {"type": "input_json_delta", "partial_json": ""}})},
     MalformedReplyError, "index is a list"),
    ("json delta is a number", "anthropic", True,
     {"sse": events(block_start(), {"type": "content_block_delta", "index": 0,
                                    "delta": {"type": "input_json_delta", "partial_json": 1}})},
     MalformedReplyError, "delta.partial_json is 1, not text"),
    ("message delta is text", "anthropic", True,
     {"sse": events({"type": "message_delta", "delta": ECHO})}, MalformedReplyError,
     "delta is text, not an object"),
    ("message delta usage is text", "anthropic", True,
     {"sse": events({"type": "message_delta", "usage": {"output_tokens": "x"}})},
     MalformedReplyError, "usage.output_tokens is text, not a token count"),
    ("stop_reason is a number", "anthropic", True,
     {"sse": events({"type": "message_delta", "delta": {"stop_reason": 3}})},
     MalformedReplyError, "delta.stop_reason is 3, not text"),
]  # fmt: skip


def _registry(server: FakeProvider) -> Registry:
    models = "  m1: {price: {input: 1, output: 2}}"
    openai = manifest_text("acme-chat", models, base_url=server.url)
    claude = manifest_text("acme-claude", models, base_url=server.url).replace(
        "dialect: openai", "dialect: anthropic"
    )
    return Registry({}, {}).register(openai).register(claude)


def _call(server: FakeProvider, dialect: str, stream: bool, mode: str) -> Any:
    model = {"openai": "acme-chat/m1", "anthropic": "acme-claude/m1"}[dialect]
    kw: dict[str, Any] = {"registry": _registry(server), "api_key": KEY, "max_tokens": 10}
    if mode == "sync":
        return (
            list(completion(model, MESSAGES, stream=True, **kw))
            if stream
            else completion(model, MESSAGES, **kw)
        )

    async def run() -> Any:
        if stream:
            return [c async for c in await acompletion(model, MESSAGES, stream=True, **kw)]
        return await acompletion(model, MESSAGES, **kw)

    return asyncio.run(run())


def chain(exc: BaseException) -> list[BaseException]:
    """The exception and every one chained to it by __cause__ or __context__."""
    seen: list[BaseException] = []
    todo: list[BaseException | None] = [exc]
    while todo:
        e = todo.pop()
        if e is not None and all(e is not s for s in seen):
            seen.append(e)
            todo += [e.__cause__, e.__context__]
    return seen


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize(
    ("dialect", "stream", "answer", "error", "said"),
    [pytest.param(*row[1:], id=row[0]) for row in ROWS],
)
def test_a_malformed_200_is_a_provider_error_saying_what_was_wrong(
    server: FakeProvider,
    dialect: str,
    stream: bool,
    answer: dict[str, Any],
    error: type[ProviderError],
    said: str,
    mode: str,
) -> None:
    server.respond(200, **answer)
    with pytest.raises(ProviderError) as info:
        _call(server, dialect, stream, mode)
    exc = info.value
    assert type(exc) is error, exc
    assert said in str(exc)
    assert exc.provider in ("acme-chat", "acme-claude")
    assert all(isinstance(e, RegistryError) for e in chain(exc)), chain(exc)
    if error is MalformedReplyError:
        assert "ECHO" not in str(exc)


def test_there_are_at_least_nineteen_rows_of_each_kind() -> None:
    assert len(ROWS) >= 19
    for dialect in ("openai", "anthropic"):
        for stream in (False, True):
            assert sum(r[1] == dialect and r[2] == stream for r in ROWS) >= 8, (dialect, stream)


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize("dialect", ["openai", "anthropic"])
@pytest.mark.parametrize("stream", [False, True])
def test_sound_replies_still_map(
    server: FakeProvider, dialect: str, stream: bool, mode: str
) -> None:
    # The server's own answers, and counts JSON writes as 12.0, are fine.
    if dialect == "openai" and not stream:
        server.respond(json=usage(prompt_tokens=12.0, prompt_tokens_details=None))
    if dialect == "anthropic" and stream:  # the server answers Anthropic streams only if asked
        text = {"type": "content_block_delta", "index": 0,
                "delta": {"type": "text_delta", "text": "Hi"}}  # fmt: skip
        server.respond(sse=events(text, {"type": "message_stop"}))
    got = _call(server, dialect, stream, mode)
    if stream:
        assert got
        assert all(isinstance(c, dict) for c in got)
    else:
        assert got.content
        assert got.cost is not None
        assert got.cost > 0


# --- the mappers alone, against any damage to a sound reply ---------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers(-3, 10**6) | st.floats(allow_nan=False)
    | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner,
                                                                  max_size=3),
    max_leaves=6,
)  # fmt: skip


def _paths(data: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    out = [path]
    if isinstance(data, dict):
        out += [p for k, v in data.items() for p in _paths(v, (*path, k))]
    elif isinstance(data, list):
        out += [p for i, v in enumerate(data) for p in _paths(v, (*path, i))]
    return out


@st.composite
def damaged(draw: st.DrawFn, sound: Any) -> Any:
    """``sound`` with one value replaced by any JSON, or one key removed."""
    data = json.loads(json.dumps(sound))
    path = draw(st.sampled_from(_paths(data)))
    if not path:
        return draw(JSON)
    where = data
    for part in path[:-1]:
        where = where[part]
    if isinstance(where, dict) and draw(st.booleans()):
        del where[path[-1]]
    else:
        where[path[-1]] = draw(JSON)
    return data


ANTHROPIC_FULL = {
    **ANTHROPIC_REPLY,
    "content": [
        {"type": "text", "text": "Hi"},
        {"type": "tool_use", "id": "t1", "name": "f", "input": {"a": 1}},
    ],
    "usage": {"input_tokens": 5, "output_tokens": 2, "cache_read_input_tokens": 1,
              "cache_creation_input_tokens": None},
}  # fmt: skip
STREAM_EVENTS = [
    START,
    block_start(),
    {"type": "content_block_delta", "index": 0,
     "delta": {"type": "input_json_delta", "partial_json": "{}"}},
    {"type": "content_block_delta", "index": 1, "delta": {"type": "text_delta", "text": "x"}},
    {"type": "message_delta", "delta": {"stop_reason": "end_turn"}, "usage": {"output_tokens": 1}},
    {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}},
]  # fmt: skip
OPENAI_FULL = {**CHAT_REPLY, "usage": {**USAGE, "prompt_tokens_details": {"cached_tokens": 2}}}


def _outcome(run: Any) -> Any:
    try:
        return run()
    except ProviderError as exc:
        caught = exc
    assert all(isinstance(e, RegistryError) for e in chain(caught)), chain(caught)
    return caught


@given(reply=damaged(OPENAI_FULL))
def test_any_damaged_openai_reply_maps_or_is_a_provider_error(reply: Any) -> None:
    out = _outcome(lambda: DIALECTS["openai"].reply(reply, "acme"))
    if not isinstance(out, ProviderError):
        cost_of_usage(None, out.get("usage"), "acme")  # what the client prices next
        for c in out["choices"]:
            assert isinstance(c.get("message", {}), dict)
        reply = Reply(out)
        assert reply.content is None or isinstance(reply.content, str | list)


@given(reply=damaged(ANTHROPIC_FULL))
def test_any_damaged_anthropic_reply_maps_or_is_a_provider_error(reply: Any) -> None:
    out = _outcome(lambda: from_anthropic(reply, provider="acme"))
    if not isinstance(out, ProviderError):
        assert DIALECTS["openai"].reply(out, "acme") == out  # an OpenAI reply, sound


@given(stream=damaged(STREAM_EVENTS))
def test_any_damaged_anthropic_stream_maps_or_is_a_provider_error(stream: Any) -> None:
    translator = StreamTranslator("acme")
    for item in stream if isinstance(stream, list) else [stream]:
        out = _outcome(lambda item=item: translator.feed("x", item))
        if isinstance(out, ProviderError):
            break
        for c in out:
            DIALECTS["openai"].chunks("acme")("x", c)  # each chunk a sound OpenAI chunk


@given(stream=damaged([STREAM_CHUNKS[1], {**STREAM_CHUNKS[3], "usage": USAGE}]))
def test_any_damaged_openai_stream_maps_or_is_a_provider_error(stream: Any) -> None:
    read = DIALECTS["openai"].reader("acme")  # as the client reads: its fast path included
    for item in stream if isinstance(stream, list) else [stream]:
        chunks: list[dict[str, Any]] = []
        event = ("message", json.dumps(item).encode())
        out = _outcome(lambda event=event, chunks=chunks: read([event], chunks))
        if isinstance(out, ProviderError):
            break
        assert chunks == [item]  # an OpenAI chunk is passed on as it came
        cost_of_usage(None, item.get("usage"), "acme")
        for c in item.get("choices") or []:  # what a caller reads of a chunk it was given
            delta = c.get("delta", {})
            assert isinstance(delta, dict)
            assert delta.get("content") is None or isinstance(delta["content"], str | list)


# --- cost_of_usage: a caller's usage object ------------------------------------------------------

BAD_USAGE = [
    ([1], "usage is a list, not an object"),
    ({"prompt_tokens": "12"}, "usage.prompt_tokens is text"),
    ({"prompt_tokens": -1}, "usage.prompt_tokens is -1"),
    ({"prompt_tokens": 10, "prompt_tokens_details": []}, "prompt_tokens_details is a list"),
]


@pytest.mark.parametrize(("usage_value", "said"), BAD_USAGE)
def test_cost_of_a_bad_usage_object_is_an_invalid_parameter(usage_value: Any, said: str) -> None:
    # A caller's usage object is the caller's input: InvalidParameterError, not a ProviderError.
    with pytest.raises(InvalidParameterError, match=said) as info:
        cost_of_usage(None, usage_value, "acme")
    assert all(isinstance(e, RegistryError) for e in chain(info.value))
    with pytest.raises(InvalidParameterError, match=said):
        cost_of({"usage": usage_value})


def test_cost_of_a_sound_usage_object() -> None:
    assert cost_of({"usage": {"prompt_tokens": 12.0}}) is None  # no model: unknown, not 0
    assert cost_of_usage(None, None) is None
    assert cost_of_usage(None, {}) is None
