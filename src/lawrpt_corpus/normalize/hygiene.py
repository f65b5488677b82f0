"""Unicode hygiene: invisible and layout noise out, nothing a reader sees in prose changed.

Contract of the output text: ``\\n`` between paragraphs, one paragraph per line, no blank
lines, no leading or trailing whitespace on a line, no control characters other than ``\\n``
and ``\\t``. Rules (each counted with ``doc.log_edit("hygiene", rule, n)``):

``newline``       CRLF, CR, VT, FF, U+2028, U+2029 → LF
``invisible``     BOM / zero-width characters (U+200B–U+200D, U+2060, U+FEFF, U+00AD) removed
``control``       C0/C1 control characters other than ``\\n`` and ``\\t`` removed
``nbsp``          U+00A0, U+2007, U+202F → space
``radical``       Kangxi radicals (U+2F00–U+2FDF) and CJK radicals supplement → unified ideograph
``compat-ideograph``  CJK compatibility ideographs (U+F900–U+FAFF, U+2F800–U+2FA1F) → unified
``fullwidth-alnum``   Ａ–Ｚ ａ–ｚ ０–９ → ASCII (full-width punctuation is left alone)
``indent``        leading spaces / tabs / U+3000 of a line removed (per line)
``trailing-space``  trailing spaces / tabs / U+3000 of a line removed (per line)
``blank-lines``   runs of empty lines collapsed (per run), leading/trailing newlines removed

The ideograph folds come from ``unicodedata.normalize("NFKC", ch)`` of each single character
in those blocks (kept only when the result is one Han character); the whole text is never
NFKC-normalised. A text that is empty afterwards is rejected ``empty``.

Cost: one vectorised lookup finds every character of the fold/removal tables (replaced
with numpy, not ``str.translate``, which costs ~0.5 µs per non-ASCII character); line edges
are one ``split`` and a ``strip`` per line; the regex passes (other newlines, blank lines) run
only when a substring search shows they have something to change. Each pass records its
own located spans as it rewrites, and stops locating when the trail is full (only counting).
"""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from itertools import islice

import numpy as np

from ..document import Document
from ..pipeline import DocumentStep
from ..text.chars import (
    CONTROL,
    HAN_COMPAT_BLOCKS,
    HAN_RADICAL_BLOCKS,
    INVISIBLE,
    NBSP,
)

_NEWLINE_RE = re.compile("\r\n?|[\x0b\x0c\u2028\u2029]")
_INDENT_RE = re.compile("^[ \t\u3000]+", re.M)
_TRAILING_RE = re.compile("[ \t\u3000]+$", re.M)
_BLANKS_RE = re.compile("\n{2,}")


def _han_fold(ranges: tuple[tuple[int, int], ...]) -> dict[int, str]:
    table: dict[int, str] = {}
    for lo, hi in ranges:
        for cp in range(lo, hi + 1):
            folded = unicodedata.normalize("NFKC", chr(cp))
            if folded != chr(cp) and len(folded) == 1 and "CJK" in unicodedata.name(folded, ""):
                table[cp] = folded
    return table


@cache
def _tables() -> dict[str, dict[int, str | None]]:
    """rule → translate table (built once per process)."""
    radicals = _han_fold(HAN_RADICAL_BLOCKS)
    compat = _han_fold(HAN_COMPAT_BLOCKS)
    fullwidth: dict[int, str] = {}
    for lo, hi in ((0xFF10, 0xFF19), (0xFF21, 0xFF3A), (0xFF41, 0xFF5A)):
        for cp in range(lo, hi + 1):
            fullwidth[cp] = chr(cp - 0xFEE0)
    return {
        "invisible": dict.fromkeys(map(ord, INVISIBLE)),
        "control": dict.fromkeys(ord(c) for c in CONTROL if c not in "\n\t"),
        "nbsp": dict.fromkeys(map(ord, NBSP), " "),
        "radical": dict(radicals),
        "compat-ideograph": dict(compat),
        "fullwidth-alnum": dict(fullwidth),
    }


@cache
def _combined() -> tuple[np.ndarray, np.ndarray, dict[int, str | None], tuple[str, ...]]:
    """Every mapped character as lookup tables over code points (one zero entry past the
    largest, so that higher code points clip to it): 1 + the index of its rule in
    :func:`_tables` (0: not mapped), and the code point it becomes (-1: removed); the
    merged translate table; the rules in order. The tables are disjoint (a character has
    one rule), and every fold is one character."""
    tables = _tables()
    merged: dict[int, str | None] = {}
    rule_lut = np.zeros(max(max(t) for t in tables.values()) + 2, dtype=np.uint8)
    repl_lut = np.full(len(rule_lut), -1, dtype=np.int64)
    for i, (rule, table) in enumerate(tables.items()):
        if not merged.keys().isdisjoint(table):  # pragma: no cover - data invariant
            raise ValueError(f"hygiene table {rule!r} overlaps another")
        merged.update(table)
        for cp, to in table.items():
            rule_lut[cp] = i + 1
            if to is not None:
                if len(to) != 1:  # pragma: no cover - data invariant
                    raise ValueError(f"hygiene table {rule!r}: U+{cp:04X} folds to {to!r}")
                repl_lut[cp] = ord(to)
    return rule_lut, repl_lut, merged, tuple(tables)


def _codes(text: str) -> np.ndarray:
    """``text`` as an array of code points (lone surrogates included)."""
    return np.frombuffer(text.encode("utf-32-le", "surrogatepass"), "<u4")


def _fold(text: str, codes: np.ndarray, at: np.ndarray, log: Document | None) -> str:
    """Replace or drop the table characters at offsets ``at`` (ascending; ``codes``: the
    text's code points), vectorised; counted per rule in table order and located (one
    change call, the first :meth:`~Document.trail_room` spans)."""
    rule_lut, repl_lut, merged, rules = _combined()
    found = codes[at]
    to = repl_lut[found]
    out = codes.astype(np.int64)
    out[at] = to
    out = out[out >= 0].astype("<u4")
    if log is not None:
        k = min(log.trail_room(), len(at))
        kinds = rule_lut[found]
        log.record_spans(
            Hygiene.name,
            [
                (rules[kind - 1], i, i + 1, text[i], merged[cp] or "")
                for i, cp, kind in zip(
                    at[:k].tolist(), found[:k].tolist(), kinds[:k].tolist(), strict=True
                )
            ],
            len(at),
        )
        for rule, n in zip(
            rules, np.bincount(kinds, minlength=len(rules) + 1)[1:].tolist(), strict=True
        ):
            log.log_edit(Hygiene.name, rule, n)
    return out.tobytes().decode("utf-32-le", "surrogatepass")


_NEWLINES = ("\r", "\x0b", "\x0c", "\u2028", "\u2029")
_OTHER_NEWLINE_RE = re.compile("[\x0b\x0c\u2028\u2029]")
_LINE_SPACE = " \t\u3000"

Span = tuple[int, int, str, str]  # (start, end, replacement, rule)


def _first_matches(text: str, rx: re.Pattern[str], repl: str, rule: str, k: int) -> list[Span]:
    """The first ``k`` matches of ``rx`` in ``text`` as spans (the trail keeps no more)."""
    return [(m.start(), m.end(), repl, rule) for m in islice(rx.finditer(text), k)]


def _newlines(text: str, log: Document | None) -> str:
    """CRLF, CR, VT, FF, U+2028, U+2029 → LF (the ``newline`` rule), counted and located."""
    n_cr = text.count("\r")
    n_crlf = text.count("\r\n") if n_cr else 0
    if n_cr == n_crlf and _OTHER_NEWLINE_RE.search(text) is None:
        # only CRLF (the usual case): str.replace, and the first spans from one vectorised
        # comparison (every CR starts a CRLF)
        if log is not None:
            k = min(log.trail_room(), n_crlf)
            at = np.flatnonzero(_codes(text) == 13)[:k].tolist() if k else []
            log.record_chars(Hygiene.name, "newline", at, "\r\n", "\n", n_crlf)
            log.log_edit(Hygiene.name, "newline", n_crlf)
        return text.replace("\r\n", "\n")
    if log is not None:
        found = _first_matches(text, _NEWLINE_RE, "\n", "newline", log.trail_room())
    out, n = _NEWLINE_RE.subn("\n", text)
    if log is not None and n:
        log.record_edits(Hygiene.name, found, text, n)
        log.log_edit(Hygiene.name, "newline", n)
    return out


def _line_edges(text: str, log: Document | None) -> str:
    """Leading (``indent``) then trailing (``trailing-space``) spaces, tabs and U+3000 of
    every line removed, each rule one change call located in the text it saw."""
    lines = text.split("\n")
    stripped = [line.strip(_LINE_SPACE) for line in lines]
    if stripped == lines:
        return text
    step = Hygiene.name
    lead = [line.lstrip(_LINE_SPACE) for line in lines]
    if log is None:
        return "\n".join(stripped)
    # indent: offsets in ``text``; trailing-space: offsets in the text without indents
    indents: list[tuple[str, int, int, str, str]] = []
    trails: list[tuple[str, int, int, str, str]] = []
    n_indent = n_trail = 0
    room = log.trail_room()
    off0 = off1 = 0
    for line, rest, final in zip(lines, lead, stripped, strict=True):
        cut = len(line) - len(rest)
        if cut:
            n_indent += 1
            if len(indents) < room:
                indents.append(("indent", off0, off0 + cut, line[:cut], ""))
        if len(final) != len(rest):
            n_trail += 1
            trails.append(
                ("trailing-space", off1 + len(final), off1 + len(rest), rest[len(final) :], "")
            )
        off0 += len(line) + 1
        off1 += len(rest) + 1
    if n_indent:
        log.record_spans(step, indents, n_indent)
        log.log_edit(step, "indent", n_indent)
    if n_trail:
        log.record_spans(step, trails[: log.trail_room()], n_trail)
        log.log_edit(step, "trailing-space", n_trail)
    return "\n".join(stripped)


def clean_text(text: str, log: Document | None = None) -> str:
    """Apply every hygiene rule to ``text``; count the changes on ``log`` when given, and
    record each one as a located edit span (one change call per pass; the trail keeps at
    most :data:`~lawrpt_corpus.document.EDIT_TRAIL_MAX` spans, so a pass stops locating
    when it is full and only counts)."""
    # Each pass runs only when a substring search or one vectorised lookup (C speed) shows
    # it has work to do.
    if any(c in text for c in _NEWLINES):
        text = _newlines(text, log)
    codes = _codes(text)
    at = np.flatnonzero(np.take(_combined()[0], codes, mode="clip"))
    if at.size:
        text = _fold(text, codes, at, log)
    text = _line_edges(text, log)
    return _blank_lines(text, log)


def _blank_lines(text: str, log: Document | None) -> str:
    """Runs of empty lines collapsed, leading and trailing newlines removed
    (``blank-lines``: one per run and per edge), located in the text it saw."""
    edges = text[: len(text) - len(text.lstrip("\n"))], text[len(text.rstrip("\n")) :]
    lead = len(edges[0])
    tail = len(edges[1]) if lead < len(text) else 0
    inner = "\n\n" in text
    out = text.strip("\n")
    n = 0
    if inner and "\n\n" in out:
        out, n = _BLANKS_RE.subn("\n", out)
    if log is not None:
        total = n + (1 if lead else 0) + (1 if tail else 0)
        if total:
            room = log.trail_room()
            blanks = [(0, lead, "", "blank-lines")] if lead else []
            if n and room > len(blanks):
                found = _BLANKS_RE.finditer(text, lead, len(text) - tail)
                blanks += [(m.start() + 1, m.end(), "", "blank-lines") for m in islice(found, room)]
            if tail:
                blanks.append((len(text) - tail, len(text), "", "blank-lines"))
            log.record_edits(Hygiene.name, blanks, text, total)
        log.log_edit(Hygiene.name, "blank-lines", n + sum(1 for edge in edges if edge))
    return out


@dataclass
class Hygiene(DocumentStep):
    """Unicode hygiene on ``doc.text`` (see the module docstring for the rules)."""

    name = "hygiene"
    version = "1.0"

    def __call__(self, doc: Document) -> Document:
        doc.text = clean_text(doc.text, doc)
        if not doc.text.strip():
            return doc.reject("empty")
        return doc
