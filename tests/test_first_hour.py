"""The first hour (issue 13, items 13-15): each message a newcomer meets says what is wrong and
points at the fix, and the small things a newcomer trips on."""

from __future__ import annotations

import io
import json
import os
import re
import shlex
import subprocess
import sys
import warnings
from pathlib import Path
from typing import Any

import pytest
import yaml

import provider_registry._registry as registry_module
from provider_registry import (
    ManifestError,
    ManifestWarning,
    MissingCredentialsError,
    completion,
    load_manifest,
)
from provider_registry._cli import main
from provider_registry._errors import Problem
from provider_registry._yaml import YamlError, parse_yaml

from .conftest import ROOT, manifest_text
from .server import FakeProvider
from .test_cli import REGISTRY, run

MESSAGES = [{"role": "user", "content": "hi"}]
WANDB_MODEL = "wandb/meta-llama/Llama-3.1-8B-Instruct"
KEY = "wandb-first-hour-key-000000000000009876"


def load_problems(text: str) -> list[Problem]:
    with pytest.raises(ManifestError) as info:
        load_manifest(text, file="acme.yaml")
    return list(info.value.problems)


def validate_problems(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, text: str
) -> list[dict[str, Any]]:
    path = tmp_path / "acme.yaml"
    path.write_text(text, encoding="utf-8")
    out = io.StringIO()
    assert main(["validate", "--format", "json", str(path)], out=out) == 1
    assert "Traceback" not in capsys.readouterr().err
    report = json.loads(out.getvalue())
    return [p for p in report["problems"] if p["file"] == str(path)]


# --- 13a: a tab in the indentation -------------------------------------------------------------

TAB = "YAML indents with spaces only: replace the tab with spaces"


@pytest.mark.parametrize(
    ("source", "line", "column"),
    [
        ("a:\n\tb: 1\n", 2, 1),  # "found character that cannot start any token"
        ("a:\n  b: 1\n\tc: 2\n", 3, 1),  # "found a tab character that violates indentation"
        ("a:\n  \tb: 1\n", 2, 3),  # after spaces
        ("a: |\n\tx\n", 2, 1),  # a block scalar
    ],
)
def test_a_tab_in_the_indentation_is_named(source: str, line: int, column: int) -> None:
    with pytest.raises(YamlError) as info:
        parse_yaml(source)
    assert (info.value.message, info.value.hint) == ("a tab character in the indentation", TAB)
    assert info.value.mark is not None
    assert (info.value.mark.line, info.value.mark.column) == (line, column)


def test_a_tab_in_a_manifest_in_load_and_validate(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    text = manifest_text("acme").replace("  dialect: openai", "\tdialect: openai")
    (problem,) = load_problems(text)
    assert (problem.line, problem.message, problem.hint) == (
        5, "a tab character in the indentation", TAB,
    )  # fmt: skip
    (found,) = validate_problems(capsys, tmp_path, text)
    assert (found["line"], found["message"], found["hint"]) == (
        5, "a tab character in the indentation", TAB,
    )  # fmt: skip
    assert "cannot start any token" not in str(problem)


def test_other_syntax_errors_keep_their_words() -> None:
    with pytest.raises(YamlError) as info:
        parse_yaml("a: [1\n")
    assert "tab" not in info.value.message
    assert info.value.message.startswith("YAML syntax error: ")


# --- 13b: a price written with a currency sign -------------------------------------------------

PRICED = manifest_text("acme", "  m1:\n    price: {{input: {value}, output: 2}}")


@pytest.mark.parametrize(
    ("value", "shown", "hint"),
    [
        ("$0.50", "'$0.50'", "write 0.50, a bare number with no currency sign or separators"),
        ("'$1,000'", "'$1,000'", "write 1000, a bare number with no currency sign or separators"),
        ("'0.50'", "'0.50'", "write the number without quotes"),
        ("free", "'free'", "write a number, such as 0.50"),
    ],
)
def test_a_price_that_is_text_gets_a_hint_that_fits(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, value: str, shown: str, hint: str
) -> None:
    text = PRICED.format(value=value)
    (problem,) = load_problems(text)
    assert (problem.path, problem.message, problem.hint) == (
        "models.m1.price.input", f"{shown} should be a number", hint,
    )  # fmt: skip
    (found,) = validate_problems(capsys, tmp_path, text)
    assert (found["path"], found["message"], found["hint"]) == (
        "models.m1.price.input", f"{shown} should be a number", hint,
    )  # fmt: skip


# --- 13c: each missing key once ------------------------------------------------------------------

MISSING = "add it here; `registry new ID` writes a manifest with every required key"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("schema_version: 1\nid: acme\n", [("", "name"), ("", "api")]),
        (
            "schema_version: 1\nid: acme\nname: A\napi: {}\nmodels: {}\n",
            [("api", "dialect"), ("api", "base_url")],
        ),
    ],
    ids=["top", "nested"],
)
def test_each_missing_key_is_reported_once(
    capsys: pytest.CaptureFixture[str],
    tmp_path: Path,
    text: str,
    expected: list[tuple[str, str]],
) -> None:
    want = sorted((path, f"missing required key {key!r}", MISSING) for path, key in expected)
    found = validate_problems(capsys, tmp_path, text)
    assert sorted((p["path"], p["message"], p["hint"]) for p in found) == want
    loaded = load_problems(text)
    assert sorted((p.path, p.message, p.hint) for p in loaded) == want


# --- 13d: a key withheld from an api_base outside the provider's endpoints ----------------------


def test_a_withheld_key_says_why_and_how_to_send_it(
    server: FakeProvider, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("WANDB_API_KEY", KEY)
    with pytest.raises(MissingCredentialsError) as info:
        completion(WANDB_MODEL, MESSAGES, project="t/p", api_base=f"{server.url}/v1?x=1")
    where = server.url  # the origin only: no path or query
    message = (
        f"no API key for provider 'wandb': the key in WANDB_API_KEY is withheld from {where},"
        " which is not one of the provider's endpoints"
    )
    hint = (
        f"pass api_key= to send a key there, or trust_api_base=True if {where} is the"
        " provider's own, or use one of the endpoints `registry show wandb` lists"
    )
    assert (str(info.value), info.value.hint) == (f"{message} ({hint})", hint)
    assert "set WANDB_API_KEY" not in str(info.value)
    assert server.received == []
    # The fixes it names work.
    completion(WANDB_MODEL, MESSAGES, project="t/p", api_base=f"{server.url}/v1",
               trust_api_base=True)  # fmt: skip
    assert server.received[-1].headers["authorization"] == f"Bearer {KEY}"


def test_a_withheld_key_without_one_in_the_environment(server: FakeProvider) -> None:
    with pytest.raises(MissingCredentialsError) as info:
        completion(WANDB_MODEL, MESSAGES, project="t/p", api_base=f"{server.url}/v1")
    assert str(info.value).startswith(
        f"no API key for provider 'wandb': keys from the environment are withheld from"
        f" {server.url}, which is not one of the provider's endpoints (pass api_key= "
    )
    assert info.value.hint is not None
    assert info.value.hint.startswith("pass api_key= ")


def test_no_key_at_all_still_says_which_variable(server: FakeProvider) -> None:
    with pytest.raises(MissingCredentialsError) as info:
        completion(WANDB_MODEL, MESSAGES, project="t/p")
    assert info.value.hint == "pass api_key= or set 'WANDB_API_KEY'"


# --- 13e: a directory on PROVIDER_REGISTRY_PATH that does not exist -----------------------------

NO_DIR = "no such directory on PROVIDER_REGISTRY_PATH (create it, or take it off the variable)"


def test_registry_show_warns_about_a_missing_directory_in_one_line(tmp_path: Path) -> None:
    missing = tmp_path / "not-mounted"
    proc = run("show", WANDB_MODEL, env={"PROVIDER_REGISTRY_PATH": str(missing)})
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.splitlines() == [f"registry: warning: {missing}: {NO_DIR}"]
    assert "wandb" in proc.stdout


def test_resolve_warns_about_a_missing_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from provider_registry import resolve

    missing = tmp_path / "not-mounted"
    monkeypatch.setattr(registry_module, "_default", None)
    monkeypatch.setenv("PROVIDER_REGISTRY_PATH", str(missing))
    with warnings.catch_warnings(record=True) as said:
        warnings.simplefilter("always")
        assert resolve(WANDB_MODEL).provider_id == "wandb"
    assert [(w.category, str(w.message)) for w in said] == [
        (ManifestWarning, f"{missing}: {NO_DIR}")
    ]
    assert not os.path.exists(missing)


# --- 14: the pre-commit hook skips YAML that is plainly not a manifest --------------------------

WORKFLOW = (
    "name: ci\non: [push]\njobs:"
    '\n  t:\n    runs-on: ubuntu-latest\n    steps:\n      - run: "true"\n'
)
PRE_COMMIT = "repos:\n  - repo: local\n    hooks: []\n"


def run_hook(repo: Path) -> subprocess.CompletedProcess[str]:
    """`registry-validate` as pre-commit runs it: its entry and args, then every file of the
    repository its `files` pattern selects, relative to the repository."""
    (hook,) = yaml.safe_load((ROOT / ".pre-commit-hooks.yaml").read_text(encoding="utf-8"))
    pattern = re.compile(hook["files"])
    files = sorted(
        p.relative_to(repo).as_posix()
        for p in repo.rglob("*")
        if p.is_file() and pattern.search(p.relative_to(repo).as_posix())
    )
    entry = shlex.split(hook["entry"])
    assert entry[0] == "registry"
    assert hook.get("pass_filenames", True)
    command = [REGISTRY, *entry[1:], *hook.get("args", []), *files]
    return subprocess.run(command, capture_output=True, text=True, cwd=repo, timeout=60,
                          env=dict(os.environ))  # fmt: skip


def test_the_hook_skips_workflows_and_checks_manifests(tmp_path: Path) -> None:
    (tmp_path / ".github" / "workflows").mkdir(parents=True)
    (tmp_path / ".github" / "workflows" / "ci.yml").write_text(WORKFLOW)
    (tmp_path / ".pre-commit-config.yaml").write_text(PRE_COMMIT)
    (tmp_path / "providers").mkdir()
    (tmp_path / "providers" / "acme.yaml").write_text(manifest_text("acme"))
    proc = run_hook(tmp_path)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    notice = "skipped, not a provider manifest (no schema_version, id or api at its top level)"
    assert proc.stderr.splitlines() == [
        f"registry: notice: .github/workflows/ci.yml: {notice}",
        f"registry: notice: .pre-commit-config.yaml: {notice}",
    ]
    assert "acme" in proc.stdout or "all valid" in proc.stdout
    # A broken manifest is still caught, each problem once.
    (tmp_path / "providers" / "acme.yaml").write_text("schema_version: 1\nid: acme\n")
    proc = run_hook(tmp_path)
    assert proc.returncode == 1
    problems = [line for line in proc.stdout.splitlines() if line.startswith("providers/")]
    assert [p.split(": ", 1)[1].split(" (")[0] for p in problems] == [
        "missing required key 'name'", "missing required key 'api'",
    ]  # fmt: skip


# --- 15: small things a newcomer trips on --------------------------------------------------------


def test_docs_help_does_not_say_it_reads_provider_registry_path() -> None:
    proc = run("docs", "--help")
    assert proc.returncode == 0
    text = " ".join(proc.stdout.split())
    assert "PROVIDER_REGISTRY_PATH is not read" in text
    assert "after PROVIDER_REGISTRY_PATH" not in text
    assert "also read manifests from DIR (after the built-ins; repeatable)" in text


def test_no_doc_says_to_pip_install_an_unpublished_name() -> None:
    pages = [ROOT / "README.md", *sorted((ROOT / "docs").rglob("*.md"))]
    said = [p.name for p in pages if "pip install provider-registry" in p.read_text("utf-8")]
    assert said == []
    assert "pip install ." in (ROOT / "README.md").read_text("utf-8")


def test_registry_new_output_fails_validate_until_its_placeholders_are_replaced(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["new", "acme", "-o", str(tmp_path)], out=io.StringIO()) == 0
    path = tmp_path / "acme.yaml"
    (found,) = validate_problems(capsys, tmp_path, path.read_text(encoding="utf-8"))
    assert (found["path"], found["message"], found["hint"]) == (
        "sources[0].name",
        "still holds a PLACEHOLDER value from `registry new`",
        "replace every value the file marks PLACEHOLDER with the provider's own: base_url,"
        " endpoints, auth.env, sources and models",
    )
    filled = path.read_text(encoding="utf-8").replace(
        "PLACEHOLDER - the provider's models and pricing pages", "Acme pricing"
    )
    path.write_text(filled, encoding="utf-8")
    out = io.StringIO()
    assert main(["validate", str(path)], out=out) == 0, out.getvalue()


def schema_target(path: Path) -> Path:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    prefix = "# yaml-language-server: $schema="
    assert first.startswith(prefix)
    ref = first[len(prefix) :]
    return Path(ref) if Path(ref).is_absolute() else path.parent / ref


@pytest.mark.parametrize("where", ["out", "deep/er/out"])
def test_imported_and_scaffolded_files_name_a_schema_that_exists(
    tmp_path: Path, where: str
) -> None:
    from provider_registry._schema import schema_path

    out_dir = tmp_path / where
    fixtures = ROOT / "tests" / "fixtures"
    buf = io.StringIO()
    catalog = str(fixtures / "models-dev-small.json")
    assert main(["import", "models.dev", catalog, "-o", str(out_dir)], out=buf) == 0, buf.getvalue()
    assert main(["new", "zz-scaffold", "-o", str(out_dir)], out=io.StringIO()) == 0
    written = sorted(out_dir.glob("*.yaml"))
    assert len(written) > 1
    for path in written:
        target = schema_target(path)
        assert target.is_file(), (path.name, target)
        assert target.resolve() == schema_path().resolve()


DATED = """\
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
  - id: pricing
    name: Acme pricing
    url: https://acme.example/pricing
    as_of: 2025-01-01
models:
  dated:
    price: {input: 2, output: 4, since: 2024-06-01}
    price_history:
      - {input: 1, output: 2, since: 2024-01-01, until: 2024-06-01}
  undated:
    price: {input: 1, output: 2}
"""


@pytest.mark.parametrize(
    ("model", "at", "warning"),
    [
        (
            "dated",
            "2023-12-31",
            "2023-12-31 is before 2024-01-01, the earliest day the manifest"
            " knows a price of acme/dated for",
        ),
        ("dated", "2024-01-01", None),
        ("dated", "2024-07-01", None),
        (
            "undated",
            "2020-01-01",
            "the manifest does not say since when acme/undated has this"
            " price (it is known as of 2025-01-01, from 'pricing'); whether it applied on"
            " 2020-01-01 is unknown",
        ),
        ("undated", "2025-01-01", None),
    ],
)
def test_cost_at_a_day_before_any_known_price_warns(
    tmp_path: Path, model: str, at: str, warning: str | None
) -> None:
    (tmp_path / "acme.yaml").write_text(DATED, encoding="utf-8")
    proc = run("cost", f"acme/{model}", "--path", str(tmp_path), "--at", at,
               "--input-tokens", "1000000", "--output-tokens", "0")  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert proc.stderr.splitlines() == ([f"registry: warning: {warning}"] if warning else [])


EXAMPLE = ROOT / "examples" / "wandb_example.py"


def run_example(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, str(EXAMPLE)], capture_output=True, text=True,
                          env={**os.environ, **env}, cwd=ROOT, timeout=60)  # fmt: skip


def test_the_wandb_example_without_a_project_says_what_to_set(server: FakeProvider) -> None:
    proc = run_example({"WANDB_API_KEY": KEY, "WANDB_API_BASE": f"{server.url}/v1"})
    assert "Traceback" not in proc.stderr
    assert proc.returncode == 2
    assert proc.stderr.startswith(
        "wandb_example: WANDB_PROJECT is not set. Set WANDB_API_KEY to your W&B API key and"
        " WANDB_PROJECT to the team/project to bill, e.g.\n"
        "  export WANDB_PROJECT=my-team/my-project"
    )
    assert server.received == []


def test_the_wandb_example_runs_against_the_local_server(server: FakeProvider) -> None:
    proc = run_example({"WANDB_API_KEY": KEY, "WANDB_PROJECT": "team/proj",
                        "WANDB_API_BASE": f"{server.url}/v1"})  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    assert "Traceback" not in proc.stderr
    assert "basic:" in proc.stdout
    assert server.received
    assert all(r.headers.get("openai-project") == "team/proj" for r in server.received)
