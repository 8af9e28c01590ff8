"""The shared default client against the local server, which counts the TCP connections it
accepts: calls and streams without ``client=`` reuse one kept-alive connection (sync, async,
across threads), a stream read to its end gives its connection back, a fork gets clients of its
own, the caller's timeout still holds, no cookie travels between providers, and the headers every
request carries."""

from __future__ import annotations

import asyncio
import gc
import gzip
import json
import os
import threading
import warnings
import weakref
from typing import Any

import httpx
import pytest

import provider_registry
import provider_registry._client as client_module
from provider_registry import ProviderConnectionError, Retry, acompletion, completion

from .server import CHAT_REPLY, STREAM_CHUNKS, FakeProvider

KEY = "wandb-secret-key-1234567890-abcdefWXYZ"
MODEL = "wandb/Llama-3.1-8B-Instruct"
MESSAGES = [{"role": "user", "content": "Hi"}]
NO_WAIT = Retry(attempts=2, backoff=0)


@pytest.fixture
def wandb_env(server: FakeProvider, monkeypatch: pytest.MonkeyPatch) -> FakeProvider:
    monkeypatch.setenv("WANDB_API_BASE", f"{server.url}/v1")
    monkeypatch.setenv("WANDB_API_KEY", KEY)
    return server


def call() -> str | None:
    return completion(MODEL, MESSAGES, project="t/p").content


def stream_text(**kwargs: Any) -> str:
    stream = completion(MODEL, MESSAGES, project="t/p", stream=True, **kwargs)
    return "".join(c["choices"][0]["delta"].get("content") or "" for c in stream if c["choices"])


def test_sequential_calls_and_streams_share_one_connection(wandb_env: FakeProvider) -> None:
    for _ in range(5):
        assert call() == "Hello from the test server"
        assert stream_text() == "Hello"
    assert len(wandb_env.received) == 10
    assert wandb_env.connections == 1


def test_async_calls_and_streams_share_one_connection_per_loop(wandb_env: FakeProvider) -> None:
    async def main() -> httpx.AsyncClient:
        for _ in range(5):
            reply = await acompletion(MODEL, MESSAGES, project="t/p")
            assert reply.content == "Hello from the test server"
            stream = await acompletion(MODEL, MESSAGES, project="t/p", stream=True)
            assert len([chunk async for chunk in stream]) == len(STREAM_CHUNKS)
        (client, _) = client_module._shared.by_loop[asyncio.get_running_loop()]
        return client

    client = asyncio.run(main())
    assert len(wandb_env.received) == 10
    assert wandb_env.connections == 1
    # asyncio.run() shut the loop down, and with it the loop's client.
    assert client.is_closed
    assert client not in [c for c, _ in client_module._shared.by_loop.values()]
    # A second loop gets a client of its own.
    asyncio.run(acompletion(MODEL, MESSAGES, project="t/p"))
    assert wandb_env.connections == 2


def busy() -> int:
    """Connections of the shared pool held by a response (httpcore's pool, as httpx keeps it)."""
    pool = client_module._shared.client()._transport._pool  # type: ignore[attr-defined]
    return sum(not (c.is_idle() or c.is_closed()) for c in pool.connections)


def test_a_stream_closed_early_does_not_break_the_next_call(wandb_env: FakeProvider) -> None:
    stream = completion(MODEL, MESSAGES, project="t/p", stream=True)
    next(stream)
    assert busy() == 1
    stream.close()  # its connection, not read to the end, is discarded
    assert busy() == 0
    assert call() == "Hello from the test server"
    for chunk in completion(MODEL, MESSAGES, project="t/p", stream=True):  # noqa: B007
        break
    del chunk
    assert busy() == 0
    assert stream_text() == "Hello"
    assert call() == "Hello from the test server"
    assert len(wandb_env.received) == 5
    assert wandb_env.connections == 3  # the two streams left early took theirs with them


def events(*data: str) -> list[tuple[str | None, str]]:
    return [(None, d) for d in data]


CHUNKS = [json.dumps(c) for c in STREAM_CHUNKS]


def test_what_follows_done_is_drained_so_the_connection_is_reused(
    wandb_env: FakeProvider,
) -> None:
    wandb_env.respond(sse=events(*CHUNKS, "[DONE]"), trailer=b": the end\n\n" * 100)
    assert stream_text() == "Hello"
    assert call() == "Hello from the test server"
    assert wandb_env.connections == 1


def test_a_server_sending_on_after_done_is_not_drained_forever(wandb_env: FakeProvider) -> None:
    past_the_cap = b": more\n\n" * (client_module._DRAIN_LIMIT // 2)  # 4x the cap
    wandb_env.respond(sse=events(*CHUNKS, "[DONE]"), trailer=past_the_cap)
    assert stream_text() == "Hello"
    assert call() == "Hello from the test server"
    assert wandb_env.connections == 2  # that connection was given up, not read to its end


def test_threads_share_a_small_pool(wandb_env: FakeProvider) -> None:
    threads, calls = 8, 5
    results: list[str | None] = []
    clients: set[int] = set()
    barrier = threading.Barrier(threads)

    def work() -> None:
        barrier.wait()
        for _ in range(calls):
            results.append(call())
        clients.add(id(client_module._shared.client()))

    workers = [threading.Thread(target=work) for _ in range(threads)]
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    assert results == ["Hello from the test server"] * threads * calls
    assert len(clients) == 1
    assert 1 <= wandb_env.connections <= threads


@pytest.mark.skipif(not hasattr(os, "fork"), reason="this platform has no fork")
def test_a_forked_child_opens_its_own_connection(wandb_env: FakeProvider) -> None:
    assert call() == "Hello from the test server"
    parent_client = client_module._shared.client()
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)  # 3.12+: forking with threads
        pid = os.fork()
    if pid == 0:  # the child: exit with a status, never return into pytest
        status = 1
        try:
            if client_module._shared.client() is not parent_client:
                status = 0 if call() == "Hello from the test server" else 2
        finally:
            os._exit(status)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert wandb_env.connections == 2  # the child did not use the parent's
    assert call() == "Hello from the test server"
    assert wandb_env.connections == 2  # and the parent still has its own
    assert len(wandb_env.received) == 3


def test_the_callers_timeout_holds_per_request(wandb_env: FakeProvider) -> None:
    wandb_env.respond(json=CHAT_REPLY, delay=1.0)
    with pytest.raises(ProviderConnectionError, match="timed out"):
        completion(MODEL, MESSAGES, project="t/p", timeout=0.2, retry=NO_WAIT)
    # The next caller's timeout is its own, not the last one's.
    wandb_env.respond(json=CHAT_REPLY, delay=0.5)
    assert completion(MODEL, MESSAGES, project="t/p", timeout=5.0).content is not None


def test_a_callers_clients_are_never_closed(wandb_env: FakeProvider) -> None:
    with httpx.Client() as client:
        assert stream_text(client=client) == "Hello"
        completion(MODEL, MESSAGES, project="t/p", client=client)
        assert not client.is_closed

    async def main() -> None:
        async with httpx.AsyncClient() as aclient:
            stream = await acompletion(MODEL, MESSAGES, project="t/p", stream=True, client=aclient)
            assert [chunk async for chunk in stream]
            await acompletion(MODEL, MESSAGES, project="t/p", client=aclient)
            assert not aclient.is_closed

    asyncio.run(main())


def test_no_cookie_goes_from_one_provider_to_another(
    wandb_env: FakeProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    cookie = "session=from-provider-a; Path=/"
    wandb_env.respond(json=CHAT_REPLY, headers={"set-cookie": cookie})
    call()
    assert not client_module._shared.client().cookies.jar  # nothing was kept
    with FakeProvider() as other:  # another origin on the same host: a jar ignores ports
        monkeypatch.setenv("WANDB_API_BASE", f"{other.url}/v1")
        call()
        call()
    call_a = wandb_env.received
    assert all("cookie" not in r.headers for r in [*call_a, *other.received])


def test_the_headers_every_request_carries(wandb_env: FakeProvider) -> None:
    call()
    stream_text()
    plain, streamed = wandb_env.received
    version = f"provider-registry/{provider_registry.__version__} python-httpx/{httpx.__version__}"
    for got in (plain, streamed):
        assert got.headers["user-agent"] == version
        assert got.headers["accept-encoding"] == "gzip, deflate"
        assert got.headers["authorization"] == f"Bearer {KEY}"  # per request
    assert plain.headers["accept"] == "application/json"
    assert streamed.headers["accept"] == "text/event-stream"
    # The shared client itself holds no key: keys are set on each request.
    defaults = f"{dict(client_module._shared.client().headers)}{client_module._headers()}"
    assert KEY[-8:] not in defaults
    assert "authorization" not in defaults.lower()


def test_a_gzip_stream_decodes_event_by_event(wandb_env: FakeProvider) -> None:
    body = "".join(f"data: {d}\n\n" for d in [*CHUNKS, "[DONE]"]).encode()
    headers = {"content-type": "text/event-stream", "content-encoding": "gzip"}
    wandb_env.respond(body=gzip.compress(body), headers=headers)
    assert stream_text() == "Hello"
    assert call() == "Hello from the test server"
    assert wandb_env.connections == 1


# The old loop's sockets are closed when collected, which may happen at any point after the
# loop is let go (not only in the gc.collect() below): their ResourceWarnings are expected.
@pytest.mark.filterwarnings("ignore::ResourceWarning")
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_a_loop_closed_without_shutdown_is_let_go(wandb_env: FakeProvider) -> None:
    loop = asyncio.new_event_loop()
    loop.run_until_complete(acompletion(MODEL, MESSAGES, project="t/p"))
    loop.close()  # no shutdown_asyncgens(): its client stays open, holding the loop
    gone = weakref.ref(loop)
    del loop
    asyncio.run(acompletion(MODEL, MESSAGES, project="t/p"))  # a new loop lets the old go
    gc.collect()
    assert gone() is None
    assert not client_module._shared.by_loop
