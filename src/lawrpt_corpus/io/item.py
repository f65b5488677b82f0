"""One input as the readers hand it to the engines (a file to read, or bytes in hand).

Its own module so that every reader (files and folders in :mod:`.readers`, tables of
records in :mod:`.records`) can make items without importing one another.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(slots=True, frozen=True)
class InputItem:
    """One input: a file to read (``path``) or bytes already in hand (``data``)."""

    source: str
    path: str | None = None
    data: bytes | None = None
    error: str | None = None
    n_bytes: int = 0
    format: str | None = None  # container format of a record (jsonl-record, warc-record)
    url: str | None = None  # the record's URL (JSONL url, WARC target URI)
    charset: str | None = None  # charset of the HTTP Content-Type (WARC)
    payload: str | None = None  # what the record's bytes are, when the container says (html)


@dataclass(slots=True, frozen=True)
class ContainerItem:
    """A container file (JSON Lines, WARC, parquet) handed over unopened, for an engine whose
    workers count and read its records (:mod:`.containers`) instead of the driver.

    ``path`` is a local path or a URL; ``max_bytes`` and ``text_column`` are the build's, so
    that a worker makes exactly the items the driver's reader would."""

    source: str
    path: str
    max_bytes: int
    text_column: str = "text"
