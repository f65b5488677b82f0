"""Width profile and punctuation normalization in Chinese context (GB/T 15834-2011).

:class:`Typography` first measures how the input was written — ``doc.width_profile``,
the share of half-width ``, ; : ! ? ( )`` among all such marks (either width) that touch a
Han character, or ``None`` when no such mark touches one — and then rewrites half-width
punctuation that stands in Chinese prose to the full-width forms GB/T 15834-2011 prescribes.
The rules, their ids and what they do are listed in ``data/typography.toml`` and
docs/typography.md.

Contract:

* Only punctuation changes. Letters, digits, spaces, ``.``, ``-`` (single), ``·``, ``%``,
  【】〔〕 and every other character come through as they are; URLs and e-mail addresses are
  masked before any rule runs and restored byte for byte.
* Every rule looks at one line only (context never crosses ``\\n``).
* Idempotent: the rule chain is run until it changes nothing (at most
  :data:`MAX_PASSES` passes; the second pass is almost always a no-op check).
* Linear time: every pattern is a single character class, a bounded lookaround or a
  ``[^…]*`` run that stops at the next delimiter; no per-character Python loop.
* Counts: each rule logs the number of characters it replaced (``doc.log_edit("typography",
  rule, n)``).
"""

from __future__ import annotations

import re
import tomllib
from bisect import bisect_left
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import Any

import numpy as np

from ..document import Document
from ..pipeline import DocumentStep
from ..text.chars import CJK_PUNCT, FULL_PUNCT, HALF_PUNCT, HAN, HAN_SCRIPT_RANGES

# -- character classes -------------------------------------------------------------------------
_H = f"[{HAN}]"
#: "Chinese context": a Han character or Chinese punctuation.
_Z = f"[{HAN}{CJK_PUNCT}]"
#: Chinese context for quote pairs: without the quote marks themselves (a neighbouring pair
#: must not decide whether this pair is Chinese).
_ZQ = f"[{HAN}{CJK_PUNCT.replace(chr(0x2018) + chr(0x2019) + chr(0x201C) + chr(0x201D), '')}]"
_ALNUM = "[A-Za-z0-9]"

HALF = HALF_PUNCT
FULL = FULL_PUNCT

#: Upper bound on passes of the rule chain (a pass that changes nothing ends the loop).
MAX_PASSES = 4

# -- protected spans ---------------------------------------------------------------------------
_URL_CH = r"A-Za-z0-9\-._~:/?#\[\]@!$&'*+,;=%"
_PROTECT_RE = re.compile(
    rf"(?:(?:https?|ftp)://|www\.)[{_URL_CH}]*[A-Za-z0-9/_#=&~%\-]"
    # e-mail: the local part starts where a run of local-part characters starts and is at
    # most 64 long (RFC 5321), so a long run of digits costs linear time, not quadratic
    r"|(?<![A-Za-z0-9._%+\-])[A-Za-z0-9._%+\-]{1,64}@[A-Za-z0-9\-]+(?:\.[A-Za-z0-9\-]+)+"
)
#: Noncharacters used as placeholders; one not present in the text is picked per call.
_SENTINELS = tuple(chr(c) for c in range(0xFDD0, 0xFDF0))

# -- patterns ----------------------------------------------------------------------------------
# Every pattern starts with the literal it rewrites, so the engine can skip ahead to it;
# context is checked with fixed-width lookarounds placed after that literal.
_DASH_RE = re.compile(r"[-－]{2,}")
_Z_RE = re.compile(_Z)
_ALNUM_RE = re.compile(_ALNUM)
_TITLE_RE = re.compile(r"《[^《》\n]*<[^《》\n]*》")
_TITLE_INNER_RE = re.compile(r"<([^<>\n]*)>")
_QUOTE_RE = re.compile(r'"([^"\n]*)"')
_HAN_RE = re.compile(_H)
_ZQ_RE = re.compile(_ZQ)
_PAREN_Q_RE = re.compile(
    rf"\((?:(?<={_Z}\()|(?=[^()\n]*{_H})|(?<!{_ALNUM}\()(?=[^()\n]*\){_Z}))([^()\n]*)\)"
)
_PAREN_U_RE = re.compile(r"\(([^()\n]*)\)")
_PAREN_MIXED_RE = re.compile(r"\(([^()（）\n]*)）|（([^()（）\n]*)\)")
#: A run of partnerless parens touching Chinese converts whole ("((中" → "（（中"), so one
#: pass suffices; the run start guard keeps the scan linear.
_PAREN_LONE_RE = re.compile(rf"(?<={_Z})[()]++|(?<![()])[()]++(?={_Z})")
#: Per mark, the occurrences that do NOT qualify (rare in Chinese prose); all others are
#: replaced in bulk with str.replace, which is what makes the step fast.
_KEEP_RE = {
    ",": re.compile(rf",(?<!{_Z},)(?!{_Z})"),
    ";": re.compile(rf";(?<!{_Z};)(?!{_Z})"),
    ":": re.compile(rf":(?<!{_Z}:)"),
    "!": re.compile(rf"!(?<!{_Z}!)"),
    "?": re.compile(rf"\?(?<!{_Z}\?)"),
}
_MARK_RULE = {
    ",": "comma",
    ";": "semicolon",
    ":": "colon",
    "!": "exclamation",
    "?": "question",
}
_ELLIPSIS_KINDS = (
    ("...", re.compile(r"\.{3,}")),
    ("。。。", re.compile(r"。{3,}")),
    ("…", re.compile(r"…+")),
    ("⋯", re.compile(r"[…⋯]+")),
    ("···", re.compile(r"·{3,}")),
    ("・・・", re.compile(r"・{3,}")),
)
#: Substrings that announce an ellipsis or dash form (a few fast `in` scans).
_RARE = ("...", "。。。", "…", "⋯", "···", "・・・", "--", "－")
#: After a pass: could a further pass still change something? Only if a mark touches
#: Chinese context (a later rule may have given it some) or an ellipsis / dash form is left.
_TO_FULL = str.maketrans(HALF, FULL)
_AGAIN_RE = re.compile(rf"[,;()\":!?](?:(?<={_Z}.)|(?<=[,;()\"])(?={_Z}))")
_AGAIN_ELLIPSIS_RE = re.compile(r"(?<!…)…(?!…)|………")
_RARE_NOT_ELLIPSIS = tuple(n for n in _RARE if n != "…")


#: Every match of :data:`_AGAIN_RE` starts with one of these (single-character ``in``
#: scans run at memchr speed; the pattern's scan costs ~3× all of them together).
_AGAIN_FIRST = ',;()":!?'


def _needs_another_pass(text: str, rare: bool) -> bool:
    """Could another pass change ``text``? ``rare``: did the input hold ellipsis/dash forms
    (the rules never create new ones, so when it did not they need no second look)."""
    if any(c in text for c in _AGAIN_FIRST) and _AGAIN_RE.search(text):
        return True
    if not rare:
        return False
    if any(n in text for n in _RARE_NOT_ELLIPSIS):
        return True
    return "…" in text and _AGAIN_ELLIPSIS_RE.search(text) is not None


def _full_pair(m: re.Match[str]) -> str:
    return f"（{m.group(1)}）"


@lru_cache(maxsize=1)
def load_rules() -> dict[str, Any]:
    """The rule table ``data/typography.toml`` (ids, descriptions, width map), cached."""
    raw = resources.files(__package__).joinpath("data/typography.toml").read_bytes()
    table = tomllib.loads(raw.decode("utf-8"))
    if table["width_map"] != dict(zip(HALF, FULL, strict=True)):
        raise ValueError("data/typography.toml: width_map does not match the code's map")
    return table


def rule_ids() -> tuple[str, ...]:
    """Ids of all punctuation rules, in the order they run."""
    return tuple(rule["id"] for rule in load_rules()["rule"])


@lru_cache(maxsize=1)
def _rule_order() -> dict[str, int]:
    return {rule: i for i, rule in enumerate(rule_ids())}


#: Kinds of :func:`_profile_table` besides Han (1), half-width (2) and full-width (4) marks:
#: the characters the rare (ellipsis / dash) triggers are made of, the rare triggers that
#: are one character, and the characters a URL or e-mail address needs.
_K_RARE_PART = 8
_K_RARE_ONE = 16
_K_URL = 32
#: Single-character members of :data:`_RARE`; the others are runs of one character.
_RARE_ONE = "".join(n for n in _RARE if len(n) == 1)
_RARE_PARTS = "".join(sorted({n[0] for n in _RARE if len(n) > 1}))


@lru_cache(maxsize=1)
def _profile_table() -> np.ndarray:
    """UTF-16 code unit → its kind: 1 (Han), 2 (half-width mark), 4 (full-width mark),
    :data:`_K_RARE_PART`, :data:`_K_RARE_ONE`, :data:`_K_URL`, else 0 (one kind each).

    Surrogates (characters outside the BMP: CJK extensions B and later, also emoji) count as
    Han; a 64 kB table keeps the lookup in cache.
    """
    table = np.zeros(0x10000, dtype=np.uint8)
    for lo, hi in HAN_SCRIPT_RANGES:
        if lo < 0x10000:
            table[lo : hi + 1] = 1
    table[0xD800:0xE000] = 1
    table[[ord(c) for c in HALF]] = 2
    table[[ord(c) for c in FULL]] = 4
    for chars, kind in ((_RARE_PARTS, _K_RARE_PART), (_RARE_ONE, _K_RARE_ONE), ("/w@", _K_URL)):
        if table[[ord(c) for c in chars]].any():  # pragma: no cover - table invariant
            raise ValueError(f"typography: {chars!r} would take two kinds")
        table[[ord(c) for c in chars]] = kind
    return table


def _kinds(text: str) -> np.ndarray:
    """The :func:`_profile_table` kind of every UTF-16 code unit of ``text``."""
    units = np.frombuffer(text.encode("utf-16-le", "surrogatepass"), dtype=np.uint16)
    return np.take(_profile_table(), units)


def _may_hold(kind: np.ndarray) -> tuple[bool, bool]:
    """From the kinds of a text: (could it hold one of :data:`_RARE`, could it hold a URL or
    an e-mail address). ``False`` is exact; ``True`` means "search the text"."""
    present = int(np.bitwise_or.reduce(kind)) if kind.size else 0
    rare = bool(present & _K_RARE_ONE)
    if not rare and present & _K_RARE_PART:
        part = kind == _K_RARE_PART  # a multi-character trigger: two such characters in a row
        rare = bool(np.logical_and(part[1:], part[:-1]).any())
    return rare, bool(present & _K_URL)


def width_profile(text: str) -> float | None:
    """Share of half-width ``, ; : ! ? ( )`` among such marks (either width) touching Han.

    ``None`` when no such mark touches a Han character. 1.0 for an NFKC-folded text,
    0.0 for one typeset in full width. Vectorised (numpy), no per-character loop.
    """
    if not text:
        return None
    return _width_profile(_kinds(text))


def _width_profile(kind: np.ndarray) -> float | None:
    """:func:`width_profile` from the kinds of the text's code units."""
    han = kind == 1
    touching = np.zeros(len(kind), dtype=bool)
    touching[1:] |= han[:-1]
    touching[:-1] |= han[1:]
    n_half = int(np.count_nonzero(touching & (kind == 2)))
    n_full = int(np.count_nonzero(touching & (kind == 4)))
    if n_half + n_full == 0:
        return None
    return n_half / (n_half + n_full)


def normalize_punctuation(text: str, disable: tuple[str, ...] = ()) -> tuple[str, dict[str, int]]:
    """Apply the punctuation rules to ``text``; return the new text and counts per rule id.

    Counts are characters replaced. Runs the rule chain until it is stable, so
    ``normalize_punctuation(normalize_punctuation(t)[0])[0] == normalize_punctuation(t)[0]``.
    """
    return _normalize(text, frozenset(disable), None)


#: A located change as a rule makes it: (rule, start, end, before, after).
_Span = tuple[str, int, int, str, str]


class _Trail:
    """Where typography records its located edits: each rule application is one change
    call of ``doc`` (see :meth:`~lawrpt_corpus.document.Document.record_spans`), its spans
    collected by the rule as it rewrites (no diff afterwards), at most the trail's room.

    The rules run on a working text in which URLs and e-mail addresses are masked (one
    placeholder each); spans are moved back to offsets in the real text."""

    __slots__ = ("doc", "url_mark", "urls")

    def __init__(self, doc: Document) -> None:
        self.doc = doc
        self.url_mark = ""
        self.urls: list[str] = []

    def room(self) -> int:
        return self.doc.trail_room()

    def add(self, text: str, spans: list[_Span], total: int) -> None:
        """Record one change call: ``spans`` (at most :meth:`room`, ascending) located in
        the working text ``text`` before the change, ``total`` changes in all."""
        if self.urls and spans:
            spans = self._unmasked(text, spans)
        self.doc.record_spans(Typography.name, spans, total)

    def add_chars(self, text: str, rule: str, ch: str, to: str, total: int) -> None:
        """Record one change call of ``rule`` replacing every ``ch`` of the working text
        ``text`` by ``to`` (``total`` of them); offsets from one vectorised comparison."""
        k = self.doc.trail_room()
        at: list[int] = []
        if k:
            codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), "<u4")
            at = np.flatnonzero(codes == ord(ch))[:k].tolist()
        if self.urls and at:
            self.add(text, [(rule, i, i + 1, ch, to) for i in at], total)
        else:
            self.doc.record_chars(Typography.name, rule, at, ch, to, total)

    def _unmasked(self, text: str, spans: list[_Span]) -> list[_Span]:
        marks: list[int] = []
        pos = text.find(self.url_mark)
        while pos >= 0:
            marks.append(pos)
            pos = text.find(self.url_mark, pos + 1)
        extra = [0]
        for url in self.urls[: len(marks)]:
            extra.append(extra[-1] + len(url) - 1)
        out = []
        for rule, start, end, before, after in spans:
            shift = extra[bisect_left(marks, start)]
            out.append((rule, start + shift, end + shift, before, after))
        return out


def _normalize(
    text: str,
    off: frozenset[str],
    trail: _Trail | None,
    may_hold: tuple[bool, bool] = (True, True),
) -> tuple[str, dict[str, int]]:
    """:func:`normalize_punctuation`, recording located spans on ``trail`` when given.
    ``may_hold``: :func:`_may_hold` of the text (its ``False`` answers skip the searches for
    ellipsis/dash forms and for URLs)."""
    counts: dict[str, int] = {}
    if not text:
        return text, counts
    spare: list[str] = []
    for mark in _SENTINELS:
        if mark not in text:
            spare.append(mark)
            if len(spare) == 3:
                break
    else:  # pragma: no cover - a text holding 30 noncharacters
        return text, counts
    url_mark, open_mark, close_mark = spare
    protected: list[str] = []
    if may_hold[1] and ("://" in text or "www." in text or "@" in text):
        protected = _PROTECT_RE.findall(text)
        if protected:
            text = _PROTECT_RE.sub(url_mark, text)
            if trail is not None:
                trail.url_mark, trail.urls = url_mark, protected
    rare = may_hold[0] and any(needle in text for needle in _RARE)
    for _ in range(MAX_PASSES):
        text, changed = _one_pass(text, counts, off, open_mark, close_mark, rare, trail)
        if not changed or not _needs_another_pass(text, rare):
            break
    if protected:
        pieces = text.split(url_mark)
        out = [pieces[0]]
        for url, piece in zip(protected, pieces[1:], strict=True):
            out.append(url)
            out.append(piece)
        text = "".join(out)
    return text, counts


def _count(counts: dict[str, int], rule: str, n: int) -> int:
    if n:
        counts[rule] = counts.get(rule, 0) + n
    return n


def _runs(
    text: str, pattern: re.Pattern[str], mark: str, rule: str, trail: _Trail | None
) -> tuple[str, int]:
    """Replace runs matched by ``pattern`` with ``mark`` where they stand in Chinese prose.

    A run qualifies when it touches Chinese context on one side and no ASCII letter or digit
    on the other (``使用--out`` and ``v1...v2`` stay); a run of 。 always qualifies.
    """
    hits = 0
    spans: list[_Span] = []
    room = trail.room() if trail is not None else 0

    def repl(m: re.Match[str]) -> str:
        nonlocal hits
        run = m.group()
        if run == mark:
            return run
        s, start, end = m.string, m.start(), m.end()
        before = s[start - 1] if start else ""
        after = s[end] if end < len(s) else ""
        z_before = bool(before) and _Z_RE.match(before) is not None
        z_after = bool(after) and _Z_RE.match(after) is not None
        alnum_before = bool(before) and _ALNUM_RE.match(before) is not None
        alnum_after = bool(after) and _ALNUM_RE.match(after) is not None
        if run[0] == "。" or (z_before and not alnum_after) or (z_after and not alnum_before):
            hits += 1
            if len(spans) < room:
                spans.append((rule, start, end, run, mark))
            return mark
        return run

    new = pattern.sub(repl, text)
    if trail is not None and hits:
        trail.add(text, spans, hits)
    return new, hits


def _one_pass(
    text: str,
    counts: dict[str, int],
    off: frozenset[str],
    open_mark: str,
    close_mark: str,
    rare: bool,
    trail: _Trail | None,
) -> tuple[str, int]:
    changed = 0
    room = trail.room if trail is not None else (lambda: 0)

    # 1. ellipsis and dash (their output is Chinese context for the rules below)
    if rare:
        if "ellipsis" not in off:
            for trigger, pattern in _ELLIPSIS_KINDS:
                if trigger in text:
                    text, n = _runs(text, pattern, "……", "ellipsis", trail)
                    changed += _count(counts, "ellipsis", n)
        if "dash" not in off and ("--" in text or "－" in text):
            text, n = _runs(text, _DASH_RE, "——", "dash", trail)
            changed += _count(counts, "dash", n)
    # 2. <…> inside 《…》
    if "<" in text and "《" in text and "title-inner" not in off:
        inner = 0
        spans: list[_Span] = []
        k = room()

        def title(m: re.Match[str]) -> str:
            nonlocal inner
            seg, base = m.group(), m.start()
            out: list[str] = []
            pos = 0
            for im in _TITLE_INNER_RE.finditer(seg):
                s, e = im.span()
                out += (seg[pos:s], "〈", seg[s + 1 : e - 1], "〉")
                pos = e
                inner += 2
                if len(spans) < k:
                    spans.append(("title-inner", base + s, base + s + 1, "<", "〈"))
                    spans.append(("title-inner", base + e - 1, base + e, ">", "〉"))
            out.append(seg[pos:])
            return "".join(out)

        new = _TITLE_RE.sub(title, text)
        if trail is not None and inner:
            trail.add(text, spans[:k], inner)
        text = new
        changed += _count(counts, "title-inner", inner)
    # 3. straight double quotes, paired left to right on each line
    if '"' in text and "quote" not in off:
        quotes = 0
        spans = []
        k = room()

        def quote(m: re.Match[str]) -> str:
            nonlocal quotes
            body = m.group(1)
            s, start, end = m.string, m.start(), m.end()
            if (
                _HAN_RE.search(body)
                or (start > 0 and _ZQ_RE.match(s, start - 1))
                or (end < len(s) and _ZQ_RE.match(s, end))
            ):
                quotes += 2
                if len(spans) < k:
                    spans.append(("quote", start, start + 1, '"', "“"))
                    spans.append(("quote", end - 1, end, '"', "”"))
                return f"“{body}”"
            return m.group()

        new = _QUOTE_RE.sub(quote, text)
        if trail is not None and quotes:
            trail.add(text, spans[:k], quotes)
        text = new
        changed += _count(counts, "quote", quotes)
    # 4. parentheses: matched pairs inside out, mixed-width pairs, then lone ones
    if "(" in text or ")" in text:
        masked = False
        for _ in range(8):
            n_q = 0
            if "paren" not in off:
                if trail is None:
                    text, n_q = _PAREN_Q_RE.subn(_full_pair, text)
                else:
                    text, n_q = _located_pairs(text, trail)
                changed += _count(counts, "paren", 2 * n_q)
            if "(" not in text:
                break
            text, n_u = _PAREN_U_RE.subn(lambda m: f"{open_mark}{m.group(1)}{close_mark}", text)
            masked = masked or n_u > 0
            if (not n_q and not n_u) or "(" not in text:
                break
        if "(" in text or ")" in text:  # what is left has no partner on its line
            if ("（" in text or "）" in text) and "paren-mixed" not in off:
                mixed = 0
                spans = []
                k = room()

                def pair(m: re.Match[str]) -> str:
                    nonlocal mixed
                    mixed += 1
                    if len(spans) < k:
                        if m.group(1) is not None:  # '(…）'
                            spans.append(("paren-mixed", m.start(), m.start() + 1, "(", "（"))
                        else:  # '（…)'
                            spans.append(("paren-mixed", m.end() - 1, m.end(), ")", "）"))
                    return f"（{m.group(1) or m.group(2) or ''}）"

                new = _PAREN_MIXED_RE.sub(pair, text)
                if trail is not None and mixed:
                    trail.add(text, spans, mixed)
                text = new
                changed += _count(counts, "paren-mixed", mixed)
            if "paren-lone" not in off and ("(" in text or ")" in text):
                hits = runs = 0
                spans = []
                k = room()

                def lone(m: re.Match[str]) -> str:
                    nonlocal hits, runs
                    run = m.group()
                    hits += len(run)
                    runs += 1
                    full = run.translate(_TO_FULL)
                    if len(spans) < k:
                        spans.append(("paren-lone", m.start(), m.end(), run, full))
                    return full

                new = _PAREN_LONE_RE.sub(lone, text)
                if trail is not None and runs:
                    trail.add(text, spans, runs)
                text = new
                changed += _count(counts, "paren-lone", hits)
        if masked:
            text = text.replace(open_mark, "(").replace(close_mark, ")")
    # 5. , ; : ! ?  (bulk replace; the rare occurrences that do not qualify are parked on a
    #    placeholder first and restored after)
    if "!" in text or "?" in text:
        text, n_excl, n_quest = _end_marks(text, off, trail)
        changed += _count(counts, "exclamation", n_excl) + _count(counts, "question", n_quest)
    for mark, full in zip(",;:", "，；：", strict=True):
        rule = _MARK_RULE[mark]
        if rule in off or mark not in text:
            continue
        total = text.count(mark)
        text, kept = _KEEP_RE[mark].subn(open_mark, text)
        if kept < total:
            if trail is not None:
                trail.add_chars(text, rule, mark, full, total - kept)
            text = text.replace(mark, full)
            changed += _count(counts, rule, total - kept)
        if kept:
            text = text.replace(open_mark, mark)
    return text, changed


def _located_pairs(text: str, trail: _Trail) -> tuple[str, int]:
    """The ``paren`` rule (matched pairs → full width) with its spans: both marks of each
    pair, one change call."""
    spans: list[_Span] = []
    k = trail.room()
    n = 0

    def pair(m: re.Match[str]) -> str:
        nonlocal n
        n += 1
        if len(spans) < k:
            spans.append(("paren", m.start(), m.start() + 1, "(", "（"))
            spans.append(("paren", m.end() - 1, m.end(), ")", "）"))
        return f"（{m.group(1)}）"

    new = _PAREN_Q_RE.sub(pair, text)
    if n:
        trail.add(text, spans[:k], 2 * n)
    return new, n


#: A run of '!'/'?' after Chinese: converted whole ('?!', '???'), in one pass.
_END_RUN_RE = re.compile(rf"(?<={_Z})[!?]+")
_END_RULE = {"!": "exclamation", "?": "question"}


def _end_marks(text: str, off: frozenset[str], trail: _Trail | None) -> tuple[str, int, int]:
    """'!' and '?' after Chinese (a whole run at once) → '！' '？'; returns the counts."""
    n = {"!": 0, "?": 0}
    keep = {m for m, rule in _END_RULE.items() if rule in off}
    spans: list[_Span] = []
    k = trail.room() if trail is not None else 0

    def full(m: re.Match[str]) -> str:
        out = []
        for i, ch in enumerate(m.group()):
            if ch in keep:
                out.append(ch)
            else:
                n[ch] += 1
                to = "！" if ch == "!" else "？"
                out.append(to)
                if len(spans) < k:
                    at = m.start() + i
                    spans.append((_END_RULE[ch], at, at + 1, ch, to))
        return "".join(out)

    new = _END_RUN_RE.sub(full, text)
    if trail is not None and (n["!"] or n["?"]):
        trail.add(text, spans, n["!"] + n["?"])
    return new, n["!"], n["?"]


@dataclass
class Typography(DocumentStep):
    """Record ``doc.width_profile``, then normalize punctuation in Chinese context.

    ``disable`` names rule ids (see :func:`rule_ids`) to skip. Never raises; an empty text
    gets ``width_profile = None`` and no edits.
    """

    disable: tuple[str, ...] = ()

    name = "typography"
    version = "1.0"
    data_files = (("lawrpt_corpus.normalize", "data/typography.toml"),)

    def __post_init__(self) -> None:
        unknown = set(self.disable) - set(rule_ids())
        if unknown:
            raise ValueError(f"unknown typography rule id(s): {sorted(unknown)}")
        self.disable = tuple(self.disable)

    def __call__(self, doc: Document) -> Document:
        text = doc.text
        if not text:
            doc.width_profile = None
            new, counts = _normalize(text, frozenset(self.disable), _Trail(doc))
        else:
            # one lookup pass gives the width profile and which searches the text can skip
            kind = _kinds(text)
            doc.width_profile = _width_profile(kind)
            new, counts = _normalize(text, frozenset(self.disable), _Trail(doc), _may_hold(kind))
        doc.text = new
        order = _rule_order()
        for rule in sorted(counts, key=lambda r: order.get(r, len(order))):
            doc.log_edit(self.name, rule, counts[rule])
        return doc
