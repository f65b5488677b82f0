"""Whole-text rules gated on the characters every match consumes (``patterns.gate_chars``,
``LiteralIndex.char_gated``): a text without one is never searched, a text with some is
searched only around them, and both find exactly what a search of the whole text finds."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lawrpt_corpus.boilerplate import StripBoilerplate, default_rules
from lawrpt_corpus.boilerplate._lines import DocLines, char_offsets, line_starts
from lawrpt_corpus.boilerplate.patterns import compile_pattern, gate_chars
from lawrpt_corpus.boilerplate.ruleset import compile_packs
from lawrpt_corpus.document import Document

from ..helpers.boilerplate_texts import rule_texts

YEAR = default_rules().by_id("flag.placeholder-year")


def _ctx(text: str, rules: object = None) -> DocLines:
    rs = default_rules() if rules is None else rules
    lines = text.split("\n")
    return DocLines(text, line_starts(lines), [s.strip() for s in lines], rs.literal_index)  # type: ignore[attr-defined]


def _spans(matches: list[object]) -> list[tuple[tuple[int, int], str]]:
    return [(m.span(), m.group()) for m in matches]  # type: ignore[attr-defined]


def test_the_placeholder_year_gate_is_its_x_like_characters_derived_from_the_pattern() -> None:
    # not its first class (2 is in nearly every report), nor 年/日 (every report)
    assert YEAR.gate_chars == "".join(sorted("xXＸ×*＊"))
    assert id(YEAR) in default_rules().literal_index.char_gated
    assert YEAR.reach > 0


@pytest.mark.parametrize(
    ("source", "want"),
    [
        (r"a[bc]d", "a"),  # the rarest, then the smallest set
        (r"年[xX]", "xX"),  # a common character (年) only if nothing else
        (r"年月", "年"),
        (r"(?:ab|c)d", "d"),
        (r"(?:a|b)年", "ab"),  # each branch's best, united
        (r"(?:a|年)", "a年"),
        (r"(?=x)y", "y"),  # a lookahead consumes nothing
        (r"(?<=x)y?z", "z"),  # an optional element gives nothing
        (r"[^a]b", "b"),
        (r"\s\d", ""),  # categories: unknown
        (r"(?i:a)b", "b"),  # scoped flags: that group gives nothing
        (r"(?:xy){1,3}", "x"),
        (r"(?:xy)*z", "z"),
    ],
)
def test_gate_chars_on_built_patterns(source: str, want: str) -> None:
    assert "".join(sorted(gate_chars(compile_pattern(source)))) == "".join(sorted(want))


def test_gate_chars_gives_nothing_under_ignore_case_or_for_a_wide_class() -> None:
    assert gate_chars(compile_pattern("ab", ignore_case=True)) == frozenset()
    assert gate_chars(compile_pattern("[a-z]")) == frozenset()  # 26 > GATE_MAX_CHARS


_BUILT = [
    YEAR.pattern.pattern,
    r"[2xX](?<![0-9][2xX])(?:(?<=2)0[xX*]{2}|(?<=[xX])[xX]{3})\s{0,2}年",
    r"(?:ab|c[de]{1,2})(?:f|g)?h",
    r"(?<=q)[mn]{2}|o(?=p)",
    r"(?:[xy]z|w){2}",
]


@pytest.mark.parametrize("source", _BUILT)
@settings(max_examples=150, deadline=None)
@given(data=st.data())
def test_every_generated_match_consumes_a_gate_character(source: str, data: st.DataObject) -> None:
    """Hypothesis writes strings holding a match of the pattern: every match of it there
    consumes a gate character."""
    pattern = compile_pattern(source)
    chars = gate_chars(pattern)
    assert chars
    text = data.draw(st.from_regex(pattern))
    matches = list(pattern.finditer(text))
    assert matches
    for m in matches:
        assert set(m.group()) & chars, (source, text, m.group())


@settings(max_examples=300, deadline=None)
@given(st.from_regex(YEAR.pattern))
def test_the_gate_never_skips_a_text_the_placeholder_year_pattern_matches(text: str) -> None:
    """Hypothesis writes texts holding a match of the pattern (with noise around it): the gate
    lets every one through and the search around the gate characters finds the match."""
    assert YEAR.pattern.search(text)
    assert set(text) & set(YEAR.gate_chars)
    ctx = _ctx(text)
    assert ctx.search(YEAR, text)
    assert _spans(ctx.finditer(YEAR, text)) == _spans(list(YEAR.pattern.finditer(text)))


_PIECES = ["20", "2", "0", "1", "9", "x", "X", "Ｘ", "×", "*", "＊", "ｘ", "年", "月", "日"]
_PIECES += [" ", "\n", "\u3000", "\t", "法", "A", "a", "度", "XX", "20XX年", "××××年", "2023"]


@settings(max_examples=500, deadline=None)
@given(st.lists(st.sampled_from(_PIECES), max_size=40).map("".join))
def test_the_gated_search_equals_the_whole_text_search_on_built_texts(text: str) -> None:
    ctx = _ctx(text)
    want = _spans(list(YEAR.pattern.finditer(text)))
    assert _spans(ctx.finditer(YEAR, text)) == want
    assert ctx.search(YEAR, text) == bool(want)
    if not set(text) & set(YEAR.gate_chars):
        assert not want


def test_every_shipped_rule_with_gate_chars_consumes_one_in_every_match() -> None:
    rules = [r for r in default_rules().rules if r.gate_chars]
    assert YEAR in rules
    texts = rule_texts(5)
    for rule in rules:
        for text in texts:
            for m in rule.pattern.finditer(text):
                assert set(m.group()) & set(rule.gate_chars), (rule.id, m.group())
    for text in texts:
        ctx = _ctx(text)
        want = _spans(list(YEAR.pattern.finditer(text)))
        assert _spans(ctx.finditer(YEAR, text)) == want


def test_many_occurrences_fall_back_to_one_whole_text_search() -> None:
    """Past the cap, a search per occurrence would cost more than one whole-text search:
    the offsets are dropped (None) and the whole text is searched, same matches."""
    text = "X" * 5000 + "，20XX年"
    assert char_offsets(text, YEAR.gate_chars) is None
    assert char_offsets("法治" * 100 + "XX", YEAR.gate_chars) == [200, 201]
    assert char_offsets("法治政府", YEAR.gate_chars) == []
    ctx = _ctx(text)
    assert _spans(ctx.finditer(YEAR, text)) == _spans(list(YEAR.pattern.finditer(text)))
    assert ctx.search(YEAR, text)


def test_a_user_rule_nothing_else_gates_is_char_gated_without_code_change() -> None:
    pack = (
        'category = "flag"\n\n[[rule]]\nid = "flag.mine"\nzone = "text"\nflag = "mine"\n'
        "pattern = '''[0-9]\\s{0,2}[@＠]\\s{0,2}[0-9]'''\ndescription = \"A built flag.\"\n"
    )
    rs = compile_packs((("mine.toml", pack),))
    rule = rs.by_id("flag.mine")
    assert rs.literal_index.char_gated == {id(rule): "@＠"}
    for text in ["12@34", "法治12＠ 34年", "12 34", "@@", "1\n@2", "x\n12@34\n", "@1"]:
        ctx = _ctx(text, rs)
        assert ctx.search(rule, text) == bool(rule.pattern.search(text))


def test_the_step_flags_a_placeholder_year_and_not_a_real_one() -> None:
    step = StripBoilerplate()
    body = "我局认真贯彻落实党中央、国务院关于法治政府建设的决策部署，全面推进依法行政。\n"
    for title, flagged in (("20XX年", True), ("2023年", False), ("202X 年", True)):
        text = title + "法治政府建设工作报告\n" + body * 3
        doc = step(Document(source="t.txt", raw_sha256="0" * 64, n_bytes=len(text), text=text))
        assert ("placeholder" in doc.flags) == flagged, title
