"""Plausibility of a candidate decoding: how much of it looks like Chinese prose.

``plausibility(text)`` is the share of characters that are common hanzi (GB 2312 level 1 ∪
Big5 level 1, see ``data/common_hanzi.json``), CJK / full-width punctuation, printable ASCII or
whitespace. U+FFFD counts against the text. A wrong decoding of CJK bytes produces rare
hanzi, kana, Hangul, private-use and box-drawing characters, so its score drops; measured
figures are in docs/decoding.md.

Callers score a bounded sample (``SAMPLE_CHARS``), never a whole large text.
"""

from __future__ import annotations

import json
import re
from functools import cache
from importlib import resources

#: Characters scored per candidate (the decision is taken on this much evidence).
SAMPLE_CHARS = 8192

#: CJK and full-width punctuation, symbols common in reports (①, Ⅰ, ■, ·, —, “”, …).
CJK_PUNCT = (
    "\u00b7\u2010-\u2027\u2030-\u203b\u2160-\u217f\u2460-\u24ff\u25a0-\u25ff"
    "\u3000-\u303f\uff01-\uff65\uffe0-\uffe5"
)
_ASCII_WS = "\t\n\r\x0b\x0c\x20-\x7e"

_HAN_RE = re.compile(
    "[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef\U00030000-\U0003134f]"
)


@cache
def common_hanzi() -> frozenset[str]:
    """GB 2312 level 1 ∪ Big5 level 1 (6722 characters), loaded once."""
    raw = resources.files(__package__).joinpath("data/common_hanzi.json").read_text("utf-8")
    data = json.loads(raw)
    return frozenset(data["gb2312_level1"]) | frozenset(data["big5_level1"])


def _char_class(chars: frozenset[str]) -> str:
    """A compact regex character class body for ``chars`` (ranges of consecutive code points)."""
    cps = sorted(ord(c) for c in chars)
    parts: list[str] = []
    start = prev = cps[0]
    for cp in [*cps[1:], -1]:
        if cp == prev + 1:
            prev = cp
            continue
        parts.append(re.escape(chr(start)) + ("-" + re.escape(chr(prev)) if prev > start else ""))
        start = prev = cp
    return "".join(parts)


@cache
def _plausible_re() -> re.Pattern[str]:
    return re.compile("[" + _char_class(common_hanzi()) + CJK_PUNCT + _ASCII_WS + "]")


def plausibility(text: str) -> float:
    """Share (0..1) of plausible characters in ``text[:SAMPLE_CHARS]``; 0.0 for no text."""
    sample = text[:SAMPLE_CHARS]
    if not sample:
        return 0.0
    rest = _plausible_re().sub("", sample)
    return 1.0 - len(rest) / len(sample)


def han_count(text: str) -> int:
    """Number of Han ideographs (unified, extensions A–H, compatibility) in ``text``."""
    return len(_HAN_RE.findall(text))


@cache
def _common_re() -> re.Pattern[str]:
    return re.compile("[" + _char_class(common_hanzi()) + "]")


def common_hanzi_count(text: str) -> int:
    """Number of common hanzi (GB 2312 level 1 ∪ Big5 level 1) in ``text``."""
    return len(_common_re().findall(text))
