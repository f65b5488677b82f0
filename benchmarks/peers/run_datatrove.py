"""datatrove's MinHash deduplication (its 4-stage recipe) on a JSON Lines corpus.

Runs inside the peers' virtualenv (benchmarks/peers/setup_datajuicer.sh installs datatrove,
spaCy and jieba there):

    benchmarks/out/venv-dj/bin/python benchmarks/peers/run_datatrove.py IN.jsonl WORKDIR --np 2

datatrove's defaults: 14 buckets × 8 hashes, 64-bit hashes, word 5-grams; Chinese words come
from spaCy's jieba segmenter (``Languages.chinese__hani``). Dedup only — datatrove has no
equivalent of our decode/normalise/boilerplate steps. The input is split into ``--np``
shards so that every task has a file. Prints one JSON line (seconds exclude interpreter start
and imports).
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("inp", type=Path)
    ap.add_argument("work", type=Path)
    ap.add_argument("--np", type=int, default=2)
    args = ap.parse_args()
    t_import = time.perf_counter()
    import datatrove
    from datatrove.executor import LocalPipelineExecutor
    from datatrove.pipeline.dedup.minhash import (
        MinhashConfig,
        MinhashDedupBuckets,
        MinhashDedupCluster,
        MinhashDedupFilter,
        MinhashDedupSignature,
    )
    from datatrove.pipeline.readers import JsonlReader
    from datatrove.pipeline.writers.jsonl import JsonlWriter
    from datatrove.utils.hashing import HashConfig
    from datatrove.utils.typeshelper import Languages

    t0 = time.perf_counter()
    w = args.work
    shards = w / "input"
    shards.mkdir(parents=True, exist_ok=True)
    outs = [open(shards / f"part-{i:02d}.jsonl", "w", encoding="utf-8") for i in range(args.np)]
    n_in = 0
    with open(args.inp, encoding="utf-8") as fh:
        for i, line in enumerate(fh):
            outs[i % args.np].write(line)
            n_in += 1
    for o in outs:
        o.close()
    cfg = MinhashConfig(hash_config=HashConfig(precision=64), num_buckets=14, hashes_per_bucket=8)
    lang = Languages.chinese__hani
    logs = str(w / "logs")
    s1 = LocalPipelineExecutor(
        pipeline=[
            JsonlReader(str(shards), glob_pattern="*.jsonl"),
            MinhashDedupSignature(output_folder=str(w / "sigs"), config=cfg, language=lang),
        ],
        tasks=args.np,
        workers=args.np,
        logging_dir=logs + "/s1",
    )
    s2 = LocalPipelineExecutor(
        pipeline=[
            MinhashDedupBuckets(
                input_folder=str(w / "sigs"), output_folder=str(w / "buckets"), config=cfg
            )
        ],
        tasks=cfg.num_buckets,
        workers=args.np,
        logging_dir=logs + "/s2",
        depends=s1,
    )
    s3 = LocalPipelineExecutor(
        pipeline=[
            MinhashDedupCluster(
                input_folder=str(w / "buckets"), output_folder=str(w / "remove_ids"), config=cfg
            )
        ],
        tasks=1,
        logging_dir=logs + "/s3",
        depends=s2,
    )
    s4 = LocalPipelineExecutor(
        pipeline=[
            JsonlReader(str(shards), glob_pattern="*.jsonl"),
            MinhashDedupFilter(
                input_folder=str(w / "remove_ids"), exclusion_writer=JsonlWriter(str(w / "removed"))
            ),
            JsonlWriter(str(w / "output")),
        ],
        tasks=args.np,
        workers=args.np,
        logging_dir=logs + "/s4",
        depends=s3,
    )
    s4.run()
    seconds = time.perf_counter() - t0
    import gzip

    n_out = 0
    for f in (w / "output").glob("*"):
        opener = gzip.open if f.name.endswith(".gz") else open
        with opener(f, "rb") as fh:
            n_out += sum(1 for _ in fh)
    print(
        json.dumps(
            {
                "peer": "datatrove",
                "version": datatrove.__version__ if hasattr(datatrove, "__version__") else "0.10.1",
                "docs_in": n_in,
                "docs_out": n_out,
                "seconds": round(seconds, 3),
                "import_seconds": round(t0 - t_import, 3),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
