"""PDF → text with pypdfium2 (PDFium; BSD-3/Apache-2.0 wheels for every common platform).

The text layer of each page in PDFium's reading order, then :mod:`.layout`: page numbers and
running headers/footers removed (recorded), Chinese lines re-joined. ``Title``/``Author`` of
the document information go to the page metadata; ``CreationDate`` is not used as a
publication date (it is when the file was made).

Rejections: ``encrypted`` (a password is needed to open it; a PDF with only an owner password
opens and is read), ``truncated`` (no ``%%EOF`` near the end: a cut download, whose text would
be a fragment), ``broken_pdf`` (PDFium cannot open it), ``too_large`` (more than
``max_pages`` pages), ``no_text_layer`` (no characters on any page: a scan — OCR is out of
scope). CJK radicals and compatibility ideographs that some PDFs map glyphs to (⽅ for 方) are
folded later by the hygiene step. Pages are read one at a time and closed, so memory does
not grow with the page count.
"""

from __future__ import annotations

import re

from ..document import PageMeta
from .base import Extracted, ExtractFailed, Hints
from .layout import pages_to_text


def extract_pdf(raw: bytes, hints: Hints) -> Extracted:
    """Text and document properties of a PDF (see the module docstring)."""
    import pypdfium2 as pdfium

    try:
        pdf = pdfium.PdfDocument(raw)
    except pdfium.PdfiumError as exc:
        msg = str(exc).lower()
        if "password" in msg or "security" in msg:
            raise ExtractFailed("encrypted") from None
        if b"%%EOF" not in raw[-2048:]:
            raise ExtractFailed("truncated", str(exc)) from None
        raise ExtractFailed("broken_pdf", str(exc)) from None
    try:
        if b"%%EOF" not in raw[-2048:]:
            raise ExtractFailed("truncated", "no %%EOF at the end")
        n = len(pdf)
        if n > hints.max_pages:
            raise ExtractFailed("too_large", f"{n} pages > {hints.max_pages}")
        info = _metadata(pdf)
        pages: list[list[str]] = []
        chars = 0
        for i in range(n):
            page = pdf[i]
            try:
                textpage = page.get_textpage()
                try:
                    text = textpage.get_text_bounded()
                finally:
                    textpage.close()
            finally:
                page.close()
            text = text.replace("\r\n", "\n").replace("\r", "\n")
            chars += len(text) - text.count("\n") - text.count(" ")
            pages.append(text.split("\n"))
    finally:
        pdf.close()
    if chars == 0:
        raise ExtractFailed("no_text_layer", f"{n} pages without text")
    body, removed = pages_to_text(pages)
    page_meta = PageMeta(title=_title(info.get("Title")), author=info.get("Author") or None)
    return Extracted(text=body, extractor="pypdfium2", page=page_meta, removed=removed, units=n)


_PRODUCER_PREFIX = re.compile(r"^(?:Microsoft (?:Word|PowerPoint|Excel) - |WPS\S* - )")
_FILE_SUFFIX = re.compile(r"\.(?:docx?|wps|pdf|txt|rtf)$", re.IGNORECASE)


def _title(value: str | None) -> str | None:
    """The Info ``Title`` without a producer's ``Microsoft Word - `` prefix and file
    extension (``Microsoft Word - 报告.docx`` → ``报告``)."""
    if not value:
        return None
    value = _FILE_SUFFIX.sub("", _PRODUCER_PREFIX.sub("", value.strip())).strip()
    return value or None


def _metadata(pdf: object) -> dict[str, str]:
    try:
        meta = pdf.get_metadata_dict(skip_empty=True)  # type: ignore[attr-defined]
    except Exception:  # a damaged Info dictionary never fails the extraction
        return {}
    return {k: " ".join(str(v).split())[:300] for k, v in meta.items() if isinstance(v, str)}
