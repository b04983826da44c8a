"""decide/ stays pure: no AWS import anywhere below it."""

from __future__ import annotations

import ast
from pathlib import Path

import touchpoint.decide

FORBIDDEN = (
    "boto3",
    "botocore",
    "pynamodb",
    "moto",
    "touchpoint.profiles",
    "touchpoint.plan",
    "touchpoint.channels",
    "touchpoint.aws",
)


def test_decide_imports_nothing_from_aws() -> None:
    root = Path(touchpoint.decide.__file__).parent
    for path in root.glob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = (
                [a.name for a in node.names]
                if isinstance(node, ast.Import)
                else [node.module or ""]
                if isinstance(node, ast.ImportFrom)
                else []
            )
            for name in names:
                assert not name.startswith(FORBIDDEN), f"{path.name} imports {name}"


def test_every_package_folder_is_a_regular_package() -> None:
    """setuptools' find_packages skips folders without __init__.py: a wheel would ship without them."""
    root = Path(touchpoint.decide.__file__).parents[1]
    for folder in [root, *[p for p in root.rglob("*") if p.is_dir() and p.name != "__pycache__"]]:
        if any(folder.glob("*.py")):
            assert (folder / "__init__.py").exists(), folder


def test_a_storefront_functions_first_request_imports_no_phone_template_or_yaml_library() -> None:
    """phonenumbers, Jinja2 and yaml are a fifth of a cold start: a page view needs none, so they
    load only when an event carries a phone or address, a message is rendered, or a playbook
    comes without the record that carries it parsed."""
    import subprocess
    import sys

    root = Path(touchpoint.decide.__file__).parents[3]  # the checkout: functions/ beside shared/
    code = (
        "import runpy, sys; runpy.run_path('functions/web_event/app.py');"
        "import touchpoint.pipeline as p; p.current_playbook();"
        "print(sorted(m for m in ('phonenumbers', 'jinja2', 'yaml') if m in sys.modules))"
    )
    env = {"AWS_DEFAULT_REGION": "us-east-1", "PATH": "/usr/bin:/bin", "PYTHONPATH": str(root / "shared")}
    out = subprocess.run([sys.executable, "-c", code], cwd=root, env=env, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip().splitlines()[-1] == "[]"


def _module_graph() -> dict[str, set[str]]:
    """Every import between our modules, at the top of a file, inside a function or for types."""
    import touchpoint_tools

    roots = [Path(touchpoint.decide.__file__).parents[1], Path(touchpoint_tools.__file__).parent]
    files = {}
    for root in roots:
        for path in root.rglob("*.py"):
            name = ".".join(path.relative_to(root.parent).with_suffix("").parts).removesuffix(".__init__")
            files[name] = path
    graph: dict[str, set[str]] = {name: set() for name in files}
    for name, path in files.items():
        for node in ast.walk(ast.parse(path.read_text())):
            if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                targets = [f"{node.module}.{a.name}" for a in node.names] + [node.module]
            elif isinstance(node, ast.Import):
                targets = [a.name for a in node.names]
            else:
                continue
            for target in targets:
                while target and target not in files:
                    target = target.rpartition(".")[0]
                if target and target != name and not name.startswith(target + "."):
                    graph[name].add(target)
    return graph


def _loop_from(graph: dict[str, set[str]], start: str) -> list[str] | None:
    path, seen = [start], set()

    def walk(node: str) -> list[str] | None:
        for nxt in sorted(graph[node]):
            if nxt == start:
                return [*path, start]
            if nxt not in seen:
                seen.add(nxt)
                path.append(nxt)
                found = walk(nxt)
                if found:
                    return found
                path.pop()
        return None

    return walk(start)


def test_the_import_graph_has_no_loops() -> None:
    graph = _module_graph()
    loops = [loop for name in sorted(graph) if (loop := _loop_from(graph, name))]
    assert not loops, "import loop: " + " -> ".join(loops[0])
