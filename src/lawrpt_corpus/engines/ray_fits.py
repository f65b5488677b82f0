"""Cluster fits of the built-in corpus steps, :class:`~lawrpt_corpus.dedup.ExactDedup`,
:class:`~lawrpt_corpus.dedup.Dedup`, :class:`~lawrpt_corpus.boilerplate.RepeatedLines` and
:class:`~lawrpt_corpus.boilerplate.SiteRepeat` (its own ``fit()`` in the coordinating task),
for the Ray engine (registered in :mod:`~lawrpt_corpus.engines.fits`; this module never
imports the engine).

The steps' modules know nothing of Ray: they expose their fit as phases
(``Dedup.fit_columns`` with a backend, ``RepeatedLines.fit_counts``) and these functions run
the heavy phases on the cluster. Each leaves the step in the state its ``fit()`` gives
(tests/engines/test_ray.py compares ``stats()`` and every output row); the documented
differences are ``Dedup.stats()["passes"]`` (here: 1 + verification rounds on the cluster) and
``RepeatedLines`` never pruning its counter (its ``fit()`` prunes only beyond ``max_entries``
distinct lines, then counts are lower bounds; here they are exact). The cluster fit of
``Templates`` is in :mod:`.ray_templates` (it uses this module's shuffle helpers).

Shuffles group on a *coarse* key (a hash modulo a partition count sized to the data), so a
group holds many buckets / lines and is processed with numpy in one call: Ray's per-group
call costs tens of microseconds, too much for one call per bucket. They run in a window
(:func:`_shuffle_map`): what the coordinating task holds is bounded by the window of tasks
(max(``_MAP_WINDOW``, 8 × CPUs)), not by the corpus. The fits' maps take ≤ 512 documents'
worth of the engine's blocks per task (:func:`_fit_blocks`) and run ≤ max(16, 4 × CPUs)
tasks at a time (:func:`_task_window`).
"""

from __future__ import annotations

import pickle
import sys
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import numpy as np
import pyarrow as pa

from ..boilerplate.repeated import RepeatedLines, RepeatedLinesState
from ..boilerplate.site import SiteRepeat, SiteRepeatState
from ..dedup.components import component_groups, components
from ..dedup.exact import TEXT_SHA1, ExactDedup, ExactDedupState
from ..dedup.pairs import VerifiedPairs
from ..dedup.signature import sorted_unique
from ..dedup.step import Dedup, DedupState
from ..document import Document
from ..pipeline import params_only
from .fits import RayContext, register_distributed_fit

_PICKLE = pickle.HIGHEST_PROTOCOL
#: rows per coarse shuffle group aimed at (a group is one numpy call in one task)
_GROUP_ROWS = 50_000
#: lines per document assumed when sizing the line shuffle's partitions
_LINES_PER_DOC = 64
#: blocks of verification sources one verification task holds besides its own
_TASK_BLOCKS = 8
#: per-block map tasks unfinished at a time, at least (:class:`_Mapped`)
_MAP_WINDOW = 64


def _ray() -> Any:
    import ray

    return ray


def _got(value: Any) -> Any:
    """``value``, fetched from the object store when it is a reference. A process that never
    imported Ray holds no reference (the phase functions run on plain values in tests and in
    installs without the ``[ray]`` extra)."""
    ray = sys.modules.get("ray")
    return ray.get(value) if ray is not None and isinstance(value, ray.ObjectRef) else value


#: Coordinate a cluster fit by a task on the cluster when the engine gives the blocks
#: (:func:`coordinated`); False: in the driver (benchmarks/bench_templates_fit.py measures both).
COORDINATE_ON_CLUSTER = True


def coordinated(fit: Callable[[Any, Any, RayContext], Any]) -> Callable[..., Any]:
    """``fit(step, docs, ctx)`` run by one task on the cluster (``num_cpus=0``: it only
    submits tasks and waits) when ``ctx.blocks`` is given (the engine's case), which returns
    the state to the driver; else in the driver.

    Why: Ray keeps a task's return value under 100 KB (``max_direct_call_object_size``) in
    the memory of the process that *owns* it — the one that submitted the task. A fit
    submitted from the driver makes the driver own every per-block table and every shuffle
    piece (map tasks × parts; the pieces shrink as the corpus grows, so more of them fall
    under the limit): the driver grew by the bytes shuffled (``Templates``: ~2 KB per
    document at 30,000 documents). The coordinating task owns them instead, and they are
    freed when it ends. Since session 21 the shuffle pieces are put into the object store by
    the map tasks themselves (:func:`_stored`), so the coordinator holds references, not the
    bytes shuffled; since session 22 a bounded number of them (:func:`_shuffle_map`).

    A lost node or worker restarts the fit from the blocks (which the driver owns: Ray
    rebuilds the lost ones from their lineage), at most ``_FIT_RETRIES`` times: the
    coordinator's own worker or node dying is retried by Ray (``max_retries``); a failure
    the coordinator *sees* — an object put by a task whose worker died (``OwnerDiedError``,
    an ``ObjectLostError``), a task of the fit that failed beyond its own retries on a dead
    worker or node — is an exception raised by the fit's code, retried only when listed in
    ``retry_exceptions`` (:func:`_lost`). Any other exception (a bug) is not retried.
    Tested by killing a worker node during a fit (tests/engines/test_ray_cluster.py)."""

    def run(step: Any, docs: Any, ctx: RayContext) -> Any:
        if ctx.blocks is None or not COORDINATE_ON_CLUSTER:
            return fit(step, docs, ctx)
        ray = _ray()
        task = ray.remote(fit).options(
            num_cpus=0, max_retries=_FIT_RETRIES, retry_exceptions=_lost()
        )
        return ray.get(task.remote(step, None, ctx))

    run.__name__ = run.__qualname__ = getattr(fit, "__name__", "fit")
    run.__doc__ = fit.__doc__
    return run


#: Attempts of a coordinated fit after its first one (a lost node or worker: :func:`coordinated`)
_FIT_RETRIES = 2


def _lost() -> list[type[BaseException]]:
    """The exceptions a fit's coordinator sees when a node or worker of the cluster is lost
    (not a bug): retried by :func:`coordinated`. ``ObjectLostError`` covers
    ``OwnerDiedError`` (an object put by a dead worker: :func:`_stored`, :class:`_Mapped`)
    and ``ObjectReconstructionFailedError`` (lineage gave up); ``WorkerCrashedError`` and
    ``NodeDiedError`` come from a task of the fit that died beyond its own retries. Checked
    on Ray 2.60: a subtask's ``WorkerCrashedError`` raised in a task with only
    ``ObjectLostError`` listed fails that task at once, while the task's own worker dying is
    retried by ``max_retries`` whatever the list."""
    errors = _ray().exceptions
    return [errors.ObjectLostError, errors.WorkerCrashedError, errors.NodeDiedError]


def _partitions(rows: int, workers: int) -> int:
    """A power of two ≥ 2·workers with about ``_GROUP_ROWS`` rows per partition."""
    p = 1
    while p < max(2 * workers, -(-rows // _GROUP_ROWS)):
        p *= 2
    return p


class _Mapped:
    """``fn(block, *args)`` of every block of ``RayContext.blocks``, run as plain Ray tasks:
    the output blocks' references in input order and their row counts. Offers what the fits
    use of a materialized Ray Dataset: ``materialize``, ``count``, ``to_arrow_refs``.

    In the submitter (the fit's coordinator) it holds per output block one reference and a
    count, never the block's table, and ≤ ``window`` tasks: each
    task puts its table into the object store itself (``ray.put``: owned by the task's
    worker) and returns the reference — a table under 100 KB returned as the task's value
    would sit in the submitter's heap — and at most ``window`` tasks are unfinished at a
    time, each dropped once its count and reference are read: Ray keeps ~10 KB per task
    in the submitter while the task's results are referenced (measured: 1,000 trivial tasks
    alive 10.6 MB, the same 1,000 submitted 50 at a time 0.0 MB). Construction waits for
    every task.

    ``per_task`` > 1 (session 23): one task maps ``per_task`` consecutive input blocks as
    one batch and puts one table — fewer, larger output blocks, so fewer tasks here and in
    every later round over them (Ray's native memory of each task round in the submitter
    grows with the tasks, not with the rows).
    ``bounds``: the tasks return each output block's (rows, first ``seq``, last ``seq``)
    with its count (``bounds``; ``None`` without), which ``Dedup``'s block map needs — no
    separate task round for them.

    The map tasks — and the shuffles', row reads' and verification tasks the coordinator
    submits — run without Ray's task events (``enable_task_events=False``, session 23):
    the submitter records each task's state changes and sends them to the GCS once a second
    (the dashboard's and ``ray list tasks``' view), and that buffer's high water stayed in
    the process — of the ~20 KB of own memory a finished map task left in the coordinator,
    ~6 KB (docs/scaling.md, "what a finished task costs the coordinator"). Retries,
    lineage and errors do not use them; these tasks no longer show in the state API."""

    def __init__(
        self,
        blocks: Sequence[Any],
        fn: Callable[..., pa.Table],
        args: Any,
        window: int,
        per_task: int = 1,
        bounds: bool = False,
    ):
        ray = _ray()
        task = ray.remote(num_returns=2, enable_task_events=False)(_map_rows)
        args_ref = ray.put(args)  # once, not once per task
        calls = [blocks[i : i + per_task] for i in range(0, len(blocks), per_task)]
        self.counts: list[int] = [0] * len(calls)
        self.refs: list[Any] = [None] * len(calls)
        self.bounds: list[tuple[int, int, int]] | None = (
            [(0, 0, -1)] * len(calls) if bounds else None
        )
        pending: dict[Any, tuple[int, Any]] = {}
        for i, call in enumerate(calls):
            count, table = task.remote(fn, args_ref, bounds, *call)
            pending[count] = (i, table)
            if len(pending) >= window:
                self._collect(pending, max(1, window // 2))
        while pending:
            self._collect(pending, len(pending))

    def _collect(self, pending: dict[Any, tuple[int, Any]], n: int) -> None:
        """Read ``n`` finished tasks of ``pending`` (count, inner reference) and drop them."""
        ray = _ray()
        ready, _ = ray.wait(list(pending), num_returns=n)
        outer = [pending.pop(c) for c in ready]
        got = ray.get(ready + [t for _, t in outer])
        for (i, _), count, ref in zip(outer, got[: len(ready)], got[len(ready) :], strict=True):
            if self.bounds is not None:
                self.bounds[i] = count
                count = count[0]
            self.counts[i], self.refs[i] = int(count), ref

    def materialize(self) -> _Mapped:
        return self

    def count(self) -> int:
        return sum(self.counts)

    def to_arrow_refs(self) -> list[Any]:
        """A reference per output block, resolving to its table (put by the map task)."""
        return list(self.refs)


def _map_rows(
    fn: Callable[..., pa.Table], args: tuple[Any, ...], bounds: bool, *blocks: pa.Table
) -> Any:
    """Ray task: ``fn(batch, *args)`` of ``blocks`` concatenated in their order (one larger
    batch, as a larger ``block_rows`` would give: every map function is defined on a batch
    of any size); its row count (with ``bounds``: (rows, first ``seq``, last ``seq``),
    :func:`_seq_bounds`) and the table put into the object store by this worker (its
    reference: see :class:`_Mapped`)."""
    batch = blocks[0] if len(blocks) == 1 else pa.concat_tables(blocks, promote_options="default")
    table = fn(batch, *args)
    return (_seq_bounds(table) if bounds else table.num_rows), _ray().put(table)


def _gathered(task: Any, calls: list[tuple[Any, ...]], workers: int = 1) -> list[Any]:
    """``task.remote(*args)`` for each ``args`` of ``calls``, their values in order, with at
    most :func:`_task_window` (``workers``) tasks submitted and unread at a time (Ray
    keeps tens of KB per task in the submitter while it is alive or its result is
    referenced: see :class:`_Mapped`)."""
    ray = _ray()
    window = _task_window(workers)
    out: list[Any] = []
    for i in range(0, len(calls), window):
        out += ray.get([task.remote(*args) for args in calls[i : i + window]])
    return out


#: documents one cluster fit's map task takes at most (:func:`_fit_blocks`)
_FIT_BLOCK_ROWS = 512


def _fit_blocks(blocks: int, ctx: RayContext) -> int:
    """Input blocks per map task of a cluster fit (:func:`_map`; each task's output is one
    block): as many as make ≤ ``_FIT_BLOCK_ROWS`` documents (8 blocks of 64), while ≥ 4
    tasks per CPU are left when the blocks allow it. Every later round of a fit over its
    feature blocks (shuffle maps, ``Dedup``'s column reads and verification units) takes
    ~8× fewer tasks too at ``block_rows`` = 64 (session 23). Since session 26 the engine's
    default blocks of a large corpus hold more (up to ``AUTO_BLOCK_ROWS`` = 2048): one
    block per task, ``ctx.block_rows`` being the largest block's documents."""
    most = max(1, _FIT_BLOCK_ROWS // max(1, ctx.block_rows))
    return max(1, min(most, blocks // (4 * max(1, ctx.workers))))


def _map(
    docs: Any, ctx: RayContext, fn: Callable[..., pa.Table], *args: Any, bounds: bool = False
) -> Any:
    """``fn(batch, *args)`` of the kept documents: plain tasks over ``ctx.blocks`` when the
    engine gives them (:func:`_fit_blocks` of them per task and output block; ``bounds``:
    see :class:`_Mapped`), else a Ray Data map of each block of ``docs``."""
    if ctx.blocks is not None:
        per = _fit_blocks(len(ctx.blocks), ctx)
        return _Mapped(ctx.blocks, fn, args, _task_window(ctx.workers), per, bounds)
    return docs.map_batches(fn, fn_args=args, batch_size=None, batch_format="pyarrow")


def _tables(ds: Any) -> list[pa.Table]:
    if isinstance(ds, _Mapped):
        return [t for t in _ray().get(ds.refs) if t.num_rows]
    return [b for b in ds.iter_batches(batch_size=None, batch_format="pyarrow") if b.num_rows]


def _column(tables: list[pa.Table], name: str, dtype: Any) -> np.ndarray:
    if not tables:
        return np.empty(0, dtype=dtype)
    return np.concatenate([t.column(name).to_numpy() for t in tables]).astype(dtype, copy=False)


def _u64_as_i64(values: list[int]) -> np.ndarray:
    return np.array(values, dtype=np.uint64).view(np.int64)


def _part(h: np.ndarray, parts: int) -> np.ndarray:
    return ((h.view(np.uint64) >> np.uint64(40)) % np.uint64(parts)).astype(np.int64)


def _split_parts(
    fn: Callable[..., pa.Table], args: tuple[Any, ...], parts: int, *blocks: Any
) -> Any:
    """Ray task, the map side of a plain-task shuffle: ``fn(block, *args)`` (a table with a
    ``part`` column) of each non-empty block, cut into ``parts`` tables by ``part`` (one
    return value each; ``None`` for a part no row went to). A block may be a reference
    (:func:`_stored` by the task that made it)."""
    tables = [fn(b, *args) for b in _resolved(blocks) if b is not None and b.num_rows]
    tables = [t for t in tables if t.num_rows]
    if not tables:
        out: list[pa.Table | None] = [None] * parts
    else:
        t = pa.concat_tables(tables) if len(tables) > 1 else tables[0]
        part = t.column("part").to_numpy()
        order = np.argsort(part, kind="stable")
        t = t.take(pa.array(order))
        cut = np.searchsorted(part[order], np.arange(parts + 1)).tolist()
        out = [
            t.slice(cut[p], cut[p + 1] - cut[p]) if cut[p + 1] > cut[p] else None
            for p in range(parts)
        ]
    return out[0] if parts == 1 else tuple(out)


def _storing(fn: Callable[..., Any], *args: Any) -> Any:
    """Ray task: ``fn(*args)`` (one piece or a tuple of pieces: the map side of a shuffle)
    with each non-empty piece :func:`_stored`; None and empty pieces are returned as they
    are (nothing to hold)."""
    out = fn(*args)
    if isinstance(out, tuple):
        return tuple(_stored(v) for v in out)
    return _stored(out)


def _stored(value: Any) -> Any:
    """In a task: ``value`` put into the object store by this task's worker, as a reference
    (None, an empty table or array: as it is).

    Why: Ray keeps a task's return value under 100 KB (``max_direct_call_object_size``) in
    the heap of the process that submitted the task. A shuffle makes (map tasks × parts)
    pieces, which shrink as the corpus grows, so their bytes — the bytes shuffled — all
    ended up in the coordinating process (``coordinated``). Put by the task, a piece lives
    in the object store of the task's node, owned by the task's worker (which Ray does not
    stop while it owns objects); the submitter holds a reference of ~100 bytes. Trade-off:
    an object put by a task cannot be rebuilt from lineage — if its worker or node is lost
    the consumer fails with ``ObjectLostError`` and the coordinated fit is started again
    (``coordinated``: ``retry_exceptions``). The consumer reads it with :func:`_resolved`."""
    if value is None or (value.num_rows if isinstance(value, pa.Table) else len(value)) == 0:
        return value
    return _ray().put(value)


def _resolved(values: tuple[Any, ...]) -> list[Any]:
    """``values`` with each object reference (a piece :func:`_stored` by a map task)
    replaced by its object, fetched in one ``ray.get``; other values as they are. Without
    Ray imported no value can be a reference, so the tables pass through and Ray is not
    imported (the routing helpers run on plain tables in tests and without the extra)."""
    ray = sys.modules.get("ray")
    if ray is None:
        return list(values)
    at = [i for i, v in enumerate(values) if isinstance(v, ray.ObjectRef)]
    out = list(values)
    if at:
        for i, v in zip(at, ray.get([values[i] for i in at]), strict=True):
            out[i] = v
    return out


def _concat(pieces: tuple[Any, ...]) -> pa.Table | None:
    """One table of a part's shuffle pieces (tables, :func:`_stored` references or None);
    None when no row went to the part."""
    tables = [t for t in _resolved(pieces) if t is not None and t.num_rows]
    if not tables:
        return None
    return pa.concat_tables(tables) if len(tables) > 1 else tables[0]


def _task_window(workers: int) -> int:
    """Per-block map tasks (:class:`_Mapped`) and gathered calls (:func:`_gathered`)
    unfinished or unread at a time: max(``_MAP_WINDOW`` / 4, 4 × CPUs) — 4 per CPU, the
    tasks per CPU :func:`_fit_blocks` leaves. Each costs the submitter ~75 KB while alive
    (measured session 23: 20 tasks of the feature map +1.6 MB, 59 tasks +4.5 MB, whatever
    the task did), so with a window of 64 the feature map alone grew the coordinator
    until the corpus filled the window (~33,000 documents in tasks of 512) — growth a
    10,000 → 30,000 measurement took for per-document growth (session 23)."""
    return max(_MAP_WINDOW // 4, 4 * workers)


def _window(workers: int) -> int:
    """Tasks of one kind unfinished at a time in the coordinator: max(``_MAP_WINDOW``,
    8 × CPUs)."""
    return max(_MAP_WINDOW, 8 * workers)


#: called by :func:`_shuffle_map` each time what the coordinator holds changes, with (map
#: tasks submitted and not yet merged, shuffle objects referenced); a test pins the bound
#: through it (tests/engines/test_ray.py)
_watch: Callable[[int, int], None] | None = None


def _cuts(parts: int, groups: int) -> list[int]:
    """The parts of each of ``groups`` groups: ``[cuts[g], cuts[g + 1])``."""
    return [g * parts // groups for g in range(groups + 1)]


def _split_groups(
    fn: Callable[..., pa.Table], args: tuple[Any, ...], cuts: list[int], *blocks: Any
) -> Any:
    """Ray task, the map side of a windowed shuffle: :func:`_split_parts` of the blocks,
    its pieces gathered by group of parts (``cuts``): one return value per group, the list
    of its parts' pieces (None for a part no row went to), or None when no row went to the
    group."""
    parts, groups = cuts[-1], len(cuts) - 1
    got = _split_parts(fn, args, parts, *blocks)
    pieces = [got] if parts == 1 else list(got)
    out = []
    for g in range(groups):
        mine = pieces[cuts[g] : cuts[g + 1]]
        out.append(None if all(p is None for p in mine) else mine)
    return out[0] if groups == 1 else tuple(out)


def _merged_pieces(*groups: Any) -> list[pa.Table | None] | None:
    """Ray task (and the reducers' first step): one group's piece lists (from map tasks
    or earlier merges, references or lists; None: nothing in the group) merged part by
    part, in their order: a list of one table per part (None for a part without rows), or
    None when every part is empty."""
    lists = [g for g in _resolved(groups) if g is not None]
    if not lists:
        return None
    out = [_concat(tuple(g[i] for g in lists)) for i in range(len(lists[0]))]
    return None if all(t is None for t in out) else out


def _reduce_group(fn: Callable[..., Any], args: tuple[Any, ...], *groups: Any) -> list[Any]:
    """Ray task, the reduce side of a windowed shuffle for one group of parts:
    ``fn(rows, *args)`` of each part's rows (its pieces merged in map-task order), None for a
    part without rows — a list in part order (empty when no row went to the group)."""
    merged = _merged_pieces(*groups)
    args = tuple(_resolved(args))  # references among the arguments (Ray resolves only
    # a task's own arguments, not those nested in a tuple)
    return [] if merged is None else [None if t is None else fn(t, *args) for t in merged]


def _reduce_group_rows(fn: Callable[..., pa.Table], args: tuple[Any, ...], *groups: Any) -> Any:
    """Ray task: :func:`_reduce_group`'s tables concatenated (None when there is none): the
    input block of a further shuffle."""
    return _concat(tuple(_reduce_group(fn, args, *groups)))


class _Pieces:
    """The map side of a windowed shuffle, finished: for each group ``g`` of parts
    (``[cuts[g], cuts[g + 1])``), the references of its merged piece lists in map-task
    order (``merged[g]``), for :func:`_reduce_group`."""

    def __init__(self, cuts: list[int], merged: list[list[Any]]):
        self.cuts, self.merged = cuts, merged

    @property
    def groups(self) -> int:
        return len(self.cuts) - 1


def _shuffle_map(
    refs: list[Any],
    fn: Callable[..., pa.Table],
    args: tuple[Any, ...],
    parts: int,
    per_task: int,
    workers: int = 1,
) -> _Pieces:
    """The map side of a plain-task shuffle over the blocks ``refs`` (``per_task`` blocks
    per map task), run in a window: what the coordinator holds is bounded by the window
    ``W`` = :func:`_window` (``workers``), not by the corpus.

    The parts are cut into ``G`` = min(``parts``, W / 4) contiguous groups; a map task
    returns one object per group (:func:`_split_groups`: the list of the group's pieces,
    put into the object store by the task). Map tasks run in rounds of ``R`` = W / 2; after
    a round is submitted, the previous round's merges are read, so ≤ 2R = W map tasks are
    unfinished (or finished and not yet merged) at a time, and ≤ W × G of their return
    objects are referenced. When there is more than one round, each round's returns are
    merged per group by one task (:func:`_merged_pieces`, put by the task: one reference per
    (round, group)), and every ``R`` merged references of a group at one level are merged
    again into one at the next level (a log-structured merge: a piece is copied once per
    level, ⌊log_R(rounds)⌋ + 1 levels — 1 below R rounds, 2 below R²), so ≤ G × (R − 1)
    × levels merged references are held. With one round the map tasks' returns are kept as
    they are (no merge: ≤ R × G references). The reducers (one per group, :func:`_reduce_group`:
    G ≤ W / 4 tasks) read a group's references in map-task order, so each part's rows are
    in the order of the blocks, as with one reference per (map task, part).

    Before (session 21): every map task submitted at once with ``parts`` returns each —
    (blocks / ``per_task``) × ``parts`` references, both proportional to the corpus. Plain
    Ray tasks, not a Ray Data execution: no executor polling in the driver."""
    ray = _ray()
    window = _window(workers)
    groups = max(1, min(parts, window // 4))
    cuts = _cuts(parts, groups)
    size = max(1, window // 2)  # map tasks per round
    calls = [refs[i : i + per_task] for i in range(0, len(refs), per_task)]
    task = ray.remote(_storing).options(num_returns=groups, enable_task_events=False)
    merge = ray.remote(_storing).options(enable_task_events=False)
    levels: list[list[list[Any]]] = [[] for _ in range(groups)]  # [group][level]: references
    held = [0]  # merged references held

    def watch(maps: int, returns: int) -> None:
        if _watch is not None:
            _watch(maps, returns + held[0])

    def keep(g: int, level: int, ref: Any) -> None:
        """Hold ``ref`` at ``level`` of group ``g``, merging a full level into the next."""
        while True:
            while len(levels[g]) <= level:
                levels[g].append([])
            levels[g][level].append(ref)
            held[0] += 1
            if len(levels[g][level]) < size:
                return
            full, levels[g][level] = levels[g][level], []
            ref = ray.get(merge.remote(_merged_pieces, *full))
            held[0] -= len(full)
            level += 1
            if ref is None:
                return

    if len(calls) <= size:  # one round: the map tasks' returns, unmerged
        outs = [task.remote(_split_groups, fn, args, cuts, *c) for c in calls]
        watch(len(outs), len(outs) * groups)
        merged = [[o if groups == 1 else o[g] for o in outs] for g in range(groups)]
        return _Pieces(cuts, merged)
    prev: tuple[int, list[Any]] = (0, [])  # the previous round: its map tasks, its merges
    for r in range(0, len(calls), size):
        outs = [task.remote(_split_groups, fn, args, cuts, *c) for c in calls[r : r + size]]
        cur = [
            merge.remote(_merged_pieces, *[o if groups == 1 else o[g] for o in outs])
            for g in range(groups)
        ]
        watch(prev[0] + len(outs), (prev[0] + len(outs)) * groups)
        del outs
        for g, ref in enumerate(ray.get(prev[1])):
            if ref is not None:
                keep(g, 0, ref)
        prev = (len(calls[r : r + size]), cur)
    for g, ref in enumerate(ray.get(prev[1])):
        if ref is not None:
            keep(g, 0, ref)
    watch(0, 0)
    # the oldest pieces are at the highest level
    return _Pieces(cuts, [[x for lv in reversed(ls) for x in lv] for ls in levels])


def _reduced(pieces: _Pieces, fn: Callable[..., Any], args: tuple[Any, ...]) -> list[Any]:
    """``fn(rows, *args)`` of each part of a windowed shuffle's ``pieces`` (None for a part
    without rows), in part order: one :func:`_reduce_group` task per group (≤ W / 4 tasks,
    read as they finish)."""
    ray = _ray()
    task = ray.remote(_reduce_group).options(enable_task_events=False)
    pending = {task.remote(fn, args, *m): g for g, m in enumerate(pieces.merged)}
    out: list[list[Any]] = [[] for _ in range(pieces.groups)]
    while pending:
        ready, _ = ray.wait(list(pending), num_returns=1)
        g = pending.pop(ready[0])
        out[g] = ray.get(ready[0])
    return [v for got in out for v in got]


def _shuffled(
    refs: list[Any],
    explode: Callable[..., pa.Table],
    eargs: tuple[Any, ...],
    parts: int,
    reduce: Callable[..., pa.Table],
    rargs: tuple[Any, ...],
    workers: int,
) -> list[pa.Table]:
    """A shuffle in plain Ray tasks (what ``groupby("part").map_groups`` does, without a Ray
    Data execution whose executor polls in the driver): ``explode(block, *eargs)`` of each
    block of ``refs`` (a table with a ``part`` column), then ``reduce(group, *rargs)`` of
    each part; the non-empty results, in part order. Windowed: :func:`_shuffle_map`."""
    pieces = _shuffle_map(refs, explode, eargs, parts, _per_task(len(refs), workers), workers)
    got = _reduced(pieces, reduce, rargs)
    return [t for t in got if t is not None and t.num_rows]


def _as_is(block: pa.Table) -> pa.Table:
    return block


def _per_task(blocks: int, workers: int) -> int:
    """Blocks per map / verification task: ≤ ``_TASK_BLOCKS``, ≥ 4 tasks per CPU when the
    blocks allow it (bounds the number of small objects a shuffle makes: tasks × parts)."""
    return max(1, min(_TASK_BLOCKS, blocks // (4 * max(1, workers))))


# -- ExactDedup: the worked example -------------------------------------------------------
def _exact_rows(batch: pa.Table, parts: int) -> pa.Table:
    """Ray task: (coarse part of the text hash, text hash, ``seq``, id, source) of each
    document."""
    docs = RayContext.documents(batch)
    keys = [d.features[TEXT_SHA1] for d in docs]
    head = np.frombuffer(b"".join(k[:8] for k in keys), dtype=np.int64)
    return pa.table(
        {
            "part": _part(head, parts),
            "key": pa.array(keys, pa.binary()),
            "seq": pa.array([d.seq for d in docs], pa.int64()),
            "id": pa.array([d.id for d in docs], pa.string()),
            "source": pa.array([d.source for d in docs], pa.string()),
        }
    )


def _exact_later(group: pa.Table) -> pa.Table:
    """Ray task, per coarse part: every document after the first (by ``seq``) of each text
    hash, with the first one's id (``seq``, ``rep``, ``source``)."""
    group = group.sort_by([("key", "ascending"), ("seq", "ascending")])
    keys = group.column("key").to_pylist()
    later = np.array([i > 0 and keys[i] == keys[i - 1] for i in range(len(keys))], dtype=bool)
    first = np.maximum.accumulate(np.where(later, 0, np.arange(len(keys))))
    rows = pa.array(np.flatnonzero(later))
    return pa.table(
        {
            "seq": group.column("seq").take(rows),
            "rep": group.column("id").take(pa.array(first[later])),
            "source": group.column("source").take(rows),
        }
    )


def _block_refs(docs: Any, ctx: RayContext) -> list[Any]:
    """The kept documents' blocks: ``ctx.blocks`` when the engine gives them (nothing
    built), else the blocks of the dataset ``docs``."""
    if ctx.blocks is not None:
        return list(ctx.blocks)
    return list(docs.materialize().to_arrow_refs())


def fit_exact_dedup(step: ExactDedup, docs: Any, ctx: RayContext) -> ExactDedupState:
    """``ExactDedup.fit`` on the cluster, in plain Ray tasks: a shuffle on a coarse part of
    the text hash brings every copy of a text to one task, which returns each later copy
    (by ``seq``) with the first one's id; only those rows reach the fit (run by a
    coordinating task on the engine's cluster: :func:`coordinated`), which orders them by
    ``seq`` — the ``(seq, rep, source)`` rows ``fit()`` collects from the stream, so the
    same :class:`ExactDedupState`, which alone reaches the driver."""
    refs = _block_refs(docs, ctx)
    rows: list[tuple[int, str, str]] = []
    if refs:
        # the documents of a block are unknown here: size on the blocks (≤ block_rows each)
        parts = _partitions(len(refs) * ctx.block_rows, ctx.workers)
        for t in _shuffled(refs, _exact_rows, (parts,), parts, _exact_later, (), ctx.workers):
            rows.extend(
                zip(
                    t.column("seq").to_pylist(),
                    t.column("rep").to_pylist(),
                    t.column("source").to_pylist(),
                    strict=True,
                )
            )
    rows.sort()  # input order, as fit() sees the stream
    return ExactDedupState.from_rows(rows)


# -- Dedup ---------------------------------------------------------------------------------
_DEDUP_COLUMNS = [
    "seq",
    "id",
    "n_chars",
    "n_removed",
    "n_sh",
    "n_content",
    "hash",
    "source",
    "n_noise",
    "page",
]
#: the columns of ``Dedup._fit_columns``' rank besides ``seq`` (the exact groups' ranking
#: in the key-hash shuffle reads them: :func:`_exact_members`)
_RANK_COLUMNS = ["n_chars", "n_removed", "n_content", "n_noise"]


def _dedup_rows(batch: pa.Table, step: Dedup) -> pa.Table:
    """Ray task: each document's ``Dedup`` columns and MinHash signature."""
    docs = RayContext.documents(batch)
    c = list(zip(*(step.columns_row(d) for d in docs), strict=True)) or [()] * 10
    table = {"seq": pa.array(c[0], pa.int64()), "id": pa.array(c[1], pa.uint64())}
    for i in range(2, 6):
        table[_DEDUP_COLUMNS[i]] = pa.array(c[i], pa.int64())
    table["hash"] = pa.array(c[6], pa.binary(16))
    table["source"] = pa.array(c[7], pa.binary())
    table["n_noise"] = pa.array(c[8], pa.int64())
    table["page"] = pa.array(c[9], pa.binary())  # empty unless the page carries row fields
    sigs = [step.prepared(d)[3] for d in docs]
    table["sig"] = pa.array(sigs, pa.binary())
    # the verification source: the comparison key, for documents that take part in LSH
    table["key"] = pa.array(
        [
            step.key(d).encode("utf-8", "surrogatepass") if g else b""
            for d, g in zip(docs, sigs, strict=True)
        ],
        pa.binary(),
    )
    return pa.table(table)


def _blob(chunks: list[Any]) -> tuple[bytes, np.ndarray]:
    """Binary values (the chunks of ``binary``, ``large_binary`` or ``fixed_size_binary``
    columns, in order; sliced chunks read at their offset) as one blob and ``int64``
    offsets: their data buffers joined into one ``bytes`` — no Python object per value,
    and no Arrow copy (combine, cast) before it."""
    parts: list[Any] = []
    offs = [np.zeros(1, dtype=np.int64)]
    base = 0
    for c in chunks:
        if not len(c):
            continue
        if pa.types.is_fixed_size_binary(c.type):
            width = c.type.byte_width
            data, first = c.buffers()[1], c.offset * width
            off = np.arange(1, len(c) + 1, dtype=np.int64) * width
            parts.append(memoryview(data)[first : first + len(c) * width])
        else:
            wide = pa.types.is_large_binary(c.type) or pa.types.is_large_string(c.type)
            raw = np.frombuffer(c.buffers()[1], dtype=np.int64 if wide else np.int32)
            off = raw[c.offset : c.offset + len(c) + 1].astype(np.int64)
            data = c.buffers()[2]
            if data is not None:
                parts.append(memoryview(data)[int(off[0]) : int(off[-1])])
            off = off[1:] - off[0]
        offs.append(off + base)
        base += int(off[-1])
    return b"".join(parts), np.concatenate(offs)


def _chunks(tables: list[pa.Table], name: str, order: np.ndarray | None) -> list[Any]:
    """Column ``name`` of ``tables`` as a list of chunks, in order; with ``order``: taken
    in that order (rows of the concatenation), one chunk."""
    chunks = [c for t in tables for c in t.column(name).chunks]
    if order is None:
        return chunks
    return pa.chunked_array(chunks, type=tables[0].schema.field(name).type).take(order).chunks


def _dedup_columns(tables: list[pa.Table]) -> dict[str, Any]:
    """The columns ``Dedup._collect`` gives (no signatures), in ``seq`` order — those of
    ``tables`` (``hash``, ``source`` and ``page`` may be absent). Read from the Arrow buffers:
    no Python object per document. The column-read tasks give their rows in ``seq`` order
    already when the blocks are in input order (the engine's): then nothing is reordered —
    each column is copied once, from the tables into its array or blob; else they are taken
    in ``seq`` order first (session 22's whole-table ``take`` and casts cost the
    coordinator ~5× the columns' bytes)."""
    tables = [t for t in tables if t.num_rows]
    names = [n for n in _DEDUP_COLUMNS if not tables or n in tables[0].column_names]
    if tables:
        seq = np.concatenate([t.column("seq").to_numpy() for t in tables]).astype(np.int64)
    else:
        seq = np.empty(0, dtype=np.int64)
    order = None
    if seq.size > 1 and not bool(np.all(seq[1:] > seq[:-1])):
        order = np.argsort(seq, kind="stable")
        seq = seq[order]
    cols: dict[str, Any] = {"seq": seq}
    for name in ("id", "n_chars", "n_removed", "n_sh", "n_content", "n_noise"):
        if name in names:
            dtype = np.uint64 if name == "id" else np.int64
            got = [t.column(name).to_numpy() for t in tables]
            arr = np.concatenate(got).astype(dtype, copy=False) if got else np.empty(0, dtype)
            cols[name] = arr if order is None else arr[order]
    if "hash" in names:
        hashes, _ = _blob(_chunks(tables, "hash", order))
        cols["hash"] = np.frombuffer(hashes, dtype=np.uint64).reshape(-1, 2)
    for name, key in (("source", "src"), ("page", "page")):
        if name in names:
            cols[f"{key}_blob"], cols[f"{key}_off"] = _blob(_chunks(tables, name, order))
    return cols


def _sig_matrix(sigs: list[bytes], num_perm: int) -> np.ndarray:
    empty = np.full(num_perm, 0xFFFFFFFF, dtype=np.uint32).tobytes()
    return np.frombuffer(b"".join(s or empty for s in sigs), dtype=np.uint32).reshape(-1, num_perm)


def _band_rows(batch: pa.Table, step: Dedup, skip: Any, parts: int) -> pa.Table:
    """Ray task: (coarse part, band, bucket hash, ``seq``) of every band of every document of
    ``batch`` that takes part in LSH: at least ``min_shingles`` shingles and not an exact
    copy of a better-ranked document (``skip``: their sorted ``seq``). A document's ``seq``
    is its member id: ids in input order, as the driver fit's indices are."""
    skip = _got(skip)
    seq = batch.column("seq").to_numpy()
    ok = batch.column("n_sh").to_numpy() >= step.min_shingles
    if skip.size:
        pos = np.minimum(np.searchsorted(skip, seq), skip.size - 1)
        ok &= skip[pos] != seq
    keep = np.flatnonzero(ok)
    sigs = _sig_matrix(batch.column("sig").take(pa.array(keep)).to_pylist(), step.num_perm)
    h = step.band_hashes(sigs).view(np.int64)  # (bands, m)
    flat = h.reshape(-1)
    return pa.table(
        {
            "part": _part(flat, parts),
            "band": np.repeat(np.arange(step.bands, dtype=np.int64), keep.size),
            "h": flat,
            "idx": np.tile(seq[keep].astype(np.int64), step.bands),
        }
    )


def _hash_rows(batch: pa.Table, parts: int) -> pa.Table:
    """Ray task: (coarse part, exact key hash as two int64, ``seq``, the rank's columns) of
    each document."""
    h = np.frombuffer(b"".join(batch.column("hash").to_pylist()), dtype=np.int64).reshape(-1, 2)
    rank = {name: batch.column(name).to_numpy() for name in _RANK_COLUMNS}
    return pa.table(
        {
            "part": _part(h[:, 0].copy(), parts),
            "h0": h[:, 0].copy(),
            "h1": h[:, 1].copy(),
            "seq": batch.column("seq").to_numpy(),
            **rank,
        }
    )


def _exact_members(group: pa.Table) -> pa.Table:
    """Ray task: the ``seq`` of every document of one coarse group whose exact key hash
    another document has too, and whether it is a ``copy``: not its hash's best-ranked
    document by the driver fit's rank (``Dedup._fit_columns``: fewest mirror marks, most
    content characters, longest cleaned text, fewest removals, lowest ``seq``). Every
    document of a hash is in its part, so the choice is the fit's (session 23: before, the
    coordinator read the members' rank columns — a task round and ~56 B per member —
    and ranked them itself). ``lead``: the ``seq`` of the member's hash's best-ranked
    document (session 24: the merge graph's edges from each copy to it,
    :func:`_component_parts`)."""
    h0, h1 = group.column("h0").to_numpy(), group.column("h1").to_numpy()
    seq = group.column("seq").to_numpy()
    col = {name: group.column(name).to_numpy() for name in _RANK_COLUMNS}
    order = np.lexsort(
        (seq, col["n_removed"], -col["n_chars"], -col["n_content"], col["n_noise"], h1, h0)
    )
    h0, h1, seq = h0[order], h1[order], seq[order]
    same = (h0[1:] == h0[:-1]) & (h1[1:] == h1[:-1])
    member = np.zeros(seq.size, dtype=bool)
    member[1:] |= same
    member[:-1] |= same
    copy = np.zeros(seq.size, dtype=bool)
    copy[1:] = same  # after the best-ranked document of its hash
    # each document's best-ranked document of its hash (its exact group's leader)
    lead = seq[np.maximum.accumulate(np.where(copy, 0, np.arange(seq.size)))]
    return pa.table(
        {
            "seq": seq[member].astype(np.int64),
            "copy": copy[member],
            "lead": lead[member].astype(np.int64),
        }
    )


def _bucket_keys(group: pa.Table, step: Dedup, n: int) -> np.ndarray:
    """The candidate keys (sorted, unique) of every bucket (band, hash) in one coarse group."""
    band = group.column("band").to_numpy()
    h = group.column("h").to_numpy()
    idx = group.column("idx").to_numpy()
    order = np.lexsort((idx, h, band))
    band, h, idx = band[order], h[order], idx[order]
    start = np.ones(idx.size, dtype=bool)
    start[1:] = (band[1:] != band[:-1]) | (h[1:] != h[:-1])
    keys = step.bucket_pairs(np.cumsum(start), idx, n)
    return sorted_unique(np.concatenate(keys)) if keys else np.empty(0, dtype=np.int64)


class _BlockMap:
    """Where a document's feature row is: the position of its block among the non-empty
    blocks of the materialized features, sorted by ``seq``. Blocks hold increasing, disjoint
    ``seq`` ranges in input order, so the blocks' last ``seq`` are enough (8 B per block);
    otherwise (``seqs``, ``pos``): a table of every document (16 B each). Picklable: the
    tasks that route candidate pairs carry it."""

    def __init__(
        self, last: np.ndarray, seqs: np.ndarray | None = None, pos: np.ndarray | None = None
    ):
        self.last, self.seqs, self.pos = last, seqs, pos

    def pos_of(self, seq: np.ndarray) -> np.ndarray:
        if self.seqs is not None and self.pos is not None:
            return self.pos[np.searchsorted(self.seqs, seq)]  # type: ignore[no-any-return]
        return np.searchsorted(self.last, seq)  # type: ignore[no-any-return]


def _bucket_route(
    group: pa.Table, step: Dedup, span: int, where: _BlockMap, group_blocks: int
) -> pa.Table:
    """Ray task, the reduce side of the LSH shuffle for one coarse part: the candidate keys
    of its buckets, each with the verification task that owns it (``part``: the group of
    ``group_blocks`` blocks holding its first document), in that order — the map side of
    the shuffle that takes the keys to the verification tasks through the object store,
    never to the driver."""
    keys = _bucket_keys(group, step, span)
    owner = where.pos_of(keys // span) // group_blocks
    order = np.argsort(owner, kind="stable")
    return pa.table({"part": owner[order].astype(np.int64), "key": keys[order]})


def _verify_group(
    rows: pa.Table, step: Dedup, span: int, where: _BlockMap, refs: list[Any]
) -> tuple[int, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Ray task: the candidate pairs of one verification task (``rows``: its keys from
    every bucket task: the pairs whose first document is in its blocks) made unique, then
    the signature estimate filter and ``Dedup.compare`` of each kept pair, one own block
    with at most ``_TASK_BLOCKS`` partner blocks at a time (``refs``: the column blocks by
    position). Returns (candidate pairs, ``seq`` a, ``seq`` b, kind, similarity) — only the
    pairs the estimate keeps come back to the driver."""
    ray = _ray()
    keys = sorted_unique(rows.column("key").to_numpy().astype(np.int64))
    results = []
    for own, sa, sb, others in _pair_tasks(where, keys // span, keys % span):
        own_table = ray.get(refs[own])
        results.append(
            _verify_pairs(step, own_table, [refs[k] for k in others], (sa, sb), (sa, sb), True)
        )
    return int(keys.size), *_joined(results)


def _pair_tasks(
    where: _BlockMap, sa: np.ndarray, sb: np.ndarray
) -> list[tuple[int, np.ndarray, np.ndarray, list[int]]]:
    """The pairs (``sa[i]``, ``sb[i]``) cut into verification units: (own block, pairs,
    partner blocks) with the first document in the own block and ≤ ``_TASK_BLOCKS``
    partner blocks per unit (the pairs within the own block go with its first unit)."""
    ba, bb = where.pos_of(sa), where.pos_of(sb)
    order = np.lexsort((sb, sa, bb, ba))
    sa, sb, ba, bb = sa[order], sb[order], ba[order], bb[order]
    units = []
    for own in np.unique(ba).tolist():
        sel = np.flatnonzero(ba == own)
        others = np.unique(bb[sel])
        others = others[others != own]
        for c in range(0, max(1, others.size), _TASK_BLOCKS):
            chunk = others[c : c + _TASK_BLOCKS]
            take = sel[np.isin(bb[sel], np.append(chunk, own))]
            if c:  # the pairs within ``own`` go with the first chunk only
                take = take[bb[take] != own]
            if take.size:
                units.append((own, sa[take], sb[take], chunk.tolist()))
    return units


def _joined(
    found: list[tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]],
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Verification results concatenated and sorted by (``seq`` a, ``seq`` b)."""
    if not found:
        empty = np.empty(0, dtype=np.int64)
        return empty, empty, np.empty(0, np.int8), np.empty(0, np.float64)
    a = np.concatenate([f[0] for f in found])
    b = np.concatenate([f[1] for f in found])
    kinds = np.concatenate([f[2] for f in found])
    sims = np.concatenate([f[3] for f in found])
    order = np.lexsort((b, a))
    return a[order], b[order], kinds[order], sims[order]


def _verify_pairs(
    step: Dedup,
    own: pa.Table,
    others: list[Any],
    seqs: tuple[np.ndarray, np.ndarray],
    pairs: tuple[np.ndarray, np.ndarray],
    estimate: bool,
) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Ray task: ``Dedup.compare`` of the pairs ``pairs`` (indices; ``seqs``: their
    ``seq``) whose documents are in the column block ``own`` and the blocks ``others``; with
    ``estimate``, only of the pairs the signature estimate keeps. Shingle sets are built
    from the comparison keys once per document and task."""
    a, b = pairs
    sa, sb = seqs
    tables = [own, *_ray().get(others)]
    where: dict[int, tuple[pa.Table, int]] = {}
    for t in tables:
        for row, seq in enumerate(t.column("seq").to_pylist()):
            where[seq] = (t, row)

    def field(seq: int, name: str) -> Any:
        t, row = where[seq]
        return t.column(name)[row].as_py()

    if estimate and a.size:
        uniq = np.unique(np.concatenate([sa, sb]))
        ul = uniq.tolist()
        sig = _sig_matrix([field(q, "sig") for q in ul], step.num_perm)
        nsh = np.array([field(q, "n_sh") for q in ul], dtype=np.int64)
        ia, ib = np.searchsorted(uniq, sa), np.searchsorted(uniq, sb)
        ok = step.estimate_ok(sig[ia], sig[ib], nsh[ia], nsh[ib])
        a, b, sa, sb = a[ok], b[ok], sa[ok], sb[ok]
    sets: dict[int, tuple[np.ndarray, dict[str, frozenset[int]]]] = {}

    def source(seq: int) -> tuple[np.ndarray, dict[str, frozenset[int]]]:
        got = sets.get(seq)
        if got is None:
            got = sets[seq] = step.verify_set(field(seq, "key").decode("utf-8", "surrogatepass"))
        return got

    kinds = np.empty(a.size, dtype=np.int8)
    sims = np.empty(a.size, dtype=np.float64)
    for k, (x, y) in enumerate(zip(sa.tolist(), sb.tolist(), strict=True)):
        kinds[k], sims[k] = step.compare(source(x), source(y))
    return a, b, kinds, sims


class _SeqVerifier:
    """``Dedup.compare`` of document pairs given by ``seq``, in plain Ray tasks over the
    materialized column blocks (signature, comparison key) of ``feats``: each task takes
    the pairs of one block with at most ``_TASK_BLOCKS`` partner blocks. A ``seq`` is mapped
    to its block by the blocks' ``seq`` ranges (:class:`_BlockMap`), not by a per-document
    table. ``documents``: the rows of ``feats``; ``span``: 1 + the largest ``seq``."""

    def __init__(self, step: Dedup, light: Dedup, feats: Any, workers: int):
        self.ray = _ray()
        self.step, self.light, self.workers = step, light, workers
        refs = feats.to_arrow_refs()
        ranges = getattr(feats, "bounds", None)  # returned by the feature map's tasks
        if ranges is None:  # a Ray Dataset's blocks: one task per block
            ranges = _gathered(self.ray.remote(_seq_bounds), [(r,) for r in refs], workers)
        self.documents = sum(rows for rows, _, _ in ranges)
        self.span = max([last for rows, _, last in ranges if rows], default=-1) + 1
        keep = sorted((ranges[k][2], k) for k, (rows, _, _) in enumerate(ranges) if rows)
        block = np.array([k for _, k in keep], dtype=np.int64)
        first = np.array([ranges[k][1] for _, k in keep], dtype=np.int64)
        last = np.array([ranges[k][2] for _, k in keep], dtype=np.int64)
        #: the non-empty blocks, by position (sorted by their last ``seq``)
        self.refs = [refs[k] for k in block.tolist()]
        self.where = _BlockMap(last)
        if np.any(first[1:] <= last[:-1]):
            # ranges overlap (blocks not cut in input order): a table of every document
            # (16 B each) instead
            got = _gathered(self.ray.remote(_seqs_of), [(r,) for r in self.refs], workers)
            seqs = np.concatenate(got) if got else np.empty(0, np.int64)
            owner = np.concatenate([np.full(g.size, k, np.int64) for k, g in enumerate(got)])
            order = np.argsort(seqs, kind="stable")
            self.where = _BlockMap(last, seqs[order], owner[order])
        self.step_ref = self.ray.put(light)
        self.where_ref = self.ray.put(self.where)

    def candidates(
        self, copies: np.ndarray, parts: int
    ) -> tuple[int, tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]]:
        """LSH and the verification of its candidate pairs, all in tasks: (candidate pairs,
        the pairs the signature estimate keeps as (``seq`` a, ``seq`` b, kind, similarity)
        sorted). Band tasks explode (band, bucket hash, ``seq``) rows of the documents not in
        ``copies`` (exact copies of a better-ranked document) into ``parts`` coarse parts;
        one bucket task per part pairs each bucket's members and sends every key to the
        verification task owning its first document; verification tasks make their keys
        unique, count them and verify them. Counts one verification pass when there are
        candidates."""
        ray = self.ray
        nb = len(self.refs)
        per = _per_task(nb, self.workers)
        groups = max(1, -(-nb // per))
        args = (self.light, ray.put(copies), parts)
        pieces = _shuffle_map(self.refs, _band_rows, args, parts, per, self.workers)
        # the bucket tasks' keys, routed to their verification tasks by a second shuffle
        route = ray.remote(_storing).options(enable_task_events=False)
        rargs = (self.step_ref, self.span, self.where_ref, per)
        keys = [route.remote(_reduce_group_rows, _bucket_route, rargs, *m) for m in pieces.merged]
        del pieces
        routed = _shuffle_map(keys, _as_is, (), groups, 1, self.workers)
        del keys
        vargs = (self.step_ref, self.span, self.where_ref, ray.put(self.refs))
        found = [f for f in _reduced(routed, _verify_group, vargs) if f is not None]
        n_keys = sum(f[0] for f in found)
        if n_keys:
            self.step.passes += 1
        return n_keys, _joined([f[1:] for f in found])

    def run(
        self, sa: np.ndarray, sb: np.ndarray, estimate: bool
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """The pairs (``sa[i]``, ``sb[i]``) compared (with ``estimate``: those the signature
        estimate keeps), as (``sa``, ``sb``, kind, similarity) sorted by (``sa``, ``sb``).
        Counts one verification pass of the step."""
        if sa.size == 0:
            return _joined([])
        ray = self.ray
        self.step.passes += 1
        task = ray.remote(_verify_pairs).options(enable_task_events=False)
        calls = [
            (
                self.step_ref,
                self.refs[own],
                [self.refs[k] for k in others],
                (x, y),
                (x, y),
                estimate,
            )
            for own, x, y, others in _pair_tasks(self.where, sa, sb)
        ]
        return _joined(_gathered(task, calls, self.workers))


def _seqs_of(block: pa.Table) -> np.ndarray:
    if not block.num_rows:
        return np.empty(0, dtype=np.int64)
    return block.column("seq").to_numpy().astype(np.int64)  # type: ignore[no-any-return]


def _seq_bounds(block: pa.Table) -> tuple[int, int, int]:
    """(rows, first ``seq``, last ``seq``) of one block."""
    if not block.num_rows:
        return 0, 0, -1
    seq = block.column("seq").to_numpy()
    return block.num_rows, int(seq.min()), int(seq.max())


class _RayDedup:
    """``DedupBackend`` for ``Dedup.fit_columns`` on the columns ``cols`` of the documents of
    a merge decision. Every LSH candidate pair was verified beforehand on the cluster
    (``pre``: the pairs the signature estimate kept, by ``seq``, with kind and similarity;
    the candidate keys themselves never reach the driver), so ``candidates`` gives none and
    the first ``verify`` fills in ``pre``'s pairs within ``cols``: ``known`` then holds what
    the fit over every document holds for those documents (a candidate the estimate drops
    is in neither). Star rounds verify the pairs they ask for on the cluster. ``extra``: the
    pre-verified pairs with a document outside ``cols`` (all found not similar), for
    ``stats()["verified_pairs"]``."""

    def __init__(
        self,
        cols: dict[str, Any],
        verifier: _SeqVerifier | _InlineVerifier,
        pre: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    ):
        self.cols, self.verifier = cols, verifier
        self.pre = pre
        self.first = True
        #: the pre-verified pairs put into the fit's table (both documents in ``cols``)
        self.added = 0
        in_a, _ = self._inside(pre[0])
        in_b, _ = self._inside(pre[1])
        self.extra = int(pre[0].size - np.count_nonzero(in_a & in_b))

    def _inside(self, seq: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        mine = self.cols["seq"]
        if not mine.size:
            return np.zeros(seq.size, dtype=bool), np.zeros(seq.size, dtype=np.int64)
        pos = np.minimum(np.searchsorted(mine, seq), mine.size - 1)
        return mine[pos] == seq, pos

    def candidates(self, idx: np.ndarray, n: int) -> tuple[np.ndarray, int]:
        """None: the candidates were verified on the cluster (``pre``); the fit's count of
        them is replaced by the cluster's (``stats()["lsh_candidate_pairs"]``)."""
        return np.empty(0, dtype=np.int64), 0

    def verify(
        self,
        lo: np.ndarray,
        hi: np.ndarray,
        known: VerifiedPairs,
        estimate: bool,
    ) -> None:
        seq = self.cols["seq"]
        if self.first and estimate:  # the candidates: verified already
            self.first = False
            sa, sb, kinds, sims = self.pre
            self.pre = _joined([])  # used once: not kept through the star rounds
            in_a, ia = self._inside(sa)
            in_b, ib = self._inside(sb)
            both = in_a & in_b
            known.add(ia[both], ib[both], kinds[both], sims[both])
            self.added = int(np.count_nonzero(both))
            return
        if lo.size == 0:
            return
        sa, sb, kinds, sims = self.verifier.run(seq[lo], seq[hi], estimate)
        known.add(np.searchsorted(seq, sa), np.searchsorted(seq, sb), kinds, sims)


class _InlineVerifier:
    """``Dedup.compare`` of the pairs a star round asks for, in the task that splits a group
    of components into stars (:func:`_group_state`): the same verification units as
    :meth:`_SeqVerifier.run` (one own column block with ≤ ``_TASK_BLOCKS`` partner blocks),
    run one after another in this task instead of as tasks of their own — star rounds ask
    for few pairs. Counts one verification pass of ``step`` per round."""

    def __init__(self, step: Dedup, refs: list[Any], where: _BlockMap):
        self.step, self.refs, self.where = step, refs, where

    def run(
        self, sa: np.ndarray, sb: np.ndarray, estimate: bool
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        if sa.size == 0:
            return _joined([])
        self.step.passes += 1
        ray, refs = _ray(), self.refs
        return _joined(
            [
                _verify_pairs(
                    self.step,
                    ray.get(refs[own]),
                    [refs[k] for k in others],
                    (x, y),
                    (x, y),
                    estimate,
                )
                for own, x, y, others in _pair_tasks(self.where, sa, sb)
            ]
        )


#: documents of a merge decision per group task at most aimed at (:func:`_component_parts`;
#: a component larger than that is one group)
_GROUP_DOCS = 20_000


def _component_parts(
    involved: np.ndarray,
    exact: np.ndarray,
    copy: np.ndarray,
    lead: np.ndarray,
    pre: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    workers: int,
) -> tuple[np.ndarray, int, tuple[np.ndarray, ...]]:
    """The documents of a merge decision (``involved``, sorted ``seq``) cut into groups of
    whole connected components of the merge graph — edges from each exact copy (``exact``
    members with ``copy``) to its group's leader (``lead``), and the pairs of ``pre`` found
    similar — at least 4 per CPU, ≤ ``_GROUP_DOCS`` documents each unless one component is
    larger (:func:`~lawrpt_corpus.dedup.components.component_groups`). Returns each
    document's group, the number of groups and the pairs of ``pre`` whose documents are in
    one group, as (group, ``seq`` a, ``seq`` b, kind, similarity) sorted by group.

    A component's stars depend only on its members' columns and verified pairs (a star
    round asks only for pairs within a component), so each group is fitted on its own
    (:func:`_group_state`). Numpy over the documents of a merge: ~40 B each while it runs
    (the positions, labels and groups), nothing per document kept."""
    n = involved.size
    merged = pre[2] != 0
    a = np.concatenate(
        [np.searchsorted(involved, exact[copy]), np.searchsorted(involved, pre[0][merged])]
    )
    b = np.concatenate(
        [np.searchsorted(involved, lead[copy]), np.searchsorted(involved, pre[1][merged])]
    )
    label = components(n, a, b)
    del a, b
    node_group, count = component_groups(label, max(4 * max(1, workers), -(-n // _GROUP_DOCS)))
    del label
    if n == 0:
        empty = np.empty(0, dtype=np.int64)
        return node_group, count, (empty, empty, empty, np.empty(0, np.int8), np.empty(0))
    pos_a = np.minimum(np.searchsorted(involved, pre[0]), n - 1)
    pos_b = np.minimum(np.searchsorted(involved, pre[1]), n - 1)
    ga, gb = node_group[pos_a], node_group[pos_b]
    sel = np.flatnonzero((involved[pos_a] == pre[0]) & (involved[pos_b] == pre[1]) & (ga == gb))
    order = sel[np.argsort(ga[sel], kind="stable")]
    return node_group, count, (ga[order], *(x[order] for x in pre))


def _components_task(
    exact: np.ndarray,
    copy: np.ndarray,
    lead: np.ndarray,
    pre: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    workers: int,
) -> tuple[int, Any, Any]:
    """Ray task: :func:`_component_parts` of the documents of a merge decision (the exact
    groups' members, and the documents of a pair of ``pre`` found similar), on the cluster:
    the number of groups, and put into the object store by this worker (the coordinator
    holds their references only) the documents' sorted ``seq`` with each one's group, and
    the groups' pairs."""
    merged = pre[2] != 0
    involved = np.union1d(exact, np.concatenate([pre[0][merged], pre[1][merged]]))
    node_group, groups, pairs = _component_parts(involved, exact, copy, lead, pre, workers)
    ray = _ray()
    return groups, ray.put((involved, node_group)), ray.put(pairs)


def _group_rows(batch: pa.Table, nodes: Any, names: list[str]) -> pa.Table:
    """Ray task, the map side of the shuffle to the group tasks: the columns ``names`` of
    the rows of ``batch`` that are documents of a merge decision (``nodes``: their sorted
    ``seq`` and each one's group), the group as ``part``."""
    seqs, group = _got(nodes)
    if not batch.num_rows or not seqs.size:
        return pa.table({"part": pa.array([], pa.int64())})
    seq = batch.column("seq").to_numpy()
    pos = np.minimum(np.searchsorted(seqs, seq), seqs.size - 1)
    hit = np.flatnonzero(seqs[pos] == seq)
    rows = batch.select(names).take(pa.array(hit))
    return rows.append_column("part", pa.array(group[pos[hit]], pa.int64()))


def _group_state(
    rows: pa.Table,
    step: Dedup,
    pairs: tuple[np.ndarray, ...],
    refs: list[Any],
    where: _BlockMap,
) -> Any:
    """Ray task (per part of the shuffle to the group tasks): ``Dedup.fit_columns`` of one
    group of whole components — its documents' columns (``rows``) and the pre-verified
    pairs among them (``pairs``, by group) — rank, exact groups, union-find and the star
    split, star rounds verified here (:class:`_InlineVerifier`). Returns, put into the
    object store by this worker, (the group's state, its star rounds, the pairs its star
    rounds verified)."""
    part = rows.column("part")[0].as_py()
    lo, hi = np.searchsorted(pairs[0], [part, part + 1]).tolist()
    pre = tuple(x[lo:hi] for x in pairs[1:])
    cols = _dedup_columns([rows])
    backend = _RayDedup(cols, _InlineVerifier(step, refs, where), pre)  # type: ignore[arg-type]
    state = step.fit_columns(cols, backend)
    return _ray().put((state, step.passes - 1, step._n_verified - backend.added))


def _merge_groups(
    step: Dedup, documents: int, candidates: int, verified: int, passes: int, *parts: Any
) -> DedupState:
    """Ray task: the group tasks' states (:func:`_group_state`) as the fit's state
    (``Dedup.merged_state``): its ``stats()`` count the corpus's ``documents``, the
    ``candidates``, the pre-verified pairs (``verified``) plus the star rounds' and
    ``passes`` plus the most star rounds a group took (every group's rounds ran alongside:
    one fit's star round verifies every component's requests at once)."""
    got = _resolved(parts)
    rounds = max((g[1] for g in got), default=0)
    star = sum(g[2] for g in got)
    return step.merged_state(
        [g[0] for g in got], documents, candidates, verified + star, passes + rounds
    )


def fit_dedup(step: Dedup, docs: Any, ctx: RayContext) -> DedupState:
    """``Dedup.fit`` on the cluster; the driver gets the state of the documents of a merge.

    Workers emit each document's compact columns, signature and comparison key
    (materialized once; the only Ray Data execution — the rest are plain Ray tasks, whose
    waits cost the driver no executor polling). Exact groups: a shuffle on the key hash
    finds the documents whose text another document shares and ranks each group by the
    fit's rank (its leader stays in LSH, the rest are exact copies): only their ``seq`` and
    whether each is a copy come back. LSH: tasks explode (band, bucket hash, ``seq``) rows of the
    other documents with enough shingles; a shuffle on a coarse part of the hash brings
    each bucket to one task, which pairs its members within ``bucket_window`` (the driver
    fit's rule) and hands each candidate key to the verification task owning its first
    document's block — the keys never reach the driver. Verification tasks make their keys
    unique, apply the signature estimate filter and compare the real shingle sets; only the
    pairs the estimate keeps come back, with kind and similarity, plus the count of keys.
    The merge work then runs per group of whole connected components of the merge graph
    (session 24): a task labels the components of the exact-group members and the
    documents of a pair found similar and cuts them into groups (:func:`_components_task`);
    a shuffle takes their columns from the feature blocks to one task per group, which runs
    ``Dedup.fit_columns`` on it (union-find and stars on its verified pairs; missing star
    edges verified in the task: :func:`_group_state`); one task merges the groups' states
    (:func:`_merge_groups`). A star round asks only for pairs within a component, so the
    groups' stars are those of one fit over all of them. The coordinator holds the exact
    members, the estimate-kept pairs and a reference per group — no columns. A document in
    no exact group and no verified pair is in no group: ``apply`` leaves it as it is, as
    the fit over every document would (same entries for every other document, same
    ``stats()``: the counts of documents, candidate and verified pairs are the corpus's).
    """
    light = params_only(step)
    feats = _map(docs, ctx, _dedup_rows, light, bounds=True).materialize()
    verifier = _SeqVerifier(step, light, feats, ctx.workers)
    n_docs, span = verifier.documents, verifier.span  # seq < span: keys lo * span + hi
    if span > 3_037_000_499:  # span² must fit in int64
        raise ValueError("dedup: too many inputs for 64-bit candidate keys")
    exact = copies = lead = np.empty(0, dtype=np.int64)
    is_copy = np.empty(0, dtype=bool)
    if n_docs > 1:
        parts = _partitions(n_docs, ctx.workers)
        got = _shuffled(verifier.refs, _hash_rows, (parts,), parts, _exact_members, (), ctx.workers)
        # the exact groups' members, each with its leader and, ranked by the reducers,
        # whether it is a copy
        seqs = _column(got, "seq", np.int64)
        order = np.argsort(seqs, kind="stable")
        exact = seqs[order]
        is_copy = _column(got, "copy", bool)[order]
        lead = _column(got, "lead", np.int64)[order]
        copies = exact[is_copy]
        del got, seqs, order
    step.passes = 1
    n_keys, pre = 0, _joined([])
    if n_docs - copies.size > 1:
        n_keys, pre = verifier.candidates(copies, _partitions(n_docs * step.bands, ctx.workers))
    del copies
    # the merge work per group of whole components, in tasks (session 24): a task labels the
    # components and cuts them into groups; the documents' columns go from the feature
    # blocks to their group's task by a shuffle, never here
    ray = _ray()
    label = ray.remote(_components_task).options(enable_task_events=False)
    groups, nodes, pairs = ray.get(label.remote(exact, is_copy, lead, pre, ctx.workers))
    n_pre = int(pre[0].size)
    del exact, is_copy, lead, pre
    states: list[Any] = []
    if groups:
        per = _per_task(len(verifier.refs), ctx.workers)
        pieces = _shuffle_map(
            verifier.refs, _group_rows, (nodes, _DEDUP_COLUMNS), groups, per, ctx.workers
        )
        gargs = (verifier.step_ref, pairs, ray.put(verifier.refs), verifier.where_ref)
        states = [r for r in _reduced(pieces, _group_state, gargs) if r is not None]
        del pieces, gargs
    del nodes, pairs
    merge = _ray().remote(_merge_groups).options(enable_task_events=False)
    state: DedupState = _ray().get(merge.remote(light, n_docs, n_keys, n_pre, step.passes, *states))
    step.passes = state.stats["passes"]
    return state


# -- RepeatedLines -------------------------------------------------------------------------
def _line_rows(batch: pa.Table, step: RepeatedLines) -> pa.Table:
    """Ray task: each document's text hash and packed edge / body line hashes."""
    seq, key, edge, body = [], [], [], []
    for doc in RayContext.documents(batch):
        k, e, b = step.line_features(doc)
        seq.append(doc.seq)
        key.append(k)
        edge.append(e.tobytes())
        body.append(b.tobytes())
    return pa.table(
        {
            "seq": pa.array(seq, pa.int64()),
            "dh": _u64_as_i64(key),
            "edge": pa.array(edge, pa.binary()),
            "body": pa.array(body, pa.binary()),
        }
    )


def _later_in(group: pa.Table) -> pa.Table:
    """Ray task: the ``seq`` of every document of one coarse part of the text hashes whose
    text hash an earlier document has (every document of a text hash is in its part)."""
    dh, seq = group.column("dh").to_numpy(), group.column("seq").to_numpy()
    order = np.lexsort((seq, dh))
    dh, seq = dh[order], seq[order]
    later = np.zeros(seq.size, dtype=bool)
    later[1:] = dh[1:] == dh[:-1]
    return pa.table({"seq": seq[later].astype(np.int64)})


def _dh_rows(block: pa.Table, parts: int) -> pa.Table:
    """Ray task: (part, text hash, ``seq``) of each document of a feature block."""
    dh = block.column("dh").to_numpy()
    return pa.table({"part": _part(dh, parts), "dh": dh, "seq": block.column("seq").to_numpy()})


def _later_copies(feats: Any, n_docs: int, workers: int) -> np.ndarray:
    """Sorted ``seq`` of every document whose text hash an earlier document has, found by a
    shuffle on the text hash: only the later copies reach the driver (8 B each), not the
    (``seq``, text hash) of every document."""
    refs = feats.to_arrow_refs()
    parts = _partitions(n_docs, workers)
    return np.sort(
        _column(_shuffled(refs, _dh_rows, (parts,), parts, _later_in, (), workers), "seq", np.int64)
    )


def _explode_lines(batch: pa.Table, skip: Any, parts: int) -> pa.Table:
    """Ray task: (part, line hash, near an edge, seq) of each line of each distinct document
    (``skip``: sorted ``seq`` of the later copies of a text)."""
    skip = _got(skip)
    seq = batch.column("seq").to_numpy()
    keep = np.flatnonzero(~np.isin(seq, skip))
    hs, edge, seqs = [], [], []
    for col, is_edge in (("edge", True), ("body", False)):
        blobs = batch.column(col).take(pa.array(keep)).to_pylist()
        for q, blob in zip(seq[keep].tolist(), blobs, strict=True):
            arr = np.frombuffer(blob, dtype=np.int64)
            hs.append(arr)
            edge.append(np.full(arr.size, is_edge))
            seqs.append(np.full(arr.size, q, dtype=np.int64))
    h = np.concatenate(hs) if hs else np.empty(0, dtype=np.int64)
    return pa.table(
        {
            "part": _part(h, parts),
            "h": h,
            "edge": np.concatenate(edge) if edge else np.empty(0, dtype=bool),
            "seq": np.concatenate(seqs) if seqs else np.empty(0, dtype=np.int64),
        }
    )


def _count_lines(group: pa.Table, min_docs: int) -> pa.Table:
    """Ray task: the lines of one coarse group that are in ≥ ``min_docs`` documents, with
    their edge occurrences and the first document (``seq``) holding them."""
    h = group.column("h").to_numpy()
    seq = group.column("seq").to_numpy()
    e = group.column("edge").to_numpy(zero_copy_only=False).astype(np.int64)
    order = np.lexsort((seq, h))
    h, seq, e = h[order], seq[order], e[order]
    start = np.ones(h.size, dtype=bool)
    start[1:] = h[1:] != h[:-1]
    starts = np.flatnonzero(start)
    counts = np.diff(np.append(starts, h.size))
    edges = np.add.reduceat(e, starts) if h.size else np.empty(0, dtype=np.int64)
    ok = counts >= min_docs
    return pa.table(
        {
            "h": h[starts][ok],
            "docs": counts[ok].astype(np.int64),
            "edge": edges[ok].astype(np.int64),
            "first": seq[starts][ok],
        }
    )


def _line_samples(batch: pa.Table, step: RepeatedLines, wanted: Any) -> pa.Table:
    """Ray task: the first text of each wanted line hash in this block's documents among
    ``wanted``'s first documents, with its ``seq``."""
    hashes, first = _got(wanted)
    seq = batch.column("seq").to_numpy()
    keep = np.flatnonzero(np.isin(seq, first))
    docs = RayContext.documents(batch.take(pa.array(keep))) if keep.size else []
    found = step.first_samples(docs, hashes)
    items = sorted(found.items())
    return pa.table(
        {
            "h": _u64_as_i64([h for h, _ in items]),
            "seq": pa.array([q for _, (q, _) in items], pa.int64()),
            "text": pa.array([t.encode("utf-8", "surrogatepass") for _, (_, t) in items]),
        }
    )


def fit_repeated_lines(step: RepeatedLines, docs: Any, ctx: RayContext) -> RepeatedLinesState:
    """``RepeatedLines.fit`` on the cluster.

    Workers emit each document's text hash and line hashes (materialized once). The driver
    reads the (``seq``, text hash) columns (16 B per document) and finds the later copies of
    a text (counted once, as ``fit()`` does). Workers explode (line hash, edge, seq) rows of
    the other documents; a shuffle on the line hash counts documents, edge occurrences and
    the first document per line; only lines in ≥ ``min_docs`` documents come back. Their
    sample texts (first seen in input order) are read from those first documents only.
    Counts are exact: no pruning (``stats()["pruned"]`` is 0).
    """
    ray = _ray()
    light = params_only(step)
    feats = _map(docs, ctx, _line_rows, light).materialize()
    n_docs = feats.count()
    skip = _later_copies(feats, n_docs, ctx.workers)
    parts = _partitions(n_docs * _LINES_PER_DOC, ctx.workers)
    counted = _shuffled(
        feats.to_arrow_refs(),
        _explode_lines,
        (ray.put(skip), parts),
        parts,
        _count_lines,
        (step.min_docs,),
        ctx.workers,
    )
    h = _column(counted, "h", np.int64).view(np.uint64).tolist()
    candidates = dict(zip(h, _column(counted, "docs", np.int64).tolist(), strict=True))
    edge_of = dict(zip(h, _column(counted, "edge", np.int64).tolist(), strict=True))
    first = dict(zip(h, _column(counted, "first", np.int64).tolist(), strict=True))
    samples: dict[int, str] = {}
    if candidates:
        wanted = ray.put((frozenset(candidates), np.unique(np.array(list(first.values())))))
        for t in _tables(_map(docs, ctx, _line_samples, light, wanted)):
            for hh, q, text in zip(
                t.column("h").to_numpy().view(np.uint64).tolist(),
                t.column("seq").to_pylist(),
                t.column("text").to_pylist(),
                strict=True,
            ):
                if q == first[hh]:
                    samples[hh] = text.decode("utf-8", "surrogatepass")
    return step.fit_counts(candidates, edge_of, samples, n_docs, n_docs - int(skip.size), 0)


# -- SiteRepeat ----------------------------------------------------------------------------
class _BlockDocs:
    """The documents of ``blocks`` (Arrow tables ``seq``, ``doc``), in input order, one block
    fetched at a time; re-iterable (each pass fetches the blocks again)."""

    def __init__(self, blocks: Sequence[Any]):
        self.blocks = blocks

    def __iter__(self) -> Iterator[Document]:
        ray = _ray()
        for ref in self.blocks:
            yield from RayContext.documents(ray.get(ref))


class _DatasetDocs:
    """The documents of a ``docs`` dataset, in order (when the engine gives no blocks)."""

    def __init__(self, docs: Any, rows: int):
        self.docs, self.rows = docs, rows

    def __iter__(self) -> Iterator[Document]:
        for batch in self.docs.iter_batches(batch_size=self.rows, batch_format="pyarrow"):
            yield from RayContext.documents(batch)


def fit_site_repeat(step: SiteRepeat, docs: Any, ctx: RayContext) -> SiteRepeatState:
    """``SiteRepeat.fit`` itself, run by the coordinating task (:func:`coordinated`) over
    the kept blocks in input order: the state is ``fit()``'s by construction, and no document
    passes through the driver. Not parallel (the fit is two streaming passes of cheap
    per-document work over features the workers computed in ``prepare``); a shuffle by host
    is the follow-up if it ever weighs."""
    stream = (
        _BlockDocs(ctx.blocks) if ctx.blocks is not None else _DatasetDocs(docs, ctx.block_rows)
    )
    state: SiteRepeatState = params_only(step).fit(stream)
    return state


def register() -> None:
    """Fit ``ExactDedup``, ``Dedup``, ``RepeatedLines`` and ``SiteRepeat`` on the cluster
    (``RayEngine``'s cluster fits; ``Templates``: :func:`.ray_templates.register`)."""
    # coordinated by a task on the cluster: the driver owns none of their objects
    register_distributed_fit(ExactDedup, coordinated(fit_exact_dedup))
    register_distributed_fit(Dedup, coordinated(fit_dedup))
    register_distributed_fit(RepeatedLines, coordinated(fit_repeated_lines))
    register_distributed_fit(SiteRepeat, coordinated(fit_site_repeat))
