"""Decode raw bytes into text: the codec cascade, mojibake repair, reject reasons.

Sets ``doc.encoding`` (the Python codec), ``doc.decode_rule`` (the cascade rule that
decided: ``bom``, ``strict-utf-8``, ``utf-16-plausible``, ``utf-32-plausible``,
``gb18030-plausible``, ``big5-plausible``, ``tolerant``, ``detector``) and
``doc.decoded_chars``.

Rejects, never raises: ``empty``, ``binary``, ``undecodable``, ``not_chinese`` (fewer Han
characters than ``min_han_share`` of the visible characters of the first 8192, or none).

Flags: ``decode_truncated`` (a cut final character was dropped), ``decode_replacements``
(U+FFFD inserted by a tolerant decode), ``decode_resync`` (UTF-16/32 realigned after a stray
byte), ``mixed_encoding`` (a phrase in another encoding decoded in place), ``mojibake_repaired``,
``mojibake_unrecoverable``. Edits: ``decode/replacement``, ``decode/mixed-encoding-segment``,
``decode/mojibake-latin1``, ``decode/mojibake-gbk``.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache
from typing import NamedTuple

import numpy as np

from ..document import Document
from ..pipeline import DocumentStep
from ..text.cascade import decode_bytes
from ..text.chars import invisible_and_control, is_chinese
from ..text.score import (
    LATIN1_LEAD,
    SAMPLE_CHARS,
    SampleProfile,
    lookup_table,
    profile,
    profile_of_bits,
)
from .mojibake import (
    GBK_OF_FFFD,
    gbk_mojibake,
    has_latin1_run,
    repair_latin1,
    unrecoverable_signs,
)

#: Bits added to a copy of the score table (which uses bits 1–16).
_INVISIBLE, _MARKER = 32, 64
#: Characters looked up per pass (bounds the temporary arrays on large texts; at least
#: SAMPLE_CHARS, so the first chunk holds the whole profile sample).
_CHUNK = 1 << 16


@cache
def _step_lut() -> np.ndarray:
    """The score table plus ``_INVISIBLE`` for what :func:`_drop_invisibles` removes and
    ``_MARKER`` for U+FFFD and 锟 (start of 锟斤拷)."""
    lut = lookup_table().copy()
    lut[list(invisible_and_control()[1])] |= _INVISIBLE
    lut[[0xFFFD, ord("锟")]] |= _MARKER
    return lut


class _Scanned(NamedTuple):
    """What :func:`_scan` found in a text."""

    prof: SampleProfile
    #: offsets of the invisible/control characters to drop (ascending)
    invisible: list[int]
    #: a U+FFFD or 锟 occurs
    marker: bool
    #: offsets of Â–ô (U+00C2–U+00F4), where a latin-1 mojibake run can start (ascending)
    latin1_leads: list[int]


def _scan(text: str) -> _Scanned:
    """One vectorised lookup over the whole text (in chunks): the profile of its first
    SAMPLE_CHARS, the offsets of the invisible/control characters to drop and of latin-1
    leads, and whether a U+FFFD or 锟 occurs anywhere."""
    lut = _step_lut()
    prof: SampleProfile | None = None
    invisible: list[int] = []
    leads: list[int] = []
    marker = False
    for i in range(0, len(text), _CHUNK):
        codes = np.frombuffer(text[i : i + _CHUNK].encode("utf-32-le", "surrogatepass"), "<u4")
        bits = np.take(lut, codes)
        # which bits occur at all (one reduction): absent ones need no pass of their own
        present = int(np.bitwise_or.reduce(bits))
        if prof is None:
            prof = profile_of_bits(bits[:SAMPLE_CHARS], present)
        if present & _INVISIBLE:
            invisible += (np.flatnonzero(bits & _INVISIBLE) + i).tolist()
        if present & LATIN1_LEAD:
            leads += (np.flatnonzero(bits & LATIN1_LEAD) + i).tolist()
        marker = marker or bool(present & _MARKER)
    return _Scanned(prof or profile(text), invisible, marker, leads)


def _drop_invisibles(text: str, where: list[int], doc: Document, step: str) -> str:
    """Remove the zero-width/BOM and C0 control characters (not \\n \\t \\r) at the offsets
    ``where`` (from :func:`_scan`: exactly the characters the ``invisible_and_control``
    pattern finds and its table deletes, one edit span each). The text is rebuilt from the
    pieces between them (``str.translate`` with a deletion table costs ~90 ns per character
    of a Chinese text, the pieces a few ns)."""
    if not where:
        return text
    doc.log_edit(step, "invisible-control", len(where))
    doc.record_edits(step, [(i, i + 1, "", "invisible-control") for i in where], text)
    pieces: list[str] = []
    last = 0
    for i in where:
        pieces.append(text[last:i])
        last = i + 1
    pieces.append(text[last:])
    return "".join(pieces)


@dataclass
class DecodeStep(DocumentStep):
    """bytes → str by evidence (see :mod:`lawrpt_corpus.text.cascade`)."""

    name = "decode"
    version = "1.0"
    data_files = (
        ("lawrpt_corpus.text", "data/common_hanzi.json"),
        ("lawrpt_corpus.text", "data/hanzi_rank.json"),
    )

    #: Minimum share of Han characters among the visible characters of the sample.
    min_han_share: float = 0.1
    #: Repair UTF-8 read as latin-1/cp1252 or as GBK when the round trip is lossless.
    repair_mojibake: bool = True

    def __call__(self, doc: Document) -> Document:
        if doc.extractor is not None:
            return self._check_extracted(doc)
        raw = doc.raw or b""
        res = decode_bytes(raw)
        if res.text is None or res.codec is None or res.rule is None:
            return doc.reject(res.reason or "undecodable")
        text = res.text
        for flag in res.flags:
            doc.flag(flag)
        for rule, count in res.edits.items():
            doc.log_edit(self.name, rule, count)
        utf8 = res.codec in ("utf-8", "utf-8-sig")
        if self.repair_mojibake:
            # Invisible and control characters are never text; dropped first, so that a
            # mojibake run they interrupt is repaired now and not on a later pass (which
            # would make cleaning non-idempotent). Hygiene would drop them anyway.
            prof, invisible, marker, found_leads = _scan(text)
            leads: list[int] | None = found_leads
            if invisible:
                text = _drop_invisibles(text, invisible, doc, self.name)
                prof = profile(text)
                leads = None  # offsets of the text before the drop
            # UTF-8 input: a latin-1 mojibake run starts with U+00C2–U+00F4 = bytes C3 82–B4,
            # never present in UTF-8 CJK, so a byte search rules it out at memchr speed.
            if b"\xc3" in raw if utf8 else prof.latin1_lead and has_latin1_run(text[:SAMPLE_CHARS]):
                before, (text, n) = text, repair_latin1(text, leads)
                if n:
                    doc.log_edit(self.name, "mojibake-latin1", n)
                    doc.record_change(self.name, "mojibake-latin1", before, text)
                    doc.flag("mojibake_repaired")
                    prof = profile(text)
                    marker = True
            fixed, detected = gbk_mojibake(text, prof.plausibility)
            if fixed is not None:
                doc.record_change(self.name, "mojibake-gbk", text, fixed)
                text = fixed
                doc.log_edit(self.name, "mojibake-gbk", 1)
                doc.flag("mojibake_repaired")
                prof = profile(text)
                marker = True
            elif detected:
                doc.flag("mojibake_unrecoverable")
        else:
            prof = profile(text)
        # Traces of a lossy conversion upstream: U+FFFD in a source we decoded without
        # inserting any, or 锟斤拷. After the scan above, the whole text is searched only when
        # the scan saw a marker (or a repair changed the text); else head and tail of the bytes.
        if self.repair_mojibake:
            if marker and (GBK_OF_FFFD in text or (not res.lossy and "\ufffd" in text)):
                doc.flag("mojibake_unrecoverable")
        elif unrecoverable_signs(text, raw, res.codec, not res.lossy):
            doc.flag("mojibake_unrecoverable")
        if not text or text.isspace():
            return doc.reject("empty")
        doc.encoding = res.codec  # decoded: the manifest keeps the codec even if rejected below
        doc.decode_rule = res.rule
        if not is_chinese(text, self.min_han_share, prof):
            return doc.reject("not_chinese")
        doc.text = text
        doc.decoded_chars = len(text)
        return doc

    def _check_extracted(self, doc: Document) -> Document:
        """Text from the extract step (HTML, PDF, DOCX, OFD): already decoded; drop
        invisible/control characters and apply the same ``empty``/``not_chinese`` tests."""
        prof, invisible, _, _ = _scan(doc.text)
        text = doc.text
        if invisible:
            text = _drop_invisibles(text, invisible, doc, self.name)
            prof = profile(text)
        if not text or text.isspace():
            return doc.reject("empty")
        if not is_chinese(text, self.min_han_share, prof):
            return doc.reject("not_chinese")
        doc.text = text
        doc.decoded_chars = len(text)
        return doc
