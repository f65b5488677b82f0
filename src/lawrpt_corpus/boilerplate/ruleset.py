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
import tomllib
from dataclasses import dataclass, field
from importlib import resources
from pathlib import Path
from typing import Any

import regex

from ._lines import LiteralIndex, ZonePlan
from .patterns import (
    compile_pattern,
    first_char_pattern,
    gate_chars,
    line_scan_safe,
    nested_unbounded_repeat,
    required_literals,
    scan_reach,
    whole_text_pattern,
)

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
#: How many lines' verdicts a rule keeps (:meth:`Rule.matches_line`).
MEMO_LINES = 1024
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
    #: ``inline`` and ``text`` rules: literals (two characters or more) of which every
    #: match holds one, derived from the pattern (never ``needs``); empty: the rule scans
    #: the whole text. With them, the rule is searched only around their occurrences
    #: (:func:`._lines.literal_finditer`), ``reach`` characters either side.
    scan_literals: tuple[str, ...] = ()
    #: how far the engine looks right of a match's start (:func:`.patterns.scan_reach`):
    #: rules with ``scan_literals`` or ``gate_chars`` (0: unbounded or not needed)
    reach: int = 0
    #: ``inline`` and ``text`` rules without ``scan_literals``: characters of which every
    #: match consumes one (:func:`.patterns.gate_chars`; empty: none known). A rule that
    #: nothing else gates is searched only in a text holding one, around their occurrences
    #: (:attr:`._lines.LiteralIndex.char_gated`)
    gate_chars: str = ""
    #: ``inline`` and ``text`` rules without ``scan_literals``: the pattern a search of the
    #: whole text runs, ``pattern`` or the same source compiled with ``regex`` where that
    #: finds the same matches faster (:func:`.patterns.whole_text_pattern`); None: ``pattern``
    whole: Any = None
    #: :meth:`matches_line` verdicts by line (chrome recurs from page to page; at most
    #: :data:`MEMO_LINES` lines, then the memo starts again)
    _verdicts: dict[str, bool] = field(default_factory=dict, repr=False, compare=False)

    def may_occur_in(self, text: str) -> bool:
        """False when none of the rule's ``needs`` literals is in ``text`` (a fast skip)."""
        return not self.needs or any(n in text for n in self.needs)

    def matches_line(self, line: str) -> bool:
        """Does this line-zone rule claim ``line`` (a single line, no newline)?"""
        verdict = self._verdicts.get(line)
        if verdict is None:
            verdict = self._match_line(line)
            if len(self._verdicts) >= MEMO_LINES:
                self._verdicts.clear()
            self._verdicts[line] = verdict
        return verdict

    def _match_line(self, line: str) -> bool:
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
    _inline_memos: dict[tuple[int, ...], dict[str, str]] = field(default_factory=dict, repr=False)

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

    def inline_memo(self, rules: tuple[Rule, ...]) -> dict[str, str]:
        """The memo of :meth:`._lines.DocLines.without_inline` for ``rules`` (some of this
        set's inline rules; their ids are stable while the set lives)."""
        key = tuple(id(r) for r in rules)
        memo = self._inline_memos.get(key)
        if memo is None:
            if len(self._inline_memos) >= 64:
                self._inline_memos.clear()
            memo = self._inline_memos[key] = {}
        return memo

    def by_id(self, rule_id: str) -> Rule:
        for r in self.rules:
            if r.id == rule_id:
                return r
        raise KeyError(rule_id)


def _fail(source: str, rule_id: str | None, message: str) -> ValueError:
    where = f"rule {rule_id!r}" if rule_id else "pack"
    return ValueError(f"boilerplate rules {source}: {where}: {message}")


def _scan_params(compiled: Any, zone: str, requires: str | None) -> tuple[tuple[str, ...], int]:
    """``(scan_literals, reach)`` of an ``inline`` rule or a ``text`` flag rule whose every
    match holds a literal of two characters or more and whose reach is bounded; else
    ``((), 0)``."""
    if zone not in ("inline", "text") or requires is not None:
        return (), 0
    lits = required_literals(compiled)
    reach = scan_reach(compiled)
    if not lits or min(len(x) for x in lits) < 2 or reach is None:
        return (), 0
    return lits, reach


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
    scan_literals, reach = _scan_params(compiled, zone, requires)
    whole = None
    gate = ""
    if zone in ("inline", "text") and not scan_literals:
        whole = whole_text_pattern(compiled)
        if requires is None:
            gate = "".join(sorted(gate_chars(compiled)))
            reach = (scan_reach(compiled) or 0) if gate else 0
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
        scan_literals=scan_literals,
        reach=reach,
        gate_chars=gate,
        whole=whole if whole is not compiled else None,
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
