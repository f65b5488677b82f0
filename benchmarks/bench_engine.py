"""The local engine around the stages: driver CPU per document, and identical output.

    PYTHONPATH=src python benchmarks/bench_engine.py CORPUS_DIR [--workers 1 2]
        [--baseline SRC] [--rounds 2] [--replay auto always never]

Runs ``lawrpt_corpus.build`` of every file under ``CORPUS_DIR`` (a generated corpus,
``benchmarks/generate.py``; its ``raw/`` folder or the folder itself) in a child process per
(revision, worker count, replay mode), and prints per document: the driver's CPU time
(``time.process_time`` of the build process: receiving batches, spill, fits and their
replays, the final apply, parquet, manifest, card) and the workers' (``RUSAGE_CHILDREN``),
the minimum over ``--rounds`` alternating rounds so that load from other jobs hits every
variant alike. With ``--baseline SRC`` (the ``src`` folder of another revision, e.g. from
``git archive``) the same builds run on that code too.

Identical output is checked, not assumed: the SHA-256 of every data and manifest parquet
file of every build (every revision, worker count and replay mode) must be the same; the
script exits 1 when they differ. Figures: docs/performance.md ("The local engine").
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent


def child(src: str, corpus: str, out: str, workers: int, replay: str) -> None:
    sys.path.insert(0, src)
    from lawrpt_corpus import build
    from lawrpt_corpus.engines.local import LocalEngine

    engine = LocalEngine(workers)
    if hasattr(engine, "replay"):
        engine.replay = replay
    t0 = time.process_time()
    res = build([corpus], out, engine=engine, overwrite=True)
    driver = time.process_time() - t0
    kids = resource.getrusage(resource.RUSAGE_CHILDREN)
    n = res.counts["inputs"]
    digests = {
        p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(Path(out).rglob("*.parquet"))
    }
    print(
        json.dumps(
            {
                "inputs": n,
                "driver_ms": 1000 * driver / n,
                "workers_ms": 1000 * (kids.ru_utime + kids.ru_stime) / n,
                "timings": res.summary.get("timings", {}),
                "digests": digests,
            }
        )
    )


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("corpus", type=Path)
    ap.add_argument("--workers", type=int, nargs="+", default=[1, 2])
    ap.add_argument("--baseline", type=Path, help="src folder of the revision to compare")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--replay", nargs="+", default=["auto"], help="auto, always, never")
    ap.add_argument("--child", nargs=4, metavar=("SRC", "OUT", "WORKERS", "REPLAY"))
    args = ap.parse_args()
    corpus = args.corpus / "raw" if (args.corpus / "raw").is_dir() else args.corpus
    if args.child:
        src, out, workers, replay = args.child
        child(src, str(corpus), out, int(workers), replay)
        return 0
    revisions = {"new": str(HERE.parent / "src")}
    if args.baseline:
        revisions["baseline"] = str(args.baseline.resolve())
    variants = [
        (rev, w, mode)
        for rev in revisions
        for w in args.workers
        for mode in (args.replay if rev == "new" else ["-"])
    ]
    best: dict[tuple[str, int, str], dict[str, float]] = {}
    digests: dict[tuple[str, int, str], dict[str, str]] = {}
    env = {k: v for k, v in os.environ.items() if k != "PYTHONPATH"}
    with tempfile.TemporaryDirectory(prefix="bench-engine-") as tmp:
        for _ in range(args.rounds):
            for rev, w, mode in variants:
                out = Path(tmp) / f"{rev}-{w}-{mode}"
                cmd = [sys.executable, __file__, str(corpus), "--child"]
                cmd += [revisions[rev], str(out), str(w), mode if mode != "-" else "auto"]
                res = subprocess.run(cmd, capture_output=True, text=True, env=env, check=False)
                if res.returncode != 0:
                    print(res.stderr, file=sys.stderr)
                    return 2
                got = json.loads(res.stdout.strip().splitlines()[-1])
                key = (rev, w, mode)
                digests[key] = got.pop("digests")
                old = best.get(key)
                for k in ("driver_ms", "workers_ms"):
                    got[k] = min(got[k], old[k]) if old else got[k]
                best[key] = got
    n = next(iter(best.values()))["inputs"]
    print(f"{n} documents; CPU ms per document, minimum of {args.rounds} rounds")
    print(f"{'revision':10s} {'workers':>7s} {'replay':>7s} {'driver':>8s} {'workers':>8s}")
    for (rev, w, mode), got in best.items():
        print(f"{rev:10s} {w:7d} {mode:>7s} {got['driver_ms']:8.3f} {got['workers_ms']:8.3f}")
    first = next(iter(digests.values()))
    same = all(d == first for d in digests.values())
    print(f"parquet files ({len(first)}) identical across all builds: {same}")
    return 0 if same else 1


if __name__ == "__main__":
    sys.exit(main())
