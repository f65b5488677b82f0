"""The metadata truth set: real titles/issuers (tests/data/metadata/truth.tsv) framed as the
documents the step meets, and per-field precision and coverage of the step on them.

Each labeled row holds only short real lines (title, issuer line, date, one opening sentence,
URL). :func:`build` puts them in a report-shaped frame chosen by the row id: a portal page
(breadcrumb, byline, repeated title), a plain document with a signature, a repost with an ad
preface, a page whose title and publisher come only as page metadata (``Document.page``), a
government work report with its delivery and speaker lines, a resolution, an official notice
with its document number. The body always names OTHER places (a study trip to two other
provinces, a meeting in 北京市) and, for local reports, the report's own city and province, so
that a body mention that is taken for the issuer shows up as a wrong value.

Texts without an issuer (news, forum posts, articles, Q&A pages) get a news/forum frame whose
body names places and reports too; their place, level, agency and type must stay null.

Scoring per field: a label ``*`` is not scored, ``-`` must be null, ``a|b`` accepts either.
``filled`` = rows with a value / scored rows, ``precision`` = right values / values given,
``coverage`` = right values / rows whose label is a value.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from lawrpt_corpus.document import Document, PageMeta

TRUTH = Path(__file__).resolve().parents[1] / "data" / "metadata" / "truth.tsv"
FIELDS = ("province", "prefecture", "county", "admin_level", "agency", "year", "doc_type", "title")

# Places named in bodies: never the issuer's. Two are picked per document, avoiding the row's
# own province.
OTHER_PLACES = [
    ("浙江省", "杭州市"), ("江苏省", "苏州市"), ("广东省", "深圳市"), ("四川省", "成都市"),
    ("山东省", "青岛市"), ("湖南省", "长沙市"), ("河南省", "郑州市"), ("辽宁省", "大连市"),
    ("云南省", "昆明市"), ("福建省", "厦门市"), ("安徽省", "合肥市"), ("陕西省", "西安市"),
]  # fmt: skip
CN_NUM = "〇一二三四五六七八九"


@dataclass
class Row:
    id: str
    split: str
    source: str
    kind: str
    title: str
    issuer_line: str
    date: str
    opening: str
    url: str
    title_exact: str
    labels: dict[str, str] = field(default_factory=dict)

    @property
    def has_issuer(self) -> bool:
        return self.kind in ("report", "other", "interpretation")


def load(split: str | None = None) -> list[Row]:
    rows = []
    with TRUTH.open(encoding="utf-8") as f:
        for r in csv.DictReader(f, delimiter="\t"):
            if split and r["split"] != split:
                continue
            labels = {k: r[k] for k in FIELDS if k != "title"}
            labels["title"] = (
                r["title"] if r["kind"] in ("report", "other", "interpretation") else "*"
            )
            rows.append(
                Row(
                    r["id"],
                    r["split"],
                    r["source"],
                    r["kind"],
                    r["title"],
                    r["issuer_line"],
                    r["date"],
                    r["opening"],
                    r["url"],
                    r["title_exact"],
                    labels,
                )
            )
    return rows


def _h(s: str) -> int:
    return int(hashlib.sha256(s.encode()).hexdigest()[:8], 16)


def _cn_date(iso: str) -> str:
    y, m, d = iso.split("-")
    return f"{y}年{int(m)}月{int(d)}日"


def _others(row: Row) -> list[tuple[str, str]]:
    own = row.labels.get("province", "")
    pool = [p for p in OTHER_PLACES if p[0] != own]
    i = _h(row.id) % len(pool)
    return [pool[i], pool[(i + 5) % len(pool)]]


def _body(row: Row, year: str) -> list[str]:
    (p1, c1), (p2, c2) = _others(row)
    y = year if year.isdigit() else "2023"
    lines = [
        f"一、{y}年主要工作及成效",
        f"（一）加强组织领导。组织干部赴{p1}{c1}、{p2}{c2}学习考察先进经验，"
        f"参加在北京市举办的专题培训班，与{p2}签订区域协作协议。",
        f"（二）推进依法行政。全年审查规范性文件36件，办理行政复议案件112件，"
        f"{p1}有关单位来访交流2次。",
        "二、存在的问题",
        "一是工作机制有待完善；二是队伍能力有待提升。",
        f"三、{int(y) + 1}年工作安排",
        f"{int(y) + 1}年，将继续深入学习贯彻习近平法治思想，持续推进各项工作。",
    ]
    prov, pref = row.labels.get("province", "-"), row.labels.get("prefecture", "-")
    if row.labels.get("admin_level") == "county" and pref not in ("-", "*", ""):
        # a county's report names its city and province in the body
        lines.insert(1, f"在{prov}委、{pref}委的坚强领导下，认真落实{pref}部署要求。")
    return lines


def _opening(row: Row) -> str:
    o = row.opening.rstrip("。；;，,")
    if not o or o.startswith(("一、", "国发", "国办", "国函", "国令")):
        return ""
    if "报告如下" in o or "解读如下" in o or "制定" in o or "如下" in o:
        return o + "。"
    return o + "。现将有关情况报告如下："


def build(row: Row) -> Document:
    """The document of one truth row (text, and page metadata for the page-only frame)."""
    if not row.has_issuer:
        text = _news(row)
        doc = Document.from_bytes(row.id, text.encode("utf-8"))
        doc.text = text
        return doc
    page: PageMeta | None = None
    lines: list[str]
    year = row.labels.get("year", "*")
    date = _cn_date(row.date) if row.date else ""
    opening = _opening(row)
    title = row.title
    if row.labels.get("doc_type") in ("政府工作报告", "工作报告") and (
        "总理" in row.issuer_line or not any(c.isdigit() for c in title)
    ):
        lines = _work_report(row)
    elif row.labels.get("doc_type") == "决议":
        lines = [
            title,
            f"（{date}{row.issuer_line}通过）",
            row.opening + "。",
            "会议号召，全国各族人民紧密团结，奋力推进各项工作。",
        ]
    elif row.kind == "other" and row.source == "www.gov.cn":
        lines = [
            title,
            row.opening,
            "各省、自治区、直辖市人民政府，国务院各部委、各直属机构：",
            f"现就有关事项通知如下。各地区要结合实际认真贯彻执行，{_others(row)[0][0]}等地要做好试点。",
            row.issuer_line,
            date,
        ]
    else:
        frame = _h(row.id + "frame") % 5
        body = _body(row, year)
        if frame == 0:  # portal page: chrome, title, byline, title again
            lines = [
                "首页 > 政务公开 > 法治政府建设年度报告",
                "无障碍 简体 繁体",
                title,
                f"来源：{row.issuer_line}  发布时间：{row.date or '2024-03-28'}  浏览次数：321",
                "字号：大 中 小",
                title,
                opening,
                *body,
                "扫一扫在手机上查看当前页面",
            ]
        elif frame == 1:  # plain document with a signature
            lines = [title, opening, *body, row.issuer_line, date or "2024年3月28日"]
        elif frame == 2:  # repost with an ad preface
            lines = [
                "公文范文网 — 全网资源每日更新 www.gongwen-fanwen.com",
                f"下面是小编为大家整理的{title}，供大家参考。",
                title,
                opening,
                *body,
                "【本文来源于网络，仅供学习参考，如有侵权请联系删除】",
            ]
        elif frame == 3:  # page metadata only: title and publisher are not in the text
            lines = [opening, *body]
            page = PageMeta(title=title, publisher=row.issuer_line, published=row.date or None)
        else:  # title, issuer line under it, opening, no signature
            lines = [title, row.issuer_line, opening, *body]
    text = "\n".join(ln for ln in lines if ln)
    doc = Document.from_bytes(row.id, text.encode("utf-8"))
    doc.text = text
    doc.page = page
    return doc


def _work_report(row: Row) -> list[str]:
    y = row.labels.get("year", "2023")
    y = y if y.isdigit() else "2023"
    delivered = row.date or f"{int(y) + 1}-01-20"
    speaker = row.issuer_line
    if "总理" not in speaker:
        roles = {"人民法院": "院长", "人民检察院": "检察长", "常务委员会": "委员长"}
        role = next((r for k, r in roles.items() if speaker.endswith(k)), "")
        if not role:
            role = "省长" if row.labels.get("admin_level") == "province" else "市长"
            if row.labels.get("province") in ("北京市", "天津市", "上海市", "重庆市"):
                role = "市长"
            if speaker.endswith("自治区人民政府"):
                role = "主席"
        speaker = f"{speaker}{role} 王晓明"
    (p1, c1), _ = _others(row)
    return [
        row.title,
        f"——{_cn_date(delivered)}在第十四届人民代表大会第二次会议上",
        speaker,
        "各位代表：",
        "现在，我代表人民政府，向大会报告政府工作，请予审议，并请政协委员和其他列席人员提出意见。",
        f"一、{y}年工作回顾",
        f"过去一年，我们与{p1}{c1}深化合作，经济运行稳中向好，各项事业取得新进展。",
        f"二、{int(y) + 1}年工作安排",
        f"{int(y) + 1}年是全面贯彻落实党的二十大精神的关键一年。",
    ]


def _news(row: Row) -> str:
    (p1, c1), (p2, c2) = _others(row)
    head = {
        "news": ["首页 > 新闻中心 > 时政要闻", row.title, row.issuer_line],
        "forum": ["论坛首页 > 时事评论", row.title, f"楼主 {row.issuer_line}"],
        "qa": [row.title, "相关问题"],
        "article": [row.title, row.issuer_line],
        "template": [row.title, row.issuer_line],
        "wiki": [row.title, "百科名片"],
    }.get(row.kind, [row.title, row.issuer_line])
    body = [
        row.opening + "。" if row.opening else "",
        f"{p1}{c1}、{p2}{c2}等地也相继发布了本地区的年度报告，引发关注。",
        "（责任编辑：李明）" if row.kind == "news" else "",
    ]
    return "\n".join(ln for ln in [*head, *body] if ln)


# -- scoring ---------------------------------------------------------------------------------
@dataclass
class FieldScore:
    scored: int = 0  # rows whose label is not '*'
    labeled: int = 0  # rows whose label is a value (not '-')
    filled: int = 0  # rows where the step gave a value
    right: int = 0  # values equal to the label
    wrong: list[tuple[str, Any, str]] = field(default_factory=list)

    @property
    def precision(self) -> float:
        return self.right / self.filled if self.filled else 1.0

    @property
    def coverage(self) -> float:
        return self.right / self.labeled if self.labeled else 1.0


def judge(label: str, value: Any) -> str | None:
    """'right', 'wrong', 'missed', 'null-ok' or None (not scored)."""
    if label == "*":
        return None
    if label in ("-", ""):
        return "null-ok" if value is None else "wrong"
    if value is None:
        return "missed"
    return "right" if str(value) in label.split("|") else "wrong"


def run(rows: Iterable[Row]) -> Iterator[tuple[Row, Document]]:
    from lawrpt_corpus import ExtractMetadata

    step = ExtractMetadata()
    for row in rows:
        yield row, step(build(row))


def score(rows: Iterable[Row]) -> dict[str, FieldScore]:
    out = {f: FieldScore() for f in FIELDS}
    for row, doc in run(rows):
        for f in FIELDS:
            label = row.labels[f]
            v = judge(label, doc.meta.get(f))
            if v is None:
                continue
            s = out[f]
            s.scored += 1
            if label not in ("-", ""):
                s.labeled += 1
            if doc.meta.get(f) is not None:
                s.filled += 1
            if v == "right":
                s.right += 1
            elif v == "wrong":
                s.wrong.append((row.id, doc.meta.get(f), label))
    return out


def table(scores: dict[str, FieldScore]) -> list[dict[str, Any]]:
    return [
        {
            "field": f,
            "scored": s.scored,
            "labeled": s.labeled,
            "filled": s.filled,
            "right": s.right,
            "precision": round(s.precision, 4),
            "coverage": round(s.coverage, 4),
        }
        for f, s in scores.items()
    ]
