"""The Document's channels: typed fields carry what crosses steps or reaches the output;
``features`` is scratch that never does; changes go through its methods."""

from __future__ import annotations

import pickle

import pytest

from lawrpt_corpus import default_pipeline
from lawrpt_corpus.document import DUPLICATE, Document, Removal
from lawrpt_corpus.publish.schema import data_row, manifest_row


def _processed(seed_texts: dict[str, str]) -> Document:
    name, text = next(iter(seed_texts.items()))
    return default_pipeline().process_bytes(name, text.encode("gb18030"))


def test_decode_and_typography_fill_typed_fields_that_reach_the_row(
    seed_texts: dict[str, str],
) -> None:
    doc = _processed(seed_texts)
    assert doc.decode_rule and doc.decoded_chars > len(doc.text) // 2
    assert doc.width_profile is not None
    row = data_row(doc)
    assert (row["decode_rule"], row["width_profile"]) == (doc.decode_rule, doc.width_profile)
    assert "decode_rule" not in doc.meta and "width_profile" not in doc.meta
    assert not {"decoded_chars", "text_sha1"} & doc.features.keys()


def test_features_never_reach_the_dataset_or_manifest_rows(seed_texts: dict[str, str]) -> None:
    doc = _processed(seed_texts)
    rows = (data_row(doc), manifest_row(doc))
    doc.features = {"decoded_chars": 1, "decode_rule": "x", "width_profile": 0.5, "title": "t"}
    assert (data_row(doc), manifest_row(doc)) == rows


def test_mark_duplicate_points_the_manifest_row_at_the_kept_document() -> None:
    doc = Document.from_bytes("b.txt", "内容".encode())
    doc.text = "内容"
    assert doc.mark_duplicate("0123456789abcdef", "near:0.93") is doc
    assert (doc.status, doc.duplicate_of, doc.reason, doc.text, doc.raw) == (
        DUPLICATE,
        "0123456789abcdef",
        "near:0.93",
        "",
        None,
    )
    row = manifest_row(doc)
    assert (row["status"], row["id"], row["duplicate_of"]) == (
        "duplicate",
        "0123456789abcdef",
        "0123456789abcdef",
    )


def test_typed_fields_survive_the_spill_pickle(seed_texts: dict[str, str]) -> None:
    doc = _processed(seed_texts)
    back = pickle.loads(pickle.dumps(doc))
    assert (back.decode_rule, back.decoded_chars, back.width_profile) == (
        doc.decode_rule,
        doc.decoded_chars,
        doc.width_profile,
    )


@pytest.mark.parametrize(
    "text",
    [
        "",
        "plain ASCII text\nsecond line",
        "法治政府建设年度报告：一、主要举措（2023年）\n二、存在的不足",
        "Café déjà vu",  # Latin-1, not ASCII
        "生僻字𠀀在扩展区B\n𪚥",  # astral characters: two UTF-16 units each
        "孤立的代理\ud800项",  # a lone surrogate (surrogateescape input)
        "\ud800\udc00 两个孤立代理相邻",  # a high and a low lone surrogate side by side
    ],
)
def test_spill_pickle_gives_back_the_same_text_whatever_its_characters(text: str) -> None:
    doc = Document.from_bytes("a.txt", b"x")
    doc.text = text
    doc.removed.append(Removal("r", "删", 3, 1))
    back = pickle.loads(pickle.dumps(doc, protocol=pickle.HIGHEST_PROTOCOL))
    assert back.text == text
    assert [ord(c) for c in back.text] == [ord(c) for c in text]
    assert back == doc


def test_spill_pickle_of_a_chinese_text_takes_two_bytes_per_character() -> None:
    doc = Document.from_bytes("a.txt", b"x")
    doc.text = "法治政府建设年度报告" * 300  # 3,000 characters, 9,000 bytes of UTF-8
    size = len(pickle.dumps(doc, protocol=pickle.HIGHEST_PROTOCOL))
    assert size < len(doc.text.encode("utf-8")) - 2_000
    assert pickle.loads(pickle.dumps(doc, protocol=pickle.HIGHEST_PROTOCOL)) == doc
