"""Whole-text rules that open with a lookaround are searched with ``regex`` instead of ``re``
(``patterns.whole_text_pattern``) only when the two modules find exactly the same matches."""

from __future__ import annotations

import random
import re
import string
import zlib
from pathlib import Path

import pytest
import regex

from lawrpt_corpus.boilerplate import StripBoilerplate, default_rules
from lawrpt_corpus.boilerplate.patterns import (
    compile_pattern,
    engine_neutral,
    whole_text_pattern,
)
from lawrpt_corpus.document import Document

from ..helpers.boilerplate_texts import rule_texts

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.parametrize(
    "source",
    [
        r"(?<![!-~])(?=(?:[!-~]{1,2} ){4}[!-~])(?:[!-~]{1,2} ){4,12}[!-~]{1,2}(?![!-~])",
        r"(?<=[一-龥，])[★☆]{1,3}(?=[一-龥])",
        r"(?=ab)[a-c]{2,4}?c|x[^\n]{0,3}y",
        r"(?!q)(?:ab|a)(?:bc|b)?.",
    ],
)
def test_neutral_patterns_are_neutral(source: str) -> None:
    assert engine_neutral(re.compile(source))


@pytest.mark.parametrize(
    "source",
    [
        r"(?=a)\s+b",  # \s: the Unicode tables of re and regex differ
        r"(?=a)\w",
        r"(?=a)\d",
        r"(?=a)b\b",
        r"^(?=a)ab",
        r"(?=a)a(?i:b)",
        r"(?=a)(a)\1",
        r"(?=a)(?>ab)",
        r"(?=a)a++",
        r"(?=a)[[:alpha:]]",  # regex: a POSIX class; re: a class then ']'
        r"(?=a)a{e<=1}",  # regex: fuzzy matching; re: the characters
    ],
)
@pytest.mark.filterwarnings("ignore::FutureWarning")
def test_patterns_either_module_reads_its_own_way_are_not_neutral(source: str) -> None:
    assert not engine_neutral(re.compile(source))
    assert whole_text_pattern(re.compile(source)).__class__ is re.Pattern


def test_ignorecase_and_regex_module_patterns_are_not_neutral() -> None:
    assert not engine_neutral(re.compile(r"(?=a)ab", re.IGNORECASE))
    assert not engine_neutral(regex.compile(r"(?=a)ab"))


def test_only_patterns_opening_with_a_lookaround_change_module() -> None:
    opening = re.compile(r"(?<![!-~])[a-c]{2}")
    assert isinstance(whole_text_pattern(opening), regex.Pattern)
    plain = re.compile(r"[a-c]{2}(?![!-~])")  # re skips ahead to the class: kept
    assert whole_text_pattern(plain) is plain


def _alphabet_texts(source: str, n: int) -> list[str]:
    rnd = random.Random(zlib.crc32(source.encode()))
    alphabet = string.ascii_letters[:8] + "!#(){}|;:,./ " + "一二★☆\n　"
    return ["".join(rnd.choice(alphabet) for _ in range(rnd.randint(0, 80))) for _ in range(n)]


def _rule_texts() -> list[str]:
    return rule_texts(7, ("\n", "", " "))


def test_every_shipped_rule_given_the_regex_module_finds_what_re_finds() -> None:
    rules = [r for r in default_rules().rules if r.whole is not None]
    assert any(r.id == "mirror.jammer" for r in rules)  # the rule this was made for
    texts = _rule_texts()
    for rule in rules:
        assert isinstance(rule.whole, regex.Pattern)
        for text in texts + _alphabet_texts(rule.id, 300):
            want = [(m.span(), m.group()) for m in rule.pattern.finditer(text)]
            got = [(m.span(), m.group()) for m in rule.whole.finditer(text)]
            assert got == want, (rule.id, text)
            assert (rule.whole.search(text) is None) == (rule.pattern.search(text) is None)


@pytest.mark.parametrize(
    "source",
    [
        r"(?<![!-~])(?=(?:[!-~]{1,2} ){4}[!-~])(?=[^\n]{0,40}?[!#(){}|;:,./] )"
        r"(?:[!-~]{1,2} ){4,12}[!-~]{1,2}(?![!-~])",
        r"(?<=[一二])[★☆]{1,3}(?=[一二，])",
        r"(?=[a-d])(?:ab|a)(?:bc|b)*?[^\n]",
        r"(?!b)[a-h](?:[!-/]{1,2}|[a-c] ){1,3}?(?=[^a])",
    ],
)
def test_regex_finds_what_re_finds_on_built_texts(source: str) -> None:
    pattern = compile_pattern(source)
    fast = whole_text_pattern(pattern)
    assert isinstance(fast, regex.Pattern)
    for text in _alphabet_texts(source, 1500):
        want = [(m.span(), m.group()) for m in pattern.finditer(text)]
        assert [(m.span(), m.group()) for m in fast.finditer(text)] == want, text


def test_the_step_removes_jammer_filler_with_the_fast_search() -> None:
    text = "依法行政i( j( e7 Z2 {! |0 K工作取得新进展。\n第二段落继续推进法治政府建设。"
    doc = Document(source="t.txt", raw_sha256="0" * 64, n_bytes=len(text), text=text)
    out = StripBoilerplate()(doc)
    assert out.text.startswith("依法行政工作取得新进展。")
    assert [r.rule for r in out.removed] == ["mirror.jammer"]
