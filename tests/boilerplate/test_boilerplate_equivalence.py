"""The prefiltered StripBoilerplate gives byte-for-byte the output of the plain per-line,
per-rule loop (tests/helpers/boilerplate_reference.py) — on generated scraped pages, on the seeds,
and on lines built to sit at the edges of what the prefilters can see."""

from __future__ import annotations

import copy
import random
import re
from pathlib import Path

import pytest

from lawrpt_corpus import DecodeStep, Hygiene, ScriptNormalize, Typography
from lawrpt_corpus.boilerplate import StripBoilerplate, default_rules
from lawrpt_corpus.boilerplate.patterns import (
    first_char_pattern,
    line_scan_safe,
    required_literals,
)
from lawrpt_corpus.document import Document

from ..helpers.boilerplate_reference import ReferenceStrip

ROOT = Path(__file__).resolve().parents[2]


def _state(doc: Document) -> tuple[object, ...]:
    return (
        doc.text,
        doc.status,
        [(r.rule, r.text) for r in doc.removed],
        list(doc.flags),
        repr(doc.edits),
    )


def _same(docs: list[Document]) -> list[str]:
    # the prefilter is about the rules: the score layer (same in both) is left out
    fast, plain = StripBoilerplate(score=False), ReferenceStrip(score=False)
    differ = []
    for doc in docs:
        a, b = fast(copy.deepcopy(doc)), plain(copy.deepcopy(doc))
        if _state(a) != _state(b):
            differ.append(doc.source)
    return differ


def _generated(n: int, tmp: Path) -> list[Document]:
    import sys

    sys.path.insert(0, str(ROOT / "benchmarks"))
    try:
        import generate
    finally:
        sys.path.pop(0)
    generate.generate(n, tmp, seed=7)
    steps = [DecodeStep(), Hygiene(), Typography(), ScriptNormalize()]
    docs = []
    for f in sorted((tmp / "raw").rglob("*.txt")):
        doc = Document.from_bytes(f.name, f.read_bytes())
        for step in steps:
            doc = step(doc)
        if doc.status != "rejected":
            docs.append(doc)
    return docs


def test_generated_pages_come_out_identical_to_the_plain_loop(tmp_path: Path) -> None:
    docs = _generated(60, tmp_path)
    assert len(docs) >= 50
    assert _same(docs) == []


def test_seeds_and_their_raw_form_come_out_identical() -> None:
    docs = []
    for p in sorted((ROOT / "seeds").glob("*.txt")):
        raw = p.read_text(encoding="utf-8")
        for text in (raw, raw.replace("\n", "\n  "), raw.replace("\n", "\r\n")):
            docs.append(Document(source=p.name, raw_sha256="0" * 64, n_bytes=0, text=text))
    assert _same(docs) == []


@pytest.mark.slow
def test_every_rule_example_and_keep_line_anywhere_in_a_page_is_identical() -> None:
    """Each example / keep line of every rule, alone, between report lines, indented, and
    glued to its neighbours' punctuation: the prefilters never hide a line from a rule."""
    body = ["2023年法治政府建设年度报告", "（一）加强组织领导。全年专题研究法治工作4次。"]
    docs = []
    for rule in default_rules().rules:
        for k, line in enumerate(rule.examples + rule.keep):
            for variant in (line, f"  {line}　", line.upper(), line.lower()):
                for lines in ([variant], [*body, variant], [variant, *body], [body[0], variant]):
                    docs.append(
                        Document(
                            source=f"{rule.id}#{k}",
                            raw_sha256="0" * 64,
                            n_bytes=0,
                            text="\n".join(lines),
                        )
                    )
    assert _same(docs) == []


def test_random_lines_from_rule_vocabulary_are_identical() -> None:
    """Short lines shuffled from the rules' own literals, separators and report words."""
    words = sorted({w for r in default_rules().rules for w in r.literals})
    words += ["：", ":", "|", " ", "【", "】", "2024-03-28", "123456", "。", "法治", "报告", "附件"]
    assert _same(_vocabulary_pages(words, random.Random(11), 300, 8, 12, "r")) == []


def _vocabulary_pages(
    words: list[str], rng: random.Random, n: int, per_line: int, per_page: int, tag: str
) -> list[Document]:
    """``n`` pages of 1–``per_page`` lines, each of 1–``per_line`` random ``words``, with one
    report sentence inserted at a random place."""
    docs = []
    for k in range(n):
        lines = [
            "".join(rng.choice(words) for _ in range(rng.randint(1, per_line)))
            for _ in range(rng.randint(1, per_page))
        ]
        lines.insert(rng.randint(0, len(lines)), "我局全面推进法治政府建设，取得明显成效。")
        docs.append(
            Document(source=f"{tag}{k}", raw_sha256="0" * 64, n_bytes=0, text="\n".join(lines))
        )
    return docs


def test_random_lines_in_traditional_script_are_identical() -> None:
    """The same vocabulary written in traditional characters: both the step and the plain
    loop match rules on the simplified view of a line (相關链接 is 相关链接 to the rules)."""
    import opencc

    s2t = opencc.OpenCC("s2t.json")
    words = sorted({s2t.convert(w) for r in default_rules().rules for w in r.literals})
    words += ["〖视频］", "：", "|", " ", "【", "】", "2024-03-28", "。", "法治", "報告"]
    assert _same(_vocabulary_pages(words, random.Random(13), 200, 6, 10, "t")) == []


@pytest.mark.parametrize(
    ("pattern", "safe"),
    [
        (r"^来源[:：]", True),
        (r"下载(?!\S{2,}办法)", True),
        (r"x\Z", False),
        (r"(?>ab|a)c", False),
        (r"a++b", False),
        (r"x(?![^y]{2})", False),
        (r"x(?!.)", False),
    ],
)
def test_only_patterns_that_see_the_same_matches_across_lines_are_scanned(
    pattern: str, safe: bool
) -> None:
    assert line_scan_safe(re.compile(pattern, re.MULTILINE)) is safe
    assert line_scan_safe(re.compile(pattern)) is False  # without MULTILINE: never


def test_required_literals_are_in_every_match_and_ignore_case_keeps_only_caseless_ones() -> None:
    assert set(required_literals(re.compile(r"(?:发布|更新)时间\s{0,4}[:：]"))) == {
        "发布时间",
        "更新时间",
    }
    assert required_literals(re.compile(r"a?b*")) == ()
    assert required_literals(re.compile(r"Copyright|版权", re.IGNORECASE)) == ()
    assert set(required_literals(re.compile(r"ICP备|版权所有", re.IGNORECASE))) == {
        "备",
        "版权所有",
    }


def test_first_character_pattern_of_anchored_rules() -> None:
    first = first_char_pattern(re.compile(r"^[【\[]?(?:分享到|分享)[:：]", re.MULTILINE))
    assert first is not None
    assert first.match("【") and first.match("分") and not first.match("享")
    assert first_char_pattern(re.compile(r"^[^\n]{0,8}x", re.MULTILINE)) is None
    assert first_char_pattern(re.compile(r"分享|^x", re.MULTILINE)) is None
