"""A real HTTP server on 127.0.0.1 that speaks enough of the OpenAI chat-completions and
Anthropic messages protocols for the client tests, and records every request it receives.

Tests queue answers with ``respond(...)``; without one queued, it answers like a provider:
a chat completion (or an SSE stream when the body asks for one), or an Anthropic message.
"""

from __future__ import annotations

import contextlib
import dataclasses
import json
import socket
import threading
import time
from collections import deque
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

USAGE = {"prompt_tokens": 12, "completion_tokens": 5, "total_tokens": 17}

CHAT_REPLY = {
    "id": "chatcmpl-test",
    "object": "chat.completion",
    "created": 1,
    "model": "served-model",
    "choices": [
        {
            "index": 0,
            "message": {"role": "assistant", "content": "Hello from the test server"},
            "finish_reason": "stop",
        }
    ],
    "usage": USAGE,
}

STREAM_CHUNKS = [
    {"id": "c1", "object": "chat.completion.chunk", "choices": [
        {"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}]},
    {"id": "c1", "object": "chat.completion.chunk", "choices": [
        {"index": 0, "delta": {"content": "Hel"}, "finish_reason": None}]},
    {"id": "c1", "object": "chat.completion.chunk", "choices": [
        {"index": 0, "delta": {"content": "lo"}, "finish_reason": None}]},
    {"id": "c1", "object": "chat.completion.chunk", "choices": [
        {"index": 0, "delta": {}, "finish_reason": "stop"}], "usage": USAGE},
]  # fmt: skip

ANTHROPIC_REPLY = {
    "id": "msg_test",
    "type": "message",
    "role": "assistant",
    "model": "claude-test",
    "content": [{"type": "text", "text": "Hello from Claude"}],
    "stop_reason": "end_turn",
    "usage": {"input_tokens": 20, "output_tokens": 4},
}

# ANTHROPIC_REPLY as the Messages API streams it: the prompt's usage in message_start, the
# output's in message_delta.
ANTHROPIC_EVENTS: list[tuple[str, dict[str, Any]]] = [
    ("message_start", {"type": "message_start", "message": {
        **{k: v for k, v in ANTHROPIC_REPLY.items() if k != "content"}, "content": [],
        "stop_reason": None, "usage": {"input_tokens": 20, "output_tokens": 1}}}),
    ("content_block_start", {"type": "content_block_start", "index": 0,
                             "content_block": {"type": "text", "text": ""}}),
    ("content_block_delta", {"type": "content_block_delta", "index": 0,
                             "delta": {"type": "text_delta", "text": "Hello from Claude"}}),
    ("content_block_stop", {"type": "content_block_stop", "index": 0}),
    ("message_delta", {"type": "message_delta", "delta": {"stop_reason": "end_turn"},
                       "usage": {"output_tokens": 4}}),
    ("message_stop", {"type": "message_stop"}),
]  # fmt: skip


@dataclasses.dataclass(frozen=True)
class Received:
    method: str
    path: str
    query: dict[str, str]
    headers: dict[str, str]  # lower-case names
    body: Any


@dataclasses.dataclass(frozen=True)
class Answer:
    status: int = 200
    json: Any = None
    headers: dict[str, str] = dataclasses.field(default_factory=dict)
    sse: list[tuple[str | None, str]] | None = None  # (event name, data) pairs
    delay: float = 0.0
    body: bytes | None = None  # sent as it is, instead of json
    no_length: bool = False  # no content-length: the body ends when the connection closes
    trailer: bytes = b""  # sent after the SSE events, within the body (past the end event)
    stall: float = 0.0  # seconds held after the body is sent (with no_length: it has not ended)


class FakeProvider:
    """Start with ``with FakeProvider() as server:``; ``server.url`` is its base URL."""

    def __init__(self) -> None:
        self.received: list[Received] = []
        self.answers: deque[Answer] = deque()
        self.rejected_keys: set[str] = set()  # requests carrying one of these get a 401
        self.connections = 0  # TCP connections accepted: a kept-alive one serves many requests
        self._sockets: list[socket.socket] = []
        self._lock = threading.Lock()
        self._http = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(
            target=self._http.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    @property
    def url(self) -> str:
        host, port = self._http.server_address[:2]
        return f"http://{host!s}:{port}"

    def respond(self, status: int = 200, **fields: Any) -> None:
        """Queue the answer to the next request (later calls queue further answers)."""
        self.answers.append(Answer(status=status, **fields))

    def __enter__(self) -> FakeProvider:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._http.shutdown()
        self._http.server_close()
        # Kept-alive connections end too: a pooled client must not reach this server's
        # handlers later, e.g. when its port is given to the next test's server.
        with self._lock:
            for sock in self._sockets:
                with contextlib.suppress(OSError):
                    sock.shutdown(socket.SHUT_RDWR)

    def _next(self, received: Received) -> Answer:
        with self._lock:
            self.received.append(received)
            if self.answers:
                return self.answers.popleft()
        auth = received.headers.get("authorization", "") + received.headers.get("x-api-key", "")
        if any(key in auth for key in self.rejected_keys):
            return Answer(401, json={"error": {"message": "invalid API key"}})
        body = received.body if isinstance(received.body, dict) else {}
        if received.path.endswith("/messages"):
            if body.get("stream"):
                return Answer(sse=[(e, json.dumps(d)) for e, d in ANTHROPIC_EVENTS])
            return Answer(json=ANTHROPIC_REPLY)
        if body.get("stream"):
            # Like OpenAI: the usage comes only when the request asks for it.
            options = body.get("stream_options")
            asked = isinstance(options, dict) and options.get("include_usage") is True
            chunks = STREAM_CHUNKS if asked else [_without_usage(c) for c in STREAM_CHUNKS]
            return Answer(sse=[(None, json.dumps(c)) for c in chunks] + [(None, "[DONE]")])
        return Answer(json=CHAT_REPLY)


def _without_usage(chunk: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in chunk.items() if k != "usage"}


def _handler(server: FakeProvider) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"
        disable_nagle_algorithm = True  # else the body waits for the ACK of the headers

        def log_message(self, format: str, *args: Any) -> None:  # keep test output clean
            pass

        def handle(self) -> None:
            with server._lock:
                server.connections += 1
                server._sockets.append(self.connection)
            # A client that stops reading a large body (the size cap) resets the connection.
            with contextlib.suppress(ConnectionResetError, BrokenPipeError):
                super().handle()

        def do_GET(self) -> None:
            self._serve()

        def do_POST(self) -> None:
            self._serve()

        def _serve(self) -> None:
            length = int(self.headers.get("content-length") or 0)
            raw = self.rfile.read(length) if length else b""
            try:
                body = json.loads(raw) if raw else None
            except ValueError:
                body = raw.decode("utf-8", "replace")
            parts = urlsplit(self.path)
            answer = server._next(
                Received(
                    self.command,
                    parts.path,
                    dict(parse_qsl(parts.query)),
                    {k.lower(): v for k, v in self.headers.items()},
                    body,
                )
            )
            if answer.delay:
                time.sleep(answer.delay)
            self.send_response(answer.status)
            for name, value in answer.headers.items():
                self.send_header(name, value)
            if answer.sse is not None:
                payload = (
                    "".join(
                        (f"event: {event}\n" if event else "") + f"data: {data}\n\n"
                        for event, data in answer.sse
                    ).encode()
                    + answer.trailer
                )
                self.send_header("content-type", "text/event-stream")
            elif answer.body is not None:
                payload = answer.body
            else:
                payload = json.dumps(answer.json if answer.json is not None else {}).encode()
                self.send_header("content-type", "application/json")
            if answer.no_length:
                self.send_header("connection", "close")
                self.close_connection = True
            else:
                self.send_header("content-length", str(len(payload)))
            self.end_headers()
            # The client may have given up already (the timeout test).
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(payload)
                self.wfile.flush()
                time.sleep(answer.stall)

    return Handler
