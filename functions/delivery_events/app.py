"""DeliveryEvents: SendGrid event webhook; unsubscribes and bounces update consent."""

from __future__ import annotations

from touchpoint.http import webhook_handler
from touchpoint.sources import sendgrid_events

lambda_handler = webhook_handler(
    {
        "/webhooks/sendgrid/events": (sendgrid_events.verify, sendgrid_events.normalize, "events"),
    }
)
