"""Shards written apart (by an engine's workers) are the bytes the streaming writer writes."""

from __future__ import annotations

import hashlib
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lawrpt_corpus.publish.writer import (
    _ShardedParquet,
    rows_table,
    shard_row_groups,
    write_shard,
)

SCHEMA = pa.schema([("id", pa.string()), ("n", pa.int32()), ("tags", pa.list_(pa.string()))])


def _rows(n: int) -> list[dict]:
    return [
        {"id": f"doc{i:06d}", "n": i * 7 % 1000, "tags": [] if i % 3 else [f"t{i % 5}"]}
        for i in range(n)
    ]


def _digests(folder: Path) -> dict[str, str]:
    return {p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir())}


@pytest.mark.parametrize(
    ("n", "shard_rows"),
    [(0, 10), (1, 1), (5, 2), (7, 3), (2500, 999), (2600, 1000), (3100, 1001), (2000, 2500)],
)
def test_shards_written_apart_equal_the_streaming_writer_byte_for_byte(
    tmp_path: Path, n: int, shard_rows: int
) -> None:
    rows = _rows(n)
    streamed = _ShardedParquet(tmp_path / "a" / "data", "train", SCHEMA, shard_rows)
    for row in rows:
        streamed.write(row)
    names = streamed.close()
    # apart: rows arrive as tables of uneven sizes, cut into the same shards
    n_shards = max(1, -(-n // shard_rows))
    infos = []
    for i in range(n_shards):
        part = rows[i * shard_rows : (i + 1) * shard_rows]
        tables = [rows_table(part[j : j + 37], SCHEMA) for j in range(0, len(part), 37)]
        infos.append(
            write_shard(tmp_path / "b" / "data", "train", i, n_shards, SCHEMA, tables, shard_rows)
        )
    assert [i.name for i in infos] == names
    assert _digests(tmp_path / "a" / "data") == _digests(tmp_path / "b" / "data")
    assert sum(i.download_size for i in infos) == streamed.download_size
    assert sum(i.num_bytes for i in infos) == streamed.num_bytes


def test_every_shard_after_the_first_starts_with_a_one_row_group(tmp_path: Path) -> None:
    assert shard_row_groups(2500, 2500, first=True) == [1000, 1000, 500]
    assert shard_row_groups(2500, 2500, first=False) == [1, 1000, 1000, 499]
    assert shard_row_groups(0, 5, first=False) == []
    streamed = _ShardedParquet(tmp_path, "train", SCHEMA, 2500)
    for row in _rows(5000):
        streamed.write(row)
    streamed.close()
    second = pq.ParquetFile(tmp_path / "train-00001-of-00002.parquet").metadata
    sizes = [second.row_group(i).num_rows for i in range(second.num_row_groups)]
    assert sizes == shard_row_groups(2500, 2500, first=False)


def test_a_shard_with_no_row_has_the_schema_and_no_row_group(tmp_path: Path) -> None:
    info = write_shard(tmp_path / "data", "train", 0, 1, SCHEMA, [], 10)
    assert info.name == "data/train-00000-of-00001.parquet"
    meta = pq.ParquetFile(tmp_path / info.name).metadata
    assert meta.num_row_groups == 0 and pq.read_schema(tmp_path / info.name).names == SCHEMA.names
    assert not list((tmp_path / "data").glob(".*tmp"))
