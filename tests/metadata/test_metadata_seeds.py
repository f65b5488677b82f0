"""The metadata step on the five real seeds: the values a user would look them up by."""

from __future__ import annotations

import pickle

import pytest

from lawrpt_corpus import Document, ExtractMetadata, default_pipeline


def _run(seed_texts: dict[str, str], prefix: str) -> Document:
    name = next(n for n in seed_texts if n.startswith(prefix))
    doc = Document.from_bytes(name, seed_texts[name].encode("utf-8"))
    doc.text = seed_texts[name]
    return ExtractMetadata()(doc)


def test_seed_000_is_a_2024_county_report_of_nanchang_county(seed_texts):
    doc = _run(seed_texts, "000")
    m = doc.meta
    assert (m["year"], m["county"], m["prefecture"], m["province"]) == (
        2024,
        "南昌县",
        "南昌市",
        "江西省",
    )
    assert m["admin_level"] == "county"
    assert m["title"] is None  # the seed starts with prose
    # 我局 is never named in the text: no guessed agency
    assert m["agency"] is None
    assert "我局" in doc.features["metadata_evidence"]["agency"]["why"]
    # next year's plan heading is a section, not the year
    assert doc.sections[-1] == "四、2025年工作安排"
    assert len(doc.sections) == 4


def test_seed_001_is_huli_district_xiamen_fujian_2024(seed_texts):
    doc = _run(seed_texts, "001")
    m = doc.meta
    assert m["year"] == 2024
    assert (m["county"], m["prefecture"], m["province"]) == ("湖里区", "厦门市", "福建省")
    assert m["admin_level"] == "county"
    assert m["agency"] == "湖里区人社局"
    assert "agency_inferred" in doc.flags
    assert doc.features["metadata_evidence"]["year"]["rule"] == "first-section"


def test_seed_002_is_fuling_district_chongqing_2023(seed_texts):
    doc = _run(seed_texts, "002")
    m = doc.meta
    assert m["year"] == 2023
    assert (m["county"], m["province"]) == ("涪陵区", "重庆市")
    assert m["prefecture"] is None  # a municipality's district has no prefecture
    assert m["admin_level"] == "county"
    assert m["agency"] == "涪陵区人力社保局"
    assert doc.sections == ["一、基本情况", "二、存在的问题", "三、下一步打算"]


def test_seed_003_is_the_hubei_provincial_department_2024(seed_texts):
    doc = _run(seed_texts, "003")
    m = doc.meta
    assert m["year"] == 2024
    assert m["agency"] == "湖北省人社厅"
    assert "agency_inferred" in doc.flags  # written 省人社厅; 湖北省 comes from the text
    assert (m["province"], m["prefecture"], m["county"]) == ("湖北省", None, None)
    assert m["admin_level"] == "province"


def test_seed_004_keeps_the_placeholder_agency_and_reads_title_and_date(seed_texts):
    doc = _run(seed_texts, "004")
    m = doc.meta
    assert m["year"] == 2023
    assert m["agency"] == "XX市XX区人力资源和社会保障局"
    assert "placeholder" in doc.flags
    assert "agency_inferred" not in doc.flags
    assert m["date"] == "2023-11-23"
    assert m["title"] == "2023年法治建设工作总结"
    assert m["doc_type"] == "法治建设工作总结"
    assert (m["prefecture"], m["county"], m["province"]) == ("XX市", "XX区", None)
    assert m["admin_level"] == "county"
    ev = doc.features["metadata_evidence"]
    assert ev["agency"]["rule"] == "signature" and ev["date"]["rule"] == "signature-date"


def test_every_field_has_evidence_and_text_is_unchanged(seed_texts):
    for name, text in seed_texts.items():
        doc = Document.from_bytes(name, text.encode())
        doc.text = text
        out = ExtractMetadata()(doc)
        assert out.text == text
        ev = out.features["metadata_evidence"]
        for key in ("title", "year", "agency", "province", "admin_level", "date", "doc_type"):
            assert key in ev
            assert ev[key]["rule"] is not None or ev[key].get("why"), (name, key)


def test_default_pipeline_fills_metadata_from_bytes(seed_texts):
    name = next(n for n in seed_texts if n.startswith("004"))
    doc = default_pipeline().process_bytes(name, seed_texts[name].encode("utf-8"))
    assert doc.kept and doc.meta["year"] == 2023 and doc.meta["date"] == "2023-11-23"


def test_step_pickles_and_runs_after_unpickling(seed_texts):
    step = pickle.loads(pickle.dumps(ExtractMetadata()))
    doc = _run(seed_texts, "000")
    doc2 = Document.from_bytes("x", b"x")
    doc2.text = doc.text
    assert step(doc2).meta == doc.meta


@pytest.mark.parametrize("text", ["", "\n\n", "   ", "一、", "年", "XX"])
def test_degenerate_text_gives_nulls_not_errors(text):
    doc = Document.from_bytes("x", b"x")
    doc.text = text
    out = ExtractMetadata()(doc)
    assert out.kept
    assert out.meta["year"] is None and out.meta["agency"] is None


def test_step_description_names_the_gazetteer_source_for_build_json():
    desc = ExtractMetadata().describe()
    assert desc["name"] == "metadata"
    assert "modood/Administrative-divisions-of-China@" in desc["params"]["gazetteer"]
    assert "统计用区划代码" in desc["params"]["gazetteer"]
