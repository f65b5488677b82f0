"""The per-document pipeline as a batched ``datasets.Dataset.map`` function.

::

    from datasets import load_dataset
    from lawrpt_corpus import CleanBatch

    ds = load_dataset("OWNER/raw-reports", split="train")
    clean = CleanBatch(text_column="content")
    ds = ds.map(clean, batched=True, features=clean.features(ds.features), num_proc=2)
    kept = ds.filter(lambda row: row["status"] == "kept")

Each row's text (``str``) or raw bytes (``bytes``, decoded by the pipeline's decode step) goes
through the document steps of the pipeline (default: :func:`default_pipeline`); the batch
comes back with the cleaned ``text`` plus the audit columns of the dataset contract
(``removed``, ``edits``, ``flags``, ``script``, ``encoding``, metadata) and ``status`` /
``reason`` (``kept``, or ``rejected`` with the reason; the text of a rejected row is null).

Corpus steps (deduplication, repeated lines) need the whole corpus and do not run here: use
``build`` with the dataset as its input (``--hf-dataset``) for those. Rows whose text column
is null or neither text nor bytes are rejected as ``bad_record:text_not_string``.
Deterministic; a :class:`CleanBatch` pickles, so ``num_proc`` works.
"""

from __future__ import annotations

import hashlib
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from .document import KEPT, Document
from .pipeline import Pipeline, run_document_steps
from .publish.schema import DATA_SCHEMA, data_row

if TYPE_CHECKING:
    from datasets import Features

#: The columns a :class:`CleanBatch` returns (the contract's data columns that make sense
#: per row — not ``id``/``source``/``duplicates`` — plus ``status`` and ``reason``).
MAP_SCHEMA = pa.schema(
    [pa.field("status", pa.string()), pa.field("reason", pa.string())]
    + [f for f in DATA_SCHEMA if f.name not in ("id", "source", "duplicates")]
)


class CleanBatch:
    """``batch → columns`` for ``Dataset.map(..., batched=True)``.

    ``text_column``: the column holding each row's text or raw bytes. ``pipeline``: whose
    document steps to run (default: the standard pipeline; ``rules`` adds boilerplate rule
    packs to it). The returned ``text`` replaces the input column when it is also called
    ``text``; other input columns are kept by ``map`` unless removed.
    """

    def __init__(
        self,
        text_column: str = "text",
        pipeline: Pipeline | None = None,
        rules: tuple[str, ...] = (),
    ):
        if pipeline is None:
            from .defaults import default_pipeline

            pipeline = default_pipeline(rules=rules)
        self.text_column = text_column
        self.pipeline = pipeline

    def features(self, input_features: Features | None = None) -> Features:
        """The ``features=`` to pass to ``map``: ``input_features`` (kept columns) with the
        returned columns set to their types (a batch of all-null metadata would otherwise
        be inferred as the ``null`` type)."""
        from datasets import Features

        out = Features.from_arrow_schema(MAP_SCHEMA)
        if input_features is None:
            return out
        merged = dict(input_features)
        merged.update(out)
        return Features(merged)

    def __call__(self, batch: dict[str, list[Any]]) -> dict[str, list[Any]]:
        if self.text_column not in batch:
            raise KeyError(
                f"no column {self.text_column!r} in the batch (columns: {', '.join(batch)})"
            )
        columns: dict[str, list[Any]] = {f.name: [] for f in MAP_SCHEMA}
        for value in batch[self.text_column]:
            row = self._row(self._clean(value))
            for name, column in columns.items():
                column.append(row[name])
        return columns

    def _clean(self, value: Any) -> Document:
        if isinstance(value, str):
            raw = value.encode("utf-8", "surrogatepass")
        elif isinstance(value, bytes | bytearray | memoryview):
            raw = bytes(value)
        else:
            doc = Document("", hashlib.sha256(b"").hexdigest(), 0)
            return doc.reject("bad_record:text_not_string")
        doc = Document.from_bytes("", raw)
        if not doc.kept:
            return doc
        return run_document_steps(self.pipeline.document_steps, doc)

    @staticmethod
    def _row(doc: Document) -> dict[str, Any]:
        if doc.status == KEPT:
            row = data_row(doc)
        else:
            row = {f.name: [] if pa.types.is_list(f.type) else None for f in MAP_SCHEMA}
            row.update(raw_sha256=doc.raw_sha256, encoding=doc.encoding, flags=list(doc.flags))
        row["status"] = doc.status
        row["reason"] = doc.reason
        return row
