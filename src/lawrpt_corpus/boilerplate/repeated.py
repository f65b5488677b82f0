"""``RepeatedLines``: lines that recur across many documents (cc_net-style line hashing).

* :meth:`prepare` (in the workers): each non-blank line is normalized (spaces dropped,
  digits → ``0``, ASCII ``, : ; ( ) ! ?`` → full width, Latin lower-cased) and hashed to
  8 bytes. Lines that are too short/long or *protected* (headings, dates, signatures,
  titles, sentences — ``data/repeated.toml``) are skipped. The sorted distinct hashes go
  to ``doc.features`` as packed bytes (8 bytes per line), split into lines near the edges
  (first/last ``edge_lines`` non-blank lines) and the rest, plus an 8-byte text hash.
* :meth:`fit` (driver), pass 1: counts, per line hash, the documents it occurs in —
  each distinct text once, so copies of one document do not inflate the count — and how
  many of those occurrences are near an edge. Memory: one counter entry per distinct line
  hash; beyond ``max_entries`` the hashes seen once are dropped (counts become lower
  bounds; ``stats()["pruned"]`` says how often). Pass 2 (only when there are candidates):
  the first text seen for each candidate hash, for the report.
* Candidates (in ``min_docs`` or more distinct documents) go to :meth:`stats`, i.e. to
  build.json under ``corpus.repeated-lines``, with their counts, so a user can promote one
  into a rule. A candidate is *removed* by :meth:`apply` (rule id ``repeated-line``) only
  when it is in ``remove_min_docs`` or more documents, in at least
  ``remove_min_fraction`` of them, and near an edge in at least ``remove_min_edge_share``
  of its occurrences. With ``blocks`` the short fragments around the removed lines go too
  (:mod:`.blocks`, rule ids ``block.*``).
"""

from __future__ import annotations

import hashlib
import re
from array import array
from collections import Counter
from collections.abc import Collection, Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

from ..document import Document
from ..pipeline import CorpusStep
from ..text.chars import FULL_PUNCT, HALF_PUNCT
from ._lines import pack_hashes as _pack
from ._lines import split_stripped
from ._lines import unpack_hashes as _unpack
from .blocks import remove_marked_lines
from .protect import is_protected, protect_patterns, protected

__all__ = ["RepeatedLines", "line_hash", "normalize_line", "protect_patterns", "protected"]

RULE_ID = "repeated-line"
_F_EDGE = "repeated_lines.edge"
_F_BODY = "repeated_lines.body"
_F_DOC = "repeated_lines.doc"

# The fold of :func:`normalize_line`, as three C-level passes (a ``str.translate`` with a
# dict table costs a Python-level lookup per character on non-ASCII text).
_DIGITS = re.compile(r"[0-9\uff10-\uff19]")
_SPACES = re.compile(r"[ \t\u3000\xa0]+")
_ASCII_PUNCT = re.compile(f"[{re.escape(HALF_PUNCT)}]")
_PUNCT = str.maketrans(HALF_PUNCT, FULL_PUNCT)


#: How many distinct short lines :func:`_protected_short` remembers (per process), and the
#: longest line it remembers: a report's headings, dates and signatures and a site's chrome
#: recur from report to report (~94 % of the protection tests of lines up to 32 characters
#: over 5,000 generated reports were repeats); long lines are prose, mostly unique.
PROTECTED_MEMO = 16384
PROTECTED_MEMO_CHARS = 32


@lru_cache(maxsize=PROTECTED_MEMO)
def _protected_short(line: str) -> bool:
    """:func:`.protect.is_protected` of a short stripped line, memoized (a pure function of
    the line; bounded: ~16,000 lines of at most 32 characters)."""
    return is_protected(line)


def normalize_line(line: str) -> str:
    """The form a line is hashed in (see the module docstring)."""
    norm = _SPACES.sub("", _DIGITS.sub("0", line.strip()))
    if _ASCII_PUNCT.search(norm):
        norm = norm.translate(_PUNCT)
    return norm.lower()


def line_hash(norm: str) -> int:
    return int.from_bytes(
        hashlib.blake2b(norm.encode("utf-8", "surrogatepass"), digest_size=8).digest(), "little"
    )


@lru_cache(maxsize=1)
def text_hash(text: str) -> int:
    """:func:`line_hash` of a whole text, remembered for the last text asked (repeated
    lines and templates both key a document by it, one after the other)."""
    return line_hash(text)


@dataclass(frozen=True)
class RepeatedLinesState:
    """What :meth:`RepeatedLines.fit` learned: the hashes of the lines to remove
    (``strict``) and the report for build.json (``report``: counts, thresholds, the top
    candidates with a sample text each)."""

    strict: frozenset[int] = frozenset()
    report: dict[str, Any] = field(default_factory=dict)


@dataclass
class RepeatedLines(CorpusStep):
    """Find lines shared by many documents; report them; remove the strict ones."""

    name = "repeated-lines"
    version = "1.0"
    data_files = (("lawrpt_corpus.boilerplate", "data/repeated.toml"),)

    min_docs: int = 3
    min_chars: int = 4
    max_chars: int = 200
    edge_lines: int = 10
    remove_min_docs: int = 20
    remove_min_fraction: float = 0.001
    remove_min_edge_share: float = 0.8
    max_entries: int = 2_000_000
    report_top: int = 200
    blocks: bool = True

    state: RepeatedLinesState | None = field(default=None, init=False, repr=False, compare=False)

    # -- per document ----------------------------------------------------------------------
    def _eligible(self, stripped: str) -> int | None:
        """The hash of a line that may be counted, or None."""
        if not self.min_chars <= len(stripped) <= self.max_chars:
            return None
        # first: cheaper than the fold, and most lines are protected
        if (
            _protected_short(stripped)
            if len(stripped) <= PROTECTED_MEMO_CHARS
            else is_protected(stripped)
        ):
            return None
        norm = normalize_line(stripped)
        if len(norm) < self.min_chars:
            return None
        return line_hash(norm)

    def prepare(self, doc: Document) -> None:
        nonblank = [ln for ln in split_stripped(doc.text)[1] if ln]
        n = len(nonblank)
        edge: list[int] = []
        body: list[int] = []
        for k, ln in enumerate(nonblank):
            h = self._eligible(ln)
            if h is not None:
                (edge if k < self.edge_lines or k >= n - self.edge_lines else body).append(h)
        doc.features[_F_EDGE] = _pack(edge)
        doc.features[_F_BODY] = _pack(set(body) - set(edge))
        doc.features[_F_DOC] = text_hash(doc.text)

    # -- corpus ----------------------------------------------------------------------------
    def fit(self, docs: Iterable[Document]) -> RepeatedLinesState:
        total: Counter[int] = Counter()
        edge: Counter[int] = Counter()
        seen_docs: set[int] = set()
        n_docs = 0
        pruned = 0
        for doc in docs:
            n_docs += 1
            key, e, body = self.line_features(doc)
            if key in seen_docs:
                continue
            seen_docs.add(key)
            total.update(e)
            total.update(body)
            edge.update(e)
            if len(total) > self.max_entries:
                pruned += 1
                total = Counter({h: c for h, c in total.items() if c > 1})
                edge = Counter({h: c for h, c in edge.items() if h in total})
        n_distinct = len(seen_docs)
        del seen_docs
        candidates = {h: c for h, c in total.items() if c >= self.min_docs}
        edge_of = {h: edge.get(h, 0) for h in candidates}
        del total, edge
        samples = self._samples(docs, candidates) if candidates else {}
        state = self.fit_counts(candidates, edge_of, samples, n_docs, n_distinct, pruned)
        self.set_state(state)
        return state

    def line_features(self, doc: Document) -> tuple[int, array[int], array[int]]:
        """``(text hash, edge line hashes, body line hashes)`` of one document (from
        :meth:`prepare`'s features; computed now if missing)."""
        if _F_DOC not in doc.features:
            self.prepare(doc)
        return (
            doc.features[_F_DOC],
            _unpack(doc.features[_F_EDGE]),
            _unpack(doc.features[_F_BODY]),
        )

    def fit_counts(
        self,
        candidates: dict[int, int],
        edge_of: dict[int, int],
        samples: dict[int, str],
        n_docs: int,
        n_distinct: int,
        pruned: int,
    ) -> RepeatedLinesState:
        """The fitted state from the counted candidates: ``{line hash: distinct documents}``
        for lines in ≥ ``min_docs`` of them, how many of those occurrences are near an edge,
        a sample text per candidate. Shared by :meth:`fit` and cluster fits (engines);
        returns the state without installing it."""
        strict = set()
        rows: list[dict[str, Any]] = []
        for h, c in candidates.items():
            share = edge_of[h] / c
            remove = (
                c >= self.remove_min_docs
                and c >= self.remove_min_fraction * n_distinct
                and share >= self.remove_min_edge_share
            )
            if remove:
                strict.add(h)
            rows.append(
                {
                    "text": samples.get(h, ""),
                    "docs": c,
                    "edge_share": round(share, 3),
                    "removed": remove,
                }
            )
        rows.sort(key=lambda r: (-int(r["docs"]), str(r["text"])))
        report = {
            "documents": n_docs,
            "distinct_documents": n_distinct,
            "candidates_total": len(rows),
            "removed_lines_total": len(strict),
            "pruned": pruned,
            "thresholds": {
                "candidate_min_docs": self.min_docs,
                "remove_min_docs": self.remove_min_docs,
                "remove_min_fraction": self.remove_min_fraction,
                "remove_min_edge_share": self.remove_min_edge_share,
            },
            "candidates": rows[: self.report_top],
        }
        return RepeatedLinesState(frozenset(strict), report)

    def _first(
        self, docs: Iterable[Document], wanted: Collection[int], stop: int | None
    ) -> dict[int, tuple[int, str]]:
        found: dict[int, tuple[int, str]] = {}
        want = wanted if isinstance(wanted, (set, frozenset)) else set(wanted)
        for doc in docs:
            # the line hashes prepare() took of this very text say whether the document
            # holds a wanted line at all: only those are split and hashed again
            key, e, body = self.line_features(doc)
            if want.isdisjoint(e) and want.isdisjoint(body) and key == line_hash(doc.text):
                continue
            for ln in doc.text.split("\n"):
                s = ln.strip()
                h = self._eligible(s) if s else None
                if h is not None and h in want and h not in found:
                    found[h] = (doc.seq, s)
            if stop is not None and len(found) == stop:
                break
        return found

    def first_samples(
        self, docs: Iterable[Document], wanted: Collection[int]
    ) -> dict[int, tuple[int, str]]:
        """``{line hash: (seq, text)}``: the first text seen (document order, then line order)
        for each ``wanted`` hash found in ``docs``."""
        return self._first(docs, wanted, None)

    def _samples(self, docs: Iterable[Document], wanted: dict[int, int]) -> dict[int, str]:
        return {h: text for h, (_, text) in self._first(docs, wanted, len(wanted)).items()}

    def apply(self, doc: Document) -> Document:
        edge = doc.features.pop(_F_EDGE, None)
        body = doc.features.pop(_F_BODY, None)
        text_hash = doc.features.pop(_F_DOC, None)
        strict = self.state.strict if self.state is not None else frozenset()
        if not strict or not doc.text:
            return doc
        if edge is not None and body is not None and text_hash == line_hash(doc.text):
            # the text prepare() hashed: its line hashes say whether any line is strict
            if strict.isdisjoint(_unpack(edge)) and strict.isdisjoint(_unpack(body)):
                return doc
        lines = doc.text.split("\n")
        stripped = [ln.strip() for ln in lines]
        marks: list[str | None] = []
        for s in stripped:
            h = self._eligible(s) if s else None
            marks.append(RULE_ID if h is not None and h in strict else None)
        if any(marks):
            remove_marked_lines(doc, lines, stripped, marks, blocks=self.blocks)
        return doc

    def stats(self) -> dict[str, Any]:
        return dict(self.state.report) if self.state is not None else {}
