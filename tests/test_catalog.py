"""The built-in catalog against the facts: W&B's table as PROVIDER-FACTS.md gives it, the seed
models, reference prices, and the coverage the catalog promises."""

from __future__ import annotations

from decimal import Decimal

import pytest

from provider_registry import Registry, RetiredModelError, resolve

# W&B Inference, from PROVIDER-FACTS.md: (model id, context window, $ in, $ out per 1M).
# "128k" is 128,000 and "262k" 262,144, as the models.dev snapshot gives them exactly.
WANDB = [
    ("meta-llama/Llama-3.1-8B-Instruct", 128_000, "0.22", "0.22"),
    ("meta-llama/Llama-3.1-70B-Instruct", 128_000, "0.80", "0.80"),
    ("meta-llama/Llama-3.3-70B-Instruct", 128_000, "0.71", "0.71"),
    ("microsoft/Phi-4-mini-instruct", 128_000, "0.08", "0.35"),
    ("deepseek-ai/DeepSeek-V3.1", 161_000, "0.55", "1.65"),
    ("openai/gpt-oss-120b", 131_072, "0.15", "0.60"),
    ("openai/gpt-oss-20b", 131_072, "0.05", "0.20"),
    ("OpenPipe/Qwen3-14B-Instruct", 32_768, "0.05", "0.22"),
    ("Qwen/Qwen3-235B-A22B-Instruct-2507", 262_144, "0.10", "0.10"),
    ("Qwen/Qwen3-235B-A22B-Thinking-2507", 262_144, "0.10", "0.10"),
    ("Qwen/Qwen3-30B-A3B-Instruct-2507", 262_144, "0.10", "0.30"),
    ("Qwen/Qwen3-Coder-480B-A35B-Instruct", 262_144, "1.00", "1.50"),
    ("Qwen/Qwen3.5-35B-A3B", 262_144, "0.25", "1.25"),
    ("MiniMaxAI/MiniMax-M2.5", 196_608, "0.30", "1.20"),
    ("moonshotai/Kimi-K2.5", 262_144, "0.50", "2.85"),
    ("nvidia/NVIDIA-Nemotron-3-Super-120B-A12B-FP8", 262_144, "0.20", "0.80"),
    ("zai-org/GLM-5-FP8", 200_000, "1.00", "3.20"),
    ("zai-org/GLM-5.1", 200_000, "1.40", "4.40"),  # facts say "203k"; see wandb.yaml
    ("google/gemma-4-31B-it", 262_144, "0.10", "0.34"),
]

RETIRED_ON_2026_03_04 = [
    "deepseek-ai/DeepSeek-R1-0528",
    "deepseek-ai/DeepSeek-V3-0324",
    "moonshotai/Kimi-K2-Instruct",
    "moonshotai/Kimi-K2-Instruct-0905",
    "Qwen/Qwen2.5-14B-Instruct",
    "zai-org/GLM-4.5",
]


@pytest.mark.parametrize(("model", "context", "price_in", "price_out"), WANDB)
def test_wandb_table(
    builtin: Registry, model: str, context: int, price_in: str, price_out: str
) -> None:
    res = resolve(f"wandb/{model}", registry=builtin, strict=True)
    info = res.model_info
    assert info is not None
    assert info.price is not None
    assert (info.context_window, info.price.input, info.price.output) == (
        context,
        Decimal(price_in),
        Decimal(price_out),
    )


def test_wandb_glm_5_1_is_experimental_with_a_cache_price(builtin: Registry) -> None:
    info = resolve("wandb/zai-org/GLM-5.1", registry=builtin).model_info
    assert info is not None
    assert info.price is not None
    assert (info.status, info.price.cache_read) == ("experimental", Decimal("0.26"))


@pytest.mark.parametrize("model", RETIRED_ON_2026_03_04)
def test_wandb_retired(builtin: Registry, model: str) -> None:
    with pytest.raises(RetiredModelError, match="retired on 2026-03-04"):
        resolve(f"wandb/{model}", registry=builtin)


def test_wandb_scout_names_its_replacement(builtin: Registry) -> None:
    with pytest.raises(RetiredModelError) as info:
        resolve("wandb/meta-llama/Llama-4-Scout-17B-16E-Instruct", registry=builtin)
    assert info.value.replacement == "Qwen/Qwen3.5-35B-A3B"
    assert "2026-04-21" in str(info.value)


# (model string, $ in, $ out per 1M, cost of 1,000 in + 1,000 out) from PROVIDER-FACTS.md
REFERENCE_PRICES = [
    ("gpt-4o", "2.5", "10", Decimal("0.0125")),
    ("wandb/Llama-3.1-8B-Instruct", "0.22", "0.22", Decimal("0.00044")),
    ("wandb/Llama-3.1-70B-Instruct", "0.80", "0.80", Decimal("0.0016")),
    ("claude-sonnet-4-5", "3", "15", Decimal("0.018")),
    ("claude-haiku-4-5", "1", "5", Decimal("0.006")),
    ("claude-opus-4-1", "15", "75", Decimal("0.09")),
]


@pytest.mark.parametrize(("model", "price_in", "price_out", "cost"), REFERENCE_PRICES)
def test_reference_prices(
    builtin: Registry, model: str, price_in: str, price_out: str, cost: Decimal
) -> None:
    res = resolve(model, registry=builtin)
    assert res.model_info is not None
    assert res.model_info.price is not None
    assert res.model_info.price.input == Decimal(price_in)
    assert res.model_info.price.output == Decimal(price_out)
    assert res.cost(input_tokens=1000, output_tokens=1000) == cost


def test_cached_input_price_gpt_4o(builtin: Registry) -> None:
    # 10,000 prompt tokens of which 8,000 cached at $1.25, 2,000 fresh at $2.50, 500 out at $10.
    res = resolve("gpt-4o", registry=builtin)
    assert res.cost(input_tokens=10_000, cached_tokens=8_000, output_tokens=500) == Decimal("0.02")


def test_seed_mistral_has_no_price(builtin: Registry) -> None:
    res = resolve("wandb/Mistral-7B-Instruct-v0.1", registry=builtin)
    assert res.cost(input_tokens=1000, output_tokens=1000) is None


def test_tiered_price_gemini_2_5_pro(builtin: Registry) -> None:
    res = resolve("gemini-2.5-pro", registry=builtin)
    assert res.provider_id == "gemini"
    # At or below 200k prompt tokens: $1.25 in, $10 out, $0.125 cached.
    assert res.cost(input_tokens=200_000, output_tokens=1_000) == Decimal("0.26")
    # Above 200k the whole request is at $2.50 in, $15 out, $0.25 cached.
    assert res.cost(input_tokens=200_001, output_tokens=1_000) == Decimal("0.5150025")
    assert res.cost(input_tokens=300_000, cached_tokens=100_000, output_tokens=2_000) == Decimal(
        "0.555"
    )


def test_coverage(builtin: Registry) -> None:
    providers = builtin.providers
    complete = [
        m
        for p in providers.values()
        for m in p.models.values()
        if m.price is not None and m.price.input is not None and m.context_window
    ]
    assert len(providers) >= 30
    assert len(complete) >= 1500


def test_every_manifest_says_where_its_figures_come_from(builtin: Registry) -> None:
    for p in builtin.providers.values():
        assert p.sources, p.id
        assert all(s.checked is not None for s in p.sources), p.id


# LiteLLM-style prefixes that must still find the provider: (prefix, provider id)
LITELLM_PREFIXES = [
    ("together_ai", "together"),
    ("fireworks_ai", "fireworks"),
    ("nvidia_nim", "nvidia"),
    ("hosted_vllm", "vllm"),
    ("lm_studio", "lmstudio"),
    ("gemini", "gemini"),
    ("groq", "groq"),
    ("openrouter", "openrouter"),
    ("deepinfra", "deepinfra"),
    ("xai", "xai"),
]


@pytest.mark.parametrize(("prefix", "provider"), LITELLM_PREFIXES)
def test_litellm_prefixes(builtin: Registry, prefix: str, provider: str) -> None:
    assert resolve(f"{prefix}/some-model", registry=builtin).provider_id == provider


# The facts page's endpoints and key variables: (provider id, base URL, first key env var)
ENDPOINTS = [
    ("groq", "https://api.groq.com/openai/v1", "GROQ_API_KEY"),
    ("together", "https://api.together.xyz/v1", "TOGETHER_API_KEY"),
    ("fireworks", "https://api.fireworks.ai/inference/v1", "FIREWORKS_API_KEY"),
    ("deepinfra", "https://api.deepinfra.com/v1/openai", "DEEPINFRA_API_KEY"),
    ("mistral", "https://api.mistral.ai/v1", "MISTRAL_API_KEY"),
    ("xai", "https://api.x.ai/v1", "XAI_API_KEY"),
    ("perplexity", "https://api.perplexity.ai", "PERPLEXITY_API_KEY"),
    ("openrouter", "https://openrouter.ai/api/v1", "OPENROUTER_API_KEY"),
    ("cerebras", "https://api.cerebras.ai/v1", "CEREBRAS_API_KEY"),
    ("sambanova", "https://api.sambanova.ai/v1", "SAMBANOVA_API_KEY"),
    ("moonshot", "https://api.moonshot.ai/v1", "MOONSHOT_API_KEY"),
    ("nvidia", "https://integrate.api.nvidia.com/v1", "NVIDIA_API_KEY"),
    ("github", "https://models.github.ai/inference", "GITHUB_TOKEN"),
    ("gemini", "https://generativelanguage.googleapis.com/v1beta/openai", "GEMINI_API_KEY"),
    ("anthropic", "https://api.anthropic.com/v1", "ANTHROPIC_API_KEY"),
    ("openai", "https://api.openai.com/v1", "OPENAI_API_KEY"),
    ("wandb", "https://api.inference.wandb.ai/v1", "WANDB_API_KEY"),
]


@pytest.mark.parametrize(("provider", "base_url", "key_env"), ENDPOINTS)
def test_endpoints_and_keys(builtin: Registry, provider: str, base_url: str, key_env: str) -> None:
    p = builtin.provider(provider)
    assert (p.api.base_url, p.auth.env[0]) == (base_url, key_env)


@pytest.mark.parametrize("provider", ["ollama", "vllm", "lmstudio"])
def test_local_servers_need_no_key(builtin: Registry, provider: str) -> None:
    p = builtin.provider(provider)
    assert p.auth.required is False
    assert p.api.base_url.startswith(("http://localhost:", "http://127.0.0.1:"))


def test_free_local_model_costs_zero_not_unknown(builtin: Registry) -> None:
    res = resolve("ollama/codellama", registry=builtin)
    assert res.cost(input_tokens=5_000, output_tokens=5_000) == Decimal(0)
