"""Decode throughput per encoding: lawrpt_corpus DecodeStep vs chardet vs charset-normalizer.

    PYTHONPATH=src python benchmarks/bench_decode.py [--mb 4] [--repeat 3]

Inputs are made from the seeds: one large file of about ``--mb`` MB per encoding (the
seeds concatenated, repeated) and a stream of seed-sized files (~10 KB each, the size of a
real report). Throughput is input bytes per second on one core (best of ``--repeat``).
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
sys.path.insert(0, str(ROOT / "src"))

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
    if n.startswith("utf-16"):
        return "utf-16"
    if n in ("utf-8", "utf-8-sig", "utf8", "ascii"):
        return "utf-8"
    return n or "none"


def seed_text(codec: str) -> str:
    text = "\n".join(p.read_text("utf-8") for p in sorted((ROOT / "seeds").glob("*.txt")))
    return opencc.OpenCC("s2tw").convert(text) if codec == "big5" else text


def best_of(repeat: int, fn: Callable[[], object]) -> float:
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
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


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--mb", type=float, default=4.0, help="size of the large input per encoding")
    ap.add_argument("--detector-kb", type=int, default=256, help="input size for detectors")
    ap.add_argument("--repeat", type=int, default=3)
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
        f"charset-normalizer {cn_version or 'not installed'}"
    )
    print()
    print(
        "| input | bare `bytes.decode` MB/s | DecodeStep large MB/s | DecodeStep 10 KB files "
        "MB/s | chardet MB/s | charset-normalizer MB/s | codec right (ours / chardet / c-n) |"
    )
    print("|" + "---|" * 7)
    for label, (codec, bom, fam) in ENCODINGS.items():
        text = seed_text(codec)
        unit = (text + "\n").encode(codec)
        large = bom + unit * max(1, int(args.mb * 1e6 / len(unit)))
        files = [
            bom + p.read_text("utf-8").encode(codec)
            if codec != "big5"
            else bom + opencc.OpenCC("s2tw").convert(p.read_text("utf-8")).encode("big5")
            for p in sorted((ROOT / "seeds").glob("*.txt"))
        ] * 40
        small = large[: args.detector_kb * 1024]
        small = small[: len(small) - len(small) % 4]

        got: dict[str, list[str | None]] = {}
        t_bare = best_of(args.repeat, lambda: large[len(bom) :].decode(codec))
        t_large = best_of(args.repeat, lambda: got.__setitem__("ours", ours([large])))
        files_bytes = sum(map(len, files))
        t_files = best_of(args.repeat, lambda: got.__setitem__("files", ours(files)))
        t_cd = best_of(1, lambda: got.__setitem__("chardet", chardet_detect([small])))
        row_cn = "n/a"
        right_cn = "n/a"
        if cn_version:
            t_cn = best_of(1, lambda: got.__setitem__("cn", cn_detect([small])))
            row_cn = f"{len(small) / t_cn / 1e6:.1f}"
            right_cn = "yes" if family(got["cn"][0]) == fam else f"no ({got['cn'][0]})"
        right_ours = "yes" if all(family(e) == fam for e in got["ours"] + got["files"]) else "no"
        right_cd = "yes" if family(got["chardet"][0]) == fam else f"no ({got['chardet'][0]})"
        print(
            f"| {label} | {len(large) / t_bare / 1e6:.0f} "
            f"| {len(large) / t_large / 1e6:.0f} | {files_bytes / t_files / 1e6:.0f} "
            f"| {len(small) / t_cd / 1e6:.1f} | {row_cn} | {right_ours} / {right_cd} / {right_cn} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
