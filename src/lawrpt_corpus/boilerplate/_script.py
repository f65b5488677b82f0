"""A simplified view of a page's traditional lines, for matching only.

The script step converts a page that is traditional or mixed as a whole; a simplified page
that carries a few traditional lines (a 范文 site's ad preface, a wiki mirror's 【編輯】
link) keeps them as they are, and the rule packs, written in simplified characters, would
miss them. :func:`match_view` gives the text the boilerplate rules and the score model
read: every line holding a traditional-only character (``normalize/data/script_chars.json``)
converted with OpenCC ``t2s`` — when the conversion keeps the line's length, so that every
offset of the view is an offset of the original text and a removal records the original
characters. A line whose conversion changes its length (a rare phrase mapping) is left as
it is. Simplified text comes back as the same object, at the cost of one vectorised scan.
"""

from __future__ import annotations

from ..normalize.script import _convert, _counts, converter


def match_view(text: str) -> str:
    """``text`` with its traditional lines in simplified characters, same length and lines."""
    if not text or _counts(text)["traditional_only"] == 0:
        return text
    conv = converter("t2s")
    out = []
    for line in text.split("\n"):
        if line and _counts(line)["traditional_only"]:
            view = _convert(conv, line)
            if len(view) == len(line) and "\n" not in view:
                line = view
        out.append(line)
    return "\n".join(out)
