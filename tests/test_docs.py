"""`registry docs` and the page generator: pages current, hand-written text kept, foreign files
left alone."""

from __future__ import annotations

import datetime
import io
import shutil
from pathlib import Path

import pytest

from provider_registry import load_registry
from provider_registry._cli import main
from provider_registry._docs import BEGIN, END, plan_pages, rate_text, render_provider, update_page
from provider_registry._loader import load_manifest
from provider_registry._manifest import Provider

from .conftest import ROOT, manifest_text

DOCS = ROOT / "docs" / "providers"

SMALL = manifest_text(
    "acme",
    """\
  big-1:
    aliases: [big]
    context_window: 1000000
    max_output_tokens: 8192
    price:
      input: 1.25
      output: 10
      cache_read: 0.125
      tiers: [{above_input_tokens: 200000, input: 2.5, output: 15}]
    supports: [streaming, tools]
  Alpha-embed:
    mode: embedding
    price: {input: 0.02, since: 2025-06-01}
    price_history: [{input: 0.01, until: 2025-06-01}]
  old-1:
    status: retired
    deprecated_on: 2025-01-01
    retired_on: 2025-02-01
    replacement: big-1
""",
    extra="""\
docs_url: https://docs.acme.example/api
aliases: [acme_ai]
owns: [big-*]
params:
  region:
    send_as: {header: X-Region}
    env: ACME_REGION
    default: eu
    pattern: 'eu|us'
    description: |
      Where requests
      are served.
request:
  rename: {max_completion_tokens: max_tokens}
  unsupported: [logprobs]
  defaults: {max_tokens: 1024}
interop: {litellm: [acme_litellm], models_dev: [acme-dev]}
sources:
  - {id: pricing, name: 'Acme [beta] pricing', url: 'https://acme.example/pricing',
     as_of: 2026-01-31}
  - {id: notes, file: notes.txt, as_of: 2026-01-02, checked: 2026-01-05, note: 'by *hand*'}
""",
)


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    out = io.StringIO()
    code = main(argv, out=out)
    return code, out.getvalue(), capsys.readouterr().err


@pytest.fixture
def small() -> Provider:
    return load_manifest(SMALL)


@pytest.fixture
def docs_copy(tmp_path: Path) -> Path:
    """A copy of the checked-in pages, regenerated (so that a manifest changed since the last
    `registry docs` does not fail tests other than the two about the checkout), to change."""
    copy = tmp_path / "providers"
    shutil.copytree(DOCS, copy)
    assert main(["docs", "-o", str(copy)], out=io.StringIO()) == 0
    return copy


# --- the checked-in pages -------------------------------------------------------------------


def test_checked_in_pages_are_current() -> None:
    """Regenerate every page in memory and compare: fails on a stale, missing or extra page."""
    states = plan_pages(load_registry(env=False).providers, DOCS)
    wrong = [s.reason or f"{s.path.name} is {s.state}" for s in states if s.state != "current"]
    assert not wrong, "run `registry docs` to regenerate: " + "; ".join(wrong)


def test_check_passes_on_the_checkout(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = run(["docs", "--check"], capsys)
    assert code == 0, out
    assert out.endswith(" up to date\n")


def test_check_fails_on_stale_missing_and_extra_pages(
    docs_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    openai = docs_copy / "openai.md"
    current = openai.read_bytes()
    openai.write_text(openai.read_text(encoding="utf-8").replace("2.50", "2.49"), encoding="utf-8")
    (docs_copy / "anthropic.md").unlink()
    gone = update_page(None, load_manifest(manifest_text("gone")))
    (docs_copy / "gone.md").write_text(gone, encoding="utf-8")
    (docs_copy / "index.md").write_text("# Providers\n", encoding="utf-8")  # not ours: ignored
    before = {p.name: p.read_bytes() for p in docs_copy.iterdir()}

    code, out, _ = run(["docs", "--check", "-o", str(docs_copy)], capsys)
    assert code == 1
    lines = out.splitlines()
    assert f"{docs_copy / 'openai.md'} is stale" in lines
    assert f"{docs_copy / 'anthropic.md'} is missing" in lines
    assert f"{docs_copy / 'gone.md'} documents no provider 'gone': delete it" in lines
    assert lines[-1] == "3 pages out of date: run `registry docs`"
    assert {p.name: p.read_bytes() for p in docs_copy.iterdir()} == before, "--check wrote"

    code, out, _ = run(["docs", "-o", str(docs_copy)], capsys)
    assert code == 0
    assert f"wrote {docs_copy / 'openai.md'}" in out
    assert f"removed {docs_copy / 'gone.md'}: no provider 'gone'" in out
    assert (docs_copy / "index.md").read_text(encoding="utf-8") == "# Providers\n"
    assert run(["docs", "--check", "-o", str(docs_copy)], capsys)[0] == 0
    assert openai.read_bytes() == current


def test_regenerating_is_a_no_op(docs_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    before = {p.name: p.read_bytes() for p in docs_copy.iterdir()}
    code, out, _ = run(["docs", "-o", str(docs_copy)], capsys)
    assert code == 0
    assert "wrote" not in out
    assert out == f"{len(before)} pages in {docs_copy}: 0 written, {len(before)} unchanged\n"
    assert {p.name: p.read_bytes() for p in docs_copy.iterdir()} == before


def test_wandb_page_keeps_its_guide() -> None:
    text = (DOCS / "wandb.md").read_text(encoding="utf-8")
    assert text.startswith("# Weights & Biases Inference\n\nW&B Inference serves open models")
    assert "## The `project` parameter" in text
    head, _, tail = text.partition(BEGIN + "\n")
    assert head.endswith("## Reference (generated from providers/wandb.yaml)\n\n")
    assert tail.endswith(END + "\n")
    assert "\n### W&B Inference (CoreWeave Serverless Inference)\n" in tail, (
        "nested under the Reference heading"
    )


# --- update_page: what survives -------------------------------------------------------------

GUIDE = f"""\
# Acme guide

Hand-written intro.

```sh
# a comment, not a heading
```

## Reference

{BEGIN}
old generated text
{END}

Hand-written closing words.
"""


def test_text_outside_the_markers_survives(small: Provider) -> None:
    page = update_page(GUIDE, small)
    before, _, rest = page.partition(BEGIN + "\n")
    block, _, after = rest.partition(END + "\n")
    assert before == GUIDE.partition(BEGIN)[0]
    assert after == "\nHand-written closing words.\n"
    assert "old generated text" not in page
    assert "\n### Acme\n" in block  # below "## Reference", not below the fenced "# a comment"
    assert "\n#### Models\n" in block
    assert update_page(page, small) == page


def test_the_checkout_survives_regeneration(
    docs_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    wandb = docs_copy / "wandb.md"
    guide = wandb.read_text(encoding="utf-8")
    begin, end = guide.index(BEGIN), guide.index(END)
    wandb.write_text(guide[:begin] + BEGIN + "\nstale\n" + guide[end:] + "\nP.S.\n", "utf-8")
    assert run(["docs", "-o", str(docs_copy)], capsys)[0] == 0
    assert wandb.read_text(encoding="utf-8") == guide + "\nP.S.\n"


# (existing text, refused?)
EXISTING = [
    (None, False),
    ("", False),
    ("\n  \n", False),
    (f"{BEGIN}\n{END}\n", False),
    ("My own notes about acme.\n", True),
    (f"notes\n{BEGIN}\nno end\n", True),
    (f"{END}\n{BEGIN}\n", True),
    (f"{BEGIN}\n{END}\n{BEGIN}\n{END}\n", True),
]


@pytest.mark.parametrize(("existing", "refused"), EXISTING)
def test_update_page_refuses_foreign_files(
    existing: str | None, refused: bool, small: Provider
) -> None:
    if refused:
        with pytest.raises(Exception, match=r"acme\.md") as exc:
            update_page(existing, small, "docs/acme.md")
        assert type(exc.value).__name__ == "CommandError"
    else:
        page = update_page(existing, small, "docs/acme.md")
        assert page.startswith(BEGIN + "\n")
        assert page.endswith(END + "\n")


def test_command_refuses_a_markerless_page(
    docs_copy: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    mine = docs_copy / "openai.md"
    mine.write_text("Notes I wrote myself.\n", encoding="utf-8")
    (docs_copy / "anthropic.md").unlink()

    code, out, err = run(["docs", "-o", str(docs_copy)], capsys)
    assert (code, out) == (1, "")
    assert err.startswith(f"registry: error: refusing to overwrite {mine}: it has no ")
    assert err.count("\n") == 1
    assert mine.read_text(encoding="utf-8") == "Notes I wrote myself.\n"
    assert not (docs_copy / "anthropic.md").exists(), "nothing is written when any page is refused"

    code, out, _ = run(["docs", "--check", "-o", str(docs_copy)], capsys)
    assert code == 1
    assert f"refusing to overwrite {mine}" in out


def test_empty_page_is_filled(docs_copy: Path, capsys: pytest.CaptureFixture[str]) -> None:
    page = docs_copy / "openai.md"
    current = page.read_bytes()
    page.write_text("", encoding="utf-8")
    assert run(["docs", "-o", str(docs_copy)], capsys)[0] == 0
    assert page.read_bytes() == current


def test_default_directory_must_exist(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr("provider_registry._registry.builtin_dir", lambda: tmp_path / "providers")
    code, _, err = run(["docs", "--check"], capsys)
    assert code == 1
    assert "no docs/providers directory" in err
    assert "pass -o DIR" in err


# --- render_provider --------------------------------------------------------------------------


def test_render_provider_tables(small: Provider) -> None:
    text = render_provider(small)
    lines = text.splitlines()
    assert lines[0] == "# Acme"
    expected = [
        "Provider id `acme`: model names are `acme/<model>`. "
        "API documentation: <https://docs.acme.example/api>.",
        "| base URL | `https://acme.example/v1` |",
        "| base URL override | - |",
        "| endpoints | `acme.example/v1` |",
        "The key is read from `ACME_API_KEY` and sent in the header `Authorization: Bearer <key>`.",
        "| name | required | env | sent as | pattern | description |",
        r"| `region` | no (default `eu`) | `ACME_REGION` | header `X-Region` | `eu\|us` "
        "| Where requests are served. |",
        "- `max_completion_tokens` is sent as `max_tokens`",
        "- not accepted (dropped with a warning): `logprobs`",
        "- `max_tokens` defaults to `1024`",
        "- Other prefixes that select this provider: `acme_ai`",
        "- Bare model names it owns: `big-*`",
        "- LiteLLM provider names: `acme_litellm`",
        "- models.dev provider ids: `acme-dev`",
        r"- [pricing](<https://acme.example/pricing>) (Acme \[beta] pricing; as of 2026-01-31)",
        "- `notes` (`notes.txt`; as of 2026-01-02; checked against the provider on 2026-01-05)",
        r"  by \*hand\*",
        "3 models, 1 of them retired. Prices are USD per 1M tokens; - means not published.",
        "| model | aliases | mode | context | max out | $ in | $ out | $ cache read "
        "| $ cache write | tiers | supports | status | source |",
        "| `Alpha-embed` | - | embedding | - | - | 0.02 | - | - | - | - | - | ga "
        "| `pricing` 2026-01-31 |",
        "| `big-1` | `big` | chat | 1,000,000 | 8,192 | 1.25 | 10.00 | 0.125 | - "
        "| above 200,000 prompt tokens: in 2.50, out 15.00 | streaming, tools | ga "
        "| `pricing` 2026-01-31 |",
        "| `old-1` | - | chat | - | - | - | - | - | - | - | - "
        "| deprecated on 2025-01-01; retired on 2025-02-01; use `big-1` | `pricing` 2026-01-31 |",
        "- `Alpha-embed`:",
        "  - until 2025-06-01: in 0.01",
        "  - since 2025-06-01: in 0.02",
    ]
    missing = [line for line in expected if line not in lines]
    assert not missing, "\n".join(missing)
    models = [line for line in lines if line.startswith("| `")]
    assert [m.split("`")[1] for m in models][-3:] == ["Alpha-embed", "big-1", "old-1"]


def test_render_provider_is_deterministic(small: Provider) -> None:
    text = render_provider(small)
    assert render_provider(load_manifest(SMALL)) == text
    assert datetime.date.today().isoformat() not in text
    assert BEGIN not in text
    assert END not in text


def test_render_provider_without_a_key_or_extras() -> None:
    p = load_manifest(
        "schema_version: 1\nid: local\nname: Local_server *dev*\napi:\n  dialect: openai\n"
        "  base_url: http://localhost:8000/v1\nauth: {required: false}\n"
    )
    text = render_provider(p, level=2)
    assert text.startswith(r"## Local_server \*dev\*" + "\n")
    assert "\nNo key needed.\n" in text
    assert "\nNo provider-specific parameters.\n" in text
    assert "\nThe manifest lists no models.\n" in text
    for absent in ("Request rules", "Names", "Sources", "Price history"):
        assert f"### {absent}" not in text


@pytest.mark.parametrize(
    ("value", "text"),
    [("2.5", "2.50"), ("10.0", "10.00"), ("10", "10.00"), ("0", "0.00"), ("0.075", "0.075"),
     ("0.0000001", "0.0000001"), ("1E+2", "100.00"), ("0.10", "0.10")],
)  # fmt: skip
def test_rate_text_is_exact(value: str, text: str) -> None:
    from decimal import Decimal

    assert rate_text(Decimal(value)) == text
    assert Decimal(rate_text(Decimal(value))) == Decimal(value)
