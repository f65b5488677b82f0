"""The cluster fits' shuffle alone, at a scale of map tasks × parts the fit benchmarks do
not reach on this box: the coordinator's (here: this process's) peak RSS and object
references, for this tree and a baseline revision.

    PYTHONPATH=src python benchmarks/bench_shuffle_window.py --blocks 4000 --parts 512 \
        --baseline main

Each revision runs in a fresh process with a local Ray instance of 2 CPUs: ``--blocks``
blocks of ``--rows`` random int64 rows are put, then ``ray_fits._shuffled`` cuts them into
``--parts`` parts (map tasks of ≤ 8 blocks, ``_per_task``) and a reducer per part (or per
group of parts) counts its rows; the coordinator's RSS and the number of object
references it holds are sampled (benchmarks/bench_templates_fit.py's ``Sampler``). Prints
one JSON object per revision: peak RSS above the start, peak references, wall seconds and
a digest of the reduced tables (the revisions must give the same).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from baseline_src import baseline_src  # this folder is sys.path[0]

ROOT = Path(__file__).resolve().parent.parent


def _explode(block: Any, parts: int) -> Any:
    import pyarrow as pa

    v = block.column("v").to_numpy()
    return pa.table({"part": v % parts, "v": v})


def _summed(group: Any) -> Any:
    import pyarrow as pa

    v = group.column("v").to_numpy()
    return pa.table({"rows": [int(v.size)], "first": [int(v[0])], "sum": [int(v.sum())]})


def child(src: str, blocks: int, rows: int, parts: int) -> dict[str, Any]:
    sys.path.insert(0, src)
    os.environ["PYTHONPATH"] = src + os.pathsep + str(ROOT / "benchmarks")
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import numpy as np
    import pyarrow as pa
    import ray
    from bench_templates_fit import Sampler, _rss

    from lawrpt_corpus.engines import ray_fits

    ray.init(num_cpus=2, include_dashboard=False, log_to_driver=False)
    rng = np.random.default_rng(0)
    refs = [
        ray.put(pa.table({"v": rng.integers(0, 1 << 40, rows, dtype=np.int64)}))
        for _ in range(blocks)
    ]
    core = ray._private.worker.global_worker.core_worker
    sampler = Sampler(lambda: len(core.get_all_reference_counts()))
    rss0 = _rss()
    t = time.perf_counter()
    with sampler:
        sampler.mark("shuffle")
        got = ray_fits._shuffled(refs, _explode, (parts,), parts, _summed, (), 2)
        sampler.mark("after")
    wall = time.perf_counter() - t
    digest = hashlib.sha1(
        json.dumps([t.to_pylist() for t in got], sort_keys=True).encode()
    ).hexdigest()[:16]
    return {
        "blocks": blocks,
        "rows": rows,
        "parts": parts,
        "map_tasks": -(-blocks // ray_fits._per_task(blocks, 2)),
        "rss_peak_above_start_MB": round((max(sampler.peaks.values()) - rss0) / (1 << 20), 1),
        "object_refs_peak": sampler.refs_peak,
        "wall_s": round(wall, 1),
        "digest": digest,
    }


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--blocks", type=int, default=4000)
    ap.add_argument("--rows", type=int, default=64)
    ap.add_argument("--parts", type=int, default=512)
    ap.add_argument("--baseline", help="a git revision to measure too (its src)")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--out", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        got = child(args.child, args.blocks, args.rows, args.parts)
        Path(args.out).write_text(json.dumps(got))
        return
    srcs = {"this": str(ROOT / "src")}
    base = None
    if args.baseline:
        base = Path(tempfile.mkdtemp(prefix="bench-shuffle-base-"))
        srcs = {args.baseline: str(baseline_src(args.baseline, base)), **srcs}
    runs = []
    for name, src in srcs.items():
        out = Path(tempfile.mkstemp(suffix=".json")[1])
        cmd = [sys.executable, __file__, "--child", src, "--out", str(out)]
        cmd += ["--blocks", str(args.blocks), "--rows", str(args.rows), "--parts", str(args.parts)]
        subprocess.run(cmd, check=True, env=dict(os.environ, PYTHONPATH=src))
        run = {"revision": name, **json.loads(out.read_text())}
        print(json.dumps(run), file=sys.stderr, flush=True)
        runs.append(run)
    if base is not None:
        subprocess.run(["rm", "-rf", str(base)], check=False)
    print(json.dumps({"runs": runs}, indent=1))


if __name__ == "__main__":
    main()
