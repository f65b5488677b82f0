"""The default engine: a process pool on this machine.

Inputs are grouped in batches and sent to ``workers`` processes; at most a few batches per
worker are in flight at once, so memory stays bounded however long the input stream is, and
results are taken back in submission order, so the output is the same for any worker count.
Workers number and pickle their own batches (:meth:`LocalEngine.map_pickled`): the driver
writes the bytes to the spill as they come, so it never unpickles and re-pickles a
document. With ``workers=1`` everything runs in this process (no pool, easiest to debug).
"""

from __future__ import annotations

import multiprocessing
import os
import pickle
import signal
from collections import deque
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from itertools import chain, islice
from typing import Any

from ..document import Document
from ..io.readers import InputItem
from ..pipeline import CorpusStep, Pipeline, TaskPool
from .base import Engine, pickle_batch, process_item, tune_gc

_PIPELINE: Pipeline | None = None
#: Inputs from which a build counts as large: the driver then runs ``pipeline.preload()``
#: before it forks the workers, so they inherit the compiled kernels (numba imported, the
#: cached loops loaded: ~0.5 CPU s per process) instead of each loading them after its
#: warm-up. A smaller build keeps the lazy path (its workers may never import numba), and so
#: does a process whose workers are not forked (nothing to inherit).
PRELOAD_AT = 1024
#: what a :class:`ProcessTaskPool` call sent to this worker (its ``shared``)
_SHARED: Any = None


def _forks() -> bool:
    """Whether new worker processes are forked (they inherit this process's memory); asks
    without fixing the start method."""
    method = multiprocessing.get_start_method(allow_none=True)
    return (method or multiprocessing.get_all_start_methods()[0]) == "fork"


def _init_worker(pipeline: Pipeline) -> None:
    global _PIPELINE
    _PIPELINE = pipeline
    # Ctrl-C reaches the whole process group: the driver handles it (checkpoint kept, one
    # line for the user) and shuts the pool down; workers printing their own
    # KeyboardInterrupt tracebacks would bury that line.
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    # the pipeline's rule tables are walked by no collection (a worker lives for one build)
    tune_gc()


def _process_batch(items: list[InputItem | Document]) -> list[Document]:
    assert _PIPELINE is not None
    return [process_item(_PIPELINE, item) for item in items]


def _process_pickled(items: list[InputItem | Document], first_seq: int) -> bytes:
    docs = _process_batch(items)
    for seq, doc in enumerate(docs, start=first_seq):
        doc.seq = seq
    return pickle_batch(docs)


def _init_pool_worker(shared: Any) -> None:
    global _SHARED
    _SHARED = shared
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # as _init_worker: the driver handles it
    tune_gc()


def _pool_task(fn: Callable[[Any, Any], Any], item: Any) -> Any:
    return fn(_SHARED, item)


class ProcessTaskPool:
    """A :class:`~lawrpt_corpus.pipeline.TaskPool` of ``workers`` processes: each
    :meth:`map` call starts a pool whose workers get ``shared`` once (initializer), keeps
    ``workers * in_flight`` items in flight and yields the results in item order. If a
    worker dies, the items in flight and the rest are computed in this process (same
    results: ``fn`` is pure)."""

    def __init__(self, workers: int, in_flight: int = 4):
        self.workers = workers
        self.in_flight = in_flight

    def map(
        self, fn: Callable[[Any, Any], Any], items: Iterable[Any], shared: Any = None
    ) -> Iterator[Any]:
        it = iter(items)
        pool = ProcessPoolExecutor(self.workers, initializer=_init_pool_worker, initargs=(shared,))
        pending: deque[tuple[Any, Future[Any] | None]] = deque()
        limit = self.workers * self.in_flight
        try:
            while True:
                while len(pending) < limit:
                    batch = list(islice(it, 1))
                    if not batch:
                        break
                    try:
                        future: Future[Any] | None = pool.submit(_pool_task, fn, batch[0])
                    except BrokenProcessPool:  # a worker died since the last result
                        future = None
                    pending.append((batch[0], future))
                if not pending:
                    return
                item, future = pending.popleft()
                try:
                    if future is None:
                        raise BrokenProcessPool("a worker died before this item was sent")
                    yield future.result()
                except BrokenProcessPool:
                    rest = [item, *(i for i, _ in pending)]
                    pending.clear()
                    for i in rest:
                        yield fn(shared, i)
                    for i in it:
                        yield fn(shared, i)
                    return
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


class LocalEngine(Engine):
    """Run the per-document stage on a local process pool.

    ``workers``: processes (default: the cores this process may use). ``batch_size``:
    documents per task. ``in_flight``: batches queued per worker (bounds memory).
    """

    name = "local"

    def __init__(self, workers: int | None = None, batch_size: int = 32, in_flight: int = 4):
        super().__init__()
        self.workers = workers or default_workers()
        self.batch_size = batch_size
        self.in_flight = in_flight

    def fit_step(self, step: CorpusStep, docs: Iterable[Document]) -> Any:
        """``step.fit(docs)``; with more than one worker, a step whose ``pooled_fit`` is
        true gets ``pool=`` (:class:`ProcessTaskPool`): its pure per-document work runs
        in worker processes while the driver reads the stream. The same state."""
        if self.workers > 1 and step.pooled_fit:
            return step.fit(docs, pool=ProcessTaskPool(self.workers))  # type: ignore[call-arg]
        return step.fit(docs)

    def fits_while_streaming(self) -> bool:
        """With more than one worker the driver mostly waits on them during the stream:
        the first corpus step's fit counts meanwhile (:class:`~.base._StreamedFit`)."""
        return self.workers > 1

    def replay_pool(self) -> TaskPool | None:
        """With more than one worker, the fits' replay levels are built by worker processes
        (:class:`~.base.Replay`: the same level files, the driver only reads them)."""
        return ProcessTaskPool(self.workers) if self.workers > 1 else None

    def map_documents(
        self, pipeline: Pipeline, inputs: Iterable[InputItem | Document]
    ) -> Iterator[Document]:
        if self.workers <= 1:
            for item in inputs:
                yield process_item(pipeline, item)
            return
        for _, blob in self.map_pickled(pipeline, inputs, 0):
            yield from pickle.loads(blob)

    def map_pickled(
        self, pipeline: Pipeline, inputs: Iterable[InputItem | Document], first_seq: int
    ) -> Iterator[tuple[int, bytes]]:
        if self.workers <= 1:
            yield from super().map_pickled(pipeline, inputs, first_seq)
            return
        items = iter(inputs)
        head = list(islice(items, PRELOAD_AT))
        if len(head) == PRELOAD_AT and _forks():
            pipeline.preload()  # a large build: the forked workers inherit what this loads
        items = chain(head, items)
        pool = ProcessPoolExecutor(self.workers, initializer=_init_worker, initargs=(pipeline,))
        pending: deque[tuple[int, list[InputItem | Document], Future[bytes]]] = deque()
        limit = self.workers * self.in_flight
        seq = first_seq
        try:
            while True:
                while len(pending) < limit:
                    batch = list(islice(items, self.batch_size))
                    if not batch:
                        break
                    pending.append((seq, batch, pool.submit(_process_pickled, batch, seq)))
                    seq += len(batch)
                if not pending:
                    return
                start, batch, future = pending.popleft()
                try:
                    yield len(batch), future.result()
                except BrokenProcessPool:
                    # A worker died (segfault, OOM kill, os._exit). Every batch in flight is
                    # lost with the pool: redo them one document at a time in a fresh pool,
                    # so only the document that kills its worker is rejected.
                    pool.shutdown(wait=False, cancel_futures=True)
                    retry = [(start, batch)] + [(s, b) for s, b, _ in pending]
                    pending.clear()
                    pool = ProcessPoolExecutor(
                        self.workers, initializer=_init_worker, initargs=(pipeline,)
                    )
                    for s, b in retry:
                        docs = []
                        for k, item in enumerate(b, start=s):
                            doc, pool = _isolate(pool, pipeline, item, self.workers)
                            doc.seq = k
                            docs.append(doc)
                        yield len(docs), pickle_batch(docs)
        finally:
            pool.shutdown(wait=True, cancel_futures=True)


def _isolate(
    pool: ProcessPoolExecutor, pipeline: Pipeline, item: InputItem | Document, workers: int
) -> tuple[Document, ProcessPoolExecutor]:
    try:
        return pool.submit(_process_batch, [item]).result()[0], pool
    except BrokenProcessPool:
        pool.shutdown(wait=False, cancel_futures=True)
        fresh = ProcessPoolExecutor(workers, initializer=_init_worker, initargs=(pipeline,))
        if isinstance(item, Document):
            doc = Document(item.source, item.raw_sha256, item.n_bytes)
        else:
            from ..io.readers import load_document

            doc = load_document(item)
        return doc.reject("error:worker_died"), fresh
