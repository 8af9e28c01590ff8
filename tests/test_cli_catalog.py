"""`registry list`, `cost` and `new`: output, numbers, exit codes."""

from __future__ import annotations

import io
import itertools
import json
import re
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
import yaml

from provider_registry import default_registry, load_registry
from provider_registry._cli import main
from provider_registry._cli_catalog import _schema_ref
from provider_registry._schema import schema_path

from .conftest import ROOT, manifest_text

# A model with long-context tiers, one with a price change, one with a cache-read price missing,
# one without an output price, one whose price starts later with no history before it.
PRICED_MODELS = """\
  tiered:
    price: {input: 1.25, output: 10, tiers: [{above_input_tokens: 200000, input: 2.5, output: 15}]}
  changed:
    price: {input: 2.0, output: 4.0, since: 2025-06-01}
    price_history:
      - {input: 1.0, output: 2.0, until: 2025-06-01}
  no-cache-price:
    price: {input: 3.0, output: 6.0}
  input-only:
    price: {input: 1.0}
  late:
    price: {input: 1.0, output: 1.0, since: 2025-01-01}
"""


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    """Exit code, stdout and stderr of one in-process run."""
    out = io.StringIO()
    code = main(argv, out=out)
    return code, out.getvalue(), capsys.readouterr().err


@pytest.fixture
def priced(dropin: Path) -> Path:
    (dropin / "acme.yaml").write_text(
        manifest_text("acme", PRICED_MODELS, extra="aliases: [acme_ai]\n"), encoding="utf-8"
    )
    return dropin


# --- list -----------------------------------------------------------------------------------


def table(text: str) -> tuple[list[str], list[list[str]], str]:
    """Header cells, row cells and summary of `registry list`, cut at the rule line's spans;
    asserts that every gap between the spans is blank on every line."""
    lines = text.splitlines()
    spans = [m.span() for m in re.finditer(r"-+", lines[1])]
    assert set(lines[1]) == {"-", " "}

    def cells(line: str) -> list[str]:
        padded = line.ljust(spans[-1][1])
        gaps = [padded[a:b] for (_, a), (b, _) in itertools.pairwise(spans)]
        assert all(not g.strip() for g in gaps), f"text outside the columns: {line!r}"
        assert len(padded) == spans[-1][1], f"text past the last column: {line!r}"
        return [padded[a:b].strip() for a, b in spans]

    return cells(lines[0]), [cells(line) for line in lines[2:-1]], lines[-1]


def test_list_table_is_aligned_sorted_and_summarised(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["list"], capsys)
    assert code == 0
    header, rows, summary = table(out)
    assert header == ["provider", "model", "mode", "context", "max out", "$ in", "$ out", "status"]
    assert all(all(cell for cell in row) for row in rows), "an empty cell shifts a reader's eye"
    keys = [(r[0], r[1].casefold(), r[1]) for r in rows]
    assert keys == sorted(keys)
    reg = default_registry()
    total = sum(len(p.models) for p in reg.providers.values())
    assert len(rows) == total
    assert summary == f"{total} models from {len(reg.providers)} providers"
    gpt4o = next(r for r in rows if r[:2] == ["openai", "gpt-4o"])
    assert gpt4o[2:] == ["chat", "128,000", "16,384", "2.50", "10.00", "deprecated"]


# (--provider value, provider id expected in every row)
FILTERS = [("wandb", "wandb"), ("acme", "acme"), ("acme_ai", "acme")]


@pytest.mark.parametrize(("given", "expected"), FILTERS)
def test_list_filters_by_id_or_alias(
    given: str, expected: str, priced: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = run(["list", "--path", str(priced), "--provider", given], capsys)
    assert code == 0
    _, rows, summary = table(out)
    n = len(load_registry([priced]).provider(expected).models)
    assert {r[0] for r in rows} == {expected}
    assert len(rows) == n
    assert summary == f"{n} models from 1 provider"


def test_list_unknown_provider_suggests(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["list", "--provider", "opnai"], capsys)
    assert (code, out) == (1, "")
    assert err.strip() == "registry: error: unknown provider 'opnai' (did you mean 'openai'?)"


def test_list_json_keys_and_types(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["list", "--json"], capsys)
    assert code == 0
    data = json.loads(out)
    assert len(data) == sum(len(p.models) for p in default_registry().providers.values())
    keys = {"provider", "model", "aliases", "mode", "context_window", "max_output_tokens",
            "price", "supports", "status"}  # fmt: skip
    rates = {"input", "output", "cache_read", "cache_write"}
    for item in data:
        assert set(item) == keys
        assert isinstance(item["provider"], str)
        assert isinstance(item["model"], str)
        assert all(isinstance(a, str) for a in item["aliases"])
        assert item["mode"] in ("chat", "completion", "responses", "embedding", "rerank",
                                "moderation", "image_generation", "audio_transcription",
                                "audio_speech")  # fmt: skip
        for count in ("context_window", "max_output_tokens"):
            assert item[count] is None or type(item[count]) is int
        price = item["price"]
        if price is not None:
            assert set(price) == {*rates, "tiers"}
            for tier in [price, *price["tiers"]]:
                for rate in rates:
                    assert tier[rate] is None or Decimal(tier[rate]) >= 0
        assert all(isinstance(s, str) for s in item["supports"])
        assert item["status"] in ("experimental", "ga", "deprecated", "retired", "unverified")
    gpt4o = next(i for i in data if (i["provider"], i["model"]) == ("openai", "gpt-4o"))
    assert Decimal(gpt4o["price"]["input"]) == Decimal("2.50")
    assert Decimal(gpt4o["price"]["output"]) == Decimal("10.00")
    assert Decimal(gpt4o["price"]["cache_read"]) == Decimal("1.25")


def test_list_json_carries_tiers(priced: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["list", "--path", str(priced), "--provider", "acme", "--json"], capsys)
    assert code == 0
    tiered = next(i for i in json.loads(out) if i["model"] == "tiered")
    assert tiered["price"]["tiers"] == [
        {"above_input_tokens": 200000, "input": "2.5", "output": "15", "cache_read": None,
         "cache_write": None}
    ]  # fmt: skip


# --- cost -----------------------------------------------------------------------------------


def cost_json(argv: list[str], capsys: pytest.CaptureFixture[str]) -> dict[str, Any]:
    code, out, _ = run(["cost", *argv, "--json"], capsys)
    assert code == 0
    result: dict[str, Any] = json.loads(out)
    return result


# (argv, exact cost in USD, or "unknown: <reason>")
COSTS = [
    (["wandb/Llama-3.1-8B-Instruct", "--input-tokens", "1000", "--output-tokens", "500"],
     "0.00033"),
    # 600 fresh at 1.75, 400 cached at 0.175, 100 out at 14 (gpt-5.2: not deprecated, whereas
    # gpt-4o retires on 2027-01-14 and would fail this test from then)
    (["gpt-5.2", "--input-tokens", "1000", "--cached-tokens", "400", "--output-tokens", "100"],
     "0.00252"),
    (["wandb/Mistral-7B-Instruct-v0.1", "--input-tokens", "1000", "--output-tokens", "500"],
     "unknown: the provider publishes no price for this model"),
    # the tier's rates for a prompt above 200,000; the base rates at exactly 200,000
    (["acme/tiered", "--input-tokens", "250000", "--output-tokens", "1000"], "0.64"),
    (["acme/tiered", "--input-tokens", "200000", "--output-tokens", "1000"], "0.26"),
    # the price in force on the day: the old one up to the day before `until`
    (["acme/changed", "--input-tokens", "1000", "--output-tokens", "1000", "--at", "2025-05-31"],
     "0.003"),
    (["acme/changed", "--input-tokens", "1000", "--output-tokens", "1000", "--at", "2025-06-01"],
     "0.006"),
    (["acme/changed", "--input-tokens", "1000", "--output-tokens", "1000"], "0.006"),
    (["acme/late", "--input-tokens", "1000", "--output-tokens", "0", "--at", "2024-12-31"],
     "unknown: no price was in force on 2024-12-31"),
    # no cache_read price: cached tokens are charged at the input rate
    (["acme/no-cache-price", "--input-tokens", "1000", "--cached-tokens", "500",
      "--output-tokens", "0"], "0.003"),
    (["acme/input-only", "--input-tokens", "1000", "--output-tokens", "0"], "0.001"),
    (["acme/input-only", "--input-tokens", "1000", "--output-tokens", "1"],
     "unknown: no output price"),
    (["acme_ai/tiered", "--input-tokens", "0", "--output-tokens", "0"], "0"),
]  # fmt: skip


@pytest.mark.parametrize(("argv", "expected"), COSTS, ids=[" ".join(c[0]) for c in COSTS])
def test_cost(
    argv: list[str], expected: str, priced: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = cost_json([*argv, "--path", str(priced)], capsys)
    if expected.startswith("unknown: "):
        assert data["cost_usd"] is None
        assert data["rounded_usd"] is None
        assert data["unknown_reason"] == expected.removeprefix("unknown: ")
    else:
        assert data["cost_usd"] == expected  # the exact text, not only an equal number
        assert Decimal(data["cost_usd"]) == Decimal(expected)
        assert data["unknown_reason"] is None


def test_cost_json_keys_and_rates(priced: Path, capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["acme/tiered", "--input-tokens", "250000", "--output-tokens", "1000", "--at",
            "2026-01-02", "--path", str(priced)]  # fmt: skip
    data = cost_json(argv, capsys)
    assert data == {
        "provider": "acme",
        "model": "tiered",
        "at": "2026-01-02",
        "input_tokens": 250000,
        "output_tokens": 1000,
        "cached_tokens": 0,
        "cache_write_tokens": 0,
        "tier_above_input_tokens": 200000,
        "window": None,
        "rates": {"input": "2.5", "output": "15", "cache_read": "2.5", "cache_write": "2.5"},
        "cost_usd": "0.64",
        "rounded_usd": "0.64",
        "unknown_reason": None,
    }


def test_cost_text_shows_exact_rounded_and_rates(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["cost", "wandb/Llama-3.1-8B-Instruct", "--input-tokens", "1000",
            "--output-tokens", "500"]  # fmt: skip
    code, out, err = run(argv, capsys)
    assert (code, err) == (0, "")
    rows = dict(re.split(r"\s{2,}", line, maxsplit=1) for line in out.splitlines())
    assert rows == {
        "model": "wandb/meta-llama/Llama-3.1-8B-Instruct",
        "prices": "current",
        "input": "1,000 tokens x $0.22 per 1M = $0.00022",
        "output": "500 tokens x $0.22 per 1M = $0.00011",
        "cost": "$0.00033 (exact)",
        "rounded": "$0.0003",
    }


def test_cost_text_cached(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["cost", "gpt-5.2", "--input-tokens", "1000", "--cached-tokens", "400",
            "--output-tokens", "100"]  # fmt: skip
    code, out, _ = run(argv, capsys)
    assert code == 0
    assert "uncached input  600 tokens x $1.75 per 1M = $0.00105" in out
    assert "cache read      400 tokens x $0.175 per 1M = $0.00007" in out
    assert "cost            $0.00252 (exact)" in out


def test_cost_unknown_is_not_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    argv = ["cost", "wandb/Mistral-7B-Instruct-v0.1", "--input-tokens", "10",
            "--output-tokens", "5"]  # fmt: skip
    code, out, err = run(argv, capsys)
    assert (code, err) == (0, "")
    assert out.splitlines()[-1] == "cost    unknown: the provider publishes no price for this model"


def test_cost_of_a_deprecated_model_warns_on_stderr(
    dropin: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    models = "  old:\n    status: deprecated\n    price: {input: 1, output: 1}"
    (dropin / "acme.yaml").write_text(manifest_text("acme", models), encoding="utf-8")
    argv = ["cost", "acme/old", "--input-tokens", "1", "--output-tokens", "1", "--path",
            str(dropin)]  # fmt: skip
    code, out, err = run(argv, capsys)
    assert code == 0
    assert "$0.000002 (exact)" in out
    assert err == "registry: warning: acme/old is deprecated\n"


# (argv, exit code, text on stderr)
COST_FAILURES = [
    (["gtp-4o"], 1, "did you mean 'gpt-4o'"),
    (["wandb/Lama-3.1-8B-Instruct"], 1, "did you mean 'Llama-3.1-8B-Instruct'"),
    (["nonexistent/x"], 1, "unknown provider 'nonexistent'"),
    (["wandb/meta-llama/Llama-4-Scout-17B-16E-Instruct"], 1, "retired on 2026-04-21"),
    (["gpt-5.2", "--cached-tokens", "2000"], 1, "exceed input_tokens"),
    (["gpt-5.2", "--at", "2025-13-01"], 2, "is not a date (YYYY-MM-DD)"),
    (["gpt-5.2", "--cache-write-tokens", "-1"], 2, "cannot be negative"),
    (["gpt-5.2", "--cached-tokens", "many"], 2, "is not a whole number"),
]


@pytest.mark.parametrize(("argv", "code", "text"), COST_FAILURES,
                         ids=[" ".join(f[0]) for f in COST_FAILURES])  # fmt: skip
def test_cost_failures(
    argv: list[str], code: int, text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    full = ["cost", *argv, "--input-tokens", "1000", "--output-tokens", "1"]
    if code == 2:
        with pytest.raises(SystemExit) as exc:
            main(full, out=io.StringIO())
        got, err = exc.value.code, capsys.readouterr().err
    else:
        got, _, err = run(full, capsys)
    assert got == code
    assert text in err
    assert "Traceback" not in err


def test_cost_requires_both_counts(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main(["cost", "gpt-5.2", "--input-tokens", "1"], out=io.StringIO())
    assert exc.value.code == 2
    assert "--output-tokens" in capsys.readouterr().err


# --- new ------------------------------------------------------------------------------------

GOOD_IDS = ["acme", "a", "1", "null", "true", "a-b_c", "x" * 64]
BAD_IDS = ["Acme", "-acme", "_acme", "a b", "a/b", "a.b", "é", "x" * 65, ""]


def test_new_scaffolds_valid_manifests(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    for pid in GOOD_IDS:
        code, out, _ = run(["new", pid, "-o", str(tmp_path)], capsys)
        assert code == 0, pid
        assert out.startswith(f"wrote {tmp_path / pid}.yaml\n")
    # All at once: their endpoints differ, so they validate together as well as alone.
    code, out, _ = run(["validate", "--format", "json", str(tmp_path)], capsys)
    report = json.loads(out)
    # Each is valid but for its one PLACEHOLDER value, which validate refuses until replaced.
    # (The built-ins' own findings, such as old data, are not the scaffolds'.)
    mine = [p for p in report["problems"] if Path(p["file"]).parent == tmp_path]
    found = sorted((p["path"], p["severity"]) for p in mine)
    assert found == [("sources[0].name", "error")] * len(GOOD_IDS)
    assert code == 1
    assert set(GOOD_IDS) <= set(report["providers"])


def test_new_file_content(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, _ = run(["new", "acme-ai", "-o", str(tmp_path / "sub"), "--name", 'Acme: "AI" #1'],
                     capsys)  # fmt: skip
    assert code == 0
    text = (tmp_path / "sub" / "acme-ai.yaml").read_text(encoding="utf-8")
    first = text.splitlines()[0]
    assert first.startswith("# yaml-language-server: $schema=")
    ref = first.split("=", 1)[1]
    where = Path(ref) if Path(ref).is_absolute() else tmp_path / "sub" / ref
    assert where.resolve() == schema_path().resolve()
    data = yaml.safe_load(text)
    assert data["id"] == "acme-ai"
    assert data["name"] == 'Acme: "AI" #1'
    assert data["api"]["base_url"].startswith("https://api.example.com/")
    assert data["auth"]["env"] == ["ACME_AI_API_KEY"]
    assert list(data["models"]) == ["example-model"]
    assert "price" not in data["models"]["example-model"], "a made-up price would be charged"
    assert text.count("PLACEHOLDER") >= 4
    commented = [line for line in text.splitlines() if line.lstrip().startswith("# ")]
    assert len(commented) > 20


def test_schema_reference_is_relative_within_a_tree() -> None:
    schema = schema_path().resolve()
    assert _schema_ref(schema.parent.parent / "my-providers") == "../schemas/provider.schema.json"
    assert _schema_ref(schema.parent) == "provider.schema.json"


def test_new_refuses_to_overwrite(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    target = tmp_path / "acme.yaml"
    target.write_text("mine\n", encoding="utf-8")
    code, out, err = run(["new", "acme", "-o", str(tmp_path)], capsys)
    assert (code, out) == (1, "")
    assert "refusing to overwrite" in err
    assert "--force" in err
    assert target.read_text(encoding="utf-8") == "mine\n"

    code, _, _ = run(["new", "acme", "-o", str(tmp_path), "--force"], capsys)
    assert code == 0
    assert target.read_text(encoding="utf-8").startswith("# yaml-language-server: $schema=")
    assert run(["validate", str(target)], capsys)[0] == 1  # until its PLACEHOLDER is replaced


@pytest.mark.parametrize("pid", BAD_IDS)
def test_new_refuses_a_bad_id(pid: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(["new", "-o", str(tmp_path), "--", pid], capsys)
    assert (code, out) == (1, "")
    assert f"{pid!r} is not a provider id" in err
    assert "a-z, 0-9, '-' and '_'" in err
    assert list(tmp_path.iterdir()) == []


def test_new_notes_a_taken_id(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["new", "openai", "-o", str(tmp_path)], capsys)
    assert code == 0
    assert "'openai' is already a provider" in err


# --- help and the pre-commit hook -------------------------------------------------------------


@pytest.mark.parametrize("command", ["list", "cost", "new", "docs"])
def test_help_has_examples(command: str, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main([command, "--help"])
    assert exc.value.code == 0
    text = capsys.readouterr().out
    assert "\nexamples:\n" in text
    assert f"  registry {command}" in text
    assert "--path DIR" in text


def test_list_help_documents_the_json_keys(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit):
        main(["list", "--help"])
    text = capsys.readouterr().out
    for key in ("provider", "model", "aliases", "mode", "context_window", "max_output_tokens",
                "price", "supports", "status", "cache_read", "above_input_tokens"):  # fmt: skip
        assert re.search(rf"\b{key}\b", text), key


def test_pre_commit_hook() -> None:
    hooks = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    hook = next(h for h in hooks if h["id"] == "registry-validate")
    assert hook["entry"] == "registry validate --manifests-only"
    assert hook["language"] == "python"
    assert hook["pass_filenames"] is True
    assert hook["name"]
    assert hook["description"]
    pattern = re.compile(hook["files"])
    assert pattern.search("providers/acme.yaml")
    assert pattern.search("acme.yml")
    assert not pattern.search("acme.yaml.bak")
