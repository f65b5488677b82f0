"""Throughput of the normalize steps (Typography, ScriptNormalize) on one core.

Usage::

    PYTHONPATH=src python benchmarks/bench_normalize.py [--mb 20] [--repeat 5]

The five seeds are replicated to about ``--mb`` megabytes of UTF-8 per input kind and run
through each step in this process (one core). MB/s is UTF-8 input bytes per second of CPU
time (``time.process_time``), best of ``--repeat`` runs; wall-clock figures and the load
average are printed too, because on a shared machine wall time mostly measures the
neighbours. Input kinds:

* ``seeds``        — the five seeds as they are (four NFKC-folded, one full width);
* ``normalized``   — the seeds after Typography (the second-run / clean-input case);
* ``trad-s2t`` / ``trad-s2tw`` / ``trad-s2hk`` — the seeds converted by OpenCC, the input
  ScriptNormalize has to convert.
"""

from __future__ import annotations

import argparse
import os
import platform
import time
from collections.abc import Callable
from pathlib import Path

import opencc

from lawrpt_corpus.document import Document
from lawrpt_corpus.normalize import ScriptNormalize, Typography
from lawrpt_corpus.normalize.typography import normalize_punctuation

SEEDS = Path(__file__).resolve().parent.parent / "seeds"


def replicate(texts: list[str], mb: float) -> list[str]:
    size = sum(len(t.encode("utf-8")) for t in texts)
    return texts * max(1, round(mb * 1e6 / size))


def measure(
    step: Callable[[Document], Document], texts: list[str], repeat: int
) -> dict[str, float]:
    n_bytes = sum(len(t.encode("utf-8")) for t in texts)
    best_cpu = best_wall = float("inf")
    for _ in range(repeat):
        docs = [Document(source="b", raw_sha256="0" * 64, n_bytes=0, text=t) for t in texts]
        cpu0, wall0 = time.process_time(), time.perf_counter()
        for doc in docs:
            step(doc)
        best_cpu = min(best_cpu, time.process_time() - cpu0)
        best_wall = min(best_wall, time.perf_counter() - wall0)
    return {
        "MB": n_bytes / 1e6,
        "cpu_MB_s": n_bytes / 1e6 / best_cpu,
        "wall_MB_s": n_bytes / 1e6 / best_wall,
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--mb", type=float, default=20.0, help="MB of input per kind")
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()

    seeds = [p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))]
    normalized = [normalize_punctuation(t)[0] for t in seeds]
    kinds = {
        "seeds": seeds,
        "normalized": normalized,
        **{
            f"trad-{cfg}": [opencc.OpenCC(f"{cfg}.json").convert(t) for t in normalized]
            for cfg in ("s2t", "s2tw", "s2hk")
        },
    }
    runs = [
        ("typography", Typography(), ["seeds", "normalized"]),
        ("script", ScriptNormalize(), ["normalized", "trad-s2t", "trad-s2tw", "trad-s2hk"]),
    ]
    # references: what the machine does right now, to read the figures above against
    t2s = opencc.OpenCC("t2s.json")
    references = [
        ("opencc t2s", lambda d: t2s.convert(d.text), "trad-s2t"),
        ("str.replace", lambda d: d.text.replace(",", "，"), "seeds"),
    ]
    print(
        f"python {platform.python_version()}, opencc {opencc.__version__}, "
        f"load average {os.getloadavg()[0]:.1f} on {os.cpu_count()} cpus"
    )
    print(f"{'step':12} {'input':12} {'MB':>6} {'cpu MB/s':>9} {'wall MB/s':>10}")
    for name, step, inputs in runs:
        for kind in inputs:
            r = measure(step, replicate(kinds[kind], args.mb), args.repeat)
            print(f"{name:12} {kind:12} {r['MB']:6.1f} {r['cpu_MB_s']:9.1f} {r['wall_MB_s']:10.1f}")
    for name, fn, kind in references:
        r = measure(fn, replicate(kinds[kind], args.mb), args.repeat)  # type: ignore[arg-type]
        print(f"{name:12} {kind:12} {r['MB']:6.1f} {r['cpu_MB_s']:9.1f} {r['wall_MB_s']:10.1f}")


if __name__ == "__main__":
    main()
