"""Parameters apart from fitted state: constructors take parameters only, ``params()`` lists
every one of them, ``fit`` returns a state object that is all ``apply`` needs."""

from __future__ import annotations

import copy
from dataclasses import fields

import pytest

from lawrpt_corpus import Dedup, Document, ExactDedup, RepeatedLines, default_pipeline
from lawrpt_corpus.boilerplate.repeated import RepeatedLinesState
from lawrpt_corpus.dedup.exact import ExactDedupState
from lawrpt_corpus.dedup.step import DedupState
from lawrpt_corpus.pipeline import CorpusStep


def _corpus(seed_texts: dict[str, str]) -> list[Document]:
    texts = list(seed_texts.values())
    chrome = "本页面由网站群内容管理平台生成 技术服务热线"
    docs = []
    for i in range(30):
        text = texts[i % len(texts)]
        if i >= 2 * len(texts):  # copies with a line of page chrome: near duplicates
            text = f"{chrome}\n{text}\n第{i}份"
        d = Document(source=f"site{i}/r.txt", raw_sha256=f"{i:064x}", n_bytes=len(text))
        d.text, d.seq = text, i
        docs.append(d)
    return docs


def test_every_constructor_parameter_of_the_default_steps_is_in_params() -> None:
    for step in default_pipeline().steps:
        names = {f.name for f in fields(step) if f.init and not f.name.startswith("_")}  # type: ignore[arg-type]
        assert names <= step.params().keys(), step.name
        assert "state" not in step.params()


def test_dedup_params_are_derived_and_keep_the_derived_values() -> None:
    params = Dedup(bucket_window=8).params()
    assert params["bucket_window"] == 8  # once left out of the hand-written list
    assert params["num_perm"] == 128 and "key" in params


@pytest.mark.parametrize("step_type", [Dedup, ExactDedup, RepeatedLines])
def test_fitted_state_is_not_a_constructor_parameter(step_type: type[CorpusStep]) -> None:
    with pytest.raises(TypeError):
        step_type(state=object())
    step = step_type()
    assert step.state is None
    step.stats()  # an unfitted step reports (nothing) without failing


@pytest.mark.parametrize(
    ("step_type", "state_type"),
    [(Dedup, DedupState), (ExactDedup, ExactDedupState), (RepeatedLines, RepeatedLinesState)],
)
def test_fit_returns_the_state_and_a_fresh_step_given_it_applies_the_same(
    seed_texts: dict[str, str], step_type: type[CorpusStep], state_type: type
) -> None:
    docs = _corpus(seed_texts)
    fitted = step_type()
    for d in docs:
        fitted.prepare(d)
    state = fitted.fit(docs)
    assert isinstance(state, state_type) and fitted.state is state
    fresh = step_type()
    fresh.set_state(state)
    a = [fitted.apply(copy.deepcopy(d)) for d in docs]
    b = [fresh.apply(copy.deepcopy(d)) for d in docs]
    assert [(d.status, d.reason, d.text, d.duplicates) for d in a] == [
        (d.status, d.reason, d.text, d.duplicates) for d in b
    ]
    assert fresh.stats() == fitted.stats()
    # the corpus exercises the state: duplicates found, the shared chrome line removed
    assert any(d.status == "duplicate" or d.removed for d in a)
