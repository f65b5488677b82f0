"""Build ``src/lawrpt_corpus/metadata/data/divisions.json`` from an authoritative list.

Input: the ``dist/`` folder of a checkout of the public repository
``modood/Administrative-divisions-of-China`` (WTFPL), which republishes the National Bureau of
Statistics' 统计用区划代码 (province / prefecture / county names and codes). Only
``provinces.json``, ``cities.json`` and ``areas.json`` are read; nothing from that repository
is copied into this project except the generated, compact table below.

Usage::

    python scripts/make_gazetteer.py DIST_DIR --repo modood/Administrative-divisions-of-China \\
        --commit <40-hex> --commit-date 2024-11-28 --data-version "2023 (cut-off 2023-06-30)"

Output (JSON, deterministic, sorted by code)::

    {"source": {...}, "levels": [...],
     "divisions": [[code, name, level, parent_code_or_null, [short names]], ...]}

* ``level`` is ``province`` (2-digit code), ``prefecture`` (4) or ``county`` (6).
* The statistical placeholders at prefecture level (``市辖区``, ``县``,
  ``省直辖县级行政区划``, ``自治区直辖县级行政区划``) are not divisions with a name: they are
  dropped and their counties point straight at the province (``parent`` = province code).
* Short names are derived by rule (strip 省/市/自治区/地区/盟/自治州 and the ethnic names of an
  autonomous unit): 江西省→江西, 广西壮族自治区→广西, 恩施土家族苗族自治州→恩施,
  厦门市→厦门. Counties get no short name (南昌县 is matched only as 南昌县); a short name of
  fewer than two characters is never produced.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from pathlib import Path

# The 55 officially recognised minority nationalities, written as they appear inside the
# names of autonomous units (with and without the trailing 族: 巴音郭楞蒙古自治州).
_ETHNIC = (
    "蒙古 回 藏 维吾尔 苗 彝 壮 布依 朝鲜 满 侗 瑶 白 土家 哈尼 哈萨克 傣 黎 傈僳 佤 畲 高山 拉祜 "
    "水 东乡 纳西 景颇 柯尔克孜 土 达斡尔 仫佬 羌 布朗 撒拉 毛南 仡佬 锡伯 阿昌 普米 塔吉克 怒 "
    "乌孜别克 俄罗斯 鄂温克 德昂 保安 裕固 京 塔塔尔 独龙 鄂伦春 赫哲 门巴 珞巴 基诺"
).split()
_ETHNIC_ALT = "|".join(sorted(_ETHNIC, key=len, reverse=True))
_AUTONOMOUS = re.compile(rf"^(.{{2,}}?)(?:(?:{_ETHNIC_ALT})族?)+自治(?:州|县|旗|区)$")
_PLAIN_SUFFIX = re.compile(r"^(.{2,}?)(?:特别行政区|自治区|地区|省|市|盟)$")
_PLACEHOLDER_PREFECTURES = frozenset(
    {"市辖区", "县", "省直辖县级行政区划", "自治区直辖县级行政区划"}
)


def short_names(name: str, level: str) -> list[str]:
    """Rule-derived short names of a province or prefecture (none for counties)."""
    if level == "county":
        return []
    m = _AUTONOMOUS.match(name) or _PLAIN_SUFFIX.match(name)
    if m and m.group(1) != name:
        return [m.group(1)]
    return []


def build(dist: Path) -> list[list[object]]:
    provinces = json.loads((dist / "provinces.json").read_text("utf-8"))
    cities = json.loads((dist / "cities.json").read_text("utf-8"))
    areas = json.loads((dist / "areas.json").read_text("utf-8"))
    rows: list[list[object]] = []
    for p in provinces:
        rows.append([p["code"], p["name"], "province", None, short_names(p["name"], "province")])
    placeholder = set()
    for c in cities:
        if c["name"] in _PLACEHOLDER_PREFECTURES:
            placeholder.add(c["code"])
            continue
        rows.append(
            [c["code"], c["name"], "prefecture", c["provinceCode"], short_names(c["name"], "")]
        )
    for a in areas:
        parent = a["provinceCode"] if a["cityCode"] in placeholder else a["cityCode"]
        rows.append([a["code"], a["name"], "county", parent, []])
    rows.sort(key=lambda r: str(r[0]))
    codes = {r[0] for r in rows}
    missing = [r for r in rows if r[3] is not None and r[3] not in codes]
    if missing:
        raise SystemExit(f"dangling parent codes: {missing[:5]}")
    return rows


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n", 1)[0])
    ap.add_argument("dist", type=Path, help="the dist/ folder with provinces/cities/areas.json")
    ap.add_argument("--repo", required=True)
    ap.add_argument("--commit", required=True)
    ap.add_argument("--commit-date", required=True)
    ap.add_argument("--data-version", required=True)
    ap.add_argument("--license", default="WTFPL")
    ap.add_argument(
        "--out",
        type=Path,
        default=Path(__file__).resolve().parents[1]
        / "src/lawrpt_corpus/metadata/data/divisions.json",
    )
    args = ap.parse_args(argv)
    rows = build(args.dist)
    doc = {
        "source": {
            "repository": args.repo,
            "commit": args.commit,
            "commit_date": args.commit_date,
            "files": ["dist/provinces.json", "dist/cities.json", "dist/areas.json"],
            "license": args.license,
            "data": "国家统计局 统计用区划代码 " + args.data_version,
            "generator": "scripts/make_gazetteer.py",
        },
        "levels": ["province", "prefecture", "county"],
        "counts": {
            lvl: sum(1 for r in rows if r[2] == lvl) for lvl in ("province", "prefecture", "county")
        },
        "divisions": rows,
    }
    text = json.dumps(doc, ensure_ascii=False, separators=(",", ":"))
    # one division per line: small diffs when the source is updated
    text = text.replace("],[", "],\n[")
    args.out.write_text(text + "\n", encoding="utf-8")
    print(f"wrote {args.out} ({len(rows)} divisions)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
