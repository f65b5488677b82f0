"""Find inputs and read their bytes.

Inputs are directories (searched recursively: every file by default, or the files matching
any of the ``glob`` patterns), single files, JSON Lines files (``.jsonl``, ``.jsonl.gz``)
whose records carry ``text`` (or ``html``) and optionally ``url`` and ``id``, and WARC files
(``.warc``, ``.warc.gz``) whose records each become one input (see
:mod:`lawrpt_corpus.extract.warc`). Enumeration is sorted, so the same inputs always come in
the same order. What each file *is* (text, HTML, PDF …) is decided later from its bytes by
the extract step; a file of a kind no step reads becomes a rejected row
(``unsupported_format:<kind>``), so nothing found is silently ignored.

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
from collections.abc import Iterable, Iterator, Sequence
from pathlib import Path

from ..document import Document, PageMeta
from ..extract.sniff import extension
from .fs import is_url, list_url, open_input
from .item import ContainerItem, InputItem

#: No pattern: a folder scan takes every file (the extract step decides what each one is).
DEFAULT_GLOB: tuple[str, ...] = ()
#: Inputs larger than this are rejected as ``too_large`` without being read.
DEFAULT_MAX_BYTES = 64 * 1024 * 1024


def _is_jsonl(path: Path) -> bool:
    name = path.name.lower()
    return name.endswith(".jsonl") or name.endswith(".jsonl.gz")


def _is_warc(path: Path) -> bool:
    name = path.name.lower()
    return name.endswith(".warc") or name.endswith(".warc.gz")


def _is_parquet(path: Path) -> bool:
    return path.name.lower().endswith(".parquet")


def _is_container(path: Path) -> bool:
    return _is_jsonl(path) or _is_warc(path) or _is_parquet(path)


Globs = str | Sequence[str] | None


def glob_patterns(glob: Globs) -> list[str]:
    """``glob`` as a list of patterns, braces expanded (``*.{html,pdf}`` → two patterns)."""
    if glob is None:
        return []
    raw = [glob] if isinstance(glob, str) else list(glob)
    out: list[str] = []
    for pattern in raw:
        for p in _expand_braces(pattern):
            if p and p not in out:
                out.append(p)
    return out


def _expand_braces(pattern: str) -> list[str]:
    """``a{b,c}d`` → ``abd``, ``acd`` (nested and repeated groups; no group: as is)."""
    start = pattern.find("{")
    if start < 0:
        return [pattern]
    depth = 0
    for i in range(start, len(pattern)):
        if pattern[i] == "{":
            depth += 1
        elif pattern[i] == "}":
            depth -= 1
            if depth == 0:
                break
    else:
        return [pattern]  # unbalanced: literal
    inner = pattern[start + 1 : i]
    options: list[str] = []
    level = 0
    cur: list[str] = []
    for ch in inner:
        if ch == "," and level == 0:
            options.append("".join(cur))
            cur = []
            continue
        level += ch == "{"
        level -= ch == "}"
        cur.append(ch)
    options.append("".join(cur))
    head, tail = pattern[:start], pattern[i + 1 :]
    out = []
    for opt in options:
        out.extend(_expand_braces(head + opt + tail))
    return out


def _matches(rel: str, patterns: list[str]) -> str | None:
    """The first pattern the relative path matches, case-insensitively (None: no match)."""
    from fnmatch import fnmatchcase
    from pathlib import PurePosixPath

    low = rel.lower()
    name = low.rsplit("/", 1)[-1]
    for pattern in patterns:
        pat = pattern.lower()
        if "/" in pat:
            if PurePosixPath(low).match(pat):
                return pattern
        elif fnmatchcase(name, pat):
            return pattern
    return None


def format_of_name(name: str) -> str:
    """The format a file's name suggests, for rows rejected before their bytes are read."""
    from ..extract.sniff import HTML_EXTENSIONS, TEXT_EXTENSIONS

    ext = extension(name)
    if ext in TEXT_EXTENSIONS:
        return "txt"
    if ext in HTML_EXTENSIONS:
        return "html"
    return ext


def _source_name(path: Path, root: Path) -> str:
    rel = os.path.relpath(path, root)
    return _visible(rel.replace(os.sep, "/"))


def _visible(name: str) -> str:
    """``name`` with the surrogate escapes of a file name that is not valid UTF-8 written
    as backslash escapes (character by character: a path's parts can be escaped apart)."""
    if name.isascii():
        return name
    return name.encode("utf-8", "backslashreplace").decode("utf-8")


def _file_item(path: Path, source: str, max_bytes: int) -> InputItem:
    try:
        st = path.stat()
    except FileNotFoundError:
        return InputItem(source, error="unreadable:broken_link", format=format_of_name(source))
    except OSError as exc:
        return InputItem(
            source, error=f"unreadable:{exc.__class__.__name__}", format=format_of_name(source)
        )
    if not path.is_file():
        return InputItem(source, error="unreadable:not_a_file", format=format_of_name(source))
    if st.st_size > max_bytes:
        return InputItem(
            source, error="too_large", n_bytes=st.st_size, format=format_of_name(source)
        )
    return InputItem(source, path=str(path), n_bytes=st.st_size)


def iter_inputs(
    paths: Sequence[str | os.PathLike[str]],
    glob: Globs = DEFAULT_GLOB,
    max_bytes: int = DEFAULT_MAX_BYTES,
    exclude: Sequence[str | os.PathLike[str]] = (),
    text_column: str = "text",
    split_containers: bool = False,
) -> Iterator[InputItem | ContainerItem]:
    """Yield every input under ``paths`` in a stable order.

    A directory contributes every file (or, with ``glob`` patterns, the files whose name —
    or relative path, for a pattern with ``/`` — matches any pattern, case-insensitively,
    braces expanded) plus every ``.jsonl[.gz]``, ``.warc[.gz]`` and ``.parquet`` file,
    recursively, sorted by relative path; a file given directly is always taken. ``source``
    is the path relative to the root it was found under (for a file given directly: its
    name), a JSONL or parquet record's ``url``, or a WARC record's target URI. A parquet
    row's text is its ``text_column`` (see :mod:`.records`). Directories under ``exclude``
    (for example the output folder) are skipped. With ``split_containers`` a container file
    is not opened here: it is one :class:`~.containers.ContainerItem` in its place, whose
    records an engine's workers count and read (:mod:`.containers`: same items, same
    order).
    """
    excluded = {os.path.realpath(p) for p in exclude}
    patterns = glob_patterns(glob)
    for raw in paths:
        if is_url(raw):
            yield from _iter_url(str(raw), patterns, max_bytes, text_column, split_containers)
            continue
        root = Path(raw)
        if root.is_dir():
            yield from _iter_dir(root, patterns, max_bytes, excluded, text_column, split_containers)
        else:
            yield from _iter_file(root, root.name, max_bytes, text_column, split_containers)


def _iter_url(
    url: str, patterns: list[str], max_bytes: int, text_column: str, split: bool = False
) -> Iterator[InputItem | ContainerItem]:
    """The inputs under a URL (:func:`.fs.list_url`), as :func:`_iter_dir` gives a folder's:
    a file is an item whose ``path`` is its URL (a worker reads it), a container is read
    here for its records (as for a local one), a folder that cannot be listed is a rejected
    item. The listing is streamed, folder by folder."""
    for source, where, size, unreadable in list_url(url):
        if unreadable:
            yield InputItem(source, error="unreadable:directory", format="folder")
            continue
        name = Path(source)
        if patterns and not _is_container(name) and _matches(source, patterns) is None:
            continue
        if _is_container(name):
            yield from _iter_container(where, source, max_bytes, text_column, split)
        elif size > max_bytes:
            yield InputItem(source, error="too_large", n_bytes=size, format=format_of_name(source))
        else:
            yield InputItem(source, path=where, n_bytes=size)


def _iter_file(
    path: Path, source: str, max_bytes: int, text_column: str = "text", split: bool = False
) -> Iterator[InputItem | ContainerItem]:
    if _is_container(path):
        yield from _iter_container(path, source, max_bytes, text_column, split)
    else:
        yield _file_item(path, source, max_bytes)


def _iter_container(
    path: Path | str, source: str, max_bytes: int, text_column: str, split: bool = False
) -> Iterator[InputItem | ContainerItem]:
    """The records of a JSONL, parquet or WARC file (a local path or a URL); with ``split``
    the file itself, unopened, as a :class:`~.containers.ContainerItem`."""
    if split:
        yield ContainerItem(source, str(path), max_bytes, text_column)
        return
    name = Path(str(path))
    if _is_jsonl(name):
        yield from iter_jsonl(path, source, max_bytes)
    elif _is_parquet(name):
        from .records import iter_parquet  # records imports this module

        yield from iter_parquet(path, source, text_column, max_bytes)
    else:
        yield from iter_warc_items(path, source, max_bytes)


def container_records(item: ContainerItem) -> Iterator[InputItem]:
    """The records of a container handed over unopened (read here, as the driver's own
    reading of it would give them)."""
    return _iter_container(item.path, item.source, item.max_bytes, item.text_column)  # type: ignore[return-value]


def count_inputs(
    paths: Sequence[str | os.PathLike[str]],
    glob: Globs = DEFAULT_GLOB,
    exclude: Sequence[str | os.PathLike[str]] = (),
) -> int:
    """How many items :func:`iter_inputs` will yield, about (for a progress bar's total).

    Walks the folders again and counts JSONL lines without parsing them; a WARC file counts
    as one (its records are only known by reading it).
    """
    excluded = {os.path.realpath(p) for p in exclude}
    patterns = glob_patterns(glob)
    n = 0
    for raw in paths:
        if is_url(raw):  # a URL's containers count as one each (not opened for a count)
            n += sum(1 for _ in list_url(str(raw)))
            continue
        root = Path(raw)
        listed: Iterable[tuple[str, Path]]
        if root.is_dir():
            listed = _list_dir(root, patterns, excluded)
        else:
            listed = [(root.name, root)]
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


def glob_matches(
    paths: Sequence[str | os.PathLike[str]],
    glob: Globs,
    exclude: Sequence[str | os.PathLike[str]] = (),
) -> dict[str, int]:
    """How many files under the folders of ``paths`` each pattern of ``glob`` takes (a file
    is counted for the first pattern it matches), so a caller can say what matched."""
    excluded = {os.path.realpath(p) for p in exclude}
    patterns = glob_patterns(glob)
    counts = dict.fromkeys(patterns, 0)
    for raw in paths:
        root = Path(raw)
        if root.is_dir():
            for source, _ in _list_dir(root, patterns, excluded):
                hit = _matches(source, patterns)
                if hit is not None:
                    counts[hit] += 1
    return counts


def _count_jsonl(path: Path) -> int:
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rb") as fh:
            return sum(1 for line in fh if line.strip()) or 1
    except (OSError, EOFError):
        return 1


def _iter_dir(
    root: Path,
    patterns: list[str],
    max_bytes: int,
    excluded: set[str],
    text_column: str = "text",
    split: bool = False,
) -> Iterator[InputItem | ContainerItem]:
    for source, path in _list_dir(root, patterns, excluded):
        if source.endswith("/"):
            yield InputItem(source, error="unreadable:directory", format="folder")
        else:
            yield from _iter_file(path, source, max_bytes, text_column, split)


def _list_dir(root: Path, patterns: list[str], excluded: set[str]) -> Iterator[tuple[str, Path]]:
    """Files under ``root`` taken by ``patterns`` (all when empty) as ``(source, path)``,
    sorted by source; unreadable folders end in /.

    Streamed, one folder at a time: each folder is listed when the walk reaches it and its
    entries sorted by name, a subfolder's name followed by ``/`` — which is the order of
    the sorted relative paths — so memory holds the folders on the current path (and the
    real path of every folder seen, against symlink loops), never every file of the tree.
    """
    seen_dirs: set[str] = set()

    def visit(current: Path, prefix: str) -> Iterator[tuple[str, Path]]:
        # ``prefix``: the source of ``current`` followed by "/" ("" for the root), so an
        # entry's source is ``prefix`` + its name — what ``_source_name`` gives, without a
        # ``relpath`` per file
        real = os.path.realpath(current)
        if real in seen_dirs or real in excluded:
            return  # symlink loop, or the output folder inside the input tree
        seen_dirs.add(real)
        try:
            with os.scandir(current) as it:
                entries = list(it)
        except OSError:
            yield _source_name(current, root) + "/", current
            return
        keyed: list[tuple[str, Path, bool]] = []
        for entry in entries:
            path = Path(entry.path)
            try:
                is_dir = entry.is_dir()
            except OSError:
                is_dir = False
            source = prefix + _visible(entry.name)
            keyed.append((source + "/" if is_dir else source, path, is_dir))
        del entries
        keyed.sort(key=lambda item: item[0])
        for key, path, is_dir in keyed:
            if is_dir:
                yield from visit(path, key)
            elif not patterns or _is_container(path) or _matches(key, patterns) is not None:
                yield key, path

    yield from visit(root, "")


def iter_jsonl(
    path: Path | str, source: str, max_bytes: int = DEFAULT_MAX_BYTES
) -> Iterator[InputItem]:
    """Yield one item per line of a JSON Lines file.

    A record's raw bytes are its ``text`` (or, when it has none, its ``html``) encoded as
    UTF-8; its source is its ``url`` when present, else ``<file>#<id>`` or
    ``<file>#L<line number>``. Lines that are not JSON objects with a string ``text`` or
    ``html`` become rejected items whose reason says why: ``bad_record:invalid_json`` (not
    JSON, or not UTF-8), ``bad_record:not_an_object``, ``bad_record:no_text`` (neither
    ``text`` nor ``html``) or ``bad_record:text_not_string`` (a number, list, null, ...).
    """
    for item, _ in jsonl_items_from(path, source, max_bytes):
        yield item


def jsonl_items_from(
    path: Path | str, source: str, max_bytes: int, at: tuple[int, int] = (0, 0)
) -> Iterator[tuple[InputItem, tuple[int, int] | None]]:
    """:func:`iter_jsonl`'s items from ``at`` = (byte offset of a line in the decompressed
    stream, lines before it), each with its own such point (None for the error that ends
    an unreadable file), where a reader can start a slice at that item."""
    gz = str(path).lower().endswith(".gz")
    offset, lineno = at
    try:
        with open_input(str(path)) as raw, gzip.open(raw) if gz else raw as fh:
            if offset:
                fh.seek(offset)  # gzip: decompresses up to it (forward, in C)
            for line in fh:
                here = (offset, lineno)
                offset += len(line)
                lineno += 1
                if not line.strip():
                    continue
                yield _jsonl_item(line, f"{source}#L{lineno}", max_bytes), here
    except (OSError, EOFError) as exc:
        error = f"unreadable:{exc.__class__.__name__}"
        yield InputItem(source, error=error, format="jsonl-record"), None


def _jsonl_item(line: bytes, fallback: str, max_bytes: int) -> InputItem:
    fmt = "jsonl-record"
    try:
        record = json.loads(line)
    except (ValueError, UnicodeDecodeError):
        return InputItem(fallback, error="bad_record:invalid_json", n_bytes=len(line), format=fmt)
    if not isinstance(record, dict):
        return InputItem(fallback, error="bad_record:not_an_object", n_bytes=len(line), format=fmt)
    payload = None
    body = record.get("text")
    if not isinstance(body, str) and isinstance(record.get("html"), str):
        body, payload = record["html"], "html"
    if not isinstance(body, str):
        why = "text_not_string" if "text" in record or "html" in record else "no_text"
        return InputItem(fallback, error=f"bad_record:{why}", n_bytes=len(line), format=fmt)
    url = record.get("url")
    rid = record.get("id")
    if isinstance(url, str) and url:
        source = url
    elif isinstance(rid, str | int) and str(rid):
        source = f"{fallback.rsplit('#', 1)[0]}#{rid}"
    else:
        source = fallback
    url = url if isinstance(url, str) and url else None
    data = body.encode("utf-8", "surrogatepass")
    if len(data) > max_bytes:
        return InputItem(source, error="too_large", n_bytes=len(data), format=fmt, url=url)
    return InputItem(source, data=data, n_bytes=len(data), format=fmt, url=url, payload=payload)


def iter_warc_items(path: Path | str, source: str, max_bytes: int) -> Iterator[InputItem]:
    """One item per record of a WARC file (see :mod:`lawrpt_corpus.extract.warc`)."""
    for item, _ in warc_items_from(path, source, max_bytes):
        yield item


def warc_items_from(
    path: Path | str, source: str, max_bytes: int, start: int = 0
) -> Iterator[tuple[InputItem, int]]:
    """:func:`iter_warc_items`' items from the record at byte ``start``, each with its
    record's offset (-1 for the error of a file that cannot be opened)."""
    from ..extract.warc import iter_warc

    fmt = "warc-record"
    try:
        with open_input(str(path)) as fh:
            for rec in iter_warc(fh, source, max_bytes, start):
                if rec.payload is None:
                    item = InputItem(
                        rec.source, error=rec.reason, n_bytes=rec.n_bytes, format=fmt, url=rec.url
                    )
                else:
                    item = InputItem(
                        rec.source,
                        data=rec.payload,
                        n_bytes=rec.n_bytes,
                        format=fmt,
                        url=rec.url,
                        charset=rec.charset,
                        payload=rec.payload_format,
                    )
                yield item, rec.offset
    except OSError as exc:
        yield InputItem(source, error=f"unreadable:{exc.__class__.__name__}", format=fmt), -1


def load_document(item: InputItem) -> Document:
    """Read an item's bytes into a fresh :class:`Document` (rejected when unreadable)."""
    if item.error is not None:
        doc = Document(
            source=item.source,
            raw_sha256=_error_hash(item),
            n_bytes=item.n_bytes,
        )
        doc.format = item.format or format_of_name(item.source)
        if item.url:
            doc.page = PageMeta(url=item.url)
        return doc.reject(item.error)
    if item.data is not None:
        doc = Document.from_bytes(item.source, item.data)
    else:
        assert item.path is not None
        try:
            with open_input(item.path) as fh:
                raw = fh.read()
        except OSError as exc:
            doc = Document(item.source, _error_hash(item), item.n_bytes)
            doc.format = format_of_name(item.source)
            return doc.reject(f"unreadable:{exc.__class__.__name__}")
        doc = Document.from_bytes(item.source, raw)
    doc.format = item.format
    if item.url:
        doc.page = PageMeta(url=item.url)
    if item.charset:
        doc.features["http_charset"] = item.charset
    if item.payload:
        doc.features["payload_format"] = item.payload
    return doc


def _error_hash(item: InputItem) -> str:
    """No bytes were read: hash of nothing, so the row still has a well-formed hash."""
    return hashlib.sha256(b"").hexdigest()
