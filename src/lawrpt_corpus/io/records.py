"""Inputs that are tables of records: parquet files and Hugging Face Hub datasets.

One row is one input. Its raw bytes are the row's text column (a string, encoded as UTF-8,
or bytes as they are, decoded later by the decode step). Its source is the row's ``url``
when it has a non-empty string one, else ``<file>#<id>`` when it has an ``id``, else
``<file>#<row number from 0>`` (for a Hub dataset, ``hf://datasets/NAME#...``). A row whose
text is missing, null or not text/bytes becomes a rejected item that says why, as a JSON
Lines record does (``bad_record:no_text``, ``bad_record:text_not_string``).

Both stream: parquet is read one record batch at a time (``pyarrow``); a Hub dataset is
read with ``datasets.load_dataset(..., streaming=True)``, so nothing is downloaded whole and
every format the Hub serves (parquet, JSON Lines, CSV, ...) works.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from .item import InputItem

#: The prefix of a Hub dataset given as an input path.
HF_PREFIX = "hf://datasets/"
DEFAULT_TEXT_COLUMN = "text"
#: The manifest ``format`` of a parquet row and of a Hub dataset row.
PARQUET_FORMAT = "parquet-record"
HUB_FORMAT = "hf-record"
_BATCH_ROWS = 256


@dataclass(frozen=True)
class HubDataset:
    """A dataset on the Hub (``HF_ENDPOINT`` selects another Hub) to read as inputs."""

    name: str
    split: str = "train"
    config: str | None = None

    @classmethod
    def parse(cls, spec: str, split: str = "train") -> HubDataset:
        """``hf://datasets/OWNER/NAME`` (or ``OWNER/NAME``), optionally ``…:CONFIG``, to a
        :class:`HubDataset`; ``ValueError`` with a one-line reason when malformed."""
        name = spec[len(HF_PREFIX) :] if spec.startswith(HF_PREFIX) else spec
        name, _, config = name.partition(":")
        parts = name.strip("/").split("/")
        if not name or len(parts) > 2 or not all(parts):
            raise ValueError(f"{spec!r} is not a Hub dataset (hf://datasets/OWNER/NAME)")
        return cls("/".join(parts), split, config or None)

    @property
    def uri(self) -> str:
        return HF_PREFIX + self.name + (f":{self.config}" if self.config else "")


def is_parquet(path: Path) -> bool:
    return path.name.lower().endswith(".parquet")


def is_hub(spec: str | os.PathLike[str]) -> bool:
    return isinstance(spec, str) and spec.startswith(HF_PREFIX)


def is_hub_file_path(spec: str | os.PathLike[str]) -> bool:
    """``hf://datasets/OWNER/NAME/PATH…``: files or a folder inside a Hub dataset's
    repository, read as files through fsspec (:mod:`.fs`), not the dataset's records."""
    if not is_hub(spec):
        return False
    name = str(spec)[len(HF_PREFIX) :]
    return ":" not in name and len([p for p in name.strip("/").split("/") if p]) > 2


def iter_parquet(
    path: Path | str,
    source: str,
    text_column: str = DEFAULT_TEXT_COLUMN,
    max_bytes: int = 64 * 1024 * 1024,
) -> Iterator[InputItem]:
    """One item per row of the parquet file ``path`` (a local path or a URL; ``source``: its
    name in sources)."""
    return parquet_items_from(path, source, text_column, max_bytes)


def parquet_items_from(
    path: Path | str,
    source: str,
    text_column: str = DEFAULT_TEXT_COLUMN,
    max_bytes: int = 64 * 1024 * 1024,
    start: int = 0,
) -> Iterator[InputItem]:
    """:func:`iter_parquet`'s items from row ``start`` on: the footer says which row group
    holds it; that group is read from its first row and the rows before ``start`` skipped
    (decoded, not made into items)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    from .fs import is_url, open_input

    try:
        pf = pq.ParquetFile(open_input(str(path)) if is_url(path) else path)
        names = pf.schema_arrow.names
        groups = None
        skip = 0
        if start:
            first, row = 0, 0
            meta = pf.metadata
            while first < meta.num_row_groups and row + meta.row_group(first).num_rows <= start:
                row += meta.row_group(first).num_rows
                first += 1
            groups, skip = list(range(first, meta.num_row_groups)), start - row
    except (OSError, pa.ArrowException) as exc:
        yield InputItem(source, error=f"unreadable:{exc.__class__.__name__}", format=PARQUET_FORMAT)
        return
    columns = [c for c in (text_column, "url", "id") if c in names]
    row = start
    try:
        for batch in pf.iter_batches(
            batch_size=_BATCH_ROWS, row_groups=groups, columns=columns or None
        ):
            if skip:
                if skip >= batch.num_rows:
                    skip -= batch.num_rows
                    continue
                batch, skip = batch.slice(skip), 0
            rows = batch.to_pylist()
            for record in rows:
                yield record_item(record, f"{source}#{row}", text_column, max_bytes)
                row += 1
    except (OSError, pa.ArrowException) as exc:
        error = f"unreadable:{exc.__class__.__name__}"
        yield InputItem(f"{source}#{row}", error=error, format=PARQUET_FORMAT)


def count_parquet(path: Path) -> int:
    """Rows of a parquet file from its footer (1 when unreadable: one rejected item)."""
    import pyarrow as pa
    import pyarrow.parquet as pq

    try:
        return max(1, pq.ParquetFile(path).metadata.num_rows)
    except (OSError, pa.ArrowException):
        return 1


def iter_hub(
    dataset: HubDataset,
    text_column: str = DEFAULT_TEXT_COLUMN,
    max_bytes: int = 64 * 1024 * 1024,
) -> Iterator[InputItem]:
    """One item per row of a Hub dataset's split, streamed.

    Raises :class:`RecordsError` when the dataset cannot be opened at all (no such dataset,
    no such split, no network): that is an argument problem, not a bad input. A stream
    that breaks later ends with one rejected item ``unreadable:<error>`` at the row where
    it broke.
    """
    rows = iter(open_hub(dataset))
    i = 0
    while True:
        try:
            record = next(rows)
        except StopIteration:
            return
        except Exception as exc:  # the stream broke mid-way: say where, never crash
            error = f"unreadable:{exc.__class__.__name__}"
            yield InputItem(f"{dataset.uri}#{i}", error=error, format=HUB_FORMAT)
            return
        yield record_item(record, f"{dataset.uri}#{i}", text_column, max_bytes, HUB_FORMAT)
        i += 1


class RecordsError(Exception):
    """A table of records that cannot be opened; the message is for the user."""


def open_hub(dataset: HubDataset) -> Iterable[Mapping[str, Any]]:
    """The rows of ``dataset``'s split as a ``datasets`` streaming dataset; raises
    :class:`RecordsError` when it cannot be opened (unknown dataset or split, no access)."""
    import datasets

    try:
        stream = datasets.load_dataset(
            dataset.name, dataset.config, split=dataset.split, streaming=True
        )
    except Exception as exc:  # datasets raises many types; all mean "cannot open"
        first = (str(exc).splitlines() or [type(exc).__name__])[0]
        raise RecordsError(f"cannot open {dataset.uri} split {dataset.split!r}: {first}") from None
    return stream


def record_item(
    record: Mapping[str, Any],
    fallback: str,
    text_column: str,
    max_bytes: int,
    fmt: str = PARQUET_FORMAT,
) -> InputItem:
    """The input item of one row (see the module docstring for source and reasons);
    ``fmt`` is its manifest ``format`` (``parquet-record`` or ``hf-record``)."""
    base = fallback.rsplit("#", 1)[0]
    url, rid = record.get("url"), record.get("id")
    url = url if isinstance(url, str) and url else None
    if url:
        source = url
    elif isinstance(rid, str | int) and not isinstance(rid, bool) and str(rid):
        source = f"{base}#{rid}"
    else:
        source = fallback
    if text_column not in record:
        return InputItem(source, error="bad_record:no_text", format=fmt, url=url)
    value = record[text_column]
    if isinstance(value, str):
        data = value.encode("utf-8", "surrogatepass")
    elif isinstance(value, bytes | bytearray):
        data = bytes(value)
    else:
        return InputItem(source, error="bad_record:text_not_string", format=fmt, url=url)
    if len(data) > max_bytes:
        return InputItem(source, error="too_large", n_bytes=len(data), format=fmt, url=url)
    return InputItem(source, data=data, n_bytes=len(data), format=fmt, url=url)
