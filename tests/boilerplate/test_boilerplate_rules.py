"""The rule packs as data: every rule's own examples, linear time, and rule-file errors."""

from __future__ import annotations

import pickle
import time
from pathlib import Path

import pytest

from lawrpt_corpus.boilerplate import StripBoilerplate, default_rules
from lawrpt_corpus.boilerplate.patterns import nested_unbounded_repeat
from lawrpt_corpus.boilerplate.ruleset import PACKAGE_PACKS, Rule
from lawrpt_corpus.document import Document
from tests.helpers.adversarial import MB, adversarial_lines, scanned_patterns

RULES = default_rules().rules


def _claims(rule: Rule, line: str) -> bool:
    if rule.action == "flag" or rule.zone == "inline":
        return rule.pattern.search(line) is not None
    return rule.matches_line(line)


def test_every_shipped_pack_is_loaded_and_ids_are_unique() -> None:
    sources = {r.source for r in RULES}
    shipped = Path(__file__).resolve().parents[2] / "src/lawrpt_corpus/boilerplate/rules"
    assert sources == {p.name for p in shipped.glob("*.toml")}
    assert {f"{name}.toml" for name in PACKAGE_PACKS} <= sources
    ids = [r.id for r in RULES]
    assert len(ids) == len(set(ids))
    assert all(r.description for r in RULES)


@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_claims_its_examples_and_leaves_its_keep_lines(rule: Rule) -> None:
    for line in rule.examples:
        assert _claims(rule, line), f"{rule.id} should claim {line!r}"
    for line in rule.keep:
        assert not _claims(rule, line), f"{rule.id} must leave {line!r}"


def test_no_shipped_pattern_nests_unbounded_repeats() -> None:
    """The static guard the loader applies to every rule file (user files included)."""
    for rule in RULES:
        assert not nested_unbounded_repeat(rule.pattern), rule.id
        assert rule.unless is None or not nested_unbounded_repeat(rule.unless), rule.id


@pytest.mark.slow
@pytest.mark.parametrize("rule", RULES, ids=lambda r: r.id)
def test_rule_scans_a_1mb_adversarial_line_in_well_under_a_second(rule: Rule) -> None:
    """Each pattern (its ``unless``, its ``whole``) over every 1 MB line: < 1 s of CPU a scan.

    CPU time, not wall time, so a loaded machine does not make the test flaky; a pattern
    that backtracks on long runs takes minutes, not a second.
    """
    for line in adversarial_lines(rule):
        for _name, pattern in scanned_patterns(rule):
            t0 = time.process_time()
            for _ in pattern.finditer(line):
                pass
            assert time.process_time() - t0 < 1.0, (rule.id, line[:20])


@pytest.mark.slow
def test_whole_step_on_a_1mb_line_document_is_fast_and_keeps_it() -> None:
    step = StripBoilerplate()
    text = ("加强法治政府建设，扫一扫【打印】##paid" * (MB // 22))[:MB]
    doc = Document(source="big", raw_sha256="0" * 64, n_bytes=MB, text=text)
    t0 = time.process_time()
    step(doc)
    assert time.process_time() - t0 < 5.0  # generous: a guard against quadratic behaviour
    assert doc.kept and len(doc.text) > MB // 2


# -- user rule files -------------------------------------------------------------------------
GOOD = """
category = "site"

[[rule]]
id = "site.slogan"
zone = "line"
pattern = '^XX在线，服务到家$'
description = "The slogan line of one mirror site."
examples = ["XX在线，服务到家"]
"""


def test_user_rule_file_adds_a_rule_whose_id_lands_in_removed(tmp_path: Path) -> None:
    path = tmp_path / "my.toml"
    path.write_text(GOOD, encoding="utf-8")
    step = StripBoilerplate(rules=[str(path)])
    doc = Document(
        source="a", raw_sha256="0" * 64, n_bytes=0, text="正文一。\nXX在线，服务到家\n正文二。"
    )
    step(doc)
    assert doc.text == "正文一。\n正文二。"
    assert [(r.rule, r.text) for r in doc.removed] == [("site.slogan", "XX在线，服务到家\n")]
    assert step.params()["rules"] == [str(path)]


def test_step_with_user_rules_pickles_and_works_without_the_file(tmp_path: Path) -> None:
    path = tmp_path / "my.toml"
    path.write_text(GOOD, encoding="utf-8")
    step = pickle.loads(pickle.dumps(StripBoilerplate(rules=[path])))
    path.unlink()
    clone = pickle.loads(pickle.dumps(step))
    doc = Document(source="a", raw_sha256="0" * 64, n_bytes=0, text="正文。\nXX在线，服务到家")
    clone(doc)
    assert doc.text == "正文。"


BAD_FILES = {
    "not-toml": ("[[rule]\nid = ", "not valid TOML"),
    "no-rules": ('category = "x"\n', "no [[rule]] tables"),
    "no-id": ("[[rule]]\nzone='line'\npattern='a'\ndescription='d'\ncategory='x'\n", "invalid id"),
    "bad-zone": (
        "[[rule]]\nid='x.a'\ncategory='x'\nzone='middle'\npattern='a'\ndescription='d'\n",
        "'x.a'",
    ),
    "bad-regex": (
        "[[rule]]\nid='x.b'\ncategory='x'\nzone='line'\npattern='(a'\ndescription='d'\n",
        "bad pattern",
    ),
    "empty-match": (
        "[[rule]]\nid='x.c'\ncategory='x'\nzone='line'\npattern='a*'\ndescription='d'\n",
        "empty string",
    ),
    "no-description": ("[[rule]]\nid='x.d'\ncategory='x'\nzone='line'\npattern='a'\n", "'x.d'"),
    "unknown-key": (
        "[[rule]]\nid='x.e'\ncategory='x'\nzone='line'\npattern='a'\ndescription='d'\nzoom=1\n",
        "unknown keys",
    ),
    "flag-without-name": (
        "[[rule]]\nid='x.f'\ncategory='flag'\nzone='text'\npattern='a'\ndescription='d'\n",
        "flag =",
    ),
    "nested-repeat": (
        "[[rule]]\nid='x.g'\ncategory='x'\nzone='line'\npattern='(?:a\\s*)+b'\ndescription='d'\n",
        "nested unbounded",
    ),
    "duplicate-of-builtin": (
        "[[rule]]\nid='chrome.breadcrumb'\ncategory='x'\nzone='line'\npattern='a'\n"
        "description='d'\n",
        "duplicate id",
    ),
}


@pytest.mark.parametrize("name", sorted(BAD_FILES))
def test_bad_rule_file_fails_at_construction_naming_file_and_rule(
    tmp_path: Path, name: str
) -> None:
    text, message = BAD_FILES[name]
    path = tmp_path / f"{name}.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ValueError) as err:
        StripBoilerplate(rules=[str(path)])
    assert str(path) in str(err.value)
    assert message in str(err.value)


def test_missing_rule_file_is_a_clear_error(tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="cannot read"):
        StripBoilerplate(rules=[str(tmp_path / "nope.toml")])


def test_builtin_false_without_rules_is_refused() -> None:
    with pytest.raises(ValueError, match="no rule packs"):
        StripBoilerplate(builtin=False)
