"""build.json's counts add up the same from per-block partial counts as from one stream."""

from __future__ import annotations

from lawrpt_corpus import default_pipeline
from lawrpt_corpus.publish.stats import BuildStats


def test_merged_partial_counts_equal_the_counts_of_one_stream(seed_texts: dict[str, str]) -> None:
    pipe = default_pipeline()
    docs = [pipe.process_bytes(name, text.encode()) for name, text in seed_texts.items()]
    docs.append(pipe.process_bytes("empty.txt", b""))
    docs.append(pipe.process_bytes("bin.txt", b"\x00\x01\x02binary"))
    whole = BuildStats()
    for doc in docs:
        whole.add(doc)
    merged = BuildStats()
    for start in range(0, len(docs), 2):
        part = BuildStats()
        for doc in docs[start : start + 2]:
            part.add(doc)
        merged.merge(part)
    assert merged.counts() == whole.counts() and merged.dist == whole.dist
    assert whole.counts()["rejected"] == 2 and whole.counts()["kept"] >= 1
