"""No key crosses an origin on a redirect (issue 12, item 5).

Two real servers on 127.0.0.1, on two ports (two origins): the first answers every request with
a redirect to the second. For every way a manifest can place a key (Bearer, ``api-key``,
``x-api-key``, a query parameter) and every way a request goes out (``completion`` with the
default client or a caller's ``httpx.Client(follow_redirects=True)``, ``acompletion``, streaming
sync and async, ``openai_client_kwargs()`` with the real OpenAI SDK, sync, async and streaming),
the second server never receives any part of the key, in a header, the query or the body.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import openai
import pytest

from provider_registry import (
    ProviderError,
    Registry,
    Resolution,
    acompletion,
    completion,
    load_registry,
    resolve,
)

from .server import FakeProvider, Received

KEY = "sk-live-0123456789-abcdefWXYZ-qrstuv"
MESSAGES = [{"role": "user", "content": "Hi"}]
STATUSES = [301, 302, 303, 307, 308]

MANIFEST = """\
schema_version: 1
id: acme
name: Acme
api:
  dialect: openai
  base_url: {base}/v1
{auth}models:
  m1: {{}}
"""
# How each placement is declared, and the keyword argument that supplies the key.
PLACEMENTS: dict[str, tuple[str, dict[str, str]]] = {
    "bearer": ("auth:\n  env: [ACME_API_KEY]\n", {"api_key": KEY}),
    "api-key": ("auth:\n  env: [ACME_API_KEY]\n  header: api-key\n", {"api_key": KEY}),
    "x-api-key": ("auth:\n  env: [ACME_API_KEY]\n  header: x-api-key\n", {"api_key": KEY}),
    "query": (
        "auth: {required: false}\nparams:\n  key: {send_as: {query: key}, required: true}\n",
        {"key": KEY},
    ),
}


def holds_key(received: Received) -> bool:
    """Whether any 8 characters of the key are anywhere in what a server received."""
    text = json.dumps([received.path, received.query, received.headers, received.body])
    return any(KEY[i : i + 8] in text for i in range(len(KEY) - 7))


def assert_key_sent(received: Received, placement: str) -> None:
    """The first server did get the key, where the manifest places it (so the test means it)."""
    where = {
        "bearer": received.headers.get("authorization"),
        "api-key": received.headers.get("api-key"),
        "x-api-key": received.headers.get("x-api-key"),
        "query": received.query.get("key"),
    }
    assert where[placement] in (KEY, f"Bearer {KEY}")


def refusal(exc: BaseException) -> ProviderError | None:
    """Our ProviderError: raised as it is, or, by older OpenAI SDKs (1.40 does) that wrap what an
    httpx event hook raises, as the cause of their APIConnectionError (after their retries)."""
    seen: BaseException | None = exc
    while seen is not None and not isinstance(seen, ProviderError):
        seen = seen.__cause__ if isinstance(seen, openai.APIConnectionError) else None
    return seen


def no_key_in(exc: BaseException) -> None:
    seen: BaseException | None = exc
    while seen is not None:
        for text in (str(seen), repr(seen)):
            assert not any(KEY[i : i + 8] in text for i in range(len(KEY) - 7)), text
        seen = seen.__cause__ or seen.__context__


@pytest.fixture
def first() -> Iterator[FakeProvider]:
    with FakeProvider() as server:
        yield server


@pytest.fixture
def second() -> Iterator[FakeProvider]:
    with FakeProvider() as server:
        yield server


def registry_for(tmp_path: Path, base: str, placement: str) -> Registry:
    (tmp_path / "acme.yaml").write_text(MANIFEST.format(base=base, auth=PLACEMENTS[placement][0]))
    return load_registry([tmp_path], builtin=False, env=False)


# --- the client paths: each makes one call and returns nothing, or raises ------------------


def _ours(reg: Registry, kw: dict[str, str], **more: Any) -> Any:
    return completion("acme/m1", MESSAGES, registry=reg, **kw, **more)


async def _aours(reg: Registry, kw: dict[str, str], **more: Any) -> Any:
    return await acompletion("acme/m1", MESSAGES, registry=reg, **kw, **more)


def completion_default_client(reg: Registry, kw: dict[str, str]) -> None:
    _ours(reg, kw)


def completion_following_client(reg: Registry, kw: dict[str, str]) -> None:
    with httpx.Client(follow_redirects=True) as client:
        _ours(reg, kw, client=client)


def acompletion_default_client(reg: Registry, kw: dict[str, str]) -> None:
    asyncio.run(_aours(reg, kw))


def acompletion_following_client(reg: Registry, kw: dict[str, str]) -> None:
    async def main() -> None:
        async with httpx.AsyncClient(follow_redirects=True) as client:
            await _aours(reg, kw, client=client)

    asyncio.run(main())


def stream_following_client(reg: Registry, kw: dict[str, str]) -> None:
    with httpx.Client(follow_redirects=True) as client:
        list(_ours(reg, kw, client=client, stream=True))


def astream_following_client(reg: Registry, kw: dict[str, str]) -> None:
    async def main() -> None:
        async with httpx.AsyncClient(follow_redirects=True) as client:
            async for _ in await _aours(reg, kw, client=client, stream=True):
                pass

    asyncio.run(main())


def _resolved(reg: Registry, kw: dict[str, str]) -> Resolution:
    return resolve("acme/m1", registry=reg, **kw)


def openai_sdk(reg: Registry, kw: dict[str, str]) -> None:
    with openai.OpenAI(**_resolved(reg, kw).openai_client_kwargs(), max_retries=0) as sdk:
        sdk.chat.completions.create(model="m1", messages=MESSAGES)  # type: ignore[arg-type]


def openai_sdk_stream(reg: Registry, kw: dict[str, str]) -> None:
    with openai.OpenAI(**_resolved(reg, kw).openai_client_kwargs(), max_retries=0) as sdk:
        stream = sdk.chat.completions.create(model="m1", messages=MESSAGES, stream=True)  # type: ignore[arg-type]
        list(stream)


def async_openai_sdk(reg: Registry, kw: dict[str, str]) -> None:
    async def main() -> None:
        kwargs = _resolved(reg, kw).openai_client_kwargs(asynchronous=True)
        async with openai.AsyncOpenAI(**kwargs, max_retries=0) as sdk:
            await sdk.chat.completions.create(model="m1", messages=MESSAGES)  # type: ignore[arg-type]

    asyncio.run(main())


OURS: list[Callable[[Registry, dict[str, str]], None]] = [
    completion_default_client,
    completion_following_client,
    acompletion_default_client,
    acompletion_following_client,
    stream_following_client,
    astream_following_client,
]
SDK: list[Callable[[Registry, dict[str, str]], None]] = [
    openai_sdk,
    openai_sdk_stream,
    async_openai_sdk,
]


@pytest.mark.parametrize("status", STATUSES)
@pytest.mark.parametrize("placement", list(PLACEMENTS))
@pytest.mark.parametrize("call", OURS + SDK, ids=lambda f: f.__name__)
def test_no_key_crosses_to_another_origin(
    tmp_path: Path,
    first: FakeProvider,
    second: FakeProvider,
    call: Callable[[Registry, dict[str, str]], None],
    placement: str,
    status: int,
) -> None:
    reg = registry_for(tmp_path, first.url, placement)
    first.respond(status, headers={"location": f"{second.url}/v1/chat/completions"})
    raised: ProviderError | None = None
    try:
        call(reg, PLACEMENTS[placement][1])
    except (ProviderError, openai.APIConnectionError) as exc:
        raised = refusal(exc)
        if raised is None:
            raise
    # Once; an older SDK retries the refused redirect, each time at the first origin only.
    assert len(first.received) == 1 or call in SDK
    for got in first.received:
        assert_key_sent(got, placement)
    assert not any(holds_key(r) for r in second.received), second.received
    if call in OURS:
        # Our client refuses the redirect itself: nothing at all reaches the other origin.
        assert raised is not None
        assert second.received == []
        assert raised.status_code == status
        assert "another origin" in str(raised)
    elif placement in ("api-key", "x-api-key"):
        # The SDK's client from openai_client_kwargs() refuses to send to another origin.
        assert raised is not None
        assert second.received == []
    if raised is not None:
        no_key_in(raised)


@pytest.mark.parametrize("call", OURS + SDK, ids=lambda f: f.__name__)
def test_a_key_in_the_location_is_not_shown(
    tmp_path: Path,
    first: FakeProvider,
    second: FakeProvider,
    call: Callable[[Registry, dict[str, str]], None],
) -> None:
    # A hostile first hop may echo the key in the Location (user info, path, query).
    reg = registry_for(tmp_path, first.url, "api-key")
    host = second.url.removeprefix("http://")
    first.respond(307, headers={"location": f"http://{KEY}@{host}/{KEY}?k={KEY}"})
    with pytest.raises((ProviderError, openai.APIConnectionError)) as info:
        call(reg, PLACEMENTS["api-key"][1])
    assert refusal(info.value) is not None, info.value
    no_key_in(info.value)
    assert second.received == []


# --- within one origin --------------------------------------------------------------------


@pytest.mark.parametrize("status", [302, 307, 308])
def test_same_origin_redirect_is_followed_by_a_following_client(
    tmp_path: Path, first: FakeProvider, status: int
) -> None:
    reg = registry_for(tmp_path, first.url, "api-key")
    first.respond(status, headers={"location": "/v2/chat/completions"})
    with httpx.Client(follow_redirects=True) as client:
        reply = completion("acme/m1", MESSAGES, registry=reg, api_key=KEY, client=client)
    assert reply.content == "Hello from the test server"
    assert [r.path for r in first.received] == ["/v1/chat/completions", "/v2/chat/completions"]
    assert all(r.headers["api-key"] == KEY for r in first.received)


def test_same_origin_redirect_async_and_streaming(tmp_path: Path, first: FakeProvider) -> None:
    reg = registry_for(tmp_path, first.url, "x-api-key")
    first.respond(308, headers={"location": "/v2/chat/completions"})
    first.respond(308, headers={"location": "/v3/chat/completions"})

    async def main() -> list[dict[str, Any]]:
        async with httpx.AsyncClient(follow_redirects=True) as client:
            stream = await acompletion(
                "acme/m1", MESSAGES, registry=reg, api_key=KEY, client=client, stream=True
            )
            return [chunk async for chunk in stream]

    chunks = asyncio.run(main())
    assert "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks) == "Hello"
    assert [r.path for r in first.received][-1] == "/v3/chat/completions"


def test_a_client_that_does_not_follow_redirects_gets_an_error(
    tmp_path: Path, first: FakeProvider
) -> None:
    # The default client follows none: a redirect is an error that says so, not "not JSON".
    reg = registry_for(tmp_path, first.url, "bearer")
    first.respond(307, headers={"location": "/v2/chat/completions"})
    with pytest.raises(ProviderError, match="does not follow redirects") as info:
        completion("acme/m1", MESSAGES, registry=reg, api_key=KEY)
    assert info.value.status_code == 307
    assert len(first.received) == 1


def test_redirects_are_bounded_by_the_client(tmp_path: Path, first: FakeProvider) -> None:
    reg = registry_for(tmp_path, first.url, "bearer")
    for _ in range(3):
        first.respond(307, headers={"location": "/v1/chat/completions"})
    client = httpx.Client(follow_redirects=True, max_redirects=2)
    with client, pytest.raises(ProviderError, match="more than 2 redirects"):
        completion("acme/m1", MESSAGES, registry=reg, api_key=KEY, client=client)
    assert len(first.received) == 3


def test_the_sdk_client_follows_redirects_within_the_origin(
    tmp_path: Path, first: FakeProvider
) -> None:
    reg = registry_for(tmp_path, first.url, "api-key")
    first.respond(307, headers={"location": "/v2/chat/completions"})
    kwargs = resolve("acme/m1", registry=reg, api_key=KEY).openai_client_kwargs()
    with openai.OpenAI(**kwargs, max_retries=0) as sdk:
        answer = sdk.chat.completions.create(model="m1", messages=MESSAGES)  # type: ignore[arg-type]
    assert answer.choices[0].message.content == "Hello from the test server"
    assert [r.headers["api-key"] for r in first.received] == [KEY, KEY]


# --- what openai_client_kwargs() returns ---------------------------------------------------


def test_openai_client_kwargs_add_a_client_only_where_httpx_would_not_drop_the_key(
    tmp_path: Path,
) -> None:
    # httpx drops Authorization on a change of origin by itself, so a Bearer provider's kwargs
    # stay as they were and still suit AsyncOpenAI unchanged.
    bearer = _resolved(registry_for(tmp_path, "https://acme.example", "bearer"), {"api_key": KEY})
    assert "http_client" not in bearer.openai_client_kwargs()
    asyncio.run(openai.AsyncOpenAI(**bearer.openai_client_kwargs()).close())
    reg = registry_for(tmp_path, "https://acme.example", "api-key")
    res = _resolved(reg, {"api_key": KEY})
    sync, asynchronous = (res.openai_client_kwargs(asynchronous=a) for a in (False, True))
    assert type(sync.pop("http_client")) is httpx.Client
    assert type(asynchronous.pop("http_client")) is httpx.AsyncClient
    expected = {
        "base_url": "https://acme.example/v1",
        "api_key": "unused",
        "default_headers": {"api-key": KEY},
    }
    assert sync == asynchronous == expected
    # The SDK keeps its own timeout when given our client.
    with openai.OpenAI(**res.openai_client_kwargs()) as sdk:
        assert sdk.timeout == openai.OpenAI(api_key="x").timeout
    # No key, nothing to guard.
    keyless = registry_for(tmp_path, "https://acme.example", "query")
    assert "http_client" not in _resolved(keyless, {"key": "k"}).openai_client_kwargs()
