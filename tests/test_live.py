"""`registry check-live` against a real HTTP server on 127.0.0.1: what is compared, what is sent,
every way the provider's answer can go wrong, and that the key never shows."""

from __future__ import annotations

import io
import json
import socket
import traceback
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from provider_registry import (
    AuthenticationError,
    LiveReport,
    MissingCredentialsError,
    ProviderConnectionError,
    ProviderError,
    RegistryError,
    ServerError,
    check_live,
    load_registry,
)
from provider_registry._cli import main

from .conftest import manifest_text
from .server import FakeProvider
from .test_cli import run

KEY = "live-secret-key-7Rq2xN9vL4-mJ8sKtWXYZ"  # no 5 characters in a row that a model name holds

# Every status the manifest can give, and an alias.
MODELS = """\
  alpha: {aliases: [alpha-latest]}
  beta: {status: experimental}
  gamma: {}
  old: {status: deprecated}
  doubtful: {status: unverified}
  retired-one: {status: retired, retired_on: 2024-01-01}
  retired-by-date: {retired_on: 2025-01-01}
  retired-quiet: {status: retired, retired_on: 2024-06-01}
"""
IN_SYNC = ["alpha", "beta", "gamma", "old"]
# alpha served by its alias, doubtful (unverified) served; gamma and old gone; two retired served.
DRIFTED = ["alpha-latest", "beta", "doubtful", "brand-new", "retired-one", "retired-by-date", "zz"]

ANTHROPIC = """\
schema_version: 1
id: acme-claude
name: Acme Claude
api:
  dialect: anthropic
  base_url: {base_url}
  headers: {{anthropic-version: '2023-06-01'}}
auth:
  env: [ACME_CLAUDE_KEY]
  header: x-api-key
models:
  claude-a: {{}}
  claude-b: {{aliases: [claude-b-latest]}}
  claude-c: {{}}
  claude-old: {{status: retired, retired_on: 2024-01-01}}
"""


def openai_list(ids: list[str]) -> dict[str, Any]:
    return {"object": "list", "data": [{"id": i, "object": "model", "owned_by": "x"} for i in ids]}


def anthropic_page(ids: list[str], more: bool) -> dict[str, Any]:
    data = [{"type": "model", "id": i, "display_name": i.title()} for i in ids]
    return {"data": data, "has_more": more, "first_id": ids[0], "last_id": ids[-1]}


@pytest.fixture
def acme(dropin: Path, server: FakeProvider, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An openai-dialect provider `acme` whose base URL is the local server, key in env."""
    text = manifest_text("acme", MODELS, base_url=f"{server.url}/v1")
    (dropin / "acme.yaml").write_text(text)
    monkeypatch.setenv("ACME_API_KEY", KEY)
    return dropin


def cli(dropin: Path, *args: str) -> tuple[int, str]:
    out = io.StringIO()
    code = main(["check-live", "acme", "--path", str(dropin), *args], out=out)
    return code, out.getvalue()


def live(dropin: Path, provider: str = "acme", **kw: Any) -> LiveReport:
    return check_live(load_registry([dropin], builtin=False, env=False), provider, **kw)


def chain(exc: BaseException | None) -> Iterator[BaseException]:
    """The exception and every cause and context behind it."""
    while exc is not None:
        yield exc
        exc = exc.__cause__ or exc.__context__


def assert_no_key(*texts: object) -> None:
    for text in map(str, texts):
        for i in range(len(KEY) - 7):
            assert KEY[i : i + 8] not in text, text


def assert_clean_error(exc: BaseException) -> None:
    """A RegistryError whose every link, rendered every way, holds none of the key, and no
    httpx error behind it (its request carries the key's header)."""
    assert isinstance(exc, RegistryError)
    shown = "".join(traceback.format_exception(exc))
    for link in chain(exc):
        assert isinstance(link, RegistryError), repr(link)
        assert_no_key(link, repr(link), link.args, vars(link))
    assert_no_key(shown)


# --- what is compared -----------------------------------------------------------------------


def test_in_sync_exits_0(acme: Path, server: FakeProvider) -> None:
    server.respond(json=openai_list(IN_SYNC))
    code, out = cli(acme)
    assert code == 0, out
    assert out.splitlines()[-1] == "in sync"
    (got,) = server.received
    assert (got.method, got.path, got.query) == ("GET", "/v1/models", {})
    assert got.headers["authorization"] == f"Bearer {KEY}"


def test_drift_is_reported_exactly(acme: Path, server: FakeProvider) -> None:
    server.respond(json=openai_list(DRIFTED))
    report = live(acme)
    assert report.new == ["brand-new", "zz"]
    assert report.gone == ["gamma", "old"]
    assert report.retired_but_served == ["retired-by-date", "retired-one"]
    assert report.status == {
        "gamma": "ga",
        "old": "deprecated",
        "retired-by-date": "retired on 2025-01-01",
        "retired-one": "retired on 2024-01-01",
    }
    assert (report.served, report.listed, report.drift) == (7, 8, True)


def test_drift_text_is_aligned_and_exits_1(acme: Path, server: FakeProvider) -> None:
    server.respond(json=openai_list(DRIFTED))
    code, out = cli(acme)
    assert code == 1
    assert out == (
        f"acme: 7 models served at {server.url}/v1/models, 8 in the manifest\n"
        "new: served, not in the manifest (2):\n"
        "  brand-new\n"
        "  zz\n"
        "gone: the manifest says served, not served (2):\n"
        "  gamma            ga\n"
        "  old              deprecated\n"
        "retired but served (2):\n"
        "  retired-by-date  retired on 2025-01-01\n"
        "  retired-one      retired on 2024-01-01\n"
        "drift: 2 new, 2 gone, 2 retired but served\n"
    )


def test_json_output_has_stable_keys(acme: Path, server: FakeProvider) -> None:
    server.respond(json=openai_list(DRIFTED))
    code, out = cli(acme, "--json")
    assert code == 1
    assert json.loads(out) == {
        "version": 1,
        "provider": "acme",
        "url": f"{server.url}/v1/models",
        "in_sync": False,
        "counts": {"served": 7, "listed": 8, "new": 2, "gone": 2, "retired_but_served": 2},
        "new": ["brand-new", "zz"],
        "gone": ["gamma", "old"],
        "retired_but_served": ["retired-by-date", "retired-one"],
        "status": {
            "gamma": "ga",
            "old": "deprecated",
            "retired-by-date": "retired on 2025-01-01",
            "retired-one": "retired on 2024-01-01",
        },
    }
    server.respond(json=openai_list(IN_SYNC))
    code, out = cli(acme, "--json")
    assert (code, json.loads(out)["in_sync"]) == (0, True)


def test_a_bare_list_is_a_model_list(acme: Path, server: FakeProvider) -> None:
    # Some OpenAI-compatible servers answer with the list itself.
    server.respond(json=[{"id": i} for i in IN_SYNC])
    assert not live(acme).drift


def test_fifty_thousand_models(acme: Path, server: FakeProvider) -> None:
    many = [f"model-{i:05d}" for i in range(50_000)]
    server.respond(json=openai_list([*IN_SYNC, *many]))
    report = live(acme)
    assert (report.served, report.new, report.gone) == (50_004, many, [])


def test_anthropic_pages_are_followed(
    dropin: Path, server: FakeProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    (dropin / "acme-claude.yaml").write_text(ANTHROPIC.format(base_url=f"{server.url}/v1"))
    monkeypatch.setenv("ACME_CLAUDE_KEY", KEY)
    server.respond(json=anthropic_page(["claude-new", "claude-a"], more=True))
    server.respond(json=anthropic_page(["claude-b-latest"], more=True))
    server.respond(json=anthropic_page(["claude-old"], more=False))
    report = live(dropin, "acme-claude")
    assert (report.new, report.gone, report.retired_but_served) == (
        ["claude-new"],
        ["claude-c"],
        ["claude-old"],
    )
    assert (report.pages, report.served, report.url) == (3, 4, f"{server.url}/v1/models")
    assert [(r.method, r.path, r.query) for r in server.received] == [
        ("GET", "/v1/models", {"limit": "1000"}),
        ("GET", "/v1/models", {"limit": "1000", "after_id": "claude-a"}),
        ("GET", "/v1/models", {"limit": "1000", "after_id": "claude-b-latest"}),
    ]
    for got in server.received:
        assert got.headers["x-api-key"] == KEY
        assert got.headers["anthropic-version"] == "2023-06-01"
        assert "authorization" not in got.headers


def test_anthropic_pages_are_capped(
    dropin: Path, server: FakeProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    (dropin / "acme-claude.yaml").write_text(ANTHROPIC.format(base_url=f"{server.url}/v1"))
    monkeypatch.setenv("ACME_CLAUDE_KEY", KEY)
    for i in range(3):
        server.respond(json=anthropic_page([f"m{i}"], more=True))
    with pytest.raises(ProviderError, match="more than 3 pages"):
        live(dropin, "acme-claude", max_pages=3)
    assert len(server.received) == 3
    # A page that points back is a loop, not a longer list.
    server.respond(json=anthropic_page(["m0"], more=True))
    server.respond(json=anthropic_page(["m0"], more=True))
    with pytest.raises(ProviderError, match="points back to an earlier page"):
        live(dropin, "acme-claude")
    server.respond(json={"data": [{"id": "m0"}], "has_more": True})
    with pytest.raises(ProviderError, match="has_more is true but last_id is missing"):
        live(dropin, "acme-claude")


# --- what is sent, and to whom --------------------------------------------------------------


def test_no_key_sends_nothing(
    acme: Path, server: FakeProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("ACME_API_KEY")
    with pytest.raises(MissingCredentialsError, match="ACME_API_KEY"):
        live(acme)
    assert server.received == []


def test_untrusted_base_gets_no_key(acme: Path, server: FakeProvider) -> None:
    # The environment's key goes only to the provider's own base URL, as for any request.
    with FakeProvider() as other:
        with pytest.raises(MissingCredentialsError, match="withheld"):
            live(acme, api_base=f"{other.url}/v1")
        assert other.received == []


@pytest.mark.parametrize("status", [301, 302, 307, 308])
def test_redirect_is_not_followed(acme: Path, server: FakeProvider, status: int) -> None:
    with FakeProvider() as other:
        server.respond(status, headers={"location": f"{other.url}/v1/models"})
        with pytest.raises(ProviderError, match="redirects") as info:
            live(acme)
        assert other.received == []
    assert f"to {other.url}" in str(info.value)
    assert info.value.status_code == status
    assert len(server.received) == 1
    assert_clean_error(info.value)


# --- every way the answer can go wrong: exit 2, one line, no key ----------------------------

# (name, answer fields, error type, text in the message)
FAILURES: list[tuple[str, dict[str, Any], type[ProviderError], str]] = [
    ("500", {"status": 500, "json": {"error": {"message": "boom"}}}, ServerError,
     "500: listing models at"),
    ("503-html", {"status": 503, "body": b"<html>down</html>"}, ServerError, "<html>down</html>"),
    ("500-huge", {"status": 500, "body": b"x" * 2**20}, ServerError, "Internal Server Error"),
    ("html", {"body": b"<html>not json</html>"}, ProviderError, "is not JSON"),
    ("binary", {"body": b"\xff\xfe\x00garbage"}, ProviderError, "is not JSON"),
    ("deep", {"body": b"[" * 100_000}, ProviderError, "is not JSON"),
    ("no-data", {"json": {"models": ["a"]}}, ProviderError,
     'not a model list: expected {"data"'),
    ("data-text", {"json": {"data": "alpha"}}, ProviderError, "not a model list"),
    ("no-id", {"json": {"data": [{"name": "alpha"}]}}, ProviderError, "an entry has no id"),
    ("id-number", {"json": {"data": [{"id": 7}]}}, ProviderError, "an entry has no id"),
    ("text", {"json": "alpha"}, ProviderError, "not a model list"),
]  # fmt: skip


@pytest.mark.parametrize(
    ("answer", "error", "text"), [f[1:] for f in FAILURES], ids=[f[0] for f in FAILURES]
)
def test_bad_answers_are_clean_errors(
    acme: Path,
    server: FakeProvider,
    capsys: pytest.CaptureFixture[str],
    answer: dict[str, Any],
    error: type[ProviderError],
    text: str,
) -> None:
    server.respond(**answer)
    with pytest.raises(ProviderError) as info:
        live(acme)
    assert type(info.value) is error
    assert text in str(info.value)
    assert_clean_error(info.value)
    assert len(server.received) == 1  # not retried

    server.respond(**answer)
    code, out = cli(acme)
    err = capsys.readouterr().err
    assert (code, out) == (2, "")
    assert err.startswith("registry: error: acme"), err
    assert err.count("\n") == 1, err
    assert text in err


@pytest.mark.parametrize("status", [401, 403])
def test_refused_key_names_the_env_var_and_never_shows_the_key(
    acme: Path, server: FakeProvider, capsys: pytest.CaptureFixture[str], status: int
) -> None:
    echo = {"error": {"message": f"Incorrect API key provided: {KEY}"}}
    server.respond(status, json=echo)
    with pytest.raises(AuthenticationError) as info:
        live(acme)
    message = str(info.value)
    assert f"the key from ACME_API_KEY was refused at {server.url}/v1/models" in message
    assert "set ACME_API_KEY to a key the provider accepts" in message
    assert "Incorrect API key provided: ****" in message
    assert info.value.status_code == status
    assert_clean_error(info.value)

    server.respond(status, json=echo)
    code, out = cli(acme)
    captured = capsys.readouterr()
    assert (code, out) == (2, "")
    assert "the key from ACME_API_KEY was refused" in captured.err
    assert_no_key(captured.out, captured.err)
    assert KEY[:4] not in captured.out + captured.err
    assert "Traceback" not in captured.err


def test_refused_key_in_a_real_process(acme: Path, server: FakeProvider) -> None:
    server.respond(401, json={"error": {"message": f"bad key {KEY}"}})
    proc = run("check-live", "acme", "--path", str(acme), env={"ACME_API_KEY": KEY})
    assert proc.returncode == 2
    assert proc.stdout == ""
    assert proc.stderr.count("\n") == 1, proc.stderr
    assert "the key from ACME_API_KEY was refused" in proc.stderr
    assert "Traceback" not in proc.stderr
    assert_no_key(proc.stdout, proc.stderr)


def test_a_key_echoed_as_a_model_id_is_masked(acme: Path, server: FakeProvider) -> None:
    server.respond(json=openai_list([*IN_SYNC, f"echo-{KEY}"]))
    code, out = cli(acme, "--json")
    assert code == 1
    assert_no_key(out)
    (shown,) = json.loads(out)["new"]
    assert shown.startswith("echo-****")


@pytest.mark.parametrize("no_length", [False, True], ids=["content-length", "until-close"])
def test_oversized_reply_is_refused(acme: Path, server: FakeProvider, no_length: bool) -> None:
    # Just over the 8 MiB cap, whether the server says so up front or not.
    padding = "x" * 1000
    ids = [f"{padding}-{i}" for i in range(8 * 1024 + 100)]
    server.respond(body=json.dumps(openai_list(ids)).encode(), no_length=no_length)
    with pytest.raises(ProviderError, match="is over 8 MiB") as info:
        live(acme)
    assert_clean_error(info.value)
    # Below its own cap, the same reply is read.
    server.respond(body=json.dumps(openai_list(ids)).encode(), no_length=no_length)
    assert live(acme, max_bytes=16 * 2**20).served == len(ids)


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
    return port


def test_connection_refused(
    dropin: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    base = f"http://127.0.0.1:{_closed_port()}/v1"
    (dropin / "acme.yaml").write_text(manifest_text("acme", MODELS, base_url=base))
    monkeypatch.setenv("ACME_API_KEY", KEY)
    with pytest.raises(ProviderConnectionError, match="could not connect") as info:
        live(dropin)
    assert_clean_error(info.value)
    code, _ = cli(dropin)
    assert code == 2
    assert "could not connect" in capsys.readouterr().err


def test_timeout(acme: Path, server: FakeProvider) -> None:
    server.respond(json=openai_list(IN_SYNC), delay=1.0)
    with pytest.raises(ProviderConnectionError, match="timed out") as info:
        live(acme, timeout=0.2)
    assert_clean_error(info.value)


def test_unknown_provider_is_an_error_not_drift(
    acme: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["check-live", "acme-typo", "--path", str(acme)], out=io.StringIO()) == 2
    assert "did you mean 'acme'" in capsys.readouterr().err


def test_help_has_an_example(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["check-live", "--help"])
    assert info.value.code == 0
    out = capsys.readouterr().out
    assert "examples:\n  registry check-live " in out
    assert "Exit 0 in sync, 1 on drift, 2 when the check cannot be made" in out


def test_bad_timeout_is_a_usage_error(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as info:
        main(["check-live", "acme", "--timeout", "soon"])
    assert info.value.code == 2
    assert "is not a timeout" in capsys.readouterr().err
