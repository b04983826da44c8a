"""Where a playbook's templates are found (no Jinja2 here: the cold-start check reads this)."""

from __future__ import annotations

from pathlib import Path

PACKAGED = Path(__file__).resolve().parents[1] / "playbook" / "templates"


def template_dirs(playbook_path: Path | None) -> tuple[Path, ...]:
    """A `templates/` folder beside the playbook first, then the packaged defaults."""
    beside = playbook_path.parent / "templates" if playbook_path else None
    return tuple(d for d in (beside, PACKAGED) if d is not None and d.is_dir())
