"""No output, log record, exception text or repr ever holds an API key, nor any part of one
longer than its last 4 characters (issue "Hardening", item 2; issue 12, items 1 to 4).

Hypothesis generates keys (4 to 120 characters) and drives resolution (``api_key=`` and
WANDB_API_KEY), the Resolution's repr/str/to_dict, request building and redact_headers, every
error path of the client against the local test server (401, 403, 429, 500 with the key echoed
in the body and in response headers, a stream's error event in both dialects, a timeout, a
refused connection; sync, streaming and async), ``registry show`` in both forms, the proxy
export, and DEBUG logging. A key no header can carry (CR, LF, NUL, another control character, a
non-ASCII one, spaces around it) is refused before any I/O, showing none of itself.

A part of the key counts as shown when 5 of its characters in a row (all of a key of 4) show in
any case, raw or in an encoding an echo may give them: JSON and ``repr()`` escapes (two levels:
a repr() of a JSON text), ``%xx`` percent-encoding in either case, ``\\uXXXX`` escapes, the hex of
its bytes in either case, and base64 (standard or URL-safe alphabet, at each of the 3 offsets a
part may start on, as in a ``Basic`` ``user:key`` credential). Generated keys have distinct
characters enough never to be a run of one character, never contain the mask character ``*``,
and are dropped (``assume``) when a part of them happens to show in the text the library
prints without any key, so an assertion can only fail on a real leak.
"""

from __future__ import annotations

import asyncio
import base64
import functools
import io
import json
import logging
import socket
import string
import urllib.parse
from collections.abc import Callable, Iterable
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, assume, example, given, settings
from hypothesis import strategies as st

from provider_registry import (
    AuthenticationError,
    InvalidCredentialsError,
    MalformedReplyError,
    MissingCredentialsError,
    ProviderConnectionError,
    ProviderError,
    RateLimitError,
    RegistryError,
    Retry,
    ServerError,
    acompletion,
    completion,
    mask_secret,
    redact_headers,
    resolve,
)
from provider_registry._cli import main

from .server import CHAT_REPLY, FakeProvider

MODEL = "wandb/Llama-3.1-8B-Instruct"
CLAUDE = "claude-haiku-4-5"
GEMINI = "gemini-3-flash-preview"  # Gemini's native API: the bare key in x-goog-api-key
PROJECT = "team/proj"
MESSAGES = [{"role": "user", "content": "Hi"}]
ONE_QUICK_RETRY = Retry(attempts=1, backoff=0)
SHOWN = 4  # the most of a key that may show: its last 4 characters
RUN = SHOWN + 1


def scaled(ci_examples: int) -> int:
    """Examples for this test: its CI count under the "ci" profile (200 by default), scaled up
    with the profile (HYPOTHESIS_PROFILE=deep runs 100x more)."""
    return max(1, ci_examples * settings.default.max_examples // 200)


FIXTURES = [HealthCheck.function_scoped_fixture]

# --- keys -----------------------------------------------------------------------------------

# Printable ASCII without the space and without "*", the library's mask character: a key made of
# asterisks would "show" in every masked value by construction.
ALPHABET = "".join(c for c in string.printable if c.isprintable() and c not in " *")
ALNUM = string.ascii_letters + string.digits


@st.composite
def random_keys(draw: st.DrawFn) -> str:
    """12 to 80 characters over ALPHABET, at least 8 of them distinct (so a key is never a run
    of one character that fixed text might hold), in any order."""
    distinct = draw(st.lists(st.sampled_from(ALPHABET), min_size=8, max_size=8, unique=True))
    rest = draw(st.lists(st.sampled_from(ALPHABET), min_size=4, max_size=72))
    return "".join(draw(st.permutations(distinct + rest)))


# Keys of 4 to 7 characters (a local server's token, a test key): all of one is scrubbed.
SHORT_KEYS = st.lists(st.sampled_from(ALPHABET), min_size=4, max_size=7, unique=True).map("".join)

REALISTIC_KEYS = st.one_of(
    st.text(ALNUM, min_size=48, max_size=48).map(lambda s: "sk-" + s),  # OpenAI, classic
    st.text(ALNUM + "-_", min_size=40, max_size=120).map(lambda s: "sk-proj-" + s),
    st.text("0123456789abcdef", min_size=40, max_size=40),  # W&B: 40 hex digits
    st.text(ALNUM + "-_", min_size=93, max_size=93).map(lambda s: "sk-ant-api03-" + s + "AA"),
).filter(lambda key: len(set(key)) >= 8)

KEYS = st.one_of(random_keys(), SHORT_KEYS, REALISTIC_KEYS)


# --- the leak check -------------------------------------------------------------------------


def _escapes(text: str) -> set[str]:
    """``text`` as JSON, repr() (either quote), URL-encoding and ``\\u`` escapes print it, one
    level deep."""
    slashed = text.replace("\\", "\\\\")
    return {
        text,
        slashed.replace('"', '\\"'),  # JSON, and repr() of a string quoted with "
        slashed,  # repr() of a string quoted with ' that holds no '
        slashed.replace("'", "\\'"),  # repr() quoted with '
        json.dumps(text)[1:-1],  # control characters as JSON writes them
        urllib.parse.quote(text, safe=""),
        "".join(f"%{b:02x}" for b in text.encode()),  # every byte encoded
        "".join(f"\\u{ord(c):04x}" for c in text),
    }


def _base64(part: str) -> set[str]:
    """Every base64 spelling of ``part`` inside a longer encoded text: at each of the 3 byte
    offsets it may start on, the characters only its own bits decide, in both alphabets."""
    data = part.encode()
    spelled = set()
    for offset in range(3):
        encoded = base64.b64encode(bytes(offset) + data).decode()
        own = encoded[-(-8 * offset // 6) : 8 * (offset + len(data)) // 6]
        spelled |= {own, own.replace("+", "-").replace("/", "_")}
    return spelled


@functools.lru_cache(maxsize=256)
def key_parts(key: str) -> tuple[frozenset[str], frozenset[str]]:
    """What counts as showing ``key``: (spellings of its 5-character parts, compared in any case;
    their base64 spellings, compared exactly). A key of 4 has one part: itself."""
    size = min(RUN, len(key))
    parts = {key[i : i + size] for i in range(len(key) - size + 1)}
    folded = set()
    for part in parts:
        for once in _escapes(part):
            folded |= {s.lower() for s in _escapes(once)}
        folded.add(part.encode().hex())  # a hex dump of its bytes, in either case
    exact = set().union(*map(_base64, parts))
    return frozenset(folded), frozenset(exact)


def shown_part(key: str, text: str) -> str | None:
    """The spelling of a part of ``key`` that ``text`` holds, if any."""
    folded, exact = key_parts(key)
    lowered = text.lower()
    return next((p for p in folded if p in lowered), None) or next(
        (p for p in exact if p in text), None
    )


def assert_no_leak(key: str, *texts: object) -> None:
    """Fail when any text (non-strings: their repr) shows a part of ``key``."""
    for text in texts:
        shown = text if isinstance(text, str) else repr(text)
        part = shown_part(key, shown)
        if part is not None:
            raise AssertionError(f"key {key!r}: its part {part!r} shows in {shown!r}")


def exception_texts(exc: BaseException) -> list[str]:
    """str and repr of the exception, of each of its args, and the same for every exception
    chained to it by ``__cause__`` or ``__context__`` (suppressed or not)."""
    texts: list[str] = []
    seen: set[int] = set()
    todo: list[BaseException | None] = [exc]
    while todo:
        e = todo.pop()
        if e is None or id(e) in seen:
            continue
        seen.add(id(e))
        texts += [str(e), repr(e), *map(str, e.args), *map(repr, e.args)]
        texts += [str(getattr(e, "message", "")), str(getattr(e, "hint", ""))]
        todo += [e.__cause__, e.__context__]
    return texts


def record_texts(records: Iterable[logging.LogRecord]) -> list[str]:
    texts = []
    for r in records:
        texts += [r.getMessage(), str(r.msg), repr(r.args), r.exc_text or "", str(r.exc_info)]
    return texts


def _cli(*argv: str) -> tuple[int, str]:
    out = io.StringIO()
    return main(list(argv), out=out), out.getvalue()


@functools.cache
def fixed_text() -> str:
    """What the library prints for the scenarios below when no key is involved: a key part
    found in here would be a coincidence, not a leak."""
    res = resolve(MODEL, project=PROJECT)
    parts = [
        repr(res),
        json.dumps(res.to_dict(), indent=2),
        repr(res.to_dict()),
        _cli("show", MODEL, "--param", f"project={PROJECT}")[1],
        _cli("show", MODEL, "--param", f"project={PROJECT}", "--json")[1],
        _cli("export", "--format", "litellm-proxy", "--model", MODEL)[1],
        repr(resolve(CLAUDE)),
        repr(resolve(CLAUDE).to_dict()),
        repr(CHAT_REPLY),
        json.dumps(CHAT_REPLY),
        "http://127.0.0.1:65535/v1/chat/completions POST attempt 0 headers= Bearer ****",
        # The rest of the headers our DEBUG line shows, as they come in both dialects.
        "{'host': '127.0.0.1:65535', 'accept': 'text/event-stream', 'content-type': "
        "'application/json', 'anthropic-version': '2023-06-01', 'x-api-key': '****', "
        "'openai-project': 'team/proj', 'content-length': '88'}",
        "invalid API key  timed out: could not connect: [Errno 111] Connection refused",
        "AuthenticationError RateLimitError ServerError ProviderConnectionError ReadTimeout",
        "api_base: https://****@proxy.example/v1?key=****&region=eu os.environ/WANDB_API_BASE",
    ]
    return "\n".join(parts)


def assume_no_coincidence(key: str, *more: str) -> None:
    assume(shown_part(key, fixed_text() + "\n".join(more)) is None)


# --- the helper itself ----------------------------------------------------------------------


def test_assert_no_leak_catches_every_part_in_every_spelling() -> None:
    key = "sk-0123456789abcdefXYZ"
    # What may show: the mask, its last 4 characters, 4-character pieces, unrelated text.
    assert_no_leak(key, "nothing here", mask_secret(key), key[:4], key[-4:], {"k": "****"})
    assert_no_leak(key, base64.b64encode(key[-4:].encode()).decode())
    for i in range(len(key) - 4):
        part = key[i : i + 5]
        spellings = [
            part, part.upper(), part.lower(), json.dumps(part), repr(json.dumps(part)),
            urllib.parse.quote(part, safe="").lower(), "".join(f"%{b:02X}" for b in part.encode()),
            "".join(f"\\u{ord(c):04X}" for c in part), base64.b64encode(part.encode()).decode(),
            base64.urlsafe_b64encode(f"user:{part}".encode()).decode().rstrip("="),
            "Basic " + base64.b64encode(f"u:{part}".encode()).decode(), part.encode().hex(),
            part.encode().hex().upper(),
        ]  # fmt: skip
        for spelled in spellings:
            with pytest.raises(AssertionError, match="shows in"):
                assert_no_leak(key, "fine", f"error: bad key ...{spelled}...")
    with pytest.raises(AssertionError):
        assert_no_leak(key, {"api_key": key})  # a non-string is checked through its repr
    with pytest.raises(AssertionError):
        assert_no_leak(key, ValueError(key[5:10]))
    with pytest.raises(AssertionError):
        assert_no_leak("abcd", "a key of 4: ABCD")  # all of a short key
    quoted = 'sk-abc"defghij'  # every raw run holds the quote, which JSON escapes
    with pytest.raises(AssertionError):
        assert_no_leak(quoted, json.dumps({"error": quoted}))
    with pytest.raises(AssertionError):
        assert_no_leak("sk-abc'defghij", repr(["sk-abc'defghij"]))


def test_exception_texts_follow_the_chain() -> None:
    try:
        try:
            raise KeyError("inner-ctx")
        except KeyError:
            raise RuntimeError("outer") from ValueError("the-cause")
    except RuntimeError as exc:
        texts = " ".join(exception_texts(exc))
    assert "the-cause" in texts
    assert "inner-ctx" in texts


# --- resolution and request building (pure) -------------------------------------------------


@settings(max_examples=scaled(100), deadline=None)
@given(key=KEYS)
@example(key="sk-" + "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKL")
def test_resolution_and_request_never_show_the_key(key: str) -> None:
    assume_no_coincidence(key)
    texts: list[object] = []
    with pytest.MonkeyPatch.context() as mp:
        direct = resolve(MODEL, api_key=key, project=PROJECT)
        mp.setenv("WANDB_API_KEY", key)
        from_env = resolve(MODEL, project=PROJECT)
        assert from_env.key_source == "WANDB_API_KEY"
        # An api_base outside W&B's endpoints gets no environment key, and says so.
        withheld = resolve(MODEL, project=PROJECT, api_base="https://proxy.example/v1")
        assert withheld.api_key is None
        with pytest.raises(MissingCredentialsError) as info:
            withheld.build_request({"messages": MESSAGES})
        texts += exception_texts(info.value)
        texts += [repr(withheld), withheld.to_dict()]
    anthropic = resolve("claude-haiku-4-5", api_key=key)  # the bare key in x-api-key
    gemini = resolve(GEMINI, api_key=key)

    for res in (direct, from_env, anthropic, gemini):
        assert res.api_key == key  # it is there, only never shown
        request = res.build_request({"messages": MESSAGES})
        header = res.provider.auth.header
        assert key in request.headers[header]  # it is sent
        d = res.to_dict()
        assert d["api_key"] == mask_secret(key)
        texts += [repr(res), str(res), f"{res}", d, json.dumps(d), json.dumps(d, indent=2)]
        texts += [
            redact_headers(request.headers),
            redact_headers(request.headers.items(), [header]),
        ]
        texts += [redact_headers(dict(request.headers)), repr(request), str(request.url)]
    assert_no_leak(key, *texts)


# --- the client's error paths against the local server --------------------------------------

ERRORS: list[tuple[int, type[ProviderError]]] = [
    (401, AuthenticationError),
    (403, AuthenticationError),
    (429, RateLimitError),
    (500, ServerError),
]


def echoes(key: str) -> list[str]:
    """The key as a provider may echo it: whole, in another case, encoded, in part. The parts
    leave out one end so a scrubber that only looks for the whole key misses them."""
    b64 = base64.b64encode(key.encode()).decode()
    return [
        key,
        key.upper(),
        key.lower(),
        urllib.parse.quote(key, safe="").lower(),  # %2f, not %2F
        "".join(f"%{b:02X}" for b in key.encode()),  # every byte encoded
        "".join(f"\\u{ord(c):04x}" for c in key),  # JSON \u escapes, in a text body
        b64,
        b64.rstrip("="),
        base64.urlsafe_b64encode(key.encode()).decode().rstrip("="),
        "Basic " + base64.b64encode(f"user:{key}".encode()).decode(),  # 3 offsets, 3 users
        "Basic " + base64.b64encode(f"usr:{key}".encode()).decode(),
        "Basic " + base64.b64encode(f"u:{key}".encode()).decode(),
        key.encode().hex(),  # a hex dump of the bytes sent
        key[1:].encode().hex().upper(),
        f"{key[:-1]}...",
        f"...{key[1:]}",
    ]


ECHOES = len(echoes("abcd"))


def _error_bodies(echo: str) -> list[dict[str, Any]]:
    """Error answers that echo the key, as some providers do in "invalid key" messages."""
    return [
        {"json": {"error": {"message": f"invalid API key {echo}", "type": "auth"}}},
        {"json": {"error": f"Incorrect API key provided: {echo}."}},
        {"json": {"detail": f"token {echo} is not valid"}},
        {"sse": [(None, f"not JSON at all: {echo}")]},  # a text body
    ]


def _call(mode: str, **kw: Any) -> Any:
    kw = {"project": PROJECT, "retry": ONE_QUICK_RETRY, **kw}
    if mode == "sync":
        return completion(MODEL, MESSAGES, **kw)
    if mode == "stream":
        return list(completion(MODEL, MESSAGES, stream=True, **kw))

    async def run() -> Any:
        if mode == "async":
            return await acompletion(MODEL, MESSAGES, **kw)
        return [chunk async for chunk in await acompletion(MODEL, MESSAGES, stream=True, **kw)]

    return asyncio.run(run())


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _raised(call: Callable[[], object]) -> BaseException:
    """The exception ``call`` raises (any type: the leak is checked before the type)."""
    try:
        call()
    except Exception as exc:
        return exc
    raise AssertionError("nothing was raised")


@settings(max_examples=scaled(25), deadline=None, suppress_health_check=FIXTURES)
@given(
    key=KEYS,
    via_env=st.booleans(),
    mode=st.sampled_from(["sync", "stream", "async", "async-stream"]),
    body=st.integers(0, 3),
    echo_kind=st.integers(0, ECHOES - 1),
)
def test_client_error_paths_never_show_the_key(
    server: FakeProvider,
    caplog: pytest.LogCaptureFixture,
    key: str,
    via_env: bool,
    mode: str,
    body: int,
    echo_kind: int,
) -> None:
    assume_no_coincidence(key, server.url)
    caplog.clear()
    texts: list[object] = []
    echo = {"X-Echo-Key": key, "WWW-Authenticate": f'Bearer error="invalid_token", token={key}'}
    with pytest.MonkeyPatch.context() as mp, caplog.at_level(logging.DEBUG, "provider_registry"):
        mp.setenv("WANDB_API_BASE", f"{server.url}/v1")
        kw: dict[str, Any] = {}
        if via_env:
            mp.setenv("WANDB_API_KEY", key)
        else:
            kw["api_key"] = key

        for status, error in ERRORS:
            answer = _error_bodies(echoes(key)[echo_kind])[body]
            for _ in range(2 if status in (429, 500) else 1):  # retried once
                server.respond(status, headers=echo, **answer)
            exc = _raised(lambda: _call(mode, **kw))
            texts += exception_texts(exc)
            assert type(exc) is error, exc
            assert exc.status_code == status
            assert not server.answers
            assert server.received[-1].headers["authorization"] == f"Bearer {key}"

        server.respond(json=CHAT_REPLY, delay=0.5)
        exc = _raised(lambda: _call(mode, timeout=0.2, **kw))
        texts += exception_texts(exc)
        assert isinstance(exc, ProviderConnectionError), exc
        assert "timed out" in str(exc)

        reply = _call(mode, **kw)  # and a success, for the log of a good call
        texts += [repr(reply)]
        if mode in ("sync", "async"):
            texts += [repr(reply.resolution), str(reply.resolution), reply.resolution.to_dict()]

        mp.setenv("WANDB_API_BASE", f"http://127.0.0.1:{_closed_port()}/v1")
        exc = _raised(lambda: _call(mode, **kw))
        texts += exception_texts(exc)
        assert isinstance(exc, ProviderConnectionError), exc
        assert "could not connect" in str(exc)

    ours = [r for r in caplog.records if r.name.startswith("provider_registry")]
    assert any("attempt 1" in r.getMessage() for r in ours)  # the log is not empty
    if len(key) >= 16:
        shown = repr(f"Bearer {mask_secret(key)}")  # as the headers' dict prints it
        assert any(shown in r.getMessage() for r in ours)
    assert_no_leak(key, *texts, *record_texts(ours))


@settings(max_examples=scaled(20), deadline=None, suppress_health_check=FIXTURES)
@given(key=KEYS)
@example(key="sk-" + "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKL")
@example(key="k3Y!")  # 4 characters: all of it is scrubbed
@example(key="a/b+c=d?")  # base64 and percent-encoding differ on every other character
def test_every_echo_in_an_error_body_is_scrubbed(server: FakeProvider, key: str) -> None:
    assume_no_coincidence(key, server.url)
    texts: list[str] = []
    kw = {"project": PROJECT, "api_base": server.url, "api_key": key, "retry": Retry(0)}
    with httpx.Client() as client:  # one client: a new one per call costs more than the call
        for echo in echoes(key):
            for answer in _error_bodies(echo):
                server.respond(401, **answer)
                exc = _raised(lambda: completion(MODEL, MESSAGES, client=client, **kw))
                assert type(exc) is AuthenticationError, exc
                texts += exception_texts(exc)
    assert_no_leak(key, *texts)


def _gemini_error(status: int, echo: str) -> dict[str, Any]:
    """Gemini's error body (google.rpc.Status) echoing the key, as an invalid key's does."""
    code = {401: "UNAUTHENTICATED", 403: "PERMISSION_DENIED", 429: "RESOURCE_EXHAUSTED"}
    return {
        "error": {
            "code": status,
            "message": f"API key not valid. Please pass a valid API key. {echo}",
            "status": code.get(status, "INTERNAL"),
            "details": [{"@type": "type.googleapis.com/google.rpc.ErrorInfo",
                         "reason": "API_KEY_INVALID", "metadata": {"key": echo}}],
        }
    }  # fmt: skip


@settings(max_examples=scaled(50), deadline=None, suppress_health_check=FIXTURES)
@given(
    key=KEYS,
    via_env=st.booleans(),
    mode=st.sampled_from(["sync", "stream", "async", "async-stream"]),
    status=st.sampled_from([400, 401, 403, 429, 500]),
    echo=st.integers(0, ECHOES - 1),
)
@example(key="AIzaSy" + "x1Y2z3" * 5 + "AbC", via_env=True, mode="stream", status=400, echo=0)
def test_gemini_error_bodies_never_show_the_key(
    server: FakeProvider,
    caplog: pytest.LogCaptureFixture,
    key: str,
    via_env: bool,
    mode: str,
    status: int,
    echo: int,
) -> None:
    """Gemini's native API: its error body echoing the key, in the message and in the
    details, never shows it, whatever the call (the key travels in x-goog-api-key)."""
    assume_no_coincidence(key, server.url)
    caplog.clear()
    server.respond(status, json=_gemini_error(status, echoes(key)[echo]))
    with pytest.MonkeyPatch.context() as mp, caplog.at_level(logging.DEBUG, "provider_registry"):
        kw: dict[str, Any] = {"api_base": server.url, "trust_api_base": True, "retry": Retry(0)}
        if via_env:
            mp.setenv("GEMINI_API_KEY", key)
        else:
            kw["api_key"] = key

        async def run() -> Any:
            if mode == "async":
                return await acompletion(GEMINI, MESSAGES, **kw)
            return [c async for c in await acompletion(GEMINI, MESSAGES, stream=True, **kw)]

        if mode in ("sync", "stream"):
            exc = _raised(lambda: list(completion(GEMINI, MESSAGES, stream=mode == "stream", **kw)))
        else:
            exc = _raised(lambda: asyncio.run(run()))
    assert isinstance(exc, ProviderError), exc
    assert exc.status_code == status
    assert "API key not valid" in str(exc)
    got = server.received[-1]
    assert got.headers["x-goog-api-key"] == key  # the key was sent, in Gemini's header
    assert "key" not in got.query
    ours = [r for r in caplog.records if r.name.startswith("provider_registry")]
    assert ours  # the log is not empty
    assert_no_leak(key, *exception_texts(exc), *record_texts(ours))


# --- a stream's error event (issue 12, item 1) ----------------------------------------------


def _stream_error(dialect: str, echo: str, shape: int) -> list[tuple[str | None, str]]:
    """A stream that starts well and then sends an error event echoing the key."""
    error: object = [
        {"type": "invalid_request_error", "message": f"invalid x-api-key {echo}"},
        {"type": "invalid_request_error", "param": echo},  # no message: the error as JSON
        f"invalid key {echo}",  # the error as a bare string
    ][shape]
    if dialect == "anthropic":
        start = {"type": "message_start", "message": {"id": "m1", "model": "claude-test",
                                                      "usage": {"input_tokens": 1}}}  # fmt: skip
        return [("message_start", json.dumps(start)),
                ("error", json.dumps({"type": "error", "error": error}))]  # fmt: skip
    if dialect == "gemini":
        # Gemini's error object, in place of the next GenerateContentResponse.
        error = [
            {"code": 400, "message": f"API key not valid: {echo}", "status": "INVALID_ARGUMENT"},
            {"code": 400, "status": echo},  # no message: the error as JSON
            f"invalid key {echo}",
        ][shape]
        start = {"candidates": [{"content": {"role": "model", "parts": [{"text": "Hi"}]}}]}
        return [(None, json.dumps(start)), (None, json.dumps({"error": error}))]
    first = {
        "id": "c1",
        "object": "chat.completion.chunk",
        "choices": [
            {"index": 0, "delta": {"role": "assistant", "content": ""}, "finish_reason": None}
        ],
    }
    return [(None, json.dumps(first)), (None, json.dumps({"error": error}))]  # fmt: skip


@settings(max_examples=scaled(100), deadline=None, suppress_health_check=FIXTURES)
@given(
    key=KEYS,
    via_env=st.booleans(),
    dialect=st.sampled_from(["anthropic", "openai", "gemini"]),
    is_async=st.booleans(),
    echo=st.integers(0, ECHOES - 1),
    shape=st.integers(0, 2),
)
@example(key="sk-ant-api03-" + "x1Y2z3" * 15 + "AAA", via_env=False, dialect="anthropic",
         is_async=False, echo=0, shape=0)  # fmt: skip
@example(key="sk-ant-api03-" + "x1Y2z3" * 15 + "AAA", via_env=True, dialect="anthropic",
         is_async=True, echo=0, shape=0)  # fmt: skip
@example(key="AIzaSy" + "x1Y2z3" * 5 + "AbC", via_env=True, dialect="gemini", is_async=False,
         echo=0, shape=0)  # fmt: skip
def test_stream_error_events_never_show_the_key(
    server: FakeProvider,
    caplog: pytest.LogCaptureFixture,
    key: str,
    via_env: bool,
    dialect: str,
    is_async: bool,
    echo: int,
    shape: int,
) -> None:
    """Anthropic's ``event: error`` and an OpenAI or Gemini stream's ``{"error": ...}`` event
    become a ProviderError through the path error bodies take, scrubbed alike, sync and async."""
    assume_no_coincidence(key, server.url)
    caplog.clear()
    model, env = {
        "anthropic": (CLAUDE, "ANTHROPIC_API_KEY"),
        "gemini": (GEMINI, "GEMINI_API_KEY"),
        "openai": (MODEL, "WANDB_API_KEY"),
    }[dialect]
    server.respond(sse=_stream_error(dialect, echoes(key)[echo], shape))
    # Our own log only: httpcore's DEBUG lines hold the server's Date header, which a key's
    # characters may match by chance, at one second and not the next.
    with pytest.MonkeyPatch.context() as mp, caplog.at_level(logging.DEBUG, "provider_registry"):
        kw: dict[str, Any] = {"api_base": server.url, "trust_api_base": True, "retry": Retry(0)}
        if dialect == "openai":
            kw["project"] = PROJECT
        if via_env:
            mp.setenv(env, key)
        else:
            kw["api_key"] = key

        async def drain() -> list[Any]:
            return [chunk async for chunk in await acompletion(model, MESSAGES, stream=True, **kw)]

        if is_async:
            exc = _raised(lambda: asyncio.run(drain()))
        else:
            exc = _raised(lambda: list(completion(model, MESSAGES, stream=True, **kw)))
    # An error with no message is not the provider's words but a reply of the wrong shape.
    assert type(exc) is (MalformedReplyError if shape == 1 else ProviderError), exc
    assert exc.status_code is None
    assert exc.message  # the provider's message, less the key
    got = server.received[-1].headers
    sent = got.get("x-api-key") or got.get("x-goog-api-key") or got.get("authorization", "")
    assert sent.endswith(key)  # the key was sent
    ours = [r for r in caplog.records if r.name.startswith("provider_registry")]
    assert ours  # the log is not empty
    assert_no_leak(key, *exception_texts(exc), *record_texts(ours))


# --- keys no header can carry (issue 12, items 2 and 3) ------------------------------------

# What a key picks up on its way into a variable: a CRLF .env file's \r, a line break, a NUL, a
# control character, a pasted non-breaking, zero-width or other non-ASCII character, spaces.
FLAWS = st.one_of(
    st.sampled_from(["\r", "\n", "\r\n", "\0", "\t", "\x7f", "\x1b"]),
    st.sampled_from(["\u00a0", "\u200b", "\ufeff", "\u2028", "\u00e9", "\u2014", "\U0001f511"]),
    st.characters(codec="utf-8", categories=["Cc"]),
    st.characters(codec="utf-8", min_codepoint=0x80),
)


@st.composite
def unsendable_keys(draw: st.DrawFn) -> tuple[str, str]:
    """(a key with a flaw, the same key without it)."""
    key = draw(st.one_of(random_keys(), SHORT_KEYS, REALISTIC_KEYS))
    where = draw(st.sampled_from(["end", "inside", "start", "spaces"]))
    if where == "spaces":
        return draw(st.sampled_from([f" {key}", f"{key} ", f"  {key}  "])), key
    flaw = draw(FLAWS)
    if where == "end":
        return key + flaw, key
    if where == "start":
        return flaw + key, key
    at = draw(st.integers(1, len(key) - 1))
    return key[:at] + flaw + key[at:], key


def _send_with(path: str, model: str, kw: dict[str, Any]) -> object:
    """Every way a key leaves for the network."""
    if path == "build_request":
        return resolve(model, **kw).build_request({"messages": MESSAGES})
    if path == "openai-sdk":
        import openai

        client = openai.OpenAI(**resolve(model, **kw).openai_client_kwargs())
        return client.chat.completions.create(model=model, messages=MESSAGES)  # type: ignore[arg-type]
    if path == "check-live":
        from provider_registry import check_live

        return check_live(None, "wandb" if model == MODEL else "anthropic", **kw)
    return _call(path, **kw) if model == MODEL else _call_claude(path, **kw)


def _call_claude(mode: str, **kw: Any) -> Any:
    if mode == "sync":
        return completion(CLAUDE, MESSAGES, **kw)
    if mode == "stream":
        return list(completion(CLAUDE, MESSAGES, stream=True, **kw))

    async def run() -> Any:
        if mode == "async":
            return await acompletion(CLAUDE, MESSAGES, **kw)
        return [c async for c in await acompletion(CLAUDE, MESSAGES, stream=True, **kw)]

    return asyncio.run(run())


PATHS = ["sync", "stream", "async", "async-stream", "build_request", "openai-sdk", "check-live"]


@settings(max_examples=scaled(200), deadline=None, suppress_health_check=FIXTURES)
@given(
    keys=unsendable_keys(),
    via_env=st.booleans(),
    bearer=st.booleans(),
    path=st.sampled_from(PATHS),
)
@example(keys=("sk-" + "a1B2c3D4e5" * 4 + "\r", "sk-" + "a1B2c3D4e5" * 4), via_env=True,
         bearer=True, path="sync")  # fmt: skip
@example(keys=("sk-a1B2c3\u00a0D4e5a1B2c3D4e5", "sk-a1B2c3D4e5a1B2c3D4e5"), via_env=False,
         bearer=True, path="build_request")  # fmt: skip
def test_unsendable_keys_are_refused_before_any_io(
    server: FakeProvider,
    caplog: pytest.LogCaptureFixture,
    keys: tuple[str, str],
    via_env: bool,
    bearer: bool,
    path: str,
) -> None:
    """Refused before a byte is sent, naming where the key came from and the fix, showing
    none of it: no httpx or h11 exception quotes it (in the chain or in __context__), and no
    httpx or httpcore DEBUG line holds it."""
    key, clean = keys
    assume(not (via_env and "\0" in key))  # no environment can hold a NUL
    assume(not (bearer is False and path == "openai-sdk"))  # the dialect is not OpenAI's
    model, env = (MODEL, "WANDB_API_KEY") if bearer else (CLAUDE, "ANTHROPIC_API_KEY")
    caplog.clear()
    with pytest.MonkeyPatch.context() as mp, caplog.at_level(logging.DEBUG):
        for name in ("httpx", "httpcore", "openai", "provider_registry"):
            caplog.set_level(logging.DEBUG, name)
        kw: dict[str, Any] = {"api_base": f"{server.url}/v1", "trust_api_base": True}
        if path not in ("openai-sdk", "build_request", "check-live"):
            kw["retry"] = Retry(0)
        if bearer and path != "check-live":
            kw["project"] = PROJECT
        if via_env:
            mp.setenv(env, key)
        else:
            kw["api_key"] = key
        exc = _raised(lambda: _send_with(path, model, kw))
    assert isinstance(exc, InvalidCredentialsError), repr(exc)
    assert isinstance(exc, RegistryError)
    assert isinstance(exc, ValueError)
    assert not server.received  # nothing went out
    text = str(exc)
    assert (env if via_env else "api_key=") in text
    assert any(fix in (exc.hint or "") for fix in ("strip", "remove")), exc.hint
    assert exc.__cause__ is None
    assert exc.__context__ is None
    # None of the key shows, not even its last 4 characters: no 4 of them in a row.
    texts = [*exception_texts(exc), *record_texts(caplog.records), caplog.text]
    for i in range(len(clean) - 3):
        assert all(clean[i : i + 4] not in t for t in texts if t), (clean[i : i + 4], texts)


def test_an_unsendable_key_error_says_what_and_how() -> None:
    res = resolve(MODEL, api_key="sk-abcdefghijklmnop1234\r", project=PROJECT)
    with pytest.raises(InvalidCredentialsError) as info:
        res.build_request({"messages": MESSAGES})
    assert str(info.value) == (
        "the API key passed as api_key= for provider 'wandb' ends with a carriage return (\\r) "
        "(strip the trailing \\r from the key passed as api_key=: a .env file saved with CRLF "
        "line endings leaves one on every value)"
    )
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WANDB_API_KEY", "sk-abcdefg\u200bhijklmnop1234")
        with pytest.raises(InvalidCredentialsError) as info:
            resolve(MODEL, project=PROJECT).openai_client_kwargs()
    assert str(info.value) == (
        "the API key in WANDB_API_KEY for provider 'wandb' holds a non-ASCII character "
        "(U+200B ZERO WIDTH SPACE) at position 11 of 24 (remove the non-ASCII character at "
        "position 11 from WANDB_API_KEY: a key copied from a web page or a document often brings "
        "one along)"
    )
    assert (info.value.source, info.value.provider, info.value.env) == (
        "WANDB_API_KEY", "wandb", ("WANDB_API_KEY",)
    )  # fmt: skip
    # A space inside is sent (h11 takes it); one around the key is refused.
    assert resolve(MODEL, api_key="two words-0123456789", project=PROJECT).build_request({})
    with pytest.raises(InvalidCredentialsError, match="spaces"):
        resolve(MODEL, api_key="sk-0123456789 ", project=PROJECT).build_request({})


def test_registry_show_masks_an_unsendable_key_whole(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("WANDB_API_KEY", "sk-abcdefghijklmnop1234\r")
        code, text = _cli("show", MODEL)
    assert code == 0
    assert "****  (from WANDB_API_KEY); unusable: it ends with a carriage return (\\r)" in text
    assert "\r" not in text


# --- headers and base URLs (issue 12, item 4) -----------------------------------------------

# Keys with spaces inside, which h11 sends as they are: the whole value is the key.
SPACED_KEYS = st.tuples(random_keys(), random_keys()).map(" ".join)


@settings(max_examples=scaled(100), deadline=None)
@given(
    key=st.one_of(SPACED_KEYS, KEYS),
    header=st.sampled_from(["api-key", "X-Api-Key", "X-Custom-Auth"]),
)
@example(key="sk-proj abcdefghijklmnop0123", header="api-key")
def test_redact_headers_masks_a_bare_key_whole(key: str, header: str) -> None:
    shown = [
        redact_headers({header: key}, [header]),
        redact_headers([(header, key)], [header]),
        redact_headers({"Authorization": key}),  # a bare key where a scheme would be
        redact_headers({"Authorization": f"Bearer {key}"}),
        redact_headers({"Proxy-Authorization": f"Basic {key}"}),
    ]
    assert shown[0] == {header: mask_secret(key)}
    assert shown[3] == {"Authorization": f"Bearer {mask_secret(key)}"}
    assert_no_leak(key, *shown, *map(json.dumps, shown))


def _base_url_forms(secret: str) -> list[str]:
    """WANDB_API_BASE values that carry a credential: user information, a query value."""
    word = urllib.parse.quote(secret, safe="")
    return [
        f"https://user:{word}@proxy.example/v1",
        f"https://{word}@proxy.example/v1",
        f"https://proxy.example/v1?key={word}",
        f"https://proxy.example/v1?region=eu&api_key={word}&x=1",
        f"https://proxy.example/v1?access_token={word}",
    ]


@settings(max_examples=scaled(50), deadline=None, suppress_health_check=FIXTURES)
@given(secret=KEYS, form=st.integers(0, 4))
@example(secret="s3cr3t-pass-word", form=0)
@example(secret="query-secret-123", form=2)
def test_a_credential_in_the_base_url_variable_never_shows(
    capsys: pytest.CaptureFixture[str],
    caplog: pytest.LogCaptureFixture,
    secret: str,
    form: int,
) -> None:
    """``registry show`` (both forms), the proxy export, repr() and to_dict() print the base
    URL with its credential masked; the export writes the variable's name instead. Should the
    variable be refused outright, the refusal may not show the credential either."""
    assume_no_coincidence(secret)
    base = _base_url_forms(secret)[form]
    capsys.readouterr()
    caplog.clear()
    with pytest.MonkeyPatch.context() as mp, caplog.at_level(logging.DEBUG, "provider_registry"):
        mp.setenv("WANDB_API_BASE", base)
        outputs = [
            _cli("show", MODEL, "--param", f"project={PROJECT}"),
            _cli("show", MODEL, "--param", f"project={PROJECT}", "--json"),
            _cli("export", "--format", "litellm-proxy", "--model", MODEL),
        ]
        try:
            res = resolve(MODEL, project=PROJECT)
        except RegistryError as exc:
            texts: list[object] = exception_texts(exc)
        else:
            texts = [repr(res), res.to_dict(), str(res)]
    captured = capsys.readouterr()
    for code, out in outputs:
        assert code in (0, 1), out
        if code == 0:
            # show masks it; the proxy export writes the manifest's own base URL instead.
            assert "****" in out or "api_base: https://api.inference.wandb.ai/v1" in out, out
    assert_no_leak(
        secret, *(out for _, out in outputs), captured.out, captured.err, caplog.text, *texts
    )


@settings(max_examples=scaled(25), deadline=None, suppress_health_check=FIXTURES)
@given(secret=KEYS)
@example(secret="query-secret-123")
def test_a_credential_in_the_base_url_never_shows_in_the_log(
    server: FakeProvider, caplog: pytest.LogCaptureFixture, secret: str
) -> None:
    assume_no_coincidence(secret, server.url)
    caplog.clear()
    word = urllib.parse.quote(secret, safe="")
    texts: list[object] = []
    with pytest.MonkeyPatch.context() as mp, caplog.at_level(logging.DEBUG, "provider_registry"):
        mp.setenv("WANDB_API_BASE", f"{server.url}/v1?key={word}")
        try:
            reply = completion(MODEL, MESSAGES, project=PROJECT, api_key="k" * 20)
        except RegistryError as exc:  # a base-URL variable with a query may be refused
            texts += exception_texts(exc)
        else:
            texts += [repr(reply.resolution), reply.resolution.to_dict()]
            assert any("key=****" in r.getMessage() for r in caplog.records)
    assert_no_leak(secret, *texts, caplog.text, *record_texts(caplog.records))


# --- leaks these tests found, now fixed: keep them as regressions ----------------------------


# A Retry-After that is neither seconds nor an HTTP date once raised a bare ValueError quoting
# it (and the key it echoed) out of completion().
@settings(max_examples=scaled(10), deadline=None, suppress_health_check=FIXTURES)
@given(key=KEYS)
@example(key="sk-" + "abcdefghijklmnopqrstuvwxyz0123456789ABCDEFGHIJKL")
def test_retry_after_echo_never_shows_the_key(server: FakeProvider, key: str) -> None:
    assume_no_coincidence(key, server.url)
    server.respond(429, json={"error": {"message": "slow down"}}, headers={"Retry-After": key})
    exc = _raised(lambda: completion(MODEL, MESSAGES, project=PROJECT, api_base=server.url,
                                     api_key=key, retry=Retry(attempts=0)))  # fmt: skip
    assert_no_leak(key, *exception_texts(exc))
    assert isinstance(exc, RateLimitError), exc


# An error object without a message was json.dumps()-ed before scrubbing, so a key holding " or
# \ came back escaped, past the scrubber.
@settings(max_examples=scaled(10), deadline=None, suppress_health_check=FIXTURES)
@given(key=KEYS)
@example(key='pass"word"with"quotes')  # every 8-character run holds an escaped quote
@example(key="C:\\keys\\abc\\defgh")
def test_structured_error_echo_never_shows_the_key(server: FakeProvider, key: str) -> None:
    assume_no_coincidence(key, server.url)
    server.respond(401, json={"error": {"code": "invalid_api_key", "param": key}})
    exc = _raised(lambda: completion(MODEL, MESSAGES, project=PROJECT, api_base=server.url,
                                     api_key=key, retry=Retry(attempts=0)))  # fmt: skip
    assert_no_leak(key, *exception_texts(exc))
    assert isinstance(exc, AuthenticationError), exc


# --- the CLI --------------------------------------------------------------------------------


@settings(max_examples=scaled(100), deadline=None, suppress_health_check=FIXTURES)
@given(key=KEYS)
def test_cli_show_never_shows_the_key(
    capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture, key: str
) -> None:
    assume_no_coincidence(key)
    capsys.readouterr()
    caplog.clear()
    with pytest.MonkeyPatch.context() as mp, caplog.at_level(logging.DEBUG, "provider_registry"):
        mp.setenv("WANDB_API_KEY", key)
        code, text = _cli("show", MODEL, "--param", f"project={PROJECT}")
        assert code == 0
        code, as_json = _cli("show", MODEL, "--param", f"project={PROJECT}", "--json")
        assert code == 0
        code, withheld = _cli("show", MODEL, "--api-base", "https://proxy.example/v1", "--json")
        assert code == 0
        code, _ = _cli("show", MODEL, "--param", "nope=x")  # an error, on stderr
        assert code == 1
    captured = capsys.readouterr()
    data = json.loads(as_json)
    assert (data["api_key"], data["key_source"]) == (mask_secret(key), "WANDB_API_KEY")
    assert json.loads(withheld)["api_key"] is None
    assert "nope" in captured.err
    assert_no_leak(
        key, text, as_json, withheld, captured.out, captured.err, caplog.text,
        *record_texts(caplog.records),
    )  # fmt: skip


# --- AWS SigV4 credentials (the bedrock dialect) ------------------------------------------------

BEDROCK = "bedrock/anthropic.claude-haiku-4-5-20251001-v1:0"
AWS_KEY_ID = "AKIDEXAMPLEQRSTUVWXYZ"


def _aws_call(mode: str, base: str) -> Any:
    kw: dict[str, Any] = {"api_base": base, "trust_api_base": True, "retry": Retry(0)}
    if mode == "sync":
        return completion(BEDROCK, MESSAGES, **kw)
    if mode == "stream":
        return list(completion(BEDROCK, MESSAGES, stream=True, **kw))

    async def run() -> Any:
        if mode == "async":
            return await acompletion(BEDROCK, MESSAGES, **kw)
        return [c async for c in await acompletion(BEDROCK, MESSAGES, stream=True, **kw)]

    return asyncio.run(run())


@settings(max_examples=scaled(25), deadline=None, suppress_health_check=FIXTURES)
@given(
    secret=KEYS,
    token=KEYS,
    echo_token=st.booleans(),
    echo_kind=st.integers(0, ECHOES - 1),
    mode=st.sampled_from(["sync", "stream", "async", "async-stream"]),
)
def test_aws_secret_and_session_token_never_show(
    server: FakeProvider,
    caplog: pytest.LogCaptureFixture,
    secret: str,
    token: str,
    echo_token: bool,
    echo_kind: int,
    mode: str,
) -> None:
    pytest.importorskip("botocore", reason="the bedrock extra (botocore) is not installed")
    from . import eventstream

    for one, other in ((secret, token), (token, secret)):
        assume_no_coincidence(one, server.url, AWS_KEY_ID, other[-SHOWN:], "us-east-1 bedrock")
    echo = echoes(token if echo_token else secret)[echo_kind]
    caplog.clear()
    texts: list[object] = []
    with pytest.MonkeyPatch.context() as mp, caplog.at_level(logging.DEBUG, "provider_registry"):
        mp.setenv("AWS_REGION", "us-east-1")
        mp.setenv("AWS_ACCESS_KEY_ID", AWS_KEY_ID)
        mp.setenv("AWS_SECRET_ACCESS_KEY", secret)
        mp.setenv("AWS_SESSION_TOKEN", token)
        res = resolve(BEDROCK)
        texts += [repr(res), str(res), res.to_dict(), _cli("show", BEDROCK)[1]]
        texts += [_cli("show", BEDROCK, "--json")[1]]
        # An error body, and a header, that echo the credential (as an "invalid token" may).
        headers = {"X-Echo": echo, "x-amzn-ErrorType": "UnrecognizedClientException"}
        server.respond(403, headers=headers, json={"message": f"The security token {echo}"})
        exc = _raised(lambda: _aws_call(mode, server.url))
        texts += exception_texts(exc)
        assert isinstance(exc, AuthenticationError), exc
        sent = server.received[-1].headers
        assert sent["x-amz-security-token"] == token
        assert sent["authorization"].startswith(f"AWS4-HMAC-SHA256 Credential={AWS_KEY_ID}/")
        if mode.endswith("stream"):  # an exception frame mid-stream that echoes it
            frames = eventstream.event("messageStart", {"role": "assistant"})
            frames += eventstream.exception("validationException", f"bad token {echo}")
            stream_type = {"content-type": "application/vnd.amazon.eventstream"}
            server.respond(body=frames, headers=stream_type)
            exc = _raised(lambda: _aws_call(mode, server.url))
            texts += exception_texts(exc)
            assert type(exc) is ProviderError, exc
    ours = [r for r in caplog.records if r.name.startswith("provider_registry")]
    assert any("AWS4-HMAC-SHA256 ****" in r.getMessage() for r in ours)  # the log is not empty
    for secret_part in (secret, token):
        assert_no_leak(secret_part, *texts, *record_texts(ours))
