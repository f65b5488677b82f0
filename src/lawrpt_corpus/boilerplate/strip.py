"""``StripBoilerplate``: remove ads, paywall residue, web chrome and structural residue.

Runs after decoding and normalization (one paragraph per line), but tolerates raw text:
lines are matched stripped, both half- and full-width punctuation are in the patterns,
blank lines are left alone (they are hygiene's business) and never count as content.

Order of work on one document (every zone is described in :mod:`.ruleset`):

1. flag rules of zone ``text`` look at the text as it came in;
2. ``line`` rules claim whole lines anywhere;
3. ``head``/``edge`` rules claim lines among the first ``head_lines`` kept lines (a removed
   line does not use up the zone, so a 20-line chrome block is peeled off completely);
   ``tail``/``edge`` rules likewise from the end;
4. ``inline`` rules remove spans inside the remaining lines (a line left with nothing but
   whitespace goes entirely);
5. ``last`` rules peel dangling lines off the end, one after another;
6. flag rules of zone ``last`` look at the last kept line.

A removed line goes together with its line break, so no blank line is left behind. Every
cut goes through :meth:`Document.remove_spans` with the rule id and the exact text. A
document with nothing left, or no Chinese text left (the decode step's ``not_chinese``
test), is rejected as ``boilerplate-only``.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ..document import Document
from ..pipeline import DocumentStep, digest
from ..text.chars import is_chinese
from . import anomaly
from ._lines import DocLines, ZonePlan, line_starts, whole_line_spans
from ._script import match_view
from .blocks import BlockParams, absorb, carry_gaps
from .ruleset import Rule, RuleSet, compile_packs, package_pack_texts, read_user_pack
from .score import ScoreModel, default_model, score_zones

#: Upper bound on strip passes per document (see ``StripBoilerplate.__call__``).
MAX_PASSES = 3


@dataclass
class StripBoilerplate(DocumentStep):
    """Remove boilerplate with the shipped rule packs plus ``rules`` (user TOML files).

    ``head_lines`` / ``tail_lines``: size of the head and tail zones in kept lines.
    ``builtin=False`` uses only the user's rule files. ``score=False`` switches off the
    scored fallback (:mod:`.score`) that judges the edge lines no rule claimed.
    ``structure``: the structure-anomaly layer (:mod:`.anomaly`, rule ids ``structure.*``:
    markup residue, stray no-Han lines, symbol lines, captions, injected runs).
    ``blocks``: also take the short fragments of removed blocks (:mod:`.blocks`, rule ids
    ``block.*``; ``block_params`` its thresholds). Bad rule files raise ``ValueError``
    here, at construction, naming the file and the rule. The user files are read once, at
    construction: the step carries their text, so workers (and other machines) need not
    see the files.
    """

    name = "boilerplate"
    version = "1.0"
    #: the block layer's protected lines (headings, dates, signatures, titles); the score
    #: layer's weights and their provenance; the t2s view's gate (which characters OpenCC
    #: would change: a wrong gate would change which lines the rules see); the structure
    #: layer's thresholds
    data_files = (
        ("lawrpt_corpus.boilerplate", "data/repeated.toml"),
        ("lawrpt_corpus.boilerplate", "data/score_model.npz"),
        ("lawrpt_corpus.boilerplate", "data/score_model.json"),
        ("lawrpt_corpus.boilerplate", "data/t2s_gate.json"),
        ("lawrpt_corpus.boilerplate", "data/structure.toml"),
    )

    rules: tuple[str, ...] | list[str] = ()
    head_lines: int = 12
    tail_lines: int = 12
    builtin: bool = True
    score: bool = True
    blocks: bool = True
    structure: bool = True
    block_params: BlockParams = field(default_factory=BlockParams)
    _packs: tuple[tuple[str, str], ...] = field(default=(), init=False, repr=False)
    _model: ScoreModel | None = field(default=None, init=False, repr=False)

    def __post_init__(self) -> None:
        if isinstance(self.rules, str | Path):
            self.rules = (str(self.rules),)
        self.rules = tuple(str(p) for p in self.rules)
        if self.head_lines < 0 or self.tail_lines < 0:
            raise ValueError("head_lines and tail_lines must be >= 0")
        packs = package_pack_texts() if self.builtin else ()
        packs += tuple(read_user_pack(p) for p in self.rules)
        if not packs:
            raise ValueError("StripBoilerplate: no rule packs (builtin=False and no rules)")
        self._packs = packs
        compile_packs(packs)  # validate now: errors surface at construction
        self._model = default_model() if self.score else None

    def use_model(self, model: ScoreModel | bool | None) -> None:
        """Replace the score model (evaluation: a model trained without the held-out
        sites); ``False`` or ``None`` switches the score layer off."""
        self._model = model if isinstance(model, ScoreModel) else None
        self.score = self._model is not None

    @property
    def ruleset(self) -> RuleSet:
        """The compiled rules (compiled once per process, then cached)."""
        return compile_packs(self._packs)

    def derived_params(self) -> dict[str, Any]:
        """The rule count and each pack's content digest (built-in and user packs alike:
        editing a rule in place changes the ``--resume`` fingerprint)."""
        return {
            "n_rules": len(self.ruleset.rules),
            "packs": {name: digest(text) for name, text in self._packs},
            "score": self._score_params(),
        }

    def _score_params(self) -> dict[str, Any] | None:
        """The score layer's threshold, zone and weights digest (None when it is off)."""
        m = self._model
        if m is None:
            return None
        return {
            "threshold": m.threshold,
            "zone_lines": m.zone_lines,
            "model_sha256": m.meta.get("weights_sha256"),
        }

    # -- the work ------------------------------------------------------------------------
    def __call__(self, doc: Document) -> Document:
        # An inline removal (a paywall marker, a watermark) can leave a line that a line
        # rule claims (``##paidbegin##0:?`` → ``0:?``), and lines the score layer removes
        # or fragments taken with a block move the head/tail zones: strip again until none
        # of these happens, so that cleaning the output once more changes nothing.
        for _ in range(MAX_PASSES):
            doc, again = self._strip_pass(doc)
            if not again or not doc.kept:
                break
        return doc

    def _strip_pass(self, doc: Document) -> tuple[Document, bool]:
        """One pass of every zone; returns the document and whether inline spans were cut
        or block fragments taken (then another pass may find more)."""
        text = doc.text
        if not text:
            return doc, False
        rs = self.ruleset
        lines = text.split("\n")
        starts = line_starts(lines)
        # rules and the model read a simplified view of traditional lines (same offsets);
        # removals record the original characters
        view = match_view(text)
        vlines = view.split("\n") if view is not text else lines
        stripped = [ln.strip() for ln in vlines]
        removed_by: list[Rule | None] = [None] * len(lines)
        # one literal scan finds every rule's literals: which rules can occur at all, and
        # on which lines (see _lines.DocLines for the other, per-rule, prefilters)
        ctx = DocLines(view, starts, stripped, rs.literal_index)
        for rule in rs.flags:
            if rule.zone != "text" or rule.requires is not None:
                continue
            # a flag the document already carries (another rule's: placeholder-admin and
            # placeholder-year share theirs; or set by the first pass) is not searched for
            name = rule.flag or rule.id
            if name not in doc.flags and ctx.possible(rule) and ctx.search(rule, view):
                doc.flag(name)

        # Rules in order, each claiming the still-free lines it matches: the same as taking,
        # for every line, the first rule in order that matches it. Only a rule's candidate
        # lines are tried; every line it could claim is among them.
        plan = rs.plan
        line_rules, head, tail = plan.groups
        masks = ctx.by_line(plan)
        verdict = ctx.verdict
        for i in masks:
            v = verdict(plan, masks, i, 0)
            if v >= 0:
                removed_by[i] = line_rules[v]
        inline_rules = tuple(r for r in rs.zone("inline") if ctx.possible(r))
        memo = rs.inline_memo(inline_rules)
        self._zone(
            stripped, removed_by, head, plan, masks, 1, self.head_lines, inline_rules, ctx, memo
        )
        self._zone(
            stripped,
            removed_by,
            tail,
            plan,
            masks,
            2,
            self.tail_lines,
            inline_rules,
            ctx,
            memo,
            forward=False,
        )
        # an anchored inline rule (【政策解读】 at a line start) is run only if some raw line
        # starts with a character it can start with
        spans_rules = tuple(r for r in inline_rules if ctx.raw_first_possible(r, vlines))
        inline = _inline_spans(view, starts, stripped, removed_by, spans_rules, ctx)
        last_rules = tuple(r for r in rs.zone("last") if ctx.possible(r))
        _peel_last(stripped, removed_by, inline, last_rules)

        fired = {r.category for r in removed_by if r is not None}
        # the score layer judges the edge lines the rules left; then the block layer takes
        # the fragments around every removed line (rules' and the model's)
        marks: list[str | None] = [r.id if r is not None else None for r in removed_by]
        scored = score_zones(stripped, marks, self._model, inline) if self._model else 0
        if scored:
            fired.add("score")
        # the structure-anomaly layer judges what is left by shape and context
        found = self._anomalies(vlines, stripped, marks, inline, starts)
        marks, took_block = self.take_blocks(stripped, marks, inline)
        spans = whole_line_spans(lines, starts, marks)
        carry_gaps(doc.features, lines, marks)
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
            name = rule.flag or rule.id
            if name in doc.flags:
                continue
            target = last if rule.zone == "last" else (text if rule.requires else None)
            if target is not None and rule.may_occur_in(target) and rule.pattern.search(target):
                doc.flag(name)
        return doc, bool(inline) or took_block or scored > 0 or found

    def _anomalies(
        self,
        lines: list[str],
        stripped: list[str],
        marks: list[str | None],
        inline: dict[int, list[tuple[int, int, Rule]]],
        starts: list[int],
    ) -> bool:
        """Add the structure-anomaly layer's lines to ``marks`` and its spans (text offsets)
        to ``inline``, in place; whether it found any."""
        if not self.structure:
            return False
        whole, cuts = anomaly.find(lines, stripped, marks, inline)
        for i, rule in whole.items():
            marks[i] = rule.id
        for i, line_cuts in cuts.items():
            inline[i] = [(starts[i] + a, starts[i] + b, rule) for a, b, rule in line_cuts]
        return bool(whole or cuts)

    def take_blocks(
        self,
        stripped: list[str],
        marks: list[str | None],
        inline: dict[int, list[tuple[int, int, Rule]]],
    ) -> tuple[list[str | None], bool]:
        """``marks`` (the rule id removing each line, None: kept) with the block fragments
        added (when ``blocks``), and whether a fragment was taken. A line taken whole loses
        its inline cuts (``inline`` is changed in place)."""
        if not self.blocks:
            return marks, False
        absorbed = absorb(stripped, marks, self.block_params)
        took = False
        for i, (was, now) in enumerate(zip(marks, absorbed, strict=True)):
            if was is None and now is not None:
                took = True
                inline.pop(i, None)
        return absorbed, took

    @staticmethod
    def _zone(
        stripped: list[str],
        removed_by: list[Rule | None],
        rules: tuple[Rule, ...],
        plan: ZonePlan,
        masks: dict[int, int],
        g: int,
        size: int,
        inline_rules: tuple[Rule, ...],
        ctx: DocLines,
        memo: dict[str, str] | None = None,
        *,
        forward: bool = True,
    ) -> None:
        """Claim lines among the first (last) ``size`` kept lines with ``rules``, group
        ``g`` of ``plan`` (``masks``: the candidates, :meth:`DocLines.by_line`).

        A ``repeat`` rule claims a line equal to an earlier kept line of the zone, compared
        without inline boilerplate (so 【政策解读】Title and Title are the same line).
        """
        if not rules or size == 0:
            return
        order = range(len(stripped)) if forward else range(len(stripped) - 1, -1, -1)
        kept = 0
        seen: set[str] = set()
        # the rules that may claim each line; a ``repeat`` rule's pattern matches nearly any
        # short line, its test is the repetition: it is tried on lines seen before
        repeats = [k for k, rule in enumerate(rules) if rule.repeat and ctx.possible(rule)]
        track = bool(repeats)  # the seen keys serve repeat rules only
        for i in order:
            if kept >= size:
                return
            s = stripped[i]
            if not s or removed_by[i] is not None:
                continue
            key = ctx.without_inline(i, inline_rules, memo) if track else s
            hit = None
            # the first rule, repeat rules left out, that claims the line (memoized by line)
            v = ctx.verdict(plan, masks, i, g) if i in masks else -1
            if repeats and key in seen:
                # then the rules in order: the repeat rules before that one, then it
                for k in repeats:
                    if 0 <= v < k:
                        break
                    if rules[k].matches_line(s):
                        hit = rules[k]
                        break
            if hit is None and v >= 0:
                hit = rules[v]
            if hit is None:
                kept += 1
                seen.add(key)
            else:
                removed_by[i] = hit


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
    ctx: DocLines,
) -> dict[int, list[tuple[int, int, Rule]]]:
    """Inline matches on kept lines, by line; a line left blank is removed whole instead."""
    found: dict[int, list[tuple[int, int, Rule]]] = {}
    for rule in rules:  # only rules whose needs occur in the text
        for m in ctx.finditer(rule, text):
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
        # a cut that leaves the line starting with spaces takes them along: they would be
        # removed as indentation by Hygiene on a second run (idempotence)
        head = line_text_start
        for k, (start, end, rule) in enumerate(cuts):
            if text[head:start].strip(_INDENT):
                break
            while end < line_end and text[end] in _INDENT:
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


_INDENT = " \t\u3000"
#: bracket pairs a watermark sits in (【范文网 www.x.com】): emptied, they go with the cut
_PAIRS = dict(zip("【[［〔〖(（「", "】]］〕〗)）」", strict=True))


def with_brackets(text: str, cuts: list[tuple[int, int, Any]]) -> list[tuple[int, int, Any]]:
    """``cuts`` (sorted) with each cut that fills a bracket pair exactly widened to take the
    pair too: ``…，【范文网 www.x.com】为…`` loses ``【范文网 www.x.com】``, not only its inside
    (an empty ``【】`` would be left in the sentence)."""
    out = []
    n = len(text)
    for start, end, rule in cuts:
        if 0 < start and end < n and _PAIRS.get(text[start - 1]) == text[end]:
            start, end = start - 1, end + 1
        out.append((start, end, rule))
    return out


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
