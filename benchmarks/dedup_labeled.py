"""A labeled near-duplicate set built from the seeds, to choose and check dedup parameters.

Usage::

    PYTHONPATH=src python benchmarks/dedup_labeled.py            # P/R tables (docs/dedup.md)

Documents are grouped by *base*: every document made from one base is a copy of it
(positive pairs), documents of different bases are different reports (negative pairs).

Bases: the five seeds, and per seed several *template siblings* — the same agency's report
for another year (years shifted, other numbers changed) with half of its paragraphs replaced
by paragraphs of other seeds (``sibling``) or with the same year (``rewrite``); one
*year-only* sibling per seed (every year and number changed, prose identical); and short
templated notices (one template, agency/year/date slots filled differently).

Copies of a base: re-punctuated (full ↔ half width, spaces), re-scripted (OpenCC s2t), web
chrome lines added, light edits (1–3 sentences replaced or dropped), truncated at 60–80 %
(with a paywall line), and combinations.
"""

from __future__ import annotations

import argparse
import random
import sys
from dataclasses import dataclass
from itertools import combinations
from pathlib import Path
from typing import Any

import numpy as np
import regex

ROOT = Path(__file__).resolve().parent.parent
SEEDS = sorted((ROOT / "seeds").glob("*.txt"))

_CHROME = [
    "首页 > 政务公开 > 法治政府建设 > 年度报告",
    "当前位置：首页>信息公开>{n}",
    "【打印本页】 【关闭窗口】 【字体：大 中 小】",
    "扫一扫在手机打开当前页",
    "分享到：微信 微博 QQ空间",
    "浏览次数：{n}  发布时间：2025-0{m}-1{m}",
    "主办单位：{a}人民政府办公室  联系电话：0{n}-8{n}{n}",
    "网站标识码{n}{n}  备案号：赣ICP备{n}号",
    "下载文档 立即下载 本文档共{m}页 VIP会员免费",
    "本文来源于网络，如有侵权请联系删除",
    "相关推荐：{a}2023年工作总结范文（精选{m}篇）",
    "上一篇：关于印发{a}工作要点的通知  下一篇：{a}政府信息公开指南",
]
_PAYWALL = ["……（剩余{m}页未读，付费后继续阅读）", "试读结束，下载全文请开通会员", "……"]
_AGENCIES = [
    "城关区司法局",
    "东湖县人社局",
    "青山市财政局",
    "南岸区市场监管局",
    "西城县教育局",
    "北塘县卫健委",
    "临江市交通运输局",
    "红星区应急管理局",
    "白沙县水利局",
    "金山区民政局",
]
_SHORT = [
    "根据《中华人民共和国政府信息公开条例》规定，现将{a}{y}年法治政府建设年度报告予以公布，"
    "详见附件。{a}，{y1}年{m}月{d}日。",
    "{a}关于{y}年度法治政府建设情况的报告已报送上级机关并向社会公开，欢迎社会各界监督。"
    "联系电话：0{n}-{k}。{a}办公室，{y1}年{m}月{d}日。",
]


@dataclass
class Item:
    name: str
    base: str
    kind: str
    text: str


def _paragraphs(text: str) -> list[str]:
    return [p for p in text.split("\n") if p.strip()]


def _shift_numbers(text: str, rng: random.Random, dy: int) -> str:
    text = regex.sub(r"(?<![0-9])((?:19|20)[0-9]{2})(?=年)", lambda m: str(int(m[1]) + dy), text)

    def other(m: regex.Match[str]) -> str:
        s = m[0]
        if len(s) == 4 and s[:2] in ("19", "20"):
            return s
        return str(max(1, int(s) + rng.randint(1, 9) * (1 if rng.random() < 0.5 else -1)))

    return regex.sub(r"(?<![0-9])[0-9]{1,4}(?![0-9])", other, text)


def _sibling(seed: str, others: list[str], rng: random.Random, dy: int, share: float) -> str:
    paras = _paragraphs(seed)
    pool = [p for o in others for p in _paragraphs(o)]
    keep = max(1, int(len(paras) * share))
    body = [paras[0]]
    idx = sorted(rng.sample(range(1, len(paras)), min(len(paras) - 1, keep - 1)))
    replaced = set(range(1, len(paras))) - set(idx)
    for i in range(1, len(paras)):
        body.append(rng.choice(pool) if i in replaced else paras[i])
    return _shift_numbers("\n".join(body), rng, dy)


_SWAP = str.maketrans("，：；（）！？", ",:;()!?")
_UNSWAP = str.maketrans(",:;()!?", "，：；（）！？")


def _repunct(text: str, rng: random.Random) -> str:
    text = text.translate(_SWAP if rng.random() < 0.5 else _UNSWAP)
    text = text.replace("。", "。 " if rng.random() < 0.5 else "。")
    return text.replace("\n", "\n\n")


def _s2t(text: str) -> str:
    import opencc

    return opencc.OpenCC("s2t").convert(text)


def _chrome(text: str, rng: random.Random) -> str:
    def line() -> str:
        return rng.choice(_CHROME).format(
            n=rng.randint(10, 9999), m=rng.randint(1, 9), a=rng.choice(_AGENCIES)
        )

    head = [line() for _ in range(rng.randint(2, 4))]
    tail = [line() for _ in range(rng.randint(2, 4))]
    return "\n".join([*head, text, *tail])


def _edit(text: str, rng: random.Random, pool: list[str]) -> str:
    sents = regex.split(r"(?<=[。；！？])", text)
    for _ in range(rng.randint(1, 3)):
        i = rng.randrange(len(sents))
        sents[i] = rng.choice(pool) if rng.random() < 0.6 else ""
    return "".join(sents)


def _truncate(text: str, rng: random.Random) -> str:
    cut = int(len(text) * rng.uniform(0.6, 0.8))
    return text[:cut] + "\n" + rng.choice(_PAYWALL).format(m=rng.randint(2, 9))


def build_set(seed: int = 7, siblings: int = 3) -> list[Item]:
    """The labeled documents (deterministic for a given ``seed``)."""
    rng = random.Random(seed)
    seeds = [p.read_text(encoding="utf-8") for p in SEEDS]
    sentence_pool = [s for t in seeds for s in regex.split(r"(?<=[。；])", t) if len(s) > 15]
    bases: list[tuple[str, str]] = []
    for i, text in enumerate(seeds):
        others = seeds[:i] + seeds[i + 1 :]
        bases.append((f"s{i}", text))
        for k in range(siblings):
            bases.append((f"s{i}-sib{k}", _sibling(text, others, rng, dy=k + 1, share=0.5)))
        bases.append((f"s{i}-rewrite", _sibling(text, others, rng, dy=0, share=0.5)))
        bases.append((f"s{i}-yearonly", _shift_numbers(text, rng, dy=-1)))
    items: list[Item] = []
    for name, text in bases:
        items.append(Item(name, name, "original", text))
        pool = sentence_pool
        items.append(Item(f"{name}/repunct", name, "repunct", _repunct(text, rng)))
        items.append(Item(f"{name}/s2t", name, "s2t", _s2t(text)))
        items.append(Item(f"{name}/chrome", name, "chrome", _chrome(text, rng)))
        items.append(Item(f"{name}/edit", name, "edit", _edit(text, rng, pool)))
        items.append(Item(f"{name}/trunc", name, "trunc", _truncate(text, rng)))
        items.append(Item(f"{name}/mix", name, "mix", _s2t(_chrome(_edit(text, rng, pool), rng))))
        items.append(
            Item(f"{name}/trunc-chrome", name, "trunc-chrome", _chrome(_truncate(text, rng), rng))
        )
    for k in range(24):
        tpl = _SHORT[k % len(_SHORT)]
        y = 2019 + rng.randint(0, 5)
        text = tpl.format(
            a=rng.choice(_AGENCIES),
            y=y,
            y1=y + 1,
            m=rng.randint(1, 4),
            d=rng.randint(10, 28),
            n=rng.randint(100, 999),
            k=rng.randint(1000000, 9999999),
        )
        items.append(Item(f"short{k}", f"short{k}", "short", text))
        items.append(Item(f"short{k}/repunct", f"short{k}", "repunct", _repunct(text, rng)))
    return items


_CON = (0.7, 0.8, 0.85, 0.9, 0.95)
_T, _C = 0.75, 0.9  # the defaults of Dedup


# -- evaluation --------------------------------------------------------------------------
def _pair_table(items: list[Item], ngram: int) -> dict[str, np.ndarray]:
    sys.path.insert(0, str(ROOT / "src"))
    from lawrpt_corpus.dedup.signature import (
        comparison_key,
        shingle_hashes,
        year_contexts,
        years_conflict,
    )

    keys = [comparison_key(it.text) for it in items]
    sets = [np.unique((shingle_hashes(k, ngram) >> np.uint64(32)).astype(np.uint32)) for k in keys]
    years = [year_contexts(k) for k in keys]
    rows = []
    for a, b in combinations(range(len(items)), 2):
        sa, sb = sets[a], sets[b]
        inter = np.intersect1d(sa, sb, assume_unique=True).size
        union = sa.size + sb.size - inter
        small, large = min(sa.size, sb.size), max(sa.size, sb.size)
        rows.append(
            (
                inter / union if union else 0.0,
                inter / small if small else 0.0,
                small / large if large else 0.0,
                small,
                float(keys[a] == keys[b]),
                float(not years_conflict(years[a], years[b])),
                float(items[a].base == items[b].base),
            )
        )
    arr = np.array(rows)
    names = ["jac", "con", "ratio", "small", "exact", "year_ok", "label"]
    return {n: arr[:, i] for i, n in enumerate(names)}


def predict(
    t: dict[str, np.ndarray], thr: float, con: float, ratio: float, min_sh: int, year_guard: bool
) -> np.ndarray:
    near = (t["small"] >= min_sh) & (
        (t["jac"] >= thr) | ((t["con"] >= con) & (t["ratio"] >= ratio))
    )
    if year_guard:
        near &= t["year_ok"] > 0
    return (t["exact"] > 0) | near


def _pr(pred: np.ndarray, label: np.ndarray) -> tuple[float, float, int, int]:
    tp = int(np.sum(pred & (label > 0)))
    fp = int(np.sum(pred & (label == 0)))
    fn = int(np.sum(~pred & (label > 0)))
    return (tp / (tp + fp) if tp + fp else 1.0), (tp / (tp + fn) if tp + fn else 1.0), fp, fn


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--end-to-end", action="store_true", help="only the end-to-end table")
    args = ap.parse_args()
    items = build_set(args.seed)
    if args.end_to_end:
        _end_to_end(items)
        return
    n_pos = sum(1 for a, b in combinations(items, 2) if a.base == b.base)
    print(
        f"labeled set: {len(items)} documents, {n_pos} positive pairs, "
        f"{len(items) * (len(items) - 1) // 2 - n_pos} negative pairs\n"
    )
    print("## Jaccard threshold alone (no containment), year guard on, min_shingles 50")
    print("| n | " + " | ".join(f"t={t:.2f}" for t in (0.5, 0.6, 0.7, 0.8, 0.9)) + " |")
    print("|---|" + "---|" * 5)
    tables = {}
    for n in (3, 4, 5, 7, 9):
        tables[n] = t = _pair_table(items, n)
        cells = []
        for thr in (0.5, 0.6, 0.7, 0.8, 0.9):
            p, r, _, _ = _pr(predict(t, thr, 2.0, 1.0, 50, True), t["label"])
            cells.append(f"P {p:.3f} R {r:.3f}")
        print(f"| {n} | " + " | ".join(cells) + " |")
    print("\n## Jaccard + containment (ratio ≥ 0.3), n=5, year guard on, min_shingles 100")
    t = tables[5]
    print("| threshold \\ containment | " + " | ".join(f"c={c:.2f}" for c in _CON) + " |")
    print("|---|" + "---|" * len(_CON))
    for thr in (0.5, 0.6, 0.7, 0.75, 0.8, 0.9):
        cells = []
        for c in _CON:
            p, r, fp, fn = _pr(predict(t, thr, c, 0.3, 100, True), t["label"])
            cells.append(f"P {p:.3f} R {r:.3f} (fp {fp}, fn {fn})")
        print(f"| {thr:.2f} | " + " | ".join(cells) + " |")
    print(f"\n## Year guard and min_shingles at n=5, t={_T}, c={_C}")
    for yg in (True, False):
        for ms in (0, 50, 100, 150):
            p, r, fp, fn = _pr(predict(t, _T, _C, 0.3, ms, yg), t["label"])
            print(f"- year_guard={yg}, min_shingles={ms}: P {p:.3f} R {r:.3f} (fp {fp}, fn {fn})")
    neg = t["label"] == 0
    pos = t["label"] > 0
    print(
        f"\nhighest negative Jaccard (n=5): {t['jac'][neg].max():.3f}; "
        f"highest negative containment with ratio≥0.3: "
        f"{t['con'][neg & (t['ratio'] >= 0.3)].max():.3f}"
    )
    print(f"lowest positive Jaccard (n=5): {t['jac'][pos].min():.3f}")
    long_ok = neg & (t["small"] >= 100) & (t["year_ok"] > 0)
    print(
        f"among negatives with ≥ 100 shingles and no year conflict: highest Jaccard "
        f"{t['jac'][long_ok].max():.3f}, highest containment (ratio ≥ 0.3) "
        f"{t['con'][long_ok & (t['ratio'] >= 0.3)].max():.3f}"
    )
    print("\n## Copy vs its original (≥ 100 shingles), n=5: the gap the thresholds sit in")
    pairs = list(combinations(range(len(items)), 2))
    by_kind: dict[str, list[tuple[float, float]]] = {}
    for k, (a, b) in enumerate(pairs):
        if t["label"][k] and items[a].kind == "original" and t["small"][k] >= 100:
            by_kind.setdefault(items[b].kind, []).append((t["jac"][k], t["con"][k]))
    for kind, v in by_kind.items():
        arr = np.array(v)
        print(
            f"- {kind}: Jaccard min {arr[:, 0].min():.3f} (median {np.median(arr[:, 0]):.3f}), "
            f"containment min {arr[:, 1].min():.3f}"
        )
    _end_to_end(items)


def _end_to_end(items: list[Item]) -> None:
    sys.path.insert(0, str(ROOT / "src"))
    from lawrpt_corpus.dedup import Dedup
    from lawrpt_corpus.document import Document

    print("\n## End to end (Dedup.fit on the labeled set): pairs in one cluster vs labels")
    print("| bands × rows | LSH threshold (1/b)^(1/r) | P | R | LSH candidates | verified |")
    print("|---|---|---|---|---|---|")
    for bands, rows in ((16, 8), (32, 4), (64, 2), (20, 6)):
        step = Dedup(bands=bands, rows=rows)
        docs = []
        for i, it in enumerate(items):
            d = Document.from_bytes(it.name, it.text.encode())
            d.text, d.seq = it.text, i
            step.prepare(d)
            docs.append(d)
        state = step.fit(docs)  # it holds the merged documents only (seq = i here)

        def root_of(i: int, state: Any = state) -> int:
            k = state.index(i)
            return int(state.seq[state.dup_rep[k]]) if k >= 0 and state.dup_rep[k] >= 0 else i

        root = [root_of(i) for i in range(len(items))]
        pred, label = [], []
        for a, b in combinations(range(len(items)), 2):
            pred.append(root[a] == root[b])
            label.append(items[a].base == items[b].base)
        p, r, fp, fn = _pr(np.array(pred), np.array(label, dtype=float))
        st = step.stats()
        print(
            f"| {bands} × {rows} | {(1 / bands) ** (1 / rows):.2f} | {p:.3f} | {r:.3f} "
            f"(fp {fp}, fn {fn}) | {st['lsh_candidate_pairs']} | {st['verified_pairs']} |"
        )


if __name__ == "__main__":
    main()
