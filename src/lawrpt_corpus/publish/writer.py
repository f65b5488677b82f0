"""Write the dataset folder of the contract, atomically.

Everything is written into a staging folder beside ``out`` (``.<name>.partial``); only when
every file is complete is the staging folder renamed to ``out`` (a previous dataset there
is moved aside first and deleted last). A crash therefore never leaves a folder at ``out``
that looks complete, and never destroys the previous dataset before the new one is whole.

The staging folder also holds the engine's checkpoint (``spill/``), which ``--resume``
reuses, and ``lock``, an OS file lock held while a build writes: a second build on the same
``out`` while the first is alive is refused.
"""

from __future__ import annotations

import functools
import hashlib
import itertools
import json
import operator
import os
import queue
import shutil
import tempfile
import threading
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pyarrow as pa
import pyarrow.parquet as pq
from filelock import BaseFileLock

from ..document import Document, Edit, Removal
from ..io.fs import is_url
from .schema import DATA_SCHEMA, MANIFEST_SCHEMA, data_row, manifest_row

#: Rows per data shard (about 100-200 MB of parquet for 10 KB reports).
DEFAULT_SHARD_ROWS = 20_000
_ROW_GROUP = 1_000


#: Content-defined chunking of data pages, as ``datasets`` writes parquet (its
#: ``config.DEFAULT_CDC_OPTIONS``): page boundaries follow the content, so a rebuilt shard
#: whose rows mostly did not change has mostly the same pages, and a push to Xet storage
#: uploads only the changed chunks.
CDC_OPTIONS = {"min_chunk_size": 256 * 1024, "max_chunk_size": 1024 * 1024, "norm_level": 0}


@functools.cache
def parquet_options() -> dict[str, Any]:
    """Writer options this pyarrow supports: always a page index (column and offset
    indexes, so readers can skip pages), content-defined chunking from pyarrow 21."""
    options: dict[str, Any] = {"compression": "zstd", "write_page_index": True}
    schema = pa.schema([("x", pa.string())])
    try:
        pq.ParquetWriter(
            pa.BufferOutputStream(), schema, use_content_defined_chunking=CDC_OPTIONS
        ).close()
    except TypeError:  # pyarrow < 21: no such option
        return options
    options["use_content_defined_chunking"] = CDC_OPTIONS
    return options


def _open_parquet(path: Path, schema: pa.Schema) -> pq.ParquetWriter:
    options = parquet_options()
    writer = pq.ParquetWriter(path, schema, **options)
    if "use_content_defined_chunking" in options:
        # the key datasets writes, so its tools know the file is chunked this way
        writer.add_key_value_metadata({"content_defined_chunking": json.dumps(CDC_OPTIONS)})
    return writer


#: Rows a :class:`DatasetWriter` config converts with :func:`column` (from buffers) before
#: it turns to ``pa.array``: every row. Session 19 bounded it at 20,000, on a measurement
#: that timed ``pa.array`` second on texts whose UTF-8 form CPython had cached during the
#: first conversion. Timed fairly (freshly unpickled texts, alternating order, min of 6,
#: 2,401 data rows of generated reports, pandas already imported), a data row costs 0.0757 ms
#: from buffers and 0.0877 ms with ``pa.array``; a manifest row 0.0079 vs 0.0061 ms, a
#: difference the ~0.5 s pandas import (``pa.array``'s first call) outweighs below ~280,000
#: rows, and the data rows' saving outweighs above. Kept as a bound so tests can move the
#: switch (the ``pa.array`` path stays the fallback of :func:`column`).
BUFFER_ROWS = 1 << 62


def _batch(rows: list[dict[str, Any]], schema: pa.Schema, buffers: bool = False) -> pa.RecordBatch:
    """Rows → a record batch, column by column: ``pa.array``, or with ``buffers`` :func:`column`
    (the same arrays, without importing pandas; ``Table.from_pylist`` would also import it)."""
    arrays = []
    for f in schema:
        values = [row[f.name] for row in rows]
        # the removed/edits records (data_row(doc, records=True)) only column() takes
        build = column if buffers or f.name in _RECORD_COLUMNS else pa.array
        arrays.append(build(values, type=f.type))
    return pa.RecordBatch.from_arrays(arrays, schema=schema)


def _removal_fields(records: list[Removal]) -> dict[str, list[Any]]:
    starts = list(map(operator.attrgetter("start"), records))
    return {
        "rule": list(map(operator.attrgetter("rule"), records)),
        "text": list(map(operator.attrgetter("text"), records)),
        "start": starts if min(starts, default=0) >= 0 else [s if s >= 0 else None for s in starts],
    }


def _edit_fields(records: list[Edit]) -> dict[str, list[Any]]:
    return {
        name: list(map(operator.attrgetter(name), records)) for name in ("step", "rule", "count")
    }


#: Record classes a struct column takes as they are (``data_row(doc, records=True)``): the
#: struct's fields of a batch of them, column by column — the values ``data_row``'s dicts
#: hold, without a dict per record.
_RECORDS: dict[type, Any] = {Removal: _removal_fields, Edit: _edit_fields}
_RECORD_COLUMNS = frozenset({"removed", "edits"})


def column(values: list[Any], type: pa.DataType) -> pa.Array:
    """``pa.array(values, type=type)``, built from buffers where it can be.

    ``pa.array`` on a Python list asks pyarrow's pandas shim whether the list is a pandas
    object, which imports pandas (~0.5 s of CPU, once per process) although no build uses
    it; and it converts a list of structs dict by dict. This builds the strings, integers,
    floats, lists and structs of the dataset's schemas from their buffers
    (``pa.Array.from_buffers``): the same array (``equals``, tested on random columns), so
    the same parquet bytes. Anything else — another type, a value of an unexpected Python
    type, string data past 2 GiB in one batch — goes to ``pa.array``, which converts it or
    raises as it always did.
    """
    try:
        built = _from_buffers(values, type)
    except _Fallback:
        built = None
    return built if built is not None else pa.array(values, type=type)


class _Fallback(Exception):
    """A column :func:`_from_buffers` leaves to ``pa.array``."""


_NONE = type(None)


def _validity(values: list[Any], nulls: int) -> pa.Buffer | None:
    """The validity bitmap of ``values`` (``nulls`` of them None); None when no nulls."""
    if not nulls:
        return None
    import numpy as np

    present = np.fromiter((v is not None for v in values), dtype=bool, count=len(values))
    return pa.py_buffer(np.packbits(present, bitorder="little").tobytes())


def _offsets(lengths: list[int]) -> pa.Buffer:
    """int32 offsets (n + 1) from n lengths; :class:`_Fallback` past int32."""
    import numpy as np

    offsets = np.zeros(len(lengths) + 1, dtype=np.int64)
    np.cumsum(lengths, out=offsets[1:])
    if offsets[-1] > 2**31 - 1:
        raise _Fallback
    return pa.py_buffer(offsets.astype(np.int32).tobytes())


_NUMBERS = {
    pa.int32(): (int, "int32"),
    pa.int64(): (int, "int64"),
    pa.float32(): (float, "float32"),
    pa.float64(): (float, "float64"),
}


def _from_buffers(values: list[Any], t: pa.DataType) -> pa.Array | None:
    n = len(values)
    types = set(map(type, values))  # exact types: a bool is no int here, a tuple no list
    nulls = values.count(None) if _NONE in types else 0
    types.discard(_NONE)
    if pa.types.is_string(t):
        if not types <= {str}:
            raise _Fallback
        data = (
            [b"" if v is None else v.encode("utf-8") for v in values]
            if nulls
            else list(map(str.encode, values))  # UTF-8
        )
        buffers = [
            _validity(values, nulls),
            _offsets(list(map(len, data))),
            pa.py_buffer(b"".join(data)),
        ]
        return pa.Array.from_buffers(t, n, buffers, null_count=nulls)
    number = _NUMBERS.get(t)
    if number is not None:
        import numpy as np

        kind, dtype = number
        if not types <= {kind}:
            raise _Fallback
        zero = kind()
        filled = [zero if v is None else v for v in values] if nulls else values
        try:
            if kind is int:
                # int64 first, then the range: numpy < 2 wraps an out-of-range int32
                # silently (a warning), where pa.array raises; past int64 both raise
                arr = np.array(filled, dtype=np.int64)
                info = np.iinfo(dtype)
                if arr.size and (arr.min() < info.min or arr.max() > info.max):
                    raise _Fallback
                arr = arr.astype(dtype)
            else:
                arr = np.array(filled, dtype=dtype)
        except OverflowError:
            raise _Fallback from None
        buffers = [_validity(values, nulls), pa.py_buffer(arr.tobytes())]
        return pa.Array.from_buffers(t, n, buffers, null_count=nulls)
    if pa.types.is_list(t):
        if not types <= {list}:
            raise _Fallback
        present = [v for v in values if v is not None] if nulls else values
        lengths = [0 if v is None else len(v) for v in values] if nulls else list(map(len, values))
        child = column(list(itertools.chain.from_iterable(present)), t.value_type)
        buffers = [_validity(values, nulls), _offsets(lengths)]
        return pa.Array.from_buffers(t, n, buffers, null_count=nulls, children=[child])
    if pa.types.is_struct(t):
        record = _RECORDS.get(next(iter(types))) if len(types) == 1 and not nulls else None
        if record is not None:
            got = record(values)
            if set(got) != {f.name for f in t}:
                raise _Fallback
            children = [column(got[f.name], f.type) for f in t]
            return pa.Array.from_buffers(t, n, [None], null_count=0, children=children)
        if not types <= {dict}:
            raise _Fallback
        if nulls:
            fields = [[None if v is None else v.get(f.name) for v in values] for f in t]
        else:
            try:  # every struct a dict with every field: as rows are written
                fields = [list(map(operator.itemgetter(f.name), values)) for f in t]
            except KeyError:  # a field missing from a dict is a null, as pa.array reads it
                fields = [[v.get(f.name) for v in values] for f in t]
        children = [column(vals, f.type) for vals, f in zip(fields, t, strict=True)]
        return pa.Array.from_buffers(
            t, n, [_validity(values, nulls)], null_count=nulls, children=children
        )
    return None


#: Record batches waiting for the parquet writer thread of a :class:`DatasetWriter`
#: (:class:`_WriterThread`); 0: the batches are written in the thread that builds them.
WRITE_QUEUE = 2


class _WriterThread:
    """One thread that runs the parquet writers' calls (``write_batch``, ``close``) in the
    order they are submitted, at most ``depth`` of them waiting (so at most ``depth + 1``
    batches alive). ``ParquetWriter`` encodes, compresses and writes without holding the
    GIL, so the thread that builds the rows builds the next batch meanwhile; which thread
    writes changes no byte (one writer per file, calls in order).

    A call that raises ends the writing: the calls after it are skipped and the error is
    re-raised in the submitting thread by its next :meth:`submit` or :meth:`wait`.
    :meth:`stop` discards what waits (a build that fails or is interrupted), lets the
    running call finish and ends the thread. Started at the first :meth:`submit`."""

    def __init__(self, depth: int):
        self._depth = depth
        self._tasks: queue.Queue[Callable[[], None] | None] | None = None
        self._thread: threading.Thread | None = None
        self._error: BaseException | None = None
        self._cancelled = False

    def _run(self) -> None:
        tasks = self._tasks
        assert tasks is not None
        while True:
            task = tasks.get()
            try:
                if task is None:
                    return
                if self._error is None and not self._cancelled:
                    task()
            except BaseException as exc:  # re-raised in the submitting thread
                self._error = exc
            finally:
                tasks.task_done()

    def submit(self, task: Callable[[], None]) -> None:
        self._check()
        if self._cancelled:  # a call after stop() would be skipped: never silently
            raise RuntimeError("the parquet writer thread was stopped")
        if self._tasks is None:
            self._tasks = queue.Queue(self._depth)
            self._thread = threading.Thread(target=self._run, name="lawrpt-parquet", daemon=True)
            self._thread.start()
        self._tasks.put(task)

    def wait(self) -> None:
        """Return when every submitted call has run; re-raise the first error."""
        if self._tasks is not None:
            self._tasks.join()
        self._check()

    def _check(self) -> None:
        if self._error is not None:
            raise self._error

    def stop(self) -> None:
        """Skip the calls still waiting, wait for the running one, end the thread."""
        self._cancelled = True
        if self._thread is not None and self._tasks is not None:
            self._tasks.put(None)  # the thread drains (skipping) whatever is before it
            self._thread.join()
        self._thread = self._tasks = None


class _ShardedParquet:
    """Rows → ``<prefix>-NNNNN.tmp`` files of at most ``shard_rows`` rows, named at close.

    The split's Arrow bytes (:attr:`num_bytes`, the card's ``num_bytes``) are counted from
    the batches as they are written (:func:`batch_nbytes`), not by reading the shards back:
    the same number (:func:`arrow_nbytes`), checked at close against each file's row
    groups; a shard whose row groups are not the batches written is read back.

    With ``background`` the batches are written, and the files closed, by that thread
    (:class:`_WriterThread`); the rows, batches, shard names and counts stay here."""

    def __init__(
        self,
        folder: Path,
        prefix: str,
        schema: pa.Schema,
        shard_rows: int,
        background: _WriterThread | None = None,
    ):
        self.background = background
        self.folder = folder
        self.prefix = prefix
        self.schema = schema
        self.shard_rows = shard_rows
        self.paths: list[Path] = []
        self.rows = 0
        self._writer: pq.ParquetWriter | None = None
        self._in_shard = 0
        self._buffer: list[dict[str, Any]] = []
        self._converted = 0  # rows turned into Arrow so far (see BUFFER_ROWS)
        #: per shard: the rows of each batch written and their Arrow bytes (None: a batch
        #: :func:`batch_nbytes` cannot count, so the shard is read back)
        self._groups: list[list[int]] = []
        self._nbytes: list[int | None] = []
        #: per shard: the row groups its file says it has (set when it is closed)
        self._written: list[list[int] | None] = []
        #: set by :meth:`close`: Arrow bytes as ``datasets`` counts them, and file bytes
        self.num_bytes = 0
        self.download_size = 0
        folder.mkdir(parents=True, exist_ok=True)

    def write(self, row: dict[str, Any]) -> None:
        self._buffer.append(row)
        self.rows += 1
        if len(self._buffer) >= _ROW_GROUP or self._in_shard + len(self._buffer) >= self.shard_rows:
            self._flush()

    def _flush(self) -> None:
        while self._buffer:
            if self._writer is None:
                path = self.folder / f"{self.prefix}-{len(self.paths):05d}.tmp"
                self.paths.append(path)
                self._groups.append([])
                self._nbytes.append(0)
                self._written.append(None)
                self._writer = _open_parquet(path, self.schema)
                self._in_shard = 0
            room = self.shard_rows - self._in_shard
            chunk, self._buffer = self._buffer[:room], self._buffer[room:]
            batch = _batch(chunk, self.schema, buffers=self._converted < BUFFER_ROWS)
            self._converted += len(chunk)
            self._count(batch)
            self._run(functools.partial(self._writer.write_batch, batch))
            self._in_shard += len(chunk)
            if self._in_shard >= self.shard_rows:
                self._close_shard()

    def _count(self, batch: pa.RecordBatch) -> None:
        """Record ``batch`` (about to become one row group of the current shard)."""
        self._groups[-1].append(batch.num_rows)
        got, done = batch_nbytes(batch), self._nbytes[-1]
        self._nbytes[-1] = None if got is None or done is None else done + got

    def _run(self, call: Callable[[], None]) -> None:
        if self.background is None:
            call()
        else:
            self.background.submit(call)

    def _close_shard(self) -> None:
        assert self._writer is not None
        writer, self._writer = self._writer, None
        index = len(self.paths) - 1

        def close() -> None:
            writer.close()
            self._written[index] = row_groups_written(writer)

        self._run(close)

    def close(self) -> list[str]:
        """Finish and rename shards to ``<prefix>-0000i-of-0000N.parquet``; return their names."""
        self._flush()
        if self._writer is not None:
            self._close_shard()
        if self.background is not None:
            self.background.wait()
        if not self.paths:
            # An empty config still gets one shard, with the schema and no row group: a
            # row group of 0 rows makes readers that size batches by the first row group
            # (``datasets``' parquet builder) fail with "BatchSize must be greater than 0".
            path = self.folder / f"{self.prefix}-00000.tmp"
            _open_parquet(path, self.schema).close()
            self.paths.append(path)
            self._groups.append([])
            self._nbytes.append(0)
            self._written.append([])
        n = len(self.paths)
        names = []
        for i, path in enumerate(self.paths):
            final = path.with_name(f"{self.prefix}-{i:05d}-of-{n:05d}.parquet")
            path.rename(final)
            names.append(final.relative_to(self.folder.parent).as_posix())
            self.download_size += final.stat().st_size
            counted = self._nbytes[i]
            if counted is None or self._written[i] != self._groups[i]:
                counted = arrow_nbytes(final)
            self.num_bytes += counted
        return names


@dataclass(frozen=True)
class ShardInfo:
    """One finished shard: its name in the dataset folder (``data/train-…parquet``), its file
    bytes and its Arrow bytes as ``datasets`` counts them."""

    name: str
    download_size: int
    num_bytes: int
    #: hex sha256 of the file, when the writer computed it (shards uploaded to object
    #: storage: the completion marker lists it); empty otherwise
    sha256: str = ""


def write_shard(
    folder: str | os.PathLike[str],
    prefix: str,
    index: int,
    n_shards: int,
    schema: pa.Schema,
    tables: Iterable[pa.Table],
    shard_rows: int,
) -> ShardInfo:
    """Write ``<prefix>-<index>-of-<n_shards>.parquet`` in ``folder`` from ``tables`` (their
    rows in order, the whole shard), byte for byte as :class:`DatasetWriter` writes the same
    rows with the same ``shard_rows``: the same options and row groups
    (:func:`shard_row_groups`).

    For engines whose workers write their own shards: the caller decides the shard's rows
    beforehand (every shard but the last holds exactly ``shard_rows``). Written to a
    temporary name and renamed when complete. No rows: a shard with the schema and no row
    group (as an empty config gets).
    """
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    final = folder / f"{prefix}-{index:05d}-of-{n_shards:05d}.parquet"
    tmp = folder / f".{final.name}.tmp"
    parts = [t for t in tables if t.num_rows]
    rows = pa.concat_tables(parts) if parts else None
    writer = _open_parquet(tmp, schema)
    groups: list[int] = []
    nbytes: int | None = 0
    try:
        if rows is not None:
            start = 0
            for size in shard_row_groups(rows.num_rows, shard_rows, first=index == 0):
                chunk = rows.slice(start, size).combine_chunks()
                start += size
                arrays = [column.chunk(0) for column in chunk.columns]
                batch = pa.RecordBatch.from_arrays(arrays, schema=schema)
                got = batch_nbytes(batch)
                nbytes = None if got is None or nbytes is None else nbytes + got
                groups.append(size)
                writer.write_batch(batch)
    finally:
        writer.close()
    os.replace(tmp, final)
    if nbytes is None or row_groups_written(writer) != groups:
        nbytes = arrow_nbytes(final)
    return ShardInfo(final.relative_to(folder.parent).as_posix(), final.stat().st_size, nbytes)


def shard_row_groups(n_rows: int, shard_rows: int, first: bool) -> list[int]:
    """The row-group sizes :class:`_ShardedParquet` gives a shard of ``n_rows`` rows
    (``first``: shard 0). It flushes its buffer at ``_ROW_GROUP`` rows or when the buffer
    fills the shard; after a shard closes, its count still says "full", so the next row
    flushes alone: every shard after the first starts with a one-row group (then
    ``_ROW_GROUP``-row groups, the last one shorter). Reproduced here, not changed, so that
    shards written elsewhere are the same bytes as those of a local build."""
    groups: list[int] = []
    in_shard = 0 if first else shard_rows
    left = n_rows
    while left:
        take = min(left, max(1, min(_ROW_GROUP, shard_rows - in_shard)))
        if in_shard >= shard_rows:  # the flush opens the next shard
            in_shard = 0
        groups.append(take)
        in_shard += take
        left -= take
    return groups


def rows_table(rows: list[dict[str, Any]], schema: pa.Schema) -> pa.Table:
    """Rows (``data_row`` / ``manifest_row`` dicts) → a table of ``schema``, built from
    buffers (:func:`column`: no pandas import in a worker that builds a few tables)."""
    return pa.Table.from_batches([_batch(rows, schema, buffers=True)], schema=schema)


def arrow_nbytes(path: Path) -> int:
    """The split bytes ``datasets`` records for a parquet file: the Arrow size of each row
    group as read back (which is what its parquet builder hands to its writer). One row group
    in memory at a time."""
    pf = pq.ParquetFile(path)
    return sum(pf.read_row_group(i).nbytes for i in range(pf.metadata.num_row_groups))


def row_groups_written(writer: pq.ParquetWriter) -> list[int] | None:
    """The rows of each row group of the file a closed ``writer`` wrote, from the footer it
    wrote (nothing is read back); None when this pyarrow does not say."""
    meta = getattr(getattr(writer, "writer", None), "metadata", None)
    if meta is None:
        return None
    return [meta.row_group(i).num_rows for i in range(meta.num_row_groups)]


def batch_nbytes(batch: pa.RecordBatch) -> int | None:
    """What :func:`arrow_nbytes` counts for a row group that holds exactly ``batch``,
    computed from ``batch`` itself: ``Table.nbytes`` of the row group as the parquet reader
    gives it back, or None for a column this does not know how to count (the caller then
    reads the shard back).

    ``Table.nbytes`` sums the byte ranges the arrays reference (``ReferencedBufferSize``),
    per array of ``n`` values: ``4 n`` offsets for a string or a list (not ``n + 1``), the
    string bytes those offsets span, ``width × n`` for a number, a validity bitmap of
    ``ceil(n / 8)`` bytes where the array has one, the values a list's offsets span and a
    struct's children (not the struct's own bitmap). The reader gives back what was
    written except for the bitmaps and what sits under a null: a nullable number always
    comes back with a bitmap, even without nulls; a string, list or struct has one only
    when it holds a null, a struct's null counting as a null of each of its children; and
    a null holds no string bytes or list values. Checked against reading back
    (tests/publish/test_writer_nbytes.py: random columns of both schemas, nulls at every
    level, slices, empty and null-only columns, shards of many row groups)."""
    total = 0
    try:
        for col, f in zip(batch.columns, batch.schema, strict=True):
            total += _read_back_nbytes(col, f.nullable)
    except _Fallback:
        return None
    return total


_WIDTHS = {pa.int32(): 4, pa.int64(): 8, pa.float32(): 4, pa.float64(): 8}


def _read_back_nbytes(arr: pa.Array, nullable: bool) -> int:
    """``arr`` (a struct's child already carrying the struct's nulls: ``flatten``) as the
    parquet reader gives it back, counted as ``nbytes`` counts (:func:`batch_nbytes`)."""
    t, n = arr.type, len(arr)
    if not nullable:
        raise _Fallback  # no definition levels: not in the schemas, left to reading back
    width = _WIDTHS.get(t)
    if width is not None:
        return width * n + (n + 7) // 8
    nulls = arr.null_count
    validity = (n + 7) // 8 if nulls else 0
    if pa.types.is_string(t):
        if nulls:  # a null holds no bytes when read back
            data = _valid_string_bytes(arr)
        else:
            first, last = _offset_range(arr)
            data = last - first
        return validity + 4 * n + data
    if pa.types.is_list(t):
        # the values the offsets span (ListArray.flatten would import pyarrow.compute);
        # a null list spanning values (never written here) is left to reading back
        first, last = _offset_range(arr)
        if nulls and _null_spans(arr):
            raise _Fallback
        child = arr.values.slice(first, last - first)
        return validity + 4 * n + _read_back_nbytes(child, t.value_field.nullable)
    if pa.types.is_struct(t):
        # flatten: each child with the struct's nulls (and offset) applied; the struct's
        # own bitmap is not counted
        return sum(
            _read_back_nbytes(child, f.nullable) for child, f in zip(arr.flatten(), t, strict=True)
        )
    raise _Fallback


def _valid_string_bytes(arr: pa.Array) -> int:
    """The UTF-8 bytes of the non-null values of a string array with nulls (numpy, not
    ``pyarrow.compute``: a ~0.2 s import no build needs otherwise)."""
    import numpy as np

    n, at = len(arr), arr.offset
    validity, offsets = arr.buffers()[0], arr.buffers()[1]
    assert validity is not None and offsets is not None  # nulls: a bitmap
    bits = np.unpackbits(np.frombuffer(validity, dtype=np.uint8), bitorder="little")
    ends = np.frombuffer(offsets, dtype=np.int32)[at : at + n + 1]
    return int(np.diff(ends)[bits[at : at + n].astype(bool)].sum())


def _null_spans(arr: pa.Array) -> bool:
    """Whether a list array with nulls has a null whose offsets span values."""
    import numpy as np

    n, at = len(arr), arr.offset
    validity, offsets = arr.buffers()[0], arr.buffers()[1]
    assert validity is not None and offsets is not None  # nulls: a bitmap
    bits = np.unpackbits(np.frombuffer(validity, dtype=np.uint8), bitorder="little")
    ends = np.frombuffer(offsets, dtype=np.int32)[at : at + n + 1]
    return bool(np.diff(ends)[~bits[at : at + n].astype(bool)].any())


def _offset_range(arr: pa.Array) -> tuple[int, int]:
    """The first and past-the-last value an int32-offsets array (string, list) spans."""
    n = len(arr)
    buf = arr.buffers()[1]
    if buf is None or not n:
        return 0, 0
    view = memoryview(buf).cast("B")[arr.offset * 4 : (arr.offset + n + 1) * 4].cast("i")
    return view[0], view[n]


def is_remote(out: object) -> bool:
    """Whether ``out`` is an object-storage (or other non-local) URL: a URL whose protocol
    is not ``file``/``local`` (those are local paths, published by rename)."""
    if not is_url(out):
        return False
    return str(out).split("://", 1)[0].lower() not in ("file", "local")


def scratch_dir(url: str) -> Path:
    """The local folder of an object-storage output (publish/remote.py): the checkpoint
    spill, the lock, and the files the driver writes before the commit uploads them
    (``$TMPDIR/lawrpt_corpus/out-<digest of the URL>``, so that a ``--resume`` on the same
    machine finds it)."""
    digest = hashlib.sha256(url.rstrip("/").encode()).hexdigest()[:16]
    return Path(tempfile.gettempdir()) / "lawrpt_corpus" / f"out-{digest}"


def staging_dir(out: str | os.PathLike[str]) -> Path:
    """The staging folder of ``out``: ``.<name>.partial`` beside it; for an object-storage
    URL, its local scratch folder (:func:`scratch_dir`)."""
    if is_remote(out):
        return scratch_dir(str(out))
    out = Path(out)
    return out.parent / f".{out.name}.partial"


def saved_chunks(out: str | os.PathLike[str]) -> int:
    """How many complete checkpoint chunks an interrupted build of ``out`` left (0 if none)."""
    try:
        return sum(1 for _ in (staging_dir(out) / "spill").glob("chunk-*.pkl"))
    except OSError:
        return 0


class OutputBusy(Exception):
    """Another live build is writing the same output folder."""


def lock_path(out: str | os.PathLike[str]) -> Path:
    """The lock file of ``out``: ``lock`` in its staging folder (kept when the folder is
    emptied; it moves with the folder at commit and is deleted there)."""
    return staging_dir(out) / "lock"


def acquire_output_lock(out: str | os.PathLike[str]) -> BaseFileLock:
    """Take the output lock of ``out`` at once, or raise :class:`OutputBusy`.

    An OS file lock (``filelock``: ``flock`` on POSIX, ``msvcrt`` on Windows): taking it is
    one atomic system call, so of two builds started at the same moment exactly one wins
    (a check-then-write pid file let both win), and the kernel releases it when its
    process dies, so a killed build leaves no stale lock.
    """
    from filelock import FileLock, Timeout

    path = lock_path(out)
    path.parent.mkdir(parents=True, exist_ok=True)
    lock = FileLock(path, timeout=0)
    try:
        lock.acquire()
    except Timeout:
        pid = _read_pid(staging_dir(out) / "pid")
        who = f"pid {pid}" if pid else "another process"
        raise OutputBusy(f"another build ({who}) is writing {out}") from None
    if not _same_file(lock, path):
        # We opened the lock file of a build that finished (its folder was renamed or
        # removed) just before locking it: that inode no longer guards ``out``.
        lock.release()
        raise OutputBusy(f"another build was finishing {out}; try again")
    return lock


def _same_file(lock: BaseFileLock, path: Path) -> bool:
    """Whether the file ``lock`` holds is still the one at ``path``."""
    fd = getattr(getattr(lock, "_context", None), "lock_file_fd", None)
    try:
        here = path.stat()
    except OSError:
        return False
    if fd is None:
        return True
    there = os.fstat(fd)
    return (here.st_dev, here.st_ino) == (there.st_dev, there.st_ino)


def _read_pid(path: Path) -> int:
    try:
        return int(path.read_text().strip() or 0)
    except (OSError, ValueError):
        return 0


class DatasetWriter:
    """Streams documents into a staging folder; :meth:`commit` moves it to ``out``.

    ``resume=True`` keeps the staging folder's checkpoint (``spill/``) from an interrupted
    build; the shards are always rewritten. The writer holds the output lock (see
    :func:`acquire_output_lock`) from construction to :meth:`commit` or :meth:`abort`.
    """

    #: where an engine's workers write the shards when not in :attr:`staging` (a URL: the
    #: object-storage writer's staging prefix, publish/remote.py); None: the staging folder
    shard_root: str | None = None

    def __init__(
        self,
        out: str | os.PathLike[str],
        shard_rows: int = DEFAULT_SHARD_ROWS,
        resume: bool = False,
    ):
        self.out = Path(out)
        self.staging = staging_dir(self.out)
        self._lock = acquire_output_lock(self.out)
        try:
            self._prepare(shard_rows, resume)
        except BaseException:
            self._lock.release()
            raise

    def _prepare(self, shard_rows: int, resume: bool) -> None:
        if self.staging.exists():
            for child in self.staging.iterdir():
                if child.name == "lock" or (child.name == "spill" and resume):
                    continue
                if child.is_dir():
                    shutil.rmtree(child)
                else:
                    child.unlink()
        self.staging.mkdir(parents=True, exist_ok=True)
        # who holds the lock, for the "another build (pid N)" message
        (self.staging / "pid").write_text(str(os.getpid()))
        self.spill_dir = self.staging / "spill"
        # one writer thread for both configs' files (None: written in the caller's thread)
        self._background = _WriterThread(WRITE_QUEUE) if WRITE_QUEUE > 0 else None
        self.data = _ShardedParquet(
            self.staging / "data", "train", DATA_SCHEMA, shard_rows, self._background
        )
        self.manifest = _ShardedParquet(
            self.staging / "manifest", "manifest", MANIFEST_SCHEMA, shard_rows * 5, self._background
        )

    def write(self, doc: Document) -> None:
        self.manifest.write(manifest_row(doc))
        if doc.kept:
            self.data.write(data_row(doc, records=True))

    def finish_shards(self) -> tuple[Sequence[str], Sequence[str]]:
        names = self.data.close(), self.manifest.close()
        self._stop_writing()
        return names

    def _stop_writing(self) -> None:
        if self._background is not None:
            self._background.stop()

    def adopt_shards(
        self, data: Sequence[ShardInfo], manifest: Sequence[ShardInfo]
    ) -> tuple[Sequence[str], Sequence[str]]:
        """Take shards written into the staging folder by someone else (an engine's workers,
        with :func:`write_shard`) instead of :meth:`write`; returns their names as
        :meth:`finish_shards` does. Each must exist: a worker that wrote to a disk this
        process cannot see is an error, not a missing shard."""
        for part, infos in ((self.data, data), (self.manifest, manifest)):
            for info in infos:
                if not (self.staging / info.name).is_file():
                    raise FileNotFoundError(
                        f"shard {info.name} written by a worker is not in {self.staging}: "
                        "the output must be on a filesystem every node shares"
                    )
            part.rows = 0
            part.num_bytes = sum(i.num_bytes for i in infos)
            part.download_size = sum(i.download_size for i in infos)
        return [i.name for i in data], [i.name for i in manifest]

    def write_text(self, name: str, text: str) -> None:
        (self.staging / name).write_text(text, encoding="utf-8")

    def write_json(self, name: str, obj: Any) -> None:
        self.write_text(name, json.dumps(obj, ensure_ascii=False, indent=2, sort_keys=False) + "\n")

    def shards_location(self) -> tuple[Any, str] | None:
        """Where the report reads the shards when they are not in :attr:`staging`:
        ``(fsspec filesystem, folder)``; None for this writer (they are)."""
        return None

    def commit(self) -> Path:
        """Atomically replace ``out`` with the staged folder."""
        self._stop_writing()
        shutil.rmtree(self.spill_dir, ignore_errors=True)
        (self.staging / "pid").unlink(missing_ok=True)
        old = None
        if self.out.exists():
            old = self.out.parent / f".{self.out.name}.old-{os.getpid()}"
            os.rename(self.out, old)
        os.rename(self.staging, self.out)
        (self.out / "lock").unlink(missing_ok=True)  # still held: no one can take it meanwhile
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
        self._lock.release()
        return self.out

    def abort(self, keep_checkpoint: bool = False) -> None:
        """Remove the staging folder (or all but the checkpoint, for a later ``--resume``).
        A batch being written when the build failed is finished first, the rest dropped."""
        try:
            self._stop_writing()
            if keep_checkpoint and self.spill_dir.exists():
                for child in self.staging.iterdir():
                    if child.name not in ("spill", "lock"):
                        shutil.rmtree(child) if child.is_dir() else child.unlink()
                return
            shutil.rmtree(self.staging, ignore_errors=True)
        finally:
            self._lock.release()
