"""Build the Lambda layer (`sam build` runs this through shared/Makefile).

The layer holds the touchpoint package whole and its dependencies, pinned by constraints.txt,
as wheels for Python 3.13 on arm64 whatever the building machine is. What only runs on a laptop
(the CLI, the local runtime, the demo, the simulator, the backtest, the reports, `connect`) is
the separate touchpoint_tools package with its own requirements (moto, matplotlib): nothing of it
can reach the layer.

Every module is compiled to bytecode by Python 3.13 itself (the runtime's version; `sam build`
needs that interpreter anyway). Lambda mounts the layer read-only, so a layer without .pyc files
makes every cold start compile botocore, pydantic and the rest again: about four times the CPU
of loading them compiled (measured on the local venv, 2.0 to 2.4 s against 0.5 s for WebEvent).
The .pyc files are unchecked-hash ones: they stay valid whatever the zip does to file times.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

HERE = Path(__file__).resolve().parent
PACKAGE = HERE / "touchpoint"
TARGET = ("--platform", "manylinux2014_aarch64", "--implementation", "cp", "--python-version", "3.13")
VERSION = TARGET[TARGET.index("--python-version") + 1]


def runtime_python() -> str | None:
    """The functions' Python (python3.13) on PATH, or one pyenv installed but did not activate."""
    pyenv = sorted(Path.home().glob(f".pyenv/versions/{VERSION}*/bin/python{VERSION}"))
    for command in (f"python{VERSION}", *map(str, pyenv)):
        try:
            subprocess.run([command, "-c", "pass"], check=True, capture_output=True, timeout=30)
        except (OSError, subprocess.CalledProcessError, subprocess.TimeoutExpired):
            continue
        return command
    return None


def compile_for_runtime(destination: Path) -> None:
    """Bytecode for every module, made by the runtime's own Python (see the module docstring)."""
    python = runtime_python()
    if python is None:
        sys.exit(f"python{VERSION} is needed to compile the layer for the functions' runtime")
    subprocess.run(
        [
            python,
            "-m",
            "compileall",
            "-q",
            "-j",
            "0",
            "--invalidation-mode",
            "unchecked-hash",
            str(destination),
        ],
        check=True,
    )


def deployed_files() -> list[Path]:
    """Every file of the package, relative to the package's parent."""
    return sorted(
        path.relative_to(HERE)
        for path in PACKAGE.rglob("*")
        if path.is_file() and "__pycache__" not in path.parts
    )


def install(destination: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--upgrade", "--no-compile",
         "--requirement", str(HERE / "requirements.txt"), "--constraint", str(HERE / "constraints.txt"),
         *TARGET, "--only-binary=:all:", "--target", str(destination)],
        check=True,
    )  # fmt: skip


def lock() -> None:
    """constraints.txt: what requirements.txt resolves to today for the layer's target."""
    with tempfile.TemporaryDirectory() as scratch:
        report = Path(scratch) / "report.json"
        subprocess.run(
            [sys.executable, "-m", "pip", "install", "--quiet", "--disable-pip-version-check", "--dry-run",
             "--ignore-installed", "--report", str(report), "--requirement", str(HERE / "requirements.txt"),
             *TARGET, "--only-binary=:all:", "--target", str(Path(scratch) / "target")],
            check=True,
        )  # fmt: skip
        resolved = json.loads(report.read_text())["install"]
    pins = sorted(f"{r['metadata']['name']}=={r['metadata']['version']}" for r in resolved)
    header = "# The layer's pinned dependency closure (Python 3.13, arm64); `make lock` renews it.\n"
    (HERE / "constraints.txt").write_text(header + "\n".join(pins) + "\n")


def copy(destination: Path) -> None:
    for relative in deployed_files():
        target = destination / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(HERE / relative, target)


if __name__ == "__main__":
    if sys.argv[1:] == ["--lock"]:
        lock()
    else:
        out = Path(sys.argv[1])
        install(out)
        copy(out)
        compile_for_runtime(out)
