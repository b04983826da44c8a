"""The Lambda layer is the touchpoint package whole: every module in it is one a function can
reach, none reaches the laptop package, and its requirements cover every third-party import
while carrying nothing that only the laptop needs (moto, matplotlib)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "shared" / "touchpoint"
sys.path.insert(0, str(ROOT / "shared"))
from build_layer import TARGET, deployed_files  # noqa: E402

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
    "cryptography": "cryptography",
}
IMPORT_TO_DIST |= {"boto3": "boto3", "botocore": "boto3"}  # pinned in the layer: see requirements.txt


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
    return [*PACKAGE.rglob("*.py"), *(ROOT / "functions").rglob("*.py")]


def _requirements() -> set[str]:
    lines = (ROOT / "shared" / "requirements.txt").read_text().splitlines()
    names = {line.split(">")[0].split("[")[0].split("=")[0].strip().lower() for line in lines}
    return {n for n in names if n and not n.startswith("#")}


def test_every_deployed_import_is_in_the_layer() -> None:
    third_party = set().union(*map(_imports, _deployed_modules())) - set(sys.stdlib_module_names)
    third_party -= {"touchpoint", "functions"}
    unknown = third_party - set(IMPORT_TO_DIST)
    assert not unknown, f"deployed code imports {sorted(unknown)}: add them to shared/requirements.txt"
    missing = {IMPORT_TO_DIST[name] for name in third_party} - _requirements()
    assert not missing, f"shared/requirements.txt lacks {sorted(missing)}"


def test_the_layer_carries_nothing_local() -> None:
    assert not {"moto", "matplotlib", "selenium", "pytest"} & _requirements()


def _pins() -> dict[str, str]:
    lines = (ROOT / "shared" / "constraints.txt").read_text().splitlines()
    pairs = [line.split("==") for line in lines if line and not line.startswith("#")]
    return {name.lower().replace("_", "-"): version for name, version in pairs}


def test_every_layer_requirement_is_pinned() -> None:
    unpinned = {name.replace("_", "-") for name in _requirements()} - set(_pins())
    assert not unpinned, f"constraints.txt lacks {sorted(unpinned)}: run `make lock`"


def _touchpoint_imports(module: Path) -> set[Path]:
    """The package's modules one file imports, at its top or inside a function."""
    reached = set()
    for node in ast.walk(ast.parse(module.read_text(encoding="utf-8"))):
        if isinstance(node, ast.ImportFrom) and node.module and node.module.split(".")[0] == "touchpoint":
            names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names if a.name.split(".")[0] == "touchpoint"]
        else:
            continue
        for name in names:
            parts = name.split(".")
            for depth in range(1, len(parts) + 1):  # importing a.b.c runs a and a.b first
                path = PACKAGE.parent.joinpath(*parts[:depth])
                reached |= {p for p in (path.with_suffix(".py"), path / "__init__.py") if p.exists()}
    return reached


def _reached_from_functions() -> set[Path]:
    todo = list((ROOT / "functions").rglob("*.py"))
    reached: set[Path] = set()
    while todo:
        for found in _touchpoint_imports(todo.pop()) - reached:
            reached.add(found)
            todo.append(found)
    return reached


def test_the_layer_holds_the_runtime_package_whole_and_only_what_functions_reach() -> None:
    shipped = {PACKAGE.parent / f for f in deployed_files()}
    modules = set(PACKAGE.rglob("*.py"))
    assert modules <= shipped
    unreached = modules - _reached_from_functions()
    assert not unreached, f"no function imports {sorted(str(p.relative_to(ROOT)) for p in unreached)}"


def test_the_runtime_package_never_imports_the_laptop_package() -> None:
    for module in PACKAGE.rglob("*.py"):
        assert "touchpoint_tools" not in _imports(module), module


def test_the_layer_is_built_for_the_functions_runtime() -> None:
    class Loader(yaml.SafeLoader):
        pass

    Loader.add_multi_constructor("!", lambda loader, suffix, node: None)
    template = yaml.load((ROOT / "template.yaml").read_text(), Loader=Loader)
    runtime = template["Globals"]["Function"]["Runtime"]
    layer = template["Resources"]["SharedLayer"]
    assert layer["Metadata"]["BuildMethod"] == "makefile"  # shared/Makefile -> build_layer.py
    assert layer["Properties"]["CompatibleRuntimes"] == [runtime]
    assert runtime == f"python{TARGET[TARGET.index('--python-version') + 1]}"
    assert template["Globals"]["Function"]["Architectures"] == ["arm64"] and "aarch64" in " ".join(TARGET)
