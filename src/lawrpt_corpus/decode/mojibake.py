"""Mojibake: repair what is recoverable, flag what is not.

Recoverable: UTF-8 bytes that were read as latin-1 or cp1252 and saved again ("æ³•æ²»" for
法治). Each run of characters that spells well-formed UTF-8 when mapped back to bytes
(latin-1, plus cp1252's 27 extra characters mapped to their 0x80–0x9F bytes) is re-decoded as
UTF-8, if the result contains a character above U+00FF (so genuine Latin text such as "Ã©"
alone is never touched). One regex pass; runs start with one of Â–ô, rare in Chinese text.

Unrecoverable (flagged ``mojibake_unrecoverable``, text kept as decoded):

* U+FFFD already present in a strictly decoded source (a lossy conversion happened upstream);
* 锟斤拷 — the UTF-8 bytes of U+FFFD U+FFFD read as GBK;
* UTF-8 read as GBK ("鍙戝竷"): when a sample is implausible as Chinese but becomes plausible
  after GB18030-encoding and UTF-8-decoding it. If that round trip is lossless for the whole
  text it is repaired (rule ``mojibake-gbk``) instead of flagged.
"""

from __future__ import annotations

import re
from functools import cache

from ..text.score import SAMPLE_CHARS, has_latin1_lead, plausibility

_CP1252_SPECIALS = bytes(range(0x80, 0xA0)).decode("cp1252", "ignore")
_TO_LATIN1 = str.maketrans({ch: chr(ch.encode("cp1252")[0]) for ch in _CP1252_SPECIALS})
_CONT = "[\u0080-\u00bf" + re.escape(_CP1252_SPECIALS) + "]"
_LATIN1_RUN = re.compile(
    f"(?:[\u00c2-\u00df]{_CONT}|[\u00e0-\u00ef]{_CONT}{{2}}|[\u00f0-\u00f4]{_CONT}{{3}})+"
)
GBK_OF_FFFD = "锟斤拷"
#: Plausibility below which a strictly decoded text is tested for UTF-8-read-as-GBK.
SUSPECT_BELOW = 0.85


def repair_latin1(text: str, starts: list[int] | None = None) -> tuple[str, int]:
    """Repair UTF-8-as-latin-1/cp1252 runs; returns (text, number of runs repaired).

    A run decoding to Latin-1 characters only (``Â·`` → ``·``) is repaired only when the same
    text also has a run that decodes beyond U+00FF (the document is known to be mojibake).

    ``starts``: the offsets of every Â–ô (U+00C2–U+00F4) in ``text``, when the caller has
    them: every run starts with one, so a text without a run is ruled out by trying the
    pattern there only (a report with × in ××县 has a few; the whole-text search of a text
    with no run tried every position).
    """
    if starts is None:
        if not _LATIN1_RUN.search(text):
            return text, 0
    elif not any(_LATIN1_RUN.match(text, i) for i in starts):
        return text, 0
    count = 0

    def fix(m: re.Match[str], relaxed: bool) -> str:
        nonlocal count
        run = m.group()
        try:
            fixed = run.translate(_TO_LATIN1).encode("latin-1").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            return run
        if not relaxed and max(fixed) <= "\u00ff":
            return run
        count += 1
        return fixed

    text = _LATIN1_RUN.sub(lambda m: fix(m, False), text)
    if count:
        text = _LATIN1_RUN.sub(lambda m: fix(m, True), text)
    return text, count


def gbk_mojibake(text: str, score: float | None = None) -> tuple[str | None, bool]:
    """Detect UTF-8 read as GBK. Returns (repaired text or None, detected).

    ``score`` is the plausibility of ``text[:SAMPLE_CHARS]`` when the caller has it."""
    sample = text[:SAMPLE_CHARS]
    if score is None:
        score = plausibility(sample)
    if score >= SUSPECT_BELOW:
        return None, False
    back = sample.encode("gb18030", "replace").decode("utf-8", "replace")
    if plausibility(back) < max(0.9, score + 0.1):
        return None, False
    try:
        return text.encode("gb18030").decode("utf-8"), True
    except UnicodeError:
        return None, True


def has_latin1_run(text: str) -> bool:
    """True when ``text`` contains a candidate UTF-8-as-latin-1 run."""
    return has_latin1_lead(text) and _LATIN1_RUN.search(text) is not None


@cache
def _encoded_markers(codec: str) -> tuple[tuple[str, bytes | None], ...]:
    """(marker, its bytes in ``codec`` or None when it cannot be encoded there)."""
    out: list[tuple[str, bytes | None]] = []
    for needle in (GBK_OF_FFFD, "\ufffd"):
        try:
            out.append((needle, needle.encode(codec.replace("-sig", ""))))
        except (UnicodeEncodeError, LookupError):
            out.append((needle, None))
    return tuple(out)


def unrecoverable_signs(text: str, raw: bytes, codec: str, source_replacements: bool) -> bool:
    """True when the input carries traces of a lossy conversion made before we saw it: U+FFFD
    in the source (``source_replacements``: the decoder itself inserted none), or 锟斤拷.

    Such conversions touch a whole file, so the first and last 24 KiB of ``raw`` are searched
    for the encoded markers (a byte search, once when the file is that small; the text
    itself when a marker cannot be encoded).
    """
    span = 3 * SAMPLE_CHARS
    parts = (raw,) if len(raw) <= 2 * span else (raw[:span], raw[-span:])
    for needle, encoded in _encoded_markers(codec):
        if needle == "\ufffd" and not source_replacements:
            continue
        if encoded is None:
            if needle in text[:SAMPLE_CHARS] or needle in text[-SAMPLE_CHARS:]:
                return True
        elif any(encoded in part for part in parts):
            return True
    return False
