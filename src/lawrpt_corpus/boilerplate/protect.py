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


@functools.lru_cache(maxsize=4)
def _cheap_first(skip: frozenset[str]) -> tuple[Any, ...] | None:
    """The compiled patterns whose id is not in ``skip``, shortest source first (a short
    pattern is cheap to try; the long ones — a 40-character class run ending in one of many
    suffixes — cost several times more and are tried last). None when a skipped pattern
    comes before a kept one in file order: then the first match decides, not any match."""
    pats = protect_patterns()
    kept = [k for k, (pid, _) in enumerate(pats) if pid not in skip]
    if kept and any(pid in skip for pid, _ in pats[: kept[-1]]):
        return None
    return tuple(sorted((pats[k][1] for k in kept), key=lambda p: len(p.pattern)))


def is_protected(line: str, skip: frozenset[str] = frozenset()) -> bool:
    """``protected(line) not in (None, *skip)``: whether the first protection pattern
    ``line`` (stripped) matches exists and its id is not in ``skip``.

    When the skipped ids all come last in file order (``sentence`` does), that is "some
    pattern not in ``skip`` matches": the patterns are then tried cheapest first and the
    first match ends the search (same truth, a fraction of the searches).
    """
    order = _cheap_first(skip)
    if order is None:
        return protected(line) not in (None, *skip)
    for pattern in order:
        if pattern.search(line):
            return True
    return False


def protected(line: str) -> str | None:
    """The id of the first protection pattern ``line`` (stripped) matches, else None."""
    for pid, pattern in protect_patterns():
        if pattern.search(line):
            return pid
    return None
