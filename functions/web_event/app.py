"""WebEvent: Segment-spec storefront events; answers track/page with on-site personalization."""

from __future__ import annotations

from touchpoint import coldstart  # first: the collector waits while the function loads

# isort: split
from dataclasses import replace
from datetime import UTC, datetime
from typing import Any

from touchpoint import pipeline
from touchpoint.decide.onsite import named, personalize
from touchpoint.http import default_response, webhook_handler
from touchpoint.playbook.loading import current_playbook
from touchpoint.sources import segment


def respond(outcomes: list[Any]) -> dict[str, Any]:
    body = default_response(outcomes)
    for outcome, part in zip(outcomes, body.get("results") or [body], strict=True):
        if not _shown(outcome):  # a stranger learns no named customer's id
            part["customer_id"] = None
    last = next((o for o in reversed(outcomes) if o.profile is not None), None)
    if last is not None:
        body.update(personalize(last.profile, current_playbook(), datetime.now(UTC), last.proven))
    return body


def _shown(outcome: pipeline.Outcome) -> bool:
    """Whether the caller may see whose profile the event went to: proven, or a browsing one."""
    return outcome.proven or (outcome.profile is not None and not named(outcome.profile))


def handle(event: Any) -> pipeline.Outcome:
    return replace(pipeline.handle(event), proven=event.proven)


lambda_handler = webhook_handler(
    {"/events": (segment.verify, segment.normalize, "events")}, respond, handle, browser=True
)

coldstart.loaded()
