"""The extract step: a non-text input (HTML, PDF, DOCX, OFD) → text + page metadata.

Runs first in the default pipeline, before decoding. For each document it sniffs the bytes
(:func:`~.sniff.sniff`; a record's container may say it is HTML), sets ``doc.format`` (kept
as ``jsonl-record``/``warc-record`` for records) and then:

* ``txt`` → nothing: the decode step reads the bytes as before;
* ``html``/``pdf``/``docx``/``ofd`` → the format's extractor; ``doc.text`` is the extracted
  text, ``doc.page`` what the page or file says about it, ``doc.encoding`` the codec of an
  HTML page (``None`` for binary containers); whatever the extractor dropped (page chrome,
  running headers and footers, page numbers) is recorded with ``log_removal`` under its rule;
  ``doc.extractor`` names the extractor, so the decode step only checks the text;
* ``doc``/``wps`` → rejected ``unsupported_format:doc (…hint…)``;
* anything else → rejected ``unsupported_format:<kind>`` (``png``, ``xlsx``, ``zip`` …).

Reject reasons from the extractors: ``no_text_layer``, ``encrypted``, ``broken_pdf``,
``truncated``, ``too_large``, ``broken_docx``, ``broken_ofd``, ``empty``, ``undecodable``.
Never raises for a bad input (an unexpected extractor error is ``broken_<format>``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from ..document import Document, PageMeta
from ..pipeline import DocumentStep
from .base import Extracted, ExtractFailed, Hints
from .sniff import EXTRACTED, LEGACY, sniff

#: Rejection hints for formats recognised but not read.
HINTS = {
    "doc": "legacy Word binary: convert to .docx or .pdf first, "
    "e.g. libreoffice --headless --convert-to docx",
    "wps": "legacy WPS binary: convert to .docx or .pdf first, "
    "e.g. libreoffice --headless --convert-to docx",
}
#: The package each extractor imports (named in the reason when it is missing).
PACKAGES = {"pdf": "pypdfium2", "html": "trafilatura"}
#: Container formats kept as the manifest format of their records.
RECORD_FORMATS = frozenset({"jsonl-record", "warc-record", "parquet-record", "hf-record"})


def extractor_for(fmt: str) -> Callable[[bytes, Hints], Extracted]:
    """The extractor function of ``fmt`` (imported on first use; ImportError if missing)."""
    if fmt == "html":
        from .html import extract_html

        return extract_html
    if fmt == "pdf":
        from .pdf import extract_pdf

        return extract_pdf
    if fmt == "docx":
        from .docx import extract_docx

        return extract_docx
    if fmt == "ofd":
        from .ofd import extract_ofd

        return extract_ofd
    raise KeyError(fmt)


def unsupported(fmt: str) -> str:
    """The manifest reason for a format that is not read, with a hint where there is one."""
    hint = HINTS.get(fmt)
    return f"unsupported_format:{fmt} ({hint})" if hint else f"unsupported_format:{fmt}"


@dataclass
class Extract(DocumentStep):
    """Turn HTML, PDF, DOCX and OFD inputs into text and page metadata (module docstring)."""

    name = "extract"
    version = "1.0"

    #: Pages read from a PDF or OFD; a longer file is rejected ``too_large``.
    max_pages: int = 5000
    #: Bytes a zip member (DOCX/OFD part) may inflate to; more is ``too_large``.
    max_inflated: int = 256 * 1024 * 1024

    def __call__(self, doc: Document) -> Document:
        raw = doc.raw or b""
        payload = doc.features.pop("payload_format", None)
        fmt = payload or sniff(raw, doc.source)
        if doc.format not in RECORD_FORMATS:
            doc.format = fmt
        if fmt == "txt":
            return doc
        if fmt in LEGACY or fmt not in EXTRACTED:
            return doc.reject(unsupported(fmt))
        try:
            extractor = extractor_for(fmt)
        except ImportError:
            package = PACKAGES.get(fmt, "lawrpt_corpus")
            return doc.reject(f"unsupported_format:{fmt} (pip install {package})")
        page = doc.page or PageMeta()
        hints = Hints(
            name=doc.source,
            url=page.url,
            charset=doc.features.pop("http_charset", None),
            max_inflated=self.max_inflated,
            max_pages=self.max_pages,
        )
        try:
            result = extractor(raw, hints)
        except ExtractFailed as exc:
            doc.features["extract_detail"] = exc.detail
            return doc.reject(exc.reason)
        except (MemoryError, RecursionError) as exc:
            doc.features["extract_detail"] = f"{type(exc).__name__}"
            return doc.reject("too_large")
        except Exception as exc:  # a malformed file the library chokes on
            doc.features["extract_detail"] = f"{type(exc).__name__}: {exc}"[:500]
            return doc.reject(f"broken_{fmt}")
        return self._apply(doc, result, page)

    def _apply(self, doc: Document, result: Extracted, page: PageMeta) -> Document:
        if page.url and not result.page.url:
            result.page.url = page.url
        doc.page = result.page
        doc.encoding = result.encoding
        if result.decode_rule:
            doc.decode_rule = result.decode_rule
        for rule, text in result.removed:
            doc.log_removal(rule, text)
        for flag in result.flags:
            doc.flag(flag)
        doc.extractor = result.extractor
        doc.features["extract_units"] = result.units
        text = result.text.replace("\r\n", "\n").replace("\r", "\n")
        if not text.strip():
            return doc.reject("empty")
        doc.text = text
        return doc
