"""Prices by time of day: windows of the UTC week whose rates replace the base rates.

A table of instants against a small windowed price (edges, weekdays, time zones, a day alone, a
naive datetime, now), the built-in DeepSeek windows, the client pricing a reply at the instant it
was sent, a property against a reference written independently of the cut week, and the
exports' shape (the slow LiteLLM test prices them in the real litellm)."""

from __future__ import annotations

import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from provider_registry import Model, Registry, completion, load_registry, resolve
from provider_registry._export import export_json, litellm_model_map, litellm_proxy_config
from provider_registry._pricing import PriceBook, cost

from .conftest import manifest_text
from .server import FakeProvider

UTC = datetime.timezone.utc
BEIJING = datetime.timezone(datetime.timedelta(hours=8))

# Base: input 2, output 4, cache read 0.2. Night (Mon-Fri 22:00-06:00, as two stretches): input
# 1, the rest the base rates. Weekend (Sat, Sun all day): input 0.5, output 1.
WINDOWED = Model.model_validate(
    {
        "price": {
            "input": 2,
            "output": 4,
            "cache_read": Decimal("0.2"),
            "windows": [
                {"hours": ["00:00-06:00", "22:00-24:00"], "weekdays": [1, 2, 3, 4, 5], "input": 1},
                {
                    "hours": ["00:00-24:00"],
                    "weekdays": [6, 7],
                    "input": Decimal("0.5"),
                    "output": 1,
                },
            ],
        }
    }
)
BOOK = PriceBook.of(WINDOWED.model_dump(exclude_defaults=True))
PLAIN = PriceBook.of({"price": {"input": Decimal(2), "output": Decimal(4)}})

BASE, NIGHT, WEEKEND = Decimal("6"), Decimal("5"), Decimal("1.5")  # 1M input + 1M output


def at(day: int, hour: int, minute: int = 0, second: int = 0, tz: Any = UTC) -> datetime.datetime:
    """An instant in December 2026 (the 7th is a Monday)."""
    return datetime.datetime(2026, 12, day, hour, minute, second, tzinfo=tz)


# (instant, cost of 1M input and 1M output tokens)
INSTANTS: list[tuple[datetime.date, Decimal]] = [
    (at(7, 0), NIGHT),  # Monday 00:00: the start is in
    (at(7, 5, 59, 59), NIGHT),
    (at(7, 6), BASE),  # the end is out
    (at(7, 12), BASE),
    (at(7, 21, 59, 59), BASE),
    (at(7, 22), NIGHT),
    (at(11, 23, 59, 59), NIGHT),  # Friday night
    (at(12, 0), WEEKEND),  # Saturday 00:00
    (at(12, 12), WEEKEND),
    (at(13, 23, 59, 59), WEEKEND),  # Sunday's last second
    (at(14, 0), NIGHT),  # Monday again
    (at(12, 7, tz=BEIJING), NIGHT),  # Saturday 07:00 in Beijing is Friday 23:00 UTC
    (at(7, 14, tz=BEIJING), BASE),  # Monday 14:00 in Beijing is 06:00 UTC: the end, out
    (datetime.datetime(2026, 12, 12, 7, 0), WEEKEND),  # naive: read as UTC, Saturday
    (datetime.datetime(2026, 12, 7, 6, 0), BASE),  # naive Monday 06:00
    (datetime.date(2026, 12, 12), BASE),  # a day alone names no hour: the base rates
]


@pytest.mark.parametrize(("instant", "expected"), INSTANTS, ids=[str(i) for i, _ in INSTANTS])
def test_cost_at_instants(instant: datetime.date, expected: Decimal) -> None:
    assert cost(BOOK, input_tokens=1_000_000, output_tokens=1_000_000, at=instant) == expected


def test_rates_left_out_are_the_base_ones() -> None:
    # At night only the input rate changes: cached tokens keep the base cache-read rate.
    night = at(7, 1)
    got = cost(BOOK, input_tokens=1_000_000, cached_tokens=500_000, at=night)
    assert got == Decimal("0.5") + Decimal("0.1")
    # A price without cache_read charges cached tokens at the input rate of the window.
    book = PriceBook.of(
        {"price": {"input": Decimal(2), "output": Decimal(4),
                   "windows": [{"hours": ["00:00-24:00"], "input": Decimal(1)}]}}
    )  # fmt: skip
    assert cost(book, input_tokens=1_000_000, cached_tokens=1_000_000, at=night) == Decimal(1)


def test_now_is_the_clock_in_utc(monkeypatch: pytest.MonkeyPatch) -> None:
    from provider_registry import _pricing

    monkeypatch.setattr(_pricing, "now_utc", lambda: at(12, 3))
    assert cost(BOOK, input_tokens=1_000_000, output_tokens=1_000_000) == WEEKEND
    monkeypatch.setattr(_pricing, "now_utc", lambda: at(9, 12))
    assert cost(BOOK, input_tokens=1_000_000, output_tokens=1_000_000) == BASE


def test_a_price_without_windows_never_reads_the_clock(monkeypatch: pytest.MonkeyPatch) -> None:
    from provider_registry import _pricing

    def clock() -> datetime.datetime:
        raise AssertionError("the clock was read for a price without windows")

    monkeypatch.setattr(_pricing, "now_utc", clock)
    assert cost(PLAIN, input_tokens=1_000_000, output_tokens=1_000_000) == Decimal(6)
    assert PLAIN is not None
    assert not PLAIN.windowed
    assert BOOK is not None
    assert BOOK.windowed


AUGUST = datetime.date(2026, 8, 1)


def test_windows_of_a_past_price() -> None:
    book = PriceBook.of(
        {
            "price": {"input": Decimal(3), "output": Decimal(3), "since": AUGUST},
            "price_history": [
                {"until": AUGUST, "input": Decimal(2), "output": Decimal(2),
                 "windows": [{"hours": ["12:00-24:00"], "input": Decimal(1)}]},
            ],
        }
    )  # fmt: skip
    july = datetime.datetime(2026, 7, 1, 13, tzinfo=UTC)
    assert cost(book, input_tokens=1_000_000, at=july) == Decimal(1)
    assert cost(book, input_tokens=1_000_000, at=july.replace(hour=11)) == Decimal(2)
    assert cost(book, input_tokens=1_000_000, at=july.replace(month=9)) == Decimal(3)


# --- the built-in DeepSeek windows -------------------------------------------------------------

# deepseek-v4-pro: peak 1.32 / 3.96 / 0.044, off-peak 0.66 / 1.98 / 0.022 per 1M; off-peak
# 00:00-01:00, 04:00-06:00 and 10:00-24:00 UTC Monday to Friday and all day Saturday and Sunday
# (DeepSeek's pricing page; LiteLLM 1.110.2 agrees; genai-prices cannot name weekdays).
PRO_PEAK, PRO_OFF = Decimal("5.28"), Decimal("2.64")
DEEPSEEK = [
    (at(2, 0, 30), PRO_OFF),  # Wednesday
    (at(2, 1), PRO_PEAK),
    (at(2, 3, 59, 59), PRO_PEAK),
    (at(2, 4), PRO_OFF),
    (at(2, 6), PRO_PEAK),
    (at(2, 9, 59), PRO_PEAK),
    (at(2, 10), PRO_OFF),
    (at(4, 3), PRO_PEAK),  # Friday 03:00
    (at(5, 3), PRO_OFF),  # Saturday 03:00: weekends are off-peak all day
    (at(6, 7), PRO_OFF),  # Sunday 07:00
    (at(7, 1), PRO_PEAK),  # Monday 01:00: peak again
    (at(2, 9, tz=BEIJING), PRO_PEAK),  # 09:00 in Beijing: the first peak hour
    (at(2, 12, tz=BEIJING), PRO_OFF),
    (datetime.date(2026, 12, 5), PRO_PEAK),  # a day alone: the base (peak) rates
]


@pytest.mark.parametrize(("instant", "expected"), DEEPSEEK, ids=[str(i) for i, _ in DEEPSEEK])
def test_deepseek_v4_pro(builtin: Registry, instant: datetime.date, expected: Decimal) -> None:
    res = resolve("deepseek/deepseek-v4-pro", registry=builtin)
    assert res.cost(input_tokens=10**6, output_tokens=10**6, at=instant) == expected


def test_deepseek_windows_name_their_source(builtin: Registry) -> None:
    p = builtin.providers["deepseek"]
    for model_id in ("deepseek-v4-pro", "deepseek-v4-flash", "deepseek-flash"):
        price = p.models[model_id].price
        assert price is not None
        assert [w.weekdays for w in price.windows] == [[1, 2, 3, 4, 5], [6, 7]]
        assert price.windows[1].hours == ["00:00-24:00"]
        assert all(w.source in {s.id for s in p.sources} for w in price.windows)


# --- the client prices a reply at the instant it was sent ------------------------------------


def test_reply_and_stream_are_priced_at_the_instant_sent(
    server: FakeProvider, dropin: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from provider_registry import _client

    windowed = (
        "  small:\n"
        "    price:\n"
        "      input: 2\n"
        "      output: 2\n"
        "      windows:\n"
        '        - {hours: ["00:00-12:00"], input: 1, output: 1}\n'
    )
    (dropin / "acme.yaml").write_text(manifest_text("acme", windowed))
    reg = load_registry([dropin], builtin=False, env=False)
    call = {"model": "acme/small", "registry": reg, "api_base": server.url,
            "api_key": "acme-key-000000000000"}  # fmt: skip
    messages = [{"role": "user", "content": "Hi"}]
    for sent, rate in ((at(7, 3), 1), (at(7, 15), 2)):
        monkeypatch.setattr(_client, "now_utc", lambda sent=sent: sent)
        reply = completion(messages=messages, **call)
        stream = completion(messages=messages, stream=True, **call)
        list(stream)
        # The fake server reports 12 prompt and 5 completion tokens.
        assert reply.cost == Decimal(17 * rate) / 10**6
        assert stream.cost == Decimal(17 * rate) / 10**6


# --- a property against a reference ------------------------------------------------------------


def reference_rates(instant: datetime.datetime) -> tuple[Decimal, Decimal]:
    """WINDOWED's (input, output) rates at an instant, read straight off the manifest model:
    the window whose weekday and hours hold the UTC instant, else the base rates."""
    utc = instant.astimezone(UTC) if instant.tzinfo else instant
    minute = utc.hour * 60 + utc.minute
    price = WINDOWED.price
    assert price is not None
    for w in price.windows:
        for span in w.hours:
            start, end = span.split("-")
            lo = int(start[:2]) * 60 + int(start[3:])
            hi = int(end[:2]) * 60 + int(end[3:])
            if utc.isoweekday() in w.weekdays and lo <= minute < hi:
                return (
                    w.input or price.input or Decimal(0),
                    w.output or price.output or Decimal(0),
                )
    return price.input or Decimal(0), price.output or Decimal(0)


ZONES = st.sampled_from(
    [UTC, BEIJING, datetime.timezone(datetime.timedelta(hours=-9, minutes=-30)), None]
)


@given(
    moment=st.datetimes(
        min_value=datetime.datetime(2000, 1, 1), max_value=datetime.datetime(2100, 1, 1)
    ),
    zone=ZONES,
    tokens=st.tuples(st.integers(0, 10**7), st.integers(0, 10**7)),
)
def test_cost_is_the_rates_of_the_window_that_holds_the_instant(
    moment: datetime.datetime, zone: Any, tokens: tuple[int, int]
) -> None:
    instant = moment if zone is None else moment.replace(tzinfo=zone)
    rate_in, rate_out = reference_rates(instant)
    expected = (tokens[0] * rate_in + tokens[1] * rate_out) / Decimal(10**6)
    assert cost(BOOK, input_tokens=tokens[0], output_tokens=tokens[1], at=instant) == expected


@given(
    moment=st.datetimes(
        min_value=datetime.datetime(2000, 1, 1), max_value=datetime.datetime(2100, 1, 1)
    ),
    zone=ZONES,
)
def test_a_price_without_windows_ignores_the_time_of_day(
    moment: datetime.datetime, zone: Any
) -> None:
    instant = moment if zone is None else moment.replace(tzinfo=zone)
    got = cost(PLAIN, input_tokens=1234, output_tokens=56, at=instant)
    assert got == cost(PLAIN, input_tokens=1234, output_tokens=56, at=instant.date())
    assert got == cost(PLAIN, input_tokens=1234, output_tokens=56)


# --- the exports ---------------------------------------------------------------------------------


def test_litellm_map_writes_off_peak_pricing(builtin: Registry) -> None:
    entry = litellm_model_map(builtin, models=["deepseek/deepseek-v4-flash"]).models[
        "deepseek/deepseek-v4-flash"
    ]
    assert entry["input_cost_per_token"] == pytest.approx(3e-7, rel=1e-12)
    assert entry["off_peak_pricing"] == {
        "hours_utc": [],
        "weekday_timezone": "UTC",
        "windows": [
            {"hours_utc": ["00:00-01:00", "04:00-06:00", "10:00-00:00"],
             "weekdays": [1, 2, 3, 4, 5]},
            {"hours_utc": ["00:00-00:00"], "weekdays": [6, 7]},
        ],
        "input_cost_per_token": 1.5e-7,
        "output_cost_per_token": 6e-7,
        "cache_read_input_token_cost": 3e-9,
        "cache_creation_input_token_cost": 1.5e-7,
    }  # fmt: skip


def _windowed_registry(dropin: Path) -> Registry:
    (dropin / "acme.yaml").write_text(
        manifest_text(
            "acme",
            "  two-rates:\n"
            "    price:\n"
            "      input: 2\n"
            "      output: 4\n"
            "      windows:\n"
            '        - {hours: ["00:00-06:00"], weekdays: [1, 2, 3, 4, 5], input: 1}\n'
            '        - {hours: ["00:00-24:00"], weekdays: [6, 7], input: 0.5}\n',
            extra="interop:\n  litellm: [openai]\n",
        )
    )
    return load_registry([dropin], builtin=False, env=False)


def test_litellm_map_leaves_out_windows_it_cannot_hold(dropin: Path) -> None:
    made = litellm_model_map(_windowed_registry(dropin))
    assert made.models == {}
    assert made.left_out == {"windows": ["acme/two-rates"]}
    config = litellm_proxy_config(_windowed_registry(dropin), ["acme/two-rates"])
    assert "model_info" not in config.text
    assert any("more than one set of window rates" in note for note in config.notes)


def test_proxy_config_puts_windows_in_model_info(builtin: Registry) -> None:
    import yaml

    config = litellm_proxy_config(builtin, ["deepseek/deepseek-v4-pro"])
    entry = yaml.safe_load(config.text)["model_list"][0]
    assert "off_peak_pricing" not in entry["litellm_params"]  # it would be sent along there
    block = entry["model_info"]["off_peak_pricing"]
    assert block["windows"][0]["hours_utc"] == ["00:00-01:00", "04:00-06:00", "10:00-00:00"]
    assert block["input_cost_per_token"] == pytest.approx(6.6e-7, rel=1e-12)


def test_json_catalog_carries_the_windows(builtin: Registry) -> None:
    price = export_json(builtin)["providers"]["deepseek"]["models"]["deepseek-v4-pro"]["price"]
    assert price["windows"] == [
        {"input": "0.66", "output": "1.98", "cache_read": "0.022",
         "hours": ["00:00-01:00", "04:00-06:00", "10:00-24:00"],
         "weekdays": [1, 2, 3, 4, 5]},
        {"input": "0.66", "output": "1.98", "cache_read": "0.022",
         "hours": ["00:00-24:00"], "weekdays": [6, 7]},
    ]  # fmt: skip


# --- audit and sync read the other catalogs' windows ---------------------------------------


DEEPSEEK_WINDOWED = {
    "deepseek-v4-pro",
    "deepseek-v4-flash",
    "deepseek-flash",
    "deepseek-v4-flash-vision-exp",
}
"""DeepSeek's models priced by time of day (the others, older, differ from the catalogs in ways
of their own)."""


def _findings(builtin: Registry, kind: str, file: str) -> list[Any]:
    from provider_registry._audit import audit
    from provider_registry._sources import load_table

    from .conftest import shared_data

    table = load_table(kind, str(shared_data(file)), builtin, as_of=datetime.date(2026, 12, 1))
    report = audit(builtin, [table], providers=["deepseek"], today=datetime.date(2026, 12, 1))
    return [f for f in report.findings if f.kind == "figure" and f.model in DEEPSEEK_WINDOWED]


def test_audit_against_genai_prices_shows_where_the_weeks_differ(builtin: Registry) -> None:
    # genai-prices writes the off-peak rates as its base and the peak hours as conditions; the
    # manifest writes them the other way round. On weekdays they agree hour by hour; genai-prices
    # cannot name weekdays, so its peak rates apply at weekends too: twice ours there, and the
    # manifest's pinned reason says why ours stand.
    found = _findings(builtin, "genai-prices", "genai-prices-0.2.3.json")
    assert {f.window for f in found} == {"Sat, Sun 01:00-04:00; Sat, Sun 06:00-10:00 UTC"}
    assert {(f.model, f.field) for f in found} == {
        (model, field) for model in DEEPSEEK_WINDOWED for field in ("input", "output", "cache_read")
    }
    assert all(Decimal(f.ours) * 2 == Decimal(f.theirs) for f in found)
    assert all(
        f.explained and "genai-prices 0.2.3 cannot name weekdays" in f.explained for f in found
    )


def test_audit_against_litellm_sees_the_same_week(builtin: Registry) -> None:
    # LiteLLM 1.110.2 writes DeepSeek's week as the manifest does: weekdays and weekends apart.
    assert _findings(builtin, "litellm", "litellm-1.110.2-model-prices.json") == []


def test_audit_of_a_catalog_without_windows_names_the_hours(builtin: Registry) -> None:
    from provider_registry._audit import audit
    from provider_registry._sources import read_table

    data = {"deepseek-v4-pro": {"litellm_provider": "deepseek", "input_cost_per_token": 1.32e-6}}
    table = read_table("litellm", data, builtin, as_of=datetime.date(2026, 12, 1))
    report = audit(builtin, [table], providers=["deepseek"])
    [finding] = [f for f in report.findings if f.kind == "figure"]
    assert (finding.field, finding.ours, finding.theirs) == ("input", "0.66", "1.32")
    assert finding.window == (
        "Mon, Tue, Wed, Thu, Fri 00:00-01:00; Mon, Tue, Wed, Thu, Fri 04:00-06:00; "
        "Mon, Tue, Wed, Thu, Fri 10:00-24:00; Sat, Sun 00:00-24:00 UTC"
    )


def test_sync_keeps_windowed_prices(builtin: Registry) -> None:
    pytest.importorskip("ruamel.yaml")
    from provider_registry._sources import load_table
    from provider_registry._sync import sync

    from .conftest import shared_data

    for kind, file, kept in (
        ("genai-prices", "genai-prices-0.2.3.json", len(DEEPSEEK_WINDOWED)),  # its weekends differ
        ("litellm", "litellm-1.110.2-model-prices.json", 0),  # the same week
    ):
        table = load_table(kind, str(shared_data(file)), builtin, as_of=datetime.date(2026, 12, 1))
        result = sync(builtin, table, providers=["deepseek"], today=datetime.date(2026, 12, 1))
        prices = [c for c in result.changes if c.field == "price" and c.model in DEEPSEEK_WINDOWED]
        assert all(c.field != "price" for c in result.made if c.model in DEEPSEEK_WINDOWED)
        assert len(prices) == kept
        assert all("sync does not carry windows" in (c.kept or "") for c in prices)
