"""Markdown reference pages generated from manifests: ``registry docs``.

A page's generated text sits between two marker lines, and whatever is outside them belongs to
people: regenerating replaces only the block, so a hand-written guide can carry the reference at
its end. A file that exists without the markers is someone else's and is never overwritten.
Output depends only on the manifests (sorted, no "generated on" dates), so a check in CI can
compare the pages on disk with what would be generated.
"""

from __future__ import annotations

import dataclasses
import json
import re
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from pathlib import Path
from typing import TYPE_CHECKING, Literal, Protocol

from ._errors import CommandError
from ._manifest import Model, PriceTier, Provider, Rates, Source

if TYPE_CHECKING:
    from ._offers import Offer
    from ._registry import Registry

__all__ = [
    "BEGIN",
    "END",
    "MODEL_NOTICE",
    "PageState",
    "count_text",
    "model_page_name",
    "model_page_names",
    "plan_model_pages",
    "plan_pages",
    "rate_text",
    "render_model",
    "render_model_index",
    "render_provider",
    "shared_models",
    "update_page",
    "window_text",
]

BEGIN = "<!-- BEGIN GENERATED: registry docs -->"
END = "<!-- END GENERATED -->"

_NOTICE = (
    "<!-- Generated from the manifest of provider {id!r} by `registry docs`. Edit the manifest "
    "and regenerate; text outside the BEGIN/END GENERATED markers is kept. -->"
)
_NONE = "-"
_HEADING = re.compile(r"^(#{1,6})[ \t]")
_FENCE = re.compile(r"^ {0,3}(`{3,}|~{3,})")
# Characters that Markdown would read as markup in running text. An underscore inside a word
# never is (CommonMark's flanking rules), and escaping it there would only clutter the source.
# `|` is left to _table, which escapes it in every cell, code spans included (GFM splits cells
# before it parses inlines).
_MARKUP = re.compile(r"([\\`*\[<>]|(?<![A-Za-z0-9])_|_(?![A-Za-z0-9]))")


# --- formatting ---------------------------------------------------------------------------


def rate_text(value: Decimal) -> str:
    """A USD rate as exact decimal text with at least two places: 2.5 -> "2.50", 0.075 -> "0.075".

    Never rounds: a price is shown exactly as the manifest gives it, only padded to cents.
    """
    exact = value.normalize()
    exponent = exact.as_tuple().exponent
    if isinstance(exponent, int) and exponent < -2:
        return f"{exact:f}"
    return f"{value.quantize(Decimal('0.01')):f}"


def count_text(value: int | None) -> str:
    """A token count with thousands separators, or the not-given mark."""
    return _NONE if value is None else f"{value:,}"


def _text(value: str) -> str:
    # Line breaks in a description would end a table row or a list item early.
    return _MARKUP.sub(r"\\\1", " ".join(value.split()))


def _code(value: str) -> str:
    runs = [len(m) for m in re.findall(r"`+", value)]
    fence = "`" * next(n for n in range(1, len(value) + 2) if n not in runs)
    pad = " " if value.startswith(("`", " ")) or value.endswith(("`", " ")) else ""
    return f"{fence}{pad}{value}{pad}{fence}"


def _codes(values: Iterable[str]) -> str:
    return ", ".join(_code(v) for v in values) or _NONE


def _link(url: str, label: str | None = None) -> str:
    # Angle brackets keep parentheses and underscores in the URL literal; the manifest's URL
    # pattern rules out spaces, so only the brackets themselves need encoding.
    target = url.replace("<", "%3C").replace(">", "%3E")
    if not label:
        return f"<{target}>"
    text = _text(label).replace("]", r"\]")  # an unescaped `]` would end the link text
    return f"[{text}](<{target}>)"


def _table(header: list[str], rows: Iterable[list[str]]) -> list[str]:
    def line(cells: list[str]) -> str:
        cells = [" ".join(c.split()).replace("|", r"\|") or _NONE for c in cells]
        return "| " + " | ".join(cells) + " |"

    return [line(header), "|" + "---|" * len(header), *(line(r) for r in rows)]


def _rate(value: Decimal | None) -> str:
    return _NONE if value is None else rate_text(value)


def _rates_summary(rates: Rates | _Window) -> str:
    parts = [
        f"{label} {rate_text(value)}"
        for label, value in (
            ("in", rates.input),
            ("out", rates.output),
            ("cache read", rates.cache_read),
            ("cache write", rates.cache_write),
        )
        if value is not None
    ]
    return ", ".join(parts) or "no rates"


_DAYS = ("", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun")


def _days_text(days: Sequence[int]) -> str:
    chosen = sorted(set(days))
    if chosen == list(range(1, 8)):
        return "every day"
    if chosen == list(range(chosen[0], chosen[-1] + 1)) and len(chosen) > 2:
        return f"{_DAYS[chosen[0]]}-{_DAYS[chosen[-1]]}"
    return ", ".join(_DAYS[d] for d in chosen)


class _Window(Protocol):
    """A manifest's PriceWindow, or the WindowLine cost() reads."""

    @property
    def hours(self) -> Sequence[str]: ...
    @property
    def weekdays(self) -> Sequence[int]: ...
    @property
    def input(self) -> Decimal | None: ...
    @property
    def output(self) -> Decimal | None: ...
    @property
    def cache_read(self) -> Decimal | None: ...
    @property
    def cache_write(self) -> Decimal | None: ...


def window_text(window: _Window) -> str:
    """A window of the week and its rates in one line: "00:00-01:00, 10:00-24:00 UTC every
    day: in 0.66, out 1.98"."""
    hours = ", ".join(window.hours)
    return f"{hours} UTC {_days_text(window.weekdays)}: {_rates_summary(window)}"


def _tier_text(tier: PriceTier) -> str:
    return f"above {tier.above_input_tokens:,} prompt tokens: {_rates_summary(tier)}"


def _status_text(m: Model) -> str:
    parts: list[str] = []
    if m.deprecated_on:
        parts.append(f"deprecated on {m.deprecated_on.isoformat()}")
    if m.retired_on:
        verb = "retired" if m.status == "retired" else "retires"
        parts.append(f"{verb} on {m.retired_on.isoformat()}")
    if not any(p.startswith(m.status) for p in parts):
        parts.insert(0, m.status)
    if m.replacement:
        parts.append(f"use {_code(m.replacement)}")
    return "; ".join(parts)


def _sorted_models(p: Provider) -> list[tuple[str, Model]]:
    return sorted(p.models.items(), key=lambda kv: (kv[0].casefold(), kv[0]))


# --- one page -----------------------------------------------------------------------------


def render_provider(p: Provider, *, level: int = 1) -> str:
    """The reference page for one provider as Markdown, its title a heading of ``level``.

    Everything comes from the manifest; the text ends with a newline and holds no markers.
    """
    h1 = "#" * max(1, min(level, 4))  # three levels below it must still be headings
    h2 = h1 + "#"
    out: list[str] = [f"{h1} {_text(p.name)}", ""]
    intro = f"Provider id {_code(p.id)}: model names are {_code(p.id + '/<model>')}."
    if p.docs_url:
        intro += f" API documentation: {_link(p.docs_url)}."
    out += [intro, ""]

    api = p.api
    out += [f"{h2} Connection", ""]
    base = _code(api.base_url)
    if "${" in api.base_url:
        base += " (each `${VAR}` is read from the environment variable of that name)"
    rows = [["dialect", _code(api.dialect)], ["base URL", base]]
    override = f"environment variable {_code(api.base_url_env)}" if api.base_url_env else _NONE
    rows.append(["base URL override", override])
    rows.append(["endpoints", _codes(api.endpoints)])
    rows += [["header", _code(f"{k}: {v}")] for k, v in sorted(api.headers.items())]
    out += [*_table(["setting", "value"], rows), ""]

    out += [f"{h2} Authentication", "", _auth_text(p), ""]

    out += [f"{h2} Parameters", ""]
    if p.params:
        header = ["name", "required", "env", "sent as", "pattern", "description"]
        out += [*_table(header, [_param_row(name, p) for name in sorted(p.params)]), ""]
    else:
        out += ["No provider-specific parameters.", ""]

    rules = p.request
    if rules.rename or rules.unsupported or rules.defaults or rules.stream_usage is not None:
        out += [f"{h2} Request rules", ""]
        out += [
            f"- {_code(old)} is sent as {_code(new)}" for old, new in sorted(rules.rename.items())
        ]
        if rules.unsupported:
            out.append(f"- not accepted (dropped with a warning): {_codes(rules.unsupported)}")
        out += [
            f"- {_code(k)} defaults to {_code(json.dumps(v, sort_keys=True))}"
            for k, v in sorted(rules.defaults.items())
        ]
        if rules.stream_usage is not None:
            sent = "asked for" if rules.stream_usage else "not asked for (it is not accepted)"
            out.append(f"- a stream's usage ({_code('stream_options.include_usage')}) is {sent}")
        out.append("")

    names = [
        ("Other prefixes that select this provider", p.aliases),
        ("Bare model names it owns", p.owns),
        ("LiteLLM provider names", p.interop.litellm),
        ("models.dev provider ids", p.interop.models_dev),
    ]
    if any(values for _, values in names):
        out += [f"{h2} Names", ""]
        out += [f"- {label}: {_codes(values)}" for label, values in names if values]
        out.append("")

    if p.model_patterns:
        out += [f"{h2} Model-id patterns", ""]
        out.append("Ids of these shapes resolve to this provider without being listed.")
        out.append("")
        billed = {
            "base": "billed at the base model's rates",
            "own": "billed at its own rates per base model ({n} listed; any other base: unknown)",
            "unknown": "cost unknown",
        }
        for pat in p.model_patterns:
            where = (
                f"base model in {_code('{' + pat.base + '}')}"
                if pat.base
                else f"base model from {_code(pat.base_param or '')}="
            )
            how = billed[pat.price].format(n=len(pat.prices))
            out.append(f"- {_code(pat.match)}: {where}; {how}")
        out.append("")

    if p.sources:
        out += [f"{h2} Sources", ""]
        out.append("Each model's figures come from the source its table row names.")
        out.append("")
        for src in p.sources:
            out.append(f"- {source_text(src, markdown=True)}")
            if src.note:
                out.append(f"  {_text(src.note)}")
        out.append("")

    out += [f"{h2} Models", "", *_models_section(p, h2 + "#")]
    return "\n".join(out).rstrip("\n") + "\n"


def source_text(src: Source, *, markdown: bool = False) -> str:
    """``id (name; where; as of DATE; checked ...)``, as show and the docs print a source; in
    Markdown the id links to the URL."""
    parts = [(_text(src.name) if markdown else src.name)] if src.name else []
    where = src.file if markdown else (src.url or src.file)
    if where:
        parts.append(_code(where) if markdown else where)
    parts.append(f"as of {src.as_of.isoformat()}")
    if src.checked:
        parts.append(f"checked against the provider on {src.checked.isoformat()}")
    label = src.id
    if markdown:
        label = _link(src.url, src.id) if src.url else _code(src.id)
    return f"{label} ({'; '.join(parts)})"


def _source_cell(p: Provider, m: Model) -> str:
    src = p.source_of(m)
    return _NONE if src is None else f"{_code(src.id)} {src.as_of.isoformat()}"


def _auth_text(p: Provider) -> str:
    auth = p.auth
    how = f"the header {_code(auth.header + ': ' + auth.header_value('<key>'))}"
    if not auth.env:
        return "No key needed." if not auth.required else "A key is required."
    where = " or ".join(_code(e) for e in auth.env)
    first = " (the first one set wins)" if len(auth.env) > 1 else ""
    if not auth.required:
        return f"No key needed. When {where} is set{first}, it is sent in {how}."
    text = f"The key is read from {where}{first} and sent in {how}."
    s = auth.signing
    if s is not None:
        token = f", with the session token of {_code(s.token_env)} if set" if s.token_env else ""
        text += (
            f" When it is not set, each request is signed ({s.scheme}, service {_code(s.service)}, "
            f"the region of parameter {_code(s.region_param)}) with {_code(s.key_id_env)} and "
            f"{_code(s.secret_env)}{token}."
        )
    return text


def _param_row(name: str, p: Provider) -> list[str]:
    spec = p.params[name]
    required = "yes" if spec.required else "no"
    if spec.default is not None:
        required += f" (default {_code(spec.default)})"
    send = spec.send_as
    sent = next(
        f"{kind} {_code(value)}"
        for kind, value in (
            ("header", send.header),
            ("body", send.body),
            ("query", send.query),
            ("base URL", send.placeholder and f"${{{send.placeholder}}}"),
        )
        if value
    )
    return [
        _code(name),
        required,
        _code(spec.env) if spec.env else _NONE,
        sent,
        _code(spec.pattern) if spec.pattern else _NONE,
        _text(spec.description) if spec.description else _NONE,
    ]


def _models_section(p: Provider, h3: str) -> list[str]:
    models = _sorted_models(p)
    if not models:
        return ["The manifest lists no models."]
    retired = sum(m.status == "retired" for _, m in models)
    note = f"{len(models)} model{'s' * (len(models) != 1)}"
    if retired:
        note += f", {retired} of them retired"
    out = [f"{note}. Prices are USD per 1M tokens; {_NONE} means not published.", ""]
    header = [
        "model", "aliases", "mode", "context", "max out", "$ in", "$ out", "$ cache read",
        "$ cache write", "tiers", "supports", "status", "source",
    ]  # fmt: skip
    rows = []
    for model_id, m in models:
        price = m.price
        rows.append(
            [
                _code(model_id),
                _codes(m.aliases),
                m.mode,
                count_text(m.context_window),
                count_text(m.max_output_tokens),
                _rate(price.input if price else None),
                _rate(price.output if price else None),
                _rate(price.cache_read if price else None),
                _rate(price.cache_write if price else None),
                "; ".join(_tier_text(t) for t in price.tiers) if price else _NONE,
                ", ".join(m.supports) or _NONE,
                _status_text(m),
                _source_cell(p, m),
            ]
        )
    out += [*_table(header, rows), ""]
    pinned = [(model_id, m) for model_id, m in models if m.pinned or m.free]
    if pinned:
        out += [f"{h3} Figures set by hand", ""]
        for model_id, m in pinned:
            reasons = [f"{field}: {_text(why)}" for field, why in sorted(m.pinned.items())]
            if m.free:
                reasons.append(f"free: {_text(m.free)}")
            out.append(f"- {_code(model_id)}: " + "; ".join(reasons))
        out.append("")
    timed = [(model_id, m) for model_id, m in models if m.price and m.price.windows]
    if timed:
        out += [
            f"{h3} Prices by time of day",
            "",
            "In these windows of the UTC week the rates below replace the base rates of the "
            "table (a rate not named stays the base rate); a request is charged at the window "
            "it is sent in.",
            "",
        ]
        for model_id, m in timed:
            assert m.price is not None
            for w in m.price.windows:
                note = f" ({_text(w.note)})" if w.note else ""
                out.append(f"- {_code(model_id)}: {window_text(w)}{note}")
        out.append("")
    history = [(model_id, m) for model_id, m in models if m.price_history]
    if history:
        out += [f"{h3} Price history", ""]
        for model_id, m in history:
            out.append(f"- {_code(model_id)}:")
            for past in m.price_history:
                tiers = "".join(f"; {_tier_text(t)}" for t in past.tiers)
                tiers += "".join(f"; {window_text(w)}" for w in past.windows)
                out.append(f"  - until {past.until.isoformat()}: {_rates_summary(past)}{tiers}")
            if m.price is not None:
                since = f"since {m.price.since.isoformat()}" if m.price.since else "now"
                out.append(f"  - {since}: {_rates_summary(m.price)}")
        out.append("")
    return out


# --- pages on disk ------------------------------------------------------------------------


def _heading_level(text: str) -> int:
    """The level of the last heading in ``text`` outside fenced code, 0 when there is none."""
    level = 0
    fence: str | None = None
    for line in text.splitlines():
        m = _FENCE.match(line)
        if m:
            mark = m[1]
            if fence is None:
                fence = mark
            elif mark[0] == fence[0] and len(mark) >= len(fence):
                fence = None
            continue
        if fence is None:
            h = _HEADING.match(line)
            if h:
                level = len(h[1])
    return level


def _markers(lines: list[str]) -> tuple[int, int] | str | None:
    """Indexes of the BEGIN and END lines; None when neither is there; a reason when malformed."""
    begins = [i for i, line in enumerate(lines) if line.rstrip() == BEGIN]
    ends = [i for i, line in enumerate(lines) if line.rstrip() == END]
    if not begins and not ends:
        return None
    if len(begins) != 1 or len(ends) != 1 or ends[0] < begins[0]:
        return "its generated-block markers are not one BEGIN line followed by one END line"
    return begins[0], ends[0]


def update_page(existing: str | None, p: Provider, file: str = "") -> str:
    """The text a provider's page should hold, given its current text (None: no file yet).

    The block between the markers is regenerated and everything outside it kept. Its headings
    nest under the last heading written above the block. Raises CommandError for a non-empty file
    without markers: it was written by someone else, and replacing it would lose their text.
    """
    name = file or f"{p.id}.md"
    if existing is None or not existing.strip():
        before: list[str] = []
        after: list[str] = []
    else:
        lines = existing.splitlines()
        found = _markers(lines)
        if found is None:
            raise CommandError(
                f"refusing to overwrite {name}: it has no {BEGIN} ... {END} markers",
                hint="add the two marker lines where the generated reference should go, "
                "or delete the file",
            )
        if isinstance(found, str):
            raise CommandError(f"cannot update {name}: {found}")
        begin, end = found
        before, after = lines[:begin], lines[end + 1 :]
    level = _heading_level("\n".join(before)) + 1
    block = render_provider(p, level=level).splitlines()
    text = "\n".join([*before, BEGIN, _NOTICE.format(id=p.id), "", *block, END, *after])
    return text + "\n"


@dataclasses.dataclass(frozen=True)
class PageState:
    """One page's standing against the manifests."""

    path: Path
    state: Literal["current", "stale", "missing", "extra", "refused"]
    """current, stale (differs), missing (no file), extra (a generated page for no provider),
    or refused (a file that cannot be updated; ``reason`` says why)."""
    text: str | None = None
    """What the file should hold (current, stale, missing)."""
    reason: str = ""
    removable: bool = False
    """For an extra page: it holds nothing but the generated block, so deleting it loses no
    hand-written text."""
    kind: str = "provider"
    """What a page documents: a "provider", or a "shared model"."""


def plan_pages(
    providers: Mapping[str, Provider], directory: Path, *, display: Path | None = None
) -> list[PageState]:
    """Compare ``directory`` with the pages ``providers`` call for; nothing is written.

    ``display`` is how the directory is named in messages (default: as given).
    """
    shown = display if display is not None else directory
    states: list[PageState] = []
    for pid in sorted(providers):
        path = directory / f"{pid}.md"
        try:
            current = path.read_text(encoding="utf-8") if path.exists() else None
        except (OSError, UnicodeDecodeError) as exc:
            states.append(
                PageState(path, "refused", reason=f"cannot read {shown / path.name}: {exc}")
            )
            continue
        try:
            wanted = update_page(current, providers[pid], str(shown / path.name))
        except CommandError as exc:
            states.append(PageState(path, "refused", reason=str(exc)))
            continue
        if current is None:
            state: Literal["current", "stale", "missing"] = "missing"
        else:
            state = "current" if current == wanted else "stale"
        states.append(PageState(path, state, wanted))
    if directory.is_dir():
        for path in sorted(directory.glob("*.md")):
            if path.stem in providers or not path.is_file():
                continue
            try:
                lines = path.read_text(encoding="utf-8").splitlines()
            except (OSError, UnicodeDecodeError):
                continue  # not a page of ours if it cannot even be read as one
            found = _markers(lines)
            if isinstance(found, tuple):
                begin, end = found
                outside = [line for line in lines[:begin] + lines[end + 1 :] if line.strip()]
                states.append(PageState(path, "extra", removable=not outside))
    return states


# --- model pages ------------------------------------------------------------------------------

MODEL_NOTICE = (
    "<!-- Generated by `registry docs` from the manifests of every provider that offers this "
    "model. Do not edit: regenerate. -->"
)


def model_page_name(identity: str) -> str:
    """The file of a shared model's page: its identity in lower case (pages must not collide on
    a case-insensitive file system), '/' as '--', anything else unsafe as '-'."""
    return re.sub(r"[^a-z0-9._-]+", "-", identity.lower().replace("/", "--")).strip("-.") + ".md"


def model_page_names(identities: Sequence[str]) -> dict[str, str]:
    """Each identity's page file; identities that spell one file ("~google/x", "google/x") get
    "-2", "-3", ... in the order given."""
    names: dict[str, str] = {}
    taken = {"readme.md"}
    for identity in identities:
        name = model_page_name(identity)
        n = 1
        while name in taken:
            n += 1
            name = f"{model_page_name(identity)[:-3]}-{n}.md"
        taken.add(name)
        names[identity] = name
    return names


def shared_models(registry: Registry) -> list[tuple[str, list[Offer]]]:
    """(identity, offers) of every model two or more providers offer now (retired offers left
    out), by identity; offers by provider, then wire id."""
    from ._offers import offer_index

    index = offer_index(registry)
    found = []
    for key in index.groups:
        current = [o for o in index.offers_of(key, env={}) if o.status != "retired"]
        if len({o.provider for o in current}) >= 2:
            current.sort(key=lambda o: (o.provider, o.model))
            found.append((index.identity[key], current))
    found.sort(key=lambda item: (item[0].casefold(), item[0]))
    return found


def render_model(identity: str, found: Sequence[Offer], providers_link: str) -> str:
    """A shared model's page: every provider's offer of it."""
    lines = [MODEL_NOTICE, "", f"# {_text(identity)}", ""]
    providers = sorted({o.provider for o in found})
    lines += [
        f"Offered by {len(providers)} providers ({len(found)} offers). Prices are USD per 1M "
        "tokens; blend is (3 x input + output) / 4. `registry offers` lists the same with "
        "whether your keys are set.",
        "",
    ]
    header = ["provider", "model", "attributes", "context", "max output", "input", "output"]
    header += ["cache read", "blend", "capabilities", "status"]
    rows = []
    for o in found:
        price = o.price
        rows.append(
            [
                _link(f"{providers_link}/{o.provider}.md", o.provider),
                _code(o.model),
                ", ".join(a for a in (o.quantization, o.variant) if a),
                count_text(o.context_window),
                count_text(o.max_output_tokens),
                _rate(price.input if price else None),
                _rate(price.output if price else None),
                _rate(price.cache_read if price else None),
                _rate(o.blended_price),
                ", ".join(o.supports),
                o.status,
            ]
        )
    lines += _table(header, rows)
    return "\n".join(lines) + "\n"


def render_model_index(shared: Sequence[tuple[str, Sequence[Offer]]]) -> str:
    """The index of the shared models' pages."""
    lines = [MODEL_NOTICE, "", "# Models offered by several providers", ""]
    lines += [
        f"{len(shared)} models are offered by two or more providers. The identity rule and "
        "what counts as the same model are in the README (Model identity and offers).",
        "",
    ]
    rows = []
    names = model_page_names([identity for identity, _ in shared])
    for identity, found in shared:
        blends = [b for o in found if (b := o.blended_price) is not None]
        span = f"{rate_text(min(blends))} - {rate_text(max(blends))}" if blends else _NONE
        rows.append(
            [
                _link(names[identity], identity),
                str(len({o.provider for o in found})),
                span,
            ]
        )
    lines += _table(["model", "providers", "blended price"], rows)
    return "\n".join(lines) + "\n"


def plan_model_pages(
    registry: Registry, directory: Path, providers_link: str, *, display: Path | None = None
) -> list[PageState]:
    """Compare ``directory`` with the model pages the registry calls for (an index README.md and
    one page per shared model); nothing is written. The pages are wholly generated: a page of
    ours (it starts with the notice) that no model calls for is extra and removable."""
    shown = display if display is not None else directory
    shared = shared_models(registry)
    names = model_page_names([identity for identity, _ in shared])
    wanted = {"README.md": render_model_index(shared)}
    for identity, found in shared:
        wanted[names[identity]] = render_model(identity, found, providers_link)
    states: list[PageState] = []
    for name, text in sorted(wanted.items()):
        path = directory / name
        try:
            current = path.read_text(encoding="utf-8") if path.exists() else None
        except (OSError, UnicodeDecodeError) as exc:
            reason = f"cannot read {shown / name}: {exc}"
            states.append(PageState(path, "refused", reason=reason, kind="shared model"))
            continue
        if current is not None and not current.startswith(MODEL_NOTICE):
            states.append(
                PageState(
                    path,
                    "refused",
                    reason=f"refusing to overwrite {shown / name}: it was not written by "
                    "`registry docs`",
                    kind="shared model",
                )
            )
            continue
        state: Literal["current", "stale", "missing"] = (
            "missing" if current is None else "current" if current == text else "stale"
        )
        states.append(PageState(path, state, text, kind="shared model"))
    if directory.is_dir():
        for path in sorted(directory.glob("*.md")):
            if path.name in wanted or not path.is_file():
                continue
            try:
                ours = path.read_text(encoding="utf-8").startswith(MODEL_NOTICE)
            except (OSError, UnicodeDecodeError):
                continue
            if ours:
                states.append(PageState(path, "extra", removable=True, kind="shared model"))
    return states
