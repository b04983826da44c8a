"""The Preferences function's routes: one-click unsubscribe (JSON) and the preference page (HTML)."""

from __future__ import annotations

import base64
import json
from typing import Any

from aws_lambda_powertools import Logger, Metrics
from aws_lambda_powertools.event_handler import APIGatewayHttpResolver, Response, content_types
from aws_lambda_powertools.logging import correlation_paths
from aws_lambda_powertools.metrics import MetricUnit
from aws_lambda_powertools.utilities.typing import LambdaContext

from touchpoint import pipeline
from touchpoint.errors import Ignored, SourceError
from touchpoint.playbook import loading
from touchpoint.preferences import center
from touchpoint.profiles import changes, store

logger = Logger(child=True)
HTML = "text/html; charset=utf-8"
SECURITY = {
    "Cache-Control": "no-store",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    # the page is one form and its own inline style: nothing else may load, run or frame it
    "Content-Security-Policy": (
        "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; "
        "frame-ancestors 'none'; base-uri 'none'"
    ),
}


def _current(customer_id: str) -> dict[str, Any]:
    """The choices shown: the profile alone (a page shows no messages), of the customer the link's
    one lives on as after a merge."""
    customer_id, raw = store.live_profile(customer_id)
    if not raw or raw.get("merged_into"):
        raise Ignored("this link is not valid any more")
    profile = changes.as_profile(raw, customer_id)
    return {
        "email": profile.has_consent("email"),
        "sms": profile.has_consent("sms"),
        "sms_known": bool(profile.phone),
        "topics_off": profile.topics_off,
        "frequency": profile.frequency,
        "locale": profile.locale,
        "country": profile.country,
    }


def _body(app: APIGatewayHttpResolver) -> bytes:
    event = app.current_event
    raw = event.body or ""
    return base64.b64decode(raw) if event.is_base64_encoded else raw.encode("utf-8")


def _html(status: int, text: str) -> Response:
    return Response(status_code=status, content_type=HTML, body=text, headers=SECURITY)


def build(metrics: Metrics) -> APIGatewayHttpResolver:
    app = APIGatewayHttpResolver()

    @app.post("/unsubscribe/<token>")
    def one_click(token: str) -> Response:
        event = center.unsubscribe(token)
        try:
            pipeline.handle(event)
        except Ignored as exc:  # an erased or unknown customer: never a success that did nothing
            return Response(
                404, content_types.APPLICATION_JSON, json.dumps({"error": exc.reason}), headers=SECURITY
            )
        metrics.add_metric(name="Unsubscribed", unit=MetricUnit.Count, value=1)
        body = {"unsubscribed": True, "channel": event.consents[0].channel}
        return Response(200, content_types.APPLICATION_JSON, json.dumps(body), headers=SECURITY)

    @app.get("/preferences/<token>")
    def show(token: str) -> Response:
        who = center.subject(token)
        metrics.add_metric(name="PreferencesShown", unit=MetricUnit.Count, value=1)
        return _html(200, center.page(token, _current(who.customer_id), _playbook()))

    @app.post("/preferences/<token>")
    def change(token: str) -> Response:
        who = center.subject(token)
        pipeline.handle(center.save(token, _body(app), _current(who.customer_id)))
        metrics.add_metric(name="PreferencesSaved", unit=MetricUnit.Count, value=1)
        return _html(200, center.page(token, _current(who.customer_id), _playbook(), saved=True))

    @app.exception_handler(Ignored)
    def _gone(exc: Ignored) -> Response:
        return _html(404, f"<!doctype html><title>Link not valid</title><p>{exc.reason}</p>")

    @app.exception_handler(SourceError)
    def _bad(exc: SourceError) -> Response:
        return _html(exc.status, f"<!doctype html><title>Not saved</title><p>{exc}</p>")

    return app


def _playbook() -> loading.Playbook:
    return loading.current_playbook()


def handler() -> Any:
    logger_, metrics = Logger(), Metrics()
    app = build(metrics)

    @logger_.inject_lambda_context(correlation_id_path=correlation_paths.API_GATEWAY_HTTP)
    @metrics.log_metrics
    def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
        return app.resolve(event, context)

    return lambda_handler
