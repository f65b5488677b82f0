"""ScriptNormalize: script detection and OpenCC conversion to simplified."""

from __future__ import annotations

import pickle
from functools import cache

import opencc
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lawrpt_corpus import Document, ScriptNormalize, Typography, default_pipeline
from lawrpt_corpus.normalize.script import (
    changed_chars,
    derive_script_chars,
    detect,
    load_script_chars,
)

REVERSE = {"s2t": "t2s", "s2tw": "tw2s", "s2hk": "hk2s"}


@cache
def _cc(config: str) -> opencc.OpenCC:
    return opencc.OpenCC(f"{config}.json")


def cc(config: str, text: str) -> str:
    return str(_cc(config).convert(text))


def doc_of(text: str) -> Document:
    return Document(source="t", raw_sha256="0" * 64, n_bytes=0, text=text)


def normalized(text: str) -> Document:
    return ScriptNormalize()(Typography()(doc_of(text)))


def differing(a: str, b: str) -> set[int]:
    assert len(a) == len(b)
    return {i for i, (x, y) in enumerate(zip(a, b, strict=True)) if x != y}


# -- simplified input --
def test_simplified_seeds_are_labelled_simplified_and_come_out_byte_identical(seed_texts):
    for name, text in seed_texts.items():
        doc = ScriptNormalize()(doc_of(text))
        assert doc.script == "simplified", name
        assert doc.text == text and doc.edits == [], name


def test_stray_traditional_characters_in_simplified_text_are_left_alone(seed_texts):
    text = next(iter(seed_texts.values())) + "\n引自臺灣地區的一份報告。"
    doc = ScriptNormalize()(doc_of(text))
    assert doc.script == "simplified"
    assert doc.text == text


# -- the acceptance round trip --
@pytest.mark.parametrize("variant", sorted(REVERSE))
def test_traditional_versions_of_the_seeds_come_back_to_the_simplified_seeds(seed_texts, variant):
    for name, text in seed_texts.items():
        expected = normalized(text)
        traditional = cc(variant, text)
        assert traditional != text
        got = normalized(traditional)
        assert got.script == "traditional", name
        config = got.features["script"]["config"]
        # Taiwan text without the Taiwan 著 may go to hk2s, which maps it the same way
        assert config == REVERSE[variant] or (
            variant == "s2tw" and config == "hk2s" and "著" not in traditional
        ), name
        # OpenCC's own round trip of the seeds is exact, and so is ours
        own = cc(REVERSE[variant], cc(variant, expected.text))
        assert own == expected.text, name
        assert got.text == expected.text, name
        assert got.width_profile == expected.width_profile


# Each sentence carries the evidence a real report has (为, 说 and 里 take a different form in
# each variant); the first parts hold the characters OpenCC maps one-to-many.
EVIDENCE = "我们为此说明如下，这里不再重复。"
SENTENCES = [
    s + EVIDENCE
    for s in (
        "这一成效很显著，影响深远。",
        "当地土著居民的权益得到保障。",
        "乾隆年间修建的皇后宫殿，之后被改为博物馆。",
        "他看着我，接着说：“什么时候开会？”",
        "他们著书立说，著作等身。",
        "卫生健康委员会和台风预警，干部要干净。",
        "理发店的头发和经济发展，面条和方面的问题。",
        "系统地联系实际，里面有三公里的路。",
    )
]


@pytest.mark.parametrize("variant", sorted(REVERSE))
def test_round_trip_differs_only_where_opencc_own_round_trip_differs(variant):
    for text in SENTENCES:
        got = normalized(cc(variant, text)).text
        own = cc(REVERSE[variant], cc(variant, text))
        assert differing(got, text) <= differing(own, text), (variant, text, got, own)


def test_documented_opencc_exception_taiwan_zhu_outside_the_phrase_list():
    # OpenCC tw2s rewrites every 著 outside its phrase list to 着 (土著 → 土着): the one kind
    # of difference the round trip allows (docs/typography.md).
    text = "当地土著居民的权益得到保障。" + EVIDENCE
    own = cc("tw2s", cc("s2tw", text))
    got = normalized(cc("s2tw", text)).text
    assert own == got == text.replace("土著", "土着")
    # the same sentence from the other variants comes back exactly
    for variant in ("s2t", "s2hk"):
        assert normalized(cc(variant, text)).text == text


def test_short_text_without_regional_evidence_keeps_its_zhu():
    # 著 alone in a short text could be the 著 of 著作: t2s, which never rewrites 著
    report = detect("當地土著居民的權益得到保障。")
    assert report.config == "t2s"


# -- choice of configuration --
def test_taiwan_zhe_is_converted_where_plain_t2s_would_leave_it():
    text = "他看著我，接著說：「為什麼還不開會？」"
    assert "著" in cc("t2s", text)
    doc = ScriptNormalize()(doc_of(text))
    assert doc.text == "他看着我，接着说：“为什么还不开会？”"
    assert doc.features["script"]["config"] == "tw2s"


def test_hong_kong_forms_are_converted_with_hk2s():
    text = "衞生署的檯面上有一份説明。"
    assert "衞" in cc("t2s", text)
    doc = ScriptNormalize()(doc_of(text))
    assert doc.features["script"]["config"] == "hk2s"
    assert doc.text == "卫生署的台面上有一份说明。"


def test_standard_traditional_uses_t2s_and_keeps_zhu():
    text = "這一成效很顯著，著作也多，他們爲此看着遠方。"
    report = detect(text)
    assert report.config == "t2s" and report.script == "traditional"
    assert ScriptNormalize()(doc_of(text)).text == "这一成效很显著，著作也多，他们为此看着远方。"


def test_mixed_text_is_labelled_mixed_and_converted():
    text = "我们的工作报告如下。\n本報告說明了過去一年的進展與問題，並對來年的工作進行規劃。"
    doc = ScriptNormalize()(doc_of(text))
    assert doc.script == "mixed"
    assert (
        doc.text
        == "我们的工作报告如下。\n本报告说明了过去一年的进展与问题，并对来年的工作进行规划。"
    )
    report = detect(text)
    assert report.share is not None and 0.05 < report.share < 0.9


# -- details --
def test_corner_quotes_become_curly_in_converted_text_only():
    converted = ScriptNormalize()(doc_of("他說：「我們『一定』會來。」"))
    assert converted.text == "他说：“我们‘一定’会来。”"
    counts = {e.rule: e.count for e in converted.edits}
    assert counts["corner-quotes"] == 4
    simplified = ScriptNormalize()(doc_of("他说：「我们会来。」"))
    assert simplified.text == "他说：「我们会来。」"


def test_edit_count_is_the_number_of_changed_characters():
    text = "國家機關的會議記錄。"
    doc = ScriptNormalize()(doc_of(text))
    assert doc.edits[0].step == "script"
    assert doc.edits[0].count == changed_chars(text, doc.text) == 7


def test_changed_chars_handles_length_changes():
    assert changed_chars("甲乙", "甲乙") == 0
    assert changed_chars("甲乙\n丙", "甲乙\n丙丁") == 2
    assert changed_chars("甲", "乙\n丙") == 3


def test_empty_and_non_chinese_text_are_simplified_and_unchanged():
    for text in ["", "Plain English text.", "12345 \U0001f600 \ufdd0"]:
        doc = ScriptNormalize()(doc_of(text))
        assert doc.script == "simplified" and doc.text == text and doc.edits == []


def test_lone_surrogates_do_not_stop_the_conversion():
    text = "國家\ud800機關"
    doc = ScriptNormalize()(doc_of(text))
    assert doc.text == "国家\ud800机关" and doc.script == "traditional"


def test_step_is_picklable():
    step = ScriptNormalize()
    assert pickle.loads(pickle.dumps(step)) == step
    assert step.describe()["name"] == "script"


def test_shipped_character_sets_match_the_installed_opencc():
    shipped = load_script_chars()
    if shipped["opencc_version"] != opencc.__version__:
        pytest.skip("installed OpenCC differs from the one the sets were derived from")
    try:
        derived = derive_script_chars()
    except FileNotFoundError:
        pytest.skip("opencc_dict tool not shipped with this OpenCC")
    assert derived == shipped


def test_default_pipeline_records_script_width_and_simplifies():
    text = "本局堅持依法行政,全面推進(2021-2025年)規劃。\n這是關於法治政府建設的報告。"
    doc = default_pipeline().process_bytes("t.txt", text.encode("utf-8"))
    assert doc.kept
    assert doc.script == "traditional"
    assert doc.width_profile == 1.0
    assert (
        doc.text == "本局坚持依法行政，全面推进（2021-2025年）规划。\n这是关于法治政府建设的报告。"
    )
    steps = {e.step for e in doc.edits}
    assert steps == {"typography", "script"}


def test_characters_beyond_the_bmp_are_counted_too():
    # 𠁞 is traditional-only and 𠀾 simplified-only in OpenCC's dictionaries
    report = detect("國家機關𠁞的會議𠀾")
    assert report.n_traditional == 6 and report.n_simplified == 1
    assert ScriptNormalize()(doc_of("國家\U00020000機關")).text == "国家\U00020000机关"


SCRIPT_ALPHABET = list("國會說們為裡著着衞爲们会说为里干乾台臺后後发髮面麵「」，。\n ab1")


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(st.text(alphabet=SCRIPT_ALPHABET, max_size=60))
def test_script_normalization_is_idempotent_and_output_is_simplified(text):
    once = ScriptNormalize()(doc_of(text))
    twice = ScriptNormalize()(doc_of(once.text))
    assert twice.text == once.text
    assert twice.script == "simplified" and twice.edits == []


# -- the script decision is final on the cleaned text (ScriptRecheck) ------------------------
_BODY = "我局坚持以习近平法治思想为指导，认真贯彻落实中央和省委关于法治政府建设的各项部署。"
_TRAD_LINE = "法治政府建設年度報告，著力推進依法行政。"
_AD = "【某某素材库】——每天更新材料1000多篇内部高质量素材，会员群同步每日更新，有意加入请联系客服"


def _clean_text(text: str) -> Document:
    from lawrpt_corpus import default_pipeline

    return default_pipeline().process(Document.from_bytes("r.txt", text.encode("utf-8")))


def test_a_traditional_paragraph_is_converted_even_when_removed_ads_hid_it_and_cleaning_is_idempotent() -> (  # noqa: E501
    None
):
    fired = 0
    for n_ads in range(0, 5):
        for n_body in range(1, 4):
            text = "\n".join([_BODY] * n_body + [_AD] * n_ads + [_TRAD_LINE])
            once = _clean_text(text)
            assert once.kept
            twice = _clean_text(once.text)
            assert twice.text == once.text, (n_ads, n_body)
            assert "建設" not in once.text and "建设年度报告" in once.text
            fired += any(e.step == "script-recheck" for e in once.edits)
    assert fired  # some of these were decided "simplified" before the ads were removed


def test_recheck_leaves_simplified_reports_with_a_quoted_traditional_name_alone() -> None:
    body = [f"{_BODY[:-1]}，第{i}项任务按期完成。" for i in range(6)]  # distinct lines
    text = "\n".join([*body, "与臺灣地区的交流合作依法有序开展。"])
    doc = _clean_text(text)
    assert "臺灣" in doc.text and doc.script == "simplified"
    assert not any(e.step == "script-recheck" for e in doc.edits)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="这们个國們這著着裡裏爲为後后abc，。\n", max_size=50))
def test_detect_counts_what_the_histogram_of_every_set_counts(text):
    # detect() counts traditional-only and simplified-only characters first and builds the
    # histogram of every set only when the text is not simplified: the same report
    from lawrpt_corpus.normalize.script import _counts

    found = _counts(text)
    report = detect(text)
    assert (report.n_traditional, report.n_simplified) == (
        found["traditional_only"],
        found["simplified_only"],
    )
