"""Unicode hygiene: invisible/layout noise removed, prose characters untouched, all counted."""

from __future__ import annotations

import unicodedata

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lawrpt_corpus.document import EDIT_TRAIL_MAX, REJECTED, Document
from lawrpt_corpus.normalize import Hygiene


def run(text: str) -> Document:
    doc = Document.from_bytes("t.txt", text.encode("utf-8"))
    doc.text = text
    return Hygiene()(doc)


def edits(doc: Document) -> dict[str, int]:
    return {e.rule: e.count for e in doc.edits if e.step == "hygiene"}


def test_line_endings_become_lf_and_blank_lines_disappear() -> None:
    doc = run("第一段。\r\n\r\n\r\n第二段。\r第三段。\n\n")
    assert doc.text == "第一段。\n第二段。\n第三段。"
    assert edits(doc)["newline"] == 4
    assert edits(doc)["blank-lines"] == 2


def test_paragraph_indentation_and_trailing_spaces_are_removed() -> None:
    doc = run("\u3000\u3000一、基本情况  \n    （一）健全制度\t\n\t二、存在问题\u3000")
    assert doc.text == "一、基本情况\n（一）健全制度\n二、存在问题"
    assert edits(doc) == {"indent": 3, "trailing-space": 3}


def test_spaces_inside_a_line_are_kept() -> None:
    text = "县委办公室 县政府办公室\n0791-85722422"
    assert run(text).text == text


def test_bom_zero_width_and_control_characters_are_removed() -> None:
    doc = run("\ufeff依\u200b法\u200c行\u200d政\u2060，\x00推\x07进\x1b法\x7f治\x85。\t完")
    assert doc.text == "依法行政，推进法治。\t完"
    assert edits(doc) == {"invisible": 5, "control": 5}


def test_nbsp_becomes_a_plain_space() -> None:
    doc = run("第\u00a01\u00a0条")
    assert doc.text == "第 1 条" and edits(doc) == {"nbsp": 2}


def test_kangxi_radicals_and_compatibility_ideographs_fold_to_unified() -> None:
    doc = run("\u2f00\u2f08\u2f2f人民\uf900\uf9b4\U0002f800")
    assert doc.text == "一人工人民豈" + unicodedata.normalize("NFKC", "\uf9b4") + "丽"
    assert edits(doc) == {"radical": 3, "compat-ideograph": 3}


def test_fullwidth_letters_and_digits_become_ascii_but_punctuation_stays() -> None:
    doc = run("１９５５年，ＧＤＰ增长（ａ）：“好”！？《法》…①")
    assert doc.text == "1955年，GDP增长（a）：“好”！？《法》…①"
    assert edits(doc) == {"fullwidth-alnum": 8}


def test_seed_edge_cases_come_through_unchanged() -> None:
    text = "1916.76万元 (2021-2025年) 【2023】〔2024〕 <关于…> 12·4 “AA” 4.15国家安全日"
    doc = run(text)
    assert doc.text == text and edits(doc) == {}


def test_clean_seeds_change_only_by_layout(seed_texts: dict[str, str]) -> None:
    for text in seed_texts.values():
        doc = run(text)
        assert doc.text == "\n".join(line.strip() for line in text.splitlines() if line.strip())
        assert set(edits(doc)) <= {"indent", "trailing-space", "blank-lines"}


def test_text_of_only_invisible_characters_is_rejected_as_empty() -> None:
    doc = run("\ufeff\u200b \r\n\u3000\n")
    assert (doc.status, doc.reason) == (REJECTED, "empty")


@pytest.mark.parametrize("text", ["第一段\n第二段", "无需改动"])
def test_hygiene_is_idempotent(text: str) -> None:
    once = run(text).text
    assert run(once).text == once


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_output_contract_holds_for_any_text(text: str) -> None:
    doc = run(text)
    if doc.status == REJECTED:
        return
    out = doc.text
    assert "\r" not in out and "\n\n" not in out
    assert not out.startswith("\n") and not out.endswith("\n")
    assert all(ch in "\n\t" or unicodedata.category(ch) != "Cc" for ch in out)
    for line in out.split("\n"):
        assert line == line.strip(" \t\u3000")
    assert run(out).text == out


def test_each_pass_locates_its_spans_until_the_trail_is_full_then_only_counts() -> None:
    text = "\u3000甲\r\n" * 40 + "Ａ\u200b乙 \n\n\n丙"
    doc = Document.from_bytes("t.txt", text.encode("utf-8"))
    doc.text = text
    doc.edit_spans = [("x", "y", 0, 0, "", "", 0)] * (EDIT_TRAIL_MAX - 5)
    Hygiene()(doc)
    kept = [e for e in doc.edit_trail() if e.step == "hygiene"]
    assert [(e.rule, e.start, e.before) for e in kept] == [
        ("newline", 2 + 4 * i, "\r\n") for i in range(5)
    ]
    assert edits(doc) == {
        "newline": 40,
        "invisible": 1,
        "fullwidth-alnum": 1,
        "indent": 40,
        "trailing-space": 1,
        "blank-lines": 1,
    }
    # every change not kept is counted as dropped: 40 + 2 + 40 + 1 + 1 - 5
    assert doc.edit_spans_dropped == 79 and doc.text == "甲\n" * 40 + "A乙\n丙"


def test_the_trail_of_a_noisy_text_replays_to_the_output() -> None:
    text = (
        "\ufeff\u3000\u3000一、\u00a0基本\u2f00情况  \r\n\r\n"
        "\u3000（一）ＡＢ\x07制度\t\u2028\n\n二\uf900\n"
    )
    doc = run(text)
    calls: dict[int, list[tuple[int, int, str, str]]] = {}
    for e in doc.edit_trail():
        calls.setdefault(e.call, []).append((e.start, e.end, e.before, e.after))
    out = text
    for call in sorted(calls):
        pieces, pos = [], 0
        for start, end, old, new in sorted(calls[call]):
            assert out[start:end] == old
            pieces += [out[pos:start], new]
            pos = end
        out = "".join([*pieces, out[pos:]])
    assert out == doc.text == "一、 基本一情况\n（一）AB制度\n二豈"
