"""A Resolution and an OpenAI-shaped body to an ``httpx.Request``: pure, no I/O.

Order: credentials and required parameters are checked; the manifest's request rules apply
(renames, defaults, unsupported fields); the model's limits are checked; the dialect shapes the
body; provider parameters are placed where the manifest says; auth and static headers are set.
Everything that can be refused is refused here, before any byte goes on the network.
"""

from __future__ import annotations

import functools
import os
import warnings
from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import httpx

from ._errors import (
    DroppedParameterWarning,
    InvalidCredentialsError,
    InvalidRequestError,
    MissingCredentialsError,
    MissingParameterError,
    ProviderError,
)
from ._resolver import KEY_WITHHELD
from ._secrets import key_flaw, scrub
from ._urls import Origin, origin
from .dialects import DIALECTS, asks_stream_usage

if TYPE_CHECKING:
    from ._resolver import Resolution

__all__ = [
    "build_models_request",
    "build_request",
    "check_ready",
    "openai_client_kwargs",
    "origin_of",
]

_TOKEN_LIMIT_FIELDS = ("max_tokens", "max_completion_tokens")


def check_ready(res: Resolution) -> None:
    """Raise if the call cannot be made: a retired model, no key where one is needed, a required
    param unset."""
    if res._retired is not None:
        raise res._retired
    _check_key(res)
    p = res.provider
    for name, spec in p.params.items():
        if spec.required and name not in res.params:
            raise MissingParameterError(p.id, name, spec.env)


def _check_key(res: Resolution) -> None:
    """Raise if the key is needed and missing, or is there and cannot be sent: a key holding
    CR, LF, NUL or a non-ASCII character is refused here, before httpx or h11 could quote it
    in an exception or a log line."""
    p = res.provider
    signing = res._signing
    if signing is not None:
        for part, var in ((signing.key_id, "key_id_env"), (signing.secret, "secret_env"),
                          (signing.token, "token_env")):  # fmt: skip
            flaw = key_flaw(part) if part else None
            if flaw is not None and p.auth.signing is not None:
                source = getattr(p.auth.signing, var)
                raise InvalidCredentialsError(p.id, [source], source, *flaw)
        return
    if res.api_key is None:
        if not p.auth.required:
            return
        if res.key_source != KEY_WITHHELD and p.auth.signing is not None:
            s = p.auth.signing
            env = [*p.auth.env, s.key_id_env, s.secret_env, *([s.token_env] if s.token_env else [])]
            reason = f"set {s.key_id_env} and {s.secret_env}" + (
                f" (and {s.token_env} for temporary credentials)" if s.token_env else ""
            )
            if p.auth.env:
                reason += f", or {' or '.join(p.auth.env)}"
            raise MissingCredentialsError(p.id, env, reason)
        if res.key_source != KEY_WITHHELD:
            raise MissingCredentialsError(p.id, p.auth.env)
        url = httpx.URL(res.api_base)
        set_env = next((v for v in p.auth.env if os.environ.get(v)), None)
        where = f"{url.scheme}://{url.netloc.decode('ascii')}"  # no path, query or user info
        raise MissingCredentialsError(p.id, p.auth.env, withheld_from=where, set_env=set_env)
    flaw = key_flaw(res.api_key)
    if flaw is not None:
        raise InvalidCredentialsError(p.id, p.auth.env, res.key_source or "api_key=", *flaw)


def build_request(
    res: Resolution, body: Mapping[str, Any], *, drop_params: bool = True
) -> httpx.Request:
    """The HTTP request for ``body`` (OpenAI chat-completions shape) at the resolved provider."""
    check_ready(res)
    p = res.provider
    rules = p.request
    out = dict(body)
    for old, new in rules.rename.items():
        if old in out and new not in out:
            out[new] = out.pop(old)
    for field, value in rules.defaults.items():
        out.setdefault(field, value)
    stream = bool(out.get("stream"))
    if stream and asks_stream_usage(p):
        out["stream_options"] = _with_usage(out.get("stream_options"))
    dropped = [field for field in rules.unsupported if field in out]
    out["model"] = res.model
    _check_limits(res, out)
    dialect = DIALECTS[p.api.dialect]
    out, refused = dialect.shape({k: v for k, v in out.items() if k not in dropped}, res)
    _drop(res, [*dropped, *refused], drop_params)

    headers = {"content-type": "application/json"}
    if stream:
        headers["accept"] = dialect.stream_accept
    query, fields = _add_credentials(res, headers)
    out.update(fields)
    url = _http_url(res.api_base + dialect.path(res, stream))
    request = httpx.Request("POST", url, params=query or None, headers=headers, json=out)
    return dialect.sign(request, res)


@functools.lru_cache(maxsize=1024)  # a gateway sends to the same few URLs again and again
def _http_url(url: str) -> httpx.URL:
    """``url`` parsed by httpx once: its parse costs more than the rest of a request's
    construction, and an httpx.URL is immutable (a request built on it copies it)."""
    return httpx.URL(url)


def _with_usage(options: object) -> object:
    """The caller's ``stream_options`` with ``include_usage: true`` added, unless they said
    otherwise; anything that is not a mapping is theirs, left as it is."""
    if options is None:
        return {"include_usage": True}
    if isinstance(options, Mapping) and "include_usage" not in options:
        return {**options, "include_usage": True}
    return options


def build_models_request(res: Resolution, page: Mapping[str, str] | None = None) -> httpx.Request:
    """The GET for the provider's list of models (its dialect's list endpoint), carrying the key
    and the provider's headers and query parameters as every request does; pure, nothing is
    sent. ``page`` is the dialect's query for the page wanted. Parameters sent in the
    body have no place in a GET and are left out; a required one is not demanded."""
    _check_key(res)
    if "${" in res.api_base:  # a parameter placed in the base URL is missing
        p = res.provider
        name = next(n for n, spec in p.params.items() if spec.send_as.placeholder)
        raise MissingParameterError(p.id, name, p.params[name].env)
    headers = {"accept": "application/json"}
    query, _ = _add_credentials(res, headers)
    query.update(page or {})
    path = DIALECTS[res.provider.api.dialect].models_path
    if path is None:
        text = f"the {res.dialect} dialect's API lists no models at its base URL"
        raise InvalidRequestError(res.provider_id, res.model, text, hint="compare by hand")
    url = res.api_base + path
    return httpx.Request("GET", url, params=query or None, headers=headers)


def _add_credentials(
    res: Resolution, headers: dict[str, str]
) -> tuple[dict[str, str], dict[str, str]]:
    """Add the key and the provider's headers to ``headers``; return the (query, body fields)
    its parameters take. The one place a request gets its key."""
    p = res.provider
    if res.api_key is not None:
        headers[p.auth.header] = p.auth.header_value(res.api_key)
    param_headers, query, fields = _placed_params(res)
    headers.update(param_headers)
    return query, fields


def openai_client_kwargs(res: Resolution, *, asynchronous: bool = False) -> dict[str, Any]:
    """Keyword arguments for ``openai.OpenAI(**kw)``: base URL, key, preset headers and query.

    The SDK follows redirects, and httpx drops only ``Authorization`` on a change of origin. So
    when the key travels in another header (Azure's ``api-key``), ``kw`` also holds an
    ``http_client`` that sends only to the base URL's origin: a redirect elsewhere raises
    ProviderError instead of carrying the key along. It is an ``httpx.Client``, or an
    ``httpx.AsyncClient`` for ``openai.AsyncOpenAI`` when ``asynchronous=True``.
    """
    p = res.provider
    if p.api.dialect != "openai":
        text = f"the {p.api.dialect} dialect is not OpenAI-compatible"
        raise InvalidRequestError(res.provider_id, res.model, text)
    check_ready(res)
    headers, query, fields = _placed_params(res)
    if fields:
        name = next(iter(fields))
        text = f"{name!r} is sent in the body, which a client cannot preset"
        hint = f"pass extra_body={{{name!r}: ...}} on each request"
        raise InvalidRequestError(res.provider_id, res.model, text, hint=hint)
    # The SDK always sends its key as "Authorization: Bearer"; another header needs a preset.
    bearer = p.auth.header.lower() == "authorization" and p.auth.scheme in (None, "Bearer")
    if res.api_key is not None and not bearer:
        headers[p.auth.header] = p.auth.header_value(res.api_key)
    kwargs: dict[str, Any] = {
        "base_url": res.api_base,
        "api_key": res.api_key if (bearer and res.api_key is not None) else "unused",
    }
    if headers:
        kwargs["default_headers"] = headers
    if query:
        kwargs["default_query"] = query
    if res.api_key is not None and p.auth.header.lower() != "authorization":
        kwargs["http_client"] = _one_origin_client(res, asynchronous)
    return kwargs


# The OpenAI SDK's own pool size, which a client passed to it replaces.
_SDK_LIMITS = {"max_connections": 1000, "max_keepalive_connections": 100}


def _one_origin_client(res: Resolution, asynchronous: bool) -> httpx.Client | httpx.AsyncClient:
    """An httpx client that refuses, before it is sent, any request (a redirect above all)
    to an origin other than the base URL's."""
    home = origin_of(httpx.URL(res.api_base))
    provider, key = res.provider_id, res.api_key

    def check(request: httpx.Request) -> None:
        if origin_of(request.url) != home:
            where = scrub(f"{request.url.scheme}://{request.url.netloc.decode('ascii')}", key)
            raise ProviderError(
                provider,
                f"refused a request to another origin ({where}), as a redirect asks: the key "
                "would go with it; point base_url at the URL you trust",
            )

    async def acheck(request: httpx.Request) -> None:
        check(request)

    limits = httpx.Limits(**_SDK_LIMITS)
    if asynchronous:
        hooks: dict[str, list[Any]] = {"request": [acheck]}
        return httpx.AsyncClient(follow_redirects=True, limits=limits, event_hooks=hooks)
    return httpx.Client(follow_redirects=True, limits=limits, event_hooks={"request": [check]})


def origin_of(url: httpx.URL) -> Origin:
    """The (scheme, host, port) of an httpx URL, as every same-origin check compares them."""
    return origin(url.scheme, url.host, url.port)


def _placed_params(res: Resolution) -> tuple[dict[str, str], dict[str, str], dict[str, str]]:
    """(headers, query, body fields): static headers and each parameter where its manifest says."""
    p = res.provider
    headers, query, fields = dict(p.api.headers), {}, {}
    for name, value in res.params.items():
        where = p.params[name].send_as
        if where.header:
            headers[where.header] = value
        elif where.query:
            query[where.query] = value
        elif where.body:
            fields[where.body] = value
        # A placeholder parameter was placed in the base URL when it was resolved.
    return headers, query, fields


def _check_limits(res: Resolution, body: Mapping[str, Any]) -> None:
    info = res.model_info
    if info is None:
        return
    limit = info.max_output_tokens or info.context_window
    for field in _TOKEN_LIMIT_FIELDS:
        value = body.get(field)
        if isinstance(value, int) and limit and value > limit:
            which = "output limit" if info.max_output_tokens else "context window"
            raise InvalidRequestError(
                res.provider_id,
                res.model,
                f"{field}={value:,} is above the model's {which} of {limit:,}",
                hint=f"pass {field} <= {limit}",
            )
    # An empty `supports` means "not recorded", which must not block anything.
    if body.get("tools") and info.supports and "tools" not in info.supports:
        raise InvalidRequestError(
            res.provider_id, res.model, "the model does not support tools (function calling)"
        )


def _drop(res: Resolution, fields: list[str], drop_params: bool) -> None:
    if not fields:
        return
    names = ", ".join(sorted(set(fields)))
    if not drop_params:
        raise InvalidRequestError(
            res.provider_id,
            res.model,
            f"the provider does not take: {names}",
            hint="remove them, or pass drop_params=True to drop them with a warning",
        )
    warnings.warn(
        f"{res.provider_id}/{res.model}: dropped parameters the provider does not take: {names}",
        DroppedParameterWarning,
        stacklevel=4,
    )
