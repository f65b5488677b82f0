"""Multi-literal scanners for the boilerplate prefilter: every occurrence of every literal.

:class:`..._lines.LiteralIndex` needs, for a text, where each of ~2,000 rule literals
occurs (all occurrences, overlapping ones included), as **character** offsets. Two engines
give exactly the same answer:

* ``hyperscan`` — a Hyperscan/Vectorscan literal database (``pip install
  "lawrpt_corpus[hyperscan]"``: the ``hyperscan`` wheels bundle Vectorscan), scanned over
  the text's UTF-8 bytes. Used when the module imports, unless the environment variable
  ``LAWRPT_NO_HYPERSCAN=1`` is set (read when a rule set's index is built).
* ``automaton`` — the pure-Python-installable fallback (``ahocorasick-rs``, a DFA over the
  characters), the default when the extra is absent.

Why the byte scan is exact: UTF-8 is self-synchronizing, so the bytes of a literal (valid
UTF-8, no lone surrogate) occur in the bytes of a text exactly where the literal occurs in
the text, starting on a character boundary. A match's start is its end minus the
literal's byte length (literal mode reports ends; no start-of-match tracking needed), then
mapped back to a character offset by decoding the bytes between consecutive starts (one
pass over the text in total). Lone surrogates (a page decoded with ``surrogateescape``, a
mangled JSON escape): the text is encoded with ``surrogatepass`` (three bytes each, never
part of a valid literal's bytes); the automaton cannot take them at all, so it scans the
runs between them (no literal holds a lone surrogate, so no occurrence spans one). Before
this module the automaton raised ``UnicodeEncodeError`` on such a text.

Both return ``{literal index: [character offsets, ascending]}``; tests run every
boilerplate test with each engine and compare the two on built texts.
"""

from __future__ import annotations

import os
import re
import threading
from bisect import bisect_right
from collections.abc import Container, Sequence
from itertools import accumulate
from typing import Any

import ahocorasick_rs

#: the environment variable that forces the automaton even when hyperscan is installed
NO_HYPERSCAN = "LAWRPT_NO_HYPERSCAN"
_SURROGATE = re.compile("[\ud800-\udfff]")


def hyperscan_available() -> bool:
    """True when the ``hyperscan`` module imports and ``LAWRPT_NO_HYPERSCAN`` is unset."""
    if os.environ.get(NO_HYPERSCAN):
        return False
    try:
        import hyperscan  # noqa: F401
    except ImportError:
        return False
    return True


class AutomatonScanner:
    """All occurrences of ``literals`` with an Aho-Corasick DFA (``ahocorasick-rs``)."""

    name = "automaton"

    def __init__(self, literals: Sequence[str]) -> None:
        self._ac = ahocorasick_rs.AhoCorasick(
            list(literals),
            matchkind=ahocorasick_rs.MATCHKIND_STANDARD,
            implementation=ahocorasick_rs.Implementation.DFA,
        )

    def find(self, text: str) -> dict[int, list[int]]:
        """Literal index → character offsets of its occurrences in ``text``, ascending."""
        try:
            return self._group(self._ac.find_matches_as_indexes(text, overlapping=True), 0)
        except UnicodeEncodeError:  # lone surrogates: scan the runs between them
            pass
        found: dict[int, list[int]] = {}
        pos = 0
        for m in (*_SURROGATE.finditer(text), None):
            end = m.start() if m is not None else len(text)
            if end > pos:
                part = self._ac.find_matches_as_indexes(text[pos:end], overlapping=True)
                for k, offs in self._group(part, pos).items():
                    got = found.get(k)
                    if got is None:
                        found[k] = offs
                    else:
                        got += offs
            if m is not None:
                pos = m.end()
        return found

    def find_lines(
        self, text: str, starts: Sequence[int], char_ks: Container[int]
    ) -> tuple[dict[int, set[int]], dict[int, list[int]]]:
        """Literal index → the lines holding an occurrence (``starts``: each line's offset in
        ``text``), and, for the literals in ``char_ks``, their character offsets."""
        by_lit = self.find(text)
        return (
            {k: {bisect_right(starts, o) - 1 for o in offs} for k, offs in by_lit.items()},
            {k: offs for k, offs in by_lit.items() if k in char_ks},
        )

    @staticmethod
    def _group(matches: Any, shift: int) -> dict[int, list[int]]:
        by_lit: dict[int, list[int]] = {}
        for k, start, _end in matches:
            got = by_lit.get(k)
            if got is None:
                by_lit[k] = [start + shift]
            else:
                got.append(start + shift)
        return by_lit


def line_starts_of(data: bytes) -> list[int]:
    """Offset of each line of ``data`` (split at ``\\n``), plus the end + 1."""
    return list(accumulate([len(ln) + 1 for ln in data.split(b"\n")], initial=0))


def _collect(k: int, _start: int, end: int, _flags: int, hits: Any) -> None:
    hits.append((k, end))


def _starts_by_literal(
    hits: Sequence[tuple[int, int]], blen: Sequence[int]
) -> dict[int, list[int]]:
    """Literal index → byte starts of its hits (a hit is ``(literal, end)``; start = end −
    the literal's byte length), in hit order."""
    by_lit: dict[int, list[int]] = {}
    for k, end in hits:
        got = by_lit.get(k)
        if got is None:
            by_lit[k] = [end - blen[k]]
        else:
            got.append(end - blen[k])
    return by_lit


class HyperscanScanner:
    """All occurrences of ``literals`` with one Hyperscan literal database (UTF-8 bytes).

    Raises ``ImportError`` without the module and ``ValueError`` for a literal Hyperscan
    cannot take (an empty one); :func:`make_scanner` then falls back to the automaton.
    """

    name = "hyperscan"

    def __init__(self, literals: Sequence[str]) -> None:
        import hyperscan

        raw = [lit.encode("utf-8", "surrogatepass") for lit in literals]
        if not raw or not all(raw):
            raise ValueError("hyperscan: empty literal")
        self._blen = [len(b) for b in raw]
        db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
        db.compile(expressions=raw, ids=list(range(len(raw))), elements=len(raw), literal=True)
        self._db = db
        self._hs = hyperscan
        self._local = threading.local()  # one scratch per thread (a scratch is not shared)

    def _scan(self, data: bytes) -> list[tuple[int, int]]:
        """``(literal index, end byte)`` of every occurrence in ``data``."""
        scratch = getattr(self._local, "scratch", None)
        if scratch is None:
            scratch = self._local.scratch = self._hs.Scratch(self._db)
        hits: list[tuple[int, int]] = []
        self._db.scan(data, match_event_handler=_collect, context=hits, scratch=scratch)
        return hits

    def find_lines(
        self, text: str, starts: Sequence[int], char_ks: Container[int]
    ) -> tuple[dict[int, set[int]], dict[int, list[int]]]:
        """As :meth:`AutomatonScanner.find_lines`. Lines are found from byte offsets (the
        line starts of the UTF-8 bytes, from one ``split``); only the occurrences of
        ``char_ks`` are mapped to characters, by decoding their line up to them."""
        data = text.encode("utf-8", "surrogatepass")
        hits = self._scan(data)
        if not hits:
            return {}, {}
        by_lit = _starts_by_literal(hits, self._blen)
        ascii_only = len(data) == len(text)
        bstarts = starts if ascii_only else line_starts_of(data)
        lines = {k: {bisect_right(bstarts, b) - 1 for b in offs} for k, offs in by_lit.items()}
        chars: dict[int, list[int]] = {}
        for k, offs in by_lit.items():
            if k not in char_ks:
                continue
            if ascii_only:
                chars[k] = offs
                continue
            out = []
            for b in offs:
                i = bisect_right(bstarts, b) - 1
                out.append(starts[i] + len(data[bstarts[i] : b].decode("utf-8", "surrogatepass")))
            chars[k] = out
        return lines, chars

    def find(self, text: str) -> dict[int, list[int]]:
        """Literal index → character offsets of its occurrences in ``text``, ascending."""
        data = text.encode("utf-8", "surrogatepass")
        hits = self._scan(data)
        if not hits:
            return {}
        blen = self._blen
        if len(data) == len(text):  # ASCII: bytes are characters
            return _starts_by_literal(hits, blen)
        by_lit: dict[int, list[int]] = {}
        # byte start → character offset: decode between consecutive distinct starts
        starts = sorted({end - blen[k] for k, end in hits})
        chars: dict[int, int] = {}
        bpos = cpos = 0
        for b in starts:
            cpos += len(data[bpos:b].decode("utf-8", "surrogatepass"))
            bpos = b
            chars[b] = cpos
        for k, end in hits:
            c = chars[end - blen[k]]
            got = by_lit.get(k)
            if got is None:
                by_lit[k] = [c]
            else:
                got.append(c)
        return by_lit


Scanner = AutomatonScanner | HyperscanScanner


def make_scanner(literals: Sequence[str], engine: str | None = None) -> Scanner:
    """A scanner over ``literals``: ``engine`` ``"hyperscan"`` or ``"automaton"``; None
    picks Hyperscan when :func:`hyperscan_available`, else (or if it cannot compile these
    literals) the automaton. The two return the same occurrences."""
    if engine not in (None, "hyperscan", "automaton"):
        raise ValueError(f"unknown literal scanner {engine!r} (hyperscan, automaton)")
    if engine == "hyperscan" or (engine is None and hyperscan_available()):
        try:
            return HyperscanScanner(literals)
        except Exception:  # no module, an empty literal, a compile error: the automaton
            if engine == "hyperscan":
                raise
    return AutomatonScanner(literals)
