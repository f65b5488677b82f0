"""Property tests over the whole per-document pipeline, with inputs built from real material.

For any input bytes: processing never raises, the document ends kept (with text) or
rejected (with a reason), and cleaning is idempotent on the text it keeps. CI runs a short
budget; `benchmarks/fuzz_pipeline.py` runs a long one.
"""

from __future__ import annotations

import codecs
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lawrpt_corpus import Document, default_pipeline

SEEDS = Path(__file__).resolve().parent.parent / "seeds"
LINES = [
    line
    for p in sorted(SEEDS.glob("*.txt"))
    for line in p.read_text(encoding="utf-8").splitlines()
    if line.strip()
]
NOISE = [
    "当前位置：首页 > 政务公开 > 法治政府建设",
    "发布时间：2024-01-05 来源：本站 浏览次数：128",
    "【字体：大 中 小】 打印 关闭",
    "扫一扫在手机上查看当前页面",
    "##paidbegin##",
    "##paidend##",
    "ICP备05012345号-1 网站标识码：3601000001",
    "【某某素材库】——每天更新材料，会员群同步更新，有意加入请联系客服",
    "法治政府建設年度報告，著力推進依法行政。",
    "\u200b\ufeff\u00a0\u3000\u3000",
    "(一) 加强组织领导;完善制度:健全机制!",
    "??????????",
    "─────│─────",
    # fragments the block layer takes between removed lines, and a mirror's pinyin gloss
    "。",
    "Copyright",
    "《中华人民共和国著作权法》",
    "追究法律责任",
    "，违者必究。",
    "依法制定规(guī)定，认真实（shí）施。",
    "\ud800",
]
ENCODINGS = ["utf-8", "utf-8-sig", "gb18030", "big5", "utf-16-le", "utf-16-be", "utf-16", "utf-32"]


def _encode(text: str, encoding: str) -> bytes:
    return codecs.encode(text, encoding, errors="replace")


@st.composite
def raw_inputs(draw) -> bytes:
    lines = draw(st.lists(st.sampled_from(LINES + NOISE), min_size=0, max_size=12))
    text = "\n".join(lines)
    if draw(st.booleans()):
        text += draw(st.text(max_size=60))
    if draw(st.integers(0, 9)) == 0:
        text = draw(st.sampled_from(LINES)) * draw(st.integers(50, 300))  # huge repetition
    data = _encode(text, draw(st.sampled_from(ENCODINGS)))
    cut = draw(st.integers(0, 3))
    if cut and data:
        data = data[: max(0, len(data) - cut)]  # truncated last character
    if draw(st.integers(0, 4)) == 0:
        junk = draw(st.binary(min_size=1, max_size=8))
        at = draw(st.integers(0, len(data)))
        data = data[:at] + junk + data[at:]
    return data


PIPE = default_pipeline()


def _clean(source: str, raw: bytes) -> Document:
    return PIPE.process(Document.from_bytes(source, raw))


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw_inputs())
def test_any_input_ends_kept_with_text_or_rejected_with_reason(raw: bytes) -> None:
    doc = _clean("fuzz.txt", raw)
    assert doc.status in ("kept", "rejected")
    if doc.kept:
        assert doc.text.strip()
        assert doc.encoding
    else:
        assert doc.reason


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_raise(raw: bytes) -> None:
    doc = _clean("bytes.bin", raw)
    assert doc.kept or doc.reason


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw_inputs())
def test_cleaning_is_idempotent_on_kept_text(raw: bytes) -> None:
    first = _clean("a.txt", raw)
    if not first.kept:
        return
    second = _clean("a.txt", first.text.encode("utf-8"))
    assert second.kept
    assert second.text == first.text
