"""Corpus step: exact, near-duplicate and containment deduplication (see docs/dedup.md).

Contract
--------
* :meth:`Dedup.prepare` (workers): comparison key → exact hash, key length, shingle count,
  MinHash signature (``num_perm`` uint32 as bytes), in ``doc.features["dedup"]``.
* :meth:`Dedup.fit` (driver, kept documents in input order, replayable):

  1. one pass collects per-document columns into compact arrays (≈ ``4·num_perm + 170``
     bytes per document with its source — measured +0.88 GB for 1,000,000 documents at 128
     permutations, including the clustering temporaries — plus 8 bytes and, for a document
     whose page gives ``url`` / ``published`` / ``attachments``, its :func:`page_bytes`);
  2. exact groups: equal key hash; the group's best document (rank below) stands for it;
  3. LSH banding (``bands × rows``) over the group leaders gives candidate pairs (buckets are
     linked by a window of ``bucket_window`` neighbours, so a huge bucket costs O(size)),
     streamed band by band: each distinct pair is counted and estimated once, never stored
     with the others (:meth:`Dedup.candidate_pairs`);
  4. candidates whose signature estimate is far below both thresholds are dropped, the rest are
     **verified** on their real shingle sets (further passes over the documents, holding at most
     ``verify_budget`` shingles at once; the last batch's sets are kept for the star
     rounds) — an LSH collision alone never merges;
  5. union-find over verified pairs gives components; each component is split into *stars*:
     the best-ranked document is the representative and only documents verified **directly
     against it** join it (missing pairs are verified in another pass); the rest form further
     stars. So two different documents are never chained together through a third.

* :meth:`Dedup.apply`: duplicates get ``status="duplicate"``, ``duplicate_of`` (the
  representative's id), ``reason`` (``exact`` | ``near:0.93`` | ``contained:0.97``, the
  similarity to the representative) and an empty text; the representative gets the sources
  of the merged inputs in ``duplicates`` (input order) and, when its own ``page`` carries
  none of ``url`` / ``published`` / ``attachments``, those of the first merged copy (input
  order) whose page carries any (:func:`carry_page`: the whole page when the representative
  has none, else the three fields together — never fields of two pages mixed).

Representative rank: the *cleanest* copy first — fewest mirror marks (:func:`noise_marks`:
removed pinyin glosses, spam spans, ads and paywall residue, mirror flags, non-government
domains left in the text), so a pinyin-annotated or domain-rewritten mirror loses to the
government original even though its extra letters look like content — then most content
(characters of the comparison key: a copy padded with blank lines or spaces is not "more
complete"), then longest cleaned text, then fewest removals, then lowest ``seq``. A clean
truncated copy therefore stands for a noisy complete one (the merged sources are listed).
Identity is ``doc.seq`` (the same bytes may arrive twice), never ``doc.id``.
"""

from __future__ import annotations

import hashlib
import json
import re
from array import array
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field, fields, replace
from typing import Any, Protocol

import numpy as np

from ..document import Document, PageMeta
from ..pipeline import CorpusStep
from . import _kernels
from .pairs import VerifiedPairs
from .signature import (
    comparison_key,
    key_parts,
    key_signature,
    shingle_hashes,
    sorted_unique,
    year_contexts,
    years_conflict,
)

_FEATURE = "dedup"
_CHUNK = 65536
_NONE, _EXACT, _NEAR, _CONTAINED = 0, 1, 2, 3
#: a verified merge whose smaller side has < this share of the larger's shingles is reported
#: as ``contained`` (when it qualifies), even if its Jaccard also passes the threshold
_PARTIAL = 0.85
#: members listed per cluster in stats() (``size`` always counts all of them)
_SHOWN = 50
_KIND = {_EXACT: "exact", _NEAR: "near", _CONTAINED: "contained"}
#: removals by these rule families mark a copy as a mirror's, not the source's
_NOISE_RULES = ("mirror.", "span.", "advertising.", "paywall.")
#: flags a mirror leaves (mirror_gambling, mirror_anti_copy, masked_words)
_NOISE_FLAGS = ("mirror_", "masked_words")
_DOMAIN = re.compile(
    r"[A-Za-z0-9\-](?<![A-Za-z0-9\-./][A-Za-z0-9\-])[A-Za-z0-9\-]{0,62}(?:://[A-Za-z0-9\-]{1,63})?"
    r"(?:\.[A-Za-z0-9\-]{1,63}){0,4}\.(?:com|net|cc|top|vip|xyz|info|org|cn|COM|NET|CN)(?![A-Za-z])"
)
#: what every :data:`_DOMAIN` match holds: a dot and its top-level domain. A text without
#: one has no match, so the domain pattern (tried at every ASCII letter and digit) is not run
#: on it — most reports: a decimal number brings a dot, rarely one of these. (A search for a
#: literal dot first: ~20x faster than the domain pattern on reports.)
_TLD_DOT = re.compile(r"\.(?:com|net|cc|top|vip|xyz|info|org|cn|COM|NET|CN)")


def noise_marks(doc: Document) -> int:
    """How many marks of a mirror ``doc`` carries: removals by mirror/span/advertising/
    paywall rules, mirror flags, and domains left in the text that are not government ones."""
    n = sum(1 for r in doc.removed if r.rule.startswith(_NOISE_RULES))
    n += sum(1 for f in doc.flags if f.startswith(_NOISE_FLAGS))
    text = doc.text
    if "." in text and _TLD_DOT.search(text):
        n += sum(1 for m in _DOMAIN.finditer(text) if "gov" not in m.group().lower())
    return n


#: the page fields a dataset row shows (publish/schema.py ``data_row``): what a merge carries
CARRIED = ("url", "published", "attachments")
_PAGE_FIELDS = tuple(f.name for f in fields(PageMeta))


def carries(page: PageMeta | None) -> bool:
    """Whether ``page`` gives any of the row fields :data:`CARRIED` (a portal page does; a
    PDF/DOCX/OFD's own properties give only title/author)."""
    return page is not None and bool(page.url or page.published or page.attachments)


def page_bytes(page: PageMeta | None) -> bytes:
    """``page`` as compact UTF-8 JSON (field values in :class:`PageMeta` order), or ``b""``
    when it carries nothing (:func:`carries`): dedup keeps bytes only for carrying pages."""
    if page is None or not carries(page):
        return b""
    values = [getattr(page, name) for name in _PAGE_FIELDS]
    values[_PAGE_FIELDS.index("attachments")] = [list(a) for a in page.attachments]
    text = json.dumps(values, ensure_ascii=False, separators=(",", ":"))
    return text.encode("utf-8", "surrogatepass")


def page_from_bytes(data: bytes) -> PageMeta:
    """The :class:`PageMeta` :func:`page_bytes` encoded (equal field by field)."""
    values = json.loads(data.decode("utf-8", "surrogatepass"))
    page = PageMeta(**dict(zip(_PAGE_FIELDS, values, strict=True)))
    page.attachments = [(str(h), str(t)) for h, t in page.attachments]
    return page


def carry_page(own: PageMeta | None, donor: PageMeta) -> PageMeta:
    """The representative's page after a merge: ``donor`` (a merged copy's carrying page)
    as a whole when the representative has none, else its own page with the :data:`CARRIED`
    fields taken together from ``donor`` (its title/author from the file stay)."""
    if own is None:
        return donor
    return replace(
        own, url=donor.url, published=donor.published, attachments=list(donor.attachments)
    )


@dataclass(eq=False)
class DedupState:
    """What :meth:`Dedup.fit` learned, per kept document ``i`` in input order: its ``seq``
    and id (``ids``, uint64), its representative's index (``dup_rep``, -1 when it is not a
    duplicate), how it was merged (``dup_kind``) and at what similarity (``dup_sim``); the
    duplicates ordered by representative (``by_rep``, ``by_rep_key``) and every source as
    one UTF-8 blob with offsets (``src_blob``, ``src_off``); the pages a representative
    takes from a merged copy (:func:`carry_page`): ``carry_idx`` (sorted representative
    indices) with their donors' :func:`page_bytes` in ``carry_blob`` / ``carry_off``;
    ``stats`` for build.json. About 40 bytes per document plus its source, plus one page per
    representative that takes one."""

    seq: np.ndarray
    ids: np.ndarray
    dup_rep: np.ndarray
    dup_kind: np.ndarray
    dup_sim: np.ndarray
    by_rep: np.ndarray
    by_rep_key: np.ndarray
    src_blob: bytes
    src_off: np.ndarray
    carry_idx: np.ndarray = field(default_factory=lambda: np.empty(0, np.int64))
    carry_blob: bytes = b""
    carry_off: np.ndarray = field(default_factory=lambda: np.zeros(1, np.int64))
    stats: dict[str, Any] = field(default_factory=dict)

    def source(self, i: int) -> str:
        return self.src_blob[self.src_off[i] : self.src_off[i + 1]].decode("utf-8", "surrogatepass")

    def carried_page(self, i: int) -> PageMeta | None:
        """The donor page representative ``i`` takes from a merged copy, or None."""
        k = int(np.searchsorted(self.carry_idx, i))
        if k >= self.carry_idx.size or self.carry_idx[k] != i:
            return None
        return page_from_bytes(self.carry_blob[self.carry_off[k] : self.carry_off[k + 1]])

    def index(self, seq: int) -> int:
        """The index of the document with ``seq``, or -1 (not seen by the fit)."""
        i = int(np.searchsorted(self.seq, seq))
        return i if i < self.seq.size and self.seq[i] == seq else -1


@dataclass(eq=False)
class Dedup(CorpusStep):
    """Exact + near-duplicate + containment deduplication with a most-complete representative.

    Parameters (chosen on a labeled set, see docs/dedup.md): ``ngram`` character n-grams of
    the comparison key; ``num_perm`` MinHash permutations = ``bands × rows``; ``threshold``
    real Jaccard for a near merge; ``containment`` real |A∩B|/|A| (A the smaller shingle set)
    for a containment merge, only when ``|A|/|B| ≥ min_length_ratio``; documents with fewer
    than ``min_shingles`` shingles merge only exactly; ``year_guard``: two documents whose
    shared contexts carry different years (``signature.years_conflict``) never merge near or
    contained; ``fold_script``: fold traditional
    script in the key (turn off when an earlier step already converts to simplified).
    """

    name = "dedup"
    version = "1.1"  # 1.1: the kept row takes a merged copy's page fields (carry_page)

    ngram: int = 5
    bands: int = 32
    rows: int = 4
    threshold: float = 0.75
    containment: float = 0.9
    min_length_ratio: float = 0.3
    min_shingles: int = 100
    year_guard: bool = True
    fold_script: bool = True
    estimate_margin: float = 0.15
    bucket_window: int = 16
    verify_budget: int = 64_000_000
    max_rounds: int = 4

    #: what :meth:`fit` learned (None until fitted)
    state: DedupState | None = field(default=None, init=False, repr=False, compare=False)
    #: passes over the documents by the last fit (its first: collecting the columns)
    passes: int = field(default=0, init=False, repr=False, compare=False)
    # scratch of a fit in progress (released when it ends)
    _seq: np.ndarray = field(
        default_factory=lambda: np.empty(0, np.int64), init=False, repr=False, compare=False
    )
    _sets: dict[int, Any] = field(default_factory=dict, init=False, repr=False, compare=False)
    _n_candidates: int = field(default=0, init=False, repr=False, compare=False)
    _n_verified: int = field(default=0, init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        if self.ngram < 1 or self.bands < 1 or self.rows < 1:
            raise ValueError("ngram, bands and rows must be positive")
        if not (0.0 < self.threshold <= 1.0 and 0.0 < self.containment <= 1.0):
            raise ValueError("threshold and containment must be in (0, 1]")

    @property
    def num_perm(self) -> int:
        return self.bands * self.rows

    def derived_params(self) -> dict[str, Any]:
        return {
            "num_perm": self.num_perm,
            "key": "t2s + width fold + lower, punctuation/symbols/whitespace removed",
        }

    # -- per document (workers) ----------------------------------------------------------
    def key(self, doc: Document) -> str:
        """The comparison key of ``doc``'s current text as this step computes it (with or
        without the script fold, per ``fold_script``)."""
        return comparison_key(doc.text, self.fold_script)

    def preload(self) -> None:
        """Import numba and load the signature kernels now (``_kernels.available``) rather
        than after :data:`._kernels.WARMUP` calls: for an engine's large build."""
        _kernels.available()

    def prepare(self, doc: Document) -> None:
        # the key once, as code points (shingled from those) and as the UTF-8 bytes of
        # comparison_key() (hashed exactly); its length in characters is its code points'
        codes, utf8 = key_parts(doc.text, self.fold_script)
        exact = hashlib.blake2b(
            utf8 if codes.size else b"\0" + doc.text.encode("utf-8", "surrogatepass"),
            digest_size=16,
        ).digest()
        n_sh, sig = key_signature(codes, self.ngram, self.num_perm, self.min_shingles)
        doc.features[_FEATURE] = (exact, codes.size, n_sh, b"" if sig is None else sig.tobytes())

    def prepared(self, doc: Document) -> tuple[bytes, int, int, bytes]:
        """What :meth:`prepare` stored for ``doc`` — exact-key hash (16 bytes), key length,
        shingle count, MinHash signature bytes (empty under ``min_shingles``) — computed now
        if missing."""
        feat = doc.features.get(_FEATURE)
        if not isinstance(feat, tuple) or len(feat) != 4:
            self.prepare(doc)
            feat = doc.features[_FEATURE]
        return feat  # type: ignore[no-any-return]

    def _verify_set(self, doc: Document) -> tuple[np.ndarray, dict[str, frozenset[int]]]:
        return self.verify_set(self.key(doc))

    def verify_set(self, key: str) -> tuple[np.ndarray, dict[str, frozenset[int]]]:
        """What verification compares, from a comparison key: the shingle set (unique
        top-32-bit shingle hashes, uint32) and the year contexts (for the year guard)."""
        sh = shingle_hashes(key, self.ngram)
        years = year_contexts(key) if self.year_guard else {}
        return sorted_unique((sh >> np.uint64(32)).astype(np.uint32)), years

    # -- corpus (driver) -----------------------------------------------------------------
    def fit(self, docs: Iterable[Document]) -> DedupState:
        cols = self._collect(docs)
        # the signatures go to the backend alone (no name here holds them), so that it can
        # let them go once the candidates are found
        state = self.fit_columns(cols, _StreamBackend(self, docs, cols, cols.pop("sig")))
        self.set_state(state)
        return state

    def fit_columns(
        self, cols: dict[str, Any], backend: DedupBackend, documents: int | None = None
    ) -> DedupState:
        """The fit from the per-document columns of :meth:`_collect` (``sig`` may be absent:
        only ``backend`` reads signatures and shingle sets). Shared by the driver fit (over a
        replayable stream) and cluster fits (engines), so they cannot drift.

        Phases: exact groups (here) → ``backend.candidates`` (LSH) → ``backend.verify``
        (estimate filter + real shingle sets) → union-find and stars on the verified pairs
        (here; missing star edges go back to ``backend.verify``) → the fitted state, returned
        (not installed: :meth:`fit` installs it, an engine installs a cluster fit's).
        ``passes`` counts from 1 (the pass that collected ``cols``).

        ``cols`` may hold only a subset of the documents (``documents``: how many the corpus
        has, for ``stats()``): every member of an exact group of more than one document and
        every document of a candidate pair ``backend.candidates`` gives. Then the state covers
        that subset; the rest are neither duplicates nor representatives, and ``apply``
        leaves a document it has not seen untouched — the same output as a fit on every
        document (the cluster fit does this, engines/ray_fits.py).
        """
        try:
            state = self._fit_columns(cols, backend)
            if documents is not None:
                state.stats["documents"] = documents
            return state
        finally:
            self._sets = {}
            self._seq = np.empty(0, np.int64)

    def _fit_columns(self, cols: dict[str, Any], backend: DedupBackend) -> DedupState:
        self._n_candidates = self._n_verified = 0
        self.passes = 1
        n = cols["seq"].size
        if n > 1 and not bool(np.all(cols["seq"][1:] > cols["seq"][:-1])):
            raise ValueError("dedup: documents need unique, increasing seq (set by the engine)")
        self._seq = cols["seq"]
        dup_rep = np.full(n, -1, dtype=np.int64)
        dup_kind = np.zeros(n, dtype=np.int8)
        dup_sim = np.ones(n, dtype=np.float32)
        if n:
            # rank 0 = best: fewest mirror marks, most content characters, then longest
            # cleaned text, then fewest removals, then lowest seq
            order = np.lexsort(
                (
                    cols["seq"],
                    cols["n_removed"],
                    -cols["n_chars"],
                    -cols["n_content"],
                    cols.get("n_noise", np.zeros_like(cols["seq"])),
                )
            )
            rank = np.empty(n, dtype=np.int64)
            rank[order] = np.arange(n)
            leader = self._exact_groups(cols["hash"], rank)
            members = np.flatnonzero(leader != np.arange(n))
            dup_rep[members] = leader[members]
            dup_kind[members] = _EXACT
            near = self._near(backend, cols, leader, rank)
            if near:
                # a merged leader and every exact copy of it join the center, same similarity
                g_idx = np.fromiter(near.keys(), dtype=np.int64, count=len(near))
                c_idx = np.fromiter((v[0] for v in near.values()), np.int64, count=len(near))
                k_arr = np.fromiter((v[1] for v in near.values()), np.int8, count=len(near))
                s_arr = np.fromiter((v[2] for v in near.values()), np.float32, count=len(near))
                target = np.full(n, -1, dtype=np.int64)
                target[g_idx] = np.arange(g_idx.size)
                t = target[leader]
                moved = np.flatnonzero(t >= 0)
                dup_rep[moved] = c_idx[t[moved]]
                dup_kind[moved] = k_arr[t[moved]]
                dup_sim[moved] = s_arr[t[moved]]
        dups = np.flatnonzero(dup_rep >= 0)
        by_rep = dups[np.lexsort((dups, dup_rep[dups]))]
        carry_idx, carry_blob, carry_off = _donors(cols, by_rep, dup_rep[by_rep])
        state = DedupState(
            seq=cols["seq"],
            ids=cols["id"],
            dup_rep=dup_rep,
            dup_kind=dup_kind,
            dup_sim=dup_sim,
            by_rep=by_rep,
            by_rep_key=dup_rep[by_rep],
            src_blob=cols["src_blob"],
            src_off=cols["src_off"],
            carry_idx=carry_idx,
            carry_blob=carry_blob,
            carry_off=carry_off,
        )
        state.stats = self._make_stats(state)
        return _involved_only(state)

    def merged_state(
        self,
        parts: list[DedupState],
        documents: int,
        candidates: int,
        verified: int,
        passes: int,
    ) -> DedupState:
        """The states :meth:`fit_columns` gave for disjoint groups of whole components of
        the merge graph (:func:`merge_states`), as one, with the ``stats()`` of one fit over
        a corpus of ``documents`` with ``candidates`` LSH candidate pairs, ``verified``
        verified pairs and ``passes`` (the cluster fit: engines/ray_fits.py)."""
        state = merge_states(parts)
        self._n_candidates, self._n_verified, self.passes = candidates, verified, passes
        state.stats = self._make_stats(state)
        state.stats["documents"] = documents
        return state

    def columns_row(
        self, doc: Document
    ) -> tuple[int, int, int, int, int, int, bytes, bytes, int, bytes]:
        """One document's entries of the :meth:`_collect` columns (without the signature):
        ``seq, id, n_chars, n_removed, n_sh, n_content, hash, source`` (UTF-8 bytes),
        ``n_noise`` (:func:`noise_marks`), ``page`` (:func:`page_bytes`, empty for most)."""
        exact, n_key, k, _ = self.prepared(doc)
        try:
            ident = int(doc.id, 16)
        except ValueError:
            ident = 0
        return (
            doc.seq,
            ident,
            len(doc.text),
            len(doc.removed),
            k,
            n_key,
            exact,
            doc.source.encode("utf-8", "surrogatepass"),
            noise_marks(doc),
            page_bytes(doc.page),
        )

    def _rows(self, docs: Iterable[Document]) -> Iterator[tuple[tuple[Any, ...], bytes]]:
        """:meth:`columns_row` and the signature of each document of ``docs``, in order:
        computed here, or — when ``docs`` can hand its pieces to worker processes (the local
        engine's replay: ``pooled`` and ``map_kept``) — there, so the driver unpickles none
        of the documents."""
        if getattr(docs, "pooled", False):
            for rows in docs.map_kept(_column_rows, replace(self)):  # type: ignore[attr-defined]
                yield from rows
            return
        for doc in docs:
            yield self.columns_row(doc), self.prepared(doc)[3]

    def _collect(self, docs: Iterable[Document]) -> dict[str, Any]:
        seq, ids, n_chars, n_removed = array("q"), array("Q"), array("q"), array("q")
        n_sh, n_content, n_noise = array("q"), array("q"), array("q")
        hashes = bytearray()
        sig_chunks: list[np.ndarray] = []
        cur = np.empty((_CHUNK, self.num_perm), dtype=np.uint32)
        fill = 0
        src_blob = bytearray()
        src_off = array("q", [0])
        page_blob = bytearray()
        page_off = array("q", [0])
        empty_sig = np.full(self.num_perm, 0xFFFFFFFF, dtype=np.uint32)
        for (s, ident, chars, removed, k, n_key, exact, src, noise, page), sig in self._rows(docs):
            seq.append(s)
            ids.append(ident)
            n_chars.append(chars)
            n_removed.append(removed)
            n_noise.append(noise)
            n_sh.append(k)
            n_content.append(n_key)
            hashes += exact
            cur[fill] = np.frombuffer(sig, dtype=np.uint32) if sig else empty_sig
            fill += 1
            if fill == _CHUNK:
                sig_chunks.append(cur)
                cur = np.empty((_CHUNK, self.num_perm), dtype=np.uint32)
                fill = 0
            src_blob += src
            src_off.append(len(src_blob))
            page_blob += page
            page_off.append(len(page_blob))
        total = len(sig_chunks) * _CHUNK + fill
        sigs = np.empty((total, self.num_perm), dtype=np.uint32)
        for i in range(len(sig_chunks)):
            sigs[i * _CHUNK : (i + 1) * _CHUNK] = sig_chunks[i]
            sig_chunks[i] = cur[:0]  # release the chunk as soon as it is copied
        sigs[len(sig_chunks) * _CHUNK :] = cur[:fill]
        del cur, sig_chunks
        return {
            "seq": np.frombuffer(seq, dtype=np.int64).copy(),
            "id": np.frombuffer(ids, dtype=np.uint64).copy(),
            "n_chars": np.frombuffer(n_chars, dtype=np.int64).copy(),
            "n_removed": np.frombuffer(n_removed, dtype=np.int64).copy(),
            "n_noise": np.frombuffer(n_noise, dtype=np.int64).copy(),
            "n_sh": np.frombuffer(n_sh, dtype=np.int64).copy(),
            "n_content": np.frombuffer(n_content, dtype=np.int64).copy(),
            "hash": np.frombuffer(bytes(hashes), dtype=np.uint64).reshape(-1, 2),
            "sig": sigs,
            "src_blob": bytes(src_blob),
            "src_off": np.frombuffer(src_off, dtype=np.int64).copy(),
            "page_blob": bytes(page_blob),
            "page_off": np.frombuffer(page_off, dtype=np.int64).copy(),
        }

    @staticmethod
    def _exact_groups(hashes: np.ndarray, rank: np.ndarray) -> np.ndarray:
        """For every document, the index of the best-ranked document with the same key hash."""
        n = rank.size
        order = np.lexsort((rank, hashes[:, 1], hashes[:, 0]))
        h = hashes[order]
        start = np.ones(n, dtype=bool)
        start[1:] = np.any(h[1:] != h[:-1], axis=1)
        group_first = order[np.flatnonzero(start)]
        group_id = np.cumsum(start) - 1
        leader = np.empty(n, dtype=np.int64)
        leader[order] = group_first[group_id]
        return leader

    # -- near duplicates -------------------------------------------------------------------
    def band_hashes(self, sigs: np.ndarray) -> np.ndarray:
        """``(bands, len(sigs))`` uint64 bucket keys of signatures ``sigs`` (one row each)."""
        out = np.empty((self.bands, sigs.shape[0]), dtype=np.uint64)
        for band in range(self.bands):
            out[band] = self.band_hash(sigs, band)
        return out

    def band_hash(self, sigs: np.ndarray, band: int, rows: np.ndarray | None = None) -> np.ndarray:
        """Row ``band`` of :meth:`band_hashes` (of ``sigs[rows]`` when ``rows`` is given),
        computed without copying the other bands' columns."""
        block = sigs[:, band * self.rows : (band + 1) * self.rows]
        if rows is not None:
            block = block[rows]
        h = (block.astype(np.uint64) * permutation_mixers(self.rows)).sum(axis=1, dtype=np.uint64)
        h ^= h >> np.uint64(31)
        return h  # type: ignore[no-any-return]

    def bucket_pairs(self, buckets: np.ndarray, members: np.ndarray, n: int) -> list[np.ndarray]:
        """Candidate keys ``lo * n + hi`` of documents ``members`` sorted by bucket (equal
        ``buckets`` values adjacent, members of one bucket in increasing index): each member
        is paired with the next ``bucket_window`` members of its bucket (the large-bucket rule:
        a bucket of size s costs O(s · bucket_window), not O(s²))."""
        keys: list[np.ndarray] = []
        for d in range(1, min(self.bucket_window, members.size - 1) + 1):
            same = np.flatnonzero(buckets[d:] == buckets[:-d])
            if same.size == 0:
                break
            a, b = members[same], members[same + d]
            keys.append(np.minimum(a, b) * n + np.maximum(a, b))
        return keys

    def candidate_pairs(
        self, sigs: np.ndarray, n_sh: np.ndarray, idx: np.ndarray, n: int
    ) -> tuple[np.ndarray, int]:
        """The LSH candidate pairs among documents ``idx`` (sorted unique indices into the
        rows of ``sigs`` / ``n_sh``) that :meth:`estimate_ok` keeps, as sorted unique keys
        ``lo * n + hi``, and the count of *all* distinct candidate pairs (every band's
        :meth:`bucket_pairs`, a pair found in several bands counted once).

        Streamed, band by band and window distance by distance: the set of all candidates is
        never held (it grows faster than the corpus: 40 → 96 pairs per document from 10k to
        60k generated reports, ~24 bytes each at the old fit's peak). A pair found in band
        ``k`` is *new* when no earlier band paired it: in band ``j`` two documents are
        paired when they share a bucket and are at most ``bucket_window`` apart in the
        band's stable order, which is checked from one packed value per document and band
        — the position in that order, shifted, with the offset in the bucket clipped at
        ``bucket_window`` in the low bits (the later document's offset ≥ the distance means
        the earlier one is in its bucket): one int32 (int64 past ~2^26 documents), so
        ``4 × bands`` bytes per document instead of a set of pairs. Only new pairs are
        counted and go through the estimate filter, so every distinct pair is counted and
        estimated exactly once, as when the set was materialised. Memory: that column, one
        band's hashes and order, and one distance's
        pairs (≤ ``len(idx)``) — linear in the documents, whatever the bucket sizes (one
        bucket of 10,000 near-identical documents gives 16 pairs per document in band 0 and
        only already-seen pairs after it)."""
        m = idx.size
        window = self.bucket_window
        empty = np.empty(0, dtype=np.int64)
        if m < 2:
            return empty, 0
        # per document and band: position in the band's order << shift | clipped offset
        shift = max(1, window.bit_length())
        packed = np.empty((m, self.bands), dtype=np.int32 if m < 2 ** (31 - shift) else np.int64)
        ranks = np.arange(m, dtype=np.int64)
        kept: list[np.ndarray] = []
        total = 0
        for band in range(self.bands):
            h = self.band_hash(sigs, band, idx)
            order = np.argsort(h, kind="stable")
            hs = h[order]
            del h
            start = np.ones(m, dtype=bool)
            np.not_equal(hs[1:], hs[:-1], out=start[1:])
            first = np.maximum.accumulate(np.where(start, ranks, 0))
            packed[order, band] = ranks << shift | np.minimum(ranks - first, window)
            del start, first
            for d in range(1, min(window, m - 1) + 1):
                same = np.flatnonzero(hs[d:] == hs[:-d])
                if same.size == 0:
                    break
                a, b = self._unseen(packed, band, order[same], order[same + d], shift)
                total += a.size
                ga, gb = idx[a], idx[b]
                lo, hi = self._estimate_filter(sigs, n_sh, np.minimum(ga, gb), np.maximum(ga, gb))
                if lo.size:
                    kept.append(lo * n + hi)
        keys = np.sort(np.concatenate(kept)) if kept else empty
        return keys, total

    def _unseen(
        self, packed: np.ndarray, band: int, a: np.ndarray, b: np.ndarray, shift: int
    ) -> tuple[np.ndarray, np.ndarray]:
        """The pairs ``(a[i], b[i])`` (local document indices) that no band before ``band``
        paired: in band ``j`` (``packed[:, j]``: position ``<< shift`` | offset in the bucket
        clipped at ``bucket_window``) the later of the two is at most ``bucket_window``
        after the earlier one and its offset reaches back to it."""
        if band == 0 or a.size == 0:
            return a, b
        window, low = self.bucket_window, (1 << shift) - 1
        fresh = np.empty(a.size, dtype=bool)
        step = max(1, 2_000_000 // band)
        for s in range(0, a.size, step):
            pa, pb = packed[a[s : s + step], :band], packed[b[s : s + step], :band]
            later = np.maximum(pa, pb)
            dist = (later >> shift) - (np.minimum(pa, pb) >> shift)
            del pa, pb
            paired = (dist <= window) & ((later & low) >= dist)
            fresh[s : s + step] = ~paired.any(axis=1)
        return a[fresh], b[fresh]

    def _near(
        self, backend: DedupBackend, cols: dict[str, Any], leader: np.ndarray, rank: np.ndarray
    ) -> dict[int, tuple[int, int, float]]:
        """Near/contained merges among exact-group leaders: ``{leader: (center, kind, sim)}``."""
        n = leader.size
        n_sh = cols["n_sh"]
        idx = np.flatnonzero((leader == np.arange(n)) & (n_sh >= self.min_shingles))
        if idx.size < 2:
            return {}
        keys, self._n_candidates = backend.candidates(idx, n)
        known = VerifiedPairs(n)
        backend.verify(keys // n, keys % n, known, True)
        result = self._stars(backend, known, rank)
        self._n_verified = len(known)  # every verified pair once (candidates are unique)
        return result

    def _stars(
        self,
        backend: DedupBackend,
        known: VerifiedPairs,
        rank: np.ndarray,
    ) -> dict[int, tuple[int, int, float]]:
        """Union-find over the verified merges in ``known``, each component split into stars."""
        parent: dict[int, int] = {}

        def find(x: int) -> int:
            root = parent.setdefault(x, x)
            while parent[root] != root:
                root = parent[root]
            while parent[x] != root:
                parent[x], x = root, parent[x]
            return root

        # the merged pairs in key order, not the order they were verified in: the components
        # do not depend on it (each root is its component's smallest member)
        for a, b in zip(*(x.tolist() for x in known.merged()), strict=True):
            ra, rb = find(a), find(b)
            if ra != rb:
                parent[max(ra, rb)] = min(ra, rb)
        comps: dict[int, list[int]] = {}
        for x in sorted(parent):
            comps.setdefault(find(x), []).append(x)
        stars = [sorted(m, key=lambda i: rank[i]) for m in comps.values() if len(m) > 1]
        stars.sort(key=lambda m: rank[m[0]])
        # Split each component into stars. A pair never verified is requested (and, for this
        # round, treated as not similar, so later centers are found and requested too); the
        # assignment is recomputed after each verification pass, at most ``max_rounds`` times.
        rounds = 0
        while True:
            requests: set[tuple[int, int]] = set()
            result: dict[int, tuple[int, int, float]] = {}
            for unassigned in stars:
                while unassigned:
                    center, rest = unassigned[0], unassigned[1:]
                    left = []
                    for m in rest:
                        pair = (min(center, m), max(center, m))
                        kind, sim = known.get(pair, (_NONE, 0.0))
                        if kind:
                            result[m] = (center, kind, sim)
                            continue
                        if pair not in known and rounds < self.max_rounds:
                            requests.add(pair)
                        left.append(m)
                    unassigned = left
            if not requests:
                return result
            asked = np.array(sorted(requests), dtype=np.int64).reshape(-1, 2)
            backend.verify(asked[:, 0], asked[:, 1], known, False)
            rounds += 1

    def estimate_ok(
        self, sig_a: np.ndarray, sig_b: np.ndarray, na: np.ndarray, nb: np.ndarray
    ) -> np.ndarray:
        """Mask of pairs (row i of ``sig_a`` with row i of ``sig_b``, shingle counts ``na``,
        ``nb``) whose signature estimate is not far below both thresholds."""
        j = (sig_a == sig_b).mean(axis=1)
        na, nb = na.astype(np.float64), nb.astype(np.float64)
        small, large = np.minimum(na, nb), np.maximum(na, nb)
        c = j * (na + nb) / ((1.0 + j) * small)
        return (j >= self.threshold - self.estimate_margin) | (  # type: ignore[no-any-return]
            (c >= self.containment - self.estimate_margin)
            & (small >= self.min_length_ratio * large)
        )

    def _estimate_filter(
        self, sigs: np.ndarray, n_sh: np.ndarray, lo: np.ndarray, hi: np.ndarray
    ) -> tuple[np.ndarray, np.ndarray]:
        """Drop candidates whose signature estimate is far below both thresholds."""
        keep: list[np.ndarray] = []
        step = max(1, 4_000_000 // self.num_perm)
        for s in range(0, lo.size, step):
            a, b = lo[s : s + step], hi[s : s + step]
            keep.append(s + np.flatnonzero(self.estimate_ok(sigs[a], sigs[b], n_sh[a], n_sh[b])))
        sel = np.concatenate(keep) if keep else np.empty(0, dtype=np.int64)
        return lo[sel], hi[sel]

    def compare(
        self,
        a: tuple[np.ndarray, dict[str, frozenset[int]]],
        b: tuple[np.ndarray, dict[str, frozenset[int]]],
    ) -> tuple[int, float]:
        """``(kind, similarity)`` of two verification sets (:meth:`_verify_set`)."""
        (sa, ya), (sb, yb) = a, b
        if self.year_guard and years_conflict(ya, yb):
            return _NONE, 0.0
        inter = np.intersect1d(sa, sb, assume_unique=True).size
        union = sa.size + sb.size - inter
        small, large = min(sa.size, sb.size), max(sa.size, sb.size)
        jac = inter / union if union else 0.0
        con = inter / small if small else 0.0
        contained = con >= self.containment and small >= self.min_length_ratio * large
        if contained and (jac < self.threshold or small < _PARTIAL * large):
            return _CONTAINED, con  # a part of the other (truncated copy)
        if jac >= self.threshold:
            return _NEAR, jac
        return _NONE, max(jac, con)

    def _verify(
        self,
        docs: Iterable[Document],
        n_sh: np.ndarray,
        pairs: list[tuple[int, int]],
        known: VerifiedPairs,
    ) -> None:
        """Real Jaccard / containment of ``pairs``; batches hold ≤ ``verify_budget`` shingles.

        The sets of the last batch stay cached (still ≤ ``verify_budget`` shingles) until
        the fit ends: the star rounds ask for pairs among documents just verified, so they
        usually need no further pass over the documents."""
        cache = self._sets
        todo: list[tuple[int, int]] = []
        for a, b in pairs:
            if a in cache and b in cache:
                known[(a, b)] = self.compare(cache[a], cache[b])
            else:
                todo.append((a, b))
        for batch, needed in _batches(todo, n_sh, self.verify_budget):
            sets = {i: cache[i] for i in needed if i in cache}
            missing = needed - sets.keys()
            cache = self._sets = {}  # the previous batch's sets are released first
            if missing:
                self.passes += 1
                sets.update(self._needed_sets(docs, missing))
            for a, b in batch:
                known[(a, b)] = self.compare(sets[a], sets[b])
            cache = self._sets = sets

    def _needed_sets(self, docs: Iterable[Document], needed: set[int]) -> dict[int, Any]:
        """The verification sets of the documents at positions ``needed`` of ``docs``: read
        here, or — when ``docs`` can hand its pieces to worker processes (the local
        engine's replay: ``pooled`` and ``map_kept``) — computed there from the documents'
        ``seq`` (the collected column), the driver unpickling none of them."""
        sets: dict[int, Any] = {}
        if getattr(docs, "pooled", False):
            by_seq = {int(self._seq[i]): i for i in needed}
            params = replace(self)  # the parameters only, not this fit's scratch
            for found in docs.map_kept(_verify_sets, (params, frozenset(by_seq))):  # type: ignore[attr-defined]
                for seq, got in found:
                    sets[by_seq[seq]] = got
            if len(sets) != len(needed):
                raise RuntimeError("dedup: the document stream changed between passes")
            return sets
        for i, doc in _enumerate_needed(docs, needed):
            if doc.seq != self._seq[i]:
                raise RuntimeError("dedup: the document stream changed between passes")
            sets[i] = self._verify_set(doc)
        return sets

    # -- apply ---------------------------------------------------------------------------
    def apply(self, doc: Document) -> Document:
        st = self.state
        i = st.index(doc.seq) if st is not None else -1
        if st is None or i < 0:
            return doc
        rep = int(st.dup_rep[i])
        if rep >= 0:
            reason = _reason(int(st.dup_kind[i]), float(st.dup_sim[i]))
            return doc.mark_duplicate(format(int(st.ids[rep]), "016x"), reason)
        lo = int(np.searchsorted(st.by_rep_key, i, side="left"))
        hi = int(np.searchsorted(st.by_rep_key, i, side="right"))
        if hi > lo:
            doc.duplicates = [*doc.duplicates, *(st.source(int(j)) for j in st.by_rep[lo:hi])]
            donor = st.carried_page(i)
            if donor is not None and not carries(doc.page):
                doc.page = carry_page(doc.page, donor)
        return doc

    # -- stats ---------------------------------------------------------------------------
    def _make_stats(self, st: DedupState, top: int = 10) -> dict[str, Any]:
        kinds = st.dup_kind
        reps, sizes = np.unique(st.dup_rep[st.dup_rep >= 0], return_counts=True)
        largest = np.lexsort((reps, -sizes))[:top]
        clusters = []
        for k in largest.tolist():
            r = int(reps[k])
            members = np.flatnonzero(st.dup_rep == r)
            clusters.append(
                {
                    "id": format(int(st.ids[r]), "016x"),
                    "source": st.source(r),
                    "size": int(sizes[k]) + 1,
                    "members": [
                        {
                            "source": st.source(int(m)),
                            "reason": _reason(int(kinds[m]), float(st.dup_sim[m])),
                        }
                        for m in members[:_SHOWN].tolist()
                    ],
                }
            )
        return {
            "documents": int(kinds.size),
            "exact": int(np.count_nonzero(kinds == _EXACT)),
            "near": int(np.count_nonzero(kinds == _NEAR)),
            "contained": int(np.count_nonzero(kinds == _CONTAINED)),
            "clusters": int(reps.size),
            "lsh_candidate_pairs": self._n_candidates,
            "verified_pairs": self._n_verified,
            "passes": self.passes,
            "largest_clusters": clusters,
        }

    def stats(self) -> dict[str, Any]:
        return dict(self.state.stats) if self.state is not None else {}


def _donors(
    cols: dict[str, Any], by_rep: np.ndarray, by_rep_key: np.ndarray
) -> tuple[np.ndarray, bytes, np.ndarray]:
    """The page each representative takes (:func:`carry_page`): for every representative
    whose own page carries nothing, the first of its duplicates in input order whose page
    carries (``by_rep`` is sorted by representative, then index). Returns the representative
    indices (sorted) and the donors' page bytes as one blob with offsets. Without page
    columns (a fit from older columns), nothing is carried."""
    off = cols.get("page_off")
    empty = (np.empty(0, np.int64), b"", np.zeros(1, np.int64))
    if off is None or by_rep.size == 0:
        return empty
    has = off[1:] > off[:-1]
    sel = np.flatnonzero(has[by_rep] & ~has[by_rep_key])
    if sel.size == 0:
        return empty
    reps, first = np.unique(by_rep_key[sel], return_index=True)
    donors = by_rep[sel[first]]
    blob = cols["page_blob"]
    pages = [blob[off[d] : off[d + 1]] for d in donors.tolist()]
    carry_off = np.zeros(len(pages) + 1, dtype=np.int64)
    np.cumsum([len(p) for p in pages], out=carry_off[1:])
    return reps.astype(np.int64), b"".join(pages), carry_off


def _involved_only(st: DedupState) -> DedupState:
    """``st`` restricted to the documents a merge involves (duplicates and their
    representatives), re-indexed; its ``stats`` as they are (computed on every document).

    :meth:`Dedup.apply` leaves a document the state does not hold untouched, which is what
    it does to a document that is neither a duplicate nor a representative: the output is
    the same, and the state kept to the end of the build holds ~40 bytes plus a source per
    *merged* document instead of per document (most documents are in no cluster)."""
    dups = st.by_rep
    keep = np.union1d(dups, st.by_rep_key)
    if keep.size == st.seq.size:
        return st
    new = np.full(st.seq.size, -1, dtype=np.int64)
    new[keep] = np.arange(keep.size)
    rep = st.dup_rep[keep]
    dup_rep = np.where(rep >= 0, new[np.maximum(rep, 0)], -1)
    sources = [st.src_blob[st.src_off[i] : st.src_off[i + 1]] for i in keep.tolist()]
    src_off = np.zeros(keep.size + 1, dtype=np.int64)
    np.cumsum([len(b) for b in sources], out=src_off[1:])
    return replace(
        st,
        seq=st.seq[keep],
        ids=st.ids[keep],
        dup_rep=dup_rep,
        dup_kind=st.dup_kind[keep],
        dup_sim=st.dup_sim[keep],
        by_rep=new[dups],
        by_rep_key=new[st.by_rep_key],
        src_blob=b"".join(sources),
        src_off=src_off,
        carry_idx=new[st.carry_idx],
    )


def _gather(blob: bytes, start: np.ndarray, length: np.ndarray) -> tuple[bytes, np.ndarray]:
    """The byte ranges ``blob[start[i] : start[i] + length[i]]`` joined in order, with
    ``int64`` offsets (vectorised: no Python object per range)."""
    off = np.zeros(length.size + 1, dtype=np.int64)
    np.cumsum(length, out=off[1:])
    if not off[-1]:
        return b"", off
    at = np.repeat(start - off[:-1], length) + np.arange(int(off[-1]), dtype=np.int64)
    return np.frombuffer(blob, dtype=np.uint8)[at].tobytes(), off


def merge_states(parts: list[DedupState]) -> DedupState:
    """The states of fits over disjoint sets of documents (each indexed within itself, as
    :meth:`Dedup.fit_columns` returns them) as one state in ``seq`` order, re-indexed:
    what one fit over all of them gives when no merge crosses two parts — the cluster fit
    fits whole components of the merge graph per task (engines/ray_fits.py). ``stats`` is
    left empty (:meth:`Dedup.merged_state` fills it)."""
    parts = [p for p in parts if p.seq.size]
    empty_i = np.empty(0, dtype=np.int64)
    if not parts:
        return DedupState(
            seq=empty_i,
            ids=np.empty(0, np.uint64),
            dup_rep=empty_i,
            dup_kind=np.empty(0, np.int8),
            dup_sim=np.empty(0, np.float32),
            by_rep=empty_i,
            by_rep_key=empty_i,
            src_blob=b"",
            src_off=np.zeros(1, dtype=np.int64),
        )
    sizes = np.array([p.seq.size for p in parts], dtype=np.int64)
    base = np.cumsum(sizes) - sizes
    seq = np.concatenate([p.seq for p in parts]).astype(np.int64, copy=False)
    order = np.argsort(seq, kind="stable")
    seq = seq[order]
    if seq.size > 1 and not bool(np.all(seq[1:] > seq[:-1])):
        raise ValueError("dedup: the parts of a state share documents")
    new = np.empty(seq.size, dtype=np.int64)
    new[order] = np.arange(seq.size)
    rep = np.concatenate(
        [
            np.where(p.dup_rep >= 0, p.dup_rep + b, -1)
            for p, b in zip(parts, base.tolist(), strict=True)
        ]
    )
    dup_rep = np.where(rep >= 0, new[np.maximum(rep, 0)], -1)[order]
    dups = np.flatnonzero(dup_rep >= 0)
    by_rep = dups[np.lexsort((dups, dup_rep[dups]))]
    # the sources, in the new order
    blob_base = np.cumsum([len(p.src_blob) for p in parts]) - [len(p.src_blob) for p in parts]
    start = np.concatenate(
        [p.src_off[:-1] + b for p, b in zip(parts, blob_base.tolist(), strict=True)]
    )
    length = np.concatenate([np.diff(p.src_off) for p in parts])
    src_blob, src_off = _gather(b"".join(p.src_blob for p in parts), start[order], length[order])
    # the carried pages, by representative
    carry = np.concatenate(
        [new[p.carry_idx + b] for p, b in zip(parts, base.tolist(), strict=True)]
    )
    pbase = np.cumsum([len(p.carry_blob) for p in parts]) - [len(p.carry_blob) for p in parts]
    pstart = np.concatenate(
        [p.carry_off[:-1] + b for p, b in zip(parts, pbase.tolist(), strict=True)]
    )
    plength = np.concatenate([np.diff(p.carry_off) for p in parts])
    corder = np.argsort(carry, kind="stable")
    carry_blob, carry_off = _gather(
        b"".join(p.carry_blob for p in parts), pstart[corder], plength[corder]
    )
    return DedupState(
        seq=seq,
        ids=np.concatenate([p.ids for p in parts])[order],
        dup_rep=dup_rep,
        dup_kind=np.concatenate([p.dup_kind for p in parts])[order],
        dup_sim=np.concatenate([p.dup_sim for p in parts])[order],
        by_rep=by_rep,
        by_rep_key=dup_rep[by_rep],
        src_blob=src_blob,
        src_off=src_off,
        carry_idx=carry[corder].astype(np.int64),
        carry_blob=carry_blob,
        carry_off=carry_off,
    )


def _reason(kind: int, sim: float) -> str:
    if kind == _EXACT:
        return "exact"
    # never round a verified similarity up past what was measured
    return f"{_KIND[kind]}:{np.floor(sim * 100) / 100:.2f}"


class DedupBackend(Protocol):
    """Where :meth:`Dedup.fit_columns` gets signatures and shingle sets from (the driver's
    replayable stream, or a cluster: engines/ray_fits.py)."""

    def candidates(self, idx: np.ndarray, n: int) -> tuple[np.ndarray, int]:
        """The LSH candidate pairs among documents ``idx`` as sorted unique keys
        ``lo * n + hi`` — all of them, or only those :meth:`Dedup.estimate_ok` keeps
        (:meth:`Dedup.candidate_pairs`), since ``verify`` applies the estimate filter to
        them anyway — and the count of all distinct candidate pairs (``stats()``)."""
        ...

    def verify(
        self,
        lo: np.ndarray,
        hi: np.ndarray,
        known: VerifiedPairs,
        estimate: bool,
    ) -> None:
        """Put :meth:`Dedup.compare` of every pair ``(lo[i], hi[i])`` into ``known``; with
        ``estimate``, only of the pairs :meth:`Dedup.estimate_ok` keeps."""
        ...


class _StreamBackend:
    """Signatures from the collected columns; shingle sets from passes over ``docs``.

    The signatures (``4 · num_perm`` bytes per document, the largest part of the fit's
    per-document state) are read by :meth:`candidates` only: the keys it returns are those
    the estimate filter keeps, so the ``estimate`` of the :meth:`verify` that follows keeps
    every one of them, and the matrix is released when :meth:`candidates` returns — not
    held through the verification passes (whose shingle sets, up to ``verify_budget``, and
    worker processes come on top of it)."""

    def __init__(
        self, step: Dedup, docs: Iterable[Document], cols: dict[str, Any], sigs: np.ndarray
    ):
        self.step, self.docs, self.cols = step, docs, cols
        self.sigs: np.ndarray | None = sigs

    def candidates(self, idx: np.ndarray, n: int) -> tuple[np.ndarray, int]:
        if self.sigs is None:
            raise RuntimeError("dedup: the signatures were released after the candidates")
        got = self.step.candidate_pairs(self.sigs, self.cols["n_sh"], idx, n)
        self.sigs = None  # the kept keys passed the estimate filter: nothing reads them again
        return got

    def verify(
        self,
        lo: np.ndarray,
        hi: np.ndarray,
        known: VerifiedPairs,
        estimate: bool,
    ) -> None:
        n_sh = self.cols["n_sh"]
        if estimate and self.sigs is not None:
            lo, hi = self.step._estimate_filter(self.sigs, n_sh, lo, hi)
        # with the signatures released, ``lo``/``hi`` are :meth:`candidates`' keys, every
        # one of which the estimate filter kept there
        self.step._verify(self.docs, n_sh, list(zip(lo.tolist(), hi.tolist(), strict=True)), known)


def permutation_mixers(rows: int) -> np.ndarray:
    """Odd 64-bit multipliers that fold ``rows`` signature values into one band hash."""
    rng = np.random.Generator(np.random.PCG64(0xBA4D))
    return rng.integers(0, 2**63, size=rows, dtype=np.uint64) << np.uint64(1) | np.uint64(1)


def _batches(
    pairs: list[tuple[int, int]], n_sh: np.ndarray, budget: int
) -> Iterator[tuple[list[tuple[int, int]], set[int]]]:
    """Split ``pairs`` (sorted) into batches whose documents hold ≤ ``budget`` shingles."""
    batch: list[tuple[int, int]] = []
    needed: set[int] = set()
    load = 0
    for a, b in pairs:
        extra = sum(int(n_sh[x]) for x in (a, b) if x not in needed)
        if batch and load + extra > budget:
            yield batch, needed
            batch, needed, load = [], set(), 0
            extra = int(n_sh[a]) + int(n_sh[b])
        batch.append((a, b))
        needed.update((a, b))
        load += extra
    if batch:
        yield batch, needed


def _column_rows(step: Dedup, docs: list[Document]) -> list[tuple[tuple[Any, ...], bytes]]:
    """:meth:`Dedup.columns_row` and the signature of each of ``docs`` (a worker's task)."""
    return [(step.columns_row(doc), step.prepared(doc)[3]) for doc in docs]


def _verify_sets(
    shared: tuple[Dedup, frozenset[int]], docs: list[Document]
) -> list[tuple[int, Any]]:
    """``(seq, verification set)`` of the ``docs`` whose seq is wanted (a worker's task)."""
    step, wanted = shared
    return [(doc.seq, step._verify_set(doc)) for doc in docs if doc.seq in wanted]


def _enumerate_needed(docs: Iterable[Document], needed: set[int]) -> Iterator[tuple[int, Document]]:
    last = max(needed)
    for i, doc in enumerate(docs):
        if i in needed:
            yield i, doc
        if i >= last:
            return
