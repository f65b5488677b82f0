"""Every change is a located span: removals carry ``start``, in-place edits are
``(step, rule, start, end, before, after)`` spans, and together they explain each step's
change exactly (``inspect`` replays them; it no longer diffs)."""

from __future__ import annotations

import pytest

from lawrpt_corpus import Document, default_pipeline
from lawrpt_corpus.document import EDIT_TRAIL_MAX, located_changes
from lawrpt_corpus.inspect import trace_input
from lawrpt_corpus.pipeline import Step

NOISE_HEAD = (
    "首页 > 政务公开 > 法治政府建设\n【打印】【关闭】\n\u3000\u3000本局２０２４年度,依法行政\n"
)
TRADITIONAL = "\n我們堅持依法行政，積極推進法治政府建設。"


def _noisy(text: str) -> bytes:
    """A seed dressed as a scraped page: chrome lines, CRLF, indentation, a zero-width
    space, full-width digits, a traditional paragraph."""
    body = text.replace("2024", "２０２４", 1).replace("。", "。\u200b", 1)
    return (NOISE_HEAD + body + TRADITIONAL + "\n手机扫一扫\n").replace("\n", "\r\n").encode()


@pytest.mark.parametrize("i", range(5))
def test_each_step_of_the_default_pipeline_is_explained_by_its_trail(
    seed_texts: dict[str, str], i: int
) -> None:
    name, text = sorted(seed_texts.items())[i]
    result = trace_input(Document.from_bytes(name, _noisy(text)))
    assert result["status"] == "kept" and result["trace_consistent"]
    changed = [s for s in result["steps"] if s["changed_text"]]
    assert {s["name"] for s in changed} >= {"hygiene", "typography", "boilerplate"}
    # every step is explained by its trail, unless the trail hit its bound (typography on
    # these NFKC-folded seeds: hundreds of commas); then inspect aligns it linearly
    assert all(s["located"] or s["edit_spans_dropped"] for s in result["steps"]), [
        s["name"] for s in result["steps"] if not s["located"]
    ]
    segs = result["segments"]
    assert "".join(s["text"] for s in segs if s["kind"] in ("text", "changed")) == result["text"]
    decoded = _noisy(text).decode("utf-8")
    assert "".join(s["text"] for s in segs if s["kind"] != "changed") == decoded
    spans = [e for s in result["steps"] for e in s["edit_spans"]]
    assert {e["rule"] for e in spans} >= {"newline", "indent", "fullwidth-alnum", "comma"}


def test_a_removals_start_locates_it_in_the_text_it_was_cut_from(
    seed_texts: dict[str, str],
) -> None:
    seen: list[tuple[str, Document]] = []

    def observe(step: Step, before: Document, after: Document) -> None:
        seen.append((before.text, after))

    name, text = sorted(seed_texts.items())[0]
    default_pipeline().process_bytes(name, _noisy(text), observe)
    checked = 0
    for before_text, after in seen:
        for r in after.removed:
            if r.call == after.changes or before_text[r.start : r.start + len(r.text)] == r.text:
                checked += 1
    assert checked >= 3


def test_located_changes_reproduce_the_new_text_in_linear_pieces() -> None:
    cases = [
        ("甲,乙,丙", "甲，乙，丙"),  # same length: per position
        ("a\r\nb\n\n\nc", "a\nb\nc"),  # fewer lines: one block
        ("第一行\n  第二行 \n第三行", "第一行\n第二行\n第三行"),  # same lines, other lengths
        ("", "新"),
        ("旧", ""),
    ]
    for before, after in cases:
        out, pos = [], 0
        for start, end, repl in located_changes(before, after):
            assert pos <= start <= end
            out += [before[pos:start], repl]
            pos = end
        assert "".join([*out, before[pos:]]) == after


def test_the_edit_trail_is_bounded_and_the_counts_stay_complete() -> None:
    text = "甲,乙。" * (EDIT_TRAIL_MAX + 100)
    doc = default_pipeline().process_bytes("many.txt", text.encode())
    typo = [e for e in doc.edit_trail() if e.step == "typography"]
    assert len(doc.edit_spans) == EDIT_TRAIL_MAX and doc.edit_spans_dropped > 0
    counted = sum(e.count for e in doc.edits if e.step == "typography")
    assert counted == EDIT_TRAIL_MAX + 100 and len(typo) <= EDIT_TRAIL_MAX
    result = trace_input(Document.from_bytes("many.txt", text.encode()))
    assert result["text"] == doc.text  # past the bound inspect still shows the change
    assert "".join(s["text"] for s in result["segments"] if s["kind"] != "changed") == text
