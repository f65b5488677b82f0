"""A large build's lazily loaded kernels are loaded once in the driver before the local
engine forks its workers (engines/local.py ``PRELOAD_AT``, ``Pipeline.preload``): the
workers inherit them; a small build keeps the lazy path."""

from __future__ import annotations

import os
import pickle

import pytest

from lawrpt_corpus.document import Document
from lawrpt_corpus.engines import local
from lawrpt_corpus.engines.local import LocalEngine, _forks
from lawrpt_corpus.pipeline import DocumentStep, Pipeline

_LOADED_IN: int | None = None  # the pid of the process that ran the preload


class _Mark(DocumentStep):
    name = "mark"

    def preload(self) -> None:
        global _LOADED_IN
        _LOADED_IN = os.getpid()

    def __call__(self, doc: Document) -> Document:
        doc.flag("inherited" if _LOADED_IN == os.getppid() else "own")
        return doc


def _flags(n: int) -> list[list[str]]:
    docs = [Document.from_bytes(f"{i}.txt", b"x") for i in range(n)]
    engine = LocalEngine(2, batch_size=2)
    out = [
        d
        for _, blob in engine.map_pickled(Pipeline([_Mark()]), docs, 0)
        for d in pickle.loads(blob)
    ]
    assert [d.source for d in out] == [d.source for d in docs]
    return [d.flags for d in out]


@pytest.mark.skipif(not _forks(), reason="workers inherit only when forked")
def test_a_large_build_preloads_in_the_driver_and_the_workers_inherit_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(local, "PRELOAD_AT", 4)
    monkeypatch.setattr(__import__(__name__, fromlist=["_"]), "_LOADED_IN", None)
    assert _flags(7) == [["inherited"]] * 7
    assert _LOADED_IN == os.getpid()


def test_a_small_build_does_not_preload(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(local, "PRELOAD_AT", 4)
    monkeypatch.setattr(__import__(__name__, fromlist=["_"]), "_LOADED_IN", None)
    assert _flags(3) == [["own"]] * 3
    assert _LOADED_IN is None


def test_preload_runs_the_last_step_first_so_dedup_imports_numba_for_templates() -> None:
    order: list[str] = []

    class _Step(DocumentStep):
        def __init__(self, label: str) -> None:
            self.label = label

        def preload(self) -> None:
            order.append(self.label)

        def __call__(self, doc: Document) -> Document:
            return doc

    Pipeline([_Step("a"), _Step("b"), _Step("c")]).preload()
    assert order == ["c", "b", "a"]
