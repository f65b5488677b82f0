"""Line bookkeeping shared by the boilerplate steps."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Sequence
from functools import lru_cache
from itertools import accumulate
from typing import Any

from ._scan import Scanner, make_scanner


@lru_cache(maxsize=1)
def split_stripped(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``text.split("\n")`` and each of those lines stripped, for the last text asked
    (the corpus layers' ``prepare`` run one after the other on one document: the second
    takes the first's split)."""
    raw = tuple(text.split("\n"))
    return raw, tuple([ln.strip() for ln in raw])


def line_starts(lines: Sequence[str]) -> list[int]:
    """Offset of each line of ``"\\n".join(lines)``."""
    starts = list(accumulate([len(ln) + 1 for ln in lines], initial=0))
    starts.pop()
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
    *line-scan safe* (:func:`..patterns.line_scan_safe`: MULTILINE ``^``/``$``, no ``\\A``/
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


#: Line rules no longer than this get their literals from the view of the lines of at most
#: this length (a tenth of the text), not from the whole text.
SHORT_LINE = 150


class LiteralIndex:
    """Every rule's ``literals`` in multi-literal scanners (built once per rule set): a
    Hyperscan database when the ``hyperscan`` extra is installed, else an Aho-Corasick
    automaton (:mod:`._scan`; ``engine`` forces one; both find the same occurrences).

    ``lines(text, starts, views)`` finds, in one pass per scanner, all (overlapping)
    occurrences of every literal and returns, per rule (keyed by ``id(rule)``), the lines
    holding one. Line rules of at most :data:`SHORT_LINE` characters are searched in the
    view of the lines that short (a literal in a longer line cannot make them claim it);
    all other rules in the whole text. Rules in ``by_literals`` take their line candidates
    from here; a rule with ``needs`` can occur only if it has an entry.
    """

    def __init__(self, rules: Sequence[Any], engine: str | None = None) -> None:
        self.by_literals: set[int] = set()
        self.gated: set[int] = set()
        #: rules searched only around the occurrences of their ``scan_literals``
        self.scanned: set[int] = set()
        groups: dict[bool, tuple[dict[str, int], list[list[int]]]] = {
            True: ({}, []),
            False: ({}, []),
        }
        for rule in rules:
            lits = rule.literals
            if not lits:
                continue
            line_rule = rule.zone in _LINE_ZONES and rule.action == "remove"
            if line_rule and (rule.needs or min(len(x) for x in lits) >= 2 or rule.first is None):
                # one-character literals (中, ：) of a rule with a first-character test:
                # the first-character test is cheaper
                self.by_literals.add(id(rule))
            elif not rule.needs and (
                line_rule or rule.first is not None or min(len(x) for x in lits) < 2
            ):
                # a one-character literal (2, X) would gate nothing; an anchored rule is
                # gated more cheaply by its first character
                continue
            # a flag or inline rule (or a line rule with needs) runs only if a literal occurs
            self.gated.add(id(rule))
            index, owners = groups[line_rule and rule.max_len <= SHORT_LINE]
            for lit in lits:
                k = index.setdefault(lit, len(index))
                if k == len(owners):
                    owners.append([])
                owners[k].append(id(rule))
        for rule in rules:
            if not rule.scan_literals:
                continue
            # where the occurrences are (a negative owner): the rule is searched around them
            self.scanned.add(id(rule))
            index, owners = groups[False]
            for lit in rule.scan_literals:
                k = index.setdefault(lit, len(index))
                if k == len(owners):
                    owners.append([])
                owners[k].append(-id(rule))
        # per literal: the rules wanting its lines, the rules wanting its offsets; the
        # scanner (``engine``: see ._scan.make_scanner) finds every literal's occurrences
        self._automata: list[
            tuple[bool, Scanner, list[tuple[tuple[int, ...], tuple[int, ...]]], frozenset[int]]
        ] = []
        for short, (index, owners) in groups.items():
            if not index:
                continue
            split = [
                (tuple(r for r in rids if r >= 0), tuple(-r for r in rids if r < 0))
                for rids in owners
            ]
            char_ks = frozenset(k for k, (_, by_offset) in enumerate(split) if by_offset)
            self._automata.append((short, make_scanner(list(index), engine), split, char_ks))

    @property
    def engine(self) -> str:
        """The scanner in use: ``"hyperscan"``, ``"automaton"`` (or ``"none"``: no literal)."""
        return self._automata[0][1].name if self._automata else "none"

    def lines(
        self, text: str, starts: Sequence[int], views: LineViews
    ) -> tuple[dict[int, set[int]], dict[int, list[int]]]:
        """``id(rule)`` → indexes of the lines that hold one of the rule's literals, and,
        for the :attr:`scanned` rules, ``id(rule)`` → the offsets in ``text`` where one of
        its ``scan_literals`` starts (ascending, distinct)."""
        found: dict[int, set[int]] = {}
        at_offsets: dict[int, list[int]] = {}
        for short, automaton, owners, char_ks in self._automata:
            at: Sequence[int]
            if short:
                haystack, at = views.view(0, SHORT_LINE)
            else:
                haystack, at = text, starts
            # the occurrences by literal first: each literal's owners are visited once
            by_lit, char_offs = automaton.find_lines(haystack, at, char_ks)
            for k, lines in by_lit.items():
                line_owners, offset_owners = owners[k]
                for rid in line_owners:
                    hit = found.get(rid)
                    if hit is None:
                        found[rid] = set(lines)
                    else:
                        hit |= lines
                if offset_owners:
                    offs = char_offs[k]
                    for rid in offset_owners:
                        got = at_offsets.get(rid)
                        if got is None:
                            at_offsets[rid] = list(offs)
                        else:
                            got += offs
        for rid, got in at_offsets.items():
            at_offsets[rid] = sorted(set(got))
        return found, at_offsets


def literal_finditer(pattern: Any, text: str, offsets: Sequence[int], reach: int) -> list[Any]:
    """Exactly the matches of ``pattern.finditer(text)``, found by searching only around
    ``offsets``, given (what :func:`..patterns.required_literals` and
    :func:`..patterns.scan_reach` establish for the rule) that every match holds a literal
    starting at one of ``offsets`` (ascending) and that the engine looks at most ``reach``
    characters to the right of a match's start.

    Why it is exact: ``finditer`` yields, from ``pos`` (0, then each match's end), the
    leftmost match starting at or after ``pos``. Such a match holds an occurrence ``p >=
    pos``, so it starts in ``[p - reach, p]`` for the first such ``p`` that has one; a
    search from ``max(pos, p - reach)`` with the text cut at ``p + reach`` sees, for every
    start up to ``p``, everything the engine would look at in the whole text (a lookbehind
    sees the text before the search's start), so a match it finds starting at or before
    ``p`` is the one ``finditer`` finds; one starting after ``p`` was judged on a cut text
    and is ignored (the next occurrence's search finds it again, uncut). Matches are never
    empty (each holds a literal), so ``pos`` always advances.
    """
    out: list[Any] = []
    n = len(text)
    pos = 0
    search = pattern.search
    for p in offsets:
        if p < pos:
            continue
        m = search(text, max(pos, p - reach), min(n, p + reach))
        if m is None or m.start() > p:
            pos = p + 1
            continue
        out.append(m)
        pos = m.end()
    return out


_LINE_ZONES = frozenset({"line", "head", "tail", "edge", "last"})
#: How many lines' :meth:`DocLines.without_inline` results one memo keeps.
MEMO_KEYS = 16384


class DocLines:
    """Per-document state of the prefilter: which lines each rule needs to look at."""

    __slots__ = (
        "_cache",
        "_firsts",
        "_scan_lines",
        "by_rule",
        "index",
        "lens",
        "offsets",
        "starts",
        "stripped",
        "views",
    )

    def __init__(self, text: str, starts: Sequence[int], stripped: list[str], index: LiteralIndex):
        self.stripped = stripped
        self.starts = starts
        self._scan_lines: dict[int, set[int]] = {}
        self.index = index
        self.views = LineViews(stripped)
        self.lens = self.views.lens
        self.by_rule, self.offsets = index.lines(text, starts, self.views)
        self._firsts: str | None = None
        self._cache: dict[int, list[int]] = {}

    def finditer(self, rule: Any, text: str) -> list[Any]:
        """The matches of ``rule.pattern.finditer(text)`` (``text``: the document's text
        this context was built on), searched only around the rule's literals when it has
        ``scan_literals``, else with ``rule.whole`` when it has one (the same matches)."""
        if id(rule) in self.index.scanned:
            return literal_finditer(rule.pattern, text, self.offsets.get(id(rule), ()), rule.reach)
        return list((rule.whole or rule.pattern).finditer(text))

    def search(self, rule: Any, text: str) -> bool:
        """Does ``rule.pattern.search(text)`` find anything (``text`` as in :meth:`finditer`)?"""
        if id(rule) in self.index.scanned:
            offsets = self.offsets.get(id(rule), ())
            return bool(offsets) and bool(literal_finditer(rule.pattern, text, offsets, rule.reach))
        return (rule.whole or rule.pattern).search(text) is not None

    def without_inline(
        self, i: int, rules: Sequence[Any], memo: dict[str, str] | None = None
    ) -> str:
        """Line ``i`` (stripped) with the spans of the inline ``rules`` removed, one rule
        after another (``rule.pattern.sub("", line).strip()``). A rule searched around its
        literals is skipped on a line that holds none of them while no earlier rule has
        changed the line: it cannot match there (the skip never changes the result, so the
        result is a function of the line and ``rules`` alone). ``memo``: results by line
        for these ``rules`` (kept across documents, at most :data:`MEMO_KEYS` lines)."""
        line = self.stripped[i]
        if memo is not None:
            got = memo.get(line)
            if got is not None:
                return got
        key = line
        changed = False
        scanned = self.index.scanned
        for rule in rules:
            if not changed and id(rule) in scanned:
                lines = self._scan_lines.get(id(rule))
                if lines is None:
                    starts = self.starts
                    lines = {
                        bisect_right(starts, off) - 1 for off in self.offsets.get(id(rule), ())
                    }
                    self._scan_lines[id(rule)] = lines
                if i not in lines:
                    continue
            cut = rule.pattern.sub("", line).strip()
            changed = changed or cut != line
            line = cut
        if memo is not None:
            if len(memo) >= MEMO_KEYS:
                memo.clear()
            memo[key] = line
        return line

    def possible(self, rule: Any) -> bool:
        """False when the rule cannot match: its literals (``needs``, or those every match
        holds) are all absent from the text (from its lines in its length window, for a
        line rule)."""
        rid = id(rule)
        return rid not in self.index.gated or rid in self.by_rule

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

    def by_line(self, plan: ZonePlan) -> list[dict[int, list[int]]]:
        """For each rule group of ``plan``: line index → positions (ascending) in the
        group of the rules that may claim that line. ``repeat`` rules are left out (their
        test is the repetition, see ``_zone``); so are rules whose literals are absent.
        Lines no rule may claim have no entry."""
        outs: list[dict[int, list[int]]] = [{} for _ in plan.groups]
        lens = self.lens
        targets = plan.lit_targets
        for rid, lines in self.by_rule.items():
            target = targets.get(rid)
            if target is None:
                continue
            lo, hi, where = target
            for i in lines:
                if lo <= lens[i] <= hi:
                    for g, k in where:
                        out = outs[g]
                        hit = out.get(i)
                        if hit is None:
                            out[i] = [k]
                        else:
                            hit.append(k)
        if plan.first_rules:
            memo = plan.first_memo
            for i, s in enumerate(self.stripped):
                c = s[:1] or "\n"
                passing = memo.get(c)
                if passing is None:
                    passing = tuple(
                        (r.min_len, r.max_len, where)
                        for r, where in plan.first_rules
                        if r.first.match(c)
                    )
                    memo[c] = passing
                for lo, hi, where in passing:
                    if lo <= lens[i] <= hi:
                        for g, k in where:
                            out = outs[g]
                            hit = out.get(i)
                            if hit is None:
                                out[i] = [k]
                            else:
                                hit.append(k)
        for rule, where in plan.other:
            if rule.needs and not self.possible(rule):
                continue
            for i in self.candidates(rule):
                for g, k in where:
                    out = outs[g]
                    hit = out.get(i)
                    if hit is None:
                        out[i] = [k]
                    else:
                        hit.append(k)
        for out in outs:
            for ks in out.values():
                if len(ks) > 1:
                    ks.sort()
        return outs

    def raw_first_possible(self, rule: Any, lines: Sequence[str]) -> bool:
        """False when ``rule`` (``^``-anchored, with ``first``) cannot match anywhere in the
        raw text of ``lines``: no raw line starts with a character its pattern starts with."""
        if rule.first is None:
            return True
        return rule.first.search("".join([ln[:1] or "\n" for ln in lines])) is not None


class ZonePlan:
    """How the rules of some zone groups find their candidate lines (built once per rule
    set). ``groups`` are rule tuples (e.g. the ``line`` rules, the ``head``/``edge`` rules,
    the ``tail``/``edge`` rules); a rule in several groups is looked up once."""

    __slots__ = ("first_memo", "first_rules", "groups", "lit_targets", "other")

    def __init__(self, groups: Sequence[Sequence[Any]], index: LiteralIndex) -> None:
        self.groups = tuple(tuple(g) for g in groups)
        where: dict[int, list[tuple[int, int]]] = {}
        rules: dict[int, Any] = {}
        for g, group in enumerate(self.groups):
            for k, rule in enumerate(group):
                if rule.repeat:
                    continue
                where.setdefault(id(rule), []).append((g, k))
                rules[id(rule)] = rule
        #: rules whose literals give their lines: id → (min_len, max_len, [(group, pos)])
        self.lit_targets: dict[int, tuple[int, int, tuple[tuple[int, int], ...]]] = {}
        #: ``^``-anchored rules tested on each line's first character
        self.first_rules: list[tuple[Any, tuple[tuple[int, int], ...]]] = []
        #: the rest (scanned, or tried on every line); ``repeat`` rules are not here
        self.other: list[tuple[Any, tuple[tuple[int, int], ...]]] = []
        #: first character → (min_len, max_len, targets) of the first_rules it lets through
        self.first_memo: dict[str, tuple[tuple[int, int, tuple[tuple[int, int], ...]], ...]] = {}
        for rid, rule in rules.items():
            at = tuple(where[rid])
            if rid in index.by_literals:
                self.lit_targets[rid] = (rule.min_len, rule.max_len, at)
            elif rule.first is not None:
                self.first_rules.append((rule, at))
            else:
                self.other.append((rule, at))
