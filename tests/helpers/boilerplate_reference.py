"""The boilerplate step as it was before the line-scan prefilter (v1.0, one rule at a time
on every line): the oracle that the fast step must equal byte for byte.

``ReferenceStrip`` is a :class:`StripBoilerplate` whose pass tries every rule of a zone on
every line in Python (``Rule.matches_line`` per line), exactly as the step did before the
prefilter. Used by tests/boilerplate/test_boilerplate_equivalence.py and
benchmarks/bench_boilerplate_equiv.py (which also times both in the same run). Do not
optimise this file: its value is that it is the plain, obviously-right version.
"""

from __future__ import annotations

import bisect

from lawrpt_corpus.boilerplate import StripBoilerplate
from lawrpt_corpus.boilerplate._lines import line_starts, whole_line_spans
from lawrpt_corpus.boilerplate._script import match_view
from lawrpt_corpus.boilerplate.ruleset import Rule
from lawrpt_corpus.boilerplate.strip import with_brackets
from lawrpt_corpus.document import Document
from lawrpt_corpus.text.chars import is_chinese


class ReferenceStrip(StripBoilerplate):
    """StripBoilerplate with the plain per-line, per-rule loop (same rules, same output)."""

    def _strip_pass(self, doc: Document) -> tuple[Document, bool]:
        """One pass of every zone; returns the document and whether inline spans were cut."""
        text = doc.text
        if not text:
            return doc, False
        rs = self.ruleset
        # rules read the simplified view of traditional lines (same offsets), as the step
        # does: what a rule matches is part of the step's meaning, not of its speed
        view = match_view(text)
        for rule in rs.flags:
            if rule.zone != "text" or rule.requires is not None or not rule.may_occur_in(view):
                continue
            if rule.pattern.search(view):
                doc.flag(rule.flag or rule.id)

        lines = text.split("\n")
        starts = line_starts(lines)
        stripped = [ln.strip() for ln in view.split("\n")]
        removed_by: list[Rule | None] = [None] * len(lines)

        line_rules = _possible(rs.zone("line"), view)
        for i, s in enumerate(stripped):
            if s:
                removed_by[i] = _first_match(line_rules, s)
        inline_rules = _possible(rs.zone("inline"), view)
        head = _possible(rs.zone("head", "edge"), view)
        self._zone(stripped, removed_by, head, self.head_lines, inline_rules, forward=True)
        tail = _possible(rs.zone("tail", "edge"), view)
        self._zone(stripped, removed_by, tail, self.tail_lines, inline_rules, forward=False)
        inline = _inline_spans(view, starts, stripped, removed_by, inline_rules)
        _peel_last(stripped, removed_by, inline, _possible(rs.zone("last"), view))

        marks = [r.id if r is not None else None for r in removed_by]
        # the structure-anomaly layer is not a rule prefilter: the step's own, in its place
        found = self._anomalies(view.split("\n"), stripped, marks, inline, starts)
        marks, took_block = self.take_blocks(stripped, marks, inline)
        spans = whole_line_spans(lines, starts, marks)
        fired = {r.category for r in removed_by if r is not None}
        for line_spans in inline.values():
            for start, end, rule in line_spans:
                spans.append((start, end, rule.id))
                fired.add(rule.category)
        if spans:
            doc.remove_spans(spans)
            if not doc.text.strip() or not is_chinese(doc.text):
                # nothing, or no Chinese text, is left: the input was only boilerplate
                return doc.reject("boilerplate-only"), False

        last = _last_line(doc.text)
        for rule in rs.flags:
            if rule.requires is not None and rule.requires not in fired:
                continue
            target = last if rule.zone == "last" else (text if rule.requires else None)
            if target is not None and rule.may_occur_in(target) and rule.pattern.search(target):
                doc.flag(rule.flag or rule.id)
        return doc, bool(inline) or took_block or found

    @staticmethod
    def _zone(
        stripped: list[str],
        removed_by: list[Rule | None],
        rules: tuple[Rule, ...],
        size: int,
        inline_rules: tuple[Rule, ...],
        *,
        forward: bool,
    ) -> None:
        """Claim lines among the first (last) ``size`` kept lines.

        A ``repeat`` rule claims a line equal to an earlier kept line of the zone, compared
        without inline boilerplate (so 【政策解读】Title and Title are the same line).
        """
        if not rules or size == 0:
            return
        order = range(len(stripped)) if forward else range(len(stripped) - 1, -1, -1)
        kept = 0
        seen: set[str] = set()
        for i in order:
            if kept >= size:
                return
            s = stripped[i]
            if not s or removed_by[i] is not None:
                continue
            key = s
            for rule in inline_rules:
                key = rule.pattern.sub("", key).strip()
            hit = None
            for rule in rules:
                if rule.repeat and key not in seen:
                    continue
                if rule.matches_line(s):
                    hit = rule
                    break
            if hit is None:
                kept += 1
                seen.add(key)
            else:
                removed_by[i] = hit


def _possible(rules: tuple[Rule, ...], text: str) -> tuple[Rule, ...]:
    """The rules whose ``needs`` literals occur somewhere in ``text`` (all others cannot match)."""
    return tuple(r for r in rules if r.may_occur_in(text))


def _first_match(rules: tuple[Rule, ...], line: str) -> Rule | None:
    for rule in rules:
        if rule.matches_line(line):
            return rule
    return None


def _inline_spans(
    text: str,
    starts: list[int],
    stripped: list[str],
    removed_by: list[Rule | None],
    rules: tuple[Rule, ...],
) -> dict[int, list[tuple[int, int, Rule]]]:
    """Inline matches on kept lines, by line; a line left blank is removed whole instead."""
    found: dict[int, list[tuple[int, int, Rule]]] = {}
    for rule in rules:
        if not rule.may_occur_in(text):
            continue
        for m in rule.pattern.finditer(text):
            start, end = m.span()
            if end <= start or "\n" in m.group():
                continue
            i = bisect.bisect_right(starts, start) - 1
            if removed_by[i] is None:
                found.setdefault(i, []).append((start, end, rule))
    for i in list(found):
        cuts = with_brackets(text, sorted(found[i], key=lambda s: (s[0], -s[1])))
        line = stripped[i]
        rest = []
        pos = starts[i]
        line_text_start = starts[i]
        full = _raw_line(text, starts, i)
        line_end = line_text_start + len(full)
        head = line_text_start  # cuts at the line start take the following spaces along
        for k, (start, end, rule) in enumerate(cuts):
            if text[head:start].strip(" \t\u3000"):
                break
            while end < line_end and text[end] in " \t\u3000":
                end += 1
            cuts[k] = (start, end, rule)
            head = max(head, end)
        found[i] = cuts
        for start, end, _ in cuts:
            if start > pos:
                rest.append(full[pos - line_text_start : start - line_text_start])
            pos = max(pos, end)
        rest.append(full[pos - line_text_start :])
        if line and not "".join(rest).strip():
            removed_by[i] = cuts[0][2]
            del found[i]
    return found


def _raw_line(text: str, starts: list[int], i: int) -> str:
    end = starts[i + 1] - 1 if i + 1 < len(starts) else len(text)
    return text[starts[i] : end]


def _peel_last(
    stripped: list[str],
    removed_by: list[Rule | None],
    inline: dict[int, list[tuple[int, int, Rule]]],
    rules: tuple[Rule, ...],
) -> None:
    if not rules:
        return
    for i in range(len(stripped) - 1, -1, -1):
        if not stripped[i] or removed_by[i] is not None:
            continue
        hit = _first_match(rules, stripped[i])
        if hit is None:
            return
        removed_by[i] = hit
        inline.pop(i, None)


def _last_line(text: str) -> str:
    stripped = text.rstrip()
    return stripped[stripped.rfind("\n") + 1 :].strip()
