"""``registry validate``: every manifest on the search path, against the JSON Schema first and the
semantic rules second, every problem in every file collected in one report.

jsonschema is imported here only, so a process that merely resolves never pays for it.
"""

from __future__ import annotations

import dataclasses
import datetime
import difflib
import json
import os
from collections import OrderedDict
from collections.abc import Iterable
from typing import Any, cast

import jsonschema
from jsonschema.exceptions import ValidationError, best_match

from ._catalog import SourceFile, scan, search_path
from ._collect import Check, Collection, Override, collect_files, located
from ._errors import Problem
from ._loader import MISSING_HINT, parse_document, render_path, show_value
from ._manifest import PATTERN_HINTS, Provider, number_text_hint
from ._rules import DEFAULT_MAX_AGE, catalog_findings
from ._schema import schema_path
from ._yaml import Document

__all__ = ["Report", "validate"]


@dataclasses.dataclass(frozen=True)
class Report:
    """The outcome of one validation run."""

    problems: list[Problem]
    files_checked: int
    providers: list[str]
    overrides: list[Override]

    @property
    def errors(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def ok(self) -> bool:
        return not self.errors

    def to_dict(self) -> dict[str, Any]:
        """The JSON reporter's document; its keys are stable (version 1)."""
        return {
            "version": 1,
            "ok": self.ok,
            "files_checked": self.files_checked,
            "providers": self.providers,
            "error_count": len(self.errors),
            "warning_count": len(self.warnings),
            "problems": [p._asdict() for p in self.problems],
        }


def validate(
    paths: Iterable[str | os.PathLike[str]] = (),
    *,
    builtin: bool = True,
    env: bool = True,
    today: datetime.date | None = None,
    max_age: datetime.timedelta | None = DEFAULT_MAX_AGE,
) -> Report:
    """Validate the built-in manifests, PROVIDER_REGISTRY_PATH, and ``paths`` (files or dirs):
    the schema, the manifest rules, and the catalog rules of ``_rules`` as of ``today`` (data
    older than ``max_age`` draws a warning; None turns that rule off)."""
    layers = search_path(paths, builtin=builtin, env=env)
    files, scanned = scan(layers)
    found: Collection = collect_files(files, scanned, _schema_check(), jobs=os.cpu_count() or 1)
    problems = list(found.problems)
    when = today or datetime.date.today()
    for pid, provider in found.providers.items():
        problems += _findings(files[found.sources[pid]], provider, when, max_age)
    problems.sort(key=lambda p: (p.file or "", p.line or 0, p.column or 0, p.path))
    return Report(problems, found.file_count, sorted(found.providers), found.overrides)


# The catalog rules' problems of one file, keyed by its name, the hash of its bytes and the
# rules' inputs (a file's findings depend on nothing else): a process that validates again, as
# a pre-commit hook or a test suite does, checks each unchanged manifest once.
_FINDINGS: OrderedDict[tuple[str, bytes, datetime.date, datetime.timedelta | None], list[Problem]]
_FINDINGS = OrderedDict()
_FINDINGS_MAX = 1024


def _findings(
    f: SourceFile, provider: Provider, today: datetime.date, max_age: datetime.timedelta | None
) -> list[Problem]:
    key = (f.name, f.digest, today, max_age)
    hit = _FINDINGS.get(key)
    if hit is None:
        hit = []
        findings = catalog_findings(provider, today=today, max_age=max_age)
        if findings:
            doc = parse_document(f.raw, f.name)
            hit = [
                located(doc, f.name, path, message, hint)._replace(severity=severity)
                for path, message, hint, severity in findings
            ]
        _FINDINGS[key] = hit
        if len(_FINDINGS) > _FINDINGS_MAX:
            _FINDINGS.popitem(last=False)
    return hit


def _schema_check() -> Check:
    schema = json.loads(schema_path().read_text(encoding="utf-8"))
    validator = jsonschema.Draft202012Validator(schema)

    def check(doc: Document, file: str) -> list[Problem]:
        if not isinstance(doc.data, dict):
            return []  # the loader's own message says it better than "should be a mapping"
        found: list[Problem] = []
        for error in validator.iter_errors(doc.data):
            found += _translate(error, doc, file)
        return found

    return check


def _translate(error: ValidationError, doc: Document, file: str) -> list[Problem]:
    if error.context:
        inner = best_match(error.context)
        if inner is not None:
            return _translate(inner, doc, file)
    path = tuple(error.absolute_path)
    instance = error.instance
    kind = error.validator
    schema = error.schema if isinstance(error.schema, dict) else {}

    def at(
        where: tuple[Any, ...], message: str, hint: str | None = None, key: bool = False
    ) -> Problem:
        mark = doc.locate(where, key=key)
        return Problem(
            file, mark.line if mark else None, mark.column if mark else None,
            render_path(where), message, hint,
        )  # fmt: skip

    if kind == "additionalProperties" and isinstance(instance, dict):
        allowed = sorted(schema.get("properties", {}))
        problems = []
        for extra in instance:
            if extra in allowed:
                continue
            close = difflib.get_close_matches(extra, allowed, n=1)
            hint = f"did you mean {close[0]!r}?" if close else f"allowed: {', '.join(allowed)}"
            problems.append(at((*path, extra), f"unknown key {extra!r}", hint, key=True))
        return problems
    if kind == "required" and isinstance(instance, dict):
        # jsonschema reports each missing key as an error of its own, all with the same
        # validator_value: name only the key this error is about, once.
        missing = [k for k in cast(list[str], error.validator_value) if k not in instance]
        named = [k for k in missing if error.message.startswith(f"{k!r} ")]
        return [
            at(path, f"missing required key {name!r}", MISSING_HINT)
            for name in (named[:1] or missing)
        ]
    return [at(path, *_message(str(kind), instance, error.validator_value, error.message))]


_TYPE_WORDS = {
    "object": "a mapping of keys",
    "array": "a list",
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
}


def _message(kind: str, instance: Any, value: Any, fallback: str) -> tuple[str, str | None]:
    """(message, hint) for one failed schema keyword, in the manifest's own terms."""
    shown = show_value(instance)
    if kind == "minimum":
        return f"{shown} is less than the minimum of {value}", None
    if kind == "exclusiveMinimum":
        return f"{shown} must be greater than {value}", None
    if kind == "maximum":
        return f"{shown} is more than the maximum of {value}", None
    if kind == "type":
        hint = None
        if value in ("number", "integer") and not isinstance(instance, bool):
            hint = number_text_hint(instance)
        elif value == "boolean":
            hint = "write true or false, unquoted"
        return f"{shown} should be {_TYPE_WORDS.get(str(value), value)}", hint
    if kind == "pattern":
        return f"{shown} does not match {value!r}", PATTERN_HINTS.get(str(value))
    if kind == "enum":
        return f"{shown} is not one of {', '.join(show_value(v) for v in value)}", None
    if kind == "const":
        return f"{shown} should be {show_value(value)}", None
    if kind == "minLength" and value == 1:
        return "must not be empty", None
    return fallback, None
