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
