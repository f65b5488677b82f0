"""Run data-juicer's nearest equivalent of our pipeline on a JSON Lines corpus.

Runs inside data-juicer's own virtualenv (benchmarks/peers/setup_datajuicer.sh), never with
lawrpt_corpus's dependencies:

    benchmarks/out/venv-dj/bin/python benchmarks/peers/run_datajuicer.py IN.jsonl WORKDIR --np 2

Recipe (the ops closest to decode-less hygiene + script + exact and near dedup):
fix_unicode_mapper → chinese_convert_mapper(t2s) → whitespace_normalization_mapper →
document_deduplicator → document_minhash_deduplicator(character 5-grams, 256 permutations,
Jaccard 0.7). Prints one JSON line: documents in and out, seconds (excluding interpreter
start and imports, which the caller's wall time includes).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from pathlib import Path

RECIPE = """\
project_name: lawrpt-bench
dataset_path: {inp}
export_path: {out}
np: {np}
text_keys: text
use_cache: false
open_tracer: false
keep_stats_in_res_ds: false
process:
  - fix_unicode_mapper:
  - chinese_convert_mapper:
      mode: t2s
  - whitespace_normalization_mapper:
  - document_deduplicator:
      lowercase: false
      ignore_non_character: false
  - document_minhash_deduplicator:
      tokenization: character
      window_size: 5
      lowercase: false
      num_permutations: 256
      jaccard_threshold: 0.7
"""


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("inp", type=Path)
    ap.add_argument("work", type=Path)
    ap.add_argument("--np", type=int, default=2)
    args = ap.parse_args()
    args.work.mkdir(parents=True, exist_ok=True)
    os.environ.setdefault("HF_DATASETS_CACHE", str(args.work / "hf-cache"))
    out = args.work / "result.jsonl"
    recipe = args.work / "recipe.yaml"
    recipe.write_text(RECIPE.format(inp=args.inp.resolve(), out=out.resolve(), np=args.np))
    t_import = time.perf_counter()
    from data_juicer import __version__
    from data_juicer.config import init_configs
    from data_juicer.core import DefaultExecutor

    t0 = time.perf_counter()
    cfg = init_configs(["--config", str(recipe)])
    DefaultExecutor(cfg).run()
    seconds = time.perf_counter() - t0
    n_in = sum(1 for _ in open(args.inp, "rb"))
    n_out = sum(1 for _ in open(out, "rb")) if out.exists() else None
    print(
        json.dumps(
            {
                "peer": "data-juicer",
                "version": __version__,
                "docs_in": n_in,
                "docs_out": n_out,
                "seconds": round(seconds, 3),
                "import_seconds": round(t0 - t_import, 3),
                "recipe": recipe.read_text(),
            }
        )
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
