"""``registry sync``: newer figures from a catalog file go into a real manifest on disk, with
its comments and layout kept, old prices moved into history, pins respected, and every result
validated before anything is written."""

from __future__ import annotations

import datetime
import io
import json
import sys
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from provider_registry import RegistryError, load_registry, resolve
from provider_registry._audit import audit
from provider_registry._cli import main
from provider_registry._errors import CommandError, SourceError
from provider_registry._sources import read_table
from provider_registry._sync import sync
from provider_registry._validate import validate

AS_OF = datetime.date(2026, 11, 20)
TODAY = datetime.date(2026, 12, 1)

MANIFEST = """\
# The acme manifest: these comments must survive a sync.
schema_version: 1
id: acme
name: Acme
api:
  dialect: openai
  base_url: https://acme.example/v1
  endpoints: [acme.example/v1]
auth:
  env: [ACME_API_KEY]
sources:
  - {id: pricing, url: 'https://acme.example/pricing', as_of: 2026-06-01}
models:
  # Prices as the pricing page gave them in June.
  fast-1:
    context_window: 128000
    max_output_tokens: 8192
    price: {input: 0.5, output: 1.5}  # per 1M tokens
  smart-2:
    context_window: 200000
    price: {input: 3, output: 15, cache_read: 0.3}
    pinned:
      price: 'The pricing page says 3/15; the catalog still has the launch price'
  old-3:
    context_window: 32768
    price: {input: 1, output: 2}
  coming-4:
    context_window: 65536
    price: {input: 2, output: 6}
  newer-5:
    context_window: 65536
    price: {input: 4, output: 8, since: 2026-11-25}
"""


def row(model: str, **fields: Any) -> tuple[str, dict[str, Any]]:
    """A LiteLLM row for an acme model; prices per 1M tokens, written per token as LiteLLM does."""
    names = {
        "input": "input_cost_per_token",
        "output": "output_cost_per_token",
        "cache_read": "cache_read_input_token_cost",
    }
    out: dict[str, Any] = {"litellm_provider": "acme", "mode": "chat"}
    for key, value in fields.items():
        out[names.get(key, key)] = float(Decimal(str(value)) / 1_000_000) if key in names else value
    return f"acme/{model}", out


def catalog(*rows: tuple[str, dict[str, Any]]) -> dict[str, Any]:
    return dict(rows)


# What the catalog of 2026-11-20 says of acme: a new price for fast-1, and a bigger window;
# another price for the pinned smart-2; a passed and a coming retirement; an older price for
# newer-5 than the one we have.
NEWER = catalog(
    row("fast-1", input=0.4, output=1.2, cache_read=0.1, max_input_tokens=256000),
    row("smart-2", input=5, output=25, max_input_tokens=200000),
    row("old-3", input=1, output=2, max_input_tokens=32768, deprecation_date="2026-11-01"),
    row("coming-4", input=2, output=6, max_input_tokens=65536, deprecation_date="2027-03-01"),
    row("newer-5", input=3, output=7, max_input_tokens=65536),
)


@pytest.fixture
def acme(tmp_path: Path) -> Path:
    d = tmp_path / "providers"
    d.mkdir()
    (d / "acme.yaml").write_text(MANIFEST)
    return d / "acme.yaml"


def run_sync(manifest: Path, data: dict[str, Any]) -> Any:
    registry = load_registry([manifest], builtin=False, env=False)
    table = read_table("litellm", data, registry, label="prices.json", as_of=AS_OF)
    return sync(registry, table, today=TODAY)


def test_a_changed_price_moves_the_old_one_into_history(acme: Path) -> None:
    result = run_sync(acme, NEWER)
    new = result.texts[str(acme)][1]
    assert (
        "  fast-1:\n"
        "    context_window: 256000\n"
        "    max_output_tokens: 8192\n"
        "    price: {input: 0.4, output: 1.2, cache_read: 0.1, since: 2026-11-20} # per 1M tokens\n"
        "    price_history:\n"
        "      - {until: 2026-11-20, input: 0.5, output: 1.5}\n"
        "    source: litellm\n"
    ) in new
    result.write()
    # The old price still costs a request of the day before.
    reg = load_registry([acme], builtin=False, env=False)
    res = resolve("acme/fast-1", registry=reg)
    day_before = datetime.date(2026, 11, 19)
    assert res.cost(input_tokens=1_000_000, at=day_before) == Decimal("0.5")
    assert res.cost(input_tokens=1_000_000, at=AS_OF) == Decimal("0.4")


def test_comments_and_untouched_lines_are_kept(acme: Path) -> None:
    new = run_sync(acme, NEWER).texts[str(acme)][1]
    for line in MANIFEST.splitlines():
        if line.startswith(
            ("  - {id: pricing", "    price: {input: 0.5", "    context_window: 128")
        ):
            continue  # the three lines the sync rewrites
        if line.startswith(("    context_window: 32768", "  old-3", "  coming-4")):
            continue
        assert line in new.splitlines(), line
    assert new.startswith("# The acme manifest: these comments must survive a sync.\n")


def test_a_pinned_price_and_an_older_catalog_price_stay(acme: Path) -> None:
    result = run_sync(acme, NEWER)
    kept = {(c.model, c.field): c.kept for c in result.changes if c.kept}
    assert kept == {
        ("smart-2", "price"): "pinned: The pricing page says 3/15; the catalog still has the "
        "launch price",
        ("newer-5", "price"): "our price is newer",
    }
    new = result.texts[str(acme)][1]
    assert "    price: {input: 3, output: 15, cache_read: 0.3}\n" in new
    assert "    price: {input: 4, output: 8, since: 2026-11-25}\n" in new


def test_passed_and_coming_retirements_become_the_status(acme: Path) -> None:
    result = run_sync(acme, NEWER)
    life = {c.model: (c.old, c.new) for c in result.made if c.field == "lifecycle"}
    assert life == {
        "old-3": ("ga", "retired 2026-11-01"),
        "coming-4": ("ga", "deprecated 2027-03-01"),
    }
    result.write()
    models = load_registry([acme], builtin=False, env=False).provider("acme").models
    old, coming = models["old-3"], models["coming-4"]
    assert (old.status, old.retired_on) == ("retired", datetime.date(2026, 11, 1))
    assert (coming.status, coming.retired_on) == ("deprecated", datetime.date(2027, 3, 1))


def test_every_change_is_listed_and_nothing_else(acme: Path) -> None:
    made = {(c.model, c.field, c.old, c.new) for c in run_sync(acme, NEWER).made}
    assert made == {
        ("fast-1", "price", "input 0.5, output 1.5", "input 0.4, output 1.2, cache_read 0.1"),
        ("fast-1", "context_window", "128000", "256000"),
        ("old-3", "lifecycle", "ga", "retired 2026-11-01"),
        ("coming-4", "lifecycle", "ga", "deprecated 2027-03-01"),
    }


def test_the_sources_entry_names_the_file_and_its_date(acme: Path) -> None:
    new = run_sync(acme, NEWER).texts[str(acme)][1]
    assert "  - {id: pricing, url: 'https://acme.example/pricing', as_of: 2026-06-01}\n" in new
    assert "  - id: litellm\n    name: LiteLLM price table\n    file: prices.json\n" in new
    assert "    as_of: 2026-11-20\n" in new


def test_an_existing_sources_entry_is_updated_and_loses_a_stale_checked(acme: Path) -> None:
    old = (
        "  - {id: litellm, name: 'LiteLLM 1.0', url: 'https://litellm.example/p.json', "
        "as_of: 2026-07-02, checked: 2026-07-10}\n"
    )
    acme.write_text(MANIFEST.replace("models:\n", old + "models:\n", 1))
    new = run_sync(acme, NEWER).texts[str(acme)][1]
    # The name told the old version: it goes back to the plain one.
    want = "  - {id: litellm, name: 'LiteLLM price table', file: prices.json, as_of: 2026-11-20}\n"
    assert want in new
    assert "checked" not in new


def test_the_result_validates_and_a_second_sync_changes_nothing(acme: Path) -> None:
    run_sync(acme, NEWER).write()
    report = validate([acme], builtin=False, env=False, today=TODAY, max_age=None)
    assert report.problems == []
    again = run_sync(acme, NEWER)
    assert again.texts == {}
    assert again.made == []


def test_a_figure_the_rules_refuse_is_not_taken(acme: Path) -> None:
    # A cache read above the input price, and an output limit above the context window.
    data = catalog(
        row("fast-1", input=0.5, output=1.5, cache_read=0.9, max_input_tokens=128000),
        row("old-3", input=1, output=2, max_input_tokens=32768, max_output_tokens=40000),
    )
    result = run_sync(acme, data)
    assert result.made == []
    assert {(c.model, c.field, c.kept) for c in result.changes} == {
        ("old-3", "max_output_tokens", "above the context window")
    }


def test_a_result_that_would_not_validate_is_refused_and_nothing_is_written(acme: Path) -> None:
    # 100,000x too high: a per-1M price written into LiteLLM's per-token field.
    data = catalog(row("fast-1", input=400_000, output=1_200_000, max_input_tokens=128000))
    with pytest.raises(SourceError, match=r"would not validate: models\.fast-1\.price") as info:
        run_sync(acme, data)
    assert "nothing was written" in str(info.value.hint)
    assert acme.read_text() == MANIFEST


def test_cli_dry_run_prints_the_diff_and_writes_nothing(acme: Path, tmp_path: Path) -> None:
    prices = tmp_path / "prices.json"
    prices.write_text(json.dumps(NEWER))
    argv = ["sync", "--from", "litellm", str(prices), "--path", str(acme), "--provider", "acme"]
    argv += ["--as-of", "2026-11-20"]
    out = io.StringIO()
    assert main([*argv, "--dry-run"], out=out) == 0
    text = out.getvalue()
    assert acme.read_text() == MANIFEST
    assert f"--- {acme}\n+++ {acme}\n" in text
    assert "-    price: {input: 0.5, output: 1.5}  # per 1M tokens\n" in text
    assert "kept acme/smart-2 price" in text
    assert "4 figures would change in 1 file; 2 kept as they are" in text
    out = io.StringIO()
    assert main(argv, out=out) == 0
    assert "4 figures changed in 1 file" in out.getvalue()
    assert acme.read_text() != MANIFEST


def test_cli_with_path_syncs_only_those_manifests(
    acme: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # A row for a built-in provider's model too: with --path, the built-ins are not touched.
    builtin = load_registry()
    pid, model = next(
        (p.id, mid)
        for p in builtin.providers.values()
        for mid, m in p.models.items()
        if m.status == "ga" and m.price is not None and m.price.input
    )
    theirs = {**NEWER, f"{pid}/{model}": {"litellm_provider": pid, "input_cost_per_token": 1.0}}
    prices = tmp_path / "prices.json"
    prices.write_text(json.dumps(theirs))
    argv = ["sync", "--from", "litellm", str(prices), "--path", str(acme), "--dry-run"]
    out = io.StringIO()
    assert main(argv, out=out) == 0
    changed = [line for line in out.getvalue().splitlines() if line.startswith("+++ ")]
    assert changed == [f"+++ {acme}"]
    assert main([*argv, "--provider", pid]) == 1
    err = capsys.readouterr().err
    assert f"registry: error: {pid} is not among the manifests given with --path" in err


def test_cli_unreadable_catalog_is_one_line_and_changes_nothing(
    acme: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    prices = tmp_path / "prices.json"
    prices.write_text('{"acme/fast-1": {"litellm_provider": ')
    code = main(["sync", "--from", "litellm", str(prices), "--path", str(acme)])
    err = capsys.readouterr().err
    assert code == 1
    assert "Traceback" not in err
    assert str(prices) in err
    assert acme.read_text() == MANIFEST


def test_without_ruamel_the_error_names_the_extra(
    acme: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setitem(sys.modules, "ruamel.yaml", None)  # import raises ImportError
    with pytest.raises(CommandError, match=r"ruamel\.yaml") as info:
        run_sync(acme, NEWER)
    hint = "pip install ruamel.yaml (in a checkout of this repo: pip install '.[sync]')"
    assert info.value.hint == hint
    assert isinstance(info.value, RegistryError)


RATE = st.decimals(min_value=Decimal("0.01"), max_value=Decimal("50"), places=2)


@settings(
    max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(fast=st.tuples(RATE, RATE), old=st.tuples(RATE, RATE), window=st.integers(8192, 2_000_000))
def test_after_a_sync_the_audit_finds_only_what_was_kept(
    acme: Path, fast: tuple[Decimal, Decimal], old: tuple[Decimal, Decimal], window: int
) -> None:
    acme.write_text(MANIFEST)
    data = catalog(
        row("fast-1", input=fast[0], output=fast[1], max_input_tokens=window),
        row("old-3", input=old[0], output=old[1]),
        row("smart-2", input=5, output=25),
    )
    run_sync(acme, data).write()
    registry = load_registry([acme], builtin=False, env=False)
    table = read_table("litellm", data, registry, label="prices.json", as_of=AS_OF)
    report = audit(registry, [table], today=TODAY)
    figures = {(f.model, f.field) for f in report.findings if f.kind == "figure"}
    drift = {(f.model, f.field) for f in report.drift if f.kind == "figure"}
    # smart-2's price is pinned: explained, not drift; every other figure now agrees.
    assert drift == set()
    assert figures == {("smart-2", "input"), ("smart-2", "output")}


# -- LiteLLM's tiered_pricing -------------------------------------------------------------------


def tiered(*ranges: tuple[int, int, dict[str, float]]) -> list[dict[str, Any]]:
    """A LiteLLM tiered_pricing list; rates per 1M tokens, written per token."""
    names = {
        "input": "input_cost_per_token",
        "output": "output_cost_per_token",
        "cache_read": "cache_read_input_token_cost",
        "reasoning": "output_cost_per_reasoning_token",
    }
    return [
        {"range": [start, end], **{names[k]: v / 1_000_000 for k, v in rates.items()}}
        for start, end, rates in ranges
    ]


# As LiteLLM 1.110.2 writes dashscope/qwen3.7-plus: no flat fields, two ranges of prompt size.
QWEN = tiered(
    (256000, 1000000, {"input": 1.2, "output": 4.8, "cache_read": 0.24}),  # out of order
    (0, 256000, {"input": 0.4, "output": 1.6, "cache_read": 0.08}),
)


def test_tiered_pricing_is_read_as_base_rates_and_tiers(acme: Path) -> None:
    registry = load_registry([acme], builtin=False, env=False)
    data = catalog(("acme/fast-1", {"litellm_provider": "acme", "tiered_pricing": QWEN}))
    facts = read_table("litellm", data, registry, as_of=AS_OF).views["acme"].models["fast-1"]
    assert facts.rates() == {
        "input": Decimal("0.4"),
        "output": Decimal("1.6"),
        "cache_read": Decimal("0.08"),
    }
    assert [(t.above_input_tokens, dict(t.rates)) for t in facts.tiers] == [
        (256000, {"input": Decimal("1.2"), "output": Decimal("4.8"), "cache_read": Decimal("0.24")})
    ]
    assert facts.tiers_unread is None


@pytest.mark.parametrize(
    ("ranges", "why"),
    [
        (tiered((0, 32000, {"input": 1, "output": 2}), (64000, 128000, {"input": 2})), "gap"),
        (tiered((1000, 32000, {"input": 1, "output": 2})), "gap"),
        (tiered((0, 32000, {"output": 2})), "input rate"),
        (tiered((0, 32000, {"input": 1, "output": 2, "reasoning": 8})), "reasoning"),
        ([{"range": "0-32000", "input_cost_per_token": 1e-6}], "input rate"),
    ],
)
def test_tiered_pricing_of_another_shape_is_not_read_and_says_why(
    acme: Path, ranges: list[dict[str, Any]], why: str
) -> None:
    """LiteLLM picks a range by start < prompt <= end and a prompt outside every range gets the
    last one: only ranges that run on from 0 read as our tiers, and a reasoning rate apart
    from the output rate has no place in ours."""
    registry = load_registry([acme], builtin=False, env=False)
    flat = {"litellm_provider": "acme", "input_cost_per_token": 5e-7, "tiered_pricing": ranges}
    data = catalog(("acme/fast-1", flat))
    facts = read_table("litellm", data, registry, as_of=AS_OF).views["acme"].models["fast-1"]
    assert facts.tiers == ()
    assert facts.tiers_unread is not None
    assert {"gap": "without a gap", "input rate": "input rate", "reasoning": "reasoning"}[
        why
    ] in facts.tiers_unread
    assert facts.input == Decimal("0.5")  # the flat fields stay as they were read


def test_a_range_without_an_output_rate_takes_the_flat_one_as_litellm_does(acme: Path) -> None:
    registry = load_registry([acme], builtin=False, env=False)
    entry = {
        "litellm_provider": "acme",
        "output_cost_per_token": 3e-6,
        "tiered_pricing": tiered((0, 1000, {"input": 1}), (1000, 2000, {"input": 2})),
    }
    data = catalog(("acme/fast-1", entry))
    facts = read_table("litellm", data, registry, as_of=AS_OF).views["acme"].models["fast-1"]
    assert facts.output == Decimal(3)
    assert facts.tiers[0].rates == {"input": Decimal(2), "output": Decimal(3)}


def test_audit_compares_the_tiers_of_tiered_pricing(acme: Path) -> None:
    """Before, the audit read only the flat fields: a row with tiered_pricing alone gave no
    figure and a wrong catalog went unseen."""
    registry = load_registry([acme], builtin=False, env=False)
    data = catalog(("acme/fast-1", {"litellm_provider": "acme", "tiered_pricing": QWEN}))
    table = read_table("litellm", data, registry, as_of=AS_OF)
    found = {
        (f.field, f.ours, f.theirs)
        for f in audit(registry, [table], today=TODAY).findings
        if f.kind == "figure"
    }
    assert found == {
        ("input", "0.5", "0.4"),
        ("output", "1.5", "1.6"),
        ("cache_read", None, "0.08"),
        ("input above 256000 tokens", "0.5", "1.2"),
        ("output above 256000 tokens", "1.5", "4.8"),
        ("cache_read above 256000 tokens", None, "0.24"),
    }


def test_sync_takes_tiered_pricing_as_tiers_and_the_audit_then_agrees(acme: Path) -> None:
    data = catalog(("acme/fast-1", {"litellm_provider": "acme", "tiered_pricing": QWEN}))
    result = run_sync(acme, data)
    new = result.texts[str(acme)][1]
    assert "    max_output_tokens: 8192\n    price:  " in new  # the line's comment stays
    assert (
        "      input: 0.4\n"
        "      output: 1.6\n"
        "      cache_read: 0.08\n"
        "      tiers:\n"
        "        - {input: 1.2, output: 4.8, cache_read: 0.24, above_input_tokens: 256000}\n"
        "      since: 2026-11-20\n"
    ) in new
    assert "      - {until: 2026-11-20, input: 0.5, output: 1.5}\n" in new
    result.write()
    registry = load_registry([acme], builtin=False, env=False)
    table = read_table("litellm", data, registry, as_of=AS_OF)
    assert [f for f in audit(registry, [table], today=TODAY).findings if f.kind == "figure"] == []
    assert run_sync(acme, data).texts == {}  # a second sync changes nothing
