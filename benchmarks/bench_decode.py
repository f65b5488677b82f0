"""Decode throughput per encoding: lawrpt_corpus DecodeStep vs chardet vs charset-normalizer.

    PYTHONPATH=src python benchmarks/bench_decode.py [--mb 4] [--repeat 3] [--src DIR]

Inputs are made from the seeds: one large file of about ``--mb`` MB per encoding (the
seeds concatenated, repeated) and a stream of seed-sized files (~10 KB each, the size of a
real report). Throughput is input bytes per CPU second of this process (``process_time``,
best of ``--repeat``; the machine may be shared). ``--src`` imports ``lawrpt_corpus`` from
another source tree (e.g. an older commit's ``src`` from ``git archive``), so that before
and after can be measured side by side in one session, alternating runs.
The detectors are timed on a smaller input (they are much slower) and only *detect*; the
decode step detects, decodes the whole input and checks it. "right" says whether each tool
named the codec correctly (GB family counted as right for gb2312/gbk/gb18030).

Needs ``pip install charset-normalizer`` for its column (not a dependency of the package).
"""

from __future__ import annotations

import argparse
import codecs
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

import opencc

ROOT = Path(__file__).resolve().parent.parent
_SRC = sys.argv[sys.argv.index("--src") + 1] if "--src" in sys.argv[:-1] else str(ROOT / "src")
sys.path.insert(0, _SRC)

from lawrpt_corpus.decode import DecodeStep  # noqa: E402
from lawrpt_corpus.document import Document  # noqa: E402

ENCODINGS = {  # label → (codec, BOM, expected family)
    "utf-8": ("utf-8", b"", "utf-8"),
    "utf-8-sig": ("utf-8", codecs.BOM_UTF8, "utf-8"),
    "gb18030": ("gb18030", b"", "gb"),
    "big5": ("big5", b"", "big5"),
    "utf-16-le": ("utf-16-le", b"", "utf-16"),
    "utf-16 (BOM)": ("utf-16-le", codecs.BOM_UTF16_LE, "utf-16"),
}


def family(name: str | None) -> str:
    n = (name or "").lower().replace("_", "-")
    if n in ("gb2312", "gbk", "gb18030", "cp936"):
        return "gb"
    if n in ("big5", "cp950", "big5hkscs"):
        return "big5"
    if n.startswith(("utf-16", "utf-32")):
        return n[:6]
    if n in ("utf-8", "utf-8-sig", "utf8", "ascii"):
        return "utf-8"
    return n or "none"


def seed_text(codec: str) -> str:
    text = "\n".join(p.read_text("utf-8") for p in sorted((ROOT / "seeds").glob("*.txt")))
    return opencc.OpenCC("s2tw").convert(text) if codec == "big5" else text


def best_of(repeat: int, fn: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.process_time()
        fn()
        times.append(time.process_time() - t0)
    return min(times)


def ours(raws: list[bytes]) -> list[str | None]:
    step = DecodeStep()
    out = []
    for raw in raws:
        doc = step(Document(source="b", raw_sha256="", n_bytes=len(raw), raw=raw))
        out.append(doc.encoding)
    return out


def chardet_detect(raws: list[bytes]) -> list[str | None]:
    import chardet

    return [chardet.detect(raw)["encoding"] for raw in raws]


def cn_detect(raws: list[bytes]) -> list[str | None]:
    from charset_normalizer import from_bytes

    out = []
    for raw in raws:
        best = from_bytes(raw).best()
        out.append(str(best.encoding) if best is not None else None)
    return out


def row(
    label: str,
    codec: str,
    bom: bytes,
    fam: str,
    mb: float,
    kb: int,
    repeat: int,
    cn: str | None,
    detectors: bool = True,
) -> str:
    """One table row: throughput of bare decode, DecodeStep, chardet, charset-normalizer."""
    text = seed_text(codec)
    unit = (text + "\n").encode(codec)
    large = bom + unit * max(1, int(mb * 1e6 / len(unit)))
    s2tw = opencc.OpenCC("s2tw")
    files = [
        bom + (s2tw.convert(t) if codec == "big5" else t).encode(codec)
        for t in (p.read_text("utf-8") for p in sorted((ROOT / "seeds").glob("*.txt")))
    ] * 40
    small = large[: kb * 1024]
    small = small[: len(small) - len(small) % 4]
    body = large[len(bom) :]

    t_bare = best_of(repeat, lambda: body.decode(codec))
    t_large = best_of(repeat, lambda: ours([large]))
    t_files = best_of(repeat, lambda: ours(files))
    got_ours = ours([large]) + ours(files)
    right_ours = "yes" if all(family(e) == fam for e in got_ours) else "no"
    files_mb = sum(map(len, files)) / 1e6
    head = (
        f"| {label} | {len(body) / t_bare / 1e6:.0f} | {len(large) / t_large / 1e6:.0f} "
        f"| {files_mb / t_files:.0f} "
    )
    if not detectors:
        return head + f"| – | – | {right_ours} / – / – |"
    t_cd = best_of(1, lambda: chardet_detect([small]))
    got_cd = chardet_detect([small])[0]
    row_cn = right_cn = "n/a"
    if cn:
        t_cn = best_of(1, lambda: cn_detect([small]))
        got_cn = cn_detect([small])[0]
        row_cn = f"{len(small) / t_cn / 1e6:.1f}"
        right_cn = "yes" if family(got_cn) == fam else f"no ({got_cn})"
    right_cd = "yes" if family(got_cd) == fam else f"no ({got_cd})"
    return head + (
        f"| {len(small) / t_cd / 1e6:.1f} | {row_cn} | {right_ours} / {right_cd} / {right_cn} |"
    )


def accuracy(with_cn: bool) -> None:
    """Codec named right on the labeled matrix cases of >= 200 bytes
    (tests/helpers/decode_cases.py)."""
    sys.path.insert(0, str(ROOT))
    from tests.helpers.decode_cases import iter_cases

    cases = list(iter_cases(sizes=(None, 1000, 200)))
    tools: dict[str, Callable[[list[bytes]], list[str | None]]] = {
        "DecodeStep": ours,
        "chardet": chardet_detect,
    }
    if with_cn:
        tools["charset-normalizer"] = cn_detect
    print()
    print("| damage | cases | " + " | ".join(tools) + " |")
    print("|" + "---|" * (2 + len(tools)))
    for damage in ("clean", "cut", "junk", "splice"):
        sub = [c for c in cases if c.damage == damage]
        cells = []
        for fn in tools.values():
            got = fn([c.raw for c in sub])
            ok = sum(family(g) == family(c.codec) for g, c in zip(got, sub, strict=True))
            cells.append(f"{ok}")
        print(f"| {damage} | {len(sub)} | " + " | ".join(cells) + " |")


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=4.0, help="size of the large input per encoding")
    ap.add_argument("--detector-kb", type=int, default=256, help="input size for detectors")
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument(
        "--accuracy", action="store_true", help="also: codec accuracy on the labeled matrix"
    )
    ap.add_argument("--src", default=_SRC, help="source tree to import lawrpt_corpus from")
    ap.add_argument("--no-detectors", action="store_true", help="time only the decode step")
    args = ap.parse_args()
    try:
        import charset_normalizer

        cn_version = charset_normalizer.__version__
    except ImportError:
        cn_version = None
    import chardet

    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    print(
        f"Python {platform.python_version()} on {platform.machine()}, one core, "
        f"{os.cpu_count()} CPUs, load average {load:.1f}; chardet {chardet.__version__}, "
        f"charset-normalizer {cn_version or 'not installed'}; lawrpt_corpus from {args.src}"
    )
    print()
    print(
        "| input | bare `bytes.decode` MB/s | DecodeStep large MB/s | DecodeStep 10 KB files "
        "MB/s | chardet MB/s | charset-normalizer MB/s | codec right (ours / chardet / c-n) |"
    )
    print("|" + "---|" * 7)
    for label, (codec, bom, fam) in ENCODINGS.items():
        print(
            row(
                label,
                codec,
                bom,
                fam,
                args.mb,
                args.detector_kb,
                args.repeat,
                cn_version,
                not args.no_detectors,
            )
        )
    if args.accuracy:
        accuracy(cn_version is not None)
    return 0


if __name__ == "__main__":
    sys.exit(main())
