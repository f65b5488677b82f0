"""The parquet writer thread: the same files as writing in the caller's thread, errors
re-raised in the driver, nothing left running after a failed or interrupted build."""

from __future__ import annotations

import hashlib
import threading
from pathlib import Path
from typing import Any

import pyarrow.parquet as pq
import pytest

from lawrpt_corpus import build
from lawrpt_corpus.publish import writer as writer_module
from lawrpt_corpus.publish.schema import MANIFEST_SCHEMA
from lawrpt_corpus.publish.writer import DatasetWriter, _ShardedParquet, _WriterThread


def _writer_threads() -> list[threading.Thread]:
    return [t for t in threading.enumerate() if t.name == "lawrpt-parquet"]


def _digests(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*.parquet"))
    }


def _manifest_rows(n: int) -> list[dict[str, Any]]:
    return [
        {
            "source": f"in/{i:05d}.txt",
            "raw_sha256": f"{i:064x}",
            "n_bytes": i * 31,
            "status": "kept" if i % 3 else "rejected",
            "id": f"{i:016x}" if i % 3 else None,
            "duplicate_of": None,
            "reason": None if i % 3 else "empty",
            "encoding": "utf-8" if i % 3 else None,
            "format": "txt",
        }
        for i in range(n)
    ]


@pytest.mark.parametrize(("n", "shard_rows"), [(0, 10), (1, 1), (2600, 1000), (3001, 700)])
def test_shards_written_by_the_thread_are_the_bytes_written_in_place(
    tmp_path: Path, n: int, shard_rows: int
) -> None:
    rows = _manifest_rows(n)
    results = []
    for name, background in (("in-place", None), ("thread", _WriterThread(2))):
        folder = tmp_path / name / "manifest"
        shards = _ShardedParquet(folder, "manifest", MANIFEST_SCHEMA, shard_rows, background)
        for row in rows:
            shards.write(row)
        results.append((shards.close(), shards.num_bytes, shards.download_size))
        if background is not None:
            background.stop()
    assert results[0] == results[1]
    assert _digests(tmp_path / "in-place") == _digests(tmp_path / "thread")
    assert not _writer_threads()


def test_calls_run_in_order_on_one_other_thread() -> None:
    background = _WriterThread(2)
    seen: list[tuple[int, int]] = []
    for i in range(50):
        background.submit(lambda i=i: seen.append((i, threading.get_ident())))
    background.wait()
    background.stop()
    assert [i for i, _ in seen] == list(range(50))
    assert len({ident for _, ident in seen}) == 1
    assert seen[0][1] != threading.get_ident()
    with pytest.raises(RuntimeError, match="stopped"):
        background.submit(lambda: None)  # never skipped silently


class _FailingWriter:
    """A parquet writer whose third batch fails, as a full disk would."""

    def __init__(self, path: Path, schema: Any) -> None:
        self.writer = pq.ParquetWriter(path, schema)
        self.batches = 0

    def write_batch(self, batch: Any) -> None:
        self.batches += 1
        if self.batches == 3:
            raise OSError(28, "No space left on device")
        self.writer.write_batch(batch)

    def close(self) -> None:
        self.writer.close()


def test_an_error_in_the_thread_is_raised_in_the_driver_and_the_build_cleans_up(
    tmp_path: Path, seeds_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writer_module, "_open_parquet", _FailingWriter)
    monkeypatch.setattr(writer_module, "_ROW_GROUP", 1)  # a batch per row: the 3rd fails
    with pytest.raises(OSError, match="No space left"):
        build([seeds_dir], tmp_path / "out", workers=1)
    assert not (tmp_path / "out").exists()
    assert not _writer_threads()
    # the checkpoint is kept for --resume; no shard is left in the staging folder
    staging = tmp_path / ".out.partial"
    assert (staging / "spill").is_dir() and not list(staging.rglob("*.parquet"))


def test_an_interrupted_final_pass_stops_the_thread_and_keeps_the_checkpoint(
    tmp_path: Path, seeds_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writer_module, "_ROW_GROUP", 1)  # batches in flight when it stops

    def progress(stage: str, done: int) -> None:
        if stage == "write" and done == 4:
            raise KeyboardInterrupt  # Ctrl-C in the driver, mid-pass

    with pytest.raises(KeyboardInterrupt):
        build([seeds_dir], tmp_path / "out", workers=1, progress=progress)
    assert not (tmp_path / "out").exists() and not _writer_threads()
    staging = tmp_path / ".out.partial"
    assert (staging / "spill").is_dir() and not list(staging.rglob("*.parquet"))
    # and the resumed build is the uninterrupted one
    build([seeds_dir], tmp_path / "out", workers=1, resume=True)
    build([seeds_dir], tmp_path / "ref", workers=1)
    assert _digests(tmp_path / "out") == _digests(tmp_path / "ref")


def test_the_writer_thread_is_not_used_when_switched_off(
    tmp_path: Path, seeds_dir: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    build([seeds_dir], tmp_path / "thread", workers=1)
    monkeypatch.setattr(writer_module, "WRITE_QUEUE", 0)
    writer = DatasetWriter(tmp_path / "x")
    assert writer.data.background is None
    writer.abort()
    build([seeds_dir], tmp_path / "in-place", workers=1)
    assert _digests(tmp_path / "thread") == _digests(tmp_path / "in-place")
