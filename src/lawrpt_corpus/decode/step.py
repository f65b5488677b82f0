"""Decode raw bytes into text: the codec cascade, mojibake repair, reject reasons.

Sets ``doc.encoding`` (the Python codec), ``doc.meta["decode_rule"]`` (the cascade rule that
decided: ``bom``, ``strict-utf-8``, ``utf-16-plausible``, ``utf-32-plausible``,
``gb18030-plausible``, ``big5-plausible``, ``tolerant``, ``detector``) and
``doc.features["decoded_chars"]``.

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

from ..document import Document
from ..pipeline import DocumentStep
from .cascade import decode_bytes
from .mojibake import gbk_mojibake, has_latin1_run, repair_latin1, unrecoverable_signs
from .score import SAMPLE_CHARS, profile


def is_chinese(text: str, min_han_share: float = 0.1, han: int | None = None) -> bool:
    """At least one Han character, and Han at least ``min_han_share`` of the visible
    characters of the first ``SAMPLE_CHARS`` (the test behind ``not_chinese``; later steps
    use it too, so that text they leave would pass it again)."""
    sample = text[:SAMPLE_CHARS]
    if han is None:
        han = profile(sample).han
    visible = len(sample) - sum(sample.count(c) for c in " \t\n\r\u3000\ufeff")
    return han > 0 and han >= min_han_share * visible


def _drop_invisibles(text: str, doc: Document, step: str) -> str:
    from ..normalize.hygiene import invisible_and_control

    pattern, table = invisible_and_control()
    if not pattern.search(text):
        return text
    n = len(pattern.findall(text))
    doc.log_edit(step, "invisible-control", n)
    return text.translate(table)


@dataclass
class DecodeStep(DocumentStep):
    """bytes → str by evidence (see :mod:`lawrpt_corpus.decode.cascade`)."""

    name = "decode"
    version = "1.0"

    #: Minimum share of Han characters among the visible characters of the sample.
    min_han_share: float = 0.1
    #: Repair UTF-8 read as latin-1/cp1252 or as GBK when the round trip is lossless.
    repair_mojibake: bool = True

    def __call__(self, doc: Document) -> Document:
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
        prof = profile(text)
        if self.repair_mojibake:
            # Invisible and control characters are never text; dropped first, so that a
            # mojibake run they interrupt is repaired now and not on a later pass (which
            # would make cleaning non-idempotent). Hygiene would drop them anyway.
            text = _drop_invisibles(text, doc, self.name)
            # UTF-8 input: a latin-1 mojibake run starts with U+00C2–U+00F4 = bytes C3 82–B4,
            # never present in UTF-8 CJK, so a byte search rules it out at memchr speed.
            if b"\xc3" in raw if utf8 else prof.latin1_lead and has_latin1_run(text[:SAMPLE_CHARS]):
                text, n = repair_latin1(text)
                if n:
                    doc.log_edit(self.name, "mojibake-latin1", n)
                    doc.flag("mojibake_repaired")
                    prof = profile(text)
            fixed, detected = gbk_mojibake(text, prof.plausibility)
            if fixed is not None:
                text = fixed
                doc.log_edit(self.name, "mojibake-gbk", 1)
                doc.flag("mojibake_repaired")
                prof = profile(text)
            elif detected:
                doc.flag("mojibake_unrecoverable")
        if unrecoverable_signs(text, raw, res.codec, not res.lossy):
            doc.flag("mojibake_unrecoverable")
        if not text or text.isspace():
            return doc.reject("empty")
        doc.encoding = res.codec  # decoded: the manifest keeps the codec even if rejected below
        doc.meta["decode_rule"] = res.rule
        if not is_chinese(text, self.min_han_share, prof.han):
            return doc.reject("not_chinese")
        doc.text = text
        doc.features["decoded_chars"] = len(text)
        return doc
