"""Identical output: build the same corpus with another revision and with this tree, and
compare the data and manifest parquet row by row (exit 1 on any difference).

    PYTHONPATH=src python benchmarks/check_identical_output.py --baseline SRC
        [--corpus DIR | --n 2000 --seed 0] [--workers 2]

``SRC`` is the ``src`` folder of the base revision (``git archive REV src | tar -x -C DIR``).
The corpus is ``--corpus`` (a folder written by ``benchmarks/generate.py``) or one generated
here with ``--n``/``--seed``. Each build runs in a child process with its own
``PYTHONPATH``; every parquet file of the two dataset folders (shards and manifest) is read
with pyarrow and compared as tables: same files, same schema, same rows in the same order.
build.json is reported, not compared (it holds timings and the trail's counters).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

import pyarrow.parquet as pq

HERE = Path(__file__).resolve().parent


def build(src: Path, corpus: Path, out: Path, workers: int) -> None:
    env = {**os.environ, "PYTHONPATH": str(src)}
    cmd = [sys.executable, "-m", "lawrpt_corpus", "build", str(corpus / "raw")]
    cmd += ["--out", str(out), "--workers", str(workers), "--quiet"]
    subprocess.run(cmd, env=env, check=True)


def compare(a: Path, b: Path) -> list[str]:
    """Differences between the parquet files of dataset folders ``a`` and ``b``."""
    files_a = sorted(p.relative_to(a) for p in a.rglob("*.parquet"))
    files_b = sorted(p.relative_to(b) for p in b.rglob("*.parquet"))
    if files_a != files_b:
        return [f"parquet files differ: {files_a} vs {files_b}"]
    problems: list[str] = []
    for rel in files_a:
        ta, tb = pq.read_table(a / rel), pq.read_table(b / rel)
        if ta.schema != tb.schema:
            problems.append(f"{rel}: schema differs")
            continue
        if ta.num_rows != tb.num_rows:
            problems.append(f"{rel}: {ta.num_rows} vs {tb.num_rows} rows")
            continue
        for name in ta.column_names:
            ca, cb = ta.column(name).to_pylist(), tb.column(name).to_pylist()
            bad = [i for i, (x, y) in enumerate(zip(ca, cb, strict=True)) if x != y]
            if bad:
                problems.append(
                    f"{rel}: column {name!r} differs in {len(bad)} rows (first {bad[0]})"
                )
        print(f"{rel}: {ta.num_rows} rows, {len(ta.column_names)} columns compared")
    return problems


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", type=Path, required=True, help="src folder of the base")
    ap.add_argument("--corpus", type=Path, help="a folder written by generate.py")
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workers", type=int, default=2)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = args.corpus
        if corpus is None:
            corpus = Path(tmp) / "corpus"
            gen = [sys.executable, str(HERE / "generate.py"), "--n", str(args.n)]
            subprocess.run([*gen, "--out", str(corpus), "--seed", str(args.seed)], check=True)
        outs = {}
        for label, src in (("base", args.baseline.resolve()), ("new", HERE.parent / "src")):
            outs[label] = Path(tmp) / label
            build(src, corpus, outs[label], args.workers)
        problems = compare(outs["base"], outs["new"])
    for p in problems:
        print("DIFFERENT:", p)
    print("identical" if not problems else f"{len(problems)} difference(s)")
    return 1 if problems else 0


if __name__ == "__main__":
    sys.exit(main())
