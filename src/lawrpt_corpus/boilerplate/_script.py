"""A simplified view of a page's traditional lines, for matching only.

The script step converts a page that is traditional or mixed as a whole; a simplified page
that carries a few traditional lines (a 范文 site's ad preface, a wiki mirror's [編輯]
link) keeps them as they are, and the rule packs, written in simplified characters, would
miss them. :func:`match_view` gives the text the boilerplate rules and the score model
read: the page converted with OpenCC ``t2s``, line by line where the conversion keeps the
line's length (nearly always: t2s maps character to character), so that every offset of
the view is an offset of the original text and a removal records the original
characters. A line whose conversion changes its length (a rare phrase mapping) is read as
it is. A text t2s leaves alone (simplified text) comes back as the same object. Text that
OpenCC cannot take (lone surrogates) is read as it is.

**The gate** (speed; the view is the same with or without it). Most pages hold no
character ``t2s`` changes, and OpenCC's pass over a page costs more than the rest of the
script handling. ``data/t2s_gate.json`` lists, derived from the installed OpenCC's own
dictionaries (the ones ``t2s.json`` names: the compatibility-ideograph normalization,
``TSPhrases``, ``TSCharactersExt``, ``TSCharacters``), every single-character key whose
first value differs from it and every phrase key whose first value differs from it. OpenCC
can change a text only where one of these keys occurs, so :func:`may_change` — one
vectorised lookup of the page's code points, then, for the few phrase keys, a
``startswith`` at each occurrence of the key's *witness* (its first character that the
conversion changes) — answers False only for a page t2s would return unchanged; then the
page is not converted. The gate is off (every page converted, as before) when the
installed OpenCC is not the version the file was derived from; a test re-derives the file
from the installed dictionaries and checks that it is current.
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
from functools import lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import numpy as np

#: The dictionaries of OpenCC's ``t2s.json``, in its order (normalization first).
T2S_DICTS = ("CJK_Compatibility_Ideographs", "TSPhrases", "TSCharactersExt", "TSCharacters")
_CHAR = 1  # a code point t2s changes on its own
_WITNESS = 2  # the witness character of a phrase key


@lru_cache(maxsize=1)
def _t2s() -> Any:
    import opencc

    return opencc.OpenCC("t2s.json")


def match_view(text: str) -> str:
    """``text`` with its traditional lines in simplified characters, same length and lines."""
    if not text or not may_change(text):
        return text
    try:
        view = str(_t2s().convert(text))
    except UnicodeEncodeError:
        return text
    if view == text:
        return text
    lines, vlines = text.split("\n"), view.split("\n")
    if len(lines) != len(vlines):
        return text
    return "\n".join(v if len(v) == len(t) else t for t, v in zip(lines, vlines, strict=True))


def changing_keys(tables: dict[str, dict[str, list[str]]]) -> tuple[str, str]:
    """``(characters, phrases)``: the single-character keys and the longer keys of the
    ``t2s`` dictionaries (``tables``: name → key → values) whose first value differs from
    the key, each sorted and joined (phrases by ``\n``)."""
    chars: set[str] = set()
    phrases: set[str] = set()
    for name in T2S_DICTS:
        for key, values in tables[name].items():
            if values and values[0] != key:
                (chars if len(key) == 1 else phrases).add(key)
    return "".join(sorted(chars)), "\n".join(sorted(phrases))


def derive_gate() -> dict[str, str]:
    """``data/t2s_gate.json`` from the installed OpenCC (needs its ``opencc_dict`` tool;
    ``FileNotFoundError`` when absent)."""
    import opencc

    base = Path(opencc.__file__).parent / "clib"
    tool, share = base / "bin" / "opencc_dict", base / "share" / "opencc"
    if not tool.exists() or not os.access(tool, os.X_OK):
        raise FileNotFoundError(tool)
    tables: dict[str, dict[str, list[str]]] = {}
    with tempfile.TemporaryDirectory() as tmp:
        for name in T2S_DICTS:
            out = Path(tmp) / f"{name}.txt"
            src = share / f"{name}.ocd2"
            subprocess.run(
                [str(tool), "-i", str(src), "-o", str(out), "-f", "ocd2", "-t", "text"],
                check=True,
                capture_output=True,
            )
            table: dict[str, list[str]] = {}
            for line in out.read_text(encoding="utf-8").splitlines():
                key, _, values = line.partition("\t")
                table[key] = values.split(" ")
            tables[name] = table
    chars, phrases = changing_keys(tables)
    return {
        "opencc_version": str(opencc.__version__),
        "dicts": " ".join(T2S_DICTS),
        "chars": chars,
        "phrases": phrases,
    }


def witness(phrase: str, converted: str) -> int:
    """Offset in ``phrase`` of the character a gate looks for: the first one the
    conversion changes (the first character when the lengths differ)."""
    if len(phrase) == len(converted):
        for k, (a, b) in enumerate(zip(phrase, converted, strict=True)):
            if a != b:
                return k
    return 0


@lru_cache(maxsize=1)
def _gate() -> tuple[np.ndarray, dict[str, tuple[tuple[str, int], ...]]] | None:
    """The code point → flags table and, per witness character, the phrase keys with the
    witness's offset; None (no gate) when the data is for another OpenCC version."""
    import opencc

    raw = resources.files(__package__).joinpath("data/t2s_gate.json").read_text("utf-8")
    data = json.loads(raw)
    if data.get("opencc_version") != str(opencc.__version__):
        return None
    if data.get("dicts") != " ".join(T2S_DICTS):
        return None
    table = np.zeros(0x110000, dtype=np.uint8)
    chars = data["chars"]
    if chars:
        table[np.array([ord(c) for c in chars], dtype=np.int64)] |= _CHAR
    by_witness: dict[str, list[tuple[str, int]]] = {}
    conv = _t2s()
    for phrase in data["phrases"].split("\n"):
        if not phrase:
            continue
        k = witness(phrase, str(conv.convert(phrase)))
        by_witness.setdefault(phrase[k], []).append((phrase, k))
        table[ord(phrase[k])] |= _WITNESS
    return table, {c: tuple(v) for c, v in by_witness.items()}


def may_change(text: str) -> bool:
    """False only when OpenCC ``t2s`` certainly returns ``text`` unchanged (no key of its
    dictionaries that changes anything occurs in it); True otherwise, or without a gate."""
    gate = _gate()
    if gate is None:
        return True
    table, phrases = gate
    units = text.encode("utf-16-le", "surrogatepass")
    if len(units) == 2 * len(text):  # no character beyond the BMP: one unit each
        flags = table[:0x10000].take(np.frombuffer(units, dtype=np.uint16))
    else:
        codes = np.frombuffer(text.encode("utf-32-le", "surrogatepass"), dtype=np.uint32)
        flags = table.take(codes)
    if not np.count_nonzero(flags):  # most pages: ~1 µs, where flatnonzero takes ~5
        return False
    hits = np.flatnonzero(flags)
    if np.any(flags[hits] & _CHAR):
        return True
    for pos in hits.tolist():
        for phrase, k in phrases.get(text[pos], ()):
            if pos >= k and text.startswith(phrase, pos - k):
                return True
    return False


if __name__ == "__main__":  # pragma: no cover - maintenance entry point
    target = Path(__file__).parent / "data" / "t2s_gate.json"
    target.write_text(json.dumps(derive_gate(), ensure_ascii=False, indent=1) + "\n", "utf-8")
    print(f"wrote {target}")
