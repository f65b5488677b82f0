"""Optional compiled kernel (numba) for the Templates sketch, with the same bytes as numpy.

:func:`sketch_bottom` computes what ``templates.sketch`` computes with numpy — the word
filter, the character 5-gram hashes and their ``size`` smallest distinct values, ascending —
in one loop that keeps the smallest values in a sorted buffer (most hashes are above its
last value: no partition, no sort; ~0.03 instead of ~0.1 ms per report, docs/performance.md,
"Session 23").

This stage never imports numba itself: the kernel is compiled (from numba's disk cache after
the first time) only once numba is in the process already — Dedup's kernels import it after
their warm-up (``dedup/_kernels.py``, ``WARMUP``) — so a small build, a pipeline without
Dedup, or ``LAWRPT_NO_NUMBA=1`` runs the numpy path. The kernel is checked at load against
Python integers; a numba that cannot compile or cache means the numpy path, never an error.
"""

from __future__ import annotations

import os
import sys
from typing import Any

import numpy as np

_sketch: Any = None
_tried = False
# the sketch hash constants (templates.py), as numpy scalars so numba keeps them uint64
_FNV = np.uint64(0x100000001B3)
_MIX = np.uint64(0xBF58476D1CE4E5B9)
_S29 = np.uint64(29)
_S32 = np.uint64(32)


def _load() -> Any:
    global _sketch, _tried
    _tried = True
    _sketch = None
    if os.environ.get("LAWRPT_NO_NUMBA"):
        return None
    try:
        from numba import njit
    except ImportError:
        return None

    def bottom(cp, keep, size, out):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
        # the 5-gram hashes of the kept code points, and the ``size`` smallest distinct ones
        # in ascending order in out[:count] (insertion into a sorted buffer of ``size``);
        # -1: fewer than five kept code points
        codes = np.empty(cp.shape[0], dtype=np.uint64)
        n_c = 0
        for i in range(cp.shape[0]):
            c = cp[i]
            if keep[c]:
                codes[n_c] = c
                n_c += 1
        if n_c < 5:
            return -1
        count = 0
        for j in range(n_c - 4):
            h = codes[j]
            for k in range(1, 5):
                h = h * _FNV + codes[j + k]
            h ^= h >> _S29
            h *= _MIX
            h ^= h >> _S32
            if count == size and h >= out[size - 1]:
                continue
            p = count
            while p > 0 and out[p - 1] > h:
                p -= 1
            if p > 0 and out[p - 1] == h:
                continue
            q = count if count < size else size - 1
            while q > p:
                out[q] = out[q - 1]
                q -= 1
            out[p] = h
            if count < size:
                count += 1
        return count

    try:
        kernel: Any = njit(nogil=True, cache=True)(bottom)
        # compile now, and check against Python integers: 7 distinct grams, repeated, and
        # a code point the filter drops
        keep = np.ones(0x110000, dtype=np.bool_)
        keep[0x4E03] = False
        cp = np.arange(44, dtype=np.uint32) % 8 + 0x4E00
        kept = [c for c in cp.tolist() if c != 0x4E03]
        got = np.empty(4, dtype=np.uint64)
        count = kernel(cp, keep, 4, got)
        grams = sorted({_py_gram(kept[j : j + 5]) for j in range(len(kept) - 4)})[:4]
        if count != len(grams) or got[:count].tolist() != grams:
            return None
        if kernel(cp[:4], keep, 4, got) != -1:
            return None
    except Exception:
        return None
    _sketch = kernel
    return kernel


def _py_gram(codes: list[int]) -> int:
    """One 5-gram hash of templates.sketch with Python integers (the check)."""
    m = 2**64
    h = codes[0]
    for c in codes[1:]:
        h = (h * 0x100000001B3 + c) % m
    h ^= h >> 29
    h = h * 0xBF58476D1CE4E5B9 % m
    return h ^ (h >> 32)


def available() -> bool:
    """True when the compiled sketch is used (numba importable, not disabled); an explicit
    question: imports numba at once."""
    return (_sketch if _tried else _load()) is not None


def sketch_bottom(cp: np.ndarray, keep: np.ndarray, size: int) -> np.ndarray | int | None:
    """The ``size`` smallest distinct 5-gram hashes (ascending, uint64) of the code points
    of ``cp`` (uint32) that ``keep`` (bool, indexed by code point) keeps; -1: fewer than
    five kept code points; None: no compiled kernel (numba not imported in this process
    yet, not installed, or switched off): the caller's numpy path."""
    if not _tried:
        if "numba" not in sys.modules:
            return None
        _load()
    if _sketch is None:
        return None
    out = np.empty(size, dtype=np.uint64)
    count = int(_sketch(cp, keep, size, out))
    return count if count < 0 else out[:count]
