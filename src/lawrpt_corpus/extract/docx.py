"""DOCX (Office Open XML) → text, with the standard library's zipfile and lxml.

The body of ``word/document.xml`` in document order: each paragraph one line (its runs
joined without a break; ``w:tab`` → a space, ``w:br`` → a line break), each table row one
line with its cells separated by a space (nested tables flattened into their cell), content
controls (``w:sdt``) read through. Not read: running headers and footers (``header*.xml``,
``footer*.xml`` are separate parts, never in the body), deleted revisions (``w:delText``),
field codes (``w:instrText``), comments and footnotes. ``dc:title`` and ``dc:creator`` of
``docProps/core.xml`` go to the page metadata.

Rejections: ``broken_docx`` (not a zip, no ``word/document.xml``, unparsable XML),
``too_large`` (a part declaring or inflating past ``max_inflated`` bytes: a zip bomb is
refused without being inflated), ``empty``.
"""

from __future__ import annotations

from typing import Any

from ..document import PageMeta
from ._zip import find_member, local, open_zip, parse_xml, read_member
from .base import Extracted, ExtractFailed, Hints


def extract_docx(raw: bytes, hints: Hints) -> Extracted:
    """Body text and core properties of a DOCX file (see the module docstring)."""
    with open_zip(raw, "docx") as zf:
        name = find_member(zf, "word/document.xml")
        if name is None:
            raise ExtractFailed("broken_docx", "no word/document.xml")
        root = parse_xml(read_member(zf, name, hints.max_inflated, "docx"), "docx")
        page = PageMeta()
        core = find_member(zf, "docProps/core.xml")
        if core is not None:
            try:
                props = parse_xml(read_member(zf, core, 1 << 20, "docx"), "docx")
            except ExtractFailed:
                props = None
            if props is not None:
                for el in props:
                    tag, text = local(el.tag), " ".join((el.text or "").split())
                    if tag == "title" and text:
                        page.title = text[:300]
                    elif tag == "creator" and text:
                        page.author = text[:300]
    body = next((el for el in root if local(el.tag) == "body"), None)
    lines: list[str] = []
    if body is not None:
        _block(body, lines)
    text = "\n".join(line for line in lines if line.strip())
    if not text:
        raise ExtractFailed("empty", "no text in the document body")
    return Extracted(text=text, extractor="docx-xml", page=page)


def _block(el: Any, lines: list[str]) -> None:
    """Paragraphs and tables among the children of ``el``, in order."""
    for child in el:
        tag = local(child.tag)
        if tag == "p":
            lines.extend(_paragraph(child).split("\n"))
        elif tag == "tbl":
            for row in child.iter():
                if local(row.tag) == "tr":
                    cells = [" ".join(_text(tc).split()) for tc in row if local(tc.tag) == "tc"]
                    lines.append(" ".join(c for c in cells if c))
        elif tag in ("sdt", "sdtContent", "customXml", "ins", "smartTag"):
            _block(child, lines)


def _paragraph(p: Any) -> str:
    parts: list[str] = []
    for el in p.iter():
        tag = local(el.tag)
        if tag == "t":
            parts.append(el.text or "")
        elif tag == "tab":
            parts.append(" ")
        elif tag in ("br", "cr"):
            parts.append("\n")
    return "".join(parts).strip()


def _text(el: Any) -> str:
    """All paragraph text inside ``el`` (a table cell), paragraphs separated by a space."""
    return " ".join(_paragraph(p) for p in el.iter() if local(p.tag) == "p")
