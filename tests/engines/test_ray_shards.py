"""How the Ray engine cuts the rows of its blocks into shards (no Ray needed)."""

from __future__ import annotations

from lawrpt_corpus.engines.ray_engine import shard_pieces


def test_rows_of_uneven_blocks_are_cut_into_full_shards_in_order() -> None:
    plan = shard_pieces([3, 0, 5, 1], 4)
    assert plan == [[(0, 0, 3), (2, 0, 1)], [(2, 1, 5)], [(3, 0, 1)]]
    flat = [(p, i) for shard in plan for p, a, b in shard for i in range(a, b)]
    assert flat == [(0, 0), (0, 1), (0, 2)] + [(2, i) for i in range(5)] + [(3, 0)]


def test_no_row_gives_one_empty_shard() -> None:
    assert shard_pieces([], 10) == [[]]
    assert shard_pieces([0, 0], 10) == [[]]


def test_a_block_exactly_filling_a_shard_opens_no_empty_one() -> None:
    assert shard_pieces([4, 4], 4) == [[(0, 0, 4)], [(1, 0, 4)]]
