"""Dedup: exact, near-duplicate and containment merges, representative choice, guards."""

from __future__ import annotations

import random
import re
from pathlib import Path

import numpy as np
import opencc
import pyarrow.parquet as pq
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from lawrpt_corpus import Dedup, LocalEngine, build, default_pipeline
from lawrpt_corpus.dedup.pairs import VerifiedPairs
from lawrpt_corpus.dedup.signature import comparison_key, minhash, shingle_hashes
from lawrpt_corpus.dedup.step import page_bytes, page_from_bytes
from lawrpt_corpus.document import Document, PageMeta, Removal

_SEEDS = Path(__file__).resolve().parents[2] / "seeds"
SENTENCES = [
    s
    for p in sorted(_SEEDS.glob("*.txt"))
    for s in re.split(r"(?<=[。；])", p.read_text(encoding="utf-8"))
    if len(s) > 10
]
_HALF = str.maketrans("，：；（）！？", ",:;()!?")
REASON = re.compile(r"^(exact|near:(0\.\d\d|1\.00)|contained:(0\.\d\d|1\.00))$")


def _docs(texts: list[str], names: list[str] | None = None) -> list[Document]:
    docs = []
    for i, text in enumerate(texts):
        name = names[i] if names else f"d{i}.txt"
        doc = Document.from_bytes(name, f"{name}\0{text}".encode())
        doc.text, doc.seq = text, i
        docs.append(doc)
    return docs


def _run(texts: list[str], step: Dedup | None = None, prepare: bool = True) -> list[Document]:
    step = step or Dedup()
    docs = _docs(texts)
    if prepare:
        for d in docs:
            step.prepare(d)
    step.fit(docs)
    return [step.apply(d) for d in docs]


def _paras(text: str) -> list[str]:
    return [p for p in text.split("\n") if p.strip()]


def _shift_years(text: str, dy: int) -> str:
    return re.sub(r"(?<![0-9])((?:19|20)[0-9]{2})(?=年)", lambda m: str(int(m[1]) + dy), text)


@pytest.fixture(scope="module")
def seeds(seed_texts) -> list[str]:
    return list(seed_texts.values())


# -- copies merge -------------------------------------------------------------------------
def test_repunctuated_width_folded_and_traditional_copies_merge_into_the_original(seeds):
    base = seeds[4]
    half = base.translate(str.maketrans("，：；（）！？", ",:;()!?"))  # same length
    trad = opencc.OpenCC("s2t").convert(base)
    wide = base.replace("2023", "２０２３")
    out = _run([base, half, trad, wide])
    assert out[0].kept  # all equally complete: the first in input order is kept
    for d in out[1:]:
        assert d.status == "duplicate" and d.duplicate_of == out[0].id
        assert d.text == ""
    # punctuation, spacing and width do not touch the key: exact; script folding is near-exact
    assert out[1].reason == "exact" and out[3].reason == "exact"
    assert out[2].reason is not None and REASON.match(out[2].reason)


@settings(max_examples=25, deadline=None)
@given(
    sents=st.lists(st.sampled_from(SENTENCES), min_size=3, max_size=15),
    spacing=st.lists(st.sampled_from(["", " ", "\n", "\u3000", "\n\n"]), min_size=1),
)
def test_any_report_and_its_repunctuated_respaced_copy_merge_exactly(sents, spacing):
    text = "".join(sents)
    copy = "".join(s.translate(_HALF) + spacing[i % len(spacing)] for i, s in enumerate(sents))
    out = _run([text, copy])
    kept, dup = sorted(out, key=lambda d: d.kept, reverse=True)
    assert kept.kept and dup.status == "duplicate" and dup.reason == "exact"
    assert dup.duplicate_of == kept.id


def test_copy_with_web_chrome_lines_merges_as_near_duplicate(seeds):
    base = seeds[0]
    chrome = (
        "首页 > 政务公开 > 法治政府建设\n扫一扫在手机打开当前页\n"
        + base
        + "\n【打印本页】【关闭窗口】\n主办单位：某县人民政府办公室 联系电话：0791-1234567"
    )
    out = _run([chrome, base])
    # the copy with chrome is longer, so it is kept as the most complete version
    assert out[0].kept and out[1].status == "duplicate"
    assert out[1].reason is not None and out[1].reason.startswith("near:")
    assert float(out[1].reason.split(":")[1]) >= Dedup().threshold


def test_light_edits_merge_with_their_similarity_in_the_reason(seeds):
    base = seeds[2]
    sents = re.split(r"(?<=。)", base)
    rng = random.Random(3)
    edited = list(sents)
    for i in rng.sample(range(len(sents)), 3):
        edited[i] = "本单位进一步完善了相关工作制度，确保各项任务落到实处。"
    out = _run([base, "".join(edited)])
    assert out[1].status == "duplicate" and out[1].duplicate_of == out[0].id
    assert out[1].reason is not None and out[1].reason.startswith("near:")
    assert 0.7 <= float(out[1].reason[5:]) < 1.0


def test_truncated_copy_links_to_the_full_version_by_containment(seeds):
    base = seeds[1]
    for frac in (0.6, 0.7, 0.8):
        cut = base[: int(len(base) * frac)] + "\n……（剩余内容需付费下载）"
        out = _run([cut, base])
        assert out[0].status == "duplicate", frac
        assert out[0].duplicate_of == out[1].id
        assert out[0].reason is not None and out[0].reason.startswith("contained:")
        assert float(out[0].reason.split(":")[1]) >= 0.9
        assert out[1].duplicates == ["d0.txt"]


# -- different documents do not merge -----------------------------------------------------
def test_reports_of_other_years_sharing_template_paragraphs_stay_separate(seeds):
    rng = random.Random(11)
    base = seeds[0]
    paras = _paras(base)
    pool = [p for s in seeds[1:] for p in _paras(s)]
    sibling = [p if i % 2 == 0 else rng.choice(pool) for i, p in enumerate(paras)]
    next_year = _shift_years("\n".join(sibling), 1)
    same_year_rewrite = "\n".join(sibling)
    year_only = _shift_years(base, -1)
    out = _run([base, next_year, year_only, same_year_rewrite])
    assert [d.status for d in out] == ["kept", "kept", "kept", "kept"]


def test_year_guard_off_lets_a_reissued_report_merge(seeds):
    """The guard is what separates a report re-issued for another year with the prose kept."""
    base = seeds[3]
    out = _run([base, _shift_years(base, 1)], Dedup(year_guard=False))
    assert out[1].status == "duplicate"


def test_short_templated_notices_do_not_merge_by_accident():
    tpl = (
        "根据《中华人民共和国政府信息公开条例》规定，现将{a}{y}年法治政府建设年度报告予以公布，"
        "详见附件。{a}，{y1}年{m}月{d}日。"
    )
    agencies = ["城关区司法局", "东湖县人社局", "青山市财政局", "南岸区市场监管局"]
    texts = [
        tpl.format(a=a, y=y, y1=y + 1, m=m, d=10 + m)
        for a in agencies
        for y, m in ((2022, 2), (2023, 3))
    ]
    texts.append(tpl.format(a=agencies[0], y=2022, y1=2023, m=3, d=17))  # same notice, redated
    out = _run(texts)
    assert all(d.kept for d in out)
    # an identical short notice still merges exactly
    out = _run([texts[0], texts[0].replace("，", ",")])
    assert out[1].reason == "exact"


def test_an_lsh_collision_alone_never_merges(seeds):
    # 128 bands of 1 row: almost every pair collides somewhere; none is similar enough
    step = Dedup(bands=128, rows=1)
    out = _run(seeds, step)
    assert all(d.kept for d in out)
    stats = step.stats()
    assert stats["lsh_candidate_pairs"] > 0
    assert stats["near"] == stats["contained"] == stats["exact"] == 0


def test_no_chaining_two_different_documents_through_a_third(seeds):
    sents = [s for s in re.split(r"(?<=。)", "".join(seeds)) if len(s) > 20][:40]
    a = "".join(sents[0:20]) + "补充说明。"  # a little longer: the representative
    b = "".join(sents[3:23])
    c = "".join(sents[6:26])
    step = Dedup(threshold=0.7)
    out = _run([a, b, c], step)
    ja = _jaccard(a, c)
    assert ja < 0.7 <= _jaccard(a, b) and _jaccard(b, c) >= 0.7
    assert out[0].kept and out[1].status == "duplicate" and out[1].duplicate_of == out[0].id
    assert out[2].kept, "c is similar to b only, and b is not the representative"


def _jaccard(x: str, y: str) -> float:
    sx = set(shingle_hashes(comparison_key(x), 5).tolist())
    sy = set(shingle_hashes(comparison_key(y), 5).tolist())
    return len(sx & sy) / len(sx | sy)


# -- representative, manifest fields, stats -----------------------------------------------
def test_representative_is_the_most_complete_version_and_lists_merged_sources(seeds):
    base = seeds[2]
    cut = base[: int(len(base) * 0.7)]
    texts = [cut, base, base, cut]
    docs = _docs(texts, ["cut-a", "full-a", "full-b", "cut-b"])
    docs[1].removed = [Removal("x", "广告"), Removal("y", "导航")]  # more removals than full-b
    step = Dedup()
    for d in docs:
        step.prepare(d)
    step.fit(docs)
    out = [step.apply(d) for d in docs]
    assert [d.status for d in out] == ["duplicate", "duplicate", "kept", "duplicate"]
    rep = out[2]
    assert all(d.duplicate_of == rep.id for d in out if d.status == "duplicate")
    assert rep.duplicates == ["cut-a", "full-a", "cut-b"]  # input order
    assert out[1].reason == "exact"
    assert out[0].reason is not None and out[0].reason.startswith("contained:")
    assert out[3].reason == out[0].reason  # an exact copy of a contained copy: same relation


def test_state_holds_only_merged_documents_and_applies_as_the_full_state(seeds, monkeypatch):
    """The kept state covers duplicates and their representatives only; every document,
    merged or not, comes out of apply as it does with the state over every document."""
    import copy

    from lawrpt_corpus.dedup import step as step_module

    base = seeds[2]
    cut = base[: int(len(base) * 0.7)]
    texts = [seeds[0], cut, seeds[1], base, seeds[3], base, seeds[4], cut]
    docs = _docs(texts, [f"s{i}" for i in range(len(texts))])
    docs[3].page = PageMeta(url="https://www.gov.cn/a.html")

    def fitted(compact: bool) -> tuple[Dedup, list[Document]]:
        if not compact:
            monkeypatch.setattr(step_module, "_involved_only", lambda st: st)
        step = Dedup()
        ds = copy.deepcopy(docs)
        for d in ds:
            step.prepare(d)
        step.fit(ds)
        monkeypatch.undo()
        return step, [step.apply(d) for d in ds]

    compact, got = fitted(True)
    full, want = fitted(False)
    assert compact.state is not None and full.state is not None
    assert full.state.seq.tolist() == list(range(len(texts)))
    assert compact.state.seq.tolist() == [1, 3, 5, 7]  # the base report, its copy and cuts
    assert compact.stats() == full.stats() and compact.stats()["documents"] == len(texts)
    assert [d.status for d in got].count("duplicate") == 3
    assert [(d.status, d.duplicate_of, d.reason, d.duplicates, d.page, d.text) for d in got] == [
        (d.status, d.duplicate_of, d.reason, d.duplicates, d.page, d.text) for d in want
    ]


def test_same_bytes_twice_are_told_apart_by_seq_not_id(seeds):
    docs = _docs([seeds[0], seeds[0]], ["a", "a"])
    docs[1].raw_sha256 = docs[0].raw_sha256
    step = Dedup()
    for d in docs:
        step.prepare(d)
    step.fit(docs)
    out = [step.apply(d) for d in docs]
    assert [d.status for d in out] == ["kept", "duplicate"]
    assert out[0].duplicates == ["a"]


def test_every_reason_has_the_manifest_format_and_stats_count_clusters(seeds):
    base = seeds[0]
    texts = [
        base,
        base.replace("，", ","),
        base[: int(len(base) * 0.65)],
        base.replace("。", "。本单位高度重视。", 3),
        seeds[1],
    ]
    step = Dedup()
    out = _run(texts, step)
    reasons = [d.reason for d in out if d.status == "duplicate"]
    assert len(reasons) == 3 and all(r and REASON.match(r) for r in reasons)
    stats = step.stats()
    assert stats["exact"] + stats["near"] + stats["contained"] == 3
    assert stats["clusters"] == 1
    (cluster,) = stats["largest_clusters"]
    # the edited copy has three more sentences: it is the most complete version
    assert cluster["size"] == 4 and cluster["source"] == "d3.txt"
    assert [m["source"] for m in cluster["members"]] == ["d0.txt", "d1.txt", "d2.txt"]
    assert [m["reason"] for m in cluster["members"]] == reasons


def test_documents_without_prepared_features_and_degenerate_texts_are_handled(seeds):
    texts = ["——。、", "——。、", "短", seeds[0], seeds[0]]
    out = _run(texts, prepare=False)
    assert [d.status for d in out] == ["kept", "duplicate", "kept", "kept", "duplicate"]


def test_an_empty_corpus_and_a_single_document_are_fine():
    step = Dedup()
    step.fit([])
    assert step.stats()["documents"] == 0 and step.stats()["largest_clusters"] == []
    (doc,) = _run(["只有一份文件。"])
    assert doc.kept and doc.duplicates == []


def test_out_of_order_seq_is_refused():
    docs = _docs(["甲乙丙", "丁戊己"])
    docs[1].seq = 0
    with pytest.raises(ValueError, match="seq"):
        Dedup().fit(docs)


def test_tiny_verification_budget_gives_the_same_result_with_more_passes(seeds):
    base = seeds[3]
    texts = [base, base[: int(len(base) * 0.7)], seeds[4], seeds[4].replace("。", "。另外。", 2)]
    big, small = Dedup(), Dedup(verify_budget=1)
    a, b = _run(texts, big), _run(texts, small)
    assert [(d.status, d.reason, d.duplicate_of) for d in a] == [
        (d.status, d.reason, d.duplicate_of) for d in b
    ]
    assert small.passes > big.passes


def test_star_round_pairs_among_just_verified_documents_need_no_new_pass(seeds):
    """The last verification batch's shingle sets stay cached for the star rounds (and are
    released when the fit ends): asking for a pair among those documents reads nothing."""
    sents = [s for s in re.split(r"(?<=。)", "".join(seeds)) if len(s) > 20][:40]
    texts = ["".join(sents[0:20]), "".join(sents[3:23]), "".join(sents[6:26])]
    step = Dedup()
    docs = _docs(texts)
    for d in docs:
        step.prepare(d)
    cols = step._collect(docs)
    step._seq = cols["seq"]

    class Replay:
        passes = 0

        def __iter__(self):  # type: ignore[no-untyped-def]
            Replay.passes += 1
            return iter(docs)

    known = VerifiedPairs(len(docs))
    step._verify(Replay(), cols["n_sh"], [(0, 1), (1, 2)], known)
    step._verify(Replay(), cols["n_sh"], [(0, 2)], known)
    assert Replay.passes == 1
    sets = [step.verify_set(comparison_key(t)) for t in texts]
    assert known[(0, 2)] == step.compare(sets[0], sets[2])
    step.fit(docs)
    assert step._sets == {}


def test_signatures_are_released_before_the_verification_passes(seeds, monkeypatch):
    """The signature matrix (4 · num_perm bytes per document) is read by the LSH phase only:
    no reference to it is left while the shingle sets are read, and the merges are those of
    a fit that re-applies the estimate filter to the candidates (it keeps all of them)."""
    import gc
    import weakref

    base = seeds[3]
    texts = [base, base[: int(len(base) * 0.7)], seeds[4], seeds[4].replace("。", "。另外。", 2)]
    refs: list[weakref.ref[np.ndarray]] = []
    alive_in_verify: list[bool] = []
    collect, verify = Dedup._collect, Dedup._verify

    def spy_collect(self, docs):  # type: ignore[no-untyped-def]
        cols = collect(self, docs)
        refs.append(weakref.ref(cols["sig"]))
        return cols

    def spy_verify(self, docs, n_sh, pairs, known):  # type: ignore[no-untyped-def]
        gc.collect()
        alive_in_verify.append(refs[-1]() is not None)
        return verify(self, docs, n_sh, pairs, known)

    monkeypatch.setattr(Dedup, "_collect", spy_collect)
    monkeypatch.setattr(Dedup, "_verify", spy_verify)
    got = _run(texts)
    assert alive_in_verify and not any(alive_in_verify)
    # the estimate filter keeps every candidate pair the LSH phase returned
    step = Dedup()
    docs = _docs(texts)
    for d in docs:
        step.prepare(d)
    cols = collect(step, docs)
    idx = np.arange(len(docs))
    keys, _ = step.candidate_pairs(cols["sig"], cols["n_sh"], idx, len(docs))
    lo, hi = step._estimate_filter(cols["sig"], cols["n_sh"], keys // len(docs), keys % len(docs))
    assert (lo * len(docs) + hi).tolist() == keys.tolist() and keys.size
    assert [d.status for d in got].count("duplicate") == 2


def test_signature_is_a_pure_function_of_the_text(seeds):
    key = comparison_key(seeds[0])
    s1 = minhash(shingle_hashes(key, 5), 128)
    s2 = minhash(shingle_hashes(key, 5), 128)
    assert s1.dtype == np.uint32 and s1.shape == (128,)
    assert np.array_equal(s1, s2)
    assert np.all(minhash(shingle_hashes("", 5), 128) == 0xFFFFFFFF)


# -- end to end ---------------------------------------------------------------------------
def _rows(folder: Path, sub: str) -> list[dict]:
    rows: list[dict] = []
    for f in sorted((folder / sub).glob("*.parquet")):
        rows.extend(pq.read_table(f).to_pylist())
    return rows


def _corpus(tmp_path: Path, seeds: list[str]) -> Path:
    src = tmp_path / "in"
    src.mkdir()
    base = seeds[0]
    (src / "a.txt").write_text(base, encoding="utf-8")
    (src / "b_bom.txt").write_bytes("\ufeff".encode() + base.encode("utf-8"))
    (src / "c_utf16.txt").write_bytes(b"\xff\xfe" + base.replace("，", ",").encode("utf-16-le"))
    (src / "d_trad.txt").write_text(opencc.OpenCC("s2t").convert(base), encoding="utf-8")
    (src / "e_cut.txt").write_text(base[: len(base) * 2 // 3], encoding="utf-8")
    for i, s in enumerate(seeds[1:]):
        (src / f"f{i}.txt").write_text(s, encoding="utf-8")
        (src / f"g{i}.txt").write_text(_shift_years(s, 1), encoding="utf-8")
    return src


@pytest.mark.slow
def test_build_merges_copies_in_other_encodings_and_is_identical_for_any_worker_count(
    tmp_path: Path, seeds
):
    src = _corpus(tmp_path, seeds)
    one, two = tmp_path / "one", tmp_path / "two"
    build([src], one, workers=1)
    build([src], two, engine=LocalEngine(2, batch_size=2))
    m1, m2 = _rows(one, "manifest"), _rows(two, "manifest")
    assert m1 == m2
    assert _rows(one, "data") == _rows(two, "data")
    by = {r["source"]: r for r in m1}
    rep_id = by["a.txt"]["id"]
    assert by["a.txt"]["status"] == "kept"
    for name in ("b_bom.txt", "c_utf16.txt", "d_trad.txt", "e_cut.txt"):
        assert by[name]["status"] == "duplicate" and by[name]["duplicate_of"] == rep_id, name
        assert REASON.match(by[name]["reason"])
    assert by["e_cut.txt"]["reason"].startswith("contained:")
    for i in range(len(seeds) - 1):
        assert by[f"f{i}.txt"]["status"] == by[f"g{i}.txt"]["status"] == "kept"
    kept = {r["source"]: r for r in _rows(one, "data")}
    assert kept["a.txt"]["duplicates"] == ["b_bom.txt", "c_utf16.txt", "d_trad.txt", "e_cut.txt"]


def test_default_pipeline_ends_with_dedup():
    assert isinstance(default_pipeline().steps[-1], Dedup)


# -- page fields carried to the representative (docs/dedup.md "Page fields") ----------------
def _page(tag: str, **kw: object) -> PageMeta:
    base: dict[str, object] = {
        "title": f"{tag}市2023年法治政府建设年度报告",
        "published": "2024-01-20",
        "site_id_code": "3404000001",
        "publisher": f"{tag}市人民政府",
        "url": f"http://www.{tag}.gov.cn/art/1.html",
        "attachments": [(f"/files/{tag}.pdf", f"{tag}.pdf")],
    }
    base.update(kw)
    return PageMeta(**base)  # type: ignore[arg-type]


def _merged(seeds: list[str], pages: list[PageMeta | None]) -> list[Document]:
    """Exact copies of one report with ``pages``: the first (lowest seq) is the kept row."""
    docs = _docs([seeds[0]] * len(pages))
    for doc, page in zip(docs, pages, strict=True):
        doc.page = page
    step = Dedup()
    step.fit(docs)
    out = [step.apply(d) for d in docs]
    assert [d.status for d in out] == ["kept"] + ["duplicate"] * (len(pages) - 1)
    return out


def test_kept_copy_without_page_takes_the_first_carrying_page_whole(seeds):
    a, b = _page("a"), _page("b")
    kept = _merged(seeds, [None, PageMeta(title="只有标题"), a, b])[0]
    assert kept.page == a  # the first merged copy whose page gives url/published/attachments


def test_kept_file_page_takes_the_three_row_fields_from_one_page_only(seeds):
    own = PageMeta(title="PDF 标题", author="区司法局")
    a = _page("a", url=None)  # a page without a url still gives published + attachments
    kept = _merged(seeds, [own, a, _page("b")])[0]
    assert kept.page is not None
    assert (kept.page.url, kept.page.published, kept.page.attachments) == (
        None,
        a.published,
        a.attachments,
    )  # never b's url mixed into a's fields
    assert (kept.page.title, kept.page.author, kept.page.site_id_code) == (
        "PDF 标题",
        "区司法局",
        None,
    )


def test_kept_copy_with_its_own_url_keeps_its_page(seeds):
    own = PageMeta(url="http://www.c.gov.cn/c.pdf")
    kept = _merged(seeds, [own, _page("a")])[0]
    assert kept.page == PageMeta(url="http://www.c.gov.cn/c.pdf")


def test_merge_without_any_page_leaves_the_page_empty(seeds):
    out = _merged(seeds, [None, None, PageMeta(title="标题")])
    assert out[0].page is None


def test_page_bytes_round_trip_and_are_empty_for_pages_without_row_fields() -> None:
    page = _page("a", attachments=[("/x.pdf", "附件\ud800"), ("/y.ofd", "")], column="年报")
    assert page_from_bytes(page_bytes(page)) == page
    assert page_bytes(None) == b"" and page_bytes(PageMeta(title="t", author="a")) == b""


def _restricted(st, keep: np.ndarray):
    """``st`` restricted to the documents ``keep`` (sorted indices: whole clusters),
    re-indexed: the state a fit over those documents alone gives."""
    from dataclasses import replace

    new = np.full(st.seq.size, -1, dtype=np.int64)
    new[keep] = np.arange(keep.size)
    rep = st.dup_rep[keep]
    sources = [st.src_blob[st.src_off[i] : st.src_off[i + 1]] for i in keep.tolist()]
    mine = np.isin(st.by_rep, keep)
    carry = np.isin(st.carry_idx, keep)
    pages = [st.carry_blob[st.carry_off[k] : st.carry_off[k + 1]] for k in np.flatnonzero(carry)]
    return replace(
        st,
        seq=st.seq[keep],
        ids=st.ids[keep],
        dup_rep=np.where(rep >= 0, new[np.maximum(rep, 0)], -1),
        dup_kind=st.dup_kind[keep],
        dup_sim=st.dup_sim[keep],
        by_rep=new[st.by_rep[mine]],
        by_rep_key=new[st.by_rep_key[mine]],
        src_blob=b"".join(sources),
        src_off=np.concatenate([[0], np.cumsum([len(s) for s in sources])]).astype(np.int64),
        carry_idx=new[st.carry_idx[carry]],
        carry_blob=b"".join(pages),
        carry_off=np.concatenate([[0], np.cumsum([len(p) for p in pages])]).astype(np.int64),
        stats={},
    )


def test_states_of_groups_of_clusters_merge_into_the_state_of_one_fit(seeds):
    """The cluster fit fits groups of whole components in tasks and merges their states
    (``merge_states``, ``Dedup.merged_state``): split a fit's state by cluster into parts
    in any order, merged they are that state again, with its stats."""
    from lawrpt_corpus.dedup.step import merge_states

    texts, names = [], []
    for k, base in enumerate(seeds[:5]):
        cut = base[: int(len(base) * 0.7)]
        texts += [cut, base, _shift_years(base, 30), base, cut]
        names += [f"s{k}-{i}" for i in range(5)]
    docs = _docs(texts, names)
    docs[3].page = PageMeta(url="https://www.gov.cn/a.html")  # carried to its representative
    docs[13].page = PageMeta(url="https://www.gov.cn/b.html", published="2024-01-02")
    step = Dedup()
    for d in docs:
        step.prepare(d)
    st = step.fit(docs)
    assert st.carry_idx.size == 2 and st.stats["clusters"] >= 5
    clusters: dict[int, list[int]] = {}
    for i in range(st.seq.size):
        rep = int(st.dup_rep[i])
        clusters.setdefault(i if rep < 0 else rep, []).append(i)
    groups = list(clusters.values())
    random.Random(5).shuffle(groups)
    parts = [
        _restricted(st, np.array(sorted(x for g in groups[k::3] for x in g))) for k in range(3)
    ]
    merged = merge_states([parts[2], parts[0], parts[1]])
    for name in ("seq", "ids", "dup_rep", "dup_kind", "dup_sim", "by_rep", "by_rep_key"):
        got, want = getattr(merged, name), getattr(st, name)
        assert got.dtype == want.dtype and got.tolist() == want.tolist(), name
    assert (merged.src_blob, merged.src_off.tolist()) == (st.src_blob, st.src_off.tolist())
    assert merged.carry_idx.tolist() == st.carry_idx.tolist()
    assert (merged.carry_blob, merged.carry_off.tolist()) == (st.carry_blob, st.carry_off.tolist())
    again = Dedup().merged_state(
        parts,
        st.stats["documents"],
        st.stats["lsh_candidate_pairs"],
        st.stats["verified_pairs"],
        st.stats["passes"],
    )
    assert again.stats == st.stats
    assert merge_states([]).seq.size == 0
    with pytest.raises(ValueError, match="share documents"):
        merge_states([parts[0], parts[0]])


@pytest.mark.parametrize("pool", ["none", "serial", "processes"])
def test_verification_sets_read_in_worker_processes_give_the_same_fit(seeds, tmp_path, pool):
    """A replay with a pool hands Dedup's verification passes to it (``map_kept``: the
    workers read the pieces and compute the sets of the wanted seqs): the same merges, the
    same passes, as a fit over the documents themselves."""
    from lawrpt_corpus.engines.base import Replay, Spill, pickle_batch
    from lawrpt_corpus.engines.local import ProcessTaskPool
    from lawrpt_corpus.pipeline import SerialPool

    a, b, c = seeds[1], seeds[3], seeds[4]
    texts = [a, b, b[: int(len(b) * 0.7)], c, a + "\n完", c.replace("。", "。另外。", 2), seeds[0]]
    texts += [seeds[2], b + "\n附件", c[: int(len(c) * 0.8)]]
    budget = 2 * max(len(t) for t in texts)  # a few documents' sets per pass: several passes

    def fitted(docs: object, step: Dedup) -> list[tuple[object, ...]]:
        step.fit(docs)  # type: ignore[arg-type]
        out = [step.apply(d) for d in _docs(texts)]
        return [(d.status, d.reason, d.duplicate_of, tuple(d.duplicates)) for d in out]

    plain = Dedup(verify_budget=budget)
    docs = _docs(texts)
    for d in docs:
        plain.prepare(d)
    spill = Spill(tmp_path / "spill", chunk_size=3)
    for start in range(0, len(docs), 2):
        spill.append_pickled(2, pickle_batch(docs[start : start + 2]))
    want = fitted(docs, plain)
    step = Dedup(verify_budget=budget)
    pools = {"none": None, "serial": SerialPool(), "processes": ProcessTaskPool(2)}
    replay = Replay(spill, [step], pool=pools[pool])
    assert fitted(replay.kept(0), step) == want
    assert [r[0] for r in want].count("duplicate") >= 3  # near, contained and exact merges
    assert step.passes == plain.passes > 2
    assert step.stats() == plain.stats()
