"""What every engine does, and the parts they share.

An engine runs a :class:`~lawrpt_corpus.pipeline.Pipeline` over a stream of inputs:

1. the per-document stage (reading, every :class:`DocumentStep`, corpus steps' ``prepare``)
   — the part an engine parallelises;
2. a spill of the processed documents to a scratch file, so memory stays bounded (the
   local engine's workers pickle their batches themselves: the driver writes the bytes as
   they come, without unpickling and pickling every document again);
3. each :class:`CorpusStep`'s ``fit`` over the spilled stream, in order, each seeing the
   documents as the earlier corpus steps leave them (:class:`Replay`: an expensive prefix
   of steps is applied once and its output kept on disk, not re-applied on every pass; an
   engine with worker processes lends them to build it). The first fit, which sees the
   spill as it is, may count while the documents stream in (:class:`_StreamedFit`);
4. a final pass that applies the corpus steps and yields every document in input order.

Engines differ only in how they run stage 1 (and, for Ray, how corpus steps are computed);
the output is the same documents in the same order.
"""

from __future__ import annotations

import gc
import hashlib
import json
import os
import pickle
import queue
import shutil
import tempfile
import threading
import time
from collections.abc import Callable, Iterable, Iterator, Sequence
from contextlib import contextmanager
from itertools import chain, islice
from pathlib import Path
from typing import Any

from ..document import Document
from ..io.readers import InputItem, load_document
from ..pipeline import CorpusStep, Pipeline, TaskPool

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

    def chunks(self) -> list[Path]:
        """The chunk files, in order, everything appended so far written."""
        self.close_writing()
        return list(self._chunks)

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
        #: When the fits' replays keep an applied prefix of corpus steps on disk (see
        #: :class:`Replay`): ``"auto"`` (when applying costs more than storing), ``"always"``,
        #: ``"never"``. The output is the same documents either way.
        self.replay = "auto"
        #: Called with (stage, documents done in that stage); stages: "documents",
        #: "fit:<step>", "write". For progress bars; must be cheap.
        self.on_progress: Callable[[str, int], None] = _no_progress

    @property
    def splits_containers(self) -> bool:
        """Whether the engine takes container files (JSON Lines, WARC, parquet) unopened, as
        :class:`~lawrpt_corpus.io.item.ContainerItem` inputs whose records its workers count
        and read (the Ray engine); otherwise ``build`` reads their records in the driver."""
        return False

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
        # the pipeline, and the Document field layout the spill's pickles rebuild by
        # position (a field added or renamed must not shift old chunks' values)
        layout = {"document": list(Document.__slots__)}
        fingerprint = hashlib.sha256(
            json.dumps([pipeline.describe(), layout], sort_keys=True).encode()
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
            corpus = pipeline.corpus_steps
            replay = Replay(spill, corpus, mode=self.replay, pool=self.replay_pool())
            early = None
            if corpus and self.fits_while_streaming() and not corpus[0].pooled_fit:
                early = _StreamedFit(self, corpus[0], replay)
            try:
                for n_docs, blob in self.map_pickled(pipeline, items, spill.count):
                    spill.append_pickled(n_docs, blob)
                    if early is not None:
                        early.feed(blob)
                    report("documents", spill.count)
            except BaseException:
                if early is not None:
                    early.cancel()
                raise
            self.timings["documents"] = time.perf_counter() - t0
            for i, step in enumerate(corpus):
                t0 = time.perf_counter()
                report(f"fit:{step.name}", 0)
                if i == 0 and early is not None:
                    early.finish()
                else:
                    self.fit_step(step, replay.kept(i))
                self.timings[f"fit:{step.name}"] = time.perf_counter() - t0
            t0 = time.perf_counter()
            for n, doc in enumerate(replay.stream(len(corpus), keep=False), start=1):
                yield doc
                report("write", n)
            self.timings["apply"] = time.perf_counter() - t0
        except BaseException:
            _remove_replay(spill)
            if spill_dir is None:  # a checkpoint the caller asked for survives the failure
                spill.cleanup()
            raise
        _remove_replay(spill)
        spill.cleanup()

    def fits_while_streaming(self) -> bool:
        """Whether the first corpus step's fit starts while the documents stream in (a
        thread of this process reads each batch as it is spilled: :class:`_StreamedFit`);
        for an engine whose driver mostly waits on worker processes then. Default: no."""
        return False

    def replay_pool(self) -> TaskPool | None:
        """Worker processes that build the fits' replay levels (:class:`Replay`), or None
        (this process builds them; the default)."""
        return None

    def fit_step(self, step: CorpusStep, docs: Iterable[Document]) -> Any:
        """Fit one corpus step over the kept documents (the driver's ``step.fit``; an
        engine with worker processes may lend them to a step whose ``pooled_fit`` is
        true). The state is the same either way."""
        return step.fit(docs)

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
        with quiet_gc():
            for doc in self.run(
                pipeline, inputs, spill_dir=spill_dir, resume=resume, chunk_size=chunk_size
            ):
                writer.write(doc)
                stats.add(doc)
            return writer.finish_shards()  # type: ignore[no-any-return]


#: Container allocations between two young-generation collections while a build runs
#: (CPython's default is 700).
GC_THRESHOLD0 = 10_000


def tune_gc() -> tuple[int, int, int]:
    """Make the cyclic garbage collector cheap for a build in this process; returns the
    thresholds it replaced.

    Everything alive now (imported modules, rule tables, the pipeline) goes to the
    permanent generation (:func:`gc.freeze`), so a full collection no longer walks it;
    and a young collection runs every :data:`GC_THRESHOLD0` container allocations instead
    of 700 (unpickling a batch of documents allocates thousands, nearly all freed by
    reference counting, not by the collector). Changes when cyclic garbage is collected,
    never what a document becomes. Called by worker processes at start.
    """
    old = gc.get_threshold()
    gc.freeze()
    gc.set_threshold(max(old[0], GC_THRESHOLD0), old[1], old[2])
    return old


@contextmanager
def quiet_gc() -> Iterator[None]:
    """:func:`tune_gc` for the duration of the block, then the collector as it was (the
    frozen objects are unfrozen, the thresholds restored): a library call must not leave
    the caller's process changed. Workers forked inside the block inherit the tuning."""
    old = tune_gc()
    try:
        yield
    finally:
        gc.set_threshold(*old)
        gc.unfreeze()


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


#: Documents applied (and, when kept, pickled) together by :class:`Replay`.
REPLAY_BATCH = PICKLE_BATCH
#: Documents over which :class:`Replay` compares the cost of applying a prefix of steps
#: with the cost of storing its output, on a level's first pass (``mode="auto"``).
REPLAY_PROBE = 256
_REPLAY_DIR = "replay"


def _remove_replay(spill: Spill) -> None:
    shutil.rmtree(spill.dir / _REPLAY_DIR, ignore_errors=True)


def _read_piece(path: Path) -> Iterator[list[Document]]:
    """The pickled batches of one piece file (a spill chunk or a level piece), in order,
    one batch in memory at a time."""
    with open(path, "rb") as fh:
        size = os.fstat(fh.fileno()).st_size
        while fh.tell() < size:
            yield pickle.load(fh)


def _level_piece(todo: list[CorpusStep], paths: tuple[Path, Path]) -> int:
    """Write ``paths[1]``: every document of the piece ``paths[0]`` with ``todo`` applied,
    batch for batch (a :class:`Replay` level built by a worker process; pure: the file is
    what the driver would write). Returns the documents written."""
    src, dst = paths
    tmp = dst.with_suffix(".tmp")
    n = 0
    with open(tmp, "wb") as fh:
        for batch in _read_piece(src):
            fh.write(pickle_batch([_apply_all(doc, todo) for doc in batch]))
            n += len(batch)
    os.replace(tmp, dst)
    return n


class Replay:
    """The spilled documents as a prefix of the corpus steps leaves them.

    Fit ``i`` reads every document with ``steps[:i]`` applied, often in several passes, and
    the final pass applies them all again: re-applying an expensive step (the templates'
    line and span matching) on each of those passes was most of the driver's time. So the
    first *complete* pass over a prefix ``steps[:k]`` also writes its output to
    ``<spill>/replay/level-K/`` (a *level*: one piece file of pickled batches per piece of
    its source — a spill chunk or a piece of a shorter level); later passes over
    ``steps[:k]`` or a longer prefix read the nearest level and apply only the steps past it.

    A level is stored before its documents are handed out (a fit that changes a document it
    is given changes nothing stored), is kept only when the pass reached the end (a pass a
    fit stops early is discarded), and replaces the shorter level it was made from. Which
    levels exist changes how much work is repeated, never a document: applying a step is a
    function of the document and the step's fitted state, and a pickled document comes back
    equal. ``mode``: ``"auto"`` keeps a level when, over its first :data:`REPLAY_PROBE`
    documents, applying the new steps took more CPU time than pickling their output (a cheap
    step is re-applied instead); ``"always"``; ``"never"`` (every pass applies every step
    from the spill, as before levels existed). Levels live in the spill folder and are
    removed with the run; they are not part of the ``--resume`` checkpoint.

    ``pool`` (a :class:`~lawrpt_corpus.pipeline.TaskPool`, the local engine's worker
    processes): once a level is to be stored (``"always"``, or ``"auto"`` after the probe,
    which runs here on the first pieces), its remaining pieces are built by the workers —
    each reads its source piece, applies the steps and writes the level piece — while this
    process reads the finished pieces in order and hands their documents to the fit. The
    pieces are the same bytes either way; the driver then spends no time applying or
    pickling.
    """

    def __init__(
        self,
        spill: Spill,
        steps: list[CorpusStep],
        mode: str = "auto",
        pool: TaskPool | None = None,
    ):
        if mode not in ("auto", "always", "never"):
            raise ValueError(f"replay mode must be auto, always or never, not {mode!r}")
        self.spill = spill
        self.steps = list(steps)
        self.mode = mode
        self.pool = pool
        self.dir = spill.dir / _REPLAY_DIR
        shutil.rmtree(self.dir, ignore_errors=True)
        self._levels: dict[int, list[Path]] = {}  # prefix length → a complete level's pieces
        self._skip: set[int] = set()  # prefixes not worth storing (auto)

    def kept(self, k: int) -> _Kept:
        """The kept documents with ``steps[:k]`` applied, re-iterable (what fit ``k`` gets)."""
        return _Kept(self, k)

    def _pieces(self, j: int) -> list[Path]:
        if j == 0:
            return self.spill.chunks()
        return self._levels[j]

    def stream(self, k: int, keep: bool = True) -> Iterator[Document]:
        """Every document (kept or not) with ``steps[:k]`` applied, in input order. With
        ``keep`` (and the mode allowing it) a complete pass stores its output as level ``k``."""
        j = max((n for n in self._levels if n <= k), default=0)
        pieces = self._pieces(j)
        todo = self.steps[j:k]
        if not todo:
            for path in pieces:
                for batch in _read_piece(path):
                    yield from batch
            return
        store = keep and self.mode != "never" and k not in self._skip
        if not store:
            for path in pieces:
                for batch in _read_piece(path):
                    for doc in batch:
                        yield _apply_all(doc, todo)
            return
        yield from self._storing(pieces, todo, k)

    def _storing(
        self, pieces: list[Path], todo: list[CorpusStep], k: int, read: bool = True
    ) -> Iterator[Document]:
        folder = self.dir / f"level-{k}"
        shutil.rmtree(folder, ignore_errors=True)
        folder.mkdir(parents=True)
        out = [folder / f"piece-{i:06d}.pkl" for i in range(len(pieces))]
        probe = self.mode == "auto"
        applying = storing = 0.0
        probed = 0
        complete = False
        try:
            i = 0
            # here: the pieces the probe reads, or all of them without a pool
            while i < len(pieces) and (probe or self.pool is None):
                tmp = out[i].with_suffix(".tmp")
                with open(tmp, "wb") as fh:
                    for batch in _read_piece(pieces[i]):
                        t0 = time.process_time()
                        batch = [_apply_all(doc, todo) for doc in batch]
                        t1 = time.process_time()
                        fh.write(pickle_batch(batch))
                        if probe:
                            applying += t1 - t0
                            storing += time.process_time() - t1
                            probed += len(batch)
                        yield from batch
                os.replace(tmp, out[i])
                i += 1
                if probe and probed >= REPLAY_PROBE:
                    probe = False
                    if storing >= applying:  # cheaper to apply again than to store
                        self._skip.add(k)
                        shutil.rmtree(folder, ignore_errors=True)
                        if not read:
                            return
                        for path in pieces[i:]:
                            for batch in _read_piece(path):
                                for doc in batch:
                                    yield _apply_all(doc, todo)
                        return
            if i < len(pieces):
                assert self.pool is not None
                built = self.pool.map(_level_piece, zip(pieces[i:], out[i:], strict=True), todo)
                try:
                    for path, _ in zip(out[i:], built, strict=True):
                        if read:
                            for batch in _read_piece(path):
                                yield from batch
                finally:
                    # a fit that stops early: the pool's running tasks end (their pieces
                    # written) before the folder is removed
                    close = getattr(built, "close", None)
                    if close is not None:
                        close()
            complete = True
        finally:
            if complete:
                self._levels[k] = out
                for n in [n for n in self._levels if n < k]:
                    self._levels.pop(n)  # superseded: passes start from level k
                    shutil.rmtree(self.dir / f"level-{n}", ignore_errors=True)
            else:
                shutil.rmtree(folder, ignore_errors=True)


#: Pickled batches waiting for :class:`_StreamedFit`'s thread (bounds its memory: when the
#: fit falls behind, the stream waits).
STREAMED_FIT_QUEUE = 16


class _Cancelled(Exception):
    """Raised inside a streamed fit whose stream failed."""


class _StreamedFit:
    """The first corpus step's fit (it sees the spill as it is, no step applied), run in a
    thread of the driver while the documents stream in.

    Its ``docs``' first pass is the spilled documents as they arrive: the chunks a resumed
    run kept, then each batch :meth:`feed` gets (the same pickled bytes the spill stores,
    unpickled here), the kept ones in input order — the documents ``replay.kept(0)`` gives
    once the stream is complete. A later pass waits for the stream's end and reads the
    spill. So the fit's state is the one :meth:`Engine.fit_step` gives after the stream;
    the driver, waiting on its workers, counts meanwhile.
    """

    def __init__(self, engine: Engine, step: CorpusStep, replay: Replay):
        self.replay = replay
        self._resumed = replay.spill.chunks()
        self._queue: queue.Queue[bytes | None] = queue.Queue(STREAMED_FIT_QUEUE)
        self._streamed = threading.Event()  # the spill is complete
        self._stop = threading.Event()  # the stream failed: the fit gives up
        self._first = True
        self._done = False  # the first pass ended (or was left): feed nothing more
        self._error: BaseException | None = None
        # started by the first batch, not now: the engine's worker processes are forked by
        # then (a fork while another thread runs copies whatever locks it holds)
        self._thread = threading.Thread(
            target=self._run, args=(engine, step), name="lawrpt-streamed-fit", daemon=True
        )

    def _run(self, engine: Engine, step: CorpusStep) -> None:
        try:
            engine.fit_step(step, self)
        except BaseException as exc:  # re-raised by finish() in the driver's thread
            self._error = exc
        finally:
            self._done = True

    def __iter__(self) -> Iterator[Document]:
        if not self._first:
            self._streamed.wait()
            if self._stop.is_set():
                raise _Cancelled
            yield from self.replay.kept(0)
            return
        self._first = False
        try:
            for path in self._resumed:
                for batch in _read_piece(path):
                    yield from (doc for doc in batch if doc.kept)
            while True:
                blob = self._queue.get()
                if blob is None:
                    if self._stop.is_set():
                        raise _Cancelled
                    return
                yield from (doc for doc in pickle.loads(blob) if doc.kept)
        finally:
            self._done = True
            while not self._queue.empty():  # a feed waiting on a full queue goes on
                self._queue.get_nowait()

    def _start(self) -> None:
        if self._thread.ident is None:
            self._thread.start()

    def _put(self, item: bytes | None) -> None:
        """Queue ``item``, waiting while the queue is full — unless the fit has ended."""
        while not self._done:
            try:
                self._queue.put(item, timeout=0.05)
                return
            except queue.Full:
                continue

    def feed(self, blob: bytes) -> None:
        """The next pickled batch the stream spilled (waits while the queue is full)."""
        self._start()
        self._put(blob)

    def _close(self) -> None:
        self._start()
        self._streamed.set()
        self._put(None)

    def finish(self) -> Any:
        """After the stream: wait for the fit; its exception, if any, is raised here."""
        self._close()
        self._thread.join()
        if self._error is not None:
            raise self._error

    def cancel(self) -> None:
        """The stream failed: stop the fit and wait for its thread."""
        self._stop.set()
        self._close()
        self._thread.join()


def _kept_piece(
    shared: tuple[Callable[[Any, list[Document]], Any], Any, list[CorpusStep]], path: Path
) -> Any:
    """``fn(arg, kept documents of one piece with todo applied)`` (a worker's task)."""
    fn, arg, todo = shared
    kept = []
    for batch in _read_piece(path):
        for doc in batch:
            doc = _apply_all(doc, todo)
            if doc.kept:
                kept.append(doc)
    return fn(arg, kept)


class _Kept:
    """The kept documents of ``replay.stream(k)``; iterable more than once.

    With a pool (:attr:`pooled`), a fit may also read them piece by piece in the worker
    processes (:meth:`map_kept`), so the driver unpickles none of them: for a pass that
    needs a small result from a few documents (Dedup's verification sets).
    """

    def __init__(self, replay: Replay, k: int):
        self.replay = replay
        self.k = k

    @property
    def pooled(self) -> bool:
        """Whether :meth:`map_kept` runs in worker processes."""
        return self.replay.pool is not None

    def map_kept(self, fn: Callable[[Any, list[Document]], Any], arg: Any) -> Iterator[Any]:
        """``fn(arg, docs)`` for each piece of the stream, ``docs`` its kept documents in
        input order (``steps[:k]`` applied): the results in piece order, so their
        concatenation follows the documents' order. ``fn`` is a module-level function, pure
        (it runs in the replay's pool when there is one, else here); a pass that stores no
        level."""
        replay = self.replay
        k = self.k
        j = max((n for n in replay._levels if n <= k), default=0)
        if j < k and replay.pool is not None and replay.mode != "never" and k not in replay._skip:
            # the level a pass over the stream would store (the final pass reads it): built
            # by the pool, not read here (after the probe's first pieces, when "auto")
            for _ in replay._storing(replay._pieces(j), replay.steps[j:k], k, read=False):
                pass
            j = max((n for n in replay._levels if n <= k), default=0)
        pieces = replay._pieces(j)
        shared = (fn, arg, replay.steps[j:k])
        if replay.pool is None:
            for path in pieces:
                yield _kept_piece(shared, path)
            return
        yield from replay.pool.map(_kept_piece, pieces, shared)

    def __iter__(self) -> Iterator[Document]:
        for doc in self.replay.stream(self.k):
            if doc.kept:
                yield doc
