#!/usr/bin/env python
"""Derive the site vocabulary of the template layer from the training labels (issue #18).

    python benchmarks/derive_site_words.py            # rewrites data/site_words.toml
    python benchmarks/derive_site_words.py --check    # exit 1 if the file is out of date
    python benchmarks/derive_site_words.py --report   # the words with their counts

``templates.prose_shape`` protects a line of report-prose shape from the template layer
unless it holds a *site word* (本站, 下载, 声明, 您 …): the evidence that a two-sentence
notice is a site's line after all. Session 25 chose the words by hand from a candidate list;
a new site's vocabulary outside that list left its notice protected. This script learns the
words from the labels by one rule, so a new training site's notice teaches its words:

* **notice strings**: the labeled strings of a site's own notices (advertising, paywall,
  copyright, widget, watermark: the lines ``prose_shape`` may wrongly protect) of the training
  files — ``sites.tsv`` and ``sites_heldout.tsv`` (set 2's strings are training data since
  #18's second round) and the ``bp`` lines of ``lines.tsv`` and ``holdout.tsv``; chrome and
  structure lines are labels, and their words (时间, 人民政府办公室) are report words too.
  **Keep lines**: ``keep.tsv`` (the seeds' report lines, titles, signatures …) and the
  ``keep`` lines of ``lines.tsv`` and ``holdout.tsv``. Never a frozen set
  (``sites_heldout2.tsv`` …);
* every text is folded as the pipeline sees it (NFKC, traditional to simplified, spaces
  removed: ``boilerplate_loso.fold``);
* a **candidate** is a run of 2 to 4 Han characters of a folded notice string, in 4 or more
  notice strings (``MIN_NOISE``) of 4 or more sites (``MIN_SITES``; a hand-written line counts
  as its file's site) — 8 sites (``NONWORD_MIN_SITES``) if jieba's dictionary does not list
  it as a word (页未 of 还剩…页未读 passes, 的文 does not);
* a candidate is a **site word** when it is in 4 times as many notice strings as keep lines
  or more (``RATIO``; session 25's thresholds were 4 and 4) and below 5,000 in jieba's word
  frequencies (``MAX_GENERAL_FREQ``): the keep lines of five seed reports cannot show that
  如果, 可以, 大家, 说明 or 显示 are report words too, the dictionary of general Chinese can
  (jieba, MIT, a test dependency already used by ``text/gen_hanzi_rank.py``). A single
  character is never a word on its own (这, 图 and 您 are equally absent from five reports);
* the list is **minimal**: a candidate holding a shorter site word adds nothing to the
  pattern (本站 makes 本站所有 redundant) and is dropped;
* each word is written with its traditional spelling (OpenCC ``s2t``), as the template layer
  sees the text unfolded.

The output (``src/lawrpt_corpus/boilerplate/data/site_words.toml``) records the inputs'
SHA-256, the thresholds and the counts of every word: the provenance of the data. The test
suite checks the file is what this script writes (``--check``).
"""

from __future__ import annotations

import argparse
import functools
import hashlib
import re
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "benchmarks"))

import boilerplate_loso as loso  # noqa: E402

DATA = ROOT / "tests" / "data" / "boilerplate"
OUT = ROOT / "src" / "lawrpt_corpus" / "boilerplate" / "data" / "site_words.toml"
#: the training label files: (file, how its noise strings and keep lines are read)
NOISE_SITES = ("sites.tsv", "sites_heldout.tsv")
LINE_FILES = ("lines.tsv", "holdout.tsv")
KEEP = ("keep.tsv",)
#: the categories of a site's own notices (the lines prose_shape may wrongly protect): chrome
#: (navigation labels, a government page's 索引号/发文机关 fields) and structure lines are
#: labels, not notices, and their words (时间, 人民政府办公室) are report words too
NOTICE_CATEGORIES = frozenset({"advertising", "paywall", "copyright", "widget", "watermark"})
MIN_NOISE = 4
RATIO = 4
MIN_SITES = 4
#: a word of general Chinese at least this frequent in jieba's dictionary is a report word too
#: (如果, 可以, 没有, 大家): the keep lines of five seed reports cannot show it, the dictionary can
MAX_GENERAL_FREQ = 5_000
#: a run the dictionary does not list (页未, 为大, 的文) is a word only if this many sites show it
NONWORD_MIN_SITES = 8
MIN_CHARS = 2
MAX_CHARS = 4
_HAN_RUN = re.compile(r"[\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff]+")


def _rows(path: Path) -> Iterable[list[str]]:
    for raw in path.read_text(encoding="utf-8").splitlines():
        if raw.strip() and not raw.startswith("#"):
            yield raw.split("\t")


def labels() -> tuple[dict[str, set[str]], list[str]]:
    """(folded noise string -> the sites showing it, folded keep lines) of the training label
    files; a hand-written line of ``lines.tsv``/``holdout.tsv`` counts as its file's site."""
    noise: dict[str, set[str]] = {}
    keep: set[str] = set()
    for name in NOISE_SITES:
        for s in loso.load_sites(DATA / name):
            if s.category in NOTICE_CATEGORIES:
                noise.setdefault(loso.fold(s.text), set()).add(s.site)
    for name in LINE_FILES:
        for row in _rows(DATA / name):
            if row[0] == "keep":
                keep.add(loso.fold(row[3]))
            elif row[1] in NOTICE_CATEGORIES:
                noise.setdefault(loso.fold(row[3]), set()).add(name)
    for name in KEEP:
        keep.update(loso.fold(row[2]) for row in _rows(DATA / name))
    noise.pop("", None)
    keep.discard("")
    return noise, sorted(keep)


def _grams(text: str) -> set[str]:
    out: set[str] = set()
    for run in _HAN_RUN.findall(text):
        for n in range(MIN_CHARS, MAX_CHARS + 1):
            out.update(run[i : i + n] for i in range(len(run) - n + 1))
    return out


def derive(noise: dict[str, set[str]], keep: list[str]) -> list[tuple[str, int, int]]:
    """``(word, noise strings, keep lines)`` of the minimal site vocabulary, by the rule."""
    df_noise: dict[str, int] = {}
    sites: dict[str, set[str]] = {}
    for text, where in noise.items():
        for g in _grams(text):
            df_noise[g] = df_noise.get(g, 0) + 1
            sites.setdefault(g, set()).update(where)
    general = _general_freq()
    cands = {
        g: n
        for g, n in df_noise.items()
        if n >= MIN_NOISE and len(sites[g]) >= (MIN_SITES if g in general else NONWORD_MIN_SITES)
    }
    df_keep = dict.fromkeys(cands, 0)
    for text in keep:
        for g in _grams(text):
            if g in df_keep:
                df_keep[g] += 1
    chosen: list[tuple[str, int, int]] = []
    for g in sorted(cands, key=lambda w: (len(w), w)):
        n, k = cands[g], df_keep[g]
        if n < RATIO * k or len(g) < MIN_CHARS or general.get(g, 0) >= MAX_GENERAL_FREQ:
            continue
        if any(w in g for w, _, _ in chosen):
            continue
        chosen.append((g, n, k))
    return sorted(chosen, key=lambda t: (-t[1], t[0]))


@functools.lru_cache(maxsize=1)
def _general_freq() -> dict[str, int]:
    """Word frequencies of general Chinese: jieba's dictionary (``jieba/dict.txt``, MIT; a
    test dependency, as for ``text/gen_hanzi_rank.py``)."""
    from importlib import resources

    import jieba

    out: dict[str, int] = {}
    for raw in resources.files(jieba).joinpath("dict.txt").read_text("utf-8").splitlines():
        parts = raw.split(" ")
        if len(parts) >= 2 and parts[1].isdigit():
            out[parts[0]] = int(parts[1])
    return out


@functools.lru_cache(maxsize=1)
def _s2t() -> Any:
    import opencc

    return opencc.OpenCC("s2t")


def _traditional(word: str) -> str:
    return str(_s2t().convert(word))


def _digest(names: Iterable[str]) -> str:
    h = hashlib.sha256()
    for name in names:
        h.update(name.encode())
        h.update((DATA / name).read_bytes())
    return h.hexdigest()


def render() -> str:
    noise, keep = labels()
    words = derive(noise, keep)
    spellings: list[str] = []
    for w, _, _ in words:
        for s in (w, _traditional(w)):
            if s not in spellings:
                spellings.append(s)
    # longest first: an alternation tries its branches in order
    pattern = "|".join(sorted(spellings, key=lambda s: (-len(s), s)))
    files = (*NOISE_SITES, *LINE_FILES, *KEEP)
    lines = [
        "# The site vocabulary of the template layer (templates.prose_shape), written by",
        "# benchmarks/derive_site_words.py from the training labels (do not edit by hand).",
        f"# Rule: a run of {MIN_CHARS}-{MAX_CHARS} Han characters of the folded notice strings",
        f"# ({', '.join(sorted(NOTICE_CATEGORIES))})"
        f" in >= {MIN_NOISE} strings of >= {MIN_SITES} sites",
        f"# (>= {NONWORD_MIN_SITES} sites if jieba's dictionary does not list it),"
        f" in >= {RATIO} x as many",
        f"# notice strings as keep lines, below {MAX_GENERAL_FREQ} in jieba's word"
        " frequencies; minimal",
        "# (a word holding a shorter one is dropped); with its traditional spelling (OpenCC s2t).",
        f"# Inputs: {', '.join(files)}",
        f"# ({len(noise)} notice strings, {len(keep)} keep lines; sha256 {_digest(files)})",
        "# Per word: notice strings / keep lines holding it.",
    ]
    for i in range(0, len(words), 6):
        chunk = words[i : i + 6]
        lines.append("#   " + "  ".join(f"{w} {n}/{k}" for w, n, k in chunk))
    lines += [
        "",
        "[[site_words]]",
        'id = "site.vocabulary"',
        'description = "UI, paywall, repost and disclaimer words of the training site strings, '
        f'by rule ({len(words)} words; benchmarks/derive_site_words.py)"',
        f"pattern = '{pattern}'",
        "",
    ]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--check", action="store_true", help="exit 1 if the file is out of date")
    ap.add_argument("--report", action="store_true", help="print the words and their counts")
    args = ap.parse_args(argv)
    text = render()
    if args.report:
        noise, keep = labels()
        for w, n, k in derive(noise, keep):
            print(f"{w}\t{n}\t{k}")
        return 0
    if args.check:
        current = OUT.read_text(encoding="utf-8") if OUT.exists() else ""
        if current != text:
            print(f"{OUT.relative_to(ROOT)} is out of date: run benchmarks/derive_site_words.py")
            return 1
        return 0
    OUT.write_text(text, encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
