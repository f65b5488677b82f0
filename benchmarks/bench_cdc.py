#!/usr/bin/env python
"""How much of a rebuilt data shard a content-addressed store (Xet) already holds.

    python benchmarks/generate.py --n 2000 --out benchmarks/out/corpus-2000 --seed 0
    python benchmarks/bench_cdc.py benchmarks/out/corpus-2000/raw

Builds the corpus once, then writes its data rows twice more as one shard each: as built
(A) and with one new document inserted a third of the way in (B), each with the writer's
options (page index; content-defined chunking where pyarrow supports it) and without CDC.
Both files are cut into chunks by a gear-hash content-defined chunker (~64 KiB average, as
Xet's), and the script prints the share of B's bytes in chunks that A already has: what a
re-push would not upload again.
"""

from __future__ import annotations

import argparse
import hashlib
import sys
import tempfile
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from lawrpt_corpus import build
from lawrpt_corpus.publish import writer as writer_module

_MASK = (1 << 16) - 1  # ~64 KiB average chunk
_MIN, _MAX = 8 * 1024, 128 * 1024


def _gear() -> np.ndarray:
    rng = np.random.default_rng(0)
    return rng.integers(0, 2**63, size=256, dtype=np.uint64)


def chunks(data: bytes) -> list[bytes]:
    """Gear-hash content-defined chunks of ``data`` (pure Python loop: a few s per MB)."""
    gear = [int(x) for x in _gear()]
    out, start, h = [], 0, 0
    full = (1 << 64) - 1
    for i, byte in enumerate(data):
        h = ((h << 1) + gear[byte]) & full
        size = i + 1 - start
        if (size >= _MIN and (h >> 48) & _MASK == 0) or size >= _MAX:
            out.append(data[start : i + 1])
            start, h = i + 1, 0
    if start < len(data):
        out.append(data[start:])
    return out


def reused_share(a: bytes, b: bytes) -> float:
    have = {hashlib.sha256(c).digest() for c in chunks(a)}
    cb = chunks(b)
    return sum(len(c) for c in cb if hashlib.sha256(c).digest() in have) / max(1, len(b))


def _write(table: pa.Table, path: Path, cdc: bool) -> bytes:
    options = dict(writer_module.parquet_options())
    if not cdc:
        options.pop("use_content_defined_chunking", None)
    with pq.ParquetWriter(path, table.schema, **options) as w:
        for batch in table.to_batches(max_chunksize=1000):  # the writer's row groups
            w.write_batch(batch)
    return path.read_bytes()


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("inputs", nargs="+")
    parser.add_argument("--workers", type=int, default=2)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(tmp) / "out"
        build(args.inputs, out, workers=args.workers)
        table = pq.read_table(sorted((out / "data").glob("*.parquet")))
        n = table.num_rows
        k = n // 3
        extra = table.slice(0, 1)  # a "new" document: another row's content, new id
        extra = extra.set_column(0, "id", pa.array(["ffffffffffffffff"]))
        b_table = pa.concat_tables([table.slice(0, k), extra, table.slice(k)])
        supported = "use_content_defined_chunking" in writer_module.parquet_options()
        print(f"{n} documents; pyarrow {pa.__version__}; CDC supported: {supported}")
        for cdc in (False, True) if supported else (False,):
            a = _write(table, Path(tmp) / "a.parquet", cdc)
            b = _write(b_table, Path(tmp) / "b.parquet", cdc)
            share = reused_share(a, b)
            label = "with CDC   " if cdc else "without CDC"
            print(f"{label}: A {len(a):,} B, B {len(b):,} B, B's bytes already stored: {share:.1%}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
