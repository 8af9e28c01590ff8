"""A test-only writer of AWS event-stream messages (``application/vnd.amazon.eventstream``),
the framing of Bedrock's ConverseStream, so the test servers can speak it. botocore reads this
framing but has no writer; the library itself never writes it.

A message, as AWS documents it: a 12-byte prelude (total length and headers length, each a
4-byte big-endian integer, then the CRC32 of those 8 bytes), the headers, the payload, and the
CRC32 of everything before it. A header is its name's length (1 byte), the name, its value type
(7: a string), the value's length (2 bytes) and the value.
"""

from __future__ import annotations

import json
import struct
import zlib
from typing import Any

_STRING = 7


def _headers(headers: dict[str, str]) -> bytes:
    out = b""
    for name, value in headers.items():
        raw_name, raw_value = name.encode(), value.encode()
        out += struct.pack(">B", len(raw_name)) + raw_name
        out += struct.pack(">BH", _STRING, len(raw_value)) + raw_value
    return out


def frame(headers: dict[str, str], payload: bytes) -> bytes:
    """One event-stream message."""
    head = _headers(headers)
    total = 12 + len(head) + len(payload) + 4
    prelude = struct.pack(">II", total, len(head))
    prelude += struct.pack(">I", zlib.crc32(prelude))
    body = prelude + head + payload
    return body + struct.pack(">I", zlib.crc32(body))


def event(name: str, data: dict[str, Any]) -> bytes:
    """An event message, as ConverseStream sends each of its events."""
    headers = {":event-type": name, ":content-type": "application/json", ":message-type": "event"}
    return frame(headers, json.dumps(data).encode())


def exception(name: str, message: str) -> bytes:
    """An exception message (a throttling or model error met mid-stream)."""
    headers = {
        ":exception-type": name,
        ":content-type": "application/json",
        ":message-type": "exception",
    }
    return frame(headers, json.dumps({"message": message}).encode())
