"""The built-in catalog against the facts: W&B's table row by row as WANDB-FACTS.md gives it, the
seed models, reference prices, and the coverage the catalog promises."""

from __future__ import annotations

import datetime
import re
from decimal import Decimal
from typing import NamedTuple

import pytest

from provider_registry import Registry, RetiredModelError, resolve

from .conftest import shared_data

# --- W&B: every row of WANDB-FACTS.md -------------------------------------------------------


class FactsRow(NamedTuple):
    """One row of WANDB-FACTS.md's model table, reduced to the value its judgement keeps: the
    first figure of each cell (the provider's feed where it lists the model), None for
    "unknown" or a figure given only rounded ("262K")."""

    model: str
    status: str
    retired_on: str | None
    replacement: str | None
    context: int | None
    prices: tuple[Decimal | None, Decimal | None, Decimal | None]


# Where the manifest keeps another figure than the first of the cell, and why.
CONTEXT_EXCEPTIONS = {
    # "WB2 131K; MD-old 128000": the rounded figure comes first; models.dev's exact one is kept.
    "moonshotai/Kimi-K2-Instruct": 128_000,
}
# The notes below the table: these rows were deprecated on 2026-09-04 [WB9].
DEPRECATED_2026_09_04 = {
    "deepseek-ai/DeepSeek-V4-Flash",
    "deepseek-ai/DeepSeek-V4-Pro",
    "ibm-granite/granite-4.1-8b",
}


def _first_number(cell: str) -> str | None:
    found = re.match(r"\s*(?:[A-Z][A-Za-z0-9-]* )?([0-9][0-9.]*)(K|k)?\b", cell)
    if cell.strip().startswith("unknown") or found is None or found[2]:
        return None
    return found[1]


def _status(cell: str, ids: list[str]) -> tuple[str, str | None, str | None]:
    if cell.startswith("ga"):
        return "ga", None, None
    if cell.startswith("unknown"):
        return "unverified", None, None
    date = re.match(r"retired (\d{4}-\d{2}-\d{2})", cell)
    arrow = re.search(r"-> ([A-Za-z0-9./_-]+)", cell)
    replacement = None
    if arrow and arrow[1] != "unknown":
        name = arrow[1]
        replacement = next(i for i in ids if i == name or i.endswith("/" + name))
    return "retired", date[1] if date else None, replacement


def wandb_facts() -> list[FactsRow]:
    text = shared_data("WANDB-FACTS.md").read_text(encoding="utf-8")
    table = text.split("## (a) Models", 1)[1].split("\n\n", 2)[1]
    cells = [
        [c.strip() for c in line.strip().strip("|").split("|")]
        for line in table.splitlines()
        if line.startswith("| ") and not line.startswith(("| Model id", "|---"))
    ]
    ids = [row[0] for row in cells]
    rows = []
    for model, status, context, *prices in cells:
        first = _first_number(context)
        rows.append(
            FactsRow(
                model,
                *_status(status, ids),
                CONTEXT_EXCEPTIONS.get(model, int(first) if first else None),
                tuple(Decimal(p) if (p := _first_number(c)) else None for c in prices),  # type: ignore[arg-type]
            )
        )
    return rows


def test_wandb_table_is_the_facts_table(builtin: Registry) -> None:
    facts = {row.model: row for row in wandb_facts()}
    assert len(facts) == 50
    table = builtin.provider("wandb").models
    # The seed's own model is the only one the facts do not list.
    assert set(table) - set(facts) == {"Mistral-7B-Instruct-v0.1"}
    assert set(facts) <= set(table)


def test_wandb_rows_match_the_facts(builtin: Registry) -> None:
    table = builtin.provider("wandb").models
    wrong = []
    for row in wandb_facts():
        m = table[row.model]
        price = m.price
        mine = FactsRow(
            row.model,
            m.status,
            m.retired_on.isoformat() if m.retired_on else None,
            m.replacement,
            m.context_window,
            (
                price.input if price else None,
                price.output if price else None,
                price.cache_read if price else None,
            ),
        )
        if mine != row:
            wrong.append(f"{row.model}: manifest {mine[1:]} != facts {row[1:]}")
        expected_deprecation = (
            datetime.date(2026, 9, 4) if row.model in DEPRECATED_2026_09_04 else m.deprecated_on
        )
        if m.deprecated_on != expected_deprecation:
            wrong.append(f"{row.model}: deprecated_on {m.deprecated_on}")
    assert not wrong, "\n".join(wrong)


def test_wandb_models_the_feed_lacks_are_not_ga(builtin: Registry) -> None:
    p = builtin.provider("wandb")
    for model_id, m in p.models.items():
        src = p.source_of(m)
        assert src is not None
        if not src.id.startswith("coreweave-feed"):
            assert m.status != "ga", model_id
            assert m.status == "retired" or m.pinned.get("lifecycle"), model_id


def test_wandb_seed_names_still_work(builtin: Registry) -> None:
    assert resolve("wandb/Llama-3.1-8B-Instruct", registry=builtin).model == (
        "meta-llama/Llama-3.1-8B-Instruct"
    )
    with pytest.raises(RetiredModelError, match="retired on 2026-10-05"):
        resolve("wandb/Llama-3.1-70B-Instruct", registry=builtin)
    past = resolve("wandb/Llama-3.1-70B-Instruct", registry=builtin, include_retired=True)
    assert past.cost(
        input_tokens=1000, output_tokens=1000, at=datetime.date(2026, 9, 1)
    ) == Decimal("0.0016")


def test_wandb_retired_names_their_replacement(builtin: Registry) -> None:
    with pytest.raises(RetiredModelError) as info:
        resolve("wandb/meta-llama/Llama-4-Scout-17B-16E-Instruct", registry=builtin)
    assert info.value.replacement == "Qwen/Qwen3.5-35B-A3B"
    assert "2026-04-21" in str(info.value)
    with pytest.raises(RetiredModelError) as info:
        resolve("wandb/deepseek-ai/DeepSeek-V4-Pro", registry=builtin)
    assert info.value.replacement == "deepseek-ai/DeepSeek-V4-Pro-0813"


# (model string, $ in, $ out per 1M, cost of 1,000 in + 1,000 out)
REFERENCE_PRICES = [
    ("gpt-5.2", "1.75", "14", Decimal("0.01575")),
    ("wandb/Llama-3.1-8B-Instruct", "0.22", "0.22", Decimal("0.00044")),
    ("claude-sonnet-4-6", "3", "15", Decimal("0.018")),
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


def test_cached_input_price_gpt_5_2(builtin: Registry) -> None:
    # 10,000 prompt tokens of which 8,000 cached at $0.175, 2,000 fresh at $1.75, 500 out at $14.
    res = resolve("gpt-5.2", registry=builtin)
    assert res.cost(input_tokens=10_000, cached_tokens=8_000, output_tokens=500) == Decimal(
        "0.0119"
    )


def test_seed_mistral_has_no_price(builtin: Registry) -> None:
    res = resolve("wandb/Mistral-7B-Instruct-v0.1", registry=builtin)
    assert res.cost(input_tokens=1000, output_tokens=1000) is None


def test_tiered_price_gemini_3_1_pro(builtin: Registry) -> None:
    res = resolve("gemini-3.1-pro-preview", registry=builtin)
    assert res.provider_id == "gemini"
    # At or below 200k prompt tokens: $2 in, $12 out, $0.20 cached.
    assert res.cost(input_tokens=200_000, output_tokens=1_000) == Decimal("0.412")
    # Above 200k the whole request is at $4 in, $18 out, $0.40 cached.
    assert res.cost(input_tokens=200_001, output_tokens=1_000) == Decimal("0.818004")
    assert res.cost(input_tokens=300_000, cached_tokens=100_000, output_tokens=2_000) == Decimal(
        "0.876"
    )


def test_retired_tiered_model_is_refused_but_priceable(builtin: Registry) -> None:
    # Gemini 2.5 Pro was retired on 2026-12-01 (LiteLLM 1.110.2's deprecation_date): a request is
    # refused, and a request made before then is still priced at its two tiers.
    with pytest.raises(RetiredModelError, match="retired on 2026-12-01"):
        resolve("gemini-2.5-pro", registry=builtin)
    res = resolve("gemini-2.5-pro", registry=builtin, include_retired=True)
    before = datetime.date(2026, 11, 30)
    assert res.cost(input_tokens=200_000, output_tokens=1_000, at=before) == Decimal("0.26")
    assert res.cost(input_tokens=200_001, output_tokens=1_000, at=before) == Decimal("0.5150025")
    with pytest.raises(RetiredModelError):
        res.cost(input_tokens=1, at=datetime.date(2026, 12, 1))


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
        for s in p.sources:
            assert s.url or s.file, (p.id, s.id)
            assert s.as_of <= datetime.date.today(), (p.id, s.id)
        for model_id, m in p.models.items():
            assert p.source_of(m) is not None, (p.id, model_id)


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
    ("gemini-openai", "https://generativelanguage.googleapis.com/v1beta/openai", "GEMINI_API_KEY"),
    ("gemini", "https://generativelanguage.googleapis.com/v1beta", "GEMINI_API_KEY"),
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
