"""The decode cascade: raw bytes → (text, codec, rule) or a reject reason. Never raises.

Order (first rule that applies decides; see docs/decoding.md for why each rule is there):

1. ``empty``      no bytes, or only ASCII whitespace → reject ``empty``.
2. ``bom``        UTF-8/16/32 byte-order mark → that codec.
3. binary check   NUL bytes or C0-control density: accept as ``utf-16/32-plausible`` when a
                  wide decoding is plausible, else reject ``binary``.
4. ``strict-utf-8``
5. ``utf-16-plausible`` / ``gb18030-plausible`` / ``big5-plausible``: every candidate that
   decodes the sample strictly is scored (:func:`~.score.plausibility`); the best one above
   ``MIN_PLAUSIBLE`` wins, then the whole input is decoded strictly with it.
6. ``tolerant``   UTF-8 (foreign GB/Big5 phrases decoded in place), GB18030, Big5 with
                  ``errors="replace"``: the most plausible one with few U+FFFD.
7. ``detector``   chardet's guess, under the same plausibility / U+FFFD limits.
8. reject ``undecodable``.

A final incomplete character (a cut file) is dropped and flagged ``decode_truncated``. In
UTF-16/32 one inserted or lost byte is located from the byte pattern and resynchronised.
"""

from __future__ import annotations

import codecs
import re
from dataclasses import dataclass, field

import numpy as np

from .score import SAMPLE_CHARS, SCORE_CHARS, char_cost, common_hanzi_count, plausibility

#: Bytes of input examined for the codec decision.
SAMPLE_BYTES = 3 * SAMPLE_CHARS
#: Bytes of a GB/Big5 candidate decoded to score it (at least SCORE_CHARS characters).
HEAD_BYTES = 2 * SCORE_CHARS
#: A candidate decoding must score at least this (share of plausible characters).
MIN_PLAUSIBLE = 0.6
#: NUL bytes above this share of the sample mean binary (unless UTF-16/32 is plausible).
MAX_NUL_SHARE = 0.001
#: C0 control bytes (not \t \n \v \f \r ESC) above this share of the sample mean binary.
MAX_CTRL_SHARE = 0.02
#: Tolerant decodes may contain at most ``MAX_REPL_BASE + len(text) * MAX_REPL_SHARE`` U+FFFD.
MAX_REPL_BASE = 2
MAX_REPL_SHARE = 0.005
#: A UTF-8 host may carry at most this share of characters decoded from foreign runs.
MAX_FOREIGN_SHARE = 0.3

_BOMS: tuple[tuple[bytes, str, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le", "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be", "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig", "utf-8"),
    (codecs.BOM_UTF16_LE, "utf-16-le", "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be", "utf-16-be"),
)
_BOM_AWARE = {
    "utf-32-le": "utf-32",
    "utf-32-be": "utf-32",
    "utf-8-sig": "utf-8-sig",
    "utf-16-le": "utf-16",
    "utf-16-be": "utf-16",
}
_TAIL_REASONS = frozenset(
    {"unexpected end of data", "incomplete multibyte sequence", "truncated data"}
)
_CTRL_BYTES = bytes([*range(0x01, 0x09), *range(0x0E, 0x1B), *range(0x1C, 0x20), 0x7F])
_NUL_CTRL_BYTES = b"\x00" + _CTRL_BYTES
# A byte that is plausibly the high byte of a UTF-16 code unit in Chinese text: 0x00 (ASCII),
# 0x20 (“” — …), 0x30 (、。《》), 0x4E–0x9F (CJK unified), 0xFF (，：（）).
_HI16 = np.zeros(256, dtype=np.int32)
_HI16[[0x00, 0x20, 0x30, 0xFF]] = 1
_HI16[0x4E:0xA0] = 1
_NONZERO = np.ones(256, dtype=np.int32)
_NONZERO[0] = 0
#: codec → (code unit size, position of the tell-tale byte in a unit, byte lookup table)
_WIDE: dict[str, tuple[int, int, np.ndarray]] = {
    "utf-16-le": (2, 1, _HI16),
    "utf-16-be": (2, 0, _HI16),
    "utf-32-le": (4, 0, _NONZERO),
    "utf-32-be": (4, 3, _NONZERO),
}
# Two or more UTF-8 encoded CJK characters (U+3000–U+9FFF, U+FF00–U+FFEF) inside a
# GB18030/Big5 byte stream: a phrase pasted from a UTF-8 source.
_UTF8_ISLAND = re.compile(rb"(?:[\xe3-\xe9][\x80-\xbf]{2}|\xef[\xbc-\xbf][\x80-\xbf]){2,}")
_MIXED_ERRORS = "lawrpt-mixed"


@dataclass(slots=True)
class Decoded:
    """Outcome of :func:`decode_bytes`: ``text`` + ``codec`` + ``rule``, or ``reason``."""

    text: str | None = None
    codec: str | None = None
    rule: str | None = None
    reason: str | None = None
    flags: list[str] = field(default_factory=list)
    edits: dict[str, int] = field(default_factory=dict)
    #: True when this cascade (not the source) put U+FFFD into ``text``.
    lossy: bool = False
    #: Characters decoded from foreign-encoded runs.
    foreign: int = 0

    def add_edit(self, rule: str, count: int) -> None:
        if count > 0:
            self.edits[rule] = self.edits.get(rule, 0) + count


def _reject(reason: str) -> Decoded:
    return Decoded(reason=reason)


def _strict(raw: bytes, codec: str) -> tuple[str, bool] | None:
    """Strict decode; an incomplete final character is dropped (second item True)."""
    try:
        return raw.decode(codec), False
    except UnicodeDecodeError as exc:
        if exc.reason in _TAIL_REASONS and exc.end >= len(raw) and exc.start >= len(raw) - 3:
            try:
                return raw[: exc.start].decode(codec), True
            except UnicodeDecodeError:
                return None
        return None
    except LookupError:
        return None


#: Candidate stray-byte positions: where the alignment evidence is within this of its best.
_EVIDENCE_SLACK = 1
#: At most this many code units either side of the best evidence position are searched.
_SEARCH_UNITS = 32


def _strict_head(raw: bytes, codec: str, n: int) -> tuple[str, int, bool] | None:
    """Strict decode of ``raw[:n]`` cut back to a character boundary: (text, bytes used,
    final character of the whole input dropped). None when the head has an invalid byte."""
    if n >= len(raw):
        got = _strict(raw, codec)
        return None if got is None else (got[0], len(raw), got[1])
    head = raw[:n]
    try:
        return head.decode(codec), n, False
    except UnicodeDecodeError as exc:
        if exc.reason in _TAIL_REASONS and exc.end >= n and exc.start >= n - 3:
            try:
                return head[: exc.start].decode(codec), exc.start, False
            except UnicodeDecodeError:
                return None
        return None


def _split_point(raw: bytes, codec: str) -> int:
    """Index of the one byte whose removal best realigns a UTF-16/32 stream (len(raw) = none).

    Evidence: bytes that look like the high byte of a UTF-16 unit (resp. the non-zero low
    byte of a UTF-32 unit) at the positions where they belong, before the split and shifted
    by one after it (prefix sums). The byte pattern narrows the split to the positions where
    that evidence is (nearly) at its best; :func:`_best_removal` then removes each byte there
    in turn and keeps the reading whose characters are most expected in Chinese prose.
    """
    unit, cls, lut = _WIDE[codec]
    if unit == 4:
        here, after_m = _evidence32(raw, codec)
    else:
        ev = lut[np.frombuffer(raw, dtype=np.uint8)]
        idx = np.arange(len(raw))
        here = ev * (idx % unit == cls)
        after_m = ev * ((idx - 1) % unit == cls)
    before = np.concatenate(([0], np.cumsum(here)))[:-1]
    after = after_m.sum() - np.cumsum(after_m)
    score = before + after
    best = int(score.max())
    centre = int(np.argmax(score))
    if best <= int(here.sum()) + max(4, len(raw) // (unit * 64)) and not _shift_reads_better(
        raw, codec, centre
    ):
        return len(raw)  # "aligned, tail cut" explains the stream as well
    reach = _SEARCH_UNITS * unit
    near = np.flatnonzero(score[max(0, centre - reach) : centre + reach] >= best - _EVIDENCE_SLACK)
    lo = max(0, centre - reach) + int(near[0]) - 2 * unit
    hi = max(0, centre - reach) + int(near[-1]) + 2 * unit
    return _best_removal(raw, codec, range(max(0, lo), min(len(raw), hi + 1)), centre)


#: A shifted reading after the split must beat the aligned one by this much plausibility.
_SHIFT_MARGIN = 0.2


def _shift_reads_better(raw: bytes, codec: str, centre: int) -> bool:
    """When the byte evidence for a stray byte is weak (short input, or a stray byte near
    the end of a long one): is the text after ``centre`` clearly more plausible read one
    byte later than on the stream's own alignment?"""
    unit = _WIDE[codec][0]
    start = centre - centre % unit
    stop = start + 4 * SCORE_CHARS
    aligned = raw[start:stop]
    shifted = raw[start + 1 : stop + 1]
    p0 = plausibility(aligned[: len(aligned) - len(aligned) % unit].decode(codec, "replace"))
    p1 = plausibility(shifted[: len(shifted) - len(shifted) % unit].decode(codec, "replace"))
    return p1 >= MIN_PLAUSIBLE and p1 >= p0 + _SHIFT_MARGIN


def _evidence32(raw: bytes, codec: str) -> tuple[np.ndarray, np.ndarray]:
    """UTF-32 alignment evidence per byte position: a unit that is a valid code point with
    a non-zero low byte, read on the stream's own alignment (first array, counted at the
    unit's last byte) and shifted by one byte (second array, counted at its first byte).

    A unit misread by one byte always has a zero low byte (the top byte of its neighbour),
    and misread CJK is not even a code point; a right one has a zero low byte only for the
    few characters U+xx00 (一, U+3000)."""
    n = len(raw)
    here = np.zeros(n, dtype=np.int32)
    shifted = np.zeros(n, dtype=np.int32)
    dtype = "<u4" if codec == "utf-32-le" else ">u4"
    for offset, out in ((0, here), (1, shifted)):
        m = (n - offset) // 4
        if m <= 0:
            continue
        v = np.frombuffer(raw, dtype=dtype, count=m, offset=offset)
        good = (v <= 0x10FFFF) & ((v & 0xFF) != 0) & ((v < 0xD800) | (v > 0xDFFF))
        starts = offset + 4 * np.arange(m)
        out[starts + (3 if offset == 0 else 0)] = good
    return here, shifted


def _best_removal(raw: bytes, codec: str, ks: range, centre: int) -> int:
    """Among candidate stray-byte positions, the one whose removal reads best.

    Every candidate removes one byte from the same aligned window, so the readings differ
    only in the few code units between candidates; the one with the lowest
    :func:`~.score.char_cost` (frequent hanzi and punctuation over rare, symbol, unassigned,
    private-use and surrogate characters) wins. Ties (identical or equally likely readings)
    go to a removal on a unit boundary, then the one nearest ``centre``, then the first.
    """
    unit = _WIDE[codec][0]
    lo = max(0, ks.start - ks.start % unit - 4 * unit)
    span = (ks.stop + 4 * unit - lo) // unit * unit
    hi = min(len(raw), lo + span + 1)

    def key(k: int) -> tuple[float, bool, int, int]:
        window = raw[lo:k] + raw[k + 1 : hi]
        window = window[: len(window) - len(window) % unit]
        return char_cost(window.decode(codec, "replace")), k % unit != 0, abs(k - centre), k

    return min(ks, key=key)


def _decode_wide(raw: bytes, codec: str, result: Decoded) -> str:
    """Decode UTF-16/32, tolerating a cut tail and one inserted byte (→ one U+FFFD where the
    byte was; after the character it fell into when it split a code unit)."""
    unit = _WIDE[codec][0]
    k = _split_point(raw, codec) if len(raw) % unit else len(raw)
    if k < len(raw):
        result.flags.append("decode_resync")
        result.lossy = True
        mark = k + (-k) % unit
        raw = raw[:k] + raw[k + 1 :]
        tail = len(raw) % unit
        if tail:
            result.flags.append("decode_truncated")
            raw = raw[: len(raw) - tail]
        mark = min(mark, len(raw))
        return raw[:mark].decode(codec, "replace") + "\ufffd" + raw[mark:].decode(codec, "replace")
    tail = len(raw) % unit
    if tail:
        result.flags.append("decode_truncated")
        raw = raw[: len(raw) - tail]
    try:
        return raw.decode(codec)
    except UnicodeDecodeError:
        result.lossy = True
        return raw.decode(codec, "replace")


def _count_repl(text: str) -> int:
    return text.count("\ufffd")


def _few_repl(text: str, n: int) -> bool:
    return n <= MAX_REPL_BASE + len(text) * MAX_REPL_SHARE


def _mixed_handler(exc: UnicodeError) -> tuple[str, int]:
    """UTF-8 error handler: decode a foreign GB18030/Big5 run in place, else U+FFFD.

    The run is the shortest stretch of bytes >= 0x80 from the error position after which the
    rest of the high-byte run is valid UTF-8 (capped at 64 bytes); it is kept only if it
    decodes strictly and plausibly as GB18030 or Big5.
    """
    if not isinstance(exc, UnicodeDecodeError):
        raise exc
    obj, start = exc.object, exc.start
    end = start
    limit = min(len(obj), start + 64)
    while end < limit and obj[end] >= 0x80:
        end += 1
    for stop in range(start + 2, end + 1):
        if obj[stop:end] and _strict(bytes(obj[stop:end]), "utf-8") is None:
            continue
        chunk = bytes(obj[start:stop])
        for codec in ("gb18030", "big5"):
            try:
                text = chunk.decode(codec)
            except UnicodeDecodeError:
                continue
            if plausibility(text) >= 0.9:
                # A GB/Big5 pair can also be a valid 2-byte UTF-8 sequence (展 = D5 B9 = U+0579):
                # take it too while it reads as a common hanzi here and as non-CJK in UTF-8.
                while stop + 2 <= len(obj) and _pair_is_foreign(bytes(obj[stop : stop + 2]), codec):
                    text += bytes(obj[stop : stop + 2]).decode(codec)
                    stop += 2
                return "\x00MIXED\x00" + text + "\x00/MIXED\x00", stop
    return "\ufffd", start + 1


def _pair_is_foreign(pair: bytes, codec: str) -> bool:
    if not (0xC2 <= pair[0] <= 0xDF and 0x80 <= pair[1] <= 0xBF):
        return False
    try:
        return common_hanzi_count(pair.decode(codec)) == 1
    except UnicodeDecodeError:
        return False


codecs.register_error(_MIXED_ERRORS, _mixed_handler)
_MIXED_MARK = re.compile("\x00MIXED\x00(.*?)\x00/MIXED\x00", re.S)


def _decode_utf8_mixed(raw: bytes, result: Decoded) -> str:
    try:
        return raw.decode("utf-8")
    except UnicodeDecodeError:
        result.lossy = True
    text = raw.decode("utf-8", _MIXED_ERRORS)
    if "\x00MIXED\x00" in text:
        result.foreign = sum(len(m) for m in _MIXED_MARK.findall(text))
        text, n = _MIXED_MARK.subn(r"\1", text)
        result.flags.append("mixed_encoding")
        result.add_edit("mixed-encoding-segment", n)
    return text


# Byte classes for the island scan: lead bytes of 3-byte UTF-8 CJK (E3–EF) → "L",
# continuation bytes (80–BF) → "c", anything else → "x".
_ISLAND_CLASSES = bytes(
    ord("L") if 0xE3 <= b <= 0xEF else ord("c") if 0x80 <= b <= 0xBF else ord("x")
    for b in range(256)
)
_ISLAND_SHAPE = b"LccLcc"


def _island_starts(raw: bytes) -> list[int]:
    """Offsets where two UTF-8 encoded CJK characters follow each other: one
    ``bytes.translate`` to byte classes, then ``bytes.find`` (C speed, no Python loop over
    bytes; typically zero hits in GB/Big5 text)."""
    if len(raw) < 6:
        return []
    classes = raw.translate(_ISLAND_CLASSES)
    out: list[int] = []
    i = classes.find(_ISLAND_SHAPE)
    while i >= 0:
        out.append(i)
        i = classes.find(_ISLAND_SHAPE, i + 1)
    return out


#: Up to this many UTF-8 CJK pairs are always tried as islands (a short input).
_FEW_ISLANDS = 64


def _may_have_islands(raw: bytes) -> bool:
    """True when ``raw`` has UTF-8 CJK pairs: a few, or covering at most
    ``MAX_FOREIGN_SHARE`` of it. More means UTF-8 is the host text, not pasted islands (and
    decoding each pair in place would take seconds on a large UTF-8 file with one bad
    byte)."""
    if len(raw) < len(_ISLAND_SHAPE):
        return False
    count = raw.translate(_ISLAND_CLASSES).count(_ISLAND_SHAPE)
    return 0 < count and (
        count <= _FEW_ISLANDS or count * len(_ISLAND_SHAPE) <= MAX_FOREIGN_SHARE * len(raw)
    )


def _with_utf8_islands(raw: bytes, codec: str, errors: str, result: Decoded) -> str:
    """Decode ``raw`` with ``codec``; runs of UTF-8 encoded CJK that are plausible as UTF-8,
    start and end on ``codec`` character boundaries, and read worse in ``codec`` are decoded
    as UTF-8 (a phrase pasted from a UTF-8 source)."""
    pieces: list[str] = []
    pos = 0
    n = 0
    for start in _island_starts(raw):
        if start < pos:
            continue
        m = _UTF8_ISLAND.match(raw, start)
        if m is None:
            continue
        s, e = m.span()
        island = m.group().decode("utf-8")
        as_host = raw[s:e].decode(codec, "replace")
        if plausibility(island) < 0.9 or plausibility(as_host) >= plausibility(island):
            continue
        head = _strict(raw[pos:s], codec)
        if head is None or head[1] or _strict(raw[e : e + 64], codec) is None:
            continue
        pieces.append(head[0])
        pieces.append(island)
        pos = e
        n += 1
    if not n:
        return raw.decode(codec, errors)
    pieces.append(raw[pos:].decode(codec, errors))
    result.flags.append("mixed_encoding")
    result.add_edit("mixed-encoding-segment", n)
    return "".join(pieces)


def _tolerant(raw: bytes, codec: str, result: Decoded) -> str:
    """``errors="replace"`` decode; UTF-8 decodes foreign GB/Big5 runs in place, GB/Big5
    decode UTF-8 islands in place."""
    if codec == "utf-8":
        return _decode_utf8_mixed(raw, result)
    result.lossy = True
    if _may_have_islands(raw):
        return _with_utf8_islands(raw, codec, "replace", result)
    return raw.decode(codec, "replace")


def _finish(result: Decoded, text: str, codec: str, rule: str) -> Decoded:
    result.text, result.codec, result.rule = text, codec, rule
    if rule in ("tolerant", "detector"):
        result.lossy = True
    n = _count_repl(text) if result.lossy else 0
    if n:
        result.flags.append("decode_replacements")
        result.add_edit("replacement", n)
    return result


#: Below this many bytes, NUL-bearing input is not guessed as UTF-16/32 without a BOM.
MIN_WIDE_BYTES = 32

_HI16_BYTES = bytes(np.flatnonzero(_HI16).tolist())


def _utf16_shape(sample: bytes, codec: str) -> bool:
    """Cheap gate: at least half of the would-be high bytes look like CJK/ASCII high bytes."""
    head = sample[:2048]
    his = head[1::2] if codec == "utf-16-le" else head[0::2]
    return len(his.translate(None, _HI16_BYTES)) <= 0.5 * len(his)


def _wide_score(raw: bytes, codec: str) -> float:
    """Plausibility of ``raw`` as UTF-16/32 (its first ``SCORE_CHARS`` units, all the score
    looks at); realigned on the sample only if the plain decode fails and the input's length
    leaves a stray byte (the sample keeps that remainder).

    Cheap structural gates first, on the stream's alignment or one byte later (a stray byte
    early in the input, when the length leaves one): UTF-16 needs :func:`_utf16_shape`,
    UTF-32 a zero top byte in a quarter of the units (a wide decode of other data with
    ``errors="replace"`` is slow)."""
    unit = _WIDE[codec][0]
    head = raw[: SCORE_CHARS * unit + 1]
    stray = len(raw) % unit != 0  # only then can the stream be one byte late
    if unit == 4:
        at = 3 if codec == "utf-32-le" else 0
        zeros = max(head[at::4].count(0), head[at + 1 :: 4].count(0) if stray else 0)
        if zeros < 0.25 * (len(head) // 4):
            return 0.0
    elif not (_utf16_shape(head, codec) or (stray and _utf16_shape(head[1:], codec))):
        return 0.0
    body = head[: SCORE_CHARS * unit]
    body = body[: len(body) - len(body) % unit]
    score = plausibility(body.decode(codec, "replace"))
    if score < MIN_PLAUSIBLE and len(raw) % unit:
        # a stray byte early in the input leaves little aligned text: try one byte later
        late = head[1 : 1 + len(body)]
        shifted = plausibility(late[: len(late) - len(late) % unit].decode(codec, "replace"))
        if max(score, shifted) >= MIN_PLAUSIBLE / 3:
            sample = raw[: SAMPLE_BYTES + len(raw) % unit]
            score = plausibility(_decode_wide(sample, codec, Decoded()))
    return score


def _wide_candidates(raw: bytes, codecs_: tuple[str, ...]) -> tuple[str, float] | None:
    best: tuple[str, float] | None = None
    for codec in codecs_:
        if len(raw) < _WIDE[codec][0]:
            continue
        score = _wide_score(raw, codec)
        if best is None or score > best[1]:
            best = (codec, score)
    return best


def decode_bytes(raw: bytes) -> Decoded:
    """Run the cascade on ``raw``. Never raises; see the module docstring."""
    if not raw or raw.isspace():
        return _reject("empty")
    result = Decoded()
    for bom, codec, py in _BOMS:
        if raw.startswith(bom):
            try:  # the BOM-aware codec skips the BOM without copying the input
                return _finish(result, raw.decode(_BOM_AWARE[codec]), codec, "bom")
            except UnicodeDecodeError:
                pass
            body = raw[len(bom) :]
            if py in _WIDE:
                return _finish(result, _decode_wide(body, py, result), codec, "bom")
            strict = _strict(body, py)
            if strict is not None:
                if strict[1]:
                    result.flags.append("decode_truncated")
                return _finish(result, strict[0], codec, "bom")
            return _finish(result, _decode_utf8_mixed(body, result), codec, "bom")

    sample = raw[:SAMPLE_BYTES]
    # NUL and control bytes in one pass; counted apart only when there are any (rare)
    nul = ctrl = len(sample) - len(sample.translate(None, _NUL_CTRL_BYTES))
    if nul:
        nul = sample.count(0)
        ctrl -= nul
    if nul or ctrl > MAX_CTRL_SHARE * len(sample):
        # a handful of units is no evidence for UTF-16/32 (3 "hanzi" from 9 bytes of junk)
        wide = _wide_candidates(raw, tuple(_WIDE)) if len(raw) >= MIN_WIDE_BYTES else None
        if wide is not None and wide[1] >= MIN_PLAUSIBLE:
            rule = "utf-32-plausible" if wide[0].startswith("utf-32") else "utf-16-plausible"
            return _finish(result, _decode_wide(raw, wide[0], result), wide[0], rule)
        if nul > MAX_NUL_SHARE * len(sample) or ctrl > MAX_CTRL_SHARE * len(sample):
            return _reject("binary")

    strict = _strict(raw, "utf-8")
    if strict is not None:
        if strict[1]:
            result.flags.append("decode_truncated")
        return _finish(result, strict[0], "utf-8", "strict-utf-8")

    # Candidates scored on their first SCORE_CHARS characters (GB/Big5: a strict decode of
    # the first 2 * SCORE_CHARS bytes, cut on a character boundary); the most plausible one
    # that also decodes the whole input strictly wins (the head decode is reused).
    scored: list[tuple[float, int, str]] = []
    heads: dict[str, tuple[str, int, bool]] = {}
    for order, codec in enumerate(("gb18030", "big5", "utf-16-le", "utf-16-be")):
        if codec in _WIDE:
            if len(sample) > 1:
                scored.append((_wide_score(raw, codec), -order, codec))
            continue
        head = _strict_head(raw, codec, HEAD_BYTES)
        if head is not None and head[0]:
            heads[codec] = head
            scored.append((plausibility(head[0]), -order, codec))
    scored.sort(reverse=True)
    for score, _, codec in scored:
        if score < MIN_PLAUSIBLE:
            break
        if codec in _WIDE:
            return _finish(result, _decode_wide(raw, codec, result), codec, "utf-16-plausible")
        text, used, truncated = heads[codec]
        if used < len(raw):
            rest = _strict(raw[used:], codec)
            if rest is None:
                continue  # fails later in the input: the next candidate, else tolerant
            text, truncated = text + rest[0], rest[1]
        if truncated:
            result.flags.append("decode_truncated")
        if _may_have_islands(raw):
            text = _with_utf8_islands(raw, codec, "strict", result)
        return _finish(result, text, codec, f"{codec}-plausible")

    # Tolerant: the most plausible candidate with few U+FFFD.
    best: tuple[float, str] | None = None
    for codec in ("utf-8", "gb18030", "big5"):
        probe = Decoded()
        if codec == "utf-8":
            errors = raw.decode("utf-8", "replace").count("\ufffd")
            if errors > MAX_FOREIGN_SHARE * len(raw):
                continue  # mostly invalid: not a UTF-8 host with a foreign phrase
        text = _tolerant(raw, codec, probe)
        if codec == "utf-8" and probe.foreign > MAX_FOREIGN_SHARE * len(text):
            continue  # mostly "foreign": the host is not UTF-8
        n = _count_repl(text)
        score = plausibility(text)
        if score >= MIN_PLAUSIBLE and _few_repl(text, n) and (best is None or score > best[0]):
            best = (score, codec)
    if best is not None:
        codec = best[1]
        text = _tolerant(raw, codec, result)
        if text.endswith("\ufffd") and raw[-1:] >= b"\x80":
            text = text[:-1]
            result.flags.append("decode_truncated")
        return _finish(result, text, codec, "tolerant")

    return _detector(raw, result)


def _detector(raw: bytes, result: Decoded) -> Decoded:
    import chardet

    try:
        guess = chardet.detect(raw[:SAMPLE_BYTES]).get("encoding")
        if not guess:
            return _reject("undecodable")
        codec = codecs.lookup(guess).name
        if codec in ("gb2312", "gbk"):
            codec = "gb18030"
        text = raw.decode(codec, "replace")
    except (LookupError, ValueError, TypeError):
        return _reject("undecodable")
    n = _count_repl(text)
    if plausibility(text) >= MIN_PLAUSIBLE and _few_repl(text, n):
        return _finish(result, text, codec, "detector")
    return _reject("undecodable")
