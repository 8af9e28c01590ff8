"""Every error the library raises, in one tree.

    RegistryError
    ├── ManifestError (also ValueError)      a manifest is unreadable or invalid; carries .problems
    ├── LookupFailedError (also LookupError)
    │   ├── UnknownProviderError             "nonexistent/x": no such provider id or alias
    │   ├── UnknownModelError                no rule finds the model; carries .suggestions
    │   ├── AmbiguousModelError              several providers list it; carries .candidates
    │   └── NoRouteError                     resolve(route=...) found no offer it can use;
    │                                        carries .passed, each offer with the reason
    ├── RetiredModelError                    the model is retired; names .replacement
    ├── MissingCredentialsError              no API key; names the env vars tried
    │   └── InvalidCredentialsError (also ValueError)
    │                                        the key holds what no HTTP header can carry (CR,
    │                                        LF, NUL, non-ASCII); names where it came from
    ├── MissingParameterError                a required provider parameter has no value
    ├── InvalidParameterError (also ValueError)
    │                                        unknown parameter, or a value the manifest refuses
    ├── InvalidBaseURLError (also ValueError)
    │                                        api_base, the base-URL variable or a ${VAR} in the
    │                                        base URL holds what cannot be sent to; names which
    ├── InvalidRouteError (also ValueError)  route=, require=, max_price=, fallbacks= or a key
    │                                        mapping that cannot be used; names the argument
    ├── CommandError                         a `registry` command refused its input (an existing
    │                                        file, a page without markers, a bad id)
    ├── InvalidRequestError (also ValueError)
    │                                        a request the model or dialect cannot take, refused
    │                                        before any network I/O (max_tokens over the limit, ...)
    └── ProviderError                        the provider answered with an error, or not at all;
        │                                    carries .status_code and the provider's message
        ├── AuthenticationError              401, 403
        ├── QuotaExceededError               402
        ├── ModelNotFoundError               404
        ├── RateLimitError                   429; carries .retry_after (seconds or None)
        ├── ServerError                      5xx
        ├── BadRequestError                  any other 4xx
        ├── MalformedReplyError              a 2xx answer not of the dialect's shape (not JSON,
        │                                    a field missing or of the wrong type), named
        └── ProviderConnectionError          refused, reset, timed out; status_code is None;
                                             .before_send says nothing of the request left

Warnings (UserWarning): DeprecatedModelWarning when a deprecated model resolves,
DroppedParameterWarning when a request parameter the provider does not take is dropped,
ManifestWarning when lenient loading leaves a bad manifest out or a directory on
PROVIDER_REGISTRY_PATH is missing, and its subclass ProviderOverrideWarning when a manifest
replaces a built-in provider.

Every error carries structured fields (provider, model, hint, ...) and renders them in one line a
person can act on. No error text ever holds more of an API key than its last 4 characters.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import NamedTuple

__all__ = [
    "AmbiguousModelError",
    "AuthenticationError",
    "BadRequestError",
    "CommandError",
    "DeprecatedModelWarning",
    "DroppedParameterWarning",
    "InvalidBaseURLError",
    "InvalidCredentialsError",
    "InvalidParameterError",
    "InvalidRequestError",
    "InvalidRouteError",
    "LookupFailedError",
    "MalformedReplyError",
    "ManifestError",
    "ManifestWarning",
    "MissingCredentialsError",
    "MissingExtraError",
    "MissingParameterError",
    "ModelNotFoundError",
    "NoRouteError",
    "Problem",
    "ProviderConnectionError",
    "ProviderError",
    "ProviderOverrideWarning",
    "QuotaExceededError",
    "RateLimitError",
    "RegistryError",
    "RetiredModelError",
    "ServerError",
    "SourceError",
    "UnknownModelError",
    "UnknownProviderError",
]


class Problem(NamedTuple):
    """One finding about a manifest, located as precisely as the source allows.

    Renders as ``providers/acme.yaml:12:5: models.foo.price.input: -1 is less than 0``.
    """

    file: str | None
    line: int | None
    column: int | None
    path: str
    message: str
    hint: str | None = None
    severity: str = "error"  # "error" | "warning" | "notice"

    def location(self) -> str:
        parts = [self.file or "<manifest>"]
        if self.line is not None:
            parts.append(str(self.line))
            if self.column is not None:
                parts.append(str(self.column))
        return ":".join(parts)

    def __str__(self) -> str:
        return _printable(self._text())

    def _text(self) -> str:
        text = f"{self.location()}: "
        if self.severity != "error":
            text += f"{self.severity}: "
        if self.path:
            text += f"{self.path}: "
        text += self.message
        if self.hint:
            text += f" ({self.hint})"
        return text


class RegistryError(Exception):
    """Base of every error this library raises on purpose."""

    hint: str | None = None

    def __init__(self, message: str, *, hint: str | None = None) -> None:
        self.hint = hint
        super().__init__(message if hint is None else f"{message} ({hint})")


class ManifestError(RegistryError, ValueError):
    """One or more manifests are unreadable or invalid. ``problems`` lists every finding."""

    def __init__(self, problems: Sequence[Problem]) -> None:
        self.problems: tuple[Problem, ...] = tuple(problems)
        super().__init__("\n".join(str(p) for p in self.problems) or "invalid manifest")


class LookupFailedError(RegistryError, LookupError):
    """A model string could not be turned into a provider and model."""


class UnknownProviderError(LookupFailedError):
    def __init__(self, provider: str, suggestions: Sequence[str] = ()) -> None:
        self.provider = provider
        self.suggestions = tuple(suggestions)
        hint = f"did you mean {_or_list(self.suggestions)}?" if self.suggestions else None
        super().__init__(f"unknown provider {provider!r}", hint=hint)


class UnknownModelError(LookupFailedError):
    def __init__(
        self,
        model: str,
        suggestions: Sequence[str] = (),
        *,
        provider: str | None = None,
        reason: str | None = None,
    ) -> None:
        self.model = model
        self.provider = provider
        self.suggestions = tuple(suggestions)
        where = f" for provider {provider!r}" if provider else ""
        text = f"unknown model {model!r}{where}"
        if reason:
            text += f": {reason}"
        hint = f"did you mean {_or_list(self.suggestions)}?" if self.suggestions else None
        super().__init__(text, hint=hint)


class AmbiguousModelError(LookupFailedError):
    def __init__(self, model: str, candidates: Sequence[str]) -> None:
        self.model = model
        self.candidates = tuple(candidates)
        super().__init__(
            f"model {model!r} is served by several providers: {', '.join(self.candidates)}",
            hint="add a provider prefix such as "
            f"{self.candidates[0]!r}, or pass provider= or api_base=",
        )


class NoRouteError(LookupFailedError):
    """A routed resolve (``route=``) found offers of the model but none it can use. ``passed``
    holds each offer's ``provider/model`` with the reason it was passed over (no key, retired,
    a capability missing, over ``max_price``, a parameter unset); never a key."""

    def __init__(self, model: str, passed: Sequence[tuple[str, str]]) -> None:
        self.model = model
        self.passed = tuple(passed)
        reasons = "; ".join(f"{ref}: {why}" for ref, why in self.passed) or "no offer"
        super().__init__(
            f"no usable offer of {model!r}: {reasons}",
            hint="set a provider's key, or loosen route=, require= or max_price=",
        )


class InvalidRouteError(RegistryError, ValueError):
    """An argument of routing or fallbacks that cannot be used; ``argument`` names it."""

    def __init__(self, argument: str, message: str, hint: str | None = None) -> None:
        self.argument = argument
        super().__init__(f"{argument}: {message}", hint=hint)


class RetiredModelError(RegistryError):
    def __init__(
        self, provider: str, model: str, retired_on: str | None, replacement: str | None
    ) -> None:
        self.provider = provider
        self.model = model
        self.retired_on = retired_on
        self.replacement = replacement
        when = f" on {retired_on}" if retired_on else ""
        hint = f"use {provider}/{replacement} instead" if replacement else None
        super().__init__(f"{provider}/{model} was retired{when}", hint=hint)


class MissingCredentialsError(RegistryError):
    """No key to send. ``withheld_from`` is the origin of an api_base outside the provider's
    endpoints, to which a key from the environment (``set_env`` names the variable that holds
    one, if any) is not sent."""

    def __init__(
        self,
        provider: str,
        env: Sequence[str],
        reason: str | None = None,
        *,
        withheld_from: str | None = None,
        set_env: str | None = None,
    ) -> None:
        self.provider = provider
        self.env = tuple(env)
        text = f"no API key for provider {provider!r}"
        if withheld_from is not None:
            held = f"the key in {set_env} is" if set_env else "keys from the environment are"
            text += (
                f": {held} withheld from {withheld_from}, which is not one of the provider's"
                " endpoints"
            )
            hint = (
                f"pass api_key= to send a key there, or trust_api_base=True if {withheld_from}"
                f" is the provider's own, or use one of the endpoints `registry show {provider}`"
                " lists"
            )
        else:
            if reason:
                text += f": {reason}"
            hint = f"pass api_key= or set {_or_list(self.env)}" if self.env else "pass api_key="
        super().__init__(text, hint=hint)


class InvalidCredentialsError(MissingCredentialsError, ValueError):
    """The key cannot be sent: it holds a control or non-ASCII character, or spaces around it.
    Raised before any I/O; the text names where the key came from (``source``: the env var, or
    ``"api_key="``) and the fix, and shows none of the key."""

    def __init__(
        self,
        provider: str,
        env: Sequence[str],
        source: str,
        problem: str,
        fix: str,
        cause: str | None = None,
    ) -> None:
        self.source = source
        where = "the key passed as api_key=" if source == "api_key=" else source
        hint = fix.format(where=where) + (f": {cause}" if cause else "")
        RegistryError.__init__(
            self, f"the API key {_key_place(source)} for provider {provider!r} {problem}", hint=hint
        )
        self.provider = provider
        self.env = tuple(env)


def _key_place(source: str) -> str:
    return "passed as api_key=" if source == "api_key=" else f"in {source}"


class MissingParameterError(RegistryError):
    def __init__(self, provider: str, param: str, env: str | None) -> None:
        self.provider = provider
        self.param = param
        self.env = env
        how = f"pass {param}=... or set {env}" if env else f"pass {param}=..."
        super().__init__(f"provider {provider!r} requires parameter {param!r}", hint=how)


class MissingExtraError(RegistryError, ImportError):
    """A feature needs an optional dependency that is not installed (the bedrock dialect's
    signer needs botocore); the text names the extra that installs it."""

    def __init__(self, extra: str, module: str, needed_for: str) -> None:
        self.extra = extra
        self.module = module
        super().__init__(
            f"{needed_for} needs {module}, which is not installed",
            hint=f"pip install provider-registry[{extra}] (in a checkout of this repo: pip "
            f"install '.[{extra}]')",
        )


class InvalidParameterError(RegistryError, ValueError):
    def __init__(self, provider: str, param: str, message: str, hint: str | None = None) -> None:
        self.provider = provider
        self.param = param
        super().__init__(f"provider {provider!r}, parameter {param!r}: {message}", hint=hint)


class InvalidBaseURLError(RegistryError, ValueError):
    """A base URL that no request may go to, refused by resolve() before any use: an
    ``api_base=`` httpx cannot send to, a base-URL variable that breaks the rules for manifest
    URLs, or a ``${VAR}`` value that does not fit where the base URL places it. ``source`` names
    the argument or the variable; the message never shows the value whole."""

    def __init__(
        self, source: str, message: str, *, provider: str | None = None, hint: str | None = None
    ) -> None:
        self.source = source
        self.provider = provider
        where = f"provider {provider!r}: " if provider else ""
        super().__init__(f"{where}{source}: {message}", hint=hint)


class CommandError(RegistryError):
    """A `registry` command refused its input: an existing file, a page it may not overwrite."""


class SourceError(RegistryError, ValueError):
    """Another catalog (for audit or sync) could not be read, or is not of the kind named."""


class InvalidRequestError(RegistryError, ValueError):
    """A request refused before it is sent: it breaks the model's limits or the dialect's rules."""

    def __init__(self, provider: str, model: str, message: str, hint: str | None = None) -> None:
        self.provider = provider
        self.model = model
        super().__init__(f"{provider}/{model}: {message}", hint=hint)


class ProviderError(RegistryError):
    """The provider answered with an error status, or could not be reached."""

    def __init__(
        self,
        provider: str,
        message: str,
        *,
        status_code: int | None = None,
        retry_after: float | None = None,
    ) -> None:
        self.provider = provider
        self.status_code = status_code
        self.message = message
        self.retry_after = retry_after
        self.attempts: tuple[tuple[str, str, int | None], ...] = ()
        """With fallbacks: each offer tried before this error, (ref, outcome, status)."""
        status = f" {status_code}" if status_code is not None else ""
        super().__init__(f"{provider}{status}: {message}")


class AuthenticationError(ProviderError):
    """401 or 403: the key, or (for W&B) the team/project, was refused."""


class QuotaExceededError(ProviderError):
    """402: quota or spending cap exceeded."""


class ModelNotFoundError(ProviderError):
    """404: the model is unknown to the provider or retired."""


class RateLimitError(ProviderError):
    """429: too many requests; ``retry_after`` is the provider's hint in seconds, if any."""


class ServerError(ProviderError):
    """5xx: the provider failed or is overloaded."""


class BadRequestError(ProviderError):
    """Another 4xx: the provider refused the request as malformed."""


class MalformedReplyError(ProviderError):
    """A 2xx answer that is not what the dialect answers: not JSON, or a field missing or of the
    wrong type. The message names the field and what it held, by kind (text, a list, ...): a
    reply's own text is never quoted, since it may echo anything."""


class ProviderConnectionError(ProviderError):
    """The provider could not be reached: refused, reset, or timed out. ``before_send`` is True
    when nothing of the request left (the connection was refused, or opening it timed out), so
    another provider may be asked; after that the request may have been served."""

    before_send: bool = False


class ManifestWarning(UserWarning):
    """A manifest with problems was left out (lenient loading), or a directory on
    PROVIDER_REGISTRY_PATH does not exist."""


class ProviderOverrideWarning(ManifestWarning):
    """A manifest replaces a built-in provider (same id, later on the search path): it now
    decides where that provider's requests and keys go."""


class DroppedParameterWarning(UserWarning):
    """A request parameter the provider does not take was dropped (drop_params=True)."""


class DeprecatedModelWarning(UserWarning):
    """A deprecated model was resolved; it still works but will be retired."""


class ModelNameWarning(UserWarning):
    """A model name the provider's table does not list matches a listed one apart from case:
    model ids are case-sensitive, so the request will likely fail (e.g. a 404)."""


def _printable(text: str) -> str:
    # One line a person can act on, whatever the file held: control characters are escaped.
    return "".join(c if c.isprintable() or c == " " else repr(c)[1:-1] for c in text)


def _or_list(items: Sequence[str]) -> str:
    quoted = [repr(i) for i in items]
    if len(quoted) <= 1:
        return "".join(quoted)
    return ", ".join(quoted[:-1]) + " or " + quoted[-1]
