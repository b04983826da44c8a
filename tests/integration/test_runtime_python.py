"""The functions on the Python the template deploys them with (python3.13), where this machine
has it: the pinned layer dependencies install there and every handler module imports and runs
its cold start. CI's own interpreter is the oldest supported one (3.11), so both ends are tested."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from ..conftest import ROOT

sys.path.insert(0, str(ROOT / "shared"))
from build_layer import VERSION, compile_for_runtime, runtime_python

VENV = ROOT / f".venv-{VERSION}"

IMPORT_EVERY_HANDLER = """
import importlib.util, pathlib, sys
for app in sorted(pathlib.Path("functions").glob("*/app.py")):
    spec = importlib.util.spec_from_file_location(f"fn_{app.parent.name}", app)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    assert callable(module.lambda_handler), app
    print(app.parent.name)
print("python=%d.%d" % sys.version_info[:2])
"""


def _interpreter() -> str:
    python = runtime_python()
    if python is None:
        pytest.skip(f"python{VERSION} is not on this machine")
    return python


def _venv(python: str) -> Path:
    """A venv with exactly the layer's pins, made once and reused (.venv-3.13, not committed)."""
    bin_python = VENV / "bin" / "python"
    stamp = VENV / ".pins"
    pins = (ROOT / "shared" / "constraints.txt").read_text()
    if not (bin_python.exists() and stamp.exists() and stamp.read_text() == pins):
        subprocess.run([python, "-m", "venv", "--clear", str(VENV)], check=True, timeout=120)
        subprocess.run(
            [str(bin_python), "-m", "pip", "install", "-q", "--disable-pip-version-check",
             "-r", str(ROOT / "shared" / "requirements.txt"), "-c", str(ROOT / "shared" / "constraints.txt")],
            check=True, timeout=600,
        )  # fmt: skip
        stamp.write_text(pins)
    return bin_python


def test_every_handler_imports_on_the_deployed_python() -> None:
    python = _venv(_interpreter())
    env = {
        "PATH": os.environ["PATH"],
        "PYTHONPATH": str(ROOT / "shared"),
        "AWS_DEFAULT_REGION": "us-east-1",
        "POWERTOOLS_METRICS_NAMESPACE": "Touchpoint",
    }
    done = subprocess.run(
        [str(python), "-c", IMPORT_EVERY_HANDLER],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr[-3000:]
    *names, version = done.stdout.split()
    assert sorted(names) == sorted(p.parent.name for p in (ROOT / "functions").glob("*/app.py"))
    assert version == f"python={VERSION}"


def test_the_layer_is_compiled_by_the_runtimes_python_once_and_for_all(tmp_path: Path) -> None:
    """Lambda mounts the layer read-only: what is not compiled in it is compiled again at every
    cold start. The bytecode must be 3.13's, and hash-based without a source check, so the
    times a zip gives the files cannot make Python set it aside."""
    python = _interpreter()
    (tmp_path / "pkg").mkdir()
    (tmp_path / "pkg" / "mod.py").write_text("VALUE = 1\n")
    compile_for_runtime(tmp_path)
    [pyc] = (tmp_path / "pkg" / "__pycache__").glob("mod.*.pyc")
    assert pyc.name == f"mod.cpython-{VERSION.replace('.', '')}.pyc"
    header = pyc.read_bytes()[:16]
    flags = int.from_bytes(header[4:8], "little")
    assert flags == 0b01  # hash-based, source not checked
    source = tmp_path / "pkg" / "mod.py"
    expected = subprocess.run(  # the key of the hash is the version's own
        [python, "-c", f"import importlib.util as u, pathlib; print(u.source_hash(pathlib.Path({str(source)!r}).read_bytes()).hex())"],
        check=True, capture_output=True, text=True,
    ).stdout.strip()  # fmt: skip
    assert header[8:16].hex() == expected
