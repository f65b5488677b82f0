"""Driver memory of each corpus step's fit, per document: the driver fit and the cluster fit.

    PYTHONPATH=src python benchmarks/bench_fit_state.py --docs 1000 3000

For each size, a corpus from benchmarks/generate.py runs through the default pipeline's
document steps and every corpus step's ``prepare`` (local engine, in this process); the
kept documents are held in memory. Then each corpus step of the default pipeline
(``RepeatedLines``, ``Templates``, ``Dedup``) and ``ExactDedup`` is fitted, in pipeline
order on the documents as the earlier steps leave them:

* in the driver (``step.fit``), under ``tracemalloc``: the peak of the Python heap
  allocated during the fit (numpy arrays included) and what the fit leaves allocated (its
  state) — bytes per document;
* on a local Ray instance (``--ray``: the registered cluster fit), the same measures in the
  driver process; Arrow buffers the driver receives are not seen by ``tracemalloc``, so the
  growth of ``pyarrow.total_allocated_bytes()`` is added to both.

The slope between two sizes (``Δbytes / Δdocuments``) is the per-document cost without the
fixed part (modules, tables). Prints one JSON object.
"""

from __future__ import annotations

import argparse
import copy
import json
import pickle
import sys
import tempfile
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def measured(fn: Callable[[], Any]) -> dict[str, int]:
    """Peak and retained Python-heap bytes (plus Arrow pool growth) while ``fn()`` runs."""
    import pyarrow as pa

    tracemalloc.start()
    tracemalloc.reset_peak()
    arrow0 = pa.total_allocated_bytes()
    base, _ = tracemalloc.get_traced_memory()
    result = fn()
    current, peak = tracemalloc.get_traced_memory()
    arrow = max(0, pa.total_allocated_bytes() - arrow0)
    tracemalloc.stop()
    return {
        "peak": peak - base + arrow,
        "retained": current - base + arrow,
        "state_pickled": len(pickle.dumps(result, pickle.HIGHEST_PROTOCOL)) if result else 0,
    }


def run(n: int, use_ray: bool) -> dict[str, Any]:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from generate import generate

    from lawrpt_corpus import ExactDedup, LocalEngine, Pipeline, default_pipeline
    from lawrpt_corpus.engines.base import _apply_all
    from lawrpt_corpus.io.readers import iter_inputs

    tmp = Path(tempfile.mkdtemp(prefix="bench-fit-state-"))
    generate(n, tmp, seed=0)
    pipeline = Pipeline([*default_pipeline().steps, ExactDedup()])
    steps = pipeline.corpus_steps
    docs = []
    for seq, doc in enumerate(LocalEngine(1).map_documents(pipeline, iter_inputs([tmp / "raw"]))):
        doc.seq = seq  # as the engines number documents: the input position
        if doc.kept:
            docs.append(doc)
    out: dict[str, Any] = {"docs": n, "kept": len(docs)}
    ctx = ray = None
    if use_ray:
        import ray as ray_module

        from lawrpt_corpus.engines.fits import RayContext, distributed_fit_of
        from lawrpt_corpus.engines.ray_engine import RayEngine  # registers the cluster fits

        del RayEngine
        ray = ray_module
        ctx = RayContext(workers=2, block_rows=64)
    for i, step in enumerate(steps):
        before = steps[:i]
        stream = [d for d in (_apply_all(copy.deepcopy(x), before) for x in docs) if d.kept]
        row: dict[str, Any] = {}
        fresh = copy.deepcopy(step)
        got = measured(lambda s=fresh, docs=stream: s.fit(docs))
        row["driver"] = {k: round(v / len(stream), 1) for k, v in got.items()}
        step.set_state(fresh.state)  # the later steps see the documents as this one leaves them
        if use_ray:
            import pyarrow as pa

            fit = distributed_fit_of(copy.deepcopy(step))
            if fit is not None:
                blocks = [
                    pa.table(
                        {
                            "seq": pa.array([d.seq for d in stream[j : j + 64]], pa.int64()),
                            "doc": pa.array(
                                [pickle.dumps(d) for d in stream[j : j + 64]], pa.binary()
                            ),
                        }
                    )
                    for j in range(0, len(stream), 64)
                ]
                ds = ray.data.from_arrow(blocks).materialize()
                got = measured(lambda f=fit, ds=ds: f(ds, ctx))
                row["cluster"] = {k: round(v / len(stream), 1) for k, v in got.items()}
        out[step.name] = row
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, nargs="+", default=[1000, 3000])
    ap.add_argument("--ray", action="store_true", help="also the cluster fits (local Ray)")
    args = ap.parse_args()
    sys.path.insert(0, str(ROOT / "src"))
    if args.ray:
        import os

        import ray

        os.environ["PYTHONPATH"] = str(ROOT / "src")
        ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    runs = [run(n, args.ray) for n in args.docs]
    print(json.dumps({"runs": runs}, indent=1))


if __name__ == "__main__":
    main()
