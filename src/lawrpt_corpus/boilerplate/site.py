"""``SiteRepeat``: lines one site repeats across its own pages (rule id ``site-repeat``).

Real crawls bring many pages of one site, and a site's chrome, paywall notices and
separators recur on *its own* pages even when no other site has them and the site has only
a handful of pages in the corpus — below :class:`~.repeated.RepeatedLines`' 20 documents
and :class:`~.templates.Templates`' 5 unrelated reports across the corpus. This layer groups
the documents by the **host of their page URL** (``doc.page.url``: JSONL/WARC records and
pages read with a URL; lower case, without port and a leading ``www.``) and removes a line
that recurs on at least ``min_pages`` *mutually unrelated* pages of one host. Documents
without a URL (local files) form no group and are left as they are: an input folder is not
a site (a folder of saved reports holds many agencies' reports, and a threshold of three
pages is safe only inside one site's template).

* :meth:`prepare` (workers): the host hash and the hashes of the eligible lines (the fold
  and hash of ``RepeatedLines``). Never counted: lines shorter than ``min_chars`` or longer
  than ``max_chars``; a report's own lines, protected in ``data/repeated.toml`` (numbered
  headings, dates, signatures, titles, closing formulas); report data (a table row, a line
  of three numbers: digits are masked, so an agency's tables would be one line) and lines
  holding a formula of report prose (``protect`` in ``data/templates.toml``) — the
  ``Templates`` protections. A **sentence-shaped** line (ending with 。；：) is counted only
  near an edge (first/last ``edge_lines`` non-blank lines), and is removed only when it sat
  *outside the report* — above its title or below its last signature/date line — on at
  least ``sentence_outside`` of the host's pages: a site's notice sits there, while a
  report's opening or closing sentence, however often one agency repeats it, sits inside.
  Also kept: which lines are sentences, which of them are outside, a text hash and a
  bottom-``sketch_size`` sketch of the text's character 5-grams (``Templates``' sketch).
* :meth:`fit` (driver), pass 1: per (host, line) key the distinct texts holding it, how
  many near an edge and (sentences) outside the report; per host its distinct texts.
  Memory: one counter entry per distinct (host, line) key, pruned of keys seen once beyond
  ``max_entries`` (counts become lower bounds; ``stats()["pruned"]``), one per host. A key
  is a *candidate* when its count reaches its host's threshold ``max(min_pages,
  ceil(min_fraction × host pages))`` and it is near an edge in ≥ ``edge_share`` of its
  occurrences. Pass 2 reads only documents holding a candidate and keeps, per candidate, the
  sketches of up to ``min(threshold, max_holders)`` mutually unrelated holders (greedy,
  input order; two sketches estimating a Jaccard ≥ ``relate_jaccard`` are copies of one
  report — the same report posted twice, a draft and its final version — and count once).
  A candidate with that many is *strict*. So a line shared only by copies of one report is
  never removed, however many copies the site serves.
* :meth:`apply`: removes the lines of strict keys of the document's host (rule id
  ``site-repeat``) and with ``blocks`` the fragments around them (:mod:`.blocks`, rule ids
  ``block.*``), as the other corpus layers do.

Deterministic (input order only), linear in the corpus (one hash per eligible line, one
sketch per document, at most ``max_holders`` sketch comparisons per candidate occurrence),
bounded memory (the counter, one entry per host, at most ``max_holders`` 128-byte sketches
per candidate). The local engine fits it in the driver; the Ray engine runs this same
:meth:`fit` inside its coordinating task over the stored blocks (``engines/ray_fits.py``
``fit_site_repeat``: one task, not parallel), so its state is the local engine's.
"""

from __future__ import annotations

import math
import re
from array import array
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

from ..document import Document
from ..pipeline import CorpusStep
from ._lines import pack_hashes as _pack
from ._lines import split_stripped
from ._lines import unpack_hashes as _unpack
from .blocks import remove_marked_lines
from .protect import is_protected, protected
from .repeated import line_hash, normalize_line, text_hash
from .templates import _never_template, related, sketch

__all__ = ["SiteRepeat", "SiteRepeatState", "host_of"]

RULE_ID = "site-repeat"
_F_HOST = "site_repeat.host"
_F_EDGE = "site_repeat.edge"
_F_BODY = "site_repeat.body"
_F_SENT = "site_repeat.sentences"
_F_OUT = "site_repeat.outside"
_F_DOC = "site_repeat.doc"
_F_SKETCH = "site_repeat.sketch"

#: protected lines that end a report's text: what follows them is the page's
_REPORT_END = frozenset({"date", "signature"})
_ENDS_WITH_DATE = re.compile(
    r"[0-9〇零一二三四五六七八九十○]{2,4}\s*年\s*[0-9一二三四五六七八九十]{1,2}\s*月"
    r"(?:\s*[0-9一二三四五六七八九十]{1,3}\s*日)?$"
)
_SPACES = re.compile(r"\s+")
_MASK = (1 << 64) - 1
_MIX = 0x9E3779B97F4A7C15


def host_of(url: str | None) -> str | None:
    """The host a page URL groups under: lower case, no port, no leading ``www.``; None for
    no URL or one without a host (``file:``, a bare path)."""
    if not url:
        return None
    try:
        host = urlsplit(url.strip()).hostname
    except ValueError:
        return None
    if not host:
        return None
    return host.rstrip(".").removeprefix("www.") or None


def _title(doc: Document) -> str | None:
    t = doc.meta.get("title")
    return t if isinstance(t, str) else None


def _key(host: int, line: int) -> int:
    """One 64-bit key per (host, line hash) pair."""
    return (line ^ ((host * _MIX) & _MASK)) & _MASK


#: what :meth:`SiteRepeat.line_marks` says of one line: its hash (None: never counted),
#: whether it is sentence-shaped, whether it lies outside the report
LineMark = tuple[int | None, bool, bool]


@dataclass(frozen=True)
class SiteRepeatState:
    """What :meth:`SiteRepeat.fit` learned: the (host, line) keys to remove (``strict``)
    and the report for build.json (``report``)."""

    strict: frozenset[int] = frozenset()
    report: dict[str, Any] = field(default_factory=dict)


@dataclass
class SiteRepeat(CorpusStep):
    """Remove the lines one host repeats on ≥ ``min_pages`` of its unrelated pages."""

    name = "site-repeat"
    version = "1.0"
    data_files = (
        ("lawrpt_corpus.boilerplate", "data/repeated.toml"),
        ("lawrpt_corpus.boilerplate", "data/templates.toml"),
    )

    min_pages: int = 3
    min_fraction: float = 0.05
    max_holders: int = 10
    sentence_outside: int = 2
    min_chars: int = 4
    max_chars: int = 200
    edge_lines: int = 10
    edge_share: float = 0.8
    sketch_size: int = 16
    relate_jaccard: float = 0.5
    max_entries: int = 2_000_000
    report_top: int = 100
    blocks: bool = True

    state: SiteRepeatState | None = field(default=None, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.min_pages < 2 or self.max_holders < 2 or self.sentence_outside < 1:
            raise ValueError(
                "site-repeat: min_pages and max_holders must be >= 2, sentence_outside >= 1"
            )
        if not 0.0 <= self.min_fraction <= 1.0 or not 0.0 <= self.edge_share <= 1.0:
            raise ValueError("site-repeat: min_fraction and edge_share in [0, 1]")
        if not 0.0 < self.relate_jaccard <= 1.0 or self.sketch_size < 4:
            raise ValueError("site-repeat: relate_jaccard in (0, 1], sketch_size >= 4")

    # -- per document ----------------------------------------------------------------------
    def _eligible(self, stripped: str) -> tuple[int | None, bool]:
        """``(hash, sentence-shaped)`` of a stripped line; hash None when never counted."""
        if not self.min_chars <= len(stripped) <= self.max_chars:
            return None, False
        # a report's own line, report data or a formula of report prose, as for templates
        if _never_template(stripped):
            return None, False
        norm = normalize_line(stripped)
        if len(norm) < self.min_chars:
            return None, False
        # what is left protected is a sentence (``sentence`` in data/repeated.toml)
        return line_hash(norm), is_protected(stripped)

    @staticmethod
    def host_hash(doc: Document) -> int | None:
        host = host_of(doc.page.url if doc.page is not None else None)
        return None if host is None else line_hash(host)

    def report_bounds(self, stripped: Sequence[str], title: str | None) -> tuple[int, int]:
        """``(first, last)``: the index of the report's title line and of its last
        signature or date line among ``stripped`` (blank lines allowed); lines before
        ``first`` or after ``last`` are outside the report. Sought among the first / last
        ``edge_lines`` non-blank lines; none found: ``first`` 0, ``last`` the last line
        (nothing outside)."""
        want = _SPACES.sub("", title) if title and len(title) >= 4 else None
        first, last = 0, len(stripped) - 1
        seen = 0
        for i, ln in enumerate(stripped):
            if not ln:
                continue
            if (want is not None and want in _SPACES.sub("", ln)) or protected(ln) == "title":
                first = i
                break
            seen += 1
            if seen >= self.edge_lines:
                break
        seen = 0
        for i in range(len(stripped) - 1, first, -1):
            ln = stripped[i]
            if not ln:
                continue
            if protected(ln) in _REPORT_END or _ENDS_WITH_DATE.search(ln):
                last = i
                break
            seen += 1
            if seen >= self.edge_lines:
                break
        return first, last

    def line_marks(self, stripped: Sequence[str], title: str | None) -> list[LineMark]:
        """Per line of ``stripped``: ``(hash, sentence, outside)``. Hash None for a blank
        line, a line never counted, and a sentence away from the edges."""
        first, last = self.report_bounds(stripped, title)
        nonblank = [i for i, ln in enumerate(stripped) if ln]
        n = len(nonblank)
        out: list[LineMark] = [(None, False, False)] * len(stripped)
        for k, i in enumerate(nonblank):
            h, sentence = self._eligible(stripped[i])
            if h is None:
                continue
            near = k < self.edge_lines or k >= n - self.edge_lines
            if sentence and not near:
                continue
            out[i] = (h, sentence, i < first or i > last)
        return out

    def prepare(self, doc: Document) -> None:
        host = self.host_hash(doc)
        if host is None:
            doc.features[_F_HOST] = None
            return
        stripped = split_stripped(doc.text)[1]
        nonblank = [i for i, ln in enumerate(stripped) if ln]
        n = len(nonblank)
        marks = self.line_marks(stripped, _title(doc))
        edge: list[int] = []
        body: list[int] = []
        sentences: list[int] = []
        outside: list[int] = []
        for k, i in enumerate(nonblank):
            h, sentence, out = marks[i]
            if h is None:
                continue
            (edge if k < self.edge_lines or k >= n - self.edge_lines else body).append(h)
            if sentence:
                sentences.append(h)
                if out:
                    outside.append(h)
        doc.features[_F_HOST] = host
        doc.features[_F_EDGE] = _pack(edge)
        doc.features[_F_BODY] = _pack(set(body) - set(edge))
        doc.features[_F_SENT] = _pack(sentences)
        doc.features[_F_OUT] = _pack(outside)
        doc.features[_F_DOC] = text_hash(doc.text)
        doc.features[_F_SKETCH] = sketch(doc.text, self.sketch_size)

    def _features(
        self, doc: Document
    ) -> tuple[int | None, int, array[int], array[int], array[int], array[int], bytes]:
        """``(host hash, text hash, edge line hashes, body line hashes, sentence hashes,
        outside sentence hashes, sketch)`` (from :meth:`prepare`; computed now if missing).
        Without a host the rest is empty."""
        if _F_HOST not in doc.features:
            self.prepare(doc)
        host = doc.features[_F_HOST]
        if host is None:
            empty = array("Q")
            return None, 0, empty, empty, empty, empty, b""
        f = doc.features
        return (
            host,
            f[_F_DOC],
            _unpack(f[_F_EDGE]),
            _unpack(f[_F_BODY]),
            _unpack(f[_F_SENT]),
            _unpack(f[_F_OUT]),
            f[_F_SKETCH],
        )

    # -- corpus ----------------------------------------------------------------------------
    def threshold(self, host_pages: int) -> int:
        """Distinct pages of one host a line must be on: ``min_pages``, or
        ``min_fraction`` of the host's distinct pages when that is more."""
        return max(self.min_pages, math.ceil(self.min_fraction * host_pages - 1e-9))

    def fit(self, docs: Iterable[Document]) -> SiteRepeatState:
        total: Counter[int] = Counter()
        edge: Counter[int] = Counter()
        outside: Counter[int] = Counter()  # sentence keys: pages where outside the report
        sentence_keys: set[int] = set()
        host_pages: Counter[int] = Counter()
        seen: set[int] = set()
        n_docs = n_hosted = pruned = 0
        for doc in docs:
            n_docs += 1
            host, dh, e, body, sent, out, _ = self._features(doc)
            if host is None:
                continue
            n_hosted += 1
            if dh in seen:
                continue
            seen.add(dh)
            host_pages[host] += 1
            keys_e = [_key(host, h) for h in e]
            total.update(keys_e)
            edge.update(keys_e)
            total.update(_key(host, h) for h in body)
            sentence_keys.update(_key(host, h) for h in sent)
            outside.update(_key(host, h) for h in out)
            if len(total) > self.max_entries:
                pruned += 1
                total = Counter({k: c for k, c in total.items() if c > 1})
                edge = Counter({k: c for k, c in edge.items() if k in total})
                outside = Counter({k: c for k, c in outside.items() if k in total})
                sentence_keys = {k for k in sentence_keys if k in total}
        del seen
        # candidates: enough distinct pages of their host, near an edge enough; a sentence
        # only when it sat outside the report on enough pages
        need_of_host = {h: self.threshold(n) for h, n in host_pages.items()}
        min_need = min(need_of_host.values(), default=self.min_pages)
        wanted: dict[int, int] = {}  # key → distinct pages
        for k, c in total.items():
            if c < min_need or edge.get(k, 0) < self.edge_share * c:
                continue
            if k in sentence_keys and outside.get(k, 0) < self.sentence_outside:
                continue
            wanted[k] = c
        del total, edge, outside, sentence_keys
        strict: set[int] = set()
        rows: list[dict[str, Any]] = []
        if wanted:
            strict, rows = self._second_pass(docs, wanted, need_of_host)
        state = SiteRepeatState(
            frozenset(strict),
            {
                "documents": n_docs,
                "documents_with_host": n_hosted,
                "hosts": len(host_pages),
                "hosts_with_enough_pages": sum(
                    1 for n in host_pages.values() if n >= self.min_pages
                ),
                "candidates_total": len(rows),
                "removed_lines_total": len(strict),
                "pruned": pruned,
                "thresholds": {
                    "min_pages": self.min_pages,
                    "min_fraction": self.min_fraction,
                    "max_holders": self.max_holders,
                    "sentence_outside": self.sentence_outside,
                    "edge_share": self.edge_share,
                    "relate_jaccard": self.relate_jaccard,
                },
                "candidates": rows[: self.report_top],
            },
        )
        self.set_state(state)
        return state

    def _second_pass(
        self, docs: Iterable[Document], counts: dict[int, int], need_of_host: dict[int, int]
    ) -> tuple[set[int], list[dict[str, Any]]]:
        """One read of ``docs``: per candidate key whose count reaches its host's threshold,
        the sketches of up to ``min(threshold, max_holders)`` mutually unrelated holders
        (input order) and the first text seen; the strict keys and the report rows."""
        reps: dict[int, list[bytes]] = {}
        need: dict[int, int] = {}
        host_of_key: dict[int, int] = {}
        samples: dict[int, str] = {}
        host_name: dict[int, str] = {}
        seen: set[int] = set()
        for doc in docs:
            host, dh, e, body, _, _, sk = self._features(doc)
            if host is None or dh in seen:
                continue
            seen.add(dh)
            threshold = need_of_host.get(host)
            if threshold is None:
                continue
            mine = []
            for h in (*e, *body):
                k = _key(host, h)
                c = counts.get(k)
                if c is None or c < threshold:
                    continue
                mine.append(k)
                got = reps.setdefault(k, [])
                need[k] = min(threshold, self.max_holders)
                host_of_key[k] = host
                if len(got) < need[k] and not any(
                    related(sk, other, self.sketch_size, self.relate_jaccard) for other in got
                ):
                    got.append(sk)
            want = {k for k in mine if k not in samples}
            if want:
                url = doc.page.url if doc.page is not None else None
                host_name.setdefault(host, host_of(url) or "")
                stripped = split_stripped(doc.text)[1]
                for ln, (lh, _, _) in zip(
                    stripped, self.line_marks(stripped, _title(doc)), strict=True
                ):
                    if lh is not None and _key(host, lh) in want:
                        samples.setdefault(_key(host, lh), ln)
        strict = {k for k, got in reps.items() if len(got) >= need[k]}
        rows: list[dict[str, Any]] = [
            {
                "host": host_name.get(host_of_key[k], ""),
                "text": samples.get(k, ""),
                "pages": counts[k],
                "unrelated": len(reps[k]),
                "removed": k in strict,
            }
            for k in reps
        ]
        rows.sort(key=lambda r: (-r["pages"], r["host"], r["text"]))
        return strict, rows

    def apply(self, doc: Document) -> Document:
        host = doc.features.pop(_F_HOST, None)
        edge = doc.features.pop(_F_EDGE, None)
        body = doc.features.pop(_F_BODY, None)
        dh = doc.features.pop(_F_DOC, None)
        for key in (_F_SENT, _F_OUT, _F_SKETCH):
            doc.features.pop(key, None)
        strict = self.state.strict if self.state is not None else frozenset()
        if not strict or not doc.text:
            return doc
        if host is None:
            host = self.host_hash(doc)
            if host is None:
                return doc
        elif edge is not None and body is not None and dh == line_hash(doc.text):
            # the text prepare() hashed: its line hashes say whether any line is strict
            if all(_key(host, h) not in strict for h in (*_unpack(edge), *_unpack(body))):
                return doc
        lines = doc.text.split("\n")
        stripped = [ln.strip() for ln in lines]
        marks: list[str | None] = [
            RULE_ID if h is not None and _key(host, h) in strict else None
            for h, _, _ in self.line_marks(stripped, _title(doc))
        ]
        if any(marks):
            remove_marked_lines(doc, lines, stripped, marks, blocks=self.blocks)
        return doc

    def stats(self) -> dict[str, Any]:
        return dict(self.state.report) if self.state is not None else {}
