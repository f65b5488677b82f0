"""The shared character classes (lawrpt_corpus.text.chars): one definition, same meaning
everywhere it is used."""

from __future__ import annotations

import re
import unicodedata

import regex

from lawrpt_corpus.boilerplate.patterns import compile_pattern
from lawrpt_corpus.text.chars import (
    CONTROL,
    HAN,
    HAN_IDEOGRAPH_RANGES,
    HAN_SCRIPT_RANGES,
    SAMPLE_CHARS,
    class_body,
    invisible_and_control,
    is_chinese,
    parse_ranges,
)
from lawrpt_corpus.text.score import profile

#: every code point but the surrogates, assigned in this Python's Unicode database
ASSIGNED = "".join(
    chr(c)
    for c in range(0x110000)
    if not 0xD800 <= c < 0xE000 and unicodedata.category(chr(c)) != "Cn"
)


def _in(ranges: tuple[tuple[int, int], ...], ch: str) -> bool:
    return any(lo <= ord(ch) <= hi for lo, hi in ranges)


def test_han_is_the_regex_modules_script_han_on_every_assigned_code_point() -> None:
    ours = set(re.findall(f"[{HAN}]", ASSIGNED))
    theirs = set(regex.findall(r"\p{Han}", ASSIGNED))
    assert ours == theirs, sorted(hex(ord(c)) for c in ours ^ theirs)[:20]


def test_a_rules_p_han_means_the_same_under_re_and_under_regex() -> None:
    compiled = compile_pattern(r"\p{Han}[\p{Han}A]")
    assert isinstance(compiled, re.Pattern)  # translated for re, not the regex fallback
    pairs = [ASSIGNED[i : i + 2] for i in range(0, len(ASSIGNED) - 1, 2)]
    fallback = regex.compile(r"\p{Han}[\p{Han}A]", regex.V0)
    for pair in pairs:
        assert bool(compiled.fullmatch(pair)) == bool(fallback.fullmatch(pair)), pair


def test_ideographs_are_han_and_marks_radicals_are_han_but_not_ideographs() -> None:
    for ch in "中国鿿㐀𠀀\U00030000\U000323af﨑":  # URO, Ext A, B, G, H, compatibility
        assert _in(HAN_IDEOGRAPH_RANGES, ch) and _in(HAN_SCRIPT_RANGES, ch), hex(ord(ch))
    for ch in "々〇〡⺀⼀":  # iteration mark, ideographic zero, Hangzhou numeral, radicals
        assert _in(HAN_SCRIPT_RANGES, ch) and not _in(HAN_IDEOGRAPH_RANGES, ch), hex(ord(ch))
    for ch in "，。A1あ한":
        assert not _in(HAN_SCRIPT_RANGES, ch)


def test_class_body_and_parse_ranges_round_trip() -> None:
    assert parse_ranges(class_body(HAN_SCRIPT_RANGES)) == list(HAN_SCRIPT_RANGES)
    assert class_body(((0x4E00, 0x4E00), (0x3400, 0x4DBF))) == "一㐀-䶿"


def test_is_chinese_measures_han_among_visible_characters_of_the_head() -> None:
    assert is_chinese("法治政府建设")
    assert not is_chinese("")
    assert not is_chinese("   \n\u3000")
    assert not is_chinese("abcdefghij" * 2 + "中")  # 1 of 21 visible < 0.1
    assert is_chinese("abcdefghi" + "中")  # 1 of 10 visible = 0.1
    assert is_chinese("中" + " " * 100)  # spaces are not visible
    assert not is_chinese("々〇〇〇")  # marks are Han script, not ideographs
    assert not is_chinese("a" * SAMPLE_CHARS + "中" * 1000)  # only the head is measured


def test_is_chinese_decided_from_the_head_equals_counting_the_whole_sample() -> None:
    """The head shortcut (the first quarter of the sample proves the test) answers as the
    count of the whole sample does: texts around the 10 % threshold, with the Han at the
    start, the end or spread, spaces, lengths around the head and the sample's sizes."""
    import random

    from lawrpt_corpus.text.chars import HEAD_CHARS, han_counts

    def full(text: str, share: float) -> bool:
        c = han_counts(text)
        return c.han > 0 and c.han >= share * (c.chars - c.spaces)

    rnd = random.Random(23)
    pieces = ["中", "法", "a", "1", "。", " ", "\u3000", "\n", "𠀀", "々"]
    lengths = [HEAD_CHARS - 1, HEAD_CHARS, HEAD_CHARS + 1, 3000, SAMPLE_CHARS, SAMPLE_CHARS + 7]
    shortcut = 0
    for _ in range(400):
        n = rnd.choice([*lengths, rnd.randrange(1, 2 * SAMPLE_CHARS)])
        p_han = rnd.choice([0.0, 0.02, 0.09, 0.1, 0.11, 0.3, 0.4, 0.45, 0.9])
        weights = [p_han / 2, p_han / 2] + [(1 - p_han) / 8] * 8
        chars = rnd.choices(pieces, weights, k=n)
        if rnd.random() < 0.3:
            chars.sort(key=lambda c: c in "中法", reverse=rnd.random() < 0.5)
        text = "".join(chars)
        for share in (0.1, 0.3, 0.0):
            assert is_chinese(text, share) == full(text, share), (n, p_han, share)
        shortcut += _head(text)
    assert shortcut > 50  # the shortcut is taken often enough to be tested


def _head(text: str) -> bool:
    from lawrpt_corpus.text.chars import _head_suffices

    return _head_suffices(text, 0.1)


def test_is_chinese_gives_the_same_answer_from_the_decoders_profile() -> None:
    for text in ("法治政府建设", "abc中", "x" * 50 + "中文" * 3, "\ufeff\u3000 中", "ok"):
        assert is_chinese(text) == is_chinese(text, prof=profile(text)), text


def test_invisible_and_control_deletes_zero_width_and_c0_but_not_newlines_or_c1() -> None:
    pattern, table = invisible_and_control()
    text = "a\u200bb\ufeffc\x00d\x1fe\n\t\r\u00ad\x85f"
    assert text.translate(table) == "abcde\n\t\r\u00ad\x85f"
    assert len(pattern.findall(text)) == 4
    assert "\x7f" in CONTROL and "\n" not in CONTROL and "\r" not in CONTROL
