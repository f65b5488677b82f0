"""The record carried through the pipeline.

A :class:`Document` starts as raw bytes read from one input and ends as one row of the
dataset (when kept) and one row of the manifest (always). Steps change it only through the
methods below, so that every removal and every in-place change leaves a trace:

* :meth:`Document.remove_spans` — text cut out, recorded verbatim with the rule id and its
  ``start`` in ``removed`` (:meth:`Document.log_removal` when there is no position);
* :meth:`Document.record_edits` / :meth:`Document.record_change` — in-place changes
  (punctuation, width, script, repair) located as ``EditSpan(step, rule, start, end,
  before, after)`` in ``edit_spans`` (at most :data:`EDIT_TRAIL_MAX` per document; held
  in ``trail`` as one compact record per change call and built as tuples only when read:
  a build never reads them, it only pickles them into the spill);
  :meth:`Document.log_edit` counts them per step and rule in ``edits`` (the summary);
* :meth:`Document.flag` — an observation that changes nothing (``placeholder``,
  ``truncated``, ...);
* :meth:`Document.reject` — the input does not become a row of the dataset; ``reason`` says
  why;
* :meth:`Document.mark_duplicate` — the input is a copy of the kept document ``of``.

Values that one step leaves for another or for the output are typed fields
(``decode_rule``, ``decoded_chars``, ``width_profile``, ``meta`` for the contract's metadata
columns, ``page`` for extraction's evidence). ``features`` is scratch that never reaches the
output: a step's working values (hashes, signatures, evidence for ``inspect``), under keys
namespaced by the step that owns them (``"dedup"``, ``"repeated_lines.edge"``,
``"exact-dedup.text_sha1"``).
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from operator import attrgetter
from typing import Any, NamedTuple

#: Metadata fields of the dataset contract, filled by the metadata step (null until then).
METADATA_FIELDS: tuple[str, ...] = (
    "title",
    "year",
    "agency",
    "province",
    "prefecture",
    "county",
    "admin_level",
    "date",
    "doc_type",
)

KEPT = "kept"
DUPLICATE = "duplicate"
REJECTED = "rejected"


#: Located edit spans kept per document; past this many only the counts grow (``edits``)
#: and ``edit_spans_dropped`` says how many spans were not kept.
EDIT_TRAIL_MAX = 128


@dataclass(slots=True, frozen=True)
class Removal:
    """A span removed from the text: the rule that removed it, the exact text, and
    ``start``, its character offset in the text it was cut from (the text as it was when
    that change was made; -1 when the step did not say). ``call`` numbers the document's
    change calls (:meth:`Document.remove_spans`, :meth:`Document.record_edits`): spans of
    one call share one text; not published, not compared."""

    rule: str
    text: str
    start: int = -1
    call: int = field(default=0, compare=False)

    def __reduce__(self) -> tuple[Any, tuple[str, str, int, int]]:
        return _removal, (self.rule, self.text, self.start, self.call)


_set = object.__setattr__


def _removal(rule: str, text: str, start: int = -1, call: int = 0) -> Removal:
    """Unpickle a :class:`Removal` without the frozen dataclass ``__init__`` (the spill
    is unpickled several times per build: see Document.__reduce__)."""
    r = object.__new__(Removal)
    _set(r, "rule", rule)
    _set(r, "text", text)
    _set(r, "start", start)
    _set(r, "call", call)
    return r


class EditSpan(NamedTuple):
    """One located in-place change: ``text[start:end]`` (the text as it was at change call
    ``call``) was ``before`` and became ``after``, by ``rule`` of ``step``.

    ``Document.edit_spans`` stores these as plain tuples in this field order (a tuple
    pickles ~4x faster than an object, and the spill is read several times per build);
    ``EditSpan(*t)`` or :meth:`Document.edit_trail` names the fields."""

    step: str
    rule: str
    start: int
    end: int
    before: str
    after: str
    call: int = 0


@dataclass(slots=True)
class Edit:
    """In-place changes made by one rule of one step, counted: the summary of the located
    :class:`EditSpan` trail (always complete, also past :data:`EDIT_TRAIL_MAX`)."""

    step: str
    rule: str
    count: int

    def __reduce__(self) -> tuple[Any, tuple[str, str, int]]:
        return Edit, (self.step, self.rule, self.count)


@dataclass(slots=True)
class PageMeta:
    """What the page or file around a report says about it (filled by extraction).

    Evidence for the metadata step, not text: nothing here is part of ``Document.text``.
    Every field is optional; dates are ISO ``YYYY-MM-DD`` when the page gives a full date.
    ``site_id_code`` is the portal's 网站标识码 (on municipal and county portals its first six
    digits are the administrative division code); ``publisher`` is the info table's 发布机构.
    """

    title: str | None = None  # ArticleTitle meta, else <title>; OFD/PDF/DOCX Title
    published: str | None = None  # PubDate meta / info table 发布日期
    written: str | None = None  # info table 成文日期
    site_name: str | None = None  # SiteName meta
    site_id_code: str | None = None  # SiteIDCode meta / 网站标识码 in the footer
    column: str | None = None  # ColumnName meta (e.g. 法治政府建设年度报告)
    content_source: str | None = None  # ContentSource meta / 来源
    publisher: str | None = None  # info table 发布机构
    doc_number: str | None = None  # info table 文号
    index_no: str | None = None  # info table 索引号
    author: str | None = None  # document properties (PDF/DOCX/OFD Author)
    url: str | None = None  # page or record URL
    attachments: list[tuple[str, str]] = field(default_factory=list)  # (href, link text)


@dataclass(slots=True)
class Document:
    """One input on its way to becoming a dataset row.

    ``id`` is the first 16 hex characters of ``raw_sha256``; both are fixed when the input is
    read and never change, so a document can always be traced back to its bytes. ``seq`` is
    the input's position in the input stream (set by the engine): unique even when the same
    bytes arrive twice.
    """

    source: str
    raw_sha256: str
    n_bytes: int
    raw: bytes | None = None
    seq: int = -1
    text: str = ""
    encoding: str | None = None
    status: str = KEPT
    reason: str | None = None
    duplicate_of: str | None = None
    script: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    sections: list[str] = field(default_factory=list)
    flags: list[str] = field(default_factory=list)
    removed: list[Removal] = field(default_factory=list)
    edits: list[Edit] = field(default_factory=list)
    duplicates: list[str] = field(default_factory=list)
    features: dict[str, Any] = field(default_factory=dict)
    page: PageMeta | None = None  # page / file metadata from extraction (evidence, not text)
    # -- typed channels between steps (values that cross steps or reach the output) --------
    decode_rule: str | None = None  # the decode cascade rule that chose ``encoding``
    decoded_chars: int = 0  # characters right after decoding (build.json ``chars_in``)
    width_profile: float | None = None  # typography: share of half-width marks at Han
    format: str | None = None  # what the input was: txt, html, pdf, docx, ofd, warc-record, ...
    extractor: str | None = None  # the extractor that produced ``text`` (None: decoded bytes)
    # -- the located trail: in-place edits as spans (bounded), and the change-call counter.
    # ``trail`` holds one compact record per change call (see :data:`TrailRecord`); read it
    # as spans through ``edit_spans`` / :meth:`edit_trail`, which build them on demand.
    trail: list[TrailRecord] = field(default_factory=list)
    edit_spans_kept: int = 0
    edit_spans_dropped: int = 0
    changes: int = 0

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # The fields in order, rebuilt by the constructor: about twice as fast to pickle and
        # unpickle as the generic slots-dataclass state (measured on processed reports).
        # A Chinese text travels as UTF-16 code units (see :func:`_document16`).
        fields = _document_fields(self)
        text = self.text
        if not text.isascii():
            try:
                units = text.encode("utf-16-le")
            except UnicodeEncodeError:  # a lone surrogate: pickled as a str
                return Document, fields
            if len(units) == 2 * len(text):  # no astral character: one unit per character
                return _document16, (units, *fields[:_TEXT], "", *fields[_TEXT + 1 :])
        return Document, fields

    @classmethod
    def from_bytes(cls, source: str, raw: bytes) -> Document:
        """A fresh document for ``raw`` read from ``source``."""
        return cls(
            source=source,
            raw_sha256=hashlib.sha256(raw).hexdigest(),
            n_bytes=len(raw),
            raw=raw,
        )

    def snapshot(self) -> Document:
        """A copy whose lists and dicts are copied one level deep (what an observer compares
        the document with after a step; ``raw`` is shared, not copied)."""
        fields_ = list(_document_fields(self))
        copy = Document(*fields_)
        for name in (
            "meta",
            "sections",
            "flags",
            "removed",
            "edits",
            "duplicates",
            "features",
        ):
            value = getattr(self, name)
            setattr(copy, name, value.copy())
        copy.edits = [Edit(e.step, e.rule, e.count) for e in self.edits]
        copy.trail = list(self.trail)  # records are immutable tuples
        return copy

    @property
    def id(self) -> str:
        return self.raw_sha256[:16]

    @property
    def kept(self) -> bool:
        return self.status == KEPT

    # -- changes -------------------------------------------------------------------------
    def reject(self, reason: str) -> Document:
        """Mark the input rejected; the text is dropped, the manifest row remains."""
        self.status = REJECTED
        self.reason = reason
        self.text = ""
        self.raw = None
        return self

    def mark_duplicate(self, of: str, reason: str) -> Document:
        """Mark the input a duplicate of the kept document with id ``of``; ``reason`` says
        how it was merged (``exact``, ``near:0.93``, ``contained:0.97``). The text is
        dropped; the manifest row remains and points at ``of``."""
        self.status = DUPLICATE
        self.duplicate_of = of
        self.reason = reason
        self.text = ""
        self.raw = None
        return self

    def flag(self, name: str) -> None:
        """Record an observation (idempotent, order of first occurrence kept)."""
        if name not in self.flags:
            self.flags.append(name)

    def log_edit(self, step: str, rule: str, count: int) -> None:
        """Count ``count`` in-place changes made by ``rule`` of ``step``."""
        if count <= 0:
            return
        for edit in self.edits:
            if edit.step == step and edit.rule == rule:
                edit.count += count
                return
        self.edits.append(Edit(step, rule, count))

    def log_removal(self, rule: str, text: str, start: int = -1) -> None:
        """Record that ``text`` was removed by ``rule`` from offset ``start`` (the caller
        changes ``self.text``; prefer :meth:`remove_spans`, which locates every cut)."""
        if text:
            self.changes += 1
            self.removed.append(Removal(rule, text, start, self.changes))

    def remove_spans(self, spans: Iterable[tuple[int, int, str]]) -> int:
        """Remove ``(start, end, rule)`` spans of ``self.text`` and record each one with its
        ``start`` (offsets in the text as it is now: one change call).

        Overlapping spans are merged into the earlier one (its rule wins). Returns the
        number of characters removed.
        """
        ordered = sorted(spans, key=lambda s: (s[0], -s[1]))
        if not ordered:
            return 0
        text = self.text
        pieces: list[str] = []
        pos = 0
        removed = 0
        self.changes += 1
        call = self.changes
        for start, end, rule in ordered:
            start = max(start, pos)
            if end <= start:
                continue
            pieces.append(text[pos:start])
            self.removed.append(Removal(rule, text[start:end], start, call))
            removed += end - start
            pos = end
        pieces.append(text[pos:])
        self.text = "".join(pieces)
        return removed

    def trail_room(self) -> int:
        """How many more located edit spans the trail keeps (:data:`EDIT_TRAIL_MAX` per
        document). A step that finds its spans itself stops looking after this many (the
        rest are only counted: pass ``total`` to :meth:`record_edits`)."""
        return max(EDIT_TRAIL_MAX - self.edit_spans_kept, 0)

    @property
    def edit_spans(self) -> list[tuple[str, str, int, int, str, str, int]]:
        """The located edit spans as plain tuples ``(step, rule, start, end, before, after,
        call)`` (:class:`EditSpan` field order), built from ``trail`` on each read (a new
        list: changing it changes nothing; assign to replace the trail)."""
        out: list[tuple[str, str, int, int, str, str, int]] = []
        for record in self.trail:
            out.extend(_spans_of(record))
        return out

    @edit_spans.setter
    def edit_spans(self, spans: Iterable[tuple[str, str, int, int, str, str, int]]) -> None:
        kept = tuple(spans)
        self.trail = [("T", kept)] if kept else []
        self.edit_spans_kept = len(kept)

    def _room_for(self, n: int, total: int | None) -> int:
        """Bookkeeping shared by the record methods: open a change call, count what the
        bound drops of ``total`` (default ``n``) changes and return how many of the ``n``
        located spans to keep (the rest of the room is taken by them)."""
        self.changes += 1
        k = min(n, max(EDIT_TRAIL_MAX - self.edit_spans_kept, 0))
        self.edit_spans_dropped += (n if total is None else total) - k
        self.edit_spans_kept += k
        return k

    def record_edits(
        self,
        step: str,
        spans: list[tuple[int, int, str, str]],
        before: str,
        total: int | None = None,
    ) -> None:
        """Record located in-place edits ``(start, end, after, rule)`` of ``before`` (the
        text one change made; one change call). The caller sets ``self.text`` and counts
        with :meth:`log_edit` (the counts are the published summary). At most
        :data:`EDIT_TRAIL_MAX` spans are kept per document; the rest are only counted in
        ``edit_spans_dropped``. ``total``: how many spans the change has when the caller
        passes only the first ones (at least :meth:`trail_room` of them); default
        ``len(spans)``."""
        k = self._room_for(len(spans), total)
        if k:
            starts, ends, afters, rules = zip(*spans[:k], strict=True)
            befores = tuple(map(before.__getitem__, map(slice, starts, ends)))
            self.trail.append(("S", step, self.changes, rules, starts, ends, befores, afters))

    def record_spans(
        self,
        step: str,
        spans: list[tuple[str, int, int, str, str]],
        total: int | None = None,
    ) -> None:
        """:meth:`record_edits` for spans that carry their own text: ``(rule, start, end,
        before, after)``, offsets in the text the change was made on (one change call)."""
        k = self._room_for(len(spans), total)
        if k:
            columns = zip(*spans[:k], strict=True)
            self.trail.append(("S", step, self.changes, *columns))

    def record_chars(
        self, step: str, rule: str, at: list[int], before: str, after: str, total: int
    ) -> None:
        """:meth:`record_spans` for one rule that replaced ``before`` (one character, or a
        short fixed string such as CRLF) by ``after`` at each offset of ``at`` (ascending;
        at least :meth:`trail_room` of the ``total`` replacements) — one change call, one
        record (the offsets) for all its spans."""
        k = self._room_for(len(at), total)
        if k:
            self.trail.append(("C", step, self.changes, rule, tuple(at[:k]), before, after))

    def edit_trail(self) -> list[EditSpan]:
        """The located edit spans, as :class:`EditSpan` (named fields)."""
        return [EditSpan(*t) for t in self.edit_spans]

    def record_change(self, step: str, rule: Any, before: str, after: str) -> None:
        """Record the change of ``before`` into ``after`` (one step pass) as located edit
        spans found by :func:`located_changes` (linear: position by position, line by line).
        ``rule``: the rule id; or a dict from the first character a change writes to the rule
        id (key ``""``: the default); or a function ``(before piece, after piece) -> rule``."""
        if before == after:
            return
        spans, total = _located(before, after, self.trail_room())
        if isinstance(rule, dict):  # rule by the first character written, else the default
            table: dict[str, str] = rule
            default = table.get("", step)
            edits = [(s, e, a, table.get(a[:1], default)) for s, e, a in spans]
        elif callable(rule):
            edits = [(s, e, a, rule(before[s:e], a)) for s, e, a in spans]
        else:
            edits = [(s, e, a, rule) for s, e, a in spans]
        self.record_edits(step, edits, before, total)


#: One change call's located spans, compact (what ``Document.trail`` holds and the spill
#: pickles): ``("S", step, call, rules, starts, ends, befores, afters)`` — one column per
#: field —, ``("C", step, call, rule, starts, before, after)`` — one rule writing the same
#: replacement at each start —, or ``("T", spans)`` — spans assigned whole
#: (``Document.edit_spans = ...``).
TrailRecord = tuple[Any, ...]


def _spans_of(record: TrailRecord) -> list[tuple[str, str, int, int, str, str, int]]:
    """The spans of one trail record, as ``edit_spans`` tuples."""
    kind = record[0]
    if kind == "S":
        _, step, call, rules, starts, ends, befores, afters = record
        return [
            (step, r, s, e, b, a, call)
            for r, s, e, b, a in zip(rules, starts, ends, befores, afters, strict=True)
        ]
    if kind == "C":
        _, step, call, rule, starts, before, after = record
        width = len(before)
        return [(step, rule, i, i + width, before, after, call) for i in starts]
    return list(record[1])


_document_fields = attrgetter(*Document.__slots__)  # the fields, in constructor order
_TEXT = Document.__slots__.index("text")


def _document16(units: bytes, *fields: Any) -> Document:
    """Unpickle a :class:`Document` whose text was pickled as UTF-16-LE ``units`` (the
    constructor's ``fields`` with an empty text). The spill is unpickled several times per
    build and pickle stores a ``str`` as UTF-8, which a Chinese text decodes slowly (three
    bytes per character, half of a document's unpickling); UTF-16 is two bytes per
    character and decodes in about a third of the instructions. Only texts whose every
    character is one code unit take this path (no astral character, no lone surrogate:
    :meth:`Document.__reduce__`), so the text comes back equal."""
    doc = Document(*fields)
    doc.text = units.decode("utf-16-le")
    return doc


_Spans = list[tuple[int, int, str]]


def _runs(a: str, b: str, base: int, out: _Spans, limit: int | None) -> int:
    """Spans where equal-length ``a`` and ``b`` differ (runs of positions), offset ``base``
    (one vectorised comparison); at most ``limit`` in ``out`` in all. Returns how many
    there are."""
    import numpy as np  # here: ``import lawrpt_corpus`` and the CLI's start-up skip numpy

    ua = np.frombuffer(a.encode("utf-32-le", "surrogatepass"), "<u4")
    ub = np.frombuffer(b.encode("utf-32-le", "surrogatepass"), "<u4")
    idx = np.flatnonzero(ua != ub)
    if not idx.size:
        return 0
    breaks = np.flatnonzero(np.diff(idx) != 1) + 1
    n = breaks.size + 1
    k = n if limit is None else min(n, max(limit - len(out), 0))
    if k:
        starts = idx[np.concatenate(([0], breaks))][:k]
        ends = (idx[np.concatenate((breaks - 1, [idx.size - 1]))] + 1)[:k]
        pieces = [b[i:j] for i, j in zip(starts.tolist(), ends.tolist(), strict=True)]
        out.extend(zip((starts + base).tolist(), (ends + base).tolist(), pieces, strict=True))
    return n


def _trimmed(a: str, b: str, base: int, out: _Spans, limit: int | None) -> int:
    """One span covering what differs between ``a`` and ``b`` after their common prefix
    and suffix (exact, coarse). Returns 1."""
    if limit is not None and len(out) >= limit:
        return 1
    p = 0
    m = min(len(a), len(b))
    while p < m and a[p] == b[p]:
        p += 1
    s = 0
    while s < m - p and a[len(a) - 1 - s] == b[len(b) - 1 - s]:
        s += 1
    out.append((base + p, base + len(a) - s, b[p : len(b) - s]))
    return 1


def located_changes(before: str, after: str) -> _Spans:
    """``(start, end, replacement)`` spans of ``before`` that turn it into ``after``
    (applied together, in order), in linear time — no diff algorithm.

    Position by position when the lengths agree (1:1 replacements: punctuation width,
    script conversion); else line by line when the line counts agree (each line compared
    by position, or trimmed to the part that differs); else one span: what differs after
    the common prefix and suffix.
    """
    return _located(before, after, None)[0]


def _located(before: str, after: str, limit: int | None) -> tuple[_Spans, int]:
    """:func:`located_changes`, at most ``limit`` spans, and how many there are in all."""
    out: _Spans = []
    if before == after:
        return out, 0
    if len(before) == len(after):
        return out, _runs(before, after, 0, out, limit)
    la, lb = before.split("\n"), after.split("\n")
    if len(la) != len(lb):
        return out, _trimmed(before, after, 0, out, limit)
    base = total = 0
    for x, y in zip(la, lb, strict=True):
        if x != y:
            total += (_runs if len(x) == len(y) else _trimmed)(x, y, base, out, limit)
        base += len(x) + 1
    return out, total
