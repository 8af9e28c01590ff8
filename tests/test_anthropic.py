"""The anthropic dialect's translations, as tables of OpenAI shape -> Anthropic shape and back."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from provider_registry._errors import InvalidRequestError, ProviderError
from provider_registry.dialects._anthropic import StreamTranslator, from_anthropic, to_anthropic

P = "anthropic"
M = "claude-test"
HI = {"role": "user", "content": "Hi"}
PNG = "iVBORw0KGgo="


def translate(
    body: dict[str, Any], default_max_tokens: int | None = 100
) -> tuple[dict[str, Any], list[str]]:
    return to_anthropic(body, default_max_tokens=default_max_tokens, provider=P, model=M)


def call(call_id: str, name: str, arguments: str) -> dict[str, Any]:
    return {"id": call_id, "type": "function", "function": {"name": name, "arguments": arguments}}


def text(value: str) -> dict[str, Any]:
    return {"type": "text", "text": value}


# --- requests: messages ------------------------------------------------------------------------

# (test id, OpenAI messages, expected Anthropic system (None: no key), expected Anthropic messages)
MESSAGES: list[tuple[str, list[dict[str, Any]], str | None, list[dict[str, Any]]]] = [
    ("user string stays a string", [HI], None, [HI]),
    (
        "system lifted",
        [{"role": "system", "content": "Be brief."}, HI],
        "Be brief.",
        [HI],
    ),
    (
        "developer lifted",
        [{"role": "developer", "content": "Be terse."}, HI],
        "Be terse.",
        [HI],
    ),
    (
        "system and developer joined in order, text parts joined",
        [
            {"role": "system", "content": "One."},
            HI,
            {"role": "developer", "content": [text("Two."), text("Three.")]},
        ],
        "One.\n\nTwo.\n\nThree.",
        [HI],
    ),
    (
        "user text parts",
        [{"role": "user", "content": [text("a"), text("b")]}],
        None,
        [{"role": "user", "content": [text("a"), text("b")]}],
    ),
    (
        "image by https URL",
        [
            {
                "role": "user",
                "content": [
                    text("What is this?"),
                    {"type": "image_url", "image_url": {"url": "https://x.test/cat.png"}},
                ],
            }
        ],
        None,
        [
            {
                "role": "user",
                "content": [
                    text("What is this?"),
                    {"type": "image", "source": {"type": "url", "url": "https://x.test/cat.png"}},
                ],
            }
        ],
    ),
    (
        "image by http URL",
        [
            {
                "role": "user",
                "content": [{"type": "image_url", "image_url": {"url": "http://x.test/a"}}],
            }
        ],
        None,
        [
            {
                "role": "user",
                "content": [{"type": "image", "source": {"type": "url", "url": "http://x.test/a"}}],
            }
        ],
    ),
    (
        "image by base64 data URL",
        [
            {
                "role": "user",
                "content": [
                    {
                        "type": "image_url",
                        "image_url": {"url": f"data:image/png;base64,{PNG}", "detail": "low"},
                    }
                ],
            }
        ],
        None,
        [
            {
                "role": "user",
                "content": [
                    {
                        "type": "image",
                        "source": {"type": "base64", "media_type": "image/png", "data": PNG},
                    }
                ],
            }
        ],
    ),
    (
        "assistant tool calls after its text",
        [
            HI,
            {
                "role": "assistant",
                "content": "Looking.",
                "tool_calls": [
                    call("call_1", "weather", '{"city": "Oslo"}'),
                    call("call_2", "time", ""),
                ],
            },
        ],
        None,
        [
            HI,
            {
                "role": "assistant",
                "content": [
                    text("Looking."),
                    {
                        "type": "tool_use",
                        "id": "call_1",
                        "name": "weather",
                        "input": {"city": "Oslo"},
                    },
                    {"type": "tool_use", "id": "call_2", "name": "time", "input": {}},
                ],
            },
        ],
    ),
    (
        "assistant tool calls without text",
        [HI, {"role": "assistant", "content": None, "tool_calls": [call("c", "f", "{}")]}],
        None,
        [
            HI,
            {
                "role": "assistant",
                "content": [{"type": "tool_use", "id": "c", "name": "f", "input": {}}],
            },
        ],
    ),
    (
        "assistant tool calls with empty text",
        [HI, {"role": "assistant", "content": "", "tool_calls": [call("c", "f", "{}")]}],
        None,
        [
            HI,
            {
                "role": "assistant",
                "content": [{"type": "tool_use", "id": "c", "name": "f", "input": {}}],
            },
        ],
    ),
    (
        "tool result as a user turn",
        [{"role": "tool", "tool_call_id": "call_1", "content": "12 C"}],
        None,
        [
            {
                "role": "user",
                "content": [{"type": "tool_result", "tool_use_id": "call_1", "content": "12 C"}],
            }
        ],
    ),
    (
        "tool result from text parts",
        [{"role": "tool", "tool_call_id": "c", "content": [text("a"), text("b")]}],
        None,
        [
            {
                "role": "user",
                "content": [{"type": "tool_result", "tool_use_id": "c", "content": "a\n\nb"}],
            }
        ],
    ),
    (
        "consecutive tool results merged, then the user's text",
        [
            {"role": "tool", "tool_call_id": "call_1", "content": "12 C"},
            {"role": "tool", "tool_call_id": "call_2", "content": "14:00"},
            {"role": "user", "content": "Thanks"},
        ],
        None,
        [
            {
                "role": "user",
                "content": [
                    {"type": "tool_result", "tool_use_id": "call_1", "content": "12 C"},
                    {"type": "tool_result", "tool_use_id": "call_2", "content": "14:00"},
                    text("Thanks"),
                ],
            }
        ],
    ),
    (
        "consecutive user strings merged",
        [{"role": "user", "content": "a"}, {"role": "user", "content": "b"}],
        None,
        [{"role": "user", "content": [text("a"), text("b")]}],
    ),
    (
        "user parts and string merged in order",
        [{"role": "user", "content": [text("a")]}, {"role": "user", "content": "b"}],
        None,
        [{"role": "user", "content": [text("a"), text("b")]}],
    ),
    (
        "consecutive assistant turns merged",
        [
            HI,
            {"role": "assistant", "content": "x"},
            {"role": "assistant", "content": "y", "tool_calls": [call("c", "f", "{}")]},
        ],
        None,
        [
            HI,
            {
                "role": "assistant",
                "content": [
                    text("x"),
                    text("y"),
                    {"type": "tool_use", "id": "c", "name": "f", "input": {}},
                ],
            },
        ],
    ),
    (
        "merging leaves out empty text (Anthropic refuses empty text blocks)",
        [{"role": "user", "content": ""}, {"role": "user", "content": "b"}],
        None,
        [{"role": "user", "content": [text("b")]}],
    ),
    (
        "a system message between turns lets them merge",
        [HI, {"role": "system", "content": "S"}, {"role": "user", "content": "again"}],
        "S",
        [{"role": "user", "content": [text("Hi"), text("again")]}],
    ),
]


@pytest.mark.parametrize(
    ("messages", "system", "expected"), [pytest.param(*c[1:], id=c[0]) for c in MESSAGES]
)
def test_messages(
    messages: list[dict[str, Any]], system: str | None, expected: list[dict[str, Any]]
) -> None:
    out, dropped = translate({"model": M, "messages": messages, "max_tokens": 5})
    want: dict[str, Any] = {"model": M, "messages": expected, "max_tokens": 5}
    if system is not None:
        want["system"] = system
    assert (out, dropped) == (want, [])


# --- requests: every other key -----------------------------------------------------------------

# (test id, extra OpenAI keys, default_max_tokens, expected extra Anthropic keys, expected dropped)
PARAMS: list[tuple[str, dict[str, Any], int | None, dict[str, Any], list[str]]] = [
    ("max_tokens", {"max_tokens": 7}, None, {"max_tokens": 7}, []),
    ("max_completion_tokens", {"max_completion_tokens": 8}, None, {"max_tokens": 8}, []),
    (
        "max_tokens wins over max_completion_tokens",
        {"max_completion_tokens": 8, "max_tokens": 7},
        None,
        {"max_tokens": 7},
        [],
    ),
    ("default max_tokens", {}, 64000, {"max_tokens": 64000}, []),
    ("given max_tokens wins over the default", {"max_tokens": 7}, 64000, {"max_tokens": 7}, []),
    (
        "null max_tokens is not given",
        {"max_tokens": None, "max_completion_tokens": 9},
        None,
        {"max_tokens": 9},
        [],
    ),
    ("stop string", {"stop": "END"}, 5, {"max_tokens": 5, "stop_sequences": ["END"]}, []),
    (
        "stop list",
        {"stop": ["a", "b"]},
        5,
        {"max_tokens": 5, "stop_sequences": ["a", "b"]},
        [],
    ),
    (
        "sampling and stream pass through",
        {"temperature": 0.2, "top_p": 0.9, "top_k": 40, "stream": True},
        5,
        {"max_tokens": 5, "temperature": 0.2, "top_p": 0.9, "top_k": 40, "stream": True},
        [],
    ),
    (
        "metadata passes through",
        {"metadata": {"user_id": "u-1"}},
        5,
        {"max_tokens": 5, "metadata": {"user_id": "u-1"}},
        [],
    ),
    ("user", {"user": "u-2"}, 5, {"max_tokens": 5, "metadata": {"user_id": "u-2"}}, []),
    (
        "user merged into metadata",
        {"metadata": {"tag": "t"}, "user": "u-2"},
        5,
        {"max_tokens": 5, "metadata": {"tag": "t", "user_id": "u-2"}},
        [],
    ),
    (
        "metadata.user_id wins over user",
        {"metadata": {"user_id": "u-1"}, "user": "u-2"},
        5,
        {"max_tokens": 5, "metadata": {"user_id": "u-1"}},
        [],
    ),
    (
        "tools",
        {
            "tools": [
                {
                    "type": "function",
                    "function": {
                        "name": "weather",
                        "description": "Weather now",
                        "parameters": {
                            "type": "object",
                            "properties": {"city": {"type": "string"}},
                            "required": ["city"],
                        },
                    },
                },
                {"type": "function", "function": {"name": "time"}},
            ]
        },
        5,
        {
            "max_tokens": 5,
            "tools": [
                {
                    "name": "weather",
                    "description": "Weather now",
                    "input_schema": {
                        "type": "object",
                        "properties": {"city": {"type": "string"}},
                        "required": ["city"],
                    },
                },
                {"name": "time", "input_schema": {"type": "object", "properties": {}}},
            ],
        },
        [],
    ),
    (
        "tool_choice auto",
        {"tool_choice": "auto"},
        5,
        {"max_tokens": 5, "tool_choice": {"type": "auto"}},
        [],
    ),
    (
        "tool_choice required",
        {"tool_choice": "required"},
        5,
        {"max_tokens": 5, "tool_choice": {"type": "any"}},
        [],
    ),
    (
        "tool_choice none",
        {"tool_choice": "none"},
        5,
        {"max_tokens": 5, "tool_choice": {"type": "none"}},
        [],
    ),
    (
        "tool_choice one function",
        {"tool_choice": {"type": "function", "function": {"name": "weather"}}},
        5,
        {"max_tokens": 5, "tool_choice": {"type": "tool", "name": "weather"}},
        [],
    ),
    (
        "parallel_tool_calls false alone",
        {"parallel_tool_calls": False},
        5,
        {"max_tokens": 5, "tool_choice": {"type": "auto", "disable_parallel_tool_use": True}},
        [],
    ),
    (
        "parallel_tool_calls false with tool_choice",
        {"tool_choice": "required", "parallel_tool_calls": False},
        5,
        {"max_tokens": 5, "tool_choice": {"type": "any", "disable_parallel_tool_use": True}},
        [],
    ),
    (
        "parallel_tool_calls false with a named tool",
        {
            "tool_choice": {"type": "function", "function": {"name": "f"}},
            "parallel_tool_calls": False,
        },
        5,
        {
            "max_tokens": 5,
            "tool_choice": {"type": "tool", "name": "f", "disable_parallel_tool_use": True},
        },
        [],
    ),
    (
        "parallel_tool_calls false with tool_choice none: nothing to run in parallel",
        {"tool_choice": "none", "parallel_tool_calls": False},
        5,
        {"max_tokens": 5, "tool_choice": {"type": "none"}},
        [],
    ),
    (
        "parallel_tool_calls true: silently the default",
        {"parallel_tool_calls": True},
        5,
        {"max_tokens": 5},
        [],
    ),
    (
        "stream_options: silently, usage always streams",
        {"stream": True, "stream_options": {"include_usage": True}},
        5,
        {"max_tokens": 5, "stream": True},
        [],
    ),
    (
        "keys without an equivalent are dropped, in order",
        {
            "n": 1,
            "presence_penalty": 0.1,
            "frequency_penalty": 0.2,
            "logit_bias": {"50256": -100},
            "response_format": {"type": "json_object"},
            "seed": 3,
            "logprobs": True,
        },
        5,
        {"max_tokens": 5},
        [
            "n",
            "presence_penalty",
            "frequency_penalty",
            "logit_bias",
            "response_format",
            "seed",
            "logprobs",
        ],
    ),
    (
        "a null key is neither sent nor dropped",
        {"seed": None, "stop": None},
        5,
        {"max_tokens": 5},
        [],
    ),
]


@pytest.mark.parametrize(
    ("extra", "default", "expected", "dropped"), [pytest.param(*c[1:], id=c[0]) for c in PARAMS]
)
def test_params(
    extra: dict[str, Any], default: int | None, expected: dict[str, Any], dropped: list[str]
) -> None:
    out = translate({"model": M, "messages": [HI], **extra}, default_max_tokens=default)
    assert out == ({"model": M, "messages": [HI], **expected}, dropped)


def test_model_is_copied_from_the_body() -> None:
    out, _ = to_anthropic(
        {"model": "claude-wire-id", "messages": [HI], "max_tokens": 1},
        default_max_tokens=None,
        provider=P,
        model="only-for-errors",
    )
    assert out["model"] == "claude-wire-id"


# --- requests: refusals ------------------------------------------------------------------------


def image(url: str) -> dict[str, Any]:
    return {"role": "user", "content": [{"type": "image_url", "image_url": {"url": url}}]}


# (test id, OpenAI body without model, default_max_tokens, expected text after "provider/model: ")
REFUSALS: list[tuple[str, dict[str, Any], int | None, str]] = [
    (
        "no max_tokens anywhere",
        {"messages": [HI]},
        None,
        "the anthropic dialect needs max_tokens (pass max_tokens=...)",
    ),
    (
        "audio part",
        {"messages": [{"role": "user", "content": [{"type": "input_audio", "input_audio": {}}]}]},
        5,
        "content part 'input_audio' has no Anthropic equivalent "
        "(the anthropic dialect takes text and image_url parts)",
    ),
    (
        "file part",
        {"messages": [{"role": "user", "content": [{"type": "file", "file": {}}]}]},
        5,
        "content part 'file' has no Anthropic equivalent "
        "(the anthropic dialect takes text and image_url parts)",
    ),
    (
        "image by another scheme",
        {"messages": [image("ftp://x.test/a.png")]},
        5,
        "image_url 'ftp://x.test/a.png' is neither an http(s) URL nor a base64 data: URL "
        "(write data:<media type>;base64,<data>)",
    ),
    (
        "data URL without base64",
        {"messages": [image("data:image/png,abc")]},
        5,
        "image_url 'data:image/png,abc' is neither an http(s) URL nor a base64 data: URL "
        "(write data:<media type>;base64,<data>)",
    ),
    (
        "tool call arguments not JSON",
        {"messages": [{"role": "assistant", "tool_calls": [call("call_9", "f", "{city: Oslo}")]}]},
        5,
        "tool call 'call_9' has arguments that are not valid JSON: "
        "Expecting property name enclosed in double quotes: line 1 column 2 (char 1)",
    ),
    (
        "tool call arguments not an object",
        {"messages": [{"role": "assistant", "tool_calls": [call("call_9", "f", "[1]")]}]},
        5,
        "tool call 'call_9' has arguments that are not an object",
    ),
    (
        "image in a system message",
        {"messages": [{"role": "system", "content": [{"type": "image_url", "image_url": {}}]}]},
        5,
        "a system message may hold only text parts, not 'image_url'",
    ),
    (
        "legacy function role",
        {"messages": [{"role": "function", "name": "f", "content": "x"}]},
        5,
        "message role 'function' has no Anthropic equivalent",
    ),
    (
        "tool message without tool_call_id",
        {"messages": [{"role": "tool", "content": "x"}]},
        5,
        "a tool message needs its tool_call_id",
    ),
    ("no messages", {"max_tokens": 5}, 5, "the request needs a list of messages"),
    (
        "stop neither text nor list",
        {"messages": [HI], "stop": 5},
        5,
        "stop must be a string or a list of strings, not 5",
    ),
    (
        "unknown tool_choice",
        {"messages": [HI], "tool_choice": "sometimes"},
        5,
        "tool_choice 'sometimes' has no Anthropic equivalent",
    ),
    (
        "non-function tool",
        {"messages": [HI], "tools": [{"type": "custom", "custom": {"name": "x"}}]},
        5,
        "tool type 'custom' has no Anthropic equivalent",
    ),
]


@pytest.mark.parametrize(
    ("body", "default", "message"), [pytest.param(*c[1:], id=c[0]) for c in REFUSALS]
)
def test_refusals(body: dict[str, Any], default: int | None, message: str) -> None:
    with pytest.raises(InvalidRequestError) as info:
        translate({"model": M, **body}, default_max_tokens=default)
    assert (type(info.value), info.value.provider, info.value.model, str(info.value)) == (
        InvalidRequestError,
        P,
        M,
        f"{P}/{M}: {message}",
    )


def test_body_is_not_mutated_nor_shared() -> None:
    body: dict[str, Any] = {
        "model": M,
        "messages": [
            {"role": "system", "content": [text("S")]},
            {"role": "user", "content": "a"},
            {"role": "user", "content": [text("b")]},
            {"role": "assistant", "content": "c", "tool_calls": [call("c1", "f", '{"x": [1]}')]},
            {"role": "tool", "tool_call_id": "c1", "content": "r"},
        ],
        "max_completion_tokens": 9,
        "stop": ["s"],
        "user": "u",
        "metadata": {"tag": "t"},
        "tools": [
            {"type": "function", "function": {"name": "f", "parameters": {"type": "object"}}}
        ],
        "parallel_tool_calls": False,
        "seed": 1,
    }
    before = copy.deepcopy(body)
    out, _ = translate(body)
    assert body == before
    out["metadata"]["tag"] = "changed"
    out["tools"][0]["input_schema"]["type"] = "changed"
    out["stop_sequences"].append("changed")
    out["messages"][0]["content"][1]["text"] = "changed"
    assert body == before


# --- replies -----------------------------------------------------------------------------------

USAGE = {"input_tokens": 10, "output_tokens": 4}
OPENAI_USAGE = {
    "prompt_tokens": 10,
    "completion_tokens": 4,
    "total_tokens": 14,
    "prompt_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
}


def reply(content: list[dict[str, Any]], stop_reason: str | None = "end_turn") -> dict[str, Any]:
    return {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": "claude-sonnet-4-5-20250929",
        "content": content,
        "stop_reason": stop_reason,
        "stop_sequence": None,
        "usage": USAGE,
    }


# (test id, Anthropic content blocks, expected OpenAI message)
REPLY_MESSAGES: list[tuple[str, list[dict[str, Any]], dict[str, Any]]] = [
    ("text", [text("Hello")], {"role": "assistant", "content": "Hello"}),
    ("text blocks joined", [text("Hel"), text("lo")], {"role": "assistant", "content": "Hello"}),
    ("no content", [], {"role": "assistant", "content": None}),
    (
        "thinking is left out",
        [{"type": "thinking", "thinking": "hmm", "signature": "sig"}, text("Hi")],
        {"role": "assistant", "content": "Hi"},
    ),
    (
        "text and tool calls",
        [
            text("Looking."),
            {"type": "tool_use", "id": "toolu_1", "name": "weather", "input": {"city": "Oslo"}},
            {"type": "tool_use", "id": "toolu_2", "name": "time", "input": {}},
        ],
        {
            "role": "assistant",
            "content": "Looking.",
            "tool_calls": [
                {
                    "id": "toolu_1",
                    "type": "function",
                    "function": {"name": "weather", "arguments": '{"city": "Oslo"}'},
                },
                {
                    "id": "toolu_2",
                    "type": "function",
                    "function": {"name": "time", "arguments": "{}"},
                },
            ],
        },
    ),
    (
        "tool call alone",
        [{"type": "tool_use", "id": "toolu_1", "name": "f", "input": {}}],
        {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {"id": "toolu_1", "type": "function", "function": {"name": "f", "arguments": "{}"}}
            ],
        },
    ),
]


@pytest.mark.parametrize(
    ("content", "message"), [pytest.param(*c[1:], id=c[0]) for c in REPLY_MESSAGES]
)
def test_reply_message(content: list[dict[str, Any]], message: dict[str, Any]) -> None:
    assert from_anthropic(reply(content), provider=P) == {
        "id": "msg_1",
        "object": "chat.completion",
        "created": 0,
        "model": "claude-sonnet-4-5-20250929",
        "choices": [{"index": 0, "message": message, "finish_reason": "stop"}],
        "usage": OPENAI_USAGE,
    }


# (Anthropic stop_reason, OpenAI finish_reason)
FINISH_REASONS: list[tuple[str | None, str]] = [
    ("end_turn", "stop"),
    ("stop_sequence", "stop"),
    ("max_tokens", "length"),
    ("tool_use", "tool_calls"),
    ("refusal", "content_filter"),
    ("pause_turn", "stop"),
    (None, "stop"),
]


@pytest.mark.parametrize(("stop_reason", "finish_reason"), FINISH_REASONS)
def test_finish_reason(stop_reason: str | None, finish_reason: str) -> None:
    out = from_anthropic(reply([text("x")], stop_reason), provider=P)
    assert out["choices"][0]["finish_reason"] == finish_reason


# (test id, Anthropic usage, expected OpenAI usage)
USAGES: list[tuple[str, dict[str, Any], dict[str, Any]]] = [
    ("plain", USAGE, OPENAI_USAGE),
    (
        "cache read and write count as prompt tokens",
        {
            "input_tokens": 10,
            "cache_read_input_tokens": 100,
            "cache_creation_input_tokens": 1000,
            "output_tokens": 4,
        },
        {
            "prompt_tokens": 1110,
            "completion_tokens": 4,
            "total_tokens": 1114,
            "prompt_tokens_details": {"cached_tokens": 100, "cache_write_tokens": 1000},
        },
    ),
    (
        "null cache figures count 0",
        {
            "input_tokens": 10,
            "cache_read_input_tokens": None,
            "cache_creation_input_tokens": None,
            "output_tokens": 4,
        },
        OPENAI_USAGE,
    ),
    (
        "no usage at all",
        {},
        {
            "prompt_tokens": 0,
            "completion_tokens": 0,
            "total_tokens": 0,
            "prompt_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
        },
    ),
]


@pytest.mark.parametrize(("usage", "expected"), [pytest.param(*c[1:], id=c[0]) for c in USAGES])
def test_reply_usage(usage: dict[str, Any], expected: dict[str, Any]) -> None:
    assert from_anthropic({**reply([text("x")]), "usage": usage}, provider=P)["usage"] == expected


# --- streams -----------------------------------------------------------------------------------

SONNET = "claude-sonnet-4-5-20250929"


def start(usage: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    message = {
        "id": "msg_1",
        "type": "message",
        "role": "assistant",
        "model": SONNET,
        "content": [],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": usage,
    }
    return ("message_start", {"type": "message_start", "message": message})


def event(name: str, **data: Any) -> tuple[str, dict[str, Any]]:
    return (name, {"type": name, **data})


def chunk(delta: dict[str, Any], finish_reason: str | None = None) -> dict[str, Any]:
    return {
        "id": "msg_1",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": SONNET,
        "choices": [{"index": 0, "delta": delta, "finish_reason": finish_reason}],
    }


TEXT_STREAM = [
    start({"input_tokens": 12, "cache_read_input_tokens": 30, "output_tokens": 1}),
    event("content_block_start", index=0, content_block={"type": "text", "text": ""}),
    event("ping"),
    event("content_block_delta", index=0, delta={"type": "text_delta", "text": "Hel"}),
    event("content_block_delta", index=0, delta={"type": "text_delta", "text": "lo"}),
    event("content_block_stop", index=0),
    event(
        "message_delta",
        delta={"stop_reason": "end_turn", "stop_sequence": None},
        usage={"output_tokens": 6},
    ),
    event("message_stop"),
]
TEXT_CHUNKS = [
    {
        "id": "msg_1",
        "object": "chat.completion.chunk",
        "created": 0,
        "model": SONNET,
        "choices": [
            {"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}
        ],
    },
    chunk({"content": "Hel"}),
    chunk({"content": "lo"}),
    {
        **chunk({}, "stop"),
        "usage": {
            "prompt_tokens": 42,
            "completion_tokens": 6,
            "total_tokens": 48,
            "prompt_tokens_details": {"cached_tokens": 30, "cache_write_tokens": 0},
        },
    },
]

TOOL_STREAM = [
    start({"input_tokens": 400, "cache_creation_input_tokens": 50, "output_tokens": 2}),
    event("content_block_start", index=0, content_block={"type": "thinking", "thinking": ""}),
    event("content_block_delta", index=0, delta={"type": "thinking_delta", "thinking": "hm"}),
    event("content_block_delta", index=0, delta={"type": "signature_delta", "signature": "s"}),
    event("content_block_stop", index=0),
    event("content_block_start", index=1, content_block={"type": "text", "text": ""}),
    event("content_block_delta", index=1, delta={"type": "text_delta", "text": "Checking."}),
    event("content_block_stop", index=1),
    event(
        "content_block_start",
        index=2,
        content_block={"type": "tool_use", "id": "toolu_a", "name": "weather", "input": {}},
    ),
    event("content_block_delta", index=2, delta={"type": "input_json_delta", "partial_json": ""}),
    event(
        "content_block_delta", index=2, delta={"type": "input_json_delta", "partial_json": '{"ci'}
    ),
    event(
        "content_block_delta",
        index=2,
        delta={"type": "input_json_delta", "partial_json": 'ty": "Oslo"}'},
    ),
    event("content_block_stop", index=2),
    # A server-side tool streams its input too; the caller has no tool call to add it to.
    event(
        "content_block_start",
        index=3,
        content_block={"type": "server_tool_use", "id": "srvtoolu_1", "name": "web_search"},
    ),
    event("content_block_delta", index=3, delta={"type": "input_json_delta", "partial_json": "{}"}),
    event("content_block_stop", index=3),
    event(
        "content_block_start",
        index=4,
        content_block={"type": "tool_use", "id": "toolu_b", "name": "time", "input": {}},
    ),
    event("content_block_delta", index=4, delta={"type": "input_json_delta", "partial_json": "{}"}),
    event("content_block_stop", index=4),
    event(
        "message_delta",
        delta={"stop_reason": "tool_use", "stop_sequence": None},
        usage={"output_tokens": 80},
    ),
    event("message_stop"),
]
TOOL_CHUNKS = [
    chunk({"role": "assistant", "content": ""}),
    chunk({"content": "Checking."}),
    chunk(
        {
            "tool_calls": [
                {
                    "index": 0,
                    "id": "toolu_a",
                    "type": "function",
                    "function": {"name": "weather", "arguments": ""},
                }
            ]
        }
    ),
    chunk({"tool_calls": [{"index": 0, "function": {"arguments": ""}}]}),
    chunk({"tool_calls": [{"index": 0, "function": {"arguments": '{"ci'}}]}),
    chunk({"tool_calls": [{"index": 0, "function": {"arguments": 'ty": "Oslo"}'}}]}),
    chunk(
        {
            "tool_calls": [
                {
                    "index": 1,
                    "id": "toolu_b",
                    "type": "function",
                    "function": {"name": "time", "arguments": ""},
                }
            ]
        }
    ),
    chunk({"tool_calls": [{"index": 1, "function": {"arguments": "{}"}}]}),
    {
        **chunk({}, "tool_calls"),
        "usage": {
            "prompt_tokens": 450,
            "completion_tokens": 80,
            "total_tokens": 530,
            "prompt_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 50},
        },
    },
]

# The event name is only a fallback: Anthropic repeats it in data["type"], which wins.
RENAMED_STREAM = [
    ("message", {**start({"input_tokens": 1})[1]}),
    (
        "delta",
        {"type": "content_block_delta", "index": 0, "delta": {"type": "text_delta", "text": "x"}},
    ),
    ("message_delta", {"delta": {"stop_reason": "max_tokens"}, "usage": {"output_tokens": 3}}),
]
RENAMED_CHUNKS = [
    chunk({"role": "assistant", "content": ""}),
    chunk({"content": "x"}),
    {
        **chunk({}, "length"),
        "usage": {
            "prompt_tokens": 1,
            "completion_tokens": 3,
            "total_tokens": 4,
            "prompt_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
        },
    },
]

STREAMS = [
    pytest.param(TEXT_STREAM, TEXT_CHUNKS, id="text"),
    pytest.param(TOOL_STREAM, TOOL_CHUNKS, id="tool calls"),
    pytest.param(RENAMED_STREAM, RENAMED_CHUNKS, id="data type over event name"),
]


@pytest.mark.parametrize(("events", "expected"), STREAMS)
def test_stream(events: list[tuple[str, dict[str, Any]]], expected: list[dict[str, Any]]) -> None:
    translator = StreamTranslator(P)
    chunks = [c for name, data in events for c in translator.feed(name, data)]
    assert chunks == expected


def test_stream_error_event_raises() -> None:
    translator = StreamTranslator("anthropic-eu")
    translator.feed(*start({"input_tokens": 1}))
    error = {"type": "error", "error": {"type": "overloaded_error", "message": "Overloaded"}}
    with pytest.raises(ProviderError) as info:
        translator.feed("error", error)
    assert (type(info.value), info.value.provider, info.value.message, str(info.value)) == (
        ProviderError,
        "anthropic-eu",
        "Overloaded",
        "anthropic-eu: Overloaded",
    )
