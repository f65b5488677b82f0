"""``Templates.fit`` as the local engine runs it: this tree against a baseline revision.

    PYTHONPATH=src python benchmarks/bench_templates_local_fit.py --docs 10000 \\
        --baseline main [--rounds 2] [--corpus DIR | --docs-file FILE]

One process generates ``--docs`` reports (benchmarks/generate.py, or takes ``--corpus``'s
``raw`` folder), runs the default pipeline's per-document stage with every corpus step's
``prepare`` (``LocalEngine(2)``) and writes the kept documents as the spill stores them
(pickled batches of 32). Then, ``--rounds`` times, alternating, a fresh interpreter per
revision fits ``Templates()`` over that file, read as the engine's replay reads the spill
(every pass unpickles it again): the baseline's ``fit(docs)``; this tree's ``fit(docs)``
(one worker) and ``fit(docs, pool=ProcessTaskPool(2))`` (what ``LocalEngine(2)`` does).
Printed per run: wall seconds of the fit, the driver's CPU seconds, the pool workers' CPU
seconds, the time of one plain read of the file (the fit's passes each pay about that), and
a digest of the state (all runs must give the same). Prints one JSON object.
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

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent


def prepare(n: int, corpus: str | None, out: Path) -> None:
    """The kept documents after the per-document stage, as pickled batches in ``out``."""
    from lawrpt_corpus import LocalEngine, default_pipeline
    from lawrpt_corpus.engines.base import pickle_batch
    from lawrpt_corpus.io.readers import iter_inputs

    if corpus is None:
        from generate import generate

        tmp = Path(tempfile.mkdtemp(prefix="bench-tmplfit-"))
        generate(n, tmp, seed=0)
        root = tmp / "raw"
    else:
        root = Path(corpus) / "raw"
    items = list(iter_inputs([root]))[:n]
    with open(out, "wb") as fh:
        batch = []
        for seq, doc in enumerate(LocalEngine(2).map_documents(default_pipeline(), items)):
            doc.seq = seq
            if doc.kept:
                batch.append(doc)
            if len(batch) >= 32:
                fh.write(pickle_batch(batch))
                batch = []
        if batch:
            fh.write(pickle_batch(batch))
    if corpus is None:
        subprocess.run(["rm", "-rf", str(tmp)], check=False)


class _Spilled:
    """The documents of the file, unpickled again on every pass (as the replay does)."""

    def __init__(self, path: str):
        self.path = path

    def __iter__(self) -> Any:
        with open(self.path, "rb") as fh:
            size = os.fstat(fh.fileno()).st_size
            while fh.tell() < size:
                yield from pickle.load(fh)


def child(path: str, pooled: bool) -> dict[str, Any]:
    from lawrpt_corpus.boilerplate import Templates

    docs = _Spilled(path)
    t0 = time.perf_counter()
    n = sum(1 for _ in docs)
    read_s = time.perf_counter() - t0
    step = Templates()
    kwargs: dict[str, Any] = {}
    if pooled:
        from lawrpt_corpus.engines.local import ProcessTaskPool

        kwargs["pool"] = ProcessTaskPool(2)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0, c0 = time.perf_counter(), time.process_time()
    state = step.fit(docs, **kwargs)
    wall, cpu = time.perf_counter() - t0, time.process_time() - c0
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    workers = after.ru_utime - before.ru_utime + after.ru_stime - before.ru_stime
    canon = json.dumps(
        [sorted(state.strict), sorted(state.strict_spans), list(state.bare), state.report],
        sort_keys=True,
    )
    return {
        "docs": n,
        "fit_wall_s": round(wall, 2),
        "driver_cpu_s": round(cpu, 2),
        "workers_cpu_s": round(workers, 2),
        "one_read_s": round(read_s, 2),
        "state_digest": hashlib.sha1(canon.encode()).hexdigest()[:16],
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--docs", type=int, default=10000)
    ap.add_argument("--corpus", help="a benchmarks/generate.py folder to read (else generated)")
    ap.add_argument("--baseline", help="a git revision (or src folder) to measure too")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--docs-file", help="a file an earlier run prepared (kept; skips the prep)")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--pooled", action="store_true", help=argparse.SUPPRESS)
    ap.add_argument("--prep", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.prep:
        prepare(args.docs, args.corpus, Path(args.prep))
        return
    if args.child:
        print(json.dumps(child(args.child, args.pooled)))
        return
    if args.docs_file:
        docs_file = Path(args.docs_file)
    else:
        docs_file = Path(tempfile.mkstemp(suffix=".pkl")[1])
        here = dict(os.environ, PYTHONPATH=str(ROOT / "src"))
        cmd = [sys.executable, __file__, "--prep", str(docs_file), "--docs", str(args.docs)]
        cmd += ["--corpus", args.corpus] if args.corpus else []
        subprocess.run(cmd, check=True, env=here)
    runs: list[tuple[str, str, bool]] = []
    if args.baseline:
        base = baseline_src(args.baseline, Path(tempfile.mkdtemp(prefix="bench-tmplfit-base-")))
        runs.append((f"{args.baseline}", str(base), False))
    runs += [("this, one worker", str(ROOT / "src"), False)]
    runs += [("this, pool of 2", str(ROOT / "src"), True)]
    out: list[dict[str, Any]] = []
    for r in range(args.rounds):
        for name, src, pooled in runs:
            cmd = [sys.executable, __file__, "--child", str(docs_file)]
            got = subprocess.run(
                cmd + (["--pooled"] if pooled else []),
                check=True,
                capture_output=True,
                text=True,
                env=dict(os.environ, PYTHONPATH=src),
            )
            run = {"revision": name, "round": r, "load": os.getloadavg()[0]}
            run.update(json.loads(got.stdout.strip().splitlines()[-1]))
            print(json.dumps(run), file=sys.stderr, flush=True)
            out.append(run)
    if not args.docs_file:
        docs_file.unlink()
    print(json.dumps({"runs": out}, indent=1))


if __name__ == "__main__":
    main()
