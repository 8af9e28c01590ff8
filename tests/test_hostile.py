"""The hostile-manifest corpus (issue "Hardening"): every case is refused cleanly, alone and in a
crowd.

For every case -- each file in manifests/bad/ (``# expect: LINE: SUBSTRING`` on its first line)
and each GENERATED one below, written at test time because it cannot be checked in --
``registry validate FILE`` run as a real process exits 1, names ``FILE:LINE`` with the expected
reason on one line, and prints no traceback; ``load_registry`` raises ManifestError; and
``load_registry(..., lenient=True)`` leaves it out with a ManifestWarning while every other
provider loads. manifests/bad-dir-collisions/ holds files that are valid alone and clash with
each other or with a built-in.

The target is under 2 seconds per ``registry validate``; that figure depends on the machine and
its load, so no test asserts it: the slowest run is printed at the end of the module (timings
belong to ``make bench``).
"""

from __future__ import annotations

import concurrent.futures
import dataclasses
import os
import random
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest

from provider_registry import ManifestError, ManifestWarning, Registry, load_registry
from provider_registry._yaml import MAX_BYTES, MAX_DEPTH, MAX_NODES

from .test_manifest_examples import VALID

HERE = Path(__file__).resolve().parent
BAD_DIR = HERE / "manifests" / "bad"
COLLISIONS_DIR = HERE / "manifests" / "bad-dir-collisions"
GOOD_FILE = HERE / "manifests" / "good" / "acme-router.yaml"
GOOD_ID = "acme-router"
REGISTRY = Path(sys.executable).parent / "registry"

EXPECT = re.compile(r"^# expect: (?P<line>[1-9][0-9]*): (?P<text>\S.*)$")
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


@dataclasses.dataclass(frozen=True)
class Case:
    id: str
    name: str
    """The file's name, as the report must show it."""
    line: int | None
    """The line the problem must point at, where the case defines one."""
    text: str
    """Must appear in the problem's line of output (message or hint)."""
    source: Path | None = None
    """A checked-in file, or None for a generated one."""
    make: Callable[[Path], None] | None = None
    """Writes a generated case's file at the given path."""

    def write(self, directory: Path) -> Path:
        """Put the case's file into ``directory``; return its path."""
        target = directory / self.name
        if self.source is not None:
            shutil.copyfile(self.source, target)
        else:
            assert self.make is not None
            self.make(target)
        return target


def _checked_in(path: Path) -> Case:
    first = path.read_text(encoding="utf-8").split("\n", 1)[0]
    m = EXPECT.match(first)
    assert m is not None, f"{path.name}: first line must be '# expect: LINE: SUBSTRING'"
    return Case(path.stem, path.name, int(m["line"]), m["text"].rstrip(), source=path)


# --- generated cases: each one cheap to write -----------------------------------------------------


def _sparse_50mb(path: Path) -> None:
    # A hole, not 50 MB of writes: the size is refused before a byte is read.
    with path.open("wb") as f:
        f.truncate(50 * 1024 * 1024)


def _bom_garbage(path: Path) -> None:
    path.write_bytes(b"\xef\xbb\xbf" + bytes(range(0x80, 0x100)) * 4)


def _bom_latin1(path: Path) -> None:
    path.write_bytes(b"\xef\xbb\xbf" + VALID.replace("Acme ", "Acm\xe9 ").encode("latin-1"))


def _random_binary(path: Path) -> None:
    path.write_bytes(random.Random(20251124).randbytes(64 * 1024))


def _many_items(path: Path) -> None:
    path.write_bytes(b"- x\n" * 300_000)


def _deep_nesting(path: Path) -> None:
    path.write_bytes(b"[" * 10_000)


GENERATED = [
    Case(
        "gen-50mb-sparse", "huge.yaml", None, f"above the limit of {MAX_BYTES:,}", make=_sparse_50mb
    ),
    Case("gen-bom-then-garbage", "bom-garbage.yaml", 1, "not valid UTF-8", make=_bom_garbage),
    Case("gen-bom-then-latin1", "bom-latin1.yaml", 3, "not valid UTF-8", make=_bom_latin1),
    Case("gen-random-binary", "random.yaml", 1, "not valid UTF-8", make=_random_binary),
    Case(
        "gen-300k-items",
        "many-items.yaml",
        MAX_NODES,
        f"holds more than {MAX_NODES:,} values",
        make=_many_items,
    ),
    Case(
        "gen-10k-brackets",
        "deep.yaml",
        1,
        f"nesting is deeper than {MAX_DEPTH} levels",
        make=_deep_nesting,
    ),
]

CHECKED_IN = [_checked_in(p) for p in sorted(BAD_DIR.glob("*.yaml"))]
CASES = CHECKED_IN + GENERATED


def _params(cases: list[Case]) -> list[Any]:
    return [pytest.param(c, id=c.id) for c in cases]


def test_corpus_size() -> None:
    assert len({c.name for c in CASES}) == len(CASES), "case file names must be distinct"
    assert len(CASES) >= 45


# --- `registry validate FILE`, one real process per case ---------------------------------------


@dataclasses.dataclass(frozen=True)
class Run:
    file: Path
    code: int | None
    stdout: str
    stderr: str
    seconds: float


class Runner:
    """Runs `registry validate` for each case at most once, a few processes at a time."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.env = {k: v for k, v in os.environ.items() if not k.startswith("PROVIDER_REGISTRY")}
        self.pool = concurrent.futures.ThreadPoolExecutor(max_workers=min(4, os.cpu_count() or 1))
        self.futures: dict[str, concurrent.futures.Future[Run]] = {}

    def submit(self, case: Case) -> None:
        if case.id not in self.futures:
            directory = self.root / case.id
            directory.mkdir()
            path = case.source if case.source is not None else case.write(directory)
            self.futures[case.id] = self.pool.submit(self._run, path)

    def result(self, case: Case) -> Run:
        self.submit(case)
        return self.futures[case.id].result()

    def _run(self, path: Path) -> Run:
        start = time.perf_counter()
        try:
            done = subprocess.run(
                [str(REGISTRY), "validate", str(path)],
                capture_output=True,
                text=True,
                errors="replace",
                env=self.env,
                timeout=60,
            )
        except subprocess.TimeoutExpired as exc:
            out = exc.stdout.decode(errors="replace") if isinstance(exc.stdout, bytes) else ""
            return Run(path, None, out, "timed out", time.perf_counter() - start)
        return Run(path, done.returncode, done.stdout, done.stderr, time.perf_counter() - start)


@pytest.fixture(scope="module")
def runner(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Runner]:
    run = Runner(tmp_path_factory.mktemp("validate"))
    # Start every selected case now, so the processes overlap instead of queueing one by one.
    for item in request.session.items:
        callspec = getattr(item, "callspec", None)
        if callspec is not None and "runner" in getattr(item, "fixturenames", ()):
            case = callspec.params.get("case")
            if isinstance(case, Case):
                run.submit(case)
    yield run
    run.pool.shutdown(wait=True)
    times = {cid: f.result().seconds for cid, f in run.futures.items() if f.done()}
    if times:
        slowest = max(times, key=lambda cid: times[cid])
        message = (
            f"registry validate: slowest case {slowest} took {times[slowest]:.2f} s "
            f"({len(times)} cases, target 2 s)"
        )
        plugins = request.config.pluginmanager
        reporter = plugins.get_plugin("terminalreporter")
        capture = plugins.get_plugin("capturemanager")
        if reporter is not None and capture is not None:
            with capture.global_and_fixture_disabled():
                reporter.write_line(f"\n{message}")


def _where(case: Case) -> re.Pattern[str]:
    line = f":{case.line}" if case.line is not None else ""
    return re.compile(rf"^(?:.*[/\\])?{re.escape(case.name)}{line}(?::\d+)?: ", re.MULTILINE)


@pytest.mark.slow
@pytest.mark.parametrize("case", _params(CASES))
def test_validate_refuses(case: Case, runner: Runner) -> None:
    run = runner.result(case)
    noise = run.stdout + run.stderr
    assert "Traceback" not in noise, noise
    assert "internal error" not in noise, noise
    assert run.code == 1, noise
    said = [m.string[m.start() :].split("\n", 1)[0] for m in _where(case).finditer(run.stdout)]
    assert said, f"no line '{case.name}:{case.line or ''}:' in:\n{run.stdout}"
    assert any(case.text in s for s in said), f"{case.text!r} not in:\n{run.stdout}"


@pytest.mark.slow
@pytest.mark.parametrize("case", _params(CASES))
def test_validate_prints_one_clean_line_per_problem(case: Case, runner: Runner) -> None:
    run = runner.result(case)
    *problems, summary = run.stdout.rstrip("\n").split("\n")
    assert re.match(r"^\d+ files?, \d+ providers?: \d+ errors?", summary), run.stdout
    assert problems, run.stdout
    for line in problems:
        assert re.match(rf"^(?:.*[/\\])?{re.escape(case.name)}:", line), repr(line)
        assert not CONTROL.search(line), repr(line)


# --- load_registry, one case at a time ----------------------------------------------------------


@pytest.mark.parametrize("case", _params(CASES))
def test_load_registry_refuses(case: Case, tmp_path: Path) -> None:
    path = case.write(tmp_path)
    with pytest.raises(ManifestError) as info:
        load_registry([path], env=False)
    mine = [p for p in info.value.problems if p.file and Path(p.file).name == case.name]
    assert any((case.line is None or p.line == case.line) and case.text in str(p) for p in mine), (
        str(info.value)
    )


def test_bom_does_not_shift_the_reported_byte(tmp_path: Path) -> None:
    path = tmp_path / "bom-latin1.yaml"
    _bom_latin1(path)
    with pytest.raises(ManifestError) as info:
        load_registry([path], env=False)
    assert "byte 0xe9" in str(info.value)


# --- all of them together -----------------------------------------------------------------------


@pytest.fixture(scope="module")
def crowd(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Every case plus one valid manifest, in one directory."""
    directory = tmp_path_factory.mktemp("crowd")
    for case in CASES:
        case.write(directory)
    shutil.copyfile(GOOD_FILE, directory / GOOD_FILE.name)
    return directory


def _names(text: str, name: str) -> bool:
    return re.search(rf"(?:^|[\s/\\]){re.escape(name)}:", text) is not None


def test_lenient_load_leaves_out_each_bad_file(crowd: Path, builtin: Registry) -> None:
    with pytest.warns(ManifestWarning) as record:
        reg = load_registry([crowd], env=False, lenient=True)
    assert GOOD_ID in reg.providers
    assert set(builtin.providers) <= set(reg.providers)
    assert set(reg.providers) == set(builtin.providers) | {GOOD_ID}
    said = [str(w.message) for w in record if issubclass(w.category, ManifestWarning)]
    assert len(said) == len(CASES), "\n".join(said)
    missing = [c.name for c in CASES if not any(_names(s, c.name) for s in said)]
    assert not missing, missing
    assert not any(_names(s, GOOD_FILE.name) for s in said)


def test_strict_load_reports_every_bad_file(crowd: Path) -> None:
    with pytest.raises(ManifestError) as info:
        load_registry([crowd], env=False)
    problems = info.value.problems
    assert {Path(p.file).name for p in problems if p.file} == {c.name for c in CASES}
    missing = [
        c.id
        for c in CASES
        if not any(
            p.file
            and Path(p.file).name == c.name
            and (c.line is None or p.line == c.line)
            and c.text in str(p)
            for p in problems
        )
    ]
    assert not missing, f"expected problem missing in the crowd for: {missing}"


# --- collisions across files --------------------------------------------------------------------

COLLISIONS = sorted(COLLISIONS_DIR.glob("*.yaml"))
CLASHING = [
    _checked_in(p) for p in COLLISIONS if p.read_text(encoding="utf-8").startswith("# expect:")
]
KEPT = {"acme-one": "a-owner.yaml", "acme-dup": "c-dup-first.yaml", "wandb": "wandb.yaml"}
"""Each collision's first-loaded provider, which lenient loading keeps, and its file."""


def test_collision_corpus() -> None:
    assert {c.name for c in CLASHING} == {
        "b-alias-is-other-id.yaml",
        "d-dup-second.yaml",
        "e-builtin-endpoint.yaml",
        "f-builtin-key.yaml",
        "g-builtin-owns.yaml",
    }
    for path in COLLISIONS:
        load_registry([path], builtin=False, env=False)  # each one is valid alone


@pytest.mark.slow
def test_validate_reports_each_collision() -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PROVIDER_REGISTRY")}
    done = subprocess.run(
        [str(REGISTRY), "validate", str(COLLISIONS_DIR)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
    )
    noise = done.stdout + done.stderr
    assert "Traceback" not in noise, noise
    assert done.returncode == 1, noise
    *problems, _summary = done.stdout.rstrip("\n").split("\n")
    assert len(problems) == len(CLASHING), done.stdout
    for case in CLASHING:
        said = [m.string[m.start() :].split("\n", 1)[0] for m in _where(case).finditer(done.stdout)]
        assert any(case.text in s for s in said), f"{case.name}: {case.text!r} not in:\n{noise}"


def test_collisions_strict_and_lenient(builtin: Registry) -> None:
    with pytest.raises(ManifestError) as info:
        load_registry([COLLISIONS_DIR], env=False)
    for case in CLASHING:
        assert any(
            p.file
            and Path(p.file).name == case.name
            and p.line == case.line
            and case.text in str(p)
            for p in info.value.problems
        ), f"{case.name}:\n{info.value}"
    assert {Path(p.file).name for p in info.value.problems if p.file} == {c.name for c in CLASHING}

    with pytest.warns(ManifestWarning) as record:
        reg = load_registry([COLLISIONS_DIR], env=False, lenient=True)
    said = [str(w.message) for w in record if issubclass(w.category, ManifestWarning)]
    assert len(said) == len(CLASHING)
    for case in CLASHING:
        assert any(_names(s, case.name) for s in said), said
    for pid, file in KEPT.items():
        assert Path(reg.files[pid]).name == file
    assert reg.provider("acme-dup").name == "Acme Dup first"
    assert "acme-two" not in reg.providers
    assert "acme-wb" not in reg.providers
    assert set(reg.providers) == set(builtin.providers) | {"acme-one", "acme-dup"}
