"""OFD (GB/T 33190-2016, the national fixed-layout format) → text, with zipfile and lxml.

``OFD.xml`` → each ``DocBody``: ``DocInfo`` (``Title``, ``Author`` → page metadata) and
``DocRoot`` → ``Document.xml`` → ``Pages/Page@BaseLoc`` → each page's ``Content.xml``. On a
page every ``TextCode`` is placed at ``TextObject@Boundary`` (x y) plus its own ``X``/``Y``;
codes are sorted into lines by baseline (codes within half a character height share a line)
and, in a line, by x — so the reading order does not depend on the order objects were
written in. A line starting well right of the page's left margin is marked indented (a new
paragraph). Then :mod:`.layout` removes page numbers and running headers/footers (recorded)
and re-joins the lines.

Not read: template pages (``TemplatePage``: page furniture), annotations, and text drawn as
paths or images (no ``TextObject``: OCR would be needed) — such a file is rejected
``no_text_layer``. Other rejections: ``broken_ofd``, ``too_large`` (more than ``max_pages``
pages, or a part inflating past ``max_inflated`` bytes).
"""

from __future__ import annotations

import posixpath
from typing import Any

from ..document import PageMeta
from ._zip import find_member, local, open_zip, parse_xml, read_member
from .base import Extracted, ExtractFailed, Hints
from .layout import pages_to_text

_INDENT = 1.5  # characters right of the left margin that mark an indented first line


def extract_ofd(raw: bytes, hints: Hints) -> Extracted:
    """Text and DocInfo of an OFD file (see the module docstring)."""
    limit = hints.max_inflated
    page_meta = PageMeta()
    pages: list[list[str]] = []
    with open_zip(raw, "ofd") as zf:
        entry = find_member(zf, "OFD.xml")
        if entry is None:
            raise ExtractFailed("broken_ofd", "no OFD.xml")
        ofd = parse_xml(read_member(zf, entry, limit, "ofd"), "ofd")
        for body in (el for el in ofd if local(el.tag) == "DocBody"):
            root_path = None
            for el in body:
                tag = local(el.tag)
                if tag == "DocInfo":
                    _doc_info(el, page_meta)
                elif tag == "DocRoot" and el.text:
                    root_path = el.text.strip()
            if root_path:
                pages.extend(_document(zf, root_path, hints, len(pages)))
    if not any(line.strip() for page in pages for line in page):
        raise ExtractFailed("no_text_layer", f"{len(pages)} pages without text objects")
    text, removed = pages_to_text(pages)
    return Extracted(
        text=text, extractor="ofd-xml", page=page_meta, removed=removed, units=len(pages)
    )


def _doc_info(el: Any, page: PageMeta) -> None:
    for child in el:
        tag, value = local(child.tag), " ".join((child.text or "").split())
        if tag == "Title" and value and not page.title:
            page.title = value[:300]
        elif tag == "Author" and value and not page.author:
            page.author = value[:300]


def _resolve(base_dir: str, loc: str) -> str:
    loc = loc.strip()
    if loc.startswith("/"):
        return posixpath.normpath(loc.lstrip("/"))
    return posixpath.normpath(posixpath.join(base_dir, loc))


def _document(zf: Any, root_path: str, hints: Hints, seen: int) -> list[list[str]]:
    name = find_member(zf, _resolve("", root_path))
    if name is None:
        raise ExtractFailed("broken_ofd", f"no {root_path}")
    doc = parse_xml(read_member(zf, name, hints.max_inflated, "ofd"), "ofd")
    base_dir = posixpath.dirname(name)
    locs = [
        el.get("BaseLoc")
        for el in doc.iter()
        if local(el.tag) == "Page" and el.get("BaseLoc") and local(el.getparent().tag) == "Pages"
    ]
    if seen + len(locs) > hints.max_pages:
        raise ExtractFailed("too_large", f"{seen + len(locs)} pages > {hints.max_pages}")
    pages: list[list[str]] = []
    for loc in locs:
        member = find_member(zf, _resolve(base_dir, loc))
        if member is None:
            pages.append([])
            continue
        pages.append(
            _page_lines(parse_xml(read_member(zf, member, hints.max_inflated, "ofd"), "ofd"))
        )
    return pages


def _floats(value: str | None, n: int) -> list[float]:
    try:
        parts = [float(v) for v in (value or "").split()[:n]]
    except ValueError:
        parts = []
    return parts + [0.0] * (n - len(parts))


def _page_lines(page: Any) -> list[str]:
    """The text of one page's content, as lines in reading order."""
    codes: list[tuple[float, float, float, str]] = []  # (y, x, size, text)
    for obj in page.iter():
        if local(obj.tag) != "TextObject":
            continue
        bx, by, _bw, bh = _floats(obj.get("Boundary"), 4)
        size = _floats(obj.get("Size"), 1)[0] or bh or 1.0
        for code in obj:
            if local(code.tag) != "TextCode" or not code.text:
                continue
            x, y = _floats(code.get("X"), 1)[0], _floats(code.get("Y"), 1)[0]
            codes.append((by + y, bx + x, size, code.text))
    if not codes:
        return []
    codes.sort()
    rows: list[list[tuple[float, float, float, str]]] = []
    for c in codes:
        if rows and abs(c[0] - rows[-1][0][0]) < 0.5 * max(c[2], rows[-1][0][2]):
            rows[-1].append(c)
        else:
            rows.append([c])
    left = min(min(c[1] for c in row) for row in rows)
    lines = []
    for row in rows:
        row.sort(key=lambda c: c[1])
        text = "".join(c[3] for c in row)
        indent = row[0][1] - left >= _INDENT * row[0][2]
        lines.append(("　　" if indent else "") + text)
    return lines
