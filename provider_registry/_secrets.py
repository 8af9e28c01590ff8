"""Masking of secrets for every repr, log line, error and CLI output.

What "never shown" means, everywhere in the library: no run of more than 4 characters of a key
(its last 4 at most, and nothing of a key under 16 characters) in any case or common encoding.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Iterable, Mapping

__all__ = [
    "SECRET_HEADERS",
    "key_flaw",
    "mask_secret",
    "redact_headers",
    "redact_url",
    "scrub",
    "scrub_all",
]

_SHOWN = 4
_MIN_LENGTH_TO_SHOW = 16  # below this, even the last 4 characters say too much
_MASK = "****"


def mask_secret(secret: str | None) -> str | None:
    """``'sk-abcdef0123456789'`` -> ``'****6789'``; short secrets are fully hidden.

    >>> mask_secret("sk-abcdef0123456789"), mask_secret("short"), mask_secret(None)
    ('****6789', '****', None)
    """
    if secret is None:
        return None
    shown = secret[-_SHOWN:]
    # A key that ends in a line break (or other junk) would carry it into every line it is on.
    if len(secret) < _MIN_LENGTH_TO_SHOW or not (shown.isascii() and shown.isprintable()):
        return _MASK
    return _MASK + shown


SECRET_HEADERS = frozenset(
    {
        "authorization",
        "proxy-authorization",
        "api-key",
        "x-api-key",
        "x-goog-api-key",
        "x-amz-security-token",
    }
)
"""Headers whose values are always masked when the library shows headers."""

# Only these two headers put an auth scheme before the credentials (RFC 9110 section 11), and only
# a scheme known to be one is kept in view: the first word of a bare key is part of the key.
_SCHEMED_HEADERS = frozenset({"authorization", "proxy-authorization"})
_SCHEMES = frozenset(
    {"basic", "bearer", "digest", "dpop", "gnap", "hoba", "mutual", "negotiate", "ntlm",
     "oauth", "privatetoken", "token", "apikey", "aws4-hmac-sha256"}
)  # fmt: skip


def redact_headers(
    headers: Mapping[str, str] | Iterable[tuple[str, str]], extra: Iterable[str] = ()
) -> dict[str, str]:
    """Headers as the library prints them: secret values masked to their last 4 characters.
    The auth scheme of an ``Authorization`` value stays in view; any other secret header's
    value is a bare key, masked whole even when it holds a space.

    >>> redact_headers({"Authorization": "Bearer sk-abcdef0123456789", "OpenAI-Project": "t/p"})
    {'Authorization': 'Bearer ****6789', 'OpenAI-Project': 't/p'}
    >>> redact_headers({"api-key": "two words-0123456789"})
    {'api-key': '****6789'}
    """
    secret = SECRET_HEADERS | {h.lower() for h in extra}
    items = headers.items() if isinstance(headers, Mapping) else headers
    out: dict[str, str] = {}
    for name, value in items:
        lower = name.lower()
        if lower in secret:
            scheme, sep, token = value.partition(" ")
            if sep and lower in _SCHEMED_HEADERS and scheme.lower() in _SCHEMES:
                value = f"{scheme} {mask_secret(token)}"
            else:
                value = str(mask_secret(value))
        out[name] = value
    return out


# User information (``//user:secret@``, up to the last "@" before the path), and a query or
# fragment parameter whose name says it carries a credential. Found by pattern rather than by
# parsing, so a URL that does not parse is masked all the same.
_USERINFO = re.compile(r"//[^/?#]*@")
_PARAMETER = re.compile(r"(?P<lead>[?&#;])(?P<name>[^=&#;]*)=(?P<value>[^&#;]*)")
_SECRET_NAME = re.compile(r"key|token|secret|passw|pwd|auth|sig|credential|session|code", re.I)


def redact_url(url: str) -> str:
    """``url`` as the library prints it: any user information (``user:secret@``) and the value
    of every query parameter whose name looks like a credential (``key``, ``token``, ``sig``,
    ...) masked whole.

    >>> redact_url("https://user:pw@proxy.example/v1?key=s3cret&region=eu")
    'https://****@proxy.example/v1?key=****&region=eu'
    """
    url = _USERINFO.sub("//" + _MASK + "@", url, count=1)
    return _PARAMETER.sub(_masked_parameter, url) if ("?" in url or "#" in url) else url


def _masked_parameter(m: re.Match[str]) -> str:
    if not m["value"] or not _SECRET_NAME.search(m["name"]):
        return m[0]
    return f"{m['lead']}{m['name']}={_MASK}"


_CONTROL_NAMES = {
    "\r": "a carriage return (\\r)",
    "\n": "a line feed (\\n)",
    "\0": "a NUL character (\\0)",
    "\t": "a tab (\\t)",
}


def key_flaw(key: str) -> tuple[str, str, str | None] | None:
    """Why ``key`` cannot go in an HTTP header, as (the problem, the fix with ``{where}`` for
    the place the key came from, a likely cause or None); None for a usable key. None of it
    holds any of the key but the offending character (a control or non-ASCII one, which no real
    key holds). A usable key is printable ASCII (0x21 to 0x7E), with spaces inside only: h11
    refuses anything else, but only once the request is being sent, in an exception (and an
    httpcore log line) that quotes the whole header.

    >>> key_flaw("sk-abcdef0123456789\\r")[0]
    'ends with a carriage return (\\\\r)'
    >>> key_flaw("sk-abcdef0123456789") is None
    True
    """
    if not key:
        return "is empty", "give the key itself, or no key at all", None
    if key != key.strip(" "):
        return (
            "begins or ends with a space",
            "strip the leading and trailing spaces from {where}",
            None,
        )
    for index, char in enumerate(key):
        if " " <= char <= "~":
            continue
        what = _character(char)
        if char in "\r\n" and not key[index:].strip("\r\n"):
            if "\r" in key[index:]:
                cause = "a .env file saved with CRLF line endings leaves one on every value"
                return f"ends with {what}", "strip the trailing \\r from {where}", cause
            cause = "a key read from a file keeps the file's line break"
            return f"ends with {what}", "strip the trailing line break from {where}", cause
        kind = "non-ASCII" if ord(char) > 0x7F else "control"
        return (
            f"holds {what} at position {index + 1} of {len(key)}",
            f"remove the {kind} character at position {index + 1} from {{where}}",
            "a key copied from a web page or a document often brings one along",
        )
    return None


def _character(char: str) -> str:
    if char in _CONTROL_NAMES:
        return _CONTROL_NAMES[char]
    import unicodedata

    name = unicodedata.name(char, "")
    code = f"U+{ord(char):04X}"
    kind = "a non-ASCII character" if ord(char) > 0x7F else "a control character"
    return f"{kind} ({code} {name})" if name else f"{kind} ({code})"


# --- scrubbing ---------------------------------------------------------------------------------

_MIN_SCRUBBED = 4
"""A key shorter than this is not looked for in text: it would match nearly anywhere."""
_RUN = _SHOWN + 1
"""The shortest run of a key's characters that counts as showing it."""

# The spellings an echo may give one character besides itself, each looked for at every
# position (in a lookahead, so spellings may overlap and every reading of a backslash is
# tried): the character behind backslashes (\" in JSON, \\\\" in a repr of JSON), an escape
# code, an HTML character reference, percent-encoded UTF-8 (encoded once or twice), and "+"
# for a space. Each starts with one of _INTRODUCERS and is at most _LONGEST characters long
# (more backslashes in front are introducers of their own).
_X = "[0-9A-Fa-f]"
_BEHIND_BACKSLASHES = re.compile(r"(?=\\+(.))", re.DOTALL)
_ESCAPE_CODE = re.compile(
    rf"(?=(\\+(?:u(?P<high>[dD][89abAB]{_X}{{2}})\\+u(?P<low>[dD][c-fC-F]{_X}{{2}})"
    rf"|U(?P<long>{_X}{{8}})|u(?P<short>{_X}{{4}})|x(?P<byte>{_X}{{2}})|(?P<named>[nrtbfv0]))))"
)
_HTML_REFERENCE = re.compile(rf"(?=(&#(?:(?P<dec>[0-9]{{1,7}})|[xX](?P<hex>{_X}{{1,6}}));))")
_PERCENT = re.compile(rf"(?=((?:%(?:25)?{_X}{{2}}){{1,4}}))")
_PERCENT_BYTE = re.compile(rf"%(?:25)?({_X}{{2}})")
_NAMED = {"n": "\n", "r": "\r", "t": "\t", "b": "\b", "f": "\f", "v": "\v", "0": "\0"}
_INTRODUCERS = "\\%&"
_LONGEST = 20  # a 4-byte UTF-8 character percent-encoded twice: %25F0%259F%2598%2580
_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def scrub(text: str, secret: str | None) -> str:
    """``text`` with every run of 5 or more characters of ``secret`` (the whole of a key of 4)
    replaced by ``****``, so even a partial echo of a key (a provider's "invalid key sk-abc...")
    cannot pass through an error message. A run is found in any ASCII case (an upper-cased copy
    of the key) and in any spelling an echo may give its characters, mixed freely: behind
    backslashes, as ``\\xXX``, ``\\uXXXX`` or ``\\UXXXXXXXX`` escapes (JSON, repr), as ``%xx``
    percent-encoding in either case (once or twice), as HTML character references; and as
    base64 of any stretch of the key (standard or URL-safe alphabet, padded or not, at any
    offset, as in a ``Basic user:key`` credential), and as the hex of its UTF-8 bytes in either
    case. Keys under 4 characters are not looked for: they would match ordinary words.

    Ordinary text that holds 5 of the key's characters in a row is masked too: an error message
    loses a word rather than keep a piece of the key.

    >>> scrub('bad key "sk-abcdef0123456789"', "sk-abcdef0123456789")
    'bad key "****"'
    >>> scrub("bad key SK-ABCDEF0123456789, ends sk%2dabc", "sk-abcdef0123456789")
    'bad key ****, ends ****'
    """
    if not secret or len(secret) < _MIN_SCRUBBED or not text:
        return text
    spans = []
    for start, end in _regions(text, secret):
        spans += [(start + a, start + b) for a, b in _runs(text[start:end], _targets(secret))]
    if not spans:
        return text
    out, shown = [], 0
    for start, end in sorted(spans):
        if end <= shown:
            continue
        if start >= shown:
            out += [text[shown:start], _MASK]
        shown = end
    out.append(text[shown:])
    return "".join(out)


def scrub_all(text: str, secrets: Iterable[str | None]) -> str:
    """``text`` scrubbed of each of ``secrets`` (a key, or a signing credential's parts).

    >>> scrub_all("id AKIDEXAMPLEKEYID, tok-abcdefghij", ["AKIDEXAMPLEKEYID", "tok-abcdefghij"])
    'id ****, ****'
    """
    for secret in secrets:
        text = scrub(text, secret)
    return text


class _Targets:
    """What a run is looked for in: the key and its hex (in any ASCII case) and its base64
    spellings, laid end to end with a gap between them, so "the next character" never crosses
    from one to the next; with the shortest run that counts in each, and those runs as plain
    text."""

    def __init__(self, secret: str) -> None:
        import base64

        run = min(_RUN, len(secret))
        data = secret.encode("utf-8", "surrogatepass")
        width = (8 * run - 4) // 6  # the whole base64 characters `run` bytes always give
        # The key, and the hex of its bytes (a dump, a debug line), both in any case.
        spelled: list[tuple[str, int, bool]] = [(secret, run, True), (data.hex(), 2 * run, True)]
        for shift in range(3):
            encoded = base64.b64encode(bytes(shift) + data).decode("ascii")
            whole = encoded[-(-8 * shift // 6) : 8 * (shift + len(data)) // 6]
            urlsafe = whole.replace("+", "-").replace("/", "_")
            spelled += [(whole, width, False), (urlsafe, width, False)]
        self.at: dict[str, list[int]] = {}
        self.needed: list[int] = []
        self.folded: set[str] = set()  # the key's runs, lower-cased
        self.exact: set[str] = set()  # the base64 runs
        for target, need, fold in spelled:
            base = len(self.needed)
            for i, char in enumerate(target):
                cases = {char, char.translate(_ASCII_LOWER), char.upper()} if fold else {char}
                for case in cases:
                    if len(case) == 1:
                        self.at.setdefault(case, []).append(base + i)
            self.needed += [need] * len(target) + [0]  # the gap: no run goes on across it
            runs = {target[i : i + need] for i in range(len(target) - need + 1)}
            if fold:
                self.folded |= {r.translate(_ASCII_LOWER) for r in runs}
            else:
                self.exact |= runs
        self.introducers = _INTRODUCERS + ("+" if " " in secret else "")
        self.margin = max(run, width, _LONGEST)


@functools.lru_cache(maxsize=4)  # the texts of one error path share a key
def _targets(secret: str) -> _Targets:
    return _Targets(secret)


def _regions(text: str, secret: str) -> list[tuple[int, int]]:
    """Stretches of ``text`` that hold every run there is (and maybe none). A run spelled
    plainly holds one of the targets' runs as it is; any other holds an introducer of a
    spelling, and its plain stretches are shorter than a run: so every character of a run lies
    within the margin of one of these (found at C speed), and the stretches around them,
    merged where they touch, hold each run whole."""
    targets = _targets(secret)
    folded = text.translate(_ASCII_LOWER)
    hits: list[int] = []
    for haystack, needles in ((folded, targets.folded), (text, targets.exact)):
        for needle in needles:
            i = haystack.find(needle)
            while i >= 0:
                hits += (i, i + len(needle))
                i = haystack.find(needle, i + 1)
    for introducer in targets.introducers:
        i = text.find(introducer)
        while i >= 0:
            hits += (i, i + 1)
            i = text.find(introducer, i + 1)
    regions: list[tuple[int, int]] = []
    for start, end in sorted(zip(hits[::2], hits[1::2], strict=True)):
        start, end = max(0, start - targets.margin), end + targets.margin
        if regions and start <= regions[-1][1]:
            regions[-1] = (regions[-1][0], max(end, regions[-1][1]))
        else:
            regions.append((start, end))
    return regions


def _runs(text: str, targets: _Targets) -> list[tuple[int, int]]:
    """The (start, end) of every stretch of ``text`` that spells a run of a target, each
    stretch as long as it goes."""
    spellings = _spellings(text)
    at, needed = targets.at, targets.needed
    # chain[pos][k]: (how many characters of a target, from its k-th on, the text spells from
    # pos on; where that spelling ends), the longest such.
    chain: list[dict[int, tuple[int, int]]] = [{} for _ in range(len(text) + 1)]
    spans = []
    for pos in range(len(text) - 1, -1, -1):
        here = chain[pos]
        for end, char in [(pos + 1, text[pos]), *spellings.get(pos, ())]:
            for k in at.get(char, ()):
                # The gap after a target's last character is never in `at`: its chain ends.
                length, stop = chain[end].get(k + 1, (0, end))
                if length + 1 > here.get(k, (0, 0))[0]:
                    here[k] = (length + 1, stop)
                    if length + 1 >= needed[k]:
                        spans.append((pos, stop))
    return spans


def _spellings(text: str) -> dict[int, list[tuple[int, str]]]:
    """For each position, the (end, character) of every spelling but the plain one there."""
    found: dict[int, list[tuple[int, str]]] = {}
    for m in _BEHIND_BACKSLASHES.finditer(text):
        found.setdefault(m.start(), []).append((m.end(1), m[1]))
    for m in _ESCAPE_CODE.finditer(text):
        if m["high"] is not None:
            code = 0x10000 + ((int(m["high"], 16) - 0xD800) << 10) + int(m["low"], 16) - 0xDC00
        elif m["named"] is not None:
            code = ord(_NAMED[m["named"]])
        else:
            code = int(m["long"] or m["short"] or m["byte"], 16)
        if code <= 0x10FFFF:
            found.setdefault(m.start(), []).append((m.end(1), chr(code)))
    for m in _HTML_REFERENCE.finditer(text):
        code = int(m["dec"]) if m["dec"] is not None else int(m["hex"], 16)
        if code <= 0x10FFFF:
            found.setdefault(m.start(), []).append((m.end(1), chr(code)))
    for m in _PERCENT.finditer(text):
        # The first character the bytes spell: an ASCII byte, or one UTF-8 sequence.
        encoded = list(_PERCENT_BYTE.finditer(m[1]))
        raw = bytes(int(b[1], 16) for b in encoded)
        for size in range(1, len(raw) + 1):
            try:
                char = raw[:size].decode("utf-8")
            except UnicodeDecodeError:
                continue
            found.setdefault(m.start(), []).append((m.start() + encoded[size - 1].end(), char))
            break
    for i, char in enumerate(text):
        if char == "+":
            found.setdefault(i, []).append((i + 1, " "))
    return found
