"""The gemini dialect against a local server that speaks Gemini's wire format, as the Gemini API
reference gives it: POST /models/<id>:generateContent, or :streamGenerateContent?alt=sse for a
stream of server-sent events each holding a GenerateContentResponse (no [DONE]: the stream ends
with the body), the key in x-goog-api-key, errors as {"error": {"code", "message", "status"}}.

Each case checks what went out (path, query, key header, the translated body) and what came
back (OpenAI-shaped), sync and async; the usage case checks the cost, exactly, against the
manifest's prices.
"""

from __future__ import annotations

import asyncio
import json
from decimal import Decimal
from typing import Any

import pytest

from provider_registry import (
    AuthenticationError,
    InvalidRequestError,
    MalformedReplyError,
    ProviderError,
    Retry,
    acompletion,
    completion,
    resolve,
)
from provider_registry.dialects import DIALECTS
from provider_registry.dialects._gemini import SIGNATURE_MARK, from_gemini, to_gemini

from .server import FakeProvider, Received

KEY = "AIzaSy-test-key-0000000000000000-WXYZ"
MODEL = "gemini-3-flash-preview"  # $0.50 input, $3 output, $0.05 cache read per 1M tokens
PATH = f"/v1beta/models/{MODEL}:generateContent"
STREAM_PATH = f"/v1beta/models/{MODEL}:streamGenerateContent"
HI = [{"role": "user", "content": "Hi"}]

WEATHER_TOOL = {
    "type": "function",
    "function": {
        "name": "get_weather",
        "description": "The weather in a city",
        "parameters": {
            "type": "object",
            "properties": {"city": {"type": "string"}},
            "required": ["city"],
            "additionalProperties": False,
        },
    },
}


def gemini_reply(
    parts: list[dict[str, Any]],
    finish: str = "STOP",
    usage: dict[str, Any] | None = None,
    response_id: str = "resp-1",
) -> dict[str, Any]:
    """A GenerateContentResponse as the API sends it."""
    return {
        "candidates": [
            {"content": {"role": "model", "parts": parts}, "finishReason": finish, "index": 0}
        ],
        "usageMetadata": usage
        or {"promptTokenCount": 8, "candidatesTokenCount": 2, "totalTokenCount": 10},
        "modelVersion": MODEL,
        "responseId": response_id,
    }


def sse(*events: dict[str, Any]) -> list[tuple[str | None, str]]:
    return [(None, json.dumps(event)) for event in events]


def call(
    server: FakeProvider, messages: list[dict[str, Any]], *, is_async: bool = False, **kw: Any
) -> Any:
    kw = {"api_base": f"{server.url}/v1beta", "api_key": KEY, "retry": Retry(0), **kw}
    if not is_async:
        reply = completion(MODEL, messages, **kw)
        return list(reply) if kw.get("stream") else reply

    async def run() -> Any:
        reply = await acompletion(MODEL, messages, **kw)
        if kw.get("stream"):
            return [chunk async for chunk in reply], reply
        return reply

    return asyncio.run(run())


def sent(server: FakeProvider, path: str = PATH) -> Received:
    """The one request the server got, checked for what every Gemini request carries."""
    got = server.received[-1]
    assert (got.method, got.path) == ("POST", path)
    assert got.headers["x-goog-api-key"] == KEY  # the bare key, in Gemini's header
    assert "authorization" not in got.headers
    assert "key" not in got.query  # never the ?key= form, which ends up in logs
    return got


# --- a plain call ------------------------------------------------------------------------------


@pytest.mark.parametrize("is_async", [False, True])
def test_plain_call(server: FakeProvider, is_async: bool) -> None:
    server.respond(json=gemini_reply([{"text": "Hello "}, {"text": "there"}]))
    messages = [
        {"role": "system", "content": "Be brief."},
        {"role": "user", "content": "Hi"},
        {"role": "assistant", "content": "Hello. Ask away."},
        {"role": "user", "content": [{"type": "text", "text": "Weather?"}]},
        {"role": "user", "content": "In Oslo."},  # merged into the turn before
    ]
    reply = call(
        server, messages, is_async=is_async, max_tokens=64, temperature=0.2, top_p=0.9,
        stop="END", seed=7, n=1, presence_penalty=0.1, frequency_penalty=0.3,
    )  # fmt: skip
    got = sent(server)
    assert got.query == {}
    assert got.body == {
        "systemInstruction": {"parts": [{"text": "Be brief."}]},
        "contents": [
            {"role": "user", "parts": [{"text": "Hi"}]},
            {"role": "model", "parts": [{"text": "Hello. Ask away."}]},
            {"role": "user", "parts": [{"text": "Weather?"}, {"text": "In Oslo."}]},
        ],
        "generationConfig": {
            "maxOutputTokens": 64,
            "temperature": 0.2,
            "topP": 0.9,
            "stopSequences": ["END"],
            "seed": 7,
            "candidateCount": 1,
            "presencePenalty": 0.1,
            "frequencyPenalty": 0.3,
        },
    }
    assert reply.content == "Hello there"
    assert reply["id"] == "resp-1"
    assert reply["model"] == MODEL
    assert reply["object"] == "chat.completion"
    assert reply["choices"][0]["finish_reason"] == "stop"
    assert reply["usage"]["prompt_tokens"] == 8
    assert reply["usage"]["completion_tokens"] == 2
    assert reply.cost == Decimal("8") * Decimal("0.5") / 10**6 + Decimal("2") * 3 / 10**6


def test_images_and_response_format(server: FakeProvider) -> None:
    server.respond(json=gemini_reply([{"text": '{"animal": "cat"}'}]))
    schema = {"type": "object", "properties": {"animal": {"type": "string"}}}
    content = [
        {"type": "text", "text": "What is this?"},
        {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}},
        {"type": "image_url", "image_url": {"url": "https://x.test/cat.jpg?size=2"}},
    ]
    response_format = {"type": "json_schema", "json_schema": {"name": "a", "schema": schema}}
    reply = call(
        server, [{"role": "user", "content": content}], response_format=response_format,
        reasoning_effort="low",
    )  # fmt: skip
    assert sent(server).body == {
        "contents": [
            {
                "role": "user",
                "parts": [
                    {"text": "What is this?"},
                    {"inlineData": {"mimeType": "image/png", "data": "iVBORw0KGgo="}},
                    {
                        "fileData": {
                            "fileUri": "https://x.test/cat.jpg?size=2",
                            "mimeType": "image/jpeg",
                        }
                    },
                ],
            }
        ],
        "generationConfig": {
            "responseMimeType": "application/json",
            "responseJsonSchema": schema,
            "thinkingConfig": {"thinkingLevel": "low"},
        },
    }
    assert json.loads(reply.content) == {"animal": "cat"}


# --- a tool call, then its result --------------------------------------------------------------


@pytest.mark.parametrize("is_async", [False, True])
def test_tool_call_and_its_result(server: FakeProvider, is_async: bool) -> None:
    server.respond(
        json=gemini_reply(
            [
                {"text": "Let me look."},
                {
                    "functionCall": {"name": "get_weather", "args": {"city": "Oslo"}},
                    "thoughtSignature": "c2lnbmVk",
                },
            ]
        )
    )
    messages = [{"role": "user", "content": "Weather in Oslo?"}]
    choice = {"type": "function", "function": {"name": "get_weather"}}
    reply = call(server, messages, is_async=is_async, tools=[WEATHER_TOOL], tool_choice=choice)
    assert sent(server).body == {
        "contents": [{"role": "user", "parts": [{"text": "Weather in Oslo?"}]}],
        "tools": [
            {
                "functionDeclarations": [
                    {
                        "name": "get_weather",
                        "description": "The weather in a city",
                        "parametersJsonSchema": WEATHER_TOOL["function"]["parameters"],
                    }
                ]
            }
        ],
        "toolConfig": {
            "functionCallingConfig": {"mode": "ANY", "allowedFunctionNames": ["get_weather"]}
        },
    }
    message = reply["choices"][0]["message"]
    assert reply["choices"][0]["finish_reason"] == "tool_calls"
    assert message["content"] == "Let me look."
    (tool_call,) = message["tool_calls"]
    assert tool_call["type"] == "function"
    assert tool_call["function"] == {"name": "get_weather", "arguments": '{"city": "Oslo"}'}
    assert tool_call["id"].startswith("call_")
    assert tool_call["id"].endswith(SIGNATURE_MARK + "c2lnbmVk")  # the signature rides along

    # The follow-up: the assistant message as it came, then the tool's result.
    server.respond(json=gemini_reply([{"text": "It is 12 degrees in Oslo."}]))
    follow = [
        *messages,
        message,
        {"role": "tool", "tool_call_id": tool_call["id"], "content": '{"celsius": 12}'},
    ]
    reply = call(server, follow, is_async=is_async, tools=[WEATHER_TOOL])
    assert sent(server).body["contents"] == [
        {"role": "user", "parts": [{"text": "Weather in Oslo?"}]},
        {
            "role": "model",
            "parts": [
                {"text": "Let me look."},
                {
                    "functionCall": {"name": "get_weather", "args": {"city": "Oslo"}},
                    "thoughtSignature": "c2lnbmVk",
                },
            ],
        },
        {
            "role": "user",
            "parts": [{"functionResponse": {"name": "get_weather", "response": {"celsius": 12}}}],
        },
    ]
    assert reply.content == "It is 12 degrees in Oslo."


def test_tool_ids_are_stable_and_distinct() -> None:
    parts = [
        {"functionCall": {"name": "f", "args": {"x": 1}}},
        {"functionCall": {"name": "f", "args": {"x": 1}}},
    ]
    first = from_gemini(gemini_reply(parts), provider="gemini")
    again = from_gemini(gemini_reply(parts), provider="gemini")
    ids = [c["id"] for c in first["choices"][0]["message"]["tool_calls"]]
    assert ids == [c["id"] for c in again["choices"][0]["message"]["tool_calls"]]
    assert len(set(ids)) == 2


@pytest.mark.parametrize(
    ("choice", "config"),
    [
        ("auto", {"mode": "AUTO"}),
        ("none", {"mode": "NONE"}),
        ("required", {"mode": "ANY"}),
    ],
)
def test_tool_choice_modes(choice: str, config: dict[str, Any]) -> None:
    body, _ = to_gemini(
        {"messages": HI, "tools": [WEATHER_TOOL], "tool_choice": choice},
        provider="gemini",
        model=MODEL,
    )
    assert body["toolConfig"] == {"functionCallingConfig": config}


# --- streaming ---------------------------------------------------------------------------------

STREAM = [
    {
        "candidates": [{"content": {"role": "model", "parts": [{"text": "Hel"}]}, "index": 0}],
        "usageMetadata": {"promptTokenCount": 8, "candidatesTokenCount": 1},
        "modelVersion": MODEL,
        "responseId": "resp-s",
    },
    {
        "candidates": [{"content": {"role": "model", "parts": [{"text": "lo wor"}]}, "index": 0}],
        "usageMetadata": {"promptTokenCount": 8, "candidatesTokenCount": 3},
        "modelVersion": MODEL,
        "responseId": "resp-s",
    },
    {
        "candidates": [
            {
                "content": {"role": "model", "parts": [{"text": "ld"}]},
                "finishReason": "STOP",
                "index": 0,
            }
        ],
        "usageMetadata": {
            "promptTokenCount": 8,
            "candidatesTokenCount": 4,
            "thoughtsTokenCount": 6,
            "totalTokenCount": 18,
        },
        "modelVersion": MODEL,
        "responseId": "resp-s",
    },
]


@pytest.mark.parametrize("is_async", [False, True])
def test_stream(server: FakeProvider, is_async: bool) -> None:
    server.respond(sse=sse(*STREAM))
    got_back = call(server, HI, is_async=is_async, stream=True, max_completion_tokens=20)
    chunks, stream = got_back if is_async else (got_back, None)
    got = sent(server, STREAM_PATH)
    assert got.query == {"alt": "sse"}
    assert got.headers["accept"] == "text/event-stream"
    assert got.body == {
        "contents": [{"role": "user", "parts": [{"text": "Hi"}]}],
        "generationConfig": {"maxOutputTokens": 20},
    }  # no stream, no stream_options: the path says it
    deltas = [c["choices"][0]["delta"] for c in chunks]
    assert deltas == [
        {"role": "assistant", "content": "Hel"},
        {"content": "lo wor"},
        {"content": "ld"},
    ]
    assert [c["object"] for c in chunks] == ["chat.completion.chunk"] * 3
    assert [c["choices"][0]["finish_reason"] for c in chunks] == [None, None, "stop"]
    assert chunks[-1]["usage"] == {
        "prompt_tokens": 8,
        "completion_tokens": 10,  # 4 of answer and 6 of thinking
        "total_tokens": 18,
        "prompt_tokens_details": {"cached_tokens": 0},
        "completion_tokens_details": {"reasoning_tokens": 6},
    }
    if stream is not None:
        assert stream.usage == chunks[-1]["usage"]
        assert stream.cost == (Decimal(8) * Decimal("0.5") + Decimal(10) * 3) / 10**6


def test_stream_of_a_tool_call_and_thoughts(server: FakeProvider) -> None:
    thought = {"text": "The user wants weather.", "thought": True}
    events = [
        {"candidates": [{"content": {"role": "model", "parts": [thought]}, "index": 0}]},
        {
            "candidates": [
                {
                    "content": {
                        "role": "model",
                        "parts": [
                            {"functionCall": {"name": "get_weather", "args": {"city": "Oslo"}}}
                        ],
                    },
                    "finishReason": "STOP",
                    "index": 0,
                }
            ],
            "usageMetadata": {"promptTokenCount": 5, "candidatesTokenCount": 3},
        },
    ]
    server.respond(sse=sse(*events))
    chunks = call(server, HI, stream=True, tools=[WEATHER_TOOL])
    assert chunks[0]["choices"][0]["delta"] == {
        "role": "assistant",
        "reasoning_content": "The user wants weather.",
    }
    (tool_call,) = chunks[1]["choices"][0]["delta"]["tool_calls"]
    assert tool_call["index"] == 0
    assert tool_call["function"] == {"name": "get_weather", "arguments": '{"city": "Oslo"}'}
    assert chunks[1]["choices"][0]["finish_reason"] == "tool_calls"


# --- errors ------------------------------------------------------------------------------------

GEMINI_ERROR = {
    "error": {
        "code": 400,
        "message": "API key not valid. Please pass a valid API key.",
        "status": "INVALID_ARGUMENT",
    }
}


@pytest.mark.parametrize("is_async", [False, True])
def test_error_body(server: FakeProvider, is_async: bool) -> None:
    server.respond(403, json={"error": {**GEMINI_ERROR["error"], "code": 403,
                                        "status": "PERMISSION_DENIED"}})  # fmt: skip
    with pytest.raises(AuthenticationError) as info:
        call(server, HI, is_async=is_async)
    assert info.value.status_code == 403
    assert "API key not valid" in str(info.value)
    sent(server)


@pytest.mark.parametrize("is_async", [False, True])
def test_error_inside_a_stream(server: FakeProvider, is_async: bool) -> None:
    error = {"code": 500, "message": "Internal error", "status": "INTERNAL"}
    server.respond(sse=sse(STREAM[0], {"error": error}))
    with pytest.raises(ProviderError) as info:
        call(server, HI, is_async=is_async, stream=True)
    assert type(info.value) is ProviderError
    assert "Internal error" in str(info.value)


def test_malformed_reply_names_the_field(server: FakeProvider) -> None:
    server.respond(json={"candidates": [{"content": {"parts": [{"text": 5}]}}]})
    with pytest.raises(MalformedReplyError, match=r"candidates\[0\]\.content\.parts\[0\]\.text"):
        call(server, HI)


# --- usage with cached and thinking tokens, and its cost ----------------------------------------

CACHED_USAGE = {
    "promptTokenCount": 10_000,  # counts the 8,000 cached ones
    "cachedContentTokenCount": 8_000,
    "candidatesTokenCount": 300,
    "thoughtsTokenCount": 700,
    "totalTokenCount": 11_000,
}
# 2,000 fresh input tokens at $0.50, 8,000 cached at $0.05, 300 + 700 output at $3 (per 1M).
CACHED_COST = (Decimal(2_000) * Decimal("0.5") + 8_000 * Decimal("0.05") + 1_000 * 3) / 10**6


@pytest.mark.parametrize("is_async", [False, True])
def test_usage_with_cached_and_thinking_tokens(server: FakeProvider, is_async: bool) -> None:
    server.respond(json=gemini_reply([{"text": "Done."}], usage=CACHED_USAGE))
    reply = call(server, HI, is_async=is_async)
    assert reply["usage"] == {
        "prompt_tokens": 10_000,
        "completion_tokens": 1_000,
        "total_tokens": 11_000,
        "prompt_tokens_details": {"cached_tokens": 8_000},
        "completion_tokens_details": {"reasoning_tokens": 700},
    }
    assert reply.cost == CACHED_COST == Decimal("0.0044")
    # The same figures by the manifest's prices, not ours written out.
    res = resolve(MODEL)
    assert reply.cost == res.cost(input_tokens=10_000, output_tokens=1_000, cached_tokens=8_000)


@pytest.mark.parametrize("is_async", [False, True])
def test_stream_usage_with_cached_and_thinking_tokens(server: FakeProvider, is_async: bool) -> None:
    last = {**STREAM[-1], "usageMetadata": CACHED_USAGE}
    server.respond(sse=sse(STREAM[0], last))
    kw = {"api_base": f"{server.url}/v1beta", "api_key": KEY}

    async def run() -> Any:
        stream = await acompletion(MODEL, HI, stream=True, **kw)
        return [c async for c in stream], stream

    if is_async:
        _, stream = asyncio.run(run())
    else:
        stream = completion(MODEL, HI, stream=True, **kw)
        list(stream)
    assert stream.usage is not None
    assert stream.usage["completion_tokens_details"] == {"reasoning_tokens": 700}
    assert stream.cost == CACHED_COST


# --- what the dialect refuses ------------------------------------------------------------------


def test_fields_gemini_cannot_express_are_refused(server: FakeProvider) -> None:
    body, refused = to_gemini(
        {"messages": HI, "user": "u1", "logprobs": True, "parallel_tool_calls": False,
         "logit_bias": {"1": 2}, "stream_options": {"include_usage": True}},
        provider="gemini", model=MODEL,
    )  # fmt: skip
    assert sorted(refused) == ["logit_bias", "logprobs", "parallel_tool_calls", "user"]
    assert body == {"contents": [{"role": "user", "parts": [{"text": "Hi"}]}]}
    with pytest.raises(InvalidRequestError, match="does not take: user"):
        call(server, HI, user="u1", drop_params=False)
    assert not server.received  # refused before any I/O


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ({"messages": [{"role": "tool", "tool_call_id": "x", "content": "1"}]}, "answers no tool"),
        ({"messages": HI, "reasoning_effort": "extreme"}, "no Gemini thinking level"),
        ({"messages": HI, "tool_choice": {"type": "x"}}, "tool_choice"),
        ({"messages": HI, "response_format": {"type": "grammar"}}, "response_format"),
        ({"messages": [{"role": "user", "content": [{"type": "input_audio"}]}]}, "input_audio"),
        (
            {
                "messages": [
                    {
                        "role": "user",
                        "content": [{"type": "image_url", "image_url": {"url": "ftp://a"}}],
                    }
                ]
            },
            "neither",
        ),
    ],
)
def test_refusals(body: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidRequestError, match=message):
        to_gemini(body, provider="gemini", model=MODEL)


@pytest.mark.filterwarnings("ignore::provider_registry.DeprecatedModelWarning")
def test_non_chat_models_are_refused_before_io(server: FakeProvider) -> None:
    with pytest.raises(InvalidRequestError, match="cannot build embedding requests"):
        resolve("gemini/gemini-embedding-001", api_base=server.url, api_key=KEY).build_request(
            {"input": "x"}
        )
    assert not server.received


def test_the_model_id_is_one_path_segment() -> None:
    res = resolve("gemini/tunedModels/a b:c", api_key=KEY)
    assert res.build_request({"messages": HI}).url.raw_path == (
        b"/v1beta/models/tunedModels%2Fa%20b%3Ac:generateContent"
    )


# --- the model list ----------------------------------------------------------------------------


def test_model_list_pages(server: FakeProvider) -> None:
    from provider_registry import check_live

    server.respond(json={"models": [{"name": f"models/{MODEL}"}], "nextPageToken": "page-2"})
    server.respond(json={"models": [{"name": "models/gemini-3.1-pro-preview"}]})
    report = check_live(None, "gemini", api_base=f"{server.url}/v1beta", api_key=KEY)
    first, second = server.received
    assert (first.method, first.path) == ("GET", "/v1beta/models")
    assert first.headers["x-goog-api-key"] == KEY
    assert first.query == {"pageSize": "1000"}
    assert second.query == {"pageSize": "1000", "pageToken": "page-2"}
    assert report.served == 2
    assert MODEL not in report.new
    assert "gemini-3.1-pro-preview" not in report.new


def test_model_page_refuses_other_shapes() -> None:
    dialect = DIALECTS["gemini"]
    for data in ({"data": [{"id": "m"}]}, {"models": [{"name": "m"}]}, [1]):
        with pytest.raises(ValueError, match="models/"):
            dialect.model_page(data)


# --- the two endpoints of one key ---------------------------------------------------------------


@pytest.mark.parametrize(
    ("api_base", "provider", "dialect"),
    [
        ("https://generativelanguage.googleapis.com/v1beta", "gemini", "gemini"),
        ("https://generativelanguage.googleapis.com/v1beta/openai", "gemini-openai", "openai"),
    ],
)
def test_each_endpoint_finds_its_provider(
    monkeypatch: pytest.MonkeyPatch, api_base: str, provider: str, dialect: str
) -> None:
    monkeypatch.setenv("GEMINI_API_KEY", KEY)
    by_base = resolve(MODEL, api_base=api_base)
    by_prefix = resolve(f"{provider}/{MODEL}")
    for res in (by_base, by_prefix):
        assert (res.provider_id, res.dialect, res.api_base) == (provider, dialect, api_base)
        assert (res.api_key, res.key_source) == (KEY, "GEMINI_API_KEY")
    assert resolve(MODEL).provider_id == "gemini"  # a bare gemini-* name: the native API
