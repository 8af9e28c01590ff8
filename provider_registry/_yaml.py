"""Safe, bounded YAML reading that remembers where every key and value came from.

Only PyYAML's safe constructors for plain data are used (no tags beyond the core schema),
duplicate keys are refused naming both lines, and the input's size, nesting depth and
alias-expanded node count are bounded, so a hostile file costs little to reject.
Numbers with a fraction are read as Decimal straight from their text (prices must not pass
through binary floats); dates stay text (pydantic parses them), which keeps the data JSON-like
for the JSON Schema check.
"""

from __future__ import annotations

import dataclasses
import re
from collections.abc import Callable
from decimal import Decimal, InvalidOperation
from typing import Any, NamedTuple

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from ._paths import MAX_BYTES

__all__ = ["MAX_BYTES", "MAX_DEPTH", "MAX_NODES", "Document", "Mark", "YamlError", "parse_yaml"]

MAX_DEPTH = 32
"""Deepest nesting accepted; a manifest needs about 5 levels."""
MAX_NODES = 50_000
"""Most values a file may hold, counting every alias expansion (stops "billion laughs"); the
largest built-in manifest (617 models) holds about 9,500 keys and values, about 15 a model."""

Path = tuple[str | int, ...]

_TAG = "tag:yaml.org,2002:"
_SCALAR_TAGS = {f"{_TAG}{t}" for t in ("null", "bool", "int", "float", "str")}


class Mark(NamedTuple):
    line: int  # 1-based
    column: int  # 1-based


@dataclasses.dataclass(frozen=True)
class Document:
    """Parsed YAML data plus the position of each value and each mapping key, by path."""

    data: Any
    values: dict[Path, Mark]
    keys: dict[Path, Mark]

    def locate(self, path: Path, *, key: bool = False) -> Mark | None:
        """Position of ``path`` (its key if ``key``), else of the nearest enclosing value."""
        if key and path in self.keys:
            return self.keys[path]
        for end in range(len(path), -1, -1):
            mark = self.values.get(path[:end])
            if mark is not None:
                return mark
        return None


class YamlError(Exception):
    """Unreadable or refused YAML, with the position where it went wrong."""

    def __init__(
        self, message: str, mark: Mark | None = None, path: Path = (), hint: str | None = None
    ) -> None:
        super().__init__(message)
        self.message = message
        self.mark = mark
        self.path = path
        self.hint = hint


def _mark(node_or_mark: Any) -> Mark:
    m = getattr(node_or_mark, "start_mark", node_or_mark)
    return Mark(m.line + 1, m.column + 1)


class _PyParser(yaml.reader.Reader, yaml.scanner.Scanner, yaml.parser.Parser):
    """The pure-Python event source, where PyYAML was built without libyaml."""

    def __init__(self, stream: str) -> None:
        yaml.reader.Reader.__init__(self, stream)
        yaml.scanner.Scanner.__init__(self)
        yaml.parser.Parser.__init__(self)


try:  # libyaml scans and parses at C speed; composing stays in Python (see compose_node)
    from yaml._yaml import CParser as _EventSource
except ImportError:  # pragma: no cover - depends on how PyYAML was built
    _EventSource = _PyParser  # type: ignore[assignment,misc]


class _Resolver(yaml.resolver.Resolver):
    """YAML 1.1 implicit typing as PyYAML does it, but dates stay text and 1e-6 is a float (as
    YAML 1.2 reads it: per-token figures written that way would otherwise become text)."""

    yaml_implicit_resolvers = {  # noqa: RUF012 -- PyYAML's own class attribute, replaced whole
        first: [(tag, rx) for tag, rx in resolvers if tag != f"{_TAG}timestamp"]
        for first, resolvers in yaml.resolver.Resolver.yaml_implicit_resolvers.items()
    }


_Resolver.add_implicit_resolver(
    f"{_TAG}float",
    re.compile(r"^[-+]?[0-9][0-9_]*(?:\.[0-9_]*)?[eE][-+]?[0-9]+$"),
    list("-+0123456789"),
)


class _Bounded(yaml.composer.Composer, yaml.constructor.SafeConstructor, _Resolver):
    """Safe composition that bounds nesting and node count while the graph is built; an event
    source (libyaml's or the pure-Python one) is mixed in beside it."""

    peek_event: Callable[[], Any]
    dispose: Callable[[], None]

    def __init__(self) -> None:
        yaml.composer.Composer.__init__(self)
        yaml.constructor.SafeConstructor.__init__(self)
        _Resolver.__init__(self)
        self._depth = 0
        self._nodes = 0

    def compose_node(self, parent: Node | None, index: Any) -> Node | None:
        self._nodes += 1
        self._depth += 1
        try:
            if self._depth > MAX_DEPTH or self._nodes > MAX_NODES:
                event = self.peek_event()
                if self._depth > MAX_DEPTH:
                    raise YamlError(f"nesting is deeper than {MAX_DEPTH} levels", _mark(event))
                raise YamlError(f"holds more than {MAX_NODES:,} values", _mark(event))
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


class _Loader(_Bounded, _EventSource):
    def __init__(self, stream: str) -> None:
        _EventSource.__init__(self, stream)
        _Bounded.__init__(self)


class _PyLoader(_Bounded, _PyParser):
    """The same loader on the pure-Python event source, whose scanner has no depth limit of its
    own. libyaml 0.2.6 (bundled from PyYAML 6.0.4) refuses flow nesting past 1,000 levels while
    it scans ahead, before our bound sees the 33rd level; this loader then finds that level, so
    the message and its position do not depend on the libyaml version."""

    def __init__(self, stream: str) -> None:
        _PyParser.__init__(self, stream)
        _Bounded.__init__(self)


def _libyaml_depth_refusal(exc: yaml.MarkedYAMLError) -> bool:
    return "nesting depth" in str(exc.problem)


def _indent_tab(source: str, line: int) -> Mark | None:
    """Where a tab sits in the indentation of 0-based ``line``, if one does. PyYAML's words for
    it ("found character that cannot start any token") do not say what the character is."""
    lines = source.split("\n")
    text = lines[line] if line < len(lines) else ""
    indent = text[: len(text) - len(text.lstrip(" \t"))]
    column = indent.find("\t")
    return Mark(line + 1, column + 1) if column >= 0 else None


def _compose(
    source: str, loader_class: Callable[[str], _Bounded] = _Loader
) -> tuple[Node | None, _Bounded]:
    loader = loader_class(source)
    try:
        return loader.get_single_node(), loader
    except yaml.MarkedYAMLError as exc:
        if loader_class is not _PyLoader and _libyaml_depth_refusal(exc):
            return _compose(source, _PyLoader)
        mark = exc.problem_mark or exc.context_mark
        tab = _indent_tab(source, mark.line) if mark else None
        if tab is not None:
            raise YamlError(
                "a tab character in the indentation",
                tab,
                hint="YAML indents with spaces only: replace the tab with spaces",
            ) from exc
        text = str(exc.problem or exc.context)
        if exc.context and exc.problem:
            where = f" on line {exc.context_mark.line + 1}" if exc.context_mark else ""
            text += f" ({exc.context}{where})"
        raise YamlError(f"YAML syntax error: {text}", _mark(mark) if mark else None) from exc
    except yaml.YAMLError as exc:
        raise YamlError(f"YAML error: {exc}") from exc
    finally:
        loader.dispose()


def parse_yaml(source: str | bytes) -> Document:
    """Parse one YAML document into plain data with positions; raise YamlError if refused."""
    if isinstance(source, bytes):
        source = _decode(source)
    elif len(source) > MAX_BYTES:
        raise YamlError(f"file is larger than the limit of {MAX_BYTES // (1024 * 1024)} MiB")
    nul = source.find("\0")
    if nul >= 0:
        line = source.count("\n", 0, nul) + 1
        col = nul - (source.rfind("\n", 0, nul) + 1) + 1
        raise YamlError("contains a NUL byte; manifests are UTF-8 text", Mark(line, col))
    fast = _plain_document(source)
    if fast is not None:
        return fast
    node, loader = _compose(source)
    if node is None:
        raise YamlError("file is empty; a manifest is a mapping of keys", Mark(1, 1))
    _check_expansion(node)
    return _Builder(loader).build(node)


_STR = f"{_TAG}str"
_FLOAT = f"{_TAG}float"
_resolve: Callable[[type[Node], str, tuple[bool, bool]], str] = _Resolver().resolve
_constructor = yaml.constructor.SafeConstructor()
_CONSTRUCT = {
    f"{_TAG}null": _constructor.construct_yaml_null,
    f"{_TAG}bool": _constructor.construct_yaml_bool,
    f"{_TAG}int": _constructor.construct_yaml_int,
}
_REFUSED = object()  # a scalar the fast path leaves to the composing path
# Only a plain scalar starting with one of these can be anything but text (PyYAML's resolvers are
# looked up by first character; with a catch-all resolver every scalar would need the look-up).
_TYPED_FIRST = frozenset(_Resolver.yaml_implicit_resolvers)
_ANY_TYPED = None in _TYPED_FIRST


def _plain_document(source: str) -> Document | None:
    """The common case, built straight from libyaml's events with an explicit stack: one
    document with no anchors, aliases or explicit tags, no duplicate or merge keys, within the
    bounds. None for anything else, which the composing path then parses (and, where the file is
    at fault, refuses with its located message). Both give the same Document for any file this
    one accepts; a test holds them to that."""
    parser = _EventSource(source)
    values: dict[Path, Mark] = {}
    keys: dict[Path, Mark] = {}
    stack: list[list[Any]] = []  # [container, its path, the key awaiting its value]
    root: Any = None
    nodes = 0
    try:
        get = parser.get_event
        if type(get()) is not yaml.StreamStartEvent or type(get()) is not yaml.DocumentStartEvent:
            return None
        while True:
            event: Any = get()
            kind = type(event)
            if kind is yaml.MappingEndEvent or kind is yaml.SequenceEndEvent:
                value = stack.pop()[0]
            elif (
                kind is yaml.ScalarEvent
                or kind is yaml.MappingStartEvent
                or (kind is yaml.SequenceStartEvent)
            ):
                nodes += 1
                if event.anchor or event.tag or nodes > MAX_NODES or len(stack) >= MAX_DEPTH:
                    return None
                mark = event.start_mark
                here = Mark(mark.line + 1, mark.column + 1)
                if not stack:
                    path: Path = ()
                else:
                    frame = stack[-1]
                    if type(frame[0]) is list:
                        path = (*frame[1], len(frame[0]))
                    elif frame[2] is None:  # this event is a key
                        if kind is not yaml.ScalarEvent or event.value in frame[0]:
                            return None
                        if event.value == "<<" and event.implicit[0]:  # a merge key
                            return None
                        frame[2] = event.value
                        key_path: Path = (*frame[1], event.value)
                        keys[key_path] = here
                        continue
                    else:
                        path = (*frame[1], frame[2])
                values[path] = here
                if kind is not yaml.ScalarEvent:
                    stack.append([{} if kind is yaml.MappingStartEvent else [], path, None])
                    continue
                value = _plain_scalar(event)
                if value is _REFUSED:
                    return None
            elif kind is yaml.DocumentEndEvent:
                return Document(root, values, keys) if type(get()) is yaml.StreamEndEvent else None
            else:  # an alias, or anything this path does not expect
                return None
            if not stack:
                root = value
            elif type(stack[-1][0]) is list:
                stack[-1][0].append(value)
            else:
                stack[-1][0][stack[-1][2]] = value
                stack[-1][2] = None
    except yaml.YAMLError:
        return None
    finally:
        parser.dispose()


def _plain_scalar(event: Any) -> Any:
    value = event.value
    if not event.implicit[0] or (value[:1] not in _TYPED_FIRST and not _ANY_TYPED):
        return value
    tag = _resolve(ScalarNode, value, event.implicit)
    if tag == _STR:
        return value
    if _yaml11_only(tag, value) is not None:
        return _REFUSED
    if tag == _FLOAT:
        number = _decimal(value)
        return _REFUSED if number is None else number
    construct = _CONSTRUCT.get(tag)
    return _REFUSED if construct is None else construct(ScalarNode(tag, value))


# Numbers and booleans as YAML 1.2 (and JSON, and the editors that check a manifest against its
# schema) read them. YAML 1.1, which PyYAML implements, also reads 0x1F, 010 (octal), 0b101,
# 1:30 (base 60), 1_000 and yes/no/on/off as numbers and booleans; YAML 1.2 reads most of them
# as text, and 010 as ten. A value that only one of the two reads as a number is refused.
_PLAIN_INT = re.compile(r"[-+]?(?:0|[1-9][0-9]*)")
_PLAIN_FLOAT = re.compile(r"[-+]?(?:\.[0-9]+|[0-9]+(?:\.[0-9]*)?)(?:[eE][-+]?[0-9]+)?")
_PLAIN_BOOL = frozenset({"true", "True", "TRUE", "false", "False", "FALSE"})
_INT = f"{_TAG}int"
_BOOL = f"{_TAG}bool"


def _yaml11_only(tag: str, text: str) -> tuple[str, str] | None:
    """(message, hint) for a number or boolean written in a form only YAML 1.1 reads so; None
    for one written plainly (or for anything else)."""
    if tag == _INT:
        if _PLAIN_INT.fullmatch(text):
            return None
        value: Any = _constructor.construct_yaml_int(ScalarNode(tag, text))
    elif tag == _FLOAT:
        if _PLAIN_FLOAT.fullmatch(text) or text.lower().lstrip("+-") in (".inf", ".nan"):
            return None
        value = _decimal(text)
    elif tag == _BOOL:
        if text in _PLAIN_BOOL:
            return None
        value = _constructor.construct_yaml_bool(ScalarNode(tag, text))
    else:
        return None
    digits = text.lstrip("+-")
    if isinstance(value, bool):
        plain = "true" if value else "false"
        said = f"{text} is {plain} in YAML 1.1 and text in YAML 1.2"
    else:
        plain = format(value, "f") if isinstance(value, Decimal) else str(value)
        if "_" in digits:
            said = f"{text} is {plain} in YAML 1.1 and text in YAML 1.2"
        elif ":" in digits:
            said = f"{text} is YAML 1.1 base 60 for {plain}"
        elif digits[:2].lower() == "0x":
            said = f"{text} is hexadecimal for {plain}"
        elif digits[:2].lower() == "0b":
            said = f"{text} is YAML 1.1 binary for {plain}"
        else:
            said = f"{text} is octal for {plain} in YAML 1.1, and {int(text, 10)} in YAML 1.2"
    return said, f"write {plain}, or '{text}' in quotes if it is text"


def _decimal(text: str) -> Decimal | None:
    """A YAML float as an exact Decimal (both paths read floats this way); None for .inf and
    .nan, which no figure in a manifest can be."""
    plain = text.replace("_", "")
    if plain.lower().lstrip("+-") in (".inf", ".nan"):
        return None
    try:
        return Decimal(plain)
    except InvalidOperation:  # YAML 1.1 forms Decimal does not read, e.g. 1:30.5
        return Decimal(repr(_constructor.construct_yaml_float(ScalarNode(_FLOAT, text))))


def _check_expansion(root: Node) -> None:
    """Refuse a graph whose aliases expand past MAX_NODES, before anything is expanded.

    Sizes are memoised per node, so this costs one visit per distinct node however large the
    expansion would be.
    """
    sizes: dict[int, int] = {}
    active: set[int] = set()

    def size(node: Node) -> int:
        known = sizes.get(id(node))
        if known is not None:
            return known
        if id(node) in active:
            raise YamlError("an alias refers to the value that contains it", _mark(node))
        active.add(id(node))
        total = 1
        if isinstance(node, MappingNode):
            total += sum(size(k) + size(v) for k, v in node.value)
        elif isinstance(node, SequenceNode):
            total += sum(size(item) for item in node.value)
        if total > MAX_NODES:
            raise YamlError(
                f"expands to more than {MAX_NODES:,} values (anchors and aliases used as a bomb?)",
                _mark(node),
            )
        sizes[id(node)] = total
        active.discard(id(node))
        return total

    size(root)


def _decode(raw: bytes) -> str:
    if len(raw) > MAX_BYTES:
        raise YamlError(f"file is larger than the limit of {MAX_BYTES // (1024 * 1024)} MiB")
    if raw.startswith((b"\xff\xfe", b"\xfe\xff")):
        raise YamlError("file is UTF-16; save it as UTF-8", Mark(1, 1))
    if raw.startswith(b"\xef\xbb\xbf"):
        raw = raw[3:]  # a UTF-8 BOM is harmless; positions below count from after it
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        line = raw.count(b"\n", 0, exc.start) + 1
        col = exc.start - (raw.rfind(b"\n", 0, exc.start) + 1) + 1
        raise YamlError(
            f"not valid UTF-8 (byte 0x{raw[exc.start]:02x}); save the file as UTF-8",
            Mark(line, col),
        ) from exc


class _Builder:
    """Turns a composed node graph (already checked by _check_expansion) into plain data."""

    def __init__(self, loader: _Bounded) -> None:
        self.loader = loader
        self.values: dict[Path, Mark] = {}
        self.keys: dict[Path, Mark] = {}

    def build(self, root: Node) -> Document:
        data = self.value(root, ())
        return Document(data, self.values, self.keys)

    def value(self, node: Node, path: Path) -> Any:
        self.values.setdefault(path, _mark(node))
        if isinstance(node, MappingNode) and node.tag == f"{_TAG}map":
            return self.mapping(node, path)
        if isinstance(node, SequenceNode) and node.tag == f"{_TAG}seq":
            return [self.value(item, (*path, i)) for i, item in enumerate(node.value)]
        if isinstance(node, ScalarNode) and node.tag in _SCALAR_TAGS:
            return self.scalar(node, path)
        raise YamlError(
            f"the tag {node.tag!r} is not allowed; manifests hold plain text, numbers, "
            "lists and mappings",
            _mark(node),
            path,
        )

    def mapping(self, node: MappingNode, path: Path) -> dict[str, Any]:
        result: dict[str, Any] = {}
        first_seen: dict[str, Mark] = {}
        for key_node, value_node in node.value:
            if not isinstance(key_node, ScalarNode):
                raise YamlError("a mapping key must be plain text", _mark(key_node), path)
            if key_node.tag == f"{_TAG}merge":
                raise YamlError(
                    "merge keys ('<<') are not supported; write the keys out",
                    _mark(key_node),
                    path,
                )
            key = str(key_node.value)
            here = _mark(key_node)
            if key in first_seen:
                raise YamlError(
                    f"duplicate key {key!r} (first defined on line {first_seen[key].line}); "
                    "remove one of them",
                    here,
                    (*path, key),
                )
            first_seen[key] = here
            key_path = (*path, key)
            self.keys[key_path] = here
            result[key] = self.value(value_node, key_path)
        return result

    def scalar(self, node: ScalarNode, path: Path) -> Any:
        if node.tag == _STR:
            return node.value
        if node.tag == _FLOAT:
            number = _decimal(str(node.value))
            if number is None:
                raise YamlError(f"{node.value} is not a finite number", _mark(node), path)
        refused = _yaml11_only(node.tag, str(node.value))
        if refused is not None:
            raise YamlError(refused[0], _mark(node), path, hint=refused[1])
        if node.tag == _FLOAT:
            return number
        return self.loader.construct_object(node, deep=True)
