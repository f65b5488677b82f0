"""The local engine's TaskPool (engines/local.py, ``ProcessTaskPool``): results in item
order, ``shared`` reaches every worker, items pulled lazily, a dead worker's items computed
in the driver — what ``SerialPool`` gives."""

from __future__ import annotations

import os
from collections.abc import Iterator

from lawrpt_corpus.engines.local import ProcessTaskPool
from lawrpt_corpus.pipeline import SerialPool


def _scaled(shared: int, item: int) -> tuple[int, int]:
    return item, item * shared


def _die_in_a_worker(shared: int, item: int) -> int:
    if item == 3 and os.getpid() != shared:
        os._exit(1)  # a worker killed (OOM, segfault): the pool breaks
    return item * 10


def test_results_come_in_item_order_with_the_shared_value() -> None:
    items = list(range(40))
    want = list(SerialPool().map(_scaled, items, 7))
    assert list(ProcessTaskPool(2, in_flight=2).map(_scaled, items, 7)) == want
    assert list(ProcessTaskPool(2).map(_scaled, [], 7)) == []


def test_items_are_pulled_lazily_with_a_bounded_number_in_flight() -> None:
    pulled: list[int] = []

    def items() -> Iterator[int]:
        for i in range(30):
            pulled.append(i)
            yield i

    pool = ProcessTaskPool(2, in_flight=2)
    got = pool.map(_scaled, items(), 1)
    assert next(got) == (0, 0)
    assert len(pulled) <= 2 * 2 + 1  # the in-flight window, not the whole stream
    assert [i for i, _ in got] == list(range(1, 30))


def test_a_dead_worker_costs_no_result() -> None:
    got = list(ProcessTaskPool(2, in_flight=2).map(_die_in_a_worker, range(12), os.getpid()))
    assert got == [i * 10 for i in range(12)]
