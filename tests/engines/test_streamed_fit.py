"""The first corpus step's fit while the documents stream in (engines/base.py
``_StreamedFit``): the same passes over the same kept documents as a fit after the stream —
with resumed chunks, later passes and the documents that follow — and a failing fit or
stream surfaces its error and leaves no thread behind."""

from __future__ import annotations

import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from lawrpt_corpus import CorpusStep, Document, Pipeline
from lawrpt_corpus.engines.base import Engine


def _doc(i: int) -> Document:
    d = Document.from_bytes(f"f{i}.txt", f"报告{i}".encode())
    d.text = f"第{i}份报告"
    if i % 7 == 3:
        d.reject("too-short")  # rejected in the per-document stage: no fit sees it
    return d


@dataclass
class Passes(CorpusStep):
    """State: the seqs of every pass its fit makes (``passes`` of them); apply appends
    ``tag``; raises in its first pass at ``fail_at``."""

    name = "passes"
    version = "1"
    passes: int = 2
    tag: str = "+"
    fail_at: int | None = None
    state: Any = field(default=None, init=False, repr=False)

    def fit(self, docs: Iterable[Document]) -> Any:
        seen = []
        for n in range(self.passes):
            got = []
            for doc in docs:
                if n == 0 and doc.seq == self.fail_at:
                    raise RuntimeError("fit failed")
                got.append((doc.seq, doc.text))
            seen.append(got)
        self.set_state(seen)
        return seen

    def apply(self, doc: Document) -> Document:
        doc.text += self.tag
        return doc


class Driver(Engine):
    """The base engine's stream (documents processed here, pickled in batches), with or
    without the first fit streamed; ``fail_at``: the stream raises at that input."""

    name = "test"

    def __init__(self, streamed: bool, fail_at: int | None = None):
        super().__init__()
        self.streamed = streamed
        self.fail_at = fail_at
        self.threads_seen: set[str] = set()

    def fits_while_streaming(self) -> bool:
        return self.streamed

    def map_documents(self, pipeline: Pipeline, inputs: Iterable[Any]) -> Iterator[Document]:
        for n, doc in enumerate(inputs):
            if n == self.fail_at:
                raise OSError("input vanished")
            self.threads_seen.update(t.name for t in threading.enumerate())
            yield pipeline.process(doc)


def _run(engine: Engine, n: int = 150, **kw: Any) -> tuple[list[Any], list[tuple[int, str]]]:
    steps = [Passes(), Passes(tag="!")]
    out = list(engine.run(Pipeline(steps), [_doc(i) for i in range(n)], chunk_size=40, **kw))
    return [s.state for s in steps], [(d.seq, d.text) for d in out]


def _no_fit_thread() -> bool:
    return not [t for t in threading.enumerate() if t.name == "lawrpt-streamed-fit"]


def test_a_streamed_fit_sees_what_a_fit_after_the_stream_sees():
    engine = Driver(streamed=True)
    got = _run(engine)
    assert got == _run(Driver(streamed=False))
    assert "lawrpt-streamed-fit" in engine.threads_seen  # it did run during the stream
    first, second = got[0][0]  # the streamed fit's two passes
    assert first == second  # its later pass reads the spill: the same documents
    assert [s for s, _ in first] == [i for i in range(150) if i % 7 != 3]
    assert _no_fit_thread()


def test_a_resumed_stream_gives_the_streamed_fit_the_kept_chunks_first(tmp_path):
    with pytest.raises(OSError, match="input vanished"):
        _run(Driver(streamed=True, fail_at=100), spill_dir=tmp_path / "spill")
    assert _no_fit_thread()
    engine = Driver(streamed=True)
    got = _run(engine, spill_dir=tmp_path / "spill", resume=True)
    assert engine.resumed == 64  # the whole chunk kept: two batches of 32 (>= 40 documents)
    assert got == _run(Driver(streamed=False))


def test_a_failing_streamed_fit_raises_its_error_after_the_stream():
    engine = Driver(streamed=True)
    steps = [Passes(fail_at=60), Passes()]
    with pytest.raises(RuntimeError, match="fit failed"):
        list(engine.run(Pipeline(steps), [_doc(i) for i in range(150)], chunk_size=40))
    assert "documents" in engine.timings  # the stream went to its end
    assert _no_fit_thread()


def _crash(step: CorpusStep, docs: Iterable[Document]) -> Any:
    raise MemoryError


def test_a_stream_with_no_new_batch_still_fits(tmp_path):
    assert _run(Driver(streamed=True), n=0) == _run(Driver(streamed=False), n=0)
    crashing = Driver(streamed=False)
    crashing.fit_step = _crash  # type: ignore[method-assign]
    with pytest.raises(MemoryError):  # after the whole stream: every chunk kept
        _run(crashing, n=128, spill_dir=tmp_path / "spill")
    engine = Driver(streamed=True)
    got = _run(engine, n=128, spill_dir=tmp_path / "spill", resume=True)
    assert engine.resumed == 128  # every document from the kept chunks, none streamed
    assert got == _run(Driver(streamed=False), n=128)
    assert _no_fit_thread()
