"""Names a LiteLLM user types (issue 13, items 1-7): each with its expected provider, wire id and
price, or its expected error.

Prices are checked for 1,000 prompt and 500 completion tokens, in USD.
"""

from __future__ import annotations

import warnings
from decimal import Decimal
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from provider_registry import (
    InvalidParameterError,
    LookupFailedError,
    ManifestError,
    ModelNameWarning,
    Registry,
    RetiredModelError,
    UnknownModelError,
    load_registry,
    resolve,
)
from provider_registry._loader import load_manifest
from tests.conftest import manifest_text, set_places


def _cost(prompt: str, completion: str) -> Decimal:
    """USD for 1,000 prompt and 500 completion tokens at per-1M rates."""
    return (Decimal(prompt) * 1000 + Decimal(completion) * 500) / 1_000_000


# (model as typed, keyword arguments, provider, wire id, cost of 1,000 + 500 tokens or None)
NAMES: list[tuple[str, dict[str, str], str, str, Decimal | None]] = [
    # Item 1: OpenAI fine-tunes, at OpenAI's fine-tuned rates (LiteLLM 1.110.2's ft: entries)
    ("ft:gpt-4o-2024-08-06:org::abc123", {}, "openai", "ft:gpt-4o-2024-08-06:org::abc123",
     _cost("3.75", "15")),
    ("ft:gpt-4o-2024-08-06:my-org:custom:abc123:ckpt-step-10", {}, "openai",
     "ft:gpt-4o-2024-08-06:my-org:custom:abc123:ckpt-step-10", _cost("3.75", "15")),
    ("ft:gpt-4o-mini-2024-07-18:acme:suffix:job1", {}, "openai",
     "ft:gpt-4o-mini-2024-07-18:acme:suffix:job1", _cost("0.3", "1.2")),
    ("ft:gpt-4.1-2025-04-14:org::x", {}, "openai", "ft:gpt-4.1-2025-04-14:org::x",
     _cost("3", "12")),
    ("ft:babbage-002:org::x", {}, "openai", "ft:babbage-002:org::x", _cost("1.6", "1.6")),
    ("openai/ft:gpt-3.5-turbo:org::x", {}, "openai", "ft:gpt-3.5-turbo:org::x", _cost("3", "6")),
    # a base whose fine-tuned rate no source gives: unknown, not gpt-5's own price
    ("ft:gpt-5:org::x", {}, "openai", "ft:gpt-5:org::x", None),
    # Item 1: W&B LoRA adapters, at the base model's rates when the caller names the base
    ("wandb-artifact:///team/project/name:v3", {}, "wandb", "wandb-artifact:///team/project/name:v3",
     None),
    ("wandb-artifact:///team/project/name:v3", {"base_model": "meta-llama/Llama-3.1-8B-Instruct"},
     "wandb", "wandb-artifact:///team/project/name:v3", _cost("0.22", "0.22")),
    ("wandb/wandb-artifact:///team/project/qwen_lora:latest",
     {"base_model": "Llama-3.1-8B-Instruct"}, "wandb",
     "wandb-artifact:///team/project/qwen_lora:latest", _cost("0.22", "0.22")),
    # Item 2: OpenAI names its ownership rules missed (not in its table: no price)
    ("omni-moderation-latest", {}, "openai", "omni-moderation-latest", None),
    ("omni-moderation-2024-09-26", {}, "openai", "omni-moderation-2024-09-26", None),
    ("tts-1", {}, "openai", "tts-1", None),
    ("tts-1-1106", {}, "openai", "tts-1-1106", None),
    ("tts-1-hd", {}, "openai", "tts-1-hd", None),
    ("gpt-image-2", {}, "openai", "gpt-image-2", _cost("5", "30")),
    ("gpt-image-2-mini", {}, "openai", "gpt-image-2-mini", None),
    ("gpt-realtime", {}, "openai", "gpt-realtime", None),
    ("gpt-realtime-mini-2025-10-06", {}, "openai", "gpt-realtime-mini-2025-10-06", None),
    ("whisper-1", {}, "openai", "whisper-1", None),
    # Item 3: LiteLLM's provider names as prefixes
    ("text-completion-openai/gpt-5.2", {}, "openai", "gpt-5.2", _cost("1.75", "14")),
    ("text-completion-codestral/codestral-latest", {}, "codestral", "codestral-latest", None),
    ("together_ai/some-org/some-model", {}, "together", "some-org/some-model", None),
    # Item 4: a '*' rule stays within its path segment
    ("deepseek-reasoner-v9", {}, "deepseek", "deepseek-reasoner-v9", None),
    # deepseek-* does not claim the deepseek-ai/ namespace: the one provider listing it wins
    ("deepseek-ai/DeepSeek-R1-Turbo", {}, "deepinfra", "deepseek-ai/DeepSeek-R1-Turbo",
     _cost("1", "3")),
]  # fmt: skip


@pytest.mark.parametrize(("model", "kw", "provider", "wire", "price"), NAMES)
def test_a_litellm_name_resolves(
    builtin: Registry,
    model: str,
    kw: dict[str, str],
    provider: str,
    wire: str,
    price: Decimal | None,
) -> None:
    res = resolve(model, registry=builtin, **kw)
    assert (res.provider_id, res.model) == (provider, wire)
    assert res.cost(input_tokens=1000, output_tokens=500) == price


# (model as typed, keyword arguments, expected error, text it holds)
ERRORS: list[tuple[str, dict[str, str], type[Exception], str]] = [
    # Item 4: deepseek-* does not claim the deepseek-ai/ namespace, which nobody lists this in
    ("deepseek-ai/DeepSeek-R9-Turbo", {}, UnknownModelError, "deepseek-ai/DeepSeek-R9-Turbo"),
    # Item 2: OpenAI names its ownership rules claim, since listed: LiteLLM 1.110.2 retires
    # them (its deprecation_date), so they resolve to OpenAI's retired entry
    ("computer-use-preview", {}, RetiredModelError, "openai/computer-use-preview was retired"),
    ("computer-use-preview-2025-03-11", {}, RetiredModelError,
     "openai/computer-use-preview-2025-03-11 was retired"),
    ("babbage-002", {}, RetiredModelError, "openai/babbage-002 was retired"),
    ("davinci-002", {}, RetiredModelError, "openai/davinci-002 was retired"),
    ("text-completion-openai/babbage-002", {}, RetiredModelError,
     "openai/babbage-002 was retired"),
    # Item 1: a base model the provider does not serve, and a base for an id that needs none
    ("wandb-artifact:///team/project/name:v3", {"base_model": "llama-3.1-8b"},
     InvalidParameterError, "not in its model table"),
    ("wandb/meta-llama/Llama-3.1-8B-Instruct", {"base_model": "Llama-3.1-8B-Instruct"},
     InvalidParameterError, "not a parameter"),
    # an id of the wrong shape is no fine-tune (and nobody else claims it)
    ("ft:gpt-4o", {}, UnknownModelError, "ft:gpt-4o"),
    ("ft:" + "a:" * 5000, {}, UnknownModelError, "unknown model"),
]  # fmt: skip


@pytest.mark.parametrize(("model", "kw", "error", "text"), ERRORS)
def test_a_litellm_name_is_refused(
    builtin: Registry, model: str, kw: dict[str, str], error: type[Exception], text: str
) -> None:
    with pytest.raises(error, match=None) as info:
        resolve(model, registry=builtin, **kw)
    assert text in str(info.value)


def _litellm_prefixes() -> list[tuple[str, str]]:
    reg = load_registry(env=False)
    return [
        (pid, name) for pid, p in reg.providers.items() for name in p.interop.litellm
    ]  # fmt: skip


@pytest.mark.parametrize(("provider", "prefix"), _litellm_prefixes())
def test_every_interop_litellm_name_is_a_prefix(
    builtin: Registry, provider: str, prefix: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Item 3: each built-in's LiteLLM names select it, with its model and its price."""
    p = builtin.provider(provider)
    set_places(p, monkeypatch)  # an account, host or region in the URL
    live = [m for m, info in p.models.items() if info.status == "ga" and info.retired_on is None]
    model = live[0] if live else "any-model"
    res = resolve(f"{prefix}/{model}", registry=builtin)
    assert (res.provider_id, res.model) == (provider, model)
    own = resolve(f"{provider}/{model}", registry=builtin)
    assert res.cost(input_tokens=1000, output_tokens=500) == own.cost(
        input_tokens=1000, output_tokens=500
    )


def test_a_derived_model_is_described_by_its_base_without_its_price(builtin: Registry) -> None:
    """Item 1: a fine-tune's model_info is its base's, priced as the pattern says."""
    res = resolve("ft:gpt-4o-2024-08-06:org::abc123", registry=builtin)
    info = res.model_info
    assert info is not None
    assert info.context_window == 128000
    assert info.price is not None
    assert info.price.input == Decimal("3.75")
    unknown = resolve("ft:gpt-5:org::x", registry=builtin).model_info
    assert unknown is not None
    assert unknown.price is None
    assert unknown.context_window == builtin.provider("openai").models["gpt-5"].context_window


def test_base_model_is_never_sent(builtin: Registry) -> None:
    res = resolve(
        "wandb-artifact:///t/p/a:v1",
        registry=builtin,
        api_key="k" * 20,
        project="team/proj",
        base_model="meta-llama/Llama-3.1-8B-Instruct",
    )
    request = res.build_request({"messages": [{"role": "user", "content": "hi"}]})
    assert b"base_model" not in request.content
    assert b"wandb-artifact:///t/p/a:v1" in request.content


FINE_TUNED = {
    "gpt-4o-2024-08-06": ("3.75", "15"),
    "gpt-4o-mini-2024-07-18": ("0.3", "1.2"),
    "gpt-4.1-nano-2025-04-14": ("0.2", "0.8"),
    "davinci-002": ("12", "12"),
}
_PART = st.text(
    alphabet=st.characters(blacklist_characters=":/", blacklist_categories=("Cs", "Cc", "Z")),
    max_size=24,
)


@settings(max_examples=300, deadline=None)
@given(
    base=st.sampled_from([*FINE_TUNED, "gpt-5", "gpt-4o", "o3"]),
    org=_PART,
    suffix=_PART,
    job=_PART.filter(bool),
)
def test_any_fine_tune_id_is_openai_at_its_fine_tuned_price_or_none(
    base: str, org: str, suffix: str, job: str
) -> None:
    """Item 1: never the base model's own price, never 0."""
    reg = _REG[0]
    model = f"ft:{base}:{org}:{suffix}:{job}"
    res = resolve(model, registry=reg)
    assert (res.provider_id, res.model) == ("openai", model)
    cost = res.cost(input_tokens=1000, output_tokens=500)
    expected = _cost(*FINE_TUNED[base]) if base in FINE_TUNED else None
    assert cost == expected


_REG = [load_registry(env=False)]


# Item 6: a name that differs from a listed one only in case


def test_a_wrong_case_name_warns_with_did_you_mean_on_every_call(builtin: Registry) -> None:
    for _ in range(3):  # the memo must not swallow the warning
        with pytest.warns(ModelNameWarning, match="did you mean 'Llama-3.1-8B-Instruct'"):
            res = resolve("wandb/llama-3.1-8b-instruct", registry=builtin)
        assert res.model == "llama-3.1-8b-instruct"
        assert res.model_info is None


def test_the_right_case_and_an_unrelated_name_do_not_warn(builtin: Registry) -> None:
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        resolve("wandb/Llama-3.1-8B-Instruct", registry=builtin)
        resolve("wandb/no-such-model", registry=builtin)


# Item 4 and item 7 on fixture manifests


def _registry(tmp_path: Path, text: str) -> Registry:
    path = tmp_path / "acme.yaml"
    path.write_text(text)
    return load_registry([path], builtin=False, env=False)


def test_a_star_rule_stops_at_a_slash_and_a_double_star_crosses_it(tmp_path: Path) -> None:
    reg = _registry(tmp_path, manifest_text("acme", extra='owns: [acme-*, "zeta/**"]\n'))
    assert resolve("acme-1", registry=reg).provider_id == "acme"
    with pytest.raises(LookupFailedError):
        resolve("acme-ai/model-1", registry=reg)
    assert resolve("zeta/a/b", registry=reg).provider_id == "acme"


LATEST = """\
  m-2: {price: {input: 2, output: 4}}
  m-1: {price: {input: 1, output: 1}}
  m-latest: {points_to: m-2, price: {input: 1, output: 1}}
"""


def test_a_latest_name_costs_what_it_points_to(tmp_path: Path) -> None:
    reg = _registry(tmp_path, manifest_text("acme", LATEST))
    res = resolve("acme/m-latest", registry=reg)
    assert res.model == "m-latest"
    assert res.cost(input_tokens=1000, output_tokens=500) == _cost("2", "4")


@pytest.mark.parametrize("target", ["m-9", "m-latest"])
def test_points_to_must_name_another_model(tmp_path: Path, target: str) -> None:
    text = manifest_text("acme", f"  m-2: {{}}\n  m-latest: {{points_to: {target}}}")
    with pytest.raises(ManifestError, match="points_to"):
        _registry(tmp_path, text)


# Item 1: what a pattern may say

PATTERN = "model_patterns:\n  - {{match: {match!r}, {rest}}}\n"


@pytest.mark.parametrize(
    ("match", "rest", "text"),
    [
        ("{x}:ft", "base: x, price: base", "literal text first"),
        ("ft:{a}{b}", "base: a, price: base", "literal text first"),
        ("ft:{a}", "base: b, price: base", "not a slot"),
        ("ft:{a}", "price: base", "exactly one of base or base_param"),
        ("ft:{a}", "base: a, price: own", 'price "own" needs'),
        ("ft:{a}", "base: a, price: base, prices: {m1: {input: 1}}", "only with price"),
    ],
)
def test_a_bad_pattern_is_refused(match: str, rest: str, text: str) -> None:
    doc = manifest_text("acme", extra=PATTERN.format(match=match, rest=rest))
    with pytest.raises(ManifestError) as info:
        load_manifest(doc)
    assert text in str(info.value)


def test_a_fixture_pattern_priced_unknown_has_no_cost(tmp_path: Path) -> None:
    extra = PATTERN.format(match="acme-ft/{base}/{id}", rest="base: base, price: unknown")
    reg = _registry(
        tmp_path, manifest_text("acme", "  m1: {price: {input: 1, output: 1}}", extra=extra)
    )
    res = resolve("acme-ft/m1/abc", registry=reg)
    assert res.provider_id == "acme"
    assert res.cost(input_tokens=1000) is None
    assert res.model_info is not None
    assert res.model_info.price is None


# Item 5: endpoints that moved or have short forms


@pytest.mark.parametrize(
    ("api_base", "provider", "key_env"),
    [
        ("https://api.together.ai/v1", "together", "TOGETHER_API_KEY"),
        ("https://api.together.xyz/v1", "together", "TOGETHER_API_KEY"),
        ("https://ai-gateway.helicone.ai", "helicone", "HELICONE_API_KEY"),
        ("https://ai-gateway.helicone.ai/v1", "helicone", "HELICONE_API_KEY"),
    ],
)
def test_an_endpoint_selects_its_provider_and_gets_its_key(
    builtin: Registry,
    monkeypatch: pytest.MonkeyPatch,
    api_base: str,
    provider: str,
    key_env: str,
) -> None:
    monkeypatch.setenv(key_env, "sk-test-endpoint-1234")
    res = resolve("some-model", api_base=api_base, registry=builtin)
    assert (res.provider_id, res.api_base) == (provider, api_base)
    assert res.key_source == key_env
