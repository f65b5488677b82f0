"""Line bookkeeping shared by the boilerplate steps."""

from __future__ import annotations

import re
from array import array
from bisect import bisect_right
from collections.abc import Iterable, Sequence
from functools import lru_cache
from itertools import accumulate
from typing import Any

from ._scan import Scanner, make_scanner
from .patterns import line_local, required_chars, required_literals


@lru_cache(maxsize=1)
def split_stripped(text: str) -> tuple[tuple[str, ...], tuple[str, ...]]:
    """``text.split("\n")`` and each of those lines stripped, for the last text asked
    (the corpus layers' ``prepare`` run one after the other on one document: the second
    takes the first's split)."""
    raw = tuple(text.split("\n"))
    return raw, tuple([ln.strip() for ln in raw])


def pack_hashes(values: Iterable[int]) -> bytes:
    """Distinct 64-bit hashes, sorted, as packed bytes (a corpus step's per-document
    feature: compact to spill and to ship to a fit task)."""
    return array("Q", sorted(set(values))).tobytes()


def unpack_hashes(data: bytes) -> array[int]:
    """The hashes :func:`pack_hashes` packed, in its order."""
    out = array("Q")
    out.frombytes(data)
    return out


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


#: :attr:`LiteralIndex.line_literals` holds a rule's literals only if it has this many or
#: fewer (one ``in`` test per literal per line).
LINE_LITERALS = 8

#: Line rules no longer than this find their one-character literals in the view of the
#: lines of at most this length, not in the whole text (see :class:`LiteralIndex`).
SHORT_LINE = 150


class LiteralIndex:
    """Every rule's literals in ONE multi-literal scanner (built once per rule set): a
    Hyperscan database when the ``hyperscan`` extra is installed, else an Aho-Corasick
    automaton (:mod:`._scan`; ``engine`` forces one; both find the same occurrences).

    Compiled once, as tables indexed by literal id ``k`` (a literal shared by several rules
    has one id): :attr:`line_owners` ``[k]``, the rules a line holding literal ``k`` may
    concern (their ``literals``: ``needs``, or what every match holds), and
    :attr:`offset_owners` ``[k]``, the rules searched around its occurrences (their
    ``scan_literals``). :meth:`scan` runs the scanner once over the whole text and returns
    the lines of each literal id that occurs, and the offsets the searched-around rules
    need; :class:`ZonePlan` turns literal ids into candidate rules by indexing.

    Why one scan over the text is exact for every rule: a line rule claims one stripped
    line, a substring of its line of the text, so a literal in the stripped line is found in
    that line of the text; the scan may also report a literal that overlaps the stripped
    whitespace, or a line outside the rule's length window: candidates are a superset (each
    is still checked with :meth:`Rule.matches_line`, lines outside the window are dropped
    by length), and a rule judged possible is only a rule that is tried.

    One exception, for speed: a one-character literal that only line rules of at most
    :data:`SHORT_LINE` characters hold (中, 第, 完) is not given to the scanner, which would
    report it all over the body's long lines (~45 of ~110 hits per generated report), but
    found by one character-class ``finditer`` over the view of the lines that short: such
    a rule claims only a line that short, so nothing it could claim is missed.
    """

    def __init__(self, rules: Sequence[Any], engine: str | None = None) -> None:
        #: line rules whose candidate lines are the lines holding one of their literals
        self.by_literals: set[int] = set()
        #: rules that can match only where one of their literals occurs
        self.gated: set[int] = set()
        #: rules searched only around the occurrences of their ``scan_literals``
        self.scanned: set[int] = set()
        # by literal: rid → None (ordered sets) of the gated rules holding it, of the
        # scanned rules holding it
        owners: dict[str, dict[int, None]] = {}
        by_offset: dict[str, dict[int, None]] = {}
        short_rules: set[int] = set()
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
            if line_rule and rule.max_len <= SHORT_LINE:
                short_rules.add(id(rule))
            for lit in lits:
                owners.setdefault(lit, {})[id(rule)] = None
                by_offset.setdefault(lit, {})
        for rule in rules:
            if not rule.scan_literals:
                continue
            # where the occurrences are: the rule is searched around them
            self.scanned.add(id(rule))
            for lit in rule.scan_literals:
                owners.setdefault(lit, {})
                by_offset.setdefault(lit, {})[id(rule)] = None
        # one character wanted only in short lines (中, 第, 完 of short line rules): found by
        # one character-class search of the short lines' view, not by the scanner, which
        # would report every one of them in the body's long lines (~45 of ~110 hits a report)
        chars = [
            lit
            for lit, rids in owners.items()
            if len(lit) == 1 and not by_offset[lit] and rids and rids.keys() <= short_rules
        ]
        in_class = set(chars)
        # the other literals wanted only in short lines: the automaton finds them in the
        # short lines' view (its cost grows with the hits it groups in Python); Hyperscan,
        # whose scans cost more to start than its hits, finds them with the rest
        short_multi = [
            lit
            for lit, rids in owners.items()
            if lit not in in_class and not by_offset[lit] and rids and rids.keys() <= short_rules
        ]
        in_short = set(short_multi)
        order = [lit for lit in owners if lit not in in_class and lit not in in_short]
        n_main = len(order)
        order += short_multi + chars
        k_of = {lit: k for k, lit in enumerate(order)}
        #: literal id → the gated rules holding it; literal id → the scanned rules holding it
        self.line_owners: tuple[tuple[int, ...], ...] = tuple(tuple(owners[x]) for x in order)
        self.offset_owners: tuple[tuple[int, ...], ...] = tuple(tuple(by_offset[x]) for x in order)
        #: id(rule) → the literal ids of its ``literals`` (the gated rules)
        self.rule_ks: dict[int, tuple[int, ...]] = {
            id(r): tuple(dict.fromkeys(k_of[x] for x in r.literals))
            for r in rules
            if id(r) in self.gated
        }
        self._char_ks = frozenset(k for k, x in enumerate(order) if by_offset[x])
        n_scanned = n_main + len(short_multi)
        self._scanner: Scanner | None = (
            make_scanner(order[:n_scanned], engine) if n_scanned else None
        )
        #: the automaton's second pass: the short-line literals over the short lines' view
        #: (their literal ids start at ``_short_from``)
        self._short_scanner: Scanner | None = None
        self._short_from = n_main
        if short_multi and self._scanner is not None and self._scanner.name == "automaton":
            self._scanner = make_scanner(order[:n_main], "automaton") if n_main else None
            self._short_scanner = make_scanner(short_multi, "automaton")
        #: the short-line characters' class and their literal ids
        self._short_class = (
            re.compile("[" + "".join(re.escape(c) for c in chars) + "]") if chars else None
        )
        self._short_k = {c: k_of[c] for c in chars}
        #: ``inline`` / ``text`` rules whose every match lies in one line and holds one of
        #: some characters the scanner finds (:func:`..patterns.line_local`,
        #: :func:`..patterns.required_chars`): id(rule) → those characters' literal ids;
        #: such a rule is searched only in the lines holding one
        self.line_local: dict[int, tuple[int, ...]] = {}
        for rule in rules:
            if (
                rule.zone not in ("inline", "text")
                or rule.requires is not None
                or rule.scan_literals
                or rule.whole is not None
                or not line_local(rule.pattern)
            ):
                continue
            req = required_chars(rule.pattern)
            if req and all(c in k_of and c not in in_class for c in req):
                self.line_local[id(rule)] = tuple(sorted(k_of[c] for c in req))
        #: ``inline`` rules neither scanned nor line-local: id(rule) → literals (at most
        #: :data:`LINE_LITERALS`) one of which every match holds, derived from the pattern
        #: (:func:`..patterns.required_literals`, never ``needs``): a line holding none is
        #: left alone by :meth:`DocLines.without_inline` without a ``sub``
        self.line_literals: dict[int, tuple[str, ...]] = {}
        for rule in rules:
            if rule.zone != "inline" or id(rule) in self.scanned or id(rule) in self.line_local:
                continue
            derived = required_literals(rule.pattern)
            if derived and len(derived) <= LINE_LITERALS:
                self.line_literals[id(rule)] = derived
        #: ``inline`` / ``text`` rules that nothing above gates but whose every match
        #: consumes one of some characters (``Rule.gate_chars``): id(rule) → those
        #: characters; such a rule is searched only in a text holding one, around their
        #: occurrences when its reach is bounded (:meth:`DocLines.finditer`)
        self.char_gated: dict[int, str] = {
            id(rule): rule.gate_chars
            for rule in rules
            if rule.gate_chars
            and rule.zone in ("inline", "text")
            and rule.requires is None
            and id(rule) not in self.gated
            and id(rule) not in self.scanned
            and id(rule) not in self.line_local
        }

    def __len__(self) -> int:
        """How many distinct literals the index looks for (scanner and character class)."""
        return len(self.line_owners)

    @property
    def engine(self) -> str:
        """The scanner in use: ``"hyperscan"``, ``"automaton"`` (or ``"none"``: no literal)."""
        return self._scanner.name if self._scanner is not None else "none"

    def scan(
        self, text: str, starts: Sequence[int], views: LineViews
    ) -> tuple[dict[int, set[int]], dict[int, list[int]]]:
        """One scan of ``text`` (``starts``: its lines' offsets; ``views``: its stripped
        lines): literal id → indexes of the lines holding an occurrence (only the literals
        that occur; the short-line characters only in lines of at most
        :data:`SHORT_LINE` characters), and, for the :attr:`scanned` rules with an
        occurrence, ``id(rule)`` → the offsets in ``text`` where one of its
        ``scan_literals`` starts (ascending, distinct)."""
        hits: dict[int, set[int]]
        char_offs: dict[int, list[int]]
        if self._scanner is None:
            hits, char_offs = {}, {}
        else:
            hits, char_offs = self._scanner.find_lines(text, starts, self._char_ks)
        if self._short_scanner is not None:
            short, at = views.view(0, SHORT_LINE)
            found, _ = self._short_scanner.find_lines(short, at, frozenset())
            base = self._short_from
            for k, in_lines in found.items():
                hits[k + base] = in_lines
        if self._short_class is not None:
            short, at = views.view(0, SHORT_LINE)
            short_k = self._short_k
            for m in self._short_class.finditer(short):
                k = short_k[m.group()]
                i = bisect_right(at, m.start()) - 1
                lines = hits.get(k)
                if lines is None:
                    hits[k] = {i}
                else:
                    lines.add(i)
        at_offsets: dict[int, list[int]] = {}
        offset_owners = self.offset_owners
        for k, offs in char_offs.items():
            for rid in offset_owners[k]:
                got = at_offsets.get(rid)
                if got is None:
                    at_offsets[rid] = list(offs)
                else:
                    got += offs
        for rid, offs in at_offsets.items():
            at_offsets[rid] = sorted(set(offs))
        return hits, at_offsets

    def lines(
        self, text: str, starts: Sequence[int], views: LineViews
    ) -> tuple[dict[int, set[int]], dict[int, list[int]]]:
        """:meth:`scan` by rule: ``id(rule)`` → indexes of the lines that hold one of the
        rule's literals (the :attr:`gated` rules that occur), and the offsets as in
        :meth:`scan`."""
        hits, at_offsets = self.scan(text, starts, views)
        found: dict[int, set[int]] = {}
        for k, lines in hits.items():
            for rid in self.line_owners[k]:
                found.setdefault(rid, set()).update(lines)
        return found, at_offsets


#: :func:`char_offsets` gives up past this many occurrences plus one per this many
#: characters of the text: a search around each costs ~1 µs of Python, a whole-text
#: search ~7 ns per character
CHAR_OFFSETS_BASE = 32
CHAR_OFFSETS_PER = 128


def char_offsets(text: str, chars: str) -> list[int] | None:
    """Where the characters ``chars`` occur in ``text`` (ascending; empty: none does), or
    None when they occur more than ``CHAR_OFFSETS_BASE + len(text) // CHAR_OFFSETS_PER``
    times (then a whole-text search is cheaper than one per occurrence). One ``str.find``
    per occurrence and one per absent character: no per-character Python loop."""
    cap = CHAR_OFFSETS_BASE + len(text) // CHAR_OFFSETS_PER
    found: list[int] = []
    find = text.find
    for c in chars:
        i = find(c)
        while i >= 0:
            found.append(i)
            if len(found) > cap:
                return None
            i = find(c, i + 1)
    if len(chars) > 1:
        found.sort()
    return found


def literal_finditer(
    pattern: Any, text: str, offsets: Sequence[int], reach: int, first: bool = False
) -> list[Any]:
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
    empty (each holds a literal), so ``pos`` always advances. ``first``: stop at the first
    match (a ``search``).
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
        if first:
            return out
        pos = m.end()
    return out


_LINE_ZONES = frozenset({"line", "head", "tail", "edge", "last"})
#: How many lines' :meth:`DocLines.without_inline` results one memo keeps.
MEMO_KEYS = 16384
#: How many lines' :meth:`DocLines.verdict` one rule set keeps (two generations of half).
VERDICT_LINES = 32768
#: a group's verdict not worked out yet (:meth:`DocLines.verdict`)
UNKNOWN = -2


class DocLines:
    """Per-document state of the prefilter: which lines each rule needs to look at."""

    __slots__ = (
        "_cache",
        "_entries",
        "_firsts",
        "_present",
        "_raw_firsts",
        "_scan_lines",
        "hits",
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
        #: literal id → the lines holding it; scanned rule → its literals' offsets
        self.hits, self.offsets = index.scan(text, starts, self.views)
        self._present: set[int] | None = None
        self._firsts: str | None = None
        #: the raw lines :meth:`raw_first_possible` was asked about and their first characters
        self._raw_firsts: tuple[Sequence[str], str] | None = None
        self._cache: dict[int, list[int]] = {}
        #: line → its entry of :attr:`ZonePlan.verdicts` (:meth:`verdict`)
        self._entries: dict[int, list[int]] = {}

    def finditer(self, rule: Any, text: str) -> list[Any]:
        """The matches of ``rule.pattern.finditer(text)`` (``text``: the document's text
        this context was built on), searched only around the rule's literals when it has
        ``scan_literals``, else with ``rule.whole`` when it has one (the same matches)."""
        if id(rule) in self.index.scanned:
            return literal_finditer(rule.pattern, text, self.offsets.get(id(rule), ()), rule.reach)
        ks = self.index.line_local.get(id(rule))
        if ks is not None:
            return self._in_lines(rule.pattern, text, ks, all_matches=True)
        chars = self.index.char_gated.get(id(rule))
        if chars is not None:
            offsets = char_offsets(text, chars)
            if offsets is not None and (rule.reach or not offsets):
                return literal_finditer(rule.pattern, text, offsets, rule.reach)
        return list((rule.whole or rule.pattern).finditer(text))

    def search(self, rule: Any, text: str) -> bool:
        """Does ``rule.pattern.search(text)`` find anything (``text`` as in :meth:`finditer`)?"""
        if id(rule) in self.index.scanned:
            offsets = self.offsets.get(id(rule), ())
            return bool(offsets) and bool(literal_finditer(rule.pattern, text, offsets, rule.reach))
        ks = self.index.line_local.get(id(rule))
        if ks is not None:
            return bool(self._in_lines(rule.pattern, text, ks, all_matches=False))
        chars = self.index.char_gated.get(id(rule))
        if chars is not None:
            at = char_offsets(text, chars)
            if at is not None and (rule.reach or not at):
                return bool(at) and bool(
                    literal_finditer(rule.pattern, text, at, rule.reach, first=True)
                )
        return (rule.whole or rule.pattern).search(text) is not None

    def _in_lines(self, pattern: Any, text: str, ks: Sequence[int], all_matches: bool) -> list[Any]:
        """``pattern.finditer(text)`` (or its first match) for a :attr:`LiteralIndex.line_local`
        rule: searched line by line (``finditer(text, start, end)``), only in the lines
        holding one of the literal ids ``ks``, in order: a match lies in one line, holds one
        of those characters, and is judged on its line alone, so these are the same matches."""
        hits = self.hits
        lines = sorted({i for k in ks for i in hits.get(k, ())})
        starts, n, last = self.starts, len(text), len(self.starts) - 1
        out: list[Any] = []
        for i in lines:
            end = starts[i + 1] - 1 if i < last else n
            if all_matches:
                out += pattern.finditer(text, starts[i], end)
            else:
                m = pattern.search(text, starts[i], end)
                if m is not None:
                    return [m]
        return out

    def without_inline(
        self, i: int, rules: Sequence[Any], memo: dict[str, str] | None = None
    ) -> str:
        """Line ``i`` (stripped) with the spans of the inline ``rules`` removed, one rule
        after another (``rule.pattern.sub("", line).strip()``). A rule searched around its
        literals (or a line-local rule: around the characters every match holds) is skipped
        on a line of the text that holds none of them while no earlier rule has changed the
        line; any other rule with :attr:`LiteralIndex.line_literals` is skipped on a line
        (as it is now) holding none of those. It cannot match there (the skip never changes
        the result, so the result is a function of the line and ``rules`` alone). ``memo``:
        results by line for these ``rules`` (kept across documents, at most
        :data:`MEMO_KEYS` lines)."""
        line = self.stripped[i]
        if memo is not None:
            got = memo.get(line)
            if got is not None:
                return got
        key = line
        changed = False
        index = self.index
        for rule in rules:
            rid = id(rule)
            if not changed and (rid in index.scanned or rid in index.line_local):
                lines = self._scan_lines.get(rid)
                if lines is None:
                    lines = self._rule_lines(rule)
                    self._scan_lines[rid] = lines
                if i not in lines:
                    continue
            else:
                lits = index.line_literals.get(rid)
                if lits is not None and not any(lit in line for lit in lits):
                    continue
            cut = rule.pattern.sub("", line).strip()
            changed = changed or cut != line
            line = cut
        if memo is not None:
            if len(memo) >= MEMO_KEYS:
                memo.clear()
            memo[key] = line
        return line

    def _rule_lines(self, rule: Any) -> set[int]:
        """The lines of the text holding an occurrence of one of a scanned rule's
        ``scan_literals``, or of a :attr:`LiteralIndex.line_local` rule's characters."""
        if id(rule) in self.index.scanned:
            starts = self.starts
            return {bisect_right(starts, off) - 1 for off in self.offsets.get(id(rule), ())}
        hits = self.hits
        return {i for k in self.index.line_local[id(rule)] for i in hits.get(k, ())}

    def possible(self, rule: Any) -> bool:
        """False when the rule cannot match: its literals (``needs``, or those every match
        holds) are all absent from the text (from its lines in its length window, for a
        line rule: :meth:`candidates` is empty)."""
        rid = id(rule)
        if rid not in self.index.gated:
            return True
        if rid in self.index.by_literals:
            # a line rule: a literal in a line of its length window (the scan reports
            # literals in every line; a repeat rule judged possible costs every head line
            # its inline-free key)
            return bool(self.candidates(rule))
        present = self._present
        if present is None:
            owners = self.index.line_owners
            present = self._present = {r for k in self.hits for r in owners[k]}
        return rid in present

    def candidates(self, rule: Any) -> list[int]:
        """The lines ``rule`` may claim (a superset, ascending), cheapest evidence first:
        its literals (one literal scan for all rules), the first character of the line
        (``^``-anchored rules), a regex scan of its length view, else every line. Lines
        outside the rule's length bounds are left out."""
        rid = id(rule)
        found = self._cache.get(rid)
        if found is not None:
            return found
        lo, hi, lens = rule.min_len, rule.max_len, self.lens
        if rid in self.index.by_literals:
            hits = self.hits
            lines = {i for k in self.index.rule_ks[rid] for i in hits.get(k, ())}
            found = [i for i in sorted(lines) if lo <= lens[i] <= hi]
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

    def by_line(self, plan: ZonePlan) -> dict[int, int]:
        """Line index → the rules that may claim that line, as a bit mask over
        :attr:`ZonePlan.flat` (all groups of ``plan`` at once: bit ``ZonePlan.offsets[g] + k``
        for position ``k`` of group ``g``). ``repeat`` rules are left out (their test is the
        repetition, see ``_zone``); so are rules whose literals are absent. Lines no rule
        may claim have no entry. A mask is a superset of the rules that claim the line."""
        out: dict[int, int] = {}
        get = out.get
        lens = self.lens
        table = plan.lit_table
        # literal id → (min_len, max_len, bits) of the rules it is a candidate for:
        # indexing, no per-rule pass; a line found by two literals of one rule gets its bit
        # twice (an or)
        for k, lines in self.hits.items():
            for lo, hi, bits in table[k]:
                for i in lines:
                    if lo <= lens[i] <= hi:
                        out[i] = get(i, 0) | bits
        if plan.first_rules:
            # the first-character test per distinct first character (a memo kept by the
            # plan), then only the lines whose first character lets some rule through
            memo = plan.first_memo
            if self._firsts is None:
                self._firsts = "".join([s[:1] or "\n" for s in self.stripped])
            firsts = self._firsts
            live: set[str] = set()
            for c in set(firsts):
                passing = memo.get(c)
                if passing is None:
                    passing = memo[c] = plan.first_passing(c)
                if passing:
                    live.add(c)
            if live:
                for i, c in enumerate(firsts):
                    if c in live:
                        n = lens[i]
                        for lo, hi, bits in memo[c]:
                            if lo <= n <= hi:
                                out[i] = get(i, 0) | bits
        for rule, bits in plan.other:
            if rule.needs and not self.possible(rule):
                continue
            for i in self.candidates(rule):
                out[i] = get(i, 0) | bits
        return out

    def verdict(self, plan: ZonePlan, masks: dict[int, int], i: int, g: int) -> int:
        """The position in group ``g`` of ``plan`` of the first rule (``repeat`` rules left
        out) whose :meth:`Rule.matches_line` claims line ``i``; -1: none. ``masks``: what
        :meth:`by_line` gave.

        That is a function of the stripped line alone (and the rule set): a mask is a
        superset of the rules that claim the line and they are tried in group order, so the
        first that claims it is the first of the whole group that does, whatever else the
        document holds (and a line with no candidate in a group has none there). So it is
        kept by line in :attr:`ZonePlan.verdicts`, across documents and per group as it is
        asked for (chrome recurs from page to page: a line seen before needs no
        ``matches_line``). At most :data:`VERDICT_LINES` lines in two generations of half
        that each: when the current one is full it becomes the previous one (the one before
        is dropped), and a line found in the previous one is taken into the current one,
        so the lines in use stay and the one-off lines (most of the body) age out. Blank
        lines and lines with no mask are not looked up."""
        entry = self._entries.get(i)
        if entry is None:
            s = self.stripped[i]
            if not s or i not in masks:  # a blank line is never claimed
                return -1
            memo = plan.verdicts
            entry = memo.get(s)
            if entry is None:
                # the previous generation's entry (a line still in use comes along), else
                # a new one; a full generation becomes the previous one
                entry = plan.old_verdicts.get(s) or [UNKNOWN, UNKNOWN, UNKNOWN]
                if len(memo) >= VERDICT_LINES // 2:
                    plan.old_verdicts = memo
                    memo = plan.verdicts = {}
                memo[s] = entry
            self._entries[i] = entry
        v = entry[g]
        if v == UNKNOWN:
            v = -1
            m = masks[i] & plan.group_masks[g]
            flat = plan.flat
            s = self.stripped[i]
            while m:
                low = m & -m
                at = low.bit_length() - 1
                # the rule's own memo would only repeat this one's: the test itself
                if flat[at]._match_line(s):
                    v = at - plan.offsets[g]
                    break
                m ^= low
            entry[g] = v
        return v

    def raw_first_possible(self, rule: Any, lines: Sequence[str]) -> bool:
        """False when ``rule`` (``^``-anchored, with ``first``) cannot match anywhere in the
        raw text of ``lines``: no raw line starts with a character its pattern starts with."""
        if rule.first is None:
            return True
        if self._raw_firsts is None or self._raw_firsts[0] is not lines:
            self._raw_firsts = (lines, "".join([ln[:1] or "\n" for ln in lines]))
        return rule.first.search(self._raw_firsts[1]) is not None


class ZonePlan:
    """How the rules of some zone groups find their candidate lines (built once per rule
    set). ``groups`` are rule tuples (e.g. the ``line`` rules, the ``head``/``edge`` rules,
    the ``tail``/``edge`` rules); a rule in several groups is looked up once. Candidates
    are bit masks over :attr:`flat`, the groups one after another (bit ``offsets[g] + k``:
    position ``k`` of group ``g``)."""

    __slots__ = (
        "first_memo",
        "first_rules",
        "flat",
        "group_masks",
        "groups",
        "lit_table",
        "offsets",
        "old_verdicts",
        "other",
        "verdicts",
    )

    def __init__(self, groups: Sequence[Sequence[Any]], index: LiteralIndex) -> None:
        self.groups = tuple(tuple(g) for g in groups)
        self.flat: tuple[Any, ...] = tuple(r for g in self.groups for r in g)
        self.offsets = tuple(accumulate((len(g) for g in self.groups), initial=0))[:-1]
        self.group_masks = tuple(
            ((1 << len(g)) - 1) << at for g, at in zip(self.groups, self.offsets, strict=True)
        )
        #: :meth:`DocLines.verdict` by stripped line and group (kept across documents):
        #: the current generation and the previous one
        self.verdicts: dict[str, list[int]] = {}
        self.old_verdicts: dict[str, list[int]] = {}
        bits: dict[int, int] = {}
        rules: dict[int, Any] = {}
        for group, at in zip(self.groups, self.offsets, strict=True):
            for k, rule in enumerate(group):
                if rule.repeat:
                    continue
                bits[id(rule)] = bits.get(id(rule), 0) | 1 << (at + k)
                rules[id(rule)] = rule
        #: by literal id of ``index``: ``(min_len, max_len, bits)`` of each rule (of those
        #: whose literals give their lines) that a line holding it may concern
        table: list[list[tuple[int, int, int]]] = [[] for _ in range(len(index))]
        #: ``^``-anchored rules tested on each line's first character
        self.first_rules: list[tuple[Any, int]] = []
        #: the rest (scanned, or tried on every line); ``repeat`` rules are not here
        self.other: list[tuple[Any, int]] = []
        #: first character → (min_len, max_len, bits) of the first_rules it lets through
        self.first_memo: dict[str, tuple[tuple[int, int, int], ...]] = {}
        for rid, rule in rules.items():
            if rid in index.by_literals:
                for k in index.rule_ks[rid]:
                    table[k].append((rule.min_len, rule.max_len, bits[rid]))
            elif rule.first is not None:
                self.first_rules.append((rule, bits[rid]))
            else:
                self.other.append((rule, bits[rid]))
        self.lit_table: tuple[tuple[tuple[int, int, int], ...], ...] = tuple(
            _merged(t) for t in table
        )

    def first_passing(self, c: str) -> tuple[tuple[int, int, int], ...]:
        """``(min_len, max_len, bits)`` of the :attr:`first_rules` whose first-character
        test lets a line starting with ``c`` through."""
        return _merged([(r.min_len, r.max_len, b) for r, b in self.first_rules if r.first.match(c)])


def _merged(entries: Iterable[tuple[int, int, int]]) -> tuple[tuple[int, int, int], ...]:
    """``(min_len, max_len, bits)`` entries with the bits of equal length windows or'ed
    (fewer tests per line)."""
    by_window: dict[tuple[int, int], int] = {}
    for lo, hi, bits in entries:
        by_window[(lo, hi)] = by_window.get((lo, hi), 0) | bits
    return tuple((lo, hi, bits) for (lo, hi), bits in by_window.items())
