"""What a forked worker spends on the compiled kernels, lazy against inherited.

    PYTHONPATH=src python benchmarks/bench_kernel_preload.py [--rounds 3]

Each round forks one child per mode from a fresh interpreter: ``lazy`` (the parent never
loaded the kernels: the child imports numba and loads Dedup's loops after the warm-up, as
a stage worker did before session 26) and ``preload`` (the parent ran Dedup's and the
Templates sketch's ``available()`` first, as the local engine's ``Pipeline.preload`` does
for a large build). The child computes 300 signatures (past ``WARMUP``) and one sketch;
printed: its CPU seconds and the parent's preload CPU seconds (docs/performance.md,
"Session 26").
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time

TEXT = "法治政府建设年度报告一、主要举措和成效" * 200


def child(mode: str) -> None:
    import numpy as np

    from lawrpt_corpus.boilerplate import _kernels as bk
    from lawrpt_corpus.dedup import _kernels as dk
    from lawrpt_corpus.dedup.signature import key_parts, key_signature

    t0 = time.process_time()
    if mode == "preload":
        dk.available()
        bk.available()
    parent = time.process_time() - t0
    read, write = os.pipe()
    pid = os.fork()
    if pid == 0:
        t0 = time.process_time()
        for _ in range(300):
            codes, _ = key_parts(TEXT, False)
            key_signature(codes, 5, 128, 1)
        bk.sketch_bottom(np.arange(100, dtype=np.uint32), np.ones(200, dtype=bool), 64)
        os.write(write, f"{time.process_time() - t0:.3f} {dk.loaded()}".encode())
        os._exit(0)
    os.waitpid(pid, 0)
    cpu, loaded = os.read(read, 100).decode().split()
    print(f"{mode:8s} child {cpu} CPU s (kernels in use: {loaded})  parent preload {parent:.3f} s")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--child", choices=["lazy", "preload"], help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        child(args.child)
        return 0
    for _ in range(args.rounds):
        for mode in ("lazy", "preload"):
            cmd = [sys.executable, __file__, "--child", mode]
            print(subprocess.run(cmd, check=True, capture_output=True, text=True).stdout.strip())
    return 0


if __name__ == "__main__":
    sys.exit(main())
