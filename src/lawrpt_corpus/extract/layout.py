"""Pages of printed lines (PDF, OFD) → paragraphs: running headers/footers and page numbers
removed, Chinese lines re-joined.

**Page furniture.** Only the first and last :data:`EDGE` lines of a page are candidates.

* ``extract.page-number``: a line that is only a page number — ``－ 3 －``, ``- 3 -``, ``3``,
  ``3/12``, ``第3页 共12页``, ``Page 3 of 12`` — removed on every page;
* ``extract.running-header`` / ``extract.running-footer``: a line that, with its digits
  masked, stands at the same edge of at least half the pages (and at least 2 pages) —
  removed wherever it stands at that edge — unless that would leave the page empty (then it
  is the page's content). A 公文 header on page 1 alone stays.

**Re-joining.** A PDF breaks lines where the page ends, not where the sentence ends. Line
``a`` is joined to the next line ``b`` (no space between Han characters) when ``a`` is *full*
(at least :data:`FULL` of the document's typical line width, CJK characters counting double)
and does not end a sentence (。！？；：… or a closing quote after them), and ``b`` does not
start a heading or list item (一、 （一） 第一条 1. ① …) nor an indented paragraph. So a
heading (short line) and a list item are never joined, a paragraph's last line never swallows
the next heading. Page breaks join the same way (a sentence running onto the next page). In a
document whose paragraphs start indented (at least 60 % of the lines after a sentence end),
the indent decides instead of the punctuation: a sentence that ends at the margin does not
end its paragraph when the next line is not indented (and is not a short heading).

Linear in the number of characters: one pass for edges, one for widths, one for joining;
the anchored patterns run only on lines shorter than 80 characters.
"""

from __future__ import annotations

import re
from collections import Counter
from itertools import pairwise

#: Lines at the top and at the bottom of a page that may be page furniture.
EDGE = 2
#: A line at least this share of the typical width is full (its sentence may go on).
FULL = 0.8
_SHORT = 80

_PAGE_NUMBER_RE = re.compile(
    r"^[\s\-－—–_·•]{0,6}(?:"
    r"第\s{0,2}\d{1,4}\s{0,2}页(?:\s{0,2}[,，/／]?\s{0,2}共\s{0,2}\d{1,4}\s{0,2}页)?"
    r"|共\s{0,2}\d{1,4}\s{0,2}页\s{0,2}第\s{0,2}\d{1,4}\s{0,2}页"
    r"|\d{1,4}(?:\s{0,2}[/／]\s{0,2}\d{1,4})?"
    r"|[Pp]age\s{0,2}\d{1,4}(?:\s{1,2}of\s{1,2}\d{1,4})?"
    r")[\s\-－—–_·•]{0,6}$"
)
_HEADING_RE = re.compile(
    r"^(?:第[一二三四五六七八九十百零〇\d]{1,5}[章节条部分篇]"
    r"|[一二三四五六七八九十]{1,3}[、.．]"
    r"|[（(][一二三四五六七八九十\d]{1,3}[）)]"
    r"|\d{1,2}[、.．](?!\d)"
    r"|[①-⑳㈠-㈩]"
    r"|附件|附表|[•·▪■□●○◆◇]"
    r")"
)
_SENTENCE_END = frozenset("。！？；：…!?;:")
_CLOSERS = frozenset("”’」』）)】")
_DIGITS_RE = re.compile(r"\d+")


def is_page_number(line: str) -> bool:
    """``line`` is only a page number (see the module docstring)."""
    s = line.strip()
    return 0 < len(s) < _SHORT and _PAGE_NUMBER_RE.match(s) is not None


def _key(line: str) -> str:
    return _DIGITS_RE.sub("#", "".join(line.split()))


def strip_furniture(pages: list[list[str]]) -> tuple[list[list[str]], list[tuple[str, str]]]:
    """Remove page numbers and running headers/footers from ``pages`` (lists of lines).

    Returns the pages without them and the removals ``(rule, line)`` in page order.
    """
    tops: Counter[str] = Counter()
    bottoms: Counter[str] = Counter()
    for lines in pages:
        body = [ln for ln in lines if ln.strip()]
        for ln in {_key(x) for x in body[:EDGE] if len(x) < _SHORT}:
            tops[ln] += 1
        for ln in {_key(x) for x in body[-EDGE:] if len(x) < _SHORT}:
            bottoms[ln] += 1
    need = max(2, (len(pages) + 1) // 2)
    running_top = {k for k, n in tops.items() if n >= need and k}
    running_bottom = {k for k, n in bottoms.items() if n >= need and k}
    out_pages: list[list[str]] = []
    removed: list[tuple[str, str]] = []
    for lines in pages:
        idx = [i for i, ln in enumerate(lines) if ln.strip()]
        drop: dict[int, str] = {}
        for pos, i in enumerate(idx):
            at_top = pos < EDGE
            at_bottom = pos >= len(idx) - EDGE
            if not (at_top or at_bottom):
                continue
            line = lines[i]
            if is_page_number(line):
                drop[i] = "extract.page-number"
            elif len(line) < _SHORT:
                key = _key(line)
                if at_top and key in running_top:
                    drop[i] = "extract.running-header"
                elif at_bottom and key in running_bottom:
                    drop[i] = "extract.running-footer"
        if len(drop) == len(idx):
            # a page would be left empty: its "running" line is its content (pages of one
            # line each, like a list printed one item a page); only page numbers go
            drop = {i: r for i, r in drop.items() if r == "extract.page-number"}
        for i in sorted(drop):
            removed.append((drop[i], lines[i].strip()))
        out_pages.append([ln for i, ln in enumerate(lines) if i not in drop])
    return out_pages, removed


def _width(line: str) -> int:
    return sum(2 if ord(c) > 0x2E7F else 1 for c in line)


def _ends_sentence(line: str) -> bool:
    s = line.rstrip()
    if not s:
        return True
    if s[-1] in _SENTENCE_END:
        return True
    return s[-1] in _CLOSERS and len(s) > 1 and s[-2] in _SENTENCE_END


def _letter_end(s: str) -> bool:
    return s[-1:].isascii() and s[-1:].isalpha()


#: Paragraph starts (lines after a sentence end, not headings) that must be indented, and
#: how many there must be, for a document to count as indent-structured.
_INDENTED_SHARE = 0.6
_INDENTED_MIN = 3


def _indent_structured(items: list[tuple[str, str]]) -> bool:
    """Do this document's paragraphs start indented? (then an unindented line after a
    sentence end continues the paragraph, see :func:`join_lines`)."""
    starts = indented = 0
    for (_, prev), (indent, line) in pairwise(items):
        if _ends_sentence(prev) and _HEADING_RE.match(line) is None:
            starts += 1
            indented += bool(indent)
    return starts >= _INDENTED_MIN and indented >= _INDENTED_SHARE * starts


def join_lines(lines: list[str]) -> str:
    """Re-join printed ``lines`` into paragraphs, one per output line (module docstring).

    A line's leading whitespace marks the start of a paragraph (indented first line). In a
    document whose paragraphs start indented, a full line that ends a sentence is still
    joined to an unindented next line that is full or ends a sentence itself (a sentence
    that ended at the margin, mid-paragraph); a short unpunctuated next line (a heading)
    is not.
    """
    items = [(ln[: len(ln) - len(ln.lstrip())], ln.strip()) for ln in lines]
    items = [(ind, s) for ind, s in items if s]
    if not items:
        return ""
    widths = sorted(_width(s) for _, s in items)
    typical = widths[int(len(widths) * 0.9)] if len(widths) >= 3 else widths[-1]
    indented_doc = _indent_structured(items)
    out: list[str] = []
    current = items[0][1]
    for (_, prev), (indent, line) in pairwise(items):
        full = _width(prev) >= FULL * typical
        join = full and not indent and _HEADING_RE.match(line) is None
        if join and _ends_sentence(prev):
            join = indented_doc and (_width(line) >= FULL * typical or _ends_sentence(line))
        if join:
            # Latin words broken at the margin get their space back; Han text and digits none
            current += (" " if _letter_end(current) and _letter_end(line[:1]) else "") + line
        else:
            out.append(current)
            current = line
    out.append(current)
    return "\n".join(out)


def pages_to_text(pages: list[list[str]]) -> tuple[str, list[tuple[str, str]]]:
    """:func:`strip_furniture` then :func:`join_lines` over all pages in order."""
    kept, removed = strip_furniture(pages)
    return join_lines([ln for page in kept for ln in page]), removed
