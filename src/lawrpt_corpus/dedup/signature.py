"""Per-document dedup signatures: comparison key, shingles, MinHash (vectorised with numpy).

The *key* of a text is what two copies of one report have in common whatever their
typography: traditional script folded to simplified (OpenCC ``t2s``, optional), full-width
letters and digits folded to ASCII, letters lower-cased, and every punctuation mark, symbol,
space and control character deleted. The key is only hashed, never shown or published.
It is computed as one table lookup per code point (numpy): a table, built once per process
from the same definitions (the ``regex`` classes below, ``str.lower``), maps each code point
to its folded, lower-cased form or to 0 (deleted). Texts with a code point whose lower case
is not one code point (``İ``) or depends on context (``Σ``) take the string path, so the key
is exactly the one the definitions give.

Shingles are the character ``n``-grams of the key, each hashed to 64 bits by a polynomial
rolling hash computed for all positions at once (``n`` numpy passes, no loop per shingle),
then mixed (murmur3 finaliser). Verification uses the sorted unique 64-bit hashes as the
shingle *set* (a false collision among 10⁵ shingles has probability ~10⁻⁹).

The MinHash signature uses ``num_perm`` hash functions from the multiply-add-shift family
``h_i(x) = ((a_i·x + b_i) mod 2⁶⁴) >> 32`` (Dietzfelbinger 1996: 2-independent for 32-bit
``x``; ``a_i``, ``b_i`` random 64-bit, ``a_i`` odd, from a fixed seed), applied to the
top 32 bits of each shingle hash as one 2-D numpy operation (``num_perm × shingles``, in
blocks of ``_BLOCK`` shingles). It is a pure function of the key: the same text gives the
same signature in any process.

Speed (docs/performance.md, "Signatures"): numpy's ufunc buffer is set small around the
MinHash broadcast — with the default 8192-element buffer, numpy 2.x runs a ``(128, 1) × (n,)``
broadcast ~2.5× slower whenever ``n < 8192 / 3``; ``np.unique`` is replaced by sort + mask
(same result, ~8× faster on a few thousand values).
"""

from __future__ import annotations

from functools import lru_cache

import numpy as np
import regex

from . import _kernels

#: Everything that is not content: punctuation, symbols, separators, controls, whitespace.
_NON_CONTENT = regex.compile(r"[\p{P}\p{S}\p{Z}\p{C}\s]+")
#: Full-width letters and digits (the only full-width forms the strip leaves) → ASCII.
_WIDE = regex.compile(r"[\uFF10-\uFF19\uFF21-\uFF3A\uFF41-\uFF5A]+")
_WIDTH = str.maketrans({cp: cp - 0xFEE0 for cp in range(0xFF01, 0xFF5F)})
_YEAR = regex.compile(r"(?<![0-9])((?:19|20)[0-9]{2})年")

_M64 = np.uint64(0x100000001B3)
_MIX1 = np.uint64(0xFF51AFD7ED558CCD)
_MIX2 = np.uint64(0xC4CEB9FE1A85EC53)
_S33 = np.uint64(33)
_S32 = np.uint64(32)
#: shingles per MinHash block (``num_perm × _BLOCK`` uint64 temporaries: 4 MB at 128)
_BLOCK = 4096
#: ufunc buffer (elements) while the MinHash broadcast runs (see module docstring)
_UFUNC_BUFSIZE = 256
MAX_HASH = np.uint32(0xFFFFFFFF)
#: the MinHash minimum's start (np.iinfo per call cost ~3 µs per report)
_U64_MAX = np.uint64(0xFFFFFFFFFFFFFFFF)
_BMP = 0x10000
_ALL = 0x110000
#: table value of a code point the table cannot fold alone (multi-code-point or contextual
#: lower case): the text takes the string path
_SPECIAL = np.uint32(0xFFFFFFFF)


@lru_cache(maxsize=1)
def _t2s():  # type: ignore[no-untyped-def]
    import opencc

    return opencc.OpenCC("t2s")


def _key_str(text: str) -> str:
    """The key of an already script-folded text by the definitions (string operations)."""
    key = _NON_CONTENT.sub("", text)
    return _WIDE.sub(lambda m: m.group().translate(_WIDTH), key).lower()


@lru_cache(maxsize=2)
def _key_table(size: int) -> np.ndarray:
    """Code point → its key code point (0: deleted; ``_SPECIAL``: string path), for code
    points below ``size``; derived from ``_NON_CONTENT``, ``_WIDE`` and ``str.lower``."""
    chars = "".join(map(chr, range(size)))
    table = np.arange(size, dtype=np.uint32)
    for m in _NON_CONTENT.finditer(chars):
        table[m.start() : m.end()] = 0
    for m in _WIDE.finditer(chars):  # only ASCII letters and digits come out of the fold
        for cp in range(m.start(), m.end()):
            table[cp] = ord(chars[cp - 0xFEE0].lower())
    for base in range(0, size, 256):
        block = chars[base : base + 256]
        if block.lower() == block:
            continue
        for i, ch in enumerate(block):
            low = ch.lower()
            if low != ch and table[base + i] == base + i:  # kept, not width-folded
                table[base + i] = ord(low) if len(low) == 1 else _SPECIAL
    table[0x03A3] = _SPECIAL  # Σ lower-cases to σ or ς by context
    table.setflags(write=False)
    return table


def key_codes(text: str, fold_script: bool = True) -> np.ndarray:
    """:func:`comparison_key` as a uint32 array of code points (same contract)."""
    if fold_script and text:
        text = _t2s().convert(text)
    cp = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    if cp.size == 0:
        return cp
    table = _key_table(_BMP if int(cp.max()) < _BMP else _ALL)
    out = table[cp]
    if bool((out == _SPECIAL).any()):
        key = _key_str(text)
        return np.frombuffer(key.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
    return out[out != 0]


def key_parts(text: str, fold_script: bool = True) -> tuple[np.ndarray, bytes | memoryview]:
    """``(key_codes(text), comparison_key(text).encode("utf-8", "surrogatepass"))``: the
    key as code points (what is shingled) and as UTF-8 bytes (what the exact hash reads).
    With the compiled kernels loaded (``_kernels.loaded``) one pass does the table lookup
    and the UTF-8 encoding; else the key is decoded to a string and encoded (same values)."""
    if fold_script and text:
        text = _t2s().convert(text)
    if text and _kernels.loaded():
        cp = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        got = _kernels.key_utf8(cp, _key_table(_BMP), _SPECIAL)
        if got == -2:  # an astral code point: the full table (same values below _BMP)
            got = _kernels.key_utf8(cp, _key_table(_ALL), _SPECIAL)
        if isinstance(got, tuple):
            return got[0], got[1].data
    codes = key_codes(text, False)
    key = codes.tobytes().decode("utf-32-le", "surrogatepass")
    return codes, key.encode("utf-8", "surrogatepass")


def comparison_key(text: str, fold_script: bool = True) -> str:
    """The text as dedup compares it (see module docstring). Empty for an empty text."""
    return key_codes(text, fold_script).tobytes().decode("utf-32-le", "surrogatepass")


def year_contexts(key: str, width: int = 4) -> dict[str, frozenset[int]]:
    """Each ``YYYY年`` (1900–2099) of ``key`` by the ``width`` characters before it.

    Two copies of one report write the same years after the same words; the same agency's
    report for another year writes other years after the same words. See :func:`years_conflict`.
    """
    out: dict[str, set[int]] = {}
    for m in _YEAR.finditer(key):
        s = m.start(1)
        out.setdefault(key[max(0, s - width) : s], set()).add(int(m.group(1)))
    return {k: frozenset(v) for k, v in out.items()}


def years_conflict(a: dict[str, frozenset[int]], b: dict[str, frozenset[int]]) -> bool:
    """True when the contexts both texts share carry different years more often than the same.

    A truncated or edited copy shares contexts with the same years (no conflict); a report
    re-issued for another year (template paragraphs, years shifted) conflicts.
    """
    shared = a.keys() & b.keys()
    agree = sum(1 for c in shared if a[c] & b[c])
    return len(shared) - agree > agree


def shingle_hashes(key: str, n: int) -> np.ndarray:
    """Sorted unique 64-bit hashes of the character ``n``-grams of ``key`` (uint64 array).

    A key shorter than ``n`` has no shingles (empty array).
    """
    return shingle_hashes_of(np.frombuffer(key.encode("utf-32-le", "surrogatepass"), np.uint32), n)


def shingle_hashes_of(codes: np.ndarray, n: int) -> np.ndarray:
    """:func:`shingle_hashes` of a key given as its code points (uint32, :func:`key_codes`)."""
    m = codes.size - n + 1
    if m <= 0:
        return np.empty(0, dtype=np.uint64)
    cp = codes.astype(np.uint64)
    h = cp[:m].copy()
    for k in range(1, n):
        h *= _M64
        h += cp[k : k + m]
    h ^= h >> _S33
    h *= _MIX1
    h ^= h >> _S33
    h *= _MIX2
    h ^= h >> _S33
    h.sort()
    keep = np.empty(m, dtype=bool)
    keep[0] = True
    np.not_equal(h[1:], h[:-1], out=keep[1:])
    return h[keep]


def key_signature(
    codes: np.ndarray, n: int, num_perm: int, min_shingles: int
) -> tuple[int, np.ndarray | None]:
    """``(distinct shingle count, MinHash)`` of a key given as its code points: the size of
    :func:`shingle_hashes_of` and :func:`minhash` of it, the signature None when there are
    fewer than ``min_shingles`` shingles. With the compiled kernel (numba) one pass does
    it all without sorting: the minimum over a set does not need it in order, and its
    size is counted in a hash set; the values are the numpy path's."""
    out = np.full(num_perm, _U64_MAX, dtype=np.uint64)
    a, b = _flat(num_perm)
    count = _kernels.shingle_minhash(codes, n, a, b, out)
    if count < 0:
        sh = shingle_hashes_of(codes, n)
        return sh.size, (minhash(sh, num_perm) if sh.size >= min_shingles else None)
    return count, ((out >> _S32).astype(np.uint32) if count >= min_shingles else None)


def sorted_unique(values: np.ndarray) -> np.ndarray:
    """``np.unique(values)`` (sorted distinct values of a 1-D array) by sort + mask, which
    is several times faster than ``np.unique`` on integer arrays (numpy 2.x)."""
    if values.size < 2:
        return values.copy()
    out = np.sort(values)
    keep = np.empty(out.size, dtype=bool)
    keep[0] = True
    np.not_equal(out[1:], out[:-1], out=keep[1:])
    return out[keep]


def merge_unique(acc: np.ndarray, new: np.ndarray) -> np.ndarray:
    """The sorted distinct values of ``acc`` and ``new``, for ``acc`` already sorted and
    distinct: only ``new`` is sorted; the union is one merge of two sorted runs (numpy's
    stable sort is a timsort: linear on two runs), so adding to a large set costs O(set)."""
    new = sorted_unique(new)
    if acc.size == 0:
        return new
    pos = np.searchsorted(acc, new)
    pos[pos == acc.size] = 0
    new = new[acc[pos] != new]
    if new.size == 0:
        return acc
    out = np.concatenate([acc, new])
    out.sort(kind="stable")
    return out


@lru_cache(maxsize=8)
def permutations(num_perm: int, seed: int = 0x5EED) -> tuple[np.ndarray, np.ndarray]:
    """The ``(a, b)`` coefficients (uint64, shape ``(num_perm, 1)``) of the hash family."""
    rng = np.random.Generator(np.random.PCG64(seed))
    a = rng.integers(0, 2**63, size=num_perm, dtype=np.uint64) << np.uint64(1) | np.uint64(1)
    b = rng.integers(0, 2**63, size=num_perm, dtype=np.uint64) << np.uint64(1)
    a.setflags(write=False)
    b.setflags(write=False)
    return a.reshape(-1, 1), b.reshape(-1, 1)


def minhash(shingles: np.ndarray, num_perm: int) -> np.ndarray:
    """MinHash signature (uint32, length ``num_perm``) of a set of 64-bit shingle hashes.

    An empty set gives all ``0xFFFFFFFF`` (such documents never become LSH candidates).
    Uses the compiled kernel of :mod:`._kernels` when numba is installed, else numpy; the
    two give the same values.
    """
    out = np.full(num_perm, _U64_MAX, dtype=np.uint64)
    if shingles.size:
        x = shingles >> _S32
        a, b = _flat(num_perm)
        if not _kernels.minhash_min(x, a, b, out):
            _minhash_numpy(x, a, b, out)
    return (out >> _S32).astype(np.uint32)


@lru_cache(maxsize=8)
def _flat(num_perm: int) -> tuple[np.ndarray, np.ndarray]:
    a, b = permutations(num_perm)
    return np.ascontiguousarray(a.ravel()), np.ascontiguousarray(b.ravel())


def _minhash_numpy(x: np.ndarray, a: np.ndarray, b: np.ndarray, out: np.ndarray) -> None:
    """The numpy path of :func:`minhash` (same contract as ``_kernels.minhash_min``):
    ``num_perm × _BLOCK`` blocks, minimum per row."""
    a, b = a.reshape(-1, 1), b.reshape(-1, 1)
    buf = np.empty((a.shape[0], min(_BLOCK, x.size)), dtype=np.uint64)
    with np.errstate():  # restores the ufunc buffer size on exit
        np.setbufsize(_UFUNC_BUFSIZE)
        for start in range(0, x.size, _BLOCK):
            xc = x[start : start + _BLOCK]
            blk = buf[:, : xc.size]
            np.multiply(a, xc, out=blk)
            blk += b
            np.minimum(out, blk.min(axis=1), out=out)
