"""RepeatedLines: lines shared across many documents are reported; strict ones removed;
report headings, formulas, dates and signatures always survive."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from lawrpt_corpus import RepeatedLines, build
from lawrpt_corpus.document import Document

CHROME = "本页面由网站群内容管理平台生成 技术服务热线"
TEMPLATE = "坚持依法行政建设法治政府全面提升治理效能"  # shared, but in the middle of reports
SHARED_REPORT_LINES = [
    "一、存在的主要问题",
    "（一）加强组织领导",
    "专此报告。",
    "2024年1月15日",
    "某某市人力资源和社会保障局",
    "2023年法治政府建设年度报告",
]


def _unique(i: int, k: int) -> str:
    chars = "".join(chr(0x4E00 + (i * 7919 + k * 104729 + j * 31) % 20000) for j in range(18))
    return chars  # no final 。: counted (a sentence would be protected)


def _report(i: int) -> str:
    body = [_unique(i, k) for k in range(30)]
    lines = [
        SHARED_REPORT_LINES[5],
        *body[:4],
        SHARED_REPORT_LINES[0],
        SHARED_REPORT_LINES[1],
        *body[4:15],
        TEMPLATE,
        *body[15:],
        SHARED_REPORT_LINES[2],
        SHARED_REPORT_LINES[4],
        SHARED_REPORT_LINES[3],
        CHROME,
    ]
    return "\n".join(lines)


def _doc(i: int, text: str, source: str | None = None) -> Document:
    d = Document(source=source or f"site{i}/r.txt", raw_sha256=f"{i:064x}", n_bytes=0)
    d.text, d.seq = text, i
    return d


def _corpus(n: int = 30) -> list[Document]:
    docs = [_doc(i, _report(i)) for i in range(n)]
    # one document copied 25 times: its own lines must not look "shared"
    lonely = _report(999).replace(CHROME, "只在一份文档里出现的一行落款说明文字")
    docs += [_doc(1000 + j, lonely, f"mirror{j}/copy.txt") for j in range(25)]
    return docs


def _fitted(docs: list[Document], **kw: object) -> RepeatedLines:
    step = RepeatedLines(**kw)  # type: ignore[arg-type]
    for d in docs:
        step.prepare(d)
    step.fit(docs)
    return step


def test_shared_chrome_line_is_removed_and_report_headings_survive() -> None:
    docs = _corpus()
    step = _fitted(docs)
    doc = step.apply(docs[0])
    assert CHROME not in doc.text
    assert [(r.rule, r.text.strip()) for r in doc.removed] == [("repeated-line", CHROME)]
    for line in [*SHARED_REPORT_LINES, TEMPLATE]:
        assert line in doc.text.split("\n")
    assert "\n\n" not in doc.text and not doc.text.endswith("\n")


def test_candidates_with_counts_go_to_stats_for_promotion() -> None:
    step = _fitted(_corpus())
    stats = step.stats()
    assert stats["documents"] == 55 and stats["distinct_documents"] == 31
    by_text = {c["text"]: c for c in stats["candidates"]}
    assert by_text[CHROME]["docs"] == 30 and by_text[CHROME]["removed"] is True
    assert by_text[CHROME]["edge_share"] == 1.0
    # shared template prose in mid-report: a candidate, never removed
    assert by_text[TEMPLATE]["removed"] is False and by_text[TEMPLATE]["edge_share"] == 0.0
    for line in SHARED_REPORT_LINES:
        assert line not in by_text  # protected lines are not even counted
    json.dumps(stats)  # lands in build.json


def test_identical_copies_do_not_inflate_counts() -> None:
    step = _fitted(_corpus())
    texts = {c["text"] for c in step.stats()["candidates"]}
    assert "只在一份文档里出现的一行落款说明文字" not in texts


def test_small_corpus_removes_nothing() -> None:
    docs = _corpus(5)[:5]
    step = _fitted(docs)
    assert step.stats()["removed_lines_total"] == 0
    assert step.apply(docs[0]).removed == []


def test_fit_reads_a_replayable_stream_twice_and_keeps_counts_bounded() -> None:
    docs = _corpus()

    class Replay:
        passes = 0

        def __iter__(self):  # type: ignore[no-untyped-def]
            Replay.passes += 1
            return iter(docs)

    step = RepeatedLines(max_entries=200)
    for d in docs:
        step.prepare(d)
    step.fit(Replay())
    assert Replay.passes == 2  # counting, then sample texts of the candidates
    stats = step.stats()
    assert stats["pruned"] > 0
    assert any(c["text"] == CHROME and c["removed"] for c in stats["candidates"])


def test_a_text_changed_after_prepare_is_scanned_again_not_trusted_to_its_hashes() -> None:
    docs = _corpus()
    step = _fitted(docs)
    clean = docs[0]
    clean.text = clean.text.replace(CHROME, "")  # prepare() saw CHROME; apply() must not care
    assert step.apply(clean).removed == []
    late = _doc(5000, _unique(5000, 1))
    step.prepare(late)  # hashes say "no strict line" …
    late.text += "\n" + CHROME  # … but an earlier corpus step added one since
    assert [r.rule for r in step.apply(late).removed] == ["repeated-line"]
    assert CHROME not in late.text


def test_line_normalisation_folds_digits_spaces_width_and_case() -> None:
    from lawrpt_corpus.boilerplate.repeated import normalize_line

    assert normalize_line("  第2023 期 ( 总 ５ 期 ): Hello! ") == "第0000期（总0期）：hello！"
    assert normalize_line("\u3000\u3000扫一扫\xa0分享?") == "扫一扫分享？"


def test_features_are_compact_and_dropped_after_apply() -> None:
    docs = _corpus(3)
    step = RepeatedLines()
    step.prepare(docs[0])
    packed = docs[0].features["repeated_lines.edge"] + docs[0].features["repeated_lines.body"]
    assert isinstance(packed, bytes) and len(packed) % 8 == 0
    step.fit(docs)
    step.apply(docs[0])
    assert not any(k.startswith("repeated_lines.") for k in docs[0].features)


@pytest.mark.slow
def test_build_reports_candidates_in_build_json_and_removals_in_the_dataset(
    tmp_path: Path,
) -> None:
    src = tmp_path / "in"
    for i in range(25):
        (src / f"site{i}").mkdir(parents=True)
        (src / f"site{i}" / "r.txt").write_text(_report(i), encoding="utf-8")
    out = tmp_path / "out"
    result = build([src], out, workers=1)
    summary = json.loads((out / "build.json").read_text(encoding="utf-8"))
    found = summary["corpus"]["repeated-lines"]["candidates"]
    assert any(c["text"] == CHROME and c["docs"] == 25 for c in found)
    assert result.counts["removals_by_rule"]["repeated-line"] == 25


def test_sample_text_is_the_first_occurrence_even_in_a_text_changed_after_prepare() -> None:
    """The sample pass skips documents by their prepared line hashes only when those hashes
    were taken of the text it sees: a line added after prepare() is still found first."""
    docs = _corpus()
    early = _doc(-1, _unique(-1, 1))
    variant = CHROME.replace(" ", "   ")  # the same line after normalisation
    assert variant != CHROME
    for d in [early, *docs]:
        RepeatedLines().prepare(d)
    early.text += "\n" + variant  # added by a step after prepare(): hashes are stale
    step = RepeatedLines()
    step.fit([early, *docs])
    by_docs = {c["text"]: c["docs"] for c in step.stats()["candidates"]}
    assert variant in by_docs and CHROME not in by_docs  # the first text seen is the sample


def test_memoized_protection_of_short_lines_equals_the_computed_one() -> None:
    from lawrpt_corpus.boilerplate import repeated
    from lawrpt_corpus.boilerplate.protect import is_protected

    root = Path(__file__).resolve().parents[2]
    lines = []
    for p in sorted((root / "seeds").glob("*.txt")):
        lines += [ln.strip() for ln in p.read_text(encoding="utf-8").split("\n") if ln.strip()]
    short = [ln for ln in lines if len(ln) <= repeated.PROTECTED_MEMO_CHARS]
    assert len(short) > 50
    repeated._protected_short.cache_clear()
    first = [repeated._protected_short(ln) for ln in short]
    again = [repeated._protected_short(ln) for ln in short]  # from the memo
    assert first == again == [is_protected(ln) for ln in short]
    assert any(first) and not all(first)
    info = repeated._protected_short.cache_info()
    assert info.hits >= len(short) and info.maxsize == repeated.PROTECTED_MEMO
    # what prepare() stores does not depend on the memo's state
    step = RepeatedLines()
    text = "\n".join(lines)
    got = []
    for clear in (True, False):
        if clear:
            repeated._protected_short.cache_clear()
        doc = Document(source="a.txt", raw_sha256="0" * 64, n_bytes=0, text=text)
        step.prepare(doc)
        got.append(dict(doc.features))
    assert got[0] == got[1]
