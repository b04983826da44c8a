"""SupportTicket: tickets opened, solved and rated; promotions pause while one is open."""

from __future__ import annotations

from touchpoint import coldstart  # first: the collector waits while the function loads

# isort: split
from touchpoint.http import webhook_handler
from touchpoint.sources import generic, zendesk

lambda_handler = webhook_handler(
    {
        "/webhooks/zendesk/tickets": (zendesk.verify, zendesk.normalize, "tickets"),
        "/webhooks/generic/tickets": (generic.verify, generic.normalize, "tickets"),
    }
)

coldstart.loaded()
