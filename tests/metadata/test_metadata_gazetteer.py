"""The gazetteer: provenance of the shipped table, the generator's rules, and name finding."""

from __future__ import annotations

import importlib.util
import json
import re
from pathlib import Path

from lawrpt_corpus.metadata.gazetteer import gazetteer

ROOT = Path(__file__).resolve().parents[2]


def _generator():
    spec = importlib.util.spec_from_file_location(
        "make_gazetteer", ROOT / "scripts/make_gazetteer.py"
    )
    assert spec and spec.loader
    mod = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(mod)
    return mod


def test_shipped_table_records_its_source_and_is_complete():
    g = gazetteer()
    src = g.source
    assert src["repository"] == "modood/Administrative-divisions-of-China"
    assert re.fullmatch(r"[0-9a-f]{40}", src["commit"])
    assert "统计用区划代码" in src["data"]
    levels = [d.level for d in g.divisions.values()]
    assert levels.count("province") == 31
    assert levels.count("prefecture") > 320 and levels.count("county") > 2800
    for d in g.divisions.values():  # every parent exists and sits one level up or at province
        if d.level != "province":
            parent = g.get(d.parent)
            assert parent is not None and d.code.startswith(parent.code), d


def test_generator_drops_statistical_placeholders_and_derives_short_names(tmp_path):
    gen = _generator()
    (tmp_path / "provinces.json").write_text(
        json.dumps([{"code": "50", "name": "重庆市"}, {"code": "45", "name": "广西壮族自治区"}]),
        "utf-8",
    )
    (tmp_path / "cities.json").write_text(
        json.dumps(
            [
                {"code": "5001", "name": "市辖区", "provinceCode": "50"},
                {"code": "4501", "name": "南宁市", "provinceCode": "45"},
            ]
        ),
        "utf-8",
    )
    (tmp_path / "areas.json").write_text(
        json.dumps(
            [
                {"code": "500102", "name": "涪陵区", "cityCode": "5001", "provinceCode": "50"},
                {"code": "450102", "name": "兴宁区", "cityCode": "4501", "provinceCode": "45"},
            ]
        ),
        "utf-8",
    )
    rows = {r[0]: r for r in gen.build(tmp_path)}
    assert "5001" not in rows  # 市辖区 is not a place
    assert rows["500102"][3] == "50"  # its district hangs under the municipality
    assert rows["45"][4] == ["广西"] and rows["4501"][4] == ["南宁"]
    assert rows["450102"][4] == []  # counties get no short name


def test_generator_short_name_rules():
    gen = _generator()
    assert gen.short_names("恩施土家族苗族自治州", "prefecture") == ["恩施"]
    assert gen.short_names("巴音郭楞蒙古自治州", "prefecture") == ["巴音郭楞"]
    assert gen.short_names("大兴安岭地区", "prefecture") == ["大兴安岭"]
    assert gen.short_names("内蒙古自治区", "province") == ["内蒙古"]
    assert gen.short_names("南昌县", "county") == []


def test_finder_prefers_the_longest_name_and_reports_every_candidate():
    g = gazetteer()
    found = [(m.name, m.codes) for m in g.find("江西省南昌县，南昌市，吉林省吉林市，鼓楼区")]
    names = [n for n, _ in found]
    assert names == ["江西省", "南昌县", "南昌市", "吉林省", "吉林市", "鼓楼区"]
    assert len(dict(found)["鼓楼区"]) == 4


def test_finder_positions_are_exact():
    g = gazetteer()
    text = "根据厦门市湖里区的安排"
    for m in g.find(text):
        assert text[m.start : m.end] == m.name
