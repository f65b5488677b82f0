"""Line bookkeeping shared by the boilerplate steps."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from itertools import accumulate
from typing import Any

import ahocorasick_rs


def line_starts(lines: Sequence[str]) -> list[int]:
    """Offset of each line of ``"\\n".join(lines)``."""
    starts = []
    pos = 0
    for ln in lines:
        starts.append(pos)
        pos += len(ln) + 1
    return starts


def whole_line_spans(
    lines: Sequence[str], starts: Sequence[int], marks: Sequence[str | None]
) -> list[tuple[int, int, str]]:
    """``(start, end, rule)`` spans removing each marked line together with one line break.

    A line takes the break after it. In a text without a trailing break, the final run of
    removed (or blank) lines takes the breaks before them instead, so the text does not end
    with a new dangling break.
    """
    n = len(lines)
    tail_from = n
    while tail_from > 0 and (marks[tail_from - 1] is not None or not lines[tail_from - 1]):
        tail_from -= 1
    text_end = starts[-1] + len(lines[-1]) if n else 0
    no_final_break = n > 0 and bool(lines[-1])
    spans = []
    for i, rule in enumerate(marks):
        if rule is None:
            continue
        start, end = starts[i], starts[i] + len(lines[i])
        if no_final_break and i >= tail_from and i > 0:
            spans.append((start - 1, end, rule))
        else:
            spans.append((start, min(end + 1, text_end), rule))
    return spans


class LineViews:
    """Find, with one regex scan per rule, the only lines a line-zone rule can claim.

    A *view* is the document's stripped lines joined by ``"\\n"``, with the lines outside a
    rule's length window (``min_len``..``max_len``) blanked, so a rule never even looks at a
    line its length bounds exclude. ``candidates(rule)`` searches the rule's pattern over its
    view, records the line where each match starts and resumes at the next line: a handful
    of C-level searches per document instead of one Python call per rule per line.

    Invariant (what makes the prefilter exact): a line on which ``rule.pattern.search``
    finds a match in isolation is always among the candidates, provided the pattern is
    *line-scan safe* (:func:`..ruleset.line_scan_safe`: MULTILINE ``^``/``$``, no ``\\A``/
    ``\\Z``, no atomic groups or possessive repeats, no negative lookaround that could match
    a line break). Candidates are a superset: every one is still checked with
    :meth:`Rule.matches_line`, so the outcome equals trying every rule on every line.
    """

    __slots__ = ("_lines", "_views", "lens")

    def __init__(self, lines: Sequence[str]) -> None:
        self._lines = lines
        self.lens = [len(s) for s in lines]
        self._views: dict[tuple[int, int], tuple[str, list[int]]] = {}

    def view(self, lo: int, hi: int) -> tuple[str, list[int]]:
        """The view of the lines ``lo <= len <= hi`` and its line starts (plus the end + 1)."""
        found = self._views.get((lo, hi))
        if found is None:
            lens = [n if lo <= n <= hi else 0 for n in self.lens]
            text = "\n".join(
                [s if n else "" for s, n in zip(self._lines, lens, strict=True)]
                if lens != self.lens
                else self._lines
            )
            found = (text, list(accumulate([n + 1 for n in lens], initial=0)))
            self._views[(lo, hi)] = found
        return found

    def candidates(self, pattern: Any, lo: int, hi: int) -> list[int]:
        """Indexes of the lines of length ``lo..hi`` where ``pattern`` may match, ascending."""
        text, starts = self.view(lo, hi)
        search = pattern.search
        found: list[int] = []
        end = len(text)
        pos = 0
        while True:
            m = search(text, pos)
            if m is None:
                return found
            i = bisect_right(starts, m.start()) - 1
            found.append(i)
            pos = starts[i + 1]
            if pos > end:
                return found


class LiteralIndex:
    """Every rule's ``literals`` in one Aho-Corasick automaton (built once per rule set).

    ``lines(text, starts)`` finds, in one pass over the text, all (overlapping) occurrences
    of every literal and returns, per rule (keyed by ``id(rule)``), the lines holding one.
    Rules listed in ``by_literals`` get their line candidates from here; a rule with
    ``needs`` can occur in a text only if it has an entry.
    """

    def __init__(self, rules: Sequence[Any]) -> None:
        index: dict[str, int] = {}
        owners: list[list[int]] = []
        self.by_literals: set[int] = set()
        for rule in rules:
            lits = rule.literals
            if not lits:
                continue
            if rule.needs or min(len(x) for x in lits) >= 2 or rule.first is None:
                # one-character literals (中, ：) of a rule with a first-character test:
                # the first-character test is cheaper
                self.by_literals.add(id(rule))
            else:
                continue
            for lit in lits:
                k = index.setdefault(lit, len(index))
                if k == len(owners):
                    owners.append([])
                owners[k].append(id(rule))
        self._owners = owners
        self._automaton = (
            ahocorasick_rs.AhoCorasick(
                list(index),
                matchkind=ahocorasick_rs.MATCHKIND_STANDARD,
                implementation=ahocorasick_rs.Implementation.DFA,
            )
            if index
            else None
        )

    def lines(self, text: str, starts: Sequence[int]) -> dict[int, set[int]]:
        """``id(rule)`` → indexes of the lines (of ``text``, starting at ``starts``) that hold
        one of the rule's literals."""
        found: dict[int, set[int]] = {}
        if self._automaton is None:
            return found
        owners = self._owners
        for k, start, _end in self._automaton.find_matches_as_indexes(text, overlapping=True):
            i = bisect_right(starts, start) - 1
            for rid in owners[k]:
                hit = found.get(rid)
                if hit is None:
                    found[rid] = {i}
                else:
                    hit.add(i)
        return found


class DocLines:
    """Per-document state of the prefilter: which lines each rule needs to look at."""

    __slots__ = ("_cache", "_firsts", "by_rule", "index", "lens", "stripped", "views")

    def __init__(self, text: str, starts: Sequence[int], stripped: list[str], index: LiteralIndex):
        self.stripped = stripped
        self.index = index
        self.views = LineViews(stripped)
        self.lens = self.views.lens
        self.by_rule = index.lines(text, starts)
        self._firsts: str | None = None
        self._cache: dict[int, list[int]] = {}

    def possible(self, rule: Any) -> bool:
        """False when the rule's ``needs`` literals are all absent from the text."""
        return not rule.needs or id(rule) in self.by_rule

    def candidates(self, rule: Any) -> list[int]:
        """The lines ``rule`` may claim (a superset, ascending), cheapest evidence first:
        its literals (one automaton pass for all rules), the first character of the line
        (``^``-anchored rules), a regex scan of its length view, else every line. Lines
        outside the rule's length bounds are left out."""
        rid = id(rule)
        found = self._cache.get(rid)
        if found is not None:
            return found
        lo, hi, lens = rule.min_len, rule.max_len, self.lens
        if rid in self.index.by_literals:
            found = [i for i in sorted(self.by_rule.get(rid, ())) if lo <= lens[i] <= hi]
        elif rule.first is not None:
            if self._firsts is None:
                self._firsts = "".join([s[:1] or "\n" for s in self.stripped])
            found = [
                i
                for i in (m.start() for m in rule.first.finditer(self._firsts))
                if lo <= lens[i] <= hi
            ]
        elif rule.line_scan:
            found = self.views.candidates(rule.pattern, lo, hi)
        else:
            found = [i for i, n in enumerate(lens) if lo <= n <= hi]
        self._cache[rid] = found
        return found
