#!/usr/bin/env python
"""Train the boilerplate score model and write it into the package.

    python benchmarks/train_boilerplate_score.py              # train on all labeled lines
    python benchmarks/train_boilerplate_score.py --loso       # … and record the LOSO figures

Writes ``src/lawrpt_corpus/boilerplate/data/score_model.npz`` (weights) and
``score_model.json`` (parameters and provenance: the label files and their sha256, line
counts, the trainer's settings, the weights' sha256 and, with ``--loso``, the
leave-one-site-out figures of ``benchmarks/boilerplate_loso.py``).

The model: L2-regularised logistic regression over the features of
:mod:`lawrpt_corpus.boilerplate.score`, classes weighted to balance, fitted by full-batch
gradient descent (Adam) in numpy — deterministic, no ML framework. Only lines the model can
ever judge are used (those that :func:`~lawrpt_corpus.boilerplate.score.not_scored`
lets through): a sentence or a numbered heading never reaches it.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))
sys.path.insert(0, str(ROOT / "src"))

from lawrpt_corpus.boilerplate.score import (  # noqa: E402
    DEFAULT_BITS,
    LAYOUT,
    ScoreModel,
    layout_features,
    ngram_ids,
    not_scored,
)

OUT = ROOT / "src" / "lawrpt_corpus" / "boilerplate" / "data"
DATA_FILES = ("sites.tsv", "sites_heldout.tsv", "keep.tsv", "lines.tsv", "holdout.tsv")
PARAMS = {"l2": 1e-4, "iterations": 300, "learning_rate": 0.05, "threshold": 0.9}


def train(lines, bits: int = DEFAULT_BITS, **overrides) -> ScoreModel:  # type: ignore[no-untyped-def]
    """Fit a model on ``Labeled`` lines (see benchmarks/boilerplate_loso.py)."""
    p = {**PARAMS, **overrides}
    rows = [ln for ln in lines if not not_scored(ln.text.strip())]
    y = np.asarray([ln.label for ln in rows], dtype=np.float64)
    if len(set(y.tolist())) < 2:
        raise ValueError("train: need both labels among the lines the model judges")
    idx: list[int] = []
    row_of: list[int] = []
    dense = np.zeros((len(rows), len(LAYOUT)), dtype=np.float64)
    for r, ln in enumerate(rows):
        s = ln.text.strip()
        ids, _ = ngram_ids(s, bits)
        idx.extend(ids)
        row_of.extend([r] * len(ids))
        dense[r] = layout_features(s)
    idx_a = np.asarray(idx, dtype=np.int64)
    row_a = np.asarray(row_of, dtype=np.int64)
    n_pos, n_neg = y.sum(), len(y) - y.sum()
    sw = np.where(y == 1, len(y) / (2 * n_pos), len(y) / (2 * n_neg)) / len(y)
    dim = 1 << bits
    w = np.zeros(dim)
    v = np.zeros(len(LAYOUT))
    b = 0.0
    # Adam, full batch
    m_w, s_w = np.zeros(dim), np.zeros(dim)
    m_v, s_v = np.zeros(len(LAYOUT)), np.zeros(len(LAYOUT))
    m_b = s_b = 0.0
    b1, b2, eps, lr, l2 = 0.9, 0.999, 1e-8, p["learning_rate"], p["l2"]
    for t in range(1, int(p["iterations"]) + 1):
        z = np.bincount(row_a, weights=w[idx_a], minlength=len(y)) + dense @ v + b
        pr = 1.0 / (1.0 + np.exp(-z))
        g = (pr - y) * sw
        g_w = np.bincount(idx_a, weights=g[row_a], minlength=dim) + l2 * w
        g_v = dense.T @ g + l2 * v
        g_b = g.sum()
        m_w = b1 * m_w + (1 - b1) * g_w
        s_w = b2 * s_w + (1 - b2) * g_w * g_w
        m_v = b1 * m_v + (1 - b1) * g_v
        s_v = b2 * s_v + (1 - b2) * g_v * g_v
        m_b = b1 * m_b + (1 - b1) * g_b
        s_b = b2 * s_b + (1 - b2) * g_b * g_b
        c1, c2 = 1 - b1**t, 1 - b2**t
        w -= lr * (m_w / c1) / (np.sqrt(s_w / c2) + eps)
        v -= lr * (m_v / c1) / (np.sqrt(s_v / c2) + eps)
        b -= lr * (m_b / c1) / (np.sqrt(s_b / c2) + eps)
    model = ScoreModel(
        w.astype(np.float32), v.astype(np.float32), float(b), bits, float(p["threshold"])
    )
    model.meta = {
        "trained_on": {"lines": len(rows), "boilerplate": int(n_pos), "keep": int(n_neg)},
        "trainer": {k: p[k] for k in ("l2", "iterations", "learning_rate")},
    }
    return model


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def main(argv: list[str] | None = None) -> int:
    import boilerplate_loso as loso

    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--loso", action="store_true", help="also run and record the LOSO figures")
    ap.add_argument("--docs", type=int, default=6)
    args = ap.parse_args(argv)
    # sites.tsv and the tune part of sites_heldout.tsv (never its untouched part, never
    # sites_heldout2.tsv to sites_heldout7.tsv: they stay held-out test sets)
    sites = loso.load_sites() + loso.tune_sites()
    model = train(loso.training_lines(sites, set(), None))
    data = loso.DATA
    model.meta["data"] = {f"tests/data/boilerplate/{n}": _sha(data / n) for n in DATA_FILES}
    model.meta["data_counts"] = {
        "site_strings": len(sites),
        "sites": len({s.site for s in sites}),
        "keep_lines": len(loso.load_keep()),
        "handwritten_lines": len(loso.load_handwritten()),
    }
    model.meta["trainer_script"] = "benchmarks/train_boilerplate_score.py"
    weights = model.to_bytes()
    model.meta["weights_sha256"] = hashlib.sha256(weights).hexdigest()
    if args.loso:
        res = loso.evaluate(docs_per_site=args.docs, generated=args.docs, trainer=train)
        model.meta["loso"] = {
            m: {k: res[m][k] for k in ("recall", "noise", "body_lines", "body_lost")}
            for m in ("single_document", "with_corpus")
        }
    (OUT / "score_model.npz").write_bytes(weights)
    (OUT / "score_model.json").write_text(model.meta_json(), encoding="utf-8")
    print(json.dumps(model.meta, ensure_ascii=False, indent=1)[:2000])
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
