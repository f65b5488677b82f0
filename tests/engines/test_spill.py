"""The spill: documents appended one by one or as worker-pickled batches come back in input
order, chunk files are whole, and a resumed spill keeps exactly the complete chunks."""

from __future__ import annotations

from lawrpt_corpus.document import Document
from lawrpt_corpus.engines.base import Spill, pickle_batch


def _doc(i: int) -> Document:
    d = Document.from_bytes(f"f{i}.txt", f"报告{i}".encode())
    d.text = f"报告{i}"
    d.seq = i
    return d


def test_mixed_single_and_pickled_appends_come_back_in_order(tmp_path):
    spill = Spill(tmp_path / "s", chunk_size=5)
    spill.append(_doc(0))
    spill.append_pickled(3, pickle_batch([_doc(1), _doc(2), _doc(3)]))
    spill.append(_doc(4))
    spill.append(_doc(5))
    spill.append_pickled(2, pickle_batch([_doc(6), _doc(7)]))
    out = list(spill)
    assert [d.seq for d in out] == list(range(8))
    assert [d.source for d in out] == [f"f{i}.txt" for i in range(8)]
    assert all(d.raw is None for d in out)  # raw bytes never reach the disk
    assert spill.count == 8
    assert list(spill) == out  # replayable


def test_pickle_batch_drops_raw_bytes():
    d = _doc(1)
    assert d.raw is not None
    pickle_batch([d])
    assert d.raw is None


def test_chunks_close_at_chunk_size_and_resume_keeps_whole_chunks(tmp_path):
    spill = Spill(tmp_path / "s", chunk_size=4, fingerprint="p")
    for start in range(0, 12, 3):  # batches of 3: chunks close after 6 and 12 documents
        spill.append_pickled(3, pickle_batch([_doc(i) for i in range(start, start + 3)]))
    # the last chunk is still in memory: a "crash" now leaves only the complete chunks
    files = sorted(p.name for p in (tmp_path / "s").glob("chunk-*"))
    assert files == ["chunk-000000.pkl", "chunk-000001.pkl"]
    again = Spill(tmp_path / "s", chunk_size=4, resume=True, fingerprint="p")
    chunks = list(again.resumable())
    assert [[d.seq for d in c] for c in chunks] == [list(range(6)), list(range(6, 12))]
    again.keep_chunks(1, len(chunks[0]))
    assert again.count == 6
    again.append_pickled(2, pickle_batch([_doc(6), _doc(7)]))
    assert [d.seq for d in again] == list(range(8))


def test_other_pipeline_fingerprint_discards_old_chunks(tmp_path):
    spill = Spill(tmp_path / "s", chunk_size=2, fingerprint="a")
    spill.append_pickled(2, pickle_batch([_doc(0), _doc(1)]))
    other = Spill(tmp_path / "s", chunk_size=2, resume=True, fingerprint="b")
    assert list(other.resumable()) == []


def test_documents_survive_the_pickle_round_trip_with_every_field():
    import copy
    import pickle
    from dataclasses import fields

    from lawrpt_corpus.document import Removal

    d = _doc(3)
    d.encoding, d.script, d.status, d.reason = "gb18030", "traditional", "duplicate", "exact"
    d.duplicate_of, d.meta = "0123456789abcdef", {"year": 2023, "province": "浙江省"}
    d.sections, d.flags, d.duplicates = ["一、"], ["truncated"], ["g.txt"]
    d.log_removal("ad", "广告")
    d.log_edit("typography", "comma", 3)
    d.features["dedup"] = (b"\x01" * 16, 10, 6, b"\x00" * 8)
    back = pickle.loads(pickle.dumps(d, protocol=pickle.HIGHEST_PROTOCOL))
    assert back == d
    assert all(getattr(back, f.name) == getattr(d, f.name) for f in fields(d))
    assert back.removed[0] == Removal("ad", "广告") and hash(back.removed[0]) == hash(d.removed[0])
    assert copy.deepcopy(d) == d
