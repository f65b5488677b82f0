"""The labeled decode matrix (tests/helpers/decode_cases.py): seeds × encodings × sizes × damage.

Required: exact decode of every case of at least 200 bytes. For 50-byte slices the measured
accuracy is asserted as a floor (documented in docs/decoding.md), not 100%.
"""

from __future__ import annotations

from collections import Counter

import pytest

from lawrpt_corpus.decode import DecodeStep
from lawrpt_corpus.document import Document

from ..helpers.decode_cases import Case, iter_cases, mojibake_cases

WIDE = ("utf-16", "utf-32")
#: Measured on the 50-byte slices (2880 cases): 2875 correct (99.8 %); floor with margin.
ACCURACY_FLOOR_50 = 0.995


def _decode(case: Case) -> Document:
    return DecodeStep()(Document.from_bytes(case.id, case.raw))


def _correct(case: Case, doc: Document) -> bool:
    """Right codec and exact text. A spliced foreign phrase must leave the host text exact
    around it (the phrase itself is recovered in place for UTF-8/GB/Big5 hosts)."""
    if not doc.kept or doc.encoding != case.codec:
        return False
    if case.damage == "splice" and case.encoding.startswith(WIDE):
        return doc.text.startswith(case.prefix) and doc.text.endswith(case.suffix)
    return doc.text == case.expected


def _failures(cases: list[Case]) -> list[str]:
    out = []
    for case in cases:
        doc = _decode(case)
        if not _correct(case, doc):
            out.append(f"{case.id}: {doc.encoding} {doc.decode_rule} {doc.reason}")
    return out


def test_every_encoding_and_damage_of_one_seed_decodes_exactly_at_200_bytes() -> None:
    cases = [c for c in iter_cases(sizes=(200,)) if c.seed.startswith("001") and c.start == 0]
    assert len(cases) == 12 * 4
    assert _failures(cases) == []


@pytest.mark.slow
@pytest.mark.parametrize("size", [None, 1000, 200])
def test_every_case_of_200_bytes_or_more_decodes_exactly(size: int | None) -> None:
    cases = list(iter_cases(sizes=(size,)))
    assert {c.damage for c in cases} == {"clean", "cut", "junk", "splice"}
    assert _failures(cases) == []


@pytest.mark.slow
@pytest.mark.parametrize("size", [None, 1000, 200])
def test_a_stray_byte_in_utf16_or_utf32_is_replaced_by_one_u_fffd_and_nothing_else_changes(
    size: int | None,
) -> None:
    cases = [
        c for c in iter_cases(sizes=(size,)) if c.damage == "junk" and c.encoding.startswith(WIDE)
    ]
    assert len(cases) == 5 * 7 * {None: 1, 1000: 2, 200: 4}[size]
    for case in cases:
        doc = _decode(case)
        assert doc.kept and doc.encoding == case.codec, case.id
        assert "decode_resync" in doc.flags, case.id
        assert doc.text == case.expected, case.id


@pytest.mark.slow
def test_accuracy_on_50_byte_slices_meets_the_measured_floor() -> None:
    cases = list(iter_cases(sizes=(50,)))
    per_damage: Counter[str] = Counter()
    ok = 0
    for case in cases:
        good = _correct(case, _decode(case))
        ok += good
        per_damage[case.damage] += good
    assert len(cases) == 5 * 12 * 12 * 4
    assert per_damage["clean"] == len(cases) // 4  # clean 50-byte slices: all exact
    assert ok / len(cases) >= ACCURACY_FLOOR_50


@pytest.mark.parametrize("label,raw,expected", list(mojibake_cases()), ids=lambda v: str(v)[:12])
def test_utf8_read_as_latin1_or_cp1252_is_repaired_exactly(
    label: str, raw: bytes, expected: str
) -> None:
    doc = DecodeStep()(Document.from_bytes(label, raw))
    assert doc.text == expected
    assert "mojibake_repaired" in doc.flags
    assert any(e.rule == "mojibake-latin1" and e.count > 0 for e in doc.edits)
