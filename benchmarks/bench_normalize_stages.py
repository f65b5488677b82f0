"""CPU per document of the four normalize steps, here and in another revision, same run.

    PYTHONPATH=src python benchmarks/bench_normalize_stages.py CORPUS_DIR [-n 1000]
        [--baseline SRC] [--rounds 3] [--repeat 3] [--no-trail-variant]

Runs ``default_pipeline()`` of this tree on the first ``-n`` files of a generated corpus
(``benchmarks/generate.py``) once, keeping the text each of hygiene, typography, script and
script-recheck is given. Then, in child processes and alternating rounds (so that load from
other jobs hits every variant alike), each variant times each step alone on fresh documents
holding those texts: CPU time (``time.process_time``), best of ``--repeat`` per round, best
round. Variants:

* ``new``       — this tree, the located trail on (what a build does);
* ``trail-off`` — this tree with the trail's recording switched off (``Document.trail_room``
  is 0 and the record methods do nothing: what the steps cost without locating anything);
* ``baseline``  — ``--baseline SRC``, the ``src`` folder of another revision (``git archive``).

Prints milliseconds per document per step, the sum, and ratios. Figures:
docs/performance.md ("Normalize steps: one pass each, the trail recorded as they rewrite").
"""

from __future__ import annotations

import argparse
import json
import os
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path

STEPS = ("hygiene", "typography", "script", "script-recheck")


def capture(corpus: Path, n: int, out: Path) -> int:
    """Run the pipeline of this tree on ``corpus`` and pickle ``{step: [texts]}``."""
    from lawrpt_corpus import default_pipeline
    from lawrpt_corpus.pipeline import Step

    files = sorted(corpus.rglob("*.txt"))[:n]
    pipe = default_pipeline()
    texts: dict[str, list[str]] = {name: [] for name in STEPS}

    def observe(step: Step, before: object, after: object) -> None:
        if step.name in texts:
            texts[step.name].append(before.text)  # type: ignore[attr-defined]

    for path in files:
        pipe.process_bytes(path.name, path.read_bytes(), observe)
    out.write_bytes(pickle.dumps(texts))
    return len(files)


def time_steps(texts_file: Path, n_docs: int, repeat: int) -> dict[str, float]:
    """ms of CPU per input document for each step (best of ``repeat``)."""
    from lawrpt_corpus import default_pipeline
    from lawrpt_corpus.document import Document

    texts: dict[str, list[str]] = pickle.loads(texts_file.read_bytes())
    steps = {s.name: s for s in default_pipeline().steps}
    out: dict[str, float] = {}
    for name in STEPS:
        step = steps[name]
        step(Document(source="w", raw_sha256="0" * 64, n_bytes=0, text="甲,乙"))  # warm up
        best = float("inf")
        for _ in range(repeat):
            docs = [
                Document(source="b", raw_sha256="0" * 64, n_bytes=0, text=t) for t in texts[name]
            ]
            t0 = time.process_time()
            for doc in docs:
                step(doc)
            best = min(best, time.process_time() - t0)
        out[name] = 1000 * best / n_docs
    out["total"] = sum(out[name] for name in STEPS)
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("corpus", type=Path)
    ap.add_argument("-n", type=int, default=1000)
    ap.add_argument("--baseline", type=Path, help="src folder of the revision to compare")
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-trail-variant", action="store_true", help="skip 'trail-off'")
    ap.add_argument("--child", nargs=2, metavar=("TEXTS", "N_DOCS"), help=argparse.SUPPRESS)
    ap.add_argument("--trail-off", action="store_true", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        if args.trail_off:
            from bench_trail import switch_trail_off  # this folder is sys.path[0]

            switch_trail_off()
        print(json.dumps(time_steps(Path(args.child[0]), int(args.child[1]), args.repeat)))
        return
    here = str(Path(__file__).resolve().parent.parent / "src")
    variants: list[tuple[str, str, bool]] = [("new", here, False)]
    if not args.no_trail_variant:
        variants.append(("trail-off", here, True))
    if args.baseline is not None:
        variants.append(("baseline", str(args.baseline.resolve()), False))
    with tempfile.TemporaryDirectory() as tmp:
        texts_file = Path(tmp) / "texts.pkl"
        n_docs = capture(args.corpus, args.n, texts_file)
        best: dict[str, dict[str, float]] = {}
        for _ in range(args.rounds):
            for label, src, off in variants:
                cmd = [sys.executable, __file__, str(args.corpus), "--repeat", str(args.repeat)]
                cmd += ["--child", str(texts_file), str(n_docs)] + (["--trail-off"] if off else [])
                env = {**os.environ, "PYTHONPATH": src}
                run = subprocess.run(cmd, env=env, capture_output=True, text=True, check=True)
                got = json.loads(run.stdout.strip().splitlines()[-1])
                prev = best.setdefault(label, got)
                for key, value in got.items():
                    prev[key] = min(prev[key], value)
    print(f"{n_docs} documents, CPU ms per document (best of {args.rounds} rounds)")
    print(f"{'step':16}" + "".join(f"{label:>12}" for label in best))
    for key in (*STEPS, "total"):
        print(f"{key:16}" + "".join(f"{best[label][key]:12.3f}" for label in best))
    for label in best:
        if label != "new":
            ratio = best["new"]["total"] / best[label]["total"]
            print(f"new / {label}: x{ratio:.3f}")


if __name__ == "__main__":
    main()
