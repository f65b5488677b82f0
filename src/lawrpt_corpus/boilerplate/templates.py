"""``Templates``: corpus layers for noise no rule names — templated lines and inline spam spans.

Three layers, each switchable, each with its own rule id, plus the block layer after them:

``template.line`` (``templates=True``)
    A line is reduced to its *template*: the document's own title, agency and places (as
    the metadata step found them, and the page's site name) become a slot, and so does an
    issuing body at the start of the line (…局, …委员会, …人民政府: any, by shape) and a
    report title quoted without 《》 (a run of Han and digits ending with 报告/总结/方案/要点),
    every 《…》 name
    becomes ``《》``, URLs and domains become one slot, a weekday (星期一, 周五) one word,
    then the fold of :func:`.repeated.normalize_line` (digits → 0, spaces dropped, ASCII
    punctuation → full width, lower case) and every run of digits one ``0``. A template
    found in at least ``min_reports`` *unrelated* reports,
    near an edge (first/last ``edge_lines`` non-blank lines) in at least ``edge_share`` of
    its occurrences, is removed wherever it occurs. Never templates: lines shorter than
    ``min_chars`` or longer than ``max_chars``; prose (a line ending like a sentence with at
    least ``prose_chars`` characters); a report's own short lines (the protected headings,
    dates, signatures, titles, closing formulas of ``data/repeated.toml``); lines holding a
    formula of report prose (``data/templates.toml``, ``protect``); report prose by shape
    (:func:`prose_shape`: two complete sentences, or a clause-marked fragment cut
    mid-sentence, with no site word — many reports share such formulaic sentences).
``span.inline`` (``spans=True``)
    Inside kept lines, every place with site-like *evidence* (a URL or domain, an account or
    contact handle, promotional or repost wording: ``data/templates.toml``, ``evidence``)
    contributes the ``span_chars``-character windows around it (up to ``span_reach``
    characters either side; a window starting or ending on punctuation is left out, so a
    recurring text never annexes the comma before it). A window found in at least
    ``min_reports`` unrelated reports is *strict*; in :meth:`apply` overlapping strict
    windows are merged, and a merged text is cut when it holds the evidence, ends before the
    reach on both sides (else the recurrence runs on: a shared sentence of prose), and
    either holds a URL/domain (*strong* evidence; a government domain is never evidence),
    sits in its own brackets, or has no clause punctuation (``，、；：。``) in it — so
    ``利用微信公众号转发法律法规、国家政策…`` shared by many reports stays. The cut is widened
    to its brackets (``【…】``, ``（…）``) or by one of the two punctuation marks around it:
    the two halves of the sentence rejoin. A span is at least ``span_chars`` characters.
``span.bare`` (``bare=True``)
    A *bare name* — a short token glued into paragraphs with no site-like evidence (an
    account or brand name without a domain) — is found by the corpus alone
    (:func:`bare_runs`): pass 1 counts, per distinct text, the character 4-grams and bigrams
    of its paragraph lines (≥ ``bare_line_chars``) in fixed-size tables
    (:class:`BareCounts`); a candidate is a run of 4-grams in ≥ ``bare_min_reports`` texts,
    inside a line and bounded by rarer 4-grams on both sides (it sits at varied places),
    ``bare_min_chars``–``bare_max_chars`` long, *closed* (none of its bigrams is used
    elsewhere in the corpus: a word of report prose shares them with other words) and
    *glued in* at ≥ ``bare_glued_share`` of its occurrences (the pair of characters around
    it is more common than the pairs it makes with them: an insertion breaks a common pair,
    a word of the sentence does not). Pass 2 keeps a candidate found in
    ``bare_min_reports`` mutually unrelated reports; :meth:`apply` cuts it from every
    paragraph line and the two halves rejoin.
``block.*`` (``blocks=True``)
    The short fragments between and around the lines removed here (:mod:`.blocks`).

*Unrelated reports*: each document carries a bottom-``sketch_size`` sketch of its character
5-gram hashes (Han, Latin and digits only). Two documents whose sketches estimate a
Jaccard similarity of at least ``relate_jaccard`` are copies of one report (a mirror, a
truncated or lightly edited copy): a template or window counts once for all of them. So a
line that recurs only among the copies of one report is never removed, however many copies.

Fit (driver, two passes over the kept documents): pass 1 counts, per template and window
hash, the distinct texts holding it (a counter entry per distinct hash, pruned of the
hashes seen once beyond ``max_entries``); pass 2 reads only the documents holding a
candidate (counted ≥ ``min_reports`` times) and keeps, per candidate, the sketches of up to
``min_reports`` mutually unrelated holders: a candidate with ``min_reports`` of them is
strict. State kept per document: nothing; per candidate: at most ``min_reports`` sketches.
Cost per document: one pass of bounded patterns per line, one numpy sketch, the hashes.
The bare-name layer's two passes ride on the same two reads of the stream: pass 1 adds each
distinct text's grams to the tables in batches (no sort per text), pass 2 finds each
distinct text's runs — in the local engine's worker processes when it lends them
(``fit(docs, pool=...)``, :class:`~lawrpt_corpus.pipeline.TaskPool`), the greedy choice of
unrelated holders staying in the driver, in input order. With numba (the ``[fast]`` extra)
both bare-name passes run in compiled kernels (:mod:`._kernels`: the same tables and runs;
the fit imports numba after ``_BARE_KERNEL_AFTER`` distinct texts), else numpy.
"""

from __future__ import annotations

import functools
import re
import sys
import tomllib
from array import array
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import resources
from itertools import chain, islice
from typing import Any, ClassVar

import ahocorasick_rs
import numpy as np
import regex

from ..document import Document
from ..pipeline import CorpusStep, TaskPool, params_only
from ..text.chars import HAN_IDEOGRAPH_RANGES, HAN_IDEOGRAPHS
from . import _kernels
from ._lines import line_starts, split_stripped, whole_line_spans
from ._lines import pack_hashes as _pack
from ._lines import unpack_hashes as _unpack
from .blocks import BlockParams, absorb, carry_gaps, gaps_for
from .protect import is_protected
from .repeated import line_hash, normalize_line, text_hash

RULE_TEMPLATE = "template.line"
RULE_SPAN = "span.inline"
RULE_BARE = "span.bare"
RULE_NEAR = "template.near"
_F_EDGE = "templates.edge"
_F_BODY = "templates.body"
_F_SPAN = "templates.spans"
_F_SKETCH = "templates.sketch"
_F_DOC = "templates.doc"
#: a span window's hash is salted, so that it never equals a line template's hash
_SPAN_SALT = 0x9E3779B97F4A7C15

_BOOK = re.compile(r"《[^《》\n]{1,60}》")
#: an issuing body at the start of a line (江苏省苏州市住房和城乡建设局…): the variable part
#: of a site's banner or copyright line even when the metadata step found no agency.
#: Anchored at the line start, so it is tried once per line.
#: a run of Han characters and digits ending with a document-type word: a report title
#: quoted in a line. It starts only where such a run starts (the look-behind after the first
#: character), so a long run is scanned once.
_TITLE_RUN = re.compile(
    f"[{HAN_IDEOGRAPHS}0-9\ue000](?<![{HAN_IDEOGRAPHS}0-9\ue000][{HAN_IDEOGRAPHS}0-9\ue000])"
    f"[{HAN_IDEOGRAPHS}0-9\ue000]{{5,59}}?(?:报告|总结|方案|要点)"
)
_LEADING_ORG = re.compile(
    f"^[{HAN_IDEOGRAPHS}\ue000]{{2,24}}?(?:委员会|人民政府|政府|办公室|办公厅|局|厅|委|中心)"
)
#: a URL or domain; it starts only where a run of URL characters starts (the look-behind), so
#: a long run of letters is scanned once, not from every position
_URL = re.compile(
    r"[A-Za-z0-9\-](?<![A-Za-z0-9\-./:][A-Za-z0-9\-])[A-Za-z0-9\-]{0,62}"
    r"(?:://[A-Za-z0-9\-]{1,63})?(?:\.[A-Za-z0-9\-]{1,63}){1,6}(?:/[!-~]{0,200})?"
)
_SENTENCE_END = frozenset("。；;！!？?")
#: a number as a reader sees it (0791-86241234, 2024-01-05, 12.5 are one each)
_NUMBER = re.compile(r"[0-9][0-9\-./:：]{0,30}")
#: a date written in Han form counts as one number (2024年1月5日)
_DATE = re.compile(r"[0-9]{2,4}\s{0,2}年\s{0,2}[0-9]{1,2}\s{0,2}月(?:\s{0,2}[0-9]{1,2}\s{0,2}日)?")
#: a table cell separator: a bar, a tab, or a run of two or more spaces
_CELL = re.compile(r"[|｜\t]|[ \u3000]{2,}")
_WEEKDAY = re.compile(r"(?:星期|周)[一二三四五六日天]")
_ZEROS = re.compile(r"0+")
#: a government domain is the report's own source, never site spam
_GOV = re.compile(r"\.gov(?:\.cn)?(?![a-z])|gov\.cn", re.IGNORECASE)
#: clause punctuation: a recurring text holding one reads like prose
_CLAUSE = re.compile(r"[，,、；;。：:]")
_OPEN = {"【": "】", "（": "）", "(": ")", "[": "]", "〔": "〕", "〖": "〗", "「": "」", "［": "］"}
_PUNCT = frozenset("，,、；;：:。.！!？?—-|｜/ \u3000")
#: what a bare name never starts or ends with (its run is trimmed of it)
_PUNCT_ALL = _PUNCT | frozenset("“”‘’\"'（）()【】[]《》〔〕「」…·\t")
#: the most evidence places looked at per line (bounds the cost of an adversarial line)
_MAX_EVIDENCE = 16
#: the most span windows a document contributes to the fit (its features stay ≤ ~32 KB
#: however much evidence it holds; a real report has a few dozen)
_MAX_WINDOWS = 4096
#: metadata values shorter than this are not masked (a one-character place is noise)
_MIN_SLOT = 2
#: the protection a template may have (a short sentence can still be a site's line)
_SENTENCE = frozenset({"sentence"})
_SLOT = "\ue000"  # a private-use character: the variable slot of a template
_URL_SLOT = "\ue001"


def _word_table() -> np.ndarray:
    """BMP code point → whether it is Han, an ASCII or full-width letter or digit."""
    c = np.arange(0x10000)
    out = np.zeros(c.size, dtype=bool)
    words = ((0x30, 0x39), (0x41, 0x5A), (0x61, 0x7A), (0xFF10, 0xFF19), (0xFF21, 0xFF3A))
    for lo, hi in (*HAN_IDEOGRAPH_RANGES, *words, (0xFF41, 0xFF5A)):
        out |= (lo <= c) & (c <= hi)
    return out


_HAN_OR_WORD = _word_table()
#: every code point → whether :func:`sketch` keeps it (the table above; astral: Han or
#: not, kept), so one lookup per character
_WORD_OR_ASTRAL = np.concatenate([_HAN_OR_WORD, np.ones(0x110000 - 0x10000, dtype=bool)])
_FNV = np.uint64(0x100000001B3)
_MIX = np.uint64(0xBF58476D1CE4E5B9)
_S29 = np.uint64(29)
_S32 = np.uint64(32)


@functools.lru_cache(maxsize=1)
def _data() -> tuple[tuple[tuple[str, Any], ...], tuple[tuple[str, Any, tuple[str, ...]], ...]]:
    text = (resources.files("lawrpt_corpus.boilerplate") / "data" / "templates.toml").read_text(
        encoding="utf-8"
    )
    data = tomllib.loads(text)
    protect = tuple((p["id"], regex.compile(p["pattern"])) for p in data["protect"])
    # the standard re module: faster than regex on these alternations over long lines
    evidence = tuple(
        (p["id"], re.compile(p["pattern"]), tuple(p.get("needs", ()))) for p in data["evidence"]
    )
    return protect, evidence


#: How many distinct lines :func:`_never_template` remembers (per process).
NEVER_TEMPLATE_MEMO = 65536


@functools.lru_cache(maxsize=NEVER_TEMPLATE_MEMO)
def _never_template(line: str) -> bool:
    """Whether a stripped line is never a template by its content alone, whatever the
    step's parameters and the document's slots: protected (and not merely as a sentence),
    report data (three numbers, or numbers in table cells) or a formula of report prose.

    A pure function of the line, memoized (bounded): chrome and headings recur from report
    to report (92 % of these verdicts over 2,000 generated reports were repeats), and the
    protection patterns are most of what a line costs here."""
    if is_protected(line, _SENTENCE):  # protected, and not merely as a sentence
        return True
    numbers = len(_NUMBER.findall(_DATE.sub("D", line) if "年" in line else line))
    if numbers >= 3 or (numbers and len(_CELL.findall(line)) >= 2):
        return True  # a table row or a line of figures: report data
    return any(pattern.search(line) for _, pattern in prose_formulas())


#: what a line of report prose never holds: Latin letters, spaces, and the marks of a page's
#: UI and fields (| ! ? : @ # / < > = ~ arrows © ® ™) — a report's sentences are Han,
#: digits, quotes, brackets and Chinese punctuation
_NOT_PROSE = re.compile(r"[A-Za-zＡ-Ｚａ-ｚ\s|｜!！?？:：@#/\\<>=~～→←{}©®™_]")
#: where a report's sentences end inside a line
_SENTENCE_MARK = re.compile(r"[。；;]")
#: the shortest sentence of a line of complete sentences (its mark included)
_PROSE_SENTENCE_CHARS = 6
#: the shortest clause-marked fragment that reads as prose cut mid-sentence (the last line
#: of a truncated page, a hard-wrapped PDF line): ``prose_chars``, the length from which a
#: sentence is prose. At 20, two advertising lines of lines.tsv (专业代写各类总结报告，加急当天
#: 交稿，高度保密) read as prose; shorter fragments keep their exact template only (below)
_PROSE_FRAGMENT_CHARS = 30
_CLAUSE_MARKS = frozenset("，、,；;")
#: :func:`prose_shape`'s verdicts
SHAPE_SITE, SHAPE_PROSE_CHARS, SHAPE_REPORT_PROSE = 0, 1, 2


@functools.lru_cache(maxsize=NEVER_TEMPLATE_MEMO)
def prose_shape(line: str) -> int:
    """How much a stripped line reads as report prose (session 25, issue #18).

    ``SHAPE_REPORT_PROSE``: report prose by shape, never a template — Han, digits and Chinese
    punctuation only, no site word (``data/site_words.toml``), and either
    two or more complete sentences (each ≥ 5 characters before its 。/；: ``创新利企便民政务
    服务方式。加强行政规范性文件管理。``) or a fragment of ≥ 30 characters holding a clause
    mark that ends mid-sentence (the last line of a truncated page). Thousands of reports copy
    such formulaic sentences; recurrence alone does not make them a site's line.
    ``SHAPE_PROSE_CHARS``: prose characters only, no site word, but neither shape (a short
    label or sentence): an exact template may still be a site's line, a near-duplicate group
    of it is not evidence (the near keys of prose group the prefixes of one sentence cut at
    different places). ``SHAPE_SITE``: anything else (a site word, a Latin letter, a UI mark)."""
    if _NOT_PROSE.search(line) or any(p.search(line) for _, p in site_words()):
        return SHAPE_SITE
    last = line[-1]
    if last in "。；;":
        parts = _SENTENCE_MARK.split(line[:-1])
        if len(parts) >= 2 and all(len(p) >= _PROSE_SENTENCE_CHARS - 1 for p in parts):
            return SHAPE_REPORT_PROSE
    elif (
        len(line) >= _PROSE_FRAGMENT_CHARS
        and last not in _CLAUSE_MARKS
        and any(c in _CLAUSE_MARKS for c in line)
    ):
        return SHAPE_REPORT_PROSE
    return SHAPE_PROSE_CHARS


@functools.lru_cache(maxsize=1)
def site_words() -> tuple[tuple[str, Any], ...]:
    """``(id, pattern)``: the site vocabulary that takes :func:`prose_shape`'s protection away
    (``data/site_words.toml``, derived from the training labels by
    ``benchmarks/derive_site_words.py``)."""
    text = (resources.files("lawrpt_corpus.boilerplate") / "data" / "site_words.toml").read_text(
        encoding="utf-8"
    )
    return tuple((p["id"], re.compile(p["pattern"])) for p in tomllib.loads(text)["site_words"])


def prose_formulas() -> tuple[tuple[str, Any], ...]:
    """``(id, pattern)``: lines holding a formula of report prose are never templates."""
    return _data()[0]


def evidence_patterns() -> tuple[tuple[str, Any], ...]:
    """``(id, pattern)``: site-like evidence that an inline span may be spam."""
    return tuple((pid, pattern) for pid, pattern, _ in _data()[1])


@functools.lru_cache(maxsize=1)
def _evidence_scanner() -> tuple[Any, tuple[str, ...], Any]:
    """All evidence patterns as one alternation of named groups (one scan of a line finds
    every kind), the group names, and an Aho-Corasick automaton of every pattern's
    ``needs`` literals (a line without one holds no evidence: the regex is not run)."""
    items = _data()[1]
    joined = "|".join(f"(?P<e{k}>{pattern.pattern})" for k, (_, pattern, _) in enumerate(items))
    needs = sorted({lit for _, _, lits in items for lit in lits})
    if any(not lits for _, _, lits in items):
        raise ValueError("templates.toml: every evidence pattern needs its `needs` literals")
    automaton = ahocorasick_rs.AhoCorasick(needs, implementation=ahocorasick_rs.Implementation.DFA)
    return re.compile(joined), tuple(pid for pid, _, _ in items), automaton


@functools.lru_cache(maxsize=1)
def _literal_kinds() -> tuple[frozenset[int], ...]:
    """Per literal of the evidence automaton (its pattern index), the evidence patterns
    whose ``needs`` hold it."""
    items = _data()[1]
    needs = sorted({lit for _, _, lits in items for lit in lits})
    return tuple(
        frozenset(k for k, (_, _, lits) in enumerate(items) if lit in lits) for lit in needs
    )


@functools.lru_cache(maxsize=16)
def _branches(kinds: frozenset[int]) -> Any:
    """The evidence alternation of ``_evidence_scanner`` with only the patterns ``kinds``
    (in their order, under their group names): on a line holding only those patterns'
    ``needs`` literals it finds what the whole alternation finds — a branch needing a
    literal the line lacks matches nowhere in it, so dropping it changes no match."""
    items = _data()[1]
    if len(kinds) == len(items):
        return _evidence_scanner()[0]
    return re.compile(
        "|".join(f"(?P<e{k}>{p.pattern})" for k, (_, p, _) in enumerate(items) if k in kinds)
    )


def _kinds_in(hits: Iterable[tuple[int, int, int]]) -> frozenset[int]:
    """The evidence patterns whose literals are among the automaton's ``hits``."""
    table = _literal_kinds()
    return frozenset().union(*(table[k] for k, _, _ in hits))


def active_evidence(text: str) -> Any:
    """The evidence automaton and scanner when some evidence can occur in ``text``, else
    None (pass it to the per-line evidence search)."""
    scanner, _, automaton = _evidence_scanner()
    if not automaton.find_matches_as_indexes(text):
        return None
    return automaton, scanner


@functools.lru_cache(maxsize=1)
def _needles_inside_lines() -> bool:
    """Whether no ``needs`` literal holds a line break or white space: then every
    occurrence of one lies inside one stripped line."""
    return not any(any(c.isspace() for c in lit) for _, _, lits in _data()[1] for lit in lits)


def _evidence_lines(
    text: str, raw_lines: Sequence[str]
) -> tuple[Any, dict[int, frozenset[int]] | None]:
    """:func:`active_evidence` of ``text``, and the lines of ``raw_lines``
    (``text.split("\n")``) that hold a ``needs`` literal — by index, with the evidence
    patterns whose literals they hold — from the same one automaton pass over the whole
    text, every occurrence reported (overlapping; None: look at each line). A line not
    named holds none in its stripped form either, so :meth:`Templates._evidence` would find
    nothing there, and a named line's stripped form holds the same literals (no literal
    holds a line break or white space)."""
    scanner, _, automaton = _evidence_scanner()
    found = automaton.find_matches_as_indexes(text, overlapping=True)
    if not found:
        return None, None
    if not _needles_inside_lines():
        return (automaton, scanner), None
    starts = line_starts(raw_lines)
    table = _literal_kinds()
    by_line: dict[int, frozenset[int]] = {}
    for k, start, _ in found:
        i = bisect_right(starts, start) - 1
        kinds = by_line.get(i)
        by_line[i] = table[k] if kinds is None else kinds | table[k]
    return (automaton, scanner), by_line


def slots_of(doc: Document) -> tuple[str, ...]:
    """The document's own variable strings, longest first: title, agency, places (metadata)
    and the page's site name and title."""
    values: set[str] = set()
    for key in ("title", "agency", "province", "prefecture", "county"):
        v = doc.meta.get(key)
        if isinstance(v, str) and len(v) >= _MIN_SLOT:
            values.add(v)
    page = doc.page
    if page is not None:
        for v in (page.site_name, page.title, page.publisher):
            if v and len(v) >= _MIN_SLOT:
                values.add(v)
    return tuple(sorted(values, key=lambda s: (-len(s), s)))


def template_of(line: str, slots: Sequence[str] = ()) -> str:
    """The template of a stripped line (see the module docstring)."""
    for s in slots:
        if s in line:
            line = line.replace(s, _SLOT)
    m = _LEADING_ORG.match(line)  # may hold a slot already (厦门市 of 厦门市思明区人民政府)
    if m is not None:
        line = _SLOT + line[m.end() :]
    if "报告" in line or "总结" in line or "方案" in line or "要点" in line:
        # a report title quoted without 《》 (下面是{标题}，欢迎…) even when the metadata step
        # found no title: the run of Han and digits up to the document-type word
        line = _TITLE_RUN.sub(_SLOT, line)
    if "《" in line:
        line = _BOOK.sub("《》", line)
    if "." in line:
        line = _URL.sub(_URL_SLOT, line)
    if "星期" in line or "周" in line:
        line = _WEEKDAY.sub("星期", line)
    # a number is one slot, whatever its digits (3月1日 and 3月21日 are one template)
    return _ZEROS.sub("0", normalize_line(line))


#: near-duplicate template lines: MinHash over the character bigrams of a template, in
#: ``_NEAR_BANDS`` bands of ``_NEAR_ROWS`` hashes: two templates with Jaccard 0.7 (one
#: character of 13 changed) share a band with probability 0.83, with 0.5: 0.41, with 0.3: 0.10
_NEAR_BANDS = 4
_NEAR_ROWS = 3
_NEAR_SALT = np.uint64(0x2545F4914F6CDD1D)


def _near_coefficients() -> tuple[np.ndarray, np.ndarray]:
    """Fixed odd multipliers and offsets of the MinHash permutations (a 64-bit LCG from a
    constant seed: the same on every machine)."""
    x = 0x9E3779B97F4A7C15
    mul, add = [], []
    for _ in range(_NEAR_BANDS * _NEAR_ROWS):
        x = (x * 6364136223846793005 + 1442695040888963407) % (1 << 64)
        mul.append(x | 1)
        x = (x * 6364136223846793005 + 1442695040888963407) % (1 << 64)
        add.append(x)
    return np.array(mul, dtype=np.uint64)[:, None], np.array(add, dtype=np.uint64)[:, None]


_NEAR_MUL, _NEAR_ADD = _near_coefficients()

#: How many distinct templates :func:`near_keys` remembers (per process).
NEAR_KEYS_MEMO = 65536


@functools.lru_cache(maxsize=NEAR_KEYS_MEMO)
def near_keys(template: str) -> tuple[int, ...]:
    """The band keys of a template string (see ``_NEAR_BANDS``): lines whose templates
    differ by a few characters share one of them. A pure function of the template,
    memoized (chrome templates recur from report to report)."""
    c = np.frombuffer(template.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    c = c.astype(np.uint64)
    h = c[:-1] * _FNV
    h += c[1:]
    v = h[None, :] * _NEAR_MUL + _NEAR_ADD
    v ^= v >> _S29
    v *= _MIX
    v ^= v >> _S32
    mins = v.min(axis=1).reshape(_NEAR_BANDS, _NEAR_ROWS)
    keys = mins[:, 0].copy()
    for j in range(1, _NEAR_ROWS):
        keys *= _FNV
        keys += mins[:, j]
    keys ^= keys >> _S29
    keys *= _MIX
    keys ^= _NEAR_SALT + np.arange(_NEAR_BANDS, dtype=np.uint64)
    return tuple(int(k) for k in keys.tolist())


def sketch(text: str, size: int) -> bytes:
    """The ``size`` smallest distinct hashes of the character 5-grams of ``text``'s Han,
    Latin and digit characters (uint64, sorted, packed): a bottom-k sketch for Jaccard.

    With the compiled kernel (``_kernels.sketch_bottom``: once numba is in the process, i.e.
    after the dedup step's first reports) one pass keeps the ``size`` smallest distinct
    hashes in a sorted buffer; else numpy (hashes, partition, sort); the same bytes."""
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    got = _kernels.sketch_bottom(codes, _WORD_OR_ASTRAL, size)
    if got is not None:  # the compiled kernel: the same values, no sort
        return array("Q", [line_hash(text)]).tobytes() if isinstance(got, int) else got.tobytes()
    c = codes[_WORD_OR_ASTRAL[codes]]
    if c.size < 5:
        return array("Q", [line_hash(text)]).tobytes()
    c = c.astype(np.uint64)
    n = c.size - 4
    h = c[:n].copy()  # in place: h = ((c0·M + c1)·M + c2)·M … mod 2⁶⁴
    for j in range(1, 5):
        h *= _FNV
        h += c[j : j + n]
    h ^= h >> _S29
    h *= _MIX
    h ^= h >> _S32
    # the smallest distinct values: a partition of a few times ``size`` is enough unless
    # the text repeats itself
    k = min(n, 4 * size)
    u = _sorted_unique(np.partition(h, k - 1)[:k])
    if u.size < size and k < n:
        u = _sorted_unique(h)
    return u[:size].tobytes()


def _sorted_unique(values: np.ndarray) -> np.ndarray:
    """``np.unique`` of a non-empty 1-D array by sort + mask (same values, less overhead)."""
    out = np.sort(values)
    keep = np.empty(out.size, dtype=bool)
    keep[0] = True
    np.not_equal(out[1:], out[:-1], out=keep[1:])
    return out[keep]


@functools.lru_cache(maxsize=8192)
def _sketch_set(sketch: bytes) -> frozenset[int]:
    """The hashes of a packed sketch (memoized: the fit compares each holder's sketch with
    the few kept for every candidate it holds, and the kept ones again and again)."""
    return frozenset(_unpack(sketch))


def related(a: bytes, b: bytes, size: int, jaccard: float) -> bool:
    """Whether two sketches estimate a Jaccard similarity of at least ``jaccard``."""
    sa, sb = _sketch_set(a), _sketch_set(b)
    union = sorted(sa | sb)[:size]
    both = sum(1 for h in union if h in sa and h in sb)
    return both >= jaccard * len(union)


def _report_rank(row: dict[str, Any]) -> tuple[bool, int, str]:
    """The order of the report's candidate rows: strict first, then by documents (most
    first), then by text."""
    return (not row["strict"], -int(row["documents"]), str(row["text"]))


def _report_order(row: dict[str, Any]) -> tuple[bool, int, str, str, int]:
    """:func:`_report_rank`, ties (the same text in two layers: a site's name as a template
    line and glued in as a bare name) broken by layer and unrelated count: one order for
    :meth:`Templates.fit_result` and :meth:`Templates.merge_results`, so that the cluster
    fit's merged report is ``fit()``'s."""
    return (*_report_rank(row), str(row["layer"]), int(row["unrelated"]))


#: the gram length of the bare-name layer and its bigram salt
_BARE_N = 4
_BARE_SALT2 = np.uint64(0x5851F42D4C957F2D)


def _line_codes(line: str) -> np.ndarray:
    return np.frombuffer(line.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(
        np.uint64
    )


def _gram_buckets(codes: np.ndarray, n: int, bits: int, salt: np.uint64) -> np.ndarray:
    """The bucket (``bits`` bits) of every character ``n``-gram of ``codes``, in order."""
    m = codes.size - n + 1
    h = codes[:m] ^ salt
    for j in range(1, n):
        h *= _FNV
        h += codes[j : j + m]
    h ^= h >> _S29
    h *= _MIX
    h ^= h >> _S32
    h >>= np.uint64(64 - bits)
    return h.view(np.int64)  # < 2**bits: the same values, no copy


@dataclass(frozen=True)
class _Grams:
    """A document's paragraph lines joined by line breaks, as codes, with the bucket of
    every 4-gram and bigram and whether it crosses a line break."""

    text: str
    codes: np.ndarray
    b4: np.ndarray
    b2: np.ndarray
    cross4: np.ndarray
    cross2: np.ndarray


def _grams(lines: Sequence[str], bits4: int, bits2: int) -> _Grams | None:
    text = "\n".join(lines)
    c = _line_codes(text)
    if c.size < _BARE_N:
        return None
    b4 = _gram_buckets(c, _BARE_N, bits4, _Z)
    b2 = _gram_buckets(c, 2, bits2, _BARE_SALT2)
    # a gram crosses a line break when one of its characters is one (bool ORs of shifted
    # masks: cheaper than comparing a running count of breaks)
    nl = c == 10
    cross2 = nl[:-1] | nl[1:]
    cross4 = cross2[:-2] | cross2[2:]  # _BARE_N == 4: characters i, i+1 | i+2, i+3
    return _Grams(text, c, b4, b2, cross4, cross2)


def paragraph_lines(text: str, min_chars: int) -> list[str]:
    """The stripped lines of ``text`` with at least ``min_chars`` characters: the paragraphs
    the bare-name layer looks inside."""
    return [s for s in (ln.strip() for ln in text.split("\n")) if len(s) >= min_chars]


@dataclass
class BareCounts:
    """The bare-name layer's corpus tables (pass 1): per 4-gram bucket, the distinct texts
    holding it (``df4``) and its occurrences (``tf4``); per bigram bucket, its occurrences
    (``tf2``) — over the paragraph lines of each distinct text. Tables of different
    workers add up (:meth:`add`)."""

    df4: np.ndarray
    tf4: np.ndarray
    tf2: np.ndarray

    @classmethod
    def empty(cls, bits4: int, bits2: int) -> BareCounts:
        z = np.zeros
        return cls(z(1 << bits4, np.uint32), z(1 << bits4, np.uint32), z(1 << bits2, np.uint32))

    def count(self, lines: Sequence[str]) -> None:
        """Add one distinct text's paragraph ``lines``."""
        self.count_many((lines,))

    def count_many(self, texts: Iterable[Sequence[str]]) -> None:
        """Add distinct texts, each given as its paragraph lines: the same tables as
        :meth:`count` on each in turn (sums of per-text counts), computed without a sort per
        text. ``df4``: a fancy-index ``+= 1`` adds one per *distinct* bucket of a text (with
        repeated indices numpy writes ``old + 1`` once per index); ``tf4``/``tf2``: one
        ``bincount`` over the buckets of the batch (or one sort when the batch is small
        next to the table)."""
        bits = self.bits()
        four: list[np.ndarray] = []
        two: list[np.ndarray] = []
        compiled = _kernels.bare_kernels()
        for lines in texts:
            if compiled:  # the same sums, one compiled pass per text (_kernels.bare_count)
                cp = np.frombuffer(
                    "\n".join(lines).encode("utf-32-le", "surrogatepass"), dtype=np.uint32
                )
                if cp.size >= _BARE_N:
                    _kernels.bare_count(cp, *bits, self.df4, self.tf4, self.tf2)
                continue
            g = _grams(lines, *bits)
            if g is None:
                continue
            b4 = g.b4[~g.cross4]
            self.df4[b4] += 1
            four.append(b4)
            two.append(g.b2[~g.cross2])
        if four:
            _add_counts(self.tf4, np.concatenate(four))
            _add_counts(self.tf2, np.concatenate(two))

    def bits(self) -> tuple[int, int]:
        return int(self.df4.size).bit_length() - 1, int(self.tf2.size).bit_length() - 1

    def add(self, other: BareCounts) -> None:
        self.df4 += other.df4
        self.tf4 += other.tf4
        self.tf2 += other.tf2


def _add_counts(table: np.ndarray, values: np.ndarray) -> None:
    """``table[v] += 1`` for every element ``v`` of ``values`` (repeats counted): one
    ``bincount`` over the whole table when ``values`` is large next to it, else one sort."""
    if values.size * 8 >= table.size:
        np.add(table, np.bincount(values, minlength=table.size), out=table, casting="unsafe")
    elif values.size:
        u, n = _counted(values)
        table[u] += n


def _counted(values: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The distinct values and how often each occurs (``np.unique(return_counts=True)`` by
    one sort and a mask)."""
    if not values.size:
        return values, values.astype(np.uint32)
    v = np.sort(values)
    first = np.flatnonzero(np.concatenate(([True], v[1:] != v[:-1])))
    return v[first], np.diff(np.append(first, v.size)).astype(np.uint32)


_Z = np.uint64(0)


#: every code point → whether it is in ``_PUNCT_ALL`` (what a bare name is trimmed of)
_PUNCT_TABLE = np.zeros(0x110000, dtype=bool)
_PUNCT_TABLE[[ord(ch) for ch in _PUNCT_ALL]] = True


def _trimmed(codes: np.ndarray, a: np.ndarray, b: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """The runs ``[a, b)`` of ``codes`` (``a < b``) with the ``_PUNCT_ALL`` characters at
    their two ends dropped (``while codes[a] in P: a += 1``, then the same from ``b``):
    the next and the previous non-punctuation position of every character, by running
    minimum / maximum."""
    is_p = _PUNCT_TABLE[codes]
    pos = np.arange(codes.size)
    nxt = np.minimum.accumulate(np.where(is_p, codes.size, pos)[::-1])[::-1]
    prv = np.maximum.accumulate(np.where(is_p, -1, pos))
    lo = np.minimum(nxt[a], b)
    hi = np.maximum(prv[b - 1] + 1, lo)
    return lo, hi


def bare_runs(
    lines: Sequence[str],
    counts: BareCounts,
    k: int,
    min_chars: int,
    max_chars: int,
    slots: Sequence[str] = (),
) -> list[tuple[str, bool]]:
    """The bare-name candidates of a document's paragraph ``lines`` given the corpus tables,
    each with whether this occurrence looks *glued in*.

    A candidate is a maximal run of 4-grams each in ≥ ``k`` distinct texts, inside the line
    and bounded on both sides by a 4-gram in fewer (the text around it varies),
    ``min_chars``–``max_chars`` characters once trimmed of punctuation, holding a Han
    character or letter, and *closed*: each of its bigrams occurs hardly more often in the
    corpus than the run itself. An occurrence is *glued in* when the bigram the text would
    have without it (the character before + the character after) is more common in the
    corpus than both bigrams it makes at its two ends: a name glued into a sentence breaks
    a common pair of characters and makes two rare ones; a word of report prose (法治建设
    in 推进法治建设工作) makes common pairs with its neighbours, and its removal a rare one.
    Never a document's own name (metadata slots) nor a formula of report prose."""
    bits4, bits2 = counts.bits()
    if _kernels.bare_kernels():
        return _bare_runs_compiled(lines, counts, k, min_chars, max_chars, slots)
    g = _grams(lines, bits4, bits2)
    if g is None:
        return []
    n = _BARE_N
    rec = (counts.df4[g.b4] >= k) & ~g.cross4
    if not rec.any():
        return []
    edge = np.diff(np.concatenate(([0], rec.view(np.int8), [0])))
    first = np.flatnonzero(edge == 1)
    last = np.flatnonzero(edge == -1) + (n - 1)  # the run's characters: first .. last-1
    # inside its line (not touching its start or end) and not too long even untrimmed
    # of the punctuation around it (trimming only shortens it)
    c = g.codes
    ok = (first > 0) & (last < c.size) & (last - first >= max(min_chars, n))
    first, last = first[ok], last[ok]
    ok = (c[first - 1] != 10) & (c[last] != 10) & (last - first <= max_chars + 8)
    line = g.text
    first, last = first[ok], last[ok]
    if not first.size:
        return []
    # each run trimmed of the punctuation at its ends (_PUNCT_ALL), all runs at once
    lo_a, hi_a = _trimmed(c, first, last)
    width = hi_a - lo_a
    ok = (width >= max(min_chars, n)) & (width <= max_chars)
    lo: list[int] = lo_a[ok].tolist()
    hi: list[int] = hi_a[ok].tolist()
    if not lo:
        return []
    # closed: the rarest 4-gram of the run vs its most used bigram, for every run at once
    tf4 = counts.tf4[g.b4]
    tf2 = counts.tf2[g.b2]
    starts = np.array(lo, dtype=np.int64)
    ends = np.array(hi, dtype=np.int64)
    own = np.minimum.reduceat(tf4, np.stack([starts, ends - n + 1], axis=1).ravel())[::2]
    big = np.maximum.reduceat(tf2, np.stack([starts, ends - 1], axis=1).ravel())[::2]
    out: list[tuple[str, bool]] = []
    for a, b, o, m in zip(lo, hi, own.tolist(), big.tolist(), strict=True):
        if m > o + max(1, o // 4):
            continue  # a bigram of it is used elsewhere: a word of the corpus's prose
        token = line[a:b]
        if not _bare_token_ok(token, slots):
            continue
        joined = _gram_buckets(g.codes[[a - 1, b]], 2, bits2, _BARE_SALT2)
        glued = int(counts.tf2[joined[0]]) > max(int(tf2[a - 1]), int(tf2[b - 1]))
        out.append((token, glued))
    return out


def _bare_runs_compiled(
    lines: Sequence[str],
    counts: BareCounts,
    k: int,
    min_chars: int,
    max_chars: int,
    slots: Sequence[str],
) -> list[tuple[str, bool]]:
    """:func:`bare_runs` with the runs found, trimmed and tested closed in one compiled
    pass (``_kernels.bare_run_spans``); the checks of each token's text as there."""
    text = "\n".join(lines)
    cp = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    if cp.size < _BARE_N:
        return []
    found = _kernels.bare_run_spans(
        cp, counts.bits(), counts, k, min_chars, max_chars, _PUNCT_TABLE
    )
    out: list[tuple[str, bool]] = []
    for a, b, glued in found.tolist():
        token = text[a:b]
        if not _bare_token_ok(token, slots):
            continue
        out.append((token, bool(glued)))
    return out


def _bare_token_ok(token: str, slots: Sequence[str]) -> bool:
    """A run's text may be a bare name: it holds a letter, is not (in) one of the
    document's own names, and holds no formula of report prose."""
    if not any(ch.isalpha() for ch in token):
        return False
    if any(token in sl or sl in token for sl in slots):
        return False
    return not any(p.search(token) for _, p in prose_formulas())


#: distinct texts per batch of the bare-name pass 2 (one task when a pool runs them)
_BARE_BATCH = 128
#: pass-2 batches done in the driver before a pool takes the rest (3,072 distinct texts:
#: a pool cost a 3,000-report build more than it saved, docs/performance.md, session 22)
_POOL_AFTER = 24
#: distinct texts pass 1 counts with numpy before the fit imports numba for the compiled
#: count (``_kernels.bare_count``; ~0.3–0.5 s of CPU to import and load, ~0.2 ms saved per
#: text): a small fit never imports it; with numba in the process already (the pool's
#: workers, a process that ran Dedup) the kernels are used from the first text
_BARE_KERNEL_AFTER = 2048
#: distinct texts per batch of pass 1 (one ``bincount`` over the tables each: 128 → 256
#: texts saved ~20 % of the pass; ~20 MB of buckets alive at once)
_BARE_COUNT_BATCH = 256


def _bare_found_task(
    shared: tuple[Templates, BareCounts], items: list[tuple[str, tuple[str, ...], bytes]]
) -> list[tuple[bytes, list[tuple[str, bool]]]]:
    """Pass 2 of the bare-name layer over a batch of distinct texts (a pool task): each
    text's sketch and candidate occurrences (``Templates.bare_found``) given the tables."""
    step, counts = shared
    return [(sk, step.bare_found(text, slots, counts)) for text, slots, sk in items]


class _BareGreedy:
    """:meth:`Templates.bare_unrelated`'s bookkeeping: fed each distinct text's sketch and
    candidate occurrences in input order."""

    def __init__(self, step: Templates):
        self.step = step
        self.reps: dict[str, list[bytes]] = {}
        self.texts: Counter[str] = Counter()
        self.seen_glued: Counter[str] = Counter()
        self.seen_all: Counter[str] = Counter()

    def add(self, sk: bytes, found: list[tuple[str, bool]]) -> None:
        step = self.step
        for token, glued in found:
            self.seen_all[token] += 1
            self.seen_glued[token] += glued
        for token in sorted({t for t, _ in found}):
            self.texts[token] += 1
            got = self.reps.setdefault(token, [])
            if len(got) < step.bare_min_reports and all(
                not related(sk, other, step.sketch_size, step.relate_jaccard) for other in got
            ):
                got.append(sk)

    def result(self) -> dict[str, tuple[int, int]]:
        share = self.step.bare_glued_share
        return {
            t: (
                self.texts[t],
                len(got) if self.seen_glued[t] >= share * self.seen_all[t] else 0,
            )
            for t, got in self.reps.items()
        }


@dataclass(frozen=True)
class TemplatesState:
    """What :meth:`Templates.fit` learned: the template hashes to remove (``strict``), the
    span-window hashes that may be cut (``strict_spans``), and the report for build.json."""

    strict: frozenset[int] = frozenset()
    strict_spans: frozenset[int] = frozenset()
    report: dict[str, Any] = field(default_factory=dict)
    #: the bare names to cut from paragraphs (sorted)
    bare: tuple[str, ...] = ()


@dataclass
class Templates(CorpusStep):
    """Templated repeated lines and inline spam spans across unrelated reports."""

    name = "templates"
    version = "1.2"
    data_files = (
        ("lawrpt_corpus.boilerplate", "data/templates.toml"),
        ("lawrpt_corpus.boilerplate", "data/repeated.toml"),
        ("lawrpt_corpus.boilerplate", "data/site_words.toml"),
    )

    templates: bool = True
    spans: bool = True
    blocks: bool = True
    min_reports: int = 5
    min_chars: int = 4
    max_chars: int = 120
    prose_chars: int = 30
    edge_lines: int = 20
    edge_share: float = 0.8
    span_chars: int = 8
    span_reach: int = 24
    sketch_size: int = 16
    relate_jaccard: float = 0.5
    #: bare-name inline watermarks (``span.bare``): on, the unrelated reports a name must be
    #: glued into (higher than ``min_reports``: there is no site-like evidence), the shortest
    #: paragraph looked inside, the name's length bounds, the count tables' sizes (bits)
    near: bool = True
    near_min_chars: int = 10
    bare: bool = True
    bare_min_reports: int = 6
    bare_line_chars: int = 40
    bare_min_chars: int = 4
    bare_max_chars: int = 24
    bare_bits: int = 22
    bare_glued_share: float = 0.8
    #: the least evidence the bare-name tests need: bigram occurrences in the corpus's
    #: paragraph lines (~4,000–5,000 per report; 100,000 ≈ 20–25 reports). Below it a word
    #: of prose can look *closed* and *glued in* (its bigrams occur nowhere else yet: ten
    #: reports of one agency lost 深度融合 from a shared sentence), so the layer stays off
    bare_min_bigrams: int = 100_000
    max_entries: int = 2_000_000
    report_top: int = 100
    block_params: BlockParams = field(default_factory=BlockParams)

    state: TemplatesState | None = field(default=None, init=False, repr=False, compare=False)
    pooled_fit: ClassVar[bool] = True

    def __post_init__(self) -> None:
        if self.min_reports < 2:
            raise ValueError("templates: min_reports must be >= 2")
        if self.bare_min_reports < 2 or not 4 <= self.bare_min_chars <= self.bare_max_chars:
            raise ValueError("templates: bare_min_reports >= 2, 4 <= bare_min_chars <= max")
        if self.bare_min_bigrams < 0:
            raise ValueError("templates: bare_min_bigrams must be >= 0")
        if not 12 <= self.bare_bits <= 26:
            raise ValueError("templates: bare_bits in [12, 26]")
        if self.span_chars < 4 or self.sketch_size < 4:
            raise ValueError("templates: span_chars and sketch_size must be >= 4")
        if not 0.0 < self.relate_jaccard <= 1.0 or not 0.0 <= self.edge_share <= 1.0:
            raise ValueError("templates: relate_jaccard in (0, 1], edge_share in [0, 1]")

    # -- per document ------------------------------------------------------------------------
    def line_template(self, line: str, slots: Sequence[str]) -> int | None:
        """The template hash of a stripped line, or None when the line is never a template."""
        n = len(line)
        if not self.min_chars <= n <= self.max_chars:
            return None
        if n >= self.prose_chars and line[-1] in _SENTENCE_END:
            return None
        if line[-1] in _SENTENCE_END and ("，" in line or "、" in line or "," in line):
            return None  # a sentence with clauses: report prose, however short
        if _never_template(line) or prose_shape(line) == SHAPE_REPORT_PROSE:
            return None
        norm = template_of(line, slots)
        if len(norm.replace(_SLOT, "").replace(_URL_SLOT, "")) < self.min_chars:
            return None
        return line_hash(norm)

    def line_keys(self, line: str, slots: Sequence[str]) -> tuple[int, ...]:
        """The template hash of a stripped line followed by its near-duplicate band keys
        (templates of ≥ ``near_min_chars`` characters, ``near=True``, of lines with site
        evidence: :func:`prose_shape` ``SHAPE_SITE``); empty when the line is never a
        template. A line counts, and is removed, under each of its keys."""
        n = len(line)
        if not self.min_chars <= n <= self.max_chars:
            return ()
        if n >= self.prose_chars and line[-1] in _SENTENCE_END:
            return ()
        if line[-1] in _SENTENCE_END and ("，" in line or "、" in line or "," in line):
            return ()  # a sentence with clauses: report prose, however short
        if _never_template(line):
            return ()
        shape = prose_shape(line)
        if shape == SHAPE_REPORT_PROSE:
            return ()  # two sentences, or a fragment cut mid-sentence: report prose
        norm = template_of(line, slots)
        if len(norm.replace(_SLOT, "").replace(_URL_SLOT, "")) < self.min_chars:
            return ()
        if self.near and len(norm) >= self.near_min_chars and shape == SHAPE_SITE:
            return (line_hash(norm), *near_keys(norm))
        return (line_hash(norm),)

    def _evidence(
        self, line: str, active: Any, kinds: frozenset[int] | None = None
    ) -> list[tuple[int, int, bool]]:
        """``(start, end, strong)`` of the site-like evidence in ``line``, ascending; a URL
        or domain (not a government one) is *strong*. ``active``: :func:`active_evidence`
        of the document; ``kinds``: the evidence patterns whose ``needs`` literals the line
        holds when known (:func:`_evidence_lines`), else the automaton is run on the line.
        Only those patterns are searched (:func:`_branches`: the same matches)."""
        found: list[tuple[int, int, bool]] = []
        automaton, _ = active
        if kinds is None:
            kinds = _kinds_in(automaton.find_matches_as_indexes(line, overlapping=True))
        if not kinds:
            return found
        scanner = _branches(kinds)
        names = _evidence_scanner()[1]
        for m in scanner.finditer(line):
            a, b = m.span()
            pid = names[int(m.lastgroup[1:])] if m.lastgroup else ""
            if b <= a or (pid == "domain" and _GOV.search(line, b, b + 8)):
                continue
            found.append((a, b, pid == "domain"))
            if len(found) >= _MAX_EVIDENCE:
                break
        return found

    def _windows(
        self, line: str, evidence: list[tuple[int, int, bool]]
    ) -> Iterator[tuple[int, int]]:
        """``(start, hash)`` of each span window around the evidence of one line."""
        w = self.span_chars
        seen: set[int] = set()
        low = line.lower()
        for a, b, _ in evidence:
            lo = max(0, a - self.span_reach)
            hi = min(len(line), b + self.span_reach)
            for s in range(lo, hi - w + 1):
                if s in seen:
                    continue
                seen.add(s)
                if line[s] in _PUNCT or line[s + w - 1] in _PUNCT:
                    # a window starting or ending on punctuation would join a recurring
                    # text to the sentence mark next to it (a watermark after a comma)
                    continue
                yield s, line_hash(low[s : s + w]) ^ _SPAN_SALT

    def preload(self) -> None:
        """Load the sketch kernel now if numba is in the process already (this step never
        imports it: ``_kernels``)."""
        if "numba" in sys.modules:
            _kernels.available()

    def prepare(self, doc: Document) -> None:
        slots = slots_of(doc)
        raw, lines = split_stripped(doc.text)
        n = sum(1 for ln in lines if ln)
        edge: list[int] = []
        body: list[int] = []
        spans: list[int] = []
        active, with_evidence = _evidence_lines(doc.text, raw) if self.spans else (None, None)
        k = -1  # index among the non-blank lines
        for i, ln in enumerate(lines):
            if not ln:
                continue
            k += 1
            keys = self.line_keys(ln, slots) if self.templates else ()
            if keys:
                (edge if k < self.edge_lines or k >= n - self.edge_lines else body).extend(keys)
            elif (
                active is not None
                and len(ln) > self.span_chars
                and len(spans) < _MAX_WINDOWS
                and (with_evidence is None or i in with_evidence)
            ):
                ev = self._evidence(ln, active, None if with_evidence is None else with_evidence[i])
                if ev:
                    spans.extend(h for _, h in self._windows(ln, ev))
        doc.features[_F_EDGE] = _pack(edge)
        doc.features[_F_BODY] = _pack(set(body) - set(edge))
        doc.features[_F_SPAN] = _pack(spans)
        doc.features[_F_SKETCH] = sketch(doc.text, self.sketch_size)
        doc.features[_F_DOC] = text_hash(doc.text)

    def _features(self, doc: Document) -> tuple[int, array[int], array[int], array[int], bytes]:
        if _F_DOC not in doc.features or _F_SKETCH not in doc.features:
            self.prepare(doc)
        f = doc.features
        return (
            f[_F_DOC],
            _unpack(f[_F_EDGE]),
            _unpack(f[_F_BODY]),
            _unpack(f[_F_SPAN]),
            f[_F_SKETCH],
        )

    # -- corpus ------------------------------------------------------------------------------
    def fit(self, docs: Iterable[Document], pool: TaskPool | None = None) -> TemplatesState:
        """Two passes over ``docs`` (see the module docstring). ``pool``: worker processes
        for the bare-name layer's pass 2 (each distinct text's runs given the tables), fed
        while the driver reads the stream; the state is the same with or without one."""
        total: Counter[int] = Counter()
        edge: Counter[int] = Counter()
        windows: Counter[int] = Counter()
        seen: set[int] = set()
        n_docs = pruned = 0
        bare_counts = self.bare_tables() if self.bare else None

        def first_pass() -> Iterator[list[str]]:
            """The counters of every distinct text; yields the texts in batches (the
            bare-name tables' input)."""
            nonlocal total, edge, windows, n_docs, pruned
            batch: list[str] = []
            for doc in docs:
                n_docs += 1
                key, e, body, spans, _ = self._features(doc)
                if key in seen:
                    continue
                seen.add(key)
                if bare_counts is not None:
                    batch.append(doc.text)
                    if len(batch) >= _BARE_COUNT_BATCH:
                        yield batch
                        batch = []
                total.update(e)
                total.update(body)
                windows.update(spans)
                edge.update(e)
                if len(total) + len(windows) > self.max_entries:
                    pruned += 1
                    total = Counter({h: c for h, c in total.items() if c > 1})
                    edge = Counter({h: c for h, c in edge.items() if h in total})
                    windows = Counter({h: c for h, c in windows.items() if c > 1})
            if batch:
                yield batch

        self._count_bare(bare_counts, first_pass())
        n_distinct = len(seen)
        seen.clear()
        k = self.min_reports
        line_cands = {
            h for h, c in total.items() if c >= k and edge.get(h, 0) >= self.edge_share * c
        }
        all_spans = {h for h, c in windows.items() if c >= k}
        counts = {h: total[h] for h in line_cands}
        counts.update((h, windows[h]) for h in all_spans)
        del total, edge, windows
        # the second pass: the template/window candidates' unrelated holders and the
        # bare-name runs, in one read of the stream
        reps, samples, bare = self._second_pass(
            docs, line_cands, all_spans, bare_counts, pool, lines=bool(counts)
        )
        unrelated = {h: len(got) for h, got in reps.items()}
        bare_counts = None
        state = self.fit_result(
            line_cands, all_spans, counts, unrelated, samples, n_docs, n_distinct, pruned, bare
        )
        self.set_state(state)
        return state

    def _count_bare(self, counts: BareCounts | None, batches: Iterable[list[str]]) -> None:
        """Run ``batches`` (the first pass's generator) to its end, adding each batch of
        distinct texts to ``counts``. In this process even with a pool: a worker's partial
        tables are as large as the texts' grams, and sending them back cost more than
        counting here (docs/performance.md, session 22)."""
        n = self.bare_line_chars
        done = 0
        for batch in batches:
            if counts is not None:
                if done >= _BARE_KERNEL_AFTER:
                    _kernels.bare_kernels(load=True)  # once; the same tables either way
                counts.count_many(paragraph_lines(t, n) for t in batch)
                done += len(batch)

    def _second_pass(
        self,
        docs: Iterable[Document],
        line_cands: set[int],
        all_spans: set[int],
        counts: BareCounts | None,
        pool: TaskPool | None,
        lines: bool = True,
    ) -> tuple[dict[int, list[bytes]], dict[int, str], dict[str, tuple[int, int]]]:
        """One read of ``docs``: per template/window candidate, the sketches of up to
        ``min_reports`` mutually unrelated holders and a sample text (when ``lines``);
        per bare-name candidate, :meth:`bare_unrelated`'s verdict (when ``counts`` can give
        one: some 4-gram in ``bare_min_reports`` texts)."""
        bare = counts is not None and self.bare_possible(counts)
        reps: dict[int, list[bytes]] = {}
        samples: dict[int, str] = {}
        if not lines and not bare:
            return reps, samples, {}
        wanted = line_cands | all_spans

        def read() -> Iterator[list[tuple[str, tuple[str, ...], bytes]]]:
            """The template side per document; yields the distinct texts for the bare
            runs (text, slots, sketch), in batches, in input order."""
            seen: set[int] = set()
            batch: list[tuple[str, tuple[str, ...], bytes]] = []
            for doc in docs:
                key, e, body, sp, sk = self._features(doc)
                if lines:
                    held = [h for h in (*e, *body, *sp) if h in wanted]
                    if held:
                        for h in held:
                            self.keep_unrelated(reps.setdefault(h, []), sk)
                        missing = [h for h in held if h not in samples]
                        if missing:
                            samples.update(self._texts(doc, set(missing)))
                if bare and key not in seen:
                    seen.add(key)
                    batch.append((doc.text, slots_of(doc), sk))
                    if len(batch) >= _BARE_BATCH:
                        yield batch
                        batch = []
            if batch:
                yield batch

        if not bare:
            for _ in read():
                pass
            return reps, samples, {}
        assert counts is not None
        greedy = _BareGreedy(self)
        batches = read()
        # the first batches here: starting the pool has a fixed cost (processes, the tables
        # sent), paid only when this many batches of distinct texts went before
        for batch in islice(batches, _POOL_AFTER if pool is not None else None):
            for got in _bare_found_task((self, counts), batch):
                greedy.add(*got)
        more = next(batches, None) if pool is not None else None
        if pool is not None and more is not None:
            todo = chain((more,), batches)
            for found in pool.map(_bare_found_task, todo, (params_only(self), counts)):
                for got in found:
                    greedy.add(*got)
        return reps, samples, greedy.result()

    def fit_result(
        self,
        line_cands: set[int],
        all_spans: set[int],
        counts: dict[int, int],
        unrelated: dict[int, int],
        samples: dict[int, str],
        n_docs: int,
        n_distinct: int,
        pruned: int,
        bare: dict[str, tuple[int, int]] | None = None,
    ) -> TemplatesState:
        """The state from the fit's findings (shared by :meth:`fit` and the cluster fit,
        engines/ray_templates.py): the template candidates ``line_cands`` and span-window
        candidates ``all_spans``, their document counts (``counts``; a hash that is both
        gives its window count), the number of mutually unrelated holders found per
        candidate (``unrelated``, at most ``min_reports``) and a sample text per candidate;
        ``bare``: per bare-name candidate, the distinct texts holding it and its mutually
        unrelated holders (at most ``bare_min_reports``). The cluster fit calls it once per
        shuffle part and joins the parts' states with :meth:`merge_results`."""
        k = self.min_reports
        reps = unrelated
        strict = frozenset(h for h in line_cands if reps.get(h, 0) >= k)
        strict_spans = frozenset(h for h in all_spans if reps.get(h, 0) >= k)
        rows = [
            {
                "text": samples.get(h, ""),
                "layer": "template" if h in line_cands else "span",
                "documents": counts[h],
                "unrelated": reps.get(h, 0),
                # a strict span window is cut only where apply()'s checks pass too
                "strict": h in strict or h in strict_spans,
            }
            for h in counts
            if h in line_cands or h in strict_spans
        ]
        bare = bare or {}
        strict_bare = tuple(sorted(t for t, (_, u) in bare.items() if u >= self.bare_min_reports))
        rows.extend(
            {
                "text": t,
                "layer": "bare",
                "documents": d,
                "unrelated": u,
                "strict": u >= self.bare_min_reports,
            }
            for t, (d, u) in bare.items()
            if u >= 2
        )
        rows.sort(key=_report_order)
        return self._state(
            strict, strict_spans, len(line_cands), rows, n_docs, n_distinct, pruned, strict_bare
        )

    def merge_results(
        self,
        parts: Iterable[TemplatesState],
        n_docs: int = 0,
        n_distinct: int = 0,
        pruned: int = 0,
    ) -> TemplatesState:
        """One state from the states :meth:`fit_result` gives for *disjoint* sets of
        candidates (the cluster fit's shuffle parts: every candidate hash in one part):
        the union of the strict hashes, the sum of the template candidates, the report's
        top ``report_top`` rows of all parts. The rows are ranked as :meth:`fit_result`
        ranks them, ties broken by layer and unrelated count, so the result does not depend
        on the order of ``parts`` (rows equal in every field are interchangeable); merging
        merged states gives the same state (the driver merges parts as they arrive)."""
        strict: set[int] = set()
        strict_spans: set[int] = set()
        bare: set[str] = set()
        n_lines = 0
        rows: list[dict[str, Any]] = []
        for part in parts:
            strict |= part.strict
            strict_spans |= part.strict_spans
            bare.update(part.bare)
            n_lines += int(part.report.get("template_candidates", 0))
            rows.extend(part.report.get("candidates", ()))
        rows.sort(key=_report_order)
        return self._state(
            frozenset(strict),
            frozenset(strict_spans),
            n_lines,
            rows,
            n_docs,
            n_distinct,
            pruned,
            tuple(sorted(bare)),
        )

    def _state(
        self,
        strict: frozenset[int],
        strict_spans: frozenset[int],
        n_line_cands: int,
        rows: list[dict[str, Any]],
        n_docs: int,
        n_distinct: int,
        pruned: int,
        strict_bare: tuple[str, ...] = (),
    ) -> TemplatesState:
        report = {
            "documents": n_docs,
            "distinct_documents": n_distinct,
            "template_candidates": n_line_cands,
            "templates_removed": len(strict),
            "span_windows_strict": len(strict_spans),
            "bare_names_strict": len(strict_bare),
            "pruned": pruned,
            "thresholds": {
                "min_reports": self.min_reports,
                "edge_share": self.edge_share,
                "relate_jaccard": self.relate_jaccard,
                "bare_min_reports": self.bare_min_reports,
            },
            "candidates": rows[: self.report_top],
        }
        return TemplatesState(strict, strict_spans, report, strict_bare)

    def _unrelated(
        self, docs: Iterable[Document], lines: set[int], spans: set[int]
    ) -> tuple[dict[int, list[bytes]], dict[int, str]]:
        """Per candidate, the sketches of up to ``min_reports`` mutually unrelated holders;
        a sample text per line candidate (and per strict span window, its window)."""
        reps, samples, _ = self._second_pass(docs, lines, spans, None, None)
        return reps, samples

    def keep_unrelated(self, got: list[bytes], sk: bytes) -> None:
        """Add the holder sketch ``sk`` to a candidate's unrelated holders ``got`` (met in
        input order) unless it has ``min_reports`` already or ``sk`` is related to one."""
        if len(got) < self.min_reports and all(
            not related(sk, other, self.sketch_size, self.relate_jaccard) for other in got
        ):
            got.append(sk)

    def _bits2(self) -> int:
        return min(20, self.bare_bits)

    def bare_possible(self, counts: BareCounts) -> bool:
        """Whether pass 1's ``counts`` can give a bare name: the corpus holds
        ``bare_min_bigrams`` bigram occurrences (enough text for the closed and glued tests to
        tell a name from a word) and some 4-gram in ``bare_min_reports`` texts. The driver
        fit and the cluster fit both ask this of the same tables."""
        if int(counts.tf2.sum(dtype=np.uint64)) < self.bare_min_bigrams:
            return False
        return bool((counts.df4 >= self.bare_min_reports).any())

    def bare_tables(self) -> BareCounts:
        """Empty pass-1 tables of the bare-name layer (fill with ``BareCounts.count`` on
        ``paragraph_lines(text, bare_line_chars)`` of each distinct text)."""
        return BareCounts.empty(self.bare_bits, self._bits2())

    def bare_candidates(self, doc: Document, counts: BareCounts) -> list[tuple[str, bool]]:
        """``doc``'s bare-name candidate occurrences (name, glued in) given the tables."""
        return self.bare_found(doc.text, slots_of(doc), counts)

    def bare_found(
        self, text: str, slots: Sequence[str], counts: BareCounts
    ) -> list[tuple[str, bool]]:
        """:meth:`bare_candidates` of a text given its document's ``slots_of``."""
        lines = paragraph_lines(text, self.bare_line_chars)
        if not lines:
            return []
        return bare_runs(
            lines, counts, self.bare_min_reports, self.bare_min_chars, self.bare_max_chars, slots
        )

    def bare_unrelated(
        self, docs: Iterable[Document], counts: BareCounts
    ) -> dict[str, tuple[int, int]]:
        """Pass 2 of the bare-name layer: per candidate, the distinct texts holding it and
        its mutually unrelated holders (greedy, in input order, like the other layers); a
        candidate is kept only when ≥ ``bare_glued_share`` of its occurrences are glued in
        (otherwise it reads as a word of the surrounding prose: its unrelated count is 0)."""
        return self._second_pass(docs, set(), set(), counts, None, lines=False)[2]

    def features(self, doc: Document) -> tuple[int, array[int], array[int], array[int], bytes]:
        """``doc``'s text hash, template hashes near an edge and in the body, span-window
        hashes and sketch (from :meth:`prepare`, computed now if missing)."""
        return self._features(doc)

    def texts(self, doc: Document, wanted: set[int]) -> dict[int, str]:
        """The first line (template hash) or window (span hash) of ``doc`` for each hash of
        ``wanted`` it holds: the report's sample texts."""
        return self._texts(doc, wanted)

    def _texts(self, doc: Document, wanted: set[int]) -> dict[int, str]:
        out: dict[int, str] = {}
        slots = slots_of(doc)
        active = active_evidence(doc.text) if self.spans else None
        for ln in doc.text.split("\n"):
            s = ln.strip()
            if not s:
                continue
            keys = self.line_keys(s, slots) if self.templates else ()
            if keys:
                for h in keys:
                    if h in wanted:
                        out.setdefault(h, s)
            elif active is not None and len(s) > self.span_chars:
                ev = self._evidence(s, active)
                for start, wh in self._windows(s, ev) if ev else ():
                    if wh in wanted:
                        out.setdefault(wh, s[start : start + self.span_chars])
        return out

    def apply(self, doc: Document) -> Document:
        features = [doc.features.pop(f, None) for f in (_F_EDGE, _F_BODY, _F_SPAN, _F_SKETCH)]
        text_hash = doc.features.pop(_F_DOC, None)
        state = self.state
        if state is None or not (state.strict or state.strict_spans or state.bare) or not doc.text:
            return doc
        strict, strict_spans = state.strict, state.strict_spans
        bare = _bare_automaton(state.bare) if state.bare and self.bare else None
        bare_hit = bare is not None and bool(bare.find_matches_as_indexes(doc.text))
        # only the span windows can concern this document (its prepared template keys hold
        # no strict one, its text is the prepared text, no bare name in it): only its lines
        # holding evidence are looked at — any other line keeps no mark and no cut
        spans_only = False
        if None not in features and text_hash == line_hash(doc.text) and not bare_hit:
            e, body, sp = (_unpack(f) for f in features[:3])
            if strict.isdisjoint(e) and strict.isdisjoint(body):
                if strict_spans.isdisjoint(sp):
                    return doc
                spans_only = True
        slots = slots_of(doc)
        lines = doc.text.split("\n")
        stripped = [ln.strip() for ln in lines]
        marks: list[str | None] = []
        cuts: dict[int, list[tuple[int, int]]] = {}
        bare_cuts: set[tuple[int, int, int]] = set()  # (line, start, end) of a bare name
        # the lines holding an evidence literal (None: look at every line), from one pass
        # of the automaton over the text, as in prepare()
        active, with_evidence = _evidence_lines(doc.text, lines) if strict_spans else (None, None)
        for i, s in enumerate(stripped):
            if spans_only and (
                active is None or (with_evidence is not None and i not in with_evidence)
            ):
                marks.append(None)  # no key of it is strict, no evidence, no bare name
                continue
            keys = self.line_keys(s, slots) if s and self.templates else ()
            if keys:
                if keys[0] in strict:
                    marks.append(RULE_TEMPLATE)
                else:
                    marks.append(RULE_NEAR if any(h in strict for h in keys[1:]) else None)
                continue
            marks.append(None)
            found = []
            names = _bare_cuts(s, bare) if bare_hit and len(s) >= self.bare_line_chars else []
            if (
                active is not None
                and len(s) > self.span_chars
                and (with_evidence is None or i in with_evidence)
            ):
                # the span windows are read on the line without its bare names (they go
                # anyway): a bare name glued after a shared clause of prose must not make
                # the clause look like a span that ends where it was inserted (session 26)
                kinds = None if with_evidence is None else with_evidence[i]
                found = (
                    _span_cuts_around(self, s, names, active, strict_spans, kinds)
                    if names
                    else self._span_cuts(s, active, strict_spans, kinds)
                )
            off = len(lines[i]) - len(lines[i].lstrip())
            if names:
                found = _disjoint(found + names)
                bare_cuts.update((i, a + off, b + off) for a, b in names)
            if found:
                cuts[i] = [(a + off, b + off) for a, b in found]
        for i, found in list(cuts.items()):
            rest = lines[i]
            for a, b in reversed(found):
                rest = rest[:a] + rest[b:]
            if not rest.strip():
                marks[i] = RULE_SPAN
                del cuts[i]
        if self.blocks and any(marks):
            gaps = gaps_for(doc.features, len(lines))
            marks = absorb(stripped, marks, self.block_params, gaps)
            for i in [i for i in cuts if marks[i] is not None]:
                del cuts[i]
        if not any(marks) and not cuts:
            return doc
        starts = line_starts(lines)
        spans = whole_line_spans(lines, starts, marks)
        carry_gaps(doc.features, lines, marks)
        for i, found in cuts.items():
            spans.extend(
                (starts[i] + a, starts[i] + b, RULE_BARE if (i, a, b) in bare_cuts else RULE_SPAN)
                for a, b in found
            )
        doc.remove_spans(spans)
        if not doc.text.strip():
            doc.reject("boilerplate-only")
        return doc

    def stats(self) -> dict[str, Any]:
        return dict(self.state.report) if self.state is not None else {}

    def _span_cuts(
        self, line: str, active: Any, strict: frozenset[int], kinds: frozenset[int] | None = None
    ) -> list[tuple[int, int]]:
        """The spans of one stripped line to cut (offsets in ``line``), ascending, disjoint
        (``kinds``: as for :meth:`_evidence`)."""
        ev = self._evidence(line, active, kinds)
        if not ev:
            return []
        w = self.span_chars
        covered: list[tuple[int, int]] = []
        for s, h in self._windows(line, ev):
            if h in strict:
                covered.append((s, s + w))
        if not covered:
            return []
        covered.sort()
        merged: list[list[int]] = []
        for a, b in covered:
            # windows that only touch are two recurring texts side by side (a shared
            # sentence and a watermark after it): the window across them did not recur
            if merged and a < merged[-1][1]:
                merged[-1][1] = max(merged[-1][1], b)
            else:
                merged.append([a, b])
        n = len(line)
        out: list[tuple[int, int]] = []
        for a, b in merged:
            inside = [(ea, eb, strong) for ea, eb, strong in ev if a < eb and ea < b]
            if not inside:
                continue  # recurring text without the evidence in it: not a spam span
            lo = max(0, min(e[0] for e in inside) - self.span_reach)
            hi = min(n, max(e[1] for e in inside) + self.span_reach)
            if (a <= lo and lo > 0) or (b >= hi and hi < n):
                # the recurrence runs past what was looked at: a shared sentence of report
                # prose, not a span inserted into unrelated text
                continue
            cut = _widen(line, a, b)
            if not any(e[2] for e in inside) and not _bracketed(line, *cut):
                # only an account name or promotional word: a clause of prose (利用微信公众号
                # 转发法律法规、国家政策…) is not spam; a span without clause marks is
                if (
                    _CLAUSE.search(line, cut[0], cut[1] - 1)
                    or cut[1] - cut[0] > 2 * self.span_reach
                ):
                    continue
            out.append(cut)
        return _disjoint(out)


def _span_cuts_around(
    step: Templates,
    line: str,
    names: list[tuple[int, int]],
    active: Any,
    strict: frozenset[int],
    kinds: frozenset[int] | None,
) -> list[tuple[int, int]]:
    """:meth:`Templates._span_cuts` of ``line`` read without its bare-name cuts ``names``
    (ascending, disjoint), mapped back to offsets in ``line``."""
    keep: list[int] = []  # offset in ``line`` of each character of the reduced line
    prev = 0
    for a, b in names:
        keep.extend(range(prev, a))
        prev = b
    keep.extend(range(prev, len(line)))
    reduced = "".join(line[k] for k in keep)
    out = []
    for a, b in step._span_cuts(reduced, active, strict, kinds):
        out.append((keep[a], keep[b - 1] + 1))
    return out


def _widen(line: str, a: int, b: int) -> tuple[int, int]:
    """Widen a cut to the brackets around it, or by one of the punctuation marks (or spaces)
    around it, so that the two halves rejoin as one sentence."""
    n = len(line)
    # punctuation at the ends of the recurring text belongs to the sentence around it
    # (a watermark often follows a comma): trim it first
    while b - a > 1 and line[a] in _PUNCT:
        a += 1
    while b - a > 1 and line[b - 1] in _PUNCT:
        b -= 1
    # the span's own brackets: 【范文网 www.x.com】
    if a > 0 and b < n and _OPEN.get(line[a - 1]) == line[b]:
        return a - 1, b + 1
    if a > 0 and line[a - 1] in _OPEN and _OPEN[line[a - 1]] in line[b : b + 3]:
        return a - 1, line.index(_OPEN[line[a - 1]], b) + 1
    if b < n and line[a] in _OPEN and line[b - 1] == _OPEN[line[a]]:
        return a, b
    while a > 0 and line[a - 1] in " \u3000\t":
        a -= 1
    while b < n and line[b] in " \u3000\t":
        b += 1
    before = line[a - 1] if a > 0 else ""
    after = line[b] if b < n else ""
    if after and after in _PUNCT and (not before or before in _PUNCT):
        return a, b + 1  # "，SPAN，" → "，"; a span at the line start takes its mark
    return a, b


def _bracketed(line: str, a: int, b: int) -> bool:
    return b - a >= 2 and _OPEN.get(line[a]) == line[b - 1]


def _disjoint(spans: list[tuple[int, int]]) -> list[tuple[int, int]]:
    out: list[tuple[int, int]] = []
    for a, b in sorted(spans):
        if out and a < out[-1][1]:
            out[-1] = (out[-1][0], max(out[-1][1], b))
        else:
            out.append((a, b))
    return out


@functools.lru_cache(maxsize=4)
def _bare_automaton(names: tuple[str, ...]) -> Any:
    return ahocorasick_rs.AhoCorasick(list(names), implementation=ahocorasick_rs.Implementation.DFA)


def _bare_cuts(line: str, automaton: Any) -> list[tuple[int, int]]:
    """The cuts of the bare names found in one stripped paragraph line (widened like a
    span's, so the two halves of the sentence rejoin)."""
    out = [_widen(line, a, b) for _, a, b in automaton.find_matches_as_indexes(line)]
    return [(a, b) for a, b in out if b > a]
