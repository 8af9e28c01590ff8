"""``registry validate`` reads many files in forked processes: the report is the same as one
process gives, problem for problem."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from provider_registry import _collect, _validate
from provider_registry._catalog import Layer
from provider_registry._collect import collect
from provider_registry._validate import _schema_check, validate

from .conftest import MANIFESTS, manifest_text


@pytest.mark.slow
def test_forked_collection_equals_serial(tmp_path: Path) -> None:
    for i in range(100):
        (tmp_path / f"gen{i:03}.yaml").write_text(manifest_text(f"gen{i:03}", f"  m{i}: {{}}"))
    for bad in sorted((MANIFESTS / "bad").iterdir()):
        shutil.copy(bad, tmp_path / f"bad-{bad.name}")
    layers = [Layer(tmp_path)]
    serial = collect(layers, _schema_check(), jobs=1)
    _collect._OUTCOMES.clear()  # else every file is remembered from the serial run
    forked = collect(layers, _schema_check(), jobs=2)
    assert forked.file_count > 128  # enough files for two processes
    assert forked.problems == serial.problems
    assert any(p.severity == "error" for p in forked.problems)
    assert forked.providers == serial.providers
    assert forked.files == serial.files


def test_a_second_validation_reads_only_what_changed(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Outcomes worked out in forked processes are remembered by the parent, as serial ones
    are, and so are the catalog rules' findings: a pre-commit hook or a test suite that
    validates again checks each unchanged file once, and an edited one again."""
    for i in range(130):  # enough new files to fork
        (tmp_path / f"gen{i:03}.yaml").write_text(manifest_text(f"gen{i:03}", f"  m{i}: {{}}"))
    validate([tmp_path], builtin=False, env=False)
    parsed: list[str] = []
    checked: list[str] = []
    real_parse, real_findings = _collect.parse_document, _validate.catalog_findings
    monkeypatch.setattr(
        _collect, "parse_document", lambda raw, name: parsed.append(name) or real_parse(raw, name)
    )
    monkeypatch.setattr(
        _validate,
        "catalog_findings",
        lambda p, **kw: checked.append(p.id) or real_findings(p, **kw),
    )
    again = validate([tmp_path], builtin=False, env=False)
    assert (parsed, checked, again.ok, again.files_checked) == ([], [], True, 130)

    (tmp_path / "gen007.yaml").write_text(manifest_text("gen007", "  m7: {context_window: -1}"))
    edited = validate([tmp_path], builtin=False, env=False)
    assert [Path(name).name for name in parsed] == ["gen007.yaml"]
    assert [(Path(p.file or "").name, p.path) for p in edited.errors] == [
        ("gen007.yaml", "models.m7.context_window")
    ]
