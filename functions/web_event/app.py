"""WebEvent: Segment-spec storefront events; answers track/page with on-site personalization."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.utilities.typing import LambdaContext

from touchpoint.decide.onsite import personalize
from touchpoint.http import default_response, webhook_app
from touchpoint.pipeline import current_playbook
from touchpoint.sources import segment

logger = Logger()
metrics = Metrics()


def respond(outcomes: list[Any]) -> dict[str, Any]:
    body = default_response(outcomes)
    last = next((o for o in reversed(outcomes) if o.profile is not None), None)
    if last is not None:
        body.update(personalize(last.profile, current_playbook(), datetime.now(UTC)))
    return body


app = webhook_app({"/events": (segment.verify, segment.normalize, "events")}, metrics, respond)


@logger.inject_lambda_context
@metrics.log_metrics
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return app.resolve(event, context)
