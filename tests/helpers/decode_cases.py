"""Labeled decode cases generated from the seeds (shared by tests and the benchmark).

Every seed × encoding × size (whole file, 1000/200/50-byte slices cut on character
boundaries) × damage (clean, last byte cut, one junk byte 0xFF inserted at a character
boundary, a 4-character phrase spliced in another encoding), plus latin-1 / cp1252 mojibake.
Each case carries what a correct decoder must return.
"""

from __future__ import annotations

import codecs
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import opencc

SEEDS = Path(__file__).resolve().parents[2] / "seeds"

#: label → (Python codec used to write, BOM prepended, codec the decoder must report)
ENCODINGS: dict[str, tuple[str, bytes, str]] = {
    "utf-8": ("utf-8", b"", "utf-8"),
    "utf-8-sig": ("utf-8", codecs.BOM_UTF8, "utf-8-sig"),
    "gb18030": ("gb18030", b"", "gb18030"),
    "gbk": ("gbk", b"", "gb18030"),
    "big5": ("big5", b"", "big5"),
    "utf-16-le": ("utf-16-le", b"", "utf-16-le"),
    "utf-16-be": ("utf-16-be", b"", "utf-16-be"),
    "utf-16-le-bom": ("utf-16-le", codecs.BOM_UTF16_LE, "utf-16-le"),
    "utf-16-be-bom": ("utf-16-be", codecs.BOM_UTF16_BE, "utf-16-be"),
    "utf-32-le-bom": ("utf-32-le", codecs.BOM_UTF32_LE, "utf-32-le"),
    "utf-32-le": ("utf-32-le", b"", "utf-32-le"),
    "utf-32-be": ("utf-32-be", b"", "utf-32-be"),
}
SIZES: tuple[int | None, ...] = (None, 1000, 200, 50)
DAMAGES = ("clean", "cut", "junk", "splice")
SLICES_PER_SIZE = {None: 1, 1000: 2, 200: 4, 50: 12}


@dataclass(frozen=True)
class Case:
    seed: str
    encoding: str
    size: int | None
    start: int
    damage: str
    raw: bytes
    codec: str
    expected: str
    #: for "splice": the decoded text must start with ``prefix`` and end with ``suffix``
    prefix: str = ""
    suffix: str = ""

    @property
    def id(self) -> str:
        return f"{self.seed[:3]}-{self.encoding}-{self.size or 'whole'}@{self.start}-{self.damage}"


def seed_texts() -> dict[str, str]:
    return {p.name: p.read_text(encoding="utf-8") for p in sorted(SEEDS.glob("*.txt"))}


def _fit(text: str, start: int, codec: str, budget: int) -> str:
    """The longest run of characters from ``start`` whose encoding fits in ``budget`` bytes."""
    lo, hi = 0, min(len(text) - start, budget)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if len(text[start : start + mid].encode(codec)) <= budget:
            lo = mid
        else:
            hi = mid - 1
    return text[start : start + lo]


def _phrase(other: str) -> str:
    """Four consecutive Han characters from another seed (the foreign phrase)."""
    run = ""
    for ch in other[len(other) // 3 :]:
        run = run + ch if "\u4e00" <= ch <= "\u9fff" else ""
        if len(run) == 4:
            return run
    return "依法行政"


def iter_cases(sizes: tuple[int | None, ...] = SIZES) -> Iterator[Case]:
    texts = seed_texts()
    names = sorted(texts)
    s2tw = opencc.OpenCC("s2tw")
    for n, name in enumerate(names):
        phrase = _phrase(texts[names[(n + 1) % len(names)]])
        for label, (codec, bom, report) in ENCODINGS.items():
            text = s2tw.convert(texts[name]) if codec == "big5" else texts[name]
            for size in sizes:
                count = SLICES_PER_SIZE[size]
                for k in range(count):
                    if size is None:
                        start, piece = 0, text
                    else:
                        start = (len(text) * k) // count
                        piece = _fit(text, start, codec, size - len(bom))
                    if len(piece) < 4:
                        continue
                    yield from _damaged(name, label, size, start, piece, codec, bom, report, phrase)


def _damaged(
    name: str,
    label: str,
    size: int | None,
    start: int,
    piece: str,
    codec: str,
    bom: bytes,
    report: str,
    phrase: str,
) -> Iterator[Case]:
    body = piece.encode(codec)
    mid = len(piece) // 2
    cut_at = len(piece[:mid].encode(codec))
    foreign = phrase.encode("utf-8" if codec in ("gb18030", "gbk", "big5") else "gb18030")
    common = {"seed": name, "encoding": label, "size": size, "start": start, "codec": report}
    yield Case(damage="clean", raw=bom + body, expected=piece, **common)
    yield Case(damage="cut", raw=bom + body[:-1], expected=piece[:-1], **common)
    yield Case(
        damage="junk",
        raw=bom + body[:cut_at] + b"\xff" + body[cut_at:],
        expected=piece[:mid] + "\ufffd" + piece[mid:],
        **common,
    )
    yield Case(
        damage="splice",
        raw=bom + body[:cut_at] + foreign + body[cut_at:],
        expected=piece[:mid] + phrase + piece[mid:],
        prefix=piece[:mid],
        suffix=piece[mid:],
        **common,
    )


def mojibake_cases() -> Iterator[tuple[str, bytes, str]]:
    """(label, raw, expected): UTF-8 read as latin-1 / cp1252 (undefined bytes kept as C1)."""
    for name, text in seed_texts().items():
        utf8 = text.encode("utf-8")
        yield f"{name[:3]}-latin1", utf8.decode("latin-1").encode("utf-8"), text
        sloppy = "".join(
            bytes([b]).decode("cp1252", "strict")
            if b not in (0x81, 0x8D, 0x8F, 0x90, 0x9D)
            else chr(b)
            for b in utf8
        )
        yield f"{name[:3]}-cp1252", sloppy.encode("utf-8"), text
