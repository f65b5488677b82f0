#!/usr/bin/env python
"""What the corpus layers add on site noise no rule was written for (issue #18).

    PYTHONPATH=src python benchmarks/bench_unseen_sites.py --sites 30 --per-site 10

Builds ``--sites`` made-up sites, each with its own chrome drawn from the shapes the issue
lists (audio/accessibility widgets, view-count/font/share bars in new arrangements,
document-library page labels, portal date banners starting with the agency, ad prefaces that
interpolate the report's title, a watermark glued into a paragraph, a licence block split
over short lines), and dresses ``--per-site`` unrelated generated reports with it. Runs the
default pipeline and reports, per noise kind, the share of inserted noise lines gone and
which layer took them, and the report lines lost (lines of the same report cleaned without
any noise that are missing from its cleaned noisy copy). The strings are synthetic (no site's real
text); they are a sanity figure for the layers, not the leave-one-site-out measurement on
real pages (issue #18 item 7).
"""

from __future__ import annotations

import argparse
import random
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent

AUDIO = ["点击收听本文", "语音播报", "听全文", "朗读本文", "开启语音", "阅读模式", "关怀版"]
BAR = ["阅读数：{n}", "访问量：{n}", "字号：大 中 小", "【大】【中】【小】", "收藏本页", "打印文章"]
BAR += ["推荐给朋友", "纠错", "返回顶部", "关闭本页"]
LIBRARY = ["第{n}页", "本页为预览页", "资料编号：{n}", "上传者：网友{n}", "文档格式：DOCX"]
LIBRARY += ["下载积分：{n}", "共{n}页"]
PREFACE = [
    "{title}是小编为大家收集整理的，希望对您有所帮助",
    "下面是{title}，欢迎大家参考借鉴",
    "为帮助大家写好材料，本站特整理了{title}，供参考",
]
WATERMARK = ["【{site}网 www.{dom}.com】", "（来源：{site}文库 {dom}.net）", "{site}范文网{dom}.cn"]
LICENCE = [
    "本网站所有内容",
    "均为",
    "{site}所有，",
    "未经许可",
    "不得转载",
    "。",
    "违者必究",
]


def _site(k: int, rng: random.Random) -> dict[str, Any]:
    name = "".join(rng.choice("云峰海川源华信达博文汇瑞星辰") for _ in range(2)) + f"{k}"
    dom = f"site{k}x"
    sep = rng.choice([" | ", "  ", " / ", "　"])
    bar = sep.join(rng.sample(BAR, rng.randint(2, 4)))
    return {
        "name": name,
        "dom": dom,
        "head": [sep.join(rng.sample(AUDIO, 2)), bar],
        "library": rng.sample(LIBRARY, 2),
        "preface": rng.choice(PREFACE),
        "watermark": rng.choice(WATERMARK),
        "licence": rng.random() < 0.5,
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--sites", type=int, default=30)
    ap.add_argument("--per-site", type=int, default=10)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument(
        "--layers",
        choices=("all", "rules+blocks", "rules"),
        default="all",
        help="all: the default pipeline; rules+blocks: without the corpus layers "
        "(RepeatedLines, Templates); rules: also without blocks",
    )
    args = ap.parse_args(argv)
    from lawrpt_corpus import LocalEngine, Pipeline, default_pipeline
    from lawrpt_corpus.boilerplate import StripBoilerplate
    from lawrpt_corpus.document import Document

    def pipeline() -> Pipeline:
        steps = list(default_pipeline().steps)
        if args.layers != "all":
            steps = [s for s in steps if s.name not in ("repeated-lines", "templates")]
        if args.layers == "rules":
            strip = StripBoilerplate(blocks=False)
            steps = [strip if s.name == "boilerplate" else s for s in steps]
            for s in steps:
                if s.name == "script-recheck":
                    s.then = (strip,)  # type: ignore[attr-defined]
        return Pipeline(steps)

    import generate as gen  # this folder is sys.path[0] when run as a script

    pool = gen.load_pool()
    rng = random.Random(args.seed)
    sites = [_site(k, rng) for k in range(args.sites)]
    docs, noise, bodies = [], [], []
    k = 0
    for site in sites:
        for _ in range(args.per_site):
            rep = gen.make_original(args.seed + 7, k, pool)
            k += 1
            n = rng.randint(10, 999)
            title = rep.title or f"{rep.place}{rep.agency}{rep.year}年法治政府建设工作报告"
            lines: list[tuple[str, str]] = []  # (kind, text)
            day = f"{rep.year}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日"
            weekday = "星期" + rng.choice("一二三四五六日")
            lines.append(("banner", f"{rep.place}{rep.agency}  {day} {weekday}"))
            lines += [("widget", x.format(n=n)) for x in site["head"]]
            lines.append(("preface", site["preface"].format(title=title)))
            body = list(rep.content)
            j = max(range(len(body)), key=lambda i: len(body[i]))
            cut = body[j].find("，", 20) + 1 or 20
            mark = site["watermark"].format(site=site["name"], dom=site["dom"])
            body_with = list(body)
            body_with[j] = body[j][:cut] + mark + body[j][cut:]
            lines += [("body", b) for b in body_with]
            lines += [("library", x.format(n=n)) for x in site["library"]]
            if site["licence"]:
                lines += [("licence", x.format(site=site["name"])) for x in LICENCE]
            text = "\n".join(t for _, t in lines)
            docs.append(Document.from_bytes(f"{site['dom']}/{k}.txt", text.encode("utf-8")))
            noise.append([(kind, t) for kind, t in lines if kind != "body"] + [("watermark", mark)])
            clean = "\n".join(body).encode("utf-8")
            bodies.append(Document.from_bytes(f"clean/{k}.txt", clean))
    out = list(LocalEngine(workers=1).run(pipeline(), docs))
    # the same reports without any noise, through the same pipeline: the lines to keep
    bodies = [d.text.split("\n") for d in LocalEngine(workers=1).run(default_pipeline(), bodies)]
    gone: dict[str, list[int]] = {}
    by_layer: Counter[str] = Counter()
    lost = total_body = 0
    for doc, items, body in zip(out, noise, bodies, strict=True):
        if not doc.kept:
            continue
        kept_lines = set(doc.text.split("\n"))
        for kind, t in items:
            g = gone.setdefault(kind, [0, 0])
            g[1] += 1
            if kind == "watermark":
                g[0] += t not in doc.text
            else:
                g[0] += t.strip() not in kept_lines
        for r in doc.removed:
            by_layer[r.rule.split(".")[0]] += 1
        for b in body:
            total_body += 1
            # a line still carrying its watermark is not lost: its start is still there
            lost += b not in kept_lines and b[:12] not in doc.text
    print(
        f"{len(docs)} reports on {args.sites} made-up sites ({args.per_site} each), {args.layers}"
    )
    print("| noise kind | lines | gone |\n|---|---|---|")
    for kind, (a, b) in sorted(gone.items()):
        print(f"| {kind} | {b} | {a / b:.1%} |")
    all_gone = sum(a for a, _ in gone.values()) / max(1, sum(b for _, b in gone.values()))
    print(f"all noise gone: {all_gone:.1%}; report lines lost: {lost} of {total_body}")
    print("removals by layer:", dict(sorted(by_layer.items())))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
