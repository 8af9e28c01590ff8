"""Values YAML 1.1 reads differently from YAML 1.2 (0x1F, 010, 1:30, 1_000, yes), and quoted
values pydantic would coerce ('false', '31'): each is refused, at its place, with a hint, and the
loader (load_registry, load_manifest) and `registry validate` agree on every manifest."""

from __future__ import annotations

import functools
import json
from pathlib import Path
from typing import Any
from unittest import mock

import pytest
import yaml
from hypothesis import given
from hypothesis import strategies as st

import provider_registry._validate as validate_module
import provider_registry._yaml as yaml_module
from provider_registry import ManifestError, load_manifest, load_registry
from provider_registry._loader import manifest_from_document, parse_document
from provider_registry._validate import validate
from provider_registry._yaml import YamlError, parse_yaml

# (value as written, what the message says, the hint's fix) for models.m.context_window or
# another field where the value lands; every form is refused by both YAML paths.
YAML11: list[tuple[str, str, str]] = [
    ("0x1F", "0x1F is hexadecimal for 31", "write 31,"),
    ("-0x1f", "-0x1f is hexadecimal for -31", "write -31,"),
    ("010", "010 is octal for 8 in YAML 1.1, and 10 in YAML 1.2", "write 8,"),
    ("0b101", "0b101 is YAML 1.1 binary for 5", "write 5,"),
    ("1:30", "1:30 is YAML 1.1 base 60 for 90", "write 90,"),
    ("1:30.5", "1:30.5 is YAML 1.1 base 60 for 90.5", "write 90.5,"),
    ("128_000", "128_000 is 128000 in YAML 1.1 and text in YAML 1.2", "write 128000,"),
    ("0.000_5", "0.000_5 is 0.0005 in YAML 1.1 and text in YAML 1.2", "write 0.0005,"),
    ("1_0e-6", "1_0e-6 is 0.000010 in YAML 1.1 and text in YAML 1.2", "write 0.000010,"),
    ("yes", "yes is true in YAML 1.1 and text in YAML 1.2", "write true,"),
    ("Off", "Off is false in YAML 1.1 and text in YAML 1.2", "write false,"),
    ("!!int 010", "010 is octal for 8 in YAML 1.1, and 10 in YAML 1.2", "write 8,"),
]


def _composed(text: str) -> YamlError | Any:
    with mock.patch.object(yaml_module, "_plain_document", return_value=None):
        try:
            return parse_yaml(text).data
        except YamlError as exc:
            return exc


@pytest.mark.parametrize(("written", "said", "fix"), YAML11, ids=[w for w, _, _ in YAML11])
def test_a_yaml11_only_value_is_refused_at_its_place_with_a_hint(
    written: str, said: str, fix: str
) -> None:
    text = f"a:\n  b: [1, {written}]\n"
    assert yaml_module._plain_document(text) is None  # the fast path leaves it to composing
    with pytest.raises(YamlError) as fast:
        parse_yaml(text)
    for exc in (fast.value, _composed(text)):
        assert isinstance(exc, YamlError)
        assert exc.message == said
        assert exc.hint is not None
        assert exc.hint.startswith(fix)
        assert exc.hint.endswith(f"or '{written.removeprefix('!!int ')}' in quotes if it is text")
        assert exc.mark == yaml_module.Mark(2, 10)  # where the value (or its tag) starts
        assert exc.path == ("a", "b", 1)


# Written as YAML 1.2 and JSON read them; both paths take each as it stands.
PLAIN: list[tuple[str, Any]] = [
    ("31", 31), ("-0", 0), ("+5", 5), ("0", 0), ("1.5", "1.5"), ("007.5", "7.5"), (".5", "0.5"),
    ("1.", "1"), ("1e3", "1E+3"), ("1E-6", "0.000001"), ("true", True), ("False", False),
    ("'010'", "010"), ('"0x1F"', "0x1F"), ("'yes'", "yes"), ("y", "y"), ("0o17", "0o17"),
]  # fmt: skip


@pytest.mark.parametrize(("written", "value"), PLAIN, ids=[w for w, _ in PLAIN])
def test_plain_numbers_and_booleans_still_read(written: str, value: Any) -> None:
    got = parse_yaml(f"a: {written}").data["a"]
    assert str(got) == str(value) if isinstance(value, str) else got == value
    assert repr(_composed(f"a: {written}")) == repr(parse_yaml(f"a: {written}").data)


MANIFEST = """\
schema_version: 1
id: acme
name: Acme
api: {{dialect: openai, base_url: "https://acme.example/v1"}}
auth: {{env: [ACME_API_KEY], required: {required}}}
params:
  project: {{send_as: {{header: X-Project}}, required: {param_required}}}
sources: [{{id: s, url: "https://acme.example/prices", as_of: {as_of}}}]
models:
  m:
    context_window: {context_window}
    price: {{input: {price}, output: 1}}
"""
FIELDS = {
    "required": "true",
    "param_required": "false",
    "as_of": "2026-01-01",
    "context_window": "1000",
    "price": "0.5",
}

# (field, value as written, where the problem is, what it says, the hint)
REFUSED: list[tuple[str, str, str, str, str | None]] = [
    ("context_window", "0x1F", "models.m.context_window", "0x1F is hexadecimal for 31", "31"),
    ("context_window", "1:30", "models.m.context_window", "1:30 is YAML 1.1 base 60", "90"),
    ("price", "010", "models.m.price.input", "010 is octal for 8", "8"),
    ("required", "'false'", "auth.required", "'false' should be true or false", "true or false"),
    ("required", "'true'", "auth.required", "'true' should be true or false", "true or false"),
    ("required", "no", "auth.required", "no is false in YAML 1.1", "write false"),
    ("param_required", "0", "params.project.required", "should be true or false", "true or"),
    ("context_window", "'31'", "models.m.context_window", "'31' should be a whole number", None),
    ("price", "'0.5'", "models.m.price.input", "number", None),
    ("as_of", "0", "sources[0].as_of", "0 should be", None),
    ("as_of", "2026-01-01T00:00:00", "sources[0].as_of", "should be a date", "YYYY-MM-DD"),
]


@pytest.mark.parametrize(
    ("field", "written", "where", "said", "hint"), REFUSED, ids=[f"{r[0]}={r[1]}" for r in REFUSED]
)
def test_loader_and_validate_both_refuse_with_the_place_and_a_hint(
    field: str, written: str, where: str, said: str, hint: str | None, tmp_path: Path
) -> None:
    path = tmp_path / "acme.yaml"
    path.write_text(MANIFEST.format(**{**FIELDS, field: written}), encoding="utf-8")
    line = next(i for i, t in enumerate(path.read_text().splitlines(), 1) if written in t)

    with pytest.raises(ManifestError) as loaded:
        load_registry(paths=[path], builtin=False, env=False)
    report = validate([path], builtin=False, env=False, max_age=None)
    for problems in (loaded.value.problems, report.errors):
        assert len(problems) == 1, problems
        (problem,) = problems
        assert (problem.line, problem.path) == (line, where)
        assert said in problem.message
        if hint is not None:
            assert problem.hint is not None
            assert hint in problem.hint, problem.hint


def test_the_sound_manifest_loads() -> None:
    provider = load_manifest(MANIFEST.format(**FIELDS))
    assert provider.models["m"].context_window == 1000
    assert provider.auth.required is True


# --- the loader and `validate` agree on any value in any field -----------------------------------

# A manifest using every kind of field; each leaf is a place a hostile or mistaken value can go.
RICH: dict[str, Any] = {
    "schema_version": 1,
    "id": "acme",
    "name": "Acme",
    "docs_url": "https://acme.example/docs",
    "aliases": ["acme-ai"],
    "owns": ["acme-*"],
    "api": {
        "dialect": "openai",
        "base_url": "https://acme.example/v1",
        "base_url_env": "ACME_API_BASE",
        "endpoints": ["acme.example/v1"],
        "headers": {"X-Version": "2"},
    },
    "auth": {
        "env": ["ACME_API_KEY"],
        "header": "Authorization",
        "scheme": "Bearer",
        "required": True,
    },
    "request": {"rename": {"a": "b"}, "unsupported": ["seed"], "defaults": {"top_k": 1}},
    "params": {
        "project": {
            "send_as": {"header": "X-Project"},
            "required": True,
            "env": "ACME_PROJECT",
            "default": "t/p",
            "pattern": "^[^/]+/[^/]+$",
            "description": "the project",
        }
    },
    "interop": {"litellm": ["acme"], "models_dev": ["acme"], "genai_prices": ["acme"]},
    "free": "a free service",
    "sources": [
        {
            "id": "s",
            "name": "Price page",
            "url": "https://acme.example/prices",
            "as_of": "2026-01-01",
            "checked": "2026-01-02",
            "note": "all figures",
        }
    ],
    "models": {
        "m": {
            "aliases": ["m-latest"],
            "mode": "chat",
            "context_window": 1000,
            "max_output_tokens": 100,
            "price": {
                "input": 0.5,
                "output": 1,
                "cache_read": 0.1,
                "cache_write": 0.6,
                "tiers": [{"above_input_tokens": 500, "input": 1}],
                "since": "2026-01-01",
            },
            "price_history": [{"input": 0.4, "until": "2026-01-01"}],
            "supports": ["tools"],
            "status": "deprecated",
            "deprecated_on": "2026-01-01",
            "retired_on": "2027-01-01",
            "replacement": "n",
            "source": "s",
            "pinned": {"price": "by hand"},
        },
        "n": {},
    },
}


def _leaves(data: Any, path: tuple[Any, ...] = ()) -> list[tuple[Any, ...]]:
    if isinstance(data, dict):
        return [leaf for k, v in data.items() for leaf in _leaves(v, (*path, k))] or [path]
    if isinstance(data, list):
        return [leaf for i, v in enumerate(data) for leaf in _leaves(v, (*path, i))] or [path]
    return [path]


LEAVES = _leaves(RICH)
SENTINEL = "SENTINEL-VALUE"
# Values as written in YAML: YAML 1.1-only forms, quoted look-alikes of numbers, booleans and
# dates, other types, and plain values of every kind.
TRICKY = [
    "0x1F", "1:30", "010", "0b11", "1_000", "1_000.5", "yes", "no", "on", "Off",
    "'false'", "'true'", "'1'", "'0'", "'31'", "'0.5'", "'1e-6'", "true", "false",
    "0", "1", "31", "-1", "1.0", "0.5", "1e3", "1e-6", "1.5e400", "2026-01-01",
    "'2026-01-01'", "2026-01-01T00:00:00", "'2026-1-1'", "20260101", "[]", "[x]", "{}",
    "{a: 1}", "x", "''", "ga", "openai", "chat", "tools", "https://acme.example/v1",
    "ACME_API_KEY", "X-Header", "~", ".inf", "'abc'", "m", "n", "s", "price",
]  # fmt: skip
SCHEMA_CHECK = validate_module._schema_check()


def _put(data: Any, path: tuple[Any, ...], value: Any) -> Any:
    data = json.loads(json.dumps(data))
    where = data
    for part in path[:-1]:
        where = where[part]
    where[path[-1]] = value
    return data


@functools.cache
def _template(leaf: tuple[Any, ...]) -> str:
    return yaml.safe_dump(_put(RICH, leaf, SENTINEL), sort_keys=False, width=10_000)


def _disagreement(leaf: tuple[Any, ...], written: str) -> str | None:
    """What validate and the loader say differently about RICH with ``written`` at ``leaf``.

    Validate runs the JSON Schema check and then exactly what the loader runs (the catalog
    rules aside: they are validate's alone by design, since a manifest that loaded yesterday
    must not stop a service today). So they agree when the loader never accepts what the
    schema refuses.
    """
    text = _template(leaf).replace(SENTINEL, written)
    try:
        doc = parse_document(text.encode(), "acme.yaml")
        manifest_from_document(doc, "acme.yaml")
    except ManifestError:
        return None  # refused by the loader, and so by validate
    refused = SCHEMA_CHECK(doc, "acme.yaml")
    return f"{written} at {leaf}: loaded, but {refused[0]}" if refused else None


def test_the_loader_and_validate_agree_on_tricky_values_in_every_field() -> None:
    assert ("auth", "required") in LEAVES
    assert ("sources", 0, "as_of") in LEAVES
    found = [_disagreement(leaf, written) for leaf in LEAVES for written in TRICKY]
    assert [d for d in found if d] == []


@given(
    leaf=st.sampled_from(LEAVES),
    written=st.one_of(
        st.integers(-(10**10), 10**10).map(str),
        st.decimals(allow_nan=False, allow_infinity=False, places=3).map(str),
        st.text(st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=8).map(
            json.dumps
        ),
        st.sampled_from(TRICKY).map(lambda t: f"'{t}'" if not t.startswith("'") else t),
    ),
)
def test_the_loader_and_validate_agree_on_any_value_anywhere(
    leaf: tuple[Any, ...], written: str
) -> None:
    assert _disagreement(leaf, written) is None


@pytest.mark.parametrize(("leaf", "written"), [(("auth", "required"), "'false'"),
                                               (("sources", 0, "as_of"), "0")])  # fmt: skip
def test_validate_itself_agrees_with_load_registry(
    leaf: tuple[Any, ...], written: str, tmp_path: Path
) -> None:
    # The shortcut above (the schema check, then the loader) is what validate() runs.
    text = yaml.safe_dump(_put(RICH, leaf, SENTINEL), sort_keys=False, width=10_000)
    path = tmp_path / "acme.yaml"
    path.write_text(text.replace(SENTINEL, written), encoding="utf-8")
    with pytest.raises(ManifestError):
        load_registry(paths=[path], builtin=False, env=False)
    with mock.patch.object(validate_module, "catalog_findings", return_value=[]):
        assert not validate([path], builtin=False, env=False, max_age=None).ok
