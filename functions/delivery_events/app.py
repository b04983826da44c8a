"""DeliveryEvents: SendGrid's signed event webhook. Opens, clicks, bounces, unsubscribes and spam
reports reach the profile; delivery events settle messages whose send timed out."""

from __future__ import annotations

from touchpoint import coldstart  # first: the collector waits while the function loads

# isort: split
from typing import Any

from touchpoint import pipeline
from touchpoint.events import ProviderEvent
from touchpoint.http import webhook_handler
from touchpoint.sending import reconcile
from touchpoint.sources import sendgrid_events


def handle(item: Any) -> Any:
    if isinstance(item, ProviderEvent):
        return reconcile.apply(item)
    return pipeline.handle(item)


lambda_handler = webhook_handler(
    {"/webhooks/sendgrid/events": (sendgrid_events.verify, sendgrid_events.normalize, "events")},
    handle=handle,
)

coldstart.loaded()
