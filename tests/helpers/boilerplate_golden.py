"""Golden files of the boilerplate step on the seeds (tests/golden/<seed>.clean.txt and
<seed>.removed.tsv). The input is the seed as hygiene leaves it (LF, one paragraph per
line, no indentation, no blank lines); typography and script are not applied here.

Regenerate (then REVIEW the diff by hand):
    PYTHONPATH=src python tests/helpers/boilerplate_golden.py
"""

from __future__ import annotations

from pathlib import Path

from lawrpt_corpus.boilerplate import StripBoilerplate
from lawrpt_corpus.document import Document

ROOT = Path(__file__).resolve().parents[2]
GOLDEN = ROOT / "tests" / "golden"


def hygiene_like(text: str) -> str:
    """What the hygiene step guarantees: LF, stripped lines, no blank lines."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    return "\n".join(s for s in (ln.strip() for ln in lines) if s)


def clean(seed: Path) -> Document:
    text = hygiene_like(seed.read_text(encoding="utf-8"))
    doc = Document(source=seed.name, raw_sha256="0" * 64, n_bytes=0, text=text)
    return StripBoilerplate()(doc)


def removed_tsv(doc: Document) -> str:
    return "".join(f"{r.rule}\t{r.text!r}\n" for r in doc.removed)


def main() -> None:
    for seed in sorted((ROOT / "seeds").glob("*.txt")):
        doc = clean(seed)
        (GOLDEN / f"{seed.stem}.clean.txt").write_text(doc.text, encoding="utf-8")
        (GOLDEN / f"{seed.stem}.removed.tsv").write_text(removed_tsv(doc), encoding="utf-8")
        (GOLDEN / f"{seed.stem}.flags.txt").write_text("\n".join(doc.flags), encoding="utf-8")


if __name__ == "__main__":
    main()
