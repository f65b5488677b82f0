"""Reading for ``inspect``: one input exactly as the build reads it, and one document of a
built dataset folder (its row, the inputs merged into it, its removals)."""

from __future__ import annotations

import gzip
from pathlib import Path
from typing import Any

from ..boilerplate.score import RULE_ID as SCORE_RULE_ID
from ..boilerplate.score import default_model as default_score_model
from ..document import Document
from ..io.readers import DEFAULT_MAX_BYTES, InputItem, iter_warc_items, load_document
from ..io.readers import _file_item as file_item
from ..io.readers import _is_jsonl as is_jsonl
from ..io.readers import _is_warc as is_warc
from ..io.readers import _jsonl_item as jsonl_item

SCHEMA_VERSION = 2


class InspectError(Exception):
    """The input cannot be found or addressed (bad path, no such record); for the user."""


# -- reading one input ----------------------------------------------------------------------
def removal_record(rule: str, text: str, start: int | None = None) -> dict[str, Any]:
    """``{rule, text, start}``, plus ``why`` for a score removal: the features that pushed
    the line out, recomputed from its text with the shipped model (the rule id is constant)."""
    out: dict[str, Any] = {"rule": rule, "text": text, "start": start}
    if rule == SCORE_RULE_ID:
        model = default_score_model()
        if model is not None:
            out["why"] = model.why(text.strip())
    return out


def read_input(
    path: str | Path, record: int | None = None, max_bytes: int = DEFAULT_MAX_BYTES
) -> Document:
    """A fresh document for ``path``, read exactly as the build reads it.

    ``record`` selects the record on line ``record`` (1-based, as in the source
    ``FILE#L<n>``) of a JSON Lines file. Unreadable, too large or malformed inputs come back
    rejected with the build's reason. Raises :class:`InspectError` if ``path`` does not
    exist or the record cannot be addressed.
    """
    p = Path(path)
    if not p.exists() and not p.is_symlink():
        raise InspectError(f"{p} does not exist")
    if p.is_dir():
        raise InspectError(f"{p} is a folder; give one file")
    if is_warc(p):
        if record is None:
            raise InspectError(f"{p} is a WARC file; choose a record with --record N")
        if record < 1:
            raise InspectError("--record counts records from 1")
        for n, item in enumerate(iter_warc_items(p, p.name, max_bytes), start=1):
            if n == record:
                return load_document(item)
        raise InspectError(f"{p.name} has fewer than {record} records")
    if record is not None:
        if not is_jsonl(p):
            raise InspectError("--record needs a .jsonl, .jsonl.gz, .warc or .warc.gz file")
        if record < 1:
            raise InspectError("--record counts lines from 1")
        return load_document(_jsonl_record(p, record, max_bytes))
    if is_jsonl(p):
        raise InspectError(f"{p} is a JSON Lines file; choose a record with --record N")
    return load_document(file_item(p, p.name, max_bytes))


def _jsonl_record(path: Path, line_no: int, max_bytes: int) -> InputItem:
    opener = gzip.open if path.name.lower().endswith(".gz") else open
    try:
        with opener(path, "rb") as fh:
            for n, line in enumerate(fh, start=1):
                if n == line_no:
                    if not line.strip():
                        raise InspectError(f"line {line_no} of {path.name} is blank")
                    return jsonl_item(line, f"{path.name}#L{line_no}", max_bytes)
    except (OSError, EOFError) as exc:
        return InputItem(path.name, error=f"unreadable:{exc.__class__.__name__}")
    raise InspectError(f"{path.name} has no line {line_no}")


# -- a built dataset ------------------------------------------------------------------------
def _similarity(status: str, reason: str | None) -> tuple[str | None, float | None]:
    """``near:0.93`` → ("near", 0.93); ``exact`` → ("exact", 1.0); kept → (None, None)."""
    if status != "duplicate" or not reason:
        return None, None
    kind, _, num = reason.partition(":")
    if kind == "exact":
        return "exact", 1.0
    try:
        return kind, float(num)
    except ValueError:
        return kind, None


class _Shards:
    """The parquet files of a dataset: a local folder's, or those the completion marker of
    an object-storage prefix lists (publish/remote.py; refused when it is not complete)."""

    def __init__(self, out: str | Path):
        from ..publish.writer import is_remote

        self.fs: Any = None
        self.listed: list[str] | None = None
        if is_remote(out):
            from ..publish.remote import check_complete, out_filesystem

            try:  # IncompleteDataset, OutputError: one line each
                marker = check_complete(str(out))
                self.fs, self.root = out_filesystem(str(out))
            except Exception as exc:
                raise InspectError(str(exc)) from None
            self.listed = [f["path"] for f in marker["files"]]
            self.name = str(out)
        else:
            self.folder = Path(out)
            self.name = str(self.folder)
            if not (self.folder / "manifest").is_dir():
                raise InspectError(f"{self.folder} is not a dataset folder (no manifest/)")

    def files(self, sub: str) -> list[str]:
        if self.listed is None:
            return [str(f) for f in sorted((self.folder / sub).glob("*.parquet"))]
        return [
            f"{self.root}/{p}"
            for p in sorted(self.listed)
            if p.startswith(sub + "/") and p.endswith(".parquet")
        ]


def _read(shards: _Shards, sub: str, key_filter: Any) -> list[dict[str, Any]]:
    import pyarrow.dataset as ds

    files = shards.files(sub)
    if not files:
        return []
    dataset = ds.dataset(files, format="parquet", filesystem=shards.fs)
    return list(dataset.to_table(filter=key_filter).to_pylist())


def lookup_dataset(out: str | Path, key: str) -> dict[str, Any]:
    """Find ``key`` (a document id, a raw sha256, or a source) in the dataset folder ``out``
    (or an object-storage prefix a build published, ``s3://…``: only if its completion
    marker is there and lists its files).

    Returns the data row of the kept document the input became (or was merged into), all
    manifest rows merged into it with their similarity, and its removals grouped by rule.
    A rejected input is found in the manifest and returned with its reason and no row.
    Raises :class:`InspectError` if ``out`` is not a dataset folder or ``key`` is unknown.
    """
    import pyarrow.dataset as ds

    folder = _Shards(out)
    import pyarrow.compute as pc

    f = ds.field
    key_filter = (f("source") == key) | (f("id") == key)
    if len(key) >= 16 and all(ch in "0123456789abcdef" for ch in key):
        # an input's own id (a duplicate's is not its manifest ``id``) or its full sha256
        key_filter = key_filter | pc.starts_with(f("raw_sha256"), pattern=key)
    by_input = _read(folder, "manifest", key_filter)
    matched = [r for r in by_input if r["source"] == key or r["raw_sha256"] == key]
    matched = matched or [r for r in by_input if r["raw_sha256"][:16] == key]
    doc_id = next((r["id"] for r in matched if r["id"]), None)
    if doc_id is None and any(r["id"] == key for r in by_input):
        doc_id = key
    if doc_id is None and not matched:
        raise InspectError(f"no input with id, sha256 or source {key!r} in {folder.name}")
    row = None
    members: list[dict[str, Any]] = []
    if doc_id is not None:
        rows = _read(folder, "data", f("id") == doc_id)
        row = rows[0] if rows else None
        members = _read(folder, "manifest", f("id") == doc_id)
        members.sort(key=lambda r: (r["status"] != "kept", r["source"]))
    for m in members + matched:
        m["merge"], m["similarity"] = _similarity(m["status"], m["reason"])
    removals = (
        [removal_record(r["rule"], r["text"], r.get("start")) for r in row["removed"]]
        if row
        else []
    )
    by_rule: dict[str, dict[str, int]] = {}
    for r in removals:
        agg = by_rule.setdefault(r["rule"], {"count": 0, "chars": 0})
        agg["count"] += 1
        agg["chars"] += len(r["text"])
    return {
        "schema_version": SCHEMA_VERSION,
        "dataset": folder.name,
        "key": key,
        "matched": matched,
        "id": doc_id,
        "row": row,
        "cluster": members,
        "removals": removals,
        "removals_by_rule": dict(sorted(by_rule.items())),
    }
