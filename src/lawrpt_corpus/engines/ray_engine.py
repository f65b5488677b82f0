"""The Ray engine: the same pipeline on a Ray cluster, with the same output as the local engine.

``pip install "lawrpt_corpus[ray]"``. Nothing in the core imports Ray; this module imports it
only when a :class:`RayEngine` starts.

How a build runs (docs/scaling.md has the full story):

1. **Per-document stage** — inputs are cut into windows (``window`` inputs or ``window_bytes``
   of inline data, whichever comes first) and each window into blocks of Arrow rows
   (``seq``, pickled input); a plain Ray task per block (at most ``4 × CPUs`` in flight,
   waited on with ``ray.wait``) reads and processes them: every
   :class:`~lawrpt_corpus.pipeline.DocumentStep` and every corpus step's ``prepare`` happen in
   the Ray workers (:func:`~lawrpt_corpus.engines.base.process_item`, as in the local engine).
   The processed blocks stay in the cluster's object store (which spills to disk when full):
   the object store is this engine's spill, not the driver. Only each block's document count
   comes back to the driver, which keeps the blocks' object references in input order.
2. **Corpus steps**, in order. A step with a ``fit_distributed(docs, ctx)`` method (or one
   registered with :func:`~lawrpt_corpus.engines.fits.register_distributed_fit`) is fitted
   on the cluster: ``docs`` is a Ray Dataset (over the processed blocks' references) of the
   kept documents as the earlier corpus steps leave them (columns ``seq`` and ``doc`` = pickled
   :class:`~lawrpt_corpus.document.Document`; earlier steps' ``apply`` runs in the workers),
   built only when the fit first uses it (the built-in fits run plain tasks over
   ``ctx.blocks``, the same blocks' references, and never do).
   Any other step is fitted in the driver by ``fit()`` over a stream replayed block by block
   from the object store — the same stream the local engine gives.
   :class:`~lawrpt_corpus.dedup.ExactDedup` is fitted on the cluster (a plain-task shuffle on
   the text hash; only duplicates reach the driver); ``Dedup``, ``RepeatedLines`` and
   ``Templates`` too (:mod:`~lawrpt_corpus.engines.ray_fits`).
3. **Final pass, on the workers** (:meth:`RayEngine.write_dataset`, what ``build`` uses) —
   the fitted corpus steps are shipped to the workers; a task per block applies them and
   keeps the block's data and manifest rows in the object store; the driver adds up the
   counts, decides every shard's rows, and a task per shard writes it into the output's
   staging folder, byte for byte as the local writer. (:meth:`RayEngine.run` instead streams
   the documents back to the driver in input order.)

Inputs are listed by the driver (paths and fsspec URLs, one folder at a time) and opened by
the workers unless ``read_in_driver``.

Output: the same documents, in the same order, with the same ``seq``, as
:class:`~lawrpt_corpus.engines.local.LocalEngine` on the same inputs.
"""

from __future__ import annotations

import hashlib
import logging
import os
import pickle
import socket
import sys
import threading
import time
import zlib
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import replace
from functools import partial
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from ..document import Document
from ..io.containers import ContainerSlice, plan_slices, read_slice
from ..io.fs import is_url, open_input
from ..io.item import ContainerItem
from ..io.readers import InputItem, container_records, load_document
from ..pipeline import CorpusStep, Pipeline
from ..publish.remote import store_problem, write_shard_at
from ..publish.schema import DATA_SCHEMA, MANIFEST_SCHEMA, data_row, manifest_row
from ..publish.stats import BuildStats
from ..publish.writer import ShardInfo, rows_table
from .base import Engine, _apply_all, process_item
from .fits import RayContext, distributed_fit_of
from .fits import register_distributed_fit as register_distributed_fit  # the public name
from .local import default_workers

if TYPE_CHECKING:  # pragma: no cover - typing only
    import ray.data

_PICKLE = pickle.HIGHEST_PROTOCOL
log = logging.getLogger(__name__)

#: Why ``resume`` is refused, and what to use instead (one line).
RESUME_REFUSED = (
    "--resume is not supported by the Ray engine (a Ray build starts again from the "
    "beginning); for a resumable build use the local engine (--engine local), whose "
    "checkpoints --resume continues"
)

INSTALL_HINT = 'the ray engine needs the optional extra: pip install "lawrpt_corpus[ray]"'

#: ``block_rows=None`` (the default): documents per block chosen from the listing, at most
#: this many (session 26: the driver keeps ~20-24 KB of Ray's memory per block of the
#: per-document stage and ~50 KB per block at the final pass's peak, whatever the block's
#: size — fewer, larger blocks divide it; docs/scaling.md)
AUTO_BLOCK_ROWS = 2048
#: ... and at most this many input bytes (the files' sizes from the listing) per block
AUTO_BLOCK_BYTES = 64 << 20
#: ... and at least ``4 × CPUs`` blocks over the documents listed so far (the balance of a
#: small corpus); a container's slices hold this many records (a block groups them)
AUTO_SLICE_ROWS = 64


def cluster_failure(exc: BaseException) -> str | None:
    """``"<Ray's error>: <its first sentence>"`` when ``exc`` is a failure of the Ray cluster
    itself — a node, worker or object lost beyond Ray's retries and the fits'
    (:func:`~lawrpt_corpus.engines.ray_fits.coordinated`) — else None.

    An exception raised by our code in a task reaches the driver as a ``RayTaskError``
    wrapping it (a class of ``ray.exceptions`` too, e.g. ``RayTaskError(KeyError)``): that
    is a bug, not the cluster, so None (the caller keeps its traceback). A Ray error a task
    only passed on (the fit's coordinator got ``OwnerDiedError`` from one of its tasks) is
    unwrapped: its own name and message are what happened."""
    errors = sys.modules.get("ray.exceptions")
    while errors is not None and isinstance(exc, errors.RayTaskError):
        cause = getattr(exc, "cause", None)
        if not isinstance(cause, BaseException) or cause is exc:
            break
        exc = cause
    if not type(exc).__module__.startswith("ray."):
        return None
    first = (str(exc).strip().splitlines() or [""])[0]
    head, cut, _ = first.partition(". ")  # Ray's hints follow the first sentence
    first = (head + "." if cut else head)[:200]
    return f"{type(exc).__name__}: {first}"


#: The driver checks every ``HEAD_CHECK_S`` seconds that the head node's GCS accepts a
#: connection; ``HEAD_CHECKS`` failures in a row end the build (:class:`_HeadWatch`).
HEAD_CHECK_S = 2.0
HEAD_CHECKS = 3

#: The one line printed when the head node is lost mid-build (:meth:`RayEngine._head_lost`).
HEAD_LOST = (
    "error: the Ray cluster's head node ({address}) stopped answering mid-build ({why}); "
    "nothing was written{kept} — start the cluster again (ray start --head …, then its "
    "workers) and run the same command again: a Ray build starts from the beginning "
    "(--resume works with the local engine only)"
)


class _HeadWatch:
    """A daemon thread that checks every ``every`` seconds that the GCS at ``address``
    (``host:port``, the head node's) accepts a TCP connection, and calls ``on_lost(why)``
    after ``failures`` failed checks in a row (a refused or timed-out connection).

    Why: when the head node dies (its GCS with it), Ray's core worker in the driver retries
    for 60 seconds (``gcs_rpc_server_reconnect_timeout_s``), then ends the process from C++
    — status 1, a C++ log line, no word of what to do, no Python clean-up run. A
    connection to a live GCS is accepted by the kernel however busy the process is, so a
    loaded head does not look lost."""

    def __init__(
        self,
        address: str,
        on_lost: Callable[[str], None],
        every: float = HEAD_CHECK_S,
        failures: int = HEAD_CHECKS,
    ):
        host, _, port = address.rpartition(":")
        self.host, self.port = host.strip("[]"), int(port)
        self.on_lost = on_lost
        self.every = every
        self.failures = failures
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="lawrpt-head-watch", daemon=True)

    def start(self) -> _HeadWatch:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()

    def _run(self) -> None:
        failed = 0
        while not self._stop.wait(self.every):
            try:
                socket.create_connection((self.host, self.port), timeout=5.0).close()
                failed = 0
            except OSError as exc:
                failed += 1
                if failed >= self.failures and not self._stop.is_set():
                    self.on_lost(f"{type(exc).__name__}: {exc}".strip())
                    return


def node_lost(exc: BaseException) -> bool:
    """Whether ``exc`` says that the cluster lost a node, a worker or an object (Ray's
    ``ObjectLostError``, ``WorkerCrashedError``, ``NodeDiedError``, also when a task passed
    it on inside a ``RayTaskError``) — not a bug of ours."""
    errors = sys.modules.get("ray.exceptions")
    if errors is None:
        return False
    lost = (errors.ObjectLostError, errors.WorkerCrashedError, errors.NodeDiedError)
    seen: set[int] = set()
    while id(exc) not in seen:
        seen.add(id(exc))
        if isinstance(exc, lost):
            return True
        cause = getattr(exc, "cause", None) if isinstance(exc, errors.RayTaskError) else None
        if not isinstance(cause, BaseException):
            return False
        exc = cause
    return False


class RayUnavailable(ImportError):
    """Ray is not installed (the message says how to install it)."""


def _import_ray() -> Any:
    try:
        import ray
        import ray.data
    except ImportError as exc:
        raise RayUnavailable(INSTALL_HINT) from exc
    return ray


class RayEngine(Engine):
    """Run the pipeline on Ray (a local Ray instance, or a cluster at ``ray_address``).

    ``workers``: CPUs of a local Ray instance started by the engine (default: this machine's
    cores); ignored when Ray is already initialised or ``ray_address`` is given (then the
    cluster's CPU count is used). ``ray_address``: ``"auto"``, ``"ray://host:10001"`` or
    ``"host:6379"`` of a running cluster. ``block_rows``: documents per block / task; default
    None: chosen from the listing — at least ``4 × CPUs`` blocks over the documents listed so
    far, at most :data:`AUTO_BLOCK_ROWS` documents and :data:`AUTO_BLOCK_BYTES` input bytes
    per block (the driver's memory is per block: docs/scaling.md, session 26).
    ``window`` and ``window_bytes``: inputs handed to Ray per round (bounds driver memory).
    ``read_in_driver``: read input files in the driver and ship their bytes (for clusters
    without a shared filesystem or object storage); default False: the driver only lists
    the inputs and each worker opens its own (local paths, made absolute, or fsspec URLs —
    ``s3://``, ``gs://``, ``file://``; on a cluster, every node is asked whether it sees
    the first local input: one that does not stops the build in one line naming it).
    ``write_in_workers``: the final pass (apply of the corpus steps) and the writing of
    every shard run on the workers, into the output's staging folder, which must be on a
    filesystem they share (checked on every node of a cluster); default True. False:
    documents stream back to the driver, which writes.
    ``ship_code``: send this package to the cluster's workers (``runtime_env.py_modules``)
    when connecting to ``ray_address`` (default True; set False when the workers have
    lawrpt_corpus installed). ``cluster_fit``: fit corpus steps that can be fitted on the
    cluster there (True), always in the driver (False), or — default — on the cluster only
    for corpora of at least ``cluster_fit_min_docs`` inputs (a shuffle costs seconds of
    fixed overhead that a small corpus does not repay). ``task_retries``: retries of a
    failed per-document task (a lost node, a killed worker) before its block is redone one
    document per task, rejecting only a document whose task still dies. ``fit_restarts``:
    how many times a cluster fit that failed on a lost node, worker or object is started
    again from the blocks (each start already restarts itself twice inside Ray:
    ``ray_fits.coordinated``). ``in_flight``: tasks
    of the per-document stage and of the final pass submitted and not yet finished (default
    ``4 × CPUs``; bounds the driver's pending tasks, not the object store). A Ray instance the
    engine starts is shut down when the run ends; one already running (``ray.init`` by the
    caller) is left.
    """

    name = "ray"

    def __init__(
        self,
        workers: int | None = None,
        ray_address: str | None = None,
        *,
        block_rows: int | None = None,
        window: int = 16_384,
        window_bytes: int = 256 * 1024 * 1024,
        read_in_driver: bool | None = None,
        write_in_workers: bool = True,
        ship_code: bool = True,
        cluster_fit: bool | None = None,
        cluster_fit_min_docs: int = 100_000,
        task_retries: int = 2,
        fit_restarts: int = 2,
        in_flight: int | None = None,
        progress: bool = False,
    ):
        super().__init__()
        if workers is not None and workers < 1:
            raise ValueError("workers must be at least 1")
        if (block_rows is not None and block_rows < 1) or window < 1 or window_bytes < 1:
            raise ValueError("block_rows, window and window_bytes must be positive")
        if in_flight is not None and in_flight < 1:
            raise ValueError("in_flight must be at least 1")
        self.requested_workers = workers
        self.workers = workers or default_workers()
        self.ray_address = ray_address
        self.block_rows = block_rows
        self.window = window
        self.window_bytes = window_bytes
        self.read_in_driver = bool(read_in_driver)
        self.write_in_workers = write_in_workers
        self.ship_code = ship_code
        self.cluster_fit = cluster_fit
        self.cluster_fit_min_docs = cluster_fit_min_docs
        self.task_retries = task_retries
        self.fit_restarts = fit_restarts
        #: How many times each cluster fit was started again in the last run (a lost node)
        self.fit_restarted: dict[str, int] = {}
        self.in_flight = in_flight
        self.progress = progress
        #: How each corpus step was fitted in the last run: ``"cluster"`` or ``"driver"``.
        self.fit_modes: dict[str, str] = {}
        self._ray: Any = None
        self._started = False
        self._data_log_level: int | None = None
        self._head_watch: _HeadWatch | None = None
        #: The writer of the build running (its staging folder is removed if the head is lost)
        self._writer: Any = None
        _import_ray()  # fail now, with the install hint, rather than mid-build

    # -- Ray session -----------------------------------------------------------------------
    def _start(self) -> Any:
        ray = _import_ray()
        self._started = False
        if not ray.is_initialized():
            kwargs: dict[str, Any] = {
                "include_dashboard": False,
                "log_to_driver": self.progress,
                "logging_level": logging.INFO if self.progress else logging.WARNING,
            }
            if self.ray_address:
                kwargs["address"] = self.ray_address
                if self.ship_code:
                    pkg = Path(__file__).resolve().parent.parent
                    kwargs["runtime_env"] = {"py_modules": [str(pkg)]}
            else:
                # local workers inherit this process's environment (PYTHONPATH included)
                kwargs["num_cpus"] = self.requested_workers or default_workers()
            ray.init(**kwargs)
            self._started = True
        self.workers = max(1, int(ray.cluster_resources().get("CPU", self.workers)))
        self._ray = ray
        self._data_log_level = None
        if not self.progress:  # Ray Data logs every execution at INFO: quiet while we run
            data_log = logging.getLogger("ray.data")
            self._data_log_level = data_log.level
            data_log.setLevel(logging.ERROR)
        self._watch_head(ray)
        return ray

    def _watch_head(self, ray: Any) -> None:
        """Watch the head node's GCS while a run uses the cluster (:class:`_HeadWatch`); not
        through Ray Client (``ray://``: the driver runs on the cluster, which reports the
        loss of its head itself)."""
        if (self.ray_address or "").startswith("ray://"):
            return
        try:
            address = ray.get_runtime_context().gcs_address
        except Exception:  # an older Ray without it: no watch (Ray's own 60 s exit)
            return
        if address:
            self._head_watch = _HeadWatch(address, partial(self._head_lost, address)).start()

    def _head_lost(self, address: str, why: str) -> None:
        """The head node is gone: remove the build's staging folder (the output appears only
        when complete, so the dataset already at ``--out`` is untouched), say so in one line
        on stderr and end the process with status 1 — Ray's core worker would end it anyway
        a minute later, from C++, without a word (:class:`_HeadWatch`)."""
        kept = ""
        writer = self._writer
        try:
            if writer is not None:
                kept = f"; {writer.out} is as it was"
                writer.abort()
        except Exception as exc:  # the line still goes out
            kept += f" (its staging folder could not be removed: {exc})"
        finally:
            print(
                HEAD_LOST.format(address=address, why=why, kept=kept), file=sys.stderr, flush=True
            )
            os._exit(1)

    def _stop(self) -> None:
        if self._head_watch is not None:
            self._head_watch.stop()
            self._head_watch = None
        if self._data_log_level is not None:
            logging.getLogger("ray.data").setLevel(self._data_log_level)
            self._data_log_level = None
        if self._started and self._ray is not None:
            self._ray.shutdown()
        self._started = False

    def _dataset(self, refs: Sequence[Any]) -> ray.data.Dataset:
        """A Ray Dataset over the blocks ``refs`` (no data through the driver)."""
        ds = self._ray.data.from_arrow_refs(list(refs))
        ctx = ds.context  # a copy owned by this dataset: the caller's context is untouched
        ctx.execution_options.preserve_order = True
        ctx.enable_progress_bars = self.progress
        ctx.print_on_execution_start = self.progress
        return ds

    # -- stage 1: per-document -------------------------------------------------------------
    @property
    def splits_containers(self) -> bool:
        """Container files are counted and read by the workers (unless ``read_in_driver``)."""
        return not self.read_in_driver

    def _windows(self, inputs: Iterable[Any]) -> Iterator[list[Row]]:
        """Windows of rows ``(seq, pickled input, documents, input bytes)``: one document
        per input (its size from the listing), or a container slice's ``stop - start``
        documents numbered from its ``seq`` (size unknown: 0)."""
        rows: list[Row] = []
        size = docs = 0
        probe = bool(self.ray_address)
        seq = 0
        for item in self._sliced(inputs):
            if self.read_in_driver:
                item = _read_here(item)
            elif probe and (where := _local_path(item)) is not None:
                self._check_workers_see(where, "input", "read_in_driver=True")
                probe = False
            n = item.n if isinstance(item, ContainerSlice) else 1
            blob = pickle.dumps(item, _PICKLE)
            rows.append((seq, blob, n, getattr(item, "n_bytes", 0) or 0))
            seq += n
            size += len(blob)
            docs += n
            if docs >= self.window or size >= self.window_bytes:
                yield rows
                rows, size, docs = [], 0, 0
        if rows:
            yield rows

    def _sliced(self, inputs: Iterable[Any]) -> Iterator[Any]:
        """``inputs`` in order, local paths made absolute (a worker's working folder is not
        the driver's; no I/O), each :class:`ContainerItem` replaced by its slices.

        A container's slices come from a task on the workers (:func:`plan_slices`: the first
        pass reads it and returns a few numbers per slice); up to ``2 × workers`` containers
        are counted at once while the inputs after them wait in a queue of at most
        ``window`` entries, so the driver holds neither records nor their bytes."""
        plan = None
        pending: deque[tuple[Any, Any]] = deque()
        counting = 0
        limit = max(2, 2 * self.workers)
        for item in inputs:
            item = _absolute(item)
            if isinstance(item, ContainerItem) and self.read_in_driver:
                pending.extend((record, None) for record in container_records(item))
            elif isinstance(item, ContainerItem):
                if plan is None:
                    plan = self._ray.remote(max_retries=self.task_retries)(plan_slices)
                slice_rows = self.block_rows or AUTO_SLICE_ROWS
                pending.append((item, plan.remote(item, slice_rows)))
                counting += 1
            else:
                pending.append((item, None))
            while pending and (
                pending[0][1] is None or counting > limit or len(pending) > self.window
            ):
                first, ref = pending.popleft()
                if ref is None:
                    yield first
                else:
                    counting -= 1
                    yield from self._ray.get(ref)
        for first, ref in pending:
            if ref is None:
                yield first
            else:
                yield from self._ray.get(ref)

    def _check_workers_see(self, path: str, what: str, instead: str) -> None:
        """Stop the build (:class:`~lawrpt_corpus.build.BuildError`, one line) when the
        workers of some node cannot see ``path`` (an input, the output's staging folder),
        naming those nodes: without this, every input read there would be rejected as
        unreadable, or the shards written there lost on that node's disk. Every alive node
        that runs tasks is asked (:meth:`_on_every_node`)."""
        from ..build import BuildError

        blind = [name for name, seen in self._on_every_node(os.path.exists, path) if not seen]
        if blind:
            raise BuildError(
                f"the Ray workers on {_nodes(blind)} cannot see the {what} {path}: put it on "
                f"a filesystem every node shares (or object storage, for inputs), or pass "
                f"{instead}"
            )

    def _check_workers_write(self, url: str) -> None:
        """Stop the build (``OSError``, one line) when the workers of some node cannot write
        under the object-storage ``url`` (:func:`store_problem` on every node), naming them."""
        failed = [(name, why) for name, why in self._on_every_node(store_problem, url) if why]
        if failed:
            raise OSError(
                f"the Ray workers cannot write to {url} ({failed[0][1]}) on "
                f"{_nodes([name for name, _ in failed])}"
            )

    def _on_every_node(self, fn: Callable[[str], Any], arg: str) -> list[tuple[str, Any]]:
        """``fn(arg)`` run once on every alive node with CPUs (one task per node, pinned to
        it by node-affinity scheduling; ``num_cpus=0``, so busy workers do not delay it):
        ``(node name, result)`` of each node that answered, in Ray's node order. A node that
        died before answering is left out (the build's task retries deal with it)."""
        ray = self._ray
        from ray.util.scheduling_strategies import NodeAffinitySchedulingStrategy

        task = ray.remote(num_cpus=0, max_retries=0)(fn)
        nodes = [
            n for n in ray.nodes() if n.get("Alive") and n.get("Resources", {}).get("CPU", 0) > 0
        ]
        refs = [
            task.options(
                scheduling_strategy=NodeAffinitySchedulingStrategy(n["NodeID"], soft=False)
            ).remote(arg)
            for n in nodes
        ]
        out = []
        for node, ref in zip(nodes, refs, strict=True):
            try:
                got = ray.get(ref)
            except ray.exceptions.RayError:
                continue
            out.append((f"{node.get('NodeManagerAddress', '?')} ({node['NodeID'][:8]})", got))
        return out

    def _blocks(self, rows: list[Row]) -> list[list[Row]]:
        """A window's rows cut into blocks of about ``per_block`` documents (a container
        slice counts its documents; it is never cut).

        ``block_rows`` given: ``per_block`` = ``block_rows``, or fewer to give each CPU two
        blocks of the window. Default (None): :data:`AUTO_BLOCK_ROWS` documents, or fewer to
        give each CPU four blocks of the documents listed so far (this window and the ones
        before it: a small corpus stays balanced over the workers, a large one gets large
        blocks in every window, whatever the cluster's size), and a block is cut early at
        :data:`AUTO_BLOCK_BYTES` of input."""
        total = sum(row[2] for row in rows)
        if self.block_rows is not None:
            per_block = max(1, min(self.block_rows, -(-total // (self.workers * 2))))
            most_bytes = 0
        else:
            seen = rows[0][0] + total if rows else 0
            per_block = max(1, min(AUTO_BLOCK_ROWS, -(-seen // (self.workers * 4))))
            most_bytes = AUTO_BLOCK_BYTES
        blocks = []
        chunk: list[Row] = []
        docs = size = 0
        for row in rows:
            chunk.append(row)
            docs += row[2]
            size += row[3]
            if docs >= per_block or (most_bytes and size >= most_bytes):
                blocks.append(chunk)
                chunk, docs, size = [], 0, 0
        if chunk:
            blocks.append(chunk)
        return blocks

    def _limit(self) -> int:
        return self.in_flight or max(4, 4 * self.workers)

    def _process(self, pipeline: Pipeline, inputs: Iterable[Any]) -> _Blocks:
        """The per-document stage: a plain Ray task per block, at most :meth:`_limit` in
        flight; the processed blocks stay in the object store, in input order.

        The driver submits the tasks and gets back each block's document count (a small
        return value, inlined by Ray); a Ray Data execution would run its streaming
        executor in the driver, polling while the tasks run. A block whose task fails
        beyond its retries (a worker died on some document) is redone one document per
        task, so only that document is rejected (:meth:`_isolate`)."""
        ray = self._ray
        task = ray.remote(num_returns=2, max_retries=self.task_retries)(_process_block)
        pipe_ref = ray.put(pipeline)
        out = _Blocks()
        pending: dict[Any, tuple[int, bytes]] = {}  # count ref -> (position, packed inputs)
        limit = self._limit()
        done = 0

        def collect(wait_for: int) -> int:
            ready, _ = ray.wait(list(pending), num_returns=wait_for)
            got = 0
            for ref in ready:
                pos, packed = pending.pop(ref)
                try:
                    n = ray.get(ref)
                except Exception:  # beyond its retries: redo it one document per task
                    table = self._isolate(pipe_ref, packed)
                    out.refs[pos] = ray.put(table)
                    n = table.num_rows
                out.docs[pos] = n
                got += n
            return got

        for rows in self._windows(inputs):
            # one window's rows in the driver at a time (~0.25 KB per input): the blocks
            # let go of them as they are submitted, the next window is listed after
            blocks = self._blocks(rows)
            del rows
            blocks.reverse()
            while blocks:
                while len(pending) >= limit:
                    done += collect(1)
                    self.on_progress("documents", done)
                # the inputs inlined in the task's spec, which Ray keeps for the block's
                # lineage until the final pass: compressed (_pack: ~10 B per listed file
                # instead of ~120); put instead (session 25, measured on the stage alone):
                # the driver's own pages less, but the object-store pages it writes count
                # in its RSS and each put costs ~1.3 ms of driver CPU
                packed = _pack(blocks.pop())
                count, table = task.remote(packed, pipe_ref)
                pending[count] = (len(out.refs), packed)
                out.refs.append(table)
                out.docs.append(0)
        while pending:
            done += collect(len(pending))
            self.on_progress("documents", done)
        return out

    def _isolate(self, pipe_ref: Any, packed: bytes) -> pa.Table:
        """The block ``packed`` (:func:`_pack`) processed one document per task; a document
        whose task dies is rejected with ``error:worker_died``."""
        ray = self._ray
        rows = [one for seq, blob in _unpack(packed) for one in _one_per_document(seq, blob)]
        task = ray.remote(num_returns=2, max_retries=0)(_process_block)
        refs = [task.remote(_pack([row]), pipe_ref)[1] for row in rows]
        died = (
            ray.exceptions.WorkerCrashedError,
            ray.exceptions.OutOfMemoryError,
            ray.exceptions.NodeDiedError,
        )
        out = []
        for (seq, blob), ref in zip(rows, refs, strict=True):
            try:
                out.append(ray.get(ref))
            except died:  # anything else (a bug, a broken cluster) stops the build
                doc = _dead_doc(pickle.loads(blob))
                doc.seq = seq
                out.append(_docs_table([doc]))
        return pa.concat_tables(out)

    def map_documents(
        self, pipeline: Pipeline, inputs: Iterable[InputItem | Document]
    ) -> Iterator[Document]:
        """The per-document stage alone, in input order (``seq`` set)."""
        self._start()
        try:
            yield from _iter_docs(self._ray, self._process(pipeline, inputs))
        finally:
            self._stop()

    # -- the whole run ---------------------------------------------------------------------
    def run(
        self,
        pipeline: Pipeline,
        inputs: Iterable[Any],
        spill_dir: str | Path | None = None,
        resume: bool = False,
        chunk_size: int = 0,
    ) -> Iterator[Document]:
        """Run the whole pipeline; yield every document in input order (to the driver).

        The object store is this engine's spill: ``spill_dir`` and ``chunk_size`` are not
        used, and ``resume`` is refused (a Ray build restarts from the beginning). A build
        uses :meth:`write_dataset` instead, whose workers write the shards.
        """
        if resume:
            raise ValueError(RESUME_REFUSED)
        self._start()
        blocks = _Blocks()
        try:
            blocks = self._process_and_fit(pipeline, inputs)
            corpus = pipeline.corpus_steps
            t0 = time.perf_counter()
            for n, doc in enumerate(_iter_docs(self._ray, blocks), start=1):
                yield _apply_all(doc, corpus)
                self.on_progress("write", n)
            self.timings["apply"] = time.perf_counter() - t0
        finally:
            blocks.clear()
            self._stop()

    def write_dataset(
        self,
        pipeline: Pipeline,
        inputs: Iterable[Any],
        writer: Any,
        stats: Any,
        spill_dir: str | Path | None = None,
        resume: bool = False,
        chunk_size: int = 0,
    ) -> tuple[Sequence[str], Sequence[str]]:
        """Run the pipeline; the workers apply the corpus steps and write the shards.

        With ``write_in_workers`` (the default) no document comes back to the driver: the
        fitted corpus steps (their state objects) are shipped to the workers, one task per
        block applies them and turns the block into data and manifest rows (kept in the
        object store) plus its counts; the driver adds up the counts, decides every shard's
        rows (shard ``i`` holds rows ``i·shard_rows`` … of the global order, as the local
        writer cuts them), and one task per shard writes ``data/train-XXXXX-of-YYYYY.parquet``
        (or a manifest shard) into the staging folder, byte for byte as the local writer
        would. The staging folder must be on a filesystem the workers share (checked: a
        shard the driver cannot see stops the build). ``stats`` gets the merged counts.
        Without ``write_in_workers``: documents stream to the driver's ``writer``.

        The head node lost mid-build (its GCS stops answering: :class:`_HeadWatch`) ends
        the process in one line, status 1, after ``writer.abort()``.
        """
        self._writer = writer
        try:
            return self._write_dataset(
                pipeline, inputs, writer, stats, spill_dir, resume, chunk_size
            )
        finally:
            self._writer = None

    def _write_dataset(
        self,
        pipeline: Pipeline,
        inputs: Iterable[Any],
        writer: Any,
        stats: Any,
        spill_dir: str | Path | None,
        resume: bool,
        chunk_size: int,
    ) -> tuple[Sequence[str], Sequence[str]]:
        if not self.write_in_workers:
            return super().write_dataset(
                pipeline, inputs, writer, stats, spill_dir, resume, chunk_size
            )
        if resume:
            raise ValueError(RESUME_REFUSED)
        self._start()
        blocks = _Blocks()
        try:
            # a local folder the workers share, or an object-storage URL (publish/remote.py)
            staging = writer.shard_root or str(Path(writer.staging).resolve())
            if self.ray_address and not is_url(staging):
                self._check_workers_see(staging, "output folder", "write_in_workers=False")
            elif self.ray_address:  # object storage: can a worker write there?
                self._check_workers_write(staging)
            blocks = self._process_and_fit(pipeline, inputs)
            t0 = time.perf_counter()
            data, manifest = _write_shards(
                self._ray,
                blocks,
                pipeline.corpus_steps,
                staging,
                (writer.data.shard_rows, writer.manifest.shard_rows),
                stats,
                self.task_retries,
                self.on_progress,
                self._limit(),
            )
            self.timings["apply"] = time.perf_counter() - t0
            return writer.adopt_shards(data, manifest)  # type: ignore[no-any-return]
        finally:
            blocks.clear()
            self._stop()

    def _process_and_fit(self, pipeline: Pipeline, inputs: Iterable[Any]) -> _Blocks:
        """The per-document stage (blocks in the object store) and every corpus step's fit."""
        self.fit_modes = {}
        self.fit_restarted = {}
        t0 = time.perf_counter()
        blocks = self._process(pipeline, inputs)
        self.timings["documents"] = time.perf_counter() - t0
        corpus = pipeline.corpus_steps
        # the fits size their partitions on the blocks (≤ block_rows documents each)
        ctx = RayContext(self.workers, self.block_rows or max(blocks.docs, default=1))
        on_cluster = self._fit_on_cluster(blocks)
        for i, step in enumerate(corpus):
            t0 = time.perf_counter()
            fit = distributed_fit_of(step) if on_cluster else None
            if fit is not None:
                kept = self._kept_blocks(blocks, corpus[:i])
                docs = _LazyDataset(partial(self._dataset, kept))
                state = self._fit_restarting(step.name, fit, docs, replace(ctx, blocks=kept))
                del docs
                del kept
                if state is not None:
                    step.set_state(state)
                self.fit_modes[step.name] = "cluster"
            else:
                step.fit(_KeptStream(self._ray, blocks, corpus[:i]))
                self.fit_modes[step.name] = "driver"
            self.timings[f"fit:{step.name}"] = time.perf_counter() - t0
        return blocks

    def _fit_restarting(self, name: str, fit: Callable[..., Any], docs: Any, ctx: Any) -> Any:
        """``fit(docs, ctx)``, started again — at most ``fit_restarts`` times — when it fails
        because the cluster lost a node or a worker (:func:`node_lost`: each attempt of a
        coordinated fit already restarts ``ray_fits._FIT_RETRIES`` times, so a fit whose
        three attempts each lost a node got here). The blocks it reads are the driver's:
        Ray rebuilds the lost ones from their lineage. Any other error is raised at once."""
        for restart in range(self.fit_restarts + 1):
            try:
                return fit(docs, ctx)
            except Exception as exc:
                if restart == self.fit_restarts or not node_lost(exc):
                    raise
                self.fit_restarted[name] = self.fit_restarted.get(name, 0) + 1
                log.warning(
                    "the %s fit lost a node of the cluster (%s); starting it again",
                    name,
                    cluster_failure(exc),
                )
        raise AssertionError("unreachable")

    def _kept_blocks(self, blocks: _Blocks, before: list[CorpusStep]) -> KeptBlocks:
        """The kept documents as ``before`` leaves them (:class:`KeptBlocks`: a plain Ray
        task per processed block, submitted by the process that first reads them — a
        coordinated fit's task, not the driver)."""
        return KeptBlocks(tuple(blocks.refs), self._ray.put(before), self.task_retries)

    def _fit_on_cluster(self, blocks: _Blocks) -> bool:
        if not blocks.refs or self.cluster_fit is False:
            return False
        if self.cluster_fit:
            return True
        return sum(blocks.docs) >= self.cluster_fit_min_docs


# -- worker side ---------------------------------------------------------------------------
def _process_block(packed: bytes, pipeline: Pipeline) -> tuple[int, pa.Table]:
    """Ray task: read and process each input of ``packed`` (:func:`_pack`); a container
    slice is read here (:func:`read_slice`) and its records numbered from its ``seq``.
    Returns the number of documents (the driver's only figure) and their table (``seq``,
    ``kept``, ``doc``), which stays in the object store."""
    docs = []
    for seq, blob in _unpack(packed):
        item = pickle.loads(blob)
        items = read_slice(item) if isinstance(item, ContainerSlice) else [item]
        for k, one in enumerate(items):
            doc = process_item(pipeline, one)
            doc.seq = seq + k  # as the base engine does: after processing, from the position
            doc.raw = None
            docs.append(doc)
    return len(docs), _docs_table(docs)


class _LazyDataset:
    """The Ray Dataset a cluster fit gets as ``docs``, built on first use: the built-in fits
    run plain tasks over ``RayContext.blocks`` and never touch it, so a default build
    creates no Ray Dataset (``from_arrow_refs`` starts a metadata task per block); a custom
    ``fit_distributed`` hook that uses it gets the real dataset (every attribute, ``len``
    and iteration are forwarded)."""

    def __init__(self, make: Callable[[], Any]):
        self._make: Callable[[], Any] | None = make
        self._ds: Any = None

    def dataset(self) -> Any:
        """The dataset (built now if it was not yet)."""
        if self._make is not None:
            self._ds, self._make = self._make(), None
        return self._ds

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") or name in ("_make", "_ds"):
            raise AttributeError(name)
        return getattr(self.dataset(), name)

    def __iter__(self) -> Iterator[Any]:
        return iter(self.dataset())

    def __len__(self) -> int:
        return len(self.dataset())

    def __bool__(self) -> bool:
        return bool(self.dataset())

    def __repr__(self) -> str:
        return repr(self.dataset()) if self._make is None else "<Ray Dataset, not built yet>"


class KeptBlocks(Sequence[Any]):
    """The kept documents' blocks as the corpus steps ``before`` leave them — what a
    cluster fit gets as ``RayContext.blocks``: object references of Arrow tables (``seq``,
    ``doc``), one per processed block, in input order.

    Made on first use, by the process that uses them: one plain Ray task per processed
    block (:func:`_kept_after_batch`), submitted — and owned — by that process. A
    coordinated fit (``ray_fits.coordinated``) gets a pickled copy, which holds the
    processed blocks' references and ``before``'s, never made references: its
    coordinating task submits the tasks, so the driver submits and owns none of them (before
    session 25 it did: one task per block per fit, ~2.5 ms of driver CPU and a few KB of
    Ray's memory in the driver each, 1,563 × 4 at 100,000 documents). The task's worker
    dying loses them with it, and so does a node lost under them (a copy's tasks are not
    retried: :meth:`__reduce__`); the fit's restart makes them again from the processed
    blocks, which the driver owns. ``len`` needs nothing made."""

    def __init__(self, processed: tuple[Any, ...], before: Any, retries: int):
        self.processed = processed
        self.before = before  # a reference to the list of earlier corpus steps
        self.retries = retries
        self._made: tuple[Any, ...] | None = None

    def refs(self) -> tuple[Any, ...]:
        """The kept blocks' references, the tasks submitted on the first call."""
        if self._made is None:
            import ray  # a coordinating task need not import Ray Data

            task = ray.remote(max_retries=self.retries)(_kept_after_batch)
            self._made = tuple(task.remote(ref, self.before) for ref in self.processed)
        return self._made

    @property
    def made(self) -> bool:
        """Whether this copy submitted its tasks."""
        return self._made is not None

    def __len__(self) -> int:
        return len(self.processed)

    def __getitem__(self, i: Any) -> Any:
        return self.refs()[i]

    def __iter__(self) -> Iterator[Any]:
        return iter(self.refs())

    def __reduce__(self) -> tuple[Any, ...]:
        # A copy (a task's argument) makes its own: never the references made here. Its
        # tasks are not retried: their argument, a processed block, is *borrowed* there,
        # and Ray cannot rebuild an object from a lineage that crosses an ownership
        # boundary (the recovery of the lost argument fails in the borrower; a worker
        # node killed under a fit hung the build). A lost kept block then raises
        # ``ObjectLostError`` in the fit, which restarts it (``ray_fits.coordinated``);
        # the driver, the processed blocks' owner, rebuilds those from their lineage.
        return (KeptBlocks, (self.processed, self.before, 0))


class _Blocks:
    """The per-document stage's output: object references of the processed blocks (tables
    ``seq``, ``kept``, ``doc``) in input order, and each block's document count. About
    0.1 KB per block in the driver, no document."""

    def __init__(self) -> None:
        self.refs: list[Any] = []
        self.docs: list[int] = []

    def clear(self) -> None:
        """Drop the references (the object store frees the blocks no task still uses)."""
        self.refs.clear()
        self.docs.clear()


#: One row of a window: (position of its first document, pickled input, its documents, its
#: input bytes as listed — 0 when unknown).
Row = tuple[int, bytes, int, int]


def _nodes(names: list[str]) -> str:
    """``node a`` / ``nodes a, b`` (the first 5, then how many more)."""
    shown = ", ".join(names[:5]) + (f" and {len(names) - 5} more" if len(names) > 5 else "")
    return f"node{'s' if len(names) > 1 else ''} {shown}"


def _pack(rows: Sequence[Row] | Sequence[tuple[int, bytes]]) -> bytes:
    """A block's inputs as one task argument: ``(seq, pickled input)`` of each row, pickled
    together and compressed (zlib level 1). Ray keeps the argument in the driver, inlined in
    the task's spec for the block's lineage, until the final pass has read the block: the
    listed files' paths share their folders, so ~10 B per input instead of ~200 (an Arrow
    table of the pickled inputs before session 26). :func:`_unpack` reverses it."""
    return zlib.compress(pickle.dumps([(row[0], row[1]) for row in rows], _PICKLE), 1)


def _unpack(packed: bytes) -> list[tuple[int, bytes]]:
    """``(seq, pickled input)`` of each row :func:`_pack` packed, in order."""
    rows: list[tuple[int, bytes]] = pickle.loads(zlib.decompress(packed))
    return rows


def _one_per_document(seq: int, blob: bytes) -> list[tuple[int, bytes]]:
    """An input ``(seq, pickled input)`` as inputs of one document each: a container
    slice's records one by one (to isolate a crashing record), any other input as it is."""
    piece = pickle.loads(blob)
    if not isinstance(piece, ContainerSlice) or piece.n == 1:
        return [(seq, blob)]
    return [
        (
            seq + k,
            pickle.dumps(
                replace(piece, start=piece.start + k, stop=piece.start + k + 1, at=None), _PICKLE
            ),
        )
        for k in range(piece.n)
    ]


def _absolute(item: Any) -> Any:
    """A local input's path made absolute (no I/O); anything else unchanged."""
    if isinstance(item, InputItem) and item.path is not None and not is_url(item.path):
        return replace(item, path=os.path.abspath(item.path))
    if isinstance(item, ContainerItem) and not is_url(item.path):
        return replace(item, path=os.path.abspath(item.path))
    return item


def _local_path(item: Any) -> str | None:
    """The local file a worker will open for ``item`` (None: a URL, bytes, nothing)."""
    if isinstance(item, InputItem) and item.error is None and item.path is not None:
        return None if is_url(item.path) else item.path
    if isinstance(item, ContainerSlice) and not is_url(item.container.path):
        return item.container.path
    return None


def _docs_table(docs: list[Document]) -> pa.Table:
    return pa.table(
        {
            "seq": pa.array([d.seq for d in docs], pa.int64()),
            "kept": pa.array([d.kept for d in docs], pa.bool_()),
            "doc": pa.array([pickle.dumps(d, _PICKLE) for d in docs], pa.binary()),
        }
    )


def _kept_after_batch(batch: pa.Table, before: list[CorpusStep]) -> pa.Table:
    """Ray task: the kept documents of ``batch`` as the corpus steps ``before`` leave them."""
    kept = batch.filter(batch.column("kept"))
    if not before:
        return kept.select(["seq", "doc"])
    docs = [_apply_all(d, before) for d in RayContext.documents(kept)]
    return _docs_table([d for d in docs if d.kept]).select(["seq", "doc"])


def _read_here(item: InputItem | Document) -> InputItem | Document:
    """A file item with its bytes read now (unchanged if unreadable: the worker says why)."""
    if not isinstance(item, InputItem) or item.path is None or item.error is not None:
        return item
    try:
        with open_input(item.path) as fh:
            data = fh.read()
    except OSError:
        return item
    return replace(item, path=None, data=data, n_bytes=len(data))


def _dead_doc(item: InputItem | Document | ContainerSlice) -> Document:
    if isinstance(item, ContainerSlice):  # its record was never read in the driver
        source = f"{item.container.source}#{item.start}"
        return Document(source, hashlib.sha256(b"").hexdigest(), 0).reject("error:worker_died")
    if isinstance(item, Document):
        doc = Document(item.source, item.raw_sha256, item.n_bytes)
    else:
        doc = load_document(item)
        doc.raw = None
    return doc.reject("error:worker_died")


def _apply_block(block: pa.Table, steps: list[CorpusStep]) -> tuple[Any, pa.Table, pa.Table]:
    """Ray task (the final pass, one block): apply the fitted corpus ``steps`` to every
    document of ``block``; return (first ``seq``, documents, kept, their build counts), the
    data rows of the kept documents and the manifest rows of all, in input order."""
    data: list[dict[str, Any]] = []
    manifest: list[dict[str, Any]] = []
    stats = BuildStats()
    first = None
    for doc in RayContext.documents(block):
        if first is None:
            first = doc.seq
        doc = _apply_all(doc, steps)
        manifest.append(manifest_row(doc))
        if doc.kept:
            # the Removal / Edit records as they are: rows_table builds their columns field
            # by field (publish.writer.column), as the local writer does; the same arrays
            data.append(data_row(doc, records=True))
        stats.add(doc)
    summary = (first, len(manifest), len(data), stats)
    return summary, rows_table(data, DATA_SCHEMA), rows_table(manifest, MANIFEST_SCHEMA)


def _write_shard_task(
    folder: str,
    prefix: str,
    index: int,
    n_shards: int,
    schema: pa.Schema,
    spans: list[tuple[int, int]],
    shard_rows: int,
    *tables: pa.Table,
) -> ShardInfo:
    """Ray task: write one shard from rows ``start:stop`` (``spans``) of each of ``tables``,
    in order.

    The row tables are the task's own arguments (references Ray resolves before the task
    starts), not references in a list fetched by the task: a task that fetches a lost
    object holds its CPU while Ray rebuilds the object from its lineage, and the tasks
    that rebuild it need a CPU — on a cluster left with one free CPU the build hung
    (session 24: the worker node killed while the shards were written; 18 minutes, then
    stopped). Ray waits for a task's own arguments, rebuilt if lost, before it gives the
    task a CPU."""
    parts = [t.slice(start, stop - start) for t, (start, stop) in zip(tables, spans, strict=True)]
    return write_shard_at(folder, prefix, index, n_shards, schema, parts, shard_rows)


def shard_pieces(counts: Sequence[int], shard_rows: int) -> list[list[tuple[int, int, int]]]:
    """Cut rows held in consecutive parts of ``counts`` rows into shards of ``shard_rows``
    (the last one shorter; always at least one shard, empty when there is no row): for each
    shard, its pieces ``(part, start, stop)`` in order."""
    shards: list[list[tuple[int, int, int]]] = [[]]
    room = shard_rows
    for part, n in enumerate(counts):
        start = 0
        while start < n:
            if room == 0:
                shards.append([])
                room = shard_rows
            take = min(room, n - start)
            shards[-1].append((part, start, start + take))
            start += take
            room -= take
    return shards


def _write_shards(
    ray: Any,
    blocks: _Blocks,
    steps: list[CorpusStep],
    staging: str,
    shard_rows: tuple[int, int],
    stats: Any,
    retries: int,
    on_progress: Callable[[str, int], None],
    limit: int = 8,
) -> tuple[list[ShardInfo], list[ShardInfo]]:
    """The final pass on the workers (see :meth:`RayEngine.write_dataset`): an apply task
    per block, at most ``limit`` unfinished, their summaries taken in block order; the
    processed blocks' references are dropped as their apply tasks are submitted."""
    apply = ray.remote(num_returns=3, max_retries=retries)(_apply_block)
    write = ray.remote(max_retries=retries)(_write_shard_task)
    steps_ref = ray.put(steps)
    data_parts: list[tuple[Any, int]] = []  # (row table ref, rows) per block, in order
    manifest_parts: list[tuple[Any, int]] = []
    expected = 0
    launched: deque[Any] = deque()

    def take() -> None:
        nonlocal expected
        summary_ref, data_ref, manifest_ref = launched.popleft()
        first, n_docs, n_kept, part = ray.get(summary_ref)
        if n_docs and first != expected:
            raise RuntimeError(
                f"ray engine: document {first} arrived where {expected} was expected"
            )
        expected += n_docs
        stats.merge(part)
        data_parts.append((data_ref, n_kept))
        manifest_parts.append((manifest_ref, n_docs))
        on_progress("write", expected)

    refs = blocks.refs
    for i, ref in enumerate(refs):
        launched.append(apply.remote(ref, steps_ref))
        refs[i] = None  # the task holds its block now (and Ray its lineage)
        if len(launched) >= limit:
            take()
    while launched:
        take()
    out: list[list[ShardInfo]] = []
    for parts, sub, prefix, schema, rows in (
        (data_parts, "data", "train", DATA_SCHEMA, shard_rows[0]),
        (manifest_parts, "manifest", "manifest", MANIFEST_SCHEMA, shard_rows[1]),
    ):
        plan = shard_pieces([n for _, n in parts], rows)
        refs = [
            write.remote(
                f"{staging}/{sub}",
                prefix,
                i,
                len(plan),
                schema,
                [(a, b) for _, a, b in pieces],
                rows,
                *[parts[p][0] for p, _, _ in pieces],
            )
            for i, pieces in enumerate(plan)
        ]
        out.append(ray.get(refs))
    return out[0], out[1]


# -- driver side ---------------------------------------------------------------------------
def _iter_docs(ray: Any, blocks: _Blocks) -> Iterator[Document]:
    """Every document of ``blocks``, in input order, one block in the driver at a time."""
    expected: int | None = None
    for ref in blocks.refs:
        for doc in RayContext.documents(ray.get(ref)):
            if expected is not None and doc.seq != expected:
                raise RuntimeError(
                    f"ray engine: document {doc.seq} arrived where {expected} was expected"
                )
            expected = doc.seq + 1
            yield doc


class _KeptStream:
    """Kept documents as ``before`` leaves them, replayed from the object store; re-iterable."""

    def __init__(self, ray: Any, blocks: _Blocks, before: list[CorpusStep]):
        self.ray = ray
        self.blocks = blocks
        self.before = before

    def __iter__(self) -> Iterator[Document]:
        for doc in _iter_docs(self.ray, self.blocks):
            if doc.kept:
                doc = _apply_all(doc, self.before)
                if doc.kept:
                    yield doc


def _register_builtin() -> None:
    from . import (
        ray_fits,  # ExactDedup, Dedup, RepeatedLines, SiteRepeat (their modules never import Ray)
        ray_templates,  # Templates (it uses ray_fits' shuffle helpers)
    )

    ray_fits.register()
    ray_templates.register()


_register_builtin()
