"""The Lambda layer's requirements cover every third-party import the functions can reach, and
carry nothing that only the laptop needs (moto, matplotlib)."""

from __future__ import annotations

import ast
import sys
from pathlib import Path

import yaml

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "shared" / "touchpoint"
sys.path.insert(0, str(ROOT / "shared"))
from build_layer import LOCAL_ONLY, TARGET, deployed_files  # noqa: E402

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
    shared = [p for p in PACKAGE.rglob("*.py") if p.relative_to(PACKAGE).parts[0] not in LOCAL_ONLY]
    return [*shared, *(ROOT / "functions").rglob("*.py")]


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


def test_the_layer_holds_every_module_a_function_can_import_and_nothing_local() -> None:
    shipped = {PACKAGE.parent / f for f in deployed_files()}
    assert not {f for f in shipped if f.relative_to(PACKAGE).parts[0] in LOCAL_ONLY}
    reached = set()
    for module in _deployed_modules():
        tree = ast.parse(module.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module and node.module.startswith("touchpoint"):
                names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
            elif isinstance(node, ast.Import):
                names = [a.name for a in node.names if a.name.startswith("touchpoint")]
            else:
                continue
            for name in names:
                path = PACKAGE.parent / name.replace(".", "/")
                found = [p for p in (path.with_suffix(".py"), path / "__init__.py") if p.exists()]
                reached |= set(found)
    missing = reached - shipped
    assert not missing, f"deployed code imports modules the layer leaves out: {sorted(map(str, missing))}"


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
