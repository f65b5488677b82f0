"""Dedup's LSH candidate phase at 100k–1M documents: memory and CPU, without texts.

    PYTHONPATH=src python benchmarks/bench_lsh_scale.py --sizes 100000 300000 1000000 \\
        [--baseline REV] [--baseline-max 300000] [--families 300]

Generating and decoding a million reports takes CPU hours; the LSH phase needs only their
MinHash signatures. This benchmark makes signatures with the structure that makes
candidates grow faster than the corpus on the generated reports (sentences of a few seed
reports recombined): every document belongs to one of ``--families`` template families and
its signature is the family's with each of the 128 values redrawn with a probability drawn
per document from [0.25, 0.45] (so family members collide in a few to many bands, and the
more documents a family has, the more candidates each document gets). Signatures are a
pure function of the seed and the document index.

For each size, in a fresh child process: ``Dedup.candidate_pairs`` (this tree) — its CPU
time and the peak of the Python heap above the signatures (``tracemalloc``), the count of
distinct candidate pairs and of the pairs the estimate filter keeps. With ``--baseline``,
up to ``--baseline-max`` documents, the same for the baseline revision's materialised
candidate set (``Dedup._candidates`` + the estimate filter of the verification), and the
counts and kept pairs compared (exit status 1 when they differ).
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


def signatures(n: int, num_perm: int, families: int, seed: int = 0) -> Any:
    """``(n, num_perm)`` uint32 signatures of ``n`` documents in ``families`` families, and
    their shingle counts (see the module docstring)."""
    import numpy as np

    rng = np.random.default_rng(seed)
    base = rng.integers(0, 2**32, size=(families, num_perm), dtype=np.uint32)
    sigs = np.empty((n, num_perm), dtype=np.uint32)
    n_sh = np.empty(n, dtype=np.int64)
    step = 65536
    for s in range(0, n, step):
        m = min(step, n - s)
        fam = rng.integers(0, families, size=m)
        p = rng.uniform(0.25, 0.45, size=(m, 1))
        redraw = rng.random((m, num_perm)) < p
        block = base[fam]
        block[redraw] = rng.integers(0, 2**32, size=int(redraw.sum()), dtype=np.uint32)
        sigs[s : s + m] = block
        n_sh[s : s + m] = rng.integers(3000, 4000, size=m)
    return sigs, n_sh


def child(n: int, families: int, old: bool) -> None:
    import tracemalloc

    import numpy as np

    from lawrpt_corpus import default_pipeline

    step = default_pipeline().steps[-1]
    sigs, n_sh = signatures(n, step.num_perm, families)
    idx = np.arange(n, dtype=np.int64)
    tracemalloc.start()
    base, _ = tracemalloc.get_traced_memory()
    tracemalloc.reset_peak()
    t0 = time.process_time()
    if old:
        keys = step._candidates(sigs, idx, n)
        count = int(keys.size)
        lo, hi = step._estimate_filter(sigs, n_sh, keys // n, keys % n)
        kept = lo * n + hi
    else:
        kept, count = step.candidate_pairs(sigs, n_sh, idx, n)
    cpu = time.process_time() - t0
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    print(
        json.dumps(
            {
                "docs": n,
                "candidate_pairs": count,
                "per_doc": round(count / n, 1),
                "kept": int(kept.size),
                "kept_sha256": hashlib.sha256(kept.astype(np.int64).tobytes()).hexdigest(),
                "cpu_s": round(cpu, 2),
                "peak_bytes": peak - base,
                "peak_bytes_per_doc": round((peak - base) / n, 1),
                "signatures_bytes": int(sigs.nbytes),
            }
        )
    )


def _run(src: Path, n: int, families: int, old: bool) -> dict[str, Any]:
    env = {**os.environ, "PYTHONPATH": str(src)}
    cmd = [sys.executable, __file__, "--child", str(n), "--families", str(families)]
    if old:
        cmd.append("--old")
    out = subprocess.run(cmd, check=True, env=env, capture_output=True, text=True).stdout
    return json.loads(out.strip().splitlines()[-1])  # type: ignore[no-any-return]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[100_000, 300_000])
    ap.add_argument("--families", type=int, default=300)
    ap.add_argument("--baseline", help="git revision or src folder with Dedup._candidates")
    ap.add_argument("--baseline-max", type=int, default=300_000)
    ap.add_argument("--child", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--old", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child, args.families, args.old)
        return 0
    base = None
    if args.baseline:
        base = baseline_src(args.baseline, Path(tempfile.mkdtemp(prefix="bench-lsh-")))
    differ = False
    for n in args.sizes:
        row: dict[str, Any] = {"this tree": _run(ROOT / "src", n, args.families, False)}
        if base is not None and n <= args.baseline_max:
            row["baseline"] = old = _run(base, n, args.families, True)
            new = row["this tree"]
            row["identical"] = all(
                old[k] == new[k] for k in ("candidate_pairs", "kept", "kept_sha256")
            )
            differ |= not row["identical"]
        print(json.dumps({"size": n, **row}), flush=True)
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
