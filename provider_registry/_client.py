"""A thin client on httpx: resolve, shape, send, map errors, retry, price the reply.

The request is built (and anything wrong refused) before the first byte is sent; a stream is a
generator whose request goes out on first iteration. 429 and 5xx answers, and connections that
could not be opened (nothing was sent), are retried with exponential backoff that honours
Retry-After; a timeout after the request left is not retried, since it may have been served.
"""

from __future__ import annotations

import asyncio
import dataclasses
import email.utils
import json
import logging
import time
from collections.abc import AsyncIterator, Callable, Iterator, Mapping, Sequence
from decimal import Decimal
from typing import Any, Literal, TypeVar, overload

import httpx

from ._dialects import DIALECTS, error_message
from ._errors import (
    AuthenticationError,
    BadRequestError,
    ModelNotFoundError,
    ProviderConnectionError,
    ProviderError,
    QuotaExceededError,
    RateLimitError,
    ServerError,
)
from ._pricing import cost_of_usage
from ._registry import Registry
from ._request import build_request
from ._resolver import Resolution, resolve_split
from ._secrets import redact_headers, redact_url, scrub

__all__ = ["Reply", "Retry", "acompletion", "completion"]

log = logging.getLogger("provider_registry")

_E = TypeVar("_E", bound=ProviderError)

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


class Reply(dict[str, Any]):
    """The provider's reply in the OpenAI chat-completion shape, with its price attached.

    ``reply["choices"][0]["message"]["content"]`` works as with the OpenAI SDK's JSON;
    ``reply.cost`` is Decimal USD, or None when the model has no price or no usage came back.
    """

    cost: Decimal | None
    resolution: Resolution

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
    api_key: str | None,
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
        scrub(message, res.api_key),
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


def _connection_error(res: Resolution, exc: httpx.HTTPError) -> ProviderConnectionError:
    what = "timed out" if isinstance(exc, httpx.TimeoutException) else "could not connect"
    return _provider_error(
        res, f"{what}: {str(exc) or type(exc).__name__}", ProviderConnectionError
    )


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
) -> float:
    """Seconds to wait before the next attempt, or raise the typed error for this failure."""
    if isinstance(failure, httpx.TransportError):
        # Only a refused connection is safe to repeat: nothing was sent.
        if isinstance(failure, httpx.ConnectError) and attempt < retry.attempts:
            return retry.delay(attempt, None)
        raise _connection_error(res, failure) from None
    response, text = failure
    if _should_retry(response.status_code) and attempt < retry.attempts:
        return retry.delay(attempt, _retry_after(response))
    raise _error(res, response, text)


def _apply_timeout(client: httpx.Client | httpx.AsyncClient, request: httpx.Request) -> None:
    """The client's timeout on a request built apart from it. httpx 0.28 does this in send();
    0.27 sends such a request with no timeout at all."""
    if "timeout" not in request.extensions:
        request.extensions = {**request.extensions, "timeout": client.timeout.as_dict()}


def _send(
    client: httpx.Client, request: httpx.Request, res: Resolution, retry: Retry, stream: bool
) -> httpx.Response:
    _apply_timeout(client, request)
    attempt = 0
    while True:
        _log_request(request, res, attempt)
        try:
            response = client.send(request, stream=stream)
        except httpx.TransportError as exc:
            wait = _retry_wait(res, retry, attempt, exc)
        else:
            if response.status_code < 400:
                return response
            text = response.read().decode("utf-8", "replace")
            response.close()
            wait = _retry_wait(res, retry, attempt, (response, text))
        time.sleep(wait)
        attempt += 1


async def _asend(
    client: httpx.AsyncClient,
    request: httpx.Request,
    res: Resolution,
    retry: Retry,
    stream: bool,
) -> httpx.Response:
    _apply_timeout(client, request)
    attempt = 0
    while True:
        _log_request(request, res, attempt)
        try:
            response = await client.send(request, stream=stream)
        except httpx.TransportError as exc:
            wait = _retry_wait(res, retry, attempt, exc)
        else:
            if response.status_code < 400:
                return response
            text = (await response.aread()).decode("utf-8", "replace")
            await response.aclose()
            wait = _retry_wait(res, retry, attempt, (response, text))
        await asyncio.sleep(wait)
        attempt += 1


def _reply(res: Resolution, response: httpx.Response) -> Reply:
    try:
        data = response.json()
    except ValueError:
        raise ProviderError(
            res.provider_id, "the reply is not JSON", status_code=response.status_code
        ) from None
    reply = Reply(DIALECTS[res.provider.api.dialect].reply(data))
    reply.resolution = res
    reply.cost = cost_of_usage(res.prices, reply.get("usage"), res.provider_id)
    return reply


class _SSE:
    """Incremental server-sent-event parser: feed lines, get (event, data) when one ends."""

    def __init__(self) -> None:
        self.event = ""
        self.data: list[str] = []

    def line(self, line: str) -> tuple[str, str] | None:
        if not line:
            done = (self.event or "message", "\n".join(self.data)) if self.data else None
            self.event, self.data = "", []
            return done
        if not line.startswith(":"):
            field, _, value = line.partition(":")
            value = value[1:] if value.startswith(" ") else value
            if field == "event":
                self.event = value
            elif field == "data":
                self.data.append(value)
        return None


def _translator(res: Resolution) -> Callable[[tuple[str, str]], list[dict[str, Any]] | None]:
    """Turns one SSE event into OpenAI-shaped chunks; None at the end of the stream."""
    translate = DIALECTS[res.provider.api.dialect].chunks(
        res.provider_id, lambda payload: _provider_error(res, payload)
    )

    def handle(item: tuple[str, str]) -> list[dict[str, Any]] | None:
        event, data = item
        if data == "[DONE]":
            return None
        try:
            parsed = json.loads(data)
        except ValueError:
            raise ProviderError(res.provider_id, "a stream event is not JSON") from None
        return translate(event, parsed)

    return handle


def _stream(
    client: httpx.Client, owned: bool, request: httpx.Request, res: Resolution, retry: Retry
) -> Iterator[dict[str, Any]]:
    parser, handle = _SSE(), _translator(res)
    try:
        response = _send(client, request, res, retry, stream=True)
        try:
            for line in response.iter_lines():
                item = parser.line(line)
                chunks = handle(item) if item else []
                if chunks is None:
                    return
                yield from chunks
        except httpx.TransportError as exc:
            raise _connection_error(res, exc) from None
        finally:
            response.close()
    finally:
        if owned:
            client.close()


async def _astream(
    client: httpx.AsyncClient, owned: bool, request: httpx.Request, res: Resolution, retry: Retry
) -> AsyncIterator[dict[str, Any]]:
    parser, handle = _SSE(), _translator(res)
    try:
        response = await _asend(client, request, res, retry, stream=True)
        try:
            async for line in response.aiter_lines():
                item = parser.line(line)
                chunks = handle(item) if item else []
                if chunks is None:
                    return
                for chunk in chunks:
                    yield chunk
        except httpx.TransportError as exc:
            raise _connection_error(res, exc) from None
        finally:
            await response.aclose()
    finally:
        if owned:
            await client.aclose()


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
) -> Iterator[dict[str, Any]]: ...
def completion(
    model: str,
    messages: Sequence[Mapping[str, Any]],
    *,
    stream: bool = False,
    api_base: str | None = None,
    api_key: str | None = None,
    provider: str | None = None,
    registry: Registry | None = None,
    trust_api_base: bool = False,
    drop_params: bool = True,
    client: httpx.Client | None = None,
    timeout: float | httpx.Timeout = 60.0,
    retry: Retry | None = None,
    **kwargs: Any,
) -> Reply | Iterator[dict[str, Any]]:
    """Call a chat model. Keyword arguments that are the provider's parameters (W&B's
    ``project``) go where its manifest says; the rest (``temperature``, ``tools``, ...) go in
    the body. With ``stream=True``, returns an iterator of OpenAI-shaped chunks.

    >>> reply = completion("wandb/Llama-3.1-8B-Instruct", [{"role": "user", "content": "Hi"}],
    ...                    project="my-team/my-project")  # doctest: +SKIP
    >>> reply["choices"][0]["message"]["content"], reply.cost  # doctest: +SKIP
    ('Hello!', Decimal('0.0000044'))
    """
    res, request = _prepare(
        model, messages, kwargs, stream=stream, drop_params=drop_params, provider=provider,
        api_base=api_base, api_key=api_key, registry=registry, trust_api_base=trust_api_base,
    )  # fmt: skip
    policy = retry or Retry()
    owned = client is None
    http = client if client is not None else httpx.Client(timeout=timeout)
    if stream:
        return _stream(http, owned, request, res, policy)
    try:
        response = _send(http, request, res, policy, stream=False)
        return _reply(res, response)
    finally:
        if owned:
            http.close()


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
) -> AsyncIterator[dict[str, Any]]: ...
async def acompletion(
    model: str,
    messages: Sequence[Mapping[str, Any]],
    *,
    stream: bool = False,
    api_base: str | None = None,
    api_key: str | None = None,
    provider: str | None = None,
    registry: Registry | None = None,
    trust_api_base: bool = False,
    drop_params: bool = True,
    client: httpx.AsyncClient | None = None,
    timeout: float | httpx.Timeout = 60.0,
    retry: Retry | None = None,
    **kwargs: Any,
) -> Reply | AsyncIterator[dict[str, Any]]:
    """The async twin of completion(); with ``stream=True`` an async iterator of chunks."""
    res, request = _prepare(
        model, messages, kwargs, stream=stream, drop_params=drop_params, provider=provider,
        api_base=api_base, api_key=api_key, registry=registry, trust_api_base=trust_api_base,
    )  # fmt: skip
    policy = retry or Retry()
    owned = client is None
    http = client if client is not None else httpx.AsyncClient(timeout=timeout)
    if stream:
        return _astream(http, owned, request, res, policy)
    try:
        response = await _asend(http, request, res, policy, stream=False)
        return _reply(res, response)
    finally:
        if owned:
            await http.aclose()
