r"""Boilerplate rule packs: load, validate, compile (once per process).

A rule pack is a TOML file (``boilerplate/rules/*.toml`` ship with the package; users add
their own). Each file may set a default ``category`` and holds ``[[rule]]`` tables::

    category = "advertising"

    [[rule]]
    id = "advertising.promo-banner"          # unique, [a-z0-9_.-]
    zone = "line"                            # see ZONES
    pattern = '''^【[^】]{0,20}素材库[^】]{0,12}】'''
    description = "…"
    max_len = 300        # line zones: a longer line never matches (default 200)
    min_hits = 1         # line zones: distinct matches needed in the line
    unless = '[。；]$'    # line zones: a line this pattern finds is never claimed
    needs = ["www."]     # literal strings: the pattern is tried only if one occurs (speed)
    min_coverage = 0.0   # line zones: share of the line's non-separator characters covered
    ignore_case = false
    repeat = false       # head zone: matches only a line equal to an earlier kept head line
    examples = ["…"]     # lines the rule must remove / flag (checked by the tests)
    keep = ["…"]         # lines it must leave alone (checked by the tests)

Flag rules (``action = "flag"``, or any rule of category ``flag``) change nothing: they add
``flag`` to ``doc.flags``. Their zones are ``text`` (anywhere) and ``last`` (the last line
of the cleaned text); ``requires = "<category>"`` makes a flag rule fire only when a removal
rule of that category removed something in the same document.

Patterns are compiled with the standard ``re`` module (faster on long alternations), with
``\p{Han}`` translated to the same ``Script=Han`` class the ``regex`` module means by it
(:data:`lawrpt_corpus.text.chars.HAN`); a pattern that needs the
``regex`` module's syntax falls back to it. Patterns must run in linear time: no nested
unbounded quantifiers, and bounded repeats (``[^】]{0,20}``, ``\s{0,4}``, ``\d{1,8}``)
instead of ``.*``, ``\s*`` or ``\d+`` wherever a failed match could restart inside a long
run of the same character (the tests scan every rule over 1 MB adversarial lines); the
loader refuses nested unbounded repeats.

A pattern sees one line at a time in line zones (``^``/``$`` are the line's ends) and the
whole text in ``text``/``inline`` zones, where it runs with MULTILINE (``^`` is a line
start).
"""

from __future__ import annotations

import functools
import re
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import regex

from ..text.chars import HAN
from ._lines import LiteralIndex, ZonePlan

#: Where a removal rule applies.
#: ``line``: any line; ``head``/``tail``: the first/last N kept lines; ``edge``: head or tail;
#: ``last``: the last kept line, repeatedly (a dangling line at the very end); ``inline``:
#: the matched span only (the rest of the line stays).
REMOVAL_ZONES = frozenset({"line", "head", "tail", "edge", "last", "inline"})
#: Where a flag rule looks.
FLAG_ZONES = frozenset({"text", "last"})
LINE_ZONES = frozenset({"line", "head", "tail", "edge", "last"})

_ID = regex.compile(r"^[a-z0-9][a-z0-9_.\-]{0,80}$")
_KNOWN_KEYS = frozenset(
    {
        "id",
        "category",
        "zone",
        "pattern",
        "description",
        "max_len",
        "min_len",
        "min_hits",
        "min_coverage",
        "ignore_case",
        "repeat",
        "examples",
        "keep",
        "action",
        "flag",
        "requires",
        "unless",
        "needs",
    }
)
#: Characters that do not count towards a line's length in ``min_coverage`` (spaces,
#: brackets, separators, punctuation).
SEPARATORS = regex.compile(
    r"[\s|｜/\\、,，:：;；.。·•\-—_【】\[\]［］()（）<>《》「」『』“”\"'!！>»›→]+"
)
DEFAULT_MAX_LEN = 200
PACKAGE_PACKS = ("advertising", "paywall", "chrome", "structure", "mirror", "flags")


@dataclass(frozen=True, slots=True)
class Rule:
    """One compiled rule. ``source`` is the pack it came from (file name)."""

    id: str
    category: str
    zone: str
    pattern: Any  # regex.Pattern[str]
    description: str
    action: str = "remove"
    flag: str | None = None
    requires: str | None = None
    max_len: int = DEFAULT_MAX_LEN
    min_len: int = 0
    min_hits: int = 1
    min_coverage: float = 0.0
    repeat: bool = False
    unless: Any = None  # regex.Pattern[str] | None
    needs: tuple[str, ...] = ()
    examples: tuple[str, ...] = ()
    keep: tuple[str, ...] = ()
    source: str = ""
    #: The pattern may be searched over many lines at once (see :func:`line_scan_safe`).
    line_scan: bool = False
    #: Literals of which every line the rule claims holds one (``needs``, else derived from
    #: the pattern by :func:`required_literals`); empty: unknown.
    literals: tuple[str, ...] = ()
    #: A one-character pattern that the first character of every line the rule claims
    #: matches (``^``-anchored patterns, :func:`first_char_pattern`); None: unknown.
    first: Any = None

    def may_occur_in(self, text: str) -> bool:
        """False when none of the rule's ``needs`` literals is in ``text`` (a fast skip)."""
        return not self.needs or any(n in text for n in self.needs)

    def matches_line(self, line: str) -> bool:
        """Does this line-zone rule claim ``line`` (a single line, no newline)?"""
        n = len(line)
        if n > self.max_len or n < self.min_len:
            return False
        if self.needs and not any(n in line for n in self.needs):
            return False
        if self.unless is not None and self.unless.search(line):
            return False
        if self.min_hits <= 1 and self.min_coverage <= 0.0:
            return self.pattern.search(line) is not None
        hits: set[str] = set()
        covered = 0
        for m in self.pattern.finditer(line):
            if m.end() > m.start():
                hits.add(m.group())
                covered += len(SEPARATORS.sub("", m.group()))
        if len(hits) < self.min_hits:
            return False
        if self.min_coverage > 0.0:
            total = len(SEPARATORS.sub("", line))
            return total > 0 and covered / total >= self.min_coverage
        return True


@dataclass(frozen=True, slots=True)
class RuleSet:
    """All rules of some packs, grouped by zone, in pack then file order."""

    rules: tuple[Rule, ...]
    _zones: dict[tuple[str, ...], tuple[Rule, ...]] = field(default_factory=dict, repr=False)
    _index: list[LiteralIndex] = field(default_factory=list, repr=False)
    _plans: list[ZonePlan] = field(default_factory=list, repr=False)

    def zone(self, *zones: str) -> tuple[Rule, ...]:
        """Removal rules of ``zones``, in order (memoized: the set is immutable)."""
        found = self._zones.get(zones)
        if found is None:
            found = tuple(r for r in self.rules if r.zone in zones and r.action == "remove")
            self._zones[zones] = found
        return found

    @property
    def flags(self) -> tuple[Rule, ...]:
        found = self._zones.get(("<flags>",))
        if found is None:
            found = tuple(r for r in self.rules if r.action == "flag")
            self._zones[("<flags>",)] = found
        return found

    @property
    def literal_index(self) -> LiteralIndex:
        """The automaton of every rule's literals (built on first use, then kept)."""
        if not self._index:
            self._index.append(LiteralIndex(self.rules))
        return self._index[0]

    @property
    def plan(self) -> ZonePlan:
        """How the ``line``, ``head``/``edge`` and ``tail``/``edge`` rules (in this order)
        find their candidate lines (built on first use, then kept)."""
        if not self._plans:
            groups = (self.zone("line"), self.zone("head", "edge"), self.zone("tail", "edge"))
            self._plans.append(ZonePlan(groups, self.literal_index))
        return self._plans[0]

    def by_id(self, rule_id: str) -> Rule:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)


#: ``\p{Han}`` for ``re``: ``Script=Han``, as the ``regex`` fallback reads it.
_HAN_RANGE = HAN


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
        from re import _parser as sre_parse  # type: ignore[attr-defined]
    except ImportError:  # pragma: no cover - other Python versions
        return False
    if not isinstance(pattern, re.Pattern):
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

    return walk(sre_parse.parse(pattern.pattern, pattern.flags).data, False)


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
    try:
        from re import _parser as sre_parse  # type: ignore[attr-defined]
    except ImportError:  # pragma: no cover - other Python versions
        return False
    if not isinstance(pattern, re.Pattern) or not pattern.flags & re.MULTILINE:
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
        return walk(sre_parse.parse(pattern.pattern, pattern.flags).data)
    except Exception:
        return False


_LITERAL_CAP = 640


def _iscased(code: int) -> bool:
    """Does ``re`` IGNORECASE let this character match another one?"""
    import _sre

    return bool(_sre.unicode_iscased(code))


def _class_chars(items: Any) -> list[str] | None:
    """The characters of a small positive class ``[…]``, or None."""
    out: list[str] = []
    for op, av in items:
        name = str(op)
        if name == "LITERAL":
            out.append(chr(av))
        elif name == "RANGE" and av[1] - av[0] < 16:
            out.extend(chr(c) for c in range(av[0], av[1] + 1))
        else:
            return None
    return out if len(out) <= 16 else None


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
    try:
        from re import _parser as sre_parse  # type: ignore[attr-defined]
    except ImportError:  # pragma: no cover - other Python versions
        return ()
    if not isinstance(pattern, re.Pattern):
        return ()
    # under IGNORECASE a cased character matches its other cases: only caseless
    # characters (Han, digits, punctuation) make literals then
    caseless = bool(pattern.flags & re.IGNORECASE)
    try:
        found = _seq_literals(sre_parse.parse(pattern.pattern, pattern.flags).data, caseless)[1]
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
    try:
        from re import _parser as sre_parse  # type: ignore[attr-defined]
    except ImportError:  # pragma: no cover - other Python versions
        return None
    if not isinstance(pattern, re.Pattern) or not pattern.flags & re.MULTILINE:
        return None
    try:
        atoms = _anchored_atoms(sre_parse.parse(pattern.pattern, pattern.flags).data)
    except Exception:
        return None
    if not atoms or any(a.startswith("[^") for a in atoms):
        return None
    return re.compile("|".join(sorted(atoms)), pattern.flags & (re.IGNORECASE | re.ASCII))


def _fail(source: str, rule_id: str | None, message: str) -> ValueError:
    where = f"rule {rule_id!r}" if rule_id else "pack"
    return ValueError(f"boilerplate rules {source}: {where}: {message}")


def _compile_rule(raw: Any, default_category: str | None, source: str) -> Rule:
    if not isinstance(raw, dict):
        raise _fail(source, None, "each [[rule]] must be a table")
    rid = raw.get("id")
    if not isinstance(rid, str) or not _ID.match(rid):
        raise _fail(source, str(rid) if rid else None, "missing or invalid id ([a-z0-9_.-])")
    unknown = set(raw) - _KNOWN_KEYS
    if unknown:
        raise _fail(source, rid, f"unknown keys {sorted(unknown)}")
    category = raw.get("category", default_category)
    if not isinstance(category, str) or not category:
        raise _fail(source, rid, "no category (set it in the rule or at the top of the file)")
    action = raw.get("action", "flag" if category == "flag" else "remove")
    if action not in ("remove", "flag"):
        raise _fail(source, rid, f"action must be 'remove' or 'flag', not {action!r}")
    zone = raw.get("zone")
    allowed = FLAG_ZONES if action == "flag" else REMOVAL_ZONES
    if zone not in allowed:
        raise _fail(source, rid, f"zone must be one of {sorted(allowed)}, not {zone!r}")
    pattern = raw.get("pattern")
    if not isinstance(pattern, str) or not pattern:
        raise _fail(source, rid, "missing pattern")
    description = raw.get("description")
    if not isinstance(description, str) or not description.strip():
        raise _fail(source, rid, "missing description")
    ignore_case = bool(raw.get("ignore_case", False))
    try:
        compiled = compile_pattern(pattern, ignore_case=ignore_case)
    except regex.error as exc:
        raise _fail(source, rid, f"bad pattern: {exc}") from None
    if nested_unbounded_repeat(compiled):
        raise _fail(source, rid, "nested unbounded repeats (e.g. (a+)+) can backtrack forever")
    if compiled.search("") is not None and zone != "last":
        raise _fail(source, rid, "pattern matches the empty string")
    unless = raw.get("unless")
    if unless is not None:
        if not isinstance(unless, str) or not unless:
            raise _fail(source, rid, "unless must be a pattern")
        try:
            unless = compile_pattern(unless, ignore_case=ignore_case)
        except regex.error as exc:
            raise _fail(source, rid, f"bad unless pattern: {exc}") from None
    needs = raw.get("needs", [])
    if not isinstance(needs, list) or not all(isinstance(x, str) and x for x in needs):
        raise _fail(source, rid, "needs must be a list of non-empty strings")
    flag = raw.get("flag")
    if action == "flag" and (not isinstance(flag, str) or not _ID.match(flag)):
        raise _fail(source, rid, "a flag rule needs flag = '<name>'")
    requires = raw.get("requires")
    if requires is not None and not isinstance(requires, str):
        raise _fail(source, rid, "requires must be a category name")

    def _int(key: str, default: int) -> int:
        v = raw.get(key, default)
        if not isinstance(v, int) or isinstance(v, bool) or v < 0:
            raise _fail(source, rid, f"{key} must be a non-negative integer")
        return v

    cov = raw.get("min_coverage", 0.0)
    if not isinstance(cov, int | float) or isinstance(cov, bool) or not 0.0 <= cov <= 1.0:
        raise _fail(source, rid, "min_coverage must be a number in [0, 1]")
    examples = raw.get("examples", [])
    keep = raw.get("keep", [])
    for key, value in (("examples", examples), ("keep", keep)):
        if not isinstance(value, list) or not all(isinstance(x, str) for x in value):
            raise _fail(source, rid, f"{key} must be a list of strings")
    repeat = raw.get("repeat", False)
    if not isinstance(repeat, bool):
        raise _fail(source, rid, "repeat must be true or false")
    if repeat and zone != "head":
        raise _fail(source, rid, "repeat = true is only supported in the head zone")
    return Rule(
        id=rid,
        category=category,
        zone=zone,
        pattern=compiled,
        description=description.strip(),
        action=action,
        flag=flag,
        requires=requires,
        max_len=_int("max_len", DEFAULT_MAX_LEN),
        min_len=_int("min_len", 0),
        min_hits=max(1, _int("min_hits", 1)),
        min_coverage=float(cov),
        repeat=repeat,
        unless=unless,
        needs=tuple(needs),
        examples=tuple(examples),
        keep=tuple(keep),
        source=source,
        line_scan=zone in LINE_ZONES and line_scan_safe(compiled),
        literals=tuple(needs) if needs else required_literals(compiled),
        first=first_char_pattern(compiled) if zone in LINE_ZONES or zone == "inline" else None,
    )


def parse_pack(text: str, source: str) -> tuple[Rule, ...]:
    """Parse and compile one pack (TOML text); ``source`` names it in error messages."""
    try:
        data = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise _fail(source, None, f"not valid TOML: {exc}") from None
    default_category = data.get("category")
    raw_rules = data.get("rule")
    if not isinstance(raw_rules, list) or not raw_rules:
        raise _fail(source, None, "no [[rule]] tables")
    extra = set(data) - {"category", "rule", "description"}
    if extra:
        raise _fail(source, None, f"unknown top-level keys {sorted(extra)}")
    return tuple(_compile_rule(r, default_category, source) for r in raw_rules)


def package_pack_texts() -> tuple[tuple[str, str], ...]:
    """``(name, TOML text)`` of every pack shipped in ``boilerplate/rules/``.

    Order (which decides which rule claims a line first): the packs of
    :data:`PACKAGE_PACKS`, then any other ``*.toml`` there, by name.
    """
    base = resources.files("lawrpt_corpus.boilerplate") / "rules"
    names = sorted(e.name for e in base.iterdir() if e.name.endswith(".toml"))
    known = [f"{n}.toml" for n in PACKAGE_PACKS if f"{n}.toml" in names]
    ordered = known + [n for n in names if n not in known]
    return tuple((n, (base / n).read_text(encoding="utf-8")) for n in ordered)


def read_user_pack(path: str | Path) -> tuple[str, str]:
    """Read a user's rule file; ``ValueError`` naming the file if it cannot be read."""
    p = Path(path)
    try:
        return (str(p), p.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError) as exc:
        raise ValueError(f"boilerplate rules {p}: cannot read: {exc}") from None


@functools.lru_cache(maxsize=16)
def compile_packs(packs: tuple[tuple[str, str], ...]) -> RuleSet:
    """Compile ``(name, TOML text)`` packs into one :class:`RuleSet` (cached per process).

    Rule ids must be unique across all packs.
    """
    rules: list[Rule] = []
    seen: dict[str, str] = {}
    for source, text in packs:
        for rule in parse_pack(text, source):
            if rule.id in seen:
                raise _fail(source, rule.id, f"duplicate id (first defined in {seen[rule.id]})")
            seen[rule.id] = source
            rules.append(rule)
    return RuleSet(tuple(rules))


def default_rules() -> RuleSet:
    """The shipped rule packs, compiled."""
    return compile_packs(package_pack_texts())
