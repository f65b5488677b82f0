"""Properties of the metadata step on arbitrary text: never raises, deterministic, and every
value it reports can be found in the text (or is derived from the gazetteer)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lawrpt_corpus.metadata import extract

_WORDS = (
    "一、 二、 2024年 2025年工作安排 我局 我县 全区 区委 省人社厅 区人社局 南昌县 鼓楼区 "
    "福州市 XX市 ××县 ， 。 , ( ） 人民政府 2023年11月23日 二〇二四年一月五日 "
    "法治政府建设年度报告 总结 司法局 现将 报告如下 关于 湖北 坚持 文字"
)
PIECES = [*_WORDS.split(), "\n", " ", "\n\n"]

texts = st.one_of(
    st.text(max_size=300),
    st.lists(st.sampled_from(PIECES), max_size=60).map("".join),
)


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(texts)
def test_any_text_gives_a_result_deterministically(text):
    a = extract(text)
    b = extract(text)
    assert a.meta == b.meta and a.sections == b.sections and a.flags == b.flags
    m = a.meta
    assert m["year"] is None or isinstance(m["year"], int)
    assert m["admin_level"] in (None, "central", "province", "prefecture", "county")
    for key in ("title", "agency"):
        value = m[key]
        if value is not None and "agency_inferred" not in a.flags:
            assert value in text
    for s in a.sections:
        assert s in text
    assert set(a.evidence) >= {"title", "year", "agency", "date", "doc_type", "province"}
