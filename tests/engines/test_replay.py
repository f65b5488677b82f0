"""The fits' replays: a prefix of corpus steps applied once and kept as a level gives the
same documents as applying every step on every pass — built here or by worker processes —,
a pass a fit stops early keeps no level, and what a fit does to a document it is given never
reaches a stored level."""

from __future__ import annotations

import pickle
import shutil
from dataclasses import dataclass, field
from pathlib import Path

import pytest

from lawrpt_corpus import CorpusStep, Document, LocalEngine, build, default_pipeline
from lawrpt_corpus.engines.base import Replay, Spill, pickle_batch
from lawrpt_corpus.engines.local import ProcessTaskPool
from lawrpt_corpus.pipeline import SerialPool


def _doc(i: int) -> Document:
    d = Document.from_bytes(f"f{i}.txt", f"报告{i}".encode())
    d.text = f"第{i}份报告\n公共页脚"
    d.seq = i
    return d


@dataclass
class Suffix(CorpusStep):
    """Appends its tag to every kept text; rejects the documents whose seq is in ``drop``."""

    name = "suffix"
    version = "1"
    tag: str = "+"
    drop: tuple[int, ...] = ()
    state: int | None = field(default=None, init=False, repr=False)
    applied: int = field(default=0, init=False, repr=False, compare=False)

    def fit(self, docs):  # type: ignore[no-untyped-def]
        state = sum(1 for _ in docs)
        self.set_state(state)
        return state

    def apply(self, doc: Document) -> Document:
        self.applied += 1
        doc.text += self.tag
        if doc.seq in self.drop:
            doc.reject("dropped")
        return doc


def _spill(tmp_path: Path, n: int = 70) -> Spill:
    spill = Spill(tmp_path / "spill", chunk_size=16)
    for start in range(0, n, 10):
        spill.append_pickled(10, pickle_batch([_doc(i) for i in range(start, min(start + 10, n))]))
    return spill


def _fit_all(replay: Replay) -> list[Document]:
    for i, step in enumerate(replay.steps):
        step.fit(replay.kept(i))
        step.fit(replay.kept(i))  # a second pass, as fits may make
    return list(replay.stream(len(replay.steps), keep=False))


def _steps() -> list[CorpusStep]:
    return [Suffix("a", drop=(3,)), Suffix("b", drop=(5, 8)), Suffix("c")]


@pytest.mark.parametrize("mode", ["always", "auto"])
def test_levels_give_the_documents_of_applying_every_step_on_every_pass(tmp_path, mode):
    plain = _fit_all(Replay(_spill(tmp_path / "p"), _steps(), mode="never"))
    steps = _steps()
    replay = Replay(_spill(tmp_path / "l"), steps, mode=mode)
    got = _fit_all(replay)
    assert [pickle.dumps(d) for d in got] == [pickle.dumps(d) for d in plain]
    assert [d.text for d in got][:3] == [f"第{i}份报告\n公共页脚abc" for i in range(3)]
    assert [d.seq for d in got if not d.kept] == [3, 5, 8]
    assert [s.state for s in steps] == [70, 69, 67]
    if mode == "always":
        # every step applied once per document (the first pass over its prefix), not on
        # every later pass: 70 + 69 + 67 instead of (2 + 2 + 1) passes' worth
        assert [s.applied for s in steps] == [70, 69, 67]
        assert [p.name for p in replay.dir.iterdir()] == ["level-2"]  # level 1 replaced


def test_never_applies_every_earlier_step_on_every_pass(tmp_path):
    steps = _steps()
    _fit_all(Replay(_spill(tmp_path), steps, mode="never"))
    # step a: fit b (2 passes) + fit c (2 passes) + final pass
    assert steps[0].applied == 5 * 70


def test_a_pass_stopped_early_keeps_no_level(tmp_path):
    steps = _steps()
    replay = Replay(_spill(tmp_path), steps, mode="always")
    for doc in replay.kept(1):  # a fit that stops after a few documents
        if doc.seq == 4:
            break
    assert not list(replay.dir.glob("level-*"))
    assert replay._levels == {}
    assert [d.text[-1] for d in replay.kept(1)][:3] == ["a", "a", "a"]  # then a whole pass
    assert list(replay._levels) == [1]


def test_a_fit_changing_its_documents_changes_no_stored_level(tmp_path):
    steps = _steps()
    replay = Replay(_spill(tmp_path), steps, mode="always")
    for doc in replay.kept(1):
        doc.text = "changed by the fit"
        doc.features["scratch"] = 1
    again = list(replay.kept(1))
    assert all(d.text.endswith("a") and "scratch" not in d.features for d in again)


def test_replay_mode_is_checked(tmp_path):
    with pytest.raises(ValueError, match="replay mode"):
        Replay(_spill(tmp_path), [], mode="sometimes")


@pytest.mark.parametrize("mode", ["always", "never"])
def test_build_rows_are_the_same_bytes_with_and_without_levels(tmp_path, seeds_dir, mode):
    src = tmp_path / "in"
    shutil.copytree(seeds_dir, src)
    for i in range(12):  # copies that templates and dedup have something to do with
        (src / f"copy{i:02d}.txt").write_bytes(
            (seeds_dir / "002_deec5caec2a6a417.txt").read_bytes() + f"\n第{i}份".encode()
        )
    a, b = tmp_path / "a", tmp_path / "b"
    build([src], a, engine=LocalEngine(1))
    engine = LocalEngine(1)
    engine.replay = mode
    build([src], b, engine=engine, pipeline=default_pipeline())
    for sub in ("data", "manifest"):
        (fa,) = sorted((a / sub).glob("*.parquet"))
        (fb,) = sorted((b / sub).glob("*.parquet"))
        assert fa.read_bytes() == fb.read_bytes()
    assert not (tmp_path / ".b.partial").exists()


def _piece_bytes(replay: Replay, k: int) -> list[bytes]:
    return [p.read_bytes() for p in replay._levels[k]]


@pytest.mark.parametrize("mode", ["always", "auto"])
def test_levels_built_by_worker_processes_are_the_same_bytes(tmp_path, mode):
    plain = _fit_all(Replay(_spill(tmp_path / "p"), _steps(), mode="never"))
    here = Replay(_spill(tmp_path / "h"), _steps(), mode="always")
    list(here.kept(2))
    pooled = Replay(_spill(tmp_path / "w"), _steps(), mode="always", pool=ProcessTaskPool(2))
    list(pooled.kept(2))
    assert _piece_bytes(pooled, 2) == _piece_bytes(here, 2)  # piece for piece
    steps = _steps()
    replay = Replay(_spill(tmp_path / "l"), steps, mode=mode, pool=ProcessTaskPool(2))
    got = _fit_all(replay)
    assert [pickle.dumps(d) for d in got] == [pickle.dumps(d) for d in plain]
    assert [s.state for s in steps] == [70, 69, 67]


def test_auto_probes_in_this_process_then_hands_the_rest_to_the_pool(tmp_path, monkeypatch):
    monkeypatch.setattr("lawrpt_corpus.engines.base.REPLAY_PROBE", 20)
    steps = _steps()
    replay = Replay(_spill(tmp_path), steps, mode="auto", pool=SerialPool())
    got = [d.seq for d in replay.kept(1)]
    assert got == [i for i in range(70) if i != 3]
    if 1 in replay._levels:  # stored: the probe's pieces here, the others by the pool
        assert len(replay._levels[1]) == len(replay.spill.chunks())
    else:  # not worth storing: applied here, nothing left on disk
        assert not list(replay.dir.glob("level-*"))
    assert [d.seq for d in replay.kept(1)] == got


def test_a_pooled_pass_stopped_early_keeps_no_level(tmp_path):
    replay = Replay(_spill(tmp_path), _steps(), mode="always", pool=ProcessTaskPool(2))
    for doc in replay.kept(2):
        if doc.seq == 20:
            break
    assert replay._levels == {}
    assert not list(replay.dir.glob("level-*"))
    assert [d.text[-2:] for d in replay.kept(2)][:2] == ["ab", "ab"]


def _texts(arg: str, docs: list[Document]) -> list[str]:
    return [arg + d.text for d in docs]


@pytest.mark.parametrize("mode", ["always", "never"])
def test_map_kept_gives_each_pieces_kept_documents_and_builds_the_level(tmp_path, mode):
    steps = _steps()
    replay = Replay(_spill(tmp_path), steps, mode=mode, pool=ProcessTaskPool(2))
    kept = replay.kept(2)
    assert kept.pooled
    got = list(kept.map_kept(_texts, ">"))
    assert len(got) == len(replay.spill.chunks())  # one result per piece, in order
    assert [t for piece in got for t in piece] == [">" + d.text for d in replay.kept(2)]
    # the level a pass would have stored is there for the later passes (built, not read)
    assert list(replay._levels) == ([2] if mode == "always" else [])
    assert Replay(_spill(tmp_path / "x"), _steps()).kept(2).pooled is False


@pytest.mark.parametrize("site_repeat", [True, False])
def test_two_workers_building_levels_give_one_workers_rows(tmp_path, seeds_dir, site_repeat):
    """Levels built by the pool, Dedup's passes in it, the first fit streamed: the bytes of
    one worker replaying everything itself (with Templates right before Dedup too)."""
    src = tmp_path / "in"
    shutil.copytree(seeds_dir, src)
    for i in range(12):
        (src / f"copy{i:02d}.txt").write_bytes(
            (seeds_dir / "002_deec5caec2a6a417.txt").read_bytes() + f"\n第{i}份".encode()
        )
    one = LocalEngine(1)
    one.replay = "never"
    build([src], tmp_path / "a", engine=one, pipeline=default_pipeline(site_repeat=site_repeat))
    two = LocalEngine(2, batch_size=4)  # spill chunks of 4: several pieces per level
    two.replay = "always"
    pipe = default_pipeline(site_repeat=site_repeat)
    build([src], tmp_path / "b", engine=two, pipeline=pipe, checkpoint_every=4)
    for sub in ("data", "manifest"):
        (fa,) = sorted((tmp_path / "a" / sub).glob("*.parquet"))
        (fb,) = sorted((tmp_path / "b" / sub).glob("*.parquet"))
        assert fa.read_bytes() == fb.read_bytes()
