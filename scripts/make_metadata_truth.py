# ruff: noqa: E501  (data tables of real names, one source per block)
"""Build tests/data/metadata/truth.tsv: the labeled truth set of the metadata step.

Inputs (all under tests/data/metadata/, committed with their provenance):

* ``harvest_pages.tsv`` — titles, issuer lines, dates and a short opening line of real reports
  and other government documents, read from public pages (one URL per row), labeled by hand.
* ``harvest_noissuer.tsv`` — headlines, bylines and a short opening of real texts with no
  issuing body (news, forum posts, journal articles, template sites, Q&A pages). The headline
  is verbatim, or empty where the stored excerpt began below it; the byline is the page's or
  a short description of the page kind; ``pages:…`` marks a stored page with no address.
* ``harvest_govcn.tsv`` — State Council / General Office documents of www.gov.cn (title,
  issuing office, document number, written date), from the crawl table committed in the public
  repository ZhouYNF/platform-1 (db/ge_policy_raw*.sql, commit 2197df553eee).

and three official lists written out below (each with its URL):

* the units of 石狮市 that published a 2023 政府信息公开工作年度报告 (the city's own notice);
* the 2024 provincial and municipal 政府工作报告 of a public compilation (its table of contents);
* the central bodies of ``metadata/data/central_bodies.toml`` (URL: the public summary the list
  was read from), each of which publishes a
  法治政府建设年度报告 and a 政府信息公开工作年度报告 every year (法治政府建设与责任落实督察工作
  规定, art. 24-25; 政府信息公开条例, art. 49-50). Their titles are composed in the form those
  bodies use (``司法部2023年法治政府建设年度报告``) and marked ``title_exact = 0``.

Label conventions: ``-`` = must be null, ``*`` = not scored, ``a|b`` = any of these values.
The split is by source (site or list): whole sources go to ``heldout`` so that no rule is
tuned on them (see docs/metadata.md, "Truth set").

Run: ``python scripts/make_metadata_truth.py`` (deterministic; rewrites truth.tsv).
"""

from __future__ import annotations

import csv
import hashlib
import sys
import tomllib
from pathlib import Path
from urllib.parse import urlparse

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data" / "metadata"
COLUMNS = [
    "id", "split", "source", "kind", "title", "issuer_line", "date", "opening", "url",
    "title_exact", "province", "prefecture", "county", "admin_level", "agency", "year",
    "doc_type",
]  # fmt: skip

SHISHI_URL = "http://www.shishi.gov.cn/zwgk/ztzl/lhzt/gzjz/202402/t20240227_3008186.htm"
SHISHI_UNITS = (
    "石狮市人民政府办公室 石狮市人力资源和社会保障局 石狮市民政局 石狮市审计局 石狮市自然资源局 "
    "泉州市石狮生态环境局 石狮市公安局 石狮市司法局 石狮市交通和港口发展局 石狮市发展和改革局 "
    "石狮市商务局 石狮市财政局 石狮市文化体育和旅游局 石狮市教育局 石狮市卫生健康局 石狮市城市管理局 "
    "石狮市农业农村局 石狮市统计局 石狮市应急管理局 石狮市工业信息化和科技局 石狮市金融工作局 "
    "石狮市市场监督管理局 石狮市行政服务中心管理委员会 石狮市人民政府信访局 石狮市住房和城乡建设局 "
    "石狮市退役军人事务局 石狮市大数据管理局 石狮市凤里街道办事处 石狮市湖滨街道办事处 "
    "石狮市灵秀镇人民政府 石狮市宝盖镇人民政府 石狮市蚶江镇人民政府 石狮市永宁镇人民政府 "
    "石狮市祥芝镇人民政府 石狮市鸿山镇人民政府 石狮市锦尚镇人民政府 石狮高新技术产业开发区管委会"
).split()

SUCAI_URL = "https://sucai198.com/gongzuozongjie/2024/08/92179.html"
# name in the compilation's table of contents → (province, prefecture)
SUCAI = {
    "安徽省": ("安徽省", "-"), "包头市": ("内蒙古自治区", "包头市"), "保定市": ("河北省", "保定市"),
    "北京市": ("北京市", "-"), "滨州市": ("山东省", "滨州市"), "沧州市": ("河北省", "沧州市"),
    "赤峰市": ("内蒙古自治区", "赤峰市"), "佛山市": ("广东省", "佛山市"), "福建省": ("福建省", "-"),
    "甘肃省": ("甘肃省", "-"), "赣州市": ("江西省", "赣州市"), "固原市": ("宁夏回族自治区", "固原市"),
    "广东省": ("广东省", "-"), "广西壮族自治区": ("广西壮族自治区", "-"),
    "广元市": ("四川省", "广元市"), "贵州省": ("贵州省", "-"), "海南省": ("海南省", "-"),
    "河北省": ("河北省", "-"), "河南省": ("河南省", "-"), "菏泽市": ("山东省", "菏泽市"),
    "黑龙江省": ("黑龙江省", "-"), "衡水市": ("河北省", "衡水市"), "湖北省": ("湖北省", "-"),
    "湖南省": ("湖南省", "-"), "湖州市": ("浙江省", "湖州市"), "淮南市": ("安徽省", "淮南市"),
    "惠州市": ("广东省", "惠州市"), "吉林省": ("吉林省", "-"), "嘉兴市": ("浙江省", "嘉兴市"),
    "江苏省": ("江苏省", "-"), "江西省": ("江西省", "-"), "辽宁省": ("辽宁省", "-"),
    "绵阳市": ("四川省", "绵阳市"), "南通市": ("江苏省", "南通市"),
    "内蒙古自治区": ("内蒙古自治区", "-"), "宁夏回族自治区": ("宁夏回族自治区", "-"),
    "青岛市": ("山东省", "青岛市"), "青海省": ("青海省", "-"), "厦门市": ("福建省", "厦门市"),
    "山东省": ("山东省", "-"), "山西省": ("山西省", "-"), "陕西省": ("陕西省", "-"),
    "上海市": ("上海市", "-"), "上饶市": ("江西省", "上饶市"), "沈阳市": ("辽宁省", "沈阳市"),
    "石家庄市": ("河北省", "石家庄市"), "双鸭山市": ("黑龙江省", "双鸭山市"), "四川省": ("四川省", "-"),
}  # fmt: skip
MUNICIPALITIES = {"北京市", "天津市", "上海市", "重庆市"}

# The list of central bodies as read (a public summary of 国发〔2023〕5号; see central_bodies.toml).
CENTRAL_URL = "http://www.acbl.com.cn/article/11258.html"
# Reports every session of the NPC hears (real, delivered each March).
NPC_REPORTS = [
    ("最高人民法院工作报告", "最高人民法院", "最高人民法院"),
    ("最高人民检察院工作报告", "最高人民检察院", "最高人民检察院"),
    (
        "全国人民代表大会常务委员会工作报告",
        "全国人民代表大会常务委员会",
        "全国人民代表大会常务委员会",
    ),
]
# the session that heard and approved them (14th NPC, 2nd session, 2024-03-11)
NPC_URL = "http://am-zm.com/news/4664.html"


def _split(source: str, share: float = 0.3) -> str:
    h = int(hashlib.sha256(source.encode()).hexdigest()[:8], 16) / 0xFFFFFFFF
    return "heldout" if h < share else "dev"


def _host(url: str) -> str:
    return urlparse(url).netloc or url.split(":")[0]


def main() -> int:
    rows: list[dict[str, str]] = []

    def add(**kw: str) -> None:
        row = {c: kw.get(c, "") for c in COLUMNS}
        rows.append(row)

    with (DATA / "harvest_pages.tsv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f, delimiter="\t"):
            src = _host(r["url"])
            add(split=_split(src), source=src, **{k: v for k, v in r.items() if k in COLUMNS})
    with (DATA / "harvest_noissuer.tsv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f, delimiter="\t"):
            src = _host(r["url"])
            # A template (范文) is a report with its issuer masked (XX镇, *区): no place and no
            # body, but its type and level words are the report's own, so those are not scored.
            template = "*" if r["kind"] == "template" else "-"
            add(
                split=_split(src), source=src, kind=r["kind"], title=r["title"],
                issuer_line=r["byline"], opening=r["opening"], url=r["url"], title_exact="1",
                province="-", prefecture="-", county="-", admin_level=template, agency="-",
                year="*", doc_type=template,
            )  # fmt: skip
    with (DATA / "harvest_govcn.tsv").open(encoding="utf-8") as f:
        for r in csv.DictReader(f, delimiter="\t"):
            add(
                split="heldout", source="www.gov.cn", kind="other", title=r["title"],
                issuer_line=r["issuer"], date=r["written"], opening=r["doc_number"],
                url=r["url"], title_exact="1", province="-", prefecture="-", county="-",
                admin_level="central", agency="|".join(r["issuer"].split("、")), year="*",
                doc_type="-",
            )  # fmt: skip
    for unit in SHISHI_UNITS:
        town = unit.endswith(("街道办事处", "镇人民政府"))
        branch = unit.startswith("泉州市")
        add(
            split="dev", source="shishi.gov.cn", kind="report",
            title=f"{unit}2023年政府信息公开工作年度报告", issuer_line=unit, date="2024-01-31",
            url=SHISHI_URL, title_exact="0", province="福建省", prefecture="泉州市",
            county="*" if branch else "石狮市",
            admin_level="*" if town or branch else "county", agency=unit, year="2023",
            doc_type="政府信息公开年度报告",
        )  # fmt: skip
    for name, (prov, pref) in SUCAI.items():
        level = "province" if pref == "-" else "prefecture"
        if name in MUNICIPALITIES:
            level = "province"
        gov = name + "人民政府"
        add(
            split="heldout", source="sucai198.com", kind="report", title=f"{name}政府工作报告",
            issuer_line=gov, date="2024-01-20", url=SUCAI_URL, title_exact="1", province=prov,
            prefecture=pref, county="-", admin_level=level, agency=f"{gov}|{name}政府",
            year="2023", doc_type="政府工作报告",
        )  # fmt: skip
    for title, issuer, agency in NPC_REPORTS:
        add(
            split="dev", source="npc-session-2024", kind="report", title=title, issuer_line=issuer,
            date="2024-03-08", url=NPC_URL, title_exact="1", province="-", prefecture="-",
            county="-", admin_level="central", agency=agency, year="2023",
            doc_type="工作报告",
        )  # fmt: skip
    central = tomllib.loads(
        (ROOT / "src/lawrpt_corpus/metadata/data/central_bodies.toml").read_text("utf-8")
    )["groups"]
    seen: set[str] = set()
    bodies = [
        b
        for g in ("ministries", "special", "direct", "offices", "bureaus")
        for b in central[g]
        if not (b in seen or seen.add(b))
    ]
    for i, body in enumerate(bodies):
        kind, dt, title = (
            ("法治政府建设年度报告", "法治政府建设年度报告", f"{body}2023年法治政府建设年度报告")
            if i % 2 == 0
            else ("政府信息公开年度报告", "政府信息公开年度报告", f"{body}2023年政府信息公开工作年度报告")
        )  # fmt: skip
        for t, d in ((title, dt),):
            add(
                split="dev", source="central-bodies", kind="report", title=t, issuer_line=body,
                date="2024-03-28", url=CENTRAL_URL,
                title_exact="0", province="-", prefecture="-", county="-", admin_level="central",
                agency=body, year="2023", doc_type=d,
            )  # fmt: skip
        # the other kind too, for every body (both are published every year)
        other = (
            (f"{body}2023年政府信息公开工作年度报告", "政府信息公开年度报告")
            if kind == "法治政府建设年度报告"
            else (f"{body}2023年法治政府建设年度报告", "法治政府建设年度报告")
        )
        add(
            split="dev", source="central-bodies", kind="report", title=other[0],
            issuer_line=body, date="2024-03-28",
            url=CENTRAL_URL,
            title_exact="0", province="-", prefecture="-", county="-", admin_level="central",
            agency=body, year="2023", doc_type=other[1],
        )  # fmt: skip
    for i, row in enumerate(rows, 1):
        row["id"] = f"t{i:03d}"
    out = DATA / "truth.tsv"
    with out.open("w", encoding="utf-8", newline="") as f:
        w = csv.DictWriter(f, COLUMNS, delimiter="\t", lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    n_rep = sum(r["kind"] in ("report", "other", "interpretation") for r in rows)
    print(
        f"{len(rows)} rows ({n_rep} issued documents, {len(rows) - n_rep} without issuer) → {out}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
