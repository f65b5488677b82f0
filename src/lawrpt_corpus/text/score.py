"""Plausibility of a candidate decoding: how much of it looks like Chinese prose.

``plausibility(text)`` is the share of characters that are common hanzi (GB 2312 level 1 ∪
Big5 level 1, see ``data/common_hanzi.json``), CJK / full-width punctuation, printable ASCII or
whitespace. U+FFFD counts against the text. A wrong decoding of CJK bytes produces rare
hanzi, kana, Hangul, private-use and box-drawing characters, so its score drops; measured
figures are in docs/decoding.md.

Only a bounded sample is scored (``SCORE_CHARS``), never a whole large text.
"""

from __future__ import annotations

import itertools
import json
import math
import unicodedata
from dataclasses import dataclass
from functools import cache
from importlib import resources

import numpy as np

from .chars import (
    ASCII_PRINTABLE_WS,
    CJK_SYMBOLS,
    COMMON_PUNCT,
    HAN_IDEOGRAPH_RANGES,
    SAMPLE_CHARS,
    SPACES,
    parse_ranges,
)

#: Characters scored per codec candidate: a few hundred already separate right from wrong
#: readings (docs/decoding.md); 2048 keeps the choice cheap on small files.
SCORE_CHARS = 2048


@cache
def common_hanzi() -> frozenset[str]:
    """GB 2312 level 1 ∪ Big5 level 1 (6722 characters), loaded once."""
    raw = resources.files(__package__).joinpath("data/common_hanzi.json").read_text("utf-8")
    data = json.loads(raw)
    return frozenset(data["gb2312_level1"]) | frozenset(data["big5_level1"])


_PLAUSIBLE, _COMMON, _HAN, _LATIN1_LEAD, _SPACE = 1, 2, 4, 8, 16
#: The bit of :func:`lookup_table` for Â–ô (U+00C2–U+00F4), the first character of a
#: UTF-8-as-latin-1 sequence.
LATIN1_LEAD = _LATIN1_LEAD


@cache
def _lut() -> np.ndarray:
    """Code point → bit set (plausible, common hanzi, Han), one byte per code point."""
    lut = np.zeros(0x110000, dtype=np.uint8)
    common = np.fromiter((ord(c) for c in common_hanzi()), dtype=np.int64)
    lut[common] |= _PLAUSIBLE | _COMMON
    for lo, hi in parse_ranges(CJK_SYMBOLS + ASCII_PRINTABLE_WS):
        lut[lo : hi + 1] |= _PLAUSIBLE
    for lo, hi in HAN_IDEOGRAPH_RANGES:
        lut[lo : hi + 1] |= _HAN
    lut[0xC2:0xF5] |= _LATIN1_LEAD  # Â–ô: first character of a UTF-8-as-latin-1 sequence
    lut[[ord(c) for c in SPACES]] |= _SPACE
    return lut


def _bits(text: str) -> np.ndarray:
    return np.take(_lut(), np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype="<u4"))


def plausibility(text: str) -> float:
    """Share (0..1) of plausible characters in ``text[:SCORE_CHARS]``; 0.0 for no text."""
    sample = text[:SCORE_CHARS]
    if not sample:
        return 0.0
    return int(np.count_nonzero(_bits(sample) & _PLAUSIBLE)) / len(sample)


def han_count(text: str) -> int:
    """Number of Han ideographs (unified, extensions A–H, compatibility) in ``text``."""
    return int(np.count_nonzero(_bits(text) & _HAN))


def common_hanzi_count(text: str) -> int:
    """Number of common hanzi (GB 2312 level 1 ∪ Big5 level 1) in ``text``."""
    return int(np.count_nonzero(_bits(text) & _COMMON))


def has_latin1_lead(text: str) -> bool:
    """True when ``text`` contains one of Â–ô (U+00C2–U+00F4), the start of any
    UTF-8-read-as-latin-1 sequence (a cheap test before the mojibake regex)."""
    return bool(np.any(_bits(text) & _LATIN1_LEAD))


@dataclass(frozen=True, slots=True)
class SampleProfile:
    """Counts over ``text[:SAMPLE_CHARS]`` from one lookup pass (what the step needs)."""

    chars: int
    plausible: int
    han: int
    latin1_lead: bool
    #: Characters of ``SPACES`` (the rest are "visible").
    spaces: int = 0

    @property
    def plausibility(self) -> float:
        return self.plausible / self.chars if self.chars else 0.0


def profile(text: str) -> SampleProfile:
    """One lookup pass over the sample: plausibility, Han count, spaces, presence of Â–ô."""
    return profile_of_bits(_bits(text[:SAMPLE_CHARS]))


def lookup_table() -> np.ndarray:
    """The code point → bit set table (read-only; bits 32 and 64 are free for callers that
    copy it and add their own, see :func:`profile_of_bits`)."""
    return _lut()


def profile_of_bits(bits: np.ndarray, present: int = -1) -> SampleProfile:
    """:func:`profile` from the looked-up bit sets of ``text[:SAMPLE_CHARS]``.

    ``present``: the OR of the bit sets of a stretch that contains the sample, when the caller
    has it; a bit not in it is counted as 0 without a pass over ``bits`` (-1: count all)."""

    def count(bit: int) -> int:
        return int(np.count_nonzero(bits & bit)) if present & bit else 0

    return SampleProfile(
        chars=len(bits),
        plausible=count(_PLAUSIBLE),
        han=count(_HAN),
        latin1_lead=bool(present & _LATIN1_LEAD) and bool(np.any(bits & _LATIN1_LEAD)),
        spaces=count(_SPACE),
    )


_PAUSE = "，。、；：？！"
_OPEN = "“‘（《〈【「『"
_CLOSE = "”’）》〉】」』"
#: Rank assigned to characters outside the hanzi frequency list (lower = more expected).
_RANK_PUNCT = 20
_RANK_SPACE = 100
_RANK_DIGIT = 200
_RANK_ASCII = 300
_RANK_SYMBOL = 3000
_RANK_RARE_HAN = 30000
_RANK_OTHER = 10**6
_RANK_INVALID = 10**8
#: Cost bonus of two adjacent hanzi that form a frequent word, and penalty of a pause mark
#: after a pause mark or an opening bracket, or of an empty bracket pair (natural log units).
WORD_BONUS = math.log(300)
PUNCT_PAIR_PENALTY = math.log(1000)


@cache
def _rank_data() -> tuple[dict[str, int], frozenset[str]]:
    """Hanzi → frequency rank (0 = most frequent) and the set of frequent two-hanzi words,
    simplified and traditional forms alike (``data/hanzi_rank.json``, generated by
    ``gen_hanzi_rank.py``), loaded once."""
    import opencc

    raw = resources.files(__package__).joinpath("data/hanzi_rank.json").read_text("utf-8")
    data = json.loads(raw)
    rank: dict[str, int] = {}
    for key in ("ranked", "s2t", "s2tw"):
        for i, ch in enumerate(data[key]):
            rank.setdefault(ch, i)
    simplified = "\n".join(data["words"][i : i + 2] for i in range(0, len(data["words"]), 2))
    words = set(simplified.split("\n"))
    for config in ("s2t", "s2tw"):
        words.update(opencc.OpenCC(config).convert(simplified).split("\n"))
    return rank, frozenset(w for w in words if len(w) == 2)


def hanzi_rank() -> dict[str, int]:
    """Hanzi → frequency rank (0 = most frequent), simplified and traditional forms."""
    return _rank_data()[0]


def _rank(ch: str) -> int:
    r = hanzi_rank().get(ch)
    if r is not None:
        return r
    if ch in COMMON_PUNCT:
        return _RANK_PUNCT
    if ch in " \t\n":
        return _RANK_SPACE
    if "\x21" <= ch <= "\x7e":
        return _RANK_DIGIT if ch.isdigit() else _RANK_ASCII
    cat = unicodedata.category(ch)
    if cat in ("Cn", "Co", "Cs", "Cc") or ch == "\ufffd" or (ord(ch) & 0xFFFE) == 0xFFFE:
        return _RANK_INVALID  # unassigned, private use, surrogate, control, non-character
    bits = int(_lut()[ord(ch)])
    if bits & _HAN:
        return _RANK_RARE_HAN
    if bits & _PLAUSIBLE:
        return _RANK_SYMBOL
    return _RANK_OTHER


def char_cost(text: str) -> float:
    """How unexpected ``text`` is as Chinese prose (lower = more expected).

    The sum over its characters of ``log(rank + 10)`` (a Zipf-law negative log-likelihood):
    hanzi are ranked by corpus frequency; common CJK punctuation counts as rank 20, line
    breaks and spaces 100, ASCII digits 200, other ASCII 300, other CJK symbols (full-width
    letters, ＠, circled numbers) 3000, hanzi off the list 30,000, other assigned characters
    10^6, and U+FFFD, unassigned, private-use, surrogate, control and non-characters 10^8.
    Context: each adjacent pair of hanzi that is a frequent word lowers the cost by
    ``WORD_BONUS``; a pause mark (，。、；：？！) after another or after an opening bracket,
    and an empty bracket pair, raise it by ``PUNCT_PAIR_PENALTY``. A per-character loop:
    for short windows only (choosing between a few readings of damaged bytes)."""
    words = _rank_data()[1]
    cost = sum(math.log(_rank(ch) + 10) for ch in text)
    for a, b in itertools.pairwise(text):
        if a + b in words:
            cost -= WORD_BONUS
        elif (b in _PAUSE and (a in _PAUSE or a in _OPEN)) or (a in _OPEN and b in _CLOSE):
            cost += PUNCT_PAIR_PENALTY
    return cost
