"""The record carried through the pipeline.

A :class:`Document` starts as raw bytes read from one input and ends as one row of the
dataset (when kept) and one row of the manifest (always). Steps change it only through the
methods below, so that every removal and every in-place change leaves a trace:

* :meth:`Document.remove_spans` / :meth:`Document.log_removal` — text cut out, recorded
  verbatim with the rule id in ``removed``;
* :meth:`Document.log_edit` — an in-place change (punctuation, width, script, repair),
  counted per step and rule in ``edits``;
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
from typing import Any

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


@dataclass(slots=True, frozen=True)
class Removal:
    """A span removed from the text: the rule that removed it and the exact text."""

    rule: str
    text: str

    def __reduce__(self) -> tuple[Any, tuple[str, str]]:
        return _removal, (self.rule, self.text)


_set = object.__setattr__


def _removal(rule: str, text: str) -> Removal:
    """Unpickle a :class:`Removal` without the frozen dataclass ``__init__`` (the spill
    is unpickled several times per build: see Document.__reduce__)."""
    r = object.__new__(Removal)
    _set(r, "rule", rule)
    _set(r, "text", text)
    return r


@dataclass(slots=True)
class Edit:
    """In-place changes made by one rule of one step, counted (not itemised)."""

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

    def __reduce__(self) -> tuple[Any, tuple[Any, ...]]:
        # The fields in order, rebuilt by the constructor: about twice as fast to pickle and
        # unpickle as the generic slots-dataclass state (measured on processed reports).
        return Document, _document_fields(self)

    @classmethod
    def from_bytes(cls, source: str, raw: bytes) -> Document:
        """A fresh document for ``raw`` read from ``source``."""
        return cls(
            source=source,
            raw_sha256=hashlib.sha256(raw).hexdigest(),
            n_bytes=len(raw),
            raw=raw,
        )

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

    def log_removal(self, rule: str, text: str) -> None:
        """Record that ``text`` was removed by ``rule`` (the caller changes ``self.text``)."""
        if text:
            self.removed.append(Removal(rule, text))

    def remove_spans(self, spans: Iterable[tuple[int, int, str]]) -> int:
        """Remove ``(start, end, rule)`` spans of ``self.text`` and record each one.

        Overlapping spans are merged into the earlier one (its rule wins). Returns the
        number of characters removed. The positions are also kept, in memory only, in
        ``features["removal_spans"]`` as ``(call, start, end)`` (offsets in the text as it
        was at that call), so ``inspect`` can show each removal exactly where it was.
        """
        ordered = sorted(spans, key=lambda s: (s[0], -s[1]))
        if not ordered:
            return 0
        text = self.text
        pieces: list[str] = []
        pos = 0
        removed = 0
        positions = self.features.setdefault("removal_spans", [])
        call = self.features["removal_calls"] = self.features.get("removal_calls", 0) + 1
        for start, end, rule in ordered:
            start = max(start, pos)
            if end <= start:
                continue
            pieces.append(text[pos:start])
            self.log_removal(rule, text[start:end])
            positions.append((call, start, end))
            removed += end - start
            pos = end
        pieces.append(text[pos:])
        self.text = "".join(pieces)
        return removed


_document_fields = attrgetter(*Document.__slots__)  # the fields, in constructor order
