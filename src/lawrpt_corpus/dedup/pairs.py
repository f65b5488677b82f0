"""The verified pairs of a ``Dedup`` fit in numpy arrays, not a dict of tuples.

A dict ``{(a, b): (kind, similarity)}`` costs ~330 bytes per pair in CPython (the entry,
two 2-tuples, three ints and a float); the fit keeps every verified pair until its stars are
split, and on the generated corpus there are ~2.6 verified pairs per document — most of the
cluster fit's coordinator memory (docs/scaling.md, "Session 22: what ``Dedup``'s
coordinator holds"). :class:`VerifiedPairs` keeps them as sorted ``int64`` keys
``a * n + b``, an ``int8`` kind and a ``float64`` similarity: 17 bytes per pair.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

#: single writes (``pairs[(a, b)] = ...``) buffered before they are folded into the arrays
_FLUSH = 1 << 16


class VerifiedPairs:
    """What :meth:`Dedup.compare` gave each verified pair ``(a, b)`` (``a < b``, document
    indices ``< n``) of one fit, with a dict's semantics for what the fit uses: a pair
    written twice keeps its last value and counts once (``len``), ``get`` / ``in`` look a
    pair up, :meth:`merged` gives the pairs of a non-zero kind. Writes are buffered and
    folded in (one sort) before the next read."""

    def __init__(self, n: int):
        self.n = max(int(n), 1)
        self._keys = np.empty(0, dtype=np.int64)
        self._kinds = np.empty(0, dtype=np.int8)
        self._sims = np.empty(0, dtype=np.float64)
        #: pending bulk writes (keys, kinds, sims), in write order
        self._pending: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = []
        #: pending single writes, in write order (after the bulk writes before them)
        self._one: tuple[list[int], list[int], list[float]] = ([], [], [])

    def _key(self, a: int, b: int) -> int:
        if not 0 <= a < self.n or not 0 <= b < self.n:
            raise IndexError(f"pair ({a}, {b}) outside 0..{self.n - 1}")
        return a * self.n + b

    def add(self, a: np.ndarray, b: np.ndarray, kinds: np.ndarray, sims: np.ndarray) -> None:
        """Write the pairs ``(a[i], b[i])`` with ``kinds[i]``, ``sims[i]``."""
        a = np.asarray(a, dtype=np.int64)
        b = np.asarray(b, dtype=np.int64)
        if a.size == 0:
            return
        if a.min() < 0 or b.min() < 0 or a.max() >= self.n or b.max() >= self.n:
            raise IndexError(f"pairs outside 0..{self.n - 1}")
        self._spill()
        self._pending.append(
            (
                a * self.n + b,
                np.asarray(kinds, dtype=np.int8),
                np.asarray(sims, dtype=np.float64),
            )
        )

    def __setitem__(self, pair: tuple[int, int], value: tuple[int, float]) -> None:
        keys, kinds, sims = self._one
        keys.append(self._key(*pair))
        kinds.append(int(value[0]))
        sims.append(float(value[1]))
        if len(keys) >= _FLUSH:
            self._spill()

    def _spill(self) -> None:
        keys, kinds, sims = self._one
        if keys:
            self._pending.append(
                (
                    np.array(keys, dtype=np.int64),
                    np.array(kinds, dtype=np.int8),
                    np.array(sims, dtype=np.float64),
                )
            )
            self._one = ([], [], [])

    def _fold(self) -> None:
        """Fold the pending writes in: sorted by key, the last write of a key kept."""
        self._spill()
        if not self._pending:
            return
        keys = np.concatenate([self._keys, *(p[0] for p in self._pending)])
        kinds = np.concatenate([self._kinds, *(p[1] for p in self._pending)])
        sims = np.concatenate([self._sims, *(p[2] for p in self._pending)])
        self._pending = []
        order = np.argsort(keys, kind="stable")
        keys = keys[order]
        last = np.ones(keys.size, dtype=bool)
        last[:-1] = keys[1:] != keys[:-1]
        keep = order[last]
        self._keys, self._kinds, self._sims = keys[last], kinds[keep], sims[keep]

    def _find(self, pair: tuple[int, int]) -> int:
        self._fold()
        key = self._key(*pair)
        i = int(np.searchsorted(self._keys, key))
        return i if i < self._keys.size and int(self._keys[i]) == key else -1

    def get(self, pair: tuple[int, int], default: tuple[int, float]) -> tuple[int, float]:
        i = self._find(pair)
        if i < 0:
            return default
        return int(self._kinds[i]), float(self._sims[i])

    def __getitem__(self, pair: tuple[int, int]) -> tuple[int, float]:
        i = self._find(pair)
        if i < 0:
            raise KeyError(pair)
        return int(self._kinds[i]), float(self._sims[i])

    def __contains__(self, pair: object) -> bool:
        return isinstance(pair, tuple) and self._find(pair) >= 0

    def __len__(self) -> int:
        self._fold()
        return int(self._keys.size)

    def merged(self) -> tuple[np.ndarray, np.ndarray]:
        """(``a``, ``b``) of the pairs of a non-zero kind, sorted by (``a``, ``b``)."""
        self._fold()
        keys = self._keys[self._kinds != 0]
        return keys // self.n, keys % self.n

    def items(self) -> Iterator[tuple[tuple[int, int], tuple[int, float]]]:
        """Every pair and its (kind, similarity), sorted by pair (for tests and reports)."""
        self._fold()
        for key, kind, sim in zip(
            self._keys.tolist(), self._kinds.tolist(), self._sims.tolist(), strict=True
        ):
            yield (key // self.n, key % self.n), (kind, sim)

    @property
    def nbytes(self) -> int:
        """Bytes of the folded arrays."""
        self._fold()
        return int(self._keys.nbytes + self._kinds.nbytes + self._sims.nbytes)
