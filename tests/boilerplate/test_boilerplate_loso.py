"""The real-site label set and the leave-one-site-out harness (benchmarks/boilerplate_loso.py),
at a small size; the full figures are in docs/boilerplate.md."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "benchmarks"))

import boilerplate_labels  # noqa: E402
import boilerplate_loso as loso  # noqa: E402

#: the categories of the site-string files (tests/data/boilerplate/README.md)
CATEGORIES = {"advertising", "chrome", "copyright", "paywall", "structure", "watermark", "widget"}


def test_label_set_has_real_strings_of_30_sites_and_3000_lines() -> None:
    sites = loso.load_sites()
    assert len({s.site for s in sites}) >= 30
    assert all(s.url.startswith("http") for s in sites), "every real string has its page"
    assert {s.category for s in sites} >= {"chrome", "advertising", "paywall", "watermark"}
    n = len(sites) + len(loso.load_keep()) + len(loso.load_handwritten())
    assert n >= 3000
    kinds = {k for k, _, _ in loso.load_keep()}
    assert {"signature-date", "attachment", "numbered", "table", "short-heading"} <= kinds


def _fifth_round_sites() -> set[str]:
    text = (loso.DATA / "sites.tsv").read_text(encoding="utf-8")
    block = text.split("# Added in #18's fifth round", 1)[1]
    return {ln.split("\t")[1] for ln in block.splitlines() if "\t" in ln and ln[0] != "#"}


def test_fifth_round_sites_are_the_odd_half_of_the_host_split_and_new() -> None:
    # session 22 split the hosts with the collector of a separate frozen test set: this
    # file takes only hosts whose sha1 starts with an odd byte, the other set the even ones
    import hashlib

    def host(site: str) -> str:
        h = site.lower()
        for prefix in ("m.", "www."):
            h = h.removeprefix(prefix)
        return h

    new = _fifth_round_sites()
    assert len(new) >= 30
    assert all(hashlib.sha1(host(s).encode()).digest()[0] % 2 == 1 for s in new)
    earlier = {s.site for s in loso.load_sites() if s.site not in new}
    assert not new & earlier, "a fifth-round site is an earlier sites.tsv site"


def _training_block(start: str, end: str | None, heldout: list[Path]) -> list[loso.SiteString]:
    """The strings of one round's block of sites.tsv (from the comment ``start`` to ``end``),
    checked: the odd half of the sha1 host split, well-formed rows, and no host (site column
    or page URL) or folded string in an earlier block or in the ``heldout`` files."""
    import hashlib

    text = (loso.DATA / "sites.tsv").read_text(encoding="utf-8")
    block = text.split(start, 1)[1]
    if end is not None:
        block = block.split(end, 1)[0]
    rows = [ln.split("\t") for ln in block.splitlines() if "\t" in ln and ln[0] != "#"]
    new = [loso.SiteString(*r) for r in rows]
    sites = {s.site for s in new}
    assert {s.category for s in new} <= CATEGORIES
    assert {s.position for s in new} <= {"head", "tail", "inline", "body"}
    assert all(s.text and s.text == s.text.strip() for s in new)
    assert all(s.url.startswith("http") and _page_host(s.url) == s.site for s in new)
    assert all(hashlib.sha1(site.encode()).digest()[0] % 2 == 1 for site in sites)
    earlier = [s for s in loso.load_sites() if s.site not in sites]
    for path in heldout:
        earlier += loso.load_sites(path)
    earlier_hosts = {_page_host(s.url) for s in earlier} | {s.site for s in earlier}
    assert not sites & earlier_hosts
    folded = {loso.fold(s.text) for s in earlier}
    assert sum(loso.fold(s.text) in folded for s in new) == 0, "a new string is in another file"
    return new


def test_seventh_round_sites_are_the_odd_half_new_to_every_file() -> None:
    # session 24: the training block takes the odd half of the sha1 host split (another helper
    # collects a frozen test set from the even half); no host and no folded string of it is in
    # an earlier block of sites.tsv or in the held-out files that existed then
    heldout = [loso.DATA / f"sites_heldout{n}.tsv" for n in ("", "2", "3", "4")]
    new = _training_block(
        "# Added in #18's seventh round", "# Added in #18's eighth round", heldout
    )
    assert len({s.site for s in new}) >= 25 and len(new) >= 80
    assert sum(s.category == "paywall" for s in new) >= 20


def test_eighth_round_sites_are_the_odd_half_new_to_every_file() -> None:
    # session 25: saved pages kept as test data in public repositories, the odd half of the
    # sha1 host split (another helper collects a frozen set from the even half); no host and no
    # folded string of it is in an earlier block or in any held-out file, later ones too;
    # mostly widget strings, the kind the sixth set missed on single documents
    heldout = sorted(loso.DATA.glob("sites_heldout*.tsv"))
    assert len(heldout) >= 5
    new = _training_block("# Added in #18's eighth round", "# Added in #18's ninth round", heldout)
    assert len({s.site for s in new}) >= 25 and len(new) >= 100
    assert len({loso.fold(s.text) for s in new}) == len(new)
    assert sum(s.category == "widget" for s in new) >= 50


def test_ninth_round_sites_are_the_odd_half_new_to_every_file() -> None:
    # session 26: forum and social walls and watermarks (saved page copies and clippings,
    # scrapers naming a site, the pages corpus), the odd half of the sha1 host split; no host
    # and no folded string of it is in an earlier block or in any held-out file
    heldout = sorted(loso.DATA.glob("sites_heldout*.tsv"))
    assert len(heldout) >= 6
    new = _training_block("# Added in #18's ninth round", "# Added in #18's tenth round", heldout)
    assert len({s.site for s in new}) >= 25 and len(new) >= 55
    assert len({loso.fold(s.text) for s in new}) == len(new)
    walls_and_marks = [s for s in new if s.category in ("paywall", "watermark")]
    assert len(walls_and_marks) >= 30


def test_tenth_round_sites_are_the_odd_half_new_to_every_file() -> None:
    # session 26: advertising and copyright strings of 范文/文库/news/blog sites, the odd half of
    # the sha1 host split (another helper collects a frozen set from the even half); no host
    # and no folded string of it is in an earlier block or in any held-out file
    heldout = sorted(loso.DATA.glob("sites_heldout*.tsv"))
    new = _training_block("# Added in #18's tenth round", None, heldout)
    assert len({s.site for s in new}) >= 25 and len(new) >= 50
    assert len({loso.fold(s.text) for s in new}) == len(new)
    assert sum(s.category in ("advertising", "copyright") for s in new) >= 20


def test_keep_lines_file_is_what_the_script_writes() -> None:
    assert boilerplate_labels.main(["--check"]) == 0


def test_sites_sharing_a_string_fall_in_one_fold() -> None:
    sites = loso.load_sites()
    groups = loso.site_groups(sites)
    folds = loso.make_folds(sites, 5)
    fold_of = {g: f for f, gs in enumerate(folds) for g in gs}
    by_text: dict[str, set[int]] = {}
    for s in sites:
        by_text.setdefault(loso.fold(s.text), set()).add(fold_of[groups[s.site]])
    assert all(len(f) == 1 for f in by_text.values())
    assert sorted(g for gs in folds for g in gs) == sorted(set(groups.values()))


def test_a_folds_training_lines_never_hold_its_sites_strings_or_its_seed() -> None:
    sites = loso.load_sites()
    groups = loso.site_groups(sites)
    fold0 = set(loso.make_folds(sites, 5)[0])
    held = {loso.fold(s.text) for s in sites if groups[s.site] in fold0}
    train = loso.training_lines(sites, fold0, 0)
    assert not [t.text for t in train if loso.fold(t.text) in held]
    assert not [t for t in train if t.group == "seed:000" or t.group in fold0]
    assert {t.label for t in train} == {0, 1}


def test_dressing_places_strings_the_way_sites_do() -> None:
    import random

    paragraph = "第一段" + "内容很长的正文" * 10 + "。"
    body = loso.Body(["标题", paragraph, "二、存在问题", "落款单位"], "t")
    s = [
        loso.SiteString("chrome", "x", "gov", "head", "当前位置：首页", "http://x"),
        loso.SiteString("chrome", "x", "gov", "tail", "网站地图", "http://x"),
        loso.SiteString("watermark", "x", "gov", "inline", "本文来自x网www.x.com", "http://x"),
    ]
    even = loso.dress(body, s, 0, random.Random(0)).text.split("\n")
    odd = loso.dress(body, s, 1, random.Random(0)).text.split("\n")
    assert even[0] == "当前位置：首页" and odd[0] == "标题" and odd[1] == "当前位置：首页"
    assert even[-2] == "网站地图"
    glued = [ln for ln in even if "本文来自x网" in ln]
    assert glued and glued[0] != "本文来自x网www.x.com"  # inside a paragraph


@pytest.mark.parametrize("use_score", [False, True], ids=["rules", "rules+score"])
def test_small_leave_one_site_out_run_reports_recall_and_body_loss(use_score: bool) -> None:
    trainer = None
    if use_score:
        from train_boilerplate_score import train

        trainer = train
    res = loso.evaluate(
        k=5,
        docs_per_site=2,
        clean_docs=1,
        generated=1,
        trainer=trainer,
        use_score=use_score,
        max_folds=1,
    )
    single, corpus = res["single_document"], res["with_corpus"]
    assert single["noise"] > 50 and single["body_lines"] > 100
    assert 0.0 < single["recall"] <= corpus["recall"] <= 1.0
    assert corpus["body_lost_share"] <= 0.001
    assert set(single["per_category"]) <= CATEGORIES
    if use_score:
        assert res["trained_per_fold"]
    # the third column: the same pages given their site's URL (the site-repeat layer), on
    # the same documents, so the first two columns are what they were without it
    urls = res["with_corpus_urls"]
    assert urls["noise"] == corpus["noise"] and urls["body_lines"] == corpus["body_lines"]
    assert corpus["recall"] <= urls["recall"] and urls["body_lost_share"] <= 0.001
    assert "corpus_urls" in res["per_fold"][0]


def test_pages_are_served_at_their_sites_url() -> None:
    body = loso.bodies_of_all_seeds(0, 1)[0]
    site = loso.load_sites()[0]
    page = loso.dress(body, [site], 0, loso.random.Random(0))
    assert loso.page_url(page, 7) == f"https://{site.site}/7.html"
    undressed = loso.dress(body, [], 0, loso.random.Random(0))
    assert loso.page_url(undressed, 3) == f"https://{loso.PLAIN_HOST}/3.html"
    no_urls = loso.evaluate(
        k=5, docs_per_site=1, clean_docs=0, generated=1, max_folds=1, urls=False
    )
    assert "with_corpus_urls" not in no_urls


def test_default_bodies_are_unrelated_reports_one_per_page() -> None:
    # the corpus layers wait for evidence from unrelated reports: the default harness must
    # give each page a report of its own, recombined from every seed
    bodies = loso.bodies_of_all_seeds(0, 12)
    assert len(bodies) == 12
    assert len({"\n".join(b.lines) for b in bodies}) == 12
    firsts = [set(b.lines) for b in bodies]
    shared = sum(len(a & b) / max(1, min(len(a), len(b))) >= 0.5 for a in firsts for b in firsts)
    assert shared == len(firsts), "no two reports share half their lines"


def test_second_test_set_is_real_strings_of_25_new_sites_sharing_none_with_sites_tsv() -> None:
    heldout = loso.load_sites(loso.DATA / "sites_heldout.tsv")
    train = loso.load_sites()
    assert len(heldout) >= 150
    assert len({s.site for s in heldout}) >= 25
    assert not {s.site for s in heldout} & {s.site for s in train}
    assert not {loso.fold(s.text) for s in heldout} & {loso.fold(s.text) for s in train}
    assert all(s.url.startswith("http") for s in heldout)
    parts = {loso.heldout_part(s.site) for s in heldout}
    assert parts == {"untouched", "tune"}


def test_third_test_set_is_real_strings_of_25_sites_in_neither_file_all_untouched() -> None:
    third = loso.load_sites(loso.DATA / "sites_heldout2.tsv")
    earlier = loso.load_sites() + loso.load_sites(loso.DATA / "sites_heldout.tsv")
    assert len(third) >= 120
    assert len({s.site for s in third}) >= 25
    assert not {s.site for s in third} & {s.site for s in earlier}
    assert not {loso.fold(s.text) for s in third} & {loso.fold(s.text) for s in earlier}
    assert all(s.url.startswith("http") for s in third)
    assert {loso.heldout_part(s.site, "sites_heldout2.tsv") for s in third} == {"untouched"}


def test_fourth_test_set_is_real_strings_of_30_sites_in_no_earlier_file_all_untouched() -> None:
    import hashlib
    from urllib.parse import urlsplit

    fourth = loso.load_sites(loso.DATA / "sites_heldout3.tsv")
    earlier = (
        loso.load_sites()
        + loso.load_sites(loso.DATA / "sites_heldout.tsv")
        + loso.load_sites(loso.DATA / "sites_heldout2.tsv")
    )
    assert len(fourth) >= 120
    sites = {s.site for s in fourth}
    assert len(sites) >= 30
    assert not sites & {s.site for s in earlier}
    assert not {loso.fold(s.text) for s in fourth} & {loso.fold(s.text) for s in earlier}
    assert all(s.text and s.text == s.text.strip() for s in fourth)
    assert {s.category for s in fourth} <= CATEGORIES
    assert {s.position for s in fourth} <= {"head", "tail", "inline", "body"}

    def host(url: str) -> str:
        h = (urlsplit(url).hostname or "").lower()
        for prefix in ("m.", "www."):
            h = h.removeprefix(prefix)
        return h

    # every string's site is its page's host, and the hosts are the even half of the
    # session-22 split (the odd half went to the training collection at the same time)
    assert all(s.url.startswith("http") and host(s.url) == s.site for s in fourth)
    assert all(hashlib.sha1(site.encode()).digest()[0] % 2 == 0 for site in sites)
    # a site of an earlier file is not in it under another name either (fx361.com is fx361.cc)
    assert not {host(s.url) for s in fourth} & (
        {host(s.url) for s in earlier} | {s.site for s in earlier}
    )
    assert {loso.heldout_part(s.site, "sites_heldout3.tsv") for s in fourth} == {"untouched"}


def _page_host(url: str) -> str:
    from urllib.parse import urlsplit

    h = (urlsplit(url).hostname or "").lower()
    for prefix in ("m.", "www."):
        h = h.removeprefix(prefix)
    return h


def _assert_frozen_even_half_set(
    name: str, earlier_files: tuple[str, ...]
) -> list[loso.SiteString]:
    """A frozen set of sessions 23+: >= 120 real strings of >= 30 sites from the even half of the
    sha1 host split, no host (site column or page URL) and no folded string of an earlier file,
    every site in the untouched part. Returns the set's strings."""
    import hashlib

    frozen = loso.load_sites(loso.DATA / name)
    earlier = [s for f in earlier_files for s in loso.load_sites(loso.DATA / f)]
    assert len(frozen) >= 120
    sites = {s.site for s in frozen}
    assert len(sites) >= 30
    assert all(s.text and s.text == s.text.strip() for s in frozen)
    assert {s.category for s in frozen} <= CATEGORIES
    assert {s.position for s in frozen} <= {"head", "tail", "inline", "body"}
    assert all(s.url.startswith("http") and _page_host(s.url) == s.site for s in frozen)
    assert all(hashlib.sha1(site.encode()).digest()[0] % 2 == 0 for site in sites)
    earlier_hosts = {_page_host(s.url) for s in earlier} | {s.site for s in earlier}
    assert not sites & earlier_hosts
    assert not {_page_host(s.url) for s in frozen} & earlier_hosts
    assert not {loso.fold(s.text) for s in frozen} & {loso.fold(s.text) for s in earlier}
    assert name in loso.ALL_UNTOUCHED
    assert {loso.heldout_part(s.site, name) for s in frozen} == {"untouched"}
    return frozen


def test_fifth_test_set_is_real_strings_of_30_sites_in_no_earlier_file_all_untouched() -> None:
    # session 23's frozen set: the even half of that session's sha1 host split, collected while
    # the training collection took the odd half
    earlier = ("sites.tsv", "sites_heldout.tsv", "sites_heldout2.tsv", "sites_heldout3.tsv")
    _assert_frozen_even_half_set("sites_heldout4.tsv", earlier)


def test_sixth_test_set_is_real_strings_of_30_sites_in_no_earlier_file_all_untouched() -> None:
    # session 24's frozen set: the even half of the sha1 host split again, from sources the
    # earlier collections had not used (saved pages kept as test data in public repositories,
    # site strings named in public code); the categories the earlier sets lacked are there in
    # number
    from collections import Counter

    earlier = (
        "sites.tsv",
        "sites_heldout.tsv",
        "sites_heldout2.tsv",
        "sites_heldout3.tsv",
        "sites_heldout4.tsv",
    )
    sixth = _assert_frozen_even_half_set("sites_heldout5.tsv", earlier)
    counts = Counter(s.category for s in sixth)
    assert min(counts["paywall"], counts["advertising"], counts["structure"]) >= 15


def test_seventh_test_set_is_real_strings_of_30_sites_in_no_earlier_file_all_untouched() -> None:
    # session 25's frozen set: the even half of the sha1 host split, disjoint (hosts, page hosts,
    # folded strings) from every earlier site file, the generated structure set included, and
    # from the hand-written training lines; paywall, advertising, widget and structure strings
    # are there in number
    from collections import Counter

    earlier = (
        "sites.tsv",
        "sites_heldout.tsv",
        "sites_heldout2.tsv",
        "sites_heldout3.tsv",
        "sites_heldout4.tsv",
        "sites_heldout5.tsv",
        "structure_generated.tsv",
    )
    seventh = _assert_frozen_even_half_set("sites_heldout6.tsv", earlier)
    assert len(seventh) >= 150
    counts = Counter(s.category for s in seventh)
    assert min(counts[c] for c in ("paywall", "advertising", "widget", "structure")) >= 15
    handwritten = {loso.fold(text) for _, _, _, text in loso.load_handwritten()}
    assert not {loso.fold(s.text) for s in seventh} & handwritten


def test_eighth_test_set_is_real_strings_of_30_sites_in_no_earlier_file_all_untouched() -> None:
    # session 26's frozen set: the even half of the sha1 host split, disjoint (hosts, page hosts,
    # folded strings) from every earlier site file, both generated structure sets included, and
    # from the hand-written training lines; advertising, widget, watermark and structure strings
    # are there in number, paywall as far as the unused real pages had them
    from collections import Counter

    earlier = (
        "sites.tsv",
        "sites_heldout.tsv",
        "sites_heldout2.tsv",
        "sites_heldout3.tsv",
        "sites_heldout4.tsv",
        "sites_heldout5.tsv",
        "sites_heldout6.tsv",
        "structure_generated.tsv",
        "structure_generated2.tsv",
    )
    eighth = _assert_frozen_even_half_set("sites_heldout7.tsv", earlier)
    assert len(eighth) >= 150
    assert len({loso.fold(s.text) for s in eighth}) == len(eighth)
    counts = Counter(s.category for s in eighth)
    assert min(counts[c] for c in ("advertising", "widget", "watermark", "structure")) >= 10
    assert counts["paywall"] >= 8
    handwritten = {loso.fold(text) for _, _, _, text in loso.load_handwritten()}
    assert not {loso.fold(s.text) for s in eighth} & handwritten


def test_heldout_run_trains_on_tune_part_never_on_fold_or_untouched_strings() -> None:
    from train_boilerplate_score import train

    seen: list[list[loso.Labeled]] = []

    def trainer(lines: list[loso.Labeled]) -> object:
        seen.append(lines)
        return train(lines)

    res = loso.evaluate(
        k=5,
        docs_per_site=1,
        clean_docs=1,
        generated=1,
        trainer=trainer,
        max_folds=1,
        heldout=loso.DATA / "sites_heldout.tsv",
    )
    assert res["test_set"] == "sites_heldout.tsv"
    heldout_texts = {loso.fold(s.text) for s in loso.load_sites(loso.DATA / "sites_heldout.tsv")}
    train_sites = {s.site for s in loso.load_sites()} | {s.site for s in loso.tune_sites()}
    untouched = {
        loso.fold(s.text)
        for s in loso.load_sites(loso.DATA / "sites_heldout.tsv")
        if loso.heldout_part(s.site) == "untouched"
    }
    assert not any(loso.fold(ln.text) in untouched for ln in seen[0] if ln.label == 1)
    assert seen and all(
        ln.group in train_sites or ln.label == 0 or ln.group == "handwritten"
        for lines in seen
        for ln in lines
    )
    # the fold's own sites (and the untouched part) are never training lines
    fold_texts = {
        loso.fold(s.text)
        for s in loso.load_sites(loso.DATA / "sites_heldout.tsv")
        if s.site in set(res["per_fold"][0]["sites"])
    }
    assert not any(loso.fold(ln.text) in fold_texts for ln in seen[0] if ln.label == 1)
    assert heldout_texts
    assert res["with_corpus"]["missed_top"] == []
    for mode in res["parts"].get("untouched", {}).values():
        assert mode["missed_top"] == []
    assert 0.0 < res["single_document"]["recall"] <= 1.0
