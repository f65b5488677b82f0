"""The array-based store of a ``Dedup`` fit's verified pairs behaves as the dict it replaced."""

from __future__ import annotations

import random

import numpy as np
import pytest

from lawrpt_corpus import Dedup
from lawrpt_corpus.dedup.pairs import VerifiedPairs

NONE, NEAR, CONTAINED = 0, 2, 3


def _same_as(pairs: VerifiedPairs, ref: dict[tuple[int, int], tuple[int, float]]) -> None:
    assert len(pairs) == len(ref)
    assert list(pairs.items()) == sorted(ref.items())
    for pair, value in ref.items():
        assert pair in pairs and pairs[pair] == value and pairs.get(pair, (9, 9.0)) == value
    merged = sorted(p for p, (kind, _) in ref.items() if kind)
    a, b = pairs.merged()
    assert list(zip(a.tolist(), b.tolist(), strict=True)) == merged


def test_empty_store_has_no_pair_and_no_merge():
    pairs = VerifiedPairs(5)
    _same_as(pairs, {})
    assert (0, 1) not in pairs
    assert pairs.get((0, 1), (NONE, 0.0)) == (NONE, 0.0)
    with pytest.raises(KeyError):
        pairs[(0, 1)]
    pairs.add(np.empty(0, np.int64), np.empty(0, np.int64), np.empty(0, np.int8), np.empty(0))
    assert len(pairs) == 0 and pairs.nbytes == 0


def test_one_pair_keeps_its_kind_and_exact_similarity():
    pairs = VerifiedPairs(4)
    sim = 0.8765432101234567
    pairs.add(np.array([1]), np.array([3]), np.array([NEAR], np.int8), np.array([sim]))
    _same_as(pairs, {(1, 3): (NEAR, sim)})
    assert (3, 1) not in pairs and (1, 2) not in pairs
    assert pairs.nbytes == 17  # 8 B key + 1 B kind + 8 B similarity


def test_a_pair_written_twice_keeps_the_last_value_and_counts_once():
    pairs = VerifiedPairs(10)
    pairs[(2, 5)] = (NONE, 0.3)
    pairs.add(
        np.array([2, 0]), np.array([5, 1]), np.array([NEAR, 0], np.int8), np.array([0.9, 0.1])
    )
    assert pairs[(2, 5)] == (NEAR, 0.9)
    pairs[(2, 5)] = (CONTAINED, 0.95)  # after a read (folded), then a single write
    _same_as(pairs, {(2, 5): (CONTAINED, 0.95), (0, 1): (NONE, 0.1)})


def test_random_writes_in_any_mix_give_what_a_dict_gives():
    rng = random.Random(7)
    n = 60
    pairs, ref = VerifiedPairs(n), {}
    for _ in range(40):
        batch = []
        for _ in range(rng.randint(0, 30)):
            a = rng.randrange(n - 1)
            batch.append((a, rng.randrange(a + 1, n), rng.choice([0, 2, 3]), rng.random()))
        if rng.random() < 0.5:
            for a, b, kind, sim in batch:
                pairs[(a, b)] = (kind, sim)
        elif batch:
            a, b, kind, sim = (np.array(c) for c in zip(*batch, strict=True))
            pairs.add(a, b, kind.astype(np.int8), sim)
        for a, b, kind, sim in batch:
            ref[(a, b)] = (kind, sim)
        if rng.random() < 0.3:
            _same_as(pairs, ref)
    _same_as(pairs, ref)


def test_a_pair_outside_the_documents_is_refused():
    pairs = VerifiedPairs(3)
    with pytest.raises(IndexError):
        pairs[(1, 3)] = (NEAR, 0.9)
    with pytest.raises(IndexError):
        pairs.add(np.array([0]), np.array([3]), np.array([NEAR], np.int8), np.array([0.9]))


class _Asked:
    """A backend whose star-round verification answers from ``answers`` and records asks."""

    def __init__(self, answers: dict[tuple[int, int], tuple[int, float]]):
        self.answers, self.asked = answers, []

    def verify(self, lo, hi, known, estimate):  # type: ignore[no-untyped-def]
        for a, b in zip(lo.tolist(), hi.tolist(), strict=True):
            self.asked.append((a, b))
            known[(a, b)] = self.answers.get((a, b), (NONE, 0.0))


@pytest.mark.parametrize("reverse", [False, True])
def test_stars_from_the_store_split_a_chain_and_ask_for_the_missing_edge(reverse):
    """0–1 and 1–2 verified near, 0–2 never verified: the star of 0 takes 1, asks for (0, 2)
    and, found not similar, leaves 2 alone; whatever order the pairs were written in."""
    rows = [(0, 1, NEAR, 0.91), (1, 2, NEAR, 0.92), (3, 4, NONE, 0.2)]
    pairs = VerifiedPairs(5)
    for a, b, kind, sim in reversed(rows) if reverse else rows:
        pairs[(a, b)] = (kind, sim)
    backend = _Asked({(0, 2): (NONE, 0.4)})
    result = Dedup()._stars(backend, pairs, np.arange(5))  # type: ignore[arg-type]
    assert result == {1: (0, NEAR, 0.91)}
    assert backend.asked == [(0, 2)]
    assert len(pairs) == 4


def test_stars_from_the_store_join_a_verified_missing_edge_to_the_center():
    pairs = VerifiedPairs(3)
    pairs.add(
        np.array([0, 1]), np.array([1, 2]), np.array([NEAR, NEAR], np.int8), np.array([0.9, 0.8])
    )
    backend = _Asked({(0, 2): (CONTAINED, 0.97)})
    # rank: 2 is the best, so it is the center; (1, 2) is known, (0, 2) is asked for
    result = Dedup()._stars(backend, pairs, np.array([2, 1, 0]))  # type: ignore[arg-type]
    assert result == {1: (2, NEAR, 0.8), 0: (2, CONTAINED, 0.97)}
    assert backend.asked == [(0, 2)]
