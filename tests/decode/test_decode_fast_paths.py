"""The decode step's shortcuts change speed, never answers.

* Invisible/control characters are located by the step's one lookup pass and the text is
  rebuilt from the pieces between them: the same text and the same edit spans as the
  ``invisible_and_control`` pattern and its deletion table.
* The latin-1 mojibake repair tries its pattern only at the Â–ô the lookup pass located:
  the same text and count as the whole-text search.
"""

from __future__ import annotations

import random

from lawrpt_corpus.decode import step as decode_step
from lawrpt_corpus.decode.mojibake import repair_latin1
from lawrpt_corpus.document import Document
from lawrpt_corpus.text.chars import invisible_and_control


def _texts_with_invisibles() -> list[str]:
    _, table = invisible_and_control()
    invisible = [chr(c) for c in sorted(table)]
    pool = [*invisible, "法", "治", "，", "。", "\n", "\t", "\r", "a", "𠀀", "\ud800", "\u00ad"]
    rng = random.Random(5)
    texts = ["", "法治", "\u200b", "\x00" * 10, "\ufeff法治\u200b"]
    texts += ["".join(rng.choice(pool) for _ in range(rng.randint(1, 300))) for _ in range(500)]
    # across the step's lookup chunks (64 Ki characters)
    chunk = decode_step._CHUNK
    texts.append("法" * (chunk - 1) + "\u200b\u200b" + "治" * 10 + "\x01")
    texts.append("𠀀" * (chunk + 3) + "\u2060" + "法")
    return texts


def test_invisibles_located_by_the_lookup_pass_are_the_pattern_matches():
    pattern, _ = invisible_and_control()
    for text in _texts_with_invisibles():
        where = decode_step._scan(text).invisible if text else []
        assert where == [m.start() for m in pattern.finditer(text)]


def test_dropping_invisibles_gives_the_translated_text_and_the_pattern_spans():
    pattern, table = invisible_and_control()
    for text in _texts_with_invisibles():
        if not text:
            continue
        where = decode_step._scan(text).invisible
        doc = Document.from_bytes("t.txt", b"")
        out = decode_step._drop_invisibles(text, where, doc, "decode")
        assert out == text.translate(table)
        expected = [(m.start(), m.end(), m.group()) for m in pattern.finditer(text)]
        spans = [(s, e, before) for _, _, s, e, before, _, _ in doc.edit_spans]
        assert spans == expected[: len(spans)]
        counted = sum(e.count for e in doc.edits if e.rule == "invisible-control")
        assert counted == len(expected)


def test_latin1_repair_from_located_leads_is_the_whole_text_repair():
    rng = random.Random(9)
    mojibake = "法治政府建设".encode().decode("latin-1")
    pool = ["法", "治", "，", "\n", "×", "××县", "Ã", "Â·", "é", "Ã©", mojibake, "ô", "\u0080", "a"]
    texts = ["", "××县", mojibake, "Â·" + mojibake, "Â·法治"]
    texts += ["".join(rng.choice(pool) for _ in range(rng.randint(1, 60))) for _ in range(2000)]
    repaired = 0
    for text in texts:
        leads = decode_step._scan(text).latin1_leads if text else []
        assert leads == [i for i, c in enumerate(text) if "\u00c2" <= c <= "\u00f4"]
        assert repair_latin1(text, leads) == repair_latin1(text)
        repaired += repair_latin1(text)[1] > 0
    assert repaired > 100  # the random texts do exercise the repair
