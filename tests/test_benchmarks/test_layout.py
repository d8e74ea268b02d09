"""tools/benchmarks/ imports go one way: common <- pose <- sizes, common <- action, and no
import circle, also none hidden inside a function (read from the source, nothing imported)."""
import ast
from pathlib import Path
from typing import Dict, Iterator, Set, Tuple

TOOLS = Path(__file__).resolve().parents[2] / 'tools'
#: what each part of the package may import (besides itself)
ALLOWED = {'budget': set(), 'common': set(), 'pose': {'budget', 'common'},
           'sizes': {'budget', 'common', 'pose'}, 'action': {'common'}}


def _modules() -> Dict[str, Path]:
    out = {}
    for path in sorted((TOOLS / 'benchmarks').rglob('*.py')):
        parts = path.relative_to(TOOLS).with_suffix('').parts
        out['.'.join(parts[:-1] if parts[-1] == '__init__' else parts)] = path
    return out


def _imports(name: str, path: Path, modules: Dict[str, Path]
             ) -> Iterator[Tuple[str, bool, int]]:
    """(imported benchmark module, inside a function?, line) of every import in ``path``."""
    package = name if path.name == '__init__.py' else name.rpartition('.')[0]
    tree = ast.parse(path.read_text())
    nested = {id(n) for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef,
                                                              ast.AsyncFunctionDef))
              for n in ast.walk(f)}
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ''
            if node.level:
                anchor = package.split('.')[:len(package.split('.')) - node.level + 1]
                base = '.'.join(anchor + ([base] if base else []))
            targets = [f'{base}.{a.name}' if f'{base}.{a.name}' in modules else base
                       for a in node.names]
        else:
            continue
        for t in targets:
            if t in modules and t != name:
                yield t, id(node) in nested, node.lineno


def _part(module: str) -> str:
    return module.split('.')[1] if module.count('.') else 'package'


def test_parts_import_one_way_and_never_from_a_function():
    modules = _modules()
    assert {_part(m) for m in modules} == set(ALLOWED) | {'package'}
    graph: Dict[str, Set[str]] = {}
    for name, path in modules.items():
        graph[name] = set()
        for target, in_function, line in _imports(name, path, modules):
            where = f'{path.relative_to(TOOLS)}:{line}'
            assert not in_function, f'{where} imports {target} inside a function'
            assert _part(target) in ALLOWED[_part(name)] | {_part(name)}, \
                f'{where}: {_part(name)} must not import {target}'
            graph[name].add(target)
    done: Set[str] = set()

    def visit(node: str, stack: Tuple[str, ...]) -> None:
        assert node not in stack, f'import circle: {" -> ".join(stack + (node,))}'
        if node in done:
            return
        for nxt in graph[node]:
            visit(nxt, stack + (node,))
        done.add(node)

    for name in graph:
        visit(name, ())
    assert graph['benchmarks.sizes.job'] >= {'benchmarks.pose.configure'}  # the graph is read

