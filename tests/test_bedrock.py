"""The bedrock dialect against a local server that speaks Converse's wire format: JSON for
``/converse``, AWS event-stream frames for ``/converse-stream``, and SigV4 checked as AWS
checks it (the signature recomputed from what arrived: method, path, query, the signed
headers and the body), so a request signed over anything else is refused with a 403."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import json
import logging
import subprocess
import sys
import threading
from collections import deque
from collections.abc import Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest

from provider_registry import (
    AuthenticationError,
    MalformedReplyError,
    MissingCredentialsError,
    MissingParameterError,
    ProviderError,
    RateLimitError,
    Retry,
    acompletion,
    completion,
    resolve,
)

from . import eventstream

botocore_auth = pytest.importorskip(
    "botocore.auth", reason="the bedrock extra (botocore) is not installed"
)
from botocore.awsrequest import AWSRequest  # noqa: E402
from botocore.credentials import Credentials  # noqa: E402
from botocore.eventstream import EventStreamBuffer  # noqa: E402

KEY_ID = "AKIDEXAMPLE0123456789"
SECRET = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"
TOKEN = "IQoJb3JpZ2luX2VjEXAMPLETOKEN0123456789abcdefSESSION"
REGION = "eu-west-3"
HAIKU = "anthropic.claude-haiku-4-5-20251001-v1:0"
PROFILE = "us.anthropic.claude-haiku-4-5-20251001-v1:0"
MESSAGES = [{"role": "user", "content": "Hi"}]

REPLY = {
    "output": {"message": {"role": "assistant", "content": [{"text": "Hello from Bedrock"}]}},
    "stopReason": "end_turn",
    "usage": {"inputTokens": 12, "outputTokens": 5, "totalTokens": 17},
    "metrics": {"latencyMs": 120},
}

STREAM = [
    ("messageStart", {"role": "assistant"}),
    ("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": "Hel"}}),
    ("contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": "lo"}}),
    ("contentBlockStop", {"contentBlockIndex": 0}),
    ("messageStop", {"stopReason": "end_turn"}),
    (
        "metadata",
        {
            "usage": {
                "inputTokens": 100,
                "outputTokens": 50,
                "totalTokens": 1350,
                "cacheReadInputTokens": 1000,
                "cacheWriteInputTokens": 200,
            },
            "metrics": {"latencyMs": 300},
        },
    ),
]


@dataclasses.dataclass(frozen=True)
class Seen:
    method: str
    path: str  # as it arrived, escapes kept
    headers: dict[str, str]  # lower-case names
    body: bytes
    signature: str  # "ok", "none" (no SigV4), or what was wrong

    @property
    def json(self) -> Any:
        return json.loads(self.body)


def check_sigv4(method: str, url: str, headers: dict[str, str], body: bytes) -> str:
    """Recompute the request's SigV4 signature as AWS does, with botocore's implementation of
    the algorithm, from what the server received; "ok" when it matches."""
    auth = headers.get("authorization", "")
    if not auth.startswith("AWS4-HMAC-SHA256 "):
        return "none"
    fields = dict(
        part.strip().split("=", 1) for part in auth[len("AWS4-HMAC-SHA256 ") :].split(",")
    )
    key_id, day, region, service, end = fields["Credential"].split("/")
    if (key_id, region, service, end) != (KEY_ID, REGION, "bedrock", "aws4_request"):
        return f"wrong scope {fields['Credential']}"
    if headers.get("x-amz-security-token") != TOKEN:
        return "wrong or missing session token"
    signed = fields["SignedHeaders"].split(";")
    if "host" not in signed or "x-amz-date" not in signed:
        return f"host and x-amz-date must be signed, not only {signed}"
    request = AWSRequest(method=method, url=url, data=body, headers={h: headers[h] for h in signed})
    request.context["timestamp"] = headers["x-amz-date"]
    if not headers["x-amz-date"].startswith(day):
        return "the date does not match the scope"
    signer = botocore_auth.SigV4Auth(Credentials(KEY_ID, SECRET, TOKEN), "bedrock", REGION)
    expected = signer.signature(
        signer.string_to_sign(request, signer.canonical_request(request)), request
    )
    return "ok" if expected == fields["Signature"] else "signature mismatch"


class ConverseServer:
    """A Bedrock runtime endpoint on 127.0.0.1: answers queued with ``respond`` (status,
    headers, bytes), else a Converse reply or a ConverseStream of STREAM. A request whose
    signature does not check is refused as AWS refuses it."""

    def __init__(self) -> None:
        self.seen: list[Seen] = []
        self.answers: deque[tuple[int, dict[str, str], bytes]] = deque()
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(
            target=self._http.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._http.server_address[:2]
        return f"http://{host!s}:{port}"

    def respond(self, status: int = 200, body: bytes = b"", **headers: str) -> None:
        self.answers.append((status, headers, body))

    def respond_json(self, data: Any, status: int = 200, **headers: str) -> None:
        self.respond(status, json.dumps(data).encode(), content_type="application/json", **headers)

    def respond_stream(self, frames: bytes) -> None:
        self.respond(200, frames, content_type="application/vnd.amazon.eventstream")

    def answer(self, seen: Seen) -> tuple[int, dict[str, str], bytes]:
        self.seen.append(seen)
        if seen.signature not in ("ok", "none"):
            message = f"The request signature we calculated does not match ({seen.signature})"
            headers = {
                "content_type": "application/json",
                "x_amzn_ErrorType": "InvalidSignatureException",
            }
            return 403, headers, json.dumps({"message": message}).encode()
        if self.answers:
            return self.answers.popleft()
        if seen.path.endswith("/converse-stream"):
            frames = b"".join(eventstream.event(name, data) for name, data in STREAM)
            return 200, {"content_type": "application/vnd.amazon.eventstream"}, frames
        return 200, {"content_type": "application/json"}, json.dumps(REPLY).encode()


def _handler(server: ConverseServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def log_message(self, format: str, *args: Any) -> None:
            pass

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("content-length") or 0))
            headers = {k.lower(): v for k, v in self.headers.items()}
            url = f"http://{headers.get('host', '')}{self.path}"
            seen = Seen("POST", self.path, headers, body, check_sigv4("POST", url, headers, body))
            status, answer_headers, payload = server.answer(seen)
            self.send_response(status)
            for name, value in answer_headers.items():
                self.send_header(name.replace("_", "-"), value)
            self.send_header("content-length", str(len(payload)))
            self.end_headers()
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(payload)

    return Handler


@pytest.fixture
def aws() -> Iterator[ConverseServer]:
    fake = ConverseServer()
    fake._thread.start()
    try:
        yield fake
    finally:
        fake._http.shutdown()
        fake._http.server_close()


@pytest.fixture
def creds(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    monkeypatch.setenv("AWS_SESSION_TOKEN", TOKEN)


def call(server: ConverseServer, model: str = HAIKU, **kw: Any) -> Any:
    kw.setdefault("messages", MESSAGES)
    return completion(f"bedrock/{model}", api_base=server.url, trust_api_base=True, **kw)


# --- the test encoder itself ----------------------------------------------------------------


def test_the_test_encoder_round_trips_through_botocore() -> None:
    frames = eventstream.event("messageStart", {"role": "assistant"}) + eventstream.exception(
        "throttlingException", "slow down"
    )
    buffer = EventStreamBuffer()
    buffer.add_data(frames)
    got = [(m.headers, json.loads(m.payload)) for m in buffer]
    assert got == [
        ({":event-type": "messageStart", ":content-type": "application/json",
          ":message-type": "event"}, {"role": "assistant"}),
        ({":exception-type": "throttlingException", ":content-type": "application/json",
          ":message-type": "exception"}, {"message": "slow down"}),
    ]  # fmt: skip


# --- requests -------------------------------------------------------------------------------


@pytest.mark.usefixtures("creds")
def test_a_plain_call_is_signed_and_shaped_as_converse(aws: ConverseServer) -> None:
    reply = call(
        aws,
        messages=[{"role": "system", "content": "Be brief."}, *MESSAGES],
        max_tokens=64,
        temperature=0.5,
        top_p=0.9,
        stop="END",
    )
    seen = aws.seen[-1]
    assert seen.signature == "ok"
    # The model id's ':' is escaped in its one path segment.
    assert seen.path == "/model/anthropic.claude-haiku-4-5-20251001-v1%3A0/converse"
    assert seen.json == {
        "messages": [{"role": "user", "content": [{"text": "Hi"}]}],
        "system": [{"text": "Be brief."}],
        "inferenceConfig": {
            "maxTokens": 64,
            "temperature": 0.5,
            "topP": 0.9,
            "stopSequences": ["END"],
        },
    }
    assert reply.content == "Hello from Bedrock"
    assert reply["choices"][0]["finish_reason"] == "stop"
    assert reply["usage"] == {
        "prompt_tokens": 12, "completion_tokens": 5, "total_tokens": 17,
        "prompt_tokens_details": {"cached_tokens": 0, "cache_write_tokens": 0},
    }  # fmt: skip
    assert reply.cost == Decimal(12) * Decimal(1) / 10**6 + Decimal(5) * Decimal(5) / 10**6


@pytest.mark.usefixtures("creds")
def test_an_inference_profile_id_resolves_and_signs(aws: ConverseServer) -> None:
    res = resolve(f"bedrock/{PROFILE}")
    assert res.prices is not None  # priced as the source publishes the profile
    call(aws, model=PROFILE)
    assert aws.seen[-1].path == f"/model/{PROFILE.replace(':', '%3A')}/converse"
    assert aws.seen[-1].signature == "ok"


@pytest.mark.usefixtures("creds")
def test_an_arn_is_one_escaped_path_segment(aws: ConverseServer) -> None:
    arn = "arn:aws:bedrock:eu-west-3:111122223333:application-inference-profile/abc123"
    call(aws, model=arn)
    seen = aws.seen[-1]
    escaped = (
        "arn%3Aaws%3Abedrock%3Aeu-west-3%3A111122223333%3Aapplication-inference-profile%2Fabc123"
    )
    assert seen.path == f"/model/{escaped}/converse"
    assert seen.signature == "ok"


@pytest.mark.usefixtures("creds")
def test_a_tool_call_and_its_result(aws: ConverseServer) -> None:
    tools = [
        {
            "type": "function",
            "function": {
                "name": "weather",
                "description": "The weather in a city",
                "parameters": {"type": "object", "properties": {"city": {"type": "string"}}},
            },
        }
    ]
    aws.respond_json(
        {
            "output": {
                "message": {
                    "role": "assistant",
                    "content": [
                        {"text": "Let me look."},
                        {
                            "toolUse": {
                                "toolUseId": "tu_1",
                                "name": "weather",
                                "input": {"city": "Paris"},
                            }
                        },
                    ],
                }
            },
            "stopReason": "tool_use",
            "usage": {"inputTokens": 30, "outputTokens": 10, "totalTokens": 40},
        }
    )
    reply = call(
        aws, tools=tools, tool_choice={"type": "function", "function": {"name": "weather"}}
    )
    assert aws.seen[-1].json["toolConfig"] == {
        "tools": [
            {
                "toolSpec": {
                    "name": "weather",
                    "description": "The weather in a city",
                    "inputSchema": {"json": tools[0]["function"]["parameters"]},
                }
            }
        ],
        "toolChoice": {"tool": {"name": "weather"}},
    }
    message = reply["choices"][0]["message"]
    assert reply["choices"][0]["finish_reason"] == "tool_calls"
    assert message["content"] == "Let me look."
    assert message["tool_calls"] == [
        {
            "id": "tu_1",
            "type": "function",
            "function": {"name": "weather", "arguments": '{"city": "Paris"}'},
        }
    ]

    follow_up = [*MESSAGES, message, {"role": "tool", "tool_call_id": "tu_1", "content": "Sunny"}]
    call(aws, messages=follow_up, tools=tools, tool_choice="required")
    sent = aws.seen[-1].json
    assert aws.seen[-1].signature == "ok"
    assert sent["messages"] == [
        {"role": "user", "content": [{"text": "Hi"}]},
        {
            "role": "assistant",
            "content": [
                {"text": "Let me look."},
                {"toolUse": {"toolUseId": "tu_1", "name": "weather", "input": {"city": "Paris"}}},
            ],
        },
        {
            "role": "user",
            "content": [{"toolResult": {"toolUseId": "tu_1", "content": [{"text": "Sunny"}]}}],
        },
    ]
    assert sent["toolConfig"]["toolChoice"] == {"any": {}}


@pytest.mark.usefixtures("creds")
def test_an_image_goes_as_bytes(aws: ConverseServer) -> None:
    image = {"type": "image_url", "image_url": {"url": "data:image/png;base64,iVBORw0KGgo="}}
    call(aws, messages=[{"role": "user", "content": [{"type": "text", "text": "What?"}, image]}])
    assert aws.seen[-1].json["messages"][0]["content"] == [
        {"text": "What?"},
        {"image": {"format": "png", "source": {"bytes": "iVBORw0KGgo="}}},
    ]


@pytest.mark.usefixtures("creds")
def test_fields_converse_cannot_say_are_dropped_or_refused(aws: ConverseServer) -> None:
    from provider_registry import DroppedParameterWarning, InvalidRequestError

    with pytest.warns(DroppedParameterWarning, match="seed"):
        call(aws, seed=7)
    assert "seed" not in aws.seen[-1].json
    before = len(aws.seen)
    with pytest.raises(InvalidRequestError, match="seed"):
        call(aws, seed=7, drop_params=False)
    assert len(aws.seen) == before  # refused before any I/O


# --- streams ----------------------------------------------------------------------------------


@pytest.mark.usefixtures("creds")
def test_a_stream_reads_event_stream_frames_with_cached_usage_and_exact_cost(
    aws: ConverseServer,
) -> None:
    stream = call(aws, stream=True)
    chunks = list(stream)
    seen = aws.seen[-1]
    assert seen.path.endswith("/converse-stream")
    assert seen.headers["accept"] == "application/vnd.amazon.eventstream"
    assert seen.signature == "ok"
    assert "stream" not in seen.json
    assert "stream_options" not in seen.json
    assert (
        "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])
        == "Hello"
    )
    assert [c["choices"][0]["finish_reason"] for c in chunks if c["choices"]][-1] == "stop"
    # inputTokens leaves the cache out; prompt_tokens counts every prompt token.
    assert stream.usage == {
        "prompt_tokens": 1300, "completion_tokens": 50, "total_tokens": 1350,
        "prompt_tokens_details": {"cached_tokens": 1000, "cache_write_tokens": 200},
    }  # fmt: skip
    # haiku 4.5 on Bedrock, per 1M: input 1, output 5, cache read 0.1, cache write 1.25
    assert stream.cost == Decimal("0.0007")
    assert stream.cost == resolve(f"bedrock/{HAIKU}").cost(
        input_tokens=1300, cached_tokens=1000, cache_write_tokens=200, output_tokens=50
    )


@pytest.mark.usefixtures("creds")
def test_a_streamed_tool_call(aws: ConverseServer) -> None:
    frames = [
        ("messageStart", {"role": "assistant"}),
        (
            "contentBlockStart",
            {
                "contentBlockIndex": 1,
                "start": {"toolUse": {"toolUseId": "tu_9", "name": "weather"}},
            },
        ),
        (
            "contentBlockDelta",
            {"contentBlockIndex": 1, "delta": {"toolUse": {"input": '{"city": '}}},
        ),
        ("contentBlockDelta", {"contentBlockIndex": 1, "delta": {"toolUse": {"input": '"Oslo"}'}}}),
        ("contentBlockStop", {"contentBlockIndex": 1}),
        ("messageStop", {"stopReason": "tool_use"}),
        ("metadata", {"usage": {"inputTokens": 3, "outputTokens": 4, "totalTokens": 7}}),
    ]
    aws.respond_stream(b"".join(eventstream.event(n, d) for n, d in frames))
    chunks = list(call(aws, stream=True))
    calls = [
        c["choices"][0]["delta"]["tool_calls"][0]
        for c in chunks
        if c["choices"] and "tool_calls" in c["choices"][0]["delta"]
    ]
    assert calls[0] == {
        "index": 0,
        "id": "tu_9",
        "type": "function",
        "function": {"name": "weather", "arguments": ""},
    }
    assert "".join(c["function"]["arguments"] for c in calls) == '{"city": "Oslo"}'
    assert [c["choices"][0]["finish_reason"] for c in chunks if c["choices"]][-1] == "tool_calls"


@pytest.mark.usefixtures("creds")
def test_frames_split_anywhere_decode_alike(aws: ConverseServer) -> None:
    from provider_registry.dialects import DIALECTS

    frames = b"".join(eventstream.event(name, data) for name, data in STREAM)
    whole = DIALECTS["bedrock"].decoder().feed(frames)
    for size in (1, 7, 13):
        decoder = DIALECTS["bedrock"].decoder()
        got = [e for i in range(0, len(frames), size) for e in decoder.feed(frames[i : i + size])]
        assert got == whole
    assert [name for name, _ in whole] == [name for name, _ in STREAM]


# --- errors -----------------------------------------------------------------------------------


@pytest.mark.usefixtures("creds")
def test_an_error_body_becomes_a_provider_error(aws: ConverseServer) -> None:
    aws.respond_json(
        {"message": "Too many requests, please wait before trying again."},
        status=429,
        x_amzn_ErrorType="ThrottlingException:http://internal.amazon.com/coral/com.amazon.bedrock/",
    )
    with pytest.raises(RateLimitError, match="Too many requests") as caught:
        call(aws, retry=Retry(attempts=0))
    assert caught.value.status_code == 429


@pytest.mark.usefixtures("creds")
def test_an_exception_frame_mid_stream_raises(aws: ConverseServer) -> None:
    frames = eventstream.event("messageStart", {"role": "assistant"}) + eventstream.event(
        "contentBlockDelta", {"contentBlockIndex": 0, "delta": {"text": "Hel"}}
    )
    frames += eventstream.exception("modelStreamErrorException", "The model stopped mid-answer")
    aws.respond_stream(frames)
    stream = call(aws, stream=True)
    assert next(stream)["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    assert next(stream)["choices"][0]["delta"] == {"content": "Hel"}  # before the exception
    with pytest.raises(ProviderError, match="The model stopped mid-answer"):
        next(stream)


@pytest.mark.usefixtures("creds")
def test_a_corrupt_frame_is_a_malformed_stream(aws: ConverseServer) -> None:
    frame = bytearray(eventstream.event("messageStart", {"role": "assistant"}))
    frame[-1] ^= 0xFF  # the message CRC no longer matches
    aws.respond_stream(bytes(frame))
    with pytest.raises(MalformedReplyError):
        list(call(aws, stream=True))


def test_a_wrong_signature_is_refused_by_the_server(
    aws: ConverseServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The server's check itself: keys the server does not know sign differently."""
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET[::-1])
    monkeypatch.setenv("AWS_SESSION_TOKEN", TOKEN)
    with pytest.raises(AuthenticationError, match="signature"):
        call(aws)
    assert aws.seen[-1].signature == "signature mismatch"


# --- sync and async -----------------------------------------------------------------------------


@pytest.mark.usefixtures("creds")
def test_async_call_and_stream(aws: ConverseServer) -> None:
    async def run() -> tuple[Any, Any]:
        kw: dict[str, Any] = {"api_base": aws.url, "trust_api_base": True}
        reply = await acompletion(f"bedrock/{HAIKU}", MESSAGES, **kw)
        stream = await acompletion(f"bedrock/{HAIKU}", MESSAGES, stream=True, **kw)
        chunks = [c async for c in stream]
        return reply, (stream, chunks)

    reply, (stream, chunks) = asyncio.run(run())
    assert reply.content == "Hello from Bedrock"
    assert chunks
    assert stream.cost == Decimal("0.0007")
    assert [s.signature for s in aws.seen] == ["ok", "ok"]


# --- credentials ------------------------------------------------------------------------------


def test_a_bedrock_api_key_is_a_bearer_token_and_nothing_is_signed(
    aws: ConverseServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_BEARER_TOKEN_BEDROCK", "bedrock-api-key-0123456789abcdef")
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", KEY_ID)  # the API key wins, as in the AWS SDKs
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    call(aws)
    call(aws, stream=True)
    for seen in aws.seen:
        assert seen.headers["authorization"] == "Bearer bedrock-api-key-0123456789abcdef"
        assert seen.signature == "none"
        assert "x-amz-date" not in seen.headers


def test_missing_credentials_are_refused_before_any_io(
    aws: ConverseServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_REGION", REGION)
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", KEY_ID)  # a key id alone signs nothing
    with pytest.raises(MissingCredentialsError) as caught:
        call(aws)
    text = str(caught.value)
    for var in ("AWS_ACCESS_KEY_ID", "AWS_SECRET_ACCESS_KEY", "AWS_BEARER_TOKEN_BEDROCK"):
        assert var in text
    assert aws.seen == []


def test_a_missing_region_is_refused_before_any_io(
    aws: ConverseServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("AWS_ACCESS_KEY_ID", KEY_ID)
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", SECRET)
    res = resolve(f"bedrock/{HAIKU}")  # a metadata look-up needs no region
    assert res.api_base == "https://bedrock-runtime.${AWS_REGION}.amazonaws.com"
    with pytest.raises(MissingParameterError, match="AWS_REGION"):
        res.build_request({"messages": MESSAGES})  # the host needs it
    with pytest.raises(MissingParameterError, match="AWS_REGION"):
        call(aws)  # and so does the signature, wherever the request goes
    assert aws.seen == []


@pytest.mark.usefixtures("creds")
def test_the_region_parameter_goes_into_the_host_and_the_scope(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.delenv("AWS_REGION")
    res = resolve(f"bedrock/{HAIKU}", region="ap-southeast-2")
    assert res.api_base == "https://bedrock-runtime.ap-southeast-2.amazonaws.com"
    request = res.build_request({"messages": MESSAGES})
    assert "/ap-southeast-2/bedrock/aws4_request" in request.headers["authorization"]
    from provider_registry import InvalidBaseURLError, InvalidParameterError

    with pytest.raises((InvalidParameterError, InvalidBaseURLError)):
        resolve(f"bedrock/{HAIKU}", region="evil.example.com#")


@pytest.mark.usefixtures("creds")
def test_check_live_is_refused_before_any_io(aws: ConverseServer) -> None:
    from provider_registry import InvalidRequestError, check_live

    with pytest.raises(InvalidRequestError, match="lists no models"):
        check_live(None, "bedrock", api_base=aws.url, trust_api_base=True)
    assert aws.seen == []


@pytest.mark.usefixtures("creds")
def test_secrets_never_show_in_repr_or_log(
    aws: ConverseServer, caplog: pytest.LogCaptureFixture
) -> None:
    res = resolve(f"bedrock/{HAIKU}")
    with caplog.at_level(logging.DEBUG, "provider_registry"):
        call(aws)
    shown = [repr(res), str(res.to_dict()), *(r.getMessage() for r in caplog.records)]
    assert any("AWS4-HMAC-SHA256 ****" in text for text in shown)  # the scheme stays in view
    for text in shown:
        for secret in (SECRET, TOKEN, KEY_ID):
            assert secret[:-4] not in text
    assert "Signature=" not in "".join(shown)


@pytest.mark.usefixtures("creds")
def test_a_redirect_to_another_origin_is_not_followed(aws: ConverseServer) -> None:
    aws.respond(307, location="http://other.example/model/x/converse")
    with (
        httpx.Client(follow_redirects=True) as client,
        pytest.raises(ProviderError, match="another origin"),
    ):
        call(aws, client=client)
    assert len(aws.seen) == 1


# --- without botocore -------------------------------------------------------------------------


@pytest.mark.slow
def test_without_botocore_the_library_imports_and_the_dialect_names_the_extra() -> None:
    code = """
import sys
sys.modules["botocore"] = None  # as if it were not installed
import provider_registry
from provider_registry import MissingExtraError, resolve
import os
os.environ.update(AWS_REGION="us-east-1", AWS_ACCESS_KEY_ID="AKIDEXAMPLE0123456789",
                  AWS_SECRET_ACCESS_KEY="s" * 40)
res = resolve("bedrock/anthropic.claude-haiku-4-5-20251001-v1:0")
try:
    res.build_request({"messages": [{"role": "user", "content": "Hi"}]})
except MissingExtraError as exc:
    print("refused:", exc)
"""
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert "refused:" in done.stdout
    assert "pip install provider-registry[bedrock]" in done.stdout


# --- reasoning, with cached tokens ------------------------------------------------------------

SIGNATURE = "EqQBCkYIARgCKkBsigned-by-the-model"
REASONING_REPLY = {
    "output": {
        "message": {
            "role": "assistant",
            "content": [
                {
                    "reasoningContent": {
                        "reasoningText": {"text": "The user greets; ", "signature": SIGNATURE}
                    }
                },
                {"reasoningContent": {"redactedContent": "ZW5jcnlwdGVk"}},
                {"text": "Hello!"},
            ],
        }
    },
    "stopReason": "end_turn",
    # outputTokens counts the reasoning too; Converse gives no separate reasoning count.
    "usage": {
        "inputTokens": 40,
        "outputTokens": 300,
        "totalTokens": 2840,
        "cacheReadInputTokens": 2000,
        "cacheWriteInputTokens": 500,
    },
}

REASONING_STREAM = [
    ("messageStart", {"role": "assistant"}),
    (
        "contentBlockDelta",
        {"contentBlockIndex": 0, "delta": {"reasoningContent": {"text": "Think"}}},
    ),
    (
        "contentBlockDelta",
        {"contentBlockIndex": 0, "delta": {"reasoningContent": {"text": "ing."}}},
    ),
    (
        "contentBlockDelta",
        {"contentBlockIndex": 0, "delta": {"reasoningContent": {"signature": SIGNATURE}}},
    ),
    ("contentBlockStop", {"contentBlockIndex": 0}),
    ("contentBlockDelta", {"contentBlockIndex": 1, "delta": {"text": "Hel"}}),
    ("contentBlockDelta", {"contentBlockIndex": 1, "delta": {"text": "lo"}}),
    ("contentBlockStop", {"contentBlockIndex": 1}),
    ("messageStop", {"stopReason": "end_turn"}),
    ("metadata", REASONING_REPLY | {"metrics": {"latencyMs": 300}}),
]

# haiku 4.5 on Bedrock, per 1M: input 1, output 5, cache read 0.1, cache write 1.25:
# 40 * 1 + 300 * 5 + 2000 * 0.1 + 500 * 1.25 = 2365 (reasoning billed as output).
REASONING_COST = Decimal("0.002365")
REASONING_USAGE = {
    "prompt_tokens": 2540, "completion_tokens": 300, "total_tokens": 2840,
    "prompt_tokens_details": {"cached_tokens": 2000, "cache_write_tokens": 500},
}  # fmt: skip


def _check_reasoning_reply(reply: Any) -> None:
    message = reply["choices"][0]["message"]
    assert message["content"] == "Hello!"  # the reasoning stays out of the answer
    assert message["reasoning_content"] == "The user greets; "
    assert message["thinking_blocks"] == [
        {"type": "thinking", "thinking": "The user greets; ", "signature": SIGNATURE},
        {"type": "redacted_thinking", "data": "ZW5jcnlwdGVk"},
    ]
    assert reply["usage"] == REASONING_USAGE  # no reasoning_tokens: Converse gives none
    assert reply.cost == REASONING_COST
    assert reply.cost == resolve(f"bedrock/{HAIKU}").cost(
        input_tokens=2540, cached_tokens=2000, cache_write_tokens=500, output_tokens=300
    )


def _check_reasoning_stream(stream: Any, chunks: list[Any]) -> None:
    deltas = [c["choices"][0]["delta"] for c in chunks if c["choices"]]
    thinking = [d["reasoning_content"] for d in deltas if "reasoning_content" in d]
    answer = [d["content"] for d in deltas if d.get("content")]
    assert thinking == ["Think", "ing."]
    assert answer == ["Hel", "lo"]
    first_text = next(i for i, d in enumerate(deltas) if d.get("content"))
    assert all("reasoning_content" not in d for d in deltas[first_text:])
    assert [d["thinking_blocks"] for d in deltas if "thinking_blocks" in d] == [
        [{"type": "thinking", "thinking": "", "signature": SIGNATURE}]
    ]
    assert stream.usage == REASONING_USAGE
    assert stream.cost == REASONING_COST


def _reasoning_frames() -> bytes:
    return b"".join(eventstream.event(name, data) for name, data in REASONING_STREAM)


@pytest.mark.usefixtures("creds")
def test_reasoning_with_cached_tokens_in_a_reply_and_a_stream(aws: ConverseServer) -> None:
    aws.respond_json(REASONING_REPLY)
    _check_reasoning_reply(call(aws))
    aws.respond_stream(_reasoning_frames())
    stream = call(aws, stream=True)
    _check_reasoning_stream(stream, list(stream))
    assert [s.signature for s in aws.seen] == ["ok", "ok"]


@pytest.mark.usefixtures("creds")
def test_async_reasoning_with_cached_tokens_in_a_reply_and_a_stream(aws: ConverseServer) -> None:
    aws.respond_json(REASONING_REPLY)
    aws.respond_stream(_reasoning_frames())

    async def run() -> tuple[Any, Any, list[Any]]:
        kw: dict[str, Any] = {"api_base": aws.url, "trust_api_base": True}
        reply = await acompletion(f"bedrock/{HAIKU}", MESSAGES, **kw)
        stream = await acompletion(f"bedrock/{HAIKU}", MESSAGES, stream=True, **kw)
        return reply, stream, [c async for c in stream]

    reply, stream, chunks = asyncio.run(run())
    _check_reasoning_reply(reply)
    _check_reasoning_stream(stream, chunks)


@pytest.mark.usefixtures("creds")
def test_thinking_blocks_go_back_first_with_their_signature(aws: ConverseServer) -> None:
    """Claude on Bedrock wants the signed reasoning block back in a tool-use follow-up, before
    the turn's other blocks; the reply's message, sent back as it came, does that."""
    reply = REASONING_REPLY["output"]["message"]["content"]  # type: ignore[index]
    aws.respond_json(
        REASONING_REPLY
        | {
            "output": {
                "message": {
                    "role": "assistant",
                    "content": [
                        reply[0],
                        {"text": "Let me look."},
                        {"toolUse": {"toolUseId": "tu_1", "name": "weather", "input": {}}},
                    ],
                }
            },
            "stopReason": "tool_use",
        }
    )
    message = call(aws)["choices"][0]["message"]
    follow_up = [*MESSAGES, message, {"role": "tool", "tool_call_id": "tu_1", "content": "Sunny"}]
    call(aws, messages=follow_up)
    signed = {"text": "The user greets; ", "signature": SIGNATURE}
    assert aws.seen[-1].json["messages"][1] == {
        "role": "assistant",
        "content": [
            {"reasoningContent": {"reasoningText": signed}},
            {"text": "Let me look."},
            {"toolUse": {"toolUseId": "tu_1", "name": "weather", "input": {}}},
        ],
    }


@pytest.mark.usefixtures("creds")
def test_reasoning_effort_is_not_translated(aws: ConverseServer) -> None:
    """AWS publishes no mapping from an effort word to Claude's thinking budget."""
    from provider_registry import DroppedParameterWarning

    with pytest.warns(DroppedParameterWarning, match="reasoning_effort"):
        call(aws, reasoning_effort="high")
    assert "additionalModelRequestFields" not in aws.seen[-1].json
