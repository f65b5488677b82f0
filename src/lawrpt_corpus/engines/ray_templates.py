"""The cluster fit of :class:`~lawrpt_corpus.boilerplate.Templates` for the Ray engine
(:func:`register`, called by the engine; the step's module never imports Ray).

What the driver holds is bounded by the templates *kept*, not by the documents:

Each "task per block" below maps a group of the engine's blocks as one batch (≤ 512
documents: :func:`.ray_fits._fit_blocks`, session 23).

1. **Features** (a task per block, materialized once in the object store): each document's
   text hash, template hashes (edge / body), span-window hashes and sketch
   (``Templates.features``).
2. **Later copies of a text** (a shuffle on the text hash): their sorted ``seq`` stay in the
   object store (one array, read by the tasks of step 3); the driver gets their *number*.
3. **Counting** (a shuffle on the template / window hash): each reducer counts the distinct
   texts holding each hash of its part and keeps the *candidates* (``fit()``'s first pass:
   ≥ ``min_reports`` texts, ``edge_share`` of them near an edge for a template line). The
   candidate tables stay in the object store; a task joins their hashes into one sorted
   array (in the object store too) for step 4.
4. **Holders** (a task per block): (hash, ``seq``, sketch, sample) of each candidate a
   document holds, shuffled on the hash *into the same parts (and groups of parts) as step
   3*, so the reducer of a group gets its parts' candidate tables and holders and, per
   part, runs ``fit()``'s second pass
   (``Templates.keep_unrelated`` over the holders in input order, the first holder's
   sample) and the step's own verdict (``Templates.fit_result`` on the part). It returns a
   ``TemplatesState`` per part with candidates: the strict template and window hashes of
   the part and its report rows (≤ ``report_top``).
5. **Coordinator**: takes the parts' states as they finish (``ray.wait``) and merges each
   into one (``Templates.merge_results``: union of strict hashes, top report rows): at any
   time it holds the strict hashes found so far, ≤ ``report_top`` rows and the references
   of the unfinished parts. The coordinator is a task on the cluster
   (:func:`.ray_fits.coordinated`: it owns the intermediate objects; Ray keeps those under
   100 KB in their owner's memory); the driver waits for its one result, the state.

6. **Bare names** (``span.bare``, when ``Templates.bare``; ``fit()``'s two bare passes):
   pass 1, a task per block counts the 4-grams / bigrams of its *distinct* texts (the later
   copies of step 2 skipped, as ``fit()`` counts each text once) and returns the non-zero
   buckets; a chain of tasks adds them into one ``BareCounts`` (fixed size, ~36 MB at the
   default ``bare_bits``; it stays in the object store, at most two alive). Pass 2, a task
   per block finds each distinct text's candidates given the tables (``bare_candidates``)
   and emits (token, ``seq``, sketch, occurrences, glued), shuffled on a stable hash of the
   token: a reducer takes each token's holders in input order (``bare_unrelated``'s greedy
   choice, its glued share) and returns ``fit_result`` with only ``bare``; the coordinator
   merges those states with the others. Sums of per-text counts and a per-token greedy in
   ``seq`` order: exactly ``fit()``'s result.

No per-document verdict exists: ``apply`` (in the final pass tasks) reads the state and
each document's own features. The state equals ``fit()``'s (tests/engines/test_ray.py);
counts are exact — no pruning (``stats()["pruned"]`` is 0; ``fit()`` prunes only beyond
``max_entries`` distinct hashes).
"""

from __future__ import annotations

import zlib
from typing import Any

import numpy as np
import pyarrow as pa

from ..boilerplate.templates import BareCounts, Templates, TemplatesState, paragraph_lines, related
from ..pipeline import params_only
from .fits import RayContext, register_distributed_fit
from .ray_fits import (
    _LINES_PER_DOC,
    _as_is,
    _concat,
    _dh_rows,
    _got,
    _later_in,
    _map,
    _part,
    _partitions,
    _per_task,
    _ray,
    _reduce_group,
    _resolved,
    _shuffle_map,
    _u64_as_i64,
    _window,
    coordinated,
)

#: kinds of a template-hash row: a template line in the body / near an edge, a span window
_BODY, _EDGE, _SPAN = 0, 1, 2
#: blocks' bucket tables added per link of the bare-name pass-1 fold
_BARE_FOLD = 8


def _phase(name: str) -> None:
    """Called at the start of each driver phase of :func:`fit_templates` (a no-op; a
    benchmark replaces it to measure the driver by phase: benchmarks/bench_templates_fit.py)."""


def _template_rows(batch: pa.Table, step: Templates) -> pa.Table:
    """Ray task: each document's text hash, packed template hashes (edge, body), span-window
    hashes and sketch (``Templates.prepare``'s features)."""
    seq, key, edge, body, span, sk = [], [], [], [], [], []
    for doc in RayContext.documents(batch):
        k, e, b, sp, sketch = step.features(doc)
        seq.append(doc.seq)
        key.append(k)
        edge.append(e.tobytes())
        body.append(b.tobytes())
        span.append(sp.tobytes())
        sk.append(sketch)
    return pa.table(
        {
            "seq": pa.array(seq, pa.int64()),
            "dh": _u64_as_i64(key),
            "edge": pa.array(edge, pa.binary()),
            "body": pa.array(body, pa.binary()),
            "span": pa.array(span, pa.binary()),
            "sketch": pa.array(sk, pa.binary()),
        }
    )


def _sorted_seqs(*groups: list[pa.Table | None]) -> tuple[np.ndarray, int]:
    """Ray task: the sorted ``seq`` column of the tables of ``groups`` (the later copies of
    a text: a list per group of parts of the text-hash shuffle, a table per part) and its
    length."""
    tables = [t for group in groups for t in group]
    got = [t.column("seq").to_numpy() for t in tables if t is not None and t.num_rows]
    seqs = np.sort(np.concatenate(got)) if got else np.empty(0, dtype=np.int64)
    return seqs.astype(np.int64, copy=False), int(seqs.size)


def _later_copies_ref(refs: list[Any], n_docs: int, workers: int) -> tuple[Any, int]:
    """The sorted ``seq`` of every document whose text hash an earlier document has, as a
    reference (it stays in the object store), and how many there are: a shuffle on the text
    hash whose results a task joins."""
    ray = _ray()
    parts = _partitions(n_docs, workers)
    per_task = _per_task(len(refs), workers)
    pieces = _shuffle_map(refs, _dh_rows, (parts,), parts, per_task, workers)
    reduce = ray.remote(_reduce_group).options(enable_task_events=False)
    later = [reduce.remote(_later_in, (), *m) for m in pieces.merged]  # ≤ W / 4 tasks
    seqs, size = (
        ray.remote(_sorted_seqs).options(num_returns=2, enable_task_events=False).remote(*later)
    )
    return seqs, int(ray.get(size))


def _explode_templates(batch: pa.Table, skip: Any, parts: int) -> pa.Table:
    """Ray task: (part, hash, kind) of each template / window hash of each distinct
    document (``skip``: sorted ``seq`` of the later copies of a text)."""
    skip = _got(skip)
    seq = batch.column("seq").to_numpy()
    keep = np.flatnonzero(~np.isin(seq, skip))
    hs, kinds = [], []
    for col, kind in (("edge", _EDGE), ("body", _BODY), ("span", _SPAN)):
        for blob in batch.column(col).take(pa.array(keep)).to_pylist():
            arr = np.frombuffer(blob, dtype=np.int64)
            hs.append(arr)
            kinds.append(np.full(arr.size, kind, dtype=np.int8))
    h = np.concatenate(hs) if hs else np.empty(0, dtype=np.int64)
    return pa.table(
        {
            "part": _part(h, parts),
            "h": h,
            "kind": np.concatenate(kinds) if kinds else np.empty(0, dtype=np.int8),
        }
    )


def _count_templates(group: pa.Table, step: Templates) -> pa.Table:
    """Ray task: the candidates of one coarse group — template hashes in ≥ ``min_reports``
    distinct texts, ``edge_share`` of them near an edge; window hashes in ≥ ``min_reports``
    — with their counts (``Templates.fit``'s first pass). Template rows first, then
    window rows, each by hash."""
    h = group.column("h").to_numpy()
    kind = group.column("kind").to_numpy()
    out = {"h": [], "line": [], "count": []}  # type: dict[str, list[Any]]
    for is_span in (False, True):
        sel = kind == _SPAN if is_span else kind != _SPAN
        hh, kk = h[sel], kind[sel]
        order = np.argsort(hh, kind="stable")
        hh, kk = hh[order], kk[order]
        start = np.ones(hh.size, dtype=bool)
        start[1:] = hh[1:] != hh[:-1]
        starts = np.flatnonzero(start)
        counts = np.diff(np.append(starts, hh.size))
        if is_span:
            ok = counts >= step.min_reports
        else:
            edges = np.add.reduceat((kk == _EDGE).astype(np.int64), starts) if hh.size else counts
            ok = (counts >= step.min_reports) & (edges >= step.edge_share * counts)
        out["h"].append(hh[starts][ok])
        out["line"].append(np.full(int(ok.sum()), not is_span))
        out["count"].append(counts[ok].astype(np.int64))
    return pa.table({k: np.concatenate(v) for k, v in out.items()})


def _candidate_hashes(*groups: list[pa.Table | None]) -> tuple[np.ndarray, int]:
    """Ray task: every candidate hash of the counting parts (a list of tables per group of
    parts; int64 view), sorted and unique, and how many there are."""
    tables = [t for group in groups for t in group]
    got = [t.column("h").to_numpy() for t in tables if t is not None and t.num_rows]
    h = np.unique(np.concatenate(got)) if got else np.empty(0, dtype=np.int64)
    return h, int(h.size)


def _template_holders(batch: pa.Table, step: Templates, wanted: Any, parts: int) -> pa.Table:
    """Ray task: (part, hash, seq, sketch, sample) of each candidate hash each document
    holds (``wanted``: the sorted candidate hashes; every document, later copies included,
    as the fit's second pass reads them): ``sample`` is the document's line or window for
    the hash, ``found`` whether it has one (its text may have changed since ``prepare``)."""
    wanted = _got(wanted)
    hs, seqs, sketches, samples, found = [], [], [], [], []
    for doc in RayContext.documents(batch):
        _, e, body, sp, sk = step.features(doc)
        mine = np.concatenate([np.frombuffer(a, dtype=np.int64) for a in (e, body, sp)])
        if not mine.size or not wanted.size:
            continue
        pos = np.minimum(np.searchsorted(wanted, mine), wanted.size - 1)
        hits = mine[wanted[pos] == mine].view(np.uint64).tolist()
        if not hits:
            continue
        held = list(dict.fromkeys(hits))  # in the order fit()'s second pass meets them
        texts = step.texts(doc, set(held))
        for h in held:
            hs.append(h)
            seqs.append(doc.seq)
            sketches.append(sk)
            text = texts.get(h)
            samples.append((text or "").encode("utf-8", "surrogatepass"))
            found.append(text is not None)
    hashes = _u64_as_i64(hs)
    return pa.table(
        {
            "part": _part(hashes, parts),
            "h": hashes,
            "seq": pa.array(seqs, pa.int64()),
            "sketch": pa.array(sketches, pa.binary()),
            "sample": pa.array(samples, pa.binary()),
            "found": pa.array(found, pa.bool_()),
        }
    )


def _strict_part(
    step: Templates, candidates: pa.Table | None, *pieces: pa.Table | None
) -> TemplatesState | None:
    """Ray task, the reduce side of the holders' shuffle for one part: ``fit()``'s second
    pass over the part's holders (per candidate, ``Templates.keep_unrelated`` over its
    holders in input order; the sample of its first holder that has one) and the step's
    verdict on the part's ``candidates`` (``Templates.fit_result``: strict hashes, report
    rows). None when the part has no candidate."""
    if candidates is None or not candidates.num_rows:
        return None
    line_cands: set[int] = set()
    all_spans: set[int] = set()
    counts: dict[int, int] = {}
    for h, is_line, n in zip(
        candidates.column("h").to_numpy().view(np.uint64).tolist(),
        candidates.column("line").to_pylist(),
        candidates.column("count").to_pylist(),
        strict=True,
    ):
        if is_line:
            line_cands.add(h)
            counts.setdefault(h, n)  # a window count of the same hash wins
        else:
            all_spans.add(h)
            counts[h] = n
    unrelated: dict[int, int] = {}
    samples: dict[int, str] = {}
    holders = _concat(pieces)
    if holders is not None:
        holders = holders.sort_by([("h", "ascending"), ("seq", "ascending")])
        h = holders.column("h").to_numpy().view(np.uint64)
        sketches = holders.column("sketch").to_pylist()
        texts = holders.column("sample").to_pylist()
        found = holders.column("found").to_pylist()
        i = 0
        while i < h.size:
            key, j = int(h[i]), i
            got: list[bytes] = []
            while j < h.size and h[j] == h[i]:
                step.keep_unrelated(got, sketches[j])
                if key not in samples and found[j]:
                    samples[key] = texts[j].decode("utf-8", "surrogatepass")
                j += 1
            unrelated[key] = len(got)
            i = j
    return step.fit_result(line_cands, all_spans, counts, unrelated, samples, 0, 0, 0)


def _strict_group(
    step: Templates, candidates: list[pa.Table | None], *groups: Any
) -> list[TemplatesState]:
    """Ray task, the reduce side of the holders' shuffle for one group of parts: the
    :func:`_strict_part` of each part of the group that has candidates (``candidates``:
    the counting reducer's tables of the same group, one per part; ``groups``: the group's
    merged holder pieces, :func:`.ray_fits._shuffle_map`)."""
    merged = [g for g in _resolved(groups) if g is not None]
    out = []
    for i, cands in enumerate(candidates):
        state = _strict_part(step, cands, *(g[i] for g in merged))
        if state is not None:
            out.append(state)
    return out


# -- the bare-name layer (span.bare): Templates.fit()'s bare passes on the cluster ---------
def _bare_count_rows(batch: pa.Table, step: Templates, skip: Any) -> pa.Table:
    """Ray task, pass 1 of the bare-name layer over one block: the non-zero buckets
    (``kind`` 4: a 4-gram with its ``df`` and ``tf``; 2: a bigram with its ``tf``) of the
    ``BareCounts`` of the block's distinct texts (``skip``: sorted ``seq`` of the later
    copies of a text, as ``fit()`` counts only a text's first occurrence). The tables of
    the blocks add up to ``fit()``'s: each text adds its own counts."""
    skip = _got(skip)
    counts = step.bare_tables()
    counts.count_many(
        paragraph_lines(doc.text, step.bare_line_chars)
        for doc in RayContext.documents(batch)
        if not _is_later(doc.seq, skip)
    )
    b4 = np.flatnonzero(counts.tf4)  # a bucket a text holds has df4 and tf4 >= 1
    b2 = np.flatnonzero(counts.tf2)
    return pa.table(
        {
            "kind": np.concatenate([np.full(b4.size, 4, np.int8), np.full(b2.size, 2, np.int8)]),
            "b": np.concatenate([b4, b2]).astype(np.int64),
            "df": np.concatenate([counts.df4[b4], np.zeros(b2.size, np.uint32)]),
            "tf": np.concatenate([counts.tf4[b4], counts.tf2[b2]]),
        }
    )


def _is_later(seq: int, skip: np.ndarray) -> bool:
    i = int(np.searchsorted(skip, seq))
    return i < skip.size and int(skip[i]) == seq


def _bare_sum(
    step: Templates, acc: BareCounts | None, *tables: pa.Table | None
) -> tuple[BareCounts, bool]:
    """Ray task, one link of the pass-1 fold: ``acc`` (empty tables when None) plus the
    blocks' bucket rows (:func:`_bare_count_rows`), and whether a 4-gram bucket is in
    ``bare_min_reports`` texts already (else pass 2 finds nothing: ``bare_unrelated``)."""
    out = step.bare_tables()
    if acc is not None:
        out.add(acc)  # a copy: an object fetched from the store is read-only
    for t in tables:
        if t is None or not t.num_rows:
            continue
        kind = t.column("kind").to_numpy()
        b = t.column("b").to_numpy()
        four = kind == 4
        out.df4[b[four]] += t.column("df").to_numpy()[four]  # buckets unique per table
        out.tf4[b[four]] += t.column("tf").to_numpy()[four]
        out.tf2[b[~four]] += t.column("tf").to_numpy()[~four]
    return out, step.bare_possible(out)


def _bare_holders(batch: pa.Table, step: Templates, counts: Any, skip: Any, parts: int) -> pa.Table:
    """Ray task, pass 2 of the bare-name layer over one block: (part, token, seq, sketch,
    occurrences, glued occurrences) of each bare-name candidate each distinct text holds
    (``Templates.bare_candidates`` given the corpus tables ``counts``); ``part`` from a
    stable hash of the token."""
    counts, skip = _got(counts), _got(skip)
    part, token, seqs, sketches, n_all, n_glued = [], [], [], [], [], []  # type: ignore[var-annotated]
    for doc in RayContext.documents(batch):
        if _is_later(doc.seq, skip):
            continue
        found = step.bare_candidates(doc, counts)
        if not found:
            continue
        sk = step.features(doc)[4]
        every: dict[str, list[int]] = {}
        for t, glued in found:
            c = every.setdefault(t, [0, 0])
            c[0] += 1
            c[1] += glued
        for t in sorted(every):
            raw = t.encode("utf-8", "surrogatepass")
            part.append(zlib.crc32(raw) % parts)
            token.append(raw)
            seqs.append(doc.seq)
            sketches.append(sk)
            n_all.append(every[t][0])
            n_glued.append(every[t][1])
    return pa.table(
        {
            "part": pa.array(part, pa.int64()),
            "token": pa.array(token, pa.binary()),
            "seq": pa.array(seqs, pa.int64()),
            "sketch": pa.array(sketches, pa.binary()),
            "all": pa.array(n_all, pa.int64()),
            "glued": pa.array(n_glued, pa.int64()),
        }
    )


def _bare_part(group: pa.Table, step: Templates) -> TemplatesState:
    """Ray task, the reduce side of the bare holders' shuffle for one part: per token, its
    holders in input order — ``Templates.bare_unrelated``'s greedy choice of mutually
    unrelated holders, its glued share — and the step's verdict on them
    (``Templates.fit_result`` with only ``bare``)."""
    group = group.sort_by([("token", "ascending"), ("seq", "ascending")])
    tokens = group.column("token").to_pylist()
    sketches = group.column("sketch").to_pylist()
    n_all = group.column("all").to_pylist()
    n_glued = group.column("glued").to_pylist()
    k = step.bare_min_reports
    bare: dict[str, tuple[int, int]] = {}
    i = 0
    while i < len(tokens):
        j, got, seen_all, seen_glued = i, [], 0, 0  # type: ignore[var-annotated]
        while j < len(tokens) and tokens[j] == tokens[i]:
            seen_all += n_all[j]
            seen_glued += n_glued[j]
            if len(got) < k and all(
                not related(sketches[j], other, step.sketch_size, step.relate_jaccard)
                for other in got
            ):
                got.append(sketches[j])
            j += 1
        unrelated = len(got) if seen_glued >= step.bare_glued_share * seen_all else 0
        bare[tokens[i].decode("utf-8", "surrogatepass")] = (j - i, unrelated)
        i = j
    return step.fit_result(set(), set(), {}, {}, {}, 0, 0, 0, bare)


def _bare_counts_ref(light: Templates, docs: Any, ctx: RayContext, skip: Any) -> tuple[Any, Any]:
    """Pass 1 on the cluster: per-block bucket rows, folded into one ``BareCounts`` by a
    chain of tasks (``_TASK_BLOCKS`` blocks per link: at most two dense tables alive);
    the references of the tables and of whether pass 2 can find anything."""
    ray = _ray()
    refs = _map(docs, ctx, _bare_count_rows, light, skip).to_arrow_refs()
    fold = ray.remote(_bare_sum).options(num_returns=2, enable_task_events=False)
    acc, any_ref = None, None
    links: list[Any] = []  # the unfinished links of the chain: ≤ the window
    for i in range(0, max(1, len(refs)), _BARE_FOLD):
        acc, any_ref = fold.remote(light, acc, *refs[i : i + _BARE_FOLD])
        links.append(any_ref)
        if len(links) >= _window(ctx.workers):
            ray.wait(links[:1], num_returns=1, fetch_local=False)
            del links[0]
    return acc, any_ref


def _bare_states(
    light: Templates, docs: Any, ctx: RayContext, counts: Any, skip: Any, n_docs: int
) -> list[Any]:
    """Pass 2 on the cluster: the candidates of each block's distinct texts, shuffled on
    the token; the references of the parts' ``TemplatesState`` (None for an empty part)."""
    ray = _ray()
    parts = _partitions(n_docs, ctx.workers)
    holders = _map(docs, ctx, _bare_holders, light, counts, skip, parts).to_arrow_refs()
    per_task = _per_task(len(holders), ctx.workers)
    pieces = _shuffle_map(holders, _as_is, (), parts, per_task, ctx.workers)
    reduce = ray.remote(_reduce_group).options(enable_task_events=False)
    return [reduce.remote(_bare_part, (light,), *m) for m in pieces.merged]  # ≤ W / 4


def fit_templates(step: Templates, docs: Any, ctx: RayContext) -> TemplatesState:
    """``Templates.fit`` on the cluster (the module docstring: the phases). Registered as
    ``ray_fits.coordinated(fit_templates)``: with the engine's blocks, a task on the
    cluster runs this and owns every intermediate object; the driver gets the state."""
    ray = _ray()
    light = params_only(step)
    _phase("features")
    feats = _map(docs, ctx, _template_rows, light).materialize()
    n_docs = feats.count()
    merged = light.merge_results((), n_docs, n_docs, 0)
    if not n_docs:
        return merged
    _phase("later_copies")
    refs = feats.to_arrow_refs()
    skip, n_later = _later_copies_ref(refs, n_docs, ctx.workers)
    _phase("count")
    parts = _partitions(n_docs * _LINES_PER_DOC, ctx.workers)
    per_task = _per_task(len(refs), ctx.workers)
    pieces = _shuffle_map(refs, _explode_templates, (skip, parts), parts, per_task, ctx.workers)
    reduce = ray.remote(_reduce_group).options(enable_task_events=False)
    # one reducer per group of parts (≤ W / 4): a list of candidate tables, one per part
    candidates = [reduce.remote(_count_templates, (light,), *m) for m in pieces.merged]
    del pieces
    wanted, n_wanted = (
        ray.remote(_candidate_hashes)
        .options(num_returns=2, enable_task_events=False)
        .remote(*candidates)
    )
    n_distinct = n_docs - n_later
    bare_counts = _bare_counts_ref(light, docs, ctx, skip) if light.bare else None
    pending: list[Any] = []
    if ray.get(n_wanted):
        _phase("holders")
        holders = _map(docs, ctx, _template_holders, light, wanted, parts).to_arrow_refs()
        per_holders = _per_task(len(holders), ctx.workers)
        pieces = _shuffle_map(holders, _as_is, (), parts, per_holders, ctx.workers)
        # the same groups of parts as the counting
        strict = ray.remote(_strict_group).options(enable_task_events=False)
        pending = [
            strict.remote(light, c, *m) for c, m in zip(candidates, pieces.merged, strict=True)
        ]
        del pieces, holders
    del candidates
    if bare_counts is not None:
        _phase("bare")
        counts, any_ref = bare_counts
        if ray.get(any_ref):
            pending += _bare_states(light, docs, ctx, counts, skip, n_docs)
        del counts, bare_counts
    _phase("merge")
    while pending:  # the parts' states as they finish, merged at once
        ready, pending = ray.wait(pending, num_returns=1)
        got = [s for s in ray.get(ready)[0] if s is not None]  # a group's states
        merged = light.merge_results((merged, *got))
    _phase("done")
    return light.merge_results((merged,), n_docs, n_distinct, 0)


def register() -> None:
    """Fit ``Templates`` on the cluster (``RayEngine``'s cluster fits), coordinated by a
    task (:func:`.ray_fits.coordinated`)."""
    register_distributed_fit(Templates, coordinated(fit_templates))
