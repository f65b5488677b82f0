"""Optional compiled kernels (numba) for Dedup's per-report signature, with the same results
as numpy: the MinHash minimum, the 5-gram shingles + distinct count + MinHash in one pass,
and the comparison key with its UTF-8 bytes.

``pip install "lawrpt_corpus[fast]"`` installs numba; without it (or with the environment
variable ``LAWRPT_NO_NUMBA=1``) :func:`minhash_min` returns False and the caller runs the
numpy broadcast. Both compute, for every hash function ``i``, the minimum over the shingles
``x`` of ``(a_i·x + b_i) mod 2⁶⁴`` — integer arithmetic, so the two paths agree bit for bit
(tests/dedup/test_dedup_signature.py compares them).

Why: the numpy broadcast materialises a ``num_perm × shingles`` uint64 block (~3.6 MB per
report at 128 permutations) and walks it three times; with two workers sharing the memory
bus that made it the largest single cost of a build (docs/performance.md). The loop here
keeps the shingles of one report in L1 cache: 0.19 ms instead of 0.40 ms per report alone.
The first use in a process compiles the loop (~1 s), cached on disk by numba afterwards,
and checks it on a few values against Python integers; a numba that cannot compile or cache
here (no writable cache folder, say) means the numpy path, never an error.

Importing numba and loading the cached loops costs ~0.58 s of CPU per process, and the
kernel saves ~0.57 ms per report (0.19 instead of 0.75 ms for ``key_signature``): a
process pays it back after ~1,000 reports. So the first :data:`WARMUP` calls of a process
take the numpy path (same values) and numba is imported at the next one: a small build
(the five seed reports, a few hundred reports per worker) never imports it, a large one
pays ~0.07 s more per process (~128 reports on the numpy path). :func:`available` (an
explicit question) imports it at once.

The key kernel (:func:`key_utf8`: the key table lookup and the key's UTF-8 bytes in one
loop, no string of the key) is used only once the kernels are loaded (:func:`loaded`): it
never counts towards :data:`WARMUP` nor imports numba itself. It is checked at load against
``str`` operations like the others against Python integers (session 23, issue #19). The
Templates sketch has its own kernel (``boilerplate/_kernels.py``), compiled once numba is
imported here.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np

_kernel: Any = None
_sig: Any = None
_key: Any = None
_tried = False
#: Calls of :func:`minhash_min` / :func:`shingle_minhash` a process makes on the numpy
#: path before it imports numba (see the module docstring); a report's signature on the
#: numpy path is two calls, so ~128 reports.
WARMUP = 256
_calls = 0
# the shingle hash constants (signature.py), as numpy scalars so numba keeps them uint64
_M64 = np.uint64(0x100000001B3)
_MIX1 = np.uint64(0xFF51AFD7ED558CCD)
_MIX2 = np.uint64(0xC4CEB9FE1A85EC53)
_S33 = np.uint64(33)
_S32 = np.uint64(32)
_ONE = np.uint64(1)
_EMPTY = np.uint64(0)


def _load() -> Any:
    global _kernel, _sig, _key, _tried
    _tried = True
    _sig = _key = None
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

    def shingles(cp, n, a, b, out):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
        # the n-gram hashes of signature.shingle_hashes, unsorted; their distinct values
        # counted in an open-addressing set (slot value 0 is "empty": a zero hash is
        # counted apart); the MinHash minimum of loop() over the distinct values
        m = cp.shape[0] - n + 1
        if m <= 0:
            return 0
        cap = 1
        while cap < 2 * m:
            cap *= 2
        mask = np.uint64(cap - 1)
        slots = np.zeros(cap, dtype=np.uint64)
        uniq = np.empty(m, dtype=np.uint64)
        count = 0
        zero = 0
        for j in range(m):
            h = np.uint64(cp[j])
            for k in range(1, n):
                h = h * _M64 + np.uint64(cp[j + k])
            h ^= h >> _S33
            h *= _MIX1
            h ^= h >> _S33
            h *= _MIX2
            h ^= h >> _S33
            if h == _EMPTY:
                if zero == 0:
                    zero = 1
                    uniq[count] = h
                    count += 1
                continue
            i = h & mask
            while True:
                v = slots[i]
                if v == _EMPTY:
                    slots[i] = h
                    uniq[count] = h
                    count += 1
                    break
                if v == h:
                    break
                i = (i + _ONE) & mask
        for i in range(a.shape[0]):
            ai = a[i]
            bi = b[i]
            best = out[i]
            for j in range(count):
                v = ai * (uniq[j] >> _S32) + bi
                if v < best:
                    best = v
            out[i] = best
        return count

    def key_utf8(cp, table, special, key, utf8):  # type: ignore[no-untyped-def]  # pragma: no cover - compiled
        # signature.key_codes by its table (one lookup per code point, 0 deleted) and the
        # UTF-8 bytes of the key (surrogatepass: a surrogate is three bytes like any other
        # code point below 0x10000); (-1, 0): a code point the table cannot fold alone
        # (the string path), (-2, 0): a code point beyond the table
        k = 0
        u = 0
        size = table.shape[0]
        for i in range(cp.shape[0]):
            c = cp[i]
            if c >= size:
                return -2, 0
            v = table[c]
            if v == special:
                return -1, 0
            if v == 0:
                continue
            key[k] = v
            k += 1
            if v < 0x80:
                utf8[u] = v
                u += 1
            elif v < 0x800:
                utf8[u] = 0xC0 | (v >> 6)
                utf8[u + 1] = 0x80 | (v & 0x3F)
                u += 2
            elif v < 0x10000:
                utf8[u] = 0xE0 | (v >> 12)
                utf8[u + 1] = 0x80 | ((v >> 6) & 0x3F)
                utf8[u + 2] = 0x80 | (v & 0x3F)
                u += 3
            else:
                utf8[u] = 0xF0 | (v >> 18)
                utf8[u + 1] = 0x80 | ((v >> 12) & 0x3F)
                utf8[u + 2] = 0x80 | ((v >> 6) & 0x3F)
                utf8[u + 3] = 0x80 | (v & 0x3F)
                u += 4
        return k, u

    try:
        kernel: Any = njit(nogil=True, cache=True)(loop)
        sig: Any = njit(nogil=True, cache=True)(shingles)
        key: Any = njit(nogil=True, cache=True)(key_utf8)
        # compile now, and check: a numba that cannot compile or cache here (read-only
        # install without a usable cache folder, unsupported CPU) means the numpy path
        xs, a_s, b_s = [0xFFFFFFFF, 7], [3, 0x9E3779B97F4A7C15], [0x9E3779B97F4A7C15, 3]
        got = np.full(2, np.iinfo(np.uint64).max, dtype=np.uint64)
        kernel(*(np.array(v, dtype=np.uint64) for v in (xs, a_s, b_s)), got)
        want = [min((a * x + b) % 2**64 for x in xs) for a, b in zip(a_s, b_s, strict=True)]
        if got.tolist() != want:
            return None
        # and the shingle kernel against Python integers: hashes, distinct count, minimum
        cp = np.array([0x4E00, 0x10FFFF, 7, 0x4E00, 0x10FFFF, 7, 0x4E00], dtype=np.uint32)
        got = np.full(2, np.iinfo(np.uint64).max, dtype=np.uint64)
        count = sig(cp, 3, *(np.array(v, dtype=np.uint64) for v in (a_s, b_s)), got)
        hs = {_py_shingle(cp.tolist()[j : j + 3]) for j in range(cp.size - 2)}
        want = [min((a * (h >> 32) + b) % 2**64 for h in hs) for a, b in zip(a_s, b_s, strict=True)]
        if count != len(hs) or got.tolist() != want:
            return None
        # the key kernel against str operations (a deleted mark, an astral and a
        # surrogate code point)
        table = np.array([0, 0x62, 0x20000, 0xD800, 0x7A, 0x4E00, 0xFFFFFFFF], dtype=np.uint32)
        special = np.uint32(0xFFFFFFFF)
        kk, uu = _key_buffers(6)
        k, u = key(np.array([1, 0, 2, 3, 4, 5], dtype=np.uint32), table, special, kk, uu)
        want_s = "b\U00020000\ud800z\u4e00"
        want_b = want_s.encode("utf-8", "surrogatepass")
        if (k, u) != (5, len(want_b)) or kk[:k].tolist() != [ord(c) for c in want_s]:
            return None
        if uu[:u].tobytes() != want_b:
            return None
        for bad, code in ((6, -1), (7, -2)):
            if key(np.array([1, bad], dtype=np.uint32), table, special, kk, uu)[0] != code:
                return None
    except Exception:
        return None
    _kernel = kernel
    _sig = sig
    _key = key
    return kernel


def _key_buffers(n: int) -> tuple[np.ndarray, np.ndarray]:
    """Room for the key code points and the key's UTF-8 bytes of ``n`` code points."""
    return np.empty(n, dtype=np.uint32), np.empty(4 * n, dtype=np.uint8)


def _py_shingle(codes: list[int]) -> int:
    """One shingle hash of signature.shingle_hashes with Python integers (the check)."""
    m = 2**64
    h = codes[0]
    for c in codes[1:]:
        h = (h * 0x100000001B3 + c) % m
    for mul in (0xFF51AFD7ED558CCD, 0xC4CEB9FE1A85EC53, None):
        h ^= h >> 33
        if mul is not None:
            h = h * mul % m
    return h


def available() -> bool:
    """True when the compiled kernel is used (numba importable, not disabled)."""
    return (_kernel if _tried else _load()) is not None


def _ready() -> Any:
    """The kernel once it is loaded; None for the first :data:`WARMUP` calls of a process
    (numba not imported yet) and when it is not available."""
    global _calls
    if _tried:
        return _kernel
    _calls += 1
    return None if _calls <= WARMUP else _load()


def minhash_min(x: np.ndarray, a: np.ndarray, b: np.ndarray, out: np.ndarray) -> bool:
    """``out[i] = min(out[i], min_j (a[i]·x[j] + b[i]) mod 2⁶⁴)`` for uint64 1-D arrays;
    False (nothing done) when the kernel is not available or not loaded yet (the first
    :data:`WARMUP` calls of a process)."""
    kernel = _ready()
    if kernel is None:
        return False
    kernel(x, a, b, out)
    return True


def shingle_minhash(cp: np.ndarray, n: int, a: np.ndarray, b: np.ndarray, out: np.ndarray) -> int:
    """For the key code points ``cp`` (uint32): the number of distinct ``n``-gram hashes
    of :func:`.signature.shingle_hashes`, and ``out[i] = min(out[i], min_x (a[i]·x +
    b[i]) mod 2⁶⁴)`` over their top 32 bits ``x`` (uint64 arrays) — in one compiled pass,
    no sort; -1 (nothing done) when the kernel is not available or not loaded yet (the
    first :data:`WARMUP` calls of a process)."""
    if _ready() is None or _sig is None:
        return -1
    return int(_sig(cp, n, a, b, out))


def loaded() -> bool:
    """Whether the kernels are loaded already (the key kernel is used only then: it never
    counts towards :data:`WARMUP` nor imports numba itself)."""
    return _tried and _kernel is not None


def key_utf8(
    cp: np.ndarray, table: np.ndarray, special: np.uint32
) -> tuple[np.ndarray, np.ndarray] | int | None:
    """``(key code points, key UTF-8 bytes)`` of the code points ``cp`` (uint32) by the
    key ``table`` (uint32; 0 deleted): :func:`.signature.key_codes` and the key's
    ``encode("utf-8", "surrogatepass")`` in one compiled pass. -1: a code point maps to
    ``special`` (the string path); -2: a code point is beyond the table; None: the kernels
    are not loaded (:func:`loaded`)."""
    if _key is None or not loaded():
        return None
    key, utf8 = _key_buffers(cp.size)
    k, u = _key(cp, table, special, key, utf8)
    if k < 0:
        return int(k)
    return key[:k], utf8[:u]
