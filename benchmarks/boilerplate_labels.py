#!/usr/bin/env python
"""Write the hard keep-lines of the boilerplate label set (``tests/data/boilerplate/keep.tsv``).

    python benchmarks/boilerplate_labels.py            # rewrites the file (deterministic)
    python benchmarks/boilerplate_labels.py --check    # exit 1 if the file is out of date

Report lines that a boilerplate layer must never take, by kind:

* ``seed-line``: every line the golden cleaned seed texts keep (titles, openings, headings,
  paragraphs, closings, signatures, dates) — real report text;
* ``seed-sentence``: the sentences of those lines (split after 。；！？), as a line of their
  own (real prose that a converter may break into short lines);
* ``seed-heading``: the heading part of a ``（一）标题。正文`` line;
* ``title``, ``signature``, ``date``, ``signature-date``: the generator's title templates,
  every place × agency of ``benchmarks/generate.py`` as a signature, dates in the forms
  reports use (Arabic, Chinese numerals, full-width digits);
* ``attachment``: 附件 lines that have content (a numbered list of attachment titles);
* ``numbered``: numbered list items (1. / （1） / ① / 一是 …) with short content;
* ``table``: table rows as converters flatten them (cells separated by ``|``, tabs or
  spaces), including the statutory table of 政府信息公开年度报告;
* ``short-heading``: the short section headings reports use (二、存在的问题 …);
* ``clause-heading``: unnumbered headings of two or three parallel clauses
  (加强领导，完善制度; 抓队伍,提高依法行政能力 — a seed's numbered heading without its
  number; 法治引领，服务发展) — the shape of a site slogan with one comma
  (维基百科,自由的百科全书), so the score layer must learn them as report text;
* ``cut-line``: a seed sentence cut after its first clause and a bit of the next (the last
  line of a truncated page: ``…法治建设工作，为人社系统``), 12–19 characters.

Every line is written by this script from the seeds and the generator's own vocabularies
(no web text). Columns: ``kind``, ``source`` (seed file or ``template``), ``text``.
"""

from __future__ import annotations

import argparse
import random
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

from generate import AGENCIES, H1_NUMS, REGIONS, TITLE_TEMPLATES  # noqa: E402

GOLDEN = ROOT / "tests" / "golden"
OUT = ROOT / "tests" / "data" / "boilerplate" / "keep.tsv"
_SENT = re.compile(r"[^。；！？]*[。；！？]|[^。；！？]+$")
_HEAD = re.compile(r"^（[一二三四五六七八九十]{1,3}）([^。]{2,40})。(.+)$")
CN_DIGITS = "〇一二三四五六七八九"


def _cn_year(year: int) -> str:
    return "".join(CN_DIGITS[int(d)] for d in str(year))


def _cn_num(n: int) -> str:
    if n < 10:
        return CN_DIGITS[n] if n else "〇"
    tens, ones = divmod(n, 10)
    return ("" if tens == 1 else CN_DIGITS[tens]) + "十" + (CN_DIGITS[ones] if ones else "")


def seed_lines() -> list[tuple[str, str, str]]:
    rows: list[tuple[str, str, str]] = []
    for path in sorted(GOLDEN.glob("*.clean.txt")):
        src = "seed:" + path.name.split("_")[0]
        for line in path.read_text(encoding="utf-8").split("\n"):
            line = line.strip()
            if not line:
                continue
            rows.append(("seed-line", src, line))
            m = _HEAD.match(line)
            if m:
                rows.append(("seed-heading", src, line[: line.index("。") + 1]))
                line = m.group(2)
            sents = [s.strip() for s in _SENT.findall(line) if len(s.strip()) >= 6]
            if len(sents) > 1:
                rows.extend(("seed-sentence", src, s) for s in sents)
    return rows


def template_lines(rng: random.Random) -> list[tuple[str, str, str]]:
    rows: list[tuple[str, str, str]] = []
    places: list[str] = []
    for _prov, pref, county in REGIONS:
        places += [county, pref + county, pref]
    for place in places:
        bureau, _ = AGENCIES[rng.randrange(len(AGENCIES))]
        agency = place + bureau
        year = rng.randint(2019, 2025)
        month, day = rng.randint(1, 12), rng.randint(1, 28)
        tpl = TITLE_TEMPLATES[rng.randrange(len(TITLE_TEMPLATES))]
        rows.append(
            (
                "title",
                "template",
                tpl.format(place=place, agency=bureau, year=year, agency_short=bureau[:2]),
            )
        )
        rows.append(("signature", "template", agency))
        rows.append(
            ("signature", "template", f"中共{place}委员会全面依法治{place[-1]}委员会办公室")
        )
        rows.append(("date", "template", f"{year + 1}年{month}月{day}日"))
        rows.append(
            ("date", "template", f"{_cn_year(year + 1)}年{_cn_num(month)}月{_cn_num(day)}日")
        )
        rows.append(("signature-date", "template", f"{agency}　{year + 1}年{month}月{day}日"))
        rows.append(("signature-date", "template", f"{agency} {year + 1}年{month:d}月{day:d}日"))
    for k in range(1, 101):
        year = 2019 + k % 7
        place = places[k % len(places)]
        bureau = AGENCIES[k % len(AGENCIES)][0]
        rows.append(
            ("attachment", "template", f"附件：1.{place}{year}年度法治政府建设重点任务完成情况表")
        )
        rows.append(("attachment", "template", f"附件{k % 4 + 1}：{place}{bureau}行政执法事项清单"))
        rows.append(
            ("attachment", "template", f"{k % 5 + 2}.{place}{year + 1}年法治政府建设工作要点")
        )
        rows.append(
            ("attachment", "template", f"附件：{place}{bureau}{year}年度法治政府建设工作台账")
        )
        n = rng.randint(2, 98)
        rows.append(("numbered", "template", f"{k % 9 + 1}.全年办理行政复议案件{n}件"))
        rows.append(("numbered", "template", f"（{k % 9 + 1}）开展“八五”普法宣传活动{n}场次"))
        rows.append(("numbered", "template", f"{'①②③④⑤⑥⑦⑧⑨'[k % 9]}规范性文件备案审查{n}件"))
        rows.append(("numbered", "template", f"{H1_NUMS[k % len(H1_NUMS)]}是强化执法监督"))
        rows.append(
            ("numbered", "template", f"第{_cn_num(k % 12 + 1)}条 {place}{bureau}负责组织实施")
        )
        a, b, c = rng.randint(0, 60), rng.randint(0, 60), rng.randint(0, 60)
        rows.append(("table", "template", f"{k} | 行政许可 | {a} | {b} | {c}"))
        rows.append(("table", "template", f"{k}\t{bureau}\t{a}件\t{b}件\t{a + b}件"))
        rows.append(("table", "template", f"行政处罚 {a} {b} {c}"))
        rows.append(("table", "template", f"{place}{bureau} | {year}年 | 已完成"))
        rows.append(("table", "template", f"维持 {a} 纠正 {b} 其他结果 {c} 尚未审结 {a % 7}"))
    for label in ("规章", "行政规范性文件", "行政许可", "行政处罚", "行政强制", "行政事业性收费"):
        rows.append(
            ("table", "template", f"{label} | {rng.randint(0, 9)} | 0 | {rng.randint(0, 40)}")
        )
    rows += [
        ("table", "template", "信息内容 | 本年制发件数 | 本年废止件数 | 现行有效件数"),
        ("table", "template", "第二十条第（一）项"),
        ("table", "template", "序号 | 事项名称 | 完成情况 | 责任单位"),
        ("table", "template", "序号\t指标\t目标值\t完成值"),
        (
            "table",
            "template",
            "自然人 | 商业企业 | 科研机构 | 社会公益组织 | 法律服务机构 | 其他 | 总计",
        ),
    ]
    for h in (
        "一、主要工作及成效",
        "二、存在的问题",
        "三、下一步工作打算",
        "二、存在的不足",
        "三、2025年工作计划",
        "四、其他需要报告的事项",
        "（一）主要举措",
        "（二）工作成效",
        "一、总体情况",
        "二、主动公开政府信息情况",
        "五、存在的主要问题及改进情况",
        "六、其他需要报告的事项",
        "主要问题",
        "下一步计划",
        "工作成效",
        "存在不足",
        "一、基本情况",
        "二、主要做法",
        "三、工作成效",
        "四、存在问题",
        "五、下步打算",
        "专此报告。",
        "特此报告。",
        "以上报告，请审阅。",
        "现将有关情况报告如下：",
    ):
        rows.append(("short-heading", "template", h))
    # section headings as reports write them without a number (a converter dropped it, or
    # the report uses none): topic word + 情况/工作/成效/问题/措施/打算 …
    topics = (
        "基本",
        "主要",
        "总体",
        "工作",
        "重点",
        "存在",
        "下一步",
        "今后",
        "组织",
        "保障",
        "执法",
        "普法",
        "复议",
        "监督",
        "依法行政",
        "法治政府建设",
    )
    heads = (
        "情况",
        "工作",
        "成效",
        "做法",
        "举措",
        "问题",
        "不足",
        "措施",
        "打算",
        "计划",
        "思路",
        "亮点",
        "经验",
        "任务",
        "方向",
        "要求",
    )
    for i, t in enumerate(topics):
        for h in (
            heads[i % len(heads)],
            heads[(i * 5 + 3) % len(heads)],
            heads[(i * 7 + 9) % len(heads)],
        ):
            if t != h:
                rows.append(("short-heading", "template", t + h))
    for cols in (
        ("序号", "单位", "案件数", "办结数", "办结率"),
        ("项目", "2023年", "2024年", "增减"),
        ("类别", "收到申请数", "予以公开", "部分公开", "不予公开"),
        ("指标名称", "目标值", "完成值", "完成情况"),
        ("行政复议", "行政诉讼", "合计"),
    ):
        rows.append(("table", "template", " | ".join(cols)))
        rows.append(("table", "template", "\t".join(cols)))
        rows.append(("table", "template", "  ".join(cols)))
    return rows


#: verbs that open a report heading's clause, and what they act on (the generator's
#: register: 法治政府建设 reports), for :func:`clause_headings`
HEAD_VERBS = tuple(
    (
        "加强 完善 健全 强化 深化 推进 提升 优化 坚持 规范 严格 "
        "创新 夯实 压实 落实 拓展 筑牢 狠抓 聚焦 突出"
    ).split()
)
HEAD_OBJECTS = tuple(
    (
        "组织领导 制度建设 工作机制 执法监督 普法宣传 队伍建设 法治保障 "
        "依法行政 行政执法 决策程序 基层治理 营商环境 矛盾化解 服务效能 "
        "法治意识 责任落实 复议应诉 权力监督 政务公开 法治素养 领导 "
        "制度 机制 监督 执法 普法 队伍 服务 保障 责任"
    ).split()
)
#: four-character report phrases that pair into headings (法治引领，服务发展)
HEAD_PHRASES = tuple(
    (
        "法治引领 服务发展 立足职能 主动作为 担当作为 依法履职 守正创新 "
        "凝心聚力 提质增效 多措并举 系统推进 以学促干 示范引领 源头治理 "
        "精准普法 规范执法 高位推动 统筹谋划 补齐短板 久久为功"
    ).split()
)
#: more report phrases without a heading verb (#18, fourth round), paired apart from
#: HEAD_PHRASES so that the rows drawn from those stay as they were
HEAD_PHRASES_MORE = tuple(
    (
        "法治护航 改革赋能 数字赋能 党建引领 为民服务 公正司法 执法为民 "
        "基层基础 源头预防 协同联动 制度先行 品牌创建 文化铸魂 创新驱动 "
        "科学立法 全民守法 依法决策 阳光执法 共建共治 重点突破"
    ).split()
)
SHORT_VERBS = ("抓", "促", "强", "优", "建", "严", "重", "实")
SHORT_OBJECTS = ("队伍", "执法", "普法", "解纷", "服务", "监督", "制度", "学习", "落实", "基层")


def clause_headings(rng: random.Random) -> list[tuple[str, str, str]]:
    """Unnumbered headings of two or three parallel clauses (``clause-heading``)."""
    rows: list[tuple[str, str, str]] = []
    num = re.compile(r"^(?:[(（][一二三四五六七八九十]{1,3}[)）]|[一二三四五六七八九十]{1,3}、)")
    for path in sorted(GOLDEN.glob("*.clean.txt")):
        for line in path.read_text(encoding="utf-8").split("\n"):
            line = line.strip()
            m = num.match(line)
            if m and len(line) <= 30 and re.search("[，,]", line) and not line.endswith("。"):
                rows.append(("clause-heading", "template", line[m.end() :]))
    seps = ("，", ",", "，", " ")
    for i in range(60):
        v1, v2, v3 = rng.sample(HEAD_VERBS, 3)
        o1, o2, o3 = rng.sample(HEAD_OBJECTS, 3)
        sep = seps[i % len(seps)]
        parts = [v1 + o1, v2 + o2] + ([v3 + o3] if i % 5 == 4 else [])
        rows.append(("clause-heading", "template", sep.join(parts)))
    for i in range(30):
        a, b = rng.sample(HEAD_PHRASES, 2)
        rows.append(("clause-heading", "template", ("，" if i % 3 else ",").join((a, b))))
    for i in range(30):
        (v1, v2), (o1, o2) = rng.sample(SHORT_VERBS, 2), rng.sample(SHORT_OBJECTS, 2)
        v, o = rng.choice(HEAD_VERBS), rng.choice(HEAD_OBJECTS)
        tail = (v2 + o2) if i % 2 else (v + o)
        rows.append(("clause-heading", "template", f"{v1}{o1}，{tail}"))
    more = random.Random(20)
    for i in range(40):
        # phrase pairs and triples without a verb, with every separator a page may carry
        k = 3 if i % 4 == 3 else 2
        parts = more.sample(HEAD_PHRASES_MORE + HEAD_PHRASES, k)
        rows.append(("clause-heading", "template", ("，", ",", "、", " ")[i % 4].join(parts)))
    return rows


def cut_lines() -> list[tuple[str, str, str]]:
    """A seed sentence cut after its first clause mark and 4–9 more characters (the last
    line of a truncated page, ``cut-line``): 12–19 characters, one clause mark."""
    rows: list[tuple[str, str, str]] = []
    for path in sorted(GOLDEN.glob("*.clean.txt")):
        for line in path.read_text(encoding="utf-8").split("\n"):
            for sent in _SENT.findall(line.strip()):
                m = re.search("[，,、]", sent)
                if not m or not 6 <= m.start() <= 12:
                    continue
                cut = sent[: m.end() + 4 + len(sent) % 6]
                if 12 <= len(cut) <= 19 and not re.search("[。；！？]", cut):
                    rows.append(("cut-line", "template", cut))
    return rows


def build() -> str:
    rows = seed_lines() + template_lines(random.Random(20261203))
    rows += clause_headings(random.Random(18)) + cut_lines()
    seen: set[str] = set()
    out = [
        "# Hard keep-lines: report text that no boilerplate layer may remove.",
        "# Written by benchmarks/boilerplate_labels.py (do not edit by hand).",
        "# kind\tsource\ttext",
    ]
    for kind, src, text in rows:
        if text in seen:
            continue
        seen.add(text)
        out.append(f"{kind}\t{src}\t{text}")  # text is the last column: it may hold tabs
    return "\n".join(out) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true")
    args = ap.parse_args(argv)
    text = build()
    if args.check:
        return 0 if OUT.read_text(encoding="utf-8") == text else 1
    OUT.write_text(text, encoding="utf-8")
    print(f"{OUT.relative_to(ROOT)}: {text.count(chr(10)) - 3} lines")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
