"""Inputs for the pipeline fuzz tests (tests/test_fuzz_pipeline.py) and the long fuzz run
(benchmarks/fuzz_pipeline.py): raw bytes built from real material."""

from __future__ import annotations

import codecs
from pathlib import Path

from hypothesis import strategies as st

from lawrpt_corpus import Document, default_pipeline

SEEDS = Path(__file__).resolve().parents[2] / "seeds"
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
    # structure anomalies (boilerplate/anomaly.py): markup residue, a counter, a page mark,
    # a caption, code, symbols, a run injected between Han characters
    '• <tr id="yyy80"></tr>',
    "依法行政&nbsp;工作，推进<br/>法治ab3Kx建设。",
    "{{ pvCount }}",
    "4874268",
    "- 3 -",
    "图片来源：网络",
    ".TRS_Editor P{margin-top:0;}",
    "◆◆◆◆",
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


def clean(source: str, raw: bytes) -> Document:
    return PIPE.process(Document.from_bytes(source, raw))
