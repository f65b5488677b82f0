#!/usr/bin/env python
"""Deterministic synthetic corpus of raw rule-of-law work reports, of any size.

    python benchmarks/generate.py --n 10000 --out benchmarks/out/corpus-10000 --seed 0

Writes ``OUT/raw/NNN/dNNNNNNN.txt`` (N files, 1,000 per folder) and ``OUT/truth.jsonl`` (one
record per file, in file order) and ``OUT/corpus.json`` (parameters and counts).

Each original report recombines sentences of the seed reports (``seeds/``) under generated
headings, with its year, region, agency, document numbers and figures varied, 3,000–6,000
characters of content. It is then dressed like a scraped page: a width style (full-width
punctuation, or the NFKC-folded ASCII ``, ( ) : ;`` of seeds 000–003, or full-width digits),
line endings, indentation and invisible characters, and boilerplate of every category
(breadcrumbs, bylines, font-size/print widgets, "scan on your phone", ICP/site footers,
material-library ads, paywall markers, empty attachment stubs), each inserted line recorded
verbatim in the truth file. Encodings: UTF-8 (some with BOM), GB18030, UTF-16 (with and
without BOM), Big5 for traditional-script mirrors.

About 20% of the files are duplicates of an original, of every kind: ``exact`` (same
bytes), ``reencoded`` (same text, another encoding), ``repunctuated`` (other width style),
``traditional`` (OpenCC s2tw mirror, mostly Big5), ``light_edit`` (a few figures changed, a
sentence dropped, other page chrome) and ``truncated`` (the first 60–80% of the content).
A duplicate may come before its original in file order.

Truth record fields: ``file``, ``doc`` (the original report id, shared by all its copies),
``kind`` (``original`` or a duplicate kind), ``encoding`` (Python codec), ``bom``,
``width``, ``script``, ``year``, ``province``, ``prefecture``, ``county``, ``admin_level``,
``agency``, ``title`` (or null when the page has none), ``boilerplate`` (list of
``{"cat", "text"}``), ``noise`` (list of noise kinds added), ``content_chars``, ``bytes``,
``lossy_chars`` (characters Big5 could not encode, replaced by "?").

Determinism: every file is a pure function of ``(--seed, N, its index)``; the same command
writes the same bytes. Speed: 30–40 s per 10,000 files on a lightly loaded core
(about 6 minutes for 100k, 1.3 GB).
"""

from __future__ import annotations

import argparse
import json
import os
import random
import re
import sys
import time
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
SEEDS = ROOT / "seeds"

GENERATOR = "benchmarks/generate.py v3"
DUP_SHARE = 0.20
DUP_KINDS = (
    ("exact", 0.12),
    ("reencoded", 0.18),
    ("repunctuated", 0.18),
    ("traditional", 0.17),
    ("light_edit", 0.20),
    ("truncated", 0.15),
)
ORIGINAL_ENCODINGS = (
    ("utf-8", 0.70),
    ("utf-8-sig", 0.06),
    ("gb18030", 0.16),
    ("utf-16", 0.05),  # with BOM (Python's utf-16 writes one)
    ("utf-16-le", 0.03),  # without BOM
)
WIDTHS = (("full", 0.50), ("half", 0.42), ("fwdigits", 0.08))

# A modest list of real places (province, prefecture, county); synthetic data, not a gazetteer.
REGIONS: tuple[tuple[str, str, str], ...] = (
    ("江西省", "南昌市", "南昌县"),
    ("江西省", "赣州市", "章贡区"),
    ("江西省", "九江市", "濂溪区"),
    ("湖北省", "武汉市", "江夏区"),
    ("湖北省", "宜昌市", "夷陵区"),
    ("湖北省", "襄阳市", "枣阳市"),
    ("福建省", "福州市", "鼓楼区"),
    ("福建省", "厦门市", "思明区"),
    ("福建省", "泉州市", "晋江市"),
    ("重庆市", "重庆市", "渝北区"),
    ("重庆市", "重庆市", "江津区"),
    ("广东省", "广州市", "番禺区"),
    ("广东省", "佛山市", "顺德区"),
    ("广东省", "梅州市", "兴宁市"),
    ("浙江省", "杭州市", "余杭区"),
    ("浙江省", "温州市", "瑞安市"),
    ("江苏省", "苏州市", "昆山市"),
    ("江苏省", "徐州市", "沛县"),
    ("山东省", "济南市", "历城区"),
    ("山东省", "潍坊市", "寿光市"),
    ("河南省", "郑州市", "中牟县"),
    ("河南省", "洛阳市", "伊川县"),
    ("四川省", "成都市", "双流区"),
    ("四川省", "绵阳市", "江油市"),
    ("湖南省", "长沙市", "浏阳市"),
    ("湖南省", "株洲市", "醴陵市"),
    ("安徽省", "合肥市", "肥西县"),
    ("河北省", "石家庄市", "正定县"),
    ("陕西省", "西安市", "长安区"),
    ("云南省", "昆明市", "呈贡区"),
    ("广西壮族自治区", "南宁市", "武鸣区"),
    ("内蒙古自治区", "呼和浩特市", "土默特左旗"),
)
AGENCIES: tuple[tuple[str, str], ...] = (  # (county/prefecture bureau, province department)
    ("人力资源和社会保障局", "人力资源和社会保障厅"),
    ("司法局", "司法厅"),
    ("市场监督管理局", "市场监督管理局"),
    ("生态环境局", "生态环境厅"),
    ("住房和城乡建设局", "住房和城乡建设厅"),
    ("交通运输局", "交通运输厅"),
    ("自然资源局", "自然资源厅"),
    ("应急管理局", "应急管理厅"),
    ("教育局", "教育厅"),
    ("卫生健康委员会", "卫生健康委员会"),
    ("农业农村局", "农业农村厅"),
    ("人民政府", "人民政府"),
)
TITLE_TEMPLATES = (
    "{place}{agency}{year}年法治政府建设年度报告",
    "{place}{agency}关于{year}年度法治政府建设工作情况的报告",
    "{place}{agency}{year}年度法治政府建设情况报告",
    "{year}年法治建设工作总结",
    "关于{year}年法治政府建设工作情况的报告",
    "{place}{agency}{year}年法治建设工作报告",
    "{agency_short}{year}年度法治政府建设工作报告",
)
H1_NUMS = "一二三四五六七八九十"
PROVINCE_WORDS = re.compile(r"江西|湖北|福建|重庆")
PLACEHOLDER = re.compile(r"XX市XX区|XX区|XX市")
# the seeds' own issuing bodies, self-references and places: replaced by the report's own
SEED_BODY = re.compile(r"[省市区县]?(?:人社|人力社保|人力资源和社会保障)[局厅]")
SEED_SELF = re.compile(r"我[局厅]")
SEED_PLACE = re.compile(r"南昌县|南昌市|湖里区|厦门市|涪陵区")

# --- boilerplate, by category (wording varied; {…} filled per document) ---------------------
SEPARATORS = (" > ", " >> ", " » ", "＞", " / ", "->")
CRUMB_START = ("当前位置：", "您当前的位置：", "当前位置: ", "您现在的位置：", "位置：", "")
CRUMB_HOME = ("首页", "网站首页", "主页")
CRUMB_MID = (
    ("政务公开", "法治政府建设"),
    ("信息公开", "法定主动公开内容", "法治政府建设年度报告"),
    ("政府信息公开", "部门信息", "{agency}"),
    ("政务公开", "工作报告"),
    ("新闻中心", "通知公告"),
    ("政府信息公开", "法治政府建设"),
)
BYLINE = (
    "发布时间：{date} {hh}:{mm}:{ss} 来源：{agency} 浏览次数：{n}",
    "发布日期：{date_cn}  信息来源：{place}{agency}  阅读次数：{n}",
    "作者：办公室 发布时间：{date} 点击数：{n}",
    "来源：{place}{agency} | 发布时间：{date} | 浏览量：{n}",
    "时间：{date}　来源：本站　字号：[大][中][小]",
    "发文机关：{place}{agency}  成文日期：{date_cn}  发布日期：{date_cn}",
)
WIDGETS = (
    "【字体：大 中 小】 打印 关闭",
    "字号：[ 大 中 小 ] 打印本页 关闭窗口",
    "【打印本页】【关闭窗口】",
    "【字体：大 中 小】【打印】【关闭】",
    "分享到：微信 微博 QQ空间",
    "字体：【大】【中】【小】  【我要打印】  【关闭】",
    "【收藏】【打印】【关闭】",
)
MOBILE = (
    "扫一扫在手机上查看当前页面",
    "扫一扫在手机打开当前页",
    "手机扫一扫 分享到朋友圈",
    "微信扫一扫：分享",
    "扫一扫在手机上查看当前页",
)
FOOTER = (
    "主办单位：{place}人民政府办公室 承办单位：{place}大数据中心 网站标识码：{site}",
    "{icp}ICP备{icpn}号-{k} {icp}公网安备 {gongan}号",
    "版权所有：{place}{agency}  ICP备案号：{icp}ICP备{icpn}号",
    "技术支持：{tech}网络科技有限公司",
    "联系电话：{tel}  地址：{place}{road}{no}号",
    "网站地图 | 联系我们 | 隐私声明 | 使用帮助",
    "Copyright © {year} {place}{agency} All Rights Reserved",
    "建议使用1366×768分辨率 IE9以上版本浏览器浏览本站",
)
AD_NAMES = ("哒哒", "笔杆子", "公文星", "材料宝", "范文君", "写作帮", "文秘汇", "妙笔", "公文库")
ADS = (
    "【{ad}素材库】——每天更新材料{n}多篇内部高质量素材，会员群+网盘群同步每日更新，一键精准搜索、一键快速查找，有意加入请联系：{qq}",
    "欢迎加入“{ad}素材库svip会员”，{w}万字材料，轻松解决您的各类素材需求！添加客服：{wx}，谨防假冒！",
    "【{ad}代笔】——原创高质量保障、高度保密，各类代笔（润笔），好评如潮！需要的小伙伴请联系客服：{wx}",
    "关注公众号“{ad}写作”，每日推送精品范文，回复“法治”获取更多材料",
    "本文档由{ad}文库用户上传，仅供学习交流，如有侵权请联系删除",
    "更多精品公文材料，请搜索“{ad}公文网”，海量范文免费下载",
    "★{ad}VIP会员专享★ 本月新增材料{n}篇，开通会员即可无限下载",
)
PAYWALL_BEGIN = ("##paidbegin##", "-----以下为付费内容-----", "【以下内容仅限VIP会员查看】")
PAYWALL_END = ("##paidend##", "-----付费内容结束-----", "（本文完，感谢您的阅读）")
ICP = (
    "赣",
    "鄂",
    "闽",
    "渝",
    "粤",
    "浙",
    "苏",
    "鲁",
    "豫",
    "川",
    "湘",
    "皖",
    "冀",
    "陕",
    "滇",
    "桂",
)
TECH = ("南方", "金山", "开普", "拓尔思", "大汉", "政通")
ROADS = ("人民路", "解放大道", "中山路", "行政中心", "府前路", "建设路")

HALF_TABLE = str.maketrans("，（）：；！？", ",():;!?")
FWDIGIT_TABLE = str.maketrans("0123456789", "０１２３４５６７８９")
_FULL_CTX = re.compile(
    r"(?<=[\u3000-\u303f\u4e00-\u9fff\uff00-\uffef“”])[,:;!?]|[,:;!?](?=[\u4e00-\u9fff“《])"
)
_FULL_MAP = {",": "，", ":": "：", ";": "；", "!": "！", "?": "？"}
_PAREN = re.compile(r"\(([^()\n]{0,40})\)")
_SENT = re.compile(r"[^。；！？]*[。；！？]|[^。；！？]+$")
_NUM = re.compile(r"(?<![0-9.])[0-9]+(?:\.[0-9]+)?")
_YEAR = re.compile(r"(?<![0-9])(20[12][0-9])(?![0-9])")
_H1 = re.compile(r"^[一二三四五六七八九十]+、")
_H2 = re.compile(r"^[(（][一二三四五六七八九十]+[)）]")
_BOILER_SEED = re.compile(
    r"素材库|哒哒|##paid|扫一扫|^附件|^专此报告|^XX|^20[0-9]{2}年[0-9]+月[0-9]+日$"
)


def _to_full(line: str) -> str:
    """Canonical full-width form of a (possibly NFKC-folded) seed line."""
    line = _PAREN.sub(lambda m: "（" + m.group(1) + "）", line)
    return _FULL_CTX.sub(lambda m: _FULL_MAP[m.group(0)], line)


@dataclass
class SeedPool:
    """Sentences, headings and openings of the seeds, canonical full-width, base year per item."""

    sentences: list[tuple[str, int]] = field(default_factory=list)
    h1: list[str] = field(default_factory=list)
    h2: list[str] = field(default_factory=list)
    openings: list[tuple[str, int]] = field(default_factory=list)
    closings: list[str] = field(default_factory=list)


@lru_cache(maxsize=2)
def load_pool(seeds_dir: str = str(SEEDS)) -> SeedPool:
    pool = SeedPool()
    files = sorted(Path(seeds_dir).glob("*.txt"))
    if not files:
        raise SystemExit(f"no seed reports in {seeds_dir}")
    for path in files:
        text = path.read_text(encoding="utf-8")
        years = [int(y) for y in _YEAR.findall(text)]
        base = max(set(years), key=years.count) if years else 2024
        seen_heading = False
        for raw in text.splitlines():
            line = _to_full(raw.strip().replace("##paidbegin##", ""))
            if not line or _BOILER_SEED.search(line):
                if line.startswith("专此报告"):
                    pool.closings.append(line)
                continue
            if _H1.match(line):
                seen_heading = True
                pool.h1.append(_H1.sub("", line))
                continue
            m = _H2.match(line)
            if m:
                seen_heading = True
                head, _, body = _H2.sub("", line).partition("。")
                if len(line) < 40 or not body:
                    pool.h2.append(head.rstrip("。"))
                    continue
                pool.h2.append(head)
                line = body
            if len(line) < 30:
                continue  # a title or a stray line
            if not seen_heading:
                pool.openings.append((line, base))
                continue
            for s in _SENT.findall(re.sub(r"^[0-9]+\.", "", line)):
                if len(s) >= 12:
                    pool.sentences.append((s, base))
    pool.closings.extend(["特此报告。", "以上报告，请审阅。"])
    return pool


@lru_cache(maxsize=1)
def _s2tw():  # type: ignore[no-untyped-def]
    import opencc

    return opencc.OpenCC("s2tw")


def _pick(rng: random.Random, weighted: tuple[tuple[str, float], ...]) -> str:
    x = rng.random() * sum(w for _, w in weighted)
    for name, w in weighted:
        x -= w
        if x < 0:
            return name
    return weighted[-1][0]


@dataclass
class Report:
    """One report before rendering: canonical content lines + how to dress it."""

    doc: str
    year: int
    region: tuple[str, str, str]
    admin_level: str
    agency: str
    place: str
    title: str | None
    content: list[str]
    header: list[tuple[str, str]]
    footer: list[tuple[str, str]]
    paywall: tuple[int, str, str] | None  # (content line index, begin marker, end marker)
    width: str
    encoding: str
    newline: str
    indent: str
    noise: list[str]


def _vary_years(text: str, base: int, year: int) -> str:
    def sub(m: re.Match[str]) -> str:
        y = int(m.group(1))
        return str(y - base + year) if abs(y - base) <= 3 else m.group(1)

    return _YEAR.sub(sub, text)


def _vary_numbers(text: str, rng: random.Random) -> str:
    def sub(m: re.Match[str]) -> str:
        s = m.group(0)
        if len(s) == 4 and s.startswith("20"):
            return s  # a year, already shifted
        if "." in s:
            a, b = s.split(".")
            whole = rng.randint(1, 10 ** len(a) - 1)
            return f"{whole}.{rng.randint(10 ** (len(b) - 1), 10 ** len(b) - 1)}"
        if m.string.startswith("%", m.end()):
            return str(rng.randint(60, 100))
        lo = 10 ** (len(s) - 1) if len(s) > 1 else 1
        return str(rng.randint(lo, 10 ** len(s) - 1))

    return _NUM.sub(sub, text)


def make_original(seed: int, k: int, pool: SeedPool) -> Report:
    """Original report ``k``: a pure function of (seed, k)."""
    rng = random.Random(seed * 1_000_003 + k * 7919 + 17)
    year = rng.randint(2019, 2025)
    region = REGIONS[rng.randrange(len(REGIONS))]
    level = rng.choices(("province", "prefecture", "county"), (1, 3, 6))[0]
    bureau, dept = AGENCIES[rng.randrange(len(AGENCIES))]
    if level == "province":
        place, agency = region[0], dept
    elif level == "prefecture":
        place, agency = region[0] + region[1] if rng.random() < 0.3 else region[1], bureau
    else:
        place, agency = region[1] + region[2] if rng.random() < 0.4 else region[2], bureau
    prov_short = re.sub(r"(省|市|壮族自治区|自治区)$", "", region[0])
    use_placeholder = rng.random() < 0.04

    self_ref = {"局": "我局", "厅": "我厅", "会": "我委"}.get(agency[-1], "我们")

    def fix(text: str, base: int) -> str:
        text = _vary_numbers(_vary_years(text, base, year), rng)
        text = SEED_BODY.sub(place + agency, text)
        text = SEED_SELF.sub(self_ref, text)
        text = SEED_PLACE.sub(place, text)
        text = PROVINCE_WORDS.sub(prov_short, text)
        return PLACEHOLDER.sub("XX市XX区" if use_placeholder else place, text)

    target = rng.randint(3000, 6000)
    content: list[str] = []
    title = None
    if rng.random() < 0.75:
        title = rng.choice(TITLE_TEMPLATES).format(
            place=place, agency=agency, year=year, agency_short=agency[:2]
        )
        content.append(title)
    opening, base = pool.openings[rng.randrange(len(pool.openings))]
    content.append(fix(opening, base))
    n = len(content[-1])
    n_h1 = rng.randint(3, 5)
    per_h1 = (target - n) // n_h1
    for i in range(len(H1_NUMS)):
        content.append(f"{H1_NUMS[i]}、{rng.choice(pool.h1)}")
        spent = 0
        for j in range(len(H1_NUMS)):
            if rng.random() < 0.7:
                content.append(f"（{H1_NUMS[j]}）{rng.choice(pool.h2)}")
            para: list[str] = []
            for _ in range(rng.randint(2, 6)):
                s, b = pool.sentences[rng.randrange(len(pool.sentences))]
                para.append(fix(s, b))
            text = "".join(para)
            if not text.endswith("。"):
                text = text[:-1] + "。" if text[-1] in "；！？" else text + "。"
            content.append(text)
            spent += len(text)
            if spent >= per_h1 or n + spent >= target:
                break
        n += spent
        if n >= target:
            break
    if rng.random() < 0.5:
        content.append(rng.choice(pool.closings))
    if rng.random() < 0.6:
        content.append(place + agency)
        content.append(f"{year + rng.randint(0, 1)}年{rng.randint(1, 12)}月{rng.randint(1, 28)}日")
    # trim to 6,000 characters of content, keep at least 3,000
    total = 0
    for idx, line in enumerate(content):
        total += len(line)
        if total > 6000 and idx > 3:
            content = content[:idx]
            break

    header, footer = _boilerplate(rng, place, agency, year)
    paywall = None
    if rng.random() < 0.12:
        body_idx = [i for i, c in enumerate(content) if len(c) > 80]
        if body_idx:
            paywall = (rng.choice(body_idx), rng.choice(PAYWALL_BEGIN), rng.choice(PAYWALL_END))
    noise: list[str] = []
    newline = "\r\n" if rng.random() < 0.15 else "\n"
    if newline == "\r\n":
        noise.append("crlf")
    indent = "　　" if rng.random() < 0.2 else ("  " if rng.random() < 0.05 else "")
    if indent:
        noise.append("indent")
    r = rng.random()
    if r < 0.04:
        noise.append("zero_width")
    elif r < 0.08:
        noise.append("nbsp")
    elif r < 0.10:
        noise.append("control")
    return Report(
        doc=f"o{k:07d}",
        year=year,
        region=region,
        admin_level=level,
        agency=agency,
        place=place,
        title=title,
        content=content,
        header=header,
        footer=footer,
        paywall=paywall,
        width=_pick(rng, WIDTHS),
        encoding=_pick(rng, ORIGINAL_ENCODINGS),
        newline=newline,
        indent=indent,
        noise=noise,
    )


def _boilerplate(
    rng: random.Random, place: str, agency: str, year: int
) -> tuple[list[tuple[str, str]], list[tuple[str, str]]]:
    month, day = rng.randint(1, 12), rng.randint(1, 28)
    date = f"{year + 1}-{month:02d}-{day:02d}" if rng.random() < 0.7 else f"{year}-12-{day:02d}"
    fill = {
        "place": place,
        "agency": agency,
        "year": year + 1,
        "date": date,
        "date_cn": f"{date[:4]}年{date[5:7]}月{date[8:10]}日",
        "hh": f"{rng.randint(8, 18):02d}",
        "mm": f"{rng.randint(0, 59):02d}",
        "ss": f"{rng.randint(0, 59):02d}",
        "n": rng.randint(12, 9999),
        "w": rng.randint(1000, 9000),
        "site": rng.randint(1000000000, 9999999999),
        "icp": rng.choice(ICP),
        "icpn": rng.randint(10000000, 99999999),
        "k": rng.randint(1, 9),
        "gongan": rng.randint(10000000000000, 99999999999999),
        "tech": rng.choice(TECH),
        "tel": f"0{rng.randint(10, 999)}-{rng.randint(1000000, 99999999)}",
        "road": rng.choice(ROADS),
        "no": rng.randint(1, 399),
        "ad": rng.choice(AD_NAMES),
        "qq": f"{rng.randint(1, 9)} {rng.randint(1000, 9999)}",
        "wx": "".join(rng.choice("abcdefghjkmnpqrstuvwxyz") for _ in range(3))
        + str(rng.randint(1, 999)),
    }
    header: list[tuple[str, str]] = []
    footer: list[tuple[str, str]] = []
    web = rng.random() < 0.55
    if web:
        if rng.random() < 0.85:
            sep = rng.choice(SEPARATORS)
            mid = [m.format(**fill) for m in rng.choice(CRUMB_MID)]
            crumb = rng.choice(CRUMB_START) + sep.join([rng.choice(CRUMB_HOME), *mid])
            header.append(("breadcrumb", crumb))
        if rng.random() < 0.8:
            header.append(("byline", rng.choice(BYLINE).format(**fill)))
        if rng.random() < 0.6:
            header.append(("widget", rng.choice(WIDGETS)))
        if rng.random() < 0.3:
            footer.append(("widget", rng.choice(WIDGETS)))
        if rng.random() < 0.5:
            footer.append(("mobile", rng.choice(MOBILE)))
        for tpl in rng.sample(FOOTER, rng.randint(0, 3)):
            footer.append(("footer", tpl.format(**fill)))
    elif rng.random() < 0.1:
        footer.append(("mobile", rng.choice(MOBILE)))
    if rng.random() < 0.15:
        ads = [a.format(**fill) for a in rng.sample(ADS, rng.randint(1, 3))]
        if rng.random() < 0.3:
            ads.insert(0, ads[0])  # the repeated first ad line of real pages
        footer.extend(("ad", a) for a in ads)
    if rng.random() < 0.05:
        footer.append(("attachment", rng.choice(("附件：", "附件:", "附件"))))
    return header, footer


def render(rep: Report) -> tuple[str, list[dict[str, str]]]:
    """The page text of ``rep`` and its inserted boilerplate (category, exact text)."""
    boiler: list[dict[str, str]] = []
    head: list[str] = []
    for cat, text in rep.header:
        head.append(text)
        boiler.append({"cat": cat, "text": text})
    body: list[str] = []
    style = rep.width
    for i, line in enumerate(rep.content):
        if style == "half":
            line = line.translate(HALF_TABLE)
        elif style == "fwdigits":
            line = line.translate(FWDIGIT_TABLE)
        if rep.paywall and rep.paywall[0] == i:
            cut = len(line) // 2
            cut = line.find("”", cut) + 1 or line.find("，", cut) + 1 or cut
            line = line[:cut] + rep.paywall[1] + line[cut:]
            boiler.append({"cat": "paywall", "text": rep.paywall[1]})
        if rep.indent and len(line) > 40:
            line = rep.indent + line
        body.append(line)
    nl = rep.newline
    content = nl.join(body)
    # invisible-character noise goes into the report's own text, never into boilerplate lines
    if "zero_width" in rep.noise:
        content = content.replace("。", "。\u200b", 3)
    elif "nbsp" in rep.noise:
        content = content.replace("，", "，\u00a0", 2)
    elif "control" in rep.noise:
        content = content.replace("。", "。\x07", 1)
    tail: list[str] = []
    for cat, text in rep.footer:
        tail.append(text)
        boiler.append({"cat": cat, "text": text})
    if rep.paywall:
        tail.append(rep.paywall[2])
        boiler.append({"cat": "paywall", "text": rep.paywall[2]})
    text = nl.join([*head, content, *tail]) + nl
    return text, boiler


def encode(text: str, encoding: str) -> tuple[bytes, int]:
    """Bytes of ``text``; Big5 (cp950) writes '?' for characters it lacks (counted)."""
    if encoding == "big5":
        data = text.encode("cp950", errors="replace")
        lossy = data.count(b"?") - text.count("?")
        return data, lossy
    return text.encode(encoding), 0


def _truth(
    path: str, rep: Report, kind: str, text: str, boiler, data: bytes, lossy: int, script: str
):  # type: ignore[no-untyped-def]
    enc = rep.encoding
    return {
        "file": path,
        "doc": rep.doc,
        "kind": kind,
        "encoding": "utf-8" if enc == "utf-8-sig" else ("utf-16-le" if enc == "utf-16" else enc),
        "bom": enc in ("utf-8-sig", "utf-16"),
        "width": rep.width,
        "script": script,
        "year": rep.year,
        "province": rep.region[0],
        "prefecture": rep.region[1] if rep.admin_level != "province" else None,
        "county": rep.region[2] if rep.admin_level == "county" else None,
        "admin_level": rep.admin_level,
        "agency": rep.place + rep.agency,
        "department": rep.agency,
        "title": rep.title,
        "boilerplate": boiler,
        "noise": rep.noise,
        "content_chars": sum(len(c) for c in rep.content),
        "bytes": len(data),
        "lossy_chars": lossy,
    }


def make_duplicate(rep: Report, kind: str, rng: random.Random) -> tuple[Report, str]:
    """A copy of ``rep`` of duplicate ``kind``; returns (report, script)."""
    script = "simplified"
    if kind == "reencoded":
        others = [e for e, _ in ORIGINAL_ENCODINGS if e != rep.encoding]
        rep.encoding = rng.choice(others)
    elif kind == "repunctuated":
        rep.width = "half" if rep.width != "half" else "full"
    elif kind == "traditional":
        conv = _s2tw()
        rep.content = [conv.convert(c) for c in rep.content]
        rep.header = [(cat, conv.convert(t)) for cat, t in rep.header]
        rep.footer = [(cat, conv.convert(t)) for cat, t in rep.footer]
        if rep.paywall:
            i, begin, end = rep.paywall
            rep.paywall = (i, conv.convert(begin), conv.convert(end))
        if rep.title:
            rep.title = rep.content[0] if rep.content else rep.title
        rep.encoding = "big5" if rng.random() < 0.7 else "utf-8"
        script = "traditional"
    elif kind == "light_edit":
        body = [i for i, c in enumerate(rep.content) if len(c) > 80]
        for i in rng.sample(body, min(len(body), rng.randint(1, 3))):
            sents = _SENT.findall(rep.content[i])
            if len(sents) > 2:
                del sents[rng.randrange(len(sents))]
            rep.content[i] = (
                _vary_numbers("".join(sents), rng) if rng.random() < 0.5 else "".join(sents)
            )
        rep.header, rep.footer = _boilerplate(rng, rep.place, rep.agency, rep.year)
    elif kind == "truncated":
        total = sum(len(c) for c in rep.content)
        keep = int(total * rng.uniform(0.60, 0.80))
        out: list[str] = []
        for c in rep.content:
            if keep <= 0:
                break
            out.append(c[:keep])
            keep -= len(c)
        rep.content = out
        rep.footer = (
            [f for f in rep.footer if f[0] in ("ad", "mobile")] if rng.random() < 0.5 else []
        )
        rep.paywall = rep.paywall if rep.paywall and rep.paywall[0] < len(out) else None
    return rep, script


def plan(n: int, seed: int) -> list[tuple[str, int]]:
    """For each file index: (kind, original number). Originals are numbered in file order."""
    rng = random.Random(seed)
    is_dup = [rng.random() < DUP_SHARE for _ in range(n)]
    if n:
        is_dup[0] = False
    n_orig = n - sum(is_dup)
    out: list[tuple[str, int]] = []
    k = 0
    for dup in is_dup:
        if dup:
            out.append((_pick(rng, DUP_KINDS), rng.randrange(n_orig)))
        else:
            out.append(("original", k))
            k += 1
    return out


def _write_part(
    out: Path,
    seed: int,
    seeds_dir: Path,
    items: list[tuple[int, str, int]],
    truth_path: Path,
    quiet: bool = True,
) -> tuple[int, dict[str, int], dict[str, int]]:
    """Write the files of ``items`` (index, kind, original number) and their truth records
    (to ``truth_path``, in order); return (bytes, kinds, encodings)."""
    pool = load_pool(str(seeds_dir))
    raw = out / "raw"
    t0 = time.perf_counter()
    total_bytes = 0
    kinds: dict[str, int] = {}
    encodings: dict[str, int] = {}
    made_dirs: set[str] = set()
    with open(truth_path, "w", encoding="utf-8") as truth:
        for done, (i, kind, k) in enumerate(items):
            sub = f"{i // 1000:03d}"
            rel = f"raw/{sub}/d{i:07d}.txt"
            if sub not in made_dirs:
                (raw / sub).mkdir(parents=True, exist_ok=True)
                made_dirs.add(sub)
            rep = make_original(seed, k, pool)
            script = "simplified"
            if kind not in ("original", "exact"):
                rep, script = make_duplicate(rep, kind, random.Random(seed * 31 + i))
            text, boiler = render(rep)
            data, lossy = encode(text, rep.encoding)
            with open(out / rel, "wb") as fh:
                fh.write(data)
            rec = _truth(rel, rep, kind, text, boiler, data, lossy, script)
            truth.write(json.dumps(rec, ensure_ascii=False) + "\n")
            total_bytes += len(data)
            kinds[kind] = kinds.get(kind, 0) + 1
            encodings[rec["encoding"]] = encodings.get(rec["encoding"], 0) + 1
            if not quiet and done and done % 10000 == 0:
                print(f"  {done} files, {time.perf_counter() - t0:.1f} s", file=sys.stderr)
    return total_bytes, kinds, encodings


def _part_job(args: tuple[Path, int, Path, list[tuple[int, str, int]], Path, bool]) -> Any:
    return _write_part(*args)


def generate(
    n: int,
    out: Path,
    seed: int = 0,
    seeds_dir: Path = SEEDS,
    quiet: bool = True,
    jobs: int = 1,
    first: int | None = None,
) -> dict:
    """Write the corpus of ``n`` files to ``out``; return the summary (also in corpus.json).

    ``jobs`` > 1 writes contiguous ranges of files in that many processes (each file is a
    pure function of the seed, the plan and its index, so the bytes are the same); their
    truth records are joined in file order. ``first``: write only the first ``first`` files
    of the ``n``-file corpus (the same bytes as theirs; benchmarks that take the first files
    of a large corpus need no more)."""
    out.mkdir(parents=True, exist_ok=True)
    t0 = time.perf_counter()
    items = [(i, kind, k) for i, (kind, k) in enumerate(plan(n, seed))][:first]
    jobs = max(1, min(jobs, len(items)))
    if jobs == 1:
        parts = [_write_part(out, seed, seeds_dir, items, out / "truth.jsonl", quiet)]
    else:
        import multiprocessing

        size = -(-len(items) // jobs)
        work = [
            (out, seed, seeds_dir, items[j * size : (j + 1) * size], out / f"truth.{j}.part", quiet)
            for j in range(jobs)
        ]
        with multiprocessing.get_context("fork").Pool(jobs) as pool:
            parts = pool.map(_part_job, work, chunksize=1)
        with open(out / "truth.jsonl", "wb") as truth:
            for part in work:
                truth.write(part[4].read_bytes())
                part[4].unlink()
    total_bytes = sum(p[0] for p in parts)
    kinds: dict[str, int] = {}
    encodings: dict[str, int] = {}
    for _, kd, enc in parts:
        for key, v in kd.items():
            kinds[key] = kinds.get(key, 0) + v
        for key, v in enc.items():
            encodings[key] = encodings.get(key, 0) + v
    summary = {
        "n": n,
        **({"first": len(items)} if first is not None else {}),
        "seed": seed,
        "bytes": total_bytes,
        "kinds": dict(sorted(kinds.items())),
        "encodings": dict(sorted(encodings.items())),
        "seconds": round(time.perf_counter() - t0, 2),
        "generator": GENERATOR,
    }
    (out / "corpus.json").write_text(json.dumps(summary, indent=2, ensure_ascii=False) + "\n")
    return summary


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--n", type=int, required=True, help="number of files")
    ap.add_argument("--out", type=Path, required=True, help="output folder")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--seeds-dir", type=Path, default=SEEDS)
    ap.add_argument(
        "--jobs", type=int, default=1, help="processes writing files (same bytes for any)"
    )
    ap.add_argument("--first", type=int, help="write only the first FIRST files of the N")
    args = ap.parse_args(argv)
    if args.n < 1:
        ap.error("--n must be at least 1")
    summary = generate(
        args.n, args.out, args.seed, args.seeds_dir, quiet=False, jobs=args.jobs, first=args.first
    )
    print(json.dumps(summary, ensure_ascii=False))
    return 0


if __name__ == "__main__":
    os.environ.setdefault("PYTHONHASHSEED", "0")
    sys.exit(main())
