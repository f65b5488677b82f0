"""The Document's channels: typed fields carry what crosses steps or reaches the output;
``features`` is scratch that never does; changes go through its methods."""

from __future__ import annotations

import pickle

from lawrpt_corpus import default_pipeline
from lawrpt_corpus.document import DUPLICATE, Document
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
