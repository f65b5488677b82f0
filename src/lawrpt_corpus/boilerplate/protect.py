"""Protected lines: a report's own short lines (headings, dates, signatures, titles, closing
formulas, sentences) that the corpus layers never count and the block layer never takes
(patterns: ``data/repeated.toml``)."""

from __future__ import annotations

import functools
import tomllib
from importlib import resources
from typing import Any

import regex


@functools.lru_cache(maxsize=1)
def protect_patterns() -> tuple[tuple[str, Any], ...]:
    """``(id, compiled pattern)`` of the protected-line patterns (``data/repeated.toml``)."""
    text = (resources.files("lawrpt_corpus.boilerplate") / "data" / "repeated.toml").read_text(
        encoding="utf-8"
    )
    out = []
    for item in tomllib.loads(text)["protect"]:
        out.append((item["id"], regex.compile(item["pattern"])))
    return tuple(out)


def protected(line: str) -> str | None:
    """The id of the first protection pattern ``line`` (stripped) matches, else None."""
    for pid, pattern in protect_patterns():
        if pattern.search(line):
            return pid
    return None
