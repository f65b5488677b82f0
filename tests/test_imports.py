"""The package's import graph: no circles, and every module importable on its own.

The graph is read from the source (AST), counting every import — at module level or inside
a function (a lazy import is still a dependency) — except those under ``if TYPE_CHECKING:``.
"""

from __future__ import annotations

import ast
import os
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src"
PACKAGE = "lawrpt_corpus"


def module_files(src: Path, package: str) -> dict[str, Path]:
    """Every module of ``package`` under ``src``: dotted name → file (a package is its
    ``__init__.py``)."""
    out: dict[str, Path] = {}
    for path in sorted((src / package).rglob("*.py")):
        parts = list(path.relative_to(src).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        out[".".join(parts)] = path
    return out


def _is_type_checking(test: ast.expr) -> bool:
    return (isinstance(test, ast.Name) and test.id == "TYPE_CHECKING") or (
        isinstance(test, ast.Attribute) and test.attr == "TYPE_CHECKING"
    )


def _imports(tree: ast.AST) -> list[ast.Import | ast.ImportFrom]:
    """Every import statement of ``tree`` outside ``if TYPE_CHECKING:`` blocks."""
    found: list[ast.Import | ast.ImportFrom] = []
    stack: list[ast.AST] = [tree]
    while stack:
        node = stack.pop()
        if isinstance(node, ast.If) and _is_type_checking(node.test):
            stack.extend(node.orelse)
            continue
        if isinstance(node, ast.Import | ast.ImportFrom):
            found.append(node)
        stack.extend(ast.iter_child_nodes(node))
    return found


def import_graph(src: Path, package: str) -> dict[str, set[str]]:
    """module → the package modules it imports (a name imported from a package that is a
    submodule counts as that submodule; any other name as the package's ``__init__``)."""
    modules = module_files(src, package)
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        is_pkg = path.name == "__init__.py"
        here = name.split(".") if is_pkg else name.split(".")[:-1]
        deps: set[str] = set()
        for node in _imports(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                deps.update(a.name for a in node.names if a.name in modules)
                continue
            if node.level:
                base = here[: len(here) - (node.level - 1)]
                target = ".".join([*base, *(node.module.split(".") if node.module else [])])
            else:
                target = node.module or ""
            if target not in modules:
                continue
            for alias in node.names:
                sub = f"{target}.{alias.name}"
                deps.add(sub if sub in modules else target)
        deps.discard(name)
        graph[name] = deps
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of ``graph`` as ``[a, b, …, a]``, or None (iterative DFS)."""
    state: dict[str, int] = {}  # 1 = on the stack, 2 = done
    for root in sorted(graph):
        if state.get(root):
            continue
        path = [root]
        iters = [iter(sorted(graph[root]))]
        state[root] = 1
        while iters:
            nxt = next(iters[-1], None)
            if nxt is None:
                state[path.pop()] = 2
                iters.pop()
            elif state.get(nxt) == 1:
                return [*path[path.index(nxt) :], nxt]
            elif not state.get(nxt):
                state[nxt] = 1
                path.append(nxt)
                iters.append(iter(sorted(graph.get(nxt, ()))))
    return None


def test_the_package_has_no_import_cycle() -> None:
    graph = import_graph(SRC, PACKAGE)
    assert len(graph) > 30  # the walk found the package
    assert find_cycle(graph) is None, " → ".join(find_cycle(graph) or [])


def test_the_cycle_check_finds_a_lazy_circle_through_a_package_init(tmp_path: Path) -> None:
    pkg = tmp_path / "pkg"
    (pkg / "engines").mkdir(parents=True)
    (pkg / "__init__.py").write_text("from .build import build\n\nVERSION = 1\n")
    (pkg / "build.py").write_text("def build():\n    from . import helper\n")
    (pkg / "helper.py").write_text("X = 1\n")
    (pkg / "engines" / "__init__.py").write_text("")
    (pkg / "engines" / "local.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from ..build import build\n"
    )
    assert find_cycle(import_graph(tmp_path, "pkg")) is None  # TYPE_CHECKING does not count
    (pkg / "helper.py").write_text("def f():\n    from .engines.local import run\n")
    (pkg / "engines" / "local.py").write_text("def run():\n    from .. import VERSION\n")
    cycle = find_cycle(import_graph(tmp_path, "pkg"))
    assert cycle is not None and cycle[0] == cycle[-1]
    assert {"pkg", "pkg.build", "pkg.helper", "pkg.engines.local"} <= set(cycle)


def test_stages_import_no_other_stage() -> None:
    """extract, decode, normalize, boilerplate, metadata and dedup import ``text``,
    ``document`` and ``pipeline`` (and their own modules), never another stage's helpers
    (HTML extraction and the decode step share the decoding cascade in ``text.cascade``)."""
    stages = ("extract", "decode", "normalize", "boilerplate", "metadata", "dedup")
    shared = {f"{PACKAGE}.{m}" for m in ("document", "pipeline")}
    for name, deps in import_graph(SRC, PACKAGE).items():
        parts = name.split(".")
        if len(parts) < 2 or parts[1] not in stages:
            continue
        own = f"{PACKAGE}.{parts[1]}"
        for dep in deps:
            ok = dep in shared or dep == own or dep.startswith((own + ".", f"{PACKAGE}.text"))
            assert ok, f"{name} imports {dep}"


_ALONE = textwrap.dedent(
    """
    import importlib, sys, types
    src, names = sys.argv[1], sys.argv[2:]
    def stub():
        # the top package without running its __init__, so each module brings in only what
        # it imports itself (subpackages' __init__ do run, as in a real import)
        pkg = types.ModuleType("lawrpt_corpus")
        pkg.__path__ = [src + "/lawrpt_corpus"]
        sys.modules["lawrpt_corpus"] = pkg
    for name in names:
        for m in [m for m in sys.modules if m == "lawrpt_corpus" or m.startswith("lawrpt_corpus.")]:
            del sys.modules[m]
        if name == "lawrpt_corpus":
            importlib.import_module(name)
            continue
        stub()
        importlib.import_module(name)
    """
)


def _importable() -> list[str]:
    """Every module but ``__main__`` (importing it runs the CLI)."""
    return [n for n in sorted(module_files(SRC, PACKAGE)) if not n.endswith(".__main__")]


def _import_alone(names: list[str]) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    return subprocess.run(
        [sys.executable, "-c", _ALONE, str(SRC), *names],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )


def test_every_module_imports_with_none_of_the_package_loaded() -> None:
    """One fresh interpreter; before each module, every ``lawrpt_corpus`` module is dropped
    (third-party modules stay cached), so each is imported alone, in its own order."""
    proc = _import_alone(_importable())
    assert proc.returncode == 0, proc.stderr[-3000:]


@pytest.mark.slow
def test_every_module_imports_alone_in_a_fresh_interpreter() -> None:
    for name in _importable():
        proc = _import_alone([name])
        assert proc.returncode == 0, f"{name}: {proc.stderr[-3000:]}"


def test_build_is_the_function_even_after_its_module_was_imported() -> None:
    code = (
        "import lawrpt_corpus.build, lawrpt_corpus\n"
        "from lawrpt_corpus import build\n"
        "print(callable(build) and build is lawrpt_corpus.build)\n"
    )
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parent.parent / "src")}
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=env)
    assert out.stdout.strip() == "True", out.stderr


#: What a build needs and start-up does not: ``import lawrpt_corpus`` and the CLI's parser
#: (``--help``, option defaults) must load none of these (build.py imports them in build()).
_HEAVY = ("numpy", "pyarrow", "filelock", "lawrpt_corpus.defaults", "lawrpt_corpus.publish")


@pytest.mark.parametrize(
    "code",
    [
        "import lawrpt_corpus",
        "from lawrpt_corpus import build",
        "import lawrpt_corpus.cli as c; c._parser()",
    ],
)
def test_start_up_imports_no_stage_nor_pyarrow(code: str) -> None:
    probe = f"{code}\nimport sys\nprint(sorted(m for m in {_HEAVY!r} if m in sys.modules))\n"
    env = {**os.environ, "PYTHONPATH": str(SRC)}
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, env=env)
    assert out.returncode == 0, out.stderr[-3000:]
    assert out.stdout.strip() == "[]"


def test_build_signature_defaults_are_the_publish_constants() -> None:
    """build.py writes two defaults out (not to import pyarrow); they must stay the same."""
    import inspect

    from lawrpt_corpus import build
    from lawrpt_corpus.publish import card, writer

    params = inspect.signature(build).parameters
    assert params["shard_rows"].default == writer.DEFAULT_SHARD_ROWS
    assert params["license"].default == card.LICENSE
