"""Dedup signature stage: the current code against the v1.0 reference, in the same run.

Usage::

    PYTHONPATH=src python benchmarks/bench_dedup_sig.py            # 1,000 generated reports
    PYTHONPATH=src python benchmarks/bench_dedup_sig.py -n 3000 --check-only

The reports are made by ``benchmarks/generate.py`` (originals and traditional-script copies,
rendered as scraped pages) and passed through the per-document steps that run before dedup
(decode, hygiene, typography, script, boilerplate), so the texts are what
:meth:`Dedup.prepare` sees in a default build. For every text both implementations compute
the comparison key, the 5-gram shingle hashes and the 128-permutation MinHash; any
difference is counted (and makes the exit status 1). Times are process CPU seconds
(``time.process_time``) per stage, old and new interleaved document by document, so load
from other jobs hits both alike. Figures: docs/performance.md ("Signatures").

The ``ref_*`` functions are the v1.0 implementation, kept verbatim as the oracle that
tests/dedup/test_dedup_signature.py also checks the current code against.
"""

from __future__ import annotations

import argparse
import json
import random
import sys
import time
from functools import lru_cache
from pathlib import Path

import numpy as np
import regex

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "src"))
sys.path.insert(0, str(ROOT / "benchmarks"))

from lawrpt_corpus.dedup import signature as new  # noqa: E402

# -- the v1.0 reference (regex key, per-k rolling hash + np.unique, 1,024-shingle blocks) --
_NON_CONTENT = regex.compile(r"[\p{P}\p{S}\p{Z}\p{C}\s]+")
_WIDE = regex.compile(r"[\uFF10-\uFF19\uFF21-\uFF3A\uFF41-\uFF5A]+")
_WIDTH = str.maketrans({cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)})
_M64 = np.uint64(0x100000001B3)
_MIX1 = np.uint64(0xFF51AFD7ED558CCD)
_MIX2 = np.uint64(0xC4CEB9FE1A85EC53)
_S33 = np.uint64(33)
_S32 = np.uint64(32)
_BLOCK = 1024


@lru_cache(maxsize=1)
def _t2s():  # type: ignore[no-untyped-def]
    import opencc

    return opencc.OpenCC("t2s")


def ref_comparison_key(text: str, fold_script: bool = True) -> str:
    if fold_script and text:
        text = _t2s().convert(text)
    key = _NON_CONTENT.sub("", text)
    return _WIDE.sub(lambda m: m.group().translate(_WIDTH), key).lower()


def ref_shingle_hashes(key: str, n: int) -> np.ndarray:
    m = len(key) - n + 1
    if m <= 0:
        return np.empty(0, dtype=np.uint64)
    cp = np.frombuffer(key.encode("utf-32-le", "surrogatepass"), dtype=np.uint32).astype(np.uint64)
    h = np.zeros(m, dtype=np.uint64)
    for k in range(n):
        h *= _M64
        h += cp[k : k + m]
    h ^= h >> _S33
    h *= _MIX1
    h ^= h >> _S33
    h *= _MIX2
    h ^= h >> _S33
    return np.unique(h)


def ref_minhash(shingles: np.ndarray, num_perm: int) -> np.ndarray:
    out = np.full(num_perm, np.iinfo(np.uint64).max, dtype=np.uint64)
    if shingles.size:
        a, b = new.permutations(num_perm)  # same seed and draw as v1.0
        x = shingles >> _S32
        buf = np.empty((num_perm, min(_BLOCK, x.size)), dtype=np.uint64)
        for start in range(0, x.size, _BLOCK):
            xc = x[start : start + _BLOCK]
            blk = buf[:, : xc.size]
            np.multiply(a, xc, out=blk)
            blk += b
            np.minimum(out, blk.min(axis=1), out=out)
    return (out >> _S32).astype(np.uint32)


# -- the texts ---------------------------------------------------------------------------
def generated_pages(n: int, seed: int = 0) -> list[str]:
    """``n`` raw page texts from generate.py: originals, every fourth also as an s2tw copy."""
    import generate

    pool = generate.load_pool()
    out: list[str] = []
    k = 0
    while len(out) < n:
        rep = generate.make_original(seed, k, pool)
        out.append(generate.render(rep)[0])
        if k % 4 == 3 and len(out) < n:
            dup, _ = generate.make_duplicate(
                generate.make_original(seed, k, pool), "traditional", random.Random(k)
            )
            out.append(generate.render(dup)[0])
        k += 1
    return out


def cleaned(pages: list[str]) -> list[str]:
    """The pages after the per-document steps that run before dedup in a default build."""
    from lawrpt_corpus import (
        DecodeStep,
        Document,
        Hygiene,
        ScriptNormalize,
        StripBoilerplate,
        Typography,
    )
    from lawrpt_corpus.pipeline import run_document_steps

    steps = [DecodeStep(), Hygiene(), Typography(), ScriptNormalize(), StripBoilerplate()]
    out = []
    for i, page in enumerate(pages):
        doc = run_document_steps(steps, Document.from_bytes(f"g{i}", page.encode("utf-8")))
        if doc.kept:
            out.append(doc.text)
    return out


def _run(impl: tuple, texts: list[str], fold: bool, ngram: int, num_perm: int) -> tuple:
    key_f, sh_f, mh_f = impl
    clock = time.process_time
    t = [0.0, 0.0, 0.0]
    out = []
    for text in texts:
        c0 = clock()
        k = key_f(text, fold)
        c1 = clock()
        s = sh_f(k, ngram)
        c2 = clock()
        m = mh_f(s, num_perm)
        c3 = clock()
        t[0] += c1 - c0
        t[1] += c2 - c1
        t[2] += c3 - c2
        out.append((k, s, m))
    return t, out


def compare(texts: list[str], fold: bool, ngram: int = 5, num_perm: int = 128) -> dict:
    """Old vs new on ``texts``: differences and CPU ms per document for each part.

    The two run alternately on blocks of 50 documents (each with its caches warm, as in a
    build; load from other jobs hits both alike)."""
    impls = {
        "old": (ref_comparison_key, ref_shingle_hashes, ref_minhash),
        "new": (new.comparison_key, new.shingle_hashes, new.minhash),
    }
    t = {f"{w}_{p}": 0.0 for w in impls for p in ("key", "shingles", "minhash")}
    diffs = 0
    for s in range(0, len(texts), 50):
        block = texts[s : s + 50]
        res = {}
        for w, impl in impls.items():
            times, res[w] = _run(impl, block, fold, ngram, num_perm)
            for p, v in zip(("key", "shingles", "minhash"), times, strict=True):
                t[f"{w}_{p}"] += v
        for (ko, so, mo), (kn, sn, mn) in zip(res["old"], res["new"], strict=True):
            diffs += not (ko == kn and np.array_equal(so, sn) and np.array_equal(mo, mn))
    res_ms: dict = {k: round(1000 * v / len(texts), 3) for k, v in t.items()}
    res_ms["old_total"] = round(sum(v for k, v in res_ms.items() if k.startswith("old_")), 3)
    res_ms["new_total"] = round(sum(v for k, v in res_ms.items() if k.startswith("new_")), 3)
    res_ms["speedup"] = round(res_ms["old_total"] / res_ms["new_total"], 2)
    res_ms["differences"] = diffs
    return res_ms


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("-n", type=int, default=1000, help="generated reports")
    ap.add_argument("--check-only", action="store_true", help="equality only, no timing")
    args = ap.parse_args()
    t0 = time.process_time()
    pages = generated_pages(args.n)
    texts = cleaned(pages)
    new.comparison_key("预热")  # build the per-process key table before timing
    ref_comparison_key("预热")
    t_table = time.process_time()
    new._key_table.cache_clear()
    new._key_table(new._BMP)
    t_table = time.process_time() - t_table
    out: dict = {
        "docs": len(texts),
        "mean_chars": round(sum(map(len, texts)) / len(texts)),
        "prepare_texts_cpu_s": round(time.process_time() - t0, 1),
        "key_table_build_cpu_s": round(t_table, 3),
        "numpy": np.__version__,
    }
    bad = 0
    for fold in (True, False):
        res = compare(texts, fold)
        bad += res["differences"]
        if args.check_only:
            res = {"differences": res["differences"]}
        out["fold_script" if fold else "no_fold"] = res
    raw = compare(pages[: max(1, len(pages) // 4)], True)  # raw pages: traditional, chrome
    bad += raw["differences"]
    out["raw_pages_fold_differences"] = raw["differences"]
    print(json.dumps(out, indent=1))
    return 1 if bad else 0


if __name__ == "__main__":
    raise SystemExit(main())
