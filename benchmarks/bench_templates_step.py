"""``Templates`` alone — ``prepare``, ``fit``, ``apply`` — CPU time, this tree against a
baseline revision, with every output compared.

    PYTHONPATH=src python benchmarks/bench_templates_step.py /tmp/c10k/raw \\
        [--baseline REV] [--rounds 2] [-n N] [--docs-file FILE]

One process reads the inputs (a folder of raw files, as ``build`` takes them), runs the
default pipeline's per-document stage on each (document steps and every corpus step's
``prepare``; the ``templates.*`` features are then dropped) and keeps the kept documents as
a pickle (``--docs-file``, default in the system's temporary folder; reused when it exists).
Then, ``--rounds`` times, alternating, a fresh interpreter per side (this tree's ``src``,
the baseline's) loads the documents and times, in CPU seconds (``time.process_time``):
``prepare`` on every kept document (warm-up on the first five first), ``fit`` over the
prepared documents (a list in memory: the replay's unpickling is not counted; one process,
no pool — the cost the build's serial path pays, less what the pool takes) and ``apply`` on
every document. numba is imported first when installed, as in a build's workers (Dedup
imports it); ``--no-numba`` runs both sides with ``LAWRPT_NO_NUMBA=1``. The figure per
stage is the minimum over the rounds. Compared between the sides: a digest of every
document's Templates features, of the fitted state (``strict``, ``strict_spans``, ``bare``
and the report) and of every document after ``apply`` (text, removals, rejection). Exit
status 1 when anything differs.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import pickle
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from baseline_src import baseline_src  # this folder is sys.path[0]

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
_PREFIX = "templates."


def prepare_docs(inputs: str, limit: int | None, out: Path) -> None:
    """The kept documents after the per-document stage, without Templates' features."""
    from lawrpt_corpus import default_pipeline
    from lawrpt_corpus.engines.base import process_item
    from lawrpt_corpus.io.readers import iter_inputs

    pipe = default_pipeline()
    items = list(iter_inputs([Path(inputs)]))
    if limit:
        items = items[:limit]
    docs = []
    for seq, item in enumerate(items):
        doc = process_item(pipe, item)
        doc.seq = seq
        if doc.kept:
            docs.append(doc)
    for doc in docs:
        for k in [k for k in doc.features if k.startswith(_PREFIX)]:
            del doc.features[k]
    tmp = out.with_suffix(".tmp")
    tmp.write_bytes(pickle.dumps(docs, protocol=pickle.HIGHEST_PROTOCOL))
    tmp.rename(out)


def _digest(h: Any, value: Any) -> None:
    if hasattr(value, "tobytes") and not isinstance(value, bytes):
        value = (type(value).__name__, value.tobytes())
    h.update(pickle.dumps(value, protocol=4))


def child(path: str) -> dict[str, Any]:
    if not os.environ.get("LAWRPT_NO_NUMBA"):
        try:  # as in a build's worker, where Dedup imported numba after its warm-up
            import numba  # noqa: F401
        except ImportError:
            pass
    from lawrpt_corpus.boilerplate import Templates

    raw = Path(path).read_bytes()
    docs = pickle.loads(raw)
    step = Templates()
    clock = time.process_time
    warm = pickle.loads(raw)[:5]
    for d in warm:
        step.prepare(d)
    t0 = clock()
    for d in docs:
        step.prepare(d)
    prep = clock() - t0
    feats = hashlib.blake2b(digest_size=16)
    for d in docs:
        for k in sorted(k for k in d.features if k.startswith(_PREFIX)):
            feats.update(k.encode())
            _digest(feats, d.features[k])
    t0 = clock()
    state = step.fit(docs)
    fit = clock() - t0
    canon = json.dumps(
        [sorted(state.strict), sorted(state.strict_spans), list(state.bare), state.report],
        sort_keys=True,
        ensure_ascii=False,
    )
    t0 = clock()
    out = [step.apply(d) for d in docs]
    apply = clock() - t0
    res = hashlib.blake2b(digest_size=16)
    changed = 0
    for d in out:
        rules = [(r.rule, r.text, r.start) for r in d.removed]
        _digest(res, (d.text, d.status, d.reason, rules))
        changed += any(r[0].startswith(("template.", "span.", "block.")) for r in rules)
    return {
        "docs": len(docs),
        "secs": {"prepare": prep, "fit": fit, "apply": apply},
        "features": feats.hexdigest(),
        "state": hashlib.blake2b(canon.encode(), digest_size=16).hexdigest(),
        "output": res.hexdigest(),
        "strict": [len(state.strict), len(state.strict_spans), len(state.bare)],
        "changed_docs": changed,
    }


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("inputs", nargs="?", help="a folder of raw inputs (e.g. /tmp/c10k/raw)")
    ap.add_argument("-n", type=int, default=0, help="the first N inputs only (0: all)")
    ap.add_argument("--baseline", help="a git revision (or src folder) to measure too")
    ap.add_argument("--rounds", type=int, default=2)
    ap.add_argument("--docs-file", help="the prepared documents (made when missing)")
    ap.add_argument("--no-numba", action="store_true", help="both sides with LAWRPT_NO_NUMBA=1")
    ap.add_argument("--child", help=argparse.SUPPRESS)
    ap.add_argument("--prep", nargs=2, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        print(json.dumps(child(args.child)))
        return 0
    if args.prep:
        prepare_docs(args.prep[0], args.n or None, Path(args.prep[1]))
        return 0
    if not args.inputs and not args.docs_file:
        ap.error("give the inputs folder or --docs-file")
    docs_file = Path(
        args.docs_file or Path(tempfile.gettempdir()) / f"tmplstep-{abs(hash(args.inputs))}.pkl"
    )
    tmp = Path(tempfile.mkdtemp(prefix="bench-tmplstep-"))
    sides = {"this": ROOT / "src"}
    if args.baseline:
        sides = {"baseline": baseline_src(args.baseline, tmp / "base"), **sides}
    me = [sys.executable, str(Path(__file__).resolve())]
    if not docs_file.exists():
        env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
        cmd = [*me, "--prep", args.inputs, str(docs_file), "-n", str(args.n)]
        subprocess.run(cmd, check=True, env=env)
    runs: dict[str, list[dict[str, Any]]] = {s: [] for s in sides}
    for _ in range(args.rounds):
        for name, src in sides.items():
            env = {**os.environ, "PYTHONPATH": str(src)}
            if args.no_numba:
                env["LAWRPT_NO_NUMBA"] = "1"
            got = subprocess.run(
                [*me, "--child", str(docs_file)], check=True, env=env, capture_output=True
            )
            runs[name].append(json.loads(got.stdout.decode().strip().splitlines()[-1]))
    load = os.getloadavg()[0]
    n = runs["this"][0]["docs"]
    print(f"{n} documents, CPU ms per document, min of {args.rounds} (load now {load:.1f})")
    print(f"{'stage':<10}" + "".join(f"{s:>12}" for s in sides) + "   rounds")
    for stage in ("prepare", "fit", "apply"):
        row = "".join(
            f"{1000 * min(r['secs'][stage] for r in rs) / n:12.3f}" for rs in runs.values()
        )
        each = " | ".join(
            "/".join(f"{1000 * r['secs'][stage] / n:.3f}" for r in rs) for rs in runs.values()
        )
        print(f"{stage:<10}{row}   {each}")
    bad = 0
    for key in ("features", "state", "output", "strict", "changed_docs"):
        vals = {json.dumps(r[key]) for rs in runs.values() for r in rs}
        same = len(vals) == 1
        bad += not same
        print(f"{key}: {'same' if same else 'DIFFER'} {sorted(vals)[0] if same else sorted(vals)}")
    subprocess.run(["rm", "-rf", str(tmp)], check=False)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
