"""Connected components of a ``Dedup`` fit's merge graph, and their grouping for tasks.

The cluster fit (engines/ray_fits.py) splits the documents of a merge decision into groups
of whole components and runs ``Dedup.fit_columns`` — rank, exact groups, union-find and the
star split — once per group in a task: a component's stars depend only on its own members'
columns and verified pairs (a star round asks only for pairs within a component), so the
groups' states together are the state of one fit over all of them (docs/scaling.md,
"Session 24: Dedup's merge work per component").

Pure numpy, no Python object per document or edge.
"""

from __future__ import annotations

import numpy as np


def components(n: int, a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """For each of ``n`` nodes, the smallest node of its connected component in the graph
    of the edges ``(a[i], b[i])`` (node indices ``< n``).

    Min-label propagation with hooking and pointer jumping, vectorised: each round lowers
    both ends of every edge and the roots they point to to the smaller of their labels,
    then every node follows its label to the root. A label is always a node of the same
    component no larger than the node, and a round without change has every edge's ends on
    one root — the component's smallest node (a chain of ``k`` nodes takes ~log₂ ``k``
    rounds, not ``k``)."""
    label = np.arange(n, dtype=np.int64)
    a = np.asarray(a, dtype=np.int64)
    b = np.asarray(b, dtype=np.int64)
    if a.size == 0:
        return label
    if min(int(a.min()), int(b.min())) < 0 or max(int(a.max()), int(b.max())) >= n:
        raise IndexError(f"edges outside 0..{n - 1}")
    while True:
        la, lb = label[a], label[b]
        low = np.minimum(la, lb)
        new = label.copy()
        for ends in (a, b, la, lb):  # the edge's ends and the roots they point to (hooking)
            np.minimum.at(new, ends, low)
        while True:  # pointer jumping to the roots
            up = new[new]
            if np.array_equal(up, new):
                break
            new = up
        if np.array_equal(new, label):
            return label
        label = new


def component_groups(label: np.ndarray, groups: int) -> tuple[np.ndarray, int]:
    """Whole components (``label``: :func:`components`' result) cut into at most ``groups``
    groups of about equal node counts, in order of their smallest node: the group of each
    node (dense ids from 0) and the number of groups. A component goes to the group of the
    share (``⌈nodes / groups⌉`` nodes) its first node falls in, and is never split: a group
    holds < 2 shares, or one component larger than a share and < 1 share of components
    before it (vectorised: no loop over the components)."""
    n = label.size
    if n == 0:
        return np.empty(0, dtype=np.int64), 0
    roots, comp, sizes = np.unique(label, return_inverse=True, return_counts=True)
    del roots
    share = -(-n // max(1, groups))
    start = np.cumsum(sizes) - sizes  # nodes before each component, in root order
    used, dense = np.unique(start // share, return_inverse=True)
    return dense.reshape(-1)[comp.reshape(-1)].astype(np.int64), int(used.size)
