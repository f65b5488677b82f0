"""Corpus steps' ``prepare`` (repeated lines, templates, dedup): CPU per document, and the
features they store compared byte for byte with another revision's, in the same run.

Usage::

    PYTHONPATH=src python benchmarks/bench_corpus_prepare.py -n 3000
    PYTHONPATH=src python benchmarks/bench_corpus_prepare.py -n 3000 --baseline b9a7370
    PYTHONPATH=src python benchmarks/bench_corpus_prepare.py -n 3000 --baseline b9a7370 --build

The reports are made by ``benchmarks/generate.py`` and passed once through the default
pipeline's document steps (cached as a pickle beside the corpus), so each ``prepare`` sees
what it sees in a default build. ``--baseline REV`` extracts that revision's ``src`` with
``git archive`` into a temporary folder and runs its ``prepare`` methods in a child process
over the same cached documents. Each side reports per-step CPU seconds
(``time.process_time``; the minimum over ``--repeat`` rounds, the sides alternating) and a
digest of every feature each step stored per document. Any differing document is counted
and makes the exit status 1: the features are all the fits read from a document, so equal
features mean equal dedup decisions, cluster ids, removals and output bytes. ``--build``
checks that end to end too: a full build (2 workers) of the same generated inputs with
each side's ``src``, and the data and manifest parquet files compared byte for byte.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import pickle
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CACHE = Path(tempfile.gettempdir()) / "lawrpt-bench-corpus-prepare"


def _docs(n: int, seed: int) -> Path:
    """The pickle of the ``n`` generated documents after the document steps (cached)."""
    sys.path.insert(0, str(ROOT / "benchmarks"))
    import generate

    CACHE.mkdir(parents=True, exist_ok=True)
    out = CACHE / f"docs-{n}-s{seed}-{generate.GENERATOR.replace('/', '_').replace(' ', '_')}.pkl"
    if out.exists():
        return out
    from lawrpt_corpus import Document, default_pipeline

    corpus = CACHE / f"corpus-{n}-s{seed}"
    if not (corpus / "truth.jsonl").exists():
        generate.generate(n, corpus, seed)
    pipe = default_pipeline()
    docs = []
    with open(corpus / "truth.jsonl", encoding="utf-8") as fh:
        files = [json.loads(line)["file"] for line in fh]
    for rel in files:
        doc = Document.from_bytes(rel, (corpus / rel).read_bytes())
        for step in pipe.document_steps:
            if doc.kept:
                doc = step(doc)
        if doc.kept:
            docs.append(doc)
    tmp = out.with_suffix(".tmp")
    tmp.write_bytes(pickle.dumps(docs, protocol=pickle.HIGHEST_PROTOCOL))
    tmp.rename(out)
    return out


def child(src: str, docs_path: str, repeat: int) -> None:
    """Run in a process whose ``sys.path`` starts with ``src``: time and digest prepares."""
    sys.path.insert(0, src)
    from lawrpt_corpus import default_pipeline

    steps = default_pipeline().corpus_steps
    raw = Path(docs_path).read_bytes()
    secs: dict[str, float] = {s.name: float("inf") for s in steps}
    digests: list[str] = []
    for r in range(repeat):
        docs = pickle.loads(raw)
        for d in docs:  # warm-up: tables, automata, compiled kernels
            d.features.clear()
        if r == 0:
            for step in steps:
                for d in docs[:5]:
                    step.prepare(d)
            docs = pickle.loads(raw)
        for step in steps:
            t0 = time.process_time()
            for d in docs:
                step.prepare(d)
            secs[step.name] = min(secs[step.name], time.process_time() - t0)
        if r == 0:
            for d in docs:
                h = hashlib.blake2b(digest_size=16)
                for k in sorted(d.features):
                    h.update(k.encode())
                    h.update(pickle.dumps(_plain(d.features[k]), protocol=4))
                digests.append(h.hexdigest())
    print(json.dumps({"docs": len(digests), "secs": secs, "digests": digests}))


def _plain(v: Any) -> Any:
    """Feature values in a form whose pickle depends only on the value (arrays → bytes)."""
    if isinstance(v, tuple):
        return tuple(_plain(x) for x in v)
    if hasattr(v, "tobytes") and not isinstance(v, bytes):
        return (type(v).__name__, v.tobytes())
    return v


def _run(src: Path, docs: Path, repeat: int, env: dict[str, str] | None = None) -> dict[str, Any]:
    cmd = [sys.executable, __file__, "--child", str(src), str(docs), str(repeat)]
    out = subprocess.run(cmd, check=True, capture_output=True, text=True, env=env)
    return json.loads(out.stdout.strip().splitlines()[-1])  # type: ignore[no-any-return]


def _archive(rev: str, dest: Path) -> Path:
    data = subprocess.run(
        ["git", "-C", str(ROOT), "archive", rev, "src"], check=True, capture_output=True
    ).stdout
    with tarfile.open(fileobj=BytesIO(data)) as tar:
        tar.extractall(dest, filter="data")
    return dest / "src"


def _build_check(sides: dict[str, Path], n: int, seed: int, tmp: Path) -> int:
    """Build the generated corpus with each side's ``src``; the number of data/manifest
    parquet files that differ (a file on one side only counts as differing)."""
    import os

    corpus = CACHE / f"corpus-{n}-s{seed}"
    outs = {}
    for name, src in sides.items():
        out = tmp / f"build-{name}"
        env = {**os.environ, "PYTHONPATH": str(src)}
        cmd = [sys.executable, "-m", "lawrpt_corpus", "build", str(corpus / "raw")]
        cmd += ["--out", str(out), "--workers", "2", "--quiet"]
        subprocess.run(cmd, check=True, env=env, cwd=tmp)
        outs[name] = {
            str(f.relative_to(out)): f.read_bytes()
            for f in sorted(out.rglob("*.parquet"))
            if "manifest" in f.name or "data" in f.parts or "data" in f.name
        }
    a, b = outs.values()
    names = sorted(a.keys() | b.keys())
    diff = [k for k in names if a.get(k) != b.get(k)]
    print(f"build check: {len(names)} parquet files (data + manifest), {len(diff)} differ")
    for k in diff:
        print(f"  differs: {k}")
    return len(diff) if names else 1


def main(argv: list[str] | None = None) -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("-n", type=int, default=3000, help="generated documents (default 3000)")
    p.add_argument("--seed", type=int, default=0)
    p.add_argument("--repeat", type=int, default=3, help="timed rounds (minimum kept)")
    p.add_argument("--baseline", help="git revision to compare with (features and CPU)")
    p.add_argument("--no-numba", action="store_true", help="run with LAWRPT_NO_NUMBA=1")
    p.add_argument(
        "--build", action="store_true", help="also compare full builds (with --baseline)"
    )
    p.add_argument("--child", nargs=3, help=argparse.SUPPRESS)
    args = p.parse_args(argv)
    if args.child:
        child(args.child[0], args.child[1], int(args.child[2]))
        return 0
    sys.path.insert(0, str(ROOT / "src"))
    docs = _docs(args.n, args.seed)
    import os

    env = dict(os.environ)
    if args.no_numba:
        env["LAWRPT_NO_NUMBA"] = "1"
    with tempfile.TemporaryDirectory() as tmp:
        sides = {"current": ROOT / "src"}
        if args.baseline:
            sides = {"baseline": _archive(args.baseline, Path(tmp)), **sides}
        res: dict[str, dict[str, Any]] = {}
        for _ in range(args.repeat):  # rounds alternate sides: load hits both alike
            for name, src in sides.items():
                got = _run(src, docs, 1, env)
                if name not in res:
                    res[name] = got
                else:
                    for k, v in got["secs"].items():
                        res[name]["secs"][k] = min(res[name]["secs"][k], v)
        built = _build_check(sides, args.n, args.seed, Path(tmp)) if args.build else 0
    n = res["current"]["docs"]
    print(f"{n} documents, CPU ms per document (min of {args.repeat}):")
    names = list(res["current"]["secs"])
    print(f"{'step':<16}" + "".join(f"{s:>12}" for s in res))
    for name in [*names, "total"]:
        row = []
        for side in res.values():
            v = sum(side["secs"].values()) if name == "total" else side["secs"][name]
            row.append(f"{1000 * v / n:12.3f}")
        print(f"{name:<16}" + "".join(row))
    if "baseline" in res:
        a, b = res["baseline"]["digests"], res["current"]["digests"]
        diff = sum(1 for x, y in zip(a, b, strict=True) if x != y) if len(a) == len(b) else n
        print(f"documents whose prepared features differ from the baseline: {diff}")
        return 1 if diff or built else 0
    return 0


if __name__ == "__main__":
    sys.exit(main())
