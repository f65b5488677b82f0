"""Optional compiled kernel for the MinHash minimum (numba), with the same results as numpy.

``pip install "lawrpt_corpus[fast]"`` installs numba; without it (or with the environment
variable ``LAWRPT_NO_NUMBA=1``) :func:`minhash_min` returns False and the caller runs the
numpy broadcast. Both compute, for every hash function ``i``, the minimum over the shingles
``x`` of ``(a_i·x + b_i) mod 2⁶⁴`` — integer arithmetic, so the two paths agree bit for bit
(tests/dedup/test_dedup_signature.py compares them).

Why: the numpy broadcast materialises a ``num_perm × shingles`` uint64 block (~3.6 MB per
report at 128 permutations) and walks it three times; with two workers sharing the memory
bus that made it the largest single cost of a build (docs/performance.md). The loop here
keeps the shingles of one report in L1 cache: 0.19 ms instead of 0.40 ms per report alone.
The first call in a process compiles the loop (~1 s), cached on disk by numba afterwards,
and checks it on a few values against Python integers; a numba that cannot compile or cache
here (no writable cache folder, say) means the numpy path, never an error.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

_kernel: Any = None
_tried = False


def _load() -> Any:
    global _kernel, _tried
    _tried = True
    if os.environ.get("LAWRPT_NO_NUMBA"):
        return None
    try:
        from numba import njit
    except ImportError:
        return None

    def loop(x, a, b, out):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
        n = x.shape[0]
        for i in range(a.shape[0]):
            ai = a[i]
            bi = b[i]
            m = out[i]
            for j in range(n):
                h = ai * x[j] + bi  # uint64 arithmetic wraps: mod 2**64
                if h < m:
                    m = h
            out[i] = m

    try:
        kernel: Any = njit(nogil=True, cache=True)(loop)
        # compile now, and check: a numba that cannot compile or cache here (read-only
        # install without a usable cache folder, unsupported CPU) means the numpy path
        xs, a_s, b_s = [0xFFFFFFFF, 7], [3, 0x9E3779B97F4A7C15], [0x9E3779B97F4A7C15, 3]
        got = np.full(2, np.iinfo(np.uint64).max, dtype=np.uint64)
        kernel(*(np.array(v, dtype=np.uint64) for v in (xs, a_s, b_s)), got)
        want = [min((a * x + b) % 2**64 for x in xs) for a, b in zip(a_s, b_s, strict=True)]
        if got.tolist() != want:
            return None
    except Exception:
        return None
    _kernel = kernel
    return kernel


def available() -> bool:
    """True when the compiled kernel is used (numba importable, not disabled)."""
    return (_kernel if _tried else _load()) is not None


def minhash_min(x: np.ndarray, a: np.ndarray, b: np.ndarray, out: np.ndarray) -> bool:
    """``out[i] = min(out[i], min_j (a[i]·x[j] + b[i]) mod 2⁶⁴)`` for uint64 1-D arrays;
    False (nothing done) when the kernel is not available."""
    kernel = _kernel if _tried else _load()
    if kernel is None:
        return False
    kernel(x, a, b, out)
    return True
