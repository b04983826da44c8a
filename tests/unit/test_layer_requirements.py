"""The Lambda layer's requirements cover every third-party import the functions can reach, and
carry nothing that only the laptop needs (moto, matplotlib)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "shared" / "touchpoint"
# code that runs only on the laptop: the local runtime, CLI, demo, simulator, backtest and reports
LOCAL_ONLY = ("local", "backtest", "report", "sim", "cli.py", "cli_history.py", "demo.py")
IMPORT_TO_DIST = {
    "aws_lambda_powertools": "aws-lambda-powertools",
    "pynamodb": "pynamodb",
    "sendgrid": "sendgrid",
    "yaml": "pyyaml",
    "phonenumbers": "phonenumbers",
    "jinja2": "jinja2",
    "babel": "babel",
    "pydantic": "aws-lambda-powertools",  # the [parser] extra brings it
    "markupsafe": "jinja2",
    "python_http_client": "sendgrid",  # the sendgrid client's transport
}
IN_THE_RUNTIME = {"boto3", "botocore"}  # the Lambda Python runtime provides them


def _imports(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found |= {alias.name.split(".")[0] for alias in node.names}
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module.split(".")[0])
    return found


def _deployed_modules() -> list[Path]:
    shared = [p for p in PACKAGE.rglob("*.py") if p.relative_to(PACKAGE).parts[0] not in LOCAL_ONLY]
    return [*shared, *(ROOT / "functions").rglob("*.py")]


def _requirements() -> set[str]:
    lines = (ROOT / "shared" / "requirements.txt").read_text().splitlines()
    names = {line.split(">")[0].split("[")[0].split("=")[0].strip().lower() for line in lines}
    return {n for n in names if n and not n.startswith("#")}


def test_every_deployed_import_is_in_the_layer() -> None:
    third_party = set().union(*map(_imports, _deployed_modules())) - set(sys.stdlib_module_names)
    third_party -= {"touchpoint", "functions", *IN_THE_RUNTIME}
    unknown = third_party - set(IMPORT_TO_DIST)
    assert not unknown, f"deployed code imports {sorted(unknown)}: add them to shared/requirements.txt"
    missing = {IMPORT_TO_DIST[name] for name in third_party} - _requirements()
    assert not missing, f"shared/requirements.txt lacks {sorted(missing)}"


def test_the_layer_carries_nothing_local() -> None:
    assert not {"moto", "matplotlib", "selenium", "pytest"} & _requirements()
