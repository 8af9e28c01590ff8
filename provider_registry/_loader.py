"""Manifest text to a validated ``Provider``, with every problem located at file:line:column."""

from __future__ import annotations

import datetime
import difflib
import json
import os
import re
import typing
from collections.abc import Iterable, Iterator, Mapping
from decimal import Decimal
from pathlib import Path
from typing import Any

import pydantic
import yaml

from ._catalog import read_bytes
from ._errors import ManifestError, Problem
from ._manifest import PATTERN_HINTS, Provider, semantic_problems
from ._yaml import Document, YamlError, parse_yaml

__all__ = [
    "SCHEMA_COMMENT",
    "dump_manifest",
    "load_manifest",
    "manifest_from_document",
    "parse_document",
    "read_document",
    "render_path",
    "show_value",
]

MISSING_HINT = "add it here; `registry new ID` writes a manifest with every required key"
SCHEMA_COMMENT = "# yaml-language-server: $schema=../schemas/provider.schema.json"

PathT = tuple[str | int, ...]
_SIMPLE_KEY = re.compile(r"^[A-Za-z_][A-Za-z0-9_-]*$")


def render_path(path: Iterable[str | int]) -> str:
    """``('models', 'gpt-4.1', 'price', 'input')`` -> ``models["gpt-4.1"].price.input``."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part}]"
        elif _SIMPLE_KEY.fullmatch(part):
            out += f".{part}" if out else part
        else:
            out += f"[{json.dumps(part)}]"  # quoted and escaped: no raw control characters
    return out


def read_document(path: Path, display: str | None = None) -> Document:
    """Read and parse one manifest file; raise ManifestError (one located problem) if refused."""
    name = display or str(path)
    return parse_document(read_bytes(path, name), name)


def parse_document(raw: bytes, name: str | None) -> Document:
    """Parse a manifest's bytes; raise ManifestError (one located problem) if refused."""
    try:
        return parse_yaml(raw)
    except YamlError as exc:
        raise _yaml_problem(exc, name) from exc


def load_manifest(
    source: str | bytes | os.PathLike[str] | Mapping[str, Any], *, file: str | None = None
) -> Provider:
    """Load one manifest from a path, YAML text or bytes, or an already-parsed mapping.

    >>> load_manifest(Path("providers/wandb.yaml")).id
    'wandb'
    """
    if isinstance(source, os.PathLike):
        doc = read_document(Path(source), file)
        file = file or os.fspath(source)
    elif isinstance(source, str | bytes):
        try:
            doc = parse_yaml(source)
        except YamlError as exc:
            raise _yaml_problem(exc, file) from exc
    else:
        doc = Document(dict(source), {}, {})
    return manifest_from_document(doc, file)


def manifest_from_document(doc: Document, file: str | None) -> Provider:
    """Validate parsed data into a Provider; raise ManifestError listing every problem."""
    if not isinstance(doc.data, dict):
        kind = "a list" if isinstance(doc.data, list) else f"a single {type(doc.data).__name__}"
        raise ManifestError(
            [
                _problem(
                    doc, file, (), f"a manifest is a mapping of keys, but this file holds {kind}"
                )
            ]
        )
    refused = [_problem(doc, file, path, "empty value", "give a value or leave the key out")
               for path in _null_paths(doc.data, ())]  # fmt: skip
    refused += [
        _problem(doc, file, path, f"{what} in {show_value(text)}", "remove it", at_key=at_key)
        for path, text, what, at_key in _hidden_characters(doc.data, ())
    ]
    if refused:
        raise ManifestError(refused)
    try:
        provider = Provider.model_validate(doc.data)
    except pydantic.ValidationError as exc:
        raise ManifestError([_pydantic_problem(doc, file, e) for e in exc.errors()]) from None
    found = semantic_problems(provider)
    if found:
        raise ManifestError([_problem(doc, file, path, msg, hint) for path, msg, hint in found])
    return provider


def _null_paths(data: Any, path: PathT) -> Iterable[PathT]:
    # An optional field means "may be left out"; an explicit null is refused, as the schema does.
    if data is None:
        yield path
    elif isinstance(data, dict):
        for key, value in data.items():
            yield from _null_paths(value, (*path, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _null_paths(value, (*path, i))


# Control characters and bidirectional overrides make text display as something it is not
# (a terminal escape in a model id, "Acme \u202egnp.exe"); no manifest needs them.
_HIDDEN = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def _hidden_characters(data: Any, path: PathT) -> Iterable[tuple[PathT, str, str, bool]]:
    if isinstance(data, str):
        found = _HIDDEN.search(data)
        if found:
            yield path, data, f"control character U+{ord(found[0]):04X}", False
    elif isinstance(data, dict):
        for key, value in data.items():
            found = _HIDDEN.search(key)
            if found:
                yield (*path, key), key, f"control character U+{ord(found[0]):04X}", True
            yield from _hidden_characters(value, (*path, key))
    elif isinstance(data, list):
        for i, value in enumerate(data):
            yield from _hidden_characters(value, (*path, i))


def _problem(
    doc: Document,
    file: str | None,
    path: PathT,
    message: str,
    hint: str | None = None,
    *,
    at_key: bool = False,
) -> Problem:
    mark = doc.locate(path, key=at_key)
    return Problem(
        file,
        mark.line if mark else None,
        mark.column if mark else None,
        render_path(path),
        message,
        hint,
    )


def _yaml_problem(exc: YamlError, file: str | None) -> ManifestError:
    mark = exc.mark
    return ManifestError(
        [
            Problem(
                file,
                mark.line if mark else None,
                mark.column if mark else None,
                render_path(exc.path),
                exc.message,
                exc.hint,
            )
        ]
    )


def _all_field_names() -> set[str]:
    names: set[str] = set()
    seen: set[type[pydantic.BaseModel]] = set()
    todo: list[type[pydantic.BaseModel]] = [Provider]
    while todo:
        model = todo.pop()
        seen.add(model)
        for name, field in model.model_fields.items():
            names.add(name)
            todo.extend(m for m in _models_in(field.annotation) if m not in seen)
    return names


def _models_in(annotation: Any) -> Iterator[type[pydantic.BaseModel]]:
    # get_origin first: on Python 3.10, list[X] passes isinstance(..., type) but not issubclass.
    if typing.get_origin(annotation) is None and isinstance(annotation, type):
        if issubclass(annotation, pydantic.BaseModel):
            yield annotation
        return
    for arg in typing.get_args(annotation):
        yield from _models_in(arg)


def show_value(value: Any) -> str:
    """A value as an error message quotes it: as YAML would write it, text quoted, long text cut.

    >>> show_value([Decimal("0.5"), True, None]), show_value("0.22")
    ('[0.5, true, null]', "'0.22'")
    """
    if isinstance(value, str):
        text = repr(value)
    else:
        text = yaml.dump(value, Dumper=_Dumper, default_flow_style=True, width=10_000)
        text = text.strip().removesuffix("...").strip()
    return text if len(text) <= 60 else text[:57] + "..."


# pydantic's type words, said as `validate` says them (in the manifest's terms, not Python's).
_PYDANTIC_TYPES = {
    "dictionary": "a mapping of keys",
    "list": "a list",
    "string": "text",
    "integer": "a whole number",
    "number": "a number",
    "boolean": "true or false",
    "decimal": "a number",
}
_PYDANTIC_WORDS = re.compile(r"a valid (\w+)(?: or instance of \w+)?(?=$|,)")


def _pydantic_problem(doc: Document, file: str | None, err: Any) -> Problem:
    loc: PathT = tuple(err["loc"])
    kind = err["type"]
    ctx = err.get("ctx", {})
    hint = PATTERN_HINTS.get(ctx.get("pattern", "")) or ctx.get("hint")
    if "[key]" in loc:
        path = loc[: loc.index("[key]")]
        return _problem(doc, file, path, f"{err['msg']}", hint, at_key=True)
    if kind == "extra_forbidden":
        close = difflib.get_close_matches(str(loc[-1]), sorted(_all_field_names()), n=1)
        fix = f"did you mean {close[0]!r}?" if close else "remove it; unknown keys are errors"
        return _problem(doc, file, loc, f"unknown key {loc[-1]!r}", fix, at_key=True)
    if kind == "missing":
        return _problem(doc, file, loc[:-1], f"missing required key {loc[-1]!r}", MISSING_HINT)
    msg = str(err["msg"])
    if msg.startswith("Value error, "):
        msg = msg[len("Value error, ") :]
    elif msg.startswith("Input should"):
        msg = _PYDANTIC_WORDS.sub(lambda m: _PYDANTIC_TYPES.get(m[1], m[0]), msg)
        msg = f"{show_value(err.get('input'))} should{msg[len('Input should') :]}"
    elif msg.startswith("should ") and "input" in err:  # our own validators' words
        msg = f"{show_value(err['input'])} {msg}"
    elif "input" in err:
        msg = f"{show_value(err['input'])}: {msg}"
    return _problem(doc, file, loc, msg, hint)


class _Dumper(yaml.SafeDumper):
    """Writes manifests the way people write them: short lists and small mappings of plain
    values on one line (``supports: [tools, vision]``, ``price: {input: 0.22, output: 0.22}``)."""

    def ignore_aliases(self, data: Any) -> bool:
        return True

    def represent_sequence(
        self, tag: str, sequence: Any, flow_style: bool | None = None
    ) -> yaml.SequenceNode:
        node = super().represent_sequence(tag, sequence, flow_style)
        node.flow_style = _fits_on_a_line(node.value)
        return node

    def represent_mapping(
        self, tag: str, mapping: Any, flow_style: bool | None = None
    ) -> yaml.MappingNode:
        node = super().represent_mapping(tag, mapping, flow_style)
        node.flow_style = _fits_on_a_line([n for pair in node.value for n in pair])
        return node


def _fits_on_a_line(nodes: list[yaml.Node]) -> bool:
    if not nodes or not all(isinstance(n, yaml.ScalarNode) for n in nodes):
        return False
    return sum(len(str(n.value)) + 2 for n in nodes) <= 88


def _represent_decimal(dumper: yaml.SafeDumper, value: Decimal) -> yaml.ScalarNode:
    text = format(value, "f")
    tag = "tag:yaml.org,2002:float" if "." in text else "tag:yaml.org,2002:int"
    return dumper.represent_scalar(tag, text)


def _represent_date(dumper: yaml.SafeDumper, value: datetime.date) -> yaml.ScalarNode:
    # Plain 2026-11-23, as people write it; the loader reads it back as text for pydantic.
    return dumper.represent_scalar("tag:yaml.org,2002:timestamp", value.isoformat())


_Dumper.add_representer(Decimal, _represent_decimal)
_Dumper.add_representer(datetime.date, _represent_date)


def dump_manifest(provider: Provider, *, directory: Path | None = None) -> str:
    """YAML text for a manifest; ``load_manifest(dump_manifest(p)) == p``. Its ``$schema``
    line names the shipped schema relative to ``directory``, where the file is to be written
    (without it: ``../schemas/``, right for the ``providers/`` of a checkout)."""
    data = provider.model_dump(mode="python", exclude_defaults=True)
    data = {"schema_version": provider.schema_version, **data}
    body = yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    if directory is None:
        return f"{SCHEMA_COMMENT}\n{body}"
    from ._schema import schema_ref

    return f"# yaml-language-server: $schema={schema_ref(directory)}\n{body}"
