"""The counts and distributions of build.json, gathered per document."""

from __future__ import annotations

from collections import Counter
from typing import Any

from ..document import DUPLICATE, KEPT, Document


class BuildStats:
    """What build.json counts, summed document by document (:meth:`add`) and mergeable
    (:meth:`merge`), so that engines whose workers write the shards add up per-block
    partial counts in input order (the result equals adding every document in one place)."""

    def __init__(self) -> None:
        self.inputs = 0
        self.status: Counter[str] = Counter()
        self.rejected: Counter[str] = Counter()
        self.removals: Counter[str] = Counter()
        self.removed_chars: Counter[str] = Counter()
        self.flags: Counter[str] = Counter()
        self.edits: Counter[str] = Counter()
        self.edit_spans_dropped = 0
        self.dist: dict[str, Counter[str]] = {
            k: Counter()
            for k in (
                "year",
                "province",
                "admin_level",
                "doc_type",
                "encoding",
                "script",
                "format",
            )
        }
        self.chars_in = 0
        self.chars_out = 0
        self.bytes_in = 0

    def add(self, doc: Document) -> None:
        self.inputs += 1
        self.status[doc.status] += 1
        self.bytes_in += doc.n_bytes
        if doc.encoding:
            self.dist["encoding"][doc.encoding] += 1
        self.dist["format"][doc.format or "txt"] += 1  # every input, kept or not
        if doc.status == "rejected":
            self.rejected[doc.reason or "unknown"] += 1
            return
        self.chars_in += doc.decoded_chars
        if doc.status != KEPT:
            return
        self.chars_out += len(doc.text)
        for r in doc.removed:
            self.removals[r.rule] += 1
            self.removed_chars[r.rule] += len(r.text)
        for f in doc.flags:
            self.flags[f] += 1
        for e in doc.edits:
            self.edits[f"{e.step}:{e.rule}"] += e.count
        self.edit_spans_dropped += doc.edit_spans_dropped
        for key in ("year", "province", "admin_level", "doc_type"):
            value = doc.meta.get(key)
            self.dist[key]["null" if value is None else str(value)] += 1
        self.dist["script"][doc.script or "simplified"] += 1

    def counts(self) -> dict[str, Any]:
        return {
            "inputs": self.inputs,
            "kept": self.status[KEPT],
            "duplicates": self.status[DUPLICATE],
            "rejected": self.status["rejected"],
            "rejected_by_reason": dict(sorted(self.rejected.items())),
            "removals_by_rule": dict(sorted(self.removals.items())),
            "removed_chars_by_rule": dict(sorted(self.removed_chars.items())),
            "flags": dict(sorted(self.flags.items())),
            # the summary of the located edit trail (kept documents); spans past the
            # per-document bound are counted here but not kept
            "edits_by_rule": dict(sorted(self.edits.items())),
            "edit_spans_dropped": self.edit_spans_dropped,
            "bytes_in": self.bytes_in,
            "chars_in": self.chars_in,
            "chars_out": self.chars_out,
        }

    def merge(self, other: BuildStats) -> None:
        """Add ``other``'s counts (of documents after this one's) to this one."""
        self.inputs += other.inputs
        self.status.update(other.status)
        self.rejected.update(other.rejected)
        self.removals.update(other.removals)
        self.removed_chars.update(other.removed_chars)
        self.flags.update(other.flags)
        self.edits.update(other.edits)
        self.edit_spans_dropped += other.edit_spans_dropped
        for key, counter in other.dist.items():
            self.dist[key].update(counter)
        self.chars_in += other.chars_in
        self.chars_out += other.chars_out
        self.bytes_in += other.bytes_in
