"""Optional compiled kernels (numba) for the Templates step, with the same bytes as numpy:
the sketch (prepare) and the bare-name layer's gram buckets and pass-1 counts (fit).

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


# -- the bare-name layer (fit): gram buckets and pass-1 counts -----------------------------
#
# ``templates._gram_buckets`` with numpy: ``h = c[i] ^ salt``, then ``h = h·FNV + c[i+j]``
# for the next ``n - 1`` code points (mod 2⁶⁴), the mix above, and the top ``bits`` bits. A
# gram *crosses* a line break when one of its code points is ``\n``. The kernels compute
# the same values one gram at a time (no uint64 temporaries of the text's size), and pass 1
# adds them to the tables at once. Unlike the sketch, the fit may import numba itself
# (:func:`bare_kernels` with ``load=True``): the driver has not imported it when the fit
# runs (its documents were prepared in the workers), and a large fit pays the ~0.3–0.5 s
# back (templates.py, ``_BARE_KERNEL_AFTER``).

_bare: Any = None
_bare_tried = False
_SALT2 = np.uint64(0x5851F42D4C957F2D)
_ZERO = np.uint64(0)
#: the pass-1 count's "text that last counted this bucket" table (per table size: one byte
#: per bucket, so it stays in cache next to the tables) and the last text number given out
#: (1–255, then every table is cleared): ``df4`` counts a bucket once per text
_stamps: dict[int, np.ndarray] = {}
_stamp_id = 0


#: the compiled gram buckets both kernels call (set by :func:`_load_bare`)
_k_bucket2: Any = None
_k_bucket4: Any = None


def _bucket2(a, b, shift):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    # the bucket (``64 - shift`` bits) of the bigram (a, b): templates._gram_buckets' hash
    # with the bigram salt, then its mix
    h = (np.uint64(a) ^ _SALT2) * _FNV + np.uint64(b)
    h ^= h >> _S29
    h *= _MIX
    h ^= h >> _S32
    return np.int64(h >> shift)


def _bucket4(cp, g, shift):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
    # the bucket of the 4-gram cp[g : g + 4] (no salt): templates._gram_buckets' hash
    h = np.uint64(cp[g]) ^ _ZERO
    h = h * _FNV + np.uint64(cp[g + 1])
    h = h * _FNV + np.uint64(cp[g + 2])
    h = h * _FNV + np.uint64(cp[g + 3])
    h ^= h >> _S29
    h *= _MIX
    h ^= h >> _S32
    return np.int64(h >> shift)


def _load_bare() -> Any:
    global _bare, _bare_tried, _k_bucket2, _k_bucket4
    _bare_tried = True
    _bare = None
    if os.environ.get("LAWRPT_NO_NUMBA"):
        return None
    try:
        from numba import njit
    except ImportError:
        return None
    try:
        if _k_bucket4 is None:  # the kernels below call them (compiled globals, inlined)
            _k_bucket2 = njit(nogil=True, cache=True, inline="always")(_bucket2)
            _k_bucket4 = njit(nogil=True, cache=True, inline="always")(_bucket4)
    except Exception:
        return None

    def count(cp, bits4, bits2, df4, tf4, tf2, stamp, sid):  # type: ignore[no-untyped-def]  # pragma: no cover
        # pass 1 of one text: every 4-gram and bigram not crossing a line break adds one
        # to tf4 / tf2 at its bucket, and df4 gains one per distinct 4-gram bucket
        size = cp.shape[0]
        s4 = np.uint64(64 - bits4)
        s2 = np.uint64(64 - bits2)
        for i in range(size - 1):
            if cp[i] != 10 and cp[i + 1] != 10:
                tf2[_k_bucket2(cp[i], cp[i + 1], s2)] += 1
        last_nl = -1
        for i in range(size):
            if cp[i] == 10:
                last_nl = i
            g = i - 3  # the 4-gram ending at i
            if g < 0 or last_nl >= g:
                continue
            b = _k_bucket4(cp, g, s4)
            tf4[b] += 1
            if stamp[b] != sid:
                stamp[b] = sid
                df4[b] += 1

    def runs(cp, bits4, bits2, df4, tf4, tf2, k, min_chars, max_chars, punct, out):  # type: ignore[no-untyped-def]  # pragma: no cover
        # templates.bare_runs up to its per-run Python checks: the runs of 4-grams in >= k
        # texts (not crossing a line break), inside a line, trimmed of punctuation, of a
        # length in bounds, closed; out[r] = (start, end, glued) for each; returns how many
        size = cp.shape[0]
        if size < 4:
            return 0
        s4 = np.uint64(64 - bits4)
        s2 = np.uint64(64 - bits2)
        m4 = size - 3
        t4 = np.empty(m4, dtype=np.int64)  # tf4 of each gram; -1: not recurring
        t2 = np.empty(size - 1, dtype=np.int64)  # tf2 of each bigram
        for i in range(size - 1):
            t2[i] = tf2[_k_bucket2(cp[i], cp[i + 1], s2)]
        last_nl = -1
        for i in range(size):
            if cp[i] == 10:
                last_nl = i
            g = i - 3
            if g < 0:
                continue
            b = _k_bucket4(cp, g, s4)
            t4[g] = tf4[b] if last_nl < g and df4[b] >= k else -1
        low = max(min_chars, 4)
        count = 0
        i = 0
        while i < m4:
            if t4[i] < 0:
                i += 1
                continue
            first = i
            while i < m4 and t4[i] >= 0:
                i += 1
            last = i + 3  # the run's characters: first .. last - 1
            if first == 0 or last >= size or last - first < low:
                continue
            if cp[first - 1] == 10 or cp[last] == 10 or last - first > max_chars + 8:
                continue
            lo = first
            while lo < last and punct[cp[lo]]:
                lo += 1
            hi = last
            while hi > lo and punct[cp[hi - 1]]:
                hi -= 1
            if hi - lo < low or hi - lo > max_chars:
                continue
            own = t4[lo]
            for j in range(lo + 1, hi - 3):
                if t4[j] < own:
                    own = t4[j]
            big = t2[lo]
            for j in range(lo + 1, hi - 1):
                if t2[j] > big:
                    big = t2[j]
            if big > own + max(1, own // 4):
                continue  # a bigram of it is used elsewhere: a word of the corpus's prose
            joined = np.int64(tf2[_k_bucket2(cp[lo - 1], cp[hi], s2)])
            out[count, 0] = lo
            out[count, 1] = hi
            out[count, 2] = 1 if joined > max(t2[lo - 1], t2[hi - 1]) else 0
            count += 1
        return count

    try:
        k_count: Any = njit(nogil=True, cache=True)(count)
        k_runs: Any = njit(nogil=True, cache=True)(runs)
        # compile now, and check against Python integers: grams of a text with line breaks
        cp = np.array([0x4E00 + (k * 7) % 11 if k % 9 else 10 for k in range(40)], np.uint32)
        codes = cp.tolist()
        df4 = np.zeros(1 << 12, np.uint32)
        tf4 = np.zeros(1 << 12, np.uint32)
        tf2 = np.zeros(1 << 10, np.uint32)
        k_count(cp, 12, 10, df4, tf4, tf2, np.zeros(1 << 12, np.uint8), np.uint8(1))
        g4 = [
            _py_bucket(codes[i : i + 4], 0, 12)
            for i in range(len(codes) - 3)
            if 10 not in codes[i : i + 4]
        ]
        g2 = [
            _py_bucket(codes[i : i + 2], 0x5851F42D4C957F2D, 10)
            for i in range(len(codes) - 1)
            if 10 not in codes[i : i + 2]
        ]
        want4, want2 = np.zeros_like(tf4), np.zeros_like(tf2)
        for b in g4:
            want4[b] += 1
        for b in g2:
            want2[b] += 1
        if (
            tf4.tolist() != want4.tolist()
            or tf2.tolist() != want2.tolist()
            or df4.tolist() != (want4 > 0).astype(np.uint32).tolist()
        ):
            return None
        # the runs kernel: compiled now; templates.bare_runs is checked against it by tests
        k_runs(
            cp,
            12,
            10,
            df4,
            tf4,
            tf2,
            1,
            4,
            24,
            np.zeros(0x110000, np.bool_),
            np.empty((cp.size, 3), np.int64),
        )
    except Exception:
        return None
    _bare = (k_count, k_runs)
    return _bare


def _py_bucket(codes: list[int], salt: int, bits: int) -> int:
    """One gram's bucket of templates._gram_buckets with Python integers (the check)."""
    m = 2**64
    h = codes[0] ^ salt
    for c in codes[1:]:
        h = (h * 0x100000001B3 + c) % m
    h ^= h >> 29
    h = h * 0xBF58476D1CE4E5B9 % m
    h ^= h >> 32
    return h >> (64 - bits)


def bare_kernels(load: bool = False) -> bool:
    """Whether the bare-name kernels are in use: loaded already, or loadable now because
    numba is in the process (or ``load``: import it). A numba that cannot compile, cache or
    check them, or ``LAWRPT_NO_NUMBA=1``, means False (the numpy paths) from then on."""
    if not _bare_tried:
        if not load and "numba" not in sys.modules:
            return False
        _load_bare()
    return _bare is not None


def bare_count(
    cp: np.ndarray, bits4: int, bits2: int, df4: np.ndarray, tf4: np.ndarray, tf2: np.ndarray
) -> None:
    """Pass 1 of the bare-name layer for one text's code points (uint32, the paragraph
    lines joined by ``\n``, at least four): ``BareCounts.count`` of it, compiled. Only
    when :func:`bare_kernels` is true."""
    global _stamp_id
    stamp = _stamps.get(df4.size)
    if stamp is None:
        stamp = _stamps[df4.size] = np.zeros(df4.size, dtype=np.uint8)
    if _stamp_id >= 255:  # the numbers are used up: clear every table (one memset each)
        for other in _stamps.values():
            other[:] = 0
        _stamp_id = 0
    _stamp_id += 1
    _bare[0](cp, bits4, bits2, df4, tf4, tf2, stamp, np.uint8(_stamp_id))


def bare_run_spans(
    cp: np.ndarray,
    bits: tuple[int, int],
    counts: Any,
    k: int,
    min_chars: int,
    max_chars: int,
    punct: np.ndarray,
) -> np.ndarray:
    """``(start, end, glued)`` rows of the candidate runs of ``templates.bare_runs`` that
    pass its closed test, in order (its checks of the token text are the caller's), for the
    code points ``cp`` (uint32, at least four) and the tables ``counts`` (``BareCounts``).
    Only when :func:`bare_kernels` is true."""
    out = np.empty((cp.size // 2 + 1, 3), dtype=np.int64)  # runs are >= 2 grams apart
    n = _bare[1](cp, *bits, counts.df4, counts.tf4, counts.tf2, k, min_chars, max_chars, punct, out)
    return out[:n]
