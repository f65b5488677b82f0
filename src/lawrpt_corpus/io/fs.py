"""Where inputs live: a local path, or a URL of any filesystem ``fsspec`` knows.

``file://``, ``memory://``, ``s3://`` (``s3fs``), ``gs://`` (``gcsfs``), ``hf://`` files
(``huggingface_hub``), … — the driver lists them (:func:`list_url`) and whoever processes an
input opens it (:func:`open_input`): with the Ray engine that is a worker, so an input's bytes
never pass through the driver. (A whole Hub *dataset*, ``hf://datasets/OWNER/NAME`` without a
file path, is read as records instead: :mod:`.records`.)
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from typing import Any, BinaryIO

#: two letters at least (not ``C:\``), at most 32: a bounded repeat stays linear when the
#: pattern is searched over a long line (the linear-time sweep), not only matched at 0
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.\-]{1,31}://")


def is_url(spec: object) -> bool:
    """Whether ``spec`` is a URL (``scheme://…``) rather than a local path."""
    return isinstance(spec, str) and _SCHEME.match(spec) is not None


def open_input(path: str) -> BinaryIO:
    """Open an input for reading bytes: a URL through fsspec, anything else as a local file.
    Raises ``OSError`` (``FileNotFoundError`` …) as ``open`` does; a URL whose filesystem is
    not installed raises ``OSError`` too, naming the missing package."""
    if not is_url(path):
        return open(path, "rb")
    try:
        import fsspec

        return fsspec.open(path, "rb").open()  # type: ignore[no-any-return]
    except (ImportError, ValueError) as exc:  # unknown protocol, its package not installed
        raise OSError(f"cannot open {path}: {exc}") from None


def url_filesystem(url: str) -> tuple[Any, str]:
    """``(filesystem, path inside it)`` of a URL."""
    from fsspec.core import url_to_fs

    return url_to_fs(url)  # type: ignore[no-any-return]


def url_problem(url: str) -> str | None:
    """Why ``url`` cannot be an input (one line for the user), or None when it exists."""
    try:
        fs, path = url_filesystem(url)
        # a folder that is only a prefix of stored keys (object stores; fsspec's memory
        # filesystem before 2023.x) is no `exists` there, but it is a directory
        if not fs.exists(path) and not fs.isdir(path):
            return "does not exist"
    except ImportError as exc:  # the filesystem's package (s3fs, gcsfs …) is missing
        return f"its filesystem is not installed ({exc})"
    except (OSError, ValueError) as exc:
        return f"cannot be listed ({exc})"
    return None


def list_url(url: str) -> Iterator[tuple[str, str, int, bool]]:
    """Everything under ``url``, streamed and sorted by relative path, one folder at a time:
    ``(relative path, URL, size, is_folder_error)``.

    A folder is listed when the walk reaches it (one ``ls`` per folder, sorted there with a
    folder's name followed by ``/``, which gives the global order of relative paths); only
    the folders on the current path are held, never the list of every file. ``url`` may
    name a single file (its relative path is its name). A folder that cannot be listed
    yields ``(relative path + "/", URL, 0, True)``.
    """
    fs, root = url_filesystem(url)
    root = root.rstrip("/") or root
    if not fs.isdir(root):
        info = fs.info(root)
        yield root.rsplit("/", 1)[-1], fs.unstrip_protocol(root), int(info.get("size") or 0), False
        return
    yield from _walk(fs, root, root)


def _walk(fs: Any, root: str, folder: str) -> Iterator[tuple[str, str, int, bool]]:
    rel = folder[len(root) :].lstrip("/")
    try:
        entries = fs.ls(folder, detail=True)
    except OSError:
        yield rel + "/", fs.unstrip_protocol(folder), 0, True
        return
    keyed = []
    for entry in entries:
        name = str(entry["name"]).rstrip("/")
        if name == folder:  # some filesystems list a folder in itself
            continue
        is_dir = entry.get("type") == "directory"
        source = name[len(root) :].lstrip("/")
        keyed.append(
            (source + "/" if is_dir else source, name, int(entry.get("size") or 0), is_dir)
        )
    keyed.sort(key=lambda e: e[0])
    for key, name, size, is_dir in keyed:
        if is_dir:
            yield from _walk(fs, root, name)
        else:
            yield key, fs.unstrip_protocol(name), size, False
