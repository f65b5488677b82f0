r"""Rule patterns: compile (``re`` with ``\p{Han}`` translated, else ``regex``) and analyse.

The analysis reads a compiled ``re`` pattern's parse tree (``re._parser``; a pattern compiled
by the ``regex`` fallback gets the conservative answer) to decide, once per rule, at load time:

* :func:`nested_unbounded_repeat` — a repeat that can match without bound inside another
  one (``(a+)+``): refused by the loader, as it can backtrack exponentially;
* :func:`line_scan_safe` — the pattern may be searched over many lines joined by ``\n``
  with the same result as line by line (MULTILINE anchors only, nothing that can take a
  newline);
* :func:`required_literals` — literal strings one of which every match contains (the rule
  is tried only on lines holding one: one Aho-Corasick pass finds them);
* :func:`first_char_pattern` — a class of the characters a match of a ``^``-anchored
  pattern can start with (the rule is tried only on lines starting with one);
* :func:`scan_reach` — how far from a literal a match (and what the engine looks at to
  find it) can reach, so a whole-text scan can be run only around the literals
  (:func:`~lawrpt_corpus.boilerplate._lines.literal_finditer`);
* :func:`engine_neutral` / :func:`whole_text_pattern` — whether the ``regex`` module finds
  exactly what ``re`` finds, so a whole-text search that ``re`` cannot skip through (a
  pattern opening with a lookaround) runs with ``regex``.

Split from :mod:`~lawrpt_corpus.boilerplate.ruleset` (loading and the rule model), which
calls these for every rule it compiles.
"""

from __future__ import annotations

import re
from typing import Any

import regex

from ..text.chars import COMMON_PUNCT, HAN

#: ``\p{Han}`` for ``re``: ``Script=Han``, as the ``regex`` fallback reads it.
_HAN_RANGE = HAN


def _sre_parser() -> Any:
    """The standard library's ``re`` parser module (``re._parser``), or None where this
    Python has none under that name."""
    try:
        from re import _parser  # type: ignore[attr-defined]
    except ImportError:  # pragma: no cover - other Python versions
        return None
    return _parser


def _parsed(pattern: Any) -> Any:
    """The parse tree (``re._parser.SubPattern``) of a compiled ``re`` pattern; None for a
    ``regex``-module pattern or anything else, when the parser is unavailable, or when the
    pattern does not parse again. Every analysis below reads this tree."""
    parser = _sre_parser()
    if parser is None or not isinstance(pattern, re.Pattern):
        return None
    try:
        return parser.parse(pattern.pattern, pattern.flags)
    except Exception:
        return None


def _han_for_re(source: str) -> str:
    """Replace ``\\p{Han}`` by the CJK ranges (a class of its own outside ``[...]``)."""
    out: list[str] = []
    i, in_class = 0, False
    while i < len(source):
        if source.startswith("\\p{Han}", i):
            out.append(_HAN_RANGE if in_class else f"[{_HAN_RANGE}]")
            i += 7
            continue
        c = source[i]
        if c == "\\":
            out.append(source[i : i + 2])
            i += 2
            continue
        if c == "[" and not in_class:
            in_class = True
        elif c == "]" and in_class and out and out[-1] != "[":
            in_class = False
        out.append(c)
        i += 1
    return "".join(out)


def compile_pattern(source: str, *, ignore_case: bool = False) -> Any:
    """Compile with ``re`` (``\\p{Han}`` translated), else with ``regex``."""
    try:
        return re.compile(_han_for_re(source), re.MULTILINE | (re.IGNORECASE if ignore_case else 0))
    except re.error:
        flags = regex.V0 | regex.MULTILINE | (regex.IGNORECASE if ignore_case else 0)
        return regex.compile(source, flags)


def nested_unbounded_repeat(pattern: Any) -> bool:
    """Does ``pattern`` (an ``re`` pattern) hold an unbounded repeat inside another one?

    ``(a+)+``, ``(?:x\\s*)*`` and the like backtrack exponentially; the loader refuses them.
    Patterns compiled by the ``regex`` fallback are not inspected.
    """
    try:
        from re import _constants as sre_constants  # type: ignore[attr-defined]
    except ImportError:  # pragma: no cover - other Python versions
        return False
    parsed = _parsed(pattern)
    if parsed is None:
        return False
    repeats = (sre_constants.MAX_REPEAT, sre_constants.MIN_REPEAT, sre_constants.POSSESSIVE_REPEAT)

    def walk(items: Any, inside_unbounded: bool) -> bool:
        for op, av in items:
            if op in repeats:
                _lo, hi, sub = av
                unbounded = hi == sre_constants.MAXREPEAT
                if unbounded and inside_unbounded:
                    return True
                if walk(sub, inside_unbounded or unbounded):
                    return True
            elif op == sre_constants.SUBPATTERN:
                if walk(av[-1], inside_unbounded):
                    return True
            elif op == sre_constants.BRANCH:
                if any(walk(b, inside_unbounded) for b in av[1]):
                    return True
            elif op in (sre_constants.ASSERT, sre_constants.ASSERT_NOT):
                if walk(av[1], inside_unbounded):
                    return True
        return False

    return walk(parsed.data, False)


_NEWLINE_CATEGORIES = frozenset(
    {
        "CATEGORY_SPACE",
        "CATEGORY_UNI_SPACE",
        "CATEGORY_NOT_DIGIT",
        "CATEGORY_UNI_NOT_DIGIT",
        "CATEGORY_NOT_WORD",
        "CATEGORY_UNI_NOT_WORD",
        "CATEGORY_LOC_NOT_WORD",
        "CATEGORY_LINEBREAK",
        "CATEGORY_UNI_LINEBREAK",
    }
)


def _may_take_newline(items: Any) -> bool:
    """Could this parsed (sub)pattern consume a ``\\n``? Unknown constructs answer yes."""
    for op, av in items:
        name = str(op)
        if name == "LITERAL":
            if av == 10:
                return True
        elif name == "NOT_LITERAL":
            if av != 10:
                return True
        elif name == "IN":
            negate, hit = False, False
            for iop, iav in av:
                iname = str(iop)
                if iname == "NEGATE":
                    negate = True
                elif iname == "LITERAL":
                    hit = hit or iav == 10
                elif iname == "RANGE":
                    hit = hit or iav[0] <= 10 <= iav[1]
                elif iname == "CATEGORY":
                    hit = hit or str(iav) in _NEWLINE_CATEGORIES
                else:
                    return True
            if hit != negate:
                return True
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            if _may_take_newline(av[2]):
                return True
        elif name == "SUBPATTERN":
            if _may_take_newline(av[-1]):
                return True
        elif name == "BRANCH":
            if any(_may_take_newline(b) for b in av[1]):
                return True
        elif name in ("ASSERT", "ASSERT_NOT"):
            if _may_take_newline(av[1]):
                return True
        elif name == "ATOMIC_GROUP":
            if _may_take_newline(av):
                return True
        elif name == "GROUPREF_EXISTS":
            if any(b is not None and _may_take_newline(b) for b in av[1:]):
                return True
        elif name != "AT":
            return True  # ANY, GROUPREF, anything new: assume the worst
    return False


def line_local(pattern: Any) -> bool:
    """Does every match of ``pattern`` lie inside one line, judged on that line alone?

    True for a ``re`` pattern that can consume no ``\\n`` (:func:`_may_take_newline`), has
    no lookaround, and whose anchors are line anchors (``^``/``$`` with MULTILINE, ``\\b``,
    ``\\B``; not ``\\A``/``\\Z``, nor ``^``/``$`` without MULTILINE). Then
    ``finditer`` over the whole text yields exactly the matches of ``finditer(text, s, e)``
    over each line ``text[s:e]`` in turn: an attempt at a position of a line reads only
    that line's characters and fails where it would need the line break, which the line's
    end (``endpos``) stands for (``$`` and ``\\b`` see an end there, as before a break).
    Anything else, and ``regex``-module patterns, answer False.
    """
    parsed = _parsed(pattern)
    if parsed is None:
        return False
    multiline = bool(pattern.flags & re.MULTILINE)

    def walk(items: Any) -> bool:
        for op, av in items:
            name = str(op)
            if name in ("ASSERT", "ASSERT_NOT", "GROUPREF", "GROUPREF_EXISTS"):
                return False
            if name == "AT":
                at = str(av)
                if at in ("AT_BEGINNING_STRING", "AT_END_STRING"):
                    return False
                if at in ("AT_BEGINNING", "AT_END") and not multiline:
                    return False
            elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
                if not walk(av[2]):
                    return False
            elif name == "SUBPATTERN":
                if not walk(av[-1]):
                    return False
            elif name == "ATOMIC_GROUP":
                if not walk(av):
                    return False
            elif name == "BRANCH":
                if not all(walk(b) for b in av[1]):
                    return False
        return True

    return not _may_take_newline(parsed.data) and walk(parsed.data)


def _required_chars(items: Any) -> set[str] | None:
    """Characters of which every match of the parsed sequence ``items`` holds one: those
    of its first element that must consume one (a literal, a class of literals and ranges
    of at most 256 characters, a group or alternation of such, repeated at least once);
    None when unknown (an element that may match empty comes first, a negated class, a
    category, ignore-case)."""
    for op, av in items:
        name = str(op)
        if name == "LITERAL":
            return {chr(av)}
        if name == "IN":
            return _class_chars(av, widest=256, most=None)
        if name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            if av[0] < 1:
                return None
            return _required_chars(av[2])
        if name == "SUBPATTERN":
            if av[1] or av[2]:  # scoped flags (ignore-case…)
                return None
            return _required_chars(av[-1])
        if name == "BRANCH":
            found: set[str] = set()
            for branch in av[1]:
                got = _required_chars(branch)
                if got is None:
                    return None
                found |= got
            return found
        if name == "AT":
            continue  # an anchor consumes nothing: the next element decides
        return None
    return None


def required_chars(pattern: Any) -> frozenset[str]:
    """Characters of which every match of ``pattern`` (a ``re`` pattern, not ignore-case)
    holds one, from its first consuming element (``[─━]{3,}|[|│]…`` gives the two classes'
    characters); empty when unknown."""
    parsed = _parsed(pattern)
    if parsed is None or pattern.flags & re.IGNORECASE:
        return frozenset()
    try:
        got = _required_chars(parsed.data)
    except Exception:
        return frozenset()
    return frozenset(got or ())


#: Characters as frequent in report text as its words: Han, digits, whitespace and the
#: common Chinese punctuation (:data:`..text.chars.COMMON_PUNCT`). :func:`gate_chars`
#: prefers a set without them.
_COMMON_CHAR = re.compile(f"[{HAN}0-9０-９\\s{COMMON_PUNCT}]")
#: :func:`gate_chars` gives up on a set larger than this (a test per character).
GATE_MAX_CHARS = 16


def _gate_rank(chars: frozenset[str]) -> tuple[int, int]:
    """How costly a gate on ``chars`` is: (how many common characters it holds, its size)."""
    return (sum(1 for c in chars if _COMMON_CHAR.match(c)), len(chars))


def _char_sets(items: Any) -> list[frozenset[str]]:
    """Sets of characters, every match of the parsed sequence ``items`` consuming one of
    each: one per element that must consume a character from a small explicit set (a
    literal, a class of literals and ranges, a group or a repeat of at least one of such),
    and per alternation the union of each branch's best set (:func:`_gate_rank`). What
    lookarounds read is not consumed and gives none."""
    out: list[frozenset[str]] = []
    for op, av in items:
        name = str(op)
        if name == "LITERAL":
            out.append(frozenset(chr(av)))
        elif name == "IN":
            chars = _class_chars(av, widest=GATE_MAX_CHARS, most=None)
            if chars:
                out.append(frozenset(chars))
        elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
            if av[0] >= 1:
                out += _char_sets(av[2])
        elif name == "SUBPATTERN":
            if not (av[1] or av[2]):  # no scoped flags (ignore-case…)
                out += _char_sets(av[-1])
        elif name == "ATOMIC_GROUP":
            out += _char_sets(av)
        elif name == "BRANCH":
            union: set[str] = set()
            for branch in av[1]:
                sets = _char_sets(branch)
                if not sets:
                    union.clear()
                    break
                best: frozenset[str] = min(sets, key=_gate_rank)
                union |= best
            if union:
                out.append(frozenset(union))
    return out


def gate_chars(pattern: Any) -> frozenset[str]:
    """Characters of which every match of ``pattern`` (a ``re`` pattern, not ignore-case)
    consumes one, chosen among the sets the pattern guarantees (:func:`_char_sets`) for
    being cheap to test: no common character if possible (Han, digits, whitespace, Chinese
    punctuation, which nearly every report holds), then the fewest. Empty when none is
    known or the best has more than :data:`GATE_MAX_CHARS`.

    ``flag.placeholder-year`` (``[2xXＸ×](?<!…)(?:(?<=2)0(?:[xXＸ×*＊]{2}|[0-9][xXＸ×])\\s{0,4}年
    |(?<=[xXＸ×])(?:…))``) gives ``x X Ｘ × * ＊``, not its first class (``2`` is in most
    reports) nor ``年 日``. The choice only decides speed: every candidate set is
    necessary (a text without any of its characters has no match)."""
    parsed = _parsed(pattern)
    if parsed is None or pattern.flags & re.IGNORECASE:
        return frozenset()
    try:
        sets = _char_sets(parsed.data)
    except Exception:
        return frozenset()
    if not sets:
        return frozenset()
    best = min(sets, key=_gate_rank)
    return best if len(best) <= GATE_MAX_CHARS else frozenset()


def line_scan_safe(pattern: Any) -> bool:
    """May ``pattern`` be searched over lines joined by ``\\n`` to find the lines it matches?

    True when every match the pattern finds in a line on its own is also found at the same
    place when the line sits between others: a ``re`` pattern compiled with MULTILINE
    (``^``/``$`` are line ends either way), without ``\\A``/``\\Z``, atomic groups or
    possessive repeats (which could commit to a longer match across the break and then
    fail), and whose negative lookarounds cannot consume a line break (``(?!\\S{2}x)`` is
    fine, ``(?![^x]{2})`` is not). Anything else is answered False: the step then tries the
    rule on every line, as before. ``regex``-module patterns are not inspected (False).
    """
    parsed = _parsed(pattern)
    if parsed is None or not pattern.flags & re.MULTILINE:
        return False

    def walk(items: Any) -> bool:
        for op, av in items:
            name = str(op)
            if name == "AT":
                if str(av) in ("AT_BEGINNING_STRING", "AT_END_STRING"):
                    return False
            elif name in ("ATOMIC_GROUP", "POSSESSIVE_REPEAT"):
                return False
            elif name == "ASSERT_NOT":
                if _may_take_newline(av[1]) or not walk(av[1]):
                    return False
            elif name == "ASSERT":
                if not walk(av[1]):
                    return False
            elif name in ("MAX_REPEAT", "MIN_REPEAT"):
                if not walk(av[2]):
                    return False
            elif name == "SUBPATTERN":
                if not walk(av[-1]):
                    return False
            elif name == "BRANCH":
                if not all(walk(b) for b in av[1]):
                    return False
            elif name == "GROUPREF_EXISTS":
                if not all(b is None or walk(b) for b in av[1:]):
                    return False
        return True

    try:
        return walk(parsed.data)
    except Exception:
        return False


_LITERAL_CAP = 640


def _iscased(code: int) -> bool:
    """Does ``re`` IGNORECASE let this character match another one?"""
    import _sre

    return bool(_sre.unicode_iscased(code))


def _class_chars(items: Any, widest: int = 16, most: int | None = 16) -> set[str] | None:
    """The characters a parsed positive class (``[…]``) matches: its literals and its
    ranges of fewer than ``widest`` code points, at most ``most`` in all (None: no cap);
    None for anything else in it (a negation, a category such as ``\\d``, a wider range)
    or more characters than ``most``."""
    chars: set[str] = set()
    for op, av in items:
        name = str(op)
        if name == "LITERAL":
            chars.add(chr(av))
        elif name == "RANGE" and av[1] - av[0] < widest:
            chars.update(chr(c) for c in range(av[0], av[1] + 1))
        else:
            return None
    return chars if most is None or len(chars) <= most else None


def _literal_score(lits: set[str]) -> tuple[int, int]:
    return (min(len(x) for x in lits), -len(lits))


def _best_literals(cands: list[set[str]]) -> set[str] | None:
    ok = [c for c in cands if c and "" not in c]
    return max(ok, key=_literal_score) if ok else None


def _product(a: set[str], b: set[str]) -> set[str] | None:
    out = {x + y for x in a for y in b}
    return out if len(out) <= _LITERAL_CAP else None


_Lits = tuple[set[str] | None, set[str] | None, set[str] | None]


def _node_literals(op: Any, av: Any, caseless: bool) -> _Lits:
    """``(exact, required, prefix)`` for one parsed item: ``exact`` the strings it matches
    exactly (small sets only), ``required`` literals one of which every match of it holds,
    ``prefix`` strings one of which every match of it starts with."""
    name = str(op)
    if name == "LITERAL":
        if caseless and _iscased(av):
            return None, None, None
        return {chr(av)}, {chr(av)}, {chr(av)}
    if name == "IN":
        chars = _class_chars(av)
        if not chars or (caseless and any(_iscased(ord(c)) for c in chars)):
            return None, None, None
        return set(chars), set(chars), set(chars)
    if name in ("AT", "ASSERT", "ASSERT_NOT"):
        return {""}, None, {""}  # zero width: neighbours are adjacent in the line
    if name == "SUBPATTERN":
        if av[1] or av[2]:  # scoped flags, e.g. (?i:…)
            return None, None, None
        return _seq_literals(av[3], caseless)
    if name == "BRANCH":
        alts = [_seq_literals(b, caseless) for b in av[1]]

        def union(j: int) -> set[str] | None:
            if any(x[j] is None for x in alts):
                return None
            out: set[str] = set()
            for x in alts:
                out |= x[j] or set()
            return out if len(out) <= _LITERAL_CAP else None

        return union(0), union(1), union(2)
    if name in ("MAX_REPEAT", "MIN_REPEAT"):
        lo, hi, sub = av
        e, r, pre = _seq_literals(sub, caseless)
        if lo == 0:
            return None, None, None
        if lo == hi and e is not None:
            out: set[str] | None = {""}
            for _ in range(lo):
                out = _product(out, e) if out is not None else None
            if out is not None:
                return out, _best_literals([x for x in (r, out) if x]), out
        return None, r, pre
    return None, None, None


def _seq_literals(items: Any, caseless: bool) -> _Lits:
    run: set[str] = {""}  # the exact strings of the current run of exact items
    cands: list[set[str]] = []
    exact: set[str] | None = {""}
    prefix: set[str] | None = None
    for op, av in items:
        e, r, pre = _node_literals(op, av, caseless)
        if r:
            cands.append(r)
        if e is None:
            # the run is followed by a match of this item, which starts with ``pre``
            joined = _product(run, pre) if pre is not None else None
            if joined is not None:
                cands.append(joined)
            if prefix is None and exact is not None:
                prefix = joined if joined is not None else run
            if run != {""}:
                cands.append(run)
            run, exact = {""}, None
            continue
        grown = _product(run, e)
        if exact is not None and prefix is None and grown is None:
            prefix = run  # too many strings: what is exact so far is the prefix
        if grown is None:
            if run != {""}:
                cands.append(run)
            grown = set(e)
        run = grown
        if exact is not None:
            exact = _product(exact, e)
    if run != {""}:
        cands.append(run)
    if prefix is None:
        prefix = exact if exact is not None else run
    return exact, _best_literals(cands), prefix


def required_literals(pattern: Any) -> tuple[str, ...]:
    """Literals (as few and as long as the pattern allows) one of which every match holds.

    Derived from the parsed ``re`` pattern: a literal run, a small class or an alternation
    of such; a repeat counts only if it must occur. Empty when nothing is certain
    (IGNORECASE, scoped flags, a ``regex``-module pattern, a branch without a literal).
    """
    parsed = _parsed(pattern)
    if parsed is None:
        return ()
    # under IGNORECASE a cased character matches its other cases: only caseless
    # characters (Han, digits, punctuation) make literals then
    caseless = bool(pattern.flags & re.IGNORECASE)
    try:
        found = _seq_literals(parsed.data, caseless)[1]
    except Exception:
        return ()
    if not found or any("\n" in x for x in found):
        return ()
    return tuple(sorted(found))


_CATEGORY_SOURCE = {
    "CATEGORY_SPACE": r"\s",
    "CATEGORY_NOT_SPACE": r"\S",
    "CATEGORY_DIGIT": r"\d",
    "CATEGORY_NOT_DIGIT": r"\D",
    "CATEGORY_WORD": r"\w",
    "CATEGORY_NOT_WORD": r"\W",
}


def _atom_source(op: Any, av: Any) -> str | None:
    name = str(op)
    if name == "LITERAL":
        return re.escape(chr(av))
    if name != "IN":
        return None
    parts = []
    for iop, iav in av:
        iname = str(iop)
        if iname == "NEGATE":
            parts.append("^")
        elif iname == "LITERAL":
            parts.append(re.escape(chr(iav)))
        elif iname == "RANGE":
            parts.append(f"{re.escape(chr(iav[0]))}-{re.escape(chr(iav[1]))}")
        elif iname == "CATEGORY" and str(iav) in _CATEGORY_SOURCE:
            parts.append(_CATEGORY_SOURCE[str(iav)])
        else:
            return None
    return "[" + "".join(parts) + "]"


def _first_atoms(items: Any) -> tuple[set[str], bool] | None:
    """Sources of the one-character atoms a match of ``items`` can start with, and whether
    ``items`` can match the empty string; None when unknown."""
    atoms: set[str] = set()
    for op, av in items:
        name = str(op)
        if name in ("AT", "ASSERT", "ASSERT_NOT"):
            continue
        if name in ("LITERAL", "IN"):
            src = _atom_source(op, av)
            if src is None:
                return None
            atoms.add(src)
            return atoms, False
        if name == "SUBPATTERN":
            if av[1] or av[2]:
                return None
            found = _first_atoms(av[3])
        elif name == "BRANCH":
            parts = [_first_atoms(b) for b in av[1]]
            if any(p is None for p in parts):
                return None
            found = (
                set().union(*(p[0] for p in parts if p)),
                any(p[1] for p in parts if p),
            )
        elif name in ("MAX_REPEAT", "MIN_REPEAT"):
            sub = _first_atoms(av[2])
            found = None if sub is None else (sub[0], sub[1] or av[0] == 0)
        else:
            return None
        if found is None:
            return None
        atoms |= found[0]
        if not found[1]:
            return atoms, False
    return atoms, True


def _anchored_atoms(items: Any) -> set[str] | None:
    if not items:
        return None
    op, av = items[0]
    name = str(op)
    if name == "AT" and str(av) == "AT_BEGINNING":
        found = _first_atoms(items[1:])
        return found[0] if found is not None and not found[1] else None
    if name == "BRANCH":
        parts = [_anchored_atoms(b) for b in av[1]]
        if any(p is None for p in parts):
            return None
        return set().union(*(p for p in parts if p is not None))
    if name == "SUBPATTERN" and not av[1] and not av[2]:
        return _anchored_atoms(av[3])
    return None


def first_char_pattern(pattern: Any) -> Any:
    """For a pattern whose every branch starts with ``^`` (MULTILINE): a compiled pattern of
    one character that the first character of any line the pattern finds matches.

    ``^[【\\[]?(?:分享到|分享)`` gives ``[【\\[]|分``. None when the pattern is not anchored
    that way or a first element is too broad to name (``[^\\n]``, ``.``).
    """
    parsed = _parsed(pattern)
    if parsed is None or not pattern.flags & re.MULTILINE:
        return None
    try:
        atoms = _anchored_atoms(parsed.data)
    except Exception:
        return None
    if not atoms or any(a.startswith("[^") for a in atoms):
        return None
    return re.compile("|".join(sorted(atoms)), pattern.flags & (re.IGNORECASE | re.ASCII))


def scan_reach(pattern: Any) -> int | None:
    """An upper bound on how far the engine looks to the right of a match's start: the
    pattern's longest match, plus every lookaround's longest body, plus one character
    (``$``, ``\\b`` peek at the next one). None when unbounded or unknown (a repeat without
    an upper bound, a back-reference, a ``regex``-module pattern)."""
    parsed = _parsed(pattern)
    if parsed is None:
        return None
    sre_parse = _sre_parser()
    limit = sre_parse.MAXWIDTH if hasattr(sre_parse, "MAXWIDTH") else sre_parse.MAXREPEAT

    def walk(items: Any) -> int | None:
        """Sum of the longest bodies of the lookarounds in ``items`` (None: unknown)."""
        total = 0
        for op, av in items:
            name = str(op)
            if name in ("GROUPREF", "GROUPREF_EXISTS"):
                return None
            if name in ("ASSERT", "ASSERT_NOT"):
                hi = av[1].getwidth()[1]
                inner = walk(av[1].data)
                if hi >= limit or inner is None:
                    return None
                total += hi + inner
            elif name in ("MAX_REPEAT", "MIN_REPEAT", "POSSESSIVE_REPEAT"):
                inner = walk(av[2].data)
                if inner is None:
                    return None
                total += inner * max(1, min(av[1], limit))
            elif name == "SUBPATTERN":
                inner = walk(av[-1].data)
                if inner is None:
                    return None
                total += inner
            elif name == "ATOMIC_GROUP":
                inner = walk(av.data)
                if inner is None:
                    return None
                total += inner
            elif name == "BRANCH":
                parts = [walk(b.data) for b in av[1]]
                if any(x is None for x in parts):
                    return None
                total += sum(x for x in parts if x is not None)
            if total >= limit:
                return None
        return total

    try:
        width = parsed.getwidth()[1]
        around = walk(parsed.data)
    except Exception:
        return None
    if around is None or width >= limit:
        return None
    return int(width + around + 1)


#: parse-tree operations whose meaning ``re`` and ``regex`` (VERSION0) share exactly:
#: characters, explicit classes and ranges, repeats, groups, alternation, lookarounds
_NEUTRAL_OPS = frozenset(
    {
        "LITERAL",
        "NOT_LITERAL",
        "IN",
        "ANY",
        "MAX_REPEAT",
        "MIN_REPEAT",
        "SUBPATTERN",
        "BRANCH",
        "ASSERT",
        "ASSERT_NOT",
    }
)
_NEUTRAL_CLASS_ITEMS = frozenset({"LITERAL", "RANGE", "NEGATE"})
#: source text ``re`` reads as plain characters but ``regex`` as syntax of its own: a
#: POSIX class (``[[:alpha:]]``) or a fuzzy constraint (``a{e<=1}``); any brace that is
#: not a counted repeat, or ``[:``, makes a pattern not neutral
_REGEX_ONLY_SYNTAX = re.compile(r"\[:|\{(?![0-9]*,?[0-9]*\})")


def engine_neutral(pattern: Any) -> bool:
    """Does ``regex`` find exactly what ``re`` finds with this pattern's source?

    True only for a ``re`` pattern built from characters, explicit classes and ranges
    (``[!-~]``, ``[^\\n]``; no ``\\s``/``\\w``/``\\d``, whose Unicode tables differ between
    the two modules), ``.``, greedy and lazy repeats, groups without scoped flags,
    alternation and lookarounds, compiled without IGNORECASE (case folding differs) or
    ASCII, with no ``[:`` and no brace other than a counted repeat in its source (``regex``
    reads ``[[:alpha:]]`` and ``a{e<=1}`` as syntax). No anchors, word boundaries,
    back-references, atomic groups or possessive repeats. Both modules are then the same
    leftmost-first backtracking matcher over code points (tested on every shipped rule
    that qualifies, and on generated texts).
    """
    if not isinstance(pattern, re.Pattern) or pattern.flags & (re.IGNORECASE | re.ASCII):
        return False
    if _REGEX_ONLY_SYNTAX.search(pattern.pattern):
        return False
    parsed = _parsed(pattern)
    if parsed is None:
        return False

    def walk(items: Any) -> bool:
        for op, av in items:
            name = str(op)
            if name not in _NEUTRAL_OPS:
                return False
            if name == "IN":
                if not all(str(iop) in _NEUTRAL_CLASS_ITEMS for iop, _ in av):
                    return False
            elif name in ("MAX_REPEAT", "MIN_REPEAT"):
                if not walk(av[2]):
                    return False
            elif name == "SUBPATTERN":
                if av[1] or av[2] or not walk(av[3]):
                    return False
            elif name == "BRANCH":
                if not all(walk(b) for b in av[1]):
                    return False
            elif name in ("ASSERT", "ASSERT_NOT") and not walk(av[1]):
                return False
        return True

    return walk(parsed.data)


def whole_text_pattern(pattern: Any) -> Any:
    """The pattern a whole-text search (an ``inline`` rule or a ``text`` flag searched over
    the document, not around literals) runs: ``pattern`` itself, or the same source compiled
    with ``regex`` when that finds exactly the same matches (:func:`engine_neutral`) and the
    pattern opens with a lookaround. ``re`` skips ahead only to a literal prefix or a first
    character class; behind a leading lookaround it has neither and runs the whole pattern
    at every position, where ``regex`` still skips (``mirror.jammer``, which opens with
    ``(?<![!-~])(?=…)``: 0.44 → 0.01 ms per 5,000-character report)."""
    if not engine_neutral(pattern):
        return pattern
    parsed = _parsed(pattern)
    if parsed is None:  # pragma: no cover - engine_neutral parsed it already
        return pattern
    first = parsed.data
    if not first or str(first[0][0]) not in ("ASSERT", "ASSERT_NOT"):
        return pattern
    try:
        flags = pattern.flags & (re.MULTILINE | re.DOTALL)
        return regex.compile(pattern.pattern, flags | regex.VERSION0)
    except regex.error:
        return pattern
