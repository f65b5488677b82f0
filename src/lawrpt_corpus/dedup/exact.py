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

from ..document import Document
from ..pipeline import CorpusStep

#: ``features`` key of the text hash ``prepare`` computes (``fit`` and cluster fits read it)
TEXT_SHA1 = "exact-dedup.text_sha1"


@dataclass(frozen=True)
class ExactDedupState:
    """What :meth:`ExactDedup.fit` learned: ``rep`` maps the ``seq`` of every later copy to
    the id of the first document with its text; ``members`` maps that id to the sources of
    its copies (input order)."""

    rep: dict[int, str] = field(default_factory=dict)
    members: dict[str, list[str]] = field(default_factory=dict)

    @classmethod
    def from_rows(cls, rows: Iterable[tuple[int, str, str]]) -> ExactDedupState:
        """From ``(seq, representative id, source)`` of every later copy, in input order."""
        state = cls()
        for seq, rep, source in rows:
            state.rep[seq] = rep
            state.members.setdefault(rep, []).append(source)
        return state


@dataclass
class ExactDedup(CorpusStep):
    name = "exact-dedup"
    version = "0.1"

    state: ExactDedupState | None = field(default=None, init=False, repr=False, compare=False)

    def prepare(self, doc: Document) -> None:
        doc.features[TEXT_SHA1] = hashlib.sha1(doc.text.encode("utf-8", "surrogatepass")).digest()

    def fit(self, docs: Iterable[Document]) -> ExactDedupState:
        first: dict[bytes, tuple[int, str]] = {}
        rows: list[tuple[int, str, str]] = []
        for doc in docs:
            key = doc.features[TEXT_SHA1]
            seq, rep = first.setdefault(key, (doc.seq, doc.id))
            if seq != doc.seq:
                rows.append((doc.seq, rep, doc.source))
        state = ExactDedupState.from_rows(rows)
        self.set_state(state)
        return state

    def apply(self, doc: Document) -> Document:
        state = self.state or ExactDedupState()
        rep = state.rep.get(doc.seq)
        if rep is not None:
            doc.mark_duplicate(rep, "exact")
        elif doc.id in state.members:
            doc.duplicates = list(state.members[doc.id])
        return doc

    def derived_params(self) -> dict[str, Any]:
        return {"key": "sha1(cleaned text)"}

    def stats(self) -> dict[str, Any]:
        return {"exact_duplicates": len(self.state.rep) if self.state else 0}
