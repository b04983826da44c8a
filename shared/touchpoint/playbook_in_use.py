"""The playbook the functions run (the pushed one, else PLAYBOOK, else the packaged one), parsed
once per container and file.

Apart from the pipeline so that the Sender, which rechecks and renders but never handles an
event, loads the playbook without the event models and the pipeline's modules (about 4 ms of
its cold start, compiled).
"""

from __future__ import annotations

from touchpoint import config
from touchpoint.decide import Playbook
from touchpoint.decide import playbook as playbooks


def current_playbook() -> Playbook:
    return playbooks.load(config.playbook_path())
