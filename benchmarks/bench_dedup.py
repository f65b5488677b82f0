"""Dedup benchmark: signature throughput, clustering time and peak memory at scale.

Usage::

    PYTHONPATH=src python benchmarks/bench_dedup.py sig              # prepare(): docs/s, one core
    PYTHONPATH=src python benchmarks/bench_dedup.py fit -n 100000    # fit + apply at 100k
    PYTHONPATH=src python benchmarks/bench_dedup.py fit -n 1000000   # ... at 1M
    PYTHONPATH=src python benchmarks/bench_dedup.py all              # all of it (subprocesses)

``sig`` times :meth:`Dedup.prepare` (key, shingles, MinHash) on realistic reports (the seeds
and copies of them: re-punctuated, traditional script, chrome, truncated; 3–14 k chars).

``fit`` runs :meth:`Dedup.fit` and :meth:`Dedup.apply` over a synthetic, replayable stream
of ``n`` documents with *synthetic signatures* (computing real ones for 10⁶ documents would
take an hour on this machine; the signature cost is what ``sig`` measures): short random
Han texts, 5 % exact copies and 10 % near copies (5 characters changed, signature with ~20 %
of its values redrawn) of a document up to 4096 positions earlier. The stream is generated
chunk by chunk, so the process holds only what dedup holds. Peak RSS is the process's
``ru_maxrss`` (reported with the baseline before ``fit``); one process per size. Times are
CPU seconds of this process (``time.process_time``): the machine is shared, wall time is
not meaningful; ``replay_cpu_s`` is the cost of generating the stream once, which every
pass of ``fit`` pays again (with the engine, a pass unpickles the spill instead).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import resource
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from lawrpt_corpus.dedup import Dedup  # noqa: E402
from lawrpt_corpus.document import Document  # noqa: E402

CHUNK = 4096
TEXT_LEN = 240


def _rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# -- signature throughput ---------------------------------------------------------------
def bench_sig(repeat: int = 3) -> dict[str, float]:
    sys.path.insert(0, str(ROOT / "benchmarks"))
    from dedup_labeled import build_set

    texts = [it.text for it in build_set(7) if it.kind != "short"]
    chars = sum(len(t) for t in texts)
    out: dict[str, float] = {"docs": len(texts), "mean_chars": chars / len(texts)}
    for fold in (True, False):
        step = Dedup(fold_script=fold)
        best = float("inf")
        for _ in range(repeat):
            docs = []
            for i, t in enumerate(texts):
                d = Document(source=str(i), raw_sha256="0" * 64, n_bytes=0, text=t, seq=i)
                docs.append(d)
            t0 = time.process_time()
            for d in docs:
                step.prepare(d)
            best = min(best, time.process_time() - t0)
        tag = "fold_script" if fold else "no_fold"
        out[f"{tag}_docs_per_s"] = len(texts) / best
        out[f"{tag}_mchars_per_s"] = chars / best / 1e6
    return out


# -- synthetic corpus --------------------------------------------------------------------
class Synthetic:
    """``n`` documents with prepared dedup features; iterable any number of times."""

    def __init__(self, n: int, step: Dedup, seed: int = 1):
        self.n, self.step, self.seed = n, step, seed

    def _chunk(self, c: int) -> Iterator[Document]:
        rng = np.random.default_rng(self.seed * 1_000_003 + c)
        m = min(CHUNK, self.n - c * CHUNK)
        cps = rng.integers(0x4E00, 0x4E00 + 3000, size=(m, TEXT_LEN), dtype=np.uint32)
        sigs = rng.integers(0, 2**32 - 1, size=(m, self.step.num_perm), dtype=np.uint32)
        kind = rng.random(m)
        src = rng.integers(0, np.maximum(np.arange(m), 1))
        for i in range(m):
            if i > 0 and kind[i] < 0.05:  # exact copy
                cps[i] = cps[src[i]]
                sigs[i] = sigs[src[i]]
            elif i > 0 and kind[i] < 0.15:  # near copy
                cps[i] = cps[src[i]]
                cps[i, rng.integers(0, TEXT_LEN, 5)] = rng.integers(0x4E00, 0x4E00 + 3000, 5)
                redraw = rng.random(self.step.num_perm) < 0.2
                sigs[i] = np.where(redraw, rng.integers(0, 2**32 - 1, sigs.shape[1]), sigs[src[i]])
        for i in range(m):
            seq = c * CHUNK + i
            text = cps[i].tobytes().decode("utf-32-le")
            raw = hashlib.blake2b(seq.to_bytes(8, "little"), digest_size=32).hexdigest()
            doc = Document(source=f"synthetic/{seq:07d}.txt", raw_sha256=raw, n_bytes=0)
            doc.text, doc.seq = text, seq
            exact = hashlib.blake2b(text.encode(), digest_size=16).digest()
            doc.features["dedup"] = (exact, TEXT_LEN, TEXT_LEN - 4, sigs[i].tobytes())
            yield doc

    def __iter__(self) -> Iterator[Document]:
        for c in range((self.n + CHUNK - 1) // CHUNK):
            yield from self._chunk(c)


def bench_fit(n: int) -> dict[str, float]:
    step = Dedup(fold_script=False)
    corpus = Synthetic(n, step)
    t0 = time.process_time()
    for _ in corpus:
        pass
    replay = time.process_time() - t0
    base_rss = _rss_mb()
    t0, w0 = time.process_time(), time.perf_counter()
    step.fit(corpus)
    fit, fit_wall = time.process_time() - t0, time.perf_counter() - w0
    t0 = time.process_time()
    dups = 0
    for doc in corpus:
        dups += step.apply(doc).status == "duplicate"
    apply = time.process_time() - t0 - replay
    st = step.stats()
    return {
        "n": n,
        "replay_cpu_s": round(replay, 1),
        "fit_cpu_s": round(fit, 1),
        "fit_wall_s": round(fit_wall, 1),
        "passes": step.passes,
        "apply_cpu_s_without_replay": round(apply, 1),
        "duplicates": dups,
        "exact": st["exact"],
        "near": st["near"],
        "contained": st["contained"],
        "lsh_candidate_pairs": st["lsh_candidate_pairs"],
        "verified_pairs": st["verified_pairs"],
        "baseline_rss_mb": round(base_rss),
        "peak_rss_mb": round(_rss_mb()),
    }


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("what", choices=["sig", "fit", "all"])
    ap.add_argument("-n", type=int, default=100_000)
    args = ap.parse_args()
    if args.what == "sig":
        print(json.dumps(bench_sig(), indent=1))
    elif args.what == "fit":
        print(json.dumps(bench_fit(args.n), indent=1))
    else:
        print(json.dumps(bench_sig(), indent=1))
        for n in (100_000, 1_000_000):
            subprocess.run([sys.executable, __file__, "fit", "-n", str(n)], check=True)


if __name__ == "__main__":
    main()
