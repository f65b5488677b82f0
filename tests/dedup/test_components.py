"""Connected components of a ``Dedup`` fit's merge graph and their grouping for the group
tasks of the cluster fit (``dedup/components.py``)."""

from __future__ import annotations

import random

import numpy as np
import pytest

from lawrpt_corpus.dedup.components import component_groups, components


def _smallest_of_component(n: int, edges: list[tuple[int, int]]) -> list[int]:
    """The reference: a plain union-find, each node labelled by its component's minimum."""
    parent = list(range(n))

    def find(x: int) -> int:
        while parent[x] != x:
            parent[x] = parent[parent[x]]
            x = parent[x]
        return x

    for a, b in edges:
        ra, rb = find(a), find(b)
        parent[max(ra, rb)] = min(ra, rb)
    return [find(x) for x in range(n)]


def _check(n: int, edges: list[tuple[int, int]]) -> np.ndarray:
    a = np.array([e[0] for e in edges], dtype=np.int64)
    b = np.array([e[1] for e in edges], dtype=np.int64)
    got = components(n, a, b)
    assert got.tolist() == _smallest_of_component(n, edges)
    return got


def test_a_long_chain_in_any_edge_order_is_one_component_labelled_by_its_smallest_node():
    rng = random.Random(1)
    n = 5000
    order = list(range(n))
    rng.shuffle(order)  # the chain visits the nodes in a random order
    edges = [(order[i], order[i + 1]) for i in range(n - 1)]
    rng.shuffle(edges)
    assert set(_check(n, edges).tolist()) == {0}
    # the chain from its largest node down, edges written backwards
    assert set(_check(n, [(i + 1, i) for i in reversed(range(n - 1))]).tolist()) == {0}


def test_a_star_is_one_component_whatever_its_center():
    n = 1000
    assert set(_check(n, [(n - 1, i) for i in range(n - 1)]).tolist()) == {0}
    assert set(_check(n, [(i, 500) for i in range(n) if i != 500]).tolist()) == {0}


def test_many_small_components_and_lone_nodes_each_keep_their_own_label():
    rng = random.Random(2)
    n = 3000
    nodes = list(range(n))
    rng.shuffle(nodes)
    edges = []
    for k in range(0, 2400, 3):  # 800 triangles and paths of 3 random nodes
        x, y, z = nodes[k : k + 3]
        edges += [(x, y), (y, z)] + ([(x, z)] if k % 2 else [])
    got = _check(n, edges)
    assert np.unique(got).size == 800 + 600  # the components and the 600 lone nodes


def test_one_huge_component_among_singles_and_repeated_edges():
    rng = random.Random(3)
    n = 4000
    big = rng.sample(range(n), 3000)
    edges = [(big[rng.randrange(i)], big[i]) for i in range(1, len(big))]  # a random tree
    edges += edges[:500]  # an edge twice changes nothing
    got = _check(n, edges)
    assert np.bincount(np.unique(got, return_counts=True)[1]).tolist()[3000] == 1


def test_no_edges_leave_every_node_alone_and_edges_outside_the_nodes_are_refused():
    assert components(4, np.empty(0, np.int64), np.empty(0, np.int64)).tolist() == [0, 1, 2, 3]
    with pytest.raises(IndexError):
        components(3, np.array([0]), np.array([3]))


def test_groups_hold_whole_components_in_order_of_their_smallest_node():
    # components {0, 5}, {1, 2, 3}, {4}, {6 .. 15} (one larger than a group's share), {16}
    edges = [(0, 5), (1, 2), (2, 3)] + [(6, k) for k in range(7, 16)]
    label = _check(17, edges)
    group, count = component_groups(label, 4)  # a share of 5 nodes
    assert count == len(set(group.tolist())) and set(group.tolist()) == set(range(count))
    for root in np.unique(label).tolist():  # a component is never split
        assert len(set(group[label == root].tolist())) == 1
    # in order of the components' smallest node: groups never go back
    firsts = [int(group[root]) for root in np.unique(label).tolist()]
    assert firsts == sorted(firsts)
    # the large component shares its group only with {4}, which starts in its share
    assert group.tolist() == [0, 0, 0, 0, 1, 0] + [1] * 10 + [2]
    assert count <= 4


def test_groups_of_many_small_components_are_about_even_and_one_group_takes_everything():
    label = np.repeat(np.arange(0, 1000, 2), 2)  # 500 components of 2 nodes
    group, count = component_groups(label, 8)
    sizes = np.bincount(group)
    assert count == 8 and sizes.sum() == 1000 and sizes.max() - sizes.min() <= 2
    group, count = component_groups(label, 1)
    assert count == 1 and set(group.tolist()) == {0}
    assert component_groups(np.empty(0, np.int64), 8)[1] == 0
