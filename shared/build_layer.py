"""Build the Lambda layer (`sam build` runs this through shared/Makefile).

The layer holds the deployed part of the touchpoint package and its dependencies, pinned by
constraints.txt, as wheels for Python 3.13 on arm64 whatever the building machine is. Nothing
that only runs on a laptop goes in: the local runtime, the CLI, the demo, the simulator, the
backtest, the reports and the platform `connect` commands, and no moto or matplotlib.
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
LOCAL_ONLY = frozenset(
    {"local", "backtest", "report", "sim", "connect", "cli.py", "cli_history.py", "cli_connect.py", "demo.py"}
)
TARGET = ("--platform", "manylinux2014_aarch64", "--implementation", "cp", "--python-version", "3.13")


def deployed_files() -> list[Path]:
    """Every file of the package a function can reach, relative to the package's parent."""
    return sorted(
        path.relative_to(HERE)
        for path in PACKAGE.rglob("*")
        if path.is_file()
        and path.relative_to(PACKAGE).parts[0] not in LOCAL_ONLY
        and "__pycache__" not in path.parts
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
