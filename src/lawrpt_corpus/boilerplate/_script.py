"""A simplified view of a page's traditional lines, for matching only.

The script step converts a page that is traditional or mixed as a whole; a simplified page
that carries a few traditional lines (a 范文 site's ad preface, a wiki mirror's [編輯]
link) keeps them as they are, and the rule packs, written in simplified characters, would
miss them. :func:`match_view` gives the text the boilerplate rules and the score model
read: the page converted with OpenCC ``t2s``, line by line where the conversion keeps the
line's length (nearly always: t2s maps character to character), so that every offset of
the view is an offset of the original text and a removal records the original
characters. A line whose conversion changes its length (a rare phrase mapping) is read as
it is. A text t2s leaves alone (simplified text) comes back as the same object. Text that
OpenCC cannot take (lone surrogates) is read as it is.
"""

from __future__ import annotations

from functools import lru_cache
from typing import Any


@lru_cache(maxsize=1)
def _t2s() -> Any:
    import opencc

    return opencc.OpenCC("t2s.json")


def match_view(text: str) -> str:
    """``text`` with its traditional lines in simplified characters, same length and lines."""
    if not text:
        return text
    try:
        view = str(_t2s().convert(text))
    except UnicodeEncodeError:
        return text
    if view == text:
        return text
    lines, vlines = text.split("\n"), view.split("\n")
    if len(lines) != len(vlines):
        return text
    return "\n".join(v if len(v) == len(t) else t for t, v in zip(lines, vlines, strict=True))
