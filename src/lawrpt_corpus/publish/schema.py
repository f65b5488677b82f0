"""The columns of the dataset contract (docs/dataset.md), as Arrow schemas and HF features.

The contract's columns come first, in the contract's order; columns this project adds
(``prefecture``, ``county``, ``decode_rule``, ``width_profile``, ``edits``) come after them.
"""

from __future__ import annotations

from typing import Any

import pyarrow as pa

from ..document import Document

#: ``start`` (added in milestone 2, last so readers of ``rule``/``text`` are unaffected): the
#: removal's character offset in the text the step cut it from; null when not located.
REMOVED_TYPE = pa.list_(
    pa.struct([("rule", pa.string()), ("text", pa.string()), ("start", pa.int64())])
)
ATTACHMENTS_TYPE = pa.list_(pa.struct([("href", pa.string()), ("text", pa.string())]))
EDITS_TYPE = pa.list_(
    pa.struct([("step", pa.string()), ("rule", pa.string()), ("count", pa.int32())])
)

DATA_SCHEMA = pa.schema(
    [
        ("id", pa.string()),
        ("text", pa.string()),
        ("source", pa.string()),
        ("raw_sha256", pa.string()),
        ("encoding", pa.string()),
        ("n_chars", pa.int32()),
        ("title", pa.string()),
        ("year", pa.int32()),
        ("agency", pa.string()),
        ("province", pa.string()),
        ("admin_level", pa.string()),
        ("date", pa.string()),
        ("doc_type", pa.string()),
        ("sections", pa.list_(pa.string())),
        ("script", pa.string()),
        ("flags", pa.list_(pa.string())),
        ("removed", REMOVED_TYPE),
        ("duplicates", pa.list_(pa.string())),
        # additions (allowed by the contract)
        ("prefecture", pa.string()),
        ("county", pa.string()),
        ("decode_rule", pa.string()),
        ("width_profile", pa.float32()),
        ("edits", EDITS_TYPE),
        # milestone 2, from extraction (docs/formats.md)
        ("format", pa.string()),
        ("url", pa.string()),
        ("published", pa.string()),
        ("attachments", ATTACHMENTS_TYPE),
    ]
)

MANIFEST_SCHEMA = pa.schema(
    [
        ("source", pa.string()),
        ("raw_sha256", pa.string()),
        ("n_bytes", pa.int64()),
        ("status", pa.string()),
        ("id", pa.string()),
        ("duplicate_of", pa.string()),
        ("reason", pa.string()),
        ("encoding", pa.string()),
        ("format", pa.string()),
    ]
)


def _format(doc: Document) -> str:
    """The manifest ``format``: set by extraction, else guessed from the name."""
    if doc.format:
        return doc.format
    from ..io.readers import format_of_name

    return format_of_name(doc.source) or "txt"


def data_row(doc: Document, records: bool = False) -> dict[str, Any]:
    """The dataset row of a kept document.

    ``records``: ``removed`` and ``edits`` are the document's own :class:`Removal` and
    :class:`Edit` lists instead of a dict per record, for the writer, which builds their
    columns from the records in one pass per batch (``publish.writer.column``: the same
    arrays)."""
    meta = doc.meta
    page = doc.page
    year = meta.get("year")
    width = doc.width_profile
    return {
        "id": doc.id,
        "text": doc.text,
        "source": doc.source,
        "raw_sha256": doc.raw_sha256,
        "encoding": doc.encoding,
        "n_chars": len(doc.text),
        "title": meta.get("title"),
        "year": int(year) if year is not None else None,
        "agency": meta.get("agency"),
        "province": meta.get("province"),
        "admin_level": meta.get("admin_level"),
        "date": meta.get("date"),
        "doc_type": meta.get("doc_type"),
        "sections": list(doc.sections),
        "script": doc.script or "simplified",
        "flags": list(doc.flags),
        "removed": doc.removed
        if records
        else [
            {"rule": r.rule, "text": r.text, "start": r.start if r.start >= 0 else None}
            for r in doc.removed
        ],
        "duplicates": list(doc.duplicates),
        "prefecture": meta.get("prefecture"),
        "county": meta.get("county"),
        "decode_rule": doc.decode_rule,
        "width_profile": float(width) if width is not None else None,
        "edits": doc.edits
        if records
        else [{"step": e.step, "rule": e.rule, "count": e.count} for e in doc.edits],
        "format": _format(doc),
        "url": page.url if page else None,
        "published": page.published if page else None,
        "attachments": [{"href": h, "text": t} for h, t in page.attachments] if page else [],
    }


def manifest_row(doc: Document) -> dict[str, Any]:
    """The manifest row of any input."""
    if doc.status == "kept":
        doc_id: str | None = doc.id
    elif doc.status == "duplicate":
        doc_id = doc.duplicate_of
    else:
        doc_id = None
    return {
        "source": doc.source,
        "raw_sha256": doc.raw_sha256,
        "n_bytes": doc.n_bytes,
        "status": doc.status,
        "id": doc_id,
        "duplicate_of": doc.duplicate_of if doc.status == "duplicate" else None,
        "reason": doc.reason,
        "encoding": doc.encoding,
        "format": _format(doc),
    }
