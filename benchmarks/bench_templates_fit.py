"""A cluster fit's coordinator (``Templates`` phase by phase): RSS and bytes fetched.

    PYTHONPATH=src python benchmarks/bench_templates_fit.py --docs 3000 10000 --baseline bfb02f8
    PYTHONPATH=src python benchmarks/bench_templates_fit.py --docs 3000 10000 \
        --fits templates repeated dedup exact --coordinator-only --baseline HEAD

``--fits`` picks the cluster fits measured (all on the same blocks, which carry
``ExactDedup``'s feature too); ``--coordinator-only`` runs each revision coordinated in the
driver only — what the fit's coordinating task holds on the cluster (the same code, run by
the measuring process so that its RSS can be sampled); ``rss_peak_above_start_B_per_doc``
is the whole fit's peak, per document.

For each size a process generates the corpus (benchmarks/generate.py), runs the default
pipeline's document steps and every corpus step's ``prepare`` (local engine), fits and
applies ``RepeatedLines`` (the step before ``Templates``) and writes the kept documents as
blocks of 64 to a file. Then, for each revision (this tree, and ``--baseline`` REV's
``src`` from ``git archive`` into a temp dir), a fresh process puts the blocks into a
local Ray instance one by one (``RayContext.blocks``, as the engine gives them; it never
holds the documents), runs the registered ``Templates`` cluster fit and records:

* ``rss_MB``: resident memory at the start of the fit, and the peak above it in each phase
  (sampled every 5 ms by a thread reading /proc/self/statm; RSS includes Ray's native
  memory and the Arrow buffers the driver maps, which ``tracemalloc`` does not see — and
  ``tracemalloc`` crashed in Ray's threads here);
* ``fetched``: per phase, the objects ``ray.get`` returned to the driver (count, and
  bytes: Arrow tables' ``nbytes``, numpy arrays' ``nbytes``, else the pickled size);
* ``state_bytes``: the pickled fitted state (kept in the driver until the final pass),
  per document, and a digest of it (the two revisions must give the same);
* the driver's CPU seconds of the fit (``time.process_time``);
* ``object_refs_peak``: the most object references the measuring process held at once
  (Ray's reference table, sampled every ≥ 20 ms: the blocks it put, plus — coordinated in
  the driver — the fit's shuffle pieces, merged pieces and task results).

This tree is measured twice: as the engine runs it (the fit coordinated by a task on the
cluster: the driver waits for the state) and coordinated in the driver
(``ray_fits.COORDINATE_ON_CLUSTER = False``: what the coordinating process holds,
phase by phase; ``ray_templates._phase`` marks them). The baseline's phases are marked by
wrapping its functions (``_later_copies``, ``_shuffled``, ``Templates.fit_result``).
Prints one JSON object.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import pickle
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path
from typing import Any

from baseline_src import baseline_src  # this folder is sys.path[0]

ROOT = Path(__file__).resolve().parent.parent
_PAGE = os.sysconf("SC_PAGE_SIZE")


def _rss() -> int:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * _PAGE


def _rss_anon() -> int:
    """Resident memory that is the process's own (resident − shared pages): without the
    pages of Ray's object store (shared memory) that the process maps when it reads an
    object, which belong to the store and go with the object."""
    with open("/proc/self/statm") as f:
        fields = f.read().split()
    return (int(fields[1]) - int(fields[2])) * _PAGE


class Sampler:
    """Peak RSS per phase, sampled by a thread; ``mark(name)`` starts a phase."""

    def __init__(self, refs: Any = None) -> None:
        self.phase = "setup"
        self.peaks: dict[str, int] = {}
        #: the same of :func:`_rss_anon` (the process's own pages, not the object store's)
        self.anon: dict[str, int] = {}
        #: ``refs()``: the object references this process holds (sampled less often: it
        #: copies Ray's reference table), and its peak
        self.refs, self.refs_peak = refs, 0
        self.order: list[str] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def mark(self, name: str) -> None:
        self.phase = name
        if name not in self.order:
            self.order.append(name)
        self.peaks[name] = max(self.peaks.get(name, 0), _rss())
        self.anon[name] = max(self.anon.get(name, 0), _rss_anon())

    def _run(self) -> None:
        next_refs = 0.0
        while not self._stop.wait(0.005):
            p = self.phase
            self.peaks[p] = max(self.peaks.get(p, 0), _rss())
            self.anon[p] = max(self.anon.get(p, 0), _rss_anon())
            if self.refs is not None and time.monotonic() >= next_refs:
                t = time.monotonic()
                self.refs_peak = max(self.refs_peak, self.refs())
                next_refs = time.monotonic() + max(0.02, 4 * (time.monotonic() - t))

    def __enter__(self) -> Sampler:
        self._thread.start()
        return self

    def __exit__(self, *exc: Any) -> None:
        self._stop.set()
        self._thread.join()


def _size(obj: Any) -> int:
    import numpy as np
    import pyarrow as pa

    if isinstance(obj, pa.Table):
        return int(obj.nbytes)
    if isinstance(obj, np.ndarray):
        return int(obj.nbytes)
    if isinstance(obj, list | tuple):
        return sum(_size(o) for o in obj)
    try:
        return len(pickle.dumps(obj, pickle.HIGHEST_PROTOCOL))
    except Exception:
        return 0


def prepare(n: int, out: Path) -> None:
    """The kept documents as the ``Templates`` fit sees them, as an Arrow IPC stream of
    blocks of 64 (``seq``, pickled ``doc``): written by a process of its own, so that the
    measuring process never held the documents."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import pyarrow as pa
    from generate import generate

    from lawrpt_corpus import LocalEngine, default_pipeline
    from lawrpt_corpus.boilerplate import RepeatedLines, Templates
    from lawrpt_corpus.dedup import ExactDedup
    from lawrpt_corpus.engines.base import _apply_all
    from lawrpt_corpus.io.readers import iter_inputs

    tmp = Path(tempfile.mkdtemp(prefix="bench-templates-fit-"))
    generate(n, tmp, seed=0)
    pipeline = default_pipeline()
    steps = pipeline.corpus_steps
    docs = []
    for seq, doc in enumerate(LocalEngine(1).map_documents(pipeline, iter_inputs([tmp / "raw"]))):
        doc.seq = seq
        if doc.kept:
            docs.append(doc)
    subprocess.run(["rm", "-rf", str(tmp)], check=False)
    i = next(k for k, s in enumerate(steps) if isinstance(s, Templates))
    for step in steps[:i]:  # the steps before Templates, fitted and applied here
        assert isinstance(step, RepeatedLines), step
        step.fit(docs)
    docs = [d for d in (_apply_all(d, steps[:i]) for d in docs) if d.kept]
    exact = ExactDedup()  # not in the default pipeline: its feature, for --fits exact
    for d in docs:
        exact.prepare(d)
    schema = pa.schema([("seq", pa.int64()), ("doc", pa.binary())])
    with pa.OSFile(str(out), "wb") as f, pa.ipc.new_stream(f, schema) as w:
        for j in range(0, len(docs), 64):
            part = docs[j : j + 64]
            w.write_table(
                pa.table(
                    {
                        "seq": pa.array([d.seq for d in part], pa.int64()),
                        "doc": pa.array([pickle.dumps(d) for d in part], pa.binary()),
                    },
                    schema=schema,
                )
            )


#: --fits: the corpus step each name fits (all on the same blocks: the kept documents after
#: ``RepeatedLines``, with ``ExactDedup``'s feature)
FITS = {
    "templates": ("boilerplate", "Templates"),
    "repeated": ("boilerplate", "RepeatedLines"),
    "dedup": ("dedup", "Dedup"),
    "exact": ("dedup", "ExactDedup"),
}


def _state_digest(state: Any) -> str:
    if hasattr(state, "strict_spans"):  # Templates: sets, canonical order
        canon = json.dumps(
            [sorted(state.strict), sorted(state.strict_spans), state.report], sort_keys=True
        )
        return hashlib.sha1(canon.encode()).hexdigest()[:16]
    return hashlib.sha1(pickle.dumps(state, pickle.HIGHEST_PROTOCOL)).hexdigest()[:16]


def child(n: int, blocks_file: str, src: str, in_driver: bool, fit_name: str) -> dict[str, Any]:
    sys.path.insert(0, src)
    os.environ["PYTHONPATH"] = src
    import gc

    import pyarrow as pa
    import ray

    from lawrpt_corpus.boilerplate import Templates
    from lawrpt_corpus.defaults import default_pipeline
    from lawrpt_corpus.engines import ray_fits
    from lawrpt_corpus.engines.fits import RayContext, distributed_fit_of
    from lawrpt_corpus.engines.ray_engine import RayEngine  # registers the cluster fits

    del RayEngine
    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    refs, n_kept = [], 0
    with pa.OSFile(blocks_file, "rb") as f, pa.ipc.open_stream(f) as r:
        for batch in r:
            refs.append(ray.put(pa.Table.from_batches([batch])))
            n_kept += batch.num_rows
    blocks = tuple(refs)
    gc.collect()
    import importlib

    module, cls_name = FITS[fit_name]
    cls = getattr(importlib.import_module(f"lawrpt_corpus.{module}"), cls_name)
    step = next((s for s in default_pipeline().corpus_steps if isinstance(s, cls)), None)
    step = cls() if step is None else step
    fit = distributed_fit_of(step)
    assert fit is not None
    core = ray._private.worker.global_worker.core_worker
    sampler = Sampler(lambda: len(core.get_all_reference_counts()))
    fetched: dict[str, list[int]] = {}
    get = ray.get

    def counted_get(refs: Any, *a: Any, **k: Any) -> Any:
        got = get(refs, *a, **k)
        f = fetched.setdefault(sampler.phase, [0, 0])
        f[0] += len(got) if isinstance(got, list) else 1
        f[1] += _size(got)
        return got

    ray.get = counted_get
    try:
        from lawrpt_corpus.engines import ray_templates  # this tree

        ray_templates._phase = sampler.mark
        ray_fits.COORDINATE_ON_CLUSTER = not in_driver
    except ImportError:  # the baseline: phases by the functions it calls
        shuffled = ray_fits._shuffled
        calls = [0]

        def marked_shuffled(*a: Any) -> Any:
            calls[0] += 1
            sampler.mark("count" if calls[0] == 1 else "holders+unrelated")
            return shuffled(*a)

        later = ray_fits._later_copies

        def marked_later(*a: Any) -> Any:
            sampler.mark("later_copies")
            return later(*a)

        fit_result = Templates.fit_result

        def marked_result(self: Any, *a: Any) -> Any:
            sampler.mark("fit_result")
            return fit_result(self, *a)

        ray_fits._shuffled = marked_shuffled
        ray_fits._later_copies = marked_later
        Templates.fit_result = marked_result  # type: ignore[method-assign]
    ctx = RayContext(workers=2, block_rows=64, blocks=blocks)
    rss0, anon0 = _rss(), _rss_anon()
    with sampler:
        sampler.mark("features")
        cpu = time.process_time()
        state = fit(None, ctx)
        cpu = time.process_time() - cpu
        sampler.mark("after")
    ray.get = get
    pickled = pickle.dumps(state, pickle.HIGHEST_PROTOCOL)
    mb = 1 << 20
    peak = max(sampler.peaks.values()) - rss0
    return {
        "fit": fit_name,
        "docs": n,
        "kept": n_kept,
        "fit_driver_cpu_s": round(cpu, 2),
        "rss_at_start_MB": round(rss0 / mb, 1),
        "rss_peak_above_start_MB": {
            p: round((sampler.peaks[p] - rss0) / mb, 1) for p in sampler.order
        },
        "fetched": {p: {"objects": c, "bytes": b} for p, (c, b) in fetched.items()},
        "rss_peak_above_start_B_per_doc": round(peak / n, 1),
        # the process's own pages (resident − shared: not the object store's pages it maps)
        "anon_peak_above_start_MB": round((max(sampler.anon.values()) - anon0) / mb, 1),
        "object_refs_peak": sampler.refs_peak,
        "state_bytes_per_doc": round(len(pickled) / n, 2),
        "state_digest": _state_digest(state),
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, nargs="+", default=[3000])
    ap.add_argument("--baseline", help="a git revision to measure too (its src)")
    ap.add_argument(
        "--fits", nargs="+", choices=sorted(FITS), default=["templates"], help="fits to measure"
    )
    ap.add_argument(
        "--coordinator-only",
        action="store_true",
        help="measure only the coordinated-in-the-driver runs (what the coordinator holds)",
    )
    ap.add_argument(
        "--blocks-dir",
        help="keep each size's prepared blocks here (blocks-N.arrow) and reuse them if present",
    )
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--prep", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--blocks", help=argparse.SUPPRESS)
    ap.add_argument("--in-driver", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--src", default=str(ROOT / "src"), help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    ap.add_argument("--fit", default="templates", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.prep:
        prepare(args.prep, Path(args.out))
        return
    if args.child:
        got = child(args.child, args.blocks, args.src, args.in_driver, args.fit)
        Path(args.out).write_text(json.dumps(got))
        return
    srcs = {"this, coordinated in the driver": str(ROOT / "src"), "this": str(ROOT / "src")}
    if args.coordinator_only:
        del srcs["this"]
    if args.baseline:
        base = Path(tempfile.mkdtemp(prefix="bench-templates-base-"))
        name = args.baseline + (", coordinated in the driver" if args.coordinator_only else "")
        srcs = {name: str(baseline_src(args.baseline, base)), **srcs}
    runs = []
    for n in args.docs:
        if args.blocks_dir:
            blocks = Path(args.blocks_dir) / f"blocks-{n}.arrow"
        else:
            blocks = Path(tempfile.mkstemp(suffix=".arrow")[1])
        if not args.blocks_dir or not blocks.exists():
            here = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
            cmd = [sys.executable, __file__, "--prep", str(n), "--out", str(blocks)]
            subprocess.run(cmd, check=True, env=here)
        for fit_name in args.fits:
            for name, src in srcs.items():
                out = Path(tempfile.mkstemp(suffix=".json")[1])
                cmd = [sys.executable, __file__, "--child", str(n), "--src", src]
                cmd += ["--out", str(out), "--blocks", str(blocks), "--fit", fit_name]
                cmd += ["--in-driver"] if "driver" in name else []
                subprocess.run(cmd, check=True, env=dict(os.environ, PYTHONPATH=src))
                run = {"revision": name, **json.loads(out.read_text())}
                print(json.dumps(run), file=sys.stderr, flush=True)
                runs.append(run)
        if not args.blocks_dir:
            blocks.unlink()
    if args.baseline:
        subprocess.run(["rm", "-rf", str(base)], check=False)
    print(json.dumps({"runs": runs}, indent=1))


if __name__ == "__main__":
    main()
