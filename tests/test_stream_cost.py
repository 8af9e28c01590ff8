"""Streams have a cost, and cost_of() prices the OpenAI SDK's replies (issue 13, items 11 and 12),
against the real local server: both dialects, sync and async, and the real OpenAI SDK."""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import openai
import pytest
from hypothesis import given
from hypothesis import strategies as st

from provider_registry import (
    AsyncStream,
    InvalidParameterError,
    Registry,
    Stream,
    acompletion,
    completion,
    cost_of,
    load_registry,
    resolve,
)

from .conftest import manifest_text
from .server import USAGE, FakeProvider

MESSAGES = [{"role": "user", "content": "Hi"}]
KEY = "acme-key-000000000000"
PRICED = "  small: {price: {input: 0.5, output: 1.5}}\n"
# 12 prompt tokens at $0.50 and 5 completion tokens at $1.50 per 1M.
ACME_COST = Decimal("0.0000135")
# 20 input tokens at $1 and 4 output tokens at $5 per 1M (claude-haiku-4-5's built-in price).
CLAUDE_COST = Decimal("0.00004")


def _registry(dropin: Path, extra: str = "") -> Registry:
    (dropin / "acme.yaml").write_text(manifest_text("acme", PRICED, extra=extra))
    return load_registry([dropin], builtin=False, env=False)


def _call(server: FakeProvider, dialect: str, dropin: Path) -> dict[str, Any]:
    if dialect == "anthropic":
        return {"model": "claude-haiku-4-5", "api_base": server.url, "api_key": "k" * 20}
    return {"model": "acme/small", "registry": _registry(dropin), "api_base": server.url,
            "api_key": KEY}  # fmt: skip


def _sync(call: dict[str, Any], **kw: Any) -> tuple[Any, Stream, list[dict[str, Any]]]:
    reply = completion(messages=MESSAGES, **call, **kw)
    stream = completion(messages=MESSAGES, stream=True, **call, **kw)
    assert isinstance(stream, Stream)
    assert (stream.usage, stream.cost) == (None, None)  # nothing known before the end
    return reply, stream, list(stream)


def _async(call: dict[str, Any], **kw: Any) -> tuple[Any, AsyncStream, list[dict[str, Any]]]:
    async def main() -> tuple[Any, AsyncStream, list[dict[str, Any]]]:
        reply = await acompletion(messages=MESSAGES, **call, **kw)
        stream = await acompletion(messages=MESSAGES, stream=True, **call, **kw)
        assert isinstance(stream, AsyncStream)
        return reply, stream, [chunk async for chunk in stream]

    return asyncio.run(main())


RUNS = {"sync": _sync, "async": _async}


# --- item 11: a stream's usage and cost ------------------------------------------------------


@pytest.mark.parametrize("run", ["sync", "async"])
@pytest.mark.parametrize(
    ("dialect", "expected"), [("openai", ACME_COST), ("anthropic", CLAUDE_COST)]
)
def test_stream_cost_equals_the_reply_cost(
    server: FakeProvider, dropin: Path, run: str, dialect: str, expected: Decimal
) -> None:
    reply, stream, chunks = RUNS[run](_call(server, dialect, dropin))
    assert reply.cost == expected
    assert stream.cost == reply.cost
    assert stream.usage == reply["usage"]
    assert stream.resolution.model == reply.resolution.model
    assert chunks  # the chunks themselves are unchanged
    body = server.received[1].body
    if dialect == "openai":
        assert body["stream_options"] == {"include_usage": True}
    else:  # Anthropic streams always carry their usage; the option means nothing there
        assert "stream_options" not in body


@pytest.mark.parametrize("run", ["sync", "async"])
def test_callers_stream_options_are_merged_not_replaced(
    server: FakeProvider, dropin: Path, run: str
) -> None:
    # A field the test server ignores stands for any other option the caller sets.
    _, stream, _ = RUNS[run](_call(server, "openai", dropin), stream_options={"x_other": 1})
    assert server.received[1].body["stream_options"] == {"x_other": 1, "include_usage": True}
    assert stream.cost == ACME_COST


def test_a_caller_who_declines_the_usage_is_obeyed(server: FakeProvider, dropin: Path) -> None:
    call = _call(server, "openai", dropin)
    stream = completion(
        messages=MESSAGES, stream=True, stream_options={"include_usage": False}, **call
    )
    assert list(stream)
    assert server.received[0].body["stream_options"] == {"include_usage": False}
    assert (stream.usage, stream.cost) == (None, None)  # no usage came: unknown, not zero


@pytest.mark.parametrize(
    "rules",
    ["request: {stream_usage: false}", "request: {unsupported: [stream_options]}"],
)
def test_a_provider_that_refuses_the_option_is_not_sent_it(
    server: FakeProvider, dropin: Path, rules: str
) -> None:
    reg = _registry(dropin, rules + "\n")
    stream = completion(
        "acme/small", MESSAGES, stream=True, registry=reg, api_base=server.url, api_key=KEY
    )
    chunks = list(stream)
    assert "stream_options" not in server.received[0].body
    assert chunks
    assert (stream.usage, stream.cost) == (None, None)


def test_the_manifest_field_is_checked(dropin: Path) -> None:
    from provider_registry import RegistryError

    (dropin / "acme.yaml").write_text(
        manifest_text("acme", PRICED, extra="request: {stream_usage: sometimes}\n")
    )
    with pytest.raises(RegistryError, match="stream_usage"):
        load_registry([dropin], builtin=False, env=False)


def test_a_stream_closed_early_has_no_cost(server: FakeProvider, dropin: Path) -> None:
    stream = completion(messages=MESSAGES, stream=True, **_call(server, "openai", dropin))
    next(stream)
    stream.close()
    assert (stream.usage, stream.cost) == (None, None)
    with pytest.raises(StopIteration):
        next(stream)


# --- item 12: cost_of() takes the OpenAI SDK's replies ---------------------------------------


@pytest.fixture
def sdk(server: FakeProvider, dropin: Path) -> tuple[Any, openai.OpenAI]:
    res = resolve("acme/small", registry=_registry(dropin), api_base=server.url, api_key=KEY)
    return res, openai.OpenAI(**res.openai_client_kwargs())


def test_cost_of_an_sdk_reply(sdk: tuple[Any, openai.OpenAI]) -> None:
    res, client = sdk
    reply = client.chat.completions.create(model=res.model, messages=MESSAGES)
    assert isinstance(reply, openai.types.chat.ChatCompletion)
    assert cost_of(reply, model=res) == ACME_COST
    assert cost_of(reply.model_dump(), model=res) == ACME_COST
    assert cost_of(reply.usage, model=res) == ACME_COST
    assert cost_of(json.loads(reply.model_dump_json()), model=res) == ACME_COST
    # Without the model it is unknown, never zero.
    assert cost_of(reply) is None


def test_cost_of_an_sdk_reply_by_model_name(
    server: FakeProvider, dropin: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PROVIDER_REGISTRY_PATH", str(dropin))
    _registry(dropin)
    from provider_registry import reload_registry

    reload_registry()
    try:
        res = resolve("acme/small", api_base=server.url, api_key=KEY)
        client = openai.OpenAI(**res.openai_client_kwargs())
        reply = client.chat.completions.create(model=res.model, messages=MESSAGES)
        assert cost_of(reply, model="acme/small") == ACME_COST
    finally:
        monkeypatch.delenv("PROVIDER_REGISTRY_PATH")
        reload_registry()


def test_cost_of_an_sdk_stream_with_usage(sdk: tuple[Any, openai.OpenAI]) -> None:
    res, client = sdk
    chunks = list(
        client.chat.completions.create(
            model=res.model,
            messages=MESSAGES,
            stream=True,
            stream_options={"include_usage": True},
        )
    )
    usage = next(c.usage for c in chunks if c.usage is not None)
    assert cost_of(usage, model=res) == ACME_COST


def test_cost_of_a_completion_reply_is_unchanged(server: FakeProvider, dropin: Path) -> None:
    reply = completion(messages=MESSAGES, **_call(server, "openai", dropin))
    assert cost_of(reply) == reply.cost == ACME_COST
    assert cost_of({"usage": USAGE}) is None


@pytest.mark.parametrize("thing", [object(), 12, "reply", None])
def test_cost_of_something_else_says_what_to_pass(thing: object) -> None:
    with pytest.raises(InvalidParameterError) as info:
        cost_of(thing)
    assert "is not a reply" in str(info.value)
    assert "ChatCompletion" in str(info.value)


def test_the_json_export_says_which_streams_ask_for_usage(dropin: Path) -> None:
    from provider_registry._export import export_json

    reg = _registry(dropin, "request: {stream_usage: false}\n")
    doc = export_json(reg)
    assert doc["providers"]["acme"]["request"]["stream_usage"] is False
    builtin = export_json(load_registry(env=False))["providers"]
    assert builtin["anthropic"]["request"]["stream_usage"] is False  # usage always streams
    assert builtin["wandb"]["request"]["stream_usage"] is True  # the openai dialect's default


@given(
    prompt=st.integers(0, 10**9),
    completion_tokens=st.integers(0, 10**9),
    cached=st.integers(0, 10**9),
)
def test_cost_of_is_the_same_for_every_shape_of_one_usage(
    prompt: int, completion_tokens: int, cached: int
) -> None:
    from openai.types import CompletionUsage

    cached = min(cached, prompt)
    res = resolve("claude-haiku-4-5", api_key="k" * 20)
    usage = CompletionUsage(
        prompt_tokens=prompt,
        completion_tokens=completion_tokens,
        total_tokens=prompt + completion_tokens,
        prompt_tokens_details={"cached_tokens": cached},
    )
    expected = res.cost(input_tokens=prompt, output_tokens=completion_tokens, cached_tokens=cached)
    assert expected is not None
    for shape in (usage, usage.model_dump(), {"usage": usage.model_dump()}):
        assert cost_of(shape, model=res) == expected
