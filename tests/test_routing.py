"""Routing and fallbacks: resolve(route=...) among a model's offers, and completion() moving from
one offer to the next. Three providers of one model are played by three local servers, each
written as a drop-in manifest; each server records the headers it received, so that no
provider is seen to get another's key."""

from __future__ import annotations

import asyncio
import json
import random
import socket
import warnings
from collections.abc import Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import provider_registry._client as client_module
from provider_registry import (
    BadRequestError,
    DeprecatedModelWarning,
    InvalidRouteError,
    NoRouteError,
    ProviderConnectionError,
    ProviderError,
    RateLimitError,
    Registry,
    RegistryError,
    ServerError,
    acompletion,
    completion,
    load_registry,
    resolve,
)
from provider_registry._offers import offer_index
from provider_registry._resolver import _resolve

from .conftest import manifest_text
from .server import STREAM_CHUNKS, FakeProvider

MODEL = "meta-llama/Llama-3.3-70B-Instruct"
MESSAGES = [{"role": "user", "content": "Hi"}]
PROVIDERS = ("acme-a", "acme-b", "acme-c")
KEYS = {pid: f"{pid}-secret-key-{i}000000000000-WXY{i}" for i, pid in enumerate(PROVIDERS)}
# Blended (3 x input + output) / 4: a 0.325, b 0.25 (the cheapest), c 0.75.
PRICES = {"acme-a": ("0.10", "1"), "acme-b": ("0.20", "0.40"), "acme-c": ("0.50", "1.50")}


def env_name(pid: str) -> str:
    return pid.upper().replace("-", "_") + "_API_KEY"


def write(dropin: Path, pid: str, base_url: str, extra: str = "") -> None:
    inp, out = PRICES[pid]
    model = f"  {MODEL}:\n    price: {{input: {inp}, output: {out}}}\n{extra}"
    (dropin / f"{pid}.yaml").write_text(manifest_text(pid, model, base_url=base_url), "utf-8")


@pytest.fixture
def servers() -> Iterator[dict[str, FakeProvider]]:
    fakes = {pid: FakeProvider() for pid in PROVIDERS}
    for fake in fakes.values():
        fake.__enter__()
    yield fakes
    for fake in fakes.values():
        fake.__exit__()


@pytest.fixture
def three(
    dropin: Path, servers: dict[str, FakeProvider], monkeypatch: pytest.MonkeyPatch
) -> Registry:
    """Three providers of MODEL, on the local servers, each with its key set."""
    for pid, fake in servers.items():
        extra = "    supports: [streaming, tools]\n" if pid == "acme-c" else ""
        write(dropin, pid, f"{fake.url}/v1", extra)
        monkeypatch.setenv(env_name(pid), KEYS[pid])
    return load_registry([dropin], builtin=False, env=False)


def assert_own_keys(servers: dict[str, FakeProvider]) -> None:
    """Every request a server got carried its own provider's key and no other's."""
    for pid, fake in servers.items():
        for got in fake.received:
            seen = json.dumps(got.headers) + json.dumps(got.body) + json.dumps(got.query)
            assert got.headers["authorization"] == f"Bearer {KEYS[pid]}"
            for other, key in KEYS.items():
                if other != pid:
                    assert key not in seen


def refused_url() -> str:
    """A base URL on 127.0.0.1 where nothing listens: the connection is refused."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    return f"http://127.0.0.1:{port}/v1"


# --- routing ------------------------------------------------------------------------------------


def test_cheapest_picks_the_cheapest_usable_offer(three: Registry) -> None:
    res = resolve(MODEL, route="cheapest", registry=three)
    assert (res.provider_id, res.api_key) == ("acme-b", KEYS["acme-b"])
    assert res.route is not None
    assert [r.provider_id for r in res.route.usable] == ["acme-b", "acme-a", "acme-c"]
    assert res.route.reasons()[f"acme-a/{MODEL}"] == "usable, choice 2 of 3"


def test_an_offer_without_a_key_is_passed_over_with_the_reason(
    three: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ACME_B_API_KEY")
    res = resolve(MODEL, route="cheapest", registry=three)
    assert res.provider_id == "acme-a"
    assert res.route is not None
    why = res.route.reasons()[f"acme-b/{MODEL}"]
    assert why.startswith("no key: set ACME_B_API_KEY")
    # A key given for it, by provider, makes it usable again and goes to it alone.
    res = resolve(MODEL, route="cheapest", registry=three, api_key={"acme-b": "given-key-1234"})
    assert (res.provider_id, res.api_key, res.key_source) == (
        "acme-b",
        "given-key-1234",
        "api_key=",
    )


def test_an_ordered_route_is_honoured(three: Registry) -> None:
    res = resolve(MODEL, route=["acme-c", "acme-a"], registry=three)
    assert res.provider_id == "acme-c"
    assert res.route is not None
    assert [r.provider_id for r in res.route.usable] == ["acme-c", "acme-a"]
    assert res.route.reasons()[f"acme-b/{MODEL}"] == "its provider is not in route="


def test_a_retired_offer_is_passed_over(
    dropin: Path, servers: dict[str, FakeProvider], monkeypatch: pytest.MonkeyPatch
) -> None:
    for pid, fake in servers.items():
        write(
            dropin,
            pid,
            f"{fake.url}/v1",
            "    status: retired\n    retired_on: 2024-01-01\n" if pid == "acme-b" else "",
        )
        monkeypatch.setenv(env_name(pid), KEYS[pid])
    reg = load_registry([dropin], builtin=False, env=False)
    res = resolve(MODEL, route="cheapest", registry=reg)
    assert res.provider_id == "acme-a"
    assert res.route is not None
    assert res.route.reasons()[f"acme-b/{MODEL}"] == "retired"


def test_require_and_max_price_filter(three: Registry) -> None:
    res = resolve(MODEL, route="cheapest", require=["tools"], registry=three)
    assert res.provider_id == "acme-c"
    assert res.route is not None
    assert res.route.reasons()[f"acme-b/{MODEL}"] == "does not support tools"
    res = resolve(MODEL, route=["acme-a", "acme-b"], max_price=0.3, registry=three)
    assert res.provider_id == "acme-b"
    assert res.route is not None
    assert res.route.reasons()[f"acme-a/{MODEL}"] == "blended price 0.325 is over max_price=0.3"


def test_none_usable_lists_every_offer_and_why(
    three: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ACME_A_API_KEY")
    with pytest.raises(NoRouteError) as caught:
        resolve(MODEL, route="cheapest", require=["tools"], max_price="0.5", registry=three)
    passed = dict(caught.value.passed)
    assert passed == {
        f"acme-a/{MODEL}": "does not support tools",
        f"acme-b/{MODEL}": "does not support tools",
        f"acme-c/{MODEL}": "blended price 0.75 is over max_price=0.5",
    }
    assert f"acme-c/{MODEL}: blended price 0.75" in str(caught.value)
    with pytest.raises(NoRouteError) as caught:
        resolve(MODEL, route=["acme-a"], registry=three)
    assert dict(caught.value.passed)[f"acme-a/{MODEL}"].startswith("no key: set ACME_A_API_KEY")


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"route": "fastest"}, "route"),
        ({"route": "cheapest", "require": ["teleport"]}, "require"),
        ({"route": "cheapest", "max_price": -1}, "max_price"),
        ({"route": "cheapest", "api_key": "one-key-for-all-1234"}, "api_key"),
        ({"route": "cheapest", "provider": "acme-a"}, "provider"),
        ({"require": ["tools"]}, "require"),
        ({"max_price": 1}, "max_price"),
    ],
)
def test_routing_arguments_are_checked(
    three: Registry, kwargs: dict[str, Any], argument: str
) -> None:
    with pytest.raises(InvalidRouteError) as caught:
        resolve(MODEL, registry=three, **kwargs)
    assert caught.value.argument == argument
    assert "one-key-for-all" not in str(caught.value)


def _sample(builtin: Registry) -> list[str]:
    names = sorted(f"{pid}/{m}" for pid, p in builtin.providers.items() for m in p.models)
    return random.Random(15).sample(names, 60)


@pytest.fixture(scope="module")
def sample() -> list[str]:
    return _sample(load_registry(env=False))


def test_without_route_resolve_is_detection_as_before(builtin: Registry, sample: list[str]) -> None:
    """resolve() without route= is the detection it always was: its answer equals the one
    _resolve() (the detection, memo aside) gives, and carries no route."""
    compared = 0
    for name in sample:
        try:
            plain, _, _ = _resolve(builtin, name, None, None, None, False, False, {}, False, [])
        except RegistryError as exc:  # retired, a required parameter: resolve() must fail alike
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecatedModelWarning)
                with pytest.raises(type(exc)):
                    resolve(name, registry=builtin)
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecatedModelWarning)
            res = resolve(name, registry=builtin)
        assert res == plain
        assert res.route is None
        compared += 1
    assert compared >= 40


def test_a_route_of_the_detected_provider_picks_what_detection_picks(
    builtin: Registry, sample: list[str]
) -> None:
    """Routed to the provider that detection picks, with its key, a resolve lands where the
    plain one does (same provider, base, and the model itself where it has one entry)."""
    index = offer_index(builtin)
    checked = 0
    for name in sample:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", DeprecatedModelWarning)
                plain = resolve(name, registry=builtin, api_key="sk-routing-test-0000")
        except RegistryError:
            continue
        key = index.key_for(name)
        if plain.model_info is None or key is None or plain.provider.params:
            continue
        keys = {plain.provider_id: "sk-routing-test-0000"}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecatedModelWarning)
            routed = resolve(name, route=[plain.provider_id], registry=builtin, api_key=keys)
        assert (routed.provider_id, routed.api_base, routed.api_key) == (
            plain.provider_id,
            plain.api_base,
            "sk-routing-test-0000",
        )
        mine = [m for m in index.groups[key] if m.provider == plain.provider_id]
        if len(mine) == 1:
            assert routed.model == plain.model
        checked += 1
    assert checked >= 20


# --- fallbacks ----------------------------------------------------------------------------------


def test_fallback_429_then_500_then_served(
    three: Registry, servers: dict[str, FakeProvider]
) -> None:
    servers["acme-a"].respond(429, json={"error": {"message": "slow down"}})
    servers["acme-b"].respond(500, json={"error": {"message": "boom"}})
    reply = completion(
        MODEL, MESSAGES, registry=three, route=["acme-a", "acme-b", "acme-c"], fallbacks=True
    )
    assert reply.content == "Hello from the test server"
    assert reply.resolution.provider_id == "acme-c"
    assert list(reply.attempts) == [
        (f"acme-a/{MODEL}", "RateLimitError", 429),
        (f"acme-b/{MODEL}", "ServerError", 500),
        (f"acme-c/{MODEL}", "served", 200),
    ]
    # 12 prompt tokens at 0.50 and 5 completion tokens at 1.50 USD per 1M: acme-c's price.
    assert reply.cost == Decimal("0.0000135")
    assert [len(s.received) for s in servers.values()] == [1, 1, 1]
    assert_own_keys(servers)
    for secret in KEYS.values():
        assert secret not in repr(reply.attempts)


def test_fallback_async_with_a_list_of_models(
    three: Registry, servers: dict[str, FakeProvider]
) -> None:
    servers["acme-a"].respond(429, json={"error": {"message": "slow down"}})
    servers["acme-b"].respond(503, json={"error": {"message": "busy"}})
    reply = asyncio.run(
        acompletion(
            f"acme-a/{MODEL}",
            MESSAGES,
            registry=three,
            fallbacks=[f"acme-b/{MODEL}", f"acme-c/{MODEL}"],
        )
    )
    assert reply.resolution.provider_id == "acme-c"
    assert [(a.ref, a.outcome) for a in reply.attempts] == [
        (f"acme-a/{MODEL}", "RateLimitError"),
        (f"acme-b/{MODEL}", "ServerError"),
        (f"acme-c/{MODEL}", "served"),
    ]
    assert reply.cost == Decimal("0.0000135")
    assert_own_keys(servers)


def test_fallbacks_true_without_route_starts_with_the_detected_offer(
    three: Registry, servers: dict[str, FakeProvider]
) -> None:
    """The detected provider first (acme-c, the dearest), then the others by price."""
    servers["acme-c"].respond(500, json={"error": {"message": "boom"}})
    reply = completion(f"acme-c/{MODEL}", MESSAGES, registry=three, fallbacks=True)
    assert [a.ref.partition("/")[0] for a in reply.attempts] == ["acme-c", "acme-b"]
    assert reply.resolution.provider_id == "acme-b"
    assert_own_keys(servers)


def test_a_refused_connection_moves_on(
    dropin: Path, servers: dict[str, FakeProvider], monkeypatch: pytest.MonkeyPatch
) -> None:
    write(dropin, "acme-a", refused_url())
    write(dropin, "acme-b", f"{servers['acme-b'].url}/v1")
    for pid in ("acme-a", "acme-b"):
        monkeypatch.setenv(env_name(pid), KEYS[pid])
    reg = load_registry([dropin], builtin=False, env=False)
    reply = completion(MODEL, MESSAGES, registry=reg, route=["acme-a", "acme-b"], fallbacks=True)
    assert reply.resolution.provider_id == "acme-b"
    assert reply.attempts[0] == (f"acme-a/{MODEL}", "ProviderConnectionError", None)


@pytest.mark.parametrize("status", [400, 401, 404])
def test_a_4xx_other_than_429_does_not_fall_back(
    three: Registry, servers: dict[str, FakeProvider], status: int
) -> None:
    servers["acme-a"].respond(status, json={"error": {"message": "no"}})
    with pytest.raises(ProviderError) as caught:
        completion(MODEL, MESSAGES, registry=three, route=["acme-a", "acme-b"], fallbacks=True)
    assert caught.value.status_code == status
    assert caught.value.attempts == ((f"acme-a/{MODEL}", type(caught.value).__name__, status),)
    assert servers["acme-b"].received == []


def test_every_offer_failing_raises_the_last_error_with_the_attempts(
    three: Registry, servers: dict[str, FakeProvider]
) -> None:
    for fake in servers.values():
        fake.respond(503, json={"error": {"message": "busy"}})
    with pytest.raises(ServerError) as caught:
        completion(MODEL, MESSAGES, registry=three, route="cheapest", fallbacks=True)
    assert [a[0].partition("/")[0] for a in caught.value.attempts] == [
        "acme-b",
        "acme-a",
        "acme-c",
    ]
    assert_own_keys(servers)


def test_the_deadline_stops_the_chain(
    three: Registry, servers: dict[str, FakeProvider], monkeypatch: pytest.MonkeyPatch
) -> None:
    """The clock jumps past the deadline once the first offer has been asked: the next ones
    are not, and are listed as skipped."""
    first = servers["acme-a"]
    monkeypatch.setattr(client_module, "_clock", lambda: 1000.0 if first.received else 0.0)
    first.respond(500, json={"error": {"message": "boom"}})
    with pytest.raises(ServerError) as caught:
        completion(
            MODEL, MESSAGES, registry=three, route=list(PROVIDERS), fallbacks=True, deadline=5
        )
    assert list(caught.value.attempts) == [
        (f"acme-a/{MODEL}", "ServerError", 500),
        (f"acme-b/{MODEL}", "skipped: the deadline passed", None),
        (f"acme-c/{MODEL}", "skipped: the deadline passed", None),
    ]
    assert servers["acme-b"].received == servers["acme-c"].received == []


def test_a_timeout_after_the_request_left_does_not_fall_back(
    three: Registry, servers: dict[str, FakeProvider]
) -> None:
    """The deadline cuts the first attempt's read timeout; the provider may have served the
    request by then, so the next one is not asked."""
    servers["acme-a"].respond(500, json={}, delay=1.5)
    with pytest.raises(ProviderConnectionError) as caught:
        completion(
            MODEL, MESSAGES, registry=three, route=list(PROVIDERS), fallbacks=True, deadline=0.3
        )
    assert not caught.value.before_send
    assert servers["acme-b"].received == []


def test_retry_when_asked_is_per_offer_before_moving_on(
    three: Registry, servers: dict[str, FakeProvider]
) -> None:
    from provider_registry import Retry

    servers["acme-a"].respond(429, json={}, headers={"retry-after": "0"})
    servers["acme-a"].respond(429, json={}, headers={"retry-after": "0"})
    reply = completion(
        MODEL,
        MESSAGES,
        registry=three,
        route=["acme-a", "acme-b"],
        fallbacks=True,
        retry=Retry(attempts=1, backoff=0),
    )
    assert len(servers["acme-a"].received) == 2
    assert reply.resolution.provider_id == "acme-b"


# --- streams ------------------------------------------------------------------------------------


def text_of(chunks: list[dict[str, Any]]) -> str:
    return "".join(c["choices"][0]["delta"].get("content") or "" for c in chunks if c["choices"])


def test_stream_moves_on_before_the_first_chunk(
    three: Registry, servers: dict[str, FakeProvider]
) -> None:
    servers["acme-a"].respond(503, json={"error": {"message": "busy"}})
    stream = completion(
        MODEL, MESSAGES, registry=three, route=list(PROVIDERS), fallbacks=True, stream=True
    )
    assert text_of(list(stream)) == "Hello"
    assert stream.resolution.provider_id == "acme-b"
    assert [a.outcome for a in stream.attempts] == ["ServerError", "served"]
    assert stream.cost == Decimal("12") * Decimal("0.20") / 10**6 + 5 * Decimal("0.40") / 10**6
    assert servers["acme-c"].received == []
    assert_own_keys(servers)


def test_async_stream_moves_on_from_a_refused_connection(
    dropin: Path, servers: dict[str, FakeProvider], monkeypatch: pytest.MonkeyPatch
) -> None:
    write(dropin, "acme-a", refused_url())
    write(dropin, "acme-b", f"{servers['acme-b'].url}/v1")
    for pid in ("acme-a", "acme-b"):
        monkeypatch.setenv(env_name(pid), KEYS[pid])
    reg = load_registry([dropin], builtin=False, env=False)

    async def main() -> tuple[str, Any]:
        stream = await acompletion(
            MODEL, MESSAGES, registry=reg, route=["acme-a", "acme-b"], fallbacks=True, stream=True
        )
        chunks = [c async for c in stream]
        return text_of(chunks), stream

    text, stream = asyncio.run(main())
    assert text == "Hello"
    assert [a.outcome for a in stream.attempts] == ["ProviderConnectionError", "served"]
    assert stream.resolution.provider_id == "acme-b"


FIRST_CHUNK = json.dumps(STREAM_CHUNKS[1])
ERROR_EVENT = json.dumps({"error": {"message": "overloaded", "type": "server_error"}})


@pytest.mark.parametrize("asynchronous", [False, True])
def test_stream_failure_after_the_first_chunk_raises(
    three: Registry, servers: dict[str, FakeProvider], asynchronous: bool
) -> None:
    servers["acme-a"].respond(sse=[(None, FIRST_CHUNK), (None, ERROR_EVENT)])
    got: list[dict[str, Any]] = []
    kw: dict[str, Any] = {"registry": three, "route": list(PROVIDERS), "fallbacks": True}

    async def read_async() -> None:
        stream = await acompletion(MODEL, MESSAGES, stream=True, **kw)
        async for chunk in stream:
            got.append(chunk)

    def read() -> None:
        if asynchronous:
            asyncio.run(read_async())
        else:
            got.extend(completion(MODEL, MESSAGES, stream=True, **kw))

    with pytest.raises(ProviderError, match="overloaded"):
        read()
    assert text_of(got) == "Hel"
    assert servers["acme-b"].received == servers["acme-c"].received == []


def test_a_key_by_provider_goes_to_its_own_provider_only(
    three: Registry, servers: dict[str, FakeProvider], monkeypatch: pytest.MonkeyPatch
) -> None:
    for pid in PROVIDERS:
        monkeypatch.delenv(env_name(pid))
    servers["acme-a"].respond(429, json={})
    keys = {"acme-a": KEYS["acme-a"], "acme-c": KEYS["acme-c"]}
    reply = completion(
        MODEL, MESSAGES, registry=three, route=list(PROVIDERS), fallbacks=True, api_key=keys
    )
    assert reply.resolution.provider_id == "acme-c"  # acme-b has no key: never asked
    assert servers["acme-b"].received == []
    assert_own_keys(servers)
    # Routed to one offer and no fallbacks: its error is raised, whatever it is.
    servers["acme-a"].respond(429, json={})
    with pytest.raises(RateLimitError):
        completion(MODEL, MESSAGES, registry=three, route=["acme-a"], api_key=keys)
    servers["acme-a"].respond(400, json={})
    with pytest.raises(BadRequestError):
        completion(MODEL, MESSAGES, registry=three, route=["acme-a"], api_key=keys)


def test_a_routed_resolve_is_remembered_until_a_variable_changes(
    three: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ACME_B_API_KEY")
    first = resolve(MODEL, route="cheapest", registry=three)
    assert first.provider_id == "acme-a"
    assert resolve(MODEL, route="cheapest", registry=three) is first  # the memo's
    monkeypatch.setenv("ACME_B_API_KEY", KEYS["acme-b"])
    assert resolve(MODEL, route="cheapest", registry=three).provider_id == "acme-b"
    monkeypatch.setenv("ACME_B_API_KEY", "")
    assert resolve(MODEL, route="cheapest", registry=three).provider_id == "acme-a"


@pytest.mark.parametrize(
    ("kwargs", "argument"),
    [
        ({"fallbacks": f"acme-b/{MODEL}"}, "fallbacks"),
        ({"fallbacks": [42]}, "fallbacks"),
        ({"fallbacks": True, "deadline": -1}, "deadline"),
        ({"fallbacks": True, "api_key": 42}, "api_key"),
    ],
)
def test_fallback_arguments_are_checked(
    three: Registry, servers: dict[str, FakeProvider], kwargs: dict[str, Any], argument: str
) -> None:
    with pytest.raises(InvalidRouteError) as caught:
        completion(f"acme-a/{MODEL}", MESSAGES, registry=three, **kwargs)
    assert caught.value.argument == argument
    assert all(fake.received == [] for fake in servers.values())
