"""A small test pipeline: one short step per kind of change (removal, in-place edit, metadata,
near-duplicate merge), independent of the real stages' rules, so the inspect and report
tests pin what those tools do, not what the rules are.

Also :func:`make_corpus`: the seeds with injected web chrome, an exact copy, a near copy,
and inputs the build rejects.
"""

from __future__ import annotations

import zlib
from collections import Counter
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import regex

from lawrpt_corpus import DecodeStep, Document, DocumentStep, ExactDedup, Pipeline
from lawrpt_corpus.pipeline import CorpusStep

_CHROME = [
    (regex.compile(r"^(?:首页|当前位置)\s*[>＞][^\n]*\n?", regex.M), "chrome.breadcrumb"),
    (regex.compile(r"^【广告】[^\n]*\n?", regex.M), "ad.banner"),
    (regex.compile(r"^(?:分享到|扫一扫)[^\n]*\n?", regex.M), "chrome.share"),
]
_COMMA = regex.compile(r"(?<=\p{Han}),(?=\p{Han}|\d)")
_YEAR = regex.compile(r"(20\d\d)年")
_PROVINCES = ("江西省", "湖北省", "福建省", "广东省", "浙江省")


@dataclass
class StripChrome(DocumentStep):
    name = "strip-demo"

    def __call__(self, doc: Document) -> Document:
        spans = [(m.start(), m.end(), rule) for rx, rule in _CHROME for m in rx.finditer(doc.text)]
        doc.remove_spans(spans)
        if not doc.text.strip():
            return doc.reject("empty_after_cleaning")
        return doc


@dataclass
class CommaFold(DocumentStep):
    name = "typography-demo"

    def __call__(self, doc: Document) -> Document:
        doc.text, n = _COMMA.subn("，", doc.text)
        doc.log_edit(self.name, "comma-between-han", n)
        full = sum(1 for ch in doc.text if "\uff00" <= ch <= "\uffef" or ch in "，。、")
        doc.width_profile = round(full / max(len(doc.text), 1), 3)
        doc.script = "simplified"
        return doc


@dataclass
class YearProvince(DocumentStep):
    name = "metadata-demo"

    def __call__(self, doc: Document) -> Document:
        ev: dict[str, Any] = {}
        for line in doc.text.splitlines():
            m = _YEAR.search(line)
            if m and "year" not in ev:
                doc.meta["year"] = int(m.group(1))
                ev["year"] = {"rule": "year.first-mention", "line": line[:80]}
            hit = next((p for p in _PROVINCES if p in line), None)
            if hit and "province" not in ev:
                doc.meta["province"] = hit
                doc.meta["admin_level"] = "province"
                ev["province"] = {"rule": "province.gazetteer", "line": line[:80]}
        if "province" not in ev:
            ev["province"] = {"why": "no province name in the text"}
        doc.meta["doc_type"] = "法治政府建设年度报告" if "法治" in doc.text else None
        doc.features["metadata_evidence"] = ev
        return doc


def _shingles(text: str, k: int = 5) -> set[int]:
    return {zlib.crc32(text[i : i + k].encode()) for i in range(max(len(text) - k + 1, 1))}


@dataclass
class NearDedup(CorpusStep):
    """Jaccard of character 5-grams, all pairs (fine for test corpora), threshold 0.8."""

    name = "near-demo"
    threshold: float = 0.8
    _dup: dict[int, tuple[str, float]] = field(default_factory=dict, repr=False)
    _members: dict[str, list[str]] = field(default_factory=dict, repr=False)
    _lines: Counter[str] = field(default_factory=Counter, repr=False)

    def prepare(self, doc: Document) -> None:
        doc.features["shingles"] = _shingles(doc.text)

    def fit(self, docs: Iterable[Document]) -> None:
        kept: list[tuple[int, str, set[int]]] = []
        for doc in docs:
            sh = doc.features["shingles"]
            for _seq, rep, other in kept:
                sim = len(sh & other) / max(len(sh | other), 1)
                if sim >= self.threshold:
                    self._dup[doc.seq] = (rep, sim)
                    self._members.setdefault(rep, []).append(doc.source)
                    break
            else:
                kept.append((doc.seq, doc.id, sh))
                self._lines.update({ln for ln in doc.text.splitlines() if ln.strip()})

    def apply(self, doc: Document) -> Document:
        hit = self._dup.get(doc.seq)
        if hit is not None:
            doc.mark_duplicate(hit[0], f"near:{hit[1]:.2f}")
        elif doc.id in self._members:
            doc.duplicates = doc.duplicates + self._members[doc.id]
        return doc

    def params(self) -> dict[str, Any]:
        return {"threshold": self.threshold, "shingle": "5 characters"}

    def stats(self) -> dict[str, Any]:
        lines = [{"line": ln, "docs": n} for ln, n in self._lines.most_common() if n >= 2]
        return {"near_duplicates": len(self._dup), "candidates": lines[:50]}


def demo_pipeline() -> Pipeline:
    return Pipeline(
        [DecodeStep(), StripChrome(), CommaFold(), YearProvince(), ExactDedup(), NearDedup()]
    )


def make_corpus(seeds: Path, folder: Path) -> Path:
    """Seeds with web chrome injected, plus an exact copy, a near copy and bad inputs."""
    folder.mkdir(parents=True, exist_ok=True)
    texts = {}
    for i, p in enumerate(sorted(seeds.glob("*.txt"))):
        lines = p.read_text(encoding="utf-8").splitlines(keepends=True)
        mid = len(lines) // 2
        lines.insert(0, "首页 > 政务公开 > 法治政府建设\n")
        lines.insert(mid, f"【广告】代写各类材料{i}号,欢迎咨询\n")
        lines.append("\n（来源：政务公开办 责任编辑：网站管理员）\n")
        lines.append("分享到:微信 微博\n")
        texts[p.name] = "".join(lines)
        (folder / p.name).write_text(texts[p.name], encoding="utf-8")
    first = sorted(texts)[0]
    (folder / "mirror-exact.txt").write_text(texts[first], encoding="utf-8")
    near = texts[sorted(texts)[1]].splitlines(keepends=True)
    (folder / "mirror-near.txt").write_text("".join(near[:-4] + near[-2:]), encoding="utf-8")
    (folder / "image.txt").write_bytes(b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR" + bytes(range(256)))
    (folder / "empty.txt").write_bytes(b"")
    (folder / "only-chrome.txt").write_text("首页 > 通知公告\n【广告】代写\n", encoding="utf-8")
    return folder
