"""Dedup signatures (comparison key, shingle hashes, MinHash) equal the v1.0 definitions.

The fast implementation (code-point table, sort-based unique, small ufunc buffer) must give
the very same hash values as the reference kept in benchmarks/bench_dedup_sig.py, so that a
corpus clustered before and after the change clusters identically. Literal values pin the
signature of two seeds, so a change of the hash family or of the key is caught even if the
reference were edited along with it.
"""

from __future__ import annotations

import importlib.util
import random
import sys
from pathlib import Path
from types import ModuleType

import numpy as np
import pytest

from lawrpt_corpus.dedup.signature import (
    comparison_key,
    key_codes,
    minhash,
    shingle_hashes,
)

ROOT = Path(__file__).resolve().parents[2]


def _load_bench() -> ModuleType:
    name = "bench_dedup_sig"
    if name in sys.modules:
        return sys.modules[name]
    spec = importlib.util.spec_from_file_location(name, ROOT / "benchmarks" / f"{name}.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


@pytest.fixture(scope="module")
def ref() -> ModuleType:
    return _load_bench()


def _same_signature(ref: ModuleType, text: str, fold: bool) -> None:
    key = comparison_key(text, fold)
    assert key == ref.ref_comparison_key(text, fold)
    sh = shingle_hashes(key, 5)
    ref_sh = ref.ref_shingle_hashes(key, 5)
    assert sh.dtype == np.uint64 and np.array_equal(sh, ref_sh)
    assert np.array_equal(minhash(sh, 128), ref.ref_minhash(ref_sh, 128))


@pytest.mark.parametrize(
    ("seed", "key_len", "n_shingles", "first"),
    [
        ("000_", 2968, 2789, [448713, 102904, 724830, 1147006, 1176681, 285592]),
        ("004_", 3204, 2959, [50030, 81389, 1376630, 175543, 612773, 1006962]),
    ],
)
def test_seed_signatures_keep_their_published_values(seed, key_len, n_shingles, first):
    text = next((ROOT / "seeds").glob(f"{seed}*.txt")).read_text("utf-8")
    key = comparison_key(text)
    sh = shingle_hashes(key, 5)
    sig = minhash(sh, 128)
    assert (len(key), sh.size) == (key_len, n_shingles)
    assert sig.dtype == np.uint32 and sig[:6].tolist() == first


def test_key_equals_the_string_definition_on_every_bmp_and_sampled_astral_code_point(ref):
    rng = random.Random(3)
    cps = list(range(0x10000)) + rng.sample(range(0x10000, 0x110000), 30_000)
    rng.shuffle(cps)
    for i in range(0, len(cps), 4000):
        text = "".join(map(chr, cps[i : i + 4000]))
        assert comparison_key(text, False) == ref.ref_comparison_key(text, False)


@pytest.mark.parametrize(
    ("text", "key"),
    [
        ("ΟΔΟΣ ΣΑΣ", "οδοσσας"),  # Σ: final-sigma rule sees the key, as str.lower does
        ("İstanbul", "i\u0307stanbul"),  # İ lower-cases to two code points
        ("ＡＢＣ，１２３ａｂ！", "abc123ab"),  # full-width letters and digits fold, then lower
        ("第一条　（总则）", "第一条总则"),
        ("𠀀𠮷 \U000f0000 x", "𠀀𠮷x"),  # astral Han kept, private use deleted
    ],
)
def test_key_special_cases_follow_the_definition(ref, text, key):
    assert comparison_key(text, False) == key == ref.ref_comparison_key(text, False)


def test_degenerate_inputs_give_empty_or_all_max_signatures(ref):
    assert comparison_key("") == "" and key_codes("").size == 0
    assert comparison_key("，。！？ \n\t\u200b") == ""
    assert shingle_hashes("", 5).size == 0 and shingle_hashes("四个字符", 5).size == 0
    assert shingle_hashes("五个字符串", 5).size == 1
    assert np.all(minhash(shingle_hashes("", 5), 128) == 0xFFFFFFFF)
    # lone surrogates (undecodable input kept as is) are deleted from the key, not an error
    assert comparison_key("报告\ud800正文", False) == "报告正文"
    _same_signature(ref, "报告\ud800正文" * 3, False)


def test_repeated_shingles_are_counted_once(ref):
    text = "法治政府建设" * 500
    sh = shingle_hashes(comparison_key(text), 5)
    assert sh.size == 6 and np.all(sh[1:] > sh[:-1])
    _same_signature(ref, text, True)


def test_minhash_of_many_shingles_crosses_blocks_like_the_reference(ref):
    rng = np.random.default_rng(5)
    sh = np.unique(rng.integers(0, 2**64 - 1, size=20_000, dtype=np.uint64))
    assert np.array_equal(minhash(sh, 128), ref.ref_minhash(sh, 128))
    assert np.array_equal(minhash(sh[:7], 256), ref.ref_minhash(sh[:7], 256))


def test_minhash_leaves_numpy_buffer_size_as_it_was():
    before = np.getbufsize()
    minhash(shingle_hashes(comparison_key("法治政府建设年度报告" * 50), 5), 128)
    assert np.getbufsize() == before


def test_generated_reports_get_the_reference_signatures(ref):
    pages = ref.generated_pages(24, seed=11)  # originals and traditional-script copies
    for page in pages:
        for fold in (True, False):
            _same_signature(ref, page, fold)


@pytest.mark.slow
def test_key_equals_the_string_definition_on_every_code_point(ref):
    cps = list(range(0x110000))
    random.Random(4).shuffle(cps)
    for i in range(0, len(cps), 4000):
        text = "".join(map(chr, cps[i : i + 4000]))
        assert comparison_key(text, False) == ref.ref_comparison_key(text, False)


@pytest.mark.slow
def test_two_thousand_generated_pages_get_the_reference_signatures(ref):
    # raw pages (chrome, width styles, traditional copies): harder on the key than the
    # cleaned texts; benchmarks/bench_dedup_sig.py also compares cleaned texts
    res = ref.compare(ref.generated_pages(2000, seed=2), True)
    assert res["differences"] == 0


def test_sorted_unique_and_merge_unique_equal_numpy_unique():
    from lawrpt_corpus.dedup.signature import merge_unique, sorted_unique

    rng = np.random.default_rng(7)
    for _ in range(500):
        a = rng.integers(0, 60, size=int(rng.integers(0, 50)))
        b = rng.integers(0, 60, size=int(rng.integers(0, 50)))
        assert np.array_equal(sorted_unique(a), np.unique(a))
        merged = merge_unique(np.unique(a), b)
        assert np.array_equal(merged, np.unique(np.concatenate([a, b])))
        assert merged.dtype == a.dtype


def _all_band_pairs(step, sigs, idx, n):
    """The materialised reference: every band's bucket pairs as one set of keys."""
    hashes = step.band_hashes(sigs[idx])
    expected: set[int] = set()
    for band in range(step.bands):
        order = np.argsort(hashes[band], kind="stable")
        for keys in step.bucket_pairs(hashes[band][order], idx[order], n):
            expected.update(keys.tolist())
    return np.array(sorted(expected), dtype=np.int64)


@pytest.mark.parametrize("window", [1, 3, 16])
def test_streamed_lsh_candidates_count_every_distinct_pair_of_all_bands_once(window):
    """candidate_pairs() never holds the set, yet counts exactly the distinct pairs of all
    bands; with a margin that keeps every pair, it gives exactly those pairs."""
    from lawrpt_corpus.dedup.step import Dedup

    rng = np.random.default_rng(3)
    step = Dedup(bucket_window=window, estimate_margin=2.0)
    # few distinct values per column, so many documents share buckets in several bands
    sigs = rng.integers(0, 3, size=(400, step.num_perm)).astype(np.uint32)
    n_sh = np.full(400, 500, dtype=np.int64)
    idx = np.arange(0, 400, 2)
    n = sigs.shape[0]
    expected = _all_band_pairs(step, sigs, idx, n)
    got, count = step.candidate_pairs(sigs, n_sh, idx, n)
    assert got.tolist() == expected.tolist()
    assert count == expected.size > 100 * window


def test_streamed_lsh_candidates_keep_the_pairs_the_estimate_filter_keeps():
    from lawrpt_corpus.dedup.step import Dedup

    rng = np.random.default_rng(5)
    step = Dedup()
    sigs = rng.integers(0, 3, size=(600, step.num_perm)).astype(np.uint32)
    sigs[300:] = sigs[:300]  # near copies: a few values changed
    sigs[300:, ::7] = rng.integers(0, 3, size=sigs[300:, ::7].shape)
    n_sh = rng.integers(100, 3000, size=600)
    idx = np.arange(600)
    keys = _all_band_pairs(step, sigs, idx, 600)
    lo, hi = step._estimate_filter(sigs, n_sh, keys // 600, keys % 600)
    got, count = step.candidate_pairs(sigs, n_sh, idx, 600)
    assert count == keys.size
    assert got.tolist() == (lo * 600 + hi).tolist()
    assert 0 < got.size < keys.size


def test_one_huge_bucket_gives_window_pairs_per_document_once():
    """10,000 documents with the same signature share a bucket in every band: each is
    paired with its next bucket_window neighbours once (not once per band, not all pairs)."""
    from lawrpt_corpus.dedup.step import Dedup

    step = Dedup()
    m, w = 10_000, step.bucket_window
    sigs = np.tile(np.arange(step.num_perm, dtype=np.uint32), (m, 1))
    n_sh = np.full(m, 1000, dtype=np.int64)
    got, count = step.candidate_pairs(sigs, n_sh, np.arange(m), m)
    assert count == got.size == w * m - w * (w + 1) // 2
    assert np.all(np.diff(got) > 0) and np.all(got % m - got // m <= w)


def test_compiled_minhash_kernel_equals_the_numpy_path():
    """With numba installed ([fast]) the kernel runs; its signatures are the numpy path's."""
    from lawrpt_corpus.dedup import _kernels
    from lawrpt_corpus.dedup.signature import _flat, _minhash_numpy

    if not _kernels.available():
        pytest.skip("numba is not installed (the [fast] extra)")
    rng = np.random.default_rng(11)
    for n in (1, 2, 7, 4095, 4096, 4097, 9000):
        x = rng.integers(0, 2**32, size=n, dtype=np.uint64)
        x[0] = 0xFFFFFFFF  # the largest 32-bit value: products wrap mod 2**64
        for perms in (1, 128):
            want = np.full(perms, np.iinfo(np.uint64).max, dtype=np.uint64)
            _minhash_numpy(x, *_flat(perms), want)
            got = np.full(perms, np.iinfo(np.uint64).max, dtype=np.uint64)
            assert _kernels.minhash_min(x, *_flat(perms), got)
            assert np.array_equal(got, want)


def test_numba_can_be_switched_off_and_gives_the_same_signature(monkeypatch):
    from lawrpt_corpus.dedup import _kernels
    from lawrpt_corpus.dedup.signature import minhash

    sh = np.sort(np.random.default_rng(5).integers(0, 2**63, size=3000, dtype=np.uint64))
    first = minhash(sh, 128)
    monkeypatch.setattr(_kernels, "_tried", False)
    monkeypatch.setattr(_kernels, "_kernel", None)
    monkeypatch.setenv("LAWRPT_NO_NUMBA", "1")
    assert not _kernels.available()
    assert np.array_equal(minhash(sh, 128), first)


def test_a_numba_that_cannot_compile_or_cache_falls_back_to_numpy(monkeypatch):
    """E.g. a read-only install where numba finds no cache folder: signatures still come,
    from the numpy path, instead of every document failing in the dedup step."""
    import types

    from lawrpt_corpus.dedup import _kernels
    from lawrpt_corpus.dedup.signature import minhash

    def njit(**_kw):  # type: ignore[no-untyped-def]
        def wrap(fn):  # type: ignore[no-untyped-def]
            raise RuntimeError("cannot cache function: no locator available")

        return wrap

    sh = np.sort(np.random.default_rng(9).integers(0, 2**63, size=500, dtype=np.uint64))
    want = minhash(sh, 128)
    monkeypatch.setitem(sys.modules, "numba", types.SimpleNamespace(njit=njit))
    monkeypatch.setattr(_kernels, "_tried", False)
    monkeypatch.setattr(_kernels, "_kernel", None)
    monkeypatch.delenv("LAWRPT_NO_NUMBA", raising=False)
    assert not _kernels.available()
    assert np.array_equal(minhash(sh, 128), want)


def _numpy_key_signature(codes: np.ndarray, n: int, perms: int, min_sh: int):  # type: ignore[no-untyped-def]
    from lawrpt_corpus.dedup.signature import minhash, shingle_hashes_of

    sh = shingle_hashes_of(codes, n)
    return sh.size, (minhash(sh, perms) if sh.size >= min_sh else None)


def _key_code_samples() -> list[np.ndarray]:
    rng = np.random.default_rng(23)
    out = [np.empty(0, np.uint32), np.array([0x4E00] * 4, np.uint32)]
    for size in (5, 6, 50, 3000, 9000):
        out.append(rng.integers(0x4E00, 0x4E40, size=size, dtype=np.uint32))  # repeats
        out.append(rng.integers(0, 0x110000, size=size, dtype=np.uint32))
    out.append(np.tile(np.arange(0x4E00, 0x4E07, dtype=np.uint32), 500))  # 7 distinct grams
    out.append(np.frombuffer("法治政府建设年度报告".encode("utf-32-le"), np.uint32))  # read-only
    return out


def test_compiled_shingle_kernel_equals_the_numpy_path():
    """The one-pass kernel (no sort; distinct shingles counted in a hash set) gives the
    count and the signature of sorted unique shingles + MinHash."""
    from lawrpt_corpus.dedup import _kernels
    from lawrpt_corpus.dedup.signature import key_signature

    if not _kernels.available():
        pytest.skip("numba is not installed (the [fast] extra)")
    for codes in _key_code_samples():
        for n, perms, min_sh in ((5, 128, 100), (5, 128, 0), (1, 4, 1), (3, 1, 2)):
            count, sig = key_signature(codes, n, perms, min_sh)
            want_count, want_sig = _numpy_key_signature(codes, n, perms, min_sh)
            assert count == want_count
            assert (sig is None) == (want_sig is None)
            if sig is not None:
                assert np.array_equal(sig, want_sig)


def test_key_signature_without_numba_is_the_numpy_path(monkeypatch):
    from lawrpt_corpus.dedup import _kernels
    from lawrpt_corpus.dedup.signature import key_signature

    monkeypatch.setattr(_kernels, "_tried", False)
    monkeypatch.setattr(_kernels, "_kernel", None)
    monkeypatch.setattr(_kernels, "_sig", None)
    monkeypatch.setenv("LAWRPT_NO_NUMBA", "1")
    assert _kernels.shingle_minhash(np.zeros(9, np.uint32), 5, *_flat_perms(4)) == -1
    for codes in _key_code_samples():
        count, sig = key_signature(codes, 5, 128, 100)
        want_count, want_sig = _numpy_key_signature(codes, 5, 128, 100)
        assert count == want_count
        assert (sig is None and want_sig is None) or np.array_equal(sig, want_sig)


def _flat_perms(perms: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    from lawrpt_corpus.dedup.signature import _flat

    return (*_flat(perms), np.full(perms, np.iinfo(np.uint64).max, dtype=np.uint64))


def test_the_first_calls_of_a_process_take_the_numpy_path_then_the_kernel_loads(monkeypatch):
    """numba is imported only after ``WARMUP`` calls (a small build never pays its ~0.6 s
    import); the signatures before and after are the same."""
    from lawrpt_corpus.dedup import _kernels
    from lawrpt_corpus.dedup.signature import key_signature

    codes = _key_code_samples()[7]  # 3000 random code points
    want = _numpy_key_signature(codes, 5, 128, 0)
    monkeypatch.setattr(_kernels, "_tried", False)
    monkeypatch.setattr(_kernels, "_kernel", None)
    monkeypatch.setattr(_kernels, "_sig", None)
    monkeypatch.setattr(_kernels, "_calls", 0)
    # a report's signature on the numpy path is two calls (shingle_minhash, minhash_min)
    monkeypatch.setattr(_kernels, "WARMUP", 4)
    monkeypatch.delenv("LAWRPT_NO_NUMBA", raising=False)
    loads = []
    real_load = _kernels._load
    monkeypatch.setattr(_kernels, "_load", lambda: loads.append(1) or real_load())
    for call in range(5):
        count, sig = key_signature(codes, 5, 128, 0)
        assert count == want[0] and sig is not None and np.array_equal(sig, want[1])
        assert len(loads) == (0 if call < 2 else 1)  # loaded once, at the fifth call
    assert _kernels._tried


def _without_kernels(monkeypatch: pytest.MonkeyPatch) -> None:
    """Make this process take the numpy paths (as with ``LAWRPT_NO_NUMBA=1``)."""
    from lawrpt_corpus.dedup import _kernels

    for name in ("_kernel", "_sig", "_key"):
        monkeypatch.setattr(_kernels, name, None)
    monkeypatch.setattr(_kernels, "_tried", True)


def _has_surrogate(text: str) -> bool:
    return any(0xD800 <= ord(c) < 0xE000 for c in text)


def _key_texts(ref: ModuleType) -> list[str]:
    rng = random.Random(19)
    pieces = ["法治", "政府", "ΟΔΟΣ", "İ", "\U00020000", "\ud800", "ＡＢ１", "abc", "。", " ", "ß"]
    texts = [
        "",
        "，。！",
        "ΟΔΟΣ ΣΑΣ",
        "İstanbul",
        "𠀀𠮷 \U000f0000 x",
        "\U0010ffff",
        "报告\ud800正文",
    ]
    texts += ["".join(rng.choices(pieces, k=rng.randint(0, 30))) for _ in range(400)]
    cps = list(range(0x10000))
    rng.shuffle(cps)
    texts += ["".join(map(chr, cps[i : i + 4000])) for i in range(0, len(cps), 4000)]
    return texts + ref.generated_pages(8, seed=13)


@pytest.mark.parametrize("compiled", [False, True])
def test_key_parts_are_the_key_code_points_and_the_utf8_of_the_string_key(
    ref, monkeypatch, compiled
):
    """What Dedup.prepare shingles and hashes: the compiled pass (table lookup and UTF-8
    in one loop) and the numpy path both give the definition's key, as code points and as
    ``encode("utf-8", "surrogatepass")``."""
    from lawrpt_corpus.dedup import _kernels
    from lawrpt_corpus.dedup.signature import key_parts

    if compiled and not _kernels.available():
        pytest.skip("numba is not installed (the [fast] extra)")
    if not compiled:
        _without_kernels(monkeypatch)
    assert _kernels.loaded() == compiled
    for text in _key_texts(ref):
        key = ref.ref_comparison_key(text, False)
        codes, utf8 = key_parts(text, False)
        assert codes.dtype == np.uint32
        assert codes.tobytes().decode("utf-32-le", "surrogatepass") == key
        assert bytes(utf8) == key.encode("utf-8", "surrogatepass")


def test_the_full_key_table_is_the_bmp_table_below_the_bmp():
    # the compiled key pass tries the BMP table and takes the full one only at an astral
    # code point; numpy picks by the text's maximum: the same key either way
    from lawrpt_corpus.dedup.signature import _ALL, _BMP, _key_table

    assert np.array_equal(_key_table(_ALL)[:_BMP], _key_table(_BMP))


def test_dedup_prepare_stores_the_same_features_with_and_without_the_kernels(ref, monkeypatch):
    from lawrpt_corpus import Document
    from lawrpt_corpus.dedup import _kernels
    from lawrpt_corpus.dedup.step import Dedup

    if not _kernels.available():
        pytest.skip("numba is not installed (the [fast] extra)")
    texts = _key_texts(ref)
    got = {}
    for compiled in (True, False):
        if not compiled:
            _without_kernels(monkeypatch)
        for fold in (False, True):
            step = Dedup(fold_script=fold)
            for k, text in enumerate(texts):
                if fold and not text.isascii() and _has_surrogate(text):
                    continue  # OpenCC takes no lone surrogate (as before)
                doc = Document(source=f"{k}.txt", raw_sha256="0" * 64, n_bytes=0, text=text)
                step.prepare(doc)
                got.setdefault((fold, k), []).append(doc.features["dedup"])
    assert all(a == b for a, b in got.values())
