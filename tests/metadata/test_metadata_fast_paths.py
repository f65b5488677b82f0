"""The metadata step's shortcuts change speed, never answers.

* ``Gazetteer.find`` on long texts tries only the positions numpy marks (pairs that start a
  name); it must find exactly what the plain scans find.
* The placeholder pattern is only tried where the text has one of ``first_chars``: that
  list must cover every way the pattern can start, and the answer is the whole-text search's.
* The whole text is searched for places only when a step needs its mentions
  (``Mentions``): the place found is the one an eager search gives.
* The level markers and self-references are counted by an Aho-Corasick automaton
  (``LiteralFindall``): the same words, in the same order, as the stdlib alternation's
  ``findall``, which it falls back to on texts the automaton cannot take.
"""

from __future__ import annotations

import importlib
import random
import re

import pytest

from lawrpt_corpus.metadata.extract import (
    NUM,
    LiteralFindall,
    cn_number,
    find_sections,
    has_placeholder,
    may_be_agency_line,
    may_be_heading_after_numeral,
    may_end_date,
    patterns,
    resolve_place,
)
from lawrpt_corpus.metadata.gazetteer import Mention, Mentions, gazetteer
from lawrpt_corpus.metadata.rules import rules
from lawrpt_corpus.metadata.step import extract

# the module (the package exports a function of the same name)
extract_mod = importlib.import_module("lawrpt_corpus.metadata.extract")


def _mixed_texts(seed_texts: dict[str, str]) -> list[str]:
    g = gazetteer()
    names = sorted(g._names)
    rng = random.Random(8)
    texts = list(seed_texts.values())
    noise = ["市场", "县级", "区域", "，", "。", "\n", "𠀀", "\ud800", "X", "某", "我局", "全区"]
    for _ in range(60):
        parts = []
        for _ in range(rng.randint(50, 400)):
            r = rng.random()
            name = rng.choice(names)
            if r < 0.4:
                parts.append(name)
            elif r < 0.7:
                parts.append(name[: rng.randint(1, len(name))])  # a name cut short
            elif r < 0.85:
                parts.append(name[rng.randint(0, len(name) - 1) :])  # its tail
            else:
                parts.append(rng.choice(noise))
        texts.append("".join(parts))
    return texts


def test_long_text_finder_finds_what_the_plain_scans_find(seed_texts):
    g = gazetteer()
    for text in _mixed_texts(seed_texts):
        assert sorted(g._candidates_numpy(text)) == sorted(g._candidates_scan(text))


def test_finder_gives_the_same_mentions_below_and_above_the_numpy_threshold():
    g = gazetteer()
    body = "我县围绕南昌县、南昌市和江西省的工作要求，厦门湖里区也在推进。"
    short = g.find(body)
    long = g.find(body + "。" * 400)
    assert [(m.start, m.end, m.name) for m in short] == [(m.start, m.end, m.name) for m in long]
    assert [m.name for m in short] == ["南昌县", "南昌市", "江西省", "厦门", "湖里区"]


@pytest.mark.parametrize(
    "text",
    ["", "县", "南昌", "𠀀" * 300, "\ud800南昌县" * 100, "\uffff南昌县" * 100],
    ids=["empty", "suffix-only", "short-name", "astral", "lone-surrogates", "U+FFFF"],
)
def test_finder_on_degenerate_texts_matches_the_plain_scans(text, monkeypatch):
    from lawrpt_corpus.metadata import gazetteer as module

    g = gazetteer()
    fast = g.find(text)
    monkeypatch.setattr(module, "_NUMPY_MIN_CHARS", 1 << 40)
    assert fast == g.find(text)


def test_mentions_are_immutable_values():
    # the short-text cache hands the same Mention objects to every caller
    a = Mention(0, 3, "南昌县", ("360121",))
    assert a == Mention(0, 3, "南昌县", ("360121",)) and hash(a) == hash(Mention(*a))
    assert (a.start, a.end, a.name, a.codes) == (0, 3, "南昌县", ("360121",))
    with pytest.raises(AttributeError):
        a.start = 1  # type: ignore[misc]


def _marker_texts(seed_texts: dict[str, str], words: list[str]) -> list[str]:
    rng = random.Random(12)
    pieces = [*words, *(w[:1] for w in words), *(w[1:] for w in words), "委", "政府", "，"]
    pieces += ["心", "中", "𠀀", "x", "\n", "南昌县"]
    texts = [*seed_texts.values(), "", "我", "\ud800我县全县", "我县\udfff全区本区"]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 60))) for _ in range(3000)]
    return texts


@pytest.mark.parametrize("which", ["level_marker", "self_ref"])
def test_marker_scan_finds_what_the_alternation_finds(seed_texts, which):
    p = patterns()
    scan = getattr(p, f"{which}_scan")
    words = list(p.level_of_marker if which == "level_marker" else p.self_refs)
    hits = 0
    for text in _marker_texts(seed_texts, words):
        got = scan.findall(text)
        assert got == scan.pattern.findall(text), text
        hits += bool(got)
    assert hits > 1000


def test_literal_findall_keeps_the_alternations_order_where_words_overlap():
    # leftmost, then the first word in the list (not the longest), then resume after it
    rng = random.Random(4)
    for words in (["ab", "abc", "b", "ca"], ["abc", "ab", "bca", "c"], ["a", "aa", "aaa"]):
        scan = LiteralFindall(words, re.compile("|".join(map(re.escape, words))))
        for _ in range(2000):
            text = "".join(rng.choice("abc") for _ in range(rng.randint(0, 30)))
            assert scan.findall(text) == scan.pattern.findall(text), (words, text)
        assert scan.findall("ab\ud800abc") == scan.pattern.findall("ab\ud800abc")


def test_placeholder_first_chars_cover_every_start_of_the_pattern():
    first = rules()["placeholder"]["first_chars"]
    pat = patterns().placeholder
    suffixes = ["省", "自治区", "市", "自治州", "州", "盟", "区", "县", "旗"]
    others = [chr(cp) for cp in range(0x20, 0x10000) if chr(cp) not in first]
    # every other character, each followed by a place suffix: no match starts anywhere
    text = "".join(ch + suffixes[i % len(suffixes)] for i, ch in enumerate(others))
    assert pat.search(text) is None
    for ch in first:
        assert pat.match(ch + "市") is not None


def test_placeholder_flag_still_set_for_each_masking_style():
    for masked in ("XX市XX区司法局", "××县人民政府", "某市某区", "ｘｘ县", "＊＊省"):
        assert "placeholder" in extract(f"{masked}2023年法治政府建设年度报告\n正文。").flags
    assert "placeholder" not in extract("南昌县司法局2023年法治政府建设年度报告\n正文。").flags


def test_placeholder_check_answers_as_the_whole_text_search(seed_texts):
    pat = patterns().placeholder
    rng = random.Random(3)
    pieces = ["X", "x", "XXXXX", "某", "某某某", "＊", "×", "市", "自治", "自治区", "县", "我局"]
    texts = [*seed_texts.values(), "", "X", "某", "XXXXXXXX" * 50, "某" * 100 + "市"]
    texts += ["".join(rng.choice(pieces) for _ in range(rng.randint(1, 40))) for _ in range(3000)]
    for text in texts:
        assert has_placeholder(text) == (pat.search(text) is not None), text


def test_lazy_mentions_search_the_text_only_when_read():
    g = gazetteer()
    text = "厦门市湖里区司法局2023年法治政府建设年度报告\n湖里区坚持依法行政。"
    lazy = Mentions(g, text)
    assert lazy._found is None
    support = lazy.province_support()
    assert lazy._found is None  # building the counts object reads nothing
    assert dict(support) != {} and lazy.found == g.find(text)
    assert Mentions.of(g.find(text)).found == g.find(text)


def test_place_from_lazy_mentions_is_the_place_from_eager_mentions(seed_texts):
    g = gazetteer()
    cases = [(t, a) for t in seed_texts.values() for a in (None, "县司法局", "鼓楼区司法局")]
    cases += [("我县坚持依法行政。" * 3 + "鼓楼区" * 3 + "福州市鼓楼区", None)]
    for text, agency in cases:
        eager = resolve_place(g, g.find(text), text, agency, 1)
        lazy = resolve_place(g, Mentions(g, text), text, agency, 1)
        assert eager == lazy


def test_short_texts_remembered_give_the_same_mentions_and_cannot_be_changed_by_callers():
    g = gazetteer()
    name = "江西省南昌市南昌县司法局"
    first = g.find(name)
    first.clear()  # a caller's list is its own
    again = g.find(name)
    assert [m.name for m in again] == ["江西省", "南昌市", "南昌县"]
    assert again == g._find(name, g._candidates_scan(name))


def test_lines_that_cannot_end_with_a_date_match_neither_date_pattern():
    p = patterns()
    rng = random.Random(11)
    heads = ["", "（", "(", "南昌县司法局 ", "南昌县司法局\u3000", "XX市人民政府  ", "南昌县司法局"]
    dates = [
        "2024年1月5日",
        "2024 年 12 月 31 日",
        "二〇二四年一月五日",
        "2024-02-03",
        "2024.2.3",
        "2024/02/３",
        "2024-02-٣",
        "2024年1月",
        "二〇二四年十二月",
    ]
    tails = ["", "", "）", ")", " ）", "号", "。", "印", "\u3000", "0", "a", "日"]
    lines = [rng.choice(heads) + rng.choice(dates) + rng.choice(tails) for _ in range(5000)]
    matched = 0
    for raw in lines:
        s = raw.strip()
        hit = bool(p.date_line.match(s) or p.agency_date_line.match(s))
        matched += hit
        if hit:
            assert may_end_date(s), s
    assert 100 < matched < len(lines)  # both kinds of lines occur


def test_heading_gate_passes_every_character_a_heading_can_continue_with():
    # every code point (a lone surrogate too): where the heading pattern matches a line
    # "一<c>…", the cheap test on <c> must let the line through to the pattern
    p = patterns()
    passed = 0
    for cp in range(0x110000):
        c = chr(cp)
        for line in ("一" + c + "、总体情况", "一" + c + " 总体情况", "一" + c):
            if p.heading.match(line):
                assert may_be_heading_after_numeral(c), hex(cp)
                passed += 1
    assert not may_be_heading_after_numeral("")  # a line that is one numeral: no heading
    assert not p.heading.match("一")
    assert passed > 20  # numerals, separators and white space all occur


def test_sections_with_the_heading_gate_are_the_sections_of_every_numeral_line():
    p = patterns()
    rng = random.Random(5)
    starts = [*NUM, "一是", "三年来", "十二", "二 、", "三\u3000．", "四.", "五．", "（一）"]
    starts.append("六\t、")
    rests = ["、总体情况", "是加强", "年来，我们", "、", "。", "依法行政；深化改革。" * 5, ""]
    for _ in range(300):
        lines = []
        for no in range(1, rng.randint(2, 40)):
            t = (rng.choice(starts) + rng.choice(rests)).strip()
            if t:
                lines.append(extract_mod.Line(no, t))
        # the reference: the pattern on every line that starts with a numeral, no gate
        ref: list[str] = []
        expected = 1
        for ln in lines:
            m = p.heading.match(ln.text) if ln.text[:1] in NUM else None
            if m and cn_number(m.group(1)) == expected:
                ref.append(ln.text)
                expected += 1
        got, heads = find_sections(lines)
        assert [h.text for h in heads] == ref
        assert len(got) == len(ref)


def test_remembered_chinese_numbers_are_the_computed_ones(monkeypatch):
    monkeypatch.setattr(extract_mod, "_CN_NUMBER_MEMO", {})
    monkeypatch.setattr(extract_mod, "_CN_NUMBER_MEMO_MAX", 5)  # clears while in use
    words = ["", "一", "十", "十二", "二十", "九十九", "二〇二三", "一九四九", "十x", "x十", "百"]
    words += ["二〇二四", "零", "○三", "Ｏ", "十一十", "三十三"]
    for _ in range(3):
        for w in words:
            assert cn_number(w) == extract_mod._cn_number(w), w
    assert cn_number("二〇二三") == 2023 and cn_number("十二") == 12 and cn_number("百") is None
    assert len(extract_mod._CN_NUMBER_MEMO) <= 5


@pytest.mark.slow
def test_agency_line_gate_passes_every_last_character_the_pattern_accepts():
    p = patterns()
    passed = 0
    for cp in range(0x110000):  # every last character (a lone surrogate too)
        c = chr(cp)
        for line in ("南昌县司法" + c, "XX市人民政" + c, "办公" + c, c):
            if p.agency_line.match(line):
                assert may_be_agency_line(line), hex(cp)
                passed += 1
    assert passed > 10


def test_agency_line_gate_passes_every_line_the_pattern_matches():
    p = patterns()
    assert p.agency_last is not None  # the shipped suffixes are plain words: the gate is on
    rng = random.Random(3)
    words = [
        "南昌县",
        "司法局",
        "人民政府",
        "管理委员会",
        "办公室",
        "XX",
        "（",
        "）",
        "。",
        "2024年",
    ]
    ends = ["", "\n", " ", "印", "局\n"]
    for _ in range(3000):
        line = "".join(rng.choice(words) for _ in range(rng.randint(1, 6))) + rng.choice(ends)
        if p.agency_line.match(line):
            assert may_be_agency_line(line), line
    assert may_be_agency_line("南昌县司法局") and not may_be_agency_line("二〇二四年一月五日")


def test_suffix_last_characters_only_for_a_plain_alternation_of_words():
    last = extract_mod._last_chars
    assert last("(?:人民政府|局|厅)") == frozenset("府局厅")
    assert last("(?:人民政府|[局厅])") is None  # a class: nothing can be ruled out
    assert last("(?:局|厅)?") is None
    assert last("局|厅") is None


def test_remembered_leading_places_are_the_computed_ones_and_callers_cannot_change_them(
    monkeypatch,
):
    g = gazetteer()
    monkeypatch.setattr(extract_mod, "_LEADING_MEMO_MAX", 4)  # clears while in use
    monkeypatch.setitem(g._memos, "leading_places", {})
    names = [
        "湖北省人社厅",
        "中共沛县县委",
        "沛县司法局",
        "国家税务总局福州市税务局",
        "XX市XX区司法局",
    ]
    names += ["福州市鼓楼区人民政府", "省人社厅", "司法部", "鼓楼区司法局", ""]
    for _ in range(3):
        for name in names:
            want = extract_mod._leading_places(g, name)
            lead, masks = extract_mod.leading_places(g, name)
            assert (tuple(lead), tuple(masks)) == want, name
            lead.clear()  # a caller's list is its own
            masks.append(("X", "county"))
    assert len(g.memo("leading_places")) <= 4
    assert extract_mod.leading_places(g, "湖北省人社厅")[0][0].name == "湖北省"


def _type_answers(s: str) -> tuple[bool, bool]:
    """Whether ``s`` names a report type, per type (the reference): any type, a specific one."""
    types = patterns().doc_types
    return any(rx.search(s) for _, _, rx in types), any(rx.search(s) for _, _, rx in types[:-2])


def test_one_search_of_the_report_types_answers_as_one_search_per_type(seed_texts):
    p = patterns()
    words = [d["name"] for d in rules()["doc_types"]]
    rng = random.Random(19)
    samples = [line.strip() for text in seed_texts.values() for line in text.split("\n")[:40]]
    for _ in range(3000):  # type words, cut, joined, with the brackets the tail allows
        parts = rng.choices(
            [*words, "关于", "2023年", "（全文）", "(草案)", "的", "工作", "情况", " "], k=4
        )
        s = "".join(parts)
        samples += [s, s[: rng.randrange(len(s) + 1)], s[rng.randrange(len(s) + 1) :]]
    for s in samples:
        assert (bool(p.doc_type_any.search(s)), bool(p.doc_type_specific.search(s))) == (
            _type_answers(s)
        ), s
