"""WebEvent: Segment-spec storefront events; answers track/page with on-site personalization."""

from __future__ import annotations

from touchpoint import coldstart  # first: the collector waits while the function loads

# isort: split
from datetime import UTC, datetime
from typing import Any

from touchpoint.decide.onsite import personalize
from touchpoint.http import default_response, webhook_handler
from touchpoint.playbook_in_use import current_playbook
from touchpoint.sources import segment


def respond(outcomes: list[Any]) -> dict[str, Any]:
    body = default_response(outcomes)
    last = next((o for o in reversed(outcomes) if o.profile is not None), None)
    if last is not None:
        body.update(personalize(last.profile, current_playbook(), datetime.now(UTC)))
    return body


lambda_handler = webhook_handler({"/events": (segment.verify, segment.normalize, "events")}, respond)

coldstart.loaded()
