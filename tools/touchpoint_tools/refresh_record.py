"""Refresh the packaged playbook's record after a change to it, its templates or the checking
code (`python -m touchpoint_tools.refresh_record`; tests/unit/test_playbook_record.py says when)."""

from __future__ import annotations

import sys

from touchpoint.playbook import loading, record


def main() -> None:
    loading.check(loading.DEFAULT)  # a playbook that fails the check gets no record
    sys.stdout.write(f"{record.vouch(loading.DEFAULT)}\n")


if __name__ == "__main__":
    main()
