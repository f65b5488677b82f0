"""Dedup's driver fit, two revisions, same documents: identical clusters? CPU and memory.

    PYTHONPATH=src python benchmarks/bench_dedup_fit.py CORPUS_DIR --sizes 30000 60000 \\
        --baseline REV [--cache DIR] [--workers 2]

For each size N, the first N files of ``CORPUS_DIR`` (a generated corpus,
``benchmarks/generate.py``; files in path order) go through read → decode → ``Dedup.prepare``
(the default pipeline's Dedup parameters, with *this* tree, on ``--workers`` local workers;
the kept documents, numbered by input position as the engines do, are pickled once into
``--cache``). Then ``Dedup.fit`` runs over them in a fresh child process per revision —
``REV``'s ``src`` (``git archive``, or a folder holding the package) and this tree's —
measuring the fit's CPU time (``time.process_time``), the peak of its Python heap above what
it started with (``tracemalloc``, numpy's arrays included) and the child's maximum RSS.
The fitted states are compared array by array (``seq``, ``ids``, ``dup_rep``, ``dup_kind``,
``dup_sim``, ``by_rep``, sources, carried pages) and the fit's ``stats()`` (counts of exact,
near and contained merges, LSH candidate pairs, verified pairs, passes, largest clusters).
Exit status 1 when anything differs. The documents' texts keep their boilerplate (no
cleaning steps), as in ``bench_memory.py --pipeline dedup``: their candidate counts are an
upper side of a full build's.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import pickle
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from baseline_src import baseline_src  # this folder is sys.path[0]

ROOT = Path(__file__).resolve().parent.parent
_ARRAYS = ("seq", "ids", "dup_rep", "dup_kind", "dup_sim", "by_rep", "by_rep_key", "src_off")


def prepare(corpus: Path, n: int, cache: Path, workers: int) -> Path:
    """The kept documents of the first ``n`` files, prepared by Dedup, pickled (cached)."""
    path = cache / f"dedup-docs-{n}.pkl"
    if path.exists():
        return path
    from lawrpt_corpus import DecodeStep, Extract, LocalEngine, Pipeline, default_pipeline
    from lawrpt_corpus.io.readers import iter_inputs

    files = sorted(p for p in corpus.rglob("*.txt") if p.is_file())[:n]
    links = Path(tempfile.mkdtemp(prefix="bench-dedup-fit-", dir=cache))
    for p in files:
        link = links / p.relative_to(corpus)
        link.parent.mkdir(parents=True, exist_ok=True)
        link.symlink_to(p.resolve())
    pipeline = Pipeline([Extract(), DecodeStep(), default_pipeline().steps[-1]])
    docs = []
    engine = LocalEngine(workers)
    for seq, doc in enumerate(engine.map_documents(pipeline, iter_inputs([links]))):
        doc.seq = seq
        if doc.kept:
            docs.append(doc)
    tmp = path.with_suffix(".tmp")
    with open(tmp, "wb") as fh:
        pickle.dump(docs, fh, pickle.HIGHEST_PROTOCOL)
    tmp.rename(path)
    return path


def child(pkl: str) -> None:
    """Fit Dedup over the pickled documents; print the state's digests and the measures."""
    import tracemalloc

    import numpy as np

    from lawrpt_corpus import default_pipeline

    with open(pkl, "rb") as fh:
        docs = pickle.load(fh)
    step = default_pipeline().steps[-1]
    tracemalloc.start()
    base, _ = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    t0 = time.process_time()
    state = step.fit(docs)
    cpu = time.process_time() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    digests = {
        name: hashlib.sha256(np.ascontiguousarray(getattr(state, name)).tobytes()).hexdigest()
        for name in _ARRAYS
    }
    digests["src_blob"] = hashlib.sha256(state.src_blob).hexdigest()
    digests["carry"] = hashlib.sha256(
        state.carry_idx.tobytes() + state.carry_blob + state.carry_off.tobytes()
    ).hexdigest()
    stats = step.stats()
    print(
        json.dumps(
            {
                "docs": len(docs),
                "fit_cpu_s": round(cpu, 3),
                "fit_peak_bytes": peak - base,
                "maxrss_bytes": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024,
                "stats_sha256": hashlib.sha256(
                    json.dumps(stats, sort_keys=True).encode()
                ).hexdigest(),
                "counts": {
                    k: stats.get(k)
                    for k in (
                        "exact",
                        "near",
                        "contained",
                        "clusters",
                        "lsh_candidate_pairs",
                        "verified_pairs",
                        "passes",
                    )
                },
                "digests": digests,
            }
        )
    )


def _fit(src: Path, pkl: Path) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(src), "PYTHONHASHSEED": "0"}
    out = subprocess.run(
        [sys.executable, __file__, "--child", str(pkl)],
        check=True,
        env=env,
        capture_output=True,
        text=True,
    ).stdout
    return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus", type=Path, nargs="?")
    ap.add_argument("--sizes", type=int, nargs="+", default=[30000])
    ap.add_argument("--baseline", required=False, help="git revision or a src folder")
    ap.add_argument("--cache", type=Path, default=Path(tempfile.gettempdir()) / "bench-dedup-fit")
    ap.add_argument("--workers", type=int, default=2)
    ap.add_argument("--child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child)
        return 0
    if args.corpus is None or args.baseline is None:
        ap.error("CORPUS_DIR and --baseline are required")
    args.cache.mkdir(parents=True, exist_ok=True)
    corpus = args.corpus / "raw" if (args.corpus / "raw").is_dir() else args.corpus
    base = baseline_src(args.baseline, args.cache / "baseline")
    mine = ROOT / "src"
    differ = False
    for n in args.sizes:
        pkl = prepare(corpus, n, args.cache, args.workers)
        old, new = _fit(base, pkl), _fit(mine, pkl)
        same = old["digests"] == new["digests"] and old["stats_sha256"] == new["stats_sha256"]
        differ |= not same
        print(
            json.dumps({"size": n, "identical": same, "baseline": old, "this tree": new}, indent=1),
            flush=True,
        )
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
