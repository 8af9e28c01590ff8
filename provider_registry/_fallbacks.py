"""Calls that may move from one offer to the next: ``completion(fallbacks=...)`` and routing.

The chain is a list of Resolutions, each made by resolve() for its own provider: its own key
(from that provider's variable, or the caller's ``api_key={provider: key}``; a single
``api_key="..."`` belongs to the first model only), its own trusted base and parameters. Each
attempt's request is built from its own Resolution, so nothing of one provider's request, a
header least of all, reaches another.

When the chain moves on:

- on 429 and 5xx, and on a connection that was never opened (refused, or the connect or pool
  timeout): nothing was served, so asking the next offer cannot do the work twice;
- not on any other 4xx (the request is wrong, or the key is: the next provider would say the
  same, or should not be tried behind the caller's back), nor on a timeout once the request has
  left (the provider may have served it, and billed it), nor on a reply that is not the
  dialect's shape;
- an offer whose request cannot be built for want of a key or a required parameter is skipped,
  which is recorded; any other request error (a field the model refuses) is raised;
- a stream moves on only before its first chunk reaches the caller, so on the answer's status or
  a connection never opened; once a chunk is out, any failure is raised.

Each offer gets the ``retry=`` policy the caller passes, and none by default: the next offer is
a better bet than the same one again. A Retry-After that would end past the deadline is not
waited for. One deadline (``deadline=`` seconds, by default the call's ``timeout`` when that is a
number) bounds the whole chain: each attempt's timeouts are cut to what is left of it, and no
attempt starts once it has passed.
"""

from __future__ import annotations

from collections.abc import (
    AsyncGenerator,
    Generator,
    Iterable,
    Mapping,
    Sequence,
)
from decimal import Decimal
from typing import Any

import httpx

from . import _client as c
from ._errors import (
    InvalidRouteError,
    MissingCredentialsError,
    MissingParameterError,
    ProviderConnectionError,
    ProviderError,
    RateLimitError,
    ServerError,
)
from ._registry import Registry, default_registry
from ._request import build_request
from ._resolver import Resolution, resolve, resolve_split
from ._routing import route as route_among

__all__ = ["acall", "call"]

Chain = list[tuple[Resolution, dict[str, Any]]]
"""Each offer to try, in order, with the body fields of its request."""


def _falls_back(exc: ProviderError) -> bool:
    if isinstance(exc, RateLimitError | ServerError):
        return True
    return isinstance(exc, ProviderConnectionError) and exc.before_send


def _ref(res: Resolution) -> str:
    return f"{res.provider_id}/{res.model}"


def plan(
    model: str,
    kwargs: Mapping[str, Any],
    *,
    provider: str | None,
    api_base: str | None,
    api_key: str | Mapping[str, str] | None,
    registry: Registry | None,
    trust_api_base: bool,
    route: str | Sequence[str] | None,
    require: Iterable[str] | None,
    max_price: Decimal | float | str | None,
    fallbacks: bool | Sequence[str] | None,
) -> Chain:
    """The offers a call tries, in order: the routed or detected one first, then the rest of the
    route (``fallbacks=True``) or the models named (``fallbacks=[...]``)."""
    reg = registry if registry is not None else default_registry()
    names = reg._param_names
    given = {k: v for k, v in kwargs.items() if k in names}
    keys: Mapping[str, str] = {}
    if isinstance(api_key, Mapping):
        keys = api_key
    if route is not None or require is not None or max_price is not None:
        first = resolve(
            model, route=route, require=require, max_price=max_price, registry=reg,
            api_key=api_key, provider=provider, api_base=api_base,
            trust_api_base=trust_api_base, **given,
        )  # fmt: skip
        assert first.route is not None
        found = list(first.route.usable if fallbacks is True else (first,))
    else:
        if isinstance(api_key, Mapping):
            head, _ = resolve_split(
                model, provider=provider, api_base=api_base, api_key=None, registry=reg,
                strict=False, trust_api_base=trust_api_base, params=given, others_allowed=True,
            )  # fmt: skip
            api_key = keys.get(head.provider_id)
        head, _ = resolve_split(
            model, provider=provider, api_base=api_base, api_key=api_key, registry=reg,
            strict=False, trust_api_base=trust_api_base, params=given, others_allowed=True,
        )  # fmt: skip
        found = [head]
        if fallbacks is True:
            routed = route_among(reg, model, None, api_key=keys, params=given, first=head)
            assert routed.route is not None
            found = list(routed.route.usable)
    if isinstance(fallbacks, str) or not (
        fallbacks is None or isinstance(fallbacks, bool | Sequence)
    ):
        raise InvalidRouteError(
            "fallbacks", f"{fallbacks!r} is neither True nor a list of models",
            hint="pass fallbacks=True or fallbacks=['provider/model', ...]",
        )  # fmt: skip
    if isinstance(fallbacks, Sequence):
        for name in fallbacks:
            if not isinstance(name, str):
                raise InvalidRouteError("fallbacks", f"{name!r} is not a model name")
            res, _ = resolve_split(
                name, provider=None, api_base=None, api_key=None, registry=reg, strict=False,
                trust_api_base=False, params=given, others_allowed=True,
            )  # fmt: skip
            if res.provider_id in keys:
                res, _ = resolve_split(
                    name, provider=None, api_base=None, api_key=keys[res.provider_id],
                    registry=reg, strict=False, trust_api_base=False, params=given,
                    others_allowed=True,
                )  # fmt: skip
            found.append(res)
    chain: Chain = []
    seen: set[tuple[str, str]] = set()
    # A parameter of any provider in the chain goes only where it belongs, never in another's
    # body (W&B's project= is no field of Groq's request).
    owned = set().union(*(res._entry.param_names for res in found))
    body = {k: v for k, v in kwargs.items() if k not in owned}
    for res in found:
        if (res.provider_id, res.model) not in seen:
            seen.add((res.provider_id, res.model))
            chain.append((res, body))
    return chain


def _deadline(deadline: float | None, timeout: float | httpx.Timeout) -> float | None:
    if deadline is None:
        return float(timeout) if isinstance(timeout, int | float) else None
    if isinstance(deadline, bool) or not isinstance(deadline, int | float) or deadline < 0:
        raise InvalidRouteError("deadline", f"{deadline!r} is not a number of seconds")
    return float(deadline)


def _capped(timeout: float | httpx.Timeout, left: float | None) -> httpx.Timeout:
    """The call's timeouts, none longer than what is left of the deadline."""
    t = httpx.Timeout(timeout)
    if left is None:
        return t

    def cap(value: float | None) -> float:
        return left if value is None else min(value, left)

    return httpx.Timeout(connect=cap(t.connect), read=cap(t.read), write=cap(t.write),
                         pool=cap(t.pool))  # fmt: skip


class _Run:
    """One call's walk along its chain: the attempts so far and the deadline."""

    def __init__(self, chain: Chain, deadline: float | None) -> None:
        self.chain = chain
        self.attempts: list[c.Attempt] = []
        self.until = None if deadline is None else c._clock() + deadline
        self.last: ProviderError | MissingCredentialsError | MissingParameterError | None = None

    def left(self) -> float | None:
        return None if self.until is None else self.until - c._clock()

    def request(
        self,
        res: Resolution,
        body: dict[str, Any],
        messages: Sequence[Mapping[str, Any]],
        stream: bool,
        drop_params: bool,
    ) -> httpx.Request | None:
        """The attempt's request, or None when it is skipped (recorded)."""
        left = self.left()
        if left is not None and left <= 0:
            self.attempts.append(c.Attempt(_ref(res), "skipped: the deadline passed"))
            return None
        full = {"messages": list(messages), **body}
        if stream:
            full["stream"] = True
        try:
            return build_request(res, full, drop_params=drop_params)
        except (MissingCredentialsError, MissingParameterError) as exc:
            self.attempts.append(c.Attempt(_ref(res), f"skipped: {type(exc).__name__}"))
            self.last = exc
            return None

    def prepare(
        self,
        request: httpx.Request,
        timeout: float | httpx.Timeout,
        client: httpx.Client | httpx.AsyncClient | None,
    ) -> httpx.Request:
        """The request with its timeouts: the call's (the client's own, for a caller's client),
        each cut to what is left of the deadline."""
        left = self.left()
        if client is None:
            return c._for_shared(request, _capped(timeout, left))
        if left is not None:
            capped = _capped(client.timeout, left)
            request.extensions = {**request.extensions, "timeout": capped.as_dict()}
        return request

    def failed(self, res: Resolution, exc: ProviderError) -> None:
        """Record a failure; raise it when the chain must not move on."""
        self.attempts.append(c.Attempt(_ref(res), type(exc).__name__, exc.status_code))
        self.last = exc
        if not _falls_back(exc):
            self.give_up()

    def served(self, res: Resolution, status: int) -> tuple[c.Attempt, ...]:
        self.attempts.append(c.Attempt(_ref(res), "served", status))
        return tuple(self.attempts)

    def give_up(self) -> None:
        last = self.last
        if last is None:
            first = self.chain[0][0]
            last = ProviderConnectionError(
                first.provider_id, "the deadline passed before any offer was asked"
            )
        last.attempts = tuple(self.attempts)  # type: ignore[union-attr]
        raise last


def call(
    chain: Chain,
    messages: Sequence[Mapping[str, Any]],
    *,
    stream: bool,
    drop_params: bool,
    client: httpx.Client | None,
    timeout: float | httpx.Timeout,
    retry: c.Retry | None,
    deadline: float | None,
) -> c.Reply | c.Stream:
    run = _Run(chain, _deadline(deadline, timeout))
    policy = retry or c.Retry(attempts=0)
    http = c._shared.client() if client is None else client
    if stream:
        box: list[c.Stream] = []
        out = c.Stream(
            _stream(run, box, http, client, messages, drop_params, timeout, policy), chain[0][0]
        )
        box.append(out)
        return out
    for res, body in chain:
        request = run.request(res, body, messages, False, drop_params)
        if request is None:
            continue
        request = run.prepare(request, timeout, client)
        sent = c._sent_at(res)
        try:
            response = c._send(http, request, res, policy, False, run.until)
        except ProviderError as exc:
            run.failed(res, exc)
            continue
        reply = c._reply(res, response, sent)
        reply.attempts = run.served(res, response.status_code)
        return reply
    run.give_up()
    raise AssertionError("unreachable")  # give_up raises


def _stream(
    run: _Run,
    box: list[c.Stream],
    http: httpx.Client,
    client: httpx.Client | None,
    messages: Sequence[Mapping[str, Any]],
    drop_params: bool,
    timeout: float | httpx.Timeout,
    policy: c.Retry,
) -> Generator[list[dict[str, Any]], None, None]:
    for res, body in run.chain:
        request = run.request(res, body, messages, True, drop_params)
        if request is None:
            continue
        request = run.prepare(request, timeout, client)
        sent = c._sent_at(res)
        try:
            response = c._send(http, request, res, policy, True, run.until)
        except ProviderError as exc:
            run.failed(res, exc)
            continue
        stream = box[0]
        stream.resolution, stream._sent = res, sent
        stream.attempts = run.served(res, response.status_code)
        # From here on a failure is raised: the caller may already hold chunks of this reply.
        yield from c._stream(http, request, res, policy, response)
        return
    run.give_up()


async def acall(
    chain: Chain,
    messages: Sequence[Mapping[str, Any]],
    *,
    stream: bool,
    drop_params: bool,
    client: httpx.AsyncClient | None,
    timeout: float | httpx.Timeout,
    retry: c.Retry | None,
    deadline: float | None,
) -> c.Reply | c.AsyncStream:
    run = _Run(chain, _deadline(deadline, timeout))
    policy = retry or c.Retry(attempts=0)
    if stream:
        box: list[c.AsyncStream] = []
        out = c.AsyncStream(
            _astream(run, box, client, messages, drop_params, timeout, policy), chain[0][0]
        )
        box.append(out)
        return out
    http = await c._shared.async_client() if client is None else client
    for res, body in chain:
        request = run.request(res, body, messages, False, drop_params)
        if request is None:
            continue
        request = run.prepare(request, timeout, client)
        sent = c._sent_at(res)
        try:
            response = await c._asend(http, request, res, policy, False, run.until)
        except ProviderError as exc:
            run.failed(res, exc)
            continue
        reply = c._reply(res, response, sent)
        reply.attempts = run.served(res, response.status_code)
        return reply
    run.give_up()
    raise AssertionError("unreachable")  # give_up raises


async def _astream(
    run: _Run,
    box: list[c.AsyncStream],
    client: httpx.AsyncClient | None,
    messages: Sequence[Mapping[str, Any]],
    drop_params: bool,
    timeout: float | httpx.Timeout,
    policy: c.Retry,
) -> AsyncGenerator[list[dict[str, Any]], None]:
    http = await c._shared.async_client() if client is None else client
    for res, body in run.chain:
        request = run.request(res, body, messages, True, drop_params)
        if request is None:
            continue
        request = run.prepare(request, timeout, client)
        sent = c._sent_at(res)
        try:
            response = await c._asend(http, request, res, policy, True, run.until)
        except ProviderError as exc:
            run.failed(res, exc)
            continue
        stream = box[0]
        stream.resolution, stream._sent = res, sent
        stream.attempts = run.served(res, response.status_code)
        batches = c._astream(http, request, res, policy, response)
        try:
            async for batch in batches:
                yield batch
        finally:
            await batches.aclose()
        return
    run.give_up()
