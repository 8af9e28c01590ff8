"""The example-manifest corpus: every file in manifests/bad/ is refused with the problem its first
line names, every file in manifests/good/ loads and round-trips, and files that cannot be checked
in (oversized, undecodable, unreadable, symlink loops) are refused without a traceback.

A bad file starts with ``# expect: LINE: SUBSTRING``: the problem must point at LINE and its
message (or message + hint) must contain SUBSTRING, both in ``registry validate`` and in
``load_registry``.
"""

from __future__ import annotations

import dataclasses
import io
import json
import os
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from provider_registry import ManifestError, Registry, dump_manifest, load_manifest, load_registry
from provider_registry._cli import main
from provider_registry._yaml import MAX_BYTES

HERE = Path(__file__).resolve().parent
BAD_DIR = HERE / "manifests" / "bad"
GOOD_DIR = HERE / "manifests" / "good"
BUILTIN_DIR = HERE.parent / "providers"

BAD = sorted(BAD_DIR.glob("*.yaml"))
GOOD = sorted(GOOD_DIR.glob("*.yaml"))
BUILTIN = sorted(BUILTIN_DIR.glob("*.yaml"))

EXPECT = re.compile(r"^# expect: (?P<line>[1-9][0-9]*): (?P<text>\S.*)$")
SCHEMA_COMMENT = "# yaml-language-server: $schema=../../../schemas/provider.schema.json"


def expectation(path: Path) -> tuple[int, str]:
    first = path.read_text(encoding="utf-8").split("\n", 1)[0]
    m = EXPECT.match(first)
    if m is None:
        pytest.fail(f"{path.name}: first line must be '# expect: LINE: SUBSTRING', got {first!r}")
    return int(m["line"]), m["text"].rstrip()


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str]:
    """Run `registry ARGV`; return (exit code, stdout) after checking nothing blew up."""
    buf = io.StringIO()
    code = main(list(argv), out=buf)
    captured = capsys.readouterr()
    noise = buf.getvalue() + captured.out + captured.err
    assert "Traceback" not in noise
    assert "internal error" not in noise, captured.err
    return code, buf.getvalue()


def validate_json(
    capsys: pytest.CaptureFixture[str], *args: Path | str
) -> tuple[int, dict[str, Any]]:
    code, out = run_cli(capsys, "validate", "--format", "json", *map(str, args))
    return code, json.loads(out)


def errors_for(report: dict[str, Any], name: str) -> list[dict[str, Any]]:
    return [
        p
        for p in report["problems"]
        if p["severity"] == "error" and p["file"] and Path(p["file"]).name == name
    ]


def matches(problem: dict[str, Any], line: int, text: str) -> bool:
    said = f"{problem['message']} ({problem['hint']})" if problem["hint"] else problem["message"]
    return problem["line"] == line and text in said


def describe(problems: list[dict[str, Any]]) -> str:
    said = [
        f"{p['line']}: {p['message']}" + (f" ({p['hint']})" if p["hint"] else "") for p in problems
    ]
    return "\n".join(said) or "(none)"


# --- the corpus itself --------------------------------------------------------------------------


def test_corpus_is_complete() -> None:
    assert len(BAD) >= 24
    assert len(GOOD) >= 5
    assert {p.name for p in BUILTIN} >= {"wandb.yaml", "openai.yaml"}


@pytest.mark.parametrize("path", BAD, ids=[p.name for p in BAD])
def test_bad_file_names_its_expectation(path: Path) -> None:
    line, _ = expectation(path)
    assert line <= len(path.read_text(encoding="utf-8").splitlines())


# --- bad files, one at a time -------------------------------------------------------------------


@pytest.mark.parametrize("path", BAD, ids=[p.name for p in BAD])
def test_bad_file_validate_json(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    line, text = expectation(path)
    code, report = validate_json(capsys, path)
    assert code == 1
    assert report["ok"] is False
    found = errors_for(report, path.name)
    assert any(matches(p, line, text) for p in found), (
        f"no error at line {line} containing {text!r}; got:\n{describe(found)}"
    )


@pytest.mark.parametrize("path", BAD, ids=[p.name for p in BAD])
def test_bad_file_validate_text(path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    line, _ = expectation(path)
    code, out = run_cli(capsys, "validate", str(path))
    assert code == 1
    where = re.compile(rf"^(?:.*[/\\])?{re.escape(path.name)}:{line}:", re.MULTILINE)
    assert where.search(out), out


@pytest.mark.parametrize("path", BAD, ids=[p.name for p in BAD])
def test_bad_file_load_registry(path: Path) -> None:
    line, text = expectation(path)
    with pytest.raises(ManifestError) as info:
        load_registry(paths=[path], env=False)
    assert text in str(info.value)
    assert any(
        p.line == line and p.file is not None and Path(p.file).name == path.name
        for p in info.value.problems
    ), str(info.value)


# --- bad files, all together --------------------------------------------------------------------


def test_bad_dir_reports_every_file(capsys: pytest.CaptureFixture[str]) -> None:
    # Several bad files share the id 'acme'; none of them gets as far as defining a provider, and
    # each must still be reported with its own expected problem, not merely with some error.
    files, target = BAD, BAD_DIR
    code, report = validate_json(capsys, target)
    assert code == 1
    assert report["files_checked"] == len(files) + len(BUILTIN)
    missing = []
    for p in files:
        found = errors_for(report, p.name)
        line, text = expectation(p)
        if not found:
            missing.append(f"{p.name}: no error at all")
        elif not any(matches(f, line, text) for f in found):
            missing.append(f"{p.name}: no error at {line} with {text!r}:\n{describe(found)}")
    assert not missing, "\n".join(missing)


# --- files that cannot be checked in ------------------------------------------------------------

VALID = """\
schema_version: 1
id: acme-gen
name: Acme generated
api:
  dialect: openai
  base_url: https://api.acme.example/v1
auth:
  env: [ACME_API_KEY]
"""


def _oversized(d: Path) -> None:
    head = VALID.encode() + b"#"
    (d / "big.yaml").write_bytes(head + b"x" * (MAX_BYTES + 1 - len(head) - 1) + b"\n")
    assert (d / "big.yaml").stat().st_size == MAX_BYTES + 1


def _unreadable(d: Path) -> None:
    (d / "secret.yaml").write_text(VALID, encoding="utf-8")
    (d / "secret.yaml").chmod(0)


def _symlink_loop(d: Path) -> None:
    (d / "a.yaml").symlink_to("b.yaml")
    (d / "b.yaml").symlink_to("a.yaml")


@dataclasses.dataclass(frozen=True)
class Generated:
    id: str
    make: Callable[[Path], object]
    """Writes the case into a fresh directory."""
    names: tuple[str, ...]
    """Files that must each be reported."""
    text: str
    """Must appear in each of their messages."""
    root_can_read: bool = False
    """The case only fails for users who lack root's power to read anything."""


GENERATED = [
    Generated("oversized", _oversized, ("big.yaml",), f"above the limit of {MAX_BYTES:,}"),
    Generated(
        "nul-byte",
        lambda d: (d / "nul.yaml").write_bytes(VALID.replace("Acme ", "Ac\0me ").encode()),
        ("nul.yaml",),
        "NUL byte",
    ),
    Generated(
        "invalid-utf8",
        lambda d: (d / "latin1.yaml").write_bytes(
            VALID.replace("Acme ", "Acm\xe9 ").encode("latin-1")
        ),
        ("latin1.yaml",),
        "not valid UTF-8 (byte 0xe9)",
    ),
    Generated(
        "utf16-bom",
        lambda d: (d / "utf16.yaml").write_bytes(VALID.encode("utf-16")),
        ("utf16.yaml",),
        "UTF-16",
    ),
    Generated(
        "empty", lambda d: (d / "empty.yaml").write_bytes(b""), ("empty.yaml",), "file is empty"
    ),
    Generated(
        "unreadable", _unreadable, ("secret.yaml",), "cannot read the file", root_can_read=True
    ),
    Generated(
        "directory-named-yaml",
        lambda d: (d / "x.yaml").mkdir(),
        ("x.yaml",),
        "not a regular file but a directory",
    ),
    Generated(
        "dangling-symlink",
        lambda d: (d / "gone.yaml").symlink_to("nowhere.yaml"),
        ("gone.yaml",),
        "cannot read the file",
    ),
    Generated("symlink-loop", _symlink_loop, ("a.yaml", "b.yaml"), "cannot read the file"),
]


@pytest.mark.parametrize("case", GENERATED, ids=[c.id for c in GENERATED])
def test_generated_bad_file(
    case: Generated, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if case.root_can_read and os.geteuid() == 0:
        pytest.skip("running as root, which can read a chmod 000 file")
    target = tmp_path / "manifests"
    target.mkdir()
    case.make(target)
    code, out = run_cli(capsys, "validate", str(target))
    assert code == 1, out
    lines = out.splitlines()
    for name in case.names:
        said = [s for s in lines if re.match(rf"^(?:.*[/\\])?{re.escape(name)}(?::\d+)*: ", s)]
        assert any(case.text in s for s in said), f"{name}: {case.text!r} not in:\n{out}"
    with pytest.raises(ManifestError) as info:
        load_registry(paths=[target], env=False)
    for name in case.names:
        assert any(
            p.file is not None and Path(p.file).name == name and case.text in p.message
            for p in info.value.problems
        ), str(info.value)


# --- good files ---------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def good_registry() -> Registry:
    return load_registry(paths=[GOOD_DIR], env=False)


def test_good_dir_validates_with_builtins(capsys: pytest.CaptureFixture[str]) -> None:
    # The example files' data stays at its dates: the age rule is the built-ins' business.
    code, report = validate_json(capsys, "--max-age", "off", GOOD_DIR)
    assert report["problems"] == []
    assert code == 0
    assert report["files_checked"] == len(GOOD) + len(BUILTIN)
    ids = {load_manifest(p).id for p in GOOD}
    assert len(ids) == len(GOOD), "good files must have distinct provider ids"
    assert set(report["providers"]) == ids | {load_manifest(p).id for p in BUILTIN}


@pytest.mark.parametrize("path", GOOD, ids=[p.name for p in GOOD])
def test_good_file_loads(path: Path, good_registry: Registry) -> None:
    assert path.read_text(encoding="utf-8").split("\n", 1)[0] == SCHEMA_COMMENT
    assert (path.parent / SCHEMA_COMMENT.split("=", 1)[1]).resolve().is_file()
    provider = load_manifest(path)
    assert provider.id in good_registry.providers
    assert good_registry.provider(provider.id) == provider
    for alias in provider.aliases:
        assert good_registry.provider(alias) == provider


@pytest.mark.parametrize("path", GOOD + BUILTIN, ids=[p.name for p in GOOD + BUILTIN])
def test_dump_round_trips(path: Path) -> None:
    provider = load_manifest(path)
    text = dump_manifest(provider)
    assert load_manifest(text) == provider
    assert dump_manifest(load_manifest(text)) == text
