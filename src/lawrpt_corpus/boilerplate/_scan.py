"""Multi-literal scanners for the boilerplate prefilter: every occurrence of every literal.

:class:`..._lines.LiteralIndex` needs, for a text, where each of ~2,000 rule literals
occurs (all occurrences, overlapping ones included), as **character** offsets. Two engines
give exactly the same answer:

* ``hyperscan`` — a Hyperscan/Vectorscan database (``pip install
  "lawrpt_corpus[hyperscan]"``: the ``hyperscan`` wheels bundle Vectorscan), scanned over
  the text's UTF-16 code units (UTF-32 for a text with a character beyond the BMP, or
  when a literal has one). Used when the module imports, unless the environment
  variable ``LAWRPT_NO_HYPERSCAN=1`` is set (read when a rule set's index is built).
* ``automaton`` — the pure-Python-installable fallback (``ahocorasick-rs``, a DFA over the
  characters), the default when the extra is absent.

Why the UTF-32 scan is exact: every character is four bytes, so the bytes of a literal
occur at a byte offset divisible by four exactly where the literal occurs in the text, at
a character offset of a quarter of it; an occurrence of the bytes at another offset
straddles characters and is dropped. A match's start is its end minus four times the
literal's length (no start-of-match tracking needed). The same holds for UTF-16 code
units (two bytes) when neither the text nor any literal holds a character beyond the BMP:
each character is then one unit (a lone surrogate too), and half the bytes are scanned
(session 23: ~24 instead of ~38 µs for a 5,000-character report). The literals go to
Hyperscan as patterns with every byte escaped (``\\xHH``): the binding's literal mode
reads them as C strings and would cut them at the first NUL byte, which UTF-16 and UTF-32
are full of. Lone surrogates (a page decoded with ``surrogateescape``, a mangled JSON
escape): the text is encoded with ``surrogatepass`` (one unit each, never part of a
literal); the automaton cannot take them at all, so it scans the runs between them (no
literal holds a lone surrogate, so no occurrence spans one). Before session 18 the
automaton raised ``UnicodeEncodeError`` on such a text. (Sessions 18–19 scanned UTF-8
bytes, which needed the bytes' line starts and a decode per mapped offset: ~25 µs of a
report's ~170 µs prefilter.)

Both return ``{literal index: [character offsets, ascending]}``; tests run every
boilerplate test with each engine and compare the two on built texts.
"""

from __future__ import annotations

import os
import re
import threading
from bisect import bisect_right
from collections.abc import Sequence
from collections.abc import Set as AbstractSet
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
        self, text: str, starts: Sequence[int], char_ks: AbstractSet[int]
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


def _collect(k: int, _start: int, end: int, _flags: int, hits: Any) -> None:
    hits.append((k, end))


def _escaped(lit: str, encoding: str = "utf-32-le") -> bytes:
    """A Hyperscan pattern matching exactly the ``encoding`` (UTF-32-LE or UTF-16-LE) bytes
    of ``lit`` (every byte escaped: the bytes hold NULs, which the binding's literal mode
    would cut at)."""
    return b"".join(b"\\x%02x" % b for b in lit.encode(encoding, "surrogatepass"))


def _bmp_only(lit: str) -> bool:
    """Every character of ``lit`` is one UTF-16 code unit and no surrogate."""
    return all(ord(c) < 0xD800 or 0xE000 <= ord(c) <= 0xFFFF for c in lit)


class HyperscanScanner:
    """All occurrences of ``literals`` with one Hyperscan database over the text's UTF-32
    code units (little-endian: four bytes per character).

    Why UTF-32: a character offset is the byte offset divided by four, so neither byte line
    starts nor any decoding is needed to map a hit to its line and offset. The bytes of a
    literal occur at a byte offset divisible by four exactly where the literal occurs (at a
    quarter of it); a hit at another offset straddles characters and is dropped (its end,
    the start plus four times the literal's length, is then not divisible by four either).
    Lone surrogates are encoded with ``surrogatepass`` (four bytes, never a literal's).

    Raises ``ImportError`` without the module and ``ValueError`` for a literal Hyperscan
    cannot take (an empty one); :func:`make_scanner` then falls back to the automaton.
    """

    name = "hyperscan"

    def __init__(self, literals: Sequence[str]) -> None:
        import hyperscan

        if not literals or not all(literals):
            raise ValueError("hyperscan: empty literal")
        self._hs = hyperscan
        self._literals = tuple(literals)
        self._len = [len(lit) for lit in literals]
        #: the UTF-16 database, when every literal is in the BMP (one code unit per
        #: character); the UTF-32 one is compiled when a text needs it (a character
        #: beyond the BMP) or when some literal is beyond the BMP
        self._db16 = self._compile("utf-16-le") if all(map(_bmp_only, literals)) else None
        self._db32: Any = None if self._db16 is not None else self._compile("utf-32-le")
        self._local = threading.local()  # one scratch per thread and database

    def _compile(self, encoding: str) -> Any:
        hs = self._hs
        raw = [_escaped(lit, encoding) for lit in self._literals]
        db = hs.Database(mode=hs.HS_MODE_BLOCK)
        db.compile(expressions=raw, ids=list(range(len(raw))), elements=len(raw), flags=0)
        return db

    def _scratch(self, name: str, db: Any) -> Any:
        scratch = getattr(self._local, name, None)
        if scratch is None:
            scratch = self._hs.Scratch(db)
            setattr(self._local, name, scratch)
        return scratch

    def _raw(self, text: str) -> tuple[list[tuple[int, int]], int]:
        """Hyperscan's hits over ``text``: ``(literal index, end byte)`` in the order it
        reports them (by end), and the shift from bytes to characters: 1 over UTF-16 code
        units, when the text has no character beyond the BMP (then a unit is a character:
        half the bytes of UTF-32 to scan, ~24 instead of ~38 µs for a 5,000-character
        report), else 2 over UTF-32. A hit whose end is not a multiple of the unit
        straddles characters: not an occurrence."""
        hits: list[tuple[int, int]] = []
        if self._db16 is not None:
            data = text.encode("utf-16-le", "surrogatepass")
            if len(data) == 2 * len(text):  # no surrogate pair: one unit per character
                scratch = self._scratch("scratch16", self._db16)
                self._db16.scan(data, match_event_handler=_collect, context=hits, scratch=scratch)
                return hits, 1
        if self._db32 is None:
            self._db32 = self._compile("utf-32-le")
        scratch = self._scratch("scratch32", self._db32)
        data = text.encode("utf-32-le", "surrogatepass")
        self._db32.scan(data, match_event_handler=_collect, context=hits, scratch=scratch)
        return hits, 2

    def _scan(self, text: str) -> list[tuple[int, int]]:
        """``(literal index, character start)`` of every occurrence in ``text``, by end."""
        hits, shift = self._raw(text)
        odd = (1 << shift) - 1
        n = self._len
        return [(k, (end >> shift) - n[k]) for k, end in hits if not end & odd]

    def find_lines(
        self, text: str, starts: Sequence[int], char_ks: AbstractSet[int]
    ) -> tuple[dict[int, set[int]], dict[int, list[int]]]:
        """As :meth:`AutomatonScanner.find_lines` (one pass over Hyperscan's own hits: no
        intermediate list)."""
        lines: dict[int, set[int]] = {}
        chars: dict[int, list[int]] = {}
        hits, shift = self._raw(text)
        odd = (1 << shift) - 1
        n = self._len
        for k, end in hits:
            if end & odd:
                continue
            c = (end >> shift) - n[k]
            i = bisect_right(starts, c) - 1
            got = lines.get(k)
            if got is None:
                lines[k] = {i}
            else:
                got.add(i)
            if k in char_ks:
                offs = chars.get(k)
                if offs is None:
                    chars[k] = [c]
                else:
                    offs.append(c)
        return lines, chars

    def find(self, text: str) -> dict[int, list[int]]:
        """Literal index → character offsets of its occurrences in ``text``, ascending."""
        by_lit: dict[int, list[int]] = {}
        for k, c in self._scan(text):
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
