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
