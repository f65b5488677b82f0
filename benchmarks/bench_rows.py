"""The final pass's data tables: ``data_row`` dicts or records → ``rows_table``, same run.

    PYTHONPATH=src python benchmarks/bench_rows.py [--n 2000] [--corpus DIR] [--repeat 7]

Generates ``--n`` reports with benchmarks/generate.py (or reads ``--corpus``, a folder it
wrote), runs the default pipeline's per-document steps on each (one process), then builds
the data table of the kept documents as the Ray engine's final pass does
(``engines.ray_engine._apply_block``: one ``rows_table`` per block) two ways, alternating,
minimum of ``--repeat`` rounds of CPU time (``time.process_time``):

* ``dicts``: ``data_row(doc)`` — a dict per ``Removal`` / ``Edit`` record;
* ``records``: ``data_row(doc, records=True)`` — the records as they are, their columns
  built field by field (``publish.writer.column``), as the local writer has since session 20.

Checks that both give equal tables (exit 1 otherwise) and prints ms per row.
"""

from __future__ import annotations

import argparse
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))

from lawrpt_corpus import default_pipeline  # noqa: E402
from lawrpt_corpus.document import Document  # noqa: E402
from lawrpt_corpus.pipeline import run_document_steps  # noqa: E402
from lawrpt_corpus.publish.schema import DATA_SCHEMA, data_row  # noqa: E402
from lawrpt_corpus.publish.writer import rows_table  # noqa: E402


def load(corpus: Path) -> list[Document]:
    steps = default_pipeline().document_steps
    docs = []
    for f in sorted((corpus / "raw").rglob("*")):
        if f.is_file():
            doc = Document.from_bytes(str(f.relative_to(corpus / "raw")), f.read_bytes())
            doc = run_document_steps(steps, doc)
            if doc.kept:
                docs.append(doc)
    return docs


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--n", type=int, default=2000)
    ap.add_argument("--corpus", type=Path, default=None)
    ap.add_argument("--block", type=int, default=256, help="rows per table (a block)")
    ap.add_argument("--repeat", type=int, default=7)
    args = ap.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        corpus = args.corpus
        if corpus is None:
            import subprocess

            corpus = Path(tmp) / "corpus"
            gen = [sys.executable, str(ROOT / "benchmarks" / "generate.py")]
            subprocess.run([*gen, "--n", str(args.n), "--out", str(corpus)], check=True)
        docs = load(corpus)
    blocks = [docs[i : i + args.block] for i in range(0, len(docs), args.block)]

    def build(records: bool) -> list[object]:
        return [rows_table([data_row(d, records=records) for d in b], DATA_SCHEMA) for b in blocks]

    if [t.equals(u) for t, u in zip(build(False), build(True), strict=True)].count(False):
        print("tables differ", file=sys.stderr)
        return 1
    best = {False: float("inf"), True: float("inf")}
    for _ in range(args.repeat):
        for records in (False, True):
            t0 = time.process_time()
            build(records)
            best[records] = min(best[records], time.process_time() - t0)
    n = len(docs)
    removed = sum(len(d.removed) for d in docs) / n
    edits = sum(len(d.edits) for d in docs) / n
    print(f"{n} kept rows ({removed:.1f} removed, {edits:.1f} edits records per row)")
    print(f"equal tables; CPU ms per row, min of {args.repeat}:")
    print(f"  dicts   (data_row(doc))               {best[False] / n * 1e3:.4f}")
    print(f"  records (data_row(doc, records=True)) {best[True] / n * 1e3:.4f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
