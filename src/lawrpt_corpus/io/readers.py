"""Find inputs and read their bytes.

Inputs are directories (searched recursively for files matching a glob), single files, and
JSON Lines files (``.jsonl``, ``.jsonl.gz``) whose records carry ``text`` and optionally
``url`` and ``id``. Enumeration is sorted, so the same inputs always come in the same order.

Nothing here raises for a bad input: an unreadable file, a broken symlink, a bad JSON
record or an over-long file becomes an :class:`InputItem` with an ``error``, which the
engine turns into a rejected manifest row. Reading the bytes is deferred to
:func:`load_document`, which runs in the workers.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from pathlib import Path

from ..document import Document

DEFAULT_GLOB = "*.txt"
#: Inputs larger than this are rejected as ``too_large`` without being read.
DEFAULT_MAX_BYTES = 64 * 1024 * 1024


@dataclass(slots=True, frozen=True)
class InputItem:
    """One input: a file to read (``path``) or bytes already in hand (``data``)."""

    source: str
    path: str | None = None
    data: bytes | None = None
    error: str | None = None
    n_bytes: int = 0


def _is_jsonl(path: Path) -> bool:
    name = path.name.lower()
    return name.endswith(".jsonl") or name.endswith(".jsonl.gz")


def _source_name(path: Path, root: Path) -> str:
    rel = os.path.relpath(path, root)
    # File names that are not valid UTF-8 arrive as surrogate escapes: keep them visible.
    return rel.replace(os.sep, "/").encode("utf-8", "backslashreplace").decode("utf-8")


def _file_item(path: Path, source: str, max_bytes: int) -> InputItem:
    try:
        st = path.stat()
    except FileNotFoundError:
        return InputItem(source, error="unreadable:broken_link")
    except OSError as exc:
        return InputItem(source, error=f"unreadable:{exc.__class__.__name__}")
    if not path.is_file():
        return InputItem(source, error="unreadable:not_a_file")
    if st.st_size > max_bytes:
        return InputItem(source, error="too_large", n_bytes=st.st_size)
    return InputItem(source, path=str(path), n_bytes=st.st_size)


def _is_parquet(path: Path) -> bool:
    return path.name.lower().endswith(".parquet")


def _iter_records(path: Path, source: str, max_bytes: int, text_column: str) -> Iterator[InputItem]:
    if _is_jsonl(path):
        return iter_jsonl(path, source, max_bytes)
    from .records import iter_parquet  # records imports this module

    return iter_parquet(path, source, text_column, max_bytes)


def iter_inputs(
    paths: Sequence[str | os.PathLike[str]],
    glob: str = DEFAULT_GLOB,
    max_bytes: int = DEFAULT_MAX_BYTES,
    exclude: Sequence[str | os.PathLike[str]] = (),
    text_column: str = "text",
) -> Iterator[InputItem]:
    """Yield every input under ``paths`` in a stable order.

    A directory contributes its files matching ``glob`` (recursively, sorted by relative
    path) and every ``.jsonl``/``.jsonl.gz`` and ``.parquet`` file (one input per record;
    a parquet row's text is its ``text_column``, see :mod:`.records`); a file given
    directly is always taken. ``source`` is the path relative to the root it was found
    under (for a file given directly: its name), or a record's ``url``. Directories under
    ``exclude`` (for example the output folder) are skipped.
    """
    excluded = {os.path.realpath(p) for p in exclude}
    for raw in paths:
        root = Path(raw)
        if root.is_dir():
            yield from _iter_dir(root, glob, max_bytes, excluded, text_column)
        elif _is_jsonl(root) or _is_parquet(root):
            yield from _iter_records(root, root.name, max_bytes, text_column)
        else:
            yield _file_item(root, root.name, max_bytes)


def count_inputs(
    paths: Sequence[str | os.PathLike[str]],
    glob: str = DEFAULT_GLOB,
    exclude: Sequence[str | os.PathLike[str]] = (),
) -> int:
    """How many items :func:`iter_inputs` will yield (for a progress bar's total).

    Walks the folders again and counts JSONL lines without parsing them.
    """
    excluded = {os.path.realpath(p) for p in exclude}
    n = 0
    for raw in paths:
        root = Path(raw)
        listed = _list_dir(root, glob, excluded) if root.is_dir() else [(root.name, root)]
        for source, path in listed:
            if source.endswith("/"):
                n += 1
            elif _is_jsonl(path):
                n += _count_jsonl(path)
            elif _is_parquet(path):
                from .records import count_parquet

                n += count_parquet(path)
            else:
                n += 1
    return n


def _count_jsonl(path: Path) -> int:
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rb") as fh:
            return sum(1 for line in fh if line.strip()) or 1
    except (OSError, EOFError):
        return 1


def _iter_dir(
    root: Path, glob: str, max_bytes: int, excluded: set[str], text_column: str = "text"
) -> Iterator[InputItem]:
    for source, path in _list_dir(root, glob, excluded):
        if source.endswith("/"):
            yield InputItem(source, error="unreadable:directory")
        elif _is_jsonl(path) or _is_parquet(path):
            yield from _iter_records(path, source, max_bytes, text_column)
        else:
            yield _file_item(path, source, max_bytes)


def _list_dir(root: Path, glob: str, excluded: set[str]) -> list[tuple[str, Path]]:
    """Matching files under ``root`` as sorted ``(source, path)``; unreadable folders end in /."""
    found: list[tuple[str, Path]] = []
    seen_dirs: set[str] = set()
    stack = [root]
    while stack:
        current = stack.pop()
        real = os.path.realpath(current)
        if real in seen_dirs or real in excluded:
            continue  # symlink loop, or the output folder inside the input tree
        seen_dirs.add(real)
        try:
            entries = list(os.scandir(current))
        except OSError:
            found.append((_source_name(current, root) + "/", current))
            continue
        for entry in entries:
            path = Path(entry.path)
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            if is_dir:
                stack.append(path)
            elif path.match(glob) or _is_jsonl(path) or _is_parquet(path):
                found.append((_source_name(path, root), path))
    found.sort(key=lambda item: item[0])
    return found


def iter_jsonl(path: Path, source: str, max_bytes: int = DEFAULT_MAX_BYTES) -> Iterator[InputItem]:
    """Yield one item per line of a JSON Lines file.

    A record's raw bytes are its ``text`` encoded as UTF-8; its source is its ``url`` when
    present, else ``<file>#<id>`` or ``<file>#L<line number>``. Lines that are not JSON
    objects with a string ``text`` become rejected items whose reason says why:
    ``bad_record:invalid_json`` (not JSON, or not UTF-8), ``bad_record:not_an_object`` (JSON,
    but not an object), ``bad_record:no_text`` (no ``text`` field) or
    ``bad_record:text_not_string`` (``text`` is a number, list, null, ...).
    """
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rb") as fh:
            for lineno, line in enumerate(fh, start=1):
                if not line.strip():
                    continue
                yield _jsonl_item(line, f"{source}#L{lineno}", max_bytes)
    except (OSError, EOFError) as exc:
        yield InputItem(source, error=f"unreadable:{exc.__class__.__name__}")


def _jsonl_item(line: bytes, fallback: str, max_bytes: int) -> InputItem:
    try:
        record = json.loads(line)
    except (ValueError, UnicodeDecodeError):
        return InputItem(fallback, error="bad_record:invalid_json", n_bytes=len(line))
    if not isinstance(record, dict):
        return InputItem(fallback, error="bad_record:not_an_object", n_bytes=len(line))
    if "text" not in record:
        return InputItem(fallback, error="bad_record:no_text", n_bytes=len(line))
    if not isinstance(record["text"], str):
        return InputItem(fallback, error="bad_record:text_not_string", n_bytes=len(line))
    url = record.get("url")
    rid = record.get("id")
    if isinstance(url, str) and url:
        source = url
    elif isinstance(rid, str | int) and str(rid):
        source = f"{fallback.rsplit('#', 1)[0]}#{rid}"
    else:
        source = fallback
    data = record["text"].encode("utf-8", "surrogatepass")
    if len(data) > max_bytes:
        return InputItem(source, error="too_large", n_bytes=len(data))
    return InputItem(source, data=data, n_bytes=len(data))


def load_document(item: InputItem) -> Document:
    """Read an item's bytes into a fresh :class:`Document` (rejected when unreadable)."""
    if item.error is not None:
        doc = Document(
            source=item.source,
            raw_sha256=_error_hash(item),
            n_bytes=item.n_bytes,
        )
        return doc.reject(item.error)
    if item.data is not None:
        return Document.from_bytes(item.source, item.data)
    assert item.path is not None
    try:
        with open(item.path, "rb") as fh:
            raw = fh.read()
    except OSError as exc:
        doc = Document(item.source, _error_hash(item), item.n_bytes)
        return doc.reject(f"unreadable:{exc.__class__.__name__}")
    return Document.from_bytes(item.source, raw)


def _error_hash(item: InputItem) -> str:
    """No bytes were read: hash of nothing, so the row still has a well-formed hash."""
    return hashlib.sha256(b"").hexdigest()
