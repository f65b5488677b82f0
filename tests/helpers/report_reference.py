"""The report page's aggregates as ``publish.report.read_aggregates`` read them until
session 24 (commit 8b5776c): every kept document's length and width profile in Python
lists, every duplicate cluster with all its members. The oracle of the compact reader:
the page rendered from either is the same, byte for byte."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from lawrpt_corpus.publish.report import _batches, _shard_files, _sim_key


def read_aggregates_lists(folder: Path) -> dict[str, Any]:
    lengths: list[int] = []
    widths: list[float] = []
    for f in _shard_files(folder, None, "data"):
        for batch in _batches(f, None, ("n_chars", "width_profile")):
            names = batch.schema.names
            if "n_chars" in names:
                lengths.extend(v for v in batch.column("n_chars").to_pylist() if v is not None)
            if "width_profile" in names:
                widths.extend(
                    float(v) for v in batch.column("width_profile").to_pylist() if v is not None
                )
    members: dict[str, list[dict[str, Any]]] = defaultdict(list)
    manifests = _shard_files(folder, None, "manifest")
    for row in _rows(manifests, ["source", "id", "reason"], "duplicate"):
        if row["id"]:
            members[row["id"]].append({"source": row["source"], "reason": row["reason"]})
    sources: dict[str, str] = {}
    if members:
        for row in _rows(manifests, ["source", "id"], "kept"):
            if row["id"] in members:
                sources.setdefault(row["id"], row["source"])
    clusters = [
        {"id": doc_id, "source": sources.get(doc_id), "members": sorted(m, key=_sim_key)}
        for doc_id, m in members.items()
    ]
    clusters.sort(key=lambda c: (-len(c["members"]), str(c["source"] or "")))
    return {"lengths": lengths, "widths": widths, "clusters": clusters}


def _rows(files: list[str], columns: list[str], status: str) -> list[dict[str, Any]]:
    rows = []
    for f in files:
        for batch in _batches(f, None, ["status", *columns]):
            table = {c: batch.column(c).to_pylist() for c in ["status", *columns]}
            for i, st in enumerate(table["status"]):
                if st == status:
                    rows.append({c: table[c][i] for c in columns})
    return rows
