"""Rewrite docs/configuration.md's table from touchpoint/settings.py
(`python -m touchpoint_tools.refresh_docs`; tests/unit/test_settings.py says when)."""

from __future__ import annotations

import re
import sys
from pathlib import Path

from touchpoint import settings

PAGE = Path(__file__).resolve().parents[2] / "docs" / "configuration.md"
TABLE = re.compile(r"^\| variable \|.*?(?=\n[^|]|\Z)\n?", re.S | re.M)


def main() -> None:
    page = PAGE.read_text(encoding="utf-8")
    if not TABLE.search(page):
        sys.exit(f"{PAGE}: no table starting with '| variable |'")
    PAGE.write_text(TABLE.sub(lambda _: settings.markdown_table(), page, count=1), encoding="utf-8")
    sys.stdout.write(f"{PAGE}\n")


if __name__ == "__main__":
    main()
