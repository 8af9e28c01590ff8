"""Things on the search path that are not files: a device, a named pipe, a name too long to
open. Each is refused with one line naming it, promptly and in bounded memory, and never stops the
other files from being read.

Every case runs in a child process with a generous timeout and a 1 GiB address-space limit, so a
regression (a read of /dev/zero without end, an open that waits for a pipe's writer) fails the
test instead of hanging or exhausting the machine.
"""

from __future__ import annotations

import os
import stat
import subprocess
import sys
import textwrap
from collections.abc import Callable
from pathlib import Path

import pytest

from provider_registry._paths import FileRefused, read_regular

from .conftest import manifest_text

pytestmark = pytest.mark.skipif(
    sys.platform == "win32" or not Path("/dev/zero").exists(), reason="POSIX devices and FIFOs"
)

MEMORY = 1024**3
"""The child's address-space limit (RLIMIT_AS); reading /dev/zero without bound exceeds it."""
TIMEOUT = 30.0
"""A generous bound for work that takes well under a second; the issue asks for 2 s."""
REGISTRY = [sys.executable, "-c", "from provider_registry._cli import run; run()"]


def _limit_memory() -> None:
    import resource

    resource.setrlimit(resource.RLIMIT_AS, (MEMORY, MEMORY))


def run(args: list[str], *, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    """Run ``args`` in a child with bounded memory; fail (never hang) if it takes too long."""
    full_env = {**os.environ, **(env or {})}
    try:
        return subprocess.run(
            args, capture_output=True, text=True, timeout=TIMEOUT, env=full_env,
            preexec_fn=_limit_memory, stdin=subprocess.DEVNULL, check=False,
        )  # fmt: skip
    except subprocess.TimeoutExpired:
        pytest.fail(f"{args[-1]!r} did not finish within {TIMEOUT} s (blocked on a non-file?)")


def _fifo(d: Path) -> Path:
    os.mkfifo(d / "pipe.yaml")
    return d / "pipe.yaml"


def _link(target: str) -> Callable[[Path], Path]:
    def make(d: Path) -> Path:
        (d / "dev.yaml").symlink_to(target)
        return d / "dev.yaml"

    return make


def _long_name(d: Path) -> Path:
    return d / ("a" * 300 + ".yaml")  # a path component over 255 bytes: ENAMETOOLONG


# (id, make the thing in a directory and return its path, what the one line must say)
NON_FILES: list[tuple[str, Callable[[Path], Path], str]] = [
    ("dev-zero", lambda d: Path("/dev/zero"), "not a regular file but a character device"),
    ("dev-urandom", lambda d: Path("/dev/urandom"), "not a regular file but a character device"),
    ("fifo", _fifo, "not a regular file but a named pipe (FIFO)"),
    ("symlink-to-dev-zero", _link("/dev/zero"), "not a regular file but a character device"),
    ("symlink-to-fifo", lambda d: _link(str(_fifo(d)))(d), "not a regular file but a named pipe"),
    ("over-long-name", _long_name, "File name too long"),
]


@pytest.mark.parametrize(
    ("make", "reason"), [c[1:] for c in NON_FILES], ids=[c[0] for c in NON_FILES]
)
def test_validate_refuses_a_non_file_in_one_line(
    make: Callable[[Path], Path], reason: str, tmp_path: Path
) -> None:
    target = make(tmp_path)
    done = run([*REGISTRY, "validate", "--max-age", "off", str(target)])
    assert done.returncode == 1, done.stdout + done.stderr
    said = [line for line in done.stdout.splitlines() if reason in line]
    assert len(said) == 1, done.stdout
    assert said[0].startswith(f"{target}:") or said[0].startswith(f"{target.name}:"), said[0]
    assert "internal error" not in done.stderr, done.stderr
    assert "Traceback" not in done.stderr, done.stderr


def _bad_directory(d: Path) -> Path:
    """A drop-in directory holding each kind of non-file beside one sound manifest."""
    d.mkdir()
    (d / "zero.yaml").symlink_to("/dev/zero")
    (d / "random.yml").symlink_to("/dev/urandom")
    os.mkfifo(d / "pipe.yaml")
    (d / "acme.yaml").write_text(manifest_text("acme"), encoding="utf-8")
    return d


def test_validate_reports_every_non_file_in_a_directory_and_reads_the_rest(
    tmp_path: Path,
) -> None:
    d = _bad_directory(tmp_path / "dropin")
    done = run([*REGISTRY, "validate", "--max-age", "off", "--format", "json", str(d)])
    assert done.returncode == 1, done.stderr
    import json

    report = json.loads(done.stdout)
    refused = {Path(p["file"]).name: p["message"] for p in report["problems"]}
    assert refused == {
        "zero.yaml": "not a regular file but a character device",
        "random.yml": "not a regular file but a character device",
        "pipe.yaml": "not a regular file but a named pipe (FIFO)",
    }
    assert "acme" in report["providers"]  # the sound file beside them was read and validated


LOAD = textwrap.dedent(
    """
    import logging, warnings
    logging.basicConfig(level=logging.WARNING)
    warnings.simplefilter("always")
    from provider_registry import RegistryError, load_registry, resolve
    for step in (lambda: load_registry(), lambda: resolve("acme/m1")):
        try:
            step()
            print("ok")
        except RegistryError as exc:
            print(type(exc).__name__, exc)
    """
)


def test_load_and_resolve_refuse_a_non_file_on_the_search_path(tmp_path: Path) -> None:
    d = _bad_directory(tmp_path / "dropin")
    done = run([sys.executable, "-c", LOAD], env={"PROVIDER_REGISTRY_PATH": str(d)})
    said = done.stdout + done.stderr
    assert done.returncode == 0, said
    assert "Traceback" not in said, said
    assert "MemoryError" not in said, said
    for name, reason in (("zero.yaml", "character device"), ("pipe.yaml", "named pipe")):
        assert any(name in line and reason in line for line in said.splitlines()), said


def test_load_registry_refuses_an_over_long_path_on_the_search_path(tmp_path: Path) -> None:
    done = run(
        [sys.executable, "-c", LOAD], env={"PROVIDER_REGISTRY_PATH": str(_long_name(tmp_path))}
    )
    said = done.stdout + done.stderr
    assert done.returncode == 0, said
    assert "Traceback" not in said, said
    assert "File name too long" in said, said


@pytest.mark.parametrize(
    "command",
    [["audit", "--against", "litellm"], ["import", "litellm", "-o", "{out}"]],
    ids=["audit", "import"],
)
def test_catalog_commands_refuse_a_fifo(command: list[str], tmp_path: Path) -> None:
    # The other catalogs read by `audit`, `sync` and `import` go through the same reader.
    pipe = tmp_path / "catalog.json"
    os.mkfifo(pipe)
    args = [a.format(out=tmp_path / "out") for a in command]
    done = run([*REGISTRY, *args, str(pipe)])
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"{pipe}: not a regular file but a named pipe" in done.stderr, done.stderr


# In-process checks of the reader itself; these cannot hang, as the cases above prove.


def test_the_reader_refuses_a_fifo_without_waiting_for_a_writer(tmp_path: Path) -> None:
    with pytest.raises(FileRefused, match="named pipe"):
        read_regular(_fifo(tmp_path))


def test_the_reader_counts_bytes_and_never_trusts_the_size_it_is_told(tmp_path: Path) -> None:
    f = tmp_path / "f.yaml"
    f.write_bytes(b"x" * 101)
    assert read_regular(f, limit=101) == b"x" * 101
    with pytest.raises(FileRefused, match="above the limit of 100 bytes") as info:
        read_regular(f, limit=100)
    assert info.value.too_large


def test_the_reader_refuses_a_directory(tmp_path: Path) -> None:
    with pytest.raises(FileRefused, match="not a regular file but a directory"):
        read_regular(tmp_path)
    assert stat.S_ISDIR(os.stat(tmp_path).st_mode)


def test_the_reader_refuses_a_fifo_a_listing_called_a_regular_file(tmp_path: Path) -> None:
    """A file a directory listing showed as regular is opened without a stat first; what was
    swapped in meanwhile is still refused, before a byte is read and without waiting."""
    with pytest.raises(FileRefused, match="named pipe"):
        read_regular(_fifo(tmp_path), regular=True)
    with pytest.raises(FileRefused, match="not a regular file but a directory"):
        read_regular(tmp_path, regular=True)
