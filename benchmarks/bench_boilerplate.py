"""Throughput of the boilerplate stage on the seed reports, replicated.

    PYTHONPATH=src python benchmarks/bench_boilerplate.py [--mb 20] [--form hygiene|raw]

Each seed is replicated (with a counter line so copies differ) until about ``--mb`` MB of
UTF-8 text; StripBoilerplate runs over every document in one process, then RepeatedLines
(prepare + fit + apply). Prints MB/s by wall clock and by CPU time (the CPU figure is the
one to compare on a shared machine). ``--form hygiene`` feeds text as the hygiene step
leaves it (no blank lines), ``raw`` as decoded.
"""

from __future__ import annotations

import argparse
import platform
import time
from pathlib import Path

from lawrpt_corpus.boilerplate import RepeatedLines, StripBoilerplate
from lawrpt_corpus.document import Document

ROOT = Path(__file__).resolve().parent.parent


def corpus(mb: float, form: str) -> list[Document]:
    texts = []
    for p in sorted((ROOT / "seeds").glob("*.txt")):
        t = p.read_text(encoding="utf-8")
        if form == "hygiene":
            t = "\n".join(s for s in (ln.strip() for ln in t.split("\n")) if s)
        texts.append(t)
    docs: list[Document] = []
    size = 0
    i = 0
    while size < mb * 1e6:
        text = f"第{i}份\n" + texts[i % len(texts)]
        doc = Document(source=f"d{i}", raw_sha256=f"{i:064x}", n_bytes=0, text=text)
        doc.seq = i
        docs.append(doc)
        size += len(text.encode("utf-8"))
        i += 1
    return docs


def timed(fn) -> tuple[float, float]:  # type: ignore[no-untyped-def]
    w0, c0 = time.perf_counter(), time.process_time()
    fn()
    return time.perf_counter() - w0, time.process_time() - c0


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--mb", type=float, default=20.0)
    ap.add_argument("--form", choices=("hygiene", "raw"), default="hygiene")
    args = ap.parse_args()
    docs = corpus(args.mb, args.form)
    mb = sum(len(d.text.encode("utf-8")) for d in docs) / 1e6
    step = StripBoilerplate()
    _ = step.ruleset  # compile outside the timing

    def strip() -> None:
        for d in docs:
            step(d)

    wall, cpu = timed(strip)
    removed = sum(len(d.removed) for d in docs)
    print(f"python {platform.python_version()}  docs={len(docs)}  {mb:.1f} MB  form={args.form}")
    print(
        f"StripBoilerplate: {mb / wall:6.2f} MB/s wall  {mb / cpu:6.2f} MB/s cpu"
        f"  ({removed} removals)"
    )

    rl = RepeatedLines()

    def repeated() -> None:
        for d in docs:
            rl.prepare(d)
        rl.fit(docs)
        for d in docs:
            rl.apply(d)

    wall, cpu = timed(repeated)
    print(
        f"RepeatedLines:    {mb / wall:6.2f} MB/s wall  {mb / cpu:6.2f} MB/s cpu"
        "  (prepare+fit+apply)"
    )


if __name__ == "__main__":
    main()
