"""Mirror artifacts (rules/mirror.toml) and the cleanest copy in dedup: pinyin glosses are
removed and recorded, gambling substitutions and 文库 filler flagged, and when copies merge the
government original stands for them, not the mirror with more letters."""

from __future__ import annotations

import random
from pathlib import Path

from lawrpt_corpus import LocalEngine, Pipeline, default_pipeline
from lawrpt_corpus.boilerplate import StripBoilerplate
from lawrpt_corpus.dedup.step import noise_marks
from lawrpt_corpus.document import Document

ROOT = Path(__file__).resolve().parents[2]
SEED = (ROOT / "seeds").glob("*.txt")
ORIGINAL = sorted(SEED)[1].read_text(encoding="utf-8")
PINYIN = {"规": "guī", "定": "dìng", "实": "shí", "施": "shī", "法": "fǎ", "治": "zhì"}


def _annotate(text: str, rng: random.Random, every: int = 3) -> str:
    out = []
    k = 0
    for ch in text:
        out.append(ch)
        if ch in PINYIN:
            k += 1
            if k % every == 0:
                out.append(f"({PINYIN[ch]})" if rng.random() < 0.5 else f"（{PINYIN[ch]}）")
    return "".join(out)


def _strip(text: str) -> Document:
    doc = Document(source="m.txt", raw_sha256="0" * 64, n_bytes=0, text=text)
    return StripBoilerplate()(doc)


def test_pinyin_glosses_are_removed_and_recorded_one_by_one() -> None:
    doc = _strip("依法制定规(guī)定，认真实（shí）施。\n规定（试行）第3条(a)项")
    assert doc.text == "依法制定规定，认真实施。\n规定（试行）第3条(a)项"
    assert [(r.rule, r.text) for r in doc.removed] == [
        ("mirror.pinyin", "(guī)"),
        ("mirror.pinyin", "（shí）"),
    ]


def test_gambling_names_and_anti_copy_filler_are_flagged_not_removed() -> None:
    text = "2023年，澳门新葡京娱乐场坚持依法行政，全面推进法治政府建设工作。"
    doc = _strip(text)
    assert "mirror_gambling" in doc.flags and "澳门新葡京" in doc.text
    doc = _strip("依法行政工作取得明显成效，群众满意度不断提升。\nword格式-可编辑-感谢下载支持")
    assert "mirror_anti_copy" in doc.flags
    clean = _strip("依法打击赌博违法犯罪活动，捣毁地下赌场3个。规范体育彩票销售网点管理。")
    assert not [f for f in clean.flags if f.startswith("mirror")]


def test_noise_marks_count_mirror_evidence_but_not_government_domains() -> None:
    doc = Document(source="a", raw_sha256="0" * 64, n_bytes=0, text="详见www.ncx.gov.cn。")
    assert noise_marks(doc) == 0
    doc.text = "详见www.fanwen8.com。来源：wenku123.net"
    assert noise_marks(doc) == 2
    doc.flags.append("mirror_gambling")
    doc.log_removal("mirror.pinyin", "(guī)")
    doc.log_removal("chrome.breadcrumb", "首页 > 政务公开")
    assert noise_marks(doc) == 4


def test_noise_marks_skip_the_domain_search_only_when_no_domain_can_match() -> None:
    from lawrpt_corpus.dedup.step import _DOMAIN

    texts = [
        "增长3.5%，完成12.8亿元。",  # dots, no top-level domain: the search is skipped
        "转载自a.b.c.d.e.com，见x.cc、y.top、z.vip、w.xyz、v.info、u.org与t.cn",
        "镜像：WENKU.COM、DOC88.NET、GOV.CN；http://abc.cn/x",
        "2023.cn年",  # a digit run before .cn is a domain to the pattern
        "www.ncx.gov.cn和bbs.example.com.cn",
        ".com.net.cn",
    ]
    for text in texts:
        doc = Document(source="a", raw_sha256="0" * 64, n_bytes=0, text=text)
        want = sum(1 for m in _DOMAIN.finditer(text) if "gov" not in m.group().lower())
        assert noise_marks(doc) == want
    assert [noise_marks(Document("a", "0" * 64, 0, text=t)) for t in texts[:4]] == [0, 8, 3, 1]


def _run(texts: list[str]) -> list[Document]:
    docs = [Document.from_bytes(f"src{i}.txt", t.encode("utf-8")) for i, t in enumerate(texts)]
    return list(LocalEngine(workers=1).run(default_pipeline(), docs))


def test_the_government_original_stands_for_its_pinyin_and_domain_mirrors() -> None:
    rng = random.Random(3)
    pinyin = _annotate(ORIGINAL, rng)
    domain = ORIGINAL.replace("。", "。www.fanwen8.com ", 6)
    gambling = ORIGINAL.replace("工作", "澳门新葡京娱乐场工作", 2)
    # mirrors first, so input order cannot be what picks the original
    out = _run([pinyin, domain, gambling, ORIGINAL])
    kept = [d for d in out if d.kept]
    assert [d.source for d in kept] == ["src3.txt"]
    assert sorted(kept[0].duplicates) == ["src0.txt", "src1.txt", "src2.txt"]
    assert all(d.duplicate_of == kept[0].id for d in out if not d.kept)


def test_pipeline_without_mirror_rules_still_builds() -> None:
    steps = [s for s in default_pipeline().steps if s.name != "templates"]
    out = list(
        LocalEngine(workers=1).run(
            Pipeline(steps), [Document.from_bytes("a.txt", ORIGINAL.encode())]
        )
    )
    assert out[0].kept
