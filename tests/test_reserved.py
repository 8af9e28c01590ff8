"""Headers and body fields a manifest may not control (issue 12, item 11): framing and routing
headers, the body's own type, any credential besides auth.header, and the body fields the caller
owns. Each is refused by validation, in any letter case and at any place a manifest can put it,
whichever way the manifest arrives (a file, a dict, a Provider object)."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from provider_registry import ManifestError, Registry, load_manifest, load_registry, resolve
from provider_registry._manifest import RESERVED_HEADERS, Provider
from provider_registry.dialects import DIALECTS

from .server import FakeProvider


def manifest(**parts: Any) -> dict[str, Any]:
    base: dict[str, Any] = {
        "schema_version": 1,
        "id": "acme",
        "name": "Acme",
        "api": {"dialect": "openai", "base_url": "https://acme.example/v1"},
        "auth": {"env": ["ACME_API_KEY"]},
        "models": {"m1": {}},
    }
    for key, value in parts.items():
        base[key] = {**base.get(key, {}), **value}
    return base


def refusals(data: dict[str, Any]) -> list[str]:
    try:
        load_manifest(data)
    except ManifestError as exc:
        return [f"{p.path}: {p.message} ({p.hint})" for p in exc.problems]
    return []


def any_case(name: str) -> st.SearchStrategy[str]:
    return st.tuples(*(st.sampled_from(sorted({c.lower(), c.upper()})) for c in name)).map("".join)


NAMES = [*RESERVED_HEADERS, "proxy-connection", "Proxy-Anything"]
HEADER_NAME = st.sampled_from(NAMES).flatmap(any_case)
PLACE = st.sampled_from(["static", "param"])


def with_header(header: str, place: str, auth_header: str = "Authorization") -> dict[str, Any]:
    if place == "static":
        return manifest(api={"headers": {header: "x"}}, auth={"header": auth_header})
    params = {"p": {"send_as": {"header": header}, "default": "x"}}
    return manifest(params=params, auth={"header": auth_header})


@given(header=HEADER_NAME, place=PLACE)
def test_a_reserved_header_is_refused_in_any_case_at_any_place(header: str, place: str) -> None:
    said = refusals(with_header(header, place))
    assert len(said) == 1, said
    assert f"a manifest may not set the {header} header" in said[0]


@given(auth_header=st.sampled_from(["x-api-key", "api-key", "X-Custom-Key"]), place=PLACE,
       data=st.data())  # fmt: skip
def test_the_providers_own_auth_header_is_refused_in_any_case(
    auth_header: str, place: str, data: st.DataObject
) -> None:
    header = data.draw(any_case(auth_header))
    said = refusals(with_header(header, place, auth_header))
    assert len(said) == 1, said
    assert "travels only in auth.header" in said[0]


@given(header=st.from_regex(r"X-[A-Za-z][A-Za-z0-9-]{0,20}", fullmatch=True), place=PLACE)
def test_other_headers_are_the_manifests_to_set(header: str, place: str) -> None:
    assert refusals(with_header(header, place)) == []


def test_a_header_sent_twice_in_two_cases_is_refused() -> None:
    data = manifest(
        api={"headers": {"X-Region": "eu"}},
        params={"region": {"send_as": {"header": "x-region"}}},
    )
    assert refusals(data) == [
        "params.region.send_as.header: the x-region header is already sent by a static header "
        "(header names are case-insensitive; send it once)"
    ]


# Every place a manifest can name a body field.
BODY_PLACES = {
    "param": lambda f: {"params": {"p": {"send_as": {"body": f}}}},
    "default": lambda f: {"request": {"defaults": {f: "x"}}},
    "rename from": lambda f: {"request": {"rename": {f: "other"}}},
    "rename to": lambda f: {"request": {"rename": {"other": f}}},
    "unsupported": lambda f: {"request": {"unsupported": [f]}},
}
CALLER_FIELDS = [(d, f) for d, dialect in DIALECTS.items() for f in sorted(dialect.caller_fields)]


@pytest.mark.parametrize("place", BODY_PLACES)
@pytest.mark.parametrize(("dialect", "field"), CALLER_FIELDS)
def test_a_caller_field_is_refused_at_every_place(dialect: str, field: str, place: str) -> None:
    data = manifest(api={"dialect": dialect}, **BODY_PLACES[place](field))
    said = refusals(data)
    assert len(said) == 1, said
    assert f"may not set, rename or drop the body field {field!r}" in said[0]
    assert f"in the {dialect} dialect the caller owns" in said[0]


def test_the_caller_fields_are_model_messages_stream_and_anthropics_system() -> None:
    assert DIALECTS["openai"].caller_fields == {"model", "messages", "stream"}
    assert DIALECTS["anthropic"].caller_fields == {"model", "messages", "stream", "system"}
    # A field only the other dialect owns is the manifest's to send.
    assert refusals(manifest(params={"p": {"send_as": {"body": "system"}}})) == []


def test_register_refuses_a_provider_object_built_around_validation() -> None:
    # Provider.model_validate checks types only; register() validates it as a file.
    bad = Provider.model_validate(manifest(api={"headers": {"Transfer-Encoding": "chunked"}}))
    with pytest.raises(ManifestError, match="may not set the Transfer-Encoding header"):
        load_registry(builtin=False, env=False).register(bad)
    bad = Provider.model_validate(manifest(params={"p": {"send_as": {"body": "messages"}}}))
    with pytest.raises(ManifestError, match="the body field 'messages'"):
        load_registry(builtin=False, env=False).register(bad)


def test_a_sound_manifest_sends_one_of_each_header_and_the_callers_body(
    server: FakeProvider,
) -> None:
    from provider_registry import completion

    reg = Registry({}, {}).register(
        manifest(
            api={"base_url": server.url, "headers": {"X-Version": "2"}},
            params={"region": {"send_as": {"header": "X-Region"}, "default": "eu"}},
        )
    )
    res = resolve("acme/m1", registry=reg, api_key="sk-test-key-0123456789")
    assert res.provider_id == "acme"
    completion("acme/m1", [{"role": "user", "content": "Hi"}], registry=reg,
               api_key="sk-test-key-0123456789")  # fmt: skip
    (got,) = server.received
    assert got.headers["authorization"] == "Bearer sk-test-key-0123456789"
    assert (got.headers["x-version"], got.headers["x-region"]) == ("2", "eu")
    assert got.body["model"] == "m1"
    assert got.body["messages"] == [{"role": "user", "content": "Hi"}]
