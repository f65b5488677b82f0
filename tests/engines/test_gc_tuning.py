"""The build's garbage-collector tuning leaves the caller's process as it found it."""

from __future__ import annotations

import gc

import pytest

from lawrpt_corpus.engines.base import GC_THRESHOLD0, quiet_gc


def test_quiet_gc_freezes_and_raises_the_threshold_inside_the_block() -> None:
    before = gc.get_threshold()
    with quiet_gc():
        assert gc.get_freeze_count() > 0
        assert gc.get_threshold()[0] == max(before[0], GC_THRESHOLD0)
        assert gc.get_threshold()[1:] == before[1:]


def test_quiet_gc_restores_thresholds_and_unfreezes_even_on_error() -> None:
    before = gc.get_threshold()
    frozen = gc.get_freeze_count()
    with pytest.raises(RuntimeError), quiet_gc():
        raise RuntimeError("boom")
    assert gc.get_threshold() == before
    assert gc.get_freeze_count() <= frozen
