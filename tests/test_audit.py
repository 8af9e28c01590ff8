"""`registry audit`: the catalog against LiteLLM, models.dev and genai-prices.

The fixture catalog (fixtures/audit/manifests) and one small file of each kind beside it agree
exactly. Each test perturbs a copy (prices changed by known ratios, models removed and added,
passed and future dates) and checks the findings are exactly the perturbation: nothing missed and
nothing extra. Catalogs given as URLs come from a real HTTP server on 127.0.0.1.
"""

from __future__ import annotations

import contextlib
import copy
import dataclasses
import datetime
import io
import json
import re
import shutil
import subprocess
import sys
import threading
from collections.abc import Iterator
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, ClassVar

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from provider_registry import Registry, load_registry
from provider_registry._audit import AuditReport, audit
from provider_registry._cli import main
from provider_registry._errors import SourceError
from provider_registry._sources import LIMITS, RATES, load_table, read_table

from .conftest import ROOT, manifest_text, shared_data

HERE = Path(__file__).resolve().parent / "fixtures" / "audit"
MANIFESTS = HERE / "manifests"
ACME = MANIFESTS / "acme.yaml"
TODAY = datetime.date(2026, 12, 1)
PASSED, FUTURE = "2020-01-01", "2099-01-01"
REASON = "Acme's page says 5 and 15; the catalogs copy the batch price."
MILLION = Decimal(1_000_000)

# (kind, source, provider, model, field, ours, theirs, explained, their_id)
Row = tuple[str, str, str, str, str | None, str | None, str | None, str | None, str | None]


def findings(report: AuditReport | dict[str, Any]) -> list[dict[str, Any]]:
    """The findings of a report, or of its --format json document."""
    if isinstance(report, dict):
        found: list[dict[str, Any]] = report["findings"]
        return found
    return [f.to_dict() for f in report.findings]


def rows(report: AuditReport | dict[str, Any]) -> set[Row]:
    """The findings as a set; a finding reported twice fails here."""
    found = findings(report)
    out = {
        (f["kind"], f["source"], f["provider"], f["model"], f["field"], f["ours"], f["theirs"],
         f["explained"], f["their_id"])
        for f in found
    }  # fmt: skip
    assert len(out) == len(found), found
    return out


def relatives(report: AuditReport | dict[str, Any]) -> dict[tuple[str, str, str], float | None]:
    """(provider, model, field) -> the relative difference, of every figure finding."""
    return {
        (f["provider"], f["model"], f["field"]): f["relative"]
        for f in findings(report)
        if f["kind"] == "figure"
    }


def fmt(value: Decimal | int) -> str:
    """A figure as the audit writes it: no exponent, no trailing zeros."""
    return str(value) if isinstance(value, int) else format(value.normalize(), "f")


def figure(model: str, field: str, ours: str | None, theirs: str, source: str = "litellm",
           *, provider: str = "acme", explained: str | None = None,
           their_id: str | None = None) -> Row:  # fmt: skip
    return ("figure", source, provider, model, field, ours, theirs, explained, their_id)


def lifecycle(model: str, ours: str, theirs: str, source: str = "litellm",
              *, their_id: str | None = None) -> Row:  # fmt: skip
    return ("lifecycle", source, "acme", model, "status", ours, theirs, None, their_id)


def counts(**n: int) -> dict[str, int]:
    return {k: n.get(k, 0) for k in ("figure", "lifecycle", "missing_here", "missing_there")}


def missing(kind: str, model: str, source: str = "litellm", provider: str = "acme") -> Row:
    return (kind, source, provider, model, None, None, None, None, None)


@pytest.fixture(scope="module")
def catalog() -> Registry:
    return load_registry([MANIFESTS], builtin=False, env=False)


# -- the three kinds of source, and how to perturb each ------------------------------------------


class Source:
    """One kind of catalog file: where it keeps each figure of the fixture's models."""

    kind = ""
    file = ""
    fields: tuple[str, ...] = (*RATES, *LIMITS)
    marks: tuple[str, ...] = ()
    ids: ClassVar[dict[str, str]] = {}  # our model id -> the file's, where they differ

    def data(self) -> Any:
        return json.loads((HERE / self.file).read_text())

    def their(self, model: str) -> str:
        return self.ids.get(model, model)

    def set(self, data: Any, model: str, field: str, value: Decimal | int | None) -> None:
        raise NotImplementedError

    def remove(self, data: Any, model: str) -> None:
        raise NotImplementedError

    def add(self, data: Any, their_id: str, mark: str | None) -> None:
        raise NotImplementedError

    def mark(self, data: Any, model: str, mark: str) -> None:
        raise NotImplementedError


class LiteLLM(Source):
    kind, file = "litellm", "litellm.json"
    marks = ("passed", "future")
    ids: ClassVar[dict[str, str]] = {"mid-3": "mid-3-latest"}
    keys: ClassVar[dict[str, str]] = {
        "input": "input_cost_per_token",
        "output": "output_cost_per_token",
        "cache_read": "cache_read_input_token_cost",
        "cache_write": "cache_creation_input_token_cost",
        "context_window": "max_input_tokens",
        "max_output_tokens": "max_output_tokens",
    }

    def entry(self, data: Any, model: str) -> dict[str, Any]:
        entry: dict[str, Any] = data[f"acme_ai/{self.their(model)}"]
        return entry

    def set(self, data: Any, model: str, field: str, value: Decimal | int | None) -> None:
        e, key = self.entry(data, model), self.keys[field]
        if value is None:
            e.pop(key, None)
        elif isinstance(value, Decimal):
            e[key] = float(fmt(value / MILLION))  # USD per token, as LiteLLM writes it
        else:
            e[key] = value

    def remove(self, data: Any, model: str) -> None:
        del data[f"acme_ai/{self.their(model)}"]
        data.pop(self.their(model), None)  # the bare "big-1" would take its place

    def add(self, data: Any, their_id: str, mark: str | None) -> None:
        data[f"acme_ai/{their_id}"] = {
            "litellm_provider": "acme_ai",
            "mode": "chat",
            "input_cost_per_token": 1e-06,
            **({"deprecation_date": PASSED if mark == "passed" else FUTURE} if mark else {}),
        }

    def mark(self, data: Any, model: str, mark: str) -> None:
        self.entry(data, model)["deprecation_date"] = PASSED if mark == "passed" else FUTURE


class ModelsDev(Source):
    kind, file = "models.dev", "models-dev.json"
    marks = ("deprecated",)
    keys: ClassVar[dict[str, tuple[str, str]]] = {
        **{f: ("cost", f) for f in RATES},
        "context_window": ("limit", "context"),
        "max_output_tokens": ("limit", "output"),
    }

    def entry(self, data: Any, model: str) -> dict[str, Any]:
        entry: dict[str, Any] = data["acme-md"]["models"][self.their(model)]
        return entry

    def set(self, data: Any, model: str, field: str, value: Decimal | int | None) -> None:
        group, key = self.keys[field]
        where = self.entry(data, model).setdefault(group, {})
        if value is None:
            where.pop(key, None)
        else:
            where[key] = float(fmt(value)) if isinstance(value, Decimal) else value

    def remove(self, data: Any, model: str) -> None:
        del data["acme-md"]["models"][self.their(model)]

    def add(self, data: Any, their_id: str, mark: str | None) -> None:
        entry: dict[str, Any] = {"id": their_id, "cost": {"input": 1}, "limit": {"context": 8000}}
        if mark:
            entry["status"] = "deprecated"
        data["acme-md"]["models"][their_id] = entry

    def mark(self, data: Any, model: str, mark: str) -> None:
        self.entry(data, model)["status"] = "deprecated"


class GenAI(Source):
    kind, file = "genai-prices", "genai-prices.json"
    fields = (*RATES, "context_window")  # genai-prices gives no output limit
    marks = ("deprecated",)
    ids: ClassVar[dict[str, str]] = {"mid-3": "mid-3-family"}

    def models(self, data: Any) -> list[dict[str, Any]]:
        acme = next(p for p in data["providers"] if p["id"] == "acme-gp")
        found: list[dict[str, Any]] = acme["models"]
        return found

    def entry(self, data: Any, model: str) -> dict[str, Any]:
        return next(m for m in self.models(data) if m["id"] == self.their(model))

    def set(self, data: Any, model: str, field: str, value: Decimal | int | None) -> None:
        e = self.entry(data, model)
        if field == "context_window":
            e.pop(field, None)
            if value is not None:
                e[field] = value
            return
        prices = e["prices"][-1]["prices"] if isinstance(e["prices"], list) else e["prices"]
        key = f"{field}_mtok"
        if value is None:
            prices.pop(key, None)
        elif isinstance(prices.get(key), dict):  # {base, tiers}: the base is what is compared
            prices[key]["base"] = fmt(value)
        else:
            prices[key] = fmt(value)

    def remove(self, data: Any, model: str) -> None:
        self.models(data).remove(self.entry(data, model))

    def add(self, data: Any, their_id: str, mark: str | None) -> None:
        entry = {"id": their_id, "match": {"equals": their_id}, "prices": {"input_mtok": "1"}}
        self.models(data).append({**entry, "deprecated": True} if mark else entry)

    def mark(self, data: Any, model: str, mark: str) -> None:
        self.entry(data, model)["deprecated"] = True


SOURCES = {s.kind: s for s in (LiteLLM(), ModelsDev(), GenAI())}


def write(tmp_path: Path, source: Source, data: Any) -> Path:
    path = tmp_path / source.file
    path.write_text(json.dumps(data, indent=1))
    return path


def cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    out = io.StringIO()
    code = main(["audit", "--path", str(MANIFESTS), *argv], out=out)
    return code, out.getvalue(), capsys.readouterr().err


def cli_json(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any]]:
    code, out, err = cli([*argv, "--format", "json"], capsys)
    assert "Traceback" not in err
    return code, json.loads(out)


# -- the unperturbed files agree ----------------------------------------------------------------


@pytest.mark.parametrize("kind", SOURCES)
def test_a_source_that_agrees_reports_no_drift(
    kind: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = HERE / SOURCES[kind].file
    code, report = cli_json(["--against", kind, str(path), "--as-of", "2026-12-01"], capsys)
    assert code == 0
    assert report["findings"] == []
    assert report["drift"] is False
    assert report["compared"] == 6  # five usable acme models and beta-1; old-0 is history
    assert report["sources"] == [{"kind": kind, "location": str(path), "as_of": "2026-12-01"}]


def test_the_fixtures_reach_acme_only_through_interop(catalog: Registry) -> None:
    interop = {"litellm": "acme_ai", "models.dev": "acme-md", "genai-prices": "acme-gp"}
    for source in SOURCES.values():
        table = read_table(source.kind, source.data(), catalog, as_of=TODAY)
        assert set(table.views) == {"acme", "beta"}
        assert table.views["acme"].names == ("acme", interop[source.kind])  # id as a fallback
        assert table.unmapped == ("other-co",)


# -- perturbations with hand-written answers ----------------------------------------------------


def test_litellm_perturbed_is_reported_exactly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    s = SOURCES["litellm"]
    data = s.data()
    s.set(data, "big-1", "input", Decimal(5))
    s.set(data, "small-2", "max_output_tokens", 8192)
    s.set(data, "small-2", "cache_read", Decimal("0.03"))  # we give none
    s.set(data, "small-2", "cache_write", Decimal(0))  # 0 where we give none: not a difference
    s.set(data, "pinned-4", "input", Decimal("2.5"))  # the pin explains it
    s.set(data, "pinned-4", "context_window", 50000)  # the pin is on the price only
    s.set(data, "dep-5", "output", None)  # a figure they do not give is no difference
    s.mark(data, "big-1", "passed")
    s.mark(data, "dep-5", "passed")
    s.mark(data, "small-2", "future")  # a date still to come is no conflict
    s.set(data, "old-0", "input", Decimal(100))  # retired here: history, never compared
    s.mark(data, "old-0", "passed")
    s.remove(data, "mid-3")
    s.add(data, "new-7", None)
    s.add(data, "gone-8", "passed")  # retired there: not missing here
    s.add(data, "soon-9", "future")
    data["beta_llm/beta-1"]["max_input_tokens"] = 65536

    code, report = cli_json(["--against", "litellm", str(write(tmp_path, s, data))], capsys)
    assert code == 1
    assert rows(report) == {
        figure("big-1", "input", "2.5", "5"),
        figure("small-2", "max_output_tokens", "16384", "8192"),
        figure("small-2", "cache_read", None, "0.03"),
        figure("pinned-4", "input", "5", "2.5", explained=REASON),
        figure("pinned-4", "context_window", "100000", "50000"),
        figure("beta-1", "context_window", "32768", "65536", provider="beta"),
        lifecycle("big-1", "ga", "retired on 2020-01-01"),
        lifecycle("dep-5", "deprecated, retires 2099-01-01", "retired on 2020-01-01"),
        missing("missing_there", "mid-3"),
        missing("missing_here", "new-7"),
        missing("missing_here", "soon-9"),
    }
    assert relatives(report) == {
        ("acme", "big-1", "input"): 1.0,
        ("acme", "small-2", "max_output_tokens"): -0.5,
        ("acme", "small-2", "cache_read"): None,
        ("acme", "pinned-4", "input"): -0.5,
        ("acme", "pinned-4", "context_window"): -0.5,
        ("beta", "beta-1", "context_window"): 1.0,
    }
    assert report["counts"] == counts(figure=5, lifecycle=2, missing_here=2, missing_there=1)
    assert report["explained"] == counts(figure=1)
    assert report["compared"] == 5


def test_litellm_prefers_the_prefixed_entry_and_falls_back_to_the_bare_one(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    s = SOURCES["litellm"]
    data = s.data()
    del data["acme_ai/big-1"]  # the bare "big-1" (9e-06 per token, 1000 tokens) is left
    code, report = cli_json(["--against", "litellm", str(write(tmp_path, s, data))], capsys)
    assert code == 1
    assert rows(report) == {
        figure("big-1", "input", "2.5", "9"),
        figure("big-1", "context_window", "400000", "1000"),
    }


def test_models_dev_perturbed_is_reported_exactly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    s = SOURCES["models.dev"]
    data = s.data()
    s.set(data, "big-1", "cache_write", Decimal("3.75"))
    s.set(data, "mid-3", "max_output_tokens", 32000)  # we give no output limit
    s.set(data, "small-2", "cache_read", Decimal("0"))  # still 0 where we give none
    s.mark(data, "mid-3", "deprecated")
    s.mark(data, "dep-5", "deprecated")  # we say deprecated too
    s.remove(data, "pinned-4")
    s.remove(data, "old-0")  # retired here: its absence there is no news
    s.add(data, "new-7", "deprecated")  # deprecated, but with no date: still missing here
    code, report = cli_json(["--against", "models.dev", str(write(tmp_path, s, data))], capsys)
    assert code == 1
    assert rows(report) == {
        figure("big-1", "cache_write", "3.125", "3.75", "models.dev"),
        figure("mid-3", "max_output_tokens", None, "32000", "models.dev"),
        lifecycle("mid-3", "ga", "deprecated", "models.dev"),
        missing("missing_there", "pinned-4", "models.dev"),
        missing("missing_here", "new-7", "models.dev"),
    }
    assert relatives(report)[("acme", "big-1", "cache_write")] == pytest.approx(0.2)


def test_genai_prices_perturbed_is_reported_exactly(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    s = SOURCES["genai-prices"]
    data = s.data()
    s.set(data, "mid-3", "input", Decimal("1.5"))  # the base of {base, tiers}
    s.set(data, "small-2", "output", Decimal("0.6"))  # the dated price in force
    s.set(data, "big-1", "context_window", 200000)
    s.mark(data, "small-2", "deprecated")
    s.remove(data, "dep-5")
    s.add(data, "new-7", None)
    data["providers"][1]["models"].clear()  # beta-gp lists nothing now
    path = write(tmp_path, s, data)
    code, report = cli_json(["--against", "genai-prices", str(path), "--as-of", "2026-12-01"],
                            capsys)  # fmt: skip
    assert code == 1
    assert rows(report) == {
        figure("mid-3", "input", "1", "1.5", "genai-prices", their_id="mid-3-family"),
        figure("small-2", "output", "1.2", "0.6", "genai-prices"),
        figure("big-1", "context_window", "400000", "200000", "genai-prices"),
        lifecycle("small-2", "experimental", "deprecated", "genai-prices"),
        missing("missing_there", "dep-5", "genai-prices"),
        missing("missing_here", "new-7", "genai-prices"),
        missing("missing_there", "beta-1", "genai-prices", "beta"),
    }


@pytest.mark.parametrize(
    ("as_of", "expected"),
    [
        ("2026-12-01", set()),
        (
            "2026-05-31",  # the day before the dated price: the first one is in force
            {
                figure("small-2", "input", "0.3", "0.6", "genai-prices"),
                figure("small-2", "output", "1.2", "2.4", "genai-prices"),
            },
        ),
    ],
)
def test_genai_prices_in_force_follow_as_of(
    as_of: str, expected: set[Row], capsys: pytest.CaptureFixture[str]
) -> None:
    path = HERE / "genai-prices.json"
    code, report = cli_json(["--against", "genai-prices", str(path), "--as-of", as_of], capsys)
    assert (code, rows(report)) == (1 if expected else 0, expected)


def test_a_genai_constraint_of_an_unknown_shape_is_not_a_price_in_force(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    data = json.loads((HERE / "genai-prices.json").read_text())
    small = next(m for p in data["providers"] for m in p["models"] if m["id"] == "small-2")
    small["prices"].append({"constraint": 7, "prices": {"input_mtok": "99", "output_mtok": "99"}})
    path = tmp_path / "genai.json"
    path.write_text(json.dumps(data))
    code, report = cli_json(
        ["--against", "genai-prices", str(path), "--as-of", "2026-12-01"], capsys
    )
    assert (code, rows(report)) == (0, set())


def test_several_sources_in_one_run(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    ll, md = SOURCES["litellm"], SOURCES["models.dev"]
    data = ll.data()
    ll.set(data, "big-1", "output", Decimal(12))
    argv = ["--against", "litellm", str(write(tmp_path, ll, data)),
            "--against", "models.dev", str(HERE / md.file),
            "--against", "genai-prices", str(HERE / "genai-prices.json"),
            "--as-of", "2026-12-01"]  # fmt: skip
    code, report = cli_json(argv, capsys)
    assert code == 1
    assert [s["kind"] for s in report["sources"]] == ["litellm", "models.dev", "genai-prices"]
    assert report["compared"] == 18
    assert rows(report) == {figure("big-1", "output", "10", "12")}


# -- the property: random perturbations, findings derived from them -----------------------------

MODELS = ("big-1", "small-2", "mid-3", "pinned-4", "dep-5", "old-0")
RATIOS = ("0", "0.5", "0.99", "1.01", "1.25", "3")
NEW_RATES = ("0", "0.05", "2")
LIMIT_RATIOS = ("0.5", "0.99", "1.01", "2")
NEW_LIMITS = (4096, 100000)


@dataclasses.dataclass
class Perturbation:
    figures: dict[tuple[str, str], Decimal | int | None]
    marks: dict[str, str]
    removed: set[str]
    added: dict[str, str | None]
    tolerance: float

    def apply(self, source: Source, data: Any) -> Any:
        data = copy.deepcopy(data)
        for (model, field), value in self.figures.items():
            source.set(data, model, field, value)
        for model, mark in self.marks.items():
            source.mark(data, model, mark)
        for model in self.removed:
            source.remove(data, model)
        for their_id, how in self.added.items():
            source.add(data, their_id, how)
        return data

    def expected(self, source: Source, registry: Registry) -> set[Row]:
        """The findings this perturbation must give, from the rules alone."""
        kind, acme, found = source.kind, registry.provider("acme"), set[Row]()
        for model, m in acme.models.items():
            if m.status == "retired":
                continue
            if model in self.removed:
                found.add(missing("missing_there", model, kind))
                continue
            other = source.ids.get(model)
            for (name, field), theirs in self.figures.items():
                ours = getattr(m.price, field) if field in RATES else getattr(m, field)
                if name != model or theirs is None or theirs == ours:
                    continue
                if theirs == 0 and ours is None:
                    continue
                if ours and abs((Decimal(theirs) - ours) / ours) <= Decimal(self.tolerance):
                    continue
                pin = m.pinned.get("price" if field in RATES else field)  # type: ignore[call-overload]
                text = None if ours is None else str(ours)
                found.add(figure(model, field, text, fmt(theirs), kind, explained=pin,
                                 their_id=other))  # fmt: skip
            mark = self.marks.get(model)
            status = m.status + (f", retires {m.retired_on}" if m.retired_on else "")
            if mark == "passed":
                found.add(lifecycle(model, status, f"retired on {PASSED}", kind, their_id=other))
            elif mark == "deprecated" and m.status != "deprecated":
                found.add(lifecycle(model, status, "deprecated", kind, their_id=other))
        for their_id, how in self.added.items():
            if how != "passed":
                found.add(missing("missing_here", their_id, kind))
        return found


@st.composite
def perturbations(draw: st.DrawFn, source: Source, registry: Registry) -> Perturbation:
    acme = registry.provider("acme").models
    pairs = [(m, f) for m in MODELS for f in source.fields]
    figures: dict[tuple[str, str], Decimal | int | None] = {}
    for model, field in draw(st.lists(st.sampled_from(pairs), unique=True, max_size=8)):
        m = acme[model]
        ours = getattr(m.price, field) if field in RATES else getattr(m, field)
        if draw(st.integers(0, 5)) == 0:
            figures[model, field] = None  # not given there
        elif field in LIMITS:
            figures[model, field] = (
                draw(st.sampled_from(NEW_LIMITS))
                if ours is None
                else int(ours * Decimal(draw(st.sampled_from(LIMIT_RATIOS))))
            )
        elif ours is None:
            figures[model, field] = Decimal(draw(st.sampled_from(NEW_RATES)))
        else:
            figures[model, field] = ours * Decimal(draw(st.sampled_from(RATIOS)))
    marks = draw(
        st.dictionaries(st.sampled_from(MODELS), st.sampled_from(source.marks), max_size=3)
    )
    removed = draw(st.sets(st.sampled_from(MODELS), max_size=3))
    added = draw(
        st.dictionaries(
            st.sampled_from(("new-7", "new-8", "zz-9")),
            st.none() | st.sampled_from(source.marks),
            max_size=3,
        )
    )
    tolerance = draw(st.sampled_from((0.0, 0.02, 0.3)))
    return Perturbation(figures, marks, removed, added, tolerance)


@settings(max_examples=50, deadline=None)
@given(data=st.data())
def test_random_perturbations_are_reported_exactly(catalog: Registry, data: st.DataObject) -> None:
    source = SOURCES[data.draw(st.sampled_from(sorted(SOURCES)), label="kind")]
    p = data.draw(perturbations(source, catalog), label="perturbation")
    raw = json.loads(json.dumps(p.apply(source, source.data())))  # as a file would hold it
    table = read_table(source.kind, raw, catalog, label=source.file, as_of=TODAY)
    report = audit(catalog, [table], providers=["acme"], tolerance=p.tolerance, today=TODAY)
    assert rows(report) == p.expected(source, catalog)
    assert report.drift == [f for f in report.findings if f.explained is None]
    for f in report.findings:
        if f.kind == "figure" and f.ours is not None:
            ratio = Decimal(f.theirs or "0") / Decimal(f.ours) - 1
            assert f.relative == pytest.approx(float(ratio))
            assert abs(ratio) > Decimal(p.tolerance)
        else:
            assert f.relative is None


# -- the real snapshot, as it is ----------------------------------------------------------------


def test_the_builtin_catalog_explains_every_difference_from_litellm_1_110_2(
    builtin: Registry,
) -> None:
    """Issue 11's must-hold: against LiteLLM 1.110.2 no lifecycle conflicts, and every figure the
    catalog and LiteLLM give differently for a model both list is corrected or carries the
    manifest's reason (``pinned``). Imports add models by the hundred; without this test an
    unexplained difference among them went unnoticed until someone ran the audit by hand."""
    path = shared_data("litellm-1.110.2-model-prices.json")
    table = load_table("litellm", str(path), builtin, as_of=datetime.date(2026, 11, 20))
    report = audit(builtin, [table], today=TODAY)
    assert report.compared > 1000, "the snapshot no longer maps to the catalog"

    def unexplained(kind: str) -> list[str]:
        return [
            f"{f.provider}/{f.model} {f.field}: ours {f.ours}, LiteLLM {f.theirs}"
            + (f" ({f.window})" if f.window else "")
            for f in report.findings
            if f.kind == kind and f.explained is None
        ]

    assert unexplained("lifecycle") == []
    assert unexplained("figure") == [], "correct the figure or pin it with its reason"


# -- the real snapshot, perturbed ---------------------------------------------------------------


def test_perturbing_the_litellm_snapshot_adds_exactly_those_findings(
    builtin: Registry, tmp_path: Path
) -> None:
    original = shared_data("litellm-1.110.2-model-prices.json")
    copied = tmp_path / "prices.json"
    shutil.copyfile(original, copied)  # a copy in tmp_path only; never into the project
    data = json.loads(copied.read_text())
    before_table = load_table("litellm", str(copied), builtin, as_of=TODAY)
    before = audit(builtin, [before_table], today=TODAY)
    old = rows(before)

    def keys_of(pid: str, their_id: str) -> list[str]:
        names = before_table.views[pid].names
        return [
            k for k, e in data.items()
            if isinstance(e, dict) and e.get("litellm_provider") in names
            and k.removeprefix(f"{e['litellm_provider']}/") == their_id
        ]  # fmt: skip

    # Models both sides know by the same id, in one entry, agreeing on input and lifecycle.
    candidates: list[tuple[str, str, str]] = []  # (provider, model, key)
    for pid, view in sorted(before_table.views.items()):
        p = builtin.provider(pid)
        for model_id, m in sorted(p.models.items()):
            keys = keys_of(pid, model_id)
            if m.status in ("retired", "deprecated") or m.retired_on or len(keys) != 1:
                continue
            if view.find(model_id, m.aliases) != model_id or m.price is None or m.aliases:
                continue
            e = data[keys[0]]
            if e.get("deprecation_date") or not isinstance(e.get("input_cost_per_token"), float):
                continue
            if any(r[2:4] == (pid, model_id) for r in old):
                continue  # no finding at all: the perturbation is the only difference
            if view.models[model_id].input == m.price.input and m.price.input:
                candidates.append((pid, model_id, keys[0]))
    by_provider: dict[str, tuple[str, str, str]] = {}
    for c in candidates:
        by_provider.setdefault(c[0], c)
    assert len(by_provider) >= 4, candidates
    picks = sorted(by_provider.values())[:4]
    (p1, m1, k1), (p2, m2, k2), (_, _, k3), (p4, m4, k4) = picks

    price = builtin.provider(p1).models[m1].price
    assert price is not None
    assert price.input is not None
    ours1 = price.input
    data[k1]["input_cost_per_token"] = float(fmt(ours1 * 2 / MILLION))
    data[k2]["deprecation_date"] = PASSED
    data[k3]["deprecation_date"] = FUTURE
    del data[k4]
    new_provider = before_table.views[p1].names[0]
    data[f"{new_provider}/zz-audit-new"] = {"litellm_provider": new_provider, "mode": "chat"}
    data[f"{new_provider}/zz-audit-gone"] = {
        "litellm_provider": new_provider, "mode": "chat", "deprecation_date": PASSED
    }  # fmt: skip
    copied.write_text(json.dumps(data))

    after = audit(builtin, [load_table("litellm", str(copied), builtin, as_of=TODAY)], today=TODAY)
    new = rows(after)
    status2 = builtin.provider(p2).models[m2].status
    assert new - old == {
        figure(m1, "input", str(ours1), fmt(ours1 * 2), provider=p1),
        ("lifecycle", "litellm", p2, m2, "status", status2, f"retired on {PASSED}", None, None),
        missing("missing_there", m4, provider=p4),
        missing("missing_here", "zz-audit-new", provider=p1),
    }
    assert old - new == set()  # each perturbed model had no finding before
    assert after.compared == before.compared - 1


# -- catalogs served over HTTP ------------------------------------------------------------------


class Served:
    """A real HTTP server on 127.0.0.1 answering each path with a fixed (status, body)."""

    ENDLESS = 64 * 1024 * 1024
    """What the "/endless" path sends at most, in 64 KiB chunks with no length given."""

    def __init__(self, routes: dict[str, tuple[int, bytes]]) -> None:
        self.routes = routes
        self.hits: list[str] = []
        self.sent = 0  # bytes of "/endless" the client took before it hung up
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                outer.hits.append(self.path)
                if self.path == "/endless":
                    self.send_response(200)
                    self.end_headers()  # HTTP/1.0, no length: the body ends when we close
                    with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                        while outer.sent < outer.ENDLESS:
                            self.wfile.write(b" " * 65536)
                            outer.sent += 65536
                    return
                status, body = outer.routes.get(self.path, (404, b"not found"))
                self.send_response(status)
                self.send_header("content-length", str(len(body)))
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(body)

        self._http = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._thread = threading.Thread(
            target=self._http.serve_forever, kwargs={"poll_interval": 0.01}, daemon=True
        )

    def url(self, path: str) -> str:
        host, port = self._http.server_address[:2]
        return f"http://{host!s}:{port}{path}"

    def __enter__(self) -> Served:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._http.shutdown()
        self._http.server_close()


@pytest.fixture
def served(tmp_path: Path) -> Iterator[Served]:
    s = SOURCES["litellm"]
    data = s.data()
    s.set(data, "small-2", "input", Decimal("0.45"))
    routes = {
        "/prices.json": (200, json.dumps(data).encode()),
        "/models-dev.json": (200, (HERE / "models-dev.json").read_bytes()),
        "/boom": (500, b'{"error": "internal"}'),
        "/garbage": (200, b"\x00\xffthis is <html> not JSON"),
        "/wrong-shape": (200, b'{"hello": "world"}'),
        "/big": (200, b"[" + b"1," * 4000 + b"1]"),
    }
    with Served(routes) as server:
        yield server


def test_a_url_source_is_fetched_and_audited(
    served: Served, capsys: pytest.CaptureFixture[str]
) -> None:
    url = served.url("/prices.json")
    argv = ["--against", "litellm", url, "--against", "models.dev", served.url("/models-dev.json")]
    code, report = cli_json(argv, capsys)
    assert code == 1
    assert served.hits == ["/prices.json", "/models-dev.json"]
    assert rows(report) == {figure("small-2", "input", "0.3", "0.45")}
    assert report["sources"][0] == {
        "kind": "litellm", "location": url, "as_of": datetime.date.today().isoformat()
    }  # fmt: skip


def test_a_url_scheme_in_capitals_is_still_a_url(
    served: Served, capsys: pytest.CaptureFixture[str]
) -> None:
    url = served.url("/prices.json").replace("http://", "HTTP://")
    code, report = cli_json(["--against", "litellm", url], capsys)
    assert (code, served.hits) == (1, ["/prices.json"])
    assert rows(report) == {figure("small-2", "input", "0.3", "0.45")}


@pytest.mark.parametrize(
    ("path", "message"),
    [
        ("/boom", "the server answered 500"),
        ("/missing", "the server answered 404"),
        ("/garbage", "not valid JSON"),
        ("/wrong-shape", "this does not look like LiteLLM's price table"),
        ("/big", "larger than 1,024 bytes; not a catalog"),
    ],
)
def test_a_bad_url_is_one_clean_error(
    served: Served,
    path: str,
    message: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    monkeypatch.setattr("provider_registry._sources.MAX_BYTES", 1024)
    url = served.url(path)
    with pytest.raises(SourceError, match=re.escape(message)):
        load_table("litellm", url, load_registry([MANIFESTS], builtin=False, env=False))
    code, out, err = cli(["--against", "litellm", url], capsys)
    assert (code, out) == (1, "")
    error = err.splitlines()[-1]
    assert error.startswith(f"registry: error: {url}: ")
    assert message in error
    assert "Traceback" not in err


def test_an_endless_body_is_cut_off_at_the_limit(
    served: Served, monkeypatch: pytest.MonkeyPatch, catalog: Registry
) -> None:
    monkeypatch.setattr("provider_registry._sources.MAX_BYTES", 1024)
    with pytest.raises(SourceError, match="larger than 1,024 bytes"):
        load_table("litellm", served.url("/endless"), catalog)
    assert served.sent < served.ENDLESS // 4  # the client stopped reading; it did not take all


def test_an_oversized_file_is_refused_before_parsing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, catalog: Registry
) -> None:
    monkeypatch.setattr("provider_registry._sources.MAX_BYTES", 1024)
    big = tmp_path / "big.json"
    big.write_text("[" + "1," * 4000 + "1]")
    with pytest.raises(SourceError, match="larger than 1,024 bytes"):
        load_table("litellm", str(big), catalog)


def test_a_server_error_in_a_real_process_is_one_line(served: Served) -> None:
    proc = subprocess.run(
        [sys.executable, "-m", "provider_registry", "audit", "--path", str(MANIFESTS),
         "--against", "litellm", served.url("/boom")],
        capture_output=True, text=True, cwd=ROOT, timeout=60,
    )  # fmt: skip
    assert proc.returncode == 1
    assert proc.stdout == ""
    assert proc.stderr.splitlines()[-1] == (
        f"registry: error: {served.url('/boom')}: the server answered 500"
    )
    assert "Traceback" not in proc.stderr


@pytest.mark.parametrize(
    ("argv", "code", "text"),
    [
        (["--against", "litellm", "no/such/file.json"], 1, "no/such/file.json: cannot read"),
        (["--against", "openrouter", "x.json"], 1, "unknown catalog kind 'openrouter'"),
        (["--against", "models.dev", str(HERE / "litellm.json")], 1, "the models.dev catalog"),
        (["--against", "genai-prices", str(HERE / "litellm.json")], 1, "genai-prices data"),
        (["--against", "litellm", str(HERE / "litellm.json"), "--provider", "acmee"], 1,
         "unknown provider 'acmee' (did you mean 'acme'?)"),
        (["--against", "litellm"], 2, "expected 2 arguments"),
        ([], 2, "the following arguments are required: --against"),
        (["--against", "litellm", "x", "--tolerance", "-1"], 2, "is not a tolerance"),
        (["--against", "litellm", "x", "--as-of", "yesterday"], 2, "is not a date"),
    ],
)  # fmt: skip
def test_refusals_are_one_clean_line(
    argv: list[str], code: int, text: str, capsys: pytest.CaptureFixture[str]
) -> None:
    try:
        got, out, err = cli(argv, capsys)
    except SystemExit as exc:  # argparse's usage errors
        got, out, err = int(str(exc.code)), "", capsys.readouterr().err
    assert (got, out) == (code, "")
    assert text in err
    assert "Traceback" not in err


# -- the command's options and formats ----------------------------------------------------------


@pytest.fixture
def perturbed(tmp_path: Path) -> Path:
    """The LiteLLM fixture with one finding of each kind, one explained, and one in beta."""
    s = SOURCES["litellm"]
    data = s.data()
    s.set(data, "big-1", "input", Decimal(5))
    s.set(data, "small-2", "max_output_tokens", 8192)
    s.set(data, "pinned-4", "output", Decimal(12))
    s.mark(data, "big-1", "passed")
    s.remove(data, "mid-3")
    s.add(data, "new-7", None)
    data["beta_llm/beta-1"]["output_cost_per_token"] = 3e-06
    return write(tmp_path, s, data)


TEXT = """\
figures that differ (3):
  litellm  acme/big-1    input              2.5    5     +100.0%
  litellm  acme/small-2  max_output_tokens  16384  8192  -50.0%
  litellm  beta/beta-1   output             2      3     +50.0%

lifecycle conflicts (1):
  litellm  acme/big-1  status  ga  retired on 2020-01-01

listed there, not here (1):
  litellm  acme/new-7

listed here, not there (1):
  litellm  acme/mid-3

5 models compared: 6 findings (3 figures that differ, 1 lifecycle conflicts, 1 listed there, \
1 listed here); 1 explained by the manifests (--all lists them)
"""


def test_text_is_aligned_and_summarised(
    perturbed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = cli(["--against", "litellm", str(perturbed)], capsys)
    assert code == 1
    assert out == TEXT
    assert err == f"registry: reading litellm from {perturbed} ...\n"


def test_all_lists_the_explained_with_their_reason(
    perturbed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = cli(["--against", "litellm", str(perturbed), "--all"], capsys)
    assert code == 1
    assert "figures that differ (4):\n" in out
    row = "  litellm  acme/pinned-4  output             15     12    -20.0%   set by hand: "
    assert f"{row}{REASON}\n" in out
    assert out.endswith("1 explained by the manifests\n")


def test_an_explained_difference_alone_is_no_drift(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    s = SOURCES["litellm"]
    data = s.data()
    s.set(data, "pinned-4", "input", Decimal(3))
    path = str(write(tmp_path, s, data))
    code, out, _ = cli(["--against", "litellm", path], capsys)
    assert code == 0
    assert out == (
        "6 models compared: no drift (0 figures that differ, 0 lifecycle conflicts, "
        "0 listed there, 0 listed here); 1 explained by the manifests (--all lists them)\n"
    )
    code, report = cli_json(["--against", "litellm", path], capsys)
    assert (code, report["drift"]) == (0, False)
    assert rows(report) == {figure("pinned-4", "input", "5", "3", explained=REASON)}
    assert report["counts"]["figure"] == 0
    assert report["explained"]["figure"] == 1
    code, out, _ = cli(["--against", "litellm", path, "--format", "github"], capsys)
    assert (code, out) == (0, "0 findings\n")


def test_json_has_a_version_and_stable_keys(
    perturbed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, report = cli_json(["--against", "litellm", str(perturbed)], capsys)
    assert code == 1
    assert list(report) == [
        "version", "sources", "compared", "drift", "counts", "explained", "findings"
    ]  # fmt: skip
    assert report["version"] == 1
    assert report["drift"] is True
    kinds = ["figure", "lifecycle", "missing_here", "missing_there"]
    assert list(report["counts"]) == list(report["explained"]) == kinds
    assert [set(s) for s in report["sources"]] == [{"kind", "location", "as_of"}]
    for f in report["findings"]:
        assert list(f) == [
            "kind", "source", "provider", "model", "field", "ours", "theirs", "relative",
            "explained", "their_id", "window", "identity",
        ]  # fmt: skip
    assert report["counts"] == counts(figure=3, lifecycle=1, missing_here=1, missing_there=1)
    assert report["explained"] == counts(figure=1)


def line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if line == text)


def shown(path: Path) -> str:
    """A manifest's path as the registry shows it: relative when under the working directory."""
    with contextlib.suppress(ValueError):
        return str(path.relative_to(Path.cwd()))
    return str(path)


def test_github_annotations_point_at_the_manifest_line(
    perturbed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, _ = cli(["--against", "litellm", str(perturbed), "--format", "github"], capsys)
    assert code == 1
    beta = MANIFESTS / "beta.yaml"
    a, b = shown(ACME), shown(beta)
    assert out.splitlines() == [
        f"::warning file={a},line={line_of(ACME, '  big-1:')}::litellm: figures that differ: "
        "acme/big-1 input: ours 2.5, theirs 5",
        f"::warning file={a},line={line_of(ACME, '  big-1:')}::litellm: lifecycle conflicts: "
        "acme/big-1 status: ours ga, theirs retired on 2020-01-01",
        f"::warning file={a},line={line_of(ACME, '  small-2:')}::litellm: figures that differ: "
        "acme/small-2 max_output_tokens: ours 16384, theirs 8192",
        f"::warning file={a},line={line_of(ACME, '  mid-3:')}::litellm: listed here, not "
        "there: acme/mid-3",
        f"::warning file={a},line={line_of(ACME, 'models:')}::litellm: listed there, not "
        "here: acme/new-7",
        f"::warning file={b},line={line_of(beta, '  beta-1:')}::litellm: figures that differ: "
        "beta/beta-1 output: ours 2, theirs 3",
        "6 findings",
    ]


def test_github_annotations_are_escaped(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    odd = tmp_path / "a,b:c"
    shutil.copytree(MANIFESTS, odd)
    s = SOURCES["litellm"]
    data = s.data()
    s.add(data, "50%-off", None)
    out = io.StringIO()
    argv = ["audit", "--path", str(odd), "--against", "litellm", str(write(tmp_path, s, data)),
            "--format", "github", "--provider", "acme"]  # fmt: skip
    assert main(argv, out=out) == 1
    file = str(odd / "acme.yaml").replace(":", "%3A").replace(",", "%2C")
    assert out.getvalue().splitlines() == [
        f"::warning file={file},line={line_of(odd / 'acme.yaml', 'models:')}::litellm: listed "
        "there, not here: acme/50%25-off",
        "1 finding",
    ]


@pytest.mark.parametrize("given", ["beta", "beta-labs"])
def test_provider_narrows_by_id_or_alias(
    given: str, perturbed: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, report = cli_json(["--against", "litellm", str(perturbed), "--provider", given], capsys)
    assert code == 1
    assert rows(report) == {figure("beta-1", "output", "2", "3", provider="beta")}
    assert report["compared"] == 1


def test_provider_with_nothing_to_report_exits_0(capsys: pytest.CaptureFixture[str]) -> None:
    s = SOURCES["litellm"]
    code, report = cli_json(["--against", "litellm", str(HERE / s.file), "--provider", "beta"],
                            capsys)  # fmt: skip
    assert (code, report["findings"], report["compared"]) == (0, [], 1)


@pytest.mark.parametrize(
    ("tolerance", "shown"), [("0", True), ("0.009", True), ("0.01", False), ("0.05", False)]
)
def test_tolerance_hides_small_differences(
    tolerance: str, shown: bool, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    s = SOURCES["litellm"]
    data = s.data()
    s.set(data, "big-1", "input", Decimal("2.525"))  # +1%
    s.set(data, "small-2", "output", Decimal("2.4"))  # +100%: shown at any of these
    s.set(data, "mid-3", "cache_read", Decimal(0))  # ours 0.1, theirs 0: -100%
    path = str(write(tmp_path, s, data))
    code, out, _ = cli(["--against", "litellm", path, "--tolerance", tolerance], capsys)
    assert code == 1
    assert ("acme/big-1    input" in out) is shown
    assert "+1.0%" in out if shown else "+1.0%" not in out
    assert "acme/small-2  output" in out
    assert "-100.0%" in out
    code, report = cli_json(["--against", "litellm", path, "--tolerance", tolerance], capsys)
    expected = {
        figure("small-2", "output", "1.2", "2.4"),
        figure("mid-3", "cache_read", "0.1", "0", their_id="mid-3-latest"),
    }
    if shown:
        expected.add(figure("big-1", "input", "2.5", "2.525"))
    assert rows(report) == expected


def test_tolerance_never_hides_a_figure_we_lack(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    s = SOURCES["litellm"]
    data = s.data()
    s.set(data, "small-2", "cache_read", Decimal("0.0001"))
    code, report = cli_json(
        ["--against", "litellm", str(write(tmp_path, s, data)), "--tolerance", "50"], capsys
    )
    assert code == 1
    assert rows(report) == {figure("small-2", "cache_read", None, "0.0001")}


def test_interop_names_map_providers(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """A catalog's provider name reaches ours through interop; our own id is only a fallback."""
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "zeta.yaml").write_text(
        manifest_text("zeta", "  z-1: {context_window: 1000}",
                      extra="interop: {litellm: [zeta_litellm_name]}\n")
    )  # fmt: skip
    data = {
        "zeta_litellm_name/z-1": {
            "litellm_provider": "zeta_litellm_name",
            "max_input_tokens": 2000,
        },
        "zeta/z-2": {"litellm_provider": "zeta", "max_input_tokens": 10},
        "elsewhere/z-1": {"litellm_provider": "elsewhere", "max_input_tokens": 3},
    }
    path = tmp_path / "ll.json"
    path.write_text(json.dumps(data))
    out = io.StringIO()
    argv = ["audit", "--path", str(tmp_path / "m"), "--against", "litellm", str(path),
            "--format", "json"]  # fmt: skip
    assert main(argv, out=out) == 1
    assert rows(json.loads(out.getvalue())) == {
        figure("z-1", "context_window", "1000", "2000", provider="zeta"),
        missing("missing_here", "z-2", provider="zeta"),
    }


def test_genai_prices_merges_every_name_of_a_provider(tmp_path: Path) -> None:
    """A manifest with two genai-prices names sees the models of both."""
    (tmp_path / "m").mkdir()
    (tmp_path / "m" / "zeta.yaml").write_text(
        manifest_text("zeta", "  z-1: {context_window: 1000}\n  z-2: {context_window: 2000}",
                      extra="interop: {genai_prices: [zeta-a, zeta-b]}\n")
    )  # fmt: skip
    registry = load_registry([tmp_path / "m"], builtin=False, env=False)
    data = {"providers": [
        {"id": "zeta-a", "models": [{"id": "z-1", "context_window": 1000, "prices": {}}]},
        {"id": "zeta-b", "models": [{"id": "z-2", "context_window": 2000, "prices": {}},
                                    {"id": "z-3", "match": {"equals": "z-1-mini"}, "prices": {}}]},
    ]}  # fmt: skip
    table = read_table("genai-prices", data, registry, as_of=TODAY)
    assert sorted(table.views["zeta"].models) == ["z-1", "z-2", "z-3"]
    assert table.views["zeta"].find("z-1-mini") == "z-3"
    report = audit(registry, [table], today=TODAY)
    assert rows(report) == {missing("missing_here", "z-3", "genai-prices", "zeta")}
