"""What every engine does, and the parts they share.

An engine runs a :class:`~lawrpt_corpus.pipeline.Pipeline` over a stream of inputs:

1. the per-document stage (reading, every :class:`DocumentStep`, corpus steps' ``prepare``)
   — the part an engine parallelises;
2. a spill of the processed documents to a scratch file, so memory stays bounded (the
   local engine's workers pickle their batches themselves: the driver writes the bytes as
   they come, without unpickling and pickling every document again);
3. each :class:`CorpusStep`'s ``fit`` over the spilled stream, in order;
4. a final pass that applies the corpus steps and yields every document in input order.

Engines differ only in how they run stage 1 (and, for Ray, how corpus steps are computed);
the output is the same documents in the same order.
"""

from __future__ import annotations

import hashlib
import json
import os
import pickle
import shutil
import tempfile
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from itertools import chain, islice
from pathlib import Path
from typing import Any

from ..document import Document
from ..io.readers import InputItem, load_document
from ..pipeline import CorpusStep, Pipeline

#: Documents per spill chunk: the unit of work that ``--resume`` keeps after a crash.
SPILL_CHUNK = 512
#: Documents per pickled batch when an engine's documents are pickled in the driver.
PICKLE_BATCH = 32


def process_item(pipeline: Pipeline, item: InputItem | Document) -> Document:
    """Read one input and run the per-document stage on it."""
    doc = item if isinstance(item, Document) else load_document(item)
    if not doc.kept:
        return doc
    return pipeline.process(doc)


class Spill:
    """Processed documents on disk, in input order, in chunks of about ``chunk_size``.

    A chunk (``chunk-NNNNNN.pkl``) is a sequence of pickled lists of documents (one per
    batch, as the workers sent them), written to a temporary name and renamed when it holds
    at least ``chunk_size`` documents, so after a crash every chunk file present is whole.
    A new ``Spill`` on the same ``directory`` with ``resume=True`` keeps the complete chunks
    (see :meth:`resumable`); otherwise the directory is emptied. Without ``directory`` a
    temporary one is used and removed by :meth:`cleanup`.
    """

    def __init__(
        self,
        directory: str | Path | None = None,
        chunk_size: int = SPILL_CHUNK,
        resume: bool = False,
        fingerprint: str = "",
    ):
        self._tmp = None
        if directory is None:
            self._tmp = tempfile.TemporaryDirectory(prefix="lawrpt-spill-")
            directory = self._tmp.name
        self.dir = Path(directory)
        self.dir.mkdir(parents=True, exist_ok=True)
        self.chunk_size = chunk_size
        stamp = self.dir / "fingerprint"
        same = stamp.exists() and stamp.read_text(encoding="utf-8") == fingerprint
        if not (resume and same):
            for old in self.dir.glob("chunk-*"):
                old.unlink()
        stamp.write_text(fingerprint, encoding="utf-8")
        self._chunks = sorted(self.dir.glob("chunk-*.pkl"))
        for partial in self.dir.glob("chunk-*.tmp"):
            partial.unlink()
        self._blobs: list[bytes] = []
        self._pending = 0
        self.count = 0

    def resumable(self) -> Iterator[list[Document]]:
        """The complete chunks left by an earlier run, in order (empty unless resuming)."""
        for path in list(self._chunks):
            yield _read_chunk(path)

    def keep_chunks(self, n: int, count: int) -> None:
        """Keep the first ``n`` resumable chunks (``count`` documents) as this run's start;
        drop the rest."""
        for path in self._chunks[n:]:
            path.unlink()
        self._chunks = self._chunks[:n]
        self.count = count

    def append(self, doc: Document) -> None:
        """Add one processed document (its ``raw`` bytes are dropped). Engines append
        whole batches with :meth:`append_pickled`."""
        self.append_pickled(1, pickle_batch([doc]))

    def append_pickled(self, n_docs: int, blob: bytes) -> None:
        """Add ``n_docs`` documents given as one pickled list (:func:`pickle_batch`), in
        input order after everything appended before."""
        self._blobs.append(blob)
        self._pending += n_docs
        self.count += n_docs
        if self._pending >= self.chunk_size:
            self._flush()

    def _flush(self) -> None:
        if not self._blobs:
            return
        path = self.dir / f"chunk-{len(self._chunks):06d}.pkl"
        tmp = path.with_suffix(".tmp")
        with open(tmp, "wb") as fh:
            for blob in self._blobs:
                fh.write(blob)
        os.replace(tmp, path)
        self._chunks.append(path)
        self._blobs = []
        self._pending = 0

    def close_writing(self) -> None:
        self._flush()

    def __iter__(self) -> Iterator[Document]:
        self.close_writing()
        for path in self._chunks:
            yield from _read_chunk(path)

    def cleanup(self) -> None:
        self._blobs = []
        if self._tmp is not None:
            self._tmp.cleanup()
        else:
            shutil.rmtree(self.dir, ignore_errors=True)


def _read_chunk(path: Path) -> list[Document]:
    """Every document of one chunk file (its pickled lists, concatenated), in order."""
    docs: list[Document] = []
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        while fh.tell() < size:
            docs.extend(pickle.load(fh))
    return docs


def pickle_batch(docs: list[Document]) -> bytes:
    """``docs`` as the spill stores them: ``raw`` dropped, one pickled list."""
    for doc in docs:
        doc.raw = None
    return pickle.dumps(docs, protocol=pickle.HIGHEST_PROTOCOL)


class Engine:
    """Base engine: subclasses implement :meth:`map_documents` (the per-document stage)."""

    name = "base"

    def __init__(self) -> None:
        self.timings: dict[str, float] = {}
        self.workers = 1
        self.resumed = 0
        #: Called with (stage, documents done in that stage); stages: "documents",
        #: "fit:<step>", "write". For progress bars; must be cheap.
        self.on_progress: Callable[[str, int], None] = _no_progress

    def map_documents(
        self, pipeline: Pipeline, inputs: Iterable[InputItem | Document]
    ) -> Iterator[Document]:
        raise NotImplementedError

    def map_pickled(
        self, pipeline: Pipeline, inputs: Iterable[InputItem | Document], first_seq: int
    ) -> Iterator[tuple[int, bytes]]:
        """The per-document stage as the spill stores it: ``(n, pickled list of n
        documents)`` in input order, ``seq`` numbered from ``first_seq``. This default
        pickles :meth:`map_documents`' output here; an engine whose workers can pickle
        their own batches overrides it (the local engine does)."""
        batch: list[Document] = []
        for seq, doc in enumerate(self.map_documents(pipeline, inputs), start=first_seq):
            doc.seq = seq
            batch.append(doc)
            if len(batch) >= PICKLE_BATCH:
                yield len(batch), pickle_batch(batch)
                batch = []
        if batch:
            yield len(batch), pickle_batch(batch)

    def run(
        self,
        pipeline: Pipeline,
        inputs: Iterable[Any],
        spill_dir: str | Path | None = None,
        resume: bool = False,
        chunk_size: int = SPILL_CHUNK,
    ) -> Iterator[Document]:
        """Run the whole pipeline; yield every document in input order.

        With ``spill_dir`` the processed documents are checkpointed there; ``resume=True``
        reuses the chunks an interrupted run with the same pipeline left, after checking
        that they came from the same inputs in the same order (by ``source``).
        """
        fingerprint = hashlib.sha256(
            json.dumps(pipeline.describe(), sort_keys=True).encode()
        ).hexdigest()
        spill = Spill(spill_dir, chunk_size=chunk_size, resume=resume, fingerprint=fingerprint)
        try:
            t0 = time.perf_counter()
            items: Iterator[Any] = iter(inputs)
            kept_chunks = kept_docs = 0
            for chunk in spill.resumable():
                head = list(islice(items, len(chunk)))
                if [_source_of(i) for i in head] != [d.source for d in chunk]:
                    items = chain(head, items)
                    break
                kept_chunks += 1
                kept_docs += len(chunk)
            spill.keep_chunks(kept_chunks, kept_docs)
            self.resumed = spill.count
            report = self.on_progress
            report("documents", spill.count)
            for n_docs, blob in self.map_pickled(pipeline, items, spill.count):
                spill.append_pickled(n_docs, blob)
                report("documents", spill.count)
            self.timings["documents"] = time.perf_counter() - t0
            corpus = pipeline.corpus_steps
            for i, step in enumerate(corpus):
                t0 = time.perf_counter()
                report(f"fit:{step.name}", 0)
                step.fit(_kept_after(spill, corpus[:i]))
                self.timings[f"fit:{step.name}"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            for n, doc in enumerate(spill, start=1):
                yield _apply_all(doc, corpus)
                report("write", n)
            self.timings["apply"] = time.perf_counter() - t0
        except BaseException:
            if spill_dir is None:  # a checkpoint the caller asked for survives the failure
                spill.cleanup()
            raise
        spill.cleanup()

    def write_dataset(
        self,
        pipeline: Pipeline,
        inputs: Iterable[Any],
        writer: Any,
        stats: Any,
        spill_dir: str | Path | None = None,
        resume: bool = False,
        chunk_size: int = SPILL_CHUNK,
    ) -> tuple[Sequence[str], Sequence[str]]:
        """Run the pipeline and write every document: each goes, in input order, to
        ``writer.write`` and ``stats.add``; returns ``writer.finish_shards()`` (the data and
        manifest shard names). An engine whose workers write the shards themselves overrides
        this (the Ray engine: the same files, byte for byte)."""
        for doc in self.run(
            pipeline, inputs, spill_dir=spill_dir, resume=resume, chunk_size=chunk_size
        ):
            writer.write(doc)
            stats.add(doc)
        return writer.finish_shards()  # type: ignore[no-any-return]


def _no_progress(stage: str, done: int) -> None:
    pass


def _source_of(item: Any) -> str:
    return str(getattr(item, "source", ""))


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
