"""What an input is, from its bytes first and its name second.

:func:`sniff` looks at magic bytes (``%PDF-``, the zip and OLE2 signatures, image and archive
headers), at the members of a zip (``word/document.xml`` → DOCX, ``OFD.xml`` → OFD), at the
stream names of an OLE2 file (``WordDocument`` → DOC/WPS) and at the first markup of a text
(``<!doctype html``, ``<html``, a leading block tag) — so a report saved as ``.pdf`` that is
really the portal's HTML error page is read as HTML, and a page saved without an extension is
still found. The name only breaks ties the bytes cannot (an OLE2 ``.wps`` is WPS, not DOC).

Returns a format name: one of :data:`EXTRACTED` (an extractor reads it), ``txt`` (plain text:
the decode step reads it), or another short name (``png``, ``xlsx``, ``zip``, ``rtf`` …, or
the extension of a binary file of an unknown kind: ``xyz``) that the extract step rejects as
``unsupported_format:<name>``. A binary file named ``.txt`` (or without an extension) stays
``txt``, and the decode step rejects it ``binary``. Never raises; reads at most the
first :data:`HEAD` bytes plus, for a zip, its central directory.
"""

from __future__ import annotations

import io
import zipfile

#: Formats an extractor turns into text (see :mod:`lawrpt_corpus.extract.step`).
EXTRACTED = frozenset({"html", "pdf", "docx", "ofd"})
#: Legacy binary word processor formats: recognised, rejected with a hint (docs/formats.md).
LEGACY = frozenset({"doc", "wps"})
#: File extensions read as plain text when the bytes show nothing else.
TEXT_EXTENSIONS = frozenset({"txt", "text", "md", ""})
#: Extensions of saved web pages.
HTML_EXTENSIONS = frozenset({"html", "htm", "shtml", "xhtml", "jsp", "asp", "aspx", "php"})
#: Extensions a folder scan treats as inputs of a supported kind (for ``--glob`` reporting).
SUPPORTED_EXTENSIONS = TEXT_EXTENSIONS | HTML_EXTENSIONS | EXTRACTED | LEGACY
#: Bytes of the head examined for signatures and markup.
HEAD = 2048

_OLE2 = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"
_MAGIC: tuple[tuple[bytes, str], ...] = (
    (b"\x89PNG\r\n\x1a\n", "png"),
    (b"\xff\xd8\xff", "jpg"),
    (b"GIF87a", "gif"),
    (b"GIF89a", "gif"),
    (b"II*\x00", "tif"),
    (b"MM\x00*", "tif"),
    (b"Rar!\x1a\x07", "rar"),
    (b"7z\xbc\xaf\x27\x1c", "7z"),
    (b"\x1f\x8b", "gz"),
    (b"BZh", "bz2"),
    (b"\xfd7zXZ\x00", "xz"),
    (b"\x7fELF", "elf"),
    (b"{\\rtf", "rtf"),
    (b"WARC/", "warc"),
    (b"\x00\x00\x00\x18ftyp", "mp4"),
    (b"\x00\x00\x00\x20ftyp", "mp4"),
)
#: Tags that open a saved page or a scraped HTML fragment.
_HTML_STARTS = (
    b"<!doctype html",
    b"<html",
    b"<head",
    b"<body",
    b"<meta",
    b"<title",
    b"<div",
    b"<p>",
    b"<p ",
    b"<table",
    b"<span",
    b"<section",
    b"<article",
    b"<h1",
    b"<h2",
    b"<h3",
    b"<br",
    b"<font",
    b"<center",
    b"<style",
    b"<script",
    b"<link",
    b"<ul",
    b"<strong",
)


def extension(name: str) -> str:
    """Lower-case extension of ``name`` without the dot (``warc.gz``/``jsonl.gz`` whole)."""
    base = name.rsplit("/", 1)[-1].rsplit("#", 1)[0].lower()
    if "." not in base.lstrip("."):
        return ""
    parts = base.rsplit(".", 2)
    if parts[-1] == "gz" and len(parts) == 3 and parts[-2] in ("warc", "jsonl", "arc"):
        return f"{parts[-2]}.gz"
    ext = parts[-1]
    return ext if ext.isascii() and ext.isalnum() and len(ext) <= 10 else ""


def sniff(raw: bytes, name: str = "") -> str:
    """The format of ``raw`` (see the module docstring); ``name`` is the source name."""
    ext = extension(name)
    head = raw[:HEAD]
    stripped = head.lstrip(b"\xef\xbb\xbf \t\r\n\x0c")
    if b"%PDF-" in head[:1024]:
        return "pdf"
    if head.startswith(b"PK\x03\x04") or head.startswith(b"PK\x05\x06"):
        return _zip_kind(raw, ext)
    if head.startswith(_OLE2):
        return _ole_kind(raw, ext)
    for magic, kind in _MAGIC:
        if stripped.startswith(magic):
            return kind
    if head.startswith(b"RIFF") and head[8:12] == b"WEBP":
        return "webp"
    if _looks_html(head, ext):
        return "html"
    if ext and ext not in TEXT_EXTENSIONS and ext not in HTML_EXTENSIONS and _binary(head):
        return ext  # an unknown binary file: named by its extension
    return "txt"


def _binary(head: bytes) -> bool:
    """Control bytes in the head that are not the NULs of UTF-16 text (which fall on one
    parity) — a file of some binary format, not text in any encoding."""
    controls = sum(1 for b in head if b < 9 or 13 < b < 27 or 27 < b < 32)
    if controls <= len(head) // 100:
        return False
    nuls = [i for i, b in enumerate(head) if b == 0]
    if nuls and len(nuls) == controls:
        even = sum(1 for i in nuls if i % 2 == 0)
        if max(even, len(nuls) - even) >= 0.9 * len(nuls):
            return False  # UTF-16 without a BOM: the decode step reads it
    return True


def _looks_html(head: bytes, ext: str) -> bool:
    """Markup at the start: a page, or a fragment opening with a block tag.

    UTF-16 pages are looked at with their NUL bytes dropped; ``<!-- … -->`` and
    ``<?xml …?>`` prologues are skipped.
    """
    if head[:2] in (b"\xff\xfe", b"\xfe\xff") or head.count(b"\x00") > len(head) // 4:
        head = head.replace(b"\x00", b"")
    text = head.lstrip(b"\xef\xbb\xbf\xff\xfe \t\r\n\x0c").lower()
    for _ in range(4):  # a few prologue items (comment, xml declaration, doctype)
        if text.startswith(b"<!--"):
            end = text.find(b"-->")
            if end < 0:
                break
            text = text[end + 3 :].lstrip()
        elif text.startswith(b"<?xml"):
            end = text.find(b"?>")
            if end < 0:
                break
            text = text[end + 2 :].lstrip()
        else:
            break
    if text.startswith(_HTML_STARTS):
        return True
    if b"<html" in text or b"<body" in text:
        return True
    return ext in HTML_EXTENSIONS and text.startswith(b"<")


def _zip_kind(raw: bytes, ext: str) -> str:
    """DOCX, OFD or another zip, from the member names (central directory only)."""
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as zf:
            names = {n.lower() for n in zf.namelist()}
    except (zipfile.BadZipFile, OSError, ValueError, EOFError):
        # A broken container: its extension says what it was meant to be, and the
        # extractor of that format reports it broken.
        return ext if ext in ("docx", "ofd") else "zip"
    if "word/document.xml" in names:
        return "docx"
    if "ofd.xml" in names:
        return "ofd"
    if "xl/workbook.xml" in names:
        return "xlsx"
    if "ppt/presentation.xml" in names:
        return "pptx"
    if "content.xml" in names and "mimetype" in names:
        return "odt" if ext in ("odt", "") else ext
    return "zip"


_WORD_STREAM = "WordDocument".encode("utf-16-le")
_WORKBOOK = "Workbook".encode("utf-16-le")
_PPT = "PowerPoint Document".encode("utf-16-le")


def _ole_kind(raw: bytes, ext: str) -> str:
    """DOC or WPS (a ``WordDocument`` stream), XLS or PPT, from the OLE2 stream names."""
    if _WORD_STREAM in raw:
        return "wps" if ext == "wps" else "doc"
    if _WORKBOOK in raw or ext in ("xls", "et"):
        return "xls"
    if _PPT in raw or ext in ("ppt", "dps"):
        return "ppt"
    return ext if ext in LEGACY else "ole"
