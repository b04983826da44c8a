"""Pure decision code: imports nothing from AWS (a test enforces it)."""

from touchpoint.decide.engine import decide, in_holdout, looks_at_messages, recheck
from touchpoint.decide.model import Action, Decision, MessageView, Profile, Status, Verdict
from touchpoint.playbook.model import Playbook, PlaybookError

__all__ = [
    "Action",
    "Decision",
    "MessageView",
    "Playbook",
    "PlaybookError",
    "Profile",
    "Status",
    "Verdict",
    "decide",
    "in_holdout",
    "looks_at_messages",
    "recheck",
]
