"""The prefilter's two literal scanners (``_scan``: Hyperscan over UTF-16 or UTF-32 code units, the
Aho-Corasick automaton over characters) find the same occurrences, so the step's output is
the same with either; lone surrogates are handled by both."""

from __future__ import annotations

import random
from pathlib import Path

import pytest

from lawrpt_corpus.boilerplate import StripBoilerplate, _scan, default_rules
from lawrpt_corpus.boilerplate._lines import LineViews, LiteralIndex, line_starts
from lawrpt_corpus.boilerplate.ruleset import RuleSet, compile_packs
from lawrpt_corpus.document import Document
from lawrpt_corpus.normalize.script import ScriptRecheck

ROOT = Path(__file__).resolve().parents[2]
_LINE_ZONES = ("line", "head", "tail", "edge", "last")
ENGINES = ["automaton", "hyperscan"]


def _hs(engine: str = "hyperscan") -> None:
    if engine == "hyperscan":
        pytest.importorskip("hyperscan", reason="the [hyperscan] extra is not installed")


def _brute(text: str, literals: list[str]) -> dict[int, list[int]]:
    out: dict[int, list[int]] = {}
    for k, lit in enumerate(literals):
        i = text.find(lit)
        while i >= 0:
            out.setdefault(k, []).append(i)
            i = text.find(lit, i + 1)
    return out


def _texts(literals: list[str], n: int, seed: int) -> list[str]:
    rnd = random.Random(seed)
    filler = ["法治", "政府", "。", "\n", " ", "　", "a", "é", "𠀀", "\ud800", "\udfff", "Ω", "XX"]
    out = []
    for _ in range(n):
        parts = [rnd.choice(literals if rnd.random() < 0.5 else filler) for _ in range(30)]
        out.append("".join(parts))
    return out


@pytest.mark.parametrize("engine", ENGINES)
def test_a_scanner_finds_every_occurrence_of_every_literal_overlaps_included(engine: str) -> None:
    _hs(engine)
    literals = ["XX", "XXX", "共", "共中央", " >", "a", "é", "𠀀", "法治政府", "政府。\n法", "Ω"]
    scanner = _scan.make_scanner(literals, engine)
    assert scanner.name == engine
    for text in [
        "",
        "XXXX",
        "中共中央 > 共",
        *_texts(literals, 300, 7),
    ]:
        got = {k: v for k, v in scanner.find(text).items()}
        assert got == _brute(text, literals), text


def test_hyperscan_scans_utf16_units_when_text_and_literals_are_in_the_bmp() -> None:
    """BMP-only literals get the UTF-16 database; a text with no character beyond the BMP
    is scanned as UTF-16 units (lone surrogates, also two in a row that UTF-16 would read
    as a pair, are one unit each), any other text as UTF-32: the occurrences are the same."""
    _hs()
    literals = ["XX", "XXX", "共", "共中央", " >", "a", "é", "法治政府", "政府。\n法", "\ufffd"]
    scanner = _scan.make_scanner(literals, "hyperscan")
    assert isinstance(scanner, _scan.HyperscanScanner) and scanner._db16 is not None
    with_astral = _texts(literals, 200, 5)
    bmp_only = [t.replace("𠀀", "") for t in with_astral]
    assert any("𠀀" in t for t in with_astral) and not any("𠀀" in t for t in bmp_only)
    paired = ["\ud83d\ude00共中央", "XX\ud800\udc00XX", "a\udfffé\ud800"]
    for text in ["", "XXXX", *paired, *bmp_only, *with_astral]:
        assert scanner.find(text) == _brute(text, literals), repr(text)
    astral = _scan.make_scanner(["共", "𠀀"], "hyperscan")
    assert isinstance(astral, _scan.HyperscanScanner) and astral._db16 is None
    assert astral.find("共𠀀共") == {0: [0, 2], 1: [1]}


@pytest.mark.parametrize("engine", ENGINES)
def test_the_shipped_literals_are_found_alike_on_rule_examples_and_seeds(engine: str) -> None:
    _hs(engine)
    rs = default_rules()
    literals = sorted({lit for r in rs.rules for lit in (*r.literals, *r.scan_literals)})
    scanner = _scan.make_scanner(literals, engine)
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
    texts += ["\n".join(x for r in rs.rules for x in (*r.examples, *r.keep))]
    texts += _texts(literals, 50, 11)
    texts += [t.replace("𠀀", "") for t in _texts(literals, 50, 12)]  # the UTF-16 scan
    for text in texts:
        assert scanner.find(text) == _brute(text, literals)


def test_both_engines_give_the_prefilter_the_same_lines_and_offsets() -> None:
    _hs()
    rs = default_rules()
    hs, ac = LiteralIndex(rs.rules, "hyperscan"), LiteralIndex(rs.rules, "automaton")
    assert (hs.engine, ac.engine) == ("hyperscan", "automaton")
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
    texts.append("\n".join(x for r in rs.rules for x in r.examples) + "\n尾\ud800部")
    for text in texts:
        lines = text.split("\n")
        stripped = [ln.strip() for ln in lines]
        starts = line_starts(lines)
        (hs_lines, hs_offsets), (ac_lines, ac_offsets) = (
            index.lines(text, starts, LineViews(stripped)) for index in (hs, ac)
        )
        assert hs_offsets == ac_offsets
        for rule in rs.rules:
            # Hyperscan finds a short line rule's literals in every line, the automaton in
            # the short lines only: the same lines in the rule's length window
            got = [index.get(id(rule), set()) for index in (hs_lines, ac_lines)]
            if rule.zone in _LINE_ZONES and rule.action == "remove":
                lo, hi = rule.min_len, rule.max_len
                got = [{i for i in g if lo <= len(stripped[i]) <= hi} for g in got]
            assert got[0] == got[1], rule.id


def test_the_whole_step_gives_the_same_output_with_either_engine(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    _hs()
    texts = [p.read_text(encoding="utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
    texts += [
        "\n".join(r.examples) + "\n本年度法治政府建设情况报告如下。" for r in default_rules().rules
    ]
    outs = []
    for env in ("", "1"):
        monkeypatch.setenv(_scan.NO_HYPERSCAN, env)
        compile_packs.cache_clear()
        step = StripBoilerplate()
        assert step.ruleset.literal_index.engine == ("automaton" if env else "hyperscan")
        docs = [
            step(Document(source=f"{i}", raw_sha256="0", n_bytes=0, text=t))
            for i, t in enumerate(texts)
        ]
        outs.append(
            [(d.text, d.status, [(r.rule, r.text) for r in d.removed], d.flags) for d in docs]
        )
    compile_packs.cache_clear()
    assert outs[0] == outs[1]


def test_the_env_var_selects_the_automaton(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(_scan.NO_HYPERSCAN, "1")
    assert not _scan.hyperscan_available()
    assert LiteralIndex(default_rules().rules).engine == "automaton"
    with pytest.raises(ValueError, match="unknown literal scanner"):
        _scan.make_scanner(["x"], "re2")


@pytest.mark.parametrize("engine", ENGINES)
def test_a_rule_added_to_a_pack_reaches_the_scanner_without_code_change(
    engine: str, tmp_path: Path
) -> None:
    _hs(engine)
    pack = tmp_path / "mine.toml"
    pack.write_text(
        """category = "site"

[[rule]]
id = "site.qq-box"
zone = "line"
pattern = '^扫码关注ZZ政务号[^。]{0,10}$'
description = "A site's follow box."
""",
        encoding="utf-8",
    )
    rs = compile_packs((("mine.toml", pack.read_text(encoding="utf-8")),))
    rule = rs.by_id("site.qq-box")
    index = LiteralIndex(rs.rules, engine)
    assert index.engine == engine and id(rule) in index.by_literals
    text = "本年度法治政府建设报告\n扫码关注ZZ政务号吧\n依法行政。"
    lines = text.split("\n")
    found, _ = index.lines(text, line_starts(lines), LineViews([ln.strip() for ln in lines]))
    assert found[id(rule)] == {1}
    fresh = RuleSet(rs.rules)  # a fresh index in the step too
    assert fresh.literal_index.by_literals == {id(rule)}


@pytest.mark.parametrize("env", ["", "1"])
def test_lone_surrogates_do_not_break_the_step_or_the_script_recheck_rerun(
    env: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Bug fix: the automaton raised UnicodeEncodeError on a lone surrogate, so the rerun of
    the step after ``script-recheck`` rejected the document as ``error:script-recheck``."""
    if not env:
        _hs()
    monkeypatch.setenv(_scan.NO_HYPERSCAN, env)
    compile_packs.cache_clear()
    try:
        text = (
            "當前位置：首頁 > 新聞\n本報告總結了\ud800法治政府建設情況，依法行政工作全面推進。\n"
            "國務院辦公廳關於進一步加強政務公開工作的意見。\n打印 關閉\n"
        )
        doc = Document(source="x", raw_sha256="0", n_bytes=0, text=text)
        doc = ScriptRecheck(then=(StripBoilerplate(),))(doc)
        assert doc.status == "kept", doc.reason
        assert doc.text.startswith("本报告总结了\ud800法治政府")
        assert "打印" not in doc.text and "当前位置" not in doc.text
        plain = StripBoilerplate()(
            Document(source="y", raw_sha256="0", n_bytes=0, text="当前位置：首页\n正文\udc80内容。")
        )
        assert plain.text == "正文\udc80内容。"
    finally:
        compile_packs.cache_clear()
