"""Where a playbook's templates are found (no Jinja2 here: the cold-start check reads this)."""

from __future__ import annotations

from pathlib import Path

PACKAGED = Path(__file__).resolve().parents[1] / "playbook" / "templates"


def template_dirs(playbook_path: Path | None) -> tuple[Path, ...]:
    """A `templates/` folder beside the playbook first, then the packaged defaults."""
    beside = playbook_path.parent / "templates" if playbook_path else None
    return tuple(d for d in (beside, PACKAGED) if d is not None and d.is_dir())


def in_language(dirs: tuple[Path, ...], language: str | None) -> tuple[Path, ...]:
    """The folders to search for a message in `language`: its `<language>/` subfolders first
    (de/cart_reminder.html, de/base.html), then the brand language's files."""
    if not language:
        return dirs
    return tuple(d / language for d in dirs if (d / language).is_dir()) + dirs
