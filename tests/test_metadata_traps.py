"""The metadata step on the traps users hit: bylines, next year's plan, same-named districts,
placeholders, prose that looks like a place, and texts with no evidence at all."""

from __future__ import annotations

import pytest

from lawrpt_corpus.metadata import extract


def meta(text: str) -> dict:
    return extract(text).meta


def why(text: str, key: str) -> str:
    return extract(text).evidence[key].why or ""


# -- year ------------------------------------------------------------------------------------
def test_byline_publication_date_is_neither_the_year_nor_the_signature_date():
    text = (
        "发布时间：2025-01-15 来源：区司法局 浏览次数：123\n"
        "福州市鼓楼区司法局2024年法治政府建设年度报告\n"
        "2024年，区司法局坚持以习近平法治思想为指导。现将有关情况报告如下：\n"
        "一、2024年主要工作\n全区法治建设稳步推进，区委高度重视。\n"
        "二、2025年工作安排\n2025年，我局将继续努力。\n"
        "福州市鼓楼区司法局\n2025年1月10日"
    )
    m = meta(text)
    assert m["year"] == 2024
    assert m["date"] == "2025-01-10"
    assert m["title"] == "福州市鼓楼区司法局2024年法治政府建设年度报告"
    assert m["doc_type"] == "法治政府建设年度报告"
    assert m["agency"] == "福州市鼓楼区司法局"
    assert (m["province"], m["prefecture"], m["county"]) == ("福建省", "福州市", "鼓楼区")


def test_a_dated_byline_line_before_the_opening_is_skipped():
    text = (
        "2025年01月15日 10:23 来源：本站\n"
        "现将我局2024年度法治政府建设情况报告如下。\n一、主要工作\n"
    )
    assert meta(text)["year"] == 2024


def test_next_years_plan_section_does_not_decide_the_year():
    text = (
        "一、主要工作\n2024年，全市推进法治建设。2024年完成立法3件。2024年办理复议案件。\n"
        "二、2025年工作安排\n2025年继续推进。2025年完成。2025年加强。2025年落实。2025年。"
    )
    assert meta(text)["year"] == 2024
    assert extract(text).evidence["year"].rule == "body-majority"


def test_a_plan_heading_as_first_section_is_not_the_year():
    text = "一、2025年工作计划\n继续推进。\n二、其他\n无。"
    assert meta(text)["year"] is None


def test_too_few_body_years_give_no_year():
    text = (
        "一、主要工作\n2024年，全市推进法治建设。\n二、2025年工作安排\n2025年继续推进。2025年完成。"
    )
    assert meta(text)["year"] is None
    assert "not dominant" in why(text, "year")


def test_plan_period_ranges_are_not_report_years():
    text = (
        "一、主要工作\n落实《法治政府建设实施纲要（2021-2025年）》。"
        "落实（2021-2025年）规划。（2021—2025年）。（2021-2025年）。\n2023年开展工作。"
    )
    assert meta(text)["year"] is None


def test_chinese_numeral_year_in_title():
    assert meta("二〇二三年度法治政府建设情况报告\n正文。")["year"] == 2023


# -- places ----------------------------------------------------------------------------------
GULOU = (
    "我区坚持依法行政，全区法治建设取得成效。鼓楼区人民政府高度重视{ctx}。\n"
    "一、主要工作\n鼓楼区持续推进{ctx2}。"
)


def test_same_named_district_without_other_evidence_is_left_null():
    text = GULOU.format(ctx="", ctx2="")
    m = meta(text)
    assert m["county"] is None and m["province"] is None
    assert m["admin_level"] == "county"  # every 鼓楼区 is a county-level district
    assert "ambiguous" in why(text, "county")


@pytest.mark.parametrize(
    ("ctx", "ctx2", "expected"),
    [
        ("，按照南京市委部署", "，江苏省考核优秀", ("江苏省", "南京市")),
        ("，按照徐州市委部署", "", ("江苏省", "徐州市")),
        ("", "，获评福州先进", ("福建省", "福州市")),
        ("", "，河南省开封市表扬", ("河南省", "开封市")),
    ],
)
def test_same_named_district_resolved_by_its_city_or_province(ctx, ctx2, expected):
    m = meta(GULOU.format(ctx=ctx, ctx2=ctx2))
    assert (m["province"], m["prefecture"], m["county"]) == (*expected, "鼓楼区")


def test_two_counties_named_equally_often_is_a_tie_not_a_guess():
    # level markers count only in a text shaped like a report (here: 我局 … 报告如下)
    text = (
        "全县推进。县委重视。我县落实。现将我局工作情况报告如下：\n南昌县开展活动。进贤县开展活动。"
    )
    m = meta(text)
    assert m["county"] is None and m["admin_level"] == "county"
    assert "tie" in why(text, "county")


def test_city_or_district_words_alone_give_no_level():
    # 我市 is also what a county-level city (石狮市) or a municipality (北京) says of itself, and
    # 全区 what an autonomous region says: without a division named, no level
    for words in ("全市推进。市委重视。我市落实。", "全区推进。区委重视。我区落实。"):
        text = words + "现将我局工作情况报告如下：\n一、工作\n推进。"
        assert meta(text)["admin_level"] is None, words
    assert (
        meta("全县推进。县委重视。我县落实。现将我局工作情况报告如下：")["admin_level"] == "county"
    )


def test_prose_words_are_not_places():
    text = (
        "一、主要工作\n建设示范县，完成县级考核，发展朝阳产业，"
        "各市和县，人力资源市场，城区改造，新区建设。"
    )
    m = meta(text)
    assert (m["province"], m["prefecture"], m["county"]) == (None, None, None)


def test_short_county_name_counts_after_its_city():
    m = meta(
        "全县推进。我县落实。现将我局工作情况报告如下：\n一、工作\n"
        "马鞍山市和县开展活动。马鞍山市和县完成任务。"
    )
    assert (m["province"], m["prefecture"], m["county"]) == ("安徽省", "马鞍山市", "和县")


def test_county_level_city_is_county_level():
    m = meta("一、主要工作\n我市推进法治建设，全市上下。\n义乌市人民政府\n2024年2月1日")
    assert (m["province"], m["prefecture"], m["county"]) == ("浙江省", "金华市", "义乌市")
    assert m["admin_level"] == "county"


def test_central_body_is_central_level_without_province():
    m = meta(
        "2023年，司法部坚持以习近平法治思想为指导。\n一、主要工作\n全国。\n司法部\n2024年3月1日"
    )
    assert (m["agency"], m["admin_level"], m["province"]) == ("司法部", "central", None)


def test_province_from_header_line_above_the_title():
    text = (
        "湖北省司法厅\n关于2023年法治政府建设情况的报告\n"
        "2023年，省司法厅坚持依法行政。全省推进。\n一、主要工作\n"
    )
    m = meta(text)
    assert (m["agency"], m["title"], m["year"]) == (
        "湖北省司法厅",
        "关于2023年法治政府建设情况的报告",
        2023,
    )
    assert (m["province"], m["admin_level"]) == ("湖北省", "province")


# -- agency ----------------------------------------------------------------------------------
def test_self_reference_with_two_candidate_bodies_is_not_expanded():
    text = "我局坚持依法行政。全区法治建设。区委重视。\n湖里区人社局与湖里区司法局联合开展普法。"
    r = extract(text)
    assert r.meta["agency"] is None
    assert "agency_inferred" not in r.flags
    assert "several bodies" in (r.evidence["agency"].why or "")


@pytest.mark.parametrize(
    ("ref", "body"),
    [("我委", "卫生健康委员会"), ("本委", "发展和改革委员会"), ("我办", "人民政府办公室")],
)
def test_self_reference_expands_to_the_full_written_name_not_a_cut_one(ref, body):
    # the lazy body match stopped at the first 委/办: 晋江市卫生健康委(员会)
    text = (
        f"2024年，{ref}坚持依法行政，全市推进。市委重视。\n一、主要工作\n"
        f"晋江市{body}联合晋江市司法局开展普法。{ref}持续推进。\n"
    )
    r = extract(text)
    assert r.meta["agency"] == f"晋江市{body}"
    assert "agency_inferred" in r.flags


def test_self_reference_expansion_keeps_the_parent_places_written_before_it():
    text = (
        "2024年，我局坚持依法行政，全区推进。区委重视。\n一、主要工作\n"
        "南宁市武鸣区农业农村局开展普法。武鸣区推进。我局持续推进。\n"
    )
    r = extract(text)
    assert r.meta["agency"] == "南宁市武鸣区农业农村局"
    assert (r.meta["prefecture"], r.meta["county"]) == ("南宁市", "武鸣区")
    # a parent written elsewhere, not right before the place, is not prepended
    r = extract(text.replace("南宁市武鸣区农业", "南宁市的武鸣区农业"))
    assert r.meta["agency"] == "武鸣区农业农村局"


def test_self_reference_without_place_is_null():
    r = extract("现将我局2024年工作报告如下。\n一、工作\n做了很多工作。")
    assert r.meta["agency"] is None and "place unknown" in (r.evidence["agency"].why or "")


def test_abbreviated_subject_is_expanded_with_the_place_and_flagged_both_widths():
    for comma in (",", "，"):
        r = extract(
            f"2024年{comma}区人社局坚持依法行政{comma}全区推进。区委重视。湖里区推进。\n一、工作"
        )
        assert r.meta["agency"] == "湖里区人社局"
        assert "agency_inferred" in r.flags


# -- placeholders, dates, empty --------------------------------------------------------------
def test_masked_county_is_kept_as_written_and_flagged():
    r = extract("一、主要工作\n××县坚持依法行政，全县法治建设。\n××县人民政府\n2024年3月1日")
    assert r.meta["agency"] == "××县人民政府"
    assert r.meta["county"] == "××县" and r.meta["province"] is None
    assert "placeholder" in r.flags


@pytest.mark.parametrize(
    ("tail", "iso"),
    [
        ("南昌县司法局\n二〇二四年一月五日", "2024-01-05"),
        ("南昌县司法局 2024年1月5日", "2024-01-05"),
        ("南昌县司法局\n（2024年12月31日）", "2024-12-31"),
        ("南昌县司法局\n2024-02-30", None),  # not a real date
    ],
)
def test_signature_dates(tail, iso):
    m = meta("一、主要工作\n全县法治建设。我县推进。\n" + tail)
    assert m["date"] == iso
    assert m["agency"] == "南昌县司法局"
    assert m["county"] == "南昌县"


def test_issue_date_label_is_used_when_no_signature_date():
    assert meta("成文日期：2024年3月8日\n一、工作\n内容。")["date"] == "2024-03-08"


def test_no_evidence_means_all_null():
    r = extract("一、基本情况\n工作开展顺利。\n二、存在问题\n仍有不足。")
    assert all(r.meta[k] is None for k in r.meta)
    assert r.sections == ["一、基本情况", "二、存在问题"]


def test_sections_keep_numbering_order_and_skip_nested_lists():
    text = "一、总体情况\n内容\n一、子项\n二、问题\n三、下一步\n二、子项"
    assert extract(text).sections == ["一、总体情况", "二、问题", "三、下一步"]


@pytest.mark.parametrize(
    ("title", "dtype"),
    [
        ("XX区2023年政府信息公开工作年度报告", "政府信息公开年度报告"),
        ("2024年度法治政府建设情况报告", "法治政府建设年度报告"),
        ("2023年法治建设工作总结", "法治建设工作总结"),
        ("2024年普法依法治理工作总结", "普法工作总结"),
        ("2024年工作总结", "工作总结"),
    ],
)
def test_doc_type_from_title(title, dtype):
    assert meta(title + "\n正文内容，很多。")["doc_type"] == dtype


# -- more agency/place shapes ----------------------------------------------------------------
def test_agency_from_title_prefix_keeps_the_full_department_name():
    text = (
        "南昌县人力资源和社会保障局2024年法治政府建设年度报告\n2024年，我局坚持依法行政。\n一、工作"
    )
    m = meta(text)
    assert m["agency"] == "南昌县人力资源和社会保障局"
    assert (m["county"], m["admin_level"], m["year"]) == ("南昌县", "county", 2024)


def test_opening_subject_after_leadership_phrase_is_expanded():
    text = (
        "2024年，在县委、县政府的坚强领导下，县司法局坚持依法行政，全县推进。南昌县持续推进。\n"
        "一、主要工作"
    )
    r = extract(text)
    assert r.meta["agency"] == "南昌县司法局" and "agency_inferred" in r.flags


def test_prefecture_body_has_no_county():
    m = meta("一、主要工作\n全市推进。\n厦门市司法局\n2024年1月2日")
    assert (m["province"], m["prefecture"], m["county"]) == ("福建省", "厦门市", None)
    assert m["admin_level"] == "prefecture"


def test_municipal_district_resolved_by_its_municipality():
    m = meta("一、主要工作\n全区推进。\n北京市朝阳区人民政府\n2024年1月2日")
    assert (m["province"], m["county"], m["admin_level"]) == ("北京市", "朝阳区", "county")


def test_party_committee_office_reads_the_county_after_zhonggong():
    m = meta("一、主要工作\n全县推进。\n中共南昌县委全面依法治县委员会办公室\n2024年1月2日")
    assert (m["county"], m["admin_level"]) == ("南昌县", "county")
    assert m["agency"] == "中共南昌县委全面依法治县委员会办公室"


def test_full_width_and_ascii_punctuation_give_the_same_metadata(seed_texts):
    to_full = str.maketrans({",": "，", ":": "：", ";": "；", "(": "（", ")": "）"})
    for text in seed_texts.values():
        a, b = extract(text), extract(text.translate(to_full))
        assert (a.meta, a.sections, a.flags) == (b.meta, b.sections, b.flags)


def test_title_found_below_web_page_header_and_breadcrumbs():
    text = (
        "首页 > 政务公开 > 工作报告\n无障碍 简体 繁体\n"
        "福田区2023年度法治政府建设情况报告\n来源：区司法局 发布时间：2024-03-28 09:18\n"
        "福田区2023年度法治政府建设情况报告\n"
        "2023年，福田区坚持依法行政，全区推进，区委重视。\n一、主要举措\n"
    )
    m = meta(text)
    assert m["title"] == "福田区2023年度法治政府建设情况报告"
    assert (m["year"], m["doc_type"]) == (2023, "法治政府建设年度报告")
    assert (m["province"], m["prefecture"], m["county"]) == ("广东省", "深圳市", "福田区")


def test_breadcrumb_alone_is_not_a_title():
    assert meta("政务公开 > 工作报告\n我县坚持依法行政，全县推进。\n一、工作")["title"] is None


def test_issue_date_label_in_a_table_row():
    text = (
        "索引号 | 123 | 主题分类 | 其他 |\n"
        "成文日期 | 2025-06-13 | 发布日期 | 2025-06-30 |\n一、工作\n内容。"
    )
    assert meta(text)["date"] == "2025-06-13"


def test_autonomous_region_department_is_province_level_and_expanded():
    text = (
        "2023年，自治区司法厅坚持依法行政，全区法治建设稳步推进。\n"
        "一、主要工作\n广西各地推进。广西壮族自治区党委高度重视。"
    )
    r = extract(text)
    assert r.meta["agency"] == "广西壮族自治区司法厅"
    assert (r.meta["province"], r.meta["admin_level"]) == ("广西壮族自治区", "province")
    assert "agency_inferred" in r.flags


def test_a_county_named_once_in_the_body_is_not_the_issuers_county():
    # the level (我县/全县) is the issuer's; one study trip to 安吉县 is not its name
    text = (
        "现将我局2023年法治政府建设情况报告如下：\n一、主要工作\n全县推进依法行政，我县成效明显。"
        "组织干部赴浙江省安吉县学习考察。\n二、2024年工作安排\n继续推进。"
    )
    m = meta(text)
    assert m["admin_level"] == "county"
    assert (m["province"], m["prefecture"], m["county"]) == (None, None, None)
    assert "named often enough" in why(text, "county")
