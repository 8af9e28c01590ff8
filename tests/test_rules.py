"""The catalog rules of ``registry validate``: silent zeros, cache prices out of order, lifecycle
dates that have passed, and old data. Each is run on a real file and located at its line."""

from __future__ import annotations

import datetime
import io
import json
from pathlib import Path

import pytest

from provider_registry._cli import main
from provider_registry._rules import parse_age
from provider_registry._validate import validate

from .conftest import manifest_text

TODAY = datetime.date(2026, 12, 1)
SOURCES = """sources:
  - {id: feed, url: 'https://p.example/pricing', as_of: 2026-11-20}
"""


def check(
    dropin: Path,
    models: str,
    *,
    extra: str = SOURCES,
    base_url: str | None = None,
    max_age: datetime.timedelta | None = None,
) -> list[tuple[int | None, str, str, str]]:
    """(line, path, severity, message) of every problem in one drop-in manifest."""
    f = dropin / "p.yaml"
    f.write_text(manifest_text("p", models, base_url=base_url, extra=extra))
    report = validate([f], builtin=False, env=False, today=TODAY, max_age=max_age)
    assert report.providers == ["p"] or report.errors, report.problems
    return [(p.line, p.path, p.severity, p.message) for p in report.problems]


def line_of(dropin: Path, needle: str) -> int:
    lines = (dropin / "p.yaml").read_text().splitlines()
    return next(i for i, text in enumerate(lines, 1) if needle in text)


# -- zero prices --------------------------------------------------------------------------------


def test_a_zero_price_on_a_hosted_provider_is_an_error_at_its_line(dropin: Path) -> None:
    found = check(dropin, "  m1:\n    price: {input: 0, output: 0.6}")
    assert found == [
        (
            line_of(dropin, "input: 0"),
            "models.m1.price.input",
            "error",
            "a price of 0 on a hosted provider",
        )
    ]


def test_zeros_in_a_tier_are_found_too(dropin: Path) -> None:
    models = (
        "  m1:\n    price:\n      input: 1\n      output: 2\n"
        "      tiers: [{above_input_tokens: 200000, input: 0, output: 4}]"
    )
    assert [(p, s) for _, p, s, _ in check(dropin, models)] == [
        ("models.m1.price.tiers[0].input", "error")
    ]


@pytest.mark.parametrize(
    ("models", "extra"),
    [
        ("  m1:\n    free: 'A free tier, rate-limited'\n    price: {input: 0, output: 0}", SOURCES),
        ("  m1:\n    price: {input: 0, output: 0}", SOURCES + "free: 'Preview; no charge'\n"),
    ],
    ids=["model-free", "provider-free"],
)
def test_a_declared_free_model_or_provider_may_cost_0(
    dropin: Path, models: str, extra: str
) -> None:
    assert check(dropin, models, extra=extra) == []


def test_a_local_server_may_cost_0(dropin: Path) -> None:
    found = check(
        dropin, "  m1:\n    price: {input: 0, output: 0}", base_url="http://127.0.0.1:1/v1"
    )
    assert found == []


def test_no_price_at_all_is_fine(dropin: Path) -> None:
    assert check(dropin, "  m1: {}") == []


# -- cache prices -------------------------------------------------------------------------------


def test_a_cache_read_above_input_is_an_error(dropin: Path) -> None:
    found = check(dropin, "  m1:\n    price: {input: 1, output: 2, cache_read: 1.5}")
    assert found == [
        (
            line_of(dropin, "cache_read"),
            "models.m1.price.cache_read",
            "error",
            "the cache-read price 1.5 is above the input price 1",
        )
    ]


def test_a_cache_write_below_cache_read_is_a_warning(dropin: Path) -> None:
    found = check(
        dropin, "  m1:\n    price: {input: 1, output: 2, cache_read: 0.5, cache_write: 0.1}"
    )
    assert [(p, s) for _, p, s, _ in found] == [("models.m1.price.cache_write", "warning")]


def test_cache_prices_in_order_pass(dropin: Path) -> None:
    models = "  m1:\n    price: {input: 1, output: 2, cache_read: 0.1, cache_write: 1.25}"
    assert check(dropin, models) == []


# -- lifecycle ----------------------------------------------------------------------------------


@pytest.mark.parametrize("status", ["ga", "experimental", "unverified"])
@pytest.mark.parametrize(
    ("field", "should"), [("retired_on", "retired"), ("deprecated_on", "deprecated")]
)
def test_a_usable_status_with_a_passed_date_is_an_error(
    dropin: Path, status: str, field: str, should: str
) -> None:
    found = check(dropin, f"  m1:\n    status: {status}\n    {field}: 2026-12-01")
    assert found == [
        (
            line_of(dropin, "status:"),
            "models.m1.status",
            "error",
            f"status {status} but {field} 2026-12-01 has passed",
        )
    ]
    assert should in validate([dropin], builtin=False, env=False, today=TODAY).errors[0].hint


def test_a_date_still_ahead_is_fine(dropin: Path) -> None:
    assert check(dropin, "  m1:\n    status: ga\n    retired_on: 2026-12-02") == []


def test_deprecated_with_a_passed_retirement_is_left_to_the_resolver(dropin: Path) -> None:
    # A deprecated model whose retirement date has passed is refused by resolve() on that date;
    # the manifest is not wrong, only due for a sync.
    models = (
        "  m1:\n    status: deprecated\n    deprecated_on: 2026-01-01\n    retired_on: 2026-11-01"
    )
    assert check(dropin, models) == []


# -- age ----------------------------------------------------------------------------------------

OLD = """sources:
  - {id: feed, url: 'https://p.example/pricing', as_of: 2026-11-20}
  - {id: old, file: old-pricing.json, as_of: 2026-01-01}
"""


def test_old_data_is_a_warning_at_its_as_of(dropin: Path) -> None:
    found = check(dropin, "  m1: {}", extra=OLD, max_age=datetime.timedelta(days=90))
    assert found == [
        (
            line_of(dropin, "id: old"),
            "sources[1].as_of",
            "warning",
            "the data of 'old' is 334 days old (2026-01-01)",
        )
    ]


def test_no_max_age_turns_the_warning_off(dropin: Path) -> None:
    assert check(dropin, "  m1: {}", extra=OLD, max_age=None) == []


def test_a_source_only_retired_models_use_is_history_not_old_data(dropin: Path) -> None:
    models = "  m1: {}\n  m0:\n    source: old\n    status: retired\n    retired_on: 2026-02-01"
    assert check(dropin, models, extra=OLD, max_age=datetime.timedelta(days=90)) == []
    models += "\n  m2: {source: old}"
    found = check(dropin, models, extra=OLD, max_age=datetime.timedelta(days=90))
    assert [(p, s) for _, p, s, _ in found] == [("sources[1].as_of", "warning")]


@pytest.mark.parametrize(
    ("text", "days"), [("90d", 90), ("12w", 84), ("30", 30), (" 7d ", 7), ("0d", 0)]
)
def test_parse_age(text: str, days: int) -> None:
    assert parse_age(text) == datetime.timedelta(days=days)


@pytest.mark.parametrize("text", ["", "90m", "-1d", "d", "1.5w", "ninety"])
def test_parse_age_refuses(text: str) -> None:
    with pytest.raises(ValueError, match="is not an age"):
        parse_age(text)


# -- the CLI ------------------------------------------------------------------------------------


def test_cli_reports_warnings_and_exits_0(dropin: Path) -> None:
    (dropin / "p.yaml").write_text(manifest_text("p", "  m1: {}", extra=OLD))
    out = io.StringIO()
    # An age between the two sources' (feed: 2026-11-20, old: 2026-01-01) on any day: more than
    # the built-ins' too (2026-07-02), so the run's one warning is the old source's.
    age = (datetime.date.today() - datetime.date(2026, 1, 1)).days - 100
    assert main(["validate", "--format", "json", "--max-age", f"{age}d", str(dropin)], out=out) == 0
    doc = json.loads(out.getvalue())
    mine = [p for p in doc["problems"] if p["file"] == str(dropin / "p.yaml")]
    assert [(p["path"], p["severity"]) for p in mine] == [("sources[1].as_of", "warning")]
    assert (doc["error_count"], doc["warning_count"]) == (0, len(doc["problems"]))
    out = io.StringIO()
    assert main(["validate", "--max-age", "off", str(dropin)], out=out) == 0
    assert "warning" not in out.getvalue(), "the built-ins have no other warning either"


def test_cli_refuses_a_bad_age(dropin: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as stop:
        main(["validate", "--max-age", "soon", str(dropin)], out=io.StringIO())
    assert stop.value.code == 2
    assert "'soon' is not an age" in capsys.readouterr().err


def test_cli_text_summary_counts_errors_and_warnings(dropin: Path) -> None:
    models = (
        "  m1:\n    price: {input: 0, output: 1}\n"
        "  m2:\n    price: {input: 1, output: 2, cache_read: 0.5, cache_write: 0.1}"
    )
    (dropin / "p.yaml").write_text(manifest_text("p", models))
    out = io.StringIO()
    assert main(["validate", "--max-age", "off", str(dropin)], out=out) == 1
    lines = out.getvalue().splitlines()
    assert f"{dropin / 'p.yaml'}:12:20: models.m1.price.input: a price of 0" in lines[0], lines
    assert ": warning: models.m2.price.cache_write: the cache-write price" in lines[1], lines
    assert lines[-1].endswith(" providers: 1 error, 1 warning"), lines


def test_the_builtin_catalog_passes_every_rule_today() -> None:
    report = validate(env=False)
    assert report.problems == []
