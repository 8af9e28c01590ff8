"""The `registry` command: output, exit codes, and no traceback for any input."""

from __future__ import annotations

import io
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

from provider_registry._cli import main

from .conftest import ROOT, manifest_text

REGISTRY = str(Path(sys.executable).parent / "registry")
KEY = "cli-test-key-abcdefghijklmnop-9876"


def run(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """The installed console script in a real process, with the test's (clean) environment."""
    return subprocess.run(
        [REGISTRY, *args],
        capture_output=True,
        text=True,
        env={**os.environ, **(env or {})},
        cwd=ROOT,
        timeout=60,
    )


def test_show_text_masks_the_key() -> None:
    proc = run("show", "wandb/Llama-3.1-8B-Instruct", "--param", "project=team/proj",
               env={"WANDB_API_KEY": KEY})  # fmt: skip
    assert proc.returncode == 0, proc.stderr
    rows = dict(line.split(None, 1) for line in proc.stdout.splitlines() if " " in line)
    assert rows["provider"] == "wandb (W&B Inference (CoreWeave Serverless Inference))"
    assert rows["model"] == "meta-llama/Llama-3.1-8B-Instruct"
    assert rows["api_base"] == "https://api.inference.wandb.ai/v1"
    assert rows["api_key"] == "****9876  (from WANDB_API_KEY)"
    assert re.search(r"^param project +team/proj$", proc.stdout, re.MULTILINE), proc.stdout
    assert "$0.22 input / $0.22 output / $0.22 cache read per 1M tokens" in proc.stdout
    assert re.search(r"^source +coreweave-feed \(.*as of 2026-10-07\)$", proc.stdout, re.M)
    assert KEY[:-4] not in proc.stdout + proc.stderr


def test_show_json_has_stable_keys() -> None:
    out = io.StringIO()
    assert main(["show", "gpt-5.2", "--json"], out=out) == 0
    data = json.loads(out.getvalue())
    assert set(data) == {
        "provider", "model", "dialect", "api_base", "api_key", "key_source", "params",
        "model_info",
    }  # fmt: skip
    assert (data["provider"], data["model"], data["api_key"]) == ("openai", "gpt-5.2", None)
    price = {"input": "1.75", "output": "14", "cache_read": "0.175", "tiers": [], "windows": []}
    assert data["model_info"]["price"] == price


# (argv, exit code, text on stderr)
FAILURES = [
    (["show", "gtp-4o"], 1, "did you mean 'gpt-4o'"),
    (["show", "nonexistent/x"], 1, "unknown provider 'nonexistent'"),
    (["show", "wandb/meta-llama/Llama-4-Scout-17B-16E-Instruct"], 1, "retired on 2026-04-21"),
    (["show", "wandb/x", "--param", "project"], 2, "NAME=VALUE"),
    (["show", "wandb/x", "--param", "project=bad"], 1, "does not match"),
    (["show"], 2, "usage:"),
    (["frobnicate"], 2, "invalid choice"),
    (["validate", "--format", "xml"], 2, "invalid choice"),
    (["validate", "no/such/dir"], 1, ""),
]


@pytest.mark.parametrize(("argv", "code", "text"), FAILURES, ids=[" ".join(f[0]) for f in FAILURES])
def test_failures_are_one_clean_line(argv: list[str], code: int, text: str) -> None:
    proc = run(*argv)
    assert proc.returncode == code
    assert text in proc.stderr + proc.stdout
    assert "Traceback" not in proc.stderr + proc.stdout


def test_validate_builtins_ok() -> None:
    proc = run("validate")
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert proc.stdout.strip().endswith("all valid")


def test_validate_formats(tmp_path: Path) -> None:
    bad = tmp_path / "acme.yaml"
    bad.write_text(manifest_text("acme", "  m1: {context_window: -5}"))
    out = io.StringIO()
    assert main(["validate", "--format", "json", str(bad)], out=out) == 1
    report = json.loads(out.getvalue())
    assert set(report) == {
        "version", "ok", "files_checked", "providers", "error_count", "warning_count", "problems"
    }  # fmt: skip
    builtins = len(list((ROOT / "providers").glob("*.yaml")))
    assert (report["ok"], report["error_count"], report["files_checked"]) == (
        False,
        1,
        builtins + 1,
    )
    problem = report["problems"][0]
    assert set(problem) == {"file", "line", "column", "path", "message", "hint", "severity"}
    assert (problem["line"], problem["column"], problem["path"]) == (
        11,
        24,
        "models.m1.context_window",
    )
    assert problem["message"] == "-5 must be greater than 0"

    out = io.StringIO()
    assert main(["validate", str(bad)], out=out) == 1
    assert f"{bad}:11:24: models.m1.context_window: -5 must be greater than 0" in out.getvalue()

    out = io.StringIO()
    assert main(["validate", "--format", "github", str(bad)], out=out) == 1
    assert (
        f"::error file={bad},line=11,col=24::models.m1.context_window: -5 must be greater than 0"
        in out.getvalue()
    )


def test_github_format_escapes() -> None:
    from provider_registry._cli import _gh_escape

    assert _gh_escape("a%b\nc") == "a%25b%0Ac"
    assert _gh_escape("C:\\x,y", prop=True) == "C%3A\\x%2Cy"


@pytest.mark.parametrize("command", ["validate", "show", "schema"])
def test_help_has_examples(command: str) -> None:
    proc = run(command, "--help")
    assert proc.returncode == 0
    assert "examples:" in proc.stdout
    assert f"registry {command}" in proc.stdout


def test_python_dash_m_works() -> None:
    proc = subprocess.run([sys.executable, "-m", "provider_registry", "validate"],
                          capture_output=True, text=True, cwd=ROOT, timeout=60)  # fmt: skip
    assert proc.returncode == 0, proc.stderr


def test_closed_pipe_is_not_an_error() -> None:
    proc = subprocess.run(f"'{REGISTRY}' list | head -n 1", shell=True, capture_output=True,
                          text=True, cwd=ROOT, timeout=60)  # fmt: skip
    assert proc.stdout.count("\n") == 1
    assert "Error" not in proc.stderr
