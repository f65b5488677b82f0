"""``--out`` on object storage (``s3://``, ``gs://``, any fsspec URL): staging prefix, copy to
the final keys, then a completion marker that readers check.

Object stores have no atomic rename of a prefix, so a build publishes in this order
(docs/scaling.md, "Atomic publish"):

1. everything is written under ``<out>/.staging/<build id>/`` — the shards (by the driver's
   writer, uploaded at commit, or by the Ray workers, each uploading its own shard), then the
   card, ``build.json``, the report page and the licence, uploaded by the driver at commit;
   a build that fails here leaves the previous dataset (its marker and files) untouched;
2. the commit deletes ``<out>/_COMPLETE.json`` (from then on readers refuse the prefix),
   copies every staged object to its final key (a server-side copy on S3 and GCS), deletes
   the final keys the previous build listed or left under ``data/`` and ``manifest/`` that
   this build does not have, and **last** writes ``_COMPLETE.json`` — one PUT, atomic on S3,
   GCS and the Hub — with the build id and every file's relative path, size and sha256;
3. the staging prefix is deleted (every ``.staging/`` prefix is also deleted when the next
   build starts: a failed build's leftovers never outlive the next one).

Readers call :func:`check_complete` (``inspect --dataset`` does): no marker, a listed file
missing or of another size, or a shard under ``data/`` / ``manifest/`` the marker does not
list → :class:`IncompleteDataset`. The dataset's bytes are those of a local build: the same
writer makes every file, locally, and only then is it uploaded.

The driver's own scratch — the checkpoint spill, the output lock, what it writes before the
commit — is a local folder, :func:`scratch_dir` (one per output URL, so ``--resume`` on the
same machine finds it). The lock therefore guards one machine: two machines must not build
the same prefix at once.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import tempfile
import time
import uuid
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa

from ..io.fs import is_url, url_filesystem
from .writer import (
    DatasetWriter,
    ShardInfo,
    acquire_output_lock,
    is_remote,
    scratch_dir,
    write_shard,
)

#: the completion marker, at the top of the output prefix
MARKER = "_COMPLETE.json"
#: staging prefixes, ``<out>/.staging/<build id>/``
STAGING = ".staging"
MARKER_FORMAT = 1
#: files of the local scratch folder that are not part of the dataset
_SCRATCH_ONLY = ("lock", "pid", "spill")
_CHUNK = 1 << 20


class OutputError(Exception):
    """An object-storage output that cannot be used; the message is one line for the user."""


class IncompleteDataset(Exception):
    """A dataset prefix or folder without a valid completion marker (one line)."""


def local_path(out: str | os.PathLike[str]) -> Path:
    """``file:///x`` → ``/x``; a plain path unchanged."""
    text = os.fspath(out)
    if is_url(text):
        from fsspec.core import url_to_fs

        _, path = url_to_fs(text)
        return Path(path)
    return Path(text)


def out_filesystem(url: str) -> tuple[Any, str]:
    """``(filesystem, root)`` of an output URL, ``root`` without a trailing ``/``; a one-line
    :class:`OutputError` for an unknown protocol or a filesystem package not installed."""
    try:
        fs, root = url_filesystem(url)
    except ImportError as exc:  # s3fs, gcsfs … missing
        raise OutputError(f"output {url}: its filesystem is not installed ({exc})") from None
    except ValueError as exc:  # "Protocol not known: foo"
        raise OutputError(f"output {url}: {exc}") from None
    root = str(root).rstrip("/")
    if not root:
        raise OutputError(f"output {url}: give a bucket and prefix, not the store's root")
    return fs, root


def _one_line(exc: BaseException) -> str:
    first = (str(exc).strip().splitlines() or [""])[0][:300]
    return f"{type(exc).__name__}: {first}" if first else type(exc).__name__


def store_problem(url: str) -> str | None:
    """Why this process cannot write under ``url`` (one line), or None: a probe object is
    written under ``<url>/.staging/`` and deleted (run in a cluster worker before the shards
    are written there, so a node without credentials stops the build at once)."""
    try:
        fs, root = out_filesystem(url)
        probe = f"{root}/probe-{uuid.uuid4().hex}"
        fs.pipe_file(probe, b"")
        fs.rm_file(probe)
    except Exception as exc:
        return _one_line(exc)
    return None


def check_remote_out(url: str, overwrite: bool) -> tuple[Any, str]:
    """Refuse an object-storage output that exists (a completion marker is there) unless
    ``overwrite``, or that cannot be reached or written: the store is asked once for the
    marker and once to write and delete a probe object under the staging prefix, so an
    unreachable endpoint, missing credentials or a read-only bucket stop the build before
    it starts, in one line. Returns ``(filesystem, root)``."""
    fs, root = out_filesystem(url)
    try:
        exists = fs.exists(f"{root}/{MARKER}")
    except Exception as exc:  # the backends raise their own types (botocore's, aiohttp's …)
        raise OutputError(f"output {url} cannot be reached ({_one_line(exc)})") from None
    if exists and not overwrite:
        raise OutputError(f"output {url} exists; pass --overwrite to replace it")
    probe = f"{root}/{STAGING}/probe-{uuid.uuid4().hex}"
    try:
        fs.pipe_file(probe, b"")
        fs.rm_file(probe)
    except Exception as exc:
        raise OutputError(f"output {url} is not writable ({_one_line(exc)})") from None
    return fs, root


def new_build_id() -> str:
    """A build id: UTC time and 8 random hex digits (``20261203T190102Z-1a2b3c4d``)."""
    return time.strftime("%Y%m%dT%H%M%SZ", time.gmtime()) + "-" + uuid.uuid4().hex[:8]


def file_sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as f:
        while chunk := f.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def write_shard_at(
    folder: str,
    prefix: str,
    index: int,
    n_shards: int,
    schema: pa.Schema,
    tables: Iterable[pa.Table],
    shard_rows: int,
) -> ShardInfo:
    """:func:`~lawrpt_corpus.publish.writer.write_shard` into ``folder``: a local folder, or
    an object-storage URL (:func:`write_shard_remote`)."""
    if is_remote(folder):
        return write_shard_remote(folder, prefix, index, n_shards, schema, tables, shard_rows)
    return write_shard(folder, prefix, index, n_shards, schema, tables, shard_rows)


def write_shard_remote(
    folder_url: str,
    prefix: str,
    index: int,
    n_shards: int,
    schema: pa.Schema,
    tables: Iterable[pa.Table],
    shard_rows: int,
) -> ShardInfo:
    """:func:`~lawrpt_corpus.publish.writer.write_shard` to an object-storage folder (for an
    engine's workers): the shard is written locally by the very same writer (so the bytes
    are those of a local build; its size, Arrow size and sha256 are read from the local
    file, not over the network), then uploaded to ``folder_url/<name>`` in one (multipart)
    PUT, and the local copy deleted. Needs local disk for one shard."""
    fs, folder = url_filesystem(folder_url)
    folder = str(folder).rstrip("/")
    sub = folder.rsplit("/", 1)[-1]
    with tempfile.TemporaryDirectory(prefix="lawrpt-shard-") as tmp:
        info = write_shard(Path(tmp) / sub, prefix, index, n_shards, schema, tables, shard_rows)
        local = Path(tmp) / info.name
        digest = file_sha256(local)
        fs.put_file(str(local), f"{folder}/{local.name}")
    return ShardInfo(info.name, info.download_size, info.num_bytes, digest)


class RemoteDatasetWriter(DatasetWriter):
    """:class:`~lawrpt_corpus.publish.writer.DatasetWriter` for an object-storage ``out``.

    Writes into a local scratch folder (:func:`scratch_dir`) as the local writer does; an
    engine whose workers write the shards puts them under :attr:`shard_root`
    (``<out>/.staging/<build id>``) and hands their :class:`ShardInfo` to
    :meth:`adopt_shards`. :meth:`commit` uploads the rest and publishes (module docstring).
    """

    def __init__(
        self,
        out: str,
        shard_rows: int = 20_000,
        resume: bool = False,
        fs: Any = None,
        root: str | None = None,
    ):
        self.url = out.rstrip("/")
        if fs is None or root is None:
            fs, root = out_filesystem(self.url)
        self.fs, self.root = fs, root
        self.build_id = new_build_id()
        self.remote_staging = f"{root}/{STAGING}/{self.build_id}"
        #: a URL the workers write shards under (their ``data/`` and ``manifest/``)
        self.shard_root = fs.unstrip_protocol(self.remote_staging)
        self._adopted: dict[str, ShardInfo] = {}
        self.out = Path(scratch_dir(self.url))  # not published: the local side only
        self.staging = self.out
        self._lock = acquire_output_lock(self.url)
        try:
            self._prepare(shard_rows, resume)
            # a failed build's staging prefixes never outlive the next build
            if fs.exists(f"{root}/{STAGING}"):
                fs.rm(f"{root}/{STAGING}", recursive=True)
        except BaseException:
            self._lock.release()
            raise

    def adopt_shards(
        self, data: Sequence[ShardInfo], manifest: Sequence[ShardInfo]
    ) -> tuple[Sequence[str], Sequence[str]]:
        """Take the shards the workers uploaded under :attr:`shard_root`; each must be there
        with the size its worker reported."""
        listed = _sizes(self.fs, self.remote_staging)
        for part, infos in ((self.data, data), (self.manifest, manifest)):
            for info in infos:
                if listed.get(info.name) != info.download_size:
                    raise FileNotFoundError(
                        f"shard {info.name} written by a worker is not in "
                        f"{self.shard_root} with its size ({listed.get(info.name)} bytes, "
                        f"{info.download_size} reported)"
                    )
                self._adopted[info.name] = info
            part.rows = 0
            part.num_bytes = sum(i.num_bytes for i in infos)
            part.download_size = sum(i.download_size for i in infos)
        return [i.name for i in data], [i.name for i in manifest]

    def shards_location(self) -> tuple[Any, str] | None:
        """Where the report reads the shards: ``(filesystem, staging prefix)`` when the
        workers uploaded them, None when they are in the local scratch folder."""
        return (self.fs, self.remote_staging) if self._adopted else None

    def commit(self) -> str:  # type: ignore[override]
        """Upload the staged files, copy them to their final keys, write the marker last."""
        shutil.rmtree(self.spill_dir, ignore_errors=True)
        files: dict[str, tuple[int, str]] = {
            name: (i.download_size, i.sha256) for name, i in self._adopted.items()
        }
        for path in sorted(self.staging.rglob("*")):
            rel = path.relative_to(self.staging).as_posix()
            if not path.is_file() or rel.split("/", 1)[0] in _SCRATCH_ONLY:
                continue
            files[rel] = (path.stat().st_size, file_sha256(path))
            self.fs.put_file(str(path), f"{self.remote_staging}/{rel}")
        publish_staged(self.fs, self.root, self.build_id, files)
        self._lock.release()
        shutil.rmtree(self.staging, ignore_errors=True)
        return self.url

    def abort(self, keep_checkpoint: bool = False) -> None:
        """Remove this build's staging prefix (best effort: the next build removes it too)
        and the local scratch folder (or all of it but the checkpoint)."""
        try:
            if self.fs.exists(self.remote_staging):
                self.fs.rm(self.remote_staging, recursive=True)
        except Exception:  # the store is unreachable: what is staged stays until next build
            pass
        super().abort(keep_checkpoint)


def _sizes(fs: Any, prefix: str) -> dict[str, int]:
    """Relative path → size of every object under ``prefix`` (one recursive listing)."""
    fs.invalidate_cache(prefix)  # written by other processes (workers): list afresh
    try:
        found = fs.find(prefix, detail=True)
    except FileNotFoundError:
        return {}
    out = {}
    for name, info in found.items():
        name = str(name)
        if name.startswith(prefix + "/") and info.get("type", "file") == "file":
            out[name[len(prefix) + 1 :]] = int(info.get("size") or 0)
    return out


def publish_staged(fs: Any, root: str, build_id: str, files: dict[str, tuple[int, str]]) -> None:
    """Publish the objects staged under ``<root>/.staging/<build_id>/``: ``files`` maps each
    relative path to its size and sha256. Delete the marker, copy to the final keys, delete
    what the previous build left that this one does not have, write the marker, delete the
    staging prefix (module docstring)."""
    marker = f"{root}/{MARKER}"
    staged = f"{root}/{STAGING}/{build_id}"
    previous: list[str] = []
    try:
        previous = [f["path"] for f in json.loads(fs.cat_file(marker))["files"]]
    except (FileNotFoundError, ValueError, KeyError, TypeError):
        pass
    if fs.exists(marker):
        fs.rm_file(marker)  # from here, readers refuse the prefix until the new marker
    for rel in sorted(files):
        fs.copy(f"{staged}/{rel}", f"{root}/{rel}")
    stale = set(previous)
    for sub in ("data", "manifest"):
        stale.update(f"{sub}/{rel}" for rel in _sizes(fs, f"{root}/{sub}"))
    for rel in sorted(stale - set(files)):
        if fs.exists(f"{root}/{rel}"):
            fs.rm_file(f"{root}/{rel}")
    record = {
        "format": MARKER_FORMAT,
        "build_id": build_id,
        "files": [{"path": p, "size": files[p][0], "sha256": files[p][1]} for p in sorted(files)],
    }
    fs.pipe_file(marker, (json.dumps(record, indent=2) + "\n").encode())
    fs.rm(f"{root}/{STAGING}", recursive=True)


def read_marker(fs: Any, root: str, where: str) -> dict[str, Any]:
    """The completion marker under ``root``, or :class:`IncompleteDataset`."""
    try:
        record = json.loads(fs.cat_file(f"{root}/{MARKER}"))
        files = record["files"]
        if not isinstance(files, list) or not isinstance(record["build_id"], str):
            raise TypeError
        for f in files:
            str(f["path"]), int(f["size"]), str(f["sha256"])
    except FileNotFoundError:
        raise IncompleteDataset(
            f"{where} has no {MARKER}: not a complete build (unfinished, failed, or being replaced)"
        ) from None
    except (ValueError, KeyError, TypeError):
        raise IncompleteDataset(f"{where}: {MARKER} is not a completion marker") from None
    return dict(record)


def check_complete(location: str | os.PathLike[str], verify: bool = False) -> dict[str, Any]:
    """Check that ``location`` holds a complete build; return its marker (``build_id``,
    ``files``: path, size, sha256 each) or, for a local folder without one (a local build is
    published by rename: complete when it exists), ``{"build_id": None, "files": []}``.

    Refused with :class:`IncompleteDataset`: no marker (object storage), a listed file
    missing or of another size (or of another sha256, with ``verify``, which reads every
    file), the card or ``build.json`` not listed, or a parquet file under ``data/`` or
    ``manifest/`` that the marker does not list (a reader globbing the shards would read it).
    """
    where = os.fspath(location)
    if is_remote(where):
        fs, root = out_filesystem(where)
    else:
        from fsspec.implementations.local import LocalFileSystem

        fs, root = LocalFileSystem(), str(local_path(where).resolve())
        if not (Path(root) / MARKER).exists():
            missing = [
                n
                for n in ("README.md", "build.json", "data", "manifest")
                if not (Path(root) / n).exists()
            ]
            if missing:
                raise IncompleteDataset(
                    f"{where} is not a finished build (missing: {', '.join(missing)})"
                )
            return {"build_id": None, "files": []}
    try:
        record = read_marker(fs, root, where)
        present = {k: v for k, v in _sizes(fs, root).items() if not k.startswith(STAGING + "/")}
    except IncompleteDataset:
        raise
    except Exception as exc:
        raise IncompleteDataset(f"{where} cannot be read ({_one_line(exc)})") from None
    listed = {f["path"]: f for f in record["files"]}
    for name in ("README.md", "build.json"):
        if name not in listed:
            raise IncompleteDataset(f"{where}: {MARKER} does not list {name}")
    for path, f in listed.items():
        if path not in present:
            raise IncompleteDataset(f"{where}: {path}, listed in {MARKER}, is missing")
        if present[path] != int(f["size"]):
            raise IncompleteDataset(
                f"{where}: {path} has {present[path]} bytes, {MARKER} says {f['size']}"
            )
    extra = sorted(
        p
        for p in present
        if p.split("/", 1)[0] in ("data", "manifest") and p.endswith(".parquet") and p not in listed
    )
    if extra:
        raise IncompleteDataset(f"{where}: {extra[0]} is not listed in {MARKER}")
    if verify:
        for path, f in listed.items():
            digest = hashlib.sha256()
            with fs.open(f"{root}/{path}", "rb") as handle:
                while chunk := handle.read(_CHUNK):
                    digest.update(chunk)
            if digest.hexdigest() != f["sha256"]:
                raise IncompleteDataset(f"{where}: {path} does not have the sha256 {MARKER} says")
    return record
