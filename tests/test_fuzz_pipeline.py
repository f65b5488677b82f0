"""Property tests over the whole per-document pipeline, with inputs built from real material.

For any input bytes: processing never raises, the document ends kept (with text) or
rejected (with a reason), and cleaning is idempotent on the text it keeps. CI runs a short
budget; `benchmarks/fuzz_pipeline.py` runs a long one.
"""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .helpers.fuzz_inputs import clean as _clean
from .helpers.fuzz_inputs import raw_inputs


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw_inputs())
def test_any_input_ends_kept_with_text_or_rejected_with_reason(raw: bytes) -> None:
    doc = _clean("fuzz.txt", raw)
    assert doc.status in ("kept", "rejected")
    if doc.kept:
        assert doc.text.strip()
        assert doc.encoding
    else:
        assert doc.reason


@settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=2000))
def test_arbitrary_bytes_never_raise(raw: bytes) -> None:
    doc = _clean("bytes.bin", raw)
    assert doc.kept or doc.reason


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(raw_inputs())
def test_cleaning_is_idempotent_on_kept_text(raw: bytes) -> None:
    first = _clean("a.txt", raw)
    if not first.kept:
        return
    second = _clean("a.txt", first.text.encode("utf-8"))
    assert second.kept
    assert second.text == first.text
