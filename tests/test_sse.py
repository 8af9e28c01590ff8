"""The server-sent-event decoder a stream's body goes through, bytes in, events out, and the
JSON reading of each event (and of a reply)."""

from __future__ import annotations

import json

import hypothesis.strategies as st
from hypothesis import given

from provider_registry._json import NOT_JSON, parse_json
from provider_registry.dialects import SSEDecoder

# Text a body can carry: no line ends inside a line, and no lone surrogates (not UTF-8; older
# Hypothesis releases generate them unless told not to).
_CHARS = st.characters(exclude_categories=("Cs",), exclude_characters="\r\n")
# (a comment before it?, its name, its data lines): a lone data line without either is the
# decoder's fast path, anything else its line-by-line one.
_EVENT = st.tuples(
    st.booleans(),
    st.sampled_from(["", "message", "error", "content_block_delta"]),
    st.lists(st.text(_CHARS, max_size=12), min_size=1, max_size=3),
)


def _body(events: list[tuple[bool, str, list[str]]], newline: str) -> bytes:
    out = []
    for comment, name, lines in events:
        if comment:
            out.append(": a comment" + newline)
        if name:
            out.append(f"event: {name}{newline}")
        out.extend(f"data: {line}{newline}" for line in lines)
        out.append(newline)
    return "".join(out).encode()


def _read(body: bytes, cuts: list[int]) -> list[tuple[str, bytes]]:
    decoder, events, start = SSEDecoder(), [], 0
    for cut in [*sorted(cuts), len(body)]:
        events += decoder.feed(body[start:cut])
        start = cut
    return events


@given(st.lists(_EVENT, max_size=6), st.sampled_from(["\n", "\r\n", "\r"]), st.data())
def test_any_split_of_the_body_gives_the_events_it_holds(
    events: list[tuple[bool, str, list[str]]], newline: str, data: st.DataObject
) -> None:
    body = _body(events, newline)
    cuts = data.draw(st.lists(st.integers(0, len(body)), max_size=8))
    expected = [(name or "message", "\n".join(lines).encode()) for _, name, lines in events]
    assert _read(body, cuts) == expected


def test_an_event_the_body_does_not_end_is_not_given() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: {}\n\ndata: half") == [("message", b"{}")]


def test_an_empty_read_between_a_cr_and_its_lf() -> None:
    # Found by the property above: the empty read must not forget the CR before it.
    body = b"data: 0\r\n\r\nevent: error\r\ndata: \r\n\r\n"
    cut = body.index(b"error") + len(b"error\r")
    assert _read(body, [cut, cut]) == [("message", b"0"), ("error", b"")]


def test_utf8_split_inside_a_character() -> None:
    body = 'data: "é✓"\n\n'.encode()
    assert _read(body, [8, 9, 10, 11]) == [("message", '"é✓"'.encode())]


# --- the JSON of each event, and of a reply -------------------------------------------------------

_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(_CHARS),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(_CHARS), inner, max_size=3),
    max_leaves=8,
)


@st.composite
def _json_texts(draw: st.DrawFn) -> str:
    """JSON text, or JSON text with one character put in somewhere (mostly no longer JSON)."""
    text = json.dumps(draw(_VALUES), ensure_ascii=draw(st.booleans()))
    if draw(st.booleans()):
        at = draw(st.integers(0, len(text)))
        text = text[:at] + draw(st.sampled_from(list('{}[],:"\\ -.eE0nNI\x00\u00e9'))) + text[at:]
    return text


@given(_json_texts())
def test_the_fast_parser_reads_json_as_the_standard_library_does(text: str) -> None:
    try:
        expected = json.loads(text)
    except ValueError:
        expected = NOT_JSON
    got = parse_json(text.encode())
    # dumps compares what a caller sees: 1 and 1.0 differ, NaN equals NaN
    assert json.dumps(got, default=repr) == json.dumps(expected, default=repr)


def test_what_the_fast_parser_refuses_the_standard_library_still_reads() -> None:
    assert parse_json(b'"\\ud83d"') == "\ud83d"  # a lone surrogate escape
    assert parse_json('{"a": "é"}'.encode("utf-16")) == {"a": "é"}  # a reply in UTF-16
    assert parse_json(b'"caf\xe9"') is NOT_JSON  # not UTF-8: refused in a reply...
    assert parse_json(b'"caf\xe9"', replace=True) == "caf\ufffd"  # ...read as U+FFFD in a stream
