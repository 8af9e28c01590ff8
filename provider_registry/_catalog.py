"""The search path, read as bytes, and its compiled snapshot: what a process start loads instead
of parsing YAML and validating with pydantic.

A snapshot holds, for every provider of a search path, the fields resolve() needs as plain
strings, lists and dicts, plus the whole validated manifest as a pickled blob that is decoded only
when a Resolution's ``model_info``, ``provider`` or ``cost()`` first asks for it.

**Never stale.** load_registry() reads every manifest's bytes on every start (about 2 ms for the
142 built-ins, 1 MB, plus 1.5 ms to hash them) and looks the snapshot up by a BLAKE2b-256 over the
snapshot format, the source of the modules that decide what is valid, and each file's layer,
name, length and bytes in search-path order.
An edited, added, removed or renamed file, or a changed validation rule, gives another key, so
a miss: the files are parsed and validated as before and, when all of them are valid, a snapshot
is written for the next start. Files with problems are never compiled; their errors come from the
full path every time.

Nothing is taken on trust from file metadata, the built-ins included. A size and modification
time can be restored after an edit (tests do it); a change time cannot be set back, but it is
only as fine as the kernel's clock tick (two writes within one tick look alike) and follows the
system clock, so a key from it would now and then be stale; and the hashes in an installed
wheel's RECORD say what was installed, not what is there now (an editable install has none). What
reading costs is kept small instead: one directory listing (which tells regular files from
links), one real path and one display prefix per directory, one open, fstat and read per file,
one hasher over all of it. BLAKE2b, not SHA-256: it comes without loading OpenSSL, which
importing hashlib does and which cost a start about as much as reading the built-ins.

**Where.** The wheel ships a snapshot of the built-in manifests (built when the wheel is built);
anything else is cached in ``$PROVIDER_REGISTRY_CACHE``, else ``$XDG_CACHE_HOME/provider-registry``,
else ``~/.cache/provider-registry``. ``PROVIDER_REGISTRY_CACHE=off`` turns the cache off.

**Trust.** A snapshot decides where keys are sent, so one is read only from a directory and a file
that this user owns and nobody else may write to, and it is unpickled with no class allowed but
``Decimal`` and ``date``: no code can run. A snapshot that is foreign, unreadable or malformed is
ignored (and replaced when the cache is writable).
"""

from __future__ import annotations

import io
import os
import pickle
import stat
import time
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, NamedTuple

from ._errors import ManifestError, Problem
from ._paths import MAX_BYTES, FileRefused, data_dir, read_regular

try:  # hashlib.blake2b itself, without the OpenSSL library that importing hashlib loads first
    from _blake2 import blake2b
except ImportError:  # a Python without the module: the same function, by the public way
    from hashlib import blake2b

if TYPE_CHECKING:
    from ._manifest import Provider, Signing
    from ._urls import EndpointKey

__all__ = [
    "ENV_CACHE",
    "ENV_PATH",
    "Layer",
    "SourceFile",
    "builtin_dir",
    "cache_dir",
    "decode_blob",
    "read_bytes",
    "read_snapshot",
    "record_of",
    "scan",
    "search_path",
    "snapshot_key",
    "write_snapshot",
]

ENV_PATH = "PROVIDER_REGISTRY_PATH"
ENV_CACHE = "PROVIDER_REGISTRY_CACHE"
_FORMAT = b"provider-registry snapshot 1\n"
# The modules whose code decides whether a file is valid and what it compiles to.
_RULES = (
    *("_paths.py", "_yaml.py", "_loader.py", "_manifest.py", "_urls.py", "_trust.py"),
    *("_collect.py", "_registry.py", "_catalog.py"),
    *("dialects/__init__.py", "dialects/_base.py", "dialects/_anthropic.py"),
)
_KEEP = 8  # snapshots kept in the cache directory; older ones are removed on write


def builtin_dir() -> Path:
    """The directory of the built-in manifests."""
    return data_dir("providers")


class Layer(NamedTuple):
    """One place on the search path; an ``optional`` one may be missing (a warning only)."""

    path: Path
    optional: bool = False
    builtin: bool = False


def search_path(
    paths: Iterable[str | os.PathLike[str]] = (), *, builtin: bool = True, env: bool = True
) -> list[Layer]:
    """The directories and files to read, in order (later wins)."""
    layers = [Layer(builtin_dir(), builtin=True)] if builtin else []
    if env:
        entries = os.environ.get(ENV_PATH, "").split(os.pathsep)
        layers += [Layer(Path(d), optional=True) for d in entries if d]
    layers += [Layer(Path(p)) for p in paths]
    return layers


class SourceFile:
    """One manifest file as read: its layer's index, its path (as listed and resolved), its
    name as shown, its bytes and their BLAKE2b-256 (the outcome caches' key, worked out when
    first asked for: a start that finds its snapshot never needs it)."""

    __slots__ = ("_digest", "_path", "_real", "layer", "name", "raw")

    def __init__(self, layer: int, path: str, real: str, name: str, raw: bytes) -> None:
        self.layer = layer
        self._path = path
        self._real = real
        self.name = name
        self.raw = raw
        self._digest: bytes | None = None

    def __repr__(self) -> str:
        return f"<SourceFile {self.name}: {len(self.raw):,} bytes>"

    def __reduce__(self) -> tuple[type[SourceFile], tuple[int, str, str, str, bytes]]:
        return SourceFile, (self.layer, self._path, self._real, self.name, self.raw)

    @property
    def path(self) -> Path:
        return Path(self._path)

    @property
    def real(self) -> Path:
        return Path(self._real)

    @property
    def digest(self) -> bytes:
        if self._digest is None:
            self._digest = blake2b(self.raw, digest_size=32).digest()
        return self._digest


class _Listed(NamedTuple):
    """A file named by a layer: its path, and whether the directory listing already showed it
    to be a regular file and not a link (so its path is its real path's directory + name)."""

    path: str
    plain: bool = False


def scan(layers: Sequence[Layer]) -> tuple[list[SourceFile], list[Problem]]:
    """Every manifest file of every layer, read, in order; plus what stopped a file or layer
    from being read. A file reached twice (``validate providers/ providers/``) is read once.

    Every start runs this over the whole search path, so it makes per directory one listing
    (which tells regular files from links), one real path and one display prefix, and per
    file one open, fstat and read; a path is resolved only for a link or a file named itself.
    """
    files: list[SourceFile] = []
    problems: list[Problem] = []
    seen: set[str] = set()
    cwd = Path.cwd()
    for i, layer in enumerate(layers):
        listing = _listing(layer)
        if isinstance(listing, Problem):
            problems.append(listing)
            continue
        if not listing:
            message = "no manifests (*.yaml, *.yml) found here"
            problems.append(Problem(str(layer.path), None, None, "", message, severity="warning"))
            continue
        real_dir = shown_dir = None  # a directory's real path and name, found once
        for path, plain in listing:
            if plain:
                if real_dir is None or shown_dir is None:
                    real_dir = os.path.join(os.path.realpath(layer.path), "")
                    shown = _display(layer.path, cwd)
                    shown_dir = "" if shown == "." else os.path.join(shown, "")
                base = os.path.basename(path)
                real, name = real_dir + base, shown_dir + base
            else:
                real = str(Path(path).resolve()) if os.path.exists(path) else path
                name = _display(Path(path), cwd)
            if real in seen:
                continue
            seen.add(real)
            try:
                raw = read_bytes(path, name, regular=plain)
            except ManifestError as exc:
                problems += exc.problems
                continue
            files.append(SourceFile(i, path, real, name, raw))
    return files, problems


def _listing(layer: Layer) -> list[_Listed] | Problem:
    path = layer.path
    try:
        if stat.S_ISDIR(os.stat(path).st_mode):
            found = []
            with os.scandir(path) as entries:
                for e in entries:
                    dot = e.name.rfind(".")  # as Path.suffix: a name's own dot, not a leading one
                    if dot > 0 and e.name[dot:] in (".yaml", ".yml"):
                        plain = e.is_file(follow_symlinks=False)  # no syscall where d_type tells
                        found.append(_Listed(os.path.join(path, e.name), plain))
            return sorted(found)
        return [_Listed(str(path))]  # the reader refuses what is not a regular file
    except (FileNotFoundError, NotADirectoryError):
        if path.is_symlink():
            return [_Listed(str(path))]  # a dangling link: the reader says so
    except OSError as exc:  # too long a name, no permission, a loop of links
        return Problem(str(path), None, None, "", f"cannot read: {exc.strerror or exc}")
    if layer.optional:
        message = f"no such directory on {ENV_PATH}"
        hint = "create it, or take it off the variable"
        return Problem(str(path), None, None, "", message, hint, severity="warning")
    return Problem(str(path), None, None, "", "no such file or directory")


def _display(path: Path, cwd: Path) -> str:
    """The path as people expect to see it: relative when under the working directory."""
    try:
        return str(path.absolute().relative_to(cwd))
    except ValueError:
        return str(path)


def read_bytes(path: str | os.PathLike[str], name: str, *, regular: bool = False) -> bytes:
    """A manifest file's bytes, read by the one bounded reader of regular files (``regular``:
    a directory listing showed it to be one, see read_regular)."""
    try:
        return read_regular(path, MAX_BYTES, regular=regular)
    except FileRefused as exc:
        hint = "split the model table or trim it" if exc.too_large else exc.hint
        raise ManifestError([Problem(name, None, None, "", exc.reason, hint)]) from None


def snapshot_key(layers: Sequence[Layer], files: Sequence[SourceFile]) -> str:
    """The hash naming the snapshot of exactly these files under exactly these rules.

    A built-in file counts by its name in the built-in directory, so the wheel's snapshot matches
    wherever the wheel is installed; any other by its resolved path.
    """
    h = blake2b(_FORMAT + _rules_digest(), digest_size=32)
    for f in files:
        layer = layers[f.layer]
        where = os.path.basename(f._path) if layer.builtin else f._real
        # The length first: where a file's bytes end is part of what is hashed.
        head = f"{f.layer}\0{layer.builtin}\0{where}\0{len(f.raw)}\0"
        h.update(head.encode("utf-8", "surrogateescape"))
        h.update(f.raw)
    return h.hexdigest()


_rules: list[bytes] = []


def _rules_digest() -> bytes:
    if not _rules:
        h = blake2b(digest_size=32)
        here = Path(__file__).parent
        for name in _RULES:
            try:
                h.update((here / name).read_bytes())
            except OSError:  # no source (a zipped or compiled-only install): the version stands
                from . import __version__

                h.update(f"{name} of {__version__}".encode())
        _rules.append(h.digest())
    return _rules[0]


def cache_dir() -> Path | None:
    """Where compiled snapshots are cached; None when the cache is off."""
    value = os.environ.get(ENV_CACHE)
    if value:
        return None if value == "off" else Path(value)
    base = os.environ.get("XDG_CACHE_HOME") or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "provider-registry"


def _candidates(key: str) -> list[tuple[Path, bool]]:
    """Where a snapshot under ``key`` may be, and whether it must be private to this user: the
    wheel's own is trusted like the code installed beside it, a cached one only if private."""
    found = [(data_dir("snapshots") / f"{key}.pickle", False)]
    cache = cache_dir()
    if cache is not None:
        found.append((cache / f"{key}.pickle", True))
    return found


def read_snapshot(key: str) -> dict[str, Any] | None:
    """The snapshot stored under ``key``, or None if there is none this process may trust."""
    for path, private in _candidates(key):
        try:
            fd = os.open(path, os.O_RDONLY)
        except OSError:
            continue
        with os.fdopen(fd, "rb") as handle:
            if private and not (_private(path.parent) and _private(fd)):
                continue
            try:
                data = _Unpickler(io.BytesIO(handle.read())).load()
            except Exception:
                continue
        if isinstance(data, dict) and data.get("key") == key:
            return data
    return None


def _private(target: Path | int) -> bool:
    """Whether ``target`` is owned by this user and writable by nobody else (POSIX)."""
    if not hasattr(os, "getuid"):
        return True
    try:
        st = os.fstat(target) if isinstance(target, int) else os.stat(target)
    except OSError:
        return False
    return st.st_uid == os.getuid() and not st.st_mode & 0o022


def write_snapshot(
    key: str, records: list[dict[str, Any]], directory: Path | None = None
) -> Path | None:
    """Store a snapshot under ``key``: in ``directory``, else the user cache; the file written,
    or None. Best effort: a read-only or foreign cache directory only means the next start
    compiles again."""
    target = directory if directory is not None else cache_dir()
    if target is None:
        return None
    data = pickle.dumps({"key": key, "records": records}, protocol=5)
    try:
        target.mkdir(mode=0o700, parents=True, exist_ok=True)
        if not _private(target):
            return None
        tmp = target / f".{key}.{os.getpid()}.tmp"
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
        final = target / f"{key}.pickle"
        os.replace(tmp, final)
        _prune(target)
    except OSError:
        return None
    return final


def _prune(directory: Path) -> None:
    """Keep the newest snapshots, and drop what a process killed mid-write left behind."""
    snapshots = sorted(directory.glob("*.pickle"), key=lambda p: p.stat().st_mtime, reverse=True)
    hour_ago = time.time() - 3600
    leftovers = [p for p in directory.glob(".*.tmp") if p.stat().st_mtime < hour_ago]
    for old in snapshots[_KEEP:] + leftovers:
        old.unlink(missing_ok=True)


class _Unpickler(pickle.Unpickler):
    """Plain data only: the two classes a manifest's values use, and nothing that runs code."""

    def find_class(self, module: str, name: str) -> Any:
        if (module, name) == ("decimal", "Decimal"):
            from decimal import Decimal

            return Decimal
        if (module, name) == ("datetime", "date"):
            import datetime

            return datetime.date
        raise pickle.UnpicklingError(f"{module}.{name} is not allowed in a snapshot")


def decode_blob(blob: bytes) -> dict[str, Any]:
    """A provider's whole manifest as plain data (what ``Provider.model_validate`` takes)."""
    try:
        data = _Unpickler(io.BytesIO(blob)).load()
    except Exception as exc:
        data = exc
    if not isinstance(data, dict):
        where = cache_dir() or "the cache directory"
        message = f"a compiled snapshot is damaged ({data!r:.80})"
        raise ManifestError(
            [Problem(None, None, None, "", message, f"delete the files in {where}")]
        )
    return data


def record_of(p: Provider, file: int) -> dict[str, Any]:
    """What the snapshot keeps of one validated provider: the fields resolve() reads, in plain
    data, the index of its file in the scan, and the whole manifest as a blob."""
    return {
        **hot_fields(p),
        "file": file,
        "blob": pickle.dumps(p.model_dump(exclude_unset=True), protocol=5),
    }


def trusted_keys(base_url: str, endpoints: Iterable[str]) -> list[EndpointKey]:
    """Where a provider's stored key may go: its endpoints, and its base URL's host and path
    (unless the base URL is filled in from the environment)."""
    from ._urls import endpoint_key, url_key

    trusted = {endpoint_key(e) for e in endpoints}
    if "${" not in base_url:
        trusted.add(url_key(base_url))
    return sorted(trusted, key=str)


def hot_fields(p: Provider) -> dict[str, Any]:
    """The fields of a provider that resolve() reads, as plain data."""
    from ._urls import endpoint_key

    aliases: dict[str, str] = {}
    lifecycle: dict[str, tuple[str, str | None, str | None]] = {}
    for model_id, m in p.models.items():
        for alias in m.aliases:
            aliases.setdefault(alias, model_id)
        if m.status in ("deprecated", "retired") or m.retired_on is not None:
            retired = m.retired_on.isoformat() if m.retired_on else None
            lifecycle[model_id] = (m.status, retired, m.replacement)
    return {
        "id": p.id,
        "aliases": list(p.aliases),
        "owns": list(p.owns),
        "dialect": p.api.dialect,
        "base_url": p.api.base_url,
        "base_url_env": p.api.base_url_env,
        "endpoints": list(p.api.endpoints),
        "endpoint_keys": [endpoint_key(e) for e in p.api.endpoints],
        "trusted": trusted_keys(p.api.base_url, p.api.endpoints),
        "auth_env": list(p.auth.env),
        "signing": None if p.auth.signing is None else list(signing_fields(p.auth.signing)),
        "placeholders": {
            s.send_as.placeholder: name for name, s in p.params.items() if s.send_as.placeholder
        },
        "params": [
            (name, s.env, s.default, s.pattern, s.description) for name, s in p.params.items()
        ],
        "models": list(p.models),
        "model_aliases": aliases,
        "lifecycle": lifecycle,
        "litellm": list(p.interop.litellm),
        "patterns": [(id_regex(m.match), m.base, m.base_param, m.price) for m in p.model_patterns],
    }


def signing_fields(s: Signing) -> tuple[str, str, str, str | None, str]:
    """(service, key id variable, secret variable, token variable, region parameter)."""
    return s.service, s.key_id_env, s.secret_env, s.token_env, s.region_param


def id_regex(template: str) -> str:
    """The regular expression of a model-id pattern (``Provider.model_patterns``): its text
    literally, each ``{slot}`` as a named group of up to 256 characters other than ':' and '/'.
    Bounded and anchored by fullmatch, with text between any two slots: no catastrophic
    backtracking."""
    import re

    out = []
    for i, part in enumerate(re.split(r"\{([a-z][a-z0-9_]*)\}", template)):
        out.append(f"(?P<{part}>[^:/]{{0,256}})" if i % 2 else re.escape(part))
    return "".join(out)
