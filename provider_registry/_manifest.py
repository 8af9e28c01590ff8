"""The manifest format, schema_version 1, as pydantic models.

These models are the single source of ``schemas/provider.schema.json``: field docstrings become
the schema's descriptions, so an editor shows them on hover. Unknown keys are errors everywhere.
Rules that JSON Schema cannot state (a model's output limit within its context window, aliases
unique within a provider, ...) live in ``semantic_problems``.
"""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Field,
    JsonValue,
    StringConstraints,
    WithJsonSchema,
)
from pydantic_core import PydanticCustomError

from ._trust import manifest_problems as trust_problems
from ._urls import PLACEHOLDER, url_problem

__all__ = [
    "MAX_PRICE",
    "PATTERN_HINTS",
    "SCHEMA_VERSION",
    "Api",
    "Auth",
    "Identity",
    "Interop",
    "Model",
    "ModelPattern",
    "Param",
    "PastPrice",
    "Pinnable",
    "Price",
    "PriceTier",
    "PriceWindow",
    "Provider",
    "Rates",
    "RequestRules",
    "SendAs",
    "Source",
    "Trust",
    "semantic_problems",
]

SCHEMA_VERSION = 1
MAX_PRICE = Decimal(1000)
"""USD per 1M tokens above which a price is taken for a unit mistake (a per-1M figure written
into a per-token field inflates it 1,000,000x; no listed model costs this much)."""

SLUG = r"^[a-z0-9][a-z0-9_-]*$"
ENV_NAME = r"^[A-Z][A-Z0-9_]*$"
MODEL_ID = r"^[^\s\x00-\x1f]+$"
HEADER_NAME = r"^[A-Za-z0-9!#$%&'*+.^_`|~-]+$"  # RFC 9110 token
ENDPOINT = r"^[a-z0-9.-]+(:[0-9]+)?(/[^\s/?#]+)*/?$"
OWNER_RULE = r"^[^\s*]+(\*\*?)?$"
PARAM_NAME = r"^[a-z][a-z0-9_]*$"
# A model-id pattern: literal text first, then literal text and {slot}s, no two slots in a row.
ID_TEMPLATE = r"^[^{}\s*]+(\{[a-z][a-z0-9_]{0,31}\}[^{}\s]+)*(\{[a-z][a-z0-9_]{0,31}\})?$"

URL_PATTERN = r"^https?://\S+$"
HOUR_SPAN = r"^([01][0-9]|2[0-3]):[0-5][0-9]-(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$"
PATTERN_HINTS = {
    ENV_NAME: "environment variable names are UPPER_SNAKE_CASE",
    SLUG: "ids and aliases are lower-case letters, digits, '-' and '_'",
    MODEL_ID: "model ids hold no spaces or control characters",
    HEADER_NAME: "not a valid HTTP header name",
    ENDPOINT: "write host[:port][/path], lower-case, without a scheme",
    URL_PATTERN: "write a full https:// URL",
    PARAM_NAME: "parameter names are lower_snake_case, the keyword callers pass to resolve()",
    ID_TEMPLATE: "write literal text first, then text and {slot}s, with text between two slots",
    HOUR_SPAN: 'write "HH:MM-HH:MM" in UTC, from 00:00 up to 24:00, e.g. "10:00-24:00"',
}
"""What to tell a person whose value fails one of the patterns above."""

Slug = Annotated[str, StringConstraints(pattern=SLUG, max_length=64)]
EnvName = Annotated[str, StringConstraints(pattern=ENV_NAME, max_length=128)]
ModelId = Annotated[str, StringConstraints(pattern=MODEL_ID, max_length=256)]
HeaderName = Annotated[str, StringConstraints(pattern=HEADER_NAME, max_length=128)]
Url = Annotated[str, StringConstraints(pattern=URL_PATTERN, max_length=2048)]
Endpoint = Annotated[str, StringConstraints(pattern=ENDPOINT, max_length=512)]
OwnerRule = Annotated[str, StringConstraints(pattern=OWNER_RULE, max_length=256)]
IdTemplate = Annotated[str, StringConstraints(pattern=ID_TEMPLATE, max_length=256)]
ParamName = Annotated[str, StringConstraints(pattern=PARAM_NAME, max_length=64)]
Count = Annotated[int, Field(strict=True, gt=0, le=1_000_000_000)]


_CURRENCY = re.compile(
    r"^\s*(?:[$\u20ac\u00a3]|USD\s*)?(?P<n>[0-9][0-9,_]*(?:\.[0-9]+)?)\s*(?:USD)?\s*$"
)


def number_text_hint(value: Any) -> str:
    """How to write ``value``, which should have been a number, as one: text that is a number
    was quoted; a currency sign or thousands separator is dropped; anything else needs a number."""
    if isinstance(value, str):
        try:
            if Decimal(value.strip()).is_finite():
                return "write the number without quotes"
        except ArithmeticError:
            pass
        m = _CURRENCY.match(value)
        if m:
            bare = m["n"].replace(",", "").replace("_", "")
            return f"write {bare}, a bare number with no currency sign or separators"
    return "write a number, such as 0.50"


def _number_not_text(value: Any) -> Any:
    # YAML prices arrive as int or Decimal. Refuse text and booleans so "0.22" in quotes or
    # `true` cannot slip through as a price.
    if isinstance(value, bool) or not isinstance(value, int | float | Decimal):
        raise PydanticCustomError(
            "number_not_text", "should be a number", {"hint": number_text_hint(value)}
        )
    return value


def _boolean_not_text(value: Any) -> Any:
    # pydantic would read 'false', 'no', 0 and 1 as booleans; the schema (and so `validate`)
    # takes only true and false, and the loader must agree with it.
    if not isinstance(value, bool):
        raise PydanticCustomError(
            "boolean_not_text", "should be true or false", {"hint": "write true or false, unquoted"}
        )
    return value


def _date_not_other(value: Any) -> Any:
    # pydantic would read 0 as 1970-01-01 and '2026-01-01T00:00:00' as a date; a manifest
    # writes the day itself (a date object is fine: register() passes a Provider's own).
    if isinstance(value, datetime.date) and not isinstance(value, datetime.datetime):
        return value
    if not isinstance(value, str) or not re.fullmatch(r"[0-9]{4}-[0-9]{2}-[0-9]{2}", value):
        raise PydanticCustomError(
            "date_not_day", "should be a date", {"hint": "write the day as YYYY-MM-DD"}
        )
    return value


def _one_not_other(value: Any) -> Any:
    # pydantic would take 1.0 and true for the literal 1.
    if type(value) is not int:
        raise PydanticCustomError("version_not_int", "should be 1", {"hint": "write 1, unquoted"})
    return value


Flag = Annotated[bool, BeforeValidator(_boolean_not_text)]
Day = Annotated[datetime.date, BeforeValidator(_date_not_other)]

Usd = Annotated[
    Decimal,
    BeforeValidator(_number_not_text),
    Field(ge=0, allow_inf_nan=False),
    WithJsonSchema({"type": "number", "minimum": 0}),
]

Dialect = Literal["openai", "anthropic", "gemini", "bedrock"]
Mode = Literal[
    "chat",
    "completion",
    "responses",
    "embedding",
    "rerank",
    "moderation",
    "image_generation",
    "audio_transcription",
    "audio_speech",
]
Capability = Literal[
    "streaming",
    "system_messages",
    "tools",
    "tool_choice",
    "parallel_tool_calls",
    "json_mode",
    "json_schema",
    "vision",
    "pdf_input",
    "audio_input",
    "audio_output",
    "reasoning",
    "prompt_caching",
    "web_search",
]
Status = Literal["experimental", "ga", "deprecated", "retired", "unverified"]
Pinnable = Literal["price", "context_window", "max_output_tokens", "lifecycle"]
Reason = Annotated[str, StringConstraints(min_length=1, max_length=1000)]


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=True)


class Source(_Strict):
    """Where figures in this manifest come from, and how old the data is."""

    id: Slug
    """How models and ``pinned`` reasons name this source, e.g. "coreweave-feed"."""
    name: str | None = Field(default=None, min_length=1)
    """What the source is, for people."""
    url: Url | None = None
    """Where to read it: a page, a feed, a release."""
    file: str | None = Field(default=None, min_length=1)
    """Or the file the figures were read from, where no stable URL serves them (a catalog
    snapshot, e.g. "litellm-1.110.2-model-prices.json")."""
    as_of: Day
    """The date of the data itself, not the day it was copied (YYYY-MM-DD)."""
    checked: Day | None = None
    """The day someone or something compared these figures with the provider's own page or
    feed; left out when nobody has."""
    note: str | None = Field(default=None, min_length=1)
    """What was taken from it, and where it disagrees with other sources."""


class Interop(_Strict):
    """This provider's names in other catalogs, for importing and exporting."""

    litellm: list[str] = Field(default_factory=list)
    """Its `litellm_provider` values in LiteLLM's price table; the first is used on export."""
    litellm_unroutable: Reason | None = None
    """Why LiteLLM cannot send a request to it under those names with a key alone (a name only
    its price table uses, a route with a sign-in flow of its own): its models are then left out
    of the LiteLLM exports, with this reason."""
    models_dev: list[str] = Field(default_factory=list)
    """Its provider ids in the models.dev catalog."""
    genai_prices: list[str] = Field(default_factory=list)
    """Its provider ids in pydantic's genai-prices data."""


class Api(_Strict):
    """How requests reach the provider."""

    dialect: Dialect
    """Request shape: openai (chat completions) or anthropic (messages)."""
    base_url: str = Field(pattern=URL_PATTERN, max_length=2048)
    """Default base URL, without the dialect's path. May hold ${VAR} for per-account hosts,
    each VAR declared in base_url_vars."""
    base_url_vars: list[EnvName] = Field(default_factory=list)
    """The environment variables that ${VAR} in base_url names: settings such as a resource name,
    never a secret and never a provider's key variable."""
    base_url_env: EnvName | None = None
    """Environment variable that overrides base_url when set (a proxy, a local server)."""
    endpoints: list[Endpoint] = Field(default_factory=list)
    """host[:port][/path] entries that identify this provider from an api_base. Matched by exact
    host and whole path segments, never as a substring."""
    headers: dict[HeaderName, str] = Field(default_factory=dict)
    """Static headers sent on every request (e.g. an API version)."""


class Signing(_Strict):
    """A request-signing credential: an id, a secret and an optional session token, each from
    its environment variable, and what the signature is scoped to. The secret and the token
    are secrets exactly as a key is: never shown beyond their last 4 characters."""

    scheme: Literal["aws-sigv4"]
    """The signing algorithm (the dialect's signer implements it)."""
    service: str = Field(pattern=r"^[a-z0-9-]{1,64}$")
    """The service name the signature is scoped to (SigV4's credential scope)."""
    key_id_env: EnvName
    """Variable holding the access key id."""
    secret_env: EnvName
    """Variable holding the secret access key."""
    token_env: EnvName | None = None
    """Variable holding a temporary credential's session token, sent with the signature."""
    region_param: str = Field(pattern=PARAM_NAME)
    """The parameter (of ``params``) holding the region the signature is scoped to."""


class Auth(_Strict):
    """Where the API key comes from and how it is sent."""

    env: list[EnvName] = Field(default_factory=list)
    """Environment variables holding the key, in order; the first one set wins."""
    header: HeaderName = "Authorization"
    """Header that carries the key."""
    scheme: str | None = Field(default=None, pattern=r"^[A-Za-z][A-Za-z0-9_-]*$")
    """Word before the key in the header. Left out: "Bearer" when the header is Authorization,
    nothing (a bare key) for any other header such as api-key or x-api-key."""
    required: Flag = True
    """False for servers that need no key (local Ollama, vLLM, LM Studio)."""
    signing: Signing | None = None
    """Credentials that sign each request instead of travelling in it (AWS SigV4), used when
    no variable of ``env`` holds a key: the key in ``env`` is then an alternative, sent as is."""

    def header_value(self, key: str) -> str:
        """The header's value for ``key``, per the scheme rule above."""
        scheme = self.scheme
        if scheme is None and self.header.lower() == "authorization":
            scheme = "Bearer"
        return f"{scheme} {key}" if scheme else key


class Trust(_Strict):
    """Opt-ins, each with its reason, for taking what validation otherwise refuses: a key
    variable that a provider before this one on the search path reads, or that is named like a
    cloud, CI or infrastructure credential; an owns rule that claims names an earlier
    provider's rule claims."""

    keys: dict[EnvName, Reason] = Field(default_factory=dict)
    """Variables of auth.env this provider may read anyway, e.g. GITHUB_TOKEN: <why>."""
    owns: dict[OwnerRule, Reason] = Field(default_factory=dict)
    """Rules of owns that may claim another provider's names, e.g. "gpt-4o*": <why>."""


class SendAs(_Strict):
    """Where a parameter travels: exactly one of header, body, query or placeholder."""

    header: HeaderName | None = None
    """Sent as this HTTP header."""
    body: str | None = Field(default=None, min_length=1)
    """Sent as this top-level field of the JSON body."""
    query: str | None = Field(default=None, min_length=1)
    """Sent as this URL query parameter."""
    placeholder: EnvName | None = None
    """Not sent as a field: fills base_url's ``${VAR}`` (a base_url_vars entry) in place of the
    variable, checked as the variable's value is (e.g. a region in the host)."""


class Param(_Strict):
    """A provider-specific parameter beyond the dialect's own."""

    send_as: SendAs
    """Where the value is sent."""
    required: Flag = False
    """Whether a request without a value is refused before it is sent."""
    env: EnvName | None = None
    """Environment variable that supplies the value when none is passed."""
    default: str | None = None
    """Value used when neither an argument nor the env var gives one."""
    pattern: str | None = None
    """Regular expression a value must match in full."""
    description: str | None = None
    """What the parameter means, for people."""


def _wire_numbers(value: Any) -> Any:
    # Body values go out as JSON numbers, so the Decimals the YAML reader makes become floats
    # here (prices stay Decimal; they are never sent).
    if isinstance(value, Decimal):
        return float(value)
    if isinstance(value, dict):
        return {k: _wire_numbers(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_wire_numbers(v) for v in value]
    return value


class RequestRules(_Strict):
    """How the provider's request body differs from its dialect's, applied to every request."""

    rename: dict[str, str] = Field(default_factory=dict)
    """Body fields the provider knows under another name, e.g. max_completion_tokens: max_tokens."""
    unsupported: list[str] = Field(default_factory=list)
    """Body fields the provider refuses: dropped with a warning, or an error when the caller
    passes drop_params=False."""
    defaults: Annotated[dict[str, JsonValue], BeforeValidator(_wire_numbers)] = Field(
        default_factory=dict
    )
    """Body fields sent when the caller gives none."""
    stream_usage: bool | None = None
    """Whether the provider accepts ``stream_options: {include_usage: true}``, which makes a
    stream end with its usage (and so its cost). Unset: the dialect decides (openai: yes;
    anthropic streams always carry their usage, so it is never sent there)."""


class Rates(_Strict):
    """USD per 1M tokens. Written as decimals and read as Decimal, never as binary floats."""

    input: Usd | None = None
    """Prompt tokens."""
    output: Usd | None = None
    """Completion tokens (reasoning included)."""
    cache_read: Usd | None = None
    """Prompt tokens served from the provider's cache."""
    cache_write: Usd | None = None
    """Prompt tokens written to the provider's cache."""


class PriceTier(Rates):
    """Rates for a request whose prompt is larger than a threshold (long-context pricing).
    They apply to the whole request; a rate left out here is the base rate."""

    above_input_tokens: Count
    """The tier applies when the prompt has more tokens than this."""


HourSpan = Annotated[str, StringConstraints(pattern=HOUR_SPAN)]
Weekday = Annotated[int, Field(strict=True, ge=1, le=7)]
ALL_WEEKDAYS = (1, 2, 3, 4, 5, 6, 7)


def span_minutes(span: str) -> tuple[int, int]:
    """A ``"HH:MM-HH:MM"`` span as (first minute, minute after the last) of the UTC day."""
    start, end = span.split("-")
    return _minute(start), _minute(end)


def _minute(clock: str) -> int:
    hours, minutes = clock.split(":")
    return int(hours) * 60 + int(minutes)


class PriceWindow(Rates):
    """Rates that apply in stretches of the UTC week (time-of-day pricing, such as an off-peak
    discount or a peak surcharge). They replace the base rates for the whole request sent in the
    window; a rate left out here is the base rate."""

    hours: list[HourSpan] = Field(min_length=1)
    """Stretches of the day, in UTC, as "HH:MM-HH:MM": the start is included, the end is not,
    and "24:00" ends at midnight, e.g. ["00:00-01:00", "10:00-24:00"]. A stretch across
    midnight is written as two."""
    weekdays: list[Weekday] = Field(default_factory=lambda: list(ALL_WEEKDAYS))
    """The days (ISO numbers in UTC: 1 is Monday, 7 is Sunday) the hours apply on; left out,
    every day."""
    source: Slug | None = None
    """The ``sources`` entry these figures and hours come from; left out, the model's."""
    note: str | None = Field(default=None, min_length=1)
    """What the window is (e.g. "off-peak"), and where sources disagree about it."""


class Price(Rates):
    """The model's prices: base rates, plus tiers for large prompts, plus rates for stretches of
    the week."""

    tiers: list[PriceTier] = Field(default_factory=list)
    """Long-context rates, each for prompts above its threshold; the highest threshold met wins."""
    windows: list[PriceWindow] = Field(default_factory=list)
    """Rates in force at some hours of the UTC week (off-peak, peak). Outside every window the
    base rates apply; the windows of one price may not overlap."""
    since: Day | None = None
    """The day these prices took effect, where an earlier price is in price_history."""


class PastPrice(Price):
    """Prices that were in force until a day (exclusive)."""

    until: Day
    """The first day these prices no longer applied."""


Quantization = Annotated[str, StringConstraints(pattern=r"^[a-z0-9][a-z0-9_.-]{0,31}$")]


class Identity(_Strict):
    """Which model an entry is, where the identity rule (``registry offers``) gets it wrong or
    cannot know it: the model it is, or that it is a model of its own, and how it is served."""

    model: ModelId | None = None
    """The model this entry is: the Hugging Face repo id for open weights
    ("meta-llama/Llama-3.3-70B-Instruct"), the maker's own id under the maker's provider for a
    closed model ("openai/gpt-4o"). Left out, the rule proposes it from the wire id."""
    unique: Reason | None = None
    """Refuse the proposed identity: this entry is a model of its own (a router, a fine-tune
    named like its base), and why. Not with ``model``."""
    quantization: Quantization | None = None
    """How the weights are served where the wire id does not say it (fp8, int4, ...)."""
    variant: Quantization | None = None
    """Another serving attribute the wire id does not say (a faster deployment: "fast")."""
    reason: Reason | None = None
    """Why this is stated by hand, with where it is documented. Two entries of one provider
    that are the same model with the same attributes need it (``registry validate``)."""


class Model(_Strict):
    """One model in the provider's table, keyed by the id sent on the wire."""

    aliases: list[ModelId] = Field(default_factory=list)
    """Other names that resolve to this model (the wire id is always the table key)."""
    mode: Mode = "chat"
    """What kind of endpoint serves it."""
    context_window: Count | None = None
    """Most tokens in prompt plus completion."""
    max_output_tokens: Count | None = None
    """Most completion tokens, only where the provider publishes a limit."""
    price: Price | None = None
    """Prices; leave out when the provider publishes none (cost is then unknown, not zero)."""
    price_history: list[PastPrice] = Field(default_factory=list)
    """Earlier prices, for pricing requests made before a change (oldest first)."""
    supports: list[Capability] = Field(default_factory=list)
    """Capabilities the provider serves for this model."""
    status: Status = "ga"
    """Lifecycle: experimental, ga, deprecated (still served), retired (no longer served), or
    unverified (listed by a source, absent from the provider's own current list: it may no
    longer be served)."""
    deprecated_on: Day | None = None
    """When the deprecation was announced or took effect."""
    retired_on: Day | None = None
    """When the model stopped (or stops) being served."""
    replacement: ModelId | None = None
    """The model id to use instead, in this provider's table."""
    source: Slug | None = None
    """The ``sources`` entry this model's figures come from; left out, the manifest's first."""
    pinned: dict[Pinnable, Reason] = Field(default_factory=dict)
    """Figures set by hand, each with the reason (price, context_window, max_output_tokens, or
    lifecycle: status, dates and replacement). ``registry sync`` leaves them alone and
    ``registry audit`` shows the reason beside any difference."""
    free: Reason | None = None
    """Why a price of 0 here is real (a free tier, a free preview). ``registry validate``
    refuses a 0 on a hosted provider without it: an unpublished price is left out, never 0."""
    identity: Identity | None = None
    """Which model this entry is, where the rule that proposes it from the wire id is wrong
    (see ``registry offers``)."""
    points_to: ModelId | None = None
    """For a name the provider moves on its side (``*-latest``): the model id in this table it
    points to now, as the provider documents it; cost() uses that model's prices. Give the
    ``source`` that documents it."""


class ModelPattern(_Strict):
    """Model ids the provider serves without listing them (fine-tunes, adapters): their shape,
    where their base model is named, and how they are priced."""

    match: IdTemplate
    """The id's shape: literal text, then text and ``{slot}``s, e.g.
    "ft:{base}:{org}:{suffix}:{id}". A slot matches up to 256 characters other than ':' and
    '/', none included; the whole id must match."""
    base: ParamName | None = None
    """The slot that holds the base model's id (give this or base_param)."""
    base_param: ParamName | None = None
    """Or the keyword resolve() and completion() take naming the base model (it is never sent):
    for ids that do not name their base."""
    price: Literal["base", "own", "unknown"]
    """How such a model is billed: "base" at its base model's rates, "own" at the rates in
    ``prices`` for its base, "unknown" (its cost is None)."""
    prices: dict[ModelId, Rates] = Field(default_factory=dict)
    """With price "own": the rates by base model id. A base not listed here has no known cost
    (never the base model's price)."""
    source: Slug | None = None
    """The ``sources`` entry that documents the ids and their pricing."""


class Provider(_Strict):
    """One LLM API provider: endpoint, credentials, parameters and model table."""

    schema_version: Annotated[Literal[1], BeforeValidator(_one_not_other)]
    """Manifest format version; this schema describes version 1."""
    id: Slug
    """The provider's slug, the prefix in "<id>/<model>"."""
    name: str = Field(min_length=1)
    """Display name."""
    docs_url: Url | None = None
    """The provider's API documentation."""
    aliases: list[Slug] = Field(default_factory=list)
    """Other prefixes that select this provider (e.g. LiteLLM's "together_ai")."""
    owns: list[OwnerRule] = Field(default_factory=list)
    """Bare model names this provider owns even where others list them too: an exact name, or a
    prefix ending in '*' (e.g. "gpt-*"), which claims no name with a '/' after the prefix, or
    in '**' (e.g. "acme/**"), which claims those too."""
    api: Api
    auth: Auth = Field(default_factory=Auth)
    trust: Trust = Field(default_factory=Trust)
    """What this manifest takes that another provider holds, or that looks like a credential
    of something else, each with the reason it may (see registry validate)."""
    request: RequestRules = Field(default_factory=RequestRules)
    """Differences between this provider's request body and its dialect's."""
    params: dict[Annotated[str, StringConstraints(pattern=PARAM_NAME)], Param] = Field(
        default_factory=dict
    )
    """Provider-specific parameters, by the keyword name callers pass to resolve()."""
    interop: Interop = Field(default_factory=Interop)
    """Its names in LiteLLM, models.dev and genai-prices."""
    free: Reason | None = None
    """Why every price of 0 in this table is real (a free service); see Model.free."""
    sources: list[Source] = Field(default_factory=list)
    """Where this manifest's facts and figures come from, and how old they are."""
    models: dict[ModelId, Model] = Field(default_factory=dict)
    """The model table, keyed by wire id."""
    model_patterns: list[ModelPattern] = Field(default_factory=list)
    """Shapes of model ids served without being listed (fine-tunes, adapters), each with how
    its base model is found and how it is priced."""

    def source_of(self, model: Model) -> Source | None:
        """The sources entry a model's figures come from: the one it names, else the first."""
        if model.source is None:
            return self.sources[0] if self.sources else None
        return next((s for s in self.sources if s.id == model.source), None)


Problems = list[tuple[tuple[str | int, ...], str, str | None]]
"""(path, message, hint) triples, located by the caller."""


def semantic_problems(p: Provider) -> Problems:
    """Rules beyond the JSON Schema, with the path each one is about."""
    found: Problems = []
    found += _url_problems(("api", "base_url"), p.api.base_url)
    if p.docs_url:
        found += _url_problems(("docs_url",), p.docs_url)
    found += _source_problems(p)
    found += trust_problems(p)
    for name, param in p.params.items():
        found += _param_problems(("params", name), param)
        var = param.send_as.placeholder
        if var is not None and var not in p.api.base_url_vars:
            hint = "list it in api.base_url_vars and write ${" + var + "} in base_url"
            found.append(
                (
                    ("params", name, "send_as", "placeholder"),
                    f"{var} is not a base_url_vars entry",
                    hint,
                )
            )
    found += _signing_problems(p)
    for header, value in p.api.headers.items():
        if any(c in value for c in "\r\n\0"):
            found.append(
                (("api", "headers", header), "line breaks and NUL would inject headers", None)
            )
    found += _header_problems(p)
    found += _body_problems(p)
    if p.auth.required and not p.auth.env:
        found.append(
            (
                ("auth", "env"),
                "a key is required but no environment variable is named",
                "list the provider's key variable, or set auth.required: false",
            )
        )
    seen = {model_id: model_id for model_id in p.models}
    for model_id, m in p.models.items():
        for i, alias in enumerate(m.aliases):
            other = seen.get(alias)
            if other is not None and other != model_id:
                what = "a model id" if alias == other else f"an alias of {other!r}"
                found.append(
                    (("models", model_id, "aliases", i), f"{alias!r} is already {what}", None)
                )
            seen[alias] = model_id
        found += _model_problems(p, model_id, m)
    for i, pattern in enumerate(p.model_patterns):
        found += _pattern_problems(p, ("model_patterns", i), pattern)
    return found


SLOT = re.compile(r"\{([a-z][a-z0-9_]*)\}")


def _pattern_problems(p: Provider, path: tuple[str | int, ...], pat: ModelPattern) -> Problems:
    found: Problems = []
    slots = SLOT.findall(pat.match)
    if len(set(slots)) != len(slots):
        found.append(((*path, "match"), "a slot name appears twice", "name each slot once"))
    if (pat.base is None) == (pat.base_param is None):
        found.append((path, "give exactly one of base or base_param", None))
    elif pat.base is not None and pat.base not in slots:
        found.append(
            ((*path, "base"), f"{pat.base!r} is not a slot of the match", f"slots: {slots}")
        )
    elif pat.base_param is not None and pat.base_param in p.params:
        found.append(
            ((*path, "base_param"), f"{pat.base_param!r} is already a parameter", "rename it")
        )
    if pat.price == "own" and not pat.prices:
        found.append(((*path, "prices"), 'price "own" needs the rates by base model', None))
    if pat.price != "own" and pat.prices:
        found.append(((*path, "prices"), 'prices are read only with price "own"', None))
    if pat.source is not None and all(s.id != pat.source for s in p.sources):
        found.append(((*path, "source"), f"no sources entry has the id {pat.source!r}", None))
    return found


def _model_problems(p: Provider, model_id: str, m: Model) -> Problems:
    found: Problems = []
    base = ("models", model_id)
    if m.context_window and m.max_output_tokens and m.max_output_tokens > m.context_window:
        found.append(
            (
                (*base, "max_output_tokens"),
                f"{m.max_output_tokens} is above the context window of {m.context_window}",
                "the output limit cannot exceed the context window",
            )
        )
    if m.identity is not None and m.identity.model is not None and m.identity.unique is not None:
        found.append(
            (
                (*base, "identity", "unique"),
                "an entry cannot both name the model it is and be a model of its own",
                "keep identity.model (it is that model) or identity.unique (it is no other)",
            )
        )
    priced: list[tuple[tuple[str | int, ...], Rates]] = []
    if m.price:
        priced.append(((*base, "price"), m.price))
        priced += [((*base, "price", "tiers", i), t) for i, t in enumerate(m.price.tiers)]
    priced += [((*base, "price_history", i), h) for i, h in enumerate(m.price_history)]
    timed: list[tuple[tuple[str | int, ...], Price]] = (
        [((*base, "price"), m.price)] if m.price else []
    )
    timed += [((*base, "price_history", i), h) for i, h in enumerate(m.price_history)]
    for path, price in timed:
        priced += [((*path, "windows", i), w) for i, w in enumerate(price.windows)]
        found += _window_problems(p, path, price)
    for path, rates in priced:
        for field in ("input", "output", "cache_read", "cache_write"):
            value = getattr(rates, field)
            if value is not None and value > MAX_PRICE:
                found.append(
                    (
                        (*path, field),
                        f"{value} USD per 1M tokens is above {MAX_PRICE}",
                        "prices are per 1M tokens; was a per-token figure scaled twice?",
                    )
                )
    if m.price:
        thresholds = [t.above_input_tokens for t in m.price.tiers]
        if len(set(thresholds)) != len(thresholds):
            found.append(((*base, "price", "tiers"), "two tiers have the same threshold", None))
    untils = [h.until for h in m.price_history]
    if untils != sorted(set(untils)):
        found.append(
            ((*base, "price_history"), "entries must be oldest first, with distinct dates", None)
        )
    elif untils and m.price and m.price.since and m.price.since < untils[-1]:
        found.append(
            ((*base, "price", "since"), "the current price starts before the last one ends", None)
        )
    if m.replacement is not None and m.replacement not in p.models:
        found.append(
            (
                (*base, "replacement"),
                f"{m.replacement!r} is not in this provider's model table",
                None,
            )
        )
    if m.status == "retired" and m.retired_on is None and "lifecycle" not in m.pinned:
        found.append(
            (
                (*base, "retired_on"),
                "a retired model needs its retired_on date",
                "give the date, or say why it is unknown in pinned: {lifecycle: ...}",
            )
        )
    if m.points_to is not None:
        target = p.models.get(m.points_to)
        if target is None or m.points_to == model_id:
            found.append(
                (
                    (*base, "points_to"),
                    f"{m.points_to!r} is not another model of this provider's table",
                    "name the model id the provider says this name points to",
                )
            )
        elif target.points_to is not None:
            found.append(((*base, "points_to"), f"{m.points_to!r} points on itself", None))
    if m.source is not None and all(s.id != m.source for s in p.sources):
        known = ", ".join(s.id for s in p.sources) or "none"
        found.append(
            ((*base, "source"), f"no sources entry has the id {m.source!r}", f"known: {known}")
        )
    return found


_WEEKDAY_NAMES = ("", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")


def _window_problems(p: Provider, path: tuple[str | int, ...], price: Price) -> Problems:
    """Windows that can be read one way only: stretches that end after they start, days named
    once, some rate of their own, no two windows covering the same minute, and no tiers beside
    them (which of the two would win is not written anywhere)."""
    found: Problems = []
    if price.windows and price.tiers:
        found.append(
            (
                (*path, "windows"),
                "a price with tiers cannot have windows as well",
                "no source prices a model by prompt size and by hour at once; say which "
                "applies by writing the rates each stretch charges",
            )
        )
    taken: dict[int, list[tuple[int, int, int]]] = {}  # weekday -> (start, end, window)
    for i, window in enumerate(price.windows):
        at = (*path, "windows", i)
        if all(
            getattr(window, f) is None for f in ("input", "output", "cache_read", "cache_write")
        ):
            found.append(
                (at, "the window has no rate of its own", "give the rates that apply in it")
            )
        if len(set(window.weekdays)) != len(window.weekdays):
            found.append(((*at, "weekdays"), "a day is named twice", None))
        if window.source is not None and all(s.id != window.source for s in p.sources):
            known = ", ".join(s.id for s in p.sources) or "none"
            found.append(
                (
                    (*at, "source"),
                    f"no sources entry has the id {window.source!r}",
                    f"known: {known}",
                )
            )
        for j, span in enumerate(window.hours):
            start, end = span_minutes(span)
            if end <= start:
                found.append(
                    (
                        (*at, "hours", j),
                        f"{span} does not end after it starts",
                        'write a stretch across midnight as two, e.g. "22:00-24:00" and '
                        '"00:00-02:00"',
                    )
                )
                continue
            for day in set(window.weekdays):
                for other_start, other_end, other in taken.get(day, []):
                    if start < other_end and other_start < end:
                        whose = "this window" if other == i else f"window {other}"
                        found.append(
                            (
                                (*at, "hours", j),
                                f"{span} on {_WEEKDAY_NAMES[day]} overlaps {whose}",
                                "the windows of one price may not cover the same minute",
                            )
                        )
                        break
                else:
                    taken.setdefault(day, []).append((start, end, i))
                    continue
                break
    return found


def _source_problems(p: Provider) -> Problems:
    found: Problems = []
    seen: set[str] = set()
    for i, src in enumerate(p.sources):
        path = ("sources", i)
        if src.id in seen:
            found.append(((*path, "id"), f"the id {src.id!r} is already a source's", None))
        seen.add(src.id)
        if src.url:
            found += _url_problems((*path, "url"), src.url)
        elif not src.file:
            found.append(
                (path, "a source needs a url or a file", "say where the figures can be read")
            )
        if src.checked is not None and src.checked < src.as_of:
            found.append(
                (
                    (*path, "checked"),
                    f"checked on {src.checked}, before the data's own date ({src.as_of})",
                    "as_of is the date of the data; checked is when it was compared since",
                )
            )
    return found


def _signing_problems(p: Provider) -> Problems:
    signing = p.auth.signing
    if signing is None:
        return []
    found: Problems = []
    if signing.region_param not in p.params:
        found.append(
            (
                ("auth", "signing", "region_param"),
                f"{signing.region_param!r} is not a parameter of this provider",
                "declare it under params (with the region's variable as its env)",
            )
        )
    names = [signing.key_id_env, signing.secret_env, signing.token_env, *p.auth.env]
    named = [n for n in names if n]
    if len(set(named)) != len(named):
        found.append(
            (("auth", "signing"), "a variable is named twice", "name each credential's own")
        )
    return found


def _param_problems(path: tuple[str | int, ...], param: Param) -> Problems:
    found: Problems = []
    send_as = param.send_as
    where = [v for v in (send_as.header, send_as.body, send_as.query, send_as.placeholder) if v]
    if len(where) != 1:
        found.append(
            (
                (*path, "send_as"),
                "give exactly one of header, body, query or placeholder",
                None,
            )
        )
    if param.pattern is not None:
        try:
            rx = re.compile(param.pattern)
        except re.error as exc:
            found.append(((*path, "pattern"), f"not a valid regular expression: {exc}", None))
        else:
            if param.default is not None and not rx.fullmatch(param.default):
                found.append(((*path, "default"), "the default does not match the pattern", None))
    return found


# Headers a manifest may not set, as a static header or a parameter: the HTTP client frames and
# routes the request (a second Content-Length or Transfer-Encoding desynchronises it, Host moves
# it), the library says what the body is and how a stream answers, and the key travels only in
# auth.header (a lower-case "authorization" beside it sends two; a Cookie would be a credential
# that nothing masks).
_FRAMING = "the HTTP client frames and routes the request itself"
_BODY = "the library sets the body's type and encoding and what the answer may be"
_CREDENTIAL = "the key comes from auth.env and travels only in auth.header"
RESERVED_HEADERS: dict[str, str] = {
    **dict.fromkeys(
        (
            "host",
            "content-length",
            "transfer-encoding",
            "connection",
            "keep-alive",
            "te",
            "trailer",
            "upgrade",
            "expect",
        ),
        _FRAMING,
    ),
    **dict.fromkeys(("content-type", "content-encoding", "accept", "accept-encoding"), _BODY),
    **dict.fromkeys(("authorization", "proxy-authorization", "cookie"), _CREDENTIAL),
}
"""Lower-case header names no manifest may send, and why; any ``Proxy-*`` header too."""


def _reserved_header(name: str, auth_header: str) -> str | None:
    low = name.lower()
    if low == auth_header.lower():
        return _CREDENTIAL
    if low.startswith("proxy-"):
        return _FRAMING
    return RESERVED_HEADERS.get(low)


def _header_problems(p: Provider) -> Problems:
    found: Problems = []
    placed: list[tuple[tuple[str | int, ...], str, str]] = [
        (("api", "headers", h), h, "a static header") for h in p.api.headers
    ]
    placed += [
        (("params", name, "send_as", "header"), spec.send_as.header, f"parameter {name!r}")
        for name, spec in p.params.items()
        if spec.send_as.header
    ]
    seen: dict[str, str] = {}
    for path, header, what in placed:
        why = _reserved_header(header, p.auth.header)
        if why is not None:
            found.append((path, f"a manifest may not set the {header} header", why))
        elif header.lower() in seen:
            message = f"the {header} header is already sent by {seen[header.lower()]}"
            found.append((path, message, "header names are case-insensitive; send it once"))
        seen.setdefault(header.lower(), what)
    return found


def _body_problems(p: Provider) -> Problems:
    from .dialects import DIALECTS

    owned = DIALECTS[p.api.dialect].caller_fields
    hint = f"in the {p.api.dialect} dialect the caller owns {', '.join(sorted(owned))}"
    rules = p.request
    named: list[tuple[tuple[str | int, ...], str]] = [
        *((("request", "rename", old), old) for old in rules.rename),
        *((("request", "rename", old), new) for old, new in rules.rename.items()),
        *((("request", "defaults", field), field) for field in rules.defaults),
        *((("request", "unsupported", i), field) for i, field in enumerate(rules.unsupported)),
        *(
            (("params", name, "send_as", "body"), spec.send_as.body)
            for name, spec in p.params.items()
            if spec.send_as.body
        ),
    ]
    return [
        (path, f"a manifest may not set, rename or drop the body field {field!r}", hint)
        for path, field in named
        if field in owned
    ]


def _url_problems(path: tuple[str | int, ...], url: str) -> Problems:
    if "${" in url:
        check = PLACEHOLDER.sub("placeholder", url)
        if "${" in check or "$" in check:
            return [(path, "a ${VAR} reference must name an UPPER_SNAKE variable", None)]
        url = check
    problem = url_problem(url)
    return [] if problem is None else [(path, *problem)]
