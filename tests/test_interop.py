"""Importers (models.dev, LiteLLM) and exporters (LiteLLM map, LiteLLM proxy, JSON catalog).

Small fixtures of our own pin every mapping rule exactly; the two reference snapshots, when
present beside the checkout, are imported whole: the LiteLLM price table must round-trip to
identical per-token floats, and every manifest written from either must pass `validate`.
"""

from __future__ import annotations

import datetime
import io
import json
import re
from collections.abc import Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

from provider_registry import (
    InvalidRequestError,
    ManifestError,
    Provider,
    Registry,
    load_manifest,
    load_registry,
)
from provider_registry._cli import main
from provider_registry._export import (
    catalog_schema_path,
    catalog_schema_text,
    export_json,
    export_litellm,
    export_litellm_proxy,
    litellm_model_map,
)
from provider_registry._import import (
    LITELLM_SOURCE,
    MODELS_DEV_SOURCE,
    ImportResult,
    import_litellm,
    import_models_dev,
    write_manifests,
)

from .conftest import ROOT, manifest_text, shared_data

FIXTURES = Path(__file__).resolve().parent / "fixtures"
CHECKED = datetime.date(2026, 11, 23)

KNOWN = """\
schema_version: 1
id: acme
name: Acme
docs_url: https://docs.acme.example
aliases: [acme-ai]
api:
  dialect: openai
  base_url: https://api.acme.example/v1
  endpoints: [api.acme.example/v1]
auth:
  env: [ACME_API_KEY]
params:
  project:
    required: true
    env: ACME_PROJECT
    send_as: {header: Acme-Project}
interop:
  litellm: [acme_ai]
  models_dev: [acme-cloud]
sources:
  - id: acme-docs
    name: Acme docs
    url: https://docs.acme.example/
    as_of: 2026-01-01
models:
  stale-model: {}
"""


def fixture(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads((FIXTURES / name).read_text(encoding="utf-8"))
    return data


def snapshot(name: str) -> dict[str, Any]:
    data: dict[str, Any] = json.loads(shared_data(name).read_text(encoding="utf-8"))
    return data


@pytest.fixture(scope="module")
def known() -> Registry:
    return Registry({"acme": load_manifest(KNOWN)}, {})


@pytest.fixture(scope="module")
def md(known: Registry) -> ImportResult:
    return import_models_dev(fixture("models-dev-small.json"), known=known, as_of=CHECKED)


@pytest.fixture(scope="module")
def ll(known: Registry) -> ImportResult:
    return import_litellm(fixture("litellm-small.json"), known=known, as_of=CHECKED)


def dump(model: Any) -> dict[str, Any]:
    out: dict[str, Any] = model.model_dump(exclude_defaults=True)
    return out


def validate_dir(directory: Path) -> dict[str, Any]:
    """`registry validate --format json DIR` (built-ins + DIR), as a user would run it."""
    buf = io.StringIO()
    code = main(["validate", "--format", "json", str(directory)], out=buf)
    report: dict[str, Any] = json.loads(buf.getvalue())
    # Only our files: the built-ins are other people's work and are checked by their own tests.
    root = directory.resolve()
    mine = [
        p
        for p in report["problems"]
        if p["severity"] == "error" and Path(p["file"] or "").resolve().is_relative_to(root)
    ]
    assert mine == [], mine[:5]
    report["exit_code"] = code
    return report


D = Decimal

# ---------------------------------------------------------------------------------------------
# models.dev

MD_MODELS: list[tuple[str, dict[str, Any]]] = [
    (
        "big-1",
        {
            "context_window": 400000,
            "max_output_tokens": 128000,
            "price": {
                "input": D("2.5"),
                "output": D("10"),
                "cache_read": D("0.25"),
                "cache_write": D("3.125"),
                "tiers": [
                    {
                        "input": D(5),
                        "output": D(20),
                        "cache_read": D("0.5"),
                        "above_input_tokens": 200000,
                    },
                ],
            },
            "supports": ["tools", "tool_choice", "json_schema", "vision", "pdf_input", "reasoning"],
        },
    ),
    # Output limit above the context window: left out (noted), the rest kept.
    ("long-out", {"context_window": 128000, "price": {"input": D("0.3"), "output": D("1.2")}}),
    # 1500 per 1M is above the validator's limit: the whole price is left out, never zeroed.
    ("pricey", {"context_window": 32000, "max_output_tokens": 8000}),
    # Family says embedding; limit.output (1536) is the vector size, not an output limit. The
    # source's output price of 0 is "no figure" at a hosted provider: left out (noted).
    ("embed-small", {"mode": "embedding", "context_window": 8191, "price": {"input": D("0.02")}}),
    # cost {} is "no price", context 0 is "unknown".
    (
        "old-1",
        {
            "supports": ["tools", "tool_choice", "audio_input", "audio_output"],
            "status": "deprecated",
        },
    ),
    # status beta -> experimental; no cost key -> no price.
    (
        "beta-1",
        {
            "context_window": 65536,
            "max_output_tokens": 65536,
            "supports": ["reasoning"],
            "status": "experimental",
        },
    ),
]


@pytest.mark.parametrize(("model_id", "expected"), MD_MODELS, ids=[m for m, _ in MD_MODELS])
def test_models_dev_model_mapping(
    md: ImportResult, model_id: str, expected: dict[str, Any]
) -> None:
    assert dump(md.providers["acme"].models[model_id]) == expected


def test_models_dev_known_provider_keeps_its_fields(md: ImportResult) -> None:
    acme = md.providers["acme"]
    before = load_manifest(KNOWN)
    for field in ("name", "docs_url", "api", "auth", "params", "aliases", "owns", "request"):
        assert getattr(acme, field) == getattr(before, field), field
    assert acme.interop == before.interop
    # Only the model table comes from the source (the known table's stale-model is gone), and
    # the import is recorded as a source with its date.
    assert list(acme.models) == ["big-1", "long-out", "pricey", "embed-small", "old-1", "beta-1"]
    assert [(s.id, s.file, s.as_of) for s in acme.sources] == [
        ("models-dev", "api.json", CHECKED),
        ("acme-docs", None, datetime.date(2026, 1, 1)),
    ]


def test_models_dev_unknown_provider_is_built_from_the_source(md: ImportResult) -> None:
    newco = md.providers["newco"]
    assert dump(newco) == {
        "schema_version": 1,
        "id": "newco",
        "name": "NewCo",
        "docs_url": "https://docs.newco.example/models",
        "api": {
            "dialect": "openai",
            "base_url": "https://API.NewCo.example/v1/",
            "endpoints": ["api.newco.example/v1"],
        },
        # NEWCO_REGION names a place, not a key; 'newco-token' is not UPPER_SNAKE (noted).
        "auth": {"env": ["NEWCO_API_KEY"]},
        "interop": {"models_dev": ["newco"]},
        "sources": [{**MODELS_DEV_SOURCE, "as_of": CHECKED}],
        "models": {
            "newco/chat-7b": {
                "context_window": 32768,
                "max_output_tokens": 4096,
                "price": {"input": D("0.1"), "output": D("0.3")},
                "supports": ["tools", "tool_choice"],
            },
            # provider.shape responses: served by the Responses API.
            "agent-1": {
                "mode": "responses",
                "context_window": 200000,
                "max_output_tokens": 32000,
                "price": {"input": D(1), "output": D(4)},
                "supports": ["tools", "tool_choice", "reasoning"],
            },
        },
    }


def test_models_dev_skipped_notes_and_unmapped(md: ImportResult) -> None:
    assert sorted(md.providers) == ["acme", "newco"]
    assert md.skipped == [
        ("nourl", "no base URL in the source"),
        ("_hidden", "cannot make a provider id ([a-z0-9_-]) from '_hidden'"),
        ("messages-only", "served through @ai-sdk/anthropic, not an OpenAI-compatible API"),
    ]
    assert md.notes == [
        "acme-cloud/long-out: output limit 200000 above context 128000; left out",
        "acme-cloud/pricey: price input 1500 per 1M tokens is above 1000; price left out",
        "acme-cloud/embed-small: price output of 0 taken for not published; left out",
        "acme-cloud/clip-1: outputs only video, which no manifest mode describes; left out",
        "newco: env var 'newco-token' is not UPPER_SNAKE; left out",
        "newco/elsewhere-1: served at another base URL "
        "(https://other.newco.example/anthropic/v1); left out",
    ]
    assert dict(md.unmapped) == {
        "name": 8, "attachment": 8, "release_date": 8, "last_updated": 8, "open_weights": 8,
        "family": 1,  # big-1's; embed-small's family was used to find its mode
        "temperature": 1, "knowledge": 1, "limit.input": 1, "cost.reasoning": 1,
        "modalities.input.video": 1, "limit.output": 1, "experimental.modes": 1,
    }  # fmt: skip


def test_models_dev_only_and_shape_errors(known: Registry) -> None:
    data = fixture("models-dev-small.json")
    result = import_models_dev(data, known=known, as_of=CHECKED, only=["newco"])
    assert list(result.providers) == ["newco"]
    assert result.skipped == []
    with pytest.raises(ManifestError, match=r"does not look like the models\.dev catalog"):
        import_models_dev(fixture("litellm-small.json"))
    with pytest.raises(ManifestError, match="a JSON object of providers"):
        import_models_dev([1, 2])  # type: ignore[arg-type]


def test_without_known_a_provider_needs_a_base_url() -> None:
    result = import_models_dev(fixture("models-dev-small.json"), as_of=CHECKED)
    assert sorted(result.providers) == ["newco"]
    assert ("acme-cloud", "no base URL in the source") in result.skipped


def test_reimport_replaces_its_own_source_entry(md: ImportResult) -> None:
    again = import_models_dev(
        fixture("models-dev-small.json"),
        known=Registry(md.providers, {}),
        as_of=datetime.date(2027, 1, 2),
        file="api-2027.json",
    )
    sources = [(s.id, s.file, s.as_of) for s in again.providers["acme"].sources]
    assert sources == [
        ("models-dev", "api-2027.json", datetime.date(2027, 1, 2)),
        ("acme-docs", None, datetime.date(2026, 1, 1)),
    ]


def test_a_source_provider_with_nothing_to_import_leaves_the_known_manifest_alone(
    known: Registry,
) -> None:
    data = {"acme-cloud": {"id": "acme-cloud", "env": [], "models": {}}}
    result = import_models_dev(data, known=known, as_of=CHECKED)
    assert result.providers == {}
    assert result.skipped == [("acme-cloud", "no model could be imported")]


# ---------------------------------------------------------------------------------------------
# LiteLLM

LL_MODELS: list[tuple[str, dict[str, Any]]] = [
    (
        "big-1",
        {
            "context_window": 400000,
            "max_output_tokens": 128000,
            "price": {
                "input": D("2.5"),
                "output": D(10),
                "cache_read": D("0.25"),
                "cache_write": D("3.125"),
                "tiers": [
                    {
                        "input": D(5),
                        "output": D(20),
                        "cache_read": D("0.5"),
                        "above_input_tokens": 200000,
                    },
                ],
            },
            "supports": [
                "tools",
                "tool_choice",
                "parallel_tool_calls",
                "json_schema",
                "vision",
                "pdf_input",
                "prompt_caching",
            ],
        },
    ),
    # 3e-07 * 1e6 is 0.29999999999999993 in float maths; the decimal route gives 0.3 exactly.
    (
        "small-2",
        {
            "context_window": 131072,
            "max_output_tokens": 8192,
            "price": {"input": D("0.3"), "output": D("1.65")},
            "supports": ["system_messages", "audio_input", "audio_output", "web_search"],
        },
    ),
    ("long-out", {"context_window": 128000, "price": {"input": D("0.3"), "output": D("1.2")}}),
    ("pricey", {"context_window": 32000, "max_output_tokens": 8000}),
    ("embed-small", {"mode": "embedding", "context_window": 8191, "price": {"input": D("0.02")}}),
    ("voice-1", {"mode": "audio_speech"}),
]


@pytest.mark.parametrize(("model_id", "expected"), LL_MODELS, ids=[m for m, _ in LL_MODELS])
def test_litellm_model_mapping(ll: ImportResult, model_id: str, expected: dict[str, Any]) -> None:
    assert dump(ll.providers["acme"].models[model_id]) == expected


def test_litellm_skipped_notes_and_unmapped(ll: ImportResult) -> None:
    acme = ll.providers["acme"]
    assert list(acme.models) == [m for m, _ in LL_MODELS]
    assert acme.sources[0].model_dump(exclude_none=True) == {**LITELLM_SOURCE, "as_of": CHECKED}
    assert ll.skipped == [("other_cloud", "no base URL in the source")]
    assert ll.notes == [
        "orphan: no litellm_provider; left out",
        "acme_ai/big-1: entry 'big-1' repeats model id 'big-1' of 'acme_ai/big-1'; kept the first",
        "acme_ai/long-out: max_output_tokens 200000 above context 128000; left out",
        "acme_ai/pricey: price input 1500 per 1M tokens is above 1000; price left out",
        "acme_ai/embed-small: price output of 0 taken for not published; left out",
        "acme_ai/live-1: mode 'realtime' has no manifest equivalent; left out",
        "acme_ai/bucket: no mode given; left out",
        "acme_ai/bad id: model id 'bad id' is not a valid manifest model id; left out",
    ]
    assert dict(ll.unmapped) == {
        "input_cost_per_token_batches": 1,
        "input_cost_per_token_above_200k_tokens_priority": 1,
        "cache_creation_input_token_cost_above_1hr": 1,
        "supports_native_streaming": 1,
        "source": 2,
        "output_vector_size": 1,
        "input_cost_per_character": 1,
    }


@pytest.mark.parametrize(
    ("entry", "expected"),
    [
        # A 0 on a hosted provider is "no figure": left out, and the whole price if nothing is left.
        ({"input_cost_per_token": 0, "output_cost_per_token": 0}, {}),
        ({"input_cost_per_token": 1e-6, "output_cost_per_token": 0}, {"price": {"input": D(1)}}),
        # A cache read above the input price is a unit mistake in the source: dropped.
        (
            {
                "input_cost_per_token": 1e-6,
                "output_cost_per_token": 2e-6,
                "cache_read_input_token_cost": 2e-6,
            },
            {"price": {"input": D(1), "output": D(2)}},
        ),
        # A cache write below the cache read is dropped; the read stays.
        (
            {
                "input_cost_per_token": 1e-6,
                "output_cost_per_token": 2e-6,
                "cache_read_input_token_cost": 5e-7,
                "cache_creation_input_token_cost": 1e-7,
            },
            {"price": {"input": D(1), "output": D(2), "cache_read": D("0.5")}},
        ),
    ],
    ids=["all-zero", "output-zero", "cache-read-above-input", "cache-write-below-read"],
)
def test_litellm_import_never_writes_a_silent_zero_or_an_implausible_cache_price(
    known: Registry, entry: dict[str, Any], expected: dict[str, Any]
) -> None:
    data = {"acme_ai/m-1": {"litellm_provider": "acme_ai", "mode": "chat", **entry}}
    result = import_litellm(data, known=known, as_of=CHECKED)
    assert dump(result.providers["acme"].models["m-1"]) == expected
    assert result.notes, "each dropped figure is noted"


@pytest.mark.parametrize("model_id", ["m-1:free", "m-1-free", "free-m-1"])
def test_a_free_variant_at_0_is_declared_free(known: Registry, model_id: str) -> None:
    entry = {"litellm_provider": "acme_ai", "mode": "chat", "input_cost_per_token": 0}
    entry["output_cost_per_token"] = 0
    result = import_litellm({f"acme_ai/{model_id}": entry}, known=known, as_of=CHECKED)
    model = result.providers["acme"].models[model_id]
    assert model.free == "litellm lists it at 0 and its id names it free"
    assert model.price is not None
    assert (model.price.input, model.price.output) == (0, 0)


def test_litellm_shape_errors() -> None:
    with pytest.raises(ManifestError, match="does not look like LiteLLM's price table"):
        import_litellm(fixture("models-dev-small.json"))


def test_imported_fixture_manifests_pass_validate(
    md: ImportResult, ll: ImportResult, tmp_path: Path
) -> None:
    for name, result in (("md", md), ("ll", ll)):
        out = tmp_path / name
        paths = write_manifests(result, out)
        assert [p.name for p in paths] == [f"{pid}.yaml" for pid in result.providers]
        assert paths[0].read_text(encoding="utf-8").startswith("# yaml-language-server: $schema=")
        assert validate_dir(out)["exit_code"] == 0
        for path in paths:
            assert load_manifest(path) == result.providers[path.stem]


# ---------------------------------------------------------------------------------------------
# Whole snapshots

_LL_PRICE = re.compile(
    r"(input_cost_per_token|output_cost_per_token|cache_read_input_token_cost|"
    r"cache_creation_input_token_cost)(_above_[0-9]+k_tokens)?"
)


def _synthetic_known(data: Mapping[str, Any]) -> Registry:
    """One made-up manifest per litellm_provider value: test fixtures, not shipped data."""
    providers: dict[str, Provider] = {}
    for entry in data.values():
        name = entry.get("litellm_provider") if isinstance(entry, dict) else None
        if not isinstance(name, str) or name.startswith("one of"):
            continue
        slug = re.sub(r"[^a-z0-9_-]", "-", name.lower())
        providers.setdefault(
            slug,
            Provider.model_validate(
                {
                    "schema_version": 1,
                    "id": slug,
                    "name": name,
                    "api": {"dialect": "openai", "base_url": f"https://{slug}.example/v1"},
                    "auth": {"env": ["SYNTHETIC_API_KEY"]},
                    "interop": {"litellm": [name]},
                }
            ),
        )
    return Registry(providers, {})


def _filled(prices: Mapping[str, float]) -> dict[str, float]:
    """LiteLLM price fields with the rates a rule gives written out, as the export writes them:
    a tier's missing rate is the base rate, a missing cache rate the (tier's) input rate."""
    fields = ("input_cost_per_token", "output_cost_per_token")
    caches = ("cache_read_input_token_cost", "cache_creation_input_token_cost")
    suffixes = {m[2] or "" for m in map(_LL_PRICE.fullmatch, prices) if m}
    out: dict[str, float] = {}
    for suffix in sorted(suffixes):
        rates = {f: prices.get(f + suffix, prices.get(f)) for f in (*fields, *caches)}
        for cache in caches:
            if rates[cache] is None:
                rates[cache] = rates["input_cost_per_token"]
        out.update({f + suffix: v for f, v in rates.items() if v is not None})
    return out


def test_litellm_snapshot_round_trips_to_15_digits() -> None:
    data = snapshot("litellm-model-prices.json")
    result = import_litellm(data, known=_synthetic_known(data), as_of=CHECKED)
    model_map = litellm_model_map(Registry(result.providers, {}))
    exported = model_map.models
    # What the export leaves out (unpriced, or a mode LiteLLM does not price per token) is
    # named in its report: "<slug of the litellm_provider>/<model id>".
    left_out = {name for names in model_map.left_out.values() for name in names}
    notes: dict[str, list[str]] = {}
    for note in result.notes:
        where, _, message = note.partition(": ")
        notes.setdefault(where, []).append(message)

    kept = excused = 0
    seen: set[str] = set()
    for key, entry in data.items():
        provider = entry.get("litellm_provider")
        if key == "sample_spec" or not isinstance(provider, str):
            continue
        model_id = key.removeprefix(f"{provider}/")
        where = f"{provider}/{model_id}"
        out_key = f"{provider}/{model_id}"
        if out_key in seen:  # a second entry for one model id: noted, the first was kept
            assert any("repeats model id" in n for n in notes[where]), key
            continue
        if out_key not in exported:
            slug = re.sub(r"[^a-z0-9_-]", "-", provider.lower())
            assert notes.get(where) or f"{slug}/{model_id}" in left_out, (
                f"{key} was dropped without a note"
            )
            continue
        seen.add(out_key)
        kept += 1
        got = exported[out_key]
        want_prices = {k: v for k, v in entry.items() if _LL_PRICE.fullmatch(k)}
        got_prices = {k: v for k, v in got.items() if _LL_PRICE.fullmatch(k)}
        if any("of 0 taken for not published" in n for n in notes.get(where, [])):
            want_prices = {k: v for k, v in want_prices.items() if v != 0}
        if any("price left out" in n for n in notes.get(where, [])):
            assert got_prices == {}, key
            excused += 1
        else:
            # The import keeps 15 significant digits, the most a double holds: float noise such
            # as 2.9999900000000002e-06 comes back as the 2.99999e-06 that was meant.
            want_prices = {k: float(format(v, ".15g")) for k, v in want_prices.items()}
            # The export also writes the rates LiteLLM's entry left to a rule (a cache rate is
            # the input rate, a tier's missing rate the base rate): only those are added.
            assert got_prices == {**_filled(want_prices), **want_prices}, key  # float == float
            assert all(type(v) is float for v in got_prices.values()), key
        # LiteLLM writes 0 for "no figure" (embeddings, moderation); a manifest leaves it out.
        assert got.get("max_input_tokens") == (entry.get("max_input_tokens") or None), key
        if any(n.startswith("max_output_tokens") for n in notes.get(where, [])):
            assert "max_output_tokens" not in got, key
            excused += 1
        else:
            want = entry.get("max_output_tokens") or None
            assert got.get("max_output_tokens") == want, key
            assert got.get("max_tokens") == want, key
    # The whole table was exercised, and the exceptions are the rare, noted data faults. (About
    # 900 entries are left out of the export: images, speech and other modes LiteLLM prices by
    # other units, and entries without a price.)
    assert kept > 3300
    assert excused < 100


@pytest.mark.parametrize(
    ("name", "importer"),
    [("models-dev-api.json", import_models_dev), ("litellm-model-prices.json", import_litellm)],
    ids=["models.dev", "litellm"],
)
def test_snapshot_import_passes_validate(
    name: str, importer: Any, builtin: Registry, tmp_path: Path
) -> None:
    data = snapshot(name)
    result: ImportResult = importer(data, known=builtin, as_of=CHECKED)
    assert result.providers
    written = write_manifests(result, tmp_path)
    report = validate_dir(tmp_path)
    assert set(report["providers"]) >= set(result.providers)
    assert len(written) == len(result.providers)


# ---------------------------------------------------------------------------------------------
# Exporters


def test_export_litellm_entry(md: ImportResult) -> None:
    reg = Registry(md.providers, {})
    out = export_litellm(reg)
    assert out["acme_ai/big-1"] == {
        "litellm_provider": "acme_ai",
        "mode": "chat",
        "input_cost_per_token": 2.5e-06,
        "output_cost_per_token": 1e-05,
        "cache_read_input_token_cost": 2.5e-07,
        "cache_creation_input_token_cost": 3.125e-06,
        "input_cost_per_token_above_200k_tokens": 5e-06,
        "output_cost_per_token_above_200k_tokens": 2e-05,
        "cache_read_input_token_cost_above_200k_tokens": 5e-07,
        # The tier gives no cache-write rate: the base one applies, written out.
        "cache_creation_input_token_cost_above_200k_tokens": 3.125e-06,
        # The same rates as LiteLLM's own range table, which it prefers where a row has one:
        # the base rates from 0, the tier's from its threshold to the context window.
        "tiered_pricing": [
            {
                "range": [0, 200000],
                "input_cost_per_token": 2.5e-06,
                "output_cost_per_token": 1e-05,
                "cache_read_input_token_cost": 2.5e-07,
                "cache_creation_input_token_cost": 3.125e-06,
            },
            {
                "range": [200000, 400000],
                "input_cost_per_token": 5e-06,
                "output_cost_per_token": 2e-05,
                "cache_read_input_token_cost": 5e-07,
                "cache_creation_input_token_cost": 3.125e-06,
            },
        ],
        "max_input_tokens": 400000,
        "max_output_tokens": 128000,
        "max_tokens": 128000,
        "supports_function_calling": True,
        "supports_tool_choice": True,
        "supports_response_schema": True,
        "supports_vision": True,
        "supports_pdf_input": True,
        "supports_reasoning": True,
    }
    # No price: left out, never written as free; nor is a provider LiteLLM has no name for.
    left_out = litellm_model_map(reg).left_out
    assert "acme_ai/old-1" not in out
    assert "acme/old-1" in left_out["unpriced"]
    assert not any(key.startswith("newco/") for key in out)
    assert "newco/newco/chat-7b" in left_out["no_litellm_name"]


def test_export_litellm_leaves_out_retired_models(builtin: Registry) -> None:
    out = export_litellm(builtin)
    wandb = builtin.providers["wandb"]
    prefix = wandb.interop.litellm[0] if wandb.interop.litellm else "wandb"
    listed = {k.split("/", 1)[1] for k in out if k.startswith(f"{prefix}/")}
    retired = {m for m, info in wandb.models.items() if info.status == "retired"}
    assert retired, "the W&B manifest lists retired models"
    unpriced = {m for m, info in wandb.models.items() if info.price is None}
    assert listed == set(wandb.models) - retired - unpriced
    assert out[f"{prefix}/meta-llama/Llama-3.1-8B-Instruct"]["input_cost_per_token"] == 2.2e-07


def test_litellm_proxy_for_wandb(builtin: Registry) -> None:
    text = export_litellm_proxy(builtin, ["wandb/Llama-3.1-8B-Instruct"])
    # LiteLLM's route for the openai dialect at our base URL (a provider's own LiteLLM route
    # may speak another API there), and our prices as LiteLLM's custom pricing.
    assert yaml.safe_load(text) == {
        "model_list": [
            {
                "model_name": "wandb/Llama-3.1-8B-Instruct",
                "litellm_params": {
                    "model": "openai/meta-llama/Llama-3.1-8B-Instruct",
                    "api_base": "https://api.inference.wandb.ai/v1",
                    "api_key": "os.environ/WANDB_API_KEY",
                    "extra_headers": {"OpenAI-Project": "os.environ/WANDB_PROJECT"},
                    "input_cost_per_token": 2.2e-07,
                    "output_cost_per_token": 2.2e-07,
                    "cache_read_input_token_cost": 2.2e-07,
                    "cache_creation_input_token_cost": 2.2e-07,
                },
            }
        ]
    }


def test_litellm_proxy_never_writes_a_key(
    builtin: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WANDB_API_KEY", "sk-secret-value-1234567890")
    monkeypatch.setenv("WANDB_PROJECT", "team/secret-project")
    text = export_litellm_proxy(builtin, ["wandb/Llama-3.1-8B-Instruct"])
    assert "sk-secret" not in text
    assert "secret-project" not in text


NO_KEY = """\
schema_version: 1
id: acme
name: Acme Local
api:
  dialect: openai
  base_url: https://acme.example/v1
  headers: {Acme-Version: '2'}
auth:
  required: false
models:
  m1: {}
"""
LOCAL = manifest_text("acme-local", extra="params:\n  zone:\n    required: true\n"
                      "    send_as: {header: Acme-Zone}\n")  # fmt: skip


@pytest.mark.parametrize(
    ("manifest", "model", "expected"),
    [
        # The dialect's route, whatever interop.litellm says; an optional header param stays out.
        (
            manifest_text("acme", extra="interop: {litellm: [acme_ai]}\nparams:\n  org:\n"
                          "    env: ACME_ORG\n    send_as: {header: Acme-Org}\n"),
            "acme/m1",
            {"model": "openai/m1", "api_base": "https://acme.example/v1",
             "api_key": "os.environ/ACME_API_KEY"},
        ),
        # A server that needs no key gets a placeholder (else LiteLLM sends OPENAI_API_KEY);
        # static headers are copied.
        (
            NO_KEY,
            "acme/m1",
            {"model": "openai/m1", "api_base": "https://acme.example/v1",
             "api_key": "no-key-needed", "extra_headers": {"Acme-Version": "2"}},
        ),
    ],
    ids=["dialect-route", "no-key"],
)  # fmt: skip
def test_litellm_proxy_entries(manifest: str, model: str, expected: dict[str, Any]) -> None:
    reg = Registry({"acme": load_manifest(manifest)}, {})
    entry = yaml.safe_load(export_litellm_proxy(reg, [model]))["model_list"][0]
    assert entry == {"model_name": model, "litellm_params": expected}


def test_litellm_proxy_refuses_a_required_param_without_env() -> None:
    reg = Registry({"acme-local": load_manifest(LOCAL)}, {})
    with pytest.raises(InvalidRequestError, match=r"required parameter 'zone'.*no environment"):
        export_litellm_proxy(reg, ["acme-local/m1"])


def test_catalog_schema_is_current() -> None:
    assert catalog_schema_path() == ROOT / "schemas" / "catalog.schema.json"
    current = catalog_schema_path().read_text(encoding="utf-8")
    assert current == catalog_schema_text(), (
        "schemas/catalog.schema.json is stale; regenerate it: python -c 'from provider_registry."
        "_export import *; catalog_schema_path().write_text(catalog_schema_text())'"
    )


def test_export_json_validates_against_its_schema(builtin: Registry, md: ImportResult) -> None:
    schema = json.loads(catalog_schema_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    validator = jsonschema.Draft202012Validator(schema)
    doc = export_json(builtin)
    validator.validate(doc)
    assert doc["catalog_version"] == 1
    wandb = doc["providers"]["wandb"]
    assert wandb["models"]["meta-llama/Llama-3.1-8B-Instruct"]["price"]["input"] == "0.22"
    assert wandb["auth"] == {
        "env": ["WANDB_API_KEY"], "header": "Authorization", "scheme": "Bearer", "required": True,
    }  # fmt: skip
    # Tiers and exact decimals, from the imported fixture.
    imported = export_json(Registry(md.providers, {}))
    validator.validate(imported)
    price = imported["providers"]["acme"]["models"]["big-1"]["price"]
    assert price == {
        "input": "2.5", "output": "10", "cache_read": "0.25", "cache_write": "3.125",
        "tiers": [{"input": "5", "output": "20", "cache_read": "0.5",
                   "above_input_tokens": 200000}],
        "windows": [],
    }  # fmt: skip
    # Prices are never JSON numbers anywhere in the document.
    text = json.dumps(doc)
    assert not re.search(r'"(input|output|cache_read|cache_write)": [0-9]', text)


# ---------------------------------------------------------------------------------------------
# Command line


def test_cli_import_writes_and_reports(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    catalog = tmp_path / "models-dev.json"
    catalog.write_text((FIXTURES / "models-dev-small.json").read_text(encoding="utf-8"))
    out_dir = tmp_path / "out"
    buf = io.StringIO()
    code = main(["import", "models.dev", str(catalog), "-o", str(out_dir)], out=buf)
    assert code == 0, capsys.readouterr().err
    report = buf.getvalue()
    assert f"wrote 1 provider, 2 models to {out_dir}" in report
    assert "  newco.yaml  2 models" in report
    assert "  nourl: no base URL in the source" in report
    # acme-cloud is unknown to the built-ins and has no base URL: only newco's models count.
    assert "  acme-cloud: no base URL in the source" in report
    assert re.search(r"^  release_date +2$", report, re.M)
    assert "2 notes on figures left out (--verbose lists them)" in report
    assert "importing 5 models.dev entries" in capsys.readouterr().err
    assert sorted(p.name for p in out_dir.iterdir()) == ["newco.yaml"]
    assert validate_dir(out_dir)["exit_code"] == 0


def test_cli_import_known_from_path_and_only(tmp_path: Path) -> None:
    drop = tmp_path / "known"
    drop.mkdir()
    (drop / "acme.yaml").write_text(KNOWN, encoding="utf-8")
    out_dir = tmp_path / "out"
    args = ["import", "litellm", str(FIXTURES / "litellm-small.json"), "-o", str(out_dir)]
    buf = io.StringIO()
    assert main([*args, "--path", str(drop), "--only", "acme", "--verbose"], out=buf) == 0
    assert sorted(p.name for p in out_dir.iterdir()) == ["acme.yaml"]
    assert "acme_ai/pricey: price input 1500 per 1M tokens" in buf.getvalue()
    assert main([*args, "--path", str(drop), "--only", "other_cloud"], out=io.StringIO()) == 1


@pytest.mark.parametrize(
    ("content", "message"),
    [
        (None, "cannot read"),
        (b"{not json", "not valid JSON"),
        (b"[1, 2]", "expected a JSON object"),
        (b'{"a": {"b": 1}}', "does not look like the models.dev catalog"),
    ],
    ids=["missing", "not-json", "list", "wrong-catalog"],
)
def test_cli_import_bad_input_is_one_line(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], content: bytes | None, message: str
) -> None:
    path = tmp_path / "catalog.json"
    if content is not None:
        path.write_bytes(content)
    code = main(["import", "models.dev", str(path), "-o", str(tmp_path / "o")], out=io.StringIO())
    assert code == 1
    errors = [line for line in capsys.readouterr().err.splitlines() if "error" in line]
    assert len(errors) == 1, errors
    assert str(path) in errors[0]
    assert message in errors[0]
    assert "Traceback" not in errors[0]


def test_cli_export_formats(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    buf = io.StringIO()
    assert main(["export", "--format", "json"], out=buf) == 0
    assert json.loads(buf.getvalue()) == export_json(load_registry())

    target = tmp_path / "litellm.json"
    buf = io.StringIO()
    assert main(["export", "--format", "litellm", "-o", str(target)], out=buf) == 0
    assert json.loads(target.read_text(encoding="utf-8")) == export_litellm(load_registry())
    assert buf.getvalue() == f"wrote {target}\n"

    buf = io.StringIO()
    args = ["export", "--format", "litellm-proxy", "--model", "wandb/Llama-3.1-8B-Instruct"]
    assert main(args, out=buf) == 0
    assert buf.getvalue() == export_litellm_proxy(load_registry(), ["wandb/Llama-3.1-8B-Instruct"])

    assert main(["export", "--format", "litellm-proxy"], out=io.StringIO()) == 2
    assert main(["export", "--format", "json", "--model", "x"], out=io.StringIO()) == 2
    assert (
        main(["export", "--format", "litellm-proxy", "--model", "nope/x"], out=io.StringIO()) == 1
    )
    assert "unknown provider 'nope'" in capsys.readouterr().err


@pytest.mark.parametrize("command", ["import", "export"])
def test_cli_help_has_examples(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main([command, "--help"])
    assert exc.value.code == 0
    help_text = capsys.readouterr().out
    assert "examples:\n  registry " + command in help_text
