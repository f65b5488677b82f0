"""The plain-task shuffles of the cluster fits, run as functions (no Ray needed): how rows
are cut into parts, how `Dedup` candidate keys are routed to the verification task owning
their first document, and how pairs are cut into verification units."""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from lawrpt_corpus.dedup.pairs import VerifiedPairs
from lawrpt_corpus.dedup.step import Dedup
from lawrpt_corpus.engines import ray_fits
from lawrpt_corpus.engines.ray_fits import (
    _TASK_BLOCKS,
    _BlockMap,
    _bucket_keys,
    _bucket_route,
    _later_in,
    _merged_pieces,
    _pair_tasks,
    _reduce_group,
    _split_groups,
    _split_parts,
)


def _tagged(block: pa.Table, parts: int) -> pa.Table:
    v = block.column("v").to_numpy()
    return pa.table({"part": v % parts, "v": v})


def test_rows_are_cut_by_part_and_a_part_without_rows_gets_none() -> None:
    blocks = [pa.table({"v": np.array([5, 1, 8, 3], np.int64)}), pa.table({}), pa.table({"v": [7]})]
    out = _split_parts(_tagged, (4,), 4, *blocks)
    assert len(out) == 4
    assert out[0].column("v").to_pylist() == [8]
    assert out[1].column("v").to_pylist() == [5, 1]
    assert out[2] is None
    assert out[3].column("v").to_pylist() == [3, 7]  # blocks' order kept within a part
    assert _split_parts(_tagged, (1,), 1, *blocks).num_rows == 5  # one part: not a tuple
    assert _split_parts(_tagged, (2,), 2, pa.table({})) == (None, None)


def test_groups_of_parts_merged_across_rounds_give_each_part_its_rows_in_block_order() -> None:
    """The windowed shuffle's functions on plain tables: map tasks' pieces by group of parts,
    merged per round and again across rounds, reduced per part — the rows a per-(task,
    part) shuffle gives each part, in block order."""
    rng = np.random.default_rng(5)
    blocks = [pa.table({"v": rng.integers(0, 100, int(rng.integers(0, 7)))}) for _ in range(9)]
    cuts = [0, 2, 5, 6]  # 6 parts in groups {0, 1}, {2, 3, 4}, {5}
    maps = [_split_groups(_tagged, (6,), cuts, b) for b in blocks]  # a map task per block
    assert all(len(m) == 3 for m in maps)
    assert all(g is None or len(g) == cuts[i + 1] - cuts[i] for m in maps for i, g in enumerate(m))
    # rounds of 3 map tasks merged per group, then the three rounds merged again
    rounds = [
        [_merged_pieces(*(m[g] for m in maps[r : r + 3])) for g in range(3)] for r in (0, 3, 6)
    ]
    merged = [_merged_pieces(*(rd[g] for rd in rounds)) for g in range(3)]
    every = np.concatenate([b.column("v").to_numpy() for b in blocks])
    for g in range(3):
        got = _reduce_group(lambda t, k: [*t.column("v").to_pylist(), k], ("end",), merged[g])
        for i, p in enumerate(range(cuts[g], cuts[g + 1])):
            want = every[every % 6 == p].tolist()
            assert got[i] == ([*want, "end"] if want else None)
    assert _merged_pieces(None, None) is None and _reduce_group(len, (), None) == []


def _bands(seqs: list[list[int]]) -> pa.Table:
    """One band, one bucket per list of member ``seq``."""
    h = [k for k, members in enumerate(seqs) for _ in members]
    idx = [q for members in seqs for q in members]
    return pa.table(
        {
            "part": np.zeros(len(idx), np.int64),
            "band": np.zeros(len(idx), np.int64),
            "h": np.array(h, np.int64),
            "idx": np.array(idx, np.int64),
        }
    )


def _owned(routed: pa.Table, tasks: int) -> list[np.ndarray]:
    """A routing table's keys, by the verification task owning them."""
    part, key = routed.column("part").to_numpy(), routed.column("key").to_numpy()
    return [key[part == t] for t in range(tasks)]


def test_candidate_keys_go_to_the_verification_task_of_their_first_document() -> None:
    step, span = Dedup(bucket_window=2), 40
    where = _BlockMap(np.array([9, 19, 29, 39]))  # 4 blocks of 10 documents
    group = _bands([[1, 12, 25, 33], [18, 19, 38], [2, 3]])
    routed = _bucket_route(group, step, span, where, 2)  # tasks own blocks {0, 1}, {2, 3}
    want = _bucket_keys(group, step, span)
    assert sorted(routed.column("key").to_pylist()) == want.tolist()
    part = routed.column("part").to_numpy()
    assert np.all(np.diff(part) >= 0)  # in owner order: the map side of the next shuffle
    owned = _owned(routed, 2)
    for task, keys in enumerate(owned):
        assert set((where.pos_of(keys // span) // 2).tolist()) <= {task}
    assert owned[0].size and owned[1].size
    # cut by _split_parts as the routing shuffle's map side: the same keys, the same owners
    cut = _split_parts(ray_fits._as_is, (), 2, routed)
    assert all(
        np.array_equal(c.column("key").to_numpy(), k) for c, k in zip(cut, owned, strict=True)
    )


def test_candidate_keys_are_routed_by_a_document_table_when_blocks_overlap() -> None:
    step, span = Dedup(bucket_window=3), 10
    seqs = np.arange(10, dtype=np.int64)
    pos = np.array([0, 1, 0, 1, 0, 1, 0, 1, 0, 1], np.int64)  # even / odd blocks
    where = _BlockMap(np.array([8, 9]), seqs, pos)
    routed = _owned(_bucket_route(_bands([[0, 1, 2, 3, 4, 5]]), step, span, where, 1), 2)
    assert all((routed[0] // span) % 2 == 0) and all((routed[1] // span) % 2 == 1)
    assert (
        routed[0].size + routed[1].size == _bucket_keys(_bands([[0, 1, 2, 3, 4, 5]]), step, 10).size
    )


def test_pairs_are_cut_into_units_of_one_own_block_and_at_most_8_partners() -> None:
    where = _BlockMap(np.arange(1, 21, dtype=np.int64) * 10 - 1)  # 20 blocks of 10
    rng = np.random.default_rng(3)
    a = rng.integers(0, 200, 500)
    b = rng.integers(0, 200, 500)
    keep = a < b
    sa, sb = a[keep], b[keep]
    units = _pair_tasks(where, sa, sb)
    got = sorted(
        (x, y) for _, xs, ys, _ in units for x, y in zip(xs.tolist(), ys.tolist(), strict=True)
    )
    assert got == sorted(zip(sa.tolist(), sb.tolist(), strict=True))  # every pair once
    for own, xs, ys, partners in units:
        assert len(partners) <= _TASK_BLOCKS and own not in partners
        assert set(where.pos_of(xs).tolist()) == {own}
        assert set(where.pos_of(ys).tolist()) <= {own, *partners}


def test_later_copies_of_a_text_are_every_holder_after_the_first() -> None:
    group = pa.table(
        {"dh": np.array([7, 3, 7, 7, 3, 9], np.int64), "seq": np.array([4, 0, 1, 9, 5, 2])}
    )
    assert sorted(_later_in(group).column("seq").to_pylist()) == [4, 5, 9]


def test_the_dedup_backend_of_the_cluster_fit_never_asks_for_candidate_keys() -> None:
    cols = {"seq": np.array([2, 5], np.int64)}
    pre = (np.array([2]), np.array([5]), np.array([1], np.int8), np.array([0.9]))
    backend = ray_fits._RayDedup(cols, None, pre)  # type: ignore[arg-type]
    keys, count = backend.candidates(np.arange(2), 2)
    assert keys.size == 0 and count == 0
    known = VerifiedPairs(2)
    backend.verify(np.empty(0, np.int64), np.empty(0, np.int64), known, True)
    assert list(known.items()) == [((0, 1), (1, 0.9))] and backend.extra == 0
    assert backend.pre[0].size == 0  # the pre-verified pairs are not kept once used


def _feature_block(rows: list[tuple[int, bytes, bytes]]) -> pa.Table:
    """A block of `Dedup` feature rows: (seq, source, page); the rest derived from seq."""
    seq = [r[0] for r in rows]
    return pa.table(
        {
            "seq": pa.array(seq, pa.int64()),
            "id": pa.array([(q * 0x9E3779B97F4A7C15) % 2**64 for q in seq], pa.uint64()),
            "n_chars": pa.array([q * 3 for q in seq], pa.int64()),
            "n_removed": pa.array([q % 4 for q in seq], pa.int64()),
            "n_sh": pa.array([q * 2 for q in seq], pa.int64()),
            "n_content": pa.array([q * 5 for q in seq], pa.int64()),
            "hash": pa.array([q.to_bytes(8, "little") * 2 for q in seq], pa.binary(16)),
            "source": pa.array([r[1] for r in rows], pa.binary()),
            "n_noise": pa.array([q % 2 for q in seq], pa.int64()),
            "page": pa.array([r[2] for r in rows], pa.binary()),
        }
    )


def _columns_by_python(tables: list[pa.Table]) -> dict[str, object]:
    """What the columns are, value by value (the per-document Python way)."""
    rows = sorted((r for t in tables for r in t.to_pylist()), key=lambda r: r["seq"])
    out: dict[str, object] = {"seq": [r["seq"] for r in rows], "id": [r["id"] for r in rows]}
    for name in ("n_chars", "n_removed", "n_sh", "n_content", "n_noise"):
        out[name] = [r[name] for r in rows]
    out["hash"] = b"".join(r["hash"] for r in rows)
    for name, blob in (("source", "src"), ("page", "page")):
        out[f"{blob}_blob"] = b"".join(r[name] for r in rows)
        out[f"{blob}_off"] = np.cumsum([0] + [len(r[name]) for r in rows]).tolist()
    return out


def test_dedup_columns_from_arrow_buffers_equal_the_values_in_seq_order() -> None:
    """The columns of a merge's documents come from the Arrow buffers (no Python object per
    document): the same values, in ``seq`` order, as reading them one by one — blocks out
    of order, sliced, empty sources and pages, non-ASCII bytes."""
    a = _feature_block([(7, "汉字".encode(), b""), (2, b"b", b"\x00page")])
    b = _feature_block([(0, b"", b""), (9, b"x" * 300, b"p"), (4, b"\xff\xfe", b"")]).slice(1)
    c = _feature_block([(1, b"one", b"")])
    tables = [a, b, c]
    got = ray_fits._dedup_columns(tables)
    want = _columns_by_python(tables)
    assert got["seq"].dtype == np.int64 and got["id"].dtype == np.uint64
    for name in ("seq", "id", "n_chars", "n_removed", "n_sh", "n_content", "n_noise"):
        assert got[name].tolist() == want[name], name
    assert got["hash"].shape == (5, 2) and got["hash"].tobytes() == want["hash"]
    for name in ("src_blob", "page_blob"):
        assert got[name] == want[name]
    for name in ("src_off", "page_off"):
        assert got[name].dtype == np.int64 and got[name].tolist() == want[name]
    names = ["seq", *ray_fits._RANK_COLUMNS, "hash"]
    rank = ray_fits._dedup_columns([t.select(names) for t in tables])
    assert set(rank) == {"seq", "n_chars", "n_removed", "n_content", "n_noise", "hash"}
    assert rank["hash"].tobytes() == want["hash"]


def test_dedup_columns_of_blocks_in_seq_order_are_read_without_reordering_the_same() -> None:
    """Blocks in input order (the engine's case: no reordering, each column copied once
    from the chunks): sliced blocks, a block of several chunks, a large_binary source and
    an empty block give the values a one-by-one read gives."""
    a = _feature_block([(0, b"zero", b""), (1, "一".encode(), b"pg"), (2, b"", b"")]).slice(1)
    two = pa.concat_tables(
        [_feature_block([(5, b"five", b"")]), _feature_block([(6, b"\xff" * 200, b"q")])]
    )
    assert two.column("source").num_chunks == 2
    wide = _feature_block([(8, b"eight", b"p8"), (9, b"nine", b"")])
    wide = wide.set_column(7, "source", wide.column("source").cast(pa.large_binary()))
    tables = [a, two, a.slice(0, 0), wide.slice(0, 1)]
    got = ray_fits._dedup_columns(tables)
    want = _columns_by_python([a, two, _feature_block([(8, b"eight", b"p8")])])
    assert got["seq"].tolist() == [1, 2, 5, 6, 8]
    for name in ("seq", "id", "n_chars", "n_removed", "n_sh", "n_content", "n_noise"):
        assert got[name].tolist() == want[name], name
    assert got["hash"].tobytes() == want["hash"]
    for name in ("src_blob", "page_blob"):
        assert got[name] == want[name]
    for name in ("src_off", "page_off"):
        assert got[name].dtype == np.int64 and got[name].tolist() == want[name]


def test_exact_groups_are_ranked_by_the_key_hash_reducer_as_the_fit_ranks_them() -> None:
    """The key-hash shuffle's reducer gives every member of an exact group (a hash held by
    ≥ 2 documents) and marks as copies all but the best-ranked one of each hash — the
    leader ``Dedup._exact_groups`` picks by the fit's rank (mirror marks, content
    characters, cleaned length, removals, ``seq``), each rank column deciding somewhere."""
    rng = np.random.default_rng(5)
    n = 400
    seq = rng.permutation(n).astype(np.int64) * 3
    h0 = rng.integers(0, 40, n).astype(np.int64)  # ~10 documents per hash
    h1 = (h0 * 7) % 5
    cols = {
        "n_noise": rng.integers(0, 2, n),
        "n_content": rng.integers(0, 3, n),
        "n_chars": rng.integers(0, 3, n),
        "n_removed": rng.integers(0, 3, n),
    }
    group = pa.table({"h0": h0, "h1": h1, "seq": seq, **cols})
    got = ray_fits._exact_members(group)
    order = np.lexsort(
        (seq, cols["n_removed"], -cols["n_chars"], -cols["n_content"], cols["n_noise"])
    )
    rank = np.empty(n, dtype=np.int64)
    rank[order] = np.arange(n)
    leader = Dedup._exact_groups(np.stack([h0, h1], axis=1), rank)
    _, inverse, counts = np.unique(
        np.stack([h0, h1], axis=1), axis=0, return_inverse=True, return_counts=True
    )
    member = counts[inverse.ravel()] > 1
    copy = leader != np.arange(n)
    assert sorted(got.column("seq").to_pylist()) == sorted(seq[member].tolist())
    got_copy = dict(zip(got.column("seq").to_pylist(), got.column("copy").to_pylist(), strict=True))
    want_copy = dict(zip(seq[member].tolist(), copy[member].tolist(), strict=True))
    assert got_copy == want_copy
    assert 0 < copy.sum() < member.sum()
    got_lead = dict(zip(got.column("seq").to_pylist(), got.column("lead").to_pylist(), strict=True))
    want_lead = dict(zip(seq[member].tolist(), seq[leader[member]].tolist(), strict=True))
    assert got_lead == want_lead  # each member's best-ranked document of its hash


def test_documents_of_a_merge_are_cut_into_groups_of_whole_components_with_their_pairs() -> None:
    """Exact copies go with their leader, near pairs join components (a chain 30-40-50
    through pairs found similar; 60-70 found not similar stay apart); each group's pairs
    are the pre-verified pairs within it, sorted by group; the groups' rows go to them."""
    involved = np.array([10, 20, 30, 40, 50, 60, 70, 80], np.int64)
    exact = np.array([10, 20, 80], np.int64)
    copy = np.array([False, True, True])
    lead = np.array([10, 10, 10], np.int64)  # 20 and 80 are copies of 10
    pre = (
        np.array([30, 40, 60, 10], np.int64),
        np.array([40, 50, 70, 95], np.int64),  # 95: not a document of a merge
        np.array([2, 3, 0, 0], np.int8),
        np.array([0.9, 0.95, 0.2, 0.1]),
    )
    group, count, pairs = ray_fits._component_parts(involved, exact, copy, lead, pre, workers=1)
    comp = {10: (10, 20, 80), 30: (30, 40, 50), 60: (60,), 70: (70,)}
    by_seq = dict(zip(involved.tolist(), group.tolist(), strict=True))
    for members in comp.values():
        assert len({by_seq[m] for m in members}) == 1
    assert count == len(set(group.tolist())) <= 4
    g, a, b, kinds, sims = pairs
    assert g.tolist() == sorted(g.tolist())
    want = {
        (x, y)
        for x, y in zip(pre[0].tolist(), pre[1].tolist(), strict=True)
        if x in by_seq and y in by_seq and by_seq[x] == by_seq[y]
    }
    assert set(zip(a.tolist(), b.tolist(), strict=True)) == want and (30, 40) in want
    assert all(by_seq[x] == k for x, k in zip(a.tolist(), g.tolist(), strict=True))
    given = {(x, y): (k, v) for x, y, k, v in zip(*(p.tolist() for p in pre), strict=True)}
    for x, y, k, v in zip(a.tolist(), b.tolist(), kinds.tolist(), sims.tolist(), strict=True):
        assert given[(x, y)] == (k, v)  # each pair with its kind and similarity
    block = pa.table({"seq": np.arange(0, 100, 10, dtype=np.int64), "n_sh": np.ones(10)})
    rows = ray_fits._group_rows(block, (involved, group), ["seq"])
    assert rows.column("seq").to_pylist() == involved.tolist()
    assert rows.column("part").to_pylist() == group.tolist()


def test_dedup_columns_of_no_rows_are_empty() -> None:
    got = ray_fits._dedup_columns([])
    assert got["seq"].size == 0 and got["hash"].shape == (0, 2)
    assert got["src_blob"] == b"" and got["src_off"].tolist() == [0]
    assert got["page_blob"] == b"" and got["page_off"].tolist() == [0]
