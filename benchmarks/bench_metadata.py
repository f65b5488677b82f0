"""Throughput of the metadata step (run: PYTHONPATH=src python benchmarks/bench_metadata.py).

Measures, on the five seeds (raw text, as the step may see it):
* gazetteer load + compile time (once per process);
* ``Gazetteer.find`` over ~1 MB of report text;
* the whole step (``extract``) per document, in MB/s of UTF-8 input.

``--truth`` measures precision and coverage per field on the labeled truth set
(tests/data/metadata/truth.tsv, real titles/issuers in report-shaped frames; see
tests/helpers/metadata_truth.py): per split (dev / held-out), per issuer level, and in all.

``--baseline REV`` also loads the metadata package of git revision ``REV`` (exported with
``git archive`` under another package name) and runs both on ``-n`` generated reports
(benchmarks/generate.py, cleaned by the steps that run before metadata in a default build,
plus the raw pages): every output (fields, evidence, sections, flags) is compared, and the
CPU time of both is measured in alternating blocks of 50 documents, so load from other jobs
hits both alike. The exit status is 1 when an output differs.

Times are process CPU time (robust on a shared machine). Figures: docs/performance.md
("Metadata step").
"""

from __future__ import annotations

import argparse
import importlib
import json
import sys
import tempfile
import time
from pathlib import Path
from types import ModuleType
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from baseline_src import export_src  # noqa: E402


def seeds_bench() -> dict[str, Any]:
    t0 = time.process_time()
    from lawrpt_corpus.metadata.gazetteer import gazetteer
    from lawrpt_corpus.metadata.step import extract

    g = gazetteer()
    extract("预热")
    load = time.process_time() - t0
    seeds = [p.read_text("utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
    n_bytes = sum(len(s.encode()) for s in seeds)

    big = "\n".join(seeds) * max(1, (1 << 20) // n_bytes)
    t = time.process_time()
    n = len(g.find(big))
    find_s = time.process_time() - t
    mb = len(big.encode()) / 1e6

    reps = 40
    t = time.process_time()
    for _ in range(reps):
        for s in seeds:
            extract(s)
    step_s = time.process_time() - t
    docs = reps * len(seeds)
    return {
        "python": sys.version.split()[0],
        "gazetteer_load_compile_cpu_s": round(load, 2),
        "find_mb": round(mb, 2),
        "find_mentions": n,
        "find_mb_per_s": round(mb / find_s, 1),
        "seeds_extract_docs": docs,
        "seeds_extract_mb_per_s": round(reps * n_bytes / 1e6 / step_s, 1),
        "seeds_extract_ms_per_doc": round(1000 * step_s / docs, 3),
    }


def load_baseline(rev: str, where: Path) -> ModuleType:
    """The metadata step of git revision ``rev`` as package ``lawrpt_baseline``."""
    export_src(rev, where)
    pkg = where / "lawrpt_baseline"
    (where / "src" / "lawrpt_corpus").rename(pkg)
    (pkg / "__init__.py").write_text("")  # the step alone: not the package's public API
    sys.path.insert(0, str(where))
    return importlib.import_module("lawrpt_baseline.metadata.step")


def _output(res: Any) -> tuple[Any, ...]:
    ev = {k: v.as_dict() for k, v in res.evidence.items()}
    return (res.meta, ev, res.sections, res.flags)


def compare(texts: list[str], old: ModuleType, new: ModuleType) -> dict[str, Any]:
    old.extract("预热")
    new.extract("预热")
    t = {"old": 0.0, "new": 0.0}
    diffs: list[int] = []
    for s in range(0, len(texts), 50):
        block = texts[s : s + 50]
        outs = {}
        for name, mod in (("old", old), ("new", new)):
            c0 = time.process_time()
            outs[name] = [mod.extract(x) for x in block]
            t[name] += time.process_time() - c0
        for i, (a, b) in enumerate(zip(outs["old"], outs["new"], strict=True)):
            if _output(a) != _output(b):
                diffs.append(s + i)
    n = len(texts)
    return {
        "docs": n,
        "mean_chars": round(sum(map(len, texts)) / n),
        "old_ms_per_doc": round(1000 * t["old"] / n, 3),
        "new_ms_per_doc": round(1000 * t["new"] / n, 3),
        "speedup": round(t["old"] / t["new"], 2),
        "differences": len(diffs),
        "first_differences": diffs[:5],
    }


def truth_quality() -> dict[str, Any]:
    """Per-field precision / coverage of the metadata step on the labeled truth set: in all,
    per split (``dev``, ``heldout``) and per issuer level (by the row's label)."""
    sys.path.insert(0, str(ROOT))
    from tests.helpers import metadata_truth as mt

    rows = mt.load()
    groups: dict[str, list[Any]] = {"all": rows}
    for r in rows:
        groups.setdefault(f"split:{r.split}", []).append(r)
        level = r.labels["admin_level"] if r.has_issuer else "no-issuer"
        groups.setdefault(f"level:{level}", []).append(r)
    out: dict[str, Any] = {}
    for name in sorted(groups):
        scores = mt.score(groups[name])
        out[name] = {
            "rows": len(groups[name]),
            "fields": {
                t["field"]: {
                    "precision": t["precision"],
                    "coverage": t["coverage"] if t["labeled"] else None,  # None: all must be null
                    "filled": t["filled"],
                    "labeled": t["labeled"],
                }
                for t in mt.table(scores)
            },
        }
    return out


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--truth", action="store_true", help="precision/coverage on the truth set")
    ap.add_argument("--baseline", help="git revision to compare with (old vs new)")
    ap.add_argument("-n", type=int, default=2000, help="generated reports for --baseline")
    args = ap.parse_args()
    if args.truth:
        print(json.dumps(truth_quality(), indent=1, ensure_ascii=False))
        return 0
    out: dict[str, Any] = {"seeds": seeds_bench()}
    bad = 0
    if args.baseline:
        import bench_dedup_sig as gen  # the generated-report helpers

        new = importlib.import_module("lawrpt_corpus.metadata.step")
        with tempfile.TemporaryDirectory() as tmp:
            old = load_baseline(args.baseline, Path(tmp))
            pages = gen.generated_pages(args.n)
            cleaned = gen.cleaned(pages)
            seeds = [p.read_text("utf-8") for p in sorted((ROOT / "seeds").glob("*.txt"))]
            out["baseline"] = args.baseline
            out["cleaned"] = compare(cleaned, old, new)
            out["raw_pages"] = compare(pages[: args.n // 4], old, new)
            out["seeds_x20"] = compare(seeds * 20, old, new)
            bad = sum(out[k]["differences"] for k in ("cleaned", "raw_pages", "seeds_x20"))
    print(json.dumps(out, indent=1, ensure_ascii=False))
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
