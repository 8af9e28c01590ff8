"""The compiled snapshot: the same registry as the YAML gives, never stale, never trusted from a
place or in a form it should not be, and never built from a file with problems."""

from __future__ import annotations

import hashlib
import os
import pickle
import subprocess
import sys
import warnings
from pathlib import Path

import pytest

import provider_registry._collect as collect_module
from provider_registry import (
    DeprecatedModelWarning,
    ManifestError,
    Registry,
    RegistryError,
    load_registry,
    resolve,
)
from provider_registry._catalog import (
    ENV_CACHE,
    Layer,
    scan,
    search_path,
    snapshot_key,
    write_snapshot,
)

from .conftest import manifest_text

MODEL = "wandb/Llama-3.1-8B-Instruct"


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty cache directory of this test's own."""
    path = tmp_path / "cache"
    monkeypatch.setenv(ENV_CACHE, str(path))
    return path


@pytest.fixture
def no_parsing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Fail the test if a load parses and validates files instead of using a snapshot."""

    def refuse(*args: object, **kwargs: object) -> None:
        raise AssertionError("the files were parsed: no snapshot was used")

    monkeypatch.setattr(collect_module, "collect_files", refuse)


def snapshots(cache: Path) -> list[Path]:
    return sorted(cache.glob("*.pickle"))


def outcome(model: str, registry: Registry) -> tuple[object, ...]:
    """What resolving and pricing ``model`` gives: the resolution, its table entry and a cost,
    or the error raised."""
    counts = {"input_tokens": 300_000, "output_tokens": 7, "cached_tokens": 11}
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecatedModelWarning)
            res = resolve(model, registry=registry, api_key="k" * 20)
    except RegistryError as exc:
        return (type(exc), str(exc))
    return (res, res.model_info, res.cost(**counts))


def test_builtin_catalog_from_snapshot_equals_the_yaml(
    cache: Path, builtin: Registry, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Every built-in provider and model, loaded from the snapshot, is what the YAML gives:
    same manifest, same resolution (or error), same model entry, same cost."""
    load_registry(env=False)  # compiles
    assert len(snapshots(cache)) == 1
    monkeypatch.setattr(collect_module, "collect_files", None)  # a parse would now fail
    compiled = load_registry(env=False)
    assert compiled.files == builtin.files
    for pid, entry in builtin._entries.items():
        other = compiled.entry(pid)
        assert other._manifest is None  # built from the snapshot, not from the YAML
        for name in entry.models:
            model = f"{pid}/{name}"
            assert outcome(model, compiled) == outcome(model, builtin), model
        assert other.manifest == entry.manifest


def test_providers_are_built_one_by_one(cache: Path) -> None:
    load_registry(env=False)
    compiled = load_registry(env=False)
    providers = compiled.providers
    assert len(providers) == len(compiled)
    assert "wandb" in providers
    assert providers["wandb"].id == "wandb"
    built = [pid for pid, e in compiled._entries.items() if e._manifest is not None]
    assert built == ["wandb"]


def test_a_second_load_uses_the_snapshot(cache: Path, dropin: Path) -> None:
    (dropin / "acme.yaml").write_text(manifest_text("acme"))
    first = load_registry([dropin], env=False)
    assert len(snapshots(cache)) == 1
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(collect_module, "collect_files", None)
        second = load_registry([dropin], env=False)
    assert second.files == first.files
    assert resolve("acme/m1", registry=second) == resolve("acme/m1", registry=first)


# Each change to the drop-in directory, made after a first load compiled a snapshot, and a model
# string that only the changed directory resolves as expected.
CHANGES = [
    ("edited in place", lambda d: (d / "acme.yaml").write_text(manifest_text("acme", "  m2: {}"))),
    ("added", lambda d: (d / "beta.yaml").write_text(manifest_text("beta", "  m2: {}"))),
    ("renamed", lambda d: (d / "acme.yaml").rename(d / "acme2.yaml")),
    ("removed", lambda d: (d / "acme.yaml").unlink()),
]


@pytest.mark.parametrize(("label", "change"), CHANGES, ids=[c[0] for c in CHANGES])
def test_a_change_to_any_file_is_seen(
    cache: Path, dropin: Path, label: str, change: object, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = dropin / "acme.yaml"
    path.write_text(manifest_text("acme"))
    before = load_registry([dropin], env=False)
    stat = path.stat()
    change(dropin)  # type: ignore[operator]
    if path.exists():  # same size class and the old mtime: only the bytes say it changed
        os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    after = load_registry([dropin], env=False)
    monkeypatch.setenv(ENV_CACHE, "off")
    expected = load_registry([dropin], env=False)  # the full path
    assert after.files == expected.files
    assert before.files != after.files or label == "edited in place"
    if label == "edited in place":
        assert set(after.entry("acme").models) == {"m2"}
    if label == "removed":
        assert "acme" not in after


def test_a_file_with_problems_is_never_compiled(cache: Path, dropin: Path) -> None:
    (dropin / "bad.yaml").write_text(manifest_text("bad").replace("dialect: openai", "dialect: x"))
    for _ in range(2):  # the error comes from the full path every time
        with pytest.raises(ManifestError, match="dialect"):
            load_registry([dropin], env=False)
    assert snapshots(cache) == []
    with pytest.warns(UserWarning, match="left out"):
        lenient = load_registry([dropin], env=False, lenient=True)
    assert "bad" not in lenient
    assert snapshots(cache) == []


def test_cache_off_writes_nothing(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(ENV_CACHE, "off")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    monkeypatch.setenv("HOME", str(tmp_path))
    assert resolve(MODEL, registry=load_registry(env=False)).provider_id == "wandb"
    assert list(tmp_path.rglob("*.pickle")) == []


def test_default_cache_place_follows_xdg(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv(ENV_CACHE)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    load_registry(env=False)
    assert len(list((tmp_path / "provider-registry").glob("*.pickle"))) == 1


def test_read_only_cache_still_loads(cache: Path, dropin: Path) -> None:
    cache.mkdir(mode=0o500)
    try:
        (dropin / "acme.yaml").write_text(manifest_text("acme"))
        assert "acme" in load_registry([dropin], env=False)
        if os.geteuid() != 0:  # root writes anyway
            assert snapshots(cache) == []
    finally:
        cache.chmod(0o700)


def _only_snapshot(cache: Path, dropin: Path) -> Path:
    (dropin / "acme.yaml").write_text(manifest_text("acme"))
    load_registry([dropin], env=False)
    (found,) = snapshots(cache)
    return found


UNTRUSTED = [
    ("file writable by others", lambda snap: snap.chmod(0o666)),
    ("file writable by the group", lambda snap: snap.chmod(0o620)),
    ("directory writable by others", lambda snap: snap.parent.chmod(0o777)),
    ("truncated", lambda snap: snap.write_bytes(snap.read_bytes()[:100])),
    ("not a pickle", lambda snap: snap.write_bytes(b"not a snapshot")),
    ("another key inside", lambda snap: snap.write_bytes(pickle.dumps({"key": "x"}))),
]


@pytest.mark.parametrize(("label", "spoil"), UNTRUSTED, ids=[u[0] for u in UNTRUSTED])
def test_an_untrusted_snapshot_is_ignored(
    cache: Path, dropin: Path, label: str, spoil: object
) -> None:
    snap = _only_snapshot(cache, dropin)
    spoil(snap)  # type: ignore[operator]
    calls: list[int] = []
    real = collect_module.collect_files
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(collect_module, "collect_files", lambda *a: calls.append(1) or real(*a))
        reg = load_registry([dropin], env=False)
    assert calls == [1]  # parsed again, not read from the spoiled file
    assert "acme" in reg


@pytest.mark.skipif(not hasattr(os, "geteuid") or os.geteuid() != 0, reason="needs root to chown")
def test_a_snapshot_owned_by_someone_else_is_ignored(cache: Path, dropin: Path) -> None:
    snap = _only_snapshot(cache, dropin)
    os.chown(snap, 65534, 65534)
    calls: list[int] = []
    real = collect_module.collect_files
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(collect_module, "collect_files", lambda *a: calls.append(1) or real(*a))
        load_registry([dropin], env=False)
    assert calls == [1]


class _Runs:
    """A pickle that would run code when loaded by an unrestricted unpickler."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, (f"touch {self.marker}",))


def test_a_snapshot_cannot_run_code(cache: Path, dropin: Path, tmp_path: Path) -> None:
    snap = _only_snapshot(cache, dropin)
    marker = tmp_path / "ran"
    good = pickle.loads(snap.read_bytes())
    snap.write_bytes(pickle.dumps({"key": snap.stem, "records": [_Runs(marker)]}))
    assert "acme" in load_registry([dropin], env=False)  # refused, so parsed again
    assert not marker.exists()

    # A hostile blob inside an otherwise good snapshot: refused when first decoded.
    good["records"][-1]["blob"] = pickle.dumps({"models": _Runs(marker)})
    snap.write_bytes(pickle.dumps(good))
    res = resolve("acme/m1", registry=load_registry([dropin], env=False))
    with pytest.raises(ManifestError, match="snapshot is damaged"):
        res.model_info  # noqa: B018
    assert not marker.exists()


def test_cold_start_imports_no_parser_validator_or_client(tmp_path: Path) -> None:
    """A process that imports, resolves and prices from a snapshot loads no YAML parser, no
    pydantic, no jsonschema, no httpx, no CLI."""
    env = {**os.environ, ENV_CACHE: str(tmp_path)}
    code = (
        "import sys; from provider_registry import resolve; "
        f"r = resolve({MODEL!r}); r.cost(input_tokens=10, output_tokens=5); "
        "print(' '.join(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('yaml', 'pydantic', 'jsonschema', 'httpx') or m in ('provider_registry._cli', "
        "'provider_registry._client', 'provider_registry._validate', "
        "'provider_registry._manifest', 'provider_registry._loader'))))"
    )
    first = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert first.returncode == 0, first.stderr
    assert "pydantic" in first.stdout  # the first start compiles the snapshot
    second = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True)
    assert second.returncode == 0, second.stderr
    assert second.stdout.strip() == ""


def test_the_cache_keeps_the_newest_snapshots(cache: Path) -> None:
    keys = [f"{i:064x}" for i in range(12)]
    for i, key in enumerate(keys):
        written = write_snapshot(key, [])
        assert written is not None
        os.utime(written, (1_000_000 + i, 1_000_000 + i))  # oldest first
    leftover = cache / ".dead.123.tmp"
    leftover.write_bytes(b"half a snapshot")
    os.utime(leftover, (1_000_000, 1_000_000))
    fresh_tmp = cache / ".writing.456.tmp"
    fresh_tmp.write_bytes(b"being written")
    write_snapshot("f" * 64, [])
    kept = {p.stem for p in snapshots(cache)}
    assert kept == {"f" * 64, *keys[-7:]}
    assert not leftover.exists()
    assert fresh_tmp.exists()  # another process may still be writing it


def _one_by_one(path: Path) -> tuple[str, Path]:
    """A file's name as shown and its real path, worked out for the file alone (what scan()
    does only for a link or a file named on its own)."""
    try:
        name = str(path.absolute().relative_to(Path.cwd()))
    except ValueError:
        name = str(path)
    return name, path.resolve()


@pytest.mark.parametrize("under_cwd", [True, False], ids=["under cwd", "elsewhere"])
def test_scan_names_and_resolves_each_file_as_if_alone(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, under_cwd: bool
) -> None:
    d = tmp_path / "d"
    d.mkdir()
    (d / "a.yaml").write_text(manifest_text("a"))
    (d / "b.yml").write_text(manifest_text("b"))
    (d / ".yaml").write_text("no stem: not a manifest")
    (d / "notes.txt").write_text("not a manifest")
    other = tmp_path / "other"
    other.mkdir()
    (other / "c.yaml").write_text(manifest_text("c"))
    (d / "c.yaml").symlink_to(other / "c.yaml")
    (d / "again.yaml").symlink_to("a.yaml")
    (tmp_path / "link").symlink_to(d)
    monkeypatch.chdir(tmp_path if under_cwd else other)
    top = Path(".") if under_cwd else tmp_path
    # The same files reached again through links, and a file named on its own: each read once.
    layers = [Layer(top / "d"), Layer(top / "link"), Layer(other / "c.yaml")]
    files, problems = scan(layers)
    assert problems == []
    assert [os.path.basename(f.name) for f in files] == ["a.yaml", "b.yml", "c.yaml"]
    for f in files:
        assert (f.name, f.real) == _one_by_one(f.path)
    if under_cwd:
        assert [f.name for f in files] == ["d/a.yaml", "d/b.yml", "d/c.yaml"]
    assert files[2].real == (other / "c.yaml").resolve()


def test_the_key_tells_where_one_file_ends_and_the_next_begins(tmp_path: Path) -> None:
    """A file whose bytes end with what the key hashes before the next file's bytes is not
    taken for two files: each file's length is hashed before its bytes."""
    (tmp_path / "a.yaml").write_bytes(b"A")
    (tmp_path / "b.yaml").write_bytes(b"B")
    layers = [Layer(tmp_path)]
    files, _ = scan(layers)
    two = snapshot_key(layers, files)
    head = f"0\0False\0{files[1].real}\0".encode()  # what the key hashes before b's bytes
    (tmp_path / "b.yaml").unlink()
    (tmp_path / "a.yaml").write_bytes(b"A" + head + b"B")
    assert snapshot_key(layers, scan(layers)[0]) != two


def test_a_start_that_finds_its_snapshot_hashes_no_file_on_its_own(cache: Path) -> None:
    """A file's own digest (the validation caches' key) is worked out only when asked for."""
    layers = search_path(env=False)
    files, _ = scan(layers)
    snapshot_key(layers, files)
    assert all(f._digest is None for f in files)
    assert files[0].digest == hashlib.blake2b(files[0].raw, digest_size=32).digest()
    copy = pickle.loads(pickle.dumps(files[0]))  # as sent to a forked validator
    assert (copy.name, copy.path, copy.real, copy.raw) == (
        files[0].name,
        files[0].path,
        files[0].real,
        files[0].raw,
    )


def test_the_bare_name_index_is_built_on_the_first_bare_name(cache: Path) -> None:
    """Loading and resolving "provider/model" never walks every model of the catalog; the
    first bare name builds the index of them all, the same one every time."""
    load_registry(env=False)
    reg = load_registry(env=False)
    assert resolve(MODEL, registry=reg).provider_id == "wandb"
    assert reg._bare[0] is None
    bare = MODEL.partition("/")[2]
    listed = reg.listed_by(bare)
    assert "wandb" in {pid for pid, _ in listed}
    built = reg._bare[0]
    assert built is not None
    assert reg.listed_by(bare) == listed
    assert reg._bare[0] is built
    expected: dict[str, list[tuple[str, str]]] = {}
    for pid, entry in reg._entries.items():
        for name, model_id in entry.models.items():
            expected.setdefault(name, []).append((pid, model_id))
    assert {k: list(v) for k, v in built.items()} == expected
