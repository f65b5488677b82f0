"""StripBoilerplate vs the plain per-line loop: identical output, and CPU time per report.

    PYTHONPATH=src python benchmarks/bench_boilerplate_equiv.py [--n 2000] [--corpus DIR]
    PYTHONPATH=src python benchmarks/bench_boilerplate_equiv.py --baseline REV [--n 2000]

Generates ``--n`` scraped pages with benchmarks/generate.py (or reads ``--corpus``, a folder
it wrote), brings them to the boilerplate step's input (decode → hygiene → typography →
script), then runs the step and tests/helpers/boilerplate_reference.py's ``ReferenceStrip`` (the
step as it was before the prefilter: every rule tried on every line) on copies of every
document, in alternating chunks so both see the same machine load. Compares text, status,
``removed``, flags and edits byte for byte (exit 1 on any difference) and prints CPU ms per
report for each (``time.process_time``), then the share of the generator's inserted
boilerplate lines (truth.jsonl) still verbatim in the kept text, per category.

``--baseline REV``: the whole default step (rules, score layer, blocks) of git revision
``REV`` (its ``src`` exported with ``git archive`` and imported as package
``lawrpt_baseline``) against the current one, on the generated pages plus the seeds (as
they come, indented, with CRLF breaks, and through decode → script), same comparison and
same alternating timing: the oracle of the engine's speed work (any difference: exit 1).
"""

from __future__ import annotations

import argparse
import copy
import importlib
import json
import shutil
import sys
import tempfile
import time
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

from baseline_src import export_src  # noqa: E402
from tests.helpers.boilerplate_reference import ReferenceStrip  # noqa: E402

from lawrpt_corpus import DecodeStep, Hygiene, ScriptNormalize, Typography  # noqa: E402
from lawrpt_corpus.boilerplate import StripBoilerplate  # noqa: E402
from lawrpt_corpus.document import Document  # noqa: E402


def state(doc: Document) -> tuple[object, ...]:
    return (
        doc.text,
        doc.status,
        [(r.rule, r.text) for r in doc.removed],
        list(doc.flags),
        repr(doc.edits),
    )


def load(corpus: Path) -> list[Document]:
    steps = [DecodeStep(), Hygiene(), Typography(), ScriptNormalize()]
    docs = []
    for f in sorted((corpus / "raw").rglob("*.txt")):
        doc = Document.from_bytes(str(f.relative_to(corpus / "raw")), f.read_bytes())
        for step in steps:
            doc = step(doc)
        if doc.status != "rejected":
            doc.raw = None
            docs.append(doc)
    return docs


def load_baseline(rev: str, where: Path) -> Any:
    """``StripBoilerplate`` of git revision ``rev`` (package ``lawrpt_baseline``); ``rev``
    may also be a ``src`` folder (e.g. a tree with some commits reverted)."""
    if Path(rev).is_dir():
        shutil.copytree(Path(rev) / "lawrpt_corpus", where / "lawrpt_baseline")
        sys.path.insert(0, str(where))
        return importlib.import_module("lawrpt_baseline.boilerplate").StripBoilerplate
    export_src(rev, where)
    (where / "src" / "lawrpt_corpus").rename(where / "lawrpt_baseline")
    sys.path.insert(0, str(where))
    return importlib.import_module("lawrpt_baseline.boilerplate").StripBoilerplate


def seed_docs() -> list[Document]:
    """The seeds as they come, indented, with CRLF breaks, with every 7th line in
    traditional script (the view's t2s), and through decode → script."""
    import opencc

    s2t = opencc.OpenCC("s2t.json")
    steps = [DecodeStep(), Hygiene(), Typography(), ScriptNormalize()]
    docs = []
    for p in sorted((ROOT / "seeds").glob("*.txt")):
        raw = p.read_text(encoding="utf-8")
        lines = raw.split("\n")
        mixed = "\n".join(s2t.convert(ln) if k % 7 == 3 else ln for k, ln in enumerate(lines))
        forms = (raw, raw.replace("\n", "\n  "), raw.replace("\n", "\r\n"), mixed)
        for k, text in enumerate(forms):
            docs.append(Document(source=f"{p.name}#{k}", raw_sha256="0" * 64, n_bytes=0, text=text))
        doc = Document.from_bytes(p.name, p.read_bytes())
        for step in steps:
            doc = step(doc)
        doc.raw = None
        docs.append(doc)
    return docs


def compare(docs: list[Document], new: Any, old: Any, chunk: int) -> tuple[list[str], float, float]:
    """Sources whose outputs differ, CPU seconds of ``new`` and of ``old`` (alternating
    chunks of copies, so both see the same machine load)."""
    cpu_new = cpu_old = 0.0
    differ: list[str] = []
    for i in range(0, len(docs), chunk):
        part = docs[i : i + chunk]
        a = [copy.deepcopy(d) for d in part]
        b = [copy.deepcopy(d) for d in part]
        t = time.process_time()
        b = [old(d) for d in b]
        cpu_old += time.process_time() - t
        t = time.process_time()
        a = [new(d) for d in a]
        cpu_new += time.process_time() - t
        differ += [x.source for x, y in zip(a, b, strict=True) if state(x) != state(y)]
    return differ, cpu_new, cpu_old


def main_baseline(args: argparse.Namespace, docs: list[Document]) -> int:
    with tempfile.TemporaryDirectory() as tmp:
        old_cls = load_baseline(args.baseline, Path(tmp))
        new, old = StripBoilerplate(), old_cls()
        warm = copy.deepcopy(docs[0])
        new(copy.deepcopy(warm)), old(warm)  # compile, build the automata outside the timing
        seeds = seed_docs()
        differ_seeds, _, _ = compare(seeds, new, old, args.chunk)
        best: tuple[float, float] | None = None
        differ: list[str] = []
        for _ in range(args.repeat):
            for step in (new, old):  # each run starts cold: no line verdicts kept from the last
                getattr(getattr(step, "_model", None), "_verdicts", {}).clear()
                for rule in step.ruleset.rules:
                    getattr(rule, "_verdicts", {}).clear()
                for memo in ("verdicts", "old_verdicts"):  # the line verdicts
                    getattr(step.ruleset.plan, memo, {}).clear()
            for blocks in (sys.modules.get("lawrpt_corpus.boilerplate.blocks"),):
                for name in ("kind", "_short_kind"):
                    getattr(getattr(blocks, name, None), "cache_clear", lambda: None)()
            differ, cpu_new, cpu_old = compare(docs, new, old, args.chunk)
            if best is None or cpu_new + cpu_old < sum(best):
                best = (cpu_new, cpu_old)
    assert best is not None
    n = len(docs)
    chars = sum(len(d.text) for d in docs) / n
    print(f"{n} reports (mean {chars:,.0f} characters) at the boilerplate step's input")
    print(f"identical output to {args.baseline}: {n - len(differ)}/{n} generated", end="")
    print(f", {len(seeds) - len(differ_seeds)}/{len(seeds)} seed forms")
    for src in (differ + differ_seeds)[:10]:
        print(f"  DIFFER: {src}")
    cpu_new, cpu_old = best
    print(
        f"CPU per report (best of {args.repeat}): {args.baseline} {cpu_old * 1000 / n:.3f} ms, "
        f"current {cpu_new * 1000 / n:.3f} ms  ({cpu_old / cpu_new:.2f}x)"
    )
    return 1 if differ or differ_seeds else 0


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--corpus", type=Path, default=None)
    ap.add_argument("--chunk", type=int, default=100)
    ap.add_argument("--baseline", help="git revision (or src folder) to compare the step with")
    ap.add_argument("--repeat", type=int, default=1, help="--baseline: timing runs (best)")
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = args.corpus
        if corpus is None:
            import generate

            corpus = Path(tmp)
            generate.generate(args.n, corpus, seed=args.seed)
        docs = load(corpus)
        truth = {}
        with open(corpus / "truth.jsonl", encoding="utf-8") as fh:
            for line in fh:
                rec = json.loads(line)
                truth[rec["file"].removeprefix("raw/")] = rec
    if args.baseline:
        return main_baseline(args, docs)
    # the prefilter is about the rules: the score layer (same in both) is left out
    fast, plain = StripBoilerplate(score=False), ReferenceStrip(score=False)
    _ = fast.ruleset.plan, plain.ruleset  # compile, build the automata outside the timing
    cpu_fast = cpu_plain = 0.0
    outputs: list[Document] = []
    differ: list[str] = []
    for i in range(0, len(docs), args.chunk):
        chunk = docs[i : i + args.chunk]
        a = [copy.deepcopy(d) for d in chunk]
        b = [copy.deepcopy(d) for d in chunk]
        t = time.process_time()
        b = [plain(d) for d in b]
        cpu_plain += time.process_time() - t
        t = time.process_time()
        a = [fast(d) for d in a]
        cpu_fast += time.process_time() - t
        differ += [x.source for x, y in zip(a, b, strict=True) if state(x) != state(y)]
        outputs += a
    n = len(docs)
    chars = sum(len(d.text) for d in docs) / n
    print(f"{n} reports (mean {chars:,.0f} characters) at the boilerplate step's input")
    print(
        f"identical output: {n - len(differ)}/{n}" + (f"  DIFFER: {differ[:10]}" if differ else "")
    )
    print(
        f"CPU per report: plain loop {cpu_plain * 1000 / n:.3f} ms, "
        f"StripBoilerplate {cpu_fast * 1000 / n:.3f} ms  ({cpu_plain / cpu_fast:.2f}x)"
    )
    left, total = Counter(), Counter()
    for doc in outputs:
        rec = truth.get(doc.source)
        if rec is None or doc.status == "rejected":
            continue
        for b in rec["boilerplate"]:
            total[b["cat"]] += 1
            left[b["cat"]] += b["text"] in doc.text
    print(
        "inserted boilerplate still verbatim in kept text: "
        + ", ".join(f"{c} {left[c] / total[c]:.1%}" for c in sorted(total))
    )
    return 1 if differ else 0


if __name__ == "__main__":
    sys.exit(main())
