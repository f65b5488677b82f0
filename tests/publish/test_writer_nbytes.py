"""The card's Arrow bytes counted from the batches written equal reading the shards back."""

from __future__ import annotations

import random
import subprocess
import sys
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from lawrpt_corpus.publish import writer as writer_module
from lawrpt_corpus.publish.schema import DATA_SCHEMA, MANIFEST_SCHEMA
from lawrpt_corpus.publish.writer import (
    _ShardedParquet,
    arrow_nbytes,
    batch_nbytes,
    parquet_options,
    rows_table,
    write_shard,
)

_TEXTS = ["", "a", "法治政府建设", "〔2024〕第3号\n", "x" * 300, "😀 emoji"]


def _value(t: pa.DataType, rnd: random.Random, null_share: float) -> Any:
    if rnd.random() < null_share:
        return None
    if pa.types.is_string(t):
        return rnd.choice(_TEXTS)
    if pa.types.is_integer(t):
        return rnd.choice([0, 1, -7, 2024, 2**31 - 1])
    if pa.types.is_floating(t):
        return rnd.choice([0.0, 0.1, 1 / 3])
    if pa.types.is_list(t):
        return [_value(t.value_type, rnd, null_share) for _ in range(rnd.randrange(4))]
    if pa.types.is_struct(t):
        return {f.name: _value(f.type, rnd, null_share) for f in t}
    raise AssertionError(t)


def _rows(schema: pa.Schema, n: int, seed: int, null_share: float) -> list[dict[str, Any]]:
    rnd = random.Random(seed)
    return [{f.name: _value(f.type, rnd, null_share) for f in schema} for _ in range(n)]


def _read_back(batch: pa.RecordBatch) -> int:
    sink = pa.BufferOutputStream()
    w = pq.ParquetWriter(sink, batch.schema, **parquet_options())
    w.write_batch(batch)
    w.close()
    pf = pq.ParquetFile(pa.BufferReader(sink.getvalue()))
    return sum(pf.read_row_group(i).nbytes for i in range(pf.metadata.num_row_groups))


@pytest.mark.parametrize("null_share", [0.0, 0.2, 1.0])
@pytest.mark.parametrize("seed", range(8))
@pytest.mark.parametrize("schema", [DATA_SCHEMA, MANIFEST_SCHEMA], ids=["data", "manifest"])
def test_counted_bytes_equal_the_row_group_read_back(
    schema: pa.Schema, seed: int, null_share: float
) -> None:
    n = random.Random(seed).choice([1, 2, 7, 9, 64, 130])
    rows = _rows(schema, n, seed, null_share)
    for batch in (
        rows_table(rows, schema).to_batches()[0],  # from buffers, as the writer builds it
        pa.RecordBatch.from_pylist(rows, schema=schema),  # pa.array's arrays
    ):
        assert batch_nbytes(batch) == _read_back(batch)


@pytest.mark.parametrize(("start", "length"), [(0, 0), (3, 5), (1, 59), (17, 1), (40, 23)])
def test_counted_bytes_of_a_slice_equal_its_read_back(start: int, length: int) -> None:
    # the workers' shards (write_shard) write slices of a table: arrays with offsets
    batch = rows_table(_rows(DATA_SCHEMA, 64, 5, 0.2), DATA_SCHEMA).to_batches()[0]
    part = batch.slice(start, length)
    assert batch_nbytes(part) == _read_back(part)


def test_a_type_it_does_not_count_is_none() -> None:
    mapping = pa.array([{1: 2}], pa.map_(pa.int32(), pa.int32()))
    batch = pa.record_batch([mapping], names=["m"])
    assert batch_nbytes(batch) is None
    required = pa.schema([pa.field("n", pa.int64(), nullable=False)])
    assert batch_nbytes(pa.record_batch([pa.array([1, 2])], schema=required)) is None


@pytest.mark.parametrize(("n", "shard_rows"), [(0, 10), (1, 1), (5, 2), (2600, 1000), (3001, 1500)])
def test_streamed_shards_count_what_reading_them_back_gives(
    tmp_path: Path, n: int, shard_rows: int
) -> None:
    rows = _rows(DATA_SCHEMA, n, n, 0.1)
    streamed = _ShardedParquet(tmp_path / "data", "train", DATA_SCHEMA, shard_rows)
    for row in rows:
        streamed.write(row)
    names = streamed.close()
    assert len(names) == max(1, -(-n // shard_rows))  # many shards, or one empty
    assert streamed.num_bytes == sum(arrow_nbytes(tmp_path / name) for name in names)


def test_written_apart_shards_count_what_reading_them_back_gives(tmp_path: Path) -> None:
    rows = _rows(MANIFEST_SCHEMA, 2500, 1, 0.3)
    tables = [rows_table(rows[j : j + 37], MANIFEST_SCHEMA) for j in range(0, 2500, 37)]
    info = write_shard(tmp_path / "m", "manifest", 1, 2, MANIFEST_SCHEMA, tables, 2500)
    assert info.num_bytes == arrow_nbytes(tmp_path / info.name)


def test_a_shard_whose_row_groups_are_not_the_batches_is_read_back(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    calls: list[Path] = []
    real = writer_module.arrow_nbytes

    def spy(path: Path) -> int:
        calls.append(path)
        return real(path)

    monkeypatch.setattr(writer_module, "arrow_nbytes", spy)
    monkeypatch.setattr(writer_module, "row_groups_written", lambda writer: None)
    streamed = _ShardedParquet(tmp_path / "data", "train", DATA_SCHEMA, 10)
    for row in _rows(DATA_SCHEMA, 25, 3, 0.1):
        streamed.write(row)
    names = streamed.close()
    assert [p.name for p in calls] == [Path(name).name for name in names]
    assert streamed.num_bytes == sum(real(tmp_path / name) for name in names)


def test_a_null_list_that_spans_values_is_left_to_reading_back() -> None:
    # never written by this writer (a null list is empty), but an Arrow array may hold one
    t = pa.list_(pa.string())
    offsets = pa.array([0, 2, 3], pa.int32())
    values = pa.array(["ab", "c", "d"])
    spanning = pa.ListArray.from_arrays(offsets, values, type=t, mask=pa.array([True, False]))
    assert spanning.null_count == 1
    assert batch_nbytes(pa.record_batch([spanning], names=["l"])) is None
    empty_null = pa.array([None, ["d"]], t)
    assert batch_nbytes(pa.record_batch([empty_null], names=["l"])) == _read_back(
        pa.record_batch([empty_null], names=["l"])
    )


def test_counting_imports_neither_pyarrow_compute_nor_pandas() -> None:
    code = (
        "import sys\n"
        "from lawrpt_corpus.publish.writer import rows_table, batch_nbytes\n"
        "from lawrpt_corpus.publish.schema import DATA_SCHEMA\n"
        "row = {f.name: None for f in DATA_SCHEMA}\n"
        "row.update(id='a', text='法治', sections=['一', None], removed=[{'rule': 'r',"
        " 'text': None, 'start': 3}, None], edits=None, attachments=[], flags=[])\n"
        "batch = rows_table([row, row], DATA_SCHEMA).to_batches()[0]\n"
        "assert batch_nbytes(batch) > 0\n"
        "print(sorted(m for m in ('pyarrow.compute', 'pandas') if m in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
