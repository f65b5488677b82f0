#!/usr/bin/env python
"""Speed of each boilerplate layer per report (issue #18): rules, blocks, templates, spans.

    PYTHONPATH=src python benchmarks/bench_layers.py --n 500

Generates ``--n`` reports (benchmarks/generate.py), runs the per-document steps up to the
boilerplate step once, then times, in one process, each layer on the same texts:

* ``rules``: :class:`StripBoilerplate` with ``blocks=False``;
* ``rules+blocks``: the same with the block layer (the difference is the block layer);
* ``templates`` / ``spans`` / ``bare``: :class:`Templates` with only that layer on, split into
  ``prepare`` (workers), ``fit`` (driver) and ``apply``.

Half of the reports get a 15-line licence block at the end and one inline watermark, so the
corpus layers have something to find (``--clean`` leaves them as generated). CPU seconds
(``time.process_time``), best of ``--repeat`` runs.
"""

from __future__ import annotations

import argparse
import copy
import random
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


LICENCE = [
    "版权声明：",
    "本网站所刊登的各种新闻、信息和各种专题专栏资料，",
    "均为",
    "{site}版权所有，",
    "未经协议授权，",
    "禁止下载使用。",
    "违者将依据",
    "《中华人民共和国著作权法》",
    "追究法律责任",
    "。",
    "Copyright © 2024 All Rights Reserved",
]


def _texts(n: int, clean: bool) -> list[Any]:
    import generate as gen  # this folder is sys.path[0] when run as a script

    from lawrpt_corpus import DecodeStep, ExtractMetadata, Hygiene, ScriptNormalize, Typography
    from lawrpt_corpus.io.readers import iter_inputs, load_document
    from lawrpt_corpus.pipeline import run_document_steps

    rng = random.Random(0)
    with tempfile.TemporaryDirectory() as tmp:
        gen.generate(n, Path(tmp), seed=1)
        steps = [DecodeStep(), Hygiene(), Typography(), ScriptNormalize()]
        docs = [run_document_steps(steps, load_document(i)) for i in iter_inputs([Path(tmp)])]
    docs = [d for d in docs if d.kept]
    meta = ExtractMetadata()
    for i, d in enumerate(docs):
        if not clean and i % 2 == 0:
            lines = d.text.split("\n")
            k = max(range(len(lines)), key=lambda j: len(lines[j]))
            cut = lines[k].find("，", 20) + 1 or 20
            lines[k] = lines[k][:cut] + "【范文网 www.fanwen8.com】" + lines[k][cut:]
            site = f"站点{rng.randrange(10_000)}"
            lines += [x.format(site=site) for x in LICENCE]
            d.text = "\n".join(lines)
        meta(d)
    return docs


def _best(fn: Any, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        best = min(best, time.process_time() - t0)
    return best


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--n", type=int, default=500)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--clean", action="store_true")
    args = ap.parse_args(argv)
    from lawrpt_corpus.boilerplate import StripBoilerplate, Templates

    docs = _texts(args.n, args.clean)
    n = len(docs)
    rows: list[tuple[str, float]] = []
    for label, step in (
        ("rules", StripBoilerplate(blocks=False)),
        ("rules+blocks", StripBoilerplate()),
    ):
        rows.append((label, _best(lambda s=step: [s(copy.deepcopy(d)) for d in docs], args.repeat)))
    base = _best(lambda: [copy.deepcopy(d) for d in docs], args.repeat)
    rows = [(k, v - base) for k, v in rows]
    stripped = [StripBoilerplate()(copy.deepcopy(d)) for d in docs]
    removed: dict[str, int] = {}
    layers: tuple[tuple[str, dict[str, bool]], ...] = (
        ("templates", {"spans": False, "bare": False}),
        ("spans", {"templates": False, "bare": False}),
        ("bare", {"templates": False, "spans": False}),
    )
    for label, kw in layers:
        step = Templates(**kw)
        work = [copy.deepcopy(d) for d in stripped]
        t0 = time.process_time()
        for d in work:
            step.prepare(d)
        t1 = time.process_time()
        step.fit(work)
        t2 = time.process_time()
        for d in work:
            step.apply(d)
        t3 = time.process_time()
        rows += [(f"{label}: prepare", t1 - t0), (f"{label}: fit", t2 - t1)]
        rows.append((f"{label}: apply", t3 - t2))
        for d in work:
            for r in d.removed:
                fam = r.rule.split(".")[0]
                if fam in ("template", "span", "block"):
                    removed[f"{label}/{fam}"] = removed.get(f"{label}/{fam}", 0) + 1
    print(f"{n} reports ({'as generated' if args.clean else 'half with licence + watermark'})")
    print("| layer | ms per report |\n|---|---|")
    for label, secs in rows:
        print(f"| {label} | {1000 * secs / n:.3f} |")
    print("removals:", removed)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
