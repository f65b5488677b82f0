"""Exact deduplication on the cleaned text (foundation version).

Two kept documents whose cleaned texts are identical are one document: the first in input
order is kept (the near-duplicate stage refines the choice), the others become
``duplicate`` rows of the manifest with ``reason="exact"``.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from typing import Any

from ..document import DUPLICATE, Document
from ..pipeline import CorpusStep


@dataclass
class ExactDedup(CorpusStep):
    name = "exact-dedup"
    version = "0.1"

    _rep: dict[int, str] = field(default_factory=dict, repr=False)
    _members: dict[str, list[str]] = field(default_factory=dict, repr=False)
    _n_dup: int = field(default=0, repr=False)

    def prepare(self, doc: Document) -> None:
        doc.features["text_sha1"] = hashlib.sha1(doc.text.encode("utf-8", "surrogatepass")).digest()

    def fit(self, docs: Iterable[Document]) -> None:
        first: dict[bytes, tuple[int, str]] = {}
        self._rep.clear()
        self._members.clear()
        for doc in docs:
            key = doc.features["text_sha1"]
            seq, rep = first.setdefault(key, (doc.seq, doc.id))
            if seq != doc.seq:
                self._rep[doc.seq] = rep
                self._members.setdefault(rep, []).append(doc.source)
        self._n_dup = len(self._rep)

    def apply(self, doc: Document) -> Document:
        rep = self._rep.get(doc.seq)
        if rep is not None:
            doc.status = DUPLICATE
            doc.duplicate_of = rep
            doc.reason = "exact"
            doc.text = ""
        elif doc.id in self._members:
            doc.duplicates = list(self._members[doc.id])
        return doc

    def params(self) -> dict[str, Any]:
        return {"key": "sha1(cleaned text)"}

    def stats(self) -> dict[str, Any]:
        return {"exact_duplicates": self._n_dup}
