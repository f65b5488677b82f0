"""Every compiled pattern of the package finishes on adversarial 1 MB lines in well under a
second: no catastrophic backtracking on a long line.

The test finds the patterns itself (module-level compiled ``re``/``regex`` patterns, and
those built by the stages' cached loaders), so a new pattern is covered automatically.
The boilerplate rule packs have their own test that iterates over every rule
(tests/boilerplate/test_boilerplate_rules.py).
"""

from __future__ import annotations

import importlib
import itertools
import pkgutil
import re
import time
from typing import Any

import pytest
import regex

import lawrpt_corpus

pytestmark = pytest.mark.slow

ONE_MB = 1 << 20
#: Characters that patterns of this package loop over: Han, CJK and ASCII punctuation,
#: digits, Latin, spaces, markers.
ALPHABET = (
    '法治年月日一二（）()，,。：:；;！!？?“”"《》<>〈〉…....--——0123456789AaXx#@/\\ \u3000\t|─'
)


def _patterns() -> list[tuple[str, Any]]:
    found: dict[int, tuple[str, Any]] = {}
    for mod_info in pkgutil.walk_packages(lawrpt_corpus.__path__, "lawrpt_corpus."):
        if "ray_engine" in mod_info.name or mod_info.name.endswith("__main__"):
            continue
        mod = importlib.import_module(mod_info.name)
        for name, value in vars(mod).items():
            candidates = [value]
            if isinstance(value, dict):
                candidates = list(value.values())
            elif isinstance(value, tuple | list):
                candidates = [v[1] if isinstance(v, tuple) and len(v) > 1 else v for v in value]
            for c in candidates:
                if isinstance(c, re.Pattern | regex.Pattern):
                    found.setdefault(id(c), (f"{mod_info.name}.{name}", c))
    # patterns built by cached loaders from the stages' data files
    from types import SimpleNamespace

    from lawrpt_corpus.boilerplate.protect import protect_patterns
    from lawrpt_corpus.boilerplate.templates import evidence_patterns, prose_formulas, site_words
    from lawrpt_corpus.metadata import issuer, step
    from lawrpt_corpus.metadata.extract import patterns as compiled
    from lawrpt_corpus.metadata.gazetteer import gazetteer

    for prefix, loaded in (
        ("boilerplate.protect", protect_patterns()),
        ("boilerplate.templates.prose", prose_formulas()),
        ("boilerplate.templates.evidence", evidence_patterns()),
        ("boilerplate.templates.site_words", site_words()),
    ):
        for pid, c in loaded:
            found.setdefault(id(c), (f"{prefix}.{pid}", c))

    titles = SimpleNamespace(
        title_prefix=step._title_prefix(),
        title_issuer=step._title_issuer(),
        bounded_input={"title_prefix": 60, "title_issuer": 60},  # run on title lines only
    )
    owners = (
        (compiled(), "metadata.compiled"),
        (gazetteer(), "metadata.gazetteer"),
        (issuer._P(), "metadata.issuer"),
        (titles, "metadata.step"),
    )
    for owner, prefix in owners:
        for name, value in vars(owner).items():
            values = value if isinstance(value, list) else [value]
            for v in values:
                c = v[-1] if isinstance(v, tuple) else v
                if isinstance(c, re.Pattern | regex.Pattern):
                    found.setdefault(id(c), (f"{prefix}.{name}", c))
                    BOUND[id(c)] = getattr(owner, "bounded_input", {}).get(name, ONE_MB)
    return sorted(found.values(), key=lambda item: item[0])


#: Patterns that the code only ever applies to a bounded slice (declared next to them, as
#: ``bounded_input``) are checked on slices of that length; all others on 1 MB.
BOUND: dict[int, int] = {}


PATTERNS = _patterns()


def _inputs() -> list[str]:
    runs = [ch * ONE_MB for ch in ALPHABET]
    pairs = [(a + b) * (ONE_MB // 2) for a, b in itertools.pairwise(ALPHABET)]
    mixed = (ALPHABET * (ONE_MB // len(ALPHABET) + 1))[:ONE_MB]
    return [*runs, *pairs[::6], mixed]


INPUTS = _inputs()
INPUTS_BYTES = [text.encode("utf-8")[:ONE_MB] for text in INPUTS]


def test_the_package_has_patterns_to_check() -> None:
    assert len(PATTERNS) > 30


@pytest.mark.parametrize(("name", "pattern"), PATTERNS, ids=[n for n, _ in PATTERNS])
def test_pattern_is_linear_on_adversarial_megabyte_lines(name: str, pattern: Any) -> None:
    worst = 0.0
    bound = BOUND.get(id(pattern), ONE_MB)
    for full in INPUTS_BYTES if isinstance(pattern.pattern, bytes) else INPUTS:
        text = full[:bound]
        t0 = time.process_time()
        for _ in pattern.finditer(text):
            pass
        worst = max(worst, time.process_time() - t0)
        assert worst < 1.0, f"{name} took {worst:.2f} s CPU on a 1 MB line"


# -- the boilerplate layers as a whole (blocks, templates, spans) on adversarial documents ---
def _layer_documents() -> list[str]:
    """1 MB documents: one line, many short lines, and lines dense with evidence."""
    short = "\n".join(("。", "Copyright", "追究法律责任", "版权所有，") * (ONE_MB // 40))
    evidence = ("www.a.com公众号范文网，" * (ONE_MB // 16))[:ONE_MB]
    return [INPUTS[-1], short[:ONE_MB], evidence, ("ā(" * (ONE_MB // 2))[:ONE_MB]]


def test_block_layer_is_linear_on_megabyte_documents() -> None:
    from lawrpt_corpus.boilerplate.blocks import absorb

    for text in _layer_documents():
        lines = [s.strip() for s in text.split("\n")]
        marks = ["r" if i % 3 == 0 else None for i in range(len(lines))]
        t0 = time.process_time()
        absorb(lines, marks)
        assert time.process_time() - t0 < 5.0


def test_templates_layers_are_linear_on_megabyte_documents() -> None:
    from lawrpt_corpus.boilerplate.templates import Templates

    texts = _layer_documents()
    _assert_corpus_step_linear(Templates(min_reports=2, relate_jaccard=1.0), texts * 3)


def test_bare_name_layer_is_linear_on_megabyte_documents() -> None:
    """Distinct 1 MB texts (a different first line each), so every 4-gram recurs in several
    and the bare-name runs, their closedness and the cuts are computed on megabyte lines."""
    from lawrpt_corpus.boilerplate.templates import Templates

    texts = [
        f"第{k}份\n{t}" for k, t in enumerate([*_layer_documents(), "法治" * (ONE_MB // 2)] * 2)
    ]
    step = Templates(templates=False, spans=False, bare_min_reports=2, relate_jaccard=1.0)
    _assert_corpus_step_linear(step, texts)


def test_site_repeat_layer_is_linear_on_megabyte_documents() -> None:
    """Distinct 1 MB pages of one host (a different first line each): every short line
    recurs on every page, so the layer counts, verifies and removes megabytes of lines."""
    from lawrpt_corpus.boilerplate.site import SiteRepeat

    texts = [f"第{k}份\n{t}" for k, t in enumerate(_layer_documents() * 3)]
    step = SiteRepeat(relate_jaccard=1.0)
    _assert_corpus_step_linear(step, texts, url="https://www.example.gov.cn/")
    assert step.stats()["removed_lines_total"] > 0  # it did remove lines


def test_structure_anomaly_layer_is_linear_on_megabyte_documents() -> None:
    """The structure-anomaly layer (markup scan, glued runs, line verdicts and context) on
    1 MB lines dense with what it looks for and many short no-Han lines."""
    from lawrpt_corpus.boilerplate import anomaly

    dense = [
        ("<a " * (ONE_MB // 3))[:ONE_MB],
        ("&nbsp" * (ONE_MB // 5))[:ONE_MB],
        ("{{" * (ONE_MB // 2))[:ONE_MB],
        ("法ab3Kx" * (ONE_MB // 6))[:ONE_MB],
        ("法★◈" * (ONE_MB // 3))[:ONE_MB],
        ("图片来源（" * (ONE_MB // 5))[:ONE_MB],
        "\n".join(("4874268", "法" * 30, "◆◆", "<br>", "x9Kd2") * (ONE_MB // 60)),
        # session 25's kinds: leaders, quoted code, placeholders, lower-case filler
        ("第一章……1\n目录……\n[图片]\n一一一\n" * (ONE_MB // 22))[:ONE_MB],
        ('var a = “法”；font-family:"宋体";' * (ONE_MB // 30))[:ONE_MB],
        ("“" * ONE_MB),
        ("法sdfkjh治【图片】（供图）" * (ONE_MB // 16))[:ONE_MB],
    ]
    for text in [*_layer_documents(), *dense]:
        raw = text.split("\n")
        lines = [s.strip() for s in raw]
        marks: list[str | None] = ["r" if i % 7 == 0 else None for i in range(len(lines))]
        t0 = time.process_time()
        anomaly.find(raw, lines, marks, {})
        assert time.process_time() - t0 < 5.0


def _assert_corpus_step_linear(step: Any, texts: list[str], url: str | None = None) -> None:
    """prepare every text, fit the corpus, apply: within 10 CPU s per document (the 1 MB
    documents' bound); ``url``: each document's page URL (``url`` + its number)."""
    from lawrpt_corpus.document import Document, PageMeta

    docs = [
        Document(source=f"{i}", raw_sha256="0" * 64, n_bytes=0, text=t, seq=i)
        for i, t in enumerate(texts)
    ]
    if url is not None:
        for i, d in enumerate(docs):
            d.page = PageMeta(url=f"{url}{i}")
    t0 = time.process_time()
    for d in docs:
        step.prepare(d)
    step.fit(docs)
    for d in docs:
        step.apply(d)
    assert time.process_time() - t0 < 10.0 * len(docs)
