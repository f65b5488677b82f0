"""Container files (JSON Lines, WARC, parquet) cut into slices that workers read.

A container's records are inputs of their own, and a record's position in the input order
is only known once the containers before it are counted. So an engine that must not read
inputs in its driver (the Ray engine) does it in two passes, both on its workers:

1. :func:`plan_slices` — one task per container reads it once with the very reader the
   driver would use (:func:`~.readers.iter_jsonl`, :func:`~.readers.iter_warc_items`,
   :func:`~.records.iter_parquet`) and returns its slices: record ranges of at most ``rows``
   items, each with the point where reading can resume (JSON Lines: the byte offset of the
   line in the decompressed stream and the lines before it; parquet: the row index, found
   through the footer's row groups; WARC: the record's byte offset, checked on resuming:
   the first record read there must be the slice's first, else the slice is read from the
   start and the records before it skipped). The driver gets a few numbers and one source
   per slice, never a record.
2. :func:`read_slice` — the task that processes a slice reads exactly its items.

The driver numbers the slices' items consecutively (a slice of ``stop - start`` items at
the running position), so every record gets the position, source and bytes the driver's own
reading gives it: same documents, same order, same ids as the local engine.

Edge cases: an empty container has no slice (it yields no item, as when read in the
driver); an unreadable one is one slice of one rejected item (``unreadable:<error>``), as
the driver's reader yields. A container that changed between the two passes cannot break
the build: a slice that reads fewer items than planned is padded with rejected items
``unreadable:container_changed`` (at ``<source>#<position in the container>``), and items
past its end are dropped, so positions stay consistent.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

from .item import ContainerItem, InputItem

#: The ``error`` of a padding item (the container had fewer records when the slice read it).
CHANGED = "unreadable:container_changed"


@dataclass(slots=True, frozen=True)
class ContainerSlice:
    """Items ``start`` … ``stop - 1`` of ``container``; ``at`` is where reading resumes for
    item ``start`` (None: from the beginning, skipping ``start`` items); ``first`` is that
    item's source, which a WARC read resumed at ``at`` must find first (else it reads from
    the beginning)."""

    container: ContainerItem
    start: int
    stop: int
    at: tuple[int, int] | None = None
    first: str | None = None

    @property
    def n(self) -> int:
        return self.stop - self.start


def _kind(path: str) -> str:
    name = Path(path).name.lower()
    if name.endswith(".jsonl") or name.endswith(".jsonl.gz"):
        return "jsonl"
    if name.endswith(".parquet"):
        return "parquet"
    return "warc"


def _items_from(
    item: ContainerItem, start: int, at: tuple[int, int] | None
) -> Iterator[tuple[InputItem, tuple[int, int] | None]]:
    """The container's items from ``start`` — resumed at ``at`` when given (JSON Lines: byte
    offset and lines before; WARC: the record's offset), else read from the beginning and
    the first ``start`` skipped (parquet: from the row index ``start`` itself) — each with
    its own resume point (None where there is none)."""
    from .readers import jsonl_items_from, warc_items_from
    from .records import parquet_items_from

    kind = _kind(item.path)
    if kind == "parquet":
        rows = parquet_items_from(item.path, item.source, item.text_column, item.max_bytes, start)
        for n, record in enumerate(rows, start=start):
            yield record, (n, 0)
        return
    if kind == "jsonl":
        rest = jsonl_items_from(item.path, item.source, item.max_bytes, at or (0, 0))
    else:
        warc = warc_items_from(item.path, item.source, item.max_bytes, at[0] if at else 0)
        rest = ((record, (offset, 0) if offset >= 0 else None) for record, offset in warc)
    yield from rest if at is not None else itertools.islice(rest, start, None)


def plan_slices(item: ContainerItem, rows: int) -> list[ContainerSlice]:
    """Read ``item`` once (the first pass, on a worker) and cut its items into slices of at
    most ``rows``, in order; each slice knows where its reading resumes when the format
    allows it (see the module docstring)."""
    if rows < 1:
        raise ValueError("rows must be at least 1")
    slices: list[ContainerSlice] = []
    start, at, first = 0, None, None
    n = 0
    for record, here in _items_from(item, 0, None):
        if n == start:
            at, first = here, record.source
        n += 1
        if n - start == rows:
            slices.append(ContainerSlice(item, start, n, at, first))
            start = n
    if n > start:
        slices.append(ContainerSlice(item, start, n, at, first))
    return slices


def read_slice(piece: ContainerSlice) -> list[InputItem]:
    """Exactly ``piece.n`` items: the slice's records (padded or cut, see the module
    docstring, when the container changed since it was planned)."""
    at = piece.at if piece.start else None
    got = [it for it, _ in itertools.islice(_items_from(piece.container, piece.start, at), piece.n)]
    if at is not None and _kind(piece.container.path) == "warc":
        if not got or got[0].source != piece.first:  # not a record boundary after all
            rest = _items_from(piece.container, piece.start, None)
            got = [it for it, _ in itertools.islice(rest, piece.n)]
    for k in range(len(got), piece.n):
        got.append(InputItem(f"{piece.container.source}#{piece.start + k}", error=CHANGED))
    return got
