"""``Templates``: corpus layers for noise no rule names — templated lines and inline spam spans.

Two layers, each switchable, each with its own rule id, plus the block layer after them:

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
    formula of report prose (``data/templates.toml``, ``protect``).
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
"""

from __future__ import annotations

import functools
import re
import tomllib
from array import array
from bisect import bisect_right
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from importlib import resources
from typing import Any

import ahocorasick_rs
import numpy as np
import regex

from ..document import Document
from ..pipeline import CorpusStep
from ..text.chars import HAN_IDEOGRAPH_RANGES, HAN_IDEOGRAPHS
from ._lines import line_starts, split_stripped, whole_line_spans
from .blocks import BlockParams, absorb, carry_gaps, gaps_for
from .protect import is_protected
from .repeated import line_hash, normalize_line, text_hash

RULE_TEMPLATE = "template.line"
RULE_SPAN = "span.inline"
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


def _evidence_lines(text: str, raw_lines: Sequence[str]) -> tuple[Any, set[int] | None]:
    """:func:`active_evidence` of ``text``, and the indexes of the lines of ``raw_lines``
    (``text.split("\n")``) that hold a ``needs`` literal, from the same one automaton pass
    over the whole text (None: look at each line). A line not in the set holds none in its
    stripped form either, so :meth:`Templates._evidence` would find nothing there: a
    literal the non-overlapping pass skips overlaps a reported one, which then lies in the
    same line (no literal holds a line break or white space)."""
    scanner, _, automaton = _evidence_scanner()
    found = automaton.find_matches_as_indexes(text)
    if not found:
        return None, None
    if not _needles_inside_lines():
        return (automaton, scanner), None
    starts = line_starts(raw_lines)
    return (automaton, scanner), {bisect_right(starts, start) - 1 for _, start, _ in found}


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


def sketch(text: str, size: int) -> bytes:
    """The ``size`` smallest distinct hashes of the character 5-grams of ``text``'s Han,
    Latin and digit characters (uint64, sorted, packed): a bottom-k sketch for Jaccard."""
    codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
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


def related(a: bytes, b: bytes, size: int, jaccard: float) -> bool:
    """Whether two sketches estimate a Jaccard similarity of at least ``jaccard``."""
    sa, sb = set(_unpack(a)), set(_unpack(b))
    union = sorted(sa | sb)[:size]
    both = sum(1 for h in union if h in sa and h in sb)
    return both >= jaccard * len(union)


def _report_rank(row: dict[str, Any]) -> tuple[bool, int, str]:
    """The order of the report's candidate rows: strict first, then by documents (most
    first), then by text."""
    return (not row["strict"], -int(row["documents"]), str(row["text"]))


def _pack(values: Iterable[int]) -> bytes:
    return array("Q", sorted(set(values))).tobytes()


def _unpack(data: bytes) -> array[int]:
    out = array("Q")
    out.frombytes(data)
    return out


@dataclass(frozen=True)
class TemplatesState:
    """What :meth:`Templates.fit` learned: the template hashes to remove (``strict``), the
    span-window hashes that may be cut (``strict_spans``), and the report for build.json."""

    strict: frozenset[int] = frozenset()
    strict_spans: frozenset[int] = frozenset()
    report: dict[str, Any] = field(default_factory=dict)


@dataclass
class Templates(CorpusStep):
    """Templated repeated lines and inline spam spans across unrelated reports."""

    name = "templates"
    version = "1.0"
    data_files = (
        ("lawrpt_corpus.boilerplate", "data/templates.toml"),
        ("lawrpt_corpus.boilerplate", "data/repeated.toml"),
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
    max_entries: int = 2_000_000
    report_top: int = 100
    block_params: BlockParams = field(default_factory=BlockParams)

    state: TemplatesState | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.min_reports < 2:
            raise ValueError("templates: min_reports must be >= 2")
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
        if _never_template(line):
            return None
        norm = template_of(line, slots)
        if len(norm.replace(_SLOT, "").replace(_URL_SLOT, "")) < self.min_chars:
            return None
        return line_hash(norm)

    def _evidence(self, line: str, active: Any) -> list[tuple[int, int, bool]]:
        """``(start, end, strong)`` of the site-like evidence in ``line``, ascending; a URL
        or domain (not a government one) is *strong*. ``active``: :func:`active_evidence`
        of the document."""
        found: list[tuple[int, int, bool]] = []
        automaton, scanner = active
        if not automaton.find_matches_as_indexes(line):
            return found
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
            h = self.line_template(ln, slots) if self.templates else None
            if h is not None:
                (edge if k < self.edge_lines or k >= n - self.edge_lines else body).append(h)
            elif (
                active is not None
                and len(ln) > self.span_chars
                and len(spans) < _MAX_WINDOWS
                and (with_evidence is None or i in with_evidence)
            ):
                ev = self._evidence(ln, active)
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
    def fit(self, docs: Iterable[Document]) -> TemplatesState:
        total: Counter[int] = Counter()
        edge: Counter[int] = Counter()
        windows: Counter[int] = Counter()
        seen: set[int] = set()
        n_docs = pruned = 0
        for doc in docs:
            n_docs += 1
            key, e, body, spans, _ = self._features(doc)
            if key in seen:
                continue
            seen.add(key)
            total.update(e)
            total.update(body)
            windows.update(spans)
            edge.update(e)
            if len(total) + len(windows) > self.max_entries:
                pruned += 1
                total = Counter({h: c for h, c in total.items() if c > 1})
                edge = Counter({h: c for h, c in edge.items() if h in total})
                windows = Counter({h: c for h, c in windows.items() if c > 1})
        n_distinct = len(seen)
        del seen
        k = self.min_reports
        line_cands = {
            h for h, c in total.items() if c >= k and edge.get(h, 0) >= self.edge_share * c
        }
        all_spans = {h for h, c in windows.items() if c >= k}
        counts = {h: total[h] for h in line_cands}
        counts.update((h, windows[h]) for h in all_spans)
        del total, edge, windows
        reps, samples = self._unrelated(docs, line_cands, all_spans) if counts else ({}, {})
        unrelated = {h: len(got) for h, got in reps.items()}
        state = self.fit_result(
            line_cands, all_spans, counts, unrelated, samples, n_docs, n_distinct, pruned
        )
        self.set_state(state)
        return state

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
    ) -> TemplatesState:
        """The state from the fit's findings (shared by :meth:`fit` and the cluster fit,
        engines/ray_templates.py): the template candidates ``line_cands`` and span-window
        candidates ``all_spans``, their document counts (``counts``; a hash that is both
        gives its window count), the number of mutually unrelated holders found per
        candidate (``unrelated``, at most ``min_reports``) and a sample text per candidate.
        The cluster fit calls it once per shuffle part and joins the parts' states with
        :meth:`merge_results`."""
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
        rows.sort(key=_report_rank)
        return self._state(strict, strict_spans, len(line_cands), rows, n_docs, n_distinct, pruned)

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
        n_lines = 0
        rows: list[dict[str, Any]] = []
        for part in parts:
            strict |= part.strict
            strict_spans |= part.strict_spans
            n_lines += int(part.report.get("template_candidates", 0))
            rows.extend(part.report.get("candidates", ()))
        rows.sort(key=lambda r: (*_report_rank(r), str(r["layer"]), int(r["unrelated"])))
        return self._state(
            frozenset(strict), frozenset(strict_spans), n_lines, rows, n_docs, n_distinct, pruned
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
    ) -> TemplatesState:
        report = {
            "documents": n_docs,
            "distinct_documents": n_distinct,
            "template_candidates": n_line_cands,
            "templates_removed": len(strict),
            "span_windows_strict": len(strict_spans),
            "pruned": pruned,
            "thresholds": {
                "min_reports": self.min_reports,
                "edge_share": self.edge_share,
                "relate_jaccard": self.relate_jaccard,
            },
            "candidates": rows[: self.report_top],
        }
        return TemplatesState(strict, strict_spans, report)

    def _unrelated(
        self, docs: Iterable[Document], lines: set[int], spans: set[int]
    ) -> tuple[dict[int, list[bytes]], dict[int, str]]:
        """Per candidate, the sketches of up to ``min_reports`` mutually unrelated holders;
        a sample text per line candidate (and per strict span window, its window)."""
        reps: dict[int, list[bytes]] = {}
        samples: dict[int, str] = {}
        wanted = lines | spans
        for doc in docs:
            _, e, body, sp, sk = self._features(doc)
            held = [h for h in (*e, *body, *sp) if h in wanted]
            if not held:
                continue
            for h in held:
                self.keep_unrelated(reps.setdefault(h, []), sk)
            missing = [h for h in held if h not in samples]
            if missing:
                samples.update(self._texts(doc, set(missing)))
        return reps, samples

    def keep_unrelated(self, got: list[bytes], sk: bytes) -> None:
        """Add the holder sketch ``sk`` to a candidate's unrelated holders ``got`` (met in
        input order) unless it has ``min_reports`` already or ``sk`` is related to one."""
        if len(got) < self.min_reports and all(
            not related(sk, other, self.sketch_size, self.relate_jaccard) for other in got
        ):
            got.append(sk)

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
            h = self.line_template(s, slots) if self.templates else None
            if h is not None:
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
        if state is None or not (state.strict or state.strict_spans) or not doc.text:
            return doc
        strict, strict_spans = state.strict, state.strict_spans
        if None not in features and text_hash == line_hash(doc.text):
            e, body, sp = (_unpack(f) for f in features[:3])
            if strict.isdisjoint(e) and strict.isdisjoint(body) and strict_spans.isdisjoint(sp):
                return doc
        slots = slots_of(doc)
        lines = doc.text.split("\n")
        stripped = [ln.strip() for ln in lines]
        marks: list[str | None] = []
        cuts: dict[int, list[tuple[int, int]]] = {}
        active = active_evidence(doc.text) if strict_spans else None
        for i, s in enumerate(stripped):
            h = self.line_template(s, slots) if s and self.templates else None
            if h is not None:
                marks.append(RULE_TEMPLATE if h in strict else None)
                continue
            marks.append(None)
            if active is not None and len(s) > self.span_chars:
                found = self._span_cuts(s, active, strict_spans)
                if found:
                    off = len(lines[i]) - len(lines[i].lstrip())
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
            spans.extend((starts[i] + a, starts[i] + b, RULE_SPAN) for a, b in found)
        doc.remove_spans(spans)
        if not doc.text.strip():
            doc.reject("boilerplate-only")
        return doc

    def stats(self) -> dict[str, Any]:
        return dict(self.state.report) if self.state is not None else {}

    def _span_cuts(self, line: str, active: Any, strict: frozenset[int]) -> list[tuple[int, int]]:
        """The spans of one stripped line to cut (offsets in ``line``), ascending, disjoint."""
        ev = self._evidence(line, active)
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
