"""What every engine does, and the parts they share.

An engine runs a :class:`~lawrpt_corpus.pipeline.Pipeline` over a stream of inputs:

1. the per-document stage (reading, every :class:`DocumentStep`, corpus steps' ``prepare``)
   — the part an engine parallelises;
2. a spill of the processed documents to a scratch file, so memory stays bounded;
3. each :class:`CorpusStep`'s ``fit`` over the spilled stream, in order;
4. a final pass that applies the corpus steps and yields every document in input order.

Engines differ only in how they run stage 1 (and, for Ray, how corpus steps are computed);
the output is the same documents in the same order.
"""

from __future__ import annotations

import pickle
import tempfile
import time
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import IO, Any

from ..document import Document
from ..io.readers import InputItem, load_document
from ..pipeline import CorpusStep, Pipeline

SPILL_BATCH = 256


def process_item(pipeline: Pipeline, item: InputItem | Document) -> Document:
    """Read one input and run the per-document stage on it."""
    doc = item if isinstance(item, Document) else load_document(item)
    if not doc.kept:
        return doc
    return pipeline.process(doc)


class Spill:
    """An append-only scratch file of pickled document batches, read back in order."""

    def __init__(self, directory: str | Path | None = None):
        self._tmp = tempfile.TemporaryDirectory(prefix="lawrpt-spill-", dir=directory)
        self.path = Path(self._tmp.name) / "docs.pkl"
        self._fh: IO[bytes] | None = open(self.path, "wb")
        self._batch: list[Document] = []
        self.count = 0

    def append(self, doc: Document) -> None:
        doc.raw = None
        self._batch.append(doc)
        self.count += 1
        if len(self._batch) >= SPILL_BATCH:
            self._flush()

    def _flush(self) -> None:
        if self._batch and self._fh is not None:
            pickle.dump(self._batch, self._fh, protocol=pickle.HIGHEST_PROTOCOL)
            self._batch = []

    def close_writing(self) -> None:
        self._flush()
        if self._fh is not None:
            self._fh.close()
            self._fh = None

    def __iter__(self) -> Iterator[Document]:
        self.close_writing()
        with open(self.path, "rb") as fh:
            while True:
                try:
                    batch = pickle.load(fh)
                except EOFError:
                    return
                yield from batch

    def cleanup(self) -> None:
        self.close_writing()
        self._tmp.cleanup()


class Engine:
    """Base engine: subclasses implement :meth:`map_documents` (the per-document stage)."""

    name = "base"

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self.workers = 1

    def map_documents(
        self, pipeline: Pipeline, inputs: Iterable[InputItem | Document]
    ) -> Iterator[Document]:
        raise NotImplementedError

    def run(self, pipeline: Pipeline, inputs: Iterable[Any]) -> Iterator[Document]:
        """Run the whole pipeline; yield every document in input order."""
        spill = Spill()
        try:
            t0 = time.perf_counter()
            for seq, doc in enumerate(self.map_documents(pipeline, inputs)):
                doc.seq = seq
                spill.append(doc)
            self.timings["documents"] = time.perf_counter() - t0
            corpus = pipeline.corpus_steps
            for i, step in enumerate(corpus):
                t0 = time.perf_counter()
                step.fit(_kept_after(spill, corpus[:i]))
                self.timings[f"fit:{step.name}"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            for doc in spill:
                yield _apply_all(doc, corpus)
            self.timings["apply"] = time.perf_counter() - t0
        finally:
            spill.cleanup()


def _apply_all(doc: Document, steps: list[CorpusStep]) -> Document:
    for step in steps:
        if not doc.kept:
            break
        doc = step.apply(doc)
    return doc


class _KeptAfter:
    """The kept documents of the spill as ``steps`` leave them; iterable more than once."""

    def __init__(self, spill: Spill, steps: list[CorpusStep]):
        self.spill = spill
        self.steps = steps

    def __iter__(self) -> Iterator[Document]:
        for doc in self.spill:
            doc = _apply_all(doc, self.steps)
            if doc.kept:
                yield doc


def _kept_after(spill: Spill, steps: list[CorpusStep]) -> _KeptAfter:
    return _KeptAfter(spill, steps)
