"""The server-sent-event decoder a stream's body goes through, bytes in, events out."""

from __future__ import annotations

import hypothesis.strategies as st
from hypothesis import given

from provider_registry.dialects import SSEDecoder

# Text a body can carry: no line ends inside a line, and no lone surrogates (not UTF-8; older
# Hypothesis releases generate them unless told not to).
_CHARS = st.characters(exclude_categories=("Cs",), exclude_characters="\r\n")
_EVENT = st.tuples(
    st.sampled_from(["", "message", "error", "content_block_delta"]),
    st.lists(st.text(_CHARS, max_size=12), min_size=1, max_size=3),
)


def _body(events: list[tuple[str, list[str]]], newline: str) -> bytes:
    out = []
    for name, lines in events:
        out.append(": a comment" + newline)
        if name:
            out.append(f"event: {name}{newline}")
        out.extend(f"data: {line}{newline}" for line in lines)
        out.append(newline)
    return "".join(out).encode()


def _read(body: bytes, cuts: list[int]) -> list[tuple[str, str]]:
    decoder, events, start = SSEDecoder(), [], 0
    for cut in [*sorted(cuts), len(body)]:
        events += decoder.feed(body[start:cut])
        start = cut
    return events


@given(st.lists(_EVENT, max_size=6), st.sampled_from(["\n", "\r\n", "\r"]), st.data())
def test_any_split_of_the_body_gives_the_events_it_holds(
    events: list[tuple[str, list[str]]], newline: str, data: st.DataObject
) -> None:
    body = _body(events, newline)
    cuts = data.draw(st.lists(st.integers(0, len(body)), max_size=8))
    expected = [(name or "message", "\n".join(lines)) for name, lines in events]
    assert _read(body, cuts) == expected


def test_an_event_the_body_does_not_end_is_not_given() -> None:
    decoder = SSEDecoder()
    assert decoder.feed(b"data: {}\n\ndata: half") == [("message", "{}")]


def test_utf8_split_inside_a_character() -> None:
    body = 'data: "é✓"\n\n'.encode()
    assert _read(body, [8, 9, 10, 11]) == [("message", '"é✓"')]
