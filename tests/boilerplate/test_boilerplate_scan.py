"""Whole-text rules (``inline`` spans, ``text`` flags) searched only around their literals
(``_lines.literal_finditer``) find exactly what a scan of the whole text finds."""

from __future__ import annotations

import random
import re
import zlib
from pathlib import Path

import pytest

from lawrpt_corpus.boilerplate import StripBoilerplate, _lines, default_rules
from lawrpt_corpus.boilerplate._lines import LineViews, LiteralIndex, line_starts, literal_finditer
from lawrpt_corpus.boilerplate.patterns import (
    compile_pattern,
    line_local,
    required_chars,
    required_literals,
    scan_reach,
)
from lawrpt_corpus.boilerplate.ruleset import compile_packs
from lawrpt_corpus.document import Document

from ..helpers.boilerplate_texts import rule_texts

ROOT = Path(__file__).resolve().parents[2]


def _offsets(text: str, literals: tuple[str, ...]) -> list[int]:
    found = set()
    for lit in literals:
        i = text.find(lit)
        while i >= 0:
            found.add(i)
            i = text.find(lit, i + 1)
    return sorted(found)


def _same(pattern: re.Pattern[str], text: str) -> bool:
    lits = required_literals(pattern)
    reach = scan_reach(pattern)
    assert lits and reach is not None
    want = [(m.span(), m.group()) for m in pattern.finditer(text)]
    got = [
        (m.span(), m.group()) for m in literal_finditer(pattern, text, _offsets(text, lits), reach)
    ]
    return got == want


def _texts(rnd: random.Random, pieces: list[str], n: int) -> list[str]:
    seps = ["", "\n", " ", "\n  ", "。", "，", "\n\n", "　", "|"]
    out = []
    for _ in range(n):
        k = rnd.randint(1, 8)
        out.append("".join(rnd.choice(pieces) + rnd.choice(seps) for _ in range(k)))
    return out


@pytest.mark.parametrize(
    "source",
    [
        r"共[一二三]{2,6}页",
        r"(?<=[一-龥])共[一二三]{2,6}页(?=[一-龥])",
        r"来源[:：]\s{0,4}[^\s。]{2,20}",  # \s can take a line break
        r"\s{0,3}www\.[a-z]{1,10}\.com\s{0,3}",
        r"^【编辑】$",
        r"(?:编辑|修改)(?!\n)",
        r"ab(?=c\nd)",  # a lookahead across the line break
        r"xx(?:yy){1,3}\b",
        r"(?<!a)bc|bc(?=d)",
    ],
)
def test_literal_search_equals_the_whole_text_scan_on_built_texts(source: str) -> None:
    pattern = compile_pattern(source)
    rnd = random.Random(zlib.crc32(source.encode()))
    pieces = [
        "共一二页",
        "共三页",
        "一共二三页",
        "来源：新华网",
        "来源: ",
        "www.abc.com",
        "【编辑】",
        "编辑",
        "修改",
        "ab",
        "c",
        "d",
        "abc",
        "xxyy",
        "xxyyyy",
        "yy",
        "bcd",
        "abc",
        "法治政府建设",
        "a",
        "b",
        " ",
        "\n",
    ]
    for text in _texts(rnd, pieces, 400):
        assert _same(pattern, text), (source, text)


def _rule_texts() -> list[str]:
    return rule_texts(11)


def test_every_shipped_scanned_rule_finds_what_the_whole_text_scan_finds() -> None:
    rules = [r for r in default_rules().rules if r.scan_literals]
    assert rules  # the shipped packs do have such rules
    for text in _rule_texts():
        for rule in rules:
            want = [m.span() for m in rule.pattern.finditer(text)]
            got = [
                m.span()
                for m in literal_finditer(
                    rule.pattern, text, _offsets(text, rule.scan_literals), rule.reach
                )
            ]
            assert got == want, (rule.id, text)


def test_the_automaton_gives_every_occurrence_of_a_scanned_rules_literals() -> None:
    rs = default_rules()
    index = LiteralIndex(rs.rules)
    for text in _rule_texts()[:50]:
        lines = text.split("\n")
        stripped = [ln.strip() for ln in lines]
        _, offsets = index.lines(text, line_starts(lines), LineViews(stripped))
        for rule in rs.rules:
            if rule.scan_literals:
                assert offsets.get(id(rule), []) == _offsets(text, rule.scan_literals), rule.id


def test_a_rule_added_to_a_pack_is_searched_around_its_literals_without_code_change(
    tmp_path: Path,
) -> None:
    pack = tmp_path / "mine.toml"
    pack.write_text(
        """category = "site"

[[rule]]
id = "site.glued-banner"
zone = "inline"
pattern = '(?<=\\p{Han})【XX在线\\s{0,2}独家】(?=\\p{Han})'
description = "A site's banner glued into a sentence."
examples = ["依法行政【XX在线独家】全面推进"]

[[rule]]
id = "site.mirror-mark"
category = "flag"
zone = "text"
flag = "mirror_mark"
pattern = 'XX镜像站[0-9]{1,3}号'
description = "A mirror's mark."
""",
        encoding="utf-8",
    )
    step = StripBoilerplate(rules=[str(pack)], score=False)
    rules = {r.id: r for r in step.ruleset.rules}
    for rid in ("site.glued-banner", "site.mirror-mark"):
        assert rules[rid].scan_literals and id(rules[rid]) in step.ruleset.literal_index.scanned
    text = "2023年法治政府建设年度报告\n全年依法行政【XX在线独家】全面推进，见XX镜像站12号。"
    doc = step(Document(source="x", raw_sha256="0" * 64, n_bytes=0, text=text))
    assert [r.rule for r in doc.removed] == ["site.glued-banner"]
    assert "mirror_mark" in doc.flags
    assert "【XX在线独家】" not in doc.text


def test_line_verdicts_are_memoized_exactly_and_boundedly(monkeypatch: pytest.MonkeyPatch) -> None:
    from lawrpt_corpus.boilerplate import ruleset

    monkeypatch.setattr(ruleset, "MEMO_LINES", 5)
    rules = [r for r in default_rules().rules if r.zone in ruleset.LINE_ZONES]
    lines = [x for r in rules for x in (*r.examples, *r.keep)] + _rule_texts()[0].split("\n")
    for _ in range(2):
        for rule in rules:
            for line in lines:
                assert rule.matches_line(line) is rule._match_line(line), (rule.id, line)
            assert len(rule._verdicts) <= 5


def test_inline_free_keys_are_memoized_exactly_and_boundedly(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``without_inline`` with a memo (kept across documents) gives what it gives without."""
    from lawrpt_corpus.boilerplate import _lines

    monkeypatch.setattr(_lines, "MEMO_KEYS", 7)
    rs = default_rules()
    inline = rs.zone("inline")
    memo = rs.inline_memo(inline)
    assert rs.inline_memo(inline) is memo and rs.inline_memo(inline[:1]) is not memo
    texts = _rule_texts()[:20]
    texts.append("\n".join(x for r in inline for x in (*r.examples, *r.keep)))
    for _ in range(2):
        for text in texts:
            lines = text.split("\n")
            stripped = [ln.strip() for ln in lines]
            ctx = _lines.DocLines(text, line_starts(lines), stripped, rs.literal_index)
            for i in range(len(stripped)):
                want = ctx.without_inline(i, inline)
                assert ctx.without_inline(i, inline, memo) == want
                assert ctx.without_inline(i, inline, memo) == want  # from the memo
                assert len(memo) <= 7


# -- one scan for every rule; inline rules searched line by line -------------------------
def _pack(source: str, needs: str) -> str:
    """A pack of one inline rule; ``needs``: its one-character literals (the chars of
    which every match holds one: with them the rule is gated, so they are scanned)."""
    listed = ", ".join(f'"{c}"' for c in needs)
    return (
        'category = "site"\n\n[[rule]]\nid = "site.x"\nzone = "inline"\n'
        f"pattern = '''{source}'''\nneeds = [{listed}]\ndescription = \"A built rule.\"\n"
    )


@pytest.mark.parametrize(
    "source",
    [
        r"[─━┼]{3,}|[|│](?:[ \t]{0,8}[|│]){2,}",
        r"[|│][ab]{0,3}$",
        r"^[|│]{2,}",
        r"\b[|│][ab]?",
        r"(?:[|│]|─)[ab]?",
    ],
)
def test_a_line_local_rule_searched_line_by_line_finds_what_the_whole_text_scan_finds(
    source: str,
) -> None:
    rs = compile_packs((("mine.toml", _pack(source, "─━┼|│")),))
    rule = rs.by_id("site.x")
    assert id(rule) in rs.literal_index.line_local, source
    rnd = random.Random(zlib.crc32(source.encode()))
    pieces = ["|", "│", "─", "━━━", "┼", "a", "b", "x", "xx", " ", "\t", "法治", "\n", "|\n|"]
    for text in _texts(rnd, pieces, 400):
        lines = text.split("\n")
        ctx = _lines.DocLines(
            text, line_starts(lines), [s.strip() for s in lines], rs.literal_index
        )
        want = [(m.span(), m.group()) for m in rule.pattern.finditer(text)]
        assert [(m.span(), m.group()) for m in ctx.finditer(rule, text)] == want, (source, text)
        assert ctx.search(rule, text) == bool(want)


@pytest.mark.parametrize(
    "source",
    [
        r"[|│]\s{0,3}[|│]",  # \s takes a line break
        r"[|│][^x]{2}",  # so does a negated class
        r"[|│]{2}(?=a)",  # a lookaround may read the next line
        r"(?<=a)[|│]{2}",
        r"\A[|│]{2}",
        r"[|│]{2}.",  # any: assumed to take anything
        r"([|│])\1",  # a back-reference
    ],
)
def test_patterns_that_could_read_past_their_line_are_not_line_local(source: str) -> None:
    assert not line_local(compile_pattern(source))


def test_required_chars_are_in_every_match_of_every_shipped_rule() -> None:
    texts = _rule_texts()
    checked = 0
    for rule in default_rules().rules:
        chars = required_chars(rule.pattern)
        if not chars:
            continue
        checked += 1
        for text in texts:
            for m in rule.pattern.finditer(text):
                assert set(m.group()) & chars, (rule.id, m.group())
    assert checked
    assert required_chars(compile_pattern(r"a?[bc]")) == frozenset()  # may start empty
    assert required_chars(compile_pattern(r"(?:[bc]{1,2}|d)e")) == frozenset("bcd")
    assert required_chars(compile_pattern("[^b]x")) == frozenset()


def test_every_shipped_line_local_rule_finds_what_the_whole_text_scan_finds() -> None:
    rs = default_rules()
    rules = [r for r in rs.rules if id(r) in rs.literal_index.line_local]
    assert rules  # structure.table-border-run, today
    texts = [*_rule_texts(), "┼──┼\n|  |  |\n│ a │ b │\n", "──\n─\n━━━━ x\n"]
    for text in texts:
        lines = text.split("\n")
        ctx = _lines.DocLines(
            text, line_starts(lines), [s.strip() for s in lines], rs.literal_index
        )
        for rule in rules:
            want = [m.span() for m in rule.pattern.finditer(text)]
            assert [m.span() for m in ctx.finditer(rule, text)] == want, (rule.id, text)


def test_the_one_scan_gives_every_gated_rule_the_lines_holding_its_literals() -> None:
    """Line rules get at least the lines (in their length window) whose stripped text holds
    one of their literals, found by one scan of the text (or, for a short line rule's
    one-character literal, by the short lines' character class); other gated rules every
    line of the text holding one."""
    rs = default_rules()
    index = rs.literal_index
    line_zones = ("line", "head", "tail", "edge", "last")
    texts = [*_rule_texts(), "中\n" + "中" * 200 + "\n  第一页  \n" + "大" * 151]
    for text in texts:
        lines = text.split("\n")
        stripped = [s.strip() for s in lines]
        found, _ = index.lines(text, line_starts(lines), LineViews(stripped))
        for rule in rs.rules:
            if id(rule) not in index.gated:
                continue
            if rule.zone in line_zones and rule.action == "remove":
                want = {
                    i
                    for i, s in enumerate(stripped)
                    if rule.min_len <= len(s) <= rule.max_len and any(x in s for x in rule.literals)
                }
            else:
                want = {i for i, s in enumerate(lines) if any(x in s for x in rule.literals)}
            assert want <= found.get(id(rule), set()), (rule.id, text)


def _plain_without_inline(line: str, rules: tuple[object, ...]) -> str:
    for rule in rules:
        line = rule.pattern.sub("", line).strip()  # type: ignore[attr-defined]
    return line


def test_inline_free_keys_skip_only_lines_a_rule_cannot_change() -> None:
    """``without_inline`` skips a rule on a line without its scanned literals, its line-local
    characters or its derived ``line_literals``: the key is the plain chain of ``sub``s."""
    rs = default_rules()
    index = rs.literal_index
    inline = rs.zone("inline")
    # the shipped rules exercise every kind of skip
    assert any(id(r) in index.line_literals for r in inline)
    assert any(id(r) in index.line_local for r in inline)
    assert any(id(r) in index.scanned for r in inline)
    texts = [*_rule_texts(), "a ! b # c\n|  |  |\n来自 www.x.com 共三页\n##paidbegin## 正文 ( ā )"]
    for text in texts:
        lines = text.split("\n")
        stripped = [ln.strip() for ln in lines]
        ctx = _lines.DocLines(text, line_starts(lines), stripped, index)
        for i, s in enumerate(stripped):
            assert ctx.without_inline(i, inline) == _plain_without_inline(s, inline), (text, i)


def test_line_literals_are_derived_from_the_pattern_never_from_needs() -> None:
    pack = (
        'category = "site"\n\n[[rule]]\nid = "site.hash"\nzone = "inline"\n'
        "pattern = '''(?<=[a-z])#{1,3}[0-9]{0,4}'''\nneeds = [\"#\", \"@\"]\n"
        'description = "A built rule."\n\n[[rule]]\nid = "site.any"\nzone = "inline"\n'
        "pattern = '''(?<=[a-z])[#@][0-9]?'''\nneeds = [\"##\"]\n"
        'description = "Needs that its matches need not hold."\n'
    )
    rs = compile_packs((("mine.toml", pack),))
    index = rs.literal_index
    assert index.line_literals[id(rs.by_id("site.hash"))] == ("#",)
    assert index.line_literals[id(rs.by_id("site.any"))] == ("#", "@")  # not needs' "##"
    inline = rs.zone("inline")
    for text in ["a#12 b##x\nc@@ d#@", "x@@\n##", "a#\nb@#", "法治\n政府"]:
        lines = text.split("\n")
        stripped = [ln.strip() for ln in lines]
        ctx = _lines.DocLines(text, line_starts(lines), stripped, index)
        for i, s in enumerate(stripped):
            assert ctx.without_inline(i, inline) == _plain_without_inline(s, inline), (text, i)


@pytest.mark.parametrize("bound", [5, 100_000])
def test_line_verdicts_are_the_first_claiming_rule_of_the_group_and_memoized_by_line(
    monkeypatch: pytest.MonkeyPatch, bound: int
) -> None:
    """``DocLines.verdict``: per group, the first rule (``repeat`` left out) that claims the
    stripped line, tried on every rule without prefilter — whether worked out now, taken
    from the memo (another document's line, either generation), or completed later for
    another group; the memo stays within its bound."""
    monkeypatch.setattr(_lines, "VERDICT_LINES", bound)
    rs = default_rules()
    plan = rs.plan
    plan.verdicts, plan.old_verdicts = {}, {}
    line_rules = [r for g in plan.groups for r in g]
    examples = [x for r in line_rules for x in (*r.examples, *r.keep)]
    texts = [*_rule_texts()[:20], "\n".join(examples), "\n\n" + "\n  ".join(examples[::-1])]
    want: dict[tuple[str, int], int] = {}
    for round_ in range(3):  # the line group first, then every group (memo entries completed)
        for text in texts:
            lines = text.split("\n")
            stripped = [ln.strip() for ln in lines]
            ctx = _lines.DocLines(text, line_starts(lines), stripped, rs.literal_index)
            masks = ctx.by_line(plan)
            for g in (0,) if round_ == 0 else (0, 1, 2):
                group = plan.groups[g]
                for i, s in enumerate(stripped):
                    key = (s, g)
                    if key not in want:
                        want[key] = next(
                            (
                                k
                                for k, r in enumerate(group)
                                if s and not r.repeat and r._match_line(s)
                            ),
                            -1,
                        )
                    assert ctx.verdict(plan, masks, i, g) == want[key], (g, s)
            assert len(plan.verdicts) + len(plan.old_verdicts) <= bound
    assert any(v >= 0 for v in want.values()) and any(v < 0 for v in want.values())
