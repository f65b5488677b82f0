"""The writer's columns built from buffers are the arrays ``pa.array`` builds."""

from __future__ import annotations

import random
import subprocess
import sys
from typing import Any

import pyarrow as pa
import pytest

from lawrpt_corpus.publish.schema import DATA_SCHEMA, MANIFEST_SCHEMA
from lawrpt_corpus.publish.writer import column

_TEXTS = ["", "a", "法治政府建设", "〔2024〕第3号\n", "x" * 300, "😀 emoji", "\u3000全角"]


def _value(t: pa.DataType, rnd: random.Random) -> Any:
    if rnd.random() < 0.2:
        return None
    if pa.types.is_string(t):
        return rnd.choice(_TEXTS)
    if pa.types.is_integer(t):
        return rnd.choice([0, 1, -7, 2024, 2**31 - 1, -(2**31)])
    if pa.types.is_floating(t):
        return rnd.choice([0.0, 1.0, 0.1, 1 / 3, 0.987654321])
    if pa.types.is_list(t):
        return [_value(t.value_type, rnd) for _ in range(rnd.randrange(4))]
    if pa.types.is_struct(t):
        return {f.name: _value(f.type, rnd) for f in t}
    raise AssertionError(t)


@pytest.mark.parametrize("seed", range(20))
@pytest.mark.parametrize("schema", [DATA_SCHEMA, MANIFEST_SCHEMA], ids=["data", "manifest"])
def test_every_column_equals_what_pa_array_builds(schema: pa.Schema, seed: int) -> None:
    rnd = random.Random(seed)
    n = rnd.choice([0, 1, 7, 64])
    for f in schema:
        values = [_value(f.type, rnd) for _ in range(n)]
        built = column(values, f.type)
        built.validate(full=True)
        expected = pa.array(values, type=f.type)
        assert built.type == f.type and built.null_count == expected.null_count
        assert built.equals(expected), f.name
        assert built.to_pylist() == expected.to_pylist()


@pytest.mark.parametrize(
    ("values", "t"),
    [
        ([1, True, None], pa.int32()),  # a bool in an int column
        ([2**40], pa.int32()),  # out of range: pa.array raises
        (["a", 1], pa.string()),  # not a string
        ([(1, 2)], pa.list_(pa.int64())),  # a tuple, not a list
        ([{1: 2}], pa.map_(pa.int32(), pa.int32())),  # a type not built from buffers
    ],
)
def test_what_the_buffers_do_not_take_goes_to_pa_array(values: list[Any], t: pa.DataType) -> None:
    try:
        expected = pa.array(values, type=t)
    except (pa.ArrowException, OverflowError, TypeError) as exc:
        with pytest.raises(type(exc)):
            column(values, t)
    else:
        assert column(values, t).equals(expected)


def test_writing_columns_does_not_import_pandas() -> None:
    code = (
        "import sys\n"
        "from lawrpt_corpus.publish.writer import _batch\n"
        "from lawrpt_corpus.publish.schema import DATA_SCHEMA\n"
        "row = {f.name: None for f in DATA_SCHEMA}\n"
        "row.update(id='a', text='法治', sections=['一'], removed=[{'rule': 'r', 'text': 't',"
        " 'start': 3}], edits=[], attachments=[], flags=[], duplicates=[], width_profile=1.0)\n"
        "_batch([row], DATA_SCHEMA, buffers=True)\n"
        "print('pandas' in sys.modules)\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"


@pytest.mark.parametrize("bound", [0, 3, 10**9])
def test_shards_are_the_same_bytes_from_buffers_or_pa_array(
    tmp_path, monkeypatch, bound: int, seeds_dir
) -> None:
    """The writer converts its first BUFFER_ROWS rows from buffers, the rest with pa.array:
    where the switch falls changes no byte of a shard."""
    from lawrpt_corpus import build
    from lawrpt_corpus.publish import writer

    files = {}
    for name, b in (("pa.array", 0), ("bound", bound)):
        monkeypatch.setattr(writer, "BUFFER_ROWS", b)
        monkeypatch.setattr(writer, "_ROW_GROUP", 2)  # several batches per shard
        out = tmp_path / name
        build([seeds_dir, seeds_dir], out, workers=1, shard_rows=4)
        files[name] = {
            p.relative_to(out).as_posix(): p.read_bytes() for p in sorted(out.rglob("*.parquet"))
        }
    assert len(files["bound"]) >= 3 and files["bound"] == files["pa.array"]


@pytest.mark.parametrize("buffers", [True, False])
def test_removed_and_edits_from_the_records_equal_the_dict_rows(buffers: bool) -> None:
    """The writer's rows hold the documents' own Removal/Edit lists
    (``data_row(doc, records=True)``); their columns are the arrays ``pa.array`` builds
    from ``data_row``'s dicts — offsets, values, a start of -1 as null — on either path."""
    from lawrpt_corpus.document import Document, Edit, Removal
    from lawrpt_corpus.publish.schema import data_row
    from lawrpt_corpus.publish.writer import _batch

    rnd = random.Random(3)
    docs = []
    for i in range(40):
        doc = Document(f"s{i}", f"{i:064x}", 10, text=rnd.choice(_TEXTS))
        doc.removed = [
            Removal(rnd.choice(["chrome.nav", "规则"]), rnd.choice(_TEXTS), rnd.choice([-1, 0, 7]))
            for _ in range(rnd.randrange(4))
        ]
        doc.edits = [Edit("typography", "width", rnd.randrange(1, 9)) for _ in range(i % 3)]
        docs.append(doc)
    for part in (docs, [d for d in docs if all(r.start >= 0 for r in d.removed)], docs[:0]):
        got = _batch([data_row(d, records=True) for d in part], DATA_SCHEMA, buffers=buffers)
        rows = [data_row(d) for d in part]
        for name in ("removed", "edits"):
            want = pa.array([r[name] for r in rows], type=DATA_SCHEMA.field(name).type)
            got[name].validate(full=True)
            assert got[name].equals(want), name
