"""Same inputs, two revisions: are the built datasets byte-identical?

``PYTHONPATH=src python benchmarks/identical_output.py --baseline REV [-n 2000] [--workers 1]
[--engine ray]``

Generates ``-n`` raw reports (benchmarks/generate.py: UTF-8, GB18030, Big5, UTF-16, with
chrome, noise, mojibake, masks, duplicates), exports ``src`` of git revision ``REV`` with
``git archive``, and runs ``python -m lawrpt_corpus build`` once with that tree and once with
this one (same interpreter, same worker count, same ``--engine``). Then every parquet file
of the two output folders (data shards and manifest) is compared: first byte for byte, and
where the bytes differ, table by table (schema, row count, each column), so that the report
says which column of which rows changed. The dataset card (``README.md``: its split bytes,
example counts, statistics) is compared whole, and build.json without its ``timings``.

The oracle for speed work: an optimisation must leave every byte as it was. Exit status 1
when anything differs.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

from baseline_src import export_src  # this folder is sys.path[0]

ROOT = Path(__file__).resolve().parent.parent


def _build(src: Path, inputs: Path, out: Path, workers: int, engine: str = "local") -> None:
    env = {**os.environ, "PYTHONPATH": str(src)}
    cmd = [sys.executable, "-m", "lawrpt_corpus", "build", str(inputs), "--out", str(out)]
    cmd += ["--workers", str(workers), "--overwrite", "--quiet"]
    if engine != "local":
        cmd += ["--engine", engine]
    subprocess.run(cmd, check=True, env=env, cwd=str(out.parent))


def _compare_tables(a: Path, b: Path) -> list[str]:
    import pyarrow.parquet as pq

    ta, tb = pq.read_table(a), pq.read_table(b)
    out: list[str] = []
    if ta.schema != tb.schema:
        out.append("schema differs")
    if ta.num_rows != tb.num_rows:
        out.append(f"rows {ta.num_rows} vs {tb.num_rows}")
        return out
    for name in ta.column_names:
        if name not in tb.column_names:
            out.append(f"column {name} missing")
            continue
        ca, cb = ta.column(name).to_pylist(), tb.column(name).to_pylist()
        rows = [i for i, (x, y) in enumerate(zip(ca, cb, strict=True)) if x != y]
        if rows:
            out.append(f"column {name}: {len(rows)} rows differ (first {rows[:5]})")
    if not out:
        out.append("same tables, different bytes (parquet metadata)")
    return out


def compare(old: Path, new: Path) -> dict[str, Any]:
    files_old = sorted(p.relative_to(old) for p in old.rglob("*.parquet"))
    files_new = sorted(p.relative_to(new) for p in new.rglob("*.parquet"))
    res: dict[str, Any] = {"files": len(files_new), "identical": [], "differ": {}}
    if files_old != files_new:
        res["differ"]["(file list)"] = [str(p) for p in sorted(set(files_old) ^ set(files_new))]
    for rel in files_new:
        if rel not in files_old:
            continue
        if (old / rel).read_bytes() == (new / rel).read_bytes():
            res["identical"].append(str(rel))
        else:
            res["differ"][str(rel)] = _compare_tables(old / rel, new / rel)
    for name in ("README.md", "build.json"):
        a, b = _summary(old / name), _summary(new / name)
        if a == b:
            res["identical"].append(name)
        else:
            res["differ"][name] = _diff(a, b)
    return res


def _summary(path: Path) -> Any:
    """The card's text, or build.json without ``timings`` (the only field that varies)."""
    if not path.exists():
        return None
    text = path.read_text(encoding="utf-8")
    if path.suffix != ".json":
        return text
    summary = json.loads(text)
    summary.pop("timings", None)
    return summary


def _diff(a: Any, b: Any) -> list[str]:
    if isinstance(a, dict) and isinstance(b, dict):
        return [f"{k} differs" for k in sorted(set(a) | set(b)) if a.get(k) != b.get(k)]
    if isinstance(a, str) and isinstance(b, str):
        pairs = zip(a.splitlines(), b.splitlines(), strict=False)
        lines = [f"{x!r} vs {y!r}" for x, y in pairs if x != y]
        return lines[:5] or ["line count differs"]
    return ["missing in one output"]


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--baseline", required=True, help="git revision to compare with")
    ap.add_argument("-n", type=int, default=2000, help="generated reports")
    ap.add_argument("--workers", type=int, default=1)
    ap.add_argument("--engine", choices=("local", "ray"), default="local", help="both builds")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--keep", help="keep the corpus and both outputs in this folder")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp_name:
        tmp = Path(args.keep) if args.keep else Path(tmp_name)
        tmp.mkdir(parents=True, exist_ok=True)
        corpus = tmp / f"corpus-{args.n}-{args.seed}"
        if not (corpus / "truth.jsonl").exists():
            gen = [sys.executable, str(ROOT / "benchmarks" / "generate.py"), "--n", str(args.n)]
            subprocess.run([*gen, "--out", str(corpus), "--seed", str(args.seed)], check=True)
        base = tmp / "baseline"
        base.mkdir(exist_ok=True)
        old_src = export_src(args.baseline, base)
        old_out, new_out = tmp / "out-baseline", tmp / "out-current"
        _build(old_src, corpus / "raw", old_out, args.workers, args.engine)
        _build(ROOT / "src", corpus / "raw", new_out, args.workers, args.engine)
        res = compare(old_out, new_out)
    out = {
        "baseline": args.baseline,
        "docs": args.n,
        "workers": args.workers,
        "engine": args.engine,
        "parquet_files": res["files"],
        "identical_files": len(res["identical"]),  # of the parquet files, card and build.json
        "differ": res["differ"],
    }
    print(json.dumps(out, indent=1, ensure_ascii=False))
    return 1 if res["differ"] else 0


if __name__ == "__main__":
    raise SystemExit(main())
