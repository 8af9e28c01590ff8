"""``registry sync --add``: models a catalog lists that a real manifest on disk lacks are added
after its last model, with their figures and source, and nothing else in the file changes; a
model the manifest has under another spelling, and a row that is no model, are skipped with
the reason."""

from __future__ import annotations

import datetime
import io
import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

from provider_registry import load_registry, resolve
from provider_registry._add import LATEST, LISTED, NOT_MODEL, REPEATED, SPELLED, add_missing
from provider_registry._cli import main
from provider_registry._sources import read_table
from provider_registry._validate import validate

AS_OF = datetime.date(2026, 11, 20)
TODAY = datetime.date(2026, 12, 1)

MANIFEST = """\
# The acme manifest: these comments must survive an add.
schema_version: 1
id: acme
name: Acme
api:
  dialect: openai
  base_url: https://acme.example/v1
  endpoints: [acme.example/v1]
auth:
  env: [ACME_API_KEY]
interop:
  litellm: [acme_ai]
sources:
- {id: pricing, url: 'https://acme.example/pricing', as_of: 2026-09-01}   # hand-checked
models:
  # Checked against the pricing page in June.
  '@ac/acme/fast-1':
    context_window: 128000
    price: {input: 0.5, output: 1.5}  # per 1M tokens
  smart-2:
    aliases: [smart-two]
    context_window: 200000
    price: {input: 3, output: 15}
  Mega-3-Instruct:
    context_window: 32768
    price: {input: 1, output: 2}
  large-2025-01:
    context_window: 65536
    price: {input: 2, output: 6}
"""


def row(model: str, *, provider: str = "acme_ai", **fields: Any) -> tuple[str, dict[str, Any]]:
    """A LiteLLM row; prices per 1M tokens, written per token as LiteLLM does."""
    names = {
        "input": "input_cost_per_token",
        "output": "output_cost_per_token",
        "cache_read": "cache_read_input_token_cost",
    }
    out: dict[str, Any] = {"litellm_provider": provider, "mode": "chat"}
    for key, value in fields.items():
        out[names.get(key, key)] = float(Decimal(str(value)) / 1_000_000) if key in names else value
    return model, out


CATALOG = dict(
    [
        # new: two models, one retired by its deprecation_date, one coming
        row("acme_ai/new-4", input=0.2, output=0.8, max_input_tokens=131072, max_output_tokens=8192,
            supports_function_calling=True, supports_vision=True),
        row("acme_ai/old-5", input=1, output=3, max_input_tokens=8192,
            deprecation_date="2026-10-01"),
        row("acme_ai/soon-6", input=1, output=3, max_input_tokens=8192,
            deprecation_date="2027-02-01"),
        row("acme_ai/embed-7", input=0.02, max_input_tokens=8192, mode="embedding"),
        # a 0 that is no price: left out, the model kept with its window
        row("acme_ai/zero-8", input=0, output=0, max_input_tokens=32768),
        # present under another spelling: the sync mapping, an alias, case, a namespace,
        # a trailing -latest, punctuation
        row("acme_ai/smart-2", input=3, output=15, max_input_tokens=200000),
        row("acme_ai/smart-two", input=3, output=15, max_input_tokens=200000),
        row("acme_ai/mega-3-instruct", input=1, output=2, max_input_tokens=32768),
        row("acme_ai/fast-1", input=0.5, output=1.5, max_input_tokens=128000),
        row("acme_ai/@AC/acme/fast-1", input=0.5, output=1.5, max_input_tokens=128000),
        row("acme_ai/smart-2-latest", input=3, output=15, max_input_tokens=200000),
        row("acme_ai/large-latest", input=2, output=6, max_input_tokens=65536),
        row("acme_ai/Mega_3.Instruct", input=1, output=2, max_input_tokens=32768),
        # one new model, twice in the catalog
        row("acme_ai/twin-9", input=1, output=1, max_input_tokens=4096),
        row("acme_ai/Twin-9", input=1, output=1, max_input_tokens=4096),
        # rows that are not models
        row("acme_ai/1024-x-1024/pic-1", mode="image_generation", output_cost_per_image=0.04),
        row("acme_ai/us-east-1/new-4", input=0.3, output=1, max_input_tokens=131072),
        row("acme_ai/1-month-commitment/new-4", input=0.3, max_input_tokens=131072),
        row("acme_ai/ft:new-4", input=0.3, output=1.2, max_input_tokens=131072),
        row("acme_ai/acme-ai-up-to-4b", input=0.1, output=0.1),
        row("acme_ai/clip-1", input=0.1, mode="video_generation", max_input_tokens=1000),
        # another provider's row
        row("other/new-4", provider="other", input=9, output=9, max_input_tokens=1000),
    ]
)  # fmt: skip

ADDED = ["embed-7", "new-4", "old-5", "soon-6", "twin-9", "zero-8"]


@pytest.fixture
def acme(tmp_path: Path) -> Path:
    d = tmp_path / "providers"
    d.mkdir()
    (d / "acme.yaml").write_text(MANIFEST)
    return d / "acme.yaml"


def run_add(manifest: Path, data: dict[str, Any]) -> Any:
    registry = load_registry([manifest], builtin=False, env=False)
    table = read_table("litellm", data, registry, label="prices-1.2.json", as_of=AS_OF)
    return add_missing(registry, table, data, today=TODAY)


def test_missing_models_are_added_with_their_figures_and_source(acme: Path) -> None:
    result = run_add(acme, CATALOG)
    assert sorted(m for _, m in result.added) == ADDED
    result.write()
    p = load_registry([acme], builtin=False, env=False).provider("acme")
    new = p.models["new-4"]
    assert (new.context_window, new.max_output_tokens) == (131072, 8192)
    assert new.price is not None
    assert (new.price.input, new.price.output) == (Decimal("0.2"), Decimal("0.8"))
    assert new.supports == ["tools", "vision"]
    assert p.models["embed-7"].mode == "embedding"
    src = p.source_of(new)
    assert src is not None
    assert (src.id, src.file, src.as_of) == ("litellm", "prices-1.2.json", AS_OF)
    res = resolve("acme/new-4", registry=load_registry([acme], builtin=False, env=False))
    assert res.cost(input_tokens=1_000_000) == Decimal("0.2")


def test_a_passed_deprecation_date_retires_and_a_coming_one_deprecates(acme: Path) -> None:
    run_add(acme, CATALOG).write()
    models = load_registry([acme], builtin=False, env=False).provider("acme").models
    assert (models["old-5"].status, models["old-5"].retired_on) == (
        "retired",
        datetime.date(2026, 10, 1),
    )
    assert (models["soon-6"].status, models["soon-6"].retired_on) == (
        "deprecated",
        datetime.date(2027, 2, 1),
    )
    assert models["new-4"].status == "ga"


def test_a_model_listed_under_another_spelling_is_skipped_with_the_reason(acme: Path) -> None:
    skipped = {s.entry: (s.reason, s.detail) for s in run_add(acme, CATALOG).skipped}
    assert skipped["smart-2"] == (LISTED, "as smart-2")
    assert skipped["smart-two"][0] == LISTED  # an alias: resolve() finds it
    assert skipped["mega-3-instruct"] == (SPELLED, "as Mega-3-Instruct")  # case
    assert skipped["Mega_3.Instruct"] == (SPELLED, "as Mega-3-Instruct")  # punctuation
    assert skipped["fast-1"] == (SPELLED, "as @ac/acme/fast-1")  # a namespace
    assert skipped["@AC/acme/fast-1"] == (SPELLED, "as @ac/acme/fast-1")
    assert skipped["smart-2-latest"] == (SPELLED, "as smart-2")
    assert skipped["large-latest"] == (LATEST, "of large-2025-01")
    assert skipped["Twin-9"] == (REPEATED, "kept twin-9")  # the catalog's first spelling
    assert "new-4" not in skipped


def test_rows_that_are_no_model_are_left_out_with_the_reason(acme: Path) -> None:
    skipped = {s.entry: (s.reason, s.detail) for s in run_add(acme, CATALOG).skipped}
    assert skipped["1024-x-1024/pic-1"] == (NOT_MODEL, "an image-size price row")
    assert skipped["us-east-1/new-4"] == (NOT_MODEL, "a per-region or data-zone price row")
    assert skipped["1-month-commitment/new-4"][1].startswith("a provisioned-throughput")
    assert skipped["ft:new-4"] == (NOT_MODEL, "a fine-tune placeholder")
    assert skipped["acme-ai-up-to-4b"][1].startswith("a price band by model size")
    assert "video_generation" in skipped["clip-1"][1]
    assert "other/new-4" not in skipped
    assert "new-4" not in skipped


def test_no_zero_is_written_that_the_rules_refuse(acme: Path) -> None:
    result = run_add(acme, CATALOG)
    assert any("zero-8" in n and "of 0 taken for not published" in n for n in result.notes)
    result.write()
    zero = load_registry([acme], builtin=False, env=False).provider("acme").models["zero-8"]
    assert zero.price is None
    assert zero.free is None
    assert zero.context_window == 32768
    report = validate([acme], builtin=False, env=False)
    assert not report.errors, report.problems
    assert not report.warnings, report.problems


def test_a_free_variant_gets_no_zero_either(acme: Path) -> None:
    data = dict([row("acme_ai/chat-free", input=0, output=0, max_input_tokens=32768)])
    result = run_add(acme, data)
    assert result.notes == [
        "acme/chat-free: price input, output of 0 taken for not published; left out"
    ]
    result.write()
    model = load_registry([acme], builtin=False, env=False).provider("acme").models["chat-free"]
    assert model.price is None
    assert model.free is None
    assert model.context_window == 32768


def test_every_existing_byte_is_kept_and_the_additions_come_last(acme: Path) -> None:
    new = run_add(acme, CATALOG).texts[str(acme)][1]
    sources_end = new.index("models:\n")
    assert new[:sources_end].startswith(MANIFEST[: MANIFEST.index("models:\n")])
    assert new.startswith(MANIFEST[: MANIFEST.index("models:\n")].rstrip("\n"))
    assert new[sources_end:].startswith(MANIFEST[MANIFEST.index("models:\n") :])
    added = new[sources_end + len(MANIFEST) - MANIFEST.index("models:\n") :]
    assert added.startswith("  embed-7:\n")
    assert "  new-4:\n    context_window: 131072\n    max_output_tokens: 8192\n" in added
    assert "    price: {input: 0.2, output: 0.8}\n" in added
    assert "    source: litellm\n" in added
    entry = new[new.index("# hand-checked\n") + len("# hand-checked\n") : sources_end]
    assert entry == (
        "- id: litellm\n"
        "  name: LiteLLM price table\n"
        "  file: prices-1.2.json\n"
        "  as_of: 2026-11-20\n"
        "  note: Models the manifest lacked were added from it (registry sync --add).\n"
    )


def test_a_second_run_adds_nothing(acme: Path) -> None:
    run_add(acme, CATALOG).write()
    once = acme.read_text()
    again = run_add(acme, CATALOG)
    assert again.added == []
    assert again.texts == {}
    assert acme.read_text() == once
    assert {s.entry for s in again.skipped if s.reason == LISTED} >= set(ADDED)


def test_another_version_of_the_catalog_gets_its_own_sources_entry(acme: Path) -> None:
    acme.write_text(
        MANIFEST.replace(
            "models:\n",
            "- {id: litellm, file: prices-1.1.json, as_of: 2026-10-01}\nmodels:\n",
            1,
        )
    )
    run_add(acme, CATALOG).write()
    p = load_registry([acme], builtin=False, env=False).provider("acme")
    old = next(s for s in p.sources if s.id == "litellm")
    assert (old.file, old.as_of) == ("prices-1.1.json", datetime.date(2026, 10, 1))
    src = p.source_of(p.models["new-4"])
    assert src is not None
    assert (src.id, src.file, src.as_of) == ("litellm-2026-11-20", "prices-1.2.json", AS_OF)


def test_a_manifest_without_models_is_left_alone(acme: Path) -> None:
    text = MANIFEST[: MANIFEST.index("models:\n")] + "models: {}\n"
    acme.write_text(text)
    result = run_add(acme, CATALOG)
    assert result.added == []
    assert result.texts == {}
    assert {s.reason for s in result.skipped} == {
        "the manifest lists no models (its model ids are not a fixed list)"
    }


def test_a_figure_the_rules_refuse_is_left_out_and_the_model_kept(acme: Path) -> None:
    # An output limit above the window, a cache-read price above the input: the figure goes
    # (with a note), the model stays.
    data = dict(
        [
            row("acme_ai/wide-1", input=1, output=2, max_input_tokens=1000,
                max_output_tokens=5000),
            row("acme_ai/cachy-2", input=1, output=2, cache_read=3, max_input_tokens=1000),
        ]
    )  # fmt: skip
    result = run_add(acme, data)
    assert sorted(m for _, m in result.added) == ["cachy-2", "wide-1"]
    result.write()
    models = load_registry([acme], builtin=False, env=False).provider("acme").models
    assert models["wide-1"].max_output_tokens is None
    assert models["cachy-2"].price is not None
    assert models["cachy-2"].price.cache_read is None


def test_the_cli_adds_reports_and_writes_nothing_on_a_dry_run(acme: Path, tmp_path: Path) -> None:
    catalog = tmp_path / "prices.json"
    catalog.write_text(json.dumps(CATALOG))
    args = ["sync", "--path", str(acme.parent), "--from", "litellm", str(catalog)]
    args += ["--as-of", "2026-11-20", "--add"]
    out = io.StringIO()
    assert main([*args, "--dry-run"], out=out) == 0
    text = out.getvalue()
    assert acme.read_text() == MANIFEST
    assert "added acme/new-4: context 131072; input 0.2, output 0.8\n" in text
    assert "skipped acme/us-east-1/new-4: not a model the provider serves on its API" in text
    assert "6 models would be added in 1 file;" in text
    out = io.StringIO()
    assert main(args, out=out) == 0
    assert "6 models added in 1 file;" in out.getvalue()
    assert "new-4:" in acme.read_text()
