"""Typography: width profile and GB/T 15834-2011 punctuation in Chinese context."""

from __future__ import annotations

import pickle
import re
import unicodedata

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lawrpt_corpus import Document, Typography
from lawrpt_corpus.document import EDIT_TRAIL_MAX
from lawrpt_corpus.normalize.typography import normalize_punctuation, rule_ids, width_profile
from lawrpt_corpus.text.chars import HAN

HALF_NEXT_TO_HAN = re.compile(rf"(?<=[{HAN}])[,;:!?()]|[,;:!?()](?=[{HAN}])")
NFKC_SEEDS = ["000", "001", "002", "003"]


def norm(text: str) -> str:
    return normalize_punctuation(text)[0]


def run(text: str, **kw: object) -> Document:
    doc = Document(source="t", raw_sha256="0" * 64, n_bytes=0, text=text)
    return Typography(**kw)(doc)  # type: ignore[arg-type]


def seed(seed_texts: dict[str, str], prefix: str) -> str:
    return next(v for k, v in seed_texts.items() if k.startswith(prefix))


# -- the seeds --
@pytest.mark.parametrize("prefix", NFKC_SEEDS)
def test_nfkc_folded_seeds_have_no_half_width_punctuation_next_to_han(seed_texts, prefix):
    text = seed(seed_texts, prefix)
    assert HALF_NEXT_TO_HAN.search(text), "the seed should start out NFKC-folded"
    out = run(text).text
    assert HALF_NEXT_TO_HAN.findall(out) == []


PROTECTED = {
    # token in the seed → how it must read afterwards (identical unless the brackets around it
    # are Chinese parentheses)
    "000": {
        "1916.76万元": "1916.76万元",
        "0791-85722422": "0791-85722422",
        "(2021-2025年)": "（2021-2025年）",
        "【2023】": "【2023】",
        "县委办公室 县政府办公室": "县委办公室 县政府办公室",
        "46.54%": "46.54%",
    },
    "001": {
        "〔2024〕": "〔2024〕",
        "印发<关于根治欠薪工作全链条防控机制": "印发〈关于根治欠薪工作全链条防控机制",
        "的十三条措施>的通知》": "的十三条措施〉的通知》",
        "2.3万多份": "2.3万多份",
    },
    "002": {"“12·4”": "“12·4”", "“AA”": "“AA”", "率103.66%": "率103.66%", "1.健全": "1.健全"},
    "004": {"4.15国家安全日": "4.15国家安全日", "〔2023〕": "〔2023〕"},
}


@pytest.mark.parametrize("prefix", sorted(PROTECTED))
def test_protected_tokens_come_through(seed_texts, prefix):
    text = seed(seed_texts, prefix)
    out = run(text).text
    for token, expected in PROTECTED[prefix].items():
        assert text.count(token) >= 1, token
        assert out.count(expected) == text.count(token) + text.count(expected) * (
            token != expected
        ), token


def test_full_width_seed_body_is_unchanged_only_trailing_lines_change(seed_texts):
    text = seed(seed_texts, "004")
    doc = run(text)
    before, after = text.split("\n"), doc.text.split("\n")
    assert len(before) == len(after)
    # the body ends with the signature date; nothing up to it changes
    end = max(
        i for i, line in enumerate(before) if re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", line)
    )
    assert before[: end + 1] == after[: end + 1]
    changed = [i for i, (a, b) in enumerate(zip(before, after, strict=True)) if a != b]
    assert changed and all(i > end for i in changed)
    assert 0 < doc.width_profile < 0.05


def test_nfkc_fold_of_full_width_seed_is_restored_in_its_body(seed_texts):
    text = seed(seed_texts, "004")
    folded = unicodedata.normalize("NFKC", text)
    assert folded != text
    restored = norm(folded).split("\n")
    original = text.split("\n")
    end = max(
        i for i, line in enumerate(original) if re.fullmatch(r"\d{4}年\d{1,2}月\d{1,2}日", line)
    )
    assert restored[: end + 1] == original[: end + 1]


@pytest.mark.parametrize("prefix", NFKC_SEEDS)
def test_seed_width_profile_is_one_and_edits_are_counted(seed_texts, prefix):
    text = seed(seed_texts, prefix)
    doc = run(text)
    assert doc.width_profile == 1.0
    counts = {e.rule: e.count for e in doc.edits if e.step == "typography"}
    assert counts["comma"] == text.count(",") - doc.text.count(",")
    assert counts["paren"] == (text.count("(") - doc.text.count("(")) * 2
    assert set(counts) <= set(rule_ids())
    # the text changed exactly where the counts say (full-width marks are single characters)
    assert sum(a != b for a, b in zip(text, doc.text, strict=True)) == sum(counts.values())


# -- the rules, case by case -----------------------------------------------------------------------
CASES = [
    # comma / semicolon: a Chinese neighbour on either side
    ("2024年,在县委", "2024年，在县委"),
    ("客服:cwk,请联系", "客服：cwk，请联系"),
    ("共1,000元", "共1,000元"),
    ("a,b;c", "a,b;c"),
    ("甲;乙", "甲；乙"),
    ("100%,法治", "100%，法治"),
    # colon, exclamation, question: after Chinese
    ("如下:", "如下："),
    ("时间:9:30", "时间：9:30"),
    ("9:30开会", "9:30开会"),
    ("好!", "好！"),
    ("是吗?!", "是吗？！"),
    ("Really?!", "Really?!"),
    # parentheses
    ("(一)加强领导", "（一）加强领导"),
    ("纲要(2021-2025年)》", "纲要（2021-2025年）》"),
    ("f(x)", "f(x)"),
    ("函数f(x)的值", "函数f(x)的值"),
    ("表(1)", "表（1）"),
    ("(含(一)项)", "（含（一）项）"),
    ("(f(x)的值)", "（f(x)的值）"),
    ("1)健全制度", "1）健全制度"),
    ("(一）加强", "（一）加强"),
    ("g(y) and h(z)", "g(y) and h(z)"),
    # double quotes, left-to-right pairing per line
    ('开展"春风行动"活动', "开展“春风行动”活动"),
    ('"a" 和 "b"', '"a" 和 "b"'),
    ('称为"AA"的', "称为“AA”的"),
    ('say "hi"', 'say "hi"'),
    # title marks inside 《》
    ("《印发<关于根治欠薪的措施>的通知》", "《印发〈关于根治欠薪的措施〉的通知》"),
    ("a<b>c", "a<b>c"),
    # ellipsis and dash
    ("等等...", "等等……"),
    ("等等......", "等等……"),
    ("等等。。。", "等等……"),
    ("等等…", "等等……"),
    ("等等……", "等等……"),
    ("v1...v2", "v1...v2"),
    ("素材库】--每天", "素材库】——每天"),
    ("使用--out参数", "使用--out参数"),
    ("2021--2025", "2021--2025"),
    ("北京—上海", "北京—上海"),
    # never touched
    ("1916.76万元", "1916.76万元"),
    ("电话0791-85722422", "电话0791-85722422"),
    ("【2023】〔2024〕", "【2023】〔2024〕"),
    ("“12·4”国家宪法日", "“12·4”国家宪法日"),
    ("县委办公室 县政府办公室", "县委办公室 县政府办公室"),
    ("网址:https://www.gov.cn/a_(b),c?d=1;e=2", "网址：https://www.gov.cn/a_(b),c?d=1;e=2"),
    ("详见(http://x.cn/p?q=1)。", "详见（http://x.cn/p?q=1）。"),
    ("邮箱:admin@gov.cn,电话", "邮箱：admin@gov.cn，电话"),
    ("Hello, world! (see: x)", "Hello, world! (see: x)"),
    ("", ""),
]


@pytest.mark.parametrize(("text", "expected"), CASES)
def test_rules_case_by_case(text, expected):
    assert norm(text) == expected
    assert norm(expected) == expected


def test_every_rule_of_the_data_file_fires_and_is_logged_under_its_id():
    text = (
        '等等...素材库】--每天《印发<关于措施>的通知》开展"春风"活动(一)加强'
        "\n(二）推进\n1)健全,甲;乙:好!吗?"
    )
    doc = run(text)
    assert [e.rule for e in doc.edits] == list(rule_ids())
    assert all(e.step == "typography" and e.count > 0 for e in doc.edits)


def test_context_never_crosses_a_line_break():
    assert norm("第一行\n,abc") == "第一行\n,abc"
    assert norm('中"\n"中') == '中"\n"中'
    assert norm("(中\n文)") == "（中\n文）"  # lone parens, each touching Chinese


def test_width_profile_measures_the_input():
    assert width_profile("甲,乙,丙") == 1.0
    assert width_profile("甲，乙，丙") == 0.0
    assert width_profile("甲,乙，丙") == 0.5
    assert width_profile("a,b (c)") is None
    assert width_profile("") is None
    doc = run("甲,乙")
    assert doc.width_profile == 1.0 and doc.text == "甲，乙"


def test_disabled_rules_are_skipped_and_unknown_ids_refused():
    doc = run("甲,乙(丙)", disable=("comma",))
    assert doc.text == "甲,乙（丙）"
    assert [e.rule for e in doc.edits] == ["paren"]
    with pytest.raises(ValueError, match="unknown"):
        Typography(disable=("no-such-rule",))


def test_text_holding_placeholder_noncharacters_is_still_correct():
    text = "\ufdd0甲(a)\ufdd1,乙 f(x) 见http://a.cn/x,请\ufdd2"
    assert norm(text) == "\ufdd0甲（a）\ufdd1，乙 f(x) 见http://a.cn/x，请\ufdd2"


def test_empty_and_ascii_only_documents_are_left_alone():
    assert run("").text == "" and run("").edits == []
    text = "Plain English, with (parentheses): yes!"
    doc = run(text)
    assert doc.text == text and doc.edits == [] and doc.width_profile is None


def test_lone_surrogates_are_kept_and_do_not_break_the_step():
    doc = run("甲,\ud800乙(丙)")
    assert doc.text == "甲，\ud800乙（丙）"
    assert doc.width_profile == 1.0


def test_step_is_picklable_and_describes_itself():
    step = Typography(disable=("quote",))
    assert pickle.loads(pickle.dumps(step)) == step
    described = step.describe()
    assert described["name"] == "typography" and described["version"] == Typography.version
    assert described["params"]["disable"] == ["quote"]
    assert set(described["params"]["data"]) == {"data/typography.toml"}  # its content digest


def test_long_lines_of_marks_run_in_linear_time():
    # pathological inputs for backtracking engines: many openers, many quotes, long runs
    text = "(" * 20000 + "中" + '"' * 20001 + "-" * 20000 + "中" + "." * 20000
    out = norm(text)
    assert norm(out) == out
    assert out.startswith("（" * 20000 + "中“”") and "(" not in out


# -- properties --
ALPHABET = (
    list("甲乙丙中文年月日一二三")
    + list(',;:!?()"<>.-·…—。，；：！？（）“”《》【】〔〕')
    + list("ab xyZ019%@/\n")
)
PUNCT = set(',;:!?()"<>.-·…—。，；：！？（）“”〈〉《》【】〔〕⋯・－')
texts = st.text(alphabet=ALPHABET, max_size=80)


def letters_and_digits(text: str) -> str:
    return "".join(c for c in text if c not in PUNCT)


@pytest.mark.slow
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(texts)
def test_normalization_is_idempotent(text):
    once = norm(text)
    assert norm(once) == once


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(texts)
def test_only_punctuation_ever_changes(text):
    out = norm(text)
    assert letters_and_digits(out) == letters_and_digits(text)
    assert out.count("\n") == text.count("\n")


URLS = st.builds(
    lambda host, path, q: f"https://{host}.gov.cn/{path}?id={q}&x=(1),2;3",
    st.text(alphabet="abcxyz", min_size=1, max_size=6),
    st.text(alphabet="abc/_.-019", max_size=10),
    st.integers(0, 10**6),
)


@pytest.mark.slow
@settings(max_examples=200, deadline=None)
@given(st.lists(st.one_of(texts, URLS), max_size=6))
def test_urls_digits_and_latin_words_are_never_altered(parts):
    text = "".join(parts)
    out = norm(text)
    for part in parts:
        if part.startswith("https://"):
            assert part in out
    for token in re.findall(r"[A-Za-z0-9%]+", text):
        assert token in out
    assert re.findall(r"[0-9]+(?:[.:\-][0-9]+)*", out) == re.findall(
        r"[0-9]+(?:[.:\-][0-9]+)*", text
    )


# -- the located trail: recorded by each rule as it rewrites --
def replay(before: str, doc: Document) -> str:
    """Apply the recorded change calls to ``before``, call by call, checking that each
    span's ``before`` is what the text holds there."""
    calls: dict[int, list[tuple[int, int, str, str]]] = {}
    for e in doc.edit_trail():
        calls.setdefault(e.call, []).append((e.start, e.end, e.before, e.after))
    text = before
    for call in sorted(calls):
        out, pos = [], 0
        for start, end, old, new in sorted(calls[call]):
            assert start >= pos and text[start:end] == old
            out += [text[pos:start], new]
            pos = end
        text = "".join([*out, text[pos:]])
    return text


def test_each_span_is_labelled_with_the_rule_that_made_it() -> None:
    doc = run('甲(乙)丙,见1)条（注)与"法"...止!?')
    by_rule = {(e.rule, e.before, e.after) for e in doc.edit_trail()}
    assert by_rule == {
        ("paren", "(", "（"),
        ("paren", ")", "）"),
        ("paren-mixed", ")", "）"),
        ("paren-lone", ")", "）"),
        ("comma", ",", "，"),
        ("quote", '"', "“"),
        ("quote", '"', "”"),
        ("ellipsis", "...", "……"),
        ("exclamation", "!", "！"),
        ("question", "?", "？"),
    }
    assert replay('甲(乙)丙,见1)条（注)与"法"...止!?', doc) == doc.text


@pytest.mark.parametrize(
    "text",
    [
        "见https://www.gov.cn/a,b?x=(1)页面,详见(附件)。邮箱a.b@gov.cn,谢谢...好",
        "《关于<甲>与<乙>的规定》,第(一)项--说明;时间:9:30",
        "((中文)),再(说)一次??",
    ],
)
def test_the_trail_replays_to_the_output_with_urls_masked_and_offsets_real(text: str) -> None:
    doc = run(text)
    assert doc.edit_spans_dropped == 0 and doc.edit_trail()
    assert replay(text, doc) == doc.text


def test_a_full_trail_only_counts_and_a_nearly_full_one_keeps_the_first_spans() -> None:
    text = "甲,乙。" * 50
    doc = Document(source="t", raw_sha256="0" * 64, n_bytes=0, text=text)
    doc.edit_spans = [("x", "y", 0, 0, "", "", 0)] * (EDIT_TRAIL_MAX - 3)
    Typography()(doc)
    kept = [e for e in doc.edit_trail() if e.step == "typography"]
    assert [e.start for e in kept] == [1, 5, 9] and doc.edit_spans_dropped == 47
    assert {e.rule: e.count for e in doc.edits}["comma"] == 50


@pytest.mark.slow
@settings(max_examples=300, deadline=None)
@given(st.lists(st.one_of(texts, URLS), max_size=6))
def test_the_trail_of_any_text_replays_to_the_output(parts):
    text = "".join(parts)
    doc = run(text)
    if not doc.edit_spans_dropped:
        assert replay(text, doc) == doc.text
    assert doc.text == norm(text)


# -- the one lookup pass that lets the step skip searches (issue #19, docpath) ------------------
_GATE_ALPHABET = '中文,;:!?()"<>《》.。…⋯·・-－/w@:x1 \n'


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=_GATE_ALPHABET, max_size=40))
def test_the_lookup_pass_rules_out_only_texts_without_rare_forms_or_urls(text):
    from lawrpt_corpus.normalize.typography import _RARE, _kinds, _may_hold

    rare, url = _may_hold(_kinds(text))
    if not rare:
        assert not any(needle in text for needle in _RARE)
    if not url:
        assert not ("://" in text or "www." in text or "@" in text)


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.text(alphabet=_GATE_ALPHABET, max_size=60))
def test_the_step_gives_what_the_ungated_rules_give(text):
    doc = run(text)
    assert doc.text == norm(text)
    assert doc.width_profile == width_profile(text)


def test_another_pass_is_searched_for_only_when_one_of_its_first_characters_is_there():
    from lawrpt_corpus.normalize.typography import _AGAIN_FIRST, _AGAIN_RE

    # every character that can start a match of the pattern is in the gate's list
    for cp in range(0x10000):
        c = chr(cp)
        if 0xD800 <= cp < 0xE000 or c in _AGAIN_FIRST:
            continue
        assert _AGAIN_RE.search(f"中{c}中") is None, repr(c)
