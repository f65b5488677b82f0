"""Decode raw bytes into text (foundation version: BOMs and strict UTF-8 only).

Rejects, with a reason and never an exception: ``empty`` (no bytes, or only whitespace),
``binary`` (NUL bytes outside a UTF-16/32 BOM'd file), ``undecodable`` (nothing below
applies).
"""

from __future__ import annotations

import codecs
from dataclasses import dataclass

from ..document import Document
from ..pipeline import DocumentStep

_BOMS: tuple[tuple[bytes, str], ...] = (
    (codecs.BOM_UTF32_LE, "utf-32-le"),
    (codecs.BOM_UTF32_BE, "utf-32-be"),
    (codecs.BOM_UTF8, "utf-8-sig"),
    (codecs.BOM_UTF16_LE, "utf-16-le"),
    (codecs.BOM_UTF16_BE, "utf-16-be"),
)


@dataclass
class DecodeStep(DocumentStep):
    """bytes → str; records the codec in ``encoding`` and the rule in ``features``."""

    name = "decode"
    version = "0.1"

    def __call__(self, doc: Document) -> Document:
        raw = doc.raw or b""
        if not raw.strip():
            return doc.reject("empty")
        for bom, codec in _BOMS:
            if raw.startswith(bom):
                try:
                    text = raw[len(bom) :].decode(codec.replace("-sig", ""))
                except UnicodeDecodeError:
                    return doc.reject("undecodable")
                return _done(doc, text, codec, "bom")
        if b"\x00" in raw:
            return doc.reject("binary")
        try:
            text = raw.decode("utf-8")
        except UnicodeDecodeError:
            return doc.reject("undecodable")
        return _done(doc, text, "utf-8", "strict-utf-8")


def _done(doc: Document, text: str, codec: str, rule: str) -> Document:
    if not text.strip():
        return doc.reject("empty")
    doc.text = text
    doc.encoding = codec
    doc.meta["decode_rule"] = rule
    doc.features["decoded_chars"] = len(text)
    return doc
