"""A thin client on httpx: resolve, shape, send, map errors, retry, price the reply.

The request is built (and anything wrong refused) before the first byte is sent; a stream is a
generator whose request goes out on first iteration. 429 and 5xx answers, and connections that
could not be opened (nothing was sent), are retried with exponential backoff that honours
Retry-After; a timeout after the request left is not retried, since it may have been served.

Redirects are never left to httpx, which drops only ``Authorization`` on a change of origin: a
key in ``api-key``, ``x-api-key``, the query or the body would go along. Each request is sent
with ``follow_redirects=False``, whatever the client says; a redirect within the request's
origin is followed here when the client follows redirects, and one to another origin is refused
with a ProviderError, so nothing of the request reaches that origin.

Without ``client=``, requests go through one shared, pooled client (see ``_shared``): one
``httpx.Client`` for every thread, one ``httpx.AsyncClient`` per event loop, so a call reuses the
connection the last one opened instead of paying a new TCP (and TLS) handshake. A stream reads
its body to the end after the end event, within a bound, so its connection goes back to the pool.
"""

from __future__ import annotations

import asyncio
import atexit
import contextlib
import dataclasses
import datetime
import email.utils
import http.cookiejar
import json
import logging
import os
import re
import threading
import time
import weakref
from collections.abc import (
    AsyncGenerator,
    AsyncIterator,
    Generator,
    Iterable,
    Iterator,
    Mapping,
    Sequence,
)
from decimal import Decimal
from typing import Any, Literal, NamedTuple, TypeVar, overload

import httpx

from ._errors import (
    AuthenticationError,
    BadRequestError,
    MalformedReplyError,
    ModelNotFoundError,
    ProviderConnectionError,
    ProviderError,
    QuotaExceededError,
    RateLimitError,
    RegistryError,
    ServerError,
)
from ._json import NOT_JSON, parse_json
from ._pricing import cost_of_usage, now_utc
from ._registry import Registry
from ._request import build_request, origin_of
from ._resolver import Resolution, resolve_split
from ._secrets import redact_headers, redact_url, scrub_all
from .dialects import DIALECTS, Reader, error_message

__all__ = ["AsyncStream", "Attempt", "Reply", "Retry", "Stream", "acompletion", "completion"]

log = logging.getLogger("provider_registry")

_E = TypeVar("_E", bound=ProviderError)

_clock = time.monotonic
"""The clock of the fallback deadline (a test moves it)."""

_STATUS_ERRORS: dict[int, type[ProviderError]] = {
    401: AuthenticationError,
    403: AuthenticationError,
    402: QuotaExceededError,
    404: ModelNotFoundError,
    429: RateLimitError,
}


@dataclasses.dataclass(frozen=True)
class Retry:
    """How 429, 5xx and refused connections are retried: ``attempts`` retries after the first
    try, each after ``backoff * 2**n`` seconds or the provider's Retry-After, capped at
    ``max_wait``."""

    attempts: int = 2
    backoff: float = 0.5
    max_wait: float = 30.0

    def delay(self, attempt: int, retry_after: float | None) -> float:
        wait = retry_after if retry_after is not None else self.backoff * 2**attempt
        return max(0.0, min(wait, self.max_wait))


class Attempt(NamedTuple):
    """One offer a call with fallbacks tried: never a key, only what happened."""

    ref: str
    """``provider/model``, as resolve() takes it."""
    outcome: str
    """``"served"``, the error class that moved the call on or ended it (``"RateLimitError"``),
    or ``"skipped: ..."`` for an offer not sent to (no key, the deadline passed)."""
    status: int | None = None
    """The HTTP status the provider answered, if it answered."""


class Reply(dict[str, Any]):
    """The provider's reply in the OpenAI chat-completion shape, with its price attached.

    ``reply["choices"][0]["message"]["content"]`` works as with the OpenAI SDK's JSON;
    ``reply.cost`` is Decimal USD, or None when the model has no price or no usage came back.
    """

    cost: Decimal | None
    resolution: Resolution
    attempts: tuple[Attempt, ...] = ()
    """With fallbacks or route=: every offer tried, in order, the one that served last; empty
    otherwise."""

    @property
    def content(self) -> str | None:
        """The first choice's message text."""
        choices = self.get("choices") or [{}]
        return choices[0].get("message", {}).get("content")  # type: ignore[no-any-return]


def _prepare(
    model: str,
    messages: Sequence[Mapping[str, Any]],
    kwargs: dict[str, Any],
    *,
    stream: bool,
    drop_params: bool,
    provider: str | None,
    api_base: str | None,
    api_key: str | Mapping[str, str] | None,
    registry: Registry | None,
    trust_api_base: bool,
) -> tuple[Resolution, httpx.Request]:
    res, body = resolve_split(
        model, provider=provider, api_base=api_base, api_key=api_key, registry=registry,
        strict=False, trust_api_base=trust_api_base, params=kwargs, others_allowed=True,
    )  # fmt: skip
    body = {"messages": list(messages), **body}
    if stream:
        body["stream"] = True
    return res, build_request(res, body, drop_params=drop_params)


def _retry_after(response: httpx.Response) -> float | None:
    value = response.headers.get("retry-after")
    if not value:
        return None
    try:
        return max(0.0, float(value))
    except ValueError:
        pass
    # An HTTP date, or garbage (which may be anything the server sent back, even a key): a
    # value that is neither is no hint at all, and must not become an exception's text.
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    return max(0.0, when.timestamp() - time.time())


def read_capped(response: httpx.Response, limit: int) -> bytes | None:
    """A streamed response's body, or None when it is over ``limit`` bytes: reading stops there,
    whatever content-length says (a length above the limit is refused before reading)."""
    declared = response.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > limit:
        return None
    data, over = _read_up_to(response, limit)
    return None if over else data


def _read_up_to(response: httpx.Response, limit: int) -> tuple[bytes, bool]:
    """A streamed body's first bytes, read until they pass ``limit`` or it ends, and whether
    they passed it."""
    chunks: list[bytes] = []
    size = 0
    for chunk in response.iter_bytes():
        chunks.append(chunk)
        size += len(chunk)
        if size > limit:
            return b"".join(chunks), True
    return b"".join(chunks), False


def _should_retry(status: int) -> bool:
    return status == 429 or status >= 500


def _provider_error(
    res: Resolution,
    payload: object,
    cls: type[_E] = ProviderError,  # type: ignore[assignment]  # the default is the bound
    *,
    fallback: str = "",
    status_code: int | None = None,
    retry_after: float | None = None,
) -> _E:
    """The one place an error the provider sent (an error body, a stream's error event, a
    transport failure's text) becomes a ProviderError: its message, cut to 1000 characters,
    with every echo of the key scrubbed out."""
    message = error_message(payload)[:1000] or fallback
    return cls(
        res.provider_id,
        scrub_all(message, res._secrets()),
        status_code=status_code,
        retry_after=retry_after,
    )


def _error(res: Resolution, response: httpx.Response, text: str) -> ProviderError:
    """The typed error for an error answer, with the provider's message and never the key."""
    try:
        data: object = json.loads(text)
    except ValueError:
        data = text
    status = response.status_code
    cls = _STATUS_ERRORS.get(status) or (ServerError if status >= 500 else BadRequestError)
    return _provider_error(
        res, data, cls, fallback=response.reason_phrase, status_code=status,
        retry_after=_retry_after(response),
    )  # fmt: skip


_UNSENT = (httpx.ConnectError, httpx.ConnectTimeout, httpx.PoolTimeout)
"""Transport failures before any byte of the request left: safe to send elsewhere."""


def _connection_error(res: Resolution, exc: httpx.HTTPError) -> ProviderConnectionError:
    what = "timed out" if isinstance(exc, httpx.TimeoutException) else "could not connect"
    error = _provider_error(
        res, f"{what}: {str(exc) or type(exc).__name__}", ProviderConnectionError
    )
    error.before_send = isinstance(exc, _UNSENT)
    return error


def _log_request(request: httpx.Request, res: Resolution, attempt: int) -> None:
    if log.isEnabledFor(logging.DEBUG):
        headers = redact_headers(request.headers.items(), [res.provider.auth.header])
        url = redact_url(str(request.url))
        log.debug("%s %s attempt %d headers=%s", request.method, url, attempt, headers)


def _retry_wait(
    res: Resolution,
    retry: Retry,
    attempt: int,
    failure: httpx.TransportError | tuple[httpx.Response, str],
    until: float | None = None,
) -> float:
    """Seconds to wait before the next attempt, or raise the typed error for this failure (also
    when the wait would end past ``until``, the chain's deadline on the monotonic clock)."""
    if isinstance(failure, httpx.TransportError):
        # Only a refused connection is safe to repeat: nothing was sent.
        if isinstance(failure, httpx.ConnectError) and attempt < retry.attempts:
            wait = retry.delay(attempt, None)
            if until is None or _clock() + wait < until:
                return wait
        raise _connection_error(res, failure) from None
    response, text = failure
    if _should_retry(response.status_code) and attempt < retry.attempts:
        wait = retry.delay(attempt, _retry_after(response))
        if until is None or _clock() + wait < until:
            return wait
    raise _error(res, response, text)


def _apply_timeout(client: httpx.Client | httpx.AsyncClient, request: httpx.Request) -> None:
    """The client's timeout on a request built apart from it. httpx 0.28 does this in send();
    0.27 sends such a request with no timeout at all."""
    if "timeout" not in request.extensions:
        request.extensions = {**request.extensions, "timeout": client.timeout.as_dict()}


class _NoCookies(http.cookiejar.DefaultCookiePolicy):
    """Keeps no cookie: the shared client serves every provider, and a cookie one of them sets
    must never go to another (a cookie jar matches hosts without their ports, and domains with
    their subdomains)."""

    def set_ok(self, cookie: http.cookiejar.Cookie, request: Any) -> bool:
        return False


class _Shared:
    """The default clients: one ``httpx.Client`` shared by every thread (httpx's pool is
    thread-safe), and one ``httpx.AsyncClient`` per running event loop, since an AsyncClient's
    connections belong to the loop that opened them. Loops are held weakly, so a loop that is
    gone takes its client with it.

    The sync client is closed at interpreter exit. An async client is closed when its loop
    shuts down its async generators, which ``asyncio.run()`` does before closing the loop; a
    loop closed without that leaves its sockets to the garbage collector. After ``fork`` the
    child drops the clients it inherited without closing them (their sockets are the parent's
    too) and builds its own on its first call.
    """

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.sync: httpx.Client | None = None
        self.by_loop: weakref.WeakKeyDictionary[
            asyncio.AbstractEventLoop, tuple[httpx.AsyncClient, AsyncGenerator[None, None]]
        ] = weakref.WeakKeyDictionary()
        self.inherited: list[object] = []  # kept, never closed: the parent's connections

    def client(self) -> httpx.Client:
        client = self.sync
        if client is None:
            with self.lock:
                client = self.sync
                if client is None:
                    client = self.sync = httpx.Client(**_client_options())
        return client

    async def async_client(self) -> httpx.AsyncClient:
        loop = asyncio.get_running_loop()
        found = self.by_loop.get(loop)
        if found is not None:
            return found[0]
        with self.lock:  # loops in other threads may be adding theirs
            found = self.by_loop.get(loop)
            closer = None
            if found is None:
                # A closed loop still here was never shut down; its client's connections hold
                # it, so it is let go here (its sockets close when collected).
                for old in [old for old in self.by_loop if old.is_closed()]:
                    del self.by_loop[old]
                client = httpx.AsyncClient(**_client_options())
                closer = _close_with_loop(self, client)
                found = self.by_loop[loop] = (client, closer)
        if closer is not None:
            # Started here, so the loop knows it: it will aclose() it at shutdown_asyncgens().
            await closer.__anext__()
        return found[0]

    def close(self) -> None:
        with self.lock:
            client, self.sync = self.sync, None
        if client is not None:
            client.close()

    def forget(self) -> None:
        """In a forked child: start afresh, keeping the inherited clients alive and unclosed."""
        self.lock = threading.Lock()  # another thread may have held it at the fork
        self.inherited += [self.sync, *self.by_loop.values()]
        self.sync = None
        self.by_loop = weakref.WeakKeyDictionary()


async def _close_with_loop(
    shared: _Shared, client: httpx.AsyncClient
) -> AsyncGenerator[None, None]:
    """Suspended from the client's creation until the loop's shutdown_asyncgens() closes it,
    which closes the client in its own loop."""
    try:
        yield
        yield  # never reached: the loop's aclose() comes first
    finally:
        shared.by_loop.pop(asyncio.get_running_loop(), None)
        await client.aclose()


_DEFAULT_HEADERS: list[tuple[bytes, bytes]] = []


def _client_options() -> dict[str, Any]:
    return {
        "cookies": http.cookiejar.CookieJar(policy=_NoCookies()),
        "follow_redirects": False,
        "timeout": 60.0,
    }


def _headers() -> list[tuple[bytes, bytes]]:
    """What every request of the shared client carries besides its own headers (see the
    README's client section): who we are, and the codings httpx always decodes. Never a key:
    keys are set on each request."""
    if not _DEFAULT_HEADERS:
        from . import __version__

        agent = f"provider-registry/{__version__} python-httpx/{httpx.__version__}"
        _DEFAULT_HEADERS.extend(
            (name.encode("ascii"), value.encode("ascii"))
            for name, value in (
                ("user-agent", agent),
                ("accept", "application/json"),
                ("accept-encoding", "gzip, deflate"),
            )
        )
    return _DEFAULT_HEADERS


def _for_shared(request: httpx.Request, timeout: float | httpx.Timeout) -> httpx.Request:
    """A request made ready for the shared client: the default headers where the request has
    none of its own (a stream's Accept stays), and the caller's timeout on the request itself,
    since the client is everyone's."""
    # One new Headers from raw pairs: setting names one by one costs httpx a scan of every
    # header each time, about as much as the rest of this call's own work.
    raw = request.headers.raw
    present = {name.lower() for name, _ in raw}
    missing = [pair for pair in _headers() if pair[0] not in present]
    if missing:
        request.headers = httpx.Headers([*raw, *missing])
    request.extensions = {**request.extensions, "timeout": httpx.Timeout(timeout).as_dict()}
    return request


_shared = _Shared()
atexit.register(_shared.close)
if hasattr(os, "register_at_fork"):  # not on Windows, which has no fork
    os.register_at_fork(after_in_child=_shared.forget)


def _redirect(
    client: httpx.Client | httpx.AsyncClient,
    first: httpx.Request,
    response: httpx.Response,
    res: Resolution,
    hops: int,
) -> httpx.Request:
    """The request a redirect answer leads to, when it may be sent; otherwise the error. Only a
    redirect within the first request's origin is followed, and only by a client that follows
    redirects: anything else would carry the key (in whatever header, the query or the body)
    to a host it was not given for."""
    target = response.next_request
    assert target is not None
    status = response.status_code
    if origin_of(target.url) != origin_of(first.url):
        where = scrub_all(
            f"{target.url.scheme}://{target.url.netloc.decode('ascii')}", res._secrets()
        )
        raise ProviderError(
            res.provider_id,
            f"redirected to another origin ({where}), which is never followed: the key would "
            "go with the request; point api_base (or the base-URL variable) at the URL you "
            "trust",
            status_code=status,
        )
    if not client.follow_redirects:
        raise ProviderError(
            res.provider_id,
            "redirected within its origin, and the client does not follow redirects; pass "
            "client=httpx.Client(follow_redirects=True), or point api_base at the new URL",
            status_code=status,
        )
    if hops >= client.max_redirects:
        raise ProviderError(
            res.provider_id, f"more than {client.max_redirects} redirects", status_code=status
        )
    return target


def _send_once(client: httpx.Client, request: httpx.Request, res: Resolution) -> httpx.Response:
    """One attempt: the request, then any redirects it may follow (see _redirect). The body is
    left unread: see _send."""
    response = client.send(request, stream=True, follow_redirects=False)
    hops = 0
    while response.next_request is not None:
        response.close()
        target = _redirect(client, request, response, res, hops)
        hops += 1
        response = client.send(target, stream=True, follow_redirects=False)
    return response


async def _asend_once(
    client: httpx.AsyncClient, request: httpx.Request, res: Resolution
) -> httpx.Response:
    response = await client.send(request, stream=True, follow_redirects=False)
    hops = 0
    while response.next_request is not None:
        await response.aclose()
        target = _redirect(client, request, response, res, hops)
        hops += 1
        response = await client.send(target, stream=True, follow_redirects=False)
    return response


_ERROR_LIMIT = 64 * 1024
"""Bytes of an error answer's body read for its message. A server may send an endless one: the
rest is not read (nor scrubbed, nor held), and the connection is not reused."""


def _read_error(response: httpx.Response) -> str:
    """An error answer's body as text, up to _ERROR_LIMIT bytes; the response is closed."""
    try:
        data, _ = _read_up_to(response, _ERROR_LIMIT)
    finally:
        response.close()
    return data[:_ERROR_LIMIT].decode("utf-8", "replace")


async def _aread_error(response: httpx.Response) -> str:
    chunks: list[bytes] = []
    size = 0
    try:
        async for chunk in response.aiter_bytes():
            chunks.append(chunk)
            size += len(chunk)
            if size > _ERROR_LIMIT:
                break
    finally:
        await response.aclose()
    return b"".join(chunks)[:_ERROR_LIMIT].decode("utf-8", "replace")


def _send(
    client: httpx.Client,
    request: httpx.Request,
    res: Resolution,
    retry: Retry,
    stream: bool,
    until: float | None = None,
) -> httpx.Response:
    """The answer to ``request``, retried as ``retry`` allows; raises the typed error for an
    error answer. Every body is read as a stream: an error's only up to _ERROR_LIMIT, a reply's
    whole (unless ``stream``: the caller reads it)."""
    _apply_timeout(client, request)
    attempt = 0
    while True:
        _log_request(request, res, attempt)
        try:
            response = _send_once(client, request, res)
            text = _read_error(response) if response.status_code >= 400 else None
            if text is None and not stream:
                try:
                    response.read()
                except BaseException:
                    response.close()
                    raise
        except httpx.TransportError as exc:
            wait = _retry_wait(res, retry, attempt, exc, until)
        else:
            if text is None:
                return response
            wait = _retry_wait(res, retry, attempt, (response, text), until)
        time.sleep(wait)
        attempt += 1


async def _asend(
    client: httpx.AsyncClient,
    request: httpx.Request,
    res: Resolution,
    retry: Retry,
    stream: bool,
    until: float | None = None,
) -> httpx.Response:
    _apply_timeout(client, request)
    attempt = 0
    while True:
        _log_request(request, res, attempt)
        try:
            response = await _asend_once(client, request, res)
            text = await _aread_error(response) if response.status_code >= 400 else None
            if text is None and not stream:
                try:
                    await response.aread()
                except BaseException:
                    await response.aclose()
                    raise
        except httpx.TransportError as exc:
            wait = _retry_wait(res, retry, attempt, exc, until)
        else:
            if text is None:
                return response
            wait = _retry_wait(res, retry, attempt, (response, text), until)
        await asyncio.sleep(wait)
        attempt += 1


def _sent_at(res: Resolution) -> datetime.datetime | None:
    """The instant a call is made, for a model whose price depends on the hour (its windows);
    None otherwise, which prices it at the current prices without reading the clock. A reply or
    stream is priced at this instant, not when it ends, so a long stream that crosses into
    another window keeps the rates it started under."""
    book = res.prices
    return now_utc() if book is not None and book.windowed else None


def _reply(res: Resolution, response: httpx.Response, sent: datetime.datetime | None) -> Reply:
    data = parse_json(response.content)
    if data is NOT_JSON:
        message = "malformed reply: not JSON"
        raise MalformedReplyError(res.provider_id, message, status_code=response.status_code)
    reply = Reply(DIALECTS[res.provider.api.dialect].reply(data, res.provider_id))
    reply.resolution = res
    reply.cost = cost_of_usage(res.prices, reply.get("usage"), res.provider_id, sent)
    return reply


def _reader(res: Resolution) -> Reader:
    return DIALECTS[res.provider.api.dialect].reader(
        res.provider_id, lambda payload: _provider_error(res, payload)
    )


def _no_events(res: Resolution, response: httpx.Response) -> MalformedReplyError:
    # The content type is shown only when it looks like one: a header may echo anything.
    kind = response.headers.get("content-type", "").partition(";")[0].strip()
    if not re.fullmatch(r"[a-z]+/[a-z0-9.+-]{1,40}", kind):
        kind = "no known content type"
    message = f"malformed stream: it ended before any event ({kind}, not text/event-stream)"
    return MalformedReplyError(res.provider_id, message, status_code=response.status_code)


class _Priced:
    """What a stream knows once it has been read to its end: its usage and cost."""

    resolution: Resolution
    """The offer that serves the stream (with fallbacks: known once the first chunk is in)."""
    attempts: tuple[Attempt, ...] = ()
    """With fallbacks or route=: every offer tried so far, the one serving last."""
    usage: dict[str, Any] | None
    """The usage the stream reported (OpenAI shape), once it is exhausted; None before, or
    when the provider sent none."""

    def __init__(self, res: Resolution, sent: datetime.datetime | None) -> None:
        self.resolution = res
        self.usage = None
        self._seen: dict[str, Any] | None = None
        self._sent = sent
        self._cost: tuple[Decimal | None] | None = None  # worked out when first read

    @property
    def cost(self) -> Decimal | None:
        """Decimal USD for :attr:`usage`, once the stream is exhausted; None before, when no
        usage came, or when the model has no price."""
        if self.usage is None:
            return None
        if self._cost is None:
            res = self.resolution
            self._cost = (cost_of_usage(res.prices, self.usage, res.provider_id, self._sent),)
        return self._cost[0]

    def _see(self, usage: object) -> None:
        """Keeps a chunk's usage (the iterators look for one in each chunk before calling)."""
        if isinstance(usage, dict) and usage:
            self._seen = usage

    def _finish(self) -> None:
        self.usage = self._seen


class Stream(_Priced, Iterator[dict[str, Any]]):
    """The chunks of ``completion(stream=True)``, OpenAI-shaped. When the iteration has ended,
    ``stream.usage`` and ``stream.cost`` hold what the provider reported and its price."""

    def __init__(
        self,
        batches: Generator[list[dict[str, Any]], None, None],
        res: Resolution,
        sent: datetime.datetime | None = None,
    ) -> None:
        super().__init__(res, sent)
        self._batches = batches
        self._batch: list[dict[str, Any]] = []
        self._at = 0

    def __iter__(self) -> Stream:
        return self

    def __next__(self) -> dict[str, Any]:
        # The chunks come a read of the body at a time; this runs for each, so it is one call.
        batch, at = self._batch, self._at
        while at == len(batch):  # a read may complete no chunk
            try:
                batch = self._batch = next(self._batches)
            except StopIteration:
                self._finish()
                raise
            at = 0
        self._at = at + 1
        chunk = batch[at]
        if "usage" in chunk:
            self._see(chunk["usage"])
        return chunk

    def close(self) -> None:
        """Stop reading; the response is closed (its connection, not read to its end, is not
        reused)."""
        self._batch, self._at = [], 0  # nor are the chunks read but not yet handed out
        self._batches.close()


class AsyncStream(_Priced, AsyncIterator[dict[str, Any]]):
    """The chunks of ``acompletion(stream=True)``; ``usage`` and ``cost`` as for Stream."""

    def __init__(
        self,
        batches: AsyncGenerator[list[dict[str, Any]], None],
        res: Resolution,
        sent: datetime.datetime | None = None,
    ) -> None:
        super().__init__(res, sent)
        self._batches = batches
        self._batch: list[dict[str, Any]] = []
        self._at = 0

    def __aiter__(self) -> AsyncStream:
        return self

    async def __anext__(self) -> dict[str, Any]:
        batch, at = self._batch, self._at  # as in Stream.__next__
        while at == len(batch):
            try:
                batch = self._batch = await self._batches.__anext__()
            except StopAsyncIteration:
                self._finish()
                raise
            at = 0
        self._at = at + 1
        chunk = batch[at]
        if "usage" in chunk:
            self._see(chunk["usage"])
        return chunk

    async def aclose(self) -> None:
        """Stop reading; the response is closed (its connection, not read to its end, is not
        reused)."""
        self._batch, self._at = [], 0
        await self._batches.aclose()


_DRAIN_LIMIT = 64 * 1024
"""Bytes read past a stream's end event to reach the end of its body, so that the connection
goes back to the pool; a server still sending after them loses the connection instead."""


def _stream(
    client: httpx.Client,
    request: httpx.Request,
    res: Resolution,
    retry: Retry,
    response: httpx.Response | None = None,
) -> Generator[list[dict[str, Any]], None, None]:
    """The chunks of a stream, a list for each read of its body (Stream hands them out one by
    one); ``response`` when the fallback chain has it already."""
    decoder, read = DIALECTS[res.provider.api.dialect].decoder(), _reader(res)
    if response is None:
        response = _send(client, request, res, retry, stream=True)
    try:
        started = False
        body = response.iter_bytes()
        for data in body:
            events = decoder.feed(data)
            if not events:
                continue
            started = True
            chunks: list[dict[str, Any]] = []
            try:
                ended = read(events, chunks)
            except RegistryError:
                yield chunks  # the chunks before the event that failed, then its error
                raise
            yield chunks
            if ended:
                _drain(body)
                return
        if not started:
            raise _no_events(res, response)
    except httpx.TransportError as exc:
        raise _connection_error(res, exc) from None
    finally:
        response.close()  # before the end of the body (a consumer that stopped): discarded


def _drain(body: Iterator[bytes]) -> None:
    """Read the rest of a body whose stream has ended, up to _DRAIN_LIMIT. The stream is
    complete: an error past its end is only a connection not reused."""
    size = 0
    with contextlib.suppress(httpx.HTTPError):
        for data in body:
            size += len(data)
            if size > _DRAIN_LIMIT:
                return


async def _adrain(body: AsyncIterator[bytes]) -> None:
    size = 0
    with contextlib.suppress(httpx.HTTPError):
        async for data in body:
            size += len(data)
            if size > _DRAIN_LIMIT:
                return


async def _astream(
    client: httpx.AsyncClient | None,
    request: httpx.Request,
    res: Resolution,
    retry: Retry,
    response: httpx.Response | None = None,
) -> AsyncGenerator[list[dict[str, Any]], None]:
    decoder, read = DIALECTS[res.provider.api.dialect].decoder(), _reader(res)
    if client is None:  # the loop's shared client, known only once the stream runs in it
        client = await _shared.async_client()
    if response is None:
        response = await _asend(client, request, res, retry, stream=True)
    try:
        started = False
        body = response.aiter_bytes()
        async for data in body:
            events = decoder.feed(data)
            if not events:
                continue
            started = True
            chunks: list[dict[str, Any]] = []
            try:
                ended = read(events, chunks)
            except RegistryError:
                yield chunks  # as in _stream
                raise
            yield chunks
            if ended:
                await _adrain(body)
                return
        if not started:
            raise _no_events(res, response)
    except httpx.TransportError as exc:
        raise _connection_error(res, exc) from None
    finally:
        await response.aclose()


@overload
def completion(
    model: str,
    messages: Sequence[Mapping[str, Any]],
    *,
    stream: Literal[False] = False,
    **kwargs: Any,
) -> Reply: ...
@overload
def completion(
    model: str, messages: Sequence[Mapping[str, Any]], *, stream: Literal[True], **kwargs: Any
) -> Stream: ...
def completion(
    model: str,
    messages: Sequence[Mapping[str, Any]],
    *,
    stream: bool = False,
    api_base: str | None = None,
    api_key: str | Mapping[str, str] | None = None,
    provider: str | None = None,
    registry: Registry | None = None,
    trust_api_base: bool = False,
    drop_params: bool = True,
    client: httpx.Client | None = None,
    timeout: float | httpx.Timeout = 60.0,
    retry: Retry | None = None,
    route: str | Sequence[str] | None = None,
    require: Iterable[str] | None = None,
    max_price: Decimal | float | str | None = None,
    fallbacks: bool | Sequence[str] | None = None,
    deadline: float | None = None,
    **kwargs: Any,
) -> Reply | Stream:
    """Call a chat model. Keyword arguments that are the provider's parameters (W&B's
    ``project``) go where its manifest says; the rest (``temperature``, ``tools``, ...) go in
    the body. With ``stream=True``, returns a Stream of OpenAI-shaped chunks, which asks for
    the usage where the provider accepts ``stream_options.include_usage`` and holds
    ``.usage`` and ``.cost`` once read to its end.

    >>> reply = completion("wandb/Llama-3.1-8B-Instruct", [{"role": "user", "content": "Hi"}],
    ...                    project="my-team/my-project")  # doctest: +SKIP
    >>> reply["choices"][0]["message"]["content"], reply.cost  # doctest: +SKIP
    ('Hello!', Decimal('0.0000044'))

    ``route=``, ``require=`` and ``max_price=`` pick the provider as resolve() does.
    ``fallbacks=True`` tries the routed offers in order (without ``route=``: the detected one,
    then the others by price), ``fallbacks=[models]`` the models named after ``model``; the
    call moves on after 429, 5xx or a connection never opened, within one ``deadline=`` (by
    default ``timeout``). ``reply.attempts`` lists what was tried. See the README's
    "Routing and fallbacks".
    """
    if (
        fallbacks is not None
        or route is not None
        or require is not None
        or max_price is not None
        or deadline is not None
    ):
        from . import _fallbacks

        chain = _fallbacks.plan(
            model, kwargs, provider=provider, api_base=api_base, api_key=api_key,
            registry=registry, trust_api_base=trust_api_base, route=route, require=require,
            max_price=max_price, fallbacks=fallbacks,
        )  # fmt: skip
        return _fallbacks.call(
            chain, messages, stream=stream, drop_params=drop_params, client=client,
            timeout=timeout, retry=retry, deadline=deadline,
        )  # fmt: skip
    res, request = _prepare(
        model, messages, kwargs, stream=stream, drop_params=drop_params, provider=provider,
        api_base=api_base, api_key=api_key, registry=registry, trust_api_base=trust_api_base,
    )  # fmt: skip
    policy = retry or Retry()
    sent = _sent_at(res)
    if client is None:
        client = _shared.client()
        request = _for_shared(request, timeout)
    if stream:
        return Stream(_stream(client, request, res, policy), res, sent)
    return _reply(res, _send(client, request, res, policy, stream=False), sent)


@overload
async def acompletion(
    model: str,
    messages: Sequence[Mapping[str, Any]],
    *,
    stream: Literal[False] = False,
    **kwargs: Any,
) -> Reply: ...
@overload
async def acompletion(
    model: str, messages: Sequence[Mapping[str, Any]], *, stream: Literal[True], **kwargs: Any
) -> AsyncStream: ...
async def acompletion(
    model: str,
    messages: Sequence[Mapping[str, Any]],
    *,
    stream: bool = False,
    api_base: str | None = None,
    api_key: str | Mapping[str, str] | None = None,
    provider: str | None = None,
    registry: Registry | None = None,
    trust_api_base: bool = False,
    drop_params: bool = True,
    client: httpx.AsyncClient | None = None,
    timeout: float | httpx.Timeout = 60.0,
    retry: Retry | None = None,
    route: str | Sequence[str] | None = None,
    require: Iterable[str] | None = None,
    max_price: Decimal | float | str | None = None,
    fallbacks: bool | Sequence[str] | None = None,
    deadline: float | None = None,
    **kwargs: Any,
) -> Reply | AsyncStream:
    """The async twin of completion(); with ``stream=True`` an AsyncStream of chunks."""
    if (
        fallbacks is not None
        or route is not None
        or require is not None
        or max_price is not None
        or deadline is not None
    ):
        from . import _fallbacks

        chain = _fallbacks.plan(
            model, kwargs, provider=provider, api_base=api_base, api_key=api_key,
            registry=registry, trust_api_base=trust_api_base, route=route, require=require,
            max_price=max_price, fallbacks=fallbacks,
        )  # fmt: skip
        return await _fallbacks.acall(
            chain, messages, stream=stream, drop_params=drop_params, client=client,
            timeout=timeout, retry=retry, deadline=deadline,
        )  # fmt: skip
    res, request = _prepare(
        model, messages, kwargs, stream=stream, drop_params=drop_params, provider=provider,
        api_base=api_base, api_key=api_key, registry=registry, trust_api_base=trust_api_base,
    )  # fmt: skip
    policy = retry or Retry()
    sent = _sent_at(res)
    if client is None:
        request = _for_shared(request, timeout)
    if stream:
        return AsyncStream(_astream(client, request, res, policy), res, sent)
    if client is None:
        client = await _shared.async_client()
    return _reply(res, await _asend(client, request, res, policy, stream=False), sent)
