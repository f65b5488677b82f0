"""What the ``Dedup`` cluster fit's coordinator holds, structure by structure.

    PYTHONPATH=src python benchmarks/bench_dedup_coordinator.py --docs 10000 30000 \
        --blocks-dir /tmp/blocks --baseline main

The same blocks as ``benchmarks/bench_templates_fit.py`` (its ``--prep``; with
``--blocks-dir`` each size is prepared once and shared with that benchmark's
``--blocks-dir``). For this tree and ``--baseline`` REV's ``src``, a fresh process puts the
blocks into a local Ray instance of 2 CPUs and runs the ``Dedup`` cluster fit coordinated in
itself (``ray_fits.COORDINATE_ON_CLUSTER = False``: the coordinating task's code), wrapping
its functions to mark phases and to measure, as they are made:

* ``peak_MB``: peak RSS above the fit's start in each phase (sampled every 5 ms);
  ``anon_peak_MB``: the same of the process's own pages (resident − shared: without the
  object store's shared-memory pages it maps while it reads an object);
* ``pre``: the pairs the signature estimate kept (the cluster's verification result);
* ``columns``: the columns read for the exact groups and for the documents of a merge
  (before session 24; since, they go to the group tasks: ``groups``, the documents of a
  merge and the groups of components they were cut into);
* ``known``: the verified pairs kept until the stars are split — their bytes (a dict's:
  entries, key and value tuples, ints and floats by ``sys.getsizeof``; the array store's:
  its arrays) — before session 24 (since, in the group tasks, not measured here);
* ``blocks``: the feature blocks (one reference and a count each in the coordinator);
* the fitted state's pickled size and digest (the revisions must give the same).

Prints one JSON object.
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from baseline_src import baseline_src  # noqa: E402
from bench_templates_fit import Sampler, _rss, _rss_anon, _state_digest  # noqa: E402


def _pairs_bytes(known: Any) -> int:
    if isinstance(known, dict):
        size = sys.getsizeof(known)
        for k, v in known.items():
            size += sys.getsizeof(k) + sys.getsizeof(k[0]) + sys.getsizeof(k[1])
            size += sys.getsizeof(v) + sys.getsizeof(v[1])
        return size
    return int(known.nbytes)


def child(n: int, blocks_file: str, src: str, trace: bool) -> dict[str, Any]:
    sys.path.insert(0, src)
    os.environ["PYTHONPATH"] = src
    import gc

    import numpy as np
    import pyarrow as pa
    import ray

    from lawrpt_corpus.dedup import Dedup
    from lawrpt_corpus.defaults import default_pipeline
    from lawrpt_corpus.engines import ray_fits
    from lawrpt_corpus.engines.fits import RayContext, distributed_fit_of
    from lawrpt_corpus.engines.ray_engine import RayEngine  # registers the cluster fits

    del RayEngine
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    refs = []
    with pa.OSFile(blocks_file, "rb") as f, pa.ipc.open_stream(f) as r:
        for batch in r:
            refs.append(ray.put(pa.Table.from_batches([batch])))
    gc.collect()
    step = next(s for s in default_pipeline().corpus_steps if isinstance(s, Dedup))
    fit = distributed_fit_of(step)
    assert fit is not None
    ray_fits.COORDINATE_ON_CLUSTER = False
    sampler = Sampler()
    info: dict[str, Any] = {"columns": []}
    if trace:  # the Python heap's peak per phase, and its largest lines at each phase's end
        import tracemalloc

        traced: dict[str, Any] = {}
        info["python_heap"] = traced
        mark = sampler.mark

        def traced_mark(name: str) -> None:
            if tracemalloc.is_tracing():
                _, peak = tracemalloc.get_traced_memory()
                top = tracemalloc.take_snapshot().statistics("lineno")[:6]
                traced[sampler.phase] = {
                    "peak_MB": round(peak / (1 << 20), 2),
                    "top_at_end": [f"{s.traceback[0]} {s.size >> 10} KB" for s in top],
                }
                tracemalloc.reset_peak()
            mark(name)

        sampler.mark = traced_mark  # type: ignore[method-assign]
        tracemalloc.start()

    verifier_cls = ray_fits._SeqVerifier

    class Verifier(verifier_cls):  # type: ignore[misc, valid-type]
        def __init__(self, *a: Any) -> None:
            sampler.mark("feature_bounds")
            super().__init__(*a)
            info["blocks"] = len(self.refs)
            sampler.mark("exact")

        def candidates(self, *a: Any) -> Any:
            sampler.mark("candidates")
            got = super().candidates(*a)
            pre = got[1]
            info["pre"] = {
                "pairs": int(pre[0].size),
                "merged": int(np.count_nonzero(pre[2])),
                "bytes": int(sum(x.nbytes for x in pre)),
            }
            sampler.mark("components")  # session 24: labelled by a task; before: columns
            return got

    ray_fits._SeqVerifier = Verifier
    if hasattr(ray_fits, "_columns_of"):  # before session 24: the columns read here
        columns_of = ray_fits._columns_of

        def counted_columns(refs_: Any, seqs: Any, *rest: Any) -> Any:
            sampler.mark(f"columns_{len(info['columns']) + 1}")
            cols = columns_of(refs_, seqs, *rest)
            size = sum(v.nbytes if hasattr(v, "nbytes") else len(v) for v in cols.values())
            info["columns"].append({"docs": int(seqs.size), "bytes": int(size)})
            return cols

        ray_fits._columns_of = counted_columns
    if hasattr(ray_fits, "_component_parts"):  # session 24: the merge work in group tasks
        reduced, shuffle_map = ray_fits._reduced, ray_fits._shuffle_map

        def marked_shuffle_map(refs_: Any, fn: Any, args: Any, parts: int, *rest: Any) -> Any:
            if fn is ray_fits._group_rows:  # the components labelled, by a task
                info["groups"] = parts
                sampler.mark("group_rows")
            return shuffle_map(refs_, fn, args, parts, *rest)

        def marked_reduced(pieces: Any, fn: Any, args: Any) -> Any:
            if fn is ray_fits._group_state:
                sampler.mark("group_tasks")
                got = reduced(pieces, fn, args)
                sampler.mark("merge")
                return got
            return reduced(pieces, fn, args)

        ray_fits._shuffle_map = marked_shuffle_map
        ray_fits._reduced = marked_reduced
    fit_columns, stars = Dedup.fit_columns, Dedup._stars

    def marked_fit_columns(self: Any, *a: Any, **k: Any) -> Any:
        sampler.mark("fit_columns")
        return fit_columns(self, *a, **k)

    def measured_stars(self: Any, backend: Any, known: Any, rank: Any) -> Any:
        sampler.mark("stars")
        before = {"pairs": len(known), "bytes": _pairs_bytes(known)}
        result = stars(self, backend, known, rank)
        info["known"] = {
            "type": type(known).__name__,
            "pairs_before_star_rounds": before["pairs"],
            "bytes_before_star_rounds": before["bytes"],
            "pairs": len(known),
            "bytes": _pairs_bytes(known),
        }
        info["near_merges"] = len(result)
        sampler.mark("state")
        return result

    Dedup.fit_columns = marked_fit_columns  # type: ignore[method-assign]
    Dedup._stars = measured_stars  # type: ignore[method-assign]
    ctx = RayContext(workers=2, block_rows=64, blocks=tuple(refs))
    rss0, anon0 = _rss(), _rss_anon()
    with sampler:
        sampler.mark("features")
        cpu = time.process_time()
        state = fit(None, ctx)
        cpu = time.process_time() - cpu
        sampler.mark("after")
    if trace:
        tracemalloc.stop()
    mb = 1 << 20
    peak = max(sampler.peaks.values()) - rss0
    return {
        "docs": n,
        "fit_cpu_s": round(cpu, 2),
        "peak_MB": {p: round((sampler.peaks[p] - rss0) / mb, 1) for p in sampler.order},
        "peak_B_per_doc": round(peak / n, 1),
        # the process's own pages (resident − shared: not the object store's pages it maps)
        "anon_peak_MB": {p: round((sampler.anon[p] - anon0) / mb, 1) for p in sampler.order},
        "anon_peak_B_per_doc": round((max(sampler.anon.values()) - anon0) / n, 1),
        **info,
        "state_docs": int(state.seq.size),
        "state_bytes": len(pickle.dumps(state, pickle.HIGHEST_PROTOCOL)),
        # of a copy: a state from the object store has read-only arrays, which pickle as
        # ``bytes`` where writable ones pickle as ``bytearray`` (the same values)
        "state_digest": _state_digest(copy.deepcopy(state)),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, nargs="+", default=[10000])
    ap.add_argument(
        "--baseline", help="a git revision (its src) or another tree's src folder to measure too"
    )
    ap.add_argument("--blocks-dir", help="prepared blocks (blocks-N.arrow), kept and reused")
    ap.add_argument(
        "--trace",
        action="store_true",
        help="tracemalloc: the Python heap's peak per phase and its largest lines (slower)",
    )
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--blocks", help=argparse.SUPPRESS)
    ap.add_argument("--src", default=str(ROOT / "src"), help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        Path(args.out).write_text(json.dumps(child(args.child, args.blocks, args.src, args.trace)))
        return
    srcs = {"this": str(ROOT / "src")}
    if args.baseline:
        base = Path(tempfile.mkdtemp(prefix="bench-dedup-base-"))
        srcs = {args.baseline: str(baseline_src(args.baseline, base)), **srcs}
    bench = str(ROOT / "benchmarks" / "bench_templates_fit.py")
    runs = []
    for n in args.docs:
        folder = Path(args.blocks_dir or tempfile.mkdtemp(prefix="bench-dedup-blocks-"))
        blocks = folder / f"blocks-{n}.arrow"
        if not blocks.exists():
            here = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
            subprocess.run(
                [sys.executable, bench, "--prep", str(n), "--out", str(blocks)],
                check=True,
                env=here,
            )
        for name, src in srcs.items():
            out = Path(tempfile.mkstemp(suffix=".json")[1])
            cmd = [sys.executable, __file__, "--child", str(n), "--src", src]
            cmd += ["--out", str(out), "--blocks", str(blocks)] + (
                ["--trace"] if args.trace else []
            )
            subprocess.run(cmd, check=True, env=dict(os.environ, PYTHONPATH=src))
            run = {"revision": name, **json.loads(out.read_text())}
            out.unlink()
            print(json.dumps(run), file=sys.stderr, flush=True)
            runs.append(run)
        if not args.blocks_dir:
            blocks.unlink()
    if args.baseline:
        subprocess.run(["rm", "-rf", str(base)], check=False)
    print(json.dumps({"runs": runs}, indent=1))


if __name__ == "__main__":
    main()
