"""Character classes every stage uses — one definition each.

Decode, normalize, boilerplate and metadata import these instead of keeping their own copies
(three stages used to carry three different Han ranges, ending at U+2EBEF, U+3134F and
U+323AF). Ranges are ``(first, last)`` code points, inclusive; the ``str`` forms are bodies of
a regex character class (``f"[{HAN}]"``), valid for both ``re`` and ``regex``.

Han, two sets:

* :data:`HAN_IDEOGRAPH_RANGES` — the CJK ideograph *blocks*: unified ideographs, extensions
  A–I, compatibility ideographs and their supplement (each whole block, so a block's few
  unassigned code points are included). What "a Han character" means when a text is
  measured (:func:`is_chinese`, the decoder's plausibility score).
* :data:`HAN_SCRIPT_RANGES` / :data:`HAN` — the Unicode ``Script=Han`` set: the ideograph
  blocks plus the radicals (U+2E80–U+2FD5), 々 (U+3005), 〇 (U+3007), the Hangzhou numerals
  〡–〩, 〸–〻 and four ideographic marks. What ``\\p{Han}`` means in the ``regex``
  module, and what a rule's ``\\p{Han}`` means whichever engine compiles it. Used where a
  character's *context* is judged (typography's "next to Chinese", boilerplate and
  metadata patterns).

Punctuation, two sets for two questions:

* :data:`CJK_PUNCT` — Chinese punctuation (、。《》「」【】…, full-width punctuation, curly
  quotes, …, —): "is this Chinese context?" (typography).
* :data:`CJK_SYMBOLS` — CJK and full-width punctuation *and symbols* common in reports
  (①, Ⅰ, ■, ·, ‰, full-width letters): "is this character plausible in a report?"
  (the decoder's score). :data:`COMMON_PUNCT` is the handful as frequent as common hanzi.

Invisible and control characters: :data:`INVISIBLE`, :data:`CONTROL`, :data:`NBSP` and
:func:`invisible_and_control` (what decode drops before scoring and hygiene removes).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from typing import Protocol

import numpy as np

Ranges = tuple[tuple[int, int], ...]

#: CJK ideograph blocks: Ext A, URO, compatibility, Ext B, Ext C–F + I, compatibility
#: supplement, Ext G–H.
HAN_IDEOGRAPH_RANGES: Ranges = (
    (0x3400, 0x4DBF),
    (0x4E00, 0x9FFF),
    (0xF900, 0xFAFF),
    (0x20000, 0x2A6DF),
    (0x2A700, 0x2EE5F),
    (0x2F800, 0x2FA1F),
    (0x30000, 0x323AF),
)
#: CJK radicals supplement and Kangxi radicals (blocks; hygiene folds them to ideographs).
HAN_RADICAL_BLOCKS: Ranges = ((0x2E80, 0x2EFF), (0x2F00, 0x2FDF))
#: CJK compatibility ideographs and their supplement (blocks; hygiene folds them).
HAN_COMPAT_BLOCKS: Ranges = ((0xF900, 0xFAFF), (0x2F800, 0x2FA1F))
#: Unicode ``Script=Han``: the ideograph blocks, the assigned radicals, 々, 〇, 〡–〩, 〸–〻,
#: and four ideographic marks (U+16FE2–3 old Chinese hook / iteration, U+16FF0–1).
HAN_SCRIPT_RANGES: Ranges = tuple(
    sorted(
        (
            (0x2E80, 0x2E99),
            (0x2E9B, 0x2EF3),
            (0x2F00, 0x2FD5),
            (0x3005, 0x3005),
            (0x3007, 0x3007),
            (0x3021, 0x3029),
            (0x3038, 0x303B),
            (0x16FE2, 0x16FE3),
            (0x16FF0, 0x16FF1),
            *HAN_IDEOGRAPH_RANGES,
        )
    )
)


def class_body(ranges: Iterable[tuple[int, int]]) -> str:
    """A regex character-class body (``a-b`` ranges and single characters) for ``ranges``.

    Only for code points that need no escaping inside ``[...]`` (none of ``\\ ] [ ^ -``)."""
    out: list[str] = []
    for lo, hi in ranges:
        for cp in (lo, hi):
            if chr(cp) in "\\][^-":
                raise ValueError(f"U+{cp:04X} needs escaping in a character class")
        out.append(chr(lo) if lo == hi else f"{chr(lo)}-{chr(hi)}")
    return "".join(out)


def parse_ranges(body: str) -> list[tuple[int, int]]:
    """The ``(first, last)`` ranges of a class body of single characters and ``a-b``
    ranges (the inverse of :func:`class_body`; no escapes)."""
    out, i = [], 0
    while i < len(body):
        if i + 2 < len(body) and body[i + 1] == "-":
            out.append((ord(body[i]), ord(body[i + 2])))
            i += 3
        else:
            out.append((ord(body[i]), ord(body[i])))
            i += 1
    return out


#: ``Script=Han`` as a class body: ``f"[{HAN}]"`` is ``regex``'s ``\p{Han}`` for ``re``.
HAN = class_body(HAN_SCRIPT_RANGES)
#: The ideograph blocks as a class body.
HAN_IDEOGRAPHS = class_body(HAN_IDEOGRAPH_RANGES)

#: Chinese punctuation: CJK symbols (、。〈〉《》「」『』【】〔〕…), vertical and small forms,
#: full-width punctuation (not full-width letters or digits), curly quotes, …, —.
CJK_PUNCT = (
    "\u3001-\u3004\u3008-\u3011\u3014-\u301f\ufe10-\ufe19\ufe30-\ufe4f"
    "\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65"
    "\u2018\u2019\u201c\u201d\u2026\u2014"
)
#: CJK and full-width punctuation and symbols common in reports (①, Ⅰ, ■, ·, —, “”, …).
CJK_SYMBOLS = (
    "\u00b7\u2010-\u2027\u2030-\u203b\u2160-\u217f\u2460-\u24ff\u25a0-\u25ff"
    "\u3000-\u303f\uff01-\uff65\uffe0-\uffe5"
)
#: Punctuation as frequent in Chinese prose as the most frequent hanzi.
COMMON_PUNCT = "，。、；：？！“”‘’（）《》〈〉【】「」『』—…·\u3000"
#: Printable ASCII and ASCII whitespace (a class body).
ASCII_PRINTABLE_WS = "\t\n\r\x0b\x0c\x20-\x7e"
#: Half-width punctuation with a full-width Chinese form, and those forms (same order).
HALF_PUNCT = ",;:!?()"
FULL_PUNCT = "，；：！？（）"
#: Characters that are not "visible" when a text's Han share is measured.
SPACES = " \t\n\r\u3000\ufeff"

#: BOM and zero-width characters, and the soft hyphen.
INVISIBLE = "\u200b\u200c\u200d\u2060\ufeff\u00ad"
#: C0 and C1 control characters and DEL, VT and FF included (not \n \t \r: see users).
CONTROL = (
    "".join(chr(c) for c in (*range(0x00, 0x09), *range(0x0E, 0x20), 0x7F, *range(0x80, 0xA0)))
    + "\x0b\x0c"
)
#: No-break spaces that read as a plain space.
NBSP = "\u00a0\u2007\u202f"


def class_pattern(codes: Iterable[int]) -> re.Pattern[str]:
    """A compiled character class of ``codes``, as ranges (a class of thousands of single
    characters is matched slowly by ``re``); any code point, escaped."""
    parts: list[str] = []
    ordered = sorted(set(codes))
    i = 0
    while i < len(ordered):
        j = i
        while j + 1 < len(ordered) and ordered[j + 1] == ordered[j] + 1:
            j += 1
        lo, hi = re.escape(chr(ordered[i])), re.escape(chr(ordered[j]))
        parts.append(lo if i == j else f"{lo}-{hi}")
        i = j + 1
    return re.compile("[" + "".join(parts) + "]")


@cache
def invisible_and_control() -> tuple[re.Pattern[str], dict[int, str | None]]:
    """Zero-width/BOM characters and C0 control characters other than ``\\n``/``\\t``/``\\r``:
    a pattern that finds them and a translate table that deletes them. (C1 controls are
    left alone, and so is the soft hyphen U+00AD: in latin-1 mojibake they are bytes of the
    UTF-8 text to recover.)"""
    table: dict[int, str | None] = {ord(c): None for c in INVISIBLE if ord(c) >= 0x100}
    table.update({ord(c): None for c in CONTROL if ord(c) < 0x80 and c not in "\n\t\r"})
    return class_pattern(table), table


# -- the Han share ---------------------------------------------------------------------------
#: Characters of a text's head that :func:`is_chinese` measures.
SAMPLE_CHARS = 8192


class CharCounts(Protocol):
    """Counts over ``text[:SAMPLE_CHARS]``: characters, Han ideographs, :data:`SPACES`."""

    @property
    def chars(self) -> int: ...
    @property
    def han(self) -> int: ...
    @property
    def spaces(self) -> int: ...


@dataclass(frozen=True, slots=True)
class HanCounts:
    chars: int
    han: int
    spaces: int


_IS_HAN, _IS_SPACE = 1, 2


@cache
def _han_space_table() -> np.ndarray:
    lut = np.zeros(0x110000, dtype=np.uint8)
    for lo, hi in HAN_IDEOGRAPH_RANGES:
        lut[lo : hi + 1] |= _IS_HAN
    lut[[ord(c) for c in SPACES]] |= _IS_SPACE
    return lut


def han_counts(text: str) -> HanCounts:
    """Characters, Han ideographs and :data:`SPACES` in ``text[:SAMPLE_CHARS]`` (one
    vectorised lookup)."""
    codes = np.frombuffer(text[:SAMPLE_CHARS].encode("utf-32-le", "surrogatepass"), "<u4")
    bits = np.take(_han_space_table(), codes)
    return HanCounts(
        chars=len(bits),
        han=int(np.count_nonzero(bits & _IS_HAN)),
        spaces=int(np.count_nonzero(bits & _IS_SPACE)),
    )


def is_chinese(text: str, min_han_share: float = 0.1, prof: CharCounts | None = None) -> bool:
    """At least one Han ideograph, and Han ideographs at least ``min_han_share`` of the
    visible characters (not in :data:`SPACES`) of ``text[:SAMPLE_CHARS]``.

    The decoder's ``not_chinese`` test; later steps use it too, so that a text they leave
    would pass it again. ``prof``: those counts when the caller has them (the decoder's
    sample profile). An empty text is not Chinese."""
    if prof is None:
        if _head_suffices(text, min_han_share):
            return True
        prof = han_counts(text)
    return prof.han > 0 and prof.han >= min_han_share * (prof.chars - prof.spaces)


#: :func:`_head_suffices` counts the first quarter of the sample, at least this many
#: characters
HEAD_CHARS = 1024


def _head_suffices(text: str, min_han_share: float) -> bool:
    """True when the first quarter of the sample already proves :func:`is_chinese`: with
    ``h`` Han ideographs and ``v`` visible characters in that head and ``r`` characters
    after it, the sample holds at least ``h`` Han and at most ``v + r`` visible
    characters, so ``h > 0 and h >= share * (v + r)`` implies the full test (a float
    product is monotone in its factor). A report that is ≥ ~40 % Han at its start needs
    only this (the step's check after a removal: ~4× fewer characters looked up). False
    proves nothing: the caller then counts the whole sample."""
    n = min(len(text), SAMPLE_CHARS)
    head = max(HEAD_CHARS, n // 4)
    if head >= n:
        return False
    got = han_counts(text[:head])
    rest = n - head
    return got.han > 0 and got.han >= min_han_share * (got.chars - got.spaces + rest)
