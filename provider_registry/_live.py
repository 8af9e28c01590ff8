"""``registry check-live``: what a provider serves, asked of the provider, against its manifest.

The provider's model list is read from its dialect's list endpoint (``GET {base}/models``, the
pages followed where the dialect pages it) with the request every call uses: the key resolved and
trusted by the resolver's rules and set by the request builder, the provider's own headers. The
reply is held to the limits a stranger's answer deserves: no redirect is followed (the key would
go with it), a timeout, a cap on the bytes read and on the pages followed. Whatever goes wrong
is a ProviderError (AuthenticationError, ServerError, ProviderConnectionError, ...) whose text
holds no more of the key than its last 4 characters.

What counts as drift, names compared as the resolver matches them (model ids and aliases):
- new: a name served that the manifest does not list;
- gone: a model the manifest says is served (experimental, ga or deprecated, and not past its
  retired_on date) that is served under none of its names;
- retired but served: a model retired by status or date that is still served.
An ``unverified`` model is neither: the manifest already doubts that it is served.
"""

from __future__ import annotations

import dataclasses
import json
from typing import TYPE_CHECKING, Any

import httpx

from ._client import _apply_timeout, _connection_error, _error, read_capped
from ._errors import AuthenticationError, ProviderError
from ._request import build_models_request
from ._resolver import _lifecycle, resolve_provider
from ._secrets import redact_url, scrub, scrub_all
from .dialects import DIALECTS

if TYPE_CHECKING:
    from ._registry import Registry
    from ._resolver import Resolution

__all__ = ["MAX_PAGES", "MAX_REPLY_BYTES", "LiveReport", "check_live", "compare_served"]

REPORT_VERSION = 1
MAX_REPLY_BYTES = 8 * 2**20
"""The most bytes read of one page of the model list (50,000 models take about 4 MiB)."""
MAX_PAGES = 100
"""The most pages of the model list followed."""
_ERROR_BYTES = 64 * 2**10  # of an error answer, enough for the provider's message
_SERVED = ("experimental", "ga", "deprecated")  # statuses that say the model is served


@dataclasses.dataclass(frozen=True)
class LiveReport:
    """What a provider serves compared with its manifest. Each list is sorted."""

    provider: str
    url: str
    """The model list's URL (first page, without its query)."""
    served: int
    """Model names the provider serves."""
    listed: int
    """Models in the manifest."""
    new: list[str]
    """Names served that the manifest does not list."""
    gone: list[str]
    """Manifest models said to be served (experimental, ga, deprecated) that are not."""
    retired_but_served: list[str]
    """Manifest models retired (by status or date) that are still served."""
    status: dict[str, str]
    """The manifest's lifecycle for each model in ``gone`` and ``retired_but_served``, as text
    ("ga", "retired on 2025-01-05", ...)."""
    pages: int = 1

    @property
    def drift(self) -> bool:
        return bool(self.new or self.gone or self.retired_but_served)

    def to_dict(self) -> dict[str, Any]:
        """The ``--json`` document; its keys are stable (version 1)."""
        return {
            "version": REPORT_VERSION,
            "provider": self.provider,
            "url": self.url,
            "in_sync": not self.drift,
            "counts": {
                "served": self.served,
                "listed": self.listed,
                "new": len(self.new),
                "gone": len(self.gone),
                "retired_but_served": len(self.retired_but_served),
            },
            "new": self.new,
            "gone": self.gone,
            "retired_but_served": self.retired_but_served,
            "status": self.status,
        }


def check_live(
    registry: Registry | None,
    provider: str,
    *,
    api_key: str | None = None,
    api_base: str | None = None,
    trust_api_base: bool = False,
    client: httpx.Client | None = None,
    timeout: float | httpx.Timeout = 30.0,
    max_bytes: int = MAX_REPLY_BYTES,
    max_pages: int = MAX_PAGES,
    **params: str,
) -> LiveReport:
    """Ask ``provider`` (an id or alias in ``registry``, None for the default one) which models
    it serves and compare with its manifest. The key and base URL are resolved as for any of
    its models (``api_key``, ``api_base``, ``trust_api_base`` and ``params`` as in resolve()).
    A ``client`` given is used as it is, except that redirects are never followed.

    Raises MissingCredentialsError before sending anything when no key is at hand, and a
    ProviderError when the list cannot be had: refused key (AuthenticationError), provider
    failure (ServerError), no answer (ProviderConnectionError), a redirect, or a reply that is
    not a model list or is over ``max_bytes`` or ``max_pages``.

    >>> report = check_live(None, "acme")  # doctest: +SKIP
    >>> report.drift, report.new, report.gone  # doctest: +SKIP
    (True, ['acme-2'], [])
    """
    res = resolve_provider(
        provider, api_base=api_base, api_key=api_key, registry=registry,
        trust_api_base=trust_api_base, params=params,
    )  # fmt: skip
    owned = client is None
    http = client if client is not None else httpx.Client(timeout=timeout)
    try:
        served, pages = _served(res, http, max_bytes, max_pages)
    finally:
        if owned:
            http.close()
    return compare_served(res, served, pages=pages)


def compare_served(res: Resolution, served: list[str], *, pages: int = 1) -> LiveReport:
    """The report for the names ``served`` at the provider ``res`` resolved (pure)."""
    entry = res._entry
    manifest = res.provider
    names = set(served)
    seen = {entry.model(name) for name in names} - {None}
    new = sorted(name for name in names if entry.model(name) is None)
    gone, retired, status = [], [], {}
    for model_id, info in manifest.models.items():
        ended = model_id in entry.lifecycle and _lifecycle(entry, model_id)[1] is not None
        if ended and model_id in seen:
            retired.append(model_id)
            status[model_id] = "retired" + (f" on {info.retired_on}" if info.retired_on else "")
        elif not ended and info.status in _SERVED and model_id not in seen:
            gone.append(model_id)
            status[model_id] = info.status
    return LiveReport(
        provider=res.provider_id,
        url=_url(res),
        served=len(names),
        listed=len(manifest.models),
        new=new,
        gone=sorted(gone),
        retired_but_served=sorted(retired),
        status=status,
        pages=pages,
    )


def _url(res: Resolution) -> str:
    """The model list's URL, as reports and errors show it (any credential in it masked)."""
    return redact_url(res.api_base + (DIALECTS[res.dialect].models_path or ""))


def _served(
    res: Resolution, http: httpx.Client, max_bytes: int, max_pages: int
) -> tuple[list[str], int]:
    """Every page of the model list, followed to its end; (the names, the pages read)."""
    dialect = DIALECTS[res.dialect]
    names: list[str] = []
    cursors: set[str] = set()
    cursor: str | None = None
    for page in range(1, max_pages + 1):
        data = _get_json(
            res, http, build_models_request(res, dialect.models_query(cursor)), max_bytes
        )
        try:
            ids, cursor = dialect.model_page(data)
        except ValueError as exc:
            problem = str(exc)
        else:
            names += ids
            if cursor is None:
                return _scrubbed(names, res.api_key), page
            if cursor not in cursors:
                cursors.add(cursor)
                continue
            problem = f"page {page} points back to an earlier page ({cursor!r})"
        raise _failure(res, f"the reply from {_url(res)} is not a model list: {problem}", 200)
    raise _failure(res, f"the model list at {_url(res)} has more than {max_pages} pages")


def _get_json(res: Resolution, http: httpx.Client, request: httpx.Request, max_bytes: int) -> Any:
    """One GET, redirects refused, the body capped and parsed. Every error is built apart from
    the httpx exception and raised after its handler, so no exception chain holds the request
    (and with it the key)."""
    _apply_timeout(http, request)
    failure: ProviderError | None = None
    try:
        response = http.send(request, stream=True, follow_redirects=False)
    except httpx.TransportError as exc:
        failure = _connection_error(res, exc)
    if failure is not None:
        raise failure
    try:
        status = response.status_code
        if 300 <= status < 400:
            raise _redirect(res, response)
        limit = max_bytes if status < 400 else _ERROR_BYTES
        body = _read(res, response, limit)
    finally:
        response.close()
    if body is None:
        if status < 400:
            raise _failure(res, f"the reply from {_url(res)} is over {_size(max_bytes)}", status)
        body = b""  # an error page that big holds no message worth showing
    if status >= 400:
        raise _status_error(res, response, body.decode("utf-8", "replace"))
    try:
        return json.loads(body)
    except (ValueError, RecursionError):
        pass
    raise _failure(res, f"the reply from {_url(res)} is not JSON", status)


def _read(res: Resolution, response: httpx.Response, limit: int) -> bytes | None:
    """The body, or None when it is over ``limit`` bytes (reading stops there)."""
    failure: ProviderError
    try:
        return read_capped(response, limit)
    except httpx.TransportError as exc:
        failure = _connection_error(res, exc)
    except httpx.HTTPError as exc:  # a body that does not decode (a broken gzip stream)
        failure = _failure(res, f"the reply could not be read: {type(exc).__name__}")
    raise failure  # outside the handler: no chain holds the request, and with it the key


def _redirect(res: Resolution, response: httpx.Response) -> ProviderError:
    location = response.headers.get("location", "")
    try:
        target = httpx.URL(location)
        where = f" to {target.scheme}://{target.netloc.decode('ascii')}" if target.host else ""
    except (httpx.InvalidURL, UnicodeDecodeError):
        where = ""
    text = (
        f"{_url(res)} redirects{where}; redirects are not followed, so the key goes nowhere "
        "else (set the base URL to where the provider now answers)"
    )
    return _failure(res, text, response.status_code)


def _status_error(res: Resolution, response: httpx.Response, text: str) -> ProviderError:
    error = _error(res, response, text)
    if not isinstance(error, AuthenticationError):
        return type(error)(
            res.provider_id,
            f"listing models at {_url(res)}: {error.message}",
            status_code=error.status_code,
            retry_after=error.retry_after,
        )
    env = res.provider.auth.env
    if res.key_source == "api_key=":
        whose = "the key passed as api_key= was refused"
    elif res.api_key is not None:
        whose = f"the key from {res.key_source} was refused"
    else:
        whose = "the request without a key was refused"
    fix = f"; set {' or '.join(env)} to a key the provider accepts" if env else ""
    message = f"{whose} at {_url(res)} ({error.message}){fix}"
    return AuthenticationError(
        res.provider_id, scrub_all(message, res._secrets()), status_code=error.status_code
    )


def _failure(res: Resolution, text: str, status: int | None = None) -> ProviderError:
    return ProviderError(res.provider_id, scrub_all(text, res._secrets()), status_code=status)


def _scrubbed(names: list[str], key: str | None) -> list[str]:
    """The names, with any run of the key a server echoed in one masked (checked on the whole
    list at once first: the names are many and the echo is rare)."""
    if key is None or scrub(joined := "\n".join(names), key) == joined:
        return names
    return [scrub(name, key) for name in names]


def _size(n: int) -> str:
    return f"{n / 2**20:g} MiB" if n >= 2**20 else f"{n:,} bytes"
