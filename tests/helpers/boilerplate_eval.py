"""Scoring of the labeled line set (tests/data/boilerplate/lines.tsv), shared by the tests
and docs: each line is placed at its position inside a realistic report and the step is
run on the whole document."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from lawrpt_corpus.boilerplate import StripBoilerplate
from lawrpt_corpus.document import Document

DATA = Path(__file__).resolve().parents[1] / "data" / "boilerplate"

TITLE = "XX县人力资源和社会保障局2023年法治政府建设年度报告"
BODY = [
    "2023年，我局坚持以习近平法治思想为指导，全面推进法治政府建设，现将有关情况报告如下：",
    "一、主要工作及成效",
    "（一）加强组织领导。局党组书记切实履行推进法治建设第一责任人职责，全年专题研究法治工作4次。",
    "（二）推进严格规范公正文明执法。全面落实行政执法“三项制度”，全年办理行政处罚案件27件。",
    "（三）深化普法宣传。开展“宪法宣传周”等主题活动26场，发放宣传资料1.2万份。",
    "二、存在的主要问题",
    "执法人员力量不足，专业素质有待提高。",
    "三、下一步工作打算",
    "（一）持续加强法治队伍建设，提升依法行政能力。",
]
SIGNATURE = ["XX县人力资源和社会保障局", "2024年1月15日"]


@dataclass
class Item:
    label: str
    category: str
    position: str
    text: str
    span: str | None


HALF_WIDTH = str.maketrans(
    {"，": ",", "：": ":", "；": ";", "（": "(", "）": ")", "！": "!", "？": "?"}
)


def half_width(item: Item) -> Item:
    """The same item with the ASCII punctuation of NFKC-folded sources (seeds 000–003)."""
    span = item.span.translate(HALF_WIDTH) if item.span else None
    return Item(item.label, item.category, item.position, item.text.translate(HALF_WIDTH), span)


def load_items(*, with_half_width: bool = False) -> list[Item]:
    items = []
    for raw in (DATA / "lines.tsv").read_text(encoding="utf-8").splitlines():
        if not raw.strip() or raw.startswith("#"):
            continue
        cols = raw.split("\t")
        items.append(Item(cols[0], cols[1], cols[2], cols[3], cols[4] if len(cols) > 4 else None))
    if with_half_width:
        items += [h for h in map(half_width, items) if h.text not in {i.text for i in items}]
    return items


def place(item: Item) -> list[str]:
    if item.position == "head":
        return [item.text, TITLE, *BODY, *SIGNATURE]
    if item.position == "body":
        return [TITLE, *BODY[:4], item.text, *BODY[4:], *SIGNATURE]
    if item.position == "tail":
        return [TITLE, *BODY, *SIGNATURE, item.text]
    if item.position == "end":
        return [TITLE, *BODY, item.text]
    raise ValueError(item.position)


@dataclass
class Outcome:
    item: Item
    removed: bool  # the item (or its inline span) went, exactly
    context_cut: bool  # anything else went


def judge(step: StripBoilerplate, item: Item) -> Outcome:
    lines = place(item)
    doc = Document(source="t", raw_sha256="0" * 64, n_bytes=0, text="\n".join(lines))
    step(doc)
    removed_texts = [r.text for r in doc.removed]
    if item.span is not None:
        expected = item.text.replace(item.span, "", 1)
        went = item.span in removed_texts and expected in doc.text.split("\n")
    else:
        went = any(t.strip() == item.text for t in removed_texts)
    context = [ln for ln in lines if ln != item.text]
    kept = doc.text.split("\n")
    others = [t for t in removed_texts if t.strip() != item.text and t != item.span]
    context_cut = bool(others) or any(ln not in kept for ln in context)
    return Outcome(item, went, context_cut)


def score(
    step: StripBoilerplate | None = None, *, with_half_width: bool = False
) -> dict[str, object]:
    step = step or StripBoilerplate()
    outcomes = [judge(step, it) for it in load_items(with_half_width=with_half_width)]
    tp = sum(1 for o in outcomes if o.item.label == "bp" and o.removed)
    fn = [o for o in outcomes if o.item.label == "bp" and not o.removed]
    fp = [o for o in outcomes if o.item.label == "keep" and o.removed]
    cut = [o for o in outcomes if o.context_cut]
    n_bp = sum(1 for o in outcomes if o.item.label == "bp")
    false_removals = len(fp) + len(cut)
    return {
        "n_boilerplate": n_bp,
        "n_keep": sum(1 for o in outcomes if o.item.label == "keep"),
        "tp": tp,
        "precision": tp / (tp + false_removals) if tp + false_removals else 1.0,
        "recall": tp / n_bp if n_bp else 1.0,
        "missed": [o.item for o in fn],
        "false_positives": [o.item for o in fp],
        "context_cut": [o.item for o in cut],
    }
