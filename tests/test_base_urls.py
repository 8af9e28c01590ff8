"""Where a key may be sent: the base-URL variable, ``${VAR}`` values and ``api_base=``, checked
by resolve() before any use (issue 12, items 6, 7 and 10).

- Item 6: a ``${VAR}`` value must fit where the base URL places it, so it can move neither the
  host nor the path (``AZURE_RESOURCE_NAME=attacker.example/x#``).
- Item 7: the base-URL variable meets the rules for manifest URLs: http(s), https except on
  this machine, no credentials (``WANDB_API_BASE=http://attacker.example/v1``).
- Item 10: a base URL httpx cannot send to (control characters, longer than 65,536 characters,
  not text) is a RegistryError from resolve(), not an httpx or Python error later.
"""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from hypothesis import event, given
from hypothesis import strategies as st

from provider_registry import (
    InvalidBaseURLError,
    MissingParameterError,
    Registry,
    RegistryError,
    completion,
    load_registry,
    resolve,
)
from provider_registry._cli import main
from provider_registry._resolver import resolve_provider
from provider_registry._urls import LOOPBACK_HOSTS

KEY = "sk-live-base-0123456789-abcdefWXYZ"
MESSAGES = [{"role": "user", "content": "Hi"}]
WANDB = "wandb/Llama-3.1-8B-Instruct"


@contextlib.contextmanager
def env(**values: str) -> Iterator[None]:
    """Variables set for the block (Hypothesis runs many examples in one test call)."""
    saved = {name: os.environ.get(name) for name in values}
    os.environ.update(values)
    try:
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


def sent_url(res: Any) -> httpx.URL:
    """The URL a chat request for this resolution goes to, as httpx will send it."""
    return res.build_request({"messages": MESSAGES}).url  # type: ignore[no-any-return]


def assert_refused(exc: InvalidBaseURLError, source: str, *hidden: str) -> None:
    assert exc.source == source
    assert f"{source}: " in str(exc)
    for text in hidden:
        assert text not in str(exc)


# --- item 6: ${VAR} values fit where they are placed -------------------------------------

# Values that would move Azure's host (and its key) elsewhere, or that are no DNS label.
AZURE_BAD = [
    ("attacker.example/x#", "'.'"),  # the issue's own: host attacker.example, key goes along
    ("attacker.example", "'.'"),
    ("evil/x", "'/'"),
    ("evil#", "'#'"),
    ("evil?", "'?'"),
    ("user@evil", "'@'"),
    ("evil:8443", "':'"),
    ("evil\\x", "'\\\\'"),
    ("evil%2fx", "'%'"),
    ("ev il", "' '"),
    ("evil\u200b", "U+200B"),  # a pasted zero-width space
    ("\u0430zure", "U+0430"),  # Cyrillic a
    ("-evil", "'-'"),
    ("x" * 64, "longer than 63"),
]


@pytest.mark.parametrize(("value", "said"), AZURE_BAD)
def test_azure_resource_name_must_be_a_dns_label(
    builtin: Registry, monkeypatch: pytest.MonkeyPatch, value: str, said: str
) -> None:
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", KEY)
    monkeypatch.setenv("AZURE_RESOURCE_NAME", value)
    with pytest.raises(InvalidBaseURLError) as info:
        resolve("azure/my-deployment", registry=builtin)
    assert_refused(info.value, "AZURE_RESOURCE_NAME", KEY[:8])
    assert said in str(info.value)
    assert "DNS label" in str(info.value)  # the fix
    assert str(info.value).startswith("provider 'azure': AZURE_RESOURCE_NAME: ")
    with pytest.raises(InvalidBaseURLError):  # and so nothing is sent
        completion("azure/my-deployment", MESSAGES, registry=builtin)


@pytest.mark.parametrize("value", ["my-resource", "r1", "Contoso-East-2", "a" * 63])
def test_azure_resource_name_that_fits(
    builtin: Registry, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("AZURE_OPENAI_API_KEY", KEY)
    monkeypatch.setenv("AZURE_RESOURCE_NAME", value)
    url = sent_url(resolve("azure/my-deployment", registry=builtin))
    assert (url.host, url.path) == (
        f"{value.lower()}.openai.azure.com",
        "/openai/v1/chat/completions",
    )


ENV_TEXT = st.text(
    st.characters(exclude_categories=("Cs",), exclude_characters="\x00"), min_size=1, max_size=70
)
LABELISH = st.text(st.sampled_from("abcXYZ019-._~/?#@:%\\ \u200b\u0430\n"), min_size=1, max_size=70)


@given(value=ENV_TEXT | LABELISH)
def test_no_azure_resource_name_moves_the_host(builtin: Registry, value: str) -> None:
    with env(AZURE_OPENAI_API_KEY=KEY, AZURE_RESOURCE_NAME=value):
        try:
            res = resolve("azure/my-deployment", registry=builtin)
        except InvalidBaseURLError as exc:
            assert_refused(exc, "AZURE_RESOURCE_NAME")
            event("refused")
            return
        url = sent_url(res)
    event("resolved")
    assert url.host == f"{value.lower()}.openai.azure.com"
    assert (url.scheme, url.port, url.path) == ("https", None, "/openai/v1/chat/completions")


# A drop-in whose base URL holds a whole-host placeholder and a path-segment one.
SEGMENTS = """\
schema_version: 1
id: acme
name: Acme
api:
  dialect: openai
  base_url: https://${ACME_GATEWAY_HOST}/accounts/${ACME_ACCOUNT}/v1
  base_url_vars: [ACME_GATEWAY_HOST, ACME_ACCOUNT]
auth:
  env: [ACME_API_KEY]
models:
  m1: {}
"""


@pytest.fixture(scope="module")
def segments(tmp_path_factory: pytest.TempPathFactory) -> Registry:
    d = tmp_path_factory.mktemp("segments")
    (d / "acme.yaml").write_text(SEGMENTS)
    return load_registry([d], builtin=False, env=False)


@pytest.mark.parametrize(
    ("var", "value", "said"),
    [
        ("ACME_ACCOUNT", "a/b", "'/'"),
        ("ACME_ACCOUNT", "..", "'..'"),
        ("ACME_ACCOUNT", ".", "'..'"),
        ("ACME_ACCOUNT", "a?b", "'?'"),
        ("ACME_ACCOUNT", "a#b", "'#'"),
        ("ACME_ACCOUNT", "a%2fb", "'%'"),
        ("ACME_ACCOUNT", "a%2e%2e", "'%'"),
        ("ACME_ACCOUNT", "a\\b", "'\\\\'"),
        ("ACME_ACCOUNT", "@evil", "'@'"),
        ("ACME_ACCOUNT", "a\tb", "U+0009"),
        ("ACME_ACCOUNT", "x" * 256, "too long"),
        ("ACME_GATEWAY_HOST", "evil.example/x#", "'/'"),
        ("ACME_GATEWAY_HOST", "evil.example:1", "':'"),
        ("ACME_GATEWAY_HOST", "a..b", "empty label"),
        ("ACME_GATEWAY_HOST", "user@evil.example", "'@'"),
        ("ACME_GATEWAY_HOST", "evil.example.", "empty label"),
    ],
)
def test_path_and_host_placeholders_refuse_what_does_not_fit(
    segments: Registry, monkeypatch: pytest.MonkeyPatch, var: str, value: str, said: str
) -> None:
    monkeypatch.setenv("ACME_API_KEY", KEY)
    monkeypatch.setenv("ACME_GATEWAY_HOST", "gw.acme.example")
    monkeypatch.setenv("ACME_ACCOUNT", "team-1")
    monkeypatch.setenv(var, value)
    with pytest.raises(InvalidBaseURLError) as info:
        resolve("acme/m1", registry=segments)
    assert_refused(info.value, var, KEY[:8])
    assert said in str(info.value)
    assert "set it to" in str(info.value)


def test_path_and_host_placeholders_that_fit(
    segments: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ACME_API_KEY", KEY)
    monkeypatch.setenv("ACME_GATEWAY_HOST", "gw.eu-1.acme.example")
    monkeypatch.setenv("ACME_ACCOUNT", "Team_1.x~y")
    url = sent_url(resolve("acme/m1", registry=segments))
    assert (url.host, url.path) == (
        "gw.eu-1.acme.example",
        "/accounts/Team_1.x~y/v1/chat/completions",
    )
    monkeypatch.delenv("ACME_ACCOUNT")
    with pytest.raises(MissingParameterError, match="ACME_ACCOUNT"):  # unchanged: unset is missing
        resolve("acme/m1", registry=segments)


@given(host=ENV_TEXT | LABELISH, account=ENV_TEXT | LABELISH)
def test_no_placeholder_value_moves_the_host_or_the_path(
    segments: Registry, host: str, account: str
) -> None:
    with env(ACME_API_KEY=KEY, ACME_GATEWAY_HOST=host, ACME_ACCOUNT=account):
        try:
            res = resolve("acme/m1", registry=segments)
        except InvalidBaseURLError as exc:
            assert_refused(
                exc, "ACME_GATEWAY_HOST" if "ACME_GATEWAY_HOST" in str(exc) else "ACME_ACCOUNT"
            )
            event("refused")
            return
        url = sent_url(res)
    event("resolved")
    assert (url.scheme, url.host, url.port) == ("https", host.lower(), None)
    assert url.path == f"/accounts/{account}/v1/chat/completions"
    assert (url.query, url.fragment) == (b"", "")


# --- item 7: the base-URL variable meets the rules for manifest URLs ---------------------

ENV_BASE_BAD = [
    ("http://attacker.example/v1", "is not https"),
    ("HTTP://attacker.example/v1", "is not https"),
    ("http://127.0.0.2.attacker.example/v1", "is not https"),
    ("ftp://attacker.example/v1", "not an http or https URL"),
    ("file:///etc/passwd", "not an http or https URL"),
    ("attacker.example/v1", "not an http or https URL"),
    ("https://user:hunter2-password@attacker.example/v1", "must not hold credentials"),
    ("https://:hunter2-password@proxy.example/v1", "must not hold credentials"),
    ("https:///v1", "has no host"),
    ("https://\u0430ttacker.example/v1", "not ASCII"),  # Cyrillic a
    ("https://proxy.example:99999/v1", "Port out of range"),
    ("https://1.2.3.999/v1", "not a valid URL"),
]


@pytest.mark.parametrize(("value", "said"), ENV_BASE_BAD)
def test_base_url_variable_follows_the_manifest_rules(
    builtin: Registry, monkeypatch: pytest.MonkeyPatch, value: str, said: str
) -> None:
    monkeypatch.setenv("WANDB_API_KEY", KEY)
    monkeypatch.setenv("WANDB_API_BASE", value)
    with pytest.raises(InvalidBaseURLError) as info:
        resolve(WANDB, registry=builtin, project="t/p")
    assert_refused(info.value, "WANDB_API_BASE", KEY[:8], "hunter2", "/v1")
    assert said in str(info.value)
    assert str(info.value).startswith("provider 'wandb': WANDB_API_BASE: ")
    with pytest.raises(InvalidBaseURLError):  # every path: metadata, requests, provider calls
        resolve_provider("wandb", registry=builtin)
    with pytest.raises(InvalidBaseURLError):
        completion(WANDB, MESSAGES, registry=builtin, project="t/p")


@pytest.mark.parametrize(
    "value",
    [
        "https://proxy.example/v1",
        "HTTPS://proxy.example/v1",
        "http://127.0.0.1:8000/v1",
        "http://localhost:8000/v1",
        "http://[::1]:8000/v1",
    ],
)
def test_base_url_variable_that_may_have_the_key(
    builtin: Registry, monkeypatch: pytest.MonkeyPatch, value: str
) -> None:
    monkeypatch.setenv("WANDB_API_KEY", KEY)
    monkeypatch.setenv("WANDB_API_BASE", value)
    res = resolve(WANDB, registry=builtin, project="t/p")
    assert (res.api_base, res.api_key) == (value, KEY)


BASE_URLS = st.one_of(
    ENV_TEXT,
    st.builds(
        "{}://{}{}{}".format,
        st.sampled_from(["https", "https", "http", "HTTP", "ftp", "file", ""]),
        st.sampled_from(["", "", "", "u:p@", "@", ":x@"]),
        st.sampled_from(
            [
                "proxy.example",
                "127.0.0.1",
                "localhost",
                "[::1]",
                "[::1]:8000",
                "[::];",
                "[::g]",
                "1.2.3.999",
                "xn--a",
                "\u0430pi.example",
                "127.0.0.1.evil",
                "localhost:99999",
                "localhost:1x",
                "localhost:8000",
                "",
            ]
        ),
        st.text(st.sampled_from("/v1.%@:?#\\ "), max_size=10)
        | st.text(st.sampled_from("/v1\t\n\u200b"), max_size=4),
    ),
)


@given(value=BASE_URLS)
def test_base_url_variable_never_hands_the_key_to_an_unsafe_url(
    builtin: Registry, value: str
) -> None:
    with env(WANDB_API_KEY=KEY, WANDB_API_BASE=value):
        try:
            res = resolve(WANDB, registry=builtin, project="t/p")
        except InvalidBaseURLError as exc:
            assert_refused(exc, "WANDB_API_BASE", KEY[:8])
            event("refused")
            return
    event("resolved")
    if not value:  # an empty variable is unset
        assert res.api_base == "https://api.inference.wandb.ai/v1"
        return
    try:
        url = sent_url(res)
    except RegistryError:
        return
    assert url.scheme == "https" or (url.scheme == "http" and url.host in LOOPBACK_HOSTS)
    assert not url.userinfo


# --- item 10: what httpx cannot send to is refused by resolve() --------------------------

API_BASE_BAD: list[tuple[Any, str]] = [
    ("https://proxy.example/v\r1", "control character '\\r'"),
    ("https://proxy.example/v1\n", "control character '\\n'"),
    ("https://proxy.example/\x00v1", "control character '\\x00'"),
    ("https://proxy.example/\x7f", "control character '\\x7f'"),
    ("https://proxy.example/" + "a" * 65_536, "longer than 65,536 characters"),
    ("https://proxy.example:99999/v1", "Port out of range"),
    ("https://1.2.3.999/v1", "not a valid URL"),
    ("https://[::g]/v1", "not a valid URL"),
    ("https://xn--a.example/v1", "not a valid URL"),
    ("https://a\u200b.example/v1", "not a valid URL"),
    ("ftp://proxy.example/v1", "not an http or https URL"),
    ("proxy.example/v1", "not an http or https URL"),
    ("https:///v1", "has no host"),
    (42, "must be text, not int"),
    (b"https://proxy.example/v1", "must be text, not bytes"),
    (["https://proxy.example/v1"], "must be text, not list"),
]


@pytest.mark.parametrize(("value", "said"), API_BASE_BAD, ids=lambda v: repr(v)[:40])
def test_api_base_that_cannot_be_sent_to_is_refused(
    builtin: Registry, value: Any, said: str
) -> None:
    with pytest.raises(InvalidBaseURLError) as info:
        resolve(WANDB, registry=builtin, api_base=value, api_key=KEY, project="t/p")
    assert_refused(info.value, "api_base", KEY[:8])
    assert said in str(info.value)
    assert len(str(info.value)) < 300  # the value is never shown whole
    with pytest.raises(InvalidBaseURLError):
        resolve_provider("wandb", registry=builtin, api_base=value, api_key=KEY)
    with pytest.raises(InvalidBaseURLError):
        completion(WANDB, MESSAGES, registry=builtin, api_base=value, api_key=KEY, project="t/p")


@pytest.mark.parametrize(
    ("value", "said"),
    [
        ("https://proxy.example/v\r1", "control character '\\r'"),
        ("https://proxy.example/v1\t", "control character '\\t'"),
        ("https://proxy.example/" + "a" * 65_536, "longer than 65,536 characters"),
    ],
)
def test_base_url_variable_that_cannot_be_sent_to_is_refused(
    builtin: Registry, monkeypatch: pytest.MonkeyPatch, value: str, said: str
) -> None:
    monkeypatch.setenv("WANDB_API_KEY", KEY)
    monkeypatch.setenv("WANDB_API_BASE", value)
    with pytest.raises(InvalidBaseURLError) as info:
        resolve(WANDB, registry=builtin, project="t/p")
    assert_refused(info.value, "WANDB_API_BASE", KEY[:8])
    assert said in str(info.value)


API_BASES = st.one_of(
    st.text(max_size=60),
    st.builds(
        "{}://{}{}".format,
        st.sampled_from(["https", "http", "ftp", ""]),
        st.text(max_size=20),
        st.text(max_size=20),
    ),
    BASE_URLS,
    st.integers() | st.binary(max_size=10) | st.lists(st.text(max_size=3), max_size=2),
)


@given(api_base=API_BASES)
def test_any_api_base_is_a_request_or_a_registry_error(builtin: Registry, api_base: Any) -> None:
    try:
        res = resolve(WANDB, registry=builtin, api_base=api_base, api_key=KEY, project="t/p")
        request = res.build_request({"messages": MESSAGES})
    except RegistryError as exc:
        event(type(exc).__name__)
        return
    event("built")
    assert isinstance(request, httpx.Request)
    assert request.url.host


LOOPBACK_BASES = st.tuples(
    st.sampled_from(["127.0.0.1", "localhost"]),
    st.integers(1, 65535),
    st.sampled_from(["/v1", "/v1/", "/a/b", ""]),
)


@given(st.lists(LOOPBACK_BASES, min_size=1, max_size=6))
def test_each_request_goes_to_its_own_api_base(
    builtin: Registry, bases: list[tuple[str, int, str]]
) -> None:
    # Request URLs are parsed once per text and remembered: bases met in any order, again and
    # again, each still gets requests at its own URL.
    for host, port, path in [*bases, *reversed(bases)]:
        api_base = f"http://{host}:{port}{path}"
        res = resolve(WANDB, registry=builtin, api_base=api_base, api_key=KEY, project="t/p")
        assert sent_url(res) == httpx.URL(f"{res.api_base}/chat/completions")
        assert (sent_url(res).host, sent_url(res).port) == (host, port)


def test_cli_show_refuses_a_bad_api_base_in_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["show", WANDB, "--api-base", "https://proxy.example/v\x01"])
    err = capsys.readouterr().err
    assert code == 1
    assert err.count("\n") == 1
    assert "api_base: the URL holds the control character '\\x01'" in err
    assert "Traceback" not in err
