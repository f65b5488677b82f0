"""The t2s gate of the boilerplate view (boilerplate/_script.py): it skips OpenCC only for
pages OpenCC would return unchanged, so the view is the same with and without it."""

from __future__ import annotations

import json
import random
from importlib import resources
from pathlib import Path

import opencc
import pytest

from lawrpt_corpus.boilerplate import _script
from lawrpt_corpus.boilerplate._script import T2S_DICTS, derive_gate, match_view, may_change

ROOT = Path(__file__).resolve().parents[2]


def _shipped() -> dict[str, str]:
    raw = resources.files("lawrpt_corpus.boilerplate").joinpath("data/t2s_gate.json")
    data: dict[str, str] = json.loads(raw.read_text("utf-8"))
    return data


def _seed_lines() -> list[str]:
    lines: list[str] = []
    for p in sorted((ROOT / "seeds").glob("*.txt")):
        lines += p.read_text(encoding="utf-8").split("\n")
    return lines


def test_the_gate_names_the_dictionaries_of_the_installed_t2s_config() -> None:
    config = Path(opencc.__file__).parent / "clib" / "share" / "opencc" / "t2s.json"
    if not config.exists():
        pytest.skip("OpenCC's t2s.json not where the official wheel puts it")
    text = config.read_text(encoding="utf-8")
    files = [part.split('"')[0] for part in text.split('"file": "')[1:]]
    if _shipped()["opencc_version"] != str(opencc.__version__):
        # another OpenCC (the lowest-versions CI job installs 1.1.9, whose t2s has other
        # dictionaries): the gate must be off, so every page is converted as before
        assert _script._gate() is None
        return
    assert [f.removesuffix(".ocd2") for f in files] == list(T2S_DICTS)


def test_the_shipped_gate_is_derived_from_the_installed_dictionaries() -> None:
    try:
        fresh = derive_gate()
    except FileNotFoundError:
        pytest.skip("opencc_dict tool not shipped with this OpenCC")
    shipped = _shipped()
    if shipped["opencc_version"] != fresh["opencc_version"]:
        pytest.skip("another OpenCC version: the gate is off (every page converted)")
    assert fresh == shipped


def test_a_page_the_gate_lets_through_unconverted_is_one_t2s_leaves_alone() -> None:
    if _script._gate() is None:
        pytest.skip("gate off for this OpenCC version")
    conv = _script._t2s()
    data = _shipped()
    lines = _seed_lines()
    pool = sorted(set("".join(lines)) | set(data["chars"][:100] + data["chars"][-100:]))
    rnd = random.Random(5)
    texts = list(lines)
    for phrase in data["phrases"].split("\n")[:400]:
        texts.append(phrase)  # a changing phrase alone
        texts.append(phrase[:-1] + "。" + phrase[1:])  # its pieces, not the phrase
    texts += ["".join(rnd.choice(pool) for _ in range(rnd.randint(1, 60))) for _ in range(3000)]
    closed = 0
    for text in texts:
        if not may_change(text):
            closed += 1
            assert str(conv.convert(text)) == text, text
    assert closed > len(lines) // 2  # the gate does close for ordinary simplified text
    for key in data["chars"][:300] + data["chars"][-300:]:  # BMP and beyond
        assert may_change(f"法治{key}建设")
    for phrase in data["phrases"].split("\n"):
        assert may_change(f"推进{phrase}工作"), phrase


def test_the_view_is_the_same_with_and_without_the_gate(monkeypatch: pytest.MonkeyPatch) -> None:
    s2t = opencc.OpenCC("s2t.json")
    rnd = random.Random(3)
    pages = []
    for p in sorted((ROOT / "seeds").glob("*.txt")):
        lines = p.read_text(encoding="utf-8").split("\n")
        pages.append("\n".join(lines))
        mixed = [str(s2t.convert(ln)) if rnd.random() < 0.1 else ln for ln in lines]
        pages.append("\n".join(mixed))
    gated = [match_view(t) for t in pages]
    monkeypatch.setattr(_script, "may_change", lambda text: True)
    assert [match_view(t) for t in pages] == gated
    assert any(v != t for v, t in zip(gated, pages, strict=True))  # some lines converted


def test_no_gate_for_another_opencc_version(monkeypatch: pytest.MonkeyPatch) -> None:
    _script._gate.cache_clear()
    monkeypatch.setattr(opencc, "__version__", "0.0.0-other")
    try:
        assert _script._gate() is None
        assert may_change("法治政府建设")  # every page is converted, as without a gate
    finally:
        monkeypatch.undo()
        _script._gate.cache_clear()
