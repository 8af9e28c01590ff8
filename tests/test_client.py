"""The client against a real HTTP server on 127.0.0.1: what arrives, what comes back, errors,
retries, streaming, async, the OpenAI SDK, and that the key never shows."""

from __future__ import annotations

import asyncio
import json
import logging
import socket
import time
from collections.abc import Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from provider_registry import (
    AuthenticationError,
    BadRequestError,
    MissingCredentialsError,
    MissingParameterError,
    ModelNotFoundError,
    ProviderConnectionError,
    ProviderError,
    QuotaExceededError,
    RateLimitError,
    Retry,
    ServerError,
    acompletion,
    completion,
    load_registry,
    redact_headers,
    resolve,
)

from .conftest import manifest_text
from .server import CHAT_REPLY, STREAM_CHUNKS, FakeProvider

KEY = "wandb-secret-key-1234567890-abcdefWXYZ"
MODEL = "wandb/Llama-3.1-8B-Instruct"
MESSAGES = [{"role": "user", "content": "Hi"}]
NO_WAIT = Retry(attempts=2, backoff=0)


@pytest.fixture
def wandb_env(server: FakeProvider, monkeypatch: pytest.MonkeyPatch) -> FakeProvider:
    """W&B pointed at the local server through the operator's WANDB_API_BASE, key in env."""
    monkeypatch.setenv("WANDB_API_BASE", f"{server.url}/v1")
    monkeypatch.setenv("WANDB_API_KEY", KEY)
    return server


def assert_no_key(*texts: object) -> None:
    for text in map(str, texts):
        for i in range(len(KEY) - 7):
            assert KEY[i : i + 8] not in text, text


def test_completion_arrives_as_specified(wandb_env: FakeProvider) -> None:
    reply = completion(MODEL, MESSAGES, project="team/proj", temperature=0.5)
    (got,) = wandb_env.received
    assert (got.method, got.path) == ("POST", "/v1/chat/completions")
    assert got.headers["authorization"] == f"Bearer {KEY}"
    assert got.headers["openai-project"] == "team/proj"
    assert got.body == {
        "messages": MESSAGES,
        "temperature": 0.5,
        "model": "meta-llama/Llama-3.1-8B-Instruct",
    }
    assert reply["choices"][0]["message"]["content"] == "Hello from the test server"
    assert reply.content == "Hello from the test server"
    # 12 prompt + 5 completion tokens at $0.22 / 1M each, exactly.
    assert reply.cost == Decimal("0.00000374")
    assert reply == CHAT_REPLY


def test_project_from_env(wandb_env: FakeProvider, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WANDB_PROJECT", "team/from-env")
    completion(MODEL, MESSAGES)
    assert wandb_env.received[0].headers["openai-project"] == "team/from-env"


def test_missing_project_sends_nothing(wandb_env: FakeProvider) -> None:
    with pytest.raises(MissingParameterError) as info:
        completion(MODEL, MESSAGES)
    assert "'project'" in str(info.value)
    assert "WANDB_PROJECT" in str(info.value)
    assert wandb_env.received == []


def test_missing_key_sends_nothing(server: FakeProvider, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WANDB_API_BASE", f"{server.url}/v1")
    with pytest.raises(MissingCredentialsError) as info:
        completion(MODEL, MESSAGES, project="t/p")
    assert "WANDB_API_KEY" in str(info.value)
    assert server.received == []


def test_withheld_key_says_why(server: FakeProvider, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WANDB_API_KEY", KEY)
    with pytest.raises(MissingCredentialsError) as info:
        completion(MODEL, MESSAGES, project="t/p", api_base=f"{server.url}/v1")
    assert "withheld" in str(info.value)
    assert server.received == []


def test_stream_yields_the_servers_chunks_in_order(wandb_env: FakeProvider) -> None:
    chunks = list(completion(MODEL, MESSAGES, project="t/p", stream=True))
    assert chunks == STREAM_CHUNKS
    assert wandb_env.received[0].body["stream"] is True
    assert wandb_env.received[0].headers["accept"] == "text/event-stream"


def test_stream_events_that_the_fast_parser_refuses_are_read_as_before(
    wandb_env: FakeProvider,
) -> None:
    def event(content: bytes) -> bytes:
        return b'data: {"choices": [{"index": 0, "delta": {"content": "' + content + b'"}}]}\n\n'

    body = event(b"caf\xe9") + event(b"\\ud83d") + b"data: [DONE]\n\n"
    wandb_env.respond(body=body, headers={"content-type": "text/event-stream"})
    chunks = list(completion(MODEL, MESSAGES, project="t/p", stream=True))
    # Not UTF-8: U+FFFD, as SSE text is decoded; a lone surrogate escape: what json reads.
    assert [c["choices"][0]["delta"]["content"] for c in chunks] == ["caf\ufffd", "\ud83d"]


OVERLOADED = {"message": "the model overloaded", "type": "server_error"}
# An error in place of a chunk, beside a chunk's fields, or as the event's name: each raises.
ERROR_EVENTS = [
    (None, {"error": OVERLOADED}),
    (None, {**STREAM_CHUNKS[1], "error": OVERLOADED}),
    ("error", {**STREAM_CHUNKS[1], **OVERLOADED}),
]


@pytest.mark.parametrize("mode", ["sync", "async"])
@pytest.mark.parametrize(("name", "error"), ERROR_EVENTS)
def test_an_error_event_mid_stream_comes_after_the_chunks_before_it(
    wandb_env: FakeProvider, mode: str, name: str | None, error: dict[str, Any]
) -> None:
    events = [(None, json.dumps(c)) for c in STREAM_CHUNKS[:2]] + [(name, json.dumps(error))]
    wandb_env.respond(sse=events)  # one body, read at once: the chunks and the error together
    got: list[dict[str, Any]] = []

    async def read_async() -> None:
        async for chunk in await acompletion(MODEL, MESSAGES, project="t/p", stream=True):
            got.append(chunk)

    def read_sync() -> None:
        got.extend(completion(MODEL, MESSAGES, project="t/p", stream=True))

    with pytest.raises(ProviderError, match="the model overloaded"):
        read_sync() if mode == "sync" else asyncio.run(read_async())
    assert got == STREAM_CHUNKS[:2]


# (status, extra headers, expected error type, expected retry_after)
ERRORS: list[tuple[int, dict[str, str], type[ProviderError], float | None]] = [
    (400, {}, BadRequestError, None),
    (401, {}, AuthenticationError, None),
    (402, {}, QuotaExceededError, None),
    (403, {}, AuthenticationError, None),
    (404, {}, ModelNotFoundError, None),
    (429, {"Retry-After": "7"}, RateLimitError, 7.0),
    (429, {"Retry-After": "soon"}, RateLimitError, None),  # neither seconds nor a date: no hint
    (500, {}, ServerError, None),
    (503, {}, ServerError, None),
]


@pytest.mark.parametrize(("status", "headers", "error", "retry_after"), ERRORS)
def test_http_errors_become_typed_errors(
    wandb_env: FakeProvider,
    status: int,
    headers: dict[str, str],
    error: type[ProviderError],
    retry_after: float | None,
) -> None:
    # The provider echoes the key back, as some do in "invalid key" messages.
    wandb_env.respond(status, json={"error": {"message": f"nope: bad key {KEY}"}}, headers=headers)
    with pytest.raises(error) as info:
        completion(MODEL, MESSAGES, project="t/p", retry=Retry(attempts=0))
    exc = info.value
    assert type(exc) is error
    assert (exc.status_code, exc.retry_after) == (status, retry_after)
    assert exc.message.startswith("nope: bad key ")
    assert_no_key(exc, exc.message, repr(exc))


@pytest.mark.parametrize("attempts", [0, 1, 3])
def test_retry_count_is_what_was_configured(wandb_env: FakeProvider, attempts: int) -> None:
    for _ in range(attempts + 1):
        wandb_env.respond(500, json={"error": "overloaded"})
    with pytest.raises(ServerError):
        completion(MODEL, MESSAGES, project="t/p", retry=Retry(attempts=attempts, backoff=0))
    assert len(wandb_env.received) == attempts + 1


def test_retry_after_429_then_success(wandb_env: FakeProvider) -> None:
    wandb_env.respond(429, json={"error": "slow down"}, headers={"Retry-After": "0"})
    reply = completion(MODEL, MESSAGES, project="t/p", retry=NO_WAIT)
    assert reply.content == "Hello from the test server"
    assert len(wandb_env.received) == 2


def test_backoff_waits_between_attempts(wandb_env: FakeProvider) -> None:
    wandb_env.respond(503, json={})
    start = time.monotonic()
    completion(MODEL, MESSAGES, project="t/p", retry=Retry(attempts=1, backoff=0.2))
    assert time.monotonic() - start >= 0.2
    assert Retry(backoff=0.5, max_wait=3).delay(3, None) == 3.0
    assert Retry().delay(0, 12.5) == 12.5


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_connection_refused(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("WANDB_API_BASE", f"http://127.0.0.1:{_closed_port()}/v1")
    monkeypatch.setenv("WANDB_API_KEY", KEY)
    with pytest.raises(ProviderConnectionError) as info:
        completion(MODEL, MESSAGES, project="t/p", retry=Retry(attempts=1, backoff=0))
    assert info.value.status_code is None
    assert "could not connect" in str(info.value)
    assert_no_key(info.value)


def test_timeout_is_not_retried(wandb_env: FakeProvider) -> None:
    wandb_env.respond(json=CHAT_REPLY, delay=1.0)
    with pytest.raises(ProviderConnectionError, match="timed out"):
        completion(MODEL, MESSAGES, project="t/p", timeout=0.2, retry=NO_WAIT)
    assert len(wandb_env.received) == 1


# Our requests are built apart from the client; every httpx we allow must still apply a timeout
# (0.27 sent such a request with none unless the caller set one on it).
def _sync_own() -> Any:
    return completion(MODEL, MESSAGES, project="t/p", timeout=0.2, retry=NO_WAIT)


def _sync_callers_client() -> Any:
    with httpx.Client(timeout=0.2) as client:
        return completion(MODEL, MESSAGES, project="t/p", client=client, retry=NO_WAIT)


def _sync_stream() -> Any:
    return list(completion(MODEL, MESSAGES, project="t/p", stream=True, timeout=0.2))


def _async_own() -> Any:
    return asyncio.run(acompletion(MODEL, MESSAGES, project="t/p", timeout=0.2, retry=NO_WAIT))


def _async_callers_client() -> Any:
    async def main() -> Any:
        async with httpx.AsyncClient(timeout=0.2) as client:
            return await acompletion(MODEL, MESSAGES, project="t/p", client=client, retry=NO_WAIT)

    return asyncio.run(main())


@pytest.mark.parametrize(
    "call", [_sync_own, _sync_callers_client, _sync_stream, _async_own, _async_callers_client]
)
def test_every_call_times_out(wandb_env: FakeProvider, call: Callable[[], Any]) -> None:
    wandb_env.respond(json=CHAT_REPLY, delay=1.0)
    with pytest.raises(ProviderConnectionError, match="timed out"):
        call()


@pytest.mark.parametrize("call", [_sync_own, _sync_stream, _async_own])
def test_an_endless_error_body_is_read_only_up_to_its_cap(
    wandb_env: FakeProvider, call: Callable[[], Any]
) -> None:
    # 1 MiB, then a body that does not end: reading on would time out (the calls' timeout is
    # 0.2 s) and raise ProviderConnectionError instead.
    body = b'{"error": {"message": "' + b"x" * (1024 * 1024)
    wandb_env.respond(400, body=body, no_length=True, stall=2.0)
    with pytest.raises(BadRequestError) as info:
        call()
    # Not JSON as far as it was read: its text, cut as every message is.
    assert str(info.value) == 'wandb 400: {"error": {"message": "' + "x" * 977


def test_callers_client_is_used_and_left_open(wandb_env: FakeProvider) -> None:
    seen: list[httpx.Request] = []
    with httpx.Client(event_hooks={"request": [seen.append]}) as client:
        completion(MODEL, MESSAGES, project="t/p", client=client)
        completion(MODEL, MESSAGES, project="t/p", client=client)
        assert not client.is_closed
    assert len(seen) == len(wandb_env.received) == 2


def test_async_completion_and_stream(wandb_env: FakeProvider) -> None:
    async def main() -> tuple[Any, list[dict[str, Any]]]:
        reply = await acompletion(MODEL, MESSAGES, project="t/p")
        async with httpx.AsyncClient() as client:
            stream = await acompletion(MODEL, MESSAGES, project="t/p", stream=True, client=client)
            chunks = [chunk async for chunk in stream]
        return reply, chunks

    reply, chunks = asyncio.run(main())
    assert reply.content == "Hello from the test server"
    assert reply.cost == Decimal("0.00000374")
    assert chunks == STREAM_CHUNKS
    assert [r.headers["openai-project"] for r in wandb_env.received] == ["t/p", "t/p"]


def test_async_errors_and_retries(wandb_env: FakeProvider) -> None:
    wandb_env.respond(500, json={"error": "x"})
    wandb_env.respond(401, json={"error": {"message": "bad key"}})

    async def main() -> None:
        await acompletion(MODEL, MESSAGES, project="t/p", retry=NO_WAIT)

    with pytest.raises(AuthenticationError, match="bad key"):
        asyncio.run(main())
    assert len(wandb_env.received) == 2


def test_openai_sdk_sends_the_same_headers(wandb_env: FakeProvider) -> None:
    res = resolve(MODEL, project="team/proj")
    sdk = openai.OpenAI(**res.openai_client_kwargs(), max_retries=0)
    answer = sdk.chat.completions.create(model=res.model, messages=MESSAGES)  # type: ignore[arg-type]
    assert answer.choices[0].message.content == "Hello from the test server"
    completion(MODEL, MESSAGES, project="team/proj")
    via_sdk, via_us = wandb_env.received
    assert via_sdk.path == via_us.path == "/v1/chat/completions"
    for header in ("authorization", "openai-project"):
        assert via_sdk.headers[header] == via_us.headers[header]
    assert via_sdk.body["model"] == via_us.body["model"] == "meta-llama/Llama-3.1-8B-Instruct"


def test_key_never_shows(wandb_env: FakeProvider, caplog: pytest.LogCaptureFixture) -> None:
    res = resolve(MODEL, project="team/proj")
    request = res.build_request({"messages": MESSAGES})
    assert request.headers["authorization"] == f"Bearer {KEY}"  # it is sent, only not shown
    shown = redact_headers(request.headers)
    assert shown["authorization"] == "Bearer ****WXYZ"
    with caplog.at_level(logging.DEBUG, logger="provider_registry"):
        completion(MODEL, MESSAGES, project="team/proj")
    assert "****WXYZ" in caplog.text
    assert_no_key(repr(res), res.to_dict(), shown, repr(request), caplog.text)


# --- request rules from the manifest, applied before anything is sent -----------------------

RULES = """\
request:
  rename: {max_completion_tokens: max_tokens}
  unsupported: [logit_bias]
  defaults: {temperature: 0.3}
params:
  region: {send_as: {query: region}, default: eu}
  tier: {send_as: {body: service_tier}, env: ACME_TIER}
"""
ACME_MODELS = """\
  small:
    context_window: 8000
    max_output_tokens: 1000
    supports: [streaming, system_messages]
  big: {context_window: 100000}
"""


@pytest.fixture
def acme(dropin: Path, server: FakeProvider) -> Any:
    (dropin / "acme.yaml").write_text(manifest_text("acme", ACME_MODELS, extra=RULES))
    reg = load_registry([dropin], builtin=False, env=False)
    return lambda model, **kw: resolve(
        model, registry=reg, api_base=server.url, api_key="acme-key-000000000000", **kw
    )


def test_manifest_rules_shape_the_body(acme: Any) -> None:
    req = acme("acme/small", tier="flex").build_request(
        {"messages": MESSAGES, "max_completion_tokens": 50}
    )
    import json

    assert json.loads(req.content) == {
        "messages": MESSAGES,
        "max_tokens": 50,
        "temperature": 0.3,
        "model": "small",
        "service_tier": "flex",
    }
    assert req.url.params["region"] == "eu"
    assert str(req.url).startswith(f"{acme('acme/small').api_base}/chat/completions?")


def test_unsupported_field_dropped_or_refused(acme: Any) -> None:
    from provider_registry import DroppedParameterWarning, InvalidRequestError

    res = acme("acme/small")
    with pytest.warns(DroppedParameterWarning, match="logit_bias"):
        req = res.build_request({"messages": MESSAGES, "logit_bias": {"1": 2}})
    assert b"logit_bias" not in req.content
    with pytest.raises(InvalidRequestError, match="does not take: logit_bias"):
        res.build_request({"messages": MESSAGES, "logit_bias": {}}, drop_params=False)


# (model, body fields, error text)
LIMITS = [
    ("acme/small", {"max_tokens": 1001}, "max_tokens=1,001 is above the model's output limit"),
    ("acme/small", {"max_completion_tokens": 5000}, "output limit of 1,000"),
    ("acme/big", {"max_tokens": 100_001}, "context window of 100,000"),
    ("acme/small", {"tools": [{"type": "function"}]}, "does not support tools"),
]


@pytest.mark.parametrize(("model", "fields", "text"), LIMITS)
def test_model_limits_refused_before_sending(
    acme: Any, server: FakeProvider, model: str, fields: dict[str, Any], text: str
) -> None:
    from provider_registry import InvalidRequestError

    with pytest.raises(InvalidRequestError, match=text):
        acme(model).build_request({"messages": MESSAGES, **fields})
    assert server.received == []


def test_limits_allow_what_fits(acme: Any) -> None:
    assert acme("acme/small").build_request({"messages": MESSAGES, "max_tokens": 1000})
    # Unknown capabilities (no `supports`) block nothing.
    assert acme("acme/big").build_request({"messages": MESSAGES, "tools": [{"type": "x"}]})


def test_example_runs_against_the_local_server(server: FakeProvider) -> None:
    import os
    import subprocess
    import sys

    from .conftest import ROOT

    server.rejected_keys.add("not-a-real-key-0000")  # the example's deliberately bad key
    env = {
        **os.environ,
        "WANDB_API_BASE": f"{server.url}/v1",
        "WANDB_API_KEY": KEY,
        "WANDB_PROJECT": "team/example",
    }
    proc = subprocess.run(
        [sys.executable, str(ROOT / "examples" / "wandb_example.py")],
        env=env, capture_output=True, text=True, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "basic: Hello from the test server" in proc.stdout
    assert "cost: 0.00000374 USD" in proc.stdout
    assert "streaming: Hello" in proc.stdout
    assert "multi-turn: Hello from the test server" in proc.stdout
    assert "custom parameters: Hello from the test server" in proc.stdout
    assert "error handling: the provider refused the key: 401" in proc.stdout
    assert_no_key(proc.stdout, proc.stderr)
    paths = [r.path for r in server.received]
    assert paths == ["/v1/chat/completions"] * 6
    assert {r.headers["openai-project"] for r in server.received} == {"team/example"}
    sent = server.received[3].body
    assert sent["messages"][-1] == {"role": "user", "content": "And the next one?"}


def test_anthropic_dialect_against_the_local_server(server: FakeProvider) -> None:
    key = "sk-ant-test-key-000000000000-QRST"
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi"},
    ]
    # A call-time api_base is not Anthropic's own host: the key must be passed explicitly.
    reply = completion("claude-sonnet-4-6", messages, api_base=f"{server.url}/v1", api_key=key)
    (got,) = server.received
    assert (got.method, got.path) == ("POST", "/v1/messages")
    assert got.headers["x-api-key"] == key
    assert "authorization" not in got.headers
    assert got.headers["anthropic-version"] == "2023-06-01"
    assert got.body == {
        "model": "claude-sonnet-4-6",
        "system": "Be brief.",
        "messages": [{"role": "user", "content": "Hi"}],
        "max_tokens": 4096,
    }
    assert reply.content == "Hello from Claude"
    assert reply["choices"][0]["finish_reason"] == "stop"
    assert reply["usage"]["prompt_tokens"] == 20
    # 20 input tokens at $3 and 4 output tokens at $15 per 1M.
    assert reply.cost == Decimal("0.00012")


def test_anthropic_caller_max_completion_tokens_beats_the_default(server: FakeProvider) -> None:
    res = resolve("claude-haiku-4-5", api_base=server.url, api_key="k" * 20)
    req = res.build_request({"messages": MESSAGES, "max_completion_tokens": 77})
    assert b'"max_tokens":77' in req.content.replace(b" ", b"")


def test_anthropic_stream_is_openai_shaped(server: FakeProvider) -> None:
    import json

    events = [
        ("message_start", {"type": "message_start", "message": {
            "id": "m1", "model": "claude-test", "usage": {"input_tokens": 3, "output_tokens": 0}}}),
        ("content_block_start", {"type": "content_block_start", "index": 0,
                                 "content_block": {"type": "text", "text": ""}}),
        ("content_block_delta", {"type": "content_block_delta", "index": 0,
                                 "delta": {"type": "text_delta", "text": "Hi"}}),
        ("content_block_stop", {"type": "content_block_stop", "index": 0}),
        ("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn"},
                           "usage": {"output_tokens": 1}}),
        ("message_stop", {"type": "message_stop"}),
    ]  # fmt: skip
    server.respond(sse=[(event, json.dumps(data)) for event, data in events])
    chunks = list(
        completion("claude-haiku-4-5", MESSAGES, stream=True, api_base=server.url, api_key="k" * 20)
    )
    text = "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks)
    assert text == "Hi"
    assert chunks[-1]["choices"][0]["finish_reason"] == "stop"
    assert chunks[-1]["usage"]["completion_tokens"] == 1


def test_openai_kwargs_refuse_the_anthropic_dialect() -> None:
    from provider_registry import InvalidRequestError

    with pytest.raises(InvalidRequestError, match="not OpenAI-compatible"):
        resolve("claude-haiku-4-5", api_key="k" * 20).openai_client_kwargs()
